/* SPDX-License-Identifier: MIT */
/*
 * util/ubc_string.c - the core's string, number-parsing and errno-text
 * functions (declared in util/ubc.h).  Plain byte loops: the core calls
 * them on names and short texts, never on a program's run path.  The
 * freestanding build maps the libc names (strlen, strtoul ...) onto these;
 * the hosted build uses libc's and keeps these for the tests that compare
 * the two.
 */
#include "ubc.h"

#if !__STDC_HOSTED__
UB_TLS int ub_errno;
#endif

size_t ub_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t ub_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int ub_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y)
		x++, y++;
	return (int)*x - (int)*y;
}

int ub_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return (int)*x - (int)*y;
		if (!*x)
			return 0;
	}
	return 0;
}

char *ub_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *ub_strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *ub_strstr(const char *hay, const char *needle)
{
	size_t n = ub_strlen(needle);

	if (!n)
		return (char *)hay;
	for (; *hay; hay++)
		if (*hay == *needle && !ub_strncmp(hay, needle, n))
			return (char *)hay;
	return NULL;
}

void *ub_memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

char *ub_strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

char *ub_strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

char *ub_strcat(char *dst, const char *src)
{
	ub_strcpy(dst + ub_strlen(dst), src);
	return dst;
}

size_t ub_strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && ub_strchr(accept, s[n]))
		n++;
	return n;
}

size_t ub_strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !ub_strchr(reject, s[n]))
		n++;
	return n;
}

/* ==== Numbers (C's strtoull rules: space, sign, 0x/0 prefix, clamping) ==== */

static int digit_value(int c)
{
	if (ub_isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * The magnitude of the number at s: *neg gets the sign, *overflow whether
 * it exceeded 64 bits, *end the first unparsed byte (s when no digit).
 */
static unsigned long long parse_number(const char *s, char **end, int base, bool *neg,
				       bool *overflow)
{
	const char *p = s, *digits;
	unsigned long long v = 0;

	*neg = false;
	*overflow = false;
	while (ub_isspace(*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	digits = p;
	for (; digit_value(*p) < base; p++) {
		unsigned d = (unsigned)digit_value(*p);

		if (v > (~0ULL - d) / (unsigned)base)
			*overflow = true;
		else
			v = v * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	return v;
}

unsigned long long ub_strtoull(const char *s, char **end, int base)
{
	bool neg, overflow;
	unsigned long long v = parse_number(s, end, base, &neg, &overflow);

	if (overflow) {
		errno = ERANGE;
		return ~0ULL;
	}
	return neg ? -v : v;
}

long long ub_strtoll(const char *s, char **end, int base)
{
	bool neg, overflow;
	unsigned long long v = parse_number(s, end, base, &neg, &overflow);

	if (overflow ||
	    v > (neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX)) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}

unsigned long ub_strtoul(const char *s, char **end, int base)
{
	bool neg, overflow;
	unsigned long long v = parse_number(s, end, base, &neg, &overflow);

	if (overflow || v > ULONG_MAX) {
		errno = ERANGE;
		return ULONG_MAX;
	}
	return (unsigned long)(neg ? -v : v);
}

long ub_strtol(const char *s, char **end, int base)
{
	long long v = ub_strtoll(s, end, base);

	if (v > LONG_MAX) {
		errno = ERANGE;
		return LONG_MAX;
	}
	if (v < LONG_MIN) {
		errno = ERANGE;
		return LONG_MIN;
	}
	return (long)v;
}

/* ==== errno texts (glibc's wording) ==== */

static const char *const ub_errno_text[] = {
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file or directory",
	[ESRCH] = "No such process",
	[EINTR] = "Interrupted system call",
	[EIO] = "Input/output error",
	[ENXIO] = "No such device or address",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Exec format error",
	[EBADF] = "Bad file descriptor",
	[ECHILD] = "No child processes",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Cannot allocate memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[ENOTBLK] = "Block device required",
	[EBUSY] = "Device or resource busy",
	[EEXIST] = "File exists",
	[EXDEV] = "Invalid cross-device link",
	[ENODEV] = "No such device",
	[ENOTDIR] = "Not a directory",
	[EISDIR] = "Is a directory",
	[EINVAL] = "Invalid argument",
	[ENFILE] = "Too many open files in system",
	[EMFILE] = "Too many open files",
	[ENOTTY] = "Inappropriate ioctl for device",
	[ETXTBSY] = "Text file busy",
	[EFBIG] = "File too large",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EROFS] = "Read-only file system",
	[EMLINK] = "Too many links",
	[EPIPE] = "Broken pipe",
	[EDOM] = "Numerical argument out of domain",
	[ERANGE] = "Numerical result out of range",
	[EDEADLK] = "Resource deadlock avoided",
	[ENAMETOOLONG] = "File name too long",
	[ENOLCK] = "No locks available",
	[ENOSYS] = "Function not implemented",
	[ENOTEMPTY] = "Directory not empty",
	[ELOOP] = "Too many levels of symbolic links",
	[ENOMSG] = "No message of desired type",
	[EIDRM] = "Identifier removed",
	[ENOSTR] = "Device not a stream",
	[ENODATA] = "No data available",
	[ETIME] = "Timer expired",
	[ENOSR] = "Out of streams resources",
	[ENOLINK] = "Link has been severed",
	[EPROTO] = "Protocol error",
	[EBADMSG] = "Bad message",
	[EOVERFLOW] = "Value too large for defined data type",
	[EBADFD] = "File descriptor in bad state",
	[EILSEQ] = "Invalid or incomplete multibyte or wide character",
	[EUSERS] = "Too many users",
	[ENOTSOCK] = "Socket operation on non-socket",
	[EDESTADDRREQ] = "Destination address required",
	[EMSGSIZE] = "Message too long",
	[EPROTOTYPE] = "Protocol wrong type for socket",
	[ENOPROTOOPT] = "Protocol not available",
	[EPROTONOSUPPORT] = "Protocol not supported",
	[EOPNOTSUPP] = "Operation not supported",
	[EAFNOSUPPORT] = "Address family not supported by protocol",
	[EADDRINUSE] = "Address already in use",
	[EADDRNOTAVAIL] = "Cannot assign requested address",
	[ENETDOWN] = "Network is down",
	[ENETUNREACH] = "Network is unreachable",
	[ECONNABORTED] = "Software caused connection abort",
	[ECONNRESET] = "Connection reset by peer",
	[ENOBUFS] = "No buffer space available",
	[EISCONN] = "Transport endpoint is already connected",
	[ENOTCONN] = "Transport endpoint is not connected",
	[ETIMEDOUT] = "Connection timed out",
	[ECONNREFUSED] = "Connection refused",
	[EALREADY] = "Operation already in progress",
	[EINPROGRESS] = "Operation now in progress",
	[ESTALE] = "Stale file handle",
	[EUCLEAN] = "Structure needs cleaning",
	[EDQUOT] = "Disk quota exceeded",
	[ECANCELED] = "Operation canceled",
	[EOWNERDEAD] = "Owner died",
	[ENOTRECOVERABLE] = "State not recoverable",
	[ERFKILL] = "Operation not possible due to RF-kill",
	[EHWPOISON] = "Memory page has hardware error",
};

const char *ub_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == ENOTSUPP)
		return "Operation not supported (ENOTSUPP)";
	if ((size_t)err < sizeof(ub_errno_text) / sizeof(ub_errno_text[0]) && ub_errno_text[err])
		return ub_errno_text[err];
	return "Unknown error";
}
