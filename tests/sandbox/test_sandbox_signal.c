/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_signal.c - F08 of the sandbox review: bpf_send_signal and
 * bpf_send_signal_thread must not signal the host that runs a program
 * (checked or not) unless the host opts in with USERBPF_RUN_ALLOW_SIGNAL.
 */
#include <errno.h>
#include <signal.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"

static volatile sig_atomic_t signal_hits;

static void on_usr2(int sig)
{
	(void)sig;
	signal_hits++;
}

/* r0 = helper(SIGUSR2) */
static int run_signal(uint32_t helper_id, uint32_t flags, uint64_t *r0)
{
	struct userbpf_insn insns[] = {
		USERBPF_MOV64_IMM(1, SIGUSR2),
		USERBPF_CALL_HELPER(helper_id),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_prog *prog = userbpf_prog__new(insns, 3, NULL);
	USERBPF_OPTS(userbpf_run_opts, o, .flags = flags);
	int err;

	if (!prog)
		return -errno;
	err = userbpf_prog__run(prog, &o, r0);
	userbpf_prog__free(prog);
	return err;
}

TEST(sandbox_signal_refused_without_opt_in)
{
	static const uint32_t ids[] = { 109 /* send_signal */, 117 /* send_signal_thread */ };
	struct sigaction sa = { .sa_handler = on_usr2 }, old;
	size_t i;

	ASSERT_OK(sigaction(SIGUSR2, &sa, &old));
	for (i = 0; i < 2; i++) {
		uint64_t r0 = 0;

		signal_hits = 0;
		ASSERT_OK(run_signal(ids[i], 0, &r0));
		ASSERT_EQ((int64_t)r0, -EPERM);
		ASSERT_OK(run_signal(ids[i], USERBPF_RUN_CHECKED, &r0));
		ASSERT_EQ((int64_t)r0, -EPERM);
		ASSERT_EQ(signal_hits, 0);
		/* the host opts in: the signal arrives */
		ASSERT_OK(run_signal(ids[i], USERBPF_RUN_ALLOW_SIGNAL, &r0));
		ASSERT_EQ(r0, 0);
		ASSERT_EQ(signal_hits, 1);
	}
	sigaction(SIGUSR2, &old, NULL);
}
