/* SPDX-License-Identifier: MIT */
/*
 * app_util.h - what several test applications do the same way: start a
 * child that runs a command (dexec, dloader) and open a CPU-clock
 * sampling event (dexec, dprof), count the maps of a name listed (dpcpu, dpin).  Included, not an application.
 */
#ifndef LAUNCH_APP_UTIL_H
#define LAUNCH_APP_UTIL_H
#include <bpf/bpf.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run argv (a PATH search) in a child whose pid is in *pid before it is
 * waited for (event callbacks filter on it); its exit status. */
static inline int app_run_child(char **argv, int *pid)
{
	int st = 0;

	fflush(stdout);
	*pid = fork();
	if (*pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (*pid < 0 || waitpid(*pid, &st, 0) != *pid)
		return -1;
	return WEXITSTATUS(st);
}

/* A CPU-clock sampling event of pid on cpu, at 1 kHz (period 0) or one
 * sample every period ns of CPU time: a descriptor or -1. */
static inline int app_cpu_clock(int pid, int cpu, unsigned long long period)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.freq = !period;
	if (period)
		attr.sample_period = period;
	else
		attr.sample_freq = 1000;
	return (int)syscall(__NR_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* How many maps named name GET_NEXT_ID lists (and GET_FD_BY_ID opens). */
static inline int app_maps_named(const char *name)
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
#endif
