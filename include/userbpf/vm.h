/* SPDX-License-Identifier: MIT */
/*
 * userbpf/vm.h - program objects, the helper registry and execution.
 *
 * A program is created from raw instructions; creation checks the
 * structure (userbpf_insns_check), resolves helper ids against a helper
 * table and pre-decodes the instructions for the interpreter.  A program
 * is immutable afterwards and may run on many threads at once: all per-run
 * state (registers, the 8 x 512-byte stack) lives in the caller's frame.
 * A program can carry native code (set by the JIT), used in preference to
 * the interpreter when present.
 */
#ifndef USERBPF_VM_H
#define USERBPF_VM_H

#include "common.h"
#include "insn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USERBPF_STACK_SIZE 512	  /**< bytes per frame */
#define USERBPF_MAX_CALL_FRAMES 8 /**< BPF-to-BPF call depth */
#define USERBPF_MAX_TAIL_CALLS 33 /**< kernel's MAX_TAIL_CALL_CNT */

struct userbpf_prog;
struct userbpf_run;

/* ==== Helper registry ==== */

/** Argument kinds of a helper prototype (the kernel's bpf_arg_type). */
enum userbpf_arg_type {
	USERBPF_ARG_DONTCARE = 0,     /**< unused argument */
	USERBPF_ARG_ANYTHING,	      /**< any scalar or pointer */
	USERBPF_ARG_CONST_MAP_PTR,    /**< a map from lddw map_fd */
	USERBPF_ARG_PTR_TO_MAP_KEY,   /**< key_size readable bytes */
	USERBPF_ARG_PTR_TO_MAP_VALUE, /**< value_size readable bytes */
	USERBPF_ARG_PTR_TO_MEM,	      /**< readable, size in next arg */
	USERBPF_ARG_PTR_TO_MEM_OR_NULL,
	USERBPF_ARG_PTR_TO_UNINIT_MEM, /**< writable, size in next arg */
	USERBPF_ARG_CONST_SIZE,	       /**< size > 0 of previous mem arg */
	USERBPF_ARG_CONST_SIZE_OR_ZERO,
	USERBPF_ARG_PTR_TO_CTX,
	USERBPF_ARG_PTR_TO_FUNC, /**< callback from lddw func */
	USERBPF_ARG_PTR_TO_STACK_OR_NULL,
	USERBPF_ARG_PTR_TO_LONG,      /**< 8 writable bytes */
	USERBPF_ARG_PTR_TO_INT,	      /**< 4 writable bytes */
	USERBPF_ARG_PTR_TO_CONST_STR, /**< NUL-terminated read-only string */
	USERBPF_ARG_PTR_TO_SPIN_LOCK,
	USERBPF_ARG_PTR_TO_ALLOC_MEM, /**< memory from ringbuf_reserve */
	USERBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO,
	USERBPF_ARG_PTR_TO_BTF_ID,
	USERBPF_ARG_PTR_TO_DYNPTR, /**< a struct bpf_dynptr (16 bytes) */
	/** a socket: sock_common, sock or tcp_sock (the kernel's ARG_PTR_TO_SOCK_COMMON) */
	USERBPF_ARG_PTR_TO_SOCK_COMMON,
	/** a socket or a BTF socket (ARG_PTR_TO_BTF_ID_SOCK_COMMON) */
	USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON,
	/** the same, or NULL (tracing's bpf_get_socket_cookie) */
	USERBPF_ARG_PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL,
};

/** Return kinds of a helper prototype (the kernel's bpf_return_type). */
enum userbpf_ret_type {
	USERBPF_RET_INTEGER = 0,
	USERBPF_RET_VOID,
	USERBPF_RET_PTR_TO_MAP_VALUE_OR_NULL,
	USERBPF_RET_PTR_TO_ALLOC_MEM_OR_NULL, /**< size = the CONST_ALLOC_SIZE arg */
	USERBPF_RET_PTR_TO_MEM_OR_NULL,
	USERBPF_RET_PTR_TO_SOCKET_OR_NULL,	/**< a struct bpf_sock, or NULL */
	USERBPF_RET_PTR_TO_SOCK_COMMON_OR_NULL, /**< its common part, or NULL */
	USERBPF_RET_PTR_TO_TCP_SOCK_OR_NULL,	/**< a struct bpf_tcp_sock, or NULL */
	/**
	 * A kfunc's kernel object, or NULL: typed by the struct its
	 * prototype in the kernel's BTF returns (the kernel's KF_RET_NULL
	 * kfuncs: bpf_task_from_pid gives a struct task_struct *).
	 */
	USERBPF_RET_PTR_TO_BTF_ID_OR_NULL,
};

/** Prototype flags. */
#define USERBPF_HELPER_GPL_ONLY (1u << 0)
#define USERBPF_HELPER_PKT_ACCESS (1u << 1)
#define USERBPF_HELPER_TAIL_CALL (1u << 2) /**< may switch program (id 12) */
/** Acquires a reference the program must release (bpf_sk_lookup_*). */
#define USERBPF_HELPER_ACQUIRE (1u << 3)
/** Releases the reference its pointer argument holds (bpf_sk_release). */
#define USERBPF_HELPER_RELEASE (1u << 4)
/**
 * A kfunc whose pointer arguments must be trusted (the kernel's
 * KF_TRUSTED_ARGS / KF_RCU): a kernel object the program got from its
 * context, a kfunc or bpf_get_current_task_btf, never NULL, at offset 0.
 */
#define USERBPF_HELPER_TRUSTED_ARGS (1u << 5)

struct userbpf_helper_proto {
	uint8_t ret;	 /**< enum userbpf_ret_type */
	uint8_t args[5]; /**< enum userbpf_arg_type */
	uint16_t flags;	 /**< USERBPF_HELPER_* */
	/**
	 * Program types that may call it, one bit per BPF_PROG_TYPE_*
	 * (USERBPF_PROG_TYPE_BIT); 0 = every type.  The built-in rows give
	 * the kernel's availability (what its get_func_proto offers each
	 * type); a program of another type is refused at creation with
	 * EINVAL.  Programs of type 0 (unspecified) may call every helper.
	 */
	uint64_t prog_types;
};

/**
 * A helper receives r1-r5 and the run it belongs to, and returns r0.
 * Helpers must be thread-safe: one program may run on many threads.
 */
typedef uint64_t (*userbpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5, struct userbpf_run *run);

struct userbpf_helper {
	uint32_t id;	  /**< the kernel's BPF_FUNC_* number */
	const char *name; /**< "bpf_map_lookup_elem" */
	userbpf_helper_fn fn;
	struct userbpf_helper_proto proto;
};

/** The prog_types bit of a program type (the kernel's BPF_PROG_TYPE_*). */
#define USERBPF_PROG_TYPE_BIT(type) (1ull << (type))

/**
 * @brief The built-in helpers, sorted by id (the table the verifier and
 * the interpreter both read). @param[out] cnt number of entries.
 */
USERBPF_API const struct userbpf_helper *userbpf_helpers_std(size_t *cnt);

/** @brief Find a helper of the built-in table by id, or NULL. */
USERBPF_API const struct userbpf_helper *userbpf_helper_by_id(uint32_t id);

/** @brief Find a helper of the built-in table by name ("bpf_" optional). */
USERBPF_API const struct userbpf_helper *userbpf_helper_by_name(const char *name);

/* ==== Programs ==== */

/** A memory range a program may touch in checked mode. */
struct userbpf_mem_region {
	void *addr;
	size_t size;
	int writable;
};

struct userbpf_prog_opts {
	size_t sz;
	const char *name;   /**< for messages; copied */
	uint32_t prog_type; /**< the kernel's BPF_PROG_TYPE_*, informational */
	/** Helper table replacing the built-in one (NULL: built-ins). */
	const struct userbpf_helper *helpers;
	size_t helper_cnt;
	/** Helpers added to (and overriding ids of) the table above. */
	const struct userbpf_helper *extra_helpers;
	size_t extra_helper_cnt;
	/**
	 * Resolves lddw pseudo sources (map_fd, map_value, btf_id, map_idx,
	 * map_idx_value) to the 64-bit value the program sees, usually a
	 * map pointer. Without it such lddw instructions fail with -EINVAL.
	 */
	int (*ld_imm64)(void *cookie, unsigned src_reg, int32_t imm, int32_t next_imm,
			uint64_t *value);
	void *ld_imm64_cookie;
	/** Receives "at insn N: reason" when creation fails. */
	char *err_buf;
	size_t err_buf_sz;
	/**
	 * Memory the program may always touch in checked mode besides its
	 * stack and context: global data (.data, .rodata, .bss values) it
	 * addresses directly through lddw map_value.  Copied.
	 */
	const struct userbpf_mem_region *regions;
	size_t region_cnt;
	/** Called once when the program is destroyed (drop map references). */
	void (*on_free)(void *data);
	void *on_free_data;
};
#define userbpf_prog_opts__last_field on_free_data

/**
 * @brief Create a program: check its structure, resolve its helper calls
 * and pre-decode it.  The instructions are copied.
 * @return the program, or NULL with errno = EINVAL (bad program, unknown
 * helper, a helper its type may not call: "at insn 3: program of type
 * socket_filter cannot call helper bpf_probe_read#4"), E2BIG (0 or more than USERBPF_MAX_INSNS slots), ENOMEM.
 */
USERBPF_API struct userbpf_prog *userbpf_prog__new(const struct userbpf_insn *insns,
						   size_t insn_cnt,
						   const struct userbpf_prog_opts *opts);
/** @brief Drop the creator's reference (same as userbpf_prog__put). */
USERBPF_API void userbpf_prog__free(struct userbpf_prog *prog);
/** @brief Take a reference (prog arrays, fd tables hold programs). */
USERBPF_API struct userbpf_prog *userbpf_prog__get(struct userbpf_prog *prog);
/** @brief Drop a reference; the last one frees the program. */
USERBPF_API void userbpf_prog__put(struct userbpf_prog *prog);
/** @brief Process-wide unique id (like the kernel's prog id), from 1. */
USERBPF_API uint32_t userbpf_prog__id(const struct userbpf_prog *prog);
USERBPF_API const char *userbpf_prog__name(const struct userbpf_prog *prog);
USERBPF_API uint32_t userbpf_prog__type(const struct userbpf_prog *prog);
USERBPF_API size_t userbpf_prog__insn_cnt(const struct userbpf_prog *prog);
USERBPF_API const struct userbpf_insn *userbpf_prog__insns(const struct userbpf_prog *prog);

/** @brief Whether the verifier accepted the program (it may run unchecked). */
USERBPF_API int userbpf_prog__verified(const struct userbpf_prog *prog);

/** Native entry point produced by a JIT: same contract as the interpreter. */
typedef uint64_t (*userbpf_native_fn)(void *ctx, struct userbpf_run *run);
/** @brief Attach (or with NULL detach) native code; the caller owns it. */
USERBPF_API void userbpf_prog__set_native(struct userbpf_prog *prog, userbpf_native_fn fn);

/* ==== Running ==== */

#define USERBPF_RUN_CHECKED                                                                        \
	(1u << 0)			  /**< bounds-check every access (the default
					     * for programs not verified) */
#define USERBPF_RUN_INTERPRETER (1u << 1) /**< ignore native code */
/**
 * bpf_send_signal(_thread) may signal the calling process / thread.  A run
 * inside a host (a test run) has no traced task of its own, so without this
 * flag those helpers refuse with -EPERM instead of signalling the host.
 */
#define USERBPF_RUN_ALLOW_SIGNAL (1u << 2)
/**
 * What "user memory" and "kernel memory" mean for bpf_probe_read*
 * (4, 45, 112-115) and for the %s conversion of bpf_snprintf,
 * bpf_trace_printk and bpf_trace_vprintk.  Without this flag they read
 * only the run's own memory (its stack, context, packet, the regions the
 * caller gave, the program's global data, and in checked mode the map
 * values it was handed): any other address reads as a fault (-EFAULT,
 * destination zeroed), so a test run inside a host cannot read the host.
 * With it they read any mapped address of this process, never faulting
 * (a safe copy).  Probes running a program inside a traced process set it:
 * there, the process is the program's "user memory".  The CLI sets it
 * with --allow-host-read.
 */
#define USERBPF_RUN_HOST_READ (1u << 3)
/**
 * Run without checks even though the program is not verified: every
 * run path (userbpf_prog__run, userbpf_prog__test_run, BPF_PROG_TEST_RUN)
 * otherwise runs an unverified program checked, with a budget of
 * USERBPF_DEFAULT_BUDGET instructions unless one is given.  For tests and
 * benchmarks of trusted programs only: the program can then touch any
 * memory of the process.  USERBPF_RUN_CHECKED wins over it.
 */
#define USERBPF_RUN_UNCHECKED (1u << 4)
/** Instruction budget of an unverified run when the caller sets none. */
#define USERBPF_DEFAULT_BUDGET 1000000000ull

struct userbpf_run_opts {
	size_t sz;
	void *ctx; /**< r1 at entry; a region in checked mode */
	size_t ctx_size;
	void *data; /**< packet for LD_ABS/LD_IND; a region too */
	size_t data_size;
	const uint64_t *args; /**< if set, r1..r(arg_cnt) at entry */
	size_t arg_cnt;
	const struct userbpf_mem_region *regions; /**< more checked regions */
	size_t region_cnt;
	uint64_t insn_budget; /**< stop with -E2BIG after this many; 0 = none */
	uint32_t flags;	      /**< USERBPF_RUN_* */
	void *cookie;	      /**< for helpers: userbpf_run__cookie() */
	char *err_buf;	      /**< receives the reason of a failed run */
	size_t err_buf_sz;
	/** bpf_printk/trace_printk lines of this run (NUL-terminated, no
	 * newline); NULL sends them to the print callback at INFO level. */
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	uint64_t attach_cookie; /**< bpf_get_attach_cookie() */
	uint64_t func_ip;	/**< bpf_get_func_ip() */
	uint64_t insn_count;	/**< out: instructions executed (budgeted runs) */
	/**
	 * Checked mode: vets every load, store and atomic (access 0, 1, 2)
	 * that touches [ctx, ctx + ctx_size), at offset off from ctx, for the
	 * running program's type; also keeps helper memory arguments out of
	 * the context.  Returns 0, or a negative errno that stops the run,
	 * with a reason written to why ("invalid write to __sk_buff field
	 * data").  NULL: the whole context is readable and writable.
	 */
	int (*ctx_access)(uint32_t prog_type, uint32_t off, uint32_t size, int access, char *why,
			  size_t why_sz);
};
#define userbpf_run_opts__last_field ctx_access

/**
 * @brief Run a program once.  A program the verifier did not accept
 * (userbpf_prog__verified) runs checked, with USERBPF_DEFAULT_BUDGET
 * unless opts gives a budget, whatever the flags say, except with
 * USERBPF_RUN_UNCHECKED; USERBPF_RUN_CHECKED checks a verified one too.
 * @param[out] retval r0 at the final exit.
 * @return 0; -EFAULT for an out-of-bounds access in checked mode or a bad
 * LD_ABS/LD_IND context; -E2BIG when the instruction budget ran out;
 * -EINVAL for a call to a missing helper (callx) or bad options;
 * -ELOOP when calls nest deeper than USERBPF_MAX_CALL_FRAMES.
 * err_buf names the instruction: "out-of-bounds read of 8 bytes at insn 17".
 */
USERBPF_API int userbpf_prog__run(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
				  uint64_t *retval);

/* ==== Services for helpers ==== */

USERBPF_API void *userbpf_run__cookie(const struct userbpf_run *run);
USERBPF_API void *userbpf_run__ctx(const struct userbpf_run *run);
USERBPF_API const struct userbpf_prog *userbpf_run__prog(const struct userbpf_run *run);
/** @brief Let a checked run touch [addr, addr+size) (e.g. a map value). */
USERBPF_API int userbpf_run__add_region(struct userbpf_run *run, void *addr, size_t size,
					int writable);
/** @brief From a tail-call helper: continue in prog after this helper. */
USERBPF_API int userbpf_run__tail_call(struct userbpf_run *run, const struct userbpf_prog *prog);
/**
 * @brief From a helper: call a BPF function of the running program (the
 * value an lddw func() instruction produced) with r1-r5 = args, on a
 * fresh stack; the bpf_loop / for_each_map_elem callback mechanism.
 * @return 0 with r0 in *ret; -EINVAL if fn is not a function of the
 * program; -E2BIG when callbacks nest too deep; the callback's own error
 * (which also stops the calling program).
 */
USERBPF_API int userbpf_run__call(struct userbpf_run *run, uint64_t fn, const uint64_t args[5],
				  uint64_t *ret);
/**
 * @brief From a helper: stop the run after this helper returns; the run
 * fails with err (a negative errno) and the message "<reason> at insn N".
 * reason must stay valid for the rest of the run (a string literal).
 */
USERBPF_API void userbpf_run__abort(struct userbpf_run *run, int err, const char *reason);
/** @brief Whether the run is in checked mode (helpers validate pointers). */
USERBPF_API int userbpf_run__checked(const struct userbpf_run *run);
/** @brief The USERBPF_RUN_* flags the run was started with. */
USERBPF_API uint32_t userbpf_run__flags(const struct userbpf_run *run);
/**
 * @brief Whether ptr is a map this run may pass to map helpers: one the
 * program references through lddw, or one a helper handed out during the
 * run (map-in-map lookups).  Always true outside checked mode.
 */
USERBPF_API int userbpf_run__map_ok(const struct userbpf_run *run, const void *ptr);
/**
 * @brief Record a map pointer handed to the program (see map_ok).  A
 * checked run holds up to 32; one more stops the run with -E2BIG.
 */
USERBPF_API void userbpf_run__add_map(struct userbpf_run *run, const void *ptr);
/**
 * @brief Copy size bytes from src as bpf_probe_read sees memory: with
 * USERBPF_RUN_HOST_READ any mapped address of the process (never
 * faulting), else only the run's own memory (see USERBPF_RUN_HOST_READ).
 * @return 0, or -EFAULT (dst is then left for the caller to zero).
 */
USERBPF_API int userbpf_run__read(const struct userbpf_run *run, void *dst, const void *src,
				  size_t size);
/**
 * @brief The string variant: copies up to size bytes, stopping after the
 * NUL (dst is always NUL-terminated when size > 0).
 * @return bytes copied including the NUL, or -EFAULT.
 */
USERBPF_API long userbpf_run__read_str(const struct userbpf_run *run, char *dst, const void *src,
				       size_t size);
/**
 * @brief In checked mode, whether [addr, addr+size) is a region.
 *
 * A helper checks every pointer it writes through, with this call or by
 * declaring the argument's type in its prototype (the interpreter checks
 * declared pointer arguments before the call).  Besides the sandbox, a
 * checked run zeroes its stack lazily: a stack byte becomes the run's
 * when a check first covers it, so an unchecked write there may be lost.
 */
USERBPF_API int userbpf_run__mem_ok(const struct userbpf_run *run, const void *addr, size_t size,
				    int write);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_VM_H */
