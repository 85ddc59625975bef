/* SPDX-License-Identifier: MIT */
/*
 * maps/htab.h - the hash table shared by hash.c (HASH, PERCPU_HASH),
 * lru.c (LRU_HASH, LRU_PERCPU_HASH) and map_in_map.c (HASH_OF_MAPS).
 * See the top of hash.c for the locking and memory-reclamation design.
 */
#ifndef USERBPF_MAPS_HTAB_H
#define USERBPF_MAPS_HTAB_H

#include "map.h"

struct ub_htab_elem {
	/*
	 * Bucket chain: written under the bucket lock, read without it by
	 * lookups (acquire loads).  A chain ends in a nulls marker naming its
	 * bucket (ub_htab_nulls), as the kernel's hlist_nulls does.
	 */
	struct ub_htab_elem *next;
	struct ub_htab_elem *free_next; /* pool free list (pool lock) */
	struct ub_htab_elem *lru_prev;	/* LRU list (lru lock) */
	struct ub_htab_elem *lru_next;
	uint32_t hash;
	atomic_bool ref;    /* LRU: referenced since last scan */
	atomic_bool linked; /* in a bucket (written under bucket lock) */
	bool on_lru;	    /* on the LRU list (lru lock) */
	uint64_t data[];    /* key (rounded to 8), then value */
};

struct ub_htab_bucket {
	ub_spinlock_t lock;
	struct ub_htab_elem *head; /* first element or the nulls marker */
};

/*
 * Chain ends: odd values, bucket index << 1 | 1.  A lookup that reaches
 * the nulls of another bucket walked through an element that was deleted
 * and reused meanwhile, and starts over.  Index n_buckets marks an
 * element being initialised (in no bucket).
 */
static inline struct ub_htab_elem *ub_htab_nulls(uint32_t bucket)
{
	return (struct ub_htab_elem *)(((uintptr_t)bucket << 1) | 1);
}

static inline bool ub_htab_is_nulls(const struct ub_htab_elem *e)
{
	return (uintptr_t)e & 1;
}

static inline struct ub_htab_elem *ub_htab_first(struct ub_htab_bucket *b)
{
	return __atomic_load_n(&b->head, __ATOMIC_ACQUIRE);
}

static inline struct ub_htab_elem *ub_htab_next(struct ub_htab_elem *e)
{
	return __atomic_load_n(&e->next, __ATOMIC_ACQUIRE);
}

/* Remove e from b's chain (bucket lock held); e->next stays, for readers. */
static inline bool ub_htab_unlink(struct ub_htab_bucket *b, struct ub_htab_elem *e)
{
	struct ub_htab_elem **pp;

	for (pp = &b->head; !ub_htab_is_nulls(*pp); pp = &(*pp)->next) {
		if (*pp == e) {
			__atomic_store_n(pp, ub_htab_next(e), __ATOMIC_RELEASE);
			return true;
		}
	}
	return false;
}

struct ub_htab;

struct ub_htab {
	struct ub_map map;
	struct ub_htab_bucket *buckets;
	uint32_t n_buckets;
	uint32_t hashrnd;
	uint32_t key_slot;   /* round_up(key_size, 8) */
	uint32_t value_slot; /* bytes of value storage per element */
	uint32_t elem_size;
	uint32_t ncpus;
	bool percpu;
	bool lru;
	bool fd;	   /* values are struct ub_map * (HASH_OF_MAPS) */
	atomic_uint count; /* live elements (non-LRU) */
	/* element pool: never returned to the allocator before the map */
	ub_spinlock_t pool_lock;
	struct ub_htab_elem *free_list;
	void **chunks;
	size_t nchunks, chunk_cap;
	size_t pool_total, pool_max;
	/* LRU list, most recent at the head (lru.c) */
	ub_spinlock_t lru_lock;
	struct ub_htab_elem lru_head;
};

static inline struct ub_htab *ub_to_htab(const struct ub_map *map)
{
	return (struct ub_htab *)map;
}

static inline void *ub_htab_elem_key(struct ub_htab_elem *e)
{
	return e->data;
}

static inline void *ub_htab_elem_value(const struct ub_htab *htab, struct ub_htab_elem *e)
{
	return (unsigned char *)e->data + htab->key_slot;
}

int ub_htab_alloc_check(const struct ub_map_attr *attr);
int ub_htab_alloc(const struct ub_map_attr *attr, struct ub_map **out);
void ub_htab_free(struct ub_map *map);

/* Pool. */
struct ub_htab_elem *ub_htab_pool_get(struct ub_htab *htab);
void ub_htab_pool_put(struct ub_htab *htab, struct ub_htab_elem *e);

/* Core operations; sys selects the syscall value layout for per-CPU. */
void *ub_htab_lookup(struct ub_map *map, const void *key);
/* Plain HASH maps with 4- / 8-byte keys only (see ub_htab_direct_lookup). */
void *ub_htab_lookup_k4(struct ub_map *map, const void *key);
void *ub_htab_lookup_k8(struct ub_map *map, const void *key);
/* The JIT's direct call: one of the above where it applies. */
void ub_htab_direct_lookup(struct ub_map *map, struct ub_map_direct *d);
int ub_htab_update_common(struct ub_htab *htab, const void *key, const void *value, uint64_t flags,
			  bool sys);
int ub_htab_delete(struct ub_map *map, const void *key);
int ub_htab_get_next_key(struct ub_map *map, const void *key, void *next_key);
int ub_htab_lookup_and_delete(struct ub_map *map, const void *key, void *value, uint64_t flags);
int ub_htab_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags);
int ub_htab_lookup_batch(struct ub_map *map, const struct ub_map_batch *b);
int ub_htab_lookup_and_delete_batch(struct ub_map *map, const struct ub_map_batch *b);
long ub_htab_for_each(struct ub_map *map, ub_map_for_each_cb cb, void *ctx, uint64_t flags);

/*
 * The operations of every hash-table type: they differ only in how an
 * element is added (UPDATE from programs, SYS_UPDATE from the bpf()
 * command); per-CPU-ness is in the element layout, not the table.
 */
#define UB_HTAB_MAP_OPS(UPDATE, SYS_UPDATE)                                                        \
	{                                                                                          \
		.alloc_check = ub_htab_alloc_check,                                                \
		.alloc = ub_htab_alloc,                                                            \
		.free = ub_htab_free,                                                              \
		.lookup = ub_htab_lookup,                                                          \
		.direct_lookup = ub_htab_direct_lookup,                                            \
		.update = (UPDATE),                                                                \
		.delete = ub_htab_delete,                                                          \
		.get_next_key = ub_htab_get_next_key,                                              \
		.lookup_and_delete = ub_htab_lookup_and_delete,                                    \
		.sys_lookup = ub_htab_sys_lookup,                                                  \
		.sys_update = (SYS_UPDATE),                                                        \
		.lookup_batch = ub_htab_lookup_batch,                                              \
		.lookup_and_delete_batch = ub_htab_lookup_and_delete_batch,                        \
		.update_batch = ub_map_generic_update_batch,                                       \
		.delete_batch = ub_map_generic_delete_batch,                                       \
		.for_each = ub_htab_for_each,                                                      \
	}

/* LRU list (lru.c). */
void ub_lru_init(struct ub_htab *htab);
/* A free element, evicting the least recently used one if needed. */
struct ub_htab_elem *ub_lru_pop_free(struct ub_htab *htab);
/* Newly linked element → head of the LRU list. */
void ub_lru_add(struct ub_htab *htab, struct ub_htab_elem *e);
/* Element unlinked from its bucket (or never linked) → free. */
void ub_lru_push_free(struct ub_htab *htab, struct ub_htab_elem *e);

/* Release what an element's value holds (fd maps), deferred. */
void ub_htab_release_value(struct ub_htab *htab, struct ub_htab_elem *e);

#endif /* USERBPF_MAPS_HTAB_H */
