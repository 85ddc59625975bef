// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * lsm.bpf.c - LSM programs for the verifier's return-range tests: an int
 * hook returns 0 or -errno, a void hook anything, and some hooks cannot
 * take BPF programs at all (the kernel's disabled list).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("lsm/file_open")
int errno_ok(void *ctx)
{
	return -1; /* -EPERM */
}

SEC("lsm/file_open")
int positive_bad(void *ctx)
{
	return 1;
}

SEC("lsm/task_free")
int void_hook_any(void *ctx)
{
	return 5;
}

SEC("lsm/getprocattr")
int disabled_hook(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
