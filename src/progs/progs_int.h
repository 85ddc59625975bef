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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/progs.h"

#define UB_ETH_HLEN 14
#define UB_XDP_HEADROOM 256
#define UB_PKT_MAX 4096

/*
 * The trusted packet bounds (data, len; data, data_end) live here, out of
 * the program's reach: helpers and the test run use them, never the
 * context copy, which an unchecked program can overwrite.
 */
struct ub_skb {
	uint8_t *head;	     /* buffer start */
	uint8_t *end;	     /* buffer end */
	uint8_t *mac;	     /* Ethernet header */
	uint8_t *data;	     /* trusted: first byte the program sees */
	uint32_t len;	     /* trusted: bytes from data */
	struct __sk_buff md; /* what the program sees */
};

struct ub_xdp {
	uint8_t *hard_start;
	uint8_t *frame_end; /* end of the buffer (tail room limit) */
	uint8_t *data;	    /* trusted packet bounds */
	uint8_t *data_end;
	struct xdp_md md;
};

#define ub_container_of(ptr, type, member)                                                         \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline uint8_t *ub_u32_ptr(uint32_t v)
{
	return (uint8_t *)(uintptr_t)v;
}

enum ub_ctx_kind { UB_CTX_RAW, UB_CTX_SKB, UB_CTX_XDP };

/* Which context a program type runs on. */
enum ub_ctx_kind ub_prog_ctx_kind(uint32_t prog_type);

/*
 * The kernel's context access rules: whether a program of prog_type may
 * read (write = false) or write size bytes at offset off of its context.
 * Raw (tracing) contexts: always true.
 */
bool ub_ctx_access_ok(uint32_t prog_type, uint32_t off, uint32_t size, bool write);

/*
 * The same as a run's ctx_access hook: access 0 read, 1 write, 2 atomic
 * (never allowed on __sk_buff or xdp_md); 0 or -EACCES with a reason.
 */
int ub_ctx_access(uint32_t prog_type, uint32_t off, uint32_t size, int access, char *why,
		  size_t why_sz);

/* Refresh the program-visible packet fields from the trusted bounds. */
void ub_skb_sync(struct ub_skb *skb);
void ub_xdp_sync(struct ub_xdp *xdp);

#endif
