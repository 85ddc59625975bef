/* SPDX-License-Identifier: MIT */
/*
 * core_ctx.bpf.c - CO-RE without vmlinux.h: local, flavoured ("___mini")
 * partial definitions of context types with preserve_access_index,
 * relocated onto userbpf's context BTF (or the kernel's): field offsets,
 * a narrower unsigned field widened by the loader, array elements,
 * existence and size checks.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fixture.h"

#define __pai __attribute__((preserve_access_index))

struct pt_regs___mini {
	unsigned long si;
	unsigned int di; /* 8 bytes in the kernel: the load is widened */
	unsigned long ax;
	unsigned long ip;
} __pai;

struct trace_event_raw_sys_enter___mini {
	long id;
	unsigned long args[6];
} __pai;

struct task_struct___mini {
	int tgid;
	int pid;
} __pai;

struct pt_regs___missing {
	unsigned long no_such_reg;
} __pai;

__u64 out[OUT_NR];

SEC("kprobe/do_sys_openat2")
int ctx_regs(struct pt_regs___mini *regs)
{
	out[OUT_PARM1] = regs->di;
	out[OUT_PARM2] = regs->si;
	out[OUT_RET] = regs->ax;
	out[OUT_DI_EXISTS] = bpf_core_field_exists(regs->di);
	out[OUT_IP_SIZE] = bpf_core_field_size(regs->ip);
	out[OUT_TASK_EXISTS] = bpf_core_type_exists(struct task_struct___mini);
	out[OUT_MISSING_EXISTS] = bpf_core_field_exists(struct pt_regs___missing, no_such_reg);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int ctx_tp(struct trace_event_raw_sys_enter___mini *ctx)
{
	out[OUT_TP_ARG2] = ctx->args[2];
	out[OUT_TP_ID] = ctx->id;
	return 0;
}

/* autoload off: the CO-RE tests turn it on (a raw context as a task) */
SEC("?raw_tp/ctx_task")
int ctx_task(struct task_struct___mini *t)
{
	out[OUT_TGID] = t->tgid;
	out[OUT_TGID_OFF] = bpf_core_field_offset(t->tgid);
	return t->pid;
}

char LICENSE[] SEC("license") = "GPL";
