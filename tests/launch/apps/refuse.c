/* SPDX-License-Identifier: MIT */
/*
 * refuse.c - run by test_launch.c under "userbpf launch": map and program
 * ids (GET_NEXT_ID, GET_FD_BY_ID, OBJ_GET_INFO_BY_FD), map descriptors
 * that survive dup + close of the original, PROG_TEST_RUN, a perf buffer
 * fed by a uprobe, and the clean refusals: kprobe attach (ENOENT), an
 * fentry program (EINVAL at load); tracefs events as tools probe them
 * with access().  Prints one line per check.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "refuse.skel.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int samples;

__attribute__((noinline)) int rf_ping(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	__u64 v;

	(void)ctx;
	(void)cpu;
	if (size < sizeof(v))
		return;
	memcpy(&v, data, sizeof(v));
	printf("perf sample %llu\n", (unsigned long long)v);
	samples++;
}

int main(void)
{
	struct refuse_bpf *skel;
	struct bpf_prog_info info;
	struct perf_buffer *pb;
	struct bpf_link *link, *pl;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "rf_ping");
	int tries;
	__u32 id = 0, len, key = 1, progs = 0, maps = 0;
	__u64 val = 42, out = 0;
	int fd, dfd, err;
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt));

	libbpf_set_print(quiet);
	skel = refuse_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.fe, false);
	if (refuse_bpf__load(skel))
		return 2;
	while (!bpf_prog_get_next_id(id, &id))
		progs++;
	printf("progs %u end %d\n", progs, errno);
	id = 0;
	while (!bpf_map_get_next_id(id, &id))
		maps++;
	printf("maps %u\n", maps);
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.sock), &info, &len);
	fd = bpf_prog_get_fd_by_id(info.id);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	err = fd >= 0 ? bpf_obj_get_info_by_fd(fd, &info, &len) : -1;
	printf("by id: %d %s\n", err, info.name);
	/* the map through a dup'ed descriptor, the original closed */
	dfd = dup(bpf_map__fd(skel->maps.arr));
	bpf_map_update_elem(bpf_map__fd(skel->maps.arr), &key, &val, 0);
	close(bpf_map__fd(skel->maps.arr));
	err = bpf_map_lookup_elem(dfd, &key, &out);
	printf("dup lookup: %d %llu\n", err, (unsigned long long)out);
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sock), &topts);
	printf("test_run: %d retval %u\n", err, topts.retval);
	link = bpf_program__attach(skel->progs.kp);
	printf("kprobe attach: %s errno %d\n", link ? "ok" : "refused", errno);
	pb = perf_buffer__new(bpf_map__fd(skel->maps.pb), 8, on_sample, NULL, NULL, NULL);
	printf("perf buffer: %s\n", pb ? "ok" : "refused");
	pl = bpf_program__attach_uprobe_opts(skel->progs.ping, 0, "/proc/self/exe", 0, &uo);
	rf_ping(7);
	rf_ping(9);
	for (tries = 0; pb && samples < 2 && tries < 50; tries++)
		perf_buffer__poll(pb, 100);
	bpf_link__destroy(pl);
	perf_buffer__free(pb);
	refuse_bpf__destroy(skel);
	skel = refuse_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.kp, false);
	err = refuse_bpf__load(skel);
	printf("fentry load: %d\n", err);
	/* tracefs as tools probe it (bcc's tracepoint_exists): the kernel's
	 * names of syscall tracepoints, and what is not there */
	{
		int st = !access("/sys/kernel/tracing/events/syscalls/sys_enter_newstat/format",
				 F_OK);
		int um = !faccessat(AT_FDCWD,
				    "/sys/kernel/debug/tracing/events/syscalls/sys_exit_umount",
				    F_OK, AT_EACCESS);
		int ex =
			!access("/sys/kernel/tracing/events/sched/sched_process_exec/format", F_OK);
		int no = !access("/sys/kernel/tracing/events/syscalls/sys_enter_nosuch/format",
				 F_OK);

		printf("tracefs: newstat %d umount %d sched_exec %d nosuch %d errno %d\n", st, um,
		       ex, no, errno);
	}
	refuse_bpf__destroy(skel);
	close(dfd);
	return 0;
}
