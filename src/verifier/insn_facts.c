/* SPDX-License-Identifier: MIT */
/*
 * insn_facts.c - what the verifier proves about single instructions, for
 * the JIT: a divisor that is never 0 or -1, a conditional jump that always
 * or never jumps, a register whose upper half is already zero.  Each fact
 * holds for every state that reached the instruction (merged as the main
 * loop walks), so native code may drop the run-time fix-up it replaces.
 *
 * Soundness against pruning: a state pruned at insn p is covered by an
 * explored one only for the registers precise at p; the others may hold
 * any scalar.  A fact about register r at insn i is therefore taken only
 * when r is statically precise before i (cfg.c), and taking it marks r
 * precise back along the state's history (verif_mark_reg_precise, the
 * kernel's mark_chain_precision), as a decided branch does: a state later
 * pruned against this one then matched r's sources by range, so its values
 * lie inside the explored state's.
 *
 * Owns: the per-thread fact table of the verification in progress and its
 * hand-over to the program object (vm_set_facts_source).  Does not own:
 * the verification itself (verifier.c), the use of facts (src/jit).
 */
#include "util/ubc.h"

#include "insn_facts.h"
#include "util/alloc.h"
#include "util/platform_int.h"
#include "vm/vm_int.h"

/* working bits of a conditional jump: some state may jump / fall through */
#define CAN_TAKE VM_FACT_JMP_ALWAYS
#define CAN_FALL VM_FACT_JMP_NEVER
#define AND_BITS (VM_FACT_DIV_NZ | VM_FACT_DIV_NM1 | VM_FACT_HI0 | VM_FACT_POS31)
#define MAX_RECS 256

/* One thread's table; records stay on the global list (reachable). */
struct facts_rec {
	struct facts_rec *next;
	const struct verif_env *env; /* the verification filling facts */
	size_t cnt;
	struct userbpf_insn *insns; /* copy: the instructions it is about */
	uint8_t *facts;		    /* cnt working entries */
};

static ub_lock_t recs_lock = UB_LOCK_INIT;
static struct facts_rec *recs;
static unsigned rec_cnt;
static UB_TLS struct facts_rec *my_rec;

static void rec_reset(struct facts_rec *r)
{
	ub_free(r->insns);
	ub_free(r->facts);
	r->insns = NULL;
	r->facts = NULL;
	r->env = NULL;
	r->cnt = 0;
}

/* This thread's record and its instruction copy (NULL when none): this
 * process's alone, which a launch domain frees when the process is
 * killed (src/domain/arena.c). */
void verif_facts_mine(void **rec, void **insns)
{
	*rec = my_rec;
	*insns = my_rec ? my_rec->insns : NULL;
}

/* A child forked without exec whose memory, the records among it, is its
 * parent's too (the arena of a launch domain): it starts with none and
 * never touches the parent's.  Called in the child right after fork, by
 * src/launch/sync.c only. */
void verif_facts_forget(void)
{
	recs_lock = (ub_lock_t)UB_LOCK_INIT;
	recs = NULL;
	rec_cnt = 0;
	my_rec = NULL;
}

/* The source the vm asks at vm_prog_set_verified(). */
static uint8_t *facts_take(const struct userbpf_insn *insns, size_t cnt)
{
	struct facts_rec *r = my_rec;
	uint8_t *f;
	size_t i;

	if (!r || !r->facts || r->cnt != cnt || memcmp(r->insns, insns, cnt * sizeof(*insns)))
		return NULL;
	f = r->facts;
	r->facts = NULL;
	rec_reset(r);
	for (i = 0; i < cnt; i++) {
		uint8_t w = f[i];

		if (!(w & VM_FACT_SEEN)) {
			f[i] = 0;
			continue;
		}
		/* conditional jumps: from "may" to "always" / "never" */
		if (w & (CAN_TAKE | CAN_FALL))
			w = (uint8_t)((w & ~(CAN_TAKE | CAN_FALL)) |
				      (!(w & CAN_FALL) ? VM_FACT_JMP_ALWAYS : 0) |
				      (!(w & CAN_TAKE) ? VM_FACT_JMP_NEVER : 0));
		f[i] = w;
	}
	return f;
}

/* This thread's record, set up for env (first processed instruction). */
static struct facts_rec *rec_start(const struct verif_env *env)
{
	struct facts_rec *r = my_rec;

	if (!r) {
		ub_lock(&recs_lock);
		if (rec_cnt < MAX_RECS) {
			r = ub_alloc(sizeof(*r));
			if (r) {
				r->next = recs;
				recs = r;
				rec_cnt++;
			}
		}
		ub_unlock(&recs_lock);
		if (!r)
			return NULL;
		my_rec = r;
		vm_set_facts_source(facts_take);
	}
	rec_reset(r);
	r->insns = ub_calloc(env->cnt, sizeof(*r->insns));
	r->facts = ub_calloc(env->cnt, 1);
	if (!r->insns || !r->facts) {
		rec_reset(r);
		return NULL;
	}
	memcpy(r->insns, env->insns, env->cnt * sizeof(*r->insns));
	r->cnt = env->cnt;
	r->env = env;
	return r;
}

static bool scalar(const struct verif_reg *r)
{
	return r->type == SCALAR_VALUE;
}

/* The divisor of a 64-bit (w) or 32-bit division: never 0 / never -1. */
static uint8_t div_facts(const struct verif_scalar *v, bool w, bool sign)
{
	uint8_t f = 0;

	if (w) {
		if (v->umin > 0 || v->smin > 0 || v->smax < 0 || v->t.value)
			f |= VM_FACT_DIV_NZ;
		if (sign && (v->smin > -1 || v->smax < -1 || ~(v->t.value | v->t.mask)))
			f |= VM_FACT_DIV_NM1;
	} else {
		if (v->u32min > 0 || v->s32min > 0 || v->s32max < 0 || (uint32_t)v->t.value)
			f |= VM_FACT_DIV_NZ;
		if (sign && (v->s32min > -1 || v->s32max < -1 || v->u32max < UINT32_MAX ||
			     (uint32_t)~(v->t.value | v->t.mask)))
			f |= VM_FACT_DIV_NM1;
	}
	return sign ? f : (uint8_t)(f | VM_FACT_DIV_NM1);
}

/* What a register's value says about its upper half. */
static uint8_t value_facts(const struct verif_scalar *v)
{
	uint8_t f = 0;

	if (v->umax <= UINT32_MAX || !((v->t.value | v->t.mask) >> 32))
		f |= VM_FACT_HI0;
	if (v->umax <= INT32_MAX || (v->smin >= 0 && v->smax <= INT32_MAX))
		f |= VM_FACT_POS31;
	return f;
}

/* Ranges of one side of a comparison in its width. */
struct side {
	uint64_t umin, umax, tv, tm;
	int64_t smin, smax;
};

static void side_of(struct side *s, const struct verif_scalar *v, bool w)
{
	if (w) {
		s->umin = v->umin;
		s->umax = v->umax;
		s->smin = v->smin;
		s->smax = v->smax;
		s->tv = v->t.value;
		s->tm = v->t.mask;
	} else {
		s->umin = v->u32min;
		s->umax = v->u32max;
		s->smin = v->s32min;
		s->smax = v->s32max;
		s->tv = (uint32_t)v->t.value;
		s->tm = (uint32_t)v->t.mask;
	}
}

static void side_const(struct side *s, uint64_t c, bool w)
{
	if (!w)
		c = (uint32_t)c;
	s->umin = s->umax = s->tv = c;
	s->tm = 0;
	s->smin = s->smax = w ? (int64_t)c : (int64_t)(int32_t)c;
}

/*
 * Whether "a OP b" can be true / false for values in the ranges
 * (mval: the jump's operation, insn.def's JMP rows).
 */
static uint8_t cond_outcomes(unsigned code, const struct side *a, const struct side *b)
{
	bool t = true, f = true;

	switch (code) {
	case 0x10: /* JEQ */
	case 0x50: /* JNE */
		if (a->umax < b->umin || a->umin > b->umax || a->smax < b->smin ||
		    a->smin > b->smax || ((a->tv ^ b->tv) & ~(a->tm | b->tm)))
			t = false; /* never equal */
		else if (!a->tm && !b->tm && a->tv == b->tv)
			f = false; /* always equal */
		if (code == 0x50) {
			bool x = t;

			t = f;
			f = x;
		}
		break;
	case 0x20: /* JGT */
		t = a->umax > b->umin;
		f = a->umin <= b->umax;
		break;
	case 0x30: /* JGE */
		t = a->umax >= b->umin;
		f = a->umin < b->umax;
		break;
	case 0xa0: /* JLT */
		t = a->umin < b->umax;
		f = a->umax >= b->umin;
		break;
	case 0xb0: /* JLE */
		t = a->umin <= b->umax;
		f = a->umax > b->umin;
		break;
	case 0x60: /* JSGT */
		t = a->smax > b->smin;
		f = a->smin <= b->smax;
		break;
	case 0x70: /* JSGE */
		t = a->smax >= b->smin;
		f = a->smin < b->smax;
		break;
	case 0xc0: /* JSLT */
		t = a->smin < b->smax;
		f = a->smax >= b->smin;
		break;
	case 0xd0: /* JSLE */
		t = a->smin <= b->smax;
		f = a->smax > b->smin;
		break;
	case 0x40: /* JSET */
		t = ((a->tv | a->tm) & (b->tv | b->tm)) != 0;
		f = (a->tv & b->tv) == 0;
		break;
	}
	return (uint8_t)((t ? CAN_TAKE : 0) | (f ? CAN_FALL : 0));
}

void verif_insn_facts_record(struct verif_env *env, struct verif_state *st, int idx)
{
	const struct verif_frame *fr = st->frames[st->curframe];
	const struct userbpf_insn *in = &env->insns[idx];
	struct facts_rec *r = my_rec;
	uint16_t precise = env->precise[idx];
	unsigned d = in->dst_reg & 15, s = in->src_reg & 15;
	int op = env->ops[idx];
	uint8_t got = VM_FACT_SEEN, *slot;

	if (env->processed == 1)
		r = rec_start(env);
	if (!r || r->env != env || (size_t)idx >= r->cnt || op < 0 || d > 10 || s > 10)
		return;
	switch (op) {
	case ISA_DIV64_REG:
	case ISA_DIV32_REG:
	case ISA_MOD64_REG:
	case ISA_MOD32_REG:
	case ISA_SDIV64_REG:
	case ISA_SDIV32_REG:
	case ISA_SMOD64_REG:
	case ISA_SMOD32_REG:
		if ((precise >> s & 1) && scalar(&fr->regs[s])) {
			got |= div_facts(&fr->regs[s].v, !(isa_table[op].flags & F_ALU32),
					 isa_table[op].mval == 1);
			if (got & (VM_FACT_DIV_NZ | VM_FACT_DIV_NM1))
				verif_mark_reg_precise(env, st, (int)s);
		}
		break;
	case ISA_MOV32_REG:
	case ISA_LSH64_IMM:
	case ISA_LSH32_REG:
	case ISA_RSH32_REG:
	case ISA_ARSH32_REG:
	case ISA_ADD32_IMM:
	case ISA_LE32:
		if ((precise >> d & 1) && scalar(&fr->regs[d])) {
			got |= value_facts(&fr->regs[d].v);
			if (got & (VM_FACT_HI0 | VM_FACT_POS31))
				verif_mark_reg_precise(env, st, (int)d);
		}
		break;
	default:
		if ((isa_table[op].flags & F_COND) && !(isa_table[op].flags & F_CALL)) {
			bool w = (isa_table[op].opcode & 7) == 5;
			struct side a, b;

			if (!scalar(&fr->regs[d]) ||
			    ((isa_table[op].fields & U_SRC) && !scalar(&fr->regs[s]))) {
				got |= CAN_TAKE | CAN_FALL;
				break;
			}
			side_of(&a, &fr->regs[d].v, w);
			if (isa_table[op].fields & U_SRC)
				side_of(&b, &fr->regs[s].v, w);
			else
				side_const(&b, (uint64_t)(int64_t)in->imm, w);
			got |= cond_outcomes(isa_table[op].opcode & 0xf0, &a, &b);
			if ((got & (CAN_TAKE | CAN_FALL)) != (CAN_TAKE | CAN_FALL)) {
				verif_mark_reg_precise(env, st, (int)d);
				if (isa_table[op].fields & U_SRC)
					verif_mark_reg_precise(env, st, (int)s);
			}
		}
	}
	slot = &r->facts[idx];
	if (!(*slot & VM_FACT_SEEN))
		*slot = got;
	else
		*slot = (uint8_t)((*slot & got & AND_BITS) |
				  ((*slot | got) & (CAN_TAKE | CAN_FALL)) | VM_FACT_SEEN);
}
