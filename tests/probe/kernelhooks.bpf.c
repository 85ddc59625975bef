/* SPDX-License-Identifier: MIT */
/*
 * kernelhooks.bpf.c - programs on kernel hooks a process cannot probe
 * (a kprobe and a raw tracepoint) next to a syscall tracepoint it can
 * (test_trace_cli.c: trace_cli_names_programs_left_out).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

__u64 writes = 0, unlinks = 0, switches = 0;

SEC("kprobe/vfs_rename") /* not reached by a syscall in kfunc.c's table */
int on_unlinkat(void *ctx)
{
	unlinks++;
	return 0;
}

SEC("raw_tp/sched_switch")
int on_switch(void *ctx)
{
	switches++;
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int on_write(void *ctx)
{
	writes++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
