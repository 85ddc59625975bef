/* SPDX-License-Identifier: MIT */
/*
 * bprintf.c - the printf family of helpers: bpf_trace_printk (3
 * arguments), bpf_trace_vprintk and bpf_snprintf (up to 12, passed as a
 * u64 array), with the kernel's format rules (bpf_bprintf_prepare): %d %i
 * %u %x %X %o %c %s %p %% with flags, width, precision and the h/hh/l/ll/z
 * length modifiers; %s arguments, formats and argument arrays are read
 * through the run's read policy (userbpf_run__read: only the run's own
 * memory unless USERBPF_RUN_HOST_READ), never faulting.  Trace
 * lines go to the run's trace callback, else to the print callback.
 */
#include "util/ubc.h"

#include "helpers.h"
#include "util/log.h"

#define MAX_TRACE_PRINTK_ARGS 3
#define MAX_BPRINTF_ARGS 12
#define MAX_STR_ARG 256
#define TRACE_LINE_MAX 1024

/* Append to out (bounded), counting the full length in *len. */
static void put(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len < size) {
		size_t room = size - *len;

		memcpy(out + *len, s, n < room ? n : room);
	}
	*len += n;
}

long ub_bprintf(const struct userbpf_run *run, char *out, size_t size, const char *fmt,
		size_t fmt_size, const uint64_t *args, unsigned nargs, unsigned max_args)
{
	size_t len = 0, i = 0, end;
	unsigned argi = 0;

	if (!fmt || fmt_size == 0 || !memchr(fmt, 0, fmt_size) || nargs > max_args)
		return -EINVAL;
	end = strlen(fmt);
	while (i < end) {
		char spec[32], buf[MAX_STR_ARG + 64], str[MAX_STR_ARG];
		size_t start = i, sl, len_at;
		int lmod = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size */
		char conv;
		int n;

		if (fmt[i] != '%') {
			size_t j = i;

			while (j < end && fmt[j] != '%')
				j++;
			put(out, size, &len, fmt + i, j - i);
			i = j;
			continue;
		}
		i++;
		if (fmt[i] == '%') {
			put(out, size, &len, "%", 1);
			i++;
			continue;
		}
		while (fmt[i] && strchr("-+ #0", fmt[i]))
			i++;
		while (fmt[i] >= '0' && fmt[i] <= '9')
			i++;
		if (fmt[i] == '.') {
			i++;
			while (fmt[i] >= '0' && fmt[i] <= '9')
				i++;
		}
		len_at = i; /* the length modifier is not copied into spec */
		if (fmt[i] == 'h') {
			lmod = fmt[i + 1] == 'h' ? -2 : -1;
			i += fmt[i + 1] == 'h' ? 2 : 1;
		} else if (fmt[i] == 'l') {
			lmod = fmt[i + 1] == 'l' ? 2 : 1;
			i += fmt[i + 1] == 'l' ? 2 : 1;
		} else if (fmt[i] == 'z') {
			lmod = 3;
			i++;
		}
		conv = fmt[i];
		if (!conv || !strchr("diuxXocsp", conv))
			return -EINVAL;
		i++;
		if (argi >= nargs)
			return -EINVAL;
		sl = len_at - start; /* flags, width, precision */
		if (sl + 4 >= sizeof(spec))
			return -EINVAL;
		memcpy(spec, fmt + start, sl);
		spec[sl] = '\0';
		switch (conv) {
		case 's':
			if (userbpf_run__read_str(run, str, (const void *)(uintptr_t)args[argi],
						  sizeof(str)) < 0)
				strcpy(str, "(fault)");
			strcat(spec, "s");
			n = snprintf(buf, sizeof(buf), spec, str);
			break;
		case 'c':
			strcat(spec, "c");
			n = snprintf(buf, sizeof(buf), spec, (int)(unsigned char)args[argi]);
			break;
		case 'p':
			/* %pK, %px, %ps, %pS: print the address */
			if (fmt[i] && strchr("KxsSB", fmt[i]))
				i++;
			n = snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)args[argi]);
			break;
		default: {
			bool is_signed = conv == 'd' || conv == 'i';
			uint64_t v = args[argi];

			strcat(spec, "ll");
			sl = strlen(spec);
			spec[sl] = conv;
			spec[sl + 1] = '\0';
			/* truncate to the declared width, then widen */
			if (lmod == 0)
				v = is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
			else if (lmod == -1)
				v = is_signed ? (uint64_t)(int64_t)(int16_t)v : (uint16_t)v;
			else if (lmod == -2)
				v = is_signed ? (uint64_t)(int64_t)(int8_t)v : (uint8_t)v;
			n = is_signed ? snprintf(buf, sizeof(buf), spec, (long long)v) :
					snprintf(buf, sizeof(buf), spec, (unsigned long long)v);
		}
		}
		if (n < 0)
			return -EINVAL;
		put(out, size, &len, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
		argi++;
	}
	if (size)
		out[len < size ? len : size - 1] = '\0';
	return (long)len + 1;
}

void ub_trace_emit(struct userbpf_run *run, const char *line, size_t len)
{
	struct userbpf_run_opts *opts = run->opts;

	while (len && line[len - 1] == '\n')
		len--;
	if (opts &&
	    opts->sz >= offsetof(struct userbpf_run_opts, trace_fn) + sizeof(opts->trace_fn) &&
	    opts->trace_fn) {
		char tmp[TRACE_LINE_MAX];

		if (len >= sizeof(tmp))
			len = sizeof(tmp) - 1;
		memcpy(tmp, line, len);
		tmp[len] = '\0';
		opts->trace_fn(opts->cookie, tmp, len);
		return;
	}
	ub_log(USERBPF_INFO, "bpf_trace_printk: %.*s\n", (int)len, line);
}

/* Format into a trace line and emit it; returns the helper's r0. */
static uint64_t trace_common(struct userbpf_run *run, uint64_t fmt, uint64_t fmt_size,
			     const uint64_t *args, unsigned nargs, unsigned max)
{
	char line[TRACE_LINE_MAX], fbuf[TRACE_LINE_MAX];
	long n;

	if (fmt_size == 0 || fmt_size > sizeof(fbuf))
		return UB_ERR(-EINVAL);
	if (userbpf_run__read(run, fbuf, (const void *)(uintptr_t)fmt, fmt_size))
		return UB_ERR(-EFAULT);
	n = ub_bprintf(run, line, sizeof(line), fbuf, fmt_size, args, nargs, max);
	if (n < 0)
		return UB_ERR(n);
	ub_trace_emit(run, line, strlen(line));
	return (uint64_t)(n - 1);
}

/* bpf_trace_printk(fmt, fmt_size, a1, a2, a3) */
UB_HELPER(trace_printk)
{
	uint64_t args[3] = { r3, r4, r5 };

	return trace_common(run, r1, r2, args, 3, MAX_TRACE_PRINTK_ARGS);
}

/* Copy a u64 argument array of data_len bytes (a multiple of 8). */
static int get_args(struct userbpf_run *run, uint64_t data, uint64_t data_len, uint64_t *args,
		    unsigned *nargs)
{
	if (data_len % 8 || data_len > MAX_BPRINTF_ARGS * 8 || (!data && data_len))
		return -EINVAL;
	*nargs = (unsigned)(data_len / 8);
	if (data_len && !userbpf_run__mem_ok(run, (void *)(uintptr_t)data, data_len, 0))
		return -EFAULT;
	if (data_len && userbpf_run__read(run, args, (const void *)(uintptr_t)data, data_len))
		return -EFAULT;
	return 0;
}

/* bpf_trace_vprintk(fmt, fmt_size, data, data_len) */
UB_HELPER(trace_vprintk)
{
	uint64_t args[MAX_BPRINTF_ARGS];
	unsigned nargs;
	int err = get_args(run, r3, r4, args, &nargs);

	if (err)
		return UB_ERR(err);
	return trace_common(run, r1, r2, args, nargs, MAX_BPRINTF_ARGS);
}

/* bpf_snprintf(str, str_size, fmt, data, data_len): length incl. NUL */
UB_HELPER(snprintf)
{
	uint64_t args[MAX_BPRINTF_ARGS];
	char fbuf[TRACE_LINE_MAX];
	unsigned nargs;
	long n;
	int err = get_args(run, r4, r5, args, &nargs);

	if (err)
		return UB_ERR(err);
	if (r2 && !userbpf_run__mem_ok(run, (void *)(uintptr_t)r1, r2, 1))
		return UB_ERR(-EFAULT);
	n = userbpf_run__read_str(run, fbuf, (const void *)(uintptr_t)r3, sizeof(fbuf));
	if (n < 0)
		return UB_ERR(-EFAULT);
	n = ub_bprintf(run, (char *)(uintptr_t)r1, r2, fbuf, (size_t)n, args, nargs,
		       MAX_BPRINTF_ARGS);
	return UB_ERR(n);
}
