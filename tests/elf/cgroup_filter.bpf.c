/* SPDX-License-Identifier: MIT */
/*
 * cgroup_filter.bpf.c - the cgroup filter of bcc's libbpf-tools, in its
 * usual shape: a BPF_MAP_TYPE_CGROUP_ARRAY that user space fills with a
 * cgroup directory's fd, a `const volatile bool filter_cg` the loader
 * sets, and bpf_current_task_under_cgroup() at the top of the probe.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 2);
} cgroup_map SEC(".maps");

const volatile bool filter_cg = false;
const volatile __u32 cg_index = 0;
__s64 cg_result;
__u64 cg_events;

SEC("kprobe/do_nanosleep")
int cg_filter(void *ctx)
{
	cg_result = bpf_current_task_under_cgroup(&cgroup_map, cg_index);
	if (filter_cg && cg_result != 1)
		return 0;
	cg_events++;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
