/* SPDX-License-Identifier: MIT */
/*
 * tnum.h - tristate numbers and scalar bounds, the verifier's numeric
 * abstract domain.  A tnum (value, mask) stands for every u64 whose bits
 * outside mask equal value; struct verif_scalar adds signed and unsigned
 * 64- and 32-bit ranges.  verif_scalar_sync() keeps the five views
 * consistent (the kernel's reg_bounds_sync, written here from its rules).
 * Everything here is pure arithmetic: no allocation, no state.
 */
#ifndef USERBPF_VERIFIER_TNUM_H
#define USERBPF_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM(V, M) ((struct tnum){ .value = (V), .mask = (M) })

static inline struct tnum tnum_const(uint64_t v)
{
	return TNUM(v, 0);
}
static inline struct tnum tnum_unknown(void)
{
	return TNUM(0, ~0ull);
}
static inline bool tnum_is_const(struct tnum a)
{
	return !a.mask;
}
static inline bool tnum_equals_const(struct tnum a, uint64_t b)
{
	return tnum_is_const(a) && a.value == b;
}
/* true when every value of b is a value of a */
static inline bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	b.value &= ~a.mask;
	return a.value == b.value;
}
static inline struct tnum tnum_subreg(struct tnum a)
{
	return TNUM(a.value & 0xffffffffu, a.mask & 0xffffffffu);
}

struct tnum tnum_range(uint64_t min, uint64_t max);
struct tnum tnum_lshift(struct tnum a, uint8_t shift);
struct tnum tnum_rshift(struct tnum a, uint8_t shift);
struct tnum tnum_arshift(struct tnum a, uint8_t shift, uint8_t insn_bitness);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_intersect(struct tnum a, struct tnum b);
struct tnum tnum_union(struct tnum a, struct tnum b);
struct tnum tnum_cast(struct tnum a, uint8_t size);
struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg);
bool tnum_is_aligned(struct tnum a, uint64_t size);
int tnum_sbin(char *str, int size, struct tnum a);

/* A scalar: the tnum and the four ranges, always kept consistent. */
struct verif_scalar {
	struct tnum t;
	int64_t smin, smax;
	uint64_t umin, umax;
	int32_t s32min, s32max;
	uint32_t u32min, u32max;
};

void verif_scalar_unknown(struct verif_scalar *s);
void verif_scalar_const(struct verif_scalar *s, uint64_t v);
/* Ranges from the tnum alone (after a tnum-only operation). */
void verif_scalar_from_tnum(struct verif_scalar *s);
/* Tighten all views against each other. */
void verif_scalar_sync(struct verif_scalar *s);
/* false when no value satisfies the bounds (infeasible branch) */
bool verif_scalar_valid(const struct verif_scalar *s);
static inline bool verif_scalar_is_const(const struct verif_scalar *s)
{
	return tnum_is_const(s->t);
}
/* Zero-extend the low 32 bits into the full register. */
void verif_scalar_zext32(struct verif_scalar *s);
/* every value of b is a value of a */
bool verif_scalar_within(const struct verif_scalar *a, const struct verif_scalar *b);
bool verif_scalar_equal(const struct verif_scalar *a, const struct verif_scalar *b);

/*
 * Abstract ALU: dst = dst OP src for the ISA's BPF_OP codes (0x00 add ...
 * 0xc0 arsh), 64- or 32-bit.  Returns false for an op this domain does not
 * model (result then unknown, still sound).
 */
void verif_scalar_alu(struct verif_scalar *dst, const struct verif_scalar *src, unsigned op,
		      bool alu32);

/*
 * Branch refinement: restrict dst and src to the values for which
 * "dst OP src" is taken (taken = true) or not; op is the BPF jump op
 * (0x10 jeq ... 0xd0 jsle).  jmp32 compares the low halves.
 */
void verif_scalar_refine(struct verif_scalar *dst, struct verif_scalar *src, uint8_t op, bool jmp32,
			 bool taken);
/* 1 taken always, 0 never, -1 unknown */
int verif_scalar_branch(const struct verif_scalar *dst, const struct verif_scalar *src, uint8_t op,
			bool jmp32);

#endif
