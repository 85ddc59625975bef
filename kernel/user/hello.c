// SPDX-License-Identifier: MIT
/* kernel/user/hello.c - the first user task: prove ring 3, syscalls and faults work. */
#include "ulib.h"

int main(void);
int main(void)
{
	long pid = sys_getpid(), r;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("hello from user mode: pid %ld, cs %x (ring %d)\n", pid, cs, cs & 3);
	r = sys_kill(12345, 0);
	printf("kill(12345, 0) = %ld\n", r);
	r = sys_write(1, (void *)0xffffffff80100000UL, 16);
	printf("write from a kernel address = %ld\n", r);
	return 0;
}
