// SPDX-License-Identifier: MIT
/*
 * embed.bpf.c - the programs tests/core/embed runs through the freestanding
 * core: what a kernel embedding userbpf does with a probe.
 *
 *   count_calls   kprobe: counts calls per first argument (hash map), keeps
 *                 the total in a per-CPU array and in .bss, and sends one
 *                 ring-buffer record {arg, n} per call; bpf_printk's the
 *                 first call (the core's formatter)
 *   sum_loop      kprobe: bpf_loop over a global array (callback, .data)
 */
#include "../../../examples/probe_regs.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct event {
	__u64 arg;
	__u64 n;
};

__u64 bss_total;
__u64 weights[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

SEC("kprobe/target")
int BPF_KPROBE(count_calls, unsigned long arg)
{
	__u64 key = arg, one = 1, *v, n;
	__u32 zero = 0;
	struct event *e;

	v = bpf_map_lookup_elem(&calls, &key);
	if (v) {
		n = __sync_add_and_fetch(v, 1);
	} else {
		bpf_map_update_elem(&calls, &key, &one, BPF_NOEXIST);
		n = 1;
	}
	v = bpf_map_lookup_elem(&total, &zero);
	if (v)
		*v += 1;
	__sync_fetch_and_add(&bss_total, 1);
	if (bss_total == 1)
		bpf_printk("first call: arg=%lu hex=%#lx", arg, arg);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->arg = arg;
	e->n = n;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static long add_weight(__u32 i, __u64 *sum)
{
	*sum += weights[i & 7] * i;
	return 0;
}

SEC("kprobe/target")
int BPF_KPROBE(sum_loop, unsigned long n)
{
	__u64 sum = 0;

	bpf_loop(n, add_weight, &sum, 0);
	return (int)sum;
}

char LICENSE[] SEC("license") = "GPL";
