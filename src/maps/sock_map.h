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
#define UB_SOCK_CREATE_FLAGS                                                  \
	(USERBPF_F_NUMA_NODE | USERBPF_F_RDONLY | USERBPF_F_WRONLY)
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

/* Syscall-side value of an element: the cookie with value_size 8, else
 * -ENOSPC (sock_map_lookup_sys()). */
int ub_sock_sys_value(const struct ub_map *map, const struct ub_sock *s,
		      void *value);

/*
 * Program side (the redirect and update helpers).  The socket at key,
 * copied into *out, or -ENOENT (an empty slot, a closed socket).
 */
int ub_sockmap_get(struct ub_map *map, uint32_t index, struct ub_sock *out);
int ub_sockhash_get(struct ub_map *map, const void *key, struct ub_sock *out);

#endif
