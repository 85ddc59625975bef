/* SPDX-License-Identifier: MIT */
/* kernel/format.h - the formatter shared by the kernel and user programs. */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
