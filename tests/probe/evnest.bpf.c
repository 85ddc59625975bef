/* SPDX-License-Identifier: MIT */
/*
 * evnest.bpf.c - fixture of trace_event_guess: each write(2) of the
 * traced command submits a 24-byte record whose struct only a local
 * variable uses (so it is not in the object's BTF), while a 24-byte
 * struct is there as a member of another struct, the way vmlinux.h's
 * kernel types come along with a CO-RE read (plist_node inside
 * task_struct): the guess must not take the member's type.
 */
#include "../../examples/probe_regs.h"

struct task_like {
	int prio;
	struct node_like {
		__u64 prio_next, node_prev, node_next;
	} pushable;
	struct node_like *other;
};

struct trace_event_raw_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

/* the global brings struct task_like and its member's type into BTF */
struct task_like current_like;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_write")
int on_write(struct trace_event_raw_sys_enter *ctx)
{
	struct rec {
		__u32 pid, fd;
		__u64 count, tag;
	} *r;

	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r)
		return 0;
	r->pid = 42;
	r->fd = (__u32)ctx->args[0];
	r->count = ctx->args[2];
	r->tag = 0x1122334455667788ull;
	bpf_ringbuf_submit(r, 0);
	current_like.prio++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
