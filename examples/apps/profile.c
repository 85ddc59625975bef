/* SPDX-License-Identifier: MIT */
/*
 * profile.c - perf-event sampling as libbpf-bootstrap's "profile" does it,
 * on this process: perf_event_open(PERF_COUNT_SW_CPU_CLOCK, one sample
 * per millisecond of CPU time, pid 0 = this process, any CPU), the
 * program attached with bpf_program__attach_perf_event(), then MS
 * milliseconds (default 200) of CPU time burnt in burn(), a function in
 * its own section so its address range is known exactly.  Prints how
 * many samples the program saw, how many fell inside burn(), and the
 * hottest addresses from the hash map:
 *
 *   samples: N
 *   in burn(): M
 *   distinct ips: K
 *   hot: burn+0xOFF  COUNT
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "profile.skel.h"

/* The linker defines these around the section "burn_text". */
extern const char __start_burn_text[], __stop_burn_text[];

static volatile uint64_t sink;

static long long cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Spin until ms milliseconds of CPU time were used. */
__attribute__((noinline, section("burn_text"))) static void burn(long long ms)
{
	long long end = cpu_ms() + ms;
	uint64_t x = 1;

	while (cpu_ms() < end) {
		int i;

		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sink = x;
	}
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 1000000, /* ns of CPU time */
	};
	struct bpf_link *link = NULL;
	struct profile_bpf *skel;
	uint64_t key, next, cnt, in_burn = 0, best_ip = 0, best = 0, distinct = 0;
	long long ms = argc > 1 ? atoll(argv[1]) : 200;
	int pfd = -1, fd, err = 1;
	void *prev = NULL;

	libbpf_set_print(print_fn);
	skel = profile_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_pid = getpid();
	if (profile_bpf__load(skel)) {
		fprintf(stderr, "failed to load the BPF skeleton: %s\n", strerror(errno));
		goto out;
	}
	pfd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		fprintf(stderr, "perf_event_open: %s\n", strerror(errno));
		goto out;
	}
	link = bpf_program__attach_perf_event(skel->progs.do_sample, pfd);
	if (!link) {
		fprintf(stderr, "failed to attach the perf event: %s\n", strerror(errno));
		goto out;
	}
	burn(ms);
	bpf_link__destroy(link);
	link = NULL;

	fd = bpf_map__fd(skel->maps.ips);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &cnt))
			continue;
		distinct++;
		if (key >= (uintptr_t)__start_burn_text && key < (uintptr_t)__stop_burn_text)
			in_burn += cnt;
		if (cnt > best) {
			best = cnt;
			best_ip = key;
		}
	}
	printf("samples: %llu\n", (unsigned long long)skel->bss->samples);
	printf("in burn(): %llu\n", (unsigned long long)in_burn);
	printf("distinct ips: %llu\n", (unsigned long long)distinct);
	if (best_ip >= (uintptr_t)__start_burn_text && best_ip < (uintptr_t)__stop_burn_text)
		printf("hot: burn+0x%llx %llu\n",
		       (unsigned long long)(best_ip - (uintptr_t)__start_burn_text),
		       (unsigned long long)best);
	else
		printf("hot: 0x%llx %llu\n", (unsigned long long)best_ip, (unsigned long long)best);
	err = skel->bss->samples ? 0 : 1;
out:
	bpf_link__destroy(link);
	if (pfd >= 0)
		close(pfd);
	profile_bpf__destroy(skel);
	return err;
}
