/* SPDX-License-Identifier: MIT */
/*
 * dpcpu.bpf.c - a per-CPU counter bumped the non-atomic kernel way
 * ("v = lookup(); *v = *v + 1"), with a long read-modify-write window,
 * from a uprobe every process of the domain runs (dpcpu.c).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dpcpu.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("uprobe")
int bump(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &k);
	__u64 t;
	int i;

	if (!v)
		return 0;
	t = *v;
	/* widen the window between the read and the write */
	for (i = 0; i < 500; i++)
		if (*(volatile __u64 *)v == ~0ull)
			break;
	*v = t + 1;
	return 0;
}

/* "dpcpu kill": the CPU (slot) the last run of which() had */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

static long spin_inner(__u64 i, void *ctx)
{
	return *(volatile __u64 *)ctx == ~0ull; /* never: a long run */
}

static long spin_outer(__u64 i, void *ctx)
{
	bpf_loop(1 << 20, spin_inner, ctx, 0);
	return 0;
}

/* Runs for hours: the victim is killed in it (holding its slot). */
SEC("uprobe")
int spin(void *ctx)
{
	__u64 x = 0;

	bpf_loop(1 << 20, spin_outer, &x, 0);
	return 0;
}

SEC("uprobe")
int which(void *ctx)
{
	__u32 k = 0, cpu = bpf_get_smp_processor_id();

	bpf_map_update_elem(&seen, &k, &cpu, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
