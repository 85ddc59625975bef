/* SPDX-License-Identifier: MIT */
/*
 * userbpf/verifier.h - the static verifier: instructions, a program type
 * and descriptions of the maps the program names in; a verdict and a
 * kernel-style log out.  Pure: it reads no map contents except the frozen
 * read-only values it is handed, allocates only its own working state and
 * never runs the program.  A program it accepts cannot access memory out
 * of bounds on the fast interpreter (see docs/verifier-differences.md for
 * where its verdicts differ from Linux's).
 */
#ifndef USERBPF_VERIFIER_H
#define USERBPF_VERIFIER_H

#include "common.h"
#include "insn.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the verifier knows about one map a program references. */
struct userbpf_verifier_map {
	uint32_t type; /**< USERBPF_MAP_TYPE_* (kernel numbering) */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;    /**< BPF_F_RDONLY_PROG (128) makes values read-only */
	int32_t spin_lock_off; /**< offset of a struct bpf_spin_lock in the value, -1: none */
	/** Maps of maps: the inner map template; NULL otherwise. */
	const struct userbpf_verifier_map *inner;
	/**
	 * Frozen read-only maps (.rodata): the value of key 0, value_size
	 * bytes, so loads from it become constants as in the kernel. NULL
	 * when the map is writable or not frozen.
	 */
	const void *frozen_value;
};

/** Source line of an instruction (BTF line info), for messages. */
struct userbpf_verifier_line {
	uint32_t insn_off;
	uint32_t line;
	const char *file;
	const char *text;
};

/** Figures of one verification. */
struct userbpf_verifier_stats {
	uint32_t insn_processed; /**< the kernel's "processed N insns" */
	uint32_t total_states;	 /**< checkpoints stored */
	uint32_t peak_states;
	uint32_t max_states_per_insn;
	uint32_t stack_depth; /**< bytes of the main program's frame */
	uint32_t error_insn;  /**< insn of the rejection (when rejected) */
	size_t log_true_size; /**< bytes the whole log needed incl. NUL */
	/**
	 * Loads through BTF-typed pointers (tracing contexts, iterators,
	 * bpf_get_current_task_btf): the kernel turns them into fault-tolerant
	 * BPF_PROBE_MEM loads.  A program with any must run in checked mode,
	 * where such loads are fault-tolerant; the loader does not mark it
	 * verified.
	 */
	uint32_t probe_mem_insns;
	/**
	 * Reads of stack bytes no path wrote before (loads and helper
	 * arguments): allowed to root, as in the kernel, and the value is
	 * whatever the stack held: it may differ between the interpreter
	 * and the JIT (differential tests skip such programs).
	 */
	uint32_t uninit_stack_reads;
	/**
	 * Precision backtracking's work: recorded instructions walked back
	 * plus saved states visited.  Bounded by a small multiple of the
	 * processed instructions (each state's history is capped, and a walk
	 * stops at the first state whose marks it already has).
	 */
	uint64_t backtrack_steps;
};

struct userbpf_btf;

struct userbpf_verifier_opts {
	size_t sz;
	uint32_t prog_type; /**< USERBPF_PROG_TYPE_* */
	/** Raw contexts (tracing types): readable bytes; 0 = the type's default. */
	uint32_t ctx_size;
	/** License is GPL-compatible (GPL-only helpers allowed). */
	int gpl;
	/**
	 * Maps named by lddw: map_idx / map_idx_value take maps[imm];
	 * map_fd / map_value use map_desc when set, else maps[imm] too.
	 */
	const struct userbpf_verifier_map *maps;
	size_t map_cnt;
	int (*map_desc)(void *cookie, unsigned src_reg, int32_t imm,
			struct userbpf_verifier_map *out);
	void *map_desc_cookie;
	/** Helper table (NULL: the built-ins plus the program type's). */
	const struct userbpf_helper *helpers;
	size_t helper_cnt;
	/** Helpers added to (and overriding ids of) the table above. */
	const struct userbpf_helper *extra_helpers;
	size_t extra_helper_cnt;
	/** Source lines, sorted by insn_off (optional). */
	const struct userbpf_verifier_line *lines;
	size_t line_cnt;
	/** 0: errors only; 1: the path to the error; 2: every state. */
	uint32_t log_level;
	char *log_buf; /**< receives the log, NUL-terminated; may be NULL */
	size_t log_size;
	struct userbpf_verifier_stats *stats; /**< filled when non-NULL */
	/**
	 * The kernel's expected_attach_type (enum userbpf_attach_type): it
	 * selects the allowed return values of cgroup programs (recvmsg4:
	 * 1, bind4: 0..3...) and of fentry/fexit (0), as check_return_code.
	 */
	uint32_t expected_attach_type;
	/**
	 * When non-NULL: the range [ret_range[0], ret_range[1]] the main
	 * program's 32-bit return value must lie in, overriding the type's
	 * rule (LSM hooks: [-4095, 0] for an int hook, [0, 1] for a bool one,
	 * from the kernel's BTF of the hook).
	 */
	const int32_t *ret_range;
	/**
	 * The attach target (userbpf_program__attach_target: "bpf_map_elem"
	 * for SEC("iter/bpf_map_elem")), or NULL.  Iterators: the context's
	 * object pointers are typed by it (the element value of
	 * iter/bpf_map_elem is writable, as the kernel's PTR_TO_BUF).
	 */
	const char *attach_target;
	/**
	 * Tracing (fentry, fexit, fmod_ret, tp_btf) and LSM programs: the
	 * attach target in attach_btf (the kernel's BTF): a FUNC (the traced
	 * function, bpf_lsm_HOOK) or the TYPEDEF btf_trace_NAME of a raw
	 * tracepoint.  Context words are then typed by its prototype, as the
	 * kernel's btf_ctx_access: a pointer to a struct is a PTR_TO_BTF_ID
	 * whose loads are checked against the struct (fault-tolerant, read
	 * only, the fields that are pointers to structs typed in turn), an
	 * integer is a scalar, a word beyond the arguments is refused.
	 * 0 / NULL: every word is a scalar that may be read through.
	 */
	const struct userbpf_btf *attach_btf;
	uint32_t attach_btf_id;
	/**
	 * The kernel's BTF, which kernel symbols refer to: lddw
	 * BPF_PSEUDO_BTF_ID (a __ksym's address: a FUNC is read-only memory
	 * of size 0, as the kernel types it, so bpf_ksym_exists() is known
	 * true) and the kernel objects kfuncs return (bpf_task_from_pid's
	 * task_struct).  When attach_btf is given too it must be the same
	 * BTF.  NULL: a ksym's address is an unknown number and kfuncs that
	 * return kernel objects are refused.
	 */
	const struct userbpf_btf *ksym_btf;
};
#define userbpf_verifier_opts__last_field ksym_btf

/**
 * @brief Verify a program.
 * @return 0 accepted; -EACCES rejected as unsafe; -EINVAL malformed
 * (bad opcode, jump out of range, unreachable code, unknown map...);
 * -E2BIG too complex (1,000,000 processed instructions); -ENOMEM.  The
 * log names the instruction, the register or stack slot and the reason
 * ("R1 invalid mem access 'map_value_or_null'").
 */
USERBPF_API int userbpf_verify(const struct userbpf_insn *insns, size_t insn_cnt,
			       const struct userbpf_verifier_opts *opts);

struct userbpf_object;
struct userbpf_program;

/**
 * @brief Verify one program of an object (prepared if needed): its maps,
 * type, license and line info are described from the object; base
 * supplies the log and stats (may be NULL).  Same returns as
 * userbpf_verify().
 */
USERBPF_API int userbpf_program__verify(struct userbpf_object *obj,
					const struct userbpf_program *prog,
					const struct userbpf_verifier_opts *base);

#ifdef __cplusplus
}
#endif

#endif
