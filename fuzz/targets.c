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
	{
		/* every built-in helper except those that signal the process */
		static struct userbpf_helper safe[256];
		static size_t safe_cnt;
		USERBPF_OPTS(userbpf_prog_opts, po);

		if (!safe_cnt) {
			size_t n, i;
			const struct userbpf_helper *h = userbpf_helpers_std(&n);

			for (i = 0; i < n && safe_cnt < 256; i++)
				if (h[i].id != 109 && h[i].id != 117)
					safe[safe_cnt++] = h[i];
		}
		po.helpers = safe;
		po.helper_cnt = safe_cnt;
		prog = userbpf_prog__new(insns, cnt, &po);
	}
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

/* ==== ELF objects (loader) ==== */

#include "userbpf/object.h"

static uint64_t fuzz_elf_nop_helper(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5,
				    struct userbpf_run *run)
{
	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)run;
	return 0;
}

/*
 * Every helper id a clang-compiled program may call resolves (to a no-op:
 * programs are never run), so loads get past helper resolution and reach
 * the relocation, map and program creation code.
 */
static const struct userbpf_helper *fuzz_elf_helpers(size_t *cnt)
{
	static struct userbpf_helper table[212];
	size_t i;

	if (!table[0].fn)
		for (i = 0; i < 212; i++)
			table[i] = (struct userbpf_helper){
				(uint32_t)i + 1, "fuzz_nop", fuzz_elf_nop_helper,
				{ .ret = USERBPF_RET_INTEGER }
			};
	*cnt = 212;
	return table;
}

/* Memory a load would give the maps, bounded so corrupt sizes skip it. */
static int fuzz_elf_small_maps(struct userbpf_object *obj)
{
	struct userbpf_object_map *m = NULL;
	uint64_t total = 0;

	while ((m = userbpf_object__next_map(obj, m))) {
		struct userbpf_map_def d;

		userbpf_object_map__def(m, &d);
		if (d.max_entries > (1u << 16) || d.key_size > 4096 ||
		    d.value_size > (1u << 20))
			return 0;
		total += (uint64_t)d.max_entries * (d.key_size + d.value_size + 64);
	}
	return total < (64u << 20);
}

int fuzz_elf_one(const uint8_t *data, size_t size)
{
	char err[256];
	size_t helper_cnt;
	const struct userbpf_helper *helpers = fuzz_elf_helpers(&helper_cnt);
	USERBPF_OPTS(userbpf_object_open_opts, opts, .object_name = "fuzz.o",
		     .extra_helpers = helpers, .extra_helper_cnt = helper_cnt,
		     .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_object *obj;
	struct userbpf_program *p = NULL;

	obj = userbpf_object__open_mem(data, size, &opts);
	if (!obj)
		return 0;
	/* the getters must be safe on whatever opened */
	while ((p = userbpf_object__next_program(obj, p))) {
		size_t n;

		(void)userbpf_program__line_info(p, &n);
		(void)userbpf_program__attach_target(p);
	}
	if (userbpf_object__prepare(obj) == 0 && fuzz_elf_small_maps(obj))
		(void)userbpf_object__load(obj);
	userbpf_object__close(obj);
	return 0;
}
