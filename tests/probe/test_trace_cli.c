/* SPDX-License-Identifier: MIT */
/*
 * test_trace_cli.c - "userbpf trace" from the command line: a --prog the
 * object does not have is refused before the command starts; a traced
 * command's exec'd images survive where addresses are not randomised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "../unit/test_loader.h"
#include "fixture.h"

TEST(trace_cli_unknown_prog_refused)
{
	const char *b = test_build_dir();
	char args[1024], out[8192];

	snprintf(
		args, sizeof(args),
		"trace %s/examples/uprobe.bpf.o --prog add_entry --prog nosuch -- sh -c 'echo ran'",
		b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 2);
	ASSERT_CONTAINS(out, "uprobe.bpf.o has no program 'nosuch' (it has: add_entry, add_exit)");
	ASSERT_TRUE(!strstr(out, "ran"));
	/* the names it has: the command runs, only that program attached (the
	 * agent cannot be preloaded into an uninstrumented command in a
	 * sanitizer build) */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return;
#endif
	snprintf(args, sizeof(args),
		 "trace %s/examples/uprobe.bpf.o --prog add_entry -- %s/examples/uprobe_target 2",
		 b, b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "uprobe_add ENTRY: a = 1, b = 10");
	ASSERT_TRUE(!strstr(out, "EXIT"));
}

/*
 * A traced process's seccomp filter survives exec.  Where addresses are
 * not randomised (setarch -R here; userbpf launch always), the exec'd
 * image's loader and libraries lie where the old image's did: the loader
 * is never trapped, and the agent installs its SIGSYS handler while ld.so
 * relocates it, before any library's constructor (ls's libselinux opens
 * files from one).  Both died of SIGSYS (status 159) before; with
 * --follow the exec'd image's opens are traced.
 */
TEST(trace_exec_without_aslr_survives)
{
	const char *b = test_build_dir();
	char args[1024], out[65536];
	int follow;

	if (PROBE_SANITIZED) {
		test_skip("the agent cannot be preloaded into an uninstrumented command in a "
			  "sanitizer build");
		return;
	}
	if (system("setarch -R true 2>/dev/null")) {
		test_skip("setarch -R is not available here");
		return;
	}
	for (follow = 0; follow < 2; follow++) {
		snprintf(
			args, sizeof(args),
			"trace %s/examples/opensnoop.bpf.o%s -- sh -c 'ls / >/dev/null; echo ls=$?; "
			"/bin/true; echo true=$?'",
			b, follow ? " --follow" : "");
		{
			char cmd[1200];

			snprintf(cmd, sizeof(cmd), "setarch -R %s/userbpf %s 2>&1", b, args);
			ASSERT_EQ(probe_run(cmd, out, sizeof(out)), 0);
		}
		ASSERT_CONTAINS(out, "ls=0\n");
		ASSERT_CONTAINS(out, "true=0\n");
		ASSERT_TRUE(!strstr(out, "Bad system call"));
		if (follow)
			ASSERT_CONTAINS(out, " ls ");
	}
}

/*
 * Without --prog, programs on kernel hooks (kprobe on a kernel function,
 * a raw tracepoint of the scheduler) are left out and each is named with
 * the reason; before, they were dropped silently, and an object with
 * nothing else traced nothing and exited 0.  An object whose programs
 * are all such is refused before the command starts.
 */
TEST(trace_cli_names_programs_left_out)
{
	const char *b = test_build_dir();
	char args[1024], out[8192];

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	test_skip("the agent cannot be preloaded into an uninstrumented command here");
	return;
#endif
	snprintf(args, sizeof(args),
		 "trace %s/probe/kernelhooks.bpf.o --prog on_unlinkat -- sh -c 'echo ran'", b);
	/* asked for by name: the attach error says why */
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 1);
	ASSERT_CONTAINS(out, "cannot attach on_unlinkat");
	snprintf(args, sizeof(args), "trace %s/probe/kernelhooks.bpf.o -- sh -c 'echo ran'", b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "on_unlinkat (SEC(\"kprobe/vfs_rename\")) is left out: it hooks a "
			     "kernel function no syscall reaches");
	ASSERT_CONTAINS(out, "on_switch (SEC(\"raw_tp/sched_switch\")) is left out");
	ASSERT_CONTAINS(out, "ran\n");
	ASSERT_CONTAINS(out, "{\"writes\": 1, \"unlinks\": 0, \"switches\": 0}");
	ASSERT_TRUE(!strstr(out, "on_write (SEC"));
}

TEST(trace_cli_nothing_attachable_refused)
{
	const char *b = test_build_dir();
	char args[1024], out[8192];

	snprintf(args, sizeof(args), "trace %s/examples/lpm_route.bpf.o -- sh -c 'echo ran'", b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 2);
	ASSERT_CONTAINS(out, "has no program a process can attach");
	ASSERT_TRUE(!strstr(out, "ran"));
}

/*
 * A probe on a binary the traced command does not load itself (a return
 * probe on /bin/bash's readline, the command sh): with --follow it fires
 * in the bash the command execs, as the kernel's probe on the file fires
 * in every process running it; without, it is named with a warning and
 * the trace goes on.  Before, the attach in sh failed and trace exited 1
 * (eunomia's bashreadline).
 */
TEST(trace_cli_probe_on_other_binary)
{
	const char *b = test_build_dir();
	char args[1024], out[8192];

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	test_skip("the agent cannot be preloaded into an uninstrumented command here");
	return;
#endif
	if (access("/bin/bash", X_OK)) {
		test_skip("no /bin/bash");
		return;
	}
	snprintf(args, sizeof(args),
		 "trace --follow %s/probe/bashrl.bpf.o -- sh -c 'echo \"echo hi\" | bash --norc "
		 "--noprofile -i 2>/dev/null'",
		 b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "readline: echo hi\n");
	ASSERT_CONTAINS(out, "hi\n");
	snprintf(args, sizeof(args),
		 "trace %s/probe/bashrl.bpf.o -- sh -c 'echo \"echo hi\" | bash --norc "
		 "--noprofile -i 2>/dev/null'",
		 b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out,
			"on_readline: '/bin/bash' is not loaded in this process; it fires only "
			"where the traced command loads it");
	ASSERT_TRUE(!strstr(out, "readline: echo hi"));
}
