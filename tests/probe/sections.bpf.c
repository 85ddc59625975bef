/* SPDX-License-Identifier: MIT */
/*
 * sections.bpf.c - fixture of test_attach.c: libbpf's uprobe section
 * names (path:function, function+offset, return probes, a bare section).
 */
#include "../../examples/probe_regs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void put(__u32 key, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&seen, &key);

	if (p)
		__sync_fetch_and_add(p, v);
}

SEC("uprobe//proc/self/exe:probe_s_mul")
int BPF_UPROBE(on_mul, long a, long b)
{
	put(0, 1);
	put(1, a * 100 + b);
	return 0;
}

SEC("uretprobe//proc/self/exe:probe_s_mul")
int BPF_URETPROBE(on_mul_ret, long ret)
{
	put(2, ret);
	return 0;
}

SEC("uprobe")
int bare(struct pt_regs *ctx)
{
	put(3, PT_REGS_PARM1(ctx));
	return 0;
}

SEC("uprobe//proc/self/exe:probe_s_mul+7")
int at_offset(struct pt_regs *ctx)
{
	put(4, PT_REGS_IP(ctx));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
