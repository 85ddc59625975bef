/* SPDX-License-Identifier: MIT */
/*
 * dstats.c - run by test_launch.c: BPF_ENABLE_STATS.  A uprobe on a
 * function of this binary runs 3 times with statistics off (run_cnt
 * stays 0), 5 times while the descriptor of bpf_enable_stats() is open
 * (run_cnt 5, run_time_ns > 0), 2 times after it is closed (still 5);
 * an unknown statistics type is EINVAL.  With arguments, runs them as a
 * command at the end (bpftool in the same domain).  The same binary on
 * the kernel is the oracle.
 * "dstats many N": N socket filters loaded and alive at once, each run
 * once (BPF_PROG_TEST_RUN) with statistics on: how many count the run.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static int many(int n)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char pkt[64] = { 0 };
	struct rlimit rl;
	int *fds = calloc((size_t)n, sizeof(*fds)), i, sfd, loaded = 0, counted = 0;

	/* n descriptors open at once */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (!fds || sfd < 0)
		return 2;
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = pkt, .data_size_in = sizeof(pkt));

		fds[i] = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "st_many", "GPL", insns, 2,
				       NULL);
		if (fds[i] < 0)
			break;
		loaded++;
		if (bpf_prog_test_run_opts(fds[i], &to))
			return 3;
	}
	for (i = 0; i < loaded; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fds[i], &info, &len) && info.run_cnt == 1)
			counted++;
		close(fds[i]);
	}
	close(sfd);
	printf("programs loaded: %d, run once each and counted: %d\n", loaded, counted);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "st_ping");
	struct dstats_bpf *skel;
	struct bpf_link *link;
	int i, fd, bad, pfd;

	if (argc == 3 && !strcmp(argv[1], "many"))
		return many(atoi(argv[2]));
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
