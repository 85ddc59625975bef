/* SPDX-License-Identifier: MIT */
/*
 * execsnoop - one line per exec in the traced process tree: command name,
 * pid, parent pid and the file exec'd (from the __data_loc filename of
 * sched/sched_process_exec), and a count of execs per parent pid.
 *
 *   userbpf trace --follow build/examples/execsnoop.bpf.o -- sh -c 'ls; date'
 */
#include "probe_regs.h"
#include <bpf/bpf_core_read.h>

struct task_struct {
	int tgid;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

struct trace_event_raw_sched_process_exec {
	__u64 common;
	__u32 __data_loc_filename;
	int pid;
	int old_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, int);     /* parent pid */
	__type(value, __u64); /* execs of its children */
} execs SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int execsnoop(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	int ppid = BPF_CORE_READ(task, real_parent, tgid);
	char comm[16], file[128];
	__u64 one = 1, *n;

	bpf_get_current_comm(comm, sizeof(comm));
	bpf_probe_read_str(file, sizeof(file), (void *)ctx + (ctx->__data_loc_filename & 0xffff));
	bpf_printk("EXEC %-16s %-7d %-7d %s", comm, ctx->pid, ppid, file);
	n = bpf_map_lookup_elem(&execs, &ppid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&execs, &ppid, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
