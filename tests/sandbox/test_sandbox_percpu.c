/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_percpu.c - issue 10 F15: concurrent runs never share a
 * per-CPU slot.  32 threads (more than the machine's CPUs) each run a
 * program doing the kernel idiom "v = lookup(percpu_array, 0); *v += 1"
 * (a plain, non-atomic increment) 20,000 times; the sum over all CPU
 * slots must be exactly 640,000.  With the slot fixed from the start CPU
 * alone, two runs on the same CPU number raced and lost increments.
 * Also checked: a run sees a slot number below the machine's CPU count.
 * Run under TSan by 'make SANITIZER=thread tsan-test' (name: _stress).
 */
#include <pthread.h>
#include <stdlib.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"

#define THREADS 32
#define RUNS 20000

static struct userbpf_map *pc;
static struct userbpf_prog *inc_prog;

static int resolve(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)cookie, (void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)pc;
	return 0;
}

static void *runner(void *arg)
{
	uint32_t ctx[2] = { 0, 0 };
	int i, ncpus = userbpf_num_possible_cpus();

	for (i = 0; i < RUNS; i++) {
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
			     .flags = ((uintptr_t)arg & 1) ? USERBPF_RUN_CHECKED : 0);
		uint64_t r0;

		if (userbpf_prog__run(inc_prog, &ro, &r0) || r0 >= (uint64_t)ncpus)
			return (void *)1;
	}
	return NULL;
}

TEST(percpu_stress_no_lost_increments)
{
	/* v = lookup(pc, 0); if v: *v = *v + 1 (load, add, store);
	 * r0 = get_smp_processor_id() */
	static const char text[] = "*(u32 *)(r10 - 4) = 0\n"
				   "r1 = map_idx(1) ll\n"
				   "r2 = r10\n r2 += -4\n"
				   "call 1\n"
				   "if r0 == 0 goto out\n"
				   "r1 = *(u64 *)(r0 + 0)\n"
				   "r1 += 1\n"
				   "*(u64 *)(r0 + 0) = r1\n"
				   "out:\n"
				   "call 8\n"
				   "exit\n";
	struct userbpf_insn *insns;
	size_t cnt;
	char err[256];
	pthread_t t[THREADS];
	int ncpus = userbpf_num_possible_cpus(), c;
	uint64_t *vals, sum = 0;
	uint32_t zero = 0;
	long i;

	ASSERT_TRUE(ncpus > 0);
	pc = userbpf_map__create(USERBPF_MAP_TYPE_PERCPU_ARRAY, "pc", 4, 8, 1, NULL);
	ASSERT_TRUE(pc);
	ASSERT_OK(userbpf_asm(text, &insns, &cnt, err, sizeof(err)));
	{
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		inc_prog = userbpf_prog__new(insns, cnt, &po);
	}
	userbpf_free(insns);
	ASSERT_TRUE(inc_prog);
	for (i = 0; i < THREADS; i++)
		ASSERT_OK(pthread_create(&t[i], NULL, runner, (void *)i));
	for (i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		ASSERT_TRUE(ret == NULL);
	}
	vals = calloc((size_t)ncpus, sizeof(*vals));
	ASSERT_TRUE(vals);
	ASSERT_OK(userbpf_map__lookup_elem(pc, &zero, vals, 0));
	for (c = 0; c < ncpus; c++)
		sum += vals[c];
	free(vals);
	ASSERT_EQ(sum, (uint64_t)THREADS * RUNS);
	userbpf_prog__free(inc_prog);
	userbpf_map__put(pc);
}
