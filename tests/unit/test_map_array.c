/* SPDX-License-Identifier: MIT */
/*
 * test_map_array.c - ARRAY and PERCPU_ARRAY maps: every errno of
 * KERNEL-SEMANTICS.md's table, get_next_key order, batch cursors, freeze
 * and access flags, mmapable storage, for_each, and a multi-threaded
 * stress test (program-side atomic adds plus a syscall-side reader).
 */
#include <pthread.h>
#include <stdlib.h>

#include "test.h"
#include "test_map_util.h"
#include "maps/map.h"

#define ENOTSUPP_ 524

TEST(map_array_create_errors)
{
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 8, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 0, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 4, 0, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4, USERBPF_F_NO_PREALLOC, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, USERBPF_F_MMAPABLE, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4,
				USERBPF_F_RDONLY | USERBPF_F_WRONLY, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4,
				USERBPF_F_RDONLY_PROG | USERBPF_F_WRONLY_PROG, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, 1), EINVAL);
	ASSERT_EQ(tm_create_err(99, 4, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_PERCPU_ARRAY, 4, 40000, 4, 0, 0), E2BIG);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4, USERBPF_F_MMAPABLE, 0), 0);
	ASSERT_EQ(userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "bad-name", 4, 4, 4, NULL) == NULL,
		  1);
	ASSERT_EQ(errno, EINVAL);
}

TEST(map_array_getters)
{
	struct userbpf_map *m =
		userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "a_very_long_map_name", 4, 12, 7, NULL);
	struct userbpf_map *m2 = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 1, USERBPF_F_RDONLY);

	ASSERT_TRUE(m && m2);
	ASSERT_STREQ(userbpf_map__name(m), "a_very_long_map");
	ASSERT_EQ(userbpf_map__type(m), USERBPF_MAP_TYPE_ARRAY);
	ASSERT_EQ(userbpf_map__key_size(m), 4);
	ASSERT_EQ(userbpf_map__value_size(m), 12);
	ASSERT_EQ(userbpf_map__max_entries(m), 7);
	ASSERT_TRUE(userbpf_map__id(m2) > userbpf_map__id(m));
	/* RDONLY is an fd mode, not kept in map_flags (as in Linux) */
	ASSERT_EQ(userbpf_map__flags(m2), 0);
	ASSERT_STREQ(userbpf_map_type_name(USERBPF_MAP_TYPE_ARRAY), "array");
	ASSERT_STREQ(userbpf_map_type_name(USERBPF_MAP_TYPE_LRU_PERCPU_HASH), "lru_percpu_hash");
	{
		struct userbpf_map *g = userbpf_map__get_by_id(userbpf_map__id(m));

		ASSERT_TRUE(g == m);
		userbpf_map__put(g);
	}
	userbpf_map__put(m);
	userbpf_map__put(m2);
}

TEST(map_array_elem_errors)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	uint32_t k = 1, v = 7, out = 0;

	ASSERT_TRUE(m);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 0); /* zero-initialised */
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_ANY));
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_EXIST));
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_NOEXIST), -EEXIST);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 3), -EINVAL);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 8), -EINVAL);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_F_LOCK), -EINVAL);
	k = 4;
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -E2BIG);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	ASSERT_TRUE(ub_map_lookup_elem(ub_map_from(m), &k) == NULL);
	k = 1;
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 7);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 1), -EINVAL);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, USERBPF_F_LOCK), -EINVAL);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -EINVAL);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(m, &k, &out, 0), -ENOTSUPP_);
	ASSERT_ERR(ub_map_delete_elem(ub_map_from(m), &k), -EINVAL);
	/* program side: in-place pointer */
	{
		uint32_t *p = ub_map_lookup_elem(ub_map_from(m), &k);

		ASSERT_TRUE(p != NULL);
		ASSERT_EQ(*p, 7);
		*p = 9;
		ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
		ASSERT_EQ(out, 9);
	}
	userbpf_map__put(m);
}

TEST(map_array_get_next_key)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	uint32_t k, next = 99;

	ASSERT_TRUE(m);
	ASSERT_OK(userbpf_map__get_next_key(m, NULL, &next));
	ASSERT_EQ(next, 0);
	k = 0;
	ASSERT_OK(userbpf_map__get_next_key(m, &k, &next));
	ASSERT_EQ(next, 1);
	k = 3;
	ASSERT_ERR(userbpf_map__get_next_key(m, &k, &next), -ENOENT);
	k = 100;
	ASSERT_OK(userbpf_map__get_next_key(m, &k, &next));
	ASSERT_EQ(next, 0);
	userbpf_map__put(m);
}

TEST(map_array_batch)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	uint32_t keys[4], vals[4], out = 99, count, i;

	ASSERT_TRUE(m);
	for (i = 0; i < 4; i++) {
		uint32_t v = 10 + i;

		ASSERT_OK(userbpf_map__update_elem(m, &i, &v, 0));
	}
	count = 3;
	ASSERT_OK(userbpf_map__lookup_batch(m, NULL, &out, keys, vals, &count, 0, 0));
	ASSERT_EQ(count, 3);
	ASSERT_EQ(out, 2);
	ASSERT_EQ(keys[2], 2);
	ASSERT_EQ(vals[2], 12);
	count = 3;
	ASSERT_ERR(userbpf_map__lookup_batch(m, &out, &out, keys, vals, &count, 0, 0), -ENOENT);
	ASSERT_EQ(count, 1);
	ASSERT_EQ(out, 3);
	ASSERT_EQ(keys[0], 3);
	ASSERT_EQ(vals[0], 13);
	count = 3;
	ASSERT_ERR(userbpf_map__lookup_batch(m, &out, &out, keys, vals, &count, 0, 0), -ENOENT);
	ASSERT_EQ(count, 0);
	/* count 0: nothing done */
	count = 0;
	ASSERT_OK(userbpf_map__lookup_batch(m, NULL, &out, keys, vals, &count, 0, 0));
	count = 3;
	ASSERT_ERR(userbpf_map__lookup_batch(m, NULL, &out, keys, vals, &count, 1, 0), -EINVAL);
	/* update batch stops at the first failure */
	keys[0] = 0;
	keys[1] = 9;
	count = 2;
	ASSERT_ERR(userbpf_map__update_batch(m, keys, vals, &count, 0, 0), -E2BIG);
	ASSERT_EQ(count, 1);
	count = 1;
	ASSERT_ERR(userbpf_map__delete_batch(m, keys, &count, 0, 0), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__lookup_and_delete_batch(m, NULL, &out, keys, vals, &count, 0, 0),
		   -ENOTSUPP_);
	userbpf_map__put(m);
}

TEST(map_array_freeze_and_access)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 8, 2, 0);
	struct userbpf_map *ro = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 8, 2, USERBPF_F_RDONLY);
	struct userbpf_map *wo = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 8, 2, USERBPF_F_WRONLY);
	struct userbpf_map *rp = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 8, 2, USERBPF_F_RDONLY_PROG);
	uint32_t k = 0, next;
	uint64_t v = 5, out;

	ASSERT_TRUE(m && ro && wo && rp);
	ASSERT_OK(userbpf_map__freeze(m));
	ASSERT_TRUE(userbpf_map__is_frozen(m));
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -EPERM);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(ub_map_update_elem(ub_map_from(m), &k, &v, 0), 0); /* programs still write */
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 5);
	ASSERT_ERR(userbpf_map__freeze(m), -EPERM); /* 6.18: write right checked first */

	ASSERT_ERR(userbpf_map__update_elem(ro, &k, &v, 0), -EPERM);
	ASSERT_OK(userbpf_map__lookup_elem(ro, &k, &out, 0));
	ASSERT_ERR(userbpf_map__freeze(ro), -EPERM);
	ASSERT_ERR(userbpf_map__lookup_elem(wo, &k, &out, 0), -EPERM);
	ASSERT_ERR(userbpf_map__get_next_key(wo, NULL, &next), -EPERM);
	ASSERT_OK(userbpf_map__update_elem(wo, &k, &v, 0));
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(wo, &k, &out, 0), -EPERM);
	/* RDONLY_PROG restricts programs only */
	ASSERT_OK(userbpf_map__update_elem(rp, &k, &v, 0));
	userbpf_map__put(m);
	userbpf_map__put(ro);
	userbpf_map__put(wo);
	userbpf_map__put(rp);
}

TEST(map_array_mmap)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 10, USERBPF_F_MMAPABLE);
	struct userbpf_map *plain = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 10, 0);
	size_t size = 0;
	uint64_t *p;
	uint32_t k = 3, out;

	ASSERT_TRUE(m && plain);
	p = userbpf_map__mmap_ptr(m, &size);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ((uintptr_t)p % 4096, 0);
	ASSERT_EQ(size, 4096);
	p[3] = 0x1234; /* elements are 8 bytes apart */
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 0x1234);
	ASSERT_TRUE(userbpf_map__mmap_ptr(plain, &size) == NULL);
	/* a writable mapping blocks freeze */
	ASSERT_OK(ub_map_mmap_writable_get(ub_map_from(m)));
	ASSERT_ERR(userbpf_map__freeze(m), -EBUSY);
	ub_map_mmap_writable_put(ub_map_from(m));
	ASSERT_OK(userbpf_map__freeze(m));
	ASSERT_ERR(ub_map_mmap_writable_get(ub_map_from(m)), -EPERM);
	userbpf_map__put(m);
	userbpf_map__put(plain);
}

TEST(map_percpu_array)
{
	int ncpus = userbpf_num_possible_cpus();
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0);
	uint64_t *buf = calloc((size_t)ncpus, 8);
	uint32_t k = 1, v = 0xaa, *p;
	int c;

	ASSERT_TRUE(m && buf);
	ASSERT_EQ(userbpf_map__sys_value_size(m), 8 * ncpus);
	for (c = 0; c < ncpus; c++)
		buf[c] = 100 + (uint64_t)c;
	ASSERT_OK(userbpf_map__update_elem(m, &k, buf, 0));
	ASSERT_ERR(userbpf_map__update_elem(m, &k, buf, USERBPF_NOEXIST), -EEXIST);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, buf, 3), -EINVAL);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -EINVAL);
	for (c = 0; c < ncpus; c++) {
		ub_set_current_cpu(c);
		p = ub_map_lookup_elem(ub_map_from(m), &k);
		ASSERT_TRUE(p != NULL);
		ASSERT_EQ(*p, 100 + c);
	}
	ub_set_current_cpu(ncpus - 1);
	ASSERT_OK(ub_map_update_elem(ub_map_from(m), &k, &v, 0));
	ub_set_current_cpu(-1);
	memset(buf, 0, (size_t)ncpus * 8);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, buf, 0));
	ASSERT_EQ(buf[ncpus - 1], 0xaa);
	if (ncpus > 1)
		ASSERT_EQ(buf[0], 100);
	k = 2;
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, buf, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, buf, 0), -E2BIG);
	free(buf);
	userbpf_map__put(m);
}

static long count_cb(struct ub_map *map, const void *key, void *value, void *ctx)
{
	uint32_t k;

	(void)map;
	memcpy(&k, key, 4);
	*(uint32_t *)value = k * 2;
	return ++*(int *)ctx == 3;
}

TEST(map_array_for_each)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 5, 0);
	int n = 0;
	uint32_t k = 2, out;

	ASSERT_TRUE(m);
	ASSERT_EQ(ub_map_for_each_elem(ub_map_from(m), count_cb, &n, 0), 3);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 4);
	ASSERT_ERR(ub_map_for_each_elem(ub_map_from(m), count_cb, &n, 1), -EINVAL);
	userbpf_map__put(m);
}

/* ---- stress: program-side atomic adds + a syscall-side reader ---- */

#define ST_THREADS 4
#define ST_ITERS 20000
#define ST_SLOTS 8

static struct ub_map *st_map;
static atomic_int st_done;

static void *st_writer(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg;
	int i;

	for (i = 0; i < ST_ITERS; i++) {
		uint32_t k = (seed = seed * 1103515245 + 12345) % ST_SLOTS;
		uint64_t *p = ub_map_lookup_elem(st_map, &k);

		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *st_reader(void *arg)
{
	uint64_t last[ST_SLOTS] = { 0 };
	long bad = 0;

	(void)arg;
	while (!atomic_load(&st_done)) {
		uint32_t k;

		for (k = 0; k < ST_SLOTS; k++) {
			uint64_t v;

			if (ub_map_sys_lookup_elem(st_map, 3, &k, &v, 0) || v < last[k])
				bad++; /* counters only grow */
			last[k] = v;
		}
	}
	return (void *)bad;
}

TEST(map_array_stress)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 8, ST_SLOTS, 0);
	pthread_t th[ST_THREADS], rd;
	uint64_t sum = 0, v;
	void *bad;
	uint32_t k;
	int i;

	ASSERT_TRUE(m);
	st_map = ub_map_from(m);
	atomic_store(&st_done, 0);
	pthread_create(&rd, NULL, st_reader, NULL);
	for (i = 0; i < ST_THREADS; i++)
		pthread_create(&th[i], NULL, st_writer, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < ST_THREADS; i++)
		pthread_join(th[i], NULL);
	atomic_store(&st_done, 1);
	pthread_join(rd, &bad);
	ASSERT_EQ((long)bad, 0);
	for (k = 0; k < ST_SLOTS; k++) {
		ASSERT_OK(userbpf_map__lookup_elem(m, &k, &v, 0));
		sum += v;
	}
	ASSERT_EQ(sum, (uint64_t)ST_THREADS * ST_ITERS);
	userbpf_map__put(m);
}
