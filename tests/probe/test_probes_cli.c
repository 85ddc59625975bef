/* SPDX-License-Identifier: MIT */
/*
 * test_probes_cli.c - "userbpf probes PATTERN": syscall tracepoints
 * (untraceable ones left out), function symbols of a binary, full and
 * short patterns, exit status 1 when nothing matches.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "../unit/test.h"
#include "fixture.h"

TEST(probes_cli_list)
{
	char cmd[1024], out[8192];
	const char *b = test_build_dir();
	int st;

	snprintf(cmd, sizeof(cmd), "%s/userbpf probes '*sys_e*_lseek'", b);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(out, "tracepoint:syscalls:sys_enter_lseek\n"
			  "tracepoint:syscalls:sys_exit_lseek\n");
	snprintf(cmd, sizeof(cmd), "%s/userbpf probes 'sys_enter_execve*'", b);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 0); /* fired by the exec hooks (exec_hook.c) */
	ASSERT_STREQ(out, "tracepoint:syscalls:sys_enter_execve\n"
			  "tracepoint:syscalls:sys_enter_execveat\n");
	snprintf(cmd, sizeof(cmd), "%s/userbpf probes 'sys_enter_clone*'", b);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1); /* not traceable in process */
	ASSERT_STREQ(out, "");
	snprintf(cmd, sizeof(cmd), "%s/userbpf probes 'uprobe_*' %s/examples/uprobe_target", b, b);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, "/examples/uprobe_target:uprobe_add\n");
	snprintf(cmd, sizeof(cmd),
		 "%s/userbpf probes 'uprobe:*:nomatch_*' %s/examples/uprobe_target", b, b);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1);
}
