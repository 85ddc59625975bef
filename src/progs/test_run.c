/* SPDX-License-Identifier: MIT */
/*
 * test_run.c - userbpf_prog__test_run(): build the context a program type
 * expects around an input packet or context, run the program (repeat
 * times, timing the average), and hand back r0, the packet and the
 * context, with the kernel's BPF_PROG_TEST_RUN rules.
 *
 * Packets and their contexts live in memory mapped below 2 GiB
 * (MAP_32BIT) so the u32 data/data_end fields of __sk_buff and xdp_md
 * can hold real addresses: unmodified kernel programs then work without
 * the context rewriting the kernel's verifier does.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "progs_int.h"
#include "util/alloc.h"

#define OPTS_HAS(opts, field)                                                                      \
	((opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

struct pkt_buf {
	void *map;
	size_t map_size;
};

/* Zeroed memory in the low 2 GiB, or NULL. */
static void *alloc_low(struct pkt_buf *b, size_t size)
{
#ifdef MAP_32BIT
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	b->map = p;
	b->map_size = size;
	return p;
#else
	(void)b;
	(void)size;
	return NULL;
#endif
}

static void free_low(struct pkt_buf *b)
{
	if (b->map)
		munmap(b->map, b->map_size);
}

/* Copy out: -ENOSPC when the caller's buffer is too small (size set). */
static int copy_out(void *dst, uint32_t *dst_size, const void *src, size_t size)
{
	int err = 0;
	size_t n = size;

	if (!dst)
		return 0;
	if (*dst_size < size) {
		n = *dst_size;
		err = -ENOSPC;
	}
	memcpy(dst, src, n);
	*dst_size = (uint32_t)size;
	return err;
}

/* PACKET_HOST/BROADCAST/MULTICAST/OTHERHOST as eth_type_trans() on lo. */
static uint32_t pkt_type_of(const uint8_t *mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];

	if (mac[0] & 1)
		return memcmp(mac, bcast, 6) ? 2 : 1;
	return memcmp(mac, zero, 6) ? 3 : 0;
}

/* Fields of __sk_buff a caller may set through ctx_in (kernel rule). */
static int skb_ctx_in(struct __sk_buff *md, const void *in, uint32_t size)
{
	struct __sk_buff c = { 0 };

	if (!in)
		return 0;
	if (size > sizeof(c))
		return -EINVAL;
	memcpy(&c, in, size);
	if (c.len || c.pkt_type || c.queue_mapping || c.protocol || c.vlan_present || c.vlan_tci ||
	    c.vlan_proto || c.tc_index || c.hash || c.tc_classid || c.data || c.data_end ||
	    c.napi_id || c.data_meta)
		return -EINVAL;
	md->mark = c.mark;
	md->priority = c.priority;
	if (c.ifindex)
		md->ifindex = c.ifindex;
	md->ingress_ifindex = c.ingress_ifindex;
	memcpy(md->cb, c.cb, sizeof(md->cb));
	md->tstamp = c.tstamp;
	md->wire_len = c.wire_len;
	md->gso_segs = c.gso_segs;
	md->gso_size = c.gso_size;
	md->hwtstamp = c.hwtstamp;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Run repeat times; r0 of the last run. */
static int run_repeat(const struct userbpf_prog *prog, struct userbpf_test_run_opts *t,
		      struct userbpf_run_opts *ro, uint64_t *r0)
{
	int repeat = t->repeat > 0 ? t->repeat : 1, i, err = 0;
	double t0 = now_ns();

	for (i = 0; i < repeat && !err; i++)
		err = userbpf_prog__run(prog, ro, r0);
	t->duration = (uint32_t)((now_ns() - t0) / repeat);
	return err;
}

static void fill_run_opts(struct userbpf_run_opts *ro, const struct userbpf_test_run_opts *t)
{
	memset(ro, 0, sizeof(*ro));
	ro->sz = sizeof(*ro);
	ro->flags = t->flags;
	ro->insn_budget = OPTS_HAS(t, insn_budget) ? t->insn_budget : 0;
	ro->cookie = OPTS_HAS(t, cookie) ? t->cookie : NULL;
	ro->trace_fn = OPTS_HAS(t, trace_fn) ? t->trace_fn : NULL;
	ro->err_buf = OPTS_HAS(t, err_buf) ? t->err_buf : NULL;
	ro->err_buf_sz = OPTS_HAS(t, err_buf_sz) ? t->err_buf_sz : 0;
	ro->ctx_access = ub_ctx_access; /* the kernel's rules, checked runs */
}

static int test_run_skb(const struct userbpf_prog *prog, struct userbpf_test_run_opts *t)
{
	uint32_t type = userbpf_prog__type(prog);
	bool is_l2 = type == USERBPF_PROG_TYPE_SCHED_CLS || type == USERBPF_PROG_TYPE_SCHED_ACT;
	size_t total = sizeof(struct ub_skb) + 64 + UB_XDP_HEADROOM + UB_PKT_MAX;
	struct pkt_buf b = { 0 };
	struct userbpf_run_opts ro;
	struct userbpf_mem_region region;
	struct ub_skb *skb;
	uint8_t *mac;
	uint64_t r0 = 0;
	int err, err2;

	if (!t->data_in || t->data_size_in < UB_ETH_HLEN || t->data_size_in > UB_PKT_MAX - 320)
		return -EINVAL;
	skb = alloc_low(&b, total);
	if (!skb)
		return -ENOMEM;
	skb->head = (uint8_t *)(skb + 1) + 64;
	skb->end = (uint8_t *)skb + total;
	mac = skb->head + UB_XDP_HEADROOM;
	skb->mac = mac;
	memcpy(mac, t->data_in, t->data_size_in);
	skb->md.ifindex = 1;
	skb->md.pkt_type = pkt_type_of(mac);
	skb->md.protocol = (uint32_t)mac[12] | (uint32_t)mac[13] << 8;
	skb->len = t->data_size_in - (is_l2 ? 0 : UB_ETH_HLEN);
	skb->data = is_l2 ? mac : mac + UB_ETH_HLEN;
	ub_skb_sync(skb);
	skb->md.wire_len = t->data_size_in;
	skb->md.gso_segs = 1;
	err = skb_ctx_in(&skb->md, t->ctx_in, t->ctx_size_in);
	if (err)
		goto out;
	fill_run_opts(&ro, t);
	ro.ctx = &skb->md;
	ro.ctx_size = sizeof(skb->md);
	ro.data = skb->data;
	ro.data_size = skb->len;
	region = (struct userbpf_mem_region){ skb->head, (size_t)(skb->end - skb->head), 1 };
	ro.regions = &region;
	ro.region_cnt = 1;
	err = run_repeat(prog, t, &ro, &r0);
	if (err)
		goto out;
	t->retval = (uint32_t)r0;
	if (OPTS_HAS(t, retval64))
		t->retval64 = r0;
	ub_skb_sync(skb); /* whatever the program wrote there */
	/* data_out: the frame; for L3 program types the kernel pushes the
	 * Ethernet header back zeroed */
	if (!is_l2)
		memset(skb->data - UB_ETH_HLEN, 0, UB_ETH_HLEN);
	err = copy_out(t->data_out, &t->data_size_out, skb->data - (is_l2 ? 0 : UB_ETH_HLEN),
		       skb->len + (is_l2 ? 0 : UB_ETH_HLEN));
	err2 = copy_out(t->ctx_out, &t->ctx_size_out, &skb->md,
			t->ctx_size_out < sizeof(skb->md) ? t->ctx_size_out : sizeof(skb->md));
	err = err ? err : err2;
out:
	free_low(&b);
	return err;
}

static int test_run_xdp(const struct userbpf_prog *prog, struct userbpf_test_run_opts *t)
{
	size_t total = sizeof(struct ub_xdp) + 64 + UB_XDP_HEADROOM + UB_PKT_MAX;
	struct pkt_buf b = { 0 };
	struct userbpf_run_opts ro;
	struct userbpf_mem_region region;
	struct ub_xdp *xdp;
	uint8_t *data;
	uint64_t r0 = 0;
	int err;

	if (!t->data_in || t->data_size_in < UB_ETH_HLEN || t->data_size_in > UB_PKT_MAX - 320)
		return -EINVAL;
	if (t->ctx_in && t->ctx_size_in > sizeof(struct xdp_md))
		return -EINVAL;
	xdp = alloc_low(&b, total);
	if (!xdp)
		return -ENOMEM;
	xdp->hard_start = (uint8_t *)(xdp + 1) + 64;
	xdp->frame_end = (uint8_t *)xdp + total;
	data = xdp->hard_start + UB_XDP_HEADROOM;
	memcpy(data, t->data_in, t->data_size_in);
	xdp->data = data;
	xdp->data_end = data + t->data_size_in;
	ub_xdp_sync(xdp);
	xdp->md.ingress_ifindex = 1;
	fill_run_opts(&ro, t);
	ro.ctx = &xdp->md;
	ro.ctx_size = sizeof(xdp->md);
	region = (struct userbpf_mem_region){ xdp->hard_start,
					      (size_t)(xdp->frame_end - xdp->hard_start), 1 };
	ro.regions = &region;
	ro.region_cnt = 1;
	err = run_repeat(prog, t, &ro, &r0);
	if (!err) {
		t->retval = (uint32_t)r0;
		if (OPTS_HAS(t, retval64))
			t->retval64 = r0;
		ub_xdp_sync(xdp);
		err = copy_out(t->data_out, &t->data_size_out, xdp->data,
			       (size_t)(xdp->data_end - xdp->data));
	}
	free_low(&b);
	return err;
}

static int test_run_raw(const struct userbpf_prog *prog, struct userbpf_test_run_opts *t)
{
	struct userbpf_run_opts ro;
	uint8_t *ctx = NULL;
	uint64_t r0 = 0;
	int err;

	if (t->data_in || t->data_size_in)
		return -EINVAL;
	if (t->ctx_size_in) {
		if (!t->ctx_in || t->ctx_size_in > 65536)
			return -EINVAL;
		ctx = ub_alloc(t->ctx_size_in);
		if (!ctx)
			return -ENOMEM;
		memcpy(ctx, t->ctx_in, t->ctx_size_in);
	}
	fill_run_opts(&ro, t);
	ro.ctx = ctx;
	ro.ctx_size = t->ctx_size_in;
	err = run_repeat(prog, t, &ro, &r0);
	if (!err) {
		t->retval = (uint32_t)r0;
		if (OPTS_HAS(t, retval64))
			t->retval64 = r0;
		err = copy_out(t->ctx_out, &t->ctx_size_out, ctx, t->ctx_size_in);
	}
	ub_free(ctx);
	return err;
}

int userbpf_prog__test_run(const struct userbpf_prog *prog, struct userbpf_test_run_opts *opts)
{
	if (!prog || !opts || opts->sz < offsetof(struct userbpf_test_run_opts, retval64))
		return -EINVAL;
	if (opts->repeat < 0)
		return -EINVAL;
	switch (ub_prog_ctx_kind(userbpf_prog__type(prog))) {
	case UB_CTX_SKB:
		return test_run_skb(prog, opts);
	case UB_CTX_XDP:
		return test_run_xdp(prog, opts);
	default:
		return test_run_raw(prog, opts);
	}
}
