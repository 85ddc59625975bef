/* SPDX-License-Identifier: MIT */
/*
 * cancel.bpf.c - fixture of test_cancel.c: programs on read() (syscall
 * tracepoints) and on two functions of the test (uprobe, uretprobe) that
 * count their runs and, on the thread whose id is in ctl[0], spin until
 * the test sets ctl[1], so that a pthread_cancel can arrive in the middle
 * of a run.
 *
 * ctl[0] the spinning thread's id, ctl[1] stop, ctl[2] spins begun,
 * ctl[3] spins ended, ctl[4] read enters, ctl[5] read exits, ctl[6]
 * uprobe runs, ctl[7] uretprobe runs.
 */
#include "../../examples/probe_regs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} ctl SEC(".maps");

static __always_inline __u64 *slot(__u32 k)
{
	return bpf_map_lookup_elem(&ctl, &k);
}

static __always_inline void inc(__u32 k)
{
	__u64 *p = slot(k);

	if (p)
		__sync_fetch_and_add(p, 1);
}

static long spin_cb(__u64 i, void *ctx)
{
	__u64 *stop = slot(1);

	return stop && *(volatile __u64 *)stop ? 1 : 0;
}

/* Spin (at most 2^23 rounds) if this is the thread named in ctl[0]. */
static __always_inline void maybe_spin(void)
{
	__u64 *tid = slot(0);

	if (!tid || !*tid || *tid != (__u32)bpf_get_current_pid_tgid())
		return;
	inc(2);
	bpf_loop(1 << 23, spin_cb, NULL, 0);
	inc(3);
}

SEC("tracepoint/syscalls/sys_enter_read")
int on_enter_read(void *ctx)
{
	inc(4);
	maybe_spin();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_read")
int on_exit_read(void *ctx)
{
	inc(5);
	return 0;
}

SEC("uprobe")
int on_func(struct pt_regs *ctx)
{
	inc(6);
	maybe_spin();
	return 0;
}

SEC("uretprobe")
int on_func_ret(struct pt_regs *ctx)
{
	inc(7);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
