/* SPDX-License-Identifier: MIT */
/*
 * test_kfunc_launch.c - an unmodified libbpf application doing what
 * libbpf-bootstrap's kprobe and fentry examples do
 * (tests/launch/apps/dkfunc.c: kprobe, kretprobe, fentry and fexit on
 * do_unlinkat, bpf_printk and a ring buffer) under "userbpf launch" as an
 * ordinary user (nobody when the suite runs as root): libbpf's kprobe
 * goes through the kprobe PMU, its fentry/fexit through a TRACING load
 * with attach_btf_id and BPF_LINK_CREATE, all mapped onto the probe
 * layer's kernel functions (src/probe/kfunc.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

TEST(kfunc_libbpf_app_under_launch)
{
	const char *b = test_build_dir();
	char tmp[128], cmd[2048], out[4096], pipe_out[8192], want[256];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/launch/dkfunc", b);
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/kfunc_launch_%d_XXXXXX", (int)getpid());
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	chmod(tmp, 01777);
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf launch --domain kf -- %s/launch/dkfunc %s/f 2>&1", tmp,
		 probe_drop(), b, b, tmp);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	/* both unlinks: the kprobe's and fentry's dfd and path, then the
	 * returns, 0 and -ENOENT in an int function's rax (4294967294) */
	snprintf(want, sizeof(want), "kind=0 dfd=-100 ret=0 name=%s/f\n", tmp);
	ASSERT_CONTAINS(out, want);
	snprintf(want, sizeof(want), "kind=2 dfd=-100 ret=0 name=%s/f\n", tmp);
	ASSERT_CONTAINS(out, want);
	snprintf(want, sizeof(want), "kind=3 dfd=-100 ret=0 name=%s/f\n", tmp);
	ASSERT_CONTAINS(out, want);
	snprintf(want, sizeof(want), "kind=3 dfd=-100 ret=4294967294 name=%s/f\n", tmp);
	ASSERT_CONTAINS(out, want);
	ASSERT_CONTAINS(out, "kind=1 dfd=0 ret=0 name=\n");
	ASSERT_CONTAINS(out, "kind=1 dfd=0 ret=4294967294 name=\n");
	/* the examples' bpf_printk lines, through the domain's trace_pipe */
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf trace-pipe --domain kf --no-follow", tmp,
		 probe_drop(), b);
	st = probe_run(cmd, pipe_out, sizeof(pipe_out));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	snprintf(want, sizeof(want), "KPROBE ENTRY pid = ");
	ASSERT_CONTAINS(pipe_out, want);
	snprintf(want, sizeof(want), ", filename = %s/f\n", tmp);
	ASSERT_CONTAINS(pipe_out, want);
	ASSERT_CONTAINS(pipe_out, "KPROBE EXIT: pid = "); /* ax as %ld: 4294967294 */
	ASSERT_CONTAINS(pipe_out, ", ret = 4294967294\n");
	snprintf(want, sizeof(want), ", filename = %s/f, ret = 0\n", tmp);
	ASSERT_CONTAINS(pipe_out, want);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf domain rm kf >/dev/null 2>&1; rm -rf %s",
		 tmp, probe_drop(), b, tmp);
	ASSERT_EQ(system(cmd), 0);
}

/*
 * A program is compiled once, at load, into the domain's memory, so every
 * member sees the same image: dkfunc's fentry/fexit programs (their BTF
 * pointer loads leave them unverified) used to be compiled at attach
 * into the loader's own heap.  bpftool in another member then read that
 * address in its own memory ("jited 1212058441B"), and a member that
 * dropped the last reference freed it there (sh died of SIGSEGV in
 * ub_exec_free under libbpf-bootstrap's fentry example).  Here bpftool,
 * in the domain while dkfunc waits attached, must see images of a sane
 * size, and the shell must outlive the loader's SIGKILL.
 */
TEST(kfunc_programs_compiled_in_domain)
{
	const char *b = test_build_dir();
	char tmp[128], cmd[2048], out[8192];
	const char *names[] = { "fentry_unlinkat", "fexit_unlinkat" };
	size_t i;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/launch/dkfunc", b);
	if (access(cmd, X_OK) || access("/usr/sbin/bpftool", X_OK)) {
		test_skip("%s or bpftool missing (clang, bpftool, libbpf-dev?)", cmd);
		return;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/kfunc_dom_%d_XXXXXX", (int)getpid());
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	chmod(tmp, 01777);
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf launch -- /bin/sh -c '%s/launch/dkfunc %s/f wait >%s/o & "
		 "p=$!; i=0; until grep -q attached %s/o || [ $i -ge 300 ]; do sleep 0.1; "
		 "i=$((i+1)); done; cat %s/o; /usr/sbin/bpftool prog show; kill -9 $p; wait $p; "
		 "echo loader $?; sleep 0.3; echo sh alive' 2>&1",
		 tmp, probe_drop(), b, b, tmp, tmp, tmp, tmp);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(out, "attached\n");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *p = strstr(out, names[i]);
		unsigned long xlated = 0, jited = 0;

		ASSERT_TRUE(p != NULL);
		p = strstr(p, "xlated ");
		ASSERT_TRUE(p && sscanf(p, "xlated %luB jited %luB", &xlated, &jited) == 2);
		/* x86-64 code of a few hundred bytes of BPF: a few times as much */
		ASSERT_TRUE(xlated > 0 && jited > 0 && jited < 16 * xlated);
	}
	ASSERT_CONTAINS(out, "loader 137\nsh alive\n");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}
