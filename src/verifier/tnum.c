/* SPDX-License-Identifier: MIT */
/*
 * tnum.c - tristate numbers and the scalar bounds domain of the verifier:
 * tnum arithmetic, bounds synchronisation between the tnum and the
 * signed/unsigned 64/32-bit ranges, abstract ALU operations and branch
 * refinement.  Every function over-approximates: the concrete result of
 * the operation on any member of the inputs is a member of the output.
 * Entry points: verif_scalar_sync, verif_scalar_alu, verif_scalar_refine,
 * verif_scalar_branch.  Does not know registers, pointers or programs.
 */
#include "util/ubc.h"

#include "tnum.h"

#define U32_MAX 0xffffffffu
#define S32_MIN ((int32_t)0x80000000)
#define S32_MAX 0x7fffffff
#define U64_MAX (~0ull)
#define S64_MIN ((int64_t)0x8000000000000000ull)
#define S64_MAX ((int64_t)0x7fffffffffffffffull)

#define MAX(A, B) ((A) > (B) ? (A) : (B))
#define MIN(A, B) ((A) < (B) ? (A) : (B))

/* ==== tnum ==== */

struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max, delta;
	int bits = chi ? 64 - __builtin_clzll(chi) : 0;

	if (min > max || bits > 63)
		return tnum_unknown();
	delta = (1ull << bits) - 1;
	return TNUM(min & ~delta, delta);
}

struct tnum tnum_lshift(struct tnum a, uint8_t shift)
{
	return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, uint8_t shift)
{
	return TNUM(a.value >> shift, a.mask >> shift);
}

struct tnum tnum_arshift(struct tnum a, uint8_t shift, uint8_t insn_bitness)
{
	if (insn_bitness == 32)
		return TNUM((uint32_t)((int32_t)a.value >> shift),
			    (uint32_t)((int32_t)a.mask >> shift));
	return TNUM((uint64_t)((int64_t)a.value >> shift), (uint64_t)((int64_t)a.mask >> shift));
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
	uint64_t sigma = sm + sv, chi = sigma ^ sv, mu = chi | a.mask | b.mask;

	return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	uint64_t dv = a.value - b.value, alpha = dv + a.mask, beta = dv - b.mask;
	uint64_t chi = alpha ^ beta, mu = chi | a.mask | b.mask;

	return TNUM(dv & ~mu, mu);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
	uint64_t v = a.value & b.value;

	return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask | b.mask;

	return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;

	return TNUM(v & ~mu, mu);
}

/* Long multiplication over the certain and uncertain bits of a. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	uint64_t acc_v = a.value * b.value;
	struct tnum acc_m = TNUM(0, 0);

	while (a.value || a.mask) {
		if (a.value & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.mask));
		else if (a.mask & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.value | b.mask));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return tnum_add(TNUM(acc_v, 0), acc_m);
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask & b.mask;

	return TNUM(v & ~mu, mu);
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
	uint64_t mu = a.mask | b.mask | (a.value ^ b.value);

	return TNUM(a.value & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, uint8_t size)
{
	if (size >= 8)
		return a;
	a.value &= (1ull << (size * 8)) - 1;
	a.mask &= (1ull << (size * 8)) - 1;
	return a;
}

struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg)
{
	return TNUM((reg.value & ~0xffffffffull) | (subreg.value & 0xffffffffull),
		    (reg.mask & ~0xffffffffull) | (subreg.mask & 0xffffffffull));
}

bool tnum_is_aligned(struct tnum a, uint64_t size)
{
	if (!size)
		return true;
	return !((a.value | a.mask) & (size - 1));
}

int tnum_sbin(char *str, int size, struct tnum a)
{
	return snprintf(str, (size_t)size, "(%#llx; %#llx)", (unsigned long long)a.value,
			(unsigned long long)a.mask);
}

/* ==== scalar bounds ==== */

void verif_scalar_unknown(struct verif_scalar *s)
{
	s->t = tnum_unknown();
	s->smin = S64_MIN;
	s->smax = S64_MAX;
	s->umin = 0;
	s->umax = U64_MAX;
	s->s32min = S32_MIN;
	s->s32max = S32_MAX;
	s->u32min = 0;
	s->u32max = U32_MAX;
}

void verif_scalar_const(struct verif_scalar *s, uint64_t v)
{
	s->t = tnum_const(v);
	s->smin = s->smax = (int64_t)v;
	s->umin = s->umax = v;
	s->s32min = s->s32max = (int32_t)v;
	s->u32min = s->u32max = (uint32_t)v;
}

void verif_scalar_from_tnum(struct verif_scalar *s)
{
	struct tnum t = s->t;

	verif_scalar_unknown(s);
	s->t = t;
	verif_scalar_sync(s);
}

/* bounds implied by the tnum (the kernel's __update_reg{32,64}_bounds) */
static void bounds_from_tnum(struct verif_scalar *s)
{
	struct tnum t = s->t, t32 = tnum_subreg(s->t);

	s->smin = MAX(s->smin, (int64_t)(t.value | (t.mask & (uint64_t)S64_MIN)));
	s->smax = MIN(s->smax, (int64_t)(t.value | (t.mask & (uint64_t)S64_MAX)));
	s->umin = MAX(s->umin, t.value);
	s->umax = MIN(s->umax, t.value | t.mask);
	s->s32min = MAX(s->s32min, (int32_t)(uint32_t)(t32.value | (t32.mask & 0x80000000u)));
	s->s32max = MIN(s->s32max, (int32_t)(uint32_t)(t32.value | (t32.mask & 0x7fffffffu)));
	s->u32min = MAX(s->u32min, (uint32_t)t32.value);
	s->u32max = MIN(s->u32max, (uint32_t)(t32.value | t32.mask));
}

/* 32-bit ranges from the 64-bit ones and from each other */
static void deduce32(struct verif_scalar *s)
{
	if ((s->umin >> 32) == (s->umax >> 32)) {
		s->u32min = MAX(s->u32min, (uint32_t)s->umin);
		s->u32max = MIN(s->u32max, (uint32_t)s->umax);
		if ((int32_t)s->umin <= (int32_t)s->umax) {
			s->s32min = MAX(s->s32min, (int32_t)s->umin);
			s->s32max = MIN(s->s32max, (int32_t)s->umax);
		}
	}
	if (((uint64_t)s->smin >> 32) == ((uint64_t)s->smax >> 32)) {
		s->u32min = MAX(s->u32min, (uint32_t)s->smin);
		s->u32max = MIN(s->u32max, (uint32_t)s->smax);
		if ((int32_t)s->smin <= (int32_t)s->smax) {
			s->s32min = MAX(s->s32min, (int32_t)s->smin);
			s->s32max = MIN(s->s32max, (int32_t)s->smax);
		}
	}
	if ((int32_t)s->u32min <= (int32_t)s->u32max) {
		s->s32min = MAX(s->s32min, (int32_t)s->u32min);
		s->s32max = MIN(s->s32max, (int32_t)s->u32max);
	}
	if ((uint32_t)s->s32min <= (uint32_t)s->s32max) {
		s->u32min = MAX(s->u32min, (uint32_t)s->s32min);
		s->u32max = MIN(s->u32max, (uint32_t)s->s32max);
	} else if (s->u32max < (uint32_t)s->s32min) {
		/* the signed range crosses the sign boundary and the unsigned
		 * one meets only its non-negative part (or below, its negative
		 * part): each range narrows the other (the kernel's
		 * __reg32_deduce_bounds) */
		s->s32min = (int32_t)s->u32min;
		s->u32max = MIN(s->u32max, (uint32_t)s->s32max);
	} else if ((uint32_t)s->s32max < s->u32min) {
		s->s32max = (int32_t)s->u32max;
		s->u32min = MAX(s->u32min, (uint32_t)s->s32min);
	}
}

static void deduce64(struct verif_scalar *s)
{
	uint64_t nu_min, nu_max;
	int64_t ns_min, ns_max;

	if ((int64_t)s->umin <= (int64_t)s->umax) {
		s->smin = MAX(s->smin, (int64_t)s->umin);
		s->smax = MIN(s->smax, (int64_t)s->umax);
	}
	if ((uint64_t)s->smin <= (uint64_t)s->smax) {
		s->umin = MAX(s->umin, (uint64_t)s->smin);
		s->umax = MIN(s->umax, (uint64_t)s->smax);
	} else if (s->umax < (uint64_t)s->smin) {
		/* signed range across the sign boundary, unsigned range on its
		 * non-negative side only (__reg64_deduce_bounds) */
		s->smin = (int64_t)s->umin;
		s->umax = MIN(s->umax, (uint64_t)s->smax);
	} else if ((uint64_t)s->smax < s->umin) {
		/* ... or on its negative side only */
		s->smax = (int64_t)s->umax;
		s->umin = MAX(s->umin, (uint64_t)s->smin);
	}
	/* the low half is bounded by the 32-bit ranges whatever the high half */
	nu_min = (s->umin & ~0xffffffffull) | s->u32min;
	nu_max = (s->umax & ~0xffffffffull) | s->u32max;
	s->umin = MAX(s->umin, nu_min);
	s->umax = MIN(s->umax, nu_max);
	ns_min = (int64_t)(((uint64_t)s->smin & ~0xffffffffull) | s->u32min);
	ns_max = (int64_t)(((uint64_t)s->smax & ~0xffffffffull) | s->u32max);
	s->smin = MAX(s->smin, ns_min);
	s->smax = MIN(s->smax, ns_max);
}

void verif_scalar_sync(struct verif_scalar *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		bounds_from_tnum(s);
		deduce32(s);
		deduce64(s);
		deduce32(s);
		if (!verif_scalar_valid(s))
			return;
		s->t = tnum_intersect(s->t, tnum_range(s->umin, s->umax));
		s->t = tnum_with_subreg(s->t, tnum_intersect(tnum_subreg(s->t),
							     tnum_range(s->u32min, s->u32max)));
	}
	bounds_from_tnum(s);
}

bool verif_scalar_valid(const struct verif_scalar *s)
{
	return s->smin <= s->smax && s->umin <= s->umax && s->s32min <= s->s32max &&
	       s->u32min <= s->u32max && !(s->t.value & s->t.mask);
}

/* The low 32 bits zero-extended: their own ranges stay (the kernel's
 * zext_32_to_64, __reg_assign_32_into_64), the 64-bit ones are the
 * unsigned 32-bit one. */
void verif_scalar_zext32(struct verif_scalar *s)
{
	struct tnum t = tnum_subreg(s->t);
	uint32_t lo = s->u32min, hi = s->u32max;
	int32_t slo = s->s32min, shi = s->s32max;

	verif_scalar_unknown(s);
	s->t = t;
	s->umin = lo;
	s->umax = hi;
	s->smin = lo;
	s->smax = hi;
	s->u32min = lo;
	s->u32max = hi;
	s->s32min = slo;
	s->s32max = shi;
	verif_scalar_sync(s);
}

bool verif_scalar_within(const struct verif_scalar *a, const struct verif_scalar *b)
{
	return a->umin <= b->umin && a->umax >= b->umax && a->smin <= b->smin &&
	       a->smax >= b->smax && a->u32min <= b->u32min && a->u32max >= b->u32max &&
	       a->s32min <= b->s32min && a->s32max >= b->s32max && tnum_in(a->t, b->t);
}

bool verif_scalar_equal(const struct verif_scalar *a, const struct verif_scalar *b)
{
	return a->umin == b->umin && a->umax == b->umax && a->smin == b->smin &&
	       a->smax == b->smax && a->u32min == b->u32min && a->u32max == b->u32max &&
	       a->s32min == b->s32min && a->s32max == b->s32max && a->t.value == b->t.value &&
	       a->t.mask == b->t.mask;
}

/* ==== ALU ==== */

static bool add_overflows_s64(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

static bool sub_overflows_s64(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_sub_overflow(a, b, r);
}

/* exact result of the ISA's operation on two constants (64-bit) */
static uint64_t alu_const(uint64_t a, uint64_t b, unsigned op, bool sdiv)
{
	switch (op) {
	case 0x00:
		return a + b;
	case 0x10:
		return a - b;
	case 0x20:
		return a * b;
	case 0x30:
		if (!b)
			return 0;
		if (sdiv)
			return ((int64_t)a == INT64_MIN && (int64_t)b == -1) ?
				       a :
				       (uint64_t)((int64_t)a / (int64_t)b);
		return a / b;
	case 0x40:
		return a | b;
	case 0x50:
		return a & b;
	case 0x60:
		return a << (b & 63);
	case 0x70:
		return a >> (b & 63);
	case 0x80:
		return -a;
	case 0x90:
		if (!b)
			return a;
		if (sdiv)
			return (int64_t)b == -1 ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
		return a % b;
	case 0xa0:
		return a ^ b;
	case 0xc0:
		return (uint64_t)((int64_t)a >> (b & 63));
	default:
		return 0;
	}
}

static void alu64(struct verif_scalar *d, const struct verif_scalar *s, unsigned op)
{
	struct verif_scalar r;
	int64_t a, b;

	verif_scalar_unknown(&r);
	switch (op) {
	case 0x00: /* add */
		r.t = tnum_add(d->t, s->t);
		if (!add_overflows_s64(d->smin, s->smin, &a) &&
		    !add_overflows_s64(d->smax, s->smax, &b)) {
			r.smin = a;
			r.smax = b;
		}
		if (d->umax + s->umax >= d->umax && d->umin + s->umin >= d->umin) {
			r.umin = d->umin + s->umin;
			r.umax = d->umax + s->umax;
		}
		break;
	case 0x10: /* sub */
		r.t = tnum_sub(d->t, s->t);
		if (!sub_overflows_s64(d->smin, s->smax, &a) &&
		    !sub_overflows_s64(d->smax, s->smin, &b)) {
			r.smin = a;
			r.smax = b;
		}
		if (d->umin >= s->umax) {
			r.umin = d->umin - s->umax;
			r.umax = d->umax - s->umin;
		}
		break;
	case 0x20: /* mul */
		r.t = tnum_mul(d->t, s->t);
		if (d->umax <= U32_MAX && s->umax <= U32_MAX) {
			r.umin = d->umin * s->umin;
			r.umax = d->umax * s->umax;
		}
		break;
	case 0x50: /* and */
		r.t = tnum_and(d->t, s->t);
		r.umax = MIN(d->umax, s->umax);
		r.u32max = MIN(d->u32max, s->u32max);
		if (d->smin >= 0 && s->smin >= 0) {
			r.smin = 0;
			r.smax = (int64_t)r.umax;
		}
		break;
	case 0x40: /* or */
		r.t = tnum_or(d->t, s->t);
		r.umin = MAX(d->umin, s->umin);
		r.u32min = MAX(d->u32min, s->u32min);
		break;
	case 0xa0: /* xor */
		r.t = tnum_xor(d->t, s->t);
		break;
	case 0x60: /* lsh */
	case 0x70: /* rsh */
	case 0xc0: /* arsh */
		if (!tnum_is_const(s->t) || s->umax > 63)
			break; /* variable shift: unknown */
		{
			uint8_t k = (uint8_t)s->umax;

			if (op == 0x60) {
				r.t = tnum_lshift(d->t, k);
				if (!k || !(d->umax >> (64 - k))) {
					r.umin = d->umin << k;
					r.umax = d->umax << k;
				}
				/* <<32 (then s>>32: the compiler's sign extension of
				 * a subregister): a non-negative 32-bit signed bound
				 * is the 64-bit one shifted (the kernel's
				 * scalar_min_max_lsh special case) */
				if (k == 32 && d->s32max >= 0)
					r.smax = (int64_t)((uint64_t)(uint32_t)d->s32max << 32);
				if (k == 32 && d->s32min >= 0)
					r.smin = (int64_t)((uint64_t)(uint32_t)d->s32min << 32);
			} else if (op == 0x70) {
				r.t = tnum_rshift(d->t, k);
				r.umin = d->umin >> k;
				r.umax = d->umax >> k;
			} else {
				r.t = tnum_arshift(d->t, k, 64);
				r.smin = d->smin >> k;
				r.smax = d->smax >> k;
			}
		}
		break;
	case 0x30: /* div (unsigned; signed variants come as constants only) */
		if (tnum_is_const(s->t) && s->umin) {
			r.umin = d->umin / s->umin;
			r.umax = d->umax / s->umin;
			r.t = tnum_range(r.umin, r.umax);
		}
		break;
	case 0x90: /* mod */
		if (tnum_is_const(s->t) && s->umin) {
			r.umin = 0;
			r.umax = d->umax < s->umin ? d->umax : s->umin - 1;
			if (d->umax < s->umin)
				r = *d;
		}
		break;
	default:
		break;
	}
	verif_scalar_sync(&r);
	*d = r;
}

/*
 * 32-bit add and sub also bound the result by the operands' own 32-bit
 * ranges, signed and unsigned apart (the kernel's scalar32_min_max_add
 * and _sub): w0 += 1 on a w0 in [-4095, 0] is in [-4094, 1], which the
 * operands' zero-extended 64-bit values do not tell.  d holds the result
 * so far, a and b the operands.
 */
static void alu32_add_sub_bounds(struct verif_scalar *d, const struct verif_scalar *a,
				 const struct verif_scalar *b, bool sub)
{
	int32_t lo, hi;
	uint64_t ulo, uhi;

	if (sub ? !__builtin_sub_overflow(a->s32min, b->s32max, &lo) &&
			    !__builtin_sub_overflow(a->s32max, b->s32min, &hi) :
		  !__builtin_add_overflow(a->s32min, b->s32min, &lo) &&
			    !__builtin_add_overflow(a->s32max, b->s32max, &hi)) {
		d->s32min = MAX(d->s32min, lo);
		d->s32max = MIN(d->s32max, hi);
	}
	if (sub ? a->u32min >= b->u32max : (uint64_t)a->u32max + b->u32max <= U32_MAX) {
		ulo = sub ? (uint64_t)a->u32min - b->u32max : (uint64_t)a->u32min + b->u32min;
		uhi = sub ? (uint64_t)a->u32max - b->u32min : (uint64_t)a->u32max + b->u32max;
		d->u32min = MAX(d->u32min, (uint32_t)ulo);
		d->u32max = MIN(d->u32max, (uint32_t)uhi);
	}
}

/* a 32-bit operand as a zero-extended 64-bit scalar */
static void low32(struct verif_scalar *o, const struct verif_scalar *s)
{
	*o = *s;
	verif_scalar_zext32(o);
}

void verif_scalar_alu(struct verif_scalar *dst, const struct verif_scalar *src, unsigned op,
		      bool alu32)
{
	bool sdiv = false;
	struct verif_scalar d, s;

	if (op & 0x100) { /* signed div/mod marker */
		sdiv = true;
		op &= 0xff;
	}
	if (op == 0x80)
		src = dst;
	if ((op == 0x60 || op == 0x70 || op == 0xc0) &&
	    (alu32 ? (src->umax & 0xffffffffu) >= 32 || src->u32max >= 32 : src->umax >= 64)) {
		/* a count of the width or more: the kernel leaves the result
		 * unknown (architectures differ), and so does userbpf */
		verif_scalar_unknown(dst);
		if (alu32)
			verif_scalar_zext32(dst);
		return;
	}
	if (tnum_is_const(dst->t) && tnum_is_const(src->t)) {
		uint64_t a = dst->t.value, b = src->t.value, r;

		if (alu32) {
			if (sdiv) {
				int32_t x = (int32_t)a, y = (int32_t)b;

				if (!y)
					r = op == 0x30 ? 0 : (uint32_t)x;
				else if (x == INT32_MIN && y == -1)
					r = op == 0x30 ? (uint32_t)x : 0;
				else
					r = (uint32_t)(op == 0x30 ? x / y : x % y);
			} else if (op == 0xc0) {
				r = (uint32_t)((int32_t)a >> (b & 31));
			} else if (op == 0x60 || op == 0x70) {
				r = alu_const((uint32_t)a, b & 31, op, false);
			} else {
				r = alu_const((uint32_t)a, (uint32_t)b, op, false);
			}
			verif_scalar_const(dst, (uint32_t)r);
		} else {
			verif_scalar_const(dst, alu_const(a, b, op, sdiv));
		}
		return;
	}
	if (sdiv) {
		verif_scalar_unknown(dst);
		if (alu32)
			verif_scalar_zext32(dst);
		return;
	}
	if (!alu32) {
		if (op == 0x80) { /* neg = 0 - dst */
			verif_scalar_const(&s, 0);
			alu64(&s, dst, 0x10);
			*dst = s;
			return;
		}
		alu64(dst, src, op);
		return;
	}
	low32(&d, dst);
	low32(&s, src);
	if (op == 0xc0) { /* arsh32 */
		if (tnum_is_const(s.t)) {
			uint8_t k = (uint8_t)(s.umax & 31);

			d.t = tnum_arshift(tnum_subreg(dst->t), k, 32);
			verif_scalar_from_tnum(&d);
			d.s32min = MAX(d.s32min, dst->s32min >> k);
			d.s32max = MIN(d.s32max, dst->s32max >> k);
			verif_scalar_sync(&d);
		} else {
			verif_scalar_unknown(&d);
		}
	} else if (op == 0x80) {
		verif_scalar_const(&s, 0);
		alu64(&s, &d, 0x10);
		d = s;
	} else {
		if ((op == 0x60 || op == 0x70) && tnum_is_const(s.t))
			verif_scalar_const(&s, s.t.value & 31);
		else if (op == 0x60 || op == 0x70)
			verif_scalar_unknown(&s);
		alu64(&d, &s, op);
	}
	/* truncate to 32 bits and zero-extend */
	if (d.umax > U32_MAX) {
		struct tnum t = tnum_subreg(d.t);

		verif_scalar_unknown(&d);
		d.t = t;
	}
	if (op == 0x00 || op == 0x10)
		alu32_add_sub_bounds(&d, dst, src, op == 0x10);
	verif_scalar_sync(&d);
	verif_scalar_zext32(&d);
	*dst = d;
}

/* ==== branches ==== */

/* one width's view of a scalar */
struct view {
	int64_t smin, smax;
	uint64_t umin, umax;
	struct tnum t;
	uint64_t umaxv; /* U32_MAX or U64_MAX */
	int64_t sminv, smaxv;
};

static struct view get_view(const struct verif_scalar *s, bool w32)
{
	struct view v;

	if (w32) {
		v.smin = s->s32min;
		v.smax = s->s32max;
		v.umin = s->u32min;
		v.umax = s->u32max;
		v.t = tnum_subreg(s->t);
		v.umaxv = U32_MAX;
		v.sminv = S32_MIN;
		v.smaxv = S32_MAX;
	} else {
		v.smin = s->smin;
		v.smax = s->smax;
		v.umin = s->umin;
		v.umax = s->umax;
		v.t = s->t;
		v.umaxv = U64_MAX;
		v.sminv = S64_MIN;
		v.smaxv = S64_MAX;
	}
	return v;
}

static void put_view(struct verif_scalar *s, const struct view *v, bool w32)
{
	if (w32) {
		s->s32min = (int32_t)v->smin;
		s->s32max = (int32_t)v->smax;
		s->u32min = (uint32_t)v->umin;
		s->u32max = (uint32_t)v->umax;
		s->t = tnum_with_subreg(s->t, v->t);
		/* keep an empty range empty after the narrowing casts */
		if (v->smin > v->smax || v->umin > v->umax) {
			s->u32min = 1;
			s->u32max = 0;
		}
	} else {
		s->smin = v->smin;
		s->smax = v->smax;
		s->umin = v->umin;
		s->umax = v->umax;
		s->t = v->t;
	}
}

static bool tconst(const struct view *v)
{
	return tnum_is_const(v->t);
}

static uint8_t negate(uint8_t op)
{
	switch (op) {
	case 0x10:
		return 0x50;
	case 0x50:
		return 0x10;
	case 0x20:
		return 0xb0; /* gt -> le */
	case 0xb0:
		return 0x20;
	case 0x30:
		return 0xa0; /* ge -> lt */
	case 0xa0:
		return 0x30;
	case 0x60:
		return 0xd0; /* sgt -> sle */
	case 0xd0:
		return 0x60;
	case 0x70:
		return 0xc0; /* sge -> slt */
	case 0xc0:
		return 0x70;
	default:
		return op;
	}
}

int verif_scalar_branch(const struct verif_scalar *dst, const struct verif_scalar *src, uint8_t op,
			bool jmp32)
{
	struct view d = get_view(dst, jmp32), s = get_view(src, jmp32);

	switch (op) {
	case 0x10:   /* jeq */
	case 0x50: { /* jne */
		int eq = -1;

		if (tconst(&d) && tconst(&s))
			eq = d.t.value == s.t.value;
		else if (d.umin > s.umax || d.umax < s.umin || d.smin > s.smax || d.smax < s.smin ||
			 ((d.t.value ^ s.t.value) & ~(d.t.mask | s.t.mask)))
			eq = 0;
		if (eq < 0)
			return -1;
		return op == 0x10 ? eq : !eq;
	}
	case 0x40: /* jset */
		if (d.t.value & s.t.value)
			return 1;
		if (!((d.t.value | d.t.mask) & (s.t.value | s.t.mask)))
			return 0;
		return -1;
	case 0x20:
		return d.umin > s.umax ? 1 : d.umax <= s.umin ? 0 : -1;
	case 0x30:
		return d.umin >= s.umax ? 1 : d.umax < s.umin ? 0 : -1;
	case 0xa0:
		return d.umax < s.umin ? 1 : d.umin >= s.umax ? 0 : -1;
	case 0xb0:
		return d.umax <= s.umin ? 1 : d.umin > s.umax ? 0 : -1;
	case 0x60:
		return d.smin > s.smax ? 1 : d.smax <= s.smin ? 0 : -1;
	case 0x70:
		return d.smin >= s.smax ? 1 : d.smax < s.smin ? 0 : -1;
	case 0xc0:
		return d.smax < s.smin ? 1 : d.smin >= s.smax ? 0 : -1;
	case 0xd0:
		return d.smax <= s.smin ? 1 : d.smin > s.smax ? 0 : -1;
	default:
		return -1;
	}
}

/* make the view empty (no value) */
static void view_empty(struct view *v)
{
	v->umin = 1;
	v->umax = 0;
}

static void refine_view(struct view *d, struct view *s, uint8_t op)
{
	switch (op) {
	case 0x10: /* eq: both become the intersection */
		if ((d->t.value ^ s->t.value) & ~(d->t.mask | s->t.mask)) {
			view_empty(d);
			break;
		}
		d->umin = s->umin = MAX(d->umin, s->umin);
		d->umax = s->umax = MIN(d->umax, s->umax);
		d->smin = s->smin = MAX(d->smin, s->smin);
		d->smax = s->smax = MIN(d->smax, s->smax);
		d->t = s->t = tnum_intersect(d->t, s->t);
		break;
	case 0x50: /* ne: only an edge equal to a constant can go */
		if (tconst(s)) {
			uint64_t c = s->t.value;
			int64_t sc = s->smin;

			if (d->umin == c && d->umin < d->umaxv)
				d->umin++;
			else if (d->umax == c && d->umax)
				d->umax--;
			if (d->smin == sc && d->smin < d->smaxv)
				d->smin++;
			else if (d->smax == sc && d->smax > d->sminv)
				d->smax--;
			if (tconst(d) && d->t.value == c)
				view_empty(d);
		} else if (tconst(d)) {
			refine_view(s, d, 0x50);
		}
		break;
	case 0x40: /* jset taken */
		if (tconst(s) && s->t.value && !(s->t.value & (s->t.value - 1)))
			d->t = TNUM(d->t.value | s->t.value, d->t.mask & ~s->t.value);
		break;
	case 0x41: /* jset not taken */
		if (tconst(s))
			d->t = tnum_and(d->t, tnum_const(~s->t.value));
		break;
	case 0x20: /* gt */
		if (s->umin == d->umaxv) {
			view_empty(d);
			break;
		}
		d->umin = MAX(d->umin, s->umin + 1);
		if (!d->umax) {
			view_empty(s);
			break;
		}
		s->umax = MIN(s->umax, d->umax - 1);
		break;
	case 0x30: /* ge */
		d->umin = MAX(d->umin, s->umin);
		s->umax = MIN(s->umax, d->umax);
		break;
	case 0xa0: /* lt */
		refine_view(s, d, 0x20);
		break;
	case 0xb0: /* le */
		refine_view(s, d, 0x30);
		break;
	case 0x60: /* sgt */
		if (s->smin == d->smaxv || d->smax == d->sminv) {
			view_empty(d);
			break;
		}
		d->smin = MAX(d->smin, s->smin + 1);
		s->smax = MIN(s->smax, d->smax - 1);
		break;
	case 0x70: /* sge */
		d->smin = MAX(d->smin, s->smin);
		s->smax = MIN(s->smax, d->smax);
		break;
	case 0xc0: /* slt */
		refine_view(s, d, 0x60);
		break;
	case 0xd0: /* sle */
		refine_view(s, d, 0x70);
		break;
	default:
		break;
	}
}

void verif_scalar_refine(struct verif_scalar *dst, struct verif_scalar *src, uint8_t op, bool jmp32,
			 bool taken)
{
	struct view d = get_view(dst, jmp32), s = get_view(src, jmp32);

	if (!taken)
		op = op == 0x40 ? 0x41 : negate(op);
	refine_view(&d, &s, op);
	put_view(dst, &d, jmp32);
	put_view(src, &s, jmp32);
	if (verif_scalar_valid(dst))
		verif_scalar_sync(dst);
	if (verif_scalar_valid(src))
		verif_scalar_sync(src);
}
