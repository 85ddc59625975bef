/* SPDX-License-Identifier: MIT */
/*
 * dstats.bpf.c - a uprobe on dstats.c's own function, whose runs
 * BPF_ENABLE_STATS counts (run_cnt / run_time_ns in prog info).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dstats.h"

__u64 hits;

SEC("uprobe")
int st_probe(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
