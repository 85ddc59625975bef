/* SPDX-License-Identifier: MIT */
/*
 * test_trace_sig.c - under "userbpf trace" a program sees the signal
 * actions it would see without userbpf: the agent's handlers on the
 * signals whose action was the default one (the fatal-signal snapshot
 * hook, the probes' traps) are hidden behind the interposed sigaction()
 * and signal(), and a program installing its handler only where it finds
 * SIG_DFL (CPython's SIGINT handler) installs it.  The snapshot at a
 * fatal signal stays, even after the program set SIG_DFL back.
 *
 * Skipped in sanitizer builds, as test_trace.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

static const char sigview_out[] = "SIGINT dfl\n"
				  "SIGTERM dfl\n"
				  "SIGSEGV dfl\n"
				  "SIGUSR1 dfl\n"
				  "signal SIGTERM dfl\n"
				  "SIGUSR1 dfl restart 1\n"
				  "SIGINT caught\n";

TEST(trace_signal_actions_hidden)
{
	char out[16384];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/* untraced first: what the program must see */
	st = probe_run("$B/examples/uprobe_target sigview", out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(out, sigview_out);
	/* traced: the same (it died of its own SIGINT, output lost, before) */
	st = probe_run(
		"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target sigview "
		"2>&1",
		out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, sigview_out);
	ASSERT_CONTAINS(out, "@calls:\n");
}

static const char sigview2_out[] = "sysv_signal SIGTERM dfl\n"
				   "sigset SIGHUP dfl\n"
				   "sigset hold SIGQUIT dfl\n"
				   "sigset SIGQUIT hold\n"
				   "rt_sigaction SIGTRAP dfl\n"
				   "rt_sigaction SIGUSR2 dfl\n"
				   "siginterrupt SIGUSR1 dfl restart 0\n"
				   "sigignore SIGUSR2 ign\n"
				   "SIGINT caught\n"
				   "SIGINT reset dfl\n";

/* The other ways in: sysv_signal, sigset (SIG_HOLD too), sigignore,
 * siginterrupt, syscall(SYS_rt_sigaction) on SIGTRAP (the uprobes'
 * handler) and the fatal-signal hook's signals.  Before, SIGTERM,
 * SIGHUP, SIGTRAP and SIGUSR2 read as set. */
TEST(trace_signal_actions_hidden_sysv)
{
	char out[16384];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run("$B/examples/uprobe_target sigview2", out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(out, sigview2_out);
	st = probe_run(
		"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target sigview2 "
		"2>&1",
		out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, sigview2_out);
}

/* SIG_DFL set back by the program: the snapshot at its SIGSEGV stays. */
TEST(trace_signal_snapshot_after_sig_dfl)
{
	char out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	probe_run(
		"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target sigview crash "
		"2>/dev/null; echo status=$?",
		out, sizeof(out));
	ASSERT_CONTAINS(out, sigview_out);
	ASSERT_CONTAINS(out, "@calls:\n  [0] = 3\n  [1] = 3\n");
	ASSERT_CONTAINS(out, "status=139"); /* 128 + SIGSEGV */
}

/* CPython's KeyboardInterrupt on SIGINT, traced (syscount attaches
 * anywhere and prints nothing live that could split the line). */
TEST(trace_signal_python_keyboard_interrupt)
{
	char out[16384], py[512], cmd[2048];
	size_t l;
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/* the interpreter itself, not a wrapper script (pyenv's shims exec it,
	 * and an exec'd image is untraced without --follow) */
	st = probe_run("python3 -c 'import sys; print(sys.executable)' 2>/dev/null", py,
		       sizeof(py));
	l = strlen(py);
	if (st || !l || py[0] != '/') {
		test_skip("python3 missing");
		return;
	}
	py[l - 1] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "$B/userbpf trace $B/examples/syscount.bpf.o -- %s -c '\n"
		 "import os, signal, time\n"
		 "try:\n"
		 "    os.kill(os.getpid(), signal.SIGINT)\n"
		 "    time.sleep(5)\n"
		 "    print(\"no interrupt\")\n"
		 "except KeyboardInterrupt:\n"
		 "    print(\"KeyboardInterrupt\")\n"
		 "' 2>/dev/null; echo status=$?",
		 py);
	probe_run(cmd, out, sizeof(out));
	ASSERT_CONTAINS(out, "KeyboardInterrupt\n");
	ASSERT_CONTAINS(out, "@syscalls:\n");
	ASSERT_CONTAINS(out, "status=0\n");
}
