/* SPDX-License-Identifier: MIT */
/*
 * cmd_gen.c - "userbpf gen skeleton OBJ [--name NAME]": print a C header
 * that embeds a BPF object and wraps it in a struct of the same shape as
 * bpftool's skeleton (NAME__open, __open_opts, __load, __open_and_load,
 * __attach, __attach_opts, __detach, __destroy, __elf_bytes; skel->progs.x,
 * skel->maps.x, skel->links.x, skel->bss / ->data / ->rodata), but over
 * userbpf's own public API (userbpf/userbpf.h): for programs that embed
 * userbpf directly, with no libbpf and no interposition.
 *
 * The layouts of the global-data structs come from the object's BTF
 * DATASEC records, as bpftool's do: variables in offset order, explicit
 * "__padN" arrays for the gaps, const/volatile stripped, named structs,
 * unions and enums by name (include their definitions before the
 * skeleton), anonymous ones spelt out, integer typedefs by their integer
 * type.  Static variables are not exposed.  The generated header checks
 * every offset with _Static_assert.  Variable offsets are the ones the
 * loader assigns (userbpf_object__global()); types are read from the
 * object's .BTF section by a small reader of its own here.
 *
 * Programs whose section names a target the in-process probes can attach
 * (uprobe/PATH:FUNC, uretprobe/..., tp/syscalls/sys_enter_X, raw_tp/
 * sys_enter ...; userbpf_program__attachable() with a target) are attached
 * by NAME__attach(); bare ones are left to the application, as libbpf does.
 *
 * Exit status: 0, 1 the object cannot be read, 2 usage.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ==== A read-only view of the object's .BTF ==== */

#define BTF_MAGIC 0xeB9F

struct gtype {
	uint32_t kind;
	uint32_t vlen;
	bool kflag;
	uint32_t name_off;
	uint32_t size_type;   /* size, or the referenced type */
	const uint8_t *extra; /* kind-specific records after the header */
};

struct gbtf {
	const uint8_t *strs;
	uint32_t str_len;
	struct gtype *types; /* [0] is void */
	uint32_t cnt;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Bytes of kind-specific data after a type's 12-byte header (cli.h). */
int64_t cli_btf_extra_size(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case USERBPF_BTF_KIND_INT:
	case USERBPF_BTF_KIND_VAR:
	case USERBPF_BTF_KIND_DECL_TAG:
		return 4;
	case USERBPF_BTF_KIND_ARRAY:
		return 12;
	case USERBPF_BTF_KIND_STRUCT:
	case USERBPF_BTF_KIND_UNION:
	case USERBPF_BTF_KIND_DATASEC:
	case USERBPF_BTF_KIND_ENUM64:
		return 12ll * vlen;
	case USERBPF_BTF_KIND_ENUM:
	case USERBPF_BTF_KIND_FUNC_PROTO:
		return 8ll * vlen;
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
	default:
		return -1;
	}
}

/* The .BTF section of an ELF64 little-endian object, bounds-checked (cli.h). */
int cli_btf_section(const uint8_t *elf, size_t len, const uint8_t **sec, size_t *sec_len)
{
	uint64_t shoff;
	uint16_t shentsize, shnum, shstrndx, i;
	const uint8_t *shstr;

	if (len < 64 || memcmp(elf, "\177ELF", 4) || elf[4] != 2 || elf[5] != 1)
		return -ENOEXEC;
	shoff = rd64(elf + 40);
	shentsize = rd16(elf + 58);
	shnum = rd16(elf + 60);
	shstrndx = rd16(elf + 62);
	if (shentsize < 64 || shstrndx >= shnum || shoff > len ||
	    (uint64_t)shnum * shentsize > len - shoff)
		return -EINVAL;
	shstr = elf + shoff + (uint64_t)shstrndx * shentsize;
	for (i = 0; i < shnum; i++) {
		const uint8_t *sh = elf + shoff + (uint64_t)i * shentsize;
		uint64_t name = rd32(sh), off = rd64(sh + 24), size = rd64(sh + 32);
		uint64_t str_off = rd64(shstr + 24), str_size = rd64(shstr + 32);

		if (str_off > len || str_size > len - str_off || name >= str_size)
			return -EINVAL;
		if (strnlen((const char *)elf + str_off + name, str_size - name) != 4 ||
		    memcmp(elf + str_off + name, ".BTF", 4))
			continue;
		if (off > len || size > len - off)
			return -EINVAL;
		*sec = elf + off;
		*sec_len = size;
		return 0;
	}
	return -ENOENT;
}

static int btf_parse(struct gbtf *b, const uint8_t *data, size_t len)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len, cap = 64;
	const uint8_t *p, *end;

	if (len < 24 || rd16(data) != BTF_MAGIC)
		return -EINVAL;
	hdr_len = rd32(data + 4);
	type_off = rd32(data + 8);
	type_len = rd32(data + 12);
	str_off = rd32(data + 16);
	str_len = rd32(data + 20);
	if (hdr_len < 24 || hdr_len > len || (uint64_t)type_off + type_len > len - hdr_len ||
	    (uint64_t)str_off + str_len > len - hdr_len || !str_len)
		return -EINVAL;
	b->strs = data + hdr_len + str_off;
	b->str_len = str_len;
	if (b->strs[str_len - 1])
		return -EINVAL;
	b->types = calloc(cap, sizeof(*b->types));
	if (!b->types)
		return -ENOMEM;
	b->cnt = 1;
	p = data + hdr_len + type_off;
	end = p + type_len;
	while (p < end) {
		struct gtype *t;
		uint32_t info;
		int64_t ext;

		if (end - p < 12)
			return -EINVAL;
		if (b->cnt == cap) {
			struct gtype *n = realloc(b->types, 2 * cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			b->types = n;
			cap *= 2;
		}
		t = &b->types[b->cnt++];
		info = rd32(p + 4);
		t->name_off = rd32(p);
		t->vlen = info & 0xffff;
		t->kind = (info >> 24) & 0x1f;
		t->kflag = info >> 31;
		t->size_type = rd32(p + 8);
		t->extra = p + 12;
		ext = cli_btf_extra_size(t->kind, t->vlen);
		if (ext < 0 || ext > end - p - 12)
			return -EINVAL;
		p += 12 + ext;
	}
	return 0;
}

static const char *bname(const struct gbtf *b, uint32_t off)
{
	return off < b->str_len ? (const char *)b->strs + off : "";
}

static const struct gtype *btype(const struct gbtf *b, uint32_t id)
{
	return id && id < b->cnt ? &b->types[id] : NULL;
}

/* Skip const/volatile/restrict/type tags. */
static uint32_t skip_mods(const struct gbtf *b, uint32_t id)
{
	const struct gtype *t;
	int depth = 0;

	while ((t = btype(b, id)) && depth++ < 64 &&
	       (t->kind == USERBPF_BTF_KIND_CONST || t->kind == USERBPF_BTF_KIND_VOLATILE ||
		t->kind == USERBPF_BTF_KIND_RESTRICT || t->kind == USERBPF_BTF_KIND_TYPE_TAG))
		id = t->size_type;
	return id;
}

/* Skip modifiers and typedefs. */
static uint32_t skip_typedefs(const struct gbtf *b, uint32_t id)
{
	const struct gtype *t;
	int depth = 0;

	for (;;) {
		id = skip_mods(b, id);
		t = btype(b, id);
		if (!t || t->kind != USERBPF_BTF_KIND_TYPEDEF || depth++ > 64)
			return id;
		id = t->size_type;
	}
}

/* ==== C declarations from BTF ==== */

struct out {
	char *buf;
	size_t len, cap;
	int err;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt,
			      ap);
		va_end(ap);
		if (n < 0) {
			o->err = -EINVAL;
			return;
		}
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		{
			size_t cap = (o->cap + (size_t)n + 1) * 2;
			char *nb = realloc(o->buf, cap);

			if (!nb) {
				o->err = -ENOMEM;
				return;
			}
			o->buf = nb;
			o->cap = cap;
		}
	}
}

static void indent(struct out *o, int level)
{
	while (level-- > 0)
		outf(o, "\t");
}

static int emit_decl(struct out *o, const struct gbtf *b, uint32_t id, const char *declarator,
		     int level, int depth);

/* An anonymous struct/union/enum written out inline. */
static int emit_body(struct out *o, const struct gbtf *b, const struct gtype *t, int level,
		     int depth)
{
	uint32_t i;

	if (t->kind == USERBPF_BTF_KIND_ENUM || t->kind == USERBPF_BTF_KIND_ENUM64) {
		outf(o, "{\n");
		for (i = 0; i < t->vlen; i++) {
			const uint8_t *e =
				t->extra + (t->kind == USERBPF_BTF_KIND_ENUM ? 8 : 12) * i;
			long long v =
				t->kind == USERBPF_BTF_KIND_ENUM ?
					(t->kflag ? (long long)rd32(e + 4) :
						    (long long)(int32_t)rd32(e + 4)) :
					(long long)((uint64_t)rd32(e + 8) << 32 | rd32(e + 4));

			indent(o, level + 1);
			outf(o, "%s = %lld,\n", bname(b, rd32(e)), v);
		}
		indent(o, level);
		outf(o, "}");
		return 0;
	}
	outf(o, "{\n");
	for (i = 0; i < t->vlen; i++) {
		const uint8_t *m = t->extra + 12 * i;
		uint32_t off = rd32(m + 8);
		uint32_t bits = t->kflag ? off >> 24 : 0;
		int err;

		indent(o, level + 1);
		err = emit_decl(o, b, rd32(m + 4), bname(b, rd32(m)), level + 1, depth + 1);
		if (err)
			return err;
		if (bits)
			outf(o, ": %u", bits);
		outf(o, ";\n");
	}
	indent(o, level);
	outf(o, "}");
	return 0;
}

/*
 * Write "TYPE DECLARATOR" for type id (modifiers stripped).  The
 * declarator grows inside out: arrays append "[n]", pointers prepend
 * "*", parenthesised when an array or function follows.
 */
static int emit_decl(struct out *o, const struct gbtf *b, uint32_t id, const char *declarator,
		     int level, int depth)
{
	const struct gtype *t;
	char *d = NULL;
	int err = 0;

	if (depth > 32)
		return -ELOOP;
	id = skip_mods(b, id);
	t = btype(b, id);
	if (!t) {
		outf(o, "void %s", declarator);
		return id ? -EINVAL : 0;
	}
	switch (t->kind) {
	case USERBPF_BTF_KIND_INT:
	case USERBPF_BTF_KIND_FLOAT:
		outf(o, "%s %s", bname(b, t->name_off), declarator);
		return 0;
	case USERBPF_BTF_KIND_TYPEDEF: {
		const struct gtype *r = btype(b, skip_typedefs(b, id));

		/* integer typedefs (__u64, pid_t) by their integer type: the
		 * header then needs no kernel headers */
		if (r && (r->kind == USERBPF_BTF_KIND_INT || r->kind == USERBPF_BTF_KIND_FLOAT))
			outf(o, "%s %s", bname(b, r->name_off), declarator);
		else
			outf(o, "%s %s", bname(b, t->name_off), declarator);
		return 0;
	}
	case USERBPF_BTF_KIND_STRUCT:
	case USERBPF_BTF_KIND_UNION:
	case USERBPF_BTF_KIND_ENUM:
	case USERBPF_BTF_KIND_ENUM64:
	case USERBPF_BTF_KIND_FWD: {
		const char *kw = t->kind == USERBPF_BTF_KIND_UNION ||
						 (t->kind == USERBPF_BTF_KIND_FWD && t->kflag) ?
					 "union" :
				 t->kind == USERBPF_BTF_KIND_STRUCT ||
						 t->kind == USERBPF_BTF_KIND_FWD ?
					 "struct" :
					 "enum";
		const char *name = bname(b, t->name_off);

		if (name[0]) {
			outf(o, "%s %s %s", kw, name, declarator);
			return 0;
		}
		if (t->kind == USERBPF_BTF_KIND_FWD)
			return -EINVAL;
		outf(o, "%s ", kw);
		err = emit_body(o, b, t, level, depth);
		outf(o, " %s", declarator);
		return err;
	}
	case USERBPF_BTF_KIND_PTR: {
		const struct gtype *target = btype(b, skip_mods(b, t->size_type));
		bool paren = target && (target->kind == USERBPF_BTF_KIND_ARRAY ||
					target->kind == USERBPF_BTF_KIND_FUNC_PROTO);

		if (asprintf(&d, paren ? "(*%s)" : "*%s", declarator) < 0)
			return -ENOMEM;
		err = emit_decl(o, b, t->size_type, d, level, depth + 1);
		break;
	}
	case USERBPF_BTF_KIND_ARRAY:
		if (asprintf(&d, "%s[%u]", declarator, rd32(t->extra + 8)) < 0)
			return -ENOMEM;
		err = emit_decl(o, b, rd32(t->extra), d, level, depth + 1);
		break;
	case USERBPF_BTF_KIND_FUNC_PROTO: {
		struct out args = { 0 };
		uint32_t i;

		outf(&args, "%s(", declarator);
		for (i = 0; i < t->vlen && !err; i++) {
			uint32_t at = rd32(t->extra + 8 * i + 4);

			if (i)
				outf(&args, ", ");
			if (!at && i + 1 == t->vlen)
				outf(&args, "...");
			else
				err = emit_decl(&args, b, at, "", level, depth + 1);
		}
		outf(&args, t->vlen ? ")" : "void)");
		if (!err && !args.err)
			err = emit_decl(o, b, t->size_type, args.buf, level, depth + 1);
		free(args.buf);
		return err ?: args.err;
	}
	default:
		return -EINVAL;
	}
	free(d);
	return err;
}

/* ==== The skeleton ==== */

struct gen {
	const char *name; /* C identifier prefix */
	struct userbpf_object *obj;
	struct gbtf btf;
	bool have_btf;
	struct out o;
};

/* bpftool's identifier for a map: its name, or for global data the
 * section without its dot, '.' and other non-identifier characters as '_'. */
static void map_ident(const struct userbpf_object_map *map, char *buf, size_t sz)
{
	struct userbpf_map_def def;
	const char *src = userbpf_object_map__name(map);
	size_t i;

	if (!userbpf_object_map__def(map, &def) && def.kind >= USERBPF_OBJECT_MAP_DATA) {
		src = userbpf_object_map__section_name(map);
		if (src[0] == '.')
			src++;
	}
	for (i = 0; src[i] && i + 1 < sz; i++)
		buf[i] = isalnum((unsigned char)src[i]) ? src[i] : '_';
	buf[i] = '\0';
}

static bool is_data_map(const struct userbpf_object_map *map)
{
	struct userbpf_map_def def;

	return !userbpf_object_map__def(map, &def) && def.kind >= USERBPF_OBJECT_MAP_DATA &&
	       def.kind <= USERBPF_OBJECT_MAP_BSS;
}

/* The DATASEC of a global-data map, or NULL without BTF or variables. */
static const struct gtype *map_datasec(const struct gen *g, const struct userbpf_object_map *map)
{
	const char *sec = userbpf_object_map__section_name(map);
	uint32_t i;

	if (!g->have_btf)
		return NULL;
	for (i = 1; i < g->btf.cnt; i++) {
		const struct gtype *t = &g->btf.types[i];

		if (t->kind == USERBPF_BTF_KIND_DATASEC && t->vlen &&
		    !strcmp(bname(&g->btf, t->name_off), sec))
			return t;
	}
	return NULL;
}

struct var {
	const char *name;
	uint32_t type;
	uint64_t offset, size;
};

static int cmp_var(const void *a, const void *b)
{
	const struct var *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * The exposed (non-static) variables of a global-data map, in offset
 * order, with the offsets the loader gave them.  *cnt 0: nothing to
 * expose.
 */
static int datasec_vars(struct gen *g, struct userbpf_object_map *map, struct var **out,
			size_t *cnt)
{
	const struct gtype *ds = map_datasec(g, map);
	size_t n = 0, data_size = 0;
	uint8_t *base;
	struct var *v;
	uint32_t i;

	*out = NULL;
	*cnt = 0;
	if (!ds)
		return 0;
	base = userbpf_object_map__initial_value(map, &data_size);
	v = calloc(ds->vlen, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < ds->vlen; i++) {
		const struct gtype *var = btype(&g->btf, rd32(ds->extra + 12 * i));
		const char *name;
		size_t size;
		uint8_t *p;

		if (!var || var->kind != USERBPF_BTF_KIND_VAR)
			continue;
		if (rd32(var->extra) == 0 /* BTF_VAR_STATIC */)
			continue;
		name = bname(&g->btf, var->name_off);
		p = userbpf_object__global(g->obj, name, &size, NULL);
		if (!p || !base || p < base || (size_t)(p - base) + size > data_size) {
			free(v);
			fprintf(stderr,
				"%s: gen skeleton: variable '%s' of %s not found in its "
				"section\n",
				cli_prog_name, name, userbpf_object_map__section_name(map));
			return -EINVAL;
		}
		v[n].name = name;
		v[n].type = var->size_type;
		v[n].offset = (uint64_t)(p - base);
		v[n].size = size;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_var);
	*out = v;
	*cnt = n;
	return 0;
}

static int emit_datasec_struct(struct gen *g, struct userbpf_object_map *map, const char *ident)
{
	struct var *v;
	size_t n, i, pad = 0;
	uint64_t off = 0;
	int err = datasec_vars(g, map, &v, &n);

	if (err || !n) {
		free(v);
		return err;
	}
	outf(&g->o, "\tstruct %s__%s {\n", g->name, ident);
	for (i = 0; i < n && !err; i++) {
		if (v[i].offset > off)
			outf(&g->o, "\t\tchar __pad%zu[%llu];\n", pad++,
			     (unsigned long long)(v[i].offset - off));
		outf(&g->o, "\t\t");
		err = emit_decl(&g->o, &g->btf, v[i].type, v[i].name, 2, 0);
		outf(&g->o, ";\n");
		if (v[i].offset + v[i].size > off)
			off = v[i].offset + v[i].size;
	}
	outf(&g->o, "\t} *%s;\n", ident);
	free(v);
	if (err)
		fprintf(stderr,
			"%s: gen skeleton: cannot write a C type for a variable of %s: %s\n",
			cli_prog_name, userbpf_object_map__section_name(map), strerror(-err));
	return err;
}

/* _Static_asserts on every variable's offset and size. */
static int emit_asserts(struct gen *g)
{
	struct userbpf_object_map *map = NULL;
	char ident[128];

	outf(&g->o, "static inline void\n%s__assert(struct %s *s __attribute__((unused)))\n{\n",
	     g->name, g->name);
	outf(&g->o, "#ifdef __cplusplus\n#define _Static_assert static_assert\n#endif\n");
	while ((map = userbpf_object__next_map(g->obj, map))) {
		struct var *v;
		size_t n, i;
		int err;

		if (!is_data_map(map))
			continue;
		err = datasec_vars(g, map, &v, &n);
		if (err)
			return err;
		map_ident(map, ident, sizeof(ident));
		for (i = 0; i < n; i++) {
			outf(&g->o,
			     "\t_Static_assert(sizeof(s->%s->%s) == %llu, "
			     "\"unexpected size of '%s'\");\n",
			     ident, v[i].name, (unsigned long long)v[i].size, v[i].name);
			outf(&g->o,
			     "\t_Static_assert(offsetof(struct %s__%s, %s) == %llu, "
			     "\"unexpected offset of '%s'\");\n",
			     g->name, ident, v[i].name, (unsigned long long)v[i].offset, v[i].name);
		}
		free(v);
	}
	outf(&g->o, "#ifdef __cplusplus\n#undef _Static_assert\n#endif\n}\n\n");
	return 0;
}

/* Whether __attach() attaches prog: a probe section naming its target. */
static bool auto_attach(const struct userbpf_program *prog)
{
	return userbpf_program__attachable(prog) && userbpf_program__attach_target(prog)[0];
}

static void emit_elf_bytes(struct gen *g, const uint8_t *elf, size_t len)
{
	size_t i;

	outf(&g->o, "static inline const void *\n%s__elf_bytes(size_t *sz)\n{\n", g->name);
	outf(&g->o, "\tstatic const char data[] __attribute__((__aligned__(8))) =\n");
	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			outf(&g->o, "\t\t\"");
		outf(&g->o, "\\x%02x", elf[i]);
		if (i % 16 == 15 || i + 1 == len)
			outf(&g->o, "\"%s\n", i + 1 == len ? ";" : "");
	}
	if (!len)
		outf(&g->o, "\t\t\"\";\n");
	outf(&g->o, "\n\t*sz = sizeof(data) - 1;\n\treturn (const void *)data;\n}\n\n");
}

static int generate(struct gen *g, const uint8_t *elf, size_t len)
{
	struct userbpf_object_map *map = NULL;
	struct userbpf_program *prog = NULL;
	char ident[128], guard[160];
	const char *N = g->name;
	size_t i;
	int err;

	for (i = 0; N[i] && i + 1 < sizeof(guard); i++)
		guard[i] = (char)toupper((unsigned char)N[i]);
	guard[i] = '\0';

	outf(&g->o,
	     "/* SPDX-License-Identifier: MIT */\n\n"
	     "/* THIS FILE IS AUTOGENERATED BY userbpf gen skeleton! */\n"
	     "/*\n * Skeleton of %s over userbpf's own API (no libbpf).  Build with\n"
	     " * `pkg-config --cflags --libs userbpf`.  Include the definitions of the\n"
	     " * named types its global variables use before this header.\n */\n",
	     userbpf_object__name(g->obj));
	outf(&g->o, "#ifndef __%s_USERBPF_SKEL_H__\n#define __%s_USERBPF_SKEL_H__\n\n", guard,
	     guard);
	outf(&g->o, "#include <errno.h>\n#include <stddef.h>\n#include <stdlib.h>\n"
		    "#include <string.h>\n#include <userbpf/userbpf.h>\n\n");

	/* struct N */
	outf(&g->o, "struct %s {\n\tstruct userbpf_object *obj;\n\tstruct {\n", N);
	while ((map = userbpf_object__next_map(g->obj, map))) {
		map_ident(map, ident, sizeof(ident));
		outf(&g->o, "\t\tstruct userbpf_object_map *%s;\n", ident);
	}
	outf(&g->o, "\t} maps;\n\tstruct {\n");
	while ((prog = userbpf_object__next_program(g->obj, prog)))
		outf(&g->o, "\t\tstruct userbpf_program *%s;\n", userbpf_program__name(prog));
	outf(&g->o, "\t} progs;\n\tstruct {\n");
	while ((prog = userbpf_object__next_program(g->obj, prog)))
		outf(&g->o, "\t\tstruct userbpf_link *%s;\n", userbpf_program__name(prog));
	outf(&g->o, "\t} links;\n");
	while ((map = userbpf_object__next_map(g->obj, map))) {
		if (!is_data_map(map))
			continue;
		map_ident(map, ident, sizeof(ident));
		err = emit_datasec_struct(g, map, ident);
		if (err)
			return err;
	}
	outf(&g->o, "};\n\n");

	emit_elf_bytes(g, elf, len);

	/* __destroy, __detach */
	outf(&g->o, "static inline void\n%s__detach(struct %s *s)\n{\n", N, N);
	while ((prog = userbpf_object__next_program(g->obj, prog))) {
		const char *p = userbpf_program__name(prog);

		outf(&g->o, "\tuserbpf_link__destroy(s->links.%s);\n\ts->links.%s = NULL;\n", p, p);
	}
	outf(&g->o, "}\n\n");
	outf(&g->o,
	     "static inline void\n%s__destroy(struct %s *s)\n{\n"
	     "\tif (!s)\n\t\treturn;\n\t%s__detach(s);\n\tuserbpf_object__close(s->obj);\n"
	     "\tfree(s);\n}\n\n",
	     N, N, N);

	/* global-data pointers: the initial values before load, the live
	 * memory after */
	outf(&g->o,
	     "static inline int\n%s__map_data(struct %s *s)\n{\n"
	     "\tsize_t sz __attribute__((unused));\n\n",
	     N, N);
	while ((map = userbpf_object__next_map(g->obj, map))) {
		struct var *v;
		uint64_t need = 0;
		size_t n, k;

		if (!is_data_map(map))
			continue;
		err = datasec_vars(g, map, &v, &n);
		if (err)
			return err;
		for (k = 0; k < n; k++)
			if (v[k].offset + v[k].size > need)
				need = v[k].offset + v[k].size;
		free(v);
		if (!n)
			continue;
		map_ident(map, ident, sizeof(ident));
		outf(&g->o,
		     "\ts->%s = (struct %s__%s *)userbpf_object_map__initial_value("
		     "s->maps.%s, &sz);\n\tif (!s->%s || sz < %llu)\n\t\treturn -EINVAL;\n",
		     ident, N, ident, ident, ident, (unsigned long long)need);
	}
	outf(&g->o, "\treturn 0;\n}\n\n");

	/* __open_opts, __open */
	outf(&g->o,
	     "static inline struct %s *\n%s__open_opts(const struct "
	     "userbpf_object_open_opts *opts)\n{\n",
	     N, N);
	outf(&g->o,
	     "\tstruct userbpf_object_open_opts o;\n\tstruct %s *s;\n\tconst void *elf;\n"
	     "\tsize_t sz;\n\tint err = -ENOENT;\n\n",
	     N);
	outf(&g->o,
	     "\tmemset(&o, 0, sizeof(o));\n\tif (opts)\n\t\tmemcpy(&o, opts, opts->sz < "
	     "sizeof(o) ? opts->sz : sizeof(o));\n\to.sz = sizeof(o);\n"
	     "\tif (!o.object_name)\n\t\to.object_name = \"%s\";\n",
	     userbpf_object__name(g->obj));
	outf(&g->o,
	     "\ts = (struct %s *)calloc(1, sizeof(*s));\n\tif (!s) {\n"
	     "\t\terrno = ENOMEM;\n\t\treturn NULL;\n\t}\n\telf = %s__elf_bytes(&sz);\n"
	     "\ts->obj = userbpf_object__open_mem(elf, sz, &o);\n\tif (!s->obj) {\n"
	     "\t\terr = -errno;\n\t\tgoto err_out;\n\t}\n",
	     N, N);
	while ((map = userbpf_object__next_map(g->obj, map))) {
		const char *lookup = userbpf_object_map__name(map);

		map_ident(map, ident, sizeof(ident));
		if (is_data_map(map))
			lookup = userbpf_object_map__section_name(map);
		outf(&g->o,
		     "\ts->maps.%s = userbpf_object__find_map_by_name(s->obj, \"%s\");\n"
		     "\tif (!s->maps.%s)\n\t\tgoto err_out;\n",
		     ident, lookup, ident);
	}
	while ((prog = userbpf_object__next_program(g->obj, prog))) {
		const char *p = userbpf_program__name(prog);

		outf(&g->o,
		     "\ts->progs.%s = userbpf_object__find_program_by_name(s->obj, \"%s\");\n"
		     "\tif (!s->progs.%s)\n\t\tgoto err_out;\n",
		     p, p, p);
	}
	outf(&g->o,
	     "\terr = %s__map_data(s);\n\tif (err)\n\t\tgoto err_out;\n\treturn s;\n"
	     "err_out:\n\t%s__destroy(s);\n\terrno = -err;\n\treturn NULL;\n}\n\n",
	     N, N);
	outf(&g->o,
	     "static inline struct %s *\n%s__open(void)\n{\n"
	     "\treturn %s__open_opts(NULL);\n}\n\n",
	     N, N, N);

	/* __load, __open_and_load */
	outf(&g->o,
	     "static inline int\n%s__load(struct %s *s)\n{\n"
	     "\tint err = userbpf_object__load(s->obj);\n\n"
	     "\tif (!err)\n\t\terr = %s__map_data(s);\n\tif (err)\n\t\terrno = -err;\n"
	     "\treturn err;\n}\n\n",
	     N, N, N);
	outf(&g->o,
	     "static inline struct %s *\n%s__open_and_load(void)\n{\n"
	     "\tstruct %s *s = %s__open();\n\tint err;\n\n\tif (!s)\n\t\treturn NULL;\n"
	     "\terr = %s__load(s);\n\tif (err) {\n\t\t%s__destroy(s);\n\t\terrno = -err;\n"
	     "\t\treturn NULL;\n\t}\n\treturn s;\n}\n\n",
	     N, N, N, N, N, N);

	/* __attach_opts, __attach */
	outf(&g->o,
	     "static inline int\n%s__attach_opts(struct %s *s, "
	     "const struct userbpf_attach_opts *opts)\n{\n",
	     N, N);
	outf(&g->o,
	     "\tstruct userbpf_attach_opts o;\n\n\tmemset(&o, 0, sizeof(o));\n"
	     "\tif (opts)\n\t\tmemcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));\n"
	     "\to.sz = sizeof(o);\n\to.target = NULL;\n\t(void)s;\n\t(void)o;\n");
	while ((prog = userbpf_object__next_program(g->obj, prog))) {
		const char *p = userbpf_program__name(prog);

		if (!auto_attach(prog)) {
			outf(&g->o,
			     "\t/* %s: section \"%s\" names no target: attach it yourself */\n", p,
			     userbpf_program__section_name(prog));
			continue;
		}
		outf(&g->o,
		     "\tif (!s->links.%s && userbpf_program__prog(s->progs.%s)) {\n"
		     "\t\ts->links.%s = userbpf_program__attach_opts(s->progs.%s, &o);\n"
		     "\t\tif (!s->links.%s)\n\t\t\treturn -errno;\n\t}\n",
		     p, p, p, p, p);
	}
	outf(&g->o, "\treturn 0;\n}\n\n");
	outf(&g->o,
	     "static inline int\n%s__attach(struct %s *s)\n{\n"
	     "\treturn %s__attach_opts(s, NULL);\n}\n\n",
	     N, N, N);

	err = emit_asserts(g);
	if (err)
		return err;
	outf(&g->o, "#endif /* __%s_USERBPF_SKEL_H__ */\n", guard);
	return g->o.err;
}

/* bpftool's default name: the file name without directories and ".o",
 * other non-identifier characters as '_'. */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len, i;
	char *n;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 2 && !strcmp(base + len - 2, ".o"))
		len -= 2;
	n = strndup(base, len);
	if (!n)
		return NULL;
	for (i = 0; n[i]; i++)
		if (!isalnum((unsigned char)n[i]))
			n[i] = '_';
	return n;
}

static bool is_ident(const char *s)
{
	size_t i;

	if (!s[0] || isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static const char gen_usage[] =
	"usage: userbpf gen skeleton OBJ [--name NAME]\n"
	"Print a C header embedding the BPF object OBJ with bpftool's skeleton\n"
	"shape (NAME__open, __load, __open_and_load, __attach, __detach, __destroy;\n"
	"skel->progs.X, skel->maps.X, skel->links.X, skel->bss/data/rodata) over\n"
	"userbpf's own API, for programs linked with libuserbpf (no libbpf).\n"
	"NAME defaults to the file name without \".o\" (x.bpf.o -> x_bpf).\n";

int cli_cmd_gen(int argc, char **argv)
{
	const char *path = NULL, *name = NULL;
	struct gen g;
	const uint8_t *btf_sec;
	size_t len, btf_len;
	uint8_t *elf;
	char *def_name = NULL, *obj_name;
	char err_buf[256] = "";
	int i, err;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(gen_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "skeleton"))
		cli_die(2, "gen: unknown subcommand '%s' (see gen --help)", argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(gen_usage, stdout);
			return 0;
		} else if ((!strcmp(argv[i], "--name") || !strcmp(argv[i], "name")) &&
			   i + 1 < argc) {
			name = argv[++i];
		} else if (argv[i][0] == '-') {
			cli_die(2, "gen skeleton: unknown option '%s' (see gen --help)", argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			cli_die(2, "gen skeleton: too many arguments (see gen --help)");
		}
	}
	if (!path)
		cli_die(2, "gen skeleton: no object file given (see gen --help)");
	if (!name) {
		def_name = default_name(path);
		name = def_name;
	}
	if (!name || !is_ident(name))
		cli_die(2, "gen skeleton: '%s' is not a C identifier (use --name)",
			name ? name : path);

	err = cli_read_file(path, &elf, &len);
	if (err)
		cli_die(1, "gen skeleton: cannot read %s: %s", path, strerror(-err));
	memset(&g, 0, sizeof(g));
	g.name = name;
	obj_name = strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	if (!obj_name)
		cli_die(1, "gen skeleton: out of memory");
	obj_name[strcspn(obj_name, ".")] = '\0';
	{
		/* the object's name as userbpf_object__open_file() gives it:
		 * the file name up to its first '.' */
		USERBPF_OPTS(userbpf_object_open_opts, oo, .object_name = obj_name,
			     .err_buf = err_buf, .err_buf_sz = sizeof(err_buf));

		g.obj = userbpf_object__open_mem(elf, len, &oo);
	}
	if (!g.obj)
		cli_die(1, "gen skeleton: %s: %s", path, err_buf[0] ? err_buf : strerror(errno));
	err = cli_btf_section(elf, len, &btf_sec, &btf_len);
	if (!err) {
		err = btf_parse(&g.btf, btf_sec, btf_len);
		if (err)
			cli_die(1, "gen skeleton: %s: malformed .BTF section", path);
		g.have_btf = true;
	}
	err = generate(&g, elf, len);
	if (!err && fwrite(g.o.buf, 1, g.o.len, stdout) != g.o.len)
		err = -EIO;
	userbpf_object__close(g.obj);
	free(g.btf.types);
	free(g.o.buf);
	free(elf);
	free(def_name);
	free(obj_name);
	if (err)
		cli_die(1, "gen skeleton: %s: %s", path, strerror(-err));
	return 0;
}
