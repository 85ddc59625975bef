/* SPDX-License-Identifier: MIT */
/*
 * object.c - the object API (include/userbpf/object.h): open, prepare,
 * load, close and the getters, on top of the loader stages.
 *
 * Owns: struct userbpf_object's life cycle; the order of the stages at
 * open (ELF, special sections, BTF, BTF.ext, programs, DATASEC fix-up,
 * maps, relocations, line info); choosing the CO-RE target BTF; map
 * creation at load (libbpf's adjustments: perf-event-array sizes,
 * ring-buffer rounding, inner-map templates; global data written and
 * .rodata frozen); the lddw resolver handed to userbpf_prog__new() (map
 * index -> map pointer, map index + offset -> pointer into the value);
 * .kconfig values filled and frozen at load;
 * prog-array and map-in-map initialisers; run-time failure of
 * instructions poisoned by CO-RE.
 *
 * Does not own: parsing (elf.c, btf*.c), section semantics (sections.c,
 * maps_spec.c), relocation (relo.c, core.c), maps and programs
 * themselves (src/maps, src/vm).
 */
#include "util/ubc.h"

#include "loader_int.h"
#include "userbpf/jit.h"
#include "maps/map.h"
#include "util/alloc.h"
#include "util/platform_int.h"
#include "util/log.h"
#include "vm/vm_int.h"
#include "userbpf/verifier.h"
#include "helpers/task_struct.h"
#include "helpers/kfunc.h"

#define OPTS_HAS(opts, field)                                                                      \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, def) (OPTS_HAS(opts, field) ? (opts)->field : (def))

/* Helper id standing in for libbpf's poison call (0xbad2310) at run
 * time: 0 is BPF_FUNC_unspec, never a real helper. */
#define POISON_HELPER_ID 0

static bool opts_valid(const void *opts, size_t known)
{
	const uint8_t *p = opts;
	size_t sz, i;

	if (!opts)
		return true;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return false;
	for (i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

/* ==== Open ==== */

static int collect_special_sections(struct userbpf_object *obj)
{
	struct ub_elf *elf = &obj->elf;
	size_t i, size;
	int err;

	if (!elf->symtab_idx)
		return obj_err(obj, -EINVAL, "no symbol table (stripped object?)");
	for (i = 1; i < elf->shnum; i++) {
		const Elf64_Shdr *sh = &elf->shdrs[i];
		const char *name = elf->sec_names[i];
		const uint8_t *data = ub_elf_sec_data(elf, i, &size);

		if (!strcmp(name, "license") && data) {
			size_t n = size < sizeof(obj->license) - 1 ? size :
								     sizeof(obj->license) - 1;

			memcpy(obj->license, data, n);
			obj->license[n] = '\0';
		} else if (!strcmp(name, "version") && data) {
			if (size != sizeof(uint32_t))
				return obj_err(obj, -EINVAL,
					       "sec 'version': %zu bytes, "
					       "want 4",
					       size);
			memcpy(&obj->kversion, data, sizeof(uint32_t));
		} else if (!strcmp(name, ".maps") && !obj->maps_shndx) {
			if (sh->sh_type != SHT_PROGBITS)
				return obj_err(obj, -EINVAL, "sec '.maps': not PROGBITS");
			obj->maps_shndx = i;
		} else if (!strcmp(name, "maps") && !obj->legacy_maps_shndx) {
			obj->legacy_maps_shndx = i;
		} else if (!strcmp(name, ".text") && sh->sh_type == SHT_PROGBITS &&
			   (sh->sh_flags & SHF_EXECINSTR) && sh->sh_size) {
			obj->text_shndx = i;
		} else if (!strcmp(name, ".BTF") && !obj->btf) {
			if (!data)
				return obj_err(obj, -EINVAL, "sec '.BTF': no data");
			err = ub_btf_parse(data, size, ".BTF", &obj->err, &obj->btf);
			if (err)
				return err;
		}
	}
	/* .BTF.ext refers to .BTF strings: parse it second. */
	i = ub_elf_find_sec(elf, ".BTF.ext");
	if (i) {
		const uint8_t *data = ub_elf_sec_data(elf, i, &size);

		if (!obj->btf)
			return obj_err(obj, -EINVAL, "sec '.BTF.ext' without '.BTF'");
		if (!data)
			return obj_err(obj, -EINVAL, "sec '.BTF.ext': no data");
		err = ub_btf_ext_parse(data, size, &obj->err, &obj->btf_ext);
		if (err)
			return err;
	}
	return 0;
}

static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name, *dot;

	name = ub_strdup(base ? base + 1 : path);
	if (!name)
		return NULL;
	dot = strchr(name, '.');
	if (dot)
		*dot = '\0';
	return name;
}

static struct userbpf_object *open_common(const void *buf, size_t size, const char *path,
					  bool copy_buf,
					  const struct userbpf_object_open_opts *opts)
{
	const char *name = OPTS_GET(opts, object_name, NULL);
	const char *btf_path = OPTS_GET(opts, btf_custom_path, NULL);
	const char *kconfig = OPTS_GET(opts, kconfig, NULL);
	char *errbuf = OPTS_GET(opts, err_buf, NULL);
	size_t errbuf_sz = OPTS_GET(opts, err_buf_sz, 0);
	struct userbpf_object *obj;
	int err = -ENOMEM;

	if (errbuf && errbuf_sz)
		errbuf[0] = '\0';
	obj = ub_alloc(sizeof(*obj));
	if (!obj) {
		if (!copy_buf)
			ub_free((void *)buf);
		errno = ENOMEM;
		return NULL;
	}
	obj->err.buf = obj->errmsg;
	obj->err.size = sizeof(obj->errmsg);
	obj->path = ub_strdup(path);
	obj->name = name ? ub_strdup(name) : copy_buf ? ub_strdup("mem") : default_name(path);
	if (copy_buf) {
		obj->buf = ub_alloc(size);
		if (obj->buf)
			memcpy(obj->buf, buf, size);
	} else {
		obj->buf = (uint8_t *)buf; /* read by us, now owned */
	}
	obj->size = size;
	if (btf_path)
		obj->btf_custom_path = ub_strdup(btf_path);
	if (kconfig)
		obj->kconfig_text = ub_strdup(kconfig);
	if (!obj->path || !obj->name || !obj->buf || (btf_path && !obj->btf_custom_path) ||
	    (kconfig && !obj->kconfig_text))
		goto err_out;
	obj->err.file = obj->path;
	obj->core_target = OPTS_GET(opts, core_target, USERBPF_CORE_TARGET_AUTO);
	if (obj->core_target > USERBPF_CORE_TARGET_CTX) {
		err = -EINVAL;
		goto err_out;
	}
	obj->helpers = OPTS_GET(opts, helpers, NULL);
	obj->helper_cnt = OPTS_GET(opts, helper_cnt, 0);
	obj->extra_helpers = OPTS_GET(opts, extra_helpers, NULL);
	obj->extra_helper_cnt = OPTS_GET(opts, extra_helper_cnt, 0);
	obj->engine = OPTS_GET(opts, engine, 0);
	obj->unverified = OPTS_GET(opts, unverified, 0) != 0;
	if ((!obj->helpers && obj->helper_cnt) || (!obj->extra_helpers && obj->extra_helper_cnt)) {
		err = obj_err(obj, -EINVAL, "helper table NULL with a count");
		goto err_out;
	}

	err = ub_elf_parse(&obj->elf, obj->buf, obj->size, &obj->err);
	if (!err)
		err = collect_special_sections(obj);
	if (!err)
		err = ub_obj_collect_programs(obj);
	if (!err) {
		ub_btf_fixup_datasecs(obj);
		err = ub_obj_collect_externs(obj);
	}
	if (!err)
		err = ub_obj_init_maps(obj);
	if (!err)
		err = ub_obj_collect_relos(obj);
	if (!err)
		err = ub_obj_collect_ext_info(obj);
	if (err)
		goto err_out;
	return obj;

err_out:
	if (err == -ENOMEM && !obj->errmsg[0])
		obj_err(obj, err, "out of memory");
	if (errbuf && errbuf_sz)
		snprintf(errbuf, errbuf_sz, "%s", obj->errmsg);
	userbpf_object__close(obj);
	errno = -err;
	return NULL;
}

struct userbpf_object *userbpf_object__open_mem(const void *buf, size_t size,
						const struct userbpf_object_open_opts *opts)
{
	if (!buf || !opts_valid(opts, sizeof(*opts))) {
		errno = EINVAL;
		return NULL;
	}
	return open_common(buf, size,
			   OPTS_GET(opts, object_name, NULL) ? OPTS_GET(opts, object_name, NULL) :
							       "<memory>",
			   true, opts);
}

struct userbpf_object *userbpf_object__open_file(const char *path,
						 const struct userbpf_object_open_opts *opts)
{
	char *errbuf = OPTS_GET(opts, err_buf, NULL);
	size_t errbuf_sz = OPTS_GET(opts, err_buf_sz, 0);
	uint8_t *buf;
	size_t size;
	int err;

	if (!path || !opts_valid(opts, sizeof(*opts))) {
		errno = EINVAL;
		return NULL;
	}
	err = ub_read_file(path, &buf, &size);
	if (err) {
		if (errbuf && errbuf_sz)
			snprintf(errbuf, errbuf_sz, "%s: cannot read: %s", path,
				 userbpf_strerror(err));
		ub_warn("%s: cannot read: %s\n", path, userbpf_strerror(err));
		errno = -err;
		return NULL;
	}
	return open_common(buf, size, path, false, opts);
}

/* ==== Prepare ==== */

int userbpf_object__prepare(struct userbpf_object *obj)
{
	struct userbpf_btf *target = NULL;
	int err;

	if (!obj)
		return -EINVAL;
	if (obj->prepared)
		return 0;
	if (obj->prepare_err)
		return obj->prepare_err;
	ub_err_reset(&obj->err);
	if (obj->btf_ext && obj->btf_ext->core_relo.sec_cnt && !obj->target_ref) {
		bool shared;

		err = ub_obj_target_btf(obj, &target, &shared);
		if (err)
			return err;
		obj->target_ref = ub_btf_ref_new(target, !shared);
		if (!obj->target_ref) {
			if (!shared)
				userbpf_btf__free(target);
			return -ENOMEM;
		}
	}
	target = obj->target_ref ? obj->target_ref->btf : NULL;
	err = ub_obj_relocate(obj, target);
	if (err) {
		/* instructions may be half relocated: never retry */
		obj->prepare_err = err;
		return err;
	}
	obj->prepared = true;
	return 0;
}

/* ==== Load ==== */

/* libbpf's adjust_ringbuf_sz(): a power-of-2 multiple of the page size. */
static uint32_t ringbuf_size(uint32_t sz)
{
	uint64_t n = UB_PAGE_SIZE;

	if (!sz)
		return 0;
	while (n < sz && n <= (1ull << 31))
		n *= 2;
	return n > UINT32_MAX ? sz : (uint32_t)n;
}

/*
 * Offset + 1 of a top-level struct bpf_spin_lock member of the value
 * type (what BPF_F_LOCK locks), or 0.
 */
uint32_t ub_btf_spin_lock_off1(const struct userbpf_btf *btf, uint32_t value_type_id)
{
	const struct ub_btf_type *t;
	const struct ub_btf_member *m;
	uint32_t i;

	if (!btf || !value_type_id)
		return 0;
	t = ub_btf_skip_mods_typedefs(btf, value_type_id, NULL);
	if (!t || ub_btf_kind(t) != 4 /* STRUCT */)
		return 0;
	m = ub_btf_members(t);
	for (i = 0; i < ub_btf_vlen(t); i++) {
		const struct ub_btf_type *mt = ub_btf_skip_mods_typedefs(btf, m[i].type, NULL);
		uint32_t bit = ub_btf_kflag(t) ? m[i].offset & 0xffffff : m[i].offset;

		if (mt && ub_btf_kind(mt) == 4 &&
		    !strcmp(ub_btf_type_name(btf, mt), "bpf_spin_lock") && bit % 32 == 0)
			return bit / 8 + 1;
	}
	return 0;
}

static int create_map(struct userbpf_object *obj, struct userbpf_object_map *m)
{
	struct userbpf_map_def def = m->def;
	struct userbpf_map *inner = NULL;
	int err;

	if (def.type == USERBPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		if (!def.key_size)
			def.key_size = 4;
		if (!def.value_size)
			def.value_size = 4;
		if (!def.max_entries)
			def.max_entries = (uint32_t)userbpf_num_possible_cpus();
	}
	if (def.type == USERBPF_MAP_TYPE_RINGBUF || def.type == USERBPF_MAP_TYPE_USER_RINGBUF)
		def.max_entries = ringbuf_size(def.max_entries);
	if (def.has_inner) {
		char name[UB_OBJ_NAME_LEN + 8];
		USERBPF_OPTS(userbpf_map_create_opts, iopts, .map_flags = def.inner_map_flags);

		snprintf(name, sizeof(name), "%.9s.inner", m->name);
		inner = userbpf_map__create(def.inner_type, name, def.inner_key_size,
					    def.inner_value_size, def.inner_max_entries, &iopts);
		if (!inner)
			return obj_err(obj, -errno,
				       "map '%s.inner': cannot create "
				       "the inner map template (type %s, key %u, "
				       "value %u, max %u)",
				       m->name,
				       userbpf_map_type_name(def.inner_type) ?
					       userbpf_map_type_name(def.inner_type) :
					       "?",
				       def.inner_key_size, def.inner_value_size,
				       def.inner_max_entries);
	}
	{
		USERBPF_OPTS(
			userbpf_map_create_opts, copts, .map_flags = def.map_flags,
			.map_extra = def.map_extra, .numa_node = def.numa_node, .inner_map = inner,
			.spin_lock_off1 = ub_btf_spin_lock_off1(obj->btf, def.btf_value_type_id));

		m->map = userbpf_map__create(def.type, m->name, def.key_size, def.value_size,
					     def.max_entries, &copts);
	}
	err = m->map ? 0 : -errno;
	userbpf_map__put(inner);
	if (err)
		return obj_err(obj, err,
			       "map '%s': cannot create (type %s, key %u, "
			       "value %u, max %u, flags 0x%x)%s",
			       m->name,
			       userbpf_map_type_name(def.type) ? userbpf_map_type_name(def.type) :
								 "?",
			       def.key_size, def.value_size, def.max_entries, def.map_flags,
			       !def.value_size && def.type != USERBPF_MAP_TYPE_RINGBUF &&
					       def.type != USERBPF_MAP_TYPE_USER_RINGBUF &&
					       def.type != USERBPF_MAP_TYPE_BLOOM_FILTER ?
				       ": its value size is left to the loader "
				       "(userbpf_object_map__set_value_size, "
				       "--map-value-size)" :
			       !def.max_entries ? ": its max_entries is left to "
						  "the loader (userbpf_object_map__"
						  "set_max_entries, --map-size)" :
						  "");
	if (m->def.kind == USERBPF_OBJECT_MAP_KCONFIG) {
		err = ub_kconfig_fill(obj, m->initial, m->initial_size, obj->kconfig_text);
		if (err)
			return err;
	}
	if (m->def.kind >= USERBPF_OBJECT_MAP_DATA) {
		uint32_t zero = 0;

		err = userbpf_map__update_elem(m->map, &zero, m->initial, 0);
		if (err)
			return obj_err(obj, err,
				       "map '%s': cannot set the initial "
				       "contents of '%s'",
				       m->name, m->sec_name);
		if (m->def.kind == USERBPF_OBJECT_MAP_RODATA ||
		    m->def.kind == USERBPF_OBJECT_MAP_KCONFIG) {
			err = userbpf_map__freeze(m->map);
			if (err)
				return obj_err(obj, err, "map '%s': cannot freeze", m->name);
		}
	}
	return 0;
}

/* The ld_imm64 resolver: map_idx -> map, map_idx_value -> value + off. */
static int resolve_ld_imm64(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm,
			    uint64_t *value)
{
	struct userbpf_object *obj = cookie;
	struct userbpf_object_map *m;
	uint8_t *base;
	size_t size;

	if (src_reg == USERBPF_PSEUDO_BTF_ID) /* a __ksym (relo.c): its address */
		return ub_ksym_resolve(ub_kernel_btf(), imm, next_imm, value, NULL, 0);
	if (src_reg != USERBPF_PSEUDO_MAP_IDX && src_reg != USERBPF_PSEUDO_MAP_IDX_VALUE)
		return -EINVAL;
	if (imm < 0 || (size_t)imm >= obj->map_cnt || !obj->maps[imm].map)
		return -ENOENT;
	m = &obj->maps[imm];
	if (src_reg == USERBPF_PSEUDO_MAP_IDX) {
		if (next_imm)
			return -EINVAL;
		*value = (uint64_t)(uintptr_t)m->map;
		return 0;
	}
	/* kernel: direct value access for single-entry arrays only */
	if (userbpf_map__type(m->map) != USERBPF_MAP_TYPE_ARRAY ||
	    userbpf_map__max_entries(m->map) != 1 || next_imm < 0 ||
	    (uint32_t)next_imm >= userbpf_map__value_size(m->map))
		return -EINVAL;
	base = userbpf_map__mmap_ptr(m->map, &size);
	if (!base) {
		uint32_t zero = 0;

		base = ub_map_lookup_elem(ub_map_from(m->map), &zero);
		if (!base)
			return -EINVAL;
	}
	*value = (uint64_t)(uintptr_t)(base + next_imm);
	return 0;
}

/*
 * A CO-RE access that could not be resolved was replaced with libbpf's
 * marker call.  The kernel's verifier rejects it only if reachable; here
 * it loads and fails the run if it is ever executed.
 */
static uint64_t core_poison_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				   struct userbpf_run *run)
{
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	userbpf_run__abort(run, -EINVAL,
			   "unresolved CO-RE relocation or call "
			   "of an absent weak kfunc (instruction poisoned by the "
			   "loader)");
	return 0;
}

/*
 * What a program owns beyond the VM's copy of its code, released by its
 * on_free hook: references on the maps its lddw instructions name, and
 * the extra-helper table it was created with (the VM keeps pointers into
 * it).  So a program may outlive its object (a prog array elsewhere).
 */
struct prog_owned {
	struct userbpf_helper *helpers;
	/* the object's CO-RE target: the layout of its task_struct */
	struct ub_btf_ref *target_ref;
	/* checked mode: the global data the program addresses directly */
	struct userbpf_mem_region *regions;
	size_t region_cnt;
	size_t map_cnt;
	struct userbpf_map *maps[];
};

static void prog_owned_put(void *data)
{
	struct prog_owned *po = data;
	size_t i;

	for (i = 0; i < po->map_cnt; i++)
		userbpf_map__put(po->maps[i]);
	ub_btf_ref_put(po->target_ref);
	ub_free(po->helpers);
	ub_free(po->regions);
	ub_free(po);
}

const struct userbpf_btf *ub_prog_task_btf(const struct userbpf_prog *prog)
{
	const struct prog_owned *po = NULL;
	struct userbpf_btf *k;

	/* only programs this loader created carry a prog_owned */
	if (prog && prog->on_free == prog_owned_put)
		po = prog->on_free_data;
	if (po && po->target_ref)
		return po->target_ref->btf;
	k = ub_kernel_btf();
	return k ? k : ub_ctx_btf_shared();
}

static struct prog_owned *prog_owned_get(struct userbpf_object *obj,
					 const struct userbpf_program *prog,
					 const struct userbpf_helper *extra, size_t extra_cnt)
{
	struct prog_owned *po;
	uint8_t *used; /* 1: lddw map_idx, 2: lddw map_idx_value */
	size_t i, n = 0, nval = 0;

	used = ub_calloc(obj->map_cnt + 1, sizeof(*used));
	if (!used)
		return NULL;
	for (i = 0; i + 1 < prog->insn_cnt; i++) {
		const struct userbpf_insn *insn = &prog->insns[i];

		if (insn->code != (USERBPF_LD | USERBPF_IMM | USERBPF_DW))
			continue;
		if ((insn->src_reg == USERBPF_PSEUDO_MAP_IDX ||
		     insn->src_reg == USERBPF_PSEUDO_MAP_IDX_VALUE) &&
		    insn->imm >= 0 && (size_t)insn->imm < obj->map_cnt) {
			uint8_t bit = insn->src_reg == USERBPF_PSEUDO_MAP_IDX ? 1 : 2;

			n += !used[insn->imm];
			nval += bit == 2 && !(used[insn->imm] & 2);
			used[insn->imm] |= bit;
		}
		i++; /* second slot */
	}
	po = ub_alloc(sizeof(*po) + n * sizeof(po->maps[0]));
	if (po) {
		po->helpers = ub_calloc(extra_cnt, sizeof(*extra));
		po->regions = ub_calloc(nval ? nval : 1, sizeof(*po->regions));
	}
	if (!po || !po->helpers || !po->regions) {
		if (po) {
			ub_free(po->helpers);
			ub_free(po->regions);
		}
		ub_free(po);
		ub_free(used);
		return NULL;
	}
	memcpy(po->helpers, extra, extra_cnt * sizeof(*extra));
	po->target_ref = ub_btf_ref_get(obj->target_ref);
	for (i = 0; i < obj->map_cnt; i++) {
		struct userbpf_map *map = obj->maps[i].map;
		uint64_t value;

		if (!used[i] || !map)
			continue;
		po->maps[po->map_cnt++] = userbpf_map__get(map);
		if ((used[i] & 2) &&
		    !resolve_ld_imm64(obj, USERBPF_PSEUDO_MAP_IDX_VALUE, (int32_t)i, 0, &value))
			po->regions[po->region_cnt++] = (struct userbpf_mem_region){
				(void *)(uintptr_t)value, userbpf_map__value_size(map),
				!(userbpf_map__flags(map) & USERBPF_F_RDONLY_PROG)
			};
	}
	ub_free(used);
	return po;
}

static bool is_poison(const struct userbpf_insn *insn)
{
	return insn->code == (USERBPF_JMP | USERBPF_CALL) && insn->src_reg == 0 &&
	       insn->imm == UB_CORE_POISON_IMM;
}

/*
 * The verifier hook (issue 12): verify with the same helper tables the
 * program was created with; accepted programs are marked verified (they
 * may run unchecked), a rejection frees the program and fails the load
 * with the reason (full log through the print callback).
 */
static int verify_prog(struct userbpf_object *obj, struct userbpf_program *prog,
		       const struct userbpf_helper *extra, size_t extra_cnt)
{
	size_t log_sz = 1 << 16;
	char *log = ub_alloc(log_sz), *reason, *end;
	int err;

	if (!log)
		return -ENOMEM;
	struct userbpf_verifier_stats vst = { 0 };
	{
		USERBPF_OPTS(userbpf_verifier_opts, vo, .helpers = obj->helpers,
			     .helper_cnt = obj->helper_cnt, .extra_helpers = extra,
			     .extra_helper_cnt = extra ? extra_cnt : 0, .log_buf = log,
			     .log_size = log_sz, .stats = &vst);

		err = userbpf_program__verify(obj, prog, &vo);
	}
	if (!err) {
		/* loads through kernel object pointers need the checked
		 * engine's fault-tolerant loads (the kernel's PROBE_MEM) */
		vm_prog_set_verified(prog->prog, !vst.probe_mem_insns);
		ub_free(log);
		return 0;
	}
	ub_warn("prog '%s': verifier rejected it:\n%s", prog->name, log);
	userbpf_prog__free(prog->prog);
	prog->prog = NULL;
	/* the reason: the log up to "verification failed at insn N" */
	reason = log;
	end = strstr(log, "\nprocessed ");
	if (end)
		*end = '\0';
	while (strlen(reason) > 400 && strchr(reason, '\n'))
		reason = strchr(reason, '\n') + 1;
	err = obj_err(obj, err, "prog '%s': verifier rejected the program:\n%s", prog->name,
		      reason);
	ub_free(log);
	return err;
}

/* extra: the user's extra helpers followed by the poison stand-in. */
static bool has_helper(const struct userbpf_object *obj, const struct userbpf_helper *extra,
		       size_t extra_cnt, uint32_t id)
{
	size_t i;

	for (i = 0; i < extra_cnt; i++)
		if (extra[i].id == id && extra[i].fn)
			return true;
	if (!obj->helpers)
		return userbpf_helper_by_id(id) != NULL;
	for (i = 0; i < obj->helper_cnt; i++)
		if (obj->helpers[i].id == id && obj->helpers[i].fn)
			return true;
	return false;
}

/*
 * Every helper call must name a helper of the program's tables: refuse
 * the others by the kernel's name for their id, as the kernel's verifier
 * names a helper it does not know for the program type.
 */
static int check_helpers(struct userbpf_object *obj, const struct userbpf_program *prog,
			 const struct userbpf_insn *insns, const struct userbpf_helper *extra,
			 size_t extra_cnt)
{
	size_t i;

	for (i = 0; i < prog->insn_cnt; i++) {
		const struct userbpf_insn *in = &insns[i];
		uint32_t id = (uint32_t)in->imm;
		const char *kname;

		if (in->code != 0x85 || in->src_reg != 0)
			continue;
		if (has_helper(obj, extra, extra_cnt, id))
			continue;
		kname = ub_kernel_helper_name(id);
		if (kname)
			return obj_err(obj, -EINVAL,
				       "prog '%s' (sec '%s'): insn %zu "
				       "calls helper bpf_%s#%u, which userbpf does "
				       "not implement",
				       prog->name, prog->sec_name, i, kname, id);
		return obj_err(obj, -EINVAL,
			       "prog '%s' (sec '%s'): insn %zu calls "
			       "helper #%u, which is no kernel helper",
			       prog->name, prog->sec_name, i, id);
	}
	return 0;
}

static int create_prog(struct userbpf_object *obj, struct userbpf_program *prog,
		       const struct userbpf_helper *extra, size_t extra_cnt)
{
	const struct userbpf_insn *insns = prog->insns;
	struct userbpf_insn *copy = NULL;
	const struct userbpf_helper *type_helpers;
	struct userbpf_helper *combined;
	size_t type_cnt;
	struct prog_owned *po;
	char errbuf[256] = "";
	bool poisoned = false;
	size_t i;
	int err;

	/* the kernel's check of __ksym addresses, with its message */
	if (ub_ksym_used(prog->insns, prog->insn_cnt)) {
		err = ub_ksym_check(prog->insns, prog->insn_cnt, ub_kernel_btf(), errbuf,
				    sizeof(errbuf));
		if (err) {
			errbuf[strcspn(errbuf, "\n")] = '\0';
			return obj_err(obj, err, "prog '%s' (sec '%s'): %s", prog->name,
				       prog->sec_name, errbuf);
		}
	}
	for (i = 0; i < prog->insn_cnt; i++)
		poisoned |= is_poison(&prog->insns[i]);
	if (poisoned) {
		copy = ub_calloc(prog->insn_cnt, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, prog->insns, prog->insn_cnt * sizeof(*copy));
		for (i = 0; i < prog->insn_cnt; i++)
			if (is_poison(&copy[i]))
				copy[i].imm = POISON_HELPER_ID;
		insns = copy;
	}
	if (!poisoned)
		extra_cnt--; /* no stand-in needed */
	/* the program type's helpers (packet access...) first, so the
	 * user's extras override them by id */
	type_helpers = userbpf_prog_type_helpers(prog->type, &type_cnt);
	combined = ub_calloc(type_cnt + extra_cnt + 1, sizeof(*combined));
	if (!combined) {
		ub_free(copy);
		return -ENOMEM;
	}
	if (type_cnt)
		memcpy(combined, type_helpers, type_cnt * sizeof(*combined));
	if (extra_cnt)
		memcpy(combined + type_cnt, extra, extra_cnt * sizeof(*combined));
	extra_cnt += type_cnt;
	err = check_helpers(obj, prog, insns, combined, extra_cnt);
	if (err) {
		ub_free(combined);
		ub_free(copy);
		return err;
	}
	po = prog_owned_get(obj, prog, combined, extra_cnt);
	ub_free(combined);
	if (!po) {
		ub_free(copy);
		return -ENOMEM;
	}
	{
		USERBPF_OPTS(userbpf_prog_opts, popts, .name = prog->name, .prog_type = prog->type,
			     .helpers = obj->helpers, .helper_cnt = obj->helper_cnt,
			     .extra_helpers = po->helpers, .extra_helper_cnt = extra_cnt,
			     .ld_imm64 = resolve_ld_imm64, .ld_imm64_cookie = obj,
			     .regions = po->regions, .region_cnt = po->region_cnt,
			     .on_free = prog_owned_put, .on_free_data = po, .err_buf = errbuf,
			     .err_buf_sz = sizeof(errbuf));

		prog->prog = userbpf_prog__new(insns, prog->insn_cnt, &popts);
		if (prog->prog && obj->engine)
			userbpf_prog__set_engine(prog->prog, (enum userbpf_engine)obj->engine);
	}
	err = prog->prog ? 0 : -errno;
	if (err)
		prog_owned_put(po); /* on_free runs only for created programs */
	else if (!obj->unverified)
		err = verify_prog(obj, prog, po->helpers, extra_cnt); /* issue 12: on by default */
	if (!err)
		ub_kfunc_prepare(prog->prog); /* the task kfuncs' images, before any run */
	ub_free(copy);
	if (err)
		return obj_err(obj, err, "prog '%s' (sec '%s'): %s", prog->name, prog->sec_name,
			       errbuf[0] ? errbuf : "cannot create");
	return 0;
}

static int fill_init_slots(struct userbpf_object *obj, struct userbpf_object_map *m)
{
	size_t i;
	int err;

	for (i = 0; i < m->init_slot_cnt; i++) {
		uint32_t key = (uint32_t)i;

		if (m->init_slots[i] < 0)
			continue;
		if (ub_map_is_map_in_map(m->def.type)) {
			const struct userbpf_object_map *t = &obj->maps[m->init_slots[i]];
			uint32_t id = userbpf_map__id(t->map);

			err = userbpf_map__update_elem(m->map, &key, &id, 0);
			if (err)
				return obj_err(obj, err,
					       "map '%s': cannot set slot "
					       "%zu to map '%s'",
					       m->name, i, t->name);
		} else {
			const struct userbpf_program *p = &obj->progs[m->init_slots[i]];

			if (!p->prog)
				return obj_err(obj, -EINVAL,
					       "map '%s': slot %zu: "
					       "program '%s' is not loaded",
					       m->name, i, p->name);
			/* the maps layer's entry point: no fd/handle needed */
			err = ub_prog_array_set(ub_map_from(m->map), key, p->prog,
						userbpf_prog__id(p->prog));
			if (err)
				return obj_err(obj, err,
					       "map '%s': cannot set slot "
					       "%zu to program '%s'",
					       m->name, i, p->name);
		}
	}
	return 0;
}

static void unload(struct userbpf_object *obj)
{
	size_t i;

	/* Programs hold their maps; prog arrays may hold programs: empty
	 * the prog arrays first so no reference cycle outlives the object
	 * (the kernel clears them when their last user goes away). */
	for (i = 0; i < obj->map_cnt; i++) {
		struct userbpf_object_map *m = &obj->maps[i];
		uint32_t k;

		if (!m->map || m->def.type != USERBPF_MAP_TYPE_PROG_ARRAY)
			continue;
		for (k = 0; k < userbpf_map__max_entries(m->map); k++)
			userbpf_map__delete_elem(m->map, &k);
	}
	for (i = 0; i < obj->prog_cnt; i++) {
		userbpf_prog__put(obj->progs[i].prog);
		obj->progs[i].prog = NULL;
	}
	for (i = 0; i < obj->map_cnt; i++) {
		userbpf_map__put(obj->maps[i].map);
		obj->maps[i].map = NULL;
	}
}

static void set_task_hook(void)
{
	/* bpf_get_current_task lays the task out by the program's object */
	ub_task_btf_hook = ub_prog_task_btf;
}

int userbpf_object__load(struct userbpf_object *obj)
{
	static ub_once_t hook_once = UB_ONCE_INIT;
	struct userbpf_helper *extra;
	size_t i, extra_cnt;
	int err;

	if (!obj)
		return -EINVAL;
	if (obj->loaded)
		return -EBUSY;
	ub_once(&hook_once, set_task_hook);
	err = userbpf_object__prepare(obj);
	if (err)
		return err;
	ub_err_reset(&obj->err);
	/* user extras + the poison stand-in, which must stay last */
	extra_cnt = obj->extra_helper_cnt + 1;
	extra = ub_calloc(extra_cnt, sizeof(*extra));
	if (!extra)
		return -ENOMEM;
	if (obj->extra_helper_cnt)
		memcpy(extra, obj->extra_helpers, obj->extra_helper_cnt * sizeof(*extra));
	extra[extra_cnt - 1] = (struct userbpf_helper){ POISON_HELPER_ID,
							"bpf_core_poison",
							core_poison_helper,
							{ .ret = USERBPF_RET_INTEGER } };
	for (i = 0; i < obj->map_cnt && !err; i++)
		err = create_map(obj, &obj->maps[i]);
	for (i = 0; i < obj->prog_cnt && !err; i++) {
		struct userbpf_program *prog = &obj->progs[i];

		if (prog->is_subprog || !prog->autoload)
			continue;
		if (prog->type == USERBPF_PROG_TYPE_UNSPEC)
			err = obj_err(obj, -EINVAL,
				      "prog '%s': missing BPF prog "
				      "type, check ELF section name '%s'",
				      prog->name, prog->sec_name);
		else
			err = create_prog(obj, prog, extra, extra_cnt);
	}
	for (i = 0; i < obj->map_cnt && !err; i++)
		err = fill_init_slots(obj, &obj->maps[i]);
	ub_free(extra);
	if (err) {
		unload(obj);
		return err;
	}
	obj->loaded = true;
	return 0;
}

void userbpf_object__close(struct userbpf_object *obj)
{
	size_t i;

	if (!obj)
		return;
	unload(obj);
	for (i = 0; i < obj->prog_cnt; i++) {
		struct userbpf_program *p = &obj->progs[i];

		ub_free(p->name);
		ub_free(p->insns);
		ub_free(p->relos);
		ub_free(p->line_info);
		ub_free(p->func_info);
	}
	for (i = 0; i < obj->map_cnt; i++) {
		ub_free(obj->maps[i].name);
		ub_free(obj->maps[i].init_slots);
		ub_free(obj->maps[i].initial);
	}
	ub_free(obj->progs);
	ub_free(obj->maps);
	ub_free(obj->externs);
	ub_free(obj->kconfig_text);
	ub_btf_free(obj->btf);
	ub_btf_ext_free(obj->btf_ext);
	ub_elf_free(&obj->elf);
	ub_free(obj->buf);
	ub_free(obj->btf_custom_path);
	ub_btf_ref_put(obj->target_ref);
	ub_free(obj->name);
	ub_free(obj->path);
	ub_free(obj);
}

/* ==== Object getters ==== */

const char *userbpf_object__name(const struct userbpf_object *obj)
{
	return obj ? obj->name : NULL;
}

const char *userbpf_object__license(const struct userbpf_object *obj)
{
	return obj ? obj->license : NULL;
}

uint32_t userbpf_object__kversion(const struct userbpf_object *obj)
{
	return obj ? obj->kversion : 0;
}

const char *userbpf_object__errmsg(const struct userbpf_object *obj)
{
	return obj ? obj->errmsg : "";
}

const struct userbpf_btf *userbpf_object__btf(const struct userbpf_object *obj)
{
	return obj ? obj->btf : NULL;
}

const struct userbpf_btf *userbpf_object__target_btf(const struct userbpf_object *obj)
{
	return obj && obj->target_ref ? obj->target_ref->btf : NULL;
}

/* ==== Programs ==== */

struct userbpf_program *userbpf_object__next_program(const struct userbpf_object *obj,
						     const struct userbpf_program *prev)
{
	size_t i;

	if (!obj)
		return NULL;
	i = prev ? (size_t)(prev - obj->progs) + 1 : 0;
	for (; i < obj->prog_cnt; i++)
		if (!obj->progs[i].is_subprog)
			return &obj->progs[i];
	return NULL;
}

struct userbpf_program *userbpf_object__find_program_by_name(const struct userbpf_object *obj,
							     const char *name)
{
	struct userbpf_program *p = NULL;

	if (!name)
		return NULL;
	while ((p = userbpf_object__next_program(obj, p)))
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

const char *userbpf_program__name(const struct userbpf_program *prog)
{
	return prog->name;
}

const char *userbpf_program__section_name(const struct userbpf_program *prog)
{
	return prog->sec_name;
}

uint32_t userbpf_program__type(const struct userbpf_program *prog)
{
	return prog->type;
}

uint32_t userbpf_program__expected_attach_type(const struct userbpf_program *prog)
{
	return prog->expected_attach_type;
}

int userbpf_program__set_type(struct userbpf_program *prog, uint32_t type)
{
	if (prog->obj->loaded)
		return -EBUSY;
	prog->type = type;
	return 0;
}

const char *userbpf_program__attach_target(const struct userbpf_program *prog)
{
	return prog->attach_target;
}

bool userbpf_program__sleepable(const struct userbpf_program *prog)
{
	return prog->sleepable;
}

bool userbpf_program__autoload(const struct userbpf_program *prog)
{
	return prog->autoload;
}

int userbpf_program__set_autoload(struct userbpf_program *prog, bool autoload)
{
	/* CO-RE skips programs that will not load: decide before prepare */
	if (prog->obj->prepared || prog->obj->loaded)
		return -EBUSY;
	prog->autoload = autoload;
	return 0;
}

const char *userbpf_program__license(const struct userbpf_program *prog)
{
	return prog->obj->license;
}

size_t userbpf_program__insn_cnt(const struct userbpf_program *prog)
{
	return prog->insn_cnt;
}

const struct userbpf_insn *userbpf_program__insns(const struct userbpf_program *prog)
{
	return prog->insns;
}

struct userbpf_prog *userbpf_program__prog(const struct userbpf_program *prog)
{
	return prog->prog;
}

const struct userbpf_line_info *userbpf_program__line_info(const struct userbpf_program *prog,
							   size_t *cnt)
{
	*cnt = prog->line_info_cnt;
	return prog->line_info_cnt ? prog->line_info : NULL;
}

const struct userbpf_func_info *userbpf_program__func_info(const struct userbpf_program *prog,
							   size_t *cnt)
{
	*cnt = prog->func_info_cnt;
	return prog->func_info_cnt ? prog->func_info : NULL;
}

/* ==== Maps ==== */

struct userbpf_object_map *userbpf_object__next_map(const struct userbpf_object *obj,
						    const struct userbpf_object_map *prev)
{
	size_t i;

	if (!obj)
		return NULL;
	i = prev ? (size_t)(prev - obj->maps) + 1 : 0;
	return i < obj->map_cnt ? &obj->maps[i] : NULL;
}

struct userbpf_object_map *userbpf_object__find_map_by_name(const struct userbpf_object *obj,
							    const char *name)
{
	size_t i;

	if (!obj || !name)
		return NULL;
	for (i = 0; i < obj->map_cnt; i++)
		if (!strcmp(obj->maps[i].name, name))
			return &obj->maps[i];
	for (i = 0; i < obj->map_cnt; i++)
		if (obj->maps[i].def.kind >= USERBPF_OBJECT_MAP_DATA &&
		    !strcmp(obj->maps[i].sec_name, name))
			return &obj->maps[i];
	return NULL;
}

const char *userbpf_object_map__name(const struct userbpf_object_map *map)
{
	return map->name;
}

const char *userbpf_object_map__section_name(const struct userbpf_object_map *map)
{
	return map->sec_name;
}

int userbpf_object_map__def(const struct userbpf_object_map *map, struct userbpf_map_def *def)
{
	if (!map || !def)
		return -EINVAL;
	*def = map->def;
	return 0;
}

uint32_t userbpf_object_map__type(const struct userbpf_object_map *map)
{
	return map->def.type;
}

uint32_t userbpf_object_map__key_size(const struct userbpf_object_map *map)
{
	return map->def.key_size;
}

uint32_t userbpf_object_map__value_size(const struct userbpf_object_map *map)
{
	return map->def.value_size;
}

uint32_t userbpf_object_map__max_entries(const struct userbpf_object_map *map)
{
	return map->def.max_entries;
}

int userbpf_object_map__set_max_entries(struct userbpf_object_map *map, uint32_t max_entries)
{
	if (map->obj->loaded)
		return -EBUSY;
	if (map->def.kind >= USERBPF_OBJECT_MAP_DATA)
		return -EINVAL;
	map->def.max_entries = max_entries;
	return 0;
}

struct userbpf_map *userbpf_object_map__map(const struct userbpf_object_map *map)
{
	return map->map;
}

void *userbpf_object_map__initial_value(struct userbpf_object_map *map, size_t *size)
{
	if (size)
		*size = 0;
	if (map->def.kind < USERBPF_OBJECT_MAP_DATA)
		return NULL;
	if (size)
		*size = map->initial_size;
	if (map->map) {
		size_t sz;
		void *p = userbpf_map__mmap_ptr(map->map, &sz);

		if (p)
			return p;
		return ub_map_lookup_elem(ub_map_from(map->map), &(uint32_t){ 0 });
	}
	return map->initial;
}

int userbpf_object_map__set_initial_value(struct userbpf_object_map *map, const void *data,
					  size_t size)
{
	if (map->obj->loaded)
		return -EBUSY;
	if (map->def.kind < USERBPF_OBJECT_MAP_DATA || size != map->initial_size || !data)
		return -EINVAL;
	memcpy(map->initial, data, size);
	return 0;
}
