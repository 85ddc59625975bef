/* SPDX-License-Identifier: MIT */
/*
 * write_user.h - bpf_probe_write_user's boundary to the host
 * (write_user_host.c).
 */
#ifndef USERBPF_HELPERS_WRITE_USER_H
#define USERBPF_HELPERS_WRITE_USER_H

#include <stddef.h>
#include <stdint.h>

/* Copy size bytes to dst in this process without faulting: 0 or -EFAULT
 * (unmapped or read-only destination; bytes before the fault may have
 * been written, as with the kernel's copy_to_user_nofault). */
int ub_host_write_user(void *dst, const void *src, size_t size);

#endif
