// SPDX-License-Identifier: MIT
/*
 * tc_ttl - the total length and TTL of each IPv4 packet, from a tc
 * (clsact) program: one bpf_printk line and one ring-buffer record per
 * packet, and a count of packets per TTL.  Every packet passes
 * (TC_ACT_OK).
 *
 *   userbpf run build/examples/tc_ttl.bpf.o --prog tc_ttl --pcap FILE
 *   userbpf trace build/examples/tc_ttl.bpf.o --iface lo
 */
#include "common.h"

#define TC_ACT_OK 0

/* One ring-buffer record per IPv4 packet (16 bytes). */
struct ttl_event {
	__u32 saddr; /* network order */
	__u32 daddr;
	__u16 tot_len; /* host order */
	__u8 ttl;
	__u8 protocol;
	__u32 ifindex;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} ttl_count SEC(".maps");

SEC("tc")
int tc_ttl(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ttl_event *e;
	struct iphdr *ip;
	__u32 ttl;
	__u64 *n, one = 1;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = parse_ipv4(data, data_end);
	if (!ip)
		return TC_ACT_OK;
	bpf_printk("IPv4 packet: tot_len %u, ttl %u", bpf_ntohs(ip->tot_len), ip->ttl);
	ttl = ip->ttl;
	n = bpf_map_lookup_elem(&ttl_count, &ttl);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&ttl_count, &ttl, &one, BPF_NOEXIST);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->saddr = ip->saddr;
		e->daddr = ip->daddr;
		e->tot_len = bpf_ntohs(ip->tot_len);
		e->ttl = ip->ttl;
		e->protocol = ip->protocol;
		e->ifindex = skb->ifindex;
		bpf_ringbuf_submit(e, 0);
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
