/* SPDX-License-Identifier: MIT */
/*
 * host_fallback.c - what the freestanding core answers where the hosted
 * library asks the operating system (src/maps/sock_host.c,
 * src/helpers/write_user_host.c): there are no socket descriptors, so a
 * sock map update fails with -EBADF as for a closed descriptor, and
 * bpf_probe_write_user() outside the run's own memory fails with -EFAULT.
 * Compiled only into the core (the hosted library has the real ones).
 */
#include "util/ubc.h"

#if !__STDC_HOSTED__
#include "maps/sock_map.h"
#include "helpers/write_user.h"

int ub_sock_from_fd(uint64_t fd, struct ub_sock *out)
{
	(void)fd, (void)out;
	return -EBADF;
}

bool ub_sock_alive(const struct ub_sock *s)
{
	(void)s;
	return false;
}

bool ub_sock_redirect_allowed(const struct ub_sock *s)
{
	(void)s;
	return false;
}

bool ub_sock_is_tcp(const struct ub_sock *s)
{
	(void)s;
	return false;
}

bool ub_sock_is_vsock(const struct ub_sock *s)
{
	(void)s;
	return false;
}

int ub_sock_view(const struct ub_sock *s, struct ub_bpf_sock *out)
{
	(void)s, (void)out;
	return -EOPNOTSUPP;
}

int ub_host_write_user(void *dst, const void *src, size_t size)
{
	(void)dst, (void)src, (void)size;
	return -EFAULT;
}
#endif
