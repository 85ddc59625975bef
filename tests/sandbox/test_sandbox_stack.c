/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_stack.c - a checked run's stack reads as zero until the
 * program writes it, and nothing of the host's C stack shows through.
 * The interpreter zeroes it lazily (stack_extend in src/vm/interp.c:
 * the bytes a program or helper first touches), so these cases cover
 * every way a byte comes into use: loads and stores at any offset and
 * alignment, helper writes through declared arguments, frames of
 * BPF-to-BPF calls (a callee's frame is zero even where an earlier
 * callee wrote), a callee using its caller's frame through a pointer,
 * a bpf_loop callback using the outer program's frame, and the frame's
 * floor (a byte below it is out of bounds).  Before every run the test
 * fills the C stack below it with a pattern the program must not see.
 */
#include <errno.h>
#include <string.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define H_PROBE_READ_KERNEL 113
#define H_LOOP 181

enum outcome { R0, FAULT };

struct stack_case {
	const char *name;
	struct userbpf_insn insns[32];
	enum outcome outcome;
	uint64_t want;
};

/* the program runs to its last instruction (an exit; never zero) */
#define PROG(...) .insns = { __VA_ARGS__ }

static size_t prog_len(const struct stack_case *c)
{
	size_t n = N(c->insns);

	while (n && !c->insns[n - 1].code)
		n--;
	return n;
}

/* clang-format off */
static const struct stack_case cases[] = {
	{ "uninitialised load at the top of the frame",
	  PROG(USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -8),
	       USERBPF_EXIT_INSN()),
	  R0, 0 },
	{ "uninitialised load at the bottom of the frame",
	  PROG(USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -512),
	       USERBPF_EXIT_INSN()),
	  R0, 0 },
	{ "a load below the frame's floor faults",
	  PROG(USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -520),
	       USERBPF_EXIT_INSN()),
	  FAULT, 0 },
	{ "a store below the frame's floor faults",
	  PROG(USERBPF_ST_MEM(USERBPF_B, 10, -513, 1),
	       USERBPF_MOV64_IMM(0, 0),
	       USERBPF_EXIT_INSN()),
	  FAULT, 0 },
	{ "a load straddling the floor faults",
	  PROG(USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -516),
	       USERBPF_EXIT_INSN()),
	  FAULT, 0 },
	{ "zeroing deeper keeps what was written above",
	  PROG(USERBPF_ST_MEM(USERBPF_DW, 10, -8, 7),
	       USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -200),
	       USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -8),
	       USERBPF_ALU64_REG(USERBPF_ADD, 0, 1),
	       USERBPF_EXIT_INSN()),
	  R0, 7 },
	{ "unaligned store, then a load overlapping it and unwritten bytes",
	  PROG(USERBPF_ST_MEM(USERBPF_W, 10, -20, 5),
	       USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -24),
	       USERBPF_EXIT_INSN()),
	  R0, 5ull << 32 },
	{ "a load that starts below the zeroed part and ends inside it",
	  PROG(USERBPF_ST_MEM(USERBPF_DW, 10, -16, -1),
	       USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -20),
	       USERBPF_EXIT_INSN()),
	  R0, 0xffffffff00000000ull },
	{ "a helper writes untouched stack through a declared argument",
	  PROG(USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0x1234),
	       USERBPF_MOV64_REG(1, 10),
	       USERBPF_ALU64_IMM(USERBPF_ADD, 1, -300),
	       USERBPF_MOV64_IMM(2, 8),
	       USERBPF_MOV64_REG(3, 10),
	       USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
	       USERBPF_CALL_HELPER(H_PROBE_READ_KERNEL),
	       USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -300),
	       USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -292),
	       USERBPF_ALU64_REG(USERBPF_ADD, 0, 1),
	       USERBPF_EXIT_INSN()),
	  R0, 0x1234 },
	/* f1 dirties its whole frame; f2, in the same place, reads zero */
	{ "a callee's frame is zero where an earlier callee wrote",
	  PROG(/* 0 */ USERBPF_CALL_LOCAL(3),
	       /* 1 */ USERBPF_CALL_LOCAL(7),
	       /* 2 */ USERBPF_EXIT_INSN(),
	       /* 3 */ USERBPF_EXIT_INSN(),
	       /* 4: f1 */ USERBPF_ST_MEM(USERBPF_DW, 10, -8, -1),
	       /* 5 */ USERBPF_ST_MEM(USERBPF_DW, 10, -256, -1),
	       /* 6 */ USERBPF_ST_MEM(USERBPF_DW, 10, -512, -1),
	       /* 7 */ USERBPF_MOV64_IMM(0, 0),
	       /* 8 */ USERBPF_EXIT_INSN(),
	       /* 9: f2 */ USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -8),
	       /* 10 */ USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -256),
	       /* 11 */ USERBPF_ALU64_REG(USERBPF_OR, 0, 1),
	       /* 12 */ USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -512),
	       /* 13 */ USERBPF_ALU64_REG(USERBPF_OR, 0, 1),
	       /* 14 */ USERBPF_EXIT_INSN()),
	  R0, 0 },
	/* the callee reads and writes an untouched part of its caller's
	 * frame; the caller sees the write, and its own bytes above it */
	{ "a callee uses its caller's frame through a pointer",
	  PROG(/* 0 */ USERBPF_ST_MEM(USERBPF_DW, 10, -8, 40),
	       /* 1 */ USERBPF_MOV64_REG(1, 10),
	       /* 2 */ USERBPF_ALU64_IMM(USERBPF_ADD, 1, -400),
	       /* 3 */ USERBPF_CALL_LOCAL(5),
	       /* 4 */ USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -400),
	       /* 5 */ USERBPF_LDX_MEM(USERBPF_DW, 2, 10, -8),
	       /* 6 */ USERBPF_ALU64_REG(USERBPF_ADD, 0, 1),
	       /* 7 */ USERBPF_ALU64_REG(USERBPF_ADD, 0, 2),
	       /* 8 */ USERBPF_EXIT_INSN(),
	       /* 9: callee: r0 = *r1 (0); *r1 = 2; its own frame too */
	       /* 9 */ USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 0),
	       /* 10 */ USERBPF_ST_MEM(USERBPF_DW, 1, 0, 2),
	       /* 11 */ USERBPF_LDX_MEM(USERBPF_DW, 2, 10, -64),
	       /* 12 */ USERBPF_ALU64_REG(USERBPF_ADD, 0, 2),
	       /* 13 */ USERBPF_EXIT_INSN()),
	  R0, 42 },
	/* three callbacks each add one to an untouched outer stack slot */
	{ "a bpf_loop callback uses the outer frame",
	  PROG(/* 0 */ USERBPF_MOV64_IMM(1, 3),
	       /* 1 */ USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 7), /* -> 9 */
	       /* 3 */ USERBPF_MOV64_REG(3, 10),
	       /* 4 */ USERBPF_ALU64_IMM(USERBPF_ADD, 3, -128),
	       /* 5 */ USERBPF_MOV64_IMM(4, 0),
	       /* 6 */ USERBPF_CALL_HELPER(H_LOOP),
	       /* 7 */ USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -128),
	       /* 8 */ USERBPF_EXIT_INSN(),
	       /* 9: callback(i, ctx): its own stack reads zero too */
	       /* 9 */ USERBPF_LDX_MEM(USERBPF_DW, 1, 2, 0),
	       /* 10 */ USERBPF_LDX_MEM(USERBPF_DW, 3, 10, -40),
	       /* 11 */ USERBPF_ALU64_REG(USERBPF_ADD, 1, 3),
	       /* 12 */ USERBPF_ST_MEM(USERBPF_DW, 10, -40, 100),
	       /* 13 */ USERBPF_ALU64_IMM(USERBPF_ADD, 1, 1),
	       /* 14 */ USERBPF_STX_MEM(USERBPF_DW, 2, 1, 0),
	       /* 15 */ USERBPF_MOV64_IMM(0, 0),
	       /* 16 */ USERBPF_EXIT_INSN()),
	  R0, 3 },
};
/* clang-format on */

/* Leave a pattern on the C stack below the caller (where the run's
 * interpreter frame will be). */
__attribute__((noinline)) static uint64_t dirty_stack(uint8_t pattern)
{
	volatile uint8_t buf[16384];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern;
	return buf[pattern];
}

TEST(sandbox_stack_reads_zero_until_written)
{
	size_t i;

	for (i = 0; i < N(cases); i++) {
		const struct stack_case *c = &cases[i];
		struct userbpf_prog *prog = userbpf_prog__new(c->insns, prog_len(c), NULL);
		uint64_t ctx[4] = { 0 }, r0 = 0xdead;
		char msg[160] = "", label[160];
		USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_CHECKED, .err_buf = msg,
			     .err_buf_sz = sizeof(msg));
		int err, round;

		snprintf(label, sizeof(label), "sandbox_stack: %s", c->name);
		if (!prog) {
			test_result(label, false, "creation failed: errno %d", errno);
			continue;
		}
		/* twice: the second run starts on the first run's leftovers */
		for (round = 0; round < 2; round++) {
			dirty_stack(0xa5);
			err = userbpf_prog__run(prog, &o, &r0);
			if (c->outcome == R0 && (err || r0 != c->want))
				break;
			if (c->outcome == FAULT &&
			    (err != -EFAULT || !strstr(msg, "out-of-bounds")))
				break;
		}
		if (c->outcome == R0)
			test_result(label, round == 2,
				    "round %d: err %d (%s), r0 %#llx, want %#llx", round, err, msg,
				    (unsigned long long)r0, (unsigned long long)c->want);
		else
			test_result(label, round == 2,
				    "round %d: err %d (%s), want -EFAULT out-of-bounds", round, err,
				    msg);
		userbpf_prog__free(prog);
	}
}
