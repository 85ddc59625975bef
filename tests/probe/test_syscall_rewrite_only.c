/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_rewrite_only.c - USERBPF_SYSCALL_REWRITE_ONLY: a traced
 * number whose known sites are all rewritten gets no seccomp filter, so
 * the calls made through rewritten sites (static and dynamic, libc's and
 * a library dlopen'ed after the attach) are seen without any filter in
 * the process, and a call that reaches a syscall instruction another way
 * (a jump straight to libc's getppid syscall instruction) is missed,
 * as it is in the default mode, which proves getppid covered and installs
 * no filter either (probe_sc_covered).  Code generated at run time (an
 * anonymous executable page) is missed in both modes.  Each mode in
 * a forked child: filters cannot be removed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

/* getppid through the syscall instruction at insn ("syscall; ret"),
 * below the red zone */
static long call_insn(uint64_t insn)
{
	long ret;

	__asm__ volatile("lea -128(%%rsp),%%rsp\n\tcall *%2\n\tlea 128(%%rsp),%%rsp"
			 : "=a"(ret)
			 : "0"((long)SYS_getppid), "r"(insn)
			 : "rcx", "r11", "memory");
	return ret;
}

enum {
	OUT_ERR,     /* attach errno */
	OUT_FILTERS, /* Seccomp_filters added by the attach (-1: no such line) */
	OUT_MODULE,  /* probe_sc_filters() */
	OUT_WRAPPER, /* count after 10 getppid() (a static site) */
	OUT_DYN,     /* after 10 syscall(SYS_getppid) (a dynamic site) */
	OUT_JUMP,    /* after 10 calls straight to libc's syscall insn (-1: not found) */
	OUT_DLOPEN,  /* after 10 calls of a library loaded after the attach (-1: none) */
	OUT_ANON,    /* after 10 calls from an anonymous executable page (-1: none) */
	OUT_TRAPS,   /* SIGSYS traps during all of it */
	OUT_BAD_RET, /* calls whose result was not the parent's pid */
	OUT_N
};

static void child(int fd)
{
	struct userbpf_map *map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "rwo", 4, 8, 1, NULL);
	struct userbpf_prog *prog = map ? probe_fixture_counter(map, "rwo") : NULL;
	uint64_t out[OUT_N] = { 0 }, traps;
	long ppid = getppid(), (*fn)(void);
	uint32_t key = 0;
	uint64_t count = 0;
	const uint8_t *libc_fn;
	char path[512];
	void *h, *anon;
	int i, f0 = probe_fixture_seccomp_filters();

#define COUNT() (userbpf_map__lookup_elem(map, &key, &count, 0), count)
	if (!prog || !userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_getppid", NULL)) {
		out[OUT_ERR] = prog ? (uint64_t)errno : ENOMEM;
		probe_fixture_report(fd, out, sizeof(out));
	}
	out[OUT_FILTERS] = f0 < 0 ? (uint64_t)-1 : (uint64_t)(probe_fixture_seccomp_filters() - f0);
	out[OUT_MODULE] = (uint64_t)probe_sc_filters();
	traps = atomic_load(&probe_sc_traps);
	for (i = 0; i < 10; i++)
		out[OUT_BAD_RET] += getppid() != ppid;
	out[OUT_WRAPPER] = COUNT();
	for (i = 0; i < 10; i++)
		out[OUT_BAD_RET] += syscall(SYS_getppid) != ppid;
	out[OUT_DYN] = COUNT();
	/* libc's getppid: "mov $110,%eax" (a jump now), "syscall; ret" */
	libc_fn = dlsym(RTLD_DEFAULT, "getppid");
	if (libc_fn && (libc_fn[0] == 0xe9 || libc_fn[0] == 0xb8) &&
	    !memcmp(libc_fn + 5, "\x0f\x05\xc3", 3)) {
		for (i = 0; i < 10; i++)
			out[OUT_BAD_RET] += call_insn((uint64_t)(uintptr_t)(libc_fn + 5)) != ppid;
		out[OUT_JUMP] = COUNT();
	} else {
		out[OUT_JUMP] = (uint64_t)-1;
	}
	snprintf(path, sizeof(path), "%s/probe/libdlsys.so", test_build_dir());
	h = dlopen(path, RTLD_NOW);
	fn = h ? (long (*)(void))dlsym(h, "dlsys_getppid") : NULL;
	if (fn) {
		for (i = 0; i < 10; i++)
			out[OUT_BAD_RET] += fn() != ppid;
		out[OUT_DLOPEN] = COUNT();
	} else {
		out[OUT_DLOPEN] = (uint64_t)-1;
	}
	/* generated code: "syscall; ret" in an anonymous page */
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	if (anon != MAP_FAILED) {
		memcpy(anon, "\x0f\x05\xc3", 3);
		for (i = 0; i < 10; i++)
			out[OUT_BAD_RET] += call_insn((uint64_t)(uintptr_t)anon) != ppid;
		out[OUT_ANON] = COUNT();
	} else {
		out[OUT_ANON] = (uint64_t)-1;
	}
	out[OUT_TRAPS] = atomic_load(&probe_sc_traps) - traps;
#undef COUNT
	probe_fixture_report(fd, out, sizeof(out));
}

static void child_rewrite_only(int fd)
{
	setenv("USERBPF_SYSCALL_REWRITE_ONLY", "1", 1);
	child(fd);
}

/* What both modes see: the rewritten sites, libc's and a dlopen'ed
 * library's, and nothing from generated code. */
static void check_common(const uint64_t *v)
{
	ASSERT_EQ(v[OUT_ERR], 0);
	ASSERT_EQ(v[OUT_BAD_RET], 0);
	ASSERT_EQ(v[OUT_WRAPPER], 10);
	ASSERT_EQ(v[OUT_DYN], 20);
}

TEST(syscall_rewrite_only_no_filter)
{
	uint64_t v[OUT_N];
	uint64_t seen;

	ASSERT_EQ(probe_fixture_child(child_rewrite_only, v, sizeof(v)), 0);
	check_common(v);
	ASSERT_EQ(v[OUT_MODULE], 0); /* no filter */
	if (v[OUT_FILTERS] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_FILTERS], 0);
	ASSERT_EQ(v[OUT_TRAPS], 0);
	/* the jump straight to the syscall instruction is missed */
	seen = 20;
	if (v[OUT_JUMP] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_JUMP], seen);
	if (v[OUT_DLOPEN] != (uint64_t)-1) { /* the library's site, rewritten at dlopen */
		seen += 10;
		ASSERT_EQ(v[OUT_DLOPEN], seen);
	}
	if (v[OUT_ANON] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_ANON], seen); /* generated code: missed */
}

/* The default mode, getppid proved covered (probe_sc_covered): no filter
 * either, so it sees what rewrite-only sees (test_syscall_covered.c has
 * the numbers that keep a filter and what their trap sees). */
TEST(syscall_rewrite_only_default_covered_the_same)
{
	uint64_t v[OUT_N];
	uint64_t seen;

	ASSERT_EQ(probe_fixture_child(child, v, sizeof(v)), 0);
	check_common(v);
	ASSERT_EQ(v[OUT_MODULE], 0);
	if (v[OUT_FILTERS] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_FILTERS], 0);
	ASSERT_EQ(v[OUT_TRAPS], 0);
	seen = 20;
	if (v[OUT_JUMP] != (uint64_t)-1) /* no compiled code jumps there: missed */
		ASSERT_EQ(v[OUT_JUMP], seen);
	if (v[OUT_DLOPEN] != (uint64_t)-1) {
		seen += 10;
		ASSERT_EQ(v[OUT_DLOPEN], seen);
	}
	if (v[OUT_ANON] != (uint64_t)-1)
		ASSERT_EQ(v[OUT_ANON], seen); /* generated code: missed in every mode */
}

/* The count syscount printed for NAME, or 0 without a line. */
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

/*
 * "userbpf trace --syscall-rewrite-only": the traced shell has no seccomp
 * filter and syscount (raw_syscalls, every number) counts what it counts
 * in the default mode, where the shell has one filter.
 */
TEST(syscall_rewrite_only_trace_option)
{
	static const char cmd[] = "sh -c 'grep Seccomp_filters /proc/$$/status; /bin/true'";
	char out[2][16384], line[512];
	int st, m;

	if (!probe_trace_ready("syscount"))
		return;
	for (m = 0; m < 2; m++) {
		snprintf(line, sizeof(line), "$B/userbpf trace $B/examples/syscount.bpf.o %s -- %s",
			 m ? "" : "--syscall-rewrite-only", cmd);
		st = probe_run(line, out[m], sizeof(out[m]));
		ASSERT_TRUE(WIFEXITED(st));
		ASSERT_EQ(WEXITSTATUS(st), 0);
	}
	if (!strstr(out[1], "Seccomp_filters:")) {
		test_skip("no Seccomp_filters line in /proc/PID/status (Linux < 5.9)");
		return;
	}
	ASSERT_CONTAINS(out[0], "Seccomp_filters:\t0\n");
	ASSERT_CONTAINS(out[1], "Seccomp_filters:\t1\n");
	ASSERT_TRUE(syscount_of(out[0], "rt_sigaction") > 0);
	ASSERT_EQ(syscount_of(out[0], "rt_sigaction"), syscount_of(out[1], "rt_sigaction"));
	ASSERT_EQ(syscount_of(out[0], "newfstatat"), syscount_of(out[1], "newfstatat"));
	ASSERT_EQ(syscount_of(out[0], "getppid"), syscount_of(out[1], "getppid"));
}
