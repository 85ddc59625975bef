/* SPDX-License-Identifier: MIT */
/*
 * dprof.c - run by test_launch.c under "userbpf launch --domain D":
 * per-CPU CPU-clock sampling of every process, the way libbpf-bootstrap's
 * and bcc's "profile" open it (one perf_event_open per possible CPU with
 * pid -1, cpu N, bpf_program__attach_perf_event on each), while a child
 * started in the domain (this binary, "burn MS") and the loader burn CPU
 * time.  Prints properties of what the program counted, then the
 * program's prog info (JIT, xlated length, map ids, BTF id), then runs
 * CMD ARGS (if given) in the domain while everything is still loaded.
 * Usage: dprof [CMD ARGS...] | dprof burn MS
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_util.h"
#include "dprof.h"
#include "dprof.skel.h"

static void burn(long ms)
{
	struct timespec t0, t1;
	volatile unsigned long spin = 0;
	int i;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (i = 0; i < 100000; i++)
			spin++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The program's prog info against what libbpf knows of its object. */
static void prog_info(struct dprof_bpf *skel)
{
	struct bpf_prog_info info;
	struct bpf_map_info mi;
	uint32_t len = sizeof(info), ids[8], want[3], mlen;
	struct bpf_map *maps[3] = { skel->maps.pids, skel->maps.cpus, skel->maps.bss };
	int i, fd = bpf_program__fd(skel->progs.on_sample);
	bool same;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 8;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		printf("prog info: failed\n");
		return;
	}
	printf("jited: %s\n", info.jited_prog_len > 0 ? "yes" : "no");
	printf("xlated: %s\n",
	       info.xlated_prog_len == bpf_program__insn_cnt(skel->progs.on_sample) * 8 ? "exact" :
											  "wrong");
	for (i = 0; i < 3; i++) {
		memset(&mi, 0, sizeof(mi));
		mlen = sizeof(mi);
		bpf_obj_get_info_by_fd(bpf_map__fd(maps[i]), &mi, &mlen);
		want[i] = mi.id;
	}
	same = info.nr_map_ids == 3;
	if (same) {
		qsort(ids, 3, sizeof(ids[0]), cmp_u32);
		qsort(want, 3, sizeof(want[0]), cmp_u32);
		same = !memcmp(ids, want, sizeof(want));
	}
	printf("map_ids: %u %s\n", info.nr_map_ids, same ? "match" : "differ");
	{
		struct bpf_btf_info bi;
		uint32_t blen = sizeof(bi);

		memset(&bi, 0, sizeof(bi));
		bpf_obj_get_info_by_fd(btf__fd(bpf_object__btf(skel->obj)), &bi, &blen);
		printf("btf_id: %s\n", info.btf_id && info.btf_id == bi.id ? "match" : "differ");
	}
	printf("verified_insns: %s\n", info.verified_insns > 0 ? "yes" : "no");
}

int main(int argc, char **argv)
{
	struct bpf_link *links[DPROF_MAX_CPUS];
	struct dprof_bpf *skel;
	char self[64];
	char *burner[] = { self, "burn", "300", NULL };
	int i, fd, ncpu, opened = 0, child, me = getpid();
	uint32_t key, next, *prev = NULL;
	uint64_t cnt, child_n = 0, me_n = 0, other = 0, cpu_sum = 0;
	bool cpus_ok = true;

	if (argc == 3 && !strcmp(argv[1], "burn")) {
		burn(atol(argv[2]));
		return 0;
	}
	snprintf(self, sizeof(self), "/proc/%d/exe", me);
	skel = dprof_bpf__open_and_load();
	if (!skel)
		return 1;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > DPROF_MAX_CPUS)
		return 1;
	for (i = 0; i < ncpu; i++) {
		int pfd = app_cpu_clock(-1, i, 0);

		LIBBPF_OPTS(bpf_perf_event_opts, o, .bpf_cookie = (unsigned)i);

		links[i] = pfd >= 0 ? bpf_program__attach_perf_event_opts(skel->progs.on_sample,
									  pfd, &o) :
				      NULL;
		opened += links[i] != NULL;
	}
	printf("events: %s\n", opened == ncpu ? "every cpu" : "missing");
	fflush(stdout);
	if (app_run_child(burner, &child) < 0)
		child = -1;
	burn(200);
	for (i = 0; i < ncpu; i++)
		bpf_link__destroy(links[i]);
	fd = bpf_map__fd(skel->maps.pids);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &cnt))
			continue;
		if ((int)key == child)
			child_n = cnt;
		else if ((int)key == me)
			me_n = cnt;
		else
			other += cnt;
	}
	fd = bpf_map__fd(skel->maps.cpus);
	for (key = 0; key < DPROF_MAX_CPUS; key++) {
		if (bpf_map_lookup_elem(fd, &key, &cnt))
			break;
		cpu_sum += cnt;
		if (cnt && (int)key >= ncpu)
			cpus_ok = false;
	}
	printf("child samples: %s\n", child_n > 0 ? "yes" : "no");
	printf("loader samples: %s\n", me_n > 0 ? "yes" : "no");
	printf("samples of other processes: %llu\n", (unsigned long long)other);
	printf("samples on another cpu's event: %llu\n", (unsigned long long)skel->bss->wrong_cpu);
	printf("per-cpu sum: %s\n",
	       cpu_sum == skel->bss->samples && cpus_ok ? "equals samples" : "differs");
	prog_info(skel);
	fflush(stdout);
	if (argc > 1) {
		/* a link (one sample per 100 s of CPU time) for "link show" */
		int pfd;

		pfd = app_cpu_clock(-1, 0, 100000000000ull);
		links[0] = bpf_program__attach_perf_event(skel->progs.on_sample, pfd);
		if (!links[0] || bpf_link__pin(links[0], "/sys/fs/bpf/dprof_link"))
			printf("link for CMD: failed\n");
		fflush(stdout);
		app_run_child(argv + 1, &child);
		bpf_link__destroy(links[0]);
	}
	dprof_bpf__destroy(skel);
	return 0;
}
