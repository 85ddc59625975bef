/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_nested_compare.c - nested byte-compare loops (the three
 * stages of a text finder/replacer, nested_compare.bpf.c) verified by
 * userbpf and by the running kernel (Linux 6.18 here, the oracle): the
 * verdicts must agree, a rejection must be explained in the kernel's
 * words, and userbpf's processed-insn count must stay near the kernel's
 * (within a quarter; measured: equal for 8 of 10, 4 % and 13 % above on
 * the two "check" stages).  Where the kernel cannot load (no bpf(), not
 * root), userbpf's verdicts are checked against the kernel's measured
 * ones kept in the table.  The accepted stages then run in sequence on a
 * buffer of this process, on userbpf and in the kernel (BPF_PROG_TEST_RUN
 * of syscall programs reads the caller's memory), and every stage's
 * result must equal the one computed here in plain C.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "userbpf/verifier.h"
#include "../unit/test.h"

/* each program, and what Linux 6.18 said of it (measured with
 * bench_verifier on this machine: processed insns, accept or reject) */
static const struct nc_case {
	const char *name;
	bool accept;
	const char *why; /* the rejection's message */
} nc_cases[] = {
	{ "nc_scan_1", true, NULL },						  /* kernel 3,153 */
	{ "nc_scan_2", true, NULL },						  /* 5,492 */
	{ "nc_scan_4", true, NULL },						  /* 11,605 */
	{ "nc_scan_32", true, NULL },						  /* 66,829 */
	{ "nc_check_8", true, NULL },						  /* 14,670 */
	{ "nc_check_64", true, NULL },						  /* 252,133 */
	{ "nc_check_500", false, "The sequence of 8192 jumps is too complex" },	  /* 41,346 */
	{ "nc_replace_8", true, NULL },						  /* 3,296 */
	{ "nc_replace_64", true, NULL },					  /* 34,281 */
	{ "nc_replace_500", false, "The sequence of 8192 jumps is too complex" }, /* 96,183 */
};

static char nc_path[512];

static bool nc_object_path(void)
{
	FILE *f;

	snprintf(nc_path, sizeof(nc_path), "%s/verifier/nested_compare.bpf.o", test_build_dir());
	f = fopen(nc_path, "rb");
	if (!f) {
		test_skip("no %s (clang missing)", nc_path);
		return false;
	}
	fclose(f);
	return true;
}

static int nc_silent(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l, (void)f, (void)a;
	return 0;
}

/* the kernel's verdict of one program: its processed insns (> 0) when it
 * loads, -errno when refused; *skipped when bpf() is not allowed */
static long nc_kernel(const char *name, bool *skipped)
{
	static char log[1 << 16];
	struct bpf_object *obj;
	struct bpf_program *p;
	libbpf_print_fn_t old = libbpf_set_print(nc_silent);
	long ret;
	const char *s;
	int err;

	*skipped = false;
	obj = bpf_object__open_file(nc_path, NULL);
	if (!obj) {
		libbpf_set_print(old);
		*skipped = true;
		return -ENOENT;
	}
	bpf_object__for_each_program(p, obj)
	{
		bool me = !strcmp(bpf_program__name(p), name);

		bpf_program__set_autoload(p, me);
		if (me) {
			bpf_program__set_log_buf(p, log, sizeof(log));
			bpf_program__set_log_level(p, 4); /* statistics only */
		}
	}
	log[0] = '\0';
	err = bpf_object__load(obj);
	s = strstr(log, "processed ");
	if (err)
		ret = err;
	else
		ret = s ? strtol(s + 10, NULL, 10) : 0;
	*skipped = err == -EPERM || (err && !s); /* not allowed, or no log */
	bpf_object__close(obj);
	libbpf_set_print(old);
	return ret;
}

TEST(verifier_nested_compare_vs_kernel)
{
	static char log[1 << 16];
	struct userbpf_object *obj;
	size_t i;
	int compared = 0;

	if (!nc_object_path())
		return;
	obj = userbpf_object__open_file(nc_path, NULL);
	ASSERT_TRUE(obj != NULL);
	if (!obj)
		return;
	for (i = 0; i < sizeof(nc_cases) / sizeof(nc_cases[0]); i++) {
		const struct nc_case *c = &nc_cases[i];
		struct userbpf_program *p = userbpf_object__find_program_by_name(obj, c->name);
		struct userbpf_verifier_stats vs = { 0 };
		USERBPF_OPTS(userbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof(log),
			     .stats = &vs);
		bool skipped;
		long k;
		int err;

		ASSERT_TRUE(p != NULL);
		if (!p)
			continue;
		log[0] = '\0';
		err = userbpf_program__verify(obj, p, &o);
		k = nc_kernel(c->name, &skipped);
		if (test_verbose())
			printf("    %-15s userbpf %d, processed %u; kernel %ld%s\n", c->name, err,
			       vs.insn_processed, k, skipped ? " (not loadable here)" : "");
		if (c->accept) {
			ASSERT_EQ(err, 0);
		} else {
			ASSERT_EQ(err, -E2BIG); /* the kernel's errno for both limits */
			ASSERT_CONTAINS(log, c->why);
			ASSERT_CONTAINS(log, "verification failed at insn");
		}
		if (skipped)
			continue;
		compared++;
		/* the oracle: the same verdict, and about the same work */
		ASSERT_EQ(k > 0, err == 0);
		if (k < 0)
			ASSERT_EQ(k, (long)err);
		if (k > 0)
			ASSERT_TRUE(vs.insn_processed <= (uint64_t)k * 5 / 4 &&
				    (uint64_t)vs.insn_processed * 5 / 4 >= (uint64_t)k);
	}
	if (!compared)
		test_skip("the kernel did not load them (bpf() not allowed): table verdicts only");
	userbpf_object__close(obj);
}

/* ==== running the accepted stages ==== */

#define NC_TEXT_LEN 20

struct nc_text {
	char text[NC_TEXT_LEN];
	unsigned int text_len;
};

struct nc_ctx {
	unsigned long long addr;
	long long len;
};

/* 4 chunks of 32 bytes searched; 20 more readable past the end */
static char nc_hay[128 + 32];

static void nc_fill(void)
{
	memset(nc_hay, '.', sizeof(nc_hay));
	memcpy(nc_hay + 3, "needle", 6);
	memcpy(nc_hay + 20, "nee", 3);	   /* a candidate, not a match */
	memcpy(nc_hay + 30, "needle", 6);  /* across two chunks */
	memcpy(nc_hay + 70, "needles", 7); /* matches (6 bytes compared) */
	memcpy(nc_hay + 100, "n", 1);
}

/* what the three stages compute, here in C: candidates (every 'n' of the
 * 128 bytes), matches among the first 8 candidates, records sent */
static void nc_expect(unsigned *cand, unsigned *match)
{
	unsigned i, n = 0, m = 0;

	for (i = 0; i < 128; i++) {
		if (nc_hay[i] != 'n')
			continue;
		if (n < 8 && !memcmp(nc_hay + i, "needle", 6))
			m++;
		n++;
	}
	*cand = n;
	*match = m;
}

static const char *const nc_run_progs[] = { "nc_scan_4", "nc_check_8", "nc_replace_8" };

static void nc_texts(struct nc_text t[2])
{
	memset(t, 0, 2 * sizeof(*t));
	memcpy(t[0].text, "needle", 6);
	t[0].text_len = 6;
	memcpy(t[1].text, "NEEDLE", 6);
	t[1].text_len = 6;
}

/* userbpf: load the three stages, run them in order; rets[] their r0 */
static int nc_run_userbpf(uint64_t rets[3])
{
	struct userbpf_object *obj = userbpf_object__open_file(nc_path, NULL);
	struct userbpf_program *p = NULL;
	struct nc_text t[2];
	struct nc_ctx ctx = { (unsigned long long)(uintptr_t)nc_hay, 128 };
	int i, err = -EINVAL;

	if (!obj)
		return -ENOENT;
	while ((p = userbpf_object__next_program(obj, p))) {
		bool keep = false;

		for (i = 0; i < 3; i++)
			keep |= !strcmp(userbpf_program__name(p), nc_run_progs[i]);
		userbpf_program__set_autoload(p, keep);
	}
	if (userbpf_object__load(obj))
		goto out;
	nc_texts(t);
	for (i = 0; i < 2; i++) {
		struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, "nc_texts");

		if (!m || userbpf_map__update_elem(userbpf_object_map__map(m), &i, &t[i], 0))
			goto out;
	}
	for (i = 0; i < 3; i++) {
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_HOST_READ);

		p = userbpf_object__find_program_by_name(obj, nc_run_progs[i]);
		if (!p || userbpf_prog__run(userbpf_program__prog(p), &ro, &rets[i]))
			goto out;
	}
	err = 0;
out:
	userbpf_object__close(obj);
	return err;
}

/* the kernel: the same, through libbpf and BPF_PROG_TEST_RUN */
static int nc_run_kernel(uint64_t rets[3])
{
	struct bpf_object *obj = bpf_object__open_file(nc_path, NULL);
	struct bpf_program *p;
	struct nc_text t[2];
	struct nc_ctx ctx = { (unsigned long long)(uintptr_t)nc_hay, 128 };
	int i, err = -EINVAL, fd;

	if (!obj)
		return -ENOENT;
	bpf_object__for_each_program(p, obj)
	{
		bool keep = false;

		for (i = 0; i < 3; i++)
			keep |= !strcmp(bpf_program__name(p), nc_run_progs[i]);
		bpf_program__set_autoload(p, keep);
	}
	err = bpf_object__load(obj);
	if (err)
		goto out;
	fd = bpf_object__find_map_fd_by_name(obj, "nc_texts");
	nc_texts(t);
	for (i = 0; i < 2; i++)
		if (bpf_map_update_elem(fd, &i, &t[i], 0)) {
			err = -errno;
			goto out;
		}
	for (i = 0; i < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, ro, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		p = bpf_object__find_program_by_name(obj, nc_run_progs[i]);
		err = p ? bpf_prog_test_run_opts(bpf_program__fd(p), &ro) : -ENOENT;
		if (err)
			goto out;
		rets[i] = ro.retval;
	}
out:
	bpf_object__close(obj);
	return err;
}

TEST(verifier_nested_compare_runs)
{
	uint64_t ub[3] = { 0 }, k[3] = { 0 };
	unsigned cand, match;
	libbpf_print_fn_t old;
	int kerr;

	if (!nc_object_path())
		return;
	nc_fill();
	nc_expect(&cand, &match);
	ASSERT_EQ(nc_run_userbpf(ub), 0);
	ASSERT_EQ(ub[0], cand);	 /* scan: candidates noted */
	ASSERT_EQ(ub[1], match); /* check: matches confirmed */
	ASSERT_EQ(ub[2], match); /* replace: one record each */
	old = libbpf_set_print(nc_silent);
	kerr = nc_run_kernel(k);
	libbpf_set_print(old);
	if (test_verbose())
		printf("    stages: userbpf %llu %llu %llu, kernel (%d) %llu %llu %llu; C %u %u\n",
		       (unsigned long long)ub[0], (unsigned long long)ub[1],
		       (unsigned long long)ub[2], kerr, (unsigned long long)k[0],
		       (unsigned long long)k[1], (unsigned long long)k[2], cand, match);
	if (kerr == -EPERM || kerr == -EACCES) {
		test_skip("the kernel refused the load or the test run (%d)", kerr);
		return;
	}
	ASSERT_EQ(kerr, 0);
	ASSERT_EQ(k[0], ub[0]);
	ASSERT_EQ(k[1], ub[1]);
	ASSERT_EQ(k[2], ub[2]);
}
