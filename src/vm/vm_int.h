/* SPDX-License-Identifier: MIT */
/*
 * vm_int.h - private structures of the program object and of one run.
 *
 * A program keeps the original instructions (for the disassembler, the
 * verifier and the JIT) and a pre-decoded copy for the interpreter: one
 * 16-byte struct vm_insn per slot, with the ISA row already looked up,
 * immediates sign-extended, lddw values and helper pointers resolved.
 */
#ifndef USERBPF_VM_INT_H
#define USERBPF_VM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "userbpf/vm.h"
#include "isa/isa.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct vm_insn {
	uint8_t op; /* ISA_<ID>; ISA_INVALID on lddw's second slot */
	uint8_t dst;
	uint8_t src;
	uint8_t pad;
	int32_t off; /* jumps and local calls: target = this + 1 + off */
	int64_t imm; /* sign-extended imm; lddw: the 64-bit value;
		      * CALL: const struct userbpf_helper * */
};

struct jit_image; /* src/jit/jit_int.h */

struct userbpf_prog {
	int refcnt; /* atomic */
	uint32_t id;
	char *name;
	uint32_t prog_type;
	size_t insn_cnt;
	struct userbpf_insn *insns; /* original encoding */
	struct vm_insn *code;	    /* pre-decoded, insn_cnt entries */
	/* helpers reachable by callx: dense by id */
	const struct userbpf_helper **helper_by_id;
	uint32_t helper_id_cnt;
	struct userbpf_helper *helpers_owned; /* merged table, if any */
	/* checked mode: global data the program addresses directly */
	struct userbpf_mem_region *regions;
	size_t region_cnt;
	/* map pointers the program loads with lddw (checked-mode helpers) */
	const void **maps;
	size_t map_cnt;
	/*
	 * Runs need the map layer's hooks (read-side section, per-CPU slot):
	 * the program loads a map pointer (map_cnt > 0) or calls a helper
	 * (which may use maps on its behalf).  Without either it reaches no
	 * map element: values of global data (lddw map_value) live as long
	 * as their array.
	 */
	bool run_hooks;
	userbpf_native_fn native;
	bool verified;		 /* set by the verifier: may run unchecked */
	uint32_t verified_insns; /* instructions the verifier processed (prog info) */
	/*
	 * What the verifier proved about each instruction (VM_FACT_*, over
	 * every state that reached it), or NULL; for the JIT.  Only with
	 * verified (taken at vm_prog_set_verified, from the verification of
	 * the same instructions on this thread).
	 */
	uint8_t *facts;
	/* JIT (src/jit): native image, compiled lazily at the first unchecked run */
	struct jit_image *jit;
	int jit_state; /* 0 not tried, 1 compiled, -reason: failed (interpreter) */
	/* with jit_state 1: the image's trampoline and slot 0's native entry */
	int (*jit_tramp)(const uint64_t args[5], struct userbpf_run *run, uint64_t *ret,
			 const void *target);
	const void *jit_entry;
	/* with jit_state 1: the image is lean (x86_64.c): it reads no run
	 * and cannot fail, so userbpf_prog__run() enters it with none */
	bool jit_lean;
	uint8_t engine; /* enum userbpf_engine */
	bool jit_blind; /* JIT with constant blinding (userbpf/jit.h) */
	void (*on_free)(void *data);
	void *on_free_data;
	void *user_data;
};

/*
 * Checked-mode regions: an inline table, grown on the heap when a run
 * holds more (each distinct map value a helper hands out is one), up to
 * VM_MAX_REGIONS; past that the run stops with -E2BIG.  Never recycled:
 * a region lives until the run ends or what it names dies.
 */
#define VM_INLINE_REGIONS 24
#define VM_MAX_REGIONS 65536
#define VM_MAX_NESTING 4 /* callback nesting (bpf_loop in bpf_loop...) */
/* inner maps one checked run may be handed (more stop the run, -E2BIG) */
#define VM_MAX_DYN_MAPS 32
#define VM_REGION_CTX VM_MAX_NESTING
#define VM_REGION_DATA (VM_MAX_NESTING + 1)
#define VM_REGION_FIXED (VM_MAX_NESTING + 2) /* first caller/dynamic slot */

struct vm_region {
	uintptr_t lo, hi; /* [lo, hi) */
	bool writable;
};

struct vm_frame {
	const struct vm_insn *ret;
	const struct userbpf_prog *prog;
	uint64_t saved[5]; /* r6-r10 */
};

/*
 * Things a run holds that must not outlive it (ring-buffer reservations,
 * a bpf_spin_lock): helpers find them here by exact pointer, never from
 * program memory, and the run releases what is left when it ends.
 */
#define VM_MAX_HELD 16
enum vm_held_kind { VM_HELD_RINGBUF_REC = 1, VM_HELD_SPIN_LOCK = 2, VM_HELD_SOCK = 3 };

struct vm_held {
	void *ptr;
	void *owner; /* e.g. the ring a record belongs to */
	void (*release)(void *owner, void *ptr);
	uint8_t kind;
};

struct userbpf_run {
	const struct userbpf_prog *prog; /* current (changes on tail call) */
	struct userbpf_run_opts *opts;
	void *ctx;
	uint8_t *data;
	size_t data_size;
	bool checked;
	bool probe_mem;	    /* checked: out-of-region loads read, not fail */
	uint8_t fault_mask; /* ub_safe_read_cached's state for this run */
	uint64_t budget;    /* remaining; UINT64_MAX = none */
	uint32_t tail_calls;
	int callback_depth;
	void *caller_ra; /* return address into userbpf_prog__run's caller */
	/* JIT (src/jit): this run executes native code */
	bool jit;
	uint32_t jit_depth; /* BPF-to-BPF call depth of the innermost entry */
	void *jit_sp;	    /* stack pointer of the innermost native entry */
	/* requests from helpers, checked after each helper call */
	const struct userbpf_prog *tail_target;
	int abort_err; /* helper asked to stop the run */
	/* failure report */
	int err;
	size_t err_pc;
	const char *err_what;
	unsigned err_size;
	/*
	 * Everything above is zeroed at the start of every run (add small
	 * fields there); what follows is set per mode, not cleared (per-call
	 * cost: the run structure is large).
	 */
	char err_detail[96];
	/* maps handed out during the run (map-in-map lookups); checked mode */
	const void *dyn_maps[VM_MAX_DYN_MAPS];
	unsigned dyn_map_next;
	/* checked mode */
	int (*ctx_access)(uint32_t prog_type, uint32_t off, uint32_t size, int access, char *why,
			  size_t why_sz);
	unsigned region_cnt, region_cap;
	/*
	 * Checked mode zeroes stack lazily: slot d's region [lo, hi) is the
	 * part of its frames in use that is zeroed (or written) so far, and
	 * stack_floor[d] the lowest address of its current frame.  An access
	 * in [stack_floor, lo) zeroes [addr, lo) first (vm_mem_ok), so every
	 * byte of a frame reads 0 until written, as if the frame had been
	 * cleared on entry, at the cost of the bytes the program touches.
	 */
	uintptr_t stack_floor[VM_MAX_NESTING];
	struct vm_region *regions; /* inline_regions, or a heap copy when grown */
	struct vm_region inline_regions[VM_INLINE_REGIONS];
	/* held resources, any mode */
	unsigned held_cnt;
	struct vm_held held[VM_MAX_HELD];
};

/*
 * Hooks around every top-level run, installed by the map layer: enter a
 * read-side critical section (map values a program holds stay valid) and
 * pin the per-CPU slot the run uses.  NULL when no map exists.
 */
void vm_set_run_hooks(void (*enter)(void), void (*exit)(void));

/*
 * Instruction facts (struct userbpf_prog.facts), proven by the verifier
 * for every state that reached the instruction; a fact about a register
 * is recorded only where the register is precise (cfg.c), so states the
 * verifier pruned as covered by an explored one satisfy it too.
 *   SEEN:        some state reached the instruction.
 *   DIV_NZ:      DIV/MOD by register: the divisor (in the operation's
 *                width) is never 0.
 *   DIV_NM1:     SDIV/SMOD by register: the divisor is never -1.
 *   HI0:         the destination's upper 32 bits are zero before it.
 *   POS31:       the destination is in [0, INT32_MAX] before it.
 *   JMP_ALWAYS:  conditional jump: always taken.
 *   JMP_NEVER:   conditional jump: never taken.
 */
enum {
	VM_FACT_SEEN = 1,
	VM_FACT_DIV_NZ = 2,
	VM_FACT_DIV_NM1 = 4,
	VM_FACT_HI0 = 8,
	VM_FACT_POS31 = 16,
	VM_FACT_JMP_ALWAYS = 32,
	VM_FACT_JMP_NEVER = 64,
};

/*
 * Where facts come from (src/verifier/insn_facts.c installs it; the vm
 * never reaches up): take(insns, cnt) hands over (ub_alloc'd, cnt bytes)
 * the facts of this thread's last verification of exactly these
 * instructions, or NULL.
 */
void vm_set_facts_source(uint8_t *(*take)(const struct userbpf_insn *insns, size_t cnt));

/*
 * userbpf_prog__run for a wrapper that calls it on behalf of its own
 * caller (launch's run statistics): caller_ra is the return address into
 * that caller, where the run's user stack (bpf_get_stack) starts, as
 * userbpf_prog__run's own return address is for a direct call.
 */
int ub_prog_run_from(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
		     uint64_t *retval, void *caller_ra);

/*
 * userbpf_prog__new with the helper table used when opts gives none
 * (defaults may be NULL: then only opts' helpers exist).  The vm never
 * reaches up into the helper layer; src/helpers/std.c passes the
 * built-in table.
 */
struct userbpf_prog *vm_prog_new(const struct userbpf_insn *insns, size_t insn_cnt,
				 const struct userbpf_prog_opts *opts,
				 const struct userbpf_helper *defaults, size_t default_cnt);

/*
 * Mark a program as accepted by the verifier (layer 5 calls down into the
 * vm): only such a program may run without run-time checks.
 */
void vm_prog_set_verified(struct userbpf_prog *prog, bool verified);

/* One interpreter entry, from slot entry of run->prog. */
typedef int (*vm_interp_fn)(struct userbpf_run *run, size_t entry, const uint64_t args[5],
			    uint64_t *ret);
int vm_interp_fast(struct userbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *ret);
int vm_interp_budget(struct userbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *ret);
int vm_interp_checked(struct userbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *ret);

/* Checked mode: make a program's static regions (global data) usable. */
void vm_add_prog_regions(struct userbpf_run *run, const struct userbpf_prog *prog);

/*
 * A fault-tolerant load (BPF_PROBE_MEM) of size bytes at addr into dst:
 * through the host-read policy, zero-filled when not allowed or unmapped.
 */
void vm_probe_read(const struct userbpf_run *run, void *dst, uintptr_t addr, size_t size);

/* Checked-mode access test against the run's regions. */
bool vm_mem_ok(const struct userbpf_run *run, uintptr_t addr, size_t size, bool write);

/*
 * Checked mode, with a context hook: whether an access (0 read, 1 write,
 * 2 atomic) that may touch the context is allowed; on refusal sets
 * run->err and the message.
 */
bool vm_ctx_access_ok(struct userbpf_run *run, uintptr_t addr, unsigned size, int access);

/*
 * Checked mode: memory arguments of a helper call, as its prototype
 * describes them (mem + size pairs, long/int out-pointers, strings), lie
 * in the run's regions.  On failure run->err_what names the argument.
 */
bool vm_helper_args_ok(struct userbpf_run *run, const struct userbpf_helper *h,
		       const uint64_t reg[11]);

/*
 * Run a BPF function of the current program from a helper (bpf_loop,
 * for_each_map_elem callbacks).  fn is the value an lddw func() produced.
 */
int vm_run_callback(struct userbpf_run *run, uint64_t fn, const uint64_t args[5], uint64_t *ret);

/*
 * Held resources of a run.  vm_hold: -ENOSPC when the table is full.
 * vm_unhold: removes the entry of that kind and exact pointer and gives
 * its owner, false when the run does not hold it.  Left-over entries are
 * released (release(owner, ptr)) when the run ends.
 */
int vm_hold(struct userbpf_run *run, enum vm_held_kind kind, void *ptr, void *owner,
	    void (*release)(void *owner, void *ptr));
bool vm_unhold(struct userbpf_run *run, enum vm_held_kind kind, const void *ptr, void **owner);
unsigned vm_held_count(const struct userbpf_run *run, enum vm_held_kind kind);

/* Checked mode: drop the helper-added region that starts at addr. */
void vm_del_region(struct userbpf_run *run, const void *addr);

/*
 * The JIT (src/jit/jit.c), called from the run path the way the kernel's
 * core calls its arch JIT (bpf_prog_select_runtime).
 *   jit_prog_ready: compile on first use (thread-safe, once); true when
 *     native code exists for prog.  Never fails the run: on any failure
 *     the program stays on the interpreter.
 *   jit_run: like vm_interp_fast, on native code (entry must be slot 0 or
 *     a function entry: a call or callback target).
 *   jit_prog_free: release the image (program destruction).
 */
bool jit_prog_ready(struct userbpf_prog *prog);
/*
 * Native frames of one entry lie below the caller's frame: the trampoline
 * and at most USERBPF_MAX_CALL_FRAMES BPF frames of 576 bytes.  That
 * window is the run's own stack memory for userbpf_run__read.
 */
#define VM_JIT_STACK_WINDOW (USERBPF_MAX_CALL_FRAMES * 576 + 256)
bool jit_entry_ok(const struct userbpf_prog *prog, size_t entry);
int jit_run(struct userbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *ret);
void jit_prog_free(struct userbpf_prog *prog);

/* A new reference unless the last one is already gone (prog is being
 * destroyed): prog, or NULL.  The caller keeps the memory valid otherwise
 * (the launch domain's registry lock, which the free takes). */
struct userbpf_prog *ub_prog_get_unless_zero(struct userbpf_prog *prog);

#endif /* USERBPF_VM_INT_H */
