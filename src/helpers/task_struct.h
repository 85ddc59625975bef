/* SPDX-License-Identifier: MIT */
/*
 * task_struct.h - the current task as a struct task_struct image laid
 * out by a BTF (task_struct.c), for the helpers that return it.
 */
#ifndef USERBPF_TASK_STRUCT_H
#define USERBPF_TASK_STRUCT_H

#include <stdint.h>

#include "util/ubc.h"

#include "userbpf/vm.h"

struct userbpf_btf;

/*
 * The calling thread's task_struct laid out by btf's struct task_struct
 * (NULL without one, or on ENOMEM); valid until the thread exits or asks
 * with another BTF.  With run, its images become read-only regions.
 */
void *ub_task_current(struct userbpf_run *run, const struct userbpf_btf *btf);
/*
 * Thread tid of process pid (one this process may read /proc of) as a
 * struct task_struct laid out by btf, with its parent, group leader and
 * mm images (task->__state from its stat file), for iterators: it
 * allocates.  0, or -errno (-ENOENT: btf has no task_struct); put frees.
 */
struct ub_task_view {
	uint8_t *task, *parent, *leader, *mm;
	size_t task_size, mm_size;
};
int ub_task_view_get(const struct userbpf_btf *btf, int pid, int tid, struct ub_task_view *v);
void ub_task_view_put(struct ub_task_view *v);
/* The calling thread's images (ub_task_current's, not to be put). */
int ub_task_current_view(const struct userbpf_btf *btf, struct ub_task_view *v);
/*
 * Lay out the task_struct of the BTF prog's helpers will use (the hook's,
 * else the kernel's) and make its pool of per-thread images, so that
 * ub_task_current does not parse or allocate when prog runs.  At attach
 * time; 0 or -errno.
 */
int ub_task_prepare(const struct userbpf_prog *prog) UB_HOST_OPTIONAL;
/*
 * task->exit_code of the calling process (the kernel's: status << 8 | signal),
 * 0 while it runs; a host that sees the process exit (the launch
 * interposer) sets it before firing sched_process_exit.
 */
extern uint32_t ub_task_exit_code;
/* The calling thread's cgroup v2 id (0 without cgroup v2). */
uint64_t ub_current_cgroup_id(void);

/*
 * The BTF a program's task_struct is laid out by, set by the loader (its
 * object's CO-RE target); unset or NULL: the kernel's BTF, else the
 * context BTF.
 */
extern const struct userbpf_btf *(*ub_task_btf_hook)(const struct userbpf_prog *prog);

uint64_t ub_helper_get_current_task(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				    struct userbpf_run *run) UB_HOST_OPTIONAL;
/* kfuncs: bpf_task_from_pid, bpf_task_acquire, bpf_task_release */
uint64_t ub_helper_task_from_pid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				 struct userbpf_run *run) UB_HOST_OPTIONAL;
uint64_t ub_helper_task_acquire(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_run *run) UB_HOST_OPTIONAL;
uint64_t ub_helper_task_release(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				struct userbpf_run *run) UB_HOST_OPTIONAL;
uint64_t ub_helper_get_task_stack(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				  struct userbpf_run *run) UB_HOST_OPTIONAL;
/* maps/cgroup_array.c */
uint64_t ub_helper_current_task_under_cgroup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
					     uint64_t r5, struct userbpf_run *run) UB_HOST_OPTIONAL;
uint64_t ub_helper_get_ns_current_pid_tgid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
					   uint64_t r5, struct userbpf_run *run) UB_HOST_OPTIONAL;
uint64_t ub_helper_get_current_cgroup_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
					 uint64_t r5, struct userbpf_run *run) UB_HOST_OPTIONAL;
uint64_t ub_helper_get_socket_cookie(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct userbpf_run *run) UB_HOST_OPTIONAL;

#endif
