/* SPDX-License-Identifier: MIT */
/*
 * test_map_rcu.c - grace periods of the map layer: a synchronize waits
 * for every program run in progress (announced through its run slot)
 * and for every syscall-side read section (announced through the
 * counters), and returns at once when there is neither.  In the TSan
 * subset ("_stress").
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "test.h"
#include "maps/map.h"
#include "userbpf/userbpf.h"

#define HELPER_BLOCK 250

static atomic_int entered, release_run, synced;

/* Holds the run (and with it the read section) until released. */
static uint64_t block_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct userbpf_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	atomic_store(&entered, 1);
	while (!atomic_load(&release_run))
		usleep(1000);
	return 7;
}

static const struct userbpf_helper block_helpers[] = {
	{ HELPER_BLOCK, "test_block", block_helper, { .ret = USERBPF_RET_INTEGER } },
};

static void *run_thread(void *arg)
{
	struct userbpf_prog *prog = arg;
	uint8_t ctx[8];
	uint64_t r0 = 0;
	USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = sizeof(ctx),
		     .flags = USERBPF_RUN_UNCHECKED);

	if (userbpf_prog__run(prog, &o, &r0) || r0 != 7)
		return (void *)1;
	return NULL;
}

static void *sync_thread(void *arg)
{
	(void)arg;
	ub_map_rcu_synchronize();
	atomic_store(&synced, 1);
	return NULL;
}

static void *reader_thread(void *arg)
{
	(void)arg;
	ub_map_rcu_read_lock();
	atomic_store(&entered, 1);
	while (!atomic_load(&release_run))
		usleep(1000);
	ub_map_rcu_read_unlock();
	return NULL;
}

/* reader: a thread that holds a read section until release_run. */
static void grace_period_waits(void *(*reader)(void *), void *arg)
{
	pthread_t a, b;
	void *ret;

	atomic_store(&entered, 0);
	atomic_store(&release_run, 0);
	atomic_store(&synced, 0);
	ASSERT_EQ(pthread_create(&a, NULL, reader, arg), 0);
	while (!atomic_load(&entered))
		usleep(1000);
	ASSERT_EQ(pthread_create(&b, NULL, sync_thread, NULL), 0);
	usleep(50 * 1000);
	ASSERT_EQ(atomic_load(&synced), 0); /* still waiting for the reader */
	atomic_store(&release_run, 1);
	ASSERT_EQ(pthread_join(a, &ret), 0);
	ASSERT_TRUE(ret == NULL);
	ASSERT_EQ(pthread_join(b, NULL), 0);
	ASSERT_EQ(atomic_load(&synced), 1);
}

TEST(rcu_stress_grace_period_waits_for_runs_and_readers)
{
	static const struct userbpf_insn insns[] = {
		USERBPF_CALL_HELPER(HELPER_BLOCK),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .extra_helpers = block_helpers, .extra_helper_cnt = 1);
	USERBPF_OPTS(userbpf_map_create_opts, mo);
	struct userbpf_map *map;
	struct userbpf_prog *prog;
	int i;

	/* a map exists: runs take a slot and announce a read section */
	map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "rcu", 4, 8, 1, &mo);
	ASSERT_TRUE(map != NULL);
	prog = userbpf_prog__new(insns, 2, &po);
	ASSERT_TRUE(prog != NULL);
	/* both phases: each synchronize flips the phase */
	for (i = 0; i < 2; i++) {
		grace_period_waits(run_thread, prog);
		grace_period_waits(reader_thread, NULL);
	}
	/* nobody reading: returns */
	ub_map_rcu_synchronize();
	userbpf_prog__free(prog);
	userbpf_map__put(map);
}

/* ==== Lookups without the bucket lock ==== */

#define CHURN_KEYS 12
static atomic_int churn_stop;
static atomic_long churn_rounds;

static void *churn_thread(void *arg)
{
	struct userbpf_map *map = arg;
	uint64_t v = 1;
	uint32_t k;

	while (!atomic_load(&churn_stop)) {
		for (k = 100; k < 100 + CHURN_KEYS; k++)
			userbpf_map__update_elem(map, &k, &v, USERBPF_ANY);
		for (k = 100; k < 100 + CHURN_KEYS; k++)
			userbpf_map__delete_elem(map, &k);
		atomic_fetch_add(&churn_rounds, 1);
	}
	return NULL;
}

static void *stable_reader(void *arg)
{
	struct ub_map *map = ub_map_from(arg);
	long misses = 0;
	int i;
	uint32_t k;

	/* at least 20000 rounds, and until the churn did 10000 of its own */
	for (i = 0; i < 20000 || atomic_load(&churn_rounds) < 10000; i++) {
		for (k = 0; k < 4; k++) {
			const uint64_t *v = ub_map_lookup_elem(map, &k);

			if (!v || __atomic_load_n(v, __ATOMIC_RELAXED) != k * 10 + 7)
				misses++;
		}
	}
	return (void *)misses;
}

/*
 * Program-side lookups walk bucket chains without the lock while another
 * thread inserts and deletes keys of the same buckets as fast as it can
 * (deleted elements are reused at once, so walkers get moved to other
 * chains): the keys that never change are always found, with their value.
 */
TEST(rcu_stress_lockless_lookup_never_misses)
{
	USERBPF_OPTS(userbpf_map_create_opts, mo);
	struct userbpf_map *map;
	pthread_t churn, readers[2];
	uint32_t k;
	int i;

	/* 16 buckets, 4 stable keys and 12 churning ones: shared chains */
	map = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "lockless", 4, 8, 16, &mo);
	ASSERT_TRUE(map != NULL);
	for (k = 0; k < 4; k++) {
		uint64_t v = k * 10 + 7;

		ASSERT_EQ(userbpf_map__update_elem(map, &k, &v, USERBPF_NOEXIST), 0);
	}
	atomic_store(&churn_stop, 0);
	atomic_store(&churn_rounds, 0);
	ASSERT_EQ(pthread_create(&churn, NULL, churn_thread, map), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&readers[i], NULL, stable_reader, map), 0);
	for (i = 0; i < 2; i++) {
		void *misses;

		ASSERT_EQ(pthread_join(readers[i], &misses), 0);
		ASSERT_EQ((long)misses, 0);
	}
	atomic_store(&churn_stop, 1);
	ASSERT_EQ(pthread_join(churn, NULL), 0);
	userbpf_map__put(map);
}
