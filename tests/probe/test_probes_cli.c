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

static int run(const char *cmd, char *out, size_t out_sz)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, got;

	out[0] = '\0';
	if (!p)
		return -1;
	while (n + 1 < out_sz && (got = fread(out + n, 1, out_sz - 1 - n, p)))
		n += got;
	out[n] = '\0';
	return pclose(p);
}

TEST(probes_cli_list)
{
	char cmd[1024], out[8192];
	const char *b = test_build_dir();
	int st;

	snprintf(cmd, sizeof(cmd), "%s/userbpf probes '*sys_e*_lseek'", b);
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(out, "tracepoint:syscalls:sys_enter_lseek\n"
			  "tracepoint:syscalls:sys_exit_lseek\n");
	snprintf(cmd, sizeof(cmd), "%s/userbpf probes 'sys_enter_execve*'", b);
	st = run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1); /* not traceable in process */
	ASSERT_STREQ(out, "");
	snprintf(cmd, sizeof(cmd), "%s/userbpf probes 'uprobe_*' %s/examples/uprobe_target", b, b);
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, "/examples/uprobe_target:uprobe_add\n");
	snprintf(cmd, sizeof(cmd),
		 "%s/userbpf probes 'uprobe:*:nomatch_*' %s/examples/uprobe_target", b, b);
	st = run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1);
}
