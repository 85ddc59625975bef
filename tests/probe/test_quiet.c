/* SPDX-License-Identifier: MIT */
/*
 * test_quiet.c - userbpf_probe__thread_quiet: a host's own service thread
 * (an agent's poller, launch's sync thread) runs no probe, counts no miss
 * and has no sched_process_exit event, even when a process exit comes
 * before the thread could say it is quiet (it starts with signals
 * blocked, as the contract asks).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

long ustk_top(long a); /* test_uprobe_stack.c */
static long (*volatile call_top)(long) = ustk_top;

/* A thread made quiet (userbpf_probe__thread_quiet: a host's service
 * thread) runs no probe and counts no miss; the same thread runs them
 * again once it is not. */
static void *quiet_thread(void *arg)
{
	struct userbpf_link *l = arg;
	uint64_t *res = malloc(3 * sizeof(*res));

	userbpf_probe__thread_quiet(true);
	call_top(1);
	res[0] = userbpf_link__hits(l);
	res[1] = userbpf_link__misses(l);
	userbpf_probe__thread_quiet(false);
	call_top(1);
	res[2] = userbpf_link__hits(l);
	return res;
}

TEST(uprobe_quiet_thread)
{
	struct userbpf_object *obj = probe_fixture_open("ustack");
	struct userbpf_link *l;
	pthread_t t;
	uint64_t *res = NULL;

	if (!obj)
		return;
	l = userbpf_probe__attach_uprobe(
		userbpf_program__prog(userbpf_object__find_program_by_name(obj, "on_entry")), NULL,
		"ustk_leaf", 0, false, NULL);
	ASSERT_TRUE(l != NULL);
	ASSERT_EQ(pthread_create(&t, NULL, quiet_thread, l), 0);
	ASSERT_EQ(pthread_join(t, (void **)&res), 0);
	ASSERT_EQ(res[0], 0); /* quiet: not run */
	ASSERT_EQ(res[1], 0); /* and not a miss */
	ASSERT_EQ(res[2], 1); /* then run */
	free(res);
	userbpf_link__destroy(l);
	userbpf_object__close(obj);
}

/* A quiet thread started the contract's way; it then waits forever. */
static sigset_t creator_mask;

static void *quiet_sleeper(void *arg)
{
	(void)arg;
	userbpf_probe__thread_quiet(true);
	pthread_sigmask(SIG_SETMASK, &creator_mask, NULL);
	for (;;)
		pause();
	return NULL;
}

static int start_quiet(void)
{
	sigset_t all;
	pthread_t t;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &creator_mask);
	err = pthread_create(&t, NULL, quiet_sleeper, NULL);
	pthread_sigmask(SIG_SETMASK, &creator_mask, NULL);
	return err;
}

/*
 * 20 group exits (userbpf_probe__process_exit(true), as the agent's exit
 * paths call it), each right after a quiet thread is created, before it
 * may have run: each fires the caller's event only.  Reports the count,
 * whether every event was the caller's, and the attach result.
 */
static void quiet_exit_child(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("procev");
	uint64_t out[3] = { 0 };
	int k;

	if (!obj ||
	    !userbpf_probe__attach_tracepoint(
		    userbpf_program__prog(userbpf_object__find_program_by_name(obj, "on_exit")),
		    "sched", "sched_process_exit", NULL))
		out[2] = 1;
	out[1] = 1;
	for (k = 0; k < 20 && !out[2]; k++) {
		if (start_quiet()) {
			out[2] = 2;
			break;
		}
		userbpf_probe__process_exit(true);
		out[1] &= probe_fixture_value(obj, "got", 5) == (uint64_t)getpid();
	}
	out[0] = obj ? probe_fixture_value(obj, "got", 4) : 0;
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(procev_quiet_thread_no_exit_event)
{
	uint64_t v[3];

	ASSERT_EQ(probe_fixture_child(quiet_exit_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[2], 0);  /* attached, threads made */
	ASSERT_EQ(v[0], 20); /* one event a group exit: the caller's */
	ASSERT_EQ(v[1], 1);
}
