/* SPDX-License-Identifier: MIT */
/* dmemlock.bpf.c - a getppid tracepoint counting calls (dmemlock.c). */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dmemlock.h"

__u64 calls = 0;
int loader_pid = 0;

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == (__u32)loader_pid)
		calls++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
