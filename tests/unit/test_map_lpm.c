/* SPDX-License-Identifier: MIT */
/*
 * test_map_lpm.c - LPM_TRIE: creation rules (BPF_F_NO_PREALLOC required),
 * longest-prefix match, update flags, ENOSPC when full, get_next_key in
 * post-order (more specific prefixes first).
 */
#include "test.h"
#include "test_map_util.h"
#include "maps/map.h"

struct lpm_key4 {
	uint32_t prefixlen;
	uint8_t data[4];
};

static struct lpm_key4 K(uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
	struct lpm_key4 k = { plen, { a, b, c, d } };

	return k;
}

TEST(map_lpm_create)
{
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LPM_TRIE, 8, 4, 8, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LPM_TRIE, 4, 4, 8, USERBPF_F_NO_PREALLOC, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LPM_TRIE, 261, 4, 8, USERBPF_F_NO_PREALLOC, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LPM_TRIE, 8, 0, 8, USERBPF_F_NO_PREALLOC, 0),
		  EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_LPM_TRIE, 260, 4, 8, USERBPF_F_NO_PREALLOC, 0), 0);
}

TEST(map_lpm_match)
{
	struct userbpf_map *m =
		tm_create(USERBPF_MAP_TYPE_LPM_TRIE, 8, 4, 3, USERBPF_F_NO_PREALLOC);
	struct lpm_key4 k;
	uint32_t v, out;

	ASSERT_TRUE(m);
	k = K(8, 10, 0, 0, 0);
	v = 8;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	k = K(16, 10, 1, 0, 0);
	v = 16;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_NOEXIST));
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_NOEXIST), -EEXIST);
	k = K(32, 10, 1, 5, 6);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 16); /* 10.1.5.6/32 finds 10.1/16 */
	k = K(32, 10, 2, 5, 6);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 8);
	k = K(32, 11, 2, 5, 6);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	ASSERT_TRUE(ub_map_lookup_elem(ub_map_from(m), &k) == NULL);
	k = K(33, 10, 0, 0, 0);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -EINVAL);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -EINVAL);
	k = K(24, 10, 1, 2, 0);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_EXIST), -ENOENT);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 3), -EINVAL);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -ENOENT);
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	k = K(24, 10, 9, 9, 0);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -ENOSPC); /* full */
	k = K(16, 10, 1, 0, 0);
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, USERBPF_EXIST)); /* replace when full */
	ASSERT_OK(userbpf_map__delete_elem(m, &k));
	k = K(32, 10, 1, 5, 6);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 8);
	userbpf_map__put(m);
}

TEST(map_lpm_get_next_key)
{
	struct userbpf_map *m =
		tm_create(USERBPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, USERBPF_F_NO_PREALLOC);
	/* the kernel's example: 192.168.0.0/16 with three /24 below it */
	struct lpm_key4 in[] = { K(16, 192, 168, 0, 0), K(24, 192, 168, 0, 0),
				 K(24, 192, 168, 1, 0), K(24, 192, 168, 128, 0),
				 K(8, 10, 0, 0, 0) };
	struct lpm_key4 want[] = { K(24, 192, 168, 0, 0), K(24, 192, 168, 1, 0),
				   K(24, 192, 168, 128, 0), K(16, 192, 168, 0, 0) };
	struct lpm_key4 cur, next, bogus = K(30, 1, 2, 3, 4);
	uint32_t v = 0, i;

	ASSERT_TRUE(m);
	for (i = 0; i < 5; i++)
		ASSERT_OK(userbpf_map__update_elem(m, &in[i], &v, 0));
	/* 10/8 and 192.168/16 diverge at bit 0 (0 → first): 10/8 leads */
	ASSERT_OK(userbpf_map__get_next_key(m, NULL, &cur));
	ASSERT_EQ(cur.prefixlen, 8);
	ASSERT_OK(userbpf_map__get_next_key(m, &bogus, &next));
	ASSERT_TRUE(!memcmp(&next, &cur, sizeof(cur))); /* missing key → leftmost */
	for (i = 0; i < 4; i++) {
		ASSERT_OK(userbpf_map__get_next_key(m, &cur, &next));
		ASSERT_TRUE(!memcmp(&next, &want[i], sizeof(next)));
		cur = next;
	}
	ASSERT_ERR(userbpf_map__get_next_key(m, &cur, &next), -ENOENT);
	userbpf_map__put(m);
}

/* ---- stress: lookups always see a covering prefix ---- */

#include <pthread.h>

static struct ub_map *ls_trie;
static atomic_int ls_stop;

static void *ls_writer(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg, i;

	for (i = 0; i < 20000; i++) {
		struct lpm_key4 k;
		uint32_t v;

		seed = seed * 1103515245 + 12345;
		k = K(16 + (seed >> 8) % 17, 10, (uint8_t)(seed >> 12), (uint8_t)(seed >> 20), 0);
		v = k.prefixlen;
		if (seed & 1)
			ub_map_update_elem(ls_trie, &k, &v, 0);
		else
			ub_map_delete_elem(ls_trie, &k);
	}
	return NULL;
}

static void *ls_reader(void *arg)
{
	long bad = 0;
	uint32_t seed = 7;

	(void)arg;
	while (!atomic_load(&ls_stop)) {
		struct lpm_key4 k;
		uint32_t *v;

		seed = seed * 1103515245 + 12345;
		k = K(32, 10, (uint8_t)(seed >> 12), (uint8_t)(seed >> 20), 1);
		ub_map_rcu_read_lock();
		v = ub_map_lookup_elem(ls_trie, &k);
		/* 10/8 is never deleted: there is always a match */
		if (!v || __atomic_load_n(v, __ATOMIC_RELAXED) < 8 ||
		    __atomic_load_n(v, __ATOMIC_RELAXED) > 32)
			bad++;
		ub_map_rcu_read_unlock();
	}
	return (void *)bad;
}

TEST(map_lpm_stress)
{
	struct userbpf_map *m =
		tm_create(USERBPF_MAP_TYPE_LPM_TRIE, 8, 4, 4096, USERBPF_F_NO_PREALLOC);
	struct lpm_key4 k = K(8, 10, 0, 0, 0);
	pthread_t w[2], r;
	uint32_t v = 8;
	void *bad;

	ASSERT_TRUE(m);
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	ls_trie = ub_map_from(m);
	atomic_store(&ls_stop, 0);
	pthread_create(&r, NULL, ls_reader, NULL);
	pthread_create(&w[0], NULL, ls_writer, (void *)1);
	pthread_create(&w[1], NULL, ls_writer, (void *)2);
	pthread_join(w[0], NULL);
	pthread_join(w[1], NULL);
	atomic_store(&ls_stop, 1);
	pthread_join(r, &bad);
	ASSERT_EQ((long)bad, 0);
	ub_map_defer_flush();
	userbpf_map__put(m);
}
