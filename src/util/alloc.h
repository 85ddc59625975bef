/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the library's allocator and clock, routed through the platform
 * hooks (userbpf_set_platform) so freestanding embedders can supply them.
 * A fault-injection build (-DUSERBPF_FAULT_INJECT) can fail the Nth
 * allocation: see ub_fault_set().
 */
#ifndef USERBPF_UTIL_ALLOC_H
#define USERBPF_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Zeroed memory, or NULL. */
void *ub_alloc(size_t size);
/* Zeroed array of n * size bytes, NULL on overflow or exhaustion. */
void *ub_calloc(size_t n, size_t size);
/* Grow (not zeroing the new tail); NULL leaves ptr untouched. */
void *ub_realloc(void *ptr, size_t size);
void ub_free(void *ptr);
char *ub_strdup(const char *s);
uint64_t ub_clock_ns(int clock_id);

/*
 * Copy size bytes from an arbitrary address of this process without ever
 * faulting it: 0, or -EFAULT with dst zeroed (as the kernel's
 * bpf_probe_read) when any byte is unreadable.  Through the platform's
 * read_mem when the embedder set one; hosted otherwise: the fault-handling
 * copy (util/fault_copy.h: no system call, taken only where a fault is
 * certain to reach userbpf's SIGSEGV/SIGBUS front handler, which the
 * agent or ub_fault_install puts there), else process_vm_readv.
 */
int ub_safe_read(void *dst, const void *src, size_t size);
/*
 * NUL-terminated variant, strncpy_from_user_nofault's answers: the bytes
 * copied incl. the NUL (nothing after it is written), size when the first
 * size bytes hold no NUL (dst[size - 1] becomes one), -EFAULT with dst
 * zeroed when the string reaches an unreadable byte first.
 */
long ub_safe_read_str(char *dst, const void *src, size_t size);
/*
 * The same within one program run: *state (zeroed at the run's start,
 * struct userbpf_run) keeps the fast path's signal-mask check for the
 * run's other reads (the mask cannot change during a run); NULL: checked
 * per call.
 */
int ub_safe_read_cached(void *dst, const void *src, size_t size, uint8_t *state);
long ub_safe_read_str_cached(char *dst, const void *src, size_t size, uint8_t *state);

/*
 * JIT memory, W^X.  ub_exec_alloc gives at least size bytes: m->rw is
 * where they are written, m->rx where they run (the same address unless
 * the hosted code arena double-maps them), m->size how many there are
 * (the slack after size included); 0 or -errno.  ub_exec_seal makes them
 * read + execute (0 or -errno); nothing may be written through m->rw
 * afterwards.  ub_exec_free releases them (m zeroed, or never allocated:
 * nothing).  Sources, first that works: the platform's exec_* hooks;
 * hosted, the code arena (util/exec_arena_posix.c: no mprotect per
 * image), else mmap + mprotect + munmap.
 */
struct ub_exec_mem {
	uint8_t *rx;
	uint8_t *rw;
	size_t size;
	int kind; /* internal: which source (util/platform.c) */
};
int ub_exec_alloc(struct ub_exec_mem *m, size_t size);
int ub_exec_seal(struct ub_exec_mem *m);
void ub_exec_free(struct ub_exec_mem *m);

/* Fail allocation number n (1-based) from now on; 0 disables. */
void ub_fault_set(unsigned long n);
/* Allocations still to go before the armed failure; 0 once it fired (or
 * when disarmed, or outside the fault-injection build). */
unsigned long ub_fault_pending(void);

#endif
