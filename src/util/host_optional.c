/* SPDX-License-Identifier: MIT */
/*
 * util/host_optional.c - what the freestanding core does where the hosted
 * library calls into its OS-only files: weak stand-ins an embedder may
 * replace.  Empty in the hosted build (the real definitions are in
 * progs/test_run.c, maps/perf_event_array.c, helpers/task_struct.c).
 *
 *   userbpf_prog__test_run   -ENOTSUPP (BPF_PROG_TEST_RUN needs low
 *                             packet memory and a timer: host only)
 *   ub_perf_event_output     -EINVAL (no perf event array map exists)
 *   ub_task_btf_hook         NULL (no synthetic task_struct)
 * (The socket queries of the sock maps and bpf_probe_write_user's host
 * write are answered by util/host_fallback.c.)
 */
#include "ubc.h"

#if !__STDC_HOSTED__
#include "userbpf/progs.h"
#include "maps/map.h"
#include "helpers/task_struct.h"

__attribute__((weak)) int userbpf_prog__test_run(const struct userbpf_prog *prog,
						 struct userbpf_test_run_opts *opts)
{
	(void)prog;
	(void)opts;
	return -ENOTSUPP;
}

__attribute__((weak)) long ub_perf_event_output(struct ub_map *map, uint64_t flags,
						const void *data, uint64_t size)
{
	(void)map;
	(void)flags;
	(void)data;
	(void)size;
	return -EINVAL;
}

__attribute__((weak))
const struct userbpf_btf *(*ub_task_btf_hook)(const struct userbpf_prog *prog);
#endif
