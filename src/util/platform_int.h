/* SPDX-License-Identifier: MIT */
/*
 * util/platform_int.h - the core's internal view of the platform interface
 * (util/platform.c): CPUs, locks, one-time initialisation, user memory,
 * randomness, shareable pages, ring memory and wakeups.  The allocator,
 * clock, safe reads and executable memory are in util/alloc.h.
 *
 * Every function here works in the freestanding core; what it does when
 * the embedder left the platform member NULL is documented in
 * userbpf/platform.h.
 */
#ifndef USERBPF_UTIL_PLATFORM_INT_H
#define USERBPF_UTIL_PLATFORM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/platform.h"

/* Possible CPUs (>= 1) and the current CPU, straight from the platform. */
uint32_t ub_platform_cpu_count(void);
uint32_t ub_platform_cpu_id(void);
/* Give the CPU away while waiting (platform yield, else cpu_relax). */
void ub_platform_yield(void);

/*
 * The core's lock: a test-and-test-and-set spinlock on compiler atomics
 * that calls the platform's yield after spinning a while.  For short
 * critical sections off the run path (ID tables, descriptor tables,
 * deferred frees).  Zero-initialised = unlocked.
 */
typedef struct {
	int locked;
} ub_lock_t;
#define UB_LOCK_INIT { 0 }
void ub_lock(ub_lock_t *l);
void ub_unlock(ub_lock_t *l);

/* pthread_once: fn runs exactly once; concurrent callers wait for it. */
typedef struct {
	int state; /* 0 new, 1 running, 2 done */
} ub_once_t;
#define UB_ONCE_INIT { 0 }
void ub_once(ub_once_t *once, void (*fn)(void));

/* Copies from and to the caller of bpf(): 0 or -EFAULT. */
int ub_copy_from_user(void *dst, const void *user_src, size_t size);
int ub_copy_to_user(void *user_dst, const void *src, size_t size);

/* NUMA node node exists (hosted: /sys/devices/system/node/nodeN; the
 * freestanding core knows node 0 only). */
bool ub_numa_node_online(uint32_t node);

/* A descriptor of the host process is open (hosted: fcntl F_GETFD; the
 * freestanding core has no host descriptors: false). */
bool ub_host_fd_is_open(int fd);

/* The current task (platform.h): Linux's values, -EINVAL without one. */
int64_t ub_current_pid_tgid(void);
int64_t ub_current_uid_gid(void);
int ub_current_comm(char *buf, size_t size);

/* size random bytes (the platform's, else clock-seeded splitmix64). */
void ub_random_bytes(void *buf, size_t size);

/* Page-aligned zeroed memory another address space can map (mmapable
 * arrays); size a multiple of 4096.  NULL on failure. */
void *ub_pages_alloc(size_t size);
void ub_pages_free(void *ptr, size_t size);

/* Double-mapped ring memory (platform.h, ring_alloc).  NULL on failure or
 * when the platform has none (ub_ring_supported() says which). */
void *ub_ring_alloc(size_t head, size_t data, void **handle);
void ub_ring_free(void *region, size_t head, size_t data, void *handle);
bool ub_ring_supported(void);

/* Wakeup objects: a handle >= 0, or -1 (then signal and wait do nothing). */
int ub_event_open(void);
void ub_event_signal(int handle);
/* 1 signalled, 0 timeout, negative errno. */
int ub_event_wait(int handle, int timeout_ms);
void ub_event_close(int handle);

#if __STDC_HOSTED__
/* The hosted defaults (util/platform_posix.c, not in the core archive). */
extern const struct userbpf_platform ub_posix_platform;
void *ub_host_calloc(size_t size);
void *ub_host_realloc(void *ptr, size_t size);
void ub_host_free(void *ptr);
bool ub_host_numa_node_online(uint32_t node);
bool ub_posix_fd_is_open(int fd);
/* ub_safe_read(_str)_cached where the embedder set no read_mem: the
 * fault-handling fast path (util/fault_copy_posix.c) when it may be
 * taken, else process_vm_readv.  The _str one answers -EAGAIN for "no
 * fast path now" (the core then reads page by page). */
int ub_host_safe_read(void *dst, const void *src, size_t size, uint8_t *state);
long ub_host_safe_read_str(char *dst, const void *src, size_t size, uint8_t *state);
/* The JIT code arena (util/exec_arena_posix.c): size bytes written at
 * *rw and run at *rx, *got of them (a multiple of 64); 0, -ENOMEM, or
 * -ENOSYS when memfd double mapping is unavailable here.  Free takes the
 * rx address and *got. */
int ub_exec_arena_alloc(size_t size, uint8_t **rx, uint8_t **rw, size_t *got);
void ub_exec_arena_free(uint8_t *rx, size_t size);
/* Tests: true sends every image to the mmap + mprotect fallback. */
extern bool ub_exec_arena_off;
#endif

#endif
