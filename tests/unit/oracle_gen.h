/* SPDX-License-Identifier: MIT */
/*
 * oracle_gen.h - random BPF programs for the kernel oracle test
 * (test_oracle.c): programs the Linux verifier accepts as XDP programs and
 * whose whole observable state ends up in the packet.
 *
 * Program layout (all offsets into the packet, r9 = packet start):
 *
 *   prologue   r9 = data, r8 = data_end, r7 = r9 + pkt_len,
 *              if r7 > r8 goto fail            (5 slots, see below)
 *   init       r0-r7 = random constants, 8 stack slots r10-64..r10-8 set
 *   body       random code over r0-r7, the packet [0, data_len), the
 *              stack slots; r8 is a scratch pointer (packet or stack)
 *   epilogue   *(u64 *)(r9 + data_len + 8 * i) = ri        for r0..r7
 *              *(u64 *)(r9 + data_len + 64 + 8 * k) = slot k
 *              r0 = *(u64 *)(r9 + data_len); exit
 *   fail       r0 = 0xbad; exit                 (bounds check failed)
 *
 * So comparing the output packet compares memory, every 64-bit register
 * and the stack; the return value is r0 (the kernel reports its low half).
 *
 * The generator is pure (no kernel, no libc randomness): one seed, one
 * program.  It is test code, not part of the library.
 */
#ifndef USERBPF_ORACLE_GEN_H
#define USERBPF_ORACLE_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "userbpf/insn.h"

#define ORACLE_MAX_INSNS 1024
#define ORACLE_MIN_DATA 64
#define ORACLE_MAX_DATA 192
#define ORACLE_STACK_SLOTS 8
#define ORACLE_REG_DUMP 64 /* r0..r7, 8 bytes each */
#define ORACLE_STACK_DUMP (8 * ORACLE_STACK_SLOTS)
#define ORACLE_MAX_PKT (ORACLE_MAX_DATA + ORACLE_REG_DUMP + ORACLE_STACK_DUMP)
#define ORACLE_PROLOGUE_SLOTS 5
#define ORACLE_FAIL_RETVAL 0xbad

/** Instruction mixes, one per oracle test. */
enum oracle_mix {
	ORACLE_MIX_ALU,	   /**< straight-line ALU64/ALU32, few loads */
	ORACLE_MIX_BRANCH, /**< if/else, gotol, bounded loops */
	ORACLE_MIX_MEM,	   /**< packet and stack loads/stores, atomics */
	ORACLE_MIX_MIXED,  /**< everything */
	ORACLE_MIX_LD_ABS, /**< socket filter: LD_ABS/LD_IND, see below */
	ORACLE_MIX_CNT,
};

/**
 * How the prologue finds the packet (only slots 0 and 1 differ):
 * XDP_MD reads the u32 data/data_end fields of struct xdp_md at r1 (the
 * kernel form; userbpf can run it too when the packet lies below 4 GiB);
 * ARGS takes data in r1 and data_end in r2.
 */
enum oracle_prologue {
	ORACLE_PROLOGUE_XDP_MD,
	ORACLE_PROLOGUE_ARGS,
};

/*
 * ORACLE_MIX_LD_ABS programs are socket filters instead: r6 = ctx, then
 * LD_ABS/LD_IND of every size at in- and out-of-bounds offsets, their
 * results folded into r7-r9 with ALU ops and forward branches, and at the
 * end r0 = a 32-bit hash of r0 and r7-r9.  An out-of-bounds load ends the
 * program with r0 = 0.  Socket filters see the frame without its Ethernet
 * header, so the program's packet is pkt + ORACLE_ETH_HLEN, data_len bytes.
 */
#define ORACLE_ETH_HLEN 14

struct oracle_prog {
	struct userbpf_insn insns[ORACLE_MAX_INSNS];
	size_t insn_cnt;
	int socket_filter;	     /**< ORACLE_MIX_LD_ABS: a socket filter, r0 only */
	uint32_t data_len;	     /**< bytes of packet the body touches (sees) */
	uint32_t pkt_len;	     /**< XDP: data_len + register dump + stack dump;
			    *   socket filter: ORACLE_ETH_HLEN + data_len */
	uint8_t pkt[ORACLE_MAX_PKT]; /**< initial packet contents */
};

/** @brief Per-program seed of program index of test test. */
uint64_t oracle_seed(uint64_t base, unsigned test, uint64_t index);

/**
 * @brief Generate the program of seed with the given mix (XDP programs get
 * the XDP_MD prologue).  Deterministic: the same seed and mix give the
 * same program and packet.
 */
void oracle_gen(struct oracle_prog *prog, uint64_t seed, enum oracle_mix mix);

/** @brief Rewrite the prologue's first two slots for kind. */
void oracle_set_prologue(struct oracle_prog *prog, enum oracle_prologue kind);

/** @brief Name of a mix, for messages ("alu", "branch", ...). */
const char *oracle_mix_name(enum oracle_mix mix);

#endif /* USERBPF_ORACLE_GEN_H */
