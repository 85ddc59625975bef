/* SPDX-License-Identifier: MIT */
/*
 * prog_types.c - the program type table: names, context kind, and the
 * packet helpers skb and XDP programs get (bpf_skb_load_bytes,
 * bpf_skb_store_bytes, bpf_xdp_adjust_head/tail, bpf_csum_diff,
 * bpf_redirect).  Helpers find the packet from the context pointer and
 * use the run's trusted bounds kept beside the context (struct ub_skb,
 * struct ub_xdp), never the data/data_end/len the program can write.
 */
#include "util/ubc.h"

#include "progs_int.h"
#include "helpers/task_struct.h"

struct prog_type_info {
	uint32_t type;
	const char *name;
	enum ub_ctx_kind ctx;
};

static const struct prog_type_info types[] = {
	{ 1, "socket_filter", UB_CTX_SKB },
	{ 2, "kprobe", UB_CTX_RAW },
	{ 3, "sched_cls", UB_CTX_SKB },
	{ 4, "sched_act", UB_CTX_SKB },
	{ 5, "tracepoint", UB_CTX_RAW },
	{ 6, "xdp", UB_CTX_XDP },
	{ 7, "perf_event", UB_CTX_RAW },
	{ 8, "cgroup_skb", UB_CTX_SKB },
	{ 17, "raw_tracepoint", UB_CTX_RAW },
	{ 26, "tracing", UB_CTX_RAW },
	{ 29, "lsm", UB_CTX_RAW },
	{ 31, "syscall", UB_CTX_RAW },
};

static const struct prog_type_info *find_type(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

const char *userbpf_prog_type_name(uint32_t prog_type)
{
	const struct prog_type_info *t = find_type(prog_type);

	return t ? t->name : NULL;
}

enum ub_ctx_kind ub_prog_ctx_kind(uint32_t prog_type)
{
	const struct prog_type_info *t = find_type(prog_type);

	return t ? t->ctx : UB_CTX_RAW;
}

void ub_skb_sync(struct ub_skb *skb)
{
	skb->md.len = skb->len;
	skb->md.data = (uint32_t)(uintptr_t)skb->data;
	skb->md.data_end = (uint32_t)(uintptr_t)(skb->data + skb->len);
	skb->md.data_meta = skb->md.data;
}

void ub_xdp_sync(struct ub_xdp *xdp)
{
	xdp->md.data = (uint32_t)(uintptr_t)xdp->data;
	xdp->md.data_end = (uint32_t)(uintptr_t)xdp->data_end;
	xdp->md.data_meta = xdp->md.data;
}

#define UNUSED __attribute__((unused))
#define PKT_HELPER(NAME)                                                                           \
	static uint64_t NAME(uint64_t r1 UNUSED, uint64_t r2 UNUSED, uint64_t r3 UNUSED,           \
			     uint64_t r4 UNUSED, uint64_t r5 UNUSED,                               \
			     struct userbpf_run *run UNUSED)
#define ERR(E) ((uint64_t)(int64_t)(E))

/* The skb behind a context pointer, if it is the run's context. */
static struct ub_skb *skb_of(struct userbpf_run *run, uint64_t ctx)
{
	if (ctx != (uint64_t)(uintptr_t)userbpf_run__ctx(run) || !ctx)
		return NULL;
	return ub_container_of((void *)(uintptr_t)ctx, struct ub_skb, md);
}

/* bpf_skb_load_bytes(skb, offset, to, len) */
PKT_HELPER(skb_load_bytes)
{
	struct ub_skb *skb = skb_of(run, r1);
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;

	if (!skb || !userbpf_run__mem_ok(run, (void *)(uintptr_t)r3, len, 1))
		return ERR(-EFAULT);
	if ((int32_t)off < 0 || len == 0 || (uint64_t)off + len > skb->len) {
		memset((void *)(uintptr_t)r3, 0, len);
		return ERR(-EFAULT);
	}
	memcpy((void *)(uintptr_t)r3, skb->data + off, len);
	return 0;
}

/* bpf_skb_store_bytes(skb, offset, from, len, flags) */
PKT_HELPER(skb_store_bytes)
{
	struct ub_skb *skb = skb_of(run, r1);
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;

	if (!skb || r5 & ~3ull)
		return ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r3, len, 0))
		return ERR(-EFAULT);
	if ((int32_t)off < 0 || (uint64_t)off + len > skb->len)
		return ERR(-EFAULT);
	memmove(skb->data + off, (const void *)(uintptr_t)r3, len);
	ub_skb_sync(skb); /* the kernel recomputes the packet pointers */
	return 0;
}

/* bpf_xdp_adjust_head(xdp_md, delta) */
PKT_HELPER(xdp_adjust_head)
{
	struct ub_xdp *xdp;
	uint8_t *data;

	if (r1 != (uint64_t)(uintptr_t)userbpf_run__ctx(run) || !r1)
		return ERR(-EINVAL);
	xdp = ub_container_of((void *)(uintptr_t)r1, struct ub_xdp, md);
	if ((int64_t)(int32_t)r2 < xdp->hard_start - xdp->data ||
	    (int64_t)(int32_t)r2 > (xdp->data_end - xdp->data) - UB_ETH_HLEN)
		return ERR(-EINVAL);
	data = xdp->data + (int32_t)r2;
	xdp->data = data;
	ub_xdp_sync(xdp);
	return 0;
}

/* bpf_xdp_adjust_tail(xdp_md, delta) */
PKT_HELPER(xdp_adjust_tail)
{
	struct ub_xdp *xdp;
	uint8_t *end;

	if (r1 != (uint64_t)(uintptr_t)userbpf_run__ctx(run) || !r1)
		return ERR(-EINVAL);
	xdp = ub_container_of((void *)(uintptr_t)r1, struct ub_xdp, md);
	if ((int64_t)(int32_t)r2 > xdp->frame_end - xdp->data_end ||
	    (int64_t)(int32_t)r2 < (xdp->data - xdp->data_end) + UB_ETH_HLEN)
		return ERR(-EINVAL);
	end = xdp->data_end + (int32_t)r2;
	if ((int32_t)r2 > 0)
		memset(xdp->data_end, 0, (size_t)(int32_t)r2);
	xdp->data_end = end;
	ub_xdp_sync(xdp);
	return 0;
}

/* bpf_csum_diff(from, from_size, to, to_size, seed): 32-bit one's sum */
PKT_HELPER(csum_diff)
{
	const uint32_t *from = (const uint32_t *)(uintptr_t)r1;
	const uint32_t *to = (const uint32_t *)(uintptr_t)r3;
	uint64_t sum = (uint32_t)r5;
	uint64_t i;

	if ((r2 | r4) & 3 || r2 > 512 || r4 > 512)
		return ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, from, r2, 0) || !userbpf_run__mem_ok(run, to, r4, 0))
		return ERR(-EFAULT);
	for (i = 0; i < r2 / 4; i++)
		sum += (uint32_t)~from[i];
	for (i = 0; i < r4 / 4; i++)
		sum += to[i];
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return sum;
}

/* bpf_redirect(ifindex, flags): XDP_REDIRECT / TC_ACT_REDIRECT (7) */
PKT_HELPER(redirect)
{
	if (r2 & ~1ull)
		return 0; /* TC_ACT_SHOT / XDP_ABORTED */
	return userbpf_prog__type(userbpf_run__prog(run)) == USERBPF_PROG_TYPE_XDP ? 4 : 7;
}

#define A(X) USERBPF_ARG_##X
#define P(...)                                                                                     \
	{                                                                                          \
		.ret = USERBPF_RET_INTEGER, .args = { __VA_ARGS__ }                                \
	}
#define PT(TYPES, ...) { .ret = USERBPF_RET_INTEGER, .args = { __VA_ARGS__ }, .prog_types = TYPES }
/* Program types that may call each (Linux 6.18's get_func_proto). */
#define TB(X) USERBPF_PROG_TYPE_BIT(USERBPF_PROG_TYPE_##X)
#define TC_TYPES (TB(SCHED_CLS) | TB(SCHED_ACT))

static const struct userbpf_helper skb_helpers[] = {
	{ 9, "bpf_skb_store_bytes", skb_store_bytes,
	  PT(TC_TYPES, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING)) },
	{ 23, "bpf_redirect", redirect, PT(TC_TYPES, A(ANYTHING), A(ANYTHING)) },
	{ 26, "bpf_skb_load_bytes", skb_load_bytes,
	  PT(TC_TYPES | TB(SOCKET_FILTER) | TB(CGROUP_SKB), A(PTR_TO_CTX), A(ANYTHING),
	     A(PTR_TO_UNINIT_MEM), A(CONST_SIZE)) },
	{ 28, "bpf_csum_diff", csum_diff,
	  PT(TC_TYPES, A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM_OR_NULL),
	     A(CONST_SIZE_OR_ZERO), A(ANYTHING)) },
};

static const struct userbpf_helper xdp_helpers[] = {
	{ 23, "bpf_redirect", redirect, P(A(ANYTHING), A(ANYTHING)) },
	{ 28, "bpf_csum_diff", csum_diff,
	  P(A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM_OR_NULL),
	    A(CONST_SIZE_OR_ZERO), A(ANYTHING)) },
	{ 44, "bpf_xdp_adjust_head", xdp_adjust_head, P(A(PTR_TO_CTX), A(ANYTHING)) },
	{ 65, "bpf_xdp_adjust_tail", xdp_adjust_tail, P(A(PTR_TO_CTX), A(ANYTHING)) },
};

/*
 * Helpers whose prototype differs by program type (the kernel's
 * get_func_proto hands out another bpf_func_proto for the same id):
 * tracing and LSM programs pass bpf_get_socket_cookie a kernel socket
 * (bpf_get_socket_ptr_cookie_proto: a BTF socket or NULL), the others
 * their context (std.c's row).
 */
static const struct userbpf_helper tracing_helpers[] = {
	{ 46, "bpf_get_socket_cookie", ub_helper_get_socket_cookie,
	  PT(TB(TRACING) | TB(LSM), A(PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL)) },
};

const struct userbpf_helper *userbpf_prog_type_helpers(uint32_t prog_type, size_t *cnt)
{
	if (prog_type == USERBPF_PROG_TYPE_TRACING || prog_type == USERBPF_PROG_TYPE_LSM) {
		*cnt = sizeof(tracing_helpers) / sizeof(tracing_helpers[0]);
		return tracing_helpers;
	}
	switch (ub_prog_ctx_kind(prog_type)) {
	case UB_CTX_SKB:
		*cnt = sizeof(skb_helpers) / sizeof(skb_helpers[0]);
		return skb_helpers;
	case UB_CTX_XDP:
		*cnt = sizeof(xdp_helpers) / sizeof(xdp_helpers[0]);
		return xdp_helpers;
	default:
		*cnt = 0;
		return NULL;
	}
}
