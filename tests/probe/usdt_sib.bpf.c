/* SPDX-License-Identifier: MIT */
/*
 * usdt_sib.bpf.c - fixture of test_usdt.c's scaled-index tests: a usdt
 * program as one built with libbpf 1.7's usdt.bpf.h reads its arguments.
 * Debian 12's headers are libbpf 1.1's (no BPF_USDT_ARG_SIB, the older
 * spec layout), so the 1.7 ABI is spelled out here: the spec map's value
 * (struct __bpf_usdt_spec, 304 bytes, with reg_off at 14 in each argument)
 * and an argument reader doing what 1.7's bpf_usdt_arg() does.
 * The same object runs on userbpf and, loaded by libbpf, in the kernel
 * (test usdt_sib_args_match_kernel).
 *
 * got[0] counts hits, got[1 + N] is argument N (up to 6), got[7] is the
 * argument count, got[8] the error of reading argument 12.
 */
#include "../../examples/probe_regs.h"
#include <stdbool.h>
#include <linux/errno.h>

enum usdt17_arg_type {
	USDT17_ARG_CONST,
	USDT17_ARG_REG,
	USDT17_ARG_REG_DEREF,
	USDT17_ARG_SIB,
};

struct usdt17_arg_spec {
	__u64 val_off;
	enum usdt17_arg_type arg_type : 8;
	__u16 idx_reg_off : 12;
	__u16 scale_bitshift : 4;
	__u8 reserved : 8;
	short reg_off;
	bool arg_signed;
	char arg_bitshift;
};

#define USDT17_MAX_ARGS 12
struct usdt17_spec {
	struct usdt17_arg_spec args[USDT17_MAX_ARGS];
	__u64 usdt_cookie;
	short arg_cnt;
};
_Static_assert(__builtin_offsetof(struct usdt17_arg_spec, reg_off) == 14, "1.7 arg spec layout");
_Static_assert(sizeof(struct usdt17_spec) == 304, "1.7 spec layout");

/* The name is libbpf's: userbpf (and libbpf) fill the map it finds by it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, int);
	__type(value, struct usdt17_spec);
} __bpf_usdt_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 9);
	__type(key, __u32);
	__type(value, __u64);
} got SEC(".maps");

static __always_inline int usdt17_arg(struct pt_regs *ctx, __u32 n, long *res)
{
	int id = (int)bpf_get_attach_cookie(ctx);
	struct usdt17_spec *spec = bpf_map_lookup_elem(&__bpf_usdt_specs, &id);
	struct usdt17_arg_spec *a;
	unsigned long val, idx;
	int err;

	*res = 0;
	if (!spec)
		return -ESRCH;
	if (n >= USDT17_MAX_ARGS || n >= (__u32)spec->arg_cnt)
		return -ENOENT;
	a = &spec->args[n];
	switch (a->arg_type) {
	case USDT17_ARG_CONST:
		val = a->val_off;
		break;
	case USDT17_ARG_REG:
		err = bpf_probe_read_kernel(&val, sizeof(val), (void *)ctx + a->reg_off);
		if (err)
			return err;
		break;
	case USDT17_ARG_REG_DEREF:
		err = bpf_probe_read_kernel(&val, sizeof(val), (void *)ctx + a->reg_off);
		if (err)
			return err;
		err = bpf_probe_read_user(&val, sizeof(val), (void *)val + a->val_off);
		if (err)
			return err;
		break;
	case USDT17_ARG_SIB:
		err = bpf_probe_read_kernel(&val, sizeof(val), (void *)ctx + a->reg_off);
		if (err)
			return err;
		err = bpf_probe_read_kernel(&idx, sizeof(idx), (void *)ctx + a->idx_reg_off);
		if (err)
			return err;
		err = bpf_probe_read_user(&val, sizeof(val),
					  (void *)(val + (idx << a->scale_bitshift) + a->val_off));
		if (err)
			return err;
		break;
	default:
		return -EINVAL;
	}
	val <<= a->arg_bitshift;
	if (a->arg_signed)
		val = ((long)val) >> a->arg_bitshift;
	else
		val = val >> a->arg_bitshift;
	*res = val;
	return 0;
}

static __always_inline void put(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&got, &k);

	if (p)
		*p = v;
}

SEC("usdt")
int on_sib(struct pt_regs *ctx)
{
	int id = (int)bpf_get_attach_cookie(ctx);
	struct usdt17_spec *spec = bpf_map_lookup_elem(&__bpf_usdt_specs, &id);
	__u32 k = 0, i;
	__u64 *hits = bpf_map_lookup_elem(&got, &k);
	long v;

	if (hits)
		__sync_fetch_and_add(hits, 1);
	for (i = 0; i < 6; i++) {
		usdt17_arg(ctx, i, &v);
		put(1 + i, v);
	}
	put(7, spec ? spec->arg_cnt : -1);
	put(8, usdt17_arg(ctx, USDT17_MAX_ARGS, &v));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
