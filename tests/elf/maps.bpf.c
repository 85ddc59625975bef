/* SPDX-License-Identifier: MIT */
/*
 * maps.bpf.c - BTF-defined maps of many types and spellings: __type()
 * keys and values, __uint(key_size/value_size), map_flags, map_extra,
 * pinning, numa_node; a program storing every map's address into .bss
 * (lddw map relocations) and one calling bpf_map_lookup_elem.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "fixture.h"

struct val {
	__u64 a;
	__u32 b;
};

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} hmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, 4);
	__uint(value_size, 16);
} amap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u64);
	__type(value, __u32);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000); /* libbpf rounds up to 8192 */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); /* sizes filled at load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u64);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 32);
	__uint(map_extra, 3);
	__type(value, __u32);
} bloom SEC(".maps");

__u64 ptrs[9];

SEC("xdp")
int map_ptrs(struct xdp_md *ctx)
{
	ptrs[0] = (__u64)&hmap;
	ptrs[1] = (__u64)&amap;
	ptrs[2] = (__u64)&pcpu;
	ptrs[3] = (__u64)&lru;
	ptrs[4] = (__u64)&rb;
	ptrs[5] = (__u64)&events;
	ptrs[6] = (__u64)&queue;
	ptrs[7] = (__u64)&lpm;
	ptrs[8] = (__u64)&bloom;
	return 0;
}

SEC("xdp")
int lookup(struct xdp_md *ctx)
{
	__u32 key = 3;
	__u64 *v = bpf_map_lookup_elem(&amap, &key);

	if (!v)
		return -1;
	*v += 1;
	return (int)*v;
}

char LICENSE[] SEC("license") = "GPL";
