// SPDX-License-Identifier: MIT
/*
 * kernel/user/fault.c - a user task that reads kernel memory directly: the
 * kernel half is mapped without the user bit, so the read page-faults and
 * the kernel kills the task (kernel-test's second boot checks it).
 */
#include "ulib.h"

int main(void);
int main(void)
{
	volatile const uint64_t *kernel_text = (const uint64_t *)0xffffffff80100000UL;

	printf("fault: reading kernel memory at %p from ring 3\n", (const void *)kernel_text);
	printf("fault: read %lx (must not happen)\n", (unsigned long)*kernel_text);
	return 0;
}
