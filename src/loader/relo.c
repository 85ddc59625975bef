/* SPDX-License-Identifier: MIT */
/*
 * relo.c - ELF relocations of program sections and subprogram linking,
 * following libbpf (bpf_program__record_reloc, bpf_object__reloc_code,
 * bpf_object__relocate_data).
 *
 * Owns: classifying each relocation of an executable section (call into
 * .text, address of a .text function, map reference, global-data
 * reference), appending the .text subprograms an entry program calls
 * (each once, in call order) with call immediates rewritten to
 * target - (insn + 1), rewriting map references to lddw map_idx
 * (src_reg 5, imm = map index) and global-data references to lddw
 * map_idx_value (src_reg 6, imm = map index, next imm = offset), and
 * carrying line_info/func_info along with the instructions.
 *
 * Does not own: CO-RE (core.c), turning map indexes into map pointers
 * (the ld_imm64 resolver in object.c).
 */
#include "util/ubc.h"

#include "helpers/kfunc.h"
#include "loader_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define CODE_CALL (USERBPF_JMP | USERBPF_CALL)
#define CODE_LDDW (USERBPF_LD | USERBPF_IMM | USERBPF_DW)

static bool is_call(const struct userbpf_insn *insn)
{
	return insn->code == CODE_CALL && insn->src_reg == USERBPF_PSEUDO_CALL;
}

static bool is_pseudo_func(const struct userbpf_insn *insn)
{
	return insn->code == CODE_LDDW && insn->src_reg == USERBPF_PSEUDO_FUNC;
}

/* Append, growing geometrically: a file may hold many relocations. */
static int add_relo(struct userbpf_program *prog, const struct ub_reloc *r)
{
	if (prog->relo_cnt == prog->relo_cap) {
		size_t cap = prog->relo_cap ? 2 * prog->relo_cap : 8;
		struct ub_reloc *relos = ub_calloc(cap, sizeof(*relos));

		if (!relos)
			return -ENOMEM;
		if (prog->relo_cnt)
			memcpy(relos, prog->relos, prog->relo_cnt * sizeof(*relos));
		ub_free(prog->relos);
		prog->relos = relos;
		prog->relo_cap = cap;
	}
	prog->relos[prog->relo_cnt++] = *r;
	return 0;
}

static int map_idx_at(const struct userbpf_object *obj, size_t sec_idx, uint64_t sec_offset,
		      bool data)
{
	size_t i;

	for (i = 0; i < obj->map_cnt; i++) {
		const struct userbpf_object_map *m = &obj->maps[i];

		if (m->sec_idx != sec_idx)
			continue;
		if (data || m->sec_offset == sec_offset)
			return (int)i;
	}
	return -1;
}

#define PSEUDO_KFUNC_CALL 2 /* BPF_PSEUDO_KFUNC_CALL */

/* libbpf's bpf_program__record_reloc(). */
static int record_reloc(struct userbpf_object *obj, struct userbpf_program *prog, size_t insn_idx,
			const Elf64_Sym *sym, const char *sym_name, size_t relo_no)
{
	struct userbpf_insn *insn = &prog->insns[insn_idx];
	size_t shndx = sym->st_shndx;
	struct ub_reloc r = { .insn_idx = (uint32_t)insn_idx };
	int bind = ELF64_ST_BIND(sym->st_info), type = ELF64_ST_TYPE(sym->st_info);
	int map_idx;

	if (shndx == SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
	    !ub_obj_find_extern(obj, (size_t)(sym - obj->elf.syms))) {
		/* a __ksym extern: a kfunc called or addressed, or a kernel
		 * variable; settled per program at relocation */
		bool call = insn->code == CODE_CALL;

		if ((call && insn->src_reg > PSEUDO_KFUNC_CALL) ||
		    (!call && (insn->code != CODE_LDDW || insn_idx + 1 >= prog->insn_cnt)))
			return obj_err(obj, -EINVAL,
				       "prog '%s': relo #%zu: invalid "
				       "relo against extern '%s' for insn %zu (code "
				       "0x%02x)",
				       prog->name, relo_no, sym_name, insn_idx, insn->code);
		if (call)
			insn->src_reg = PSEUDO_KFUNC_CALL; /* as libbpf marks it */
		r.type = UB_RELO_KSYM;
		r.map_idx = bind == STB_WEAK;
		r.sym_off = (uint64_t)(sym - obj->elf.syms);
		return add_relo(prog, &r);
	}
	if (insn->code == CODE_CALL) {
		if (insn->src_reg != USERBPF_PSEUDO_CALL)
			return obj_err(obj, -EINVAL,
				       "prog '%s': relo #%zu: call at "
				       "insn %zu is not a bpf-to-bpf call",
				       prog->name, relo_no, insn_idx);
		if (!obj->text_shndx || shndx != obj->text_shndx)
			return obj_err(obj, -EINVAL,
				       "prog '%s': relo #%zu: bad call "
				       "relo against '%s' in section '%s' at insn %zu",
				       prog->name, relo_no, sym_name,
				       shndx < obj->elf.shnum ? obj->elf.sec_names[shndx] : "?",
				       insn_idx);
		if (sym->st_value % UB_INSN_SZ)
			return obj_err(obj, -EINVAL,
				       "prog '%s': relo #%zu: call to "
				       "misaligned '%s' at insn %zu",
				       prog->name, relo_no, sym_name, insn_idx);
		r.type = UB_RELO_CALL;
		r.sym_off = sym->st_value;
		return add_relo(prog, &r);
	}
	if (insn->code != CODE_LDDW || insn_idx + 1 >= prog->insn_cnt)
		return obj_err(obj, -EINVAL,
			       "prog '%s': relo #%zu: invalid relo "
			       "against '%s' for insn %zu (code 0x%02x)",
			       prog->name, relo_no, sym_name, insn_idx, insn->code);
	if (shndx == SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK)) {
		const struct ub_extern *ext =
			ub_obj_find_extern(obj, (size_t)(sym - obj->elf.syms));
		size_t i;

		if (!ext)
			return obj_err(obj, -ENOTSUP,
				       "prog '%s': insn %zu: extern "
				       "'%s' is not a __kconfig variable (.ksyms "
				       "are not supported)",
				       prog->name, insn_idx, sym_name);
		for (i = 0; i < obj->map_cnt; i++)
			if (obj->maps[i].def.kind == USERBPF_OBJECT_MAP_KCONFIG)
				break;
		if (i == obj->map_cnt)
			return -EINVAL; /* init_kconfig_map() made it */
		r.type = UB_RELO_DATA;
		r.map_idx = (uint32_t)i;
		r.sym_off = ext->off;
		return add_relo(prog, &r);
	}
	if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || shndx >= obj->elf.shnum)
		return obj_err(obj, -EINVAL,
			       "prog '%s': insn %zu: relo for '%s' "
			       "in special section 0x%zx; forgot to initialise "
			       "a global variable?",
			       prog->name, insn_idx, sym_name, shndx);
	if (shndx == obj->text_shndx && ((bind == STB_LOCAL && type == STT_SECTION) ||
					 (bind == STB_GLOBAL && type == STT_FUNC))) {
		if (sym->st_value % UB_INSN_SZ || insn->imm % (int32_t)UB_INSN_SZ)
			return obj_err(obj, -EINVAL,
				       "prog '%s': insn %zu: bad "
				       "subprog address relo against '%s' at "
				       "offset %llu%+d",
				       prog->name, insn_idx, sym_name,
				       (unsigned long long)sym->st_value, insn->imm);
		r.type = UB_RELO_SUBPROG_ADDR;
		r.sym_off = sym->st_value;
		insn->src_reg = USERBPF_PSEUDO_FUNC;
		return add_relo(prog, &r);
	}
	if (shndx == obj->maps_shndx || shndx == obj->legacy_maps_shndx) {
		map_idx = map_idx_at(obj, shndx, sym->st_value, false);
		if (map_idx < 0)
			return obj_err(obj, -EINVAL,
				       "prog '%s': insn %zu: no map "
				       "for '%s' in section '%s' at offset %llu",
				       prog->name, insn_idx, sym_name, obj->elf.sec_names[shndx],
				       (unsigned long long)sym->st_value);
		r.type = UB_RELO_LD64;
		r.map_idx = (uint32_t)map_idx;
		return add_relo(prog, &r);
	}
	map_idx = map_idx_at(obj, shndx, 0, true);
	if (map_idx < 0 || obj->maps[map_idx].def.kind < USERBPF_OBJECT_MAP_DATA)
		return obj_err(obj, -EINVAL,
			       "prog '%s': insn %zu: bad data relo "
			       "against '%s' in section '%s'",
			       prog->name, insn_idx, sym_name, obj->elf.sec_names[shndx]);
	r.type = UB_RELO_DATA;
	r.map_idx = (uint32_t)map_idx;
	r.sym_off = sym->st_value;
	return add_relo(prog, &r);
}

static int collect_prog_relos(struct userbpf_object *obj, size_t rel_idx)
{
	const struct ub_elf *elf = &obj->elf;
	const Elf64_Shdr *sh = &elf->shdrs[rel_idx];
	size_t sec = sh->sh_info, size, i, n;
	const uint8_t *data = ub_elf_sec_data(elf, rel_idx, &size);
	const char *sec_name = elf->sec_names[sec];
	int err;

	n = size / sizeof(Elf64_Rel);
	for (i = 0; i < n; i++) {
		struct userbpf_program *prog;
		const Elf64_Sym *sym;
		const char *sym_name;
		Elf64_Rel rel;
		size_t insn_idx;

		memcpy(&rel, data + i * sizeof(rel), sizeof(rel));
		if (ELF64_R_SYM(rel.r_info) >= elf->sym_cnt)
			return obj_err(obj, -EINVAL,
				       "sec '%s': relo #%zu: symbol "
				       "index %llu out of range",
				       elf->sec_names[rel_idx], i,
				       (unsigned long long)ELF64_R_SYM(rel.r_info));
		if (rel.r_offset % UB_INSN_SZ || rel.r_offset >= elf->shdrs[sec].sh_size)
			return obj_err(obj, -EINVAL,
				       "sec '%s': relo #%zu: invalid "
				       "offset 0x%llx",
				       elf->sec_names[rel_idx], i,
				       (unsigned long long)rel.r_offset);
		sym = &elf->syms[ELF64_R_SYM(rel.r_info)];
		sym_name = ub_elf_sym_name(elf, sym);
		if (!sym_name)
			sym_name = "?";
		insn_idx = rel.r_offset / UB_INSN_SZ;
		prog = ub_obj_find_prog_by_sec_insn(obj, sec, insn_idx);
		if (!prog) {
			ub_debug("%s: sec '%s': relo #%zu for insn %zu outside any "
				 "function, skipped\n",
				 obj->path, sec_name, i, insn_idx);
			continue;
		}
		err = record_reloc(obj, prog, insn_idx - prog->sec_insn_off, sym, sym_name, i);
		if (err)
			return err;
	}
	return 0;
}

static int cmp_relo(const void *a, const void *b)
{
	const struct ub_reloc *x = a, *y = b;

	return x->insn_idx < y->insn_idx ? -1 : x->insn_idx > y->insn_idx;
}

int ub_obj_collect_relos(struct userbpf_object *obj)
{
	const struct ub_elf *elf = &obj->elf;
	size_t i;
	int err;

	for (i = 1; i < elf->shnum; i++) {
		const Elf64_Shdr *sh = &elf->shdrs[i];
		size_t target = sh->sh_info;

		if (sh->sh_type != SHT_REL && sh->sh_type != SHT_RELA)
			continue;
		if (target == 0 || target >= elf->shnum)
			continue; /* not ours to judge: nothing refers to it */
		if (target != obj->maps_shndx && !(elf->shdrs[target].sh_type == SHT_PROGBITS &&
						   (elf->shdrs[target].sh_flags & SHF_EXECINSTR)))
			continue; /* .rel.BTF, .rel.debug_*, .rel.data ... */
		if (sh->sh_type == SHT_RELA)
			return obj_err(obj, -ENOTSUP,
				       "sec '%s': RELA relocations "
				       "are not supported",
				       elf->sec_names[i]);
		if (sh->sh_entsize != sizeof(Elf64_Rel) || sh->sh_size % sizeof(Elf64_Rel))
			return obj_err(obj, -EINVAL,
				       "sec '%s': entry size %llu / "
				       "size %llu is not a table of relocations",
				       elf->sec_names[i], (unsigned long long)sh->sh_entsize,
				       (unsigned long long)sh->sh_size);
		if (!elf->symtab_idx || sh->sh_link != elf->symtab_idx)
			return obj_err(obj, -EINVAL,
				       "sec '%s': relocations against "
				       "section %u, not the symbol table",
				       elf->sec_names[i], sh->sh_link);
		if (target == obj->maps_shndx)
			err = ub_obj_collect_map_relos(obj, i);
		else
			err = collect_prog_relos(obj, i);
		if (err)
			return err;
	}
	for (i = 0; i < obj->prog_cnt; i++)
		if (obj->progs[i].relo_cnt > 1)
			qsort(obj->progs[i].relos, obj->progs[i].relo_cnt, sizeof(struct ub_reloc),
			      cmp_relo);
	return 0;
}

/* ==== Linking subprograms ==== */

/* The relocation the file gives for insn_idx of prog (own ones only). */
static const struct ub_reloc *find_relo(const struct userbpf_program *prog, size_t own_cnt,
					size_t insn_idx)
{
	size_t lo = 0, hi = own_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prog->relos[mid].insn_idx < insn_idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < own_cnt && prog->relos[lo].insn_idx == insn_idx)
		return &prog->relos[lo];
	return NULL;
}

/* Append subprog's instructions and relocations to main. */
static int append_subprog(struct userbpf_object *obj, struct userbpf_program *main,
			  struct userbpf_program *sub, size_t *main_relo_cap, size_t sub_own_relos)
{
	struct userbpf_insn *insns;
	size_t i;

	if (main->insn_cnt + sub->sec_insn_cnt > USERBPF_MAX_INSNS)
		return obj_err(obj, -E2BIG,
			       "prog '%s': more than %u instructions "
			       "with subprogram '%s'",
			       main->name, USERBPF_MAX_INSNS, sub->name);
	insns = ub_calloc(main->insn_cnt + sub->sec_insn_cnt, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memcpy(insns, main->insns, main->insn_cnt * sizeof(*insns));
	memcpy(insns + main->insn_cnt, sub->insns, sub->sec_insn_cnt * sizeof(*insns));
	ub_free(main->insns);
	main->insns = insns;
	sub->sub_insn_off = main->insn_cnt;
	main->insn_cnt += sub->sec_insn_cnt;
	if (sub_own_relos) {
		size_t need = main->relo_cnt + sub_own_relos;

		if (need > *main_relo_cap) {
			size_t cap = need > 2 * *main_relo_cap ? need : 2 * *main_relo_cap;
			struct ub_reloc *relos = ub_calloc(cap, sizeof(*relos));

			if (!relos)
				return -ENOMEM;
			if (main->relo_cnt)
				memcpy(relos, main->relos, main->relo_cnt * sizeof(*relos));
			ub_free(main->relos);
			main->relos = relos;
			*main_relo_cap = cap;
			main->relo_cap = cap;
		}
		for (i = 0; i < sub_own_relos; i++) {
			main->relos[main->relo_cnt] = sub->relos[i];
			main->relos[main->relo_cnt].insn_idx += (uint32_t)sub->sub_insn_off;
			main->relo_cnt++;
		}
	}
	return 0;
}

/*
 * libbpf's bpf_object__reloc_code(), made iterative: work through main,
 * then every subprogram appended to it; each call or function-address
 * lddw gets its target appended (once) and its immediate rewritten.
 */
static int reloc_code(struct userbpf_object *obj, struct userbpf_program *main,
		      const size_t *own_relos, struct userbpf_program **work, size_t *appended)
{
	size_t work_cnt = 0, w, relo_cap = main->relo_cap, i;
	int err = 0;

	for (i = 0; i < obj->prog_cnt; i++)
		obj->progs[i].sub_insn_off = 0;
	work[work_cnt++] = main;
	for (w = 0; w < work_cnt && !err; w++) {
		struct userbpf_program *prog = work[w];
		size_t own = own_relos[prog - obj->progs], insn_idx;

		for (insn_idx = 0; insn_idx < prog->sec_insn_cnt; insn_idx++) {
			struct userbpf_insn *insn = &main->insns[prog->sub_insn_off + insn_idx];
			const struct ub_reloc *relo;
			struct userbpf_program *sub;
			int64_t sub_idx;

			if (!is_call(insn) && !is_pseudo_func(insn))
				continue;
			relo = find_relo(prog, own, insn_idx);
			if (relo && relo->type != UB_RELO_CALL &&
			    relo->type != UB_RELO_SUBPROG_ADDR) {
				err = obj_err(obj, -EINVAL,
					      "prog '%s': insn %zu: "
					      "unexpected relocation for a call",
					      prog->name, insn_idx);
				break;
			}
			if (relo && relo->type == UB_RELO_CALL)
				sub_idx = (int64_t)(relo->sym_off / UB_INSN_SZ) + insn->imm + 1;
			else if (relo)
				sub_idx =
					((int64_t)relo->sym_off + insn->imm) / (int64_t)UB_INSN_SZ;
			else if (is_pseudo_func(insn)) {
				err = obj_err(obj, -EINVAL,
					      "prog '%s': insn %zu: "
					      "missing subprog address relocation",
					      prog->name, insn_idx);
				break;
			} else
				sub_idx = (int64_t)(prog->sec_insn_off + insn_idx) + insn->imm + 1;
			sub = sub_idx >= 0 && obj->text_shndx ?
				      ub_obj_find_prog_by_sec_insn(obj, obj->text_shndx,
								   (size_t)sub_idx) :
				      NULL;
			if (!sub) {
				err = obj_err(obj, -EINVAL,
					      "prog '%s': insn %zu: call "
					      "to no function in .text (target "
					      "insn %lld)",
					      prog->name, insn_idx, (long long)sub_idx);
				break;
			}
			if (sub->sub_insn_off == 0) {
				err = append_subprog(obj, main, sub, &relo_cap,
						     own_relos[sub - obj->progs]);
				if (err)
					break;
				work[work_cnt++] = sub;
				insn = &main->insns[prog->sub_insn_off + insn_idx];
			}
			insn->imm = (int32_t)((int64_t)sub->sub_insn_off -
					      (int64_t)(prog->sub_insn_off + insn_idx) - 1);
		}
	}
	*appended = work_cnt - 1; /* work[1..] in append order */
	return err;
}

/*
 * The name a __ksym is looked up by: libbpf's essential name, without a
 * "___flavour" suffix (bpf_rcu_read_lock___old is bpf_rcu_read_lock),
 * in buf; NULL for a name too long for buf.
 */
static const char *ksym_essential_name(const char *name, char *buf, size_t size)
{
	const char *f = name ? strstr(name, "___") : NULL;
	size_t n = f ? (size_t)(f - name) : name ? strlen(name) : 0;

	if (!name || n >= size)
		return name && !f ? name : NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return buf;
}

/*
 * A __ksym's id in the running kernel's BTF (libbpf's
 * bpf_object__resolve_ksym_var_btf_id / _func_btf_id: a VAR or a FUNC
 * of that name), or -1 (no such symbol, no kernel BTF).
 */
static int64_t ksym_btf_id(const char *name)
{
	const struct userbpf_btf *k = name ? ub_kernel_btf() : NULL;
	int64_t id;

	if (!k)
		return -1;
	id = ub_btf_find_by_name_kind(k, name, USERBPF_BTF_KIND_VAR);
	if (id <= 0)
		id = ub_btf_find_by_name_kind(k, name, USERBPF_BTF_KIND_FUNC);
	return id > 0 ? id : -1;
}

/* Rewrite map and global-data references of main (all its relocations). */
static int relocate_data(struct userbpf_object *obj, struct userbpf_program *main)
{
	size_t i;

	for (i = 0; i < main->relo_cnt; i++) {
		const struct ub_reloc *r = &main->relos[i];
		struct userbpf_insn *insn = &main->insns[r->insn_idx];

		switch (r->type) {
		case UB_RELO_LD64:
			insn[0].src_reg = USERBPF_PSEUDO_MAP_IDX;
			insn[0].imm = (int32_t)r->map_idx;
			insn[1].imm = 0;
			break;
		case UB_RELO_DATA:
			insn[1].imm = (int32_t)((uint32_t)insn[0].imm + (uint32_t)r->sym_off);
			insn[0].src_reg = USERBPF_PSEUDO_MAP_IDX_VALUE;
			insn[0].imm = (int32_t)r->map_idx;
			break;
		case UB_RELO_SUBPROG_ADDR:
			if (insn[0].src_reg != USERBPF_PSEUDO_FUNC)
				return obj_err(obj, -EINVAL,
					       "prog '%s': insn %u: bad "
					       "function address lddw",
					       main->name, r->insn_idx);
			break;
		case UB_RELO_CALL:
			break; /* done by reloc_code() */
		case UB_RELO_KSYM: {
			const char *sym = ub_elf_sym_name(&obj->elf, &obj->elf.syms[r->sym_off]);
			char ess[128];
			const char *name = ksym_essential_name(sym, ess, sizeof(ess));
			uint32_t kfunc = name ? ub_kfunc_id(name) : 0;
			/* the kernel whose symbols this loader resolves
			 * against is userbpf: a weak symbol it lacks is
			 * unresolved (0, as libbpf leaves it), a strong one
			 * is left to the kernel's refusal by BTF id */
			int64_t kid = insn->code == CODE_LDDW && (kfunc || !r->map_idx) ?
					      ksym_btf_id(name) :
					      -1;

			if (kid > 0) {
				/* a symbol of the kernel's BTF: its id, as libbpf
				 * leaves it for the kernel, which gives the
				 * address of the symbols it has (helpers/ksym.c:
				 * userbpf's kfuncs) and refuses the others */
				insn[0].src_reg = USERBPF_PSEUDO_BTF_ID;
				insn[0].imm = (int32_t)kid;
				insn[1].imm = 0;
				break;
			}
			if (kfunc) {
				/* a kfunc userbpf implements: its helper-table entry */
				if (insn->code == CODE_CALL) {
					insn->src_reg = 0;
					insn->off = 0;
					insn->imm = (int32_t)kfunc;
				} else {
					/* its address (bpf_ksym_exists) without a
					 * kernel BTF: present */
					insn[0].src_reg = 0;
					insn[0].imm = (int32_t)kfunc;
					insn[1].imm = 0;
				}
				break;
			}
			if (!r->map_idx) {
				/* strong: the load needs it (a program not loaded
				 * is let be).  A kfunc of the kernel's BTF that
				 * userbpf lacks fails as the kernel fails its call
				 * (helpers/ksym.c); a symbol of no BTF as libbpf
				 * fails it */
				if (!main->autoload)
					break;
				if (insn->code == CODE_CALL && ksym_btf_id(name) > 0)
					return obj_err(obj, -EINVAL,
						       "prog '%s': insn %u: cannot find address "
						       "for kernel function %s (userbpf's kfuncs: "
						       "helpers/kfunc.h)",
						       main->name, r->insn_idx, name);
				return obj_err(obj, -ESRCH,
					       "prog '%s': insn %u: extern (%s ksym) '%s': not "
					       "found in kernel or module BTFs",
					       main->name, r->insn_idx,
					       insn->code == CODE_CALL ? "func" : "var",
					       name ? name : "?");
			}
			/* weak: absent, as libbpf resolves a missing weak ksym */
			if (insn->code == CODE_CALL) {
				insn->src_reg = 0;
				insn->off = 0;
				insn->imm = (int32_t)UB_CORE_POISON_IMM;
			} else {
				insn[0].src_reg = 0;
				insn[0].imm = 0;
				insn[1].imm = 0;
			}
			break;
		}
		}
	}
	return 0;
}

/* ==== Line and function info ==== */

/* Records of ext_info for section sec_name inside [off, off + cnt). */
static const struct ub_btf_ext_sec *
ext_sec(const struct userbpf_object *obj, const struct ub_btf_ext_info *info, const char *sec_name)
{
	size_t i;

	for (i = 0; i < info->sec_cnt; i++) {
		const char *name = ub_btf_str(obj->btf, info->secs[i].sec_name_off);

		if (name && !strcmp(name, sec_name))
			return &info->secs[i];
	}
	return NULL;
}

/* Own line/func info of every function, insn offsets function-relative. */
static int collect_ext_info(struct userbpf_object *obj, struct userbpf_program *prog)
{
	const struct ub_btf_ext *ext = obj->btf_ext;
	const char *raw_sec = obj->elf.sec_names[prog->sec_idx];
	const struct ub_btf_ext_sec *ls = ext_sec(obj, &ext->line_info, raw_sec);
	const struct ub_btf_ext_sec *fs = ext_sec(obj, &ext->func_info, raw_sec);
	size_t i, lo = prog->sec_insn_off, hi = prog->sec_insn_off + prog->sec_insn_cnt;

	if (ls) {
		size_t n = 0;

		for (i = 0; i < ls->cnt; i++) {	     /* count first: records of */
			struct ub_bpf_line_info rec; /* other functions abound */

			ub_btf_ext_rec(&ext->line_info, ls, i, &rec, sizeof(rec));
			n += rec.insn_off % UB_INSN_SZ == 0 && rec.insn_off / UB_INSN_SZ >= lo &&
			     rec.insn_off / UB_INSN_SZ < hi;
		}
		prog->line_info = ub_calloc(n ? n : 1, sizeof(*prog->line_info));
		if (!prog->line_info)
			return -ENOMEM;
		for (i = 0; i < ls->cnt; i++) {
			struct userbpf_line_info *li = &prog->line_info[prog->line_info_cnt];
			struct ub_bpf_line_info rec;
			const char *s;

			ub_btf_ext_rec(&ext->line_info, ls, i, &rec, sizeof(rec));
			if (rec.insn_off % UB_INSN_SZ || rec.insn_off / UB_INSN_SZ < lo ||
			    rec.insn_off / UB_INSN_SZ >= hi)
				continue;
			li->insn_off = rec.insn_off / UB_INSN_SZ - (uint32_t)lo;
			li->line = rec.line_col >> 10;
			li->col = rec.line_col & 0x3ff;
			s = ub_btf_str(obj->btf, rec.file_name_off);
			li->file = s ? s : "";
			s = ub_btf_str(obj->btf, rec.line_off);
			li->text = s ? s : "";
			prog->line_info_cnt++;
		}
	}
	if (fs) {
		size_t n = 0;

		for (i = 0; i < fs->cnt; i++) {
			struct ub_bpf_func_info rec;

			ub_btf_ext_rec(&ext->func_info, fs, i, &rec, sizeof(rec));
			n += rec.insn_off % UB_INSN_SZ == 0 && rec.insn_off / UB_INSN_SZ >= lo &&
			     rec.insn_off / UB_INSN_SZ < hi;
		}
		prog->func_info = ub_calloc(n ? n : 1, sizeof(*prog->func_info));
		if (!prog->func_info)
			return -ENOMEM;
		for (i = 0; i < fs->cnt; i++) {
			struct userbpf_func_info *fi = &prog->func_info[prog->func_info_cnt];
			struct ub_bpf_func_info rec;
			const struct ub_btf_type *t;

			ub_btf_ext_rec(&ext->func_info, fs, i, &rec, sizeof(rec));
			if (rec.insn_off % UB_INSN_SZ || rec.insn_off / UB_INSN_SZ < lo ||
			    rec.insn_off / UB_INSN_SZ >= hi)
				continue;
			t = ub_btf_type_by_id(obj->btf, rec.type_id);
			fi->insn_off = rec.insn_off / UB_INSN_SZ - (uint32_t)lo;
			fi->btf_type_id = rec.type_id;
			fi->name = t && ub_btf_kind(t) == USERBPF_BTF_KIND_FUNC ?
					   ub_btf_type_name(obj->btf, t) :
					   "";
			prog->func_info_cnt++;
		}
	}
	return 0;
}

int ub_obj_collect_ext_info(struct userbpf_object *obj)
{
	size_t i;
	int err;

	if (!obj->btf_ext || !obj->btf)
		return 0;
	for (i = 0; i < obj->prog_cnt; i++) {
		err = collect_ext_info(obj, &obj->progs[i]);
		if (err)
			return err;
	}
	return 0;
}

/* After linking: main's info followed by each appended subprogram's. */
static int link_ext_info(struct userbpf_program *main, struct userbpf_program *const *subs,
			 size_t sub_cnt)
{
	struct userbpf_line_info *li;
	struct userbpf_func_info *fi;
	size_t i, j, nl = main->line_info_cnt, nf = main->func_info_cnt;

	for (i = 0; i < sub_cnt; i++) {
		nl += subs[i]->line_info_cnt;
		nf += subs[i]->func_info_cnt;
	}
	if (nl == main->line_info_cnt && nf == main->func_info_cnt)
		return 0;
	li = ub_calloc(nl ? nl : 1, sizeof(*li));
	fi = ub_calloc(nf ? nf : 1, sizeof(*fi));
	if (!li || !fi) {
		ub_free(li);
		ub_free(fi);
		return -ENOMEM;
	}
	if (main->line_info_cnt)
		memcpy(li, main->line_info, main->line_info_cnt * sizeof(*li));
	if (main->func_info_cnt)
		memcpy(fi, main->func_info, main->func_info_cnt * sizeof(*fi));
	nl = main->line_info_cnt;
	nf = main->func_info_cnt;
	for (i = 0; i < sub_cnt; i++) { /* append order: offsets stay sorted */
		const struct userbpf_program *sub = subs[i];

		for (j = 0; j < sub->line_info_cnt; j++) {
			li[nl] = sub->line_info[j];
			li[nl++].insn_off += (uint32_t)sub->sub_insn_off;
		}
		for (j = 0; j < sub->func_info_cnt; j++) {
			fi[nf] = sub->func_info[j];
			fi[nf++].insn_off += (uint32_t)sub->sub_insn_off;
		}
	}
	ub_free(main->line_info);
	ub_free(main->func_info);
	main->line_info = li;
	main->line_info_cnt = nl;
	main->func_info = fi;
	main->func_info_cnt = nf;
	return 0;
}

/* ==== Driver ==== */

int ub_obj_relocate(struct userbpf_object *obj, struct userbpf_btf *target)
{
	struct userbpf_program **work;
	size_t *own_relos, i, appended;
	int err = 0;

	if (obj->btf_ext && obj->btf_ext->core_relo.sec_cnt) {
		err = ub_obj_relocate_core(obj, target);
		if (err)
			return err;
	}
	own_relos = ub_calloc(obj->prog_cnt + 1, sizeof(*own_relos));
	work = ub_calloc(obj->prog_cnt + 1, sizeof(*work));
	if (!own_relos || !work) {
		ub_free(own_relos);
		ub_free(work);
		return -ENOMEM;
	}
	for (i = 0; i < obj->prog_cnt; i++)
		own_relos[i] = obj->progs[i].relo_cnt;
	for (i = 0; i < obj->prog_cnt && !err; i++) {
		struct userbpf_program *prog = &obj->progs[i];

		if (prog->is_subprog)
			continue;
		appended = 0;
		err = reloc_code(obj, prog, own_relos, work, &appended);
		if (!err)
			err = relocate_data(obj, prog);
		if (!err)
			err = link_ext_info(prog, work + 1, appended);
	}
	ub_free(own_relos);
	ub_free(work);
	return err;
}
