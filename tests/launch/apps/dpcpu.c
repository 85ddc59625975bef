/* SPDX-License-Identifier: MIT */
/*
 * dpcpu.c - run by test_launch.c in a domain: per-CPU map slots are
 * exclusive across the domain's processes.  "dpcpu N" attaches a uprobe
 * (pid -1: every process of the domain) on pc_hit, pins itself and the
 * children to one CPU, starts two children ("dpcpu hammer N", the same
 * binary, in the domain) and calls pc_hit N times itself while they do;
 * the program's non-atomic per-CPU increments must add up to 3 N.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dpcpu.h"
#include "dpcpu.skel.h"

__attribute__((noinline)) int pc_hit(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

static void hammer(long n)
{
	long i;

	for (i = 0; i < n; i++)
		pc_hit((int)i);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "pc_hit");
	struct dpcpu_bpf *skel;
	struct bpf_link *link;
	unsigned long long sum = 0, *vals;
	int ncpu, i, st, bad = 0;
	pid_t kids[2];
	cpu_set_t one;
	long n;
	__u32 k = 0;

	if (argc == 3 && !strcmp(argv[1], "hammer")) {
		hammer(atol(argv[2]));
		return 0;
	}
	if (argc != 2)
		return 1;
	n = atol(argv[1]);
	skel = dpcpu_bpf__open_and_load();
	if (!skel)
		return 2;
	link = bpf_program__attach_uprobe_opts(skel->progs.bump, -1, "/proc/self/exe", 0, &uo);
	if (!link)
		return 3;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			execl("/proc/self/exe", "dpcpu", "hammer", argv[1], (char *)NULL);
			_exit(127);
		}
	}
	hammer(n);
	for (i = 0; i < 2; i++)
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	ncpu = libbpf_num_possible_cpus();
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals || bpf_map_lookup_elem(bpf_map__fd(skel->maps.hits), &k, vals))
		return 4;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	printf("children: %s\n", bad ? "failed" : "ok");
	printf("sum %s 3N%s\n", sum == 3ull * (unsigned long long)n ? "==" : "!=",
	       sum == 3ull * (unsigned long long)n ? "" : " (lost updates)");
	if (sum != 3ull * (unsigned long long)n)
		fprintf(stderr, "sum %llu, expected %llu\n", sum, 3ull * (unsigned long long)n);
	bpf_link__destroy(link);
	dpcpu_bpf__destroy(skel);
	return 0;
}
