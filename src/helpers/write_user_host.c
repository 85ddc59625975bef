// SPDX-License-Identifier: MIT
/*
 * write_user_host.c - host-only part of bpf_probe_write_user
 * (write_user.c): a write into this process that never faults, as the
 * kernel's copy_to_user_nofault(): process_vm_writev on ourselves, which
 * reports EFAULT for unmapped and read-only pages instead of a signal.
 */
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "write_user.h"

int ub_host_write_user(void *dst, const void *src, size_t size)
{
	struct iovec local = { (void *)src, size }, remote = { dst, size };
	ssize_t n;

	if (size == 0)
		return 0;
	if ((uintptr_t)dst + size < (uintptr_t)dst)
		return -EFAULT;
	n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	return n == (ssize_t)size ? 0 : -EFAULT;
}
