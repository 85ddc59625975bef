/* SPDX-License-Identifier: MIT */
/*
 * btf.c - BTF (BPF Type Format): parsing, validation and queries.
 *
 * Owns: struct userbpf_btf; the header and section checks, the layout of
 * every kind (int, ptr, array, struct, union, enum, fwd, typedef,
 * volatile, const, restrict, func, func_proto, var, datasec, float,
 * decl_tag, type_tag, enum64), reference and string-offset validation,
 * and the queries the loader and CO-RE need: skip typedefs/modifiers,
 * resolve sizes, find by name and kind, member offsets, the essential-
 * name candidate index of a CO-RE target.  Also the public userbpf_btf__
 * functions and the shipped context BTF (userbpf_btf__ctx()).
 *
 * Does not own: .BTF.ext (btf_ext.c), DATASEC fix-ups (object.c), CO-RE
 * matching (core.c).
 *
 * Validation guarantees, relied upon everywhere: every type's trailing
 * records lie inside the type section; every type id a type refers to is
 * < type_cnt; every name offset is inside the NUL-terminated string
 * section.  Reference cycles are possible: walks are depth-limited.
 */
#include "util/ubc.h"

#include "loader_int.h"
#include "util/alloc.h"

#define BTF_HDR_SZ 24u

struct btf_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

static const struct ub_btf_type void_type;

static const char *const kind_names[] = {
	"unknown", "int",     "ptr",	  "array",    "struct",	  "union",  "enum",
	"fwd",	   "typedef", "volatile", "const",    "restrict", "func",   "func_proto",
	"var",	   "datasec", "float",	  "decl_tag", "type_tag", "enum64",
};

const char *ub_btf_kind_str(const struct ub_btf_type *t)
{
	uint32_t k = ub_btf_kind(t);

	return k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

/* ==== Parsing ==== */

/* Bytes of trailing records of a type, or -1 for an unknown kind. */
static int64_t extra_size(const struct ub_btf_type *t)
{
	uint64_t vlen = ub_btf_vlen(t);

	switch (ub_btf_kind(t)) {
	case USERBPF_BTF_KIND_INT:
		return 4;
	case USERBPF_BTF_KIND_PTR:
	case USERBPF_BTF_KIND_FWD:
	case USERBPF_BTF_KIND_TYPEDEF:
	case USERBPF_BTF_KIND_VOLATILE:
	case USERBPF_BTF_KIND_CONST:
	case USERBPF_BTF_KIND_RESTRICT:
	case USERBPF_BTF_KIND_FUNC:
	case USERBPF_BTF_KIND_FLOAT:
	case USERBPF_BTF_KIND_TYPE_TAG:
		return 0;
	case USERBPF_BTF_KIND_ARRAY:
		return sizeof(struct ub_btf_array);
	case USERBPF_BTF_KIND_STRUCT:
	case USERBPF_BTF_KIND_UNION:
		return (int64_t)(vlen * sizeof(struct ub_btf_member));
	case USERBPF_BTF_KIND_ENUM:
		return (int64_t)(vlen * sizeof(struct ub_btf_enum));
	case USERBPF_BTF_KIND_ENUM64:
		return (int64_t)(vlen * sizeof(struct ub_btf_enum64));
	case USERBPF_BTF_KIND_FUNC_PROTO:
		return (int64_t)(vlen * sizeof(struct ub_btf_param));
	case USERBPF_BTF_KIND_VAR:
		return sizeof(struct ub_btf_var);
	case USERBPF_BTF_KIND_DATASEC:
		return (int64_t)(vlen * sizeof(struct ub_btf_var_secinfo));
	case USERBPF_BTF_KIND_DECL_TAG:
		return sizeof(struct ub_btf_decl_tag);
	default:
		return -1;
	}
}

static bool str_ok(const struct userbpf_btf *btf, uint32_t off)
{
	return off < btf->strs_len;
}

static bool id_ok(const struct userbpf_btf *btf, uint32_t id)
{
	return id < btf->type_cnt;
}

/* Check the references and names of type id. */
static int check_type(const struct userbpf_btf *btf, uint32_t id, const char *sec,
		      struct ub_err *err)
{
	const struct ub_btf_type *t = ub_btf_type_by_id(btf, id);
	uint32_t i, vlen = ub_btf_vlen(t), kind = ub_btf_kind(t);
	const char *what = NULL;

	if (!str_ok(btf, t->name_off))
		return ub_errf(err, -EINVAL,
			       "sec '%s': type [%u] %s: name offset %u outside the "
			       "string section",
			       sec, id, ub_btf_kind_str(t), t->name_off);
	switch (kind) {
	case USERBPF_BTF_KIND_INT: {
		uint32_t bits = ub_btf_int_bits(t), off = ub_btf_int_offset(t);

		if (t->size_type != 1 && t->size_type != 2 && t->size_type != 4 &&
		    t->size_type != 8 && t->size_type != 16)
			what = "int size";
		else if (bits == 0 || bits > 128 || off + bits > t->size_type * 8)
			what = "int bits";
		break;
	}
	case USERBPF_BTF_KIND_FLOAT:
		if (t->size_type != 2 && t->size_type != 4 && t->size_type != 8 &&
		    t->size_type != 12 && t->size_type != 16)
			what = "float size";
		break;
	case USERBPF_BTF_KIND_ENUM:
	case USERBPF_BTF_KIND_ENUM64: {
		size_t rec = kind == USERBPF_BTF_KIND_ENUM ? sizeof(struct ub_btf_enum) :
							     sizeof(struct ub_btf_enum64);
		const uint8_t *p = ub_btf_extra(t);

		if (t->size_type != 1 && t->size_type != 2 && t->size_type != 4 &&
		    t->size_type != 8)
			what = "enum size";
		for (i = 0; !what && i < vlen; i++) {
			uint32_t name_off;

			memcpy(&name_off, p + i * rec, sizeof(name_off));
			if (!str_ok(btf, name_off))
				what = "enumerator name";
		}
		break;
	}
	case USERBPF_BTF_KIND_PTR:
	case USERBPF_BTF_KIND_TYPEDEF:
	case USERBPF_BTF_KIND_VOLATILE:
	case USERBPF_BTF_KIND_CONST:
	case USERBPF_BTF_KIND_RESTRICT:
	case USERBPF_BTF_KIND_TYPE_TAG:
	case USERBPF_BTF_KIND_FUNC:
	case USERBPF_BTF_KIND_VAR:
		if (!id_ok(btf, t->size_type))
			what = "referenced type";
		else if (kind == USERBPF_BTF_KIND_FUNC &&
			 ub_btf_kind(ub_btf_type_by_id(btf, t->size_type)) !=
				 USERBPF_BTF_KIND_FUNC_PROTO)
			what = "func prototype";
		break;
	case USERBPF_BTF_KIND_DECL_TAG: {
		const struct ub_btf_decl_tag *tag = ub_btf_extra(t);

		if (!id_ok(btf, t->size_type))
			what = "referenced type";
		else if (tag->component_idx < -1)
			what = "component index";
		break;
	}
	case USERBPF_BTF_KIND_ARRAY: {
		const struct ub_btf_array *a = ub_btf_array(t);

		if (!id_ok(btf, a->type) || !id_ok(btf, a->index_type))
			what = "array element or index type";
		break;
	}
	case USERBPF_BTF_KIND_STRUCT:
	case USERBPF_BTF_KIND_UNION:
		for (i = 0; !what && i < vlen; i++) {
			const struct ub_btf_member *m = &ub_btf_members(t)[i];

			if (!id_ok(btf, m->type))
				what = "member type";
			else if (!str_ok(btf, m->name_off))
				what = "member name";
		}
		break;
	case USERBPF_BTF_KIND_FUNC_PROTO: {
		const struct ub_btf_param *p = ub_btf_extra(t);

		if (!id_ok(btf, t->size_type))
			what = "return type";
		for (i = 0; !what && i < vlen; i++) {
			if (!id_ok(btf, p[i].type))
				what = "parameter type";
			else if (!str_ok(btf, p[i].name_off))
				what = "parameter name";
		}
		break;
	}
	case USERBPF_BTF_KIND_DATASEC: {
		const struct ub_btf_var_secinfo *v = ub_btf_extra(t);

		for (i = 0; !what && i < vlen; i++)
			if (!id_ok(btf, v[i].type))
				what = "variable type";
		break;
	}
	case USERBPF_BTF_KIND_FWD:
		break;
	}
	if (what)
		return ub_errf(err, -EINVAL, "sec '%s': type [%u] %s '%s': invalid %s", sec, id,
			       ub_btf_kind_str(t), ub_btf_type_name(btf, t), what);
	return 0;
}

int ub_btf_parse(const uint8_t *data, size_t size, const char *sec, struct ub_err *err,
		 struct userbpf_btf **out)
{
	struct userbpf_btf *btf = NULL;
	struct btf_header hdr;
	uint64_t data_len, off;
	uint32_t id, cnt;
	size_t i;
	int ret;

	*out = NULL;
	memset(&hdr, 0, sizeof(hdr));
	if (size < 8)
		return ub_errf(err, -EINVAL,
			       "sec '%s': %zu bytes: too small for a "
			       "BTF header",
			       sec, size);
	memcpy(&hdr, data, 8);
	if (hdr.magic == 0x9FeB)
		return ub_errf(err, -ENOTSUP,
			       "sec '%s': big-endian BTF is not "
			       "supported",
			       sec);
	if (hdr.magic != UB_BTF_MAGIC)
		return ub_errf(err, -EINVAL, "sec '%s': bad BTF magic 0x%04x", sec, hdr.magic);
	if (hdr.version != 1)
		return ub_errf(err, -ENOTSUP, "sec '%s': BTF version %u (want 1)", sec,
			       hdr.version);
	if (hdr.hdr_len < BTF_HDR_SZ || hdr.hdr_len > size)
		return ub_errf(err, -EINVAL,
			       "sec '%s': BTF header length %u "
			       "(section %zu bytes)",
			       sec, hdr.hdr_len, size);
	memcpy(&hdr, data, BTF_HDR_SZ);
	for (i = BTF_HDR_SZ; i < hdr.hdr_len; i++)
		if (data[i])
			return ub_errf(err, -E2BIG,
				       "sec '%s': unknown non-zero BTF "
				       "header field at byte %zu",
				       sec, i);
	data_len = size - hdr.hdr_len;
	if ((uint64_t)hdr.type_off + hdr.type_len > data_len ||
	    (uint64_t)hdr.str_off + hdr.str_len > data_len)
		return ub_errf(err, -EINVAL,
			       "sec '%s': type [+%u, %u bytes) or string [+%u, %u "
			       "bytes) section beyond %llu bytes of data",
			       sec, hdr.type_off, hdr.type_len, hdr.str_off, hdr.str_len,
			       (unsigned long long)data_len);
	if (hdr.type_off % 4 || hdr.type_len % 4)
		return ub_errf(err, -EINVAL,
			       "sec '%s': unaligned type section "
			       "(offset %u, length %u)",
			       sec, hdr.type_off, hdr.type_len);
	if (hdr.type_len && hdr.str_len && hdr.type_off < (uint64_t)hdr.str_off + hdr.str_len &&
	    hdr.str_off < (uint64_t)hdr.type_off + hdr.type_len)
		return ub_errf(err, -EINVAL,
			       "sec '%s': type and string sections "
			       "overlap",
			       sec);
	if (hdr.str_len == 0 || data[hdr.hdr_len + hdr.str_off] != '\0' ||
	    data[hdr.hdr_len + hdr.str_off + hdr.str_len - 1] != '\0')
		return ub_errf(err, -EINVAL,
			       "sec '%s': string section must start "
			       "and end with a NUL byte",
			       sec);

	btf = ub_alloc(sizeof(*btf));
	if (!btf)
		return -ENOMEM;
	btf->types_len = hdr.type_len;
	btf->strs_len = hdr.str_len;
	btf->types = ub_alloc(hdr.type_len + 4);
	btf->strs = ub_alloc(hdr.str_len);
	if (!btf->types || !btf->strs) {
		ret = -ENOMEM;
		goto err_out;
	}
	memcpy(btf->types, data + hdr.hdr_len + hdr.type_off, hdr.type_len);
	memcpy(btf->strs, data + hdr.hdr_len + hdr.str_off, hdr.str_len);

	/* Pass 1: record layout, counting types. */
	for (cnt = 1, off = 0; off < btf->types_len; cnt++) {
		struct ub_btf_type t;
		int64_t extra;

		if (btf->types_len - off < sizeof(t)) {
			ret = ub_errf(err, -EINVAL,
				      "sec '%s': type [%u]: truncated "
				      "header at offset %llu",
				      sec, cnt, (unsigned long long)off);
			goto err_out;
		}
		memcpy(&t, btf->types + off, sizeof(t));
		extra = extra_size(&t);
		if (extra < 0 || ub_btf_kind(&t) == USERBPF_BTF_KIND_UNKN) {
			ret = ub_errf(err, -EINVAL,
				      "sec '%s': type [%u]: unknown kind "
				      "%u",
				      sec, cnt, ub_btf_kind(&t));
			goto err_out;
		}
		if ((uint64_t)extra > btf->types_len - off - sizeof(t)) {
			ret = ub_errf(err, -EINVAL,
				      "sec '%s': type [%u] %s: %lld "
				      "bytes of members past the end of the type "
				      "section",
				      sec, cnt, ub_btf_kind_str(&t), (long long)extra);
			goto err_out;
		}
		if (cnt == UINT32_MAX) {
			ret = ub_errf(err, -E2BIG, "sec '%s': too many types", sec);
			goto err_out;
		}
		off += sizeof(t) + (uint64_t)extra;
	}
	btf->type_cnt = cnt;
	btf->offs = ub_calloc(cnt, sizeof(uint32_t));
	if (!btf->offs) {
		ret = -ENOMEM;
		goto err_out;
	}
	for (id = 1, off = 0; id < cnt; id++) {
		const struct ub_btf_type *t = (const void *)(btf->types + off);

		btf->offs[id] = (uint32_t)off;
		off += sizeof(*t) + (uint64_t)extra_size(t);
	}
	/* Pass 2: references and names. */
	for (id = 1; id < cnt; id++) {
		ret = check_type(btf, id, sec, err);
		if (ret)
			goto err_out;
	}
	*out = btf;
	return 0;

err_out:
	ub_btf_free(btf);
	return ret;
}

struct ub_btf_name_index {
	size_t cnt;
	struct name_ent {
		uint32_t hash;
		uint32_t id;
	} *ents;
};

void ub_btf_free(struct userbpf_btf *btf)
{
	if (!btf)
		return;
	if (btf->index)
		ub_free(btf->index->ents);
	ub_free(btf->index);
	ub_free(btf->types);
	ub_free(btf->strs);
	ub_free(btf->offs);
	ub_free(btf);
}

/* ==== Queries ==== */

const struct ub_btf_type *ub_btf_type_by_id(const struct userbpf_btf *btf, uint32_t id)
{
	if (id == 0)
		return &void_type;
	if (id >= btf->type_cnt)
		return NULL;
	return (const struct ub_btf_type *)(btf->types + btf->offs[id]);
}

const char *ub_btf_str(const struct userbpf_btf *btf, uint32_t off)
{
	if (off >= btf->strs_len)
		return NULL;
	return btf->strs + off;
}

const char *ub_btf_type_name(const struct userbpf_btf *btf, const struct ub_btf_type *t)
{
	const char *s = t ? ub_btf_str(btf, t->name_off) : NULL;

	return s ? s : "";
}

static const struct ub_btf_type *skip(const struct userbpf_btf *btf, uint32_t id, uint32_t *res_id,
				      bool typedefs)
{
	const struct ub_btf_type *t = ub_btf_type_by_id(btf, id);
	int depth;

	for (depth = 0; t && depth < UB_BTF_MAX_DEPTH; depth++) {
		if (!ub_btf_is_mod(t) && !(typedefs && ub_btf_kind(t) == USERBPF_BTF_KIND_TYPEDEF))
			break;
		id = t->size_type;
		t = ub_btf_type_by_id(btf, id);
	}
	if (!t || depth == UB_BTF_MAX_DEPTH)
		return NULL;
	if (res_id)
		*res_id = id;
	return t;
}

const struct ub_btf_type *ub_btf_skip_mods_typedefs(const struct userbpf_btf *btf, uint32_t id,
						    uint32_t *res_id)
{
	return skip(btf, id, res_id, true);
}

const struct ub_btf_type *ub_btf_skip_mods(const struct userbpf_btf *btf, uint32_t id,
					   uint32_t *res_id)
{
	return skip(btf, id, res_id, false);
}

int64_t ub_btf_resolve_size(const struct userbpf_btf *btf, uint32_t id)
{
	const struct ub_btf_type *t = ub_btf_type_by_id(btf, id);
	uint64_t nelems = 1, size = 0;
	int depth;

	for (depth = 0; t && id && depth < UB_BTF_MAX_DEPTH; depth++) {
		switch (ub_btf_kind(t)) {
		case USERBPF_BTF_KIND_INT:
		case USERBPF_BTF_KIND_STRUCT:
		case USERBPF_BTF_KIND_UNION:
		case USERBPF_BTF_KIND_ENUM:
		case USERBPF_BTF_KIND_ENUM64:
		case USERBPF_BTF_KIND_DATASEC:
		case USERBPF_BTF_KIND_FLOAT:
			size = t->size_type;
			goto done;
		case USERBPF_BTF_KIND_PTR:
			size = 8; /* BPF pointers */
			goto done;
		case USERBPF_BTF_KIND_TYPEDEF:
		case USERBPF_BTF_KIND_VOLATILE:
		case USERBPF_BTF_KIND_CONST:
		case USERBPF_BTF_KIND_RESTRICT:
		case USERBPF_BTF_KIND_VAR:
		case USERBPF_BTF_KIND_DECL_TAG:
		case USERBPF_BTF_KIND_TYPE_TAG:
			id = t->size_type;
			break;
		case USERBPF_BTF_KIND_ARRAY: {
			const struct ub_btf_array *a = ub_btf_array(t);

			if (a->nelems && nelems > UINT32_MAX / a->nelems)
				return -E2BIG;
			nelems *= a->nelems;
			id = a->type;
			break;
		}
		default:
			return -EINVAL;
		}
		t = ub_btf_type_by_id(btf, id);
	}
	return -EINVAL; /* void, bad id or too deep */
done:
	if (nelems && size > UINT32_MAX / nelems)
		return -E2BIG;
	return (int64_t)(nelems * size);
}

int64_t ub_btf_find_by_name_kind(const struct userbpf_btf *btf, const char *name, int kind)
{
	uint32_t id;

	if (!name)
		return -EINVAL;
	if (!strcmp(name, "void") && (kind < 0 || kind == USERBPF_BTF_KIND_UNKN))
		return 0;
	for (id = 1; id < btf->type_cnt; id++) {
		const struct ub_btf_type *t = ub_btf_type_by_id(btf, id);

		if (kind >= 0 && ub_btf_kind(t) != (uint32_t)kind)
			continue;
		if (!strcmp(ub_btf_type_name(btf, t), name))
			return id;
	}
	return -ENOENT;
}

/* ==== CO-RE candidate index ==== */

/* "X___Y" with X and Y not underscores separates a flavour suffix. */
static bool is_flavor_sep(const char *s)
{
	return s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_';
}

size_t ub_btf_essential_name_len(const char *name)
{
	size_t n = strlen(name);
	ptrdiff_t i;

	for (i = (ptrdiff_t)n - 5; i >= 0; i--)
		if (is_flavor_sep(name + i))
			return (size_t)i + 1;
	return n;
}

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int cmp_name_ent(const void *a, const void *b)
{
	const struct name_ent *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int build_index(struct userbpf_btf *btf)
{
	struct ub_btf_name_index *idx;
	uint32_t id;

	idx = ub_alloc(sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	idx->ents = ub_calloc(btf->type_cnt, sizeof(*idx->ents));
	if (!idx->ents) {
		ub_free(idx);
		return -ENOMEM;
	}
	for (id = 1; id < btf->type_cnt; id++) {
		const char *name = ub_btf_type_name(btf, ub_btf_type_by_id(btf, id));

		if (!name[0])
			continue;
		idx->ents[idx->cnt].hash = name_hash(name, ub_btf_essential_name_len(name));
		idx->ents[idx->cnt].id = id;
		idx->cnt++;
	}
	qsort(idx->ents, idx->cnt, sizeof(*idx->ents), cmp_name_ent);
	btf->index = idx;
	return 0;
}

static bool kind_core_compat(uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	return (a == USERBPF_BTF_KIND_ENUM || a == USERBPF_BTF_KIND_ENUM64) &&
	       (b == USERBPF_BTF_KIND_ENUM || b == USERBPF_BTF_KIND_ENUM64);
}

int ub_btf_find_cands(struct userbpf_btf *target, const char *name, size_t len, uint32_t kind,
		      uint32_t **ids)
{
	struct ub_btf_name_index *idx;
	uint32_t hash = name_hash(name, len);
	size_t lo, hi, i, n = 0;
	int ret;

	*ids = NULL;
	if (!target->index) {
		ret = build_index(target);
		if (ret)
			return ret;
	}
	idx = target->index;
	lo = 0;
	hi = idx->cnt;
	while (lo < hi) { /* first entry with this hash */
		size_t mid = lo + (hi - lo) / 2;

		if (idx->ents[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < idx->cnt && idx->ents[i].hash == hash; i++)
		n++;
	if (!n)
		return 0;
	*ids = ub_calloc(n, sizeof(uint32_t));
	if (!*ids)
		return -ENOMEM;
	n = 0;
	for (i = lo; i < idx->cnt && idx->ents[i].hash == hash; i++) {
		const struct ub_btf_type *t = ub_btf_type_by_id(target, idx->ents[i].id);
		const char *tname = ub_btf_type_name(target, t);

		if (!kind_core_compat(ub_btf_kind(t), kind))
			continue;
		if (ub_btf_essential_name_len(tname) != len || strncmp(tname, name, len))
			continue;
		(*ids)[n++] = idx->ents[i].id;
	}
	if (!n) {
		ub_free(*ids);
		*ids = NULL;
	}
	return (int)n;
}

/* ==== Public API ==== */

struct userbpf_btf *userbpf_btf__parse_mem(const void *buf, size_t size)
{
	struct ub_err e = { .file = "<btf>" };
	struct userbpf_btf *btf;
	int err;

	if (!buf) {
		errno = EINVAL;
		return NULL;
	}
	err = ub_btf_parse(buf, size, ".BTF", &e, &btf);
	if (err) {
		errno = -err;
		return NULL;
	}
	return btf;
}

struct userbpf_btf *userbpf_btf__parse_file(const char *path)
{
	struct ub_err e = { .file = path };
	struct userbpf_btf *btf = NULL;
	const uint8_t *sec;
	uint8_t *buf;
	size_t size, sec_size, idx;
	struct ub_elf elf;
	int err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	err = ub_read_file(path, &buf, &size);
	if (err) {
		errno = -err;
		return NULL;
	}
	if (size >= 4 && !memcmp(buf, ELFMAG, SELFMAG)) {
		err = ub_elf_parse(&elf, buf, size, &e);
		if (!err) {
			idx = ub_elf_find_sec(&elf, ".BTF");
			sec = ub_elf_sec_data(&elf, idx, &sec_size);
			if (!sec)
				err = ub_errf(&e, -ENOENT, "no .BTF section");
			else
				err = ub_btf_parse(sec, sec_size, ".BTF", &e, &btf);
		}
		ub_elf_free(&elf);
	} else {
		err = ub_btf_parse(buf, size, "BTF", &e, &btf);
	}
	ub_free(buf);
	if (err) {
		errno = -err;
		return NULL;
	}
	return btf;
}

struct userbpf_btf *userbpf_btf__ctx(void)
{
	return userbpf_btf__parse_mem(ub_ctx_btf, ub_ctx_btf_size);
}

void userbpf_btf__free(struct userbpf_btf *btf)
{
	ub_btf_free(btf);
}

uint32_t userbpf_btf__type_cnt(const struct userbpf_btf *btf)
{
	return btf ? btf->type_cnt : 0;
}

int userbpf_btf__kind(const struct userbpf_btf *btf, uint32_t id)
{
	const struct ub_btf_type *t = btf ? ub_btf_type_by_id(btf, id) : NULL;

	return t ? (int)ub_btf_kind(t) : -ENOENT;
}

const char *userbpf_btf__name(const struct userbpf_btf *btf, uint32_t id)
{
	const struct ub_btf_type *t = btf ? ub_btf_type_by_id(btf, id) : NULL;

	return t ? ub_btf_type_name(btf, t) : NULL;
}

int64_t userbpf_btf__find_by_name_kind(const struct userbpf_btf *btf, const char *name, int kind)
{
	if (!btf)
		return -EINVAL;
	return ub_btf_find_by_name_kind(btf, name, kind);
}

int64_t userbpf_btf__resolve_type(const struct userbpf_btf *btf, uint32_t id)
{
	uint32_t res;

	if (!btf)
		return -EINVAL;
	if (!ub_btf_skip_mods_typedefs(btf, id, &res))
		return -EINVAL;
	return res;
}

int64_t userbpf_btf__resolve_size(const struct userbpf_btf *btf, uint32_t id)
{
	if (!btf)
		return -EINVAL;
	return ub_btf_resolve_size(btf, id);
}

/*
 * Depth-first search through anonymous members.  *budget bounds the total
 * work: a hostile BTF can nest a struct in itself many times over.
 */
static int64_t member_offset(const struct userbpf_btf *btf, uint32_t id, const char *name,
			     uint32_t *bitfield_size, int depth, unsigned *budget)
{
	const struct ub_btf_type *t = ub_btf_skip_mods_typedefs(btf, id, NULL);
	uint32_t i;

	if (!t || !ub_btf_is_composite(t) || depth > UB_BTF_MAX_DEPTH)
		return -ENOENT;
	for (i = 0; i < ub_btf_vlen(t); i++) {
		const struct ub_btf_member *m = &ub_btf_members(t)[i];
		const char *mname = ub_btf_str(btf, m->name_off);

		if (!*budget)
			return -E2BIG;
		--*budget;
		if (mname && !strcmp(mname, name)) {
			if (bitfield_size)
				*bitfield_size = ub_btf_member_bitfield_size(t, i);
			return ub_btf_member_bit_offset(t, i);
		}
		if (!mname || !mname[0]) {
			int64_t off =
				member_offset(btf, m->type, name, bitfield_size, depth + 1, budget);

			if (off >= 0)
				return off + ub_btf_member_bit_offset(t, i);
			if (off == -E2BIG)
				return off;
		}
	}
	return -ENOENT;
}

int64_t userbpf_btf__member_bit_offset(const struct userbpf_btf *btf, uint32_t id, const char *name,
				       uint32_t *bitfield_size)
{
	const struct ub_btf_type *t;
	unsigned budget = 1u << 16;

	if (!btf || !name)
		return -EINVAL;
	if (bitfield_size)
		*bitfield_size = 0;
	t = ub_btf_skip_mods_typedefs(btf, id, NULL);
	if (!t || !ub_btf_is_composite(t))
		return -EINVAL;
	return member_offset(btf, id, name, bitfield_size, 0, &budget);
}
