/* SPDX-License-Identifier: MIT */
/*
 * ctx_access.c - the kernel's context access rules per program type
 * (net/core/filter.c: bpf_skb_is_valid_access, sk_filter_, tc_cls_act_,
 * cgroup_skb_ and xdp_is_valid_access): which fields of __sk_buff and
 * xdp_md a program may read or write, at which sizes and offsets.  The
 * checked interpreter consults them through the run's ctx_access hook;
 * the verifier can call ub_ctx_access_ok() directly.  Rules are those of
 * a privileged loader (root: CAP_PERFMON, CAP_SYS_ADMIN).
 */
#include "util/ubc.h"

#include "progs_int.h"

#define OFF(F) ((uint32_t)offsetof(struct __sk_buff, F))
#define END(F) ((uint32_t)(offsetof(struct __sk_buff, F) + sizeof(((struct __sk_buff *)0)->F)))
/* bpf_ctx_range(): off lies inside field F; RANGE_TILL: inside A..B */
#define IN(F) (off >= OFF(F) && off < END(F))
#define IN_TILL(A, B) (off >= OFF(A) && off < END(B))

static bool narrow_ok(uint32_t size, uint32_t size_default)
{
	return size <= size_default && (size & (size - 1)) == 0;
}

/* bpf_skb_is_valid_access(): rules common to every __sk_buff type */
static bool skb_common_ok(uint32_t off, uint32_t size, bool write)
{
	if (off >= sizeof(struct __sk_buff) || !size || off % size)
		return false;
	if (IN_TILL(cb[0], cb[4]))
		return off + size <= END(cb[4]);
	if (IN_TILL(remote_ip6[0], remote_ip6[3]) || IN_TILL(local_ip6[0], local_ip6[3]) ||
	    IN(remote_ip4) || IN(local_ip4) || IN(data) || IN(data_meta) || IN(data_end))
		return size == 4;
	if (IN(flow_keys))
		return false;
	if (IN(hwtstamp))
		return !write && size == 8;
	if (IN(tstamp))
		return size == 8;
	if (IN(sk)) /* inner bytes pass here but fail the rewrite later */
		return off == OFF(sk) && !write && size == 8;
	if (off == OFF(tstamp_type))
		return false;
	if (off >= END(tstamp_type) && off < OFF(hwtstamp))
		return false; /* padding */
	if (write)
		return size == 4;
	return narrow_ok(size, 4);
}

static bool sk_filter_ok(uint32_t off, uint32_t size, bool write)
{
	if (IN(tc_classid) || IN(data) || IN(data_meta) || IN(data_end) ||
	    IN_TILL(family, local_port) || IN(tstamp) || IN(wire_len) || IN(hwtstamp))
		return false;
	if (write && !IN_TILL(cb[0], cb[4]))
		return false;
	return skb_common_ok(off, size, write);
}

static bool tc_ok(uint32_t off, uint32_t size, bool write)
{
	if (write && !(IN(mark) || IN(tc_index) || IN(priority) || IN(tc_classid) ||
		       IN_TILL(cb[0], cb[4]) || IN(tstamp) || IN(queue_mapping)))
		return false;
	if (IN_TILL(family, local_port))
		return false;
	if (off == OFF(tstamp_type))
		return size == 1;
	return skb_common_ok(off, size, write);
}

static bool cgroup_skb_ok(uint32_t off, uint32_t size, bool write)
{
	if (IN(tc_classid) || IN(data_meta) || IN(wire_len))
		return false;
	if (write && !(IN(mark) || IN(priority) || IN_TILL(cb[0], cb[4]) || IN(tstamp)))
		return false;
	return skb_common_ok(off, size, write);
}

/* xdp_is_valid_access(): read only, u32 fields, no egress_ifindex
 * outside devmap programs (no expected attach type here) */
static bool xdp_ok(uint32_t off, uint32_t size, bool write)
{
	if (off == offsetof(struct xdp_md, egress_ifindex) || write)
		return false;
	return off < sizeof(struct xdp_md) && size == 4 && off % 4 == 0;
}

bool ub_ctx_access_ok(uint32_t prog_type, uint32_t off, uint32_t size, bool write)
{
	switch (prog_type) {
	case USERBPF_PROG_TYPE_SOCKET_FILTER:
		return sk_filter_ok(off, size, write);
	case USERBPF_PROG_TYPE_SCHED_CLS:
	case USERBPF_PROG_TYPE_SCHED_ACT:
		return tc_ok(off, size, write);
	case USERBPF_PROG_TYPE_CGROUP_SKB:
		return cgroup_skb_ok(off, size, write);
	case USERBPF_PROG_TYPE_XDP:
		return xdp_ok(off, size, write);
	default:
		return true; /* raw contexts: caller-supplied bytes */
	}
}

struct field {
	const char *name;
	uint32_t off, size;
};

#define F(S, N) { #N, (uint32_t)offsetof(struct S, N), sizeof(((struct S *)0)->N) }
static const struct field skb_fields[] = {
	F(__sk_buff, len),	   F(__sk_buff, pkt_type),
	F(__sk_buff, mark),	   F(__sk_buff, queue_mapping),
	F(__sk_buff, protocol),	   F(__sk_buff, vlan_present),
	F(__sk_buff, vlan_tci),	   F(__sk_buff, vlan_proto),
	F(__sk_buff, priority),	   F(__sk_buff, ingress_ifindex),
	F(__sk_buff, ifindex),	   F(__sk_buff, tc_index),
	F(__sk_buff, cb),	   F(__sk_buff, hash),
	F(__sk_buff, tc_classid),  F(__sk_buff, data),
	F(__sk_buff, data_end),	   F(__sk_buff, napi_id),
	F(__sk_buff, family),	   F(__sk_buff, remote_ip4),
	F(__sk_buff, local_ip4),   F(__sk_buff, remote_ip6),
	F(__sk_buff, local_ip6),   F(__sk_buff, remote_port),
	F(__sk_buff, local_port),  F(__sk_buff, data_meta),
	F(__sk_buff, flow_keys),   F(__sk_buff, tstamp),
	F(__sk_buff, wire_len),	   F(__sk_buff, gso_segs),
	F(__sk_buff, sk),	   F(__sk_buff, gso_size),
	F(__sk_buff, tstamp_type), F(__sk_buff, hwtstamp),
};
static const struct field xdp_fields[] = {
	F(xdp_md, data),	   F(xdp_md, data_end),
	F(xdp_md, data_meta),	   F(xdp_md, ingress_ifindex),
	F(xdp_md, rx_queue_index), F(xdp_md, egress_ifindex),
};
#undef F

static const char *field_at(const struct field *f, size_t n, uint32_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off >= f[i].off && off < f[i].off + f[i].size)
			return f[i].name;
	return NULL;
}

int ub_ctx_access(uint32_t prog_type, uint32_t off, uint32_t size, int access, char *why,
		  size_t why_sz)
{
	enum ub_ctx_kind kind = ub_prog_ctx_kind(prog_type);
	const char *st = kind == UB_CTX_XDP ? "xdp_md" : "__sk_buff";
	const char *name = NULL;
	static const char *const verb[] = { "read of", "write to", "atomic on" };

	if (kind == UB_CTX_RAW)
		return 0;
	if (access != 2 && ub_ctx_access_ok(prog_type, off, size, access != 0))
		return 0;
	if (kind == UB_CTX_XDP)
		name = field_at(xdp_fields, sizeof(xdp_fields) / sizeof(xdp_fields[0]), off);
	else
		name = field_at(skb_fields, sizeof(skb_fields) / sizeof(skb_fields[0]), off);
	if (name)
		snprintf(why, why_sz, "invalid %u-byte %s %s field %s", size,
			 verb[access < 0 || access > 2 ? 1 : access], st, name);
	else
		snprintf(why, why_sz, "invalid context access off=%u size=%u", off, size);
	return -EACCES;
}
