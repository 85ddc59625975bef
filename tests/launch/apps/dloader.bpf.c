/* SPDX-License-Identifier: MIT */
/*
 * dloader.bpf.c - the domain test's programs (dloader.c): a write
 * tracepoint that, in every process of the domain but the loader, counts
 * writes per process in a hash map and sends each through a ring buffer.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dloader.h"

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
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

int loader_pid = 0;

SEC("tp/syscalls/sys_enter_write")
int on_write(struct sys_enter_rec *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct dl_event *e;
	__u64 one = 1, *v;

	if (pid == (__u32)loader_pid)
		return 0;
	v = bpf_map_lookup_elem(&counts, &pid);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counts, &pid, &one, BPF_NOEXIST);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->fd = (unsigned int)ctx->args[0];
	e->count = ctx->args[2];
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
