/* SPDX-License-Identifier: MIT */
/*
 * dstats.c - run by test_launch.c: BPF_ENABLE_STATS.  A uprobe on a
 * function of this binary runs 3 times with statistics off (run_cnt
 * stays 0), 5 times while the descriptor of bpf_enable_stats() is open
 * (run_cnt 5, run_time_ns > 0), 2 times after it is closed (still 5);
 * an unknown statistics type is EINVAL.  With arguments, runs them as a
 * command at the end (bpftool in the same domain).  The same binary on
 * the kernel is the oracle.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dstats.skel.h"

__attribute__((noinline)) int st_ping(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

static void show(const char *when, int prog_fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		printf("%s: info failed\n", when);
		return;
	}
	printf("%s: run_cnt %llu run_time_ns %s\n", when, (unsigned long long)info.run_cnt,
	       info.run_time_ns ? "> 0" : "0");
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "st_ping");
	struct dstats_bpf *skel;
	struct bpf_link *link;
	int i, fd, bad, pfd;

	skel = dstats_bpf__open_and_load();
	if (!skel)
		return 1;
	link = bpf_program__attach_uprobe_opts(skel->progs.st_probe, 0, "/proc/self/exe", 0, &uo);
	if (!link)
		return 2;
	pfd = bpf_program__fd(skel->progs.st_probe);
	for (i = 0; i < 3; i++)
		st_ping(i);
	show("off", pfd);
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0)
		return 3;
	for (i = 0; i < 5; i++)
		st_ping(i);
	show("on", pfd);
	close(fd);
	for (i = 0; i < 2; i++)
		st_ping(i);
	show("closed", pfd);
	bad = bpf_enable_stats((enum bpf_stats_type)7);
	printf("unknown type: %d errno %d\n", bad < 0 ? -1 : bad, bad < 0 ? errno : 0);
	printf("hits %llu\n", (unsigned long long)skel->bss->hits);
	fflush(stdout);
	if (argc > 1) {
		char cmd[512] = "";

		for (i = 1; i < argc; i++) {
			strncat(cmd, argv[i], sizeof(cmd) - strlen(cmd) - 2);
			strcat(cmd, " ");
		}
		if (system(cmd))
			return 4;
	}
	bpf_link__destroy(link);
	dstats_bpf__destroy(skel);
	return 0;
}
