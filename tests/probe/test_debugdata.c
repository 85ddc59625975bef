/* SPDX-License-Identifier: MIT */
/*
 * test_debugdata.c - functions named only in a .gnu_debugdata section
 * (MiniDebugInfo: an xz-compressed ELF file with a .symtab, kept by
 * distributions in stripped binaries).  The targets are the probe
 * example's uprobe_target stripped the way Fedora strips binaries
 * (mk/probe.mk): uprobe_target_minidebug, and uprobe_target_baddebug
 * whose section is not xz.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/probe.h"

static bool target_ready(const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/probe/%s", test_build_dir(), name);
	if (access(path, X_OK)) {
		test_skip("%s missing (xz and binutils build it)", path);
		return false;
	}
	return true;
}

/* Whether the ELF file at path has a section named name. */
static bool has_section(const char *path, const char *name)
{
	struct stat st;
	const uint8_t *img;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	bool found = false;
	int fd = open(path, O_RDONLY), i;

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return false;
	eh = (const void *)img;
	sh = (const void *)(img + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++)
		if (!strcmp((const char *)img + sh[eh->e_shstrndx].sh_offset + sh[i].sh_name, name))
			found = true;
	munmap((void *)img, (size_t)st.st_size);
	return found;
}

struct names {
	char buf[1024];
	int n;
};

static void collect(void *ctx, const char *name, uint64_t vaddr, uint64_t size)
{
	struct names *l = ctx;
	size_t len = strlen(l->buf);

	(void)vaddr;
	(void)size;
	snprintf(l->buf + len, sizeof(l->buf) - len, "%s\n", name);
	l->n++;
}

/* The stripped target names its static functions only in .gnu_debugdata:
 * listed from there, with the addresses of the unstripped binary. */
TEST(debugdata_functions_listed)
{
	char path[512], full[512];
	struct names l = { "", 0 }, ref = { "", 0 };

	if (!target_ready("uprobe_target_minidebug", path, sizeof(path)))
		return;
	ASSERT_TRUE(!has_section(path, ".symtab"));
	ASSERT_TRUE(has_section(path, ".gnu_debugdata"));
	ASSERT_EQ(userbpf_probe__list_functions(path, "uprobe_add", collect, &l), 1);
	ASSERT_STREQ(l.buf, "uprobe_add\n");
	/* every function of the unstripped binary is there, none twice */
	snprintf(full, sizeof(full), "%s/examples/uprobe_target", test_build_dir());
	l.buf[0] = '\0';
	l.n = 0;
	ASSERT_TRUE(userbpf_probe__list_functions(path, "*", collect, &l) > 0);
	ASSERT_TRUE(userbpf_probe__list_functions(full, "*", collect, &ref) > 0);
	ASSERT_EQ(l.n, ref.n);
	ASSERT_CONTAINS(l.buf, "nap\n");
	ASSERT_CONTAINS(l.buf, "main\n");
}

/* The example's uprobe and uretprobe on uprobe_add, which only the
 * .gnu_debugdata names, in the running stripped target. */
TEST(debugdata_uprobe_in_stripped_target)
{
	char path[512], out[8192];
	int st;

	if (!probe_trace_ready("uprobe") ||
	    !target_ready("uprobe_target_minidebug", path, sizeof(path)))
		return;
	st = probe_run(
		"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/probe/uprobe_target_minidebug 3 "
		"2>&1",
		out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(out, "uprobe_add ENTRY: a = 2, b = 20\n");
	ASSERT_CONTAINS(out, "uprobe_add EXIT: return = 22\n");
	ASSERT_CONTAINS(out, "@calls:\n  [0] = 3\n  [1] = 3\n");
}

/* A section that is not xz: the function is not found, and the message
 * says which table could not be read. */
TEST(debugdata_bad_section_named_in_error)
{
	char path[512], err[256];
	struct names l = { "", 0 };
	uint64_t addr = 0;
	int fd;

	if (!target_ready("uprobe_target_baddebug", path, sizeof(path)))
		return;
	ASSERT_EQ(userbpf_probe__list_functions(path, "uprobe_add", collect, &l), 0);
	/* resolving needs the file mapped in this process */
	fd = open(path, O_RDONLY);
	ASSERT_TRUE(fd >= 0);
	{
		struct stat st;
		void *m;

		ASSERT_OK(fstat(fd, &st));
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		ASSERT_TRUE(m != MAP_FAILED);
		ASSERT_EQ(userbpf_probe__resolve(path, "uprobe_add", 0, &addr, err, sizeof(err)),
			  -ENOENT);
		munmap(m, (size_t)st.st_size);
	}
	close(fd);
	ASSERT_CONTAINS(err, "no function symbol 'uprobe_add'");
	ASSERT_CONTAINS(err, "a .gnu_debugdata section could not be read: not a valid xz stream");
}

/* The decompressor on data: what it gives and refuses. */
TEST(debugdata_unpack_cases)
{
	/* "hello\n" compressed by xz 5.4 (xz -c | od) */
	static const uint8_t hello_xz[] = {
		0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46, 0x02,
		0x00, 0x21, 0x01, 0x16, 0x00, 0x00, 0x00, 0x74, 0x2f, 0xe5, 0xa3, 0x01, 0x00,
		0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a, 0x00, 0x00, 0x00, 0xa5, 0x60, 0x97,
		0xf1, 0x94, 0xf6, 0xfd, 0xe0, 0x00, 0x01, 0x1e, 0x06, 0xc1, 0x2f, 0xa4, 0x1d,
		0x1f, 0xb6, 0xf3, 0x7d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x59, 0x5a,
	};
	static const uint8_t garbage[] = "not xz at all";
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;
	int r;

	r = probe_debugdata_unpack(hello_xz, sizeof(hello_xz), &out, &len);
	if (r == -ENOTSUP) {
		test_skip("liblzma.so.5 is not installed");
		return;
	}
	ASSERT_EQ(r, 0);
	ASSERT_EQ(len, 6);
	ASSERT_TRUE(!memcmp(out, "hello\n", 6));
	free(out);
	/* truncated at every length: an error, never a buffer */
	for (size_t n = 0; n < sizeof(hello_xz); n++) {
		out = (uint8_t *)1;
		ASSERT_TRUE(probe_debugdata_unpack(hello_xz, n, &out, &len) < 0);
		ASSERT_TRUE(out == NULL);
		ASSERT_EQ(len, 0);
	}
	ASSERT_EQ(probe_debugdata_unpack(garbage, sizeof(garbage), &out, &len), -EINVAL);
	ASSERT_TRUE(out == NULL);
}

/* The fuzz corpus's seeds (tests/corpus/symbols/): a minimal file whose
 * only table is in .gnu_debugdata, and broken variants of it. */
TEST(debugdata_corpus_seeds)
{
	static const struct {
		const char *file;
		int count;
		const char *names;
	} cases[] = {
		{ "minidebug", 2, "func_a\nfunc_b\n" },
		{ "minidebug_trunc_xz", 0, "" },	/* xz stream cut in half */
		{ "minidebug_not_elf", 0, "" },		/* xz of bytes that are no ELF file */
		{ "minidebug_symtab_bad_link", 0, "" }, /* .symtab's string table out of range */
	};
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct names l = { "", 0 };

		snprintf(path, sizeof(path), "%s/tests/corpus/symbols/%s", test_src_dir(),
			 cases[i].file);
		ASSERT_EQ(userbpf_probe__list_functions(path, NULL, collect, &l), cases[i].count);
		ASSERT_STREQ(l.buf, cases[i].names);
	}
}
