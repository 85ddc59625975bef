/* SPDX-License-Identifier: MIT */
/*
 * dwide.bpf.c - a uprobe and a uretprobe on a function of a binary the
 * loader itself does not map, attached for every process (pid -1), as
 * bcc's bashreadline attaches to /bin/bash (dwide.c).
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "dwide.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DW_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static void add(__u32 slot, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&stats, &slot);

	if (p)
		__sync_fetch_and_add(p, v);
}

SEC("uprobe")
int BPF_KPROBE(enter, int x)
{
	__u32 k = DW_PID;
	__u64 tgid = bpf_get_current_pid_tgid() >> 32;

	add(DW_ENTRIES, 1);
	add(DW_ARGS, x);
	bpf_map_update_elem(&stats, &k, &tgid, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(leave, int ret)
{
	add(DW_RETURNS, 1);
	add(DW_RETS, ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
