// SPDX-License-Identifier: MIT
/*
 * lpm_route - longest-prefix-match routing of IPv4 destinations (XDP).
 * The routes map (LPM_TRIE) maps prefixes to actions; a BLOOM_FILTER of
 * blocked sources is consulted first.  The "setup" program installs the
 * routes when test-run once (syscall programs are sleepable and may not
 * use these map types), so the example needs no user-space setup.  Returns the action of
 * the longest matching prefix, XDP_PASS (2) without a match, XDP_DROP
 * (1) for blocked sources.
 */
#include "common.h"

struct lpm_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(value_size, sizeof(__u32));
	__uint(map_extra, 3);
} blocked SEC(".maps");

static __always_inline void add_route(__u32 a, __u32 b, __u32 c, __u32 d, __u32 len, __u32 action)
{
	struct lpm_key k = { len, bpf_htonl(a << 24 | b << 16 | c << 8 | d) };

	bpf_map_update_elem(&routes, &k, &action, BPF_ANY);
}

SEC("xdp")
int setup(struct xdp_md *ctx)
{
	__u32 bad = bpf_htonl(192u << 24 | 168u << 16 | 66u << 8 | 6);

	add_route(10, 0, 0, 0, 8, 3);  /* 10/8 -> XDP_TX */
	add_route(10, 0, 0, 0, 16, 4); /* 10.0/16 -> XDP_REDIRECT */
	add_route(10, 0, 0, 2, 32, 1); /* 10.0.0.2/32 -> XDP_DROP */
	bpf_map_push_elem(&blocked, &bad, BPF_ANY);
	return XDP_PASS;
}

SEC("xdp")
int route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = parse_ipv4(data, data_end);
	struct lpm_key k;
	__u32 *action, src;

	if (!ip)
		return XDP_PASS;
	src = ip->saddr;
	if (bpf_map_peek_elem(&blocked, &src) == 0)
		return XDP_DROP;
	k.prefixlen = 32;
	k.addr = ip->daddr;
	action = bpf_map_lookup_elem(&routes, &k);
	return action ? *action : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
