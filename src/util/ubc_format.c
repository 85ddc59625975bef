/* SPDX-License-Identifier: MIT */
/*
 * util/ubc_format.c - the core's snprintf: what the verifier log, the
 * disassembler, error messages and the bpf_snprintf/bpf_trace_printk
 * helpers need, with C's semantics (the result is the length the full text
 * would have; the buffer always ends in NUL when size > 0).
 *
 * Supported: flags - + space # 0; width and precision (numbers or *);
 * length hh h l ll z j t L(=ll); conversions d i u o x X c s p %.  No
 * floating point (the core has none), no %n.  An unknown conversion is
 * copied as it stands.
 */
#include "ubc.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* bytes the full text has so far */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

#define F_MINUS 1
#define F_PLUS 2
#define F_SPACE 4
#define F_HASH 8
#define F_ZERO 16

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base, bool upper,
		       int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, zeros;
	const char *prefix = "";
	int plen;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (prec < 0 && n == 0)
		tmp[n++] = '0'; /* no precision: "0" */
	if (neg)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	if ((flags & F_HASH) && base == 16 && n && !(n == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	zeros = prec > n ? prec - n : 0;
	if ((flags & F_HASH) && base == 8 && !zeros && (n == 0 || tmp[n - 1] != '0'))
		zeros = 1;
	plen = (int)ub_strlen(prefix);
	len = plen + zeros + n;
	if ((flags & F_ZERO) && !(flags & F_MINUS) && prec < 0 && width > len) {
		zeros += width - len;
		len = width;
	}
	if (!(flags & F_MINUS))
		pad(o, ' ', width - len);
	while (*prefix)
		put(o, *prefix++);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_MINUS)
		pad(o, ' ', width - len);
}

static void put_string(struct out *o, const char *s, int flags, int width, int prec)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = prec >= 0 ? ub_strnlen(s, (size_t)prec) : ub_strlen(s);
	if (!(flags & F_MINUS))
		pad(o, ' ', width - (int)n);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (flags & F_MINUS)
		pad(o, ' ', width - (int)n);
}

int ub_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *p;

	for (p = fmt; *p; p++) {
		const char *spec = p;
		int flags = 0, width = 0, prec = -1, lng = 0;
		unsigned long long v;
		bool neg;

		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-')
				flags |= F_MINUS;
			else if (*p == '+')
				flags |= F_PLUS;
			else if (*p == ' ')
				flags |= F_SPACE;
			else if (*p == '#')
				flags |= F_HASH;
			else if (*p == '0')
				flags |= F_ZERO;
			else
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_MINUS;
				width = -width;
			}
			p++;
		} else {
			while (ub_isdigit(*p))
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				while (ub_isdigit(*p))
					prec = prec * 10 + (*p++ - '0');
			}
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t/ptrdiff/intmax */
		for (;; p++) {
			if (*p == 'h')
				lng--;
			else if (*p == 'l')
				lng++;
			else if (*p == 'L' || *p == 'q')
				lng = 2;
			else if (*p == 'z' || *p == 't')
				lng = sizeof(size_t) == sizeof(long) ? 1 : 2;
			else if (*p == 'j')
				lng = 2;
			else
				break;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			long long s;

			if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			if (lng <= -2)
				s = (signed char)s;
			neg = s < 0;
			v = neg ? 0ULL - (unsigned long long)s : (unsigned long long)s;
			put_number(&o, v, neg, 10, false, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 2)
				v = va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned int);
			if (lng == -1)
				v = (unsigned short)v;
			if (lng <= -2)
				v = (unsigned char)v;
			put_number(&o, v, false,
				   *p == 'u' ? 10 :
				   *p == 'o' ? 8 :
					       16,
				   *p == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		case 'p': {
			void *ptr = va_arg(ap, void *);

			if (!ptr)
				put_string(&o, "(nil)", flags, width, -1);
			else
				put_number(&o, (uintptr_t)ptr, false, 16, false, flags | F_HASH,
					   width, prec);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			if (!(flags & F_MINUS))
				pad(&o, ' ', width - 1);
			put(&o, c);
			if (flags & F_MINUS)
				pad(&o, ' ', width - 1);
			break;
		}
		case 's':
			put_string(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* unknown: copy the spec as written */
			for (; spec <= p && *spec; spec++)
				put(&o, *spec);
			if (!*p)
				p--;
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int ub_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ub_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
