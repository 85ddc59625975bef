/* SPDX-License-Identifier: MIT */
/*
 * dstack.c - run by tests/launch/test_arena.c in a domain: the user
 * stack a program sees (bpf_get_stack, bpf_get_stackid with
 * BPF_F_USER_STACK) is the same with run statistics (BPF_ENABLE_STATS)
 * off and on: the statistics' wrapper around each run adds no frame.
 * Twice, once with statistics off and once on, from the same call
 * sites: a child's execve (sys_enter_execve program) and a test run
 * (raw_tp program, BPF_PROG_TEST_RUN).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dstack.h"
#include "dstack.skel.h"

/* One round (statistics on or off) from the same call sites. */
__attribute__((noinline)) static int round_trip(struct dstack_bpf *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int st;
	pid_t kid;

	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		skel->bss->target_pid = getpid();
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return bpf_prog_test_run_opts(bpf_program__fd(skel->progs.on_run), &topts);
}

static void compare(const char *what, const struct dstack_rec *off, const struct dstack_rec *on)
{
	printf("%s: frames %s, same with statistics on: %s, same stack id: %s\n", what,
	       off->n > 0 ? "> 0" : "none",
	       off->n == on->n && !memcmp(off->ips, on->ips, sizeof(off->ips)) ? "yes" : "no",
	       off->id >= 0 && off->id == on->id ? "yes" : "no");
	if (off->n != on->n)
		fprintf(stderr, "%s: %lld bytes off, %lld on\n", what, off->n, on->n);
}

int main(void)
{
	struct dstack_rec r[4];
	struct dstack_bpf *skel;
	__u32 k;
	int fd;

	skel = dstack_bpf__open_and_load();
	if (!skel || dstack_bpf__attach(skel))
		return 1;
	skel->bss->slot = 0;
	if (round_trip(skel))
		return 2;
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0)
		return 3;
	skel->bss->slot = 1;
	if (round_trip(skel))
		return 4;
	close(fd);
	for (k = 0; k < 4; k++)
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.recs), &k, &r[k]))
			return 5;
	compare("execve tracepoint", &r[0], &r[1]);
	compare("test run", &r[2], &r[3]);
	dstack_bpf__destroy(skel);
	return 0;
}
