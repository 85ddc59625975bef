/* SPDX-License-Identifier: MIT */
/*
 * vmlinux_task.bpf.c - the current task as process tracers read it (the
 * style of libbpf-bootstrap's bootstrap and bcc's execsnoop/exitsnoop):
 * bpf_get_current_task() walked with BPF_CORE_READ (real_parent->tgid,
 * group_leader->pid, comm, start_time, exit_code, flags, mm), the same
 * through bpf_get_current_task_btf() with direct loads in a tp_btf
 * program, bpf_get_ns_current_pid_tgid() against a namespace the loader
 * sets in .rodata, and bpf_get_current_cgroup_id().  A weak kfunc
 * guarded by bpf_ksym_exists() must resolve to absent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "fixture.h"

#ifndef bpf_ksym_exists /* libbpf before 1.2 */
#define bpf_ksym_exists(sym) (!!(sym))
#endif

const volatile __u64 ns_dev = 0;
const volatile __u64 ns_ino = 0;
__u64 tk_out[TK_NR];
char tk_comm[16];
char tk_parent_comm[16];

SEC("tp/sched/sched_process_exec")
int task_core_read(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct bpf_pidns_info ns = {};

	tk_out[TK_PID] = BPF_CORE_READ(task, pid);
	tk_out[TK_TGID] = BPF_CORE_READ(task, tgid);
	tk_out[TK_PPID] = BPF_CORE_READ(task, real_parent, tgid);
	tk_out[TK_LEADER] = BPF_CORE_READ(task, group_leader, pid);
	tk_out[TK_START] = BPF_CORE_READ(task, start_time);
	tk_out[TK_EXIT] = BPF_CORE_READ(task, exit_code);
	tk_out[TK_FLAGS] = BPF_CORE_READ(task, flags);
	tk_out[TK_MM] = BPF_CORE_READ(task, mm) != NULL;
	BPF_CORE_READ_STR_INTO(&tk_comm, task, comm);
	BPF_CORE_READ_STR_INTO(&tk_parent_comm, task, real_parent, comm);
	tk_out[TK_PIDTGID] = bpf_get_current_pid_tgid();
	tk_out[TK_NS_RET] = bpf_get_ns_current_pid_tgid(ns_dev, ns_ino, &ns, sizeof(ns));
	tk_out[TK_NS_PID] = ns.pid;
	tk_out[TK_NS_TGID] = ns.tgid;
	tk_out[TK_CGROUP] = bpf_get_current_cgroup_id();
	return 0;
}

/* autoload off: userbpf's verifier does not type BTF pointers yet */
SEC("?tp_btf/sched_process_exec")
int task_btf_direct(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	tk_out[TK_BTF_PID] = task->pid;
	tk_out[TK_BTF_PPID] = task->real_parent->tgid;
	tk_out[TK_BTF_MM] = task->mm != NULL;
	return 0;
}

extern void bpf_rcu_read_lock___nonexistent(void) __ksym __weak;

SEC("tp/sched/sched_process_exit")
int weak_kfunc(void *ctx)
{
	if (bpf_ksym_exists(bpf_rcu_read_lock___nonexistent)) {
		bpf_rcu_read_lock___nonexistent();
		return 1;
	}
	return 2;
}

/* strong: a load that needs it fails naming it (autoload off here) */
extern void bpf_rcu_read_lock___strong_missing(void) __ksym;

SEC("?tp/sched/sched_process_exit")
int strong_kfunc(void *ctx)
{
	bpf_rcu_read_lock___strong_missing();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
