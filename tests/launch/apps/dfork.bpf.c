/* SPDX-License-Identifier: MIT */
/*
 * dfork.bpf.c - maps a forked child uses through the descriptors it
 * inherited (dfork.c): a hash map, a ring buffer fed by a uprobe on
 * df_emit (its argument), and .bss (an mmapable array) with a counter of
 * df_hit calls.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#define __VMLINUX_H__ /* bpf_tracing.h: the kernel's pt_regs field names */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "dfork.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} kv SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

__u64 hits;
__u64 child_set;

SEC("uprobe")
int BPF_KPROBE(on_emit, int v)
{
	struct dfork_rec r = { .v = v };

	bpf_ringbuf_output(&rb, &r, sizeof(r), 0);
	return 0;
}

SEC("uprobe")
int on_hit(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
