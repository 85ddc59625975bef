/* SPDX-License-Identifier: MIT */
/*
 * dstack.bpf.c - the user stack (bpf_get_stack and bpf_get_stackid with
 * BPF_F_USER_STACK) of a program on sys_enter_execve and of one run by
 * BPF_PROG_TEST_RUN, into slot "slot" of recs (dstack.c compares the
 * stacks recorded with run statistics off and on).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dstack.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct dstack_rec);
} recs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, DSTACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

__u32 slot;
int target_pid;

static int record(void *ctx, __u32 k)
{
	struct dstack_rec *r = bpf_map_lookup_elem(&recs, &k);

	if (!r)
		return 0;
	r->n = bpf_get_stack(ctx, r->ips, sizeof(r->ips), BPF_F_USER_STACK);
	/* two distinct stacks may share a bucket (their hash depends on
	 * where the code lies): the later one takes it, so a stack's id is
	 * the same each time it is recorded */
	r->id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK | BPF_F_REUSE_STACKID);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	if ((int)(bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	return record(ctx, slot);
}

SEC("raw_tp")
int on_run(void *ctx)
{
	return record(ctx, slot + 2);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
