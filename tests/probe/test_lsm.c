/* SPDX-License-Identifier: MIT */
/*
 * test_lsm.c - BPF LSM programs on the hooks a process's syscalls reach
 * (src/probe/lsm.c): lsm.bpf.c attached in process by section name (two
 * stacked file_open programs, path_unlink, socket_connect, bpf), the
 * calls made, their results and the files checked (a denied call fails
 * with the program's errno and has no effect), then the records; through
 * the rewritten syscall sites and, with USERBPF_SYSCALL_TRAP_ONLY, the
 * seccomp trap path.  The kernel oracle: this kernel has no "bpf" in
 * /sys/kernel/security/lsm, so it can only load the programs (verdict
 * compared; attach is refused and the rest skipped).  Bad input: an
 * unknown hook, lsm_cgroup.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/probe.h"

struct lsm_rec {
	uint64_t count;
	int64_t ret_seen;
	uint64_t x;
	uint64_t y;
	char name[32];
};

#define NREC 8
#define LSM_MAGIC 0x4c53

struct lsm_out {
	int64_t err; /* 0, or what failed (1000: no fixture) */
	int e_deny_a, e_deny_b, e_ok, e_trunc, e_create, e_keep, e_gone, e_conn1, e_conn_ok;
	int e_bpf_magic, e_bpf_other, e_after;
	int e_bpf_big, e_conn_long, e_open_fault; /* failing before the hooks */
	long size_after_trunc;			  /* lsm_deny_a's size after the denied O_TRUNC */
	int created_exists; /* the denied O_CREAT left the file (kernel order) */
	int keep_exists, gone_exists;
	uint64_t ok_ino, gone_ino, conn_port;
	char dirname[32]; /* the test directory's last component */
	struct lsm_rec r[NREC];
};

static char dir[96];

static void path(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", dir, name);
}

static int err_of(long r)
{
	return r < 0 ? errno : 0;
}

static void make_file(const char *name, const char *text)
{
	char p[160];
	int fd;

	path(p, sizeof(p), name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static long bpf_map_create_raw(uint32_t value_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = value_size;
	a.max_entries = 1;
	return syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

/* The calls, with the programs attached. */
static void actions(struct lsm_out *o)
{
	char p[160];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct stat st;
	int fd, s, l;
	long r;

	path(p, sizeof(p), "lsm_deny_a");
	fd = open(p, O_RDONLY);
	o->e_deny_a = err_of(fd);
	if (fd >= 0)
		close(fd);
	fd = open(p, O_WRONLY | O_TRUNC); /* denied: nothing truncated */
	o->e_trunc = err_of(fd);
	if (fd >= 0)
		close(fd);
	o->size_after_trunc = stat(p, &st) ? -1 : (long)st.st_size;
	path(p, sizeof(p), "lsm_deny_b");
	fd = openat(AT_FDCWD, p, O_RDONLY);
	o->e_deny_b = err_of(fd);
	if (fd >= 0)
		close(fd);
	path(p, sizeof(p), "lsm_ok");
	fd = open(p, O_RDONLY);
	o->e_ok = err_of(fd);
	if (fd >= 0) {
		fstat(fd, &st);
		o->ok_ino = st.st_ino;
		close(fd);
	}
	path(p, sizeof(p), "sub/lsm_deny_a"); /* created, then denied */
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	o->e_create = err_of(fd);
	if (fd >= 0)
		close(fd);
	o->created_exists = !stat(p, &st);
	path(p, sizeof(p), "lsm_keep");
	o->e_keep = err_of(unlink(p));
	o->keep_exists = !stat(p, &st);
	path(p, sizeof(p), "lsm_gone");
	if (!stat(p, &st))
		o->gone_ino = st.st_ino;
	o->e_gone = err_of(unlinkat(AT_FDCWD, p, 0));
	o->gone_exists = !stat(p, &st);
	/* connect: port 1 denied (else ECONNREFUSED), a listener's allowed */
	s = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(1);
	o->e_conn1 = err_of(connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	close(s);
	l = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		o->err = 50;
	o->conn_port = ntohs(sa.sin_port);
	s = socket(AF_INET, SOCK_STREAM, 0);
	o->e_conn_ok = err_of(connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	close(s);
	close(l);
	/* bpf(): the magic value size denied with EXDEV; another map goes
	 * to the kernel (created as root, EPERM as nobody) */
	r = bpf_map_create_raw(LSM_MAGIC);
	o->e_bpf_magic = err_of(r);
	if (r >= 0)
		close((int)r);
	r = bpf_map_create_raw(8);
	o->e_bpf_other = err_of(r);
	if (r >= 0)
		close((int)r);
	/* calls that fail before the hooks (not reached: no record) */
	{
		static uint8_t big[8192];
		union bpf_attr *a = (union bpf_attr *)big;

		a->map_type = BPF_MAP_TYPE_ARRAY;
		a->key_size = 4;
		a->value_size = LSM_MAGIC;
		a->max_entries = 1;
		big[sizeof(big) - 1] = 1; /* past a page and non-zero: E2BIG */
		o->e_bpf_big = err_of(syscall(SYS_bpf, BPF_MAP_CREATE, big, sizeof(big)));
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(1);
	o->e_conn_long = err_of(connect(s, (struct sockaddr *)&sa, 129)); /* EINVAL */
	close(s);
	o->e_open_fault = err_of(open((const char *)8, O_RDONLY)); /* EFAULT */
}

static void setup_files(void)
{
	char p[160];

	snprintf(dir, sizeof(dir), "/tmp/lsm_t%d", (int)getpid());
	mkdir(dir, 0755);
	path(p, sizeof(p), "sub");
	mkdir(p, 0755);
	make_file("lsm_deny_a", "0123456789");
	make_file("lsm_deny_b", "b");
	make_file("lsm_ok", "ok");
	make_file("lsm_keep", "k");
	make_file("lsm_gone", "g");
}

static void cleanup_files(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		perror("rm");
}

static void child_run(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("lsm");
	struct userbpf_link *links[16];
	struct lsm_out out;
	struct userbpf_object_map *m;
	char p[160];
	size_t n = 0;
	uint32_t k;
	int ret, f;

	memset(&out, 0, sizeof(out));
	if (!obj) {
		out.err = 1000;
		probe_fixture_report(fd, &out, sizeof(out));
	}
	setup_files();
	snprintf(out.dirname, sizeof(out.dirname), "%s", strrchr(dir, '/') + 1);
	ret = userbpf_object__attach_all(obj, NULL, links, 16, &n);
	if (ret || n != 7) {
		out.err = ret ? -ret : 100 + (int64_t)n;
		cleanup_files();
		probe_fixture_report(fd, &out, sizeof(out));
	}
	actions(&out);
	m = userbpf_object__find_map_by_name(obj, "rec");
	for (k = 0; k < NREC; k++)
		userbpf_map__lookup_elem(userbpf_object_map__map(m), &k, &out.r[k], 0);
	while (n)
		userbpf_link__destroy(links[--n]);
	path(p, sizeof(p), "lsm_deny_a"); /* detached: allowed again */
	f = open(p, O_RDONLY);
	out.e_after = err_of(f);
	if (f >= 0)
		close(f);
	cleanup_files();
	probe_fixture_report(fd, &out, sizeof(out));
}

static void child_trap_only(int fd)
{
	setenv("USERBPF_SYSCALL_TRAP_ONLY", "1", 1);
	child_run(fd);
}

static void check(const struct lsm_out *o)
{
	ASSERT_EQ(o->err, 0);
	/* file_open: the first program's EPERM, the second's EACCES */
	ASSERT_EQ(o->e_deny_a, EPERM);
	ASSERT_EQ(o->e_trunc, EPERM);
	ASSERT_EQ(o->size_after_trunc, 10); /* not truncated */
	ASSERT_EQ(o->e_deny_b, EACCES);
	ASSERT_EQ(o->e_ok, 0);
	/* O_CREAT of a missing file: created, then denied (the kernel's
	 * order: the hook sees the new file) */
	ASSERT_EQ(o->e_create, EPERM);
	ASSERT_EQ(o->created_exists, 1);
	/* path_unlink */
	ASSERT_EQ(o->e_keep, EPERM);
	ASSERT_EQ(o->keep_exists, 1);
	ASSERT_EQ(o->e_gone, 0);
	ASSERT_EQ(o->gone_exists, 0);
	/* socket_connect: port 1 denied instead of refused */
	ASSERT_EQ(o->e_conn1, EPERM);
	ASSERT_EQ(o->e_conn_ok, 0);
	/* bpf */
	ASSERT_EQ(o->e_bpf_magic, EXDEV);
	ASSERT_TRUE(o->e_bpf_other != EXDEV);
	ASSERT_EQ(o->e_after, 0);
	ASSERT_EQ(o->e_bpf_big, E2BIG);
	ASSERT_EQ(o->e_conn_long, EINVAL);
	ASSERT_EQ(o->e_open_fault, EFAULT);
	/* the first file_open program: every lsm_* open (deny_a twice,
	 * deny_b, ok, the created one), ret 0 each time; the last one's
	 * f_flags (O_WRONLY, open-time flags dropped, O_LARGEFILE added) */
	ASSERT_EQ(o->r[0].count, 5);
	ASSERT_EQ(o->r[0].ret_seen, 0);
	ASSERT_EQ(o->r[0].x, (uint64_t)(O_WRONLY | 0100000));
	ASSERT_STREQ(o->r[0].name, "lsm_deny_a");
	/* the second: not run where the first denied (deny_a twice, the
	 * created one), given ret 0 where it ran */
	ASSERT_EQ(o->r[1].count, 2);
	ASSERT_EQ(o->r[1].ret_seen, 0);
	ASSERT_EQ(o->r[2].count, 0);
	/* path_unlink: both unlinks, the victim's inode, the directory */
	ASSERT_EQ(o->r[3].count, 2);
	ASSERT_EQ(o->r[3].x, o->gone_ino);
	ASSERT_STREQ(o->r[3].name, o->dirname);
	/* socket_connect: both loopback connects, the last port, SOCK_STREAM */
	ASSERT_EQ(o->r[4].count, 2);
	ASSERT_EQ(o->r[4].x, o->conn_port);
	ASSERT_EQ(o->r[4].y, SOCK_STREAM);
	/* do_unlinkat returned path_unlink's denial for lsm_keep; vfs_unlink
	 * was reached by lsm_gone's unlink only */
	ASSERT_EQ(o->r[6].count, 1);
	ASSERT_EQ((int)o->r[6].ret_seen, -EPERM);
	ASSERT_EQ(o->r[7].count, 1);
	ASSERT_STREQ(o->r[7].name, "lsm_gone");
	/* bpf: the one magic map create, size the attr's */
	ASSERT_EQ(o->r[5].count, 1);
	ASSERT_EQ(o->r[5].x, sizeof(union bpf_attr));
}

TEST(lsm_hooks_in_process)
{
	static struct lsm_out out;

	ASSERT_EQ(probe_fixture_child(child_run, &out, sizeof(out)), 0);
	if (out.err == 1000) {
		test_skip("build/probe/lsm.bpf.o missing (clang?)");
		return;
	}
	check(&out);
}

TEST(lsm_hooks_in_process_trap_only)
{
	static struct lsm_out out;

	ASSERT_EQ(probe_fixture_child(child_trap_only, &out, sizeof(out)), 0);
	if (out.err == 1000) {
		test_skip("build/probe/lsm.bpf.o missing (clang?)");
		return;
	}
	check(&out);
}

/* ==== Bad input ==== */

/* lsm_bad.bpf.o with only program name loaded: the load's result (0 or
 * -errno), and when loaded, the attach's errno (0: attached) with its
 * message in err. */
static int bad_one(const char *name, int *attach_errno, char *err, size_t err_sz)
{
	char path[512];
	struct userbpf_object *obj;
	struct userbpf_program *p = NULL, *mine = NULL;
	struct userbpf_link *l;
	int ret;

	snprintf(path, sizeof(path), "%s/probe/lsm_bad.bpf.o", test_build_dir());
	obj = userbpf_object__open_file(path, NULL);
	if (!obj)
		return -1000;
	while ((p = userbpf_object__next_program(obj, p))) {
		bool me = !strcmp(userbpf_program__name(p), name);

		userbpf_program__set_autoload(p, me);
		if (me)
			mine = p;
	}
	ret = userbpf_object__load(obj);
	snprintf(err, err_sz, "%s", ret ? userbpf_object__errmsg(obj) : "");
	if (!ret && mine) {
		USERBPF_OPTS(userbpf_attach_opts, ao, .err_buf = err, .err_buf_sz = err_sz);

		l = userbpf_program__attach_opts(mine, &ao);
		*attach_errno = l ? 0 : errno;
		userbpf_link__destroy(l);
	}
	userbpf_object__close(obj);
	return ret;
}

/* Each of lsm_bad.bpf.c's programs loaded and attached alone, in a child
 * (an attach rewrites the process's syscall sites: not the runner's). */
#define NBAD 7
static const char *const bad_names[NBAD] = { "rename_hook",    "no_such", "cgroup_bind",
					     "sleepable_open", "bad_ret", "ret_pass",
					     "ret_plus_one" };

struct bad_out {
	int load[NBAD], attach[NBAD];
	char err[NBAD][256];
};

static void child_bad(int fd)
{
	struct bad_out o;
	int i;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < NBAD; i++) {
		o.attach[i] = -1;
		o.load[i] = bad_one(bad_names[i], &o.attach[i], o.err[i], sizeof(o.err[i]));
	}
	probe_fixture_report(fd, &o, sizeof(o));
}

TEST(lsm_bad_hooks_refused)
{
	static struct bad_out o;

	ASSERT_EQ(probe_fixture_child(child_bad, &o, sizeof(o)), 0);
	if (o.load[0] == -1000) {
		test_skip("build/probe/lsm_bad.bpf.o missing (clang?)");
		return;
	}
	/* a hook the kernel has, no syscall reaches here: loads (the
	 * verifier types it by bpf_lsm_inode_rename), attach refused with
	 * the list */
	ASSERT_EQ(o.load[0], 0);
	ASSERT_EQ(o.attach[0], ENOENT);
	ASSERT_CONTAINS(o.err[0], "LSM hook 'inode_rename' cannot run in a process");
	ASSERT_CONTAINS(o.err[0], "bpf, file_open, path_unlink, socket_connect");
	/* a name the kernel has no hook for: the same at attach (libbpf
	 * fails such a load with ESRCH, finding no bpf_lsm_no_such_hook) */
	ASSERT_EQ(o.load[1], 0);
	ASSERT_EQ(o.attach[1], ENOENT);
	ASSERT_CONTAINS(o.err[1], "LSM hook 'no_such_hook' cannot run in a process");
	/* lsm_cgroup: a cgroup attachment */
	ASSERT_EQ(o.load[2], 0);
	ASSERT_EQ(o.attach[2], EOPNOTSUPP);
	ASSERT_CONTAINS(o.err[2], "lsm_cgroup programs attach to a cgroup");
	/* lsm.s: attached as lsm (programs run in the process's context,
	 * where sleeping is allowed) */
	ASSERT_EQ(o.load[3], 0);
	ASSERT_EQ(o.attach[3], 0);
	/* an int hook's return outside [-4095, 0]: the verifier refuses */
	ASSERT_EQ(o.load[4], -EINVAL);
	ASSERT_CONTAINS(o.err[4], "should have been in [-4095, 0]");
	/* the ret slot: "return ret;" loads (and attaches), "return ret +
	 * 1;" (w0 += 1: [-4094, 1] on 32 bits) is refused at exit, the
	 * message giving the zero-extended 64-bit bounds as the kernel's
	 * verbose_invalid_scalar() does */
	ASSERT_EQ(o.load[5], 0);
	ASSERT_EQ(o.attach[5], 0);
	ASSERT_EQ(o.load[6], -EINVAL);
	ASSERT_CONTAINS(o.err[6], "smin=0 smax=4294967295 should have been in [-4095, 0]");
}

/* ==== The kernel oracle ==== */

/*
 * lsm.bpf.o loaded by libbpf against the kernel as root: where the kernel
 * has BPF LSM and loads it, attached and the same calls made, the
 * results compared with userbpf's.  Where the kernel refuses, what it
 * says is compared as far as it goes and the rest skipped.
 */
static void child_kernel(int fd)
{
	char p[512];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *links[8];
	struct lsm_out out;
	int n = 0, mfd, i;
	uint32_t k;

	memset(&out, 0, sizeof(out));
	snprintf(p, sizeof(p), "%s/probe/lsm.bpf.o", test_build_dir());
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(p, NULL);
	if (!obj || (i = bpf_object__load(obj))) {
		out.err = 2000;
		out.e_after = obj ? -i : ENOENT; /* the load's errno */
		probe_fixture_report(fd, &out, sizeof(out));
	}
	setup_files();
	snprintf(out.dirname, sizeof(out.dirname), "%s", strrchr(dir, '/') + 1);
	bpf_object__for_each_program(prog, obj)
	{
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			out.err = 3000;
			out.e_after = errno;
			cleanup_files();
			probe_fixture_report(fd, &out, sizeof(out));
		}
		n++;
	}
	actions(&out);
	mfd = bpf_object__find_map_fd_by_name(obj, "rec");
	for (k = 0; k < NREC; k++)
		bpf_map_lookup_elem(mfd, &k, &out.r[k]);
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	snprintf(p, sizeof(p), "%s/lsm_deny_a", dir);
	i = open(p, O_RDONLY);
	out.e_after = err_of(i);
	if (i >= 0)
		close(i);
	bpf_object__close(obj);
	cleanup_files();
	probe_fixture_report(fd, &out, sizeof(out));
}

TEST(lsm_hooks_match_kernel)
{
	static struct lsm_out k;
	char p[512];

	snprintf(p, sizeof(p), "%s/probe/lsm.bpf.o", test_build_dir());
	if (access(p, R_OK)) {
		test_skip("build/probe/lsm.bpf.o missing (clang?)");
		return;
	}
	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	ASSERT_EQ(probe_fixture_child(child_kernel, &k, sizeof(k)), 0);
	if (k.err == 2000) {
		/* userbpf's verifier accepts all five programs (the in-process
		 * tests load them) */
		test_skip("the kernel refuses to load lsm.bpf.o (%s; this machine's kernel "
			  "refuses every LSM and fentry load so, before its verifier logs "
			  "anything): no verdict or run to compare",
			  strerror(k.e_after));
		return;
	}
	if (k.err == 3000) {
		test_skip("the kernel loads lsm.bpf.o (as userbpf does) but cannot attach it "
			  "(%s: no \"bpf\" among its active LSMs?)",
			  strerror(k.e_after));
		return;
	}
	check(&k);
}

/* ==== Under launch: a libbpf application ==== */

TEST(lsm_libbpf_app_under_launch)
{
	const char *b = test_build_dir();
	char tmp[128], cmd[2048], out[4096], pipe_out[8192];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/launch/dlsm", b);
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/lsm_launch_%d_XXXXXX", (int)getpid());
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	chmod(tmp, 01777);
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf launch --domain lsm -- %s/launch/dlsm %s 2>&1", tmp,
		 probe_drop(), b, b, tmp);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	/* the file named dlsm_deny refused, the other opened; the connect
	 * to deny_port refused, the other listener reached; bpf() refused
	 * while lsm/bpf is attached, answered after its link went */
	ASSERT_CONTAINS(out, "open deny=1 ok=0\n");
	ASSERT_CONTAINS(out, "connect allowed=0 denied=1\n");
	ASSERT_CONTAINS(out, "bpf attached=1 detached=0\n");
	/* the programs' bpf_printk lines, through the domain's trace_pipe */
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf trace-pipe --domain lsm --no-follow",
		 tmp, probe_drop(), b);
	st = probe_run(cmd, pipe_out, sizeof(pipe_out));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(pipe_out, "LSM: denied open of dlsm_deny\n");
	ASSERT_CONTAINS(pipe_out, "LSM: blocking connect to port ");
	ASSERT_CONTAINS(pipe_out, "LSM: block bpf() worked\n");
	/* a hook no syscall reaches here: the load fails (EINVAL), naming
	 * the hooks available */
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf launch -- %s/launch/dlsm %s bad 2>&1",
		 tmp, probe_drop(), b, b, tmp);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_CONTAINS(out, "load=22\n");
	ASSERT_CONTAINS(out, "LSM hook 'inode_rename' is not available in a process: the hooks "
			     "available are those a process's syscalls reach (bpf, file_open, "
			     "path_unlink, socket_connect)");
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR=%s %s%s/userbpf domain rm lsm >/dev/null 2>&1; rm -rf %s", tmp,
		 probe_drop(), b, tmp);
	ASSERT_EQ(system(cmd), 0);
}

/* ==== Under "userbpf trace" ==== */

TEST(lsm_under_trace)
{
	char tmp[128], cmd[1024], out[8192];

	if (!probe_trace_ready("minimal"))
		return;
	snprintf(tmp, sizeof(tmp), "/tmp/lsm_tr_%d_XXXXXX", (int)getpid());
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	chmod(tmp, 0755);
	snprintf(cmd, sizeof(cmd),
		 "echo secret > %s/lsm_deny_a && echo fine > %s/lsm_ok && echo k > %s/lsm_keep && "
		 "chmod 666 %s/lsm_keep && chmod 777 %s",
		 tmp, tmp, tmp, tmp, tmp);
	ASSERT_EQ(system(cmd), 0);
	/* as nobody: cat reads one file and is refused the other */
	snprintf(cmd, sizeof(cmd),
		 "%s$B/userbpf trace $B/probe/lsm.bpf.o -- /bin/cat %s/lsm_deny_a %s/lsm_ok 2>&1",
		 probe_drop(), tmp, tmp);
	ASSERT_EQ(probe_run(cmd, out, sizeof(out)), 1 << 8); /* cat's status 1 */
	ASSERT_CONTAINS(out, "lsm_deny_a: Operation not permitted\n");
	ASSERT_CONTAINS(out, "fine\n");
	ASSERT_TRUE(strstr(out, "secret") == NULL);
	ASSERT_CONTAINS(out, "[0] = {\"count\": 2, \"ret_seen\": 0, ");
	ASSERT_CONTAINS(out, "[1] = {\"count\": 1, \"ret_seen\": 0, ");
	ASSERT_TRUE(strstr(out, "left out") == NULL);
	/* rm refused by path_unlink: the file stays */
	snprintf(cmd, sizeof(cmd),
		 "%s$B/userbpf trace $B/probe/lsm.bpf.o -- /bin/rm -f %s/lsm_keep 2>&1",
		 probe_drop(), tmp);
	ASSERT_EQ(probe_run(cmd, out, sizeof(out)), 1 << 8);
	ASSERT_CONTAINS(out, "Operation not permitted");
	snprintf(cmd, sizeof(cmd), "%s/lsm_keep", tmp);
	ASSERT_EQ(access(cmd, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ASSERT_EQ(system(cmd), 0);
}
