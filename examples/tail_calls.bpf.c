// SPDX-License-Identifier: MIT
/*
 * tail_calls - a dispatcher that tail-calls one handler per IP protocol
 * through a PROG_ARRAY filled at load time (libbpf's `values` syntax).
 * Each handler counts in an ARRAY slot; the return value tells which
 * handler ran (tc: 10 + proto index), 1 when no handler exists.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 10 + slot;
}

SEC("tc")
int handle_tcp(struct __sk_buff *skb)
{
	return count(0);
}

SEC("tc")
int handle_udp(struct __sk_buff *skb)
{
	return count(1);
}

SEC("tc")
int handle_icmp(struct __sk_buff *skb)
{
	return count(2);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} handlers SEC(".maps") = {
	.values = {
		[0] = (void *)&handle_tcp,
		[1] = (void *)&handle_udp,
		[2] = (void *)&handle_icmp,
	},
};

SEC("tc")
int dispatch(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = parse_ipv4(data, data_end);

	if (!ip)
		return 1;
	switch (ip->protocol) {
	case IPPROTO_TCP:
		bpf_tail_call(skb, &handlers, 0);
		break;
	case IPPROTO_UDP:
		bpf_tail_call(skb, &handlers, 1);
		break;
	case IPPROTO_ICMP:
		bpf_tail_call(skb, &handlers, 2);
		break;
	}
	count(3);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
