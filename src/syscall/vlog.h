/* SPDX-License-Identifier: MIT */
/*
 * vlog.h - the kernel's verifier log (kernel/bpf/log.c, 6.4+) as the
 * bpf() commands see it: a caller's buffer of len_total bytes written
 * message by message, keeping the head (BPF_LOG_FIXED) or, by default,
 * rotating to keep the tail; the whole log's size plus one as its true
 * size; -ENOSPC when the buffer was too small.
 *
 * The text goes to a command-side image of the caller's buffer (grown on
 * demand up to len_total, so a large buffer costs only what is written);
 * the command copies bytes [0, written) out at the end, as the kernel's
 * copies would have left them.
 */
#ifndef USERBPF_SYSCALL_VLOG_H
#define USERBPF_SYSCALL_VLOG_H

#include "util/ubc.h"

#define UB_VLOG_FIXED 8u /* BPF_LOG_FIXED */

struct ub_vlog {
	uint32_t level;	    /* log_level; 0: nothing is logged */
	uint32_t len_total; /* the caller's buffer size; 0: no buffer */
	bool has_buf;	    /* the caller gave a buffer */
	bool nomem;	    /* the image could not grow */
	char *kbuf;	    /* image of the caller's buffer */
	uint32_t kcap;	    /* bytes allocated for kbuf */
	uint32_t written;   /* bytes [0, written) of the buffer were written */
	uint64_t start_pos, end_pos;
	uint32_t len_max; /* the whole log's size, its terminating zero included */
};

void ub_vlog_init(struct ub_vlog *log, uint32_t level, bool has_buf, uint32_t len_total);
/* One message, at most 1023 characters as the kernel's vscnprintf into
 * its 1 KiB scratch buffer. */
void ub_vlog_printf(struct ub_vlog *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ub_vlog_vprintf(struct ub_vlog *log, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* bpf_vlog_finalize: rotate a wrapped buffer to start at its oldest byte;
 * *true_size = the whole log's size (0 at level 0); -ENOSPC when the
 * caller's buffer was too small, -ENOMEM when the image could not grow. */
int ub_vlog_finalize(struct ub_vlog *log, uint32_t *true_size);
void ub_vlog_free(struct ub_vlog *log);

#endif
