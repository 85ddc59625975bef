/* SPDX-License-Identifier: MIT */
/*
 * test_trace_cli.c - "userbpf trace" refuses a --prog the object does
 * not have before the command starts (exit 2, naming the programs it
 * has), and runs with the ones it has.
 */
#include <stdio.h>
#include <string.h>

#include "../unit/test.h"
#include "../unit/test_loader.h"

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
	/* the names it has: the command runs, only that program attached */
	snprintf(args, sizeof(args),
		 "trace %s/examples/uprobe.bpf.o --prog add_entry -- %s/examples/uprobe_target 2",
		 b, b);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "uprobe_add ENTRY: a = 1, b = 10");
	ASSERT_TRUE(!strstr(out, "EXIT"));
}
