/* SPDX-License-Identifier: MIT */
/*
 * maps/bloom.c - BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c):
 * a bit array of round_up_pow2(max_entries x nr_hashes x 7 / 5) bits (at
 * least 64) indexed by the kernel's jhash of the value with seed + i, so
 * with BPF_F_ZERO_SEED the answers (false positives included) are those
 * of Linux.  Bits are set with atomic ORs: no lock.  push = update,
 * peek = lookup (the value is the input: 0 "maybe present", -ENOENT
 * "definitely absent").
 */
#include "util/ubc.h"

#include "map.h"
#include "util/alloc.h"

#define BLOOM_CREATE_FLAG_MASK (USERBPF_F_NUMA_NODE | USERBPF_F_ZERO_SEED | UB_F_ACCESS_MASK)

struct ub_bloom {
	struct ub_map map;
	uint32_t bitset_mask;
	uint32_t hash_seed;
	uint32_t nr_hash_funcs;
	unsigned long *bitset;
};

static struct ub_bloom *to_bloom(struct ub_map *map)
{
	return (struct ub_bloom *)map;
}

static uint32_t bloom_hash(struct ub_bloom *bloom, const void *value, uint32_t value_size,
			   uint32_t index)
{
	uint32_t h;

	if (value_size % 4 == 0)
		h = ub_jhash2(value, value_size / 4, bloom->hash_seed + index);
	else
		h = ub_jhash(value, value_size, bloom->hash_seed + index);
	return h & bloom->bitset_mask;
}

static int bloom_alloc_check(const struct ub_map_attr *attr)
{
	if (attr->value_size > UB_KMALLOC_MAX_SIZE)
		return -E2BIG;
	return 0;
}

static int bloom_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	uint32_t nr_hash_funcs, nr_bits, bitset_mask;
	uint64_t bitset_bytes;
	struct ub_bloom *bloom;

	if (attr->key_size != 0 || attr->value_size == 0 || attr->max_entries == 0 ||
	    (attr->map_flags & ~BLOOM_CREATE_FLAG_MASK) ||
	    !ub_map_flags_access_ok(attr->map_flags) || (attr->map_extra & ~0xFULL))
		return -EINVAL;
	nr_hash_funcs = (uint32_t)attr->map_extra;
	if (nr_hash_funcs == 0)
		nr_hash_funcs = 5;
	if (__builtin_mul_overflow(attr->max_entries, nr_hash_funcs, &nr_bits) ||
	    __builtin_mul_overflow(nr_bits / 5, 7u, &nr_bits) || nr_bits > (1UL << 31)) {
		bitset_bytes = ((uint64_t)UINT32_MAX + 7) / 8;
		bitset_mask = UINT32_MAX;
	} else {
		if (nr_bits <= 64)
			nr_bits = 64;
		else
			nr_bits = (uint32_t)ub_roundup_pow2_u64(nr_bits);
		bitset_bytes = (nr_bits + 7) / 8;
		bitset_mask = nr_bits - 1;
	}
	bitset_bytes = (bitset_bytes + sizeof(unsigned long) - 1) &
		       ~(uint64_t)(sizeof(unsigned long) - 1);
	bloom = ub_alloc(sizeof(*bloom));
	if (!bloom)
		return -ENOMEM;
	bloom->bitset = ub_alloc(bitset_bytes);
	if (!bloom->bitset) {
		ub_free(bloom);
		return -ENOMEM;
	}
	ub_map_init_from_attr(&bloom->map, attr);
	bloom->nr_hash_funcs = nr_hash_funcs;
	bloom->bitset_mask = bitset_mask;
	if (!(attr->map_flags & USERBPF_F_ZERO_SEED))
		bloom->hash_seed = ub_map_random_u32();
	*out = &bloom->map;
	return 0;
}

static void bloom_free(struct ub_map *map)
{
	ub_free(to_bloom(map)->bitset);
	ub_free(map);
}

static int bloom_peek(struct ub_map *map, void *value)
{
	struct ub_bloom *bloom = to_bloom(map);
	uint32_t i, h;

	for (i = 0; i < bloom->nr_hash_funcs; i++) {
		h = bloom_hash(bloom, value, map->value_size, i);
		if (!(__atomic_load_n(&bloom->bitset[h / (8 * sizeof(long))], __ATOMIC_RELAXED) &
		      (1UL << (h % (8 * sizeof(long))))))
			return -ENOENT;
	}
	return 0;
}

static int bloom_push(struct ub_map *map, const void *value, uint64_t flags)
{
	struct ub_bloom *bloom = to_bloom(map);
	uint32_t i, h;

	if (flags != USERBPF_ANY)
		return -EINVAL;
	for (i = 0; i < bloom->nr_hash_funcs; i++) {
		h = bloom_hash(bloom, value, map->value_size, i);
		__atomic_fetch_or(&bloom->bitset[h / (8 * sizeof(long))],
				  1UL << (h % (8 * sizeof(long))), __ATOMIC_RELAXED);
	}
	return 0;
}

static int bloom_pop(struct ub_map *map, void *value)
{
	(void)map;
	(void)value;
	return -EOPNOTSUPP;
}

static void *bloom_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL; /* programs use peek; the verifier forbids lookup */
}

static int bloom_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -EINVAL;
}

static int bloom_delete(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -EOPNOTSUPP;
}

static int bloom_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	(void)map;
	(void)key;
	(void)next_key;
	return -EOPNOTSUPP;
}

const struct ub_map_ops ub_bloom_map_ops = {
	.alloc_check = bloom_alloc_check,
	.alloc = bloom_alloc,
	.free = bloom_free,
	.lookup = bloom_lookup,
	.update = bloom_update,
	.delete = bloom_delete,
	.get_next_key = bloom_get_next_key,
	.push = bloom_push,
	.pop = bloom_pop,
	.peek = bloom_peek,
};
