/* SPDX-License-Identifier: MIT */
/*
 * symbols.c - find a function of this process by name, the way a kernel
 * keeps a ksym table: the executable and the shared libraries mapped in
 * /proc/self/maps, their ELF .symtab and .dynsym (defined FUNC and IFUNC
 * symbols; "name@VERSION" matches name), symbol vaddr -> file offset
 * through the PT_LOAD headers -> runtime address through the mapping of
 * that offset.  The .symtab of a .gnu_debugdata section (MiniDebugInfo,
 * debugdata.c) is read after them: the functions a distribution's
 * stripped binaries name only there.  Separate debug files are not read.
 *
 * Entry point: probe_sym_resolve().  Runs at attach time only: it opens
 * files and allocates, never on a probe's run path.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "probe_int.h"

struct mapping {
	uint64_t start, end, off;
	unsigned long ino;
	unsigned maj, min;
	char path[256];
};

struct maps {
	struct mapping *m;
	size_t cnt;
};

static int read_maps(struct maps *maps)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	size_t cap = 0;

	maps->m = NULL;
	maps->cnt = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct mapping mp = { 0 };
		char perms[8];
		int pos = 0;
		char *nl;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &mp.start, &mp.end, perms, &mp.off,
			   &mp.maj, &mp.min, &mp.ino, &pos) < 7)
			continue;
		if (mp.ino == 0 || line[pos] != '/')
			continue;
		nl = strchr(line + pos, '\n');
		if (nl)
			*nl = '\0';
		snprintf(mp.path, sizeof(mp.path), "%s", line + pos);
		if (maps->cnt == cap) {
			struct mapping *n = realloc(maps->m, (cap ? cap * 2 : 64) * sizeof(*n));

			if (!n) {
				fclose(f);
				free(maps->m);
				return -ENOMEM;
			}
			maps->m = n;
			cap = cap ? cap * 2 : 64;
		}
		maps->m[maps->cnt++] = mp;
	}
	fclose(f);
	return 0;
}

static bool same_file(const struct mapping *a, const struct mapping *b)
{
	return a->ino == b->ino && a->maj == b->maj && a->min == b->min;
}

/* Runtime address of file offset off of the file of mapping m, or 0. */
static uint64_t off_to_addr(const struct maps *maps, const struct mapping *file, uint64_t off)
{
	size_t i;

	for (i = 0; i < maps->cnt; i++) {
		const struct mapping *m = &maps->m[i];

		if (same_file(m, file) && off >= m->off && off - m->off < m->end - m->start)
			return m->start + (off - m->off);
	}
	return 0;
}

struct elf_image {
	const uint8_t *img;
	size_t size;
	struct stat st; /* of the file (the .gnu_debugdata cache's key) */
	bool inner;	/* the ELF file of a .gnu_debugdata section */
	int dd_err;	/* its section could not be read: -errno */
};

static int map_file(const char *path, struct elf_image *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return -ENOEXEC;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	memset(e, 0, sizeof(*e));
	e->img = p;
	e->size = (size_t)st.st_size;
	e->st = st;
	if (memcmp(e->img, ELFMAG, SELFMAG) || e->img[EI_CLASS] != ELFCLASS64) {
		munmap(p, e->size);
		return -ENOEXEC;
	}
	return 0;
}

static bool in_file(const struct elf_image *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

/* vaddr -> file offset through PT_LOAD; -1 when no segment holds it. */
static int64_t vaddr_to_off(const struct elf_image *e, uint64_t vaddr)
{
	const Elf64_Ehdr *eh = (const void *)e->img;
	int i;

	if (!in_file(e, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return -1;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(e->img + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr &&
		    vaddr - ph->p_vaddr < ph->p_filesz)
			return (int64_t)(vaddr - ph->p_vaddr + ph->p_offset);
	}
	return -1;
}

static bool name_matches(const char *sym, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(sym, want, n) && (sym[n] == '\0' || sym[n] == '@');
}

/*
 * Call fn for each defined FUNC/IFUNC symbol of the file's own tables:
 * .symtab when it has one (it holds the dynamic ones too), else .dynsym.
 * fn returns non-zero to stop; that value is returned (0 when every
 * symbol was seen).
 */
static int elf_table_funcs(const struct elf_image *e,
			   int (*fn)(void *ctx, const char *name, uint64_t vaddr, uint64_t size),
			   void *ctx)
{
	const Elf64_Ehdr *eh = (const void *)e->img;
	const Elf64_Shdr *sh;
	int i, pass, ret;
	bool have_symtab = false;

	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(e, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return 0;
	sh = (const void *)(e->img + eh->e_shoff);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < eh->e_shnum; i++) {
			const Elf64_Shdr *s = &sh[i], *strs;
			const char *str;
			uint64_t k, n;

			if (s->sh_type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
				continue;
			if (s->sh_link >= eh->e_shnum || s->sh_entsize != sizeof(Elf64_Sym) ||
			    !in_file(e, s->sh_offset, s->sh_size))
				continue;
			strs = &sh[s->sh_link];
			if (!in_file(e, strs->sh_offset, strs->sh_size) || strs->sh_size == 0)
				continue;
			str = (const char *)e->img + strs->sh_offset;
			n = s->sh_size / sizeof(Elf64_Sym);
			for (k = 0; k < n; k++) {
				const Elf64_Sym *sym = (const void *)(e->img + s->sh_offset +
								      k * sizeof(Elf64_Sym));
				int type = ELF64_ST_TYPE(sym->st_info);

				if (sym->st_shndx == SHN_UNDEF || sym->st_name >= strs->sh_size ||
				    (type != STT_FUNC && type != STT_GNU_IFUNC))
					continue;
				if (!memchr(str + sym->st_name, 0, strs->sh_size - sym->st_name))
					continue;
				if (pass == 0)
					have_symtab = true;
				ret = fn(ctx, str + sym->st_name, sym->st_value, sym->st_size);
				if (ret)
					return ret;
			}
		}
		if (have_symtab)
			break;
	}
	return 0;
}

/* The section named name (its bytes in the image), or NULL. */
static const uint8_t *elf_section(const struct elf_image *e, const char *name, uint64_t *size)
{
	const Elf64_Ehdr *eh = (const void *)e->img;
	const Elf64_Shdr *sh, *names;
	uint64_t len = strlen(name) + 1;
	int i;

	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
	    !in_file(e, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return NULL;
	sh = (const void *)(e->img + eh->e_shoff);
	names = &sh[eh->e_shstrndx];
	if (!in_file(e, names->sh_offset, names->sh_size))
		return NULL;
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_name >= names->sh_size ||
		    names->sh_size - sh[i].sh_name < len ||
		    memcmp(e->img + names->sh_offset + sh[i].sh_name, name, len) ||
		    !in_file(e, sh[i].sh_offset, sh[i].sh_size))
			continue;
		*size = sh[i].sh_size;
		return e->img + sh[i].sh_offset;
	}
	return NULL;
}

/*
 * The last file's unpacked .gnu_debugdata, keyed by the file's identity:
 * a profile's stacks symbolise many addresses of one library.  A user
 * takes the buffer out (the cache is then empty) and puts it back, so no
 * lock is held while callbacks run; a concurrent user unpacks its own.
 */
static struct {
	pthread_mutex_t lock;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	uint8_t *buf;
	size_t len;
} dd_cache = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, { 0, 0 }, NULL, 0 };

static bool dd_key(const struct stat *st)
{
	return dd_cache.dev == st->st_dev && dd_cache.ino == st->st_ino &&
	       dd_cache.size == st->st_size && dd_cache.mtime.tv_sec == st->st_mtim.tv_sec &&
	       dd_cache.mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static uint8_t *dd_take(const struct elf_image *e, size_t *len)
{
	uint8_t *buf = NULL;

	pthread_mutex_lock(&dd_cache.lock);
	if (dd_cache.buf && dd_key(&e->st)) {
		buf = dd_cache.buf;
		*len = dd_cache.len;
		dd_cache.buf = NULL;
	}
	pthread_mutex_unlock(&dd_cache.lock);
	return buf;
}

static void dd_give_back(const struct elf_image *e, uint8_t *buf, size_t len)
{
	uint8_t *old;

	pthread_mutex_lock(&dd_cache.lock);
	old = dd_cache.buf;
	dd_cache.buf = buf;
	dd_cache.len = len;
	dd_cache.dev = e->st.st_dev;
	dd_cache.ino = e->st.st_ino;
	dd_cache.size = e->st.st_size;
	dd_cache.mtime = e->st.st_mtim;
	pthread_mutex_unlock(&dd_cache.lock);
	free(old);
}

/*
 * The functions of the .symtab in the file's .gnu_debugdata, if it has
 * one (as elf_table_funcs).  A section that cannot be read (not xz, not
 * an ELF64 file inside, no liblzma here) is noted in e->dd_err.
 */
static int debugdata_funcs(struct elf_image *e,
			   int (*fn)(void *ctx, const char *name, uint64_t vaddr, uint64_t size),
			   void *ctx)
{
	struct elf_image inner;
	const uint8_t *xz;
	uint64_t xz_size = 0;
	uint8_t *buf;
	size_t len = 0;
	int ret;

	xz = elf_section(e, ".gnu_debugdata", &xz_size);
	if (!xz)
		return 0;
	buf = dd_take(e, &len);
	if (!buf) {
		ret = probe_debugdata_unpack(xz, (size_t)xz_size, &buf, &len);
		if (ret) {
			e->dd_err = ret;
			return 0;
		}
	}
	if (len < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) ||
	    buf[EI_CLASS] != ELFCLASS64) {
		free(buf);
		e->dd_err = -ENOEXEC;
		return 0;
	}
	memset(&inner, 0, sizeof(inner));
	inner.img = buf;
	inner.size = len;
	inner.inner = true;
	ret = elf_table_funcs(&inner, fn, ctx);
	dd_give_back(e, buf, len);
	return ret;
}

/* The file's own tables, then its .gnu_debugdata's .symtab. */
static int elf_for_each_func(struct elf_image *e,
			     int (*fn)(void *ctx, const char *name, uint64_t vaddr, uint64_t size),
			     void *ctx)
{
	int ret = elf_table_funcs(e, fn, ctx);

	return ret || e->inner ? ret : debugdata_funcs(e, fn, ctx);
}

struct find_ctx {
	const char *name;
	uint64_t vaddr, size;
};

static int find_cb(void *ctx, const char *name, uint64_t vaddr, uint64_t size)
{
	struct find_ctx *f = ctx;

	if (!name_matches(name, f->name))
		return 0;
	f->vaddr = vaddr;
	f->size = size;
	return 1;
}

/* Find a defined function symbol; 0 with vaddr/size, or -ENOENT. */
static int elf_find_func(struct elf_image *e, const char *name, uint64_t *vaddr, uint64_t *size)
{
	struct find_ctx f = { name, 0, 0 };

	if (!elf_for_each_func(e, find_cb, &f))
		return -ENOENT;
	*vaddr = f.vaddr;
	*size = f.size;
	return 0;
}

/* Look func up in the file of mapping file. */
static int find_in_file(const struct maps *maps, const struct mapping *file, const char *func,
			uint64_t offset, struct probe_sym *out, int *dd_err)
{
	struct elf_image e = { 0 };
	uint64_t vaddr, size, addr;
	int64_t off;
	int err;

	err = map_file(file->path, &e);
	if (err)
		return err;
	err = elf_find_func(&e, func, &vaddr, &size);
	if (!err) {
		off = vaddr_to_off(&e, vaddr);
		addr = off < 0 ? 0 : off_to_addr(maps, file, (uint64_t)off);
		if (!addr) {
			err = -ENOENT;
		} else {
			out->start = addr;
			out->addr = addr + offset;
			out->size = size;
			snprintf(out->path, sizeof(out->path), "%s", file->path);
		}
	}
	if (err && e.dd_err && !*dd_err)
		*dd_err = e.dd_err;
	munmap((void *)e.img, e.size);
	return err;
}

int probe_sym_resolve(const char *binary, const char *func, uint64_t offset, struct probe_sym *out,
		      char *err, size_t err_sz)
{
	struct maps maps;
	struct mapping want = { 0 };
	struct stat st;
	size_t i, j;
	int ret, dd_err = 0;

	memset(out, 0, sizeof(*out));
	if (!binary && !func) {
		out->addr = out->start = offset;
		return 0;
	}
	if (binary) {
		if (stat(binary, &st)) {
			snprintf(err, err_sz, "cannot open '%s': %s", binary, strerror(errno));
			return -ENOENT;
		}
		want.ino = st.st_ino;
		want.maj = major(st.st_dev);
		want.min = minor(st.st_dev);
	}
	ret = read_maps(&maps);
	if (ret) {
		snprintf(err, err_sz, "cannot read /proc/self/maps: %s", strerror(-ret));
		return ret;
	}
	ret = -ENOENT;
	for (i = 0; i < maps.cnt; i++) {
		const struct mapping *m = &maps.m[i];

		if (binary && !same_file(m, &want))
			continue;
		/* each file once: skip if an earlier mapping is the same file */
		for (j = 0; j < i; j++)
			if (same_file(&maps.m[j], m))
				break;
		if (j < i)
			continue;
		if (!func) { /* file offset in binary */
			out->addr = out->start = off_to_addr(&maps, m, offset);
			snprintf(out->path, sizeof(out->path), "%s", m->path);
			ret = out->addr ? 0 : -ENOENT;
			if (ret)
				snprintf(err, err_sz, "offset 0x%llx is not mapped from '%s'",
					 (unsigned long long)offset, binary);
			goto out;
		}
		if (!find_in_file(&maps, m, func, offset, out, &dd_err)) {
			ret = 0;
			goto out;
		}
		if (binary)
			break;
	}
	if (binary && i == maps.cnt)
		snprintf(err, err_sz, "'%s' is not loaded in this process", binary);
	else if (binary)
		snprintf(err, err_sz, "no function symbol '%s' in '%s'", func, binary);
	else
		snprintf(err, err_sz, "no function symbol '%s' in this process", func);
	if (dd_err) { /* a table that might have named it could not be read */
		size_t n = strlen(err);

		snprintf(err + n, err_sz > n ? err_sz - n : 0,
			 " (a .gnu_debugdata section could not be read: %s)",
			 dd_err == -ENOTSUP ? "liblzma.so.5 is not installed" :
			 dd_err == -ENOEXEC ? "no ELF file inside" :
			 dd_err == -EINVAL  ? "not a valid xz stream" :
					      strerror(-dd_err));
	}
out:
	free(maps.m);
	return ret;
}

USERBPF_API int userbpf_probe__resolve(const char *binary, const char *func, uint64_t offset,
				       uint64_t *addr, char *err_buf, size_t err_buf_sz)
{
	struct probe_sym sym;
	char tmp[1];
	int err;

	if (!err_buf) {
		err_buf = tmp;
		err_buf_sz = sizeof(tmp);
	}
	err = probe_sym_resolve(binary, func, offset, &sym, err_buf, err_buf_sz);
	if (!err && addr)
		*addr = sym.addr;
	return err;
}

struct list_ctx {
	const char *pattern;
	void (*fn)(void *ctx, const char *name, uint64_t vaddr, uint64_t size);
	void *ctx;
	int cnt;
};

static int list_cb(void *ctx, const char *name, uint64_t vaddr, uint64_t size)
{
	struct list_ctx *l = ctx;

	if (!l->pattern || !fnmatch(l->pattern, name, 0)) {
		l->fn(l->ctx, name, vaddr, size);
		l->cnt++;
	}
	return 0;
}

USERBPF_API int userbpf_probe__list_functions(const char *binary, const char *pattern,
					      void (*fn)(void *ctx, const char *name,
							 uint64_t vaddr, uint64_t size),
					      void *ctx)
{
	struct elf_image e = { 0 };
	struct list_ctx l = { pattern, fn, ctx, 0 };
	int err = map_file(binary, &e);

	if (err)
		return err;
	elf_for_each_func(&e, list_cb, &l);
	munmap((void *)e.img, e.size);
	return l.cnt;
}

/* ==== Address to symbol (stacks) ==== */

/* file offset -> vaddr through PT_LOAD; -1 when no segment holds it. */
static int64_t off_to_vaddr(const struct elf_image *e, uint64_t off)
{
	const Elf64_Ehdr *eh = (const void *)e->img;
	int i;

	if (!in_file(e, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return -1;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(e->img + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type == PT_LOAD && off >= ph->p_offset &&
		    off - ph->p_offset < ph->p_filesz)
			return (int64_t)(off - ph->p_offset + ph->p_vaddr);
	}
	return -1;
}

struct near_ctx {
	uint64_t vaddr; /* wanted */
	uint64_t best;	/* start of the best symbol so far */
	char name[128];
};

static int near_cb(void *ctx, const char *name, uint64_t vaddr, uint64_t size)
{
	struct near_ctx *n = ctx;

	if (vaddr > n->vaddr || (size && n->vaddr - vaddr >= size) || !name[0])
		return 0;
	if (!n->name[0] || vaddr > n->best) {
		n->best = vaddr;
		snprintf(n->name, sizeof(n->name), "%s", name);
	}
	return 0;
}

USERBPF_API int userbpf_probe__symbolize(uint64_t addr, char *buf, size_t buf_sz)
{
	struct maps maps;
	struct elf_image e = { 0 };
	struct near_ctx n = { 0, 0, "" };
	const struct mapping *m = NULL;
	const char *base;
	int64_t va;
	size_t i;
	int ret = read_maps(&maps);

	if (ret)
		return ret;
	for (i = 0; i < maps.cnt && !m; i++)
		if (addr >= maps.m[i].start && addr < maps.m[i].end)
			m = &maps.m[i];
	ret = -ENOENT;
	if (m && !map_file(m->path, &e)) {
		va = off_to_vaddr(&e, addr - m->start + m->off);
		if (va >= 0) {
			n.vaddr = (uint64_t)va;
			elf_for_each_func(&e, near_cb, &n);
		}
		munmap((void *)e.img, e.size);
		base = strrchr(m->path, '/');
		base = base ? base + 1 : m->path;
		if (n.name[0]) {
			snprintf(buf, buf_sz, "%s+0x%llx (%s)", n.name,
				 (unsigned long long)(n.vaddr - n.best), base);
			ret = 0;
		} else if (va >= 0) {
			snprintf(buf, buf_sz, "0x%llx (%s)", (unsigned long long)va, base);
			ret = 0;
		}
	}
	if (ret)
		snprintf(buf, buf_sz, "0x%llx", (unsigned long long)addr);
	free(maps.m);
	return ret;
}

/* ==== USDT notes (.note.stapsdt) ==== */

/*
 * Call fn for each SystemTap SDT note of an ELF file: type 3, owner
 * "stapsdt", descriptor = pc, base, semaphore (u64 each), then provider,
 * name and argument strings.  Addresses are corrected for prelinking by
 * the .stapsdt.base section, as libbpf does, and given as file offsets
 * (0 for no semaphore).  Returns the number of notes seen, or -errno.
 */
int probe_usdt_notes(const char *path, int (*fn)(void *ctx, const struct probe_usdt_note *n),
		     void *ctx)
{
	struct elf_image e = { 0 };
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh, *notes = NULL, *names;
	uint64_t base_addr = 0;
	int err = map_file(path, &e), i, cnt = 0;

	if (err)
		return err;
	eh = (const void *)e.img;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
	    !in_file(&e, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		goto out;
	sh = (const void *)(e.img + eh->e_shoff);
	names = &sh[eh->e_shstrndx];
	if (!in_file(&e, names->sh_offset, names->sh_size))
		goto out;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *n = (const char *)e.img + names->sh_offset + sh[i].sh_name;

		if (sh[i].sh_name >= names->sh_size ||
		    !memchr(n, 0, names->sh_size - sh[i].sh_name))
			continue;
		if (!strcmp(n, ".note.stapsdt") && sh[i].sh_type == SHT_NOTE)
			notes = &sh[i];
		else if (!strcmp(n, ".stapsdt.base"))
			base_addr = sh[i].sh_addr;
	}
	if (!notes || !in_file(&e, notes->sh_offset, notes->sh_size))
		goto out;
	{
		const uint8_t *p = e.img + notes->sh_offset, *end = p + notes->sh_size;

		while (p + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const void *)p;
			const uint8_t *nm = p + sizeof(*nh);
			const uint8_t *desc = nm + ((nh->n_namesz + 3) & ~3u);
			const uint8_t *next = desc + ((nh->n_descsz + 3) & ~3u);
			struct probe_usdt_note note;
			const char *s, *dend;
			uint64_t a[3];
			int64_t off;

			if (next > end || desc > end)
				break;
			p = next;
			if (nh->n_type != 3 || nh->n_namesz != 8 || memcmp(nm, "stapsdt", 8) ||
			    nh->n_descsz < 3 * 8 + 3)
				continue;
			memcpy(a, desc, sizeof(a));
			s = (const char *)desc + 24;
			dend = (const char *)desc + nh->n_descsz;
			memset(&note, 0, sizeof(note));
			if (base_addr && a[1]) { /* prelink adjustment */
				a[0] += base_addr - a[1];
				if (a[2])
					a[2] += base_addr - a[1];
			}
#define TAKE(field)                                                                                \
	do {                                                                                       \
		const char *z = memchr(s, 0, (size_t)(dend - s));                                  \
		if (!z)                                                                            \
			goto skip;                                                                 \
		snprintf(note.field, sizeof(note.field), "%s", s);                                 \
		s = z + 1;                                                                         \
	} while (0)
			TAKE(provider);
			TAKE(name);
			if (s < dend)
				TAKE(args);
#undef TAKE
			note.pc_vaddr = a[0];
			note.sema_vaddr = a[2];
			off = vaddr_to_off(&e, a[0]);
			if (off < 0)
				continue;
			note.pc_off = (uint64_t)off;
			if (a[2]) {
				/* the semaphore lives in .probes (data): its file
				 * offset through the PT_LOAD holding it */
				off = vaddr_to_off(&e, a[2]);
				note.sema_off = off < 0 ? 0 : (uint64_t)off;
			}
			cnt++;
			err = fn(ctx, &note);
			if (err)
				goto out;
			continue;
skip:;
		}
	}
out:
	munmap((void *)e.img, e.size);
	return err < 0 ? err : cnt;
}
