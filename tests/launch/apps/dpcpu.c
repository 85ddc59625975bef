/* SPDX-License-Identifier: MIT */
/*
 * dpcpu.c - run by test_launch.c in a domain: per-CPU map slots are
 * exclusive across the domain's processes.  "dpcpu N" attaches a uprobe
 * (pid -1: every process of the domain) on pc_hit, pins itself and the
 * children to one CPU, starts two children ("dpcpu hammer N", the same
 * binary, in the domain) and calls pc_hit N times itself while they do;
 * the program's non-atomic per-CPU increments must add up to 3 N.
 * "dpcpu kill": a child ("dpcpu victim ID", on CPU 0) creates a map, opens
 * ours (map id ID) and is SIGKILLed in the middle of a run; then its map
 * is not listed, the slot of CPU 0 is claimable (a run of ours on CPU 0
 * gets it), our map works, and once we destroy our objects no map of
 * ours is listed (the victim's reference on it went with the victim).
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <signal.h>
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

__attribute__((noinline)) int pc_spin(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

__attribute__((noinline)) int pc_which(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

static void cpu0(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static int victim(const char *id)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "victim_map", 4, 8, 1, NULL);
	int theirs = bpf_map_get_fd_by_id((__u32)atoi(id));

	cpu0();
	if (fd < 0 || theirs < 0)
		return 1;
	printf("running\n");
	fflush(stdout);
	pc_spin(1); /* killed in the run */
	return 0;
}

static int maps_named(const char *name)
{
	__u32 cur = 0;
	int n = 0;

	while (!bpf_map_get_next_id(cur, &cur)) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(cur);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name))
			n++;
		if (fd >= 0)
			close(fd);
	}
	return n;
}

static int kill_test(void)
{
	LIBBPF_OPTS(bpf_uprobe_opts, so, .func_name = "pc_spin");
	LIBBPF_OPTS(bpf_uprobe_opts, wo, .func_name = "pc_which");
	struct bpf_link *l1, *l2;
	struct dpcpu_bpf *skel;
	int p[2], st, tries, n;
	struct bpf_map_info info;
	__u32 k = 0, cpu = 99, len = sizeof(info);
	char buf[16], id[16];
	pid_t kid;

	skel = dpcpu_bpf__open_and_load();
	if (!skel)
		return 2;
	l1 = bpf_program__attach_uprobe_opts(skel->progs.spin, -1, "/proc/self/exe", 0, &so);
	l2 = bpf_program__attach_uprobe_opts(skel->progs.which, -1, "/proc/self/exe", 0, &wo);
	memset(&info, 0, sizeof(info));
	if (!l1 || !l2 || pipe(p) ||
	    bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.seen), &info, &len))
		return 3;
	snprintf(id, sizeof(id), "%u", info.id);
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		dup2(p[1], 1);
		execl("/proc/self/exe", "dpcpu", "victim", id, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], buf, sizeof(buf)) <= 0)
		return 4;
	usleep(300000); /* in the run */
	printf("victim map listed while alive: %d\n", maps_named("victim_map"));
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	for (tries = 0; tries < 100 && (n = maps_named("victim_map")); tries++)
		usleep(10000);
	printf("victim map listed after SIGKILL: %d\n", n);
	cpu0();
	pc_which(1);
	k = bpf_map_lookup_elem(bpf_map__fd(skel->maps.seen), &k, &cpu);
	printf("our map: lookup %d, slot of CPU 0 claimable: %s\n", (int)k,
	       cpu == 0 ? "yes" : "no");
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	dpcpu_bpf__destroy(skel);
	printf("our map listed after destroy: %d\n", maps_named("seen"));
	return 0;
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

	if (argc == 3 && !strcmp(argv[1], "victim"))
		return victim(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "kill"))
		return kill_test();
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
