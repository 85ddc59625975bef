/* SPDX-License-Identifier: MIT */
/*
 * packet.c - the packet runner: one socket filter, tc or XDP program run
 * on frame after frame from a packet source (packet_pcap.c, packet_live.c)
 * with the context the kernel builds at that hook (struct __sk_buff
 * around a packet socket's or clsact ingress skb, struct xdp_md).  The
 * context lives beside its trusted bounds (struct ub_skb / ub_xdp of
 * src/progs) so the packet helpers of src/progs work unchanged.
 *
 * One buffer below 2 GiB (MAP_32BIT: the u32 data/data_end fields hold
 * real addresses) is allocated per runner and reused by every run: the
 * run path copies the frame and allocates nothing.  Not for sources of
 * frames, verdict accounting or printing: those are the caller's.
 *
 * Entry points: userbpf_packet_runner__new/__run/__free,
 * userbpf_packet_verdict_name.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "progs/progs_int.h"
#include "userbpf/packet.h"
#include "util/alloc.h"

#define OPTS_HAS(opts, field)                                                                      \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, def) (OPTS_HAS(opts, field) ? (opts)->field : (def))

/* room for the context struct in front of the packet headroom */
#define CTX_ROOM 512
#define TAILROOM 256

struct userbpf_packet_runner {
	const struct userbpf_prog *prog;
	uint32_t type;
	enum ub_ctx_kind kind;
	bool is_sk_filter;
	bool live; /* clsact ingress fields (tstamp, wire_len) */
	void *map; /* MAP_32BIT buffer: ub_skb/ub_xdp, headroom, frame, tailroom */
	size_t map_size;
	struct userbpf_run_opts ro;
	struct userbpf_mem_region region;
};

struct userbpf_packet_runner *
userbpf_packet_runner__new(const struct userbpf_prog *prog,
			   const struct userbpf_packet_runner_opts *opts)
{
	struct userbpf_packet_runner *r;
	uint32_t type;

	if (!prog || (opts && opts->sz < offsetof(struct userbpf_packet_runner_opts, trace_fn))) {
		errno = EINVAL;
		return NULL;
	}
	type = userbpf_prog__type(prog);
	if (type != USERBPF_PROG_TYPE_SOCKET_FILTER && type != USERBPF_PROG_TYPE_SCHED_CLS &&
	    type != USERBPF_PROG_TYPE_SCHED_ACT && type != USERBPF_PROG_TYPE_XDP) {
		errno = EINVAL;
		return NULL;
	}
	r = ub_alloc(sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->prog = prog;
	r->type = type;
	r->kind = ub_prog_ctx_kind(type);
	r->is_sk_filter = type == USERBPF_PROG_TYPE_SOCKET_FILTER;
	r->live = OPTS_GET(opts, live, 0) != 0;
	r->map_size = CTX_ROOM + UB_XDP_HEADROOM + USERBPF_PACKET_MAX + TAILROOM;
#ifdef MAP_32BIT
	r->map = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#else
	r->map = MAP_FAILED;
#endif
	if (r->map == MAP_FAILED) {
		ub_free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->ro.sz = sizeof(r->ro);
	r->ro.flags = OPTS_GET(opts, flags, 0);
	r->ro.insn_budget = OPTS_GET(opts, insn_budget, 0);
	r->ro.cookie = OPTS_GET(opts, cookie, NULL);
	r->ro.trace_fn = OPTS_GET(opts, trace_fn, NULL);
	r->ro.err_buf = OPTS_GET(opts, err_buf, NULL);
	r->ro.err_buf_sz = OPTS_GET(opts, err_buf_sz, 0);
	r->ro.ctx_access = ub_ctx_access; /* the kernel's rules, checked runs */
	return r;
}

void userbpf_packet_runner__free(struct userbpf_packet_runner *r)
{
	if (!r)
		return;
	munmap(r->map, r->map_size);
	ub_free(r);
}

/*
 * eth_type_trans() on the loopback device, whose address and broadcast
 * address are both 00:00:00:00:00:00: ff:ff:ff:ff:ff:ff is then just a
 * multicast address (PACKET_MULTICAST, as the kernel's test run says).
 */
static uint32_t pkt_type_of(const uint8_t *mac)
{
	static const uint8_t zero[6];

	if (mac[0] & 1)
		return USERBPF_PACKET_MULTICAST;
	return memcmp(mac, zero, 6) ? USERBPF_PACKET_OTHERHOST : USERBPF_PACKET_HOST;
}

static int run_skb(struct userbpf_packet_runner *r, const struct userbpf_packet *pkt, uint32_t len,
		   uint64_t *retval, uint32_t *out_len)
{
	struct ub_skb *skb = r->map;
	uint8_t *mac;
	uint32_t ifindex = pkt->ifindex ? pkt->ifindex : 1;
	int err;

	memset(skb, 0, sizeof(*skb));
	skb->head = (uint8_t *)r->map + CTX_ROOM;
	skb->end = (uint8_t *)r->map + r->map_size;
	mac = skb->head + UB_XDP_HEADROOM;
	memcpy(mac, pkt->data, len);
	skb->mac = mac;
	/* a packet socket's filter and a tc program both see the frame from
	 * its Ethernet header (packet_rcv pushes it back for SOCK_RAW) */
	skb->data = mac;
	skb->len = len;
	ub_skb_sync(skb);
	skb->md.pkt_type = pkt->pkt_type == USERBPF_PACKET_TYPE_FROM_MAC ? pkt_type_of(mac) :
									   pkt->pkt_type;
	skb->md.protocol = (uint32_t)mac[12] | (uint32_t)mac[13] << 8;
	skb->md.ifindex = ifindex;
	/* skb_iif: the device a received frame came in on; unknown for a
	 * capture file (0, as a test run without ctx_in) and outgoing frames */
	if (pkt->ifindex && pkt->pkt_type != USERBPF_PACKET_OUTGOING)
		skb->md.ingress_ifindex = pkt->ifindex;
	/* sch_handle_ingress() sets the qdisc pkt_len (wire_len) and the
	 * skb keeps its receive time; a test run leaves both 0, and neither
	 * sets gso_segs for a frame that is not GSO */
	if (r->live && !r->is_sk_filter) {
		skb->md.wire_len = pkt->wire_len > len ? pkt->wire_len : len;
		skb->md.tstamp = pkt->tstamp_ns;
	}
	r->ro.ctx = &skb->md;
	r->ro.ctx_size = sizeof(skb->md);
	r->ro.data = skb->data; /* LD_ABS/LD_IND */
	r->ro.data_size = skb->len;
	r->region = (struct userbpf_mem_region){ skb->head, (size_t)(skb->end - skb->head), 1 };
	r->ro.regions = &r->region;
	r->ro.region_cnt = 1;
	err = userbpf_prog__run(r->prog, &r->ro, retval);
	if (out_len)
		*out_len = skb->len;
	return err;
}

static int run_xdp(struct userbpf_packet_runner *r, const struct userbpf_packet *pkt, uint32_t len,
		   uint64_t *retval, uint32_t *out_len)
{
	struct ub_xdp *xdp = r->map;
	int err;

	memset(xdp, 0, sizeof(*xdp));
	xdp->hard_start = (uint8_t *)r->map + CTX_ROOM;
	xdp->frame_end = (uint8_t *)r->map + r->map_size;
	xdp->data = xdp->hard_start + UB_XDP_HEADROOM;
	memcpy(xdp->data, pkt->data, len);
	xdp->data_end = xdp->data + len;
	ub_xdp_sync(xdp);
	xdp->md.ingress_ifindex = pkt->ifindex ? pkt->ifindex : 1;
	r->ro.ctx = &xdp->md;
	r->ro.ctx_size = sizeof(xdp->md);
	r->ro.data = NULL;
	r->ro.data_size = 0;
	r->region = (struct userbpf_mem_region){ xdp->hard_start,
						 (size_t)(xdp->frame_end - xdp->hard_start), 1 };
	r->ro.regions = &r->region;
	r->ro.region_cnt = 1;
	err = userbpf_prog__run(r->prog, &r->ro, retval);
	if (out_len)
		*out_len = (uint32_t)(xdp->data_end - xdp->data);
	return err;
}

int userbpf_packet_runner__run(struct userbpf_packet_runner *r, const struct userbpf_packet *pkt,
			       uint64_t *retval, uint32_t *out_len)
{
	uint32_t len;
	uint64_t r0 = 0;
	int err;

	if (!r || !pkt || !pkt->data || pkt->caplen < UB_ETH_HLEN)
		return -EINVAL;
	len = pkt->caplen > USERBPF_PACKET_MAX ? USERBPF_PACKET_MAX : pkt->caplen;
	if (r->ro.err_buf && r->ro.err_buf_sz)
		r->ro.err_buf[0] = '\0';
	if (r->kind == UB_CTX_XDP)
		err = run_xdp(r, pkt, len, &r0, out_len);
	else
		err = run_skb(r, pkt, len, &r0, out_len);
	if (retval)
		*retval = r0;
	return err;
}

const char *userbpf_packet_verdict_name(uint32_t prog_type, uint64_t retval)
{
	static const char *const xdp[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					   "XDP_REDIRECT" };
	static const char *const tc[] = { "TC_ACT_OK",	   "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",
					  "TC_ACT_PIPE",   "TC_ACT_STOLEN",	"TC_ACT_QUEUED",
					  "TC_ACT_REPEAT", "TC_ACT_REDIRECT",	"TC_ACT_TRAP" };
	int32_t v = (int32_t)(uint32_t)retval;

	switch (prog_type) {
	case USERBPF_PROG_TYPE_XDP:
		return (uint32_t)retval < 5 ? xdp[(uint32_t)retval] : NULL;
	case USERBPF_PROG_TYPE_SCHED_CLS:
	case USERBPF_PROG_TYPE_SCHED_ACT:
		if (v == -1)
			return "TC_ACT_UNSPEC";
		return v >= 0 && v < 9 ? tc[v] : NULL;
	default:
		return NULL;
	}
}
