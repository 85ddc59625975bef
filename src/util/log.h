/* SPDX-License-Identifier: MIT */
/*
 * log.h - internal logging through the user's print callback.
 */
#ifndef USERBPF_UTIL_LOG_H
#define USERBPF_UTIL_LOG_H

#include "userbpf/common.h"

void ub_log(enum userbpf_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ub_warn(...) ub_log(USERBPF_WARN, __VA_ARGS__)
#define ub_info(...) ub_log(USERBPF_INFO, __VA_ARGS__)
#define ub_debug(...) ub_log(USERBPF_DEBUG, __VA_ARGS__)

#endif
