/* SPDX-License-Identifier: MIT */
/*
 * dgrow.bpf.c - the program dgrow.c attaches hundreds of times (uprobes
 * on its functions): it counts the calls of one process (dg_target) in
 * dg_hits.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "dgrow.h"

__u32 dg_target;
__u64 dg_hits;

SEC("uprobe")
int dg_up(void *ctx)
{
	if (dg_target && (__u32)(bpf_get_current_pid_tgid() >> 32) == dg_target)
		__sync_fetch_and_add(&dg_hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
