/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_soundness.c - soundness fuzzing of the verifier: a
 * generator of random but plausible programs (map lookups with and
 * without null checks, pointer arithmetic with masked, branch-bounded or
 * unbounded offsets, loads and stores through map values and the stack,
 * ALU on context-derived scalars, forward branches, bounded loops, ring
 * buffer records); every program the verifier accepts runs in checked
 * mode on random contexts and must never trip a check.  A fixed count
 * runs in the suite (seeded, reproducible); USERBPF_VFUZZ_COUNT raises it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "../unit/test.h"

#define MAXI 200

struct gen {
	struct userbpf_insn p[MAXI];
	int n;
	uint64_t rng;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return n ? (uint32_t)(g->rng % n) : 0;
}

static void emit1(struct gen *g, struct userbpf_insn i)
{
	if (g->n < MAXI)
		g->p[g->n++] = i;
}

/* one instruction, or both slots of a lddw */
#define emit(G, ...)                                                                               \
	do {                                                                                       \
		struct userbpf_insn e_[] = { __VA_ARGS__ };                                        \
		size_t k_;                                                                         \
		for (k_ = 0; k_ < sizeof(e_) / sizeof(e_[0]); k_++)                                \
			emit1(G, e_[k_]);                                                          \
	} while (0)

static const uint8_t sizes[] = { USERBPF_B, USERBPF_H, USERBPF_W, USERBPF_DW };
static const int sizeb[] = { 1, 2, 4, 8 };

/* a scalar register (r6-r8) gets a value from the context */
static void g_ctx_scalar(struct gen *g)
{
	int r = 6 + (int)rnd(g, 3), k = (int)rnd(g, 4);

	emit(g, USERBPF_LDX_MEM(sizes[k], r, 9, (int16_t)(rnd(g, 20) * 8)));
}

static void g_alu(struct gen *g)
{
	static const uint8_t ops[] = { USERBPF_ADD,  USERBPF_SUB, USERBPF_MUL, USERBPF_AND,
				       USERBPF_OR,   USERBPF_XOR, USERBPF_LSH, USERBPF_RSH,
				       USERBPF_ARSH, USERBPF_MOD, USERBPF_DIV };
	int r = 6 + (int)rnd(g, 3), op = ops[rnd(g, sizeof(ops))];
	int imm = (int)rnd(g, 64) - (rnd(g, 4) ? 0 : 32);

	if (op == USERBPF_MOD || op == USERBPF_DIV)
		imm = imm ? imm : 7;
	if (op == USERBPF_LSH || op == USERBPF_RSH || op == USERBPF_ARSH)
		imm &= 31;
	if (rnd(g, 3) == 0)
		emit(g, USERBPF_ALU64_REG(op, r, 6 + (int)rnd(g, 3)));
	else if (rnd(g, 2))
		emit(g, USERBPF_ALU64_IMM(op, r, imm));
	else
		emit(g, USERBPF_ALU32_IMM(op, r, imm));
}

/* r0 = lookup(map, key from a scalar); maybe null-checked */
static void g_lookup(struct gen *g, bool *have_ptr)
{
	int kr = 6 + (int)rnd(g, 3);

	emit(g, USERBPF_STX_MEM(USERBPF_W, 10, kr, -4));
	emit(g, USERBPF_MOV64_REG(2, 10));
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4));
	emit(g, USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, (int32_t)rnd(g, 2)));
	emit(g, USERBPF_CALL_HELPER(1));
	if (rnd(g, 8)) {
		emit(g, USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2));
		emit(g, USERBPF_MOV64_IMM(0, 0));
		emit(g, USERBPF_EXIT_INSN());
	}
	emit(g, USERBPF_MOV64_REG(5, 0)); /* r5: the value pointer */
	*have_ptr = true;
}

/* r5 += offset: constant, masked, branch-bounded or raw */
static void g_ptr_arith(struct gen *g)
{
	int r = 6 + (int)rnd(g, 3);

	switch (rnd(g, 4)) {
	case 0:
		emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 5, (int)rnd(g, 72) - 8));
		break;
	case 1:
		emit(g, USERBPF_MOV64_REG(4, r));
		emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 4, (int)rnd(g, 64)));
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 5, 4));
		break;
	case 2: {
		static const uint8_t jops[] = { USERBPF_JGT, USERBPF_JGE, USERBPF_JSGT,
						USERBPF_JSGE };

		emit(g, USERBPF_MOV64_REG(4, r));
		emit(g, USERBPF_JMP_IMM(jops[rnd(g, 4)], 4, (int)rnd(g, 56), 2));
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 5, 4));
		emit(g, USERBPF_JMP_A(0));
		break;
	}
	default:
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 5, r));
		break;
	}
}

static void g_mem(struct gen *g, bool have_ptr)
{
	int k = (int)rnd(g, 4), base = have_ptr && rnd(g, 2) ? 5 : 10;
	int16_t off = base == 10 ?
			      (int16_t)(-8 * (1 + (int)rnd(g, 8)) + (int)rnd(g, 2) * sizeb[k]) :
			      (int16_t)((int)rnd(g, 56) - 4);

	if (base == 10 && off >= 0)
		off = -8;
	switch (rnd(g, 3)) {
	case 0:
		emit(g, USERBPF_LDX_MEM(sizes[k], 6 + (int)rnd(g, 3), base, off));
		break;
	case 1:
		emit(g, USERBPF_STX_MEM(sizes[k], base, 6 + (int)rnd(g, 3), off));
		break;
	default:
		emit(g, USERBPF_ST_MEM(sizes[k], base, off, (int)rnd(g, 100)));
		break;
	}
}

static void g_branch(struct gen *g)
{
	static const uint8_t jops[] = { USERBPF_JEQ,  USERBPF_JNE,  USERBPF_JGT,  USERBPF_JLT,
					USERBPF_JSGT, USERBPF_JSLE, USERBPF_JSET, USERBPF_JGE };
	int r = 6 + (int)rnd(g, 3);

	if (rnd(g, 2))
		emit(g, USERBPF_JMP_IMM(jops[rnd(g, 8)], r, (int)rnd(g, 64), (int16_t)rnd(g, 3)));
	else
		emit(g, USERBPF_JMP32_IMM(jops[rnd(g, 8)], r, (int)rnd(g, 64), (int16_t)rnd(g, 3)));
	/* the skipped instructions: harmless ones */
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 6 + (int)rnd(g, 3), 1));
	emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 6 + (int)rnd(g, 3), 0xff));
	emit(g, USERBPF_MOV64_IMM(8, (int)rnd(g, 16)));
}

static void g_loop(struct gen *g)
{
	/* r4 counts up to a small bound; r7 accumulates */
	emit(g, USERBPF_MOV64_IMM(4, 0));
	emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 7, 4));
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 4, 1));
	emit(g, USERBPF_JMP_IMM(USERBPF_JLT, 4, (int)rnd(g, 20) + 1, -3));
}

static void g_ringbuf(struct gen *g)
{
	int sz = 8 * (1 + (int)rnd(g, 4));

	emit(g, USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 2));
	emit(g, USERBPF_MOV64_IMM(2, sz));
	emit(g, USERBPF_MOV64_IMM(3, 0));
	emit(g, USERBPF_CALL_HELPER(131));
	emit(g, USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 4));
	emit(g, USERBPF_ST_MEM(USERBPF_DW, 0, (int16_t)(8 * (int)rnd(g, 5)), 1));
	emit(g, USERBPF_MOV64_REG(1, 0));
	emit(g, USERBPF_MOV64_IMM(2, 0));
	emit(g, USERBPF_CALL_HELPER(rnd(g, 2) ? 132 : 133));
}

static void generate(struct gen *g)
{
	bool have_ptr = false;
	int steps = 4 + (int)rnd(g, 14), i;

	g->n = 0;
	emit(g, USERBPF_MOV64_REG(9, 1));
	for (i = 6; i <= 8; i++)
		emit(g, USERBPF_LDX_MEM(USERBPF_DW, i, 9, (int16_t)(8 * (i - 6))));
	for (i = 0; i < steps && g->n < MAXI - 24; i++) {
		switch (rnd(g, 9)) {
		case 0:
			g_ctx_scalar(g);
			break;
		case 1:
			g_alu(g);
			break;
		case 2:
			g_lookup(g, &have_ptr);
			break;
		case 3:
			if (have_ptr)
				g_ptr_arith(g);
			else
				g_alu(g);
			break;
		case 4:
		case 5:
			g_mem(g, have_ptr);
			break;
		case 6:
			g_branch(g);
			break;
		case 7:
			g_loop(g);
			break;
		default:
			g_ringbuf(g);
			break;
		}
	}
	emit(g, USERBPF_MOV64_REG(0, 7));
	emit(g, USERBPF_EXIT_INSN());
}

static struct userbpf_map *fmaps[3];

static int resolve(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm, uint64_t *value)
{
	(void)cookie;
	(void)next_imm;
	if (src_reg != USERBPF_PSEUDO_MAP_FD || imm < 0 || imm > 2)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)fmaps[imm];
	return 0;
}

TEST(verifier_soundness_fuzz)
{
	static const struct userbpf_verifier_map vmaps[3] = {
		{ 2, 4, 48, 4, 0, -1, NULL, NULL },    /* array */
		{ 1, 4, 48, 8, 0, -1, NULL, NULL },    /* hash */
		{ 27, 0, 0, 4096, 0, -1, NULL, NULL }, /* ringbuf */
	};
	const char *env = getenv("USERBPF_VFUZZ_COUNT");
	int count = env ? atoi(env) : 4000, i, accepted = 0, runs = 0;
	const char *seed = getenv("USERBPF_VFUZZ_SEED");
	struct gen g = { .rng = seed ? strtoull(seed, NULL, 0) | 1 : 0x9e3779b97f4a7c15ull };
	static char log[1 << 14];

	fmaps[0] = userbpf_map__create(2, "fa", 4, 48, 4, NULL);
	fmaps[1] = userbpf_map__create(1, "fh", 4, 48, 8, NULL);
	fmaps[2] = userbpf_map__create(27, "fr", 0, 0, 4096, NULL);
	ASSERT_TRUE(fmaps[0] && fmaps[1] && fmaps[2]);
	for (i = 0; i < 8; i++) {
		uint32_t k = (uint32_t)i;
		uint8_t v[48] = { 0 };

		userbpf_map__update_elem(fmaps[1], &k, v, 0);
	}
	for (i = 0; i < count; i++) {
		USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = 2, .gpl = 1, .maps = vmaps,
			     .map_cnt = 3, .log_buf = log, .log_size = sizeof(log));
		struct userbpf_prog *prog;
		int err, r;

		generate(&g);
		err = userbpf_verify(g.p, (size_t)g.n, &vo);
		if (err)
			continue;
		accepted++;
		{
			USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = 2, .ld_imm64 = resolve);

			prog = userbpf_prog__new(g.p, (size_t)g.n, &po);
		}
		if (!prog) {
			test_fail(__FILE__, __LINE__, "program %d accepted but not creatable", i);
			continue;
		}
		for (r = 0; r < 4; r++) {
			uint64_t ctx[21], ret = 0;
			char why[256] = "";
			size_t k;
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = 168,
				     .flags = USERBPF_RUN_CHECKED, .insn_budget = 1000000,
				     .err_buf = why, .err_buf_sz = sizeof(why));

			for (k = 0; k < 21; k++)
				ctx[k] = ((uint64_t)rnd(&g, 0xffffffffu) << 32 |
					  rnd(&g, 0xffffffffu)) >>
					 rnd(&g, 64);
			err = userbpf_prog__run(prog, &ro, &ret);
			runs++;
			if (err) {
				char dis[128];
				int pc;

				fprintf(stderr, "unsound: program %d, run %d: %s\n", i, r, why);
				for (pc = 0; pc < g.n; pc++) {
					userbpf_disasm_insn(&g.p[pc], (size_t)(g.n - pc), dis,
							    sizeof(dis));
					fprintf(stderr, "%4d: %s\n", pc, dis);
				}
				test_fail(__FILE__, __LINE__,
					  "accepted program %d tripped a check: %s", i, why);
				break;
			}
		}
		userbpf_prog__free(prog);
		if (test_failed())
			break;
	}
	printf("verifier soundness fuzz: %d programs generated, %d accepted, %d checked runs, "
	       "0 tripped\n",
	       count, accepted, runs);
	for (i = 0; i < 3; i++)
		userbpf_map__put(fmaps[i]);
}
