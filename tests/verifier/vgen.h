/* SPDX-License-Identifier: MIT */
/*
 * vgen.h - the soundness fuzzer's program generator (vgen.c), shared by
 * the suite's soundness test and the verifier's libFuzzer target.
 *
 * A program is a main function plus up to VGEN_MAX_FUNCS functions, each
 * either a bpf-to-bpf subprogram (r1 a scalar, r2 a pointer to the
 * caller's stack or a map value, a scalar returned in r0) or a bpf_loop
 * callback (r1 the index, r2 the loop's context: the caller's stack).
 * Maps the programs use (lddw map_fd imm): 0 array (4 x 48 bytes),
 * 1 hash (key 4, value 48), 2 ring buffer (4096).  Program type: kprobe
 * with a 168-byte context.
 */
#ifndef USERBPF_TESTS_VGEN_H
#define USERBPF_TESTS_VGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "userbpf/insn.h"

#define VGEN_MAXI 640
#define VGEN_MAX_FUNCS 3
#define VGEN_MAX_FIXUPS 64

struct vgen {
	struct userbpf_insn p[VGEN_MAXI];
	int n;
	uint64_t rng; /* xorshift64 state, never 0 */
	/* functions: 0 is main */
	int nfuncs;
	bool is_cb[VGEN_MAX_FUNCS + 1];
	int area[VGEN_MAX_FUNCS + 1]; /* bytes the function may reach through r9 */
	int start[VGEN_MAX_FUNCS + 1];
	int caller[VGEN_MAX_FUNCS + 1]; /* calls it if no one else does */
	bool called[VGEN_MAX_FUNCS + 1];
	struct {
		int at, func;
	} fix[VGEN_MAX_FIXUPS];
	int nfix;
	/* the function being generated */
	int fn;
	int limit;	/* stop starting steps at this slot */
	bool have_ptr;	/* r5 holds a map value pointer */
	int loop_in_fn; /* bpf_loop calls in the function so far */
	/* counts over the generated programs */
	unsigned calls, loops;
};

/** @brief Uniform in [0, n) (0 for n = 0); advances g->rng. */
uint32_t vgen_rnd(struct vgen *g, uint32_t n);

/**
 * @brief Generate one program into g->p (g->n instructions) from g->rng.
 * Deterministic for a given rng state: every draw is its own statement.
 */
void vgen_program(struct vgen *g);

#endif /* USERBPF_TESTS_VGEN_H */
