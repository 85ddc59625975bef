/* SPDX-License-Identifier: MIT */
/*
 * userbpf/jit.h - the JIT: choosing the engine of a program, compiling
 * it ahead of its first run, and reading the native code back (for
 * disassembly).
 *
 * A program runs on native code when its run is unchecked and has no
 * instruction budget (a verified program, or USERBPF_RUN_UNCHECKED), the
 * run does not pass USERBPF_RUN_INTERPRETER and the program's engine is
 * not USERBPF_ENGINE_INTERP.  Compilation happens once, at the first such
 * run (or userbpf_prog__jit); any failure leaves the program on the
 * interpreter, with the reason in userbpf_prog__jit_error.  Results are
 * the interpreter's, bit for bit (tested against each other).
 */
#ifndef USERBPF_JIT_H
#define USERBPF_JIT_H

#include <stdbool.h>

#include "common.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Engines a program may run on. */
enum userbpf_engine {
	USERBPF_ENGINE_DEFAULT = 0, /**< JIT where allowed, else interpreter */
	USERBPF_ENGINE_JIT = 1,	    /**< same as default, explicit */
	USERBPF_ENGINE_INTERP = 2,  /**< never compile */
};

/** @brief Choose the engine of later runs. @return 0 or -EINVAL. */
USERBPF_API int userbpf_prog__set_engine(struct userbpf_prog *prog, enum userbpf_engine engine);
USERBPF_API enum userbpf_engine userbpf_prog__engine(const struct userbpf_prog *prog);

/**
 * @brief Constant blinding, the kernel's bpf_jit_harden: with it on, no
 * immediate the program supplies (ALU, compare, store and 64-bit load
 * constants) appears verbatim in executable memory; each is emitted as
 * (imm ^ r) and r with an xor, r random per instruction.  Costs one or
 * two instructions per constant.  Takes effect at compilation, so set it
 * before the first run.
 * @return 0, -EINVAL, or -EBUSY when the program is already compiled.
 */
USERBPF_API int userbpf_prog__set_jit_blinding(struct userbpf_prog *prog, bool on);
/** @brief Whether the native code of prog was compiled with blinding. */
USERBPF_API bool userbpf_prog__jit_blinded(const struct userbpf_prog *prog);

/**
 * @brief Compile now (idempotent, thread-safe).
 * @return 0 when native code exists; -ENOTSUP (no back end for this
 * machine or engine set to the interpreter), -ENOMEM, -E2BIG, -EINVAL
 * (the back end could not lay the program out); the program then keeps
 * running on the interpreter.
 */
USERBPF_API int userbpf_prog__jit(struct userbpf_prog *prog);

/** @brief Why compilation failed: 0 (compiled or not tried) or a short text. */
USERBPF_API const char *userbpf_prog__jit_error(const struct userbpf_prog *prog);

/**
 * @brief The native code of a compiled program, or NULL.
 * @param[out] size bytes of code (may be NULL).
 */
USERBPF_API const void *userbpf_prog__jited(const struct userbpf_prog *prog, size_t *size);

/**
 * @brief Native offset of instruction slot insn in the code above
 * (insn == insn_cnt: the end), or -ENOENT when not compiled / -EINVAL.
 */
USERBPF_API long userbpf_prog__jited_offset(const struct userbpf_prog *prog, size_t insn);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_JIT_H */
