// SPDX-License-Identifier: MIT
/*
 * write_user.c - bpf_probe_write_user (36): the tracing programs' write
 * into "user memory", with the boundary bpf_probe_read has
 * (USERBPF_RUN_HOST_READ, include/userbpf/vm.h):
 *
 *  - a run with USERBPF_RUN_HOST_READ (probes inside a traced process)
 *    writes any writable mapped address of the process, never faulting;
 *    an unmapped or read-only destination is -EFAULT, as the kernel's
 *    copy_to_user_nofault() answers;
 *  - any other run writes only its own memory: in checked mode its
 *    writable regions, otherwise the memory bpf_probe_read could read
 *    (stack, context, packet, given regions); anything else is -EFAULT,
 *    the kernel's answer for an address that is not user memory, and
 *    nothing is written.
 *
 * The source must be readable memory of the run (the kernel's
 * ARG_PTR_TO_MEM | MEM_RDONLY with ARG_CONST_SIZE).
 */
#include "helpers.h"
#include "write_user.h"

/* dst..dst+size is memory the run may read as its own (not the host). */
static bool own_memory(struct userbpf_run *run, const void *dst, size_t size)
{
	unsigned char probe[64];
	size_t off;

	for (off = 0; off < size; off += sizeof(probe)) {
		size_t n = size - off < sizeof(probe) ? size - off : sizeof(probe);

		if (userbpf_run__read(run, probe, (const unsigned char *)dst + off, n))
			return false;
	}
	return true;
}

UB_HELPER(probe_write_user)
{
	void *dst = (void *)(uintptr_t)r1;
	const void *src = (const void *)(uintptr_t)r2;
	size_t size = (uint32_t)r3;

	if (!userbpf_run__mem_ok(run, src, size, 0))
		return UB_ERR(-EFAULT);
	if (userbpf_run__flags(run) & USERBPF_RUN_HOST_READ)
		return UB_ERR(ub_host_write_user(dst, src, size));
	if (userbpf_run__checked(run)) {
		if (!userbpf_run__mem_ok(run, dst, size, 1))
			return UB_ERR(-EFAULT);
	} else if (!own_memory(run, dst, size)) {
		return UB_ERR(-EFAULT);
	}
	__builtin_memmove(dst, src, size);
	return 0;
}
