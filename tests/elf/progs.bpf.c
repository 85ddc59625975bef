/* SPDX-License-Identifier: MIT */
/*
 * progs.bpf.c - section conventions (one program per libbpf section
 * kind), several programs per section, static and global subprograms in
 * .text calling each other, a bpf_loop callback (lddw of a function
 * address) and a program that is not loaded by default (SEC("?...")).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fixture.h"

static __noinline int add3(int x)
{
	return x + 3;
}

static __noinline int twice_add3(int x)
{
	return add3(x) * 2;
}

__noinline int global_sub(int x)
{
	return twice_add3(x) + 1;
}

static int loop_cb(__u32 index, void *data)
{
	*(int *)data += index;
	return 0;
}

/* two programs in one section */
SEC("xdp")
int xdp_a(struct xdp_md *ctx)
{
	return add3(1); /* 4 */
}

SEC("xdp")
int xdp_b(struct xdp_md *ctx)
{
	return global_sub(2); /* 11 */
}

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
	return twice_add3(5); /* 16 */
}

SEC("tc")
int loop_prog(struct __sk_buff *skb)
{
	int sum = 0;

	bpf_loop(5, loop_cb, &sum, 0);
	return sum + add3(0); /* 0+1+2+3+4 + 3 = 13 */
}

SEC("?tc")
int not_autoloaded(struct __sk_buff *skb)
{
	return 1;
}

#define TRIVIAL(SEC_NAME, NAME)                                                                    \
	SEC(SEC_NAME) int NAME(void *ctx)                                                          \
	{                                                                                          \
		return 0;                                                                          \
	}

TRIVIAL("socket", sock)
TRIVIAL("classifier", cls)
TRIVIAL("action", act)
TRIVIAL("kprobe/do_sys_openat2", kp)
TRIVIAL("kretprobe/do_sys_openat2", krp)
TRIVIAL("uprobe//usr/bin/true:main", up)
TRIVIAL("uretprobe//usr/bin/true:main", urp)
TRIVIAL("uprobe.s//usr/bin/true:main", ups)
TRIVIAL("usdt/libc:setjmp", usdt_prog)
TRIVIAL("tracepoint/syscalls/sys_enter_openat", tracep)
TRIVIAL("tp/sched/sched_switch", tp_short)
TRIVIAL("raw_tracepoint/sys_enter", rawtp)
TRIVIAL("raw_tp/sys_exit", rawtp_short)
TRIVIAL("tp_btf/sched_switch", tpbtf)
TRIVIAL("fentry/do_unlinkat", fent)
TRIVIAL("fexit/do_unlinkat", fexi)
TRIVIAL("perf_event", perf)
TRIVIAL("syscall", sysc)
TRIVIAL("cgroup_skb/ingress", cg_in)
TRIVIAL("cgroup_skb/egress", cg_eg)
TRIVIAL("cgroup/connect4", cg_conn4)
TRIVIAL("lsm/file_open", lsm_prog)
TRIVIAL("sk_msg", skmsg)
TRIVIAL("flow_dissector", flowd)
TRIVIAL("tc/ingress", tcx_in)
TRIVIAL("xdp.frags", xdp_frags)

char LICENSE[] SEC("license") = "GPL";
