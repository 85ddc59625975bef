/* SPDX-License-Identifier: MIT */
/*
 * ustack.bpf.c - fixture of test_uprobe_stack.c: the user stack a uprobe
 * and a uretprobe see (bpf_get_stack with BPF_F_USER_STACK) and the one
 * bpf_get_stackid stores; the same at a syscall tracepoint.
 */
#include "../../examples/probe_regs.h"

#define DEPTH 8

struct ustack {
	__u64 ips[DEPTH];
	__s64 len; /* bpf_get_stack's return: bytes, or -errno */
	__s64 id;  /* bpf_get_stackid's return */
};

/* key 0: seen at entry, 1: seen at return, 2: at a syscall */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct ustack);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16);
	__type(key, __u32);
	__uint(value_size, DEPTH * sizeof(__u64));
} stacks SEC(".maps");

static __always_inline int record(void *ctx, __u32 k)
{
	struct ustack *s = bpf_map_lookup_elem(&seen, &k);

	if (!s)
		return 0;
	s->len = bpf_get_stack(ctx, s->ips, sizeof(s->ips), BPF_F_USER_STACK);
	s->id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	return 0;
}

SEC("uprobe")
int on_entry(struct pt_regs *ctx)
{
	return record(ctx, 0);
}

SEC("uretprobe")
int on_return(struct pt_regs *ctx)
{
	return record(ctx, 1);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_syscall(void *ctx)
{
	return record(ctx, 2);
}

char LICENSE[] SEC("license") = "GPL";
