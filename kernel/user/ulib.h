/* SPDX-License-Identifier: MIT */
/*
 * kernel/user/ulib.h - what the user programs of the kernel have instead
 * of a C library: system call wrappers (Linux x86-64 numbers, int 0x80),
 * printf to the console, string functions, a bump allocator.
 */
#ifndef KERNEL_USER_ULIB_H
#define KERNEL_USER_ULIB_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../format.h"

static inline long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "memory", "rcx", "r11");
	return ret;
}
#define syscall3(n, a, b, c) syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static inline long sys_read(int fd, void *buf, size_t n)
{
	return syscall3(0, fd, buf, n);
}
static inline long sys_write(int fd, const void *buf, size_t n)
{
	return syscall3(1, fd, buf, n);
}
static inline long sys_close(int fd)
{
	return syscall3(3, fd, 0, 0);
}
static inline long sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return syscall3(16, fd, cmd, arg);
}
static inline long sys_open(const char *path, int flags)
{
	return syscall3(2, path, flags, 0);
}
static inline long sys_getpid(void)
{
	return syscall3(39, 0, 0, 0);
}
static inline long sys_kill(long pid, long sig)
{
	return syscall3(62, pid, sig, 0);
}
static inline void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return (void *)syscall6(9, (long)addr, (long)len, prot, flags, fd, off);
}
static inline long sys_bpf(int cmd, void *attr, unsigned size)
{
	return syscall3(321, cmd, attr, size);
}
static inline long sys_perf_event_open(void *attr, int pid, int cpu, int group, unsigned long flags)
{
	return syscall6(298, (long)attr, pid, cpu, group, (long)flags, 0);
}
/* userbpf kernel extension: run the in-kernel kprobe benchmark (cycles) */
static inline long sys_kbench(long iterations)
{
	return syscall3(500, iterations, 0, 0);
}

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void *malloc(size_t n);
void free(void *p);
#endif
