/* SPDX-License-Identifier: MIT */
/*
 * test_robust.c - probes under signals and forks: a probed function
 * called from a signal handler that interrupts the same function (and
 * the probe's own run) on the same thread, with entry and return probes,
 * in trampoline and breakpoint mode: every call returns the right value
 * and is either run or counted as a miss (hits + misses = calls, exactly);
 * a forked child keeps running its probes on its own copies.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

long probe_r_sig(long a, long b);
long probe_r_bp(long a, long b);
long probe_r_fork(long a, long b);
#define ROBUST_FN(name)                                                                            \
	".globl " #name "\n.type " #name ",@function\n" #name ":\n"                                \
	" push %rbp\n mov %rsp,%rbp\n lea (%rdi,%rsi),%rax\n pop %rbp\n ret\n"                     \
	".size " #name ",.-" #name "\n"
__asm__(".text\n" ROBUST_FN(probe_r_sig) ROBUST_FN(probe_r_bp) ROBUST_FN(probe_r_fork));

/* map[0] += 1 */
static struct userbpf_prog *counter(struct userbpf_map **mapp)
{
	struct userbpf_map *map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "cnt", 4, 8, 1, NULL);
	struct userbpf_insn p[] = {
		USERBPF_ST_MEM(USERBPF_W, 10, -4, 0),
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_REG(2, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),
		USERBPF_CALL_HELPER(1),
		USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 2),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_KPROBE,
		     .name = "counter");

	*mapp = map;
	return map ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
}

static uint64_t count(struct userbpf_map *m)
{
	uint32_t k = 0;
	uint64_t v = 0;

	userbpf_map__lookup_elem(m, &k, &v, 0);
	return v;
}

static long (*volatile sig_target)(long, long);
static volatile long handler_calls, handler_bad;

static void on_alarm(int sig)
{
	(void)sig;
	if (sig_target(handler_calls, 7) != handler_calls + 7)
		handler_bad++;
	handler_calls++;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Calls from the main loop and from SIGALRM handlers interrupting it. */
static void signal_run(long (*fn)(long, long), int mode, long want_handler)
{
	struct userbpf_map *em = NULL, *rm = NULL;
	struct userbpf_prog *ep = counter(&em), *rp = counter(&rm);
	struct userbpf_link *e, *r;
	struct itimerval it = { { 0, 300 }, { 0, 300 } };
	struct sigaction sa, old;
	long main_calls = 0, main_bad = 0, total;
	uint64_t t0;
	USERBPF_OPTS(userbpf_uprobe_opts, o, .mode = (uint32_t)mode);

	ASSERT_TRUE(ep && rp);
	e = userbpf_probe__attach_uprobe(ep, NULL, NULL, (uintptr_t)fn, false, &o);
	r = userbpf_probe__attach_uprobe(rp, NULL, NULL, (uintptr_t)fn, true, &o);
	ASSERT_TRUE(e && r);
	ASSERT_EQ(userbpf_link__mode(e), mode);
	sig_target = fn;
	handler_calls = handler_bad = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = mono_ms();
	while (handler_calls < want_handler && mono_ms() - t0 < 3000) {
		if (fn(main_calls, 1) != main_calls + 1)
			main_bad++;
		main_calls++;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &old, NULL);
	total = main_calls + handler_calls;
	ASSERT_EQ(main_bad, 0);
	ASSERT_EQ(handler_bad, 0);
	ASSERT_TRUE(handler_calls > 0);
	/* each call ran the program or was skipped as nested: none lost */
	ASSERT_EQ(count(em), userbpf_link__hits(e));
	ASSERT_EQ(userbpf_link__hits(e) + userbpf_link__misses(e), total);
	ASSERT_EQ(count(rm), userbpf_link__hits(r));
	ASSERT_EQ(userbpf_link__hits(r) + userbpf_link__misses(r), total);
	if (test_verbose())
		printf("  %ld calls, %ld from handlers, %llu/%llu skipped as nested\n", total,
		       handler_calls, (unsigned long long)userbpf_link__misses(e),
		       (unsigned long long)userbpf_link__misses(r));
	userbpf_link__destroy(e);
	userbpf_link__destroy(r);
	userbpf_prog__put(ep);
	userbpf_prog__put(rp);
	userbpf_map__put(em);
	userbpf_map__put(rm);
}

TEST(robust_signal_handler_trampoline)
{
	signal_run(probe_r_sig, USERBPF_PROBE_TRAMPOLINE, 300);
}

TEST(robust_signal_handler_breakpoint)
{
	signal_run(probe_r_bp, USERBPF_PROBE_BREAKPOINT, 40);
}

TEST(robust_fork_child_keeps_probes)
{
	struct userbpf_map *m = NULL;
	struct userbpf_prog *p = counter(&m);
	struct userbpf_link *l;
	long (*volatile fn)(long, long) = probe_r_fork;
	int st, fds[2], i;
	uint64_t child_count = 0;
	pid_t c;

	ASSERT_TRUE(p);
	l = userbpf_probe__attach_uprobe(p, NULL, NULL, (uintptr_t)probe_r_fork, true, NULL);
	ASSERT_TRUE(l);
	for (i = 0; i < 3; i++)
		fn(i, 1);
	ASSERT_OK(pipe(fds));
	c = fork();
	if (c == 0) {
		for (i = 0; i < 10; i++)
			if (fn(i, 2) != i + 2)
				_exit(2);
		child_count = count(m);
		_exit(write(fds[1], &child_count, 8) == 8 ? 0 : 3);
	}
	ASSERT_TRUE(c > 0);
	close(fds[1]);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(fn(i, 3), i + 3);
	ASSERT_EQ(read(fds[0], &child_count, 8), 8);
	close(fds[0]);
	ASSERT_EQ(waitpid(c, &st, 0), c);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_EQ(child_count, 3 + 10); /* its copy: the parent's 3, then its 10 */
	ASSERT_EQ(count(m), 3 + 5);	/* ours: the child's calls are not here */
	userbpf_link__destroy(l);
	userbpf_prog__put(p);
	userbpf_map__put(m);
}
