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

#define NREC 6
#define LSM_MAGIC 0x4c53

struct lsm_out {
	int64_t err; /* 0, or what failed (1000: no fixture) */
	int e_deny_a, e_deny_b, e_ok, e_trunc, e_create, e_keep, e_gone, e_conn1, e_conn_ok;
	int e_bpf_magic, e_bpf_other, e_after;
	long size_after_trunc; /* lsm_deny_a's size after the denied O_TRUNC */
	int created_exists;    /* the denied O_CREAT left the file (kernel order) */
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
	if (ret || n != 5) {
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
