/* SPDX-License-Identifier: MIT */
/*
 * vmlinux_net.bpf.c - a tc classifier in the style of libbpf-bootstrap's
 * tc example: it parses Ethernet and IPv4 headers through the kernel's
 * own struct ethhdr / struct iphdr from vmlinux.h, whose
 * preserve_access_index makes every field access a CO-RE relocation
 * (bitfields included).  Returns ttl << 16 | protocol << 8 | ihl << 4 |
 * version, or NET_NOT_IP / NET_SHORT.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fixture.h"

SEC("tc")
int tc_iphdr(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);

	if ((void *)(iph + 1) > data_end)
		return NET_SHORT;
	if (eth->h_proto != bpf_htons(0x0800 /* ETH_P_IP */))
		return NET_NOT_IP;
	return iph->ttl << 16 | iph->protocol << 8 | iph->ihl << 4 | iph->version;
}

char LICENSE[] SEC("license") = "GPL";
