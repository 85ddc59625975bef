/* SPDX-License-Identifier: MIT */
/*
 * loader_int.h - private structures of the object loader, shared by its
 * stages: elf.c (ELF64 reader), btf.c / btf_ext.c (BTF and its
 * extension), sections.c (section conventions, programs), maps_spec.c
 * (map definitions, global data), relo.c (ELF relocations, subprogram
 * linking), core.c (CO-RE), kconfig.c (extern __kconfig values),
 * object.c (public API, map and program creation), ctx_btf.c (generated:
 * the BTF of userbpf's context types).
 *
 * Trust model: everything parsed from the file is checked once, where it
 * is parsed (offsets inside the file, string offsets inside their table,
 * type ids inside the BTF, record sizes), so later stages index those
 * structures without re-checking; every walk over BTF references is
 * depth-limited because the file may contain reference cycles.
 */
#ifndef USERBPF_LOADER_INT_H
#define USERBPF_LOADER_INT_H

#include "util/ub_elf.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/ubc.h"

#include "userbpf/object.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif
#define UB_R_BPF_NONE 0
#define UB_R_BPF_64_64 1
#define UB_R_BPF_64_ABS64 2
#define UB_R_BPF_64_ABS32 3
#define UB_R_BPF_64_NODYLD32 4
#define UB_R_BPF_64_32 10

#define UB_INSN_SZ 8u
/* libbpf's BPF_OBJ_NAME_LEN: kernel object names hold 15 characters. */
#define UB_OBJ_NAME_LEN 16
/* Bound on typedef/modifier/array chains and type recursion. */
#define UB_BTF_MAX_DEPTH 32
/* CO-RE access strings: libbpf's BPF_CORE_SPEC_MAX_LEN. */
#define UB_CORE_SPEC_MAX_LEN 64
/* The instruction libbpf writes over an unresolvable CO-RE access. */
#define UB_CORE_POISON_IMM 195896080 /* 0xbad2310, "bad relo" */

/* ==== Error reporting ==== */

/*
 * Errors go to a caller-visible buffer and to the print callback.  The
 * first message of an operation is kept: the deepest stage knows most
 * about the fault, callers only propagate the errno.
 */
struct ub_err {
	char *buf;
	size_t size;
	const char *file; /* prefix of every message */
};

int ub_errf(struct ub_err *e, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ub_err_reset(struct ub_err *e);

/* ==== ELF ==== */

struct ub_elf {
	const uint8_t *data; /* the whole file; not owned */
	size_t size;
	size_t shnum;
	Elf64_Shdr *shdrs;	/* shnum validated headers */
	const char **sec_names; /* NUL-terminated, "" when unnamed */
	size_t symtab_idx;	/* 0: no symbol table */
	size_t strtab_idx;
	Elf64_Sym *syms; /* copied, st_shndx validated */
	size_t sym_cnt;
	uint32_t *data_sym_idx; /* data symbols by (shndx, name), lazily */
	size_t data_sym_cnt;
};

int ub_elf_parse(struct ub_elf *elf, const uint8_t *data, size_t size, struct ub_err *err);
void ub_elf_free(struct ub_elf *elf);
/* Section bytes (NULL for NOBITS or a bad index); *size = sh_size. */
const uint8_t *ub_elf_sec_data(const struct ub_elf *elf, size_t idx, size_t *size);
/* String of a string-table section, or NULL if off is out of range. */
const char *ub_elf_str(const struct ub_elf *elf, size_t strtab_idx, uint64_t off);
/* Symbol name (section name for STT_SECTION), or NULL if invalid. */
const char *ub_elf_sym_name(const struct ub_elf *elf, const Elf64_Sym *sym);
/* Section index by name, or 0. */
size_t ub_elf_find_sec(const struct ub_elf *elf, const char *name);
/*
 * The data symbol (STT_OBJECT or STT_NOTYPE, not a section symbol) named
 * name in section shndx, or NULL.  O(log n) after a first sort.
 */
const Elf64_Sym *ub_elf_find_data_sym(struct ub_elf *elf, size_t shndx, const char *name);
/* Read a whole file into ub_alloc'd memory. 0 or -errno. */
int ub_read_file(const char *path, uint8_t **buf, size_t *size);

/* ==== BTF ==== */

#define UB_BTF_MAGIC 0xeB9F
#define UB_BTF_INT_SIGNED 1
#define UB_BTF_INT_CHAR 2
#define UB_BTF_INT_BOOL 4

struct ub_btf_type {
	uint32_t name_off;
	uint32_t info;	    /* vlen 0-15, kind 24-28, kind_flag 31 */
	uint32_t size_type; /* size, or the referenced type */
};
struct ub_btf_array {
	uint32_t type;
	uint32_t index_type;
	uint32_t nelems;
};
struct ub_btf_member {
	uint32_t name_off;
	uint32_t type;
	uint32_t offset; /* kflag: bitfield size << 24 | bit offset */
};
struct ub_btf_enum {
	uint32_t name_off;
	int32_t val;
};
struct ub_btf_enum64 {
	uint32_t name_off;
	uint32_t val_lo32;
	uint32_t val_hi32;
};
struct ub_btf_param {
	uint32_t name_off;
	uint32_t type;
};
struct ub_btf_var {
	uint32_t linkage;
};
struct ub_btf_var_secinfo {
	uint32_t type;
	uint32_t offset;
	uint32_t size;
};
struct ub_btf_decl_tag {
	int32_t component_idx;
};

/* Candidate cache of a CO-RE target: type ids by essential-name hash. */
struct ub_btf_name_index;

struct userbpf_btf {
	uint8_t *types; /* type section (4-byte aligned copy) */
	size_t types_len;
	char *strs; /* string section, strs[strs_len - 1] == '\0' */
	size_t strs_len;
	uint32_t type_cnt;		 /* including void (id 0) */
	uint32_t *offs;			 /* offs[id]: byte offset in types, id >= 1 */
	struct ub_btf_name_index *index; /* built on first CO-RE lookup */
};

static inline uint32_t ub_btf_kind(const struct ub_btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}
static inline uint32_t ub_btf_vlen(const struct ub_btf_type *t)
{
	return t->info & 0xffff;
}
static inline bool ub_btf_kflag(const struct ub_btf_type *t)
{
	return t->info >> 31;
}
static inline bool ub_btf_is_composite(const struct ub_btf_type *t)
{
	return ub_btf_kind(t) == USERBPF_BTF_KIND_STRUCT ||
	       ub_btf_kind(t) == USERBPF_BTF_KIND_UNION;
}
static inline bool ub_btf_is_any_enum(const struct ub_btf_type *t)
{
	return ub_btf_kind(t) == USERBPF_BTF_KIND_ENUM || ub_btf_kind(t) == USERBPF_BTF_KIND_ENUM64;
}
static inline bool ub_btf_is_mod(const struct ub_btf_type *t)
{
	uint32_t k = ub_btf_kind(t);

	return k == USERBPF_BTF_KIND_VOLATILE || k == USERBPF_BTF_KIND_CONST ||
	       k == USERBPF_BTF_KIND_RESTRICT || k == USERBPF_BTF_KIND_TYPE_TAG;
}
/* The trailing data of a type; valid because parse checked its length. */
static inline const void *ub_btf_extra(const struct ub_btf_type *t)
{
	return t + 1;
}
static inline const struct ub_btf_member *ub_btf_members(const struct ub_btf_type *t)
{
	return (const struct ub_btf_member *)(t + 1);
}
static inline const struct ub_btf_array *ub_btf_array(const struct ub_btf_type *t)
{
	return (const struct ub_btf_array *)(t + 1);
}
static inline uint32_t ub_btf_int_encoding(const struct ub_btf_type *t)
{
	return (*(const uint32_t *)(t + 1) >> 24) & 0x0f;
}
static inline uint32_t ub_btf_int_offset(const struct ub_btf_type *t)
{
	return (*(const uint32_t *)(t + 1) >> 16) & 0xff;
}
static inline uint32_t ub_btf_int_bits(const struct ub_btf_type *t)
{
	return *(const uint32_t *)(t + 1) & 0xff;
}
static inline uint32_t ub_btf_member_bit_offset(const struct ub_btf_type *t, uint32_t idx)
{
	uint32_t off = ub_btf_members(t)[idx].offset;

	return ub_btf_kflag(t) ? off & 0xffffff : off;
}
static inline uint32_t ub_btf_member_bitfield_size(const struct ub_btf_type *t, uint32_t idx)
{
	return ub_btf_kflag(t) ? ub_btf_members(t)[idx].offset >> 24 : 0;
}

/*
 * Parse and validate raw BTF (header, every type's layout and references,
 * string offsets).  The bytes are copied.  Errors name "sec_name".
 */
int ub_btf_parse(const uint8_t *data, size_t size, const char *sec_name, struct ub_err *err,
		 struct userbpf_btf **out);
void ub_btf_free(struct userbpf_btf *btf);
/* Type by id (id 0 is void), or NULL when out of range. */
const struct ub_btf_type *ub_btf_type_by_id(const struct userbpf_btf *btf, uint32_t id);
/* String at off, or NULL when out of range ("" for 0). */
const char *ub_btf_str(const struct userbpf_btf *btf, uint32_t off);
/* Name of a type: "" when anonymous or invalid. */
const char *ub_btf_type_name(const struct userbpf_btf *btf, const struct ub_btf_type *t);
/* Skip typedefs and modifiers; NULL on a bad id or a cycle. */
const struct ub_btf_type *ub_btf_skip_mods_typedefs(const struct userbpf_btf *btf, uint32_t id,
						    uint32_t *res_id);
/* Skip modifiers only (typedefs kept). */
const struct ub_btf_type *ub_btf_skip_mods(const struct userbpf_btf *btf, uint32_t id,
					   uint32_t *res_id);
/* Size in bytes; -EINVAL (no size, cycle), -E2BIG (over 4 GiB). */
int64_t ub_btf_resolve_size(const struct userbpf_btf *btf, uint32_t id);
/* First type id with name and kind (kind < 0: any), or -ENOENT. */
int64_t ub_btf_find_by_name_kind(const struct userbpf_btf *btf, const char *name, int kind);
/* Offset + 1 of a top-level struct bpf_spin_lock in a value type, or 0. */
uint32_t ub_btf_spin_lock_off1(const struct userbpf_btf *btf, uint32_t value_type_id);
/* Kind name for messages ("struct", "typedef" ...). */
const char *ub_btf_kind_str(const struct ub_btf_type *t);
/* libbpf's bpf_core_essential_name_len(): name without "___flavor". */
size_t ub_btf_essential_name_len(const char *name);
/*
 * Candidate ids of target: same essential name as name[0..len) and a
 * kind CO-RE considers compatible with kind.  Builds the index on first
 * use.  Returns the count (ids in *ids, owned by the caller) or -errno.
 */
int ub_btf_find_cands(struct userbpf_btf *target, const char *name, size_t len, uint32_t kind,
		      uint32_t **ids);

/* ==== BTF.ext ==== */

struct ub_bpf_func_info {
	uint32_t insn_off; /* bytes in the ELF, an insn index once loaded */
	uint32_t type_id;
};
struct ub_bpf_line_info {
	uint32_t insn_off;
	uint32_t file_name_off;
	uint32_t line_off;
	uint32_t line_col; /* line << 10 | col */
};
struct ub_core_relo {
	uint32_t insn_off;
	uint32_t type_id;
	uint32_t access_str_off;
	uint32_t kind;
};

/* CO-RE relocation kinds (enum bpf_core_relo_kind). */
enum ub_core_kind {
	UB_CORE_FIELD_BYTE_OFFSET = 0,
	UB_CORE_FIELD_BYTE_SIZE = 1,
	UB_CORE_FIELD_EXISTS = 2,
	UB_CORE_FIELD_SIGNED = 3,
	UB_CORE_FIELD_LSHIFT_U64 = 4,
	UB_CORE_FIELD_RSHIFT_U64 = 5,
	UB_CORE_TYPE_ID_LOCAL = 6,
	UB_CORE_TYPE_ID_TARGET = 7,
	UB_CORE_TYPE_EXISTS = 8,
	UB_CORE_TYPE_SIZE = 9,
	UB_CORE_ENUMVAL_EXISTS = 10,
	UB_CORE_ENUMVAL_VALUE = 11,
	UB_CORE_TYPE_MATCHES = 12,
};

struct ub_btf_ext_sec {
	uint32_t sec_name_off; /* in .BTF strings */
	uint32_t cnt;
	const uint8_t *recs; /* cnt records of rec_size bytes */
};
struct ub_btf_ext_info {
	uint32_t rec_size;
	struct ub_btf_ext_sec *secs;
	size_t sec_cnt;
};
struct ub_btf_ext {
	uint8_t *data;
	size_t size;
	struct ub_btf_ext_info func_info, line_info, core_relo;
};

int ub_btf_ext_parse(const uint8_t *data, size_t size, struct ub_err *err, struct ub_btf_ext **out);
void ub_btf_ext_free(struct ub_btf_ext *ext);
/* Copy record i of sec (the known prefix of it) into out. */
static inline void ub_btf_ext_rec(const struct ub_btf_ext_info *info,
				  const struct ub_btf_ext_sec *sec, size_t i, void *out,
				  size_t out_size)
{
	memcpy(out, sec->recs + i * info->rec_size, out_size);
}

/* ==== Programs ==== */

#define UB_SEC_NONE 0u
#define UB_SEC_SLEEPABLE (1u << 0)
#define UB_SEC_ATTACH_BTF (1u << 1)

struct ub_sec_def {
	const char *sec; /* "kprobe+": exact or "kprobe/..."; "x/": prefix */
	uint32_t prog_type;
	uint32_t attach_type;
	uint32_t flags;
};

/* The libbpf section-definition entry matching sec_name, or NULL. */
const struct ub_sec_def *ub_sec_def_find(const char *sec_name);

enum ub_reloc_type {
	UB_RELO_LD64,	      /* lddw of a map: map_idx */
	UB_RELO_DATA,	      /* lddw into global data: map_idx + sym_off */
	UB_RELO_CALL,	      /* bpf-to-bpf call: sym_off in .text */
	UB_RELO_SUBPROG_ADDR, /* lddw of a function address */
	UB_RELO_KSYM,	      /* __ksym extern: map_idx 1 if weak, sym_off
			       * its symbol index */
};

struct ub_reloc {
	uint32_t type;	   /* enum ub_reloc_type */
	uint32_t insn_idx; /* in the owning program's instructions */
	uint32_t map_idx;
	uint64_t sym_off;
};

struct userbpf_program {
	struct userbpf_object *obj;
	char *name;
	const char *sec_name;
	size_t sec_idx;
	size_t sec_insn_off; /* first instruction inside the section */
	size_t sec_insn_cnt;
	const struct ub_sec_def *sec_def; /* NULL: unrecognised section */
	uint32_t type;
	uint32_t expected_attach_type;
	const char *attach_target;
	bool autoload;
	bool sleepable;
	bool is_subprog; /* in .text: linked into the programs calling it */
	/* Own instructions; for an entry program after prepare, followed by
	 * the subprograms it calls. */
	struct userbpf_insn *insns;
	size_t insn_cnt;
	struct ub_reloc *relos;
	size_t relo_cnt;
	size_t relo_cap;
	size_t sub_insn_off; /* where this subprogram sits in the current
			      * entry program (relocation scratch) */
	struct userbpf_line_info *line_info;
	size_t line_info_cnt;
	struct userbpf_func_info *func_info;
	size_t func_info_cnt;
	struct userbpf_prog *prog;
};

/* ==== Maps ==== */

struct userbpf_object_map {
	struct userbpf_object *obj;
	char *name;
	const char *sec_name;
	size_t sec_idx;
	uint64_t sec_offset;  /* symbol offset inside its section */
	uint32_t btf_var_idx; /* .maps: index in the DATASEC */
	struct userbpf_map_def def;
	/* prog-array / map-in-map initialisers: -1 empty, else a map index
	 * (map-in-map) or a program index into obj->progs */
	int64_t *init_slots;
	size_t init_slot_cnt;
	/* global data: initial contents (zeroes for .bss) */
	uint8_t *initial;
	size_t initial_size;
	struct userbpf_map *map; /* after load */
};

/* ==== Externs (.kconfig) ==== */

struct ub_extern {
	const char *name; /* in the ELF string table */
	size_t sym_idx;
	uint32_t type_id;
	int type; /* kconfig.c's enum kcfg_type */
	uint32_t size;
	uint64_t off; /* in the .kconfig map value */
	bool is_signed;
	bool weak;
};

/* ==== The object ==== */

struct userbpf_object {
	char *name;
	char *path;   /* for messages */
	uint8_t *buf; /* copy of the file */
	size_t size;
	struct ub_elf elf;
	struct userbpf_btf *btf; /* NULL without .BTF */
	struct ub_btf_ext *btf_ext;
	char license[128];
	uint32_t kversion;
	size_t text_shndx; /* 0: none */
	size_t maps_shndx; /* .maps */
	size_t legacy_maps_shndx;
	/* every function, sorted by (sec_idx, sec_insn_off) */
	struct userbpf_program *progs;
	size_t prog_cnt;
	struct userbpf_object_map *maps;
	size_t map_cnt;
	size_t map_cap;
	struct ub_extern *externs; /* .kconfig externs */
	size_t extern_cnt;
	uint64_t kconfig_size;
	char *kconfig_text; /* the 'kconfig' open option */
	/* options */
	char *btf_custom_path;
	uint32_t core_target; /* enum userbpf_core_target */
	/* what CO-RE resolved against, kept for the task layout of
	 * bpf_get_current_task; its programs hold references */
	struct ub_btf_ref *target_ref;
	const struct userbpf_helper *helpers;
	size_t helper_cnt;
	const struct userbpf_helper *extra_helpers;
	size_t extra_helper_cnt;
	int engine;	 /* enum userbpf_engine, applied to every program */
	bool unverified; /* open option: skip the verifier at load */
	int prepare_err; /* a failed prepare leaves programs half relocated */
	bool prepared;
	bool loaded;
	struct ub_err err;
	char errmsg[512];
};

#define obj_err(OBJ, ERR, ...) ub_errf(&(OBJ)->err, (ERR), __VA_ARGS__)

/* sections.c */
int ub_obj_collect_programs(struct userbpf_object *obj);
struct userbpf_program *ub_obj_find_prog_by_sec_insn(const struct userbpf_object *obj,
						     size_t sec_idx, size_t insn_idx);
/* maps_spec.c */
int ub_obj_init_maps(struct userbpf_object *obj);
int ub_obj_collect_map_relos(struct userbpf_object *obj, size_t rel_idx);
bool ub_map_is_map_in_map(uint32_t type);
/* relo.c */
int ub_obj_collect_relos(struct userbpf_object *obj);
int ub_obj_relocate(struct userbpf_object *obj, struct userbpf_btf *target);
int ub_obj_collect_ext_info(struct userbpf_object *obj);
/* core.c */
int ub_obj_relocate_core(struct userbpf_object *obj, struct userbpf_btf *target);
/* maps_spec.c */
void ub_btf_fixup_datasecs(struct userbpf_object *obj);
/* kconfig.c */
int ub_obj_collect_externs(struct userbpf_object *obj);
const struct ub_extern *ub_obj_find_extern(const struct userbpf_object *obj, size_t sym_idx);
int ub_kconfig_fill(struct userbpf_object *obj, uint8_t *data, size_t size,
		    const char *kconfig_text);
/* target_btf.c */
/* A BTF shared by an object and its programs (which may outlive it). */
struct ub_btf_ref {
	struct userbpf_btf *btf;
	bool owned; /* false: the process-wide kernel or context BTF */
	int refs;
};
struct ub_btf_ref *ub_btf_ref_new(struct userbpf_btf *btf, bool owned);
struct ub_btf_ref *ub_btf_ref_get(struct ub_btf_ref *ref);
void ub_btf_ref_put(struct ub_btf_ref *ref);
/* userbpf's context BTF, parsed once per process (never freed) */
struct userbpf_btf *ub_ctx_btf_shared(void);
/* The BTF a program's task_struct is laid out by: its object's CO-RE
 * target, else the kernel's, else the context BTF. */
const struct userbpf_btf *ub_prog_task_btf(const struct userbpf_prog *prog);

/* The running kernel's BTF, parsed and indexed once per process and
 * never freed (read-only, shareable); NULL + errno when absent. */
struct userbpf_btf *ub_kernel_btf(void);
/* The CO-RE target of obj per its options: *shared when it is the
 * kernel's (not to be freed).  0 or -errno (message set). */
int ub_obj_target_btf(struct userbpf_object *obj, struct userbpf_btf **out, bool *shared);
/* kernel_helpers.c: the kernel's name of helper id (no "bpf_"), or NULL */
const char *ub_kernel_helper_name(uint32_t id);
/* ctx_btf.c (generated) */
extern const unsigned char ub_ctx_btf[];
extern const size_t ub_ctx_btf_size;

#endif /* USERBPF_LOADER_INT_H */
