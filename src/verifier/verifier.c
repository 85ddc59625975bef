/* SPDX-License-Identifier: MIT */
/*
 * verifier.c - the verifier's exploration loop and transfer functions:
 * abstract interpretation of every path of a program in the manner of the
 * Linux verifier (kernel/bpf/verifier.c, re-implemented here from its
 * documented rules).  Registers carry a type (scalar, ctx, stack, map
 * value, packet, ringbuf memory...) and a scalar domain (tnum.c); stack
 * slots record spills; conditional jumps refine both successors; helper
 * calls are checked against the registry's prototypes; ring-buffer
 * references and spin locks are tracked to every exit; states are stored
 * at prune points and a path whose state is covered by a fully explored
 * one stops there (cfg.c finds the points, state.c compares).
 *
 * Entry point: userbpf_verify().  Privileged (root) rules throughout:
 * pointer comparisons and leaks are allowed, uninitialised stack reads
 * give unknown scalars, as Linux does for CAP_PERFMON + CAP_BPF loaders.
 */
#include <stdarg.h>
#include "util/ubc.h"

#include "verifier_int.h"
#include "insn_facts.h"
#include "progs/progs_int.h"
#include "util/alloc.h"
#include "loader/loader_int.h"
#include "helpers/kfunc.h"

/* ==== log ==== */

void verif_log(struct verif_env *env, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	env->log_true += (size_t)n;
	if (!env->log || !env->log_size)
		return;
	if (env->log_len + 1 < env->log_size) {
		size_t room = env->log_size - 1 - env->log_len;
		size_t k = (size_t)n < room ? (size_t)n : room;

		memcpy(env->log + env->log_len, tmp, k);
		env->log_len += k;
		env->log[env->log_len] = '\0';
	}
}

static void log_insn(struct verif_env *env, int i)
{
	char buf[160];

	userbpf_disasm_insn(&env->insns[i], env->cnt - (size_t)i, buf, sizeof(buf));
	verif_log(env, "%d: (%02x) %s\n", i, env->insns[i].code, buf);
}

static void log_line(struct verif_env *env, int i)
{
	const struct userbpf_verifier_opts *o = env->opts;
	const struct userbpf_verifier_line *best = NULL;
	size_t k;

	for (k = 0; k < o->line_cnt; k++) {
		if (o->lines[k].insn_off > (uint32_t)i)
			break;
		best = &o->lines[k];
	}
	if (best && best->line)
		verif_log(env, "; %s @ %s:%u\n", best->text ? best->text : "",
			  best->file ? best->file : "", best->line);
}

/* ==== helpers on registers ==== */

#define VERIF_CORE_POISON 0xbad2310 /* libbpf's poisoned-call imm */
#define ERR_ACCES(...) (verif_log(env, __VA_ARGS__), -EACCES)
#define ERR_INVAL(...) (verif_log(env, __VA_ARGS__), -EINVAL)

static struct verif_frame *cur_frame(struct verif_state *st)
{
	return st->frames[st->curframe];
}

static struct verif_reg *reg_of(struct verif_state *st, int regno)
{
	return &cur_frame(st)->regs[regno];
}

static bool is_ptr(const struct verif_reg *r)
{
	return r->type != NOT_INIT && r->type != SCALAR_VALUE;
}

static bool is_const(const struct verif_reg *r)
{
	return r->type == SCALAR_VALUE && tnum_is_const(r->v.t);
}

static bool is_null_const(const struct verif_reg *r)
{
	return is_const(r) && r->v.t.value == 0;
}

static int check_reg_read(struct verif_env *env, struct verif_state *st, int regno)
{
	if (reg_of(st, regno)->type == NOT_INIT)
		return ERR_ACCES("R%d !read_ok\n", regno);
	return 0;
}

static void reg_ptr(struct verif_reg *r, int type)
{
	verif_mark_not_init(r);
	r->type = (uint8_t)type;
	verif_scalar_const(&r->v, 0);
}

/* apply fn to every register and spilled register of the state */
#define FOR_EACH_REG(st, r, BODY)                                                                  \
	do {                                                                                       \
		int fi_, ri_;                                                                      \
		for (fi_ = 0; fi_ <= (st)->curframe; fi_++) {                                      \
			struct verif_frame *f_ = (st)->frames[fi_];                                \
			for (ri_ = 0; ri_ < 11; ri_++) {                                           \
				struct verif_reg *r = &f_->regs[ri_];                              \
				BODY;                                                              \
			}                                                                          \
			for (ri_ = 0; ri_ < f_->nslots; ri_++) {                                   \
				struct verif_reg *r;                                               \
				if (f_->stack[ri_].type[0] != SLOT_SPILL)                          \
					continue;                                                  \
				r = &f_->stack[ri_].spilled;                                       \
				BODY;                                                              \
			}                                                                          \
		}                                                                                  \
	} while (0)

/* ==== precision backtracking (the kernel's mark_chain_precision) ==== */

/*
 * A scalar is imprecise until its value is found to matter: pointer
 * arithmetic, a helper argument that is not "anything", a conditional jump
 * whose outcome the value decides, a checked return value, a zero
 * stored through a register.  Then the value's sources are marked precise
 * in every saved state of the current path: backtracking walks the
 * instructions recorded since each state was saved (st->hist), turning
 * "r3 needs precision after insn i" into what it needs before i (r3 = r1
 * + r2: r1 and r2; r3 = *(fp - 8): the spilled slot; r3 = 5: nothing),
 * and marks what remains in each parent state.  A saved state's precision
 * is final once it has no branches left, and state.c then treats its
 * imprecise scalars as equal to any scalar.
 *
 * As the kernel's backtrack_insn, the walk keeps one register mask and one
 * slot mask per frame and the frame it is in: going back over a
 * subprogram's first insn to its call, the callee's r1-r5 become the
 * caller's; over an exit into the subprogram, the caller's r0 becomes the
 * callee's (a callback's return value is the helper's, fresh); slots are
 * named with the frame they belong to, so a callee's access through a
 * pointer to its caller's stack marks the caller's slot.  A callback's
 * entry maps its arguments to the helper's (bpf_loop and
 * user_ringbuf_drain: ctx from r3; for_each_map_elem: r1, ctx from r3);
 * its re-entry for the next iteration starts from its entry registers
 * (compared in full by state.c) and the callers' stack as the iteration
 * left it, the slots widen_imprecise_scalars made unknown dropped.  Anything backtracking does not model (r1-r5 across a
 * helper call, ld_abs leaving a subprogram, scalars linked across frames)
 * marks every scalar of the path precise.
 */
struct bt_mask {
	int frame;
	uint16_t regs[VERIF_MAX_FRAMES];
	uint64_t slots[VERIF_MAX_FRAMES];
};

static bool bt_empty(const struct bt_mask *bt)
{
	int i;

	for (i = 0; i < VERIF_MAX_FRAMES; i++)
		if (bt->regs[i] || bt->slots[i])
			return false;
	return true;
}

static void hist_push(struct verif_env *env, struct verif_state *st, int idx)
{
	struct verif_hist *h;

	if (!env->dyn_prec)
		return;
	if (st->hist_len == st->hist_cap) {
		int cap = st->hist_cap ? st->hist_cap * 2 : 32;

		h = ub_realloc(st->hist, (size_t)cap * sizeof(*h));
		if (!h) { /* out of memory: give up on backtracking, soundly */
			env->dyn_prec = false;
			return;
		}
		st->hist = h;
		st->hist_cap = cap;
	}
	h = &st->hist[st->hist_len++];
	memset(h, 0, sizeof(*h));
	h->idx = idx;
	h->spi = -1;
	h->frame = (uint8_t)st->curframe;
}

static struct verif_hist *hist_cur(struct verif_env *env, struct verif_state *st)
{
	if (!env->dyn_prec || !st->hist_len || st->hist[st->hist_len - 1].idx != env->cur_insn)
		return NULL;
	return &st->hist[st->hist_len - 1];
}

static void hist_flag(struct verif_env *env, struct verif_state *st, uint8_t flag)
{
	struct verif_hist *h = hist_cur(env, st);

	if (h)
		h->flags = flag;
}

static void mark_all_precise(struct verif_env *env, struct verif_state *st)
{
	/* a saved state's registers only gain marks: once one is marked in
	 * full, so are its parents (the walk stops there; without that,
	 * callback iterations made this quadratic in the path's length) */
	for (; st && !st->all_precise; st = st->parent) {
		env->bt_steps++;
		env->marks++;
		FOR_EACH_REG(st, r, {
			if (r->type == SCALAR_VALUE && !r->precise)
				r->precise = VERIF_PRECISE_ALL;
		})
			;
		st->all_precise = true;
	}
}

/* a frame transition going back over h (call, callback entry, exit) */
static bool backtrack_frame(struct verif_env *env, const struct verif_hist *h, struct bt_mask *bt)
{
	const struct userbpf_insn *insn = &env->insns[h->idx];
	int op = env->ops[h->idx], fr = bt->frame;

	if ((op == ISA_CALL_LOCAL || (op == ISA_CALL && (h->flags & HF_CB_ENTER))) &&
	    h->frame + 1 == fr) {
		/* back from the callee's first insn: only its arguments remain */
		uint16_t m = bt->regs[fr];

		if ((m & ~0x3eu) || bt->slots[fr])
			return false;
		bt->regs[fr] = 0;
		bt->frame = --fr;
		if (op == ISA_CALL_LOCAL) {
			bt->regs[fr] |= m;
		} else if (insn->imm == 164) { /* for_each_map_elem(map, cb, ctx) */
			bt->regs[fr] |= (uint16_t)((m & 0x2) | (m & 0x10 ? 0x8 : 0));
		} else { /* bpf_loop(n, cb, ctx), user_ringbuf_drain(map, cb, ctx) */
			bt->regs[fr] |= (uint16_t)(m & 0x4 ? 0x8 : 0);
		}
		return true;
	}
	if ((isa_table[op].flags & F_EXIT) && h->frame == fr + 1 && !(h->flags & HF_REENTRY)) {
		/* back from the caller into the returning callee */
		uint16_t r0 = bt->regs[fr] & 1;

		if (bt->regs[fr] & 0x3e)
			return false;
		if (fr + 1 >= VERIF_MAX_FRAMES || bt->regs[fr + 1] || bt->slots[fr + 1])
			return false;
		bt->regs[fr] &= (uint16_t)~1u;
		bt->frame = ++fr;
		if (!(h->flags & HF_CB_EXIT)) /* a callback's r0 is not the helper's */
			bt->regs[fr] = r0;
		return true;
	}
	return false;
}

/* what insn h needs precise before it, given bt after it; false: unmodelled */
static bool backtrack_insn(struct verif_env *env, const struct verif_hist *h, struct bt_mask *bt)
{
	const struct userbpf_insn *insn = &env->insns[h->idx];
	int op = env->ops[h->idx];
	uint32_t fl = isa_table[op].flags;
	bool use_src = isa_table[op].fields & U_SRC;
	uint16_t d = (uint16_t)(1u << (insn->dst_reg & 15)),
		 s = (uint16_t)(1u << (insn->src_reg & 15));
	uint64_t slot = h->spi >= 0 ? 1ull << h->spi : 0;
	uint16_t *regs;
	uint64_t *slots = &bt->slots[h->sfr < VERIF_MAX_FRAMES ? h->sfr : 0];

	if (h->frame != bt->frame)
		return backtrack_frame(env, h, bt);
	regs = &bt->regs[bt->frame];
	if (fl & F_ALU) {
		uint8_t code = insn->code & 0xf0;

		if (!(*regs & d))
			return true;
		if (code == 0xb0) { /* mov */
			*regs &= (uint16_t)~d;
			if (use_src && insn->src_reg != 10)
				*regs |= s;
		} else if (use_src && insn->src_reg != 10) {
			*regs |= s;
		}
		return true;
	}
	if (fl & F_LDDW) {
		*regs &= (uint16_t)~d;
		return true;
	}
	if (fl & F_LDPKT) {
		if (*regs & 0x3e)
			return false;
		*regs &= (uint16_t)~1u;
		return true;
	}
	if (fl & F_LOAD) {
		if (!(*regs & d))
			return true;
		*regs &= (uint16_t)~d;
		*slots |= slot; /* a fill: the spilled value */
		return true;
	}
	if (fl & (F_STORE | F_ATOMIC)) {
		if (!(*slots & slot))
			return true;
		*slots &= ~slot;
		if (use_src)
			*regs |= s;
		if (fl & F_W0)
			*regs |= 1;
		return true;
	}
	if (fl & F_COND) {
		if ((h->flags & HF_LFALL) && !bt_empty(bt))
			return false;
		if (use_src && (*regs & (d | s)))
			*regs |= (uint16_t)(d | s);
		if ((*regs & h->lregs) ||
		    (h->lsfr < VERIF_MAX_FRAMES && (bt->slots[h->lsfr] & h->lslots))) {
			*regs |= h->lregs;
			if (h->lsfr < VERIF_MAX_FRAMES)
				bt->slots[h->lsfr] |= h->lslots;
		}
		return true;
	}
	if (op == ISA_JA || op == ISA_JA32)
		return true;
	if (op == ISA_CALL) {
		if (*regs & 0x3e)
			return false;
		*regs &= (uint16_t)~1u;
		return true;
	}
	if ((fl & F_EXIT) && (h->flags & HF_REENTRY)) {
		/*
		 * The callback's next iteration starts from its entry registers
		 * (state.c compares them in full) and its callers' stack as
		 * the iteration left it, the slots it widened (h->lslots of
		 * frame h->lsfr) unknown: those need nothing before; the rest
		 * (other frames' widened slots too: more marks are safe) go on.
		 */
		if ((*regs & ~0x3eu) || bt->slots[bt->frame])
			return false;
		*regs = 0;
		if (h->lsfr < bt->frame)
			bt->slots[h->lsfr] &= ~h->lslots;
		return true;
	}
	return false; /* a call or exit that does not change frames */
}

/*
 * Mark the registers and slots of bt precise along st's path.
 * skip_first: st's last recorded insn is the one being checked, whose
 * inputs are what bt names.
 */
static void mark_precise(struct verif_env *env, struct verif_state *st, struct bt_mask bt,
			 bool skip_first)
{
	struct verif_state *cur = st;
	uint64_t m;
	int i, fr;

	if (!env->dyn_prec || bt_empty(&bt))
		return;
	bt.frame = st->curframe;
	for (;;) {
		env->bt_steps += (uint64_t)st->hist_len + 1;
		for (i = st->hist_len - 1; i >= 0; i--) {
			if (skip_first) {
				skip_first = false;
				if (st->hist[i].idx == env->cur_insn)
					continue;
			}
			if (!backtrack_insn(env, &st->hist[i], &bt)) {
				mark_all_precise(env, cur->parent);
				return;
			}
			for (fr = 0; fr < VERIF_MAX_FRAMES; fr++)
				bt.regs[fr] &= 0x3ff; /* r10 (a jump's operand) is never a scalar */
		}
		skip_first = false;
		st = st->parent;
		if (!st)
			return;
		if (bt.frame != st->curframe) { /* a path the walk cannot follow */
			mark_all_precise(env, cur->parent);
			return;
		}
		for (fr = 0; fr <= bt.frame; fr++) {
			struct verif_frame *f = st->frames[fr];

			/* (the set bits only: this runs at every saved state of the walk) */
			for (m = bt.regs[fr]; m; m &= m - 1) {
				struct verif_reg *r = &f->regs[i = __builtin_ctzll(m)];

				if (r->type != SCALAR_VALUE || r->precise) {
					bt.regs[fr] &= (uint16_t)~(1u << i);
				} else {
					r->precise = VERIF_PRECISE_BT;
					env->marks++;
				}
			}
			for (m = bt.slots[fr]; m; m &= m - 1) {
				struct verif_reg *r;

				i = __builtin_ctzll(m);
				r = i < f->nslots && f->stack[i].type[0] == SLOT_SPILL ?
					    &f->stack[i].spilled :
					    NULL;
				if (!r || r->type != SCALAR_VALUE || r->precise) {
					bt.slots[fr] &= ~(1ull << i);
				} else {
					r->precise = VERIF_PRECISE_BT;
					env->marks++;
				}
			}
		}
		if (bt_empty(&bt))
			return;
	}
}

static void mark_reg_precise(struct verif_env *env, struct verif_state *st, int regno)
{
	struct bt_mask bt;

	if (regno < 0 || regno > 9 || reg_of(st, regno)->type != SCALAR_VALUE)
		return;
	/* same insn, state, history and parent: the same walk, already done */
	if (env->memo_processed == env->processed && env->memo_st == st &&
	    env->memo_parent == st->parent && env->memo_hist_len == st->hist_len &&
	    env->memo_frame == st->curframe) {
		if (env->memo_regs >> regno & 1)
			return;
	} else {
		env->memo_processed = env->processed;
		env->memo_st = st;
		env->memo_parent = st->parent;
		env->memo_hist_len = st->hist_len;
		env->memo_frame = st->curframe;
		env->memo_regs = 0;
	}
	memset(&bt, 0, sizeof(bt));
	bt.regs[st->curframe] = (uint16_t)(1u << regno);
	mark_precise(env, st, bt, true);
	env->memo_regs |= (uint16_t)(1u << regno);
}

/* For insn_facts.c: a fact the JIT relies on makes the register precise. */
void verif_mark_reg_precise(struct verif_env *env, struct verif_state *st, int regno)
{
	mark_reg_precise(env, st, regno);
}

/* pruned against old: what old's continuation needed precise, cur's needs */
static void propagate_precision(struct verif_env *env, const struct verif_state *old,
				struct verif_state *st, int idx)
{
	struct bt_mask bt;
	int i, fr;

	memset(&bt, 0, sizeof(bt));
	for (fr = 0; fr <= old->curframe; fr++) {
		const struct verif_frame *f = old->frames[fr];
		uint16_t want =
			fr == old->curframe ?
				(uint16_t)(env->live[idx] & env->precise[idx]) :
				(uint16_t)(env->live[old->frames[fr + 1]->callsite + 1] &
					   env->precise[old->frames[fr + 1]->callsite + 1] & 0x3c0);

		for (i = 0; i < 10; i++)
			if (f->regs[i].type == SCALAR_VALUE && f->regs[i].precise &&
			    (want & (1u << i)))
				bt.regs[fr] |= (uint16_t)(1u << i);
		for (i = 0; i < f->nslots && i < 64; i++)
			if (f->stack[i].type[0] == SLOT_SPILL &&
			    f->stack[i].spilled.type == SCALAR_VALUE && f->stack[i].spilled.precise)
				bt.slots[fr] |= 1ull << i;
	}
	mark_precise(env, st, bt, false);
}

/* a saved state starts with no precision: its continuation sets it */
static void clear_precise(struct verif_state *st)
{
	FOR_EACH_REG(st, r, { r->precise = 0; })
		;
	st->all_precise = false;
}

/* ==== maps and helpers ==== */

static int find_map(struct verif_env *env, unsigned src_reg, int32_t imm)
{
	const struct userbpf_verifier_opts *o = env->opts;
	struct userbpf_verifier_map d;
	struct verif_map *m;
	bool by_idx = src_reg == USERBPF_PSEUDO_MAP_IDX || src_reg == USERBPF_PSEUDO_MAP_IDX_VALUE;
	unsigned kind =
		(src_reg == USERBPF_PSEUDO_MAP_VALUE || src_reg == USERBPF_PSEUDO_MAP_IDX_VALUE) ?
			1 :
			0;
	int i;

	(void)kind;
	for (i = 0; i < env->nmaps; i++)
		if (env->maps[i].imm == imm && env->maps[i].src_reg == (by_idx ? 5u : 1u))
			return i;
	memset(&d, 0, sizeof(d));
	if (o->map_desc && !(by_idx && o->maps)) {
		if (o->map_desc(o->map_desc_cookie, by_idx ? 5 : 1, imm, &d))
			return -1;
	} else {
		if (!o->maps || imm < 0 || (size_t)imm >= o->map_cnt)
			return -1;
		d = o->maps[imm];
	}
	m = ub_realloc(env->maps, (size_t)(env->nmaps + 2) * sizeof(*m));
	if (!m)
		return -2;
	env->maps = m;
	m = &env->maps[env->nmaps];
	memset(m, 0, sizeof(*m));
	m->d = d;
	m->src_reg = by_idx ? 5u : 1u;
	m->imm = imm;
	m->inner_idx = -1;
	env->nmaps++;
	if (d.inner) {
		struct verif_map *in = &env->maps[env->nmaps];

		memset(in, 0, sizeof(*in));
		in->d = *d.inner;
		in->d.inner = NULL;
		in->src_reg = 0xff; /* never matched by lddw */
		in->imm = -1;
		in->inner_idx = -1;
		env->maps[env->nmaps - 1].inner_idx = env->nmaps;
		env->nmaps++;
	}
	return env->nmaps - (d.inner ? 2 : 1);
}

static const struct userbpf_helper *find_helper(struct verif_env *env, int32_t id)
{
	size_t i;

	for (i = env->extra_cnt; i > 0; i--)
		if (env->extra[i - 1].id == (uint32_t)id)
			return &env->extra[i - 1];
	for (i = 0; i < env->helper_cnt; i++)
		if (env->helpers[i].id == (uint32_t)id)
			return &env->helpers[i];
	return NULL;
}

/* ==== memory access ==== */

enum { ACC_READ, ACC_WRITE, ACC_ATOMIC, ACC_HELPER_READ, ACC_HELPER_WRITE };

/* [off, off + size) inside [0, limit) with the register's variable part */
static int check_region(struct verif_env *env, int regno, const struct verif_reg *reg, int off,
			int size, uint64_t limit, int kind)
{
	int64_t lo = reg->v.smin + off;
	uint64_t hi;

	if (reg->v.smin < 0 && !tnum_is_const(reg->v.t) &&
	    (reg->v.smin <= -VERIF_MAX_VAR_OFF || lo < 0))
		return ERR_ACCES(
			"R%d min value is negative, either use unsigned index or do a if (index >=0) check.\n",
			regno);
	if (reg->v.umax >= VERIF_MAX_VAR_OFF && (int64_t)reg->v.umax >= 0)
		return ERR_ACCES(
			"R%d unbounded memory access, make sure to bounds check any such access\n",
			regno);
	if ((int64_t)reg->v.umax < 0 && reg->v.smax >= VERIF_MAX_VAR_OFF)
		return ERR_ACCES(
			"R%d unbounded memory access, make sure to bounds check any such access\n",
			regno);
	hi = (uint64_t)(reg->v.smax + off);
	if (lo < 0 || (uint64_t)lo + (uint64_t)size > limit || (int64_t)hi < 0 ||
	    hi + (uint64_t)size > limit) {
		int64_t bad = lo < 0 || (uint64_t)lo + (uint64_t)size > limit ? lo : (int64_t)hi;

		switch (kind) {
		case PTR_TO_MAP_VALUE:
			return ERR_ACCES(
				"invalid access to map value, value_size=%llu off=%lld size=%d\n",
				(unsigned long long)limit, (long long)bad, size);
		case PTR_TO_MAP_KEY:
			return ERR_ACCES(
				"invalid access to map key, key_size=%llu off=%lld size=%d\n",
				(unsigned long long)limit, (long long)bad, size);
		case PTR_TO_PACKET:
		case PTR_TO_PACKET_META:
			return ERR_ACCES(
				"invalid access to packet, off=%lld size=%d, R%d(id=%u,off=%d,r=%u)\n",
				(long long)bad, size, regno, reg->id, reg->off, reg->range);
		default:
			return ERR_ACCES(
				"invalid access to memory, mem_size=%llu off=%lld size=%d\n",
				(unsigned long long)limit, (long long)bad, size);
		}
	}
	return 0;
}

static void scalar_of_size(struct verif_reg *dst, int size, bool sign_ext)
{
	verif_mark_unknown(dst);
	if (size >= 8)
		return;
	if (sign_ext) {
		int64_t half = 1ll << (size * 8 - 1);

		dst->v.smin = -half;
		dst->v.smax = half - 1;
	} else {
		dst->v.t = tnum_cast(tnum_unknown(), (uint8_t)size);
	}
	verif_scalar_sync(&dst->v);
}

static uint64_t load_le(const uint8_t *p, int size)
{
	uint64_t v = 0;
	int i;

	for (i = size - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t sext(uint64_t v, int size)
{
	int sh = 64 - size * 8;

	return size >= 8 ? v : (uint64_t)(((int64_t)(v << sh)) >> sh);
}

/* the frame a stack pointer points into */
static struct verif_frame *stack_frame(struct verif_state *st, const struct verif_reg *reg)
{
	return st->frames[reg->frameno];
}

static void note_depth(struct verif_env *env, struct verif_state *st, const struct verif_reg *reg,
		       int64_t lo)
{
	int sp = stack_frame(st, reg)->subprog;

	if (-lo > env->subprogs[sp].stack_depth)
		env->subprogs[sp].stack_depth = (int)-lo;
}

static int stack_bounds(struct verif_env *env, int regno, const struct verif_reg *reg, int off,
			int size, int acc, int64_t *lo_out, int64_t *hi_out)
{
	static const char *const what[] = { " read from", " write to", " write to",
					    " indirect access to", " indirect access to" };
	int64_t lo, hi;

	if (tnum_is_const(reg->v.t)) {
		lo = hi = off + (int64_t)reg->v.t.value;
		if (lo < -VERIF_STACK || lo + size > 0 || size <= 0)
			return ERR_ACCES("invalid%s stack R%d off=%lld size=%d\n", what[acc], regno,
					 (long long)lo, size);
	} else {
		lo = reg->v.smin + off;
		hi = reg->v.smax + off;
		if (reg->v.smin <= -VERIF_MAX_VAR_OFF || reg->v.smax >= VERIF_MAX_VAR_OFF ||
		    lo < -VERIF_STACK || hi + size > 0)
			return ERR_ACCES(
				"invalid variable-offset%s stack R%d var_off=(%#llx; %#llx) off=%d size=%d\n",
				what[acc], regno, (unsigned long long)reg->v.t.value,
				(unsigned long long)reg->v.t.mask, off, size);
	}
	*lo_out = lo;
	*hi_out = hi;
	return 0;
}

static struct verif_slot *slot_at(struct verif_frame *f, int64_t byte_off, int *b)
{
	int j = (int)((-byte_off - 1) / 8);

	*b = (int)((byte_off + VERIF_STACK) & 7);
	return j < f->nslots ? &f->stack[j] : NULL;
}

/* mark [lo, hi + size) written with unknown bytes (helpers, var-off writes) */
static int stack_clobber(struct verif_state *st, const struct verif_reg *reg, int64_t lo,
			 int64_t end, uint8_t type)
{
	struct verif_frame *f = stack_frame(st, reg);
	int64_t o;
	int b;

	if (verif_frame_grow(f, (int)((-lo + 7) / 8)))
		return -ENOMEM;
	for (o = lo; o < end; o++) {
		struct verif_slot *s = slot_at(f, o, &b);

		if (s->type[0] == SLOT_SPILL) {
			memset(s->type, SLOT_MISC, 8);
			verif_mark_not_init(&s->spilled);
		}
		s->type[b] = type;
	}
	return 0;
}

/* bytes of a spilled register (8, or a narrow scalar spill's 1, 2, 4) */
static int spill_size(const struct verif_slot *s)
{
	int n = 0;

	while (n < 8 && s->type[n] == SLOT_SPILL)
		n++;
	return n;
}

/*
 * The low size bytes of a scalar, zero- or sign-extended (a narrow spill
 * or fill; the kernel's coerce_reg_to_size): the bounds stay when the
 * value fits, else an unknown value of that size.
 */
static void narrow_scalar(struct verif_reg *dst, const struct verif_reg *src, int size,
			  bool sign_ext)
{
	uint64_t lim = size >= 8 ? ~0ull :
		       sign_ext	 ? (1ull << (size * 8 - 1)) - 1 :
				   (1ull << (size * 8)) - 1;

	if (src->type == SCALAR_VALUE && src->v.umax <= lim) {
		*dst = *src;
		if (size < 8)
			dst->flags = 0;
		return;
	}
	if (is_const(src)) {
		uint64_t v = src->v.t.value & (size >= 8 ? ~0ull : (1ull << (size * 8)) - 1);

		verif_mark_const(dst, sign_ext ? sext(v, size) : v);
		return;
	}
	if (src->type == SCALAR_VALUE && !sign_ext && size < 8) {
		/* truncate: the low bits' tnum, and the range when the high
		 * bits do not vary (coerce_reg_to_size) */
		uint64_t mask = (1ull << (size * 8)) - 1;

		verif_mark_unknown(dst);
		dst->v.t = tnum_cast(src->v.t, (uint8_t)size);
		if ((src->v.umin & ~mask) == (src->v.umax & ~mask)) {
			dst->v.umin = src->v.umin & mask;
			dst->v.umax = src->v.umax & mask;
		} else {
			dst->v.umin = 0;
			dst->v.umax = mask;
		}
		dst->v.smin = (int64_t)dst->v.umin;
		dst->v.smax = (int64_t)dst->v.umax;
		verif_scalar_sync(&dst->v);
		if (!verif_scalar_valid(&dst->v))
			scalar_of_size(dst, size, false);
		return;
	}
	scalar_of_size(dst, size, sign_ext);
}

/*
 * ==== dynptrs on the stack ====
 * A dynptr takes two 8-byte slots, all bytes SLOT_DYNPTR; the first slot
 * (the lower address, spi) says dynptr_first.  The kernel's
 * invalidate_dynptr / destroy_if_dynptr_stack_slot.
 */
static void invalidate_dynptr(struct verif_frame *f, int spi)
{
	int i;

	for (i = spi - 1; i <= spi; i++) {
		memset(f->stack[i].type, SLOT_INVALID, 8);
		verif_mark_not_init(&f->stack[i].spilled);
	}
}

/* A store (or a new dynptr) into slot spi of frame f: a dynptr there
 * dies, with the slices bpf_dynptr_data gave of it; a referenced
 * (ringbuf) one must be submitted or discarded instead. */
static int destroy_dynptr(struct verif_env *env, struct verif_state *st, struct verif_frame *f,
			  int spi)
{
	uint32_t id;

	if (spi < 0 || spi >= f->nslots || f->stack[spi].type[0] != SLOT_DYNPTR)
		return 0;
	if (!f->stack[spi].spilled.dynptr_first)
		spi++;
	if (spi >= f->nslots || spi < 1)
		return ERR_INVAL("verifier bug: a dynptr without its first slot\n");
	if (f->stack[spi].spilled.dynptr_type == DYNPTR_RINGBUF)
		return ERR_INVAL("cannot overwrite referenced dynptr\n");
	id = f->stack[spi].spilled.id;
	invalidate_dynptr(f, spi);
	FOR_EACH_REG(st, r, {
		if (r->type == PTR_TO_MEM && r->dynptr_id == id)
			verif_mark_unknown(r); /* root: mark_reg_invalid */
	})
		;
	return 0;
}

/* the first byte in [lo, end) of a dynptr, or 1 (none) */
static int64_t dynptr_byte(struct verif_frame *f, int64_t lo, int64_t end)
{
	int64_t o;
	int b;

	for (o = lo; o < end; o++) {
		struct verif_slot *s = slot_at(f, o, &b);

		if (s && s->type[b] == SLOT_DYNPTR)
			return o;
	}
	return 1;
}

static int stack_write(struct verif_env *env, struct verif_state *st, int regno,
		       const struct verif_reg *reg, int off, int size, const struct verif_reg *val)
{
	int64_t lo, hi, o;
	struct verif_frame *f = stack_frame(st, reg);
	int err = stack_bounds(env, regno, reg, off, size, ACC_WRITE, &lo, &hi), b;
	struct verif_slot *s;

	if (err)
		return err;
	note_depth(env, st, reg, lo);
	/* a write into a dynptr destroys it (a referenced one may not be) */
	for (o = lo; o < hi + size; o += 8 - ((o + VERIF_STACK) & 7)) {
		err = destroy_dynptr(env, st, f, (int)((-o - 1) / 8));
		if (err)
			return err;
	}
	if (lo != hi) /* root: every byte the write may touch becomes unknown
		       * (the kernel's check_stack_write_var_off) */
		return stack_clobber(st, reg, lo, hi + size, SLOT_MISC);
	if (lo % size)
		return ERR_ACCES("misaligned stack access off %lld size %d\n", (long long)lo, size);
	if (verif_frame_grow(f, (int)((-lo + 7) / 8)))
		return -ENOMEM;
	s = slot_at(f, lo, &b);
	if (hist_cur(env, st)) {
		hist_cur(env, st)->spi = (int16_t)((-lo - 1) / 8);
		hist_cur(env, st)->sfr = reg->frameno;
	}
	/* a register spill; a CONST_PTR_TO_DYNPTR is no spillable type
	 * (is_spillable_regtype): its bytes become misc data */
	if (size == 8 && val && val->type != NOT_INIT && val->type != CONST_PTR_TO_DYNPTR) {
		memset(s->type, SLOT_SPILL, 8);
		s->spilled = *val;
		return 0;
	}
	/* a narrow spill of a scalar at the slot's start keeps its bounds
	 * (the kernel's save_register_state of size bytes); a zero stays
	 * zero bytes, which any read of them sees as 0 */
	if (b == 0 && val && val->type == SCALAR_VALUE && !is_null_const(val)) {
		struct verif_reg nv;

		narrow_scalar(&nv, val, size, false);
		/* the rest of an earlier spill becomes misc data; never-written
		 * and zero bytes stay what they were (the kernel's
		 * save_register_state and mark_stack_slot_misc), so a narrow
		 * spill written twice compares as one written once */
		if (s->type[0] == SLOT_SPILL) {
			int k;

			for (k = 0; k < 8; k++)
				if (s->type[k] == SLOT_SPILL)
					s->type[k] = SLOT_MISC;
			verif_mark_not_init(&s->spilled);
		}
		memset(s->type, SLOT_SPILL, (size_t)size);
		s->spilled = nv;
		return 0;
	}
	/* zero bytes are compared exactly, not backtracked: the stored
	 * register's zero must be precise (the kernel does the same) */
	if (val && is_null_const(val) && (env->insns[env->cur_insn].code & 0xe7) == 0x63)
		mark_reg_precise(env, st, env->insns[env->cur_insn].src_reg);
	return stack_clobber(st, reg, lo, lo + size,
			     val && is_null_const(val) ? SLOT_ZERO : SLOT_MISC);
}

static int stack_read(struct verif_env *env, struct verif_state *st, int regno,
		      const struct verif_reg *reg, int off, int size, struct verif_reg *dst,
		      bool sign_ext)
{
	int64_t lo, hi, o;
	struct verif_frame *f = stack_frame(st, reg);
	int err = stack_bounds(env, regno, reg, off, size, ACC_READ, &lo, &hi), b;
	struct verif_slot *s;
	bool zero = true;

	if (err)
		return err;
	note_depth(env, st, reg, lo);
	o = dynptr_byte(f, lo, hi + size);
	if (o <= 0) {
		if (lo == hi)
			return ERR_ACCES("invalid read from stack off %lld+%lld size %d\n",
					 (long long)lo, (long long)(o - lo), size);
		return ERR_ACCES(
			"invalid variable-offset read from stack R%d var_off=(%#llx; %#llx)+%lld size %d\n",
			regno, (unsigned long long)reg->v.t.value,
			(unsigned long long)reg->v.t.mask, (long long)(o - lo), size);
	}
	for (o = lo; o < hi + size; o++) {
		s = slot_at(f, o, &b);
		if (!s || s->type[b] == SLOT_INVALID) {
			env->uninit_stack++; /* root reads it as an unknown value */
			break;
		}
	}
	if (lo != hi) {
		if (dst)
			scalar_of_size(dst, size, sign_ext);
		return 0;
	}
	if (lo % size)
		return ERR_ACCES("misaligned stack access off %lld size %d\n", (long long)lo, size);
	s = slot_at(f, lo, &b);
	if (s && s->type[0] == SLOT_SPILL) {
		if (dst && hist_cur(env, st)) {
			hist_cur(env, st)->spi = (int16_t)((-lo - 1) / 8);
			hist_cur(env, st)->sfr = reg->frameno;
		}
		int ssz = spill_size(s);
		bool inside = b + size <= ssz;

		if (size == 8 && ssz == 8) {
			if (dst)
				*dst = s->spilled;
			return 0;
		}
		if (s->spilled.type != SCALAR_VALUE)
			return ERR_ACCES("invalid size of register fill\n");
		if (dst) {
			if (inside && is_const(&s->spilled)) {
				uint64_t v = s->spilled.v.t.value >> (8 * b);

				v &= size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
				verif_mark_const(dst, sign_ext ? sext(v, size) : v);
			} else if (inside && b == 0) {
				narrow_scalar(dst, &s->spilled, size, sign_ext);
			} else {
				scalar_of_size(dst, size, sign_ext);
				if (hist_cur(env, st))
					hist_cur(env, st)->spi = -1; /* not the spilled value */
			}
		}
		return 0;
	}
	for (o = lo; o < lo + size; o++) {
		s = slot_at(f, o, &b);
		if (!s || s->type[b] != SLOT_ZERO)
			zero = false;
	}
	if (dst) {
		if (zero)
			verif_mark_const(dst, 0);
		else
			scalar_of_size(dst, size, sign_ext);
	}
	return 0;
}

static bool may_access_pkt(uint32_t prog_type, bool write)
{
	switch (prog_type) {
	case USERBPF_PROG_TYPE_SCHED_CLS:
	case USERBPF_PROG_TYPE_SCHED_ACT:
	case USERBPF_PROG_TYPE_XDP:
	case USERBPF_PROG_TYPE_LWT_XMIT:
	case USERBPF_PROG_TYPE_SK_SKB:
	case USERBPF_PROG_TYPE_SK_MSG:
		return true;
	case USERBPF_PROG_TYPE_CGROUP_SKB:
	case USERBPF_PROG_TYPE_LWT_IN:
	case USERBPF_PROG_TYPE_LWT_OUT:
	case USERBPF_PROG_TYPE_LWT_SEG6LOCAL:
	case USERBPF_PROG_TYPE_SK_REUSEPORT:
	case USERBPF_PROG_TYPE_FLOW_DISSECTOR:
		return !write;
	default:
		return false;
	}
}

/* raw (tracing) context rules: bpf_trace.c's *_is_valid_access */
/* the field of struct S holding byte off */
#define CTX_IN(S, F, off)                                                                          \
	((off) >= (int)offsetof(struct S, F) &&                                                    \
	 (off) < (int)(offsetof(struct S, F) + sizeof(((struct S *)0)->F)))
/* bpf_ctx_narrow_access_ok(): 1, 2 or 4 bytes of a u32 field */
#define CTX_NARROW(size) ((size) <= 4 && !((size) & ((size) - 1)))

/* sk_msg_is_valid_access(): read only; data, data_end and sk whole
 * (8 bytes; scalars here, no direct access to the message), the other
 * fields as 4 bytes */
static bool sk_msg_ctx_ok(int off, int size, bool write)
{
	if (write || off % size)
		return false;
	if (off == (int)offsetof(struct sk_msg_md, data) ||
	    off == (int)offsetof(struct sk_msg_md, data_end) ||
	    off == (int)offsetof(struct sk_msg_md, sk))
		return size == 8;
	if (CTX_IN(sk_msg_md, family, off) || CTX_IN(sk_msg_md, remote_ip4, off) ||
	    CTX_IN(sk_msg_md, local_ip4, off) || CTX_IN(sk_msg_md, remote_ip6, off) ||
	    CTX_IN(sk_msg_md, local_ip6, off) || CTX_IN(sk_msg_md, remote_port, off) ||
	    CTX_IN(sk_msg_md, local_port, off) || CTX_IN(sk_msg_md, size, off))
		return size == 4;
	return false;
}

/* lwt_is_valid_access(): no tc_classid, family..local_port, data_meta,
 * tstamp, wire_len, hwtstamp (nor tstamp_type, which only tc reads); writes to mark, priority and cb only; the
 * rest as for tc (bpf_skb_is_valid_access) */
static bool lwt_ctx_ok(int off, int size, bool write)
{
	if (off < 0)
		return false;
	if (CTX_IN(__sk_buff, tc_classid, off) || CTX_IN(__sk_buff, data_meta, off) ||
	    CTX_IN(__sk_buff, tstamp, off) || CTX_IN(__sk_buff, wire_len, off) ||
	    CTX_IN(__sk_buff, hwtstamp, off) || CTX_IN(__sk_buff, tstamp_type, off) ||
	    (off >= (int)offsetof(struct __sk_buff, family) &&
	     off < (int)(offsetof(struct __sk_buff, local_port) + 4)))
		return false;
	if (write && !CTX_IN(__sk_buff, mark, off) && !CTX_IN(__sk_buff, priority, off) &&
	    !CTX_IN(__sk_buff, cb, off))
		return false;
	return ub_ctx_access_ok(USERBPF_PROG_TYPE_SCHED_CLS, (uint32_t)off, (uint32_t)size, write);
}

/* sk_skb_is_valid_access(): no tc_classid, data_meta, tstamp, wire_len,
 * hwtstamp, mark; writes to tc_index and priority only; the rest as
 * bpf_skb_is_valid_access (reads as for cgroup_skb, writes as for tc) */
static bool sk_skb_ctx_ok(int off, int size, bool write)
{
	if (off < 0)
		return false;
	if (CTX_IN(__sk_buff, tc_classid, off) || CTX_IN(__sk_buff, data_meta, off) ||
	    CTX_IN(__sk_buff, tstamp, off) || CTX_IN(__sk_buff, wire_len, off) ||
	    CTX_IN(__sk_buff, hwtstamp, off) || CTX_IN(__sk_buff, mark, off))
		return false;
	if (write)
		return (CTX_IN(__sk_buff, tc_index, off) || CTX_IN(__sk_buff, priority, off)) &&
		       ub_ctx_access_ok(USERBPF_PROG_TYPE_SCHED_CLS, (uint32_t)off, (uint32_t)size,
					true);
	return ub_ctx_access_ok(USERBPF_PROG_TYPE_CGROUP_SKB, (uint32_t)off, (uint32_t)size, false);
}

/* sk_reuseport_is_valid_access(): read only; data, data_end, sk,
 * migrating_sk whole, hash as 4 bytes, the other u32 fields narrowly
 * (eth_protocol in at least 2 bytes) */
static bool sk_reuseport_ctx_ok(int off, int size, bool write)
{
	if (write || off < 0 || off >= (int)sizeof(struct sk_reuseport_md) || off % size)
		return false;
	if (off == (int)offsetof(struct sk_reuseport_md, data) ||
	    off == (int)offsetof(struct sk_reuseport_md, data_end) ||
	    off == (int)offsetof(struct sk_reuseport_md, sk) ||
	    off == (int)offsetof(struct sk_reuseport_md, migrating_sk))
		return size == 8;
	if (off == (int)offsetof(struct sk_reuseport_md, hash))
		return size == 4;
	if (CTX_IN(sk_reuseport_md, eth_protocol, off))
		return size >= 2 && CTX_NARROW(size);
	if (CTX_IN(sk_reuseport_md, ip_protocol, off) || CTX_IN(sk_reuseport_md, bind_inany, off) ||
	    CTX_IN(sk_reuseport_md, len, off))
		return CTX_NARROW(size);
	return false;
}

/* sk_lookup_is_valid_access(): read only; sk (or cookie) whole, the u32
 * fields narrowly, remote_port as 2 bytes narrowly or 4 whole, and the
 * zero padding after it narrowly */
static bool sk_lookup_ctx_ok(int off, int size, bool write)
{
	int pad = (int)offsetof(struct bpf_sk_lookup, remote_port) + 2;

	if (write || off < 0 || off >= (int)sizeof(struct bpf_sk_lookup) || off % size)
		return false;
	if (off < 8)
		return size == 8;
	if (CTX_IN(bpf_sk_lookup, family, off) || CTX_IN(bpf_sk_lookup, protocol, off) ||
	    CTX_IN(bpf_sk_lookup, remote_ip4, off) || CTX_IN(bpf_sk_lookup, local_ip4, off) ||
	    CTX_IN(bpf_sk_lookup, remote_ip6, off) || CTX_IN(bpf_sk_lookup, local_ip6, off) ||
	    CTX_IN(bpf_sk_lookup, local_port, off) || CTX_IN(bpf_sk_lookup, ingress_ifindex, off))
		return CTX_NARROW(size);
	if (CTX_IN(bpf_sk_lookup, remote_port, off))
		return size == 4 || size <= 2;
	if (off >= pad && off < (int)offsetof(struct bpf_sk_lookup, local_ip4))
		return size <= 2;
	return false;
}

/* a kernel layout, capped by the caller's context size when it is smaller */
static bool layout_ok(struct verif_env *env, bool ok, int off, int size)
{
	return ok && (!env->ctx_size || (uint32_t)(off + size) <= env->ctx_size);
}

static bool cgroup_sock_ctx_ok(struct verif_env *env, int off, int size, bool write);

static bool raw_ctx_ok(struct verif_env *env, int off, int size, bool write)
{
	uint32_t limit;

	if (off < 0 || off % size)
		return false;
	switch (env->prog_type) {
	case USERBPF_PROG_TYPE_KPROBE:
		limit = 168; /* struct pt_regs on x86-64 */
		break;
	case USERBPF_PROG_TYPE_TRACEPOINT:
		if (off < 8)
			return false;
		/* Linux checks the record size when attaching (max_ctx_offset);
		 * userbpf's records are the syscall ones: struct
		 * trace_event_raw_sys_enter, 64 bytes, unless ctx_size says */
		limit = 64;
		break;
	case USERBPF_PROG_TYPE_PERF_EVENT:
		limit = 184;
		break;
	case USERBPF_PROG_TYPE_RAW_TRACEPOINT:
	case USERBPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case USERBPF_PROG_TYPE_TRACING:
	case USERBPF_PROG_TYPE_LSM:
	case USERBPF_PROG_TYPE_EXT:
		limit = 12 * 8;
		break;
	case USERBPF_PROG_TYPE_SYSCALL:
		return off + size <= (int)(env->ctx_size ? env->ctx_size : 0xffff);
	/* sock_ops, sk_msg, cgroup/sysctl: their uapi structs, fields read as
	 * scalars (their pointer fields too: no direct packet access) */
	case USERBPF_PROG_TYPE_SOCK_OPS:
		/* sock_ops_is_valid_access(): writable are reply (4) and
		 * sk_txhash (164); bytes_received/acked (168, 176), the pointers
		 * sk, skb_data, skb_data_end (184..207) and skb_hwtstamp (216)
		 * are read whole (8 bytes), skb_tcp_flags (212) narrowly, every
		 * other field as 4 bytes */
		if (write)
			return size == 4 && (off == 4 || off == 164);
		if (off >= 224)
			return false;
		if ((off >= 168 && off < 208) || off >= 216)
			return size == 8;
		if (off == 212) /* skb_tcp_flags: narrow reads of its first bytes */
			return size <= 4;
		return size == 4;
	case USERBPF_PROG_TYPE_SK_MSG:
		return layout_ok(env, sk_msg_ctx_ok(off, size, write), off, size);
	case USERBPF_PROG_TYPE_CGROUP_SOCK:
		return layout_ok(env, cgroup_sock_ctx_ok(env, off, size, write), off, size);
	case USERBPF_PROG_TYPE_LWT_IN:
	case USERBPF_PROG_TYPE_LWT_OUT:
	case USERBPF_PROG_TYPE_LWT_XMIT:
	case USERBPF_PROG_TYPE_LWT_SEG6LOCAL:
		return layout_ok(env, lwt_ctx_ok(off, size, write), off, size);
	case USERBPF_PROG_TYPE_SK_SKB:
		return layout_ok(env, sk_skb_ctx_ok(off, size, write), off, size);
	case USERBPF_PROG_TYPE_SK_REUSEPORT:
		return layout_ok(env, sk_reuseport_ctx_ok(off, size, write), off, size);
	case USERBPF_PROG_TYPE_SK_LOOKUP:
		return layout_ok(env, sk_lookup_ctx_ok(off, size, write), off, size);
	case USERBPF_PROG_TYPE_CGROUP_SYSCTL:
		if (write) /* file_pos */
			return size == 4 && off == 4;
		limit = 8; /* struct bpf_sysctl */
		break;
	default:
		if (!env->ctx_size)
			return false;
		return off + size <= (int)env->ctx_size;
	}
	if (env->ctx_size && env->ctx_size < limit)
		limit = env->ctx_size;
	return !write && (uint32_t)(off + size) <= limit;
}

/*
 * The pointers a raw-kind context hands out (the kernel's info->reg_type
 * of each *_is_valid_access): packet bounds of lwt, sk_skb, sk_msg,
 * sk_reuseport and sock_ops programs, and their sockets.  Called for a
 * valid read.
 */
static int raw_ctx_ptr(struct verif_env *env, int off, uint8_t *flags)
{
	switch (env->prog_type) {
	case USERBPF_PROG_TYPE_LWT_IN:
	case USERBPF_PROG_TYPE_LWT_OUT:
	case USERBPF_PROG_TYPE_LWT_XMIT:
	case USERBPF_PROG_TYPE_LWT_SEG6LOCAL:
	case USERBPF_PROG_TYPE_SK_SKB:
		if (off == (int)offsetof(struct __sk_buff, data))
			return PTR_TO_PACKET;
		if (off == (int)offsetof(struct __sk_buff, data_end))
			return PTR_TO_PACKET_END;
		if (off == (int)offsetof(struct __sk_buff, sk)) {
			*flags = PTR_MAYBE_NULL;
			return PTR_TO_SOCK_COMMON;
		}
		return SCALAR_VALUE;
	case USERBPF_PROG_TYPE_SK_MSG:
		if (off == (int)offsetof(struct sk_msg_md, data))
			return PTR_TO_PACKET;
		if (off == (int)offsetof(struct sk_msg_md, data_end))
			return PTR_TO_PACKET_END;
		if (off == (int)offsetof(struct sk_msg_md, sk))
			return PTR_TO_SOCKET;
		return SCALAR_VALUE;
	case USERBPF_PROG_TYPE_SK_REUSEPORT:
		if (off == (int)offsetof(struct sk_reuseport_md, data))
			return PTR_TO_PACKET;
		if (off == (int)offsetof(struct sk_reuseport_md, data_end))
			return PTR_TO_PACKET_END;
		if (off == (int)offsetof(struct sk_reuseport_md, sk))
			return PTR_TO_SOCKET;
		if (off == (int)offsetof(struct sk_reuseport_md, migrating_sk)) {
			*flags = PTR_MAYBE_NULL;
			return PTR_TO_SOCK_COMMON;
		}
		return SCALAR_VALUE;
	case USERBPF_PROG_TYPE_SK_LOOKUP:
		if (off == (int)offsetof(struct bpf_sk_lookup, sk)) {
			*flags = PTR_MAYBE_NULL;
			return PTR_TO_SOCKET;
		}
		return SCALAR_VALUE;
	case USERBPF_PROG_TYPE_SOCK_OPS: /* read-only packet: no direct writes */
		if (off == (int)offsetof(struct bpf_sock_ops, skb_data))
			return PTR_TO_PACKET;
		if (off == (int)offsetof(struct bpf_sock_ops, skb_data_end))
			return PTR_TO_PACKET_END;
		if (off == (int)offsetof(struct bpf_sock_ops, sk)) {
			*flags = PTR_MAYBE_NULL;
			return PTR_TO_SOCKET;
		}
		return SCALAR_VALUE;
	default:
		return SCALAR_VALUE;
	}
}

/*
 * check_sock_access(): a read through a socket pointer, by the kernel's
 * bpf_sock_is_valid_access (struct bpf_sock), bpf_sock_common_is_valid_access
 * (the same without type..priority) and bpf_tcp_sock_is_valid_access.
 */
static bool sock_field_ok(int type, int off, int size)
{
	int dport = (int)offsetof(struct bpf_sock, dst_port);

	if (off < 0 || off % size)
		return false;
	if (type == PTR_TO_TCP_SOCK) {
		if (off >= (int)(offsetof(struct bpf_tcp_sock, icsk_retransmits) + 4))
			return false;
		if (off == (int)offsetof(struct bpf_tcp_sock, bytes_received) ||
		    off == (int)offsetof(struct bpf_tcp_sock, bytes_acked))
			return size == 8;
		return size == 4;
	}
	if (off >= (int)sizeof(struct bpf_sock))
		return false;
	if (type == PTR_TO_SOCK_COMMON && off >= (int)offsetof(struct bpf_sock, type) &&
	    off < (int)(offsetof(struct bpf_sock, priority) + 4))
		return false;
	if (off == (int)offsetof(struct bpf_sock, state) ||
	    off == (int)offsetof(struct bpf_sock, family) ||
	    off == (int)offsetof(struct bpf_sock, type) ||
	    off == (int)offsetof(struct bpf_sock, protocol) ||
	    off == (int)offsetof(struct bpf_sock, src_port) ||
	    off == (int)offsetof(struct bpf_sock, rx_queue_mapping) ||
	    CTX_IN(bpf_sock, src_ip4, off) || CTX_IN(bpf_sock, src_ip6, off) ||
	    CTX_IN(bpf_sock, dst_ip4, off) || CTX_IN(bpf_sock, dst_ip6, off))
		return CTX_NARROW(size);
	if (off >= dport && off < dport + 2) /* __be16 dst_port: 4 bytes whole, or narrowly */
		return size == 4 || (size <= 2 && !(size & (size - 1)));
	if (off >= dport + 2 && off < (int)offsetof(struct bpf_sock, dst_ip4))
		return false; /* the zero padding after dst_port */
	return size == 4;
}

/*
 * sock_filter_is_valid_access(): a cgroup/sock program's context is a
 * struct bpf_sock (bpf_sock_is_valid_access), with the attach type's
 * rules (__sock_filter_check_attach_type): bound_dev_if, mark and
 * priority only at socket create and release, and writable there;
 * src_ip4, src_ip6 and src_port only after bind (read only).  An
 * unspecified attach type is sock_create (the kernel's load fixup).
 */
static bool cgroup_sock_ctx_ok(struct verif_env *env, int off, int size, bool write)
{
	uint32_t eat = env->eat ? env->eat : 2; /* BPF_CGROUP_INET_SOCK_CREATE */
	bool create = eat == 2 || eat == 34;	/* ... or BPF_CGROUP_INET_SOCK_RELEASE */

	if (!sock_field_ok(PTR_TO_SOCKET, off, size))
		return false;
	if (CTX_IN(bpf_sock, bound_dev_if, off) || CTX_IN(bpf_sock, mark, off) ||
	    CTX_IN(bpf_sock, priority, off))
		return create;
	if (CTX_IN(bpf_sock, src_ip4, off))
		return eat == 12 && !write; /* BPF_CGROUP_INET4_POST_BIND */
	if (CTX_IN(bpf_sock, src_ip6, off))
		return eat == 13 && !write; /* BPF_CGROUP_INET6_POST_BIND */
	if (CTX_IN(bpf_sock, src_port, off))
		return (eat == 12 || eat == 13) && !write;
	return !write;
}

/* ==== BTF-typed pointers: the attach target's prototype (btf_ctx_access) ==== */

static bool tracing_type(const struct verif_env *env)
{
	return env->prog_type == USERBPF_PROG_TYPE_TRACING ||
	       env->prog_type == USERBPF_PROG_TYPE_LSM;
}

/* opts.attach_btf_id: a FUNC (fentry/fexit/fmod_ret, bpf_lsm_HOOK) or a
 * raw tracepoint's TYPEDEF btf_trace_NAME (pointer to its prototype,
 * whose first parameter, the tracepoint's data, is not in the context) */
static void attach_btf_setup(struct verif_env *env, const struct userbpf_btf *btf, uint32_t id)
{
	const struct ub_btf_type *t = btf && id ? ub_btf_type_by_id(btf, id) : NULL;
	int skip = 0;

	if (!t || !tracing_type(env) || env->eat == 28 /* iterators: their own context */)
		return;
	env->aname = ub_btf_type_name(btf, t);
	if (ub_btf_kind(t) == USERBPF_BTF_KIND_FUNC) {
		t = ub_btf_type_by_id(btf, t->size_type);
	} else if (ub_btf_kind(t) == USERBPF_BTF_KIND_TYPEDEF) {
		if (!strncmp(env->aname, "btf_trace_", 10))
			env->aname += 10; /* the kernel names the tracepoint */
		t = ub_btf_type_by_id(btf, t->size_type);
		if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_PTR)
			return;
		t = ub_btf_type_by_id(btf, t->size_type);
		skip = 1;
	} else {
		return;
	}
	if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_FUNC_PROTO || (int)ub_btf_vlen(t) < skip)
		return;
	env->abtf = btf;
	env->aproto = t;
	env->askip = skip;
	env->anargs = (int)ub_btf_vlen(t) - skip;
	/* the traced function's return value follows its arguments */
	env->aret = env->eat == 25 /* fexit */ || env->eat == 26 /* fmod_ret */ ||
		    (env->prog_type == USERBPF_PROG_TYPE_LSM && t->size_type);
}

static const char *btf_name(const struct verif_env *env, uint32_t id)
{
	const struct ub_btf_type *t = ub_btf_type_by_id(env->abtf, id);
	const char *n = t ? ub_btf_type_name(env->abtf, t) : "";

	return n && *n ? n : "(anon)";
}

static bool btf_is_scalar_kind(const struct ub_btf_type *t)
{
	uint32_t k = ub_btf_kind(t);

	return k == USERBPF_BTF_KIND_INT || k == USERBPF_BTF_KIND_ENUM ||
	       k == USERBPF_BTF_KIND_ENUM64;
}

/*
 * An LSM_MAC program's ret slot (the word after the hook's arguments:
 * what the programs before it returned) holds a value in the hook's
 * return range, and a load of it says so (Linux 6.10+, btf_ctx_access's
 * is_retval and __mark_reg_s32_range), so "return ret;" passes the exit
 * check.
 */
static void lsm_ret_slot(struct verif_reg *dst, int32_t lo, int32_t hi)
{
	struct verif_scalar *v = &dst->v;

	v->s32min = v->s32min > lo ? v->s32min : lo;
	v->s32max = v->s32max < hi ? v->s32max : hi;
	v->smin = v->smin > lo ? v->smin : lo;
	v->smax = v->smax < hi ? v->smax : hi;
	verif_scalar_sync(v);
}

/*
 * The context word of argument arg (arg == anargs: the return value):
 * 1 and *sid a pointer to the struct *sid, 0 a scalar, or an error.
 */
static int btf_ctx_arg(struct verif_env *env, int arg, uint32_t *sid)
{
	const struct ub_btf_param *params = ub_btf_extra(env->aproto);
	const struct ub_btf_type *t;
	uint32_t tid, rid = 0;

	if (arg > env->anargs || (arg == env->anargs && !env->aret))
		return ERR_ACCES("func '%s' doesn't have %d-th argument\n", env->aname, arg + 1);
	tid = arg < env->anargs ? params[env->askip + arg].type : env->aproto->size_type;
	if (!tid)
		return 0; /* void return of fexit: reads as a number */
	t = ub_btf_skip_mods_typedefs(env->abtf, tid, &rid);
	if (!t)
		return 0;
	if (btf_is_scalar_kind(t) || ub_btf_is_composite(t))
		return 0; /* a number, or a struct passed by value */
	if (ub_btf_kind(t) != USERBPF_BTF_KIND_PTR)
		return ERR_ACCES("func '%s' arg%d has type %s. Only pointer access is allowed\n",
				 env->aname, arg, ub_btf_kind_str(t));
	if (!t->size_type)
		return 0; /* void * */
	t = ub_btf_skip_mods_typedefs(env->abtf, t->size_type, &rid);
	if (!t || btf_is_scalar_kind(t) || ub_btf_kind(t) == USERBPF_BTF_KIND_PTR ||
	    ub_btf_kind(t) == USERBPF_BTF_KIND_FUNC_PROTO)
		return 0; /* int *, char *, a pointer to pointer or function: a number */
	if (!ub_btf_is_composite(t))
		return ERR_ACCES("func '%s' arg%d type %s is not a struct\n", env->aname, arg,
				 ub_btf_kind_str(t));
	*sid = rid;
	return 1;
}

/*
 * A load of size bytes at off of the struct sid (btf_struct_walk): within
 * the struct, a field that is a pointer to a struct loaded whole is a
 * PTR_TO_BTF_ID in turn, anything else a scalar.
 */
static int btf_struct_load(struct verif_env *env, uint32_t sid, int64_t off, int size,
			   struct verif_reg *dst, bool sign_ext)
{
	const struct ub_btf_type *t = ub_btf_skip_mods_typedefs(env->abtf, sid, &sid);
	int64_t sz = ub_btf_resolve_size(env->abtf, sid);
	int depth;

	if (!t || sz < 0 || off + size > sz)
		return ERR_ACCES("access beyond struct %s at off %lld size %d\n",
				 btf_name(env, sid), (long long)off, size);
	if (dst)
		scalar_of_size(dst, size, sign_ext);
	for (depth = 0; depth < 32 && t && ub_btf_is_composite(t); depth++) {
		const struct ub_btf_type *mt = NULL;
		uint32_t i, mid = 0;
		int64_t moff = 0, msz = 0;

		for (i = 0; i < ub_btf_vlen(t); i++) {
			if (ub_btf_member_bitfield_size(t, i))
				continue;
			moff = ub_btf_member_bit_offset(t, i) / 8;
			msz = ub_btf_resolve_size(env->abtf, ub_btf_members(t)[i].type);
			if (msz > 0 && off >= moff && off + size <= moff + msz) {
				mt = ub_btf_skip_mods_typedefs(env->abtf, ub_btf_members(t)[i].type,
							       &mid);
				break;
			}
		}
		if (!mt)
			return 0; /* padding, a bitfield or a straddling load: a number */
		off -= moff;
		if (ub_btf_kind(mt) == USERBPF_BTF_KIND_ARRAY) {
			const struct ub_btf_array *a = ub_btf_array(mt);
			int64_t esz = ub_btf_resolve_size(env->abtf, a->type);

			if (esz <= 0)
				return 0;
			off %= esz;
			mt = ub_btf_skip_mods_typedefs(env->abtf, a->type, &mid);
			if (!mt)
				return 0;
		}
		if (ub_btf_kind(mt) == USERBPF_BTF_KIND_PTR && !off && size == 8 && mt->size_type) {
			const struct ub_btf_type *pt;
			uint32_t pid = 0;

			pt = ub_btf_skip_mods_typedefs(env->abtf, mt->size_type, &pid);
			if (pt && ub_btf_is_composite(pt) && dst) {
				reg_ptr(dst, PTR_TO_BTF_ID);
				dst->mem_size = pid;
			}
			return 0;
		}
		t = mt;
	}
	return 0;
}

static int check_ctx_access(struct verif_env *env, int regno, const struct verif_reg *reg, int off,
			    int size, int acc, struct verif_reg *dst, bool sign_ext)
{
	bool write = acc == ACC_WRITE || acc == ACC_ATOMIC;
	int type = SCALAR_VALUE;
	uint8_t flags = 0;

	if (!tnum_is_const(reg->v.t))
		return ERR_ACCES("variable ctx access var_off=(%#llx; %#llx) disallowed\n",
				 (unsigned long long)reg->v.t.value,
				 (unsigned long long)reg->v.t.mask);
	if (reg->off || reg->v.t.value)
		return ERR_ACCES("dereference of modified ctx ptr R%d off=%lld disallowed\n", regno,
				 (long long)(reg->off + (int64_t)reg->v.t.value));
	if (acc == ACC_ATOMIC)
		return ERR_ACCES("BPF_ATOMIC stores into R%d ctx is not allowed\n", regno);
	if (env->ctx_kind == UB_CTX_RAW) {
		if (!raw_ctx_ok(env, off, size, write))
			return ERR_ACCES("invalid bpf_context access off=%d size=%d\n", off, size);
		if (!write)
			type = raw_ctx_ptr(env, off, &flags);
	} else {
		if (off < 0 ||
		    !ub_ctx_access_ok(env->prog_type, (uint32_t)off, (uint32_t)size, write))
			return ERR_ACCES("invalid bpf_context access off=%d size=%d\n", off, size);
		if (!write) {
			if (env->ctx_kind == UB_CTX_SKB) {
				if (off == (int)offsetof(struct __sk_buff, data))
					type = PTR_TO_PACKET;
				else if (off == (int)offsetof(struct __sk_buff, data_end))
					type = PTR_TO_PACKET_END;
				else if (off == (int)offsetof(struct __sk_buff, data_meta))
					type = PTR_TO_PACKET_META;
			} else {
				if (off == (int)offsetof(struct xdp_md, data))
					type = PTR_TO_PACKET;
				else if (off == (int)offsetof(struct xdp_md, data_end))
					type = PTR_TO_PACKET_END;
				else if (off == (int)offsetof(struct xdp_md, data_meta))
					type = PTR_TO_PACKET_META;
			}
			if (type != SCALAR_VALUE && !may_access_pkt(env->prog_type, false))
				type = SCALAR_VALUE;
			if (env->ctx_kind == UB_CTX_SKB &&
			    off == (int)offsetof(struct __sk_buff, sk)) {
				type = PTR_TO_SOCK_COMMON;
				flags = PTR_MAYBE_NULL;
			}
			/* the kernel refuses sign-extending loads of data/data_end/meta */
			if (type != SCALAR_VALUE && sign_ext)
				return ERR_ACCES("invalid bpf_context access off=%d size=%d\n", off,
						 size);
		}
	}
	/* tracing (tp_btf, fentry/fexit, iterators) and LSM contexts are
	 * arrays of u64 arguments; a whole word may be a kernel object
	 * pointer (the kernel types it from the target's BTF): it becomes a
	 * PTR_TO_BTF_ID, read fault-tolerantly, degrading to a scalar under
	 * any arithmetic but adding a constant */
	if (dst) {
		if (type == SCALAR_VALUE) {
			scalar_of_size(dst, size, false);
		} else {
			reg_ptr(dst, type);
			dst->flags = flags;
			if (flags & PTR_MAYBE_NULL)
				dst->id = ++env->id_gen;
		}
		if (type == SCALAR_VALUE && !write && env->aproto) {
			/* typed by the target's prototype (btf_ctx_access) */
			uint32_t sid = 0;
			int k;

			if (off % 8)
				return ERR_ACCES("func '%s' offset %d is not multiple of 8\n",
						 env->aname, off);
			k = btf_ctx_arg(env, off / 8, &sid);
			if (k < 0)
				return k;
			if (k == 1 && size == 8) {
				reg_ptr(dst, PTR_TO_BTF_ID);
				dst->mem_size = sid;
			} else if (k == 0 && off / 8 == env->anargs && env->ret_range &&
				   env->prog_type == USERBPF_PROG_TYPE_LSM && env->eat == 27) {
				lsm_ret_slot(dst, env->ret_range[0], env->ret_range[1]);
			}
		} else if (type == SCALAR_VALUE && size == 8 && !write && !(off % 8) &&
			   tracing_type(env)) {
			dst->flags |= SCALAR_BTF_PTR;
		}
		/* struct bpf_iter__bpf_map_elem { meta, map, key, value }: the
		 * value may be written (PTR_TO_BUF), the key only read */
		if (type == SCALAR_VALUE && size == 8 && off == 24 && !write &&
		    env->prog_type == USERBPF_PROG_TYPE_TRACING && env->eat == 28 &&
		    env->attach_target && !strcmp(env->attach_target, "bpf_map_elem"))
			dst->flags |= SCALAR_BTF_WRITABLE;
	}
	return 0;
}

/*
 * One load, store or atomic through register regno at insn offset off.
 * dst receives a loaded value (may be NULL); val is the stored register
 * (NULL for an immediate store, see imm).
 */
static int check_mem_access(struct verif_env *env, struct verif_state *st, int regno, int off,
			    int size, int acc, struct verif_reg *dst, const struct verif_reg *val,
			    bool sign_ext)
{
	struct verif_reg r = *reg_of(st, regno);
	const struct verif_reg *reg = &r;
	bool write = acc == ACC_WRITE || acc == ACC_ATOMIC || acc == ACC_HELPER_WRITE;
	int err;

	if (reg->type == NOT_INIT)
		return ERR_ACCES("R%d !read_ok\n", regno);
	if (reg->type == SCALAR_VALUE && (reg->flags & SCALAR_BTF_PTR) &&
	    (acc == ACC_READ || acc == ACC_WRITE || acc == ACC_ATOMIC)) {
		/* a kernel object pointer: fault-tolerant reads only (and
		 * writes to an iterated map element's value) */
		if (write && (acc == ACC_ATOMIC || !(reg->flags & SCALAR_BTF_WRITABLE)))
			return ERR_ACCES("only read is supported\n");
		env->probe_mem++;
		if (dst) {
			scalar_of_size(dst, size, sign_ext);
			if (size == 8)
				dst->flags |= SCALAR_BTF_PTR;
		}
		return 0;
	}
	if (reg->type == CONST_PTR_TO_MAP && !(reg->flags & PTR_MAYBE_NULL) &&
	    (acc == ACC_READ || acc == ACC_WRITE || acc == ACC_ATOMIC)) {
		/* check_ptr_to_map_access(): root reads struct bpf_map as a
		 * BTF object, fault-tolerantly.  userbpf's map is not that
		 * struct: the read is counted (the program then runs checked,
		 * where it stops the run) and gives an unknown scalar */
		int64_t o = off + reg->off + reg->v.smin;

		if (o < 0)
			return ERR_ACCES("R%d is bpf_map invalid negative access: off=%lld\n",
					 regno, (long long)o);
		if (write)
			return ERR_ACCES("only read from bpf_map is supported\n");
		env->probe_mem++;
		if (dst)
			scalar_of_size(dst, size, sign_ext);
		return 0;
	}
	if (reg->type == SCALAR_VALUE || (reg->flags & PTR_MAYBE_NULL) ||
	    reg->type == CONST_PTR_TO_MAP || reg->type == PTR_TO_PACKET_END ||
	    reg->type == PTR_TO_FUNC)
		return ERR_ACCES("R%d invalid mem access '%s'\n", regno, verif_reg_type_name(reg));
	if (acc == ACC_ATOMIC && (reg->type == PTR_TO_PACKET || reg->type == PTR_TO_PACKET_META))
		return ERR_ACCES("BPF_ATOMIC stores into R%d %s is not allowed\n", regno,
				 verif_reg_type_name(reg));
	if (acc == ACC_ATOMIC &&
	    !tnum_is_aligned(tnum_add(reg->v.t, tnum_const((uint64_t)(int64_t)(off + reg->off))),
			     (uint64_t)size))
		return ERR_ACCES("misaligned access off %d size %d\n", off + reg->off, size);
	switch (reg->type) {
	case PTR_TO_BTF_ID: {
		/* check_ptr_to_btf_access(): a fault-tolerant read of a field */
		int64_t o = off + reg->off + (int64_t)reg->v.t.value;

		if (write)
			return ERR_ACCES("only read is supported\n");
		if (!tnum_is_const(reg->v.t))
			return ERR_ACCES(
				"R%d is ptr_%s invalid variable offset: off=%d, var_off=(%#llx; %#llx)\n",
				regno, btf_name(env, reg->mem_size), off + reg->off,
				(unsigned long long)reg->v.t.value,
				(unsigned long long)reg->v.t.mask);
		if (o < 0)
			return ERR_ACCES("R%d is ptr_%s invalid negative access: off=%lld\n", regno,
					 btf_name(env, reg->mem_size), (long long)o);
		err = btf_struct_load(env, reg->mem_size, o, size, dst, sign_ext);
		if (err)
			return err;
		env->probe_mem++;
		return 0;
	}
	case PTR_TO_STACK:
		if (write)
			return stack_write(env, st, regno, reg, off + reg->off, size, val);
		return stack_read(env, st, regno, reg, off + reg->off, size, dst, sign_ext);
	case PTR_TO_MAP_VALUE: {
		const struct verif_map *m = &env->maps[reg->map];

		if (write && (m->d.map_flags & BPF_F_RDONLY_PROG))
			return ERR_ACCES("write into map forbidden, value_size=%u off=%d size=%d\n",
					 m->d.value_size, off + reg->off, size);
		if (!write && (m->d.map_flags & VERIF_F_WRONLY_PROG))
			return ERR_ACCES("read from map forbidden, value_size=%u off=%d size=%d\n",
					 m->d.value_size, off + reg->off, size);
		err = check_region(env, regno, reg, off + reg->off, size, m->d.value_size,
				   PTR_TO_MAP_VALUE);
		if (err)
			return err;
		if (m->d.spin_lock_off >= 0 && acc != ACC_HELPER_READ) {
			int64_t lo = reg->v.smin + off + reg->off,
				hi = reg->v.smax + off + reg->off + size;

			if (lo < m->d.spin_lock_off + 4 && hi > m->d.spin_lock_off)
				return ERR_ACCES(
					"bpf_spin_lock cannot be accessed directly by load/store\n");
		}
		if (dst) {
			int64_t o = off + reg->off + (int64_t)reg->v.t.value;

			if (m->d.frozen_value && (m->d.map_flags & BPF_F_RDONLY_PROG) &&
			    tnum_is_const(reg->v.t) && o >= 0 &&
			    (uint64_t)o + (uint64_t)size <= m->d.value_size)
				verif_mark_const(
					dst,
					sign_ext ?
						sext(load_le((const uint8_t *)m->d.frozen_value + o,
							     size),
						     size) :
						load_le((const uint8_t *)m->d.frozen_value + o,
							size));
			else
				scalar_of_size(dst, size, sign_ext);
		}
		return 0;
	}
	case PTR_TO_MAP_KEY:
		if (write)
			return ERR_ACCES("write to change key R%d not allowed\n", regno);
		err = check_region(env, regno, reg, off + reg->off, size,
				   env->maps[reg->map].d.key_size, PTR_TO_MAP_KEY);
		if (!err && dst)
			scalar_of_size(dst, size, sign_ext);
		return err;
	case PTR_TO_MEM:
		if (write && (reg->flags & MEM_RDONLY))
			return ERR_ACCES("cannot write into %s\n", verif_reg_type_name(reg));
		err = check_region(env, regno, reg, off + reg->off, size, reg->mem_size,
				   PTR_TO_MEM);
		if (!err && dst)
			scalar_of_size(dst, size, sign_ext);
		return err;
	case PTR_TO_CTX:
		if (acc == ACC_HELPER_READ || acc == ACC_HELPER_WRITE)
			return ERR_ACCES(
				"R%d type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf\n",
				regno);
		return check_ctx_access(env, regno, reg, off, size, acc, dst, sign_ext);
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
	case PTR_TO_TCP_SOCK:
		if (acc == ACC_HELPER_READ || acc == ACC_HELPER_WRITE)
			return ERR_ACCES(
				"R%d type=%s expected=%s\n", regno, verif_reg_type_name(reg),
				"fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf");
		if (write)
			return ERR_ACCES("R%d cannot write into %s\n", regno,
					 verif_reg_type_name(reg));
		if (reg->v.smin < 0)
			return ERR_ACCES(
				"R%d min value is negative, either use unsigned index or do a if (index >=0) check.\n",
				regno);
		if (!sock_field_ok(reg->type, off, size))
			return ERR_ACCES("R%d invalid %s access off=%d size=%d\n", regno,
					 verif_reg_type_name(reg), off, size);
		if (dst)
			scalar_of_size(dst, size, sign_ext);
		return 0;
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		if (write && !may_access_pkt(env->prog_type, write))
			return ERR_ACCES("cannot write into packet\n");
		if (reg->v.smin < 0)
			return ERR_ACCES(
				"R%d min value is negative, either use unsigned index or do a if (index >=0) check.\n",
				regno);
		if (off + reg->off < 0 || (int64_t)off + reg->off + size > (int64_t)reg->range)
			return ERR_ACCES(
				"invalid access to packet, off=%d size=%d, R%d(id=%u,off=%d,r=%u)\n",
				off + reg->off, size, regno, reg->id, reg->off, reg->range);
		err = 0;
		if (dst)
			scalar_of_size(dst, size, sign_ext);
		return err;
	default:
		return ERR_ACCES("R%d invalid mem access '%s'\n", regno, verif_reg_type_name(reg));
	}
}

/* ==== helper calls ==== */

enum {
	MT_HASH = 1,
	MT_ARRAY = 2,
	MT_PROG_ARRAY = 3,
	MT_PERF_EVENT_ARRAY = 4,
	MT_PERCPU_HASH = 5,
	MT_PERCPU_ARRAY = 6,
	MT_STACK_TRACE = 7,
	MT_LRU_HASH = 9,
	MT_LRU_PERCPU_HASH = 10,
	MT_LPM_TRIE = 11,
	MT_ARRAY_OF_MAPS = 12,
	MT_HASH_OF_MAPS = 13,
	MT_QUEUE = 22,
	MT_STACK = 23,
	MT_RINGBUF = 27,
	MT_BLOOM = 30,
	MT_USER_RINGBUF = 31,
	MT_SOCKMAP = 15,
	MT_SOCKHASH = 18,
	MT_CGROUP_STORAGE = 19,
	MT_REUSEPORT_SOCKARRAY = 20,
	MT_PERCPU_CGROUP_STORAGE = 21,
	MT_SK_STORAGE = 24,
	MT_INODE_STORAGE = 28,
	MT_TASK_STORAGE = 29,
	MT_CGRP_STORAGE = 32,
};

/* may_update_sockmap(): the program types that may update/delete sockmap entries */
static bool may_update_sockmap(struct verif_env *env, int id)
{
	switch (env->prog_type) {
	case USERBPF_PROG_TYPE_SOCK_OPS:
		return id == 3;
	case USERBPF_PROG_TYPE_SOCKET_FILTER:
	case USERBPF_PROG_TYPE_SCHED_CLS:
	case USERBPF_PROG_TYPE_SCHED_ACT:
	case USERBPF_PROG_TYPE_XDP:
	case USERBPF_PROG_TYPE_SK_REUSEPORT:
	case USERBPF_PROG_TYPE_FLOW_DISSECTOR:
	case USERBPF_PROG_TYPE_SK_LOOKUP:
		return true;
	case USERBPF_PROG_TYPE_TRACING:
		return env->eat == 28; /* BPF_TRACE_ITER */
	default:
		return false;
	}
}

/* check_map_func_compatibility(): which helper may take which map */
static int check_map_func(struct verif_env *env, const struct verif_map *m, int id,
			  const char *name)
{
	uint32_t t = m->d.type;
	bool ok = true;

	switch (t) {
	case MT_PROG_ARRAY:
		ok = id == 12;
		break;
	case MT_PERF_EVENT_ARRAY:
		ok = id == 25 || id == 22 || id == 55 || id == 41 || id == 121;
		break;
	case MT_RINGBUF:
		ok = id == 130 || id == 131 || id == 134 || id == 198;
		break;
	case MT_STACK_TRACE:
		ok = id == 27;
		break;
	case MT_QUEUE:
	case MT_STACK:
		ok = id == 87 || id == 88 || id == 89;
		break;
	case MT_BLOOM:
		ok = id == 87 || id == 89;
		break;
	case MT_ARRAY_OF_MAPS:
	case MT_HASH_OF_MAPS:
		ok = id == 1;
		break;
	case MT_USER_RINGBUF:
		ok = id == 209;
		break;
	case MT_CGROUP_STORAGE:
	case MT_PERCPU_CGROUP_STORAGE:
		ok = id == 81;
		break;
	case MT_SK_STORAGE:
		ok = id == 107 || id == 108;
		break;
	case MT_INODE_STORAGE:
		ok = id == 145 || id == 146;
		break;
	case MT_TASK_STORAGE:
		ok = id == 156 || id == 157;
		break;
	case MT_CGRP_STORAGE:
		ok = id == 210 || id == 211;
		break;
	case MT_SOCKMAP:
	case MT_SOCKHASH:
		/* a lookup returns a referenced socket (PTR_TO_SOCKET_OR_NULL);
		 * updates and deletes only where the kernel's
		 * may_update_sockmap() allows them */
		ok = id == 1 || id == 52 || id == 53 || id == 60 || id == 70 || id == 71 ||
		     id == 72 || id == 82 || ((id == 2 || id == 3) && may_update_sockmap(env, id));
		break;
	case MT_REUSEPORT_SOCKARRAY:
		ok = id == 82;
		break;
	default:
		break;
	}
	if (ok) {
		switch (id) {
		case 12:
			ok = t == MT_PROG_ARRAY;
			break;
		case 25:
			ok = t == MT_PERF_EVENT_ARRAY;
			break;
		case 130:
		case 131:
		case 134:
		case 198:
			ok = t == MT_RINGBUF;
			break;
		case 27:
			ok = t == MT_STACK_TRACE;
			break;
		case 81:
			ok = t == MT_CGROUP_STORAGE || t == MT_PERCPU_CGROUP_STORAGE;
			break;
		case 107:
		case 108:
			ok = t == MT_SK_STORAGE;
			break;
		case 145:
		case 146:
			ok = t == MT_INODE_STORAGE;
			break;
		case 156:
		case 157:
			ok = t == MT_TASK_STORAGE;
			break;
		case 210:
		case 211:
			ok = t == MT_CGRP_STORAGE;
			break;
		case 52:
		case 53:
		case 60:
			ok = t == MT_SOCKMAP;
			break;
		case 70:
		case 71:
		case 72:
			ok = t == MT_SOCKHASH;
			break;
		case 82:
			ok = t == MT_SOCKMAP || t == MT_SOCKHASH || t == MT_REUSEPORT_SOCKARRAY;
			break;
		case 88:
			ok = t == MT_QUEUE || t == MT_STACK;
			break;
		case 87:
		case 89:
			ok = t == MT_QUEUE || t == MT_STACK || t == MT_BLOOM;
			break;
		case 195:
			ok = t == MT_PERCPU_ARRAY || t == MT_PERCPU_HASH || t == MT_LRU_PERCPU_HASH;
			break;
		case 164:
			ok = t == MT_HASH || t == MT_ARRAY || t == MT_PERCPU_HASH ||
			     t == MT_PERCPU_ARRAY || t == MT_LRU_HASH || t == MT_LRU_PERCPU_HASH;
			break;
		default:
			break;
		}
	}
	if (!ok)
		return ERR_INVAL("cannot pass map_type %u into func %s#%d\n", t, name, id);
	return 0;
}

/* helpers that may move packet data (bpf_helper_changes_pkt_data) */
static bool changes_pkt_data(int id)
{
	switch (id) {
	case 9:
	case 10:
	case 11:
	case 12:
	case 13:
	case 18:
	case 19:
	case 31:
	case 38:
	case 39:
	case 43:
	case 44:
	case 50:
	case 54:
	case 63:
	case 65:
	case 73:
	case 74:
	case 75:
	case 76:
	case 90:
	case 91:
	case 143:
		return true;
	default:
		return false;
	}
}

/* helpers whose prototype has the kernel's .pkt_access = true: the only
 * ones that may take a packet pointer as a memory argument */
static bool helper_pkt_access(int id)
{
	switch (id) {
	case 1:
	case 2:
	case 3:
	case 28:
	case 84:
	case 85:
	case 87:
	case 99:
	case 100:
	case 110:
	case 195:
	case 204:
	case 205:
	case 206:
	case 207:
		return true;
	default:
		return false;
	}
}

struct call_meta {
	int map;
	int mem_regno;
	bool mem_null;
	bool mem_write;
	int64_t alloc_size;
	int func;
	uint32_t release;
	int lock_regno;
	int64_t msize_max;   /* the size argument's largest value, -1 */
	uint32_t ref_obj_id; /* the socket argument's reference (pointer casts) */
	int dynptr_release;  /* the register of a dynptr to release (199, 200) */
	uint32_t dynptr_id;  /* the dynptr argument's id and reference */
	uint32_t dynptr_ref;
};

static const char *const mem_types = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf";

/* size bytes readable (or writable) at the pointer in regno */
static int check_helper_mem(struct verif_env *env, struct verif_state *st, int regno, uint64_t size,
			    bool write)
{
	struct verif_reg *reg = reg_of(st, regno);
	int64_t lo, hi;
	int err;

	if (!size) {
		/* a zero-sized access needs no memory, but the kernel still
		 * bounds a variable stack pointer (check_stack_range_initialized) */
		if (reg->type == PTR_TO_STACK && !tnum_is_const(reg->v.t))
			return stack_bounds(env, regno, reg, reg->off, 0, ACC_HELPER_READ + write,
					    &lo, &hi);
		return 0;
	}
	switch (reg->type) {
	case PTR_TO_STACK:
		err = stack_bounds(env, regno, reg, reg->off, (int)size, ACC_HELPER_READ + write,
				   &lo, &hi);
		if (err)
			return err;
		note_depth(env, st, reg, lo);
		{
			/* check_stack_range_initialized(): a helper's memory
			 * is no dynptr */
			int64_t d = dynptr_byte(stack_frame(st, reg), lo, hi + (int64_t)size);

			if (d <= 0 && write)
				return ERR_ACCES(
					"potential write to dynptr at off=%lld disallowed\n",
					(long long)d);
			if (d <= 0)
				return ERR_ACCES(
					"invalid read from stack R%d off %lld+%lld size %llu\n",
					regno, (long long)lo, (long long)(d - lo),
					(unsigned long long)size);
		}
		if (write)
			return stack_clobber(st, reg, lo, hi + (int64_t)size, SLOT_MISC);
		{
			struct verif_frame *f = stack_frame(st, reg);
			int64_t o;
			int b;

			for (o = lo; o < hi + (int64_t)size; o++) {
				struct verif_slot *s = slot_at(f, o, &b);

				if (!s || s->type[b] == SLOT_INVALID) {
					env->uninit_stack++;
					break;
				}
			}
		}
		return 0; /* root may pass uninitialised stack */
	case PTR_TO_MAP_VALUE:
	case PTR_TO_MAP_KEY:
	case PTR_TO_MEM:
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		return check_mem_access(env, st, regno, 0, (int)size,
					write ? ACC_HELPER_WRITE : ACC_HELPER_READ, NULL, NULL,
					false);
	default:
		return ERR_ACCES("R%d type=%s expected=%s\n", regno, verif_reg_type_name(reg),
				 mem_types);
	}
}

static int check_size_arg(struct verif_env *env, struct verif_state *st, int regno,
			  struct call_meta *meta, bool zero_ok)
{
	struct verif_reg *reg = reg_of(st, regno);

	if (reg->type != SCALAR_VALUE)
		return ERR_ACCES("R%d type=%s expected=scalar\n", regno, verif_reg_type_name(reg));
	if (reg->v.smin < 0)
		return ERR_ACCES(
			"R%d min value is negative, either use unsigned or 'var &= const'\n",
			regno);
	if (!reg->v.umin && !zero_ok)
		return ERR_ACCES("R%d invalid zero-sized read: u64=[%llu,%llu]\n", regno,
				 (unsigned long long)reg->v.umin, (unsigned long long)reg->v.umax);
	if (reg->v.umax >= VERIF_MAX_VAR_OFF)
		return ERR_ACCES(
			"R%d unbounded memory access, use 'var &= const' or 'if (var < const)'\n",
			regno);
	meta->msize_max = (int64_t)reg->v.umax;
	if (meta->mem_regno < 0)
		return 0;
	if (meta->mem_null) {
		if (reg->v.umax)
			return ERR_ACCES("R%d type=scalar expected=%s\n", meta->mem_regno,
					 mem_types);
		return 0;
	}
	return check_helper_mem(env, st, meta->mem_regno, reg->v.umax, meta->mem_write);
}

static int check_map_arg_mem(struct verif_env *env, struct verif_state *st, int regno,
			     const struct call_meta *meta, bool key, bool write)
{
	const struct verif_map *m;

	if (meta->map < 0)
		return ERR_ACCES("invalid map_ptr to access map->%s\n", key ? "key" : "value");
	m = &env->maps[meta->map];
	return check_helper_mem(env, st, regno, key ? m->d.key_size : m->d.value_size, write);
}

/* ==== dynptr arguments (the kernel's process_dynptr_func) ==== */

static void release_ref(struct verif_state *st, uint32_t id);

/* the dynptr type a helper's dynptr argument must have, 0 any */
static int dynptr_want(int id)
{
	return id == 197 ? DYNPTR_LOCAL : id >= 198 && id <= 200 ? DYNPTR_RINGBUF : 0;
}

/* __check_ptr_off_reg(): a pointer passed in its original form */
static int check_ptr_off(struct verif_env *env, int regno, const struct verif_reg *reg)
{
	if (reg->off < 0)
		return ERR_ACCES("negative offset %s ptr R%d off=%d disallowed\n",
				 verif_reg_type_name(reg), regno, reg->off);
	if (reg->off)
		return ERR_ACCES("dereference of modified %s ptr R%d off=%d disallowed\n",
				 verif_reg_type_name(reg), regno, reg->off);
	if (!tnum_equals_const(reg->v.t, 0))
		return ERR_ACCES("variable %s access var_off=(%#llx; %#llx) disallowed\n",
				 verif_reg_type_name(reg), (unsigned long long)reg->v.t.value,
				 (unsigned long long)reg->v.t.mask);
	return 0;
}

/* dynptr_get_spi(): the first slot of the dynptr a stack pointer names;
 * -ERANGE (nothing logged) when it is beyond the slots written so far */
static int dynptr_spi(struct verif_env *env, struct verif_state *st, const struct verif_reg *reg)
{
	int64_t off;
	int spi;

	if (!tnum_is_const(reg->v.t))
		return ERR_INVAL("dynptr has to be at a constant offset\n");
	off = reg->off + (int64_t)reg->v.t.value;
	if (off % 8 || (-off - 1) / 8 < 1)
		return ERR_INVAL("cannot pass in dynptr at an offset=%lld\n", (long long)off);
	spi = (int)((-off - 1) / 8);
	if (spi >= stack_frame(st, reg)->nslots)
		return -ERANGE;
	return spi;
}

/* the state of an initialised dynptr argument (its first slot), or NULL */
static const struct verif_reg *dynptr_init_state(struct verif_env *env, struct verif_state *st,
						 const struct verif_reg *reg)
{
	struct verif_frame *f;
	int spi, b;

	if (reg->type == CONST_PTR_TO_DYNPTR)
		return reg;
	spi = dynptr_spi(env, st, reg);
	if (spi < 0)
		return NULL;
	f = stack_frame(st, reg);
	if (!f->stack[spi].spilled.dynptr_first)
		return NULL;
	for (b = 0; b < 8; b++)
		if (f->stack[spi].type[b] != SLOT_DYNPTR ||
		    f->stack[spi - 1].type[b] != SLOT_DYNPTR)
			return NULL;
	return &f->stack[spi].spilled;
}

/* a new dynptr of type in the two slots at reg (mark_stack_slots_dynptr):
 * its id, then, for a ringbuf one, the reference it holds */
static int mark_dynptr_slots(struct verif_env *env, struct verif_state *st,
			     const struct verif_reg *reg, int type)
{
	struct verif_frame *f = stack_frame(st, reg);
	int spi = dynptr_spi(env, st, reg), i;
	uint32_t id, ref = 0;

	if (spi < 0)
		return spi;
	id = ++env->id_gen;
	if (type == DYNPTR_RINGBUF) {
		if (st->nrefs >= VERIF_MAX_REFS)
			return ERR_ACCES("too many acquired references\n");
		ref = ++env->id_gen;
		st->refs[st->nrefs].id = ref;
		st->refs[st->nrefs].insn = env->cur_insn;
		st->nrefs++;
	}
	for (i = spi - 1; i <= spi; i++) {
		struct verif_reg *d = &f->stack[i].spilled;

		memset(f->stack[i].type, SLOT_DYNPTR, 8);
		verif_mark_not_init(d);
		d->type = CONST_PTR_TO_DYNPTR;
		d->dynptr_type = (uint8_t)type;
		d->dynptr_first = i == spi;
		d->id = id;
		d->ref_obj_id = ref;
	}
	return 0;
}

/*
 * A struct bpf_dynptr * argument: a stack slot pair, or a drain
 * callback's CONST_PTR_TO_DYNPTR.  bpf_dynptr_from_mem (197) and
 * bpf_ringbuf_reserve_dynptr (198) initialise one (MEM_UNINIT), submit
 * and discard (199, 200) release a ringbuf one (OBJ_RELEASE), read, write
 * and data (201-203) take any initialised one (MEM_RDONLY: the helper
 * does not change the dynptr itself).
 */
static int check_dynptr_arg(struct verif_env *env, struct verif_state *st, int regno, int id,
			    struct call_meta *meta)
{
	struct verif_reg *reg = reg_of(st, regno);
	bool uninit = id == 197 || id == 198, release = id == 199 || id == 200;
	int want = dynptr_want(id), spi, err, i;
	const struct verif_reg *d;

	/* check_reg_type(), check_func_arg_reg_off() */
	if (reg->type != PTR_TO_STACK && reg->type != CONST_PTR_TO_DYNPTR)
		return ERR_ACCES("R%d type=%s expected=fp, dynptr_ptr\n", regno,
				 verif_reg_type_name(reg));
	if (reg->type == CONST_PTR_TO_DYNPTR) {
		if (release && reg->off)
			return ERR_INVAL(
				"R%d must have zero offset when passed to release func or trusted arg to kfunc\n",
				regno);
		if ((err = check_ptr_off(env, regno, reg)))
			return err;
	}
	if (release) {
		if (reg->type != PTR_TO_STACK)
			return ERR_INVAL("cannot release unowned const bpf_dynptr\n");
		spi = dynptr_spi(env, st, reg);
		if (spi < 0 || !stack_frame(st, reg)->stack[spi].spilled.ref_obj_id)
			return ERR_INVAL("arg %d is an unacquired reference\n", regno);
		meta->dynptr_release = regno;
	}
	if (uninit) {
		/* is_dynptr_reg_valid_uninit(): a dynptr there is overwritten
		 * by the two 8-byte writes below (destroy_dynptr) */
		if (reg->type == CONST_PTR_TO_DYNPTR)
			return ERR_INVAL("Dynptr has to be an uninitialized dynptr\n");
		spi = dynptr_spi(env, st, reg);
		if (spi < 0 && spi != -ERANGE)
			return ERR_INVAL("Dynptr has to be an uninitialized dynptr\n");
		for (i = 0; i < 16; i += 8) {
			err = check_mem_access(env, st, regno, i, 8, ACC_WRITE, NULL, NULL, false);
			if (err)
				return err;
		}
		return mark_dynptr_slots(env, st, reg, want);
	}
	d = dynptr_init_state(env, st, reg);
	if (!d)
		return ERR_INVAL("Expected an initialized dynptr as arg #%d\n", regno - 1);
	if (want && d->dynptr_type != want)
		return ERR_INVAL("Expected a dynptr of type %s as arg #%d\n",
				 want == DYNPTR_RINGBUF ? "ringbuf" : "local", regno - 1);
	meta->dynptr_id = d->id;
	meta->dynptr_ref = d->ref_obj_id;
	return 0;
}

/* unmark_stack_slots_dynptr(): the released dynptr, its slices and every
 * dynptr sharing its reference die */
static void release_dynptr(struct verif_env *env, struct verif_state *st, int regno)
{
	const struct verif_reg *reg = reg_of(st, regno);
	struct verif_frame *f = stack_frame(st, reg);
	int spi = dynptr_spi(env, st, reg), i;
	uint32_t ref;

	if (spi < 0)
		return;
	ref = f->stack[spi].spilled.ref_obj_id;
	release_ref(st, ref);
	for (i = 1; i < f->nslots; i++)
		if (f->stack[i].type[0] == SLOT_DYNPTR && f->stack[i].spilled.dynptr_first &&
		    f->stack[i].spilled.ref_obj_id == ref)
			invalidate_dynptr(f, i);
}

/*
 * The struct (its id in env->abtf, the kernel's BTF) that argument arg
 * (-1: the return value) of kfunc h points to in the kfunc's prototype
 * there, as the kernel reads kfunc prototypes from its BTF; 0 when
 * unknown (no kernel BTF, no such FUNC, not a pointer to a struct).
 */
static uint32_t kfunc_struct(struct verif_env *env, const struct userbpf_helper *h, int arg)
{
	const struct ub_btf_type *t;
	uint32_t tid, rid = 0, sid = 0;
	int64_t id;
	int i;

	if (!env->kbtf || h->id < UB_KFUNC_ID_BASE || !h->name)
		return 0;
	for (i = 0; i < env->kf_cache_n; i++)
		if (env->kf_cache[i].helper == h->id && env->kf_cache[i].arg == arg)
			return env->kf_cache[i].sid;
	id = ub_btf_find_by_name_kind(env->kbtf, h->name, USERBPF_BTF_KIND_FUNC);
	t = id > 0 ? ub_btf_type_by_id(env->kbtf, (uint32_t)id) : NULL;
	t = t ? ub_btf_type_by_id(env->kbtf, t->size_type) : NULL;
	if (t && ub_btf_kind(t) == USERBPF_BTF_KIND_FUNC_PROTO &&
	    (arg < 0 || (uint32_t)arg < ub_btf_vlen(t))) {
		tid = arg < 0 ? t->size_type :
				((const struct ub_btf_param *)ub_btf_extra(t))[arg].type;
		t = ub_btf_skip_mods_typedefs(env->kbtf, tid, &rid);
		if (t && ub_btf_kind(t) == USERBPF_BTF_KIND_PTR) {
			t = ub_btf_skip_mods_typedefs(env->kbtf, t->size_type, &rid);
			if (t && ub_btf_is_composite(t))
				sid = rid;
		}
	}
	if (env->kf_cache_n < (int)(sizeof(env->kf_cache) / sizeof(env->kf_cache[0]))) {
		env->kf_cache[env->kf_cache_n].helper = h->id;
		env->kf_cache[env->kf_cache_n].arg = arg;
		env->kf_cache[env->kf_cache_n].sid = sid;
		env->kf_cache_n++;
	}
	return sid;
}

/*
 * A kernel object argument of a kfunc with trusted arguments
 * (check_kfunc_args, KF_ARG_PTR_TO_BTF_ID): not NULL, trusted (a kfunc's
 * reference, or bpf_get_current_task_btf's task: its scalar stand-in
 * when there is no BTF), of the struct the prototype names, at offset 0;
 * a release kfunc's holds the reference it drops.
 */
static int check_kfunc_ptr(struct verif_env *env, int regno, const struct verif_reg *reg,
			   const struct userbpf_helper *h, struct call_meta *meta)
{
	bool task_btf = reg->type == SCALAR_VALUE && (reg->flags & SCALAR_BTF_PTR);
	uint32_t want = kfunc_struct(env, h, regno - 1);

	if (is_null_const(reg) || (reg->flags & PTR_MAYBE_NULL))
		return ERR_ACCES("Possibly NULL pointer passed to trusted arg%d\n", regno - 1);
	if (reg->type == SCALAR_VALUE && !task_btf && want)
		/* a number where the prototype has a struct pointer
		 * (get_kfunc_ptr_arg_type: a pointer to memory of scalars) */
		return ERR_INVAL("arg#%d pointer type STRUCT %s must point to scalar, or struct "
				 "with scalar\n",
				 regno - 1, btf_name(env, want));
	if (reg->type != PTR_TO_BTF_ID && !task_btf)
		return ERR_INVAL("R%d must be referenced or trusted\n", regno);
	if (reg->type == PTR_TO_BTF_ID && want && reg->mem_size != want)
		return ERR_INVAL("kernel function %s args#%d expected pointer to STRUCT %s but R%d "
				 "has a pointer to STRUCT %s\n",
				 h->name, regno - 1, btf_name(env, want), regno,
				 btf_name(env, reg->mem_size));
	if (reg->ref_obj_id)
		meta->ref_obj_id = reg->ref_obj_id;
	if ((h->proto.flags & USERBPF_HELPER_RELEASE) && !reg->ref_obj_id)
		return ERR_INVAL("release kernel function %s expects refcounted PTR_TO_BTF_ID\n",
				 h->name);
	if (reg->type == PTR_TO_BTF_ID && (reg->off || !tnum_equals_const(reg->v.t, 0)))
		return ERR_INVAL("R%d must have zero offset when passed to release func or trusted "
				 "arg to kfunc\n",
				 regno);
	if (h->proto.flags & USERBPF_HELPER_RELEASE)
		meta->release = reg->ref_obj_id;
	return 0;
}

static int check_arg(struct verif_env *env, struct verif_state *st, int regno, int arg_type,
		     const struct userbpf_helper *h, struct call_meta *meta)
{
	struct verif_reg *reg = reg_of(st, regno);
	int err;

	if (arg_type == USERBPF_ARG_DONTCARE)
		return 0;
	if ((err = check_reg_read(env, st, regno)))
		return err;
	switch (arg_type) {
	case USERBPF_ARG_ANYTHING:
		return 0;
	case USERBPF_ARG_CONST_MAP_PTR:
		if (reg->type != CONST_PTR_TO_MAP || (reg->flags & PTR_MAYBE_NULL))
			return ERR_ACCES("R%d type=%s expected=map_ptr\n", regno,
					 verif_reg_type_name(reg));
		meta->map = reg->map;
		return check_map_func(env, &env->maps[reg->map], (int)h->id, h->name);
	case USERBPF_ARG_PTR_TO_MAP_KEY:
	case USERBPF_ARG_PTR_TO_MAP_VALUE:
		if ((reg->type == PTR_TO_PACKET || reg->type == PTR_TO_PACKET_META) &&
		    !helper_pkt_access((int)h->id))
			return ERR_ACCES("helper access to the packet is not allowed\n");
		if (arg_type == USERBPF_ARG_PTR_TO_MAP_KEY)
			return check_map_arg_mem(env, st, regno, meta, true, false);
		/* resolve_map_arg_type(): a sock map's value is a socket */
		if (meta->map >= 0 && (env->maps[meta->map].d.type == MT_SOCKMAP ||
				       env->maps[meta->map].d.type == MT_SOCKHASH)) {
			if (h->id != 2)
				return ERR_INVAL("invalid arg_type for sockmap/sockhash\n");
			return check_arg(env, st, regno, USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON, h,
					 meta);
		}
		return check_map_arg_mem(env, st, regno, meta, false, h->id == 88 || h->id == 89);
	case USERBPF_ARG_PTR_TO_MEM_OR_NULL:
	case USERBPF_ARG_PTR_TO_MEM:
	case USERBPF_ARG_PTR_TO_UNINIT_MEM:
		if ((reg->type == PTR_TO_PACKET || reg->type == PTR_TO_PACKET_META) &&
		    !helper_pkt_access((int)h->id))
			return ERR_ACCES("helper access to the packet is not allowed\n");
		meta->mem_regno = regno;
		meta->mem_write = arg_type == USERBPF_ARG_PTR_TO_UNINIT_MEM;
		meta->mem_null = arg_type == USERBPF_ARG_PTR_TO_MEM_OR_NULL && is_null_const(reg);
		if (meta->mem_null)
			return 0;
		switch (reg->type) {
		case PTR_TO_STACK:
		case PTR_TO_MAP_VALUE:
		case PTR_TO_MAP_KEY:
		case PTR_TO_MEM:
		case PTR_TO_PACKET:
		case PTR_TO_PACKET_META:
			if (!(reg->flags & PTR_MAYBE_NULL))
				return 0;
			/* fallthrough */
		default:
			return ERR_ACCES("R%d type=%s expected=%s\n", regno,
					 verif_reg_type_name(reg), mem_types);
		}
	case USERBPF_ARG_CONST_SIZE:
	case USERBPF_ARG_CONST_SIZE_OR_ZERO:
		err = check_size_arg(env, st, regno, meta,
				     arg_type == USERBPF_ARG_CONST_SIZE_OR_ZERO);
		meta->mem_regno = -1;
		return err;
	case USERBPF_ARG_PTR_TO_CTX:
		if (reg->type != PTR_TO_CTX)
			return ERR_ACCES("R%d type=%s expected=ctx\n", regno,
					 verif_reg_type_name(reg));
		if (reg->off || !tnum_equals_const(reg->v.t, 0))
			return ERR_ACCES("dereference of modified ctx ptr R%d off=%d disallowed\n",
					 regno, reg->off);
		return 0;
	case USERBPF_ARG_PTR_TO_FUNC:
		if (reg->type != PTR_TO_FUNC)
			return ERR_ACCES("R%d type=%s expected=func\n", regno,
					 verif_reg_type_name(reg));
		meta->func = reg->subprog;
		return 0;
	case USERBPF_ARG_PTR_TO_STACK_OR_NULL:
		if (is_null_const(reg) || (reg->type == PTR_TO_STACK))
			return 0;
		return ERR_ACCES("R%d type=%s expected=fp\n", regno, verif_reg_type_name(reg));
	case USERBPF_ARG_PTR_TO_LONG:
	case USERBPF_ARG_PTR_TO_INT:
		if (reg->type != PTR_TO_STACK && reg->type != PTR_TO_MAP_VALUE)
			return ERR_ACCES("R%d type=%s expected=fp, map_value\n", regno,
					 verif_reg_type_name(reg));
		return check_helper_mem(env, st, regno, arg_type == USERBPF_ARG_PTR_TO_LONG ? 8 : 4,
					true);
	case USERBPF_ARG_PTR_TO_CONST_STR: {
		const struct verif_map *m;
		int64_t o;
		uint32_t k;

		if (reg->type != PTR_TO_MAP_VALUE || (reg->flags & PTR_MAYBE_NULL))
			return ERR_ACCES("R%d type=%s expected=map_value\n", regno,
					 verif_reg_type_name(reg));
		m = &env->maps[reg->map];
		if (!(m->d.map_flags & BPF_F_RDONLY_PROG))
			return ERR_ACCES("R%d does not point to a readonly map'\n", regno);
		if (!tnum_is_const(reg->v.t))
			return ERR_ACCES("R%d is not a constant address'\n", regno);
		o = reg->off + (int64_t)reg->v.t.value;
		if (o < 0 || (uint64_t)o >= m->d.value_size)
			return ERR_ACCES(
				"invalid access to map value, value_size=%u off=%lld size=1\n",
				m->d.value_size, (long long)o);
		if (m->d.frozen_value) {
			for (k = (uint32_t)o; k < m->d.value_size; k++)
				if (!((const char *)m->d.frozen_value)[k])
					return 0;
			return ERR_ACCES("string is not zero-terminated\n");
		}
		return 0;
	}
	case USERBPF_ARG_PTR_TO_SPIN_LOCK: {
		const struct verif_map *m;
		int64_t o;

		if (reg->type != PTR_TO_MAP_VALUE || (reg->flags & PTR_MAYBE_NULL))
			return ERR_ACCES("R%d type=%s expected=map_value\n", regno,
					 verif_reg_type_name(reg));
		m = &env->maps[reg->map];
		if (!tnum_is_const(reg->v.t))
			return ERR_ACCES(
				"R%d doesn't have constant offset. bpf_spin_lock has to be at the constant offset\n",
				regno);
		if (m->d.spin_lock_off < 0)
			return ERR_ACCES("map has no valid bpf_spin_lock\n");
		o = reg->off + (int64_t)reg->v.t.value;
		if (o != m->d.spin_lock_off)
			return ERR_ACCES(
				"off %lld doesn't point to 'struct bpf_spin_lock' that is at %d\n",
				(long long)o, m->d.spin_lock_off);
		meta->lock_regno = regno;
		return 0;
	}
	case USERBPF_ARG_PTR_TO_ALLOC_MEM:
		if (reg->type != PTR_TO_MEM || !(reg->flags & MEM_RINGBUF) ||
		    (reg->flags & PTR_MAYBE_NULL) || !reg->ref_obj_id)
			return ERR_ACCES("R%d type=%s expected=ringbuf_mem\n", regno,
					 verif_reg_type_name(reg));
		if (reg->off || !tnum_equals_const(reg->v.t, 0))
			return ERR_ACCES("R%d must have zero offset when passed to release func\n",
					 regno);
		meta->release = reg->ref_obj_id;
		return 0;
	case USERBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO:
		if (!is_const(reg))
			return ERR_ACCES("R%d is not a known constant'\n", regno);
		meta->alloc_size = (int64_t)reg->v.t.value;
		return 0;
	case USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL:
		if (is_null_const(reg))
			return 0;
		arg_type = USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON;
		/* fallthrough */
	case USERBPF_ARG_PTR_TO_SOCK_COMMON:
	case USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON: {
		bool btf = arg_type == USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON;

		/* check_reg_type() with sock_types / btf_id_sock_common_types */
		if (!(reg->flags & PTR_MAYBE_NULL) &&
		    (reg->type == PTR_TO_SOCKET || reg->type == PTR_TO_SOCK_COMMON ||
		     reg->type == PTR_TO_TCP_SOCK ||
		     (btf && ((reg->type == SCALAR_VALUE && (reg->flags & SCALAR_BTF_PTR)) ||
			      reg->type == PTR_TO_BTF_ID)))) {
			if (h->proto.flags & USERBPF_HELPER_RELEASE) {
				if (!reg->ref_obj_id)
					return ERR_INVAL(
						"R%d must be referenced when passed to release function\n",
						regno);
				meta->release = reg->ref_obj_id;
			}
			meta->ref_obj_id = reg->ref_obj_id;
			return 0;
		}
		return ERR_ACCES("R%d type=%s expected=sock_common, sock, tcp_sock, xdp_sock%s\n",
				 regno, verif_reg_type_name(reg),
				 btf ? ", ptr_, trusted_ptr_" : "");
	}
	case USERBPF_ARG_PTR_TO_DYNPTR:
		return check_dynptr_arg(env, st, regno, (int)h->id, meta);
	case USERBPF_ARG_PTR_TO_BTF_ID:
		if (h->id >= UB_KFUNC_ID_BASE &&
		    (h->proto.flags & (USERBPF_HELPER_TRUSTED_ARGS | USERBPF_HELPER_RELEASE)))
			return check_kfunc_ptr(env, regno, reg, h, meta);
		if (!is_ptr(reg) && !(reg->flags & SCALAR_BTF_PTR))
			return ERR_ACCES("R%d type=%s expected=ptr_\n", regno,
					 verif_reg_type_name(reg));
		return 0;
	default:
		return ERR_ACCES("R%d unsupported argument type %d\n", regno, arg_type);
	}
}

static void release_ref(struct verif_state *st, uint32_t id)
{
	int i;

	for (i = 0; i < st->nrefs; i++) {
		if (st->refs[i].id == id) {
			st->refs[i] = st->refs[--st->nrefs];
			break;
		}
	}
	FOR_EACH_REG(st, r, {
		if (r->ref_obj_id == id)
			verif_mark_unknown(r);
	})
		;
}

/* acquire_reference_state(); ids as the kernel numbers them: a nullable
 * return takes one id first, then the reference the next */
static int acquire_ref(struct verif_env *env, struct verif_state *st, int insn)
{
	if (st->nrefs >= VERIF_MAX_REFS)
		return ERR_ACCES("too many acquired references\n");
	++env->id_gen;
	st->refs[st->nrefs].id = ++env->id_gen;
	st->refs[st->nrefs].insn = insn;
	st->nrefs++;
	return (int)env->id_gen;
}

static void clear_pkt_pointers(struct verif_state *st)
{
	FOR_EACH_REG(st, r, {
		if (r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META ||
		    r->type == PTR_TO_PACKET_END)
			verif_mark_unknown(r);
	})
		;
}

/* the callee frame of a bpf_loop / for_each_map_elem callback */
static int setup_callback_frame(struct verif_env *env, struct verif_state *st, int id, int callsite,
				int subprog, const struct call_meta *meta)
{
	struct verif_frame *caller = cur_frame(st), *f;

	if (st->curframe + 1 >= VERIF_MAX_FRAMES)
		return ERR_ACCES("the call stack of %d frames is too deep !\n", st->curframe + 2);
	f = verif_frame_new(callsite, subprog);
	if (!f)
		return -ENOMEM;
	f->cb_kind = id;
	/* bpf_loop calls its callback at most nr_loops times: as the kernel,
	 * no iteration beyond r1's maximum is explored */
	f->cb_max = id == 181 ? caller->regs[1].v.umax : UINT64_MAX;
	reg_ptr(&f->regs[10], PTR_TO_STACK);
	f->regs[10].frameno = (uint8_t)(st->curframe + 1);
	if (id == 181) { /* bpf_loop: cb(u32 index, void *ctx) */
		verif_mark_unknown(&f->regs[1]);
		f->regs[1].v.t = tnum_range(0, 0xffffffffu);
		verif_scalar_sync(&f->regs[1].v);
		f->regs[2] = caller->regs[3];
	} else if (id == 209) { /* user_ringbuf_drain: cb(dynptr, ctx) */
		/* set_user_ringbuf_callback_state(): a local dynptr the
		 * callback may read through but not change, nor release */
		reg_ptr(&f->regs[1], CONST_PTR_TO_DYNPTR);
		f->regs[1].dynptr_type = DYNPTR_LOCAL;
		f->regs[1].dynptr_first = 1;
		f->regs[1].id = ++env->id_gen;
		f->regs[2] = caller->regs[3];
	} else { /* for_each_map_elem: cb(map, key, value, ctx) */
		f->regs[1] = caller->regs[1];
		reg_ptr(&f->regs[2], PTR_TO_MAP_KEY);
		f->regs[2].map = meta->map;
		reg_ptr(&f->regs[3], PTR_TO_MAP_VALUE);
		f->regs[3].map = meta->map;
		f->regs[4] = caller->regs[3];
	}
	memcpy(f->cb_regs, f->regs, sizeof(f->cb_regs));
	st->frames[++st->curframe] = f;
	return 0;
}

/*
 * The kernel's get_constant_map_key: a map-key argument of an array map
 * (lookup, update, delete, lookup_percpu_elem) that the stack holds as
 * zero bytes, or as a spill of a constant of exactly key_size bytes at
 * the key's first byte.  The spilled constant is marked precise, so no
 * state with another key is pruned against this one (Linux 6.18 does so
 * for every such helper, not only where it uses the value).  Returns the
 * key, or -1.  A lookup with a known key below max_entries cannot return
 * NULL (check_helper_call).
 */
static int64_t const_map_key(struct verif_env *env, struct verif_state *st,
			     const struct userbpf_helper *h, const struct call_meta *meta)
{
	const struct verif_reg *k = reg_of(st, 2);
	const struct verif_map *m;
	struct verif_frame *f;
	struct verif_slot *t;
	struct bt_mask bt;
	int64_t off;
	int b, i;
	bool zero = true;

	if ((h->id != 1 && h->id != 2 && h->id != 3 && h->id != 195) || meta->map < 0 ||
	    k->type != PTR_TO_STACK || !tnum_is_const(k->v.t))
		return -1;
	m = &env->maps[meta->map];
	if ((m->d.type != MT_ARRAY && m->d.type != MT_PERCPU_ARRAY) || m->d.key_size != 4)
		return -1;
	off = k->off + (int64_t)k->v.t.value;
	if (off < -VERIF_STACK || off > -4)
		return -1;
	f = stack_frame(st, k);
	for (i = 0; i < 4; i++) {
		t = slot_at(f, off + i, &b);
		if (!t || t->type[b] != SLOT_ZERO)
			zero = false;
	}
	if (zero)
		return 0;
	t = slot_at(f, off, &b);
	if (!t || b != 0 || t->type[0] != SLOT_SPILL || t->spilled.type != SCALAR_VALUE ||
	    spill_size(t) != 4 || !tnum_is_const(t->spilled.v.t))
		return -1;
	memset(&bt, 0, sizeof(bt));
	bt.slots[k->frameno < VERIF_MAX_FRAMES ? k->frameno : 0] = 1ull << ((-off - 1) / 8);
	mark_precise(env, st, bt, true);
	return (int64_t)t->spilled.v.t.value;
}

static int check_helper_call(struct verif_env *env, struct verif_state *st, int idx, int *next,
			     bool *pushed_cb)
{
	bool const_key;
	int64_t key;
	const struct userbpf_insn *insn = &env->insns[idx];
	const struct userbpf_helper *h = find_helper(env, insn->imm);
	struct call_meta meta = {
		.map = -1, .mem_regno = -1, .func = -1, .lock_regno = -1, .msize_max = -1
	};
	struct verif_frame *f = cur_frame(st);
	struct verif_reg *r0;
	int i, err;

	*pushed_cb = false;
	if (!h)
		return ERR_INVAL("invalid func unknown#%d\n", insn->imm);
	if (h->proto.prog_types && env->prog_type &&
	    !(h->proto.prog_types & USERBPF_PROG_TYPE_BIT(env->prog_type)))
		return ERR_INVAL("program of this type cannot use helper %s#%d\n", h->name,
				 insn->imm);
	if ((h->proto.flags & USERBPF_HELPER_GPL_ONLY) && !env->opts->gpl)
		return ERR_INVAL(
			"cannot call GPL-restricted function from non-GPL compatible program\n");
	if (st->lock_id && h->id != 94)
		return ERR_ACCES("function calls are not allowed while holding a lock\n");
	for (i = 0; i < 5; i++) {
		/* bpf_trace_printk's kernel prototype declares only fmt and
		 * size: the variadic r3-r5 may be unset */
		if (h->id == 6 && i >= 2)
			break;
		err = check_arg(env, st, i + 1, h->proto.args[i], h, &meta);
		if (err)
			return err;
		if (h->proto.args[i] != USERBPF_ARG_ANYTHING &&
		    h->proto.args[i] != USERBPF_ARG_DONTCARE)
			mark_reg_precise(env, st, i + 1);
	}
	if (h->id == 93) { /* spin_lock */
		struct verif_reg *lr = reg_of(st, meta.lock_regno);

		if (st->lock_id)
			return ERR_ACCES("Locking two bpf_spin_locks are not allowed\n");
		st->lock_id = lr->id ? lr->id : 0xffffffffu;
		st->lock_map = lr->map;
		st->lock_off = lr->off;
	} else if (h->id == 94) {
		struct verif_reg *lr = reg_of(st, meta.lock_regno);

		if (!st->lock_id)
			return ERR_ACCES("bpf_spin_unlock without taking a lock\n");
		if (st->lock_map != lr->map || (lr->id ? lr->id : 0xffffffffu) != st->lock_id)
			return ERR_ACCES("bpf_spin_unlock of different lock\n");
		st->lock_id = 0;
	}
	if (h->proto.flags & USERBPF_HELPER_TAIL_CALL || h->id == 12) {
		if (st->nrefs)
			return ERR_ACCES("tail_call would lead to reference leak\n");
	}
	if (meta.release)
		release_ref(st, meta.release);
	if (meta.dynptr_release)
		release_dynptr(env, st, meta.dynptr_release);
	/* bpf_dynptr_from_mem: only a map value makes a local dynptr */
	if (h->id == 197 && reg_of(st, 1)->type != PTR_TO_MAP_VALUE)
		return ERR_ACCES("Unsupported reg type %s for bpf_dynptr_from_mem data\n",
				 verif_reg_type_name(reg_of(st, 1)));
	if (changes_pkt_data((int)h->id))
		clear_pkt_pointers(st);
	/* bpf_loop's iteration count bounds the iterations explored: it is
	 * precise (the kernel's mark_chain_precision(r1)); none at all for 0 */
	if (meta.func >= 0 && h->id == 181) {
		mark_reg_precise(env, st, 1);
		if (!reg_of(st, 1)->v.umax && env->log_level >= 2)
			verif_log(env, "frame%d bpf_loop iteration limit reached\n", st->curframe);
	}
	/* callbacks: explore "not called" here, "called" in a pushed state */
	if (meta.func >= 0 && (h->id == 181 || h->id == 164 || h->id == 209) &&
	    (h->id != 181 || reg_of(st, 1)->v.umax)) {
		struct verif_state *cb = verif_state_copy(st);

		if (!cb)
			return -ENOMEM;
		err = setup_callback_frame(env, cb, (int)h->id, idx, meta.func, &meta);
		if (err) {
			verif_state_free(cb);
			return err;
		}
		if (cb->hist_len && cb->hist[cb->hist_len - 1].idx == env->cur_insn)
			cb->hist[cb->hist_len - 1].flags = HF_CB_ENTER;
		/* caller r1-r5 are dead in the callee's view of the caller */
		for (i = 1; i <= 5; i++)
			verif_mark_not_init(&cb->frames[cb->curframe - 1]->regs[i]);
		cb->insn = env->subprogs[meta.func].start;
		if (env->stack_len >= VERIF_MAX_JMP_SEQ) {
			verif_state_free(cb);
			return ERR_ACCES("The sequence of %d jumps is too complex.\n",
					 env->stack_len);
		}
		if (env->stack_len == env->stack_cap) {
			int cap = env->stack_cap ? env->stack_cap * 2 : 64;
			struct verif_stack_elem *s =
				ub_realloc(env->stack, (size_t)cap * sizeof(*s));

			if (!s) {
				verif_state_free(cb);
				return -ENOMEM;
			}
			env->stack = s;
			env->stack_cap = cap;
		}
		if (cb->parent)
			cb->parent->branches++;
		env->stack[env->stack_len].st = cb;
		env->stack[env->stack_len].insn = cb->insn;
		env->stack[env->stack_len].prev = idx;
		env->stack_len++;
		*pushed_cb = true;
	}
	key = const_map_key(env, st, h, &meta);
	const_key = h->id == 1 && key >= 0 && meta.map >= 0 &&
		    (uint64_t)key < env->maps[meta.map].d.max_entries;
	for (i = 1; i <= 5; i++)
		verif_mark_not_init(&f->regs[i]);
	r0 = &f->regs[0];
	switch (h->proto.ret) {
	case USERBPF_RET_VOID:
		verif_mark_not_init(r0);
		break;
	case USERBPF_RET_PTR_TO_MAP_VALUE_OR_NULL:
		if (meta.map < 0)
			return ERR_INVAL("kernel subsystem misconfigured verifier\n");
		if (env->maps[meta.map].d.type == MT_SOCKMAP ||
		    env->maps[meta.map].d.type == MT_SOCKHASH) {
			/* is_acquire_function(): a referenced socket, or NULL */
			int id = acquire_ref(env, st, idx);

			if (id < 0)
				return id;
			reg_ptr(r0, PTR_TO_SOCKET);
			r0->flags = PTR_MAYBE_NULL;
			r0->id = (uint32_t)id;
			r0->ref_obj_id = (uint32_t)id;
			break;
		}
		if (env->maps[meta.map].inner_idx >= 0) {
			reg_ptr(r0, CONST_PTR_TO_MAP);
			r0->map = env->maps[meta.map].inner_idx;
		} else {
			reg_ptr(r0, PTR_TO_MAP_VALUE);
			r0->map = meta.map;
		}
		r0->flags = PTR_MAYBE_NULL;
		r0->id = ++env->id_gen;
		if (const_key && r0->type == PTR_TO_MAP_VALUE) {
			/* array lookup with a constant in-range key cannot fail; a
			 * value with a spin lock keeps its id (the lock's identity) */
			r0->flags = 0;
			if (env->maps[meta.map].d.spin_lock_off < 0)
				r0->id = 0;
		}
		break;
	case USERBPF_RET_PTR_TO_ALLOC_MEM_OR_NULL: {
		int id = acquire_ref(env, st, idx);

		if (id < 0)
			return id;
		reg_ptr(r0, PTR_TO_MEM);
		r0->flags = PTR_MAYBE_NULL | MEM_RINGBUF;
		r0->mem_size = (uint32_t)meta.alloc_size;
		r0->id = (uint32_t)id;
		r0->ref_obj_id = (uint32_t)id;
		break;
	}
	case USERBPF_RET_PTR_TO_MEM_OR_NULL:
		reg_ptr(r0, PTR_TO_MEM);
		r0->flags = PTR_MAYBE_NULL;
		r0->id = ++env->id_gen;
		if (h->id == 203) {
			/* bpf_dynptr_data: len bytes of the dynptr's memory,
			 * gone with the dynptr (dynptr_id) or its reference */
			r0->mem_size = (uint32_t)meta.alloc_size;
			r0->dynptr_id = meta.dynptr_id;
			r0->ref_obj_id = meta.dynptr_ref;
		}
		break;
	case USERBPF_RET_PTR_TO_SOCKET_OR_NULL:
	case USERBPF_RET_PTR_TO_SOCK_COMMON_OR_NULL:
	case USERBPF_RET_PTR_TO_TCP_SOCK_OR_NULL:
		reg_ptr(r0, h->proto.ret == USERBPF_RET_PTR_TO_SOCKET_OR_NULL ? PTR_TO_SOCKET :
			    h->proto.ret == USERBPF_RET_PTR_TO_SOCK_COMMON_OR_NULL ?
										PTR_TO_SOCK_COMMON :
										PTR_TO_TCP_SOCK);
		r0->flags = PTR_MAYBE_NULL;
		if (h->proto.flags & USERBPF_HELPER_ACQUIRE) {
			/* bpf_sk_lookup_*: a reference to release, its id the null check's */
			int id = acquire_ref(env, st, idx);

			if (id < 0)
				return id;
			r0->id = (uint32_t)id;
			r0->ref_obj_id = (uint32_t)id;
		} else {
			/* is_ptr_cast_function() (bpf_sk_fullsock, bpf_tcp_sock): the
			 * argument's reference, released through either pointer */
			r0->id = ++env->id_gen;
			r0->ref_obj_id = meta.ref_obj_id;
		}
		break;
	case USERBPF_RET_PTR_TO_BTF_ID_OR_NULL: {
		/* a kfunc's kernel object (KF_RET_NULL), typed by its
		 * prototype's return; KF_ACQUIRE: a reference to release */
		uint32_t sid = kfunc_struct(env, h, -1);

		if (!sid)
			return ERR_INVAL("kernel function %s returns a kernel object: it needs the "
					 "kernel's BTF\n",
					 h->name);
		reg_ptr(r0, PTR_TO_BTF_ID);
		r0->mem_size = sid;
		r0->flags = PTR_MAYBE_NULL;
		if (h->proto.flags & USERBPF_HELPER_ACQUIRE) {
			int id = acquire_ref(env, st, idx);

			if (id < 0)
				return id;
			r0->id = (uint32_t)id;
			r0->ref_obj_id = (uint32_t)id;
		} else {
			r0->id = ++env->id_gen;
		}
		break;
	}
	default:
		verif_mark_unknown(r0);
		if (h->id == 158) /* bpf_get_current_task_btf: a trusted task_struct */
			r0->flags |= SCALAR_BTF_PTR;
		/* bytes written, at most the size argument, or -errno
		 * (do_refine_retval_range: get_stack, get_task_stack,
		 * probe_read{,_kernel,_user}_str) */
		if ((h->id == 67 || h->id == 141 || h->id == 45 || h->id == 114 || h->id == 115) &&
		    meta.msize_max >= 0 && meta.msize_max <= INT32_MAX) {
			r0->v.smin = -4095;
			r0->v.smax = meta.msize_max;
			r0->v.s32min = -4095;
			r0->v.s32max = (int32_t)meta.msize_max;
			verif_scalar_sync(&r0->v);
		}
		break;
	}
	*next = idx + 1;
	return 0;
}

/* ==== ALU ==== */

static const char *const alu_names[16] = {
	"+=",  "-=", "*=", "/=", "|=",	 "&=",	   "<<=", ">>=",
	"neg", "%=", "^=", "=",	 "s>>=", "endian", "?",	  "?",
};

static void mark_linked(struct verif_state *st, struct verif_reg *dst, struct verif_reg *src,
			struct verif_env *env)
{
	if (src->type == SCALAR_VALUE && !tnum_is_const(src->v.t)) {
		if (!src->id)
			src->id = ++env->id_gen;
	}
	*dst = *src;
	(void)st;
}

static int adjust_ptr(struct verif_env *env, int dst_regno, struct verif_reg *dst,
		      const struct verif_reg *ptr, const struct verif_reg *off, uint8_t op)
{
	struct verif_reg res = *ptr;

	if (ptr->flags & PTR_MAYBE_NULL)
		return ERR_ACCES("R%d pointer arithmetic on %s prohibited, null-check it first\n",
				 dst_regno, verif_reg_type_name(ptr));
	if (op != 0x00 && op != 0x10) {
		if (op == 0x40 || op == 0x50 || op == 0xa0)
			return ERR_ACCES("R%d bitwise operator %s on pointer prohibited\n",
					 dst_regno, alu_names[op >> 4]);
		return ERR_ACCES("R%d pointer arithmetic with %s operator prohibited\n", dst_regno,
				 alu_names[op >> 4]);
	}
	if (op == 0x10 && ptr->type == PTR_TO_STACK)
		return ERR_ACCES("R%d subtraction from stack pointer prohibited\n", dst_regno);
	switch (ptr->type) {
	case CONST_PTR_TO_MAP:
		if (is_const(off) && !off->v.t.value && op == 0x00)
			break;
		/* fallthrough */
	case PTR_TO_PACKET_END:
	case PTR_TO_FUNC:
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
	case PTR_TO_TCP_SOCK:
		return ERR_ACCES("R%d pointer arithmetic on %s prohibited\n", dst_regno,
				 verif_reg_type_name(ptr));
	default:
		break;
	}
	if (off->v.smin <= -VERIF_MAX_VAR_OFF || off->v.smax >= VERIF_MAX_VAR_OFF) {
		if (is_const(off))
			return ERR_ACCES("value %lld makes %s pointer be out of bounds\n",
					 (long long)off->v.smin, verif_reg_type_name(ptr));
		return ERR_ACCES(
			"math between %s pointer and register with unbounded min value is not allowed\n",
			verif_reg_type_name(ptr));
	}
	if (is_const(off)) {
		int64_t c = op == 0x10 ? -(int64_t)off->v.t.value : (int64_t)off->v.t.value;
		int64_t n = res.off + c;

		if (n <= -VERIF_MAX_VAR_OFF || n >= VERIF_MAX_VAR_OFF)
			return ERR_ACCES("value %lld makes %s pointer be out of bounds\n",
					 (long long)c, verif_reg_type_name(ptr));
		res.off = (int32_t)n;
	} else {
		verif_scalar_alu(&res.v, &off->v, op, false);
		if (res.v.smin <= -VERIF_MAX_VAR_OFF || res.v.smax >= VERIF_MAX_VAR_OFF ||
		    !verif_scalar_valid(&res.v))
			return ERR_ACCES(
				"math between %s pointer and register with unbounded min value is not allowed\n",
				verif_reg_type_name(ptr));
		if (ptr->type == PTR_TO_PACKET || ptr->type == PTR_TO_PACKET_META) {
			res.id = ++env->id_gen;
			res.range = 0;
		}
	}
	*dst = res;
	return 0;
}

static int check_alu(struct verif_env *env, struct verif_state *st, int idx, int op)
{
	const struct userbpf_insn *insn = &env->insns[idx];
	bool alu32 = isa_table[op].flags & F_ALU32;
	bool use_src = isa_table[op].fields & U_SRC;
	uint8_t code = insn->code & 0xf0;
	struct verif_reg *dst = reg_of(st, insn->dst_reg), src;
	int err;

	if (use_src) {
		if ((err = check_reg_read(env, st, insn->src_reg)))
			return err;
		src = *reg_of(st, insn->src_reg);
	} else {
		verif_mark_const(&src, alu32 ? (uint32_t)insn->imm : (uint64_t)(int64_t)insn->imm);
	}
	if (insn->dst_reg == 10)
		return ERR_ACCES("frame pointer is read only\n");
	/* moves */
	if (code == 0xb0) {
		if (op == ISA_MOV64_REG) {
			mark_linked(st, dst, reg_of(st, insn->src_reg), env);
			if (dst->type == SCALAR_VALUE && tnum_is_const(dst->v.t))
				dst->id = 0;
			return 0;
		}
		if (op == ISA_MOV64_IMM || op == ISA_MOV32_IMM) {
			verif_mark_const(dst, src.v.t.value);
			return 0;
		}
		if (src.type != SCALAR_VALUE) {
			verif_mark_unknown(dst); /* root: partial copy of a pointer */
			if (op == ISA_MOV32_REG)
				verif_scalar_zext32(&dst->v);
			return 0;
		}
		if (op == ISA_MOV32_REG) {
			struct verif_reg *sr = reg_of(st, insn->src_reg);

			/* w3 = w2 with r2's upper half zero: r3 == r2, linked */
			if (sr->v.umax <= 0xffffffffull && !tnum_is_const(sr->v.t)) {
				mark_linked(st, dst, sr, env);
				dst->flags = 0;
				return 0;
			}
			*dst = src;
			dst->id = 0;
			dst->flags = 0;
			verif_scalar_zext32(&dst->v);
			return 0;
		}
		/* movsx */
		{
			int size = op == ISA_MOVSX64_8 || op == ISA_MOVSX32_8	? 1 :
				   op == ISA_MOVSX64_16 || op == ISA_MOVSX32_16 ? 2 :
										  4;

			if (is_const(&src)) {
				verif_mark_const(dst, sext(src.v.t.value, size));
			} else {
				uint64_t half = 1ull << (size * 8 - 1);

				scalar_of_size(dst, size, true);
				if ((uint64_t)src.v.smax < half && src.v.smin >= 0) {
					dst->v = src.v; /* value unchanged by the sign extension */
					dst->id = 0;
				} else if (src.v.umin >= half && src.v.umax < 2 * half) {
					/* all in the negative half: the same offset below 0 */
					int64_t lo = (int64_t)src.v.umin - (int64_t)(2 * half),
						hi = (int64_t)src.v.umax - (int64_t)(2 * half);

					verif_scalar_unknown(&dst->v);
					dst->v.smin = lo;
					dst->v.smax = hi;
					dst->v.s32min = (int32_t)lo;
					dst->v.s32max = (int32_t)hi;
					verif_scalar_sync(&dst->v);
				}
			}
			if (alu32)
				verif_scalar_zext32(&dst->v);
			return 0;
		}
	}
	if ((err = check_reg_read(env, st, insn->dst_reg)))
		return err;
	/* unary */
	if (code == 0x80 || code == 0xd0) {
		if (dst->type != SCALAR_VALUE) {
			verif_mark_unknown(dst);
			return 0;
		}
		dst->id = 0;
		dst->flags = 0;
		if (code == 0x80) {
			verif_scalar_alu(&dst->v, &dst->v, 0x80, alu32);
			return 0;
		}
		{
			int bits = insn->imm;
			bool swap = op != ISA_LE16 && op != ISA_LE32 && op != ISA_LE64;

			if (is_const(dst)) {
				uint64_t v = dst->v.t.value;

				if (bits == 16)
					v = swap ? __builtin_bswap16((uint16_t)v) : (uint16_t)v;
				else if (bits == 32)
					v = swap ? __builtin_bswap32((uint32_t)v) : (uint32_t)v;
				else
					v = swap ? __builtin_bswap64(v) : v;
				verif_mark_const(dst, v);
			} else if (!swap) {
				dst->v.t = tnum_cast(dst->v.t, (uint8_t)(bits / 8));
				verif_scalar_from_tnum(&dst->v);
			} else if (bits < 64) {
				scalar_of_size(dst, bits / 8, false);
			} else {
				verif_mark_unknown(dst);
			}
			return 0;
		}
	}
	/* binary */
	if (!use_src) {
		if ((code == 0x30 || code == 0x90) && insn->imm == 0)
			return ERR_INVAL("div by zero\n");
		if ((code == 0x60 || code == 0x70 || code == 0xc0) &&
		    (insn->imm < 0 || insn->imm >= (alu32 ? 32 : 64)))
			return ERR_INVAL("invalid shift %d\n", insn->imm);
	}
	if (is_ptr(dst) || is_ptr(&src)) {
		if (alu32) {
			if (code == 0x10 || !is_ptr(dst)) {
				verif_mark_unknown(dst);
				verif_scalar_zext32(&dst->v);
				return 0;
			}
			return ERR_ACCES("R%d 32-bit pointer arithmetic prohibited\n",
					 insn->dst_reg);
		}
		if (is_ptr(dst) && is_ptr(&src)) {
			if (code == 0x10) {
				verif_mark_unknown(dst);
				return 0;
			}
			return ERR_ACCES("R%d pointer %s pointer prohibited\n", insn->dst_reg,
					 alu_names[code >> 4]);
		}
		if (is_ptr(&src)) {
			if (code == 0x10)
				return ERR_ACCES("R%d tried to subtract pointer from scalar\n",
						 insn->dst_reg);
			if (code != 0x00)
				return ERR_ACCES(
					"R%d pointer arithmetic with %s operator prohibited\n",
					insn->dst_reg, alu_names[code >> 4]);
			{
				struct verif_reg scal = *dst;

				mark_reg_precise(env, st, insn->dst_reg);
				return adjust_ptr(env, insn->dst_reg, dst, &src, &scal, 0x00);
			}
		}
		if (use_src)
			mark_reg_precise(env, st, insn->src_reg);
		return adjust_ptr(env, insn->dst_reg, dst, dst, &src, code);
	}
	/* scalar op scalar; only adding a constant keeps a kernel pointer */
	dst->id = 0;
	if ((dst->flags & SCALAR_BTF_PTR) && use_src)
		mark_reg_precise(env, st, insn->src_reg); /* decides the flag */
	if (alu32 || (code != 0x00 && code != 0x10) || !is_const(&src))
		dst->flags &= (uint8_t)~(SCALAR_BTF_PTR | SCALAR_BTF_WRITABLE);
	verif_scalar_alu(&dst->v, &src.v,
			 (uint8_t)code |
				 (insn->off == 1 && (code == 0x30 || code == 0x90) ? 0x100 : 0),
			 alu32);
	if (!verif_scalar_valid(&dst->v))
		verif_mark_unknown(dst);
	return 0;
}

/* ==== exploration stack ==== */

static int push_state(struct verif_env *env, struct verif_state *st, int insn, int prev)
{
	if (env->stack_len >= VERIF_MAX_JMP_SEQ) {
		verif_state_free(st);
		/* E2BIG, as the kernel's push_stack */
		verif_log(env, "The sequence of %d jumps is too complex.\n", env->stack_len);
		return -E2BIG;
	}
	if (env->stack_len == env->stack_cap) {
		int cap = env->stack_cap ? env->stack_cap * 2 : 64;
		struct verif_stack_elem *s = ub_realloc(env->stack, (size_t)cap * sizeof(*s));

		if (!s) {
			verif_state_free(st);
			return -ENOMEM;
		}
		env->stack = s;
		env->stack_cap = cap;
	}
	if (st->parent)
		st->parent->branches++;
	st->insn = insn;
	env->stack[env->stack_len].st = st;
	env->stack[env->stack_len].insn = insn;
	env->stack[env->stack_len].prev = prev;
	env->stack_len++;
	return 0;
}

/* the nearest saved state at or above st outside every callback */
static struct verif_state *be_root(const struct verif_state *st)
{
	for (; st; st = st->parent)
		if (!verif_state_in_cb(st))
			return (struct verif_state *)st;
	return NULL;
}

/* remember st (pruned at idx against old, whose precision may still grow) */
static int add_backedge(struct verif_env *env, const struct verif_state *old,
			const struct verif_state *st, int idx)
{
	struct verif_state *c;

	if (!env->dyn_prec)
		return 0;
	if (env->nbe == env->be_cap) {
		int cap = env->be_cap ? env->be_cap * 2 : 16;
		struct verif_backedge *b = ub_realloc(env->be, (size_t)cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		env->be = b;
		env->be_cap = cap;
	}
	c = verif_state_copy(st);
	if (!c)
		return -ENOMEM;
	env->be[env->nbe] = (struct verif_backedge){
		.st = c, .old = old, .idx = idx, .root = be_root(st->parent), .oroot = be_root(old)
	};
	if (env->be[env->nbe].root)
		env->be[env->nbe].root->be_refs++;
	if (env->be[env->nbe].oroot)
		env->be[env->nbe].oroot->be_refs++;
	env->nbe++;
	return 0;
}

/*
 * A backedge's root (the saved state above its pruned state, or above
 * the state that covered it, outside every callback) has been explored
 * to the end: so has every state below it, whose precision may now only
 * grow by backedges.  Before anything is compared with the root,
 * propagate each old's precision into its pruned state's path until no
 * mark changes, then drop the backedges whose roots are both explored
 * (their marks are final).
 */
static void run_backedges(struct verif_env *env)
{
	uint64_t before;
	int i, n;

	do {
		before = env->marks;
		for (i = 0; i < env->nbe && env->dyn_prec; i++)
			propagate_precision(env, env->be[i].old, env->be[i].st, env->be[i].idx);
	} while (env->marks != before && env->dyn_prec);
	for (i = n = 0; i < env->nbe; i++) {
		struct verif_backedge *b = &env->be[i];

		if ((!b->root || !b->root->branches) && (!b->oroot || !b->oroot->branches)) {
			if (b->root)
				b->root->be_refs--;
			if (b->oroot)
				b->oroot->be_refs--;
			verif_state_free(b->st);
			continue;
		}
		env->be[n++] = *b;
	}
	env->nbe = n;
}

static void path_end(struct verif_env *env, struct verif_state *st)
{
	struct verif_state *p = st->parent;

	while (p) {
		p->branches--;
		if (p->branches > 0)
			break;
		if (p->be_refs)
			run_backedges(env);
		p = p->parent;
	}
}

/* ==== jumps ==== */

static void mark_ptr_or_null(struct verif_env *env, struct verif_state *st, uint32_t id,
			     bool is_null)
{
	int i;

	FOR_EACH_REG(st, r, {
		if (r->id == id && (r->flags & PTR_MAYBE_NULL)) {
			if (is_null) {
				verif_mark_const(r, 0);
			} else {
				r->flags &= (uint8_t)~PTR_MAYBE_NULL;
				if (r->type == PTR_TO_MAP_VALUE &&
				    env->maps[r->map].d.spin_lock_off < 0)
					r->id = 0;
			}
		}
	})
		;
	if (is_null) {
		for (i = 0; i < st->nrefs; i++) {
			if (st->refs[i].id == id) {
				st->refs[i] = st->refs[--st->nrefs];
				break;
			}
		}
	}
}

static void sync_linked(struct verif_state *st, const struct verif_reg *known)
{
	if (known->type != SCALAR_VALUE || !known->id)
		return;
	FOR_EACH_REG(st, r, {
		if (r->type == SCALAR_VALUE && r->id == known->id)
			r->v = known->v;
	})
		;
}

/* right_open: the comparison was strict (pkt < end), one more byte is in */
static void find_good_pkt_pointers(struct verif_state *st, const struct verif_reg *pkt,
				   bool right_open)
{
	uint32_t range;

	if (pkt->off < 0 || (pkt->off == 0 && right_open) || pkt->v.umax > VERIF_MAX_PACKET_OFF ||
	    pkt->off > VERIF_MAX_PACKET_OFF ||
	    pkt->v.umax + (uint64_t)pkt->off > VERIF_MAX_PACKET_OFF || pkt->v.smin < 0)
		return;
	range = (uint32_t)pkt->off + (right_open ? 1 : 0);
	FOR_EACH_REG(st, r, {
		if (r->type == pkt->type && r->id == pkt->id && r->range < range)
			r->range = range;
	})
		;
}

/*
 * Packet range learned from a comparison of a packet pointer with
 * packet_end (or packet_meta with packet): which successor knows
 * "pkt <= end".  Returns 1 for the taken branch, 0 for the fall-through,
 * -1 when the comparison teaches nothing.
 */
static int pkt_range_side(const struct verif_reg *d, const struct verif_reg *s, uint8_t code,
			  bool *dst_is_pkt, bool *open)
{
	/* meta is compared with the packet start itself (reg_is_init_pkt_pointer) */
	bool d_start = d->type == PTR_TO_PACKET && !d->off && tnum_equals_const(d->v.t, 0);
	bool s_start = s->type == PTR_TO_PACKET && !s->off && tnum_equals_const(s->v.t, 0);
	bool d_pkt = (d->type == PTR_TO_PACKET && s->type == PTR_TO_PACKET_END) ||
		     (d->type == PTR_TO_PACKET_META && s_start);
	bool s_pkt = (s->type == PTR_TO_PACKET && d->type == PTR_TO_PACKET_END) ||
		     (s->type == PTR_TO_PACKET_META && d_start);

	*dst_is_pkt = d_pkt;
	/* strict on the side that learns: pkt >= end false, pkt < end true,
	 * end > pkt true, end <= pkt false */
	*open = code == 0x30 || code == 0xa0 ? d_pkt : code == 0x20 || code == 0xb0 ? s_pkt : false;
	if (d_pkt) {
		switch (code) {
		case 0x20:
			return 0; /* pkt > end: fall-through has pkt <= end */
		case 0x30:
			return 0;
		case 0xa0:
			return 1; /* pkt < end */
		case 0xb0:
			return 1;
		default:
			return -1;
		}
	}
	if (s_pkt) {
		switch (code) {
		case 0x20:
			return 1; /* end > pkt */
		case 0x30:
			return 1;
		case 0xa0:
			return 0; /* end < pkt: fall-through end >= pkt */
		case 0xb0:
			return 0;
		default:
			return -1;
		}
	}
	return -1;
}

/* the kernel's reg_not_null(): only these decide "ptr == 0" statically
 * (a ctx or stack pointer compared with 0 explores both sides there) */
static bool never_null(const struct verif_reg *r)
{
	if (!is_ptr(r) || (r->flags & PTR_MAYBE_NULL))
		return false;
	return r->type == PTR_TO_MAP_VALUE || r->type == PTR_TO_MAP_KEY || r->type == PTR_TO_MEM ||
	       r->type == CONST_PTR_TO_MAP || r->type == PTR_TO_SOCKET ||
	       r->type == PTR_TO_SOCK_COMMON || r->type == PTR_TO_TCP_SOCK;
}

/* record the registers and slots linked to a jump's operands: bounds the
 * jump learns on one apply to all (sync_linked), so precision does too */
static void note_linked(struct verif_env *env, struct verif_state *st, const struct verif_reg *dst,
			const struct verif_reg *src)
{
	struct verif_hist *h = hist_cur(env, st);
	uint32_t a = dst->type == SCALAR_VALUE ? dst->id : 0;
	uint32_t b = src->type == SCALAR_VALUE ? src->id : 0;
	int i, fr;

	if (!h || (!a && !b))
		return;
	for (fr = 0; fr <= st->curframe; fr++) {
		struct verif_frame *f = st->frames[fr];
		uint64_t sl = 0;

		for (i = 0; i < 10; i++)
			if (f->regs[i].type == SCALAR_VALUE && f->regs[i].id &&
			    (f->regs[i].id == a || f->regs[i].id == b)) {
				if (fr == st->curframe)
					h->lregs |= (uint16_t)(1u << i);
				else
					h->flags |= HF_LFALL; /* a caller's register */
			}
		for (i = 0; i < f->nslots && i < 64; i++)
			if (f->stack[i].type[0] == SLOT_SPILL &&
			    f->stack[i].spilled.type == SCALAR_VALUE && f->stack[i].spilled.id &&
			    (f->stack[i].spilled.id == a || f->stack[i].spilled.id == b))
				sl |= 1ull << i;
		if (!sl)
			continue;
		if (h->lslots && h->lsfr != fr) {
			h->flags |= HF_LFALL; /* slots of two frames */
		} else {
			h->lslots |= sl;
			h->lsfr = (uint8_t)fr;
		}
	}
}

static int check_cond_jmp(struct verif_env *env, struct verif_state *st, int idx, int op, int *next)
{
	const struct userbpf_insn *insn = &env->insns[idx];
	bool use_src = isa_table[op].fields & U_SRC;
	bool jmp32 = (insn->code & 0x07) == 0x06;
	uint8_t code = insn->code & 0xf0;
	int target = idx + 1 + insn->off, taken = -1, err, side;
	struct verif_reg *dst, *src, imm;
	struct verif_state *other;
	bool dst_is_pkt, open;

	if ((err = check_reg_read(env, st, insn->dst_reg)))
		return err;
	if (use_src && (err = check_reg_read(env, st, insn->src_reg)))
		return err;
	dst = reg_of(st, insn->dst_reg);
	if (use_src) {
		src = reg_of(st, insn->src_reg);
	} else {
		verif_mark_const(&imm, jmp32 ? (uint32_t)insn->imm : (uint64_t)(int64_t)insn->imm);
		src = &imm;
	}
	note_linked(env, st, dst, src);
	if (dst->type == SCALAR_VALUE && src->type == SCALAR_VALUE) {
		taken = verif_scalar_branch(&dst->v, &src->v, code, jmp32);
	} else if (!jmp32 && (code == 0x10 || code == 0x50)) {
		if ((never_null(dst) && is_null_const(src)) ||
		    (never_null(src) && is_null_const(dst)))
			taken = code == 0x50;
	}
	if (taken >= 0) { /* the values decided the branch: they matter */
		mark_reg_precise(env, st, insn->dst_reg);
		if (use_src)
			mark_reg_precise(env, st, insn->src_reg);
		*next = taken ? target : idx + 1;
		return 0;
	}
	other = verif_state_copy(st);
	if (!other)
		return -ENOMEM;
	if (dst->type == SCALAR_VALUE && src->type == SCALAR_VALUE) {
		struct verif_reg *od = &other->frames[other->curframe]->regs[insn->dst_reg];
		struct verif_reg oimm = imm,
				 *os = use_src ?
					       &other->frames[other->curframe]->regs[insn->src_reg] :
					       &oimm;
		bool same = use_src && insn->src_reg == insn->dst_reg;

		if (same) {
			/* r == r: one side is a tautology, the other impossible */
			struct verif_scalar tmp = dst->v;

			verif_scalar_refine(&od->v, &tmp, code, jmp32, true);
			tmp = dst->v;
			verif_scalar_refine(&dst->v, &tmp, code, jmp32, false);
		} else {
			verif_scalar_refine(&od->v, &os->v, code, jmp32, true);
			verif_scalar_refine(&dst->v, &src->v, code, jmp32, false);
		}
		if (!verif_scalar_valid(&od->v) || (!same && !verif_scalar_valid(&os->v))) {
			verif_state_free(other);
			other = NULL;
		} else {
			sync_linked(other, od);
			if (use_src && !same)
				sync_linked(other, os);
		}
		if (!other || !verif_scalar_valid(&dst->v) ||
		    (!same && !verif_scalar_valid(&src->v))) {
			/* a side ruled out by the values: they matter */
			mark_reg_precise(env, st, insn->dst_reg);
			if (use_src)
				mark_reg_precise(env, st, insn->src_reg);
		}
		if (!verif_scalar_valid(&dst->v) || (!same && !verif_scalar_valid(&src->v))) {
			if (!other) /* neither side feasible: dead path */
				return ERR_ACCES("R%d invalid register bounds after branch\n",
						 insn->dst_reg);
			/* only the taken side is feasible: continue there; the
			 * copy holds st's place below st->parent (no path ends:
			 * ending st would count the parent's live branch out,
			 * and later ends would walk a dead chain to the root) */
			verif_state_free(st);
			env->cur = other;
			*next = -2;
			return 0;
		}
		sync_linked(st, dst);
		if (use_src && !same)
			sync_linked(st, src);
	} else if (!jmp32 && (code == 0x10 || code == 0x50) && (dst->flags & PTR_MAYBE_NULL) &&
		   is_null_const(src)) {
		/* the nullable register is the destination (the kernel does
		 * not look at "0 == ptr_or_null") */
		uint32_t id = dst->id;

		if (use_src) /* the null constant in a register */
			mark_reg_precise(env, st, insn->src_reg);

		/* jeq: taken side null; jne: taken side non-null */
		mark_ptr_or_null(env, other, id, code == 0x10);
		mark_ptr_or_null(env, st, id, code != 0x10);
	} else if (!jmp32 && use_src &&
		   (side = pkt_range_side(dst, src, code, &dst_is_pkt, &open)) >= 0) {
		struct verif_state *s = side ? other : st;
		int regno = dst_is_pkt ? insn->dst_reg : insn->src_reg;

		find_good_pkt_pointers(s, &s->frames[s->curframe]->regs[regno], open);
	}
	/* ptr == ptr where one is known not null: on the equal side the
	 * other is not null either (the kernel marks that register only) */
	if (other && use_src && !jmp32 && (code == 0x10 || code == 0x50) && is_ptr(dst) &&
	    is_ptr(src) && !(dst->flags & PTR_MAYBE_NULL) != !(src->flags & PTR_MAYBE_NULL)) {
		struct verif_state *eq = code == 0x10 ? other : st;
		int regno = (src->flags & PTR_MAYBE_NULL) ? insn->src_reg : insn->dst_reg;

		eq->frames[eq->curframe]->regs[regno].flags &= (uint8_t)~PTR_MAYBE_NULL;
	}
	if (other) {
		err = push_state(env, other, target, idx);
		if (err)
			return err;
	}
	*next = idx + 1;
	return 0;
}

/* ==== calls and exits ==== */

static int check_local_call(struct verif_env *env, struct verif_state *st, int idx, int *next)
{
	int target = idx + 1 + env->insns[idx].imm, sp = env->subprog_of[target], i;
	struct verif_frame *f, *caller = cur_frame(st);

	if (st->curframe + 1 >= VERIF_MAX_FRAMES)
		return ERR_ACCES("the call stack of %d frames is too deep !\n", st->curframe + 2);
	f = verif_frame_new(idx, sp);
	if (!f)
		return -ENOMEM;
	for (i = 1; i <= 5; i++)
		f->regs[i] = caller->regs[i];
	reg_ptr(&f->regs[10], PTR_TO_STACK);
	f->regs[10].frameno = (uint8_t)(st->curframe + 1);
	st->frames[++st->curframe] = f;
	*next = target;
	return 0;
}

/*
 * The return values a program type may produce (the kernel's
 * check_return_code): cgroup programs 0..1 (recvmsg/getpeername/
 * getsockname: 1, bind: 0..3, egress skb: 0..3), netfilter and sk_lookup
 * 0..1, fentry/fexit 0, kprobe sessions 0..1; the others any value.  LSM
 * hooks' ranges come from the kernel's BTF of the hook (not modelled).
 */
static bool ret_range(const struct verif_env *env, int64_t *plo, int64_t *phi)
{
	int64_t lo = 0, hi = 1;
	uint32_t eat = env->eat;

	if (env->ret_range) {
		*plo = env->ret_range[0];
		*phi = env->ret_range[1];
		return true;
	}

	switch (env->prog_type) {
	case USERBPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		if (eat == 19 || eat == 20 || eat == 51 || eat == 29 || eat == 30 || eat == 52 ||
		    eat == 31 || eat == 32 || eat == 53)
			lo = 1;
		if (eat == 8 || eat == 9)
			hi = 3;
		break;
	case USERBPF_PROG_TYPE_CGROUP_SKB:
		if (eat == 1)
			hi = 3;
		break;
	case USERBPF_PROG_TYPE_CGROUP_SOCK:
	case USERBPF_PROG_TYPE_SOCK_OPS:
	case USERBPF_PROG_TYPE_CGROUP_DEVICE:
	case USERBPF_PROG_TYPE_CGROUP_SYSCTL:
	case USERBPF_PROG_TYPE_CGROUP_SOCKOPT:
	case USERBPF_PROG_TYPE_SK_LOOKUP:
	case USERBPF_PROG_TYPE_NETFILTER:
		break;
	case USERBPF_PROG_TYPE_TRACING:
		if (eat != 24 && eat != 25)
			return false;
		hi = 0;
		break;
	case USERBPF_PROG_TYPE_KPROBE:
		if (eat != 56)
			return false;
		break;
	default:
		return false;
	}
	*plo = lo;
	*phi = hi;
	return true;
}

static int check_return_code(struct verif_env *env, const struct verif_reg *r0)
{
	int64_t lo, hi;

	if (!ret_range(env, &lo, &hi))
		return 0;
	if (r0->type != SCALAR_VALUE)
		return ERR_INVAL("At program exit the register R0 is not a known value (%s)\n",
				 verif_reg_type_name(r0));
	/* LSM: the hook's int return, checked on 32 bits (return_32bit) */
	if (env->ret_range ? r0->v.s32min >= lo && r0->v.s32max <= hi :
			     r0->v.smin >= lo && r0->v.smax <= hi)
		return 0;
	/* verbose_invalid_scalar(): the 64-bit bounds that are bounded */
	{
		char b[96] = "";

		if (r0->v.smin > INT64_MIN)
			snprintf(b, sizeof(b), " smin=%lld", (long long)r0->v.smin);
		if (r0->v.smax < INT64_MAX)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), " smax=%lld",
				 (long long)r0->v.smax);
		return ERR_INVAL(
			"At program exit the register R0 has%s should have been in [%lld, %lld]\n",
			b[0] ? b : " unknown scalar value", (long long)lo, (long long)hi);
	}
}

/*
 * The state saved at the entry of the iteration of callback frame
 * st->curframe that is returning (same callsite, same cb_iter), or NULL
 * (not saved: the caller then widens every spilled scalar).
 */
static const struct verif_state *cb_entry_state(struct verif_env *env, const struct verif_state *st)
{
	const struct verif_frame *f = st->frames[st->curframe];
	int start = env->subprogs[f->subprog].start;
	const struct verif_state *p;

	for (p = st->parent; p && p->curframe >= st->curframe; p = p->parent) {
		const struct verif_frame *pf = p->frames[st->curframe];

		if (p->curframe == st->curframe && p->insn == start && pf->cb_iter == f->cb_iter &&
		    pf->callsite == f->callsite && pf->subprog == f->subprog)
			return p;
	}
	return NULL;
}

static bool scalar_exact(const struct verif_reg *a, const struct verif_reg *b)
{
	const struct verif_scalar *x = &a->v, *y = &b->v;

	return a->type == SCALAR_VALUE && b->type == SCALAR_VALUE && x->t.value == y->t.value &&
	       x->t.mask == y->t.mask && x->smin == y->smin && x->smax == y->smax &&
	       x->umin == y->umin && x->umax == y->umax && x->s32min == y->s32min &&
	       x->s32max == y->s32max && x->u32min == y->u32min && x->u32max == y->u32max;
}

static bool slot_precise(const struct verif_state *s, int fi, int spi)
{
	const struct verif_frame *f;

	if (!s || fi > s->curframe)
		return false;
	f = s->frames[fi];
	return spi < f->nslots && f->stack[spi].type[0] == SLOT_SPILL &&
	       f->stack[spi].spilled.type == SCALAR_VALUE &&
	       f->stack[spi].spilled.precise == VERIF_PRECISE_BT;
}

/*
 * The kernel's widen_imprecise_scalars, when a callback returns for its
 * next iteration: a spilled scalar of a caller frame that was a spilled
 * scalar at this iteration's entry too, and that the iteration changed,
 * becomes unknown unless it is precise, so that the iterations converge
 * (ctx->i++ in a bpf_loop callback) while a value the program needs
 * (a slot the callback never touches, a bound it checks) keeps it.
 * "Precise" is what backtracking marked so far in the entry state (the
 * iteration's own needs) or in its parent (the needs of the path after
 * the previous iteration, explored first, as the kernel's callsite
 * state), not the blanket marks of mark_all_precise (with them nested
 * callbacks' counters never widen).  Any choice here is sound: widening
 * less only explores more, widening more only loses values.  Without a saved
 * entry state every spilled scalar (and zero byte) of the callers widens.
 * Returns the widened slots of the frame below the callback.
 */
static uint64_t widen_imprecise_scalars(struct verif_state *again, const struct verif_state *entry)
{
	uint64_t widened = 0;
	int fi, j, b;

	for (fi = 0; fi < again->curframe; fi++) {
		struct verif_frame *pf = again->frames[fi];
		const struct verif_frame *ef = entry ? entry->frames[fi] : NULL;

		for (j = 0; j < pf->nslots; j++) {
			struct verif_slot *s = &pf->stack[j];

			if (!ef) {
				for (b = 0; b < 8; b++)
					if (s->type[b] == SLOT_ZERO)
						s->type[b] = SLOT_MISC;
			}
			if (s->type[0] != SLOT_SPILL || s->spilled.type != SCALAR_VALUE)
				continue;
			if (ef) {
				const struct verif_slot *o = j < ef->nslots ? &ef->stack[j] : NULL;

				if (!o || o->type[0] != SLOT_SPILL ||
				    o->spilled.type != SCALAR_VALUE)
					continue;
				if (slot_precise(entry, fi, j) ||
				    slot_precise(entry->parent, fi, j) ||
				    scalar_exact(&o->spilled, &s->spilled))
					continue;
			}
			verif_mark_unknown(&s->spilled);
			if (fi == again->curframe - 1)
				widened |= 1ull << j;
		}
	}
	return widened;
}

static int check_exit(struct verif_env *env, struct verif_state *st, int idx, int *next)
{
	struct verif_frame *f = cur_frame(st), *caller;
	struct verif_reg r0;
	int err, i;

	(void)idx;
	/* the main program and callbacks return a value; a subprogram's r0
	 * may be unset (prepare_func_exit: the caller's read is checked) */
	if ((!st->curframe || f->cb_kind) && (err = check_reg_read(env, st, 0)))
		return err;
	/* a static subprogram may take or release the lock for its caller
	 * (the kernel checks the main program's exit only) */
	if (st->lock_id && !st->curframe)
		return ERR_ACCES(
			"BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region\n");
	if (!st->curframe) {
		if (st->nrefs) {
			/* check_reference_leak(): -EINVAL since Linux 6.13 */
			verif_log(env, "Unreleased reference id=%u alloc_insn=%d\n", st->refs[0].id,
				  st->refs[0].insn);
			return ERR_INVAL(
				"BPF_EXIT instruction in main prog would lead to reference "
				"leak\n");
		}
		{
			int64_t lo, hi;

			if (ret_range(env, &lo, &hi))
				mark_reg_precise(env, st, 0);
		}
		if ((err = check_return_code(env, &f->regs[0])))
			return err;
		*next = -1;
		return 0;
	}
	r0 = f->regs[0];
	if (r0.type == PTR_TO_STACK && r0.frameno == st->curframe)
		return ERR_ACCES("cannot return stack pointer to the caller frame\n");
	if (f->cb_kind) {
		struct verif_state *again;

		if (r0.type != SCALAR_VALUE)
			return ERR_ACCES(
				"At callback return the register R0 is not a known value (%s)\n",
				verif_reg_type_name(&r0));
		mark_reg_precise(env, st, 0); /* its range is checked */
		if (r0.v.smin < 0 || r0.v.smax > 1)
			return ERR_ACCES(
				"At callback return the register R0 has smin=%lld smax=%lld should have been in [0, 1]\n",
				(long long)r0.v.smin, (long long)r0.v.smax);
		/* another iteration: fresh callee frame, caller scalars widened */
		if ((uint64_t)f->cb_iter + 1 >= f->cb_max) {
			if (env->log_level >= 2)
				verif_log(env, "frame%d bpf_loop iteration limit reached\n",
					  st->curframe - 1);
			goto no_reentry;
		}
		again = verif_state_copy(st);
		if (!again)
			return -ENOMEM;
		hist_flag(env, st, HF_CB_EXIT);
		{
			struct verif_frame *cf = again->frames[again->curframe];
			uint64_t widened;

			widened = widen_imprecise_scalars(again, cb_entry_state(env, st));
			if (again->hist_len &&
			    again->hist[again->hist_len - 1].idx == env->cur_insn) {
				struct verif_hist *h = &again->hist[again->hist_len - 1];

				h->flags = HF_REENTRY;
				h->lsfr = (uint8_t)(again->curframe - 1);
				h->lslots = widened;
			}
			cf->cb_iter++;
			for (i = 0; i < 11; i++)
				verif_mark_not_init(&cf->regs[i]);
			memcpy(cf->regs, cf->cb_regs, sizeof(cf->cb_regs));
			reg_ptr(&cf->regs[10], PTR_TO_STACK);
			cf->regs[10].frameno = (uint8_t)again->curframe;
			ub_free(cf->stack);
			cf->stack = NULL;
			cf->nslots = 0;
			again->is_cb_reentry = true;
		}
		err = push_state(env, again, env->subprogs[f->subprog].start, idx);
		if (err)
			return err;
no_reentry:
		verif_mark_unknown(&r0);
	}
	caller = st->frames[st->curframe - 1];
	*next = f->callsite + 1;
	/* pointers into the dying frame (spilled into a caller's stack) die too */
	{
		int dying = st->curframe;

		st->curframe--;
		FOR_EACH_REG(st, r, {
			if (r->type == PTR_TO_STACK && r->frameno >= dying)
				verif_mark_unknown(r);
		})
			;
		st->curframe++;
	}
	ub_free(f->stack);
	ub_free(f);
	st->frames[st->curframe] = NULL;
	st->curframe--;
	caller->regs[0] = r0;
	for (i = 1; i <= 5; i++)
		verif_mark_not_init(&caller->regs[i]);
	return 0;
}

/* ==== loads of immediates and packets ==== */

/*
 * lddw BPF_PSEUDO_BTF_ID: a __ksym's address (check_ld_imm with the
 * kernel's __check_pseudo_btf_id): a kfunc (FUNC) is read-only memory of
 * size 0 that is never NULL, so bpf_ksym_exists() is a known branch;
 * a symbol the kernel (userbpf) lacks is refused with its message.
 * Without opts.ksym_btf the address is an unknown number.
 */
static int check_ksym(struct verif_env *env, const struct userbpf_insn *insn, struct verif_reg *dst)
{
	char msg[160];
	int err;

	if (!env->kbtf) {
		verif_mark_unknown(dst);
		return 0;
	}
	err = ub_ksym_resolve(env->kbtf, insn[0].imm, insn[1].imm, NULL, msg, sizeof(msg));
	if (err) {
		verif_log(env, "%s", msg);
		return err;
	}
	reg_ptr(dst, PTR_TO_MEM);
	dst->flags = MEM_RDONLY;
	dst->mem_size = 0;
	return 0;
}

static int check_lddw(struct verif_env *env, struct verif_state *st, int idx, int op)
{
	const struct userbpf_insn *insn = &env->insns[idx];
	struct verif_reg *dst = reg_of(st, insn->dst_reg);
	int m, i;

	if (insn->dst_reg == 10)
		return ERR_ACCES("frame pointer is read only\n");
	switch (op) {
	case ISA_LDDW:
		verif_mark_const(dst,
				 (uint32_t)insn->imm | ((uint64_t)(uint32_t)insn[1].imm << 32));
		return 0;
	case ISA_LDDW_FUNC: {
		int target = idx + 1 + insn->imm;

		reg_ptr(dst, PTR_TO_FUNC);
		dst->subprog = -1;
		for (i = 0; i < env->nsubprogs; i++)
			if (env->subprogs[i].start == target)
				dst->subprog = i;
		return 0;
	}
	case ISA_LDDW_BTF_ID:
		return check_ksym(env, insn, dst);
	default:
		break;
	}
	m = find_map(env, insn->src_reg, insn->imm);
	if (m == -2)
		return -ENOMEM;
	if (m < 0)
		return ERR_INVAL("fd %d is not pointing to valid bpf_map\n", insn->imm);
	if (op == ISA_LDDW_MAP_FD || op == ISA_LDDW_MAP_IDX) {
		if (insn[1].imm)
			return ERR_INVAL("invalid bpf_ld_imm64 insn\n");
		reg_ptr(dst, CONST_PTR_TO_MAP);
		dst->map = m;
		return 0;
	}
	if (env->maps[m].d.type != MT_ARRAY || env->maps[m].d.max_entries != 1 ||
	    (uint32_t)insn[1].imm >= env->maps[m].d.value_size)
		return ERR_INVAL("invalid access to map value pointer, value_size=%u off=%u\n",
				 env->maps[m].d.value_size, (uint32_t)insn[1].imm);
	reg_ptr(dst, PTR_TO_MAP_VALUE);
	dst->map = m;
	dst->off = insn[1].imm;
	return 0;
}

static int check_ld_pkt(struct verif_env *env, struct verif_state *st, int idx, int op)
{
	const struct userbpf_insn *insn = &env->insns[idx];
	struct verif_frame *f = cur_frame(st);
	int i, err, size = (insn->code & 0x18) == 0x00 ? 4 : (insn->code & 0x18) == 0x08 ? 2 : 1;

	if (env->ctx_kind != UB_CTX_SKB)
		return ERR_INVAL(
			"BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
	if (st->lock_id)
		return ERR_INVAL(
			"BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region\n");
	if (st->nrefs)
		return ERR_INVAL("BPF_LD_[ABS|IND] would lead to reference leak\n");
	if ((err = check_reg_read(env, st, 6)))
		return err;
	if (f->regs[6].type != PTR_TO_CTX)
		return ERR_INVAL("at the time of BPF_LD_ABS|IND R6 != pointer to skb\n");
	if ((isa_table[op].fields & U_SRC) && (err = check_reg_read(env, st, insn->src_reg)))
		return err;
	for (i = 0; i <= st->curframe; i++)
		if (st->frames[i]->cb_kind)
			return ERR_INVAL("cannot use BPF_LD_[ABS|IND] within callback\n");
	for (i = 1; i <= 5; i++)
		verif_mark_not_init(&f->regs[i]);
	scalar_of_size(&f->regs[0], size, false);
	if (st->curframe) {
		/* the load's hidden exit (r0 = 0) leaves the subprogram: the
		 * normal path continues in a pushed state, this one returns */
		struct verif_state *cont = verif_state_copy(st);
		int next, err2;

		if (!cont)
			return -ENOMEM;
		err2 = push_state(env, cont, idx + 1, idx);
		if (err2)
			return err2;
		verif_mark_const(&f->regs[0], 0);
		err2 = check_exit(env, st, idx, &next);
		if (err2)
			return err2;
		return next + 1; /* > 0: continue at next */
	}
	return 0;
}

static int insn_size(const struct userbpf_insn *insn)
{
	switch (insn->code & 0x18) {
	case 0x00:
		return 4;
	case 0x08:
		return 2;
	case 0x10:
		return 1;
	default:
		return 8;
	}
}

/* one instruction; *next = following insn, -1 path done, -2 env->cur replaced */
static int step(struct verif_env *env, struct verif_state *st, int idx, int *next)
{
	const struct userbpf_insn *insn = &env->insns[idx];
	int op = env->ops[idx], err;
	uint16_t fl = (uint16_t)isa_table[op].flags;

	*next = idx + 1;
	if (fl & F_ALU)
		return check_alu(env, st, idx, op);
	if (fl & F_LDDW) {
		*next = idx + 2;
		return check_lddw(env, st, idx, op);
	}
	if (fl & F_LDPKT) {
		err = check_ld_pkt(env, st, idx, op);
		if (err > 0) { /* left the subprogram */
			*next = err - 1;
			return 0;
		}
		return err;
	}
	if (fl & F_LOAD) {
		struct verif_reg tmp;

		if ((err = check_reg_read(env, st, insn->src_reg)))
			return err;
		if (insn->dst_reg == 10)
			return ERR_ACCES("frame pointer is read only\n");
		verif_mark_unknown(&tmp);
		err = check_mem_access(env, st, insn->src_reg, insn->off, insn_size(insn), ACC_READ,
				       &tmp, NULL, (insn->code & 0xe0) == 0x80);
		if (!err)
			*reg_of(st, insn->dst_reg) = tmp;
		return err;
	}
	if (fl & F_STORE) {
		struct verif_reg val;
		bool imm = (insn->code & 0x07) == 0x02;

		if ((err = check_reg_read(env, st, insn->dst_reg)))
			return err;
		if (imm) {
			verif_mark_const(&val, insn_size(insn) == 8 ? (uint64_t)(int64_t)insn->imm :
								      (uint32_t)insn->imm);
		} else {
			struct verif_reg *sr = reg_of(st, insn->src_reg);

			if ((err = check_reg_read(env, st, insn->src_reg)))
				return err;
			/* a spilled unknown scalar stays linked to its register
			 * (bounds learned on a fill apply to both, as in Linux;
			 * a narrow spill too when the value fits) */
			if (sr->type == SCALAR_VALUE && !tnum_is_const(sr->v.t) && !sr->id &&
			    (insn_size(insn) == 8 ||
			     sr->v.umax < (1ull << (8 * insn_size(insn)))) &&
			    reg_of(st, insn->dst_reg)->type == PTR_TO_STACK)
				sr->id = ++env->id_gen;
			val = *sr;
		}
		env->st_imm = imm;
		err = check_mem_access(env, st, insn->dst_reg, insn->off, insn_size(insn),
				       ACC_WRITE, NULL, &val, false);
		env->st_imm = false;
		return err;
	}
	if (fl & F_ATOMIC) {
		int size = insn_size(insn);
		struct verif_reg old;

		if ((err = check_reg_read(env, st, insn->dst_reg)) ||
		    (err = check_reg_read(env, st, insn->src_reg)))
			return err;
		if ((fl & F_W0) && (err = check_reg_read(env, st, 0)))
			return err;
		verif_mark_unknown(&old);
		err = check_mem_access(env, st, insn->dst_reg, insn->off, size, ACC_READ, &old,
				       NULL, false);
		if (!err)
			err = check_mem_access(env, st, insn->dst_reg, insn->off, size, ACC_ATOMIC,
					       NULL, NULL, false);
		if (err)
			return err;
		if (old.type != SCALAR_VALUE)
			verif_mark_unknown(&old);
		if (fl & F_WSRC)
			*reg_of(st, insn->src_reg) = old;
		if (fl & F_W0)
			*reg_of(st, 0) = old;
		return 0;
	}
	if (op == ISA_JA) {
		*next = idx + 1 + insn->off;
		return 0;
	}
	if (op == ISA_JA32) {
		*next = idx + 1 + insn->imm;
		return 0;
	}
	if (fl & F_COND)
		return check_cond_jmp(env, st, idx, op, next);
	if (op == ISA_CALL && insn->imm == VERIF_CORE_POISON) {
		/* libbpf's marker for an unresolved CO-RE relocation: the
		 * loader's stand-in aborts the run here, so the path ends */
		verif_log(env, "%d: unresolved CO-RE relocation: the run stops here\n", idx);
		*next = -1;
		return 0;
	}
	if (op == ISA_CALL) {
		bool cb;

		return check_helper_call(env, st, idx, next, &cb);
	}
	if (op == ISA_CALL_LOCAL)
		return check_local_call(env, st, idx, next);
	if (op == ISA_CALL_KFUNC)
		return ERR_INVAL(
			"calling kernel function btf_id %d is not supported: a kfunc call is resolved by BPF_PROG_LOAD or the object loader against the kernel's BTF (helpers/ksym.c), not by the verifier alone\n",
			insn->imm);
	if (op == ISA_CALLX)
		return ERR_INVAL(
			"unknown opcode %02x: indirect calls (callx r%d) are not supported, as in Linux\n",
			insn->code, isa_callx_reg(insn) & 15);
	if (fl & F_EXIT)
		return check_exit(env, st, idx, next);
	return ERR_INVAL("unknown opcode %02x\n", insn->code);
}

/* ==== pruning ==== */

/*
 * The kernel's state-list heuristics (is_state_visited): a state is saved
 * only after 2 jumps and 8 instructions since the last one (a prune point
 * comes every few instructions), and, while a loop is being unrolled
 * (an equal-position state is still being explored), only every 20 jumps
 * or 100 instructions; a saved state that keeps missing (more than
 * 3 + 3 * hits) leaves the list.  Evicted states stay allocated (they
 * may be parents of states in flight) until the end.  These keep the
 * lists short, so bounded loops of thousands of iterations verify in
 * the kernel's instruction counts without a per-insn cap.
 */
static int is_state_visited(struct verif_env *env, struct verif_state *st, int idx)
{
	struct verif_sl *sl, *n, **pprev;
	struct verif_state *cp;
	struct verif_hist *hist;
	int hist_len, hist_cap;
	/* (a long history makes backtracking slow) */
	bool force_new = (env->prune[idx] & 6) != 0 || st->hist_len > 256;
	bool add_new = force_new;

	if (env->jmps_processed - env->prev_jmps_processed >= 2 &&
	    env->processed - env->prev_insn_processed >= 8)
		add_new = true;
	pprev = &env->explored[idx];
	while ((sl = *pprev)) {
		struct verif_state *old = sl->st;

		if (old->branches > 0) {
			if ((env->prune[idx] & 2) && st->frames[st->curframe]->cb_kind &&
			    verif_states_equal(env, old, st, false))
				goto hit_open;
			if (verif_states_equal(env, old, st, true)) {
				/*
				 * The same state in an earlier iteration of the
				 * callback (its callers' scalars widened): the
				 * iterations converged, as the kernel's
				 * RANGE_WITHIN hit at the callsite.  Within one
				 * iteration it is a real loop.
				 */
				if (st->frames[st->curframe]->cb_kind &&
				    old->curframe == st->curframe &&
				    old->frames[old->curframe]->cb_iter !=
					    st->frames[st->curframe]->cb_iter)
					goto hit_open;
				return ERR_INVAL("infinite loop detected at insn %d\n", idx);
			}
			if (!force_new && env->jmps_processed - env->prev_jmps_processed < 20 &&
			    env->processed - env->prev_insn_processed < 100)
				add_new = false;
			goto miss;
		}
		if (verif_states_equal(env, old, st, false)) {
			if (env->dyn_prec && verif_state_in_cb(old))
				goto hit_loop;
			propagate_precision(env, old, st, idx);
			goto hit;
		}
miss:
		if (add_new)
			sl->miss_cnt++;
		if (sl->miss_cnt > sl->hit_cnt * 3 + 3) {
			*pprev = sl->next;
			sl->next = env->evicted;
			env->evicted = sl;
			env->states_per_insn[idx]--;
			env->cur_states--;
			continue;
		}
		pprev = &sl->next;
		continue;
hit_open:
		/* old's continuation is still being explored: its precision is
		 * not known yet (state.c compared it by the static precision);
		 * its marks so far go to this path now, the rest when the loop
		 * is explored (a backedge, as the kernel's) */
		if (env->dyn_prec) {
			propagate_precision(env, old, st, idx);
			if (add_backedge(env, old, st, idx))
				return -ENOMEM;
		}
		goto hit;
hit_loop:
		/* old is inside a callback: its precision may grow with its
		 * iterations' backedges (state.c compared it statically) */
		propagate_precision(env, old, st, idx);
		if (add_backedge(env, old, st, idx))
			return -ENOMEM;
hit:
		sl->hit_cnt++;
		return 1;
	}
	if (!add_new)
		return 0;
	/* cp takes st's history (the path up to here) without a copy */
	hist = st->hist;
	hist_len = st->hist_len;
	hist_cap = st->hist_cap;
	st->hist = NULL;
	st->hist_len = st->hist_cap = 0;
	cp = verif_state_copy(st);
	n = ub_calloc(1, sizeof(*n));
	if (!cp || !n) {
		verif_state_free(cp);
		ub_free(n);
		st->hist = hist;
		st->hist_len = hist_len;
		st->hist_cap = hist_cap;
		return -ENOMEM;
	}
	cp->hist = hist;
	cp->hist_len = hist_len;
	cp->hist_cap = hist_cap;
	env->prev_jmps_processed = env->jmps_processed;
	env->prev_insn_processed = env->processed;
	clear_precise(cp);
	cp->branches = 1;
	cp->parent = st->parent;
	cp->insn = idx;
	st->parent = cp;
	n->st = cp;
	n->next = env->explored[idx];
	env->explored[idx] = n;
	env->states_per_insn[idx]++;
	env->total_states++;
	env->cur_states++;
	if (env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	if (env->states_per_insn[idx] > env->max_states_per_insn)
		env->max_states_per_insn = env->states_per_insn[idx];
	return 0;
}

/* ==== main loop ==== */

static int do_check(struct verif_env *env)
{
	struct verif_state *st = verif_state_new();
	struct verif_frame *f = verif_frame_new(-1, 0);
	int idx = 0, prev = -1, next, err;

	if (!st || !f) {
		ub_free(st);
		ub_free(f);
		return -ENOMEM;
	}
	st->frames[0] = f;
	reg_ptr(&f->regs[1], PTR_TO_CTX);
	reg_ptr(&f->regs[10], PTR_TO_STACK);
	env->cur = st;
	for (;;) {
		st = env->cur;
		env->cur_insn = idx;
		if (++env->processed > VERIF_MAX_INSNS) {
			verif_log(env, "BPF program is too large. Processed %u insn\n",
				  env->processed);
			return -E2BIG;
		}
		st->insn = idx;
		if (env->prune[idx]) {
			err = is_state_visited(env, st, idx);
			if (err < 0)
				return err;
			if (err == 1) {
				if (env->log_level >= 1)
					verif_log(env, "%d: safe\n", idx);
				goto pop;
			}
		}
		if (env->log_level >= 2) {
			verif_log(env, "%d:", idx);
			verif_print_state(env, st);
		}
		if (env->log_level >= 1)
			log_insn(env, idx);
		hist_push(env, st, idx);
		if ((env->insns[idx].code & 0x07) == 0x05 || (env->insns[idx].code & 0x07) == 0x06)
			env->jmps_processed++;	       /* BPF_JMP, BPF_JMP32 */
		verif_insn_facts_record(env, st, idx); /* for the JIT (insn_facts.c) */
		err = step(env, st, idx, &next);
		if (err)
			return err;
		if (next == -2) { /* env->cur replaced by the feasible side */
			env->cur->insn = env->insns[idx].off + idx + 1;
			prev = idx;
			idx = env->cur->insn;
			continue;
		}
		if (next >= 0) {
			prev = idx;
			idx = next;
			continue;
		}
pop:
		path_end(env, st);
		verif_state_free(st);
		env->cur = NULL;
		if (!env->stack_len)
			return 0;
		env->stack_len--;
		env->cur = env->stack[env->stack_len].st;
		idx = env->stack[env->stack_len].insn;
		prev = env->stack[env->stack_len].prev;
		if (env->log_level >= 1) {
			verif_log(env, "from %d to %d:", prev, idx);
			verif_print_state(env, env->cur);
		}
	}
}

/* combined stack depth of every call chain (check_max_stack_depth) */
static int check_stack_depth(struct verif_env *env, int sp, int depth, int frames)
{
	int i, d = env->subprogs[sp].stack_depth, err;

	d = d ? (d + 31) / 32 * 32 : 32;
	depth += d;
	if (frames > VERIF_MAX_FRAMES)
		return ERR_ACCES("the call stack of %d frames is too deep !\n", frames - 1);
	if (depth > VERIF_STACK)
		return ERR_ACCES("combined stack size of %d calls is %d. Too large\n", frames,
				 depth);
	for (i = env->subprogs[sp].start; i < env->subprogs[sp].end; i++) {
		if (env->ops[i] == ISA_CALL_LOCAL || env->ops[i] == ISA_LDDW_FUNC) {
			int t = env->subprog_of[i + 1 + env->insns[i].imm];

			/* recursion: the chain grows past the frame limit, as in
			 * the kernel's check_max_stack_depth() */
			err = check_stack_depth(env, t, depth, frames + 1);
			if (err)
				return err;
		}
	}
	return 0;
}

static void env_free(struct verif_env *env)
{
	size_t i;

	for (i = 0; i < (size_t)env->nbe; i++)
		verif_state_free(env->be[i].st);
	ub_free(env->be);
	if (env->explored) {
		for (i = 0; i < env->cnt; i++) {
			struct verif_sl *sl = env->explored[i], *n;

			for (; sl; sl = n) {
				n = sl->next;
				verif_state_free(sl->st);
				ub_free(sl);
			}
		}
	}
	while (env->evicted) {
		struct verif_sl *sl = env->evicted;

		env->evicted = sl->next;
		verif_state_free(sl->st);
		ub_free(sl);
	}
	while (env->stack_len > 0)
		verif_state_free(env->stack[--env->stack_len].st);
	verif_state_free(env->cur);
	ub_free(env->stack);
	ub_free(env->explored);
	ub_free(env->ops);
	ub_free(env->subprog_of);
	ub_free(env->prune);
	ub_free(env->live);
	ub_free(env->precise);
	ub_free(env->states_per_insn);
	ub_free(env->maps);
}

int userbpf_verify(const struct userbpf_insn *insns, size_t insn_cnt,
		   const struct userbpf_verifier_opts *opts)
{
	struct verif_env env;
	static const struct userbpf_verifier_opts none = { .sz = sizeof(none) };
	int err;

	if (!opts)
		opts = &none;
	if (!insns && insn_cnt)
		return -EINVAL;
	if (opts->sz < offsetof(struct userbpf_verifier_opts, stats))
		return -EINVAL;
	if (insn_cnt > VERIF_MAX_INSNS)
		return -E2BIG;
	memset(&env, 0, sizeof(env));
	env.insns = insns;
	env.cnt = insn_cnt;
	env.opts = opts;
	env.prog_type = opts->prog_type;
	env.ctx_size = opts->ctx_size;
	if (opts->sz >= offsetof(struct userbpf_verifier_opts, expected_attach_type) +
				sizeof(opts->expected_attach_type))
		env.eat = opts->expected_attach_type;
	if (opts->sz >= offsetof(struct userbpf_verifier_opts, ret_range) + sizeof(opts->ret_range))
		env.ret_range = opts->ret_range;
	if (opts->sz >=
	    offsetof(struct userbpf_verifier_opts, attach_target) + sizeof(opts->attach_target))
		env.attach_target = opts->attach_target;
	env.ctx_kind = ub_prog_ctx_kind(opts->prog_type);
	if (opts->sz >=
	    offsetof(struct userbpf_verifier_opts, attach_btf_id) + sizeof(opts->attach_btf_id))
		attach_btf_setup(&env, opts->attach_btf, opts->attach_btf_id);
	if (opts->sz >= offsetof(struct userbpf_verifier_opts, ksym_btf) + sizeof(opts->ksym_btf))
		env.kbtf = opts->ksym_btf;
	/* one BTF types every PTR_TO_BTF_ID (reg->mem_size is an id in it) */
	if (env.kbtf && env.abtf && env.kbtf != env.abtf)
		return -EINVAL;
	if (env.kbtf && !env.abtf)
		env.abtf = env.kbtf;
	env.log = opts->log_buf;
	env.log_size = opts->log_buf ? opts->log_size : 0;
	env.log_level = opts->log_level;
	if (env.log && env.log_size)
		env.log[0] = '\0';
	if (opts->helpers) {
		env.helpers = opts->helpers;
		env.helper_cnt = opts->helper_cnt;
	} else {
		env.helpers = userbpf_helpers_std(&env.helper_cnt);
	}
	env.extra = opts->extra_helpers;
	env.extra_cnt = opts->extra_helper_cnt;
	if (!opts->helpers && !opts->extra_helpers)
		env.extra = userbpf_prog_type_helpers(opts->prog_type, &env.extra_cnt);
	if (insn_cnt) {
		env.ops = ub_calloc(insn_cnt, sizeof(*env.ops));
		env.subprog_of = ub_calloc(insn_cnt, sizeof(*env.subprog_of));
		env.prune = ub_calloc(insn_cnt, 1);
		env.live = ub_calloc(insn_cnt, sizeof(*env.live));
		env.precise = ub_calloc(insn_cnt, sizeof(*env.precise));
		env.explored = ub_calloc(insn_cnt, sizeof(*env.explored));
		env.states_per_insn = ub_calloc(insn_cnt, sizeof(*env.states_per_insn));
		if (!env.ops || !env.subprog_of || !env.prune || !env.live || !env.precise ||
		    !env.explored || !env.states_per_insn) {
			env_free(&env);
			return -ENOMEM;
		}
	}
	env.cur_insn = -1;
	err = verif_check_structure(&env);
	{
		int64_t lo, hi;

		env.ret_checked = ret_range(&env, &lo, &hi);
	}
	if (!err) {
		verif_compute_liveness(&env);
		verif_compute_precise(&env);
		env.dyn_prec = true;
		err = do_check(&env);
	}
	if (!err)
		err = check_stack_depth(&env, 0, 0, 1);
	if (err && err != -ENOMEM && env.cur_insn >= 0 && (size_t)env.cur_insn < insn_cnt) {
		/* name the instruction (and its source line) next to the reason */
		char tail[600] = "";

		if (env.log && env.log_size) {
			/* move the reason after the insn line at level 0 */
			size_t start = env.log_len;

			while (start > 0 && env.log[start - 1] != '\n')
				start--;
			(void)start;
		}
		if (env.log_level == 0) {
			log_line(&env, env.cur_insn);
			log_insn(&env, env.cur_insn);
		}
		verif_log(&env, "verification failed at insn %d%s\n", env.cur_insn, tail);
	}
	verif_log(
		&env,
		"processed %u insns (limit %u) max_states_per_insn %u total_states %u peak_states %u mark_read 0\n",
		env.processed, VERIF_MAX_INSNS, env.max_states_per_insn, env.total_states,
		env.peak_states);
	if (opts->sz >= offsetof(struct userbpf_verifier_opts, stats) + sizeof(opts->stats) &&
	    opts->stats) {
		struct userbpf_verifier_stats *s = opts->stats;

		s->insn_processed = env.processed;
		s->total_states = env.total_states;
		s->peak_states = env.peak_states;
		s->max_states_per_insn = env.max_states_per_insn;
		s->stack_depth = env.nsubprogs ? (uint32_t)env.subprogs[0].stack_depth : 0;
		s->error_insn = err ? (uint32_t)env.cur_insn : 0;
		s->log_true_size = env.log_true + 1;
		s->probe_mem_insns = env.probe_mem;
		s->uninit_stack_reads = env.uninit_stack;
		s->backtrack_steps = env.bt_steps;
	}
	env_free(&env);
	return err;
}
