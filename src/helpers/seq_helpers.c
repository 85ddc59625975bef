// SPDX-License-Identifier: MIT
/*
 * seq_helpers.c - bpf_seq_printf (126) and bpf_seq_write (127), the
 * output of iterator programs (SEC("iter/...")), into the seq_file of the
 * iterator run on this thread (seq.h, iter_host.c).
 *
 * Kernel semantics (kernel/trace/bpf_trace.c, fs/seq_file.c): the
 * arguments of seq_printf are an array of u64 (data_len a multiple of 8,
 * at most 12, else -EINVAL), the format is bpf_snprintf's (bprintf.c; a
 * bad format -EINVAL); a record that does not fit in what is left of the
 * buffer is not written at all and the seq_file overflows: -EOVERFLOW.
 * A seq_file pointer that is not the current run's (a program run outside
 * an iterator, a forged pointer) is -EINVAL, and nothing is touched.
 */
#include "helpers.h"
#include "seq.h"

#define MAX_BPRINTF_ARGS 12
#define FMT_MAX 1024

static __thread struct ub_seq *current_seq;

void ub_seq_set_current(struct ub_seq *seq)
{
	current_seq = seq;
}

static struct ub_seq *seq_arg(uint64_t r)
{
	struct ub_seq *seq = current_seq;

	return seq && (uint64_t)(uintptr_t)seq == r ? seq : NULL;
}

/* seq_write(): all of it or nothing. */
static int seq_put(struct ub_seq *seq, const void *data, size_t len)
{
	if (seq->overflow || seq->count + len >= seq->size) {
		seq->overflow = true;
		return -EOVERFLOW;
	}
	__builtin_memcpy(seq->buf + seq->count, data, len);
	seq->count += len;
	return 0;
}

/* bpf_seq_write(seq, data, len) */
UB_HELPER(seq_write)
{
	struct ub_seq *seq = seq_arg(r1);
	const void *data = (const void *)(uintptr_t)r2;

	if (!seq)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, data, r3, 0))
		return UB_ERR(-EFAULT);
	return UB_ERR(seq_put(seq, data, r3));
}

/* bpf_seq_printf(seq, fmt, fmt_size, data, data_len) */
UB_HELPER(seq_printf)
{
	struct ub_seq *seq = seq_arg(r1);
	uint64_t args[MAX_BPRINTF_ARGS];
	char fmt[FMT_MAX];
	size_t fmt_size = r3 < sizeof(fmt) ? r3 : sizeof(fmt);
	long n;

	if (!seq)
		return UB_ERR(-EINVAL);
	if (r5 % 8 || r5 > MAX_BPRINTF_ARGS * 8 || (r5 && !r4))
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r2, r3, 0) ||
	    (r5 && !userbpf_run__mem_ok(run, (void *)(uintptr_t)r4, r5, 0)))
		return UB_ERR(-EFAULT);
	if (userbpf_run__read(run, fmt, (const void *)(uintptr_t)r2, fmt_size) ||
	    (r5 && userbpf_run__read(run, args, (const void *)(uintptr_t)r4, r5)))
		return UB_ERR(-EFAULT);
	/* measure, then print in place if the whole record fits */
	n = ub_bprintf(run, NULL, 0, fmt, fmt_size, args, (unsigned)(r5 / 8), MAX_BPRINTF_ARGS);
	if (n < 0)
		return UB_ERR(n);
	if (seq->overflow || seq->count + (size_t)n - 1 >= seq->size) {
		seq->overflow = true;
		return UB_ERR(-EOVERFLOW);
	}
	ub_bprintf(run, seq->buf + seq->count, seq->size - seq->count, fmt, fmt_size, args,
		   (unsigned)(r5 / 8), MAX_BPRINTF_ARGS);
	seq->count += (size_t)n - 1;
	return 0;
}
