/* SPDX-License-Identifier: MIT */
/*
 * test_bpf.h - the two sides of a kernel-differential bpf() test: kbpf()
 * is the running kernel's bpf(2), ubpf() is userbpf_bpf(); both return the
 * result or -errno.  kernel_ok() says whether this kernel lets us use
 * bpf() at all (tests skip with a message otherwise).
 */
#ifndef USERBPF_TEST_BPF_H
#define USERBPF_TEST_BPF_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "userbpf/syscall.h"

static inline int kbpf(int cmd, union bpf_attr *a, unsigned size)
{
	int r = (int)syscall(__NR_bpf, cmd, a, size);

	return r < 0 ? -errno : r;
}

static inline int ubpf(int cmd, union bpf_attr *a, unsigned size)
{
	int r = userbpf_bpf(cmd, a, size);

	return r < 0 ? -errno : r;
}

static inline bool kernel_ok(void)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = kbpf(BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#endif
