// SPDX-License-Identifier: MIT
/*
 * maps/sock_common.c - the paths BPF_MAP_TYPE_SOCKMAP (sockmap.c) and
 * BPF_MAP_TYPE_SOCKHASH (sockhash.c) share, as kernel/bpf/sock_map.c
 * shares them: the syscall update (a socket descriptor in the value,
 * sock_map_update_elem_sys()), the syscall lookup (the socket cookie,
 * sock_map_lookup_sys()), the map ops' program-side stubs, and the
 * program-side get by map type.  Each map type supplies only its element
 * access (struct ub_sock_map_access).
 */
#include "util/ubc.h"

#include "sock_map.h"

int ub_sock_sys_update(struct ub_map *map, const struct ub_sock_map_access *acc, const void *key,
		       const void *value, uint64_t flags)
{
	struct ub_sock sock;
	uint64_t fd;
	int err;

	if (map->value_size == 8) {
		memcpy(&fd, value, 8);
	} else {
		uint32_t fd32;

		memcpy(&fd32, value, 4);
		fd = fd32;
	}
	err = ub_sock_from_fd(fd, &sock);
	if (err)
		return err;
	return acc->set(map, key, &sock, flags);
}

int ub_sock_sys_lookup(struct ub_map *map, const struct ub_sock_map_access *acc, const void *key,
		       void *value)
{
	struct ub_sock s;

	if (map->value_size != 8)
		return -ENOSPC;
	if (acc->get(map, key, &s))
		return -ENOENT;
	memcpy(value, &s.cookie, 8);
	return 0;
}

void *ub_sock_map_ops_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL;
}

int ub_sock_map_ops_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -EINVAL;
}

bool ub_map_is_sock_map(const struct ub_map *map)
{
	return map->map_type == UB_MAP_TYPE_SOCKMAP || map->map_type == UB_MAP_TYPE_SOCKHASH;
}

int ub_sock_map_get(struct ub_map *map, const void *key, struct ub_sock *out)
{
	if (map->map_type == UB_MAP_TYPE_SOCKMAP)
		return ub_sockmap_access.get(map, key, out);
	if (map->map_type == UB_MAP_TYPE_SOCKHASH)
		return ub_sockhash_access.get(map, key, out);
	return -ENOENT;
}

int ub_sock_map_set(struct ub_map *map, const void *key, const struct ub_sock *sock, uint64_t flags)
{
	if (map->map_type == UB_MAP_TYPE_SOCKMAP)
		return ub_sockmap_access.set(map, key, sock, flags);
	if (map->map_type == UB_MAP_TYPE_SOCKHASH)
		return ub_sockhash_access.set(map, key, sock, flags);
	return -EINVAL;
}
