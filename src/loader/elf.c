/* SPDX-License-Identifier: MIT */
/*
 * elf.c - a strict ELF64 reader for BPF relocatable objects, working on
 * an in-memory copy of the file.
 *
 * Owns: the ELF header checks (64-bit, little-endian, ET_REL, EM_BPF),
 * the section header table (every section's bytes inside the file, no two
 * sections overlapping, names inside .shstrtab), the symbol table (entry
 * size, string table link, section indexes) and bounded string reads.
 * Every field is read with memcpy from a checked offset, so a hostile
 * file can only produce an error, never an over-read.
 *
 * Does not own: what sections mean (sections.c, maps_spec.c, relo.c).
 *
 * Entry points: ub_elf_parse(), ub_elf_sec_data(), ub_elf_str(),
 * ub_elf_sym_name().
 */
#include "util/ubc.h"
#include <stdarg.h>

#include "loader_int.h"
#include "util/alloc.h"
#include "util/log.h"

/* ==== Error reporting (shared by every loader stage) ==== */

int ub_errf(struct ub_err *e, int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ub_warn("%s: %s (%s)\n", e && e->file ? e->file : "<bpf object>", msg,
		userbpf_strerror(err));
	if (e && e->buf && e->size && !e->buf[0])
		snprintf(e->buf, e->size, "%s: %s", e->file ? e->file : "<bpf object>", msg);
	return err;
}

void ub_err_reset(struct ub_err *e)
{
	if (e->buf && e->size)
		e->buf[0] = '\0';
}

/* ==== Sections ==== */

/* [off, off + len) inside a buffer of size bytes, without overflow. */
static bool range_ok(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

struct extent {
	uint64_t off, end;
	size_t idx; /* section index, or SIZE_MAX for headers */
};

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static const char *extent_name(const struct ub_elf *elf, size_t idx)
{
	if (idx == SIZE_MAX)
		return "<ELF headers>";
	return elf->sec_names && elf->sec_names[idx] ? elf->sec_names[idx] : "?";
}

/*
 * Real objects never overlap; a file whose sections do is malformed
 * (and would let one section's bytes be parsed as two things).
 */
static int check_overlaps(struct ub_elf *elf, const Elf64_Ehdr *eh, struct ub_err *err)
{
	struct extent *ex;
	size_t i, n = 0;
	int ret = 0;

	ex = ub_calloc(elf->shnum + 2, sizeof(*ex));
	if (!ex)
		return -ENOMEM;
	ex[n++] = (struct extent){ 0, sizeof(*eh), SIZE_MAX };
	ex[n++] = (struct extent){ eh->e_shoff, eh->e_shoff + elf->shnum * sizeof(Elf64_Shdr),
				   SIZE_MAX };
	for (i = 1; i < elf->shnum; i++) {
		const Elf64_Shdr *sh = &elf->shdrs[i];

		if (sh->sh_type == SHT_NOBITS || sh->sh_size == 0)
			continue;
		ex[n++] = (struct extent){ sh->sh_offset, sh->sh_offset + sh->sh_size, i };
	}
	qsort(ex, n, sizeof(*ex), cmp_extent);
	for (i = 1; i < n; i++) {
		if (ex[i].off < ex[i - 1].end) {
			ret = ub_errf(err, -EINVAL,
				      "sections '%s' and '%s' overlap at offset 0x%llx",
				      extent_name(elf, ex[i - 1].idx), extent_name(elf, ex[i].idx),
				      (unsigned long long)ex[i].off);
			break;
		}
	}
	ub_free(ex);
	return ret;
}

static int parse_symtab(struct ub_elf *elf, struct ub_err *err)
{
	const Elf64_Shdr *sh;
	const char *name;
	size_t i, idx = 0;

	for (i = 1; i < elf->shnum; i++) {
		if (elf->shdrs[i].sh_type != SHT_SYMTAB)
			continue;
		if (idx)
			return ub_errf(err, -EINVAL, "multiple symbol tables ('%s' and '%s')",
				       elf->sec_names[idx], elf->sec_names[i]);
		idx = i;
	}
	if (!idx)
		return 0; /* no symbols: no programs either; caller decides */
	sh = &elf->shdrs[idx];
	name = elf->sec_names[idx];
	if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_size % sizeof(Elf64_Sym))
		return ub_errf(err, -EINVAL,
			       "sec '%s': entry size %llu / size %llu is not a "
			       "table of %zu-byte symbols",
			       name, (unsigned long long)sh->sh_entsize,
			       (unsigned long long)sh->sh_size, sizeof(Elf64_Sym));
	if (sh->sh_link == 0 || sh->sh_link >= elf->shnum ||
	    elf->shdrs[sh->sh_link].sh_type != SHT_STRTAB)
		return ub_errf(err, -EINVAL, "sec '%s': link %u is not a string table", name,
			       sh->sh_link);
	elf->symtab_idx = idx;
	elf->strtab_idx = sh->sh_link;
	elf->sym_cnt = sh->sh_size / sizeof(Elf64_Sym);
	elf->syms = ub_calloc(elf->sym_cnt ? elf->sym_cnt : 1, sizeof(Elf64_Sym));
	if (!elf->syms)
		return -ENOMEM;
	memcpy(elf->syms, elf->data + sh->sh_offset, elf->sym_cnt * sizeof(Elf64_Sym));
	for (i = 0; i < elf->sym_cnt; i++) {
		const Elf64_Sym *sym = &elf->syms[i];

		if (sym->st_shndx == SHN_XINDEX)
			return ub_errf(err, -ENOTSUP,
				       "sec '%s': symbol %zu uses extended section "
				       "indexes (SHN_XINDEX)",
				       name, i);
		if (sym->st_shndx != SHN_UNDEF && sym->st_shndx < SHN_LORESERVE &&
		    sym->st_shndx >= elf->shnum)
			return ub_errf(err, -EINVAL,
				       "sec '%s': symbol %zu: section index %u out "
				       "of range (%zu sections)",
				       name, i, sym->st_shndx, elf->shnum);
		if (!ub_elf_str(elf, elf->strtab_idx, sym->st_name))
			return ub_errf(err, -EINVAL,
				       "sec '%s': symbol %zu: name offset %u outside "
				       "the string table",
				       name, i, sym->st_name);
	}
	return 0;
}

int ub_elf_parse(struct ub_elf *elf, const uint8_t *data, size_t size, struct ub_err *err)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh0;
	uint64_t shnum, shstrndx;
	size_t i;
	int ret;

	memset(elf, 0, sizeof(*elf));
	elf->data = data;
	elf->size = size;
	if (size < sizeof(eh))
		return ub_errf(err, -ENOEXEC, "%zu bytes: too small for an ELF header", size);
	memcpy(&eh, data, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return ub_errf(err, -ENOEXEC, "not an ELF file (bad magic)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return ub_errf(err, -ENOEXEC, "not a 64-bit ELF file (class %u)",
			       eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return ub_errf(err, -ENOEXEC, "not a little-endian ELF file (data encoding %u)",
			       eh.e_ident[EI_DATA]);
	if (eh.e_type != ET_REL)
		return ub_errf(err, -ENOEXEC, "not a relocatable object (e_type %u, want ET_REL)",
			       eh.e_type);
	/* Old LLVM wrote EM_NONE; libbpf accepts it too. */
	if (eh.e_machine != EM_BPF && eh.e_machine != EM_NONE)
		return ub_errf(err, -ENOEXEC, "not a BPF object (e_machine %u, want %u)",
			       eh.e_machine, EM_BPF);
	if (eh.e_shoff == 0)
		return ub_errf(err, -EINVAL, "no section header table");
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return ub_errf(err, -EINVAL, "section header size %u, want %zu", eh.e_shentsize,
			       sizeof(Elf64_Shdr));
	if (!range_ok(eh.e_shoff, sizeof(sh0), size))
		return ub_errf(err, -EINVAL,
			       "section header table at 0x%llx outside the file "
			       "(%zu bytes)",
			       (unsigned long long)eh.e_shoff, size);
	memcpy(&sh0, data + eh.e_shoff, sizeof(sh0));
	shnum = eh.e_shnum ? eh.e_shnum : sh0.sh_size;
	shstrndx = eh.e_shstrndx == SHN_XINDEX ? sh0.sh_link : eh.e_shstrndx;
	if (shnum == 0 || shnum > size / sizeof(Elf64_Shdr) ||
	    !range_ok(eh.e_shoff, shnum * sizeof(Elf64_Shdr), size))
		return ub_errf(err, -EINVAL,
			       "%llu section headers at 0x%llx do not fit in the "
			       "file (%zu bytes)",
			       (unsigned long long)shnum, (unsigned long long)eh.e_shoff, size);
	elf->shnum = (size_t)shnum;
	elf->shdrs = ub_calloc(elf->shnum, sizeof(Elf64_Shdr));
	elf->sec_names = ub_calloc(elf->shnum, sizeof(char *));
	if (!elf->shdrs || !elf->sec_names)
		return -ENOMEM;
	memcpy(elf->shdrs, data + eh.e_shoff, elf->shnum * sizeof(Elf64_Shdr));

	for (i = 1; i < elf->shnum; i++) {
		const Elf64_Shdr *sh = &elf->shdrs[i];

		if (sh->sh_type == SHT_NOBITS)
			continue;
		if (!range_ok(sh->sh_offset, sh->sh_size, size))
			return ub_errf(err, -EINVAL,
				       "section %zu: bytes [0x%llx, +0x%llx) outside "
				       "the file (%zu bytes)",
				       i, (unsigned long long)sh->sh_offset,
				       (unsigned long long)sh->sh_size, size);
	}
	if (shstrndx == 0 || shstrndx >= elf->shnum || elf->shdrs[shstrndx].sh_type != SHT_STRTAB)
		return ub_errf(err, -EINVAL,
			       "section name table index %llu is not a string "
			       "table",
			       (unsigned long long)shstrndx);
	for (i = 0; i < elf->shnum; i++) {
		const char *name = ub_elf_str(elf, (size_t)shstrndx, elf->shdrs[i].sh_name);

		if (!name)
			return ub_errf(err, -EINVAL,
				       "section %zu: name offset %u outside the "
				       "section name table",
				       i, elf->shdrs[i].sh_name);
		elf->sec_names[i] = i ? name : "";
	}
	ret = check_overlaps(elf, &eh, err);
	if (ret)
		return ret;
	return parse_symtab(elf, err);
}

void ub_elf_free(struct ub_elf *elf)
{
	ub_free(elf->shdrs);
	ub_free(elf->sec_names);
	ub_free(elf->syms);
	ub_free(elf->data_sym_idx);
	memset(elf, 0, sizeof(*elf));
}

const uint8_t *ub_elf_sec_data(const struct ub_elf *elf, size_t idx, size_t *size)
{
	const Elf64_Shdr *sh;

	if (size)
		*size = 0;
	if (idx == 0 || idx >= elf->shnum)
		return NULL;
	sh = &elf->shdrs[idx];
	if (size)
		*size = (size_t)sh->sh_size;
	if (sh->sh_type == SHT_NOBITS)
		return NULL;
	return elf->data + sh->sh_offset; /* range checked by ub_elf_parse */
}

const char *ub_elf_str(const struct ub_elf *elf, size_t strtab_idx, uint64_t off)
{
	const Elf64_Shdr *sh;
	const char *base;

	if (strtab_idx == 0 || strtab_idx >= elf->shnum)
		return NULL;
	sh = &elf->shdrs[strtab_idx];
	if (sh->sh_type != SHT_STRTAB || off >= sh->sh_size)
		return NULL;
	base = (const char *)elf->data + sh->sh_offset;
	if (!memchr(base + off, '\0', (size_t)(sh->sh_size - off)))
		return NULL;
	return base + off;
}

const char *ub_elf_sym_name(const struct ub_elf *elf, const Elf64_Sym *sym)
{
	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION) {
		if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= elf->shnum)
			return NULL;
		return elf->sec_names[sym->st_shndx];
	}
	return ub_elf_str(elf, elf->strtab_idx, sym->st_name);
}

size_t ub_elf_find_sec(const struct ub_elf *elf, const char *name)
{
	size_t i;

	for (i = 1; i < elf->shnum; i++)
		if (!strcmp(elf->sec_names[i], name))
			return i;
	return 0;
}

/* ==== Files ==== */

/*
 * Host only: the freestanding core has no files (it opens objects from
 * memory) and returns -EOPNOTSUPP.
 */
int ub_read_file(const char *path, uint8_t **out, size_t *out_size)
{
#if !__STDC_HOSTED__
	(void)path;
	*out = NULL;
	*out_size = 0;
	return -EOPNOTSUPP;
#else
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = NULL;
	FILE *f;
	int err = 0;

	*out = NULL;
	*out_size = 0;
	f = fopen(path, "rb");
	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (!buf || len == cap) {
			uint8_t *nbuf;

			if (buf) {
				if (cap > ((size_t)1 << 31)) {
					err = -E2BIG;
					break;
				}
				cap *= 2;
			}
			/* alloc + copy: custom allocators cannot realloc */
			nbuf = ub_alloc(cap);
			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			if (buf)
				memcpy(nbuf, buf, len);
			ub_free(buf);
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		ub_free(buf);
		return err;
	}
	*out = buf;
	*out_size = len;
#endif
	return 0;
}

/* ==== Data symbols by name ==== */

/* Order by (section, name, index); the index makes the first of
 * duplicate names win, deterministically. */
static int sym_key_cmp(const struct ub_elf *elf, uint32_t a, size_t shndx, const char *name)
{
	const Elf64_Sym *s = &elf->syms[a];

	if (s->st_shndx != shndx)
		return s->st_shndx < shndx ? -1 : 1;
	return strcmp(ub_elf_str(elf, elf->strtab_idx, s->st_name), name);
}

static int sym_cmp(const struct ub_elf *elf, uint32_t a, uint32_t b)
{
	const Elf64_Sym *y = &elf->syms[b];
	int c = sym_key_cmp(elf, a, y->st_shndx, ub_elf_str(elf, elf->strtab_idx, y->st_name));

	return c ? c : (a < b ? -1 : a > b);
}

/* Heapsort with a context (qsort has none; qsort_r is not portable). */
static void sift_down(const struct ub_elf *elf, uint32_t *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		uint32_t t;

		if (child >= n)
			return;
		if (child + 1 < n && sym_cmp(elf, v[child], v[child + 1]) < 0)
			child++;
		if (sym_cmp(elf, v[root], v[child]) >= 0)
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void sort_syms(const struct ub_elf *elf, uint32_t *v, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(elf, v, i, n);
	for (i = n; i-- > 1;) {
		uint32_t t = v[0];

		v[0] = v[i];
		v[i] = t;
		sift_down(elf, v, 0, i);
	}
}

static bool is_data_sym(const Elf64_Sym *sym)
{
	int type = ELF64_ST_TYPE(sym->st_info);

	return type == STT_OBJECT || type == STT_NOTYPE;
}

const Elf64_Sym *ub_elf_find_data_sym(struct ub_elf *elf, size_t shndx, const char *name)
{
	size_t lo, hi, i;

	if (!elf->data_sym_idx) {
		elf->data_sym_idx = ub_calloc(elf->sym_cnt + 1, sizeof(uint32_t));
		if (!elf->data_sym_idx)
			return NULL;
		for (i = 0; i < elf->sym_cnt; i++)
			if (is_data_sym(&elf->syms[i]))
				elf->data_sym_idx[elf->data_sym_cnt++] = (uint32_t)i;
		sort_syms(elf, elf->data_sym_idx, elf->data_sym_cnt);
	}
	lo = 0;
	hi = elf->data_sym_cnt;
	while (lo < hi) { /* first entry not below (shndx, name) */
		size_t mid = lo + (hi - lo) / 2;

		if (sym_key_cmp(elf, elf->data_sym_idx[mid], shndx, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < elf->data_sym_cnt && sym_key_cmp(elf, elf->data_sym_idx[lo], shndx, name) == 0)
		return &elf->syms[elf->data_sym_idx[lo]];
	return NULL;
}
