/* SPDX-License-Identifier: MIT */
/*
 * test_jit_opt.c - the JIT's optimisations beyond a one-to-one
 * translation, each on its own: what the verifier proves per instruction
 * (src/verifier/insn_facts.c) dropping division fix-ups, zero-extensions
 * and decided branches; BMI2 shifts; lea for mov + add; compares with 0
 * that reuse the flags of the instruction before; and the cheap run entry.
 * Each test checks that the emitted code changed (bytes of the
 * instruction, against the same program compiled without the fact or the
 * feature) and that results equal the interpreter's over many inputs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jit/jit_int.h"
#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/verifier.h"

#if defined(__x86_64__)
#define HAVE_JIT 1
#else
#define HAVE_JIT 0
#endif

#define SKIP_WITHOUT_JIT()                                                                         \
	do {                                                                                       \
		if (!HAVE_JIT) {                                                                   \
			test_skip("no JIT back end for this machine");                             \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/*
 * src assembled into a program; verified (socket filter: r1 + 0 is
 * __sk_buff.len, an unknown u32) and marked so when verify, which hands
 * the verifier's facts to the program.  Compiled.
 */
static struct userbpf_prog *build(const char *src, bool verify)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt;
	char err[256];

	if (userbpf_asm(src, &insns, &cnt, err, sizeof(err))) {
		fprintf(stderr, "asm: %s\n", err);
		return NULL;
	}
	if (verify) {
		char log[4096];
		USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = USERBPF_PROG_TYPE_SOCKET_FILTER,
			     .gpl = 1, .log_buf = log, .log_size = sizeof(log));

		if (userbpf_verify(insns, cnt, &o)) {
			fprintf(stderr, "verifier: %s\n", log);
			userbpf_free(insns);
			return NULL;
		}
	}
	p = userbpf_prog__new(insns, cnt, NULL);
	userbpf_free(insns);
	if (!p)
		return NULL;
	if (verify)
		vm_prog_set_verified(p, true);
	if (userbpf_prog__jit(p)) {
		userbpf_prog__free(p);
		return NULL;
	}
	return p;
}

/* Native bytes of slot insn. */
static long bytes_of(const struct userbpf_prog *p, size_t insn)
{
	return userbpf_prog__jited_offset(p, insn + 1) - userbpf_prog__jited_offset(p, insn);
}

/* r0 of p on engine (flags) for ctx word v (__sk_buff.len). */
static int run_with(const struct userbpf_prog *p, uint32_t v, uint32_t flags, uint64_t *r0)
{
	uint32_t ctx[48];
	USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = sizeof(ctx),
		     .flags = USERBPF_RUN_UNCHECKED | flags);

	memset(ctx, 0, sizeof(ctx));
	ctx[0] = v;
	*r0 = 0;
	return userbpf_prog__run(p, &o, r0);
}

/* Both engines agree on p for a spread of ctx words (edges included). */
static bool same_results(const struct userbpf_prog *p)
{
	static const uint32_t edge[] = { 0,	     1,		 2,	     3,		5,
					 6,	     7,		 0xff,	     0x100,	0xffff,
					 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
	uint32_t x = 12345;
	unsigned i;

	for (i = 0; i < 2000; i++) {
		uint32_t v = i < sizeof(edge) / sizeof(edge[0]) ? edge[i] :
								  (x = x * 1103515245u + 12345u);
		uint64_t a, b;
		int ea = run_with(p, v, USERBPF_RUN_INTERPRETER, &a);
		int eb = run_with(p, v, 0, &b);

		if (ea != eb || a != b) {
			fprintf(stderr, "ctx %#x: interp %d/%#llx, jit %d/%#llx\n", v, ea,
				(unsigned long long)a, eb, (unsigned long long)b);
			return false;
		}
	}
	return true;
}

/*
 * src's slot insn: bytes with the verifier's facts (verified) and without
 * (the same program unverified); both results checked on both engines.
 */
static void with_and_without(const char *src, size_t insn, long *with, long *without)
{
	struct userbpf_prog *v = build(src, true), *u = build(src, false);

	*with = *without = -1;
	ASSERT_TRUE(v != NULL);
	ASSERT_TRUE(u != NULL);
	*with = bytes_of(v, insn);
	*without = bytes_of(u, insn);
	ASSERT_TRUE(same_results(v));
	ASSERT_TRUE(same_results(u));
	userbpf_prog__free(v);
	userbpf_prog__free(u);
}

/* The quotient feeds a branch, so the divisor is precise at the division. */
TEST(jit_facts_drop_division_fixups)
{
	static const char *const progs[] = {
		/* unsigned: divisor |= 1 is never 0 */
		"r2 = *(u32 *)(r1 + 0)\nr2 |= 1\nr0 = 100000\nr0 /= r2\n"
		"if r0 > 5 goto +1\nr0 = 7\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nr2 |= 1\nr0 = 100000\nr0 %= r2\n"
		"if r0 > 5 goto +1\nr0 = 7\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nr2 |= 1\nw0 = 100000\nw0 /= w2\n"
		"if w0 > 5 goto +1\nw0 = 7\nexit\n",
		/* signed: [1, 256] is neither 0 nor -1 */
		"r2 = *(u32 *)(r1 + 0)\nr2 &= 255\nr2 += 1\nr0 = -100000\nr0 s/= r2\n"
		"if r0 s> -5 goto +1\nr0 = 7\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nr2 &= 255\nr2 += 1\nr0 = -100000\nr0 s%= r2\n"
		"if r0 s> -5 goto +1\nr0 = 7\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nr2 &= 255\nr2 += 1\nw0 = -100000\nw0 s/= w2\n"
		"if w0 s> -5 goto +1\nw0 = 7\nexit\n",
	};
	unsigned i;

	SKIP_WITHOUT_JIT();
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		size_t at = i < 3 ? 3 : 4;
		long with, without;

		with_and_without(progs[i], at, &with, &without);
		if (with < 0 || with >= without)
			fprintf(stderr, "prog %u: %ld bytes with facts, %ld without\n", i, with,
				without);
		ASSERT_TRUE(with > 0 && with < without);
	}
}

/*
 * Where a fact fails on one path, or the divisor is not precise (the
 * quotient is the main program's return value, which no check sees), the
 * fix-ups stay: the code is what an unverified program gets.
 */
TEST(jit_facts_keep_fixups_they_cannot_prove)
{
	static const char *const progs[] = {
		/* one path divides by 1, the other by 0 */
		"r2 = *(u32 *)(r1 + 0)\nif r2 > 5 goto +2\nr3 = 1\ngoto +1\nr3 = 0\n"
		"r0 = 100\nr0 /= r3\nif r0 > 1 goto +1\nr0 = 9\nexit\n",
		/* s/ by [0, 255] - 1: -1 possible */
		"r2 = *(u32 *)(r1 + 0)\nr2 &= 255\nr2 += -1\nr0 = -100\nr0 s/= r2\n"
		"if r0 s> -5 goto +1\nr0 = 7\nexit\n",
		/* nonzero divisor, but nothing checks the quotient */
		"r2 = *(u32 *)(r1 + 0)\nr2 |= 1\nr0 = 100000\nr0 /= r2\nexit\n",
	};
	static const size_t at[] = { 6, 4, 3 };
	unsigned i;

	SKIP_WITHOUT_JIT();
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		long with, without;

		with_and_without(progs[i], at[i], &with, &without);
		ASSERT_TRUE(with > 0);
		ASSERT_EQ(with, without);
	}
}

TEST(jit_facts_drop_redundant_zero_extensions)
{
	long with, without;

	SKIP_WITHOUT_JIT();
	/* w2 = w2 with the upper half already zero: no code */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 &= 0xffff\nw2 = w2\n"
			 "if r2 > 100 goto +1\nr2 = 5\nr0 = r2\nexit\n",
			 2, &with, &without);
	ASSERT_EQ(with, 0);
	ASSERT_TRUE(without > 0);
	/* clang's zero-extension r <<= 32; r >>= 32: no code for either */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 &= 0xffff\nr2 <<= 32\nr2 >>= 32\n"
			 "if r2 > 100 goto +1\nr2 = 5\nr0 = r2\nexit\n",
			 2, &with, &without);
	ASSERT_EQ(with, 0);
	ASSERT_TRUE(without > 0);
	/* sign-extension of a value in [0, 2^31): the same */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 &= 0x7fffffff\nr2 <<= 32\nr2 s>>= 32\n"
			 "if r2 > 100 goto +1\nr2 = 5\nr0 = r2\nexit\n",
			 2, &with, &without);
	ASSERT_EQ(with, 0);
	ASSERT_TRUE(without > 0);
	/* not provable (any u32 sign-extends differently): kept */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 <<= 32\nr2 s>>= 32\n"
			 "if r2 > 100 goto +1\nr2 = 5\nr0 = r2\nexit\n",
			 1, &with, &without);
	ASSERT_TRUE(with > 0);
	ASSERT_EQ(with, without);
	/* a jump lands between the two shifts: kept */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 &= 0xffff\nif r2 == 3 goto +1\nr2 <<= 32\n"
			 "r2 >>= 32\nif r2 > 100 goto +1\nr2 = 5\nr0 = r2\nexit\n",
			 3, &with, &without);
	ASSERT_TRUE(with > 0);
	ASSERT_EQ(with, without);
}

TEST(jit_facts_resolve_decided_branches)
{
	long with, without;

	SKIP_WITHOUT_JIT();
	/* r2 in [0, 15]: "> 20" never jumps (no code), "< 100" always (a jmp) */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr0 = r2\nif r2 > 20 goto +1\n"
			 "r0 += 1\nexit\n",
			 3, &with, &without);
	ASSERT_EQ(with, 0);
	ASSERT_TRUE(without > 0);
	with_and_without("r2 = *(u32 *)(r1 + 0)\nr2 &= 15\nr0 = r2\nif r2 < 100 goto +1\n"
			 "r0 += 1\nexit\n",
			 3, &with, &without);
	ASSERT_EQ(with, 2); /* jmp rel8 */
	ASSERT_TRUE(without > with);
	/* decided on one path only: a real compare */
	with_and_without("r2 = *(u32 *)(r1 + 0)\nif r2 > 7 goto +1\nr2 &= 15\nr0 = r2\n"
			 "if r2 > 20 goto +1\nr0 += 1\nexit\n",
			 4, &with, &without);
	ASSERT_TRUE(with > 2);
	ASSERT_EQ(with, without);
}

/* Shifts by a register other than r4 (rcx): shlx/shrx/sarx with BMI2. */
TEST(jit_bmi2_shifts)
{
	static const char *const progs[] = {
		"r2 = *(u32 *)(r1 + 0)\nr0 = -12345\nr0 <<= r2\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nr0 = -12345\nr0 >>= r2\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nr0 = -12345\nr0 s>>= r2\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nw0 = -12345\nw0 <<= w2\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nw0 = -12345\nw0 >>= w2\nexit\n",
		"r2 = *(u32 *)(r1 + 0)\nw0 = -12345\nw0 s>>= w2\nexit\n",
		"r4 = *(u32 *)(r1 + 0)\nr0 = -12345\nr0 s>>= r4\nexit\n",
		"r4 = *(u32 *)(r1 + 0)\nw0 = -12345\nw0 <<= w4\nexit\n",
		"r4 = *(u32 *)(r1 + 0)\nr2 = -12345\nr4 <<= r2\nr0 = r4\nexit\n",
	};
	unsigned i;

	SKIP_WITHOUT_JIT();
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct userbpf_prog *x, *y;

		jit_bmi2_off = true;
		x = build(progs[i], false);
		jit_bmi2_off = false;
		y = build(progs[i], false);
		ASSERT_TRUE(x && y);
		ASSERT_TRUE(same_results(x));
		ASSERT_TRUE(same_results(y));
		if (jit_arch_has_bmi2() && i < 6) /* not r4: no rcx shuffle */
			ASSERT_TRUE(bytes_of(y, 2) < bytes_of(x, 2));
		if (jit_arch_has_bmi2() && i >= 3 && i < 6)
			ASSERT_EQ(bytes_of(y, 2), 5); /* no zero-extension after it */
		userbpf_prog__free(x);
		userbpf_prog__free(y);
	}
	if (!jit_arch_has_bmi2())
		test_skip("no BMI2 on this CPU: only the cl forms were checked");
}

TEST(jit_lea_and_flag_reuse)
{
	struct userbpf_prog *p;

	SKIP_WITHOUT_JIT();
	/* r3 = r1; r3 += 8 -> lea rdx, [rdi + 8]; the add has no code */
	p = build("r2 = *(u32 *)(r1 + 0)\nr3 = r2\nr3 += 8\nw4 = w2\nw4 += -3\n"
		  "r0 = r3\nr0 ^= r4\nexit\n",
		  false);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(bytes_of(p, 1), 4); /* lea rdx, [rsi + 8] */
	ASSERT_EQ(bytes_of(p, 2), 0);
	ASSERT_EQ(bytes_of(p, 3), 3); /* lea ecx, [rsi - 3] */
	ASSERT_EQ(bytes_of(p, 4), 0);
	ASSERT_TRUE(same_results(p));
	userbpf_prog__free(p);
	/* a countdown loop: the jne uses the flags of the sub */
	p = build("r2 = *(u32 *)(r1 + 0)\nr2 &= 63\nr2 += 1\nr0 = 0\nr0 += r2\nr2 -= 1\n"
		  "if r2 != 0 goto -3\nexit\n",
		  false);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(bytes_of(p, 6), 2); /* jne rel8, no test */
	ASSERT_TRUE(same_results(p));
	userbpf_prog__free(p);
	/* the same compare when a jump lands on it: the test stays */
	p = build("r2 = *(u32 *)(r1 + 0)\nr2 &= 63\nr0 = 0\nif r2 == 5 goto +1\nr2 -= 1\n"
		  "if r2 != 0 goto +1\nr0 = 1\nexit\n",
		  false);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(bytes_of(p, 5), 3 + 2); /* test rsi, rsi; jne */
	ASSERT_TRUE(same_results(p));
	userbpf_prog__free(p);
}

/*
 * A big-endian u32 read byte by byte (clang's ntohl() of an unaligned
 * field) is one 4-byte load and a bswap, and the registers the byte
 * sequence leaves behind keep their values: the third byte shifted (when
 * the last byte goes to another register) and the last byte.  Verified
 * and unverified, base register r3 or r10, and not fused when a jump
 * lands inside the sequence; same results as the interpreter each time.
 */
TEST(jit_be32_byte_loads_fused)
{
	static const char stack[] = "r2 = *(u32 *)(r1 + 0)\n"
				    "*(u32 *)(r10 - 8) = r2\n"
				    "r2 *= 7\n"
				    "*(u32 *)(r10 - 4) = r2\n";
	/* x r7, y r6, z r3 = the base */
	static const char base_r3[] = "r3 = r10\n"
				      "r3 += -8\n"
				      "r7 = *(u8 *)(r3 + 1)\n" /* insn 6 */
				      "w7 <<= 24\n"
				      "r6 = *(u8 *)(r3 + 2)\n"
				      "w6 <<= 16\n"
				      "w6 |= w7\n"
				      "r7 = *(u8 *)(r3 + 3)\n"
				      "w7 <<= 8\n"
				      "w6 |= w7\n"
				      "r3 = *(u8 *)(r3 + 4)\n"
				      "w6 |= w3\n"
				      "r7 <<= 32\n"
				      "r3 <<= 56\n"
				      "r0 = r6\n"
				      "r0 ^= r7\n"
				      "r0 ^= r3\n"
				      "exit\n";
/* the big-endian u32 at r10 - 6 into w6, x = z = r7, y r6, base r10 */
#define BE32_AT_R10                                                                                \
	"r7 = *(u8 *)(r10 - 6)\n"                                                                  \
	"w7 <<= 24\n"                                                                              \
	"r6 = *(u8 *)(r10 - 5)\n"                                                                  \
	"w6 <<= 16\n"                                                                              \
	"w6 |= w7\n"                                                                               \
	"r7 = *(u8 *)(r10 - 4)\n"                                                                  \
	"w7 <<= 8\n"                                                                               \
	"w6 |= w7\n"                                                                               \
	"r7 = *(u8 *)(r10 - 3)\n"                                                                  \
	"w6 |= w7\n"
	/* the sequence is insn 4 */
	static const char base_r10[] = BE32_AT_R10 "r7 <<= 32\n"
						   "r0 = r6\n"
						   "r0 ^= r7\n"
						   "exit\n";
	/* a jump lands on the fourth instruction of the sequence (the sequence is insn 7) */
	static const char entered[] = "r6 = 0\n"
				      "r7 = 0\n"
				      "if r2 == 5 goto +3\n" BE32_AT_R10 "r0 = r6\n"
				      "r0 ^= r7\n"
				      "exit\n";
#undef BE32_AT_R10
	static const struct {
		const char *tail;
		size_t first;
		bool fused;
	} cases[] = { { base_r3, 6, true }, { base_r10, 4, true }, { entered, 7, false } };
	size_t i, k;
	int v;

	SKIP_WITHOUT_JIT();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[2048];

		snprintf(src, sizeof(src), "%s%s", stack, cases[i].tail);
		for (v = 0; v < 2; v++) {
			struct userbpf_prog *p = build(src, v);

			ASSERT_TRUE(p != NULL);
			for (k = cases[i].first + 1; k < cases[i].first + 10; k++)
				ASSERT_EQ(bytes_of(p, k) == 0, cases[i].fused);
			/* mov, bswap, movzx (+ movzx, shl): at most 4+2+5+5+4 bytes */
			if (cases[i].fused)
				ASSERT_TRUE(bytes_of(p, cases[i].first) <= 20);
			ASSERT_TRUE(same_results(p));
			userbpf_prog__free(p);
		}
	}
}

/*
 * Loop-invariant 64-bit constants: an lddw needing a movabs inside a loop
 * is a register the prologue loaded (lea with a following "dst += src"),
 * one outside any loop keeps its movabs, and a function that names every
 * register keeps them all; same results on both engines each time.
 */
TEST(jit_loop_constants_in_registers)
{
	struct userbpf_prog *p;

	SKIP_WITHOUT_JIT();
	/* 0: r2 = ctx word; 1: r1 = 0; 2: r0 = 0; 3-4: lddw; 5: r3 += r1; ... */
	p = build("r2 = *(u32 *)(r1 + 0)\nr1 = 0\nr0 = 0\nr3 = 0x123456789ab ll\nr3 += r1\n"
		  "r0 ^= r3\nr0 += r2\nr1 += 1\nif r1 < 5 goto -7\n"
		  "r4 = 0x7edcba987654 ll\nr0 += r4\nexit\n",
		  false);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(bytes_of(p, 3), 4); /* lea rdx, [kreg + rdi] */
	ASSERT_EQ(bytes_of(p, 5), 0);
	ASSERT_EQ(bytes_of(p, 10), 10); /* movabs: not in a loop */
	ASSERT_TRUE(same_results(p));
	userbpf_prog__free(p);
	/* without the add: a register move; two values, two registers */
	p = build("r2 = *(u32 *)(r1 + 0)\nr1 = 0\nr0 = 0\nr3 = 0x123456789ab ll\nr0 ^= r3\n"
		  "r3 = -0x123456789ab ll\nr0 += r3\nr0 += r2\nr1 += 1\nif r1 < 5 goto -9\nexit\n",
		  false);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(bytes_of(p, 3), 3); /* mov rdx, kreg */
	ASSERT_EQ(bytes_of(p, 6), 3);
	ASSERT_TRUE(same_results(p));
	userbpf_prog__free(p);
	/* every register named (r0-r9): no register left, movabs stays */
	p = build("r2 = *(u32 *)(r1 + 0)\nr1 = 0\nr0 = 0\nr4 = 1\nr5 = 2\nr6 = 3\nr7 = 4\n"
		  "r8 = 5\nr9 = 6\nr3 = 0x123456789ab ll\nr3 += r1\nr0 ^= r3\nr0 += r2\n"
		  "r0 += r4\nr0 += r5\nr0 += r6\nr0 += r7\nr0 += r8\nr0 += r9\nr1 += 1\n"
		  "if r1 < 5 goto -17\nexit\n",
		  false);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(bytes_of(p, 9), 10);
	ASSERT_TRUE(same_results(p));
	userbpf_prog__free(p);
}

/*
 * The run entry of compiled programs (userbpf_prog__run -> run_native):
 * the map layer's hooks only for programs that load a map or call a
 * helper; arguments, r0 and errors as on the interpreter.
 */
TEST(jit_run_entry_hooks_and_arguments)
{
	static const char *const no_hooks = "r0 = r1\nr0 += r2\nr0 += r5\nexit\n";
	static const char *const helper = "call 5\nr0 = 1\nexit\n"; /* ktime_get_ns */
	const uint64_t args[5] = { 1000, 200, 30, 4, 5 };
	struct userbpf_prog *a = build(no_hooks, false), *b = build(helper, false);
	uint64_t ri = 0, rj = 0;
	int n;

	SKIP_WITHOUT_JIT();
	ASSERT_TRUE(a && b);
	ASSERT_TRUE(!a->run_hooks);
	ASSERT_TRUE(b->run_hooks);
	for (n = 0; n <= 5; n++) {
		USERBPF_OPTS(userbpf_run_opts, oi, .args = args, .arg_cnt = (size_t)n,
			     .flags = USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER);
		USERBPF_OPTS(userbpf_run_opts, oj, .args = args, .arg_cnt = (size_t)n,
			     .flags = USERBPF_RUN_UNCHECKED);

		ASSERT_EQ(userbpf_prog__run(a, &oi, &ri), 0);
		ASSERT_EQ(userbpf_prog__run(a, &oj, &rj), 0);
		ASSERT_EQ(ri, rj);
	}
	ASSERT_EQ(rj, 1205); /* r1 + r2 + r5 */
	{
		USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_UNCHECKED);

		ASSERT_EQ(userbpf_prog__run(b, &o, &rj), 0);
		ASSERT_EQ(rj, 1);
	}
	userbpf_prog__free(a);
	userbpf_prog__free(b);
}
