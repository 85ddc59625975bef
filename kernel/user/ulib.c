// SPDX-License-Identifier: MIT
/*
 * kernel/user/ulib.c - printf, string functions and a bump allocator
 * (memory from anonymous mmap) for the kernel's user programs.
 */
#include "ulib.h"

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys_write(1, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

static char *heap, *heap_end;

void *malloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!heap || (size_t)(heap_end - heap) < n) {
		size_t chunk = n > (1 << 20) ? n : (1 << 20);

		heap = sys_mmap(0, chunk, 3, 0x22, -1, 0); /* RW, private anonymous */
		if ((long)heap < 0 && (long)heap > -4096)
			return NULL;
		heap_end = heap + chunk;
	}
	p = heap;
	heap += n;
	return p;
}

void free(void *p)
{
	(void)p;
}
