// SPDX-License-Identifier: MIT
/*
 * loader_helpers.c - helpers that need what only the loader knows, given
 * to every program an object creates (after the program type's helpers,
 * before the caller's extras, which override them by id):
 * bpf_get_current_task (35) and bpf_get_current_task_btf (158) return the
 * calling thread's task_struct laid out by the object's CO-RE target BTF
 * (src/helpers/task_struct.c builds it); with them the process helpers
 * that tools call beside them: bpf_get_socket_cookie (46),
 * bpf_get_current_cgroup_id (80), bpf_get_ns_current_pid_tgid (120).
 *
 * Does not own: the built-in registry (src/helpers/std.c).
 */
#include "helpers/task_struct.h"
#include "loader_int.h"

static uint64_t get_current_task(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct userbpf_run *run)
{
	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5;
	return (uint64_t)(uintptr_t)ub_task_current(run,
						    ub_prog_task_btf(userbpf_run__prog(run)));
}

#define A(X) USERBPF_ARG_##X

const struct userbpf_helper ub_loader_helpers[] = {
	{ 35, "bpf_get_current_task", get_current_task,
	  { .ret = USERBPF_RET_INTEGER } },
	{ 46, "bpf_get_socket_cookie", ub_helper_get_socket_cookie,
	  { .ret = USERBPF_RET_INTEGER, .args = { A(PTR_TO_CTX) } } },
	{ 80, "bpf_get_current_cgroup_id", ub_helper_get_current_cgroup_id,
	  { .ret = USERBPF_RET_INTEGER } },
	{ 120, "bpf_get_ns_current_pid_tgid", ub_helper_get_ns_current_pid_tgid,
	  { .ret = USERBPF_RET_INTEGER,
	    .args = { A(ANYTHING), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE) } } },
	/* the kernel types it as a trusted BTF pointer, never NULL */
	{ 158, "bpf_get_current_task_btf", get_current_task,
	  { .ret = USERBPF_RET_INTEGER } },
};
const size_t ub_loader_helper_cnt = sizeof(ub_loader_helpers) / sizeof(ub_loader_helpers[0]);
