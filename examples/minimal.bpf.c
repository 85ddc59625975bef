/* SPDX-License-Identifier: MIT */
/*
 * minimal - bpf_printk on every write syscall of the traced command,
 * as libbpf-bootstrap's minimal does (there filtered by pid; here the
 * tracepoint is the traced process's own):
 *
 *   userbpf trace build/examples/minimal.bpf.o -- echo hello
 */
#include "probe_regs.h"

/* The kernel's record of syscalls/sys_enter_* (vmlinux.h's name). */
struct trace_event_raw_sys_enter {
	__u64 common; /* type, flags, preempt count, pid */
	long id;
	unsigned long args[6];
};

__u64 writes = 0;

SEC("tp/syscalls/sys_enter_write")
int handle_write(struct trace_event_raw_sys_enter *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	__sync_fetch_and_add(&writes, 1);
	bpf_printk("BPF triggered from PID %d: write(fd=%d, count=%d)", pid, (int)ctx->args[0],
		   (int)ctx->args[2]);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
