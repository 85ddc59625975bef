/* SPDX-License-Identifier: MIT */
/*
 * test_probe_jit_at_attach.c - a probe's program is compiled when it is
 * attached, never on its first hit (probe_prog_get): a perf_event sample
 * that interrupted malloc and ran a program for the first time compiled
 * it there, and the compiler's calloc waited forever for the malloc lock
 * the interrupted code held (the test runner hung in
 * perf_event_with_breakpoint_probe, a sample landing in uprobe_attach's
 * calloc).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/jit.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

static double thread_cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* malloc and free for ms of this thread's CPU time: most samples land
 * inside the allocator, with its lock held */
static void malloc_churn(double ms)
{
	double t0 = thread_cpu_ms();
	void *keep[64] = { 0 };
	unsigned i = 0;

	while (thread_cpu_ms() - t0 < ms) {
		for (int k = 0; k < 256; k++, i++) {
			free(keep[i & 63]);
			keep[i & 63] = malloc(16 + (i * 37) % 4000);
		}
	}
	for (i = 0; i < 64; i++)
		free(keep[i]);
}

static void churn_child(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("perfev");
	struct userbpf_prog *prog;
	struct userbpf_link *l;
	size_t sz = 0;
	uint64_t out[3] = { 0 };
	USERBPF_OPTS(userbpf_perf_event_opts, o, .sample_freq = 4000);

	if (!obj)
		probe_fixture_report(fd, out, sizeof(out));
	prog = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "sample"));
	out[0] = userbpf_prog__jited(prog, &sz) != NULL; /* nothing ran it yet */
	l = userbpf_probe__attach_perf_event(prog, &o);
	out[1] = l && userbpf_prog__jited(prog, &sz) != NULL && sz > 0;
	malloc_churn(300);
	out[2] = 1; /* not deadlocked */
	userbpf_link__destroy(l);
	userbpf_object__close(obj);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(probe_jit_at_attach_sampled_malloc)
{
	uint64_t out[3];

	if (getenv("USERBPF_JIT_DISABLE")) {
		test_skip("the JIT is disabled in this run");
		return;
	}
	ASSERT_EQ(probe_fixture_child(churn_child, out, sizeof(out)), 0);
	ASSERT_EQ(out[0], 0);
	ASSERT_EQ(out[1], 1);
	ASSERT_EQ(out[2], 1);
}
