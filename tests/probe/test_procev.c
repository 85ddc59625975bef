/* SPDX-License-Identifier: MIT */
/*
 * test_procev.c - process events in process (tests/probe/procev.bpf.c):
 * sched_process_exec with its __data_loc filename, pid and old_pid;
 * sched_process_exit with comm, pid, prio and group_dead; sched_process_fork
 * fired in the child with parent and child pids and the child's comm;
 * detach stops them; an unknown sched tracepoint fails with ENOENT; the
 * exits nobody announces (a thread, _exit(), exit_group, signals), and
 * at a group exit one event per thread, each run on its thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

static uint64_t got(struct userbpf_object *obj, uint32_t key)
{
	return probe_fixture_value(obj, "got", key);
}

static uint64_t str8(const char *s)
{
	uint64_t v = 0;
	size_t n = strnlen(s, 8);

	memcpy(&v, s, n);
	return v;
}

static struct userbpf_link *attach(struct userbpf_object *obj, const char *name)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, name);

	return p ? userbpf_program__attach_opts(p, NULL) : NULL;
}

TEST(procev_exec_exit_records)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	struct userbpf_link *le, *lx;
	char name[17] = "", want[17] = "";

	if (!obj)
		return;
	le = attach(obj, "on_exec");
	lx = attach(obj, "on_exit");
	ASSERT_TRUE(le && lx);
	ASSERT_OK(userbpf_probe__process_exec("/usr/bin/whatever", 4242));
	ASSERT_EQ(got(obj, 0), 1);
	ASSERT_EQ(got(obj, 1), getpid());
	ASSERT_EQ(got(obj, 2), 4242);
	ASSERT_EQ(got(obj, 3), str8("/usr/bin"));
	ASSERT_OK(userbpf_probe__process_exec("/sbin/xyz", 0));
	ASSERT_EQ(got(obj, 2), getpid());
	ASSERT_EQ(got(obj, 3), str8("/sbin/xy"));
	ASSERT_ERR(userbpf_probe__process_exec(NULL, 0), -EINVAL);

	prctl(PR_GET_NAME, name, 0, 0, 0);
	memcpy(want, name, 8);
	ASSERT_OK(userbpf_probe__process_exit(true));
	ASSERT_EQ(got(obj, 4), 1);
	ASSERT_EQ(got(obj, 5), syscall(SYS_gettid));
	ASSERT_EQ(got(obj, 6), 120 << 8 | 1);
	ASSERT_EQ(got(obj, 7), str8(want));
	ASSERT_EQ(userbpf_link__hits(le), 2);

	userbpf_link__destroy(le);
	userbpf_probe__process_exec("/after/detach", 0);
	ASSERT_EQ(got(obj, 0), 2);
	ASSERT_EQ(userbpf_link__hits(lx), 1);
	userbpf_link__destroy(lx);
	userbpf_object__close(obj);
}

TEST(procev_fork_in_child)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	struct userbpf_link *lf;
	int status, fds[2];
	uint64_t vals[4] = { 0 };
	pid_t child;

	if (!obj)
		return;
	lf = attach(obj, "on_fork");
	ASSERT_TRUE(lf);
	ASSERT_OK(pipe(fds));
	child = fork();
	if (child == 0) {
		uint32_t k;

		for (k = 0; k < 4; k++)
			vals[k] = got(obj, 8 + k);
		if (write(fds[1], vals, sizeof(vals)) != sizeof(vals))
			_exit(2);
		_exit(0);
	}
	ASSERT_TRUE(child > 0);
	close(fds[1]);
	ASSERT_EQ(read(fds[0], vals, sizeof(vals)), sizeof(vals));
	close(fds[0]);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_EQ(vals[0], 1);
	ASSERT_EQ(vals[1], getpid());
	ASSERT_EQ(vals[2], child);
	{
		char name[17] = "";

		prctl(PR_GET_NAME, name, 0, 0, 0);
		ASSERT_EQ(vals[3], str8(name));
	}
	ASSERT_EQ(got(obj, 8), 0); /* the parent's maps are untouched */
	userbpf_link__destroy(lf);
	userbpf_object__close(obj);
}

TEST(procev_unknown_tracepoint)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	struct userbpf_program *p;
	char err[128] = "";
	USERBPF_OPTS(userbpf_uprobe_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	if (!obj)
		return;
	p = userbpf_object__find_program_by_name(obj, "on_exec");
	ASSERT_TRUE(!userbpf_probe__attach_tracepoint(userbpf_program__prog(p), "sched",
						      "sched_switch", &o));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_CONTAINS(err, "sched/sched_switch");
	userbpf_object__close(obj);
}

/* ==== Exits nobody announces: threads, _exit(), signals ==== */

static int shared_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

#define LOOKUP(K, SKIP)                                                                            \
	USERBPF_ST_MEM(USERBPF_W, 10, -4, K), USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),   \
		USERBPF_MOV64_REG(2, 10), USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),                   \
		USERBPF_CALL_HELPER(1), USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, SKIP)

static volatile int *volatile bad_ptr;

static void *exiting_thread(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

/*
 * In a child with an exit link (on a shared BPF_F_MMAPABLE array, so the
 * grandchildren's events are seen): a thread that returns, a grandchild
 * that calls _exit(), one that calls syscall(SYS_exit_group), one killed
 * by SIGTERM, one by SIGSEGV.  Reports the
 * event count, how many had group_dead, the sum of their pids, the sum
 * expected, and the grandchildren's wait statuses ok (1).
 */
static void exits_child(int fd)
{
	struct userbpf_map *m = userbpf_map__create(
		USERBPF_MAP_TYPE_ARRAY, "ex", 4, 8, 4,
		&(struct userbpf_map_create_opts){ .sz = sizeof(struct userbpf_map_create_opts),
						   .map_flags = USERBPF_F_MMAPABLE });
	/* map[0]++; map[1] += group_dead (ctx 32); map[2] += pid (ctx 24) */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		LOOKUP(0, 2),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		LOOKUP(1, 2),
		USERBPF_LDX_MEM(USERBPF_B, 1, 6, 32),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		LOOKUP(2, 2),
		USERBPF_LDX_MEM(USERBPF_W, 1, 6, 24),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = shared_map, .ld_imm64_cookie = m,
		     .prog_type = USERBPF_PROG_TYPE_TRACEPOINT, .name = "ex");
	struct userbpf_prog *prog = m ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
	uint64_t out[6] = { 0 }, expect = 0, v;
	pthread_t t;
	pid_t g, tid = 0;
	int st, ok = 1;
	uint32_t k;

	if (!prog || !userbpf_probe__attach_tracepoint(prog, "sched", "sched_process_exit", NULL))
		out[5] = (uint64_t)errno ? (uint64_t)errno : 1;
	/* a thread that ends: its tid, group_dead 0 */
	if (!pthread_create(&t, NULL, exiting_thread, &tid)) {
		pthread_join(t, NULL);
		expect += (uint64_t)tid;
	}
	/* _exit(): exit_group made by libc */
	g = fork();
	if (g == 0)
		_exit(3);
	expect += (uint64_t)g;
	ok &= waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 3;
	/* exit_group through libc's syscall(): a dynamic syscall site */
	g = fork();
	if (g == 0)
		syscall(SYS_exit_group, 4);
	expect += (uint64_t)g;
	ok &= waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 4;
	/* killed by SIGTERM, and by a fault */
	g = fork();
	if (g == 0) {
		kill(getpid(), SIGTERM);
		_exit(99);
	}
	expect += (uint64_t)g;
	ok &= waitpid(g, &st, 0) == g && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
#ifndef __SANITIZE_ADDRESS__ /* ASan's SIGSEGV handler reports and exits */
	g = fork();
	if (g == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		*bad_ptr = 1; /* a fault: NULL */
		_exit(99);
	}
	expect += (uint64_t)g;
	ok &= waitpid(g, &st, 0) == g && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
#endif
	for (k = 0; k < 3; k++) {
		v = 0;
		userbpf_map__lookup_elem(m, &k, &v, 0);
		out[k] = v;
	}
	out[3] = expect;
	out[4] = (uint64_t)ok;
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(procev_exit_thread_exit_group_signal)
{
	uint64_t v[6];

	ASSERT_EQ(probe_fixture_child(exits_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[5], 0); /* attach */
	ASSERT_EQ(v[4], 1); /* the grandchildren ended as they would untraced */
#ifdef __SANITIZE_ADDRESS__
	ASSERT_EQ(v[0], 4); /* the thread, _exit(), syscall(SYS_exit_group), SIGTERM */
	ASSERT_EQ(v[1], 3); /* all but the thread end their process */
#else
	ASSERT_EQ(v[0], 5); /* the thread, _exit(), syscall(SYS_exit_group), SIGTERM, SIGSEGV */
	ASSERT_EQ(v[1], 4); /* all but the thread end their process */
#endif
	ASSERT_EQ(v[2], v[3]);
}

/* ==== A group exit: one event per thread, on that thread ==== */

/* What the grandchildren of group_exit_child share (MAP_SHARED). */
struct gx_shared {
	_Atomic int ready;
	pid_t tids[4];
	int pipe_rd;
	_Atomic int spin;
};

static struct gx_shared *gx;

/* Threads of a grandchild: one blocked in read(), one spinning, one in
 * nanosleep; each writes its tid first. */
static void *gx_worker(void *arg)
{
	long k = (long)arg;
	char c;

	gx->tids[k] = (pid_t)syscall(SYS_gettid);
	atomic_fetch_add(&gx->ready, 1);
	if (k == 0)
		while (read(gx->pipe_rd, &c, 1) < 0)
			;
	else if (k == 1)
		while (atomic_load(&gx->spin))
			;
	else
		for (;;)
			usleep(1000);
	return NULL;
}

/* 3 more threads (their tids in gx->tids[0..2]); then ready == 3. */
static void gx_start(void)
{
	pthread_t t;
	long k;

	atomic_store(&gx->ready, 0);
	atomic_store(&gx->spin, 1);
	for (k = 0; k < 3; k++)
		pthread_create(&t, NULL, gx_worker, (void *)k);
	while (atomic_load(&gx->ready) < 3)
		sched_yield();
}

static void *gx_exit_group_thread(void *arg)
{
	(void)arg;
	gx->tids[3] = (pid_t)syscall(SYS_gettid);
	syscall(SYS_exit_group, 6);
	return NULL;
}

/*
 * In a child with an exit link on a shared array: three grandchildren of
 * four threads each end - main calls _exit(); a fourth thread calls
 * syscall(SYS_exit_group) while main waits in pthread_join; main raises
 * SIGTERM.  Reports the event count, the group_dead count, the sum of the
 * records' pids, how many runs saw bpf_get_current_pid_tgid()'s thread id
 * equal to the record's pid, the expected pid sum, and the wait statuses
 * ok (1).
 */
static void group_exit_child(int fd)
{
	struct userbpf_map *m = userbpf_map__create(
		USERBPF_MAP_TYPE_ARRAY, "gx", 4, 8, 4,
		&(struct userbpf_map_create_opts){ .sz = sizeof(struct userbpf_map_create_opts),
						   .map_flags = USERBPF_F_MMAPABLE });
	/* map[0]++; map[1] += group_dead; map[2] += pid; map[3] += (tid == pid) */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		LOOKUP(0, 2),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		LOOKUP(1, 2),
		USERBPF_LDX_MEM(USERBPF_B, 1, 6, 32),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		LOOKUP(2, 2),
		USERBPF_LDX_MEM(USERBPF_W, 1, 6, 24),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_CALL_HELPER(14), /* bpf_get_current_pid_tgid */
		USERBPF_MOV32_REG(7, 0),
		USERBPF_LDX_MEM(USERBPF_W, 1, 6, 24),
		USERBPF_JMP_REG(USERBPF_JNE, 7, 1, 9),
		LOOKUP(3, 2),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = shared_map, .ld_imm64_cookie = m,
		     .prog_type = USERBPF_PROG_TYPE_TRACEPOINT, .name = "gx");
	struct userbpf_prog *prog = m ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
	uint64_t out[7] = { 0 }, expect = 0, v;
	int st, ok = 1, pfd[2], round, k;
	uint32_t key;
	pid_t g;

	gx = mmap(NULL, sizeof(*gx), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!prog || gx == MAP_FAILED || pipe(pfd) ||
	    !userbpf_probe__attach_tracepoint(prog, "sched", "sched_process_exit", NULL))
		out[6] = (uint64_t)errno ? (uint64_t)errno : 1;
	gx->pipe_rd = pfd[0];
	for (round = 0; round < 3 && !out[6]; round++) {
		gx->tids[3] = 0;
		g = fork();
		if (g == 0) {
			pthread_t t;

			gx_start();
			if (round == 0)
				_exit(5);
			if (round == 1) {
				pthread_create(&t, NULL, gx_exit_group_thread, NULL);
				pthread_join(t, NULL); /* never returns */
			}
			kill(getpid(), SIGTERM);
			_exit(99);
		}
		ok &= waitpid(g, &st, 0) == g;
		ok &= round == 0 ? WIFEXITED(st) && WEXITSTATUS(st) == 5 :
		      round == 1 ? WIFEXITED(st) && WEXITSTATUS(st) == 6 :
				   WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
		expect += (uint64_t)g;
		for (k = 0; k < 4; k++)
			expect += (uint64_t)gx->tids[k];
	}
	for (key = 0; key < 4; key++) {
		v = 0;
		userbpf_map__lookup_elem(m, &key, &v, 0);
		out[key] = v;
	}
	out[4] = expect;
	out[5] = (uint64_t)ok;
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(procev_exit_group_every_thread)
{
	uint64_t v[7];

	ASSERT_EQ(probe_fixture_child(group_exit_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[6], 0); /* attach */
	ASSERT_EQ(v[5], 1); /* the grandchildren ended as they would untraced */
	/* _exit(): 4 threads; exit_group from a 5th thread: 5; SIGTERM: 4 */
	ASSERT_EQ(v[0], 13);
	ASSERT_EQ(v[1], 3);    /* one group_dead per process */
	ASSERT_EQ(v[2], v[4]); /* each thread once */
	ASSERT_EQ(v[3], 13);   /* every run on the thread its record names */
}
