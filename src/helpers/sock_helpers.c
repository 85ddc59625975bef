// SPDX-License-Identifier: MIT
/*
 * sock_helpers.c - the helpers of sock maps (maps/sockmap.c,
 * maps/sockhash.c): bpf_sk_redirect_map (52) and bpf_sk_redirect_hash
 * (72) for sk_skb programs, bpf_msg_redirect_map (60) and
 * bpf_msg_redirect_hash (71) for sk_msg programs, bpf_sock_map_update
 * (53) and bpf_sock_hash_update (70) for sock_ops programs.
 *
 * Run semantics are limited, and say so: userbpf moves no packets
 * between sockets and has no kernel socket behind a context.  A redirect
 * answers what the kernel answers (SK_PASS when the target socket is in
 * the map and may receive a redirect, SK_DROP otherwise: bad flags, an
 * empty slot, a listening TCP socket, egress to a non-TCP socket) but
 * moves nothing; the sock_ops updates return -EOPNOTSUPP, the kernel's
 * answer for a context without a suitable socket.
 */
#include "helpers.h"
#include "maps/sock_map.h"

static struct ub_map *sock_map_arg(struct userbpf_run *run, uint64_t r, uint32_t type)
{
	struct ub_map *map = (struct ub_map *)(uintptr_t)r;

	if (!userbpf_run__map_ok(run, map) || !map || map->map_type != type)
		return NULL;
	return map;
}

/* The tail of bpf_sk_redirect_* / bpf_msg_redirect_*. */
static uint64_t redirect_verdict(int found, const struct ub_sock *s, uint64_t flags)
{
	if (found)
		return UB_SK_DROP;
	if (!ub_sock_redirect_allowed(s))
		return UB_SK_DROP;
	if (!(flags & UB_SOCK_F_INGRESS) && !ub_sock_is_tcp(s))
		return UB_SK_DROP;
	if (ub_sock_is_vsock(s))
		return UB_SK_DROP;
	return UB_SK_PASS;
}

static uint64_t redirect_map(struct userbpf_run *run, uint64_t r2, uint64_t r3, uint64_t r4)
{
	struct ub_map *map = sock_map_arg(run, r2, UB_MAP_TYPE_SOCKMAP);
	struct ub_sock s;

	if (!map || (r4 & ~(uint64_t)UB_SOCK_F_INGRESS))
		return UB_SK_DROP;
	return redirect_verdict(ub_sockmap_get(map, (uint32_t)r3, &s), &s, r4);
}

static uint64_t redirect_hash(struct userbpf_run *run, uint64_t r2, uint64_t r3, uint64_t r4)
{
	struct ub_map *map = sock_map_arg(run, r2, UB_MAP_TYPE_SOCKHASH);
	const void *key = (const void *)(uintptr_t)r3;
	struct ub_sock s;

	if (!map || (r4 & ~(uint64_t)UB_SOCK_F_INGRESS))
		return UB_SK_DROP;
	if (!userbpf_run__mem_ok(run, key, map->key_size, 0))
		return UB_SK_DROP;
	return redirect_verdict(ub_sockhash_get(map, key, &s), &s, r4);
}

UB_HELPER(sk_redirect_map)
{
	return redirect_map(run, r2, r3, r4);
}

UB_HELPER(msg_redirect_map)
{
	return redirect_map(run, r2, r3, r4);
}

UB_HELPER(sk_redirect_hash)
{
	return redirect_hash(run, r2, r3, r4);
}

UB_HELPER(msg_redirect_hash)
{
	return redirect_hash(run, r2, r3, r4);
}

/* bpf_sock_map_update / bpf_sock_hash_update: no socket in the context. */
UB_HELPER(sock_map_update)
{
	if (!sock_map_arg(run, r2, UB_MAP_TYPE_SOCKMAP))
		return UB_ERR(-EINVAL);
	return UB_ERR(-EOPNOTSUPP);
}

UB_HELPER(sock_hash_update)
{
	if (!sock_map_arg(run, r2, UB_MAP_TYPE_SOCKHASH))
		return UB_ERR(-EINVAL);
	return UB_ERR(-EOPNOTSUPP);
}
