/* SPDX-License-Identifier: MIT */
/*
 * test_apps.c - end-to-end tests of the libbpf applications of
 * examples/apps/ (built the libbpf-bootstrap way by mk/apps.mk) and of
 * "userbpf gen skeleton" / "make install":
 *
 *   apps_launch_X    X run unchanged under "userbpf launch" as an
 *                    ordinary user (uid 65534 when the suite runs as
 *                    root), its output checked exactly (counts, event
 *                    fields, pids);
 *   apps_kernel_X    the oracle: the same binary on the real kernel with
 *                    real libbpf, as root, through the same checker;
 *   apps_embed_*     the uprobe, minimal and profile examples over userbpf's own
 *                    skeleton and libuserbpf (no libbpf, no interposer,
 *                    no root);
 *   apps_gen_*       the skeleton's layouts (static asserts against the
 *                    loader's offsets), globals set before load and read
 *                    live after, usage errors;
 *   apps_install_*   make install PREFIX=tmp, pkg-config, the installed
 *                    CLI's launch.
 *
 * Where "userbpf launch" lacks what an application needs, the table
 * below names the missing piece: the launch test then skips with that
 * name when the run fails (it still runs, and passes once launch has
 * it).  Applications without such a note must pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZE_FLAGS "-fsanitize=address,undefined"
#define SANITIZED 1
#elif defined(__SANITIZE_THREAD__)
#define SANITIZE_FLAGS "-fsanitize=thread"
#define SANITIZED 1
#else
#define SANITIZE_FLAGS ""
#define SANITIZED 0
#endif

#define NOBODY 65534
#define RUN_TIMEOUT_MS 60000

/* ==== Running commands ==== */

struct result {
	int status; /* waitpid status; -1 could not run */
	char out[16384];
	char err[8192];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Run "sh -c cmd", as uid/gid 65534 when unpriv and we are root, with
 * TMPDIR set to tmp (NULL: unchanged); stdout and stderr captured
 * separately.  Killed (with its process group) after RUN_TIMEOUT_MS.
 */
static void run_cmd(const char *cmd, bool unpriv, const char *tmp, struct result *r)
{
	int po[2], pe[2];
	size_t no = 0, ne = 0;
	long long deadline = now_ms() + RUN_TIMEOUT_MS;
	bool open_o = true, open_e = true;
	pid_t pid;

	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	if (pipe(po) || pipe(pe))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		setpgid(0, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (tmp)
			setenv("TMPDIR", tmp, 1);
		if (unpriv && getuid() == 0 &&
		    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))) {
			perror("dropping privileges");
			_exit(126);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	while ((open_o || open_e) && now_ms() < deadline) {
		struct pollfd p[2] = { { po[0], open_o ? POLLIN : 0, 0 },
				       { pe[0], open_e ? POLLIN : 0, 0 } };
		char buf[4096];
		ssize_t n;

		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents) {
			n = read(po[0], buf, sizeof(buf));
			if (n <= 0)
				open_o = false;
			for (ssize_t i = 0; i < n && no + 1 < sizeof(r->out); i++)
				r->out[no++] = buf[i];
		}
		if (p[1].revents) {
			n = read(pe[0], buf, sizeof(buf));
			if (n <= 0)
				open_e = false;
			for (ssize_t i = 0; i < n && ne + 1 < sizeof(r->err); i++)
				r->err[ne++] = buf[i];
		}
	}
	r->out[no] = r->err[ne] = '\0';
	if (open_o || open_e) {
		kill(-pid, SIGKILL);
		snprintf(r->err + ne, sizeof(r->err) - ne, "\n[killed after %d s]\n",
			 RUN_TIMEOUT_MS / 1000);
	}
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &r->status, 0);
}

static bool exited_ok(const struct result *r)
{
	return r->status != -1 && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* The first line of s (for messages), at most 200 characters. */
static const char *first_line(const char *s, char *buf, size_t sz)
{
	size_t n = strcspn(s, "\n");

	if (n >= sz)
		n = sz - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* A fresh directory an unprivileged process can write (TMPDIR). */
static void make_tmp(char *out, size_t sz, const char *what)
{
	snprintf(out, sz, "/tmp/apps_test_%s_%d", what, (int)getpid());
	mkdir(out, 0777);
	chmod(out, 01777);
}

static void remove_tmp(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* ==== Output checkers: NULL when out is right, else why not ==== */

static char why[1024];

static const char *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return why;
}

/* minimal 3: one trace_pipe line per write, then the .bss count. */
static const char *check_minimal(const char *out)
{
	char want[1024];
	int pid;

	if (sscanf(out, "minimal: pid %d ", &pid) != 1)
		return fail("no trace_pipe line in \"%s\"", out);
	snprintf(want, sizeof(want),
		 "minimal: pid %d wrote 1 bytes (write 1)\n"
		 "minimal: pid %d wrote 2 bytes (write 2)\n"
		 "minimal: pid %d wrote 3 bytes (write 3)\n"
		 "writes seen: 3\n",
		 pid, pid, pid);
	return strcmp(out, want) ? fail("got \"%s\", want \"%s\"", out, want) : NULL;
}

/* bootstrap (default children): exec and exit of /bin/true (0) and
 * sh -c 'exit 3' (3), with the pids it started and itself as parent. */
static const char *check_bootstrap(const char *out)
{
	char want[2048];
	int self, p1, p2, d1, d2, code;
	const char *s;

	if (sscanf(out, "watching children of %d\nstarted %d:", &self, &p1) != 2)
		return fail("unexpected start of \"%s\"", out);
	s = strstr(out, "comm=true exit_code=0 duration_ms=");
	if (!s || sscanf(s, "comm=true exit_code=0 duration_ms=%d\nstarted %d:", &d1, &p2) != 2)
		return fail("no exit record of /bin/true in \"%s\"", out);
	s = strstr(out, "comm=sh exit_code=");
	if (!s || sscanf(s, "comm=sh exit_code=%d duration_ms=%d", &code, &d2) != 2)
		return fail("no exit record of sh in \"%s\"", out);
	if (code != 3)
		return fail("sh -c 'exit 3' exited with exit_code=%d", code);
	if (d1 < 0 || d1 > 5000 || d2 < 0 || d2 > 5000)
		return fail("durations %d and %d ms out of range", d1, d2);
	snprintf(want, sizeof(want),
		 "watching children of %d\n"
		 "started %d: /bin/true\n"
		 "EXEC pid=%d ppid=%d comm=true filename=/bin/true\n"
		 "EXIT pid=%d ppid=%d comm=true exit_code=0 duration_ms=%d\n"
		 "started %d: /bin/sh -c exit 3\n"
		 "EXEC pid=%d ppid=%d comm=sh filename=/bin/sh\n"
		 "EXIT pid=%d ppid=%d comm=sh exit_code=3 duration_ms=%d\n"
		 "events: 4\n",
		 self, p1, p1, self, p1, self, d1, p2, p2, self, p2, self, d2);
	return strcmp(out, want) ? fail("got \"%s\", want \"%s\"", out, want) : NULL;
}

static const char uprobe_want[] = "add(0, 1)\nadd -> 1\nsub(0, 3)\nsub -> -3\n"
				  "add(1, 3)\nadd -> 4\nsub(10, 3)\nsub -> 7\n"
				  "add(2, 5)\nadd -> 7\nsub(20, 3)\nsub -> 17\n"
				  "records: 12\n";

/* uprobe 3 */
static const char *check_uprobe(const char *out)
{
	return strcmp(out, uprobe_want) ? fail("got \"%s\", want \"%s\"", out, uprobe_want) : NULL;
}

/* profile 300 10: about 30 CPU-clock samples (one per 10 ms of CPU time),
 * nearly all in burn().  (10 ms: userbpf's CPU-time timer fires at most
 * once per scheduler tick, 4 ms at HZ=250, where the kernel's cpu-clock
 * event is a high-resolution timer; periods under a tick give fewer
 * samples than Linux.) */
static const char *check_profile(const char *out)
{
	unsigned long long samples, in_burn, distinct;

	if (sscanf(out, "samples: %llu\nin burn(): %llu\ndistinct ips: %llu\n", &samples, &in_burn,
		   &distinct) != 3)
		return fail("unexpected output \"%s\"", out);
	if (samples < 15 || samples > 60)
		return fail("%llu samples for 300 ms of CPU time at 100 Hz", samples);
	if (in_burn * 10 < samples * 8)
		return fail("only %llu of %llu samples in burn()", in_burn, samples);
	if (!distinct || !strstr(out, "\nhot: burn+0x"))
		return fail("the hottest address is not in burn(): \"%s\"", out);
	return NULL;
}

/* syscount 1000: exact counts of the workload's syscalls, and the
 * histogram holds every counted call. */
static const char *check_syscount(const char *out)
{
	unsigned long long total, htotal, c, e;
	const char *s;

	if (strncmp(out, "SYSCALL ", 8))
		return fail("unexpected output \"%s\"", out);
	s = strstr(out, "\ngetppid ");
	if (!s || sscanf(s, "\ngetppid %llu %llu", &c, &e) != 2 || c != 1000 || e != 0)
		return fail("getppid row wrong (want 1000 calls, 0 errors) in \"%s\"", out);
	s = strstr(out, "\ndup ");
	if (!s || sscanf(s, "\ndup %llu %llu", &c, &e) != 2 || c != 500 || e != 500)
		return fail("dup row wrong (want 500 calls, 500 errors) in \"%s\"", out);
	s = strstr(out, "\ntotal: ");
	if (!s || sscanf(s, "\ntotal: %llu  histogram total: %llu", &total, &htotal) != 2)
		return fail("no totals in \"%s\"", out);
	if (total != htotal || total < 1500)
		return fail("total %llu, histogram total %llu", total, htotal);
	if (!strstr(out, "latency (ns) : count    distribution\n"))
		return fail("no histogram in \"%s\"", out);
	return NULL;
}

/* ==== The applications ==== */

struct app {
	const char *name;
	const char *args;
	const char *(*check)(const char *out);
	/* What "userbpf launch" does not provide yet that the application
	 * needs: the launch test skips naming it when the run fails. */
	const char *launch_missing;
};

static const struct app apps[] = {
	{ "minimal", "3", check_minimal, NULL },      { "bootstrap", "", check_bootstrap, NULL },
	{ "uprobe", "3", check_uprobe, NULL },	      { "profile", "300 10", check_profile, NULL },
	{ "syscount", "1000", check_syscount, NULL },
};

static const struct app *find_app(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (!strcmp(apps[i].name, name))
			return &apps[i];
	return NULL;
}

static bool app_built(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/apps/%s", test_build_dir(), name);
	if (access(path, X_OK)) {
		test_skip("%s was not built (needs clang, bpftool and libbpf-dev: mk/apps.mk)",
			  path);
		return false;
	}
	if (getuid() == 0) {
		/* the unprivileged user must reach the build (not so in a
		 * checkout under a private home directory) */
		static struct result r;
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "test -x %s -a -x %s/userbpf", path, test_build_dir());
		run_cmd(cmd, true, NULL, &r);
		if (!exited_ok(&r)) {
			test_skip("user %d cannot reach %s", NOBODY, path);
			return false;
		}
	}
	return true;
}

/* The application as an ordinary user under "userbpf launch". */
static void launch_app(const char *name)
{
	const struct app *a = find_app(name);
	const char *b = test_build_dir();
	char tmp[256], cmd[1024], line[256];
	static struct result r;
	const char *bad;

	/* sanitizer builds too: their interposer is not instrumented */
	if (!a || !app_built(name))
		return;
	make_tmp(tmp, sizeof(tmp), name);
	snprintf(cmd, sizeof(cmd), "%s/userbpf launch --domain apps_%s_%d -- %s/apps/%s %s", b,
		 name, (int)getpid(), b, name, a->args);
	run_cmd(cmd, true, tmp, &r);
	remove_tmp(tmp);
	bad = exited_ok(&r) ? a->check(r.out) : NULL;
	if (exited_ok(&r) && !bad)
		return;
	if (a->launch_missing) {
		test_skip("userbpf launch lacks %s (%s)", a->launch_missing,
			  first_line(r.err[0] ? r.err :
				     bad      ? bad :
						"no output",
				     line, sizeof(line)));
		return;
	}
	if (bad)
		test_fail(__FILE__, __LINE__, "%s under launch: %s", name, bad);
	else
		test_fail(__FILE__, __LINE__,
			  "%s under launch: status 0x%x, stdout \"%s\", "
			  "stderr \"%s\"",
			  name, r.status, r.out, r.err);
}

/* The oracle: the same binary as root with real libbpf and kernel. */
static void kernel_app(const char *name)
{
	const struct app *a = find_app(name);
	char cmd[1024], line[256];
	static struct result r;
	const char *bad;

	if (!a || !app_built(name))
		return;
	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/apps/%s %s", test_build_dir(), name, a->args);
	run_cmd(cmd, false, NULL, &r);
	if (!exited_ok(&r) &&
	    (strstr(r.err, "Operation not permitted") || strstr(r.err, "Permission denied"))) {
		test_skip("the kernel refuses: %s", first_line(r.err, line, sizeof(line)));
		return;
	}
	if (!exited_ok(&r)) {
		test_fail(__FILE__, __LINE__,
			  "%s on the kernel: status 0x%x, stdout \"%s\", "
			  "stderr \"%s\"",
			  name, r.status, r.out, r.err);
		return;
	}
	bad = a->check(r.out);
	if (bad)
		test_fail(__FILE__, __LINE__, "%s on the kernel: %s", name, bad);
}

TEST(apps_launch_minimal)
{
	launch_app("minimal");
}
TEST(apps_launch_bootstrap)
{
	launch_app("bootstrap");
}
TEST(apps_launch_uprobe)
{
	launch_app("uprobe");
}
TEST(apps_launch_profile)
{
	launch_app("profile");
}
TEST(apps_launch_syscount)
{
	launch_app("syscount");
}
TEST(apps_kernel_minimal)
{
	kernel_app("minimal");
}
TEST(apps_kernel_bootstrap)
{
	kernel_app("bootstrap");
}
TEST(apps_kernel_uprobe)
{
	kernel_app("uprobe");
}
TEST(apps_kernel_profile)
{
	kernel_app("profile");
}
TEST(apps_kernel_syscount)
{
	kernel_app("syscount");
}

/* Without launch, as an ordinary user, the kernel refuses the same
 * binary: the launch runs above are userbpf's doing. */
TEST(apps_unprivileged_kernel_refuses)
{
	char cmd[512];
	static struct result r;

	if (!app_built("uprobe"))
		return;
	if (getuid() != 0) {
		test_skip("needs root to drop to an unprivileged user");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/apps/uprobe 3", test_build_dir());
	run_cmd(cmd, true, NULL, &r);
	ASSERT_TRUE(r.status != -1 && WIFEXITED(r.status));
	ASSERT_TRUE(WEXITSTATUS(r.status) != 0);
}

/* ==== No libbpf: userbpf's skeleton ==== */

/* uprobe_embed, built by mk/apps.mk over "userbpf gen skeleton" and the
 * static library: same output as the libbpf build, as an ordinary user,
 * with no interposer. */
TEST(apps_embed_uprobe)
{
	char cmd[512];
	static struct result r;

	if (!app_built("uprobe_embed"))
		return;
	snprintf(cmd, sizeof(cmd), "%s/apps/uprobe_embed 3", test_build_dir());
	run_cmd(cmd, true, NULL, &r);
	if (!exited_ok(&r))
		test_fail(__FILE__, __LINE__, "status 0x%x, stdout \"%s\", stderr \"%s\"", r.status,
			  r.out, r.err);
	ASSERT_STREQ(r.out, uprobe_want);
	ASSERT_TRUE(!strstr(r.out, "libbpf"));
}

/* minimal_embed: the write tracepoint on its own syscalls, in process,
 * bpf_printk lines through the attach callback: minimal's output. */
TEST(apps_embed_minimal)
{
	char cmd[512];
	static struct result r;
	const char *bad;

	if (!app_built("minimal_embed"))
		return;
	snprintf(cmd, sizeof(cmd), "%s/apps/minimal_embed 3", test_build_dir());
	run_cmd(cmd, true, NULL, &r);
	if (!exited_ok(&r)) {
		test_fail(__FILE__, __LINE__, "status 0x%x, stdout \"%s\", stderr \"%s\"", r.status,
			  r.out, r.err);
		return;
	}
	bad = check_minimal(r.out);
	if (bad)
		test_fail(__FILE__, __LINE__, "%s", bad);
}

/* profile_embed: the perf_event program on a CPU-time timer in process
 * (userbpf_probe__attach_perf_event), the map read with userbpf's API. */
TEST(apps_embed_profile)
{
	char cmd[512];
	static struct result r;
	const char *bad;

	if (!app_built("profile_embed"))
		return;
	snprintf(cmd, sizeof(cmd), "%s/apps/profile_embed 300 10", test_build_dir());
	run_cmd(cmd, true, NULL, &r);
	if (!exited_ok(&r)) {
		test_fail(__FILE__, __LINE__, "status 0x%x, stdout \"%s\", stderr \"%s\"", r.status,
			  r.out, r.err);
		return;
	}
	bad = check_profile(r.out);
	if (bad)
		test_fail(__FILE__, __LINE__, "%s", bad);
}

/* The header of every example object compiles (the layouts' static
 * asserts hold against the loader's offsets) given its types. */
TEST(apps_gen_skeleton_compiles)
{
	static const struct {
		const char *obj, *pre;
	} objs[] = {
		{ "minimal.bpf.o", "" },
		{ "bootstrap.bpf.o", "#include \"bootstrap.h\"\n" },
		{ "uprobe.bpf.o", "#include \"uprobe.h\"\n" },
		{ "profile.bpf.o", "" },
		{ "syscount.bpf.o", "#include \"syscount.h\"\n" },
		{ "gen_vars.bpf.o", "#include \"gen_vars.h\"\n" },
	};
	const char *b = test_build_dir();
	char tmp[256], cmd[2048], path[512];
	static struct result r;
	size_t i;

	snprintf(path, sizeof(path), "%s/apps/gen_vars.bpf.o", b);
	if (access(path, R_OK)) {
		test_skip("%s was not built (needs clang)", path);
		return;
	}
	make_tmp(tmp, sizeof(tmp), "gen");
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		char name[64];
		FILE *f;

		snprintf(path, sizeof(path), "%s/apps/%s", b, objs[i].obj);
		if (access(path, R_OK)) {
			test_result_skip(objs[i].obj, "not built (needs bpftool and libbpf-dev)");
			continue;
		}
		snprintf(name, sizeof(name), "%.*s_bpf", (int)strcspn(objs[i].obj, "."),
			 objs[i].obj);
		snprintf(cmd, sizeof(cmd), "%s/userbpf gen skeleton %s > %s/%s.h", b, path, tmp,
			 name);
		run_cmd(cmd, false, NULL, &r);
		if (!exited_ok(&r)) {
			test_result(objs[i].obj, false, "gen skeleton failed: %s", r.err);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s.c", tmp, name);
		f = fopen(path, "w");
		if (!f)
			break;
		fprintf(f,
			"%s#include \"%s.h\"\n"
			"void check(struct %s *s);\n"
			"void check(struct %s *s) { %s__assert(s); }\n",
			objs[i].pre, name, name, name, name);
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "cc -std=gnu11 -Wall -Wextra -Werror -Wmissing-prototypes "
			 "-Iinclude -Iexamples/apps -Itests/apps -I%s -c %s -o %s/%s.o",
			 tmp, path, tmp, name);
		run_cmd(cmd, false, NULL, &r);
		test_result(objs[i].obj, exited_ok(&r), "%s", r.err);
	}
	remove_tmp(tmp);
}

/* A driver of gen_vars.bpf.o over its skeleton: initial values of
 * .data/.data.custom before load, .rodata set before load, the program
 * run (BPF_PROG_TEST_RUN), results read through skel->bss, a live .data
 * change seen by the next run. */
static const char gen_driver[] =
	"#include <stdio.h>\n"
	"#include <string.h>\n"
	"#include \"gen_vars.h\"\n"
	"#include \"gen_vars_bpf.h\"\n"
	"static long long run(struct gen_vars_bpf *s)\n"
	"{\n"
	"	unsigned char pkt[64] = { 0 };\n"
	"	USERBPF_OPTS(userbpf_test_run_opts, o, .data_in = pkt, .data_size_in = 64);\n"
	"	if (userbpf_prog__test_run(userbpf_program__prog(s->progs.compute), &o))\n"
	"		return -1;\n"
	"	printf(\"retval %u result %lld\\n\", o.retval, s->bss->result);\n"
	"	return s->bss->result;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"	struct gen_vars_bpf *s = gen_vars_bpf__open();\n"
	"	if (!s)\n"
	"		return 10;\n"
	"	printf(\"data counter=%d msg=%s arr=%ld,%ld,%ld,%ld custom=%d,%d\\n\",\n"
	"	       s->data->counter, s->data->msg, s->data->arr[0], s->data->arr[1],\n"
	"	       s->data->arr[2], s->data->arr[3], s->data_custom->custom_val,\n"
	"	       s->data_custom->custom_arr[2]);\n"
	"	printf(\"rodata a=%d name=%s limit=%llu mode=%d enabled=%d\\n\", s->rodata->cfg.a,\n"
	"	       s->rodata->cfg.name, (unsigned long long)s->rodata->limit,\n"
	"	       (int)s->rodata->mode, (int)s->rodata->enabled);\n"
	"	s->rodata->cfg.a = 40;\n"
	"	s->rodata->cfg.small = 9;\n"
	"	strcpy((char *)s->rodata->cfg.name, \"Zed\");\n"
	"	s->rodata->limit = 1000;\n"
	"	s->rodata->mode = MODE_MUL;\n"
	"	s->data->counter = 6;\n"
	"	if (gen_vars_bpf__load(s))\n"
	"		return 11;\n"
	"	if (run(s) < 0)\n"
	"		return 12;\n"
	"	printf(\"pairs[1] x=%d y=%ld flag=%c\\n\", s->bss->pairs[1].x, s->bss->pairs[1].y,\n"
	"	       s->bss->flag);\n"
	"	s->data->counter = 100;\n"
	"	s->data_custom->custom_val = 0;\n"
	"	if (run(s) < 0)\n"
	"		return 13;\n"
	"	printf(\"pairs[1] x=%d\\n\", s->bss->pairs[1].x);\n"
	"	printf(\"links %p maps %s %s %s\\n\", (void *)s->links.compute,\n"
	"	       userbpf_object_map__name(s->maps.counts),\n"
	"	       userbpf_object_map__section_name(s->maps.data_custom),\n"
	"	       userbpf_object_map__section_name(s->maps.bss));\n"
	"	gen_vars_bpf__destroy(s);\n"
	"	return 0;\n"
	"}\n";

TEST(apps_gen_skeleton_globals)
{
	const char *b = test_build_dir();
	char tmp[256], cmd[4096], path[512], lib[512];
	static struct result r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/apps/gen_vars.bpf.o", b);
	if (access(path, R_OK)) {
		test_skip("%s was not built (needs clang)", path);
		return;
	}
	if (!realpath(b, lib)) {
		test_fail(__FILE__, __LINE__, "realpath %s: %s", b, strerror(errno));
		return;
	}
	make_tmp(tmp, sizeof(tmp), "genvars");
	snprintf(cmd, sizeof(cmd), "%s/userbpf gen skeleton %s > %s/gen_vars_bpf.h", b, path, tmp);
	run_cmd(cmd, false, NULL, &r);
	ASSERT_TRUE(exited_ok(&r));
	snprintf(path, sizeof(path), "%s/driver.c", tmp);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(gen_driver, f);
	fclose(f);
	/* the shared library under its soname, next to the driver */
	snprintf(cmd, sizeof(cmd),
		 "cp %s/libuserbpf.so %s/libuserbpf.so.0 && "
		 "cc -std=gnu11 -Wall -Wextra -Werror %s -Iinclude -Itests/apps "
		 "-I%s %s -o %s/driver -L%s -luserbpf -Wl,-rpath,%s",
		 lib, tmp, SANITIZE_FLAGS, tmp, path, tmp, lib, tmp);
	run_cmd(cmd, false, NULL, &r);
	if (!exited_ok(&r)) {
		test_fail(__FILE__, __LINE__, "driver does not build: %s", r.err);
		remove_tmp(tmp);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/driver", tmp);
	run_cmd(cmd, true, NULL, &r);
	remove_tmp(tmp);
	if (!exited_ok(&r))
		test_fail(__FILE__, __LINE__, "driver: status 0x%x, stderr \"%s\"", r.status,
			  r.err);
	/* 40 + 1000 + 6 + 3 + 7 + 3 + 9 = 1068, doubled (MODE_MUL);
	 * then 40 + 1000 + 100 + 3 + 0 + 3 + 9 = 1155, doubled */
	ASSERT_STREQ(r.out, "data counter=5 msg=hi arr=1,2,3,4 custom=7,3\n"
			    "rodata a=1 name=cfg limit=10 mode=1 enabled=1\n"
			    "retval 2 result 2136\n"
			    "pairs[1] x=1 y=40 flag=Z\n"
			    "retval 2 result 2310\n"
			    "pairs[1] x=2\n"
			    "links (nil) maps counts .data.custom .bss\n");
}

TEST(apps_gen_skeleton_usage)
{
	const char *b = test_build_dir();
	char cmd[1024];
	static struct result r;

	snprintf(cmd, sizeof(cmd), "%s/userbpf gen skeleton", b);
	run_cmd(cmd, false, NULL, &r);
	ASSERT_EQ(WEXITSTATUS(r.status), 2);
	ASSERT_CONTAINS(r.err, "no object file given");
	snprintf(cmd, sizeof(cmd), "%s/userbpf gen skeleton /nonexistent.bpf.o", b);
	run_cmd(cmd, false, NULL, &r);
	ASSERT_EQ(WEXITSTATUS(r.status), 1);
	ASSERT_CONTAINS(r.err, "cannot read /nonexistent.bpf.o");
	snprintf(cmd, sizeof(cmd), "%s/userbpf gen skeleton Makefile", b);
	run_cmd(cmd, false, NULL, &r);
	ASSERT_EQ(WEXITSTATUS(r.status), 1);
	ASSERT_STREQ(r.out, "");
	snprintf(cmd, sizeof(cmd), "%s/userbpf gen skeleton x.bpf.o --name 9bad", b);
	run_cmd(cmd, false, NULL, &r);
	ASSERT_EQ(WEXITSTATUS(r.status), 2);
	ASSERT_CONTAINS(r.err, "not a C identifier");
	snprintf(cmd, sizeof(cmd), "%s/userbpf gen frobnicate", b);
	run_cmd(cmd, false, NULL, &r);
	ASSERT_EQ(WEXITSTATUS(r.status), 2);
}

/* ==== make install ==== */

/* make install PREFIX=tmp; then, as an ordinary user, the uprobe example
 * built with pkg-config against the installed library, and the
 * installed CLI's launch running the libbpf uprobe example. */
TEST(apps_install_pkg_config)
{
	const char *b = test_build_dir();
	char tmp[256], cmd[2048];
	static struct result r;

	if (SANITIZED || strcmp(b, "build")) {
		test_skip("installs the main build only (build/, not %s)", b);
		return;
	}
	if (access("/usr/bin/pkg-config", X_OK)) {
		test_skip("pkg-config is not installed");
		return;
	}
	if (!app_built("uprobe"))
		return;
	make_tmp(tmp, sizeof(tmp), "install");
	snprintf(cmd, sizeof(cmd),
		 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s "
		 "--no-print-directory install PREFIX=%s/usr",
		 tmp);
	run_cmd(cmd, false, NULL, &r);
	if (!exited_ok(&r)) {
		test_fail(__FILE__, __LINE__, "make install: %s", r.err);
		remove_tmp(tmp);
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "PKG_CONFIG_PATH=%s/usr/lib/pkgconfig pkg-config --cflags "
		 "--libs userbpf",
		 tmp);
	run_cmd(cmd, false, NULL, &r);
	if (!exited_ok(&r) || !strstr(r.out, "-luserbpf") || !strstr(r.out, tmp)) {
		test_fail(__FILE__, __LINE__, "pkg-config: \"%s\" \"%s\"", r.out, r.err);
		remove_tmp(tmp);
		return;
	}
	/* the skeleton from the installed CLI, the program from the
	 * installed headers and library only */
	snprintf(cmd, sizeof(cmd),
		 "set -e; %s/usr/bin/userbpf gen skeleton %s/apps/uprobe.bpf.o > "
		 "%s/uprobe.userbpf.skel.h; cc -Wall -Werror -I%s -Iexamples/apps "
		 "examples/apps/uprobe_embed.c -o %s/uprobe_embed "
		 "$(PKG_CONFIG_PATH=%s/usr/lib/pkgconfig pkg-config --cflags --libs userbpf)",
		 tmp, b, tmp, tmp, tmp, tmp);
	run_cmd(cmd, false, NULL, &r);
	if (!exited_ok(&r)) {
		test_fail(__FILE__, __LINE__, "build against the install: %s", r.err);
		remove_tmp(tmp);
		return;
	}
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/usr/lib %s/uprobe_embed 3", tmp, tmp);
	run_cmd(cmd, true, NULL, &r);
	if (!exited_ok(&r) || strcmp(r.out, uprobe_want))
		test_fail(__FILE__, __LINE__, "installed uprobe_embed: \"%s\" \"%s\"", r.out,
			  r.err);
	snprintf(cmd, sizeof(cmd),
		 "%s/usr/bin/userbpf launch --domain apps_inst_%d -- "
		 "%s/apps/uprobe 3",
		 tmp, (int)getpid(), b);
	run_cmd(cmd, true, tmp, &r);
	if (!exited_ok(&r) || strcmp(r.out, uprobe_want))
		test_fail(__FILE__, __LINE__, "installed launch: \"%s\" \"%s\"", r.out, r.err);
	remove_tmp(tmp);
}

/* ==== Without kernel BTF ==== */

/* Every example also builds with the hand-written vmlinux.h that
 * mk/apps.mk uses where /sys/kernel/btf/vmlinux is missing, and the
 * result passes userbpf's verifier (CO-RE resolved at load). */
TEST(apps_fallback_vmlinux_builds)
{
	static const char *const names[] = { "minimal", "bootstrap", "uprobe", "profile",
					     "syscount" };
	char tmp[256], cmd[2048];
	static struct result r;
	size_t i;

	if (access("/usr/bin/clang", X_OK) || access("/usr/include/bpf/bpf_helpers.h", R_OK)) {
		test_skip("needs clang and libbpf-dev's bpf_helpers.h");
		return;
	}
	make_tmp(tmp, sizeof(tmp), "fallback");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(
			cmd, sizeof(cmd),
			"clang -g -O2 -target bpf -D__TARGET_ARCH_x86 "
			"-Iexamples/apps/vmlinux_fallback -Iexamples/apps -Wall -Werror "
			"-c examples/apps/%s.bpf.c -o %s/%s.bpf.o && %s/userbpf verify %s/%s.bpf.o",
			names[i], tmp, names[i], test_build_dir(), tmp, names[i]);
		run_cmd(cmd, false, NULL, &r);
		test_result(names[i],
			    exited_ok(&r) && strstr(r.out, ": accepted") &&
				    !strstr(r.out, "rejected"),
			    "%s%s", r.out, r.err);
	}
	remove_tmp(tmp);
}
