/* SPDX-License-Identifier: MIT */
/*
 * userbpf/object.h - BPF object files: open a clang-compiled ELF
 * (`clang -g -O2 -target bpf -c prog.bpf.c`), inspect its programs, maps
 * and BTF, and load it: create its maps, fill global data, apply CO-RE
 * and ELF relocations and create one struct userbpf_prog per program.
 * This is libbpf's bpf_object API with userbpf_ names.
 *
 *   struct userbpf_object *obj = userbpf_object__open_file("x.bpf.o", NULL);
 *   if (!obj || userbpf_object__load(obj)) ...
 *   prog = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "f"));
 *   userbpf_prog__run(prog, &run_opts, &retval);
 *   userbpf_object__close(obj);
 *
 * Conventions: int-returning functions give 0 or a negative errno;
 * constructors give NULL and set errno.  Every error message names the
 * file and the section, symbol, map, program or instruction at fault; it
 * is logged at USERBPF_WARN through the print callback and kept for
 * userbpf_object__errmsg().  The input is untrusted: a malformed file
 * gives -EINVAL, -ENOEXEC (not a BPF ELF object), -E2BIG or -ENOTSUP,
 * never a crash.
 *
 * Handles (programs, maps, BTF) belong to their object and live until
 * userbpf_object__close().
 */
#ifndef USERBPF_OBJECT_H
#define USERBPF_OBJECT_H

#include "common.h"
#include "progs.h"
#include "insn.h"
#include "map.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct userbpf_object;
struct userbpf_program;
struct userbpf_object_map;
struct userbpf_btf;

/* Program types (enum userbpf_prog_type) come from progs.h. */

/** Expected attach types: the kernel's enum bpf_attach_type. */
enum userbpf_attach_type {
	USERBPF_CGROUP_INET_INGRESS = 0,
	USERBPF_CGROUP_INET_EGRESS = 1,
	USERBPF_CGROUP_INET_SOCK_CREATE = 2,
	USERBPF_CGROUP_SOCK_OPS = 3,
	USERBPF_SK_SKB_STREAM_PARSER = 4,
	USERBPF_SK_SKB_STREAM_VERDICT = 5,
	USERBPF_CGROUP_DEVICE = 6,
	USERBPF_SK_MSG_VERDICT = 7,
	USERBPF_CGROUP_INET4_BIND = 8,
	USERBPF_CGROUP_INET6_BIND = 9,
	USERBPF_CGROUP_INET4_CONNECT = 10,
	USERBPF_CGROUP_INET6_CONNECT = 11,
	USERBPF_CGROUP_INET4_POST_BIND = 12,
	USERBPF_CGROUP_INET6_POST_BIND = 13,
	USERBPF_CGROUP_UDP4_SENDMSG = 14,
	USERBPF_CGROUP_UDP6_SENDMSG = 15,
	USERBPF_LIRC_MODE2 = 16,
	USERBPF_FLOW_DISSECTOR = 17,
	USERBPF_CGROUP_SYSCTL = 18,
	USERBPF_CGROUP_UDP4_RECVMSG = 19,
	USERBPF_CGROUP_UDP6_RECVMSG = 20,
	USERBPF_CGROUP_GETSOCKOPT = 21,
	USERBPF_CGROUP_SETSOCKOPT = 22,
	USERBPF_TRACE_RAW_TP = 23,
	USERBPF_TRACE_FENTRY = 24,
	USERBPF_TRACE_FEXIT = 25,
	USERBPF_MODIFY_RETURN = 26,
	USERBPF_LSM_MAC = 27,
	USERBPF_TRACE_ITER = 28,
	USERBPF_CGROUP_INET4_GETPEERNAME = 29,
	USERBPF_CGROUP_INET6_GETPEERNAME = 30,
	USERBPF_CGROUP_INET4_GETSOCKNAME = 31,
	USERBPF_CGROUP_INET6_GETSOCKNAME = 32,
	USERBPF_XDP_DEVMAP = 33,
	USERBPF_CGROUP_INET_SOCK_RELEASE = 34,
	USERBPF_XDP_CPUMAP = 35,
	USERBPF_SK_LOOKUP = 36,
	USERBPF_XDP = 37,
	USERBPF_SK_SKB_VERDICT = 38,
	USERBPF_SK_REUSEPORT_SELECT = 39,
	USERBPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40,
	USERBPF_PERF_EVENT = 41,
	USERBPF_TRACE_KPROBE_MULTI = 42,
	USERBPF_LSM_CGROUP = 43,
	USERBPF_STRUCT_OPS = 44,
	USERBPF_NETFILTER = 45,
	USERBPF_TCX_INGRESS = 46,
	USERBPF_TCX_EGRESS = 47,
	USERBPF_TRACE_UPROBE_MULTI = 48,
	USERBPF_CGROUP_UNIX_CONNECT = 49,
	USERBPF_CGROUP_UNIX_SENDMSG = 50,
	USERBPF_CGROUP_UNIX_RECVMSG = 51,
	USERBPF_CGROUP_UNIX_GETPEERNAME = 52,
	USERBPF_CGROUP_UNIX_GETSOCKNAME = 53,
	USERBPF_NETKIT_PRIMARY = 54,
	USERBPF_NETKIT_PEER = 55,
	USERBPF_TRACE_KPROBE_SESSION = 56,
};

/* ==== Opening and loading ==== */

/** Which BTF CO-RE relocations resolve against without btf_custom_path. */
enum userbpf_core_target {
	/** The running kernel's /sys/kernel/btf/vmlinux where it exists,
	 * else the context BTF userbpf ships (libbpf's behaviour). */
	USERBPF_CORE_TARGET_AUTO = 0,
	/** The kernel's BTF; load fails where there is none. */
	USERBPF_CORE_TARGET_KERNEL = 1,
	/** Only the shipped context BTF (reproducible across kernels). */
	USERBPF_CORE_TARGET_CTX = 2,
};

struct userbpf_object_open_opts {
	size_t sz; /**< sizeof(struct userbpf_object_open_opts) */
	/**
	 * Object name (map-name prefix and messages).  Default: the file
	 * name up to its first '.', or "mem" for userbpf_object__open_mem().
	 */
	const char *object_name;
	/**
	 * Target BTF for CO-RE relocations: a raw BTF file such as
	 * /sys/kernel/btf/vmlinux, or an ELF file with a .BTF section.
	 * NULL: chosen by core_target (by default the running kernel's BTF,
	 * else the BTF userbpf ships for its own context types: struct
	 * pt_regs, trace_event_raw_sys_enter/_exit, __sk_buff, xdp_md, ...).
	 */
	const char *btf_custom_path;
	/**
	 * Values of `extern ... __kconfig` variables, in Kconfig syntax
	 * ("CONFIG_HZ=250\nCONFIG_X=y"), taking precedence over
	 * /boot/config-<release>.  LINUX_KERNEL_VERSION and the LINUX_HAS_*
	 * flags are provided by userbpf.  Copied.
	 */
	const char *kconfig;
	/**
	 * Helper table replacing the built-in one, and helpers added to it,
	 * handed to every userbpf_prog__new() at load.  The tables are not
	 * copied: they must outlive the object.
	 */
	const struct userbpf_helper *helpers;
	size_t helper_cnt;
	const struct userbpf_helper *extra_helpers;
	size_t extra_helper_cnt;
	/** Receives the reason when open fails. */
	char *err_buf;
	size_t err_buf_sz;
	/**
	 * Engine of every program (enum userbpf_engine of userbpf/jit.h):
	 * 0 = JIT for unchecked runs, USERBPF_ENGINE_INTERP = never compile.
	 */
	int engine;
	/** enum userbpf_core_target, when btf_custom_path is NULL. */
	uint32_t core_target;
	/**
	 * Load without the verifier: programs then run only in checked
	 * mode.  Default 0: userbpf_object__load() verifies every program
	 * (userbpf_program__verify) as the kernel does; a rejected program
	 * fails the load with -EACCES/-EINVAL/-E2BIG, the reason in
	 * userbpf_object__errmsg() and the whole log through the print
	 * callback; accepted programs are marked verified (unchecked runs).
	 */
	int unverified;
	size_t : 0;
};
#define userbpf_object_open_opts__last_field unverified

/**
 * @brief Open an object file: parse ELF, BTF and BTF.ext, find programs,
 * map definitions, global data and relocations.  Nothing is created yet.
 * @return the object, or NULL with errno set (ENOENT/EACCES... reading the
 * file, ENOEXEC not a little-endian BPF relocatable ELF, EINVAL malformed,
 * E2BIG too large, ENOTSUP unsupported feature, ENOMEM).
 */
USERBPF_API struct userbpf_object *
userbpf_object__open_file(const char *path, const struct userbpf_object_open_opts *opts);

/**
 * @brief Open an object from memory.  The bytes are copied; the caller
 * may free them once this returns.
 */
USERBPF_API struct userbpf_object *
userbpf_object__open_mem(const void *buf, size_t size, const struct userbpf_object_open_opts *opts);

/**
 * @brief Apply CO-RE and ELF relocations (calls, subprograms, map and
 * global-data references) to every program without creating anything.
 * Idempotent; userbpf_object__load() calls it.  Useful to disassemble
 * the final instructions of objects whose maps cannot be created.
 * @return 0 or a negative errno (the message names the program and insn).
 */
USERBPF_API int userbpf_object__prepare(struct userbpf_object *obj);

/**
 * @brief Load: prepare, create every map (global data filled, .rodata
 * frozen), create the programs whose autoload flag is set, and fill
 * prog-array and map-in-map initialisers.  lddw map references become
 * map pointers, global-data references pointers into the data.
 * On failure everything created is released and load may be retried.
 * @return 0, -EBUSY if already loaded, or a negative errno.
 */
USERBPF_API int userbpf_object__load(struct userbpf_object *obj);

/** @brief Free the object, its programs and its maps' references. */
USERBPF_API void userbpf_object__close(struct userbpf_object *obj);

USERBPF_API const char *userbpf_object__name(const struct userbpf_object *obj);
/** @brief The "license" section ("GPL"), or "" if absent. */
USERBPF_API const char *userbpf_object__license(const struct userbpf_object *obj);
/** @brief The "version" section, or 0. */
USERBPF_API uint32_t userbpf_object__kversion(const struct userbpf_object *obj);
/** @brief The last error message of open/prepare/load, or "". */
USERBPF_API const char *userbpf_object__errmsg(const struct userbpf_object *obj);
/** @brief The object's own BTF (.BTF), or NULL if it has none. */
USERBPF_API const struct userbpf_btf *userbpf_object__btf(const struct userbpf_object *obj);
/**
 * @brief The BTF its CO-RE relocations were resolved against, once
 * prepared; NULL before, or when the object has no CO-RE relocations.
 */
USERBPF_API const struct userbpf_btf *userbpf_object__target_btf(const struct userbpf_object *obj);

/* ==== Programs ==== */

/** @brief Iterate entry programs (not .text subprograms); NULL starts. */
USERBPF_API struct userbpf_program *
userbpf_object__next_program(const struct userbpf_object *obj, const struct userbpf_program *prev);
USERBPF_API struct userbpf_program *
userbpf_object__find_program_by_name(const struct userbpf_object *obj, const char *name);

USERBPF_API const char *userbpf_program__name(const struct userbpf_program *prog);
USERBPF_API const char *userbpf_program__section_name(const struct userbpf_program *prog);
/** @brief enum userbpf_prog_type from the section name (UNSPEC if unknown). */
USERBPF_API uint32_t userbpf_program__type(const struct userbpf_program *prog);
USERBPF_API uint32_t userbpf_program__expected_attach_type(const struct userbpf_program *prog);
/** @brief Set the type before load (for unrecognised section names). */
USERBPF_API int userbpf_program__set_type(struct userbpf_program *prog, uint32_t type);
/**
 * @brief What follows the section prefix: "do_sys_open" for
 * SEC("kprobe/do_sys_open"), "syscalls/sys_enter_openat" for
 * SEC("tp/syscalls/sys_enter_openat"); "" when there is nothing.
 */
USERBPF_API const char *userbpf_program__attach_target(const struct userbpf_program *prog);
/** @brief Sleepable section (uprobe.s/, fentry.s/, syscall, ...). */
USERBPF_API bool userbpf_program__sleepable(const struct userbpf_program *prog);
/** @brief Whether load creates it (false for SEC("?...")). */
USERBPF_API bool userbpf_program__autoload(const struct userbpf_program *prog);
USERBPF_API int userbpf_program__set_autoload(struct userbpf_program *prog, bool autoload);
/** @brief The object's license. */
USERBPF_API const char *userbpf_program__license(const struct userbpf_program *prog);
/**
 * @brief Instructions: as in the file before prepare/load, relocated
 * (CO-RE applied, subprograms appended, calls and map references fixed
 * up) afterwards.
 */
USERBPF_API size_t userbpf_program__insn_cnt(const struct userbpf_program *prog);
USERBPF_API const struct userbpf_insn *userbpf_program__insns(const struct userbpf_program *prog);
/** @brief The executable program once loaded, else NULL. */
USERBPF_API struct userbpf_prog *userbpf_program__prog(const struct userbpf_program *prog);

/** One BTF line_info record, for source interleaving. */
struct userbpf_line_info {
	uint32_t insn_off; /**< instruction index in userbpf_program__insns() */
	uint32_t line;	   /**< 1-based source line */
	uint32_t col;	   /**< column */
	const char *file;  /**< source file name ("" if unknown) */
	const char *text;  /**< source line text ("" if unknown) */
};

/** One BTF func_info record: where each function starts. */
struct userbpf_func_info {
	uint32_t insn_off;    /**< instruction index in userbpf_program__insns() */
	uint32_t btf_type_id; /**< BTF FUNC type */
	const char *name;     /**< function name */
};

/**
 * @brief Line info of the program (sorted by insn_off), following the
 * instructions: before prepare/load the function alone, afterwards with
 * the appended subprograms.  NULL with *cnt = 0 without .BTF.ext.
 */
USERBPF_API const struct userbpf_line_info *
userbpf_program__line_info(const struct userbpf_program *prog, size_t *cnt);
USERBPF_API const struct userbpf_func_info *
userbpf_program__func_info(const struct userbpf_program *prog, size_t *cnt);

/* ==== Maps ==== */

/** Where a map comes from. */
enum userbpf_object_map_kind {
	USERBPF_OBJECT_MAP_BTF = 0,	/**< BTF-defined, SEC(".maps") */
	USERBPF_OBJECT_MAP_LEGACY = 1,	/**< struct bpf_map_def, SEC("maps") */
	USERBPF_OBJECT_MAP_DATA = 2,	/**< .data, .data.* */
	USERBPF_OBJECT_MAP_RODATA = 3,	/**< .rodata, .rodata.* */
	USERBPF_OBJECT_MAP_BSS = 4,	/**< .bss, .bss.* */
	USERBPF_OBJECT_MAP_KCONFIG = 5, /**< extern ... __kconfig values */
};

/** A map definition as parsed from the object. */
struct userbpf_map_def {
	uint32_t type; /**< USERBPF_MAP_TYPE_* */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t numa_node;
	uint64_t map_extra;
	uint32_t pinning;	  /**< 0 none, 1 by name (accepted, not acted on) */
	uint32_t btf_key_type_id; /**< 0 if not given by type */
	uint32_t btf_value_type_id;
	uint32_t kind; /**< enum userbpf_object_map_kind */
	/** Map-in-map: the inner definition (has_inner set). */
	uint32_t has_inner;
	uint32_t inner_type;
	uint32_t inner_key_size;
	uint32_t inner_value_size;
	uint32_t inner_max_entries;
	uint32_t inner_map_flags;
};

USERBPF_API struct userbpf_object_map *
userbpf_object__next_map(const struct userbpf_object *obj, const struct userbpf_object_map *prev);
/**
 * @brief Find a map by name: its own name, or for global data its
 * section name (".rodata", ".data.cfg").
 */
USERBPF_API struct userbpf_object_map *
userbpf_object__find_map_by_name(const struct userbpf_object *obj, const char *name);

/**
 * @brief Name: the variable name for .maps and maps, libbpf's internal
 * name ("<obj>.rodata", "<obj>.kconfig", truncated to 15 characters) for
 * global data.
 */
USERBPF_API const char *userbpf_object_map__name(const struct userbpf_object_map *map);
/** @brief The ELF section it comes from (".maps", ".rodata", ...). */
USERBPF_API const char *userbpf_object_map__section_name(const struct userbpf_object_map *map);
USERBPF_API int userbpf_object_map__def(const struct userbpf_object_map *map,
					struct userbpf_map_def *def);
USERBPF_API uint32_t userbpf_object_map__type(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map__key_size(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map__value_size(const struct userbpf_object_map *map);
USERBPF_API uint32_t userbpf_object_map__max_entries(const struct userbpf_object_map *map);
/** @brief Change max_entries before load. -EBUSY once loaded. */
USERBPF_API int userbpf_object_map__set_max_entries(struct userbpf_object_map *map,
						    uint32_t max_entries);
/** @brief The runtime map once loaded (owned by the object), else NULL. */
USERBPF_API struct userbpf_map *userbpf_object_map__map(const struct userbpf_object_map *map);
/**
 * @brief Global data: before load, the initial contents, writable (set
 * .rodata configuration here, as with a libbpf skeleton); after load,
 * the live value memory of the array.  NULL for other maps.
 */
USERBPF_API void *userbpf_object_map__initial_value(struct userbpf_object_map *map, size_t *size);
/** @brief Replace the initial contents before load (size must match). */
USERBPF_API int userbpf_object_map__set_initial_value(struct userbpf_object_map *map,
						      const void *data, size_t size);
/**
 * @brief Change the value size before load (bpf_map__set_value_size():
 * tools size their stack-trace maps in user space).  -EBUSY once loaded,
 * -EINVAL for global data or 0.
 */
USERBPF_API int userbpf_object_map__set_value_size(struct userbpf_object_map *map, uint32_t size);

/* ==== Before load: globals and which programs load ==== */

/**
 * @brief A global variable of .rodata, .data, .bss (or their custom
 * sections) by name, found through the object's BTF: before load its
 * initial value (writable, as a skeleton's skel->rodata->x), afterwards
 * its live memory.  NULL with errno ENOENT if there is none.
 * @param[out] size its size in bytes (may be NULL)
 * @param[out] btf_type_id its type in userbpf_object__btf() (may be NULL)
 */
USERBPF_API void *userbpf_object__global(struct userbpf_object *obj, const char *name, size_t *size,
					 uint32_t *btf_type_id);
/**
 * @brief Set a global variable from text, typed by its BTF type:
 * integers (decimal, 0x hex, 0 octal; range-checked for their size),
 * bools ("true", "false", 1, 0), enums (an enumerator name or a number),
 * char arrays (a string that fits with its NUL; the rest zeroed).
 * Before load for every section; after load only .data/.bss (live).
 * @return 0; -ENOENT no such variable; -EINVAL/-ERANGE/-E2BIG bad value;
 * -ENOTSUP a type text cannot set; -EPERM .rodata after load.  The
 * message (userbpf_object__errmsg) names the variable and the value.
 */
USERBPF_API int userbpf_object__set_global(struct userbpf_object *obj, const char *name,
					   const char *value);
/**
 * @brief Load only program `name` and what it may tail-call (the
 * programs the object's prog arrays are initialised with): autoload is
 * turned off for every other program, as a loader does with
 * bpf_program__set_autoload().  -ENOENT (message set) if no such program;
 * -EBUSY once prepared or loaded (CO-RE skipped the programs not loaded).
 */
USERBPF_API int userbpf_object__load_only(struct userbpf_object *obj, const char *name);

/* ==== BTF ==== */

/** BTF kinds, the kernel's BTF_KIND_* numbering. */
enum userbpf_btf_kind {
	USERBPF_BTF_KIND_UNKN = 0,
	USERBPF_BTF_KIND_INT = 1,
	USERBPF_BTF_KIND_PTR = 2,
	USERBPF_BTF_KIND_ARRAY = 3,
	USERBPF_BTF_KIND_STRUCT = 4,
	USERBPF_BTF_KIND_UNION = 5,
	USERBPF_BTF_KIND_ENUM = 6,
	USERBPF_BTF_KIND_FWD = 7,
	USERBPF_BTF_KIND_TYPEDEF = 8,
	USERBPF_BTF_KIND_VOLATILE = 9,
	USERBPF_BTF_KIND_CONST = 10,
	USERBPF_BTF_KIND_RESTRICT = 11,
	USERBPF_BTF_KIND_FUNC = 12,
	USERBPF_BTF_KIND_FUNC_PROTO = 13,
	USERBPF_BTF_KIND_VAR = 14,
	USERBPF_BTF_KIND_DATASEC = 15,
	USERBPF_BTF_KIND_FLOAT = 16,
	USERBPF_BTF_KIND_DECL_TAG = 17,
	USERBPF_BTF_KIND_TYPE_TAG = 18,
	USERBPF_BTF_KIND_ENUM64 = 19,
};

/**
 * @brief Parse a BTF file: raw BTF (/sys/kernel/btf/vmlinux) or an ELF
 * object with a .BTF section.  NULL + errno on failure.
 */
USERBPF_API struct userbpf_btf *userbpf_btf__parse_file(const char *path);
/** @brief Parse raw BTF from memory (copied). */
USERBPF_API struct userbpf_btf *userbpf_btf__parse_mem(const void *buf, size_t size);
/**
 * @brief The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed once
 * per process and shared: never free it.  NULL + errno where absent.
 */
USERBPF_API const struct userbpf_btf *userbpf_btf__kernel(void);
/** @brief The BTF userbpf ships for its context types. */
USERBPF_API struct userbpf_btf *userbpf_btf__ctx(void);
/** @brief Free a BTF from userbpf_btf__parse_*() or __ctx(). */
USERBPF_API void userbpf_btf__free(struct userbpf_btf *btf);
/** @brief Number of types including the void type 0. */
USERBPF_API uint32_t userbpf_btf__type_cnt(const struct userbpf_btf *btf);
/** @brief enum userbpf_btf_kind of a type, or -ENOENT. */
USERBPF_API int userbpf_btf__kind(const struct userbpf_btf *btf, uint32_t id);
/** @brief Name of a type ("" when anonymous), or NULL for a bad id. */
USERBPF_API const char *userbpf_btf__name(const struct userbpf_btf *btf, uint32_t id);
/** @brief First type with this name and kind: its id, or -ENOENT. */
USERBPF_API int64_t userbpf_btf__find_by_name_kind(const struct userbpf_btf *btf, const char *name,
						   int kind);
/** @brief Skip typedefs and modifiers: the underlying id, or -errno. */
USERBPF_API int64_t userbpf_btf__resolve_type(const struct userbpf_btf *btf, uint32_t id);
/** @brief Size in bytes of a type, or -EINVAL / -E2BIG. */
USERBPF_API int64_t userbpf_btf__resolve_size(const struct userbpf_btf *btf, uint32_t id);
/**
 * @brief Bit offset of a member of a struct/union (typedefs skipped),
 * looking through anonymous members; -ENOENT if absent.
 * @param[out] bitfield_size bits of a bitfield member, else 0 (may be NULL)
 */
USERBPF_API int64_t userbpf_btf__member_bit_offset(const struct userbpf_btf *btf, uint32_t id,
						   const char *name, uint32_t *bitfield_size);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_OBJECT_H */
