/* SPDX-License-Identifier: MIT */
/*
 * interp_body.h - the interpreter, written once and instantiated by
 * interp.c in three variants:
 *
 *   VM_FN        name of the function to define
 *   VM_CHECKED   1: bounds-check every memory access against the run's
 *                regions (stack, ctx, data, helper-added); 0: trust it
 *   VM_BUDGET    1: count instructions and stop at run->budget
 *
 * Dispatch is computed goto over a label table generated from insn.def
 * (a missing handler is a compile error), or a switch when
 * USERBPF_VM_SWITCH is defined (a missing case traps at run time; the
 * coverage test executes every row).  Semantics follow insn.def's Notes.
 */

/* The handlers are labels of a computed goto (VM_CASE), a layout
 * clang-format cannot follow: this body keeps its hand layout. */
/* clang-format off */
int VM_FN(struct userbpf_run *run, size_t entry, const uint64_t args[5],
	  uint64_t *ret)
{
	uint64_t reg[11];
	uint8_t stack[USERBPF_MAX_CALL_FRAMES * USERBPF_STACK_SIZE]
		__attribute__((aligned(16)));
	struct vm_frame frames[USERBPF_MAX_CALL_FRAMES];
	const struct vm_insn *code = run->prog->code;
	const struct vm_insn *pc = &code[entry];
	unsigned depth = 0;
#if VM_BUDGET
	uint64_t budget = run->budget;
#endif
#ifndef USERBPF_VM_SWITCH
	static const void *const labels[ISA_OP_COUNT + 1] = {
#define INSN(ID, ...) [ISA_##ID] = &&L_##ID,
#include "isa/insn.def"
#undef INSN
		[ISA_INVALID] = &&L_INVALID,
	};
#endif

	reg[0] = 0;
	/*
	 * One 8-byte load per argument: the caller has just stored them one
	 * by one, and a wider (vectorised) copy would wait for a failed
	 * store forward, half of an empty run's cost.
	 */
	reg[1] = ((const volatile uint64_t *)args)[0];
	reg[2] = ((const volatile uint64_t *)args)[1];
	reg[3] = ((const volatile uint64_t *)args)[2];
	reg[4] = ((const volatile uint64_t *)args)[3];
	reg[5] = ((const volatile uint64_t *)args)[4];
	reg[6] = reg[7] = reg[8] = reg[9] = 0;
	reg[10] = (uint64_t)(uintptr_t)(stack + sizeof(stack));
	/*
	 * Slots 0..VM_MAX_NESTING-1 hold the stacks of nested callbacks (in
	 * every mode: the run's own memory for userbpf_run__read).
	 */
	run->regions[run->callback_depth].lo = (uintptr_t)stack;
	run->regions[run->callback_depth].hi = (uintptr_t)(stack + sizeof(stack));
	run->regions[run->callback_depth].writable = true;
#if VM_CHECKED
	/*
	 * Checked mode: the region covers only the frames in use (the
	 * current one and its callers'), each reading as zero until written,
	 * so uninitialised stack reads are deterministic and never see what
	 * the host left on its C stack.  The zeroing is lazy (stack_extend
	 * in interp.c): the region starts empty at the top, the floor at the
	 * frame's bottom.
	 */
	run->regions[run->callback_depth].lo = (uintptr_t)(stack + sizeof(stack));
	run->stack_floor[run->callback_depth] =
		(uintptr_t)(stack + sizeof(stack) - USERBPF_STACK_SIZE);
#endif

#define DST reg[pc->dst]
#define SRC reg[pc->src]
#define IMM ((uint64_t)pc->imm)
#define PC_INDEX ((size_t)(pc - code))

#ifdef USERBPF_VM_SWITCH
#define VM_CASE(ID) case ISA_##ID:
#define DISPATCH_ONLY() goto dispatch
#else
#define VM_CASE(ID) L_##ID:
#define DISPATCH_ONLY() goto *labels[pc->op]
#endif
#if VM_BUDGET
#define DISPATCH()                                                           \
	do {                                                                 \
		if (unlikely(budget-- == 0))                                 \
			goto out_budget;                                     \
		DISPATCH_ONLY();                                             \
	} while (0)
#else
#define DISPATCH() DISPATCH_ONLY()
#endif
#define NEXT()                                                               \
	do {                                                                 \
		pc++;                                                        \
		DISPATCH();                                                  \
	} while (0)
#define JUMP(DELTA)                                                          \
	do {                                                                 \
		pc += (int64_t)(DELTA) + 1;                                  \
		DISPATCH();                                                  \
	} while (0)

#if VM_CHECKED
#define CHECK_MEM(ADDR, SIZE, WRITE)                                         \
	do {                                                                 \
		if (unlikely(!vm_mem_ok(run, (ADDR), (SIZE), (WRITE)))) {    \
			run->err_what = (WRITE) ? "write" : "read";          \
			run->err_size = (SIZE);                              \
			goto out_fault;                                      \
		}                                                            \
		if (unlikely(run->ctx_access != NULL) &&                     \
		    !vm_ctx_access_ok(run, (ADDR), (SIZE), (WRITE)))         \
			goto out_err_pc;                                     \
	} while (0)
#define CHECK_ALIGN(ADDR, SIZE)                                              \
	do {                                                                 \
		if (unlikely((ADDR) & ((SIZE)-1))) {                         \
			run->err_what = "misaligned atomic";                 \
			run->err_size = (SIZE);                              \
			goto out_fault;                                      \
		}                                                            \
	} while (0)
#else
#define CHECK_MEM(ADDR, SIZE, WRITE) ((void)0)
#define CHECK_ALIGN(ADDR, SIZE) ((void)0)
#endif

	DISPATCH();
#ifdef USERBPF_VM_SWITCH
dispatch:
	switch (pc->op) {
#endif

	/* ==== ALU64 and ALU ==== */
#define ALU_BOTH(NAME, OP)                                                   \
	VM_CASE(NAME##64_IMM) DST = DST OP IMM; NEXT();                       \
	VM_CASE(NAME##64_REG) DST = DST OP SRC; NEXT();                       \
	VM_CASE(NAME##32_IMM) DST = (uint32_t)((uint32_t)DST OP(uint32_t)IMM); NEXT(); \
	VM_CASE(NAME##32_REG) DST = (uint32_t)((uint32_t)DST OP(uint32_t)SRC); NEXT();
	ALU_BOTH(ADD, +)
	ALU_BOTH(SUB, -)
	ALU_BOTH(MUL, *)
	ALU_BOTH(OR, |)
	ALU_BOTH(AND, &)
	ALU_BOTH(XOR, ^)
#undef ALU_BOTH

#define SHIFT_BOTH(NAME, T64, T32)                                           \
	VM_CASE(NAME##64_IMM) DST = (uint64_t)((T64)DST SHIFT_OP (IMM & 63)); NEXT(); \
	VM_CASE(NAME##64_REG) DST = (uint64_t)((T64)DST SHIFT_OP (SRC & 63)); NEXT(); \
	VM_CASE(NAME##32_IMM) DST = (uint32_t)((T32)(uint32_t)DST SHIFT_OP (IMM & 31)); NEXT(); \
	VM_CASE(NAME##32_REG) DST = (uint32_t)((T32)(uint32_t)DST SHIFT_OP (SRC & 31)); NEXT();
#define SHIFT_OP <<
	SHIFT_BOTH(LSH, uint64_t, uint32_t)
#undef SHIFT_OP
#define SHIFT_OP >>
	SHIFT_BOTH(RSH, uint64_t, uint32_t)
	SHIFT_BOTH(ARSH, int64_t, int32_t)
#undef SHIFT_OP
#undef SHIFT_BOTH

	/* Division: by zero gives 0 (div) or leaves dst (mod); see insn.def. */
#define DIV64(D, S) ((S) ? (D) / (S) : 0)
#define MOD64(D, S) ((S) ? (D) % (S) : (D))
#define SDIV64(D, S) ((S) == (uint64_t)-1 ? -(D) : (S) ? (uint64_t)((int64_t)(D) / (int64_t)(S)) : 0)
#define SMOD64(D, S) ((S) == (uint64_t)-1 ? 0 : (S) ? (uint64_t)((int64_t)(D) % (int64_t)(S)) : (D))
#define DIV32(D, S) ((uint32_t)(S) ? (uint32_t)(D) / (uint32_t)(S) : 0)
#define MOD32(D, S) ((uint32_t)(S) ? (uint32_t)(D) % (uint32_t)(S) : (uint32_t)(D))
#define SDIV32(D, S) ((uint32_t)(S) == UINT32_MAX ? (uint32_t)-(uint32_t)(D) : (uint32_t)(S) ? (uint32_t)((int32_t)(D) / (int32_t)(S)) : 0)
#define SMOD32(D, S) ((uint32_t)(S) == UINT32_MAX ? 0 : (uint32_t)(S) ? (uint32_t)((int32_t)(D) % (int32_t)(S)) : (uint32_t)(D))
	VM_CASE(DIV64_IMM) DST = DIV64(DST, IMM); NEXT();
	VM_CASE(DIV64_REG) DST = DIV64(DST, SRC); NEXT();
	VM_CASE(MOD64_IMM) DST = MOD64(DST, IMM); NEXT();
	VM_CASE(MOD64_REG) DST = MOD64(DST, SRC); NEXT();
	VM_CASE(SDIV64_IMM) DST = SDIV64(DST, IMM); NEXT();
	VM_CASE(SDIV64_REG) DST = SDIV64(DST, SRC); NEXT();
	VM_CASE(SMOD64_IMM) DST = SMOD64(DST, IMM); NEXT();
	VM_CASE(SMOD64_REG) DST = SMOD64(DST, SRC); NEXT();
	VM_CASE(DIV32_IMM) DST = DIV32(DST, IMM); NEXT();
	VM_CASE(DIV32_REG) DST = DIV32(DST, SRC); NEXT();
	VM_CASE(MOD32_IMM) DST = MOD32(DST, IMM); NEXT();
	VM_CASE(MOD32_REG) DST = MOD32(DST, SRC); NEXT();
	VM_CASE(SDIV32_IMM) DST = SDIV32(DST, IMM); NEXT();
	VM_CASE(SDIV32_REG) DST = SDIV32(DST, SRC); NEXT();
	VM_CASE(SMOD32_IMM) DST = SMOD32(DST, IMM); NEXT();
	VM_CASE(SMOD32_REG) DST = SMOD32(DST, SRC); NEXT();
#undef DIV64
#undef MOD64
#undef SDIV64
#undef SMOD64
#undef DIV32
#undef MOD32
#undef SDIV32
#undef SMOD32

	VM_CASE(NEG64) DST = -DST; NEXT();
	VM_CASE(NEG32) DST = (uint32_t)-(uint32_t)DST; NEXT();
	VM_CASE(MOV64_IMM) DST = IMM; NEXT();
	VM_CASE(MOV64_REG) DST = SRC; NEXT();
	VM_CASE(MOV32_IMM) DST = (uint32_t)IMM; NEXT();
	VM_CASE(MOV32_REG) DST = (uint32_t)SRC; NEXT();
	VM_CASE(MOVSX64_8) DST = (uint64_t)(int64_t)(int8_t)SRC; NEXT();
	VM_CASE(MOVSX64_16) DST = (uint64_t)(int64_t)(int16_t)SRC; NEXT();
	VM_CASE(MOVSX64_32) DST = (uint64_t)(int64_t)(int32_t)SRC; NEXT();
	VM_CASE(MOVSX32_8) DST = (uint32_t)(int32_t)(int8_t)SRC; NEXT();
	VM_CASE(MOVSX32_16) DST = (uint32_t)(int32_t)(int16_t)SRC; NEXT();

	/* Byte order: the host is little-endian (checked in interp.c). */
	VM_CASE(LE16) DST = (uint16_t)DST; NEXT();
	VM_CASE(LE32) DST = (uint32_t)DST; NEXT();
	VM_CASE(LE64) NEXT();
	VM_CASE(BE16) VM_CASE(BSWAP16) DST = __builtin_bswap16((uint16_t)DST); NEXT();
	VM_CASE(BE32) VM_CASE(BSWAP32) DST = __builtin_bswap32((uint32_t)DST); NEXT();
	VM_CASE(BE64) VM_CASE(BSWAP64) DST = __builtin_bswap64(DST); NEXT();

	/* ==== Jumps ==== */
	VM_CASE(JA) JUMP(pc->off);
	VM_CASE(JA32) JUMP(pc->off);
#define JCOND(NAME, T, OP)                                                   \
	VM_CASE(NAME##_IMM) if ((T)DST OP (T)IMM) JUMP(pc->off); NEXT();      \
	VM_CASE(NAME##_REG) if ((T)DST OP (T)SRC) JUMP(pc->off); NEXT();
	JCOND(JEQ, uint64_t, ==)
	JCOND(JNE, uint64_t, !=)
	JCOND(JGT, uint64_t, >)
	JCOND(JGE, uint64_t, >=)
	JCOND(JLT, uint64_t, <)
	JCOND(JLE, uint64_t, <=)
	JCOND(JSGT, int64_t, >)
	JCOND(JSGE, int64_t, >=)
	JCOND(JSLT, int64_t, <)
	JCOND(JSLE, int64_t, <=)
	JCOND(JEQ32, uint32_t, ==)
	JCOND(JNE32, uint32_t, !=)
	JCOND(JGT32, uint32_t, >)
	JCOND(JGE32, uint32_t, >=)
	JCOND(JLT32, uint32_t, <)
	JCOND(JLE32, uint32_t, <=)
	JCOND(JSGT32, int32_t, >)
	JCOND(JSGE32, int32_t, >=)
	JCOND(JSLT32, int32_t, <)
	JCOND(JSLE32, int32_t, <=)
#undef JCOND
	VM_CASE(JSET_IMM) if (DST & IMM) JUMP(pc->off); NEXT();
	VM_CASE(JSET_REG) if (DST & SRC) JUMP(pc->off); NEXT();
	VM_CASE(JSET32_IMM) if ((uint32_t)DST & (uint32_t)IMM) JUMP(pc->off); NEXT();
	VM_CASE(JSET32_REG) if ((uint32_t)DST & (uint32_t)SRC) JUMP(pc->off); NEXT();

	/* ==== Calls ==== */
	VM_CASE(CALL)
	{
		const struct userbpf_helper *h =
			(const struct userbpf_helper *)(uintptr_t)pc->imm;
call_helper:
		run->err_pc = PC_INDEX;
#if VM_CHECKED
		if (unlikely(!vm_helper_args_ok(run, h, reg))) {
			run->err = -EFAULT;
			goto out_err_pc;
		}
#endif
#if VM_BUDGET
		run->budget = budget; /* one budget: callbacks spend from it */
#endif
		reg[0] = h->fn(reg[1], reg[2], reg[3], reg[4], reg[5], run);
#if VM_BUDGET
		budget = run->budget;
#endif
		if (unlikely(run->tail_target || run->abort_err)) {
			if (run->abort_err) {
				run->err = run->abort_err;
				goto out_err;
			}
			/* Tail call: the new program replaces this frame. */
			run->prog = run->tail_target;
			run->tail_target = NULL;
			code = run->prog->code;
			pc = code;
			DISPATCH();
		}
		NEXT();
	VM_CASE(CALLX)
		if (DST >= run->prog->helper_id_cnt ||
		    !(h = run->prog->helper_by_id[DST])) {
			run->err = -EINVAL;
			run->err_what = "callx to unknown helper";
			goto out_err_pc;
		}
		goto call_helper;
	}
	VM_CASE(CALL_KFUNC)
		run->err = -EINVAL;
		run->err_what = "kfunc call";
		goto out_err_pc;
	VM_CASE(CALL_LOCAL)
		if (unlikely(depth + 1 >= USERBPF_MAX_CALL_FRAMES)) {
			run->err = -ELOOP;
			run->err_what = "call stack deeper than 8 frames";
			goto out_err_pc;
		}
		frames[depth].ret = pc + 1;
		frames[depth].prog = run->prog;
		memcpy(frames[depth].saved, &reg[6], 5 * sizeof(uint64_t));
		depth++;
		reg[10] -= USERBPF_STACK_SIZE;
#if VM_CHECKED
		run->stack_floor[run->callback_depth] = (uintptr_t)(reg[10] - USERBPF_STACK_SIZE);
#endif
		JUMP(pc->off);
	VM_CASE(EXIT)
		if (depth == 0) {
			*ret = reg[0];
#if VM_BUDGET
			run->budget = budget;
#endif
			return 0;
		}
		depth--;
		memcpy(&reg[6], frames[depth].saved, 5 * sizeof(uint64_t));
#if VM_CHECKED
		/* the callee's frame is no longer in use: its bytes are stale */
		run->stack_floor[run->callback_depth] += USERBPF_STACK_SIZE;
		if (run->regions[run->callback_depth].lo < run->stack_floor[run->callback_depth])
			run->regions[run->callback_depth].lo = run->stack_floor[run->callback_depth];
#endif
		pc = frames[depth].ret;
		if (unlikely(frames[depth].prog != run->prog)) {
			run->prog = frames[depth].prog;
			code = run->prog->code;
		}
		DISPATCH();

	/* ==== 64-bit immediates ==== */
	VM_CASE(LDDW) VM_CASE(LDDW_MAP_FD) VM_CASE(LDDW_MAP_VAL)
	VM_CASE(LDDW_BTF_ID) VM_CASE(LDDW_FUNC) VM_CASE(LDDW_MAP_IDX)
	VM_CASE(LDDW_MAP_IDX_VAL)
		DST = IMM;
		pc += 2;
		DISPATCH();

	/* ==== Legacy packet loads: out of bounds ends the program, r0 = 0 ==== */
	{
		int32_t pkt_off;
		unsigned pkt_size;
#define LDPKT(NAME, SIZE, OFFSET)                                            \
	VM_CASE(NAME)                                                        \
		pkt_off = (int32_t)(uint32_t)(OFFSET);                       \
		pkt_size = SIZE;                                             \
		goto ld_pkt;
		LDPKT(LDABS_B, 1, IMM)
		LDPKT(LDABS_H, 2, IMM)
		LDPKT(LDABS_W, 4, IMM)
		LDPKT(LDIND_B, 1, SRC + IMM)
		LDPKT(LDIND_H, 2, SRC + IMM)
		LDPKT(LDIND_W, 4, SRC + IMM)
#undef LDPKT
ld_pkt:
		if (unlikely(!run->data)) {
			run->err = -EINVAL;
			run->err_what = "packet load without packet data";
			goto out_err_pc;
		}
		if (pkt_off < 0 || (size_t)pkt_off + pkt_size > run->data_size) {
			reg[0] = 0; /* classic BPF: abort the program */
			*ret = 0;
			return 0;
		}
		{
			const uint8_t *p = run->data + pkt_off;
			reg[0] = pkt_size == 1	 ? p[0]
				 : pkt_size == 2 ? (uint64_t)p[0] << 8 | p[1]
						 : (uint64_t)p[0] << 24 |
							   (uint64_t)p[1] << 16 |
							   (uint64_t)p[2] << 8 | p[3];
		}
		NEXT();
	}

	/* ==== Loads and stores (memcpy: BPF allows unaligned access) ==== */
#if VM_CHECKED
	/*
	 * Tracing types (fentry/fexit, tp_btf, iter, lsm) load through BTF
	 * pointers fault-tolerantly, as the kernel's BPF_PROBE_MEM: a load
	 * outside the run's regions reads through the host-read policy (0
	 * without USERBPF_RUN_HOST_READ or when unmapped) instead of failing.
	 */
#define LOAD_CHECKED(T)                                                      \
	do {                                                                 \
		if (unlikely(!vm_mem_ok(run, a_, sizeof(T), false))) {       \
			if (!run->probe_mem) {                               \
				run->err_what = "read";                      \
				run->err_size = sizeof(T);                   \
				goto out_fault;                              \
			}                                                    \
			vm_probe_read(run, &v_, a_, sizeof(T));              \
			break;                                               \
		}                                                            \
		if (unlikely(run->ctx_access != NULL) &&                     \
		    !vm_ctx_access_ok(run, a_, sizeof(T), false))            \
			goto out_err_pc;                                     \
		memcpy(&v_, (const void *)a_, sizeof(T));                    \
	} while (0)
#else
#define LOAD_CHECKED(T) memcpy(&v_, (const void *)a_, sizeof(T))
#endif
#define LOAD(NAME, T, TO)                                                    \
	VM_CASE(NAME)                                                        \
	{                                                                    \
		uintptr_t a_ = (uintptr_t)(SRC + (int64_t)pc->off);          \
		T v_;                                                        \
		LOAD_CHECKED(T);                                             \
		DST = (uint64_t)(TO)v_;                                      \
		NEXT();                                                      \
	}
	LOAD(LDXB, uint8_t, uint64_t)
	LOAD(LDXH, uint16_t, uint64_t)
	LOAD(LDXW, uint32_t, uint64_t)
	LOAD(LDXDW, uint64_t, uint64_t)
	LOAD(LDXSB, int8_t, int64_t)
	LOAD(LDXSH, int16_t, int64_t)
	LOAD(LDXSW, int32_t, int64_t)
#undef LOAD
#undef LOAD_CHECKED
#define STORE(NAME, T, VAL)                                                  \
	VM_CASE(NAME)                                                        \
	{                                                                    \
		uintptr_t a_ = (uintptr_t)(DST + (int64_t)pc->off);          \
		T v_ = (T)(VAL);                                             \
		CHECK_MEM(a_, sizeof(T), true);                              \
		memcpy((void *)a_, &v_, sizeof(T));                          \
		NEXT();                                                      \
	}
	STORE(STB, uint8_t, IMM)
	STORE(STH, uint16_t, IMM)
	STORE(STW, uint32_t, IMM)
	STORE(STDW, uint64_t, IMM)
	STORE(STXB, uint8_t, SRC)
	STORE(STXH, uint16_t, SRC)
	STORE(STXW, uint32_t, SRC)
	STORE(STXDW, uint64_t, SRC)
#undef STORE

	/* ==== Atomics (sequentially consistent, like the kernel's) ==== */
#define ATOMIC(NAME, T, EXPR)                                                \
	VM_CASE(NAME)                                                        \
	{                                                                    \
		uintptr_t a_ = (uintptr_t)(DST + (int64_t)pc->off);          \
		T *p_ = (T *)a_;                                             \
		CHECK_MEM(a_, sizeof(T), 2); /* 2: atomic */                 \
		CHECK_ALIGN(a_, sizeof(T));                                  \
		EXPR;                                                        \
		NEXT();                                                      \
	}
#define SC __ATOMIC_SEQ_CST
	ATOMIC(AADD_W, uint32_t, __atomic_fetch_add(p_, (uint32_t)SRC, SC))
	ATOMIC(AOR_W, uint32_t, __atomic_fetch_or(p_, (uint32_t)SRC, SC))
	ATOMIC(AAND_W, uint32_t, __atomic_fetch_and(p_, (uint32_t)SRC, SC))
	ATOMIC(AXOR_W, uint32_t, __atomic_fetch_xor(p_, (uint32_t)SRC, SC))
	ATOMIC(AFADD_W, uint32_t, SRC = __atomic_fetch_add(p_, (uint32_t)SRC, SC))
	ATOMIC(AFOR_W, uint32_t, SRC = __atomic_fetch_or(p_, (uint32_t)SRC, SC))
	ATOMIC(AFAND_W, uint32_t, SRC = __atomic_fetch_and(p_, (uint32_t)SRC, SC))
	ATOMIC(AFXOR_W, uint32_t, SRC = __atomic_fetch_xor(p_, (uint32_t)SRC, SC))
	ATOMIC(AXCHG_W, uint32_t, SRC = __atomic_exchange_n(p_, (uint32_t)SRC, SC))
	ATOMIC(ACMPXCHG_W, uint32_t, {
		uint32_t expected_ = (uint32_t)reg[0];
		__atomic_compare_exchange_n(p_, &expected_, (uint32_t)SRC, false, SC, SC);
		reg[0] = expected_;
	})
	ATOMIC(AADD_DW, uint64_t, __atomic_fetch_add(p_, SRC, SC))
	ATOMIC(AOR_DW, uint64_t, __atomic_fetch_or(p_, SRC, SC))
	ATOMIC(AAND_DW, uint64_t, __atomic_fetch_and(p_, SRC, SC))
	ATOMIC(AXOR_DW, uint64_t, __atomic_fetch_xor(p_, SRC, SC))
	ATOMIC(AFADD_DW, uint64_t, SRC = __atomic_fetch_add(p_, SRC, SC))
	ATOMIC(AFOR_DW, uint64_t, SRC = __atomic_fetch_or(p_, SRC, SC))
	ATOMIC(AFAND_DW, uint64_t, SRC = __atomic_fetch_and(p_, SRC, SC))
	ATOMIC(AFXOR_DW, uint64_t, SRC = __atomic_fetch_xor(p_, SRC, SC))
	ATOMIC(AXCHG_DW, uint64_t, SRC = __atomic_exchange_n(p_, SRC, SC))
	ATOMIC(ACMPXCHG_DW, uint64_t, {
		uint64_t expected_ = reg[0];
		__atomic_compare_exchange_n(p_, &expected_, SRC, false, SC, SC);
		reg[0] = expected_;
	})
#undef SC
#undef ATOMIC

	VM_CASE(INVALID)
#ifdef USERBPF_VM_SWITCH
	default:
#endif
		run->err = -EFAULT;
		run->err_what = "undecoded instruction";
		goto out_err_pc;
#ifdef USERBPF_VM_SWITCH
	}
#endif

#if VM_BUDGET
out_budget:
	run->budget = 0;
	run->err = -E2BIG;
	run->err_what = "instruction budget exhausted";
	goto out_err_pc;
#endif
#if VM_CHECKED
out_fault:
	run->err = -EFAULT;
	goto out_err_pc;
#endif
out_err_pc:
	run->err_pc = PC_INDEX;
out_err:
#if VM_BUDGET
	if (run->budget)
		run->budget = budget;
#endif
	return run->err;

#undef DST
#undef SRC
#undef IMM
#undef PC_INDEX
#undef VM_CASE
#undef DISPATCH_ONLY
#undef DISPATCH
#undef NEXT
#undef JUMP
#undef CHECK_MEM
#undef CHECK_ALIGN
}
/* clang-format on */
