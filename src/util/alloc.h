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

/* Fail allocation number n (1-based) from now on; 0 disables. */
void ub_fault_set(unsigned long n);
/* Allocations still to go before the armed failure; 0 once it fired (or
 * when disarmed, or outside the fault-injection build). */
unsigned long ub_fault_pending(void);

#endif
