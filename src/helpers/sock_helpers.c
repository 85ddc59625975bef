// SPDX-License-Identifier: MIT
/*
 * sock_helpers.c - the helpers of sock maps (maps/sockmap.c,
 * maps/sockhash.c): bpf_sk_redirect_map (52) and bpf_sk_redirect_hash
 * (72) for sk_skb programs, bpf_msg_redirect_map (60) and
 * bpf_msg_redirect_hash (71) for sk_msg programs, bpf_sock_map_update
 * (53) and bpf_sock_hash_update (70) for sock_ops programs; the socket
 * a bpf_map_lookup_elem on a sock map returns (map_helpers.c calls
 * ub_sock_lookup_prog), bpf_sk_release (86) that gives it back, and
 * bpf_map_update_elem on a sock map with it (ub_sock_update_prog).
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
	uint32_t index = (uint32_t)r3;

	if (!map || (r4 & ~(uint64_t)UB_SOCK_F_INGRESS))
		return UB_SK_DROP;
	return redirect_verdict(ub_sock_map_get(map, &index, &s), &s, r4);
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
	return redirect_verdict(ub_sock_map_get(map, key, &s), &s, r4);
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

/* What a lookup hands out: the struct bpf_sock the program reads (first:
 * its address is the allocation's), then the socket itself, for a
 * bpf_map_update_elem with it. */
struct sock_view {
	struct ub_bpf_sock view;
	struct ub_sock sock;
};

static void sock_view_release(void *owner, void *ptr)
{
	(void)owner;
	ub_free(ptr);
}

/* The socket view p if this run holds it (it stays held), or NULL. */
static struct sock_view *held_view(struct userbpf_run *run, void *p)
{
	if (!p || !vm_unhold(run, VM_HELD_SOCK, p, NULL))
		return NULL;
	if (vm_hold(run, VM_HELD_SOCK, p, NULL, sock_view_release)) {
		/* cannot happen: the slot just freed is taken again */
		ub_free(p);
		return NULL;
	}
	return p;
}

/*
 * sock_map_lookup() from a program: the kernel returns the element's
 * struct sock with a reference taken (the verifier's PTR_TO_SOCKET, read
 * as struct bpf_sock), which the program must give back with
 * bpf_sk_release.  Here: a struct bpf_sock read from the socket now,
 * held by the run (released with it if the program does not), readable
 * and not writable in checked mode.  NULL for no socket at key.
 */
void *ub_sock_lookup_prog(struct userbpf_run *run, struct ub_map *map, const void *key)
{
	struct sock_view *v = ub_alloc(sizeof(*v));

	if (!v)
		return NULL;
	if (ub_sock_map_get(map, key, &v->sock) || ub_sock_view(&v->sock, &v->view) ||
	    vm_hold(run, VM_HELD_SOCK, v, NULL, sock_view_release)) {
		ub_free(v);
		return NULL;
	}
	if (userbpf_run__checked(run))
		userbpf_run__add_region(run, &v->view, sizeof(v->view), false);
	return &v->view;
}

/*
 * sock_map_update_elem() from a program: the value is a socket (the
 * verifier's ARG_PTR_TO_BTF_ID_SOCK_COMMON), here one a lookup of this
 * run handed out, else -EINVAL (the kernel's answer for no full socket).
 * The socket must still be one a sock map takes (-EOPNOTSUPP), then the
 * map's update rules apply.
 */
long ub_sock_update_prog(struct userbpf_run *run, struct ub_map *map, const void *key, void *value,
			 uint64_t flags)
{
	struct sock_view *v = held_view(run, value);
	struct ub_sock now;
	int err;

	if (!v)
		return -EINVAL;
	if (!ub_sock_alive(&v->sock))
		return -EOPNOTSUPP;
	err = ub_sock_from_fd((uint64_t)v->sock.fd, &now);
	if (err)
		return err == -EOPNOTSUPP ? err : -EINVAL;
	return ub_sock_map_set(map, key, &now, flags);
}

/* bpf_sk_release: only a socket this run holds (the verifier's
 * OBJ_RELEASE check; unverified, the run stops). */
UB_HELPER(sk_release)
{
	void *view = (void *)(uintptr_t)r1;

	if (!view || !vm_unhold(run, VM_HELD_SOCK, view, NULL)) {
		userbpf_run__abort(run, -EINVAL,
				   "bpf_sk_release of a socket the program does not hold");
		return UB_ERR(-EINVAL);
	}
	if (userbpf_run__checked(run))
		vm_del_region(run, view);
	ub_free(view);
	return 0;
}

/*
 * bpf_sk_lookup_tcp (84), bpf_sk_lookup_udp (85), bpf_skc_lookup_tcp
 * (99): the kernel looks the tuple up in the socket tables of the
 * context's network namespace and hands out a referenced socket.  A
 * userbpf packet context has no such tables behind it (the kernel's are
 * not the process's), so no tuple matches: NULL, the kernel's answer for
 * a tuple without a socket.  The verifier still checks what the kernel
 * checks: the result may be NULL and is a reference to release.
 */
UB_HELPER(sk_lookup)
{
	return 0;
}

/* bpf_sk_fullsock (95): every socket a program can hold here (a sock
 * map's, handed out by a lookup) is a full socket: the same pointer.
 * Anything else (an skb's sk, which userbpf contexts leave NULL): NULL. */
UB_HELPER(sk_fullsock)
{
	return held_view(run, (void *)(uintptr_t)r1) ? r1 : 0;
}

/* bpf_tcp_sock (96): the kernel's struct bpf_tcp_sock is TCP state
 * (cwnd, rtt, sequence numbers) userbpf does not have for a socket:
 * NULL, the kernel's answer for a socket that is not TCP. */
UB_HELPER(tcp_sock)
{
	return 0;
}

/*
 * The kfunc bpf_sock_destroy (net/core/filter.c), for iter/tcp and
 * iter/udp programs: it aborts the socket the iterator handed out.
 * userbpf's iterators hand out no sockets (the kernel's socket tables
 * are not the process's; userbpf_iter__run gives tcp and udp programs
 * only the final NULL call), so no argument is a socket it may destroy:
 * -EOPNOTSUPP, the kernel's answer for a socket it cannot destroy.
 */
UB_HELPER(sock_destroy)
{
	return UB_ERR(-EOPNOTSUPP);
}
