// SPDX-License-Identifier: MIT
/*
 * pkt_counter - count packets and bytes per IP protocol (tc program).
 * Maps: PERCPU_ARRAY (packets per protocol), ARRAY (bytes per protocol),
 * HASH (packets per source address).  Returns TC_ACT_OK (0).
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} by_source SEC(".maps");

SEC("tc")
int count_packets(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = parse_ipv4(data, data_end);
	__u32 proto;
	__u64 *v, one = 1;

	if (!ip)
		return 0;
	proto = ip->protocol;
	v = bpf_map_lookup_elem(&pkts, &proto);
	if (v)
		*v += 1;
	v = bpf_map_lookup_elem(&bytes, &proto);
	if (v)
		__sync_fetch_and_add(v, skb->len);
	v = bpf_map_lookup_elem(&by_source, &ip->saddr);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&by_source, &ip->saddr, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
