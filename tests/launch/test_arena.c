/* SPDX-License-Identifier: MIT */
/*
 * test_arena.c - the domain's arena under "userbpf launch": what members
 * SIGKILLed held comes back, every byte (tests/launch/apps/darena.c); and
 * run statistics leave a program's user stack alone (dstack.c).  Run as
 * the unprivileged user as test_launch.c runs its applications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"

/* "userbpf launch --domain NAME -- build/launch/APP ARGS" as nobody (when
 * root) in a fresh TMPDIR, removed afterwards: its stdout in out, its
 * wait status; -1 (skipped) when the application was not built. */
static int launch_app(const char *domain, const char *app, const char *args, char *out,
		      size_t out_sz)
{
	const char *b = test_build_dir();
	const char *drop = getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " :
					   "";
	char tmp[128], cmd[2048];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/launch/%s", b, app);
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return -1;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/arena_test_%d_XXXXXX", (int)getpid());
	if (!mkdtemp(tmp)) {
		test_skip("no temporary directory");
		return -1;
	}
	chmod(tmp, 01777);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf launch --domain %s -- %s/launch/%s %s",
		 tmp, drop, b, domain, b, app, args);
	p = popen(cmd, "r");
	out[0] = '\0';
	while (p && n + 1 < out_sz) {
		size_t got = fread(out + n, 1, out_sz - 1 - n, p);

		if (!got)
			break;
		n += got;
	}
	out[n] = '\0';
	st = p ? pclose(p) : -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		st = -2;
	return st;
}

/*
 * Seven members killed one after the other, each holding: its own
 * programs (JIT images in the code area), maps (a ring buffer among
 * them) and BTF; 2,500 per-process copies of another member's BTF
 * object (5,000 private blocks, past the old ledger's 2,048); a 2 MiB
 * BTF object (a private block past the old 1 MiB limit); a handle table
 * of 4,096; link objects and probe sites.  After each is reaped, the
 * arena's heap in use, its code area in use and its private blocks are
 * the same figures as after the second (before: the heap grew by about
 * 7 MB per cycle); the reaping closed none of the reaper's descriptors
 * (a ring buffer's memfd was closed by number in whichever process freed
 * the ring: 3 of them).
 */
TEST(launch_domain_killed_member_every_byte_back)
{
	char out[1024];
	int st = launch_app("ar", "darena", "cycles 7", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "each victim held: heap over 4 MiB yes, code pages yes, private blocks "
			  "over 5000 yes\n"
			  "after cycles 3-7, differences from cycle 2: heap 0 bytes, code area 0 "
			  "bytes, private blocks 0\n"
			  "descriptors of this process closed by the reaping: 0\n");
}

/*
 * Members killed in the middle of loading a big program (400,000
 * instructions; "darena loadkill 6": the kill lands at a delay moving
 * through verification, compilation and the next load): what the load
 * had allocated is private to the member until the program is
 * registered, so the reaper gives it back: the heap in use and the
 * private blocks after each reaping are those after the first.  Before,
 * each killed load leaked what it had allocated.
 */
TEST(launch_domain_killed_mid_load_gives_back)
{
	char out[1024];
	int st = launch_app("lk", "darena", "loadkill 6", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "loaders killed mid-load 2-6, differences from the first: heap 0 bytes, "
			  "private blocks 0\n");
}

/*
 * The user stack a program sees (bpf_get_stack, bpf_get_stackid with
 * BPF_F_USER_STACK) from a child's execve and from a test run is the same
 * with run statistics on as off (dstack): the statistics' wrapper around
 * runs showed as one frame more before.  The kernel is the oracle.
 */
static const char dstack_expect[] =
	"execve tracepoint: frames > 0, same with statistics on: yes, same stack id: yes\n"
	"test run: frames > 0, same with statistics on: yes, same stack id: yes\n";

TEST(launch_domain_user_stack_same_with_stats)
{
	char out[1024];
	int st = launch_app("st", "dstack", "", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, dstack_expect);
}

TEST(launch_user_stack_same_with_stats_kernel_oracle)
{
	char cmd[512], out[1024];
	size_t n;
	FILE *p;
	int st;

	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/dstack", test_build_dir());
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/dstack 2>/dev/null", test_build_dir());
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		test_skip("the kernel refused dstack (exit %d)", WEXITSTATUS(st));
		return;
	}
	ASSERT_STREQ(out, dstack_expect);
}
