/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_patch.c - how a rewrite pass writes its jumps: plain
 * stores into the file mappings made read+write+exec for the pass
 * (x86_64_tramp.c: wmaps_open), their protection given back after it,
 * and /proc/self/mem when mprotect refuses W+X (a seccomp filter of the
 * child's own answering EACCES to mprotect with PROT_WRITE|PROT_EXEC, as
 * a W^X policy would) or with USERBPF_PATCH_PWRITE.  In each case every
 * static site of every number is rewritten (raw_syscalls) and a traced
 * getppid() is seen through its site without a trap.  Forked children:
 * filters cannot be removed.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

/* map[0] += 1 when the raw record's id (ctx[8..16)) is getppid */
static struct userbpf_prog *counter(struct userbpf_map *map)
{
	struct userbpf_insn p[] = {
		USERBPF_LDX_MEM(USERBPF_DW, 2, 1, 8),
		USERBPF_JMP_IMM(USERBPF_JNE, 2, SYS_getppid, 9),
		PROBE_FIXTURE_INC(0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_TRACEPOINT,
		     .name = "patch");

	return userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
}

/* Lines of /proc/self/maps writable and executable at once. */
static int wx_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512], perms[8];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*x-%*x %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x')
			n++;
	fclose(f);
	return n;
}

/* mprotect(..., PROT_WRITE|PROT_EXEC) fails with EACCES from now on */
static int deny_wx(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_WRITE, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? -errno : 0;
}

enum {
	OUT_ERR,    /* set-up or attach errno */
	OUT_DIRECT, /* probe_arch_direct_writes the attach added */
	OUT_WX,	    /* W+X lines of /proc/self/maps after the attach */
	OUT_SEEN,   /* of 10 getppid() */
	OUT_TRAPS,  /* during them */
	OUT_BAD,    /* results other than the parent's pid */
	OUT_N
};

static void attach_and_count(int fd, int how)
{
	struct userbpf_map *map =
		userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "patch", 4, 8, 1, NULL);
	struct userbpf_prog *prog = map ? counter(map) : NULL;
	uint64_t out[OUT_N] = { 0 }, traps, n = 0;
	long ppid = getppid();
	unsigned long direct = probe_arch_direct_writes; /* the runner's, before the fork */
	int i, ret = 0;

	if (how == 1)
		ret = deny_wx();
	else if (how == 2)
		setenv("USERBPF_PATCH_PWRITE", "1", 1);
	if (ret || !prog || !userbpf_probe__attach_syscall(prog, "raw_syscalls/sys_enter", NULL)) {
		out[OUT_ERR] = ret ? (uint64_t)-ret : prog ? (uint64_t)errno : ENOMEM;
		probe_fixture_report(fd, out, sizeof(out));
	}
	out[OUT_DIRECT] = probe_arch_direct_writes - direct;
	out[OUT_WX] = (uint64_t)wx_maps();
	traps = atomic_load(&probe_sc_traps);
	for (i = 0; i < 10; i++)
		out[OUT_BAD] += getppid() != ppid;
	out[OUT_TRAPS] = atomic_load(&probe_sc_traps) - traps;
	userbpf_map__lookup_elem(map, &(uint32_t){ 0 }, &n, 0);
	out[OUT_SEEN] = n;
	probe_fixture_report(fd, out, sizeof(out));
}

static void child_direct(int fd)
{
	attach_and_count(fd, 0);
}

static void child_denied(int fd)
{
	attach_and_count(fd, 1);
}

static void child_pwrite(int fd)
{
	attach_and_count(fd, 2);
}

static void check(const uint64_t *v)
{
	ASSERT_EQ(v[OUT_ERR], 0);
	ASSERT_EQ(v[OUT_SEEN], 10);
	ASSERT_EQ(v[OUT_TRAPS], 0); /* through the rewritten site */
	ASSERT_EQ(v[OUT_BAD], 0);
	ASSERT_EQ(v[OUT_WX], 0); /* every protection given back */
}

TEST(syscall_patch_direct_writes)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(child_direct, v, sizeof(v)), 0);
	check(v);
	ASSERT_TRUE(v[OUT_DIRECT] > 100); /* libc's sites: 3 stores each */
}

TEST(syscall_patch_wx_denied_falls_back)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(child_denied, v, sizeof(v)), 0);
	check(v);
	ASSERT_EQ(v[OUT_DIRECT], 0);
}

TEST(syscall_patch_pwrite_forced)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(child_pwrite, v, sizeof(v)), 0);
	check(v);
	ASSERT_EQ(v[OUT_DIRECT], 0);
}
