/* SPDX-License-Identifier: MIT */
/*
 * jit_int.h - private interface between the backend-neutral JIT driver
 * (jit.c) and an architecture back end (x86_64.c).
 *
 * The driver owns the passes (sizes converge, then one final emission
 * whose length is asserted), the addrs[] array, executable memory and the
 * fallback decision.  A back end owns one thing: emitting the whole image
 * for one pass into a bounded buffer (or only measuring it when the
 * buffer is NULL).
 */
#ifndef USERBPF_JIT_INT_H
#define USERBPF_JIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/alloc.h"
#include "vm/vm_int.h"

/* Why a compilation failed (the program then runs on the interpreter). */
enum jit_error {
	JIT_OK = 0,
	JIT_E_UNSUPPORTED_ARCH = 1, /* no back end for this machine */
	JIT_E_UNSUPPORTED_INSN,	    /* a row without an emitter (kfunc) */
	JIT_E_NO_CONVERGENCE,	    /* sizes still changing after the pass cap */
	JIT_E_SIZE_CHANGED,	    /* final pass differs from the converged one */
	JIT_E_OVERFLOW,		    /* emission ran past the buffer */
	JIT_E_NOMEM,		    /* allocation or executable mapping failed */
	JIT_E_TOO_BIG,		    /* image above JIT_MAX_IMAGE */
	JIT_E_DISABLED,		    /* engine forced to the interpreter */
	JIT_E_COUNT
};

#define JIT_MAX_PASSES 20
#define JIT_MAX_IMAGE (64u << 20)

/* Per-program compiled image (struct userbpf_prog.jit). */
struct jit_image {
	uint8_t *code;		/* executable, read-only (mem.rx) */
	struct ub_exec_mem mem; /* where code lives (util/alloc.h) */
	size_t len;		/* bytes of code */
	size_t insn_cnt;
	uint32_t *addrs;     /* insn_cnt + 1: native offset of each insn body */
	uint8_t *is_entry;   /* insn_cnt: a function (prologue) starts here */
	uint32_t *fn_addrs;  /* insn_cnt: native start (prologue) of each entry */
	bool lean;	     /* lean trampoline: no calls, no run register, no stubs */
	uint32_t body_start; /* offset of the first byte after trampoline+stubs */
	/* trampoline: enter native code at target with r1-r5 = args */
	int (*tramp)(const uint64_t args[5], struct userbpf_run *run, uint64_t *ret,
		     const void *target);
	unsigned passes;
	bool blinded;		 /* compiled with constant blinding */
	unsigned direct_lookups; /* map lookups done without the helper */
	/* verifier facts used (struct jit_ctx): divisions without fix-ups,
	 * zero-extensions dropped, conditional jumps resolved */
	unsigned opt_div, opt_zext, opt_branch;
};

/*
 * A bpf_map_lookup_elem() call whose map is known at compile time (r1
 * loaded by lddw map in the same basic block) and done without the
 * helper: JIT_DIRECT_CALL calls fn(map, key) directly (no run argument,
 * no abort or tail-call checks: a lookup has neither);
 * JIT_DIRECT_ARRAY computes the value address inline (array maps), the
 * kernel's map_gen_lookup.  Only for unblinded images.
 */
enum jit_direct_kind { JIT_DIRECT_NONE, JIT_DIRECT_CALL, JIT_DIRECT_ARRAY };
struct jit_direct {
	uint8_t kind;
	uint32_t stride, max_entries;
	const void *ptr; /* CALL: the function; ARRAY: the first value */
};

/*
 * A displacement of the writing pass that was computed from the previous
 * pass's layout (a forward jump or local call): rewritten from the final
 * addrs[] after the pass (jit.c).  Code only shrinks from pass to pass,
 * so a short form chosen from the estimate still fits.
 */
struct jit_fixup {
	uint32_t at;	 /* offset of the displacement in the image */
	uint32_t target; /* BPF insn it refers to */
	uint8_t size;	 /* 1 or 4 bytes, relative to at + size */
	bool call;	 /* local call: to the target's prologue (fn_addrs) */
};

/* One emission pass: the back end writes here (buf NULL: sizing only). */
struct jit_ctx {
	const struct userbpf_prog *prog;
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
	uint32_t *addrs;	  /* read: previous pass; written: this pass */
	const uint32_t *prev;	  /* the previous pass's addrs (NULL in the first) */
	struct jit_fixup *fixups; /* writing pass: insn_cnt entries */
	size_t fixup_cnt;
	const uint8_t *is_entry;
	/* written: native start (prologue) of each function entry; read
	 * for forward local calls: the previous pass's */
	uint32_t *fn_addrs;
	uint32_t body_start; /* out */
	uint32_t tramp_off;  /* out */
	bool lean;	     /* out: the lean trampoline (x86_64.c) */
	void *arch;	     /* back end: analysis kept across passes */
	/*
	 * Constant blinding (0: off): every immediate a program supplies is
	 * emitted as (imm ^ r), r, and an xor in a scratch register, with r
	 * derived from this seed and the instruction index (the same value
	 * in every pass, so layouts converge).
	 */
	uint64_t blind_seed;
	const struct jit_direct *direct; /* insn_cnt entries, or NULL */
	/*
	 * Verifier facts per instruction (VM_FACT_*, vm_int.h), or NULL
	 * (unverified program): fix-ups that cannot trigger are left out.
	 */
	const uint8_t *facts;
	const uint8_t *target; /* insn_cnt + 1: a jump lands on or a function starts at */
	bool bmi2;	       /* shlx/shrx/sarx available */
	unsigned skip_next;    /* following insns whose work was done with this one's */
	int flags_reg;	       /* x86 register ZF/SF describe after the last insn, -1 */
	bool flags_w;	       /* ...in 64-bit width */
	/* counters (tests): fix-ups dropped thanks to facts */
	unsigned opt_div, opt_zext, opt_branch;
	enum jit_error err;
};

/* The blinding value of instruction pc (never 0). */
static inline uint64_t jit_blind_rnd(uint64_t seed, size_t pc)
{
	uint64_t z = seed + (pc + 1) * 0x9e3779b97f4a7c15ull; /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 0x5bd1e9955bd1e995ull;
}

/* Back end: emit the whole image once.  Returns JIT_OK or an error. */
enum jit_error jit_arch_emit(struct jit_ctx *ctx);

/* Back end: free what jit_arch_emit() kept across passes (ctx->arch). */
void jit_arch_release(struct jit_ctx *c);

/* Back end: machine features the code may use (checked once, cpuid). */
bool jit_arch_has_bmi2(void);

/* Tests: compile as for a machine without BMI2 (shifts through cl). */
extern bool jit_bmi2_off;
/* Measuring passes before the writing one (jit.c; tests raise it to
 * compare with a converged layout). */
extern unsigned jit_sizing_passes;

/* Run-time support called from native code (jit.c). */
uint64_t jit_tail_call(struct userbpf_run *run, uint64_t ctx);

/* Messages of the error stubs, shared with the interpreter's wording. */
extern const char jit_msg_eloop[];
extern const char jit_msg_callx[];
extern const char jit_msg_nodata[];

#endif /* USERBPF_JIT_INT_H */
