/* SPDX-License-Identifier: MIT */
/*
 * test_kfunc.c - kernel functions reached by syscalls (src/probe/kfunc.c):
 * kfunc.bpf.c's kprobe, kretprobe, fentry and fexit on do_unlinkat (and
 * fentry do_rmdir, fexit do_sys_openat2, fentry/fexit __x64_sys_getppid,
 * tp_btf/sys_enter) attached in process by section name, the same unlinks
 * made, the records checked; then the same object on the kernel (libbpf,
 * root) as the oracle, compared field by field; and under "userbpf trace"
 * around sh -c 'rm FILE'.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/probe.h"

struct kfunc_rec {
	uint64_t count;
	int64_t dfd;
	int64_t ret;
	uint64_t uptr_ok;
	uint64_t x;
	char name[64];
};

#define NREC 10
#define NPROGS 9

struct kfunc_out {
	int64_t err; /* 0, or what failed (1000: no fixture) */
	int64_t fd;  /* what open returned */
	int64_t ppid;
	struct kfunc_rec r[NREC];
};

static int runner_pid;

static void path_of(char *buf, size_t sz, const char *what)
{
	snprintf(buf, sz, "/tmp/kfunc_t%d_%s", runner_pid, what);
}

/* What both runs do: an open that creates, two unlinks that succeed,
 * an unlinkat that fails, an rmdir through unlinkat, three getppid. */
static void actions(struct kfunc_out *out)
{
	char a[96], miss[96], dir[96], f[96];
	int i;

	path_of(a, sizeof(a), "a");
	path_of(miss, sizeof(miss), "missing");
	path_of(dir, sizeof(dir), "dir");
	path_of(f, sizeof(f), "open");
	close(open(a, O_CREAT | O_WRONLY, 0600));
	mkdir(dir, 0700);
	out->fd = open(f, O_CREAT | O_WRONLY, 0640);
	if (out->fd >= 0)
		close((int)out->fd);
	unlink(a);
	unlink(f);
	unlinkat(AT_FDCWD, miss, 0);
	unlinkat(AT_FDCWD, dir, AT_REMOVEDIR);
	for (i = 0; i < 3; i++)
		out->ppid = getppid();
}

static void child_userbpf(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("kfunc");
	struct userbpf_link *links[16];
	struct kfunc_out out;
	struct userbpf_object_map *m;
	size_t n = 0;
	uint32_t k;
	int ret;

	memset(&out, 0, sizeof(out));
	if (!obj) {
		out.err = 1000;
		probe_fixture_report(fd, &out, sizeof(out));
	}
	m = userbpf_object__find_map_by_name(obj, "rec");
	for (k = 6; m && k <= 8; k++) {
		struct kfunc_rec r = { .dfd = getpid() };

		userbpf_map__update_elem(userbpf_object_map__map(m), &k, &r, 0);
	}
	ret = userbpf_object__attach_all(obj, NULL, links, 16, &n);
	if (ret || n != NPROGS) {
		out.err = ret ? -ret : 100 + (int64_t)n;
		probe_fixture_report(fd, &out, sizeof(out));
	}
	actions(&out);
	for (k = 0; k < NREC; k++)
		userbpf_map__lookup_elem(userbpf_object_map__map(m), &k, &out.r[k], 0);
	while (n)
		userbpf_link__destroy(links[--n]);
	probe_fixture_report(fd, &out, sizeof(out));
}

/* What the records must hold (either run). */
static void check(const struct kfunc_out *o)
{
	char want[96];

	ASSERT_EQ(o->err, 0);
	/* kprobe/do_unlinkat: the two unlinks and unlinkat's ENOENT, not
	 * the rmdir; dfd AT_FDCWD, the path through struct filename */
	ASSERT_EQ(o->r[0].count, 3);
	ASSERT_EQ(o->r[0].dfd, AT_FDCWD);
	path_of(want, sizeof(want), "missing");
	ASSERT_STREQ(o->r[0].name, want);
	ASSERT_EQ(o->r[0].uptr_ok, 1);
	/* kretprobe: ax of an int function, -ENOENT last */
	ASSERT_EQ(o->r[1].count, 3);
	ASSERT_EQ((int)o->r[1].ret, -ENOENT);
	/* fentry / fexit: name->name read directly */
	ASSERT_EQ(o->r[2].count, 3);
	ASSERT_EQ(o->r[2].dfd, AT_FDCWD);
	ASSERT_STREQ(o->r[2].name, want);
	ASSERT_EQ(o->r[2].uptr_ok, 1);
	ASSERT_EQ(o->r[3].count, 3);
	ASSERT_EQ((int)o->r[3].ret, -ENOENT);
	ASSERT_STREQ(o->r[3].name, want);
	/* do_rmdir: unlinkat with AT_REMOVEDIR */
	ASSERT_EQ(o->r[4].count, 1);
	path_of(want, sizeof(want), "dir");
	ASSERT_STREQ(o->r[4].name, want);
	/* do_sys_openat2: openat's flags with O_LARGEFILE, the mode, the fd
	 * (the second of two opens of such paths) */
	ASSERT_EQ(o->r[5].count, 2);
	ASSERT_EQ(o->r[5].x, (uint64_t)(O_CREAT | O_WRONLY | 0100000) << 16 | 0640);
	ASSERT_EQ(o->r[5].ret, o->fd);
	path_of(want, sizeof(want), "open");
	ASSERT_STREQ(o->r[5].name, want);
	/* __x64_sys_getppid: orig_ax in the user registers, the result */
	ASSERT_EQ(o->r[6].count, 3);
	ASSERT_EQ(o->r[6].x, SYS_getppid);
	ASSERT_EQ(o->r[7].count, 3);
	ASSERT_EQ(o->r[7].ret, o->ppid);
	/* tp_btf/sys_enter: id 110, regs->orig_ax 110 */
	ASSERT_EQ(o->r[8].count, 3);
	ASSERT_EQ(o->r[8].x, SYS_getppid);
}

static struct kfunc_out userbpf_run;

TEST(kfunc_do_unlinkat_in_process)
{
	runner_pid = getpid();
	ASSERT_EQ(probe_fixture_child(child_userbpf, &userbpf_run, sizeof(userbpf_run)), 0);
	if (userbpf_run.err == 1000) {
		test_skip("build/probe/kfunc.bpf.o missing (clang?)");
		return;
	}
	check(&userbpf_run);
}

/* The oracle: the same object on the kernel, the same actions. */
static void child_kernel(int fd)
{
	char path[512];
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_link *links[16];
	struct kfunc_out out;
	int n = 0, mfd, i;
	uint32_t k;

	memset(&out, 0, sizeof(out));
	snprintf(path, sizeof(path), "%s/probe/kfunc.bpf.o", test_build_dir());
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(path, NULL);
	if (obj && bpf_object__load(obj)) {
		/* kernels without BPF trampolines refuse fentry/fexit/tp_btf
		 * (EPERM here): the kprobes alone then (out.fd -2: partial) */
		bpf_object__close(obj);
		obj = bpf_object__open_file(path, NULL);
		bpf_object__for_each_program(p, obj)
		{
			if (bpf_program__type(p) == BPF_PROG_TYPE_TRACING)
				bpf_program__set_autoload(p, false);
		}
		out.err = obj && !bpf_object__load(obj) ? -2 : 2000;
	}
	if (!obj || out.err == 2000) {
		out.err = 2000;
		probe_fixture_report(fd, &out, sizeof(out));
	}
	mfd = bpf_object__find_map_fd_by_name(obj, "rec");
	for (k = 6; k <= 8; k++) {
		struct kfunc_rec r = { .dfd = getpid() };

		bpf_map_update_elem(mfd, &k, &r, 0);
	}
	bpf_object__for_each_program(p, obj)
	{
		if (!bpf_program__autoload(p))
			continue;
		links[n] = bpf_program__attach(p);
		if (!links[n]) {
			out.err = 3000 + n;
			probe_fixture_report(fd, &out, sizeof(out));
		}
		n++;
	}
	actions(&out);
	for (k = 0; k < NREC; k++)
		bpf_map_lookup_elem(mfd, &k, &out.r[k]);
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	probe_fixture_report(fd, &out, sizeof(out));
}

TEST(kfunc_do_unlinkat_matches_kernel)
{
	struct kfunc_out kern;
	int k, nrec = NREC;

	runner_pid = getpid();
	if (geteuid()) {
		test_skip("the kernel oracle needs root");
		return;
	}
	ASSERT_EQ(probe_fixture_child(child_userbpf, &userbpf_run, sizeof(userbpf_run)), 0);
	if (userbpf_run.err == 1000) {
		test_skip("build/probe/kfunc.bpf.o missing (clang?)");
		return;
	}
	ASSERT_EQ(probe_fixture_child(child_kernel, &kern, sizeof(kern)), 0);
	if (kern.err == 2000 || (kern.err >= 3000 && kern.err < 3100)) {
		test_skip("the kernel cannot load or attach kfunc.bpf.o's kprobes (err %lld: "
			  "a kernel without CONFIG_KPROBES, as here, or not root)",
			  (long long)kern.err);
		return;
	}
	if (kern.err == -2) { /* kprobes only: records 0 and 1 */
		kern.err = 0;
		nrec = 2;
		/* (the kernel refuses fentry/fexit/tp_btf here) */
	} else {
		check(&kern);
	}
	/* field by field: every record as the kernel writes it */
	for (k = 0; k < nrec; k++) {
		ASSERT_EQ(userbpf_run.r[k].count, kern.r[k].count);
		ASSERT_EQ(userbpf_run.r[k].dfd, kern.r[k].dfd);
		ASSERT_EQ(userbpf_run.r[k].uptr_ok, kern.r[k].uptr_ok);
		ASSERT_STREQ(userbpf_run.r[k].name, kern.r[k].name);
		ASSERT_EQ(userbpf_run.r[k].x, kern.r[k].x);
		if (k != 5 && k != 7) /* fd and ppid: per run */
			ASSERT_EQ(userbpf_run.r[k].ret, kern.r[k].ret);
	}
}

/*
 * Under "userbpf trace --follow": sh -c 'touch F; rm F; rm F' (coreutils'
 * rm makes unlinkat(AT_FDCWD, F, 0)): the kprobe and fentry see the path
 * twice, the kretprobe and fexit 0 then -ENOENT as an int function's
 * 64-bit rax holds it (upper half zero: 4294967294).
 */
TEST(kfunc_do_unlinkat_under_trace)
{
	char cmd[1024], out[8192], want[256];
	int pid = getpid();

	if (!probe_trace_ready("minimal"))
		return;
	snprintf(cmd, sizeof(cmd),
		 "$B/userbpf trace --follow $B/probe/kfunc.bpf.o -- sh -c "
		 "'touch /tmp/kfunc_tr%d; rm /tmp/kfunc_tr%d; rm /tmp/kfunc_tr%d' 2>&1",
		 pid, pid, pid);
	ASSERT_EQ(probe_run(cmd, out, sizeof(out)), 0 + (1 << 8)); /* rm's status 1 */
	ASSERT_CONTAINS(out, "No such file or directory");
	snprintf(want, sizeof(want),
		 "[0] = {\"count\": 2, \"dfd\": -100, \"ret\": 0, \"uptr_ok\": 1, \"x\": 0, "
		 "\"name\": \"/tmp/kfunc_tr%d\"}",
		 pid);
	ASSERT_CONTAINS(out, want);
	ASSERT_CONTAINS(out, "[1] = {\"count\": 2, \"dfd\": 0, \"ret\": 4294967294, ");
	snprintf(want, sizeof(want),
		 "[2] = {\"count\": 2, \"dfd\": -100, \"ret\": 0, \"uptr_ok\": 1, \"x\": 0, "
		 "\"name\": \"/tmp/kfunc_tr%d\"}",
		 pid);
	ASSERT_CONTAINS(out, want);
	snprintf(want, sizeof(want),
		 "[3] = {\"count\": 2, \"dfd\": -100, \"ret\": 4294967294, \"uptr_ok\": 0, "
		 "\"x\": 0, \"name\": \"/tmp/kfunc_tr%d\"}",
		 pid);
	ASSERT_CONTAINS(out, want);
	ASSERT_TRUE(strstr(out, "left out") == NULL);
}
