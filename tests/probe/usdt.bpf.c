/* SPDX-License-Identifier: MIT */
/*
 * usdt.bpf.c - fixture of test_usdt.c: a bare usdt program (attached with
 * userbpf_program__attach_usdt) storing its arguments, argument count and
 * USDT cookie.
 */
#include "../../examples/probe_regs.h"
#include <stdbool.h>
#include <bpf/usdt.bpf.h>

/* 0 hits, 1-4 the arguments, 5 arg count, 6 cookie, 7 arg 9 error */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} got SEC(".maps");

static __always_inline void put(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&got, &k);

	if (p)
		*p = v;
}

SEC("usdt")
int BPF_USDT(on_probe, long a, int b, unsigned char c, long d)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&got, &k);
	long res;

	if (n)
		__sync_fetch_and_add(n, 1);
	put(1, a);
	put(2, b);
	put(3, c);
	put(4, d);
	put(5, bpf_usdt_arg_cnt(ctx));
	put(6, bpf_usdt_cookie(ctx));
	put(7, bpf_usdt_arg(ctx, 9, &res));
	return 0;
}

/* bench/bench_probe.c's USDT row: read the one argument, nothing else */
SEC("usdt")
int BPF_USDT(bench_usdt, long a)
{
	return a == 0x7fffffffffffffffL;
}

char LICENSE[] SEC("license") = "GPL";
