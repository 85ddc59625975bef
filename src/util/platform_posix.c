/* SPDX-License-Identifier: MIT */
/*
 * util/platform_posix.c - the hosted platform: the POSIX (Linux) defaults
 * of every member of struct userbpf_platform, used for each member the
 * application did not set.  Host-only: the freestanding core archive
 * (make core) does not contain this file.
 *
 * Owns: libc allocation, clock_gettime, safe reads (the fault-handling
 * copy of fault_copy_posix.c, else process_vm_readv), the
 * bpf() command layer's user copies (process_vm_readv / writev), mmap'd
 * JIT memory, /sys CPU counting and sched_getcpu, sched_yield, getrandom,
 * anonymous pages, the memfd ring mapping, eventfd wakeups.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "userbpf/common.h"
#include "fault_copy.h"
#include "platform_int.h"

void *ub_host_calloc(size_t size)
{
	return calloc(1, size);
}

void *ub_host_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size);
}

void ub_host_free(void *ptr)
{
	free(ptr);
}

bool ub_host_numa_node_online(uint32_t node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u", node);
	return access(path, F_OK) == 0;
}

bool ub_posix_fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static uint64_t posix_clock_ns(int clock_id, void *cookie)
{
	struct timespec ts;

	(void)cookie;
	if (clock_gettime((clockid_t)clock_id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The system call's read: the calling thread (the main one may have
 * exited: ESRCH), named anew each time (a vfork child shares our TLS). */
static int vm_read(void *dst, const void *src, size_t size)
{
	struct iovec local = { dst, size }, remote = { (void *)src, size };

	return process_vm_readv(gettid(), &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -1;
}

int ub_host_safe_read(void *dst, const void *src, size_t size, uint8_t *state)
{
	int ret = ub_fault_read(dst, src, size, state);

	if (ret != -EAGAIN)
		return ret;
	return vm_read(dst, src, size) ? -EFAULT : 0;
}

long ub_host_safe_read_str(char *dst, const void *src, size_t size, uint8_t *state)
{
	return ub_fault_read_str(dst, src, size, state);
}

static int posix_read_mem(void *dst, const void *src, size_t size, void *cookie)
{
	(void)cookie;
	return ub_host_safe_read(dst, src, size, NULL) ? -1 : 0;
}

/*
 * copy_from_user / copy_to_user of the bpf() command layer: the caller's
 * memory is ours, but an address it gives may be unmapped, PROT_NONE or
 * (for a copy out) read-only.  process_vm_readv / writev on the calling
 * thread answer EFAULT for those instead of a signal, as the kernel's
 * user copies do.  Where a sandbox (seccomp) refuses the calls, ENOSYS or
 * EPERM, the copies fall back to memcpy for the life of the process.
 *
 * Fast path: memory between the calling frame and the top of the calling
 * thread's stack is mapped and writable for as long as this call runs
 * (the callers' frames live there): a plain copy.  libbpf's attrs, and
 * most keys and values, are on the caller's stack; a system call costs a
 * hundred times the copy.  Unknown stacks (an alternate signal stack, a
 * coroutine's) take the system call.
 */
static int vm_copy_works = 1;

/* The calling thread's own stack from the calling frame up (its bounds
 * are found once per thread: fault_copy.h). */
static bool on_own_stack(const void *p, size_t size)
{
	return ub_fault_own_stack(p, size);
}

/*
 * The stack fast path's copy, of memory known to be mapped.  A byte loop
 * not instrumented by a sanitizer: strncpy_from_user (bpf_cmd.c) copies a
 * string a page chunk at a time, past the end of the string's own object
 * (the kernel's word-at-a-time copy reads past the NUL too); the bytes
 * after the NUL are never used.  volatile: no memcpy call made of it.
 */
__attribute__((no_sanitize("address"))) static void stack_copy(void *dst, const void *src,
							       size_t size)
{
	const volatile unsigned char *s = src;
	unsigned char *d = dst;

	while (size--)
		*d++ = *s++;
}

static int posix_vm_copy(void *dst, const void *src, size_t size, bool out)
{
	struct iovec local = { out ? (void *)src : dst, size };
	struct iovec remote = { out ? dst : (void *)src, size };
	ssize_t n;

	if ((uintptr_t)(out ? dst : src) + size < (uintptr_t)(out ? dst : src))
		return -1;
	if (on_own_stack(out ? dst : src, size)) {
		stack_copy(dst, src, size);
		return 0;
	}
	if (__atomic_load_n(&vm_copy_works, __ATOMIC_RELAXED)) {
		/* the calling thread, alive whoever else left (getpid() names
		 * the main thread, which may have exited: ESRCH then) */
		n = out ? process_vm_writev(gettid(), &local, 1, &remote, 1, 0) :
			  process_vm_readv(gettid(), &local, 1, &remote, 1, 0);
		if (n == (ssize_t)size)
			return 0;
		if (n >= 0 || (errno != ENOSYS && errno != EPERM))
			return -1;
		__atomic_store_n(&vm_copy_works, 0, __ATOMIC_RELAXED);
	}
	memcpy(dst, src, size);
	return 0;
}

static int posix_copy_from_user(void *dst, const void *user_src, size_t size, void *cookie)
{
	(void)cookie;
	return posix_vm_copy(dst, user_src, size, false);
}

static int posix_copy_to_user(void *user_dst, const void *src, size_t size, void *cookie)
{
	(void)cookie;
	return posix_vm_copy(user_dst, src, size, true);
}

static void *posix_exec_alloc(size_t size, void *cookie)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)cookie;
	return p == MAP_FAILED ? NULL : p;
}

static int posix_exec_seal(void *ptr, size_t size, void *cookie)
{
	(void)cookie;
	return mprotect(ptr, size, PROT_READ | PROT_EXEC);
}

static void posix_exec_free(void *ptr, size_t size, void *cookie)
{
	(void)cookie;
	munmap(ptr, size);
}

/* "0-3,5,7-8": the highest id + 1 (libbpf's rule). */
static uint32_t posix_cpu_count(void *cookie)
{
	char buf[256];
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	long max = -1;
	char *p, *end;

	(void)cookie;
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			for (p = buf; *p && *p != '\n';) {
				long a = strtol(p, &end, 10), b = a;

				if (end == p)
					break;
				p = end;
				if (*p == '-') {
					b = strtol(p + 1, &end, 10);
					p = end;
				}
				if (b > max)
					max = b;
				if (*p == ',')
					p++;
			}
		}
		fclose(f);
	}
	if (max >= 0)
		return (uint32_t)max + 1;
	max = sysconf(_SC_NPROCESSORS_CONF);
	return max > 0 ? (uint32_t)max : 1;
}

static uint32_t posix_cpu_id(void *cookie)
{
	int cpu = sched_getcpu();

	(void)cookie;
	return cpu < 0 ? 0 : (uint32_t)cpu;
}

static void posix_yield(void *cookie)
{
	(void)cookie;
	sched_yield();
}

static int posix_random(void *buf, size_t size, void *cookie)
{
	(void)cookie;
	return getrandom(buf, size, 0) == (ssize_t)size ? 0 : -1;
}

static void *posix_pages_alloc(size_t size, void *cookie)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	(void)cookie;
	return p == MAP_FAILED ? NULL : p;
}

static void posix_pages_free(void *ptr, size_t size, void *cookie)
{
	(void)cookie;
	munmap(ptr, size);
}

/*
 * [private head pages][shared: head's last 2 pages + data][data again]:
 * one memfd holds the position pages and the data; the head's first pages
 * are private to the library.  The handle is the memfd.
 */
static void *posix_ring_alloc(size_t head, size_t data, void **handle, void *cookie)
{
	size_t shared = 2 * 4096;
	unsigned char *region;
	int memfd;
	void *p;

	(void)cookie;
	if (head < shared)
		return NULL;
	memfd = memfd_create("userbpf-ringbuf", MFD_CLOEXEC);
	if (memfd < 0)
		return NULL;
	if (ftruncate(memfd, (off_t)(shared + data)))
		goto fail_fd;
	region = mmap(NULL, head + 2 * data, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (region == MAP_FAILED)
		goto fail_fd;
	if (head > shared) {
		p = mmap(region, head - shared, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			goto fail;
	}
	/* consumer page, producer page, data: file offsets 0 .. */
	p = mmap(region + head - shared, shared + data, PROT_READ | PROT_WRITE,
		 MAP_FIXED | MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED)
		goto fail;
	/* ... and the data area once more right after itself */
	p = mmap(region + head + data, data, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, memfd,
		 (off_t)shared);
	if (p == MAP_FAILED)
		goto fail;
	*handle = (void *)(intptr_t)memfd;
	return region;
fail:
	munmap(region, head + 2 * data);
fail_fd:
	close(memfd);
	return NULL;
}

static void posix_ring_free(void *region, size_t head, size_t data, void *handle, void *cookie)
{
	(void)cookie;
	munmap(region, head + 2 * data);
	close((int)(intptr_t)handle);
}

static int posix_event_open(void *cookie)
{
	(void)cookie;
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static void posix_event_signal(int fd, void *cookie)
{
	uint64_t one = 1;

	(void)cookie;
	if (write(fd, &one, sizeof(one)) < 0) {
		/* counter saturated: a wakeup is pending anyway */
	}
}

static int posix_event_wait(int fd, int timeout_ms, void *cookie)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v;
	int n;

	(void)cookie;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 1;
}

static void posix_event_close(int fd, void *cookie)
{
	(void)cookie;
	close(fd);
}

static int64_t posix_current_pid_tgid(void *cookie)
{
	(void)cookie;
	return (int64_t)((uint64_t)getpid() << 32 | (uint32_t)gettid());
}

static int64_t posix_current_uid_gid(void *cookie)
{
	(void)cookie;
	return (int64_t)((uint64_t)getgid() << 32 | (uint32_t)getuid());
}

static int posix_current_comm(char *buf, size_t size, void *cookie)
{
	char comm[17] = "";

	(void)cookie;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	snprintf(buf, size, "%s", comm);
	return 0;
}

/* alloc/free stay NULL: ub_alloc uses libc directly (no block header). */
const struct userbpf_platform ub_posix_platform = {
	.sz = sizeof(struct userbpf_platform),
	.clock_ns = posix_clock_ns,
	.read_mem = posix_read_mem,
	.copy_from_user = posix_copy_from_user,
	.copy_to_user = posix_copy_to_user,
	.exec_alloc = posix_exec_alloc,
	.exec_seal = posix_exec_seal,
	.exec_free = posix_exec_free,
	.cpu_count = posix_cpu_count,
	.cpu_id = posix_cpu_id,
	.yield = posix_yield,
	.random = posix_random,
	.pages_alloc = posix_pages_alloc,
	.pages_free = posix_pages_free,
	.ring_alloc = posix_ring_alloc,
	.ring_free = posix_ring_free,
	.event_open = posix_event_open,
	.event_signal = posix_event_signal,
	.event_wait = posix_event_wait,
	.event_close = posix_event_close,
	.current_pid_tgid = posix_current_pid_tgid,
	.current_uid_gid = posix_current_uid_gid,
	.current_comm = posix_current_comm,
};
