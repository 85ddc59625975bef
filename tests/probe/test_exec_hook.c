/* SPDX-License-Identifier: MIT */
/*
 * test_exec_hook.c - the execve syscall tracepoints in process
 * (src/probe/exec_hook.c): programs of execsc.bpf.c attached with
 * userbpf_program__attach_opts (tracepoint/syscalls/sys_enter_execve,
 * sys_exit_execve, ksyscall/kretsyscall execve, raw_syscalls) run from
 * the host's exec hooks (userbpf_probe__exec_enter / _exit) around
 * execve calls: a failed one in the test's child, a successful one in a
 * child forked from it (its printk line reaches us through a pipe, its
 * map copy dies with the image).  Then "userbpf trace" (the agent's
 * interposed execve family) around sh.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/probe.h"

extern char **environ;

struct exec_out {
	int64_t v[6];
	int64_t err; /* 0, or why the child could not run the test */
	int64_t child_status;
	char lines[512];
};

/* What an interposer's execve does: the hooks around the syscall. */
static int traced_execve(const char *path, char *const argv[], char *const envp[])
{
	uint64_t args[6] = { (uint64_t)(uintptr_t)path, (uint64_t)(uintptr_t)argv,
			     (uint64_t)(uintptr_t)envp };
	int e;

	userbpf_probe__exec_enter(SYS_execve, args);
	execve(path, argv, envp);
	e = errno;
	userbpf_probe__exec_exit(SYS_execve, -e);
	errno = e;
	return -1;
}

static void to_pipe(void *cookie, const char *line, size_t len)
{
	if (write((int)(intptr_t)cookie, line, len) < 0)
		return;
}

static void child(int fd)
{
	static const char *const names[] = { "on_enter", "on_exit",	 "on_ksys",
					     "on_kret",	 "on_raw_enter", "on_raw_exit" };
	struct userbpf_object *obj = probe_fixture_open("execsc");
	struct exec_out out;
	char *const argv_bad[] = { (char *)"x", (char *)"bad-arg", NULL };
	char *const argv_ok[] = { (char *)"true", (char *)"ok-arg", NULL };
	int p[2], st = 0, i;
	ssize_t n;
	pid_t pid;

	memset(&out, 0, sizeof(out));
	if (!obj || pipe(p)) {
		out.err = 1000;
		probe_fixture_report(fd, &out, sizeof(out));
	}
	for (i = 0; i < 6; i++) {
		char err[256] = "";
		USERBPF_OPTS(userbpf_attach_opts, ao, .trace_fn = to_pipe,
			     .trace_cookie = (void *)(intptr_t)p[1], .err_buf = err,
			     .err_buf_sz = sizeof(err));
		struct userbpf_program *prog = userbpf_object__find_program_by_name(obj, names[i]);

		if (!prog || !userbpf_program__attach_opts(prog, &ao)) {
			out.err = 100 + i;
			snprintf(out.lines, sizeof(out.lines), "%s: %s", names[i], err);
			probe_fixture_report(fd, &out, sizeof(out));
		}
	}
	/* a failed exec: enter, then exit with -ENOENT */
	if (traced_execve("/nonexistent/exec_hook", argv_bad, environ) != -1 || errno != ENOENT)
		out.err = 200;
	/* a successful one from a forked child: its enter only (the new
	 * image loads no userbpf) */
	pid = fork();
	if (pid == 0) {
		traced_execve("/bin/true", argv_ok, environ);
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		out.err = 300;
	out.child_status = st;
	close(p[1]);
	n = read(p[0], out.lines, sizeof(out.lines) - 1);
	(void)n;
	for (i = 0; i < 6; i++)
		out.v[i] = (int64_t)probe_fixture_value(obj, "seen", (uint32_t)i);
	probe_fixture_report(fd, &out, sizeof(out));
}

TEST(exec_hook_in_process_attach_opts)
{
	struct exec_out o;

	ASSERT_EQ(probe_fixture_child(child, &o, sizeof(o)), 0);
	if (o.err == 1000) {
		test_skip("build/probe/execsc.bpf.o missing (clang?)");
		return;
	}
	if (o.err)
		fprintf(stderr, "child: %s\n", o.lines);
	ASSERT_EQ(o.err, 0);
	ASSERT_TRUE(WIFEXITED(o.child_status));
	ASSERT_EQ(WEXITSTATUS(o.child_status), 0); /* /bin/true ran */
	/* our copy: the failed attempt only */
	ASSERT_EQ(o.v[0], 1);	    /* sys_enter_execve */
	ASSERT_EQ(o.v[1], 1);	    /* sys_exit_execve */
	ASSERT_EQ(o.v[2], 1);	    /* ksyscall/execve */
	ASSERT_EQ(o.v[3], -ENOENT); /* kretsyscall's ax */
	ASSERT_EQ(o.v[4], 1);	    /* raw_syscalls/sys_enter, id 59 */
	ASSERT_EQ(o.v[5], -ENOENT); /* raw_syscalls/sys_exit's ret */
	/* the programs read the caller's filename and argv[1] */
	ASSERT_CONTAINS(o.lines, "exec-enter 59 /nonexistent/exec_hook [bad-arg]");
	ASSERT_CONTAINS(o.lines, "ksys-execve /nonexistent/exec_hook");
	ASSERT_CONTAINS(o.lines, "exec-exit 59 -2");
	/* the forked child's attempt, seen in the child before its exec */
	ASSERT_CONTAINS(o.lines, "exec-enter 59 /bin/true [ok-arg]");
	ASSERT_CONTAINS(o.lines, "ksys-execve /bin/true");
}

/* Unknown numbers are refused by the hooks. */
TEST(exec_hook_rejects_other_numbers)
{
	uint64_t args[6] = { 0 };

	ASSERT_EQ(userbpf_probe__exec_enter(SYS_read, args), -EINVAL);
	ASSERT_EQ(userbpf_probe__exec_enter(SYS_execve, NULL), -EINVAL);
	ASSERT_EQ(userbpf_probe__exec_exit(SYS_openat, 0), -EINVAL);
}

static const char trace_progs[] = "--prog on_enter,on_exit,on_ksys,on_kret";

TEST(exec_hook_trace_follow)
{
	char cmd[1024], out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	/* --follow: sh's two children exec with their filenames, each new
	 * image fires sys_exit_execve 0 once the agent is in, sh's own exec
	 * of a missing file fails with -ENOENT */
	snprintf(cmd, sizeof(cmd),
		 "$B/userbpf trace --follow $B/probe/execsc.bpf.o %s -- sh -c '/bin/true; ls / "
		 ">/dev/null; exec /nonexistent/exec_hook' 2>/dev/null",
		 trace_progs);
	probe_run(cmd, out, sizeof(out));
	ASSERT_CONTAINS(out, "exec-enter 59 /bin/true []");
	ASSERT_CONTAINS(out, "ls [/]");
	ASSERT_CONTAINS(out, "exec-enter 59 /nonexistent/exec_hook []");
	ASSERT_CONTAINS(out, "exec-exit 59 -2\n");
	ASSERT_CONTAINS(out, "ksys-execve /bin/true\n");
	/* enters: true, ls, the missing file; exits: sh's start, true's,
	 * ls's (0 in each new image) and the failure */
	ASSERT_CONTAINS(out, "\n  [0] = 3\n");
	ASSERT_CONTAINS(out, "\n  [1] = 4\n");
	ASSERT_CONTAINS(out, "\n  [2] = 3\n");
	ASSERT_CONTAINS(out, "\n  [3] = -2\n");
}

TEST(exec_hook_trace_no_follow)
{
	char cmd[1024], out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	/* without --follow: the command's own attempts only, not its
	 * children's (sh vforks or forks them) */
	snprintf(cmd, sizeof(cmd),
		 "$B/userbpf trace $B/probe/execsc.bpf.o %s -- sh -c '/bin/true; ls / >/dev/null; "
		 "exec /nonexistent/exec_hook' 2>/dev/null",
		 trace_progs);
	probe_run(cmd, out, sizeof(out));
	ASSERT_CONTAINS(out, "exec-enter 59 /nonexistent/exec_hook []");
	ASSERT_CONTAINS(out, "exec-exit 59 -2\n");
	ASSERT_TRUE(strstr(out, "/bin/true") == NULL);
	ASSERT_TRUE(strstr(out, "ls [/]") == NULL);
	ASSERT_CONTAINS(out, "\n  [0] = 1\n");
	ASSERT_CONTAINS(out, "\n  [1] = 2\n"); /* sh's start (0), the failure */
}
