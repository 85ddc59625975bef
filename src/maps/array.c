/* SPDX-License-Identifier: MIT */
/*
 * maps/array.c - BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY
 * (the kernel's kernel/bpf/arraymap.c semantics).
 *
 * Storage: max_entries elements of round_up(value_size, 8) bytes,
 * zero-initialised, never freed before the map.  Values are updated in
 * place with word-sized relaxed atomic stores and no lock, as in the
 * kernel: a concurrent reader may see a value half-updated between words,
 * never freed memory.  BPF_F_MMAPABLE arrays live in their own anonymous
 * shared mapping starting on a page boundary (userbpf_map__mmap_ptr()).
 * Per-CPU arrays keep possible-CPUs slots per element, contiguous per
 * element; the program side uses the slot of ub_current_cpu().
 *
 * Not here: PROG_ARRAY, PERF_EVENT_ARRAY, ARRAY_OF_MAPS (own files).
 */
#include "util/ubc.h"

#include "map.h"
#include "util/alloc.h"
#include "util/platform_int.h"

#define ARRAY_CREATE_FLAG_MASK                                                                     \
	(USERBPF_F_NUMA_NODE | USERBPF_F_MMAPABLE | UB_F_ACCESS_MASK | USERBPF_F_PRESERVE_ELEMS |  \
	 USERBPF_F_INNER_MAP)

struct ub_array {
	struct ub_map map;
	uint32_t elem_size; /* round_up(value_size, 8) */
	uint32_t ncpus;	    /* per-CPU slots per element (1 if not) */
	bool percpu;
	bool mmapped;	    /* values come from mmap() */
	size_t values_size; /* bytes at values */
	unsigned char *values;
};

static struct ub_array *to_array(const struct ub_map *map)
{
	return (struct ub_array *)map;
}

static int array_alloc_check(const struct ub_map_attr *attr)
{
	bool percpu = attr->map_type == USERBPF_MAP_TYPE_PERCPU_ARRAY;

	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size == 0 ||
	    (attr->map_flags & ~ARRAY_CREATE_FLAG_MASK) ||
	    !ub_map_flags_access_ok(attr->map_flags) ||
	    (percpu && attr->numa_node != UB_NUMA_NO_NODE))
		return -EINVAL;
	if (attr->map_type != USERBPF_MAP_TYPE_ARRAY &&
	    (attr->map_flags & (USERBPF_F_MMAPABLE | USERBPF_F_INNER_MAP)))
		return -EINVAL;
	if (attr->map_type != USERBPF_MAP_TYPE_PERF_EVENT_ARRAY &&
	    (attr->map_flags & USERBPF_F_PRESERVE_ELEMS))
		return -EINVAL;
	if (attr->value_size > INT_MAX)
		return -E2BIG;
	if (percpu && ub_round_up(attr->value_size, 8) > UB_PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

static int array_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	bool percpu = attr->map_type == USERBPF_MAP_TYPE_PERCPU_ARRAY;
	uint64_t elem_size = ub_round_up(attr->value_size, 8);
	uint64_t rounded = ub_roundup_pow2_u64(attr->max_entries);
	struct ub_array *array;
	uint64_t size;

	/* the kernel rounds the storage to a power of two (spectre mask) */
	if (rounded > UINT32_MAX)
		return -E2BIG;
	array = ub_alloc(sizeof(*array));
	if (!array)
		return -ENOMEM;
	ub_map_init_from_attr(&array->map, attr);
	array->elem_size = (uint32_t)elem_size;
	array->percpu = percpu;
	array->ncpus = percpu ? (uint32_t)ub_num_possible_cpus() : 1;
	size = (uint64_t)attr->max_entries * elem_size * array->ncpus;
	if (size > (1ULL << 40))
		goto nomem;
	if (attr->map_flags & USERBPF_F_MMAPABLE) {
		void *p;

		size = (size + UB_PAGE_SIZE - 1) & ~(uint64_t)(UB_PAGE_SIZE - 1);
		p = ub_pages_alloc(size);
		if (!p)
			goto nomem;
		array->values = p;
		array->mmapped = true;
	} else {
		array->values = ub_alloc(size);
		if (!array->values)
			goto nomem;
	}
	array->values_size = size;
	*out = &array->map;
	return 0;
nomem:
	ub_free(array);
	return -ENOMEM;
}

static void array_free(struct ub_map *map)
{
	struct ub_array *array = to_array(map);

	if (array->mmapped)
		ub_pages_free(array->values, array->values_size);
	else
		ub_free(array->values);
	ub_free(array);
}

/* Slot of element index for cpu. */
static unsigned char *elem_ptr(struct ub_array *array, uint32_t index, uint32_t cpu)
{
	return array->values + ((size_t)index * array->ncpus + cpu) * array->elem_size;
}

static void *array_lookup(struct ub_map *map, const void *key)
{
	struct ub_array *array = to_array(map);
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return NULL;
	return elem_ptr(array, index, array->percpu ? (uint32_t)ub_current_cpu() : 0);
}

/* array_map_gen_lookup(): the JIT computes the address itself. */
static void array_direct_lookup(struct ub_map *map, struct ub_map_direct *d)
{
	struct ub_array *array = to_array(map);

	if (array->percpu) {
		d->kind = UB_DIRECT_CALL;
		d->fn = array_lookup;
		return;
	}
	d->kind = UB_DIRECT_ARRAY;
	d->base = array->values;
	d->stride = array->elem_size;
	d->max_entries = map->max_entries;
}

/* array_map_update_elem(): program side (per-CPU: this CPU's slot). */
static int array_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	struct ub_array *array = to_array(map);
	uint32_t index;

	if ((flags & ~(uint64_t)USERBPF_F_LOCK) > USERBPF_EXIST)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	if (flags & USERBPF_NOEXIST)
		return -EEXIST;
	if (flags & USERBPF_F_LOCK)
		return -EINVAL; /* no bpf_spin_lock in the value */
	ub_map_copy_to(elem_ptr(array, index, array->percpu ? (uint32_t)ub_current_cpu() : 0),
		       value, map->value_size);
	return 0;
}

static int array_delete(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -EINVAL;
}

int ub_array_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	uint32_t index = UINT32_MAX, next;

	if (key)
		memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries) {
		next = 0;
		memcpy(next_key, &next, sizeof(next));
		return 0;
	}
	if (index == map->max_entries - 1)
		return -ENOENT;
	next = index + 1;
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

/* bpf_percpu_array_copy(): every CPU, round_up(value_size, 8) each. */
static int percpu_array_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	struct ub_array *array = to_array(map);
	uint32_t index, cpu;

	(void)flags;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -ENOENT;
	for (cpu = 0; cpu < array->ncpus; cpu++)
		ub_map_copy_from((unsigned char *)value + (size_t)cpu * array->elem_size,
				 elem_ptr(array, index, cpu), array->elem_size);
	return 0;
}

/* bpf_percpu_array_update(). */
static int percpu_array_sys_update(struct ub_map *map, const void *key, const void *value,
				   uint64_t flags)
{
	struct ub_array *array = to_array(map);
	uint32_t index, cpu;

	if (flags > USERBPF_EXIST)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	if (flags == USERBPF_NOEXIST)
		return -EEXIST;
	for (cpu = 0; cpu < array->ncpus; cpu++)
		ub_map_copy_to(elem_ptr(array, index, cpu),
			       (const unsigned char *)value + (size_t)cpu * array->elem_size,
			       array->elem_size);
	return 0;
}

static void *array_mmap_ptr(struct ub_map *map, size_t *size)
{
	struct ub_array *array = to_array(map);

	if (!(map->map_flags & USERBPF_F_MMAPABLE)) {
		errno = EINVAL;
		return NULL;
	}
	if (size)
		*size = array->values_size;
	return array->values;
}

static long array_for_each(struct ub_map *map, ub_map_for_each_cb cb, void *ctx, uint64_t flags)
{
	struct ub_array *array = to_array(map);
	uint32_t cpu = array->percpu ? (uint32_t)ub_current_cpu() : 0;
	long num = 0;
	uint32_t i;

	(void)flags;
	for (i = 0; i < map->max_entries; i++) {
		uint32_t key = i;

		num++;
		if (cb(map, &key, elem_ptr(array, i, cpu), ctx))
			break;
	}
	return num;
}

static bool array_meta_equal(const struct ub_map *meta, const struct ub_map *map)
{
	/* array_map_meta_equal(): sizes must match unless BPF_F_INNER_MAP */
	if (!(meta->map_flags & USERBPF_F_INNER_MAP) && meta->max_entries != map->max_entries)
		return false;
	return true;
}

const struct ub_map_ops ub_array_map_ops = {
	.alloc_check = array_alloc_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.direct_lookup = array_direct_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = ub_array_get_next_key,
	.lookup_batch = ub_map_generic_lookup_batch,
	.update_batch = ub_map_generic_update_batch,
	.mmap_ptr = array_mmap_ptr,
	.for_each = array_for_each,
	.meta_equal = array_meta_equal,
};

const struct ub_map_ops ub_percpu_array_map_ops = {
	.alloc_check = array_alloc_check,
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = ub_array_get_next_key,
	.sys_lookup = percpu_array_sys_lookup,
	.sys_update = percpu_array_sys_update,
	.lookup_batch = ub_map_generic_lookup_batch,
	.update_batch = ub_map_generic_update_batch,
	.for_each = array_for_each,
	.meta_equal = array_meta_equal,
};
