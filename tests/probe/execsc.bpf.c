/* SPDX-License-Identifier: MIT */
/*
 * execsc.bpf.c - fixture of test_exec_hook.c and the trace tests: the
 * execve syscall tracepoints as execsnoop writes them (the filename and
 * argv[1] read from the caller's memory with bpf_probe_read_user_str), the
 * exit side's return value, a ksyscall counter, and raw_syscalls
 * programs counting execve (the trace tests leave them out: --prog).
 */
#include "../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

struct sc_enter {
	__u64 common;
	int nr;
	__u32 pad;
	__u64 args[6];
};

struct sc_exit {
	__u64 common;
	int nr;
	__u32 pad;
	long ret;
};

/* [0] enters, [1] exits, [2] ksyscall enters, [3] kretsyscall's last ret,
 * [4] raw sys_enter of execve, [5] raw sys_exit's last ret of execve */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __s64);
} seen SEC(".maps");

static __always_inline void add(__u32 key, __s64 v, int set)
{
	__s64 *p = bpf_map_lookup_elem(&seen, &key);

	if (!p)
		return;
	if (set)
		*p = v;
	else
		__sync_fetch_and_add(p, v);
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_enter(struct sc_enter *ctx)
{
	char fn[64], arg1[32] = "";
	const char *argp = 0;

	bpf_probe_read_user_str(fn, sizeof(fn), (const void *)ctx->args[0]);
	if (ctx->args[1])
		bpf_probe_read_user(&argp, sizeof(argp), (const void *)(ctx->args[1] + 8));
	if (argp)
		bpf_probe_read_user_str(arg1, sizeof(arg1), argp);
	bpf_printk("exec-enter %d %s [%s]", ctx->nr, fn, arg1);
	add(0, 1, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int on_exit(struct sc_exit *ctx)
{
	bpf_printk("exec-exit %d %ld", ctx->nr, ctx->ret);
	add(1, 1, 0);
	return 0;
}

SEC("ksyscall/execve")
int BPF_KSYSCALL(on_ksys, const char *filename)
{
	char fn[64];

	bpf_probe_read_user_str(fn, sizeof(fn), filename);
	bpf_printk("ksys-execve %s", fn);
	add(2, 1, 0);
	return 0;
}

SEC("kretsyscall/execve")
int BPF_KRETPROBE(on_kret, long ret)
{
	add(3, ret, 1);
	return 0;
}
/* raw_syscalls: the record's id is a long at 8 */
SEC("tracepoint/raw_syscalls/sys_enter")
int on_raw_enter(struct sc_enter *ctx)
{
	if (ctx->nr == 59)
		add(4, 1, 0);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int on_raw_exit(struct sc_exit *ctx)
{
	if (ctx->nr == 59)
		add(5, ctx->ret, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
