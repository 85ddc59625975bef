/* SPDX-License-Identifier: MIT */
/*
 * ksys.bpf.c - fixture of test_ksyscall.c: ksyscall/kretsyscall with
 * libbpf's BPF_KSYSCALL (the arguments read through the user pt_regs the
 * kernel's __x64_sys_NAME gets in di, PT_REGS_PARM*_CORE_SYSCALL), and
 * kprobe/kretprobe on __x64_sys_NAME written out by hand.
 */
#include "../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void put(__u32 key, __u64 v, int add)
{
	__u64 *p = bpf_map_lookup_elem(&seen, &key);

	if (!p)
		return;
	if (add)
		__sync_fetch_and_add(p, v);
	else
		*p = v;
}

SEC("ksyscall/lseek")
int BPF_KSYSCALL(on_lseek, int fd, long off, int whence)
{
	if (fd != 77)
		return 0;
	put(0, 1, 1);
	put(1, off, 0);
	put(2, whence, 0);
	return 0;
}

SEC("kretsyscall/lseek")
int BPF_KRETPROBE(on_lseek_ret, long ret)
{
	if (ret != -9) /* EBADF: the test's calls on fd 77 */
		return 0;
	put(3, 1, 1);
	put(4, ret, 0);
	return 0;
}

SEC("kprobe/__x64_sys_getppid")
int on_getppid(struct pt_regs *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)PT_REGS_PARM1(ctx);
	unsigned long orig_ax = 0;

	bpf_probe_read_kernel(&orig_ax, sizeof(orig_ax), &regs->orig_ax);
	put(5, 1, 1);
	put(6, orig_ax, 0); /* the user registers: the syscall number */
	return 0;
}

SEC("kretprobe/__x64_sys_getppid")
int BPF_KRETPROBE(on_getppid_ret, long ret)
{
	put(7, 1, 1);
	put(8, ret, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
