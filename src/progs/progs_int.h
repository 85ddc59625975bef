/* SPDX-License-Identifier: MIT */
/*
 * progs_int.h - the hidden state behind a packet program's context:
 * struct ub_skb and struct ub_xdp wrap the kernel-layout context the
 * program sees, so packet helpers can find the buffer from the context
 * pointer (container_of), like the kernel finds the sk_buff.
 */
#ifndef USERBPF_PROGS_INT_H
#define USERBPF_PROGS_INT_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/progs.h"

#define UB_ETH_HLEN 14
#define UB_XDP_HEADROOM 256
#define UB_PKT_MAX 4096

struct ub_skb {
	uint8_t *head;	/* buffer start */
	uint8_t *end;	/* buffer end */
	uint8_t *mac;	/* Ethernet header */
	struct __sk_buff md; /* what the program sees */
};

struct ub_xdp {
	uint8_t *hard_start;
	uint8_t *frame_end; /* end of the buffer (tail room limit) */
	struct xdp_md md;
};

#define ub_container_of(ptr, type, member)                                    \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline uint8_t *ub_u32_ptr(uint32_t v)
{
	return (uint8_t *)(uintptr_t)v;
}

enum ub_ctx_kind { UB_CTX_RAW, UB_CTX_SKB, UB_CTX_XDP };

/* Which context a program type runs on. */
enum ub_ctx_kind ub_prog_ctx_kind(uint32_t prog_type);

#endif
