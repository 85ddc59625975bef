/* SPDX-License-Identifier: MIT */
/*
 * test_send_signal.c - bpf_send_signal and bpf_send_signal_thread from a
 * probe signal the traced task, as the kernel's signal current
 * (sendsig.bpf.c under "userbpf trace"): eunomia's tutorial 25 (SIGKILL
 * to a process that calls ptrace) ran without effect before, every call
 * answering -EPERM.  Signal 0 only checks (0), 65 is -EINVAL, SIGUSR1 to
 * the thread reaches the shell's trap, and SIGKILL ends the command
 * before its next line.
 */
#include <sys/wait.h>

#include "fixture.h"
#include "../unit/test.h"

TEST(trace_send_signal_reaches_traced_task)
{
	char out[4096];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run("$B/userbpf trace $B/probe/sendsig.bpf.o -- "
		       "sh -c 'trap \"echo usr1\" USR1; kill -0 $$; echo done'",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* __s64 values print signed, as bpftool prints them with BTF */
	ASSERT_STREQ(out, "usr1\ndone\n@rets:\n  [0] = 0\n  [1] = -22\n  [2] = 0\n");
	/* the CLI dies of the signal that killed the command */
	probe_run("$B/userbpf trace $B/probe/sendsig.bpf.o -- sh -c 'kill -CONT $$; echo "
		  "survived' 2>/dev/null; echo status=$?",
		  out, sizeof(out));
	ASSERT_STREQ(out, "status=137\n"); /* 128 + SIGKILL */
}
