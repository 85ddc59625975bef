// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * kernel/user/probes.bpf.c - the eBPF programs the demo loader (bpfdemo.c)
 * loads into the kernel: a kprobe counting calls of ksys_kill per pid
 * argument (hash map), a ring-buffer producer on the same function, a
 * kretprobe counting return values and printing them with bpf_printk,
 * a program counting the samples of a software cpu-clock perf event,
 * and an empty kprobe for the hit-cost benchmark.  Compiled by clang
 * -target bpf; maps are BTF-defined (.maps), as libbpf expects.
 */
#include <linux/bpf.h>
#include <linux/types.h>

#define __TARGET_ARCH_x86
#define __VMLINUX_H__ /* bpf_tracing.h: the kernel's field names (di, si, ax ...) */
/* the kernel's x86-64 struct pt_regs, the context of kprobe programs */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probes.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __s32);
	__type(value, __u64);
} rets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ticks SEC(".maps");

static __always_inline void count(void *map, void *key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

SEC("kprobe/ksys_kill")
int count_calls(struct pt_regs *ctx)
{
	__u32 pid = (__u32)PT_REGS_PARM1(ctx);

	count(&calls, &pid);
	return 0;
}

SEC("kprobe/ksys_kill")
int emit_event(struct pt_regs *ctx)
{
	struct kill_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->ip = PT_REGS_IP(ctx);
	e->pid = (__u32)PT_REGS_PARM1(ctx);
	e->sig = (__u32)PT_REGS_PARM2(ctx);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("kretprobe/ksys_kill")
int count_returns(struct pt_regs *ctx)
{
	__s32 rc = (__s32)PT_REGS_RC(ctx);

	count(&rets, &rc);
	bpf_printk("ksys_kill returned %d", rc);
	return 0;
}

/* on each sample of a software cpu-clock perf event (the timer tick) */
SEC("perf_event")
int on_tick(void *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&ticks, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

SEC("kprobe/kbench_target")
int empty(struct pt_regs *ctx)
{
	return 0;
}
