/* SPDX-License-Identifier: MIT */
/*
 * dexec.c - run by test_launch.c under "userbpf launch --domain D": the
 * sched_process_exec / sched_process_exit events of a child it starts in
 * the domain (its arguments), and CPU-clock sampling of itself
 * (perf_event_open + bpf_program__attach_perf_event) while it spins.
 * Usage: dexec CMD ARGS...
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_util.h"
#include "dexec.h"
#include "dexec.skel.h"

static int child_pid, seen;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct dx_event *e = data;

	(void)ctx;
	(void)size;
	if ((int)e->pid != child_pid)
		return 0;
	printf("%s %s\n", e->exit ? "exit" : "exec", e->name);
	seen++;
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct dexec_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *pl;
	volatile unsigned long spin = 0;
	int st, i, pfd;

	if (argc < 2)
		return 2;
	skel = dexec_bpf__open();
	if (!skel)
		return 1;
	skel->bss->loader_pid = getpid();
	if (dexec_bpf__load(skel))
		return 1;
	/* the two tracepoints; the perf_event program by hand below */
	if (!bpf_program__attach(skel->progs.on_exec) || !bpf_program__attach(skel->progs.on_exit))
		return 3;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb)
		return 1;
	st = app_run_child(argv + 1, &child_pid);
	for (i = 0; i < 100 && seen < 2; i++)
		ring_buffer__poll(rb, 50);
	printf("child exit %d\n", st);
	pfd = app_cpu_clock(0, -1, 0);
	pl = pfd >= 0 ? bpf_program__attach_perf_event(skel->progs.on_sample, pfd) : NULL;
	printf("sampling: %s\n", pl ? "attached" : "refused");
	/* 300 ms of CPU time (samples count CPU time: on a loaded machine
	 * 300 ms of wall-clock time gave fewer than 10) */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (i = 0; i < 100000; i++)
			spin++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 300);
	printf("samples: %s\n", skel->bss->samples > 10 ? "many" : "few");
	bpf_link__destroy(pl);
	ring_buffer__free(rb);
	dexec_bpf__destroy(skel);
	return 0;
}
