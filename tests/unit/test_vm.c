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

static int run_prog(const struct userbpf_insn *insns, size_t cnt, uint32_t flags, void *mem,
		    size_t mem_sz, uint64_t *r0, char *err, size_t err_sz)
{
	USERBPF_OPTS(userbpf_prog_opts, popts, .err_buf = err, .err_buf_sz = err_sz);
	USERBPF_OPTS(userbpf_run_opts, ropts, .ctx = mem, .ctx_size = mem_sz, .flags = flags,
		     .err_buf = err, .err_buf_sz = err_sz);
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
		USERBPF_CALL_LOCAL(1),
		USERBPF_EXIT_INSN(),
		USERBPF_CALL_LOCAL(-1),
		USERBPF_EXIT_INSN(),
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
		USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 0),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 1),
		USERBPF_EXIT_INSN(),
	};
	uint64_t r0;
	char err[128];

	ASSERT_ERR(run_prog(p, N(p), USERBPF_RUN_CHECKED, mem, sizeof(mem), &r0, err, sizeof(err)),
		   -EFAULT);
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

/* ==== Tail calls and callbacks through custom helpers ==== */

static struct userbpf_prog *tail_target;

/* helper 12 (tail_call): r2 = "map", r3 = index; only index 0 exists */
static uint64_t fake_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct userbpf_run *run)
{
	(void)r1;
	(void)r2;
	(void)r4;
	(void)r5;
	return (uint64_t)(int64_t)userbpf_run__tail_call(run, r3 == 0 ? tail_target : NULL);
}

/* helper 181 (loop): call callback r2 for i in [0, r1) with ctx r3 */
static uint64_t fake_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct userbpf_run *run)
{
	uint64_t i, ret = 0;

	(void)r4;
	(void)r5;
	for (i = 0; i < r1; i++) {
		uint64_t args[5] = { i, r3, 0, 0, 0 };

		if (userbpf_run__call(run, r2, args, &ret))
			return (uint64_t)-EINVAL;
		if (ret)
			return i + 1;
	}
	return i;
}

static const struct userbpf_helper test_helpers[] = {
	{ 12,
	  "bpf_tail_call",
	  fake_tail_call,
	  { .ret = USERBPF_RET_INTEGER, .flags = USERBPF_HELPER_TAIL_CALL } },
	{ 181, "bpf_loop", fake_loop, { .ret = USERBPF_RET_INTEGER } },
};

TEST(vm_tail_call)
{
	struct userbpf_insn target[] = { USERBPF_MOV64_REG(0, 1), USERBPF_EXIT_INSN() };
	/* r6 = ctx; tail_call(ctx, map, 1) fails -> falls through;
	 * tail_call(ctx, map, 0) -> target returns r1 (= ctx) */
	struct userbpf_insn caller[] = {
		USERBPF_MOV64_REG(6, 1), USERBPF_MOV64_IMM(3, 1),  USERBPF_CALL_HELPER(12),
		USERBPF_MOV64_REG(7, 0), USERBPF_MOV64_REG(1, 6),  USERBPF_MOV64_IMM(3, 0),
		USERBPF_CALL_HELPER(12), USERBPF_MOV64_IMM(0, 99), /* not reached */
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .extra_helpers = test_helpers, .extra_helper_cnt = 2);
	uint8_t ctx[4];
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx));
	struct userbpf_prog *prog;
	uint64_t r0;

	tail_target = userbpf_prog__new(target, N(target), &po);
	prog = userbpf_prog__new(caller, N(caller), &po);
	ASSERT_TRUE(tail_target && prog);
	ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
	ASSERT_EQ(r0, (uintptr_t)ctx);
	ro.flags = USERBPF_RUN_CHECKED;
	ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
	ASSERT_EQ(r0, (uintptr_t)ctx);
	userbpf_prog__free(prog);

	/* a program tail-calling itself stops after 33 tail calls */
	{
		struct userbpf_insn self[] = {
			USERBPF_ALU64_IMM(USERBPF_ADD, 1, 1), /* count in r1 */
			USERBPF_MOV64_IMM(3, 0),
			USERBPF_CALL_HELPER(12),
			USERBPF_MOV64_REG(0, 1),
			USERBPF_EXIT_INSN(),
		};
		USERBPF_OPTS(userbpf_run_opts, r2, .ctx = NULL);
		userbpf_prog__free(tail_target);
		tail_target = userbpf_prog__new(self, N(self), &po);
		ASSERT_TRUE(tail_target);
		ASSERT_OK(userbpf_prog__run(tail_target, &r2, &r0));
		ASSERT_EQ(r0, USERBPF_MAX_TAIL_CALLS + 1);
	}
	userbpf_prog__free(tail_target);
}

TEST(vm_callback_loop)
{
	/* sum of i*2 for i < 10 through a callback writing to the caller's
	 * stack via the ctx pointer: exercises nested stacks in checked mode */
	struct userbpf_insn p[] = {
		USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0),
		USERBPF_MOV64_IMM(1, 10),
		USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 7),
		USERBPF_MOV64_REG(3, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
		USERBPF_MOV64_IMM(4, 0),
		USERBPF_CALL_HELPER(181),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -8),
		USERBPF_EXIT_INSN(),
		/* callback(i, ctx): *ctx += i * 2; return 0 */
		USERBPF_ALU64_IMM(USERBPF_MUL, 1, 2),
		USERBPF_LDX_MEM(USERBPF_DW, 3, 2, 0),
		USERBPF_ALU64_REG(USERBPF_ADD, 3, 1),
		USERBPF_STX_MEM(USERBPF_DW, 2, 3, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .extra_helpers = test_helpers, .extra_helper_cnt = 2);
	USERBPF_OPTS(userbpf_run_opts, ro);
	struct userbpf_prog *prog = userbpf_prog__new(p, N(p), &po);
	uint64_t r0 = 0;

	ASSERT_TRUE(prog);
	ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
	ASSERT_EQ(r0, 90);
	ro.flags = USERBPF_RUN_CHECKED;
	ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
	ASSERT_EQ(r0, 90);
	userbpf_prog__free(prog);
}

/* ==== A custom allocator (userbpf_set_platform) ==== */

static long plat_live, plat_allocs;

static void *plat_alloc(size_t size, void *cookie)
{
	(void)cookie;
	plat_live++;
	plat_allocs++;
	return calloc(1, size);
}

static void plat_free(void *ptr, void *cookie)
{
	(void)cookie;
	plat_live--;
	free(ptr);
}

TEST(vm_custom_allocator)
{
	struct userbpf_platform plat = { .sz = sizeof(plat),
					 .alloc = plat_alloc,
					 .free = plat_free };
	struct userbpf_platform libc_again = { .sz = sizeof(libc_again) };
	struct userbpf_insn *insns = NULL;
	struct userbpf_prog *prog = NULL;
	char text[64 * 20 + 32], err[128] = "";
	size_t cnt = 0, i, n = 0;
	uint64_t r0 = 0;
	int rc_asm, rc_run = -1;

	/* 64 instructions: the assembler grows its arrays (ub_realloc) */
	for (i = 0; i < 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "r0 += 1\n");
	snprintf(text + n, sizeof(text) - n, "exit\n");
	ASSERT_OK(userbpf_set_platform(&plat));
	rc_asm = userbpf_asm("r0 = 0\n", &insns, &cnt, err, sizeof(err));
	if (!rc_asm) {
		userbpf_free(insns);
		rc_asm = userbpf_asm(text, &insns, &cnt, err, sizeof(err));
	}
	if (!rc_asm) {
		prog = userbpf_prog__new(insns, cnt, NULL);
		if (prog) {
			USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_CHECKED);

			rc_run = userbpf_prog__run(prog, &o, &r0);
			userbpf_prog__free(prog);
		}
		userbpf_free(insns);
	}
	ASSERT_OK(userbpf_set_platform(&libc_again));
	ASSERT_OK(rc_asm);
	ASSERT_EQ(cnt, 65);
	ASSERT_TRUE(prog != NULL);
	ASSERT_OK(rc_run);
	ASSERT_EQ(r0, 64);
	ASSERT_TRUE(plat_allocs > 3);
	ASSERT_EQ(plat_live, 0); /* every block went back to the same allocator */
}
