/* SPDX-License-Identifier: MIT */
/*
 * refuse_vm_readv.h - process_vm_readv refused (EPERM) by a seccomp filter
 * in the calling process, for the tests of the fault-handling probe read
 * (tests/unit/test_safe_read.c, tests/probe/apps/faultee.c): a read that
 * succeeds afterwards came through the fast path.  0, or -1 with errno.
 */
#ifndef USERBPF_TEST_REFUSE_VM_READV_H
#define USERBPF_TEST_REFUSE_VM_READV_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static inline int refuse_process_vm_readv(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

#endif
