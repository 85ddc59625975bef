/* SPDX-License-Identifier: MIT */
/*
 * hello.bpf.c - the launch tests' libbpf application (hello.c): a syscall
 * tracepoint with a pid filter set through skel->bss and bpf_printk, a
 * .rodata option set before load, a uprobe and a uretprobe on a function
 * of the application sending events through a ring buffer, a hash map
 * read from user space, a raw sys_enter tracepoint and a
 * raw_syscalls/sys_enter tracepoint counting getppid.
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

#include "hello.h"

/* the kernel's struct trace_event_raw_sys_enter */
struct sys_enter_rec {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

const volatile int mult = 1;
int my_pid = 0;
__u64 writes = 0;

SEC("tp/syscalls/sys_enter_write")
int handle_write(struct sys_enter_rec *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != (__u32)my_pid || ctx->args[0] != 1)
		return 0;
	__sync_fetch_and_add(&writes, 1);
	bpf_printk("write fd=%d count=%d", (int)ctx->args[0], (int)ctx->args[2]);
	return 0;
}

__u64 getppids = 0;

/* raw sys_enter: args[0] the registers, args[1] the syscall number */
SEC("raw_tp/sys_enter")
int count_getppid(struct bpf_raw_tracepoint_args *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == (__u32)my_pid && ctx->args[1] == 110)
		__sync_fetch_and_add(&getppids, 1);
	return 0;
}

__u64 getppids_tp = 0;

/* tracepoint/raw_syscalls/sys_enter: the kernel's sys_enter record */
SEC("tracepoint/raw_syscalls/sys_enter")
int count_getppid_tp(struct sys_enter_rec *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == (__u32)my_pid && ctx->id == 110)
		__sync_fetch_and_add(&getppids_tp, 1);
	return 0;
}

static void send(__u32 kind, int a, int b)
{
	struct hello_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u32 key = kind;
	__u64 one = 1, *v;

	if (e) {
		e->kind = kind;
		e->a = a;
		e->b = b;
		bpf_ringbuf_submit(e, 0);
	}
	v = bpf_map_lookup_elem(&calls, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&calls, &key, &one, BPF_NOEXIST);
}

SEC("uprobe")
int BPF_KPROBE(add_enter, int a, int b)
{
	send(0, a, b);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(add_exit, int ret)
{
	send(1, ret * mult, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
