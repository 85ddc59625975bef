/* SPDX-License-Identifier: MIT */
/*
 * test_corpus.c - replays every file of tests/corpus/<target>/ (seed
 * inputs and every crasher the fuzzers ever found) through the fuzz
 * target bodies, so a fixed crash stays fixed under the sanitizer build.
 */
#include <dirent.h>
#include <stdlib.h>

#include "test.h"
#include "../../fuzz/targets.h"
#include "probe/probe_int.h"

static int replay_dir(const char *target, int (*one)(const uint8_t *, size_t))
{
	char dir[256], path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/corpus/%s", test_src_dir(), target);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *f;
		uint8_t *buf;
		long len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len)
			one(buf, (size_t)len), n++;
		free(buf);
		fclose(f);
	}
	closedir(d);
	return n;
}

TEST(corpus_bytecode)
{
	int n = replay_dir("bytecode", fuzz_bytecode_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_bytecode: replayed %d inputs\n", n);
}

TEST(corpus_asm)
{
	int n = replay_dir("asm", fuzz_asm_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_asm: replayed %d inputs\n", n);
}

TEST(corpus_elf)
{
	int n = replay_dir("elf", fuzz_elf_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_elf: replayed %d inputs\n", n);
}

TEST(corpus_usdt)
{
	int n = replay_dir("usdt", fuzz_usdt_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_usdt: replayed %d inputs\n", n);
}

TEST(corpus_symbols)
{
	int n = replay_dir("symbols", fuzz_symbols_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_symbols: replayed %d inputs\n", n);
}

TEST(corpus_btf)
{
	int n = replay_dir("btf", fuzz_btf_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_btf: replayed %d inputs\n", n);
}

TEST(corpus_bpfcmd)
{
	int n = replay_dir("bpfcmd", fuzz_bpfcmd_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_bpfcmd: replayed %d inputs\n", n);
}

TEST(corpus_pcap)
{
	int n = replay_dir("pcap", fuzz_pcap_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_pcap: replayed %d inputs\n", n);
}

TEST(corpus_kconfig)
{
	int n = replay_dir("kconfig", fuzz_kconfig_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_kconfig: replayed %d inputs\n", n);
}

TEST(corpus_trace)
{
	int n = replay_dir("trace", fuzz_trace_one);

	ASSERT_TRUE(n > 0);
	if (test_verbose())
		printf("corpus_trace: replayed %d inputs\n", n);
}

static int count_note(void *ctx, const struct probe_usdt_note *note)
{
	(void)note;
	++*(int *)ctx;
	return 0;
}

/*
 * A real binary with SDT notes (the USDT example's target), then every
 * truncation of it at 64-byte steps and single-byte corruptions across
 * its notes and headers: the notes reader and the argument parser must
 * answer each with a result or an error, never a fault (run under the
 * sanitizer build in CI).
 */
TEST(corpus_usdt_mutated_target)
{
	char path[512];
	uint8_t *buf;
	FILE *f;
	long len;
	int notes = 0;
	size_t i;

	snprintf(path, sizeof(path), "%s/examples/usdt_target", test_build_dir());
	ASSERT_TRUE(probe_usdt_notes(path, count_note, &notes) > 0);
	ASSERT_TRUE(notes > 0);
	f = fopen(path, "rb");
	ASSERT_TRUE(f != NULL);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	ASSERT_TRUE(len > 64);
	buf = malloc((size_t)len + 1);
	ASSERT_TRUE(buf != NULL);
	buf[0] = 0; /* mode: an ELF file */
	ASSERT_EQ(fread(buf + 1, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	fuzz_usdt_one(buf, (size_t)len + 1);
	for (i = 1; i < (size_t)len; i += 64)
		fuzz_usdt_one(buf, i);
	for (i = 1; i <= (size_t)len; i += 97) {
		uint8_t old = buf[i];

		buf[i] ^= 0xff;
		fuzz_usdt_one(buf, (size_t)len + 1);
		buf[i] = old;
	}
	free(buf);
}
