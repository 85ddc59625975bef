/* SPDX-License-Identifier: MIT */
/*
 * test_launch.c - end-to-end tests of "userbpf launch": libbpf
 * applications built the libbpf-bootstrap way (tests/launch/apps/, a
 * bpftool skeleton and Debian's libbpf, rules in mk/launch.mk) run
 * unchanged under the interposer as an ordinary user (privileges dropped
 * to nobody when the suite runs as root, where the kernel refuses bpf()),
 * their output and trace_pipe lines checked exactly.
 *
 * In sanitizer builds they run too: the interposer is built there without
 * the sanitizer (mk/launch.mk), as an instrumented one cannot be preloaded
 * into an uninstrumented application.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"

/* Run a shell command, stdout (+ stderr when asked by the command) into out. */
static int run(const char *cmd, char *out, size_t out_sz)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return -1;
	while (n + 1 < out_sz) {
		size_t got = fread(out + n, 1, out_sz - 1 - n, p);

		if (!got)
			break;
		n += got;
	}
	out[n] = '\0';
	return pclose(p);
}

/* "setpriv ... " when root: the applications run as nobody. */
static const char *drop(void)
{
	return getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
}

static bool ready(const char *app)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/launch/%s", test_build_dir(), app);
	if (access(path, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", path);
		return false;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return false;
	}
	if (getuid() == 0) {
		char cmd[700];

		/* the unprivileged user must reach the build (a checkout
		 * under a private home directory would not be) */
		snprintf(cmd, sizeof(cmd), "%s test -x %s/userbpf -a -r %s", drop(),
			 test_build_dir(), path);
		if (system(cmd)) {
			test_skip("user nobody cannot reach %s", path);
			return false;
		}
	}
	return true;
}

/* A fresh TMPDIR the unprivileged application can write its domain in. */
/* A fresh directory (never one left by an earlier run: /tmp is shared,
 * pids wrap, and a name made of the pid once found another run's domain
 * files in it), writable by the unprivileged user. */
static void tmpdir(char *out, size_t sz)
{
	snprintf(out, sz, "/tmp/launch_test_%d_XXXXXX", (int)getpid());
	if (!mkdtemp(out))
		snprintf(out, sz, "/nonexistent");
	chmod(out, 01777);
}

/* Strip the variable prefix of trace_pipe lines ("  comm-pid [cpu] ...
 * ts: ") so the rest can be compared exactly. */
static void trace_tails(const char *in, char *out, size_t sz)
{
	const char *key = "bpf_trace_printk: ";
	size_t n = 0;

	out[0] = '\0';
	while ((in = strstr(in, key))) {
		const char *eol = strchr(in, '\n');
		size_t len;

		in += strlen(key);
		len = eol ? (size_t)(eol - in) + 1 : strlen(in);
		if (n + len + 1 > sz)
			break;
		memcpy(out + n, in, len);
		n += len;
		out[n] = '\0';
		in += len;
	}
}

/*
 * "userbpf launch OPT -- CMD" as the unprivileged user in a fresh TMPDIR,
 * removed afterwards; CMD is fmt with its arguments; stdout into out.
 * Asserts that it exited with status 0.
 */
__attribute__((format(printf, 4, 5))) static void launch_ok(char *out, size_t out_sz,
							    const char *opt, const char *fmt, ...)
{
	char tmp[128], app[2048], cmd[3072];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(app, sizeof(app), fmt, ap);
	va_end(ap);
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf launch %s -- %s", tmp, drop(),
		 test_build_dir(), opt, app);
	st = run(cmd, out, out_sz);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

/*
 * "userbpf launch LAUNCH_ARGS -- build/launch/APP_ARGS" (launch_ok): its
 * output must be expect.  Skipped when the application (APP_ARGS' first
 * word) is not ready.
 */
static void launch_expect(const char *launch_args, const char *app_args, const char *expect)
{
	char app[64], out[4096];

	snprintf(app, sizeof(app), "%.*s", (int)strcspn(app_args, " "), app_args);
	if (!ready(app))
		return;
	launch_ok(out, sizeof(out), launch_args, "%s/launch/%s", test_build_dir(), app_args);
	ASSERT_STREQ(out, expect);
}

/* The same test application on the kernel, as root (the oracle): its
 * output must be expect; skipped when not root or when the kernel
 * refuses it. */
static void kernel_oracle(const char *app_args, const char *expect)
{
	char cmd[1024], out[8192];
	int st;

	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/%s 2>/dev/null", test_build_dir(), app_args);
	st = run(cmd, out, sizeof(out));
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		test_skip("the kernel refused %s (exit %d)", app_args, WEXITSTATUS(st));
		return;
	}
	ASSERT_STREQ(out, expect);
}

TEST(launch_hello_libbpf_app)
{
	char tmp[128], cmd[1024], out[8192], pipe_out[8192], tails[4096];
	const char *b = test_build_dir();
	int st;

	if (!ready("hello"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf launch --domain hello -- %s/launch/hello", tmp, drop(), b,
		 b);
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "sum 0\nsum 11\nsum 22\ngetppid 4 4\n"
			  "enter a=0 b=0\nexit ret=0\n"
			  "enter a=1 b=10\nexit ret=33\n"
			  "enter a=2 b=20\nexit ret=66\n"
			  "writes 3\ncalls 3\nprog handle_write type 5\ndone\n");
	/* bpf_printk lines, through the domain's trace_pipe */
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf trace-pipe --domain hello --no-follow",
		 tmp, drop(), b);
	st = run(cmd, pipe_out, sizeof(pipe_out));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(pipe_out, "hello-");
	trace_tails(pipe_out, tails, sizeof(tails));
	ASSERT_STREQ(tails, "write fd=1 count=6\nwrite fd=1 count=7\nwrite fd=1 count=7\n");
	/* nothing is left once "domain rm" returns: its contract */
	snprintf(
		cmd, sizeof(cmd),
		"TMPDIR=%s %s%s/userbpf domain rm hello || exit 1; rmdir %s/userbpf-* %s && exit 0; "
		"ls -laR %s >&2; exit 1",
		tmp, drop(), b, tmp, tmp, tmp);
	ASSERT_EQ(system(cmd), 0);
}

/*
 * "userbpf domain rm" while a process of the domain lives: refused
 * (EBUSY, the pid named), every file stays; once the member is asked to
 * end while an "rm --wait" waits, rm returns 0 with the domain's files
 * gone (no member is left to make them again).  A member is any process
 * mapping the arena: an unmodified /bin/sh reading its stdin.
 */
TEST(launch_domain_rm_waits_for_members)
{
	char tmp[128], cmd[1024], out[4096], up[200];
	const char *b = test_build_dir();
	FILE *member, *rm;
	int st, tries;

	if (!ready("hello"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(up, sizeof(up), "%s/up", tmp);
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf launch --domain busy -- /bin/sh -c 'echo x > %s; read x'",
		 tmp, drop(), b, up);
	member = popen(cmd, "w");
	ASSERT_TRUE(member != NULL);
	for (tries = 0; tries < 500 && access(up, F_OK); tries++)
		usleep(10000);
	ASSERT_EQ(access(up, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf domain rm busy --wait 0 2>&1", tmp,
		 drop(), b);
	st = run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1);
	ASSERT_CONTAINS(out, "domain rm: busy: Device or resource busy (1 process still in it: ");
	snprintf(cmd, sizeof(cmd), "test -d %s/userbpf-*/busy", tmp);
	ASSERT_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf domain rm busy --wait 30 2>&1", tmp,
		 drop(), b);
	rm = popen(cmd, "r");
	ASSERT_TRUE(rm != NULL);
	fputs("\n", member);
	pclose(member);
	out[fread(out, 1, sizeof(out) - 1, rm)] = '\0';
	st = pclose(rm);
	ASSERT_STREQ(out, "");
	ASSERT_EQ(WEXITSTATUS(st), 0);
	snprintf(cmd, sizeof(cmd), "rm %s && rmdir %s/userbpf-* %s", up, tmp, tmp);
	ASSERT_EQ(system(cmd), 0);
}

/* Without the interposer, the same application is refused by the kernel
 * as an ordinary user: the launch test above proves userbpf answered. */
TEST(launch_hello_needs_launch_unprivileged)
{
	char cmd[1024], out[8192];
	int st;

	if (!ready("hello"))
		return;
	if (getuid() != 0) {
		test_skip("needs root to drop to an unprivileged user");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s%s/launch/hello 2>/dev/null", drop(), test_build_dir());
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_TRUE(WEXITSTATUS(st) != 0); /* load or attach refused */
}

/* Ids, dup'ed descriptors, test runs, a perf buffer, and the refusals of
 * what a process cannot provide: errno as an older kernel gives it, a
 * message, no crash.  Run privately and in a domain. */
static void ids_dup_and_refusals(const char *domain_opt)
{
	char tmp[128], cmd[1024], out[8192], err[8192], path[256];
	const char *b = test_build_dir();
	FILE *f;
	size_t n;
	int st;

	if (!ready("refuse"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(path, sizeof(path), "%s/refuse.err", tmp);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf launch %s -- %s/launch/refuse 2>%s", tmp,
		 drop(), b, domain_opt, b, path);
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "progs 3 end 2\nmaps 2\nby id: 0 sock\ndup lookup: 0 42\n"
			  "test_run: 0 retval 42\n"
			  "kprobe attach: refused errno 2\nperf buffer: ok\n"
			  "perf sample 7\nperf sample 9\nfentry load: -22\n"
			  "tracefs: newstat 1 umount 1 sched_exec 1 nosuch 0 errno 2\n");
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	n = fread(err, 1, sizeof(err) - 1, f);
	err[n] = '\0';
	fclose(f);
	ASSERT_CONTAINS(err,
			"userbpf launch: kprobe on 'vfs_rename': this kernel function "
			"cannot be probed in a process (those syscalls reach can: do_unlinkat");
	ASSERT_CONTAINS(err, "userbpf launch: program 'fe': attaching to kernel functions");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}

TEST(launch_ids_dup_and_refusals)
{
	ids_dup_and_refusals("");
}

TEST(launch_ids_dup_and_refusals_domain)
{
	ids_dup_and_refusals("--domain refuse");
}

/* A domain: the loader's tracepoint runs in a child started in the domain
 * (an unmodified /bin/echo), its ring buffer and hash map are shared; the
 * domain ends with its last process. */
TEST(launch_domain_child_runs_loader_programs)
{
	char tmp[128], cmd[1024], out[8192], path[256];
	const char *b = test_build_dir();
	int st;

	if (!ready("dloader"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf launch --domain dl -- %s/launch/dloader /bin/echo hi", tmp,
		 drop(), b, b);
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "hi\nevent: comm=echo fd=1 count=3\nchild exit 0, events 1\n"
			  "child writes in map: 1\n");
	{
		/* the arena (cmd_launch.c: /dev/shm, named by the domain
		 * directory's FNV-1a hash, or the directory) is gone */
		unsigned uid = getuid() == 0 ? 65534u : (unsigned)getuid();
		uint64_t h = 0xcbf29ce484222325ull;
		char dir[200];
		const char *p;

		snprintf(dir, sizeof(dir), "%.128s/userbpf-%u/dl", tmp, uid);
		for (p = dir; *p; p++)
			h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
		snprintf(path, sizeof(path), "/dev/shm/userbpf-%u-%016llx-dl", uid,
			 (unsigned long long)h);
		ASSERT_TRUE(access(path, F_OK) != 0);
		snprintf(path, sizeof(path), "%s/arena", dir);
		ASSERT_TRUE(access(path, F_OK) != 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}

/* bpftool in a domain: it lists the loader's program and maps, dumps the
 * program's instructions and the pinned map. */
TEST(launch_domain_bpftool)
{
	char out[65536];
	const char *b = test_build_dir();
	const char *bpftool = access("/usr/sbin/bpftool", X_OK) ? "bpftool" : "/usr/sbin/bpftool";

	if (!ready("dloader"))
		return;
	launch_ok(out, sizeof(out), "--domain bt",
		  "%s/launch/dloader /bin/sh -c '%s prog show; %s map show; %s prog dump xlated "
		  "name on_write; %s map dump pinned /sys/fs/bpf/dl_counts'",
		  b, bpftool, bpftool, bpftool, bpftool);
	ASSERT_CONTAINS(out, ": tracepoint  name on_write  tag ");
	ASSERT_CONTAINS(out,
			": hash  name counts  flags 0x0\n\tkey 4B  value 8B  max_entries 64\n");
	ASSERT_CONTAINS(out, ": ringbuf  name events  flags 0x0\n");
	ASSERT_CONTAINS(out, "   1: (85) call bpf_get_current_pid_tgid#14\n");
	{
		/* map references in the dump carry the domain's map ids */
		const char *p = out;
		char want[32];
		int refs = 0;

		while ((p = strstr(p, "= map[id:"))) {
			p += strlen("= map[id:");
			snprintf(want, sizeof(want), "\n%d: ", atoi(p));
			ASSERT_CONTAINS(out, want);
			refs++;
		}
		ASSERT_TRUE(refs >= 3);
	}
	/* the earlier bpftool runs wrote: the pinned map dump shows them,
	 * formatted through the map's BTF (btf_id in map info) */
	ASSERT_CONTAINS(out, "\n\tbtf_id ");
	ASSERT_CONTAINS(out, "[{\n        \"key\": ");
	ASSERT_CONTAINS(out, ",\n        \"value\": ");
}

/* sched_process_exec/exit of a child started in the domain (filename
 * through __data_loc), and CPU-clock sampling of the loader. */
TEST(launch_domain_process_events_and_sampling)
{
	char out[8192];

	if (!ready("dexec"))
		return;
	launch_ok(out, sizeof(out), "--domain dx", "%s/launch/dexec /bin/true", test_build_dir());
	ASSERT_STREQ(out, "exec /bin/true\nexit true\nchild exit 0\nsampling: attached\n"
			  "samples: many\n");
}

/* A domain whose processes were killed (SIGKILL: no exit path ran, its
 * pin and members stay in the arena) starts over with the next process. */
TEST(launch_domain_killed_members_start_over)
{
	char tmp[128], cmd[2048], out[8192];
	const char *b = test_build_dir();
	int st;

	if (!ready("dloader"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "%s sh -c 'export TMPDIR=%s; %s/userbpf launch --domain ko -- %s/launch/dloader "
		 "/bin/sleep 5 >/dev/null 2>&1 & p=$!; sleep 1; "
		 "kill -9 $(cat /proc/$p/task/$p/children) $p; wait $p; "
		 "%s/userbpf launch --domain ko -- %s/launch/dloader /bin/echo hi'",
		 drop(), tmp, b, b, b, b);
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "hi\nevent: comm=echo fd=1 count=3\nchild exit 0, events 1\n"
			  "child writes in map: 1\n");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}

/*
 * Per-CPU sampling of every process of the domain, as profile tools open
 * it (pid -1, one event per CPU, a cookie naming the CPU): the loader and
 * a child burning CPU are sampled, nothing else, each sample by its CPU's
 * event once.  The program runs on the JIT (code in the arena's code
 * area, run by both processes), and its prog info has the JIT length,
 * map ids, BTF id and verified_insns; then another process of the domain
 * (bpftool) sees the program, its BTF object (dumped by id) and the link
 * (by id and pinned).
 */
TEST(launch_domain_percpu_sampling_jit_info)
{
	char out[65536];
	const char *b = test_build_dir();
	const char *bpftool = access("/usr/sbin/bpftool", X_OK) ? "bpftool" : "/usr/sbin/bpftool";

	if (!ready("dprof"))
		return;
	launch_ok(out, sizeof(out), "--domain dp",
		  "%s/launch/dprof /bin/sh -c "
		  "'B=%s; $B prog show; $B btf show; $B link show; echo pinned:; "
		  "$B link show pinned /sys/fs/bpf/dprof_link; "
		  "id=$($B btf show | sed -n \"s/^\\([0-9]*\\): name <anon>.*/\\1/p\"); "
		  "$B btf dump id $id | grep -c \"^\\[\"'",
		  b, bpftool);
	{
		/* the app's report first (the whole output printed when it differs) */
		static const char want[] =
			"events: every cpu\nchild samples: yes\nloader samples: yes\n"
			"samples of other processes: 0\nsamples on another cpu's event: 0\n"
			"per-cpu sum: equals samples\njited: yes\nxlated: exact\n"
			"map_ids: 3 match\nbtf_id: match\nverified_insns: yes\n";
		if (strncmp(out, want, strlen(want)))
			ASSERT_STREQ(out, want);
	}
	/* bpftool, another process of the domain */
	ASSERT_CONTAINS(out, ": perf_event  name on_sample  tag ");
	ASSERT_CONTAINS(out, "  gpl\n\tloaded_at ");
	ASSERT_CONTAINS(out, getuid() == 0 ? "  uid 65534\n" : "  uid ");
	ASSERT_CONTAINS(out, "B  jited ");
	ASSERT_CONTAINS(out, "B  map_ids ");
	ASSERT_CONTAINS(out, "\n\tbtf_id ");
	ASSERT_CONTAINS(out, ": name <anon>  size ");
	ASSERT_CONTAINS(out, "  prog_ids ");
	ASSERT_CONTAINS(out, ": perf_event  prog ");
	ASSERT_TRUE(strstr(strstr(out, "pinned:\n"), ": perf_event  prog ") != NULL);
	ASSERT_TRUE(!strstr(out, "Error"));
	{
		/* the BTF dump's last line: its number of types, > 0 */
		const char *last = out + strlen(out) - 1;

		while (last > out && last[-1] != '\n')
			last--;
		ASSERT_TRUE(atoi(last) > 10);
	}
}

/* The same application, every program kept on the interpreter
 * (USERBPF_LAUNCH_ENGINE=interp), prints what it prints on the JIT. */
TEST(launch_domain_jit_and_interpreter_agree)
{
	char jit[8192], interp[8192];
	const char *b = test_build_dir();

	if (!ready("hello"))
		return;
	launch_ok(jit, sizeof(jit), "--domain hj", "%s/launch/hello", b);
	setenv("USERBPF_LAUNCH_ENGINE", "interp", 1);
	launch_ok(interp, sizeof(interp), "--domain hi", "%s/launch/hello", b);
	unsetenv("USERBPF_LAUNCH_ENGINE");
	ASSERT_CONTAINS(jit, "calls 3\n");
	ASSERT_STREQ(jit, interp);
}

/*
 * USDT the libbpf way (bpf_program__attach_usdt: the .note.stapsdt specs,
 * spec maps, uprobes with a reference counter): arguments from a register
 * and from memory, and a probe behind a semaphore that is raised while
 * attached and lowered by the detach.  Privately and in a domain, as
 * nobody; the same binary on the kernel (as root) is the oracle.
 */
static const char dusdt_expect[] = "semaphore while attached: 1\nsemaphore after detach: 0\n"
				   "hit: 5 sum_i 15 sum_x 15035\ngated: 3 sum 60 seen 3\n";

static void usdt_under_launch(const char *domain_opt)
{
	char out[8192];

	if (!ready("dusdt"))
		return;
	launch_ok(out, sizeof(out), domain_opt, "%s/launch/dusdt", test_build_dir());
	ASSERT_STREQ(out, dusdt_expect);
}

TEST(launch_usdt_libbpf)
{
	usdt_under_launch("");
}

TEST(launch_usdt_libbpf_domain)
{
	usdt_under_launch("--domain usdt");
}

TEST(launch_usdt_kernel_oracle)
{
	if (ready("dusdt"))
		kernel_oracle("dusdt", dusdt_expect);
}

/*
 * The execve syscall tracepoints (fired by the interposer around the
 * libc exec calls, the exit in the new image): a failed execv, execvp's
 * PATH search (one failure, then /bin/sh), the shell's exec of
 * /bin/true; filename and argv[1] read from the caller's memory, the
 * comm after the exec.  (On the kernel the first filename, in a page not
 * yet faulted in, often reads as empty.)
 */
TEST(launch_domain_execve_tracepoints)
{
	char out[8192];

	if (!ready("dexecve"))
		return;
	launch_ok(out, sizeof(out), "--domain xe", "%s/launch/dexecve", test_build_dir());
	ASSERT_STREQ(out, "enter /nonexistent/x y\nexit -2 \nenter /nonexistent_dir/sh -c\n"
			  "exit -2 \nenter /bin/sh -c\nexit 0 sh\nenter /bin/true one\n"
			  "exit 0 true\nchild exit 0\n");
}

/*
 * The same after 260 vfork children exec'd a static binary (ldconfig
 * --version) through execve: their execs left marks (sys_enter_execve
 * fired) that no new image took.
 * Before, the marks were a table of 256 slots that kept them for good:
 * once full, the next exec's image fired sys_enter_execve a second time.
 * Now a mark is a flag of the member's entry (the member table grows),
 * gone with the member.
 */
TEST(launch_execve_marks_not_limited)
{
	char out[8192];

	if (!ready("dexecve"))
		return;
	if (access("/sbin/ldconfig", X_OK)) {
		test_skip("no /sbin/ldconfig (a static binary)");
		return;
	}
	launch_ok(out, sizeof(out), "", "%s/launch/dexecve static 260", test_build_dir());
	ASSERT_STREQ(out, "enter /nonexistent/x y\nexit -2 \nenter /nonexistent_dir/sh -c\n"
			  "exit -2 \nenter /bin/sh -c\nexit 0 sh\nenter /bin/true one\n"
			  "exit 0 true\nchild exit 0\n");
}

/* A pinned link outlives the process that made it: its program keeps
 * counting the execs that follow in the domain, and bpftool finds it by
 * its pin. */
TEST(launch_domain_pinned_link_outlives_loader)
{
	char out[8192];
	const char *b = test_build_dir();
	const char *bpftool = access("/usr/sbin/bpftool", X_OK) ? "bpftool" : "/usr/sbin/bpftool";

	if (!ready("dpin"))
		return;
	launch_ok(out, sizeof(out), "--domain pl",
		  "/bin/sh -c '%s/launch/dpin load; /bin/true; /bin/true; %s/launch/dpin read; "
		  "B=%s; $B link show pinned /sys/fs/bpf/dpin_link; $B prog show name on_exec; "
		  "$B map show name last; $B map dump name last; $B btf show'",
		  b, b, bpftool);
	/* the two true and the reader itself */
	ASSERT_TRUE(!strncmp(out, "pinned\nexecs 3\n", strlen("pinned\nexecs 3\n")));
	ASSERT_CONTAINS(out, ": perf_event  prog "); /* a perf link, as on Linux */
	/* after the loader exits, the program (held by the pinned link), its
	 * unpinned map and its BTF (held by the program) are listed */
	ASSERT_CONTAINS(out, ": tracepoint  name on_exec  tag ");
	ASSERT_CONTAINS(out, ": array  name last  flags 0x0\n\tkey 4B  value 4B  max_entries 1");
	ASSERT_CONTAINS(out, "\"key\": 0,\n        \"value\": 0\n");
	ASSERT_CONTAINS(out, "  prog_ids ");
	ASSERT_TRUE(!strstr(out, "Error"));
}

/*
 * Objects held only by other objects (dpin hold): with nothing but a link
 * left, its program, the program's maps and BTF object are still listed
 * by GET_NEXT_ID and open by GET_FD_BY_ID; destroying the link releases
 * them all.  In a domain as nobody, and on the kernel (the oracle, as
 * root).  Privately the BTF object goes with its last descriptor.
 */
static const char dpin_hold_expect[] = "held by the link: prog 1/1 maps 2/2 btf 1/1\n"
				       "link destroyed: prog 0/0 maps 0/0 btf 0/0\n";

TEST(launch_domain_held_objects_listed)
{
	char out[4096];

	if (!ready("dpin"))
		return;
	launch_ok(out, sizeof(out), "--domain hold", "%s/launch/dpin hold", test_build_dir());
	ASSERT_STREQ(out, dpin_hold_expect);
	/* without --domain: the launch's anonymous domain, the same */
	launch_ok(out, sizeof(out), "", "%s/launch/dpin hold", test_build_dir());
	ASSERT_STREQ(out, dpin_hold_expect);
}

TEST(launch_held_objects_kernel_oracle)
{
	if (ready("dpin"))
		kernel_oracle("dpin hold", dpin_hold_expect);
}

/*
 * Pins can be removed (dpin unpin): bpf_map__unpin and bpf_link__unpin
 * unlink the pin, which drops its reference (again: ENOENT); once the
 * descriptors are closed too, the link, program, maps and BTF object go.
 * "rm" of a pin in another process of the domain removes it as well.
 * The same binary on the kernel is the oracle.
 */
static const char dpin_unpin_expect[] = "pinned: prog 1/1 maps 2/2 btf 1/1\n"
					"map unpin 0, again -1 errno 2\n"
					"obj_get after unpin: -1 errno 2\n"
					"descriptors closed: prog 1/1 maps 2/2 btf 1/1\n"
					"link unpin 0\n"
					"unpinned: prog 0/0 maps 0/0 btf 0/0\n";

TEST(launch_domain_unpin)
{
	char out[4096];
	const char *b = test_build_dir();

	if (!ready("dpin"))
		return;
	launch_ok(out, sizeof(out), "--domain unpin", "%s/launch/dpin unpin", b);
	ASSERT_STREQ(out, dpin_unpin_expect);
	launch_ok(
		out, sizeof(out), "--domain rm",
		"/bin/sh -c '%s/launch/dpin pinmap; %s/launch/dpin getmap; "
		"rm /sys/fs/bpf/dpin_pm && %s/launch/dpin getmap; rm /sys/fs/bpf/dpin_pm 2>/dev/null || echo gone'",
		b, b, b);
	ASSERT_STREQ(out, "pinned\nget 0 listed 1\nget -2 listed 0\ngone\n");
}

/*
 * The domain's /sys/fs/bpf needs no bpffs: libbpf checks a pin's
 * directory with statfs (BPF_FS_MAGIC, else "not on BPF FS"), and a
 * machine or container may have none mounted.  As root, dpin unpin runs
 * in a private mount namespace whose /sys/fs/bpf is a tmpfs.
 */
TEST(launch_domain_pins_without_bpffs)
{
	char tmp[128], cmd[2048], out[4096];
	int st;

	if (!ready("dpin"))
		return;
	if (getuid() != 0 || access("/usr/bin/unshare", X_OK)) {
		test_skip("needs root and unshare(1) to hide /sys/fs/bpf");
		return;
	}
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/bpf && "
		 "stat -f -c %%t /sys/fs/bpf && TMPDIR=%s %s%s/userbpf launch --domain nobpffs -- "
		 "%s/launch/dpin unpin'",
		 tmp, drop(), test_build_dir(), test_build_dir());
	st = run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 32) {
		test_skip("unshare/mount refused here: %s", out);
		return;
	}
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	/* tmpfs's magic, then what the kernel's bpffs gives (the oracle) */
	ASSERT_TRUE(!strncmp(out, "1021994\n", 8));
	ASSERT_STREQ(out + 8, dpin_unpin_expect);
}

TEST(launch_unpin_kernel_oracle)
{
	if (ready("dpin"))
		kernel_oracle("dpin unpin", dpin_unpin_expect);
}

/*
 * Open by id against close (dpin race): threads open maps and programs
 * by id while their creator closes their only descriptor.  A lookup must
 * not take a reference on an object whose last one is being dropped: no
 * descriptor opened is another object, nothing crashes, and afterwards
 * none is listed.  In a domain, privately, and on the kernel.
 */
TEST(launch_open_by_id_races_close)
{
	char out[4096];

	if (!ready("dpin"))
		return;
	launch_ok(out, sizeof(out), "--domain race", "%s/launch/dpin race", test_build_dir());
	ASSERT_STREQ(out, "race: stale 0 listed 0\n");
	launch_ok(out, sizeof(out), "", "%s/launch/dpin race", test_build_dir());
	ASSERT_STREQ(out, "race: stale 0 listed 0\n");
	kernel_oracle("dpin race", "race: stale 0 listed 0\n");
}

/*
 * BPF_ENABLE_STATS (dstats): runs count in run_cnt / run_time_ns only
 * while the descriptor is open; an unknown type is EINVAL.  Privately,
 * and in a domain where bpftool (another process) prints the counters;
 * the same binary on the kernel is the oracle (as root).
 */
static const char dstats_expect[] = "off: run_cnt 0 run_time_ns 0\n"
				    "on: run_cnt 5 run_time_ns > 0\n"
				    "closed: run_cnt 5 run_time_ns > 0\n"
				    "unknown type: -1 errno 22\nhits 10\n";

TEST(launch_enable_stats)
{
	char out[8192];
	const char *b = test_build_dir();
	const char *bpftool = access("/usr/sbin/bpftool", X_OK) ? "bpftool" : "/usr/sbin/bpftool";

	if (!ready("dstats"))
		return;
	launch_ok(out, sizeof(out), "", "%s/launch/dstats", b);
	ASSERT_STREQ(out, dstats_expect);
	launch_ok(out, sizeof(out), "--domain st", "%s/launch/dstats %s prog show name st_probe", b,
		  bpftool);
	ASSERT_TRUE(!strncmp(out, dstats_expect, strlen(dstats_expect)));
	ASSERT_CONTAINS(out, ": kprobe  name st_probe  tag ");
	ASSERT_CONTAINS(out, " run_cnt 5\n");
}

TEST(launch_enable_stats_kernel_oracle)
{
	if (ready("dstats"))
		kernel_oracle("dstats", dstats_expect);
}

/*
 * The run statistics' table grows (dstats many 6000: 6000 programs alive
 * at once, each run once with statistics on, all counted), in a domain
 * and privately.  Before, the table had 4096 slots: the runs of the
 * programs past it were not counted (run_cnt 0).  The kernel is the
 * oracle.
 */
static const char dstats_many_expect[] = "programs loaded: 6000, run once each and counted: 6000\n";

TEST(launch_enable_stats_past_4096_programs)
{
	launch_expect("--domain sm", "dstats many 6000", dstats_many_expect);
	launch_expect("", "dstats many 6000", dstats_many_expect);
}

TEST(launch_enable_stats_past_4096_programs_kernel_oracle)
{
	if (ready("dstats"))
		kernel_oracle("dstats many 6000", dstats_many_expect);
}

/*
 * Execs libc makes itself (posix_spawn, system, popen exec in a child
 * they clone, never calling execve): the enter fires in the new image,
 * with the file name, argv[1] and the spawner's comm, then the exit.  In
 * a domain as nobody; the same binary on the kernel is the oracle.
 */
static const char spawn_expect[] = "posix_spawn exit 0\nsystem exit 0\npopen read three\n"
				   "popen exit 0\n"
				   "enter /bin/true one (dexecve)\nexit 0 true\n"
				   "enter /bin/sh -c (dexecve)\nexit 0 sh\n"
				   "enter /bin/true two (sh)\nexit 0 true\n"
				   "enter /bin/sh -c (dexecve)\nexit 0 sh\n"
				   "enter /bin/echo three (sh)\nexit 0 echo\n";

TEST(launch_domain_spawn_execve_tracepoints)
{
	char out[8192];

	if (!ready("dexecve"))
		return;
	launch_ok(out, sizeof(out), "--domain sp", "%s/launch/dexecve spawn", test_build_dir());
	ASSERT_STREQ(out, spawn_expect);
}

TEST(launch_spawn_execve_kernel_oracle)
{
	if (ready("dexecve"))
		kernel_oracle("dexecve spawn", spawn_expect);
}

/*
 * Per-CPU map slots across a domain (dpcpu): three processes on one CPU
 * run a program that bumps a per-CPU counter non-atomically with a long
 * window between read and write; the slot a run claims is exclusive
 * across the domain's processes, so no update is lost.  (With slots per
 * process, about 5% of 30,000 were lost on this machine.)
 */
TEST(launch_domain_percpu_slots_across_processes)
{
	launch_expect("--domain pc", "dpcpu 10000", "children: ok\nsum == 3N\n");
}

/*
 * A member SIGKILLed in the middle of a run (dpcpu kill): the victim, on
 * CPU 0, created a map and opened the loader's map by id, then is killed
 * while a uprobe program of the domain runs in it.  Nothing of its exit
 * path ran, yet its map is no longer listed (its descriptor's reference
 * went with it), the per-CPU slot of CPU 0 it held is claimed by the
 * loader's next run on CPU 0, and the loader's map, once the loader
 * destroys its own objects, goes too (the victim's reference on it was
 * dropped).  Without reaping the lines read 1, "no" and 1.
 */
TEST(launch_domain_killed_member_reaped)
{
	launch_expect("--domain pk", "dpcpu kill",
		      "victim map listed while alive: 1\n"
		      "victim map listed after SIGKILL: 0\n"
		      "our map: lookup 0, slot of CPU 0 claimable: yes\n"
		      "our map listed after destroy: 0\n");
}

/*
 * Links of a member that was SIGKILLed (dpcpu killowner): a child attaches
 * a uprobe program to a function of the binary in every process (pid -1)
 * and is killed.  Unpinned, its link goes with it: the program stops
 * running in the other member and is gone.  Pinned, the link outlives it
 * (the program keeps running) until the pin is removed, which drops the
 * last reference.  The same binary on the kernel is the oracle.
 */
static const char killowner_expect[] = "nopin: runs here: yes\n"
				       "nopin: owner killed: program gone\n"
				       "nopin: runs after: 0\n"
				       "pin: runs here: yes\n"
				       "pin: owner killed: program stays\n"
				       "pin: still runs here: yes\n"
				       "pin: unlink 0\n"
				       "pin: unpinned: program gone\n";

TEST(launch_domain_killed_owner_links)
{
	launch_expect("--domain ko2", "dpcpu killowner", killowner_expect);
}

TEST(launch_killed_owner_links_kernel_oracle)
{
	if (ready("dpcpu"))
		kernel_oracle("dpcpu killowner", killowner_expect);
}

/*
 * A uprobe and a uretprobe with pid -1 on a binary the loader does not map
 * (dwide: as bcc's bashreadline on /bin/bash): the attach succeeds and the
 * programs run in the member that execs the binary; after detach they no
 * longer do.  The kernel is the oracle.
 */
static const char dwide_expect[] = "attached to a binary not mapped here\n"
				   "entries 3 args 6\n"
				   "returns 3 rets 60\n"
				   "ran in the child: yes\n"
				   "entries after detach 3\n";

TEST(launch_domain_uprobe_unmapped_binary)
{
	launch_expect("--domain dw", "dwide", dwide_expect);
}

TEST(launch_uprobe_unmapped_binary_kernel_oracle)
{
	if (ready("dwide"))
		kernel_oracle("dwide", dwide_expect);
}

/*
 * A uprobe for one other process of the domain (dwide pid): bcc's
 * memleak -c attaches to its child between fork and exec.  It runs in that
 * process only; a pid that is gone is refused with ESRCH.  The kernel is
 * the oracle.
 */
static const char dwide_pid_expect[] = "attached to the child: yes\n"
				       "entries in the child 3\n"
				       "entries after another process ran it 3\n"
				       "a pid that is gone refused: yes (No such process)\n";

TEST(launch_domain_uprobe_other_pid)
{
	launch_expect("--domain dwp", "dwide pid", dwide_pid_expect);
}

/* The same with a 20 KB environment before launch's own variable: the
 * domain's name is found at the end of the child's environment. */
TEST(launch_domain_uprobe_other_pid_big_environment)
{
	char tmp[128], cmd[1024], out[8192];
	int st;

	if (!ready("dwide"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "BIGENV=$(head -c 20000 /dev/zero | tr '\\0' x) TMPDIR=%s %s%s/userbpf launch "
		 "--domain dwe -- %s/launch/dwide pid 2>/dev/null",
		 tmp, drop(), test_build_dir(), test_build_dir());
	st = run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, dwide_pid_expect);
}

TEST(launch_uprobe_other_pid_kernel_oracle)
{
	if (ready("dwide"))
		kernel_oracle("dwide pid", dwide_pid_expect);
}

/* Without --domain the launch is a domain of its own (an anonymous one):
 * the same reaches the child it starts. */
TEST(launch_uprobe_unmapped_binary_no_domain_option)
{
	launch_expect("", "dwide", dwide_expect);
}

/*
 * A link pinned by another process that lives on (dpcpu liveowner): unpin
 * drops only the pin's reference.  keep: the owner still has its link
 * descriptor, so the program keeps running after the unpin until the
 * owner closes it.  close: the owner closed its descriptor after pinning,
 * so the unpin drops the last reference and the program stops.  In a
 * domain as nobody; the kernel is the oracle.
 */
static const char liveowner_expect[] = "keep: runs here: yes\n"
				       "keep: unlink 0\n"
				       "keep: after unpin runs here: yes\n"
				       "keep: link closed, stops here: yes\n"
				       "close: runs here: yes\n"
				       "close: unlink 0\n"
				       "close: link closed, stops here: yes\n";

TEST(launch_domain_pinned_link_live_owner)
{
	launch_expect("--domain lo", "dpcpu liveowner", liveowner_expect);
}

TEST(launch_pinned_link_live_owner_kernel_oracle)
{
	if (ready("dpcpu"))
		kernel_oracle("dpcpu liveowner", liveowner_expect);
}

/*
 * A member whose main thread left with pthread_exit (dpcpu zombie): its
 * leader shows as a zombie while another thread runs, so it is alive and
 * not reaped: its map stays listed and works for it, and goes when it
 * exits.  (Taking the zombie state alone for death, the map was listed 0
 * while its process still used it.)  The kernel is the oracle.
 */
static const char zombie_expect[] = "leader left: map listed 1\n"
				    "leader gone: map lookup 0\n"
				    "exited 0: map listed 0\n";

TEST(launch_domain_leader_exit_not_reaped)
{
	launch_expect("--domain zb", "dpcpu zombie", zombie_expect);
}

TEST(launch_leader_exit_kernel_oracle)
{
	if (ready("dpcpu"))
		kernel_oracle("dpcpu zombie", zombie_expect);
}

/*
 * Runs "dpcpu MODE HOW" for each of the n hows and compares its output
 * with expect(HOW): in the domain given by launch_args ("--domain NAME"),
 * or, when launch_args is NULL, on the kernel (the oracle).
 */
static void dpcpu_hows(const char *launch_args, const char *mode, const char *const *hows,
		       unsigned n, void (*expect)(const char *how, char *out, size_t sz))
{
	char out[4096], app[64], want[512];
	unsigned i;

	if (!ready("dpcpu"))
		return;
	for (i = 0; i < n && !test_failed(); i++) {
		expect(hows[i], want, sizeof(want));
		if (!launch_args) {
			snprintf(app, sizeof(app), "dpcpu %s %s", mode, hows[i]);
			kernel_oracle(app, want);
			continue;
		}
		launch_ok(out, sizeof(out), launch_args, "%s/launch/dpcpu %s %s", test_build_dir(),
			  mode, hows[i]);
		ASSERT_STREQ(out, want);
	}
}

/*
 * A child forked without exec (dpcpu forkchild HOW) creates a map and
 * opens the parent's by id, then leaves by _exit (no exit path), by exit,
 * or is SIGKILLed: in every case its map goes, and the parent's goes when
 * the parent closes it (the child's reference went with the child), as
 * on the kernel.  Before, the child was no member: "listed after" read 1.
 */
static const char *const fork_hows[] = { "_exit", "exit", "kill" };

static void forkchild_expect(const char *how, char *out, size_t sz)
{
	snprintf(out, sz,
		 "child map listed while alive: 1\nchild %s: status %d\n"
		 "child map listed after: 0\nour map: lookup 0 value 7\n"
		 "our map listed after close: 0\n",
		 how, strcmp(how, "kill") ? 0 : 128 + 9);
}

TEST(launch_domain_forked_child_reaped)
{
	dpcpu_hows("--domain fk", "forkchild", fork_hows, 3, forkchild_expect);
}

TEST(launch_forked_child_kernel_oracle)
{
	dpcpu_hows(NULL, "forkchild", fork_hows, 3, forkchild_expect);
}

/*
 * The domain's ledger (what each process holds) grows: 1000 maps here
 * plus 4 children opening all of them note 5000 uses, none refused (the
 * ledger had 4096 uses before: child 4 got 96 and 904 ENOSPC refusals);
 * once children 1-4 are SIGKILLed their uses are given back and a fifth
 * opens all 1000.
 */
TEST(launch_domain_ledger_full_refuses)
{
	launch_expect("--domain lf", "dpcpu ledgerfull",
		      "child 1: opened 1000 refused 0 other errors 0\n"
		      "child 2: opened 1000 refused 0 other errors 0\n"
		      "child 3: opened 1000 refused 0 other errors 0\n"
		      "child 4: opened 1000 refused 0 other errors 0\n"
		      "children killed\n"
		      "child 5: opened 1000 refused 0 other errors 0\n");
}

/*
 * A member killed holding the domain's lock (dpcpu locktakeover: a forked
 * child writes its pid into the lock word and is SIGKILLed): the next
 * member needing the lock takes it over (counted in the arena's header)
 * and goes on; without the takeover it would spin forever.
 */
TEST(launch_domain_lock_takeover)
{
	launch_expect("--domain lt", "dpcpu locktakeover",
		      "lock held by the child: yes\nmap made after the owner died: yes\n"
		      "lock taken over: 1\nlock free after: yes\n");
}

/*
 * A member SIGKILLed leaves library memory of its own in the arena (its
 * handle table, its links' objects and probe site): reaping frees it
 * (dpcpu killcycles: after two warm-up cycles of "start a member that
 * opens a map 100 times and attaches a program, kill it", five more do
 * not grow the arena's in-use counter).  Before: 25600 bytes (5 x 5120).
 */
TEST(launch_domain_killed_member_memory_freed)
{
	launch_expect("--domain kc", "dpcpu killcycles",
		      "arena in use grew over 5 kill cycles: 0 bytes\n");
}

/*
 * A link lives while any descriptor refers to it (dpcpu passlink HOW):
 * its descriptor given to another process over a unix socket (scm) or
 * inherited by a forked child (fork) keeps it attached after the owner
 * destroyed its own (scm: also after a child forked then, with no
 * descriptor on it, exits normally); it detaches once that process
 * closes it (scm) or ends by _exit (fork).  The kernel is the oracle.  Before, the program
 * stopped running with the owner's close ("runs here: no").
 */
static const char *const pass_hows[] = { "scm", "fork", "scmm" };

static void passlink_expect(const char *how, char *out, size_t sz)
{
	char forked[64] = "";

	if (!strncmp(how, "scm", 3))
		snprintf(forked, sizeof(forked), "%s: a forked child exited, runs here: yes\n",
			 how);
	snprintf(out, sz,
		 "%s: runs here: yes\n%s: our link closed, runs here: yes\n%s"
		 "%s: other process let go, stops here: yes\n%s: other process exit 0\n",
		 how, how, forked, how, how);
}

TEST(launch_domain_link_held_by_other_process)
{
	dpcpu_hows("--domain pl", "passlink", pass_hows, 2, passlink_expect);
}

TEST(launch_link_held_by_other_process_kernel_oracle)
{
	dpcpu_hows(NULL, "passlink", pass_hows, 3, passlink_expect);
}

/* The same with the descriptor received by recvmmsg (scmm).  Before,
 * only recvmsg was interposed: the link detached with our close ("our
 * link closed, runs here: no"). */
TEST(launch_domain_link_received_by_recvmmsg)
{
	dpcpu_hows("--domain pm", "passlink", pass_hows + 2, 1, passlink_expect);
}

/*
 * A member whose main thread left with pthread_exit and whose last other
 * thread then returns (dpcpu leaderreturn) ends with status 0, as on the
 * kernel: the interposer's sync thread, left alone, exits the process
 * (it kept it alive before).  Bounded by timeout(1), which kills the
 * process group.
 */
static const char leaderreturn_expect[] = "started\nleader gone: map lookup 0\n";

TEST(launch_domain_last_thread_return_exits)
{
	char tmp[128], cmd[1024], out[256];
	int st;

	if (!ready("dpcpu"))
		return;
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s timeout -s KILL 30 %s%s/userbpf launch --domain lr -- "
		 "%s/launch/dpcpu leaderreturn",
		 tmp, drop(), test_build_dir(), test_build_dir());
	st = run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_STREQ(out, leaderreturn_expect);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

TEST(launch_last_thread_return_kernel_oracle)
{
	if (ready("dpcpu"))
		kernel_oracle("dpcpu leaderreturn", leaderreturn_expect);
}

/*
 * A task iterator the libbpf way (diter): bpf_program__attach_iter,
 * bpf_iter_create, reading the output.  The process's own tasks (its
 * second thread too) and the final call are there; narrowed to the
 * process (link_info.task.pid, or a pidfd in .pid_fd) it lists only
 * that process's threads, to a thread (.tid) only that one; narrowed
 * twice is EINVAL, an iterator with flags is EINVAL.  A child forked without exec is listed
 * (it is a member of the domain, the anonymous one of a launch without
 * --domain too) as on the kernel (which lists every task).  A domain
 * member has one more thread, launch's sync thread, named userbpf-sync
 * (ps -T shows it too).
 */
#define DITER_EXPECT(child, threads)                                                               \
	"own task: diter\nend last: yes\nown lines: 1\nthread listed: 1\nchild listed: " child     \
	"\npid filter: " threads " (others 0)\npidfd filter: " threads " (others 0)\n"             \
	"tid filter: diter-w (others 0)\nboth: errno 22\nflags: -1 errno 22\n"

TEST(launch_task_iterator)
{
	char out[4096];

	if (!ready("diter"))
		return;
	launch_ok(out, sizeof(out), "", "%s/launch/diter", test_build_dir());
	ASSERT_STREQ(out, DITER_EXPECT("1", "diter userbpf-sync diter-w"));
	launch_ok(out, sizeof(out), "--domain it", "%s/launch/diter", test_build_dir());
	ASSERT_STREQ(out, DITER_EXPECT("1", "diter userbpf-sync diter-w"));
}

TEST(launch_task_iterator_kernel_oracle)
{
	if (ready("diter"))
		kernel_oracle("diter", DITER_EXPECT("1", "diter diter-w"));
}

/*
 * A launch without --domain runs in an anonymous arena of its own, which
 * a later launch sweeps when all its processes were killed: every
 * member holds a read lock on it, so one no process holds (a file made
 * here, two minutes old) goes, while the arena of a launch still running
 * (sleep) stays, and a young one is left alone.  As nobody.
 */
TEST(launch_anonymous_arena_leftovers_swept)
{
	char tmp[128], cmd[2048], out[512];
	int st;

	if (!ready("hello"))
		return;
	if (access("/dev/shm", W_OK | X_OK)) {
		test_skip("no writable /dev/shm");
		return;
	}
	tmpdir(tmp, sizeof(tmp));
	snprintf(
		cmd, sizeof(cmd),
		"%ssh -c 'u=$(id -u); old=/dev/shm/userbpf-$u-anon-1-test$$; "
		"young=/dev/shm/userbpf-$u-anon-2-test$$; : > $old; : > $young; "
		"touch -m -d @$(($(date +%%s) - 120)) $old; "
		"TMPDIR=%s %s/userbpf launch -- sleep 2 & live=$!; sleep 0.5; "
		"TMPDIR=%s %s/userbpf launch -- /bin/true; "
		"test -e $old && echo old: left || echo old: swept; "
		"test -e $young && echo young: left || echo young: swept; "
		"ls /dev/shm/userbpf-$u-anon-$live-* >/dev/null 2>&1 && echo live: left || "
		"echo live: swept; wait; rm -f $young; "
		"ls /dev/shm/userbpf-$u-anon-$live-* >/dev/null 2>&1 && echo after its end: left || "
		"echo after its end: removed'",
		drop(), tmp, test_build_dir(), tmp, test_build_dir());
	st = run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_STREQ(out, "old: swept\nyoung: left\nlive: left\nafter its end: removed\n");
}

/*
 * A child forked without exec uses the descriptors it inherited (dfork
 * maps): lookups and updates of the hash map, map and program info, an
 * mmap of .bss, the ring buffer consumed with epoll (records of its own
 * calls through the parent's uprobe), and a close that ends only its own
 * descriptor; the parent sees the update, the .bss write and an empty
 * ring.  The kernel is the oracle.  Before, every bpf() call of the child
 * on them failed with EBADF ("child exit -1" after the mmap).
 */
static const char dfork_maps_expect[] = "child: kv[1] = 10\n"
					"child: update kv[2]: 0\n"
					"child: map info: 0 kv type 1\n"
					"child: prog info: 0 on_emit\n"
					"child: mmap of .bss: ok\n"
					"child: ring got 2: 7 8\n"
					"child: lookup after close: -9\n"
					"child exit 0\n"
					"parent: kv[2] = 20\n"
					"parent: .bss child_set = 42\n"
					"parent: kv[1] = 10\n"
					"parent: ring records left 0\n";

TEST(launch_domain_forked_child_inherited_maps)
{
	launch_expect("--domain fm", "dfork maps", dfork_maps_expect);
}

TEST(launch_forked_child_inherited_maps_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork maps", dfork_maps_expect);
}

/* The same without --domain: a launch is a domain of its own (an
 * anonymous one), so a forked child's descriptors reach the parent's
 * objects there too.  Before, the child's bpf() calls on them failed. */
TEST(launch_forked_child_inherited_maps)
{
	launch_expect("", "dfork maps", dfork_maps_expect);
}

/*
 * dfork ring, without --domain: a map made with bpf_map_create that the
 * forked child updates through its inherited descriptor, and a ring
 * buffer the child's calls fill through the parent's uprobe (pid -1): the
 * parent reads the child's value and its two records.  Before, the
 * parent read 0 (the child wrote its own copy of the map).  The kernel is
 * the oracle.
 */
static const char dfork_ring_expect[] = "child exit 0\n"
					"parent: map value 77\n"
					"parent: ring got 2: 5 6\n";

TEST(launch_forked_child_map_and_ring)
{
	launch_expect("", "dfork ring", dfork_ring_expect);
}

TEST(launch_forked_child_map_and_ring_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork ring", dfork_ring_expect);
}

/*
 * dfork orphan: a parent makes a map, a ring buffer and a uprobe link,
 * forks and exits at once, while its child is held in its fork handler
 * until the parent has exited and been reaped by another member; then
 * the child's inherited objects work (map lookup and update, the
 * parent's probe filling the ring it consumes).  The parent's exit waits
 * for nothing (it used to wait up to 2 s per child for a report the held
 * child never sent, then left the child's uses under its own pid, which
 * the reaping gave back: the child's descriptors did not work).  Three
 * cycles: the arena's heap and private blocks after the second and third
 * (parent and child gone) are those after the first: nothing of either
 * stays.  Without --domain; the kernel is the oracle.
 */
#define DFORK_ORPHAN_EXPECT                                                                        \
	"parent exit 0\n"                                                                          \
	"child: parent gone first: yes\n"                                                          \
	"child: kv[1] = 10\n"                                                                      \
	"child: update kv[3]: 0, kv[3] = 30\n"                                                     \
	"child: ring got 1: 4\n"

TEST(launch_forked_child_outlives_parent_exit)
{
	launch_expect("", "dfork orphan 3",
		      DFORK_ORPHAN_EXPECT "after cycles 2-3, differences from cycle 1: heap 0 "
					  "bytes, private blocks 0\n");
}

TEST(launch_forked_child_outlives_parent_exit_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork orphan 1", DFORK_ORPHAN_EXPECT);
}

/*
 * Children started with posix_spawn and with vfork + exec are processes
 * of the domain (dfork spawn): they open the parent's map by id and
 * write it.  The kernel is the oracle.
 */
static const char dfork_spawn_expect[] = "posix_spawn child: exit 0, kv[3] = 30\n"
					 "vfork child: exit 0, kv[4] = 40\n";

TEST(launch_domain_spawn_and_vfork_children_are_members)
{
	launch_expect("--domain fs", "dfork spawn", dfork_spawn_expect);
}

TEST(launch_spawn_and_vfork_children_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork spawn", dfork_spawn_expect);
}

/*
 * A child forked without exec killed before it took over the uses its
 * parent took for it (dfork earlykill: SIGKILL from the application's
 * fork handler): they are given back, so the parent's map goes with its
 * close and its link detaches with its destroy, as on the kernel.
 * Before, the link's use stayed under the parent's pid until the parent
 * exited ("runs here: yes").
 */
static const char dfork_earlykill_expect[] = "child: signal 9\n"
					     "our map listed after close: 0\n"
					     "our link destroyed, runs here: no\n";

TEST(launch_domain_forked_child_killed_before_takeover)
{
	launch_expect("--domain fe", "dfork earlykill", dfork_earlykill_expect);
}

TEST(launch_forked_child_killed_before_takeover_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork earlykill", dfork_earlykill_expect);
}

/*
 * A parent killed between its fork and naming its child's uses (dfork
 * killparent: stopped there by USERBPF_DOMAIN_FAULT=fork, killed and
 * reaped while the child waits in its fork handler): the child takes the
 * uses in flight all the same, and its inherited descriptor on the map
 * only the parent had works; the map goes with the child.  Before, the
 * reaping gave the uses back and the child's lookup failed (EBADF).  The
 * kernel is the oracle.
 */
static const char dfork_killparent_expect[] =
	"parent stopped between its fork and naming the child's uses: yes\n"
	"child: lookup 0, value 42, update 0\n"
	"map listed after the child's exit: 0\n";

TEST(launch_domain_forked_child_parent_killed_mid_fork)
{
	launch_expect("--domain fk", "dfork killparent", dfork_killparent_expect);
}

TEST(launch_forked_child_parent_killed_mid_fork_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork killparent", dfork_killparent_expect);
}

/*
 * A dead member's pid reused by a process outside the domain (dfork
 * pidreuse, in user and pid namespaces of its own, where it sets
 * ns_last_pid): the dead member's references are given back all the
 * same (a member is its pid and its start time), so the map it held goes
 * with our close, as on the kernel.  Before, the reused pid looked alive
 * and kept them ("listed after close: 1").
 */
static const char dfork_pidreuse_expect[] = "child: signal 9\n"
					    "its pid reused outside the domain: yes\n"
					    "our map listed after close: 0\n";

TEST(launch_domain_dead_member_pid_reused_outside)
{
	char tmp[128], cmd[1024], out[512];
	int st;

	if (!ready("dfork"))
		return;
	snprintf(cmd, sizeof(cmd), "%sunshare -Urpf --mount-proc true 2>/dev/null", drop());
	if (system(cmd)) {
		test_skip("unshare -Urpf refused: no user and pid namespaces here");
		return;
	}
	tmpdir(tmp, sizeof(tmp));
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %sunshare -Urpf --mount-proc %s/userbpf launch --domain pr -- "
		 "%s/launch/dfork pidreuse",
		 tmp, drop(), test_build_dir(), test_build_dir());
	st = run(cmd, out, sizeof(out));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, dfork_pidreuse_expect);
}

TEST(launch_pid_reused_kernel_oracle)
{
	char cmd[512], out[512];
	int st;

	if (!ready("dfork"))
		return;
	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	/* a pid namespace of its own: nothing else takes the pid */
	snprintf(cmd, sizeof(cmd), "unshare -pf --mount-proc %s/launch/dfork pidreuse 2>/dev/null",
		 test_build_dir());
	st = run(cmd, out, sizeof(out));
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		test_skip("the kernel or unshare refused dfork pidreuse (exit %d)",
			  WEXITSTATUS(st));
		return;
	}
	ASSERT_STREQ(out, dfork_pidreuse_expect);
}

/*
 * A uprobe link whose descriptor forked children inherit (dfork probes
 * wait): a child closing its copy leaves it attached in both processes;
 * once the parent destroyed its own, a second child's copy keeps it
 * running in both until that child closes it, as on the kernel (the
 * perf_event file is shared).
 */
static const char dfork_probes_expect[] = "child 1 closed its descriptor, runs there: yes\n"
					  "runs here: yes\n"
					  "parent destroyed its link, runs in child 2: yes\n"
					  "parent destroyed its link, runs here: yes\n"
					  "child 2 closed the last descriptor, stops there: yes\n"
					  "child 2 exit 0, stops here: yes\n";

TEST(launch_domain_forked_child_inherited_link)
{
	launch_expect("--domain fp", "dfork probes wait", dfork_probes_expect);
}

TEST(launch_forked_child_inherited_link_kernel_oracle)
{
	if (ready("dfork"))
		kernel_oracle("dfork probes wait", dfork_probes_expect);
}

/*
 * The parent ends while a forked child holds the link (dfork probes exit:
 * it exits; dfork probes kill: it is killed, no exit path runs): the
 * probe keeps counting in the child (its probe sites and link objects are
 * copies of its own, with a program reference of its own) until the child
 * closes the last descriptor, as on the kernel.  Before, it stopped with
 * the parent ("parent gone, runs in child 2: no").
 */
static const char dfork_probes_gone_expect[] =
	"child 1 closed its descriptor, runs there: yes\n"
	"runs here: yes\n"
	"parent destroyed its link, runs in child 2: yes\n"
	"parent destroyed its link, runs here: yes\n"
	"parent gone, runs in child 2: yes\n"
	"3 calls later, counted in child 2: 3\n"
	"child 2 closed the last descriptor, stops there: yes\n";

TEST(launch_domain_forked_child_probes_outlive_parent_exit)
{
	launch_expect("--domain fq", "dfork probes exit", dfork_probes_gone_expect);
}

TEST(launch_domain_forked_child_probes_outlive_parent_kill)
{
	launch_expect("--domain fk", "dfork probes kill", dfork_probes_gone_expect);
}

TEST(launch_forked_child_probes_outlive_parent_kernel_oracle)
{
	if (!ready("dfork"))
		return;
	kernel_oracle("dfork probes exit", dfork_probes_gone_expect);
	kernel_oracle("dfork probes kill", dfork_probes_gone_expect);
}

/*
 * A member that execs with a syscall tracepoint attached (dopen: openat)
 * inherits the seccomp filter, and launch runs it with addresses not
 * randomised: the new image's loader and libraries lie where the old
 * image's did.  The loader is never trapped and the interposer installs
 * its SIGSYS handler while ld.so relocates it, before any library's
 * constructor (ls's libselinux opens files from one): before, every such
 * exec died of SIGSYS (status 159).  Privately, in a domain (where the
 * loader sees the child's opens), and on the kernel.
 */
#define DOPEN_CMD "sh -c 'ls / >/dev/null && /bin/true && cat /etc/hostname >/dev/null'"
#define DOPEN_EXPECT "child exit 0, opens counted: yes\n"

TEST(launch_exec_without_aslr_survives)
{
	char out[4096];

	if (!ready("dopen"))
		return;
	launch_ok(out, sizeof(out), "", "%s/launch/dopen " DOPEN_CMD, test_build_dir());
	ASSERT_STREQ(out, DOPEN_EXPECT);
	launch_ok(out, sizeof(out), "--domain op", "%s/launch/dopen " DOPEN_CMD, test_build_dir());
	ASSERT_STREQ(out, DOPEN_EXPECT);
}

TEST(launch_exec_without_aslr_kernel_oracle)
{
	if (ready("dopen"))
		kernel_oracle("dopen " DOPEN_CMD, DOPEN_EXPECT);
}

/*
 * A user ring buffer (durb): libbpf's user_ring_buffer maps its consumer
 * page read-only and the rest writable, and epolls the map for room
 * (EPOLLOUT): before, the epoll_ctl failed (EPERM) and with it
 * user_ring_buffer__new.  Samples submitted are drained by the loader's
 * getppid tracepoint, a discarded one is not; a full ring refuses a
 * reservation (ENOSPC) and a blocking one times out, then is woken by a
 * drain another thread makes; the kernel's rules for writable mappings of
 * both ring kinds.  Privately, in a domain (where wake-ups of other
 * processes are polled) and on the kernel.
 */
static const char durb_expect[] = "user_ring_buffer__new: ok\n"
				  "drained 3, sum 70\n"
				  "full after 16 samples: ENOSPC\n"
				  "blocking reserve on a full ring, 50 ms: ENOSPC\n"
				  "blocking reserve, drained meanwhile: got one, woken before the "
				  "timeout: yes\n"
				  "drained 19\n"
				  "user ring, consumer page writable: EPERM\n"
				  "user ring, producer page writable: ok\n"
				  "ring, consumer page writable: ok\n"
				  "ring, producer page writable: EPERM\n"
				  "ring, consumer and producer pages writable: EPERM\n"
				  "ring, producer page read-only: ok\n";

TEST(launch_user_ringbuf)
{
	launch_expect("", "durb", durb_expect);
	launch_expect("--domain urb", "durb", durb_expect);
}

TEST(launch_user_ringbuf_kernel_oracle)
{
	if (ready("durb"))
		kernel_oracle("durb", durb_expect);
}

/*
 * A loader of the pre-5.11 style raises RLIMIT_MEMLOCK to infinity and
 * stops when that fails, as it does for an ordinary user (eunomia's
 * textreplace, libbpf-bootstrap's first examples): under launch the raise
 * is granted (userbpf charges no locked memory), read back as set, while
 * other limits and mlock() itself stay the kernel's.  The same binary run
 * natively by the same user is refused, so the grant is launch's.
 */
static const char dmemlock_native[] = "setrlimit MEMLOCK infinity: EPERM\n"
				      "prlimit MEMLOCK infinity: EPERM\n"
				      "getrlimit MEMLOCK: limited\n"
				      "setrlimit NOFILE above its hard limit: EPERM\n"
				      "mlock beyond the real limit: refused\n";
static const char dmemlock_launch[] = "setrlimit MEMLOCK infinity: ok\n"
				      "prlimit MEMLOCK infinity: ok\n"
				      "getrlimit MEMLOCK: infinity\n"
				      "setrlimit NOFILE above its hard limit: EPERM\n"
				      "mlock beyond the real limit: refused\n"
				      "calls 3\n";

TEST(launch_memlock_raise_granted)
{
	char cmd[1024], out[4096];
	int st;

	if (!ready("dmemlock"))
		return;
	snprintf(cmd, sizeof(cmd), "%s%s/launch/dmemlock --no-bpf", drop(), test_build_dir());
	st = run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (strstr(out, "MEMLOCK infinity: ok")) {
		test_skip("this user may raise RLIMIT_MEMLOCK without userbpf");
		return;
	}
	ASSERT_STREQ(out, dmemlock_native);
	launch_expect("", "dmemlock", dmemlock_launch);
	launch_expect("--domain ml", "dmemlock", dmemlock_launch);
}
