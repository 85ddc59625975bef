/* SPDX-License-Identifier: MIT */
/*
 * procev.bpf.c - fixture of test_procev.c: the sched process events read
 * through the kernel's record layouts (vmlinux.h field names), each
 * storing what it saw in the "got" array.
 */
#include "../../examples/probe_regs.h"

struct trace_event_raw_sched_process_exec {
	__u64 common;
	__u32 __data_loc_filename;
	int pid;
	int old_pid;
	char __data[];
};

struct trace_event_raw_sched_process_template {
	__u64 common;
	char comm[16];
	int pid;
	int prio;
	_Bool group_dead;
};

struct trace_event_raw_sched_process_fork {
	__u64 common;
	__u32 __data_loc_parent_comm;
	int parent_pid;
	__u32 __data_loc_child_comm;
	int child_pid;
	char __data[];
};

/* 0-3 exec: count, pid, old_pid, filename[0..8); 4-7 exit: count, pid,
 * prio << 8 | group_dead, comm[0..8); 8-11 fork: count, parent_pid,
 * child_pid, child_comm[0..8) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u64);
} got SEC(".maps");

static __always_inline void put(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&got, &k);

	if (p)
		*p = v;
}

static __always_inline void inc(__u32 k)
{
	__u64 *p = bpf_map_lookup_elem(&got, &k);

	if (p)
		__sync_fetch_and_add(p, 1);
}

static __always_inline __u64 str8(void *ctx, __u32 loc)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, 8, ctx + (loc & 0xffff));
	return v;
}

SEC("tp/sched/sched_process_exec")
int on_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	inc(0);
	put(1, ctx->pid);
	put(2, ctx->old_pid);
	put(3, str8(ctx, ctx->__data_loc_filename));
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int on_exit(struct trace_event_raw_sched_process_template *ctx)
{
	__u64 c = 0;

	inc(4);
	put(5, ctx->pid);
	put(6, (__u64)ctx->prio << 8 | ctx->group_dead);
	__builtin_memcpy(&c, ctx->comm, 8);
	put(7, c);
	return 0;
}

SEC("tp/sched/sched_process_fork")
int on_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	inc(8);
	put(9, ctx->parent_pid);
	put(10, ctx->child_pid);
	put(11, str8(ctx, ctx->__data_loc_child_comm));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
