/* SPDX-License-Identifier: MIT */
/*
 * userbpf/common.h - definitions shared by every public header: the export
 * macro, size-tagged option structs, the print callback; the platform
 * interface (userbpf/platform.h) that lets a kernel or firmware embed the
 * core is included from here.
 *
 * Error convention for the whole library: functions returning int return 0
 * (or a count) on success and a negative errno value on failure.
 * Constructors return NULL and set errno.
 */
#ifndef USERBPF_COMMON_H
#define USERBPF_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#include "platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef USERBPF_API
#define USERBPF_API __attribute__((visibility("default")))
#endif

#define USERBPF_VERSION_MAJOR 0
#define USERBPF_VERSION_MINOR 1

/**
 * @brief Declare and zero-initialise a size-tagged options struct.
 *
 * USERBPF_OPTS(userbpf_run_opts, opts, .ctx = buf, .ctx_size = 64);
 */
#define USERBPF_OPTS(TYPE, NAME, ...)                                                              \
	struct TYPE NAME = ({                                                                      \
		struct TYPE __##NAME;                                                              \
		__builtin_memset(&__##NAME, 0, sizeof(__##NAME));                                  \
		__##NAME = (struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };                \
		__##NAME;                                                                          \
	})

typedef int (*userbpf_print_fn_t)(enum userbpf_print_level level, const char *fmt, va_list args);

/**
 * @brief Route the library's diagnostics. The library never writes to
 * stderr by itself; without a callback nothing is printed.
 * @return the previous callback.
 */
USERBPF_API userbpf_print_fn_t userbpf_set_print(userbpf_print_fn_t fn);

/** @brief Free memory the library handed to the caller (userbpf_asm ...). */
USERBPF_API void userbpf_free(void *ptr);

/** @brief Human-readable text for a (negative or positive) errno value. */
USERBPF_API const char *userbpf_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_COMMON_H */
