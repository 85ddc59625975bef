/* SPDX-License-Identifier: MIT */
/*
 * oracle_gen.c - the random program generator of the kernel oracle test.
 *
 * Owns: which programs the oracle sees.  Every program must pass the Linux
 * verifier (as root) and be deterministic, so the generator keeps to rules
 * the verifier can prove and avoids anything the two sides may legally do
 * differently:
 *   - r0-r7 hold scalars only; r9 is the packet, r10 the frame, r8 a
 *     scratch pointer re-derived from r9 or r10 before every use;
 *   - packet accesses stay in [0, data_len) (any alignment: x86 has
 *     efficient unaligned access, so the verifier does not insist);
 *   - stack accesses stay in the 8 initialised slots and are aligned to
 *     their size (the verifier always checks stack alignment); atomics go
 *     to the stack only (the kernel refuses them on packet memory);
 *   - immediate divisors are never 0 and immediate shift counts are below
 *     the width (the verifier rejects both); register operands are free;
 *   - jumps only go forward, except the back-edges of loops with a
 *     constant trip count (1-4) whose counter the loop body never writes;
 *     unconditional forward jumps only as the "else" skip of an if/else,
 *     so no instruction is unreachable (check_cfg rejects that);
 *   - two patterns that trip bugs of the Linux 6.18 verifier are steered
 *     around (see gen_atomic): a fetching atomic on a slot that holds a
 *     spilled constant, and a 32-bit cmpxchg whose r0 is read 64-bit only
 *     on a pruned path.  userbpf is right in both cases.
 * Every random draw is a statement (or declarator) of its own, never one of
 * several operands, arguments or initializer elements: C leaves their order
 * unspecified, and a seed must give the same program whatever the compiler
 * (gcc and clang once disagreed on 5 of the 6 mixes).
 * Socket filters for LD_ABS/LD_IND have their own small generator
 * (gen_ld_abs_prog).
 * Does not own: loading, running, comparing (test_oracle.c).
 */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "oracle_gen.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define R_SCRATCH 8 /* pointer scratch register after the prologue */
#define R_DATA 9
#define R_FP 10
#define BODY_REGS 8 /* r0..r7 */
#define EPILOGUE_SLOTS (BODY_REGS + 2 * ORACLE_STACK_SLOTS + 4)
#define MAX_DEPTH 4
#define MAX_LOOP_DEPTH 2
#define MAX_LOOPS 3

/* Kinds of statement the body is made of. */
enum kind {
	K_ALU,	   /* binary ALU64/ALU32, imm or reg */
	K_DIV,	   /* div/mod by a register holding 0, -1, INT_MIN ... */
	K_UNARY,   /* neg, movsx, le/be, bswap */
	K_LDDW,	   /* 64-bit immediate */
	K_PKT_LD,  /* *(size *)(r9 + off), incl. sign-extending */
	K_PKT_ST,  /* st/stx to the packet */
	K_PKT_PTR, /* r8 = r9 + k; accesses at negative offsets from r8 */
	K_STK_LD,  /* loads from the stack slots */
	K_STK_ST,  /* st/stx to the stack slots */
	K_ATOMIC,  /* atomics on the stack slots */
	K_STK_VAR, /* variable-offset stack access through r8 */
	K_IF,	   /* if (cond) { block } */
	K_IFELSE,  /* if (cond) { block } else { block }, ja or gotol */
	K_LOOP,	   /* constant trip count loop */
	K_CNT,
};

struct mix {
	const char *name;
	uint16_t weight[K_CNT];
	uint16_t body_min, body_max; /* body slots */
};

static const struct mix mixes[ORACLE_MIX_CNT] = {
	[ORACLE_MIX_ALU] = {
		"alu",
		{ [K_ALU] = 60, [K_DIV] = 10, [K_UNARY] = 15, [K_LDDW] = 5,
		  [K_PKT_LD] = 5, [K_PKT_ST] = 2, [K_STK_LD] = 2, [K_STK_ST] = 1 },
		10, 80,
	},
	[ORACLE_MIX_BRANCH] = {
		"branch",
		{ [K_ALU] = 30, [K_DIV] = 4, [K_UNARY] = 8, [K_LDDW] = 2,
		  [K_PKT_LD] = 10, [K_PKT_ST] = 3, [K_STK_LD] = 2, [K_STK_ST] = 2,
		  [K_ATOMIC] = 2, [K_IF] = 14, [K_IFELSE] = 10, [K_LOOP] = 5 },
		20, 120,
	},
	[ORACLE_MIX_MEM] = {
		"mem_atomic",
		{ [K_ALU] = 15, [K_DIV] = 2, [K_UNARY] = 3, [K_LDDW] = 2,
		  [K_PKT_LD] = 14, [K_PKT_ST] = 14, [K_PKT_PTR] = 8,
		  [K_STK_LD] = 12, [K_STK_ST] = 10, [K_ATOMIC] = 22,
		  [K_STK_VAR] = 6, [K_IF] = 3 },
		20, 120,
	},
	[ORACLE_MIX_MIXED] = {
		"mixed",
		{ [K_ALU] = 25, [K_DIV] = 5, [K_UNARY] = 7, [K_LDDW] = 3,
		  [K_PKT_LD] = 8, [K_PKT_ST] = 6, [K_PKT_PTR] = 3,
		  [K_STK_LD] = 5, [K_STK_ST] = 4, [K_ATOMIC] = 8,
		  [K_STK_VAR] = 3, [K_IF] = 9, [K_IFELSE] = 6, [K_LOOP] = 3 },
		20, 160,
	},
	[ORACLE_MIX_LD_ABS] = { "ld_abs", { [K_ALU] = 1 }, 8, 48 }, /* own generator */
};

struct gen {
	uint64_t rng;
	struct oracle_prog *prog;
	const struct mix *mix;
	size_t limit;	   /* stop starting statements at this slot */
	unsigned reserved; /* r0-r7 the current code must not write */
	int depth;	   /* block nesting */
	int loop_depth;
	int loops; /* loops emitted so far */
};

/* ==== Random numbers (splitmix64: tiny, and good enough here) ==== */

static uint64_t next64(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint32_t rnd(struct gen *g, uint32_t n)
{
	return (uint32_t)(next64(g) % n);
}

static bool chance(struct gen *g, unsigned percent)
{
	return rnd(g, 100) < percent;
}

uint64_t oracle_seed(uint64_t base, unsigned test, uint64_t index)
{
	struct gen g = { .rng = base ^ ((uint64_t)test << 56) ^ index * 0x2545f4914f6cdd1dull };

	return next64(&g);
}

static const int32_t special32[] = {
	0,    1,    -1,	  2,	 -2,	 7,	 INT32_MIN, INT32_MAX, INT32_MIN + 1,
	0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,    0x10000,   31,
	32,   63,   64,
};

static const uint64_t special64[] = {
	0,
	1,
	~0ull,
	0x8000000000000000ull,
	0x7fffffffffffffffull,
	0xffffffffull,
	0x80000000ull,
	0x7fffffffull,
	0x100000000ull,
	0xffffffff80000000ull,
	0xffffffff00000000ull,
	0x00000000ffff8000ull,
	0x8000000080000000ull,
	0xff,
	0x80,
	0xffff,
	0x8000,
	0x0123456789abcdefull,
	0xfedcba9876543210ull,
};

/* A 32-bit immediate: small, special, random width or random. */
static int32_t rand_imm(struct gen *g)
{
	uint32_t bits, shift;

	switch (rnd(g, 5)) {
	case 0:
		return (int32_t)rnd(g, 33) - 16;
	case 1:
		return special32[rnd(g, N(special32))];
	case 2:
		bits = (uint32_t)next64(g);
		shift = rnd(g, 32);
		return (int32_t)(bits >> shift);
	default:
		return (int32_t)(uint32_t)next64(g);
	}
}

static uint64_t rand_u64(struct gen *g)
{
	uint64_t bits;
	uint32_t shift;

	switch (rnd(g, 6)) {
	case 0:
		return (uint64_t)(int64_t)((int)rnd(g, 33) - 16);
	case 1:
		return special64[rnd(g, N(special64))];
	case 2:
		return (uint64_t)(int64_t)rand_imm(g);
	case 3:
		bits = next64(g);
		shift = rnd(g, 64);
		return bits >> shift;
	default:
		return next64(g);
	}
}

/* A nonzero immediate divisor, often -1 or INT_MIN. */
static int32_t div_imm(struct gen *g)
{
	static const int32_t interesting[] = { 1, -1, INT32_MIN, 2, -2, 3, -7, INT32_MAX, 0x10000 };
	int32_t imm;

	if (chance(g, 50))
		return interesting[rnd(g, N(interesting))];
	do
		imm = rand_imm(g);
	while (imm == 0);
	return imm;
}

/* ==== Emitting ==== */

static size_t here(const struct gen *g)
{
	return g->prog->insn_cnt;
}

static void emit(struct gen *g, struct userbpf_insn insn)
{
	assert(g->prog->insn_cnt < ORACLE_MAX_INSNS);
	g->prog->insns[g->prog->insn_cnt++] = insn;
}

static void emit_lddw(struct gen *g, unsigned dst, uint64_t value)
{
	struct userbpf_insn pair[] = { USERBPF_LD_IMM64(dst, value) };

	emit(g, pair[0]);
	emit(g, pair[1]);
}

/* dst = value, with a random encoding that can hold it. */
static void emit_const(struct gen *g, unsigned dst, uint64_t value)
{
	bool fits_s32 = (int64_t)value == (int64_t)(int32_t)value;
	bool fits_u32 = value <= UINT32_MAX;
	unsigned how = rnd(g, 3);

	if (fits_s32 && how == 0)
		emit(g, USERBPF_MOV64_IMM(dst, (int32_t)value));
	else if (fits_u32 && how == 1)
		emit(g, USERBPF_MOV32_IMM(dst, (int32_t)(uint32_t)value));
	else
		emit_lddw(g, dst, value);
}

/* Jump offset from the jump at slot from to slot to. */
static int32_t jump_delta(size_t from, size_t to)
{
	return (int32_t)((int64_t)to - (int64_t)from - 1);
}

/* ==== Registers and operands ==== */

static unsigned pick_reg(struct gen *g)
{
	return rnd(g, BODY_REGS);
}

/* A register the current code may write (not a live loop counter). */
static unsigned pick_dst(struct gen *g)
{
	unsigned r;

	do
		r = rnd(g, BODY_REGS);
	while (g->reserved & (1u << r));
	return r;
}

static const uint8_t size_codes[] = { USERBPF_B, USERBPF_H, USERBPF_W, USERBPF_DW };

/* Size index 0..3 (1, 2, 4, 8 bytes). */
static unsigned pick_size(struct gen *g)
{
	return rnd(g, 4);
}

/* An offset into the stack slots, aligned to bytes. */
static int16_t stack_off(struct gen *g, unsigned bytes)
{
	int slot = (int)rnd(g, ORACLE_STACK_SLOTS);
	int sub = (int)(bytes * rnd(g, 8 / bytes));

	return (int16_t)(-8 * (slot + 1) + sub);
}

/* ==== Statements ==== */

static void gen_block(struct gen *g, unsigned stmts);

static void gen_alu(struct gen *g)
{
	static const uint8_t ops[] = { USERBPF_ADD, USERBPF_SUB, USERBPF_MUL, USERBPF_DIV,
				       USERBPF_OR,  USERBPF_AND, USERBPF_LSH, USERBPF_RSH,
				       USERBPF_MOD, USERBPF_XOR, USERBPF_MOV, USERBPF_ARSH };
	bool is64 = chance(g, 50);
	uint8_t cls = is64 ? USERBPF_ALU64 : USERBPF_ALU;
	uint8_t op = ops[rnd(g, N(ops))];
	bool divmod = op == USERBPF_DIV || op == USERBPF_MOD;
	bool shift = op == USERBPF_LSH || op == USERBPF_RSH || op == USERBPF_ARSH;
	int16_t off = divmod ? (int16_t)rnd(g, 2) : 0; /* 1: sdiv/smod */
	unsigned dst = pick_dst(g), src;
	int32_t imm;

	if (chance(g, 45)) {
		src = pick_reg(g);
		emit(g, USERBPF_RAW_INSN(cls | op | USERBPF_X, dst, src, off, 0));
		return;
	}
	if (shift)
		imm = (int32_t)rnd(g, is64 ? 64 : 32);
	else if (divmod)
		imm = div_imm(g);
	else
		imm = rand_imm(g);
	emit(g, USERBPF_RAW_INSN(cls | op | USERBPF_K, dst, 0, off, imm));
}

/* Division and modulo by a register set to an edge value just before. */
static void gen_div(struct gen *g)
{
	static const uint64_t divisors[] = {
		0,
		~0ull,
		0xffffffffull,
		0x80000000ull,
		0x8000000000000000ull,
		1,
		0x100000000ull /* 0 for 32-bit */,
		0xffffffff00000000ull,
		0xffffffff80000000ull,
		2,
	};
	bool is64 = chance(g, 50);
	uint8_t cls = is64 ? USERBPF_ALU64 : USERBPF_ALU;
	uint8_t op = chance(g, 50) ? USERBPF_DIV : USERBPF_MOD;
	int16_t off = chance(g, 65) ? 1 : 0;
	unsigned dst = pick_dst(g), src;
	uint64_t divisor;

	do
		src = pick_dst(g);
	while (src == dst);
	if (chance(g, 40)) /* INT_MIN dividend: the sdiv overflow case */
		emit_const(g, dst,
			   is64 ? 0x8000000000000000ull :
				  (chance(g, 50) ? 0x80000000ull : 0xdead000080000000ull));
	divisor = divisors[rnd(g, N(divisors))];
	emit_const(g, src, divisor);
	emit(g, USERBPF_RAW_INSN(cls | op | USERBPF_X, dst, src, off, 0));
}

static void gen_unary(struct gen *g)
{
	static const int32_t widths[] = { 16, 32, 64 };
	unsigned dst = pick_dst(g), src;
	int32_t width = widths[rnd(g, N(widths))];
	uint8_t cls, order;
	int16_t off;

	switch (rnd(g, 4)) {
	case 0: /* neg */
		cls = chance(g, 50) ? USERBPF_ALU64 : USERBPF_ALU;
		emit(g, USERBPF_RAW_INSN(cls | USERBPF_NEG | USERBPF_K, dst, 0, 0, 0));
		break;
	case 1: /* movsx: 8, 16 (or 32 for ALU64) bits */
		cls = chance(g, 50) ? USERBPF_ALU64 : USERBPF_ALU;
		src = pick_reg(g);
		off = (int16_t)(8 << rnd(g, cls == USERBPF_ALU64 ? 3 : 2));
		emit(g, USERBPF_RAW_INSN(cls | USERBPF_MOV | USERBPF_X, dst, src, off, 0));
		break;
	case 2: /* le/be */
		order = chance(g, 50) ? USERBPF_TO_BE : USERBPF_TO_LE;
		emit(g, USERBPF_RAW_INSN(USERBPF_ALU | USERBPF_END | order, dst, 0, 0, width));
		break;
	default: /* bswap */
		emit(g, USERBPF_RAW_INSN(USERBPF_ALU64 | USERBPF_END | USERBPF_TO_LE, dst, 0, 0,
					 width));
		break;
	}
}

/*
 * One load or store of a random size through base, which points base_off
 * bytes into the packet, at a packet offset in [0, data_len).
 */
static void gen_pkt_access(struct gen *g, unsigned base, int base_off, bool load)
{
	unsigned size = pick_size(g), bytes = 1u << size;
	int off = (int)rnd(g, g->prog->data_len - bytes + 1) - base_off;
	unsigned reg;
	int32_t imm;

	if (load) {
		uint8_t mode = bytes < 8 && chance(g, 35) ? USERBPF_MEMSX : USERBPF_MEM;

		reg = pick_dst(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_LDX | mode | size_codes[size], reg, base,
					 (int16_t)off, 0));
	} else if (chance(g, 35)) {
		imm = rand_imm(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_ST | USERBPF_MEM | size_codes[size], base, 0,
					 (int16_t)off, imm));
	} else {
		reg = pick_reg(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_STX | USERBPF_MEM | size_codes[size], base, reg,
					 (int16_t)off, 0));
	}
}

/* r8 = r9 + k, then accesses at offsets relative to r8 (often negative). */
static void gen_pkt_ptr(struct gen *g)
{
	int k = (int)rnd(g, g->prog->data_len + 1);
	unsigned i, n = 1 + rnd(g, 3);

	emit(g, USERBPF_MOV64_REG(R_SCRATCH, R_DATA));
	emit(g, USERBPF_ALU64_IMM(USERBPF_ADD, R_SCRATCH, k));
	for (i = 0; i < n; i++)
		gen_pkt_access(g, R_SCRATCH, k, chance(g, 50));
}

/* Base register for a stack access: r10, or its copy in r8. */
static unsigned stack_base(struct gen *g)
{
	if (chance(g, 80))
		return R_FP;
	emit(g, USERBPF_MOV64_REG(R_SCRATCH, R_FP));
	return R_SCRATCH;
}

static void gen_stack_load(struct gen *g)
{
	unsigned size = pick_size(g), bytes = 1u << size;
	uint8_t mode = bytes < 8 && chance(g, 40) ? USERBPF_MEMSX : USERBPF_MEM;
	unsigned base = stack_base(g);
	unsigned dst = pick_dst(g);
	int16_t off = stack_off(g, bytes);

	emit(g, USERBPF_RAW_INSN(USERBPF_LDX | mode | size_codes[size], dst, base, off, 0));
}

static void gen_stack_store(struct gen *g)
{
	unsigned size = pick_size(g), bytes = 1u << size;
	unsigned base = stack_base(g);
	int16_t off = stack_off(g, bytes);
	unsigned src;
	int32_t imm;

	if (chance(g, 35)) {
		imm = rand_imm(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_ST | USERBPF_MEM | size_codes[size], base, 0, off,
					 imm));
	} else {
		src = pick_reg(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_STX | USERBPF_MEM | size_codes[size], base, src,
					 off, 0));
	}
}

static void gen_atomic(struct gen *g)
{
	static const int32_t ops[] = {
		USERBPF_ADD,
		USERBPF_OR,
		USERBPF_AND,
		USERBPF_XOR,
		USERBPF_ADD | USERBPF_FETCH,
		USERBPF_OR | USERBPF_FETCH,
		USERBPF_AND | USERBPF_FETCH,
		USERBPF_XOR | USERBPF_FETCH,
		USERBPF_XCHG,
		USERBPF_CMPXCHG,
	};
	bool dw = chance(g, 50);
	unsigned bytes = dw ? 8 : 4;
	int32_t op = ops[rnd(g, N(ops))];
	int16_t off = stack_off(g, bytes);
	unsigned base, src;

	if (op == USERBPF_CMPXCHG && (g->reserved & 1))
		op = USERBPF_XCHG; /* cmpxchg writes r0, a live loop counter */
	/*
	 * Linux 6.18 bug (CVE-2026-43009, fixed upstream by 179ee84a8911
	 * "bpf: Fix incorrect pruning due to atomic fetch precision
	 * tracking"): precision backtracking treats a fetching atomic like a
	 * plain store, so a stack slot holding a spilled constant is not made
	 * precise when the fetched value decides a branch, and pruning then
	 * merges paths with different slot contents; the kernel ends up
	 * running code the verifier thought dead.  A no-op "lock |= 0" on the
	 * slot first makes the verifier forget the spilled constant, so the
	 * fetch always yields an unknown scalar.
	 */
	if (op & USERBPF_FETCH) {
		emit(g, USERBPF_MOV64_IMM(R_SCRATCH, 0));
		emit(g, USERBPF_ATOMIC_OP(dw ? USERBPF_DW : USERBPF_W, USERBPF_OR, R_FP, R_SCRATCH,
					  off));
	}
	if (op == USERBPF_CMPXCHG) {
		src = pick_reg(g);
		/* Half the time expect the current value: the swap happens. */
		if (chance(g, 50))
			emit(g, USERBPF_LDX_MEM(dw ? USERBPF_DW : USERBPF_W, 0, R_FP, off));
	} else if (op & USERBPF_FETCH) {
		src = pick_dst(g); /* fetch and xchg write src */
	} else {
		src = pick_reg(g);
	}
	base = stack_base(g);
	emit(g, USERBPF_ATOMIC_OP(dw ? USERBPF_DW : USERBPF_W, op, base, src, off));
	/*
	 * Linux 6.18 bug: x86's lock cmpxchg leaves the upper half of rax
	 * alone when the values match, so the verifier must insert a
	 * zero-extension of r0 after a 32-bit cmpxchg; it does so only when
	 * a 64-bit read of r0 lies on a path it explored, not on one it
	 * pruned.  A 64-bit read right here always gets the zext inserted.
	 */
	if (op == USERBPF_CMPXCHG && !dw) {
		unsigned dst = pick_dst(g);

		emit(g, USERBPF_MOV64_REG(dst, 0));
	}
}

/*
 * Variable-offset stack access: rX &= mask (a multiple of 8), r8 = r10 + rX,
 * then an aligned access at r8 - (mask + 8) + sub, inside the slots.
 */
static void gen_stack_var(struct gen *g)
{
	int32_t mask = chance(g, 50) ? 0x38 : 0x18;
	unsigned x = pick_dst(g), size = pick_size(g), bytes = 1u << size;
	int16_t off = (int16_t)(-(mask + 8) + (int)(bytes * rnd(g, 8 / bytes)));
	uint8_t cls = chance(g, 50) ? USERBPF_ALU64 : USERBPF_ALU, mode;
	unsigned reg;
	int32_t imm;

	emit(g, USERBPF_RAW_INSN(cls | USERBPF_AND | USERBPF_K, x, 0, 0, mask));
	emit(g, USERBPF_MOV64_REG(R_SCRATCH, R_FP));
	emit(g, USERBPF_ALU64_REG(USERBPF_ADD, R_SCRATCH, x));
	if (chance(g, 50)) {
		mode = bytes < 8 && chance(g, 40) ? USERBPF_MEMSX : USERBPF_MEM;
		reg = pick_dst(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_LDX | mode | size_codes[size], reg, R_SCRATCH, off,
					 0));
	} else if (chance(g, 30)) {
		imm = rand_imm(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_ST | USERBPF_MEM | size_codes[size], R_SCRATCH, 0,
					 off, imm));
	} else {
		reg = pick_reg(g);
		emit(g, USERBPF_RAW_INSN(USERBPF_STX | USERBPF_MEM | size_codes[size], R_SCRATCH,
					 reg, off, 0));
	}
}

/* A conditional jump with offset 0 (patched by the caller). */
static struct userbpf_insn rand_cond(struct gen *g)
{
	static const uint8_t conds[] = { USERBPF_JEQ,  USERBPF_JNE,  USERBPF_JGT,  USERBPF_JGE,
					 USERBPF_JLT,  USERBPF_JLE,  USERBPF_JSGT, USERBPF_JSGE,
					 USERBPF_JSLT, USERBPF_JSLE, USERBPF_JSET };
	uint8_t cls = chance(g, 40) ? USERBPF_JMP32 : USERBPF_JMP;
	uint8_t op = conds[rnd(g, N(conds))];
	unsigned dst = pick_reg(g), src;
	int32_t imm;

	if (chance(g, 45)) {
		src = pick_reg(g);
		return USERBPF_RAW_INSN(cls | op | USERBPF_X, dst, src, 0, 0);
	}
	if (chance(g, 50))
		imm = (int32_t)rnd(g, 17) - 8;
	else
		imm = rand_imm(g);
	return USERBPF_RAW_INSN(cls | op | USERBPF_K, dst, 0, 0, imm);
}

static void gen_if(struct gen *g)
{
	size_t at = here(g);

	emit(g, rand_cond(g));
	gen_block(g, 1 + rnd(g, 4));
	g->prog->insns[at].off = (int16_t)jump_delta(at, here(g));
}

static void gen_ifelse(struct gen *g)
{
	size_t at = here(g), skip;
	bool gotol = chance(g, 40);

	emit(g, rand_cond(g));
	gen_block(g, 1 + rnd(g, 3));
	skip = here(g);
	emit(g,
	     gotol ? USERBPF_RAW_INSN(USERBPF_JMP32 | USERBPF_JA, 0, 0, 0, 0) : USERBPF_JMP_A(0));
	g->prog->insns[at].off = (int16_t)jump_delta(at, here(g));
	gen_block(g, 1 + rnd(g, 3));
	if (gotol)
		g->prog->insns[skip].imm = jump_delta(skip, here(g));
	else
		g->prog->insns[skip].off = (int16_t)jump_delta(skip, here(g));
}

/*
 * A loop that runs 1-4 times, counting a register the body may read but
 * not write, closed in one of three ways:
 *   down:  c = n; L: body; c -= 1; if c != 0 goto L
 *   up:    c = 0; L: body; c += 1; if c < n goto L
 *   ja:    c = n; L: body; c -= 1; if c == 0 goto +1; goto/gotol L
 */
static void gen_loop(struct gen *g)
{
	unsigned c = pick_dst(g), style = rnd(g, 3);
	/* Nested loops run at most twice: the verifier walks every iteration. */
	int32_t n = 1 + (int32_t)rnd(g, g->loop_depth ? 2 : 4);
	uint8_t alu = chance(g, 50) ? USERBPF_ALU64 : USERBPF_ALU;
	uint8_t jmp = chance(g, 50) ? USERBPF_JMP : USERBPF_JMP32;
	size_t top;
	uint8_t cond;

	if (chance(g, 50))
		emit(g, USERBPF_MOV64_IMM(c, style == 1 ? 0 : n));
	else
		emit(g, USERBPF_MOV32_IMM(c, style == 1 ? 0 : n));
	top = here(g);
	g->reserved |= 1u << c;
	g->loop_depth++;
	g->loops++;
	gen_block(g, 1 + rnd(g, 4));
	g->loop_depth--;
	g->reserved &= ~(1u << c);
	switch (style) {
	case 0: {
		static const uint8_t ne_zero[] = { USERBPF_JNE, USERBPF_JGT, USERBPF_JSGT };

		emit(g, USERBPF_RAW_INSN(alu | USERBPF_SUB | USERBPF_K, c, 0, 0, 1));
		cond = ne_zero[rnd(g, 3)];
		emit(g, USERBPF_RAW_INSN(jmp | cond | USERBPF_K, c, 0,
					 (int16_t)jump_delta(here(g), top), 0));
		break;
	}
	case 1: {
		static const uint8_t below[] = { USERBPF_JLT, USERBPF_JSLT, USERBPF_JNE };

		emit(g, USERBPF_RAW_INSN(alu | USERBPF_ADD | USERBPF_K, c, 0, 0, 1));
		cond = below[rnd(g, 3)];
		emit(g, USERBPF_RAW_INSN(jmp | cond | USERBPF_K, c, 0,
					 (int16_t)jump_delta(here(g), top), n));
		break;
	}
	default:
		emit(g, USERBPF_RAW_INSN(alu | USERBPF_ADD | USERBPF_K, c, 0, 0, -1));
		emit(g, USERBPF_RAW_INSN(jmp | USERBPF_JEQ | USERBPF_K, c, 0, 1, 0));
		if (chance(g, 50))
			emit(g, USERBPF_RAW_INSN(USERBPF_JMP32 | USERBPF_JA, 0, 0, 0,
						 jump_delta(here(g), top)));
		else
			emit(g, USERBPF_JMP_A((int16_t)jump_delta(here(g), top)));
		break;
	}
}

static void gen_lddw(struct gen *g)
{
	uint64_t value = rand_u64(g);
	unsigned dst = pick_dst(g);

	emit_lddw(g, dst, value);
}

static enum kind pick_kind(struct gen *g)
{
	const uint16_t *w = g->mix->weight;
	unsigned total = 0, i, r;

	for (i = 0; i < K_CNT; i++)
		total += w[i];
	r = rnd(g, total);
	for (i = 0; i < K_CNT; i++) {
		if (r < w[i])
			return (enum kind)i;
		r -= w[i];
	}
	return K_ALU;
}

static void gen_stmt(struct gen *g)
{
	enum kind kind = pick_kind(g);

	if ((kind == K_IF || kind == K_IFELSE) && g->depth >= MAX_DEPTH)
		kind = K_ALU;
	if (kind == K_LOOP &&
	    (g->loop_depth >= MAX_LOOP_DEPTH || g->loops >= MAX_LOOPS || g->depth >= MAX_DEPTH))
		kind = K_ALU;
	switch (kind) {
	case K_ALU:
		gen_alu(g);
		break;
	case K_DIV:
		gen_div(g);
		break;
	case K_UNARY:
		gen_unary(g);
		break;
	case K_LDDW:
		gen_lddw(g);
		break;
	case K_PKT_LD:
		gen_pkt_access(g, R_DATA, 0, true);
		break;
	case K_PKT_ST:
		gen_pkt_access(g, R_DATA, 0, false);
		break;
	case K_PKT_PTR:
		gen_pkt_ptr(g);
		break;
	case K_STK_LD:
		gen_stack_load(g);
		break;
	case K_STK_ST:
		gen_stack_store(g);
		break;
	case K_ATOMIC:
		gen_atomic(g);
		break;
	case K_STK_VAR:
		gen_stack_var(g);
		break;
	case K_IF:
		gen_if(g);
		break;
	case K_IFELSE:
		gen_ifelse(g);
		break;
	case K_LOOP:
		gen_loop(g);
		break;
	case K_CNT:
		break;
	}
}

static void gen_block(struct gen *g, unsigned stmts)
{
	unsigned i;

	g->depth++;
	for (i = 0; i < stmts && here(g) < g->limit; i++)
		gen_stmt(g);
	g->depth--;
}

/* ==== Packets ==== */

static void gen_packet(struct gen *g)
{
	struct oracle_prog *p = g->prog;
	uint32_t i, j;

	for (i = 0; i < p->pkt_len; i += 8) {
		unsigned style = rnd(g, 6);

		for (j = i; j < i + 8 && j < p->pkt_len; j++) {
			switch (style) {
			case 0:
				p->pkt[j] = 0;
				break;
			case 1:
				p->pkt[j] = 0xff;
				break;
			case 2:
				p->pkt[j] = (uint8_t)(rnd(g, 2) ? 0x80 : 0x7f);
				break;
			case 3:
				p->pkt[j] = (uint8_t)rnd(g, 4);
				break;
			default:
				p->pkt[j] = (uint8_t)next64(g);
				break;
			}
		}
	}
}

/* ==== Socket filters: LD_ABS and LD_IND ==== */

#define R_CTX 6
#define SKF_LL_OFF (-0x200000) /* the kernel's magic negative offsets */

static const uint8_t ld_sizes[] = { USERBPF_B, USERBPF_H, USERBPF_W };

/*
 * An LD_ABS offset: mostly inside the visible packet, sometimes just past
 * either end or far away (those end the program with r0 = 0).  Never in
 * [SKF_LL_OFF, 0): the kernel reads link-layer and network headers there,
 * a classic-BPF extension userbpf does not emulate.
 */
static int32_t ld_abs_off(struct gen *g, unsigned bytes)
{
	uint32_t visible = g->prog->data_len;
	int32_t off;

	switch (rnd(g, 100)) {
	case 0:
		return (int32_t)(visible - bytes + 1 + rnd(g, 8)); /* past the end */
	case 1:
		return -1 - (int32_t)rnd(g, 8); /* before the start */
	case 2:
		off = (int32_t)(uint32_t)next64(g);
		return off < 0 && off >= SKF_LL_OFF ? INT32_MIN + (off & 0xffff) : off;
	default:
		return (int32_t)rnd(g, visible - bytes + 1);
	}
}

/*
 * LD_IND through r7-r9: the index is masked first so that it stays
 * non-negative (clear of the magic offsets) yet sometimes runs past the end.
 */
static void gen_ld_ind(struct gen *g)
{
	uint32_t visible = g->prog->data_len;
	unsigned size = rnd(g, 3), bytes = 1u << size;
	unsigned src = 7 + rnd(g, 3);
	int32_t mask = 1, imm;
	uint8_t cls;

	while ((uint32_t)(mask * 2 + 1) <= visible / 2)
		mask = mask * 2 + 1;
	if (chance(g, 3)) /* index far past the end */
		mask = chance(g, 50) ? 0xffff : 0x7fffffff;
	/* index + imm + bytes within visible, now and then past either end */
	if ((uint32_t)mask + bytes <= visible)
		imm = (int32_t)rnd(g, visible - (uint32_t)mask - bytes + 1);
	else
		imm = (int32_t)rnd(g, 8);
	if (chance(g, 4))
		imm += chance(g, 50) ? 1 + (int32_t)rnd(g, 4) : -1 - (int32_t)rnd(g, 4);
	cls = chance(g, 50) ? USERBPF_ALU64 : USERBPF_ALU;
	emit(g, USERBPF_RAW_INSN(cls | USERBPF_AND | USERBPF_K, src, 0, 0, mask));
	emit(g, USERBPF_RAW_INSN(USERBPF_LD | USERBPF_IND | ld_sizes[size], 0, src, 0, imm));
}

/* Fold r0 into r7-r9, or change r0 itself (r1-r5 are dead after LD_ABS). */
static void gen_ld_fold(struct gen *g)
{
	static const uint8_t ops[] = { USERBPF_ADD, USERBPF_SUB, USERBPF_XOR,
				       USERBPF_MUL, USERBPF_OR,	 USERBPF_MOV };
	uint8_t cls = chance(g, 50) ? USERBPF_ALU64 : USERBPF_ALU, op;
	unsigned dst;
	int32_t imm;

	if (chance(g, 70)) {
		op = ops[rnd(g, N(ops))];
		dst = 7 + rnd(g, 3);
		emit(g, USERBPF_RAW_INSN(cls | op | USERBPF_X, dst, 0, 0, 0));
		return;
	}
	switch (rnd(g, 3)) {
	case 0:
		imm = (int32_t)rnd(g, cls == USERBPF_ALU64 ? 64 : 32);
		emit(g, USERBPF_RAW_INSN(cls | USERBPF_LSH | USERBPF_K, 0, 0, 0, imm));
		break;
	case 1:
		imm = rand_imm(g);
		emit(g, USERBPF_RAW_INSN(cls | USERBPF_XOR | USERBPF_K, 0, 0, 0, imm));
		break;
	default:
		imm = chance(g, 50) ? 32 : 64;
		emit(g,
		     USERBPF_RAW_INSN(USERBPF_ALU64 | USERBPF_END | USERBPF_TO_LE, 0, 0, 0, imm));
		break;
	}
}

static void gen_ld_stmt(struct gen *g, int depth)
{
	unsigned size = rnd(g, 3);
	size_t at;

	switch (rnd(g, 10)) {
	case 0:
	case 1:
	case 2:
		emit(g, USERBPF_RAW_INSN(USERBPF_LD | USERBPF_ABS | ld_sizes[size], 0, 0, 0,
					 ld_abs_off(g, 1u << size)));
		break;
	case 3:
	case 4:
		gen_ld_ind(g);
		break;
	case 5:
		if (depth < 2) { /* if (r0 cond) skip a statement or two */
			struct userbpf_insn cond = rand_cond(g);
			unsigned i, n = 1 + rnd(g, 2);

			cond.dst_reg = (uint8_t)(chance(g, 50) ? 0 : 7 + rnd(g, 3));
			if ((cond.code & USERBPF_X))
				cond.src_reg = (uint8_t)(7 + rnd(g, 3));
			at = here(g);
			emit(g, cond);
			for (i = 0; i < n; i++)
				gen_ld_stmt(g, depth + 1);
			g->prog->insns[at].off = (int16_t)jump_delta(at, here(g));
			break;
		}
		/* fall through */
	default:
		gen_ld_fold(g);
		break;
	}
}

static void gen_ld_abs_prog(struct gen *g)
{
	struct oracle_prog *p = g->prog;
	unsigned i, n;

	p->socket_filter = 1;
	p->data_len = 16 + rnd(g, ORACLE_MAX_DATA - 16 + 1);
	p->pkt_len = ORACLE_ETH_HLEN + p->data_len;
	gen_packet(g);
	emit(g, USERBPF_MOV64_REG(R_CTX, 1));
	for (i = 7; i <= 9; i++)
		emit_const(g, i, rand_u64(g));
	emit_const(g, 0, rand_u64(g));
	n = g->mix->body_min + rnd(g, (uint32_t)(g->mix->body_max - g->mix->body_min + 1));
	for (i = 0; i < n; i++)
		gen_ld_stmt(g, 0);
	/* r0 = hash of r0 and r7-r9, upper half folded into the lower. */
	emit(g, USERBPF_ALU64_REG(USERBPF_XOR, 0, 7));
	emit(g, USERBPF_ALU64_IMM(USERBPF_MUL, 0, (int32_t)0x9e3779b1));
	emit(g, USERBPF_ALU64_REG(USERBPF_ADD, 0, 8));
	emit(g, USERBPF_MOV64_REG(1, 9));
	emit(g, USERBPF_ALU64_IMM(USERBPF_LSH, 1, 17));
	emit(g, USERBPF_ALU64_REG(USERBPF_XOR, 0, 1));
	emit(g, USERBPF_ALU64_REG(USERBPF_XOR, 0, 9));
	emit(g, USERBPF_MOV64_REG(1, 0));
	emit(g, USERBPF_ALU64_IMM(USERBPF_RSH, 1, 32));
	emit(g, USERBPF_ALU64_REG(USERBPF_XOR, 0, 1));
	emit(g, USERBPF_EXIT_INSN());
}

/* ==== Whole programs ==== */

void oracle_set_prologue(struct oracle_prog *prog, enum oracle_prologue kind)
{
	if (kind == ORACLE_PROLOGUE_XDP_MD) {
		prog->insns[0] = USERBPF_LDX_MEM(USERBPF_W, R_DATA, 1, 0);
		prog->insns[1] = USERBPF_LDX_MEM(USERBPF_W, R_SCRATCH, 1, 4);
	} else {
		prog->insns[0] = USERBPF_MOV64_REG(R_DATA, 1);
		prog->insns[1] = USERBPF_MOV64_REG(R_SCRATCH, 2);
	}
}

void oracle_gen(struct oracle_prog *prog, uint64_t seed, enum oracle_mix mix)
{
	struct gen g = { .rng = seed, .prog = prog, .mix = &mixes[mix] };
	size_t bounds_check;
	unsigned i, k;

	memset(prog, 0, offsetof(struct oracle_prog, pkt));
	memset(prog->pkt, 0, sizeof(prog->pkt));
	if (mix == ORACLE_MIX_LD_ABS) {
		gen_ld_abs_prog(&g);
		return;
	}
	prog->data_len = ORACLE_MIN_DATA + rnd(&g, ORACLE_MAX_DATA - ORACLE_MIN_DATA + 1);
	prog->pkt_len = prog->data_len + ORACLE_REG_DUMP + ORACLE_STACK_DUMP;
	gen_packet(&g);

	/* Prologue: the packet bounds check (slots 0-1 set below). */
	prog->insn_cnt = 2;
	emit(&g, USERBPF_MOV64_REG(7, R_DATA));
	emit(&g, USERBPF_ALU64_IMM(USERBPF_ADD, 7, (int32_t)prog->pkt_len));
	bounds_check = here(&g);
	emit(&g, USERBPF_JMP_REG(USERBPF_JGT, 7, R_SCRATCH, 0));
	oracle_set_prologue(prog, ORACLE_PROLOGUE_XDP_MD);

	/* Init: every register and stack byte the body may read. */
	for (i = 0; i < BODY_REGS; i++)
		emit_const(&g, i, rand_u64(&g));
	for (k = 0; k < ORACLE_STACK_SLOTS; k++) {
		int16_t off = (int16_t)(-8 * (int)(k + 1));

		switch (rnd(&g, 4)) {
		case 0:
			emit(&g, USERBPF_ST_MEM(USERBPF_DW, R_FP, off, rand_imm(&g)));
			break;
		case 1:
			emit(&g, USERBPF_ST_MEM(USERBPF_W, R_FP, off, rand_imm(&g)));
			emit(&g, USERBPF_ST_MEM(USERBPF_W, R_FP, off + 4, rand_imm(&g)));
			break;
		default:
			emit(&g, USERBPF_STX_MEM(USERBPF_DW, R_FP, pick_reg(&g), off));
			break;
		}
	}

	/* Body. */
	g.limit = here(&g) + g.mix->body_min +
		  rnd(&g, (uint32_t)(g.mix->body_max - g.mix->body_min + 1));
	while (here(&g) < g.limit)
		gen_stmt(&g);

	/* Epilogue: registers and stack slots into the packet, r0 back. */
	assert(here(&g) + EPILOGUE_SLOTS <= ORACLE_MAX_INSNS);
	for (i = 0; i < BODY_REGS; i++)
		emit(&g, USERBPF_STX_MEM(USERBPF_DW, R_DATA, i, (int16_t)(prog->data_len + 8 * i)));
	for (k = 0; k < ORACLE_STACK_SLOTS; k++) {
		emit(&g, USERBPF_LDX_MEM(USERBPF_DW, 1, R_FP, (int16_t)(-8 * (int)(k + 1))));
		emit(&g, USERBPF_STX_MEM(USERBPF_DW, R_DATA, 1,
					 (int16_t)(prog->data_len + ORACLE_REG_DUMP + 8 * k)));
	}
	emit(&g, USERBPF_LDX_MEM(USERBPF_DW, 0, R_DATA, (int16_t)prog->data_len));
	emit(&g, USERBPF_EXIT_INSN());
	prog->insns[bounds_check].off = (int16_t)jump_delta(bounds_check, here(&g));
	emit(&g, USERBPF_MOV64_IMM(0, ORACLE_FAIL_RETVAL));
	emit(&g, USERBPF_EXIT_INSN());
}

const char *oracle_mix_name(enum oracle_mix mix)
{
	return mix < ORACLE_MIX_CNT ? mixes[mix].name : "?";
}
