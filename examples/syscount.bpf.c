/* SPDX-License-Identifier: MIT */
/*
 * syscount - count the traced command's syscalls by number (every
 * syscall through tracepoint/raw_syscalls/sys_enter, the kernel's
 * record: the number at offset 8), and the failed ones at sys_exit;
 * the CLI prints maps named *syscall* by name, most frequent first, as
 * bcc's syscount does.
 *
 *   userbpf trace build/examples/syscount.bpf.o -- ls /
 */
#include "probe_regs.h"

struct trace_event_raw_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct trace_event_raw_sys_exit {
	__u64 common;
	long id;
	long ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u64);
} syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u64);
} failed_syscalls SEC(".maps");

static __always_inline void bump(void *map, __u32 key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	bump(&syscalls, (__u32)ctx->id);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0)
		bump(&failed_syscalls, (__u32)ctx->id);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
