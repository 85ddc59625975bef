/* SPDX-License-Identifier: MIT */
/*
 * test_jit_htab.c - the JIT's direct hash-map lookups: a plain HASH map
 * with a 4- or 8-byte key is looked up through the specialised
 * ub_htab_lookup_k4/_k8 (inline hash, one-word key compare), every other
 * hash table through the generic ub_htab_lookup; the specialised
 * functions find exactly what the generic one finds; a compiled program
 * calls the specialised function and leaves the same r0 and map contents
 * as the interpreter; and its lookups of keys that stay in the map never
 * miss while other threads update and delete keys of the same buckets
 * (element reuse sends a walk into another chain, which must restart).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "jit/jit_int.h"
#include "maps/htab.h"
#include "../unit/test.h"
#include "userbpf/userbpf.h"

#if defined(__x86_64__)
#define HAVE_JIT 1
#else
#define HAVE_JIT 0
#endif

/* Which lookup the JIT's direct call uses, per map shape. */
/* clang-format off */
static const struct {
	uint32_t type, key_size, flags;
	void *(*fn)(struct ub_map *, const void *);
} shapes[] = {
	{ USERBPF_MAP_TYPE_HASH,            4, 0,                     ub_htab_lookup_k4 },
	{ USERBPF_MAP_TYPE_HASH,            4, USERBPF_F_NO_PREALLOC, ub_htab_lookup_k4 },
	{ USERBPF_MAP_TYPE_HASH,            8, 0,                     ub_htab_lookup_k8 },
	{ USERBPF_MAP_TYPE_HASH,            8, USERBPF_F_ZERO_SEED,   ub_htab_lookup_k8 },
	{ USERBPF_MAP_TYPE_HASH,            1, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_HASH,            2, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_HASH,            3, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_HASH,            6, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_HASH,           12, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_HASH,           16, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_PERCPU_HASH,     4, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_PERCPU_HASH,     8, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_LRU_HASH,        4, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_LRU_HASH,        8, 0,                     ub_htab_lookup },
	{ USERBPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 0,                     ub_htab_lookup },
};
/* clang-format on */

static struct userbpf_map *create(uint32_t type, uint32_t key_size, uint32_t max, uint32_t flags)
{
	USERBPF_OPTS(userbpf_map_create_opts, mo, .map_flags = flags);

	return userbpf_map__create(type, "h", key_size, 8, max, &mo);
}

TEST(jit_htab_direct_lookup_per_shape)
{
	size_t i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct userbpf_map *m =
			create(shapes[i].type, shapes[i].key_size, 16, shapes[i].flags);
		struct ub_map_direct d;

		ASSERT_TRUE(m != NULL);
		ub_map_direct_lookup(ub_map_from(m), &d);
		ASSERT_EQ(d.kind, UB_DIRECT_CALL);
		if (d.fn != shapes[i].fn)
			printf("    shape %zu: type %u key %u: wrong lookup\n", i, shapes[i].type,
			       shapes[i].key_size);
		ASSERT_TRUE(d.fn == shapes[i].fn);
		userbpf_map__put(m);
	}
}

static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 4;
}

/*
 * The specialised lookups against the generic one, on both key sizes,
 * with the random and the zero seed, over present and absent keys
 * (absent ones differing from present ones in a single byte): the same
 * element every time, and the value stored for it.
 */
TEST(jit_htab_specialised_lookup_matches_generic)
{
	static const uint32_t flags[] = { 0, USERBPF_F_ZERO_SEED, USERBPF_F_NO_PREALLOC };
	uint32_t ks, f, seed = 1;

	for (ks = 4; ks <= 8; ks += 4) {
		for (f = 0; f < 3; f++) {
			struct userbpf_map *m = create(USERBPF_MAP_TYPE_HASH, ks, 512, flags[f]);
			void *(*fn)(struct ub_map *, const void *) = ks == 4 ? ub_htab_lookup_k4 :
									       ub_htab_lookup_k8;
			uint64_t keys[300];
			int i, hits = 0;

			ASSERT_TRUE(m != NULL);
			for (i = 0; i < 300; i++) {
				uint64_t v = (uint64_t)i * 3 + 1;

				keys[i] = ((uint64_t)next_rand(&seed) << 32 | next_rand(&seed)) &
					  ~(uint64_t)0xff; /* last-byte variants stay absent */
				ASSERT_OK(userbpf_map__update_elem(m, &keys[i], &v, 0));
			}
			for (i = 0; i < 600; i++) {
				uint64_t k = keys[i % 300] | (uint64_t)(i >= 300);
				uint64_t *want, *got;

				if (ks == 4)
					k = (uint32_t)k; /* the key is the first 4 bytes */
				want = ub_htab_lookup(ub_map_from(m), &k);
				got = fn(ub_map_from(m), &k);
				ASSERT_TRUE(want == got);
				if (i < 300) {
					ASSERT_TRUE(got != NULL);
					/* 4-byte keys may collide in the low half */
					if (ks == 8 || *got == (uint64_t)i * 3 + 1)
						hits++;
				} else {
					ASSERT_TRUE(got == NULL);
				}
			}
			ASSERT_TRUE(hits >= 299);
			userbpf_map__put(m);
		}
	}
}

/*
 * The generic lookup's key compare for every key size up to 16: keys
 * that differ only in their last byte are told apart (the tail of a key
 * that is not a multiple of 8 bytes is compared without a memcpy of
 * variable length).
 */
TEST(jit_htab_generic_lookup_key_tails)
{
	uint32_t ks;

	for (ks = 1; ks <= 16; ks++) {
		struct userbpf_map *m = create(USERBPF_MAP_TYPE_HASH, ks, 64, 0);
		unsigned char key[16];
		uint64_t v, *p;
		int i;

		ASSERT_TRUE(m != NULL);
		for (i = 0; i < 16; i += 2) {
			memset(key, 0x5a, sizeof(key));
			key[ks - 1] = (unsigned char)i;
			v = 100 + (uint64_t)i;
			ASSERT_OK(userbpf_map__update_elem(m, key, &v, 0));
		}
		for (i = 0; i < 16; i++) {
			memset(key, 0x5a, sizeof(key));
			key[ks - 1] = (unsigned char)i;
			p = ub_htab_lookup(ub_map_from(m), key);
			if (i % 2) {
				ASSERT_TRUE(p == NULL);
			} else {
				ASSERT_TRUE(p != NULL);
				ASSERT_EQ(*p, 100 + (uint64_t)i);
			}
		}
		userbpf_map__put(m);
	}
}

/*
 * Looks up keys 0..19 (u32 or u64 keys at r10-8), adds each value found
 * to r0 and the increment to the value (lock add), and 1 << 20 to r0 for
 * each key missing.
 */
static struct userbpf_map *prog_map;

static int resolve(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)cookie, (void)src, (void)next;
	if (imm != 1)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)prog_map;
	return 0;
}

static struct userbpf_prog *counter_prog(uint32_t key_size, int incr)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve);
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	char src[1024], aerr[128];
	size_t cnt;

	snprintf(src, sizeof(src),
		 "r6 = 0\n"
		 "r7 = 0\n"
		 "*(%s *)(r10 - 8) = r7\n"
		 "r2 = r10\n"
		 "r2 += -8\n"
		 "r1 = map_fd(1) ll\n"
		 "call 1\n"
		 "if r0 == 0 goto +5\n"
		 "r1 = *(u64 *)(r0 + 0)\n"
		 "r6 += r1\n"
		 "r1 = %d\n"
		 "lock *(u64 *)(r0 + 0) += r1\n"
		 "goto +1\n"
		 "r6 += 1048576\n"
		 "r7 += 1\n"
		 "if r7 < 20 goto -15\n"
		 "r0 = r6\n"
		 "exit\n",
		 key_size == 4 ? "u32" : "u64", incr);
	if (userbpf_asm(src, &insns, &cnt, aerr, sizeof(aerr)))
		return NULL;
	p = userbpf_prog__new(insns, cnt, &po);
	userbpf_free(insns);
	return p;
}

/* Whether the image calls fn (movabs r11, fn; call r11). */
static bool image_calls(const struct userbpf_prog *p, const void *fn)
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	size_t i;

	for (i = 0; i + 13 <= p->jit->len; i++)
		if (p->jit->code[i] == 0x49 && p->jit->code[i + 1] == 0xbb &&
		    !memcmp(p->jit->code + i + 2, &a, 8) && p->jit->code[i + 10] == 0x41 &&
		    p->jit->code[i + 11] == 0xff && p->jit->code[i + 12] == 0xd3)
			return true;
	return false;
}

/* r0 of counter_prog() over the sixteen stable keys */
#define STABLE_SUM (16 * 1000 + 120 + 4 * 1048576)

/*
 * prog_map: a new HASH map (ks-byte keys, max entries) holding the
 * stable keys 0..15 with values 1000 + key; returns counter_prog(ks,
 * incr) on it, or NULL (prog_map then freed).
 */
static struct userbpf_prog *stable_counter_prog(uint32_t ks, uint32_t max, int incr)
{
	struct userbpf_prog *p;
	uint64_t k, v;

	prog_map = create(USERBPF_MAP_TYPE_HASH, ks, max, 0);
	if (!prog_map)
		return NULL;
	for (k = 0; k < 16; k++) {
		v = 1000 + k;
		userbpf_map__update_elem(prog_map, &k, &v, 0);
	}
	p = counter_prog(ks, incr);
	if (!p)
		userbpf_map__put(prog_map);
	return p;
}

/* Run flags of engine 0 (the interpreter) and 1 (the JIT). */
static uint32_t engine_flags(int engine)
{
	return USERBPF_RUN_UNCHECKED | (engine ? 0 : USERBPF_RUN_INTERPRETER);
}

/* The image calls the lookup specialised for ks-byte keys. */
static bool calls_specialised(const struct userbpf_prog *p, uint32_t ks)
{
	return image_calls(p, ks == 4 ? (void *)ub_htab_lookup_k4 : (void *)ub_htab_lookup_k8);
}

/*
 * The compiled program calls the specialised lookup of its map and
 * leaves the interpreter's r0 and values: hits, misses, and writes
 * through the returned pointer.
 */
TEST(jit_htab_direct_lookup_program_matches_interpreter)
{
	uint32_t ks;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (ks = 4; ks <= 8; ks += 4) {
		uint64_t r[2] = { 0, 0 }, vals[2][16];
		int engine;

		for (engine = 0; engine < 2; engine++) {
			USERBPF_OPTS(userbpf_run_opts, o, .flags = engine_flags(engine));
			struct userbpf_prog *p;
			uint64_t k;

			p = stable_counter_prog(ks, 64, 1);
			ASSERT_TRUE(p != NULL);
			ASSERT_OK(userbpf_prog__run(p, &o, &r[engine]));
			if (engine) {
				ASSERT_TRUE(userbpf_prog__jited(p, NULL) != NULL);
				ASSERT_EQ(p->jit->direct_lookups, 1);
				ASSERT_TRUE(calls_specialised(p, ks));
				ASSERT_TRUE(!image_calls(p, (void *)ub_htab_lookup));
			}
			for (k = 0; k < 16; k++)
				ASSERT_OK(userbpf_map__lookup_elem(prog_map, &k, &vals[engine][k],
								   0));
			k = 16;
			ASSERT_EQ(userbpf_map__lookup_elem(prog_map, &k, &vals[engine][0], 0),
				  -ENOENT);
			userbpf_prog__free(p);
			userbpf_map__put(prog_map);
		}
		ASSERT_EQ(r[0], STABLE_SUM);
		ASSERT_EQ(r[1], r[0]);
		ASSERT_TRUE(!memcmp(vals[0], vals[1], sizeof(vals[0])));
		ASSERT_EQ(vals[1][5], 1006);
	}
}

/* ---- under concurrent updates and deletes ---- */

#define CH_THREADS 2
#define CH_KEYS 12 /* per thread, keys 100 + id * 100 + 0..11 */

static atomic_int ch_stop;
static atomic_long ch_ops;

static void *churn(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg, seed = 17 + id;

	while (!atomic_load(&ch_stop)) {
		uint64_t k = 100 + id * 100 + next_rand(&seed) % CH_KEYS, v = k;

		if (next_rand(&seed) & 1)
			userbpf_map__update_elem(prog_map, &k, &v, 0);
		else
			userbpf_map__delete_elem(prog_map, &k);
		atomic_fetch_add(&ch_ops, 1);
	}
	return NULL;
}

/*
 * Keys 0..15 stay in the map while two threads update and delete other
 * keys of the same table (64 buckets: the chains are shared, elements
 * are reused at once): every run, on both engines, finds all sixteen
 * with their values (a walk sent into another chain by a reuse starts
 * over instead of reporting a miss) and misses keys 16..19.  (Named
 * _stress: the TSan subset of the suite runs it.)
 */
TEST(jit_htab_direct_lookup_stress)
{
	uint32_t ks;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (ks = 4; ks <= 8; ks += 4) {
		int engine;

		for (engine = 0; engine < 2; engine++) {
			USERBPF_OPTS(userbpf_run_opts, o, .flags = engine_flags(engine));
			pthread_t th[CH_THREADS];
			struct userbpf_prog *p;
			long runs, bad = 0;
			int i;

			p = stable_counter_prog(ks, 32, 0);
			ASSERT_TRUE(p != NULL);
			atomic_store(&ch_stop, 0);
			atomic_store(&ch_ops, 0);
			for (i = 0; i < CH_THREADS; i++)
				ASSERT_OK(
					pthread_create(&th[i], NULL, churn, (void *)(uintptr_t)i));
			for (runs = 0;
			     runs < 3000 || (atomic_load(&ch_ops) < 20000 && runs < 3000000);
			     runs++) {
				uint64_t r0 = 0;

				if (userbpf_prog__run(p, &o, &r0) || r0 != STABLE_SUM)
					bad++;
			}
			atomic_store(&ch_stop, 1);
			for (i = 0; i < CH_THREADS; i++)
				pthread_join(th[i], NULL);
			if (engine) {
				ASSERT_TRUE(userbpf_prog__jited(p, NULL) != NULL);
				ASSERT_TRUE(calls_specialised(p, ks));
			}
			ASSERT_EQ(bad, 0);
			userbpf_prog__free(p);
			userbpf_map__put(prog_map);
		}
	}
}
