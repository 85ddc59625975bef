/* SPDX-License-Identifier: MIT */
/*
 * bootstrap - exec and exit events of the traced process tree with the
 * process's lifetime, through a ring buffer (the shape of
 * libbpf-bootstrap's bootstrap): sched_process_exec stores the exec time
 * per pid, sched_process_exit sends {pid, ppid, comm, duration}.
 *
 *   userbpf trace --follow build/examples/bootstrap.bpf.o -- sh -c 'ls; sleep 0.1'
 *
 * Record (struct event below, 176 bytes): the CLI prints it as hex, or
 * with --json as {"type":"ringbuf","map":"rb","data":"..."}.
 */
#include "probe_regs.h"
#include <bpf/bpf_core_read.h>

/* What CO-RE reads of the kernel's task_struct (resolved by name). */
struct task_struct {
	int tgid;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

/* The kernel's record of sched/sched_process_exec (vmlinux.h's name). */
struct trace_event_raw_sched_process_exec {
	__u64 common;
	__u32 __data_loc_filename; /* length << 16 | offset */
	int pid;
	int old_pid;
};

struct event {
	int pid;
	int ppid;
	unsigned int exit_code;
	unsigned int exit_event; /* 0 exec, 1 exit */
	unsigned long long duration_ns;
	char comm[16];
	char filename[136];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, int);
	__type(value, __u64);
} exec_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

/* 0: exec events, 1: exit events */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

const volatile __u64 min_duration_ns = 0;

static __always_inline void count(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_ns();
	struct task_struct *task;
	struct event *e;

	bpf_map_update_elem(&exec_start, &pid, &now, BPF_ANY);
	count(0);
	if (min_duration_ns)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = 0;
	e->exit_event = 0;
	e->duration_ns = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_str(e->filename, sizeof(e->filename),
			   (void *)ctx + (ctx->__data_loc_filename & 0xffff));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), dur = 0, *start;
	int pid = id >> 32;
	struct task_struct *task;
	struct event *e;

	if (pid != (int)id) /* a thread, not the process */
		return 0;
	start = bpf_map_lookup_elem(&exec_start, &pid);
	if (start)
		dur = bpf_ktime_get_ns() - *start;
	else if (min_duration_ns)
		return 0;
	bpf_map_delete_elem(&exec_start, &pid);
	count(1);
	if (min_duration_ns && dur < min_duration_ns)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = 0;
	e->exit_event = 1;
	e->duration_ns = dur;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->filename[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
