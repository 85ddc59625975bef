/* SPDX-License-Identifier: MIT */
/*
 * test_kfunc_obj.c - kernel functions that take kernel objects
 * (src/probe/kfunc.c, kfunc_obj.c): kfobj.bpf.c's programs, written as
 * bcc's libbpf-tools write theirs (kprobe/kretprobe vfs_write, fentry
 * vfs_unlink, fexit vfs_open, kprobe vfs_mkdir, inet_bind, inet_listen,
 * tcp_v4_connect, ext4_file_read_iter, tcp_sendmsg, tcp_cleanup_rbuf,
 * tcp_set_state, inet_csk_accept, tcp_close, tcp_rcv_state_process), read struct file / dentry /
 * inode / kiocb / socket / sock through CO-RE.  build/probe/kfobj_app
 * makes the calls and prints what each record must hold, computed from
 * the calls' own results and stat (inode numbers, ports, the umask'ed
 * mode, net.core.somaxconn); the records must equal it.  Under "userbpf
 * launch" (libbpf loads and attaches: the kprobe PMU and TRACING loads),
 * under "userbpf trace" (the agent attaches by section), as nobody; the
 * kernel's answer where it gives one (this kernel has no kprobes and
 * refuses fentry: skipped with the reason); and functions still not
 * emulated keep failing with the message naming those that are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/probe.h"

static char abs_build[4096];

/* The build folder as an absolute path (the commands run elsewhere). */
static const char *build_dir(void)
{
	if (!realpath(test_build_dir(), abs_build))
		snprintf(abs_build, sizeof(abs_build), "%s", test_build_dir());
	return abs_build;
}

static bool ready(const char *b, char *tmp, size_t tmp_sz)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/probe/kfobj_app", b);
	if (access(path, X_OK)) {
		test_skip("%s missing (libbpf-dev?)", path);
		return false;
	}
	snprintf(path, sizeof(path), "%s/probe/kfobj.bpf.o", b);
	if (access(path, R_OK)) {
		test_skip("%s missing (clang?)", path);
		return false;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return false;
	}
	snprintf(tmp, tmp_sz, "/tmp/kfobj_%d_XXXXXX", (int)getpid());
	if (!mkdtemp(tmp))
		return false;
	chmod(tmp, 01777);
	return true;
}

/*
 * Every "want [K] = {...}" line of out must appear, from "[K]" on, after
 * prefix (the app's "rec " or trace's map dump indentation): the record
 * holds what the calls say it must.  The number of wants found, minus
 * 100 for each one missing (printed).
 */
static int check_wants(const char *out, const char *prefix)
{
	const char *w = out;
	int n = 0;

	while ((w = strstr(w, "want ["))) {
		const char *end = strchr(w, '\n');
		char line[512];

		if (!end)
			return -1000;
		snprintf(line, sizeof(line), "%s%.*s\n", prefix, (int)(end - w - 5), w + 5);
		if (!strstr(out, line)) {
			fprintf(stderr, "    missing: %s", line);
			n -= 100;
		}
		w = end;
		n++;
	}
	return n;
}

TEST(kfunc_obj_under_launch)
{
	const char *b = build_dir();
	char tmp[128], cmd[16384], out[16384];
	int st;

	if (!ready(b, tmp, sizeof(tmp)))
		return;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && TMPDIR=%s %s%s/userbpf launch -- %s/probe/kfobj_app "
		 "%s/probe/kfobj.bpf.o %s 2>&1",
		 tmp, tmp, probe_drop(), b, b, b, tmp);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_EQ(check_wants(out, "rec "), 15);
	/* the counts a kernel gives: two writes, three opens (one not
	 * creating), two unlinks (the missing file does not reach it) */
	ASSERT_CONTAINS(out, "rec [0] = {\"count\": 2,");
	ASSERT_CONTAINS(out, "rec [2] = {\"count\": 2,");
	ASSERT_CONTAINS(out, "rec [3] = {\"count\": 3,");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}

TEST(kfunc_obj_under_trace)
{
	const char *b = build_dir();
	char tmp[128], cmd[16384], out[16384];
	int st;

	if (PROBE_SANITIZED) {
		test_skip("the agent cannot be preloaded into an uninstrumented command here");
		return;
	}
	if (!ready(b, tmp, sizeof(tmp)))
		return;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && %s%s/userbpf trace %s/probe/kfobj.bpf.o -- %s/probe/kfobj_app - %s 2>&1",
		 tmp, probe_drop(), b, b, b, tmp);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_TRUE(strstr(out, "left out") == NULL);
	ASSERT_EQ(check_wants(out, "  "), 15);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}

/* The oracle: the same application on the kernel (root, no launch). */
TEST(kfunc_obj_matches_kernel)
{
	const char *b = build_dir();
	char tmp[128], cmd[16384], out[16384];
	int st;

	if (geteuid()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	if (!ready(b, tmp, sizeof(tmp)))
		return;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && %s/probe/kfobj_app %s/probe/kfobj.bpf.o %s 2>/dev/null", tmp, b, b, tmp);
	st = probe_run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 2) {
		test_skip("the kernel cannot load or attach kfobj.bpf.o (%s: a kernel without "
			  "CONFIG_KPROBES or BPF trampolines, as here)",
			  strtok(out, "\n") ? out : "no output");
		return;
	}
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_EQ(check_wants(out, "rec "), 15);
}

/* Functions no syscall reaches, or not emulated, keep failing cleanly
 * with the list (refused before any syscall hook is set: safe in the
 * runner itself). */
TEST(kfunc_obj_unknown_functions_refused)
{
	struct userbpf_map *m =
		userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "kfobj_cnt", 4, 8, 1, NULL);
	struct userbpf_prog *p = m ? probe_fixture_counter(m, "kfobj_refuse") : NULL;
	static const char *const refused[] = { "kprobe/vfs_rename", "fentry/tcp_rcv_established",
					       "kretprobe/cap_capable",
					       "fexit/tcp_v4_syn_recv_sock" };
	struct userbpf_link *l;
	char err[640];
	size_t i;

	ASSERT_TRUE(p != NULL);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		USERBPF_OPTS(userbpf_uprobe_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

		err[0] = '\0';
		errno = 0;
		l = userbpf_probe__attach_syscall(p, refused[i], &o);
		ASSERT_TRUE(l == NULL);
		ASSERT_EQ(errno, ENOENT);
		ASSERT_CONTAINS(err, "cannot be probed in a process");
		ASSERT_CONTAINS(err, "vfs_read, vfs_write");
		ASSERT_CONTAINS(err, "tcp_v4_connect");
	}
	userbpf_prog__put(p);
	userbpf_map__put(m);
}
