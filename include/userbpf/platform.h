/* SPDX-License-Identifier: MIT */
/*
 * userbpf/platform.h - the platform interface: everything the userbpf core
 * needs from the system it runs in.  The core (isa, vm, verifier, maps,
 * helpers without OS needs, loader from memory, bpf() command layer, JIT)
 * is freestanding C; it reaches the machine and the operating system only
 * through this table and through four memory functions the embedder links
 * in (memcpy, memset, memmove, memcmp: the compiler emits calls to them,
 * as in the Linux kernel).
 *
 * The hosted library (libuserbpf.a / .so) fills every member with a POSIX
 * implementation (src/util/platform_posix.c); an embedder (a kernel,
 * firmware, a test with a static arena) calls userbpf_set_platform() once,
 * before any other call, with the members it has.  Every member may be
 * NULL: NULL means "the hosted default" in the hosted library and "the
 * core's fallback" (stated per member below) in the freestanding archive.
 *
 * ABI: the struct only grows at the end.  sz = sizeof(struct
 * userbpf_platform) as the caller compiled it; members beyond sz are
 * treated as NULL.  Every callback receives `cookie` as its last argument.
 *
 * Context: unless stated otherwise a callback may be called from any
 * thread or CPU, concurrently, but never from the run path of a program
 * (running a program allocates nothing and takes no lock) except cpu_id,
 * clock_ns, read_mem, event_signal and log, which a program's helpers call
 * and which must therefore be safe wherever programs run (for a kernel:
 * probe handlers, with interrupts off).
 */
#ifndef USERBPF_PLATFORM_H
#define USERBPF_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USERBPF_API
#define USERBPF_API __attribute__((visibility("default")))
#endif

/* Log levels of the print callback and of platform.log (libbpf's order). */
enum userbpf_print_level {
	USERBPF_WARN,
	USERBPF_INFO,
	USERBPF_DEBUG,
};

/* Clock ids passed to clock_ns (Linux CLOCK_* values). */
#define USERBPF_CLOCK_REALTIME 0
#define USERBPF_CLOCK_MONOTONIC 1
#define USERBPF_CLOCK_MONOTONIC_COARSE 6
#define USERBPF_CLOCK_BOOTTIME 7
#define USERBPF_CLOCK_TAI 11

/**
 * @brief Platform services.  See the file comment for the NULL / sz rules
 * and docs/embedding.md for a line-by-line discussion.
 */
struct userbpf_platform {
	/** sizeof(struct userbpf_platform) as compiled by the caller. */
	size_t sz;

	/* ---- Memory ---- (version 0.1) */

	/**
	 * Zeroed memory of size bytes, aligned to 16, or NULL.  The core adds
	 * a 16-byte header to each block (it needs no realloc or size query
	 * from the platform).  Never called while a program runs.
	 * alloc and free: both or neither.  Fallback: none (every allocation
	 * fails with -ENOMEM); hosted default calloc.
	 */
	void *(*alloc)(size_t size, void *cookie);
	/** Release a block alloc returned.  Hosted default free. */
	void (*free)(void *ptr, void *cookie);

	/**
	 * Nanoseconds of clock clock_id (USERBPF_CLOCK_*; MONOTONIC, MONOTONIC_COARSE,
	 * BOOTTIME, REALTIME and TAI are asked for).  Called by bpf_ktime_get_ns() and
	 * friends while programs run: lock-free, interrupt-safe.
	 * Fallback: 0.  Hosted default clock_gettime.
	 */
	uint64_t (*clock_ns)(int clock_id, void *cookie);

	/** Passed unchanged as the last argument of every callback. */
	void *cookie;

	/**
	 * Copy size bytes from an address that may be unmapped, without
	 * faulting: 0, or non-zero when a byte is not readable.  Used by
	 * bpf_probe_read_kernel/user() and friends (while programs run) when
	 * the run allows host reads.  Fallback: refuse (-EFAULT).  Hosted
	 * default process_vm_readv on the own process.
	 */
	int (*read_mem)(void *dst, const void *src, size_t size, void *cookie);

	/**
	 * Executable memory for the JIT, write-xor-execute: exec_alloc
	 * returns size bytes (size a multiple of 4096), writable and not
	 * executable, NULL on failure; exec_seal makes them read + execute,
	 * never writable again (0, or non-zero on failure); exec_free
	 * releases them.  All three or none.  Fallback (or exec_alloc
	 * returning NULL): programs stay on the interpreter.  Hosted default
	 * mmap, mprotect, munmap.
	 */
	void *(*exec_alloc)(size_t size, void *cookie);
	int (*exec_seal)(void *ptr, size_t size, void *cookie);
	void (*exec_free)(void *ptr, size_t size, void *cookie);

	/* ---- CPUs ---- (version 0.2: members below are new) */

	/**
	 * Number of possible CPUs: the number of slots of per-CPU maps.
	 * Read once, at the first per-CPU use; must not change afterwards.
	 * Fallback 1.  Hosted default /sys/devices/system/cpu/possible.
	 */
	uint32_t (*cpu_count)(void *cookie);
	/**
	 * The CPU the caller runs on, below cpu_count (bpf_get_smp_processor_id,
	 * per-CPU map slots).  Called while programs run.  Fallback 0.
	 * Hosted default sched_getcpu.
	 */
	uint32_t (*cpu_id)(void *cookie);
	/**
	 * Called while the core waits for one of its locks (spinlocks built
	 * on compiler atomics) after spinning a while: give the CPU away
	 * (schedule, or nothing on one CPU with interrupts off).  Fallback:
	 * keep spinning.  Hosted default sched_yield.
	 */
	void (*yield)(void *cookie);

	/* ---- Diagnostics ---- */

	/**
	 * One formatted diagnostic line (no trailing newline guarantee: the
	 * text is what the library formatted).  Used when no print callback
	 * is set with userbpf_set_print().  Fallback: discard.  Hosted
	 * default: discard (the library never prints by itself).
	 */
	void (*log)(enum userbpf_print_level level, const char *msg, void *cookie);

	/* ---- User memory (bpf() command layer) ---- */

	/**
	 * Copy size bytes from a user-space address (the bpf() attr, keys,
	 * values, log buffers): 0, or non-zero when not readable (-EFAULT).
	 * A NULL user address is -EFAULT without a call.  Fallback: a plain
	 * copy (same address space).  Hosted default process_vm_readv (and
	 * writev) on the own process: unmapped, PROT_NONE and (out)
	 * read-only addresses fail instead of faulting.
	 */
	int (*copy_from_user)(void *dst, const void *user_src, size_t size, void *cookie);
	/** The other direction: 0, or non-zero (-EFAULT). */
	int (*copy_to_user)(void *user_dst, const void *src, size_t size, void *cookie);

	/* ---- Randomness ---- */

	/**
	 * Fill buf with size random bytes (hash seeds, bpf_get_prandom_u32
	 * seeding): 0, or non-zero on failure.  Fallback: a generator seeded
	 * from clock_ns.  Hosted default getrandom.
	 */
	int (*random)(void *buf, size_t size, void *cookie);

	/* ---- Shareable memory (mmap-able maps) ---- */

	/**
	 * Zeroed, page-aligned memory of size bytes (a multiple of 4096) that
	 * the host can map into a user address space: BPF_F_MMAPABLE arrays.
	 * NULL on failure.  pages_alloc and pages_free: both or neither.
	 * Fallback: alloc, aligned by the core (not mappable by anyone else).
	 * Hosted default anonymous mmap.
	 */
	void *(*pages_alloc)(size_t size, void *cookie);
	void (*pages_free)(void *ptr, size_t size, void *cookie);

	/**
	 * Ring buffer memory (BPF_MAP_TYPE_RINGBUF): a zeroed region of
	 * head + 2 * data bytes, page-aligned, where the second copy of the
	 * data area, [head + data, head + 2 * data), is the same memory as
	 * [head, head + data) (mapped twice, as Linux does), so records that
	 * wrap read as contiguous bytes.  head and data are multiples of
	 * 4096; the last two pages of head are the consumer and producer
	 * position pages a user-space reader maps.  *handle receives a value
	 * for ring_free.  NULL on failure.  ring_alloc and ring_free: both or
	 * neither.  Fallback: none (ring buffer maps fail with -ENOTSUPP).
	 * Hosted default memfd + three mmaps.
	 */
	void *(*ring_alloc)(size_t head, size_t data, void **handle, void *cookie);
	void (*ring_free)(void *region, size_t head, size_t data, void *handle, void *cookie);

	/* ---- Wakeups (ring buffer consumers) ---- */

	/**
	 * A wakeup object a consumer can wait on: a non-negative handle
	 * (hosted: an eventfd, which userbpf_ringbuf__epoll_fd() hands
	 * out), or negative on failure.  All four or none.  Fallback: no
	 * wakeups (consumers poll with timeout 0 and busy-check).
	 */
	int (*event_open)(void *cookie);
	/** Signal handle: wakes a waiter.  Called while programs run. */
	void (*event_signal)(int handle, void *cookie);
	/**
	 * Wait up to timeout_ms (-1: forever, 0: just consume) for a signal
	 * and consume it: 1 when signalled, 0 on timeout, negative errno.
	 */
	int (*event_wait)(int handle, int timeout_ms, void *cookie);
	void (*event_close)(int handle, void *cookie);

	/* ---- The current task (helpers; called while programs run) ---- */

	/**
	 * bpf_get_current_pid_tgid(): tgid << 32 | pid (thread id) of the
	 * task the program runs for, or a negative errno.  Fallback -EINVAL
	 * (what Linux returns without a task).  Hosted getpid and gettid.
	 */
	int64_t (*current_pid_tgid)(void *cookie);
	/** bpf_get_current_uid_gid(): gid << 32 | uid, or a negative errno.
	 * Fallback -EINVAL.  Hosted getuid and getgid. */
	int64_t (*current_uid_gid)(void *cookie);
	/**
	 * bpf_get_current_comm(): the task's name, NUL-terminated, into buf
	 * (size >= 1; at most 16 bytes are used): 0 or a negative errno.
	 * Fallback -EINVAL.  Hosted prctl(PR_GET_NAME).
	 */
	int (*current_comm)(char *buf, size_t size, void *cookie);
};

/**
 * @brief Install platform services (see struct userbpf_platform).  Call it
 * before any other call: memory the library allocated must be freed under
 * the allocator that gave it.  The table is copied.
 * @return 0, or -EINVAL (NULL, sz too small, a both-or-neither pair given
 * half).
 */
USERBPF_API int userbpf_set_platform(const struct userbpf_platform *platform);

/**
 * @brief The error number the library last stored for the calling thread
 * (constructors that return NULL, userbpf_bpf() returning -1): libc's
 * errno in the hosted library, the core's own per-thread variable in the
 * freestanding core (which has no libc errno).
 */
USERBPF_API int userbpf_errno(void);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_PLATFORM_H */
