/* SPDX-License-Identifier: MIT */
/*
 * test_launch_cli.c - the launch family's command lines refuse what they
 * cannot run with exit status 2 (usage) or the error's own status and a
 * message naming the problem, before anything starts.
 */
#include <stdio.h>
#include <string.h>

#include "../unit/test.h"
#include "../unit/test_loader.h"

TEST(launch_cli_refusals)
{
	static const struct {
		const char *args;
		int status;
		const char *want; /* part of the output */
	} c[] = {
		{ "launch", 2, "Run an unmodified libbpf application" },
		{ "launch --bogus -- true", 2, "Run an unmodified libbpf application" },
		{ "launch --domain -- true", 2, "--domain needs a NAME (got '--')" },
		{ "launch --domain -x -- true", 2, "--domain needs a NAME (got '-x')" },
		{ "launch --domain a/b -- true", 2, "bad domain name 'a/b'" },
		{ "launch --domain .. -- true", 2, "bad domain name '..'" },
		{ "launch -- /nonexistent/app", 127,
		  "/nonexistent/app: No such file or directory" },
		{ "trace-pipe --bogus", 2,
		  "usage: userbpf trace-pipe [--domain NAME] [--no-follow]" },
		{ "domain rm launch_cli_no_such_domain", 1, "No such file or directory" },
	};
	char out[4096];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(loader_cli_run(c[i].args, out, sizeof(out)), c[i].status);
		ASSERT_CONTAINS(out, c[i].want);
	}
}
