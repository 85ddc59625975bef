/* SPDX-License-Identifier: MIT */
/*
 * core.c - CO-RE ("compile once, run everywhere") relocations: rewrite
 * field offsets, sizes, existence checks, type ids/sizes/existence and
 * enumerator values recorded in .BTF.ext against a target BTF, the way
 * libbpf's relo_core.c does (same spec grammar, candidate rules, result
 * validation and instruction patching), so programs behave as they
 * would when libbpf loads them into a kernel with that BTF.
 *
 * Owns: access-spec parsing ("0:1:2"), candidate search by essential
 * name ("task_struct___old" matches "task_struct"), field/type/enum
 * matching, value computation, instruction patching and poisoning: an
 * access that cannot be resolved is replaced by libbpf's marker
 * `call 0xbad2310` (the program still loads; object.c makes the marker
 * fail at run time if it is ever reached).
 *
 * Does not own: choosing the target BTF (object.c), parsing (btf*.c).
 *
 * The local BTF comes from the untrusted file: every id is checked, every
 * walk is depth-limited and the whole matching of one relocation runs
 * under a step budget.
 */
#include "util/ubc.h"
#include <limits.h>

#include "loader_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define MAX_BIT_OFFSET ((uint64_t)1 << 40) /* far beyond any real struct */
#define STEP_BUDGET (1u << 20)

struct core_acc {
	uint32_t type_id;
	uint32_t idx;
	const char *name; /* NULL for array accesses */
};

struct core_spec {
	const struct userbpf_btf *btf;
	struct core_acc spec[UB_CORE_SPEC_MAX_LEN];
	uint32_t root_type_id;
	uint32_t kind;
	int len;
	uint32_t raw_spec[UB_CORE_SPEC_MAX_LEN];
	int raw_len;
	uint64_t bit_offset;
};

struct core_res {
	uint64_t orig_val, new_val;
	bool poison, validate, fail_memsz_adjust;
	uint32_t orig_sz, new_sz, orig_type_id, new_type_id;
};

struct core_ctx {
	struct userbpf_object *obj;
	const char *prog_name;
	size_t relo_no;
	unsigned steps; /* remaining budget */
};

static const char *const kind_names[] = {
	"byte_off",	  "byte_sz",	   "field_exists",   "signed",	    "lshift_u64",
	"rshift_u64",	  "local_type_id", "target_type_id", "type_exists", "type_size",
	"enumval_exists", "enumval_value", "type_matches",
};

static const char *kind_str(uint32_t kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "unknown";
}

static bool is_field_based(uint32_t k)
{
	return k <= UB_CORE_FIELD_RSHIFT_U64;
}

static bool is_type_based(uint32_t k)
{
	return k == UB_CORE_TYPE_ID_LOCAL || k == UB_CORE_TYPE_ID_TARGET ||
	       k == UB_CORE_TYPE_EXISTS || k == UB_CORE_TYPE_SIZE || k == UB_CORE_TYPE_MATCHES;
}

static bool is_enumval_based(uint32_t k)
{
	return k == UB_CORE_ENUMVAL_EXISTS || k == UB_CORE_ENUMVAL_VALUE;
}

static bool budget(struct core_ctx *c)
{
	if (!c->steps)
		return false;
	c->steps--;
	return true;
}

static bool kind_compat(const struct ub_btf_type *a, const struct ub_btf_type *b)
{
	return ub_btf_kind(a) == ub_btf_kind(b) || (ub_btf_is_any_enum(a) && ub_btf_is_any_enum(b));
}

static uint32_t enum_name_off(const struct ub_btf_type *t, uint32_t i)
{
	if (ub_btf_kind(t) == USERBPF_BTF_KIND_ENUM)
		return ((const struct ub_btf_enum *)ub_btf_extra(t))[i].name_off;
	return ((const struct ub_btf_enum64 *)ub_btf_extra(t))[i].name_off;
}

/* bit offset += idx * size * 8, refusing absurd values. */
static int add_elems(uint64_t *bit_offset, uint64_t idx, int64_t sz)
{
	if (sz < 0)
		return (int)sz;
	if (sz && idx > MAX_BIT_OFFSET / 8 / (uint64_t)sz)
		return -E2BIG;
	*bit_offset += idx * (uint64_t)sz * 8;
	if (*bit_offset > MAX_BIT_OFFSET)
		return -E2BIG;
	return 0;
}

/* ==== Spec parsing ==== */

static bool is_flex_arr(const struct userbpf_btf *btf, const struct core_acc *acc,
			const struct ub_btf_array *arr)
{
	const struct ub_btf_type *t;

	if (!acc->name || arr->nelems > 0)
		return false;
	t = ub_btf_type_by_id(btf, acc->type_id);
	return t && acc->idx == ub_btf_vlen(t) - 1;
}

/* libbpf's bpf_core_parse_spec(). */
static int parse_spec(const struct userbpf_btf *btf, const struct ub_core_relo *relo,
		      struct core_spec *spec)
{
	const char *s = ub_btf_str(btf, relo->access_str_off);
	const struct ub_btf_type *t;
	struct core_acc *acc;
	uint32_t id, access_idx;
	int i, err;

	if (!s || !*s || *s == ':')
		return -EINVAL;
	memset(spec, 0, sizeof(*spec));
	spec->btf = btf;
	spec->root_type_id = relo->type_id;
	spec->kind = relo->kind;
	if (is_type_based(relo->kind))
		return strcmp(s, "0") ? -EINVAL : 0;
	while (*s) {
		uint64_t v = 0;

		if (*s == ':')
			s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > INT_MAX)
				return -EINVAL;
		}
		if (*s && *s != ':')
			return -EINVAL;
		if (spec->raw_len == UB_CORE_SPEC_MAX_LEN)
			return -E2BIG;
		spec->raw_spec[spec->raw_len++] = (uint32_t)v;
	}
	if (spec->raw_len == 0)
		return -EINVAL;
	t = ub_btf_skip_mods_typedefs(btf, relo->type_id, &id);
	if (!t)
		return -EINVAL;
	access_idx = spec->raw_spec[0];
	acc = &spec->spec[0];
	acc->type_id = id;
	acc->idx = access_idx;
	spec->len++;
	if (is_enumval_based(relo->kind)) {
		if (!ub_btf_is_any_enum(t) || spec->raw_len > 1 || access_idx >= ub_btf_vlen(t))
			return -EINVAL;
		acc->name = ub_btf_str(btf, enum_name_off(t, access_idx));
		return acc->name ? 0 : -EINVAL;
	}
	if (!is_field_based(relo->kind))
		return -EINVAL;
	err = add_elems(&spec->bit_offset, access_idx, ub_btf_resolve_size(btf, id));
	if (err)
		return err;
	for (i = 1; i < spec->raw_len; i++) {
		t = ub_btf_skip_mods_typedefs(btf, id, &id);
		if (!t)
			return -EINVAL;
		access_idx = spec->raw_spec[i];
		acc = &spec->spec[spec->len];
		if (ub_btf_is_composite(t)) {
			const struct ub_btf_member *m;

			if (access_idx >= ub_btf_vlen(t))
				return -EINVAL;
			spec->bit_offset += ub_btf_member_bit_offset(t, access_idx);
			m = &ub_btf_members(t)[access_idx];
			if (m->name_off) {
				const char *name = ub_btf_str(btf, m->name_off);

				if (!name || !*name)
					return -EINVAL;
				acc->type_id = id;
				acc->idx = access_idx;
				acc->name = name;
				spec->len++;
			}
			id = m->type;
		} else if (ub_btf_kind(t) == USERBPF_BTF_KIND_ARRAY) {
			const struct ub_btf_array *a = ub_btf_array(t);
			bool flex;

			t = ub_btf_skip_mods_typedefs(btf, a->type, &id);
			if (!t)
				return -EINVAL;
			flex = is_flex_arr(btf, acc - 1, a);
			if (!flex && access_idx >= a->nelems)
				return -EINVAL;
			spec->spec[spec->len].type_id = id;
			spec->spec[spec->len].idx = access_idx;
			spec->len++;
			err = add_elems(&spec->bit_offset, access_idx,
					ub_btf_resolve_size(btf, id));
			if (err)
				return err;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* ==== Matching ==== */

/* libbpf's bpf_core_fields_are_compat(). */
static int fields_compat(struct core_ctx *c, const struct userbpf_btf *lb, uint32_t lid,
			 const struct userbpf_btf *tb, uint32_t tid)
{
	int depth;

	for (depth = 0; depth < UB_BTF_MAX_DEPTH; depth++) {
		const struct ub_btf_type *lt = ub_btf_skip_mods_typedefs(lb, lid, &lid);
		const struct ub_btf_type *tt = ub_btf_skip_mods_typedefs(tb, tid, &tid);

		if (!lt || !tt || !budget(c))
			return -EINVAL;
		if (ub_btf_is_composite(lt) && ub_btf_is_composite(tt))
			return 1;
		if (!kind_compat(lt, tt))
			return 0;
		switch (ub_btf_kind(lt)) {
		case USERBPF_BTF_KIND_PTR:
		case USERBPF_BTF_KIND_FLOAT:
			return 1;
		case USERBPF_BTF_KIND_FWD:
		case USERBPF_BTF_KIND_ENUM:
		case USERBPF_BTF_KIND_ENUM64: {
			const char *ln = ub_btf_type_name(lb, lt), *tn = ub_btf_type_name(tb, tt);
			size_t ll = ub_btf_essential_name_len(ln);
			size_t tl = ub_btf_essential_name_len(tn);

			return ll == 0 || tl == 0 || (ll == tl && !strncmp(ln, tn, ll));
		}
		case USERBPF_BTF_KIND_INT:
			return ub_btf_int_offset(lt) == 0 && ub_btf_int_offset(tt) == 0;
		case USERBPF_BTF_KIND_ARRAY:
			lid = ub_btf_array(lt)->type;
			tid = ub_btf_array(tt)->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* libbpf's bpf_core_match_member(): find local_acc's field in targ_id. */
static int match_member(struct core_ctx *c, const struct userbpf_btf *lb,
			const struct core_acc *local_acc, const struct userbpf_btf *tb,
			uint32_t targ_id, struct core_spec *spec, uint32_t *next_targ_id)
{
	const struct ub_btf_type *lt, *tt;
	const struct ub_btf_member *lm, *m;
	const char *lname;
	uint32_t i, n;
	int found;

	tt = ub_btf_skip_mods_typedefs(tb, targ_id, &targ_id);
	if (!tt || !budget(c))
		return -EINVAL;
	if (!ub_btf_is_composite(tt))
		return 0;
	lt = ub_btf_type_by_id(lb, local_acc->type_id);
	lm = &ub_btf_members(lt)[local_acc->idx];
	lname = ub_btf_str(lb, lm->name_off);
	n = ub_btf_vlen(tt);
	m = ub_btf_members(tt);
	for (i = 0; i < n; i++, m++) {
		uint32_t bit_offset = ub_btf_member_bit_offset(tt, i);
		const char *tname;

		if (spec->raw_len == UB_CORE_SPEC_MAX_LEN)
			return -E2BIG;
		spec->bit_offset += bit_offset;
		spec->raw_spec[spec->raw_len++] = i;
		tname = ub_btf_str(tb, m->name_off);
		if (!tname || !*tname) {
			found = match_member(c, lb, local_acc, tb, m->type, spec, next_targ_id);
			if (found)
				return found;
		} else if (lname && !strcmp(lname, tname)) {
			struct core_acc *acc = &spec->spec[spec->len++];

			acc->type_id = targ_id;
			acc->idx = i;
			acc->name = tname;
			*next_targ_id = m->type;
			found = fields_compat(c, lb, lm->type, tb, m->type);
			if (!found)
				spec->len--;
			return found;
		}
		spec->bit_offset -= bit_offset;
		spec->raw_len--;
	}
	return 0;
}

/* libbpf's __bpf_core_types_are_compat(). */
static int types_compat(struct core_ctx *c, const struct userbpf_btf *lb, uint32_t lid,
			const struct userbpf_btf *tb, uint32_t tid, int level)
{
	const struct ub_btf_type *lt = ub_btf_type_by_id(lb, lid);
	const struct ub_btf_type *tt = ub_btf_type_by_id(tb, tid);
	int depth = UB_BTF_MAX_DEPTH;

	if (!lt || !tt)
		return -EINVAL;
	if (!kind_compat(lt, tt))
		return 0;
	for (;;) {
		if (--depth < 0 || !budget(c))
			return -EINVAL;
		lt = ub_btf_skip_mods_typedefs(lb, lid, &lid);
		tt = ub_btf_skip_mods_typedefs(tb, tid, &tid);
		if (!lt || !tt)
			return -EINVAL;
		if (!kind_compat(lt, tt))
			return 0;
		switch (ub_btf_kind(lt)) {
		case USERBPF_BTF_KIND_UNKN:
		case USERBPF_BTF_KIND_STRUCT:
		case USERBPF_BTF_KIND_UNION:
		case USERBPF_BTF_KIND_ENUM:
		case USERBPF_BTF_KIND_FWD:
		case USERBPF_BTF_KIND_ENUM64:
			return 1;
		case USERBPF_BTF_KIND_INT:
			return ub_btf_int_offset(lt) == 0 && ub_btf_int_offset(tt) == 0;
		case USERBPF_BTF_KIND_PTR:
			lid = lt->size_type;
			tid = tt->size_type;
			continue;
		case USERBPF_BTF_KIND_ARRAY:
			lid = ub_btf_array(lt)->type;
			tid = ub_btf_array(tt)->type;
			continue;
		case USERBPF_BTF_KIND_FUNC_PROTO: {
			const struct ub_btf_param *lp = ub_btf_extra(lt), *tp = ub_btf_extra(tt);
			uint32_t i, n = ub_btf_vlen(lt);
			int err;

			if (n != ub_btf_vlen(tt))
				return 0;
			for (i = 0; i < n; i++) {
				uint32_t l = 0, t = 0;

				if (level <= 0)
					return -EINVAL;
				ub_btf_skip_mods_typedefs(lb, lp[i].type, &l);
				ub_btf_skip_mods_typedefs(tb, tp[i].type, &t);
				err = types_compat(c, lb, l, tb, t, level - 1);
				if (err <= 0)
					return err;
			}
			lid = lt->size_type;
			tid = tt->size_type;
			continue;
		}
		default:
			return 0;
		}
	}
}

static bool names_match(const struct userbpf_btf *lb, uint32_t loff, const struct userbpf_btf *tb,
			uint32_t toff)
{
	const char *ln = ub_btf_str(lb, loff), *tn = ub_btf_str(tb, toff);
	size_t ll, tl;

	if (!ln || !tn || !*ln || !*tn)
		return true;
	ll = ub_btf_essential_name_len(ln);
	tl = ub_btf_essential_name_len(tn);
	return ll == tl && !strncmp(ln, tn, ll);
}

static int enums_match(struct core_ctx *c, const struct userbpf_btf *lb,
		       const struct ub_btf_type *lt, const struct userbpf_btf *tb,
		       const struct ub_btf_type *tt)
{
	uint32_t i, j, ln = ub_btf_vlen(lt), tn = ub_btf_vlen(tt);

	if (lt->size_type != tt->size_type || ln > tn)
		return 0;
	for (i = 0; i < ln; i++) {
		bool matched = false;

		for (j = 0; j < tn && !matched; j++) {
			if (!budget(c))
				return -EINVAL;
			matched = names_match(lb, enum_name_off(lt, i), tb, enum_name_off(tt, j));
		}
		if (!matched)
			return 0;
	}
	return 1;
}

static int types_match(struct core_ctx *c, const struct userbpf_btf *lb, uint32_t lid,
		       const struct userbpf_btf *tb, uint32_t tid, bool behind_ptr, int level);

static int composites_match(struct core_ctx *c, const struct userbpf_btf *lb,
			    const struct ub_btf_type *lt, const struct userbpf_btf *tb,
			    const struct ub_btf_type *tt, bool behind_ptr, int level)
{
	const struct ub_btf_member *lm = ub_btf_members(lt);
	uint32_t i, j, ln = ub_btf_vlen(lt), tn = ub_btf_vlen(tt);

	if (ln > tn)
		return 0;
	for (i = 0; i < ln; i++, lm++) {
		const struct ub_btf_member *tm = ub_btf_members(tt);
		bool matched = false;

		for (j = 0; j < tn; j++, tm++) {
			int err;

			if (!names_match(lb, lm->name_off, tb, tm->name_off))
				continue;
			err = types_match(c, lb, lm->type, tb, tm->type, behind_ptr, level - 1);
			if (err < 0)
				return err;
			if (err > 0) {
				matched = true;
				break;
			}
		}
		if (!matched)
			return 0;
	}
	return 1;
}

/* libbpf's __bpf_core_types_match(). */
static int types_match(struct core_ctx *c, const struct userbpf_btf *lb, uint32_t lid,
		       const struct userbpf_btf *tb, uint32_t tid, bool behind_ptr, int level)
{
	int depth = UB_BTF_MAX_DEPTH;

	if (level <= 0)
		return -EINVAL;
	for (;;) {
		const struct ub_btf_type *lt, *tt;
		uint32_t lk, tk;

		if (--depth < 0 || !budget(c))
			return -EINVAL;
		lt = ub_btf_skip_mods_typedefs(lb, lid, &lid);
		tt = ub_btf_skip_mods_typedefs(tb, tid, &tid);
		if (!lt || !tt)
			return -EINVAL;
		if (!names_match(lb, lt->name_off, tb, tt->name_off))
			return 0;
		lk = ub_btf_kind(lt);
		tk = ub_btf_kind(tt);
		switch (lk) {
		case USERBPF_BTF_KIND_UNKN:
			return lk == tk;
		case USERBPF_BTF_KIND_FWD: {
			bool lf = ub_btf_kflag(lt);

			if (behind_ptr) {
				if (lk == tk)
					return lf == ub_btf_kflag(tt);
				return (tk == USERBPF_BTF_KIND_STRUCT && !lf) ||
				       (tk == USERBPF_BTF_KIND_UNION && lf);
			}
			return lk == tk && lf == ub_btf_kflag(tt);
		}
		case USERBPF_BTF_KIND_ENUM:
		case USERBPF_BTF_KIND_ENUM64:
			if (!ub_btf_is_any_enum(tt))
				return 0;
			return enums_match(c, lb, lt, tb, tt);
		case USERBPF_BTF_KIND_STRUCT:
		case USERBPF_BTF_KIND_UNION:
			if (behind_ptr) {
				if (lk == tk)
					return 1;
				if (tk != USERBPF_BTF_KIND_FWD)
					return 0;
				return (lk == USERBPF_BTF_KIND_UNION) == ub_btf_kflag(tt);
			}
			if (lk != tk)
				return 0;
			return composites_match(c, lb, lt, tb, tt, behind_ptr, level);
		case USERBPF_BTF_KIND_INT:
			if (lk != tk)
				return 0;
			return lt->size_type == tt->size_type &&
			       (ub_btf_int_encoding(lt) & UB_BTF_INT_SIGNED) ==
				       (ub_btf_int_encoding(tt) & UB_BTF_INT_SIGNED);
		case USERBPF_BTF_KIND_PTR:
			if (lk != tk)
				return 0;
			behind_ptr = true;
			lid = lt->size_type;
			tid = tt->size_type;
			continue;
		case USERBPF_BTF_KIND_ARRAY:
			if (lk != tk || ub_btf_array(lt)->nelems != ub_btf_array(tt)->nelems)
				return 0;
			lid = ub_btf_array(lt)->type;
			tid = ub_btf_array(tt)->type;
			continue;
		case USERBPF_BTF_KIND_FUNC_PROTO: {
			const struct ub_btf_param *lp = ub_btf_extra(lt), *tp;
			uint32_t i, n = ub_btf_vlen(lt);

			if (lk != tk || n != ub_btf_vlen(tt))
				return 0;
			tp = ub_btf_extra(tt);
			for (i = 0; i < n; i++) {
				int err = types_match(c, lb, lp[i].type, tb, tp[i].type, behind_ptr,
						      level - 1);

				if (err <= 0)
					return err;
			}
			lid = lt->size_type;
			tid = tt->size_type;
			continue;
		}
		default:
			return 0;
		}
	}
}

/* libbpf's bpf_core_spec_match(): 1 match, 0 no match, <0 error. */
static int spec_match(struct core_ctx *c, const struct core_spec *local,
		      const struct userbpf_btf *tb, uint32_t targ_id, struct core_spec *targ)
{
	const struct core_acc *lacc;
	struct core_acc *tacc;
	int i, err;

	memset(targ, 0, sizeof(*targ));
	targ->btf = tb;
	targ->root_type_id = targ_id;
	targ->kind = local->kind;
	if (is_type_based(local->kind)) {
		if (local->kind == UB_CORE_TYPE_MATCHES)
			return types_match(c, local->btf, local->root_type_id, tb, targ_id, false,
					   UB_BTF_MAX_DEPTH);
		return types_compat(c, local->btf, local->root_type_id, tb, targ_id,
				    UB_BTF_MAX_DEPTH);
	}
	lacc = &local->spec[0];
	tacc = &targ->spec[0];
	if (is_enumval_based(local->kind)) {
		const struct ub_btf_type *tt = ub_btf_skip_mods_typedefs(tb, targ_id, &targ_id);
		size_t llen = ub_btf_essential_name_len(lacc->name);
		uint32_t j;

		if (!tt || !ub_btf_is_any_enum(tt))
			return 0;
		for (j = 0; j < ub_btf_vlen(tt); j++) {
			const char *tn = ub_btf_str(tb, enum_name_off(tt, j));

			if (!tn || ub_btf_essential_name_len(tn) != llen ||
			    strncmp(lacc->name, tn, llen))
				continue;
			tacc->type_id = targ_id;
			tacc->idx = j;
			tacc->name = tn;
			targ->len++;
			targ->raw_spec[targ->raw_len++] = j;
			return 1;
		}
		return 0;
	}
	if (!is_field_based(local->kind))
		return -EINVAL;
	for (i = 0; i < local->len; i++, lacc++, tacc++) {
		const struct ub_btf_type *tt = ub_btf_skip_mods_typedefs(tb, targ_id, &targ_id);

		if (!tt)
			return -EINVAL;
		if (lacc->name) {
			int matched =
				match_member(c, local->btf, lacc, tb, targ_id, targ, &targ_id);

			if (matched <= 0)
				return matched;
		} else {
			if (i > 0) {
				const struct ub_btf_array *a;

				if (ub_btf_kind(tt) != USERBPF_BTF_KIND_ARRAY)
					return 0;
				a = ub_btf_array(tt);
				if (!is_flex_arr(tb, tacc - 1, a) && lacc->idx >= a->nelems)
					return 0;
				if (!ub_btf_skip_mods_typedefs(tb, a->type, &targ_id))
					return -EINVAL;
			}
			if (targ->raw_len == UB_CORE_SPEC_MAX_LEN)
				return -E2BIG;
			tacc->type_id = targ_id;
			tacc->idx = lacc->idx;
			tacc->name = NULL;
			targ->len++;
			targ->raw_spec[targ->raw_len++] = lacc->idx;
			err = add_elems(&targ->bit_offset, lacc->idx,
					ub_btf_resolve_size(tb, targ_id));
			if (err)
				return err;
		}
	}
	return 1;
}

/* ==== Computing values ==== */

/* -EUCLEAN asks for poisoning, as in libbpf. */
static int calc_field(const struct core_ctx *c, const struct ub_core_relo *relo,
		      const struct core_spec *spec, uint64_t *val, uint32_t *field_sz,
		      uint32_t *type_id, bool *validate)
{
	const struct core_acc *acc;
	const struct ub_btf_type *t, *mt;
	uint32_t byte_off, byte_sz, bit_sz, field_type_id = 0;
	uint64_t bit_off;
	bool bitfield;
	int64_t sz;

	*field_sz = 0;
	if (relo->kind == UB_CORE_FIELD_EXISTS) {
		*val = spec ? 1 : 0;
		return 0;
	}
	if (!spec)
		return -EUCLEAN;
	acc = &spec->spec[spec->len - 1];
	t = ub_btf_type_by_id(spec->btf, acc->type_id);
	if (!t)
		return -EINVAL;
	if (!acc->name) {
		if (relo->kind == UB_CORE_FIELD_BYTE_OFFSET) {
			*val = spec->bit_offset / 8;
			sz = ub_btf_resolve_size(spec->btf, acc->type_id);
			if (sz < 0 || sz > UINT32_MAX)
				return -EINVAL;
			*field_sz = (uint32_t)sz;
			*type_id = acc->type_id;
		} else if (relo->kind == UB_CORE_FIELD_BYTE_SIZE) {
			sz = ub_btf_resolve_size(spec->btf, acc->type_id);
			if (sz < 0)
				return -EINVAL;
			*val = (uint64_t)sz;
		} else {
			obj_err(c->obj, -EINVAL,
				"prog '%s': relo #%zu: %s can't be "
				"applied to an array access at insn %u",
				c->prog_name, c->relo_no, kind_str(relo->kind), relo->insn_off / 8);
			return -EINVAL;
		}
		if (validate)
			*validate = true;
		return 0;
	}
	mt = ub_btf_skip_mods_typedefs(spec->btf, ub_btf_members(t)[acc->idx].type, &field_type_id);
	if (!mt)
		return -EINVAL;
	bit_off = spec->bit_offset;
	bit_sz = ub_btf_member_bitfield_size(t, acc->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = mt->size_type;
		if ((!ub_btf_is_any_enum(mt) && ub_btf_kind(mt) != USERBPF_BTF_KIND_INT) ||
		    (byte_sz != 1 && byte_sz != 2 && byte_sz != 4 && byte_sz != 8))
			return -EINVAL;
		byte_off = (uint32_t)(bit_off / 8 / byte_sz * byte_sz);
		while (bit_off + bit_sz - (uint64_t)byte_off * 8 > (uint64_t)byte_sz * 8) {
			if (byte_sz >= 8) {
				obj_err(c->obj, -E2BIG,
					"prog '%s': relo #%zu: bitfield "
					"at insn %u can't be read with a 64-bit load",
					c->prog_name, c->relo_no, relo->insn_off / 8);
				return -E2BIG;
			}
			byte_sz *= 2;
			byte_off = (uint32_t)(bit_off / 8 / byte_sz * byte_sz);
		}
	} else {
		sz = ub_btf_resolve_size(spec->btf, field_type_id);
		if (sz < 0 || sz > UINT32_MAX)
			return -EINVAL;
		byte_sz = (uint32_t)sz;
		byte_off = (uint32_t)(spec->bit_offset / 8);
		bit_sz = byte_sz * 8;
	}
	if (validate)
		*validate = !bitfield;
	switch (relo->kind) {
	case UB_CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			*field_sz = byte_sz;
			*type_id = field_type_id;
		}
		break;
	case UB_CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case UB_CORE_FIELD_SIGNED:
		*val = (ub_btf_is_any_enum(mt) && ub_btf_kflag(mt)) ||
		       (ub_btf_kind(mt) == USERBPF_BTF_KIND_INT &&
			(ub_btf_int_encoding(mt) & UB_BTF_INT_SIGNED));
		if (validate)
			*validate = true;
		break;
	case UB_CORE_FIELD_LSHIFT_U64:
		*val = 64 - (bit_off + bit_sz - (uint64_t)byte_off * 8);
		break;
	case UB_CORE_FIELD_RSHIFT_U64:
		*val = 64 - bit_sz;
		if (validate)
			*validate = true;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

static int calc_type(const struct ub_core_relo *relo, const struct core_spec *spec, uint64_t *val,
		     bool *validate)
{
	int64_t sz;

	if (validate)
		*validate = true;
	if (!spec) {
		*val = 0;
		return 0;
	}
	switch (relo->kind) {
	case UB_CORE_TYPE_ID_TARGET:
		*val = spec->root_type_id;
		if (validate)
			*validate = false;
		break;
	case UB_CORE_TYPE_EXISTS:
	case UB_CORE_TYPE_MATCHES:
		*val = 1;
		break;
	case UB_CORE_TYPE_SIZE:
		sz = ub_btf_resolve_size(spec->btf, spec->root_type_id);
		if (sz < 0)
			return -EINVAL;
		*val = (uint64_t)sz;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

static int calc_enumval(const struct ub_core_relo *relo, const struct core_spec *spec,
			uint64_t *val)
{
	const struct ub_btf_type *t;

	switch (relo->kind) {
	case UB_CORE_ENUMVAL_EXISTS:
		*val = spec ? 1 : 0;
		break;
	case UB_CORE_ENUMVAL_VALUE:
		if (!spec)
			return -EUCLEAN;
		t = ub_btf_type_by_id(spec->btf, spec->spec[0].type_id);
		if (!t || !ub_btf_is_any_enum(t) || spec->spec[0].idx >= ub_btf_vlen(t))
			return -EINVAL;
		if (ub_btf_kind(t) == USERBPF_BTF_KIND_ENUM) {
			*val = (uint64_t)(int64_t)((const struct ub_btf_enum *)ub_btf_extra(
				t))[spec->spec[0].idx]
				       .val;
		} else {
			const struct ub_btf_enum64 *e =
				(const struct ub_btf_enum64 *)ub_btf_extra(t) + spec->spec[0].idx;

			*val = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
		}
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

/* libbpf's bpf_core_calc_relo(). */
static int calc_relo(struct core_ctx *c, const struct ub_core_relo *relo,
		     const struct core_spec *local, const struct core_spec *targ,
		     struct core_res *res)
{
	int err = -EOPNOTSUPP;

	memset(res, 0, sizeof(*res));
	res->validate = true;
	if (is_field_based(relo->kind)) {
		err = calc_field(c, relo, local, &res->orig_val, &res->orig_sz, &res->orig_type_id,
				 &res->validate);
		if (!err)
			err = calc_field(c, relo, targ, &res->new_val, &res->new_sz,
					 &res->new_type_id, NULL);
		if (!err && res->orig_sz != res->new_sz) {
			const struct ub_btf_type *ot, *nt;

			ot = ub_btf_type_by_id(local->btf, res->orig_type_id);
			nt = ub_btf_type_by_id(targ->btf, res->new_type_id);
			/* pointers and unsigned integers may change size:
			 * the load zero-extends */
			if (ot && nt && ub_btf_kind(ot) == USERBPF_BTF_KIND_PTR &&
			    ub_btf_kind(nt) == USERBPF_BTF_KIND_PTR)
				goto done;
			if (ot && nt && ub_btf_kind(ot) == USERBPF_BTF_KIND_INT &&
			    ub_btf_kind(nt) == USERBPF_BTF_KIND_INT &&
			    !(ub_btf_int_encoding(ot) & UB_BTF_INT_SIGNED) &&
			    !(ub_btf_int_encoding(nt) & UB_BTF_INT_SIGNED))
				goto done;
			res->fail_memsz_adjust = true;
		}
	} else if (is_type_based(relo->kind)) {
		err = calc_type(relo, local, &res->orig_val, &res->validate);
		if (!err)
			err = calc_type(relo, targ, &res->new_val, NULL);
	} else if (is_enumval_based(relo->kind)) {
		err = calc_enumval(relo, local, &res->orig_val);
		if (!err)
			err = calc_enumval(relo, targ, &res->new_val);
	}
done:
	if (err == -EUCLEAN) {
		res->poison = true;
		err = 0;
	} else if (err == -EOPNOTSUPP) {
		obj_err(c->obj, err,
			"prog '%s': relo #%zu: unrecognized CO-RE "
			"relocation %s (%u) at insn %u",
			c->prog_name, c->relo_no, kind_str(relo->kind), relo->kind,
			relo->insn_off / 8);
	}
	return err;
}

/* libbpf's bpf_core_calc_relo_insn(): resolve against every candidate. */
static int resolve_relo(struct core_ctx *c, const struct userbpf_btf *local_btf,
			struct userbpf_btf *targ_btf, const struct ub_core_relo *relo,
			struct core_res *res)
{
	struct core_spec *specs, *local, *cand, *targ;
	const struct ub_btf_type *lt;
	const char *lname, *acc_str;
	uint32_t *cands = NULL;
	int i, n, j = 0, err;

	lt = ub_btf_type_by_id(local_btf, relo->type_id);
	acc_str = ub_btf_str(local_btf, relo->access_str_off);
	if (!lt || !acc_str)
		return obj_err(c->obj, -EINVAL,
			       "prog '%s': relo #%zu: bad type id "
			       "%u or access string offset %u",
			       c->prog_name, c->relo_no, relo->type_id, relo->access_str_off);
	lname = ub_btf_type_name(local_btf, lt);
	specs = ub_calloc(3, sizeof(*specs));
	if (!specs)
		return -ENOMEM;
	local = &specs[0];
	cand = &specs[1];
	targ = &specs[2];
	err = parse_spec(local_btf, relo, local);
	if (err) {
		err = obj_err(c->obj, -EINVAL,
			      "prog '%s': relo #%zu: parsing [%u] "
			      "%s %s + %s failed: %s",
			      c->prog_name, c->relo_no, relo->type_id, ub_btf_kind_str(lt),
			      lname[0] ? lname : "<anon>", acc_str, userbpf_strerror(err));
		goto out;
	}
	if (relo->kind == UB_CORE_TYPE_ID_LOCAL) {
		memset(res, 0, sizeof(*res));
		res->orig_val = res->new_val = relo->type_id;
		goto out;
	}
	if (!lname[0]) {
		err = obj_err(c->obj, -EOPNOTSUPP,
			      "prog '%s': relo #%zu: <%s> "
			      "relocation of an anonymous type",
			      c->prog_name, c->relo_no, kind_str(relo->kind));
		goto out;
	}
	n = ub_btf_find_cands(targ_btf, lname, ub_btf_essential_name_len(lname), ub_btf_kind(lt),
			      &cands);
	if (n < 0) {
		err = n;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct core_res cres;

		err = spec_match(c, local, targ_btf, cands[i], cand);
		if (err < 0) {
			err = obj_err(c->obj, err,
				      "prog '%s': relo #%zu: error "
				      "matching candidate [%u] of '%s'",
				      c->prog_name, c->relo_no, cands[i], lname);
			goto out;
		}
		if (err == 0)
			continue;
		err = calc_relo(c, relo, local, cand, &cres);
		if (err)
			goto out;
		if (j == 0) {
			*res = cres;
			*targ = *cand;
		} else if (cand->bit_offset != targ->bit_offset) {
			err = obj_err(c->obj, -EINVAL,
				      "prog '%s': relo #%zu: field "
				      "offset ambiguity for '%s': %llu != %llu",
				      c->prog_name, c->relo_no, lname,
				      (unsigned long long)cand->bit_offset,
				      (unsigned long long)targ->bit_offset);
			goto out;
		} else if (cres.poison != res->poison || cres.new_val != res->new_val) {
			err = obj_err(c->obj, -EINVAL,
				      "prog '%s': relo #%zu: "
				      "relocation decision ambiguity for '%s'",
				      c->prog_name, c->relo_no, lname);
			goto out;
		}
		j++;
	}
	err = 0;
	if (j == 0) {
		ub_debug("%s: prog '%s': relo #%zu: no target for '%s' (%s)\n", c->obj->path,
			 c->prog_name, c->relo_no, lname, kind_str(relo->kind));
		err = calc_relo(c, relo, local, NULL, res);
	}
out:
	ub_free(cands);
	ub_free(specs);
	return err;
}

/* ==== Patching ==== */

static void poison(struct userbpf_insn *insn)
{
	*insn = USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_CALL, 0, 0, 0, UB_CORE_POISON_IMM);
}

static int size_to_bytes(uint8_t code)
{
	switch (code & 0x18) {
	case USERBPF_B:
		return 1;
	case USERBPF_H:
		return 2;
	case USERBPF_W:
		return 4;
	default:
		return 8;
	}
}

static int bytes_to_size(uint32_t n)
{
	switch (n) {
	case 1:
		return USERBPF_B;
	case 2:
		return USERBPF_H;
	case 4:
		return USERBPF_W;
	case 8:
		return USERBPF_DW;
	default:
		return -1;
	}
}

/* libbpf's bpf_core_patch_insn(). cnt = slots from insn to the end. */
static int patch_insn(struct core_ctx *c, struct userbpf_insn *insn, size_t cnt, size_t insn_idx,
		      const struct core_res *res)
{
	uint64_t orig = res->orig_val, val = res->new_val;
	uint8_t cls = insn->code & 0x07;
	bool lddw = insn->code == (USERBPF_LD | USERBPF_IMM | USERBPF_DW);

	if (res->poison) {
poison:
		if (lddw && cnt > 1)
			poison(insn + 1);
		poison(insn);
		return 0;
	}
	switch (cls) {
	case USERBPF_ALU:
	case USERBPF_ALU64:
		if (insn->code & USERBPF_X)
			goto bad;
		if (res->validate && (uint64_t)(int64_t)insn->imm != orig)
			return obj_err(c->obj, -EINVAL,
				       "prog '%s': relo #%zu: "
				       "unexpected insn %zu (ALU) value: got %d, "
				       "expected %llu -> %llu",
				       c->prog_name, c->relo_no, insn_idx, insn->imm,
				       (unsigned long long)orig, (unsigned long long)val);
		insn->imm = (int32_t)(uint32_t)val;
		return 0;
	case USERBPF_LDX:
	case USERBPF_ST:
	case USERBPF_STX:
		if (res->validate && (uint64_t)(int64_t)insn->off != orig)
			return obj_err(c->obj, -EINVAL,
				       "prog '%s': relo #%zu: "
				       "unexpected insn %zu (LDX/ST/STX) offset: got "
				       "%d, expected %llu -> %llu",
				       c->prog_name, c->relo_no, insn_idx, insn->off,
				       (unsigned long long)orig, (unsigned long long)val);
		if (val > SHRT_MAX)
			return obj_err(c->obj, -ERANGE,
				       "prog '%s': relo #%zu: insn "
				       "%zu (LDX/ST/STX) offset too big: %llu",
				       c->prog_name, c->relo_no, insn_idx, (unsigned long long)val);
		if (res->fail_memsz_adjust) {
			ub_debug("%s: prog '%s': relo #%zu: insn %zu accesses a field "
				 "of a different size and type: poisoned\n",
				 c->obj->path, c->prog_name, c->relo_no, insn_idx);
			goto poison;
		}
		insn->off = (int16_t)val;
		if (res->new_sz != res->orig_sz) {
			int sz;

			if (size_to_bytes(insn->code) != (int)res->orig_sz)
				return obj_err(c->obj, -EINVAL,
					       "prog '%s': relo #%zu: "
					       "insn %zu: unexpected memory size %d, "
					       "expected %u",
					       c->prog_name, c->relo_no, insn_idx,
					       size_to_bytes(insn->code), res->orig_sz);
			sz = bytes_to_size(res->new_sz);
			if (sz < 0)
				return obj_err(c->obj, -EINVAL,
					       "prog '%s': relo #%zu: "
					       "insn %zu: invalid new memory size %u",
					       c->prog_name, c->relo_no, insn_idx, res->new_sz);
			insn->code = (uint8_t)((insn->code & 0xe7) | sz);
		}
		return 0;
	case USERBPF_LD: {
		uint64_t imm;

		if (!lddw || cnt < 2 || insn[0].src_reg || insn[0].off || insn[1].code ||
		    insn[1].dst_reg || insn[1].src_reg || insn[1].off)
			return obj_err(c->obj, -EINVAL,
				       "prog '%s': relo #%zu: insn %zu "
				       "(lddw) has unexpected form",
				       c->prog_name, c->relo_no, insn_idx);
		imm = (uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32;
		if (res->validate && imm != orig)
			return obj_err(c->obj, -EINVAL,
				       "prog '%s': relo #%zu: "
				       "unexpected insn %zu (lddw) value: got %llu, "
				       "expected %llu -> %llu",
				       c->prog_name, c->relo_no, insn_idx, (unsigned long long)imm,
				       (unsigned long long)orig, (unsigned long long)val);
		insn[0].imm = (int32_t)(uint32_t)val;
		insn[1].imm = (int32_t)(uint32_t)(val >> 32);
		return 0;
	}
	default:
		break;
	}
bad:
	return obj_err(c->obj, -EINVAL,
		       "prog '%s': relo #%zu: trying to relocate "
		       "unrecognized insn %zu, code 0x%02x",
		       c->prog_name, c->relo_no, insn_idx, insn->code);
}

/* ==== Driver ==== */

int ub_obj_relocate_core(struct userbpf_object *obj, struct userbpf_btf *target)
{
	const struct ub_btf_ext_info *info = &obj->btf_ext->core_relo;
	size_t s, i, relo_no = 0;
	int err;

	if (!obj->btf)
		return obj_err(obj, -EINVAL,
			       "sec '.BTF.ext': CO-RE relocations "
			       "without .BTF");
	if (!target)
		return obj_err(obj, -EINVAL, "CO-RE relocations need a target BTF");
	for (s = 0; s < info->sec_cnt; s++) {
		const struct ub_btf_ext_sec *sec = &info->secs[s];
		const char *sec_name = ub_btf_str(obj->btf, sec->sec_name_off);
		size_t sec_idx;

		if (!sec_name)
			return obj_err(obj, -EINVAL,
				       "sec '.BTF.ext': core_relo "
				       "section name offset %u out of range",
				       sec->sec_name_off);
		sec_idx = ub_elf_find_sec(&obj->elf, sec_name);
		if (!sec_idx)
			return obj_err(obj, -EINVAL,
				       "sec '.BTF.ext': CO-RE "
				       "relocations for unknown section '%s'",
				       sec_name);
		for (i = 0; i < sec->cnt; i++, relo_no++) {
			struct core_ctx c = { .obj = obj,
					      .relo_no = relo_no,
					      .steps = STEP_BUDGET };
			struct userbpf_program *prog;
			struct ub_core_relo rec;
			struct core_res res;
			size_t insn_idx;

			ub_btf_ext_rec(info, sec, i, &rec, sizeof(rec));
			if (rec.insn_off % UB_INSN_SZ)
				return obj_err(obj, -EINVAL,
					       "sec '%s': CO-RE relo "
					       "#%zu: misaligned insn offset %u",
					       sec_name, relo_no, rec.insn_off);
			insn_idx = rec.insn_off / UB_INSN_SZ;
			prog = ub_obj_find_prog_by_sec_insn(obj, sec_idx, insn_idx);
			if (!prog) {
				ub_debug("%s: sec '%s': CO-RE relo #%zu for insn %zu "
					 "outside any function, skipped\n",
					 obj->path, sec_name, relo_no, insn_idx);
				continue;
			}
			if (!prog->autoload && !prog->is_subprog)
				continue;
			insn_idx -= prog->sec_insn_off;
			c.prog_name = prog->name;
			err = resolve_relo(&c, obj->btf, target, &rec, &res);
			if (!err)
				err = patch_insn(&c, &prog->insns[insn_idx],
						 prog->sec_insn_cnt - insn_idx, insn_idx, &res);
			if (err)
				return obj_err(obj, err,
					       "prog '%s': CO-RE relo #%zu "
					       "(%s) at insn %zu failed",
					       prog->name, relo_no, kind_str(rec.kind), insn_idx);
		}
	}
	return 0;
}
