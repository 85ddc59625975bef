/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_btf.c - kernel object pointers of tracing programs
 * (tp_btf, fentry/fexit, iterators, LSM, bpf_get_current_task_btf): the
 * context words may be dereferenced, read-only, with the kernel's
 * fault-tolerant PROBE_MEM semantics; such loads are counted in the stats
 * (probe_mem_insns) so the loader runs the program checked.  Numbers read
 * from the same words keep their bounds; arithmetic other than adding a
 * constant makes them plain scalars again.  Tracing programs need an
 * attach target in the kernel, so these cases are userbpf-only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "vtest.h"
#include "../unit/test.h"

#define TRACING 26
#define LSM 29

struct btf_case {
	const char *desc;
	struct userbpf_insn insns[16];
	uint32_t type;
	int expect_err; /* 0 or -EACCES */
	const char *msg;
	uint32_t probe_mem; /* loads through kernel pointers when accepted */
};

static const struct btf_case cases[] = {
	{ "tp_btf task->pid through ctx[0]",
	  { LDX(DW, 1, 1, 0), LDX(W, 0, 1, 1268), EXIT },
	  TRACING,
	  0,
	  NULL,
	  1 },
	{ "pointer chain p->a->b",
	  { LDX(DW, 1, 1, 8), LDX(DW, 1, 1, 16), LDX(W, 0, 1, 4), EXIT },
	  TRACING,
	  0,
	  NULL,
	  2 },
	{ "pointer plus a constant",
	  { LDX(DW, 1, 1, 0), ADDI(1, 64), LDX(B, 0, 1, 0), EXIT },
	  TRACING,
	  0,
	  NULL,
	  1 },
	{ "write through a kernel pointer",
	  { LDX(DW, 1, 1, 0), ST(W, 1, 0, 1), RET0 },
	  TRACING,
	  -EACCES,
	  "only read is supported",
	  0 },
	{ "multiplied kernel pointer is a number",
	  { LDX(DW, 1, 1, 0), ALUI(MUL, 1, 2), LDX(W, 0, 1, 0), EXIT },
	  TRACING,
	  -EACCES,
	  "invalid mem access 'scalar'",
	  0 },
	{ "32-bit part of a kernel pointer is a number",
	  { LDX(DW, 1, 1, 0), USERBPF_MOV32_REG(1, 1), LDX(W, 0, 1, 0), EXIT },
	  TRACING,
	  -EACCES,
	  "invalid mem access 'scalar'",
	  0 },
	{ "a narrow context load is a number",
	  { LDX(W, 1, 1, 0), LDX(W, 0, 1, 0), EXIT },
	  TRACING,
	  -EACCES,
	  "invalid mem access 'scalar'",
	  0 },
	{ "context word bounded as a number (cpufreq's clamp)",
	  { LDX(DW, 7, 1, 8), USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_VALUE, 0),
	    JI(JLE, 7, 7, 1), MOV(7, 7), ALUR(ADD, 1, 7), LDX(B, 0, 1, 0), EXIT },
	  TRACING,
	  0,
	  NULL,
	  0 },
	{ "get_current_task_btf()->pid",
	  { CALL(158), LDX(W, 0, 0, 1268), EXIT },
	  TRACING,
	  0,
	  NULL,
	  1 },
	{ "LSM context pointer", { LDX(DW, 1, 1, 0), LDX(DW, 0, 1, 0), EXIT }, LSM, 0, NULL, 1 },
	{ "kprobe context words are numbers",
	  { LDX(DW, 1, 1, 112), LDX(DW, 0, 1, 0), EXIT },
	  KP,
	  -EACCES,
	  "invalid mem access 'scalar'",
	  0 },
	{ "socket filter scalars stay numbers",
	  { LDX(W, 1, 1, 0), LDX(DW, 0, 1, 0), EXIT },
	  SF,
	  -EACCES,
	  "invalid mem access 'scalar'",
	  0 },
};

static int map_desc(void *cookie, unsigned src_reg, int32_t imm, struct userbpf_verifier_map *out)
{
	(void)cookie;
	(void)src_reg;
	if (imm)
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = 2;
	out->key_size = 4;
	out->value_size = 8;
	out->max_entries = 1;
	out->spin_lock_off = -1;
	return 0;
}

TEST(verifier_btf_ptr_probe_mem)
{
	static char log[16384];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct btf_case *c = &cases[i];
		struct userbpf_verifier_stats st;
		int err;

		for (n = 16; n > 0 && c->insns[n - 1].code != (USERBPF_JMP | USERBPF_EXIT); n--)
			;
		memset(&st, 0, sizeof(st));
		{
			USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = c->type, .gpl = 1,
				     .map_desc = map_desc, .log_buf = log, .log_size = sizeof(log),
				     .stats = &st);

			err = userbpf_verify(c->insns, n, &o);
		}
		if (err != c->expect_err)
			test_fail(__FILE__, __LINE__, "%s: verify %d, want %d\n%s", c->desc, err,
				  c->expect_err, log);
		else if (c->msg && !strstr(log, c->msg))
			test_fail(__FILE__, __LINE__, "%s: want \"%s\" in\n%s", c->desc, c->msg,
				  log);
		else if (!err && st.probe_mem_insns != c->probe_mem)
			test_fail(__FILE__, __LINE__, "%s: %u PROBE_MEM loads, want %u", c->desc,
				  st.probe_mem_insns, c->probe_mem);
	}
}

/* LSM: the hook's return range from the kernel BTF, and disabled hooks */
TEST(verifier_lsm_return_ranges)
{
	static const struct {
		const char *name;
		int err;
		const char *msg;
	} want[] = {
		{ "errno_ok", 0, NULL },
		{ "positive_bad", -EINVAL, "should have been in [-4095, 0]" },
		{ "void_hook_any", 0, NULL },
		{ "disabled_hook", -EINVAL, "points to disabled hook bpf_lsm_getprocattr" },
	};
	char path[512], log[8192];
	struct userbpf_object *obj;
	size_t i;

	snprintf(path, sizeof(path), "%s/verifier/lsm.bpf.o", test_build_dir());
	if (!userbpf_btf__kernel()) {
		test_skip("no kernel BTF (/sys/kernel/btf/vmlinux)");
		return;
	}
	obj = userbpf_object__open_file(path, NULL);
	if (!obj) {
		test_skip("no build/verifier/lsm.bpf.o (clang missing)");
		return;
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct userbpf_program *p = userbpf_object__find_program_by_name(obj, want[i].name);
		USERBPF_OPTS(userbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof(log));
		int err;

		ASSERT_TRUE(p != NULL);
		if (!p)
			break;
		log[0] = 0;
		err = userbpf_program__verify(obj, p, &o);
		if (err != want[i].err || (want[i].msg && !strstr(log, want[i].msg)))
			test_fail(__FILE__, __LINE__, "%s: %d, want %d (%s)\n%s", want[i].name, err,
				  want[i].err, want[i].msg ? want[i].msg : "", log);
	}
	userbpf_object__close(obj);
}
