/* SPDX-License-Identifier: MIT */
/*
 * kconfig.c - `extern ... __kconfig` variables (libbpf's .kconfig map):
 * LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER
 * (used by BPF_KSYSCALL and usdt.bpf.h) and CONFIG_* values.
 *
 * Owns: finding the externs (undefined symbols with a VAR in the
 * ".kconfig" DATASEC), their kinds (bool, char, tristate, integer, char
 * array, as libbpf classifies them), their layout in one read-only
 * array map "<obj>.kconfig", and filling it at load from: the open
 * option `kconfig` (text in Kconfig syntax, which wins), then
 * /boot/config-<release>; the virtual LINUX_* values come from uname.
 * A missing value is an error unless the extern is __weak (then 0).
 *
 * Does not own: .ksyms externs (kernel symbols and kfuncs have no user
 * space meaning: relocations against them fail), lddw rewriting (relo.c).
 * /proc/config.gz is not read (it would need zlib).
 */
#include "util/ubc.h"
#if __STDC_HOSTED__
#include <sys/utsname.h>
#else
/* The freestanding core knows no kernel release: LINUX_KERNEL_VERSION is
 * 0 and no /boot/config is read (the 'kconfig' open option still works). */
struct utsname {
	char release[65];
};
static inline int uname(struct utsname *u)
{
	u->release[0] = '\0';
	return 0;
}
#define sscanf(s, ...) ((void)(s), 0)
#endif

#include "loader_int.h"
#include "util/alloc.h"
#include "util/log.h"

enum kcfg_type { KCFG_BOOL, KCFG_CHAR, KCFG_TRISTATE, KCFG_INT, KCFG_CHAR_ARR };

/* libbpf's find_kcfg_type(). Returns -1 for an unsupported type. */
static int kcfg_type(const struct userbpf_btf *btf, uint32_t id, bool *is_signed)
{
	const struct ub_btf_type *t = ub_btf_skip_mods_typedefs(btf, id, NULL);
	const char *name;

	*is_signed = false;
	if (!t)
		return -1;
	name = ub_btf_type_name(btf, t);
	switch (ub_btf_kind(t)) {
	case USERBPF_BTF_KIND_INT: {
		uint32_t enc = ub_btf_int_encoding(t);

		if (t->size_type == 1 && (enc & UB_BTF_INT_BOOL))
			return KCFG_BOOL;
		if (t->size_type == 1 && (enc & UB_BTF_INT_CHAR))
			return KCFG_CHAR;
		if (t->size_type != 1 && t->size_type != 2 && t->size_type != 4 &&
		    t->size_type != 8)
			return -1;
		*is_signed = enc & UB_BTF_INT_SIGNED;
		return KCFG_INT;
	}
	case USERBPF_BTF_KIND_ENUM:
		return t->size_type == 4 && !strcmp(name, "libbpf_tristate") ? KCFG_TRISTATE : -1;
	case USERBPF_BTF_KIND_ARRAY: {
		const struct ub_btf_type *e =
			ub_btf_skip_mods_typedefs(btf, ub_btf_array(t)->type, NULL);

		if (!e || ub_btf_kind(e) != USERBPF_BTF_KIND_INT || e->size_type != 1 ||
		    !ub_btf_array(t)->nelems)
			return -1;
		return KCFG_CHAR_ARR;
	}
	default:
		return -1;
	}
}

static const struct ub_btf_type *kconfig_datasec(const struct userbpf_btf *btf)
{
	int64_t id = ub_btf_find_by_name_kind(btf, ".kconfig", USERBPF_BTF_KIND_DATASEC);

	return id < 0 ? NULL : ub_btf_type_by_id(btf, (uint32_t)id);
}

int ub_obj_collect_externs(struct userbpf_object *obj)
{
	const struct ub_btf_type *sec;
	const struct ub_btf_var_secinfo *vsi;
	size_t i, n = 0;
	uint64_t off = 0;

	if (!obj->btf || !(sec = kconfig_datasec(obj->btf)))
		return 0;
	vsi = ub_btf_extra(sec);
	for (i = 0; i < obj->elf.sym_cnt; i++) {
		const Elf64_Sym *sym = &obj->elf.syms[i];

		n += sym->st_shndx == SHN_UNDEF && (ELF64_ST_BIND(sym->st_info) == STB_GLOBAL ||
						    ELF64_ST_BIND(sym->st_info) == STB_WEAK);
	}
	obj->externs = ub_calloc(n ? n : 1, sizeof(*obj->externs));
	if (!obj->externs)
		return -ENOMEM;
	for (i = 0; i < obj->elf.sym_cnt; i++) {
		const Elf64_Sym *sym = &obj->elf.syms[i];
		const char *name = ub_elf_sym_name(&obj->elf, sym);
		struct ub_extern *ext;
		uint32_t v;
		int64_t size;
		bool found = false;

		if (sym->st_shndx != SHN_UNDEF || !name || !name[0] ||
		    (ELF64_ST_BIND(sym->st_info) != STB_GLOBAL &&
		     ELF64_ST_BIND(sym->st_info) != STB_WEAK))
			continue;
		ext = &obj->externs[obj->extern_cnt];
		for (v = 0; v < ub_btf_vlen(sec) && !found; v++) {
			const struct ub_btf_type *var = ub_btf_type_by_id(obj->btf, vsi[v].type);

			if (ub_btf_kind(var) != USERBPF_BTF_KIND_VAR ||
			    strcmp(ub_btf_type_name(obj->btf, var), name))
				continue;
			found = true;
			ext->type_id = var->size_type;
		}
		if (!found)
			continue; /* .ksyms or unknown: relocations will say */
		ext->name = name;
		ext->sym_idx = i;
		ext->weak = ELF64_ST_BIND(sym->st_info) == STB_WEAK;
		ext->type = kcfg_type(obj->btf, ext->type_id, &ext->is_signed);
		size = ub_btf_resolve_size(obj->btf, ext->type_id);
		if (ext->type < 0 || size <= 0 || size > 4096)
			return obj_err(obj, -ENOTSUP,
				       "sec '.kconfig': extern '%s' has "
				       "an unsupported type",
				       name);
		if (strncmp(name, "CONFIG_", 7) && strcmp(name, "LINUX_KERNEL_VERSION") &&
		    strcmp(name, "LINUX_HAS_BPF_COOKIE") &&
		    strcmp(name, "LINUX_HAS_SYSCALL_WRAPPER"))
			return obj_err(obj, -EINVAL,
				       "sec '.kconfig': unrecognized "
				       "extern '%s'",
				       name);
		ext->size = (uint32_t)size;
		/* natural alignment of the scalar, bytes for char arrays */
		if (ext->type != KCFG_CHAR_ARR)
			off = (off + ext->size - 1) / ext->size * ext->size;
		ext->off = off;
		off += ext->size;
		obj->extern_cnt++;
	}
	obj->kconfig_size = off;
	return 0;
}

const struct ub_extern *ub_obj_find_extern(const struct userbpf_object *obj, size_t sym_idx)
{
	size_t i;

	for (i = 0; i < obj->extern_cnt; i++)
		if (obj->externs[i].sym_idx == sym_idx)
			return &obj->externs[i];
	return NULL;
}

/* ==== Values ==== */

static int set_value(struct userbpf_object *obj, const struct ub_extern *ext, uint8_t *data,
		     const char *value)
{
	uint8_t *dst = data + ext->off;

	switch (ext->type) {
	case KCFG_BOOL:
	case KCFG_TRISTATE:
	case KCFG_CHAR: {
		int v;

		if (!strcmp(value, "y"))
			v = ext->type == KCFG_CHAR ? 'y' : 1;
		else if (!strcmp(value, "n"))
			v = ext->type == KCFG_CHAR ? 'n' : 0;
		else if (!strcmp(value, "m") && ext->type != KCFG_BOOL)
			v = ext->type == KCFG_CHAR ? 'm' : 2;
		else
			return obj_err(obj, -EINVAL,
				       "extern (kcfg) '%s': value '%s' "
				       "is not y/n%s",
				       ext->name, value, ext->type == KCFG_BOOL ? "" : "/m");
		if (ext->type == KCFG_TRISTATE)
			memcpy(dst, &v, 4);
		else
			*dst = (uint8_t)v;
		return 0;
	}
	case KCFG_CHAR_ARR: {
		size_t len = strlen(value);

		if (len < 2 || value[0] != '"' || value[len - 1] != '"')
			return obj_err(obj, -EINVAL,
				       "extern (kcfg) '%s': value '%s' "
				       "is not a string",
				       ext->name, value);
		len -= 2;
		if (len >= ext->size)
			len = ext->size - 1; /* truncated, as libbpf does */
		memcpy(dst, value + 1, len);
		dst[len] = '\0';
		return 0;
	}
	case KCFG_INT: {
		char *end;
		uint64_t v;

		errno = 0;
		v = ext->is_signed ? (uint64_t)strtoll(value, &end, 0) : strtoull(value, &end, 0);
		if (errno || end == value || *end)
			return obj_err(obj, -EINVAL,
				       "extern (kcfg) '%s': value '%s' "
				       "is not an integer",
				       ext->name, value);
		memcpy(dst, &v, ext->size); /* little-endian: the low bytes */
		return 0;
	}
	}
	return -EINVAL;
}

/* Apply "CONFIG_X=value" lines of text to externs not yet set. */
static int apply_config(struct userbpf_object *obj, uint8_t *data, bool *set, const char *text)
{
	const char *line = text;
	int err;

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *eq;
		size_t len = nl ? (size_t)(nl - line) : strlen(line), i;
		char buf[512];

		if (len < sizeof(buf) && line[0] != '#' && (eq = memchr(line, '=', len))) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			while (len && isspace((unsigned char)buf[len - 1]))
				buf[--len] = '\0';
			buf[eq - line] = '\0';
			for (i = 0; i < obj->extern_cnt; i++) {
				if (set[i] || strcmp(obj->externs[i].name, buf))
					continue;
				err = set_value(obj, &obj->externs[i], data, buf + (eq - line) + 1);
				if (err)
					return err;
				set[i] = true;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

static uint32_t kernel_version(const char *release)
{
	unsigned a = 0, b = 0, c = 0;

	if (sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return (a << 16) | (b << 8) | (c > 255 ? 255 : c);
}

int ub_kconfig_fill(struct userbpf_object *obj, uint8_t *data, size_t size,
		    const char *kconfig_text)
{
	struct utsname uts;
	bool *set;
	size_t i;
	int err = 0;

	if (size < obj->kconfig_size)
		return -EINVAL;
	set = ub_calloc(obj->extern_cnt + 1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	memset(data, 0, size);
	if (uname(&uts))
		memset(&uts, 0, sizeof(uts));
	for (i = 0; i < obj->extern_cnt && !err; i++) {
		const struct ub_extern *ext = &obj->externs[i];
		uint64_t v;

		if (!strcmp(ext->name, "LINUX_KERNEL_VERSION"))
			v = kernel_version(uts.release);
		else if (!strcmp(ext->name, "LINUX_HAS_BPF_COOKIE") ||
			 !strcmp(ext->name, "LINUX_HAS_SYSCALL_WRAPPER"))
			v = 1; /* the kernels userbpf mirrors have both */
		else
			continue;
		if (ext->type != KCFG_INT && ext->type != KCFG_BOOL)
			err = obj_err(obj, -EINVAL,
				      "extern (kcfg) '%s' must be an "
				      "integer or bool",
				      ext->name);
		else
			memcpy(data + ext->off, &v, ext->size);
		set[i] = true;
	}
	if (!err && kconfig_text)
		err = apply_config(obj, data, set, kconfig_text);
	if (!err) {
		char path[128 + sizeof(uts.release)];
		uint8_t *text;
		size_t len;

		snprintf(path, sizeof(path), "/boot/config-%s", uts.release);
		if (uts.release[0] && !ub_read_file(path, &text, &len)) {
			char *s = ub_alloc(len + 1);

			if (s) {
				memcpy(s, text, len);
				err = apply_config(obj, data, set, s);
				ub_free(s);
			}
			ub_free(text);
		}
	}
	for (i = 0; i < obj->extern_cnt && !err; i++)
		if (!set[i] && !obj->externs[i].weak)
			err = obj_err(obj, -ENOENT,
				      "extern (kcfg) '%s': value not "
				      "found (give it with the 'kconfig' open option)",
				      obj->externs[i].name);
	ub_free(set);
	return err;
}
