/* SPDX-License-Identifier: MIT */
/*
 * jit.c - the backend-neutral JIT driver: finds function entries, runs the
 * back end's passes until the layout is stable (hard cap), emits the final
 * image into write-xor-execute memory from the platform and checks that it
 * came out exactly as measured.  Any failure is recorded as a reason and
 * the program stays on the interpreter.
 *
 * Also: entering native code (jit_run), tail calls out of native code,
 * and the public engine API (userbpf/jit.h).
 *
 * Does not own: instruction encodings (x86_64.c), run semantics (vm).
 */
#include "util/ubc.h"

#include "jit_int.h"
#include "userbpf/jit.h"
#include "util/alloc.h"

const char jit_msg_eloop[] = "call stack deeper than 8 frames";
const char jit_msg_callx[] = "callx to unknown helper";
const char jit_msg_nodata[] = "packet load without packet data";

static const char *const jit_error_text[JIT_E_COUNT] = {
	[JIT_OK] = NULL,
	[JIT_E_UNSUPPORTED_ARCH] = "no JIT back end for this machine",
	[JIT_E_UNSUPPORTED_INSN] = "instruction without a JIT emitter",
	[JIT_E_NO_CONVERGENCE] = "JIT layout did not converge",
	[JIT_E_SIZE_CHANGED] = "JIT final pass differs from the measured layout",
	[JIT_E_OVERFLOW] = "JIT image overflowed its buffer",
	[JIT_E_NOMEM] = "no memory for the JIT image",
	[JIT_E_TOO_BIG] = "JIT image too large",
	[JIT_E_DISABLED] = "engine set to the interpreter",
};

static int jit_error_errno(enum jit_error e)
{
	switch (e) {
	case JIT_OK: return 0;
	case JIT_E_UNSUPPORTED_ARCH: case JIT_E_DISABLED: return -ENOTSUP;
	case JIT_E_NOMEM: return -ENOMEM;
	case JIT_E_TOO_BIG: return -E2BIG;
	default: return -EINVAL;
	}
}

static size_t page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

static void image_free(struct jit_image *img)
{
	if (!img)
		return;
	ub_exec_free(img->code, img->map_size);
	ub_free(img->addrs);
	ub_free(img->is_entry);
	ub_free(img);
}

/*
 * Function entries: slot 0, every local-call target, every lddw func()
 * target (callbacks).  Each gets a native prologue.
 */
static void find_entries(const struct userbpf_prog *prog, uint8_t *is_entry)
{
	size_t pc;

	is_entry[0] = 1;
	for (pc = 0; pc < prog->insn_cnt; pc++) {
		const struct vm_insn *in = &prog->code[pc];

		if (in->op == ISA_CALL_LOCAL)
			is_entry[pc + 1 + (size_t)(int64_t)in->off] = 1;
		else if (in->op == ISA_LDDW_FUNC)
			is_entry[((uintptr_t)in->imm - (uintptr_t)prog->code) /
				 sizeof(struct vm_insn)] = 1;
	}
}

/*
 * Compile prog: passes until addrs[] and the length stop changing (at most
 * JIT_MAX_PASSES).  The first pass only measures; later passes write into
 * a heap buffer of the first pass's size, so the pass that confirms the
 * layout (same length, same addrs[] as the pass before, hence every
 * forward jump resolved against final addresses) is the final image,
 * copied into fresh write-xor-execute memory and sealed.  Returns the
 * image or NULL with *why set.
 */
static struct jit_image *compile(const struct userbpf_prog *prog, enum jit_error *why)
{
	struct jit_image *img = ub_alloc(sizeof(*img));
	uint32_t *prev = NULL;
	uint8_t *tmp = NULL;
	struct jit_ctx c;
	size_t n = prog->insn_cnt, pass, len = 0;
	enum jit_error err = JIT_E_NOMEM;

	memset(&c, 0, sizeof(c));
	if (!img)
		goto fail;
	img->insn_cnt = n;
	img->addrs = ub_calloc(n + 1, sizeof(*img->addrs));
	img->is_entry = ub_calloc(n, 1);
	prev = ub_calloc(n + 1, sizeof(*prev));
	if (!img->addrs || !img->is_entry || !prev)
		goto fail;
	find_entries(prog, img->is_entry);
	c.prog = prog;
	c.addrs = img->addrs;
	c.is_entry = img->is_entry;
	/* Pessimistic start: every forward jump first takes its long form. */
	for (pass = 0; pass <= n; pass++)
		img->addrs[pass] = (uint32_t)(pass * 64 + 4096);
	for (pass = 0;; pass++) {
		if (pass == JIT_MAX_PASSES) {
			err = JIT_E_NO_CONVERGENCE;
			goto fail;
		}
		memcpy(prev, img->addrs, (n + 1) * sizeof(*prev));
		err = jit_arch_emit(&c);
		if (err == JIT_E_OVERFLOW) {
			/* grew past the first pass: measure only from now on */
			c.buf = NULL;
			c.cap = 0;
			err = JIT_OK;
		}
		if (err)
			goto fail;
		if (pass && c.len == len && c.buf &&
		    !memcmp(prev, img->addrs, (n + 1) * sizeof(*prev)))
			break;
		len = c.len;
		if (!tmp) {
			err = JIT_E_NOMEM;
			tmp = ub_alloc(len);
			if (!tmp)
				goto fail;
			c.buf = tmp;
			c.cap = len;
		}
	}
	img->passes = (unsigned)pass + 1;
	err = JIT_E_SIZE_CHANGED;
	if (c.len != len || c.overflow)
		goto fail; /* the final pass must match the converged layout */
	err = JIT_E_NOMEM;
	img->map_size = page_round(len);
	img->code = ub_exec_alloc(img->map_size);
	if (!img->code)
		goto fail;
	memcpy(img->code, tmp, len);
	memset(img->code + len, 0xcc, img->map_size - len); /* slack: int3 */
	if (ub_exec_seal(img->code, img->map_size))
		goto fail;
	img->len = len;
	img->prologue_len = c.prologue_len;
	img->body_start = c.body_start;
	img->tramp = (int (*)(const uint64_t *, struct userbpf_run *, uint64_t *,
			      const void *))(void *)(img->code + c.tramp_off);
	ub_free(prev);
	ub_free(tmp);
	*why = JIT_OK;
	return img;
fail:
	ub_free(prev);
	ub_free(tmp);
	image_free(img);
	*why = err;
	return NULL;
}

/* Compile once; concurrent callers may both compile, one image wins. */
static int prog_compile(struct userbpf_prog *prog)
{
	int state = __atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE);
	struct jit_image *img, *expected = NULL;
	enum jit_error why;

	if (state)
		return state;
	if (prog->engine == USERBPF_ENGINE_INTERP)
		return -JIT_E_DISABLED; /* not recorded: the engine may change */
	img = compile(prog, &why);
	if (!img) {
		int zero = 0;

		__atomic_compare_exchange_n(&prog->jit_state, &zero, -(int)why, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		return __atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE);
	}
	if (!__atomic_compare_exchange_n(&prog->jit, &expected, img, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		image_free(img);
	__atomic_store_n(&prog->jit_state, 1, __ATOMIC_RELEASE);
	return 1;
}

bool jit_prog_ready(struct userbpf_prog *prog)
{
	if (prog->engine == USERBPF_ENGINE_INTERP)
		return false;
	if (__atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE) == 1)
		return true;
	return prog_compile(prog) == 1;
}

bool jit_entry_ok(const struct userbpf_prog *prog, size_t entry)
{
	const struct jit_image *img = __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE);

	return img && entry < img->insn_cnt && img->is_entry[entry];
}

void jit_prog_free(struct userbpf_prog *prog)
{
	image_free(prog->jit);
	prog->jit = NULL;
}

/*
 * Native frames of one entry lie below the caller's frame: the trampoline
 * and at most USERBPF_MAX_CALL_FRAMES BPF frames of 576 bytes.  That
 * window is the run's own stack memory for userbpf_run__read.
 */
#define JIT_STACK_WINDOW (USERBPF_MAX_CALL_FRAMES * 576 + 256)

static int enter(struct userbpf_run *run, const struct jit_image *img, size_t entry,
		 const uint64_t args[5], uint64_t *ret)
{
	return img->tramp(args, run, ret, img->code + img->addrs[entry] - img->prologue_len);
}

int jit_run(struct userbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *ret)
{
	const struct jit_image *img = run->prog->jit;
	struct vm_region *r = &run->regions[run->callback_depth];
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);
	uint32_t saved_depth = run->jit_depth;
	int err;

	r->lo = top - JIT_STACK_WINDOW;
	r->hi = top;
	r->writable = true;
	run->jit = true;
	run->jit_depth = 0;
	err = enter(run, img, entry, args, ret);
	run->jit_depth = saved_depth;
	return err;
}

/*
 * A helper asked for a tail call: run the target in place of the current
 * BPF function (same call depth), on native code when it compiles, and
 * hand its r0 back; the caller's native code returns it.  Errors go to
 * run->abort_err, which the native code checks next.
 */
uint64_t jit_tail_call(struct userbpf_run *run, uint64_t ctx)
{
	const struct userbpf_prog *prev = run->prog;
	struct userbpf_prog *target = (struct userbpf_prog *)run->tail_target;
	uint64_t args[5] = { ctx, 0, 0, 0, 0 };
	uint64_t r0 = 0;
	int err;

	run->tail_target = NULL;
	run->prog = target;
	if (jit_prog_ready(target))
		err = enter(run, target->jit, 0, args, &r0);
	else
		err = vm_interp_fast(run, 0, args, &r0);
	run->prog = prev;
	if (err && !run->abort_err)
		run->abort_err = err;
	return r0;
}

/* ==== Public API ==== */

int userbpf_prog__set_engine(struct userbpf_prog *prog, enum userbpf_engine engine)
{
	if (!prog || (unsigned)engine > USERBPF_ENGINE_INTERP)
		return -EINVAL;
	prog->engine = (uint8_t)engine;
	return 0;
}

enum userbpf_engine userbpf_prog__engine(const struct userbpf_prog *prog)
{
	return (enum userbpf_engine)prog->engine;
}

int userbpf_prog__jit(struct userbpf_prog *prog)
{
	int state;

	if (!prog)
		return -EINVAL;
	state = prog_compile(prog);
	return state == 1 ? 0 : jit_error_errno((enum jit_error)-state);
}

const char *userbpf_prog__jit_error(const struct userbpf_prog *prog)
{
	int state = __atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE);

	if (prog->engine == USERBPF_ENGINE_INTERP)
		return jit_error_text[JIT_E_DISABLED];
	if (state >= 0 || -state >= JIT_E_COUNT)
		return NULL;
	return jit_error_text[-state];
}

const void *userbpf_prog__jited(const struct userbpf_prog *prog, size_t *size)
{
	const struct jit_image *img = __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE);

	if (size)
		*size = img ? img->len : 0;
	return img ? img->code : NULL;
}

long userbpf_prog__jited_offset(const struct userbpf_prog *prog, size_t insn)
{
	const struct jit_image *img = __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE);

	if (!img)
		return -ENOENT;
	if (insn > img->insn_cnt)
		return -EINVAL;
	return img->addrs[insn];
}
