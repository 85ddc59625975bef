/* SPDX-License-Identifier: MIT */
/*
 * refuse.bpf.c - the launch tests' application for descriptors, ids and
 * refusals (refuse.c): a kprobe on a kernel function and an fentry
 * program (both refused the way an older kernel refuses), a perf event
 * array (perf buffers refused), an array map used through dup'ed
 * descriptors, a socket filter test-run.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} pb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

SEC("kprobe/do_unlinkat")
int kp(void *ctx)
{
	return 0;
}

SEC("fentry/do_unlinkat")
int fe(void *ctx)
{
	return 0;
}

SEC("socket")
int sock(void *ctx)
{
	__u32 k = 1;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);

	return v ? (int)*v : -1;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
