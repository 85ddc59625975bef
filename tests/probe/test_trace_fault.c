/* SPDX-License-Identifier: MIT */
/*
 * test_trace_fault.c - under "userbpf trace" probe reads of bad
 * addresses fault into the agent's SIGSEGV/SIGBUS front handler
 * (util/fault_copy_posix.c) instead of a system call, while the
 * program's own faults still reach the program: its handler receives
 * them (the address, the signal, and its handler is what sigaction reads
 * back), and with SIG_DFL the process still dies of SIGSEGV or SIGBUS.
 * The probe counts its right answers (tests/probe/faultread.bpf.c).
 *
 * Skipped in sanitizer builds, as test_trace.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "../unit/test.h"
#include "fixture.h"

TEST(trace_fault_program_handler_gets_its_faults)
{
	char out[16384];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run("$B/probe/faultee handler 6", out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(out, "caught 6 of 6, handler ours\n");
	st = probe_run(
		"$B/userbpf trace $B/probe/faultread.bpf.o -- $B/probe/faultee handler 6 2>&1", out,
		sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, "caught 6 of 6, handler ours\n");
	ASSERT_CONTAINS(out, "@reads:\n  [0] = 6\n  [1] = 6\n  [2] = 6\n  [3] = 6\n");
	/* process_vm_readv refused: the good reads went without it */
	st = probe_run("$B/userbpf trace $B/probe/faultread.bpf.o -- $B/probe/faultee handler 6 "
		       "noreadv 2>&1",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, "caught 6 of 6, handler ours\n");
	ASSERT_CONTAINS(out, "@reads:\n  [0] = 6\n  [1] = 6\n  [2] = 6\n  [3] = 6\n");
}

TEST(trace_fault_default_action_kills)
{
	static const struct {
		const char *mode;
		int sig;
	} cases[] = { { "dfl", SIGSEGV }, { "bus", SIGBUS } };
	char out[16384], cmd[256];
	size_t i;
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "$B/userbpf trace $B/probe/faultread.bpf.o -- $B/probe/faultee %s 1 "
			 "noreadv 2>&1",
			 cases[i].mode);
		st = probe_run(cmd, out, sizeof(out));
		/* the CLI dies of the command's signal (the shell may say
		 * 128 + it) */
		ASSERT_TRUE((WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig) ||
			    (WIFEXITED(st) && WEXITSTATUS(st) == 128 + cases[i].sig));
		ASSERT_CONTAINS(out, "@reads:\n  [0] = 1\n  [1] = 1\n  [2] = 1\n  [3] = 1\n");
	}
}
