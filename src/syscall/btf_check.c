/* SPDX-License-Identifier: MIT */
/*
 * btf_check.c - the kernel's BTF verification for BPF_BTF_LOAD,
 * re-implemented from the documented behaviour of kernel/bpf/btf.c
 * (btf_parse): the same verdict, errno and log text on any input.
 *
 * Order, as the kernel's: header (hdr_len, unknown header bytes, magic,
 * version, flags, section layout), string section, type section (each
 * type's meta data in order: "pass 1", logging one line per type), type
 * resolution ("pass 2": a depth-first walk over references with a
 * 32-deep stack that finds loops and sizes, and checks struct members
 * against the struct's size), function prototypes, type tag chains.
 *
 * Last, as the kernel's btf_parse_struct_metas: the special fields of
 * structs that hold bpf_spin_lock, bpf_list_head, kptrs... (the kernel's
 * own BTF answers which kptr types are the kernel's).
 *
 * Entry point: ub_btf_check().  Types are named by id throughout; NONE
 * stands for the kernel's NULL type pointer (an id past the last type).
 */
#include "util/ubc.h"

#include "syscall/btf_check.h"
#include "userbpf/object.h"
#include "util/alloc.h"

/* ==== Format constants (uapi linux/btf.h) ==== */

enum {
	K_UNKN,
	K_INT,
	K_PTR,
	K_ARRAY,
	K_STRUCT,
	K_UNION,
	K_ENUM,
	K_FWD,
	K_TYPEDEF,
	K_VOLATILE,
	K_CONST,
	K_RESTRICT,
	K_FUNC,
	K_FUNC_PROTO,
	K_VAR,
	K_DATASEC,
	K_FLOAT,
	K_DECL_TAG,
	K_TYPE_TAG,
	K_ENUM64,
	K_MAX = K_ENUM64,
};

static const char *const kind_str[K_MAX + 1] = {
	"UNKNOWN", "INT",     "PTR",	  "ARRAY",    "STRUCT",	  "UNION",  "ENUM",
	"FWD",	   "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",   "FUNC_PROTO",
	"VAR",	   "DATASEC", "FLOAT",	  "DECL_TAG", "TYPE_TAG", "ENUM64",
};

#define BTF_MAGIC 0xeb9f
#define HDR_SIZE 24u
#define TYPE_SIZE 12u /* struct btf_type */
#define BTF_MAX_TYPE 0x000fffffu
#define BTF_MAX_NAME_OFFSET 0x00ffffffu
#define BTF_INFO_MASK 0x9f00ffffu
#define BTF_INT_MASK 0x0fffffffu
#define MAX_RESOLVE_DEPTH 32
#define KSYM_NAME_LEN 512
#define BITS_PER_U128 128u
#define NONE UINT32_MAX

#define INT_ENCODING(v) (((v) & 0x0f000000u) >> 24)
#define INT_OFFSET(v) (((v) & 0x00ff0000u) >> 16)
#define INT_BITS(v) ((v) & 0x000000ffu)
#define MEMBER_BITFIELD_SIZE(o) ((o) >> 24)
#define MEMBER_BIT_OFFSET(o) ((o) & 0xffffffu)
#define BYTES_DOWN(bits) ((bits) >> 3)
#define BYTES_UP(bits) (BYTES_DOWN(bits) + !!((bits) & 7))

enum { NOT_VISITED, VISITED, RESOLVED };
enum { RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY };
enum { CHECK_META, CHECK_TYPE };

/* ==== State ==== */

struct ty {
	uint32_t name_off, info, size; /* size is also "type" */
	uint32_t off;		       /* offset of its btf_type in the type section */
};

struct member {
	uint32_t name_off, type, offset;
};

struct vertex {
	uint32_t id;
	uint16_t next_member;
};

struct chk {
	const uint8_t *data;
	uint32_t data_size;
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} hdr;
	const uint8_t *types_sec; /* nohdr_data + type_off */
	const char *strings;
	struct ty *types; /* [0] is void */
	uint32_t nr_types, types_cap;
	uint32_t *resolved_ids, *resolved_sizes;
	uint8_t *visit;
	struct vertex stack[MAX_RESOLVE_DEPTH];
	uint32_t top;
	int phase, mode;
	uint32_t log_type_id;
	struct ub_vlog *log;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The u32 at byte off of type id's extra data (after its btf_type). */
static uint32_t extra32(const struct chk *c, uint32_t id, uint32_t off)
{
	return rd32(c->types_sec + c->types[id].off + TYPE_SIZE + off);
}

static uint32_t kind(const struct chk *c, uint32_t id)
{
	return (c->types[id].info >> 24) & 0x1f;
}

static uint32_t vlen(const struct chk *c, uint32_t id)
{
	return c->types[id].info & 0xffff;
}

static bool kflag(const struct chk *c, uint32_t id)
{
	return c->types[id].info >> 31;
}

static uint32_t by_id(const struct chk *c, uint32_t id)
{
	return id < c->nr_types ? id : NONE;
}

static struct member member_at(const struct chk *c, uint32_t id, uint32_t i)
{
	struct member m;

	m.name_off = extra32(c, id, i * 12);
	m.type = extra32(c, id, i * 12 + 4);
	m.offset = extra32(c, id, i * 12 + 8);
	return m;
}

/* ==== Kind predicates (ids, never NONE) ==== */

static bool is_void(uint32_t id)
{
	return id == 0;
}

static bool is_modifier(const struct chk *c, uint32_t id)
{
	switch (kind(c, id)) {
	case K_TYPEDEF:
	case K_VOLATILE:
	case K_CONST:
	case K_RESTRICT:
	case K_TYPE_TAG:
		return true;
	}
	return false;
}

#define IS_KIND(name, k)                                                                           \
	static bool name(const struct chk *c, uint32_t id)                                         \
	{                                                                                          \
		return kind(c, id) == (k);                                                         \
	}
IS_KIND(is_int, K_INT)
IS_KIND(is_ptr, K_PTR)
IS_KIND(is_array, K_ARRAY)
IS_KIND(is_fwd, K_FWD)
IS_KIND(is_typedef, K_TYPEDEF)
IS_KIND(is_func, K_FUNC)
IS_KIND(is_func_proto, K_FUNC_PROTO)
IS_KIND(is_var, K_VAR)
IS_KIND(is_datasec, K_DATASEC)
IS_KIND(is_decl_tag, K_DECL_TAG)
IS_KIND(is_type_tag, K_TYPE_TAG)
#undef IS_KIND

/* struct or union (the kernel's btf_type_is_struct) */
static bool is_struct(const struct chk *c, uint32_t id)
{
	return kind(c, id) == K_STRUCT || kind(c, id) == K_UNION;
}

static bool nosize(const struct chk *c, uint32_t id)
{
	return is_void(id) || is_fwd(c, id) || is_func(c, id) || is_func_proto(c, id) ||
	       is_decl_tag(c, id);
}

static bool nosize_or_null(const struct chk *c, uint32_t id)
{
	return id == NONE || nosize(c, id);
}

/* Types that are only ever a source of references, never followed to. */
static bool source_only(const struct chk *c, uint32_t id)
{
	return is_var(c, id) || is_decl_tag(c, id) || is_datasec(c, id);
}

static bool needs_resolve(const struct chk *c, uint32_t id)
{
	return is_modifier(c, id) || is_ptr(c, id) || is_struct(c, id) || is_array(c, id) ||
	       is_var(c, id) || is_func(c, id) || is_decl_tag(c, id) || is_datasec(c, id);
}

static bool has_size(const struct chk *c, uint32_t id)
{
	switch (kind(c, id)) {
	case K_INT:
	case K_STRUCT:
	case K_UNION:
	case K_ENUM:
	case K_DATASEC:
	case K_FLOAT:
	case K_ENUM64:
		return true;
	}
	return false;
}

/* A plain u8/u16/u32/u64/u128: no bit offset, whole bytes. */
static bool int_is_regular(const struct chk *c, uint32_t id)
{
	uint32_t d = extra32(c, id, 0);
	uint8_t nr_bits = (uint8_t)INT_BITS(d), nr_bytes = (uint8_t)BYTES_UP(nr_bits);

	return !(nr_bits & 7) && !INT_OFFSET(d) &&
	       (nr_bytes == 1 || nr_bytes == 2 || nr_bytes == 4 || nr_bytes == 8 || nr_bytes == 16);
}

/* ==== Strings and names ==== */

/* The kernel's ctype classes (lib/ctype.c, Latin-1): letters, digits,
 * printable.  Bytes 0x80-0x9f are none of them. */
#define CT_ALPHA 1
#define CT_DIGIT 2
#define CT_PRINT 4

static unsigned ctype_of(unsigned char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return CT_ALPHA | CT_PRINT;
	if (ch >= 'A' && ch <= 'Z')
		return CT_ALPHA | CT_PRINT;
	if (ch >= '0' && ch <= '9')
		return CT_DIGIT | CT_PRINT;
	if (ch >= 0x20 && ch < 0x7f)
		return CT_PRINT;
	if (ch >= 0xc0 && ch != 0xd7 && ch != 0xf7)
		return CT_ALPHA | CT_PRINT;
	if (ch >= 0xa0)
		return CT_PRINT;
	return 0;
}

static bool name_offset_valid(const struct chk *c, uint32_t off)
{
	return off <= BTF_MAX_NAME_OFFSET && off < c->hdr.str_len;
}

static bool name_char_ok(unsigned char ch, bool first)
{
	unsigned ct = ctype_of(ch);

	if (!(first ? ct & CT_ALPHA : ct & (CT_ALPHA | CT_DIGIT)) && ch != '_' && ch != '.')
		return false;
	return true;
}

/* A C identifier (letters, digits, '_' and '.'), shorter than
 * KSYM_NAME_LEN; off must be a valid offset. */
static bool name_valid_identifier(const struct chk *c, uint32_t off)
{
	const unsigned char *src = (const unsigned char *)c->strings + off;
	const unsigned char *limit = src + KSYM_NAME_LEN;

	if (!name_char_ok(*src, true))
		return false;
	src++;
	while (*src && src < limit) {
		if (!name_char_ok(*src, false))
			return false;
		src++;
	}
	return !*src;
}

/* A DATASEC name: any printable characters, shorter than KSYM_NAME_LEN. */
static bool name_valid_section(const struct chk *c, uint32_t off)
{
	const unsigned char *src = (const unsigned char *)c->strings + off;
	const unsigned char *limit = src + KSYM_NAME_LEN;

	if (!*src)
		return false;
	while (*src && src < limit) {
		if (!(ctype_of(*src) & CT_PRINT))
			return false;
		src++;
	}
	return !*src;
}

/* The string at off, or NULL past the string section. */
static const char *str_by_offset(const struct chk *c, uint32_t off)
{
	return off < c->hdr.str_len ? c->strings + off : NULL;
}

/* A name for the log. */
static const char *log_name(const struct chk *c, uint32_t off)
{
	const char *s;

	if (!off)
		return "(anon)";
	s = str_by_offset(c, off);
	return s ? s : "(invalid-name-offset)";
}

/* ==== Log ==== */

#define blog(c, ...) ub_vlog_printf((c)->log, __VA_ARGS__)

static void log_details(struct chk *c, uint32_t id);

/* "[id] KIND name details msg": the kernel's __btf_verifier_log_type. */
static void __attribute__((format(printf, 4, 5))) log_type_(struct chk *c, uint32_t id,
							    bool details, const char *fmt, ...)
{
	va_list ap;

	if (!c->log->level)
		return;
	blog(c, "[%u] %s %s%s", c->log_type_id, kind_str[kind(c, id)],
	     log_name(c, c->types[id].name_off), details ? " " : "");
	if (details)
		log_details(c, id);
	if (fmt && *fmt) {
		blog(c, " ");
		va_start(ap, fmt);
		ub_vlog_vprintf(c->log, fmt, ap);
		va_end(ap);
	}
	blog(c, "\n");
}

#define log_type(c, id, ...) log_type_((c), (id), true, __VA_ARGS__)
#define log_basic(c, id, ...) log_type_((c), (id), false, __VA_ARGS__)

static void __attribute__((format(printf, 4, 5)))
log_member(struct chk *c, uint32_t sid, const struct member *m, const char *fmt, ...)
{
	va_list ap;

	if (!c->log->level)
		return;
	/* after the meta pass, say which struct the member belongs to */
	if (c->phase != CHECK_META)
		log_type(c, sid, NULL);
	if (kflag(c, sid))
		blog(c, "\t%s type_id=%u bitfield_size=%u bits_offset=%u", log_name(c, m->name_off),
		     m->type, MEMBER_BITFIELD_SIZE(m->offset), MEMBER_BIT_OFFSET(m->offset));
	else
		blog(c, "\t%s type_id=%u bits_offset=%u", log_name(c, m->name_off), m->type,
		     m->offset);
	if (fmt && *fmt) {
		blog(c, " ");
		va_start(ap, fmt);
		ub_vlog_vprintf(c->log, fmt, ap);
		va_end(ap);
	}
	blog(c, "\n");
}

/* A DATASEC entry: {type, offset, size} at index i. */
static void __attribute__((format(printf, 4, 5))) log_vsi(struct chk *c, uint32_t sid, uint32_t i,
							  const char *fmt, ...)
{
	va_list ap;

	if (!c->log->level)
		return;
	if (c->phase != CHECK_META)
		log_type(c, sid, NULL);
	blog(c, "\t type_id=%u offset=%u size=%u", extra32(c, sid, i * 12),
	     extra32(c, sid, i * 12 + 4), extra32(c, sid, i * 12 + 8));
	if (fmt && *fmt) {
		blog(c, " ");
		va_start(ap, fmt);
		ub_vlog_vprintf(c->log, fmt, ap);
		va_end(ap);
	}
	blog(c, "\n");
}

static const char *int_encoding_str(uint32_t e)
{
	switch (e) {
	case 0:
		return "(none)";
	case 1:
		return "SIGNED";
	case 2:
		return "CHAR";
	case 4:
		return "BOOL";
	}
	return "UNKN";
}

static void log_func_proto(struct chk *c, uint32_t id)
{
	uint32_t n = vlen(c, id), i;

	blog(c, "return=%u args=(", c->types[id].size);
	if (!n) {
		blog(c, "void");
	} else if (n == 1 && !extra32(c, id, 4)) {
		blog(c, "vararg");
	} else {
		blog(c, "%u %s", extra32(c, id, 4), log_name(c, extra32(c, id, 0)));
		for (i = 1; i < n - 1; i++)
			blog(c, ", %u %s", extra32(c, id, i * 8 + 4),
			     log_name(c, extra32(c, id, i * 8)));
		if (n > 1) {
			uint32_t t = extra32(c, id, (n - 1) * 8 + 4);

			if (t)
				blog(c, ", %u %s", t, log_name(c, extra32(c, id, (n - 1) * 8)));
			else
				blog(c, ", vararg");
		}
	}
	blog(c, ")");
}

/* The per-kind details after "[id] KIND name ". */
static void log_details(struct chk *c, uint32_t id)
{
	const struct ty *t = &c->types[id];

	switch (kind(c, id)) {
	case K_INT: {
		uint32_t d = extra32(c, id, 0);

		blog(c, "size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size, INT_OFFSET(d),
		     INT_BITS(d), int_encoding_str(INT_ENCODING(d)));
		break;
	}
	case K_PTR:
	case K_TYPEDEF:
	case K_VOLATILE:
	case K_CONST:
	case K_RESTRICT:
	case K_TYPE_TAG:
	case K_FUNC:
		blog(c, "type_id=%u", t->size);
		break;
	case K_ARRAY:
		blog(c, "type_id=%u index_type_id=%u nr_elems=%u", extra32(c, id, 0),
		     extra32(c, id, 4), extra32(c, id, 8));
		break;
	case K_STRUCT:
	case K_UNION:
	case K_ENUM:
	case K_ENUM64:
	case K_DATASEC:
		blog(c, "size=%u vlen=%u", t->size, vlen(c, id));
		break;
	case K_FWD:
		blog(c, "%s", kflag(c, id) ? "union" : "struct");
		break;
	case K_FUNC_PROTO:
		log_func_proto(c, id);
		break;
	case K_VAR:
		blog(c, "type_id=%u linkage=%u", t->size, extra32(c, id, 0));
		break;
	case K_FLOAT:
		blog(c, "size=%u", t->size);
		break;
	case K_DECL_TAG:
		blog(c, "type=%u component_idx=%d", t->size, (int32_t)extra32(c, id, 0));
		break;
	}
}

/* ==== Pass 1: each type's meta data ==== */

/* meta_left too short for the kind's extra data */
static int short_meta(struct chk *c, uint32_t id, uint32_t left, uint32_t needed)
{
	if (left >= needed)
		return 0;
	log_basic(c, id, "meta_left:%u meta_needed:%u", left, needed);
	return -EINVAL;
}

static int32_t int_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	uint32_t d, nr_bits, enc;

	if (short_meta(c, id, left, 4))
		return -EINVAL;
	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	d = extra32(c, id, 0);
	if (d & ~BTF_INT_MASK) {
		log_basic(c, id, "Invalid int_data:%x", d);
		return -EINVAL;
	}
	nr_bits = INT_BITS(d) + INT_OFFSET(d);
	if (nr_bits > BITS_PER_U128) {
		log_type(c, id, "nr_bits exceeds %u", BITS_PER_U128);
		return -EINVAL;
	}
	if (BYTES_UP(nr_bits) > c->types[id].size) {
		log_type(c, id, "nr_bits exceeds type_size");
		return -EINVAL;
	}
	enc = INT_ENCODING(d);
	if (enc && enc != 1 && enc != 2 && enc != 4) {
		log_type(c, id, "Unsupported encoding");
		return -ENOTSUPP;
	}
	log_type(c, id, NULL);
	return 4;
}

/* PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG */
static int32_t ref_check_meta(struct chk *c, uint32_t id)
{
	const struct ty *t = &c->types[id];

	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if (kflag(c, id) && !is_type_tag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	if (t->size > BTF_MAX_TYPE) {
		log_type(c, id, "Invalid type_id");
		return -EINVAL;
	}
	if (is_typedef(c, id)) {
		if (!t->name_off || !name_valid_identifier(c, t->name_off)) {
			log_type(c, id, "Invalid name");
			return -EINVAL;
		}
	} else if (is_type_tag(c, id)) {
		const char *v = str_by_offset(c, t->name_off);

		if (!v || !v[0]) {
			log_type(c, id, "Invalid name");
			return -EINVAL;
		}
	} else if (t->name_off) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 0;
}

static int32_t fwd_check_meta(struct chk *c, uint32_t id)
{
	const struct ty *t = &c->types[id];

	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if (t->size) {
		log_type(c, id, "type != 0");
		return -EINVAL;
	}
	if (!t->name_off || !name_valid_identifier(c, t->name_off)) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 0;
}

static int32_t array_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	uint32_t elem, index;

	if (short_meta(c, id, left, 12))
		return -EINVAL;
	if (c->types[id].name_off) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	if (c->types[id].size) {
		log_type(c, id, "size != 0");
		return -EINVAL;
	}
	elem = extra32(c, id, 0);
	index = extra32(c, id, 4);
	if (!elem || elem > BTF_MAX_TYPE) {
		log_type(c, id, "Invalid elem");
		return -EINVAL;
	}
	if (!index || index > BTF_MAX_TYPE) {
		log_type(c, id, "Invalid index");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 12;
}

static uint32_t member_bit_offset(const struct chk *c, uint32_t sid, const struct member *m)
{
	return kflag(c, sid) ? MEMBER_BIT_OFFSET(m->offset) : m->offset;
}

static int32_t struct_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	bool is_union = kind(c, id) == K_UNION;
	uint32_t needed = vlen(c, id) * 12, last = 0, i;

	if (short_meta(c, id, left, needed))
		return -EINVAL;
	if (c->types[id].name_off && !name_valid_identifier(c, c->types[id].name_off)) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	for (i = 0; i < vlen(c, id); i++) {
		struct member m = member_at(c, id, i);
		uint32_t off;

		if (!name_offset_valid(c, m.name_off)) {
			log_member(c, id, &m, "Invalid member name_offset:%u", m.name_off);
			return -EINVAL;
		}
		if (m.name_off && !name_valid_identifier(c, m.name_off)) {
			log_member(c, id, &m, "Invalid name");
			return -EINVAL;
		}
		if (!m.type || m.type > BTF_MAX_TYPE) {
			log_member(c, id, &m, "Invalid type_id");
			return -EINVAL;
		}
		off = member_bit_offset(c, id, &m);
		if (is_union && off) {
			log_member(c, id, &m, "Invalid member bits_offset");
			return -EINVAL;
		}
		/* ">" rather than ">=": the last member may be "char a[0]" */
		if (last > off) {
			log_member(c, id, &m, "Invalid member bits_offset");
			return -EINVAL;
		}
		if (BYTES_UP(off) > c->types[id].size) {
			log_member(c, id, &m, "Member bits_offset exceeds its struct size");
			return -EINVAL;
		}
		log_member(c, id, &m, NULL);
		last = off;
	}
	return (int32_t)needed;
}

/* ENUM (8-byte entries) and ENUM64 (12-byte entries) */
static int32_t enum_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	bool is64 = kind(c, id) == K_ENUM64;
	uint32_t esz = is64 ? 12 : 8, n = vlen(c, id), needed = n * esz, size, i;

	if (short_meta(c, id, left, needed))
		return -EINVAL;
	size = c->types[id].size;
	if (size > 8 || !size || (size & (size - 1))) {
		log_type(c, id, "Unexpected size");
		return -EINVAL;
	}
	if (c->types[id].name_off && !name_valid_identifier(c, c->types[id].name_off)) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	for (i = 0; i < n; i++) {
		uint32_t name = extra32(c, id, i * esz), lo = extra32(c, id, i * esz + 4);

		if (!name_offset_valid(c, name)) {
			blog(c, "\tInvalid name_offset:%u", name);
			return -EINVAL;
		}
		if (!name || !name_valid_identifier(c, name)) {
			log_type(c, id, "Invalid name");
			return -EINVAL;
		}
		if (is64) {
			uint64_t v = ((uint64_t)extra32(c, id, i * esz + 8) << 32) | lo;

			if (kflag(c, id))
				blog(c, "\t%s val=%lld\n", log_name(c, name), (long long)v);
			else
				blog(c, "\t%s val=%llu\n", log_name(c, name),
				     (unsigned long long)v);
		} else if (kflag(c, id)) {
			blog(c, "\t%s val=%d\n", log_name(c, name), (int32_t)lo);
		} else {
			blog(c, "\t%s val=%u\n", log_name(c, name), lo);
		}
	}
	return (int32_t)needed;
}

static int32_t func_proto_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	uint32_t needed = vlen(c, id) * 8;

	if (short_meta(c, id, left, needed))
		return -EINVAL;
	if (c->types[id].name_off) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return (int32_t)needed;
}

static int32_t func_check_meta(struct chk *c, uint32_t id)
{
	if (!c->types[id].name_off || !name_valid_identifier(c, c->types[id].name_off)) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	if (vlen(c, id) > 1 /* BTF_FUNC_GLOBAL */) {
		log_type(c, id, "Invalid func linkage");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 0;
}

static int32_t var_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	const struct ty *t = &c->types[id];
	uint32_t linkage;

	if (short_meta(c, id, left, 4))
		return -EINVAL;
	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	if (!t->name_off || !name_valid_identifier(c, t->name_off)) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	if (!t->size || t->size > BTF_MAX_TYPE) {
		log_type(c, id, "Invalid type_id");
		return -EINVAL;
	}
	linkage = extra32(c, id, 0);
	if (linkage != 0 && linkage != 1) { /* static, global allocated */
		log_type(c, id, "Linkage not supported");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 4;
}

static int32_t datasec_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	const struct ty *t = &c->types[id];
	uint32_t needed = vlen(c, id) * 12, i;
	uint64_t last_end = 0, sum = 0;

	if (short_meta(c, id, left, needed))
		return -EINVAL;
	if (!t->size) {
		log_type(c, id, "size == 0");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	if (!t->name_off || !name_valid_section(c, t->name_off)) {
		log_type(c, id, "Invalid name");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	for (i = 0; i < vlen(c, id); i++) {
		uint32_t type = extra32(c, id, i * 12), off = extra32(c, id, i * 12 + 4);
		uint32_t size = extra32(c, id, i * 12 + 8);

		if (!type || type > BTF_MAX_TYPE) {
			log_vsi(c, id, i, "Invalid type_id");
			return -EINVAL;
		}
		if (off < last_end || off >= t->size) {
			log_vsi(c, id, i, "Invalid offset");
			return -EINVAL;
		}
		if (!size || size > t->size) {
			log_vsi(c, id, i, "Invalid size");
			return -EINVAL;
		}
		last_end = (uint32_t)(off + size); /* a u32 sum, as the kernel's */
		if (last_end > t->size) {
			log_vsi(c, id, i, "Invalid offset+size");
			return -EINVAL;
		}
		log_vsi(c, id, i, NULL);
		sum += size;
	}
	if (t->size < sum) {
		log_type(c, id, "Invalid btf_info size");
		return -EINVAL;
	}
	return (int32_t)needed;
}

static int32_t float_check_meta(struct chk *c, uint32_t id)
{
	uint32_t size = c->types[id].size;

	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if (kflag(c, id)) {
		log_type(c, id, "Invalid btf_info kind_flag");
		return -EINVAL;
	}
	if (size != 2 && size != 4 && size != 8 && size != 12 && size != 16) {
		log_type(c, id, "Invalid type_size");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 0;
}

static int32_t decl_tag_check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	const char *v;

	if (short_meta(c, id, left, 4))
		return -EINVAL;
	v = str_by_offset(c, c->types[id].name_off);
	if (!v || !v[0]) {
		log_type(c, id, "Invalid value");
		return -EINVAL;
	}
	if (vlen(c, id)) {
		log_type(c, id, "vlen != 0");
		return -EINVAL;
	}
	if ((int32_t)extra32(c, id, 0) < -1) {
		log_type(c, id, "Invalid component_idx");
		return -EINVAL;
	}
	log_type(c, id, NULL);
	return 4;
}

/* btf_check_meta: the common fields, then the kind's own; returns the
 * type's whole size in the section. */
static int32_t check_meta(struct chk *c, uint32_t id, uint32_t left)
{
	const struct ty *t = &c->types[id];
	uint32_t k;
	int32_t n;

	if (left < TYPE_SIZE) {
		blog(c, "[%u] meta_left:%u meta_needed:%u", c->log_type_id, left, TYPE_SIZE);
		return -EINVAL;
	}
	left -= TYPE_SIZE;
	if (t->info & ~BTF_INFO_MASK) {
		blog(c, "[%u] Invalid btf_info:%x", c->log_type_id, t->info);
		return -EINVAL;
	}
	k = kind(c, id);
	if (k > K_MAX || k == K_UNKN) {
		blog(c, "[%u] Invalid kind:%u", c->log_type_id, k);
		return -EINVAL;
	}
	if (!name_offset_valid(c, t->name_off)) {
		blog(c, "[%u] Invalid name_offset:%u", c->log_type_id, t->name_off);
		return -EINVAL;
	}
	switch (k) {
	case K_INT:
		n = int_check_meta(c, id, left);
		break;
	case K_PTR:
	case K_TYPEDEF:
	case K_VOLATILE:
	case K_CONST:
	case K_RESTRICT:
	case K_TYPE_TAG:
		n = ref_check_meta(c, id);
		break;
	case K_ARRAY:
		n = array_check_meta(c, id, left);
		break;
	case K_STRUCT:
	case K_UNION:
		n = struct_check_meta(c, id, left);
		break;
	case K_ENUM:
	case K_ENUM64:
		n = enum_check_meta(c, id, left);
		break;
	case K_FWD:
		n = fwd_check_meta(c, id);
		break;
	case K_FUNC:
		n = func_check_meta(c, id);
		break;
	case K_FUNC_PROTO:
		n = func_proto_check_meta(c, id, left);
		break;
	case K_VAR:
		n = var_check_meta(c, id, left);
		break;
	case K_DATASEC:
		n = datasec_check_meta(c, id, left);
		break;
	case K_FLOAT:
		n = float_check_meta(c, id);
		break;
	default: /* K_DECL_TAG */
		n = decl_tag_check_meta(c, id, left);
		break;
	}
	return n < 0 ? n : (int32_t)TYPE_SIZE + n;
}

static int check_all_metas(struct chk *c)
{
	uint32_t pos = 0, end = c->hdr.type_len;

	/* at most one type per 12 bytes, plus void */
	c->types_cap = end / TYPE_SIZE + 2;
	c->types = ub_calloc(c->types_cap, sizeof(*c->types));
	if (!c->types)
		return -ENOMEM;
	c->nr_types = 1; /* [0] void: all zero */
	c->log_type_id = 1;
	while (pos < end) {
		uint32_t id = c->nr_types;
		struct ty *t = &c->types[id];
		int32_t n;

		t->off = pos;
		if (end - pos >= TYPE_SIZE) {
			t->name_off = rd32(c->types_sec + pos);
			t->info = rd32(c->types_sec + pos + 4);
			t->size = rd32(c->types_sec + pos + 8);
		}
		n = check_meta(c, id, end - pos);
		if (n < 0)
			return n;
		/* btf_add_type: the table stops growing at BTF_MAX_TYPE
		 * entries; the kernel logs and goes on without the type */
		if (c->nr_types == BTF_MAX_TYPE) {
			blog(c, "Exceeded max num of types");
			memset(t, 0, sizeof(*t));
		} else {
			c->nr_types++;
		}
		pos += (uint32_t)n;
		c->log_type_id++;
	}
	return 0;
}

/* ==== Pass 2: resolution ==== */

static bool is_resolved(const struct chk *c, uint32_t id)
{
	return c->visit[id] == RESOLVED;
}

static bool is_resolve_sink(const struct chk *c, uint32_t id)
{
	switch (c->mode) {
	case RESOLVE_TBD: /* int, enum, void... */
		return !needs_resolve(c, id);
	case RESOLVE_PTR: /* also struct, array, func, func_proto */
		return !is_modifier(c, id) && !is_ptr(c, id);
	default: /* struct or array: also ptr, func, func_proto */
		return !is_modifier(c, id) && !is_array(c, id) && !is_struct(c, id);
	}
}

static int stack_push(struct chk *c, uint32_t id)
{
	struct vertex *v;

	if (c->top == MAX_RESOLVE_DEPTH)
		return -E2BIG;
	if (c->visit[id] != NOT_VISITED)
		return -EEXIST;
	c->visit[id] = VISITED;
	v = &c->stack[c->top++];
	v->id = id;
	v->next_member = 0;
	if (c->mode == RESOLVE_TBD) {
		if (is_ptr(c, id))
			c->mode = RESOLVE_PTR;
		else if (is_struct(c, id) || is_array(c, id))
			c->mode = RESOLVE_STRUCT_OR_ARRAY;
	}
	return 0;
}

static void stack_pop_resolved(struct chk *c, uint32_t resolved_id, uint32_t resolved_size)
{
	uint32_t id = c->stack[--c->top].id;

	c->resolved_sizes[id] = resolved_size;
	c->resolved_ids[id] = resolved_id;
	c->visit[id] = RESOLVED;
}

/* btf_type_id_size: the type with a size that *id stands for (following
 * a resolved modifier or var), its size in *size; NONE if it has none. */
static uint32_t type_id_size(const struct chk *c, uint32_t *id, uint32_t *size)
{
	uint32_t sid = *id, st = by_id(c, sid), sz = 0;

	if (nosize_or_null(c, st))
		return NONE;
	if (has_size(c, st)) {
		sz = c->types[st].size;
	} else if (is_array(c, st)) {
		sz = c->resolved_sizes[sid];
	} else if (is_ptr(c, st)) {
		sz = 8;
	} else {
		if (!is_modifier(c, st) && !is_var(c, st))
			return NONE;
		sid = c->resolved_ids[sid];
		st = by_id(c, sid);
		if (nosize_or_null(c, st))
			return NONE;
		else if (has_size(c, st))
			sz = c->types[st].size;
		else if (is_array(c, st))
			sz = c->resolved_sizes[sid];
		else if (is_ptr(c, st))
			sz = 8;
		else
			return NONE;
	}
	*id = sid;
	if (size)
		*size = sz;
	return st;
}

/* btf_type_id_resolve: the id a needs-resolve type was resolved to */
static uint32_t id_resolve(const struct chk *c, uint32_t *id)
{
	*id = c->resolved_ids[*id];
	return by_id(c, *id);
}

/* ---- member checks (the member's type kind decides) ---- */

static int check_member(struct chk *c, uint32_t sid, const struct member *m, uint32_t mt,
			bool kflag_variant);

static int unsupported_member(struct chk *c, uint32_t sid, bool kflag_variant)
{
	log_basic(c, sid,
		  kflag_variant ? "Unsupported check_kflag_member" : "Unsupported check_member");
	return -EINVAL;
}

static int int_check_member(struct chk *c, uint32_t sid, const struct member *m, uint32_t mt)
{
	uint32_t d = extra32(c, mt, 0), bits_off = m->offset, size = c->types[sid].size;
	uint32_t nr_copy_bits, bytes_off;

	if (UINT32_MAX - bits_off < INT_OFFSET(d)) {
		log_member(c, sid, m, "bits_offset exceeds U32_MAX");
		return -EINVAL;
	}
	bits_off += INT_OFFSET(d);
	bytes_off = BYTES_DOWN(bits_off);
	nr_copy_bits = INT_BITS(d) + (bits_off & 7);
	if (nr_copy_bits > BITS_PER_U128) {
		log_member(c, sid, m, "nr_copy_bits exceeds 128");
		return -EINVAL;
	}
	if (size < bytes_off || size - bytes_off < BYTES_UP(nr_copy_bits)) {
		log_member(c, sid, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

static int int_check_kflag_member(struct chk *c, uint32_t sid, const struct member *m, uint32_t mt)
{
	uint32_t d = extra32(c, mt, 0), size = c->types[sid].size;
	uint32_t nr_bits, bits_off, bytes_off, nr_copy_bits;

	if (!int_is_regular(c, mt)) {
		log_member(c, sid, m, "Invalid member base type");
		return -EINVAL;
	}
	nr_bits = MEMBER_BITFIELD_SIZE(m->offset);
	bits_off = MEMBER_BIT_OFFSET(m->offset);
	if (!nr_bits) {
		if (bits_off & 7) {
			log_member(c, sid, m, "Invalid member offset");
			return -EINVAL;
		}
		nr_bits = INT_BITS(d);
	} else if (nr_bits > INT_BITS(d)) {
		log_member(c, sid, m, "Invalid member bitfield_size");
		return -EINVAL;
	}
	bytes_off = BYTES_DOWN(bits_off);
	nr_copy_bits = nr_bits + (bits_off & 7);
	if (nr_copy_bits > BITS_PER_U128) {
		log_member(c, sid, m, "nr_copy_bits exceeds 128");
		return -EINVAL;
	}
	if (size < bytes_off || size - bytes_off < BYTES_UP(nr_copy_bits)) {
		log_member(c, sid, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

/* A whole-byte member of byte size msize (struct, union, enum, ptr,
 * array): the kernel's u32 "struct_size - bytes_offset < size". */
static int bytes_check_member(struct chk *c, uint32_t sid, const struct member *m, uint32_t msize)
{
	if (m->offset & 7) {
		log_member(c, sid, m, "Member is not byte aligned");
		return -EINVAL;
	}
	if (c->types[sid].size - BYTES_DOWN(m->offset) < msize) {
		log_member(c, sid, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

static int enum_check_kflag_member(struct chk *c, uint32_t sid, const struct member *m)
{
	uint32_t bits_off = MEMBER_BIT_OFFSET(m->offset), nr_bits = MEMBER_BITFIELD_SIZE(m->offset);

	if (!nr_bits) {
		if (bits_off & 7) {
			log_member(c, sid, m, "Member is not byte aligned");
			return -EINVAL;
		}
		nr_bits = 32;
	} else if (nr_bits > 32) {
		log_member(c, sid, m, "Invalid member bitfield_size");
		return -EINVAL;
	}
	if (c->types[sid].size < BYTES_UP(bits_off + nr_bits)) {
		log_member(c, sid, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

static int float_check_member(struct chk *c, uint32_t sid, const struct member *m, uint32_t mt)
{
	uint64_t align = c->types[mt].size < 8 ? c->types[mt].size : 8;

	if (m->offset % (align * 8)) {
		log_member(c, sid, m, "Member is not properly aligned");
		return -EINVAL;
	}
	if ((uint64_t)(m->offset / 8) + c->types[mt].size > c->types[sid].size) {
		log_member(c, sid, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

/* A typedef/qualifier member: check the type it resolves to. */
static int modifier_check_member(struct chk *c, uint32_t sid, const struct member *m,
				 bool kflag_variant)
{
	struct member r = *m;
	uint32_t rt;

	rt = type_id_size(c, &r.type, NULL);
	if (rt == NONE) {
		log_member(c, sid, m, "Invalid member");
		return -EINVAL;
	}
	return check_member(c, sid, &r, rt, kflag_variant);
}

/* kind_ops[member type]->check_member / check_kflag_member */
static int check_member(struct chk *c, uint32_t sid, const struct member *m, uint32_t mt,
			bool kflag_variant)
{
	uint32_t k = kind(c, mt);

	if (is_modifier(c, mt))
		return modifier_check_member(c, sid, m, kflag_variant);
	if (kflag_variant) {
		switch (k) {
		case K_INT:
			return int_check_kflag_member(c, sid, m, mt);
		case K_ENUM:
		case K_ENUM64:
			return enum_check_kflag_member(c, sid, m);
		case K_PTR:
		case K_ARRAY:
		case K_STRUCT:
		case K_UNION:
		case K_FLOAT:
			/* generic: no bitfield, then the plain check */
			if (MEMBER_BITFIELD_SIZE(m->offset)) {
				log_member(c, sid, m, "Invalid member bitfield_size");
				return -EINVAL;
			}
			return check_member(c, sid, m, mt, false);
		default:
			return unsupported_member(c, sid, true);
		}
	}
	switch (k) {
	case K_INT:
		return int_check_member(c, sid, m, mt);
	case K_PTR:
		return bytes_check_member(c, sid, m, 8);
	case K_ARRAY: {
		uint32_t aid = m->type, asize = 0;

		type_id_size(c, &aid, &asize);
		return bytes_check_member(c, sid, m, asize);
	}
	case K_STRUCT:
	case K_UNION:
	case K_ENUM:
	case K_ENUM64:
		return bytes_check_member(c, sid, m, c->types[mt].size);
	case K_FLOAT:
		return float_check_member(c, sid, m, mt);
	default:
		return unsupported_member(c, sid, false);
	}
}

/* ---- resolve, per kind ---- */

/* PTR and modifiers (typedef, const...): follow t->type */
static int ref_resolve(struct chk *c, const struct vertex *v, bool ptr)
{
	uint32_t next_id = c->types[v->id].size, next = by_id(c, next_id);

	if (next == NONE || source_only(c, next)) {
		log_type(c, v->id, "Invalid type_id");
		return -EINVAL;
	}
	if (!is_resolve_sink(c, next) && !is_resolved(c, next_id))
		return stack_push(c, next_id);
	/* A modifier resolved while resolving a struct or array may stop
	 * at a pointer: continue from that pointer, to see it does not lead
	 * back here. */
	if (ptr && is_modifier(c, next)) {
		uint32_t rid = next_id, rt = id_resolve(c, &rid);

		if (rt != NONE && is_ptr(c, rt) && !is_resolve_sink(c, rt) && !is_resolved(c, rid))
			return stack_push(c, rid);
	}
	if (type_id_size(c, &next_id, NULL) == NONE) {
		if (is_resolved(c, next_id))
			next = id_resolve(c, &next_id);
		/* "typedef void new_void", "const void", pointers to them */
		if (next == NONE ||
		    (!is_void(next) && !is_fwd(c, next) && !is_func_proto(c, next))) {
			log_type(c, v->id, "Invalid type_id");
			return -EINVAL;
		}
	}
	stack_pop_resolved(c, next_id, 0);
	return 0;
}

static int var_resolve(struct chk *c, const struct vertex *v)
{
	uint32_t next_id = c->types[v->id].size, next = by_id(c, next_id);

	if (next == NONE || source_only(c, next)) {
		log_type(c, v->id, "Invalid type_id");
		return -EINVAL;
	}
	if (!is_resolve_sink(c, next) && !is_resolved(c, next_id))
		return stack_push(c, next_id);
	if (is_modifier(c, next)) {
		uint32_t rid = next_id, rt = id_resolve(c, &rid);

		if (rt != NONE && is_ptr(c, rt) && !is_resolve_sink(c, rt) && !is_resolved(c, rid))
			return stack_push(c, rid);
	}
	/* a var needs a type with a size: no fwd, void, function */
	if (type_id_size(c, &next_id, NULL) == NONE) {
		log_type(c, v->id, "Invalid type_id");
		return -EINVAL;
	}
	stack_pop_resolved(c, next_id, 0);
	return 0;
}

static int array_resolve(struct chk *c, const struct vertex *v)
{
	uint32_t elem_id = extra32(c, v->id, 0), index_id = extra32(c, v->id, 4);
	uint32_t nelems = extra32(c, v->id, 8), elem, index, elem_size = 0;

	index = by_id(c, index_id);
	if (nosize_or_null(c, index) || source_only(c, index)) {
		log_type(c, v->id, "Invalid index");
		return -EINVAL;
	}
	if (!is_resolve_sink(c, index) && !is_resolved(c, index_id))
		return stack_push(c, index_id);
	index = type_id_size(c, &index_id, NULL);
	if (index == NONE || !is_int(c, index) || !int_is_regular(c, index)) {
		log_type(c, v->id, "Invalid index");
		return -EINVAL;
	}
	elem = by_id(c, elem_id);
	if (nosize_or_null(c, elem) || source_only(c, elem)) {
		log_type(c, v->id, "Invalid elem");
		return -EINVAL;
	}
	if (!is_resolve_sink(c, elem) && !is_resolved(c, elem_id))
		return stack_push(c, elem_id);
	elem = type_id_size(c, &elem_id, &elem_size);
	if (elem == NONE) {
		log_type(c, v->id, "Invalid elem");
		return -EINVAL;
	}
	if (is_int(c, elem) && !int_is_regular(c, elem)) {
		log_type(c, v->id, "Invalid array of int");
		return -EINVAL;
	}
	if (nelems && elem_size > UINT32_MAX / nelems) {
		log_type(c, v->id, "Array size overflows U32_MAX");
		return -EINVAL;
	}
	stack_pop_resolved(c, elem_id, elem_size * nelems);
	return 0;
}

static int struct_resolve(struct chk *c, struct vertex *v)
{
	bool kf = kflag(c, v->id);
	uint32_t i;
	int err;

	/* the member pushed last time is resolved now: check it */
	if (v->next_member) {
		struct member last = member_at(c, v->id, v->next_member - 1u);

		if (!is_resolved(c, last.type))
			return -EINVAL;
		err = check_member(c, v->id, &last, last.type, kf);
		if (err)
			return err;
	}
	for (i = v->next_member; i < vlen(c, v->id); i++) {
		struct member m = member_at(c, v->id, i);
		uint32_t mt = by_id(c, m.type);

		if (nosize_or_null(c, mt) || source_only(c, mt)) {
			log_member(c, v->id, &m, "Invalid member");
			return -EINVAL;
		}
		if (!is_resolve_sink(c, mt) && !is_resolved(c, m.type)) {
			v->next_member = (uint16_t)(i + 1);
			return stack_push(c, m.type);
		}
		err = check_member(c, v->id, &m, mt, kf);
		if (err)
			return err;
	}
	stack_pop_resolved(c, 0, 0);
	return 0;
}

static int func_check(struct chk *c, uint32_t id)
{
	uint32_t proto = by_id(c, c->types[id].size), i;

	if (proto == NONE || !is_func_proto(c, proto)) {
		log_type(c, id, "Invalid type_id");
		return -EINVAL;
	}
	/* a function's arguments have names (varargs aside) */
	for (i = 0; i < vlen(c, proto); i++) {
		if (!extra32(c, proto, i * 8) && extra32(c, proto, i * 8 + 4)) {
			log_type(c, id, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

static int datasec_resolve(struct chk *c, struct vertex *v)
{
	uint32_t i;

	c->mode = RESOLVE_TBD;
	for (i = v->next_member; i < vlen(c, v->id); i++) {
		uint32_t var_id = extra32(c, v->id, i * 12), size = extra32(c, v->id, i * 12 + 8);
		uint32_t var = by_id(c, var_id), type_id, type_size = 0;

		if (var == NONE || !is_var(c, var)) {
			log_vsi(c, v->id, i, "Not a VAR kind member");
			return -EINVAL;
		}
		if (!is_resolve_sink(c, var) && !is_resolved(c, var_id)) {
			v->next_member = (uint16_t)(i + 1);
			return stack_push(c, var_id);
		}
		type_id = c->types[var].size;
		if (type_id_size(c, &type_id, &type_size) == NONE) {
			log_vsi(c, v->id, i, "Invalid type");
			return -EINVAL;
		}
		if (size < type_size) {
			log_vsi(c, v->id, i, "Invalid size");
			return -EINVAL;
		}
	}
	stack_pop_resolved(c, 0, 0);
	return 0;
}

static int decl_tag_resolve(struct chk *c, const struct vertex *v)
{
	uint32_t next_id = c->types[v->id].size, next = by_id(c, next_id), n;
	int32_t idx;

	if (next == NONE ||
	    !(is_func(c, next) || is_struct(c, next) || is_var(c, next) || is_typedef(c, next))) {
		log_type(c, v->id, "Invalid type_id");
		return -EINVAL;
	}
	if (!is_resolve_sink(c, next) && !is_resolved(c, next_id))
		return stack_push(c, next_id);
	idx = (int32_t)extra32(c, v->id, 0);
	if (idx != -1) {
		if (is_var(c, next) || is_typedef(c, next)) {
			log_type(c, v->id, "Invalid component_idx");
			return -EINVAL;
		}
		if (is_struct(c, next)) {
			n = vlen(c, next);
		} else {
			/* a function: its prototype's arguments */
			uint32_t proto = by_id(c, c->types[next].size);

			n = proto == NONE ? 0 : vlen(c, proto);
		}
		if ((uint32_t)idx >= n) {
			log_type(c, v->id, "Invalid component_idx");
			return -EINVAL;
		}
	}
	stack_pop_resolved(c, next_id, 0);
	return 0;
}

static int resolve_one(struct chk *c, struct vertex *v)
{
	int err;

	switch (kind(c, v->id)) {
	case K_PTR:
		return ref_resolve(c, v, true);
	case K_TYPEDEF:
	case K_VOLATILE:
	case K_CONST:
	case K_RESTRICT:
	case K_TYPE_TAG:
		return ref_resolve(c, v, false);
	case K_ARRAY:
		return array_resolve(c, v);
	case K_STRUCT:
	case K_UNION:
		return struct_resolve(c, v);
	case K_FUNC:
		err = func_check(c, v->id);
		if (err)
			return err;
		stack_pop_resolved(c, c->types[v->id].size, 0);
		return 0;
	case K_VAR:
		return var_resolve(c, v);
	case K_DATASEC:
		return datasec_resolve(c, v);
	case K_DECL_TAG:
		return decl_tag_resolve(c, v);
	default:
		log_basic(c, v->id, "Unsupported resolve");
		return -EINVAL;
	}
}

/* btf_resolve_valid: the final sanity check of a resolved type */
static bool resolve_valid(const struct chk *c, uint32_t id)
{
	if (!is_resolved(c, id))
		return false;
	if (is_struct(c, id) || is_datasec(c, id))
		return !c->resolved_ids[id] && !c->resolved_sizes[id];
	if (is_decl_tag(c, id) || is_func(c, id))
		return c->resolved_ids[id] && !c->resolved_sizes[id];
	if (is_modifier(c, id) || is_ptr(c, id) || is_var(c, id)) {
		uint32_t rid = id, t = id_resolve(c, &rid);

		return t != NONE && !is_modifier(c, t) && !is_var(c, t) && !is_datasec(c, t);
	}
	if (is_array(c, id)) {
		uint32_t elem_id = extra32(c, id, 0), elem_size = 0, elem;

		elem = type_id_size(c, &elem_id, &elem_size);
		return elem != NONE && !is_modifier(c, elem) &&
		       extra32(c, id, 8) * elem_size == c->resolved_sizes[id];
	}
	return false;
}

static int resolve(struct chk *c, uint32_t id)
{
	uint32_t saved = c->log_type_id;
	int err = 0;

	c->mode = RESOLVE_TBD;
	stack_push(c, id);
	while (!err && c->top) {
		struct vertex *v = &c->stack[c->top - 1];

		c->log_type_id = v->id;
		err = resolve_one(c, v);
	}
	c->log_type_id = id;
	if (err == -E2BIG)
		log_type(c, id, "Exceeded max resolving depth:%u", MAX_RESOLVE_DEPTH);
	else if (err == -EEXIST)
		log_type(c, id, "Loop detected");
	if (!err && !resolve_valid(c, id)) {
		log_type(c, id, "Invalid resolve state");
		err = -EINVAL;
	}
	c->log_type_id = saved;
	return err;
}

static int func_proto_check(struct chk *c, uint32_t id)
{
	uint32_t nr_args = vlen(c, id), ret_id = c->types[id].size, i;
	int err;

	if (ret_id) {
		uint32_t ret = by_id(c, ret_id);

		if (ret == NONE || source_only(c, ret)) {
			log_type(c, id, "Invalid return type");
			return -EINVAL;
		}
		if (needs_resolve(c, ret) && !is_resolved(c, ret_id)) {
			err = resolve(c, ret_id);
			if (err)
				return err;
		}
		if (type_id_size(c, &ret_id, NULL) == NONE) {
			log_type(c, id, "Invalid return type");
			return -EINVAL;
		}
	}
	if (!nr_args)
		return 0;
	/* the last argument may be a vararg: type 0, no name */
	if (!extra32(c, id, (nr_args - 1) * 8 + 4)) {
		if (extra32(c, id, (nr_args - 1) * 8)) {
			log_type(c, id, "Invalid arg#%u", nr_args);
			return -EINVAL;
		}
		nr_args--;
	}
	for (i = 0; i < nr_args; i++) {
		uint32_t name = extra32(c, id, i * 8), arg_id = extra32(c, id, i * 8 + 4);
		uint32_t arg = by_id(c, arg_id);

		if (arg == NONE || source_only(c, arg)) {
			log_type(c, id, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
		if (name && (!name_offset_valid(c, name) || !name_valid_identifier(c, name))) {
			log_type(c, id, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
		if (needs_resolve(c, arg) && !is_resolved(c, arg_id)) {
			err = resolve(c, arg_id);
			if (err)
				return err;
		}
		if (type_id_size(c, &arg_id, NULL) == NONE) {
			log_type(c, id, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_all_types(struct chk *c)
{
	uint32_t id;
	int err;

	c->resolved_ids = ub_calloc(c->nr_types, sizeof(uint32_t));
	c->resolved_sizes = ub_calloc(c->nr_types, sizeof(uint32_t));
	c->visit = ub_calloc(c->nr_types, 1);
	if (!c->resolved_ids || !c->resolved_sizes || !c->visit)
		return -ENOMEM;
	c->phase = CHECK_TYPE;
	for (id = 1; id < c->nr_types; id++) {
		c->log_type_id = id;
		if (needs_resolve(c, id) && !is_resolved(c, id)) {
			err = resolve(c, id);
			if (err)
				return err;
		}
		if (is_func_proto(c, id)) {
			err = func_proto_check(c, id);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Type tags come first in a chain of modifiers (pointer -> tags ->
 * const...), chains are at most 32 long. */
static int check_type_tags(struct chk *c)
{
	uint32_t i, good_id = 0;

	for (i = 1; i < c->nr_types; i++) {
		uint32_t cur = i, t = i;
		int limit = 32;
		bool in_tags;

		if (!is_modifier(c, t))
			continue;
		in_tags = is_type_tag(c, t);
		while (is_modifier(c, t)) {
			if (!limit--) {
				blog(c, "Max chain length or cycle detected");
				return -ELOOP;
			}
			if (is_type_tag(c, t)) {
				if (!in_tags) {
					blog(c, "Type tags don't precede modifiers");
					return -EINVAL;
				}
			} else if (in_tags) {
				in_tags = false;
			}
			if (cur <= good_id)
				break;
			cur = c->types[t].size;
			t = by_id(c, cur);
			if (t == NONE)
				return -EINVAL;
		}
		good_id = i;
	}
	return 0;
}

/* ==== Special fields of structs (btf_parse_struct_metas) ==== */

/*
 * A struct that holds one of the kernel's special types (bpf_spin_lock,
 * bpf_list_head/node, bpf_rb_root/node, bpf_refcount) or a kptr (a
 * pointer through a "kptr"-like type tag) gets a record of its special
 * fields; a struct where that record cannot be built fails the load,
 * with no log line.  kptrs to types of the kernel's own BTF are looked
 * up there (userbpf_btf__kernel): a referenced one ("kptr") needs a
 * destructor kfunc, known here for the types 6.18 registers one for.
 */
enum {
	F_SPIN_LOCK = 1 << 0,
	F_KPTR_UNREF = 1 << 2,
	F_KPTR_REF = 1 << 3,
	F_KPTR_PERCPU = 1 << 4,
	F_LIST_HEAD = 1 << 5,
	F_LIST_NODE = 1 << 6,
	F_RB_ROOT = 1 << 7,
	F_RB_NODE = 1 << 8,
	F_REFCOUNT = 1 << 9,
	F_UPTR = 1 << 11,
	F_KPTR = F_KPTR_UNREF | F_KPTR_REF | F_KPTR_PERCPU,
	F_GRAPH_ROOT = F_LIST_HEAD | F_RB_ROOT,
	F_GRAPH_NODE = F_LIST_NODE | F_RB_NODE,
	F_META_MASK = F_SPIN_LOCK | F_LIST_HEAD | F_LIST_NODE | F_RB_ROOT | F_RB_NODE | F_REFCOUNT |
		      F_KPTR,
};

#define FIELDS_MAX 11 /* BTF_FIELDS_MAX */
#define FOUND 1
#define IGNORE 0

struct finfo {
	uint32_t type, off;
	uint32_t kptr_id;  /* kptrs: the struct pointed to */
	uint32_t value_id; /* graph roots: the struct of the nodes */
	const char *node_name;
};

struct meta {
	uint32_t id, mask;
	uint32_t nroots;
	uint32_t root_value[FIELDS_MAX];
};

static const char *plain_name(const struct chk *c, uint32_t off)
{
	const char *s = str_by_offset(c, off);

	return s ? s : "";
}

static uint32_t find_by_name_kind(const struct chk *c, const char *name, uint32_t k)
{
	uint32_t i;

	for (i = 1; i < c->nr_types; i++)
		if (kind(c, i) == k && !strcmp(plain_name(c, c->types[i].name_off), name))
			return i;
	return NONE;
}

static uint32_t skip_modifiers(const struct chk *c, uint32_t id, uint32_t *res)
{
	uint32_t t = by_id(c, id);

	while (t != NONE && is_modifier(c, t)) {
		id = c->types[t].size;
		t = by_id(c, id);
	}
	if (res)
		*res = id;
	return t;
}

static bool is_struct_only(const struct chk *c, uint32_t id)
{
	return id != NONE && kind(c, id) == K_STRUCT;
}

static int find_kptr(const struct chk *c, uint32_t t, uint32_t off, struct finfo *info,
		     uint32_t mask)
{
	const char *tag;
	uint32_t type, res_id, next;

	if (t != NONE && kind(c, t) == K_VOLATILE)
		t = by_id(c, c->types[t].size);
	if (t == NONE || !is_ptr(c, t))
		return IGNORE;
	t = by_id(c, c->types[t].size);
	if (t == NONE || !is_type_tag(c, t) || kflag(c, t))
		return IGNORE;
	next = by_id(c, c->types[t].size);
	if (next != NONE && is_type_tag(c, next))
		return -EINVAL; /* one tag only */
	tag = log_name(c, c->types[t].name_off);
	if (!strcmp(tag, "kptr_untrusted"))
		type = F_KPTR_UNREF;
	else if (!strcmp(tag, "kptr"))
		type = F_KPTR_REF;
	else if (!strcmp(tag, "percpu_kptr"))
		type = F_KPTR_PERCPU;
	else if (!strcmp(tag, "uptr"))
		type = F_UPTR;
	else
		return -EINVAL;
	if (!(type & mask))
		return IGNORE;
	t = skip_modifiers(c, c->types[t].size, &res_id);
	if (!is_struct_only(c, t))
		return -EINVAL;
	info->type = type;
	info->off = off;
	info->kptr_id = res_id;
	return FOUND;
}

/* btf_get_field_type: by the name of the member's type as written */
static int field_type_of(const struct chk *c, uint32_t t, uint32_t mask, uint32_t *seen,
			 uint32_t *align, uint32_t *sz)
{
	static const struct {
		uint32_t type;
		const char *name;
		uint32_t size, align;
	} named[] = {
		{ F_SPIN_LOCK, "bpf_spin_lock", 4, 4 },	 { F_LIST_HEAD, "bpf_list_head", 16, 8 },
		{ F_LIST_NODE, "bpf_list_node", 24, 8 }, { F_RB_ROOT, "bpf_rb_root", 16, 8 },
		{ F_RB_NODE, "bpf_rb_node", 32, 8 },	 { F_REFCOUNT, "bpf_refcount", 4, 4 },
	};
	const char *name = log_name(c, c->types[t].name_off);
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (!(mask & named[i].type) || strcmp(name, named[i].name))
			continue;
		if (named[i].type == F_SPIN_LOCK) {
			if (*seen & F_SPIN_LOCK)
				return -E2BIG;
			*seen |= F_SPIN_LOCK;
		}
		*sz = named[i].size;
		*align = named[i].align;
		return (int)named[i].type;
	}
	if ((mask & (F_KPTR | F_UPTR)) && !is_struct_only(c, t)) {
		*sz = 8;
		*align = 8;
		return F_KPTR_REF;
	}
	return 0;
}

static uint32_t field_size(uint32_t type)
{
	switch (type) {
	case F_SPIN_LOCK:
	case F_REFCOUNT:
		return 4;
	case F_LIST_HEAD:
	case F_RB_ROOT:
		return 16;
	case F_LIST_NODE:
		return 24;
	case F_RB_NODE:
		return 32;
	default:
		return 8;
	}
}

static int repeat_fields(struct finfo *info, uint32_t cnt, uint32_t field_cnt, uint32_t repeat,
			 uint32_t elem_size)
{
	uint32_t i, j, cur = field_cnt;

	for (i = 0; i < field_cnt; i++)
		if (!(info[i].type & (F_KPTR | F_UPTR | F_LIST_HEAD | F_RB_ROOT)))
			return -EINVAL;
	if ((uint64_t)field_cnt * ((uint64_t)repeat + 1) > cnt)
		return -E2BIG;
	for (i = 0; i < repeat; i++) {
		memcpy(&info[cur], &info[0], field_cnt * sizeof(info[0]));
		for (j = 0; j < field_cnt; j++)
			info[cur++].off += (i + 1) * elem_size;
	}
	return 0;
}

/* The value of the one decl tag "key..." on component idx of pt. */
static int decl_tag_value(const struct chk *c, uint32_t pt, int32_t idx, const char *key,
			  const char **value)
{
	size_t len = strlen(key);
	uint32_t i, found = NONE;

	for (i = 1; i < c->nr_types; i++) {
		if (!is_decl_tag(c, i) || by_id(c, c->types[i].size) != pt ||
		    (int32_t)extra32(c, i, 0) != idx ||
		    strncmp(log_name(c, c->types[i].name_off), key, len))
			continue;
		if (found != NONE)
			return -EEXIST;
		found = i;
	}
	if (found == NONE)
		return -ENOENT;
	*value = log_name(c, c->types[found].name_off) + len;
	return 0;
}

static int find_graph_root(const struct chk *c, uint32_t pt, uint32_t t, int32_t idx, uint32_t off,
			   uint32_t sz, struct finfo *info, uint32_t head_type)
{
	const char *value, *colon;
	char name[KSYM_NAME_LEN + 1];
	uint32_t id;
	size_t n;

	if (!is_struct_only(c, t) || c->types[t].size != sz)
		return IGNORE;
	if (decl_tag_value(c, pt, idx, "contains:", &value))
		return -EINVAL;
	colon = strchr(value, ':');
	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - value);
	if (n >= sizeof(name))
		return -ENOENT; /* no type has so long a name */
	memcpy(name, value, n);
	name[n] = '\0';
	id = find_by_name_kind(c, name, K_STRUCT);
	if (id == NONE)
		return -ENOENT;
	if (!colon[1])
		return -EINVAL;
	info->type = head_type;
	info->off = off;
	info->value_id = id;
	info->node_name = colon + 1;
	return FOUND;
}

static int find_struct_field(const struct chk *c, uint32_t t, uint32_t mask, struct finfo *info,
			     uint32_t cnt, uint32_t level);

static int find_field_one(const struct chk *c, uint32_t var, uint32_t t, int32_t idx, uint32_t off,
			  uint32_t mask, uint32_t *seen, struct finfo *info, uint32_t cnt,
			  uint32_t level)
{
	uint32_t nelems = 1, i, align = 1, sz = 0;
	struct finfo tmp, *dst = cnt ? &info[0] : &tmp;
	int ft, ret;

	for (i = 0; i < MAX_RESOLVE_DEPTH && t != NONE && is_array(c, t); i++) {
		nelems *= extra32(c, t, 8);
		t = by_id(c, extra32(c, t, 0));
	}
	if (i == MAX_RESOLVE_DEPTH)
		return -E2BIG;
	if (!nelems || t == NONE)
		return 0;
	ft = field_type_of(c, t, mask, seen, &align, &sz);
	if (!ft && is_struct_only(c, t)) {
		/* the special fields of a nested struct, at its offset */
		if (++level >= MAX_RESOLVE_DEPTH)
			return -E2BIG;
		ret = find_struct_field(c, t, mask, info, cnt, level);
		if (ret <= 0)
			return ret;
		for (i = 0; i < (uint32_t)ret; i++)
			info[i].off += off;
		if (nelems > 1) {
			int err = repeat_fields(info, cnt, (uint32_t)ret, nelems - 1,
						c->types[t].size);

			ret = err ? err : ret * (int)nelems;
		}
		return ret;
	}
	if (ft <= 0)
		return ft;
	if (off % align)
		return 0;
	switch (ft) {
	case F_LIST_HEAD:
	case F_RB_ROOT:
		ret = find_graph_root(c, var, t, idx, off, sz, dst, (uint32_t)ft);
		break;
	case F_KPTR_REF:
		ret = find_kptr(c, t, off, dst, mask);
		break;
	default:
		if (!is_struct_only(c, t) || c->types[t].size != sz) {
			ret = IGNORE;
		} else {
			dst->type = (uint32_t)ft;
			dst->off = off;
			ret = FOUND;
		}
	}
	if (ret <= 0)
		return ret;
	if (!cnt)
		return -E2BIG;
	if (nelems > 1) {
		ret = repeat_fields(info, cnt, 1, nelems - 1, sz);
		if (ret < 0)
			return ret;
	}
	return (int)nelems;
}

static int find_struct_field(const struct chk *c, uint32_t t, uint32_t mask, struct finfo *info,
			     uint32_t cnt, uint32_t level)
{
	uint32_t i, idx = 0, seen = 0;
	int ret;

	for (i = 0; i < vlen(c, t); i++) {
		struct member m = member_at(c, t, i);
		uint32_t off = member_bit_offset(c, t, &m);

		if (off % 8)
			return -EINVAL;
		ret = find_field_one(c, t, by_id(c, m.type), (int32_t)i, off / 8, mask, &seen,
				     &info[idx], cnt - idx, level);
		if (ret < 0)
			return ret;
		idx += (uint32_t)ret;
	}
	return (int)idx;
}

/* The types 6.18 registers a destructor kfunc for (a referenced kptr to
 * a kernel type needs one). */
static bool kernel_dtor_known(const char *name)
{
	static const char *const names[] = { "task_struct", "cgroup", "bpf_cpumask",
					     "bpf_crypto_ctx" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static int parse_kptr(const struct chk *c, const struct finfo *f)
{
	const struct userbpf_btf *kb = userbpf_btf__kernel();
	const char *name = log_name(c, c->types[f->kptr_id].name_off);

	if (!kb || userbpf_btf__find_by_name_kind(kb, name, (int)kind(c, f->kptr_id)) < 0)
		return 0; /* a program's own type: allocated by bpf_obj_new */
	if (f->type == F_KPTR_REF && !kernel_dtor_known(name))
		return -ENOENT;
	return 0;
}

static int parse_graph_root(const struct chk *c, const struct finfo *f, const char *node_type)
{
	uint32_t t = f->value_id, i, n = NONE;

	for (i = 0; i < vlen(c, t); i++) {
		struct member m = member_at(c, t, i);
		uint32_t off;

		if (strcmp(f->node_name, log_name(c, m.name_off)))
			continue;
		if (n != NONE)
			return -EINVAL; /* two members of that name */
		n = by_id(c, m.type);
		if (!is_struct_only(c, n) || strcmp(node_type, log_name(c, c->types[n].name_off)))
			return -EINVAL;
		/* the kernel reads the offset with the node type's kind_flag */
		off = kflag(c, n) ? MEMBER_BIT_OFFSET(m.offset) : m.offset;
		if (off % 8 || (off / 8) % 8)
			return -EINVAL;
	}
	return n == NONE ? -ENOENT : 0;
}

/* btf_parse_fields for a struct: the field mask and graph roots into *rec. */
static int parse_fields(const struct chk *c, uint32_t t, struct meta *rec)
{
	struct finfo info[FIELDS_MAX];
	uint32_t next_off = 0, i, cnt, has_spin = 0, has_refcount = 0;
	int ret;

	memset(info, 0, sizeof(info));
	ret = find_struct_field(c, t, F_META_MASK, info, FIELDS_MAX, 0);
	if (ret < 0)
		return ret;
	if (!ret)
		return -EFAULT; /* the kernel's "record cannot be unset" */
	cnt = (uint32_t)ret;
	memset(rec, 0, sizeof(*rec));
	rec->id = t;
	for (i = 0; i < cnt; i++) {
		uint32_t sz = field_size(info[i].type);

		if ((uint64_t)info[i].off + sz > c->types[t].size)
			return -EFAULT;
		if (info[i].off < next_off)
			return -EEXIST;
		next_off = info[i].off + sz;
		rec->mask |= info[i].type;
		switch (info[i].type) {
		case F_SPIN_LOCK:
			has_spin = 1;
			break;
		case F_REFCOUNT:
			has_refcount = 1;
			break;
		case F_KPTR_UNREF:
		case F_KPTR_REF:
		case F_KPTR_PERCPU:
			ret = parse_kptr(c, &info[i]);
			if (ret < 0)
				return ret;
			break;
		case F_LIST_HEAD:
		case F_RB_ROOT:
			ret = parse_graph_root(c, &info[i],
					       info[i].type == F_LIST_HEAD ? "bpf_list_node" :
									     "bpf_rb_node");
			if (ret < 0)
				return ret;
			rec->root_value[rec->nroots++] = info[i].value_id;
			break;
		}
	}
	if ((rec->mask & F_GRAPH_ROOT) && !has_spin)
		return -EINVAL;
	if (!has_refcount && (rec->mask & F_LIST_NODE) && (rec->mask & F_RB_NODE))
		return -EINVAL;
	return 0;
}

static int parse_struct_metas(struct chk *c)
{
	static const char *const special[] = { "bpf_spin_lock", "bpf_list_head", "bpf_list_node",
					       "bpf_rb_root",	"bpf_rb_node",	 "bpf_refcount" };
	uint32_t *aof, naof = 0, i, j, nmeta = 0;
	struct meta *metas = NULL;
	int err = 0;

	aof = ub_calloc(c->nr_types + sizeof(special) / sizeof(special[0]), sizeof(*aof));
	if (!aof)
		return -ENOMEM;
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		uint32_t id = find_by_name_kind(c, special[i], K_STRUCT);

		if (id != NONE)
			aof[naof++] = id;
	}
	for (i = 1; i < c->nr_types; i++) {
		struct finfo tmp;

		if (find_kptr(c, i, 0, &tmp, F_KPTR) == FOUND)
			aof[naof++] = i;
	}
	for (i = 1; i < c->nr_types && naof && !err; i++) {
		bool hit = false;

		if (kind(c, i) != K_STRUCT)
			continue;
		for (j = 0; j < vlen(c, i) && !hit; j++) {
			uint32_t mt = member_at(c, i, j).type, k;

			for (k = 0; k < naof; k++)
				hit |= aof[k] == mt;
		}
		if (!hit)
			continue;
		if (!(nmeta & (nmeta - 1))) { /* grow at powers of two */
			struct meta *n = ub_realloc(metas, (nmeta ? nmeta * 2 : 1) * sizeof(*n));

			if (!n) {
				err = -ENOMEM;
				break;
			}
			metas = n;
		}
		err = parse_fields(c, i, &metas[nmeta]);
		if (!err)
			nmeta++;
	}
	/* btf_check_and_fixup_fields: roots point at structs with records,
	 * and a struct both root and node owns no roots */
	for (i = 0; i < nmeta && !err; i++) {
		for (j = 0; j < metas[i].nroots && !err; j++) {
			uint32_t k, v = metas[i].root_value[j];

			for (k = 0; k < nmeta && metas[k].id != v; k++)
				;
			if (k == nmeta)
				err = -EFAULT;
			else if ((metas[i].mask & F_GRAPH_NODE) && (metas[k].mask & F_GRAPH_ROOT))
				err = -ELOOP;
		}
	}
	ub_free(metas);
	ub_free(aof);
	return err;
}

/* ==== Header and sections ==== */

static int check_sec_info(struct chk *c)
{
	struct {
		uint32_t off, len;
	} secs[2] = { { c->hdr.type_off, c->hdr.type_len }, { c->hdr.str_off, c->hdr.str_len } },
	  tmp;
	uint32_t total = 0, expected = c->data_size - c->hdr.hdr_len, i;
	int cmp;

	/* the kernel's sort of two entries by (int)(a.off - b.off), then
	 * (int)(a.len - b.len): in order only when the first compares less */
	cmp = (int)(secs[0].off - secs[1].off);
	if (!cmp)
		cmp = (int)(secs[0].len - secs[1].len);
	if (cmp >= 0) {
		tmp = secs[0];
		secs[0] = secs[1];
		secs[1] = tmp;
	}
	for (i = 0; i < 2; i++) {
		if (expected < secs[i].off) {
			blog(c, "Invalid section offset");
			return -EINVAL;
		}
		if (total < secs[i].off) {
			blog(c, "Unsupported section found");
			return -EINVAL;
		}
		if (total > secs[i].off) {
			blog(c, "Section overlap found");
			return -EINVAL;
		}
		if (expected - total < secs[i].len) {
			blog(c, "Total section length too long");
			return -EINVAL;
		}
		total += secs[i].len;
	}
	if (expected != total) {
		blog(c, "Unsupported section found");
		return -EINVAL;
	}
	return 0;
}

static int parse_hdr(struct chk *c)
{
	uint32_t hdr_len, i;
	uint8_t h[HDR_SIZE];

	if (c->data_size < 8) {
		blog(c, "hdr_len not found");
		return -EINVAL;
	}
	hdr_len = rd32(c->data + 4);
	if (c->data_size < hdr_len) {
		blog(c, "btf_header not found");
		return -EINVAL;
	}
	/* header bytes this version does not know must be zero */
	for (i = HDR_SIZE; i < hdr_len; i++) {
		if (c->data[i]) {
			blog(c, "Unsupported btf_header");
			return -E2BIG;
		}
	}
	memset(h, 0, sizeof(h));
	memcpy(h, c->data, hdr_len < HDR_SIZE ? hdr_len : HDR_SIZE);
	memcpy(&c->hdr.magic, h, 2);
	c->hdr.version = h[2];
	c->hdr.flags = h[3];
	c->hdr.hdr_len = rd32(h + 4);
	c->hdr.type_off = rd32(h + 8);
	c->hdr.type_len = rd32(h + 12);
	c->hdr.str_off = rd32(h + 16);
	c->hdr.str_len = rd32(h + 20);

	blog(c, "magic: 0x%x\n", c->hdr.magic);
	blog(c, "version: %u\n", c->hdr.version);
	blog(c, "flags: 0x%x\n", c->hdr.flags);
	blog(c, "hdr_len: %u\n", c->hdr.hdr_len);
	blog(c, "type_off: %u\n", c->hdr.type_off);
	blog(c, "type_len: %u\n", c->hdr.type_len);
	blog(c, "str_off: %u\n", c->hdr.str_off);
	blog(c, "str_len: %u\n", c->hdr.str_len);
	blog(c, "btf_total_size: %u\n", c->data_size);

	if (c->hdr.magic != BTF_MAGIC) {
		blog(c, "Invalid magic");
		return -EINVAL;
	}
	if (c->hdr.version != 1) {
		blog(c, "Unsupported version");
		return -ENOTSUPP;
	}
	if (c->hdr.flags) {
		blog(c, "Unsupported flags");
		return -ENOTSUPP;
	}
	if (c->data_size == c->hdr.hdr_len) {
		blog(c, "No data");
		return -EINVAL;
	}
	return check_sec_info(c);
}

static int parse_str_sec(struct chk *c)
{
	uint64_t start = (uint64_t)c->hdr.hdr_len + c->hdr.str_off;
	uint64_t end = start + c->hdr.str_len;

	if (end != c->data_size) {
		blog(c, "String section is not at the end");
		return -EINVAL;
	}
	c->strings = (const char *)c->data + start;
	if (!c->hdr.str_len || c->hdr.str_len - 1 > BTF_MAX_NAME_OFFSET || c->data[end - 1] ||
	    c->strings[0]) {
		blog(c, "Invalid string section");
		return -EINVAL;
	}
	return 0;
}

static int parse_type_sec(struct chk *c)
{
	int err;

	if (c->hdr.type_off & 3) {
		blog(c, "Unaligned type_off");
		return -EINVAL;
	}
	if (!c->hdr.type_len) {
		blog(c, "No type found");
		return -EINVAL;
	}
	c->types_sec = c->data + c->hdr.hdr_len + c->hdr.type_off;
	err = check_all_metas(c);
	if (err)
		return err;
	return check_all_types(c);
}

int ub_btf_check(const uint8_t *data, uint32_t size, struct ub_vlog *log)
{
	struct chk *c = ub_calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->data = data;
	c->data_size = size;
	c->log = log;
	c->phase = CHECK_META;
	err = parse_hdr(c);
	if (!err)
		err = parse_str_sec(c);
	if (!err)
		err = parse_type_sec(c);
	if (!err)
		err = check_type_tags(c);
	if (!err)
		err = parse_struct_metas(c);
	ub_free(c->types);
	ub_free(c->resolved_ids);
	ub_free(c->resolved_sizes);
	ub_free(c->visit);
	ub_free(c);
	return err;
}
