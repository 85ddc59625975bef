// SPDX-License-Identifier: MIT
/*
 * flow_table - an LRU flow cache keyed by (saddr, daddr, proto), a
 * per-CPU LRU of byte counts, the most recent flows in a QUEUE (FIFO)
 * and a STACK (LIFO).  XDP; returns XDP_PASS (2).  The LRU maps are
 * small so inserting more flows evicts old ones.
 */
#include "common.h"

struct flow {
	__u32 saddr;
	__u32 daddr;
	__u32 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8);
	__type(key, struct flow);
	__type(value, __u64);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, struct flow);
	__type(value, __u64);
} flow_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__uint(value_size, sizeof(__u32));
} recent_fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__uint(value_size, sizeof(__u32));
} recent_lifo SEC(".maps");

SEC("xdp")
int track(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = parse_ipv4(data, data_end);
	struct flow f = {};
	__u64 *v, one = 1, len = data_end - data;

	if (!ip)
		return XDP_PASS;
	f.saddr = ip->saddr;
	f.daddr = ip->daddr;
	f.proto = ip->protocol;
	v = bpf_map_lookup_elem(&flows, &f);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&flows, &f, &one, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&flow_bytes, &f);
	if (v)
		*v += len;
	else
		bpf_map_update_elem(&flow_bytes, &f, &len, BPF_NOEXIST);
	bpf_map_push_elem(&recent_fifo, &f.daddr, BPF_EXIST);
	bpf_map_push_elem(&recent_lifo, &f.daddr, BPF_EXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
