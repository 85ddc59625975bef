// SPDX-License-Identifier: MIT
/*
 * http_sniff - HTTP request lines through a socket filter: a filter on a
 * packet socket (it sees each frame from its Ethernet header) that keeps
 * the frames of TCP segments starting with an HTTP request ("GET /x
 * HTTP/1.1") and drops every other frame.  Each request line is printed
 * with bpf_printk, sent as a ring-buffer record (addresses, ports, the
 * line), and counted per method.
 *
 *   userbpf run build/examples/http_sniff.bpf.o --prog http_sniff --pcap FILE
 *   userbpf trace build/examples/http_sniff.bpf.o --iface lo
 */
#include "common.h"
#include <linux/tcp.h>

#define LINE_MAX 64

/* Methods counted, by index in the "methods" map. */
enum { M_GET, M_POST, M_PUT, M_DELETE, M_HEAD, M_OPTIONS, M_PATCH, M_CNT };

struct http_event {
	__u32 saddr; /* network order */
	__u32 daddr;
	__u16 sport; /* host order */
	__u16 dport;
	__u32 method;
	char line[LINE_MAX]; /* the request line, NUL-terminated */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, M_CNT);
	__type(key, __u32);
	__type(value, __u64);
} methods SEC(".maps");

static __always_inline int starts(const char *p, const char *m, int n)
{
	for (int i = 0; i < n; i++)
		if (p[i] != m[i])
			return 0;
	return 1;
}

/* The method index of a request line, or -1. */
static __always_inline int method_of(const char *p)
{
	if (starts(p, "GET ", 4))
		return M_GET;
	if (starts(p, "POST ", 5))
		return M_POST;
	if (starts(p, "PUT ", 4))
		return M_PUT;
	if (starts(p, "DELETE ", 7))
		return M_DELETE;
	if (starts(p, "HEAD ", 5))
		return M_HEAD;
	if (starts(p, "OPTIONS ", 8))
		return M_OPTIONS;
	if (starts(p, "PATCH ", 6))
		return M_PATCH;
	return -1;
}

SEC("socket")
int http_sniff(struct __sk_buff *skb)
{
	struct http_event ev = {};
	struct iphdr ip;
	struct tcphdr tcp;
	__u16 proto;
	__u32 ip_off = ETH_HLEN, tcp_off, payload, plen, key;
	__u64 *cnt;
	int m, i;

	if (bpf_skb_load_bytes(skb, 12, &proto, 2) || proto != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, ip_off, &ip, sizeof(ip)) || ip.protocol != IPPROTO_TCP)
		return 0;
	if (ip.frag_off & bpf_htons(0x1fff)) /* not the first fragment */
		return 0;
	tcp_off = ip_off + ip.ihl * 4;
	if (bpf_skb_load_bytes(skb, tcp_off, &tcp, sizeof(tcp)))
		return 0;
	payload = tcp_off + tcp.doff * 4;
	plen = ip_off + bpf_ntohs(ip.tot_len) - payload;
	if ((int)plen < 8) /* "GET / H" and more */
		return 0;
	if (plen > LINE_MAX - 1)
		plen = LINE_MAX - 1;
	if (bpf_skb_load_bytes(skb, payload, ev.line, plen))
		return 0;
	m = method_of(ev.line);
	if (m < 0)
		return 0;
	for (i = 0; i < LINE_MAX; i++) {
		if (ev.line[i] == '\r' || ev.line[i] == '\n') {
			ev.line[i] = 0;
			break;
		}
	}
	ev.line[LINE_MAX - 1] = 0;
	ev.saddr = ip.saddr;
	ev.daddr = ip.daddr;
	ev.sport = bpf_ntohs(tcp.source);
	ev.dport = bpf_ntohs(tcp.dest);
	ev.method = m;
	key = m;
	cnt = bpf_map_lookup_elem(&methods, &key);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	bpf_printk("%s", ev.line);
	bpf_ringbuf_output(&requests, &ev, sizeof(ev), 0);
	return -1; /* keep the whole frame */
}

char LICENSE[] SEC("license") = "GPL";
