/* SPDX-License-Identifier: MIT */
/*
 * test_launch_ksym.c - kernel symbols in an unmodified libbpf application
 * (tests/launch/apps/dksym.c, Debian's libbpf and a bpftool skeleton)
 * under "userbpf launch" as an ordinary user (nobody when the suite runs
 * as root): a syscall tracepoint on kill() names the signal's target
 * through bpf_ksym_exists(bpf_task_from_pid), bpf_task_from_pid and
 * bpf_task_release, as bcc's sigsnoop does; libbpf resolves the kfuncs
 * against the kernel's BTF (lddw BPF_PSEUDO_BTF_ID, kfunc calls by BTF
 * id).  The same binary run against the kernel (as root, where bpf() is
 * allowed) is the oracle: the two outputs must be the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "../probe/fixture.h"

TEST(launch_ksym_task_from_pid)
{
	const char *b = test_build_dir();
	char app[512], cmd[2048], out[4096], kout[4096];
	int st;

	snprintf(app, sizeof(app), "%s/launch/dksym", b);
	if (access(app, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", app);
		return;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "%s%s/userbpf launch --domain ksym_%d -- %s 2>&1; "
		 "%s%s/userbpf domain rm ksym_%d >/dev/null 2>&1",
		 probe_drop(), b, (int)getpid(), app, probe_drop(), b, (int)getpid());
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	/* the child found by pid with its own name; no task past the limit;
	 * the weak kfunc nobody has does not exist */
	ASSERT_CONTAINS(out, "target: found=1 tgid_ok=1 comm=dksym_target missing_exists=0\n");
	ASSERT_CONTAINS(out, "no such pid: found=0 tgid_ok=0 comm= missing_exists=0\n");
	if (getuid() != 0) {
		test_skip("not root: the kernel oracle is skipped");
		return;
	}
	st = probe_run(app, kout, sizeof(kout));
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		test_skip("the kernel refuses dksym (exit %d): oracle skipped", WEXITSTATUS(st));
		return;
	}
	ASSERT_STREQ(out, kout);
}
