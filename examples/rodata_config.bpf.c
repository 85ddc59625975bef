// SPDX-License-Identifier: MIT
/*
 * rodata_config - configuration through global data, the libbpf way:
 * `const volatile` knobs in .rodata (set by the loader before load,
 * frozen), counters in .bss, a mutable threshold in .data, and a named
 * section .data.stats.  A tc program dropping UDP to one port (TC_ACT_SHOT
 * = 2) and passing the rest (0).
 */
#include "common.h"
#include <linux/udp.h>

const volatile __u16 blocked_port = 53;	   /* .rodata */
const volatile __u32 verdict_on_match = 2; /* .rodata */
__u64 matched;				   /* .bss */
__u64 seen;				   /* .bss */
__u32 min_len = 20;			   /* .data */
__u64 short_packets SEC(".data.stats");	   /* .data.stats */

SEC("tc")
int filter(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = parse_ipv4(data, data_end);
	struct udphdr *udp;

	__sync_fetch_and_add(&seen, 1);
	if (skb->len < min_len)
		__sync_fetch_and_add(&short_packets, 1);
	if (!ip || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return 0;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return 0;
	if (udp->dest != bpf_htons(blocked_port))
		return 0;
	__sync_fetch_and_add(&matched, 1);
	return verdict_on_match;
}

char LICENSE[] SEC("license") = "GPL";
