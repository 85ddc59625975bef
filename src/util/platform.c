/* SPDX-License-Identifier: MIT */
/*
 * platform.c - allocator, clock and print-callback plumbing.  Hosted
 * defaults use libc; an embedder replaces them with userbpf_set_platform().
 * Also: userbpf_strerror(), and the Nth-allocation fault injector used by
 * the fault tests.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "userbpf/common.h"
#include "alloc.h"
#include "log.h"

static struct userbpf_platform platform;

int userbpf_set_platform(const struct userbpf_platform *p)
{
	struct userbpf_platform next = { 0 };

	if (!p)
		return -EINVAL;
	if (p->sz < offsetof(struct userbpf_platform, cookie) + sizeof(void *))
		return -EINVAL;
	if (!p->alloc != !p->free)
		return -EINVAL; /* both or neither */
	memcpy(&next, p, sizeof(next));
	platform = next;
	return 0;
}

#ifdef USERBPF_FAULT_INJECT
static unsigned long fault_countdown;
void ub_fault_set(unsigned long n) { fault_countdown = n; }
unsigned long ub_fault_pending(void) { return fault_countdown; }
static int fault_now(void)
{
	return fault_countdown && --fault_countdown == 0;
}
#else
void ub_fault_set(unsigned long n) { (void)n; }
unsigned long ub_fault_pending(void) { return 0; }
static int fault_now(void) { return 0; }
#endif

/*
 * A custom allocator has no realloc and no size query: each block it gives
 * carries a header with the usable size in front, so that ub_realloc can
 * move it.  libc blocks have no header.
 */
#define UB_HDR 16

static void *custom_alloc(size_t size)
{
	uint8_t *p;

	if (size > SIZE_MAX - UB_HDR)
		return NULL;
	p = platform.alloc(size + UB_HDR, platform.cookie);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + UB_HDR;
}

void *ub_alloc(size_t size)
{
	if (fault_now())
		return NULL;
	if (size == 0)
		size = 1;
	if (platform.alloc)
		return custom_alloc(size);
	return calloc(1, size);
}

void *ub_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return ub_alloc(n * size);
}

void *ub_realloc(void *ptr, size_t size)
{
	void *n;
	size_t old;

	if (fault_now())
		return NULL;
	if (size == 0)
		size = 1;
	if (!platform.alloc)
		return realloc(ptr, size);
	n = custom_alloc(size);
	if (!n)
		return NULL;
	if (ptr) {
		memcpy(&old, (uint8_t *)ptr - UB_HDR, sizeof(old));
		memcpy(n, ptr, old < size ? old : size);
		platform.free((uint8_t *)ptr - UB_HDR, platform.cookie);
	}
	return n;
}

void ub_free(void *ptr)
{
	if (!ptr)
		return;
	if (platform.free)
		platform.free((uint8_t *)ptr - UB_HDR, platform.cookie);
	else
		free(ptr);
}

char *ub_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = ub_alloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

uint64_t ub_clock_ns(int clock_id)
{
	struct timespec ts;

	if (platform.clock_ns)
		return platform.clock_ns(clock_id, platform.cookie);
	if (clock_gettime((clockid_t)clock_id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ==== Reading any address without faulting ==== */

int ub_safe_read(void *dst, const void *src, size_t size)
{
	struct iovec local = { dst, size }, remote = { (void *)src, size };
	ssize_t n;

	if (size == 0)
		return 0;
	if ((uintptr_t)src + size < (uintptr_t)src)
		return -EFAULT;
	if (platform.sz >= offsetof(struct userbpf_platform, read_mem) +
				   sizeof(platform.read_mem) && platform.read_mem)
		return platform.read_mem(dst, src, size, platform.cookie) ? -EFAULT : 0;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return n == (ssize_t)size ? 0 : -EFAULT;
}

/*
 * Read up to size bytes of a string, page by page so that a string
 * ending just before an unmapped page still reads.
 */
long ub_safe_read_str(char *dst, const void *src, size_t size)
{
	uintptr_t p = (uintptr_t)src;
	size_t done = 0;

	if (size == 0)
		return 0;
	while (done < size) {
		size_t chunk = 4096 - ((p + done) & 4095);
		char *nul;

		if (chunk > size - done)
			chunk = size - done;
		if (ub_safe_read(dst + done, (const void *)(p + done), chunk))
			return -EFAULT;
		nul = memchr(dst + done, 0, chunk);
		if (nul)
			return (long)(nul - dst) + 1;
		done += chunk;
	}
	dst[size - 1] = '\0';
	return (long)size;
}

/* ==== Executable memory (JIT), write-xor-execute ==== */

static bool platform_has_exec(void)
{
	return platform.sz >= offsetof(struct userbpf_platform, exec_free) +
			      sizeof(platform.exec_free) &&
	       platform.exec_alloc && platform.exec_seal && platform.exec_free;
}

void *ub_exec_alloc(size_t size)
{
	void *p;

	if (fault_now() || size == 0)
		return NULL;
	if (platform_has_exec())
		return platform.exec_alloc(size, platform.cookie);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int ub_exec_seal(void *ptr, size_t size)
{
	if (platform_has_exec())
		return platform.exec_seal(ptr, size, platform.cookie) ? -EPERM : 0;
	return mprotect(ptr, size, PROT_READ | PROT_EXEC) ? -errno : 0;
}

void ub_exec_free(void *ptr, size_t size)
{
	if (!ptr)
		return;
	if (platform_has_exec())
		platform.exec_free(ptr, size, platform.cookie);
	else
		munmap(ptr, size);
}

void userbpf_free(void *ptr)
{
	ub_free(ptr);
}

/* ==== Print callback ==== */

/* Silent by default: the library never writes to stdout or stderr. */
static userbpf_print_fn_t print_fn;

userbpf_print_fn_t userbpf_set_print(userbpf_print_fn_t fn)
{
	userbpf_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void ub_log(enum userbpf_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

const char *userbpf_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 524:
		return "Operation not supported (ENOTSUPP)";
	default:
		return strerror(err);
	}
}
