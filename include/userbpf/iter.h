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
};
#define userbpf_iter_opts__last_field map

/**
 * @brief Run an iterator program over target's objects, writing its
 * output to buf (NUL-terminated).  Targets: "task" (the SEC("iter/task")
 * context struct bpf_iter__task): the calling thread, the one task
 * userbpf builds a struct task_struct for; "bpf_map_elem" (struct
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
