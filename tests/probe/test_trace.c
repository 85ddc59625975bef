/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - end-to-end tests of "userbpf trace" with the examples:
 * uprobe (arguments and return value of a function of the traced
 * program, printed live), malloc (uprobe + uretprobe on libc malloc, a
 * bcc-style log2 histogram at exit), --json, the command's output and
 * exit status passed through, a signal death passed through, an object
 * whose probe cannot attach reported with its reason.
 *
 * Skipped in sanitizer builds: the agent (built with the sanitizer
 * runtime) cannot be preloaded into an uninstrumented command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

/* probe_run(), then the command's exit status, or -1 when a signal ended it. */
static int run_status(const char *cmd, char *out, size_t out_sz)
{
	int st = probe_run(cmd, out, out_sz);

	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The lines of IN that start with PREFIX, in order, into OUT: the events
 * and the command's own output share one pipe and may interleave. */
static void lines_with(const char *in, const char *prefix, char *out, size_t size)
{
	size_t n = 0, plen = strlen(prefix);

	out[0] = '\0';
	while (*in) {
		const char *eol = strchr(in, '\n');
		size_t len = eol ? (size_t)(eol - in) + 1 : strlen(in);

		if (!strncmp(in, prefix, plen) && n + len < size) {
			memcpy(out + n, in, len);
			n += len;
			out[n] = '\0';
		}
		in += len;
	}
}

TEST(trace_uprobe_example)
{
	char out[8192], events[8192];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run("$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target 3 7",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 7); /* the command's status */
	lines_with(out, "uprobe_add ", events, sizeof(events));
	ASSERT_STREQ(events, "uprobe_add ENTRY: a = 0, b = 0\n"
			     "uprobe_add EXIT: return = 0\n"
			     "uprobe_add ENTRY: a = 1, b = 10\n"
			     "uprobe_add EXIT: return = 11\n"
			     "uprobe_add ENTRY: a = 2, b = 20\n"
			     "uprobe_add EXIT: return = 22\n");
	/* the command's own output, in its order */
	ASSERT_TRUE(strstr(out, "\n0\n") || !strncmp(out, "0\n", 2));
	ASSERT_TRUE(strstr(out, "\n11\n") && strstr(out, "\n22\n") &&
		    strstr(out, "\n11\n") < strstr(out, "\n22\n"));
	ASSERT_CONTAINS(out, "@calls:\n  [0] = 3\n  [1] = 3\n");
}

TEST(trace_malloc_example)
{
	char out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	if (access("/lib/x86_64-linux-gnu/libc.so.6", R_OK)) {
		test_skip("no /lib/x86_64-linux-gnu/libc.so.6");
		return;
	}
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace $B/examples/malloc.bpf.o -- $B/examples/uprobe_target 18",
			out, sizeof(out)),
		0);
	ASSERT_CONTAINS(out, "@size_hist:\n     value               : count    distribution\n");
	/* the target's own mallocs of 2^i bytes, one per bucket at least */
	ASSERT_CONTAINS(out, "     65536 -> 131071     : 1        |");
	ASSERT_CONTAINS(out, "    131072 -> 262143     : 1        |");
	ASSERT_CONTAINS(out, "@stats:\n  [0] = ");
}

TEST(trace_json_and_signal)
{
	char out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(run_status("$B/userbpf trace --json $B/examples/uprobe.bpf.o --prog add_entry -- "
			     "$B/examples/uprobe_target 2",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, ",\"msg\":\"uprobe_add ENTRY: a = 1, b = 10\"}\n");
	ASSERT_CONTAINS(out, "{\"type\":\"printk\",\"pid\":");
	ASSERT_TRUE(!strstr(out, "EXIT")); /* only --prog add_entry */
	ASSERT_CONTAINS(out, "{\"type\":\"map\",\"map\":\"calls\",\"key\":0,\"value\":2}\n"
			     "{\"type\":\"map\",\"map\":\"calls\",\"key\":1,\"value\":0}\n");
	/* a command killed by a signal: we die of the same signal */
	probe_run(
		"$B/userbpf trace $B/examples/malloc.bpf.o -- sh -c 'kill -USR1 $$'; echo status=$?",
		out, sizeof(out));
	ASSERT_CONTAINS(out, "status=138"); /* 128 + SIGUSR1 */
	/* SIGKILL: the same, and what could not be seen is said */
	probe_run("$B/userbpf trace $B/examples/malloc.bpf.o -- sh -c 'kill -KILL $$' 2>&1; "
		  "echo status=$?",
		  out, sizeof(out));
	ASSERT_CONTAINS(out, "trace: sh was killed by SIGKILL: its sched_process_exit event");
	ASSERT_CONTAINS(out, "status=137");
}

TEST(trace_attach_error)
{
	char out[4096];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/* the uprobe example's symbol does not exist in /bin/true */
	st = probe_run("$B/userbpf trace $B/examples/uprobe.bpf.o -- true 2>&1", out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 1);
	ASSERT_CONTAINS(out, "userbpf: trace: cannot attach add_entry: no function symbol "
			     "'uprobe_add' in '/proc/self/exe'");
}

TEST(trace_minimal_example)
{
	char out[8192];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run(
		"$B/userbpf trace $B/examples/minimal.bpf.o -- $B/examples/uprobe_target 2 4", out,
		sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 4);
	/* one write of "0\n11\n" (stdout is a pipe: fully buffered); the event
	 * and the write itself reach the terminal in either order */
	ASSERT_CONTAINS(out, ": write(fd=1, count=5)\n");
	ASSERT_CONTAINS(out, "0\n11\n");
	/* a global-data map prints as its variables (BTF) */
	ASSERT_CONTAINS(out, "@minimal.bss:\n  [0] = {\"writes\": 1}\n");
}

/* examples/bootstrap.bpf.c's ring-buffer record */
struct boot_event {
	int pid, ppid;
	unsigned exit_code, exit_event;
	unsigned long long duration_ns;
	char comm[16];
	char filename[136];
};

/* The ring-buffer records of --json output, decoded; returns how many. */
static int boot_events(const char *out, struct boot_event *ev, int max)
{
	const char *p = out;
	int n = 0;

	while (n < max && (p = strstr(p, "\"map\":\"rb\",\"data\":\""))) {
		uint8_t raw[sizeof(struct boot_event)];
		size_t i;

		p += strlen("\"map\":\"rb\",\"data\":\"");
		memset(raw, 0, sizeof(raw));
		for (i = 0; i < sizeof(raw) && p[0] != '"' && p[1] != '"'; i++, p += 2)
			sscanf(p, "%2hhx", &raw[i]);
		memcpy(&ev[n++], raw, sizeof(raw));
	}
	return n;
}

static const struct boot_event *find_event(const struct boot_event *ev, int n, bool exit_ev,
					   const char *comm)
{
	int i;

	for (i = 0; i < n; i++)
		if ((bool)ev[i].exit_event == exit_ev && !strcmp(ev[i].comm, comm))
			return &ev[i];
	return NULL;
}

TEST(trace_bootstrap_follow)
{
	char out[32768];
	struct boot_event ev[32];
	const struct boot_event *sh, *echo, *sleep_x, *sleep_e, *sh_x;
	int st, n;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run("$B/userbpf trace --follow --json $B/examples/bootstrap.bpf.o -- "
		       "sh -c '/bin/echo hi; /bin/sleep 0.05; exit 5'",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 5);
	ASSERT_CONTAINS(out, "hi\n");
	n = boot_events(out, ev, 32);
	ASSERT_EQ(n, 6); /* exec and exit of sh, echo and sleep */
	sh = find_event(ev, n, false, "sh");
	echo = find_event(ev, n, false, "echo");
	sleep_e = find_event(ev, n, false, "sleep");
	sleep_x = find_event(ev, n, true, "sleep");
	sh_x = find_event(ev, n, true, "sh");
	ASSERT_TRUE(sh && echo && sleep_e && sleep_x && sh_x && find_event(ev, n, true, "echo"));
	ASSERT_TRUE(strstr(sh->filename, "sh") != NULL);
	ASSERT_STREQ(echo->filename, "/bin/echo");
	ASSERT_STREQ(sleep_e->filename, "/bin/sleep");
	ASSERT_EQ(echo->ppid, sh->pid);
	ASSERT_EQ(sleep_x->pid, sleep_e->pid);
	ASSERT_EQ(sh_x->pid, sh->pid);
	/* durations: sleep ran 50 ms at least, sh outlived it */
	ASSERT_TRUE(sleep_x->duration_ns >= 50000000ull && sleep_x->duration_ns < 5000000000ull);
	ASSERT_TRUE(sh_x->duration_ns > sleep_x->duration_ns);
	/* the counts of the three processes add up */
	ASSERT_CONTAINS(out, "{\"type\":\"map\",\"map\":\"counts\",\"key\":0,\"value\":3}\n"
			     "{\"type\":\"map\",\"map\":\"counts\",\"key\":1,\"value\":3}\n");

	/* without --follow only the command itself is traced */
	st = probe_run("$B/userbpf trace --json $B/examples/bootstrap.bpf.o -- "
		       "sh -c '/bin/echo hi; /bin/true'",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = boot_events(out, ev, 32);
	ASSERT_EQ(n, 2);
	ASSERT_TRUE(find_event(ev, n, false, "sh") && find_event(ev, n, true, "sh"));
	ASSERT_CONTAINS(out, "\"map\":\"counts\",\"key\":0,\"value\":1}\n");
}

TEST(trace_execsnoop_follow)
{
	char out[16384], events[4096];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/* a subshell forks without exec; its child execs: a grandchild */
	st = probe_run("$B/userbpf trace --follow $B/examples/execsnoop.bpf.o -- "
		       "sh -c '/bin/true; (/bin/echo sub; exit 0); echo $$ >/dev/null'",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	lines_with(out, "EXEC ", events, sizeof(events));
	ASSERT_CONTAINS(events, "EXEC sh ");
	ASSERT_CONTAINS(events, " /bin/true\n");
	ASSERT_CONTAINS(events, " /bin/echo\n");
	ASSERT_CONTAINS(out, "sub\n");
	ASSERT_CONTAINS(out, "@execs:\n");
	/* three execs: sh (by the CLI), true (by sh) and echo (by the subshell) */
	{
		const char *m = strstr(out, "@execs:\n");
		int total = 0, v;

		while (m && (m = strstr(m, "] = "))) {
			m += 4;
			if (sscanf(m, "%d", &v) == 1)
				total += v;
		}
		ASSERT_EQ(total, 3);
	}
}

TEST(trace_profile_example)
{
	char out[32768];
	const char *t;
	unsigned long samples = 0;

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(run_status("$B/userbpf trace --freq 99 $B/examples/profile.bpf.o -- "
			     "$B/examples/uprobe_target spin 300",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, "spun ");
	/* symbolised user stacks: the spinning function, called from main */
	ASSERT_CONTAINS(out, "@stacks:\n  [");
	ASSERT_CONTAINS(out, "\n    spin_here+0x");
	ASSERT_CONTAINS(out, " (uprobe_target)\n    main+0x");
	t = strstr(out, "@totals:\n  [0] = ");
	ASSERT_TRUE(t && sscanf(t + strlen("@totals:\n  [0] = "), "%lu", &samples) == 1);
	/* 300 ms of CPU at 99 Hz: about 30 */
	ASSERT_TRUE(samples >= 5 && samples <= 60);
}

TEST(trace_usdt_example)
{
	char cmd[1024], out[16384], events[4096];
	const char *b = test_build_dir();

	if (!probe_trace_ready("uprobe"))
		return;
	snprintf(cmd, sizeof(cmd), "%s/examples/usdt_target", b);
	if (access(cmd, X_OK)) {
		test_skip("%s missing (no sys/sdt.h: install systemtap-sdt-dev)", cmd);
		return;
	}
	ASSERT_EQ(run_status("$B/userbpf trace $B/examples/usdt.bpf.o -- $B/examples/usdt_target 3",
			     out, sizeof(out)),
		  0);
	/* memory-operand arguments, a string read through one, a constant */
	lines_with(out, "tick ", events, sizeof(events));
	ASSERT_STREQ(events, "tick i=0 sq=0 msg=hello k=42\n"
			     "tick i=1 sq=1 msg=hello k=42\n"
			     "tick i=2 sq=4 msg=hello k=42\n");
	/* the semaphore was raised while attached */
	ASSERT_CONTAINS(out, "ticks 3 traced 3\n");
	ASSERT_CONTAINS(out, "@ticks:\n  [0] = 3\n  [1] = 5\n");
	ASSERT_TRUE(!strstr(out, "__bpf_usdt"));
	/* untraced, nobody raises it */
	probe_run("$B/examples/usdt_target 2", out, sizeof(out));
	ASSERT_CONTAINS(out, "ticks 2 traced 0\n");
	/* listed as bpftrace -l lists USDT probes */
	ASSERT_EQ(run_status("$B/userbpf probes 'userbpf:*' $B/examples/usdt_target", out,
			     sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, "usdt:");
	ASSERT_CONTAINS(out, "/examples/usdt_target:userbpf:tick\n");
}

TEST(trace_syscount_example)
{
	char out[16384];
	const char *m;
	unsigned long n = 0;
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/* uprobe_target 2 prints with one write and exits */
	st = probe_run(
		"$B/userbpf trace $B/examples/syscount.bpf.o -- $B/examples/uprobe_target 2 3", out,
		sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 3);
	ASSERT_CONTAINS(out, "@syscalls:\nSYSCALL                   COUNT\n");
	/* the one write of "0\n11\n" and the exit_group */
	m = strstr(out, "\nwrite ");
	ASSERT_TRUE(m && sscanf(m + 7, "%lu", &n) == 1);
	ASSERT_EQ(n, 1);
	/* (exit_group comes after the agent detached at exit: not counted) */
	ASSERT_CONTAINS(out, "@failed_syscalls:\n");
}

TEST(trace_opensnoop_example)
{
	char out[16384], events[8192];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	st = probe_run("$B/userbpf trace $B/examples/opensnoop.bpf.o -- cat /etc/hostname "
		       "/nonexistent/userbpf 2>/dev/null",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 1); /* cat's status: one file missing */
	lines_with(out, "", events, sizeof(events));
	/* PID COMM FD ERR PATH: fd 3 for the file, -1 and ENOENT (2) for the other */
	ASSERT_CONTAINS(events, " cat                 3   0 /etc/hostname\n");
	ASSERT_CONTAINS(events, " cat                -1   2 /nonexistent/userbpf\n");
	ASSERT_CONTAINS(out, "@opens:\n  [0] = ");
}

TEST(trace_funclatency_example)
{
	char out[16384];
	const char *h, *p;
	unsigned long total = 0, low, high, cnt;

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace $B/examples/funclatency.bpf.o -- $B/examples/uprobe_target nap 6",
			out, sizeof(out)),
		0);
	ASSERT_CONTAINS(out, "napped 6\n");
	h = strstr(out, "@hist_usecs:\n     usecs               : count    distribution\n");
	ASSERT_TRUE(h != NULL);
	/* six calls; nap(5) slept 5 ms at least: nothing below its bucket is
	 * that long, and the last bucket holds >= 4096 us */
	for (p = strchr(h + 13, '\n') + 1; sscanf(p, " %lu -> %lu : %lu", &low, &high, &cnt) == 3;
	     p = strchr(p, '\n') + 1) {
		total += cnt;
		if (!strchr(p, '\n'))
			break;
	}
	ASSERT_EQ(total, 6);
	ASSERT_TRUE(high >= 8191 && cnt >= 1);
}

/* Start "uprobe_target loop N MS" in the background; its pid. */
static pid_t start_loop(const char *b, const char *n, const char *ms, int out_fd)
{
	char path[512];
	pid_t p = fork();

	if (p == 0) {
		snprintf(path, sizeof(path), "%s/examples/uprobe_target", b);
		dup2(out_fd, 1);
		execl(path, path, "loop", n, ms, (char *)NULL);
		_exit(127);
	}
	return p;
}

TEST(trace_pid_attach_and_detach)
{
	char cmd[1024], out[32768], tout[256];
	const char *b = test_build_dir();
	unsigned long entries = 0, exits = 0;
	const char *m;
	int st, fds[2];
	ssize_t n;
	pid_t t;

	if (!probe_trace_ready("uprobe"))
		return;
	/* attach to a running process; it exits normally, the maps come then */
	ASSERT_OK(pipe(fds));
	t = start_loop(b, "30", "20", fds[1]);
	close(fds[1]);
	usleep(100000);
	snprintf(cmd, sizeof(cmd), "%s/userbpf trace %s/examples/uprobe.bpf.o --pid %d 2>&1", b, b,
		 (int)t);
	st = probe_run(cmd, out, sizeof(out));
	n = read(fds[0], tout, sizeof(tout) - 1);
	close(fds[0]);
	tout[n > 0 ? n : 0] = '\0';
	ASSERT_EQ(waitpid(t, &st, 0), t);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(tout, "looped 30 sum 4785\n"); /* its results unchanged */
	ASSERT_CONTAINS(out, "uprobe_add ENTRY: a = 29, b = 290\n"
			     "uprobe_add EXIT: return = 319\n");
	m = strstr(out, "@calls:\n  [0] = ");
	ASSERT_TRUE(m && sscanf(m, "@calls:\n  [0] = %lu\n  [1] = %lu", &entries, &exits) == 2);
	ASSERT_TRUE(entries >= 5 && entries <= 30 && exits == entries);

	/* SIGINT to the CLI detaches: the process runs on, untraced */
	ASSERT_OK(pipe(fds));
	t = start_loop(b, "80", "10", fds[1]);
	close(fds[1]);
	usleep(100000);
	snprintf(
		cmd, sizeof(cmd),
		"timeout --preserve-status -s INT 0.4 %s/userbpf trace %s/examples/uprobe.bpf.o --pid %d 2>&1; "
		"echo status=$?",
		b, b, (int)t);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_EQ(waitpid(t, &st, 0), t);
	n = read(fds[0], tout, sizeof(tout) - 1);
	close(fds[0]);
	tout[n > 0 ? n : 0] = '\0';
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(tout, "looped 80 sum 34760\n");
	ASSERT_CONTAINS(out, "@calls:\n  [0] = ");
	ASSERT_CONTAINS(out, "status=0\n");
	m = strstr(out, "@calls:\n  [0] = ");
	ASSERT_TRUE(m && sscanf(m, "@calls:\n  [0] = %lu", &entries) == 1);
	ASSERT_TRUE(entries >= 1 && entries < 80);
}

/*
 * Syscall tracepoints by --pid: attaching rewrites libc's syscall() while
 * the injector has the thread stopped; the patch's own int3 met by that
 * thread must reach the agent (it died of SIGILL when the injector took
 * the SIGTRAP for its own).  The target must finish with its output and
 * the opens must be seen; several times, the stop lands anywhere.
 */
TEST(trace_pid_syscall_tracepoints)
{
	char cmd[1024], out[32768], tout[256], path[512];
	const char *b = test_build_dir();
	unsigned long opens = 0;
	const char *m;
	int st, fds[2], round;
	ssize_t n;
	pid_t t;

	if (!probe_trace_ready("uprobe"))
		return;
	for (round = 0; round < 3; round++) {
		ASSERT_OK(pipe(fds));
		t = fork();
		if (t == 0) {
			snprintf(path, sizeof(path), "%s/examples/uprobe_target", b);
			dup2(fds[1], 1);
			execl(path, path, "open", "30", "20", (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		usleep(100000);
		snprintf(cmd, sizeof(cmd),
			 "%s/userbpf trace %s/examples/opensnoop.bpf.o --pid %d 2>&1", b, b,
			 (int)t);
		probe_run(cmd, out, sizeof(out));
		n = read(fds[0], tout, sizeof(tout) - 1);
		close(fds[0]);
		tout[n > 0 ? n : 0] = '\0';
		ASSERT_EQ(waitpid(t, &st, 0), t);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		ASSERT_STREQ(tout, "opened 30 of 30\n");
		ASSERT_CONTAINS(out, "/dev/null");
		m = strstr(out, "@opens:\n  [0] = ");
		ASSERT_TRUE(m && sscanf(m, "@opens:\n  [0] = %lu", &opens) == 1);
		ASSERT_TRUE(opens >= 5 && opens <= 30);
	}
}

TEST(trace_pid_refused_without_privilege)
{
	char cmd[1024], out[4096];
	const char *b = test_build_dir();
	int st, fds[2];
	pid_t t;

	if (!probe_trace_ready("uprobe"))
		return;
	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK)) {
		test_skip("needs root and setpriv to drop privileges");
		return;
	}
	ASSERT_OK(pipe(fds));
	t = start_loop(b, "20", "10", fds[1]);
	close(fds[1]);
	/* nobody may not ptrace a root process */
	snprintf(cmd, sizeof(cmd),
		 "setpriv --reuid=65534 --regid=65534 --clear-groups %s/userbpf trace "
		 "%s/examples/uprobe.bpf.o --pid %d 2>&1; echo status=$?",
		 b, b, (int)t);
	st = probe_run(cmd, out, sizeof(out));
	waitpid(t, &st, 0);
	close(fds[0]);
	ASSERT_CONTAINS(out, "cannot attach to process");
	ASSERT_CONTAINS(out, "Operation not permitted");
	ASSERT_CONTAINS(out, "status=1\n");
}

/* @calls of the uprobe example in out: entries and returns. */
static bool calls_of(const char *out, unsigned long *entries, unsigned long *exits)
{
	const char *m = strstr(out, "@calls:\n  [0] = ");

	return m && sscanf(m, "@calls:\n  [0] = %lu\n  [1] = %lu", entries, exits) == 2;
}

TEST(trace_robust_fork_exec_early_exit)
{
	char out[32768];
	unsigned long e = 0, x = 0;
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/* a fork: without --follow only the parent's 4 calls are counted and
	 * the child (same probes, its own copies) does not report twice */
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target fork 4",
			out, sizeof(out)),
		0);
	ASSERT_CONTAINS(out, "forked 0\n");
	ASSERT_TRUE(calls_of(out, &e, &x));
	ASSERT_EQ(e, 4);
	ASSERT_EQ(x, 4);
	ASSERT_TRUE(strstr(out, "@calls:") == strrchr(strstr(out, "@calls:"), '@'));
	/* with --follow the child's 4 calls are added */
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace --follow $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target "
			"fork 4",
			out, sizeof(out)),
		0);
	ASSERT_TRUE(calls_of(out, &e, &x));
	ASSERT_EQ(e, 8);
	ASSERT_EQ(x, 8);
	/* an exec: the maps of the image that execs are sent before it goes */
	st = probe_run(
		"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target exec 3 "
		"sh -c 'exit 6'",
		out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 6); /* the new image's status */
	ASSERT_TRUE(calls_of(out, &e, &x));
	ASSERT_EQ(e, 3);
	ASSERT_EQ(x, 3);
	/* _exit() from inside a function: the maps still come, the status too */
	st = probe_run(
		"$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target quit 5 9",
		out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 9);
	ASSERT_TRUE(calls_of(out, &e, &x));
	ASSERT_EQ(e, 5);
	ASSERT_EQ(x, 5);
}

/* The count syscount printed for NAME ("write"), or 0 without a line. */
static unsigned long syscount_of(const char *out, const char *name)
{
	char key[64];
	const char *m;
	unsigned long n = 0;

	snprintf(key, sizeof(key), "\n%s ", name);
	m = strstr(out, key);
	if (m && sscanf(m + strlen(key), "%lu", &n) != 1)
		n = 0;
	return n;
}

TEST(trace_syscall_tp_fork_exec)
{
	char out[32768];
	int st;

	if (!probe_trace_ready("uprobe"))
		return;
	/*
	 * Every syscall traced (raw_syscalls/sys_enter): sh forks and execs
	 * /bin/true and our dynamic uprobe_target.  Before the filter kept to
	 * the code mapped at attach time, their loaders died of SIGSYS (159).
	 * Without --follow the new images run untraced: no write is counted.
	 */
	st = probe_run("$B/userbpf trace $B/examples/syscount.bpf.o -- sh -c '/bin/true && "
		       "$B/examples/uprobe_target 2 5'",
		       out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 5);
	ASSERT_CONTAINS(out, "0\n11\n");
	ASSERT_EQ(syscount_of(out, "write"), 0);
	/* --follow: the exec'd images load the agent, their syscalls count:
	 * uprobe_target's one write of "0\n11\n" */
	st = probe_run(
		"$B/userbpf trace --follow $B/examples/syscount.bpf.o -- sh -c '/bin/true && "
		"$B/examples/uprobe_target 2 5'",
		out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 5);
	ASSERT_CONTAINS(out, "0\n11\n");
	ASSERT_EQ(syscount_of(out, "write"), 1);
}

TEST(trace_spawn_and_vfork_forks)
{
	char cmd[1024], out[16384];
	const char *b = test_build_dir();

	if (!probe_trace_ready("uprobe"))
		return;
	snprintf(cmd, sizeof(cmd), "%s/probe/procev.bpf.o", b);
	if (access(cmd, R_OK)) {
		test_skip("%s missing (clang?)", cmd);
		return;
	}
	/* posix_spawn and vfork run no atfork handler: the agent fires
	 * sched_process_fork in the parent; one exec, one exit (no double) */
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace $B/probe/procev.bpf.o -- $B/examples/uprobe_target spawn "
			"/bin/true",
			out, sizeof(out)),
		0);
	ASSERT_CONTAINS(out, "spawned 0 0\n");
	ASSERT_CONTAINS(out, "\n  [0] = 1\n");
	ASSERT_CONTAINS(out, "\n  [4] = 1\n");
	ASSERT_CONTAINS(out, "\n  [8] = 2\n");
	/* --follow: the two children exec with the agent and exit */
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace --follow $B/probe/procev.bpf.o -- $B/examples/uprobe_target "
			"spawn /bin/true",
			out, sizeof(out)),
		0);
	ASSERT_CONTAINS(out, "\n  [0] = 3\n");
	ASSERT_CONTAINS(out, "\n  [4] = 3\n");
	ASSERT_CONTAINS(out, "\n  [8] = 2\n");
}

/*
 * --event-type: the records a program pushes to a perf buffer (bcc's
 * way) and to a ring buffer print by field names from the object's BTF
 * (tests/probe/evtype.bpf.c), in text and in --json; an unknown struct,
 * or one missing from the --event-btf file, is a usage error naming it.
 */
TEST(trace_event_type)
{
	static const char fields[] =
		"{\"pid\": 42, \"neg\": -5, \"comm\": \"sh\", \"count\": 3, \"kind\": "
		"\"EV_WRITE\", \"inner\": {\"a\": 1, \"b\": 65535}, \"lo\": 5, \"hi\": 17, "
		"\"arr\": [1, -2, 3], \"buf\": \"0x1000\"}";
	char out[16384], want[1024];

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(
		run_status(
			"$B/userbpf trace $B/probe/evtype.bpf.o --event-type event -- sh -c 'printf abc'",
			out, sizeof(out)),
		0);
	snprintf(want, sizeof(want), "events: %s\n", fields);
	ASSERT_CONTAINS(out, want);
	snprintf(want, sizeof(want), "rb: %s\n", fields);
	ASSERT_CONTAINS(out, want);
	/* only the ring buffer's records typed; the perf buffer's in hex */
	ASSERT_EQ(
		run_status("$B/userbpf trace $B/probe/evtype.bpf.o --json --event-type rb=event -- "
			   "sh -c 'printf abc'",
			   out, sizeof(out)),
		0);
	snprintf(want, sizeof(want), ",\"map\":\"rb\",\"event\":%s}\n", fields);
	ASSERT_CONTAINS(out, want);
	ASSERT_CONTAINS(out, ",\"map\":\"events\",\"data\":\"2a000000fbffffff7368");
	ASSERT_EQ(run_status(
			  "$B/userbpf trace $B/probe/evtype.bpf.o --event-type nosuch -- true 2>&1",
			  out, sizeof(out)),
		  2);
	ASSERT_CONTAINS(out, "no struct 'nosuch' in the BTF of ");
	ASSERT_EQ(
		run_status("$B/userbpf trace $B/probe/evtype.bpf.o --event-type event --event-btf "
			   "$B/probe/procev.bpf.o -- true 2>&1",
			   out, sizeof(out)),
		2);
	ASSERT_CONTAINS(out, "no struct 'event' in the BTF of ");
}

/*
 * No --event-type: the record struct is guessed from the record's size
 * among the structs of the object's BTF (tests/probe/snoop.bpf.c: struct
 * event is there only as a map's value type, a same-sized struct nothing
 * uses and a context type are passed over), and the guess is said on
 * stderr; where no struct fits the records stay hex and stderr says why.
 */
TEST(trace_event_guess)
{
	char out[16384], want[1024];

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/snoop.bpf.o -- sh -c 'true 2>/dev/null "
			     "</nonexist_probe_guess; true' 2>&1",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, "trace: records of events print as struct event (guessed from "
			     "their size, 100 bytes; --event-type chooses)\n");
	ASSERT_CONTAINS(out, ", \"tag\": 0, \"ret\": -2, \"flags\": 0, \"comm\": \"sh\", "
			     "\"fname\": \"/nonexist_probe_guess\"}\n");
	ASSERT_CONTAINS(out, "events: {\"pid\": ");
	/* the fields --event-type event printed in trace_event_type */
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/evtype.bpf.o -- sh -c 'printf abc' 2>&1",
			     out, sizeof(out)),
		  0);
	snprintf(want, sizeof(want), "rb: {\"pid\": 42, \"neg\": -5, \"comm\": \"sh\"");
	ASSERT_CONTAINS(out, want);
	ASSERT_CONTAINS(out, "events: {\"pid\": 42, \"neg\": -5, \"comm\": \"sh\"");
	ASSERT_CONTAINS(out, "records of rb print as struct event (guessed from their size, 64");
	/* snoop's BTF has a 64-byte struct, but only as a program's context */
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/evtype.bpf.o --event-btf "
			     "$B/probe/snoop.bpf.o -- sh -c 'printf abc' 2>&1",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, "trace: records of rb (64 bytes) print in hex: no struct of that "
			     "size in the BTF of ");
	ASSERT_CONTAINS(out, "rb: 2a 00 00 00 fb ff ff ff 73 68 00");
	/* evnest's BTF has a 24-byte struct, but only inside another struct
	 * (a kernel type of vmlinux.h's, as it were): not a record's type */
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/evnest.bpf.o -- sh -c 'printf abc' 2>&1",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, "trace: records of rb (24 bytes) print in hex: no struct of that "
			     "size in the BTF of ");
	ASSERT_CONTAINS(out, "rb: 2a 00 00 00 01 00 00 00 03 00 00 00 00 00 00 00 88 77 66 55 "
			     "44 33 22 11\n");
}

/*
 * --set NAME=VALUE sets the object's read-only globals before the agent
 * loads it (snoop.bpf.c: targ_failed keeps only failed opens, targ_tag
 * goes into each event); a name or value that does not fit is a usage
 * error before the command runs, worded as "userbpf run --set" words it.
 */
TEST(trace_set)
{
	char out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/snoop.bpf.o --set targ_failed=1 --set "
			     "targ_tag=77 -- sh -c 'true 2>/dev/null </nonexist_probe_set; "
			     "true >/dev/null' 2>&1",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, ", \"tag\": 77, \"ret\": -2, \"flags\": 0, \"comm\": \"sh\", "
			     "\"fname\": \"/nonexist_probe_set\"}\n");
	ASSERT_TRUE(!strstr(out, "/dev/null\"}")); /* its open succeeded */
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/snoop.bpf.o -- sh -c 'true >/dev/null' "
			     "2>&1",
			     out, sizeof(out)),
		  0);
	ASSERT_CONTAINS(out, ", \"tag\": 0, \"ret\": ");
	ASSERT_CONTAINS(out, "\"fname\": \"/dev/null\"}\n");
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/snoop.bpf.o --set nosuch=1 -- "
			     "sh -c 'echo ran' 2>&1",
			     out, sizeof(out)),
		  2);
	ASSERT_CONTAINS(out, "no global variable 'nosuch' in .rodata, .data or .bss (--set "
			     "nosuch=1)\n");
	ASSERT_TRUE(!strstr(out, "ran"));
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/snoop.bpf.o --set targ_tag=abc -- true "
			     "2>&1",
			     out, sizeof(out)),
		  2);
	ASSERT_CONTAINS(out, "global 'targ_tag': 'abc' is not a 4-byte unsigned integer");
	ASSERT_EQ(run_status("$B/userbpf trace $B/probe/snoop.bpf.o --set targ_tag -- true 2>&1",
			     out, sizeof(out)),
		  2);
	ASSERT_CONTAINS(out, "--set: 'targ_tag' is not NAME=VALUE");
}

/*
 * A command a signal ends still leaves its maps: a fault (a real SIGSEGV
 * in uprobe_target) or a signal it sends itself runs the agent's last
 * snapshot from the probe module's fatal-signal handler; SIGKILL, where
 * nothing of the process runs, leaves the agent's last periodic snapshot
 * (taken while the command slept), and stderr says how old it is.  The
 * exit status is the signal's every time.
 */
TEST(trace_signal_snapshot)
{
	char out[16384];

	if (!probe_trace_ready("uprobe"))
		return;
	probe_run("$B/userbpf trace $B/examples/uprobe.bpf.o -- $B/examples/uprobe_target crash 3 "
		  "2>/dev/null; echo status=$?",
		  out, sizeof(out));
	ASSERT_CONTAINS(out, "uprobe_add EXIT: return = 4\n");
	ASSERT_CONTAINS(out, "@calls:\n  [0] = 3\n  [1] = 3\n");
	ASSERT_CONTAINS(out, "status=139"); /* 128 + SIGSEGV */
	probe_run("$B/userbpf trace $B/examples/opensnoop.bpf.o -- sh -c 'true 2>/dev/null "
		  "</nonexist_probe_sig; kill -SEGV $$' 2>/dev/null; echo status=$?",
		  out, sizeof(out));
	ASSERT_CONTAINS(out, "@opens:\n  [0] = ");
	ASSERT_CONTAINS(out, "\n  [1] = 1\n");
	ASSERT_CONTAINS(out, "status=139");
	probe_run("$B/userbpf trace $B/examples/opensnoop.bpf.o -- sh -c 'true 2>/dev/null "
		  "</nonexist_probe_sig; sleep 0.6; kill -KILL $$' 2>&1; echo status=$?",
		  out, sizeof(out));
	ASSERT_CONTAINS(out, "@opens:\n  [0] = ");
	ASSERT_CONTAINS(out, "\n  [1] = 1\n");
	ASSERT_CONTAINS(out, "trace: sh was killed by SIGKILL: its sched_process_exit event is "
			     "missing, and the maps are as its agent's last periodic snapshot "
			     "found them, ");
	ASSERT_CONTAINS(out, "status=137");
}
