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
 *   ub_host_write_user       -EFAULT (bpf_probe_write_user: no
 *                             fault-free writes without an OS)
 *   ub_sock_*                no sockets: -EOPNOTSUPP / false
 *                             (maps/sock_host.c on the host)
 */
#include "ubc.h"

#if !__STDC_HOSTED__
#include "userbpf/progs.h"
#include "maps/map.h"
#include "helpers/task_struct.h"
#include "helpers/write_user.h"
#include "maps/sock_map.h"

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

__attribute__((weak)) const struct userbpf_btf *(*ub_task_btf_hook)(const struct userbpf_prog *prog);

__attribute__((weak)) int ub_host_write_user(void *dst, const void *src, size_t size)
{
	(void)dst;
	(void)src;
	(void)size;
	return -EFAULT;
}

__attribute__((weak)) int ub_sock_from_fd(uint64_t fd, struct ub_sock *out)
{
	(void)fd;
	(void)out;
	return -EOPNOTSUPP;
}

__attribute__((weak)) bool ub_sock_alive(const struct ub_sock *s)
{
	(void)s;
	return false;
}

__attribute__((weak)) bool ub_sock_redirect_allowed(const struct ub_sock *s)
{
	(void)s;
	return false;
}

__attribute__((weak)) bool ub_sock_is_tcp(const struct ub_sock *s)
{
	(void)s;
	return false;
}

__attribute__((weak)) bool ub_sock_is_vsock(const struct ub_sock *s)
{
	(void)s;
	return false;
}
#endif
