/* SPDX-License-Identifier: MIT */
/*
 * test_procev_blocked.c - sched_process_exit of threads that keep every
 * signal blocked when their process ends: the group exit's pass cannot
 * make them fire their own event, so after its bounded wait it fires it
 * for them (process_events.c, fire_exit_for).  In a child with an exit
 * link on a shared array, a grandchild of three threads (two blocking
 * every signal, parked in read()) calls _exit().
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"

static int map_fd0(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

struct blk_shared {
	_Atomic int ready;
	pid_t tids[2];
	int pipe_rd;
};

static struct blk_shared *blk;

/* Blocks every signal, writes its tid, waits in read() for ever. */
static void *blocking_thread(void *arg)
{
	long k = (long)arg;
	sigset_t all;
	char c;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	blk->tids[k] = (pid_t)syscall(SYS_gettid);
	atomic_fetch_add(&blk->ready, 1);
	while (read(blk->pipe_rd, &c, 1) < 0)
		;
	return NULL;
}

/* Reports: events, group_dead events, the sum of the records' pids, the
 * sum expected, the grandchild's status ok, attach errno. */
static void blocked_child(int fd)
{
	struct userbpf_map *m = userbpf_map__create(
		USERBPF_MAP_TYPE_ARRAY, "blk", 4, 8, 4,
		&(struct userbpf_map_create_opts){ .sz = sizeof(struct userbpf_map_create_opts),
						   .map_flags = USERBPF_F_MMAPABLE });
	/* map[0]++; map[1] += group_dead (ctx 32); map[2] += pid (ctx 24) */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		PROBE_FIXTURE_INC(0),
		PROBE_FIXTURE_LOOKUP(1, 2),
		USERBPF_LDX_MEM(USERBPF_B, 1, 6, 32),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		PROBE_FIXTURE_LOOKUP(2, 2),
		USERBPF_LDX_MEM(USERBPF_W, 1, 6, 24),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = map_fd0, .ld_imm64_cookie = m,
		     .prog_type = USERBPF_PROG_TYPE_TRACEPOINT, .name = "blk");
	struct userbpf_prog *prog = m ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
	uint64_t out[6] = { 0 }, v;
	int pfd[2], st;
	uint32_t k;
	pid_t g;

	blk = mmap(NULL, sizeof(*blk), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!prog || blk == MAP_FAILED || pipe(pfd) ||
	    !userbpf_probe__attach_tracepoint(prog, "sched", "sched_process_exit", NULL)) {
		out[5] = errno ? (uint64_t)errno : 1;
		probe_fixture_report(fd, out, sizeof(out));
	}
	blk->pipe_rd = pfd[0];
	g = fork();
	if (g == 0) {
		pthread_t t;
		long i;

		for (i = 0; i < 2; i++)
			pthread_create(&t, NULL, blocking_thread, (void *)i);
		while (atomic_load(&blk->ready) < 2)
			sched_yield();
		_exit(7);
	}
	out[4] = waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 7;
	out[3] = (uint64_t)g + (uint64_t)blk->tids[0] + (uint64_t)blk->tids[1];
	for (k = 0; k < 3; k++) {
		v = 0;
		userbpf_map__lookup_elem(m, &k, &v, 0);
		out[k] = v;
	}
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(procev_exit_blocked_threads)
{
	uint64_t v[6];

	ASSERT_EQ(probe_fixture_child(blocked_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[5], 0); /* attach */
	ASSERT_EQ(v[4], 1); /* the grandchild ended with its status */
	ASSERT_EQ(v[0], 3); /* main and both blocking threads */
	ASSERT_EQ(v[1], 1); /* group_dead once */
	ASSERT_EQ(v[2], v[3]);
}
