/* SPDX-License-Identifier: MIT */
/*
 * uprobe.bpf.c - entry and return probes on two functions of the
 * application's own executable.  uprobe_add/uretprobe_add are bare
 * sections that user space attaches by function name
 * (bpf_program__attach_uprobe_opts); uprobe_sub/uretprobe_sub name their
 * target in the section and are attached by the skeleton.  Every hit is
 * appended to calls[] in .bss, which user space reads through skel->bss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "uprobe.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct call calls[MAX_CALLS];
int ncalls = 0;

static __always_inline void record(int kind, long a, long b, long ret)
{
	int i = ncalls;

	if (i < 0 || i >= MAX_CALLS)
		return;
	calls[i].kind = kind;
	calls[i].pid = bpf_get_current_pid_tgid() >> 32;
	calls[i].a = a;
	calls[i].b = b;
	calls[i].ret = ret;
	ncalls = i + 1;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_add, int a, int b)
{
	record(CALL_ADD_ENTRY, a, b, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_add, int ret)
{
	record(CALL_ADD_RETURN, 0, 0, ret);
	return 0;
}

SEC("uprobe//proc/self/exe:uprobed_sub")
int BPF_KPROBE(uprobe_sub, int a, int b)
{
	record(CALL_SUB_ENTRY, a, b, 0);
	return 0;
}

SEC("uretprobe//proc/self/exe:uprobed_sub")
int BPF_KRETPROBE(uretprobe_sub, int ret)
{
	record(CALL_SUB_RETURN, 0, 0, ret);
	return 0;
}
