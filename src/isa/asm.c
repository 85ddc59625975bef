/* SPDX-License-Identifier: MIT */
/*
 * asm.c - the text assembler: llvm-objdump-style BPF assembly (docs/asm.md)
 * to instructions, by matching each line against the TEMPLATE column of
 * every row of insn.def.  Used by tests, the CLI and the data-file runner.
 *
 * Owns: the accepted spelling of each placeholder (registers, numbers and
 * their ranges, jump operands and labels), comments, and label resolution.
 * Does not own: the syntax itself (insn.def) or whether the program makes
 * sense; it never calls isa_check_program(), so tests can build bad
 * programs.  Every instruction it emits does pass isa_decode().
 *
 * Entry point: userbpf_asm().
 */
#include "util/ubc.h"

#include "isa.h"
#include "util/alloc.h"

/* ==== Characters and the line cursor ==== */

/* A position in one line; lines are not NUL-terminated in the source. */
struct cur {
	const char *p;
	const char *end;
};

static int peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : 0;
}

static bool is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_ident_start(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '.';
}

/* Characters that glue into one token: mnemonics, numbers, names. */
static bool is_word(int ch)
{
	return is_ident_start(ch) || is_digit(ch);
}

/* Skip blanks; true when there were any. */
static bool skip_space(struct cur *c)
{
	const char *start = c->p;

	while (is_space(peek(c)))
		c->p++;
	return c->p != start;
}

static size_t skip_ident(struct cur *c)
{
	const char *start = c->p;

	if (!is_ident_start(peek(c)))
		return 0;
	while (is_word(peek(c)))
		c->p++;
	return (size_t)(c->p - start);
}

/* ==== Operands ==== */

/* What one template match produced. */
struct operands {
	struct userbpf_insn insn[2]; /* lddw fills both slots */
	unsigned set;		     /* U_DST / U_SRC already given */
	const char *label;	     /* jump operand given as a label */
	size_t label_len;
	bool label_in_imm; /* %J (imm) rather than %j (off) */
};

/*
 * An operand of the right shape with a bad value (r11, a number out of
 * range).  Matching goes on past it: when the whole line has the shape of
 * a row, the first such error is a better diagnosis than "unknown
 * instruction".
 */
struct fail {
	const char *pos;
	char why[96];
};

/* Record the operand [start, c) as bad, unless an error came first. */
static void fail_at(struct fail *f, const struct cur *start, const struct cur *c, const char *what,
		    const char *tail)
{
	if (f->pos)
		return;
	f->pos = start->p;
	snprintf(f->why, sizeof(f->why), "%s '%.*s'%s", what, (int)(c->p - start->p), start->p,
		 tail);
}

/*
 * Parse [+-]? (0x[0-9a-fA-F]+ | [0-9]+) not followed by a word character.
 * Returns 1 with the sign and magnitude, 0 when the text is not a number
 * (cursor unchanged), -1 when it is one but does not fit 64 bits (cursor
 * after it).  A sign is accepted only when allow_sign.
 */
static int parse_number(struct cur *c, bool allow_sign, bool *neg, uint64_t *mag)
{
	struct cur save = *c;
	unsigned base = 10, digits = 0;
	bool overflow = false;
	uint64_t v = 0;

	*neg = false;
	if (allow_sign && (peek(c) == '+' || peek(c) == '-'))
		*neg = *c->p++ == '-';
	if (peek(c) == '0' && c->p + 1 < c->end && (c->p[1] == 'x' || c->p[1] == 'X')) {
		base = 16;
		c->p += 2;
	}
	for (;; c->p++, digits++) {
		int ch = peek(c);
		unsigned d;

		if (is_digit(ch))
			d = (unsigned)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (!digits || is_word(peek(c))) {
		*c = save;
		return 0;
	}
	*mag = v;
	return overflow ? -1 : 1;
}

/* Signed value in [min, max] of a parsed sign and magnitude. */
static bool fits(bool neg, uint64_t mag, int64_t min, int64_t max, int64_t *out)
{
	if (neg) {
		if (mag > (uint64_t)-min)
			return false;
		*out = mag ? -(int64_t)(mag - 1) - 1 : 0;
	} else {
		if (mag > (uint64_t)max)
			return false;
		*out = (int64_t)mag;
	}
	return true;
}

/*
 * A number for a placeholder that takes [min, max].  Returns false on a
 * shape mismatch.  Otherwise true with *out, or with *out = 0 and
 * "<what> '<text>' out of range" recorded in f.
 */
static bool parse_ranged(struct cur *c, bool allow_sign, int64_t min, int64_t max, const char *what,
			 int64_t *out, struct fail *f)
{
	struct cur start = *c;
	uint64_t mag;
	bool neg;
	int ok = parse_number(c, allow_sign, &neg, &mag);

	if (!ok)
		return false;
	if (ok < 0 || !fits(neg, mag, min, max, out)) {
		fail_at(f, &start, c, what, " out of range");
		*out = 0;
	}
	return true;
}

/*
 * The 64-bit lddw immediate: any value from INT64_MIN to UINT64_MAX, in
 * decimal or hex, stored low half first.
 */
static bool parse_imm64(struct cur *c, struct operands *o, struct fail *f)
{
	struct cur start = *c;
	uint64_t mag, v;
	bool neg;
	int ok = parse_number(c, true, &neg, &mag);

	if (!ok)
		return false;
	if (ok < 0 || (neg && mag > (uint64_t)1 << 63))
		fail_at(f, &start, c, "64-bit immediate", " out of range");
	v = neg ? -mag : mag;
	o->insn[0].imm = (int32_t)(uint32_t)v;
	o->insn[1].imm = (int32_t)(uint32_t)(v >> 32);
	return true;
}

/*
 * Whether placeholder ph of row may be written with either register
 * prefix.  %D/%d and %S/%s are strict where they tell ALU64 from ALU32
 * apart; the value operand of stores and atomics and the destination of
 * zero-extending loads have no 32-bit twin, and llvm-objdump -mcpu=v3+
 * prints them with a w prefix.
 */
static bool any_prefix(char ph, const struct isa_info *row)
{
	if (ph == 'S' || ph == 's')
		return row->flags & (F_STORE | F_ATOMIC);
	if (ph == 'D')
		return (row->flags & F_LOAD) && (row->opcode & 0xe0) == USERBPF_MEM &&
		       (row->opcode & 0x18) != USERBPF_DW;
	return false;
}

/*
 * A register r0-r10 (or w0-w10) for %D %d %S %s.  A placeholder repeated in
 * a template ("%D = -%D") must name the same register again.
 */
static bool parse_reg(struct cur *c, char ph, const struct isa_info *row, struct operands *o,
		      struct fail *f)
{
	struct cur start = *c;
	int prefix = peek(c);
	bool is_dst = ph == 'D' || ph == 'd';
	unsigned field = is_dst ? U_DST : U_SRC;
	unsigned num = 0, old;

	if (prefix != 'r' && prefix != 'w')
		return false;
	if (!any_prefix(ph, row) && prefix != (ph == 'D' || ph == 'S' ? 'r' : 'w'))
		return false;
	c->p++;
	if (!is_digit(peek(c)))
		return false;
	for (; is_digit(peek(c)); c->p++) /* saturates: r99999 is invalid */
		if (num <= 10)
			num = num * 10 + (unsigned)(*c->p - '0');
	if (is_word(peek(c)))
		return false; /* "r1x": not a register, maybe a label */
	if (num > 10) {
		fail_at(f, &start, c, "invalid register", "");
		num = 0;
	}
	old = is_dst ? o->insn[0].dst_reg : o->insn[0].src_reg;
	if ((o->set & field) && old != num)
		fail_at(f, &start, c, "expected the same register again, got", "");
	o->set |= field;
	if (is_dst)
		o->insn[0].dst_reg = num & 0xf;
	else
		o->insn[0].src_reg = num & 0xf;
	return true;
}

/*
 * A jump operand for %j (off) or %J (imm): a delta with an explicit sign
 * ("+2", "-3"), so that "call 1" (helper) and "call +1" (local) differ, or
 * a label resolved once the whole text is read.
 */
static bool parse_jump(struct cur *c, char ph, struct operands *o, struct fail *f)
{
	bool in_imm = ph == 'J';
	const char *name = c->p;
	size_t len = skip_ident(c);
	int64_t v;

	if (len) {
		o->label = name;
		o->label_len = len;
		o->label_in_imm = in_imm;
		return true;
	}
	if (peek(c) != '+' && peek(c) != '-')
		return false;
	if (!parse_ranged(c, true, in_imm ? INT32_MIN : INT16_MIN, in_imm ? INT32_MAX : INT16_MAX,
			  "jump offset", &v, f))
		return false;
	if (in_imm)
		o->insn[0].imm = (int32_t)v;
	else
		o->insn[0].off = (int16_t)v;
	return true;
}

/* A memory offset for %o: "+ 4", "- 4" (blanks optional). */
static bool parse_mem_off(struct cur *c, struct operands *o, struct fail *f)
{
	struct cur start = *c;
	int sign = peek(c);
	uint64_t mag;
	bool neg;
	int64_t v;
	int ok;

	if (sign != '+' && sign != '-')
		return false;
	c->p++;
	skip_space(c);
	ok = parse_number(c, false, &neg, &mag);
	if (!ok)
		return false;
	if (ok < 0 || !fits(sign == '-', mag, INT16_MIN, INT16_MAX, &v)) {
		fail_at(f, &start, c, "offset", " out of range");
		v = 0;
	}
	o->insn[0].off = (int16_t)v;
	return true;
}

/*
 * Parse the operand of placeholder ph at the cursor into o.  False on a
 * shape mismatch; true otherwise, with a reason recorded in f when the
 * operand has a bad value.
 */
static bool parse_operand(struct cur *c, char ph, const struct isa_info *row, struct operands *o,
			  struct fail *f)
{
	int64_t v;

	switch (ph) {
	case 'D':
	case 'd':
	case 'S':
	case 's':
		return parse_reg(c, ph, row, o, f);
	case 'i':
	case 'n':
		if (!parse_ranged(c, true, INT32_MIN, UINT32_MAX, "immediate", &v, f))
			return false;
		o->insn[ph == 'n'].imm = (int32_t)(uint32_t)v;
		return true;
	case 'u':
		if (!parse_ranged(c, false, 0, UINT32_MAX, "immediate", &v, f))
			return false;
		o->insn[0].imm = (int32_t)(uint32_t)v;
		return true;
	case 'o':
		return parse_mem_off(c, o, f);
	case 'j':
	case 'J':
		return parse_jump(c, ph, o, f);
	case 'q':
		return parse_imm64(c, o, f);
	default:
		return false;
	}
}

/* ==== Template matching ==== */

/*
 * Match one line (comments and labels already removed) against the
 * template of row op.  Blanks are optional between tokens and ignored at
 * both ends, but never split a word ("u 32") or join two ("callxr1").
 * On a full match fills *o (operands only: the caller sets opcode and the
 * MATCH field) and returns true.  A line of the right shape with a bad
 * operand returns false with the reason in *f, unless f already has one.
 */
static bool match_row(int op, const struct cur *line, struct operands *o, struct fail *f)
{
	const struct isa_info *row = &isa_table[op];
	struct fail bad = { 0 };
	struct cur c = *line;
	const char *t = row->tmpl;
	bool tword = false; /* template: inside a word */
	bool iword = false; /* input: last character consumed was a word's */

	memset(o, 0, sizeof(*o));
	skip_space(&c);
	while (*t) {
		bool is_ph = t[0] == '%' && t[1] && t[1] != '%';
		int lit = t[0] == '%' ? '%' : t[0];

		if (*t == ' ') {
			if (!skip_space(&c) && iword && is_word(peek(&c)))
				return false;
			tword = false;
			t++;
			continue;
		}
		if (is_space(peek(&c))) {
			if (tword && (is_ph || is_word(lit)))
				return false;
			skip_space(&c);
		}
		if (is_ph) {
			if (!parse_operand(&c, t[1], row, o, &bad))
				return false;
			tword = iword = true;
			t += 2;
			continue;
		}
		if (peek(&c) != lit)
			return false;
		c.p++;
		tword = iword = is_word(lit);
		t += t[0] == '%' && t[1] ? 2 : 1;
	}
	skip_space(&c);
	if (c.p != c.end)
		return false;
	if (bad.pos && !f->pos)
		*f = bad;
	return !bad.pos;
}

/* Set the opcode and the field that tells rows of one opcode apart. */
static void finish_insn(int op, struct operands *o)
{
	const struct isa_info *row = &isa_table[op];

	o->insn[0].code = row->opcode;
	switch (row->match) {
	case M_OFF:
		o->insn[0].off = (int16_t)row->mval;
		break;
	case M_IMM:
		o->insn[0].imm = row->mval;
		break;
	case M_SRC:
		o->insn[0].src_reg = (uint8_t)row->mval & 0xf;
		break;
	}
}

/* ==== Assembler state: output, labels, fixups ==== */

struct label {
	const char *name; /* points into the source text */
	size_t len;
	size_t pc;
	unsigned line;
};

/* A jump operand naming a label, patched once all labels are known. */
struct fixup {
	const char *name;
	size_t len;
	size_t pc;
	unsigned line;
	bool in_imm;
};

struct asm_state {
	struct userbpf_insn *insns;
	size_t cnt, cap;
	struct label *labels;
	size_t label_cnt, label_cap;
	struct fixup *fixups;
	size_t fixup_cnt, fixup_cap;
	char *errbuf;
	size_t errbuf_sz;
};

/*
 * Make room for `need` elements of `size` bytes in arr (capacity *cap,
 * doubled as needed).  Returns the possibly moved array, or NULL with arr
 * untouched when out of memory.
 */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return arr;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return NULL;
	p = ub_realloc(arr, n * size);
	if (p)
		*cap = n;
	return p;
}

static int add_label(struct asm_state *st, const char *name, size_t len, unsigned line)
{
	struct label *labels = grow(st->labels, &st->label_cap, st->label_cnt + 1, sizeof(*labels));

	if (!labels)
		return -ENOMEM;
	st->labels = labels;
	st->labels[st->label_cnt++] =
		(struct label){ .name = name, .len = len, .pc = st->cnt, .line = line };
	return 0;
}

/* Append the matched instruction (two slots for lddw) and its fixup. */
static int emit(struct asm_state *st, int op, const struct operands *o, unsigned line)
{
	unsigned slots = isa_slots(op);
	struct userbpf_insn *insns;
	struct fixup *fixups;

	insns = grow(st->insns, &st->cap, st->cnt + slots, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	st->insns = insns;
	if (o->label) {
		fixups = grow(st->fixups, &st->fixup_cap, st->fixup_cnt + 1, sizeof(*fixups));
		if (!fixups)
			return -ENOMEM;
		st->fixups = fixups;
		st->fixups[st->fixup_cnt++] = (struct fixup){ .name = o->label,
							      .len = o->label_len,
							      .pc = st->cnt,
							      .line = line,
							      .in_imm = o->label_in_imm };
	}
	memcpy(&st->insns[st->cnt], o->insn, slots * sizeof(*st->insns));
	st->cnt += slots;
	return 0;
}

/* ==== Lines ==== */

/* End of the code part of a line: the first '#', ';' or "//". */
static const char *code_end(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '#' || *p == ';' || (*p == '/' && p + 1 < end && p[1] == '/'))
			return p;
	return end;
}

/*
 * Assemble one instruction (c holds it, trimmed of labels and comments,
 * and not blank): the first row whose template matches wins.
 */
static int assemble_insn(struct asm_state *st, struct cur *c, unsigned line)
{
	struct fail f = { 0 };
	struct operands o;
	const char *why = "";
	int op;

	while (c->end > c->p && is_space(c->end[-1]))
		c->end--;
	for (op = 0; op < ISA_OP_COUNT; op++) {
		if (!match_row(op, c, &o, &f))
			continue;
		finish_insn(op, &o);
		if (isa_decode(&o.insn[0], &why) != op) {
			/* a template that cannot express its row */
			isa_errf(st->errbuf, st->errbuf_sz,
				 "line %u: internal error: '%.*s' as %s does "
				 "not decode (%s)",
				 line, (int)(c->end - c->p), c->p, isa_table[op].name, why);
			return -EINVAL;
		}
		return emit(st, op, &o, line);
	}
	if (f.pos)
		isa_errf(st->errbuf, st->errbuf_sz, "line %u: %s in '%.*s'", line, f.why,
			 (int)(c->end - c->p), c->p);
	else
		isa_errf(st->errbuf, st->errbuf_sz, "line %u: unknown instruction '%.*s'", line,
			 (int)(c->end - c->p), c->p);
	return -EINVAL;
}

/* One source line: any number of "name:" labels, then an instruction. */
static int assemble_line(struct asm_state *st, const char *p, const char *end, unsigned line)
{
	struct cur c = { .p = p, .end = code_end(p, end) };
	int err;

	for (;;) {
		struct cur save;
		const char *name;
		size_t len;

		skip_space(&c);
		save = c;
		name = c.p;
		len = skip_ident(&c);
		skip_space(&c);
		if (!len || peek(&c) != ':') {
			c = save;
			break;
		}
		c.p++;
		err = add_label(st, name, len, line);
		if (err)
			return err;
	}
	if (c.p == c.end)
		return 0;
	return assemble_insn(st, &c, line);
}

/* ==== Label resolution ==== */

static int label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(x->name, y->name, n);

	if (d)
		return d;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Name-only comparison for bsearch (labels are unique by then). */
static int label_key_cmp(const void *key, const void *elem)
{
	const struct label *x = key, *y = elem;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(x->name, y->name, n);

	if (d)
		return d;
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * Sort the labels, reject duplicates, then patch every fixup with
 * target - (pc + 1).  O((labels + fixups) log labels).
 */
static int resolve_labels(struct asm_state *st)
{
	size_t i;

	if (st->label_cnt)
		qsort(st->labels, st->label_cnt, sizeof(*st->labels), label_cmp);
	for (i = 1; i < st->label_cnt; i++) {
		const struct label *a = &st->labels[i - 1], *b = &st->labels[i];

		if (a->len == b->len && !memcmp(a->name, b->name, a->len)) {
			isa_errf(st->errbuf, st->errbuf_sz,
				 "line %u: duplicate label '%.*s' (first at "
				 "line %u)",
				 b->line, (int)b->len, b->name, a->line);
			return -EINVAL;
		}
	}
	for (i = 0; i < st->fixup_cnt; i++) {
		const struct fixup *fx = &st->fixups[i];
		struct label key = { .name = fx->name, .len = fx->len };
		const struct label *l = NULL;
		int64_t delta;

		if (st->label_cnt)
			l = bsearch(&key, st->labels, st->label_cnt, sizeof(*l), label_key_cmp);
		if (!l) {
			isa_errf(st->errbuf, st->errbuf_sz, "line %u: undefined label '%.*s'",
				 fx->line, (int)fx->len, fx->name);
			return -EINVAL;
		}
		delta = (int64_t)l->pc - (int64_t)fx->pc - 1;
		if (fx->in_imm ? delta < INT32_MIN || delta > INT32_MAX :
				 delta < INT16_MIN || delta > INT16_MAX) {
			isa_errf(st->errbuf, st->errbuf_sz,
				 "line %u: jump to label '%.*s' out of range", fx->line,
				 (int)fx->len, fx->name);
			return -EINVAL;
		}
		if (fx->in_imm)
			st->insns[fx->pc].imm = (int32_t)delta;
		else
			st->insns[fx->pc].off = (int16_t)delta;
	}
	return 0;
}

/* ==== Entry point ==== */

/*
 * Assemble text (see docs/asm.md).  On success *insns is an array of
 * *insn_cnt slots from ub_alloc (NULL when the text holds no instruction)
 * that the caller releases with userbpf_free().  On failure *insns is NULL,
 * *insn_cnt 0, and errbuf says "line N: reason".  Returns 0, -EINVAL
 * (syntax, range, labels) or -ENOMEM.  Cost: O(lines * rows) matching.
 */
int userbpf_asm(const char *text, struct userbpf_insn **insns, size_t *insn_cnt, char *errbuf,
		size_t errbuf_sz)
{
	struct asm_state st = { .errbuf = errbuf, .errbuf_sz = errbuf_sz };
	const char *p = text;
	unsigned line = 1;
	int err = 0;

	isa_errf(errbuf, errbuf_sz, "%s", "");
	if (!insns || !insn_cnt)
		return -EINVAL;
	*insns = NULL;
	*insn_cnt = 0;
	if (!text)
		return -EINVAL;
	for (;; line++) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);

		err = assemble_line(&st, p, end, line);
		if (err || !nl)
			break;
		p = nl + 1;
	}
	if (!err)
		err = resolve_labels(&st);
	if (err == -ENOMEM)
		isa_errf(errbuf, errbuf_sz, "line %u: out of memory", line);
	ub_free(st.labels);
	ub_free(st.fixups);
	if (err) {
		ub_free(st.insns);
		return err;
	}
	*insns = st.insns;
	*insn_cnt = st.cnt;
	return 0;
}
