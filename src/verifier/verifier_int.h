/* SPDX-License-Identifier: MIT */
/*
 * verifier_int.h - private state of one verification: the environment
 * (program, decoded rows, subprograms, liveness, maps, helpers, log) and
 * the abstract machine state (registers, stack slots, frames, references)
 * shared by cfg.c (structure pass, liveness), state.c (copy, compare,
 * print) and verifier.c (transfer functions and the exploration loop).
 */
#ifndef USERBPF_VERIFIER_INT_H
#define USERBPF_VERIFIER_INT_H

#include "util/ubc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userbpf/verifier.h"
#include "isa/isa.h"
#include "tnum.h"

#define VERIF_MAX_INSNS 1000000u /* processed-insn limit (kernel) */
#define VERIF_MAX_JMP_SEQ 8192	 /* pending branches (kernel) */
#define VERIF_MAX_FRAMES 8
#define VERIF_MAX_SUBPROGS 256
#define VERIF_STACK 512
#define VERIF_MAX_VAR_OFF (1 << 29)
#define VERIF_MAX_PACKET_OFF 0xffff
#define VERIF_MAX_REFS 64
#define VERIF_F_WRONLY_PROG (1u << 8) /* BPF_F_WRONLY_PROG */

enum verif_reg_type {
	NOT_INIT = 0,
	SCALAR_VALUE,
	PTR_TO_CTX,
	CONST_PTR_TO_MAP,
	PTR_TO_MAP_VALUE,
	PTR_TO_MAP_KEY,
	PTR_TO_STACK,
	PTR_TO_PACKET_META,
	PTR_TO_PACKET,
	PTR_TO_PACKET_END,
	PTR_TO_MEM,
	PTR_TO_FUNC,
	PTR_TO_SOCKET,	     /* struct bpf_sock (bpf_sock_is_valid_access) */
	PTR_TO_SOCK_COMMON,  /* its common part (bpf_sock_common_is_valid_access) */
	PTR_TO_TCP_SOCK,     /* struct bpf_tcp_sock */
	PTR_TO_BTF_ID,	     /* a kernel object typed by the attach BTF (mem_size: its struct id) */
	CONST_PTR_TO_DYNPTR, /* a drain callback's struct bpf_dynptr (dynptr_type, id) */
	VERIF_REG_TYPES
};

/* reg flags */
#define PTR_MAYBE_NULL 0x1
#define MEM_RDONLY 0x2
#define MEM_RINGBUF 0x4
/*
 * A scalar that may be a kernel object pointer (tracing and LSM context
 * words, their loads, bpf_get_current_task_btf): the kernel types these
 * from the attach target's BTF as PTR_TO_BTF_ID and makes their loads
 * fault-tolerant (BPF_PROBE_MEM).  Without that BTF userbpf keeps them
 * scalars (their bounds refine as numbers) that may also be read through;
 * such reads are counted and make the program run checked, where loads
 * of tracing types are fault-tolerant.  Any arithmetic but adding a
 * constant drops the flag.
 */
#define SCALAR_BTF_PTR 0x8
/* SCALAR_BTF_PTR that may be written through: the element value of an
 * iter/bpf_map_elem program (the kernel's PTR_TO_BUF, read-write); the
 * run is checked, where the value is a writable region */
#define SCALAR_BTF_WRITABLE 0x10

struct verif_reg {
	uint8_t type;
	uint8_t flags;
	uint8_t frameno;       /* PTR_TO_STACK: owning frame */
	uint8_t precise;       /* scalar of a saved state: its value matters (state.c):
				* VERIF_PRECISE_BT by backtracking, _ALL by a blanket mark */
	int32_t off;	       /* fixed part of a pointer's offset */
	struct verif_scalar v; /* value, or variable part of a pointer offset */
	uint32_t id;	       /* null check / packet range / linked scalars */
	uint32_t ref_obj_id;   /* acquired reference (ringbuf record, socket) */
	int32_t map;	       /* map value, const map: index in env->maps */
	uint32_t range;	       /* packet: bytes known in bounds */
	uint32_t mem_size;     /* PTR_TO_MEM; PTR_TO_BTF_ID: the struct's type id */
	int32_t subprog;       /* PTR_TO_FUNC */
	/* CONST_PTR_TO_DYNPTR, and the two slots of a dynptr on the stack
	 * (SLOT_DYNPTR): its DYNPTR_* type, whether this is its first slot
	 * (the lower address); id names the dynptr, ref_obj_id its
	 * reference (ringbuf).  PTR_TO_MEM from bpf_dynptr_data: dynptr_id,
	 * the id of the dynptr it points into */
	uint8_t dynptr_type;
	uint8_t dynptr_first;
	uint32_t dynptr_id;
};

/* dynptr types (the kernel's enum bpf_dynptr_type) */
#define DYNPTR_LOCAL 1
#define DYNPTR_RINGBUF 2

#define VERIF_PRECISE_BT 1
#define VERIF_PRECISE_ALL 2

/* SLOT_DYNPTR: all 8 bytes of each of a dynptr's two slots; spilled
 * holds its state (dynptr_type, dynptr_first, id, ref_obj_id) */
enum { SLOT_INVALID = 0, SLOT_MISC, SLOT_ZERO, SLOT_SPILL, SLOT_DYNPTR };

struct verif_slot {
	uint8_t type[8];	  /* per byte: SLOT_* */
	struct verif_reg spilled; /* SLOT_SPILL (all 8 bytes) */
};

struct verif_frame {
	struct verif_reg regs[11];
	int callsite; /* call insn in the caller, -1 for main */
	int subprog;
	int cb_kind;		     /* callback frame: helper id, else 0 */
	int cb_iter;		     /* callback frame: which explored iteration */
	uint64_t cb_max;	     /* callback frame: iterations at most (bpf_loop's nr_loops) */
	struct verif_reg cb_regs[6]; /* callback frame: r0-r5 at entry */
	int nslots;		     /* stack slots allocated (8 bytes each, from fp down) */
	struct verif_slot *stack;
};

/*
 * One processed instruction of a state's path since its parent state was
 * saved (the kernel's jump history, here every insn): what backtracking
 * needs that the instruction alone does not say.
 */
#define HF_CB_ENTER 0x1 /* helper call: the path enters its callback */
#define HF_CB_EXIT 0x2	/* exit: a callback returns to its helper's caller */
#define HF_REENTRY 0x4	/* exit: the callback is entered again */
#define HF_LFALL 0x8	/* cond jump: linked scalars beyond lregs / lslots */
struct verif_hist {
	int32_t idx;
	int16_t spi;	 /* stack slot the insn spilled to / filled from, -1 */
	uint8_t frame;	 /* frame the insn ran in */
	uint8_t sfr;	 /* frame of the slot spi */
	uint16_t lregs;	 /* cond jump: registers linked (same id) to its operands */
	uint8_t lsfr;	 /* ... the frame of lslots */
	uint8_t flags;	 /* HF_* */
	uint64_t lslots; /* ... and spilled slots linked to them */
};

struct verif_ref {
	uint32_t id;
	int insn;
};

struct verif_state {
	struct verif_frame *frames[VERIF_MAX_FRAMES];
	int curframe;
	int nrefs;
	struct verif_ref refs[VERIF_MAX_REFS];
	uint32_t lock_id; /* 0: no spin lock held */
	int32_t lock_map;
	int32_t lock_off;
	/* exploration bookkeeping */
	struct verif_state *parent;
	int branches;
	int insn;
	bool is_cb_reentry;
	bool all_precise;	 /* saved state: every scalar, and every parent's, precise */
	int be_refs;		 /* saved state: backedges it is the root of */
	struct verif_hist *hist; /* insns since the parent was saved */
	int hist_len, hist_cap;
};

struct userbpf_btf;
struct ub_btf_type;

struct verif_sl {
	struct verif_state *st;
	struct verif_sl *next;
	uint32_t hit_cnt, miss_cnt; /* eviction heuristic (kernel's) */
};

struct verif_subprog {
	int start;
	int end;	 /* one past the last insn */
	int stack_depth; /* deepest byte touched, positive */
};

struct verif_map {
	struct userbpf_verifier_map d;
	struct userbpf_verifier_map inner; /* copy of *d.inner */
	int inner_idx;			   /* env->maps index of the inner template, -1 */
	unsigned src_reg;
	int32_t imm;
};

/*
 * A pruning hit against a state whose precision may still grow (a state
 * inside a callback, whose iterations loop back to states not explored
 * to the end): the pruned state's copy and the state that covered it.
 * When the states they hang from are explored, old's final precision is
 * propagated into st's path, repeated until no mark changes (the kernel's
 * SCC backedges, propagate_backedges).
 */
struct verif_backedge {
	struct verif_state *st;
	const struct verif_state *old;
	int idx;
	struct verif_state *root, *oroot; /* be_root() of st's parent, of old */
};

struct verif_stack_elem {
	struct verif_state *st;
	int insn;
	int prev;
};

struct verif_env {
	const struct userbpf_insn *insns;
	size_t cnt;
	const struct userbpf_verifier_opts *opts;
	uint32_t prog_type;
	uint32_t ctx_size;
	uint32_t eat;		   /* expected attach type (opts) */
	bool ret_checked;	   /* the type restricts the main program's r0 */
	const int32_t *ret_range;  /* opts: a 32-bit range for r0 (LSM) */
	const char *attach_target; /* opts: "bpf_map_elem"..., or NULL */
	/* opts.attach_btf: the target's prototype (tracing, LSM), or NULL */
	const struct userbpf_btf *abtf;
	const struct ub_btf_type *aproto;
	/* opts.ksym_btf: the kernel's BTF that ksyms and kfuncs name; the
	 * BTF of PTR_TO_BTF_ID (abtf) when no attach target set it */
	const struct userbpf_btf *kbtf;
	/* kfunc prototypes looked up in kbtf: (helper id, argument or -1
	 * for the return) -> struct id, 0 unknown (a lookup scans the BTF) */
	struct {
		uint32_t helper;
		int arg;
		uint32_t sid;
	} kf_cache[8];
	int kf_cache_n;
	const char *aname; /* the target's name in messages */
	int askip;	   /* leading parameters not in the context (tp_btf: 1) */
	int anargs;	   /* parameters in the context */
	bool aret;	   /* the return value follows them (fexit, fmod_ret, LSM) */
	int ctx_kind;	   /* 0 raw, 1 skb, 2 xdp */
	int16_t *ops;	   /* row per slot, -1 for lddw's 2nd slot */
	int *subprog_of;   /* insn -> subprog index */
	uint8_t *prune;	   /* prune point / callback entry (2) / after a callback helper (4) */
	uint16_t *live;	   /* registers live before each insn */
	uint16_t *precise; /* registers whose exact value matters (cfg.c) */
	struct verif_subprog subprogs[VERIF_MAX_SUBPROGS + 1];
	int nsubprogs;
	struct verif_map *maps;
	int nmaps;
	/* helpers */
	const struct userbpf_helper *helpers;
	size_t helper_cnt;
	const struct userbpf_helper *extra;
	size_t extra_cnt;
	/* exploration */
	struct verif_sl **explored;
	struct verif_stack_elem *stack;
	int stack_len, stack_cap;
	uint32_t id_gen;
	uint32_t processed;
	uint32_t jmps_processed;      /* jump-class insns processed */
	uint32_t prev_jmps_processed; /* ... when the last state was saved */
	uint32_t prev_insn_processed; /* processed when the last state was saved */
	struct verif_sl *evicted;     /* states dropped from explored[] */
	bool dyn_prec;		      /* backtracking precision (else cfg.c's static one) */
	uint32_t probe_mem;	      /* loads through PTR_TO_BTF_ID (need PROBE_MEM runs) */
	uint32_t uninit_stack;	      /* reads of never-written stack bytes (root may) */
	uint64_t bt_steps;	      /* backtracking work: history entries and states walked */
	uint64_t marks;		      /* precision marks set (backedge fixpoint) */
	/* the registers mark_reg_precise already walked back for this
	 * processed insn of this state (insn_facts.c and the jump itself ask
	 * for the same walk; the second one finds nothing new) */
	uint32_t memo_processed;
	const struct verif_state *memo_st, *memo_parent;
	int memo_hist_len, memo_frame;
	uint16_t memo_regs;
	struct verif_backedge *be; /* pending backedges */
	int nbe, be_cap;
	uint32_t total_states, peak_states, cur_states, max_states_per_insn;
	uint32_t *states_per_insn;
	int cur_insn;
	int prev_insn;
	/* log */
	char *log;
	size_t log_size, log_len, log_true;
	uint32_t log_level;
	bool err_logged;
	bool st_imm; /* the access being checked is BPF_ST */
	struct verif_state *cur;
};

/* ==== log (verifier.c) ==== */
void verif_log(struct verif_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ==== structure pass and liveness (cfg.c) ==== */
int verif_check_structure(struct verif_env *env);
void verif_compute_liveness(struct verif_env *env);
void verif_compute_precise(struct verif_env *env);
void verif_mark_reg_precise(struct verif_env *env, struct verif_state *st, int regno);

/* ==== states (state.c) ==== */
struct verif_state *verif_state_new(void);
struct verif_state *verif_state_copy(const struct verif_state *st);
void verif_state_free(struct verif_state *st);
struct verif_frame *verif_frame_new(int callsite, int subprog);
int verif_frame_grow(struct verif_frame *f, int nslots);
/* old covers cur (prune), or old equals cur exactly (loop detection) */
bool verif_states_equal(struct verif_env *env, const struct verif_state *old,
			const struct verif_state *cur, bool exact);
bool verif_state_in_cb(const struct verif_state *st);
void verif_print_state(struct verif_env *env, const struct verif_state *st);
void verif_print_reg(struct verif_env *env, const struct verif_reg *r);
const char *verif_reg_type_name(const struct verif_reg *r);

void verif_mark_unknown(struct verif_reg *r);
void verif_mark_not_init(struct verif_reg *r);
void verif_mark_const(struct verif_reg *r, uint64_t v);

#endif
