/* SPDX-License-Identifier: MIT */
/*
 * fuzz_verifier.c - libFuzzer target for the verifier.  Input: byte 0
 * picks the program type, the rest is the program.  The verifier runs
 * with a full (level 2) log and three map descriptions (array, hash, ring
 * buffer); it must never crash or leak whatever the bytes.  A kprobe or
 * tracing (kernel-pointer loads, fault-tolerant in checked mode) program
 * it accepts is then run in checked mode on a 168-byte context: any check
 * that trips means the verifier accepted an unsafe program, and the
 * target aborts (a crash for libFuzzer).
 *
 * Byte 0 with its top bit set selects the structured mode instead: bytes
 * 1-8 seed the soundness generator (tests/verifier/vgen.c: subprogram
 * calls, bpf_loop callbacks, map values, the caller's stack), whose
 * program, if accepted, runs checked on a context from the rest of the
 * input; a tripped check aborts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "../tests/verifier/vgen.c" /* the generator (linked in the suite) */

static struct userbpf_map *maps[3];

static int resolve(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm, uint64_t *value)
{
	(void)cookie;
	(void)next_imm;
	if ((src_reg != 1 && src_reg != 5) || imm < 0 || imm > 2 || !maps[imm])
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)maps[imm];
	return 0;
}

static void structured(const struct userbpf_verifier_map *vmaps, const uint8_t *data, size_t size)
{
	static struct vgen g;
	static char log[1 << 16];
	uint64_t seed = 0, ctx[21] = { 0 }, ret;
	struct userbpf_prog *prog;
	int err;

	memcpy(&seed, data + 1, 8);
	memset(&g, 0, sizeof(g));
	g.rng = seed | 1;
	vgen_program(&g);
	memcpy(ctx, data + 9, size - 9 < sizeof(ctx) ? size - 9 : sizeof(ctx));
	{
		USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 2, .gpl = 1, .maps = vmaps,
			     .map_cnt = 3, .log_buf = log, .log_size = sizeof(log));

		err = userbpf_verify(g.p, (size_t)g.n, &o);
	}
	if (err)
		return;
	{
		USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = 2, .ld_imm64 = resolve);

		prog = userbpf_prog__new(g.p, (size_t)g.n, &po);
	}
	if (!prog)
		abort(); /* accepted but not loadable */
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = 168,
			     .flags = USERBPF_RUN_CHECKED, .insn_budget = 1000000);

		if (userbpf_prog__run(prog, &ro, &ret) && ro.insn_count < 1000000)
			abort(); /* the verifier accepted a program checked mode stops */
	}
	userbpf_prog__free(prog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct userbpf_verifier_map vmaps[3] = {
		{ 2, 4, 48, 4, 0, -1, NULL, NULL },
		{ 1, 4, 48, 8, 0, -1, NULL, NULL },
		{ 27, 0, 0, 4096, 0, -1, NULL, NULL },
	};
	static const uint32_t types[] = { 1, 2, 3, 5, 6, 17, 31, 26 };
	static char log[1 << 16];
	struct userbpf_insn *insns;
	struct userbpf_prog *prog;
	size_t cnt;
	uint32_t type;
	int err;

	if (size < 9)
		return 0;
	if (!maps[0]) {
		maps[0] = userbpf_map__create(2, "a", 4, 48, 4, NULL);
		maps[1] = userbpf_map__create(1, "h", 4, 48, 8, NULL);
		maps[2] = userbpf_map__create(27, "r", 0, 0, 4096, NULL);
	}
	if (data[0] & 0x80) {
		structured(vmaps, data, size);
		return 0;
	}
	cnt = (size - 1) / 8;
	insns = malloc(cnt * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data + 1, cnt * sizeof(*insns));
	{
		USERBPF_OPTS(userbpf_verifier_opts, o,
			     .prog_type = types[data[0] % (sizeof(types) / sizeof(types[0]))],
			     .gpl = 1, .maps = vmaps, .map_cnt = 3, .log_level = 2, .log_buf = log,
			     .log_size = sizeof(log));

		err = userbpf_verify(insns, cnt, &o);
	}
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	if (!err && (type == 2 || type == 26)) {
		USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = type, .ld_imm64 = resolve);

		prog = userbpf_prog__new(insns, cnt, &po);
		if (prog) {
			uint64_t ctx[21] = { 0 }, ret;
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = 168,
				     .flags = USERBPF_RUN_CHECKED, .insn_budget = 1000000);

			if (userbpf_prog__run(prog, &ro, &ret) && ro.insn_count < 1000000)
				abort(); /* the verifier accepted a program checked mode stops */
			userbpf_prog__free(prog);
		}
	}
	free(insns);
	return 0;
}
