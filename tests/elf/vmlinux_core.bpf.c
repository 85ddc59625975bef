/* SPDX-License-Identifier: MIT */
/*
 * vmlinux_core.bpf.c - CO-RE the way libbpf tools write it: vmlinux.h
 * dumped from this machine's kernel, BPF_KPROBE / PT_REGS_* /
 * BPF_CORE_READ, field/type/enum existence and size checks, a bitfield
 * read guarded by bpf_core_field_exists(), and a read of a field that
 * userbpf's own context BTF lacks (poisoned unless the target is the
 * kernel's BTF).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "fixture.h"

struct pt_regs___missing {
	unsigned long no_such_reg;
} __attribute__((preserve_access_index));

__u64 out[OUT_NR];

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(core_regs, int dfd, const char *filename)
{
	out[OUT_PARM1] = PT_REGS_PARM1(ctx);
	out[OUT_PARM2] = PT_REGS_PARM2_CORE(ctx);
	out[OUT_RET] = PT_REGS_RC(ctx);
	out[OUT_DI_EXISTS] = bpf_core_field_exists(struct pt_regs, di);
	out[OUT_IP_SIZE] = bpf_core_field_size(struct pt_regs, ip);
	out[OUT_TASK_EXISTS] = bpf_core_type_exists(struct task_struct);
	out[OUT_ENTRY_SIZE] = bpf_core_type_size(struct trace_entry);
	out[OUT_RINGBUF_EXISTS] =
		bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF))
		out[OUT_RINGBUF_VALUE] =
			bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out[OUT_TGID_OFF] = bpf_core_field_offset(struct task_struct, tgid);
	out[OUT_MISSING_EXISTS] = bpf_core_field_exists(struct pt_regs___missing, no_such_reg);
	return 0;
}

/* ctx points at a task_struct laid out like the target BTF says */
/* autoload off: a raw context read as a task_struct, for the CO-RE tests
 * only (they turn it on); a verified load refuses such context reads */
SEC("?raw_tp/core_task")
int core_task(void *ctx)
{
	struct task_struct *t = ctx;

	out[OUT_TGID] = t->tgid;
	return t->pid;
}

/* autoload off: it reads a struct sk_buff from a raw context, which a
 * checked run of a tc program rightly refuses; the CO-RE tests turn it on */
SEC("?tc")
int core_bitfield(struct __sk_buff *ctx)
{
	struct sk_buff *skb = (void *)ctx;

	out[OUT_SKB_EXISTS] = bpf_core_field_exists(struct sk_buff, pkt_type);
	if (bpf_core_field_exists(struct sk_buff, pkt_type))
		out[OUT_PKT_TYPE] = BPF_CORE_READ_BITFIELD(skb, pkt_type);
	else
		out[OUT_PKT_TYPE] = 0xff;
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int core_tp(struct trace_event_raw_sys_enter *ctx)
{
	out[OUT_TP_ARG2] = ctx->args[2];
	out[OUT_TP_ID] = ctx->id;
	return 0;
}

/* task_struct::prio exists in the kernel, not in userbpf's context BTF */
SEC("?raw_tp/core_poisoned") /* as core_task */
int core_poisoned(void *ctx)
{
	struct task_struct *t = ctx;

	return t->prio;
}

char LICENSE[] SEC("license") = "GPL";
