/* SPDX-License-Identifier: MIT */
/*
 * profile_embed.c - the profile example without libbpf: the same
 * profile.bpf.o wrapped by "userbpf gen skeleton" and run by libuserbpf
 * inside this process.  The perf_event program is attached the way
 * perf_event_open(PERF_COUNT_SW_CPU_CLOCK, sample_period 1 ms, this
 * process) + bpf_program__attach_perf_event() does under libbpf:
 * userbpf_probe__attach_perf_event(), a CPU-time timer.  The hash map is
 * read with userbpf's map API.  Output is that of profile.c.
 *
 *   profile_embed [MS [PERIOD_MS]]       (default 200 and 1)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile_burn.h"
#include "profile.userbpf.skel.h"

static int print_fn(enum userbpf_print_level level, const char *fmt, va_list args)
{
	if (level == USERBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct profile_report r = { 0 };
	struct profile_bpf *skel;
	struct userbpf_map *ips;
	uint64_t key, next, cnt;
	long long ms = argc > 1 ? atoll(argv[1]) : 200;
	long long period_ms = argc > 2 ? atoll(argv[2]) : 1;
	char err_buf[256] = "";
	void *prev = NULL;
	int err = 1;

	userbpf_set_print(print_fn);
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
	{
		USERBPF_OPTS(userbpf_perf_event_opts, opts,
			     .sample_period = (uint64_t)period_ms * 1000000, .err_buf = err_buf,
			     .err_buf_sz = sizeof(err_buf));

		skel->links.do_sample = userbpf_probe__attach_perf_event(
			userbpf_program__prog(skel->progs.do_sample), &opts);
		if (!skel->links.do_sample) {
			fprintf(stderr, "failed to attach the perf event: %s\n",
				err_buf[0] ? err_buf : strerror(errno));
			goto out;
		}
	}
	burn(ms);
	profile_bpf__detach(skel);

	ips = userbpf_object_map__map(skel->maps.ips);
	while (userbpf_map__get_next_key(ips, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (!userbpf_map__lookup_elem(ips, &key, &cnt, 0))
			report_add(&r, key, cnt);
	}
	r.samples = skel->bss->samples;
	report_print(&r);
	err = r.samples ? 0 : 1;
out:
	profile_bpf__destroy(skel);
	return err;
}
