/* SPDX-License-Identifier: MIT */
/*
 * minimal.bpf.c - one bpf_printk per write() of one process.  The pid to
 * watch is a global in .bss that user space sets through skel->bss (the
 * memory-mapped array) after load; the count of writes seen is another.
 * Built the libbpf-bootstrap way (vmlinux.h, clang -target bpf).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

int my_pid = 0;
long writes = 0;

SEC("tp/syscalls/sys_enter_write")
int handle_write(struct trace_event_raw_sys_enter *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	if (pid != my_pid)
		return 0;
	writes++;
	bpf_printk("minimal: pid %d wrote %ld bytes (write %ld)", pid, (long)ctx->args[2], writes);
	return 0;
}
