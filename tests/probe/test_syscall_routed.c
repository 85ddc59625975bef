/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_routed.c - the numbers no filter traps, seen from their
 * rewritten sites: set_robust_list and rseq (a new thread's start, every
 * signal blocked), exit (a thread's raw syscall), exit_group (libc's
 * syscall(), and _exit's own sites through the trap), execve and
 * execveat (libc's execve, syscall(SYS_execve), fexecve's execveat,
 * a forked child's successful exec; not in posix_spawn's child; an
 * attempt the host fires itself is not fired twice).  The counters live
 * in a BPF_F_MMAPABLE array created before the fork (a shared mapping),
 * so what a child did before it exited or exec'd is read afterwards.
 * Each case in a forked child: filters cannot be removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

extern char **environ;
extern const unsigned int __rseq_size __attribute__((weak));

#define SLOTS 16
static struct userbpf_map *map; /* created before the fork: shared */
static volatile uint64_t *slot;

/* slot[k] += 1; slot[k + 1] = the record's u64 at 16 (args[0], or ret) */
static struct userbpf_prog *counter(int k)
{
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		PROBE_FIXTURE_INC(k),
		PROBE_FIXTURE_LOOKUP(k + 1, 2),
		USERBPF_LDX_MEM(USERBPF_DW, 2, 6, 16),
		USERBPF_STX_MEM(USERBPF_DW, 0, 2, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_TRACEPOINT,
		     .name = "routed");

	return userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
}

/* raw_syscalls/sys_enter: slot[k] += 1 when the record's id is nr */
static struct userbpf_prog *raw_counter(int k, int nr)
{
	const struct userbpf_insn inc[] = { PROBE_FIXTURE_INC(k) };
	const struct userbpf_insn head[] = {
		USERBPF_MOV64_REG(6, 1),
		USERBPF_LDX_MEM(USERBPF_W, 2, 6, 8),
		USERBPF_JMP_IMM(USERBPF_JNE, 2, nr, (int16_t)(sizeof(inc) / sizeof(inc[0]))),
	};
	const struct userbpf_insn tail[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };
	struct userbpf_insn p[sizeof(head) / sizeof(head[0]) + sizeof(inc) / sizeof(inc[0]) +
			      sizeof(tail) / sizeof(tail[0])];
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_TRACEPOINT,
		     .name = "routed_raw");

	memcpy(p, head, sizeof(head));
	memcpy(p + sizeof(head) / sizeof(head[0]), inc, sizeof(inc));
	memcpy(p + (sizeof(head) + sizeof(inc)) / sizeof(p[0]), tail, sizeof(tail));
	return userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
}

static bool shared_map(void)
{
	USERBPF_OPTS(userbpf_map_create_opts, mo, .map_flags = USERBPF_F_MMAPABLE);
	size_t size = 0;

	if (!map)
		map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "routed", 4, 8, SLOTS, &mo);
	slot = map ? userbpf_map__mmap_ptr(map, &size) : NULL;
	if (!slot || size < SLOTS * 8)
		return false;
	memset((void *)slot, 0, SLOTS * 8);
	return true;
}

/* attach tp with a counter at slot k; errno or 0 */
static int attach(const char *tp, int k)
{
	struct userbpf_prog *prog = counter(k);

	return prog && userbpf_probe__attach_syscall(prog, tp, NULL) ? 0 : errno ? errno : ENOMEM;
}

static void *plain_thread(void *arg)
{
	return arg;
}

static void *raw_exit_thread(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 42);
	return NULL;
}

/* set_robust_list (slots 0-1), rseq (2-3), exit (4-5), raw_syscalls
 * set_robust_list (6): threads */
static void child_threads(int fd)
{
	struct userbpf_prog *raw;
	int64_t out[4] = { 0 };
	pthread_t t[5];
	int i;

	out[0] = attach("syscalls/sys_enter_set_robust_list", 0);
	if (!out[0])
		out[0] = attach("syscalls/sys_enter_rseq", 2);
	if (!out[0])
		out[0] = attach("syscalls/sys_enter_exit", 4);
	out[3] = probe_sc_filters(); /* the raw link adds one: read has an unproved site */
	raw = raw_counter(6, SYS_set_robust_list);
	if (!out[0] && !(raw && userbpf_probe__attach_syscall(raw, "raw_syscalls/sys_enter", NULL)))
		out[0] = errno ? errno : ENOMEM;
	for (i = 0; !out[0] && i < 4; i++)
		out[1] += !pthread_create(&t[i], NULL, plain_thread, NULL) &&
			  !pthread_join(t[i], NULL);
	if (!out[0] && !pthread_create(&t[4], NULL, raw_exit_thread, NULL))
		out[2] = !pthread_join(t[4], NULL);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_routed_thread_start_and_exit)
{
	int64_t v[4];

	ASSERT_TRUE(shared_map());
	ASSERT_EQ(probe_fixture_child(child_threads, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 0);
	ASSERT_EQ(v[1], 4);
	ASSERT_EQ(v[2], 1);
	ASSERT_EQ(v[3], 0); /* never trapped: no filter */
	/* each new thread's set_robust_list, from start_thread's rewritten site */
	ASSERT_EQ(slot[0], 5);
	ASSERT_EQ(slot[6], 5);		 /* raw_syscalls/sys_enter sees them too */
	if (&__rseq_size && __rseq_size) /* glibc registers rseq per thread */
		ASSERT_EQ(slot[2], 5);
	/* the raw exit(42); glibc's own thread end (start_thread's exit, a
	 * site a branch lands in) is not rewritten and not seen */
	ASSERT_TRUE(slot[4] >= 1);
	ASSERT_EQ(slot[5], 42);
}

/* exit_group (slots 0-1): syscall() (a rewritten dynamic site), or _exit
 * (libc's sites a branch lands in: the filter's trap) */
static void child_exit_group(int fd, bool raw)
{
	int64_t out[2] = { 0 };

	out[0] = attach("syscalls/sys_enter_exit_group", 0);
	out[1] = (int64_t)atomic_load(&probe_sc_traps);
	if (write(fd, out, sizeof(out)) != sizeof(out))
		_exit(2);
	if (raw)
		syscall(SYS_exit_group, 0);
	_exit(0);
}

static void child_exit_group_raw(int fd)
{
	child_exit_group(fd, true);
}

static void child_exit_group_libc(int fd)
{
	child_exit_group(fd, false);
}

TEST(syscall_routed_exit_group)
{
	int64_t v[2];

	ASSERT_TRUE(shared_map());
	ASSERT_EQ(probe_fixture_child(child_exit_group_raw, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 0);
	ASSERT_EQ(slot[0], 1);
	ASSERT_EQ(slot[1], 0); /* the exit code */
	ASSERT_TRUE(shared_map());
	ASSERT_EQ(probe_fixture_child(child_exit_group_libc, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 0);
	ASSERT_EQ(slot[0], 1);
}

/* execve enter (0-1) and exit (2-3), execveat enter (4-5) and exit (6-7) */
static void child_exec(int fd)
{
	static char a0[] = "/nonexistent/userbpf-routed", a1[] = "true";
	char *argv[] = { a0, NULL }, *targv[] = { a1, NULL };
	int64_t out[8] = { 0 };
	uint64_t args[6] = { (uint64_t)(uintptr_t)a0, (uint64_t)(uintptr_t)argv,
			     (uint64_t)(uintptr_t)environ };
	pid_t pid;
	int st = -1, nx;

	out[0] = attach("syscalls/sys_enter_execve", 0);
	if (!out[0])
		out[0] = attach("syscalls/sys_exit_execve", 2);
	if (!out[0])
		out[0] = attach("syscalls/sys_enter_execveat", 4);
	if (!out[0])
		out[0] = attach("syscalls/sys_exit_execveat", 6);
	if (out[0])
		probe_fixture_report(fd, out, sizeof(out));
	execve(a0, argv, environ); /* libc's site: enter 1, exit -ENOENT */
	out[1] = (int64_t)slot[0];
	syscall(SYS_execve, a0, argv, environ); /* a dynamic site: 2 */
	out[2] = (int64_t)slot[0];
	/* execveat(fd, "", ..., AT_EMPTY_PATH) of a file no one may run: EACCES */
	nx = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nx >= 0)
		fexecve(nx, argv, environ);
	out[3] = (int64_t)slot[4];
	/* the host fires its own hooks around libc's call: once, not twice */
	userbpf_probe__exec_enter(SYS_execve, args);
	execve(a0, argv, environ);
	userbpf_probe__exec_exit(SYS_execve, -errno);
	out[4] = (int64_t)slot[0] << 16 | (int64_t)slot[2];
	/* posix_spawn's child (CLONE_VM|CLONE_VFORK): fired there, on a
	 * stack of its own (not before: 3); a missing file fires the exit
	 * with -ENOENT there too */
	if (!posix_spawn(&pid, "/bin/true", NULL, NULL, targv, environ))
		waitpid(pid, &st, 0);
	out[5] = st;
	out[6] = (int64_t)slot[0];
	if (posix_spawn(&pid, a0, NULL, NULL, argv, environ) == ENOENT)
		out[6] |= (int64_t)slot[0] << 16 | (int64_t)slot[2] << 32;
	/* a forked child's successful exec: its enter, in the shared map */
	pid = fork();
	if (!pid) {
		execve("/bin/true", targv, environ);
		_exit(9);
	}
	st = -1;
	if (pid > 0)
		waitpid(pid, &st, 0);
	out[7] = st << 16 | (int64_t)slot[0];
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_routed_execve_sites)
{
	int64_t v[8];

	ASSERT_TRUE(shared_map());
	ASSERT_EQ(probe_fixture_child(child_exec, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 0);
	ASSERT_EQ(v[1], 1);
	ASSERT_EQ(v[2], 2);
	ASSERT_EQ(v[3], 1);	      /* fexecve's execveat */
	ASSERT_EQ(v[4], 3 << 16 | 3); /* the host's attempt: one enter, one exit */
	ASSERT_EQ(v[5], 0);	      /* /bin/true exited 0 */
	/* posix_spawn's exec: its enter; then the failed one's enter and exit */
	ASSERT_EQ(v[6], 4ll << 32 | 5 << 16 | 4);
	ASSERT_EQ(v[7], 0 << 16 | 6);	      /* the forked child's exec: exit 0, enter seen */
	ASSERT_EQ((int64_t)slot[3], -ENOENT); /* the last exit's ret */
	ASSERT_EQ((int64_t)slot[7], -EACCES);
	ASSERT_EQ(slot[6], 1);
}

/*
 * posix_spawn from 4 threads at once, 25 each: their children share the
 * kept stack of the exec hooks (exec_child_run) one at a time, and a
 * child that finds it taken runs on a stack of its own: every enter is
 * fired once (100), every child exits 0.
 */
#define SPAWN_THREADS 4
#define SPAWN_EACH 25

static void *spawn_thread(void *arg)
{
	static char a0[] = "true";
	char *argv[] = { a0, NULL };
	intptr_t ok = 0;
	int i, st;

	(void)arg;
	for (i = 0; i < SPAWN_EACH; i++) {
		pid_t pid;

		if (!posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) &&
		    waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st))
			ok++;
	}
	return (void *)ok;
}

static void child_spawn_threads(int fd)
{
	int64_t out[3] = { 0 };
	pthread_t t[SPAWN_THREADS];
	int i;

	out[0] = attach("syscalls/sys_enter_execve", 0);
	for (i = 0; !out[0] && i < SPAWN_THREADS; i++)
		if (pthread_create(&t[i], NULL, spawn_thread, NULL))
			out[0] = -1;
	while (!out[0] && i--) {
		void *ok;

		pthread_join(t[i], &ok);
		out[1] += (intptr_t)ok;
	}
	out[0] = out[0] ? out[0] : (int64_t)slot[0];
	out[2] = (int64_t)atomic_load(&probe_exec_stacks_mapped);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_routed_execve_spawn_threads)
{
	int64_t v[3];

	ASSERT_TRUE(shared_map());
	ASSERT_EQ(probe_fixture_child(child_spawn_threads, v, sizeof(v)), 0);
	ASSERT_EQ(v[1], SPAWN_THREADS * SPAWN_EACH); /* every child exited 0 */
	ASSERT_EQ(v[0], SPAWN_THREADS * SPAWN_EACH); /* every enter, once */
	/* the kept stack, plus one per child that found it taken */
	ASSERT_TRUE(v[2] >= 1 && v[2] <= SPAWN_THREADS * SPAWN_EACH);
	fprintf(stderr, "spawn threads: %lld of %d enters mapped a stack of their own\n",
		(long long)v[2] - 1, SPAWN_THREADS * SPAWN_EACH);
}
