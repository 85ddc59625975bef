/* SPDX-License-Identifier: MIT */
/*
 * test_map_queue.c - QUEUE, STACK and BLOOM_FILTER maps: creation errno,
 * push/pop/peek order, full-map rules (E2BIG, BPF_EXIST overwrites the
 * oldest), key-less rules, bloom filter sizing and lookups by value.
 */
#include "test.h"
#include "test_map_util.h"
#include "maps/map.h"

#define ENOTSUPP_ 524

TEST(map_queue_stack_errors)
{
	uint32_t v = 1, k = 0;
	struct userbpf_map *q;

	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_QUEUE, 4, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_QUEUE, 0, 0, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_QUEUE, 0, 4, 0, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_STACK, 0, 4, 4, USERBPF_F_NO_PREALLOC, 0), EINVAL);
	q = tm_create(USERBPF_MAP_TYPE_QUEUE, 0, 4, 2, 0);
	ASSERT_TRUE(q);
	ASSERT_ERR(userbpf_map__update_elem(q, &k, &v, 0), -EINVAL); /* key for a key-less map */
	ASSERT_ERR(userbpf_map__update_elem(q, NULL, &v, USERBPF_NOEXIST), -EINVAL);
	ASSERT_ERR(userbpf_map__lookup_elem(q, NULL, &v, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(q, NULL, &v, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(q, NULL, &v, USERBPF_F_LOCK), -EINVAL);
	ASSERT_ERR(userbpf_map__delete_elem(q, NULL), -EINVAL);
	ASSERT_ERR(userbpf_map__get_next_key(q, NULL, &k), -EINVAL);
	ASSERT_ERR(userbpf_map__update_elem(q, NULL, &v, 8), -EINVAL);
	userbpf_map__put(q);
}

static int pop_all(struct userbpf_map *m, uint32_t *out, int max)
{
	int n = 0;

	while (n < max && !userbpf_map__lookup_and_delete_elem(m, NULL, &out[n], 0))
		n++;
	return n;
}

TEST(map_queue_stack_order)
{
	struct userbpf_map *q = tm_create(USERBPF_MAP_TYPE_QUEUE, 0, 4, 2, 0);
	struct userbpf_map *s = tm_create(USERBPF_MAP_TYPE_STACK, 0, 4, 2, 0);
	uint32_t v, out[4];

	ASSERT_TRUE(q && s);
	for (v = 1; v <= 2; v++) {
		ASSERT_OK(userbpf_map__update_elem(q, NULL, &v, 0));
		ASSERT_OK(userbpf_map__update_elem(s, NULL, &v, USERBPF_EXIST));
	}
	v = 3;
	ASSERT_ERR(userbpf_map__update_elem(q, NULL, &v, USERBPF_ANY), -E2BIG);
	ASSERT_ERR(userbpf_map__update_elem(s, NULL, &v, USERBPF_ANY), -E2BIG);
	ASSERT_OK(userbpf_map__lookup_elem(q, NULL, &v, 0));
	ASSERT_EQ(v, 1); /* peek: oldest */
	ASSERT_OK(userbpf_map__lookup_elem(s, NULL, &v, 0));
	ASSERT_EQ(v, 2); /* peek: newest */
	v = 3;
	/* full + EXIST overwrites the oldest, for both */
	ASSERT_OK(userbpf_map__update_elem(q, NULL, &v, USERBPF_EXIST));
	ASSERT_OK(userbpf_map__update_elem(s, NULL, &v, USERBPF_EXIST));
	ASSERT_EQ(pop_all(q, out, 4), 2);
	ASSERT_EQ(out[0], 2);
	ASSERT_EQ(out[1], 3);
	ASSERT_EQ(pop_all(s, out, 4), 2);
	ASSERT_EQ(out[0], 3);
	ASSERT_EQ(out[1], 2);
	/* program side */
	v = 9;
	ASSERT_OK(ub_map_push_elem(ub_map_from(q), &v, 0));
	ASSERT_OK(ub_map_peek_elem(ub_map_from(q), &out[0]));
	ASSERT_OK(ub_map_pop_elem(ub_map_from(q), &out[1]));
	ASSERT_EQ(out[1], 9);
	ASSERT_ERR(ub_map_pop_elem(ub_map_from(q), &out[1]), -ENOENT);
	ASSERT_ERR(ub_map_update_elem(ub_map_from(q), NULL, &v, 0), -EINVAL);
	userbpf_map__put(q);
	userbpf_map__put(s);
}

TEST(map_bloom)
{
	USERBPF_OPTS(userbpf_map_create_opts, o, .map_extra = 3, .map_flags = USERBPF_F_ZERO_SEED);
	struct userbpf_map *b;
	uint32_t v, k = 0, misses = 0;

	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_BLOOM_FILTER, 0, 0, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 4, 0, 0x10), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 4, 0, 0xf), 0);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_HASH, 4, 4, 4, 0, 3), EINVAL); /* map_extra */
	b = userbpf_map__create(USERBPF_MAP_TYPE_BLOOM_FILTER, "bf", 0, 4, 100, &o);
	ASSERT_TRUE(b);
	ASSERT_EQ(userbpf_map__map_extra(b), 3);
	for (v = 0; v < 50; v++)
		ASSERT_OK(userbpf_map__update_elem(b, NULL, &v, 0));
	for (v = 0; v < 50; v++)
		ASSERT_OK(userbpf_map__lookup_elem(b, NULL, &v, 0)); /* no false negatives */
	for (v = 1000; v < 2000; v++)
		misses += userbpf_map__lookup_elem(b, NULL, &v, 0) == -ENOENT;
	ASSERT_TRUE(misses > 800);
	ASSERT_ERR(userbpf_map__update_elem(b, NULL, &v, USERBPF_EXIST), -EINVAL);
	ASSERT_ERR(userbpf_map__delete_elem(b, NULL), -EOPNOTSUPP);
	ASSERT_ERR(userbpf_map__get_next_key(b, NULL, &k), -EOPNOTSUPP);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(b, NULL, &v, 0), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__lookup_elem(b, &k, &v, 0), -EINVAL);
	v = 7;
	ASSERT_OK(ub_map_peek_elem(ub_map_from(b), &v));
	userbpf_map__put(b);
}

/* ---- stress: concurrent push/pop conserve elements ---- */

#include <pthread.h>

#define QS_THREADS 4
#define QS_ITERS 20000

static struct ub_map *qs_map;
static atomic_long qs_pushed, qs_popped;
static atomic_ullong qs_sum_pushed, qs_sum_popped;

static void *qs_worker(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg, v, i;

	for (i = 0; i < QS_ITERS; i++) {
		if (i % 2 == 0) {
			v = id * 1000000 + i;
			if (!ub_map_push_elem(qs_map, &v, 0)) {
				atomic_fetch_add(&qs_pushed, 1);
				atomic_fetch_add(&qs_sum_pushed, v);
			}
		} else if (!ub_map_pop_elem(qs_map, &v)) {
			atomic_fetch_add(&qs_popped, 1);
			atomic_fetch_add(&qs_sum_popped, v);
		}
	}
	return NULL;
}

TEST(map_queue_stress)
{
	uint32_t types[2] = { USERBPF_MAP_TYPE_QUEUE, USERBPF_MAP_TYPE_STACK };
	int t, i;

	for (t = 0; t < 2; t++) {
		struct userbpf_map *m = tm_create(types[t], 0, 8, 64, 0);
		pthread_t th[QS_THREADS];
		uint64_t v;

		ASSERT_TRUE(m);
		qs_map = ub_map_from(m);
		atomic_store(&qs_pushed, 0);
		atomic_store(&qs_popped, 0);
		atomic_store(&qs_sum_pushed, 0);
		atomic_store(&qs_sum_popped, 0);
		for (i = 0; i < QS_THREADS; i++)
			pthread_create(&th[i], NULL, qs_worker, (void *)(uintptr_t)(i + 1));
		for (i = 0; i < QS_THREADS; i++)
			pthread_join(th[i], NULL);
		while (!userbpf_map__lookup_and_delete_elem(m, NULL, &v, 0)) {
			atomic_fetch_add(&qs_popped, 1);
			atomic_fetch_add(&qs_sum_popped, v);
		}
		ASSERT_EQ(atomic_load(&qs_pushed), atomic_load(&qs_popped));
		ASSERT_EQ(atomic_load(&qs_sum_pushed), atomic_load(&qs_sum_popped));
		userbpf_map__put(m);
	}
}
