/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_held.c - hostile programs that the checked interpreter
 * already stopped at the adversarial review, kept as a table so that they
 * stay stopped: map values read past their end, negative offsets, writes
 * to read-only global data, forged map pointers, bad lddw sources, calls
 * nested too deep, self tail calls, huge LD_ABS offsets, pointers into the
 * host.  Each row is assembly plus the expected outcome, run checked with
 * and without an instruction budget (CI also builds the switch dispatch
 * and runs this file under ASan+UBSan, which would catch any host access).
 */
#include <errno.h>
#include <stdlib.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/map.h"

/* The map every row may name as map_fd(1): an 8-byte-value array of 4. */
static struct userbpf_map *held_map;
/* Read-only global data the program may see as map_fd(2)'s value. */
static uint64_t held_rodata[2] = { 0x1111, 0x2222 };
/* A host secret: no row may read it. */
static volatile uint64_t held_secret = 0x5ec2e7;

static int held_ld_imm64(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm,
			 uint64_t *value)
{
	(void)cookie;
	if (src_reg == 1 && imm == 1) { /* map_fd(1) */
		*value = (uint64_t)(uintptr_t)held_map;
		return 0;
	}
	if (src_reg == 2 && imm == 2 && next_imm >= 0 && next_imm < 16) { /* map_value(2, off) */
		*value = (uint64_t)(uintptr_t)held_rodata + (uint64_t)next_imm;
		return 0;
	}
	return -EINVAL;
}

enum outcome {
	OK_R0,	     /* runs, r0 == want */
	RUN_FAULT,   /* run fails with -EFAULT, message contains msg */
	RUN_ERR,     /* run fails with errno want */
	LOAD_EINVAL, /* program creation fails with EINVAL */
};

struct held_case {
	const char *name;
	const char *text; /* assembly; SECRET is replaced by &held_secret */
	enum outcome outcome;
	int64_t want;
	const char *msg;
};

static const struct held_case held_cases[] = {
	{ "map value read past its end",
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = map_fd(1) ll\ncall 1\n"
	  "if r0 == 0 goto out\nr0 = *(u64 *)(r0 + 8)\nout:\nexit\n",
	  RUN_FAULT, 0, "out-of-bounds read of 8 bytes" },
	{ "map value written before its start",
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = map_fd(1) ll\ncall 1\n"
	  "if r0 == 0 goto out\n*(u64 *)(r0 - 8) = 1\nout:\nexit\n",
	  RUN_FAULT, 0, "out-of-bounds write of 8 bytes" },
	{ "map value in bounds still works",
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = map_fd(1) ll\ncall 1\n"
	  "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = 42\nr0 = *(u64 *)(r0 + 0)\nout:\nexit\n",
	  OK_R0, 42, NULL },
	{ "context read at a negative offset", "r0 = *(u64 *)(r1 - 8)\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds read" },
	{ "context read past its end", "r0 = *(u64 *)(r1 + 4096)\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds read" },
	{ "stack read above the frame pointer", "r0 = *(u64 *)(r10 + 0)\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds read" },
	{ "stack write far below all frames",
	  "r1 = r10\nr1 += -8192\n*(u64 *)(r1 + 0) = 1\nr0 = 0\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds write" },
	{ "stack pointer plus a huge offset",
	  "r1 = r10\nr2 = 0x7fffffff\nr2 <<= 20\nr1 += r2\nr0 = *(u8 *)(r1 + 0)\nexit\n", RUN_FAULT,
	  0, "out-of-bounds read" },
	{ "write to read-only global data",
	  "r1 = map_value(2, 0) ll\n*(u64 *)(r1 + 0) = 7\nr0 = 0\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds write" },
	{ "read of read-only global data works",
	  "r1 = map_value(2, 8) ll\nr0 = *(u64 *)(r1 + 0)\nexit\n", OK_R0, 0x2222, NULL },
	{ "read of global data past its end",
	  "r1 = map_value(2, 8) ll\nr0 = *(u64 *)(r1 + 8)\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds read" },
	{ "host address from a constant", "r1 = SECRET ll\nr0 = *(u64 *)(r1 + 0)\nexit\n",
	  RUN_FAULT, 0, "out-of-bounds read" },
	{ "host address through an atomic",
	  "r1 = SECRET ll\nr2 = 1\nlock *(u64 *)(r1 + 0) += r2\nr0 = 0\nexit\n", RUN_FAULT, 0,
	  "out-of-bounds" },
	{ "forged map pointer: the stack",
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = r10\nr1 += -64\ncall 1\nexit\n", OK_R0,
	  0, NULL }, /* lookup refuses: NULL */
	{ "forged map pointer: the host",
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = SECRET ll\ncall 1\nexit\n", OK_R0, 0,
	  NULL }, /* lookup refuses: NULL */
	{ "forged map pointer: map pointer plus 8",
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr1 = map_fd(1) ll\nr1 += 8\ncall 1\nexit\n",
	  OK_R0, 0, NULL }, /* lookup refuses: NULL */
	{ "helper key pointer into the host", "r2 = SECRET ll\nr1 = map_fd(1) ll\ncall 1\nexit\n",
	  OK_R0, 0, NULL }, /* lookup refuses: NULL */
	{ "lddw map_fd of an unknown map", "r1 = map_fd(99) ll\nr0 = 0\nexit\n", LOAD_EINVAL, 0,
	  NULL },
	{ "jump into the middle of lddw", "goto +1\nr1 = 0x1122334455667788 ll\nexit\n",
	  LOAD_EINVAL, 0, NULL },
	{ "calls nested nine deep",
	  "call f1\nexit\nf1:\ncall f2\nexit\nf2:\ncall f3\nexit\nf3:\ncall f4\nexit\n"
	  "f4:\ncall f5\nexit\nf5:\ncall f6\nexit\nf6:\ncall f7\nexit\nf7:\ncall f8\nexit\n"
	  "f8:\nr0 = 8\nexit\n",
	  RUN_ERR, -ELOOP, NULL },
	{ "unbounded recursion", "f:\ncall f\nexit\n", RUN_ERR, -ELOOP, NULL },
	{ "huge LD_ABS offset ends the program with 0",
	  "r6 = r1\nr0 = *(u32 *)skb[0x7ffffff0]\nr0 = 5\nexit\n", OK_R0, 0, NULL },
	{ "negative LD_IND offset ends the program with 0",
	  "r6 = r1\nr7 = -100\nr0 = *(u8 *)skb[r7 + 0]\nr0 = 5\nexit\n", OK_R0, 0, NULL },
};

/* Replace SECRET by the address of held_secret. */
static char *held_text(const char *text)
{
	const char *at = strstr(text, "SECRET");
	char *out;

	if (!at)
		return strdup(text);
	out = malloc(strlen(text) + 32);
	if (out)
		sprintf(out, "%.*s0x%llx%s", (int)(at - text), text,
			(unsigned long long)(uintptr_t)&held_secret, at + 6);
	return out;
}

static void held_one(const struct held_case *hc, uint64_t budget)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = held_ld_imm64);
	struct userbpf_mem_region ro = { held_rodata, sizeof(held_rodata), 0 };
	uint64_t ctx[8] = { 0 }, r0 = 0xdead;
	uint8_t pkt[64] = { 0 };
	char asm_err[128], run_err[160], label[160];
	struct userbpf_insn *insns = NULL;
	struct userbpf_prog *prog;
	size_t cnt;
	char *text = held_text(hc->text);
	int err;

	snprintf(label, sizeof(label), "sandbox_held: %s (budget %llu)", hc->name,
		 (unsigned long long)budget);
	if (!text || userbpf_asm(text, &insns, &cnt, asm_err, sizeof(asm_err))) {
		test_result(label, false, "assembly: %s", text ? asm_err : "no memory");
		free(text);
		return;
	}
	free(text);
	po.regions = &ro;
	po.region_cnt = 1;
	prog = userbpf_prog__new(insns, cnt, &po);
	userbpf_free(insns);
	if (hc->outcome == LOAD_EINVAL) {
		test_result(label, !prog && errno == EINVAL, "creation: %s, errno %d",
			    prog ? "accepted" : "refused", errno);
		userbpf_prog__free(prog);
		return;
	}
	if (!prog) {
		test_result(label, false, "creation failed: errno %d", errno);
		return;
	}
	{
		USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = sizeof(ctx), .data = pkt,
			     .data_size = sizeof(pkt), .flags = USERBPF_RUN_CHECKED,
			     .insn_budget = budget, .err_buf = run_err,
			     .err_buf_sz = sizeof(run_err));

		run_err[0] = '\0';
		err = userbpf_prog__run(prog, &o, &r0);
	}
	userbpf_prog__free(prog);
	switch (hc->outcome) {
	case OK_R0:
		test_result(label, err == 0 && r0 == (uint64_t)hc->want,
			    "err %d (%s), r0 %#llx, want r0 %#llx", err, run_err,
			    (unsigned long long)r0, (unsigned long long)hc->want);
		break;
	case RUN_FAULT:
		test_result(label, err < 0 && (!hc->msg || strstr(run_err, hc->msg)),
			    "err %d, message \"%s\", want a failure%s%s", err, run_err,
			    hc->msg ? " with " : "", hc->msg ? hc->msg : "");
		break;
	case RUN_ERR:
		test_result(label, err == hc->want, "err %d (%s), want %lld", err, run_err,
			    (long long)hc->want);
		break;
	default:
		break;
	}
}

TEST(sandbox_held_patterns)
{
	size_t i;

	held_map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "held", 4, 8, 4, NULL);
	ASSERT_TRUE(held_map != NULL);
	for (i = 0; i < sizeof(held_cases) / sizeof(held_cases[0]); i++) {
		held_one(&held_cases[i], 0);
		held_one(&held_cases[i], 100000);
	}
	userbpf_map__put(held_map);
	held_map = NULL;
	ASSERT_EQ(held_secret, 0x5ec2e7);
	ASSERT_EQ(held_rodata[0], 0x1111);
}

/* lddw with a source the ISA does not define (7) is refused at creation. */
TEST(sandbox_held_bad_lddw_source)
{
	struct userbpf_insn insns[] = {
		USERBPF_RAW_INSN(USERBPF_LD | USERBPF_DW | USERBPF_IMM, 1, 7, 0, 0),
		USERBPF_RAW_INSN(0, 0, 0, 0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = held_ld_imm64);
	struct userbpf_prog *prog = userbpf_prog__new(insns, 3, &po);

	ASSERT_TRUE(prog == NULL);
	ASSERT_EQ(errno, EINVAL);
}

/* A program that never ends is stopped by its budget, in checked mode too. */
TEST(sandbox_held_infinite_loop)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *prog;
	size_t cnt;
	uint64_t r0;
	int err;

	ASSERT_OK(userbpf_asm("l:\ngoto l\n", &insns, &cnt, NULL, 0));
	prog = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	ASSERT_TRUE(prog != NULL);
	{
		USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_CHECKED,
			     .insn_budget = 1000000);

		err = userbpf_prog__run(prog, &o, &r0);
		ASSERT_ERR(err, -E2BIG);
		ASSERT_EQ(o.insn_count, 1000000);
	}
	userbpf_prog__free(prog);
}
