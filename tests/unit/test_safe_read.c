/* SPDX-License-Identifier: MIT */
/*
 * test_safe_read.c - ub_safe_read_str, behind bpf_probe_read_{user,kernel}_str
 * on host memory: like the kernel's strncpy_from_user it writes the string
 * and its NUL only (the bytes after are left as they were: programs read
 * strings into zeroed buffers and use them as map keys), stops at an
 * unmapped page only when the string reaches it, and truncates with a NUL.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"
#include "util/alloc.h"

TEST(safe_read_str_leaves_bytes_after_nul)
{
	static const char src[64] = "abc\0XYZWVUTSRQPONMLKJIHGFEDCBA";
	char dst[32];
	int i;

	memset(dst, 0x5a, sizeof(dst));
	ASSERT_EQ(ub_safe_read_str(dst, src, sizeof(dst)), 4);
	ASSERT_STREQ(dst, "abc");
	for (i = 4; i < (int)sizeof(dst); i++)
		ASSERT_EQ(dst[i], 0x5a);
}

TEST(safe_read_str_truncates_and_pages)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char dst[600];
	int i;

	ASSERT_TRUE(m != MAP_FAILED);
	ASSERT_OK(munmap(m + pg, (size_t)pg));
	/* a string ending at the last byte before the unmapped page */
	memset(m, 'x', (size_t)pg);
	m[pg - 1] = '\0';
	memset(dst, 0x5a, sizeof(dst));
	ASSERT_EQ(ub_safe_read_str(dst, m + pg - 300, sizeof(dst)), 300);
	ASSERT_EQ(dst[298], 'x');
	ASSERT_EQ(dst[299], '\0');
	for (i = 300; i < (int)sizeof(dst); i++)
		ASSERT_EQ(dst[i], 0x5a);
	/* no NUL before the unmapped page: a fault */
	m[pg - 1] = 'x';
	ASSERT_EQ(ub_safe_read_str(dst, m + pg - 300, sizeof(dst)), -EFAULT);
	/* longer than size (over several bounce pieces): truncated */
	ASSERT_EQ(ub_safe_read_str(dst, m, sizeof(dst)), (long)sizeof(dst));
	ASSERT_EQ(dst[sizeof(dst) - 2], 'x');
	ASSERT_EQ(dst[sizeof(dst) - 1], '\0');
	ASSERT_OK(munmap(m, (size_t)pg));
}
