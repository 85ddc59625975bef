// SPDX-License-Identifier: MIT
/*
 * vmlinux_iters.bpf.c - iterator programs as the public tools write them
 * (the tutorial's task and TCP iterators): task iterators that print
 * the task they are given, and a tcp iterator that would abort matching
 * connections through the strong kfunc bpf_sock_destroy (the loader must
 * resolve it) and reports how many sockets it saw.  The map-element
 * iterator is vmlinux_iter_map.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u16 victim_port = 0;
__u64 scanned, destroyed, destroy_err;

extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

SEC("iter/task")
int task_line(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task) {
		BPF_SEQ_PRINTF(seq, "end\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "pid=%d tgid=%d comm=%s\n", task->pid, task->tgid, task->comm);
	return 0;
}

/* Every field userbpf fills for a task it did not run on, and the
 * pointers to its group leader and parent. */
SEC("iter/task")
int task_state(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "pid=%d tgid=%d state=%u comm=%s leader=%d ppid=%d\n",
		       task->pid, task->tgid, task->__state, task->comm, task->group_leader->pid,
		       task->real_parent->tgid);
	return 0;
}

SEC("iter/tcp")
int kill_port(struct bpf_iter__tcp *ctx)
{
	struct sock_common *sk = ctx->sk_common;
	int err;

	if (!sk) {
		BPF_SEQ_PRINTF(ctx->meta->seq, "scanned=%llu destroyed=%llu\n", scanned, destroyed);
		return 0;
	}
	scanned++;
	if (BPF_CORE_READ(sk, skc_num) != victim_port)
		return 0;
	err = bpf_sock_destroy(sk);
	if (err)
		destroy_err = (__u64)err;
	else
		destroyed++;
	return 0;
}
