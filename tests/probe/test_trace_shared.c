/* SPDX-License-Identifier: MIT */
/*
 * test_trace_shared.c - "userbpf trace --shared": the traced processes
 * (the command, its forked children and exec'd images) run the programs
 * of one object on one set of maps, in a trace-private domain
 * (src/agent/trace_domain.c, docs/probes.md).  Fixture
 * tests/probe/tshared.bpf.c: execve entries counted and sent through a
 * ring buffer, a value one process's openat probe stores and another's
 * prints.  Skipped in sanitizer builds, as every trace test.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

/* The fixture is ready, and $D a fresh folder for the arena (the test
 * checks it is empty afterwards). */
static bool shared_ready(char *dir, size_t size)
{
	char path[512];

	if (!probe_trace_ready("uprobe"))
		return false;
	snprintf(path, sizeof(path), "%s/probe/tshared.bpf.o", test_build_dir());
	if (access(path, R_OK)) {
		test_skip("%s missing (clang?)", path);
		return false;
	}
	snprintf(dir, size, "/tmp/tracedom_shared_XXXXXX");
	if (!mkdtemp(dir))
		return false;
	setenv("D", dir, 1);
	return true;
}

/* Entries of folder dir (the arena left behind, if any); removes it. */
static int leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	rmdir(dir);
	return n;
}

static int count_lines(const char *out, const char *prefix)
{
	int n = 0;
	size_t plen = strlen(prefix);

	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, plen))
			n++;
	return n;
}

/* A forked subshell and an exec'd cat read what an exec'd cat wrote;
 * without --shared (each process its own copies) they read nothing. */
TEST(trace_shared_map_across_processes)
{
	char dir[64], out[16384];
	int st;

	if (!shared_ready(dir, sizeof(dir)))
		return;
	st = probe_run("USERBPF_TRACE_ARENA_DIR=$D $B/userbpf trace --shared "
		       "$B/probe/tshared.bpf.o -- sh -c 'cat /tdom-set-7 2>/dev/null; "
		       "(: </tdom-get) 2>/dev/null; cat /tdom-get 2>/dev/null; exit 0' 2>&1",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_EQ(count_lines(out, "tdom get 7"), 2);
	ASSERT_EQ(count_lines(out, "tdom get "), 2);
	ASSERT_CONTAINS(out, "@shared_val:\n  [1] = 7\n");
	ASSERT_EQ(leftovers(dir), 0);
	/* the per-process maps of --no-shared: the readers see nothing */
	st = probe_run("$B/userbpf trace --follow --no-shared $B/probe/tshared.bpf.o -- sh -c "
		       "'cat /tdom-set-7 2>/dev/null; (: </tdom-get) 2>/dev/null; exit 0' 2>&1",
		       out, sizeof(out));
	ASSERT_EQ(count_lines(out, "tdom get 0"), 1);
}

/* Exact counts over a tree of forks and execs, and every process's
 * ring-buffer records. */
TEST(trace_shared_counts_and_events)
{
	char dir[64], out[32768];
	int st;

	if (!shared_ready(dir, sizeof(dir)))
		return;
	/* images: sh, 2 true, the subshell's true, sh, its 2 true */
	st = probe_run("USERBPF_TRACE_ARENA_DIR=$D $B/userbpf trace --shared "
		       "$B/probe/tshared.bpf.o -- sh -c '/bin/true; /bin/true; (/bin/true); "
		       "sh -c \"/bin/true; /bin/true\"; exit 3' 2>&1",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 3);
	ASSERT_CONTAINS(out, "@counts:\n  [0] = 7\n");
	ASSERT_EQ(count_lines(out, "events: "), 7);
	ASSERT_EQ(leftovers(dir), 0);
	/* --json: the same records */
	ASSERT_TRUE(shared_ready(dir, sizeof(dir)));
	st = probe_run("USERBPF_TRACE_ARENA_DIR=$D $B/userbpf trace --shared --json "
		       "$B/probe/tshared.bpf.o -- sh -c '/bin/true; (/bin/true); exit 0' 2>&1",
		       out, sizeof(out));
	ASSERT_EQ(count_lines(out, "{\"type\":\"ringbuf\""), 3);
	ASSERT_CONTAINS(out, "{\"type\":\"map\",\"map\":\"counts\",\"key\":0,\"value\":3}\n");
	ASSERT_EQ(leftovers(dir), 0);
}

/* A traced child killed by SIGKILL: the others go on with the same
 * maps, the counts stay exact, the arena still goes. */
TEST(trace_shared_sigkill_child)
{
	char dir[64], out[16384];
	int st;

	if (!shared_ready(dir, sizeof(dir)))
		return;
	st = probe_run("USERBPF_TRACE_ARENA_DIR=$D $B/userbpf trace --shared "
		       "$B/probe/tshared.bpf.o -- sh -c 'cat /tdom-set-5 2>/dev/null; "
		       "sh -c \"kill -KILL \\$\\$\"; /bin/true; cat /tdom-get 2>/dev/null; "
		       "exit 0' 2>&1",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_EQ(count_lines(out, "tdom get 5"), 1);
	/* sh, cat, sh, true, cat */
	ASSERT_CONTAINS(out, "@counts:\n  [0] = 5\n");
	ASSERT_EQ(count_lines(out, "events: "), 5);
	ASSERT_EQ(leftovers(dir), 0);
	/* the command itself killed: we die of it, the maps still come */
	ASSERT_TRUE(shared_ready(dir, sizeof(dir)));
	st = probe_run("USERBPF_TRACE_ARENA_DIR=$D $B/userbpf trace --shared "
		       "$B/probe/tshared.bpf.o -- sh -c '/bin/true; kill -KILL $$' 2>&1; "
		       "echo status=$?",
		       out, sizeof(out));
	ASSERT_CONTAINS(out, "status=137");
	ASSERT_CONTAINS(out, "@counts:\n  [0] = 2\n");
	ASSERT_EQ(leftovers(dir), 0);
}

/* An image whose agent is elsewhere (a library preloaded before it) cannot
 * join: it says so, and runs on copies of its own, added to the shared
 * maps at the end (bootstrap: exec and exit events of sh, python, the
 * image it execs and true, each counted once, each record printed).  The
 * agent puts itself first in LD_PRELOAD in every exec it sees (then the
 * image joins: test_trace_exec.c), so the image here comes from a raw
 * execve syscall with libm.so.6 before the agent. */
TEST(trace_shared_fallback_when_agent_elsewhere)
{
	static const char py[] =
		"import ctypes, os\n"
		"env = [('%s=%s' % kv).encode() for kv in os.environ.items() if kv[0] != "
		"'LD_PRELOAD']\n"
		"env.append(('LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6:' + "
		"os.environ['LD_PRELOAD']).encode())\n"
		"argv = (ctypes.c_char_p * 2)(b'/bin/true', None)\n"
		"envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)\n"
		"ctypes.CDLL(None).syscall(59, b'/bin/true', argv, envp)\n";
	char dir[64], path[128], cmd[512], out[32768];
	FILE *f;
	int st;

	if (!shared_ready(dir, sizeof(dir)))
		return;
	if (access("/lib/x86_64-linux-gnu/libm.so.6", R_OK) || access("/usr/bin/python3", X_OK)) {
		test_skip("no /lib/x86_64-linux-gnu/libm.so.6 or /usr/bin/python3");
		rmdir(dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/rawexec.py", dir);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(py, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "USERBPF_TRACE_ARENA_DIR=$D $B/userbpf trace --follow "
		 "$B/examples/bootstrap.bpf.o -- sh -c '/usr/bin/python3 %s; /bin/true; exit 0' "
		 "2>&1",
		 path);
	st = probe_run(cmd, out, sizeof(out));
	unlink(path);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(out, "cannot join the trace's domain (Invalid cross-device link): it "
			     "runs the programs on copies of its own");
	ASSERT_CONTAINS(out, "@counts:\n  [0] = 4\n  [1] = 3\n");
	ASSERT_EQ(count_lines(out, "rb: "), 7);
	ASSERT_EQ(leftovers(dir), 0);
}
