/* SPDX-License-Identifier: MIT */
/*
 * isa.h - internal view of the instruction table (insn.def): the dense
 * ISA_<ID> enumeration, per-row properties, decoding of one instruction to
 * its row, and the structural program check shared by every consumer.
 */
#ifndef USERBPF_ISA_H
#define USERBPF_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/insn.h"

/* MATCH column */
enum isa_match { M_NONE, M_OFF, M_IMM, M_SRC };

/* FIELDS column: fields that carry operands */
#define U_DST 0x1
#define U_SRC 0x2
#define U_OFF 0x4
#define U_IMM 0x8

/* FLAGS column */
#define F_ALU 0x0001   /* arithmetic, result in dst */
#define F_ALU32 0x0002 /* 32-bit result, zero-extended */
#define F_WDST 0x0004  /* writes dst */
#define F_WSRC 0x0008  /* writes src (atomic fetch, xchg) */
#define F_W0 0x0010    /* writes r0 (cmpxchg) */
#define F_JMP 0x0020   /* branch target in off */
#define F_JMPL 0x0040  /* branch/call target in imm */
#define F_COND 0x0080  /* conditional branch */
#define F_CALL 0x0100
#define F_EXIT 0x0200
#define F_LDDW 0x0400 /* two slots */
#define F_LOAD 0x0800
#define F_STORE 0x1000
#define F_ATOMIC 0x2000
#define F_LDPKT 0x4000 /* LD_ABS / LD_IND */

enum isa_op {
#define INSN(ID, ...) ISA_##ID,
#include "insn.def"
#undef INSN
	ISA_OP_COUNT,
	ISA_INVALID = ISA_OP_COUNT,
};

struct isa_info {
	const char *name;      /* "ADD64_IMM" */
	const char *tmpl;      /* assembly template */
	const char *semantics; /* one line */
	int32_t mval;
	uint16_t flags;
	uint8_t opcode;
	uint8_t match;
	uint8_t fields;
	uint8_t cpu;
};

extern const struct isa_info isa_table[ISA_OP_COUNT];

/* 1 + the last row with a given opcode byte (0: undefined opcode). */
extern const uint8_t isa_last_by_opcode[256];

/*
 * Map one instruction to its row.  Returns the ISA_<ID> or -1 when the
 * opcode, the discriminating field or a reserved field is wrong; *why then
 * points at a static reason ("unknown opcode", "reserved field off is not
 * 0", ...).  Registers and jump targets are not checked here.
 */
int isa_decode(const struct userbpf_insn *insn, const char **why);

/* Register of a CALLX: dst, or imm when dst is 0 (LLVM's encoding). */
static inline unsigned isa_callx_reg(const struct userbpf_insn *insn)
{
	return insn->dst_reg ? insn->dst_reg : (unsigned)insn->imm;
}

/* Number of slots (1, or 2 for lddw) of a row. */
static inline unsigned isa_slots(int op)
{
	return (isa_table[op].flags & F_LDDW) ? 2 : 1;
}

/*
 * Structural check of a whole program (see userbpf_insns_check).  When ops
 * is non-NULL it receives the row of every slot (ISA_INVALID for lddw's
 * second slot).  Messages go to errbuf as "at insn N: reason".
 */
int isa_check_program(const struct userbpf_insn *insns, size_t cnt, uint8_t *ops, char *errbuf,
		      size_t errbuf_sz);

/* Format into errbuf (always NUL-terminated, truncated if needed). */
void isa_errf(char *errbuf, size_t errbuf_sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* USERBPF_ISA_H */
