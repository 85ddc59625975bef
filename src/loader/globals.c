// SPDX-License-Identifier: MIT
/*
 * globals.c - what a loader does to an object before load, by name: a
 * libbpf skeleton's `skel->rodata->my_pid = 1234` without a skeleton
 * (global variables of .rodata, .data, .bss and their custom sections,
 * found through the DATASEC types of the object's BTF and set from text
 * typed by their BTF type), value sizes of maps (bpf_map__set_value_size:
 * the stack-trace maps that tools size in user space) and which programs
 * load (autoload off for all but one program and its tail-call targets).
 *
 * Does not own: the global-data maps themselves (maps_spec.c) or their
 * creation (object.c).
 */
#include "util/ubc.h"

#include "loader_int.h"
#include "util/alloc.h"

/* ==== Finding a variable ==== */

struct global_ref {
	struct userbpf_object_map *map;
	uint32_t type_id; /* the VAR's type */
	uint32_t offset;
	uint32_t size;
};

static int find_global(struct userbpf_object *obj, const char *name, struct global_ref *ref)
{
	const struct userbpf_btf *btf = obj->btf;
	size_t m;

	if (!btf)
		return obj_err(obj, -ENOENT,
			       "no global variable '%s': the object "
			       "has no BTF",
			       name);
	for (m = 0; m < obj->map_cnt; m++) {
		struct userbpf_object_map *map = &obj->maps[m];
		const struct ub_btf_var_secinfo *vsi;
		const struct ub_btf_type *ds;
		int64_t id;
		uint32_t i;

		if (map->def.kind < USERBPF_OBJECT_MAP_DATA ||
		    map->def.kind == USERBPF_OBJECT_MAP_KCONFIG)
			continue;
		id = ub_btf_find_by_name_kind(btf, map->sec_name, USERBPF_BTF_KIND_DATASEC);
		if (id < 0)
			continue;
		ds = ub_btf_type_by_id(btf, (uint32_t)id);
		vsi = ub_btf_extra(ds);
		for (i = 0; i < ub_btf_vlen(ds); i++) {
			const struct ub_btf_type *v = ub_btf_type_by_id(btf, vsi[i].type);

			if (!v || ub_btf_kind(v) != USERBPF_BTF_KIND_VAR ||
			    strcmp(ub_btf_type_name(btf, v), name))
				continue;
			if ((uint64_t)vsi[i].offset + vsi[i].size > map->initial_size)
				return obj_err(obj, -EINVAL,
					       "global '%s' lies outside "
					       "section '%s'",
					       name, map->sec_name);
			ref->map = map;
			ref->type_id = v->size_type;
			ref->offset = vsi[i].offset;
			ref->size = vsi[i].size;
			return 0;
		}
	}
	return obj_err(obj, -ENOENT,
		       "no global variable '%s' in .rodata, .data "
		       "or .bss",
		       name);
}

void *userbpf_object__global(struct userbpf_object *obj, const char *name, size_t *size,
			     uint32_t *btf_type_id)
{
	struct global_ref ref;
	uint8_t *base;
	int err;

	if (!obj || !name) {
		errno = EINVAL;
		return NULL;
	}
	err = find_global(obj, name, &ref);
	if (err) {
		errno = -err;
		return NULL;
	}
	base = userbpf_object_map__initial_value(ref.map, NULL);
	if (!base) {
		errno = ENOENT;
		return NULL;
	}
	if (size)
		*size = ref.size;
	if (btf_type_id)
		*btf_type_id = ref.type_id;
	return base + ref.offset;
}

/* ==== Parsing a value by its BTF type ==== */

static int parse_uint(const char *s, uint64_t *v)
{
	char *end;

	if (!s[0] || s[0] == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	return 0;
}

static int parse_int(const char *s, int64_t *v)
{
	char *end;

	if (!s[0])
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 0);
	if (errno || *end)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	return 0;
}

static void store(uint8_t *dst, uint64_t v, uint32_t size)
{
	/* little-endian target: the low bytes */
	memcpy(dst, &v, size);
}

static int set_int(struct userbpf_object *obj, const char *name, const struct ub_btf_type *t,
		   uint8_t *dst, const char *val)
{
	uint32_t size = t->size_type, enc = ub_btf_int_encoding(t);
	uint32_t bits = ub_btf_int_bits(t);
	int err;

	if (size > 8 || ub_btf_int_offset(t) || bits != size * 8)
		return obj_err(obj, -ENOTSUP,
			       "global '%s': cannot set a %u-bit "
			       "integer",
			       name, bits);
	if (enc & UB_BTF_INT_BOOL) {
		uint64_t b;

		if (!strcmp(val, "true"))
			b = 1;
		else if (!strcmp(val, "false"))
			b = 0;
		else if (!parse_uint(val, &b) && b <= 1)
			;
		else
			return obj_err(obj, -EINVAL,
				       "global '%s' is a bool: '%s' is "
				       "not true, false, 1 or 0",
				       name, val);
		store(dst, b, size);
		return 0;
	}
	if (enc & UB_BTF_INT_SIGNED) {
		int64_t v, lim = size == 8 ? INT64_MAX : (int64_t)((1ull << (bits - 1)) - 1);

		err = parse_int(val, &v);
		if (!err && (v > lim || v < -lim - 1))
			err = -ERANGE;
		if (err)
			return obj_err(obj, err,
				       "global '%s': '%s' is not a %u-byte "
				       "signed integer",
				       name, val, size);
		store(dst, (uint64_t)v, size);
		return 0;
	}
	{
		uint64_t v, lim = size == 8 ? UINT64_MAX : (1ull << bits) - 1;

		err = parse_uint(val, &v);
		if (!err && v > lim)
			err = -ERANGE;
		if (err)
			return obj_err(obj, err,
				       "global '%s': '%s' is not a %u-byte "
				       "unsigned integer",
				       name, val, size);
		store(dst, v, size);
	}
	return 0;
}

static int set_enum(struct userbpf_object *obj, const char *name, const struct ub_btf_type *t,
		    uint8_t *dst, const char *val)
{
	const struct userbpf_btf *btf = obj->btf;
	uint32_t i, n = ub_btf_vlen(t), size = t->size_type;
	bool is64 = ub_btf_kind(t) == USERBPF_BTF_KIND_ENUM64;
	int64_t sv = 0;
	uint64_t v;

	if (size == 0 || size > 8)
		return obj_err(obj, -ENOTSUP, "global '%s': enum of %u bytes", name, size);
	for (i = 0; i < n; i++) {
		uint32_t off;

		if (is64) {
			const struct ub_btf_enum64 *e =
				(const struct ub_btf_enum64 *)ub_btf_extra(t) + i;

			off = e->name_off;
			v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
		} else {
			const struct ub_btf_enum *e =
				(const struct ub_btf_enum *)ub_btf_extra(t) + i;

			off = e->name_off;
			v = ub_btf_kflag(t) ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
		}
		if (!strcmp(ub_btf_str(btf, off), val)) {
			store(dst, v, size);
			return 0;
		}
	}
	if (val[0] == '-' ? !parse_int(val, &sv) : !parse_uint(val, &v)) {
		bool fits;

		if (val[0] == '-') {
			fits = size == 8 || sv >= -(int64_t)(1ull << (size * 8 - 1));
			v = (uint64_t)sv;
		} else {
			fits = size == 8 || !(v >> (size * 8));
		}
		if (!fits)
			return obj_err(obj, -ERANGE,
				       "global '%s': %s does not fit "
				       "its %u-byte enum",
				       name, val, size);
		store(dst, v, size);
		return 0;
	}
	return obj_err(obj, -EINVAL,
		       "global '%s': '%s' is no enumerator of enum "
		       "%s nor a number",
		       name, val, ub_btf_type_name(btf, t));
}

static int set_chars(struct userbpf_object *obj, const char *name, const struct ub_btf_type *t,
		     uint8_t *dst, const char *val)
{
	const struct ub_btf_array *a = ub_btf_array(t);
	const struct ub_btf_type *et = ub_btf_skip_mods_typedefs(obj->btf, a->type, NULL);
	size_t len = strlen(val);

	if (!et || ub_btf_kind(et) != USERBPF_BTF_KIND_INT || et->size_type != 1)
		return obj_err(obj, -ENOTSUP,
			       "global '%s': only arrays of char "
			       "can be set (as a string)",
			       name);
	if (len >= a->nelems)
		return obj_err(obj, -E2BIG,
			       "global '%s': string of %zu characters "
			       "does not fit char[%u] with its NUL",
			       name, len, a->nelems);
	memset(dst, 0, a->nelems);
	memcpy(dst, val, len);
	return 0;
}

int userbpf_object__set_global(struct userbpf_object *obj, const char *name, const char *value)
{
	const struct ub_btf_type *t;
	struct global_ref ref;
	uint8_t *base, *tmp;
	int err;

	if (!obj || !name || !value)
		return -EINVAL;
	ub_err_reset(&obj->err);
	err = find_global(obj, name, &ref);
	if (err)
		return err;
	if (obj->loaded && ref.map->def.kind == USERBPF_OBJECT_MAP_RODATA)
		return obj_err(obj, -EPERM,
			       "global '%s': %s is read-only once "
			       "loaded",
			       name, ref.map->sec_name);
	t = ub_btf_skip_mods_typedefs(obj->btf, ref.type_id, NULL);
	if (!t)
		return obj_err(obj, -EINVAL, "global '%s': bad BTF type", name);
	base = userbpf_object_map__initial_value(ref.map, NULL);
	if (!base)
		return obj_err(obj, -ENOENT, "global '%s': no memory", name);
	/* parse into a scratch copy so a bad value leaves the old one */
	tmp = ub_calloc(1, ref.size ? ref.size : 1);
	if (!tmp)
		return -ENOMEM;
	switch (ub_btf_kind(t)) {
	case USERBPF_BTF_KIND_INT:
		err = t->size_type > ref.size ? -EINVAL : set_int(obj, name, t, tmp, value);
		break;
	case USERBPF_BTF_KIND_ENUM:
	case USERBPF_BTF_KIND_ENUM64:
		err = t->size_type > ref.size ? -EINVAL : set_enum(obj, name, t, tmp, value);
		break;
	case USERBPF_BTF_KIND_ARRAY:
		err = ub_btf_array(t)->nelems > ref.size ? -EINVAL :
							   set_chars(obj, name, t, tmp, value);
		break;
	default:
		err = obj_err(obj, -ENOTSUP,
			      "global '%s': cannot set a %s from "
			      "text (integers, bools, enums and char arrays can be)",
			      name, ub_btf_kind_str(t));
	}
	if (!err) {
		size_t n = ub_btf_kind(t) == USERBPF_BTF_KIND_ARRAY ? ub_btf_array(t)->nelems :
								      t->size_type;

		memcpy(base + ref.offset, tmp, n);
	}
	ub_free(tmp);
	return err;
}

/* ==== Maps and programs ==== */

int userbpf_object_map__set_value_size(struct userbpf_object_map *map, uint32_t size)
{
	if (!map)
		return -EINVAL;
	if (map->obj->loaded)
		return -EBUSY;
	if (map->def.kind >= USERBPF_OBJECT_MAP_DATA || !size)
		return -EINVAL;
	map->def.value_size = size;
	/* a BTF value type no longer describes the value */
	map->def.btf_value_type_id = 0;
	return 0;
}

int userbpf_object__load_only(struct userbpf_object *obj, const char *name)
{
	struct userbpf_program *keep;
	size_t i, m, s;

	if (!obj || !name)
		return -EINVAL;
	/* CO-RE skips programs that will not load: decide before prepare */
	if (obj->prepared || obj->loaded || obj->prepare_err)
		return -EBUSY;
	ub_err_reset(&obj->err);
	keep = userbpf_object__find_program_by_name(obj, name);
	if (!keep)
		return obj_err(obj, -ENOENT, "no program named '%s'", name);
	for (i = 0; i < obj->prog_cnt; i++)
		if (!obj->progs[i].is_subprog)
			obj->progs[i].autoload = &obj->progs[i] == keep;
	/* what it may tail-call: the programs the object's prog arrays hold */
	for (m = 0; m < obj->map_cnt; m++) {
		const struct userbpf_object_map *map = &obj->maps[m];

		if (map->def.type != USERBPF_MAP_TYPE_PROG_ARRAY)
			continue;
		for (s = 0; s < map->init_slot_cnt; s++)
			if (map->init_slots[s] >= 0 && (size_t)map->init_slots[s] < obj->prog_cnt)
				obj->progs[map->init_slots[s]].autoload = true;
	}
	return 0;
}
