/* SPDX-License-Identifier: MIT */
/*
 * test_vm.c - interpreter unit tests written with the instruction builder
 * macros: calls, frames, budget, checked mode, helper registry, tail calls,
 * callbacks.  Opcode-by-opcode semantics live in tests/data/.
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "userbpf/userbpf.h"
#include "vm/vm_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int run_prog(const struct userbpf_insn *insns, size_t cnt,
		    uint32_t flags, void *mem, size_t mem_sz, uint64_t *r0,
		    char *err, size_t err_sz)
{
	USERBPF_OPTS(userbpf_prog_opts, popts, .err_buf = err, .err_buf_sz = err_sz);
	USERBPF_OPTS(userbpf_run_opts, ropts, .ctx = mem, .ctx_size = mem_sz,
		     .flags = flags, .err_buf = err, .err_buf_sz = err_sz);
	struct userbpf_prog *prog = userbpf_prog__new(insns, cnt, &popts);
	int rc;

	if (!prog)
		return -errno;
	rc = userbpf_prog__run(prog, &ropts, r0);
	userbpf_prog__free(prog);
	return rc;
}

TEST(vm_mov_exit)
{
	struct userbpf_insn p[] = { USERBPF_MOV64_IMM(0, 42), USERBPF_EXIT_INSN() };
	uint64_t r0 = 0;
	char err[128];

	ASSERT_OK(run_prog(p, N(p), 0, NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 42);
	ASSERT_OK(run_prog(p, N(p), USERBPF_RUN_CHECKED, NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 42);
}

TEST(vm_local_call_depth)
{
	/* f calls itself forever: must stop at 8 frames with -ELOOP. */
	struct userbpf_insn p[] = {
		USERBPF_CALL_LOCAL(1), USERBPF_EXIT_INSN(),
		USERBPF_CALL_LOCAL(-1), USERBPF_EXIT_INSN(),
	};
	uint64_t r0;
	char err[128];

	ASSERT_ERR(run_prog(p, N(p), 0, NULL, 0, &r0, err, sizeof(err)), -ELOOP);
	ASSERT_CONTAINS(err, "at insn 2");
}

TEST(vm_checked_oob)
{
	uint8_t mem[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct userbpf_insn p[] = {
		USERBPF_LDX_MEM(UBPF_DW, 0, 1, 0),
		USERBPF_LDX_MEM(UBPF_DW, 0, 1, 1),
		USERBPF_EXIT_INSN(),
	};
	uint64_t r0;
	char err[128];

	ASSERT_ERR(run_prog(p, N(p), USERBPF_RUN_CHECKED, mem, sizeof(mem), &r0,
			    err, sizeof(err)), -EFAULT);
	ASSERT_STREQ(err, "out-of-bounds read of 8 bytes at insn 1");
}

TEST(vm_budget)
{
	struct userbpf_insn p[] = { USERBPF_JMP_A(-1), USERBPF_EXIT_INSN() };
	USERBPF_OPTS(userbpf_run_opts, ropts, .insn_budget = 1000);
	struct userbpf_prog *prog = userbpf_prog__new(p, N(p), NULL);
	uint64_t r0;

	ASSERT_TRUE(prog);
	ASSERT_ERR(userbpf_prog__run(prog, &ropts, &r0), -E2BIG);
	ASSERT_EQ(ropts.insn_count, 1000);
	ropts.flags = USERBPF_RUN_CHECKED;
	ASSERT_ERR(userbpf_prog__run(prog, &ropts, &r0), -E2BIG);
	userbpf_prog__free(prog);
}

TEST(vm_unknown_helper_rejected)
{
	struct userbpf_insn p[] = { USERBPF_CALL_HELPER(9999), USERBPF_EXIT_INSN() };
	USERBPF_OPTS(userbpf_prog_opts, popts);
	char err[128];

	popts.err_buf = err;
	popts.err_buf_sz = sizeof(err);
	ASSERT_TRUE(!userbpf_prog__new(p, N(p), &popts));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_STREQ(err, "at insn 0: unknown helper id 9999");
}
