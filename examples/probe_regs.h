/* SPDX-License-Identifier: MIT */
/*
 * probe_regs.h - for the tracing examples: the kernel's x86-64 struct
 * pt_regs (what vmlinux.h gives), so that bpf_tracing.h's BPF_KPROBE,
 * BPF_UPROBE, BPF_URETPROBE and PT_REGS_PARM* work without a vmlinux.h.
 * Include it instead of <bpf/bpf_helpers.h> and <bpf/bpf_tracing.h>.
 */
#ifndef USERBPF_EXAMPLES_PROBE_REGS_H
#define USERBPF_EXAMPLES_PROBE_REGS_H

#include <linux/bpf.h>
#include <linux/types.h>

#if !defined(__TARGET_ARCH_x86)
#define __TARGET_ARCH_x86 /* the probes' registers are x86-64's */
#endif
#ifndef __VMLINUX_H__
#define __VMLINUX_H__ /* bpf_tracing.h: kernel field names (di, si, ax ...) */
#endif

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* libbpf >= 1.2 spells them for uprobes; the same macros underneath */
#ifndef BPF_UPROBE
#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#endif
#ifndef BPF_URETPROBE
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)
#endif

#endif
