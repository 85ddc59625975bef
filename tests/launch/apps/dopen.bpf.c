/* SPDX-License-Identifier: MIT */
/*
 * dopen.bpf.c - an openat tracepoint (dopen.c) counting the opens of
 * every process but the loader, per process.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dopen.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} opens SEC(".maps");

int loader_pid = 0;

SEC("tp/syscalls/sys_enter_openat")
int on_openat(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *v;

	if (pid == (__u32)loader_pid)
		return 0;
	v = bpf_map_lookup_elem(&opens, &pid);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&opens, &pid, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
