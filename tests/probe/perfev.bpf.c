/* SPDX-License-Identifier: MIT */
/*
 * perfev.bpf.c - fixture of test_perf_event.c: a perf_event program
 * recording what each sample saw.
 */
#include "../../examples/probe_regs.h"

struct perf_sample {
	struct pt_regs regs;
	__u64 sample_period;
	__u64 addr;
};

/* 0 samples, 1 last ip, 2 last sample_period, 3 last tid, 4 samples whose
 * ip is in [lo, hi) of the .bss range below, 5 stack depth of the last */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

__u64 lo, hi;

static __always_inline void put(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&seen, &k);

	if (p)
		*p = v;
}

static __always_inline void inc(__u32 k)
{
	__u64 *p = bpf_map_lookup_elem(&seen, &k);

	if (p)
		__sync_fetch_and_add(p, 1);
}

SEC("perf_event")
int sample(struct perf_sample *ctx)
{
	__u64 st[8];
	long n;

	inc(0);
	put(1, ctx->regs.ip);
	put(2, ctx->sample_period);
	put(3, (__u32)bpf_get_current_pid_tgid());
	if (ctx->regs.ip >= lo && ctx->regs.ip < hi)
		inc(4);
	n = bpf_get_stack(ctx, st, sizeof(st), BPF_F_USER_STACK);
	if (n > 0 && st[0] == ctx->regs.ip)
		put(5, n / 8);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
