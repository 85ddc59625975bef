/* SPDX-License-Identifier: MIT */
/*
 * dkfunc.bpf.c - what libbpf-bootstrap's kprobe and fentry examples do
 * (kprobe/kretprobe and fentry/fexit on do_unlinkat, bpf_printk of the
 * pid, the filename and the return value), plus a ring buffer of the same
 * fields for the unlinks of the loader's own process (dkfunc.c), so the
 * test (tests/probe/test_kfunc_launch.c) can check them exactly.
 */
#include "../../../examples/probe_regs.h"
#include <bpf/bpf_core_read.h>

#include "dkfunc.h"

struct filename {
	const char *name;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

int my_pid = 0;

static __always_inline void send(int kind, int dfd, long ret, const char *name)
{
	struct dkfunc_event *e;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)my_pid)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	e->kind = kind;
	e->dfd = dfd;
	e->ret = ret;
	e->name[0] = '\0';
	if (name)
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
	bpf_ringbuf_submit(e, 0);
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(do_unlinkat, int dfd, struct filename *name)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	const char *filename = BPF_CORE_READ(name, name);

	bpf_printk("KPROBE ENTRY pid = %d, filename = %s\n", pid, filename);
	send(0, dfd, 0, filename);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(do_unlinkat_exit, long ret)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	bpf_printk("KPROBE EXIT: pid = %d, ret = %ld\n", pid, ret);
	send(1, 0, ret, 0);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(fentry_unlinkat, int dfd, struct filename *name)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	bpf_printk("fentry: pid = %d, filename = %s\n", pid, name->name);
	send(2, dfd, 0, name->name);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(fexit_unlinkat, int dfd, struct filename *name, long ret)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	bpf_printk("fexit: pid = %d, filename = %s, ret = %ld\n", pid, name->name, ret);
	send(3, dfd, ret, name->name);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
