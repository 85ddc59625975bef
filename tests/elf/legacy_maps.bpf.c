/* SPDX-License-Identifier: MIT */
/*
 * legacy_maps.bpf.c - maps defined the pre-BTF way: struct bpf_map_def
 * in SEC("maps") (libbpf < 1.0), referenced by a program.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fixture.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 16,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 2,
	.map_flags = 0,
};

__u64 ptrs[2];

SEC("socket")
int legacy_ptrs(struct __sk_buff *skb)
{
	ptrs[0] = (__u64)&legacy_hash;
	ptrs[1] = (__u64)&legacy_array;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
