/* SPDX-License-Identifier: MIT */
/*
 * test_isa_table.c - every row of insn.def is handled by every consumer
 * that exists so far: the interpreter (each row executes in a tiny
 * program without reaching the "undecoded instruction" trap, in whichever
 * dispatch mode this build uses), the disassembler and the assembler
 * (round trip); and docs/isa.md is the table's current rendering
 * (USERBPF_REGEN_DOCS=1 rewrites it).
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "isa/isa.h"
#include "userbpf/userbpf.h"

/* A canonical instance of row op: r1/r2 operands, stack memory. */
static size_t canonical(int op, struct userbpf_insn *out)
{
	const struct isa_info *row = &isa_table[op];
	struct userbpf_insn in = { .code = row->opcode };

	if (row->fields & U_DST)
		in.dst_reg = 1;
	if (row->fields & U_SRC)
		in.src_reg = 2;
	if (row->fields & U_IMM)
		in.imm = 3;
	if (row->flags & (F_LOAD | F_STORE | F_ATOMIC)) {
		/* dst/src base register r10, slot r10 - 8 */
		if (row->flags & F_LOAD)
			in.src_reg = 10;
		else
			in.dst_reg = 10;
		in.off = -8;
	}
	if (row->flags & F_JMPL)
		in.imm = 0; /* gotol +0, call +0: fall to the next insn */
	switch (row->match) {
	case M_OFF:
		in.off = (int16_t)row->mval;
		break;
	case M_IMM:
		in.imm = row->mval;
		break;
	case M_SRC:
		in.src_reg = (uint8_t)row->mval;
		break;
	}
	if (op == ISA_CALL)
		in.imm = 5; /* bpf_ktime_get_ns */
	if (op == ISA_CALLX)
		in.dst_reg = 1;
	if (op == ISA_LDDW_FUNC)
		in.imm = 1; /* -> the exit after the lddw pair */
	out[0] = in;
	if (row->flags & F_LDDW) {
		out[1] = (struct userbpf_insn){ 0 };
		return 2;
	}
	return 1;
}

TEST(isa_rows_executed_by_interpreter)
{
	int op;

	for (op = 0; op < ISA_OP_COUNT; op++) {
		struct userbpf_insn p[8];
		size_t n = 0, k;
		char err[256] = "";
		uint8_t pkt[16] = { 0 };
		struct userbpf_prog *prog;
		uint64_t args[2] = { 5, 0 }; /* r1 = 5 for callx */
		uint64_t r0;
		int rc;

		/* r1 = 5 (callx id), r2 = 0, stack slot initialised */
		p[n++] = USERBPF_MOV64_IMM(1, 5);
		p[n++] = USERBPF_MOV64_IMM(2, 0);
		p[n++] = USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0);
		k = canonical(op, &p[n]);
		n += k;
		p[n++] = USERBPF_EXIT_INSN();
		{
			USERBPF_OPTS(userbpf_prog_opts, po, .err_buf = err,
				     .err_buf_sz = sizeof(err));
			prog = userbpf_prog__new(p, n, &po);
		}
		if (!prog) {
			/* pseudo lddw and kfunc need a loader: that's the row's
			 * documented behaviour, not a missing handler */
			if ((isa_table[op].flags & F_LDDW) || op == ISA_CALL_KFUNC) {
				ASSERT_EQ(errno, EINVAL);
				continue;
			}
			test_fail(__FILE__, __LINE__, "%s: load failed: %s", isa_table[op].name,
				  err);
			return;
		}
		{
			USERBPF_OPTS(userbpf_run_opts, ro, .args = args, .arg_cnt = 2, .data = pkt,
				     .data_size = sizeof(pkt), .flags = USERBPF_RUN_CHECKED,
				     .insn_budget = 100, .err_buf = err, .err_buf_sz = sizeof(err));
			rc = userbpf_prog__run(prog, &ro, &r0);
		}
		userbpf_prog__free(prog);
		if (rc && strstr(err, "undecoded")) {
			test_fail(__FILE__, __LINE__, "%s: no interpreter handler: %s",
				  isa_table[op].name, err);
			return;
		}
	}
}

TEST(isa_rows_disassemble_and_assemble)
{
	int op;

	for (op = 0; op < ISA_OP_COUNT; op++) {
		struct userbpf_insn p[2], *back;
		size_t n = canonical(op, p), cnt;
		char text[256], err[256];
		int slots = userbpf_disasm_insn(p, n, text, sizeof(text));

		if (slots != (int)n) {
			test_fail(__FILE__, __LINE__, "%s: disasm returned %d (%s)",
				  isa_table[op].name, slots, text);
			return;
		}
		if (userbpf_asm(text, &back, &cnt, err, sizeof(err))) {
			test_fail(__FILE__, __LINE__, "%s: '%s' does not assemble: %s",
				  isa_table[op].name, text, err);
			return;
		}
		if (cnt != n || memcmp(back, p, n * sizeof(*p))) {
			userbpf_free(back);
			test_fail(__FILE__, __LINE__, "%s: '%s' assembles differently",
				  isa_table[op].name, text);
			return;
		}
		userbpf_free(back);
	}
}

static const char *const match_names[] = { "", "off", "imm", "src" };

/* Render the table as markdown into a malloc'ed string. */
static char *render_isa_md(void)
{
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	int op;

#define EMIT(...) (len += (size_t)snprintf(s + len, cap - len, __VA_ARGS__))
	EMIT("# The userbpf instruction set\n\n"
	     "Generated from `src/isa/insn.def` by `tests/unit/test_isa_table.c`\n"
	     "(`USERBPF_REGEN_DOCS=1 build/test_runner isa_doc`) - do not edit.\n\n"
	     "%d instructions of RFC 9669, CPU versions v1-v4.  `cpu` is the\n"
	     "`-mcpu` version that introduced the instruction; `when` is the\n"
	     "extra field that tells rows sharing an opcode apart.\n\n"
	     "| opcode | when | cpu | assembly | semantics | row |\n"
	     "|---|---|---|---|---|---|\n",
	     ISA_OP_COUNT);
	for (op = 0; op < ISA_OP_COUNT; op++) {
		const struct isa_info *r = &isa_table[op];
		char when[32] = "";
		const char *t;

		if (r->match)
			snprintf(when, sizeof(when), "%s=%d", match_names[r->match], r->mval);
		EMIT("| 0x%02x | %s | v%d | `", r->opcode, when, r->cpu);
		for (t = r->tmpl; *t; t++) {
			if (*t == '%' && t[1] == '%')
				t++;
			if (*t == '|')
				EMIT("\\|");
			else
				EMIT("%c", *t);
		}
		EMIT("` | ");
		for (t = r->semantics; *t; t++)
			EMIT(*t == '|' ? "\\|" : "%c", *t);
		EMIT(" | %s |\n", r->name);
	}
	EMIT("\nPlaceholders: `%%D`/`%%d` destination register as rN/wN, `%%S`/`%%s` source,\n"
	     "`%%i` signed immediate, `%%u` unsigned immediate, `%%o` memory offset `+ N`,\n"
	     "`%%j` jump offset `+N`, `%%J` immediate jump/call delta, `%%q` 64-bit value,\n"
	     "`%%n` second slot immediate.  See `docs/asm.md`.\n");
#undef EMIT
	return s;
}

TEST(isa_doc_is_current)
{
	char *want = render_isa_md();
	FILE *f;
	char *have;
	long n;

	ASSERT_TRUE(want);
	if (getenv("USERBPF_REGEN_DOCS")) {
		f = fopen("docs/isa.md", "w");
		ASSERT_TRUE(f);
		fputs(want, f);
		fclose(f);
	}
	f = fopen("docs/isa.md", "r");
	if (!f) {
		free(want);
		ASSERT_TRUE(!"docs/isa.md missing: run with USERBPF_REGEN_DOCS=1");
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	have = calloc(1, (size_t)n + 1);
	if (fread(have, 1, (size_t)n, f) != (size_t)n)
		have[0] = '\0';
	fclose(f);
	n = strcmp(have, want);
	free(have);
	free(want);
	ASSERT_TRUE(!n && "docs/isa.md is stale: USERBPF_REGEN_DOCS=1 build/test_runner isa_doc");
}
