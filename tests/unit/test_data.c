/* SPDX-License-Identifier: MIT */
/*
 * test_data.c - runs the data-driven tests, tests/data/NAME.data: one small
 * text file per behaviour, executed by the interpreter in every mode that
 * applies, plus a coverage check that every row of insn.def is exercised
 * by at least one file.
 *
 * Owns: the .data file format (below) and how a file maps onto a run.
 * Does not own: the semantics under test (insn.def), the assembler.
 *
 * ==== The .data format ====
 *
 *   # one line saying which behaviour this file tests
 *   -- asm
 *   r0 = 1              # assembly: insn.def templates, labels "name:",
 *   r0 += 2             # jumps "+N"/"-N" or a label, comments '#'
 *   exit
 *   -- mem
 *   00 01 02 03 ff
 *   -- result
 *   0x3
 *
 * Lines before the first section are the description ('#' lines).  A
 * section starts with a line "-- NAME"; '#' starts a comment in every
 * section except asm (which the assembler reads itself, comments included).
 *
 *   -- asm          the program (exactly one of asm and raw is required)
 *   -- raw          the program as hex bytes, 8 per slot, for encodings
 *                   the assembler cannot express (unknown opcodes, non-zero
 *                   reserved fields, r11, truncated lddw)
 *   -- mem          input memory, hex bytes separated by blanks.  At entry
 *                   r1 = its address and r2 = its length (the plugin
 *                   protocol of bpf_conformance); it is also the packet of
 *                   LD_ABS/LD_IND and, in checked mode, the ctx region.
 *                   Without it r1 = r2 = 0 and there is no packet.
 *   -- result       expected r0, a 64-bit number (hex with 0x, or decimal)
 *   -- error        one line: an errno name, a blank, then a substring of
 *                   the message ("EFAULT out-of-bounds read of 8 bytes at
 *                   insn 1").  The error may come from userbpf_prog__new
 *                   (bad program) or from the run.
 *   -- mem-after    expected memory after a successful run, hex bytes
 *   -- budget N     instruction budget (insn_budget) of the budgeted and
 *                   checked runs
 *
 * Exactly one of result and error is required.
 *
 * ==== Modes ====
 *
 * Every file runs in each mode that applies, from a fresh copy of mem:
 *   fast      flags 0, no budget
 *   checked   USERBPF_RUN_CHECKED, mem as ctx (a region), budget N or none
 *   budget    flags 0, insn_budget N (or a large default)
 *   interp    USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER, no budget
 *   jit       USERBPF_RUN_UNCHECKED, no budget: native code (the JIT; the
 *             run fails the file if the program did not compile on x86-64)
 * All must give the same r0 and mem-after, or the same error.  A file
 * expecting EFAULT (an out-of-bounds access) runs in checked mode only, as
 * the other modes would really touch that memory; one expecting E2BIG
 * (budget exhausted) skips the fast mode, which has no budget.  Every
 * file runs first through userbpf_prog__new; an expected error it reports
 * (a bad program) passes without any run.  E2BIG files skip interp and jit
 * too (no budget).
 *
 * Expected values are computed independently of userbpf (by hand, an
 * explicit-masking model of the ISA, and where the kernel accepts the
 * program, BPF_PROG_TEST_RUN on Linux); never paste the interpreter's
 * output into a file.
 *
 * Entry points: TEST(data_files), TEST(data_coverage).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "isa/isa.h"
#include "test.h"
#include "userbpf/userbpf.h"

#define DATA_DIR "tests/data"
#define MIN_DATA_FILES 250
#define DEFAULT_BUDGET (1ull << 32)

/* ==== Growable byte and text buffers ==== */

struct buf {
	char *p;
	size_t len, cap;
};

static bool buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return true;
}

/* ==== One parsed file ==== */

struct data_case {
	bool has_asm, has_raw, has_mem, has_result, has_error, has_mem_after;
	struct buf asm_text;
	struct buf raw;	      /* bytes */
	struct buf mem;	      /* bytes */
	struct buf mem_after; /* bytes */
	uint64_t result;
	int err_no;	   /* positive errno */
	char err_msg[256]; /* substring expected in the message */
	uint64_t budget;   /* 0: none given */
};

static void data_case_free(struct data_case *dc)
{
	free(dc->asm_text.p);
	free(dc->raw.p);
	free(dc->mem.p);
	free(dc->mem_after.p);
}

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EINVAL", EINVAL }, { "EFAULT", EFAULT },	    { "E2BIG", E2BIG },
	{ "ELOOP", ELOOP },   { "ENOMEM", ENOMEM },	    { "ENOENT", ENOENT },
	{ "EPERM", EPERM },   { "EACCES", EACCES },	    { "ENOSPC", ENOSPC },
	{ "ERANGE", ERANGE }, { "EOPNOTSUPP", EOPNOTSUPP },
};

static int errno_by_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strlen(errno_names[i].name) == len && !strncmp(errno_names[i].name, name, len))
			return errno_names[i].value;
	return 0;
}

static const char *errno_name(int err)
{
	static char other[32];
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].value == err)
			return errno_names[i].name;
	snprintf(other, sizeof(other), "errno %d", err);
	return other;
}

/* Strip a '#' comment and surrounding blanks from a line, in place. */
static char *trim(char *line, bool strip_comment)
{
	char *end;

	if (strip_comment) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
	}
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return line;
}

/* Append the hex bytes of one line ("00 1f ff") to b. */
static bool parse_hex_line(const char *line, struct buf *b)
{
	while (*line) {
		unsigned char byte;
		char *end;
		unsigned long v;

		if (*line == ' ' || *line == '\t') {
			line++;
			continue;
		}
		if (!((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f') ||
		      (line[0] >= 'A' && line[0] <= 'F')))
			return false;
		v = strtoul(line, &end, 16);
		if (end - line != 2 || v > 0xff)
			return false;
		byte = (unsigned char)v;
		if (!buf_add(b, &byte, 1))
			return false;
		line = end;
	}
	return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

enum section { S_NONE, S_ASM, S_RAW, S_MEM, S_RESULT, S_ERROR, S_MEM_AFTER };

/*
 * Parse the file at path into dc.  Returns true, or false with a reason in
 * why.  dc must be zeroed; release it with data_case_free() either way.
 */
static bool parse_data_file(const char *path, struct data_case *dc, char *why, size_t why_sz)
{
	enum section sec = S_NONE;
	bool result_seen = false, error_seen = false;
	unsigned lineno = 0;
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(why, why_sz, "cannot open: %s", strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char *t;

		lineno++;
		if (line[0] == '-' && line[1] == '-' && line[2] == ' ') {
			char *name = trim(line + 3, true);

			if (!strcmp(name, "asm")) {
				sec = S_ASM;
				dc->has_asm = true;
			} else if (!strcmp(name, "raw")) {
				sec = S_RAW;
				dc->has_raw = true;
			} else if (!strcmp(name, "mem")) {
				sec = S_MEM;
				dc->has_mem = true;
			} else if (!strcmp(name, "result")) {
				sec = S_RESULT;
				dc->has_result = true;
			} else if (!strcmp(name, "error")) {
				sec = S_ERROR;
				dc->has_error = true;
			} else if (!strcmp(name, "mem-after")) {
				sec = S_MEM_AFTER;
				dc->has_mem_after = true;
			} else if (!strncmp(name, "budget ", 7)) {
				sec = S_NONE;
				if (!parse_u64(trim(name + 7, false), &dc->budget) || !dc->budget) {
					snprintf(why, why_sz, "line %u: bad budget", lineno);
					goto err_out;
				}
			} else {
				snprintf(why, why_sz, "line %u: unknown section '%s'", lineno,
					 name);
				goto err_out;
			}
			continue;
		}
		if (sec == S_ASM) {
			if (!buf_add(&dc->asm_text, line, strlen(line)))
				goto err_nomem;
			continue;
		}
		t = trim(line, true);
		if (!*t)
			continue;
		switch (sec) {
		case S_NONE:
			snprintf(why, why_sz, "line %u: text outside a section", lineno);
			goto err_out;
		case S_RAW:
		case S_MEM:
		case S_MEM_AFTER:
			if (!parse_hex_line(t, sec == S_RAW ? &dc->raw :
					       sec == S_MEM ? &dc->mem :
							      &dc->mem_after)) {
				snprintf(why, why_sz, "line %u: bad hex bytes", lineno);
				goto err_out;
			}
			break;
		case S_RESULT:
			if (result_seen || !parse_u64(t, &dc->result)) {
				snprintf(why, why_sz, "line %u: bad result '%s'", lineno, t);
				goto err_out;
			}
			result_seen = true;
			break;
		case S_ERROR: {
			size_t len = strcspn(t, " \t");
			const char *msg = trim(t + len, false);

			if (error_seen || !(dc->err_no = errno_by_name(t, len))) {
				snprintf(why, why_sz, "line %u: bad error line '%s'", lineno, t);
				goto err_out;
			}
			snprintf(dc->err_msg, sizeof(dc->err_msg), "%s", msg);
			error_seen = true;
			break;
		}
		default:
			break;
		}
	}
	fclose(f);
	if (dc->has_asm == dc->has_raw) {
		snprintf(why, why_sz, "needs exactly one of -- asm, -- raw");
		return false;
	}
	if (dc->has_result + dc->has_error != 1 || (dc->has_result && !result_seen) ||
	    (dc->has_error && !error_seen)) {
		snprintf(why, why_sz, "needs exactly one of -- result, -- error, with a value");
		return false;
	}
	if (dc->has_raw && dc->raw.len % sizeof(struct userbpf_insn)) {
		snprintf(why, why_sz, "raw program of %zu bytes is not whole slots", dc->raw.len);
		return false;
	}
	if (dc->has_mem_after && dc->has_error) {
		snprintf(why, why_sz, "-- mem-after needs -- result");
		return false;
	}
	return true;

err_nomem:
	snprintf(why, why_sz, "out of memory");
err_out:
	fclose(f);
	return false;
}

/*
 * The program of dc as instructions (malloc'd copy for raw, the
 * assembler's array for asm).  Returns 0 or a negative errno with the
 * assembler's message in why.
 */
static int data_case_insns(const struct data_case *dc, struct userbpf_insn **insns, size_t *cnt,
			   char *why, size_t why_sz)
{
	int err;

	if (dc->has_raw) {
		*cnt = dc->raw.len / sizeof(struct userbpf_insn);
		*insns = malloc(dc->raw.len ? dc->raw.len : 1);
		if (!*insns)
			return -ENOMEM;
		if (dc->raw.len)
			memcpy(*insns, dc->raw.p, dc->raw.len);
		return 0;
	}
	err = userbpf_asm(dc->asm_text.p ? dc->asm_text.p : "", insns, cnt, why, why_sz);
	if (!err && !*insns) {
		*insns = malloc(1); /* empty program: keep the free path uniform */
		if (!*insns)
			return -ENOMEM;
	}
	return err;
}

static void insns_free(const struct data_case *dc, struct userbpf_insn *insns)
{
	if (dc->has_raw)
		free(insns);
	else
		userbpf_free(insns);
}

/* ==== Running one file ==== */

/*
 * The engine loop: "interp" and "jit" are unchecked, unbudgeted runs
 * (what a verified program gets) on the fast interpreter and on native
 * code; "jit" also asserts that the program really compiled.
 */
enum mode { MODE_FAST, MODE_CHECKED, MODE_BUDGET, MODE_INTERP, MODE_JIT, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = { "fast", "checked", "budget", "interp", "jit" };

static bool mode_applies(const struct data_case *dc, enum mode m)
{
	if (dc->has_error && dc->err_no == EFAULT)
		return m == MODE_CHECKED;
	if (dc->has_error && dc->err_no == E2BIG)
		return m != MODE_FAST && m != MODE_INTERP && m != MODE_JIT;
	return true;
}

/* Format bytes as "00 1f ..." (truncated with "..." if long). */
static void hex_dump(char *out, size_t out_sz, const uint8_t *p, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < len && used + 8 < out_sz; i++)
		used += (size_t)snprintf(out + used, out_sz - used, "%s%02x", i ? " " : "", p[i]);
	if (i < len)
		snprintf(out + used, out_sz - used, " ...");
}

/*
 * Run prog once in mode m on a fresh copy of the memory and compare with
 * the expectation.  Returns true, or false with a reason in why.
 */
static bool run_mode(const struct data_case *dc, const struct userbpf_prog *prog, enum mode m,
		     char *why, size_t why_sz)
{
	USERBPF_OPTS(userbpf_run_opts, opts);
	const char *mode = mode_names[m];
	size_t mem_len = dc->mem.len;
	uint8_t *mem = NULL;
	uint64_t args[2] = { 0, 0 };
	uint64_t r0 = 0;
	char err[256] = "";
	bool ok = false;
	int rc;

	if (dc->has_mem) {
		/* Exact size, so sanitizers see any stray access. */
		mem = malloc(mem_len ? mem_len : 1);
		if (!mem) {
			snprintf(why, why_sz, "out of memory");
			return false;
		}
		if (mem_len)
			memcpy(mem, dc->mem.p, mem_len);
		args[0] = (uint64_t)(uintptr_t)mem;
		args[1] = mem_len;
		opts.ctx = mem;
		opts.ctx_size = mem_len;
		opts.data = mem;
		opts.data_size = mem_len;
	}
	opts.args = args;
	opts.arg_cnt = 2;
	opts.err_buf = err;
	opts.err_buf_sz = sizeof(err);
	if (m == MODE_CHECKED) {
		opts.flags = USERBPF_RUN_CHECKED;
		opts.insn_budget = dc->budget;
	} else if (m == MODE_BUDGET) {
		opts.insn_budget = dc->budget ? dc->budget : DEFAULT_BUDGET;
	} else if (m == MODE_INTERP) {
		opts.flags = USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER;
	} else if (m == MODE_JIT) {
		opts.flags = USERBPF_RUN_UNCHECKED;
	}

	rc = userbpf_prog__run(prog, &opts, &r0);
#if defined(__x86_64__)
	if (m == MODE_JIT && !userbpf_prog__jited(prog, NULL)) {
		snprintf(why, why_sz, "mode jit: not compiled (%s)", userbpf_prog__jit_error(prog));
		goto out;
	}
#endif
	if (dc->has_error) {
		if (rc == -dc->err_no && strstr(err, dc->err_msg))
			ok = true;
		else if (rc)
			snprintf(why, why_sz,
				 "mode %s: got error %s \"%s\", want %s "
				 "containing \"%s\"",
				 mode, errno_name(rc), err, errno_name(dc->err_no), dc->err_msg);
		else
			snprintf(why, why_sz,
				 "mode %s: run succeeded with r0 = 0x%" PRIx64
				 ", want error %s containing \"%s\"",
				 mode, r0, errno_name(dc->err_no), dc->err_msg);
		goto out;
	}
	if (rc) {
		snprintf(why, why_sz, "mode %s: run failed with %s \"%s\", want r0 = 0x%" PRIx64,
			 mode, errno_name(rc), err, dc->result);
		goto out;
	}
	if (r0 != dc->result) {
		snprintf(why, why_sz,
			 "mode %s: r0 = 0x%" PRIx64 " (%" PRId64 "), want 0x%" PRIx64 " (%" PRId64
			 ")",
			 mode, r0, (int64_t)r0, dc->result, (int64_t)dc->result);
		goto out;
	}
	if (dc->has_mem_after &&
	    (dc->mem_after.len != mem_len || (mem_len && memcmp(mem, dc->mem_after.p, mem_len)))) {
		char got[200], want[200];
		size_t i = 0;

		while (i < mem_len && i < dc->mem_after.len &&
		       mem[i] == (uint8_t)dc->mem_after.p[i])
			i++;
		hex_dump(got, sizeof(got), mem, mem_len);
		hex_dump(want, sizeof(want), (const uint8_t *)dc->mem_after.p, dc->mem_after.len);
		snprintf(why, why_sz, "mode %s: mem-after differs at byte %zu: got [%s], want [%s]",
			 mode, i, got, want);
		goto out;
	}
	ok = true;
out:
	free(mem);
	return ok;
}

/* Load and run one file in every applicable mode; why on failure. */
static bool run_data_case(const struct data_case *dc, char *why, size_t why_sz)
{
	USERBPF_OPTS(userbpf_prog_opts, popts);
	struct userbpf_insn *insns = NULL;
	struct userbpf_prog *prog;
	char err[256] = "", asm_err[256] = "";
	size_t cnt = 0;
	bool ok = true;
	int rc;
	int m;

	rc = data_case_insns(dc, &insns, &cnt, asm_err, sizeof(asm_err));
	if (rc) {
		snprintf(why, why_sz, "assembler: %s (%s)", asm_err, errno_name(rc));
		return false;
	}
	popts.err_buf = err;
	popts.err_buf_sz = sizeof(err);
	prog = userbpf_prog__new(insns, cnt, &popts);
	rc = prog ? 0 : -errno;
	insns_free(dc, insns);
	if (!prog) {
		if (dc->has_error && rc == -dc->err_no && strstr(err, dc->err_msg))
			return true;
		if (dc->has_error)
			snprintf(why, why_sz,
				 "load: got error %s \"%s\", want %s containing \"%s\"",
				 errno_name(rc), err, errno_name(dc->err_no), dc->err_msg);
		else
			snprintf(why, why_sz, "load: failed with %s \"%s\", want r0 = 0x%" PRIx64,
				 errno_name(rc), err, dc->result);
		return false;
	}
	for (m = 0; m < MODE_COUNT && ok; m++)
		if (mode_applies(dc, (enum mode)m))
			ok = run_mode(dc, prog, (enum mode)m, why, why_sz);
	userbpf_prog__free(prog);
	return ok;
}

/* ==== Directory walk ==== */

static int data_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && !strcmp(d->d_name + len - 5, ".data");
}

/*
 * The sorted list of the .data files in tests/data of the source tree.  Returns the
 * count (entries in *names, released with free_names) or -errno.
 */
static int list_data_files(struct dirent ***names, char *dir, size_t dir_sz)
{
	int n;

	snprintf(dir, dir_sz, "%s/%s", test_src_dir(), DATA_DIR);
	n = scandir(dir, names, data_filter, alphasort);
	return n < 0 ? -errno : n;
}

static void free_names(struct dirent **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

TEST(data_files)
{
	struct dirent **names;
	char dir[512];
	int n, i;

	n = list_data_files(&names, dir, sizeof(dir));
	if (n < 0) {
		test_fail(__FILE__, __LINE__, "cannot list %s: %s", dir, strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		struct data_case dc;
		char path[1024], name[300], why[1024] = "";
		bool ok;

		memset(&dc, 0, sizeof(dc));
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		snprintf(name, sizeof(name), "data/%s", names[i]->d_name);
		ok = parse_data_file(path, &dc, why, sizeof(why));
		if (!ok)
			test_result(name, false, "bad file: %s", why);
		else
			test_result(name, run_data_case(&dc, why, sizeof(why)), "%s", why);
		data_case_free(&dc);
	}
	free_names(names, n);
	if (n < MIN_DATA_FILES)
		test_fail(__FILE__, __LINE__, "only %d data files in %s, want at least %d", n, dir,
			  MIN_DATA_FILES);
}

/*
 * Every row of insn.def must appear in at least one data file (rows that
 * need a loader are covered by files expecting their load error).
 */
TEST(data_coverage)
{
	bool used[ISA_OP_COUNT] = { false };
	struct dirent **names;
	char dir[512], missing[4096] = "";
	size_t missing_len = 0;
	unsigned missing_cnt = 0;
	int n, i, op;

	n = list_data_files(&names, dir, sizeof(dir));
	if (n < 0) {
		test_fail(__FILE__, __LINE__, "cannot list %s: %s", dir, strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		struct data_case dc;
		struct userbpf_insn *insns = NULL;
		char path[1024], why[256];
		size_t cnt = 0, pc;

		memset(&dc, 0, sizeof(dc));
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (parse_data_file(path, &dc, why, sizeof(why)) &&
		    !data_case_insns(&dc, &insns, &cnt, why, sizeof(why))) {
			for (pc = 0; pc < cnt; pc++) {
				const char *reason;

				op = isa_decode(&insns[pc], &reason);
				if (op < 0)
					continue;
				used[op] = true;
				pc += isa_slots(op) - 1;
			}
			insns_free(&dc, insns);
		}
		data_case_free(&dc);
	}
	free_names(names, n);
	for (op = 0; op < ISA_OP_COUNT; op++) {
		if (used[op])
			continue;
		missing_cnt++;
		if (missing_len + 32 < sizeof(missing))
			missing_len += (size_t)snprintf(missing + missing_len,
							sizeof(missing) - missing_len, "%s%s",
							missing_len ? " " : "", isa_table[op].name);
	}
	if (missing_cnt)
		test_fail(__FILE__, __LINE__,
			  "%u of %d insn.def rows not used by any data file: %s", missing_cnt,
			  ISA_OP_COUNT, missing);
}
