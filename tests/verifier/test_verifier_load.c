/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_load.c - verification at load (on by default): a safe
 * program loads verified; an unsafe one fails userbpf_object__load() with
 * the verifier's reason and source line, as the kernel refuses it too
 * (libbpf, when bpf() is allowed); the unverified open option loads it
 * anyway, and it then runs checked and stops at the bad access.  Also the
 * CLI: userbpf verify exit codes 0, 1, 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "vt_obj.h"
#include "../unit/test.h"

static char path[512];

static bool have_obj(void)
{
	return vt_obj_path(path, sizeof(path), "load.bpf.o");
}

static struct userbpf_object *open_only(const char *name, int unverified)
{
	USERBPF_OPTS(userbpf_object_open_opts, o, .unverified = unverified);
	struct userbpf_object *obj = userbpf_object__open_file(path, &o);
	struct userbpf_program *p = NULL;

	if (!obj)
		return NULL;
	while ((p = userbpf_object__next_program(obj, p)))
		userbpf_program__set_autoload(p, !strcmp(userbpf_program__name(p), name));
	return obj;
}

TEST(verifier_load_default_on)
{
	struct userbpf_object *obj;
	struct userbpf_program *p;
	static const char *const bad[] = { "no_null_check", "unchecked_index" };
	size_t i;

	if (!have_obj()) {
		test_skip("no build/verifier/load.bpf.o (clang missing)");
		return;
	}
	obj = open_only("safe", 0);
	ASSERT_TRUE(obj != NULL);
	ASSERT_EQ(userbpf_object__load(obj), 0);
	p = userbpf_object__find_program_by_name(obj, "safe");
	ASSERT_TRUE(userbpf_prog__verified(userbpf_program__prog(p)));
	userbpf_object__close(obj);
	ASSERT_TRUE(vt_kernel_loads(path, "safe") != 0);
	obj = open_only("const_key", 0);
	ASSERT_EQ(userbpf_object__load(obj), 0);
	userbpf_object__close(obj);
	ASSERT_TRUE(vt_kernel_loads(path, "const_key") != 0);

	for (i = 0; i < 2; i++) {
		const char *msg;

		obj = open_only(bad[i], 0);
		ASSERT_TRUE(obj != NULL);
		ASSERT_EQ(userbpf_object__load(obj), -EACCES);
		msg = userbpf_object__errmsg(obj);
		ASSERT_TRUE(msg && strstr(msg, "verifier rejected"));
		ASSERT_TRUE(strstr(msg, "load.bpf.c:") != NULL); /* source line */
		ASSERT_TRUE(strstr(msg, "verification failed at insn") != NULL);
		if (i == 0)
			ASSERT_TRUE(strstr(msg, "invalid mem access 'map_value_or_null'") != NULL);
		userbpf_object__close(obj);
		ASSERT_TRUE(vt_kernel_loads(path, bad[i]) != 1);

		/* explicitly unverified: loads, runs checked, stops at the access */
		obj = open_only(bad[i], 1);
		ASSERT_EQ(userbpf_object__load(obj), 0);
		p = userbpf_object__find_program_by_name(obj, bad[i]);
		ASSERT_TRUE(!userbpf_prog__verified(userbpf_program__prog(p)));
		userbpf_object__close(obj);
	}
}

static int run_cli(const char *args)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/userbpf verify %s >/dev/null 2>&1", test_build_dir(), args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(verifier_cli)
{
	char args[700];
	FILE *f;

	if (!have_obj()) {
		test_skip("no build/verifier/load.bpf.o (clang missing)");
		return;
	}
	snprintf(args, sizeof(args), "%s --prog safe", path);
	ASSERT_EQ(run_cli(args), 0);
	snprintf(args, sizeof(args), "%s --prog no_null_check --log-level 1", path);
	ASSERT_EQ(run_cli(args), 1);
	ASSERT_EQ(run_cli(path), 1);
	snprintf(args, sizeof(args), "%s --prog nope", path);
	ASSERT_EQ(run_cli(args), 2);
	ASSERT_EQ(run_cli("/nonexistent/file.bpf.o"), 2);
	ASSERT_EQ(run_cli("--bogus"), 2);
	/* raw bytecode (hex): r0 = 0; exit / exit alone */
	f = fopen("/tmp/ubpf_verify_ok.hex", "w");
	ASSERT_TRUE(f != NULL);
	fputs("b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n", f);
	fclose(f);
	ASSERT_EQ(run_cli("/tmp/ubpf_verify_ok.hex --type xdp"), 0);
	f = fopen("/tmp/ubpf_verify_bad.hex", "w");
	ASSERT_TRUE(f != NULL);
	fputs("95 00 00 00 00 00 00 00\n", f);
	fclose(f);
	ASSERT_EQ(run_cli("/tmp/ubpf_verify_bad.hex"), 1);
	ASSERT_EQ(run_cli("/tmp/ubpf_verify_ok.hex --type nosuchtype"), 2);
	remove("/tmp/ubpf_verify_ok.hex");
	remove("/tmp/ubpf_verify_bad.hex");
}

/* userbpf prog list: each program's verdict and processed-insn count */
TEST(verifier_prog_list_verdicts)
{
	char cmd[700], out[4096] = "";
	size_t n;
	FILE *p;

	if (!have_obj()) {
		test_skip("no build/verifier/load.bpf.o (clang missing)");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/userbpf prog list %s 2>/dev/null", test_build_dir(), path);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	ASSERT_EQ(pclose(p), 0);
	ASSERT_CONTAINS(out, "VERIFIER  PROCESSED");
	ASSERT_TRUE(strstr(out, "safe ") && strstr(strstr(out, "safe "), " ok "));
	ASSERT_TRUE(strstr(out, "no_null_check") &&
		    strstr(strstr(out, "no_null_check"), "rejected"));
	ASSERT_TRUE(strstr(out, "unchecked_index") &&
		    strstr(strstr(out, "unchecked_index"), "rejected"));
}

/*
 * Reads of never-written stack bytes are allowed to root, as in the
 * kernel, and counted: their value is whatever the stack held, so the
 * JIT/interpreter differential fuzzer skips such programs (a fuzz_jit
 * "mismatch" of 2026-12-05 was an r10-3 byte read before any write).
 */
TEST(verifier_counts_uninitialised_stack_reads)
{
	static const struct userbpf_insn uninit[] = {
		USERBPF_ST_MEM(USERBPF_W, 10, -8, 120),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -8), /* bytes -4..-1 never written */
		USERBPF_EXIT_INSN(),
	};
	static const struct userbpf_insn init[] = {
		USERBPF_ST_MEM(USERBPF_DW, 10, -8, 120),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -8),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_verifier_stats st = { 0 };
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = USERBPF_PROG_TYPE_XDP, .gpl = 1,
		     .stats = &st);

	ASSERT_EQ(userbpf_verify(uninit, 3, &o), 0);
	ASSERT_TRUE(st.uninit_stack_reads > 0);
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(userbpf_verify(init, 3, &o), 0);
	ASSERT_EQ(st.uninit_stack_reads, 0);
}

/*
 * bpf_loop callbacks are explored iteration after iteration until the
 * states converge: a state equal to one of an earlier iteration is that
 * convergence (the kernel loads this program), while a state repeating
 * within one iteration is still an infinite loop.
 */
TEST(verifier_callback_iterations_converge)
{
	static const char forever[] = "r1 = 16\n"
				      "r2 = func(cb) ll\n"
				      "r3 = 0\n"
				      "r4 = 0\n"
				      "call 181\n"
				      "r0 = 0\n"
				      "exit\n"
				      "cb:\n"
				      "r0 = 0\n"
				      "spin:\n"
				      "goto spin\n";
	struct userbpf_insn *insns;
	size_t cnt;
	char err[128], log[4096];
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = USERBPF_PROG_TYPE_SYSCALL, .gpl = 1,
		     .log_buf = log, .log_size = sizeof(log));

	char objpath[512];
	struct userbpf_object *obj;
	struct userbpf_program *p;
	uint64_t r0 = 0;

	/* clang's code: 168 = sum of weights[i] * i, as the kernel computes */
	snprintf(objpath, sizeof(objpath), "%s/verifier/callback_loop.bpf.o", test_build_dir());
	obj = userbpf_object__open_file(objpath, NULL);
	if (!obj) {
		test_skip("no build/verifier/callback_loop.bpf.o (clang missing)");
		return;
	}
	ASSERT_EQ(userbpf_object__load(obj), 0);
	p = userbpf_object__find_program_by_name(obj, "weighted");
	ASSERT_TRUE(p != NULL);
	{
		uint8_t ctx[8] = { 0 };
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx));

		ASSERT_EQ(userbpf_prog__run(userbpf_program__prog(p), &ro, &r0), 0);
	}
	ASSERT_EQ(r0, 168);
	userbpf_object__close(obj);
	ASSERT_EQ(userbpf_asm(forever, &insns, &cnt, err, sizeof(err)), 0);
	ASSERT_EQ(userbpf_verify(insns, cnt, &o), -EINVAL);
	ASSERT_TRUE(strstr(log, "infinite loop detected") != NULL);
	userbpf_free(insns);
}
