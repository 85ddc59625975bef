/* SPDX-License-Identifier: MIT */
/*
 * lsm_bad.bpf.c - fixture of test_lsm.c's bad-input tests, one program
 * loaded at a time: an LSM hook the kernel has but no syscall of a
 * process reaches here (inode_rename), a name the kernel has no hook
 * for, a sleepable program (lsm.s: runs as lsm does, in the process's
 * context), an lsm_cgroup program, a return value outside an int
 * hook's range, and the ret slot's range passed on (or not).
 */
#include "../../examples/probe_regs.h"

SEC("lsm/inode_rename")
int BPF_PROG(rename_hook)
{
	return 0;
}

SEC("lsm/no_such_hook")
int BPF_PROG(no_such)
{
	return 0;
}

SEC("lsm.s/file_open")
int BPF_PROG(sleepable_open)
{
	return 0;
}

SEC("lsm_cgroup/socket_bind")
int BPF_PROG(cgroup_bind)
{
	return 1;
}

SEC("lsm/file_open")
int BPF_PROG(bad_ret)
{
	return 1; /* an int hook returns 0 or -errno: refused */
}

/* the ret slot holds [-4095, 0] (Linux 6.10+): passing it on is fine,
 * adding one to it is not */
SEC("lsm/file_open")
int BPF_PROG(ret_pass, struct file *file, int ret)
{
	return ret;
}

SEC("lsm/file_open")
int BPF_PROG(ret_plus_one, struct file *file, int ret)
{
	return ret + 1;
}

char LICENSE[] SEC("license") = "GPL";
