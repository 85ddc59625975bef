/* SPDX-License-Identifier: MIT */
/*
 * maps/queue_stack.c - BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK
 * (kernel/bpf/queue_stack_maps.c): a ring of max_entries + 1 slots under
 * one spinlock.  push = update (BPF_ANY, or BPF_EXIST to overwrite the
 * oldest element when full), pop = lookup_and_delete, peek = lookup.
 * Popped values are copied out under the lock, so nothing is ever freed
 * while the map lives.
 */
#include "util/ubc.h"

#include "map.h"
#include "util/alloc.h"

#define QUEUE_STACK_CREATE_FLAG_MASK (USERBPF_F_NUMA_NODE | UB_F_ACCESS_MASK)

struct ub_qs {
	struct ub_map map;
	ub_spinlock_t lock;
	uint32_t head, tail, size; /* size = max_entries + 1 */
	unsigned char *elements;
};

static struct ub_qs *to_qs(struct ub_map *map)
{
	return (struct ub_qs *)map;
}

static int qs_alloc_check(const struct ub_map_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 0 || attr->value_size == 0 ||
	    (attr->map_flags & ~QUEUE_STACK_CREATE_FLAG_MASK) ||
	    !ub_map_flags_access_ok(attr->map_flags))
		return -EINVAL;
	if (attr->value_size > UB_KMALLOC_MAX_SIZE)
		return -E2BIG; /* if value_size is bigger, the user space won't be able to access the elements */
	return 0;
}

static int qs_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	uint64_t size = (uint64_t)attr->max_entries + 1;
	uint64_t bytes = size * attr->value_size;
	struct ub_qs *qs;

	if (bytes > (1ULL << 40))
		return -ENOMEM;
	qs = ub_alloc(sizeof(*qs));
	if (!qs)
		return -ENOMEM;
	qs->elements = ub_alloc(bytes);
	if (!qs->elements) {
		ub_free(qs);
		return -ENOMEM;
	}
	ub_map_init_from_attr(&qs->map, attr);
	qs->size = (uint32_t)size;
	*out = &qs->map;
	return 0;
}

static void qs_free(struct ub_map *map)
{
	ub_free(to_qs(map)->elements);
	ub_free(map);
}

static bool qs_empty(struct ub_qs *qs)
{
	return qs->head == qs->tail;
}

static bool qs_full(struct ub_qs *qs)
{
	uint32_t head = qs->head + 1;

	if (head >= qs->size)
		head = 0;
	return head == qs->tail;
}

static unsigned char *slot(struct ub_qs *qs, uint32_t i)
{
	return qs->elements + (size_t)i * qs->map.value_size;
}

/* __queue_map_get(): oldest element. */
static int queue_get(struct ub_map *map, void *value, bool delete)
{
	struct ub_qs *qs = to_qs(map);

	ub_spin_lock(&qs->lock);
	if (qs_empty(qs)) {
		memset(value, 0, map->value_size);
		ub_spin_unlock(&qs->lock);
		return -ENOENT;
	}
	memcpy(value, slot(qs, qs->tail), map->value_size);
	if (delete && ++qs->tail >= qs->size)
		qs->tail = 0;
	ub_spin_unlock(&qs->lock);
	return 0;
}

/* __stack_map_get(): newest element. */
static int stack_get(struct ub_map *map, void *value, bool delete)
{
	struct ub_qs *qs = to_qs(map);
	uint32_t index;

	ub_spin_lock(&qs->lock);
	if (qs_empty(qs)) {
		memset(value, 0, map->value_size);
		ub_spin_unlock(&qs->lock);
		return -ENOENT;
	}
	index = qs->head == 0 ? qs->size - 1 : qs->head - 1;
	memcpy(value, slot(qs, index), map->value_size);
	if (delete)
		qs->head = index;
	ub_spin_unlock(&qs->lock);
	return 0;
}

static int queue_peek(struct ub_map *map, void *value)
{
	return queue_get(map, value, false);
}
static int queue_pop(struct ub_map *map, void *value)
{
	return queue_get(map, value, true);
}
static int stack_peek(struct ub_map *map, void *value)
{
	return stack_get(map, value, false);
}
static int stack_pop(struct ub_map *map, void *value)
{
	return stack_get(map, value, true);
}

/* queue_stack_map_push_elem(). */
static int qs_push(struct ub_map *map, const void *value, uint64_t flags)
{
	struct ub_qs *qs = to_qs(map);
	bool replace = flags & USERBPF_EXIST;

	/* BPF_EXIST is used to force making room for a new element */
	if ((flags & USERBPF_NOEXIST) || flags > USERBPF_EXIST)
		return -EINVAL;
	ub_spin_lock(&qs->lock);
	if (qs_full(qs)) {
		if (!replace) {
			ub_spin_unlock(&qs->lock);
			return -E2BIG;
		}
		/* advance tail pointer to overwrite oldest element */
		if (++qs->tail >= qs->size)
			qs->tail = 0;
	}
	memcpy(slot(qs, qs->head), value, map->value_size);
	if (++qs->head >= qs->size)
		qs->head = 0;
	ub_spin_unlock(&qs->lock);
	return 0;
}

static void *qs_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL;
}

static int qs_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -EINVAL;
}

static int qs_delete(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -EINVAL;
}

static int qs_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	(void)map;
	(void)key;
	(void)next_key;
	return -EINVAL;
}

const struct ub_map_ops ub_queue_map_ops = {
	.alloc_check = qs_alloc_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.lookup = qs_lookup,
	.update = qs_update,
	.delete = qs_delete,
	.get_next_key = qs_get_next_key,
	.push = qs_push,
	.pop = queue_pop,
	.peek = queue_peek,
};

const struct ub_map_ops ub_stack_map_ops = {
	.alloc_check = qs_alloc_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.lookup = qs_lookup,
	.update = qs_update,
	.delete = qs_delete,
	.get_next_key = qs_get_next_key,
	.push = qs_push,
	.pop = stack_pop,
	.peek = stack_peek,
};
