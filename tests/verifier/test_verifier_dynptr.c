/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_dynptr.c - the verifier's dynptr model against the
 * kernel's (dynptr_success/dynptr_fail/user_ringbuf_fail in spirit):
 * stack dynptrs made by bpf_dynptr_from_mem and bpf_ringbuf_reserve_dynptr,
 * a ringbuf one's reference released by submit/discard, the drain
 * callback's CONST_PTR_TO_DYNPTR, slices from bpf_dynptr_data, and the
 * stack rules (no direct access to a dynptr's bytes, a store destroys an
 * unreferenced dynptr and may not touch a referenced one).  A table of
 * programs verified by userbpf and by the kernel (vt_run.c), whose
 * verdicts must all agree; then the dynptr.bpf.o programs, verified on
 * both and run on both: the interpreter, the JIT and checked mode give
 * the kernel's results.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "vtest.h"
#include "vt_obj.h"
#include "../unit/test.h"

/* a ringbuf dynptr at fp OFF from the ring in map slot S, its rc in r0 */
#define RESM(S, OFF) LDMAP(1, S), MOV(2, 16), MOV(3, 0), MOVR(4, 10), ADDI(4, OFF), CALL(198)
#define RES RESM(0, -16)
#define RELEASE(ID, OFF) MOVR(1, 10), ADDI(1, OFF), MOV(2, 0), CALL(ID)
#define SUBMIT RELEASE(199, -16)
#define DISCARD RELEASE(200, -16)
/* a local dynptr at fp OFF over the 48-byte map value in register R */
#define FROMMEM(R, OFF) MOVR(1, R), MOV(2, 48), MOV(3, 0), MOVR(4, 10), ADDI(4, OFF), CALL(197)
/* bpf_dynptr_read(fp + DST, LEN, fp + DP, 0, 0) */
#define READ(DST, LEN, DP)                                                                         \
	MOVR(1, 10), ADDI(1, DST), MOV(2, LEN), MOVR(3, 10), ADDI(3, DP), MOV(4, 0), MOV(5, 0),    \
		CALL(201)
/* r0 = bpf_dynptr_data(fp + DP, 0, LEN) */
#define DATA(DP, LEN) MOVR(1, 10), ADDI(1, DP), MOV(2, 0), MOV(3, LEN), CALL(203)
/* bpf_dynptr_write(fp + DP, 0, fp + SRC, LEN, 0) */
#define WRITE(DP, SRC, LEN)                                                                        \
	MOVR(1, 10), ADDI(1, DP), MOV(2, 0), MOVR(3, 10), ADDI(3, SRC), MOV(4, LEN), MOV(5, 0),    \
		CALL(202)
/* bpf_user_ringbuf_drain(map slot 0, cb, NULL, 0); return 0; cb follows (insn 9) */
#define DRAIN                                                                                      \
	LDMAP(1, 0), I(0x18, 2, USERBPF_PSEUDO_FUNC, 0, 6), I(0, 0, 0, 0, 0), MOV(3, 0),           \
		MOV(4, 0), CALL(209), RET0
#define A VT_ACCEPT
#define R VT_REJECT
#define RB { VT_RINGBUF }
#define AR { VT_ARRAY48 }
#define UR { VT_USER_RINGBUF }

/* One case a line: the table is data (clang-format would split each row). */
/* clang-format off */
static const struct vcase cases[] = {
	/* ==== ringbuf dynptrs: reserve, then submit or discard ==== */
	{ "ringbuf dynptr reserved and submitted", { RES, SUBMIT, RET0 }, TP, RB, A, NULL },
	{ "ringbuf dynptr reserved and discarded", { RES, DISCARD, RET0 }, TP, RB, A, NULL },
	{ "failed reservation discarded, a good one submitted", { RES, JI(JEQ, 0, 0, 6), DISCARD, RET0, SUBMIT, RET0 }, TP, RB, A, NULL },
	{ "bpf_dynptr_write of 8 bytes", { ST(DW, 10, -24, 42), RES, WRITE(-16, -24, 8), SUBMIT, RET0 }, TP, RB, A, NULL },
	{ "slice null-checked, stored through", { RES, DATA(-16, 8), JI(JEQ, 0, 0, 1), ST(DW, 0, 0, 1), SUBMIT, RET0 }, TP, RB, A, NULL },
	{ "bpf_dynptr_read into the stack", { RES, READ(-24, 8, -16), LDX(DW, 1, 10, -24), SUBMIT, RET0 }, TP, RB, A, NULL },
	{ "dynptr at the bottom of the stack", { RESM(0, -512), RELEASE(199, -512), RET0 }, TP, RB, A, NULL },
	{ "a subprogram submits the caller's dynptr", { RES, MOVR(1, 10), ADDI(1, -16), CALLL(2), RET0, MOV(2, 0), CALL(199), RET0 }, TP, RB, A, NULL },
	{ "ringbuf dynptr leaked", { RES, RET0 }, TP, RB, R, "Unreleased reference" },
	{ "failed reservation left unreleased", { RES, JI(JNE, 0, 0, 4), SUBMIT, RET0 }, TP, RB, R, "Unreleased reference id=2 alloc_insn=6" },
	{ "ringbuf dynptr leaked by a subprogram", { CALLL(2), RET0, RES, RET0 }, TP, RB, R, "Unreleased reference" },
	{ "submitted twice", { RES, SUBMIT, SUBMIT, RET0 }, TP, RB, R, "arg 1 is an unacquired reference" },
	{ "read after discard", { RES, DISCARD, READ(-24, 8, -16), RET0 }, TP, RB, R, "Expected an initialized dynptr as arg #2" },
	{ "reserved twice in the same slots", { RES, RES, SUBMIT, RET0 }, TP, RB, R, "cannot overwrite referenced dynptr" },
	{ "load from a dynptr's bytes", { RES, LDX(DW, 1, 10, -16), SUBMIT, RET0 }, TP, RB, R, "invalid read from stack off -16+0 size 8" },
	{ "store into a ringbuf dynptr", { RES, ST(DW, 10, -16, 0), SUBMIT, RET0 }, TP, RB, R, "cannot overwrite referenced dynptr" },
	{ "store into its second slot", { RES, ST(W, 10, -4, 0), SUBMIT, RET0 }, TP, RB, R, "cannot overwrite referenced dynptr" },
	{ "slice used after submit", { RES, DATA(-16, 8), MOVR(6, 0), SUBMIT, JI(JEQ, 6, 0, 1), ST(DW, 6, 0, 1), RET0 }, TP, RB, R, "invalid mem access 'scalar'" },
	{ "slice without a null check", { RES, DATA(-16, 8), ST(DW, 0, 0, 1), SUBMIT, RET0 }, TP, RB, R, "invalid mem access 'mem_or_null'" },
	{ "slice accessed past its length", { RES, DATA(-16, 8), JI(JEQ, 0, 0, 1), LDX(DW, 1, 0, 8), SUBMIT, RET0 }, TP, RB, R, "invalid access to memory, mem_size=8 off=8 size=8" },
	{ "slice of a variable length", { RES, CALL(7), MOVR(3, 0), ALUI(AND, 3, 7), MOVR(1, 10), ADDI(1, -16), MOV(2, 0), CALL(203), SUBMIT, RET0 }, TP, RB, R, "R3 is not a known constant" },
	{ "bpf_dynptr_read into the dynptr itself", { RES, READ(-16, 8, -16), SUBMIT, RET0 }, TP, RB, R, "potential write to dynptr at off=-16 disallowed" },
	{ "dynptr at a misaligned offset", { RESM(0, -20), RELEASE(199, -20), RET0 }, TP, RB, R, "cannot pass in dynptr at an offset=-20" },
	{ "dynptr in one slot (fp-8)", { RESM(0, -8), RELEASE(199, -8), RET0 }, TP, RB, R, "cannot pass in dynptr at an offset=-8" },
	{ "dynptr at a variable offset", { CALL(7), ALUI(AND, 0, 8), MOVR(4, 10), ADDI(4, -32), ALUR(ADD, 4, 0), LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(198), RET0 }, TP, RB, R, "dynptr has to be at a constant offset" },
	{ "dynptr argument in the context", { MOVR(4, 1), LDMAP(1, 0), MOV(2, 16), MOV(3, 0), CALL(198), RET0 }, TP, RB, R, "R4 type=ctx expected=fp, dynptr_ptr" },
	{ "reserve_dynptr on an array", { RES, SUBMIT, RET0 }, TP, AR, R, "cannot pass map_type 2 into func bpf_ringbuf_reserve_dynptr#198" },
	{ "a dynptr as a map key", { RESM(1, -16), MOVR(2, 10), ADDI(2, -16), LDMAP(1, 0), CALL(1), SUBMIT, RET0 }, TP, { VT_HASH, VT_RINGBUF }, R, "invalid read from stack R2 off -16+0 size 8" },
	/* ==== local dynptrs over a map value ==== */
	{ "local dynptr read back", { LOOKUP0, FROMMEM(0, -32), READ(-40, 8, -32), RET0 }, TP, AR, A, NULL },
	{ "local dynptr written", { LOOKUP0, ST(DW, 10, -40, 3), FROMMEM(0, -32), WRITE(-32, -40, 8), RET0 }, TP, AR, A, NULL },
	{ "local dynptr slice read", { LOOKUP0, FROMMEM(0, -32), DATA(-32, 8), JI(JEQ, 0, 0, 1), LDX(DW, 1, 0, 0), RET0 }, TP, AR, A, NULL },
	{ "a store destroys a local dynptr", { LOOKUP0, FROMMEM(0, -32), ST(DW, 10, -32, 0), RET0 }, TP, AR, A, NULL },
	{ "a local dynptr made again in its slots", { LOOKUP0, MOVR(6, 0), FROMMEM(6, -32), FROMMEM(6, -32), READ(-40, 8, -32), RET0 }, TP, AR, A, NULL },
	{ "read of a destroyed local dynptr", { LOOKUP0, FROMMEM(0, -32), ST(DW, 10, -24, 0), READ(-40, 8, -32), RET0 }, TP, AR, R, "Expected an initialized dynptr as arg #2" },
	{ "slice used after its local dynptr died", { LOOKUP0, FROMMEM(0, -32), DATA(-32, 8), JI(JEQ, 0, 0, 2), ST(DW, 10, -32, 0), LDX(DW, 1, 0, 0), RET0 }, TP, AR, R, "invalid mem access 'scalar'" },
	{ "load from a local dynptr's bytes", { LOOKUP0, FROMMEM(0, -32), LDX(W, 1, 10, -28), RET0 }, TP, AR, R, "invalid read from stack off -28+0 size 4" },
	{ "a local dynptr submitted", { LOOKUP0, FROMMEM(0, -32), RELEASE(199, -32), RET0 }, TP, AR, R, "arg 1 is an unacquired reference" },
	{ "bpf_dynptr_from_mem on the stack", { MOVR(1, 10), ADDI(1, -48), MOV(2, 8), MOV(3, 0), MOVR(4, 10), ADDI(4, -16), CALL(197), RET0 }, TP, {0}, R, "Unsupported reg type fp for bpf_dynptr_from_mem data" },
	{ "local dynptr over a read-only map value", { LOOKUP0, FROMMEM(0, -32), RET0 }, TP, { VT_ARRAY_RO }, R, "write into map forbidden" },
	{ "read of a never-made dynptr", { READ(-24, 8, -16), RET0 }, TP, {0}, R, "Expected an initialized dynptr as arg #2" },
	/* ==== the drain callback's dynptr ==== */
	{ "callback reads its sample", { DRAIN, MOVR(3, 1), MOVR(1, 10), ADDI(1, -8), MOV(2, 8), MOV(4, 0), MOV(5, 0), CALL(201), RET0 }, TP, UR, A, NULL },
	{ "callback slice of its sample", { DRAIN, MOV(2, 0), MOV(3, 8), CALL(203), JI(JEQ, 0, 0, 1), LDX(DW, 1, 0, 0), RET0 }, TP, UR, A, NULL },
	{ "callback stores through its slice", { DRAIN, MOV(2, 0), MOV(3, 8), CALL(203), JI(JEQ, 0, 0, 1), ST(DW, 0, 0, 1), RET0 }, TP, UR, A, NULL },
	{ "callback writes its sample", { DRAIN, ST(DW, 10, -8, 1), MOV(2, 0), MOVR(3, 10), ADDI(3, -8), MOV(4, 8), MOV(5, 0), CALL(202), RET0 }, TP, UR, A, NULL },
	{ "callback spills and fills its dynptr: a scalar", { DRAIN, STX(DW, 10, 1, -8), LDX(DW, 1, 10, -8), MOV(2, 0), MOV(3, 8), CALL(203), RET0 }, TP, UR, R, "R1 type=scalar expected=fp, dynptr_ptr" },
	{ "callback moves its dynptr pointer, unused", { DRAIN, ADDI(1, 16), RET0 }, TP, UR, A, NULL },
	{ "callback stores into its dynptr", { DRAIN, ST(DW, 1, 0, 0), RET0 }, TP, UR, R, "invalid mem access 'dynptr_ptr'" },
	{ "callback loads from its dynptr", { DRAIN, LDX(DW, 0, 1, 8), RET0 }, TP, UR, R, "invalid mem access 'dynptr_ptr'" },
	{ "callback passes dynptr - 1", { DRAIN, ADDI(1, -16), MOV(2, 0), MOV(3, 8), CALL(203), RET0 }, TP, UR, R, "negative offset dynptr_ptr ptr R1 off=-16 disallowed" },
	{ "callback passes dynptr + 1", { DRAIN, ADDI(1, 16), MOV(2, 0), MOV(3, 8), CALL(203), RET0 }, TP, UR, R, "dereference of modified dynptr_ptr ptr R1 off=16 disallowed" },
	{ "callback submits its dynptr", { DRAIN, MOV(2, 0), CALL(199), RET0 }, TP, UR, R, "cannot release unowned const bpf_dynptr" },
	{ "callback discards its dynptr", { DRAIN, MOV(2, 0), CALL(200), RET0 }, TP, UR, R, "cannot release unowned const bpf_dynptr" },
	{ "callback reserves into its dynptr", { DRAIN, MOVR(4, 1), LDMAP(1, 1), MOV(2, 8), MOV(3, 0), CALL(198), RET0 }, TP, { VT_USER_RINGBUF, VT_RINGBUF }, R, "Dynptr has to be an uninitialized dynptr" },
	{ "callback returns 2", { DRAIN, MOV(0, 2), EXIT }, TP, UR, R, "should have been in [0, 1]" },
};
/* clang-format on */

TEST(verifier_dynptr_table)
{
	struct vstats st = { 0 };
	int acc = 0, rej = 0;
	size_t i;

	VT_RUN_TABLE(cases, &st);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cases[i].expect == VT_ACCEPT ? acc++ : rej++;
	printf("verifier dynptr: %d cases (%d accept, %d reject), %d passed; kernel ran %d, "
	       "agreed %d, kernel-only rejects %d, userbpf-only rejects %d\n",
	       st.cases, acc, rej, st.passed, st.k_run, st.k_agree, st.k_only_reject,
	       st.k_only_accept);
	ASSERT_EQ(st.k_only_accept, 0);
	ASSERT_EQ(st.k_only_reject, 0);
}

/* ==== dynptr.bpf.o: verdicts and runs on both sides ==== */

static const char *const obj_progs[] = { "sum_read", "sum_data", "ringbuf_rw",
					 "local_rw", "leak",	 "slice_after_submit" };

TEST(verifier_dynptr_objects)
{
	char path[512];
	int agree = 0, ran = 0, accepted = 0;
	size_t i;

	if (!vt_obj_path(path, sizeof(path), "dynptr.bpf.o")) {
		test_skip("no build/verifier/dynptr.bpf.o (clang missing)");
		return;
	}
	for (i = 0; i < sizeof(obj_progs) / sizeof(obj_progs[0]); i++) {
		struct userbpf_object *obj = userbpf_object__open_file(path, NULL);
		struct userbpf_program *p;
		static char log[1 << 14];
		USERBPF_OPTS(userbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof(log));
		int u, k;

		ASSERT_TRUE(obj != NULL);
		p = userbpf_object__find_program_by_name(obj, obj_progs[i]);
		ASSERT_TRUE(p != NULL);
		u = userbpf_program__verify(obj, p, &o) == 0;
		userbpf_object__close(obj);
		/* the first four are safe, the last two leak or use a dead slice */
		if (u != (i < 4))
			test_fail(__FILE__, __LINE__, "%s: userbpf %s:\n%s", obj_progs[i],
				  u ? "accepts" : "rejects", log);
		accepted += u;
		k = vt_kernel_loads(path, obj_progs[i]);
		if (k < 0)
			continue;
		ran++;
		agree += k == u;
		if (k != u)
			test_fail(__FILE__, __LINE__, "%s: kernel %s, userbpf %s", obj_progs[i],
				  k ? "loads" : "refuses", u ? "accepts" : "rejects");
	}
	printf("verifier dynptr objects: %zu programs, %d accepted; kernel ran %d, agreed %d\n",
	       sizeof(obj_progs) / sizeof(obj_progs[0]), accepted, ran, agree);
}

/* samples 10, 20, (30 discarded), 40 into a producer: 0 or -errno */
static int produce(void *prod, bool kernel)
{
	int i;

	for (i = 1; i <= 4; i++) {
		uint64_t *s = kernel ? user_ring_buffer__reserve(prod, 16) :
				       userbpf_user_ringbuf__reserve(prod, 16);

		if (!s)
			return -errno;
		s[0] = (uint64_t)i * 10;
		s[1] = 0;
		if (kernel)
			i == 3 ? user_ring_buffer__discard(prod, s) :
				 user_ring_buffer__submit(prod, s);
		else
			i == 3 ? userbpf_user_ringbuf__discard(prod, s) :
				 userbpf_user_ringbuf__submit(prod, s);
	}
	return 0;
}

/* The kernel's results of the four programs (sum_read and sum_data after
 * producing the samples): 0, or -1 when bpf() is not usable. */
static int kernel_results(const char *path, int res[4])
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct user_ring_buffer *prod = NULL;
	int i, err = -1;

	if (!obj)
		return -1;
	libbpf_set_print(NULL);
	if (bpf_object__load(obj))
		goto out;
	prod = user_ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "samples")),
				     NULL);
	if (!prod)
		goto out;
	for (i = 0; i < 4; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, obj_progs[i]);
		uint64_t ctx = 0;
		LIBBPF_OPTS(bpf_test_run_opts, ro, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		if (i < 2 && produce(prod, true))
			goto out;
		if (bpf_prog_test_run_opts(bpf_program__fd(p), &ro))
			goto out;
		res[i] = (int)ro.retval;
	}
	err = 0;
out:
	user_ring_buffer__free(prod);
	bpf_object__close(obj);
	return err;
}

TEST(verifier_dynptr_runs)
{
	static const char *const engines[] = { "interpreter", "jit", "checked" };
	static const uint32_t flags[] = { USERBPF_RUN_INTERPRETER, 0, USERBPF_RUN_CHECKED };
	/* sum 70 of 3 samples; 49 * 100 + EINVAL; 5 * 100 + E2BIG */
	const int want[4] = { 70003, 70003, 4900 + EINVAL, 500 + E2BIG };
	int kres[4], e, i;
	char path[512];

	if (!vt_obj_path(path, sizeof(path), "dynptr.bpf.o")) {
		test_skip("no build/verifier/dynptr.bpf.o (clang missing)");
		return;
	}
	if (!kernel_results(path, kres)) {
		for (i = 0; i < 4; i++)
			ASSERT_EQ(kres[i], want[i]);
	} else {
		printf("  kernel: bpf() not usable here, results not compared\n");
	}
	for (e = 0; e < 3; e++) {
		struct userbpf_object *obj = userbpf_object__open_file(path, NULL);
		struct userbpf_user_ringbuf *prod;

		ASSERT_TRUE(obj != NULL);
		ASSERT_EQ(userbpf_object__load(obj), 0);
		prod = userbpf_user_ringbuf__new(
			userbpf_object_map__map(userbpf_object__find_map_by_name(obj, "samples")));
		ASSERT_TRUE(prod != NULL);
		for (i = 0; i < 4; i++) {
			struct userbpf_prog *p = userbpf_program__prog(
				userbpf_object__find_program_by_name(obj, obj_progs[i]));
			uint64_t ctx = 0, r0 = 0;
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &ctx, .ctx_size = sizeof(ctx),
				     .flags = flags[e]);

			ASSERT_TRUE(userbpf_prog__verified(p));
			if (e == 1)
				ASSERT_EQ(userbpf_prog__jit(p), 0);
			if (i < 2)
				ASSERT_EQ(produce(prod, false), 0);
			ASSERT_EQ(userbpf_prog__run(p, &ro, &r0), 0);
			if ((int)r0 != want[i])
				test_fail(__FILE__, __LINE__, "%s on the %s: %d, want %d",
					  obj_progs[i], engines[e], (int)r0, want[i]);
		}
		userbpf_user_ringbuf__free(prod);
		userbpf_object__close(obj);
	}
}

/*
 * Checked mode stays a sandbox for unverified programs: a dynptr forged
 * on the stack (data = a host secret, LOCAL, size 8) reads, writes and
 * slices nothing outside the run, and submitting a forged ringbuf
 * dynptr stops the run.
 */
static uint64_t secret = 0x5ec2e75ec2e75ec2ull;

/* the forged dynptr at fp-16, then r1-r5 for HELPER on it; returns r0 */
#define FORGE(TYPE)                                                                                \
	LD64(1, (uint64_t)(uintptr_t)&secret), STX(DW, 10, 1, -16),                                \
		ST(W, 10, -8, 8 | ((TYPE) << 24)), ST(W, 10, -4, 0)

TEST(verifier_dynptr_forged_checked)
{
	const struct userbpf_insn read[] = {
		FORGE(1),	  ST(DW, 10, -24, 0),  READ(-24, 8, -16),
		JI(JNE, 0, 0, 1), LDX(DW, 0, 10, -24), EXIT
	};
	const struct userbpf_insn write[] = { FORGE(1), ST(DW, 10, -24, 0), WRITE(-16, -24, 8),
					      EXIT };
	const struct userbpf_insn data[] = { FORGE(1), DATA(-16, 8), EXIT };
	const struct userbpf_insn submit[] = { FORGE(2), RELEASE(199, -16), RET0 };
	const struct {
		const struct userbpf_insn *insns;
		size_t n;
		int run_err;
		uint64_t r0;
	} progs[] = {
		{ read, sizeof(read) / sizeof(read[0]), 0, (uint64_t)-EFAULT },
		{ write, sizeof(write) / sizeof(write[0]), 0, (uint64_t)-EFAULT },
		{ data, sizeof(data) / sizeof(data[0]), 0, 0 },
		{ submit, sizeof(submit) / sizeof(submit[0]), -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_SYSCALL);
		struct userbpf_prog *p = userbpf_prog__new(progs[i].insns, progs[i].n, &po);
		uint64_t ctx = 0, r0 = 0;
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_CHECKED);
		int err;

		ASSERT_TRUE(p != NULL);
		ASSERT_TRUE(!userbpf_prog__verified(p));
		err = userbpf_prog__run(p, &ro, &r0);
		if (progs[i].run_err) {
			ASSERT_EQ(err, progs[i].run_err);
		} else {
			ASSERT_EQ(err, 0);
			ASSERT_EQ(r0, progs[i].r0);
		}
		ASSERT_EQ(secret, 0x5ec2e75ec2e75ec2ull);
		userbpf_prog__free(p);
	}
}
