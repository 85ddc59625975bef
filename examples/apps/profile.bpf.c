/* SPDX-License-Identifier: MIT */
/*
 * profile.bpf.c - a sampling profiler: runs at every sample of a
 * perf event (CPU-clock timer) and counts the sampled user instruction
 * pointers of one process (.rodata target_pid) in a hash map, the total
 * in .bss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);   /* instruction pointer */
	__type(value, __u64); /* samples */
} ips SEC(".maps");

const volatile int target_pid = 0;
__u64 samples = 0;
__u64 other_pid = 0;

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	__u64 ip = PT_REGS_IP(&ctx->regs), one = 1, *cnt;

	if (target_pid && pid != target_pid) {
		__sync_fetch_and_add(&other_pid, 1);
		return 0;
	}
	__sync_fetch_and_add(&samples, 1);
	cnt = bpf_map_lookup_elem(&ips, &ip);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&ips, &ip, &one, BPF_NOEXIST);
	return 0;
}
