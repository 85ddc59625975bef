/* SPDX-License-Identifier: MIT */
/*
 * isa.c - the instruction table materialised from insn.def, the decoder
 * from raw instruction to table row, and the structural program check.
 *
 * Owns: what is a well-formed instruction and a well-formed program
 * (opcodes, reserved fields, registers, jump ranges, lddw pairs).
 * Does not own: safety of memory accesses or types of values (verifier).
 *
 * Entry points: isa_decode(), isa_check_program(), userbpf_insns_check().
 */
#include "util/ubc.h"
#include <stdarg.h>

#include "isa.h"
#include "util/alloc.h"

const struct isa_info isa_table[ISA_OP_COUNT] = {
#define INSN(ID, OPC, MATCH, MVAL, FIELDS, FLAGS, CPU, TMPL, SEM)                                  \
	[ISA_##ID] = { .name = #ID,                                                                \
		       .tmpl = TMPL,                                                               \
		       .semantics = SEM,                                                           \
		       .mval = MVAL,                                                               \
		       .flags = FLAGS,                                                             \
		       .opcode = OPC,                                                              \
		       .match = MATCH,                                                             \
		       .fields = FIELDS,                                                           \
		       .cpu = CPU },
#include "insn.def"
#undef INSN
};

/*
 * Rows sharing an opcode are contiguous in insn.def (a unit test checks
 * it), so the last row of each opcode plus a backwards scan finds them
 * all.  Later designated initialisers override earlier ones on purpose.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const uint8_t isa_last_by_opcode[256] = {
#define INSN(ID, OPC, ...) [OPC] = ISA_##ID + 1,
#include "insn.def"
#undef INSN
};
#pragma GCC diagnostic pop

void isa_errf(char *errbuf, size_t errbuf_sz, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errbuf_sz)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errbuf_sz, fmt, ap);
	va_end(ap);
}

static bool row_matches(const struct isa_info *row, const struct userbpf_insn *insn)
{
	switch (row->match) {
	case M_OFF:
		return insn->off == row->mval;
	case M_IMM:
		return insn->imm == row->mval;
	case M_SRC:
		return insn->src_reg == row->mval;
	default:
		return true;
	}
}

int isa_decode(const struct userbpf_insn *insn, const char **why)
{
	int last = isa_last_by_opcode[insn->code] - 1;
	int op;

	if (last < 0) {
		*why = "unknown opcode";
		return -1;
	}
	for (op = last; op >= 0 && isa_table[op].opcode == insn->code; op--) {
		const struct isa_info *row = &isa_table[op];
		unsigned used = row->fields;

		if (!row_matches(row, insn))
			continue;
		if (row->match == M_OFF)
			used |= U_OFF;
		if (row->match == M_IMM)
			used |= U_IMM;
		if (row->match == M_SRC)
			used |= U_SRC;
		if (op == ISA_CALLX && insn->dst_reg == 0)
			used |= U_IMM; /* LLVM puts the register in imm */
		if (!(used & U_DST) && insn->dst_reg) {
			*why = "reserved field dst_reg is not 0";
			return -1;
		}
		if (!(used & U_SRC) && insn->src_reg) {
			*why = "reserved field src_reg is not 0";
			return -1;
		}
		if (!(used & U_OFF) && insn->off) {
			*why = "reserved field off is not 0";
			return -1;
		}
		if (!(used & U_IMM) && insn->imm) {
			*why = "reserved field imm is not 0";
			return -1;
		}
		return op;
	}
	switch (isa_table[last].match) {
	case M_OFF:
		*why = "invalid off for this opcode";
		break;
	case M_IMM:
		*why = "invalid imm for this opcode";
		break;
	case M_SRC:
		*why = "invalid src_reg for this opcode";
		break;
	default:
		*why = "unknown opcode";
	}
	return -1;
}

/* Second slot of an lddw: only imm may be non-zero. */
static bool lddw_tail_ok(const struct userbpf_insn *insn)
{
	return !insn->code && !insn->dst_reg && !insn->src_reg && !insn->off;
}

/* Whether an lddw row gives meaning to the second slot's imm. */
static bool lddw_uses_next_imm(const struct isa_info *row)
{
	return strstr(row->tmpl, "%q") || strstr(row->tmpl, "%n");
}

static int check_program(const struct userbpf_insn *insns, size_t cnt, uint8_t *ops, char *errbuf,
			 size_t errbuf_sz)
{
	size_t pc;

	if (cnt == 0) {
		isa_errf(errbuf, errbuf_sz, "program has no instructions");
		return -E2BIG;
	}
	if (cnt > USERBPF_MAX_INSNS) {
		isa_errf(errbuf, errbuf_sz, "program has %zu instructions, limit is %u", cnt,
			 USERBPF_MAX_INSNS);
		return -E2BIG;
	}
	/* Pass 1: every slot decodes; registers; lddw pairs. */
	for (pc = 0; pc < cnt; pc++) {
		const struct userbpf_insn *insn = &insns[pc];
		const struct isa_info *row;
		const char *why = "";
		int op = isa_decode(insn, &why);
		unsigned bad_reg;

		if (op < 0) {
			isa_errf(errbuf, errbuf_sz, "at insn %zu: %s (opcode 0x%02x)", pc, why,
				 insn->code);
			return -EINVAL;
		}
		row = &isa_table[op];
		ops[pc] = (uint8_t)op;
		bad_reg = insn->dst_reg > 10				? insn->dst_reg :
			  insn->src_reg > 10				? insn->src_reg :
			  (op == ISA_CALLX && isa_callx_reg(insn) > 10) ? isa_callx_reg(insn) :
									  0;
		if (bad_reg) {
			isa_errf(errbuf, errbuf_sz, "at insn %zu: invalid register r%u", pc,
				 bad_reg);
			return -EINVAL;
		}
		if (((row->flags & F_WDST) && insn->dst_reg == 10) ||
		    ((row->flags & F_WSRC) && insn->src_reg == 10)) {
			isa_errf(errbuf, errbuf_sz, "at insn %zu: frame pointer r10 is read only",
				 pc);
			return -EINVAL;
		}
		if (row->flags & F_LDDW) {
			if (pc + 1 >= cnt || !lddw_tail_ok(&insns[pc + 1])) {
				isa_errf(errbuf, errbuf_sz,
					 "at insn %zu: invalid lddw: second "
					 "slot missing or not zero",
					 pc);
				return -EINVAL;
			}
			if (!lddw_uses_next_imm(row) && insns[pc + 1].imm) {
				isa_errf(errbuf, errbuf_sz,
					 "at insn %zu: lddw second slot imm "
					 "must be 0 for src_reg %u",
					 pc, insn->src_reg);
				return -EINVAL;
			}
			ops[++pc] = ISA_INVALID;
		}
	}
	/* Pass 2: branch and call targets land on instruction starts. */
	for (pc = 0; pc < cnt; pc++) {
		const struct isa_info *row;
		int64_t target;

		if (ops[pc] == ISA_INVALID)
			continue;
		row = &isa_table[ops[pc]];
		if (row->flags & F_JMP)
			target = (int64_t)pc + 1 + insns[pc].off;
		else if ((row->flags & F_JMPL) || ops[pc] == ISA_LDDW_FUNC)
			target = (int64_t)pc + 1 + insns[pc].imm;
		else
			continue;
		if (target < 0 || target >= (int64_t)cnt) {
			isa_errf(errbuf, errbuf_sz,
				 "at insn %zu: jump out of range from insn %zu "
				 "to %lld",
				 pc, pc, (long long)target);
			return -EINVAL;
		}
		if (ops[target] == ISA_INVALID) {
			isa_errf(errbuf, errbuf_sz,
				 "at insn %zu: jump into the middle of lddw at "
				 "insn %lld",
				 pc, (long long)target - 1);
			return -EINVAL;
		}
	}
	if (ops[cnt - 1] != ISA_EXIT && ops[cnt - 1] != ISA_JA && ops[cnt - 1] != ISA_JA32) {
		isa_errf(errbuf, errbuf_sz, "at insn %zu: last insn is not an exit or jmp",
			 cnt - 1);
		return -EINVAL;
	}
	return 0;
}

/* ops may be NULL: then a scratch array stands in for it. */
int isa_check_program(const struct userbpf_insn *insns, size_t cnt, uint8_t *ops, char *errbuf,
		      size_t errbuf_sz)
{
	uint8_t *scratch;
	int err;

	if (ops || cnt == 0 || cnt > USERBPF_MAX_INSNS)
		return check_program(insns, cnt, ops, errbuf, errbuf_sz);
	scratch = ub_alloc(cnt);
	if (!scratch)
		return -ENOMEM;
	err = check_program(insns, cnt, scratch, errbuf, errbuf_sz);
	ub_free(scratch);
	return err;
}

int userbpf_insns_check(const struct userbpf_insn *insns, size_t insn_cnt, char *errbuf,
			size_t errbuf_sz)
{
	if (!insns && insn_cnt)
		return -EINVAL;
	return isa_check_program(insns, insn_cnt, NULL, errbuf, errbuf_sz);
}
