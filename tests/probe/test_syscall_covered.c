/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_covered.c - the default mode installs no seccomp filter
 * for a traced number when the scans prove that every syscall
 * instruction of the code mapped can make it only through a rewritten
 * site (probe_sc_covered), and keeps the filter where the proof fails:
 * a library whose getppid syscall instruction is also reached by a
 * branch past its rewritten mov (tests/probe/libs/scbranch.c), and
 * libc's read, whose __read_nocancel site cannot be rewritten (the
 * filter then goes in with SECCOMP_FILTER_FLAG_SPEC_ALLOW).  Each
 * case in a forked child: filters cannot be removed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

/* The Speculation_Store_Bypass line of /proc/self/status into buf. */
static void ssb_state(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	snprintf(buf, size, "none");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Speculation_Store_Bypass:", 25))
			snprintf(buf, size, "%.100s", line + 25);
	fclose(f);
}

enum {
	OUT_ERR,     /* attach errno */
	OUT_FILTERS, /* Seccomp_filters of /proc/self/status after the attach (-1: no line) */
	OUT_MODULE,  /* probe_sc_filters() */
	OUT_COVERED, /* probe_sc_filter_why() is "covered" */
	OUT_N1,	     /* count after the first batch */
	OUT_N2,	     /* after the second */
	OUT_N3,	     /* after the third (-1: not run) */
	OUT_TRAPS,   /* SIGSYS traps during all of it */
	OUT_BAD_RET, /* calls with a wrong result */
	OUT_SPEC,    /* the filter went in with SPEC_ALLOW */
	OUT_SSB,     /* Speculation_Store_Bypass: unchanged by the filter */
	OUT_N
};

static struct userbpf_map *map;
static uint32_t key;

static uint64_t count(void)
{
	uint64_t c = 0;

	userbpf_map__lookup_elem(map, &key, &c, 0);
	return c;
}

/* attach a counter to tp; fills the first four outputs */
static uint64_t start(int fd, const char *tp, uint64_t *out)
{
	struct userbpf_prog *prog;

	map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "cov", 4, 8, 1, NULL);
	prog = map ? probe_fixture_counter(map, "cov") : NULL;
	if (!prog || !userbpf_probe__attach_syscall(prog, tp, NULL)) {
		out[OUT_ERR] = prog ? (uint64_t)errno : ENOMEM;
		probe_fixture_report(fd, out, OUT_N * sizeof(uint64_t));
	}
	out[OUT_FILTERS] = (uint64_t)(int64_t)probe_fixture_seccomp_filters();
	out[OUT_MODULE] = (uint64_t)probe_sc_filters();
	out[OUT_COVERED] = !strcmp(probe_sc_filter_why(), "covered");
	if (getenv("USERBPF_TEST_VERBOSE"))
		fprintf(stderr, "filter decision: %s\n", probe_sc_filter_why());
	return atomic_load(&probe_sc_traps);
}

static void *open_lib(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/probe/lib%s.so", test_build_dir(), name);
	return dlopen(path, RTLD_NOW);
}

/* (a) getppid: libc's wrapper, syscall(), a library dlopen'ed later */
static void child_getppid(int fd)
{
	uint64_t out[OUT_N] = { 0 }, traps;
	long ppid = getppid(), (*fn)(void);
	void *h;
	int i;

	traps = start(fd, "syscalls/sys_enter_getppid", out);
	for (i = 0; i < 10; i++)
		out[OUT_BAD_RET] += getppid() != ppid;
	out[OUT_N1] = count();
	for (i = 0; i < 10; i++)
		out[OUT_BAD_RET] += syscall(SYS_getppid) != ppid;
	out[OUT_N2] = count();
	h = open_lib("dlsys");
	fn = h ? (long (*)(void))dlsym(h, "dlsys_getppid") : NULL;
	out[OUT_N3] = (uint64_t)-1;
	if (fn) {
		for (i = 0; i < 10; i++)
			out[OUT_BAD_RET] += fn() != ppid;
		out[OUT_N3] = count();
	}
	out[OUT_TRAPS] = atomic_load(&probe_sc_traps) - traps;
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_covered_default_no_filter)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(child_getppid, v, sizeof(v)), 0);
	ASSERT_EQ(v[OUT_ERR], 0);
	ASSERT_EQ(v[OUT_BAD_RET], 0);
	ASSERT_EQ(v[OUT_COVERED], 1);
	ASSERT_EQ(v[OUT_MODULE], 0);
	if (v[OUT_FILTERS] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_FILTERS], 0);
	ASSERT_EQ(v[OUT_N1], 10);
	ASSERT_EQ(v[OUT_N2], 20);
	ASSERT_EQ(v[OUT_N3], 30);
	ASSERT_EQ(v[OUT_TRAPS], 0);
}

/* (b) the same number with a site the branch bypasses: mapped first */
static void child_branch(int fd)
{
	uint64_t out[OUT_N] = { 0 }, traps;
	long ppid = getppid(), (*site)(void), (*jump)(void);
	void *h = open_lib("scbranch");
	int i;

	site = h ? (long (*)(void))dlsym(h, "scbranch_getppid") : NULL;
	jump = h ? (long (*)(void))dlsym(h, "scbranch_jump") : NULL;
	if (!site || !jump) {
		out[OUT_ERR] = ENOENT;
		probe_fixture_report(fd, out, sizeof(out));
	}
	traps = start(fd, "syscalls/sys_enter_getppid", out);
	for (i = 0; i < 10; i++)
		out[OUT_BAD_RET] += getppid() != ppid;
	out[OUT_N1] = count();
	for (i = 0; i < 10; i++)
		out[OUT_BAD_RET] += site() != ppid;
	out[OUT_N2] = count();
	out[OUT_TRAPS] = atomic_load(&probe_sc_traps) - traps;
	for (i = 0; i < 10; i++) /* straight to the syscall instruction: the trap */
		out[OUT_BAD_RET] += jump() != ppid;
	out[OUT_N3] = count();
	out[OUT_TRAPS] = (out[OUT_TRAPS] << 16) | (atomic_load(&probe_sc_traps) - traps);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_covered_branch_keeps_filter)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(child_branch, v, sizeof(v)), 0);
	ASSERT_EQ(v[OUT_ERR], 0);
	ASSERT_EQ(v[OUT_BAD_RET], 0);
	ASSERT_EQ(v[OUT_COVERED], 0);
	ASSERT_EQ(v[OUT_MODULE], 1);
	if (v[OUT_FILTERS] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_FILTERS], 1);
	ASSERT_EQ(v[OUT_N1], 10);
	ASSERT_EQ(v[OUT_N2], 20);	      /* the library's site, rewritten */
	ASSERT_EQ(v[OUT_TRAPS] >> 16, 0);     /* ... without a trap */
	ASSERT_EQ(v[OUT_N3], 30);	      /* the branch past it: */
	ASSERT_EQ(v[OUT_TRAPS] & 0xffff, 10); /* seen through the trap */
}

/* (b) libc's read: __read_nocancel's site ("xor %eax,%eax" among bytes a
 * branch lands in) is not rewritten; get_nprocs reads through it */
static void child_read(int fd)
{
	uint64_t out[OUT_N] = { 0 }, traps, base;
	char c, ssb[2][128];
	int p[2];

	if (pipe(p) || write(p[1], "xy", 2) != 2) {
		out[OUT_ERR] = (uint64_t)errno;
		probe_fixture_report(fd, out, sizeof(out));
	}
	ssb_state(ssb[0], sizeof(ssb[0]));
	start(fd, "syscalls/sys_enter_read", out);
	ssb_state(ssb[1], sizeof(ssb[1]));
	out[OUT_SPEC] = probe_sc_spec_allowed;
	out[OUT_SSB] = !strcmp(ssb[0], ssb[1]) && !strstr(ssb[1], "force mitigated");
	if (getenv("USERBPF_TEST_VERBOSE"))
		fprintf(stderr, "Speculation_Store_Bypass:%s", ssb[1]);
	base = count(); /* start's own reads of /proc/self/status */
	traps = atomic_load(&probe_sc_traps);
	out[OUT_BAD_RET] += read(p[0], &c, 1) != 1 || c != 'x';
	out[OUT_N1] = count() - base;
	out[OUT_TRAPS] = atomic_load(&probe_sc_traps) - traps;
	out[OUT_BAD_RET] += get_nprocs() < 1;
	out[OUT_N2] = count() - base;
	out[OUT_TRAPS] = (out[OUT_TRAPS] << 16) | (atomic_load(&probe_sc_traps) - traps);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_covered_libc_read_keeps_filter)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(child_read, v, sizeof(v)), 0);
	ASSERT_EQ(v[OUT_ERR], 0);
	ASSERT_EQ(v[OUT_BAD_RET], 0);
	ASSERT_EQ(v[OUT_COVERED], 0);
	ASSERT_EQ(v[OUT_MODULE], 1);
	if (v[OUT_FILTERS] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_FILTERS], 1);
	ASSERT_EQ(v[OUT_N1], 1); /* read(): a rewritten site */
	ASSERT_EQ(v[OUT_TRAPS] >> 16, 0);
	ASSERT_TRUE(v[OUT_N2] > v[OUT_N1]);			 /* get_nprocs's reads: */
	ASSERT_EQ(v[OUT_TRAPS] & 0xffff, v[OUT_N2] - v[OUT_N1]); /* through the trap */
	/* SECCOMP_FILTER_FLAG_SPEC_ALLOW passed (Linux 4.17+), so under
	 * spec_store_bypass_disable=seccomp the process is not made "thread
	 * force mitigated"; here (no such mode) the line is unchanged */
	ASSERT_EQ(v[OUT_SPEC], 1);
	ASSERT_EQ(v[OUT_SSB], 1);
}
