/* SPDX-License-Identifier: MIT */
/*
 * bench_interp.c - interpreter speed: nanoseconds per executed BPF
 * instruction on five programs (arithmetic loop, memory copy, branchy
 * code, BPF-to-BPF calls, atomics), against the same computation compiled
 * natively by clang -O2 (bench/ref/native_ref.c).
 *
 * Usage: bench [--json] [--quick]
 * Prints a table (or one JSON object per line).  Instruction counts come
 * from a budgeted run (exact); times are the best of several batches of
 * runs of at least 100 ms, for the fast and the checked interpreter.
 * Last line: the per-call cost of an empty program, fast and checked.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "userbpf/userbpf.h"
#include "ref/native_ref.h"

#define MEM_WORDS 512 /* memcpy: 4 KiB copied per run */
/* the fast interpreter: unchecked (asked for: no verifier here), no JIT */
#define INTERP_FAST (USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER)

struct bench {
	const char *name;
	const char *text;
	uint64_t n; /* loop count (r1 or r2) */
};

static const struct bench benches[] = {
	{ "arith",
	  "r0 = 0\n r2 = 7\nloop:\n r0 += r1\n r0 ^= r2\n r2 = r0\n"
	  " r2 *= 3\n r2 >>= 1\n r1 -= 1\n if r1 != 0 goto loop\n exit\n",
	  100000 },
	{ "memcpy",
	  "r3 = r2\n r3 <<= 3\n r3 += r1\n r4 = 0\n r5 = r1\nloop:\n"
	  " r6 = *(u64 *)(r5 + 0)\n *(u64 *)(r3 + 0) = r6\n r5 += 8\n"
	  " r3 += 8\n r4 += 1\n if r4 < r2 goto loop\n r0 = r6\n exit\n",
	  MEM_WORDS },
	{ "branchy",
	  "r2 = 1\n r0 = 0\n r3 = 6364136223846793005 ll\n"
	  " r4 = 1442695040888963407 ll\nloop:\n r2 *= r3\n r2 += r4\n"
	  " r5 = r2\n r5 >>= 40\n r5 &= 1\n if r5 == 0 goto other\n"
	  " r0 += 3\n goto after\nother:\n r5 = r2\n r5 >>= 50\n"
	  " r0 ^= r5\nafter:\n r5 = r2\n r5 >>= 33\n r5 &= 1\n"
	  " if r5 == 0 goto skip\n r0 -= 1\nskip:\n r1 -= 1\n"
	  " if r1 != 0 goto loop\n exit\n",
	  100000 },
	{ "calls",
	  "r6 = r1\n r0 = 0\nloop:\n r1 = r0\n r2 = r6\n call leaf\n"
	  " r6 -= 1\n if r6 != 0 goto loop\n exit\nleaf:\n r0 = r1\n"
	  " r0 <<= 1\n r0 += r2\n exit\n",
	  100000 },
	{ "atomics",
	  "r0 = 0\nloop:\n lock *(u64 *)(r1 + 0) += r2\n r3 = 1\n"
	  " r3 = atomic_fetch_add((u64 *)(r1 + 0), r3)\n r0 += r3\n"
	  " r2 -= 1\n if r2 != 0 goto loop\n exit\n",
	  100000 },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint8_t mem[MEM_WORDS * 16] __attribute__((aligned(8)));
static uint64_t counter;

/* Entry registers of bench b: r1, r2. */
static void bench_args(const struct bench *b, uint64_t args[2])
{
	if (!strcmp(b->name, "memcpy")) {
		args[0] = (uint64_t)(uintptr_t)mem;
		args[1] = b->n;
	} else if (!strcmp(b->name, "atomics")) {
		args[0] = (uint64_t)(uintptr_t)&counter;
		args[1] = b->n;
	} else {
		args[0] = b->n;
		args[1] = 0;
	}
}

static uint64_t native_run(const struct bench *b)
{
	if (!strcmp(b->name, "arith"))
		return ref_arith(b->n);
	if (!strcmp(b->name, "memcpy"))
		return ref_memcpy(mem, b->n);
	if (!strcmp(b->name, "branchy"))
		return ref_branchy(b->n);
	if (!strcmp(b->name, "calls"))
		return ref_calls(b->n);
	counter = 0;
	return ref_atomics(&counter, b->n);
}

/* Best-of-batches time of one call of fn, in ns. */
#define TIME_BEST(BATCHES, MIN_NS, EXPR, OUT)                                                      \
	do {                                                                                       \
		double best_ = 1e300;                                                              \
		int k_;                                                                            \
		for (k_ = 0; k_ < (BATCHES); k_++) {                                               \
			double t0_ = now_ns(), el_;                                                \
			uint64_t reps_ = 0;                                                        \
			do {                                                                       \
				EXPR;                                                              \
				reps_++;                                                           \
			} while ((el_ = now_ns() - t0_) < (MIN_NS));                               \
			if (el_ / (double)reps_ < best_)                                           \
				best_ = el_ / (double)reps_;                                       \
		}                                                                                  \
		(OUT) = best_;                                                                     \
	} while (0)

/*
 * Per-call cost: an empty program ("r0 = 0; exit") run 1,000,000 times
 * between two clock reads, best of batches; fast (unchecked, interpreter)
 * and checked.
 */
static double per_call_ns(struct userbpf_prog *prog, uint32_t flags, int batches)
{
	uint8_t ctx[64] = { 0 };
	USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = sizeof(ctx), .flags = flags);
	double best = 1e300;
	uint64_t r0 = 0, sink = 0;
	int k, i;

	for (k = 0; k < batches; k++) {
		double t0 = now_ns(), el;

		for (i = 0; i < 1000000; i++) {
			userbpf_prog__run(prog, &o, &r0);
			sink += r0;
		}
		el = (now_ns() - t0) / 1e6;
		if (el < best)
			best = el;
	}
	if (sink == 0x5a5a5a5a5a5a5a5aull)
		putchar(' ');
	return best;
}

static int bench_empty(bool json, int batches)
{
	static const struct userbpf_insn empty[] = {
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_prog *prog = userbpf_prog__new(empty, 2, NULL);
	double fast, checked;

	if (!prog) {
		fprintf(stderr, "bench empty: load failed\n");
		return 1;
	}
	fast = per_call_ns(prog, INTERP_FAST, batches);
	checked = per_call_ns(prog, USERBPF_RUN_CHECKED, batches);
	if (json)
		printf("{\"program\":\"empty\",\"fast_ns_per_call\":%.1f,"
		       "\"checked_ns_per_call\":%.1f}\n",
		       fast, checked);
	else
		printf("empty program, per call: fast %.1f ns, checked %.1f ns\n", fast, checked);
	userbpf_prog__free(prog);
	return 0;
}

int main(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	bool quick = (argc > 1 && !strcmp(argv[argc - 1], "--quick"));
	double min_ns = quick ? 2e7 : 1e8;
	int batches = quick ? 2 : 5;
	double sum_ratio = 0, sum_nsi = 0;
	size_t i;

	for (i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(i * 7 + 1);
	if (!json)
		printf("%-8s %10s %12s %9s %9s %12s %8s\n", "program", "insns/run", "interp ns",
		       "ns/insn", "checked", "native ns", "ratio");
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		const struct bench *b = &benches[i];
		struct userbpf_insn *insns;
		struct userbpf_prog *prog;
		uint64_t args[2], r0 = 0, r0_native, sink = 0;
		size_t cnt;
		char err[256];
		double t_fast, t_checked, t_native;
		uint64_t executed;

		if (userbpf_asm(b->text, &insns, &cnt, err, sizeof(err))) {
			fprintf(stderr, "bench %s: %s\n", b->name, err);
			return 1;
		}
		prog = userbpf_prog__new(insns, cnt, NULL);
		userbpf_free(insns);
		if (!prog) {
			fprintf(stderr, "bench %s: load failed\n", b->name);
			return 1;
		}
		bench_args(b, args);
		{
			USERBPF_OPTS(userbpf_run_opts, o, .args = args, .arg_cnt = 2,
				     .insn_budget = UINT64_MAX / 2, .flags = USERBPF_RUN_UNCHECKED);
			counter = 0;
			if (userbpf_prog__run(prog, &o, &r0)) {
				fprintf(stderr, "bench %s: run failed\n", b->name);
				return 1;
			}
			executed = o.insn_count;
		}
		r0_native = native_run(b);
		if (r0 != r0_native) {
			fprintf(stderr,
				"bench %s: interpreter r0 0x%" PRIx64 " != native 0x%" PRIx64 "\n",
				b->name, r0, r0_native);
			return 1;
		}
		{
			USERBPF_OPTS(userbpf_run_opts, o, .args = args, .arg_cnt = 2,
				     .flags = INTERP_FAST);
			TIME_BEST(batches, min_ns, (userbpf_prog__run(prog, &o, &r0), sink += r0),
				  t_fast);
		}
		{
			struct userbpf_mem_region regions[2] = { { mem, sizeof(mem), 1 },
								 { &counter, sizeof(counter), 1 } };
			USERBPF_OPTS(userbpf_run_opts, o, .args = args, .arg_cnt = 2,
				     .regions = regions, .region_cnt = 2,
				     .flags = USERBPF_RUN_CHECKED);
			TIME_BEST(batches, min_ns, (userbpf_prog__run(prog, &o, &r0), sink += r0),
				  t_checked);
		}
		TIME_BEST(batches, min_ns, sink += native_run(b), t_native);
		if (json)
			printf("{\"program\":\"%s\",\"insns_per_run\":%" PRIu64
			       ",\"interp_ns_per_run\":%.0f,\"ns_per_insn\":%.3f,"
			       "\"checked_ns_per_insn\":%.3f,\"native_ns_per_run\":%.0f,"
			       "\"ratio\":%.1f}\n",
			       b->name, executed, t_fast, t_fast / (double)executed,
			       t_checked / (double)executed, t_native, t_fast / t_native);
		else
			printf("%-8s %10" PRIu64 " %12.0f %9.3f %9.3f %12.0f %7.1fx\n", b->name,
			       executed, t_fast, t_fast / (double)executed,
			       t_checked / (double)executed, t_native, t_fast / t_native);
		sum_nsi += t_fast / (double)executed;
		sum_ratio += t_fast / t_native;
		userbpf_prog__free(prog);
		if (sink == 0x5a5a5a5a5a5a5a5aull)
			putchar(' '); /* keep sink alive */
	}
	if (!json)
		printf("mean ns/insn %.3f, mean slowdown vs native %.1fx\n", sum_nsi / 5,
		       sum_ratio / 5);
	return bench_empty(json, batches);
}
