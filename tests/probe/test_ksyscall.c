/* SPDX-License-Identifier: MIT */
/*
 * test_ksyscall.c - ksyscall/NAME, kretsyscall/NAME, kprobe/__x64_sys_NAME
 * and kretprobe/__x64_sys_NAME attached by section name (ksys.bpf.c): the
 * kernel's kprobe context, where di points to the user pt_regs, so
 * BPF_KSYSCALL reads the arguments; ax is the return value.  In a forked
 * child: the syscall hooks stay for the process's life.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/probe.h"

static void child(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("ksys");
	struct userbpf_link *links[8];
	uint64_t out[12] = { 0 };
	size_t n = 0;
	int i, ret;

	if (!obj) {
		out[11] = 1000;
	} else if ((ret = userbpf_object__attach_all(obj, NULL, links, 8, &n)) || n != 4) {
		out[11] = ret ? (uint64_t)-ret : 100 + n;
	} else {
		for (i = 0; i < 3; i++)
			lseek(77, 1234 + i, SEEK_CUR); /* EBADF */
		for (i = 0; i < 2; i++)
			getppid();
		syscall(SYS_getppid); /* a site that traps */
		for (i = 0; i < 9; i++)
			out[i] = probe_fixture_value(obj, "seen", (uint32_t)i);
	}
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(ksyscall_sections_kprobe_context)
{
	uint64_t v[12];

	ASSERT_EQ(probe_fixture_child(child, v, sizeof(v)), 0);
	if (v[11] == 1000) {
		test_skip("build/probe/ksys.bpf.o missing (clang?)");
		return;
	}
	ASSERT_EQ(v[11], 0);
	ASSERT_EQ(v[0], 3);	       /* ksyscall/lseek on fd 77 */
	ASSERT_EQ(v[1], 1236);	       /* its second argument, last call */
	ASSERT_EQ(v[2], SEEK_CUR);     /* its third */
	ASSERT_EQ(v[3], 3);	       /* kretsyscall/lseek saw -EBADF */
	ASSERT_EQ(v[4], (uint64_t)-9); /* ret */
	ASSERT_EQ(v[5], 3);	       /* kprobe/__x64_sys_getppid */
	ASSERT_EQ(v[6], SYS_getppid);  /* user regs' orig_ax through di */
	ASSERT_EQ(v[7], 3);
	ASSERT_EQ(v[8], (uint64_t)getpid()); /* the child's parent: us */
}

/*
 * Through "userbpf launch": an unmodified libbpf application attaches the
 * same object; libbpf's ksyscall and kprobe attach open the kprobe PMU
 * with __x64_sys_NAME, which the interposer routes to the same points.
 */
TEST(ksyscall_under_launch)
{
	char cmd[1024], out[512];
	const char *b = test_build_dir();
	FILE *p;
	size_t n;

	/* sanitizer builds too: their interposer is not instrumented */
	snprintf(cmd, sizeof(cmd), "%s/probe/ksys_app", b);
	if (access(cmd, X_OK)) {
		test_skip("%s missing (libbpf-dev?)", cmd);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/userbpf launch -- %s/probe/ksys_app %s/probe/ksys.bpf.o", b,
		 b, b);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	ASSERT_EQ(pclose(p), 0);
	/* 3 lseeks on fd 77 (offset 1236 and SEEK_CUR last), 3 -EBADF, 3
	 * getppid with orig_ax 110 in the user registers, 3 returns */
	ASSERT_CONTAINS(out, "0=3 1=1236 2=1 3=3 4=-9 5=3 6=110 7=3 \n");
}
