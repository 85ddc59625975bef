/* SPDX-License-Identifier: MIT */
/*
 * refuse.bpf.c - the launch tests' application for descriptors, ids and
 * refusals (refuse.c): a kprobe on a kernel function and an fentry
 * program (both refused the way an older kernel refuses), a perf event
 * array written by a uprobe (libbpf's perf_buffer), an array map used through dup'ed
 * descriptors, a socket filter test-run.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define __VMLINUX_H__ /* bpf_tracing.h: the kernel's pt_regs field names */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#include <bpf/bpf_tracing.h>

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

SEC("kprobe/vfs_rename") /* no syscall reaches it in src/probe/kfunc.c */
int kp(void *ctx)
{
	return 0;
}

SEC("fentry/vfs_rename")
int fe(void *ctx)
{
	return 0;
}

/* a uprobe sending its argument through the perf buffer */
SEC("uprobe")
int BPF_KPROBE(ping, int v)
{
	__u64 x = (__u64)v;

	bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU, &x, sizeof(x));
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
