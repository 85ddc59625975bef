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
 * stab->lock); programs never get a pointer into the map (the kernel
 * hands them a struct sock, which userbpf has not got): their lookup
 * finds nothing.
 */
#include "util/ubc.h"

#include "sock_map.h"
#include "util/alloc.h"

struct ub_sockmap {
	struct ub_map map;
	ub_spinlock_t lock;
	struct ub_sock *socks;	/* max_entries slots; fd < 0: empty */
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

int ub_sockmap_get(struct ub_map *map, uint32_t index, struct ub_sock *out)
{
	struct ub_sockmap *sm = to_sm(map);
	struct ub_sock *s;

	if (map->map_type != UB_MAP_TYPE_SOCKMAP || index >= map->max_entries)
		return -ENOENT;
	ub_spin_lock(&sm->lock);
	s = slot_locked(sm, index);
	if (s)
		*out = *s;
	ub_spin_unlock(&sm->lock);
	return s ? 0 : -ENOENT;
}

/* sock_map_update_common(). */
static int sockmap_set(struct ub_sockmap *sm, uint32_t index,
		       const struct ub_sock *sock, uint64_t flags)
{
	struct ub_sock *old;
	int err = 0;

	if (flags > USERBPF_EXIST)
		return -EINVAL;
	if (index >= sm->map.max_entries)
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

static int sockmap_sys_update(struct ub_map *map, const void *key,
			      const void *value, uint64_t flags)
{
	struct ub_sock sock;
	uint64_t fd;
	uint32_t index;
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
	memcpy(&index, key, sizeof(index));
	return sockmap_set(to_sm(map), index, &sock, flags);
}

int ub_sock_sys_value(const struct ub_map *map, const struct ub_sock *s,
		      void *value)
{
	if (map->value_size != 8)
		return -ENOSPC;
	memcpy(value, &s->cookie, 8);
	return 0;
}

static int sockmap_sys_lookup(struct ub_map *map, const void *key, void *value,
			      uint64_t flags)
{
	struct ub_sock s;
	uint32_t index;

	(void)flags;
	if (map->value_size != 8)
		return -ENOSPC;
	memcpy(&index, key, sizeof(index));
	if (ub_sockmap_get(map, index, &s))
		return -ENOENT;
	return ub_sock_sys_value(map, &s, value);
}

static void *sockmap_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL;
}

/* Program-side bpf_map_update_elem: the value would be a struct sock. */
static int sockmap_update_prog(struct ub_map *map, const void *key,
			       const void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -EINVAL;
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
static int sockmap_get_next_key(struct ub_map *map, const void *key,
				void *next_key)
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
	.lookup = sockmap_lookup,
	.update = sockmap_update_prog,
	.delete = sockmap_delete,
	.get_next_key = sockmap_get_next_key,
	.sys_lookup = sockmap_sys_lookup,
	.sys_update = sockmap_sys_update,
};
