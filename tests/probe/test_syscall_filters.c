/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_filters.c - the bound on seccomp filters: syscall
 * tracepoints on 50 different numbers attached and detached one after
 * another leave at most PROBE_SC_MAX_FILTERS filters in the process
 * (/proc/self/status "Seccomp_filters:", Linux 5.9+), each link sees
 * exactly the calls of its number, none of another number, and every
 * call returns what it returned before anything was traced (through the
 * rewritten sites most numbers need no filter at all: probe_sc_covered).  Run through
 * the rewritten sites and, with USERBPF_SYSCALL_TRAP_ONLY, through the
 * trap.  In a forked child: filters cannot be removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

/* Numbers harmless to call with (-1, 0, 0, 0): a bad descriptor, a NULL
 * pointer, a zero length, or a plain getter. */
static const struct {
	const char *name;
	long nr;
} calls[] = {
	/* clang-format off */
	{ "read", SYS_read }, { "write", SYS_write }, { "close", SYS_close },
	{ "fstat", SYS_fstat }, { "lseek", SYS_lseek }, { "ioctl", SYS_ioctl },
	{ "pread64", SYS_pread64 }, { "pwrite64", SYS_pwrite64 }, { "readv", SYS_readv },
	{ "writev", SYS_writev }, { "access", SYS_access }, { "dup", SYS_dup },
	{ "dup2", SYS_dup2 }, { "getpid", SYS_getpid }, { "getppid", SYS_getppid },
	{ "getuid", SYS_getuid }, { "getgid", SYS_getgid }, { "geteuid", SYS_geteuid },
	{ "getegid", SYS_getegid }, { "getpgrp", SYS_getpgrp }, { "getpgid", SYS_getpgid },
	{ "getsid", SYS_getsid }, { "fsync", SYS_fsync }, { "fdatasync", SYS_fdatasync },
	{ "ftruncate", SYS_ftruncate }, { "fchmod", SYS_fchmod }, { "fchown", SYS_fchown },
	{ "flock", SYS_flock }, { "getdents64", SYS_getdents64 }, { "fcntl", SYS_fcntl },
	{ "shutdown", SYS_shutdown }, { "listen", SYS_listen }, { "getsockname", SYS_getsockname },
	{ "getpeername", SYS_getpeername }, { "connect", SYS_connect }, { "bind", SYS_bind },
	{ "sendto", SYS_sendto }, { "recvfrom", SYS_recvfrom }, { "sendmsg", SYS_sendmsg },
	{ "recvmsg", SYS_recvmsg }, { "getsockopt", SYS_getsockopt }, { "setsockopt", SYS_setsockopt },
	{ "fstatfs", SYS_fstatfs }, { "fchdir", SYS_fchdir }, { "uname", SYS_uname },
	{ "sysinfo", SYS_sysinfo }, { "getrusage", SYS_getrusage }, { "getitimer", SYS_getitimer },
	{ "getrlimit", SYS_getrlimit }, { "getpriority", SYS_getpriority },
	/* clang-format on */
};
#define NCALLS ((int)(sizeof(calls) / sizeof(calls[0])))
#define PER 7 /* calls of the traced number per round */

/* map[0] += 1; map[1] = ctx[8..16) (the record's syscall number) */
static struct userbpf_prog *counter(struct userbpf_map *map)
{
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		PROBE_FIXTURE_INC(0),
		PROBE_FIXTURE_LOOKUP(1, 2),
		USERBPF_LDX_MEM(USERBPF_DW, 1, 6, 8),
		USERBPF_STX_MEM(USERBPF_DW, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_TRACEPOINT,
		     .name = "scf");

	return userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
}

/* The call's result, -errno on failure. */
static long call(int i)
{
	long r = syscall(calls[i].nr, -1L, 0L, 0L, 0L);

	return r == -1 ? -errno : r;
}

enum {
	OUT_ERR,       /* attach errno */
	OUT_F0,	       /* filters before */
	OUT_FMAX,      /* most filters seen (minus before) */
	OUT_FEND,      /* filters at the end (minus before) */
	OUT_MODULE,    /* probe_sc_filters() at the end */
	OUT_BAD_COUNT, /* rounds whose link did not count exactly PER */
	OUT_BAD_NR,    /* rounds whose record had another number */
	OUT_BAD_RET,   /* calls whose result changed */
	OUT_ROUNDS,
	OUT_N
};

static void rounds(int fd)
{
	struct userbpf_map *map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "scf", 4, 8, 2, NULL);
	struct userbpf_prog *prog = map ? counter(map) : NULL;
	uint64_t out[OUT_N] = { 0 };
	long before[NCALLS];
	int i, j, k, f;

	out[OUT_F0] = (uint64_t)probe_fixture_seccomp_filters();
	for (i = 0; i < NCALLS; i++)
		before[i] = call(i);
	if (!prog) {
		out[OUT_ERR] = ENOMEM;
		goto report;
	}
	for (i = 0; i < NCALLS; i++) {
		char tp[64];
		struct userbpf_link *l;
		uint32_t key;
		uint64_t zero = 0;

		for (key = 0; key < 2; key++)
			userbpf_map__update_elem(map, &key, &zero, 0);
		/* even rounds: the enter side; odd: the exit side */
		snprintf(tp, sizeof(tp), "syscalls/sys_%s_%s", i % 2 ? "exit" : "enter",
			 calls[i].name);
		l = userbpf_probe__attach_syscall(prog, tp, NULL);
		if (!l) {
			out[OUT_ERR] = (uint64_t)errno;
			goto report;
		}
		/* the traced number PER times, every other number once */
		for (j = 0; j < NCALLS; j++)
			for (k = 0; k < (j == i ? PER : 1); k++)
				out[OUT_BAD_RET] += call(j) != before[j];
		userbpf_link__destroy(l);
		call(i); /* detached: not counted */
		/* read after the detach (its read and close would count) */
		f = probe_fixture_seccomp_filters() - (int)out[OUT_F0];
		if (f > (int)out[OUT_FMAX])
			out[OUT_FMAX] = (uint64_t)f;
		key = 0;
		userbpf_map__lookup_elem(map, &key, &zero, 0);
		out[OUT_BAD_COUNT] += zero != PER;
		key = 1;
		userbpf_map__lookup_elem(map, &key, &zero, 0);
		out[OUT_BAD_NR] += zero != (uint64_t)calls[i].nr;
		out[OUT_ROUNDS]++;
	}
	out[OUT_FEND] = (uint64_t)(probe_fixture_seccomp_filters() - (int)out[OUT_F0]);
	out[OUT_MODULE] = (uint64_t)probe_sc_filters();
report:
	probe_fixture_report(fd, out, sizeof(out));
}

static void rounds_trap_only(int fd)
{
	setenv("USERBPF_SYSCALL_TRAP_ONLY", "1", 1);
	rounds(fd);
}

/* bound: every number needs a filter (trap only); otherwise a number whose
 * sites are proved covered gets none (probe_sc_covered) */
static void check(const uint64_t *v, bool bound)
{
	ASSERT_EQ(v[OUT_ERR], 0);
	if ((int64_t)v[OUT_F0] < 0) {
		test_skip("no Seccomp_filters line in /proc/self/status (Linux < 5.9)");
		return;
	}
	ASSERT_EQ(v[OUT_ROUNDS], NCALLS);
	ASSERT_EQ(v[OUT_BAD_COUNT], 0);
	ASSERT_EQ(v[OUT_BAD_NR], 0);
	ASSERT_EQ(v[OUT_BAD_RET], 0);
	ASSERT_TRUE(v[OUT_FMAX] >= 1);
	ASSERT_TRUE(v[OUT_FMAX] <= PROBE_SC_MAX_FILTERS);
	if (bound) { /* 50 numbers reach the bound */
		ASSERT_EQ(v[OUT_FEND], PROBE_SC_MAX_FILTERS);
		ASSERT_EQ(v[OUT_MODULE], PROBE_SC_MAX_FILTERS);
	} else { /* fewer: the numbers libc has a site of left to the trap */
		ASSERT_TRUE(v[OUT_FEND] <= PROBE_SC_MAX_FILTERS);
		ASSERT_EQ(v[OUT_MODULE], v[OUT_FEND]);
	}
}

TEST(syscall_filters_bounded_rewritten)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(rounds, v, sizeof(v)), 0);
	check(v, false);
}

TEST(syscall_filters_bounded_trap)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(rounds_trap_only, v, sizeof(v)), 0);
	check(v, true);
}
