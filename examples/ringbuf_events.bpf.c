// SPDX-License-Identifier: MIT
/*
 * ringbuf_events - an event per packet to user space: one record through
 * bpf_ringbuf_reserve/submit, a second (bigger packets only) through
 * bpf_ringbuf_output, and a copy through bpf_perf_event_output.  XDP;
 * returns XDP_PASS (2).  Maps: RINGBUF, PERF_EVENT_ARRAY.
 */
#include "common.h"

struct event {
	__u32 len;
	__u32 proto;
	__u32 saddr;
	__u32 daddr;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

SEC("xdp")
int produce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = parse_ipv4(data, data_end);
	struct event *e, copy;

	if (!ip)
		return XDP_PASS;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return XDP_PASS;
	e->len = data_end - data;
	e->proto = ip->protocol;
	e->saddr = ip->saddr;
	e->daddr = ip->daddr;
	copy = *e;
	bpf_ringbuf_submit(e, 0);
	if (copy.len > 60)
		bpf_ringbuf_output(&events, &copy, sizeof(copy), 0);
	bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &copy, sizeof(copy));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
