/* SPDX-License-Identifier: MIT */
/*
 * vgen.c - random but plausible programs for the verifier's soundness
 * fuzzing (test_verifier_soundness.c, fuzz/fuzz_verifier.c): map lookups
 * with and without null checks, pointer arithmetic with masked,
 * branch-bounded or unbounded offsets, loads and stores through map
 * values, the stack and the caller's stack, ALU on context-derived
 * scalars, forward branches whose joins merge different values, bounded
 * loops, ring buffer records, and calls across frames:
 *   - bpf-to-bpf subprograms: r1 a scalar (raw, masked or constant), r2 a
 *     pointer into the caller's stack (slots it spilled registers and
 *     constants to) or to a map value; the callee reads and writes
 *     through it, uses what it read as offsets, calls further functions
 *     and returns a scalar the caller uses as an offset in turn;
 *   - bpf_loop callbacks: the loop's context is the caller's stack, which
 *     the callback reads, counts in and writes back, returning 0, 1 or a
 *     value that may be out of range; the caller then uses the slots.
 * So precision has to follow values into callees, out of them, through
 * the caller's stack and across callback iterations: a mistake there
 * lets an out-of-bounds program through, and its checked run trips.
 * Does not own: verifying or running (the callers).
 */
#include <string.h>

#include "vgen.h"

#define R_AREA 9 /* main: the context; functions: what r2 pointed to */

static const uint8_t sizes[] = { USERBPF_B, USERBPF_H, USERBPF_W, USERBPF_DW };
static const int sizeb[] = { 1, 2, 4, 8 };

uint32_t vgen_rnd(struct vgen *g, uint32_t n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return n ? (uint32_t)(g->rng % n) : 0;
}

#define rnd vgen_rnd

static void emit1(struct vgen *g, struct userbpf_insn i)
{
	if (g->n < VGEN_MAXI)
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

/* the next instruction refers to function func (patched in vgen_program) */
static void fixup(struct vgen *g, int func)
{
	if (g->nfix < VGEN_MAX_FIXUPS) {
		g->fix[g->nfix].at = g->n;
		g->fix[g->nfix].func = func;
		g->nfix++;
	}
}

static int scalar_reg(struct vgen *g)
{
	return 6 + (int)rnd(g, 3);
}

/* ==== Steps: each emits a few instructions in the current function ==== */

/* r6-r8 = a word of the context (main) or of the area r2 pointed to */
static void g_area_scalar(struct vgen *g)
{
	int r = scalar_reg(g), k = (int)rnd(g, 4);
	uint32_t slots = (uint32_t)g->area[g->fn] / 8;
	int16_t off;

	/* now and then one slot past the end (the verifier must refuse) */
	if (!rnd(g, 16))
		slots++;
	off = (int16_t)(rnd(g, slots) * 8);
	emit(g, USERBPF_LDX_MEM(sizes[k], r, R_AREA, off));
}

static void g_alu(struct vgen *g)
{
	static const uint8_t ops[] = { USERBPF_ADD,  USERBPF_SUB, USERBPF_MUL, USERBPF_AND,
				       USERBPF_OR,   USERBPF_XOR, USERBPF_LSH, USERBPF_RSH,
				       USERBPF_ARSH, USERBPF_MOD, USERBPF_DIV };
	int r = scalar_reg(g), op = ops[rnd(g, sizeof(ops))];
	int imm = (int)rnd(g, 64), src;

	if (!rnd(g, 4))
		imm -= 32;
	if (op == USERBPF_MOD || op == USERBPF_DIV)
		imm = imm ? imm : 7;
	if (op == USERBPF_LSH || op == USERBPF_RSH || op == USERBPF_ARSH)
		imm &= 31;
	if (rnd(g, 3) == 0) {
		src = scalar_reg(g);
		emit(g, USERBPF_ALU64_REG(op, r, src));
	} else if (rnd(g, 2)) {
		emit(g, USERBPF_ALU64_IMM(op, r, imm));
	} else {
		emit(g, USERBPF_ALU32_IMM(op, r, imm));
	}
}

/* r0 = lookup(map, key from a scalar); maybe null-checked; r5 = r0 */
static void g_lookup(struct vgen *g)
{
	int kr = scalar_reg(g), map;

	emit(g, USERBPF_STX_MEM(USERBPF_W, 10, kr, -4));
	emit(g, USERBPF_MOV64_REG(2, 10));
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4));
	map = (int)rnd(g, 2);
	emit(g, USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, map));
	emit(g, USERBPF_CALL_HELPER(1));
	if (rnd(g, 8)) {
		emit(g, USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2));
		emit(g, USERBPF_MOV64_IMM(0, 0));
		emit(g, USERBPF_EXIT_INSN());
	}
	emit(g, USERBPF_MOV64_REG(5, 0)); /* r5: the value pointer */
	g->have_ptr = true;
}

/* r5 += offset: constant, masked, branch-bounded or raw */
static void g_ptr_arith(struct vgen *g)
{
	int r = scalar_reg(g), imm;

	switch (rnd(g, 4)) {
	case 0:
		imm = (int)rnd(g, 72) - 8;
		emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 5, imm));
		break;
	case 1:
		imm = (int)rnd(g, 64);
		emit(g, USERBPF_MOV64_REG(4, r));
		emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 4, imm));
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 5, 4));
		break;
	case 2: {
		static const uint8_t jops[] = { USERBPF_JGT, USERBPF_JGE, USERBPF_JSGT,
						USERBPF_JSGE };
		uint8_t op = jops[rnd(g, 4)];

		imm = (int)rnd(g, 56);
		emit(g, USERBPF_MOV64_REG(4, r));
		emit(g, USERBPF_JMP_IMM(op, 4, imm, 2));
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 5, 4));
		emit(g, USERBPF_JMP_A(0));
		break;
	}
	default:
		emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 5, r));
		break;
	}
}

/* a load or store through the stack, r5 (map value) or the area */
static void g_mem(struct vgen *g)
{
	int k = (int)rnd(g, 4), base = 10, reg, imm;
	uint32_t pick = rnd(g, 4), op;
	int16_t off;

	if (g->have_ptr && pick == 1)
		base = 5;
	else if (g->fn && pick == 2)
		base = R_AREA; /* the caller's stack, or a map value */
	if (base == 10) {
		int slot = 1 + (int)rnd(g, 8), sub = (int)rnd(g, 2) * sizeb[k];

		off = (int16_t)(-8 * slot + sub);
	} else if (base == 5) {
		off = (int16_t)((int)rnd(g, 56) - 4);
	} else if (rnd(g, 16)) {
		off = (int16_t)(sizeb[k] * (int)rnd(g, (uint32_t)(g->area[g->fn] / sizeb[k])));
	} else {
		off = (int16_t)((int)rnd(g, (uint32_t)g->area[g->fn] + 4) - 2);
	}
	op = rnd(g, 3);
	/* a callback storing a running sum into its context rarely converges
	 * (the kernel too explores it until the complexity limit) */
	if (op == 1 && base == R_AREA && g->is_cb[g->fn] && rnd(g, 4))
		op = 2;
	switch (op) {
	case 0:
		reg = scalar_reg(g);
		emit(g, USERBPF_LDX_MEM(sizes[k], reg, base, off));
		break;
	case 1:
		reg = scalar_reg(g);
		emit(g, USERBPF_STX_MEM(sizes[k], base, reg, off));
		break;
	default:
		imm = (int)rnd(g, 100);
		emit(g, USERBPF_ST_MEM(sizes[k], base, off, imm));
		break;
	}
}

/* if (r cond imm) skip 0-2 of three writes: the join merges their values */
static void g_branch(struct vgen *g)
{
	static const uint8_t jops[] = { USERBPF_JEQ,  USERBPF_JNE,  USERBPF_JGT,  USERBPF_JLT,
					USERBPF_JSGT, USERBPF_JSLE, USERBPF_JSET, USERBPF_JGE };
	int r = scalar_reg(g), imm, a, b;
	uint8_t op = jops[rnd(g, 8)];
	int16_t skip;

	imm = (int)rnd(g, 64);
	skip = (int16_t)rnd(g, 3);
	if (rnd(g, 2))
		emit(g, USERBPF_JMP_IMM(op, r, imm, skip));
	else
		emit(g, USERBPF_JMP32_IMM(op, r, imm, skip));
	/* the skipped instructions: harmless ones */
	a = scalar_reg(g);
	b = scalar_reg(g);
	imm = (int)rnd(g, 16);
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, a, 1));
	emit(g, USERBPF_ALU64_IMM(USERBPF_AND, b, 0xff));
	emit(g, USERBPF_MOV64_IMM(8, imm));
}

static void g_loop(struct vgen *g)
{
	int bound = (int)rnd(g, 20) + 1;

	/* r4 counts up to a small bound; r7 accumulates */
	emit(g, USERBPF_MOV64_IMM(4, 0));
	emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 7, 4));
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 4, 1));
	emit(g, USERBPF_JMP_IMM(USERBPF_JLT, 4, bound, -3));
}

static void g_ringbuf(struct vgen *g)
{
	int sz = 8 * (1 + (int)rnd(g, 4)), off;
	int release = rnd(g, 2) ? 132 : 133;
	uint32_t words = (uint32_t)sz / 8;

	if (!rnd(g, 8))
		words++; /* one past the record (the verifier must refuse) */
	off = 8 * (int)rnd(g, words);

	emit(g, USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 2));
	emit(g, USERBPF_MOV64_IMM(2, sz));
	emit(g, USERBPF_MOV64_IMM(3, 0));
	emit(g, USERBPF_CALL_HELPER(131));
	emit(g, USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 4));
	emit(g, USERBPF_ST_MEM(USERBPF_DW, 0, (int16_t)off, 1));
	emit(g, USERBPF_MOV64_REG(1, 0));
	emit(g, USERBPF_MOV64_IMM(2, 0));
	emit(g, USERBPF_CALL_HELPER(release));
	g->have_ptr = false; /* r5 is clobbered */
}

/*
 * r as an offset into the own stack: r3 = r10 + r (masked, bounded by a
 * branch, or raw), then an access at r3 - 64 + sub.
 */
static void g_stack_var(struct vgen *g, int r)
{
	int k = (int)rnd(g, 4), how = (int)rnd(g, 8), imm, dst;
	int16_t off = (int16_t)(-64 + (int)rnd(g, 8) * sizeb[k]);
	bool load = rnd(g, 2);

	emit(g, USERBPF_MOV64_REG(4, r));
	if (how < 4) { /* masked: mostly to whole slots */
		imm = rnd(g, 4) ? 0x38 : (int)rnd(g, 64);
		emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 4, imm));
	} else if (how < 7) { /* bounded by a branch, mostly in range */
		imm = rnd(g, 4) ? 56 : (int)rnd(g, 70);
		emit(g, USERBPF_JMP_IMM(USERBPF_JGT, 4, imm, 3));
	} /* else raw: the verifier must refuse */
	emit(g, USERBPF_MOV64_REG(3, 10));
	emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 3, 4));
	if (load) {
		dst = scalar_reg(g);
		emit(g, USERBPF_LDX_MEM(sizes[k], dst, 3, off));
	} else {
		emit(g, USERBPF_ST_MEM(sizes[k], 3, off, 0));
	}
}

/* after a call: r0 (or a slot of the area passed) goes somewhere */
static void g_after_call(struct vgen *g, int area)
{
	int r, slot;

	switch (rnd(g, 4)) {
	case 0:
		r = scalar_reg(g);
		emit(g, USERBPF_MOV64_REG(r, 0));
		break;
	case 1:
		g_stack_var(g, 0);
		break;
	case 2:
		if (area > 0 && area <= 64) {
			slot = (int)rnd(g, (uint32_t)area / 8);
			r = scalar_reg(g);
			emit(g, USERBPF_LDX_MEM(USERBPF_DW, r, 10, (int16_t)(-area + 8 * slot)));
			g_stack_var(g, r);
		}
		break;
	default:
		break;
	}
}

/* a call of function callee: a subprogram or a bpf_loop callback */
static void g_call_to(struct vgen *g, int callee)
{
	int area = g->area[callee], r, imm;

	g->called[callee] = true;
	if (g->is_cb[callee]) {
		g->loops++;
		g->loop_in_fn++;
		/* bpf_loop(nr, cb, ctx = the caller's stack, 0) */
		if (rnd(g, 2)) {
			imm = (int)rnd(g, 7);
			emit(g, USERBPF_MOV64_IMM(1, imm));
		} else {
			r = scalar_reg(g);
			emit(g, USERBPF_MOV64_REG(1, r));
			emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 1, 7));
		}
		fixup(g, callee);
		emit(g, USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 0));
		emit(g, USERBPF_MOV64_REG(3, 10));
		emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 3, -area));
		emit(g, USERBPF_MOV64_IMM(4, 0));
		emit(g, USERBPF_CALL_HELPER(181));
	} else {
		g->calls++;
		switch (rnd(g, 3)) {
		case 0:
			r = scalar_reg(g);
			emit(g, USERBPF_MOV64_REG(1, r));
			break;
		case 1:
			r = scalar_reg(g);
			imm = rnd(g, 2) ? 0x38 : 0x3f;
			emit(g, USERBPF_MOV64_REG(1, r));
			emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 1, imm));
			break;
		default:
			imm = (int)rnd(g, 80);
			emit(g, USERBPF_MOV64_IMM(1, imm));
			break;
		}
		if (g->have_ptr && area <= 48 && !rnd(g, 3)) {
			emit(g, USERBPF_MOV64_REG(2, 5)); /* a map value (maybe moved) */
			area = 0;
		} else {
			emit(g, USERBPF_MOV64_REG(2, 10));
			emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, 2, -area));
		}
		fixup(g, callee);
		emit(g, USERBPF_CALL_LOCAL(0));
	}
	g->have_ptr = false; /* r1-r5 are clobbered */
	g_after_call(g, area);
}

/* a call of a later function (none from the last: no recursion) */
static void g_call(struct vgen *g)
{
	int callee;

	if (g->fn >= g->nfuncs)
		return;
	callee = g->fn + 1 + (int)rnd(g, (uint32_t)(g->nfuncs - g->fn));
	/* up to three bpf_loops a function, in a row or not: each iteration's
	 * exit continues after its call (nr_loops <= 7 bounds the iterations;
	 * backedges settle the precision of the states inside them) */
	if (g->is_cb[callee] && g->loop_in_fn >= 3)
		return;
	g_call_to(g, callee);
}

/* every function is called: by its designated caller if no one else did */
static void call_the_rest(struct vgen *g)
{
	int f;

	for (f = g->fn + 1; f <= g->nfuncs; f++)
		if (!g->called[f] && g->caller[f] == g->fn)
			g_call_to(g, f);
}

static void g_step(struct vgen *g)
{
	switch (rnd(g, 12)) {
	case 0:
		g_area_scalar(g);
		break;
	case 1:
		g_alu(g);
		break;
	case 2:
		g_lookup(g);
		break;
	case 3:
		if (g->have_ptr)
			g_ptr_arith(g);
		else
			g_alu(g);
		break;
	case 4:
	case 5:
		g_mem(g);
		break;
	case 6:
		g_branch(g);
		break;
	case 7:
		g_loop(g);
		break;
	case 8:
		g_ringbuf(g);
		break;
	case 9:
		g_stack_var(g, scalar_reg(g));
		break;
	default:
		if (g->fn < g->nfuncs)
			g_call(g);
		else
			g_alu(g);
		break;
	}
}

/* ==== Functions ==== */

/* most of the time the frame's 8 slots start as small constants */
static void init_slots(struct vgen *g)
{
	int slot, imm;

	if (!rnd(g, 4))
		return;
	for (slot = 1; slot <= 8; slot++) {
		imm = (int)rnd(g, 16);
		emit(g, USERBPF_ST_MEM(USERBPF_DW, 10, (int16_t)(-8 * slot), imm));
	}
}

static void gen_main(struct vgen *g)
{
	int steps = 4 + (int)rnd(g, 14), i;

	g->fn = 0;
	g->have_ptr = false;
	g->loop_in_fn = 0;
	g->limit = VGEN_MAXI / 3;
	emit(g, USERBPF_MOV64_REG(R_AREA, 1));
	for (i = 6; i <= 8; i++)
		emit(g, USERBPF_LDX_MEM(USERBPF_DW, i, R_AREA, (int16_t)(8 * (i - 6))));
	init_slots(g);
	for (i = 0; i < steps && g->n < g->limit; i++)
		g_step(g);
	call_the_rest(g);
	emit(g, USERBPF_MOV64_REG(0, 7));
	emit(g, USERBPF_EXIT_INSN());
}

/*
 * A subprogram (r1 scalar, r2 area) or callback (r1 index, r2 area):
 * r6 = r1, r9 = r2, r7 = the area's first word, r8 a constant; steps;
 * maybe a write back through r9; r0 a scalar (a callback's often in
 * [0, 1]).
 */
static void gen_func(struct vgen *g, int fn)
{
	int steps = 1 + (int)rnd(g, 8), i, r, slot, imm;

	g->fn = fn;
	g->have_ptr = false;
	g->loop_in_fn = 0;
	g->start[fn] = g->n;
	g->limit = g->n + (VGEN_MAXI - VGEN_MAXI / 3) / (VGEN_MAX_FUNCS + 1);
	emit(g, USERBPF_MOV64_REG(6, 1));
	emit(g, USERBPF_MOV64_REG(R_AREA, 2));
	emit(g, USERBPF_LDX_MEM(USERBPF_DW, 7, R_AREA, 0));
	imm = (int)rnd(g, 16);
	emit(g, USERBPF_MOV64_IMM(8, imm));
	init_slots(g);
	for (i = 0; i < steps && g->n < g->limit; i++)
		g_step(g);
	call_the_rest(g);
	if (rnd(g, 2)) { /* a write back: a callback's mostly r8 (few values) */
		slot = (int)rnd(g, (uint32_t)g->area[fn] / 8);
		r = scalar_reg(g);
		if (g->is_cb[fn] && rnd(g, 4))
			r = 8;
		emit(g, USERBPF_STX_MEM(USERBPF_DW, R_AREA, r, (int16_t)(8 * slot)));
	}
	r = scalar_reg(g);
	if (g->is_cb[fn]) {
		switch (rnd(g, 8)) {
		case 0:
			emit(g, USERBPF_MOV64_IMM(0, 0));
			break;
		case 1:
			emit(g, USERBPF_MOV64_IMM(0, 1));
			break;
		case 7:
			emit(g, USERBPF_MOV64_REG(0, r)); /* maybe out of [0, 1] */
			break;
		default:
			emit(g, USERBPF_MOV64_REG(0, r));
			emit(g, USERBPF_ALU64_IMM(USERBPF_AND, 0, 1));
			break;
		}
	} else {
		emit(g, USERBPF_MOV64_REG(0, r));
	}
	emit(g, USERBPF_EXIT_INSN());
}

void vgen_program(struct vgen *g)
{
	int f, i;

	g->n = 0;
	g->nfix = 0;
	g->nfuncs = (int)rnd(g, VGEN_MAX_FUNCS + 1);
	g->area[0] = 160; /* the context's first 20 words */
	for (f = 1; f <= g->nfuncs; f++) {
		g->is_cb[f] = rnd(g, 2);
		g->area[f] = 8 * (1 + (int)rnd(g, 8));
		g->caller[f] = (int)rnd(g, (uint32_t)f);
		g->called[f] = false;
	}
	gen_main(g);
	for (f = 1; f <= g->nfuncs; f++)
		gen_func(g, f);
	for (i = 0; i < g->nfix; i++) {
		int at = g->fix[i].at;

		if (at < g->n)
			g->p[at].imm = g->start[g->fix[i].func] - (at + 1);
	}
}
