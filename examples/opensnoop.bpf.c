/* SPDX-License-Identifier: MIT */
/*
 * opensnoop - one line per openat of the traced command: pid, command
 * name, the fd or error returned and the path, as bcc's opensnoop
 * prints them (the path saved at sys_enter_openat per thread, printed
 * at sys_exit_openat with the result).
 *
 *   userbpf trace build/examples/opensnoop.bpf.o -- cat /etc/hostname
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

struct args_t {
	const char *fname;
	int flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* tid */
	__type(value, struct args_t);
} start SEC(".maps");

/* 0: opens, 1: failed */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} opens SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct args_t a = { (const char *)ctx->args[1], (int)ctx->args[2] };

	bpf_map_update_elem(&start, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), k;
	struct args_t *a = bpf_map_lookup_elem(&start, &tid);
	char comm[16], path[128];
	int ret = (int)ctx->ret;
	__u64 *n;

	if (!a)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	bpf_probe_read_user_str(path, sizeof(path), a->fname);
	bpf_printk("%-6d %-16s %4d %3d %s", bpf_get_current_pid_tgid() >> 32, comm,
		   ret >= 0 ? ret : -1, ret >= 0 ? 0 : -ret, path);
	bpf_map_delete_elem(&start, &tid);
	k = ret < 0;
	n = bpf_map_lookup_elem(&opens, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
