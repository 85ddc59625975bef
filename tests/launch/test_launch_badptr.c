/* SPDX-License-Identifier: MIT */
/*
 * test_launch_badptr.c - an application that gives bpf() bad pointers
 * (tests/launch/apps/badptr.c) survives every one under "userbpf launch"
 * (results stored in a read-only attr, perf_event_open strings, file
 * calls with a bad path too) and sees the errno values the kernel gives
 * the same binary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static int capture(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, got;

	out[0] = '\0';
	if (!p)
		return -1;
	while (n + 1 < size && (got = fread(out + n, 1, size - 1 - n, p)))
		n += got;
	out[n] = '\0';
	return pclose(p);
}

TEST(launch_bad_pointers_get_kernel_errno)
{
	char app[512], cmd[1400], tmp[64], ours[4096], kern[4096];
	int st;

	if (SANITIZED) {
		test_skip("the interposer cannot be preloaded into an uninstrumented "
			  "application in a sanitizer build");
		return;
	}
	snprintf(app, sizeof(app), "%s/launch/badptr", test_build_dir());
	if (access(app, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", app);
		return;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/bpfcmd_badptr_XXXXXX");
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s/userbpf launch -- %s 2>/dev/null", tmp,
		 test_build_dir(), app);
	st = capture(cmd, ours, sizeof(ours));
	rmdir(tmp);
	if (test_verbose())
		printf("%s", ours);
	ASSERT_EQ(st, 0);
	ASSERT_CONTAINS(ours, "done\n");
	ASSERT_CONTAINS(ours, "lookup key Bad address\n");
	/* results stored in a read-only attr, perf and raw tracepoint strings */
	ASSERT_CONTAINS(ours, "ro lookup ok\n");
	ASSERT_CONTAINS(ours, "ro next id Bad address\n");
	ASSERT_CONTAINS(ours, "raw tp name Bad address\n");
	ASSERT_CONTAINS(ours, "uprobe path Bad address\n");
	ASSERT_CONTAINS(ours, "open path Bad address\n");
	if (getuid() != 0) {
		test_skip("not root: the kernel's answers are not compared");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s 2>/dev/null", app);
	st = capture(cmd, kern, sizeof(kern));
	if (st || !strstr(kern, "done\n")) {
		test_skip("the kernel refuses bpf() here");
		return;
	}
	ASSERT_STREQ(ours, kern);
}
