/* SPDX-License-Identifier: MIT */
/*
 * dexec.bpf.c - the domain test's process events and sampling
 * (dexec.c): sched_process_exec (the filename through its __data_loc)
 * and sched_process_exit of the processes started in the domain, sent
 * through a ring buffer; a perf_event program counting CPU-clock samples
 * of the loader.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dexec.h"

/* the kernel's trace_event_raw_sched_process_exec */
struct exec_rec {
	__u64 common;
	__u32 filename_loc; /* __data_loc char[]: offset | len << 16 */
	int pid;
	int old_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} events SEC(".maps");

int loader_pid = 0;
__u64 samples = 0;

SEC("tp/sched/sched_process_exec")
int on_exec(struct exec_rec *ctx)
{
	struct dx_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	unsigned off = ctx->filename_loc & 0xffff;

	if (!e)
		return 0;
	e->exit = 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_str(e->name, sizeof(e->name), (char *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int on_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct dx_event *e;

	if ((__u32)id != (__u32)(id >> 32)) /* threads */
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->exit = 1;
	e->pid = id >> 32;
	bpf_get_current_comm(e->name, sizeof(e->name));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("perf_event")
int on_sample(void *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == (__u32)loader_pid)
		__sync_fetch_and_add(&samples, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
