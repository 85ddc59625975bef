/* SPDX-License-Identifier: MIT */
/*
 * x86_64.c - the x86-64 back end of the JIT: emits one whole image per
 * pass (trampoline, shared stubs, then every BPF function with its
 * prologue) into the bounded buffer of a struct jit_ctx.
 *
 * Owns: the register map, instruction encodings, the native frame layout
 * and the native side of helper, local and tail calls.
 * Does not own: passes, memory, fallback (jit.c); semantics (insn.def:
 * every emitter below matches the row's SEMANTICS column and its Notes).
 *
 * ==== Register map and calling convention ====
 *
 * BPF r1-r5 sit in the System V argument registers, so a helper call is a
 * plain C call: r1-r5 are already rdi, rsi, rdx, rcx, r8, and the sixth
 * argument (struct userbpf_run *) goes in r9 from r12, which holds the
 * run for the whole execution.  r0 is rax, the C return register.  BPF's
 * callee-saved r6-r9 map to callee-saved rbx, r13-r15, so helpers
 * preserve them for free.  r10 (read-only frame pointer) is rbp.
 * r9, r10 and r11 are scratch inside one instruction's code.
 *
 * Every BPF function (slot 0, every local-call target, every lddw func()
 * target) is a native function whose frame holds only what it needs
 * (struct frame): with the stack (r10 named, or any call)
 *
 *	[rbp + 8]    return address
 *	[rbp]        caller's rbp (its r10)
 *	[rbp - 512]  BPF stack, 512 bytes, r10 = rbp
 *	[rbp - 520]  r1 at the last helper call (ctx of a tail call)
 *	below        the saved rbx/r13/r14/r15 of the r6-r9 it names
 *	             (rsp 16-byte aligned when it calls)
 *
 * and without it just those pushes; "r0 = 0; exit" is "xor eax, eax; ret".
 *
 * ==== Beyond one-to-one (each tested in tests/jit/test_jit_opt.c) ====
 *
 * With the verifier's facts (struct jit_ctx.facts, VM_FACT_*): division
 * and modulo by a register without the 0 and -1 fix-ups the facts rule
 * out; "w = w", LE32 and "r <<= 32; r >>= 32" (s>>= 32) without code when
 * the upper half is already zero; conditional jumps the verifier decided
 * become a jmp or nothing.  Always: shifts by a register other than r4
 * use BMI2 shlx/shrx/sarx when cpuid has them (no rcx shuffle, no
 * zero-extension after a 32-bit one); "mov dst, src; add dst, imm" is one
 * lea; a compare of dst with 0 (==, !=) right after an add/sub/and/or/xor
 * of dst in the same width uses that instruction's ZF.  Pairs never span
 * a jump target (struct jit_ctx.target).
 *
 * Native code is entered only through the trampoline at offset 0
 * (jit_image.tramp).  The full one saves the C callee-saved registers,
 * loads r1-r5 and r12, and records its stack pointer in run->jit_sp so
 * that an error anywhere (any call depth) unwinds in one step: the error
 * exit reloads rsp from run->jit_sp and returns run->err.  An image of one
 * function that calls nothing and uses neither r12 nor a stub (nothing in
 * it can fail) gets the lean one: it loads the r1-r5 the program names,
 * calls slot 0 and stores r0 (jit_image.lean).
 */
#include "util/ubc.h"
#include <stddef.h>

#include "jit_int.h"

#if defined(__x86_64__)

enum x86_reg {
	RAX = 0,
	RCX,
	RDX,
	RBX,
	RSP,
	RBP,
	RSI,
	RDI,
	R8,
	R9,
	R10,
	R11,
	R12,
	R13,
	R14,
	R15,
};

/* BPF register -> x86-64 register. */
static const uint8_t reg_map[11] = {
	[0] = RAX,  /* return value; helper return */
	[1] = RDI,  /* argument 1 (ctx at entry) */
	[2] = RSI,  /* argument 2 */
	[3] = RDX,  /* argument 3 */
	[4] = RCX,  /* argument 4 */
	[5] = R8,   /* argument 5 */
	[6] = RBX,  /* callee-saved */
	[7] = R13,  /* callee-saved */
	[8] = R14,  /* callee-saved */
	[9] = R15,  /* callee-saved */
	[10] = RBP, /* frame pointer: top of this function's 512 bytes */
};
#define AUX R9	   /* scratch; 6th C argument at helper calls */
#define TMP R10	   /* scratch */
#define TMP2 R11   /* scratch; call target */
#define RUNREG R12 /* struct userbpf_run * for the whole execution */

#define FRAME_STACK 528 /* BPF stack + r1 slot + padding */
#define R1_SLOT (-520)	/* rbp-relative */
#define TRAMP_FRAME 64	/* rbp - rsp in the trampoline body */

#define RUN_OFF(field) ((int32_t)offsetof(struct userbpf_run, field))

/* x86 condition codes */
enum cc {
	CC_B = 2,
	CC_AE = 3,
	CC_E = 4,
	CC_NE = 5,
	CC_BE = 6,
	CC_A = 7,
	CC_S = 8,
	CC_L = 0xc,
	CC_GE = 0xd,
	CC_LE = 0xe,
	CC_G = 0xf
};

struct frame;
#define JIT_MAX_KONST 6

/* Offsets of the shared stubs in this pass (they precede all bodies). */
struct stubs {
	uint32_t normal_exit, error_exit, abort, eloop, callx, nodata, pktoob;
	uint32_t tail;		/* the current function's tail-call stub */
	const struct frame *fn; /* the current function's frame */
};

/* ==== Byte emission (bounded) ==== */

/* Inlined everywhere: n is a constant at almost every call (one store). */
static inline __attribute__((always_inline)) void emit(struct jit_ctx *c, const void *bytes,
						       size_t n)
{
	if (c->buf) {
		if (__builtin_expect(n > c->cap || c->len > c->cap - n, 0)) {
			c->overflow = true;
			c->len += n;
			return;
		}
		__builtin_memcpy(c->buf + c->len, bytes, n);
	}
	c->len += n;
}

static void emit1(struct jit_ctx *c, uint8_t b)
{
	emit(c, &b, 1);
}

static void emit4(struct jit_ctx *c, uint32_t v)
{
	emit(c, &v, 4); /* little-endian host */
}

static void emit8(struct jit_ctx *c, uint64_t v)
{
	emit(c, &v, 8);
}

#define EMIT(...)                                                                                  \
	do {                                                                                       \
		const uint8_t b_[] = { __VA_ARGS__ };                                              \
		emit(c, b_, sizeof(b_));                                                           \
	} while (0)

static bool is_imm8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static bool is_simm32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/*
 * Prefixes + REX + opcode.  w: REX.W; reg/rm: registers whose high bit
 * goes to REX.R / REX.B; byte_regs: force a REX when an 8-bit operand is
 * spl/bpl/sil/dil (else the encoding means ah/ch/dh/bh).
 */
static void emit_op(struct jit_ctx *c, uint8_t pfx, bool w, int reg, int rm, bool byte_regs,
		    const uint8_t *op, size_t op_len)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((rm >> 3) & 1));

	if (pfx)
		emit1(c, pfx);
	if (rex != 0x40 || (byte_regs && ((reg >= 4 && reg <= 7) || (rm >= 4 && rm <= 7))))
		emit1(c, rex);
	emit(c, op, op_len);
}

/* ModRM for register-direct operands. */
static void emit_modrm_rr(struct jit_ctx *c, int reg, int rm)
{
	emit1(c, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* ModRM (+SIB, +disp) for [base + disp]. */
static void emit_modrm_mem(struct jit_ctx *c, int reg, int base, int32_t disp)
{
	int mod = (disp == 0 && (base & 7) != RBP) ? 0 : is_imm8(disp) ? 1 : 2;

	emit1(c, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == RSP)
		emit1(c, 0x24); /* SIB: base only */
	if (mod == 1)
		emit1(c, (uint8_t)disp);
	else if (mod == 2)
		emit4(c, (uint32_t)disp);
}

/* op reg, rm  (register form, one-byte opcode) */
static void emit_rr(struct jit_ctx *c, bool w, uint8_t opc, int reg, int rm)
{
	emit_op(c, 0, w, reg, rm, false, &opc, 1);
	emit_modrm_rr(c, reg, rm);
}

/* op [base + disp] with reg field (one- or two-byte opcode) */
static void emit_mem(struct jit_ctx *c, uint8_t pfx, bool w, bool byte_regs, const uint8_t *op,
		     size_t op_len, int reg, int base, int32_t disp)
{
	emit_op(c, pfx, w, reg, base, byte_regs, op, op_len);
	emit_modrm_mem(c, reg, base, disp);
}

/* ==== Instruction helpers (assembly in the trailing comments) ==== */

/* lea dst, [base + index] (64-bit; index is never rsp) */
static void emit_lea_index(struct jit_ctx *c, int dst, int base, int index)
{
	bool disp8 = (base & 7) == RBP; /* rbp/r13 as base need a displacement */

	emit1(c, (uint8_t)(0x48 | ((dst >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 |
			   ((base >> 3) & 1)));
	emit1(c, 0x8d);
	emit1(c, (uint8_t)((disp8 ? 0x40 : 0) | (dst & 7) << 3 | 4)); /* ModRM: SIB follows */
	emit1(c, (uint8_t)((index & 7) << 3 | (base & 7)));	      /* SIB: scale 1 */
	if (disp8)
		emit1(c, 0);
}

static void emit_mov_rr(struct jit_ctx *c, bool w, int dst, int src)
{
	emit_rr(c, w, 0x89, src, dst); /* mov dst, src */
}

/* dst = 64-bit constant, shortest encoding. */
static void emit_mov_imm64(struct jit_ctx *c, int dst, uint64_t v)
{
	if (v == 0) {
		emit_rr(c, false, 0x31, dst, dst); /* xor dst32, dst32 */
	} else if (v <= UINT32_MAX) {
		if (dst >= 8)
			emit1(c, 0x41);
		emit1(c, (uint8_t)(0xb8 + (dst & 7))); /* mov dst32, imm32 */
		emit4(c, (uint32_t)v);
	} else if (is_simm32((int64_t)v)) {
		emit_op(c, 0, true, 0, dst, false, (const uint8_t[]){ 0xc7 }, 1);
		emit_modrm_rr(c, 0, dst); /* mov dst, simm32 */
		emit4(c, (uint32_t)v);
	} else {
		emit1(c, (uint8_t)(0x48 | (dst >> 3)));
		emit1(c, (uint8_t)(0xb8 + (dst & 7))); /* movabs dst, imm64 */
		emit8(c, v);
	}
}

/* ALU group 1 with an immediate: digit 0 add, 1 or, 4 and, 5 sub, 6 xor, 7 cmp. */
static void emit_alu_imm(struct jit_ctx *c, bool w, int digit, int dst, int32_t imm)
{
	if (is_imm8(imm)) {
		emit_op(c, 0, w, 0, dst, false, (const uint8_t[]){ 0x83 }, 1);
		emit_modrm_rr(c, digit, dst); /* op dst, simm8 */
		emit1(c, (uint8_t)imm);
	} else {
		emit_op(c, 0, w, 0, dst, false, (const uint8_t[]){ 0x81 }, 1);
		emit_modrm_rr(c, digit, dst); /* op dst, imm32 */
		emit4(c, (uint32_t)imm);
	}
}

/* Shift group 2: digit 4 shl, 5 shr, 7 sar. */
static void emit_shift_imm(struct jit_ctx *c, bool w, int digit, int dst, uint8_t n)
{
	emit_op(c, 0, w, 0, dst, false, (const uint8_t[]){ 0xc1 }, 1);
	emit_modrm_rr(c, digit, dst); /* shl/shr/sar dst, n */
	emit1(c, n);
}

static void emit_shift_cl(struct jit_ctx *c, bool w, int digit, int dst)
{
	emit_op(c, 0, w, 0, dst, false, (const uint8_t[]){ 0xd3 }, 1);
	emit_modrm_rr(c, digit, dst); /* shl/shr/sar dst, cl */
}

/* Unary group 3: digit 3 neg, 6 div, 7 idiv. */
static void emit_grp3(struct jit_ctx *c, bool w, int digit, int rm)
{
	emit_op(c, 0, w, 0, rm, false, (const uint8_t[]){ 0xf7 }, 1);
	emit_modrm_rr(c, digit, rm); /* neg/div/idiv rm */
}

static void emit_movzx16(struct jit_ctx *c, int dst, int src)
{
	emit_op(c, 0, false, dst, src, false, (const uint8_t[]){ 0x0f, 0xb7 }, 2);
	emit_modrm_rr(c, dst, src); /* movzx dst32, src16 */
}

static void emit_call_abs(struct jit_ctx *c, const void *fn)
{
	emit_mov_imm64(c, TMP2, (uint64_t)(uintptr_t)fn); /* movabs r11, fn */
	EMIT(0x41, 0xff, 0xd3);				  /* call r11 */
}

/* mov qword [r12 + off], simm32 */
static void emit_run_store_imm(struct jit_ctx *c, int32_t off, int32_t v, bool w)
{
	emit_mem(c, 0, w, false, (const uint8_t[]){ 0xc7 }, 1, 0, RUNREG, off);
	emit4(c, (uint32_t)v); /* mov [r12+off], imm32 */
}

/* cmp [r12 + off], 0 */
static void emit_run_test_zero(struct jit_ctx *c, int32_t off, bool w)
{
	emit_mem(c, 0, w, false, (const uint8_t[]){ 0x83 }, 1, 7, RUNREG, off);
	emit1(c, 0); /* cmp [r12+off], 0 */
}

/* Jump (cc < 0: jmp) to an absolute image offset; short when allowed and it fits. */
static void emit_jump(struct jit_ctx *c, int cc, int64_t target, bool allow_short)
{
	int64_t rel = target - (int64_t)(c->len + 2);

	if (allow_short && is_imm8(rel)) {
		emit1(c, (uint8_t)(cc < 0 ? 0xeb : 0x70 + cc)); /* jcc/jmp rel8 */
		emit1(c, (uint8_t)rel);
		return;
	}
	if (cc < 0) {
		rel = target - (int64_t)(c->len + 5);
		emit1(c, 0xe9); /* jmp rel32 */
	} else {
		rel = target - (int64_t)(c->len + 6);
		EMIT(0x0f, (uint8_t)(0x80 + cc)); /* jcc rel32 */
	}
	emit4(c, (uint32_t)(int32_t)rel);
}

/*
 * A forward displacement computed from an estimate (struct jit_fixup):
 * patched with the final address once the writing pass is done.
 */
static void note_fixup(struct jit_ctx *c, size_t target, unsigned size, bool call)
{
	struct jit_fixup *f;

	if (!c->buf || !c->fixups)
		return;
	f = &c->fixups[c->fixup_cnt++];
	f->at = (uint32_t)(c->len - size);
	f->size = (uint8_t)size;
	f->call = call;
	f->target = (uint32_t)target;
}

/* Forward short jump over `skip` bytes (local labels inside one insn). */
static void emit_jump_over(struct jit_ctx *c, int cc, size_t skip)
{
	emit1(c, (uint8_t)(cc < 0 ? 0xeb : 0x70 + cc)); /* jcc/jmp +skip */
	emit1(c, (uint8_t)skip);
}

/* ==== Sub-blocks: measure a piece of code before jumping over it ==== */

struct block {
	struct jit_ctx c;
	uint8_t bytes[96];
};

static struct jit_ctx *block_init(struct block *b)
{
	memset(&b->c, 0, sizeof(b->c));
	b->c.buf = b->bytes;
	b->c.cap = sizeof(b->bytes);
	return &b->c;
}

static void emit_block(struct jit_ctx *c, const struct block *b)
{
	if (b->c.overflow)
		c->overflow = true;
	emit(c, b->bytes, b->c.len);
}

/* ==== Prologue, epilogue, trampoline and stubs ==== */

/*
 * The native frame of one BPF function, from its own instructions (a
 * function runs from its entry to the next entry):
 *  - the registers of BPF r6-r9 it names are pushed (BPF's callee-saved
 *    registers survive a local call; helpers preserve them as C code);
 *    none in slot 0 when only the full trampoline enters it, which saved
 *    them all already;
 *  - an rbp frame with the 512-byte BPF stack only when the function
 *    names r10 or calls anything (a call needs rsp 16-byte aligned, a
 *    helper call the r1 slot below the stack);
 *  - a helper call (not a direct lookup) needs a tail-call stub: placed
 *    just before the prologue, so every call site jumps back to it.
 * The full trampoline saves every C callee-saved register, so an error
 * at any depth unwinds to it in one step without the frames' epilogues.
 */
struct frame {
	uint8_t saves; /* bit i: the register of BPF r(6 + i) is saved */
	bool stack;    /* rbp frame: push rbp; mov rbp, rsp; sub rsp, sub */
	bool helper;   /* calls a helper: tail-call stub before the prologue */
	uint32_t sub;  /* bytes below rbp: BPF stack (+ r1 slot, alignment) */
	/*
	 * Loop-invariant 64-bit constants: lddw values needing a movabs
	 * inside a loop of this function, loaded once by the prologue into
	 * registers the function never names (caller-saved ones only when it
	 * calls nothing; callee-saved ones are saved).  The lddw becomes a
	 * register move, or with a following "dst += src" one lea.
	 */
	uint8_t konst_cnt;
	uint8_t konst_reg[JIT_MAX_KONST];
	uint64_t konst_val[JIT_MAX_KONST];
};

/*
 * The constants of struct frame: each candidate lddw (needs a movabs) of
 * [entry, end) that a backward jump of the function spans, one register
 * per distinct value while registers last.  tramp_saved: the trampoline
 * saved every callee-saved register already (slot 0 of a full image).
 */
static void plan_konst(const struct jit_ctx *c, struct frame *fr, size_t entry, size_t end,
		       const size_t *cand, size_t cand_cnt, uint16_t named, bool calls,
		       bool tramp_saved)
{
	static const uint8_t free_order[9] = { 5, 4, 3, 2, 1, 9, 8, 7, 6 }; /* BPF registers */
	const struct userbpf_prog *prog = c->prog;
	size_t k, pc, next = 0;

	for (k = 0; k < cand_cnt; k++) {
		const struct vm_insn *in = &prog->code[cand[k]];
		bool in_loop = false;
		unsigned j;

		for (j = 0; j < fr->konst_cnt; j++)
			if (fr->konst_val[j] == (uint64_t)in->imm)
				break;
		if (j < fr->konst_cnt)
			continue; /* already held */
		for (pc = cand[k]; pc < end && !in_loop; pc++) {
			const struct vm_insn *jin = &prog->code[pc];

			if (jin->op != ISA_INVALID && (isa_table[jin->op].flags & F_JMP) &&
			    (int64_t)pc + 1 + jin->off <= (int64_t)cand[k] &&
			    (int64_t)pc + 1 + jin->off >= (int64_t)entry)
				in_loop = true;
		}
		if (!in_loop)
			continue;
		while (next < sizeof(free_order) &&
		       ((named >> free_order[next] & 1) || (calls && free_order[next] <= 5)))
			next++;
		if (next == sizeof(free_order) || fr->konst_cnt == JIT_MAX_KONST)
			return;
		fr->konst_reg[fr->konst_cnt] = reg_map[free_order[next]];
		fr->konst_val[fr->konst_cnt++] = (uint64_t)in->imm;
		if (free_order[next] >= 6 && !tramp_saved)
			fr->saves |= (uint8_t)(1u << (free_order[next] - 6));
		next++;
	}
}

/* Whether insn pc calls slot 0 or takes its address (a callback). */
static bool enters_slot0(const struct userbpf_prog *prog, size_t pc)
{
	const struct vm_insn *in = &prog->code[pc];

	return (in->op == ISA_CALL_LOCAL && (int64_t)pc + 1 + in->off == 0) ||
	       (in->op == ISA_LDDW_FUNC && (uintptr_t)in->imm == (uintptr_t)prog->code);
}

static void frame_of(const struct jit_ctx *c, size_t entry, struct frame *fr)
{
	const struct userbpf_prog *prog = c->prog;
	bool calls = false, entered_by_call = false;
	unsigned pushes = 0, i;
	size_t pc, end, kcand[16], kcand_cnt = 0;
	uint16_t named = 0;

	memset(fr, 0, sizeof(*fr));
	for (pc = entry; pc < prog->insn_cnt && (pc == entry || !c->is_entry[pc]); pc++) {
		const struct vm_insn *in = &prog->code[pc];
		uint8_t fields;

		if (in->op == ISA_INVALID)
			continue;
		fields = isa_table[in->op].fields;
		if ((fields & U_DST) && in->dst <= 10)
			named |= (uint16_t)(1u << in->dst);
		if ((fields & U_SRC) && in->src <= 10)
			named |= (uint16_t)(1u << in->src);
		if ((isa_table[in->op].flags & F_LDDW) && !is_simm32(in->imm) &&
		    (uint64_t)in->imm > UINT32_MAX && kcand_cnt < sizeof(kcand) / sizeof(kcand[0]))
			kcand[kcand_cnt++] = pc;
		if ((fields & U_DST) && in->dst >= 6 && in->dst <= 9)
			fr->saves |= (uint8_t)(1u << (in->dst - 6));
		if ((fields & U_SRC) && in->src >= 6 && in->src <= 9)
			fr->saves |= (uint8_t)(1u << (in->src - 6));
		if (((fields & U_DST) && in->dst == 10) || ((fields & U_SRC) && in->src == 10))
			fr->stack = true;
		if (in->op == ISA_CALL || in->op == ISA_CALLX || in->op == ISA_CALL_LOCAL)
			calls = true;
		if (in->op == ISA_CALLX ||
		    (in->op == ISA_CALL && !(c->direct && c->direct[pc].kind)))
			fr->helper = true;
		if (enters_slot0(prog, pc))
			entered_by_call = true;
	}
	end = pc;
	if (entry == 0 && !c->lean) {
		/* slot 0: saved by the trampoline unless a call may enter it */
		for (pc = end; pc < prog->insn_cnt; pc++)
			if (enters_slot0(prog, pc))
				entered_by_call = true;
		if (!entered_by_call)
			fr->saves = 0;
	}
	if (kcand_cnt && !c->blind_seed)
		plan_konst(c, fr, entry, end, kcand, kcand_cnt, named, calls,
			   entry == 0 && !c->lean && !entered_by_call);
	if (calls)
		fr->stack = true;
	if (!fr->stack)
		return;
	fr->sub = fr->helper ? 528 : 512; /* BPF stack (+ r1 slot at rbp - 520) */
	for (i = 0; i < 4; i++)
		pushes += fr->saves >> i & 1;
	if (calls && (pushes & 1))
		fr->sub += 8; /* rsp 16-byte aligned at every call */
}

/* Registers of BPF r6-r9 in push order. */
static const uint8_t saved_reg[4] = { RBX, R13, R14, R15 };

static void emit_push(struct jit_ctx *c, int r)
{
	if (r >= 8)
		emit1(c, 0x41);
	emit1(c, (uint8_t)(0x50 + (r & 7))); /* push r */
}

static void emit_pop(struct jit_ctx *c, int r)
{
	if (r >= 8)
		emit1(c, 0x41);
	emit1(c, (uint8_t)(0x58 + (r & 7))); /* pop r */
}

static void emit_prologue(struct jit_ctx *c, const struct frame *fr)
{
	int i;

	if (fr->stack) {
		EMIT(0x55);		/* push rbp */
		EMIT(0x48, 0x89, 0xe5); /* mov rbp, rsp */
		EMIT(0x48, 0x81, 0xec); /* sub rsp, sub */
		emit4(c, fr->sub);
	}
	for (i = 0; i < 4; i++)
		if (fr->saves >> i & 1)
			emit_push(c, saved_reg[i]); /* push rbx/r13/r14/r15 */
	for (i = 0; i < fr->konst_cnt; i++)
		emit_mov_imm64(c, fr->konst_reg[i], fr->konst_val[i]); /* movabs kreg, K */
}

static void emit_epilogue(struct jit_ctx *c, const struct frame *fr)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (fr->saves >> i & 1)
			emit_pop(c, saved_reg[i]); /* pop r15/r14/r13/rbx */
	if (fr->stack)
		EMIT(0xc9); /* leave */
	if (c->lean) {
		/* the lean trampoline's tail: the function runs inside it */
		EMIT(0x5a);		/* pop rdx (ret) */
		EMIT(0x48, 0x89, 0x02); /* mov [rdx], rax */
		EMIT(0x31, 0xc0);	/* xor eax, eax */
	}
	EMIT(0xc3); /* ret */
}

/* Set run->err and run->err_what, then unwind. */
static void emit_fail_stub(struct jit_ctx *c, const struct stubs *s, int err, const char *what)
{
	emit_run_store_imm(c, RUN_OFF(err), err, false);    /* mov dword [r12+err], -E */
	emit_mov_imm64(c, TMP2, (uint64_t)(uintptr_t)what); /* movabs r11, what */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x89 }, 1, TMP2, RUNREG,
		 RUN_OFF(err_what));	       /* mov [r12+err_what], r11 */
	emit_jump(c, -1, s->error_exit, true); /* jmp error_exit */
}

/*
 * int tramp(const uint64_t args[5] (rdi), struct userbpf_run *run (rsi),
 *           uint64_t *ret (rdx), const void *target (rcx))
 */
static void emit_trampoline(struct jit_ctx *c, struct stubs *s)
{
	EMIT(0x55);			   /* push rbp */
	EMIT(0x48, 0x89, 0xe5);		   /* mov rbp, rsp */
	EMIT(0x53);			   /* push rbx */
	EMIT(0x41, 0x54);		   /* push r12 */
	EMIT(0x41, 0x55);		   /* push r13 */
	EMIT(0x41, 0x56);		   /* push r14 */
	EMIT(0x41, 0x57);		   /* push r15 */
	EMIT(0x52);			   /* push rdx (ret), rbp-48 */
	emit_mov_rr(c, true, RUNREG, RSI); /* mov r12, rsi */
	emit_mem(c, 0, false, false, (const uint8_t[]){ 0xff }, 1, 6, RUNREG,
		 RUN_OFF(jit_sp));    /* push [r12+jit_sp], rbp-56 */
	EMIT(0x48, 0x83, 0xec, 0x08); /* sub rsp, 8 */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x89 }, 1, RSP, RUNREG,
		 RUN_OFF(jit_sp));	 /* mov [r12+jit_sp], rsp */
	emit_mov_rr(c, true, TMP2, RCX); /* mov r11, rcx */
	emit_mov_rr(c, true, RAX, RDI);	 /* mov rax, rdi */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RDI, RAX, 0); /* mov rdi, [rax] */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RSI, RAX,
		 8); /* mov rsi, [rax+8] */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RDX, RAX,
		 16); /* mov rdx, [rax+16] */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RCX, RAX,
		 24); /* mov rcx, [rax+24] */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, R8, RAX,
		 32);		/* mov r8, [rax+32] */
	EMIT(0x41, 0xff, 0xd3); /* call r11 */
	/* normal_exit: rax = r0, rbp = the trampoline's frame */
	s->normal_exit = (uint32_t)c->len;
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RDX, RBP,
		 -48); /* mov rdx, [rbp-48] */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x89 }, 1, RAX, RDX, 0); /* mov [rdx], rax */
	EMIT(0x31, 0xc0);							/* xor eax, eax */
	{
		uint32_t common_out = (uint32_t)c->len;

		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, TMP2, RBP,
			 -56); /* mov r11, [rbp-56] */
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x89 }, 1, TMP2, RUNREG,
			 RUN_OFF(jit_sp));    /* mov [r12+jit_sp], r11 */
		EMIT(0x48, 0x8d, 0x65, 0xd8); /* lea rsp, [rbp-40] */
		EMIT(0x41, 0x5f);	      /* pop r15 */
		EMIT(0x41, 0x5e);	      /* pop r14 */
		EMIT(0x41, 0x5d);	      /* pop r13 */
		EMIT(0x41, 0x5c);	      /* pop r12 */
		EMIT(0x5b);		      /* pop rbx */
		EMIT(0x5d);		      /* pop rbp */
		EMIT(0xc3);		      /* ret */
		/* error_exit: any depth; run->err holds the error */
		s->error_exit = (uint32_t)c->len;
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RSP, RUNREG,
			 RUN_OFF(jit_sp));		   /* mov rsp, [r12+jit_sp] */
		EMIT(0x48, 0x8d, 0x6c, 0x24, TRAMP_FRAME); /* lea rbp, [rsp+64] */
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0x8b }, 1, RAX, RUNREG,
			 RUN_OFF(err));		    /* mov eax, [r12+err] */
		emit_jump(c, -1, common_out, true); /* jmp common_out */
	}
	/* abort: a helper (or a callback, or a tail-called program) failed */
	s->abort = (uint32_t)c->len;
	emit_mem(c, 0, false, false, (const uint8_t[]){ 0x8b }, 1, RAX, RUNREG,
		 RUN_OFF(abort_err)); /* mov eax, [r12+abort_err] */
	emit_mem(c, 0, false, false, (const uint8_t[]){ 0x89 }, 1, RAX, RUNREG,
		 RUN_OFF(err));		       /* mov [r12+err], eax */
	emit_jump(c, -1, s->error_exit, true); /* jmp error_exit */
	s->eloop = (uint32_t)c->len;
	emit_fail_stub(c, s, -ELOOP, jit_msg_eloop);
	s->callx = (uint32_t)c->len;
	emit_fail_stub(c, s, -EINVAL, jit_msg_callx);
	s->nodata = (uint32_t)c->len;
	emit_fail_stub(c, s, -EINVAL, jit_msg_nodata);
	/* pktoob: LD_ABS/LD_IND out of bounds ends the program with r0 = 0 */
	s->pktoob = (uint32_t)c->len;
	EMIT(0x31, 0xc0); /* xor eax, eax */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RSP, RUNREG,
		 RUN_OFF(jit_sp));		   /* mov rsp, [r12+jit_sp] */
	EMIT(0x48, 0x8d, 0x6c, 0x24, TRAMP_FRAME); /* lea rbp, [rsp+64] */
	emit_jump(c, -1, s->normal_exit, false);   /* jmp normal_exit */
}

/*
 * A function's tail-call stub: run->tail_target is set; run it, then
 * return its r0 from this function.  Fixed length (long jump), so it can
 * be measured in a block.
 */
static void emit_tail_stub(struct jit_ctx *c, const struct stubs *s, const struct frame *fr)
{
	emit_mov_rr(c, true, RDI, RUNREG); /* mov rdi, r12 */
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, RSI, RBP,
		 R1_SLOT);				  /* mov rsi, [rbp-520] */
	emit_call_abs(c, (const void *)jit_tail_call);	  /* call jit_tail_call */
	emit_run_test_zero(c, RUN_OFF(abort_err), false); /* cmp dword [r12+abort_err], 0 */
	emit_jump(c, CC_NE, s->abort, false);		  /* jne abort */
	emit_epilogue(c, fr);
}

/*
 * The lean trampoline, for an image of one function without calls, packet
 * loads or any other use of the run register or the stubs (nothing in it
 * can fail): no C callee-saved register is touched except those the
 * function saves itself, and run->jit_sp is not needed.  Same signature
 * as the full one; the target is always slot 0, whose prologue follows
 * right after (no call: each exit ends with the trampoline's tail, see
 * emit_epilogue).
 */
static void emit_lean_trampoline(struct jit_ctx *c, uint8_t used)
{
	static const uint8_t arg_reg[5] = { RDI, RSI, RDX, RCX, R8 };
	int i;

	EMIT(0x52);			 /* push rdx (ret) */
	emit_mov_rr(c, true, TMP2, RDI); /* mov r11, rdi */
	for (i = 4; i >= 0; i--)	 /* r1-r5 the program names */
		if (used >> (i + 1) & 1)
			emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, arg_reg[i], TMP2,
				 i * 8); /* mov rN, [r11+8*i] */
}

/* ==== One BPF instruction ==== */

/* Where a jump of insn pc with delta off lands (previous pass for forward ones). */
static int64_t jump_target(const struct jit_ctx *c, size_t pc, int32_t off)
{
	size_t t = pc + 1 + (size_t)(int64_t)off;

	/*
	 * Forward, after the first pass: the previous pass's distance from
	 * pc, placed at pc's address in this pass.  Code only shrinks from
	 * pass to pass, so that bounds the final distance (a jump never
	 * takes the short form wrongly) and is much tighter than the target's
	 * old address; at convergence it is the exact address.
	 */
	if (t > pc && c->prev)
		return (int64_t)c->addrs[t] - c->prev[pc] + c->addrs[pc];
	return c->addrs[t];
}

/* The jump of BPF insn pc (delta off), recorded for patching when forward. */
static void emit_bpf_jump(struct jit_ctx *c, int cc, size_t pc, int32_t off)
{
	size_t t = pc + 1 + (size_t)(int64_t)off, start = c->len;

	emit_jump(c, cc, jump_target(c, pc, off), true);
	if (t > pc)
		note_fixup(c, t, c->len - start == 2 ? 1 : 4, false);
}

/*
 * Division and modulo.  divisor is in r11 (set by the caller); the three
 * cases of insn.def's Notes get their own blocks: by zero, signed by -1
 * (x86 would trap on INT_MIN / -1), and the real division.
 */
static void div_normal(struct jit_ctx *c, bool w, bool sign, bool mod, int d)
{
	int res = mod ? RDX : RAX;

	if (d != RAX)
		emit_mov_rr(c, true, TMP, RAX); /* mov r10, rax */
	if (d != RDX)
		emit_mov_rr(c, true, AUX, RDX); /* mov r9, rdx */
	if (d != RAX)
		emit_mov_rr(c, w, RAX, d); /* mov rax, dst */
	if (sign) {
		if (w)
			EMIT(0x48, 0x99); /* cqo */
		else
			EMIT(0x99); /* cdq */
	} else {
		EMIT(0x31, 0xd2); /* xor edx, edx */
	}
	emit_grp3(c, w, sign ? 7 : 6, TMP2); /* div/idiv r11 */
	if (d != res)
		emit_mov_rr(c, w, d, res); /* mov dst, rax/rdx */
	if (d != RAX)
		emit_mov_rr(c, true, RAX, TMP); /* mov rax, r10 */
	if (d != RDX)
		emit_mov_rr(c, true, RDX, AUX); /* mov rdx, r9 */
}

static void div_by_zero(struct jit_ctx *c, bool w, bool mod, int d)
{
	if (!mod)
		emit_rr(c, false, 0x31, d, d); /* xor dst32, dst32 */
	else if (!w)
		emit_mov_rr(c, false, d, d); /* mov dst32, dst32 */
}

static void div_by_minus1(struct jit_ctx *c, bool w, bool mod, int d)
{
	if (mod)
		emit_rr(c, false, 0x31, d, d); /* xor dst32, dst32 */
	else
		emit_grp3(c, w, 3, d); /* neg dst */
}

static void emit_div(struct jit_ctx *c, bool w, bool sign, bool mod, int d, bool is_imm, int s,
		     int32_t imm, uint8_t f)
{
	struct block zero, minus1, normal;
	bool nz = f & VM_FACT_DIV_NZ, nm1 = !sign || (f & VM_FACT_DIV_NM1);

	if (is_imm) {
		if (!w ? (uint32_t)imm == 0 : imm == 0) {
			div_by_zero(c, w, mod, d);
			return;
		}
		if (sign && imm == -1) {
			div_by_minus1(c, w, mod, d);
			return;
		}
		emit_mov_imm64(c, TMP2,
			       w ? (uint64_t)(int64_t)imm : (uint32_t)imm); /* mov r11, imm */
		div_normal(c, w, sign, mod, d);
		return;
	}
	emit_mov_rr(c, w, TMP2, s); /* mov r11, src */
	if (nz && nm1) {
		/* the verifier proved the divisor is neither 0 nor -1 */
		div_normal(c, w, sign, mod, d);
		c->opt_div++;
		return;
	}
	div_by_zero(block_init(&zero), w, mod, d);
	div_by_minus1(block_init(&minus1), w, mod, d);
	div_normal(block_init(&normal), w, sign, mod, d);
	if (nz) { /* signed, never 0: only the -1 case */
		emit_op(c, 0, w, 0, TMP2, false, (const uint8_t[]){ 0x83 }, 1);
		emit_modrm_rr(c, 7, TMP2);
		emit1(c, 0xff);				   /* cmp r11, -1 */
		emit_jump_over(c, CC_E, normal.c.len + 2); /* je .minus1 */
		emit_block(c, &normal);			   /* */
		emit_jump_over(c, -1, minus1.c.len);	   /* jmp .done */
		emit_block(c, &minus1);			   /* .minus1: */
		c->opt_div++;
		return; /* .done: */
	}
	emit_rr(c, w, 0x85, TMP2, TMP2); /* test r11, r11 */
	if (!sign || nm1) {
		if (sign)
			c->opt_div++;			   /* never -1: the unsigned shape */
		emit_jump_over(c, CC_E, normal.c.len + 2); /* jz .zero */
		emit_block(c, &normal);
		emit_jump_over(c, -1, zero.c.len); /* jmp .done */
		emit_block(c, &zero);		   /* .zero: */
		return;				   /* .done: */
	}
	emit_jump_over(c, CC_E, 4 + 2 + normal.c.len + 2); /* jz .zero */
	emit_op(c, 0, w, 0, TMP2, false, (const uint8_t[]){ 0x83 }, 1);
	emit_modrm_rr(c, 7, TMP2);
	emit1(c, 0xff);						    /* cmp r11, -1 */
	emit_jump_over(c, CC_E, normal.c.len + 2 + zero.c.len + 2); /* je .minus1 */
	emit_block(c, &normal);
	emit_jump_over(c, -1, zero.c.len + 2 + minus1.c.len); /* jmp .done */
	emit_block(c, &zero);				      /* .zero: */
	emit_jump_over(c, -1, minus1.c.len);		      /* jmp .done */
	emit_block(c, &minus1);				      /* .minus1: */
} /* .done: */

/*
 * shlx/shrx/sarx dst, src, cnt (BMI2, VEX.LZ.0F38 F7 /r): any count
 * register, flags untouched, a 32-bit form always zero-extends.
 */
static void emit_shiftx(struct jit_ctx *c, bool w, int digit, int dst, int src, int cnt)
{
	uint8_t pp = digit == 4 ? 1 : digit == 7 ? 2 : 3; /* 66 shlx, F3 sarx, F2 shrx */

	EMIT(0xc4, (uint8_t)((~dst >> 3 & 1) << 7 | 1 << 6 | (~src >> 3 & 1) << 5 | 0x02),
	     (uint8_t)((w ? 0x80 : 0) | (~cnt & 15) << 3 | pp), 0xf7,
	     (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7))); /* shlx/sarx/shrx dst, src, cnt */
}

/* Shift by register: x86 takes the count in cl (BPF r4), or BMI2 any. */
static void emit_shift_reg(struct jit_ctx *c, bool w, int digit, int d, int s, uint8_t f)
{
	if (c->bmi2 && (s != RCX || (!w && !(f & VM_FACT_HI0)))) {
		emit_shiftx(c, w, digit, d, d, s); /* no rcx shuffle, no zero-extension */
		return;
	}
	if (s == RCX) {
		emit_shift_cl(c, w, digit, d); /* shl dst, cl */
	} else {
		emit_mov_rr(c, true, TMP2, RCX); /* mov r11, rcx */
		emit_mov_rr(c, true, RCX, s);	 /* mov rcx, src */
		if (d == RCX) {
			emit_shift_cl(c, w, digit, TMP2); /* shl r11, cl */
			emit_mov_rr(c, true, RCX, TMP2);  /* mov rcx, r11 */
		} else {
			emit_shift_cl(c, w, digit, d);	 /* shl dst, cl */
			emit_mov_rr(c, true, RCX, TMP2); /* mov rcx, r11 */
		}
	}
	if (!w && (f & VM_FACT_HI0))
		c->opt_zext++; /* upper half already zero */
	else if (!w)
		emit_mov_rr(c, false, d, d); /* mov dst32, dst32: count 0 leaves bits */
}

/* Loads and stores: opcode bytes per size. */
static void emit_load(struct jit_ctx *c, int op, int d, int s, int32_t off)
{
	switch (op) {
	case ISA_LDXB:
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0x0f, 0xb6 }, 2, d, s, off);
		break; /* movzx dst32, byte [src+off] */
	case ISA_LDXH:
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0x0f, 0xb7 }, 2, d, s, off);
		break; /* movzx dst32, word [src+off] */
	case ISA_LDXW:
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0x8b }, 1, d, s, off);
		break; /* mov dst32, [src+off] */
	case ISA_LDXDW:
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, d, s, off);
		break; /* mov dst, [src+off] */
	case ISA_LDXSB:
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x0f, 0xbe }, 2, d, s, off);
		break; /* movsx dst, byte [src+off] */
	case ISA_LDXSH:
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x0f, 0xbf }, 2, d, s, off);
		break; /* movsx dst, word [src+off] */
	case ISA_LDXSW:
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x63 }, 1, d, s, off);
		break; /* movsxd dst, [src+off] */
	}
}

static void emit_store_reg(struct jit_ctx *c, int op, int d, int s, int32_t off)
{
	switch (op) {
	case ISA_STXB:
		emit_mem(c, 0, false, true, (const uint8_t[]){ 0x88 }, 1, s, d, off);
		break; /* mov byte [dst+off], src8 */
	case ISA_STXH:
		emit_mem(c, 0x66, false, false, (const uint8_t[]){ 0x89 }, 1, s, d, off);
		break; /* mov word [dst+off], src16 */
	case ISA_STXW:
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0x89 }, 1, s, d, off);
		break; /* mov dword [dst+off], src32 */
	case ISA_STXDW:
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x89 }, 1, s, d, off);
		break; /* mov qword [dst+off], src */
	}
}

static void emit_store_imm(struct jit_ctx *c, int op, int d, int32_t off, int32_t imm)
{
	switch (op) {
	case ISA_STB:
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0xc6 }, 1, 0, d, off);
		emit1(c, (uint8_t)imm); /* mov byte [dst+off], imm8 */
		break;
	case ISA_STH:
		emit_mem(c, 0x66, false, false, (const uint8_t[]){ 0xc7 }, 1, 0, d, off);
		emit1(c, (uint8_t)imm); /* mov word [dst+off], imm16 */
		emit1(c, (uint8_t)(imm >> 8));
		break;
	case ISA_STW:
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0xc7 }, 1, 0, d, off);
		emit4(c, (uint32_t)imm); /* mov dword [dst+off], imm32 */
		break;
	case ISA_STDW:
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0xc7 }, 1, 0, d, off);
		emit4(c, (uint32_t)imm); /* mov qword [dst+off], simm32 */
		break;
	}
}

/* Atomics; every x86 locked instruction is sequentially consistent. */
static void emit_atomic(struct jit_ctx *c, int op, int d, int s, int32_t off)
{
	bool w = isa_table[op].opcode == 0xdb;
	int32_t kind = isa_table[op].mval;
	uint8_t alu = 0;

	switch (kind) {
	case 0x00:
		alu = 0x01;
		break; /* add */
	case 0x40:
		alu = 0x09;
		break; /* or */
	case 0x50:
		alu = 0x21;
		break; /* and */
	case 0xa0:
		alu = 0x31;
		break; /* xor */
	}
	switch (kind) {
	case 0x00:
	case 0x40:
	case 0x50:
	case 0xa0:
		emit_mem(c, 0xf0, w, false, &alu, 1, s, d,
			 off); /* lock add/or/and/xor [dst+off], src */
		return;
	case 0x01:
		emit_mem(c, 0xf0, w, false, (const uint8_t[]){ 0x0f, 0xc1 }, 2, s, d, off);
		return; /* lock xadd [dst+off], src */
	case 0xe1:
		emit_mem(c, 0, w, false, (const uint8_t[]){ 0x87 }, 1, s, d, off);
		return; /* xchg [dst+off], src */
	case 0xf1:
		emit_mem(c, 0xf0, w, false, (const uint8_t[]){ 0x0f, 0xb1 }, 2, s, d, off);
		if (!w)					 /* lock cmpxchg [dst+off], src */
			emit_mov_rr(c, false, RAX, RAX); /* mov eax, eax */
		return;
	}
	/* fetch_or / fetch_and / fetch_xor: a cmpxchg loop */
	alu = kind == 0x41 ? 0x09 : kind == 0x51 ? 0x21 : 0x31;
	{
		int operand = s == RAX ? TMP : s;
		size_t loop;

		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8d }, 1, AUX, d,
			 off);			/* lea r9, [dst+off] */
		emit_mov_rr(c, true, TMP, RAX); /* mov r10, rax */
		emit_mem(c, 0, w, false, (const uint8_t[]){ 0x8b }, 1, RAX, AUX,
			 0);			   /* mov rax, [r9] */
		loop = c->len;			   /* .loop: */
		emit_mov_rr(c, w, TMP2, RAX);	   /* mov r11, rax */
		emit_rr(c, w, alu, operand, TMP2); /* or/and/xor r11, src */
		emit_mem(c, 0xf0, w, false, (const uint8_t[]){ 0x0f, 0xb1 }, 2, TMP2, AUX, 0);
		/* lock cmpxchg [r9], r11 */
		emit_jump(c, CC_NE, (int64_t)loop, true); /* jne .loop */
		emit_mov_rr(c, w, s, RAX);		  /* mov src, rax */
		if (s != RAX)
			emit_mov_rr(c, true, RAX, TMP); /* mov rax, r10 */
	}
}

/* Helper call: r1-r5 in place, run in r9; then abort / tail-call checks. */
static void emit_helper_call(struct jit_ctx *c, const struct stubs *st, size_t pc, const void *fn)
{
	emit_mem(c, 0, true, false, (const uint8_t[]){ 0x89 }, 1, RDI, RBP,
		 R1_SLOT);		   /* mov [rbp-520], rdi */
	emit_mov_rr(c, true, AUX, RUNREG); /* mov r9, r12 */
	if (fn)
		emit_call_abs(c, fn); /* call fn */
	else
		EMIT(0x41, 0xff, 0xd3);			   /* call r11 */
	emit_run_test_zero(c, RUN_OFF(abort_err), false);  /* cmp dword [r12+abort_err], 0 */
	emit_jump(c, CC_NE, st->abort, false);		   /* jne abort */
	emit_run_test_zero(c, RUN_OFF(tail_target), true); /* cmp qword [r12+tail_target], 0 */
	emit_jump(c, CC_NE, st->tail, false);		   /* jne tail (this function's) */
	(void)pc;
}

/*
 * bpf_map_lookup_elem(map, key) without the helper (struct jit_direct):
 * r1 (rdi) holds the map and r2 (rsi) the key, as for the helper.
 */
static void emit_direct_lookup(struct jit_ctx *c, const struct jit_direct *dl)
{
	struct block found;
	struct jit_ctx *f;

	if (dl->kind == JIT_DIRECT_CALL) {
		emit_call_abs(c, dl->ptr); /* call lookup(map, key) */
		return;
	}
	/* array: index below max_entries -> base + index * stride, else 0 */
	f = block_init(&found);
	emit_op(f, 0, true, RAX, RAX, false, (const uint8_t[]){ 0x69 }, 1);
	emit_modrm_rr(f, RAX, RAX); /* imul rax, rax, stride */
	emit4(f, dl->stride);
	emit_mov_imm64(f, TMP2, (uint64_t)(uintptr_t)dl->ptr); /* movabs r11, base */
	emit_rr(f, true, 0x01, TMP2, RAX);		       /* add rax, r11 */
	emit_mem(c, 0, false, false, (const uint8_t[]){ 0x8b }, 1, RAX, RSI,
		 0); /* mov eax, [rsi] */
	emit_op(c, 0, false, 0, RAX, false, (const uint8_t[]){ 0x81 }, 1);
	emit_modrm_rr(c, 7, RAX); /* cmp eax, max_entries */
	emit4(c, dl->max_entries);
	emit_jump_over(c, CC_AE, found.c.len + 2); /* jae .none */
	emit_block(c, &found);
	emit_jump_over(c, -1, 2); /* jmp .done */
	EMIT(0x31, 0xc0);	  /* .none: xor eax, eax */
} /* .done: */

static const uint8_t jcc_of[ISA_OP_COUNT] = {
#define J(NAME, CC)                                                                                \
	[ISA_##NAME##_IMM] = CC, [ISA_##NAME##_REG] = CC, [ISA_##NAME##32_IMM] = CC,               \
	[ISA_##NAME##32_REG] = CC,
	J(JEQ, CC_E) J(JNE, CC_NE) J(JGT, CC_A) J(JGE, CC_AE) J(JLT, CC_B) J(JLE, CC_BE)
		J(JSGT, CC_G) J(JSGE, CC_GE) J(JSLT, CC_L) J(JSLE, CC_LE) J(JSET, CC_NE)
#undef J
};

/* ==== Constant blinding ==== */

/*
 * reg = the program's constant imm, without imm appearing in the code:
 * mov reg, imm ^ r; xor reg, r.  w: the 64-bit form (both immediates
 * sign-extended, so reg = sext(imm)); else the 32-bit form (upper half
 * zeroed).
 */
static void emit_blind_const(struct jit_ctx *c, size_t pc, bool w, int reg, int32_t imm)
{
	uint32_t r = (uint32_t)jit_blind_rnd(c->blind_seed, pc);

	if (w) {
		emit_op(c, 0, true, 0, reg, false, (const uint8_t[]){ 0xc7 }, 1);
		emit_modrm_rr(c, 0, reg); /* mov reg, sext(imm ^ r) */
		emit4(c, (uint32_t)imm ^ r);
	} else {
		if (reg >= 8)
			emit1(c, 0x41);
		emit1(c, (uint8_t)(0xb8 + (reg & 7))); /* mov reg32, imm ^ r */
		emit4(c, (uint32_t)imm ^ r);
	}
	emit_op(c, 0, w, 0, reg, false, (const uint8_t[]){ 0x81 }, 1);
	emit_modrm_rr(c, 6, reg); /* xor reg, r */
	emit4(c, r);
}

/*
 * The blinded forms of every instruction with a program-supplied
 * immediate (the rows bpf_jit_blind_insn() rewrites in the kernel): the
 * constant goes to a scratch register and the register form of the
 * instruction follows.  Shift counts and packet-load offsets are not
 * blinded (nor are they in Linux).  Returns false for other rows.
 */
static bool emit_blinded(struct jit_ctx *c, const struct stubs *st, size_t pc)
{
	const struct vm_insn *in = &c->prog->code[pc];
	const struct isa_info *row = &isa_table[in->op];
	int op = in->op;
	int d = reg_map[in->dst <= 10 ? in->dst : 0];
	int32_t imm = (int32_t)in->imm;
	bool w = !(row->flags & F_ALU32), jmp64 = (row->opcode & 7) == 5;
	uint8_t alu;

	switch (op) {
	case ISA_MOV64_IMM:
	case ISA_MOV32_IMM:
		emit_blind_const(c, pc, w, d, imm); /* dst = imm */
		return true;
	case ISA_ADD64_IMM:
	case ISA_ADD32_IMM:
		alu = 0x01;
		goto alu;
	case ISA_SUB64_IMM:
	case ISA_SUB32_IMM:
		alu = 0x29;
		goto alu;
	case ISA_OR64_IMM:
	case ISA_OR32_IMM:
		alu = 0x09;
		goto alu;
	case ISA_AND64_IMM:
	case ISA_AND32_IMM:
		alu = 0x21;
		goto alu;
	case ISA_XOR64_IMM:
	case ISA_XOR32_IMM:
		alu = 0x31;
alu:
		emit_blind_const(c, pc, w, TMP, imm); /* r10 = imm */
		emit_rr(c, w, alu, TMP, d);	      /* add/sub/or/and/xor dst, r10 */
		return true;
	case ISA_MUL64_IMM:
	case ISA_MUL32_IMM:
		emit_blind_const(c, pc, w, TMP, imm); /* r10 = imm */
		emit_op(c, 0, w, d, TMP, false, (const uint8_t[]){ 0x0f, 0xaf }, 2);
		emit_modrm_rr(c, d, TMP); /* imul dst, r10 */
		return true;
	case ISA_DIV64_IMM:
	case ISA_DIV32_IMM:
	case ISA_MOD64_IMM:
	case ISA_MOD32_IMM:
	case ISA_SDIV64_IMM:
	case ISA_SDIV32_IMM:
	case ISA_SMOD64_IMM:
	case ISA_SMOD32_IMM:
		emit_blind_const(c, pc, w, TMP2, imm); /* r11 = imm */
		emit_div(c, w, row->mval == 1, (row->opcode & 0xf0) == 0x90, d, false, TMP2, 0, 0);
		return true;
	case ISA_JEQ_IMM:
	case ISA_JNE_IMM:
	case ISA_JGT_IMM:
	case ISA_JGE_IMM:
	case ISA_JLT_IMM:
	case ISA_JLE_IMM:
	case ISA_JSGT_IMM:
	case ISA_JSGE_IMM:
	case ISA_JSLT_IMM:
	case ISA_JSLE_IMM:
	case ISA_JSET_IMM:
	case ISA_JEQ32_IMM:
	case ISA_JNE32_IMM:
	case ISA_JGT32_IMM:
	case ISA_JGE32_IMM:
	case ISA_JLT32_IMM:
	case ISA_JLE32_IMM:
	case ISA_JSGT32_IMM:
	case ISA_JSGE32_IMM:
	case ISA_JSLT32_IMM:
	case ISA_JSLE32_IMM:
	case ISA_JSET32_IMM:
		if (in->off == 0)
			return true;			  /* falls through either way */
		emit_blind_const(c, pc, jmp64, TMP, imm); /* r10 = imm */
		emit_rr(c, jmp64, op == ISA_JSET_IMM || op == ISA_JSET32_IMM ? 0x85 : 0x39, TMP,
			d);				   /* cmp/test dst, r10 */
		emit_bpf_jump(c, jcc_of[op], pc, in->off); /* jcc target */
		return true;
	case ISA_STB:
	case ISA_STH:
	case ISA_STW:
	case ISA_STDW:
		emit_blind_const(c, pc, op == ISA_STDW, TMP, imm); /* r10 = imm */
		emit_store_reg(c,
			       op == ISA_STB ? ISA_STXB :
			       op == ISA_STH ? ISA_STXH :
			       op == ISA_STW ? ISA_STXW :
					       ISA_STXDW,
			       d, TMP, in->off);
		return true; /* mov [dst+off], r10 */
	case ISA_LDDW:
	case ISA_LDDW_MAP_FD:
	case ISA_LDDW_MAP_VAL:
	case ISA_LDDW_BTF_ID:
	case ISA_LDDW_FUNC:
	case ISA_LDDW_MAP_IDX:
	case ISA_LDDW_MAP_IDX_VAL: {
		uint64_t r = jit_blind_rnd(c->blind_seed, pc);

		emit1(c, (uint8_t)(0x48 | (d >> 3)));
		emit1(c, (uint8_t)(0xb8 + (d & 7))); /* movabs dst, imm64 ^ r */
		emit8(c, (uint64_t)in->imm ^ r);
		emit1(c, 0x49);
		emit1(c, (uint8_t)(0xb8 + (TMP & 7))); /* movabs r10, r */
		emit8(c, r);
		emit_rr(c, true, 0x31, TMP, d); /* xor dst, r10 */
		return true;
	}
	}
	(void)st;
	return false;
}

/*
 * Two instructions as one (pc + 1 is no jump target, so nothing enters
 * between them); returns true when pc and pc + 1 were emitted:
 *   mov dst, src; add dst, imm   ->  lea dst, [src + imm]   (64 or 32 bit)
 *   dst <<= 32; dst >>= 32       ->  nothing, when the verifier proved the
 *                                    upper half zero (s>>: dst in [0, 2^31))
 */
static bool fuse_next(struct jit_ctx *c, size_t pc, uint8_t f)
{
	const struct vm_insn *in = &c->prog->code[pc], *nx;

	if (pc + 1 >= c->prog->insn_cnt || c->target[pc + 1])
		return false;
	nx = in + 1;
	if (nx->dst != in->dst)
		return false;
	if (in->op == ISA_LSH64_IMM && in->imm == 32 && nx->imm == 32 &&
	    ((nx->op == ISA_RSH64_IMM && (f & VM_FACT_HI0)) ||
	     (nx->op == ISA_ARSH64_IMM && (f & VM_FACT_POS31)))) {
		c->opt_zext++;
		c->skip_next = 1;
		return true;
	}
	if (!c->blind_seed && in->dst != in->src && in->src <= 10 && in->dst < 10 &&
	    ((in->op == ISA_MOV64_REG && nx->op == ISA_ADD64_IMM) ||
	     (in->op == ISA_MOV32_REG && nx->op == ISA_ADD32_IMM))) {
		emit_mem(c, 0, in->op == ISA_MOV64_REG, false, (const uint8_t[]){ 0x8d }, 1,
			 reg_map[in->dst], reg_map[in->src], (int32_t)nx->imm);
		/* lea dst, [src + imm] */
		c->skip_next = 1;
		return true;
	}
	return false;
}

/*
 * A big-endian 32-bit field read byte by byte, the way clang -target bpf
 * writes ntohl() of an unaligned field (packet headers), as one load:
 *
 *   x = *(u8 *)(b + o)          x: any register but y and b
 *   wx <<= 24
 *   y = *(u8 *)(b + o + 1)      y: any register but b
 *   wy <<= 16
 *   wy |= wx
 *   x = *(u8 *)(b + o + 2)
 *   wx <<= 8
 *   wy |= wx
 *   z = *(u8 *)(b + o + 3)      z: any register but y (b included)
 *   wy |= wz
 *
 * ->  movzx x32, byte [b + o + 2]; shl x32, 8    (only when z is not x)
 *     mov y32, [b + o]; bswap y32
 *     movzx z32, byte [b + o + 3]
 *
 * Every register ends as the ten instructions leave it (x keeps its
 * shifted third byte, z the fourth), so no liveness is needed, and the
 * 4-byte load reads exactly the bytes the four byte loads read (a fault
 * hits the same bytes).  Nothing may enter between them (no jump target
 * in pc + 1 .. pc + 9); not in blinded images (their offsets stay as
 * written).  Returns true when pc .. pc + 9 were emitted.
 */
static bool fuse_be32_load(struct jit_ctx *c, size_t pc)
{
	const struct vm_insn *in = &c->prog->code[pc];
	uint8_t x = in->dst, b = in->src, y, z;
	int32_t o = (int32_t)in->off;
	size_t k;

	if (c->blind_seed || pc + 10 > c->prog->insn_cnt)
		return false;
	for (k = 1; k < 10; k++)
		if (c->target[pc + k])
			return false;
	y = in[2].dst;
	z = in[8].dst;
	if (x >= 10 || y >= 10 || z >= 10 || x == y || x == b || y == b || z == y)
		return false;
	/* clang-format off */
	if (in[1].op != ISA_LSH32_IMM || in[1].dst != x || in[1].imm != 24 ||
	    in[2].op != ISA_LDXB || in[2].src != b || in[2].off != o + 1 ||
	    in[3].op != ISA_LSH32_IMM || in[3].dst != y || in[3].imm != 16 ||
	    in[4].op != ISA_OR32_REG || in[4].dst != y || in[4].src != x ||
	    in[5].op != ISA_LDXB || in[5].dst != x || in[5].src != b || in[5].off != o + 2 ||
	    in[6].op != ISA_LSH32_IMM || in[6].dst != x || in[6].imm != 8 ||
	    in[7].op != ISA_OR32_REG || in[7].dst != y || in[7].src != x ||
	    in[8].op != ISA_LDXB || in[8].src != b || in[8].off != o + 3 ||
	    in[9].op != ISA_OR32_REG || in[9].dst != y || in[9].src != z)
		return false;
	/* clang-format on */
	if (z != x) {
		emit_load(c, ISA_LDXB, reg_map[x], reg_map[b], o + 2); /* movzx x32, [b+o+2] */
		emit_shift_imm(c, false, 4, reg_map[x], 8);	       /* shl x32, 8 */
	}
	emit_load(c, ISA_LDXW, reg_map[y], reg_map[b], o); /* mov y32, [b+o] */
	emit_op(c, 0, false, 0, reg_map[y], false, (const uint8_t[]){ 0x0f }, 1);
	emit1(c, (uint8_t)(0xc8 + (reg_map[y] & 7)));	       /* bswap y32 */
	emit_load(c, ISA_LDXB, reg_map[z], reg_map[b], o + 3); /* movzx z32, [b+o+3] */
	c->skip_next = 9;
	return true;
}

static bool emit_insn(struct jit_ctx *c, const struct stubs *st, size_t pc)
{
	const struct userbpf_prog *prog = c->prog;
	const struct vm_insn *in = &prog->code[pc];
	const struct isa_info *row;
	int op = in->op;
	int d = reg_map[in->dst <= 10 ? in->dst : 0]; /* checked at creation */
	int s = reg_map[in->src <= 10 ? in->src : 0];
	int32_t imm = (int32_t)in->imm;
	uint8_t f = c->facts ? c->facts[pc] : 0;
	int flags_reg = c->flags_reg; /* ZF/SF describe this register... */
	bool flags_w = c->flags_w;    /* ...in this width */
	bool w;

	c->flags_reg = -1;
	if (op == ISA_INVALID)
		return true; /* lddw's second slot: no code */
	if (c->skip_next) {
		c->skip_next--; /* done with an instruction before */
		return true;
	}
	row = &isa_table[op];
	if ((row->flags & F_COND) && (f & (VM_FACT_JMP_ALWAYS | VM_FACT_JMP_NEVER))) {
		/* the verifier proved the outcome: no compare */
		c->opt_branch++;
		if ((f & VM_FACT_JMP_ALWAYS) && in->off)
			emit_bpf_jump(c, -1, pc, in->off); /* jmp target */
		return true;
	}
	if (c->blind_seed && emit_blinded(c, st, pc))
		return true;
	w = !(row->flags & F_ALU32);
	if (fuse_next(c, pc, f) || (op == ISA_LDXB && fuse_be32_load(c, pc)))
		return true;
	switch (op) {
	/* ==== ALU ==== */
	case ISA_ADD64_IMM:
	case ISA_ADD32_IMM:
		emit_alu_imm(c, w, 0, d, imm); /* add dst, imm */
		if (!w && imm == 0)
			emit_mov_rr(c, false, d, d);
		goto alu_flags;
	case ISA_SUB64_IMM:
	case ISA_SUB32_IMM:
		emit_alu_imm(c, w, 5, d, imm); /* sub dst, imm */
		goto alu_flags;
	case ISA_OR64_IMM:
	case ISA_OR32_IMM:
		emit_alu_imm(c, w, 1, d, imm); /* or dst, imm */
		goto alu_flags;
	case ISA_AND64_IMM:
	case ISA_AND32_IMM:
		emit_alu_imm(c, w, 4, d, imm); /* and dst, imm */
		goto alu_flags;
	case ISA_XOR64_IMM:
	case ISA_XOR32_IMM:
		emit_alu_imm(c, w, 6, d, imm); /* xor dst, imm */
		goto alu_flags;
	case ISA_ADD64_REG:
	case ISA_ADD32_REG:
		emit_rr(c, w, 0x01, s, d); /* add dst, src */
		goto alu_flags;
	case ISA_SUB64_REG:
	case ISA_SUB32_REG:
		emit_rr(c, w, 0x29, s, d); /* sub dst, src */
		goto alu_flags;
	case ISA_OR64_REG:
	case ISA_OR32_REG:
		emit_rr(c, w, 0x09, s, d); /* or dst, src */
		goto alu_flags;
	case ISA_AND64_REG:
	case ISA_AND32_REG:
		emit_rr(c, w, 0x21, s, d); /* and dst, src */
		goto alu_flags;
	case ISA_XOR64_REG:
	case ISA_XOR32_REG:
		emit_rr(c, w, 0x31, s, d); /* xor dst, src */
alu_flags:
		/* ZF and SF now describe dst in this width */
		c->flags_reg = d;
		c->flags_w = w;
		break;
	case ISA_MUL64_IMM:
	case ISA_MUL32_IMM:
		if (is_imm8(imm)) {
			emit_op(c, 0, w, d, d, false, (const uint8_t[]){ 0x6b }, 1);
			emit_modrm_rr(c, d, d); /* imul dst, dst, imm8 */
			emit1(c, (uint8_t)imm);
		} else {
			emit_op(c, 0, w, d, d, false, (const uint8_t[]){ 0x69 }, 1);
			emit_modrm_rr(c, d, d); /* imul dst, dst, imm32 */
			emit4(c, (uint32_t)imm);
		}
		break;
	case ISA_MUL64_REG:
	case ISA_MUL32_REG:
		emit_op(c, 0, w, d, s, false, (const uint8_t[]){ 0x0f, 0xaf }, 2);
		emit_modrm_rr(c, d, s); /* imul dst, src */
		break;
	case ISA_DIV64_IMM:
	case ISA_DIV32_IMM:
	case ISA_MOD64_IMM:
	case ISA_MOD32_IMM:
	case ISA_SDIV64_IMM:
	case ISA_SDIV32_IMM:
	case ISA_SMOD64_IMM:
	case ISA_SMOD32_IMM:
		emit_div(c, w, row->mval == 1, (row->opcode & 0xf0) == 0x90, d, true, 0, imm, 0);
		break;
	case ISA_DIV64_REG:
	case ISA_DIV32_REG:
	case ISA_MOD64_REG:
	case ISA_MOD32_REG:
	case ISA_SDIV64_REG:
	case ISA_SDIV32_REG:
	case ISA_SMOD64_REG:
	case ISA_SMOD32_REG:
		emit_div(c, w, row->mval == 1, (row->opcode & 0xf0) == 0x90, d, false, s, 0, f);
		break;
	case ISA_LSH64_IMM:
	case ISA_LSH32_IMM:
	case ISA_RSH64_IMM:
	case ISA_RSH32_IMM:
	case ISA_ARSH64_IMM:
	case ISA_ARSH32_IMM: {
		int digit = (row->opcode & 0xf0) == 0x60 ? 4 : (row->opcode & 0xf0) == 0x70 ? 5 : 7;
		uint8_t n = (uint8_t)(imm & (w ? 63 : 31));

		if (n)
			emit_shift_imm(c, w, digit, d, n); /* shl/shr/sar dst, n */
		else if (!w)
			emit_mov_rr(c, false, d, d); /* mov dst32, dst32 */
		break;
	}
	case ISA_LSH64_REG:
	case ISA_LSH32_REG:
	case ISA_RSH64_REG:
	case ISA_RSH32_REG:
	case ISA_ARSH64_REG:
	case ISA_ARSH32_REG: {
		int digit = (row->opcode & 0xf0) == 0x60 ? 4 : (row->opcode & 0xf0) == 0x70 ? 5 : 7;

		emit_shift_reg(c, w, digit, d, s, f);
		break;
	}
	case ISA_NEG64:
	case ISA_NEG32:
		emit_grp3(c, w, 3, d); /* neg dst */
		break;
	case ISA_MOV64_IMM:
		emit_mov_imm64(c, d, (uint64_t)(int64_t)imm); /* mov dst, imm */
		break;
	case ISA_MOV32_IMM:
		emit_mov_imm64(c, d, (uint32_t)imm); /* mov dst32, imm */
		break;
	case ISA_MOV64_REG:
		if (d != s)
			emit_mov_rr(c, true, d, s); /* mov dst, src */
		break;
	case ISA_MOV32_REG:
		if (d == s && (f & VM_FACT_HI0)) {
			c->opt_zext++; /* w = w with the upper half already zero */
			break;
		}
		emit_mov_rr(c, false, d, s); /* mov dst32, src32 */
		break;
	case ISA_MOVSX64_8:
	case ISA_MOVSX32_8:
		emit_op(c, 0, w, d, s, true, (const uint8_t[]){ 0x0f, 0xbe }, 2);
		emit_modrm_rr(c, d, s); /* movsx dst, src8 */
		break;
	case ISA_MOVSX64_16:
	case ISA_MOVSX32_16:
		emit_op(c, 0, w, d, s, false, (const uint8_t[]){ 0x0f, 0xbf }, 2);
		emit_modrm_rr(c, d, s); /* movsx dst, src16 */
		break;
	case ISA_MOVSX64_32:
		emit_op(c, 0, true, d, s, false, (const uint8_t[]){ 0x63 }, 1);
		emit_modrm_rr(c, d, s); /* movsxd dst, src32 */
		break;
	case ISA_LE16:
		emit_movzx16(c, d, d); /* movzx dst32, dst16 */
		break;
	case ISA_LE32:
		if (f & VM_FACT_HI0) {
			c->opt_zext++;
			break;
		}
		emit_mov_rr(c, false, d, d); /* mov dst32, dst32 */
		break;
	case ISA_LE64:
		break; /* nothing: little-endian host */
	case ISA_BE16:
	case ISA_BSWAP16:
		emit_op(c, 0x66, false, 0, d, false, (const uint8_t[]){ 0xc1 }, 1);
		emit_modrm_rr(c, 1, d); /* ror dst16, 8 */
		emit1(c, 8);
		emit_movzx16(c, d, d); /* movzx dst32, dst16 */
		break;
	case ISA_BE32:
	case ISA_BSWAP32:
		emit_op(c, 0, false, 0, d, false, (const uint8_t[]){ 0x0f }, 1);
		emit1(c, (uint8_t)(0xc8 + (d & 7))); /* bswap dst32 */
		break;
	case ISA_BE64:
	case ISA_BSWAP64:
		emit_op(c, 0, true, 0, d, false, (const uint8_t[]){ 0x0f }, 1);
		emit1(c, (uint8_t)(0xc8 + (d & 7))); /* bswap dst */
		break;

	/* ==== Jumps ==== */
	case ISA_JA:
	case ISA_JA32:
		if (in->off != 0)
			emit_bpf_jump(c, -1, pc, in->off); /* jmp target */
		break;
	case ISA_JEQ_IMM:
	case ISA_JNE_IMM:
	case ISA_JGT_IMM:
	case ISA_JGE_IMM:
	case ISA_JLT_IMM:
	case ISA_JLE_IMM:
	case ISA_JSGT_IMM:
	case ISA_JSGE_IMM:
	case ISA_JSLT_IMM:
	case ISA_JSLE_IMM:
	case ISA_JEQ32_IMM:
	case ISA_JNE32_IMM:
	case ISA_JGT32_IMM:
	case ISA_JGE32_IMM:
	case ISA_JLT32_IMM:
	case ISA_JLE32_IMM:
	case ISA_JSGT32_IMM:
	case ISA_JSGE32_IMM:
	case ISA_JSLT32_IMM:
	case ISA_JSLE32_IMM:
		w = (row->opcode & 7) == 5; /* class JMP (64-bit) or JMP32 */
		if (in->off == 0)
			break; /* falls through either way */
		if (imm == 0 && flags_reg == d && flags_w == w && !c->target[pc] &&
		    (op == ISA_JEQ_IMM || op == ISA_JNE_IMM || op == ISA_JEQ32_IMM ||
		     op == ISA_JNE32_IMM)) {
			/* the ALU instruction before set ZF from dst: no test */
			emit_bpf_jump(c, jcc_of[op], pc, in->off);
			break;
		}
		if (imm == 0)
			emit_rr(c, w, 0x85, d, d); /* test dst, dst */
		else
			emit_alu_imm(c, w, 7, d, imm);	   /* cmp dst, imm */
		emit_bpf_jump(c, jcc_of[op], pc, in->off); /* jcc target */
		break;
	case ISA_JSET_IMM:
	case ISA_JSET32_IMM:
		w = (row->opcode & 7) == 5;
		if (in->off == 0)
			break;
		emit_op(c, 0, w, 0, d, false, (const uint8_t[]){ 0xf7 }, 1);
		emit_modrm_rr(c, 0, d); /* test dst, imm32 */
		emit4(c, (uint32_t)imm);
		emit_bpf_jump(c, CC_NE, pc, in->off); /* jnz target */
		break;
	case ISA_JEQ_REG:
	case ISA_JNE_REG:
	case ISA_JGT_REG:
	case ISA_JGE_REG:
	case ISA_JLT_REG:
	case ISA_JLE_REG:
	case ISA_JSGT_REG:
	case ISA_JSGE_REG:
	case ISA_JSLT_REG:
	case ISA_JSLE_REG:
	case ISA_JSET_REG:
	case ISA_JEQ32_REG:
	case ISA_JNE32_REG:
	case ISA_JGT32_REG:
	case ISA_JGE32_REG:
	case ISA_JLT32_REG:
	case ISA_JLE32_REG:
	case ISA_JSGT32_REG:
	case ISA_JSGE32_REG:
	case ISA_JSLT32_REG:
	case ISA_JSLE32_REG:
	case ISA_JSET32_REG:
		w = (row->opcode & 7) == 5;
		if (in->off == 0)
			break;
		emit_rr(c, w, op == ISA_JSET_REG || op == ISA_JSET32_REG ? 0x85 : 0x39, s, d);
		/* cmp/test dst, src */
		emit_bpf_jump(c, jcc_of[op], pc, in->off); /* jcc target */
		break;

	/* ==== Calls and exit ==== */
	case ISA_CALL: {
		const struct userbpf_helper *h = (const struct userbpf_helper *)(uintptr_t)in->imm;

		if (c->direct && c->direct[pc].kind) {
			emit_direct_lookup(c, &c->direct[pc]);
			break;
		}
		emit_run_store_imm(c, RUN_OFF(err_pc), (int32_t)pc,
				   true); /* mov [r12+err_pc], pc */
		emit_helper_call(c, st, pc, (const void *)h->fn);
		break;
	}
	case ISA_CALLX:
		emit_run_store_imm(c, RUN_OFF(err_pc), (int32_t)pc,
				   true);      /* mov [r12+err_pc], pc */
		emit_mov_rr(c, true, TMP2, d); /* mov r11, dst */
		emit_op(c, 0, true, 0, TMP2, false, (const uint8_t[]){ 0x81 }, 1);
		emit_modrm_rr(c, 7, TMP2); /* cmp r11, helper_id_cnt */
		emit4(c, prog->helper_id_cnt);
		emit_jump(c, CC_AE, st->callx, false); /* jae callx_fail */
		emit_shift_imm(c, true, 4, TMP2, 3);   /* shl r11, 3 */
		emit_mov_imm64(c, TMP,
			       (uint64_t)(uintptr_t)prog->helper_by_id); /* movabs r10, table */
		emit_rr(c, true, 0x01, TMP, TMP2);			 /* add r11, r10 */
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, TMP2, TMP2,
			 0);			      /* mov r11, [r11] */
		emit_rr(c, true, 0x85, TMP2, TMP2);   /* test r11, r11 */
		emit_jump(c, CC_E, st->callx, false); /* jz callx_fail */
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, TMP2, TMP2,
			 (int32_t)offsetof(struct userbpf_helper, fn)); /* mov r11, [r11+fn] */
		emit_helper_call(c, st, pc, NULL);
		break;
	case ISA_CALL_LOCAL: {
		size_t target = pc + 1 + (size_t)(int64_t)in->off;

		emit_run_store_imm(c, RUN_OFF(err_pc), (int32_t)pc,
				   true); /* mov [r12+err_pc], pc */
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0x83 }, 1, 7, RUNREG,
			 RUN_OFF(jit_depth));
		emit1(c, USERBPF_MAX_CALL_FRAMES - 2); /* cmp dword [r12+depth], 6 */
		emit_jump(c, CC_A, st->eloop, false);  /* ja eloop */
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0xff }, 1, 0, RUNREG,
			 RUN_OFF(jit_depth)); /* inc dword [r12+depth] */
		{
			int64_t fn = (int64_t)c->fn_addrs[target];
			int64_t rel = fn - (int64_t)(c->len + 5);

			emit1(c, 0xe8); /* call fn */
			emit4(c, (uint32_t)(int32_t)rel);
			if (target > pc)
				note_fixup(c, target, 4, true);
		}
		emit_mem(c, 0, false, false, (const uint8_t[]){ 0xff }, 1, 1, RUNREG,
			 RUN_OFF(jit_depth)); /* dec dword [r12+depth] */
		break;
	}
	case ISA_EXIT:
		emit_epilogue(c, st->fn);
		break;

	/* ==== 64-bit immediates ==== */
	case ISA_LDDW:
	case ISA_LDDW_MAP_FD:
	case ISA_LDDW_MAP_VAL:
	case ISA_LDDW_BTF_ID:
	case ISA_LDDW_FUNC:
	case ISA_LDDW_MAP_IDX:
	case ISA_LDDW_MAP_IDX_VAL: {
		const struct frame *fr = st->fn;
		unsigned k;

		for (k = 0; k < fr->konst_cnt; k++)
			if (fr->konst_val[k] == (uint64_t)in->imm)
				break;
		if (k == fr->konst_cnt) {
			emit_mov_imm64(c, d, (uint64_t)in->imm); /* mov dst, imm64 */
			break;
		}
		if (pc + 2 < prog->insn_cnt && !c->target[pc + 2] &&
		    prog->code[pc + 2].op == ISA_ADD64_REG && prog->code[pc + 2].dst == in->dst &&
		    prog->code[pc + 2].src != in->dst) {
			emit_lea_index(c, d, fr->konst_reg[k], reg_map[prog->code[pc + 2].src]);
			/* lea dst, [kreg + src] */
			c->skip_next = 1;
			break;
		}
		emit_mov_rr(c, true, d, fr->konst_reg[k]); /* mov dst, kreg */
		break;
	}

	/* ==== Legacy packet loads ==== */
	case ISA_LDABS_B:
	case ISA_LDABS_H:
	case ISA_LDABS_W:
	case ISA_LDIND_B:
	case ISA_LDIND_H:
	case ISA_LDIND_W: {
		unsigned size = (row->opcode & 0x18) == 0x10 ? 1 :
				(row->opcode & 0x18) == 0x08 ? 2 :
							       4;

		emit_run_store_imm(c, RUN_OFF(err_pc), (int32_t)pc,
				   true); /* mov [r12+err_pc], pc */
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8b }, 1, TMP2, RUNREG,
			 RUN_OFF(data));	       /* mov r11, [r12+data] */
		emit_rr(c, true, 0x85, TMP2, TMP2);    /* test r11, r11 */
		emit_jump(c, CC_E, st->nodata, false); /* jz nodata */
		if (row->flags & F_LDPKT && (row->fields & U_SRC)) {
			emit_mov_rr(c, false, TMP, s);	     /* mov r10d, src32 */
			emit_alu_imm(c, false, 0, TMP, imm); /* add r10d, imm */
			emit_op(c, 0, true, TMP, TMP, false, (const uint8_t[]){ 0x63 }, 1);
			emit_modrm_rr(c, TMP, TMP); /* movsxd r10, r10d */
		} else {
			emit_mov_imm64(c, TMP, (uint64_t)(int64_t)imm); /* mov r10, imm */
		}
		emit_rr(c, true, 0x85, TMP, TMP);      /* test r10, r10 */
		emit_jump(c, CC_S, st->pktoob, false); /* js pktoob */
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x8d }, 1, AUX, TMP, (int32_t)size);
		/* lea r9, [r10+size] */
		emit_mem(c, 0, true, false, (const uint8_t[]){ 0x3b }, 1, AUX, RUNREG,
			 RUN_OFF(data_size));	       /* cmp r9, [r12+data_size] */
		emit_jump(c, CC_A, st->pktoob, false); /* ja pktoob */
		emit_rr(c, true, 0x01, TMP, TMP2);     /* add r11, r10 */
		if (size == 1) {
			emit_mem(c, 0, false, false, (const uint8_t[]){ 0x0f, 0xb6 }, 2, RAX, TMP2,
				 0);
			/* movzx eax, byte [r11] */
		} else if (size == 2) {
			emit_mem(c, 0, false, false, (const uint8_t[]){ 0x0f, 0xb7 }, 2, RAX, TMP2,
				 0);
			/* movzx eax, word [r11] */
			EMIT(0x66, 0xc1, 0xc0, 0x08); /* rol ax, 8 */
			emit_movzx16(c, RAX, RAX);    /* movzx eax, ax */
		} else {
			emit_mem(c, 0, false, false, (const uint8_t[]){ 0x8b }, 1, RAX, TMP2, 0);
			/* mov eax, [r11] */
			EMIT(0x0f, 0xc8); /* bswap eax */
		}
		break;
	}

	/* ==== Memory ==== */
	case ISA_LDXB:
	case ISA_LDXH:
	case ISA_LDXW:
	case ISA_LDXDW:
	case ISA_LDXSB:
	case ISA_LDXSH:
	case ISA_LDXSW:
		emit_load(c, op, d, s, in->off);
		break;
	case ISA_STB:
	case ISA_STH:
	case ISA_STW:
	case ISA_STDW:
		emit_store_imm(c, op, d, in->off, imm);
		break;
	case ISA_STXB:
	case ISA_STXH:
	case ISA_STXW:
	case ISA_STXDW:
		emit_store_reg(c, op, d, s, in->off);
		break;
	default:
		if (row->flags & F_ATOMIC) {
			emit_atomic(c, op, d, s, in->off);
			break;
		}
		return false; /* CALL_KFUNC: rejected at creation, never here */
	}
	return true;
}

/* ==== The image ==== */

/* Whether the slot before pc can fall through into pc. */
static bool falls_into(const struct userbpf_prog *prog, size_t pc)
{
	int op;

	if (pc == 0)
		return false;
	op = prog->code[pc - 1].op;
	if (op == ISA_INVALID)
		return true; /* lddw's second slot: lddw falls through */
	return op != ISA_EXIT && op != ISA_JA && op != ISA_JA32;
}

/*
 * Whole-image facts: lean (one function that uses neither the run
 * register nor a stub: the lean trampoline), uniform (an unverified
 * program with several functions may jump or fall from one into another:
 * every function gets the same full frame) and which of r1-r5 are named
 * (bit n: rn; the lean trampoline loads only those).
 */
static void image_kind(struct jit_ctx *c, bool *uniform, uint8_t *used)
{
	const struct userbpf_prog *prog = c->prog;
	bool lean = true, several = false;
	size_t pc;

	*used = 0;
	for (pc = 0; pc < prog->insn_cnt; pc++) {
		const struct vm_insn *in = &prog->code[pc];
		uint8_t fields;

		if (in->op == ISA_INVALID)
			continue;
		if (pc && c->is_entry[pc])
			several = true;
		fields = isa_table[in->op].fields;
		if ((fields & U_DST) && in->dst >= 1 && in->dst <= 5)
			*used |= (uint8_t)(1u << in->dst);
		if ((fields & U_SRC) && in->src >= 1 && in->src <= 5)
			*used |= (uint8_t)(1u << in->src);
		if (isa_table[in->op].flags & (F_CALL | F_LDPKT))
			lean = false;
	}
	*uniform = several && !prog->verified;
	c->lean = lean && !several;
}

/* The frame every function of a uniform image gets (the full one). */
static const struct frame uniform_frame = {
	.saves = 0xf, .stack = true, .helper = true, .sub = 528
};

/*
 * What the passes share (jit_ctx.arch): the image's kind and the frame of
 * every function in entry order, computed by the first pass (NULL when the
 * allocation failed: every pass computes them again).
 */
struct arch_cache {
	bool uniform, lean;
	uint8_t used;
	size_t fn_cnt;
	struct frame fn[];
};

void jit_arch_release(struct jit_ctx *c)
{
	ub_free(c->arch);
	c->arch = NULL;
}

enum jit_error jit_arch_emit(struct jit_ctx *c)
{
	const struct userbpf_prog *prog = c->prog;
	struct arch_cache *cache = c->arch;
	struct stubs st;
	struct frame fr;
	struct block measure;
	bool uniform, first = !cache;
	uint8_t used;
	size_t pc, fn = 0;

	c->len = 0;
	c->fixup_cnt = 0;
	c->overflow = false;
	c->tramp_off = 0;
	c->skip_next = 0;
	c->flags_reg = -1;
	c->opt_div = c->opt_zext = c->opt_branch = 0;
	memset(&st, 0, sizeof(st));
	if (cache) {
		uniform = cache->uniform;
		used = cache->used;
		c->lean = cache->lean;
	} else {
		size_t fn_cnt = 0;

		image_kind(c, &uniform, &used);
		for (pc = 0; pc < prog->insn_cnt; pc++)
			fn_cnt += c->is_entry[pc] != 0;
		cache = ub_alloc(sizeof(*cache) + fn_cnt * sizeof(cache->fn[0]));
		if (cache) {
			cache->uniform = uniform;
			cache->lean = c->lean;
			cache->used = used;
			cache->fn_cnt = fn_cnt;
		}
	}
	if (c->lean)
		emit_lean_trampoline(c, used);
	else
		emit_trampoline(c, &st);
	c->body_start = (uint32_t)c->len;
	st.fn = &fr;
	for (pc = 0; pc < prog->insn_cnt; pc++) {
		if (c->is_entry[pc]) {
			size_t skip = 0;

			if (uniform)
				fr = uniform_frame;
			else if (cache && !first)
				fr = cache->fn[fn];
			else
				frame_of(c, pc, &fr);
			if (cache && first)
				cache->fn[fn] = fr;
			fn++;
			if (fr.helper) {
				emit_tail_stub(block_init(&measure), &st, &fr);
				skip += measure.c.len;
			}
			emit_prologue(block_init(&measure), &fr);
			skip += measure.c.len;
			if (falls_into(prog, pc))
				emit_jump_over(c, -1, skip); /* jmp over stub and prologue */
			if (fr.helper) {
				st.tail = (uint32_t)c->len;
				emit_tail_stub(c, &st, &fr);
			}
			c->fn_addrs[pc] = (uint32_t)c->len;
			emit_prologue(c, &fr);
		}
		c->addrs[pc] = (uint32_t)c->len;
		if (!emit_insn(c, &st, pc))
			return JIT_E_UNSUPPORTED_INSN;
		if (c->len > JIT_MAX_IMAGE)
			return JIT_E_TOO_BIG;
	}
	c->addrs[prog->insn_cnt] = (uint32_t)c->len;
	c->arch = cache;
	/* Falling off the end is rejected at creation; trap if it happens. */
	emit1(c, 0xcc); /* int3 */
	return c->overflow ? JIT_E_OVERFLOW : JIT_OK;
}

bool jit_arch_has_bmi2(void)
{
	static int known; /* 0 unknown, 1 no, 2 yes */
	uint32_t a, b, cx, dx;
	int v = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (v)
		return v == 2;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(cx), "=d"(dx) : "a"(0), "c"(0));
	v = 1;
	if (a >= 7) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(cx), "=d"(dx) : "a"(7), "c"(0));
		v = (b >> 8 & 1) ? 2 : 1; /* CPUID.(7,0):EBX.BMI2[bit 8] */
	}
	__atomic_store_n(&known, v, __ATOMIC_RELAXED);
	return v == 2;
}

#else /* !__x86_64__ */

void jit_arch_release(struct jit_ctx *c)
{
	(void)c;
}

enum jit_error jit_arch_emit(struct jit_ctx *c)
{
	(void)c;
	return JIT_E_UNSUPPORTED_ARCH;
}

bool jit_arch_has_bmi2(void)
{
	return false;
}

#endif
