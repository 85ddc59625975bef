// SPDX-License-Identifier: MIT
/*
 * test_jit_frames.c - the JIT's per-program prologues and trampolines
 * give every C callee-saved register (rbx, rbp, r12-r15) and rsp back to
 * the caller, for each frame variant: the lean trampoline (one function,
 * no calls) with no saves, odd and even saves, a stack; the full one with
 * helper calls, BPF-to-BPF calls (callee frames of their own), callbacks
 * (bpf_loop), tail calls into lean and full targets, and the error exits
 * that unwind from a nested frame in one step (call depth, a helper's
 * abort, an out-of-bounds packet load).  Each program runs as loaded
 * unverified (several functions: one uniform frame) and marked verified
 * (each function its own frame), each with and without constant blinding.  The image's trampoline is called from
 * an assembly harness that loads canaries into those registers first.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jit/jit_int.h"
#include "maps/map.h"
#include "../unit/test.h"
#include "userbpf/map.h"
#include "userbpf/userbpf.h"

#if defined(__x86_64__)

/*
 * int jit_frames_call(tramp (rdi), args (rsi), run (rdx), ret (rcx),
 *                     target (r8), uint64_t out[8] (r9)):
 * out[0..5] = rbx, rbp, r12-r15 after the call (canaries before it),
 * out[6] = rsp before the call, out[7] = rsp after it.
 */
int jit_frames_call(const void *tramp, const uint64_t *args, struct userbpf_run *run, uint64_t *ret,
		    const void *target, uint64_t *out);
__asm__(".text\n"
	".globl jit_frames_call\n"
	".type jit_frames_call, @function\n"
	"jit_frames_call:\n"
	"	push %rbp\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	push %r9\n"
	"	mov %rsp, 48(%r9)\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %rcx\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %r12\n"
	"	movabs $0x4444444444444444, %r13\n"
	"	movabs $0x5555555555555555, %r14\n"
	"	movabs $0x6666666666666666, %r15\n"
	"	call *%rax\n"
	"	mov (%rsp), %r9\n"
	"	mov %rbx, 0(%r9)\n"
	"	mov %rbp, 8(%r9)\n"
	"	mov %r12, 16(%r9)\n"
	"	mov %r13, 24(%r9)\n"
	"	mov %r14, 32(%r9)\n"
	"	mov %r15, 40(%r9)\n"
	"	mov %rsp, 56(%r9)\n"
	"	pop %r9\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	ret\n"
	".size jit_frames_call, .-jit_frames_call\n");

static struct userbpf_map *frames_map;

static int frames_resolve(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)cookie, (void)src, (void)next, (void)imm;
	*value = (uint64_t)(uintptr_t)frames_map;
	return 0;
}

static struct userbpf_prog *frames_prog(const char *src, int mode)
{
	struct userbpf_insn *insns;
	struct userbpf_prog *p;
	size_t cnt;
	char err[256];
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = frames_resolve);

	if (userbpf_asm(src, &insns, &cnt, err, sizeof(err))) {
		test_fail(__FILE__, __LINE__, "asm: %s", err);
		return NULL;
	}
	p = userbpf_prog__new(insns, cnt, &po);
	userbpf_free(insns);
	if (!p)
		return NULL;
	if (mode & 1)
		vm_prog_set_verified(p, true); /* well-formed: functions apart */
	if (mode & 2)
		userbpf_prog__set_jit_blinding(p, true);
	if (userbpf_prog__jit(p)) {
		userbpf_prog__free(p);
		return NULL;
	}
	return p;
}

/*
 * Run p's native code through the harness: want_rc and (when 0) want_r0;
 * the registers must come back; returns whether the image is lean.
 */
static int frames_run(struct userbpf_prog *p, const uint64_t args[5], int want_rc, uint64_t want_r0,
		      const char *src)
{
	static const uint64_t canary[6] = { 0x1111111111111111ull, 0x2222222222222222ull,
					    0x3333333333333333ull, 0x4444444444444444ull,
					    0x5555555555555555ull, 0x6666666666666666ull };
	static uint8_t pkt[6] = { 1, 2, 3, 4, 5, 6 };
	USERBPF_OPTS(userbpf_run_opts, opts);
	struct userbpf_run *run = calloc(1, sizeof(*run));
	const struct jit_image *img = p->jit;
	uint64_t out[8] = { 0 }, r0 = 0xdead;
	int rc, i;

	run->prog = p;
	run->opts = &opts;
	run->data = pkt;
	run->data_size = sizeof(pkt);
	run->budget = UINT64_MAX;
	run->jit = true;
	run->regions = run->inline_regions;
	run->region_cap = VM_INLINE_REGIONS;
	run->inline_regions[0].hi = (uintptr_t)__builtin_frame_address(0);
	run->inline_regions[0].lo = run->inline_regions[0].hi - VM_JIT_STACK_WINDOW;
	run->inline_regions[0].writable = true;
	rc = jit_frames_call((const void *)img->tramp, args, run, &r0, img->code + img->fn_addrs[0],
			     out);
	free(run);
	for (i = 0; i < 6; i++)
		if (out[i] != canary[i])
			test_fail(__FILE__, __LINE__, "%s: register %d is %#llx after the run", src,
				  i, (unsigned long long)out[i]);
	if (out[6] != out[7])
		test_fail(__FILE__, __LINE__, "%s: rsp moved by %lld", src,
			  (long long)(out[7] - out[6]));
	if (rc != want_rc || (!rc && r0 != want_r0))
		test_fail(__FILE__, __LINE__, "%s: rc %d r0 %llu, want rc %d r0 %llu", src, rc,
			  (unsigned long long)r0, want_rc, (unsigned long long)want_r0);
	return img->lean;
}

/* clang-format off */
static const struct {
	const char *src;
	uint64_t args[5];
	int rc;
	uint64_t r0;
	int lean;
} frames_cases[] = {
	/* lean: no saves, no stack */
	{ "r0 = 0\nexit\n", { 0 }, 0, 0, 1 },
	/* lean: r1-r5 loaded from the arguments */
	{ "r0 = r1\nr0 += r2\nr0 += r3\nr0 += r4\nr0 += r5\nexit\n", { 1, 2, 4, 8, 16 }, 0, 31, 1 },
	/* lean: one saved register (odd), no stack */
	{ "r7 = r1\nr7 += 5\nr0 = r7\nexit\n", { 10 }, 0, 15, 1 },
	/* lean: four saved registers and the stack */
	{ "r6 = 1\nr7 = 2\nr8 = 3\nr9 = 4\n*(u64 *)(r10 - 8) = r6\nr0 = *(u64 *)(r10 - 8)\n"
	  "r0 += r7\nr0 += r8\nr0 += r9\nexit\n", { 0 }, 0, 10, 1 },
	/* full: a helper call (bpf_get_prandom_u32) */
	{ "r6 = 5\ncall 7\nr0 = r6\nexit\n", { 0 }, 0, 5, 0 },
	/* a callee without stack that saves r8 only */
	{ "r6 = 1\nr8 = 3\ncall +3\nr0 += r6\nr0 += r8\nexit\nr8 = 100\nr0 = r8\nexit\n",
	  { 0 }, 0, 104, 0 },
	/* a callee with stack, one save (alignment padding) and a helper call */
	{ "r6 = 1\nr7 = 2\n*(u64 *)(r10 - 8) = 10\ncall +4\nr0 += r6\nr1 = *(u64 *)(r10 - 8)\n"
	  "r0 += r1\nexit\nr7 = 50\n*(u64 *)(r10 - 8) = 20\ncall 7\nr0 = *(u64 *)(r10 - 8)\n"
	  "r0 += r7\nexit\n", { 0 }, 0, 81, 0 },
	/* a callback (bpf_loop, 4 rounds) with its own saves and stack */
	{ "r6 = 100\nr1 = 4\nr2 = func(+6) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 += r6\nexit\n"
	  "r7 = 9\nr8 = 1\n*(u64 *)(r10 - 8) = r7\nr0 = 0\nexit\n", { 0 }, 0, 104, 0 },
	/* error exits from a nested frame: call depth */
	{ "r6 = 1\nr0 = 0\ncall +1\nexit\nr7 = 2\nr0 += 1\ncall -3\nexit\n", { 0 }, -ELOOP, 0, 0 },
	/* ... a helper's abort (unlock of a lock the run does not hold) */
	{ "r6 = 3\ncall +2\nr0 = r6\nexit\nr9 = 1\n*(u32 *)(r10 - 4) = 0\nr1 = r10\nr1 += -4\n"
	  "call 94\nr0 = 0\nexit\n", { 0 }, -EINVAL, 0, 0 },
	/* lean: a loop constant in a callee-saved register (r1-r6 named) */
	{ "r0 = 0\nr1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\nr6 = 0x123456789 ll\nr6 += r1\n"
	  "r0 += r6\nr1 += 1\nif r1 < 3 goto -6\nexit\n", { 0 }, 0, 3 * 0x123456789ull + 3, 1 },
	/* full: a loop constant across a helper call (r15, saved by the trampoline) */
	{ "r6 = 0\nr7 = 0\nr8 = 0x123456789 ll\nr7 += r8\ncall 7\nr6 += 1\n"
	  "if r6 < 3 goto -6\nr0 = r7\nexit\n", { 0 }, 0, 3 * 0x123456789ull, 0 },
	/* ... and in a callee, which saves it itself */
	{ "call +2\nr0 += 1\nexit\nr6 = 0\nr7 = 0\nr8 = 0x123456789 ll\nr7 += r8\ncall 7\n"
	  "r6 += 1\nif r6 < 3 goto -6\nr0 = r7\nexit\n", { 0 }, 0, 3 * 0x123456789ull + 1, 0 },
	/* ... an out-of-bounds packet load ends the run with r0 = 0 */
	{ "r6 = 1\ncall +2\nr0 = 77\nexit\nr7 = 4\nr0 = *(u8 *)skb[100]\nr0 = 1\nexit\n",
	  { 0 }, 0, 0, 0 },
};
/* clang-format on */

TEST(jit_frames_restore_callee_saved_registers)
{
	size_t i;
	int mode;

	for (mode = 0; mode < 4; mode++) { /* verified (1), blinded (2) */
		for (i = 0; i < sizeof(frames_cases) / sizeof(frames_cases[0]); i++) {
			struct userbpf_prog *p = frames_prog(frames_cases[i].src, mode);

			ASSERT_TRUE(p != NULL);
			ASSERT_EQ(frames_run(p, frames_cases[i].args, frames_cases[i].rc,
					     frames_cases[i].r0, frames_cases[i].src),
				  frames_cases[i].lean);
			userbpf_prog__free(p);
		}
	}
}

/* Tail calls into a lean and a full target: both return their r0. */
TEST(jit_frames_tail_calls_restore_registers)
{
	static const char *targets[2] = { "r6 = 99\nr0 = 42\nexit\n",
					  "r7 = 5\ncall 7\nr0 = 43\nexit\n" };
	static const char main_src[] =
		"r6 = 7\nr2 = map_fd(1) ll\nr3 = 0\ncall 12\nr0 = r6\nexit\n";
	uint64_t args[5] = { 0 };
	int t, verified;

	frames_map = userbpf_map__create(USERBPF_MAP_TYPE_PROG_ARRAY, "frames", 4, 4, 1, NULL);
	ASSERT_TRUE(frames_map != NULL);
	for (verified = 0; verified < 2; verified++) {
		for (t = 0; t < 2; t++) {
			struct userbpf_prog *target = frames_prog(targets[t], verified);
			struct userbpf_prog *p = frames_prog(main_src, verified);

			ASSERT_TRUE(target != NULL && p != NULL);
			ASSERT_OK(ub_prog_array_set(ub_map_from(frames_map), 0, target, 1));
			frames_run(p, args, 0, 42 + (uint64_t)t, main_src);
			ASSERT_OK(ub_prog_array_set(ub_map_from(frames_map), 0, NULL, 0));
			/* an empty slot: the program goes on after the call */
			frames_run(p, args, 0, 7, main_src);
			userbpf_prog__free(p);
			userbpf_prog__free(target);
		}
	}
	userbpf_map__put(frames_map);
	frames_map = NULL;
}

#endif /* __x86_64__ */
