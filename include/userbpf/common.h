/* SPDX-License-Identifier: MIT */
/*
 * userbpf/common.h - definitions shared by every public header: the export
 * macro, size-tagged option structs, the print callback and the platform
 * hooks (allocator, clock) that let a kernel or firmware embed the core.
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
#define USERBPF_OPTS(TYPE, NAME, ...)                                     \
	struct TYPE NAME = ({                                             \
		struct TYPE __##NAME;                                     \
		__builtin_memset(&__##NAME, 0, sizeof(__##NAME));         \
		__##NAME = (struct TYPE){ .sz = sizeof(struct TYPE),      \
					  __VA_ARGS__ };                  \
		__##NAME;                                                 \
	})

/** Log levels of the print callback (libbpf's order). */
enum userbpf_print_level {
	USERBPF_WARN,
	USERBPF_INFO,
	USERBPF_DEBUG,
};

typedef int (*userbpf_print_fn_t)(enum userbpf_print_level level,
				  const char *fmt, va_list args);

/**
 * @brief Route the library's diagnostics. The library never writes to
 * stderr by itself; without a callback nothing is printed.
 * @return the previous callback.
 */
USERBPF_API userbpf_print_fn_t userbpf_set_print(userbpf_print_fn_t fn);

/**
 * @brief Platform services for freestanding embedders. Any NULL member
 * keeps the default (libc malloc/free, clock_gettime).
 */
struct userbpf_platform {
	size_t sz;
	void *(*alloc)(size_t size, void *cookie);   /**< zeroed memory */
	void (*free)(void *ptr, void *cookie);
	uint64_t (*clock_ns)(int clock_id, void *cookie); /**< CLOCK_* ids */
	void *cookie;
	/**
	 * Copy size bytes from any address without faulting: 0, or non-zero
	 * when a byte is not readable (bpf_probe_read with
	 * USERBPF_RUN_HOST_READ).  Hosted default: process_vm_readv.
	 */
	int (*read_mem)(void *dst, const void *src, size_t size, void *cookie);
	/**
	 * Executable memory for the JIT, write-xor-execute: exec_alloc
	 * returns size bytes, writable and not executable (NULL on failure);
	 * exec_seal turns them read + execute, never writable again (0, or
	 * non-zero on failure); exec_free releases them.  All three or none.
	 * Hosted default: mmap, mprotect, munmap.  An embedder without
	 * executable memory returns NULL: programs stay on the interpreter.
	 */
	void *(*exec_alloc)(size_t size, void *cookie);
	int (*exec_seal)(void *ptr, size_t size, void *cookie);
	void (*exec_free)(void *ptr, size_t size, void *cookie);
};

/**
 * @brief Install platform hooks before any other call (memory the library
 * allocated must be freed under the allocator that gave it).
 * @return 0 or -EINVAL.
 */
USERBPF_API int userbpf_set_platform(const struct userbpf_platform *platform);

/** @brief Free memory the library handed to the caller (userbpf_asm ...). */
USERBPF_API void userbpf_free(void *ptr);

/** @brief Human-readable text for a (negative or positive) errno value. */
USERBPF_API const char *userbpf_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_COMMON_H */
