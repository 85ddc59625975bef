/* SPDX-License-Identifier: MIT */
/*
 * state.c - the verifier's abstract machine state: allocation and deep
 * copy of states (frames, stack slots, references), the comparison that
 * decides pruning (an old, fully explored state covers the current one)
 * and loop detection (exact equality with a state still being explored),
 * and printing of registers and states for the log.  Dead registers (per
 * cfg.c's liveness) are ignored by the comparison; ids are compared as a
 * consistent renaming, as in the kernel's check_ids().
 */
#include "util/ubc.h"

#include "verifier_int.h"
#include "util/alloc.h"

void verif_mark_not_init(struct verif_reg *r)
{
	memset(r, 0, sizeof(*r));
	verif_scalar_unknown(&r->v);
	r->type = NOT_INIT;
	r->map = -1;
}

void verif_mark_unknown(struct verif_reg *r)
{
	verif_mark_not_init(r);
	r->type = SCALAR_VALUE;
}

void verif_mark_const(struct verif_reg *r, uint64_t v)
{
	verif_mark_not_init(r);
	r->type = SCALAR_VALUE;
	verif_scalar_const(&r->v, v);
}

struct verif_frame *verif_frame_new(int callsite, int subprog)
{
	struct verif_frame *f = ub_alloc(sizeof(*f));
	int i;

	if (!f)
		return NULL;
	for (i = 0; i < 11; i++)
		verif_mark_not_init(&f->regs[i]);
	f->callsite = callsite;
	f->subprog = subprog;
	return f;
}

int verif_frame_grow(struct verif_frame *f, int nslots)
{
	struct verif_slot *s;

	if (nslots <= f->nslots)
		return 0;
	s = ub_realloc(f->stack, (size_t)nslots * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + f->nslots, 0, (size_t)(nslots - f->nslots) * sizeof(*s));
	f->stack = s;
	f->nslots = nslots;
	return 0;
}

static struct verif_frame *frame_copy(const struct verif_frame *src)
{
	struct verif_frame *f = ub_alloc(sizeof(*f));

	if (!f)
		return NULL;
	*f = *src;
	f->stack = NULL;
	if (src->nslots) {
		f->stack = ub_alloc((size_t)src->nslots * sizeof(*f->stack));
		if (!f->stack) {
			ub_free(f);
			return NULL;
		}
		memcpy(f->stack, src->stack, (size_t)src->nslots * sizeof(*f->stack));
	}
	return f;
}

struct verif_state *verif_state_new(void)
{
	return ub_alloc(sizeof(struct verif_state));
}

struct verif_state *verif_state_copy(const struct verif_state *st)
{
	struct verif_state *c = ub_alloc(sizeof(*c));
	int i;

	if (!c)
		return NULL;
	*c = *st;
	c->all_precise = false;
	c->be_refs = 0;
	for (i = 0; i < VERIF_MAX_FRAMES; i++)
		c->frames[i] = NULL;
	c->hist = NULL;
	c->hist_cap = 0;
	if (st->hist_len) {
		/* room to grow: a copy is a branch's other side, which goes on */
		int cap = st->hist_len + 32;

		c->hist = ub_alloc((size_t)cap * sizeof(*c->hist));
		if (!c->hist) {
			c->hist_len = 0;
			verif_state_free(c);
			return NULL;
		}
		memcpy(c->hist, st->hist, (size_t)st->hist_len * sizeof(*c->hist));
		c->hist_cap = cap;
	}
	for (i = 0; i <= st->curframe; i++) {
		c->frames[i] = frame_copy(st->frames[i]);
		if (!c->frames[i]) {
			verif_state_free(c);
			return NULL;
		}
	}
	return c;
}

void verif_state_free(struct verif_state *st)
{
	int i;

	if (!st)
		return;
	ub_free(st->hist);
	for (i = 0; i < VERIF_MAX_FRAMES; i++) {
		if (st->frames[i]) {
			ub_free(st->frames[i]->stack);
			ub_free(st->frames[i]);
		}
	}
	ub_free(st);
}

/* ==== comparison ==== */

struct idmap {
	int n;
	uint32_t next_tmp;
	struct {
		uint32_t old, cur;
	} m[1024];
};

static bool check_ids(struct idmap *map, uint32_t old, uint32_t cur)
{
	int i;

	if (!old)
		return true;
	if (!cur)
		cur = ++map->next_tmp;
	for (i = 0; i < map->n; i++) {
		if (map->m[i].old == old)
			return map->m[i].cur == cur;
		if (map->m[i].cur == cur)
			return false;
	}
	if (map->n >= (int)(sizeof(map->m) / sizeof(map->m[0])))
		return false;
	map->m[map->n].old = old;
	map->m[map->n].cur = cur;
	map->n++;
	return true;
}

static bool var_ok(const struct verif_reg *o, const struct verif_reg *c, bool exact)
{
	return exact ? verif_scalar_equal(&o->v, &c->v) : verif_scalar_within(&o->v, &c->v);
}

static bool regsafe(struct idmap *map, const struct verif_reg *o, const struct verif_reg *c,
		    bool exact)
{
	if (o->type == NOT_INIT)
		return !exact || c->type == NOT_INIT;
	if (o->type != c->type || o->flags != c->flags)
		return false;
	if (!check_ids(map, o->ref_obj_id, c->ref_obj_id))
		return false;
	switch (o->type) {
	case SCALAR_VALUE:
		return var_ok(o, c, exact) && check_ids(map, o->id, c->id);
	case CONST_PTR_TO_DYNPTR:
		return o->dynptr_type == c->dynptr_type && o->off == c->off &&
		       var_ok(o, c, exact) && check_ids(map, o->id, c->id);
	case PTR_TO_MEM:
		/* a dynptr slice dies with its dynptr: the same one on both */
		if (!check_ids(map, o->dynptr_id, c->dynptr_id))
			return false;
		/* fallthrough */
	case PTR_TO_MAP_VALUE:
	case PTR_TO_MAP_KEY:
	case CONST_PTR_TO_MAP:
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
	case PTR_TO_TCP_SOCK:
	case PTR_TO_BTF_ID:
		return o->map == c->map && o->mem_size == c->mem_size && o->off == c->off &&
		       var_ok(o, c, exact) && check_ids(map, o->id, c->id);
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		if (o->off != c->off || (exact ? o->range != c->range : o->range > c->range))
			return false;
		return var_ok(o, c, exact) && check_ids(map, o->id, c->id);
	case PTR_TO_STACK:
		return o->frameno == c->frameno && o->off == c->off && var_ok(o, c, exact);
	case PTR_TO_FUNC:
		return o->subprog == c->subprog;
	default:
		return o->off == c->off && var_ok(o, c, exact);
	}
}

static bool is_unknown_scalar(const struct verif_reg *r)
{
	struct verif_scalar u;

	verif_scalar_unknown(&u);
	return r->type == SCALAR_VALUE && !r->id && verif_scalar_equal(&r->v, &u);
}

/* old's scalar may be ignored: its flags are no more than cur's (a
 * kernel-pointer scalar may be read through, a plain one may not) */
static bool scalar_covers(const struct verif_reg *o, const struct verif_reg *c)
{
	return o->type == SCALAR_VALUE && c->type == SCALAR_VALUE &&
	       !(o->flags & (SCALAR_BTF_PTR | SCALAR_BTF_WRITABLE) & ~c->flags);
}

/* two dynptr slots: the same type and part, the same dynptr and reference */
static bool dynptr_slot_safe(struct idmap *map, const struct verif_slot *o,
			     const struct verif_slot *c)
{
	return o->spilled.dynptr_type == c->spilled.dynptr_type &&
	       o->spilled.dynptr_first == c->spilled.dynptr_first &&
	       check_ids(map, o->spilled.ref_obj_id, c->spilled.ref_obj_id) &&
	       check_ids(map, o->spilled.id, c->spilled.id);
}

/* bytes of a spilled register at the slot's start (8, or a narrow
 * scalar spill's 1, 2, 4) */
static int spill_bytes(const struct verif_slot *s)
{
	int n = 0;

	while (n < 8 && s->type[n] == SLOT_SPILL)
		n++;
	return n;
}

/* old and cur are narrow spills of the same size, and old's bytes past
 * it cover cur's: never written (root reads them as unknown), misc data
 * over misc, zero or never-written bytes, zero over zero */
static bool same_narrow_spill(const struct verif_slot *o, const struct verif_slot *c)
{
	int n = spill_bytes(o), b;

	if (n == 8 || spill_bytes(c) != n)
		return false;
	for (b = n; b < 8; b++) {
		uint8_t ot = o->type[b], ct = c->type[b];

		if (ot == SLOT_INVALID)
			continue;
		if (ot == SLOT_MISC && (ct == SLOT_MISC || ct == SLOT_ZERO || ct == SLOT_INVALID))
			continue;
		if (ot == SLOT_ZERO && ct == SLOT_ZERO)
			continue;
		return false;
	}
	return true;
}

static bool slot_safe(struct idmap *map, const struct verif_slot *o, const struct verif_slot *c,
		      bool exact, bool dyn)
{
	static const struct verif_slot invalid;
	int b;

	if (!o)
		o = &invalid;
	if (!c)
		c = &invalid;
	if (exact) {
		if (memcmp(o->type, c->type, 8))
			return false;
		if (o->type[0] == SLOT_SPILL)
			return regsafe(map, &o->spilled, &c->spilled, true);
		if (o->type[0] == SLOT_DYNPTR)
			return dynptr_slot_safe(map, o, c);
		return true;
	}
	/* a dynptr slot matches the same kind of dynptr (the kernel's
	 * stacksafe, STACK_DYNPTR); old's never-written bytes cover it */
	if (o->type[0] == SLOT_DYNPTR)
		return c->type[0] == SLOT_DYNPTR && dynptr_slot_safe(map, o, c);
	if (c->type[0] == SLOT_DYNPTR) {
		for (b = 0; b < 8; b++)
			if (o->type[b] != SLOT_INVALID)
				return false;
		return true;
	}
	/* spills of different sizes (narrow scalar spills) never match; a
	 * narrow spill of the same size matches when old's other bytes cover
	 * cur's (the kernel's stacksafe, byte by byte) */
	if (o->type[0] == SLOT_SPILL && memcmp(o->type, c->type, 8) &&
	    (o->type[7] != SLOT_SPILL || c->type[0] == SLOT_SPILL) && !same_narrow_spill(o, c))
		return false;
	if (o->type[0] == SLOT_SPILL) {
		/* backtracking precision: an imprecise spilled scalar's value
		 * never mattered below old (the kernel's stacksafe via regsafe) */
		bool any = dyn && o->spilled.type == SCALAR_VALUE && !o->spilled.precise &&
			   !(o->spilled.flags & SCALAR_BTF_PTR);

		if (c->type[0] == SLOT_SPILL) {
			if (any && scalar_covers(&o->spilled, &c->spilled))
				return true;
			return regsafe(map, &o->spilled, &c->spilled, false);
		}
		if (!any && !is_unknown_scalar(&o->spilled))
			return false;
		/* an unknown spilled scalar covers misc / zero bytes */
		for (b = 0; b < 8; b++)
			if (c->type[b] == SLOT_SPILL)
				return false;
		return true;
	}
	for (b = 0; b < 8; b++) {
		uint8_t ot = o->type[b], ct = c->type[b];

		if (ot == SLOT_INVALID)
			continue; /* root reads uninitialised stack as unknown */
		if (ct == SLOT_SPILL) {
			if (c->spilled.type != SCALAR_VALUE)
				return false;
			if (ot == SLOT_ZERO && !tnum_equals_const(c->spilled.v.t, 0))
				return false;
			continue;
		}
		if (ot == SLOT_MISC && (ct == SLOT_MISC || ct == SLOT_ZERO || ct == SLOT_INVALID))
			continue;
		if (ot == SLOT_ZERO && ct == SLOT_ZERO)
			continue;
		return false;
	}
	return true;
}

static bool frame_equal(struct idmap *map, const struct verif_frame *o, const struct verif_frame *c,
			uint16_t live, uint16_t precise, bool exact, bool dyn)
{
	int i, n;

	if (o->callsite != c->callsite || o->subprog != c->subprog || o->cb_kind != c->cb_kind)
		return false;
	/* a callback with fewer iterations left does not cover one with more
	 * (the kernel's callback_depth comparison) */
	if (o->cb_kind && o->cb_max - (uint64_t)o->cb_iter < c->cb_max - (uint64_t)c->cb_iter)
		return false;
	/* a callback's entry registers start each of its iterations: the
	 * backtracking does not follow them, so they compare in full */
	if (o->cb_kind)
		for (i = 1; i <= 5; i++)
			if (!regsafe(map, &o->cb_regs[i], &c->cb_regs[i], exact))
				return false;
	for (i = 0; i < 10; i++) {
		if (!(live & (1u << i)))
			continue;
		/* a scalar whose value no safety check or branch will ever see:
		 * it cannot change what happens next (also for loop detection:
		 * equal up to such values, a loop repeats forever) */
		if ((!(precise & (1u << i)) || (dyn && !o->regs[i].precise)) &&
		    scalar_covers(&o->regs[i], &c->regs[i]))
			continue;
		if (!regsafe(map, &o->regs[i], &c->regs[i], exact))
			return false;
	}
	n = o->nslots > c->nslots ? o->nslots : c->nslots;
	for (i = 0; i < n; i++) {
		if (!slot_safe(map, i < o->nslots ? &o->stack[i] : NULL,
			       i < c->nslots ? &c->stack[i] : NULL, exact, dyn))
			return false;
	}
	return true;
}

/* a frame of st is a callback's: st is inside a loop of iterations */
bool verif_state_in_cb(const struct verif_state *st)
{
	int i;

	for (i = 1; i <= st->curframe; i++)
		if (st->frames[i]->cb_kind)
			return true;
	return false;
}

bool verif_states_equal(struct verif_env *env, const struct verif_state *old,
			const struct verif_state *cur, bool exact)
{
#ifdef USERBPF_NO_TLS
	static struct idmap map; /* no thread-local storage: one CPU (ubc.h) */
#else
	/* 8 KB of stack: thread-local, it took most of the static TLS space
	 * a dlopen'ed library gets ("userbpf trace --pid"'s agent) */
	struct idmap map;
#endif
	/* backtracking precision: an old state's marks are final once its
	 * continuation is explored (no branches left); before, only the
	 * static precision counts */
	bool dyn = env->dyn_prec && !exact && old->branches == 0 && !verif_state_in_cb(old);
	int i;

	if (old->curframe != cur->curframe || old->nrefs != cur->nrefs ||
	    !old->lock_id != !cur->lock_id)
		return false;
	if (old->lock_id && (old->lock_map != cur->lock_map || old->lock_off != cur->lock_off))
		return false;
	map.n = 0;
	map.next_tmp = 0x80000000u;
	for (i = 0; i < old->nrefs; i++)
		if (!check_ids(&map, old->refs[i].id, cur->refs[i].id))
			return false;
	/* the held lock's identity is part of the renaming (the kernel's
	 * check_ids on active_lock.id): the unlock must name the same value */
	if (old->lock_id && !check_ids(&map, old->lock_id, cur->lock_id))
		return false;
	for (i = 0; i <= old->curframe; i++) {
		uint16_t live, precise;

		if (i == old->curframe) {
			live = env->live[cur->insn];
			precise = env->precise[cur->insn];
		} else {
			live = (uint16_t)(env->live[old->frames[i + 1]->callsite + 1] & 0x3c0);
			precise =
				(uint16_t)(env->precise[old->frames[i + 1]->callsite + 1] & 0x3c0);
		}
		if (!frame_equal(&map, old->frames[i], cur->frames[i], live, precise, exact, dyn))
			return false;
	}
	return true;
}

/* ==== printing ==== */

static const char *const type_names[VERIF_REG_TYPES] = {
	[NOT_INIT] = "?",
	[SCALAR_VALUE] = "scalar",
	[PTR_TO_CTX] = "ctx",
	[CONST_PTR_TO_MAP] = "map_ptr",
	[PTR_TO_MAP_VALUE] = "map_value",
	[PTR_TO_MAP_KEY] = "map_key",
	[PTR_TO_STACK] = "fp",
	[PTR_TO_PACKET_META] = "pkt_meta",
	[PTR_TO_PACKET] = "pkt",
	[PTR_TO_PACKET_END] = "pkt_end",
	[PTR_TO_MEM] = "mem",
	[PTR_TO_FUNC] = "func",
	[PTR_TO_SOCKET] = "sock",
	[PTR_TO_SOCK_COMMON] = "sock_common",
	[PTR_TO_TCP_SOCK] = "tcp_sock",
	[PTR_TO_BTF_ID] = "ptr_",
	[CONST_PTR_TO_DYNPTR] = "dynptr_ptr",
};

const char *verif_reg_type_name(const struct verif_reg *r)
{
	static UB_TLS char buf[48];
	const char *base = r->type < VERIF_REG_TYPES ? type_names[r->type] : "?";

	if (r->type == PTR_TO_MEM && (r->flags & MEM_RINGBUF))
		base = "ringbuf_mem";
	snprintf(buf, sizeof(buf), "%s%s%s", (r->flags & MEM_RDONLY) ? "rdonly_" : "", base,
		 (r->flags & PTR_MAYBE_NULL) ? "_or_null" : "");
	return buf;
}

static void print_scalar(struct verif_env *env, const struct verif_scalar *v, bool comma)
{
	struct verif_scalar u;
	const char *sep = comma ? "," : "";

	verif_scalar_unknown(&u);
	if (v->smin != u.smin)
		verif_log(env, "%ssmin=%lld", sep, (long long)v->smin), sep = ",";
	if (v->smax != u.smax)
		verif_log(env, "%ssmax=%lld", sep, (long long)v->smax), sep = ",";
	if (v->umin != u.umin)
		verif_log(env, "%sumin=%llu", sep, (unsigned long long)v->umin), sep = ",";
	if (v->umax != u.umax)
		verif_log(env, "%sumax=%llu", sep, (unsigned long long)v->umax), sep = ",";
	if (v->s32min != u.s32min && (int64_t)v->s32min != v->smin)
		verif_log(env, "%ssmin32=%d", sep, v->s32min), sep = ",";
	if (v->s32max != u.s32max && (int64_t)v->s32max != v->smax)
		verif_log(env, "%ssmax32=%d", sep, v->s32max), sep = ",";
	if (v->u32min != u.u32min && (uint64_t)v->u32min != v->umin)
		verif_log(env, "%sumin32=%u", sep, v->u32min), sep = ",";
	if (v->u32max != u.u32max && (uint64_t)v->u32max != v->umax)
		verif_log(env, "%sumax32=%u", sep, v->u32max), sep = ",";
	if (v->t.mask != ~0ull)
		verif_log(env, "%svar_off=(%#llx; %#llx)", sep, (unsigned long long)v->t.value,
			  (unsigned long long)v->t.mask);
}

void verif_print_reg(struct verif_env *env, const struct verif_reg *r)
{
	if (r->type == SCALAR_VALUE) {
		if (tnum_is_const(r->v.t)) {
			verif_log(env, "%lld", (long long)r->v.t.value);
			return;
		}
		verif_log(env, "scalar(");
		if (r->id)
			verif_log(env, "id=%u", r->id);
		print_scalar(env, &r->v, r->id != 0);
		verif_log(env, ")");
		return;
	}
	if (r->type == PTR_TO_STACK && tnum_is_const(r->v.t)) {
		verif_log(env, "fp%lld", (long long)(r->off + (int64_t)r->v.t.value));
		return;
	}
	verif_log(env, "%s(", verif_reg_type_name(r));
	if (r->id)
		verif_log(env, "id=%u,", r->id);
	if (r->ref_obj_id)
		verif_log(env, "ref_obj_id=%u,", r->ref_obj_id);
	if (r->map >= 0 && r->map < env->nmaps)
		verif_log(env, "map=%d,ks=%u,vs=%u,", r->map, env->maps[r->map].d.key_size,
			  env->maps[r->map].d.value_size);
	if (r->type == PTR_TO_MEM)
		verif_log(env, "sz=%u,", r->mem_size);
	if (r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META)
		verif_log(env, "r=%u,", r->range);
	verif_log(env, "off=%d", r->off);
	if (r->type != CONST_PTR_TO_MAP && r->type != PTR_TO_FUNC && !tnum_equals_const(r->v.t, 0))
		print_scalar(env, &r->v, true);
	verif_log(env, ")");
}

void verif_print_state(struct verif_env *env, const struct verif_state *st)
{
	const struct verif_frame *f = st->frames[st->curframe];
	int i, b;

	if (st->curframe)
		verif_log(env, "frame%d:", st->curframe);
	for (i = 0; i < 11; i++) {
		if (f->regs[i].type == NOT_INIT)
			continue;
		verif_log(env, " R%d=", i);
		verif_print_reg(env, &f->regs[i]);
	}
	for (i = 0; i < f->nslots; i++) {
		const struct verif_slot *s = &f->stack[i];

		if (s->type[0] == SLOT_SPILL) {
			verif_log(env, " fp%d=", -(i + 1) * 8);
			verif_print_reg(env, &s->spilled);
			continue;
		}
		for (b = 0; b < 8 && s->type[b] == SLOT_INVALID; b++)
			;
		if (b == 8)
			continue;
		verif_log(env, " fp%d=", -(i + 1) * 8);
		for (b = 0; b < 8; b++)
			verif_log(env, "%c", "?mz?d"[s->type[b] <= SLOT_DYNPTR ? s->type[b] : 0]);
	}
	if (st->nrefs)
		verif_log(env, " refs=%u", st->refs[0].id);
	for (i = 1; i < st->nrefs; i++)
		verif_log(env, ",%u", st->refs[i].id);
	verif_log(env, "\n");
}
