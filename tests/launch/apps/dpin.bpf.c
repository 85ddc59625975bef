/* SPDX-License-Identifier: MIT */
/*
 * dpin.bpf.c - a program whose link is pinned (dpin.c): counts the execs
 * of the domain (sched_process_exec) in a pinned array.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dpin.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} last SEC(".maps");

SEC("tp/sched/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&execs, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	bpf_map_update_elem(&last, &k, &k, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
