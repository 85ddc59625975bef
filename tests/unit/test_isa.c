/* SPDX-License-Identifier: MIT */
/*
 * test_isa.c - the instruction table (insn.def), the disassembler and the
 * text assembler:
 *   - table sanity: templates, contiguous opcodes, canonical decodes;
 *   - round trips: every row with random operands, and random programs
 *     with labels and comments, disasm -> asm gives the same bytes;
 *   - llvm-objdump syntax examples, labels, and error messages;
 *   - the disassembler on undefined bytes and tiny buffers;
 *   - a cross-check against llvm-mc-19 / llvm-objdump-19 when installed.
 * Random tests use a fixed seed (printed on failure) so they reproduce.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isa/isa.h"
#include "test.h"
#include "userbpf/insn.h"

#define RAW USERBPF_RAW_INSN

/* ==== Helpers ==== */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* xorshift64*: fast, reproducible, good enough for operand values. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* A 32-bit value biased towards the edges of every range we check. */
static int32_t rnd_imm(void)
{
	static const int32_t edge[] = { 0,	1,	 -1,	 2,	    16,	       255,
					0x7fff, -0x8000, 0x8000, INT32_MAX, INT32_MIN, -2 };

	switch (rnd() % 4) {
	case 0:
		return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return (int32_t)(rnd() % 512) - 256;
	default:
		return (int32_t)(uint32_t)rnd();
	}
}

static int16_t rnd_off(void)
{
	static const int16_t edge[] = { 0, 1, -1, INT16_MAX, INT16_MIN, -4 };

	switch (rnd() % 3) {
	case 0:
		return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return (int16_t)((int)(rnd() % 128) - 64);
	default:
		return (int16_t)(uint16_t)rnd();
	}
}

/* Whether the template of op uses placeholder ph ("%%" is skipped). */
static bool tmpl_has(int op, char ph)
{
	const char *t;

	for (t = isa_table[op].tmpl; *t; t++) {
		if (*t != '%')
			continue;
		if (t[1] == ph)
			return true;
		if (t[1])
			t++;
	}
	return false;
}

static void set_match(int op, struct userbpf_insn *insn)
{
	const struct isa_info *row = &isa_table[op];

	insn->code = row->opcode;
	if (row->match == M_OFF)
		insn->off = (int16_t)row->mval;
	else if (row->match == M_IMM)
		insn->imm = row->mval;
	else if (row->match == M_SRC)
		insn->src_reg = (uint8_t)row->mval & 0xf;
}

/*
 * A random instance of row op in out[0..isa_slots(op)): registers r0-r10,
 * any offset and immediate, any 64-bit lddw value.  CALLX names its
 * register in dst (the form the assembler produces).
 */
static void gen_insn(int op, struct userbpf_insn *out)
{
	const struct isa_info *row = &isa_table[op];

	memset(out, 0, 2 * sizeof(*out));
	if (row->fields & U_DST)
		out[0].dst_reg = rnd() % 11;
	if (row->fields & U_SRC)
		out[0].src_reg = rnd() % 11;
	if (row->fields & U_OFF)
		out[0].off = rnd_off();
	if (row->fields & U_IMM)
		out[0].imm = rnd_imm();
	if (tmpl_has(op, 'q') || tmpl_has(op, 'n'))
		out[1].imm = rnd_imm();
	set_match(op, out);
}

static void hex_insns(char *buf, size_t sz, const struct userbpf_insn *p, size_t cnt)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < cnt && len + 1 < sz; i++) {
		const uint8_t *b = (const uint8_t *)&p[i];
		int n = snprintf(buf + len, sz - len, "%s%02x %02x %02x%02x %02x%02x%02x%02x",
				 i ? " | " : "", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/*
 * Assemble text and compare with want[0..cnt).  Fails the current test
 * with both encodings on a difference; returns whether they matched.
 */
static bool asm_equals(const char *text, const struct userbpf_insn *want, size_t cnt,
		       const char *ctx)
{
	struct userbpf_insn *got = NULL;
	char err[256], a[512], b[512];
	size_t got_cnt = 0;
	int rc = userbpf_asm(text, &got, &got_cnt, err, sizeof(err));
	bool ok = rc == 0 && got_cnt == cnt && (!cnt || !memcmp(got, want, cnt * sizeof(*want)));

	if (!ok) {
		hex_insns(a, sizeof(a), got, rc ? 0 : got_cnt);
		hex_insns(b, sizeof(b), want, cnt);
		test_fail(__FILE__, __LINE__, "%s: asm \"%s\": rc %d (%s), got [%s], want [%s]",
			  ctx, text, rc, err, a, b);
	}
	userbpf_free(got);
	return ok;
}

/* disasm -> asm of one instruction gives the same bytes and text. */
static bool roundtrip_insn(int op, const struct userbpf_insn *insn, uint64_t seed)
{
	char text[160], again[160], ctx[96];
	struct userbpf_insn *got = NULL;
	size_t cnt = 0;
	int slots = userbpf_disasm_insn(insn, 2, text, sizeof(text));

	snprintf(ctx, sizeof(ctx), "row %s, seed %#" PRIx64, isa_table[op].name, seed);
	if (slots != (int)isa_slots(op)) {
		test_fail(__FILE__, __LINE__, "%s: disasm returned %d: %s", ctx, slots, text);
		return false;
	}
	if (!asm_equals(text, insn, (size_t)slots, ctx))
		return false;
	if (userbpf_asm(text, &got, &cnt, NULL, 0) ||
	    userbpf_disasm_insn(got, cnt, again, sizeof(again)) != slots || strcmp(text, again)) {
		test_fail(__FILE__, __LINE__,
			  "%s: text \"%s\" came back as "
			  "\"%s\"",
			  ctx, text, again);
		userbpf_free(got);
		return false;
	}
	userbpf_free(got);
	return true;
}

/* ==== (1) The table ==== */

/* Which FIELDS the placeholders of a template fill. */
static unsigned tmpl_fields(int op)
{
	unsigned f = 0;

	if (tmpl_has(op, 'D') || tmpl_has(op, 'd'))
		f |= U_DST;
	if (tmpl_has(op, 'S') || tmpl_has(op, 's'))
		f |= U_SRC;
	if (tmpl_has(op, 'o') || tmpl_has(op, 'j'))
		f |= U_OFF;
	if (tmpl_has(op, 'i') || tmpl_has(op, 'u') || tmpl_has(op, 'J') || tmpl_has(op, 'q'))
		f |= U_IMM;
	return f;
}

/* A canonical instance of op: every operand field non-zero. */
static void canonical_insn(int op, struct userbpf_insn *insn)
{
	const struct isa_info *row = &isa_table[op];

	memset(insn, 0, 2 * sizeof(*insn));
	insn[0].dst_reg = row->fields & U_DST ? 1 : 0;
	insn[0].src_reg = row->fields & U_SRC ? 2 : 0;
	insn[0].off = row->fields & U_OFF ? 3 : 0;
	insn[0].imm = row->fields & U_IMM ? 4 : 0;
	set_match(op, insn);
}

/*
 * Whether isa_decode() finds row op at all.  The random tests below only
 * use rows that decode; isa_table_rows names those that do not.
 */
static bool row_decodes(int op)
{
	struct userbpf_insn insn[2];
	const char *why;

	canonical_insn(op, insn);
	return isa_decode(insn, &why) == op;
}

TEST(isa_table_rows)
{
	int op, prev;

	ASSERT_TRUE(ISA_OP_COUNT > 100);
	for (op = 0; op < ISA_OP_COUNT; op++) {
		const struct isa_info *row = &isa_table[op];

		ASSERT_TRUE(row->name && row->tmpl && row->semantics);
		if (!row->tmpl[0] || !row->semantics[0])
			test_fail(__FILE__, __LINE__,
				  "row %s: empty template "
				  "or semantics",
				  row->name);
		if (tmpl_fields(op) != row->fields)
			test_fail(__FILE__, __LINE__,
				  "row %s: template \"%s\" "
				  "fills fields %#x, FIELDS says %#x",
				  row->name, row->tmpl, tmpl_fields(op), row->fields);
		if (!!(row->flags & F_LDDW) != (row->opcode == 0x18))
			test_fail(__FILE__, __LINE__, "row %s: F_LDDW", row->name);
	}
	/* isa.c's decoder scans back from the last row of an opcode */
	for (op = 1; op < ISA_OP_COUNT; op++) {
		if (isa_table[op - 1].opcode == isa_table[op].opcode)
			continue;
		for (prev = 0; prev < op - 1; prev++)
			if (isa_table[prev].opcode == isa_table[op].opcode)
				test_fail(__FILE__, __LINE__,
					  "rows %s and %s "
					  "share opcode 0x%02x but are not "
					  "contiguous in insn.def",
					  isa_table[prev].name, isa_table[op].name,
					  isa_table[op].opcode);
	}
	for (op = 0; op < ISA_OP_COUNT; op++) {
		struct userbpf_insn insn[2];
		const char *why = "";
		int got;

		canonical_insn(op, insn);
		got = isa_decode(insn, &why);
		if (got != op)
			test_fail(__FILE__, __LINE__,
				  "row %s: canonical "
				  "instance decodes to %s (%s)",
				  isa_table[op].name, got < 0 ? "nothing" : isa_table[got].name,
				  got < 0 ? why : "wrong row");
	}
}

/* ==== (2) and (3) Round trips ==== */

TEST(isa_roundtrip_rows)
{
	const uint64_t seed = 0x15a0001;
	int op, i;

	rng_seed(seed);
	for (op = 0; op < ISA_OP_COUNT; op++) {
		if (!row_decodes(op))
			continue;
		for (i = 0; i < 64; i++) {
			struct userbpf_insn insn[2];

			gen_insn(op, insn);
			if (!roundtrip_insn(op, insn, seed))
				return;
		}
	}
}

/* Text being built, grown as needed; aborts the process on OOM. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t avail = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->p ? sb->p + sb->len : NULL, avail, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < avail)
			break;
		sb->cap = (sb->cap + (size_t)n + 64) * 2;
		sb->p = realloc(sb->p, sb->cap);
		if (!sb->p)
			abort();
	}
	sb->len += (size_t)n;
}

/* Jump delta of an instruction, or false when it has none. */
static bool jump_delta(int op, const struct userbpf_insn *insn, int64_t *delta)
{
	if (isa_table[op].flags & F_JMP)
		*delta = insn->off;
	else if (tmpl_has(op, 'J'))
		*delta = insn->imm;
	else
		return false;
	return true;
}

/*
 * Replace the last "+N"/"-N" jump operand in line by a label name.  The
 * other placeholders never print a sign glued to a number, so the jump
 * operand is the last such token.
 */
static bool put_label(char *line, size_t sz, int64_t delta, size_t target)
{
	char num[24], tail[160];
	char *hit = NULL, *p = line;
	size_t n;

	snprintf(num, sizeof(num), "%+" PRId64, delta);
	n = strlen(num);
	while ((p = strstr(p, num))) {
		if (!(p[n] >= '0' && p[n] <= '9'))
			hit = p;
		p++;
	}
	if (!hit)
		return false;
	snprintf(tail, sizeof(tail), "%s", hit + n);
	snprintf(hit, sz - (size_t)(hit - line), "L%zu%s", target, tail);
	return true;
}

/*
 * A random program of 1..40 instructions: random rows, half of the jumps
 * aimed inside the program.  Returns its slot count.
 */
static size_t gen_program(struct userbpf_insn *prog, int *ops)
{
	size_t n = 1 + rnd() % 40, i, pc = 0;

	for (i = 0; i < n; i++) {
		int op = (int)(rnd() % ISA_OP_COUNT);
		int64_t delta;

		while (!row_decodes(op))
			op = (int)(rnd() % ISA_OP_COUNT);
		gen_insn(op, &prog[pc]);
		ops[pc] = op;
		if (jump_delta(op, &prog[pc], &delta) && rnd() % 2) {
			delta = (int64_t)(rnd() % (2 * n + 2)) - (int64_t)pc - 1;
			if (isa_table[op].flags & F_JMP)
				prog[pc].off = (int16_t)delta;
			else
				prog[pc].imm = (int32_t)delta;
		}
		if (isa_slots(op) == 2)
			ops[pc + 1] = -1;
		pc += isa_slots(op);
	}
	return pc;
}

/*
 * The text of a program: one disassembled line per instruction, with
 * labels for in-program jump targets (some alone on a line, some before
 * the instruction), comments of every kind, blank lines, odd blanks.
 */
static void program_text(struct sbuf *sb, const struct userbpf_insn *prog, const int *ops,
			 size_t cnt)
{
	static const char *const comments[] = { "", "", " # c", " ; c", "\t// c", "   " };
	bool *is_target = calloc(cnt + 1, sizeof(bool));
	char line[200];
	size_t pc;
	int64_t delta;

	if (!is_target)
		abort();
	for (pc = 0; pc < cnt; pc++) {
		int64_t t;

		if (ops[pc] < 0 || !jump_delta(ops[pc], &prog[pc], &delta))
			continue;
		t = (int64_t)pc + 1 + delta;
		if (t >= 0 && t <= (int64_t)cnt && (t == (int64_t)cnt || ops[t] >= 0))
			is_target[t] = rnd() % 2;
	}
	for (pc = 0; pc <= cnt; pc++) {
		if (is_target[pc])
			sb_printf(sb, rnd() % 2 ? "L%zu:\n" : "L%zu: ", pc);
		if (pc == cnt)
			break;
		if (ops[pc] < 0)
			continue;
		userbpf_disasm_insn(&prog[pc], cnt - pc, line, sizeof(line));
		if (jump_delta(ops[pc], &prog[pc], &delta)) {
			int64_t t = (int64_t)pc + 1 + delta;

			if (t >= 0 && t <= (int64_t)cnt && is_target[t])
				put_label(line, sizeof(line), delta, (size_t)t);
		}
		if (rnd() % 8 == 0)
			sb_printf(sb, "\n# comment line\n");
		sb_printf(sb, "%s%s%s\n", rnd() % 4 ? "\t" : "  ", line, comments[rnd() % 6]);
	}
	free(is_target);
}

TEST(isa_roundtrip_programs)
{
	const uint64_t seed = 0x15a0002;
	struct userbpf_insn prog[80];
	int ops[80], i;

	rng_seed(seed);
	for (i = 0; i < 2500; i++) {
		struct sbuf sb = { 0 };
		struct userbpf_insn *got = NULL;
		size_t cnt = gen_program(prog, ops), got_cnt = 0, pc;
		char ctx[64];
		bool ok;

		program_text(&sb, prog, ops, cnt);
		snprintf(ctx, sizeof(ctx), "program %d, seed %#" PRIx64, i, seed);
		ok = asm_equals(sb.p, prog, cnt, ctx);
		/* and disasm(asm(text)) is the plain text again */
		if (ok && !userbpf_asm(sb.p, &got, &got_cnt, NULL, 0)) {
			for (pc = 0; pc < cnt && ok; pc++) {
				char a[160], b[160];
				int n = userbpf_disasm_insn(&got[pc], cnt - pc, a, sizeof(a));

				userbpf_disasm_insn(&prog[pc], cnt - pc, b, sizeof(b));
				ok = n > 0 && !strcmp(a, b);
				if (n == 2)
					pc++;
			}
			if (!ok)
				test_fail(__FILE__, __LINE__, "%s: text differs", ctx);
		}
		userbpf_free(got);
		free(sb.p);
		if (!ok)
			return;
	}
}

/* ==== (4) Syntax examples ==== */

struct asm_example {
	const char *text;
	struct userbpf_insn insn[2];
	size_t cnt;
};

static const struct asm_example examples[] = {
	{ "r0 = 1", { RAW(0xb7, 0, 0, 0, 1) }, 1 },
	{ "*(u32 *)(r10 - 4) = r1", { RAW(0x63, 10, 1, -4, 0) }, 1 },
	{ "if r0 == 0 goto +2", { RAW(0x15, 0, 0, 2, 0) }, 1 },
	{ "lock *(u64 *)(r0 + 0) += r1", { RAW(0xdb, 0, 1, 0, 0) }, 1 },
	{ "call 1", { RAW(0x85, 0, 0, 0, 1) }, 1 },
	{ "exit", { RAW(0x95, 0, 0, 0, 0) }, 1 },
	{ "w1 = w2", { RAW(0xbc, 1, 2, 0, 0) }, 1 },
	{ "r1 = 0x100000000 ll", { RAW(0x18, 1, 0, 0, 0), RAW(0, 0, 0, 0, 1) }, 2 },
	{ "r1 = -1 ll", { RAW(0x18, 1, 0, 0, -1), RAW(0, 0, 0, 0, -1) }, 2 },
	{ "r1 = 0xffffffffffffffff ll", { RAW(0x18, 1, 0, 0, -1), RAW(0, 0, 0, 0, -1) }, 2 },
	{ "r1 = 18446744073709551615 ll", { RAW(0x18, 1, 0, 0, -1), RAW(0, 0, 0, 0, -1) }, 2 },
	{ "r1 = -9223372036854775808 ll", { RAW(0x18, 1, 0, 0, 0), RAW(0, 0, 0, 0, INT32_MIN) }, 2 },
	{ "call +1", { RAW(0x85, 0, 1, 0, 1) }, 1 },
	{ "call -3", { RAW(0x85, 0, 1, 0, -3) }, 1 },
	{ "call kfunc 7", { RAW(0x85, 0, 2, 0, 7) }, 1 },
	{ "call 4294967295", { RAW(0x85, 0, 0, 0, -1) }, 1 },
	{ "callx r3", { RAW(0x8d, 3, 0, 0, 0) }, 1 },
	{ "r1 = (s8)r2", { RAW(0xbf, 1, 2, 8, 0) }, 1 },
	{ "w1 = (s16)w2", { RAW(0xbc, 1, 2, 16, 0) }, 1 },
	{ "w1 s%= 3", { RAW(0x94, 1, 0, 1, 3) }, 1 },
	{ "r1 s/= r2", { RAW(0x3f, 1, 2, 1, 0) }, 1 },
	{ "r1 = be16 r1", { RAW(0xdc, 1, 0, 0, 16) }, 1 },
	{ "r1 = bswap64 r1", { RAW(0xd7, 1, 0, 0, 64) }, 1 },
	{ "r0 = -r0", { RAW(0x87, 0, 0, 0, 0) }, 1 },
	{ "gotol -3", { RAW(0x06, 0, 0, 0, -3) }, 1 },
	{ "goto +0", { RAW(0x05, 0, 0, 0, 0) }, 1 },
	{ "r0 = *(u32 *)skb[12]", { RAW(0x20, 0, 0, 0, 12) }, 1 },
	{ "r0 = *(u16 *)skb[r1 + 4]", { RAW(0x48, 0, 1, 0, 4) }, 1 },
	{ "w0 = cmpxchg32_32(r1 + 8, w0, w2)", { RAW(0xc3, 1, 2, 8, 0xf1) }, 1 },
	{ "r2 = atomic_fetch_add((u64 *)(r1 - 8), r2)", { RAW(0xdb, 1, 2, -8, 0x01) }, 1 },
	{ "w3 = xchg32_32(r1 + 0, w3)", { RAW(0xc3, 1, 3, 0, 0xe1) }, 1 },
	{ "lock *(u32 *)(r1 + 2) ^= w4", { RAW(0xc3, 1, 4, 2, 0xa0) }, 1 },
	{ "r1 = map_fd(5) ll", { RAW(0x18, 1, 1, 0, 5), RAW(0, 0, 0, 0, 0) }, 2 },
	{ "r1 = map_value(5, 16) ll", { RAW(0x18, 1, 2, 0, 5), RAW(0, 0, 0, 0, 16) }, 2 },
	{ "r2 = map_idx(0) ll", { RAW(0x18, 2, 5, 0, 0), RAW(0, 0, 0, 0, 0) }, 2 },
	{ "r3 = func(+2) ll", { RAW(0x18, 3, 4, 0, 2), RAW(0, 0, 0, 0, 0) }, 2 },
	{ "r1 = -1", { RAW(0xb7, 1, 0, 0, -1) }, 1 },
	{ "r1 = 0xffffffff", { RAW(0xb7, 1, 0, 0, -1) }, 1 },
	{ "w1 = 4294967295", { RAW(0xb4, 1, 0, 0, -1) }, 1 },
	{ "r1 = -2147483648", { RAW(0xb7, 1, 0, 0, INT32_MIN) }, 1 },
	{ "if r1 s> -5 goto -1", { RAW(0x65, 1, 0, -1, -5) }, 1 },
	{ "if w1 < w2 goto +7", { RAW(0xae, 1, 2, 7, 0) }, 1 },
	{ "r1 s>>= 63", { RAW(0xc7, 1, 0, 0, 63) }, 1 },
	{ "*(u64 *)(r10 - 32768) = -5", { RAW(0x7a, 10, 0, INT16_MIN, -5) }, 1 },
	{ "r0 = *(s8 *)(r1 + 32767)", { RAW(0x91, 0, 1, INT16_MAX, 0) }, 1 },
	/* llvm-objdump -mcpu=v3+ spellings: w for 32-bit loads and stores */
	{ "w1 = *(u32 *)(r10 - 4)", { RAW(0x61, 1, 10, -4, 0) }, 1 },
	{ "*(u32 *)(r10 - 4) = w1", { RAW(0x63, 10, 1, -4, 0) }, 1 },
	/* llvm-objdump's default hex immediates */
	{ "r0 = *(u32 *)(r1 + 0x10)", { RAW(0x61, 0, 1, 16, 0) }, 1 },
	{ "r1 += 0x5", { RAW(0x07, 1, 0, 0, 5) }, 1 },
	{ "if r1 s> -0x5 goto -0x1", { RAW(0x65, 1, 0, -1, -5) }, 1 },
	{ "r1 = -0x1 ll", { RAW(0x18, 1, 0, 0, -1), RAW(0, 0, 0, 0, -1) }, 2 },
	/* blanks and comments */
	{ "  r1  +=  5  # comment", { RAW(0x07, 1, 0, 0, 5) }, 1 },
	{ "r1+=5", { RAW(0x07, 1, 0, 0, 5) }, 1 },
	{ "\t*(u32*)(r10-4)=r1 ; comment", { RAW(0x63, 10, 1, -4, 0) }, 1 },
	{ "r1 = r2 // comment", { RAW(0xbf, 1, 2, 0, 0) }, 1 },
	{ "exit\r", { RAW(0x95, 0, 0, 0, 0) }, 1 },
};

TEST(isa_asm_examples)
{
	size_t i;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		if (!asm_equals(examples[i].text, examples[i].insn, examples[i].cnt, "example"))
			return;
}

TEST(isa_asm_labels)
{
	static const char text[] = "# a function calling a subprogram\n"
				   "start:\n"
				   "\tr0 = 0\n"
				   "loop:\tr0 += 1            ; comment\n"
				   "\tif r0 < 10 goto loop   // comment\n"
				   "\tcall sub\n"
				   "\tr2 = func(sub) ll\n"
				   "\tif r0 == 0 goto out\n"
				   "\tgotol start\n"
				   "\n"
				   "sub: r0 = 1\n"
				   "\texit\n"
				   "out:\n";
	const struct userbpf_insn want[] = {
		RAW(0xb7, 0, 0, 0, 0),				/* 0 */
		RAW(0x07, 0, 0, 0, 1),				/* 1 loop */
		RAW(0xa5, 0, 0, -2, 10),			/* 2 */
		RAW(0x85, 0, 1, 0, 4),				/* 3 call sub (8) */
		RAW(0x18, 2, 4, 0, 3),				/* 4 func(sub) */
		RAW(0, 0, 0, 0, 0),	 RAW(0x15, 0, 0, 3, 0), /* 6 goto out (10) */
		RAW(0x06, 0, 0, 0, -8),				/* 7 gotol start (0) */
		RAW(0xb7, 0, 0, 0, 1),				/* 8 sub */
		RAW(0x95, 0, 0, 0, 0),				/* 9 */
	};
	struct userbpf_insn *got = (void *)1;
	size_t cnt = 1;

	if (!asm_equals(text, want, sizeof(want) / sizeof(want[0]), "labels"))
		return;
	/* nothing but comments and labels: no instructions, no error */
	ASSERT_OK(userbpf_asm("# nothing\n\nx:\n  ; here\n", &got, &cnt, NULL, 0));
	ASSERT_TRUE(got == NULL);
	ASSERT_EQ(cnt, 0);
	ASSERT_OK(userbpf_asm("", &got, &cnt, NULL, 0));
	ASSERT_EQ(cnt, 0);
}

/* ==== (5) Errors ==== */

struct asm_error {
	const char *text;
	const char *msg;
};

static const struct asm_error errors[] = {
	{ "r0 = 1\nr1 = 2\nr0 =+ 1\n", "line 3: unknown instruction 'r0 =+ 1'" },
	{ "foo r1", "line 1: unknown instruction 'foo r1'" },
	{ "r11 = 1", "line 1: invalid register 'r11'" },
	{ "exit\nr1 = r11", "line 2: invalid register 'r11'" },
	{ "w1 += w12345", "line 1: invalid register 'w12345'" },
	{ "w1 = r2", "line 1: unknown instruction" },
	{ "r1 += w2", "line 1: unknown instruction" },
	{ "callxr1", "line 1: unknown instruction" },
	{ "exit exit", "line 1: unknown instruction" },
	{ "r1 = 5ll", "line 1: unknown instruction" },
	{ "r1 = 0x", "line 1: unknown instruction" },
	{ "*(u 32 *)(r1 + 0) = r2", "line 1: unknown instruction" },
	{ "r1 = -r2", "expected the same register again, got 'r2'" },
	{ "r1 = 0x100000000", "line 1: immediate '0x100000000' out of range" },
	{ "w1 += -2147483649", "immediate '-2147483649' out of range" },
	{ "call 4294967296", "immediate '4294967296' out of range" },
	{ "r1 = 99999999999999999999999", "out of range" },
	{ "*(u32 *)(r10 - 32769) = r1", "offset '- 32769' out of range" },
	{ "r1 = *(u8 *)(r2 + 32768)", "offset '+ 32768' out of range" },
	{ "goto +32768", "jump offset '+32768' out of range" },
	{ "gotol -2147483649", "jump offset '-2147483649' out of range" },
	{ "r1 = 18446744073709551616 ll", "out of range" },
	{ "r1 = -9223372036854775809 ll", "64-bit immediate '-9223372036854775809' out of range" },
	{ "goto nowhere\nexit", "line 1: undefined label 'nowhere'" },
	{ "call kfunc", "line 1: undefined label 'kfunc'" },
	{ "a:\nexit\na: exit", "line 3: duplicate label 'a' (first at line 1)" },
};

TEST(isa_asm_errors)
{
	struct userbpf_insn *got;
	struct sbuf far = { 0 };
	char err[256];
	size_t i, cnt;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		got = (void *)1;
		cnt = 1;
		err[0] = '\0';
		ASSERT_ERR(userbpf_asm(errors[i].text, &got, &cnt, err, sizeof(err)), -EINVAL);
		ASSERT_TRUE(got == NULL);
		ASSERT_EQ(cnt, 0);
		ASSERT_CONTAINS(err, errors[i].msg);
		/* no errbuf, or a tiny one, is fine */
		ASSERT_ERR(userbpf_asm(errors[i].text, &got, &cnt, NULL, 0), -EINVAL);
		memset(err, 'x', sizeof(err));
		ASSERT_ERR(userbpf_asm(errors[i].text, &got, &cnt, err, 4), -EINVAL);
		ASSERT_EQ(strlen(err), 3);
	}
	/* a label more than 32767 instructions away from a 16-bit jump */
	sb_printf(&far, "goto far\ngotol far\n");
	for (i = 0; i < 33000; i++)
		sb_printf(&far, "exit\n");
	sb_printf(&far, "far: exit\n");
	ASSERT_ERR(userbpf_asm(far.p, &got, &cnt, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "line 1: jump to label 'far' out of range");
	memmove(far.p, far.p + strlen("goto far\n"), far.len - strlen("goto far\n") + 1);
	ASSERT_OK(userbpf_asm(far.p, &got, &cnt, err, sizeof(err)));
	ASSERT_EQ(cnt, 33002);
	ASSERT_EQ(got[0].imm, 33000);
	userbpf_free(got);
	free(far.p);
	ASSERT_ERR(userbpf_asm(NULL, &got, &cnt, NULL, 0), -EINVAL);
	ASSERT_ERR(userbpf_asm("exit", NULL, &cnt, NULL, 0), -EINVAL);
	ASSERT_ERR(userbpf_asm("exit", &got, NULL, NULL, 0), -EINVAL);
}

/* ==== (6) The disassembler on bad input and small buffers ==== */

struct disasm_bad {
	struct userbpf_insn insn[2];
	size_t remaining;
	const char *msg;
};

static const struct disasm_bad bad_insns[] = {
	{ { RAW(0x8e, 2, 1, 4, 1) }, 1, ".insn 0x8e 0x12 0x0004 0x00000001 ; unknown opcode" },
	{ { RAW(0x00, 0, 0, 0, 0) }, 1, "unknown opcode" },
	{ { RAW(0xff, 15, 15, -1, -1) }, 1, ".insn 0xff 0xff 0xffff 0xffffffff ; unknown opcode" },
	{ { RAW(0x07, 1, 3, 0, 1) }, 1, "reserved field src_reg is not 0" },
	{ { RAW(0x95, 0, 0, 1, 0) }, 1, "reserved field off is not 0" },
	{ { RAW(0xd4, 1, 0, 0, 17) }, 1, "invalid imm for this opcode" },
	{ { RAW(0x37, 1, 0, 2, 1) }, 1, "invalid off for this opcode" },
	{ { RAW(0x85, 0, 3, 0, 1) }, 1, "invalid src_reg for this opcode" },
	{ { RAW(0x18, 1, 0, 0, 1) }, 1, "lddw needs two slots" },
	{ { RAW(0x18, 1, 0, 0, 1), RAW(0x07, 0, 0, 0, 1) }, 2, "invalid lddw second slot" },
	{ { RAW(0x18, 1, 1, 0, 1), RAW(0, 0, 0, 0, 1) }, 2, "lddw second slot imm must be 0" },
};

TEST(isa_disasm_invalid)
{
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(bad_insns) / sizeof(bad_insns[0]); i++) {
		ASSERT_ERR(userbpf_disasm_insn(bad_insns[i].insn, bad_insns[i].remaining, buf,
					       sizeof(buf)),
			   -EINVAL);
		ASSERT_CONTAINS(buf, ".insn 0x");
		ASSERT_CONTAINS(buf, bad_insns[i].msg);
	}
	ASSERT_ERR(userbpf_disasm_insn(NULL, 1, buf, sizeof(buf)), -EINVAL);
	ASSERT_ERR(userbpf_disasm_insn(bad_insns[0].insn, 0, buf, sizeof(buf)), -EINVAL);
	ASSERT_STREQ(buf, "");
	/* CALLX with the register in imm (LLVM's encoding) */
	{
		struct userbpf_insn callx = RAW(0x8d, 0, 0, 0, 7);

		ASSERT_EQ(userbpf_disasm_insn(&callx, 1, buf, sizeof(buf)), 1);
		ASSERT_STREQ(buf, "callx r7");
	}
}

/*
 * Every prefix length of buffer: never written past buf_sz, always
 * NUL-terminated, always a prefix of the full text, same return value.
 */
static bool check_truncation(const struct userbpf_insn *insn, size_t remaining)
{
	char full[256], buf[300];
	int want = userbpf_disasm_insn(insn, remaining, full, sizeof(full));
	size_t len = strlen(full), sz, i;

	if (userbpf_disasm_insn(insn, remaining, NULL, 0) != want)
		return false;
	for (sz = 0; sz <= len + 2; sz++) {
		memset(buf, 0x5a, sizeof(buf));
		if (userbpf_disasm_insn(insn, remaining, buf, sz) != want)
			return false;
		for (i = sz; i < sizeof(buf); i++)
			if (buf[i] != 0x5a)
				return false;
		if (sz &&
		    (strlen(buf) != (len < sz ? len : sz - 1) || strncmp(buf, full, strlen(buf))))
			return false;
	}
	return true;
}

TEST(isa_disasm_truncation)
{
	const struct userbpf_insn lddw[] = { RAW(0x18, 1, 0, 0, 0x12345678),
					     RAW(0, 0, 0, 0, 0x7abcdef0) };
	const struct userbpf_insn fetch = RAW(0xdb, 10, 9, -32768, 0x51);
	int op;

	ASSERT_TRUE(check_truncation(lddw, 2));
	ASSERT_TRUE(check_truncation(lddw, 1));
	ASSERT_TRUE(check_truncation(&fetch, 1));
	ASSERT_TRUE(check_truncation(bad_insns[0].insn, 1));
	rng_seed(0x15a0006);
	for (op = 0; op < ISA_OP_COUNT; op++) {
		struct userbpf_insn insn[2];

		gen_insn(op, insn);
		if (row_decodes(op) && !check_truncation(insn, 2)) {
			test_fail(__FILE__, __LINE__, "row %s: truncation", isa_table[op].name);
			return;
		}
	}
}

/*
 * Random bytes: the disassembler never fails on anything isa_decode
 * accepts, and whatever it prints with valid registers assembles back to
 * the same bytes.
 */
TEST(isa_disasm_random_bytes)
{
	const uint64_t seed = 0x15a0007;
	unsigned decoded = 0, i;
	char buf[160];

	rng_seed(seed);
	for (i = 0; i < 200000; i++) {
		struct userbpf_insn insn[2];
		uint64_t r = rnd();
		const char *why;
		int op, n;

		memcpy(&insn[0], &r, sizeof(r));
		/* defined opcodes and mostly-zero fields make hits likely */
		if (rnd() % 2)
			insn[0].code = isa_table[rnd() % ISA_OP_COUNT].opcode;
		if (rnd() % 4)
			insn[0].dst_reg = rnd() % 11;
		if (rnd() % 2)
			insn[0].src_reg = rnd() % 2 ? 0 : rnd() % 8;
		if (rnd() % 2)
			insn[0].off = rnd() % 2 ? 0 : (int16_t)(rnd() % 40);
		if (rnd() % 2)
			insn[0].imm = rnd() % 2 ? 0 : (int32_t)(rnd() % 300) - 20;
		insn[1] = RAW(0, 0, 0, 0, rnd() % 2 ? 0 : (int32_t)rnd());
		op = isa_decode(insn, &why);
		n = userbpf_disasm_insn(insn, 2, buf, sizeof(buf));
		if (op < 0) {
			ASSERT_ERR(n, -EINVAL);
			continue;
		}
		if (n < 0)
			continue; /* lddw with a non-zero unused second slot */
		ASSERT_EQ(n, isa_slots(op));
		if (insn[0].dst_reg > 10 || insn[0].src_reg > 10 || op == ISA_CALLX)
			continue;
		decoded++;
		if (!roundtrip_insn(op, insn, seed))
			return;
	}
	if (test_verbose())
		printf("  %u random instructions round-tripped\n", decoded);
	ASSERT_TRUE(decoded > 10000);
}

/* ==== (7) Cross-check with llvm-mc-19 and llvm-objdump-19 ==== */

#define LLVM_MC "/usr/bin/llvm-mc-19"
#define LLVM_OBJCOPY "/usr/bin/llvm-objcopy-19"
#define LLVM_OBJDUMP "/usr/bin/llvm-objdump-19"
#define LLVM_PER_ROW 6

/*
 * Rows in our own pseudo syntax that llvm does not have: the lddw pseudo
 * sources (llvm-objdump prints "ld_pseudo r1, 1, 3"), local and kfunc calls
 * (printed as plain "call N"), and LD_IND whose imm llvm can neither
 * assemble nor print ("r0 = *(u16 *)skb[r1]").
 */
static bool llvm_has_syntax(int op)
{
	const char *t = isa_table[op].tmpl;

	return !strstr(t, "map_") && !strstr(t, "btf_id") && !strstr(t, "func(") &&
	       !strstr(t, "kfunc") && !strstr(t, "skb[%S") && op != ISA_CALL_LOCAL;
}

static bool run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

/* llvm-mc's first error line for one line of assembly, into why. */
static void llvm_line_error(const char *dir, const char *line, char *why, size_t sz)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/one.s", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
	why[0] = '\0';
	if (run(LLVM_MC " -triple bpfel -mcpu=v4 -filetype=obj %s/one.s "
			"-o %s/one.o 2>%s/one.err",
		dir, dir, dir))
		snprintf(why, sz, "(llvm-mc accepts this line alone)");
	snprintf(path, sizeof(path), "%s/one.err", dir);
	f = fopen(path, "r");
	if (f) {
		if (!why[0] && fgets(why, (int)sz, f))
			why[strcspn(why, "\n")] = '\0';
		fclose(f);
	}
}

/* Our instances for llvm: every row llvm spells like us, LLVM_PER_ROW each. */
static size_t llvm_instances(struct userbpf_insn *prog, int *ops, struct sbuf *text)
{
	size_t pc = 0;
	int op, i;

	for (op = 0; op < ISA_OP_COUNT; op++) {
		if (!llvm_has_syntax(op) || !row_decodes(op))
			continue;
		for (i = 0; i < LLVM_PER_ROW; i++) {
			char line[160];

			gen_insn(op, &prog[pc]);
			/* llvm-mc 19 takes only 16-bit numeric gotol deltas */
			if (op == ISA_JA32)
				prog[pc].imm = (int16_t)prog[pc].imm;
			/*
			 * llvm-objdump prints a helper id >= 2^31 as a
			 * negative "call -N", our local-call syntax; real
			 * helper ids are small.
			 */
			if (op == ISA_CALL)
				prog[pc].imm &= INT32_MAX;
			userbpf_disasm_insn(&prog[pc], 2, line, sizeof(line));
			sb_printf(text, "%s\n", line);
			ops[pc] = op;
			if (isa_slots(op) == 2)
				ops[pc + 1] = -1;
			pc += isa_slots(op);
		}
	}
	return pc;
}

static void rm_tmpdir(const char *dir)
{
	static const char *const files[] = { "all.s", "all.o", "all.bin", "mc.err",
					     "one.s", "one.o", "one.err" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Bytes: llvm-mc's encoding of every line equals ours. */
static bool llvm_compare_bytes(const char *dir, const struct userbpf_insn *prog, const int *ops,
			       size_t cnt)
{
	struct userbpf_insn *llvm = calloc(cnt + 1, sizeof(*llvm));
	char path[256];
	size_t got = 0, pc;
	bool ok = true;
	FILE *f;

	snprintf(path, sizeof(path), "%s/all.bin", dir);
	f = fopen(path, "rb");
	if (f) {
		got = fread(llvm, sizeof(*llvm), cnt + 1, f);
		fclose(f);
	}
	if (got != cnt) {
		test_fail(__FILE__, __LINE__, "llvm produced %zu slots, we %zu", got, cnt);
		ok = false;
	}
	for (pc = 0; ok && pc < cnt; pc++) {
		char a[64], b[64], line[160];

		if (ops[pc] < 0 ||
		    !memcmp(&prog[pc], &llvm[pc], isa_slots(ops[pc]) * sizeof(*llvm)))
			continue;
		userbpf_disasm_insn(&prog[pc], cnt - pc, line, sizeof(line));
		hex_insns(a, sizeof(a), &prog[pc], isa_slots(ops[pc]));
		hex_insns(b, sizeof(b), &llvm[pc], isa_slots(ops[pc]));
		test_fail(__FILE__, __LINE__,
			  "row %s: \"%s\": ours [%s], "
			  "llvm-mc [%s]",
			  isa_table[ops[pc]].name, line, a, b);
		ok = false;
	}
	free(llvm);
	return ok;
}

/*
 * Text: every line llvm-objdump-19 prints (in the given flavour) assembles
 * with our assembler to the bytes it came from.  When spelling_diffs is
 * given, lines spelled differently from our own disassembly are counted
 * there and listed with -v; they are not failures.
 */
static bool llvm_compare_objdump(const char *dir, const struct userbpf_insn *prog, const int *ops,
				 size_t cnt, const char *flags, unsigned *spelling_diffs)
{
	char cmd[512], line[256];
	bool ok = true;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 LLVM_OBJDUMP " -d --no-show-raw-insn %s "
			      "%s/all.o",
		 flags, dir);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		char *text, *ann, ours[160];
		unsigned long pc;

		if (sscanf(line, " %lu:", &pc) != 1 || !strchr(line, '\t'))
			continue;
		text = strchr(line, '\t') + 1;
		text[strcspn(text, "\n")] = '\0';
		/* "goto +2 <.text+0x70>", but not "r1 <<= 2" */
		ann = strrchr(text, '<');
		if (ann && ann > text && ann[-1] == ' ' && ann[1] != '=' && ann[1] != '<' &&
		    text[strlen(text) - 1] == '>')
			ann[-1] = '\0';
		if (pc >= cnt || ops[pc] < 0) {
			test_fail(__FILE__, __LINE__,
				  "objdump line at %lu "
				  "is not an instruction start",
				  pc);
			ok = false;
			break;
		}
		if (!asm_equals(text, &prog[pc], isa_slots(ops[pc]), isa_table[ops[pc]].name)) {
			ok = false;
			break;
		}
		userbpf_disasm_insn(&prog[pc], cnt - pc, ours, sizeof(ours));
		if (spelling_diffs && strcmp(ours, text)) {
			(*spelling_diffs)++;
			if (test_verbose())
				printf("  llvm-objdump %s: row %s: ours \"%s\", "
				       "llvm \"%s\"\n",
				       flags, isa_table[ops[pc]].name, ours, text);
		}
	}
	pclose(p);
	return ok;
}

TEST(isa_llvm_crosscheck)
{
	struct userbpf_insn prog[ISA_OP_COUNT * LLVM_PER_ROW * 2];
	int ops[ISA_OP_COUNT * LLVM_PER_ROW * 2];
	char dir[] = "/tmp/userbpf-isa-XXXXXX", path[256];
	struct sbuf text = { 0 };
	unsigned diffs = 0;
	size_t cnt;
	FILE *f;
	bool ok;

	if (access(LLVM_MC, X_OK) || access(LLVM_OBJCOPY, X_OK)) {
		test_skip("llvm-mc-19 not installed");
		return;
	}
	rng_seed(0x15a0008);
	cnt = llvm_instances(prog, ops, &text);
	ASSERT_TRUE(asm_equals(text.p, prog, cnt, "llvm instances"));
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/all.s", dir);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(text.p, f);
	fclose(f);
	ok = run(LLVM_MC " -triple bpfel -mcpu=v4 -filetype=obj %s/all.s -o "
			 "%s/all.o 2>%s/mc.err",
		 dir, dir, dir);
	if (!ok) {
		/* name every row llvm rejects */
		char *line, *save = NULL, why[256];

		for (line = strtok_r(text.p, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			struct userbpf_insn *one = NULL;
			size_t n;
			char name[32] = "?";

			llvm_line_error(dir, line, why, sizeof(why));
			if (strstr(why, "accepts"))
				continue;
			if (!userbpf_asm(line, &one, &n, NULL, 0)) {
				const char *w;
				int op = isa_decode(one, &w);

				if (op >= 0)
					snprintf(name, sizeof(name), "%s", isa_table[op].name);
			}
			userbpf_free(one);
			test_fail(__FILE__, __LINE__,
				  "row %s: llvm-mc rejects "
				  "\"%s\": %s",
				  name, line, why);
		}
		goto out;
	}
	ok = run(LLVM_OBJCOPY " -O binary --only-section=.text %s/all.o "
			      "%s/all.bin",
		 dir, dir) &&
	     llvm_compare_bytes(dir, prog, ops, cnt);
	if (ok && access(LLVM_OBJDUMP, X_OK) == 0)
		ok = llvm_compare_objdump(dir, prog, ops, cnt, "--mcpu=v4", NULL) &&
		     llvm_compare_objdump(dir, prog, ops, cnt, "--mcpu=v4 --no-print-imm-hex",
					  &diffs);
	if (!ok && !test_failed())
		test_fail(__FILE__, __LINE__, "llvm tools failed in %s", dir);
	if (test_verbose())
		printf("  %zu slots cross-checked, %u lines spelled "
		       "differently by llvm-objdump --no-print-imm-hex\n",
		       cnt, diffs);
out:
	rm_tmpdir(dir);
	free(text.p);
}
