// SPDX-License-Identifier: MIT
/*
 * sysctl_helpers.c - the helpers of cgroup/sysctl programs:
 * bpf_sysctl_get_name (101), bpf_sysctl_get_current_value (102),
 * bpf_sysctl_get_new_value (103), bpf_sysctl_set_new_value (104), with
 * kernel/bpf/cgroup.c's semantics, on the context a host fills
 * (struct userbpf_sysctl_ctx, include/userbpf/sysctl.h).
 *
 * Kernel rules: a name or value is copied NUL-terminated; one that does
 * not fit is truncated and -E2BIG; the name is "dir/.../leaf" without a
 * leading slash, or only the leaf with BPF_F_SYSCTL_BASE_NAME; a missing
 * value zero-fills the buffer and is -EINVAL; get_new_value outside a
 * write zero-fills and is -EINVAL; set_new_value needs a write, a value
 * of 1 .. PAGE_SIZE - 1 bytes, else -EINVAL.  A context that is not a
 * userbpf_sysctl_ctx (the run's context, of the full size, with the
 * magic) is -EINVAL, and no buffer is touched.
 */
#include "helpers.h"
#include "userbpf/sysctl.h"

#define BPF_F_SYSCTL_BASE_NAME 1ull
#define SYSCTL_PAGE_SIZE 4096u

static struct userbpf_sysctl_ctx *sysctl_ctx(struct userbpf_run *run, uint64_t r1)
{
	struct userbpf_sysctl_ctx *c = (struct userbpf_sysctl_ctx *)(uintptr_t)r1;
	const struct userbpf_run_opts *o = run->opts;

	if (!c || c != o->ctx || o->ctx_size < sizeof(*c) || c->magic != USERBPF_SYSCTL_CTX_MAGIC)
		return NULL;
	return c;
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* strscpy(): bytes copied without the NUL, or -E2BIG when truncated. */
static long strscpy(char *dst, const char *src, size_t size)
{
	size_t n = str_len(src);

	if (!size)
		return -E2BIG;
	if (n >= size) {
		__builtin_memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	__builtin_memcpy(dst, src, n + 1);
	return (long)n;
}

/* copy_sysctl_value() */
static long copy_value(char *dst, size_t dst_len, const char *src, size_t src_len)
{
	if (!dst)
		return -EINVAL;
	if (!dst_len)
		return -E2BIG;
	if (!src || !src_len) {
		__builtin_memset(dst, 0, dst_len);
		return -EINVAL;
	}
	__builtin_memcpy(dst, src, dst_len < src_len ? dst_len : src_len);
	if (dst_len > src_len) {
		__builtin_memset(dst + src_len, 0, dst_len - src_len);
		return (long)src_len;
	}
	dst[dst_len - 1] = '\0';
	return -E2BIG;
}

/* bpf_sysctl_get_name(ctx, buf, buf_len, flags) */
UB_HELPER(sysctl_get_name)
{
	struct userbpf_sysctl_ctx *c = sysctl_ctx(run, r1);
	char *buf = (char *)(uintptr_t)r2;
	const char *name, *leaf;

	if (!c || !buf || !userbpf_run__mem_ok(run, buf, r3, 1))
		return UB_ERR(-EINVAL);
	name = c->name ? c->name : "";
	leaf = name;
	for (const char *p = name; *p; p++)
		if (*p == '/')
			leaf = p + 1;
	return UB_ERR(strscpy(buf, (r4 & BPF_F_SYSCTL_BASE_NAME) ? leaf : name, r3));
}

/* bpf_sysctl_get_current_value(ctx, buf, buf_len) */
UB_HELPER(sysctl_get_current_value)
{
	struct userbpf_sysctl_ctx *c = sysctl_ctx(run, r1);
	char *buf = (char *)(uintptr_t)r2;

	if (!c || !userbpf_run__mem_ok(run, buf, r3, 1))
		return UB_ERR(-EINVAL);
	return UB_ERR(copy_value(buf, r3, c->cur_val, c->cur_len));
}

/* bpf_sysctl_get_new_value(ctx, buf, buf_len) */
UB_HELPER(sysctl_get_new_value)
{
	struct userbpf_sysctl_ctx *c = sysctl_ctx(run, r1);
	char *buf = (char *)(uintptr_t)r2;

	if (!c || !userbpf_run__mem_ok(run, buf, r3, 1))
		return UB_ERR(-EINVAL);
	if (!c->write) {
		if (buf && r3)
			__builtin_memset(buf, 0, r3);
		return UB_ERR(-EINVAL);
	}
	return UB_ERR(copy_value(buf, r3, c->new_val, c->new_len));
}

/* bpf_sysctl_set_new_value(ctx, buf, buf_len) */
UB_HELPER(sysctl_set_new_value)
{
	struct userbpf_sysctl_ctx *c = sysctl_ctx(run, r1);
	const char *buf = (const char *)(uintptr_t)r2;

	if (!c || !c->write || !c->new_val || !c->new_len || !buf || !r3 ||
	    r3 > SYSCTL_PAGE_SIZE - 1 || r3 > c->new_cap)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, buf, r3, 0))
		return UB_ERR(-EFAULT);
	__builtin_memcpy(c->new_val, buf, r3);
	c->new_len = r3;
	c->new_updated = 1;
	return 0;
}
