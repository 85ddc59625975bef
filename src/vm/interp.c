/* SPDX-License-Identifier: MIT */
/*
 * interp.c - runs programs: instantiates the interpreter template
 * (interp_body.h) as fast, budgeted and checked variants, implements
 * userbpf_prog__run() and the services helpers use during a run
 * (regions, tail calls, callbacks into BPF code).
 *
 * Owns: one run's life: entry registers, choice of variant or native
 * code, failure messages ("out-of-bounds read of 8 bytes at insn 17").
 */
#include "util/ubc.h"

#include "userbpf/jit.h"
#include "util/alloc.h"
#include "vm_int.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter's LE/BE handlers assume a little-endian host"
#endif

#define VM_FN vm_interp_fast
#define VM_CHECKED 0
#define VM_BUDGET 0
#include "interp_body.h"
#undef VM_FN
#undef VM_CHECKED
#undef VM_BUDGET

#define VM_FN vm_interp_budget
#define VM_CHECKED 0
#define VM_BUDGET 1
#include "interp_body.h"
#undef VM_FN
#undef VM_CHECKED
#undef VM_BUDGET

#define VM_FN vm_interp_checked
#define VM_CHECKED 1
#define VM_BUDGET 1
#include "interp_body.h"
#undef VM_FN
#undef VM_CHECKED
#undef VM_BUDGET

/*
 * Checked mode: addr lies in the part of a frame in use that is not
 * zeroed yet (below its stack region, at or above the frame's floor):
 * zero it, from addr rounded down to 16 bytes, and extend the region.
 * Nothing a program or helper can observe changes (those bytes read as
 * zero either way), so const callers may call it through a cast.
 */
static bool stack_extend(struct userbpf_run *run, uintptr_t addr, size_t size)
{
	unsigned d;

	if (!run->checked)
		return false;
	for (d = 0; d <= (unsigned)run->callback_depth && d < VM_MAX_NESTING; d++) {
		struct vm_region *r = &run->regions[d];
		uintptr_t lo;

		if (addr < run->stack_floor[d] || addr >= r->lo || addr > r->hi ||
		    size > r->hi - addr)
			continue;
		lo = addr & ~(uintptr_t)15;
		if (lo < run->stack_floor[d])
			lo = run->stack_floor[d];
		memset((void *)lo, 0, r->lo - lo);
		r->lo = lo;
		return true;
	}
	return false;
}

bool vm_mem_ok(const struct userbpf_run *run, uintptr_t addr, size_t size, bool write)
{
	unsigned i;

	for (i = 0; i < run->region_cnt; i++) {
		const struct vm_region *r = &run->regions[i];

		if (addr >= r->lo && addr <= r->hi && size <= r->hi - addr)
			return !write || r->writable;
	}
	/* stack regions are writable */
	return stack_extend((struct userbpf_run *)run, addr, size);
}

static bool in_ctx(const struct userbpf_run *run, uintptr_t addr, uint64_t size)
{
	const struct vm_region *c = &run->regions[VM_REGION_CTX];

	return size && addr < c->hi && addr + size > c->lo;
}

bool vm_ctx_access_ok(struct userbpf_run *run, uintptr_t addr, unsigned size, int access)
{
	int err;

	if (!in_ctx(run, addr, size))
		return true;
	err = run->ctx_access(run->prog->prog_type,
			      (uint32_t)(addr - run->regions[VM_REGION_CTX].lo), size, access,
			      run->err_detail, sizeof(run->err_detail));
	if (!err)
		return true;
	run->err = err;
	run->err_what = run->err_detail;
	return false;
}

/* Whether a NUL-terminated string starts at addr inside one region. */
static bool str_ok(const struct userbpf_run *run, uintptr_t addr)
{
	unsigned i;

	stack_extend((struct userbpf_run *)run, addr, 1); /* see stack_extend */
	for (i = 0; i < run->region_cnt; i++) {
		const struct vm_region *r = &run->regions[i];

		if (addr >= r->lo && addr < r->hi)
			return memchr((const void *)addr, 0, r->hi - addr) != NULL;
	}
	return false;
}

bool vm_helper_args_ok(struct userbpf_run *run, const struct userbpf_helper *h,
		       const uint64_t reg[11])
{
	unsigned i;

	for (i = 0; i < 5; i++) {
		uint64_t p = reg[i + 1];
		uint64_t size = i < 4 ? reg[i + 2] : 0;
		bool next_is_size = i < 4 &&
				    (h->proto.args[i + 1] == USERBPF_ARG_CONST_SIZE ||
				     h->proto.args[i + 1] == USERBPF_ARG_CONST_SIZE_OR_ZERO);
		bool ok = true, write = false;
		uint64_t need = 0;

		switch (h->proto.args[i]) {
		case USERBPF_ARG_PTR_TO_MEM_OR_NULL:
			if (!p)
				continue;
			/* fall through */
		case USERBPF_ARG_PTR_TO_MEM:
		case USERBPF_ARG_PTR_TO_UNINIT_MEM:
			write = h->proto.args[i] == USERBPF_ARG_PTR_TO_UNINIT_MEM;
			need = next_is_size ? size : 0;
			ok = need == 0 || vm_mem_ok(run, (uintptr_t)p, need, write);
			/* with context rules, the context is no helper buffer */
			if (ok && run->ctx_access && in_ctx(run, (uintptr_t)p, need))
				ok = false;
			break;
		case USERBPF_ARG_PTR_TO_LONG:
			need = 8, write = true;
			ok = vm_mem_ok(run, (uintptr_t)p, 8, true);
			break;
		case USERBPF_ARG_PTR_TO_INT:
			need = 4, write = true;
			ok = vm_mem_ok(run, (uintptr_t)p, 4, true);
			break;
		case USERBPF_ARG_PTR_TO_CONST_STR:
			ok = str_ok(run, (uintptr_t)p);
			break;
		case USERBPF_ARG_PTR_TO_CTX:
			ok = p == (uint64_t)(uintptr_t)run->ctx;
			break;
		default:
			continue;
		}
		if (!ok) {
			isa_errf(run->err_detail, sizeof(run->err_detail),
				 "%s: argument %u (r%u) is not %s%s memory%s", h->name, i + 1,
				 i + 1,
				 h->proto.args[i] == USERBPF_ARG_PTR_TO_CTX ? "the context" :
				 write					    ? "writable" :
									      "readable",
				 h->proto.args[i] == USERBPF_ARG_PTR_TO_CONST_STR ? " string" : "",
				 need ? " of the given size" : "");
			run->err_what = run->err_detail;
			return false;
		}
	}
	return true;
}

/* Bytes readable from addr inside the range [lo, lo + size), else 0. */
static size_t room_in(uintptr_t addr, const void *lo, size_t size)
{
	uintptr_t l = (uintptr_t)lo;

	return lo && addr >= l && addr - l < size ? size - (addr - l) : 0;
}

/*
 * The run's own memory readable from addr: bytes up to the end of the
 * region holding it, 0 if none.  Checked runs keep every region in
 * run->regions; other runs know their stacks (slots 0..callback_depth),
 * the context, the packet, the caller's regions and the program's data.
 */
static size_t own_room(const struct userbpf_run *run, uintptr_t addr)
{
	const struct userbpf_run_opts *o = run->opts;
	size_t i, n;

	if (run->checked) {
		stack_extend((struct userbpf_run *)run, addr, 1); /* see stack_extend */
		for (i = 0; i < run->region_cnt; i++) {
			const struct vm_region *r = &run->regions[i];

			if (addr >= r->lo && addr < r->hi)
				return r->hi - addr;
		}
		return 0;
	}
	for (i = 0; i <= (size_t)run->callback_depth; i++) {
		const struct vm_region *r = &run->regions[i];

		if (addr >= r->lo && addr < r->hi)
			return r->hi - addr;
	}
	if ((n = room_in(addr, o->ctx, o->ctx_size)) || (n = room_in(addr, o->data, o->data_size)))
		return n;
	for (i = 0; i < o->region_cnt; i++)
		if ((n = room_in(addr, o->regions[i].addr, o->regions[i].size)))
			return n;
	for (i = 0; i < run->prog->region_cnt; i++)
		if ((n = room_in(addr, run->prog->regions[i].addr, run->prog->regions[i].size)))
			return n;
	return 0;
}

int userbpf_run__read(const struct userbpf_run *run, void *dst, const void *src, size_t size)
{
	if (size == 0)
		return 0;
	/* the run's own memory (context, stack, regions) cannot fault: no
	 * syscall for it (usdt.bpf.h reads registers from the context so) */
	if ((userbpf_run__flags(run) & USERBPF_RUN_HOST_READ) &&
	    own_room(run, (uintptr_t)src) < size)
		return ub_safe_read_cached(dst, src, size,
					   &((struct userbpf_run *)run)->fault_mask);
	if (own_room(run, (uintptr_t)src) < size)
		return -EFAULT;
	memmove(dst, src, size);
	return 0;
}

long userbpf_run__read_str(const struct userbpf_run *run, char *dst, const void *src, size_t size)
{
	size_t room, n;
	const char *nul;

	if (size == 0)
		return 0;
	if (userbpf_run__flags(run) & USERBPF_RUN_HOST_READ)
		return ub_safe_read_str_cached(dst, src, size,
					       &((struct userbpf_run *)run)->fault_mask);
	room = own_room(run, (uintptr_t)src);
	n = room < size ? room : size;
	nul = n ? memchr(src, 0, n) : NULL;
	if (nul) {
		memmove(dst, src, (size_t)(nul - (const char *)src) + 1);
		return nul - (const char *)src + 1;
	}
	if (room < size)
		return -EFAULT; /* the string runs out of the run's memory */
	memmove(dst, src, size - 1);
	dst[size - 1] = '\0';
	return (long)size;
}

void vm_probe_read(const struct userbpf_run *run, void *dst, uintptr_t addr, size_t size)
{
	if (!(userbpf_run__flags(run) & USERBPF_RUN_HOST_READ) ||
	    ub_safe_read_cached(dst, (const void *)addr, size,
				&((struct userbpf_run *)run)->fault_mask))
		memset(dst, 0, size);
}

static void set_region(struct userbpf_run *run, unsigned idx, void *addr, size_t size,
		       bool writable)
{
	run->regions[idx].lo = (uintptr_t)addr;
	run->regions[idx].hi = addr ? (uintptr_t)addr + size : 0;
	run->regions[idx].writable = writable;
}

/* Make room for at least need regions: 0, -ENOMEM or -E2BIG. */
static int reserve_regions(struct userbpf_run *run, size_t need)
{
	struct vm_region *n;
	size_t cap = run->region_cap;

	if (need <= cap)
		return 0;
	if (need > VM_MAX_REGIONS)
		return -E2BIG;
	while (cap < need)
		cap *= 2;
	if (cap > VM_MAX_REGIONS)
		cap = VM_MAX_REGIONS;
	n = ub_calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	memcpy(n, run->regions, run->region_cnt * sizeof(*n));
	if (run->regions != run->inline_regions)
		ub_free(run->regions);
	run->regions = n;
	run->region_cap = (unsigned)cap;
	return 0;
}

void vm_add_prog_regions(struct userbpf_run *run, const struct userbpf_prog *prog)
{
	size_t i;

	for (i = 0; i < prog->region_cnt; i++)
		userbpf_run__add_region(run, prog->regions[i].addr, prog->regions[i].size,
					prog->regions[i].writable);
}

static vm_interp_fn pick_interp(const struct userbpf_run *run)
{
	if (run->checked)
		return vm_interp_checked;
	return run->budget != UINT64_MAX ? vm_interp_budget : vm_interp_fast;
}

static void report(struct userbpf_run *run, struct userbpf_run_opts *opts)
{
	char *buf = opts->err_buf;
	size_t sz = opts->err_buf_sz;
	const char *what = run->err_what ? run->err_what : userbpf_strerror(run->err);

	if (!buf || !sz)
		return;
	if (run->err == -EFAULT && run->err_size && run->err_what != run->err_detail)
		isa_errf(buf, sz, "%s%s of %u byte%s at insn %zu",
			 strcmp(what, "misaligned atomic") ? "out-of-bounds " : "", what,
			 run->err_size, run->err_size == 1 ? "" : "s", run->err_pc);
	else
		isa_errf(buf, sz, "%s at insn %zu", what, run->err_pc);
}

/*
 * End of a run: release what it still holds, newest first.  A lock still
 * held is an error (the kernel's verifier rejects such a program);
 * records still reserved are discarded so the ring never blocks.
 */
static int release_held(struct userbpf_run *run, bool failed)
{
	int err = 0;

	while (run->held_cnt) {
		struct vm_held *h = &run->held[--run->held_cnt];

		if (h->kind == VM_HELD_SPIN_LOCK && !err) {
			err = -EINVAL;
			if (!failed) /* else keep the first failure's reason */
				run->err_what = "bpf_spin_lock still held at program exit";
		}
		if (h->release)
			h->release(h->owner, h->ptr);
	}
	return err;
}

int vm_hold(struct userbpf_run *run, enum vm_held_kind kind, void *ptr, void *owner,
	    void (*release)(void *owner, void *ptr))
{
	struct vm_held *h;

	if (run->held_cnt >= VM_MAX_HELD)
		return -ENOSPC;
	h = &run->held[run->held_cnt++];
	h->ptr = ptr;
	h->owner = owner;
	h->release = release;
	h->kind = (uint8_t)kind;
	return 0;
}

bool vm_unhold(struct userbpf_run *run, enum vm_held_kind kind, const void *ptr, void **owner)
{
	unsigned i;

	for (i = 0; i < run->held_cnt; i++) {
		if (run->held[i].kind != kind || run->held[i].ptr != ptr)
			continue;
		if (owner)
			*owner = run->held[i].owner;
		run->held[i] = run->held[--run->held_cnt];
		return true;
	}
	return false;
}

unsigned vm_held_count(const struct userbpf_run *run, enum vm_held_kind kind)
{
	unsigned i, n = 0;

	for (i = 0; i < run->held_cnt; i++)
		n += run->held[i].kind == kind;
	return n;
}

void vm_del_region(struct userbpf_run *run, const void *addr)
{
	unsigned i;

	if (!run->checked)
		return;
	for (i = VM_REGION_FIXED + (unsigned)run->opts->region_cnt; i < run->region_cnt; i++) {
		if (run->regions[i].lo != (uintptr_t)addr)
			continue;
		/* an empty slot no address lies in; add_region may reuse it */
		run->regions[i].lo = UINTPTR_MAX;
		run->regions[i].hi = 0;
		run->regions[i].writable = false;
	}
}

static void (*run_enter)(void);
static void (*run_exit)(void);

void vm_set_run_hooks(void (*enter)(void), void (*exit)(void))
{
	__atomic_store_n(&run_exit, exit, __ATOMIC_RELEASE);
	__atomic_store_n(&run_enter, enter, __ATOMIC_RELEASE);
}

/*
 * The head of a run, set field by field: a memset of it compiles to rep
 * stos, whose start-up cost is most of an empty run's (and the first
 * loads of the run wait for it).  checked, probe_mem and budget are the
 * caller's.  Every field up to err_detail is set here: grow both together.
 */
static inline void run_head_init(struct userbpf_run *run, const struct userbpf_prog *prog,
				 struct userbpf_run_opts *opts, void *caller_ra)
{
	_Static_assert(offsetof(struct userbpf_run, err_detail) == 124,
		       "run head changed: update run_head_init()");
	run->prog = prog;
	run->opts = opts;
	run->ctx = opts->ctx;
	run->data = opts->data;
	run->data_size = opts->data_size;
	run->tail_calls = 0;
	run->callback_depth = 0;
	run->caller_ra = caller_ra;
	run->jit = false;
	run->jit_depth = 0;
	run->jit_sp = NULL;
	run->tail_target = NULL;
	run->abort_err = 0;
	run->err = 0;
	run->err_pc = 0;
	run->err_what = NULL;
	run->err_size = 0;
	run->ctx_access = NULL;
	run->fault_mask = 0;
	run->held_cnt = 0;
	run->region_cnt = 0;
	run->regions = run->inline_regions;
	run->region_cap = VM_INLINE_REGIONS;
}

/* A native run's r1-r5: the context, or the caller's arguments; r2-r5
 * start at 0, as interpreted. */
static inline __attribute__((always_inline)) void native_args(uint64_t args[5],
							      const struct userbpf_run_opts *opts)
{
	args[0] = (uint64_t)(uintptr_t)opts->ctx;
	args[1] = args[2] = args[3] = args[4] = 0;
	if (unlikely(opts->arg_cnt)) {
		size_t i;

		for (i = 0; i < opts->arg_cnt; i++)
			args[i] = opts->args[i];
	}
}

/* Enter the map layer's hooks for a program that may hold map memory;
 * the hook to call when the run ends, or NULL. */
static inline
	__attribute__((always_inline)) void (*native_enter(const struct userbpf_prog *prog))(void)
{
	void (*enter)(void);

	if (!prog->run_hooks)
		return NULL;
	enter = __atomic_load_n(&run_enter, __ATOMIC_ACQUIRE);
	if (!enter)
		return NULL;
	enter();
	return __atomic_load_n(&run_exit, __ATOMIC_ACQUIRE);
}

/*
 * The run entry of an unchecked run on native code (the common case of
 * every probe hit): the run head is set field by field (a memset of it
 * compiles to rep stos, whose result the first loads of the run wait
 * for), nothing of the checked-mode tables is touched, and the map
 * layer's hooks (read-side section + per-CPU slot, one CAS) run only for
 * programs that reference a map (prog->run_hooks, set at creation): a
 * program without one holds no map value, element or inner map a
 * concurrent delete could free, and has no per-CPU value to keep exact.
 * Same results and errors as the general path below.
 */
static int run_native(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
		      uint64_t *retval, void *caller_ra)
{
	void (*leave)(void);
	struct userbpf_run run;
	uint64_t args[5];
	uint64_t r0 = 0;
	int err;

	run_head_init(&run, prog, opts, caller_ra);
	run.checked = false;
	run.probe_mem = false;
	run.budget = UINT64_MAX;
	native_args(args, opts);
	leave = native_enter(prog);
	/* jit_run() for slot 0: the native frames are the run's stack */
	run.inline_regions[0].hi = (uintptr_t)__builtin_frame_address(0);
	run.inline_regions[0].lo = run.inline_regions[0].hi - VM_JIT_STACK_WINDOW;
	run.inline_regions[0].writable = true;
	run.jit = true;
	err = __atomic_load_n(&prog->jit_tramp, __ATOMIC_RELAXED)(
		args, &run, &r0, __atomic_load_n(&prog->jit_entry, __ATOMIC_RELAXED));
	if (unlikely(run.held_cnt)) {
		int herr = release_held(&run, err != 0);

		if (!err)
			err = herr;
	}
	if (leave)
		leave();
	if (unlikely(err)) {
		run.err = err;
		report(&run, opts);
		return err;
	}
	if (retval)
		*retval = r0;
	return 0;
}

/*
 * The run entry of a lean native image (jit_lean: one function, no calls,
 * nothing that reads the run or can fail; src/jit/x86_64.c): no run is
 * set up at all, only the map layer's hooks when the program names a map
 * (see run_native).  Inlined into userbpf_prog__run(), whose other path
 * is a tail call, so a probe hit on such a program costs little more
 * than the native call.
 */
static inline __attribute__((always_inline)) int
run_lean(const struct userbpf_prog *prog, struct userbpf_run_opts *opts, uint64_t *retval)
{
	void (*leave)(void);
	uint64_t args[5];
	uint64_t r0 = 0;

	if (opts->err_buf && opts->err_buf_sz)
		opts->err_buf[0] = '\0';
	native_args(args, opts);
	leave = native_enter(prog);
	prog->jit_tramp(args, NULL, &r0, prog->jit_entry);
	if (leave)
		leave();
	if (retval)
		*retval = r0;
	return 0;
}

static __attribute__((noinline)) int run_general(const struct userbpf_prog *prog,
						 struct userbpf_run_opts *opts, uint64_t *retval,
						 void *caller_ra);

/* valid, unchecked, unbudgeted, set to (and compiled as) a lean image */
static inline bool lean_run_ok(const struct userbpf_prog *prog, const struct userbpf_run_opts *opts)
{
	return prog && opts && opts->sz >= offsetof(struct userbpf_run_opts, insn_count) &&
	       opts->arg_cnt <= 5 && !opts->region_cnt &&
	       !(opts->flags & (USERBPF_RUN_CHECKED | USERBPF_RUN_INTERPRETER)) &&
	       (prog->verified || (opts->flags & USERBPF_RUN_UNCHECKED)) && !opts->insn_budget &&
	       __atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE) == 1 && prog->jit_lean &&
	       !prog->native && prog->engine != USERBPF_ENGINE_INTERP;
}

int userbpf_prog__run(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
		      uint64_t *retval)
{
	if (likely(lean_run_ok(prog, opts)))
		return run_lean(prog, opts, retval);
	return run_general(prog, opts, retval, __builtin_return_address(0));
}

int ub_prog_run_from(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
		     uint64_t *retval, void *caller_ra)
{
	if (likely(lean_run_ok(prog, opts)))
		return run_lean(prog, opts, retval);
	return run_general(prog, opts, retval, caller_ra);
}

static int run_general(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
		       uint64_t *retval, void *caller_ra)
{
	void (*enter)(void), (*leave)(void);
	struct userbpf_run run;
	uint64_t args[5];
	uint64_t r0 = 0;
	size_t i;
	int err;

	if (!prog || !opts || opts->sz < offsetof(struct userbpf_run_opts, insn_count) ||
	    opts->arg_cnt > 5 || (opts->region_cnt && !opts->regions) || opts->region_cnt > 1024)
		return -EINVAL;
	if (opts->err_buf && opts->err_buf_sz)
		opts->err_buf[0] = '\0';
	/*
	 * Unchecked, unbudgeted, compiled: straight to native code.  (The
	 * first such run compiles, below; a program with native C code or
	 * set to the interpreter takes the general path.)
	 */
	if (likely(!(opts->flags & (USERBPF_RUN_CHECKED | USERBPF_RUN_INTERPRETER)) &&
		   (prog->verified || (opts->flags & USERBPF_RUN_UNCHECKED)) &&
		   !opts->insn_budget && !prog->native &&
		   __atomic_load_n(&prog->jit_state, __ATOMIC_ACQUIRE) == 1 &&
		   prog->engine != USERBPF_ENGINE_INTERP))
		return run_native(prog, opts, retval, caller_ra);
	/*
	 * Per-call cost: only the head of the run (up to err_detail) is
	 * set; the region table, dyn_maps and held[] are set up below, in
	 * the modes that use them.
	 */
	run_head_init(&run, prog, opts, caller_ra);
	/*
	 * Only a verified program may run unchecked, unless the caller opts
	 * out; checked runs always have a budget (a program cannot hang its
	 * host).
	 */
	run.checked = (opts->flags & USERBPF_RUN_CHECKED) ||
		      (!prog->verified && !(opts->flags & USERBPF_RUN_UNCHECKED));
	run.budget = opts->insn_budget ? opts->insn_budget :
		     run.checked       ? USERBPF_DEFAULT_BUDGET :
					 UINT64_MAX;
	/* BTF-pointer loads of tracing types are fault-tolerant (PROBE_MEM) */
	run.probe_mem = run.checked &&
			(prog->prog_type == 26 /* tracing */ || prog->prog_type == 29 /* lsm */);
	args[0] = (uint64_t)(uintptr_t)opts->ctx;
	args[1] = args[2] = args[3] = args[4] = 0;
	for (i = 0; i < opts->arg_cnt; i++)
		args[i] = opts->args[i];
	if (run.checked) {
		if (opts->ctx && opts->ctx_size &&
		    opts->sz >= offsetof(struct userbpf_run_opts, ctx_access) +
					sizeof(opts->ctx_access))
			run.ctx_access = opts->ctx_access;
		run.dyn_map_next = 0; /* dyn_maps[0..next) are valid */
		/* stacks: empty until the interpreter enters (slot 0 too: the
		 * program's regions below are added against this table) */
		for (i = 0; i < VM_MAX_NESTING; i++) {
			set_region(&run, (unsigned)i, NULL, 0, false);
			run.stack_floor[i] = 0;
		}
		if (reserve_regions(&run, VM_REGION_FIXED + opts->region_cnt + prog->region_cnt))
			return -ENOMEM;
		set_region(&run, VM_REGION_CTX, opts->ctx, opts->ctx_size, true);
		set_region(&run, VM_REGION_DATA, opts->data, opts->data_size, true);
		for (i = 0; i < opts->region_cnt; i++)
			set_region(&run, VM_REGION_FIXED + (unsigned)i, opts->regions[i].addr,
				   opts->regions[i].size, opts->regions[i].writable);
		run.region_cnt = VM_REGION_FIXED + (unsigned)opts->region_cnt;
		vm_add_prog_regions(&run, prog);
	}
	/* the map layer's hooks, for programs that may hold map memory
	 * (see run_native; native C code may call anything) */
	enter = leave = NULL;
	if (prog->run_hooks || prog->native) {
		enter = __atomic_load_n(&run_enter, __ATOMIC_ACQUIRE);
		leave = enter ? __atomic_load_n(&run_exit, __ATOMIC_ACQUIRE) : NULL;
		if (enter)
			enter();
	}
	if (prog->native && !run.checked && run.budget == UINT64_MAX &&
	    !(opts->flags & USERBPF_RUN_INTERPRETER) && opts->arg_cnt <= 1) {
		r0 = prog->native(opts->ctx, &run);
		err = run.abort_err;
	} else if (!run.checked && run.budget == UINT64_MAX &&
		   !(opts->flags & USERBPF_RUN_INTERPRETER) &&
		   jit_prog_ready((struct userbpf_prog *)prog)) {
		err = jit_run(&run, 0, args, &r0);
	} else {
		err = pick_interp(&run)(&run, 0, args, &r0);
	}
	if (run.held_cnt) {
		int herr = release_held(&run, err != 0);

		if (!err)
			err = herr;
	}
	if (leave)
		leave();
	if (run.regions != run.inline_regions)
		ub_free(run.regions);
	if (opts->insn_budget)
		opts->insn_count = opts->insn_budget - (run.budget == UINT64_MAX ? 0 : run.budget);
	if (err) {
		run.err = err;
		report(&run, opts);
		return err;
	}
	if (retval)
		*retval = r0;
	return 0;
}

int vm_run_callback(struct userbpf_run *run, uint64_t fn, const uint64_t args[5], uint64_t *ret)
{
	const struct userbpf_prog *prog = run->prog;
	uintptr_t lo = (uintptr_t)prog->code;
	uintptr_t hi = (uintptr_t)(prog->code + prog->insn_cnt);
	struct vm_region saved;
	uintptr_t saved_floor;
	size_t entry;
	int err;

	if (fn < lo || fn >= hi || (fn - lo) % sizeof(struct vm_insn))
		return -EINVAL;
	if (run->callback_depth + 1 >= VM_MAX_NESTING)
		return -E2BIG;
	entry = (fn - lo) / sizeof(struct vm_insn);
	run->callback_depth++;
	saved = run->regions[run->callback_depth];
	saved_floor = run->stack_floor[run->callback_depth];
	if (run->checked && run->region_cnt <= (unsigned)run->callback_depth)
		run->region_cnt = (unsigned)run->callback_depth + 1;
	if (run->jit && jit_entry_ok(prog, entry))
		err = jit_run(run, entry, args, ret);
	else
		err = pick_interp(run)(run, entry, args, ret);
	run->regions[run->callback_depth] = saved;
	run->stack_floor[run->callback_depth] = saved_floor;
	run->callback_depth--;
	run->prog = prog;
	if (err && !run->abort_err)
		run->abort_err = err; /* stop the outer program too */
	return err;
}

/* ==== Services for helpers ==== */

int userbpf_run__call(struct userbpf_run *run, uint64_t fn, const uint64_t args[5], uint64_t *ret)
{
	return vm_run_callback(run, fn, args, ret);
}

void *userbpf_run__cookie(const struct userbpf_run *run)
{
	return run->opts->cookie;
}

void *userbpf_run__ctx(const struct userbpf_run *run)
{
	return run->ctx;
}

const struct userbpf_prog *userbpf_run__prog(const struct userbpf_run *run)
{
	return run->prog;
}

void userbpf_run__abort(struct userbpf_run *run, int err, const char *reason)
{
	run->err_what = reason;
	run->abort_err = err < 0 ? err : -EINVAL;
}

int userbpf_run__checked(const struct userbpf_run *run)
{
	return run->checked;
}

uint32_t userbpf_run__flags(const struct userbpf_run *run)
{
	return run->opts ? run->opts->flags : 0;
}

int userbpf_run__mem_ok(const struct userbpf_run *run, const void *addr, size_t size, int write)
{
	if (!run->checked)
		return 1;
	return vm_mem_ok(run, (uintptr_t)addr, size, write);
}

int userbpf_run__map_ok(const struct userbpf_run *run, const void *ptr)
{
	size_t i;

	if (!run->checked)
		return 1;
	if (!ptr)
		return 0;
	for (i = 0; i < run->prog->map_cnt; i++)
		if (run->prog->maps[i] == ptr)
			return 1;
	for (i = 0; i < run->dyn_map_next; i++)
		if (run->dyn_maps[i] == ptr)
			return 1;
	return 0;
}

void userbpf_run__add_map(struct userbpf_run *run, const void *ptr)
{
	if (!run->checked || userbpf_run__map_ok(run, ptr))
		return;
	if (run->dyn_map_next >= VM_MAX_DYN_MAPS) {
		/* never forget one silently: the program would fault later */
		userbpf_run__abort(run, -E2BIG,
				   "too many inner maps handed out in one checked run");
		return;
	}
	run->dyn_maps[run->dyn_map_next++] = ptr;
}

int userbpf_run__add_region(struct userbpf_run *run, void *addr, size_t size, int writable)
{
	unsigned idx;
	int err;

	if (!run->checked || !addr)
		return 0;
	if (vm_mem_ok(run, (uintptr_t)addr, size, writable))
		return 0;
	/* reuse a slot vm_del_region emptied, else append (growing) */
	for (idx = VM_REGION_FIXED + (unsigned)run->opts->region_cnt; idx < run->region_cnt; idx++)
		if (run->regions[idx].lo == UINTPTR_MAX && !run->regions[idx].hi)
			break;
	if (idx == run->region_cnt) {
		err = reserve_regions(run, (size_t)run->region_cnt + 1);
		if (err) {
			/* never forget a region silently: stop the run */
			userbpf_run__abort(
				run, err,
				err == -E2BIG ?
					"too many memory regions (map values) in one checked run" :
					"out of memory for checked-mode regions");
			return err;
		}
		run->region_cnt++;
	}
	set_region(run, idx, addr, size, writable);
	return 0;
}

int userbpf_run__tail_call(struct userbpf_run *run, const struct userbpf_prog *prog)
{
	if (!prog)
		return -ENOENT;
	if (run->tail_calls >= USERBPF_MAX_TAIL_CALLS)
		return -E2BIG;
	run->tail_calls++;
	run->tail_target = prog;
	if (run->checked)
		vm_add_prog_regions(run, prog);
	return 0;
}
