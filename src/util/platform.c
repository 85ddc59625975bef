/* SPDX-License-Identifier: MIT */
/*
 * util/platform.c - the core's side of the platform interface
 * (userbpf/platform.h): the installed table, the allocator with its
 * fault injector, the clock, CPUs, locks, "user" memory, randomness,
 * shareable and ring memory, wakeups, executable memory, the print
 * callback, userbpf_strerror().
 *
 * Freestanding C: no libc.  A member the embedder left NULL falls back to
 * the hosted default (ub_posix_platform, util/platform_posix.c) in the
 * hosted library, and to the core's fallback documented in platform.h in
 * the freestanding archive.
 */
#include "userbpf/common.h"
#include "ubc.h"
#include "alloc.h"
#include "log.h"
#include "platform_int.h"

static struct userbpf_platform platform;

#if __STDC_HOSTED__
#define DEFAULT(member) (ub_posix_platform.member)
#else
#define DEFAULT(member) NULL
#endif

/* The member if the caller's table has it and set it, else the default. */
#define HAS(member)                                                                                \
	(platform.sz >= offsetof(struct userbpf_platform, member) + sizeof(platform.member) &&     \
	 platform.member)
#define PICK(member) (HAS(member) ? platform.member : DEFAULT(member))

int userbpf_set_platform(const struct userbpf_platform *p)
{
	struct userbpf_platform next = { 0 };
	size_t n;

	if (!p)
		return -EINVAL;
	if (p->sz < offsetof(struct userbpf_platform, cookie) + sizeof(void *))
		return -EINVAL;
	n = p->sz < sizeof(next) ? p->sz : sizeof(next);
	memcpy(&next, p, n);
	next.sz = n;
	if (!next.alloc != !next.free)
		return -EINVAL; /* both or neither */
	if (!next.pages_alloc != !next.pages_free || !next.ring_alloc != !next.ring_free)
		return -EINVAL;
	if ((next.event_open || next.event_signal || next.event_wait || next.event_close) &&
	    !(next.event_open && next.event_signal && next.event_wait && next.event_close))
		return -EINVAL;
	platform = next;
	return 0;
}

/* ==== Allocation ==== */

#ifdef USERBPF_FAULT_INJECT
static unsigned long fault_countdown;
void ub_fault_set(unsigned long n)
{
	fault_countdown = n;
}
unsigned long ub_fault_pending(void)
{
	return fault_countdown;
}
static int fault_now(void)
{
	return fault_countdown && --fault_countdown == 0;
}
#else
void ub_fault_set(unsigned long n)
{
	(void)n;
}
unsigned long ub_fault_pending(void)
{
	return 0;
}
static int fault_now(void)
{
	return 0;
}
#endif

/*
 * A platform allocator has no realloc and no size query: each block it
 * gives carries a header with the usable size in front, so that
 * ub_realloc can move it.  Blocks of the hosted default (libc) have none.
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
#if __STDC_HOSTED__
	return ub_host_calloc(size);
#else
	return NULL;
#endif
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
	if (!platform.alloc) {
#if __STDC_HOSTED__
		return ub_host_realloc(ptr, size);
#else
		return NULL;
#endif
	}
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
#if __STDC_HOSTED__
	else
		ub_host_free(ptr);
#endif
}

char *ub_strdup(const char *s)
{
	size_t n = ub_strlen(s) + 1;
	char *d = ub_alloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void userbpf_free(void *ptr)
{
	ub_free(ptr);
}

/* ==== Clock, CPUs, locks ==== */

uint64_t ub_clock_ns(int clock_id)
{
	uint64_t (*fn)(int, void *) = PICK(clock_ns);

	return fn ? fn(clock_id, platform.cookie) : 0;
}

uint32_t ub_platform_cpu_count(void)
{
	uint32_t (*fn)(void *) = PICK(cpu_count);
	uint32_t n = fn ? fn(platform.cookie) : 1;

	return n ? n : 1;
}

uint32_t ub_platform_cpu_id(void)
{
	uint32_t (*fn)(void *) = PICK(cpu_id);

	return fn ? fn(platform.cookie) : 0;
}

void ub_platform_yield(void)
{
	void (*fn)(void *) = PICK(yield);

	if (fn)
		fn(platform.cookie);
	else
		ub_cpu_relax();
}

void ub_lock(ub_lock_t *l)
{
	unsigned spins = 0;

	for (;;) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (++spins < 64)
				ub_cpu_relax();
			else
				ub_platform_yield();
		}
	}
}

void ub_unlock(ub_lock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

void ub_once(ub_once_t *once, void (*fn)(void))
{
	int state = __atomic_load_n(&once->state, __ATOMIC_ACQUIRE);

	if (state == 2)
		return;
	state = 0;
	if (__atomic_compare_exchange_n(&once->state, &state, 1, false, __ATOMIC_ACQUIRE,
					__ATOMIC_ACQUIRE)) {
		fn();
		__atomic_store_n(&once->state, 2, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&once->state, __ATOMIC_ACQUIRE) != 2)
		ub_platform_yield();
}

/* ==== Memory of others: user pointers, unreadable addresses ==== */

int ub_copy_from_user(void *dst, const void *user_src, size_t size)
{
	int (*fn)(void *, const void *, size_t, void *) = PICK(copy_from_user);

	if (!size)
		return 0;
	if (!user_src)
		return -EFAULT; /* the kernel's page 0 is never mapped either */
	if (fn)
		return fn(dst, user_src, size, platform.cookie) ? -EFAULT : 0;
	memcpy(dst, user_src, size);
	return 0;
}

int ub_copy_to_user(void *user_dst, const void *src, size_t size)
{
	int (*fn)(void *, const void *, size_t, void *) = PICK(copy_to_user);

	if (!size)
		return 0;
	if (!user_dst)
		return -EFAULT;
	if (fn)
		return fn(user_dst, src, size, platform.cookie) ? -EFAULT : 0;
	memcpy(user_dst, src, size);
	return 0;
}

int ub_safe_read_cached(void *dst, const void *src, size_t size, uint8_t *state)
{
	int (*fn)(void *, const void *, size_t, void *) = PICK(read_mem);
	int ret;

	(void)state; /* the freestanding core has no fast path */
	if (size == 0)
		return 0;
	if ((uintptr_t)src + size < (uintptr_t)src || !fn)
		ret = -EFAULT;
#if __STDC_HOSTED__
	else if (!HAS(read_mem))
		ret = ub_host_safe_read(dst, src, size, state);
#endif
	else
		ret = fn(dst, src, size, platform.cookie) ? -EFAULT : 0;
	if (ret)
		memset(dst, 0, size); /* as the kernel's bpf_probe_read */
	return ret;
}

int ub_safe_read(void *dst, const void *src, size_t size)
{
	return ub_safe_read_cached(dst, src, size, NULL);
}

/*
 * Read up to size bytes of a string, page by page so that a string
 * ending just before an unmapped page still reads.  As the kernel's
 * strncpy_from_user, dst gets the string and its NUL only, never what
 * follows the string in memory (the kernel may zero up to 7 bytes after the
 * NUL, here they are left as they were; programs read strings into zeroed
 * buffers and use them as map keys), so each piece goes through a bounce
 * buffer.  Hosted, the fast path reads it in one go when it may.
 */
long ub_safe_read_str_cached(char *dst, const void *src, size_t size, uint8_t *state)
{
	uintptr_t p = (uintptr_t)src;
	size_t done = 0;
	char buf[256];

	if (size == 0)
		return 0;
#if __STDC_HOSTED__
	if (!HAS(read_mem)) {
		long n = ub_host_safe_read_str(dst, src, size, state);

		if (n != -EAGAIN)
			return n;
	}
#endif
	while (done < size) {
		size_t chunk = 4096 - ((p + done) & 4095);
		char *nul;

		if (chunk > size - done)
			chunk = size - done;
		if (chunk > sizeof(buf))
			chunk = sizeof(buf);
		if (ub_safe_read_cached(buf, (const void *)(p + done), chunk, state)) {
			memset(dst, 0, size);
			return -EFAULT;
		}
		nul = ub_memchr(buf, 0, chunk);
		if (nul) {
			memcpy(dst + done, buf, (size_t)(nul - buf) + 1);
			return (long)(done + (size_t)(nul - buf)) + 1;
		}
		memcpy(dst + done, buf, chunk);
		done += chunk;
	}
	dst[size - 1] = '\0';
	return (long)size;
}

long ub_safe_read_str(char *dst, const void *src, size_t size)
{
	return ub_safe_read_str_cached(dst, src, size, NULL);
}

bool ub_numa_node_online(uint32_t node)
{
#if __STDC_HOSTED__
	return ub_host_numa_node_online(node);
#else
	return node == 0;
#endif
}

bool ub_host_fd_is_open(int fd)
{
#if __STDC_HOSTED__
	return ub_posix_fd_is_open(fd);
#else
	(void)fd;
	return false;
#endif
}

int64_t ub_current_pid_tgid(void)
{
	int64_t (*fn)(void *) = PICK(current_pid_tgid);

	return fn ? fn(platform.cookie) : -EINVAL;
}

int64_t ub_current_uid_gid(void)
{
	int64_t (*fn)(void *) = PICK(current_uid_gid);

	return fn ? fn(platform.cookie) : -EINVAL;
}

int ub_current_comm(char *buf, size_t size)
{
	int (*fn)(char *, size_t, void *) = PICK(current_comm);

	return fn ? fn(buf, size, platform.cookie) : -EINVAL;
}

/* ==== Randomness ==== */

static uint64_t rand_state;

void ub_random_bytes(void *buf, size_t size)
{
	int (*fn)(void *, size_t, void *) = PICK(random);
	uint8_t *b = buf;
	size_t i;

	if (fn && !fn(buf, size, platform.cookie))
		return;
	/* splitmix64 seeded from the clock: not secret, only spread */
	for (i = 0; i < size; i++) {
		uint64_t z, s = __atomic_add_fetch(&rand_state, 0x9e3779b97f4a7c15ull,
						   __ATOMIC_RELAXED);

		z = s ^ ub_clock_ns(USERBPF_CLOCK_MONOTONIC);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		b[i] = (uint8_t)(z ^ (z >> 31));
	}
}

/* ==== Shareable pages, ring memory, wakeups ==== */

void *ub_pages_alloc(size_t size)
{
	void *(*fn)(size_t, void *) = PICK(pages_alloc);
	uint8_t *raw, *p;

	if (size == 0)
		return NULL;
	if (fn)
		return fn(size, platform.cookie);
	/* fallback: page-aligned ub_alloc memory, the raw pointer below it */
	raw = ub_alloc(size + 4096 + sizeof(void *));
	if (!raw)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + sizeof(void *) + 4095) & ~(uintptr_t)4095);
	memcpy(p - sizeof(void *), &raw, sizeof(void *));
	return p;
}

void ub_pages_free(void *ptr, size_t size)
{
	void (*fn)(void *, size_t, void *) = PICK(pages_free);
	void *raw;

	if (!ptr)
		return;
	if (fn) {
		fn(ptr, size, platform.cookie);
		return;
	}
	memcpy(&raw, (uint8_t *)ptr - sizeof(void *), sizeof(void *));
	ub_free(raw);
}

void *ub_ring_alloc(size_t head, size_t data, void **handle)
{
	void *(*fn)(size_t, size_t, void **, void *) = PICK(ring_alloc);

	*handle = NULL;
	if (!fn)
		return NULL;
	return fn(head, data, handle, platform.cookie);
}

bool ub_ring_supported(void)
{
	return PICK(ring_alloc) != NULL;
}

void ub_ring_free(void *region, size_t head, size_t data, void *handle)
{
	void (*fn)(void *, size_t, size_t, void *, void *) = PICK(ring_free);

	if (region && fn)
		fn(region, head, data, handle, platform.cookie);
}

int ub_event_open(void)
{
	int (*fn)(void *) = PICK(event_open);

	return fn ? fn(platform.cookie) : -1;
}

void ub_event_signal(int handle)
{
	void (*fn)(int, void *) = PICK(event_signal);

	if (fn && handle >= 0)
		fn(handle, platform.cookie);
}

int ub_event_wait(int handle, int timeout_ms)
{
	int (*fn)(int, int, void *) = PICK(event_wait);

	if (!fn || handle < 0)
		return 0;
	return fn(handle, timeout_ms, platform.cookie);
}

void ub_event_close(int handle)
{
	void (*fn)(int, void *) = PICK(event_close);

	if (fn && handle >= 0)
		fn(handle, platform.cookie);
}

/* ==== Executable memory (JIT), write-xor-execute ==== */

static bool platform_has_exec(void)
{
	return HAS(exec_alloc) && HAS(exec_seal) && HAS(exec_free);
}

enum { EXEC_NONE, EXEC_PLATFORM, EXEC_ARENA, EXEC_MMAP };

static size_t exec_page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

int ub_exec_alloc(struct ub_exec_mem *m, size_t size)
{
	void *p;

	memset(m, 0, sizeof(*m));
	if (fault_now() || size == 0)
		return -ENOMEM;
	if (platform_has_exec()) {
		p = platform.exec_alloc(exec_page_round(size), platform.cookie);
		m->kind = EXEC_PLATFORM;
	} else {
#if __STDC_HOSTED__
		if (!ub_exec_arena_alloc(size, &m->rx, &m->rw, &m->size)) {
			m->kind = EXEC_ARENA;
			return 0;
		}
		p = ub_posix_platform.exec_alloc(exec_page_round(size), NULL);
		m->kind = EXEC_MMAP;
#else
		p = NULL;
#endif
	}
	if (!p) {
		m->kind = EXEC_NONE;
		return -ENOMEM;
	}
	m->rx = m->rw = p;
	m->size = exec_page_round(size);
	return 0;
}

int ub_exec_seal(struct ub_exec_mem *m)
{
	switch (m->kind) {
	case EXEC_PLATFORM:
		return platform.exec_seal(m->rx, m->size, platform.cookie) ? -EPERM : 0;
#if __STDC_HOSTED__
	case EXEC_ARENA:
		return 0; /* m->rx was never writable */
	case EXEC_MMAP:
		return ub_posix_platform.exec_seal(m->rx, m->size, NULL) ? -EPERM : 0;
#endif
	default:
		return -EPERM;
	}
}

void ub_exec_free(struct ub_exec_mem *m)
{
	switch (m->kind) {
	case EXEC_PLATFORM:
		platform.exec_free(m->rx, m->size, platform.cookie);
		break;
#if __STDC_HOSTED__
	case EXEC_ARENA:
		ub_exec_arena_free(m->rx, m->size);
		break;
	case EXEC_MMAP:
		ub_posix_platform.exec_free(m->rx, m->size, NULL);
		break;
#endif
	default:
		break;
	}
	memset(m, 0, sizeof(*m));
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
	void (*log)(enum userbpf_print_level, const char *, void *) = PICK(log);
	va_list ap;

	if (print_fn) {
		va_start(ap, fmt);
		print_fn(level, fmt, ap);
		va_end(ap);
	} else if (log) {
		char msg[512];

		va_start(ap, fmt);
		ub_vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		log(level, msg, platform.cookie);
	}
}

int userbpf_errno(void)
{
	return errno;
}

const char *userbpf_strerror(int err)
{
#if __STDC_HOSTED__
	if (err < 0)
		err = -err;
	if (err != ENOTSUPP)
		return strerror(err); /* libc's text, "Unknown error N" included */
#endif
	return ub_strerror(err);
}
