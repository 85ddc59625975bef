// SPDX-License-Identifier: MIT
/*
 * ctx_dump - fixtures of the packet tests: a tc and an XDP program that
 * copy every context field their type may read into a ring-buffer record
 * and pick a verdict from the packet (so the kernel, through
 * BPF_PROG_TEST_RUN, and userbpf's packet runner can be compared field
 * by field on the same frames), and a socket filter whose result encodes
 * the fields it read.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} fields SEC(".maps");

/* the IP protocol of an IPv4 frame, or -1 */
static __always_inline int ip_proto(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	return ip->protocol;
}

struct skb_rec {
	__u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto,
		priority, ingress_ifindex, ifindex, tc_index, cb0, cb4, hash, tc_classid, napi_id,
		wire_len, gso_segs, gso_size, linear, meta_off;
	__u64 tstamp;
	__u32 first_byte, load_ret, mark_after, pad;
};

SEC("tc")
int tc_dump(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct skb_rec *r = bpf_ringbuf_reserve(&fields, sizeof(*r), 0);
	int proto = ip_proto(data, data_end);
	__u8 b = 0;

	if (r) {
		r->len = skb->len;
		r->pkt_type = skb->pkt_type;
		r->mark = skb->mark;
		r->queue_mapping = skb->queue_mapping;
		r->protocol = skb->protocol;
		r->vlan_present = skb->vlan_present;
		r->vlan_tci = skb->vlan_tci;
		r->vlan_proto = skb->vlan_proto;
		r->priority = skb->priority;
		r->ingress_ifindex = skb->ingress_ifindex;
		r->ifindex = skb->ifindex;
		r->tc_index = skb->tc_index;
		r->cb0 = skb->cb[0];
		r->cb4 = skb->cb[4];
		r->hash = skb->hash;
		r->tc_classid = skb->tc_classid;
		r->napi_id = skb->napi_id;
		r->wire_len = skb->wire_len;
		r->gso_segs = skb->gso_segs;
		r->gso_size = skb->gso_size;
		r->linear = data_end - data;
		r->meta_off = data - (void *)(long)skb->data_meta;
		r->tstamp = skb->tstamp;
		r->load_ret = bpf_skb_load_bytes(skb, skb->len - 1, &b, 1);
		r->first_byte = b;
		skb->mark = skb->len * 3;
		r->mark_after = skb->mark;
		r->pad = 0;
		bpf_ringbuf_submit(r, 0);
	}
	if (proto == IPPROTO_TCP)
		return 0; /* TC_ACT_OK */
	if (proto == IPPROTO_UDP)
		return 2; /* TC_ACT_SHOT */
	if (proto == IPPROTO_ICMP)
		return 7; /* TC_ACT_REDIRECT */
	return -1;	  /* TC_ACT_UNSPEC */
}

struct xdp_rec {
	__u32 len, meta_off, ingress_ifindex, rx_queue_index, adj_ret, len_after;
};

SEC("xdp")
int xdp_dump(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xdp_rec *r = bpf_ringbuf_reserve(&fields, sizeof(*r), 0);
	int proto = ip_proto(data, data_end);

	if (r) {
		r->len = data_end - data;
		r->meta_off = data - (void *)(long)ctx->data_meta;
		r->ingress_ifindex = ctx->ingress_ifindex;
		r->rx_queue_index = ctx->rx_queue_index;
		r->adj_ret = bpf_xdp_adjust_head(ctx, proto == IPPROTO_UDP ? 14 : -16);
		r->len_after = (long)ctx->data_end - (long)ctx->data;
		bpf_ringbuf_submit(r, 0);
	}
	if (proto == IPPROTO_TCP)
		return XDP_PASS;
	if (proto == IPPROTO_UDP)
		return XDP_DROP;
	if (proto == IPPROTO_ICMP)
		return XDP_TX;
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";

/*
 * A socket filter whose result encodes what it saw (kept bytes 20..71):
 * 20 + pkt_type * 4 + 2 if ingress_ifindex == ifindex + 1 if IPv4
 * + 32 if len is odd.  A kernel packet socket with it attached returns
 * that many bytes of each frame (the whole frame if shorter).
 */
SEC("socket")
int sk_fields(struct __sk_buff *skb)
{
	__u32 v = 20 + skb->pkt_type * 4;

	if (skb->ingress_ifindex == skb->ifindex)
		v += 2;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		v += 1;
	if (skb->len & 1)
		v += 32;
	return v;
}
