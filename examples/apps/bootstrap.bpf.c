/* SPDX-License-Identifier: MIT */
/*
 * bootstrap.bpf.c - exec and exit of processes, as records in a ring
 * buffer.  .rodata holds the parent to watch (set by user space before
 * load): only the children of that process are reported.  The exec time
 * of each process is kept in a hash map so its exit carries how long it
 * ran.  The parent pid and the exit code are read from struct task_struct
 * with CO-RE (BPF_CORE_READ).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bootstrap.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, int);
	__type(value, __u64);
} exec_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} rb SEC(".maps");

/* 0: every process; else only the children of this one. */
const volatile int target_ppid = 0;

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int fname_off = ctx->__data_loc_filename & 0xFFFF;
	int pid = bpf_get_current_pid_tgid() >> 32;
	int ppid = BPF_CORE_READ(task, real_parent, tgid);
	struct event *e;
	__u64 ts;

	if (target_ppid && ppid != target_ppid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&exec_start, &pid, &ts, BPF_ANY);

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	e->exit_event = 0;
	e->pid = pid;
	e->ppid = ppid;
	e->exit_code = 0;
	e->duration_ns = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + fname_off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(struct trace_event_raw_sched_process_template *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	int pid = id >> 32, tid = (__u32)id;
	int ppid = BPF_CORE_READ(task, real_parent, tgid);
	struct event *e;
	__u64 *start;

	if (pid != tid)
		return 0; /* a thread, not the process */
	if (target_ppid && ppid != target_ppid)
		return 0;

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	start = bpf_map_lookup_elem(&exec_start, &pid);
	e->duration_ns = start ? bpf_ktime_get_ns() - *start : 0;
	bpf_map_delete_elem(&exec_start, &pid);
	e->exit_event = 1;
	e->pid = pid;
	e->ppid = ppid;
	e->exit_code = (BPF_CORE_READ(task, exit_code) >> 8) & 0xff;
	e->filename[0] = '\0';
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
