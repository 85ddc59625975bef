/* SPDX-License-Identifier: MIT */
/*
 * userbpf.c - the command-line tool: a table of subcommands, each with its
 * own --help, built only on the public API.
 *
 *   userbpf asm [FILE]            assembly text -> instruction bytes
 *   userbpf disasm [FILE]         instruction bytes (raw or hex) -> text
 *   userbpf exec [MEMORY_HEX]     run bytecode read from stdin
 *   userbpf prog list OBJ         programs of a .bpf.o
 *   userbpf run OBJ --prog NAME   test-run one program (cmd_object.c)
 *   userbpf map dump OBJ          map contents, optionally after a run
 *
 * Exit status: 0 success, 1 the program failed to load or run, 2 bad
 * arguments or malformed input (always with a one-line message).
 * Invoked as "userbpf-plugin" the tool is "userbpf exec": the plugin
 * protocol of the bpf_conformance runner (memory hex as argv[1], options
 * as argv[2], program hex on stdin, r0 in hex on stdout).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "cli.h"

/* ==== Shared helpers ==== */

const char *cli_prog_name = "userbpf";

void cli_die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void cli_sibling_path(char *out, size_t sz, const char *env, const char *name)
{
	const char *val = getenv(env);
	char self[PATH_MAX - 64];
	ssize_t n;
	char *slash;

	if (val) {
		snprintf(out, sz, "%s", val);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		cli_die(1, "cannot find %s: set %s", name, env);
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, sz, "%s/%s", self, name);
}

int cli_read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = (!path || !strcmp(path, "-")) ? stdin : fopen(path, "rb");
	size_t cap = 4096, n = 0;
	uint8_t *buf;

	if (!f)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		if (cap > (256u << 20)) {
			free(buf);
			return -EFBIG;
		}
		cap *= 2;
		uint8_t *nb = realloc(buf, cap + 1);
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode hex text: pairs separated by whitespace ("b7 00 00") or run
 * together ("b70000"), optional "0x" before a pair.  Returns 0 or -EINVAL
 * with the offending position in *bad.
 */
int cli_parse_hex(const char *text, size_t text_len, uint8_t **out, size_t *out_len, size_t *bad)
{
	uint8_t *buf = malloc(text_len / 2 + 1);
	size_t i = 0, n = 0;

	if (!buf)
		return -ENOMEM;
	while (i < text_len) {
		int hi, lo;

		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' ||
		    text[i] == ',') {
			i++;
			continue;
		}
		if (text[i] == '0' && i + 1 < text_len &&
		    (text[i + 1] == 'x' || text[i + 1] == 'X') && i + 3 < text_len &&
		    hexval(text[i + 2]) >= 0 && hexval(text[i + 3]) >= 0)
			i += 2;
		hi = hexval((unsigned char)text[i]);
		lo = i + 1 < text_len ? hexval((unsigned char)text[i + 1]) : -1;
		if (hi < 0 || lo < 0) {
			free(buf);
			*bad = i;
			return -EINVAL;
		}
		buf[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

bool cli_looks_hex(const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hexval(data[i]) < 0 && !strchr(" \t\r\n,xX", data[i]))
			return false;
	return true;
}

/* ==== userbpf asm ==== */

static const char asm_usage[] =
	"usage: userbpf asm [FILE|-] [-o OUT] [--binary]\n"
	"Assemble BPF assembly (llvm-objdump syntax, see docs/asm.md).\n"
	"Prints the instruction bytes as hex pairs (the input of 'userbpf exec'),\n"
	"or writes raw bytes with --binary or -o OUT.\n";

static int cmd_asm(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	bool binary = false;
	struct userbpf_insn *insns;
	size_t cnt, len, i;
	uint8_t *text;
	char err[256];
	int rc;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(asm_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < (size_t)argc) {
			out = argv[++i];
			binary = true;
		} else if (!strcmp(argv[i], "--binary")) {
			binary = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_die(2, "asm: unknown option '%s' (see --help)", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else {
			cli_die(2, "asm: too many arguments (see --help)");
		}
	}
	rc = cli_read_file(in, &text, &len);
	if (rc)
		cli_die(2, "asm: cannot read %s: %s", in ? in : "stdin", strerror(-rc));
	rc = userbpf_asm((const char *)text, &insns, &cnt, err, sizeof(err));
	free(text);
	if (rc)
		cli_die(2, "asm: %s: %s", in ? in : "stdin", err);
	if (binary) {
		FILE *f = out ? fopen(out, "wb") : stdout;

		if (!f)
			cli_die(2, "asm: cannot write %s: %s", out, strerror(errno));
		if (fwrite(insns, sizeof(*insns), cnt, f) != cnt)
			cli_die(1, "asm: write failed");
		if (out)
			fclose(f);
	} else {
		const uint8_t *b = (const uint8_t *)insns;

		for (i = 0; i < cnt * sizeof(*insns); i++)
			printf("%02x%s", b[i], (i + 1) % 8 ? " " : "\n");
	}
	userbpf_free(insns);
	return 0;
}

/* ==== userbpf disasm ==== */

static const char disasm_usage[] =
	"usage: userbpf disasm [FILE|-] [--no-bytes] [--prog NAME] [--jited]\n"
	"Disassemble BPF instructions given as raw bytes or as hex text\n"
	"(detected automatically), one line per instruction:\n"
	"       0:  b7 00 00 00 01 00 00 00  r0 = 1\n"
	"FILE may be a BPF object (.bpf.o): every program (or --prog NAME) is\n"
	"listed after relocation, with its source lines from BTF line info.\n"
	"  --jited          compile with the JIT and show each instruction's native\n"
	"                   x86-64 code under it (objects: after loading)\n";

int cli_print_insns(const struct userbpf_insn *insns, size_t cnt, bool bytes)
{
	size_t pc = 0;
	char line[256];
	int bad = 0;

	while (pc < cnt) {
		int n = userbpf_disasm_insn(&insns[pc], cnt - pc, line, sizeof(line));
		int slots = n > 0 ? n : 1;
		int s;

		for (s = 0; s < slots; s++) {
			const uint8_t *b = (const uint8_t *)&insns[pc + s];

			printf("%6zu:", pc + s);
			if (bytes)
				printf("  %02x %02x %02x %02x %02x %02x %02x %02x", b[0], b[1],
				       b[2], b[3], b[4], b[5], b[6], b[7]);
			printf("  %s\n", s == 0 ? line : "");
		}
		if (n < 0)
			bad++;
		pc += (size_t)slots;
	}
	return bad;
}

static int cmd_disasm(int argc, char **argv)
{
	const char *in = NULL, *prog = NULL;
	bool bytes = true, jited = false;
	uint8_t *data, *raw;
	size_t len, raw_len, bad_at;
	int rc, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(disasm_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--no-bytes")) {
			bytes = false;
		} else if (!strcmp(argv[i], "--jited")) {
			jited = true;
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			prog = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_die(2, "disasm: unknown option '%s' (see --help)", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else {
			cli_die(2, "disasm: too many arguments (see --help)");
		}
	}
	if (cli_is_object(in))
		return jited ? cli_print_jited_object(in, prog) :
			       cli_disasm_object(in, prog, bytes);
	if (prog)
		cli_die(2, "disasm: --prog needs a BPF object file");
	rc = cli_read_file(in, &data, &len);
	if (rc)
		cli_die(2, "disasm: cannot read %s: %s", in ? in : "stdin", strerror(-rc));
	if (len && cli_looks_hex(data, len)) {
		rc = cli_parse_hex((const char *)data, len, &raw, &raw_len, &bad_at);
		if (rc)
			cli_die(2, "disasm: malformed hex at offset %zu", bad_at);
		free(data);
		data = raw;
		len = raw_len;
	}
	if (len % sizeof(struct userbpf_insn))
		cli_die(2,
			"disasm: %zu bytes is not a whole number of 8-byte "
			"instructions",
			len);
	if (jited)
		rc = cli_print_jited_insns((const struct userbpf_insn *)data,
					   len / sizeof(struct userbpf_insn));
	else
		rc = cli_print_insns((const struct userbpf_insn *)data,
				     len / sizeof(struct userbpf_insn), bytes);
	free(data);
	return rc ? 1 : 0;
}

/* ==== userbpf exec ==== */

static const char exec_usage[] =
	"usage: userbpf exec [MEMORY_HEX] [OPTIONS] < PROGRAM_HEX\n"
	"Run BPF bytecode read from stdin (hex pairs like 'b7 00 00 00 01 00 00 00\n"
	"95 00 ...', or plain hex) on the given memory (hex).  At entry r1 holds\n"
	"the memory's address and r2 its length; r0 is printed in hex at exit.\n"
	"This is the plugin protocol of the bpf_conformance runner.\n"
	"Options:\n"
	"  --program FILE   read the program from FILE (raw or hex) instead of stdin\n"
	"  --asm            the program is assembly text, not bytes\n"
	"  --unchecked      skip the bounds checks on memory accesses (faster;\n"
	"                   only for trusted programs)\n"
	"  --budget N       stop after N instructions (default 1000000000, 0 = none)\n"
	"  --engine E       checked (default: bounds checks and a budget), or for\n"
	"                   trusted programs jit (native code) or interp (the fast\n"
	"                   interpreter); jit and interp run without checks or budget\n"
	"  --mem-out        also print the memory after the run, in hex\n";

static int cmd_exec(int argc, char **argv)
{
	const char *mem_hex = NULL, *prog_path = NULL;
	bool checked = true, is_asm = false, mem_out = false;
	uint32_t engine = 0;
	uint64_t budget = 1000000000ull;
	uint8_t *text = NULL, *code = NULL, *mem = NULL;
	size_t text_len, code_len = 0, mem_len = 0, bad_at, cnt;
	struct userbpf_insn *insns;
	struct userbpf_prog *prog;
	char err[256];
	uint64_t args[2], r0 = 0;
	int rc, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!a[0])
			continue; /* the conformance runner passes "" */
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(exec_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--unchecked")) {
			checked = false;
		} else if (!strcmp(a, "--engine") && i + 1 < argc) {
			engine = cli_engine_flags(argv[++i], "exec");
		} else if (!strcmp(a, "--asm")) {
			is_asm = true;
		} else if (!strcmp(a, "--mem-out")) {
			mem_out = true;
		} else if (!strcmp(a, "--budget") && i + 1 < argc) {
			char *end;

			errno = 0;
			budget = strtoull(argv[++i], &end, 0);
			if (errno || *end || argv[i][0] == '-')
				cli_die(2, "exec: bad --budget '%s'", argv[i]);
		} else if (!strcmp(a, "--program") && i + 1 < argc) {
			prog_path = argv[++i];
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			cli_die(2, "exec: unknown option '%s' (see --help)", a);
		} else if (!mem_hex) {
			mem_hex = a;
		} else {
			cli_die(2, "exec: unexpected argument '%s' (see --help)", a);
		}
	}
	if (mem_hex && cli_parse_hex(mem_hex, strlen(mem_hex), &mem, &mem_len, &bad_at))
		cli_die(2, "exec: malformed memory hex at offset %zu", bad_at);
	rc = cli_read_file(prog_path, &text, &text_len);
	if (rc)
		cli_die(2, "exec: cannot read %s: %s", prog_path ? prog_path : "stdin",
			strerror(-rc));
	if (is_asm) {
		rc = userbpf_asm((const char *)text, &insns, &cnt, err, sizeof(err));
		if (rc)
			cli_die(2, "exec: %s", err);
		code = (uint8_t *)insns;
		code_len = cnt * sizeof(*insns);
	} else if (text_len && !cli_looks_hex(text, text_len)) {
		code = text; /* raw bytes from a file */
		code_len = text_len;
		text = NULL;
	} else if (cli_parse_hex((const char *)text, text_len, &code, &code_len, &bad_at)) {
		cli_die(2, "exec: malformed program hex at offset %zu", bad_at);
	}
	free(text);
	if (code_len == 0 || code_len % sizeof(struct userbpf_insn))
		cli_die(2,
			"exec: program of %zu bytes is not a whole, non-zero "
			"number of 8-byte instructions",
			code_len);
	{
		USERBPF_OPTS(userbpf_prog_opts, popts, .name = "exec", .err_buf = err,
			     .err_buf_sz = sizeof(err));
		prog = userbpf_prog__new((const struct userbpf_insn *)code,
					 code_len / sizeof(struct userbpf_insn), &popts);
	}
	if (!prog) {
		/* stdout: the conformance runner compares it with "-- error" */
		printf("%s\n", err[0] ? err : strerror(errno));
		free(mem);
		free(code);
		return 1;
	}
	{
		USERBPF_OPTS(userbpf_run_opts, ropts, .ctx = mem, .ctx_size = mem_len, .data = mem,
			     .data_size = mem_len,
			     .flags = engine  ? engine :
				      checked ? USERBPF_RUN_CHECKED :
						USERBPF_RUN_UNCHECKED,
			     .insn_budget = engine & USERBPF_RUN_UNCHECKED ? 0 : budget,
			     .err_buf = err, .err_buf_sz = sizeof(err));
		args[0] = (uint64_t)(uintptr_t)mem;
		args[1] = mem_len;
		ropts.args = args;
		ropts.arg_cnt = 2;
		rc = userbpf_prog__run(prog, &ropts, &r0);
	}
	userbpf_prog__free(prog);
	free(code);
	if (rc) {
		printf("%s\n", err[0] ? err : userbpf_strerror(rc));
		free(mem);
		return 1;
	}
	printf("0x%" PRIx64 "\n", r0);
	if (mem_out) {
		size_t k;

		for (k = 0; k < mem_len; k++)
			printf("%02x%s", mem[k], k + 1 < mem_len ? " " : "\n");
	}
	free(mem);
	return 0;
}

/* ==== Dispatch ==== */

static const struct cli_cmd cmds[] = {
	{ "asm", cmd_asm, "assemble text into BPF instructions" },
	{ "disasm", cmd_disasm, "disassemble BPF instructions" },
	{ "exec", cmd_exec, "run raw bytecode on memory (bpf_conformance plugin)" },
	{ "prog", cli_cmd_prog, "list the programs of a BPF object (prog list OBJ)" },
	{ "run", cli_cmd_run, "test-run a program of a BPF object" },
	{ "map", cli_cmd_map, "dump the maps of a BPF object (map dump OBJ)" },
	{ "verify", cli_cmd_verify, "verify the programs of an object or raw bytecode" },
	{ "trace", cli_cmd_trace,
	  "run a command with an object's probes attached (trace OBJ -- CMD)" },
	{ "launch", cli_cmd_launch,
	  "run a libbpf application on userbpf (launch [--domain D] -- APP)" },
	{ "trace-pipe", cli_cmd_trace_pipe,
	  "print a domain's bpf_printk output (trace-pipe [--domain D])" },
	{ "domain", cli_cmd_domain, "remove a launch domain (domain rm NAME)" },
	{ "probes", cli_cmd_probes,
	  "list attach points matching a pattern (probes PATTERN [BINARY])" },
	{ "gen", cli_cmd_gen, "generate a skeleton header over userbpf's API (gen skeleton OBJ)" },
	{ "iter", cli_cmd_iter,
	  "run an iterator program and print its text (iter OBJ [PROG] [map MAP])" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: userbpf COMMAND [ARGS] (userbpf COMMAND --help)\n"
		   "Run kernel-style eBPF programs in user space.\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	size_t i;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "userbpf-plugin")) {
		cli_prog_name = "userbpf-plugin";
		return cmd_exec(argc, argv);
	}
	if (argc < 2)
		cli_die(2, "no command given (see userbpf --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("userbpf %d.%d\n", USERBPF_VERSION_MAJOR, USERBPF_VERSION_MINOR);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	cli_die(2, "unknown command '%s' (see userbpf --help)", argv[1]);
	return 2;
}
