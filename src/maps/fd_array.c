/* SPDX-License-Identifier: MIT */
/*
 * maps/fd_array.c - the array of object pointers behind PROG_ARRAY,
 * PERF_EVENT_ARRAY and ARRAY_OF_MAPS (the kernel's fd arrays,
 * kernel/bpf/arraymap.c): creation checks, E2BIG/ENOENT rules, slots read
 * lock-free by programs and swapped under a spinlock by the syscall side;
 * a replaced object is released after a grace period (ub_map_defer).
 */
#include "util/ubc.h"

#include "fd_array.h"
#include "util/alloc.h"

/* ==== fd-array base ==== */

int ub_fd_array_alloc_check(const struct ub_map_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	if (attr->map_flags & (USERBPF_F_RDONLY_PROG | USERBPF_F_WRONLY_PROG))
		return -EINVAL;
	/* array_map_alloc_check() */
	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (attr->map_flags & ~(USERBPF_F_NUMA_NODE | USERBPF_F_MMAPABLE | UB_F_ACCESS_MASK |
				 USERBPF_F_PRESERVE_ELEMS | USERBPF_F_INNER_MAP)))
		return -EINVAL;
	if (attr->map_flags & (USERBPF_F_MMAPABLE | USERBPF_F_INNER_MAP))
		return -EINVAL;
	if (attr->map_type != USERBPF_MAP_TYPE_PERF_EVENT_ARRAY &&
	    (attr->map_flags & USERBPF_F_PRESERVE_ELEMS))
		return -EINVAL;
	return 0;
}

int ub_fd_array_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_fd_array *a;

	if (ub_roundup_pow2_u64(attr->max_entries) > UINT32_MAX)
		return -E2BIG;
	a = ub_alloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->ptrs = ub_calloc(attr->max_entries, sizeof(*a->ptrs));
	a->ids = ub_calloc(attr->max_entries, sizeof(*a->ids));
	if (!a->ptrs || !a->ids) {
		ub_free(a->ptrs);
		ub_free(a->ids);
		ub_free(a);
		return -ENOMEM;
	}
	ub_map_init_from_attr(&a->map, attr);
	*out = &a->map;
	return 0;
}

void ub_fd_array_free(struct ub_map *map)
{
	struct ub_fd_array *a = ub_to_fd_array(map);
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		void *obj = atomic_load(&a->ptrs[i]);

		if (obj && a->put)
			ub_map_defer(a->put, obj);
	}
	ub_free(a->ptrs);
	ub_free(a->ids);
	ub_free(a);
}

int ub_fd_array_set(struct ub_map *map, uint32_t index, void *obj, uint32_t id)
{
	struct ub_fd_array *a = ub_to_fd_array(map);
	void *old;

	if (index >= map->max_entries)
		return -E2BIG;
	ub_spin_lock(&a->lock);
	old = atomic_exchange_explicit(&a->ptrs[index], obj, memory_order_acq_rel);
	a->ids[index] = obj ? id : 0;
	ub_spin_unlock(&a->lock);
	if (old && a->put)
		ub_map_defer(a->put, old);
	return 0;
}

int ub_fd_array_delete(struct ub_map *map, const void *key)
{
	struct ub_fd_array *a = ub_to_fd_array(map);
	uint32_t index;
	void *old;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	ub_spin_lock(&a->lock);
	old = atomic_exchange_explicit(&a->ptrs[index], NULL, memory_order_acq_rel);
	a->ids[index] = 0;
	ub_spin_unlock(&a->lock);
	if (!old)
		return -ENOENT;
	if (a->put)
		ub_map_defer(a->put, old);
	return 0;
}

void *ub_fd_array_get(struct ub_map *map, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&ub_to_fd_array(map)->ptrs[index], memory_order_acquire);
}

int ub_fd_array_sys_lookup_id(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	struct ub_fd_array *a = ub_to_fd_array(map);
	uint32_t index, id = 0;
	bool found = false;

	(void)flags;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -ENOENT;
	ub_spin_lock(&a->lock);
	if (atomic_load_explicit(&a->ptrs[index], memory_order_relaxed)) {
		id = a->ids[index];
		found = true;
	}
	ub_spin_unlock(&a->lock);
	if (!found)
		return -ENOENT;
	memcpy(value, &id, sizeof(id));
	return 0;
}

int ub_fd_array_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	return ub_array_get_next_key(map, key, next_key);
}

int ub_fd_array_update_prog_side(struct ub_map *map, const void *key, const void *value,
				 uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -EINVAL;
}
