/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_table.c - the verifier's table: hand-written cases for
 * every rule (structure, registers, stack, maps, null checks, packets,
 * context, helpers, references, loops, calls) plus generated families
 * (map value offsets x sizes, stack offsets, context fields per program
 * type, bounds learned from masks and branches).  Each case also runs on
 * the kernel (vt_run.c); the agreement is printed.
 */
#include <stdio.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "vtest.h"
#include "../unit/test.h"

/* One case a line: the table is data (clang-format would split each row). */
/* clang-format off */
static const struct vcase cases[] = {
	/* ==== structure ==== */
	{ "ret 0", { RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "r0 not set at exit", { EXIT }, 0, {0}, VT_REJECT, "R0 !read_ok" },
	{ "fall off the end", { MOV(0, 0) }, 0, {0}, VT_REJECT, "last insn is not an exit or jmp" },
	{ "jump out of range", { MOV(0, 0), JA(5), EXIT }, 0, {0}, VT_REJECT, "jump out of range" },
	{ "jump backwards out of range", { MOV(0, 0), JA(-3), EXIT }, 0, {0}, VT_REJECT, "jump out of range" },
	{ "jump into lddw", { MOV(0, 0), JA(1), LD64(1, 1), EXIT }, 0, {0}, VT_REJECT, "jump into the middle of ldimm64" },
	{ "unreachable insn", { MOV(0, 0), EXIT, MOV(0, 1), EXIT }, 0, {0}, VT_REJECT, "unreachable insn 2" },
	{ "unknown opcode", { I(0xff, 0, 0, 0, 0), RET0 }, 0, {0}, VT_REJECT, "unknown opcode ff" },
	{ "bad register", { MOV(11, 0), RET0 }, 0, {0}, VT_REJECT, "R11 is invalid" },
	{ "write to r10", { MOV(10, 0), RET0 }, 0, {0}, VT_REJECT, "frame pointer is read only" },
	{ "jump to self, exit unreachable", { MOV(0, 0), JA(-1), EXIT }, 0, {0}, VT_REJECT, "unreachable insn 2" },
	{ "infinite loop", { MOV(0, 0), JI(JEQ, 0, 0, -1), EXIT }, 0, {0}, VT_REJECT, "infinite loop detected" },
	{ "ctx == 0 explores both sides (kernel selftest cfg 'conditional loop')", { MOVR(0, 1), MOVR(2, 0), MOVR(3, 0), JI(JEQ, 1, 0, -3), EXIT }, 0, {0}, VT_REJECT, "infinite loop detected" },
	{ "loop changing only an unused value (fuzzer timeout)", { MOV(0, 0), ALU32I(SUB, 0, 5), JA(-2) }, 0, {0}, VT_REJECT, "infinite loop detected" },
	{ "bounded loop", { MOV(0, 0), ADDI(0, 1), JI(JLT, 0, 10, -2), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "loop with unknown bound never ends", { MOV(1, 0), MOV(0, 0), ADDI(0, 0), JI(JEQ, 1, 0, -2), EXIT }, 0, {0}, VT_REJECT, "infinite loop" },
	{ "lddw 64-bit constant", { LD64(0, 0x1122334455667788ll), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "truncated lddw", { I(0x18, 0, 0, 0, 1) }, 0, {0}, VT_REJECT, NULL },
	{ "read uninit r2", { MOVR(0, 2), EXIT }, 0, {0}, VT_REJECT, "R2 !read_ok" },
	{ "div by zero imm", { MOV(0, 1), ALUI(DIV, 0, 0), EXIT }, 0, {0}, VT_REJECT, "div by zero" },
	{ "div by zero reg ok", { MOV(0, 1), MOV(1, 0), ALUR(DIV, 0, 1), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "shift too big", { MOV(0, 1), ALUI(LSH, 0, 64), EXIT }, 0, {0}, VT_REJECT, "invalid shift" },
	{ "32-bit shift too big", { MOV(0, 1), ALU32I(LSH, 0, 32), EXIT }, 0, {0}, VT_REJECT, "invalid shift" },
	/* ==== pointers ==== */
	{ "ctx pointer returned", { MOVR(0, 1), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "pointer + pointer", { MOVR(0, 10), ALUR(ADD, 0, 10), RET0 }, 0, {0}, VT_REJECT, "pointer += pointer" },
	{ "pointer - pointer is scalar", { MOVR(0, 10), ALUR(SUB, 0, 10), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "pointer * 2", { MOVR(2, 10), ALUI(MUL, 2, 2), RET0 }, 0, {0}, VT_REJECT, "pointer arithmetic with *= operator" },
	{ "pointer & 1", { MOVR(2, 10), ALUI(AND, 2, 1), RET0 }, 0, {0}, VT_REJECT, "bitwise operator &= on pointer" },
	{ "32-bit pointer add", { MOVR(2, 10), ALU32I(ADD, 2, 1), RET0 }, 0, {0}, VT_REJECT, "32-bit pointer arithmetic" },
	{ "deref scalar", { MOV(1, 0), LDX(DW, 0, 1, 0), EXIT }, 0, {0}, VT_REJECT, "R1 invalid mem access 'scalar'" },
	{ "deref uninit", { LDX(DW, 0, 3, 0), EXIT }, 0, {0}, VT_REJECT, "R3 !read_ok" },
	/* ==== stack ==== */
	{ "stack spill and fill pointer", { STX(DW, 10, 1, -8), LDX(DW, 2, 10, -8), LDX(W, 0, 2, 0), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "partial fill of spilled pointer", { STX(DW, 10, 1, -8), LDX(W, 0, 10, -8), EXIT }, 0, {0}, VT_REJECT, "invalid size of register fill" },
	{ "stack out of bounds below", { ST(DW, 10, -520, 0), RET0 }, 0, {0}, VT_REJECT, "invalid write to stack" },
	{ "stack out of bounds above", { ST(DW, 10, 0, 0), RET0 }, 0, {0}, VT_REJECT, "invalid write to stack" },
	{ "stack misaligned", { ST(W, 10, -6, 0), RET0 }, 0, {0}, VT_REJECT, "misaligned stack access" },
	{ "stack write via copy of fp", { MOVR(2, 10), ADDI(2, -16), ST(DW, 2, 0, 1), LDX(DW, 0, 10, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "stack const spill keeps value", { MOV(1, 8), STX(DW, 10, 1, -8), LDX(DW, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), ST(DW, 2, -16, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "stack var offset out of bounds", { MOVR(6, 1), CALL(7), ALUI(AND, 0, 1023), MOVR(2, 10), ALUR(ADD, 2, 0), ST(B, 2, -1, 0), RET0 }, 0, {0}, VT_REJECT, "invalid variable-offset" },
	{ "stack var offset in bounds", { CALL(7), ALUI(AND, 0, 63), MOVR(2, 10), ALUR(ADD, 2, 0), ST(B, 2, -64, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "var-offset stack write destroys a spilled pointer", { MOVR(6, 1), STX(DW, 10, 6, -64), CALL(7), ALUI(AND, 0, 7), MOVR(2, 10), ALUR(ADD, 2, 0), ST(B, 2, -64, 0), LDX(DW, 1, 10, -64), LDX(W, 0, 1, 0), EXIT }, 0, {0}, VT_REJECT, "invalid mem access 'scalar'" },
	{ "var-offset stack write out of bounds", { CALL(7), ALUI(AND, 0, 63), MOVR(2, 10), ALUR(ADD, 2, 0), ST(B, 2, -1, 0), RET0 }, 0, {0}, VT_REJECT, "invalid variable-offset write to stack" },
	{ "fp minus a register (kernel selftest 'invalid fp arithmetic')", { CALL(7), ALUI(AND, 0, 63), MOVR(2, 10), ALUR(SUB, 2, 0), ST(B, 2, -1, 0), RET0 }, 0, {0}, VT_REJECT, "subtraction from stack pointer prohibited" },
	{ "fp minus a constant", { MOV(0, 0), MOVR(1, 10), ALUI(SUB, 1, 8), STX(DW, 1, 0, 0), EXIT }, 0, {0}, VT_REJECT, "R1 subtraction from stack pointer prohibited" },
	/* ==== map values ==== */
	{ "lookup without null check", { ST(DW, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "R0 invalid mem access 'map_value_or_null'" },
	{ "array lookup with constant zero key needs no null check", { MOV32(1, 0), STX(W, 10, 1, -4), MOVR(2, 10), ADDI(2, -4), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "hash lookup with constant key still needs it", { MOV32(1, 0), STX(W, 10, 1, -4), ST(W, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_HASH}, VT_REJECT, "map_value_or_null" },
	{ "array lookup with a spilled 4-byte key past max_entries needs the null check", { MOV32(1, 1), STX(W, 10, 1, -8), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "map_value_or_null" },
	{ "array lookup with a spilled 4-byte computed zero key needs no null check", { MOV32(1, 1), ALU32I(SUB, 1, 1), STX(W, 10, 1, -8), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "array lookup with zero key bytes in the upper half of a slot needs no null check", { MOV32(1, 0), STX(DW, 10, 1, -8), MOV32(1, 1), ALU32I(SUB, 1, 1), ALU32I(ADD, 1, 0), STX(W, 10, 1, -4), ST(W, 10, -8, 7), MOVR(2, 10), ADDI(2, -4), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "array lookup with a spilled 4-byte key 1 of 2 entries needs no null check", { MOV32(1, 1), STX(W, 10, 1, -8), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY8X2}, VT_ACCEPT, NULL },
	{ "array key spilled precise: key 2 after a branch does not prune against key 1", { MOV(3, 0), MOV(3, 0), MOV(3, 0), MOV(3, 0), MOV(3, 0), MOV(3, 0), CALL(7), MOV32(1, 2), JI(JGT, 0, 5, 1), MOV32(1, 1), STX(W, 10, 1, -8), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY8X2}, VT_REJECT, "map_value_or_null" },
	{ "array lookup with 8-byte spilled key", { ST(DW, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "map_value_or_null" },
	{ "func reference out of range (fuzzer crash)", { I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, -100), I(0, 0, 0, 0, 0), RET0 }, 0, {0}, VT_REJECT, "jump out of range" },
	{ "lookup with null check", { LOOKUP0, LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "null check on a copy", { ST(DW, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), MOVR(6, 0), JI(JEQ, 6, 0, 2), LDX(DW, 0, 0, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "arith on map_value_or_null", { ST(DW, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), ADDI(0, 8), RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "pointer arithmetic on map_value_or_null prohibited" },
	{ "map value past end", { LOOKUP0, LDX(DW, 0, 0, 48), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value, value_size=48 off=48 size=8" },
	{ "map value negative", { LOOKUP0, LDX(DW, 0, 0, -8), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "map value unbounded index", { LOOKUP0, MOVR(6, 0), CALL(7), ALUR(ADD, 6, 0), LDX(B, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "unbounded" },
	{ "map value bounded by jgt", { LOOKUP0, MOVR(6, 0), CALL(7), JI(JGT, 0, 40, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "map value bounded by jgt off by one", { LOOKUP0, MOVR(6, 0), CALL(7), JI(JGT, 0, 41, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "map value signed bound needs min", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(LSH, 0, 32), ALUI(ARSH, 0, 32), JI(JSGT, 0, 40, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_REJECT, NULL },
	{ "map value signed bound both sides", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(LSH, 0, 32), ALUI(ARSH, 0, 32), JI(JSGT, 0, 40, 4), JI(JSLT, 0, 0, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "bound learned on a copy (linked scalars)", { LOOKUP0, MOVR(6, 0), CALL(7), MOVR(1, 0), JI(JGT, 1, 40, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "jmp32 bound", { LOOKUP0, MOVR(6, 0), CALL(7), J32I(JGT, 0, 40, 4), MOVR(1, 0), ALUI(AND, 1, 0xff), ALUR(ADD, 6, 1), LDX(B, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "read-only map write", { LOOKUP0, ST(DW, 0, 0, 1), RET0 }, 0, {VT_ARRAY_RO}, VT_REJECT, "write into map forbidden" },
	{ "read-only map read", { LOOKUP0, LDX(DW, 0, 0, 8), EXIT }, 0, {VT_ARRAY_RO}, VT_ACCEPT, NULL },
	{ "map pointer arithmetic", { LDMAP(1, 0), ADDI(1, 8), RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "pointer arithmetic on map_ptr prohibited" },
	{ "w3 = w2 links r3 to r2 when r2's upper half is zero", { CALL(5), STX(DW, 10, 0, -8), LDX(W, 2, 10, -8), USERBPF_MOV32_REG(3, 2), J32I(JLT, 2, 9, 1), EXIT, JI(JLT, 3, 9, 1), ALUR(SUB, 0, 1), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "w3 = w2 does not link when r2's upper half may be set", { CALL(5), MOVR(2, 0), USERBPF_MOV32_REG(3, 2), J32I(JLT, 2, 9, 1), EXIT, JI(JLT, 3, 9, 1), ALUR(SUB, 0, 1), EXIT }, 0, {0}, VT_REJECT, "R1 !read_ok" },
	{ "movsx of a value in the negative half is negative", { CALL(7), MOVR(3, 0), ALUI(AND, 3, 0xf), ALUI(OR, 3, 0x80), I(0xbc, 7, 3, 8, 0), J32I(JSGE, 7, -5, 2), MOV32(0, 0), EXIT, ALUR(SUB, 0, 1), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "movsx of a value across both halves is unknown", { CALL(7), MOVR(3, 0), ALUI(AND, 3, 0xff), I(0xbc, 7, 3, 8, 0), J32I(JSGE, 7, -5, 2), MOV32(0, 0), EXIT, ALUR(SUB, 0, 1), EXIT }, 0, {0}, VT_REJECT, "R1 !read_ok" },
	{ "a subprogram may exit with r0 unset", { CALLL(2), MOV(0, 0), EXIT, EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "the caller reads r0 a subprogram left unset", { CALLL(1), EXIT, EXIT }, 0, {0}, VT_REJECT, "R0 !read_ok" },
	{ "read through a map pointer (root: struct bpf_map)", { LDMAP(1, 0), LDX(DW, 0, 1, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "write through a map pointer", { LDMAP(1, 0), ST(DW, 1, 0, 0), RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "only read from bpf_map is supported" },
	{ "read before a map pointer", { LDMAP(1, 0), LDX(DW, 0, 1, -8), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "invalid negative access" },
	{ "update with stack key and value", { ST(DW, 10, -8, 0), ST(DW, 10, -16, 7), MOVR(2, 10), ADDI(2, -8), MOVR(3, 10), ADDI(3, -16), MOV(4, 0), LDMAP(1, 0), CALL(2), EXIT }, 0, {VT_HASH}, VT_ACCEPT, NULL },
	{ "update key too small on stack", { ST(W, 10, -4, 0), MOVR(2, 10), ADDI(2, -4), MOVR(3, 10), ADDI(3, -16), MOV(4, 0), LDMAP(1, 0), CALL(2), EXIT }, 0, {VT_HASH}, VT_REJECT, "invalid indirect access to stack" },
	{ "lookup key is a scalar", { MOV(2, 0), LDMAP(1, 0), CALL(1), RET0 }, 0, {VT_HASH}, VT_REJECT, "R2 type=scalar expected=" },
	{ "lookup map arg not a map", { MOVR(2, 10), ADDI(2, -8), MOV(1, 0), CALL(1), RET0 }, 0, {0}, VT_REJECT, "R1 type=scalar expected=map_ptr" },
	{ "lookup in ringbuf refused", { ST(DW, 10, -8, 0), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(1), RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "cannot pass map_type 27 into func bpf_map_lookup_elem#1" },
	{ "tail call needs prog array", { LDMAP(2, 0), MOV(3, 0), CALL(12), RET0 }, 0, {VT_HASH}, VT_REJECT, "cannot pass map_type 1" },
	{ "tail call", { LDMAP(2, 0), MOV(3, 0), CALL(12), RET0 }, 0, {VT_PROG_ARRAY}, VT_ACCEPT, NULL },
	{ "queue push/pop", { ST(DW, 10, -8, 3), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), MOV(3, 0), CALL(87), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), CALL(88), RET0 }, 0, {VT_QUEUE}, VT_ACCEPT, NULL },
	{ "two maps", { LOOKUP0, MOVR(6, 0), ST(DW, 10, -16, 0), MOVR(2, 10), ADDI(2, -16), LDMAP(1, 1), CALL(1), JI(JEQ, 0, 0, 2), LDX(DW, 0, 0, 0), EXIT, LDX(DW, 0, 6, 40), EXIT }, 0, {VT_ARRAY48, VT_HASH}, VT_ACCEPT, NULL },
	/* ==== helpers ==== */
	{ "unknown helper", { CALL(9999), RET0 }, 0, {0}, VT_REJECT, "invalid func unknown#9999" },
	{ "kfunc call", { I(0x85, 0, 2, 0, 1234), RET0 }, 0, {0}, VT_REJECT, "calling kernel function btf_id 1234 is not supported", true },
	{ "callx", { MOV(2, 0), I(0x8d, 2, 0, 0, 0), RET0 }, 0, {0}, VT_REJECT, "indirect calls (callx r2) are not supported" },
	{ "probe_read to stack", { MOVR(1, 10), ADDI(1, -16), MOV(2, 16), MOV(3, 0), CALL(4), RET0 }, KP, {0}, VT_ACCEPT, NULL },
	{ "probe_read too big for stack", { MOVR(1, 10), ADDI(1, -16), MOV(2, 24), MOV(3, 0), CALL(4), RET0 }, KP, {0}, VT_REJECT, "invalid indirect access to stack" },
	{ "probe_read unbounded size", { CALL(7), MOVR(2, 0), MOVR(1, 10), ADDI(1, -16), MOV(3, 0), CALL(4), RET0 }, KP, {0}, VT_REJECT, "R2" },
	{ "probe_read bounded size", { CALL(7), MOVR(2, 0), ALUI(AND, 2, 15), MOVR(1, 10), ADDI(1, -16), MOV(3, 0), CALL(4), RET0 }, KP, {0}, VT_ACCEPT, NULL },
	{ "bpf_get_stack returns at most its size", { MOVR(6, 1), MOVR(2, 10), ADDI(2, -64), MOV(3, 64), MOV(4, 256), MOVR(1, 6), CALL(67), JI(JSLT, 0, 0, 4), MOVR(1, 10), ADDI(1, -64), ALUR(ADD, 1, 0), LDX(B, 0, 1, -1), RET0 }, KP, {0}, VT_ACCEPT, NULL },
	{ "bpf_get_stack returns at most its size: too far", { MOVR(6, 1), MOVR(2, 10), ADDI(2, -64), MOV(3, 64), MOV(4, 256), MOVR(1, 6), CALL(67), JI(JSLT, 0, 0, 4), MOVR(1, 10), ADDI(1, -8), ALUR(ADD, 1, 0), LDX(B, 0, 1, -1), RET0 }, KP, {0}, VT_REJECT, NULL },
	{ "bpf_get_stack result unchecked for errors", { MOVR(6, 1), MOVR(2, 10), ADDI(2, -64), MOV(3, 64), MOV(4, 256), MOVR(1, 6), CALL(67), MOVR(1, 10), ADDI(1, -64), ALUR(ADD, 1, 0), LDX(B, 0, 1, 0), RET0 }, KP, {0}, VT_REJECT, NULL },
	{ "<<32 s>>32 keeps a non-negative 32-bit bound (get_stack result)", { MOVR(6, 1), MOVR(2, 10), ADDI(2, -64), MOV(3, 64), MOV(4, 256), MOVR(1, 6), CALL(67), ALUI(LSH, 0, 32), ALUI(ARSH, 0, 32), JI(JSLT, 0, 0, 4), MOVR(1, 10), ADDI(1, -64), ALUR(ADD, 1, 0), LDX(B, 0, 1, -1), RET0 }, KP, {0}, VT_ACCEPT, NULL },
	{ "<<32 s>>32 of an unbounded value", { MOVR(6, 1), MOVR(2, 10), ADDI(2, -64), MOV(3, 64), MOV(4, 256), MOVR(1, 6), CALL(7), ALUI(LSH, 0, 32), ALUI(ARSH, 0, 32), JI(JSLT, 0, 0, 4), MOVR(1, 10), ADDI(1, -64), ALUR(ADD, 1, 0), LDX(B, 0, 1, -1), RET0 }, KP, {0}, VT_REJECT, NULL },
	{ "get_current_comm zero size", { MOVR(1, 10), ADDI(1, -16), MOV(2, 0), CALL(16), RET0 }, KP, {0}, VT_REJECT, "invalid zero-sized read" },
	{ "helper clobbers r1-r5", { MOV(1, 1), CALL(5), MOVR(0, 1), EXIT }, 0, {0}, VT_REJECT, "R1 !read_ok" },
	{ "helper keeps r6-r9", { MOV(6, 1), CALL(5), MOVR(0, 6), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "ctx argument must be ctx", { MOVR(1, 10), LDMAP(2, 0), MOV(3, 0), CALL(12), RET0 }, 0, {VT_PROG_ARRAY}, VT_REJECT, "R1 type=fp expected=ctx" },
	/* ==== ring buffer references ==== */
	{ "ringbuf reserve + submit", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), JI(JEQ, 0, 0, 6), ST(DW, 0, 8, 1), MOVR(1, 0), MOV(2, 0), CALL(132), RET0, RET0 }, 0, {VT_RINGBUF}, VT_ACCEPT, NULL },
	{ "ringbuf record leaked", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "Unreleased reference" },
	{ "ringbuf leaked on one path", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), JI(JEQ, 0, 0, 6), MOVR(6, 0), CALL(7), JI(JEQ, 0, 0, 3), MOVR(1, 6), MOV(2, 0), CALL(133), RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "Unreleased reference" },
	{ "ringbuf record past end", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), JI(JEQ, 0, 0, 6), ST(DW, 0, 16, 1), MOVR(1, 0), MOV(2, 0), CALL(132), RET0, RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "invalid access to memory, mem_size=16 off=16 size=8" },
	{ "ringbuf record used without null check", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), ST(DW, 0, 0, 1), MOVR(1, 0), MOV(2, 0), CALL(132), RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "invalid mem access 'ringbuf_mem_or_null'" },
	{ "ringbuf use after submit", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), JI(JEQ, 0, 0, 7), MOVR(6, 0), MOVR(1, 0), MOV(2, 0), CALL(132), ST(DW, 6, 0, 1), RET0, RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "invalid mem access 'scalar'" },
	{ "ringbuf double submit", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), JI(JEQ, 0, 0, 7), MOVR(6, 0), MOVR(1, 0), MOV(2, 0), CALL(132), MOVR(1, 6), MOV(2, 0), CALL(132), RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "expected=ringbuf_mem" },
	{ "ringbuf reserve size not constant", { CALL(7), MOVR(2, 0), LDMAP(1, 0), MOV(3, 0), CALL(131), RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "is not a known constant" },
	{ "ringbuf submit with offset", { LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(131), JI(JEQ, 0, 0, 6), MOVR(1, 0), ADDI(1, 8), MOV(2, 0), CALL(132), RET0, RET0 }, 0, {VT_RINGBUF}, VT_REJECT, "must have zero offset" },
	{ "ringbuf output from stack", { ST(DW, 10, -8, 1), MOVR(2, 10), ADDI(2, -8), LDMAP(1, 0), MOV(3, 8), MOV(4, 0), CALL(130), RET0 }, 0, {VT_RINGBUF}, VT_ACCEPT, NULL },
	/* ==== packets ==== */
	{ "xdp packet read after check", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(4, 2), ADDI(4, 14), JR(JGT, 4, 3, 2), LDX(B, 0, 2, 13), EXIT, RET0 }, XDP, {0}, VT_ACCEPT, NULL },
	{ "xdp packet read past checked range", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(4, 2), ADDI(4, 14), JR(JGT, 4, 3, 2), LDX(B, 0, 2, 14), EXIT, RET0 }, XDP, {0}, VT_REJECT, "invalid access to packet" },
	{ "xdp packet read without check", { LDX(W, 2, 1, 0), LDX(B, 0, 2, 0), EXIT }, XDP, {0}, VT_REJECT, "invalid access to packet" },
	{ "xdp check reversed (end < pkt)", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(4, 2), ADDI(4, 8), JR(JLT, 3, 4, 2), LDX(DW, 0, 2, 0), EXIT, RET0 }, XDP, {0}, VT_ACCEPT, NULL },
	{ "xdp packet write", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), ST(B, 2, 0, 1), RET0 }, XDP, {0}, VT_ACCEPT, NULL },
	{ "pkt_end arithmetic", { LDX(W, 3, 1, 4), ADDI(3, 1), RET0 }, XDP, {0}, VT_REJECT, "pointer arithmetic on pkt_end prohibited" },
	{ "tc packet read after check", { LDX(W, 2, 1, 76), LDX(W, 3, 1, 80), MOVR(4, 2), ADDI(4, 14), JR(JGT, 4, 3, 2), LDX(H, 0, 2, 12), EXIT, RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "socket filter cannot read data", { LDX(W, 2, 1, 76), RET0 }, SF, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "packet pointer dies after adjust_head", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 5), MOVR(6, 2), MOV(2, 0), CALL(44), LDX(B, 0, 6, 0), EXIT, RET0 }, XDP, {0}, VT_REJECT, "invalid mem access 'scalar'" },
	{ "ld_abs in socket filter", { MOVR(6, 1), I(0x30, 0, 0, 0, 12), EXIT }, SF, {0}, VT_ACCEPT, NULL },
	{ "ld_abs in xdp", { MOVR(6, 1), I(0x30, 0, 0, 0, 12), EXIT }, XDP, {0}, VT_REJECT, "not allowed for this program type" },
	/* ==== context ==== */
	{ "ctx var offset", { MOVR(6, 1), CALL(7), ALUI(AND, 0, 4), ALUR(ADD, 6, 0), LDX(W, 0, 6, 0), EXIT }, SF, {0}, VT_REJECT, "variable ctx access" },
	{ "modified ctx", { ADDI(1, 4), LDX(W, 0, 1, 0), EXIT }, SF, {0}, VT_REJECT, "dereference of modified ctx ptr" },
	{ "ctx store imm", { ST(W, 1, 48, 0), RET0 }, SF, {0}, VT_ACCEPT, NULL },
	{ "ctx store reg cb", { MOV(2, 0), STX(W, 1, 2, 48), RET0 }, SF, {0}, VT_ACCEPT, NULL },
	{ "kprobe ctx read", { LDX(DW, 0, 1, 112), EXIT }, KP, {0}, VT_ACCEPT, NULL },
	{ "kprobe ctx past pt_regs", { LDX(DW, 0, 1, 168), EXIT }, KP, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "kprobe ctx write", { MOV(2, 0), STX(DW, 1, 2, 0), RET0 }, KP, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "tracepoint common fields", { LDX(DW, 0, 1, 0), EXIT }, TP, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "tracepoint field", { LDX(DW, 0, 1, 16), EXIT }, TP, {0}, VT_ACCEPT, NULL },
	/* ==== calls ==== */
	{ "bpf-to-bpf call", { MOV(1, 3), CALLL(1), EXIT, MOVR(0, 1), ADDI(0, 1), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "callee reads caller r6", { MOV(6, 3), CALLL(1), EXIT, MOVR(0, 6), EXIT }, 0, {0}, VT_REJECT, "R6 !read_ok" },
	{ "callee returns its stack pointer", { CALLL(2), RET0, EXIT, MOVR(0, 10), ADDI(0, -8), EXIT }, 0, {0}, VT_REJECT, NULL, true },
	{ "caller stack passed to callee", { ST(DW, 10, -8, 4), MOVR(1, 10), ADDI(1, -8), CALLL(1), EXIT, LDX(DW, 0, 1, 0), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "call out of range", { CALLL(5), RET0 }, 0, {0}, VT_REJECT, "jump out of range" },
	{ "recursion too deep", { CALLL(-1), RET0 }, 0, {0}, VT_REJECT, NULL },
	{ "callee falls into caller", { CALLL(1), EXIT, MOV(0, 1) }, 0, {0}, VT_REJECT, "last insn is not an exit or jmp" },
	{ "jump from subprog into main", { CALLL(1), EXIT, MOV(0, 0), JA(-4), EXIT }, 0, {0}, VT_REJECT, "jump out of range" },
	/* ==== bpf_loop ==== */
	{ "bpf_loop callback", { MOV(1, 10), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 6), I(0, 0, 0, 0, 0), MOV(3, 0), MOV(4, 0), CALL(181), RET0, RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "bpf_loop callback returns 2", { MOV(1, 10), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 6), I(0, 0, 0, 0, 0), MOV(3, 0), MOV(4, 0), CALL(181), RET0, MOV(0, 2), EXIT }, 0, {0}, VT_REJECT, "should have been in [0, 1]" },
	{ "bpf_loop counter in ctx", { ST(DW, 10, -8, 0), MOV(1, 100), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 7), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), RET0, LDX(DW, 3, 2, 0), ADDI(3, 1), STX(DW, 2, 3, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	/* widen_imprecise_scalars: at a callback's return the callers' spilled
	 * scalars it changed widen unless precise; unchanged ones keep their value */
	{ "bpf_loop: a slot the callback leaves alone keeps its constant (selftest parent_stack_slot_precise_with_callback)", { MOV(6, 3), STX(DW, 10, 6, -8), MOVR(1, 6), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 10), I(0, 0, 0, 0, 0), MOV(3, 0), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), ALUI(MUL, 6, 4), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "bpf_loop: a slot the callback leaves alone keeps its constant: too far", { MOV(6, 5), STX(DW, 10, 6, -8), MOVR(1, 6), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 10), I(0, 0, 0, 0, 0), MOV(3, 0), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), ALUI(MUL, 6, 4), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, RET0 }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "bpf_loop: the callback stores the constant its slot holds: it survives", { ST(DW, 10, -8, 3), MOV(1, 5), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 11), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), ALUI(MUL, 6, 4), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, ST(DW, 2, 0, 3), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "bpf_loop: the callback stores another constant: both values reach the use", { ST(DW, 10, -8, 0), MOV(1, 5), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 10), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, ST(DW, 2, 0, 8), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "bpf_loop: the callback stores another constant: one is too far", { ST(DW, 10, -8, 0), MOV(1, 5), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 10), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, ST(DW, 2, 0, 16), RET0 }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "bpf_loop: a counter the callback increments is unknown after the loop", { ST(DW, 10, -8, 0), MOV(1, 100), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 10), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, LDX(DW, 3, 2, 0), ADDI(3, 1), STX(DW, 2, 3, 0), RET0 }, 0, {0}, VT_REJECT, NULL },
	{ "bpf_loop: a counter the callback increments, masked after the loop", { ST(DW, 10, -8, 0), MOV(1, 100), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 11), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -8), ALUI(AND, 6, 8), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, LDX(DW, 3, 2, 0), ADDI(3, 1), STX(DW, 2, 3, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "bpf_loop: a counter the callback increments, a slot it leaves keeps its constant", { ST(DW, 10, -8, 0), ST(DW, 10, -16, 4), MOV(1, 100), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 10), I(0, 0, 0, 0, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 0), CALL(181), LDX(DW, 6, 10, -16), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -16), EXIT, LDX(DW, 3, 2, 0), ADDI(3, 1), STX(DW, 2, 3, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	/* ==== atomics ==== */
	{ "atomic add on stack", { ST(DW, 10, -8, 0), MOV(1, 1), I(0xdb, 10, 1, -8, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "atomic fetch add on map value", { LOOKUP0, MOV(1, 1), I(0xdb, 0, 1, 0, 1), MOVR(0, 1), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "atomic on ctx", { MOV(2, 1), I(0xc3, 1, 2, 0, 0), RET0 }, SF, {0}, VT_REJECT, "BPF_ATOMIC stores into R1 ctx" },
	{ "atomic misaligned", { LOOKUP0, MOV(1, 1), I(0xdb, 0, 1, 4, 0), RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "misaligned" },
	{ "cmpxchg needs r0", { ST(DW, 10, -8, 0), MOV(1, 1), I(0xdb, 10, 1, -8, 0xf1), RET0 }, 0, {0}, VT_REJECT, "R0 !read_ok" },
	/* ==== bounds ==== */
	{ "dead branch pruned by constants", { MOV(1, 5), JI(JGT, 1, 10, 2), RET0, LDX(DW, 0, 3, 0), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "live branch checked", { MOV(1, 5), JI(JGT, 1, 2, 2), RET0, LDX(DW, 0, 3, 0), EXIT }, 0, {0}, VT_REJECT, "R3 !read_ok" },
	{ "and mask bound", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(AND, 0, 31), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 8), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "rsh bound", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(RSH, 0, 59), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "rsh bound too weak", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(RSH, 0, 58), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "mod bound", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(MOD, 0, 40), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL, true },
	{ "32-bit and bound", { LOOKUP0, MOVR(6, 0), CALL(7), ALU32I(AND, 0, 15), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "jset clears bits", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(AND, 0, 0xff), JI(JSET, 0, 0xe0, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "reg-reg bound", { LOOKUP0, MOVR(6, 0), CALL(7), MOV(1, 40), JR(JGT, 0, 1, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "bound lost by add", { LOOKUP0, MOVR(6, 0), CALL(7), JI(JGT, 0, 40, 4), ALUI(ADD, 0, 8), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "32-bit add keeps the signed 32-bit bounds (w0 in [-40, 0] += 40)", { LOOKUP0, MOVR(6, 0), CALL(7), J32I(JSGT, 0, 0, 5), J32I(JSLT, 0, -40, 4), ALU32I(ADD, 0, 40), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "32-bit add keeps the signed 32-bit bounds, one past the value", { LOOKUP0, MOVR(6, 0), CALL(7), J32I(JSGT, 0, 0, 5), J32I(JSLT, 0, -40, 4), ALU32I(ADD, 0, 41), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "32-bit sub keeps the signed 32-bit bounds (w0 in [-20, 20] -= -20)", { LOOKUP0, MOVR(6, 0), CALL(7), J32I(JSGT, 0, 20, 5), J32I(JSLT, 0, -20, 4), ALU32I(SUB, 0, -20), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "32-bit add of a range crossing the sign, unsigned view lost", { LOOKUP0, MOVR(6, 0), CALL(7), J32I(JSGT, 0, 0, 5), J32I(JSLT, 0, -40, 4), ALU32I(ADD, 0, 39), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "unbounded" },
	/* ==== re-expressions of kernel selftests (tools/testing/selftests/bpf/progs/verifier_*.c) found accepted here ==== */
	{ "write-only map value read (array_access 'a_write_only_array')", { LOOKUP0, LDX(DW, 0, 0, 0), EXIT }, 0, {VT_ARRAY_WO}, VT_REJECT, "read from map forbidden" },
	{ "write-only map value write", { LOOKUP0, ST(DW, 0, 8, 1), RET0 }, 0, {VT_ARRAY_WO}, VT_ACCEPT, NULL },
	{ "32-bit shift by 32 is unknown (bounds 'shift with oversized count')", { LOOKUP0, MOV(2, 32), MOV(1, 1), USERBPF_ALU32_REG(USERBPF_LSH, 1, 2), ALUI(AND, 1, 0xffff), ALUR(ADD, 0, 1), LDX(B, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "64-bit shift by 64 is unknown", { LOOKUP0, MOV(2, 64), MOV(1, 1), ALUR(LSH, 1, 2), ALUI(AND, 1, 0xffff), ALUR(ADD, 0, 1), LDX(B, 0, 0, 0), EXIT }, 0, {VT_ARRAY48}, VT_REJECT, "invalid access to map value" },
	{ "meta checked against data + 8 learns nothing (meta_access test6)", { LDX(W, 2, 1, 8), LDX(W, 3, 1, 0), MOVR(0, 3), ADDI(0, 8), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 0, 1), LDX(B, 0, 2, 0), RET0 }, XDP, {0}, VT_REJECT, "invalid access to packet" },
	{ "meta checked against data", { LDX(W, 2, 1, 8), LDX(W, 3, 1, 0), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), LDX(B, 0, 2, 0), RET0 }, XDP, {0}, VT_ACCEPT, NULL },
	{ "tail call invalidates packet pointers (sock 'invalidate_pkt_pointers_by_tail_call')", { LDX(W, 6, 1, 76), LDX(W, 7, 1, 80), MOVR(4, 6), ADDI(4, 8), JR(JGT, 4, 7, 6), LDMAP(2, 0), MOV(3, 0), CALL(12), LDX(B, 0, 6, 0), EXIT, RET0 }, TC, {VT_PROG_ARRAY}, VT_REJECT, "R6 invalid mem access 'scalar'" },
	{ "sign-extending load of xdp data (ldsx 'ctx_1')", { I(0x81, 2, 1, 0, 0), RET0 }, XDP, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "sign-extending load of a scalar ctx field", { I(0x81, 2, 1, 12, 0), RET0 }, XDP, {0}, VT_ACCEPT, NULL },
	{ "cgroup skb returns 2 (cgroup_inv_retcode)", { MOV(0, 2), EXIT }, 8, {0}, VT_REJECT, "should have been in [0, 1]" },
	{ "cgroup skb returns 1", { MOV(0, 1), EXIT }, 8, {0}, VT_ACCEPT, NULL },
	{ "cgroup skb returns unknown", { LDX(W, 0, 1, 0), EXIT }, 8, {0}, VT_REJECT, "should have been in [0, 1]" },
	{ "cgroup skb returns ctx", { MOVR(0, 1), EXIT }, 8, {0}, VT_REJECT, "R0 is not a known value (ctx)" },
	{ "cgroup skb returns a masked value", { LDX(W, 0, 1, 0), ALUI(AND, 0, 1), EXIT }, 8, {0}, VT_ACCEPT, NULL },
	{ "cgroup sock returns 3", { MOV(0, 3), EXIT }, 9, {0}, VT_REJECT, "should have been in [0, 1]" },
	{ "socket filter returns anything", { MOV(0, -5), EXIT }, SF, {0}, VT_ACCEPT, NULL },
	{ "return range needs the exact value on every path", { LDX(W, 2, 1, 0), MOV(0, 1), JI(JEQ, 2, 0, 1), MOV(0, 7), EXIT }, 8, {0}, VT_REJECT, "smin=7 smax=7" },
	{ "bounded recursion exceeds 8 frames (loops1 'bounded recursion')", { MOV(1, 0), CALLL(1), EXIT, ADDI(1, 1), MOVR(0, 1), JI(JLT, 1, 4, 1), EXIT, CALLL(-5), EXIT }, TP, {0}, VT_REJECT, "the call stack of 8 frames is too deep" },
	{ "ld_abs in a subprog may leave it with r0 = 0 (ld_ind 'subprog early exit')", { MOVR(6, 1), CALLL(4), JI(JNE, 0, 0, 1), MOVR(0, 9), MOV(0, 0), EXIT, MOVR(6, 1), I(0x30, 0, 0, 0, 12), MOV(0, 1), EXIT }, SF, {0}, VT_REJECT, "R9 !read_ok" },
	{ "ld_abs in a subprog, caller ready for the early exit", { MOV(9, 0), MOVR(6, 1), CALLL(4), JI(JNE, 0, 0, 1), MOVR(0, 9), MOV(0, 0), EXIT, MOVR(6, 1), I(0x30, 0, 0, 0, 12), MOV(0, 1), EXIT }, SF, {0}, VT_ACCEPT, NULL, true },
	{ "end > pkt + 7 makes 8 bytes readable (xdp 'data corner case good access')", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(1, 2), ADDI(1, 7), JR(JGT, 3, 1, 1), JA(1), LDX(DW, 0, 1, -7), MOV(0, 0), EXIT }, XDP, {0}, VT_ACCEPT, NULL },
	{ "end > pkt + 6 does not make 8 bytes readable", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(1, 2), ADDI(1, 6), JR(JGT, 3, 1, 1), JA(1), LDX(DW, 0, 1, -6), MOV(0, 0), EXIT }, XDP, {0}, VT_REJECT, "invalid access to packet" },
	{ "pkt + 7 < end makes 8 bytes readable", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(1, 2), ADDI(1, 7), JR(JLT, 1, 3, 1), JA(1), LDX(DW, 0, 1, -7), MOV(0, 0), EXIT }, XDP, {0}, VT_ACCEPT, NULL },
	{ "pkt + 7 <= end makes 7 bytes readable, not 8", { LDX(W, 2, 1, 0), LDX(W, 3, 1, 4), MOVR(1, 2), ADDI(1, 7), JR(JLE, 1, 3, 1), JA(1), LDX(DW, 0, 1, -7), MOV(0, 0), EXIT }, XDP, {0}, VT_REJECT, "invalid access to packet" },
	{ "bound learned on a filled spill applies to the register (spill_fill 'spill 64bit of 64bit')", { LOOKUP0, MOVR(6, 0), CALL(7), STX(DW, 10, 0, -16), LDX(DW, 1, 10, -16), JI(JGT, 1, 40, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	{ "spill link broken by a new value", { LOOKUP0, MOVR(6, 0), CALL(7), STX(DW, 10, 0, -16), CALL(7), LDX(DW, 1, 10, -16), JI(JGT, 1, 40, 3), ALUR(ADD, 6, 0), LDX(DW, 0, 6, 0), EXIT, RET0 }, 0, {VT_ARRAY48}, VT_REJECT, "unbounded" },
	{ "s8 value above 2^64-256 unsigned is non-negative (bounds 'deduct positive overlap')", { CALL(7), I(0xbf, 0, 0, 8, 0), LD64(1, (long long)0xffffffffffffff00ull), JR(JGT, 0, 1, 2), JI(JLT, 0, 128, 1), LDX(DW, 0, 9, 0), RET0 }, 0, {0}, VT_ACCEPT, NULL },
	{ "s8 value, the negative side stays possible", { CALL(7), I(0xbf, 0, 0, 8, 0), LD64(1, (long long)0xffffffffffffff00ull), JR(JGT, 0, 1, 1), LDX(DW, 0, 9, 0), RET0 }, 0, {0}, VT_REJECT, "R9 !read_ok" },
	{ "sock_ops narrow read of the sk pointer (ctx 'invalid narrow load')", { LDX(W, 2, 1, 188), RET0 }, 13, {0}, VT_REJECT, "invalid bpf_context access off=188 size=4" },
	{ "sock_ops 8-byte read of bytes_received", { LDX(DW, 2, 1, 168), RET0 }, 13, {0}, VT_ACCEPT, NULL },
	{ "sock_ops 4-byte read of bytes_received", { LDX(W, 2, 1, 168), RET0 }, 13, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "sock_ops narrow read of skb_tcp_flags", { LDX(B, 2, 1, 212), RET0 }, 13, {0}, VT_ACCEPT, NULL },
	{ "sock_ops narrow read inside skb_tcp_flags", { LDX(B, 2, 1, 213), RET0 }, 13, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "sock_ops write of reply", { ST(W, 1, 4, 1), RET0 }, 13, {0}, VT_ACCEPT, NULL },
	{ "sock_ops write of replylong[1]", { ST(W, 1, 8, 1), RET0 }, 13, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "spilled scalar keeps bound", { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(AND, 0, 7), STX(DW, 10, 0, -16), LDX(DW, 1, 10, -16), ALUR(ADD, 6, 1), LDX(DW, 0, 6, 0), EXIT }, 0, {VT_ARRAY48}, VT_ACCEPT, NULL },
	/* ==== precision (backtracking): the fall-through path saves a state at
	 * the join (9 insns, 2 jumps after the branch); the jump's path is
	 * pruned there only where the values that mattered below agree ==== */
	{ "offset chosen before a join is precise at the join", { CALL(7), MOV(7, 100), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(2, 10), ALUR(ADD, 2, 7), LDX(B, 0, 2, -8), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "offset chosen before a join, both in bounds", { CALL(7), MOV(7, 8), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(2, 10), ALUR(ADD, 2, 7), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "offset spilled before a join: the slot is precise", { CALL(7), MOV(7, 100), STX(DW, 10, 7, -16), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), STX(DW, 10, 7, -16), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), LDX(DW, 3, 10, -16), MOVR(2, 10), ALUR(ADD, 2, 3), LDX(B, 0, 2, -24), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "offset through a copy and an add after a join", { CALL(7), MOV(7, 96), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(3, 7), ADDI(3, 4), MOVR(2, 10), ALUR(ADD, 2, 3), LDX(B, 0, 2, -8), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "a branch decided by the value is precise", { CALL(7), MOV(7, 100), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), JI(JEQ, 7, 0, 2), LDX(DW, 0, 7, 0), EXIT, RET0 }, 0, {0}, VT_REJECT, "invalid mem access 'scalar'" },
	{ "a value no check uses differs at the join: pruned, accepted", { CALL(7), MOV(7, 100), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(0, 7), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "a checked return value is precise", { CALL(7), MOV(7, 2), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(0, 7), EXIT }, 8, {0}, VT_REJECT, "R0 has" },
	{ "a helper size argument is precise", { CALL(7), MOV(7, 64), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 8), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 10), ADDI(1, -8), MOVR(2, 7), MOV(3, 0), CALL(4), RET0 }, KP, {0}, VT_REJECT, "invalid indirect access to stack" },
	{ "a zero stored through a register is precise", { CALL(7), MOV(7, 1), ST(DW, 10, -8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), STX(W, 10, 7, -8), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), LDX(DW, 3, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 3), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_REJECT, NULL },
	{ "a bound learned by a linked copy is precise", { CALL(7), MOVR(6, 0), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOVR(7, 6), JI(JGT, 7, 7, 1), MOV(6, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(2, 10), ALUR(ADD, 2, 6), LDX(B, 0, 2, -8), EXIT }, 0, {0}, VT_REJECT, NULL },

	/* ==== precision across frames: the same joins, the value used in a
	 * subprogram, returned by one, read through a pointer to the caller's
	 * stack, returned by a callback ==== */
	{ "offset passed to a subprogram is precise at the caller's join", { CALL(7), MOV(7, 100), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 7), CALLL(2), MOV(0, 0), EXIT, MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -8), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "offset passed to a subprogram, both in bounds", { CALL(7), MOV(7, 8), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 7), CALLL(2), MOV(0, 0), EXIT, MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "a subprogram's return value used as an offset is precise at the join", { CALL(7), MOV(7, 100), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 7), CALLL(4), MOVR(2, 10), ALUR(ADD, 2, 0), LDX(B, 0, 2, -8), EXIT, MOVR(0, 1), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "a subprogram's return value used as an offset, both in bounds", { CALL(7), MOV(7, 8), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 7), CALLL(4), MOVR(2, 10), ALUR(ADD, 2, 0), LDX(B, 0, 2, -16), EXIT, MOVR(0, 1), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "a caller's slot read by a subprogram through a pointer is precise", { CALL(7), MOV(7, 100), STX(DW, 10, 7, -16), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), STX(DW, 10, 7, -16), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 10), ADDI(1, -16), CALLL(2), MOV(0, 0), EXIT, LDX(DW, 3, 1, 0), MOVR(2, 10), ALUR(ADD, 2, 3), LDX(B, 0, 2, -8), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },
	{ "a caller's slot read by a subprogram through a pointer, both in bounds", { CALL(7), MOV(7, 8), STX(DW, 10, 7, -16), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), STX(DW, 10, 7, -16), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), MOVR(1, 10), ADDI(1, -16), CALLL(2), MOV(0, 0), EXIT, LDX(DW, 3, 1, 0), MOVR(2, 10), ALUR(ADD, 2, 3), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "a callback's checked return value is precise at its join", { MOV(1, 1), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 6), I(0, 0, 0, 0, 0), MOV(3, 0), MOV(4, 0), CALL(181), RET0, CALL(7), MOV(6, 2), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(6, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), MOVR(0, 6), EXIT }, 0, {0}, VT_REJECT, "should have been in [0, 1]" },
	{ "a callback's return value chosen before its join, both in range", { MOV(1, 1), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 6), I(0, 0, 0, 0, 0), MOV(3, 0), MOV(4, 0), CALL(181), RET0, CALL(7), MOV(6, 1), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(6, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), MOVR(0, 6), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "a caller's register kept across a subprogram is precise", { CALL(7), MOV(7, 100), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JI(JGT, 0, 10, 9), MOV(7, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), MOV(8, 0), JA(0), JA(0), CALLL(4), MOVR(2, 10), ALUR(ADD, 2, 7), LDX(B, 0, 2, -8), EXIT, MOV(0, 0), EXIT }, 0, {0}, VT_REJECT, "invalid read from stack" },

	/* ==== narrow spills: a scalar spilled in 1, 2 or 4 bytes at a slot's start fills back with its bounds ==== */
	{ "narrow spill (u32) keeps bounds", { CALL(7), ALUI(AND, 0, 15), STX(W, 10, 0, -8), LDX(W, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow spill (u32) keeps bounds: too far", { CALL(7), ALUI(AND, 0, 31), STX(W, 10, 0, -8), LDX(W, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_REJECT, "invalid" },
	{ "narrow spill (u16) keeps bounds", { CALL(7), ALUI(AND, 0, 15), STX(H, 10, 0, -8), LDX(H, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow spill (u8) keeps bounds", { CALL(7), ALUI(AND, 0, 7), STX(B, 10, 0, -8), LDX(B, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow spill of a value wider than the spill", { CALL(7), ALUI(AND, 0, 0x1ff), STX(B, 10, 0, -8), LDX(B, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_REJECT, "invalid" },
	{ "narrow fill of an 8-byte spill keeps bounds", { CALL(7), ALUI(AND, 0, 15), STX(DW, 10, 0, -8), LDX(W, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "8-byte fill of a narrow spill is unknown", { CALL(7), ALUI(AND, 0, 15), STX(W, 10, 0, -8), LDX(DW, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_REJECT, "unbounded min value" },
	{ "narrow spill of an immediate", { ST(W, 10, -8, 8), LDX(W, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow spill of an immediate: too far", { ST(W, 10, -8, 17), LDX(W, 1, 10, -8), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_REJECT, "invalid" },
	{ "narrow spill, fill of the other half is unknown", { CALL(7), ALUI(AND, 0, 15), STX(W, 10, 0, -8), ST(W, 10, -4, 1), LDX(W, 1, 10, -4), ALUI(AND, 1, 7), MOVR(2, 10), ALUR(ADD, 2, 1), LDX(B, 0, 2, -16), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow spill links the fill to the register (sync on a branch)", { CALL(7), ALU32I(AND, 0, 0x80000000), STX(W, 10, 0, -8), LDX(W, 1, 10, -8), MOV(2, 0), JR(JNE, 1, 2, 3), JR(JEQ, 0, 2, 2), LDX(DW, 0, 9, 0), EXIT, MOV(0, 0), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow fill truncates an 8-byte spill (zero low half)", { CALL(7), ALUI(LSH, 0, 32), STX(DW, 10, 0, -8), LDX(W, 0, 10, -8), JI(JEQ, 0, 0, 1), LDX(DW, 0, 9, 0), EXIT }, 0, {0}, VT_ACCEPT, NULL },
	{ "narrow fill truncates an 8-byte spill (low half varies)", { CALL(7), ALUI(LSH, 0, 31), STX(DW, 10, 0, -8), LDX(W, 0, 10, -8), JI(JEQ, 0, 0, 1), LDX(DW, 0, 9, 0), EXIT }, 0, {0}, VT_REJECT, "R9 !read_ok" },

};
/* clang-format on */

TEST(verifier_table)
{
	struct vstats st = { 0 };
	char why[256];

	VT_RUN_TABLE(cases, &st);
	/* generated: map value access, offsets x sizes, load and store */
	{
		static const int sizes[] = { 1, 2, 4, 8 };
		static const uint8_t szc[] = { USERBPF_B, USERBPF_H, USERBPF_W, USERBPF_DW };
		int off, k, store;

		for (store = 0; store < 2; store++)
			for (off = -8; off <= 56; off += 4)
				for (k = 0; k < 4; k++) {
					struct vcase c = { "map value access", { LOOKUP0 }, 0,
							   { VT_ARRAY48 },     VT_ACCEPT,   NULL };
					int n = 9;

					if (store)
						c.insns[n++] =
							USERBPF_ST_MEM(szc[k], 0, (int16_t)off, 1);
					else
						c.insns[n++] =
							USERBPF_LDX_MEM(szc[k], 1, 0, (int16_t)off);
					c.insns[n++] = MOV(0, 0);
					c.insns[n++] = EXIT;
					c.expect = off >= 0 && off + sizes[k] <= 48 ? VT_ACCEPT :
										      VT_REJECT;
					c.errstr = c.expect ? NULL : "invalid access to map value";
					why[0] = 0;
					if (!vt_run_case(&c, &st, why, sizeof(why)))
						test_fail(__FILE__, __LINE__,
							  "map value %s off %d size %d: %s",
							  store ? "store" : "load", off, sizes[k],
							  why);
				}
		/* stack: store then load, offsets x sizes */
		for (off = -528; off <= 8; off += 4)
			for (k = 0; k < 4; k++) {
				struct vcase c = { "stack access", { { 0 } }, 0,    { 0 },
						   VT_ACCEPT,	   NULL,      false };

				c.insns[0] = USERBPF_ST_MEM(szc[k], 10, (int16_t)off, 0);
				c.insns[1] = USERBPF_LDX_MEM(szc[k], 0, 10, (int16_t)off);
				c.insns[2] = EXIT;
				c.expect = off >= -512 && off + sizes[k] <= 0 &&
							   off % sizes[k] == 0 ?
						   VT_ACCEPT :
						   VT_REJECT;
				why[0] = 0;
				if (!vt_run_case(&c, &st, why, sizeof(why)))
					test_fail(__FILE__, __LINE__, "stack off %d size %d: %s",
						  off, sizes[k], why);
			}
		/* context reads per program type: the kernel decides (oracle) */
		{
			static const uint32_t types[] = { SF, TC, XDP, KP, TP };
			size_t t;

			for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
				for (off = 0; off < (types[t] == XDP ? 32 : 192); off += 4)
					for (k = 0; k < 4; k++) {
						struct vcase c = { "ctx read", { { 0 } }, types[t],
								   { 0 },      VT_ACCEPT, NULL };
						bool ok;

						c.insns[0] =
							USERBPF_LDX_MEM(szc[k], 0, 1, (int16_t)off);
						c.insns[1] = MOV(0, 0);
						c.insns[2] = EXIT;
						/* expectation: userbpf's own verdict; the kernel
						 * comparison is the check */
						{
							USERBPF_OPTS(userbpf_verifier_opts, o,
								     .prog_type = types[t]);
							ok = !userbpf_verify(c.insns, 3, &o);
						}
						c.expect = ok ? VT_ACCEPT : VT_REJECT;
						why[0] = 0;
						if (!vt_run_case(&c, &st, why, sizeof(why)))
							test_fail(__FILE__, __LINE__,
								  "ctx type %u off %d size %d: %s",
								  types[t], off, sizes[k], why);
					}
		}
		/* bounds from masks: r0 & mask indexes a 48-byte value */
		for (k = 0; k < 64; k++) {
			struct vcase c = { "mask bound",
					   { LOOKUP0, MOVR(6, 0), CALL(7), ALUI(AND, 0, k),
					     ALUR(ADD, 6, 0), LDX(B, 0, 6, 0), EXIT },
					   0,
					   { VT_ARRAY48 },
					   VT_ACCEPT,
					   NULL };

			c.expect = k < 48 ? VT_ACCEPT : VT_REJECT;
			why[0] = 0;
			if (!vt_run_case(&c, &st, why, sizeof(why)))
				test_fail(__FILE__, __LINE__, "mask %d: %s", k, why);
		}
		/* bounds from branches: if r0 > K goto out */
		for (k = 30; k < 60; k++) {
			static const uint8_t ops[] = { USERBPF_JGT, USERBPF_JGE };
			int o;

			for (o = 0; o < 2; o++) {
				struct vcase c = { "branch bound",
						   { LOOKUP0, MOVR(6, 0), CALL(7),
						     USERBPF_JMP_IMM(ops[o], 0, k, 3),
						     ALUR(ADD, 6, 0), LDX(B, 0, 6, 0), EXIT, RET0 },
						   0,
						   { VT_ARRAY48 },
						   VT_ACCEPT,
						   NULL };

				c.expect = (o == 0 ? k : k - 1) < 48 ? VT_ACCEPT : VT_REJECT;
				why[0] = 0;
				if (!vt_run_case(&c, &st, why, sizeof(why)))
					test_fail(__FILE__, __LINE__, "branch bound op %d k %d: %s",
						  o, k, why);
			}
		}
	}
	printf("verifier table: %d cases, %d as expected; kernel ran %d, agreed %d, "
	       "kernel-only rejects %d, userbpf-only rejects %d\n",
	       st.cases, st.passed, st.k_run, st.k_agree, st.k_only_reject, st.k_only_accept);
}

/*
 * Context layouts of sk_msg, lwt_*, sk_reuseport, sk_lookup, sk_skb,
 * cgroup/sock at its four attach types and sock_ops (the
 * kernel's *_is_valid_access): every offset of the struct (and a little
 * past it), every size, read and write.  The expectation is userbpf's
 * verdict; the kernel is the check, in both directions: no case may be
 * accepted by one side only.
 */
TEST(verifier_ctx_layouts)
{
	static const struct {
		uint32_t type, eat;
		int end;
	} types[] = {
		{ 16, 0, 88 },	{ 10, 0, 200 }, { 11, 0, 200 }, { 12, 0, 200 }, { 19, 0, 200 },
		{ 21, 39, 64 }, { 30, 36, 80 }, { 14, 0, 200 }, { 9, 2, 88 },	{ 9, 12, 88 },
		{ 9, 13, 88 },	{ 9, 34, 88 },	{ 13, 0, 232 },
	};
	static const uint8_t szc[] = { USERBPF_B, USERBPF_H, USERBPF_W, USERBPF_DW };
	static const int sizes[] = { 1, 2, 4, 8 };
	struct vstats st;
	char why[256];
	size_t t;
	int off, k, w, accepted = 0;

	memset(&st, 0, sizeof(st));
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (w = 0; w < 2; w++)
			for (off = 0; off < types[t].end; off++)
				for (k = 0; k < 4; k++) {
					struct vcase c = { "ctx layout", { { 0 } }, types[t].type,
							   { 0 },	 VT_ACCEPT, NULL };
					int n = 0;

					c.eat = types[t].eat;
					if (w) {
						c.insns[n++] = MOV(2, 0);
						c.insns[n++] =
							USERBPF_STX_MEM(szc[k], 1, 2, (int16_t)off);
					} else {
						c.insns[n++] =
							USERBPF_LDX_MEM(szc[k], 2, 1, (int16_t)off);
					}
					c.insns[n++] = MOV(0, 0);
					c.insns[n++] = EXIT;
					{
						USERBPF_OPTS(userbpf_verifier_opts, o,
							     .prog_type = c.prog_type,
							     .expected_attach_type = c.eat);

						c.expect = userbpf_verify(c.insns, (size_t)n, &o) ?
								   VT_REJECT :
								   VT_ACCEPT;
						accepted += c.expect == VT_ACCEPT;
					}
					why[0] = 0;
					if (!vt_run_case(&c, &st, why, sizeof(why)))
						test_fail(__FILE__, __LINE__,
							  "type %u %s off %d size %d: %s",
							  types[t].type, w ? "write" : "read", off,
							  sizes[k], why);
				}
	printf("verifier ctx layouts: %d cases, %d accepted; kernel ran %d, agreed %d, kernel-only rejects %d, userbpf-only rejects %d\n",
	       st.cases, accepted, st.k_run, st.k_agree, st.k_only_reject, st.k_only_accept);
	ASSERT_EQ(st.k_only_accept, 0);
}
