// SPDX-License-Identifier: MIT
/*
 * vmlinux_iter_map.bpf.c - a bpf_map_elem iterator as bpftool-style map
 * dumpers write it: it prints every element of a hash map and sums the
 * elements at the final call, with the number of objects shown
 * (meta->seq_num).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

__u64 elems, total;

SEC("iter/bpf_map_elem")
int dump_counts(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	__u64 *val = ctx->value;

	if (!key || !val) {
		BPF_SEQ_PRINTF(seq, "elems=%llu total=%llu shown=%llu\n", elems, total,
			       ctx->meta->seq_num);
		return 0;
	}
	elems++;
	total += *val;
	BPF_SEQ_PRINTF(seq, "key=%u value=%llu\n", *key, *val);
	return 0;
}
