// SPDX-License-Identifier: MIT
/*
 * maps/sockmap.c - BPF_MAP_TYPE_SOCKMAP (kernel/bpf/sock_map.c): an array
 * of sockets indexed by a u32, filled from the syscall side with socket
 * descriptors, read by programs through bpf_sk_redirect_map (52),
 * bpf_msg_redirect_map (60) and bpf_sock_map_update (53).
 *
 * Kernel rules [6.18 verified, tests/maps2/test_sockmap.c]: key_size 4,
 * value_size 4 or 8, max_entries > 0, flags only NUMA_NODE/RDONLY/WRONLY;
 * update flags above BPF_EXIST -> EINVAL, index past the end -> E2BIG,
 * NOEXIST on a full slot -> EEXIST, EXIST on an empty one -> ENOENT;
 * delete of an empty slot or past the end -> EINVAL; syscall lookup
 * returns the socket cookie (value_size 8) or ENOSPC (value_size 4);
 * get_next_key as an array; lookup_and_delete and batches ENOTSUPP.
 *
 * Slots hold struct ub_sock copies under one spinlock (the kernel's
 * stab->lock); programs never get a pointer into the map: their lookup
 * gets a struct bpf_sock of the socket (map_helpers.c, sock_common.c).
 */
#include "util/ubc.h"

#include "sock_map.h"
#include "util/alloc.h"

struct ub_sockmap {
	struct ub_map map;
	ub_spinlock_t lock;
	struct ub_sock *socks; /* max_entries slots; fd < 0: empty */
};

static struct ub_sockmap *to_sm(struct ub_map *map)
{
	return (struct ub_sockmap *)map;
}

static int sockmap_alloc_check(const struct ub_map_attr *attr)
{
	if (!attr->max_entries || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~UB_SOCK_CREATE_FLAGS))
		return -EINVAL;
	return 0;
}

static int sockmap_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_sockmap *sm = ub_alloc(sizeof(*sm));
	uint32_t i;

	if (!sm)
		return -ENOMEM;
	memset(sm, 0, sizeof(*sm));
	sm->socks = ub_calloc(attr->max_entries, sizeof(*sm->socks));
	if (!sm->socks) {
		ub_free(sm);
		return -ENOMEM;
	}
	for (i = 0; i < attr->max_entries; i++)
		sm->socks[i].fd = -1;
	ub_map_init_from_attr(&sm->map, attr);
	*out = &sm->map;
	return 0;
}

static void sockmap_free(struct ub_map *map)
{
	ub_free(to_sm(map)->socks);
	ub_free(map);
}

/* Slot index under the lock, emptied if its socket has closed. */
static struct ub_sock *slot_locked(struct ub_sockmap *sm, uint32_t index)
{
	struct ub_sock *s = &sm->socks[index];

	if (s->fd >= 0 && !ub_sock_alive(s))
		s->fd = -1;
	return s->fd >= 0 ? s : NULL;
}

static int sockmap_get(struct ub_map *map, const void *key, struct ub_sock *out)
{
	struct ub_sockmap *sm = to_sm(map);
	struct ub_sock *s;
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -ENOENT;
	ub_spin_lock(&sm->lock);
	s = slot_locked(sm, index);
	if (s)
		*out = *s;
	ub_spin_unlock(&sm->lock);
	return s ? 0 : -ENOENT;
}

/* sock_map_update_common(). */
static int sockmap_set(struct ub_map *map, const void *key, const struct ub_sock *sock,
		       uint64_t flags)
{
	struct ub_sockmap *sm = to_sm(map);
	struct ub_sock *old;
	uint32_t index;
	int err = 0;

	memcpy(&index, key, sizeof(index));
	if (flags > USERBPF_EXIST)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	ub_spin_lock(&sm->lock);
	old = slot_locked(sm, index);
	if (old && flags == USERBPF_NOEXIST)
		err = -EEXIST;
	else if (!old && flags == USERBPF_EXIST)
		err = -ENOENT;
	else
		sm->socks[index] = *sock;
	ub_spin_unlock(&sm->lock);
	return err;
}

const struct ub_sock_map_access ub_sockmap_access = { sockmap_get, sockmap_set };

static int sockmap_sys_update(struct ub_map *map, const void *key, const void *value,
			      uint64_t flags)
{
	return ub_sock_sys_update(map, &ub_sockmap_access, key, value, flags);
}

static int sockmap_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	(void)flags;
	return ub_sock_sys_lookup(map, &ub_sockmap_access, key, value);
}

/* sock_map_delete_elem(): an empty slot is -EINVAL, as past the end. */
static int sockmap_delete(struct ub_map *map, const void *key)
{
	struct ub_sockmap *sm = to_sm(map);
	uint32_t index;
	int err = 0;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -EINVAL;
	ub_spin_lock(&sm->lock);
	if (slot_locked(sm, index))
		sm->socks[index].fd = -1;
	else
		err = -EINVAL;
	ub_spin_unlock(&sm->lock);
	return err;
}

/* sock_map_get_next_key(): NULL or out of range -> 0, last -> ENOENT. */
static int sockmap_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	uint32_t index = UINT32_MAX, next;

	if (key)
		memcpy(&index, key, sizeof(index));
	if (index == map->max_entries - 1)
		return -ENOENT;
	next = index >= map->max_entries ? 0 : index + 1;
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

const struct ub_map_ops ub_sockmap_map_ops = {
	.alloc_check = sockmap_alloc_check,
	.alloc = sockmap_alloc,
	.free = sockmap_free,
	.lookup = ub_sock_map_ops_lookup,
	.update = ub_sock_map_ops_update,
	.delete = sockmap_delete,
	.get_next_key = sockmap_get_next_key,
	.sys_lookup = sockmap_sys_lookup,
	.sys_update = sockmap_sys_update,
};
