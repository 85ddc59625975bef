/* SPDX-License-Identifier: MIT */
/*
 * bench_jit.c - JIT speed: nine workloads written once in C
 * (bench/ref/jit_workloads.c), compiled natively by clang -O2 and by
 * clang -target bpf, timed per run on userbpf's fast interpreter, on
 * userbpf's JIT, natively, and on the kernel's JIT (BPF_PROG_TEST_RUN with
 * a repeat count; skipped with a note when the kernel refuses; its
 * batches alternate with the JIT's).  Prints
 * ns per run, the ratios to native and their geometric means, the
 * per-call cost of an empty program on each engine, and the JIT's compile
 * time for a 1,000-instruction program.
 *
 * Usage: bench_jit [--json] [--quick]
 * Every engine must return the same value as native code for every
 * workload (checked after one warm-up run), else the bench fails.
 *
 *        bench_jit --facts OBJ.bpf.o...
 * How often the JIT's uses of verifier facts fire on real programs: each
 * object is loaded (verified), each program compiled, and the counts the
 * JIT logs at debug level ("jit: ... verifier facts: ...") are summed
 * beside the instructions they could apply to (division/modulo by a
 * register, zero-extension idioms, conditional jumps).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "userbpf/userbpf.h"

/* The native twins (bench/ref/jit_workloads.c, clang -O2). */
/* clang-format off */
#define WORKLOADS(X) \
	X(crc32) X(sieve) X(bubble_sort) X(string_search) X(fibonacci) X(mem_copy) \
	X(packet_parser) X(division) X(hash_counter)
/* clang-format on */
#define DECL(name) int wl_##name(void *ctx);
WORKLOADS(DECL)
#undef DECL

struct workload {
	const char *name;
	int (*native)(void *ctx);
};

static const struct workload workloads[] = {
#define ROW(name) { #name, wl_##name },
	WORKLOADS(ROW)
#undef ROW
};
#define NWL (sizeof(workloads) / sizeof(workloads[0]))

/*
 * CPU time of this thread: the machine is shared, and wall-clock batches
 * of a preempted process measure the neighbours.  (The kernel's
 * BPF_PROG_TEST_RUN duration is its own measurement.)
 */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Best over batches of the mean time of EXPR; a batch runs EXPR in
 * chunks of CHUNK between clock reads (a thread-CPU clock read is a
 * system call, about 1.25 us on this VM: 256 calls of a 10 ns program
 * would carry 5 ns of it each, so per-call rows use large chunks) until
 * it has lasted MIN_NS.
 */
#define TIME_BEST_N(BATCHES, MIN_NS, CHUNK, EXPR, OUT)                                             \
	do {                                                                                       \
		double best_ = 1e300;                                                              \
		int k_, c_;                                                                        \
		for (k_ = 0; k_ < (BATCHES); k_++) {                                               \
			double t0_ = now_ns(), el_;                                                \
			uint64_t reps_ = 0;                                                        \
			do {                                                                       \
				for (c_ = 0; c_ < (CHUNK); c_++) {                                 \
					EXPR;                                                      \
				}                                                                  \
				reps_ += (CHUNK);                                                  \
			} while ((el_ = now_ns() - t0_) < (MIN_NS));                               \
			if (el_ / (double)reps_ < best_)                                           \
				best_ = el_ / (double)reps_;                                       \
		}                                                                                  \
		(OUT) = best_;                                                                     \
	} while (0)
#define TIME_BEST(BATCHES, MIN_NS, EXPR, OUT) TIME_BEST_N(BATCHES, MIN_NS, 256, EXPR, OUT)
/* calls of a few nanoseconds: the clock's cost under 0.1 ns a call */
#define PER_CALL_CHUNK 16384

static int silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l, (void)f, (void)a;
	return 0;
}

/* Kernel JIT: ns per run over `repeat` runs (best of batches), or < 0. */
static double kernel_ns(struct bpf_object *kobj, const char *name, int batches, uint32_t *ret)
{
	struct bpf_program *p = kobj ? bpf_object__find_program_by_name(kobj, name) : NULL;
	uint8_t pkt[64] = { 0 };
	double best = 1e300;
	int k;

	if (!p)
		return -1;
	for (k = 0; k < batches + 1; k++) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = k ? 20000 : 1);

		if (bpf_prog_test_run_opts(bpf_program__fd(p), &t))
			return -1;
		if (!k) {
			*ret = t.retval; /* the warm-up run; the result after it */
			continue;
		}
		if (k == 1)
			*ret = t.retval;
		if (t.duration && t.duration < best)
			best = t.duration;
	}
	return best;
}

static uint64_t empty_native_ret;
__attribute__((noinline)) static uint64_t empty_native(void *ctx)
{
	(void)ctx;
	return empty_native_ret;
}
/* called through a volatile pointer: a real indirect call every time */
static uint64_t (*volatile empty_native_fn)(void *) = empty_native;

static double per_call_ns(struct userbpf_prog *prog, uint32_t flags, int batches)
{
	uint8_t ctx[64] = { 0 };
	USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = sizeof(ctx), .flags = flags);
	uint64_t r0 = 0, sink = 0;
	double t;

	TIME_BEST_N(batches, 2e7, PER_CALL_CHUNK, (userbpf_prog__run(prog, &o, &r0), sink += r0),
		    t);
	if (sink == 0x5a5a5a5a5a5a5a5aull)
		putchar(' ');
	return t;
}

/* A 1,000-instruction straight-line + branches program (ALU mix). */
static struct userbpf_insn *big_program(size_t n)
{
	struct userbpf_insn *p = calloc(n, sizeof(*p));
	uint32_t seed = 42;
	size_t i;

	for (i = 0; i + 2 < n; i++) {
		uint8_t dst = (uint8_t)(seed % 10), src = (uint8_t)((seed >> 8) % 10);
		static const uint8_t ops[] = { 0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x47, 0x4f,
					       0x57, 0x5f, 0x67, 0x77, 0xa7, 0xaf, 0xbf, 0x04,
					       0x0c, 0x24, 0x2c, 0xb4, 0xbc, 0x15, 0x2d, 0x3f };
		uint8_t op = ops[(seed >> 16) % sizeof(ops)];

		seed = seed * 1103515245u + 12345u;
		p[i].code = op;
		p[i].dst_reg = dst;
		if ((op & 0x08) && (op & 0x07) != 0x05)
			p[i].src_reg = src;
		if ((op & 0x07) == 0x05) { /* jumps: forward, inside the program */
			p[i].src_reg = op == 0x2d ? src : 0;
			p[i].off = (int16_t)(1 + seed % 40);
			if (i + 1 + (size_t)p[i].off >= n - 2)
				p[i].off = 0;
			p[i].imm = op == 0x15 ? 5 : 0;
		} else if (!(op & 0x08)) {
			p[i].imm = (int32_t)(seed >> 20) + 1;
			if (op == 0x67 || op == 0x77)
				p[i].imm &= 31;
		}
		if (op == 0x3f) /* r %= r: divide by r1 | 1 */
			p[i].code = 0x2f;
	}
	p[n - 2] = (struct userbpf_insn){ .code = 0xb7 };
	p[n - 1] = (struct userbpf_insn){ .code = 0x95 };
	for (i = 0; i + 2 < n; i++) /* r0-r9 only as sources of values set above */
		if (p[i].dst_reg == 0 && i == 0)
			p[i].dst_reg = 1;
	return p;
}

static double compile_us(size_t n, int progs)
{
	struct userbpf_insn *insns = big_program(n);
	struct userbpf_prog **ps = calloc((size_t)progs, sizeof(*ps));
	double t0, best = 1e300;
	int i;

	for (i = 0; i < progs; i++) {
		ps[i] = userbpf_prog__new(insns, n, NULL);
		if (!ps[i]) {
			fprintf(stderr, "bench_jit: compile-time program rejected: %s\n",
				strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < progs; i++) {
		double el;

		t0 = now_ns();
		if (userbpf_prog__jit(ps[i])) {
			fprintf(stderr, "bench_jit: compile failed: %s\n",
				userbpf_prog__jit_error(ps[i]));
			return -1;
		}
		el = now_ns() - t0;
		if (el < best)
			best = el;
	}
	for (i = 0; i < progs; i++)
		userbpf_prog__free(ps[i]);
	free(ps);
	free(insns);
	return best / 1e3;
}

/* ==== --facts ==== */

struct facts {
	unsigned div, zext, branch, lookups;
	unsigned progs, lean;
	int seen; /* a jit line was parsed since the last reset */
};
static struct facts facts_now;

static int facts_print(enum userbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	const char *p;

	if (level != USERBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strncmp(line, "jit: ", 5) || !(p = strstr(line, "verifier facts: ")))
		return 0;
	if (sscanf(p,
		   "verifier facts: %u divisions without fix-ups, %u zero-extensions dropped, "
		   "%u branches decided; %u direct map lookups",
		   &facts_now.div, &facts_now.zext, &facts_now.branch, &facts_now.lookups) == 4)
		facts_now.seen = 1;
	facts_now.lean = strstr(line, ", lean;") != NULL;
	return 0;
}

/* Instructions a fact could simplify: div/mod by a register, zero-extension idioms, cond jumps. */
static void facts_candidates(const struct userbpf_insn *in, size_t n, unsigned *div, unsigned *zext,
			     unsigned *cond)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t cls = in[i].code & 7, op = in[i].code & 0xf0, x = in[i].code & 8;

		if ((cls == 4 || cls == 7) && x && (op == 0x30 || op == 0x90))
			(*div)++;
		else if (in[i].code == 0xbc && in[i].dst_reg == in[i].src_reg && !in[i].off)
			(*zext)++; /* w = w */
		else if (in[i].code == 0xd4 && in[i].imm == 32)
			(*zext)++; /* le32 */
		else if (in[i].code == 0x67 && in[i].imm == 32 && i + 1 < n &&
			 (in[i + 1].code == 0x77 || in[i + 1].code == 0xc7) &&
			 in[i + 1].imm == 32 && in[i + 1].dst_reg == in[i].dst_reg)
			(*zext)++; /* r <<= 32; r >>= 32 */
		else if ((cls == 5 || cls == 6) && op != 0x00 && op != 0x80 && op != 0x90 &&
			 op != 0xe0)
			(*cond)++;
		if (in[i].code == 0x18)
			i++; /* lddw's second slot */
	}
}

static int facts_main(int argc, char **argv)
{
	unsigned t_div = 0, t_zext = 0, t_branch = 0, t_lookups = 0, t_progs = 0, t_lean = 0;
	unsigned c_div = 0, c_zext = 0, c_cond = 0, objs = 0, failed = 0, with_any = 0;
	size_t t_insns = 0;
	int i;

	userbpf_set_print(facts_print);
	printf("%-60s %5s %6s %4s %4s %4s %4s %4s %4s %6s\n", "object/program", "insns", "jitted",
	       "div", "/cand", "zext", "/cand", "br", "/cond", "lookup");
	for (i = 0; i < argc; i++) {
		struct userbpf_object *obj = userbpf_object__open_file(argv[i], NULL);
		struct userbpf_program *prog = NULL;
		const char *base = strrchr(argv[i], '/');

		base = base ? base + 1 : argv[i];
		if (!obj || userbpf_object__load(obj)) {
			printf("%-60.60s skipped: %s\n", base,
			       obj ? userbpf_object__errmsg(obj) : strerror(errno));
			userbpf_object__close(obj);
			failed++;
			continue;
		}
		objs++;
		while ((prog = userbpf_object__next_program(obj, prog))) {
			struct userbpf_prog *p = userbpf_program__prog(prog);
			const struct userbpf_insn *in = userbpf_program__insns(prog);
			size_t n = userbpf_program__insn_cnt(prog);
			unsigned d = 0, z = 0, c = 0;
			char name[61];

			if (!p)
				continue;
			memset(&facts_now, 0, sizeof(facts_now));
			if (userbpf_prog__jit(p) || !facts_now.seen)
				continue;
			facts_candidates(in, n, &d, &z, &c);
			snprintf(name, sizeof(name), "%.30s/%s", base, userbpf_program__name(prog));
			printf("%-60.60s %5zu %6s %4u %4u %4u %4u %4u %4u %6u\n", name, n,
			       facts_now.lean ? "lean" : "yes", facts_now.div, d, facts_now.zext, z,
			       facts_now.branch, c, facts_now.lookups);
			t_progs++;
			t_lean += facts_now.lean;
			t_insns += n;
			t_div += facts_now.div;
			t_zext += facts_now.zext;
			t_branch += facts_now.branch;
			t_lookups += facts_now.lookups;
			c_div += d;
			c_zext += z;
			c_cond += c;
			with_any += facts_now.div || facts_now.zext || facts_now.branch;
		}
		userbpf_object__close(obj);
	}
	userbpf_set_print(NULL);
	printf("objects: %u loaded, %u skipped; programs jitted: %u (%u lean), %zu insns\n", objs,
	       failed, t_progs, t_lean, t_insns);
	printf("facts fired: divisions without fix-ups %u of %u div/mod by register; "
	       "zero-extensions dropped %u of %u idioms; branches decided %u of %u conditional "
	       "jumps; programs with any: %u of %u; direct map lookups %u\n",
	       t_div, c_div, t_zext, c_zext, t_branch, c_cond, with_any, t_progs, t_lookups);
	return 0;
}

int main(int argc, char **argv)
{
	bool json;
	bool quick = argc > 1 && !strcmp(argv[argc - 1], "--quick");
	double min_ns = quick ? 1e7 : 3e7;
	int batches = quick ? 3 : 5;
	char path[4096], err[512] = "";
	const char *slash = strrchr(argv[0], '/');
	struct userbpf_object *obj;
	struct bpf_object *kobj;
	const char *kernel_note = NULL, *verify_note = NULL;
	char verify_msg[512];
	double lg_interp = 0, lg_jit = 0, lg_kernel = 0;
	unsigned n_kernel = 0, slower_than_kernel = 0;
	size_t i;
	int fail = 0;

	if (argc > 1 && !strcmp(argv[1], "--facts"))
		return facts_main(argc - 2, argv + 2);
	json = argc > 1 && !strcmp(argv[1], "--json");

	snprintf(path, sizeof(path), "%.*s/bench/jit_workloads.bpf.o",
		 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
	{
		USERBPF_OPTS(userbpf_object_open_opts, oo, .err_buf = err,
			     .err_buf_sz = sizeof(err));

		obj = userbpf_object__open_file(path, &oo);
		if (obj && userbpf_object__load(obj)) {
			/*
			 * The kernel's verifier accepts every workload; where
			 * userbpf's does not yet (it lacks the kernel's
			 * precision backtracking, so long bounded loops hit
			 * the 1M-instruction limit), say so and time the
			 * programs unverified: the runs below are unchecked
			 * either way, and results are compared with native.
			 */
			verify_note = userbpf_object__errmsg(obj);
			snprintf(verify_msg, sizeof(verify_msg), "%s", verify_note);
			verify_note = verify_msg;
			userbpf_object__close(obj);
			oo.unverified = 1;
			obj = userbpf_object__open_file(path, &oo);
			if (obj && userbpf_object__load(obj)) {
				fprintf(stderr, "bench_jit: %s: %s\n", path,
					userbpf_object__errmsg(obj));
				return 1;
			}
		}
		if (!obj) {
			fprintf(stderr, "bench_jit: %s: %s\n", path, err);
			return 1;
		}
	}
	libbpf_set_print(silent);
	kobj = bpf_object__open_file(path, NULL);
	if (!kobj || bpf_object__load(kobj)) {
		kernel_note = "kernel refused to load the programs (needs root and BPF)";
		if (kobj)
			bpf_object__close(kobj);
		kobj = NULL;
	}
	if (!json)
		printf("%-14s %10s %10s %10s %10s %8s %8s %8s\n", "workload", "native ns",
		       "interp ns", "jit ns", "kernel ns", "interp/n", "jit/n", "kern/n");
	for (i = 0; i < NWL; i++) {
		const struct workload *w = &workloads[i];
		struct userbpf_program *up = userbpf_object__find_program_by_name(obj, w->name);
		struct userbpf_prog *prog = up ? userbpf_program__prog(up) : NULL;
		uint8_t ctx[64] = { 0 };
		USERBPF_OPTS(userbpf_run_opts, oi, .ctx = ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER);
		USERBPF_OPTS(userbpf_run_opts, oj, .ctx = ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_UNCHECKED);
		uint64_t ri = 0, rj = 0;
		uint32_t rk = 0;
		int rn, k;
		double t_native, t_interp, t_jit, t_kernel;

		if (!prog) {
			fprintf(stderr, "bench_jit: no program %s\n", w->name);
			return 1;
		}
		/* warm-up (fills global data, inserts map keys), then compare */
		w->native(ctx);
		userbpf_prog__run(prog, &oi, &ri);
		rn = w->native(ctx);
		if (userbpf_prog__run(prog, &oi, &ri) || userbpf_prog__run(prog, &oj, &rj) ||
		    (uint32_t)ri != (uint32_t)rn || (uint32_t)rj != (uint32_t)rn ||
		    !userbpf_prog__jited(prog, NULL)) {
			fprintf(stderr, "bench_jit: %s: native %u, interp %u, jit %u (%s)\n",
				w->name, (uint32_t)rn, (uint32_t)ri, (uint32_t)rj,
				userbpf_prog__jit_error(prog) ? userbpf_prog__jit_error(prog) :
								"compiled");
			fail = 1;
			continue;
		}
		TIME_BEST(batches, min_ns, w->native(ctx), t_native);
		TIME_BEST(batches, min_ns, userbpf_prog__run(prog, &oi, &ri), t_interp);
		/*
		 * The JIT and the kernel's JIT in turn, batch by batch (the
		 * best of each): on a shared machine a load change between
		 * two blocks of batches would favour whichever ran second.
		 */
		t_jit = t_kernel = 1e300;
		for (k = 0; k < batches; k++) {
			double tj, tk;

			TIME_BEST(1, min_ns, userbpf_prog__run(prog, &oj, &rj), tj);
			t_jit = tj < t_jit ? tj : t_jit;
			if (t_kernel < 0)
				continue; /* the kernel refused this one */
			tk = kernel_ns(kobj, w->name, 1, &rk);
			t_kernel = tk < 0 ? -1 : tk < t_kernel ? tk : t_kernel;
		}
		if (t_kernel >= 0 && rk != (uint32_t)rn) {
			fprintf(stderr, "bench_jit: %s: kernel returned %u, native %u\n", w->name,
				rk, (uint32_t)rn);
			fail = 1;
		}
		lg_interp += log(t_interp / t_native);
		lg_jit += log(t_jit / t_native);
		if (t_kernel > 0) {
			lg_kernel += log(t_kernel / t_native);
			n_kernel++;
			slower_than_kernel += t_jit > t_kernel;
		}
		if (json)
			printf("{\"workload\":\"%s\",\"native_ns\":%.1f,\"interp_ns\":%.1f,"
			       "\"jit_ns\":%.1f,\"kernel_ns\":%.1f}\n",
			       w->name, t_native, t_interp, t_jit, t_kernel);
		else if (t_kernel > 0)
			printf("%-14s %10.1f %10.1f %10.1f %10.1f %8.2f %8.2f %8.2f\n", w->name,
			       t_native, t_interp, t_jit, t_kernel, t_interp / t_native,
			       t_jit / t_native, t_kernel / t_native);
		else
			printf("%-14s %10.1f %10.1f %10.1f %10s %8.2f %8.2f %8s\n", w->name,
			       t_native, t_interp, t_jit, "-", t_interp / t_native,
			       t_jit / t_native, "-");
	}
	if (!fail && !json) {
		printf("%-14s %10s %10s %10s %10s %8.2f %8.2f", "geomean", "", "", "", "",
		       exp(lg_interp / NWL), exp(lg_jit / NWL));
		if (n_kernel)
			printf(" %8.2f\n", exp(lg_kernel / n_kernel));
		else
			printf(" %8s\n", "-");
		if (n_kernel)
			printf("workloads where userbpf's JIT is slower than the kernel's: %u of %u\n",
			       slower_than_kernel, n_kernel);
	}
	if (kernel_note)
		printf("kernel JIT: skipped, %s\n", kernel_note);
	if (verify_note)
		printf("userbpf verifier: not every workload verifies (%s); all were timed "
		       "unverified, unchecked\n",
		       verify_note);
	{
		static const struct userbpf_insn empty[] = {
			USERBPF_MOV64_IMM(0, 0),
			USERBPF_EXIT_INSN(),
		};
		struct userbpf_prog *prog = userbpf_prog__new(empty, 2, NULL);
		double e_interp, e_jit, e_checked, e_native;
		uint64_t sink = 0;
		uint8_t ctx[64];

		e_interp =
			per_call_ns(prog, USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER, batches);
		e_jit = per_call_ns(prog, USERBPF_RUN_UNCHECKED, batches);
		e_checked = per_call_ns(prog, USERBPF_RUN_CHECKED, batches);
		TIME_BEST_N(batches, 2e7, PER_CALL_CHUNK, sink += empty_native_fn(ctx), e_native);
		if (sink == 1)
			putchar(' ');
		if (json)
			printf("{\"program\":\"empty\",\"interp_ns\":%.1f,\"jit_ns\":%.1f,"
			       "\"checked_ns\":%.1f,\"native_ns\":%.1f}\n",
			       e_interp, e_jit, e_checked, e_native);
		else
			printf("empty program, per call (userbpf_prog__run): interp %.1f ns, "
			       "jit %.1f ns, checked %.1f ns; native call %.1f ns\n",
			       e_interp, e_jit, e_checked, e_native);
		userbpf_prog__free(prog);
	}
	{
		double us = compile_us(1000, quick ? 20 : 100);

		if (us < 0)
			fail = 1;
		else if (json)
			printf("{\"program\":\"compile_1000\",\"us\":%.1f}\n", us);
		else
			printf("JIT compile time, 1000-instruction program: %.1f us (best of %d)\n",
			       us, quick ? 20 : 100);
	}
	if (kobj)
		bpf_object__close(kobj);
	userbpf_object__close(obj);
	return fail;
}
