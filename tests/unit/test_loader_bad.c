/* SPDX-License-Identifier: MIT */
/*
 * test_loader_bad.c - the loader on untrusted input: precise errors for
 * specific corruptions (each message names the file and the section,
 * symbol or program), then systematic mutation of every fixture (the
 * seeds of tests/corpus/elf/, which are the fixtures without DWARF):
 * truncation at many lengths, every byte of the headers, section table,
 * symbol table, relocations and BTF flipped, and seeded random
 * corruption.  Every result must be a clean error or a success; the
 * sanitizer build turns any over-read into a failure.  Also allocation
 * failure injection (make FAULT=1).
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_loader.h"
#include "util/alloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ==== ELF surgery helpers ==== */

struct elf_view {
	uint8_t *buf;
	size_t size;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
};

static bool view(struct elf_view *v, uint8_t *buf, size_t size)
{
	v->buf = buf;
	v->size = size;
	v->eh = (Elf64_Ehdr *)buf;
	if (size < sizeof(*v->eh) || v->eh->e_shoff + v->eh->e_shnum * sizeof(Elf64_Shdr) > size)
		return false;
	v->sh = (Elf64_Shdr *)(buf + v->eh->e_shoff);
	return true;
}

static Elf64_Shdr *sec_by_name(struct elf_view *v, const char *name)
{
	const char *strs = (const char *)v->buf + v->sh[v->eh->e_shstrndx].sh_offset;
	int i;

	for (i = 1; i < v->eh->e_shnum; i++)
		if (!strcmp(strs + v->sh[i].sh_name, name))
			return &v->sh[i];
	return NULL;
}

static uint8_t *fixture_copy(const char *name, size_t *size)
{
	char path[512];

	if (!loader_fixture(name, path, sizeof(path)))
		return NULL;
	return loader_read(path, size);
}

/* Open a mutated buffer expecting failure with err and msg. */
static void expect_open_err(const uint8_t *buf, size_t size, int err, const char *msg)
{
	char ebuf[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, opts, .object_name = "bad.o", .err_buf = ebuf,
		     .err_buf_sz = sizeof(ebuf));
	struct userbpf_object *obj = userbpf_object__open_mem(buf, size, &opts);

	if (obj) {
		userbpf_object__close(obj);
		test_fail(__FILE__, __LINE__, "opened, want \"%s\"", msg);
		return;
	}
	if (errno != err)
		test_fail(__FILE__, __LINE__, "errno %d (%s), want %d; msg: %s", errno, ebuf, err,
			  msg);
	ASSERT_CONTAINS(ebuf, "bad.o: ");
	ASSERT_CONTAINS(ebuf, msg);
}

TEST(loader_bad_basic)
{
	char err[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, opts, .err_buf = err, .err_buf_sz = sizeof(err));
	static const uint8_t junk[] = "hello";
	struct {
		struct userbpf_object_open_opts o;
		uint64_t tail;
	} big;

	ASSERT_TRUE(!userbpf_object__open_file("/nonexistent/x.bpf.o", &opts));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_CONTAINS(err, "/nonexistent/x.bpf.o");
	ASSERT_TRUE(!userbpf_object__open_file(NULL, NULL));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_TRUE(!userbpf_object__open_mem(NULL, 10, NULL));
	ASSERT_EQ(errno, EINVAL);
	expect_open_err(junk, sizeof(junk), ENOEXEC, "too small for an ELF header");
	expect_open_err(junk, 0, ENOEXEC, "too small");
	/* a newer caller's option struct with unknown non-zero fields */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.tail = 1;
	ASSERT_TRUE(!userbpf_object__open_mem(junk, sizeof(junk), &big.o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_OK(userbpf_object__load(NULL) == -EINVAL ? 0 : 1);
	userbpf_object__close(NULL);
}

TEST(loader_bad_headers)
{
	struct elf_view v;
	size_t size;
	uint8_t *orig = fixture_copy("minimal", &size), *b;

	if (!orig)
		return;
	b = malloc(size);
	ASSERT_TRUE(b);
#define MUTATE(STMT, ERR, MSG)                                                                     \
	do {                                                                                       \
		memcpy(b, orig, size);                                                             \
		ASSERT_TRUE(view(&v, b, size));                                                    \
		STMT;                                                                              \
		expect_open_err(b, size, ERR, MSG);                                                \
		if (test_failed())                                                                 \
			goto out;                                                                  \
	} while (0)
	MUTATE(b[0] = 0, ENOEXEC, "not an ELF file");
	MUTATE(b[EI_CLASS] = ELFCLASS32, ENOEXEC, "not a 64-bit ELF");
	MUTATE(b[EI_DATA] = ELFDATA2MSB, ENOEXEC, "not a little-endian");
	MUTATE(v.eh->e_type = ET_EXEC, ENOEXEC, "not a relocatable object");
	MUTATE(v.eh->e_machine = EM_X86_64, ENOEXEC, "not a BPF object");
	MUTATE(v.eh->e_shoff = size, EINVAL, "outside the file");
	MUTATE(v.eh->e_shnum = 0xffff, EINVAL, "section headers at");
	MUTATE(v.eh->e_shentsize = 32, EINVAL, "section header size");
	MUTATE(v.eh->e_shstrndx = 0, EINVAL, "section name table");
	MUTATE(sec_by_name(&v, "socket")->sh_offset = size - 4, EINVAL, "outside the file");
	MUTATE(sec_by_name(&v, "socket")->sh_name = 0xffffff, EINVAL, "name offset");
	MUTATE(sec_by_name(&v, "license")->sh_offset = sec_by_name(&v, "socket")->sh_offset, EINVAL,
	       "overlap");
	MUTATE(sec_by_name(&v, ".symtab")->sh_entsize = 16, EINVAL, "sec '.symtab'");
	MUTATE(sec_by_name(&v, ".symtab")->sh_link = 0, EINVAL, "not a string table");
	MUTATE(sec_by_name(&v, ".symtab")->sh_type = SHT_PROGBITS, EINVAL, "no symbol table");
	MUTATE(memset(b + sec_by_name(&v, ".BTF")->sh_offset, 0, 2), EINVAL,
	       "sec '.BTF': bad BTF magic");
	MUTATE(b[sec_by_name(&v, ".BTF")->sh_offset + 2] = 2, ENOTSUP, "sec '.BTF': BTF version 2");
	MUTATE(memset(b + sec_by_name(&v, ".BTF.ext")->sh_offset, 0, 2), EINVAL,
	       "sec '.BTF.ext': bad magic");
	MUTATE(sec_by_name(&v, "socket")->sh_size = 12, EINVAL, "program 'ret42'");
	MUTATE(sec_by_name(&v, "version")->sh_size = 3, EINVAL, "sec 'version'");
#undef MUTATE
out:
	free(b);
	free(orig);
}

/* Corrupt specific symbols and relocations of the progs fixture. */
TEST(loader_bad_relocations)
{
	struct elf_view v;
	size_t size, i;
	uint8_t *orig = fixture_copy("progs", &size), *b;
	Elf64_Shdr *rel;
	Elf64_Rel *r;

	if (!orig)
		return;
	b = malloc(size);
	ASSERT_TRUE(b);
	memcpy(b, orig, size);
	ASSERT_TRUE(view(&v, b, size));
	rel = sec_by_name(&v, ".relxdp");
	ASSERT_TRUE(rel && rel->sh_size >= sizeof(*r));
	r = (Elf64_Rel *)(b + rel->sh_offset);
	r->r_info = ELF64_R_INFO(0xfffffff, ELF64_R_TYPE(r->r_info));
	expect_open_err(b, size, EINVAL, "sec '.relxdp': relo #0: symbol index");

	memcpy(b, orig, size);
	r->r_offset = 3;
	expect_open_err(b, size, EINVAL, "sec '.relxdp': relo #0: invalid offset");

	/* point a call relocation at an instruction that is not a call */
	memcpy(b, orig, size);
	r->r_offset = 0;
	{
		const uint8_t *xdp = b + sec_by_name(&v, "xdp")->sh_offset;

		if (xdp[0] != 0x85 && xdp[0] != 0x18)
			expect_open_err(b, size, EINVAL, "prog 'xdp_a': relo #0");
	}

	/* a function symbol crossing its section's end */
	memcpy(b, orig, size);
	{
		Elf64_Shdr *symtab = sec_by_name(&v, ".symtab");
		Elf64_Sym *syms = (Elf64_Sym *)(b + symtab->sh_offset);
		const char *strs = (const char *)b + v.sh[symtab->sh_link].sh_offset;

		for (i = 0; i < symtab->sh_size / sizeof(*syms); i++)
			if (!strcmp(strs + syms[i].st_name, "xdp_b"))
				syms[i].st_size = 0x100000;
	}
	expect_open_err(b, size, EINVAL, "program 'xdp_b'");
	free(b);
	free(orig);
}

/* A program in a section libbpf does not know: open, but load needs a type. */
TEST(loader_unknown_section)
{
	struct userbpf_object *obj;
	struct userbpf_program *p;
	struct elf_view v;
	size_t size;
	uint8_t *b = fixture_copy("minimal", &size);
	char *name;
	uint64_t r0;

	if (!b)
		return;
	ASSERT_TRUE(view(&v, b, size));
	name = (char *)b + v.sh[v.eh->e_shstrndx].sh_offset + sec_by_name(&v, "socket")->sh_name;
	memcpy(name, "sockez", 6);
	obj = userbpf_object__open_mem(b, size, NULL);
	free(b);
	ASSERT_TRUE(obj);
	p = userbpf_object__find_program_by_name(obj, "ret42");
	ASSERT_STREQ(userbpf_program__section_name(p), "sockez");
	ASSERT_EQ(userbpf_program__type(p), USERBPF_PROG_TYPE_UNSPEC);
	ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "check ELF section name 'sockez'");
	ASSERT_OK(userbpf_program__set_type(p, USERBPF_PROG_TYPE_SOCKET_FILTER));
	ASSERT_OK(userbpf_object__load(obj));
	{
		USERBPF_OPTS(userbpf_run_opts, ro);

		ASSERT_OK(userbpf_prog__run(userbpf_program__prog(p), &ro, &r0));
		ASSERT_EQ(r0, MINIMAL_RET);
	}
	userbpf_object__close(obj);
}

/* A helper the program's table lacks: load fails naming program and id. */
TEST(loader_missing_helper)
{
	static const struct userbpf_helper only_ktime[] = {
		{ 5, "bpf_ktime_get_ns", NULL, { 0 } },
	};
	struct userbpf_object *obj;
	char path[512];
	USERBPF_OPTS(userbpf_object_open_opts, opts, .helpers = only_ktime,
		     .helper_cnt = N(only_ktime));

	if (!loader_fixture("progs", path, sizeof(path)))
		return;
	obj = userbpf_object__open_file(path, &opts);
	ASSERT_TRUE(obj);
	ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "prog 'loop_prog' (sec 'tc')");
	/* by the kernel's name, not by number */
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "calls helper bpf_loop#181, which "
						     "userbpf does not implement");
	/* a failed load releases everything and may be retried */
	ASSERT_TRUE(!userbpf_program__prog(userbpf_object__find_program_by_name(obj, "xdp_a")));
	ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
	userbpf_object__close(obj);
}

/* ==== Systematic mutation ==== */

struct mut_stats {
	unsigned runs, opened, prepared, loaded;
};

static const int ok_errnos[] = { EINVAL, ENOEXEC,    E2BIG,  ENOTSUP, ENOENT,
				 ERANGE, EOPNOTSUPP, ENOMEM, 524 /* ENOTSUPP */ };

/* Map memory a load would allocate, so huge corrupted sizes are skipped. */
static bool small_maps(struct userbpf_object *obj)
{
	struct userbpf_object_map *m = NULL;
	uint64_t total = 0;

	while ((m = userbpf_object__next_map(obj, m))) {
		struct userbpf_map_def d;

		userbpf_object_map__def(m, &d);
		if (d.max_entries > (1u << 16) || d.key_size > 4096 || d.value_size > (1u << 20))
			return false;
		total += (uint64_t)d.max_entries * (d.key_size + d.value_size + 64);
	}
	return total < (64u << 20);
}

static bool mutant(struct mut_stats *st, const uint8_t *buf, size_t size, const char *what,
		   size_t pos)
{
	char ebuf[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, opts, .object_name = "mutant.o",
		     .extra_helpers = loader_test_helpers,
		     .extra_helper_cnt = loader_test_helper_cnt, .err_buf = ebuf,
		     .err_buf_sz = sizeof(ebuf));
	struct userbpf_object *obj;
	size_t i;

	st->runs++;
	obj = userbpf_object__open_mem(buf, size, &opts);
	if (!obj) {
		int e = errno;

		for (i = 0; i < N(ok_errnos); i++)
			if (e == ok_errnos[i])
				break;
		if (i == N(ok_errnos) || strncmp(ebuf, "mutant.o: ", 10)) {
			test_fail(__FILE__, __LINE__,
				  "%s at %zu: errno %d, message "
				  "\"%s\"",
				  what, pos, e, ebuf);
			return false;
		}
		return true;
	}
	st->opened++;
	/* prepare (all relocations) always; create maps and programs for
	 * one in eight: map creation dominates the cost */
	if (userbpf_object__prepare(obj) == 0 && ++st->prepared % 8 == 0 && small_maps(obj)) {
		int err = userbpf_object__load(obj);

		if (!err)
			st->loaded++;
		else if (!userbpf_object__errmsg(obj)[0]) {
			test_fail(__FILE__, __LINE__,
				  "%s at %zu: load error %d "
				  "without a message",
				  what, pos, err);
			userbpf_object__close(obj);
			return false;
		}
	}
	userbpf_object__close(obj);
	return true;
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* Every byte of the structured regions, with several replacement values. */
static bool mutate_regions(struct mut_stats *st, const uint8_t *orig, size_t size, uint8_t *b)
{
	static const uint8_t vals[] = { 0xff, 0x00, 0x80, 0x01, 0x7f };
	static const char *const secs[] = { ".symtab", ".BTF",	  ".BTF.ext", ".maps",
					    "maps",    "license", "version" };
	struct {
		size_t off, len;
		const char *what;
	} regions[64];
	struct elf_view v;
	size_t nreg = 0, r, i, k;

	memcpy(b, orig, size);
	if (!view(&v, b, size))
		return false;
	regions[nreg++] = (typeof(regions[0])){ 0, sizeof(Elf64_Ehdr), "ELF header" };
	regions[nreg++] = (typeof(regions[0])){ v.eh->e_shoff, v.eh->e_shnum * sizeof(Elf64_Shdr),
						"section headers" };
	for (i = 0; i < N(secs); i++) {
		Elf64_Shdr *s = sec_by_name(&v, secs[i]);

		if (s)
			regions[nreg++] = (typeof(regions[0])){ s->sh_offset, s->sh_size, secs[i] };
	}
	for (i = 1; i < v.eh->e_shnum && nreg < N(regions); i++) {
		const char *strs = (const char *)b + v.sh[v.eh->e_shstrndx].sh_offset;

		/* program relocations and program code */
		if ((v.sh[i].sh_type == SHT_REL &&
		     strncmp(strs + v.sh[i].sh_name, ".rel.debug", 10)) ||
		    (v.sh[i].sh_flags & SHF_EXECINSTR))
			regions[nreg++] = (typeof(regions[0])){ v.sh[i].sh_offset, v.sh[i].sh_size,
								strs + v.sh[i].sh_name };
	}
	for (r = 0; r < nreg; r++) {
		/* big regions (vmlinux BTF): a stride, still hitting headers;
		 * all values on the two header tables, three elsewhere */
		size_t step = regions[r].len > 2048 ? regions[r].len / 1024 : 1;
		size_t nvals = r < 2 ? N(vals) : 3;

		for (i = 0; i < regions[r].len; i += (i < 64 ? 1 : step)) {
			size_t pos = regions[r].off + i;

			if (pos >= size)
				break;
			for (k = 0; k < nvals; k++) {
				if (orig[pos] == vals[k])
					continue;
				b[pos] = vals[k];
				if (!mutant(st, b, size, regions[r].what, pos))
					return false;
				b[pos] = orig[pos];
			}
		}
	}
	return true;
}

static bool mutate_file(struct mut_stats *st, const uint8_t *orig, size_t size)
{
	uint8_t *b = malloc(size);
	size_t len, i, step;
	int n;
	bool ok = true;

	if (!b)
		return false;
	/* truncation: every length of the first 256 bytes, then a stride */
	step = size / 400 ? size / 400 : 1;
	for (len = 0; len < size && ok; len += len < 256 ? 1 : step) {
		memcpy(b, orig, len);
		ok = mutant(st, b, len, "truncated", len);
	}
	if (ok)
		ok = mutate_regions(st, orig, size, b);
	/* seeded random corruption: a few bytes or 4-byte words each */
	for (n = 0; n < 1000 && ok; n++) {
		static const uint32_t words[] = { 0, 0xffffffffu, 0x7fffffffu, 0x80000000u,
						  1, 8,		  0xfff1,      0xffff };
		int k, changes = 1 + (int)(rnd() % 4);

		memcpy(b, orig, size);
		for (k = 0; k < changes; k++) {
			size_t pos = rnd() % size;

			if (rnd() % 2 || pos + 4 > size) {
				b[pos] = (uint8_t)rnd();
			} else {
				uint32_t w = words[rnd() % N(words)];

				memcpy(b + (pos & ~(size_t)3), &w, 4);
			}
		}
		ok = mutant(st, b, size, "random", (size_t)n);
	}
	(void)i;
	free(b);
	return ok;
}

TEST(loader_malformed)
{
	char dir[512], path[800];
	struct mut_stats st = { 0 };
	struct dirent *de;
	DIR *d;
	int files = 0;

	rng_state = 0x5eed;
	/* the fuzz seeds: every fixture (clang 14 and 19), without DWARF */
	snprintf(dir, sizeof(dir), "%s/tests/corpus/elf", test_src_dir());
	d = opendir(dir);
	if (!d) {
		test_skip("%s: no fixtures", dir);
		return;
	}
	while ((de = readdir(d))) {
		size_t size;
		uint8_t *buf;
		bool ok;

		if (strncmp(de->d_name, "seed-", 5) || !strstr(de->d_name, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = loader_read(path, &size);
		ASSERT_TRUE(buf);
		ok = mutate_file(&st, buf, size);
		free(buf);
		files++;
		if (!ok) {
			test_fail(__FILE__, __LINE__, "in %s", path);
			break;
		}
	}
	closedir(d);
	ASSERT_TRUE(files > 0);
	/* the mutations reach past the header checks */
	ASSERT_TRUE(st.opened > st.runs / 20);
	ASSERT_TRUE(st.loaded > 0);
	if (test_verbose())
		printf("loader_malformed: %d files, %u inputs, %u opened, %u "
		       "prepared, %u loaded\n",
		       files, st.runs, st.opened, st.prepared, st.loaded);
}

/* Every allocation of open and load failing in turn (make FAULT=1). */
TEST(loader_alloc_failures)
{
	static const char *const names[] = { "progs", "maps", "map_in_map", "core_ctx", "globals" };
	char path[512];
	size_t f;
	unsigned long n;

	for (f = 0; f < N(names); f++) {
		if (!loader_fixture(names[f], path, sizeof(path)))
			return;
		for (n = 1; n < 3000; n++) {
			USERBPF_OPTS(userbpf_object_open_opts, opts,
				     .extra_helpers = loader_test_helpers,
				     .extra_helper_cnt = loader_test_helper_cnt);
			struct userbpf_object *obj;
			int err = 0;

			ub_fault_set(n);
			obj = userbpf_object__open_file(path, &opts);
			if (obj)
				err = userbpf_object__load(obj);
			ub_fault_set(0);
			userbpf_object__close(obj);
			if (obj && !err)
				break; /* n is past the last allocation */
		}
	}
}
