/* SPDX-License-Identifier: MIT */
/*
 * test_map_hash.c - HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH: errno
 * cases, get_next_key (NULL and missing key give the first key), bucket
 * batch cursors (10 keys in batches of 4: 4, 4, 2 + ENOENT), per-CPU
 * layout, LRU eviction, for_each, and a multi-threaded stress test.
 */
#include <pthread.h>
#include <stdlib.h>

#include "test.h"
#include "test_map_util.h"
#include "maps/map.h"

#define ENOTSUPP_ 524

TEST(map_hash_create_errors)
{
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 0, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 0, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 4, 0, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 4, 4, USERBPF_F_NO_COMMON_LRU, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 4, 4, USERBPF_F_MMAPABLE, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LRU_HASH, 4, 4, 4, USERBPF_F_NO_PREALLOC, 0),
		  ENOTSUPP_);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 4, USERBPF_F_NO_PREALLOC,
				0),
		  ENOTSUPP_);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LRU_HASH, 4, 4, 4, USERBPF_F_NO_COMMON_LRU, 0), 0);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_PERCPU_HASH, 4, 40000, 4, 0, 0), E2BIG);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 5u << 20, 4, 0, 0), E2BIG);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 4, 4, USERBPF_F_NO_PREALLOC, 0), 0);
}

static void hash_elem_errors(uint32_t flags)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_HASH, 4, 8, 2, flags);
	uint32_t k = 1;
	uint64_t v = 11, out;

	ASSERT_TRUE(m);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -ENOENT);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(m, &k, &out, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_EXIST), -ENOENT);
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_NOEXIST));
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_NOEXIST), -EEXIST);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 3), -EINVAL);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 8), -EINVAL);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_F_LOCK), -EINVAL);
	k = 2;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	k = 3;
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -E2BIG); /* full */
	k = 2;
	v = 22;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_EXIST)); /* full, existing */
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_ANY));
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 22);
	ASSERT_OK(userbpf_map__lookup_and_delete_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 22);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(m, &k, &out, 1), -EINVAL);
	k = 3;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0)); /* room again */
	k = 1;
	ASSERT_OK(userbpf_map__delete_elem(m, &k));
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -ENOENT);
	userbpf_map__put(m);
}

TEST(map_hash_elem_errors)
{
	hash_elem_errors(0);
}
TEST(map_hash_elem_errors_no_prealloc)
{
	hash_elem_errors(USERBPF_F_NO_PREALLOC);
}

TEST(map_hash_get_next_key)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_HASH, 4, 4, 64, 0);
	uint32_t k, next, seen = 0, n = 0, missing = 1000, first;

	ASSERT_TRUE(m);
	ASSERT_ERR(userbpf_map__get_next_key(m, NULL, &next), -ENOENT);
	for (k = 0; k < 20; k++)
		ASSERT_OK(userbpf_map__update_elem(m, &k, &k, 0));
	ASSERT_OK(userbpf_map__get_next_key(m, NULL, &first));
	ASSERT_OK(userbpf_map__get_next_key(m, &missing, &next));
	ASSERT_EQ(next, first); /* missing key → first */
	k = first;
	for (;;) {
		ASSERT_TRUE(k < 20 && !(seen & (1u << k)));
		seen |= 1u << k;
		n++;
		if (userbpf_map__get_next_key(m, &k, &next))
			break;
		k = next;
	}
	ASSERT_EQ(n, 20);
	ASSERT_EQ(seen, 0xfffff);
	userbpf_map__put(m);
}

TEST(map_hash_batch)
{
	USERBPF_OPTS(userbpf_map_create_opts, o, .map_flags = USERBPF_F_ZERO_SEED);
	struct userbpf_map *m = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "h", 4, 4, 1024, &o);
	uint32_t keys[16], vals[16], cursor = 0, count, k, total = 0, seen = 0, i;
	int err, calls = 0;
	uint32_t counts[8];

	ASSERT_TRUE(m);
	for (k = 0; k < 10; k++) {
		uint32_t v = k + 100;

		ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	}
	count = 4;
	ASSERT_ERR(userbpf_map__lookup_batch(m, NULL, &cursor, keys, vals, &count, 0, 1), -EINVAL);
	ASSERT_ERR(userbpf_map__lookup_batch(m, NULL, &cursor, keys, vals, &count, 2, 0), -EINVAL);
	do {
		count = 4;
		err = userbpf_map__lookup_batch(m, calls ? &cursor : NULL, &cursor, keys, vals,
						&count, 0, 0);
		ASSERT_TRUE(err == 0 || err == -ENOENT);
		counts[calls++] = count;
		for (i = 0; i < count; i++) {
			ASSERT_EQ(vals[i], keys[i] + 100);
			seen |= 1u << keys[i];
		}
		total += count;
	} while (!err && calls < 8);
	ASSERT_EQ(total, 10);
	ASSERT_EQ(seen, 0x3ff);
	ASSERT_EQ(calls, 3);
	ASSERT_EQ(counts[0], 4);
	ASSERT_EQ(counts[1], 4);
	ASSERT_EQ(counts[2], 2);
	/* past the last bucket */
	count = 4;
	ASSERT_ERR(userbpf_map__lookup_batch(m, &cursor, &cursor, keys, vals, &count, 0, 0),
		   -ENOENT);
	ASSERT_EQ(count, 0);
	/* lookup_and_delete_batch empties the map */
	count = 16;
	ASSERT_ERR(userbpf_map__lookup_and_delete_batch(m, NULL, &cursor, keys, vals, &count, 0, 0),
		   -ENOENT);
	ASSERT_EQ(count, 10);
	ASSERT_ERR(userbpf_map__get_next_key(m, NULL, &k), -ENOENT);
	count = 16;
	ASSERT_ERR(userbpf_map__lookup_and_delete_batch(m, NULL, &cursor, keys, vals, &count, 0, 0),
		   -ENOENT);
	ASSERT_EQ(count, 0);
	/* update/delete batch */
	for (i = 0; i < 4; i++) {
		keys[i] = i;
		vals[i] = i;
	}
	count = 4;
	ASSERT_OK(userbpf_map__update_batch(m, keys, vals, &count, 0, 0));
	ASSERT_EQ(count, 4);
	keys[2] = 77;
	count = 4;
	ASSERT_ERR(userbpf_map__delete_batch(m, keys, &count, 0, 0), -ENOENT);
	ASSERT_EQ(count, 2);
	userbpf_map__put(m);
}

TEST(map_hash_batch_enospc)
{
	/* max_entries 1 → one bucket holding everything */
	USERBPF_OPTS(userbpf_map_create_opts, o, .map_flags = 0);
	struct userbpf_map *m = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "h", 4, 4, 1, &o);
	uint32_t keys[4], vals[4], cursor, count = 1, k = 5;

	ASSERT_TRUE(m);
	ASSERT_OK(userbpf_map__update_elem(m, &k, &k, 0));
	count = 1;
	ASSERT_ERR(userbpf_map__lookup_batch(m, NULL, &cursor, keys, vals, &count, 0, 0), -ENOENT);
	ASSERT_EQ(count, 1);
	userbpf_map__put(m);
	m = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "h", 4, 4, 2, &o);
	ASSERT_TRUE(m);
	/* two keys in a 2-bucket table: find two sharing a bucket */
	for (k = 0; k < 2; k++)
		ASSERT_OK(userbpf_map__update_elem(m, &k, &k, 0));
	count = 4;
	ASSERT_ERR(userbpf_map__lookup_batch(m, NULL, &cursor, keys, vals, &count, 0, 0), -ENOENT);
	ASSERT_EQ(count, 2);
	userbpf_map__put(m);
}

TEST(map_percpu_hash)
{
	int ncpus = userbpf_num_possible_cpus();
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0);
	uint64_t *buf = calloc((size_t)ncpus, 8);
	uint32_t k = 7, v = 3, *p;
	int c;

	ASSERT_TRUE(m && buf);
	ASSERT_EQ(userbpf_map__sys_value_size(m), 8 * ncpus);
	/* program-side insert: this CPU gets the value, the others zero */
	ub_set_current_cpu(0);
	ASSERT_OK(ub_map_update_elem(ub_map_from(m), &k, &v, 0));
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, buf, 0));
	ASSERT_EQ(buf[0], 3);
	for (c = 1; c < ncpus; c++)
		ASSERT_EQ(buf[c], 0);
	for (c = 0; c < ncpus; c++)
		buf[c] = 50 + (uint64_t)c;
	ASSERT_OK(userbpf_map__update_elem(m, &k, buf, USERBPF_EXIST));
	ub_set_current_cpu(ncpus - 1);
	p = ub_map_lookup_elem(ub_map_from(m), &k);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(*p, 50 + ncpus - 1);
	ub_set_current_cpu(-1);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, buf, 4), -EINVAL);
	ASSERT_OK(userbpf_map__lookup_and_delete_elem(m, &k, buf, 0));
	ASSERT_EQ(buf[0], 50);
	free(buf);
	userbpf_map__put(m);
}

TEST(map_lru_eviction)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_LRU_HASH, 4, 4, 2, 0);
	uint32_t k, out, n = 0, next;

	ASSERT_TRUE(m);
	for (k = 1; k <= 3; k++)
		ASSERT_OK(userbpf_map__update_elem(m, &k, &k, 0));
	/* 3 inserts into max 2 leave 2 keys: 1 (oldest) went */
	k = 1;
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	for (k = 2; k <= 3; k++)
		ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	/* a program lookup marks 2 referenced: inserting 4 evicts 3 */
	k = 2;
	ASSERT_TRUE(ub_map_lookup_elem(ub_map_from(m), &k) != NULL);
	k = 4;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &k, 0));
	k = 3;
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	k = 2;
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	if (!userbpf_map__get_next_key(m, NULL, &k)) {
		n = 1;
		while (!userbpf_map__get_next_key(m, &k, &next)) {
			k = next;
			n++;
		}
	}
	ASSERT_EQ(n, 2);
	/* (in a full LRU map even a failing update evicts first, as in Linux) */
	k = 4;
	ASSERT_OK(userbpf_map__delete_elem(m, &k));
	k = 2;
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &k, USERBPF_NOEXIST), -EEXIST);
	k = 9;
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &k, USERBPF_EXIST), -ENOENT);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -ENOENT);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &k, USERBPF_F_LOCK), -EINVAL);
	userbpf_map__put(m);
}

TEST(map_lru_percpu)
{
	int ncpus = userbpf_num_possible_cpus();
	struct userbpf_map *m =
		tm_create(USERBPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 3, USERBPF_F_NO_COMMON_LRU);
	uint64_t *buf = calloc((size_t)ncpus, 8);
	uint32_t k;

	ASSERT_TRUE(m && buf);
	/* max_entries rounded up to a multiple of the possible CPUs */
	ASSERT_EQ(userbpf_map__max_entries(m) % (uint32_t)ncpus, 0);
	for (k = 0; k < 100; k++) {
		buf[0] = k;
		ASSERT_OK(userbpf_map__update_elem(m, &k, buf, 0));
	}
	k = 99;
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, buf, 0));
	ASSERT_EQ(buf[0], 99);
	free(buf);
	userbpf_map__put(m);
}

static long sum_cb(struct ub_map *map, const void *key, void *value, void *ctx)
{
	(void)map;
	(void)key;
	*(uint64_t *)ctx += *(uint32_t *)value;
	return 0;
}

static long del_cb(struct ub_map *map, const void *key, void *value, void *ctx)
{
	(void)value;
	(void)ctx;
	return ub_map_delete_elem(map, key) ? 1 : 0;
}

TEST(map_hash_for_each)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_HASH, 4, 4, 16, 0);
	uint64_t sum = 0;
	uint32_t k;

	ASSERT_TRUE(m);
	for (k = 1; k <= 10; k++)
		ASSERT_OK(userbpf_map__update_elem(m, &k, &k, 0));
	ASSERT_EQ(ub_map_for_each_elem(ub_map_from(m), sum_cb, &sum, 0), 10);
	ASSERT_EQ(sum, 55);
	/* callbacks may delete what they visit */
	ub_map_for_each_elem(ub_map_from(m), del_cb, NULL, 0);
	sum = 0;
	ASSERT_EQ(ub_map_for_each_elem(ub_map_from(m), sum_cb, &sum, 0) < 10, 1);
	userbpf_map__put(m);
}

/* ---- stress ---- */

#define HS_THREADS 4
#define HS_ITERS 20000
#define HS_SHARED 16

static struct ub_map *hs_map;
static atomic_int hs_done;

static void *hs_worker(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg, seed = id * 7919;
	int i;

	for (i = 0; i < HS_ITERS; i++) {
		uint32_t r = (seed = seed * 1103515245 + 12345) >> 8;
		uint32_t k;
		uint64_t v = 1, *p;

		switch (r % 4) {
		case 0: /* shared counter */
			k = r % HS_SHARED;
			p = ub_map_lookup_elem(hs_map, &k);
			if (p)
				__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
			else
				return (void *)1;
			break;
		case 1: /* private keys come and go */
			k = 1000 + id * 100 + r % 50;
			ub_map_update_elem(hs_map, &k, &v, 0);
			break;
		case 2:
			k = 1000 + id * 100 + r % 50;
			ub_map_delete_elem(hs_map, &k);
			break;
		default:
			k = 1000 + id * 100 + r % 50;
			p = ub_map_lookup_elem(hs_map, &k);
			if (p)
				(void)__atomic_load_n(p, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void *hs_reader(void *arg)
{
	long bad = 0;

	(void)arg;
	while (!atomic_load(&hs_done)) {
		uint32_t k, next, shared = 0;
		int steps = 0;
		uint64_t v;

		if (ub_map_sys_get_next_key(hs_map, 3, NULL, &k))
			continue;
		for (;;) {
			if (k < HS_SHARED)
				shared++;
			if (!ub_map_sys_lookup_elem(hs_map, 3, &k, &v, 0) && k < HS_SHARED &&
			    v == 0)
				bad++;
			if (ub_map_sys_get_next_key(hs_map, 3, &k, &next) || ++steps > 100000)
				break;
			k = next;
		}
		(void)shared;
	}
	return (void *)bad;
}

TEST(map_hash_stress)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_HASH, 4, 8, 1024, 0);
	pthread_t th[HS_THREADS], rd;
	uint64_t sum = 0, v;
	uint32_t k;
	void *ret;
	int i;

	ASSERT_TRUE(m);
	hs_map = ub_map_from(m);
	for (k = 0; k < HS_SHARED; k++) {
		v = 1;
		ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	}
	atomic_store(&hs_done, 0);
	pthread_create(&rd, NULL, hs_reader, NULL);
	for (i = 0; i < HS_THREADS; i++)
		pthread_create(&th[i], NULL, hs_worker, (void *)(uintptr_t)i);
	for (i = 0; i < HS_THREADS; i++) {
		pthread_join(th[i], &ret);
		ASSERT_TRUE(ret == NULL);
	}
	atomic_store(&hs_done, 1);
	pthread_join(rd, &ret);
	ASSERT_TRUE(ret == NULL);
	/* shared counters never moved: sum = initial + adds */
	for (k = 0; k < HS_SHARED; k++) {
		ASSERT_OK(userbpf_map__lookup_elem(m, &k, &v, 0));
		sum += v;
	}
	{
		/* count adds the same way the workers chose them */
		uint64_t adds = 0;
		uint32_t id;

		for (id = 0; id < HS_THREADS; id++) {
			uint32_t seed = id * 7919;

			for (i = 0; i < HS_ITERS; i++) {
				uint32_t r = (seed = seed * 1103515245 + 12345) >> 8;

				adds += r % 4 == 0;
			}
		}
		ASSERT_EQ(sum, HS_SHARED + adds);
	}
	userbpf_map__put(m);
}

/* LRU under churn: never more than max_entries, no crash */
static struct ub_map *ls_map;

static void *ls_worker(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg * 31 + 1;
	int i;

	for (i = 0; i < HS_ITERS; i++) {
		uint32_t k = (seed = seed * 1103515245 + 12345) % 500;
		uint64_t v = k, *p;

		if (i % 3)
			ub_map_update_elem(ls_map, &k, &v, 0);
		else if ((p = ub_map_lookup_elem(ls_map, &k)))
			(void)__atomic_load_n(p, __ATOMIC_RELAXED);
		if (i % 7 == 0)
			ub_map_delete_elem(ls_map, &k);
	}
	return NULL;
}

TEST(map_lru_stress)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0);
	pthread_t th[HS_THREADS];
	uint32_t k, next, n = 0;
	int i;

	ASSERT_TRUE(m);
	ls_map = ub_map_from(m);
	for (i = 0; i < HS_THREADS; i++)
		pthread_create(&th[i], NULL, ls_worker, (void *)(uintptr_t)i);
	for (i = 0; i < HS_THREADS; i++)
		pthread_join(th[i], NULL);
	if (!userbpf_map__get_next_key(m, NULL, &k)) {
		n = 1;
		while (!userbpf_map__get_next_key(m, &k, &next) && n < 1000) {
			uint64_t v;

			ASSERT_OK(userbpf_map__lookup_elem(m, &next, &v, 0));
			ASSERT_EQ(v, next);
			k = next;
			n++;
		}
	}
	ASSERT_TRUE(n > 0 && n <= 64);
	userbpf_map__put(m);
}
