/* SPDX-License-Identifier: MIT */
/*
 * durb.bpf.c - a user ring buffer (BPF_MAP_TYPE_USER_RINGBUF) drained by
 * a getppid tracepoint of the loader (durb.c): the samples counted in
 * `drained`, their `val` read with bpf_dynptr_read and added up in `sum`.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "durb.h"

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16384);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

int loader_pid = 0;
__u64 drained = 0;
__u64 sum = 0;

static long on_sample(struct bpf_dynptr *dynptr, void *ctx)
{
	__u64 val;

	if (bpf_dynptr_read(&val, sizeof(val), dynptr, 0, 0))
		return 1;
	sum += val;
	drained++;
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != (__u32)loader_pid)
		return 0;
	bpf_user_ringbuf_drain(&samples, on_sample, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
