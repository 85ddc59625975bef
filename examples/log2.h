/* SPDX-License-Identifier: MIT */
/*
 * log2.h - floor(log2(v)) for the examples' log2 histograms (the slot a
 * value lands in, as bcc's libbpf-tools compute it in bits.bpf.h).  The
 * includer brings __u32, __u64 and __always_inline (<linux/types.h> and
 * <bpf/bpf_helpers.h>, or vmlinux.h and <bpf/bpf_helpers.h> in apps/).
 */
#ifndef USERBPF_EXAMPLES_LOG2_H
#define USERBPF_EXAMPLES_LOG2_H

/* floor(log2(v)), 0 for 0 and 1: branch-free halving, no loop for the
 * verifier to bound */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffff) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

#endif
