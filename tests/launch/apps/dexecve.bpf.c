/* SPDX-License-Identifier: MIT */
/*
 * dexecve.bpf.c - the execve syscall tracepoints as execsnoop uses them
 * (dexecve.c): sys_enter_execve reads the filename and argv[1] from the
 * caller's memory (and the comm before the exec), sys_exit_execve sends
 * the result and the comm of the process after the exec, both through a
 * ring buffer.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dexecve.h"

/* the kernel's trace_event_raw_sys_enter / _sys_exit */
struct enter_rec {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct exit_rec {
	__u64 common;
	long id;
	long ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int on_enter(struct enter_rec *ctx)
{
	struct dxe_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	const char *arg1 = 0;

	if (!e)
		return 0;
	e->exit = 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ret = 0;
	bpf_probe_read_user_str(e->name, sizeof(e->name), (const char *)ctx->args[0]);
	e->arg1[0] = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user(&arg1, sizeof(arg1), (const char **)ctx->args[1] + 1);
	if (arg1)
		bpf_probe_read_user_str(e->arg1, sizeof(e->arg1), arg1);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int on_exit(struct exit_rec *ctx)
{
	struct dxe_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->exit = 1;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ret = ctx->ret;
	bpf_get_current_comm(e->name, sizeof(e->name));
	e->arg1[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
