/* SPDX-License-Identifier: MIT */
/*
 * dksym.bpf.c - sigsnoop's way of naming a signal's target (dksym.c): a
 * syscall tracepoint on kill() that asks bpf_ksym_exists whether the
 * kernel has bpf_task_from_pid, looks the target up by pid, reads its
 * comm and tgid and releases it; and bpf_ksym_exists of a weak kfunc no
 * kernel has, which libbpf leaves 0.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "dksym.h"

#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) (!!&(sym))
#endif

/* the kernel's struct trace_event_raw_sys_enter */
struct sys_enter_rec {
	__u64 common;
	long id;
	unsigned long args[6];
};

/* the fields read, relocated against the kernel's struct task_struct */
struct task_struct {
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern void bpf_userbpf_no_such_kfunc(void) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, int);
	__type(value, struct dksym_target);
} targets SEC(".maps");

int my_pid = 0;

SEC("tracepoint/syscalls/sys_enter_kill")
int kill_entry(struct sys_enter_rec *ctx)
{
	struct dksym_target v = {};
	struct task_struct *t;
	int tpid = (int)ctx->args[0];

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != (__u32)my_pid)
		return 0;
	v.missing_exists = bpf_ksym_exists(bpf_userbpf_no_such_kfunc);
	if (bpf_ksym_exists(bpf_task_from_pid)) {
		t = bpf_task_from_pid(tpid);
		if (t) {
			v.found = 1;
			v.tgid = BPF_CORE_READ(t, tgid);
			bpf_probe_read_kernel(v.comm, sizeof(v.comm), t->comm);
			bpf_task_release(t);
		}
	}
	bpf_map_update_elem(&targets, &tpid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
