// SPDX-License-Identifier: MIT
/*
 * call_chain - BPF-to-BPF calls: a chain of non-inlined static
 * functions (each with its own stack frame and up to five arguments)
 * computing a ones'-complement checksum of the IPv4 header (socket
 * filter).  Returns the folded checksum (0 for a valid header) or 0xffff
 * when the packet has no IPv4 header.
 */
#include "common.h"

static __noinline __u32 add_word(__u32 sum, __u16 w)
{
	return sum + w;
}

static __noinline __u32 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

static __noinline __u32 sum_words(struct __sk_buff *skb, __u32 off, __u32 words, __u32 seed,
				  __u32 scale)
{
	__u32 sum = seed;
	__u16 w;
	int i;

	for (i = 0; i < 10; i++) {
		if (i >= words)
			break;
		if (bpf_skb_load_bytes(skb, off + i * 2, &w, 2))
			return 0xffffffff;
		sum = add_word(sum, bpf_ntohs(w) * scale);
	}
	return sum;
}

static __noinline __u32 ip_checksum(struct __sk_buff *skb)
{
	__u32 sum = sum_words(skb, 0, 10, 0, 1);

	if (sum == 0xffffffff)
		return 0xffff;
	return ~fold(sum) & 0xffff;
}

SEC("socket")
int checksum(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0xffff;
	return ip_checksum(skb);
}

char LICENSE[] SEC("license") = "GPL";
