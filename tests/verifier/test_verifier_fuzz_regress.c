/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_fuzz_regress.c - the fuzz_jit "timeout" artifact
 * (input iAAAAAAAAAD/81AGAA==, seed 0x88, mix 0xff, one patch).  Its
 * program depended on the compiler: tests/unit/oracle_gen.c drew several
 * random numbers inside one initializer (a designated initializer's
 * expressions are indeterminately sequenced, C11 6.7.9p23), and clang
 * (the fuzz build) and gcc (the release build) evaluated them in other
 * orders; every draw is now a statement of its own and both build gcc's
 * program, which is refused at once (a reserved field).  Clang's,
 * kept here as data (187 instructions), is a loop nest the kernel too
 * stops at the complexity limit: Linux 6.18 "processed 1000001 insns
 * (limit 1000000) ... total_states 34502".  1,000,000 processed
 * instructions take about 1.7 s in the release build and 10 to 60 s under
 * ASan, UBSan and coverage: the fuzz timeout, not a backtracking loop.
 * The test holds the verdict (E2BIG at 1,000,001, as the kernel) and
 * compares with the kernel when bpf() is allowed.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "userbpf/verifier.h"
#include "../unit/test.h"

/* clang-format off */
static const uint64_t prog[] = {
	0x0000000000001961ull, 0x0000000000041861ull, 0x00000000000097bfull, 0x000000c000000707ull,
	0x0000000000b4872dull, 0xf8bf7a6e00000018ull, 0x000095dc00000000ull, 0x1173745d00000118ull,
	0xe068e56600000000ull, 0x002c699c000002b4ull, 0xc865867c00000318ull, 0xffffffff00000000ull,
	0x0000000000000418ull, 0xffffffff00000000ull, 0x238a537700000518ull, 0xf8afabfd00000000ull,
	0xfffffffb000006b7ull, 0x00650d6700000718ull, 0x0000000000000000ull, 0xf3bfc203fff80a62ull,
	0x7f0e7d63fffc0a62ull, 0x000000fffff00a62ull, 0xfffffffffff40a62ull, 0x000000dbffe80a7aull,
	0x0000ffffffe00a7aull, 0x50f4d873ffd80a62ull, 0xf88d14f3ffdc0a62ull, 0xe6e393b1ffd00a7aull,
	0x00000000ffc83a7bull, 0x00000000ffc01a7bull, 0x00000020000000d7ull, 0x992018fa00000718ull,
	0xa5c44b8000000000ull, 0x000000000000a8bfull, 0x00000040fff078dbull, 0x0000800000000418ull,
	0x0000000000000000ull, 0x00000010000002d7ull, 0x00000040000006dcull, 0x00000000000098bfull,
	0x0000003900000807ull, 0x00000000fff38381ull, 0x00000000fff6287bull, 0x00000000ffd08791ull,
	0x00000000ffc00ac3ull, 0x0000000000000687ull, 0xfffffffc00000018ull, 0xffffffff00000000ull,
	0x000000000000614full, 0x00000000002f9381ull, 0x00000000000077ccull, 0x000000000000205cull,
	0x00000020000000dcull, 0x0000002300000577ull, 0x00000000000030bfull, 0x00000000001d9361ull,
	0x00000000ffd80addull, 0x0000010000010297ull, 0xfffffffe00010334ull, 0x0000000000000118ull,
	0xffffffff00000000ull, 0x000000000000153cull, 0x0000002300000077ull, 0x000000000000416full,
	0x00000000000003b7ull, 0x00000000000052cfull, 0x06ad1d0300000127ull, 0x00000000fff83adbull,
	0x000000000000747full, 0x0000000100000307ull, 0x00000001fffa03c5ull, 0x92fc0c4d00000197ull,
	0x00000040000001d4ull, 0x1841d73d0032096aull, 0x00000000000004bfull, 0x00000014000004c4ull,
	0x0000000700000504ull, 0x0000003800000554ull, 0x000000000000a8bfull, 0x000000000000580full,
	0x00000000ffc28591ull, 0xffffffff00000018ull, 0xffffffff00000000ull, 0x000000000000039full,
	0x00000000000008b7ull, 0x00000040fff88adbull, 0x000000000000a8bfull, 0x000000e1fff808dbull,
	0x00000000ffd63a6bull, 0x0000010000000744ull, 0xfffffff800030325ull, 0xffffffff00000618ull,
	0xffffffff00000000ull, 0x000000000000619full, 0x000000000012103eull, 0x000000000000027cull,
	0x000000000004044dull, 0x9e15cd3d000003a7ull, 0x0000000000372963ull, 0x0000000000099179ull,
	0x00000000000b0005ull, 0x8000000000000218ull, 0xdead000000000000ull, 0x0000000000000718ull,
	0x0000000000000000ull, 0x000000000001729cull, 0x000000f4000306c5ull, 0x0000000000239091ull,
	0x000000a0fff05adbull, 0x0000000000020005ull, 0x000000000000526full, 0x663c3b7f00050972ull,
	0x0000000000010005ull, 0x00000000000017afull, 0x00000000002e9161ull, 0x00000001000001b7ull,
	0x70c027f000080176ull, 0x00000000000201adull, 0x0000000000299679ull, 0x0000000000020005ull,
	0x00000000fff17a73ull, 0x000000000000554cull, 0x0000000000325963ull, 0x00000020000005d7ull,
	0x0000000f00000006ull, 0x0000000600050355ull, 0x00000000000098bfull, 0x0000001400000807ull,
	0x00000000fff38679ull, 0x0000000000118771ull, 0x00000000001c6973ull, 0x00000001000004b4ull,
	0x00000000000008b7ull, 0x00000040ffc88adbull, 0x00000001ffc80adbull, 0x00000000ffd80a6bull,
	0x0000000000379561ull, 0x0000000100000417ull, 0x00000000fff90466ull, 0x000000000005397bull,
	0x0000ffff00000317ull, 0x0000000100000117ull, 0x00000000ffe50165ull, 0x00000028000004c7ull,
	0x00000000fff5a271ull, 0x00000000ffca6a73ull, 0x000000000000a8bfull, 0x00000000ffef8691ull,
	0x00000000fff4a471ull, 0x000000000001279full, 0x00000000000098bfull, 0x0000003a00000807ull,
	0x00000000ffcd8371ull, 0x00000050ffe85adbull, 0x11fa650900000034ull, 0x0000000000000218ull,
	0x8000000000000000ull, 0x000000000000273cull, 0x0000000000159489ull, 0x000000000040097bull,
	0x000000000048197bull, 0x000000000050297bull, 0x000000000058397bull, 0x000000000060497bull,
	0x000000000068597bull, 0x000000000070697bull, 0x000000000078797bull, 0x00000000fff8a179ull,
	0x000000000080197bull, 0x00000000fff0a179ull, 0x000000000088197bull, 0x00000000ffe8a179ull,
	0x000000000090197bull, 0x00000000ffe0a179ull, 0x000000000098197bull, 0x00000000ffd8a179ull,
	0x0000000000a0197bull, 0x00000000ffd0a179ull, 0x0000000000a8197bull, 0x00000000ffc8a179ull,
	0x0000000000b0197bull, 0x00000000ffc0a179ull, 0x0000000000b8197bull, 0x0000000000409079ull,
	0x0000000000000095ull, 0x00000bad000000b7ull, 0x0000000000000095ull,
};
/* clang-format on */

TEST(verifier_fuzz_jit_timeout_artifact)
{
	struct userbpf_verifier_stats vs = { 0 };
	USERBPF_OPTS(userbpf_verifier_opts, o, .prog_type = 6 /* XDP */, .gpl = 1, .stats = &vs);
	size_t n = sizeof(prog) / sizeof(prog[0]);
	int err, fd;

	err = userbpf_verify((const struct userbpf_insn *)prog, n, &o);
	ASSERT_EQ(err, -E2BIG);
	ASSERT_EQ(vs.insn_processed, 1000001u);
	/*
	 * The work is the processed instructions, not backtracking: each
	 * state's history is capped (a checkpoint every 256 insns) and a walk
	 * stops at the first state that has its marks already, so the steps
	 * stay a small multiple of the processed insns (measured: 2.96).
	 */
	ASSERT_TRUE(vs.backtrack_steps <= 16ull * vs.insn_processed);
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", (const struct bpf_insn *)prog,
			   (uint32_t)n, NULL);
	if (fd >= 0) {
		close(fd);
		test_fail(__FILE__, __LINE__, "the kernel accepts the program userbpf refuses");
	} else if (errno == EPERM) {
		test_skip("the kernel refuses bpf() here: kernel oracle skipped");
	} else {
		ASSERT_EQ(errno, E2BIG);
	}
}
