/* SPDX-License-Identifier: MIT */
/*
 * userbpf/iter.h - running iterator programs (SEC("iter/...")), as
 * reading a kernel iterator's file descriptor runs them: once per object
 * with the context { struct bpf_iter_meta *meta; object }, then once with
 * a NULL object; bpf_seq_printf() and bpf_seq_write() output is the
 * iterator's text.
 */
#ifndef USERBPF_ITER_H
#define USERBPF_ITER_H

#include "common.h"
#include "map.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct userbpf_iter_opts {
	size_t sz;
	uint32_t run_flags;  /**< USERBPF_RUN_* for each program run */
	uint64_t session_id; /**< meta->session_id */
	/** the map of an iter/bpf_map_elem program (required for it, refused
	 *  for other targets, as the kernel's BPF_LINK_CREATE map_fd) */
	struct userbpf_map *map;
	/** iter/task: the processes whose threads it visits (default: this
	 *  one), as pids readable in /proc */
	const int *task_pids;
	size_t task_pid_cnt;
	/** iter/task: only this thread / this process's threads (the
	 *  kernel's bpf_iter_link_info.task.tid and .pid); 0: no filter */
	int task_tid;
	int task_pid;
};
#define userbpf_iter_opts__last_field task_pid

/**
 * @brief Run an iterator program over target's objects, writing its
 * output to buf (NUL-terminated).  Targets: "task" (the SEC("iter/task")
 * context struct bpf_iter__task): every thread of this process (or of
 * opts->task_pids) by ascending thread id, each as a struct task_struct
 * userbpf builds (pid, tgid, comm, __state, flags, start_time, prio,
 * real_parent, group_leader), the calling thread being the task
 * bpf_get_current_task gives; "bpf_map_elem" (struct
 * bpf_iter__bpf_map_elem { meta, map, key, value }): every element of
 * opts->map, the value writable in place (a copy for per-CPU maps); any
 * other target: no objects, only the final call with a NULL object.
 * @return bytes of output (without the NUL); -EOVERFLOW when a record did
 * not fit in size - 1 bytes (buf holds the records before it); -EINVAL
 * for bad arguments (a map missing for bpf_map_elem or given for another
 * target); the error of a failed program run.
 */
USERBPF_API long userbpf_iter__run(const struct userbpf_prog *prog, const char *target, char *buf,
				   size_t size, const struct userbpf_iter_opts *opts);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_ITER_H */
