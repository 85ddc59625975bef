/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_blocked.c - the syscalls glibc makes with every signal
 * blocked are never a fatal trap under raw sys_enter (every number
 * traced): a thread's start (rseq, set_robust_list), its end (madvise,
 * exit, futex on the stack cache lock), posix_spawn's parent around the
 * clone (munmap of the child's stack) and its child between clone and
 * exec (rt_sigaction of every signal).  A trap there kills the process
 * (status 159: the kernel resets the handler of a blocked SIGSYS).  In a
 * forked child, through the rewritten sites and with
 * USERBPF_SYSCALL_TRAP_ONLY (no rewriting: install_filter's lists).
 */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

extern char **environ;

static void *thread_fn(void *arg)
{
	return arg;
}

enum {
	OUT_ERR,     /* attach errno */
	OUT_THREADS, /* threads joined */
	OUT_SPAWN,   /* posix_spawn status of /bin/true */
	OUT_SYSTEM,  /* system("true") status */
	OUT_EVENTS,  /* raw sys_enter events */
	OUT_RSEQ,    /* errno of attaching sys_enter_rseq */
	OUT_FUTEX,   /* errno of attaching sys_enter_futex (0: attached) */
	OUT_N
};

static void blocked_child(int fd)
{
	struct userbpf_map *m = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "blk", 4, 8, 1, NULL);
	struct userbpf_insn p[] = {
		PROBE_FIXTURE_INC(0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm, .ld_imm64_cookie = m,
		     .prog_type = USERBPF_PROG_TYPE_TRACEPOINT, .name = "blk");
	struct userbpf_prog *prog = m ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
	static char a0[] = "true";
	char *argv[] = { a0, NULL };
	uint64_t out[OUT_N] = { 0 };
	struct userbpf_link *l;
	pthread_t t[4];
	pid_t pid;
	int i, r, st = -1;
	uint32_t key = 0;

	if (!prog || !userbpf_probe__attach_syscall(prog, "raw_syscalls/sys_enter", NULL)) {
		out[OUT_ERR] = prog ? (uint64_t)errno : 1;
		probe_fixture_report(fd, out, sizeof(out));
	}
	l = userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_rseq", NULL);
	out[OUT_RSEQ] = l ? 0 : (uint64_t)errno;
	l = userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_futex", NULL);
	out[OUT_FUTEX] = l ? 0 : (uint64_t)errno;
	if (l)
		userbpf_link__destroy(l);
	for (r = 0; r < 3; r++) {
		int n = 0;

		for (i = 0; i < 4; i++)
			n += !pthread_create(&t[i], NULL, thread_fn, NULL);
		for (i = 0; i < n; i++)
			out[OUT_THREADS] += !pthread_join(t[i], NULL);
	}
	if (!posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ))
		waitpid(pid, &st, 0);
	out[OUT_SPAWN] = (uint64_t)st;
	out[OUT_SYSTEM] = (uint64_t)system("true");
	userbpf_map__lookup_elem(m, &key, &out[OUT_EVENTS], 0);
	probe_fixture_report(fd, out, sizeof(out));
}

static void blocked_child_trap_only(int fd)
{
	setenv("USERBPF_SYSCALL_TRAP_ONLY", "1", 1);
	blocked_child(fd);
}

static void check(const uint64_t *v, bool trap_only)
{
	ASSERT_EQ(v[OUT_ERR], 0);
	ASSERT_EQ(v[OUT_THREADS], 12);
	ASSERT_EQ(v[OUT_SPAWN], 0); /* exited 0: not 159 nor a signal */
	ASSERT_EQ(v[OUT_SYSTEM], 0);
	ASSERT_TRUE(v[OUT_EVENTS] >= 2); /* waitpid's wait4 and system's, at least */
	/* rseq: never trapped, seen from rewritten sites only */
	ASSERT_EQ(v[OUT_RSEQ], trap_only ? EOPNOTSUPP : 0);
	/* without rewriting, futex is made with signals blocked: not traced */
	ASSERT_EQ(v[OUT_FUTEX], trap_only ? EOPNOTSUPP : 0);
}

TEST(syscall_blocked_rewritten)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(blocked_child, v, sizeof(v)), 0);
	check(v, false);
}

TEST(syscall_blocked_trap_only)
{
	uint64_t v[OUT_N];

	ASSERT_EQ(probe_fixture_child(blocked_child_trap_only, v, sizeof(v)), 0);
	check(v, true);
}
