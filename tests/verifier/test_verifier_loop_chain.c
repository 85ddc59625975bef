/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_loop_chain.c - consecutive bpf_loop calls and the work
 * the verifier spends on them.  Each program calls bpf_loop K times in a
 * row (nr_loops 8) with a callback that increments a counter in the
 * caller's stack under a branch on a random value; variant "branch" also
 * branches on the counter after each loop (the counter becomes precise,
 * so its iterations cannot widen), variant "two" bumps a second slot.
 * Before the iteration bound (bpf_loop explores at most nr_loops
 * iterations, as the kernel's callback_depth) the counter variants ran
 * into "The sequence of 8192 jumps is too complex" from K = 2 on; before
 * backedges (precision of states inside callbacks settled when their
 * loop is explored, instead of every scalar of the path marked precise
 * at a hit) the plain one took 466,535 processed insns at K = 6 and was
 * refused.  The kernel
 * (Linux 6.18) is the oracle: it accepts them all; userbpf must accept
 * them with processed-insn counts of the same order (at most twice the
 * kernel's, measured: below it) and with backtracking work bounded by a
 * small multiple of the processed instructions.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "userbpf/verifier.h"
#include "../unit/test.h"

#define LC_MAX 128

struct lc_prog {
	struct bpf_insn p[LC_MAX];
	int n;
	int cb; /* first insn of the callback */
};

static void lc_emit(struct lc_prog *g, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		    int32_t imm)
{
	g->p[g->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
}

/* variant: 0 plain, 1 branch on the counter after each loop, 2 also a second slot */
static void lc_build(struct lc_prog *g, int k, int variant)
{
	int fix[16], nfix = 0, i;

	memset(g, 0, sizeof(*g));
	lc_emit(g, 0xbf, 6, 1, 0, 0);	 /* r6 = r1 */
	lc_emit(g, 0x7a, 10, 0, -8, 0);	 /* *(u64 *)(r10 - 8) = 0 */
	lc_emit(g, 0x7a, 10, 0, -16, 0); /* *(u64 *)(r10 - 16) = 0 */
	lc_emit(g, 0x85, 0, 0, 0, 7);	 /* call bpf_get_prandom_u32 */
	lc_emit(g, 0x7b, 10, 0, -24, 0); /* *(u64 *)(r10 - 24) = r0 */
	for (i = 0; i < k; i++) {
		lc_emit(g, 0xb7, 1, 0, 0, 8); /* r1 = 8 (nr_loops) */
		fix[nfix++] = g->n;
		lc_emit(g, 0x18, 2, 4, 0, 0); /* r2 = callback (ld_imm64 pseudo func) */
		lc_emit(g, 0, 0, 0, 0, 0);
		lc_emit(g, 0xbf, 3, 10, 0, 0);	/* r3 = r10 */
		lc_emit(g, 0x07, 3, 0, 0, -24); /* r3 += -24 */
		lc_emit(g, 0xb7, 4, 0, 0, 0);	/* r4 = 0 */
		lc_emit(g, 0x85, 0, 0, 0, 181); /* call bpf_loop */
		if (variant) {
			lc_emit(g, 0x79, 0, 10, -8, 0);	 /* r0 = *(u64 *)(r10 - 8) */
			lc_emit(g, 0x25, 0, 0, 2, 3);	 /* if r0 > 3 goto +2 */
			lc_emit(g, 0xb7, 1, 0, 0, 1);	 /* r1 = 1 */
			lc_emit(g, 0x7b, 10, 1, -16, 0); /* *(u64 *)(r10 - 16) = r1 */
		}
	}
	lc_emit(g, 0xb7, 0, 0, 0, 2); /* r0 = XDP_PASS */
	lc_emit(g, 0x95, 0, 0, 0, 0);
	g->cb = g->n;
	lc_emit(g, 0x79, 3, 2, 0, 0);  /* r3 = *(u64 *)(r2 + 0): the random value */
	lc_emit(g, 0x79, 4, 2, 16, 0); /* r4 = *(u64 *)(r2 + 16): the counter */
	lc_emit(g, 0x45, 3, 0, 1, 1);  /* if r3 & 1 goto +1 */
	lc_emit(g, 0x07, 4, 0, 0, 1);  /* r4 += 1 */
	lc_emit(g, 0x7b, 2, 4, 16, 0); /* *(u64 *)(r2 + 16) = r4 */
	if (variant == 2) {
		lc_emit(g, 0x79, 5, 2, 8, 0); /* r5 = *(u64 *)(r2 + 8) */
		lc_emit(g, 0x07, 5, 0, 0, 3); /* r5 += 3 */
		lc_emit(g, 0x7b, 2, 5, 8, 0); /* *(u64 *)(r2 + 8) = r5 */
	}
	lc_emit(g, 0xb7, 0, 0, 0, 0); /* r0 = 0 */
	lc_emit(g, 0x95, 0, 0, 0, 0);
	for (i = 0; i < nfix; i++)
		g->p[fix[i]].imm = g->cb - (fix[i] + 1);
}

/* the kernel's verdict and "processed N insns": -errno, or the count */
static long lc_kernel(const struct lc_prog *g, bool *skipped)
{
	static char log[1 << 20];
	struct bpf_func_info fi[2] = { { .insn_off = 0 }, { .insn_off = (uint32_t)g->cb } };
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	struct btf *btf = btf__new_empty();
	long ret = -EINVAL;
	const char *p;
	int fd, proto;

	*skipped = false;
	if (!btf)
		return -ENOMEM;
	proto = btf__add_func_proto(btf, btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	fi[0].type_id = (uint32_t)btf__add_func(btf, "main", BTF_FUNC_GLOBAL, proto);
	fi[1].type_id = (uint32_t)btf__add_func(btf, "cb", BTF_FUNC_STATIC, proto);
	if (btf__load_into_kernel(btf)) {
		*skipped = true;
		btf__free(btf);
		return -EPERM;
	}
	o.prog_btf_fd = btf__fd(btf);
	o.func_info = fi;
	o.func_info_cnt = 2;
	o.func_info_rec_size = sizeof(fi[0]);
	log[0] = '\0';
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", g->p, (uint32_t)g->n, &o);
	if (fd >= 0) {
		close(fd);
		p = strstr(log, "processed ");
		ret = p ? strtol(p + 10, NULL, 10) : 0;
	} else {
		ret = -errno;
		*skipped = errno == EPERM;
	}
	btf__free(btf);
	return ret;
}

static void lc_case(int k, int variant, bool oracle)
{
	struct lc_prog g;
	struct userbpf_verifier_stats vs = { 0 };
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 6 /* XDP */, .gpl = 1, .stats = &vs);
	bool skipped;
	long kproc;
	int err;

	lc_build(&g, k, variant);
	err = userbpf_verify((const struct userbpf_insn *)g.p, (size_t)g.n, &o);
	kproc = oracle ? lc_kernel(&g, &skipped) : 0;
	if (test_verbose())
		printf("    bpf_loop x%d variant %d: userbpf %d, processed %u, backtrack steps %llu; "
		       "kernel %ld\n",
		       k, variant, err, vs.insn_processed, (unsigned long long)vs.backtrack_steps,
		       kproc);
	ASSERT_EQ(err, 0);
	/* backtracking: bounded by a small multiple of the processed insns */
	ASSERT_TRUE(vs.backtrack_steps <= 16ull * vs.insn_processed);
	if (!oracle) {
		/* Linux 6.18 at K = 6: 494,481 (variant 1), 740,585 (variant 2) */
		ASSERT_TRUE(vs.insn_processed <= (variant == 1 ? 494481u : 740585u));
		return;
	}
	if (skipped)
		return;
	ASSERT_TRUE(kproc > 0); /* the kernel accepts it */
	ASSERT_TRUE(vs.insn_processed <= 2 * (uint64_t)kproc);
}

TEST(verifier_loop_chain_counter_branch)
{
	int k;

	/* the kernel's load of the longer chains takes seconds: K <= 4 there */
	for (k = 1; k <= 6; k++) {
		lc_case(k, 1, k <= 4);
		lc_case(k, 2, k <= 4);
	}
}

/*
 * The plain variant: the counter is never read after the loops, so its
 * iterations widen it and each loop converges in two; the exits of later
 * iterations prune at the insn after the call.  Linux 6.18: 39, 72, 105,
 * 138, 171, 204 processed insns for 1 to 6 loops; userbpf one more each.
 */
TEST(verifier_loop_chain_plain)
{
	struct lc_prog g;
	struct userbpf_verifier_stats vs = { 0 };
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 6 /* XDP */, .gpl = 1, .stats = &vs);
	bool skipped;
	long kproc;
	int k;

	for (k = 1; k <= 6; k++) {
		lc_build(&g, k, 0);
		ASSERT_EQ(userbpf_verify((const struct userbpf_insn *)g.p, (size_t)g.n, &o), 0);
		ASSERT_TRUE(vs.backtrack_steps <= 16ull * vs.insn_processed);
		kproc = lc_kernel(&g, &skipped);
		if (test_verbose())
			printf("    bpf_loop x%d plain: processed %u (kernel %ld)\n", k,
			       vs.insn_processed, kproc);
		/* linear in the number of loops, as the kernel */
		ASSERT_TRUE(vs.insn_processed <= 40u * (unsigned)k);
		if (skipped)
			continue;
		ASSERT_TRUE(kproc > 0);
		ASSERT_TRUE(vs.insn_processed <= 2 * (uint64_t)kproc);
	}
}

/* nr_loops bounds the iterations explored; 0 explores none */
TEST(verifier_loop_chain_nr_loops_zero)
{
	struct lc_prog g;
	struct userbpf_verifier_stats vs = { 0 };
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 6 /* XDP */, .gpl = 1, .stats = &vs);
	int i;

	lc_build(&g, 1, 1);
	for (i = 0; i < g.n; i++)
		if (g.p[i].code == 0xb7 && g.p[i].dst_reg == 1 && g.p[i].imm == 8)
			g.p[i].imm = 0;
	/* the callback would be unsafe: it writes through r2 + 4096 */
	for (i = g.cb; i < g.n; i++)
		if (g.p[i].code == 0x7b && g.p[i].off == 16)
			g.p[i].off = 4096;
	ASSERT_EQ(userbpf_verify((const struct userbpf_insn *)g.p, (size_t)g.n, &o), 0);
	for (i = 0; i < g.n; i++)
		if (g.p[i].code == 0xb7 && g.p[i].dst_reg == 1 && g.p[i].imm == 0)
			g.p[i].imm = 1;
	ASSERT_EQ(userbpf_verify((const struct userbpf_insn *)g.p, (size_t)g.n, &o), -EACCES);
}
