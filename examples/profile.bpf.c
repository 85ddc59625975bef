/* SPDX-License-Identifier: MIT */
/*
 * profile - a CPU profiler: a perf_event program sampled on the traced
 * command's CPU time (99 Hz here, --freq), counting samples per user
 * stack; the CLI prints the stacks symbolised and the count of each.
 *
 *   userbpf trace --freq 99 build/examples/profile.bpf.o -- build/examples/uprobe_target spin 300
 */
#include "probe_regs.h"

/* The kernel's struct bpf_perf_event_data on x86-64. */
struct perf_sample {
	struct pt_regs regs;
	__u64 sample_period;
	__u64 addr;
};

#define MAX_DEPTH 32

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, int);     /* stack id (negative: no stack) */
	__type(value, __u64); /* samples */
} counts SEC(".maps");

/* 0: samples, 1: CPU time sampled in ns (sum of sample_period) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

static __always_inline void add(void *map, __u32 k, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, &k);

	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("perf_event")
int do_sample(struct perf_sample *ctx)
{
	int id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&counts, &id);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&counts, &id, &one, BPF_NOEXIST);
	add(&totals, 0, 1);
	add(&totals, 1, ctx->sample_period);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
