/* SPDX-License-Identifier: MIT */
/*
 * maps/sock_map.h - what BPF_MAP_TYPE_SOCKMAP (sockmap.c) and
 * BPF_MAP_TYPE_SOCKHASH (sockhash.c) share: the socket an element refers
 * to, and the host's answers about it (sock_host.c, the only file here
 * that talks to the operating system).
 *
 * An element names an open socket of this process, as the kernel's
 * element holds a struct sock: its descriptor, the inode that identifies
 * it, its socket cookie (SO_COOKIE, the value a syscall lookup returns,
 * exactly the kernel's cookie) and its kind.  The map does not keep the
 * socket open: the kernel removes an element when its socket closes, and
 * userbpf finds that out when it next touches the element (the
 * descriptor no longer names the same socket) and drops it then.
 */
#ifndef USERBPF_MAPS_SOCK_MAP_H
#define USERBPF_MAPS_SOCK_MAP_H

#include "map.h"

#define UB_MAP_TYPE_SOCKMAP USERBPF_MAP_TYPE_SOCKMAP
#define UB_MAP_TYPE_SOCKHASH USERBPF_MAP_TYPE_SOCKHASH
/* SOCK_CREATE_FLAG_MASK */
#define UB_SOCK_CREATE_FLAGS (USERBPF_F_NUMA_NODE | USERBPF_F_RDONLY | USERBPF_F_WRONLY)
/* BPF_F_INGRESS, SK_DROP, SK_PASS */
#define UB_SOCK_F_INGRESS 1u
#define UB_SK_DROP 0
#define UB_SK_PASS 1

struct ub_sock {
	int fd;
	uint64_t ino;
	uint64_t cookie;
	int family;
	int type;
	int protocol;
};

/*
 * sock_map_update_elem_sys()'s checks on the descriptor value (u32, or
 * u64 when value_size is 8; above INT32_MAX -EINVAL): -EBADF for a closed
 * descriptor, -ENOTSOCK for one that is not a socket, -EOPNOTSUPP for a
 * socket the kernel cannot put in a sock map (only TCP, UDP, unix and
 * vsock sockets) or in a state it refuses (TCP not listening or
 * established, unbound UDP, unconnected unix stream).
 */
int ub_sock_from_fd(uint64_t fd, struct ub_sock *out);
/* Whether the element's socket is still open (same descriptor, same socket). */
bool ub_sock_alive(const struct ub_sock *s);
/* sock_map_redirect_allowed(): TCP not listening, others connected. */
bool ub_sock_redirect_allowed(const struct ub_sock *s);
bool ub_sock_is_tcp(const struct ub_sock *s);
bool ub_sock_is_vsock(const struct ub_sock *s);

/*
 * struct bpf_sock of the uapi (80 bytes): what a program reads through
 * the socket pointer a lookup in a sock map returns (the kernel's
 * PTR_TO_SOCKET, converted by bpf_sock_convert_ctx_access()).  Ports:
 * src_port in host order, dst_port in network order; addresses in
 * network order; state is the kernel's sk_state (TCP_* numbers, also
 * for UDP and unix sockets); rx_queue_mapping -1 when none was recorded.
 */
struct ub_bpf_sock {
	uint32_t bound_dev_if;
	uint32_t family;
	uint32_t type;
	uint32_t protocol;
	uint32_t mark;
	uint32_t priority;
	uint32_t src_ip4;
	uint32_t src_ip6[4];
	uint32_t src_port;
	uint16_t dst_port;
	uint16_t zero_pad;
	uint32_t dst_ip4;
	uint32_t dst_ip6[4];
	uint32_t state;
	int32_t rx_queue_mapping;
};

/*
 * The struct bpf_sock of a socket, read from the host now (host-only;
 * the core answers -EOPNOTSUPP): 0, or -ENOENT when the socket has
 * closed since it was put in the map.
 */
int ub_sock_view(const struct ub_sock *s, struct ub_bpf_sock *out);

/*
 * What sockmap.c and sockhash.c share (sock_common.c).  Each map type
 * gives its element access as { get, set } on a key:
 *   get: the socket at key copied into *out, or -ENOENT (an empty slot,
 *        a closed socket);
 *   set: sock_map_update_common() / sock_hash_update_common().
 */
struct ub_sock_map_access {
	int (*get)(struct ub_map *map, const void *key, struct ub_sock *out);
	int (*set)(struct ub_map *map, const void *key, const struct ub_sock *sock, uint64_t flags);
};

/* sock_map_update_elem_sys(): the descriptor in value (u32, or u64 with
 * value_size 8), checked by ub_sock_from_fd(), then acc->set. */
int ub_sock_sys_update(struct ub_map *map, const struct ub_sock_map_access *acc, const void *key,
		       const void *value, uint64_t flags);
/* sock_map_lookup_sys(): the socket cookie with value_size 8, else
 * -ENOSPC; -ENOENT for no socket at key. */
int ub_sock_sys_lookup(struct ub_map *map, const struct ub_sock_map_access *acc, const void *key,
		       void *value);
/* The map ops' program-side lookup (no pointer into the map: programs
 * get a socket through ub_sock_map_get, map_helpers.c) and update (the
 * value would be a struct sock: -EINVAL). */
void *ub_sock_map_ops_lookup(struct ub_map *map, const void *key);
int ub_sock_map_ops_update(struct ub_map *map, const void *key, const void *value, uint64_t flags);

/*
 * Program side (bpf_map_lookup_elem and the redirect helpers): the
 * socket at key of a SOCKMAP (key a u32 index) or SOCKHASH, copied into
 * *out; -ENOENT for an empty slot, a closed socket, another map type.
 */
int ub_sock_map_get(struct ub_map *map, const void *key, struct ub_sock *out);
/* The same for an update from a program (the map type's set). */
int ub_sock_map_set(struct ub_map *map, const void *key, const struct ub_sock *sock,
		    uint64_t flags);
bool ub_map_is_sock_map(const struct ub_map *map);

extern const struct ub_sock_map_access ub_sockmap_access;
extern const struct ub_sock_map_access ub_sockhash_access;

#endif
