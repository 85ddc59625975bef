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
#include "maps/map.h"
#include "userbpf/jit.h"
#include "util/alloc.h"
#include "util/log.h"

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
	case JIT_OK:
		return 0;
	case JIT_E_UNSUPPORTED_ARCH:
	case JIT_E_DISABLED:
		return -ENOTSUP;
	case JIT_E_NOMEM:
		return -ENOMEM;
	case JIT_E_TOO_BIG:
		return -E2BIG;
	default:
		return -EINVAL;
	}
}

static void image_free(struct jit_image *img)
{
	if (!img)
		return;
	ub_exec_free(&img->mem);
	ub_free(img->addrs);
	ub_free(img->is_entry);
	ub_free(img->fn_addrs);
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
 * Direct map lookups (struct jit_direct): for every call of the built-in
 * bpf_map_lookup_elem whose r1 comes from an lddw map_fd/map_idx earlier
 * in the same basic block (no jump target, entry or control transfer in
 * between, nothing else writing r1), and whose map is a live map of this
 * process, ask the map layer how to look up without the helper.  Returns
 * the number of calls planned.
 */
static unsigned plan_direct(const struct userbpf_prog *prog, const uint8_t *is_entry,
			    struct jit_direct *dir)
{
	size_t n = prog->insn_cnt, pc, q, i, cnt;
	const struct userbpf_helper *std = userbpf_helpers_std(&cnt);
	userbpf_helper_fn lookup_fn = NULL;
	uint8_t *target;
	unsigned planned = 0;

	for (i = 0; i < cnt; i++)
		if (std[i].id == 1)
			lookup_fn = std[i].fn;
	target = ub_calloc(n + 1, 1);
	if (!target || !lookup_fn) {
		ub_free(target);
		return 0;
	}
	for (pc = 0; pc < n; pc++) {
		const struct vm_insn *in = &prog->code[pc];
		uint16_t fl;

		if (in->op == ISA_INVALID)
			continue;
		fl = isa_table[in->op].flags;
		if (fl & F_JMP)
			target[pc + 1 + (size_t)(int64_t)in->off] = 1;
		else if ((fl & F_JMPL) && !(fl & F_CALL))
			target[pc + 1 + (size_t)(int64_t)(int32_t)in->imm] = 1;
	}
	for (pc = 0; pc < n; pc++) {
		const struct vm_insn *in = &prog->code[pc];
		const struct userbpf_helper *h;
		const void *map = NULL;
		struct ub_map_direct d;

		if (in->op != ISA_CALL)
			continue;
		h = (const struct userbpf_helper *)(uintptr_t)in->imm;
		if (h->id != 1 || h->fn != lookup_fn)
			continue;
		for (q = pc; q > 0 && !target[q] && !is_entry[q];) {
			const struct vm_insn *d_in = &prog->code[--q];
			uint16_t fl;

			if (d_in->op == ISA_INVALID) {
				if (!q)
					break;
				d_in = &prog->code[--q]; /* the lddw itself */
			}
			if ((d_in->op == ISA_LDDW_MAP_FD || d_in->op == ISA_LDDW_MAP_IDX) &&
			    d_in->dst == 1) {
				map = (const void *)(uintptr_t)d_in->imm;
				break;
			}
			fl = isa_table[d_in->op].flags;
			if ((fl & (F_JMP | F_JMPL | F_CALL | F_EXIT)) ||
			    ((fl & F_WDST) && d_in->dst == 1) || ((fl & F_WSRC) && d_in->src == 1))
				break;
		}
		if (!map || !ub_map_is_live(map))
			continue;
		ub_map_direct_lookup((struct ub_map *)(uintptr_t)map, &d);
		if (d.kind == UB_DIRECT_CALL) {
			dir[pc].kind = JIT_DIRECT_CALL;
			dir[pc].ptr = (const void *)d.fn;
		} else if (d.kind == UB_DIRECT_ARRAY && d.stride <= INT32_MAX) {
			dir[pc].kind = JIT_DIRECT_ARRAY;
			dir[pc].ptr = d.base;
			dir[pc].stride = d.stride;
			dir[pc].max_entries = d.max_entries;
		} else {
			continue;
		}
		planned++;
	}
	ub_free(target);
	return planned;
}

bool jit_bmi2_off;

/* Jump targets and function entries: where straight-line code is entered. */
static void find_targets(const struct userbpf_prog *prog, const uint8_t *is_entry, uint8_t *target)
{
	size_t n = prog->insn_cnt, pc;

	for (pc = 0; pc < n; pc++) {
		const struct vm_insn *in = &prog->code[pc];
		uint16_t fl;

		target[pc] |= is_entry[pc];
		if (in->op == ISA_INVALID)
			continue;
		fl = isa_table[in->op].flags;
		if (fl & F_JMP)
			target[pc + 1 + (size_t)(int64_t)in->off] = 1;
		else if ((fl & F_JMPL) && !(fl & F_CALL))
			target[pc + 1 + (size_t)(int64_t)(int32_t)in->imm] = 1;
	}
}

/*
 * Passes that only measure before the one that writes.  The first has
 * every forward jump long; the writing pass then picks each forward
 * jump's form from the first pass's distance (an upper bound), which
 * costs a few bytes against a converged layout (test_jit_opt.c,
 * jit_one_sizing_pass_*) and a third of the compile time.
 */
unsigned jit_sizing_passes = 1;

/*
 * The writing pass's forward displacements, from its own final layout.
 * False when a short form no longer fits (code only shrinks from pass to
 * pass, so it cannot happen; the driver then writes once more).
 */
static bool patch_fixups(const struct jit_ctx *c)
{
	size_t i;

	for (i = 0; i < c->fixup_cnt; i++) {
		const struct jit_fixup *f = &c->fixups[i];
		int64_t t = f->call ? (int64_t)c->fn_addrs[f->target] :
				      (int64_t)c->addrs[f->target];
		int64_t rel = t - ((int64_t)f->at + f->size);

		if (f->size == 1) {
			if (rel < -128 || rel > 127)
				return false;
			c->buf[f->at] = (uint8_t)(int8_t)rel;
		} else {
			uint32_t v = (uint32_t)(int32_t)rel;

			memcpy(c->buf + f->at, &v, 4);
		}
	}
	return true;
}

/*
 * Compile prog: jit_sizing_passes passes that only measure (or fewer, when
 * the layout stops changing), then one that writes straight into
 * write-xor-execute memory of the last measured size (its write view)
 * and records every displacement it computed from an estimate; those are
 * patched from its final layout.  Sizes only shrink from pass to pass, so
 * the estimates bound the real distances and the image is exact without
 * re-emitting it until nothing moves.  Then the memory is sealed.
 * Returns it, or NULL with *why set.
 */
static struct jit_image *compile(const struct userbpf_prog *prog, enum jit_error *why)
{
	struct jit_image *img = ub_alloc(sizeof(*img));
	uint32_t *prev = NULL;
	struct jit_direct *dir = NULL;
	uint8_t *target = NULL;
	struct jit_fixup *fix = NULL;
	struct jit_ctx c;
	size_t n = prog->insn_cnt, pass, len = 0;
	enum jit_error err = JIT_E_NOMEM;

	memset(&c, 0, sizeof(c));
	if (!img)
		goto fail;
	img->insn_cnt = n;
	img->addrs = ub_calloc(n + 1, sizeof(*img->addrs));
	img->is_entry = ub_calloc(n, 1);
	img->fn_addrs = ub_calloc(n, sizeof(*img->fn_addrs));
	prev = ub_calloc(n + 1, sizeof(*prev));
	if (!img->addrs || !img->is_entry || !img->fn_addrs || !prev)
		goto fail;
	find_entries(prog, img->is_entry);
	target = ub_calloc(n + 1, 1);
	if (!target)
		goto fail;
	find_targets(prog, img->is_entry, target);
	c.prog = prog;
	c.target = target;
	c.facts = prog->verified ? prog->facts : NULL;
	c.bmi2 = !jit_bmi2_off && jit_arch_has_bmi2();
	if (!prog->jit_blind) {
		dir = ub_calloc(n, sizeof(*dir));
		if (!dir)
			goto fail;
		img->direct_lookups = plan_direct(prog, img->is_entry, dir);
		c.direct = dir;
	}
	if (prog->jit_blind) {
		/* not a secret from the host, unpredictable to the program */
		c.blind_seed = ub_clock_ns(1 /* CLOCK_MONOTONIC */) ^ (uint64_t)(uintptr_t)img ^
			       ((uint64_t)(uintptr_t)&c << 17);
		img->blinded = true;
	}
	c.addrs = img->addrs;
	c.is_entry = img->is_entry;
	c.fn_addrs = img->fn_addrs;
	fix = ub_calloc(n, sizeof(*fix));
	if (!fix)
		goto fail;
	/* Pessimistic start: every forward jump first takes its long form. */
	for (pass = 0; pass <= n; pass++)
		img->addrs[pass] = (uint32_t)(pass * 64 + 4096);
	for (pass = 0;; pass++) {
		if (pass == JIT_MAX_PASSES) {
			err = JIT_E_NO_CONVERGENCE;
			goto fail;
		}
		if (pass)
			memcpy(prev, img->addrs, (n + 1) * sizeof(*prev));
		c.prev = pass ? prev : NULL;
		c.fixups = c.buf ? fix : NULL;
		err = jit_arch_emit(&c);
		if (err == JIT_E_OVERFLOW) {
			/* grew past the measured size: measure again */
			ub_exec_free(&img->mem);
			c.buf = NULL;
			c.cap = 0;
			err = JIT_OK;
			len = 0;
			continue;
		}
		if (err)
			goto fail;
		if (c.buf) {
			if (patch_fixups(&c))
				break;
			continue; /* not reached while sizes only shrink */
		}
		if (pass + 1 >= jit_sizing_passes ||
		    (pass && c.len == len && !memcmp(prev, img->addrs, (n + 1) * sizeof(*prev)))) {
			/* written in place: through the write view of the
			 * executable memory, sealed once complete */
			err = JIT_E_NOMEM;
			if (ub_exec_alloc(&img->mem, c.len))
				goto fail;
			c.buf = img->mem.rw;
			c.cap = c.len;
		}
		len = c.len;
	}
	len = c.len;
	img->passes = (unsigned)pass + 1;
	img->opt_div = c.opt_div;
	img->opt_zext = c.opt_zext;
	img->opt_branch = c.opt_branch;
	err = JIT_E_SIZE_CHANGED;
	if (c.overflow)
		goto fail;
	memset(img->mem.rw + len, 0xcc, img->mem.size - len); /* slack: int3 */
	if (ub_exec_seal(&img->mem))
		goto fail;
	img->code = img->mem.rx;
	img->len = len;
	img->lean = c.lean;
	img->body_start = c.body_start;
	img->tramp = (int (*)(const uint64_t *, struct userbpf_run *, uint64_t *, const void *))(
		void *)(img->code + c.tramp_off);
	ub_free(prev);
	ub_free(dir);
	ub_free(target);
	ub_free(fix);
	jit_arch_release(&c);
	*why = JIT_OK;
	return img;
fail:
	jit_arch_release(&c);
	ub_free(prev);
	ub_free(dir);
	ub_free(target);
	ub_free(fix);
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
	/* an interface: bench_jit --facts reads these counts */
	ub_debug("jit: %zu insns, %zu bytes, %u passes%s; verifier facts: %u divisions without "
		 "fix-ups, %u zero-extensions dropped, %u branches decided; %u direct map "
		 "lookups\n",
		 img->insn_cnt, img->len, img->passes, img->lean ? ", lean" : "", img->opt_div,
		 img->opt_zext, img->opt_branch, img->direct_lookups);
	if (!__atomic_compare_exchange_n(&prog->jit, &expected, img, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		image_free(img);
		img = expected; /* the image that won */
	}
	/* for the run entry (userbpf_prog__run): published by jit_state */
	__atomic_store_n(&prog->jit_tramp, img->tramp, __ATOMIC_RELAXED);
	__atomic_store_n(&prog->jit_entry, (const void *)(img->code + img->fn_addrs[0]),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&prog->jit_lean, img->lean, __ATOMIC_RELAXED);
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

static int enter(struct userbpf_run *run, const struct jit_image *img, size_t entry,
		 const uint64_t args[5], uint64_t *ret)
{
	return img->tramp(args, run, ret, img->code + img->fn_addrs[entry]);
}

int jit_run(struct userbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *ret)
{
	const struct jit_image *img = run->prog->jit;
	struct vm_region *r = &run->regions[run->callback_depth];
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);
	uint32_t saved_depth = run->jit_depth;
	int err;

	r->lo = top - VM_JIT_STACK_WINDOW;
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

int userbpf_prog__set_jit_blinding(struct userbpf_prog *prog, bool on)
{
	if (!prog)
		return -EINVAL;
	if (__atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE) == 1)
		return prog->jit_blind == on ? 0 : -EBUSY;
	prog->jit_blind = on;
	return 0;
}

bool userbpf_prog__jit_blinded(const struct userbpf_prog *prog)
{
	const struct jit_image *img = prog ? __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE) : NULL;

	return img && img->blinded;
}

int userbpf_prog__jit(struct userbpf_prog *prog)
{
	int state;

	if (!prog)
		return -EINVAL;
	state = prog_compile(prog);
	return state == 1 ? 0 : jit_error_errno((enum jit_error) - state);
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
