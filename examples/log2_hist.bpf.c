// SPDX-License-Identifier: MIT
/*
 * log2_hist - a log2 histogram of values handed in the context (say,
 * latencies in ns), like the bcc/libbpf-tools histograms.  A syscall
 * program: test-run it with a context of { u64 value; u32 key; }.
 * Maps: ARRAY (global histogram), PERCPU_HASH (per-key counts).
 * Returns the slot the value fell into.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "log2.h"

#define MAX_SLOTS 32

struct args {
	__u64 value;
	__u32 key;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} per_key SEC(".maps");

SEC("syscall")
int record(struct args *ctx)
{
	__u32 slot = log2_u64(ctx->value), key = ctx->key;
	__u64 *count, one = 1;

	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	count = bpf_map_lookup_elem(&hist, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
	count = bpf_map_lookup_elem(&per_key, &key);
	if (count)
		*count += 1;
	else
		bpf_map_update_elem(&per_key, &key, &one, BPF_ANY);
	return slot;
}

char LICENSE[] SEC("license") = "GPL";
