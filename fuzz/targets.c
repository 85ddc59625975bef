/* SPDX-License-Identifier: MIT */
/*
 * targets.c - fuzz target bodies (see targets.h).  Each must return 0 and
 * never trigger a sanitizer report, whatever the input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/syscall.h"
#include "userbpf/userbpf.h"
#include "targets.h"

/*
 * Layout: byte 0 = memory length (0..255), then that many bytes of
 * memory, then the program.  The program is disassembled, then run
 * differentially:
 *
 *  1. checked + budget, on its own exact-size heap copy of the memory
 *     (ASan redzones on both sides, so an interpreter or helper access
 *     one byte outside the run's memory aborts the fuzzer);
 *  2. checked + budget again, on another copy, from a deeper C stack
 *     (other stack and memory addresses): if 1 and 2 disagree, the
 *     result depends on addresses (a leaked pointer), so it is not
 *     compared;
 *  3. when 1 ran without fault: unchecked with the same budget, and
 *     unchecked without budget (the fast interpreter), each on its own
 *     copy; each must give 0, the same r0 and the same memory bytes
 *     as 1 (abort() otherwise: a crash for libFuzzer).  An unchecked
 *     run touching anything checked mode refused is an ASan report.
 *
 * Every built-in helper is enabled.  Helpers whose result is not a
 * function of the input (clocks, random numbers, CPU and NUMA ids) are
 * replaced by fixed-value stand-ins so the variants stay comparable,
 * and send_signal(_thread) by a stand-in that checks its argument as the
 * real one does and signals nobody (the real ones would kill the fuzzer).
 */
static uint64_t fuzz_fixed_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				  struct userbpf_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return 0x5eed;
}

static uint64_t fuzz_zero_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				 struct userbpf_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return 0;
}

static uint64_t fuzz_signal_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				   struct userbpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return r1 == 0 || r1 >= 64 ? (uint64_t)-22 : 0;
}

static const struct userbpf_helper *fuzz_helpers(size_t *cnt)
{
	static struct userbpf_helper table[512];
	static size_t table_cnt;
	size_t n, i;
	const struct userbpf_helper *h;

	if (!table_cnt) {
		h = userbpf_helpers_std(&n);
		for (i = 0; i < n && i < 512; i++) {
			table[i] = h[i];
			switch (h[i].id) {
			case 5:
			case 7:
			case 118:
			case 125:
			case 160:
			case 208:
				table[i].fn = fuzz_fixed_helper;
				break;
			case 8:
			case 42:
				table[i].fn = fuzz_zero_helper;
				break;
			case 109:
			case 117:
				table[i].fn = fuzz_signal_helper;
				break;
			default:
				break;
			}
		}
		table_cnt = i;
	}
	*cnt = table_cnt;
	return table;
}

struct fuzz_result {
	int err;
	uint64_t r0;
	uint8_t *mem;
};

/* The unchecked variants, asked for explicitly (unverified programs). */
#define UNCHECKED_INTERP (USERBPF_RUN_INTERPRETER | USERBPF_RUN_UNCHECKED)

/*
 * One run on a copy of init: in a fresh exact-size buffer, or at home (a
 * buffer of len bytes the caller keeps, so that runs compared with each
 * other see the same address: programs may branch on it).  res->mem is
 * the memory after the run (a copy when run at home), freed by the caller.
 */
static void fuzz_run_at(struct userbpf_prog *prog, uint8_t *home, const uint8_t *init, size_t len,
			uint32_t flags, uint64_t budget, struct fuzz_result *res)
{
	uint8_t *mem = home ? home : malloc(len ? len : 1);
	uint64_t args[2];

	res->mem = NULL;
	res->err = -12;
	res->r0 = 0;
	if (!mem)
		return;
	memcpy(mem, init, len);
	args[0] = (uint64_t)(uintptr_t)mem;
	args[1] = len;
	{
		USERBPF_OPTS(userbpf_run_opts, o, .ctx = mem, .ctx_size = len, .data = mem,
			     .data_size = len, .args = args, .arg_cnt = 2, .insn_budget = budget,
			     .flags = flags);

		res->err = userbpf_prog__run(prog, &o, &res->r0);
	}
	if (home) {
		res->mem = malloc(len ? len : 1);
		if (res->mem)
			memcpy(res->mem, home, len);
		else
			res->err = -12;
	} else {
		res->mem = mem;
	}
}

static void fuzz_run(struct userbpf_prog *prog, const uint8_t *init, size_t len, uint32_t flags,
		     uint64_t budget, struct fuzz_result *res)
{
	fuzz_run_at(prog, NULL, init, len, flags, budget, res);
}

/* The same run from a deeper C stack: other interpreter stack address. */
__attribute__((noinline)) static void fuzz_run_deep(struct userbpf_prog *prog, const uint8_t *init,
						    size_t len, uint32_t flags, uint64_t budget,
						    struct fuzz_result *res)
{
	volatile uint8_t pad[4096];

	pad[0] = 1;
	fuzz_run(prog, init, len, flags, budget, res);
	pad[4095] = pad[0];
}

/* Fill the C stack the next run's interpreter frame will occupy. */
__attribute__((noinline)) static void fuzz_dirty_stack(int pattern)
{
	uint8_t pad[64 << 10];

	memset(pad, pattern, sizeof(pad));
	__asm__ volatile("" : : "r"(pad) : "memory");
}

static int fuzz_same(const struct fuzz_result *a, const struct fuzz_result *b, size_t len)
{
	return a->mem && b->mem && a->err == b->err && a->r0 == b->r0 &&
	       !memcmp(a->mem, b->mem, len);
}

#define FUZZ_BUDGET 20000

int fuzz_bytecode_one(const uint8_t *data, size_t size)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *prog;
	size_t mem_len, cnt, pc, hcnt;
	const uint8_t *init;
	char buf[256];

	if (size < 1)
		return 0;
	mem_len = data[0];
	if (size < 1 + mem_len)
		return 0;
	init = data + 1;
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
		USERBPF_OPTS(userbpf_prog_opts, po);

		po.helpers = fuzz_helpers(&hcnt);
		po.helper_cnt = hcnt;
		prog = userbpf_prog__new(insns, cnt, &po);
	}
	if (prog) {
		struct fuzz_result chk, chk2, bud = { 0 }, fast = { 0 };

		/* home: where the checked run and the unchecked ones it is
		 * compared with all run (the second checked run is elsewhere) */
		uint8_t *home = malloc(mem_len ? mem_len : 1);

		fuzz_run_at(prog, home, init, mem_len, USERBPF_RUN_CHECKED, FUZZ_BUDGET, &chk);
		fuzz_run_deep(prog, init, mem_len, USERBPF_RUN_CHECKED, FUZZ_BUDGET, &chk2);
		/* Unchecked mode trusts helper arguments (a forged map pointer
		 * checked mode refuses with an error code is dereferenced), so
		 * programs calling helpers (call or callx) are compared in checked mode only;
		 * bpf-to-bpf calls too: unchecked frames reuse stack a deeper
		 * call left behind, so reads of unwritten stack differ; and
		 * programs naming r10 (only checked mode zeroes the stack, so a
		 * read of stack never written differs: the verifier refuses it,
		 * the interpreter does not) are compared in checked mode only. */
		int calls = 0;

		for (pc = 0; pc < cnt; pc++)
			if (insns[pc].code == 0x85 /* call */ ||
			    insns[pc].code == 0x8d /* callx */ || insns[pc].dst_reg == 10 ||
			    insns[pc].src_reg == 10)
				calls = 1;
		if (!calls && chk.err == 0 && chk2.err == 0 && fuzz_same(&chk, &chk2, mem_len)) {
			struct fuzz_result dirty = { 0 };

			/* Unchecked mode does not clear the stack: a program that
			 * reads stack it never wrote (the verifier refuses it)
			 * sees leftovers.  The budgeted run on a zeroed and on a
			 * 0xa5-filled C stack must agree, else not compared. */
			fuzz_dirty_stack(0);
			fuzz_run_at(prog, home, init, mem_len, UNCHECKED_INTERP, FUZZ_BUDGET, &bud);
			fuzz_dirty_stack(0xa5);
			fuzz_run_at(prog, home, init, mem_len, UNCHECKED_INTERP, FUZZ_BUDGET,
				    &dirty);
			if (fuzz_same(&bud, &dirty, mem_len)) {
				if (!fuzz_same(&chk, &bud, mem_len))
					abort(); /* budgeted unchecked disagrees with checked */
				fuzz_dirty_stack(0x5a);
				fuzz_run_at(prog, home, init, mem_len, UNCHECKED_INTERP, 0, &fast);
				if (!fuzz_same(&chk, &fast, mem_len))
					abort(); /* fast interpreter disagrees with checked */
			}
			free(dirty.mem);
		}
		free(home);
		free(chk.mem);
		free(chk2.mem);
		free(bud.mem);
		free(fast.mem);
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
			int n = userbpf_disasm_insn(&insns[pc], cnt - pc, buf, sizeof(buf));

			pc += n > 0 ? (size_t)n : 1;
		}
		userbpf_free(insns);
	}
	free(text);
	return 0;
}

/* ==== ELF objects (loader) ==== */

#include "userbpf/object.h"

static uint64_t fuzz_elf_nop_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				    struct userbpf_run *run)
{
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	(void)run;
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
			table[i] = (struct userbpf_helper){ (uint32_t)i + 1,
							    "fuzz_nop",
							    fuzz_elf_nop_helper,
							    { .ret = USERBPF_RET_INTEGER } };
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
		if (d.max_entries > (1u << 16) || d.key_size > 4096 || d.value_size > (1u << 20))
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
		     .extra_helpers = helpers, .extra_helper_cnt = helper_cnt, .err_buf = err,
		     .err_buf_sz = sizeof(err));
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

/* ==== USDT notes and argument strings (probe) ==== */

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/probe_int.h"

static void fuzz_usdt_spec(const char *args)
{
	static const uint32_t sizes[] = { 208, 304 };
	uint8_t spec[304];
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		probe_usdt_spec(args, 0, sizes[i], spec, err, sizeof(err));
}

static int fuzz_usdt_note(void *ctx, const struct probe_usdt_note *n)
{
	(void)ctx;
	fuzz_usdt_spec(n->args);
	return 0;
}

int fuzz_usdt_one(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	if (!size)
		return 0;
	if (data[0]) {
		char *args = malloc(size);

		if (!args)
			return 0;
		memcpy(args, data + 1, size - 1);
		args[size - 1] = '\0';
		fuzz_usdt_spec(args);
		free(args);
		return 0;
	}
	fd = memfd_create("fuzz-usdt", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		probe_usdt_notes(path, fuzz_usdt_note, NULL);
	}
	close(fd);
	return 0;
}

static void fuzz_symbols_fn(void *ctx, const char *name, uint64_t vaddr, uint64_t size)
{
	/* every name a NUL-terminated string inside the table */
	*(size_t *)ctx += strlen(name) + (size_t)(vaddr & 1) + (size_t)(size & 1);
}

int fuzz_symbols_one(const uint8_t *data, size_t size)
{
	char path[64];
	size_t sum = 0;
	int fd = memfd_create("fuzz-symbols", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		userbpf_probe__list_functions(path, NULL, fuzz_symbols_fn, &sum);
	}
	close(fd);
	return 0;
}

int fuzz_btf_one(const uint8_t *data, size_t size)
{
	union bpf_attr a;
	uint8_t mode = size ? data[0] : 0;
	uint32_t log_size = (uint32_t)(mode >> 2) * 16;
	uint8_t *blob, *log = NULL;
	int fd;

	if (size)
		data++, size--;
	/* an exact-size heap copy: a read past the blob is an ASan report */
	blob = malloc(size ? size : 1);
	if (!blob)
		return 0;
	memcpy(blob, data, size);
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = (uint32_t)size;
	if (mode & 1) {
		a.btf_log_level = 1 | (mode & 2 ? 8 : 0);
		if (log_size && (log = malloc(log_size))) {
			memset(log, 0x7e, log_size);
			a.btf_log_buf = (uint64_t)(uintptr_t)log;
			a.btf_log_size = log_size;
		}
	}
	fd = userbpf_bpf(BPF_BTF_LOAD, &a, sizeof(a));
	if (fd >= 0)
		userbpf_close(fd);
	/* a log buffer the command wrote is zero-terminated */
	if (fd < 0 && log && errno != EFAULT && !memchr(log, 0, log_size))
		abort();
	free(log);
	free(blob);
	return 0;
}
