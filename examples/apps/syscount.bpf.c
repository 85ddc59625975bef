/* SPDX-License-Identifier: MIT */
/*
 * syscount.bpf.c - count the syscalls of one process (.rodata target_pid),
 * bcc syscount style: the raw_syscalls tracepoints time each call (entry
 * time per thread in a hash map); at exit the call is added to its
 * syscall's counters (hash map keyed by number) and to a log2 histogram of
 * latencies in .bss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "syscount.h"
#include "../log2.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile int target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* thread id */
	__type(value, __u64); /* entry time */
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u32); /* syscall number */
	__type(value, struct sys_stat);
} stats SEC(".maps");

__u64 hist[HIST_SLOTS];

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), ts;
	__u32 tid = (__u32)id;

	if (target_pid && (int)(id >> 32) != target_pid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), delta, *ts;
	__u32 tid = (__u32)id, nr, slot;
	struct sys_stat zero = {}, *st;

	if (target_pid && (int)(id >> 32) != target_pid)
		return 0;
	ts = bpf_map_lookup_elem(&start, &tid);
	if (!ts)
		return 0; /* entered before we attached */
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&start, &tid);
	nr = (__u32)ctx->id;

	st = bpf_map_lookup_elem(&stats, &nr);
	if (!st) {
		bpf_map_update_elem(&stats, &nr, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &nr);
		if (!st)
			return 0;
	}
	__sync_fetch_and_add(&st->count, 1);
	if (ctx->ret < 0 && ctx->ret >= -4095)
		__sync_fetch_and_add(&st->errors, 1);
	__sync_fetch_and_add(&st->total_ns, delta);

	slot = log2_u64(delta);
	if (slot >= HIST_SLOTS)
		slot = HIST_SLOTS - 1;
	__sync_fetch_and_add(&hist[slot], 1);
	return 0;
}
