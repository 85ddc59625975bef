/* SPDX-License-Identifier: MIT */
/*
 * userbpf/insn.h - the BPF instruction encoding (RFC 9669) and builder
 * macros for writing programs in C, plus the text assembler and
 * disassembler entry points.
 *
 *   msb                                                        lsb
 *   +------------------------+----------------+----+----+--------+
 *   |immediate (32)          |offset (16)     |src |dst |opcode  |
 *   +------------------------+----------------+----+----+--------+
 *
 *   opcode = operation | source (K=0/X=8) | class   for ALU and JMP
 *   opcode = mode | size | class                    for loads and stores
 *
 * struct userbpf_insn has the layout of the kernel's struct bpf_insn, so a
 * pointer to one may be cast to the other.
 */
#ifndef USERBPF_INSN_H
#define USERBPF_INSN_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest program, in slots (the kernel's BPF_COMPLEXITY_LIMIT_INSNS). */
#define USERBPF_MAX_INSNS (1u << 20)

struct userbpf_insn {
	uint8_t code;
	uint8_t dst_reg : 4;
	uint8_t src_reg : 4;
	int16_t off;
	int32_t imm;
};

/* Classes, sizes, modes, operations: the kernel's values. */
#define USERBPF_LD 0x00
#define USERBPF_LDX 0x01
#define USERBPF_ST 0x02
#define USERBPF_STX 0x03
#define USERBPF_ALU 0x04
#define USERBPF_JMP 0x05
#define USERBPF_JMP32 0x06
#define USERBPF_ALU64 0x07
#define USERBPF_K 0x00
#define USERBPF_X 0x08
#define USERBPF_W 0x00
#define USERBPF_H 0x08
#define USERBPF_B 0x10
#define USERBPF_DW 0x18
#define USERBPF_IMM 0x00
#define USERBPF_ABS 0x20
#define USERBPF_IND 0x40
#define USERBPF_MEM 0x60
#define USERBPF_MEMSX 0x80
#define USERBPF_ATOMIC 0xc0
#define USERBPF_ADD 0x00
#define USERBPF_SUB 0x10
#define USERBPF_MUL 0x20
#define USERBPF_DIV 0x30
#define USERBPF_OR 0x40
#define USERBPF_AND 0x50
#define USERBPF_LSH 0x60
#define USERBPF_RSH 0x70
#define USERBPF_NEG 0x80
#define USERBPF_MOD 0x90
#define USERBPF_XOR 0xa0
#define USERBPF_MOV 0xb0
#define USERBPF_ARSH 0xc0
#define USERBPF_END 0xd0
#define USERBPF_TO_LE 0x00
#define USERBPF_TO_BE 0x08
#define USERBPF_JA 0x00
#define USERBPF_JEQ 0x10
#define USERBPF_JGT 0x20
#define USERBPF_JGE 0x30
#define USERBPF_JSET 0x40
#define USERBPF_JNE 0x50
#define USERBPF_JSGT 0x60
#define USERBPF_JSGE 0x70
#define USERBPF_CALL 0x80
#define USERBPF_EXIT 0x90
#define USERBPF_JLT 0xa0
#define USERBPF_JLE 0xb0
#define USERBPF_JSLT 0xc0
#define USERBPF_JSLE 0xd0
#define USERBPF_FETCH 0x01
#define USERBPF_XCHG (0xe0 | USERBPF_FETCH)
#define USERBPF_CMPXCHG (0xf0 | USERBPF_FETCH)
#define USERBPF_PSEUDO_MAP_FD 1
#define USERBPF_PSEUDO_MAP_VALUE 2
#define USERBPF_PSEUDO_BTF_ID 3
#define USERBPF_PSEUDO_FUNC 4
#define USERBPF_PSEUDO_MAP_IDX 5
#define USERBPF_PSEUDO_MAP_IDX_VALUE 6
#define USERBPF_PSEUDO_CALL 1
#define USERBPF_PSEUDO_KFUNC_CALL 2

#define USERBPF_RAW_INSN(CODE, DST, SRC, OFF, IMM)                                                 \
	((struct userbpf_insn){                                                                    \
		.code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM) })
#define USERBPF_ALU64_IMM(OP, DST, IMM)                                                            \
	USERBPF_RAW_INSN(USERBPF_ALU64 | (OP) | USERBPF_K, DST, 0, 0, IMM)
#define USERBPF_ALU64_REG(OP, DST, SRC)                                                            \
	USERBPF_RAW_INSN(USERBPF_ALU64 | (OP) | USERBPF_X, DST, SRC, 0, 0)
#define USERBPF_ALU32_IMM(OP, DST, IMM)                                                            \
	USERBPF_RAW_INSN(USERBPF_ALU | (OP) | USERBPF_K, DST, 0, 0, IMM)
#define USERBPF_ALU32_REG(OP, DST, SRC)                                                            \
	USERBPF_RAW_INSN(USERBPF_ALU | (OP) | USERBPF_X, DST, SRC, 0, 0)
#define USERBPF_MOV64_IMM(DST, IMM) USERBPF_ALU64_IMM(USERBPF_MOV, DST, IMM)
#define USERBPF_MOV64_REG(DST, SRC) USERBPF_ALU64_REG(USERBPF_MOV, DST, SRC)
#define USERBPF_MOV32_IMM(DST, IMM) USERBPF_ALU32_IMM(USERBPF_MOV, DST, IMM)
#define USERBPF_MOV32_REG(DST, SRC) USERBPF_ALU32_REG(USERBPF_MOV, DST, SRC)
#define USERBPF_LDX_MEM(SZ, DST, SRC, OFF)                                                         \
	USERBPF_RAW_INSN(USERBPF_LDX | USERBPF_MEM | (SZ), DST, SRC, OFF, 0)
#define USERBPF_STX_MEM(SZ, DST, SRC, OFF)                                                         \
	USERBPF_RAW_INSN(USERBPF_STX | USERBPF_MEM | (SZ), DST, SRC, OFF, 0)
#define USERBPF_ST_MEM(SZ, DST, OFF, IMM)                                                          \
	USERBPF_RAW_INSN(USERBPF_ST | USERBPF_MEM | (SZ), DST, 0, OFF, IMM)
#define USERBPF_ATOMIC_OP(SZ, OP, DST, SRC, OFF)                                                   \
	USERBPF_RAW_INSN(USERBPF_STX | USERBPF_ATOMIC | (SZ), DST, SRC, OFF, OP)
#define USERBPF_JMP_IMM(OP, DST, IMM, OFF)                                                         \
	USERBPF_RAW_INSN(USERBPF_JMP | (OP) | USERBPF_K, DST, 0, OFF, IMM)
#define USERBPF_JMP_REG(OP, DST, SRC, OFF)                                                         \
	USERBPF_RAW_INSN(USERBPF_JMP | (OP) | USERBPF_X, DST, SRC, OFF, 0)
#define USERBPF_JMP32_IMM(OP, DST, IMM, OFF)                                                       \
	USERBPF_RAW_INSN(USERBPF_JMP32 | (OP) | USERBPF_K, DST, 0, OFF, IMM)
#define USERBPF_JMP32_REG(OP, DST, SRC, OFF)                                                       \
	USERBPF_RAW_INSN(USERBPF_JMP32 | (OP) | USERBPF_X, DST, SRC, OFF, 0)
#define USERBPF_JMP_A(OFF) USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_JA, 0, 0, OFF, 0)
#define USERBPF_CALL_HELPER(ID) USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_CALL, 0, 0, 0, ID)
#define USERBPF_CALL_LOCAL(DELTA)                                                                  \
	USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_CALL, 0, USERBPF_PSEUDO_CALL, 0, DELTA)
#define USERBPF_EXIT_INSN() USERBPF_RAW_INSN(USERBPF_JMP | USERBPF_EXIT, 0, 0, 0, 0)
/* Two slots: use as an initialiser pair inside an array. */
#define USERBPF_LD_IMM64_RAW(DST, SRC, IMM)                                                        \
	USERBPF_RAW_INSN(USERBPF_LD | USERBPF_DW | USERBPF_IMM, DST, SRC, 0,                       \
			 (int32_t)(uint32_t)(IMM)),                                                \
		USERBPF_RAW_INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(IMM) >> 32))
#define USERBPF_LD_IMM64(DST, IMM) USERBPF_LD_IMM64_RAW(DST, 0, IMM)

/**
 * @brief Assemble llvm-objdump-style BPF assembly (docs/asm.md) into
 * instructions. Labels ("name:") may be jump and call targets.
 * @param[in]  text      NUL-terminated source
 * @param[out] insns     allocated array; release with userbpf_free()
 * @param[out] insn_cnt  number of 8-byte slots
 * @param[out] errbuf    optional; receives "line N: reason" on failure
 * @return 0, -EINVAL for a syntax error, -ENOMEM.
 */
USERBPF_API int userbpf_asm(const char *text, struct userbpf_insn **insns, size_t *insn_cnt,
			    char *errbuf, size_t errbuf_sz);

/**
 * @brief Disassemble one instruction (two slots for lddw) into buf.
 * @return the number of slots consumed (1 or 2), or -EINVAL for an
 * instruction the ISA does not define (buf then holds ".insn 0x..." form
 * with the reason).
 */
USERBPF_API int userbpf_disasm_insn(const struct userbpf_insn *insns, size_t remaining, char *buf,
				    size_t buf_sz);

/**
 * @brief Check the structure of a program: every instruction defined by
 * the ISA with its reserved fields zero, registers r0-r10 with r10
 * read-only, jumps and calls inside the program and not into the middle of
 * an lddw, and an exit or jump as the last instruction.
 * @return 0, or -EINVAL with "at insn N: reason" in errbuf.
 */
USERBPF_API int userbpf_insns_check(const struct userbpf_insn *insns, size_t insn_cnt, char *errbuf,
				    size_t errbuf_sz);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_INSN_H */
