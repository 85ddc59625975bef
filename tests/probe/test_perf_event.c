/* SPDX-License-Identifier: MIT */
/*
 * test_perf_event.c - SEC("perf_event") on the CPU-time timer
 * (tests/probe/perfev.bpf.c): samples land while a function burns CPU,
 * with its registers (ip inside it), sample_period = 1e9 / freq ns, a
 * user stack starting at the interrupted ip; a thread-only link samples
 * that thread only; a one-CPU link keeps only its CPU's samples; no
 * sample after detach; bad options fail with EINVAL.
 *
 * Sample counts depend on CPU time, which each test burns until its own
 * CPU clock says so; the bounds are loose (the kernel checks CPU timers
 * at its tick).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

/* Burn ms of this thread's CPU time inside this function. */
__attribute__((noinline)) static void perf_burn(long ms)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (int k = 0; k < 20000; k++)
			x += (unsigned long)k;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static uint64_t seen(struct userbpf_object *obj, uint32_t key)
{
	return probe_fixture_value(obj, "seen", key);
}

static bool set_range(struct userbpf_object *obj)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, ".bss");
	uint64_t v[2] = { (uint64_t)(uintptr_t)perf_burn,
			  (uint64_t)(uintptr_t)perf_burn + 512 /* its size, roughly */ };
	void *p;
	size_t sz = 0;

	if (!m) /* named after the object */
		m = userbpf_object__find_map_by_name(obj, "perfev.bss");
	p = m ? userbpf_map__mmap_ptr(userbpf_object_map__map(m), &sz) : NULL;
	if (!p || sz < sizeof(v))
		return false;
	memcpy(p, v, sizeof(v));
	return true;
}

static struct userbpf_prog *sample_prog(struct userbpf_object *obj)
{
	return userbpf_program__prog(userbpf_object__find_program_by_name(obj, "sample"));
}

TEST(perf_event_samples_process)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	uint64_t n, after;
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 100);

	if (!obj)
		return;
	ASSERT_TRUE(set_range(obj));
	l = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
	ASSERT_TRUE(l);
	perf_burn(300);
	after = userbpf_link__hits(l); /* counted after each run's map update */
	ASSERT_TRUE(seen(obj, 0) >= after && after > 0);
	userbpf_link__destroy(l);
	n = seen(obj, 0);
	/* 30 expected; the tick and a loaded machine blur it */
	ASSERT_TRUE(n >= 5 && n <= 60);
	ASSERT_EQ(seen(obj, 2), 10000000);
	ASSERT_EQ(seen(obj, 3), syscall(SYS_gettid));
	ASSERT_TRUE(seen(obj, 4) * 2 >= n); /* most samples inside perf_burn */
	ASSERT_TRUE(seen(obj, 5) >= 2);	    /* perf_burn, then its caller */
	perf_burn(100);
	after = seen(obj, 0);
	ASSERT_EQ(after, n); /* detached: no more samples */
	userbpf_object__close(obj);
}

static void *burner(void *arg)
{
	*(long *)arg = syscall(SYS_gettid);
	perf_burn(200);
	return NULL;
}

TEST(perf_event_one_thread_and_cpu)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_link *l;
	pthread_t t;
	long tid = 0;
	cpu_set_t set, old;
	int cpu;
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 100);

	if (!obj)
		return;
	/* a link on this thread's clock: another thread's CPU time is not sampled */
	o.tid = (int)syscall(SYS_gettid);
	l = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
	ASSERT_TRUE(l);
	ASSERT_OK(pthread_create(&t, NULL, burner, &tid));
	pthread_join(t, NULL);
	ASSERT_TRUE(seen(obj, 0) <= 2);
	perf_burn(200);
	userbpf_link__destroy(l);
	ASSERT_TRUE(seen(obj, 0) >= 3);
	ASSERT_EQ(seen(obj, 3), o.tid);

	/* one-CPU links: pinned to one CPU, the other CPU's link sees nothing */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || sched_getaffinity(0, sizeof(old), &old)) {
		userbpf_object__close(obj);
		return;
	}
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_OK(sched_setaffinity(0, sizeof(set), &set));
	{
		struct userbpf_link *other;
		uint32_t k = 0;
		uint64_t zero = 0;
		struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, "seen");

		userbpf_map__update_elem(userbpf_object_map__map(m), &k, &zero, 0);
		o.tid = 0;
		o.flags = USERBPF_PERF_ONE_CPU;
		o.cpu = cpu == 0 ? 1 : 0;
		other = userbpf_probe__attach_perf_event(sample_prog(obj), &o);
		perf_burn(150);
		ASSERT_TRUE(other);
		ASSERT_EQ(userbpf_link__hits(other), 0);
		userbpf_link__destroy(other);
		sched_setaffinity(0, sizeof(old), &old);
		ASSERT_EQ(seen(obj, 0), 0);
	}
	userbpf_object__close(obj);
}

TEST(perf_event_bad_opts)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	char err[128] = "";
	USERBPF_OPTS(userbpf_perf_event_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	if (!obj)
		return;
	ASSERT_TRUE(!userbpf_probe__attach_perf_event(sample_prog(obj), &o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_CONTAINS(err, "sample_freq");
	userbpf_object__close(obj);
}
