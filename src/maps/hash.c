/* SPDX-License-Identifier: MIT */
/*
 * maps/hash.c - BPF_MAP_TYPE_HASH and BPF_MAP_TYPE_PERCPU_HASH, and the
 * hash-table core that lru.c and map_in_map.c (HASH_OF_MAPS) build on.
 * Semantics follow kernel/bpf/hashtab.c, including the element order:
 * n_buckets = roundup_pow_of_two(max_entries), bucket = jhash(key, seed)
 * & (n_buckets - 1) with the kernel's jhash, new elements at the head of
 * their bucket.  With BPF_F_ZERO_SEED, get_next_key and batch results are
 * therefore identical to Linux's; otherwise the seed is random.
 *
 * Locking: one spinlock per bucket; every change of a chain (update,
 * delete) and every syscall-side walk (get_next_key, batch) holds that
 * bucket's lock.  Lookups take no lock: chains are published with
 * release stores and end in nulls markers (htab.h), so a lookup that an
 * element's reuse sent into another chain notices and starts over, as
 * the kernel's lookup_nulls_elem_raw() does.  Lock order: LRU list lock,
 * then a bucket lock, then the pool lock.
 *
 * Memory reclamation: elements come from a per-map pool and are never
 * returned to the allocator while the map lives.  A deleted element goes
 * back to the pool's free list and may be reused at once (the kernel's
 * preallocated maps behave the same), so a program still holding a value
 * pointer reads valid memory of this map - possibly another key's value -
 * but never freed memory.  Preallocated maps allocate the pool at create;
 * BPF_F_NO_PREALLOC maps grow it in chunks on demand.  Values are copied
 * with word-wise relaxed atomics (map.h) so that program-side atomics on
 * values stay data-race free.
 *
 * Replacing an existing key's value (HASH) links a fresh element at the
 * head of the bucket and unlinks the old one, as Linux does, using one of
 * the pool's spare elements (if none is free the value is overwritten in
 * place).  Per-CPU and HASH_OF_MAPS values are updated in place, as in
 * Linux (htab_map_update_elem_in_place()), which keeps bucket order.
 */
#include "util/ubc.h"

#include "htab.h"
#include "util/alloc.h"

#define HTAB_CREATE_FLAG_MASK                                                                      \
	(USERBPF_F_NO_PREALLOC | USERBPF_F_NO_COMMON_LRU | USERBPF_F_NUMA_NODE |                   \
	 UB_F_ACCESS_MASK | USERBPF_F_ZERO_SEED)
#define HTAB_ELEM_HDR 48 /* sizeof(struct htab_elem) in the kernel */
#define POOL_CHUNK 64

/* ==== Creation ==== */

static bool type_is_percpu(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_PERCPU_HASH || type == USERBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_is_lru(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_LRU_HASH || type == USERBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* htab_map_alloc_check(). */
int ub_htab_alloc_check(const struct ub_map_attr *attr)
{
	bool percpu = type_is_percpu(attr->map_type);
	bool lru = type_is_lru(attr->map_type);
	bool percpu_lru = attr->map_flags & USERBPF_F_NO_COMMON_LRU;
	bool prealloc = !(attr->map_flags & USERBPF_F_NO_PREALLOC);

	if ((attr->map_flags & ~HTAB_CREATE_FLAG_MASK) || !ub_map_flags_access_ok(attr->map_flags))
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -UB_ENOTSUPP;
	if (attr->numa_node != UB_NUMA_NO_NODE && (percpu || percpu_lru))
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size == 0 || attr->value_size == 0)
		return -EINVAL;
	if ((uint64_t)attr->key_size + attr->value_size >= UB_KMALLOC_MAX_SIZE - HTAB_ELEM_HDR)
		return -E2BIG;
	if (percpu && ub_round_up(attr->value_size, 8) > UB_PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

static int pool_grow(struct ub_htab *htab, size_t n)
{
	unsigned char *chunk;
	size_t i;

	if (htab->nchunks == htab->chunk_cap) {
		size_t cap = htab->chunk_cap ? htab->chunk_cap * 2 : 16;
		void **c = ub_calloc(cap, sizeof(*c));

		if (!c)
			return -ENOMEM;
		if (htab->nchunks)
			memcpy(c, htab->chunks, htab->nchunks * sizeof(*c));
		ub_free(htab->chunks);
		htab->chunks = c;
		htab->chunk_cap = cap;
	}
	chunk = ub_calloc(n, htab->elem_size);
	if (!chunk)
		return -ENOMEM;
	htab->chunks[htab->nchunks++] = chunk;
	for (i = 0; i < n; i++) {
		struct ub_htab_elem *e = (struct ub_htab_elem *)(chunk + i * htab->elem_size);

		e->free_next = htab->free_list;
		htab->free_list = e;
	}
	htab->pool_total += n;
	return 0;
}

int ub_htab_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	bool percpu_lru = attr->map_flags & USERBPF_F_NO_COMMON_LRU;
	struct ub_htab *htab;
	uint64_t elem_size;
	int ncpus = ub_num_possible_cpus();
	int err = -ENOMEM;
	uint32_t i;

	htab = ub_alloc(sizeof(*htab));
	if (!htab)
		return -ENOMEM;
	ub_map_init_from_attr(&htab->map, attr);
	htab->percpu = type_is_percpu(attr->map_type);
	htab->lru = type_is_lru(attr->map_type);
	htab->fd = attr->map_type == USERBPF_MAP_TYPE_HASH_OF_MAPS;
	htab->ncpus = htab->percpu ? (uint32_t)ncpus : 1;
	if (percpu_lru) {
		/* each CPU's LRU list gets the same number of elements */
		uint64_t m = (uint64_t)attr->max_entries + (uint32_t)ncpus - 1;

		m -= m % (uint32_t)ncpus;
		if (m > UINT32_MAX)
			m = attr->max_entries - attr->max_entries % (uint32_t)ncpus;
		htab->map.max_entries = (uint32_t)m;
	}
	if (htab->map.max_entries > (1U << 31)) {
		err = -E2BIG;
		goto fail;
	}
	htab->n_buckets = (uint32_t)ub_roundup_pow2_u64(htab->map.max_entries);
	htab->key_slot = ub_round_up(attr->key_size, 8);
	htab->value_slot = ub_round_up(attr->value_size, 8) * htab->ncpus;
	elem_size = sizeof(struct ub_htab_elem) + htab->key_slot + (uint64_t)htab->value_slot;
	elem_size = (elem_size + 7) & ~7ULL;
	htab->elem_size = (uint32_t)elem_size;
	if (!(attr->map_flags & USERBPF_F_ZERO_SEED))
		htab->hashrnd = ub_map_random_u32();
	htab->buckets = ub_calloc(htab->n_buckets, sizeof(*htab->buckets));
	if (!htab->buckets)
		goto fail;
	for (i = 0; i < htab->n_buckets; i++)
		htab->buckets[i].head = ub_htab_nulls(i);
	/* spare elements for replacing values, as the kernel's extra_elems */
	htab->pool_max = htab->map.max_entries;
	if (!htab->percpu && !htab->lru && !htab->fd)
		htab->pool_max += (size_t)ncpus;
	if (htab->lru || !(attr->map_flags & USERBPF_F_NO_PREALLOC)) {
		if (elem_size * htab->pool_max > (1ULL << 40))
			goto fail;
		err = pool_grow(htab, htab->pool_max);
		if (err)
			goto fail;
	}
	htab->lru_head.lru_next = htab->lru_head.lru_prev = &htab->lru_head;
	*out = &htab->map;
	return 0;
fail:
	while (htab->nchunks)
		ub_free(htab->chunks[--htab->nchunks]);
	ub_free(htab->chunks);
	ub_free(htab->buckets);
	ub_free(htab);
	return err;
}

void ub_htab_free(struct ub_map *map)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t i;
	size_t c;

	if (htab->fd) {
		for (i = 0; i < htab->n_buckets; i++) {
			struct ub_htab_elem *e;

			for (e = htab->buckets[i].head; !ub_htab_is_nulls(e); e = e->next)
				ub_htab_release_value(htab, e);
		}
	}
	for (c = 0; c < htab->nchunks; c++)
		ub_free(htab->chunks[c]);
	ub_free(htab->chunks);
	ub_free(htab->buckets);
	ub_free(htab);
}

/* ==== Pool ==== */

struct ub_htab_elem *ub_htab_pool_get(struct ub_htab *htab)
{
	struct ub_htab_elem *e;

	ub_spin_lock(&htab->pool_lock);
	if (!htab->free_list && htab->pool_total < htab->pool_max) {
		size_t n = htab->pool_max - htab->pool_total;

		pool_grow(htab, n < POOL_CHUNK ? n : POOL_CHUNK);
	}
	e = htab->free_list;
	if (e)
		htab->free_list = e->free_next;
	ub_spin_unlock(&htab->pool_lock);
	return e;
}

void ub_htab_pool_put(struct ub_htab *htab, struct ub_htab_elem *e)
{
	ub_spin_lock(&htab->pool_lock);
	e->free_next = htab->free_list;
	htab->free_list = e;
	ub_spin_unlock(&htab->pool_lock);
}

static void put_inner_map(void *arg)
{
	ub_map_put(arg);
}

void ub_htab_release_value(struct ub_htab *htab, struct ub_htab_elem *e)
{
	struct ub_map *inner;

	if (!htab->fd)
		return;
	memcpy(&inner, ub_htab_elem_value(htab, e), sizeof(inner));
	if (inner)
		ub_map_defer(put_inner_map, inner);
}

/* Element leaves the map (after unlink, outside its bucket lock). */
static void elem_free(struct ub_htab *htab, struct ub_htab_elem *e)
{
	ub_htab_release_value(htab, e);
	if (htab->lru) {
		ub_lru_push_free(htab, e);
		return;
	}
	atomic_fetch_sub(&htab->count, 1);
	ub_htab_pool_put(htab, e);
}

/* ==== Chains ==== */

static struct ub_htab_bucket *bucket_of(struct ub_htab *htab, uint32_t hash)
{
	return &htab->buckets[hash & (htab->n_buckets - 1)];
}

static struct ub_htab_elem *lookup_raw(struct ub_htab *htab, struct ub_htab_bucket *b,
				       uint32_t hash, const void *key)
{
	struct ub_htab_elem *e;

	for (e = b->head; !ub_htab_is_nulls(e); e = e->next)
		if (e->hash == hash && !memcmp(ub_htab_elem_key(e), key, htab->map.key_size))
			return e;
	return NULL;
}

static void unlink_elem(struct ub_htab_bucket *b, struct ub_htab_elem *e)
{
	ub_htab_unlink(b, e);
	e->linked = false;
}

/* Publish e at the head of b (bucket lock held). */
static void link_head(struct ub_htab_bucket *b, struct ub_htab_elem *e)
{
	__atomic_store_n(&e->next, b->head, __ATOMIC_RELAXED);
	e->linked = true;
	__atomic_store_n(&b->head, e, __ATOMIC_RELEASE);
}

/*
 * Whether element e holds key, read without the bucket lock: the
 * element's key words are loaded one at a time (a concurrent reuse may
 * rewrite them; the caller accepts a stale match as the kernel's
 * lookup_nulls_elem_raw() does).  Keys are stored in 8-byte words, zero
 * padded.
 */
static bool key_equal_lockless(const struct ub_htab_elem *e, const void *key, uint32_t size)
{
	const uint64_t *w = e->data;
	const unsigned char *k = key;
	uint64_t a, b;
	uint32_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		memcpy(&b, k + i, 8);
		if (__atomic_load_n(&w[i / 8], __ATOMIC_RELAXED) != b)
			return false;
	}
	if (i == size)
		return true;
	/*
	 * The tail (1-7 bytes) against the stored word's first bytes (its
	 * padding is zero).  A 4-byte tail, the common case, is compared as
	 * a u32: no call of memcpy with a variable size, and no 8-byte load
	 * of a partly stored stack word (a store-forwarding stall that
	 * measured at half the lookup's time).
	 */
	a = __atomic_load_n(&w[i / 8], __ATOMIC_RELAXED);
	if (size - i == 4) {
		uint32_t x, y;

		memcpy(&x, k + i, 4);
		memcpy(&y, &a, 4);
		return x == y;
	}
	for (; i < size; i++)
		if (((const unsigned char *)&a)[i % 8] != k[i])
			return false;
	return true;
}

/*
 * Lookup without the bucket lock (the program side: no lock on the run
 * path, and a probe that interrupts a thread inside this map's update
 * still finds its keys).  Elements are reused at once after a delete, so
 * a walk may wander into another bucket's chain: it then ends at a nulls
 * marker that is not its bucket's, and starts over.  by_word (a constant
 * at each call): the key is the one stored word 'word' (key_slot 8),
 * compared as one word, and the result is the element's value (data + 8);
 * otherwise key is compared byte by byte and the result is the element.
 */
static inline __attribute__((always_inline)) void *
bucket_walk(struct ub_htab *htab, uint32_t hash, const void *key, bool by_word, uint64_t word)
{
	uint32_t idx = hash & (htab->n_buckets - 1);
	struct ub_htab_bucket *b = &htab->buckets[idx];
	struct ub_htab_elem *e;

again:
	for (e = ub_htab_first(b); !ub_htab_is_nulls(e); e = ub_htab_next(e))
		if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash &&
		    (by_word ? __atomic_load_n(&e->data[0], __ATOMIC_RELAXED) == word :
			       key_equal_lockless(e, key, htab->map.key_size)))
			return by_word ? (void *)&e->data[1] : (void *)e;
	if (e != ub_htab_nulls(idx))
		goto again;
	return NULL;
}

static struct ub_htab_elem *lookup_lockless(struct ub_htab *htab, uint32_t hash, const void *key)
{
	return bucket_walk(htab, hash, key, false, 0);
}

static uint32_t htab_hash(const struct ub_htab *htab, const void *key)
{
	return ub_map_hash(key, htab->map.key_size, htab->hashrnd);
}

void *ub_htab_lookup(struct ub_map *map, const void *key)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t hash = htab_hash(htab, key);
	struct ub_htab_elem *e;
	void *value = NULL;

	e = lookup_lockless(htab, hash, key);
	if (e) {
		value = ub_htab_elem_value(htab, e);
		if (htab->percpu)
			value = (unsigned char *)value +
				(size_t)ub_current_cpu() * ub_round_up(map->value_size, 8);
		if (htab->lru && !atomic_load_explicit(&e->ref, memory_order_relaxed))
			atomic_store_explicit(&e->ref, true, memory_order_relaxed);
	}
	return value;
}

/*
 * Program-side lookups specialised for a plain HASH map (no per-CPU
 * value, no LRU bit, no map values) with a 4- or 8-byte key: the key is
 * one stored word (key_slot 8), hashed inline (the kernel's jhash2 of
 * one or two words, as htab_map_hash()) and compared as one word, and
 * the value follows at data + 8.  Same walk, restart rule and results as
 * ub_htab_lookup(); what the JIT calls directly (ub_htab_direct_lookup).
 */
static inline __attribute__((always_inline)) void *lookup_word(struct ub_htab *htab, uint32_t hash,
							       uint64_t word)
{
	return bucket_walk(htab, hash, NULL, true, word);
}

void *ub_htab_lookup_k4(struct ub_map *map, const void *key)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint64_t word = 0; /* the stored word: key, then zero padding */
	uint32_t k;

	memcpy(&k, key, 4);
	memcpy(&word, &k, 4);
	return lookup_word(htab, ub_jhash_1word(k, htab->hashrnd), word);
}

void *ub_htab_lookup_k8(struct ub_map *map, const void *key)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t k[2];
	uint64_t word;

	memcpy(k, key, 8);
	memcpy(&word, key, 8);
	return lookup_word(htab, ub_jhash_2words(k[0], k[1], htab->hashrnd), word);
}

void ub_htab_direct_lookup(struct ub_map *map, struct ub_map_direct *d)
{
	struct ub_htab *htab = ub_to_htab(map);

	d->kind = UB_DIRECT_CALL;
	d->fn = ub_htab_lookup;
	if (htab->percpu || htab->lru || htab->fd || htab->key_slot != 8)
		return;
	if (map->key_size == 4)
		d->fn = ub_htab_lookup_k4;
	else if (map->key_size == 8)
		d->fn = ub_htab_lookup_k8;
}

/* Write a value into a (new or existing) element's storage. */
static void fill_value(struct ub_htab *htab, struct ub_htab_elem *e, const void *value, bool sys,
		       bool is_new)
{
	unsigned char *dst = ub_htab_elem_value(htab, e);
	uint32_t size = ub_round_up(htab->map.value_size, 8);
	uint32_t cpu, cur;

	if (htab->fd) {
		/* HASH_OF_MAPS: the value is a struct ub_map * */
		ub_map_copy_to(dst, value, sizeof(void *));
		return;
	}
	if (!htab->percpu) {
		ub_map_copy_to(dst, value, htab->map.value_size);
		return;
	}
	if (sys) {
		/* syscall layout: every CPU, rounded */
		for (cpu = 0; cpu < htab->ncpus; cpu++)
			ub_map_copy_to(dst + (size_t)cpu * size,
				       (const unsigned char *)value + (size_t)cpu * size, size);
		return;
	}
	/* program: this CPU's slot; a new element zeroes the others */
	cur = (uint32_t)ub_current_cpu();
	for (cpu = 0; cpu < htab->ncpus; cpu++) {
		if (cpu == cur)
			ub_map_copy_to(dst + (size_t)cpu * size, value, htab->map.value_size);
		else if (is_new)
			ub_map_zero(dst + (size_t)cpu * size, size);
	}
}

static void init_elem(struct ub_htab *htab, struct ub_htab_elem *e, const void *key, uint32_t hash)
{
	uint64_t *w = ub_htab_elem_key(e);
	uint32_t i;

	/*
	 * A lockless lookup may still be walking through e (deleted, now
	 * reused): point it at no bucket so that it starts over, and write
	 * hash and key with atomic stores, word by word, zero padded.
	 */
	__atomic_store_n(&e->next, ub_htab_nulls(htab->n_buckets), __ATOMIC_RELAXED);
	__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	atomic_store_explicit(&e->ref, false, memory_order_relaxed);
	for (i = 0; i < htab->key_slot; i += 8) {
		uint64_t v = 0;

		memcpy(&v, (const unsigned char *)key + i,
		       htab->map.key_size - i < 8 ? htab->map.key_size - i : 8);
		__atomic_store_n(&w[i / 8], v, __ATOMIC_RELAXED);
	}
	/* zero the padding so copies of rounded values are deterministic */
	if (!htab->percpu)
		ub_map_zero((unsigned char *)ub_htab_elem_value(htab, e), htab->value_slot);
}

static int check_flags(struct ub_htab_elem *old, uint64_t flags)
{
	flags &= ~(uint64_t)USERBPF_F_LOCK;
	if (old && flags == USERBPF_NOEXIST)
		return -EEXIST;
	if (!old && flags == USERBPF_EXIST)
		return -ENOENT;
	return 0;
}

/* LRU update (htab_lru_map_update_elem / htab_lru_percpu_...). */
static int lru_update(struct ub_htab *htab, const void *key, const void *value, uint64_t flags,
		      bool sys)
{
	uint32_t hash = htab_hash(htab, key);
	struct ub_htab_bucket *b = bucket_of(htab, hash);
	struct ub_htab_elem *old, *new_elem = NULL;
	int err;

	if (flags > USERBPF_EXIST)
		return -EINVAL;
	if (!htab->percpu || flags != USERBPF_EXIST) {
		/* get a node first: eviction needs bucket locks */
		new_elem = ub_lru_pop_free(htab);
		if (!new_elem)
			return -ENOMEM;
		init_elem(htab, new_elem, key, hash);
		if (!htab->percpu)
			fill_value(htab, new_elem, value, sys, true);
	}
	ub_spin_lock(&b->lock);
	old = lookup_raw(htab, b, hash, key);
	err = check_flags(old, flags);
	if (err)
		goto unlock;
	if (htab->percpu) {
		if (old) {
			atomic_store_explicit(&old->ref, true, memory_order_relaxed);
			fill_value(htab, old, value, sys, false);
		} else {
			fill_value(htab, new_elem, value, sys, true);
			link_head(b, new_elem);
			ub_spin_unlock(&b->lock);
			ub_lru_add(htab, new_elem);
			return 0;
		}
	} else {
		link_head(b, new_elem);
		if (old) {
			atomic_store_explicit(&new_elem->ref, true, memory_order_relaxed);
			unlink_elem(b, old);
		}
		ub_spin_unlock(&b->lock);
		ub_lru_add(htab, new_elem);
		if (old)
			elem_free(htab, old);
		return 0;
	}
unlock:
	ub_spin_unlock(&b->lock);
	if (new_elem)
		ub_lru_push_free(htab, new_elem);
	return err;
}

int ub_htab_update_common(struct ub_htab *htab, const void *key, const void *value, uint64_t flags,
			  bool sys)
{
	uint32_t hash;
	struct ub_htab_bucket *b;
	struct ub_htab_elem *old, *e;
	int err;

	if (htab->lru)
		return lru_update(htab, key, value, flags, sys);
	if (htab->percpu) {
		if (flags > USERBPF_EXIST)
			return -EINVAL;
	} else {
		if ((flags & ~(uint64_t)USERBPF_F_LOCK) > USERBPF_EXIST)
			return -EINVAL;
		if (flags & USERBPF_F_LOCK)
			return -EINVAL; /* no bpf_spin_lock in the value */
	}
	hash = htab_hash(htab, key);
	b = bucket_of(htab, hash);
	ub_spin_lock(&b->lock);
	old = lookup_raw(htab, b, hash, key);
	err = check_flags(old, flags);
	if (err)
		goto unlock;
	if (old && (htab->percpu || htab->fd)) {
		/* in place, as htab_map_update_elem_in_place() */
		if (htab->fd)
			ub_htab_release_value(htab, old);
		fill_value(htab, old, value, sys, false);
		goto unlock;
	}
	if (old) {
		/* replace with a spare element; overwrite if none is free */
		e = ub_htab_pool_get(htab);
		if (!e) {
			fill_value(htab, old, value, sys, false);
			goto unlock;
		}
		init_elem(htab, e, key, hash);
		fill_value(htab, e, value, sys, true);
		link_head(b, e);
		unlink_elem(b, old);
		ub_spin_unlock(&b->lock);
		/* the spare came from the pool: keep count unchanged */
		ub_htab_release_value(htab, old);
		ub_htab_pool_put(htab, old);
		return 0;
	}
	if (atomic_fetch_add(&htab->count, 1) >= htab->map.max_entries) {
		atomic_fetch_sub(&htab->count, 1);
		err = -E2BIG;
		goto unlock;
	}
	e = ub_htab_pool_get(htab);
	if (!e) {
		atomic_fetch_sub(&htab->count, 1);
		err = -ENOMEM;
		goto unlock;
	}
	init_elem(htab, e, key, hash);
	fill_value(htab, e, value, sys, true);
	link_head(b, e);
unlock:
	ub_spin_unlock(&b->lock);
	return err;
}

static int htab_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	return ub_htab_update_common(ub_to_htab(map), key, value, flags, false);
}

static int htab_sys_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	return ub_htab_update_common(ub_to_htab(map), key, value, flags, true);
}

int ub_htab_delete(struct ub_map *map, const void *key)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t hash = htab_hash(htab, key);
	struct ub_htab_bucket *b = bucket_of(htab, hash);
	struct ub_htab_elem *e;

	ub_spin_lock(&b->lock);
	e = lookup_raw(htab, b, hash, key);
	if (e)
		unlink_elem(b, e);
	ub_spin_unlock(&b->lock);
	if (!e)
		return -ENOENT;
	elem_free(htab, e);
	return 0;
}

int ub_htab_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	struct ub_htab *htab = ub_to_htab(map);
	struct ub_htab_bucket *b;
	struct ub_htab_elem *e;
	uint32_t i = 0;

	if (key) {
		uint32_t hash = htab_hash(htab, key);

		b = bucket_of(htab, hash);
		ub_spin_lock(&b->lock);
		e = lookup_raw(htab, b, hash, key);
		if (e) {
			if (!ub_htab_is_nulls(e->next)) {
				memcpy(next_key, ub_htab_elem_key(e->next), map->key_size);
				ub_spin_unlock(&b->lock);
				return 0;
			}
			i = (hash & (htab->n_buckets - 1)) + 1;
		}
		ub_spin_unlock(&b->lock);
	}
	for (; i < htab->n_buckets; i++) {
		b = &htab->buckets[i];
		ub_spin_lock(&b->lock);
		if (!ub_htab_is_nulls(b->head)) {
			memcpy(next_key, ub_htab_elem_key(b->head), map->key_size);
			ub_spin_unlock(&b->lock);
			return 0;
		}
		ub_spin_unlock(&b->lock);
	}
	return -ENOENT;
}

/* Syscall layout of one element's value (per-CPU: every CPU). */
static void copy_sys_value(struct ub_htab *htab, struct ub_htab_elem *e, void *dst)
{
	if (htab->fd) {
		struct ub_map *inner;
		uint32_t id;

		memcpy(&inner, ub_htab_elem_value(htab, e), sizeof(inner));
		id = inner ? inner->id : 0;
		memcpy(dst, &id, sizeof(id));
	} else if (htab->percpu) {
		ub_map_copy_from(dst, ub_htab_elem_value(htab, e), htab->value_slot);
	} else {
		ub_map_copy_from(dst, ub_htab_elem_value(htab, e), htab->map.value_size);
	}
}

int ub_htab_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t hash = htab_hash(htab, key);
	struct ub_htab_bucket *b = bucket_of(htab, hash);
	struct ub_htab_elem *e;

	(void)flags;
	ub_spin_lock(&b->lock);
	e = lookup_raw(htab, b, hash, key);
	if (e)
		copy_sys_value(htab, e, value);
	ub_spin_unlock(&b->lock);
	return e ? 0 : -ENOENT;
}

int ub_htab_lookup_and_delete(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t hash = htab_hash(htab, key);
	struct ub_htab_bucket *b = bucket_of(htab, hash);
	struct ub_htab_elem *e;

	(void)flags;
	ub_spin_lock(&b->lock);
	e = lookup_raw(htab, b, hash, key);
	if (e) {
		copy_sys_value(htab, e, value);
		unlink_elem(b, e);
	}
	ub_spin_unlock(&b->lock);
	if (!e)
		return -ENOENT;
	elem_free(htab, e);
	return 0;
}

/* __htab_map_lookup_and_delete_batch(): whole buckets, u32 cursor. */
static int htab_batch(struct ub_map *map, const struct ub_map_batch *bt, bool do_delete)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t value_size = ub_map_sys_value_size(map);
	uint32_t batch = 0, max_count, total = 0, cnt;
	struct ub_htab_elem *e, *next, *to_free = NULL;
	int ret = 0;

	if (bt->elem_flags & ~(uint64_t)USERBPF_F_LOCK)
		return -EINVAL;
	if (bt->elem_flags & USERBPF_F_LOCK)
		return -EINVAL;
	if (bt->flags)
		return -EINVAL;
	if (!bt->count)
		return -EFAULT;
	max_count = *bt->count;
	if (!max_count)
		return 0;
	*bt->count = 0;
	if (bt->in_batch)
		memcpy(&batch, bt->in_batch, sizeof(batch));
	if (batch >= htab->n_buckets)
		return -ENOENT;
	for (;;) {
		struct ub_htab_bucket *b = &htab->buckets[batch];

		ub_spin_lock(&b->lock);
		cnt = 0;
		for (e = b->head; !ub_htab_is_nulls(e); e = e->next)
			cnt++;
		if (cnt > max_count - total) {
			if (total == 0)
				ret = -ENOSPC;
			ub_spin_unlock(&b->lock);
			break;
		}
		for (e = b->head; !ub_htab_is_nulls(e); e = next) {
			next = e->next;
			memcpy((unsigned char *)bt->keys + (size_t)total * map->key_size,
			       ub_htab_elem_key(e), map->key_size);
			copy_sys_value(htab, e,
				       (unsigned char *)bt->values + (size_t)total * value_size);
			total++;
			if (do_delete) {
				unlink_elem(b, e);
				e->free_next = to_free;
				to_free = e;
			}
		}
		ub_spin_unlock(&b->lock);
		while (to_free) {
			e = to_free;
			to_free = e->free_next;
			elem_free(htab, e);
		}
		batch++;
		if (batch >= htab->n_buckets) {
			ret = -ENOENT;
			break;
		}
	}
	if (bt->out_batch)
		memcpy(bt->out_batch, &batch, sizeof(batch));
	*bt->count = total;
	return ret;
}

int ub_htab_lookup_batch(struct ub_map *map, const struct ub_map_batch *b)
{
	return htab_batch(map, b, false);
}

int ub_htab_lookup_and_delete_batch(struct ub_map *map, const struct ub_map_batch *b)
{
	return htab_batch(map, b, true);
}

/*
 * bpf_for_each_map_elem(): the callback runs without the bucket lock, so
 * it may update or delete elements; the walk re-finds its position by
 * index in the bucket after each call (a concurrent delete can make it
 * skip an element, as RCU walks can in the kernel).
 */
long ub_htab_for_each(struct ub_map *map, ub_map_for_each_cb cb, void *ctx, uint64_t flags)
{
	struct ub_htab *htab = ub_to_htab(map);
	uint32_t cpu_off =
		htab->percpu ? (uint32_t)ub_current_cpu() * ub_round_up(map->value_size, 8) : 0;
	long num = 0;
	uint32_t i;

	(void)flags;
	for (i = 0; i < htab->n_buckets; i++) {
		struct ub_htab_bucket *b = &htab->buckets[i];
		uint32_t idx;

		for (idx = 0;; idx++) {
			struct ub_htab_elem *e;
			uint32_t k = 0;

			ub_spin_lock(&b->lock);
			for (e = b->head; !ub_htab_is_nulls(e) && k < idx; e = e->next)
				k++;
			ub_spin_unlock(&b->lock);
			if (ub_htab_is_nulls(e))
				break;
			num++;
			if (cb(map, ub_htab_elem_key(e),
			       (unsigned char *)ub_htab_elem_value(htab, e) + cpu_off, ctx))
				return num;
		}
	}
	return num;
}

const struct ub_map_ops ub_hash_map_ops = UB_HTAB_MAP_OPS(htab_update, htab_sys_update);

const struct ub_map_ops ub_percpu_hash_map_ops = UB_HTAB_MAP_OPS(htab_update, htab_sys_update);
