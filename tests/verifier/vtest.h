/* SPDX-License-Identifier: MIT */
/*
 * vtest.h - the verifier's table tests: one case is a small program, its
 * program type, the maps it names (lddw map_fd with imm = slot), the
 * expected verdict and a fragment of the expected message.  run_case()
 * verifies it with userbpf and loads it into the running kernel (libbpf,
 * root) when bpf() is available; the verdicts are compared: a program
 * the kernel rejects and userbpf accepts fails the test, the reverse is
 * counted and listed (docs/verifier-differences.md explains each).
 */
#ifndef USERBPF_VTEST_H
#define USERBPF_VTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "userbpf/userbpf.h"

#define VT_MAX_INSNS 48

/* map templates a case may name */
enum {
	VT_NONE = 0,
	VT_HASH,	 /* key 8, value 8, 16 entries */
	VT_ARRAY48,	 /* key 4, value 48, 1 entry */
	VT_RINGBUF,	 /* 4096 bytes */
	VT_PROG_ARRAY,	 /* 4 slots */
	VT_ARRAY_RO,	 /* key 4, value 16, 1 entry, BPF_F_RDONLY_PROG */
	VT_QUEUE,	 /* value 8, 16 entries */
	VT_ARRAY_WO,	 /* key 4, value 16, 1 entry, BPF_F_WRONLY_PROG */
	VT_SOCKMAP,	 /* key 4, value 4, 1 entry */
	VT_SOCKHASH,	 /* key 4, value 4, 1 entry */
	VT_USER_RINGBUF, /* 4096 bytes */
	VT_ARRAY8X2,	 /* key 4, value 8, 2 entries */
	VT_MAP_KINDS
};

enum { VT_REJECT = 0, VT_ACCEPT = 1 };

struct vcase {
	const char *desc;
	struct userbpf_insn insns[VT_MAX_INSNS];
	uint32_t prog_type; /* 0: socket filter */
	uint8_t maps[2];    /* slot 0 and 1 */
	int expect;	    /* VT_ACCEPT / VT_REJECT */
	const char *errstr; /* fragment of userbpf's log (rejects) */
	bool kernel_skip;   /* not comparable with the kernel (reason in docs) */
	uint32_t eat;	    /* expected attach type (sk_lookup, sk_reuseport) */
};

/* totals of one run, printed by the test */
struct vstats {
	int cases, passed, k_run, k_agree, k_only_reject, k_only_accept;
};

/* Verify one case; returns true when userbpf's verdict and message match. */
bool vt_run_case(const struct vcase *c, struct vstats *st, char *why, size_t why_sz);

/* Run every case of a table (vt_run_case); each case that fails fails the
 * current test, reported at file:line with its description and reason. */
void vt_run_table(const struct vcase *cases, size_t n, struct vstats *st, const char *file,
		  int line);
#define VT_RUN_TABLE(CASES, ST)                                                                    \
	vt_run_table(CASES, sizeof(CASES) / sizeof((CASES)[0]), ST, __FILE__, __LINE__)

/* builders */
#define I USERBPF_RAW_INSN
#define MOV(D, IMM) USERBPF_MOV64_IMM(D, IMM)
#define MOVR(D, S) USERBPF_MOV64_REG(D, S)
#define MOV32(D, IMM) USERBPF_MOV32_IMM(D, IMM)
#define ADDI(D, IMM) USERBPF_ALU64_IMM(USERBPF_ADD, D, IMM)
#define ALUI(OP, D, IMM) USERBPF_ALU64_IMM(USERBPF_##OP, D, IMM)
#define ALUR(OP, D, S) USERBPF_ALU64_REG(USERBPF_##OP, D, S)
#define ALU32I(OP, D, IMM) USERBPF_ALU32_IMM(USERBPF_##OP, D, IMM)
#define LDX(SZ, D, S, OFF) USERBPF_LDX_MEM(USERBPF_##SZ, D, S, OFF)
#define STX(SZ, D, S, OFF) USERBPF_STX_MEM(USERBPF_##SZ, D, S, OFF)
#define ST(SZ, D, OFF, IMM) USERBPF_ST_MEM(USERBPF_##SZ, D, OFF, IMM)
#define JI(OP, D, IMM, OFF) USERBPF_JMP_IMM(USERBPF_##OP, D, IMM, OFF)
#define JR(OP, D, S, OFF) USERBPF_JMP_REG(USERBPF_##OP, D, S, OFF)
#define J32I(OP, D, IMM, OFF) USERBPF_JMP32_IMM(USERBPF_##OP, D, IMM, OFF)
#define JA(OFF) USERBPF_JMP_A(OFF)
#define CALL(ID) USERBPF_CALL_HELPER(ID)
#define CALLL(D) USERBPF_CALL_LOCAL(D)
#define EXIT USERBPF_EXIT_INSN()
#define LDMAP(D, SLOT) USERBPF_LD_IMM64_RAW(D, USERBPF_PSEUDO_MAP_FD, SLOT)
#define LD64(D, V) USERBPF_LD_IMM64(D, V)
#define RET0 MOV(0, 0), EXIT
/* r0 = lookup(map slot 0, key fp-8 = 0); returns 0 when NULL; r0 != NULL after */
#define LOOKUP0                                                                                    \
	ST(DW, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), JI(JNE, 0, 0, 2), RET0

#define SF 1 /* socket filter */
#define KP 2 /* kprobe */
#define TC 3 /* sched_cls */
#define TP 5 /* tracepoint */
#define XDP 6

#endif
