/* SPDX-License-Identifier: MIT */
/*
 * dlsys.c - a library the probe tests dlopen after a syscall tracepoint
 * is attached: its syscall site ("mov $110,%eax; syscall", getppid) is
 * mapped after the attach and must still be rewritten (no trap).
 * Built into $(BUILD)/probe/libdlsys.so by mk/probe.mk.
 */
long dlsys_getppid(void);

long dlsys_getppid(void)
{
	long r;

	__asm__ volatile("mov $110,%%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}
