/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_soundness.c - soundness fuzzing of the verifier: vgen.c
 * generates random but plausible programs (map lookups with and without
 * null checks, pointer arithmetic with masked, branch-bounded or unbounded
 * offsets, loads and stores through map values and the stack, ALU on
 * context-derived scalars, forward branches, bounded loops, ring buffer
 * records, bpf-to-bpf subprograms taking scalars and pointers to the
 * caller's stack and returning scalars, bpf_loop callbacks counting in
 * the caller's stack); every program the verifier accepts runs in
 * checked mode on random contexts and must never trip a check.  A fixed
 * count runs in the suite (seeded, reproducible); USERBPF_VFUZZ_COUNT
 * raises it, USERBPF_VFUZZ_SEED changes the seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userbpf/userbpf.h"
#include "../unit/test.h"
#include "vgen.h"

static struct userbpf_map *fmaps[3];

static int resolve(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm, uint64_t *value)
{
	(void)cookie;
	(void)next_imm;
	if (src_reg != USERBPF_PSEUDO_MAP_FD || imm < 0 || imm > 2)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)fmaps[imm];
	return 0;
}

/* USERBPF_VFUZZ_REASONS: one line per rejection (to tune the generator) */
static void print_reason(const char *log, bool calls)
{
	const char *end = log + strlen(log), *line = NULL, *p;

	for (p = log; p < end; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : end) {
		if (strncmp(p, "processed", 9) && strncmp(p, "verification failed", 19) &&
		    *p != '\n' && !(*p >= '0' && *p <= '9') && *p != ';') {
			line = p;
			break;
		}
	}
	if (line)
		printf("vfuzz reject%s: %.*s\n", calls ? " (calls)" : "",
		       (int)(strchr(line, '\n') ? strchr(line, '\n') - line : end - line), line);
}

TEST(verifier_soundness_fuzz)
{
	static const struct userbpf_verifier_map vmaps[3] = {
		{ 2, 4, 48, 4, 0, -1, NULL, NULL },    /* array */
		{ 1, 4, 48, 8, 0, -1, NULL, NULL },    /* hash */
		{ 27, 0, 0, 4096, 0, -1, NULL, NULL }, /* ringbuf */
	};
	const char *env = getenv("USERBPF_VFUZZ_COUNT");
	int count = env ? atoi(env) : 6000, i, accepted = 0, runs = 0;
	int with_calls = 0, calls_accepted = 0, with_loops = 0, loops_accepted = 0;
	const char *seed = getenv("USERBPF_VFUZZ_SEED");
	bool reasons = getenv("USERBPF_VFUZZ_REASONS") != NULL;
	static struct vgen g;
	static char log[1 << 14];

	fmaps[0] = userbpf_map__create(2, "fa", 4, 48, 4, NULL);
	fmaps[1] = userbpf_map__create(1, "fh", 4, 48, 8, NULL);
	fmaps[2] = userbpf_map__create(27, "fr", 0, 0, 4096, NULL);
	ASSERT_TRUE(fmaps[0] && fmaps[1] && fmaps[2]);
	memset(&g, 0, sizeof(g));
	g.rng = seed ? strtoull(seed, NULL, 0) | 1 : 0x9e3779b97f4a7c15ull;
	for (i = 0; i < 8; i++) {
		uint32_t k = (uint32_t)i;
		uint8_t v[48] = { 0 };

		userbpf_map__update_elem(fmaps[1], &k, v, 0);
	}
	for (i = 0; i < count; i++) {
		USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = 2, .gpl = 1, .maps = vmaps,
			     .map_cnt = 3, .log_buf = log, .log_size = sizeof(log));
		struct userbpf_prog *prog;
		unsigned calls = g.calls, loops = g.loops;
		int err, r;

		vgen_program(&g);
		calls = g.calls - calls;
		loops = g.loops - loops;
		with_calls += calls > 0;
		with_loops += loops > 0;
		err = userbpf_verify(g.p, (size_t)g.n, &vo);
		if (err && reasons)
			print_reason(log, calls + loops > 0);
		if (err)
			continue;
		accepted++;
		calls_accepted += calls > 0;
		loops_accepted += loops > 0;
		{
			USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = 2, .ld_imm64 = resolve);

			prog = userbpf_prog__new(g.p, (size_t)g.n, &po);
		}
		if (!prog) {
			test_fail(__FILE__, __LINE__, "program %d accepted but not creatable", i);
			continue;
		}
		for (r = 0; r < 4; r++) {
			uint64_t ctx[21], ret = 0;
			char why[256] = "";
			size_t k;
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = 168,
				     .flags = USERBPF_RUN_CHECKED, .insn_budget = 1000000,
				     .err_buf = why, .err_buf_sz = sizeof(why));

			for (k = 0; k < 21; k++) {
				uint64_t hi = vgen_rnd(&g, 0xffffffffu);
				uint64_t lo = vgen_rnd(&g, 0xffffffffu);
				unsigned shift = vgen_rnd(&g, 64);

				ctx[k] = (hi << 32 | lo) >> shift;
			}
			err = userbpf_prog__run(prog, &ro, &ret);
			runs++;
			if (err) {
				char dis[128];
				int pc;

				fprintf(stderr, "unsound: program %d, run %d: %s\n", i, r, why);
				for (pc = 0; pc < g.n; pc++) {
					userbpf_disasm_insn(&g.p[pc], (size_t)(g.n - pc), dis,
							    sizeof(dis));
					fprintf(stderr, "%4d: %s\n", pc, dis);
				}
				test_fail(__FILE__, __LINE__,
					  "accepted program %d tripped a check: %s", i, why);
				break;
			}
		}
		userbpf_prog__free(prog);
		if (test_failed())
			break;
	}
	printf("verifier soundness fuzz: %d programs generated, %d accepted, %d checked runs, "
	       "0 tripped; with bpf-to-bpf calls %d (%d accepted), with bpf_loop callbacks %d "
	       "(%d accepted)\n",
	       count, accepted, runs, with_calls, calls_accepted, with_loops, loops_accepted);
	/* the generator must keep reaching accepted calls and callbacks */
	if (count >= 1000) {
		ASSERT_TRUE(calls_accepted >= count / 100);
		ASSERT_TRUE(loops_accepted >= count / 100);
	}
	for (i = 0; i < 3; i++)
		userbpf_map__put(fmaps[i]);
}
