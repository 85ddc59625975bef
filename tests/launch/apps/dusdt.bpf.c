/* SPDX-License-Identifier: MIT */
/*
 * dusdt.bpf.c - USDT programs the way libbpf attaches them
 * (bpf_program__attach_usdt: usdt.bpf.h reads each argument as the
 * note's spec says, through libbpf's spec maps and the attach cookie):
 * dusdt:hit with a register and a memory argument, and dusdt:gated, a
 * probe behind a semaphore (the kernel raises it while attached).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>

#define __VMLINUX_H__ /* bpf_tracing.h: the kernel's pt_regs field names */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "dusdt.h"

struct dusdt_counts counts = {};

SEC("usdt")
int BPF_USDT(on_hit, int i, long x)
{
	__sync_fetch_and_add(&counts.hits, 1);
	__sync_fetch_and_add(&counts.sum_i, i);
	__sync_fetch_and_add(&counts.sum_x, x);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_gated, long v)
{
	__sync_fetch_and_add(&counts.sem_hits, 1);
	__sync_fetch_and_add(&counts.sem_sum, v);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
