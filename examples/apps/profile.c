/* SPDX-License-Identifier: MIT */
/*
 * profile.c - perf-event sampling as libbpf-bootstrap's "profile" does it,
 * on this process: perf_event_open(PERF_COUNT_SW_CPU_CLOCK, one sample
 * per PERIOD_MS ms of CPU time, pid 0 = this process, any CPU), the
 * program attached with bpf_program__attach_perf_event(), then MS ms of
 * CPU time burnt in burn() (profile_burn.h), a function in its own
 * section so its address range is known exactly.  Prints how many
 * samples the program saw, how many fell inside burn(), and the hottest
 * address from the hash map:
 *
 *   profile [MS [PERIOD_MS]]      (default 200 and 1)
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

#include "profile_burn.h"
#include "profile.skel.h"

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
		.sample_period = 1000000, /* ns of CPU time; argv[2] ms */
	};
	struct bpf_link *link = NULL;
	struct profile_bpf *skel;
	struct profile_report r = { 0 };
	uint64_t key, next, cnt;
	long long ms = argc > 1 ? atoll(argv[1]) : 200;
	long long period_ms = argc > 2 ? atoll(argv[2]) : 1;
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
	attr.sample_period = (unsigned long long)period_ms * 1000000;
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
		if (!bpf_map_lookup_elem(fd, &key, &cnt))
			report_add(&r, key, cnt);
	}
	r.samples = skel->bss->samples;
	report_print(&r);
	err = skel->bss->samples ? 0 : 1;
out:
	bpf_link__destroy(link);
	if (pfd >= 0)
		close(pfd);
	profile_bpf__destroy(skel);
	return err;
}
