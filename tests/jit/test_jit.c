/* SPDX-License-Identifier: MIT */
/*
 * test_jit.c - the JIT's own tests: every insn.def row has an emitter,
 * generated programs give the interpreter's results on native code
 * (registers, stack and memory, no kernel needed), the run-time errors of
 * native code match the interpreter's (call depth, callx, packet loads),
 * write-xor-execute memory, fallback to the interpreter when the platform
 * has no executable memory, engine selection, and the example objects
 * that use tail calls and callbacks really run natively.
 *
 * The data tests (test_data.c, modes "interp" and "jit"), the kernel
 * oracle (test_oracle.c, mode "jit") and the examples
 * (test_examples.c, engine "jit") run on both engines as well.
 */
#include <errno.h>
#include <stdlib.h>

#include "isa/isa.h"
#include "jit/jit_int.h"
#include "util/platform_int.h"
#include "../unit/test.h"
#include "../unit/oracle_gen.h"
#include "userbpf/userbpf.h"

#if defined(__x86_64__)
#define HAVE_JIT 1
#else
#define HAVE_JIT 0
#endif

static int fake_ld_imm64(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm,
			 uint64_t *value)
{
	(void)cookie;
	(void)src_reg;
	*value = 0x100000 + (uint64_t)(uint32_t)imm + (uint64_t)(uint32_t)next_imm;
	return 0;
}

/* One instruction of row op with harmless operands (compiled, never run). */
static size_t row_program(int op, struct userbpf_insn *out)
{
	const struct isa_info *row = &isa_table[op];
	struct userbpf_insn in = { .code = row->opcode };
	size_t n = 0;

	if (row->fields & U_DST)
		in.dst_reg = (row->flags & (F_STORE | F_ATOMIC)) ? 10 : 1;
	if (row->fields & U_SRC)
		in.src_reg = (row->flags & F_LOAD) ? 10 : 2;
	if (row->fields & U_OFF)
		in.off = (row->flags & (F_LOAD | F_STORE | F_ATOMIC)) ? -8 : 1;
	if (row->fields & U_IMM)
		in.imm = (row->flags & (F_JMPL | F_CALL | F_LDDW)) ? 1 : 3;
	if (op == ISA_CALLX)
		in.dst_reg = 1;
	switch (row->match) {
	case M_OFF:
		in.off = (int16_t)row->mval;
		break;
	case M_IMM:
		in.imm = row->mval;
		break;
	case M_SRC:
		in.src_reg = (uint8_t)row->mval;
		break;
	}
	out[n++] = in;
	if (row->flags & F_LDDW)
		out[n++] = (struct userbpf_insn){ .imm = 0 };
	out[n++] = (struct userbpf_insn){ .code = 0xb7 }; /* r0 = 0 */
	out[n++] = (struct userbpf_insn){ .code = 0x95 }; /* exit */
	return n;
}

/*
 * Every row of insn.def compiles, and every row but the ones whose
 * semantics are "no operation" on this host (le64) emits code of its own.
 * kfunc calls are rejected at creation, on both engines.
 */
TEST(jit_every_row_has_an_emitter)
{
	struct userbpf_insn insns[8];
	char err[256];
	int op, compiled = 0;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (op = 0; op < ISA_OP_COUNT; op++) {
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = fake_ld_imm64, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		size_t n = row_program(op, insns);
		struct userbpf_prog *p = userbpf_prog__new(insns, n, &po);
		long start, end;

		if (op == ISA_CALL_KFUNC) {
			ASSERT_TRUE(p == NULL);
			continue;
		}
		if (!p) {
			test_fail(__FILE__, __LINE__, "row %s: %s", isa_table[op].name, err);
			return;
		}
		if (userbpf_prog__jit(p)) {
			test_fail(__FILE__, __LINE__, "row %s: %s", isa_table[op].name,
				  userbpf_prog__jit_error(p));
			userbpf_prog__free(p);
			return;
		}
		start = userbpf_prog__jited_offset(p, 0);
		end = userbpf_prog__jited_offset(p, isa_slots(op));
		if (op != ISA_LE64 && end <= start) {
			test_fail(__FILE__, __LINE__, "row %s emitted no code", isa_table[op].name);
			userbpf_prog__free(p);
			return;
		}
		compiled++;
		userbpf_prog__free(p);
	}
	ASSERT_EQ(compiled, ISA_OP_COUNT - 1);
}

/* ==== Generated programs: native code against the interpreter ==== */

static int gen_run(const struct userbpf_prog *prog, const struct oracle_prog *p, uint8_t *buf,
		   uint32_t flags, uint64_t *r0, char *err, size_t err_sz)
{
	static uint64_t dummy_ctx[4];
	uint64_t args[2] = { (uint64_t)(uintptr_t)buf, (uint64_t)(uintptr_t)(buf + p->pkt_len) };
	USERBPF_OPTS(userbpf_run_opts, opts, .err_buf = err, .err_buf_sz = err_sz,
		     .flags = USERBPF_RUN_UNCHECKED | flags);

	memcpy(buf, p->pkt, p->pkt_len);
	if (p->socket_filter) {
		opts.ctx = dummy_ctx;
		opts.ctx_size = sizeof(dummy_ctx);
		opts.data = buf + ORACLE_ETH_HLEN;
		opts.data_size = p->data_len;
	} else {
		opts.args = args;
		opts.arg_cnt = 2;
	}
	*r0 = 0;
	return userbpf_prog__run(prog, &opts, r0);
}

/*
 * The kernel oracle's program generator without the kernel: n programs
 * of each mix, same r0, same error and the same memory (which holds every
 * register and the stack at the end) on both engines; blind: the native
 * code is compiled with constant blinding.
 */
static void generated_match(unsigned n, bool blind, uint64_t seed)
{
	static struct oracle_prog p;
	static uint8_t a[ORACLE_MAX_PKT], b[ORACLE_MAX_PKT];
	unsigned mix, i, compared = 0;
	char ea[256], eb[256];

	for (mix = 0; mix < ORACLE_MIX_CNT; mix++) {
		for (i = 0; i < n; i++) {
			struct userbpf_prog *prog;
			uint64_t ra, rb;
			int ca, cb;

			oracle_gen(&p, oracle_seed(seed, 100 + mix, i), (enum oracle_mix)mix);
			if (!p.socket_filter)
				oracle_set_prologue(&p, ORACLE_PROLOGUE_ARGS);
			prog = userbpf_prog__new(p.insns, p.insn_cnt, NULL);
			ASSERT_TRUE(prog != NULL);
			ASSERT_EQ(userbpf_prog__set_jit_blinding(prog, blind), 0);
			ca = gen_run(prog, &p, a, USERBPF_RUN_INTERPRETER, &ra, ea, sizeof(ea));
			cb = gen_run(prog, &p, b, 0, &rb, eb, sizeof(eb));
			if (!userbpf_prog__jited(prog, NULL) || ca != cb || ra != rb ||
			    memcmp(a, b, p.pkt_len) || userbpf_prog__jit_blinded(prog) != blind) {
				test_fail(__FILE__, __LINE__,
					  "%s program %u%s: interp %d r0 0x%" PRIx64 " vs jit %d "
					  "r0 0x%" PRIx64 " (%s)%s",
					  oracle_mix_name((enum oracle_mix)mix), i,
					  blind ? " (blinded)" : "", ca, ra, cb, rb,
					  userbpf_prog__jit_error(prog) ?
						  userbpf_prog__jit_error(prog) :
						  "compiled",
					  memcmp(a, b, p.pkt_len) ? ", memory differs" : "");
				userbpf_prog__free(prog);
				return;
			}
			compared++;
			userbpf_prog__free(prog);
		}
	}
	ASSERT_EQ(compared, n * ORACLE_MIX_CNT);
}

TEST(jit_generated_programs_match_interpreter)
{
#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	generated_match(600, false, 0x7a11f00dull);
}

/* The same with every image in mmap + mprotect pages (no code arena). */
TEST(jit_mmap_fallback_programs_match_interpreter)
{
#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	ub_exec_arena_off = true;
	generated_match(150, false, 0x3a3af00dull);
	ub_exec_arena_off = false;
}

TEST(jit_blinded_programs_match_interpreter)
{
#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	generated_match(300, true, 0xb11d5eedull);
}

/*
 * One measuring pass before the writing one (jit.c, jit_sizing_passes):
 * over generated programs, each image is compiled in 2 passes, runs as
 * the interpreter and as the converged layout (passes until nothing
 * moves) do, and all images together are at most 1% larger than the
 * converged ones.
 */
TEST(jit_one_sizing_pass_matches_converged_layout)
{
	static struct oracle_prog p;
	static uint8_t a[ORACLE_MAX_PKT], b[ORACLE_MAX_PKT], d[ORACLE_MAX_PKT];
	size_t one = 0, conv = 0;
	unsigned mix, i;
	char ea[256], eb[256], ed[256];

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (mix = 0; mix < ORACLE_MIX_CNT; mix++) {
		for (i = 0; i < 80; i++) {
			struct userbpf_prog *p1, *pc;
			size_t s1 = 0, sc = 0;
			uint64_t ra, rb, rd;
			int ca, cb, cd;

			oracle_gen(&p, oracle_seed(0x51e5ull, 200 + mix, i), (enum oracle_mix)mix);
			if (!p.socket_filter)
				oracle_set_prologue(&p, ORACLE_PROLOGUE_ARGS);
			p1 = userbpf_prog__new(p.insns, p.insn_cnt, NULL);
			pc = userbpf_prog__new(p.insns, p.insn_cnt, NULL);
			ASSERT_TRUE(p1 && pc);
			ASSERT_OK(userbpf_prog__jit(p1));
			jit_sizing_passes = JIT_MAX_PASSES;
			cd = userbpf_prog__jit(pc);
			jit_sizing_passes = 1;
			ASSERT_OK(cd);
			ASSERT_EQ(p1->jit->passes, 2);
			ASSERT_TRUE(pc->jit->passes >= 2);
			userbpf_prog__jited(p1, &s1);
			userbpf_prog__jited(pc, &sc);
			ASSERT_TRUE(s1 >= sc);
			one += s1;
			conv += sc;
			ca = gen_run(p1, &p, a, USERBPF_RUN_INTERPRETER, &ra, ea, sizeof(ea));
			cb = gen_run(p1, &p, b, 0, &rb, eb, sizeof(eb));
			cd = gen_run(pc, &p, d, 0, &rd, ed, sizeof(ed));
			if (ca != cb || ca != cd || ra != rb || ra != rd ||
			    memcmp(a, b, p.pkt_len) || memcmp(a, d, p.pkt_len)) {
				test_fail(__FILE__, __LINE__,
					  "%s program %u: interp %d 0x%" PRIx64
					  ", one pass %d 0x%" PRIx64 ", converged %d 0x%" PRIx64
					  "%s",
					  oracle_mix_name((enum oracle_mix)mix), i, ca, ra, cb, rb,
					  cd, rd,
					  memcmp(a, b, p.pkt_len) ? ", memory differs" : "");
				userbpf_prog__free(p1);
				userbpf_prog__free(pc);
				return;
			}
			userbpf_prog__free(p1);
			userbpf_prog__free(pc);
		}
	}
	ASSERT_TRUE(one * 100 <= conv * 101);
}

/* Whether the 4 bytes of v occur anywhere in [p, p + n). */
static bool has_bytes(const uint8_t *p, size_t n, const void *v, size_t vn)
{
	size_t i;

	for (i = 0; i + vn <= n; i++)
		if (!memcmp(p + i, v, vn))
			return true;
	return false;
}

/*
 * Every kind of program-supplied immediate (ALU, mul, div, compare, jset,
 * store, lddw, 32- and 64-bit forms): verbatim in the native code without
 * blinding, absent with it, and the results agree.
 */
TEST(jit_blinding_hides_every_immediate)
{
	static const char src[] = "r0 = 0x41424344\n"
				  "w1 = 0x45464748\n"
				  "r0 += 0x494a4b4c\n"
				  "w1 ^= 0x4d4e4f50\n"
				  "r0 *= 0x51525354\n"
				  "r0 /= 0x55565758\n"
				  "if r1 == 0x595a5b5c goto +1\n"
				  "r0 |= 0x5d5e5f60\n"
				  "if w1 & 0x61626364 goto +1\n"
				  "r0 &= 0x65666768\n"
				  "*(u32 *)(r10 - 8) = 0x696a6b6c\n"
				  "*(u64 *)(r10 - 16) = 0x6d6e6f70\n"
				  "r2 = *(u32 *)(r10 - 8)\n"
				  "r0 += r2\n"
				  "r2 = *(u64 *)(r10 - 16)\n"
				  "r0 += r2\n"
				  "r3 = 0x7172737475767778 ll\n"
				  "r0 += r3\n"
				  "exit\n";
	static const uint32_t imms[] = {
		0x41424344, 0x45464748, 0x494a4b4c, 0x4d4e4f50, 0x51525354, 0x55565758, 0x595a5b5c,
		0x5d5e5f60, 0x61626364, 0x65666768, 0x696a6b6c, 0x6d6e6f70, 0x75767778, 0x71727374,
	};
	uint64_t r[3] = { 0 };
	int blind;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (blind = 0; blind < 3; blind++) {
		struct userbpf_insn *insns;
		struct userbpf_prog *p;
		const uint8_t *code;
		size_t cnt, size, i;
		char aerr[128];
		USERBPF_OPTS(userbpf_run_opts, o,
			     .flags = USERBPF_RUN_UNCHECKED |
				      (blind == 2 ? USERBPF_RUN_INTERPRETER : 0));

		ASSERT_EQ(userbpf_asm(src, &insns, &cnt, aerr, sizeof(aerr)), 0);
		p = userbpf_prog__new(insns, cnt, NULL);
		userbpf_free(insns);
		ASSERT_TRUE(p != NULL);
		ASSERT_EQ(userbpf_prog__set_jit_blinding(p, blind == 1), 0);
		ASSERT_EQ(userbpf_prog__run(p, &o, &r[blind]), 0);
		if (blind < 2) {
			code = userbpf_prog__jited(p, &size);
			ASSERT_TRUE(code != NULL);
			ASSERT_EQ(userbpf_prog__jit_blinded(p), blind == 1);
			for (i = 0; i < sizeof(imms) / sizeof(imms[0]); i++) {
				if (has_bytes(code, size, &imms[i], 4) != !blind) {
					test_fail(__FILE__, __LINE__, "0x%08x %s the %s code",
						  imms[i], blind ? "appears in" : "is missing from",
						  blind ? "blinded" : "plain");
					userbpf_prog__free(p);
					return;
				}
			}
			/* compiled: the setting can no longer change */
			ASSERT_EQ(userbpf_prog__set_jit_blinding(p, !blind), -EBUSY);
		}
		userbpf_prog__free(p);
	}
	ASSERT_EQ(r[0], r[2]);
	ASSERT_EQ(r[1], r[2]);
}

/* ==== Run-time errors, both engines ==== */

static int run_src(const char *src, uint32_t flags, void *data, size_t data_size, uint64_t *r0,
		   char *err, size_t err_sz, int *jited)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt;
	char aerr[256];
	int rc;
	USERBPF_OPTS(userbpf_run_opts, opts, .flags = USERBPF_RUN_UNCHECKED | flags, .data = data,
		     .data_size = data_size, .ctx = data, .err_buf = err, .err_buf_sz = err_sz);

	rc = userbpf_asm(src, &insns, &cnt, aerr, sizeof(aerr));
	if (rc)
		return -1000;
	p = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	if (!p)
		return -1001;
	*r0 = 0;
	rc = userbpf_prog__run(p, &opts, r0);
	*jited = userbpf_prog__jited(p, NULL) != NULL;
	userbpf_prog__free(p);
	return rc;
}

static void same_on_both(const char *src, void *data, size_t size, int want_rc, uint64_t want_r0,
			 const char *want_msg)
{
	int engine;

	for (engine = 0; engine < 2; engine++) {
		char err[256] = "";
		uint64_t r0 = 0;
		int jited = -1;
		int rc = run_src(src, engine ? 0 : USERBPF_RUN_INTERPRETER, data, size, &r0, err,
				 sizeof(err), &jited);

		if (rc != want_rc || (!rc && r0 != want_r0) ||
		    (want_msg && !strstr(err, want_msg)) || (HAVE_JIT && jited != engine)) {
			test_fail(__FILE__, __LINE__,
				  "%s: rc %d r0 %" PRIu64
				  " \"%s\" (jited %d), want rc %d r0 %" PRIu64 " \"%s\"",
				  engine ? "jit" : "interp", rc, r0, err, jited, want_rc, want_r0,
				  want_msg ? want_msg : "");
			return;
		}
	}
}

TEST(jit_runtime_errors_match_interpreter)
{
	uint8_t pkt[6] = { 1, 2, 3, 4, 5, 6 };

	/* unbounded recursion: 8 frames, then -ELOOP at the call */
	same_on_both("r0 = 0\ncall +1\nexit\nr0 += 1\ncall -2\nexit\n", NULL, 0, -ELOOP, 0,
		     "call stack deeper than 8 frames at insn 4");
	/* 7 nested calls are fine: r0 counts the frames */
	same_on_both("r1 = 7\nr0 = 0\ncall +1\nexit\nr0 += 1\nr1 += -1\nif r1 == 0 goto +1\n"
		     "call -4\nexit\n",
		     NULL, 0, 0, 7, NULL);
	/* callx of an id without a helper */
	same_on_both("r0 = 0\nr5 = 100000\ncallx r5\nexit\n", NULL, 0, -EINVAL, 0,
		     "callx to unknown helper at insn 2");
	/* callx of a real helper (bpf_get_prandom_u32 = 7 returns a u32) */
	same_on_both("r5 = 7\ncallx r5\nr0 >>= 32\nexit\n", NULL, 0, 0, 0, NULL);
	/* packet loads: no packet, in bounds (network order), out of bounds */
	same_on_both("r0 = *(u16 *)skb[0]\nexit\n", NULL, 0, -EINVAL, 0,
		     "packet load without packet data at insn 0");
	same_on_both("r0 = *(u32 *)skb[2]\nexit\n", pkt, sizeof(pkt), 0, 0x03040506, NULL);
	same_on_both("r1 = 3\nr0 = *(u16 *)skb[r1 + 1]\nexit\n", pkt, sizeof(pkt), 0, 0x0506, NULL);
	same_on_both("r6 = 9\nr0 = *(u32 *)skb[3]\nr0 = r6\nexit\n", pkt, sizeof(pkt), 0, 0, NULL);
	same_on_both("r1 = -1\nr0 = *(u8 *)skb[r1 + 0]\nr0 = 5\nexit\n", pkt, sizeof(pkt), 0, 0,
		     NULL);
	/* an out-of-bounds packet load inside a BPF-to-BPF call ends everything */
	same_on_both("call +2\nr0 = 77\nexit\nr0 = *(u8 *)skb[100]\nr0 = 1\nexit\n", pkt,
		     sizeof(pkt), 0, 0, NULL);
	/* r6-r9 survive calls; r10 is per frame */
	same_on_both("r6 = 1\nr7 = 2\nr8 = 3\nr9 = 4\n*(u64 *)(r10 - 8) = 10\ncall +5\n"
		     "r0 = *(u64 *)(r10 - 8)\nr0 += r6\nr0 += r9\nexit\n"
		     "r6 = 100\nr9 = 100\n*(u64 *)(r10 - 8) = 1000\nr0 = 0\nexit\n",
		     NULL, 0, 0, 15, NULL);
}

/* ==== Memory, fallback, engines ==== */

TEST(jit_code_is_write_xor_execute)
{
	uint64_t r0;
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt, size;
	char line[512], err[64];
	const void *code;
	FILE *f;
	int found = 0;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	ASSERT_OK(userbpf_asm("r0 = 42\nexit\n", &insns, &cnt, err, sizeof(err)));
	p = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	ASSERT_TRUE(p);
	ASSERT_OK(userbpf_prog__jit(p));
	code = userbpf_prog__jited(p, &size);
	ASSERT_TRUE(code && size > 0);
	f = fopen("/proc/self/maps", "r");
	ASSERT_TRUE(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if ((uintptr_t)code >= lo && (uintptr_t)code < hi) {
			found = 1;
			ASSERT_TRUE(perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x');
		}
	}
	fclose(f);
	ASSERT_TRUE(found);
	{
		USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_UNCHECKED);

		ASSERT_OK(userbpf_prog__run(p, &o, &r0));
		ASSERT_EQ(r0, 42);
	}
	userbpf_prog__free(p);
}

static int exec_allocs;
static void *no_exec_alloc(size_t size, void *cookie)
{
	(void)size;
	(void)cookie;
	exec_allocs++;
	return NULL;
}
static int no_exec_seal(void *p, size_t size, void *cookie)
{
	(void)p, (void)size, (void)cookie;
	return -1;
}
static void no_exec_free(void *p, size_t size, void *cookie)
{
	(void)p, (void)size, (void)cookie;
}

/* A platform without executable memory: the program runs interpreted. */
TEST(jit_falls_back_without_executable_memory)
{
	struct userbpf_platform plat = { .sz = sizeof(plat),
					 .exec_alloc = no_exec_alloc,
					 .exec_seal = no_exec_seal,
					 .exec_free = no_exec_free };
	struct userbpf_platform dflt = { .sz = sizeof(dflt) };
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt;
	char err[64];
	uint64_t r0 = 0;
	int rc, jit_rc;
	const char *why;
	USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_UNCHECKED);

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	ASSERT_OK(userbpf_asm("r0 = 6\nr0 *= 7\nexit\n", &insns, &cnt, err, sizeof(err)));
	p = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	ASSERT_TRUE(p);
	ASSERT_OK(userbpf_set_platform(&plat));
	rc = userbpf_prog__run(p, &o, &r0);
	jit_rc = userbpf_prog__jit(p);
	ASSERT_OK(userbpf_set_platform(&dflt));
	why = userbpf_prog__jit_error(p);
	ASSERT_OK(rc);
	ASSERT_EQ(r0, 42);
	ASSERT_EQ(jit_rc, -ENOMEM);
	ASSERT_TRUE(exec_allocs == 1); /* tried once, never again */
	ASSERT_TRUE(why && strstr(why, "no memory"));
	ASSERT_TRUE(userbpf_prog__jited(p, NULL) == NULL);
	userbpf_prog__free(p);
}

TEST(jit_engine_selection)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt;
	char err[64];
	uint64_t r0 = 0;
	USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_UNCHECKED);

	ASSERT_OK(userbpf_asm("r0 = 5\nexit\n", &insns, &cnt, err, sizeof(err)));
	p = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	ASSERT_TRUE(p);
	ASSERT_EQ(userbpf_prog__set_engine(p, (enum userbpf_engine)7), -EINVAL);
	ASSERT_OK(userbpf_prog__set_engine(p, USERBPF_ENGINE_INTERP));
	ASSERT_EQ(userbpf_prog__engine(p), USERBPF_ENGINE_INTERP);
	ASSERT_OK(userbpf_prog__run(p, &o, &r0));
	ASSERT_EQ(r0, 5);
	ASSERT_TRUE(userbpf_prog__jited(p, NULL) == NULL);
	ASSERT_EQ(userbpf_prog__jit(p), -ENOTSUP);
	/* checked and budgeted runs never compile */
	ASSERT_OK(userbpf_prog__set_engine(p, USERBPF_ENGINE_DEFAULT));
	o.flags = USERBPF_RUN_CHECKED;
	ASSERT_OK(userbpf_prog__run(p, &o, &r0));
	o.flags = USERBPF_RUN_UNCHECKED;
	o.insn_budget = 100;
	ASSERT_OK(userbpf_prog__run(p, &o, &r0));
	ASSERT_TRUE(userbpf_prog__jited(p, NULL) == NULL);
	o.insn_budget = 0;
	ASSERT_OK(userbpf_prog__run(p, &o, &r0));
	ASSERT_EQ(r0, 5);
#if HAVE_JIT
	ASSERT_TRUE(userbpf_prog__jited(p, NULL) != NULL);
	ASSERT_TRUE(userbpf_prog__jit_error(p) == NULL);
#endif
	userbpf_prog__free(p);
}

/*
 * Example objects with tail calls (tail_calls), bpf_loop callbacks
 * (loops) and BPF-to-BPF calls (call_chain) compile and run natively;
 * their results against the kernel are checked by examples_vs_kernel.
 */
TEST(jit_examples_run_natively)
{
	static const char *const objs[][2] = {
		{ "tail_calls", "dispatch" },
		{ "loops", "iterate" },
		{ "call_chain", "checksum" },
	};
	unsigned i;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		char path[256];
		uint8_t pkt[64] = { 0 }, ctx[64] = { 0 };
		struct userbpf_object *obj;
		struct userbpf_program *prog;
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt),
			     .flags = USERBPF_RUN_UNCHECKED);

		snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), objs[i][0]);
		obj = userbpf_object__open_file(path, NULL);
		ASSERT_TRUE(obj);
		ASSERT_OK(userbpf_object__load(obj));
		prog = userbpf_object__find_program_by_name(obj, objs[i][1]);
		ASSERT_TRUE(prog);
		if (i == 1) {
			t.ctx_in = ctx;
			t.ctx_size_in = 8;
			t.data_in = NULL;
			t.data_size_in = 0;
		}
		ASSERT_OK(userbpf_prog__test_run(userbpf_program__prog(prog), &t));
		if (!userbpf_prog__jited(userbpf_program__prog(prog), NULL)) {
			test_fail(__FILE__, __LINE__, "%s not compiled: %s", objs[i][0],
				  userbpf_prog__jit_error(userbpf_program__prog(prog)));
			userbpf_object__close(obj);
			return;
		}
		userbpf_object__close(obj);
	}
}

/* The open option: USERBPF_ENGINE_INTERP keeps every program off the JIT. */
TEST(jit_object_engine_option)
{
	char path[256];
	uint8_t pkt[64] = { 0 };
	int engine;

	snprintf(path, sizeof(path), "%s/examples/call_chain.bpf.o", test_build_dir());
	for (engine = 0; engine <= USERBPF_ENGINE_INTERP; engine += USERBPF_ENGINE_INTERP) {
		USERBPF_OPTS(userbpf_object_open_opts, oo, .engine = engine);
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt),
			     .flags = USERBPF_RUN_UNCHECKED);
		struct userbpf_object *obj = userbpf_object__open_file(path, &oo);
		struct userbpf_prog *prog;

		ASSERT_TRUE(obj);
		ASSERT_OK(userbpf_object__load(obj));
		prog = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "checksum"));
		ASSERT_OK(userbpf_prog__test_run(prog, &t));
		ASSERT_EQ(t.retval, 65535);
		ASSERT_EQ(userbpf_prog__engine(prog), engine);
		ASSERT_EQ(userbpf_prog__jited(prog, NULL) != NULL,
			  HAVE_JIT && engine != USERBPF_ENGINE_INTERP);
		userbpf_object__close(obj);
	}
}

/* ==== Code-size properties of the emitters (what each one leaves out) ==== */

/* Native bytes of slot `insn` in src (compiled, never run). */
static long insn_bytes(const char *src, size_t insn)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt;
	char err[128];
	long n = -1;

	if (userbpf_asm(src, &insns, &cnt, err, sizeof(err)))
		return -1;
	p = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	if (p && !userbpf_prog__jit(p))
		n = userbpf_prog__jited_offset(p, insn + 1) - userbpf_prog__jited_offset(p, insn);
	userbpf_prog__free(p);
	return n;
}

/*
 * A constant divisor needs neither the zero check nor the -1 check (the
 * register form has both); shifts rely on x86's own count masking; a
 * compare with 0 is a test; a jump to the next instruction is no code;
 * mov of a register to itself is no code; a 64-bit constant that fits in
 * 32 bits is not a movabs.  Results of all of these are covered by the
 * data tests on both engines.
 */
TEST(jit_emitter_sizes)
{
#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	/* 17 bytes: mov r11, 3; mov r9, rdx; xor edx, edx; div r11; mov rdx, r9 */
	ASSERT_EQ(insn_bytes("r0 = 9\nr0 /= 3\nexit\n", 1), 17);
	ASSERT_EQ(insn_bytes("r0 = 9\nr1 = 3\nr0 /= r1\nexit\n", 2), 17 - 3 + 3 + 2 + 2 + 2);
	ASSERT_EQ(insn_bytes("r0 = 9\nr0 s/= 3\nexit\n", 1), 17);
	ASSERT_EQ(insn_bytes("r0 = 9\nr1 = 3\nr0 s/= r1\nexit\n", 2),
		  17 - 3 + 3 + 2 + 4 + 2 + 2 + 2 + 2 + 3);
	ASSERT_EQ(insn_bytes("r0 = 9\nr0 /= 0\nexit\n", 1), 2);		  /* xor eax, eax */
	ASSERT_EQ(insn_bytes("r0 = 9\nr0 <<= 65\nexit\n", 1), 4);	  /* shl rax, 1 */
	ASSERT_EQ(insn_bytes("r0 = 9\nr4 = 3\nr0 <<= r4\nexit\n", 2), 3); /* shl rax, cl */
	ASSERT_EQ(insn_bytes("r0 = 9\nif r0 == 0 goto +1\nr0 = 1\nexit\n", 1), 3 + 2);
	ASSERT_EQ(insn_bytes("r0 = 9\nif r0 > 5 goto +0\nexit\n", 1), 0);
	ASSERT_EQ(insn_bytes("r0 = 9\nr0 = r0\nexit\n", 1), 0);
	ASSERT_EQ(insn_bytes("r0 = 0x7fffffff ll\nexit\n", 0), 5);   /* mov eax, imm32 */
	ASSERT_EQ(insn_bytes("r0 = 0x123456789 ll\nexit\n", 0), 10); /* movabs */
}

/* ==== Direct map lookups ==== */

static struct userbpf_map *dl_maps[3];

static int dl_resolve(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)cookie, (void)src, (void)next;
	if (imm < 1 || imm > 3)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)dl_maps[imm - 1];
	return 0;
}

/*
 * Lookups of an array (inline), a per-CPU array and a hash map (direct
 * calls), hits and misses, a write through the returned pointer, and two
 * calls that must keep the helper (r1 rewritten after the lddw; a jump
 * target between lddw and call): the same r0 and map contents on both
 * engines, and exactly the eligible calls planned.
 */
TEST(jit_direct_map_lookups_match_interpreter)
{
	static const char src[] = "r6 = 0\n"
				  "*(u32 *)(r10 - 4) = 2\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(1) ll\n"
				  "call 1\n" /* arr[2]: inline, hit */
				  "if r0 == 0 goto +2\n"
				  "r1 = *(u64 *)(r0 + 0)\n"
				  "r6 += r1\n"
				  "*(u32 *)(r10 - 4) = 4\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(1) ll\n"
				  "call 1\n" /* arr[4]: inline, out of range */
				  "if r0 != 0 goto +1\n"
				  "r6 += 1000\n"
				  "*(u32 *)(r10 - 4) = 3\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(1) ll\n"
				  "call 1\n" /* arr[3] += 5 through the pointer */
				  "if r0 == 0 goto +2\n"
				  "r1 = 5\n"
				  "lock *(u64 *)(r0 + 0) += r1\n"
				  "*(u32 *)(r10 - 4) = 7\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(3) ll\n"
				  "call 1\n" /* hsh[7]: direct call, hit */
				  "if r0 == 0 goto +2\n"
				  "r1 = *(u64 *)(r0 + 0)\n"
				  "r6 += r1\n"
				  "*(u32 *)(r10 - 4) = 9\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(3) ll\n"
				  "call 1\n" /* hsh[9]: direct call, miss */
				  "if r0 != 0 goto +1\n"
				  "r6 += 10000\n"
				  "*(u32 *)(r10 - 4) = 1\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(2) ll\n"
				  "call 1\n" /* pca[1]: direct call */
				  "if r0 == 0 goto +1\n"
				  "*(u64 *)(r0 + 0) = 77\n"
				  "*(u32 *)(r10 - 4) = 2\n"
				  "r2 = r10\n"
				  "r2 += -4\n"
				  "r1 = map_fd(1) ll\n"
				  "r7 = r1\n"
				  "r1 = r7\n"
				  "call 1\n" /* r1 rewritten: the helper */
				  "if r0 == 0 goto +2\n"
				  "r1 = *(u64 *)(r0 + 0)\n"
				  "r6 += r1\n"
				  "r1 = map_fd(1) ll\n"
				  "r2 = r10\n"
				  "if r6 == 0 goto +0\n"
				  "r2 += -4\n" /* a jump target: the helper */
				  "call 1\n"
				  "if r0 == 0 goto +2\n"
				  "r1 = *(u64 *)(r0 + 0)\n"
				  "r6 += r1\n"
				  "r0 = r6\n"
				  "exit\n";
	uint64_t r[2] = { 0, 0 }, a3[2] = { 0, 0 };
	int engine;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (engine = 0; engine < 2; engine++) {
		USERBPF_OPTS(userbpf_map_create_opts, mo);
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = dl_resolve);
		USERBPF_OPTS(userbpf_run_opts, o,
			     .flags = USERBPF_RUN_UNCHECKED |
				      (engine ? 0 : USERBPF_RUN_INTERPRETER));
		struct userbpf_insn *insns;
		struct userbpf_prog *p;
		uint32_t k;
		uint64_t v;
		size_t cnt;
		char aerr[128];
		int i;

		dl_maps[0] = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, &mo);
		dl_maps[1] =
			userbpf_map__create(USERBPF_MAP_TYPE_PERCPU_ARRAY, "pca", 4, 8, 4, &mo);
		dl_maps[2] = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "hsh", 4, 8, 8, &mo);
		for (i = 0; i < 3; i++)
			ASSERT_TRUE(dl_maps[i] != NULL);
		for (k = 0; k < 4; k++) {
			v = 100 + k;
			ASSERT_EQ(userbpf_map__update_elem(dl_maps[0], &k, &v, 0), 0);
		}
		k = 7;
		v = 40;
		ASSERT_EQ(userbpf_map__update_elem(dl_maps[2], &k, &v, 0), 0);
		ASSERT_EQ(userbpf_asm(src, &insns, &cnt, aerr, sizeof(aerr)), 0);
		p = userbpf_prog__new(insns, cnt, &po);
		userbpf_free(insns);
		ASSERT_TRUE(p != NULL);
		ASSERT_EQ(userbpf_prog__run(p, &o, &r[engine]), 0);
		if (engine) {
			ASSERT_TRUE(userbpf_prog__jited(p, NULL) != NULL);
			/* arr x3 inline, hsh x2 and pca direct; the last two not */
			ASSERT_EQ(p->jit->direct_lookups, 6);
		}
		k = 3;
		ASSERT_EQ(userbpf_map__lookup_elem(dl_maps[0], &k, &a3[engine], 0), 0);
		userbpf_prog__free(p);
		for (i = 0; i < 3; i++)
			userbpf_map__put(dl_maps[i]);
	}
	ASSERT_EQ(r[0], 102 + 1000 + 40 + 10000 + 102 + 102);
	ASSERT_EQ(r[1], r[0]);
	ASSERT_EQ(a3[0], 108);
	ASSERT_EQ(a3[1], 108);
}
