/* SPDX-License-Identifier: MIT */
/*
 * util/ubc.h - the C library of the core: the only "system" header a core
 * file (isa, vm, verifier, maps, helpers, jit, loader, syscall, progs)
 * includes instead of <errno.h>, <string.h>, <stdio.h>, <stdlib.h>,
 * <ctype.h>, <inttypes.h>.
 *
 * Hosted build (__STDC_HOSTED__ == 1, the normal library): the libc headers,
 * so the hosted library behaves exactly as before.
 *
 * Freestanding build (make core: -ffreestanding -nostdinc, only the
 * compiler's own stddef/stdint/stdbool/stdarg/limits headers are visible):
 * errno values from userbpf/errno.h, and the libc names the core uses mapped
 * onto the core's own implementations (util/ubc_*.c): ub_strlen ...,
 * ub_vsnprintf (a small printf: flags, width, precision, hh/h/l/ll/z/j/t,
 * d i u x X o c s p %), ub_qsort (stable merge sort), ub_strto*.  memcpy,
 * memset, memmove and memcmp are the compiler's builtins: constant small
 * sizes are inlined, the rest become calls to the four functions the
 * embedder links in (docs/embedding.md), as in the Linux kernel.
 *
 * Deliberately not here: malloc and friends (util/alloc.h: ub_alloc),
 * anything that needs an operating system (util/platform.c routes it to
 * struct userbpf_platform).
 */
#ifndef USERBPF_UTIL_UBC_H
#define USERBPF_UTIL_UBC_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/errno.h"

/* Core versions: always compiled, always available (tests compare them
 * with libc's). */
size_t ub_strlen(const char *s);
size_t ub_strnlen(const char *s, size_t max);
int ub_strcmp(const char *a, const char *b);
int ub_strncmp(const char *a, const char *b, size_t n);
char *ub_strchr(const char *s, int c);
char *ub_strrchr(const char *s, int c);
char *ub_strstr(const char *hay, const char *needle);
void *ub_memchr(const void *s, int c, size_t n);
char *ub_strncpy(char *dst, const char *src, size_t n);
char *ub_strcpy(char *dst, const char *src);
char *ub_strcat(char *dst, const char *src);
size_t ub_strspn(const char *s, const char *accept);
size_t ub_strcspn(const char *s, const char *reject);
long ub_strtol(const char *s, char **end, int base);
unsigned long ub_strtoul(const char *s, char **end, int base);
long long ub_strtoll(const char *s, char **end, int base);
unsigned long long ub_strtoull(const char *s, char **end, int base);
int ub_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int ub_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ub_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *ub_bsearch(const void *key, const void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *));
/* Text of an errno value (positive or negative), never NULL. */
const char *ub_strerror(int err);

static inline int ub_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
static inline int ub_isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}
static inline int ub_islower(int c)
{
	return c >= 'a' && c <= 'z';
}
static inline int ub_isalpha(int c)
{
	return ub_isupper(c) || ub_islower(c);
}
static inline int ub_isalnum(int c)
{
	return ub_isalpha(c) || ub_isdigit(c);
}
static inline int ub_isxdigit(int c)
{
	return ub_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline int ub_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline int ub_isprint(int c)
{
	return c >= 0x20 && c < 0x7f;
}
static inline int ub_tolower(int c)
{
	return ub_isupper(c) ? c + 32 : c;
}
static inline int ub_toupper(int c)
{
	return ub_islower(c) ? c - 32 : c;
}

/* A pause inside spin loops, on any architecture. */
static inline void ub_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#elif defined(__riscv)
	__asm__ __volatile__(".insn i 0x0F, 0, x0, x0, 0x010" ::: "memory"); /* pause */
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Thread-local run state (per-CPU slot, RCU nesting, verifier scratch).
 * An embedder without thread-local storage (no %fs/tpidr/tp set up for
 * its threads) builds the core with -DUSERBPF_NO_TLS: the state becomes
 * global, which is correct only when the core runs on one CPU and nothing
 * preempts a bpf() command or a program run with another one.
 */
#ifdef USERBPF_NO_TLS
#define UB_TLS
#else
#define UB_TLS __thread
#endif

/*
 * A map type or helper only the hosted library implements (it needs the
 * OS: perf buffers, cgroups, the synthetic task_struct): weak in the
 * freestanding core, so the registry entry that names it is NULL there
 * (type or helper unsupported) unless the embedder defines it.
 */
#if __STDC_HOSTED__
#define UB_HOST_OPTIONAL
#else
#define UB_HOST_OPTIONAL __attribute__((weak))
#endif

#if __STDC_HOSTED__

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#else /* freestanding */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memmove(d, s, n) __builtin_memmove(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)

#define strlen ub_strlen
#define strnlen ub_strnlen
#define strcmp ub_strcmp
#define strncmp ub_strncmp
#define strchr ub_strchr
#define strrchr ub_strrchr
#define strstr ub_strstr
#define memchr ub_memchr
#define strncpy ub_strncpy
#define strcpy ub_strcpy
#define strcat ub_strcat
#define strspn ub_strspn
#define strcspn ub_strcspn
#define strtol ub_strtol
#define strtoul ub_strtoul
#define strtoll ub_strtoll
#define strtoull ub_strtoull
#define snprintf ub_snprintf
#define vsnprintf ub_vsnprintf
#define qsort ub_qsort
#define bsearch ub_bsearch
#define strerror ub_strerror
#define isdigit ub_isdigit
#define isupper ub_isupper
#define islower ub_islower
#define isalpha ub_isalpha
#define isalnum ub_isalnum
#define isxdigit ub_isxdigit
#define isspace ub_isspace
#define isprint ub_isprint
#define tolower ub_tolower
#define toupper ub_toupper

/* <inttypes.h>: int64_t is long on every LP64 target, long long elsewhere. */
#if __SIZEOF_LONG__ == 8
#define UB_PRI64 "l"
#else
#define UB_PRI64 "ll"
#endif
#define PRId64 UB_PRI64 "d"
#define PRIi64 UB_PRI64 "i"
#define PRIu64 UB_PRI64 "u"
#define PRIx64 UB_PRI64 "x"
#define PRIX64 UB_PRI64 "X"
#define PRId32 "d"
#define PRIu32 "u"
#define PRIx32 "x"
#define PRIX32 "X"

/* <time.h>'s clock ids (Linux values), as handed to ub_clock_ns(). */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11

/* errno itself does not exist in the core: constructors that "set errno"
 * store the value here (one per thread). */
extern UB_TLS int ub_errno;
#define errno ub_errno

#endif /* __STDC_HOSTED__ */

#endif /* USERBPF_UTIL_UBC_H */
