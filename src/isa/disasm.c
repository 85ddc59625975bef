/* SPDX-License-Identifier: MIT */
/*
 * disasm.c - the disassembler: one instruction (two slots for lddw) to one
 * line of llvm-objdump syntax, by expanding the TEMPLATE column of the row
 * that isa_decode() picks.
 *
 * Owns: the printed form of each template placeholder (listed in insn.def)
 * and the ".insn" fallback for bytes the ISA does not define.
 * Does not own: which row a byte pattern is (isa.c), the syntax itself
 * (insn.def), labels or absolute jump targets (left to callers).
 *
 * Every line printed here is read back by userbpf_asm() (asm.c) to the same
 * bytes; tests/unit/test_isa.c checks that for every row.
 *
 * Entry point: userbpf_disasm_insn().
 */
#include "util/ubc.h"
#include <stdarg.h>

#include "isa.h"

/*
 * A bounded output buffer.  len counts every character produced, also the
 * ones that did not fit, so truncation never moves the NUL terminator past
 * buf[sz - 1].
 */
struct out {
	char *buf;
	size_t sz;
	size_t len;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	size_t avail = o->len < o->sz ? o->sz - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(avail ? o->buf + o->len : NULL, avail, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/*
 * The 64-bit lddw immediate: decimal while it reads well as a number
 * (-2^31 .. 2^32-1, the range of a 32-bit immediate either way), hex
 * beyond, which is mostly addresses and bit patterns.  The assembler
 * accepts both spellings for the full 64-bit range.
 */
static void put_imm64(struct out *o, const struct userbpf_insn *insns)
{
	uint64_t v = (uint64_t)(uint32_t)insns[0].imm | (uint64_t)(uint32_t)insns[1].imm << 32;
	int64_t s = (int64_t)v;

	if (s >= INT32_MIN && s <= (int64_t)UINT32_MAX)
		out_printf(o, "%" PRId64, s);
	else
		out_printf(o, "0x%" PRIx64, v);
}

/* Expand one placeholder letter (the character after '%'). */
static void put_operand(struct out *o, char ph, int op, const struct userbpf_insn *insns)
{
	const struct userbpf_insn *insn = &insns[0];
	unsigned dst = op == ISA_CALLX ? isa_callx_reg(insn) : insn->dst_reg;

	switch (ph) {
	case 'D':
	case 'd':
		out_printf(o, "%c%u", ph == 'D' ? 'r' : 'w', dst);
		break;
	case 'S':
	case 's':
		out_printf(o, "%c%u", ph == 'S' ? 'r' : 'w', insn->src_reg);
		break;
	case 'i':
		out_printf(o, "%" PRId32, insn->imm);
		break;
	case 'u':
		out_printf(o, "%" PRIu32, (uint32_t)insn->imm);
		break;
	case 'o':
		out_printf(o, "%c %d", insn->off < 0 ? '-' : '+',
			   insn->off < 0 ? -(int)insn->off : insn->off);
		break;
	case 'j':
		out_printf(o, "%+d", insn->off);
		break;
	case 'J':
		out_printf(o, "%+" PRId32, insn->imm);
		break;
	case 'q':
		put_imm64(o, insns);
		break;
	case 'n':
		out_printf(o, "%" PRId32, insns[1].imm);
		break;
	default: /* "%%" */
		out_printf(o, "%c", ph);
		break;
	}
}

static void expand_template(struct out *o, int op, const struct userbpf_insn *insns)
{
	const char *t;

	for (t = isa_table[op].tmpl; *t; t++) {
		if (*t != '%') {
			out_printf(o, "%c", *t);
			continue;
		}
		if (!t[1])
			break;
		put_operand(o, *++t, op, insns);
	}
}

/* The raw fields of an undefined instruction, and why it is undefined. */
static int put_raw(struct out *o, const struct userbpf_insn *insn, const char *why)
{
	out_printf(o, ".insn 0x%02x 0x%02x 0x%04x 0x%08" PRIx32 " ; %s", insn->code,
		   (unsigned)(insn->src_reg << 4 | insn->dst_reg), (unsigned)(uint16_t)insn->off,
		   (uint32_t)insn->imm, why);
	return -EINVAL;
}

/*
 * Why the second slot of an lddw cannot be printed, or NULL when it can.
 * The text only carries what the template shows, so anything else must be
 * zero for the line to assemble back to the same bytes.
 */
static const char *lddw_tail_problem(int op, const struct userbpf_insn *insns, size_t remaining)
{
	const struct userbpf_insn *tail = &insns[1];
	const char *tmpl = isa_table[op].tmpl;
	bool uses_imm = false;

	if (remaining < 2)
		return "lddw needs two slots";
	if (tail->code || tail->dst_reg || tail->src_reg || tail->off)
		return "invalid lddw second slot";
	for (; *tmpl; tmpl++)
		if (tmpl[0] == '%' && (tmpl[1] == 'q' || tmpl[1] == 'n'))
			uses_imm = true;
	if (!uses_imm && tail->imm)
		return "lddw second slot imm must be 0";
	return NULL;
}

/*
 * Disassemble insns[0] (and insns[1] for lddw) into buf, which is always
 * NUL-terminated when buf_sz > 0 and silently truncated when too small.
 * Reads at most `remaining` slots.  Returns the slots consumed (1 or 2), or
 * -EINVAL with ".insn CODE REGS OFF IMM ; reason" in buf.  Registers are
 * printed as found (r11..r15 included): checking them is isa_check_program's
 * job.
 */
int userbpf_disasm_insn(const struct userbpf_insn *insns, size_t remaining, char *buf,
			size_t buf_sz)
{
	struct out o = { .buf = buf, .sz = buf ? buf_sz : 0 };
	const char *why = "unknown opcode";
	int op;

	if (o.sz)
		buf[0] = '\0';
	if (!insns || !remaining)
		return -EINVAL;
	op = isa_decode(&insns[0], &why);
	if (op < 0)
		return put_raw(&o, &insns[0], why);
	if (isa_slots(op) == 2) {
		why = lddw_tail_problem(op, insns, remaining);
		if (why)
			return put_raw(&o, &insns[0], why);
	}
	expand_template(&o, op, insns);
	return (int)isa_slots(op);
}
