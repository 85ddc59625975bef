/* SPDX-License-Identifier: MIT */
/*
 * uprobe - entry and return probes on a function of the traced program
 * (examples/uprobe_target.c), printing its arguments and return value:
 *
 *   userbpf trace build/examples/uprobe.bpf.o -- build/examples/uprobe_target 3
 *
 * /proc/self/exe in the section is the traced program itself.
 */
#include "probe_regs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

static __always_inline void count(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&calls, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("uprobe//proc/self/exe:uprobe_add")
int BPF_UPROBE(add_entry, int a, int b)
{
	count(0);
	bpf_printk("uprobe_add ENTRY: a = %d, b = %d", a, b);
	return 0;
}

SEC("uretprobe//proc/self/exe:uprobe_add")
int BPF_URETPROBE(add_exit, int ret)
{
	count(1);
	bpf_printk("uprobe_add EXIT: return = %d", ret);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
