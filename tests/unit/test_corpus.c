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
