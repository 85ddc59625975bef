/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_bench.c - the JIT benchmark's workloads (bench/ref/
 * jit_workloads.c, built as build/bench/jit_workloads.bpf.o) are bounded
 * loops of up to 2,048 iterations that the kernel verifies by unrolling
 * with pruning.  Each program verifies in userbpf within a stated
 * processed-instruction bound (of the order of the kernel's count, far
 * below the 1,000,000 limit); where bpf() is allowed the kernel's count
 * is printed next to userbpf's.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "../unit/test.h"

/* clang-format off */
static const struct {
	const char *name;
	uint32_t max_processed; /* userbpf must stay below */
} workloads[] = {
	/* kernel 6.18: 11,780 / 139,896 / 46,285 / 36,841 / 12,007 /
	 * 2,054 / 10,094 / 8,715 / 9,126 processed insns */
	{ "crc32", 24000 },
	{ "sieve", 280000 },
	{ "bubble_sort", 100000 },
	{ "string_search", 80000 },
	{ "fibonacci", 24000 },
	{ "mem_copy", 5000 },
	{ "packet_parser", 20000 },
	{ "division", 18000 },
	{ "hash_counter", 20000 },
};
/* clang-format on */

static int kernel_log_buf_processed(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? atoi(p + 10) : -1;
}

/* the kernel's processed count for one program, -1 when bpf() refuses */
static int kernel_processed(const char *path, const char *name)
{
	static char klog[1 << 16];
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	int err, n = -1;

	if (!obj)
		return -1;
	bpf_object__for_each_program(p, obj)
	{
		bool me = !strcmp(bpf_program__name(p), name);

		bpf_program__set_autoload(p, me);
		if (me) {
			klog[0] = 0;
			bpf_program__set_log_buf(p, klog, sizeof(klog));
			bpf_program__set_log_level(p, 4);
		}
	}
	libbpf_set_print(NULL);
	err = bpf_object__load(obj);
	if (!err)
		n = kernel_log_buf_processed(klog);
	bpf_object__close(obj);
	return n;
}

TEST(verifier_bench_workloads)
{
	char path[512];
	static char log[1 << 14];
	struct userbpf_object *obj;
	size_t i;

	snprintf(path, sizeof(path), "%s/bench/jit_workloads.bpf.o", test_build_dir());
	if (access(path, R_OK)) {
		test_skip("no build/bench/jit_workloads.bpf.o (clang missing)");
		return;
	}
	obj = userbpf_object__open_file(path, NULL);
	ASSERT_TRUE(obj != NULL);
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		struct userbpf_program *p =
			userbpf_object__find_program_by_name(obj, workloads[i].name);
		struct userbpf_verifier_stats st;
		int err, kn;

		ASSERT_TRUE(p != NULL);
		memset(&st, 0, sizeof(st));
		{
			USERBPF_OPTS(userbpf_verifier_opts, o, .log_buf = log,
				     .log_size = sizeof(log), .stats = &st);

			err = userbpf_program__verify(obj, p, &o);
		}
		if (err)
			test_fail(__FILE__, __LINE__, "%s rejected (%d): %s", workloads[i].name,
				  err, log);
		else if (st.insn_processed > workloads[i].max_processed)
			test_fail(__FILE__, __LINE__, "%s: %u insns processed, bound %u",
				  workloads[i].name, st.insn_processed, workloads[i].max_processed);
		kn = kernel_processed(path, workloads[i].name);
		printf("verifier bench %s: userbpf %u insns processed, kernel %d\n",
		       workloads[i].name, st.insn_processed, kn);
	}
	userbpf_object__close(obj);
}
