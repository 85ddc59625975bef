/* SPDX-License-Identifier: MIT */
/*
 * bench_verifier.c - verifier speed: for every program of every BPF
 * object the build produces (every *.bpf.o under the build directory, or
 * the OBJ arguments), userbpf's processed instructions and verification
 * time (best of N calls of userbpf_program__verify, thread CPU time, the
 * log off) next to the kernel's (BPF_PROG_LOAD through libbpf with
 * log_level 4, the statistics only: "verification time T usec",
 * "processed N insns"; best of K loads); then generated programs of
 * growing size (straight-line code, diamonds on a random value, nested
 * counted loops) verified by both, to show how the time scales.
 * The kernel's columns read "-" when it refuses the program (libbpf
 * cannot load it, or bpf() is not allowed: said once, then skipped).
 *
 * Usage: bench_verifier [--quick] [--no-kernel] [--reps N] [--gen] [OBJ.bpf.o...]
 * (the generated programs run when no OBJ is given, or with --gen).
 * The ratio column is kernel time / userbpf time: above 1, userbpf is
 * faster.  Exit status 1 when userbpf and the kernel disagree on a
 * program's verdict is NOT used: verdicts are the test suite's business;
 * they are shown ("!" marks a program one side refuses).
 */
#include <errno.h>
#include <ftw.h>
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

static int reps = 7;	      /* userbpf: best of */
static int kreps = 3;	      /* kernel: best of */
static bool kernel_ok = true; /* bpf() allowed (cleared at the first EPERM) */
static const char *kernel_note;

/* CPU time of this thread, ns: the machine is shared */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l, (void)f, (void)a;
	return 0;
}

/* one side's figures: processed insns (or -1), µs (or < 0), verdict */
struct side {
	long processed;
	double us;
	int err;
};

/* the kernel's statistics line: "verification time T usec" ... "processed N insns" */
static void parse_klog(const char *log, struct side *k)
{
	const char *p = strstr(log, "verification time ");

	if (p)
		k->us = atof(p + 18);
	p = strstr(log, "processed ");
	if (p)
		k->processed = atol(p + 10);
}

/* bpf() allowed: a 2-insn socket filter loads */
static void kernel_probe(void)
{
	static const struct userbpf_insn ret0[] = {
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_EXIT, 0, 0, 0, 0),
	};
	static char note[160];
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL",
			       (const struct bpf_insn *)ret0, 2, NULL);

	if (fd >= 0) {
		close(fd);
		return;
	}
	snprintf(note, sizeof(note), "the kernel's columns are empty: bpf() refused (%s)",
		 strerror(errno));
	kernel_note = note;
	kernel_ok = false;
}

/* the kernel: program NAME of the object at PATH, best of kreps loads */
static void kernel_object_prog(const char *path, const char *name, struct side *k)
{
	static char klog[1 << 16];
	int r;

	k->processed = -1;
	k->us = -1;
	k->err = 0;
	for (r = 0; r < kreps && kernel_ok; r++) {
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		struct bpf_program *p;
		struct side one = { -1, -1, 0 };
		bool found = false;

		if (!obj) {
			k->err = -errno;
			return;
		}
		bpf_object__for_each_program(p, obj)
		{
			bool me = !strcmp(bpf_program__name(p), name);

			found |= me;
			bpf_program__set_autoload(p, me);
			if (me) {
				klog[0] = 0;
				bpf_program__set_log_buf(p, klog, sizeof(klog));
				bpf_program__set_log_level(p, 4);
			}
		}
		if (!found) {
			bpf_object__close(obj);
			k->err = -ENOENT;
			return;
		}
		one.err = bpf_object__load(obj);
		parse_klog(klog, &one);
		bpf_object__close(obj);
		if (one.err && one.us < 0) { /* libbpf or the kernel refused before verifying */
			k->err = one.err;
			return;
		}
		k->err = one.err;
		k->processed = one.processed;
		if (k->us < 0 || one.us < k->us)
			k->us = one.us;
	}
}

/* the kernel: raw instructions as a socket filter */
static void kernel_insns(const struct userbpf_insn *insns, size_t n, struct side *k)
{
	static char klog[1 << 16];
	int r;

	k->processed = -1;
	k->us = -1;
	k->err = 0;
	for (r = 0; r < kreps && kernel_ok; r++) {
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = klog, .log_size = sizeof(klog),
			    .log_level = 4);
		struct side one = { -1, -1, 0 };
		int fd;

		klog[0] = 0;
		fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench", "GPL",
				   (const struct bpf_insn *)insns, n, &o);
		if (fd >= 0)
			close(fd);
		one.err = fd < 0 ? -errno : 0;
		parse_klog(klog, &one);
		if (one.err && one.us < 0) {
			k->err = one.err;
			return;
		}
		k->err = one.err;
		k->processed = one.processed;
		if (k->us < 0 || one.us < k->us)
			k->us = one.us;
	}
}

/* best of `reps` calls of EXPR (an int, 0 accepted), µs; stops after 2 s */
#define UB_TIME(EXPR, SIDE)                                                                        \
	do {                                                                                       \
		double best_ = 1e300, spent_ = 0;                                                  \
		int r_;                                                                            \
		for (r_ = 0; r_ < reps && (r_ < 2 || spent_ < 2e9); r_++) {                        \
			double t0_ = now_ns(), el_;                                                \
			(SIDE).err = (EXPR);                                                       \
			el_ = now_ns() - t0_;                                                      \
			spent_ += el_;                                                             \
			if (el_ < best_)                                                           \
				best_ = el_;                                                       \
		}                                                                                  \
		(SIDE).us = best_ / 1e3;                                                           \
	} while (0)

/* totals over the rows */
static struct {
	unsigned rows, both, slower;
	double ub_us, k_us, log_ratio;
	long ub_proc, k_proc;
} tot;

static void fmt_side(char *buf, size_t sz, const struct side *s)
{
	if (s->us < 0 && s->processed < 0)
		snprintf(buf, sz, "%9s %10s", "-", "-");
	else
		snprintf(buf, sz, "%9ld %10.1f", s->processed, s->us);
}

static void row(const char *name, size_t insns, const struct side *u, const struct side *k)
{
	char a[48], b[48], ratio[16] = "-";
	bool have_k = k->us >= 0;

	fmt_side(a, sizeof(a), u);
	fmt_side(b, sizeof(b), k);
	if (have_k && u->us > 0) {
		double r = (k->us > 0 ? k->us : 0.5) / u->us; /* the kernel reports whole µs */

		snprintf(ratio, sizeof(ratio), "%.2f", r);
		tot.both++;
		tot.ub_us += u->us;
		tot.k_us += k->us;
		tot.ub_proc += u->processed;
		tot.k_proc += k->processed;
		tot.log_ratio += log(r);
		if (u->us > k->us && u->us - k->us >= 1.0)
			tot.slower++;
	}
	tot.rows++;
	printf("%-44.44s %6zu %s %s %6s%s%s\n", name, insns, a, b, ratio, u->err ? " !userbpf" : "",
	       have_k && k->err ? " !kernel" : "");
}

static void header(const char *what)
{
	printf("\n%-44s %6s %9s %10s %9s %10s %6s\n", what, "insns", "ub proc", "ub us", "k proc",
	       "k us", "k/ub");
}

static int bench_object(const char *path)
{
	static char log[1 << 12];
	struct userbpf_object *obj = userbpf_object__open_file(path, NULL);
	struct userbpf_program *prog = NULL;
	const char *base = strrchr(path, '/');
	char dir_base[128];
	int shown = 0;

	if (base) { /* "examples/http_sniff" */
		const char *d = base;

		while (d > path && d[-1] != '/')
			d--;
		snprintf(dir_base, sizeof(dir_base), "%.*s", (int)(strlen(d) - 6), d);
	} else {
		snprintf(dir_base, sizeof(dir_base), "%s", path);
	}
	if (!obj) {
		printf("%-44.44s skipped: userbpf cannot open it (%s)\n", dir_base,
		       strerror(errno));
		return 0;
	}
	if (userbpf_object__prepare(obj)) {
		printf("%-44.44s skipped: %s\n", dir_base, userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return 0;
	}
	while ((prog = userbpf_object__next_program(obj, prog))) {
		struct userbpf_verifier_stats st;
		struct side u = { -1, -1, 0 }, k;
		char name[160];
		USERBPF_OPTS(userbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof(log),
			     .stats = &st);

		memset(&st, 0, sizeof(st));
		UB_TIME(userbpf_program__verify(obj, prog, &o), u);
		u.processed = st.insn_processed;
		kernel_object_prog(path, userbpf_program__name(prog), &k);
		snprintf(name, sizeof(name), "%s/%s", dir_base, userbpf_program__name(prog));
		row(name, userbpf_program__insn_cnt(prog), &u, &k);
		shown++;
	}
	userbpf_object__close(obj);
	return shown;
}

/* ==== generated programs ==== */

struct gen {
	struct userbpf_insn *p;
	size_t n, cap;
};

static void emit(struct gen *g, struct userbpf_insn i)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 1024;
		g->p = realloc(g->p, g->cap * sizeof(*g->p));
		if (!g->p) {
			perror("bench_verifier");
			exit(2);
		}
	}
	g->p[g->n++] = i;
}

/* N instructions of ALU work on r0-r3, then exit */
static void gen_straight(struct gen *g, size_t n)
{
	size_t i;

	emit(g, USERBPF_MOV64_IMM(0, 1));
	emit(g, USERBPF_MOV64_IMM(1, 2));
	emit(g, USERBPF_MOV64_IMM(2, 3));
	emit(g, USERBPF_MOV64_IMM(3, 4));
	for (i = 0; g->n + 1 < n; i++) {
		switch (i % 4) {
		case 0:
			emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 0, (int32_t)i));
			break;
		case 1:
			emit(g, USERBPF_ALU64_REG(USERBPF_XOR, 1, 0));
			break;
		case 2:
			emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 2, 1));
			break;
		default:
			emit(g, USERBPF_ALU32_REG(USERBPF_MOV, 0, 2));
			break;
		}
	}
	emit(g, USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_EXIT, 0, 0, 0, 0));
}

/* K diamonds, each on a fresh random value (a value refined by one branch
 * and decided by a later one would be precise and defeat pruning), setting a
 * temporary added to a sum that is never compared: the join states prune */
static void gen_diamonds(struct gen *g, size_t k)
{
	size_t i;

	emit(g, USERBPF_MOV64_IMM(7, 0));
	for (i = 0; i < k; i++) {
		emit(g, USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_CALL, 0, 0, 0, 7)); /* prandom */
		emit(g, USERBPF_JMP_IMM(USERBPF_JSET, 0, 1, 2));
		emit(g, USERBPF_MOV64_IMM(1, (int32_t)i));
		emit(g, USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_JA, 0, 0, 1, 0));
		emit(g, USERBPF_MOV64_IMM(1, -(int32_t)i));
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 7, 1));
	}
	emit(g, USERBPF_MOV64_IMM(0, 0));
	emit(g, USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_EXIT, 0, 0, 0, 0));
}

/* for (i = 0; i < A; i++) for (j = 0; j < B; j++) r0 += j; */
static void gen_loops(struct gen *g, int a, int b)
{
	emit(g, USERBPF_MOV64_IMM(0, 0));
	emit(g, USERBPF_MOV64_IMM(6, 0));
	emit(g, USERBPF_MOV64_IMM(7, 0));	       /* outer: */
	emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 0, 7)); /* inner: */
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 7, 1));
	emit(g, USERBPF_JMP_IMM(USERBPF_JLT, 7, b, -3));
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 6, 1));
	emit(g, USERBPF_JMP_IMM(USERBPF_JLT, 6, a, -6));
	emit(g, USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_EXIT, 0, 0, 0, 0));
}

static void bench_generated(const char *name, struct gen *g)
{
	struct userbpf_verifier_stats st;
	struct side u = { -1, -1, 0 }, k;
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = USERBPF_PROG_TYPE_SOCKET_FILTER,
		     .gpl = 1, .stats = &st);

	memset(&st, 0, sizeof(st));
	UB_TIME(userbpf_verify(g->p, g->n, &o), u);
	u.processed = st.insn_processed;
	kernel_insns(g->p, g->n, &k);
	row(name, g->n, &u, &k);
	free(g->p);
	memset(g, 0, sizeof(*g));
}

/* ==== objects found under the build directory ==== */

static char **paths;
static size_t npaths;

static int collect(const char *fpath, const struct stat *sb, int flag, struct FTW *ftw)
{
	size_t l = strlen(fpath);

	(void)sb, (void)ftw;
	if (flag == FTW_F && l > 6 && !strcmp(fpath + l - 6, ".bpf.o")) {
		paths = realloc(paths, (npaths + 1) * sizeof(*paths));
		if (!paths)
			return -1;
		paths[npaths++] = strdup(fpath);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	bool quick = false, do_kernel = true, gen = false;
	int i, first_obj = argc;
	size_t j;
	struct gen g = { 0 };

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--gen")) {
			gen = true;
		} else if (!strcmp(argv[i], "--no-kernel")) {
			do_kernel = false;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1)
				reps = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr,
				"usage: bench_verifier [--quick] [--no-kernel] [--reps N] [--gen] "
				"[OBJ...]\n");
			return 2;
		} else {
			first_obj = i;
			break;
		}
	}
	if (quick) {
		reps = reps < 3 ? reps : 3;
		kreps = 1;
	}
	if (!do_kernel) {
		kernel_ok = false;
		kernel_note = "the kernel's columns are empty: --no-kernel";
	}
	libbpf_set_print(silent);
	if (kernel_ok)
		kernel_probe();
	if (first_obj == argc)
		gen = true;
	if (first_obj < argc) {
		for (i = first_obj; i < argc; i++) {
			paths = realloc(paths, (npaths + 1) * sizeof(*paths));
			paths[npaths++] = strdup(argv[i]);
		}
	} else {
		char dir[4096];
		ssize_t l = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		char *slash;

		if (l <= 0) {
			perror("bench_verifier: /proc/self/exe");
			return 2;
		}
		dir[l] = 0;
		slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		if (nftw(dir, collect, 16, FTW_PHYS)) {
			perror("bench_verifier: walking the build directory");
			return 2;
		}
		qsort(paths, npaths, sizeof(*paths), cmp_str);
	}

	printf("bench_verifier: userbpf best of %d (thread CPU time, log off), kernel best of %d "
	       "loads (log_level 4: its own \"verification time\"); k/ub > 1: userbpf faster\n",
	       reps, kreps);
	header("object/program");
	for (j = 0; j < npaths; j++)
		bench_object(paths[j]);

	if (gen) {
		header("generated (socket filter)");
		static const size_t straight[] = { 1000, 16000, 128000, 1000000 };
		static const size_t diamonds[] = { 100, 1000, 4000, 8000 };
		static const int loops[][2] = { { 10, 10 }, { 30, 30 }, { 100, 100 }, { 300, 300 } };
		size_t nsz = quick ? 3 : 4;
		char name[64];

		for (j = 0; j < nsz; j++) {
			snprintf(name, sizeof(name), "straight-line %zu", straight[j]);
			gen_straight(&g, straight[j] - (straight[j] == 1000000));
			bench_generated(name, &g);
		}
		for (j = 0; j < nsz; j++) {
			snprintf(name, sizeof(name), "diamonds %zu", diamonds[j]);
			gen_diamonds(&g, diamonds[j]);
			bench_generated(name, &g);
		}
		for (j = 0; j < nsz; j++) {
			snprintf(name, sizeof(name), "nested loops %d x %d", loops[j][0],
				 loops[j][1]);
			gen_loops(&g, loops[j][0], loops[j][1]);
			bench_generated(name, &g);
		}
	}

	printf("\n%u rows; %u with both sides: userbpf %.0f us, kernel %.0f us in all "
	       "(processed %ld / %ld), geometric mean of k/ub %.2f; userbpf slower (by >= 1 us) "
	       "on %u\n",
	       tot.rows, tot.both, tot.ub_us, tot.k_us, tot.ub_proc, tot.k_proc,
	       tot.both ? exp(tot.log_ratio / tot.both) : 0.0, tot.slower);
	if (kernel_note)
		printf("note: %s\n", kernel_note);
	for (j = 0; j < npaths; j++)
		free(paths[j]);
	free(paths);
	return 0;
}
