/* SPDX-License-Identifier: MIT */
/*
 * cmd_jited.c - "userbpf disasm --jited": each BPF instruction followed by
 * the native code the JIT produced for it, disassembled by capstone when
 * the build found it (else shown as bytes), and the --engine option
 * shared by "exec" and "run".
 *
 * Built only on the public API (userbpf/jit.h).  The native code of an
 * instruction is [offset(pc), offset(pc + 1)); the prologue of a called
 * function appears at the end of the instruction before it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifdef USERBPF_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

#include "cli.h"

uint32_t cli_engine_flags(const char *name, const char *who)
{
	if (!strcmp(name, "jit"))
		return USERBPF_RUN_UNCHECKED;
	if (!strcmp(name, "interp"))
		return USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER;
	if (!strcmp(name, "checked"))
		return USERBPF_RUN_CHECKED;
	cli_die(2, "%s: bad --engine '%s' (jit, interp or checked)", who, name);
}

static void print_native(const uint8_t *code, size_t start, size_t end)
{
#ifdef USERBPF_HAVE_CAPSTONE
	static csh handle;
	static int opened;
	cs_insn *insn;
	size_t n, i;

	if (!opened) {
		opened = cs_open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK ? 1 : -1;
	}
	if (opened == 1) {
		n = cs_disasm(handle, code + start, end - start, start, 0, &insn);
		for (i = 0; i < n; i++) {
			size_t b;

			printf("        %6" PRIx64 ":  ", insn[i].address);
			for (b = 0; b < 10; b++)
				printf(b < insn[i].size ? "%02x " : "   ", insn[i].bytes[b]);
			printf("%s %s\n", insn[i].mnemonic, insn[i].op_str);
		}
		if (n)
			cs_free(insn, n);
		return;
	}
#endif
	while (start < end) {
		size_t b;

		printf("        %6zx: ", start);
		for (b = 0; b < 16 && start + b < end; b++)
			printf(" %02x", code[start + b]);
		printf("\n");
		start += b;
	}
}

int cli_print_jited(struct userbpf_prog *prog)
{
	const struct userbpf_insn *insns = userbpf_prog__insns(prog);
	size_t cnt = userbpf_prog__insn_cnt(prog), pc = 0, size;
	const uint8_t *code;
	int rc = userbpf_prog__jit(prog);
	char line[256];

	if (rc) {
		printf("; %s: not compiled (%s): runs on the interpreter\n",
		       userbpf_prog__name(prog),
		       userbpf_prog__jit_error(prog) ? userbpf_prog__jit_error(prog) :
						       userbpf_strerror(rc));
		return 1;
	}
	code = userbpf_prog__jited(prog, &size);
	printf("; %s: %zu BPF instructions, %zu bytes of x86-64 (trampoline and "
	       "shared stubs 0-%lx)%s\n",
	       userbpf_prog__name(prog), cnt, size, userbpf_prog__jited_offset(prog, 0),
#ifdef USERBPF_HAVE_CAPSTONE
	       ""
#else
	       ", no disassembler in this build (capstone): bytes"
#endif
	);
	while (pc < cnt) {
		int n = userbpf_disasm_insn(&insns[pc], cnt - pc, line, sizeof(line));
		size_t next = pc + (n > 0 ? (size_t)n : 1);
		long start = userbpf_prog__jited_offset(prog, pc);
		long end = userbpf_prog__jited_offset(prog, next > cnt ? cnt : next);

		printf("%6zu:  %s\n", pc, line);
		if (start >= 0 && end > start)
			print_native(code, (size_t)start, (size_t)end);
		pc = next;
	}
	return 0;
}

/* Raw bytecode: a program of its own (helpers only, no maps). */
int cli_print_jited_insns(const struct userbpf_insn *insns, size_t cnt)
{
	char err[256] = "";
	USERBPF_OPTS(userbpf_prog_opts, po, .name = "prog", .err_buf = err,
		     .err_buf_sz = sizeof(err));
	struct userbpf_prog *prog = userbpf_prog__new(insns, cnt, &po);
	int rc;

	if (!prog)
		cli_die(1, "disasm --jited: %s", err[0] ? err : strerror(errno));
	rc = cli_print_jited(prog);
	userbpf_prog__free(prog);
	return rc;
}

/* A BPF object: load it, then every program (or the one named). */
int cli_print_jited_object(const char *path, const char *prog_name)
{
	char err[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, oo, .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_object *obj = userbpf_object__open_file(path, &oo);
	struct userbpf_program *p = NULL;
	int bad = 0, found = 0;

	if (!obj)
		cli_die(1, "%s: %s", path, err[0] ? err : strerror(errno));
	if (userbpf_object__load(obj))
		cli_die(1, "%s: %s", path, userbpf_object__errmsg(obj));
	while ((p = userbpf_object__next_program(obj, p))) {
		if (prog_name && strcmp(prog_name, userbpf_program__name(p)))
			continue;
		if (found++)
			printf("\n");
		bad += cli_print_jited(userbpf_program__prog(p));
	}
	userbpf_object__close(obj);
	if (!found)
		cli_die(1, "%s: no program%s%s", path, prog_name ? " named " : "",
			prog_name ? prog_name : "");
	return bad ? 1 : 0;
}
