/* SPDX-License-Identifier: MIT */
/*
 * test_get_unless_zero.c - the references a lookup by id takes (the
 * launch domain's GET_FD_BY_ID, src/domain/arena.c): threads that find a
 * program or map in a registry under its lock and take a reference with
 * *_get_unless_zero race the owner dropping the last reference, whose
 * free takes the same lock to leave the registry.  A lookup must never
 * revive an object whose count reached zero (the plain get would, and
 * then use freed memory: ASan and TSan see it).  The names end in _stress:
 * 'make SANITIZER=thread tsan-test' runs them.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "../unit/test.h"
#include "maps/map.h"
#include "userbpf/userbpf.h"
#include "vm/vm_int.h"

#define HAMMERS 3
#define ROUNDS 300

/* The registry: one program at a time, under reg_lock. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct userbpf_prog *reg_prog;
static uint32_t reg_id;
static atomic_int stop, freed, taken, refused;

/* The program's free leaves the registry under its lock (the domain's
 * registry entry goes with the memory, under the arena lock). */
static void prog_on_free(void *data)
{
	(void)data;
	pthread_mutex_lock(&reg_lock);
	reg_prog = NULL;
	pthread_mutex_unlock(&reg_lock);
	atomic_fetch_add(&freed, 1);
}

static void *hammer(void *arg)
{
	int bad = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		struct userbpf_prog *p = NULL;
		uint32_t id = 0;

		pthread_mutex_lock(&reg_lock);
		if (reg_prog) {
			p = ub_prog_get_unless_zero(reg_prog);
			id = reg_id;
			if (!p)
				atomic_fetch_add(&refused, 1);
		}
		pthread_mutex_unlock(&reg_lock);
		if (!p)
			continue;
		/* a live program: ours until we put it */
		if (userbpf_prog__id(p) != id)
			bad++;
		atomic_fetch_add(&taken, 1);
		userbpf_prog__put(p);
	}
	return (void *)(intptr_t)bad;
}

TEST(launch_prog_get_unless_zero_stress)
{
	static const struct userbpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			  /* exit */
	};
	pthread_t th[HAMMERS];
	int i, bad = 0;

	atomic_store(&stop, 0);
	atomic_store(&freed, 0);
	for (i = 0; i < HAMMERS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, hammer, NULL), 0);
	for (i = 0; i < ROUNDS; i++) {
		USERBPF_OPTS(userbpf_prog_opts, po, .on_free = prog_on_free);
		struct userbpf_prog *p = userbpf_prog__new(insns, 2, &po);

		ASSERT_TRUE(p != NULL);
		pthread_mutex_lock(&reg_lock);
		reg_prog = p;
		reg_id = userbpf_prog__id(p);
		pthread_mutex_unlock(&reg_lock);
		/* the owner's last reference: the object goes now or with
		 * the last hammer's put, never later revived */
		userbpf_prog__put(p);
		while (atomic_load(&freed) != i + 1)
			sched_yield();
	}
	atomic_store(&stop, 1);
	for (i = 0; i < HAMMERS; i++) {
		void *r;

		pthread_join(th[i], &r);
		bad += (int)(intptr_t)r;
	}
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(atomic_load(&freed), ROUNDS);
	ASSERT_TRUE(reg_prog == NULL);
}

static struct ub_map *shared_map;

static void *map_hammer(void *arg)
{
	int i, got = 0;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		struct ub_map *m = ub_map_get_unless_zero(shared_map);

		if (m) {
			got++;
			ub_map_put(m);
		}
	}
	return (void *)(intptr_t)got;
}

/* Concurrent get_unless_zero / put pairs on a live map leave its count
 * where it was, and each of them took a reference. */
TEST(launch_map_get_unless_zero_stress)
{
	struct userbpf_map *pm = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "guz", 4, 8, 1, NULL);
	pthread_t th[HAMMERS];
	int i, got = 0;

	ASSERT_TRUE(pm != NULL);
	shared_map = ub_map_from(pm);
	for (i = 0; i < HAMMERS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, map_hammer, NULL), 0);
	for (i = 0; i < HAMMERS; i++) {
		void *r;

		pthread_join(th[i], &r);
		got += (int)(intptr_t)r;
	}
	ASSERT_EQ(got, HAMMERS * 20000);
	ASSERT_EQ(atomic_load(&shared_map->refcnt), 1);
	userbpf_map__put(pm);
}
