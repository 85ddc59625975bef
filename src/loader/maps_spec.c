/* SPDX-License-Identifier: MIT */
/*
 * maps_spec.c - map definitions of an object, as libbpf reads them.
 *
 * Owns: BTF-defined maps in SEC(".maps") (__uint / __type / __array
 * members: type, max_entries, map_flags, numa_node, key/value types or
 * sizes, map_extra, pinning, inner map definitions and `values`
 * initialisers collected from .rel.maps), legacy struct bpf_map_def maps
 * in SEC("maps"), global data (.data, .rodata, .bss and their .name
 * variants) as single-entry array maps with libbpf's internal names, and
 * the .kconfig map of extern values (filled by kconfig.c), and the
 * DATASEC size/offset fix-up libbpf applies to clang's BTF.
 *
 * Does not own: map creation (object.c), lddw relocations (relo.c).
 */
#include "util/ubc.h"

#include "loader_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define BTF_VAR_STATIC 0
#define BTF_VAR_GLOBAL_ALLOCATED 1
/* Largest global-data section: the kernel's limit on array values
 * (KMALLOC_MAX_SIZE on x86-64); bounds .bss sizes taken from the file. */
#define UB_DATA_MAX_SIZE (4u << 20)

bool ub_map_is_map_in_map(uint32_t type)
{
	return type == USERBPF_MAP_TYPE_ARRAY_OF_MAPS || type == USERBPF_MAP_TYPE_HASH_OF_MAPS;
}

/* A new zeroed map entry; the array grows geometrically. */
static struct userbpf_object_map *add_map(struct userbpf_object *obj)
{
	struct userbpf_object_map *m;

	if (obj->map_cnt == obj->map_cap) {
		size_t cap = obj->map_cap ? 2 * obj->map_cap : 8;
		struct userbpf_object_map *maps = ub_calloc(cap, sizeof(*maps));

		if (!maps)
			return NULL;
		if (obj->map_cnt)
			memcpy(maps, obj->maps, obj->map_cnt * sizeof(*maps));
		ub_free(obj->maps);
		obj->maps = maps;
		obj->map_cap = cap;
	}
	m = &obj->maps[obj->map_cnt++];
	m->obj = obj;
	return m;
}

static const Elf64_Sym *find_data_sym(struct userbpf_object *obj, size_t sec_idx, const char *name)
{
	return ub_elf_find_data_sym(&obj->elf, sec_idx, name);
}

/* ==== DATASEC fix-up ==== */

/*
 * clang leaves DATASEC sizes and variable offsets to the loader: fill
 * them from the ELF section and symbols, as libbpf's btf_fixup_datasec()
 * does, so the object's BTF describes its global data.  Variables without
 * a symbol keep their offset.
 */
void ub_btf_fixup_datasecs(struct userbpf_object *obj)
{
	struct userbpf_btf *btf = obj->btf;
	uint32_t id, i;

	if (!btf)
		return;
	for (id = 1; id < btf->type_cnt; id++) {
		struct ub_btf_type *t = (struct ub_btf_type *)ub_btf_type_by_id(btf, id);
		struct ub_btf_var_secinfo *vsi;
		size_t sec_idx;

		if (ub_btf_kind(t) != USERBPF_BTF_KIND_DATASEC)
			continue;
		sec_idx = ub_elf_find_sec(&obj->elf, ub_btf_type_name(btf, t));
		if (!sec_idx)
			continue;
		if (t->size_type == 0 && obj->elf.shdrs[sec_idx].sh_size <= UINT32_MAX)
			t->size_type = (uint32_t)obj->elf.shdrs[sec_idx].sh_size;
		vsi = (struct ub_btf_var_secinfo *)ub_btf_extra(t);
		for (i = 0; i < ub_btf_vlen(t); i++) {
			const struct ub_btf_type *var = ub_btf_type_by_id(btf, vsi[i].type);
			const Elf64_Sym *sym;

			if (ub_btf_kind(var) != USERBPF_BTF_KIND_VAR)
				continue;
			sym = find_data_sym(obj, sec_idx, ub_btf_type_name(btf, var));
			if (sym && sym->st_value <= UINT32_MAX)
				vsi[i].offset = (uint32_t)sym->st_value;
		}
	}
}

/* ==== BTF-defined maps ==== */

/* __uint(name, val): int (*name)[val] -> val. */
static int get_field_int(struct userbpf_object *obj, const char *map_name,
			 const struct ub_btf_member *m, uint64_t *res)
{
	const struct userbpf_btf *btf = obj->btf;
	const char *name = ub_btf_str(btf, m->name_off);
	const struct ub_btf_type *t = ub_btf_skip_mods_typedefs(btf, m->type, NULL);
	const struct ub_btf_type *arr;

	if (t && ub_btf_is_any_enum(t) && ub_btf_vlen(t) > 0) {
		/* newer libbpf: __ulong(name, val) is enum { x = val } name */
		if (ub_btf_kind(t) == USERBPF_BTF_KIND_ENUM) {
			const struct ub_btf_enum *e = ub_btf_extra(t);

			*res = (uint64_t)(int64_t)e->val;
			if (!ub_btf_kflag(t))
				*res = (uint32_t)e->val;
		} else {
			const struct ub_btf_enum64 *e = ub_btf_extra(t);

			*res = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
		}
		return 0;
	}
	if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_PTR)
		return obj_err(obj, -EINVAL,
			       "map '%s': attr '%s': expected PTR, "
			       "got %s",
			       map_name, name, t ? ub_btf_kind_str(t) : "?");
	arr = ub_btf_type_by_id(btf, t->size_type);
	if (!arr || ub_btf_kind(arr) != USERBPF_BTF_KIND_ARRAY)
		return obj_err(obj, -EINVAL,
			       "map '%s': attr '%s': expected ARRAY, "
			       "got %s",
			       map_name, name, arr ? ub_btf_kind_str(arr) : "?");
	*res = ub_btf_array(arr)->nelems;
	return 0;
}

static int get_field_u32(struct userbpf_object *obj, const char *map_name,
			 const struct ub_btf_member *m, uint32_t *res)
{
	uint64_t v;
	int err = get_field_int(obj, map_name, m, &v);

	if (err)
		return err;
	if (v > UINT32_MAX)
		return obj_err(obj, -EINVAL,
			       "map '%s': attr '%s': value %llu "
			       "does not fit 32 bits",
			       map_name, ub_btf_str(obj->btf, m->name_off), (unsigned long long)v);
	*res = (uint32_t)v;
	return 0;
}

/* __type(key, T): typeof(T) *key -> size and type id of T. */
static int get_field_type(struct userbpf_object *obj, const char *map_name,
			  const struct ub_btf_member *m, uint32_t *size, uint32_t *type_id)
{
	const struct userbpf_btf *btf = obj->btf;
	const char *name = ub_btf_str(btf, m->name_off);
	const struct ub_btf_type *t = ub_btf_skip_mods_typedefs(btf, m->type, NULL);
	int64_t sz;

	if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_PTR)
		return obj_err(obj, -EINVAL, "map '%s': %s spec is not PTR: %s", map_name, name,
			       t ? ub_btf_kind_str(t) : "?");
	sz = ub_btf_resolve_size(btf, t->size_type);
	if (sz < 0 || sz > UINT32_MAX)
		return obj_err(obj, sz < 0 ? (int)sz : -E2BIG,
			       "map '%s': can't determine %s size for type [%u]", map_name, name,
			       t->size_type);
	if (*size && *size != (uint32_t)sz)
		return obj_err(obj, -EINVAL,
			       "map '%s': conflicting %s size %u != "
			       "%lld",
			       map_name, name, *size, (long long)sz);
	*size = (uint32_t)sz;
	*type_id = t->size_type;
	return 0;
}

/*
 * libbpf's parse_btf_map_def().  def is the struct type; inner receives
 * the inner definition of a map-in-map (NULL when parsing an inner one).
 */
static int parse_map_def(struct userbpf_object *obj, const char *map_name,
			 const struct ub_btf_type *def, struct userbpf_map_def *out,
			 struct userbpf_map_def *inner)
{
	const struct userbpf_btf *btf = obj->btf;
	uint32_t i, vlen = ub_btf_vlen(def);
	int err = 0;

	for (i = 0; i < vlen && !err; i++) {
		const struct ub_btf_member *m = &ub_btf_members(def)[i];
		const char *name = ub_btf_str(btf, m->name_off);

		if (!name || !name[0])
			return obj_err(obj, -EINVAL,
				       "map '%s': member %u has no "
				       "name",
				       map_name, i);
		if (!strcmp(name, "type")) {
			err = get_field_u32(obj, map_name, m, &out->type);
		} else if (!strcmp(name, "max_entries")) {
			err = get_field_u32(obj, map_name, m, &out->max_entries);
		} else if (!strcmp(name, "map_flags")) {
			err = get_field_u32(obj, map_name, m, &out->map_flags);
		} else if (!strcmp(name, "numa_node")) {
			err = get_field_u32(obj, map_name, m, &out->numa_node);
		} else if (!strcmp(name, "key_size") || !strcmp(name, "value_size")) {
			uint32_t sz, *dst = name[0] == 'k' ? &out->key_size : &out->value_size;

			err = get_field_u32(obj, map_name, m, &sz);
			if (!err && *dst && *dst != sz)
				err = obj_err(obj, -EINVAL,
					      "map '%s': conflicting "
					      "%s %u != %u",
					      map_name, name, *dst, sz);
			if (!err)
				*dst = sz;
		} else if (!strcmp(name, "key")) {
			err = get_field_type(obj, map_name, m, &out->key_size,
					     &out->btf_key_type_id);
		} else if (!strcmp(name, "value")) {
			err = get_field_type(obj, map_name, m, &out->value_size,
					     &out->btf_value_type_id);
		} else if (!strcmp(name, "map_extra")) {
			err = get_field_int(obj, map_name, m, &out->map_extra);
		} else if (!strcmp(name, "pinning")) {
			if (!inner)
				return obj_err(obj, -EINVAL,
					       "map '%s': inner def "
					       "can't be pinned",
					       map_name);
			err = get_field_u32(obj, map_name, m, &out->pinning);
			if (!err && out->pinning > 1)
				err = obj_err(obj, -EINVAL,
					      "map '%s': invalid "
					      "pinning value %u",
					      map_name, out->pinning);
		} else if (!strcmp(name, "values")) {
			bool mim = ub_map_is_map_in_map(out->type);
			bool prog_array = out->type == USERBPF_MAP_TYPE_PROG_ARRAY;
			const struct ub_btf_type *t;

			if (!inner)
				return obj_err(obj, -ENOTSUP,
					       "map '%s': multi-level "
					       "inner maps not supported",
					       map_name);
			if (i != vlen - 1)
				return obj_err(obj, -EINVAL,
					       "map '%s': '%s' member "
					       "should be last",
					       map_name, name);
			if (!mim && !prog_array)
				return obj_err(obj, -ENOTSUP,
					       "map '%s': should be "
					       "map-in-map or prog-array",
					       map_name);
			if (out->value_size && out->value_size != 4)
				return obj_err(obj, -EINVAL,
					       "map '%s': conflicting "
					       "value size %u != 4",
					       map_name, out->value_size);
			out->value_size = 4;
			t = ub_btf_type_by_id(btf, m->type);
			if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_ARRAY ||
			    ub_btf_array(t)->nelems)
				return obj_err(obj, -EINVAL,
					       "map '%s': values spec "
					       "is not a zero-sized array",
					       map_name);
			t = ub_btf_skip_mods_typedefs(btf, ub_btf_array(t)->type, NULL);
			if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_PTR)
				return obj_err(obj, -EINVAL,
					       "map '%s': values def "
					       "is of unexpected kind %s",
					       map_name, t ? ub_btf_kind_str(t) : "?");
			t = ub_btf_skip_mods_typedefs(btf, t->size_type, NULL);
			if (prog_array) {
				if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_FUNC_PROTO)
					return obj_err(obj, -EINVAL,
						       "map '%s': "
						       "prog-array value def is "
						       "of unexpected kind %s",
						       map_name, t ? ub_btf_kind_str(t) : "?");
				continue;
			}
			if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_STRUCT)
				return obj_err(obj, -EINVAL,
					       "map '%s': map-in-map "
					       "inner def is of unexpected kind %s",
					       map_name, t ? ub_btf_kind_str(t) : "?");
			err = parse_map_def(obj, map_name, t, inner, NULL);
			if (!err && inner->type == USERBPF_MAP_TYPE_UNSPEC)
				err = obj_err(obj, -EINVAL,
					      "map '%s.inner': map "
					      "type isn't specified",
					      map_name);
			out->has_inner = 1;
		} else {
			ub_debug("%s: map '%s': ignoring unknown field '%s'\n", obj->path, map_name,
				 name);
		}
	}
	return err;
}

static int init_btf_maps(struct userbpf_object *obj)
{
	const struct userbpf_btf *btf = obj->btf;
	const struct ub_btf_type *sec;
	const struct ub_btf_var_secinfo *vsi;
	uint64_t sec_size = obj->elf.shdrs[obj->maps_shndx].sh_size;
	int64_t sec_id;
	uint32_t i;
	int err;

	if (!btf)
		return obj_err(obj, -EINVAL,
			       "sec '.maps': BTF-defined maps need "
			       "a .BTF section (compile with -g)");
	sec_id = ub_btf_find_by_name_kind(btf, ".maps", USERBPF_BTF_KIND_DATASEC);
	if (sec_id < 0)
		return obj_err(obj, -EINVAL,
			       "sec '.maps': DATASEC '.maps' not "
			       "found in BTF");
	sec = ub_btf_type_by_id(btf, (uint32_t)sec_id);
	vsi = ub_btf_extra(sec);
	for (i = 0; i < ub_btf_vlen(sec); i++) {
		const struct ub_btf_type *var = ub_btf_type_by_id(btf, vsi[i].type);
		const struct ub_btf_type *def;
		struct userbpf_object_map *map;
		struct userbpf_map_def inner;
		const Elf64_Sym *sym;
		const char *name = ub_btf_type_name(btf, var);
		uint32_t linkage;

		if (ub_btf_kind(var) != USERBPF_BTF_KIND_VAR)
			return obj_err(obj, -EINVAL,
				       "sec '.maps': entry %u is a %s, "
				       "not a VAR",
				       i, ub_btf_kind_str(var));
		if (!name[0])
			return obj_err(obj, -EINVAL,
				       "sec '.maps': map #%u has no "
				       "name",
				       i);
		linkage = ((const struct ub_btf_var *)ub_btf_extra(var))->linkage;
		if (linkage != BTF_VAR_GLOBAL_ALLOCATED && linkage != BTF_VAR_STATIC)
			return obj_err(obj, -ENOTSUP,
				       "map '%s': unsupported map "
				       "linkage %u",
				       name, linkage);
		def = ub_btf_skip_mods_typedefs(btf, var->size_type, NULL);
		if (!def || ub_btf_kind(def) != USERBPF_BTF_KIND_STRUCT)
			return obj_err(obj, -EINVAL,
				       "map '%s': unexpected def kind "
				       "%s",
				       name, def ? ub_btf_kind_str(def) : "?");
		sym = find_data_sym(obj, obj->maps_shndx, name);
		if (!sym)
			return obj_err(obj, -EINVAL,
				       "map '%s': no symbol in section "
				       "'.maps'",
				       name);
		if (sym->st_value > sec_size || vsi[i].size > sec_size - sym->st_value ||
		    def->size_type > vsi[i].size)
			return obj_err(obj, -EINVAL,
				       "map '%s': BTF data is corrupted "
				       "(offset %llu, size %u, def size %u, section "
				       "%llu bytes)",
				       name, (unsigned long long)sym->st_value, vsi[i].size,
				       def->size_type, (unsigned long long)sec_size);
		map = add_map(obj);
		if (!map)
			return -ENOMEM;
		map->name = ub_strdup(name);
		if (!map->name)
			return -ENOMEM;
		map->sec_name = ".maps";
		map->sec_idx = obj->maps_shndx;
		map->sec_offset = sym->st_value;
		map->btf_var_idx = i;
		map->def.kind = USERBPF_OBJECT_MAP_BTF;
		memset(&inner, 0, sizeof(inner));
		err = parse_map_def(obj, name, def, &map->def, &inner);
		if (err)
			return err;
		if (map->def.type == USERBPF_MAP_TYPE_UNSPEC)
			return obj_err(obj, -EINVAL,
				       "map '%s': map type isn't "
				       "specified",
				       name);
		if (map->def.has_inner) {
			map->def.inner_type = inner.type;
			map->def.inner_key_size = inner.key_size;
			map->def.inner_value_size = inner.value_size;
			map->def.inner_max_entries = inner.max_entries;
			map->def.inner_map_flags = inner.map_flags;
		}
	}
	return 0;
}

/* ==== Legacy maps (struct bpf_map_def in SEC("maps")) ==== */

struct legacy_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

static int init_legacy_maps(struct userbpf_object *obj)
{
	size_t sec = obj->legacy_maps_shndx, size, i, nr = 0, def_sz;
	const uint8_t *data = ub_elf_sec_data(&obj->elf, sec, &size);

	if (!data)
		return obj_err(obj, -EINVAL, "sec 'maps': not a data section");
	for (i = 0; i < obj->elf.sym_cnt; i++)
		if (obj->elf.syms[i].st_shndx == sec &&
		    ELF64_ST_TYPE(obj->elf.syms[i].st_info) != STT_SECTION)
			nr++;
	if (!nr)
		return 0;
	if (!size || size % nr)
		return obj_err(obj, -EINVAL,
			       "sec 'maps': unable to determine map "
			       "definition size: %zu maps in %zu bytes",
			       nr, size);
	def_sz = size / nr;
	for (i = 0; i < obj->elf.sym_cnt; i++) {
		const Elf64_Sym *sym = &obj->elf.syms[i];
		struct legacy_map_def def;
		struct userbpf_object_map *map;
		const char *name;
		size_t j;

		if (sym->st_shndx != sec || ELF64_ST_TYPE(sym->st_info) == STT_SECTION)
			continue;
		name = ub_elf_sym_name(&obj->elf, sym);
		if (!name || !name[0])
			return obj_err(obj, -EINVAL,
				       "sec 'maps': map symbol %zu has "
				       "no name",
				       i);
		if (sym->st_value > size || def_sz > size - sym->st_value)
			return obj_err(obj, -EINVAL,
				       "sec 'maps': map '%s' at offset "
				       "%llu crosses the section end",
				       name, (unsigned long long)sym->st_value);
		memset(&def, 0, sizeof(def));
		memcpy(&def, data + sym->st_value, def_sz < sizeof(def) ? def_sz : sizeof(def));
		/* a bigger definition than ours: extra bytes must be 0 */
		for (j = sizeof(def); j < def_sz; j++)
			if (data[sym->st_value + j])
				return obj_err(obj, -EINVAL,
					       "map '%s': unknown "
					       "non-zero bytes in its definition",
					       name);
		map = add_map(obj);
		if (!map)
			return -ENOMEM;
		map->name = ub_strdup(name);
		if (!map->name)
			return -ENOMEM;
		map->sec_name = "maps";
		map->sec_idx = sec;
		map->sec_offset = sym->st_value;
		map->def.kind = USERBPF_OBJECT_MAP_LEGACY;
		map->def.type = def.type;
		map->def.key_size = def.key_size;
		map->def.value_size = def.value_size;
		map->def.max_entries = def.max_entries;
		map->def.map_flags = def.map_flags;
	}
	return 0;
}

/* ==== Global data ==== */

static bool sec_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '.');
}

/* libbpf's internal_map_name(): "<obj prefix>.rodata", or the section
 * name itself for ".rodata.foo"-style sections; [A-Za-z0-9_.] only. */
static char *internal_map_name(const struct userbpf_object *obj, const char *real)
{
	char name[UB_OBJ_NAME_LEN];
	size_t sfx_len = strlen(real), pfx_len;
	char *p;

	if (sfx_len < 7)
		sfx_len = 7;
	if (sfx_len >= UB_OBJ_NAME_LEN)
		sfx_len = UB_OBJ_NAME_LEN - 1;
	if (strchr(real + 1, '.'))
		pfx_len = 0;
	else {
		pfx_len = UB_OBJ_NAME_LEN - sfx_len - 1;
		if (pfx_len > strlen(obj->name))
			pfx_len = strlen(obj->name);
	}
	snprintf(name, sizeof(name), "%.*s%.*s", (int)pfx_len, obj->name, (int)sfx_len, real);
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			*p = '_';
	return ub_strdup(name);
}

static int init_data_maps(struct userbpf_object *obj)
{
	size_t i;

	for (i = 1; i < obj->elf.shnum; i++) {
		const Elf64_Shdr *sh = &obj->elf.shdrs[i];
		const char *name = obj->elf.sec_names[i];
		struct userbpf_object_map *map;
		uint32_t kind;

		if (sh->sh_size == 0)
			continue;
		if (sh->sh_type == SHT_PROGBITS && !(sh->sh_flags & SHF_EXECINSTR) &&
		    sec_is(name, ".data"))
			kind = USERBPF_OBJECT_MAP_DATA;
		else if (sh->sh_type == SHT_PROGBITS && !(sh->sh_flags & SHF_EXECINSTR) &&
			 sec_is(name, ".rodata"))
			kind = USERBPF_OBJECT_MAP_RODATA;
		else if (sh->sh_type == SHT_NOBITS && sec_is(name, ".bss"))
			kind = USERBPF_OBJECT_MAP_BSS;
		else
			continue;
		if (sh->sh_size > UB_DATA_MAX_SIZE)
			return obj_err(obj, -E2BIG,
				       "sec '%s': %llu bytes of global "
				       "data exceed the %u-byte limit of array "
				       "map values",
				       name, (unsigned long long)sh->sh_size, UB_DATA_MAX_SIZE);
		map = add_map(obj);
		if (!map)
			return -ENOMEM;
		map->name = internal_map_name(obj, name);
		map->initial_size = (size_t)sh->sh_size;
		map->initial = ub_alloc(map->initial_size);
		if (!map->name || !map->initial)
			return -ENOMEM;
		if (kind != USERBPF_OBJECT_MAP_BSS)
			memcpy(map->initial, ub_elf_sec_data(&obj->elf, i, NULL),
			       map->initial_size);
		map->sec_name = name;
		map->sec_idx = i;
		map->def.kind = kind;
		map->def.type = USERBPF_MAP_TYPE_ARRAY;
		map->def.key_size = 4;
		map->def.value_size = (uint32_t)sh->sh_size;
		map->def.max_entries = 1;
		map->def.map_flags = USERBPF_F_MMAPABLE;
		if (kind == USERBPF_OBJECT_MAP_RODATA)
			map->def.map_flags |= USERBPF_F_RDONLY_PROG;
	}
	return 0;
}

/* The .kconfig map: one value holding every extern (kconfig.c). */
static int init_kconfig_map(struct userbpf_object *obj)
{
	struct userbpf_object_map *map;

	if (!obj->extern_cnt)
		return 0;
	if (obj->kconfig_size > UB_DATA_MAX_SIZE)
		return obj_err(obj, -E2BIG, "sec '.kconfig': externs too large");
	map = add_map(obj);
	if (!map)
		return -ENOMEM;
	map->name = internal_map_name(obj, ".kconfig");
	map->initial_size = (size_t)obj->kconfig_size;
	map->initial = ub_alloc(map->initial_size);
	if (!map->name || !map->initial)
		return -ENOMEM;
	map->sec_name = ".kconfig";
	map->def.kind = USERBPF_OBJECT_MAP_KCONFIG;
	map->def.type = USERBPF_MAP_TYPE_ARRAY;
	map->def.key_size = 4;
	map->def.value_size = (uint32_t)obj->kconfig_size;
	map->def.max_entries = 1;
	map->def.map_flags = USERBPF_F_MMAPABLE | USERBPF_F_RDONLY_PROG;
	return 0;
}

int ub_obj_init_maps(struct userbpf_object *obj)
{
	int err = 0;

	if (obj->legacy_maps_shndx)
		err = init_legacy_maps(obj);
	if (!err && obj->maps_shndx)
		err = init_btf_maps(obj);
	if (!err)
		err = init_data_maps(obj);
	if (!err)
		err = init_kconfig_map(obj);
	return err;
}

/* ==== .rel.maps: prog-array and map-in-map initialisers ==== */

static struct userbpf_program *find_entry_prog(struct userbpf_object *obj, const char *name)
{
	size_t i;

	for (i = 0; i < obj->prog_cnt; i++)
		if (!obj->progs[i].is_subprog && !strcmp(obj->progs[i].name, name))
			return &obj->progs[i];
	return NULL;
}

int ub_obj_collect_map_relos(struct userbpf_object *obj, size_t rel_idx)
{
	const struct ub_elf *elf = &obj->elf;
	const struct userbpf_btf *btf = obj->btf;
	size_t size, nrels, i, j;
	const uint8_t *data = ub_elf_sec_data(elf, rel_idx, &size);
	uint64_t maps_size = elf->shdrs[obj->maps_shndx].sh_size;
	const struct ub_btf_var_secinfo *vsis;
	int64_t sid;

	if (!data || !btf)
		return 0;
	sid = ub_btf_find_by_name_kind(btf, ".maps", USERBPF_BTF_KIND_DATASEC);
	if (sid < 0)
		return 0; /* no BTF maps: init_btf_maps() already failed */
	vsis = ub_btf_extra(ub_btf_type_by_id(btf, (uint32_t)sid));
	nrels = size / sizeof(Elf64_Rel);
	for (i = 0; i < nrels; i++) {
		struct userbpf_object_map *map = NULL;
		const struct ub_btf_type *var, *def;
		const struct ub_btf_var_secinfo *vsi;
		const struct ub_btf_member *member;
		const Elf64_Sym *sym;
		const char *name, *mname;
		uint64_t moff, slot;
		int64_t target;
		Elf64_Rel rel;

		memcpy(&rel, data + i * sizeof(rel), sizeof(rel));
		if (ELF64_R_SYM(rel.r_info) >= elf->sym_cnt)
			return obj_err(obj, -EINVAL,
				       "sec '.rel.maps': relo #%zu: "
				       "symbol index %llu out of range",
				       i, (unsigned long long)ELF64_R_SYM(rel.r_info));
		if (ELF64_R_TYPE(rel.r_info) != UB_R_BPF_64_ABS64 &&
		    ELF64_R_TYPE(rel.r_info) != UB_R_BPF_64_64)
			return obj_err(obj, -EINVAL,
				       "sec '.rel.maps': relo #%zu: "
				       "unexpected type %llu",
				       i, (unsigned long long)ELF64_R_TYPE(rel.r_info));
		if (rel.r_offset > maps_size || maps_size - rel.r_offset < 8)
			return obj_err(obj, -EINVAL,
				       "sec '.rel.maps': relo #%zu: "
				       "offset %llu outside '.maps'",
				       i, (unsigned long long)rel.r_offset);
		sym = &elf->syms[ELF64_R_SYM(rel.r_info)];
		name = ub_elf_sym_name(elf, sym);
		if (!name)
			name = "?";
		for (j = 0; j < obj->map_cnt; j++) {
			struct userbpf_object_map *m = &obj->maps[j];

			if (m->def.kind != USERBPF_OBJECT_MAP_BTF)
				continue;
			vsi = vsis + m->btf_var_idx;
			if (m->sec_offset <= rel.r_offset &&
			    rel.r_offset + 8 <= m->sec_offset + vsi->size) {
				map = m;
				break;
			}
		}
		if (!map)
			return obj_err(obj, -EINVAL,
				       "sec '.rel.maps': relo #%zu: "
				       "no map at offset %llu for '%s'",
				       i, (unsigned long long)rel.r_offset, name);
		if (ub_map_is_map_in_map(map->def.type)) {
			const struct userbpf_object_map *t =
				(const struct userbpf_object_map *)userbpf_object__find_map_by_name(
					obj, name);

			if (sym->st_shndx != obj->maps_shndx || !t ||
			    t->def.kind != USERBPF_OBJECT_MAP_BTF)
				return obj_err(obj, -EINVAL,
					       "map '%s': slot value "
					       "'%s' isn't a BTF-defined map",
					       map->name, name);
			if (map->def.type == USERBPF_MAP_TYPE_HASH_OF_MAPS &&
			    map->def.key_size != 4)
				return obj_err(obj, -EINVAL,
					       "map '%s': hash-of-maps "
					       "with initialisers needs key size "
					       "4",
					       map->name);
			target = t - obj->maps;
		} else if (map->def.type == USERBPF_MAP_TYPE_PROG_ARRAY) {
			const struct userbpf_program *p = find_entry_prog(obj, name);

			if (!p || p->sec_idx != sym->st_shndx ||
			    p->sec_insn_off * UB_INSN_SZ != sym->st_value)
				return obj_err(obj, -EINVAL,
					       "map '%s': slot value "
					       "'%s' isn't an entry-point program",
					       map->name, name);
			target = p - obj->progs;
		} else {
			return obj_err(obj, -EINVAL,
				       "map '%s': initialiser '%s' "
				       "for a map that is neither map-in-map nor "
				       "prog array",
				       map->name, name);
		}
		var = ub_btf_type_by_id(btf, vsi->type);
		def = ub_btf_skip_mods_typedefs(btf, var->size_type, NULL);
		if (!def || ub_btf_vlen(def) == 0)
			return obj_err(obj, -EINVAL, "map '%s': no values member", map->name);
		member = &ub_btf_members(def)[ub_btf_vlen(def) - 1];
		mname = ub_btf_str(btf, member->name_off);
		if (!mname || strcmp(mname, "values"))
			return obj_err(obj, -EINVAL,
				       "map '%s': relocation outside "
				       "'values'",
				       map->name);
		moff = ub_btf_member_bit_offset(def, ub_btf_vlen(def) - 1) / 8;
		if (rel.r_offset - map->sec_offset < moff ||
		    (rel.r_offset - map->sec_offset - moff) % 8)
			return obj_err(obj, -EINVAL,
				       "map '%s': misaligned "
				       "initialiser for '%s'",
				       map->name, name);
		slot = (rel.r_offset - map->sec_offset - moff) / 8;
		if (slot >= map->init_slot_cnt) {
			/* geometric growth: relocations may come in any order */
			size_t cnt = map->init_slot_cnt * 2 > slot + 1 ? map->init_slot_cnt * 2 :
									 slot + 1;
			int64_t *slots = ub_calloc(cnt, sizeof(*slots));
			size_t k;

			if (!slots)
				return -ENOMEM;
			for (k = 0; k < cnt; k++)
				slots[k] = k < map->init_slot_cnt ? map->init_slots[k] : -1;
			ub_free(map->init_slots);
			map->init_slots = slots;
			map->init_slot_cnt = cnt;
		}
		map->init_slots[slot] = target;
	}
	return 0;
}
