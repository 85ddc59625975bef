/* SPDX-License-Identifier: MIT */
/*
 * vlog.c - the kernel's verifier log rules (see vlog.h): fixed mode keeps
 * the first len_total - 1 characters, rotating mode the last ones; the
 * true size is the longest the log ever was plus its zero.  Used by
 * BPF_BTF_LOAD; written from the documented behaviour of
 * kernel/bpf/log.c (bpf_verifier_vlog, bpf_vlog_finalize).
 */
#include "util/ubc.h"

#include "syscall/vlog.h"
#include "util/alloc.h"

/* BPF_VERIFIER_TMP_LOG_SIZE: one message is formatted into this much */
#define VLOG_TMP 1024u

void ub_vlog_init(struct ub_vlog *log, uint32_t level, bool has_buf, uint32_t len_total)
{
	memset(log, 0, sizeof(*log));
	log->level = level;
	log->has_buf = has_buf && len_total;
	log->len_total = log->has_buf ? len_total : 0;
}

/* Write len bytes at pos of the caller's buffer image. */
static void put(struct ub_vlog *log, uint32_t pos, const char *src, uint32_t len)
{
	uint32_t need = pos + len;

	if (log->nomem || !len)
		return;
	if (need > log->kcap) {
		uint32_t cap = log->kcap ? log->kcap : 256;
		char *n;

		while (cap < need)
			cap = cap > log->len_total / 2 ? log->len_total : cap * 2;
		if (cap > log->len_total)
			cap = log->len_total;
		n = ub_realloc(log->kbuf, cap);
		if (!n) {
			log->nomem = true;
			return;
		}
		log->kbuf = n;
		log->kcap = cap;
	}
	memcpy(log->kbuf + pos, src, len);
	if (need > log->written)
		log->written = need;
}

void ub_vlog_vprintf(struct ub_vlog *log, const char *fmt, va_list ap)
{
	char tmp[VLOG_TMP];
	uint32_t n, new_n;
	uint64_t len;
	int r;

	if (!log->level)
		return;
	r = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	n = r < 0 ? 0 : (uint32_t)r >= VLOG_TMP ? VLOG_TMP - 1 : (uint32_t)r;
	tmp[n] = '\0';
	n += 1; /* the terminating zero */
	len = log->end_pos + n;
	if (len > UINT32_MAX)
		log->len_max = UINT32_MAX;
	else if (len > log->len_max)
		log->len_max = (uint32_t)len;

	if (log->level & UB_VLOG_FIXED) {
		uint64_t cur = log->end_pos;

		/* without a buffer nothing is copied: only the positions
		 * move (the kernel's arithmetic there would write before
		 * its scratch buffer at end_pos 0) */
		new_n = 0;
		if (log->has_buf && log->end_pos < log->len_total - 1u) {
			uint32_t room = (uint32_t)(log->len_total - log->end_pos);

			new_n = room < n ? room : n;
			tmp[new_n - 1] = '\0';
		}
		log->end_pos += n - 1;
		if (log->has_buf && new_n)
			put(log, (uint32_t)cur, tmp, new_n);
	} else {
		uint64_t new_end = log->end_pos + n, cur;
		uint32_t buf_start, buf_end;

		if (new_end - log->start_pos >= log->len_total)
			log->start_pos = new_end - log->len_total;
		log->end_pos = new_end - 1;
		if (!log->has_buf)
			return;
		new_n = n < log->len_total ? n : log->len_total;
		cur = new_end - new_n;
		buf_start = (uint32_t)(cur % log->len_total);
		buf_end = (uint32_t)(new_end % log->len_total);
		if (buf_end == 0)
			buf_end = log->len_total;
		if (buf_start < buf_end) {
			put(log, buf_start, tmp + n - new_n, buf_end - buf_start);
		} else {
			/* wraps around the end of the buffer: two pieces */
			put(log, buf_start, tmp + n - new_n, log->len_total - buf_start);
			put(log, 0, tmp + n - buf_end, buf_end);
		}
	}
}

void ub_vlog_printf(struct ub_vlog *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ub_vlog_vprintf(log, fmt, ap);
	va_end(ap);
}

/* Reverse bytes [a, b) of the image. */
static void reverse(char *p, uint32_t a, uint32_t b)
{
	while (b > a + 1) {
		char c = p[a];

		p[a++] = p[--b];
		p[b] = c;
	}
}

int ub_vlog_finalize(struct ub_vlog *log, uint32_t *true_size)
{
	*true_size = 0;
	if (!log->level)
		return 0;
	/* A wrapped rotating log filled the whole buffer: rotate it left so
	 * it starts at its oldest byte (three reversals, as the kernel). */
	if (log->has_buf && log->start_pos && !log->nomem && log->kcap == log->len_total) {
		uint32_t sub = log->len_total - (uint32_t)(log->start_pos % log->len_total);

		reverse(log->kbuf, 0, log->len_total);
		reverse(log->kbuf, 0, sub);
		reverse(log->kbuf, sub, log->len_total);
	}
	/* Fixed mode leaves the buffer zero-terminated where the text
	 * stops, even a 1-byte buffer no message fitted into (6.18). */
	if (log->has_buf && (log->level & UB_VLOG_FIXED) && log->len_max) {
		uint64_t pos = log->end_pos < log->len_total - 1u ? log->end_pos :
								    log->len_total - 1u;

		put(log, (uint32_t)pos, "", 1);
	}
	*true_size = log->len_max;
	if (log->nomem)
		return -ENOMEM;
	if (log->has_buf && log->len_max > log->len_total)
		return -ENOSPC;
	return 0;
}

void ub_vlog_free(struct ub_vlog *log)
{
	ub_free(log->kbuf);
	log->kbuf = NULL;
	log->kcap = 0;
}
