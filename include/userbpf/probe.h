/* SPDX-License-Identifier: MIT */
/*
 * userbpf/probe.h - attach programs to points inside this process:
 * function entry (uprobe) and return (uretprobe) probes, found by symbol
 * name, name+offset or address in the executable and its loaded shared
 * libraries; auto-attach of an object's programs from libbpf's section
 * names (uprobe/PATH:FUNC, uretprobe/PATH:FUNC, bare uprobe given its
 * target at attach).
 *
 * Programs run with the kernel's x86-64 struct pt_regs as context, so
 * BPF_KPROBE, BPF_UPROBE, BPF_URETPROBE and PT_REGS_PARM* work unchanged;
 * every run has USERBPF_RUN_HOST_READ (the traced process is this one).
 * Each attach returns a link; userbpf_link__destroy() detaches it.
 */
#ifndef USERBPF_PROBE_H
#define USERBPF_PROBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct userbpf_link;
struct userbpf_object;
struct userbpf_program;

/** Where a probe jumps to its programs. */
enum userbpf_probe_mode {
	/** Patch a jump to a trampoline; breakpoint where that is impossible. */
	USERBPF_PROBE_AUTO = 0,
	/** Only the jump (fail with -EOPNOTSUPP where it is impossible). */
	USERBPF_PROBE_TRAMPOLINE = 1,
	/** An int3 breakpoint, SIGTRAP and out-of-line execution. */
	USERBPF_PROBE_BREAKPOINT = 2,
};

/** Options of userbpf_probe__attach_uprobe(); declare with USERBPF_OPTS(). */
struct userbpf_uprobe_opts {
	size_t sz;
	uint64_t cookie;    /**< bpf_get_attach_cookie() */
	uint32_t mode;	    /**< enum userbpf_probe_mode */
	uint32_t run_flags; /**< USERBPF_RUN_* added to USERBPF_RUN_HOST_READ and _ALLOW_SIGNAL */
	/** bpf_printk lines of the program's runs (NULL: print callback). */
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	void *trace_cookie; /**< first argument of trace_fn */
	/** Receives the reason when attach fails ("no symbol 'foo' in ..."). */
	char *err_buf;
	size_t err_buf_sz;
	size_t : 0;
};
#define userbpf_uprobe_opts__last_field err_buf_sz

/**
 * @brief Run prog at a function of this process.
 * @param[in] prog a program (kprobe type); the link holds a reference.
 * @param[in] binary path of the executable or of a loaded shared library
 *            (any path naming the same file), or NULL: the executable
 *            first, then every loaded library, in load order.
 * @param[in] func symbol name (.symtab or .dynsym); NULL: offset is a file
 *            offset in binary, or with binary NULL an address.
 * @param[in] offset bytes after the symbol (name+offset).
 * @param[in] retprobe run at the function's return (offset must be 0).
 * @return a link, or NULL with errno: ENOENT no such symbol or library
 *         (err_buf and the log name it), EOPNOTSUPP the spot cannot be
 *         probed in the requested mode, EINVAL bad arguments, ENOMEM.
 * Safe while other threads run the function.
 */
USERBPF_API struct userbpf_link *
userbpf_probe__attach_uprobe(struct userbpf_prog *prog, const char *binary, const char *func,
			     uint64_t offset, bool retprobe,
			     const struct userbpf_uprobe_opts *opts);

/**
 * @brief Resolve binary:func+offset (same rules as attach) to an address.
 * @return 0, or -ENOENT with a message in err_buf.
 */
USERBPF_API int userbpf_probe__resolve(const char *binary, const char *func, uint64_t offset,
				       uint64_t *addr, char *err_buf, size_t err_buf_sz);

/**
 * @brief Detach and free a link.  When it returns, no run of the link's
 * program is in progress and none will start.  NULL is a no-op.
 * @return 0.
 */
USERBPF_API int userbpf_link__destroy(struct userbpf_link *link);

/**
 * @brief Keep probes off the calling thread: a host's own service thread
 * (a poller, a control or sync thread) that must not be traced as the
 * application is.  While on, uprobes, uretprobes, syscall tracepoints and
 * CPU-clock samples run no program on this thread and count no miss, and
 * the thread has no sched_process_exit event (nor does a process exit wait
 * for it).  Call it first thing in the thread, created with every signal
 * blocked (the creator's mask restored after the call), so that no
 * process exit can take the thread for the application's before:
 * userbpf_probe__thread_create_quiet() does all of that.
 * @param[in] on true to start, false to stop.
 */
USERBPF_API void userbpf_probe__thread_quiet(bool on);

/**
 * @brief The calling thread switched to (on) or from (off) asynchronous
 * cancellation (PTHREAD_CANCEL_ASYNCHRONOUS).  While on, the uprobe and
 * uretprobe programs run on this thread with cancellation disabled, and
 * a pthread_cancel() that came meanwhile acts when the run ends: cut
 * short, a run could leave a map lock held (every later run needing it
 * would spin forever).  Costs five cancel-state and cancel-type calls
 * per run, on such a thread only.  "userbpf trace"'s agent calls it from the
 * pthread_setcanceltype() it interposes.
 * @param[in] on true once the thread's cancel type is asynchronous.
 */
USERBPF_API void userbpf_probe__thread_async_cancel(bool on);

/** userbpf_probe__thread_create_quiet(): the thread keeps every signal but
 * the synchronous ones (SIGSYS, SIGTRAP, SIGSEGV, SIGBUS, SIGILL, SIGFPE)
 * blocked for its life; without it, it gets the creator's mask once quiet. */
#define USERBPF_QUIET_SIGNALS_BLOCKED 1u

/**
 * @brief pthread_create() for a host's service thread, quiet
 * (userbpf_probe__thread_quiet) from its first instruction on: it starts
 * with the asynchronous signals blocked, says it is quiet, then takes its
 * signal mask (flags) and runs fn(arg).
 * @return 0 or a pthread_create() error number.
 */
USERBPF_API int userbpf_probe__thread_create_quiet(pthread_t *thread, const pthread_attr_t *attr,
						   void *(*fn)(void *), void *arg,
						   unsigned int flags);

/** @brief Runs of the link's program so far. */
USERBPF_API uint64_t userbpf_link__hits(const struct userbpf_link *link);
/**
 * @brief Hits skipped (a probe fired inside another probe's run) or failed.
 * A run that fails (checked mode: an access outside its memory, the
 * instruction budget) stops the link's program for good: the function
 * keeps running, the failure is logged once.
 */
USERBPF_API uint64_t userbpf_link__misses(const struct userbpf_link *link);
/** @brief The probed address. */
USERBPF_API uint64_t userbpf_link__address(const struct userbpf_link *link);
/** @brief enum userbpf_probe_mode the link actually uses. */
USERBPF_API int userbpf_link__mode(const struct userbpf_link *link);

/**
 * @brief Run prog at the syscalls of every thread of this process.
 * @param[in] tp "syscalls/sys_enter_NAME" / "syscalls/sys_exit_NAME" (a
 *            tracepoint program: the kernel's record, args at offset 16,
 *            ret at 16) or "sys_enter" / "sys_exit" (a raw tracepoint
 *            program: args[0] = struct pt_regs *, args[1] = the syscall
 *            number or the return value), or "ksyscall/NAME" /
 *            "kretsyscall/NAME" (a kprobe program: the kernel's pt_regs
 *            of __x64_sys_NAME, whose di points to the user pt_regs, as
 *            BPF_KSYSCALL and PT_REGS_PARM1_CORE_SYSCALL read them; ax =
 *            the return value on the kret side), or "kprobe/FUNC",
 *            "kretprobe/FUNC", "fentry/FUNC", "fexit/FUNC" on a kernel
 *            function syscalls reach (do_unlinkat, do_rmdir, do_mkdirat,
 *            do_sys_open, do_sys_openat2, ksys_read, ksys_write,
 *            __x64_sys_NAME: its arguments built from the syscall's, see
 *            docs/probes.md), "tp_btf/sys_enter" / "tp_btf/sys_exit".
 * @return a link, or NULL with errno: ENOENT unknown name, EOPNOTSUPP a
 *         syscall that cannot be traced in process (clone, execve,
 *         rt_sigreturn ...), EPERM/EACCES seccomp refused.
 * Mechanism and costs: docs/probes.md (syscall sites rewritten into
 * jumps, a seccomp trap for the rest, limited to the code mapped at
 * attach; the filter cannot be removed: after detach those syscalls still
 * trap).
 */
USERBPF_API struct userbpf_link *
userbpf_probe__attach_syscall(struct userbpf_prog *prog, const char *tp,
			      const struct userbpf_uprobe_opts *opts);

/**
 * @brief Run prog at a tracepoint of this process, libbpf's
 * bpf_program__attach_tracepoint(prog, category, name):
 * "syscalls"/"sys_enter_NAME"|"sys_exit_NAME" (as
 * userbpf_probe__attach_syscall) or the process events
 * "sched"/"sched_process_exec"|"sched_process_exit"|"sched_process_fork"
 * with the kernel's record layouts (__data_loc strings included).
 * Process events fire: exec when the host calls
 * userbpf_probe__process_exec(), exit when it calls
 * userbpf_probe__process_exit() (and by itself at thread exits, _exit()
 * and deaths by a signal), fork by itself in the child right after fork()
 * (pthread_atfork; the helpers there see the child) or when the host calls
 * userbpf_probe__process_fork() in the parent (posix_spawn, vfork).
 * @return a link, or NULL with errno (ENOENT unknown tracepoint).
 */
USERBPF_API struct userbpf_link *
userbpf_probe__attach_tracepoint(struct userbpf_prog *prog, const char *category, const char *name,
				 const struct userbpf_uprobe_opts *opts);

/**
 * @brief Fire sched/sched_process_exec in the calling thread: this image
 * was just exec'd from filename (the path given to execve, as the
 * kernel's bprm->filename; getauxval(AT_EXECFN)).  old_pid <= 0: getpid().
 * Call it once the new image's programs are attached.
 * @return 0, -EINVAL filename NULL.
 */
USERBPF_API int userbpf_probe__process_exec(const char *filename, int old_pid);

/**
 * @brief Fire sched/sched_process_exit for the calling thread (pid = its
 * tid, comm = its name, prio 120); group_dead: the whole process is
 * exiting.  The host calls it from exit paths (the agent: its destructor
 * and _exit()).
 * @return 0.
 */
USERBPF_API int userbpf_probe__process_exit(bool group_dead);

/**
 * @brief Fire sched/sched_process_fork in the calling (parent) thread for
 * a child made without fork(), which runs no pthread_atfork handler:
 * posix_spawn, vfork, clone.  parent_pid = the calling thread, child_pid,
 * both comms = the caller's name (a new child has its parent's).  The
 * host calls it once the child exists (the agent: after posix_spawn and
 * vfork return in the parent).
 * @return 0, -EINVAL child_pid <= 0.
 */
USERBPF_API int userbpf_probe__process_fork(int child_pid);

/**
 * @brief Fire tracepoint/syscalls/sys_enter_execve (nr SYS_execve, 59) or
 * sys_enter_execveat (SYS_execveat, 322), and the ksyscall and raw
 * syscall links, in the calling thread: an exec attempt with the
 * syscall's arguments (execve: filename, argv, envp; execveat: dirfd,
 * filename, argv, envp, flags), the caller's own pointers, as the
 * kernel's record holds them.  These syscalls cannot be trapped in
 * process: the host calls it before each attempt (the agent: its
 * interposed execve, execv, execvp, execvpe).
 * @return 0, -EINVAL nr not one of them or args NULL.
 */
USERBPF_API int userbpf_probe__exec_enter(int nr, const uint64_t args[6]);

/**
 * @brief Fire sys_exit_execve / sys_exit_execveat (and kretsyscall, raw
 * sys_exit) in the calling thread: ret = -errno after a failed attempt,
 * or 0 in the new image once its programs are attached (the kernel fires
 * the exit of a successful exec in the new image).
 * @return 0, -EINVAL nr not one of them.
 */
USERBPF_API int userbpf_probe__exec_exit(int nr, long ret);

/* ==== Sampling: SEC("perf_event") ==== */

/** userbpf_perf_event_opts.flags */
#define USERBPF_PERF_ONE_CPU 0x1 /**< keep only samples taken on opts.cpu */

/** Options of userbpf_probe__attach_perf_event(); declare with USERBPF_OPTS(). */
struct userbpf_perf_event_opts {
	size_t sz;
	uint64_t sample_freq;	/**< samples per second of CPU time, or 0 */
	uint64_t sample_period; /**< ns of CPU time between samples (freq 0) */
	int tid;		/**< 0: all threads; else this thread of this process */
	int cpu;		/**< with USERBPF_PERF_ONE_CPU */
	uint32_t flags;		/**< USERBPF_PERF_* */
	uint32_t run_flags;
	uint64_t cookie; /**< bpf_get_attach_cookie() */
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	void *trace_cookie;
	char *err_buf;
	size_t err_buf_sz;
	size_t : 0;
};
#define userbpf_perf_event_opts__last_field err_buf_sz

/**
 * @brief Run prog (a perf_event program) every sample_period ns of CPU
 * time this process (or thread tid) consumes, on the thread that consumed
 * it, with the kernel's struct bpf_perf_event_data: the interrupted
 * thread's struct pt_regs, sample_period (ns), addr 0.  What
 * perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK,
 * .sample_freq = F, pid, cpu) gives a profiler: map it with
 * sample_freq = F, tid = pid when pid names a thread of this process
 * (0 for the process), and per-CPU events with USERBPF_PERF_ONE_CPU and
 * cpu = N (each sample is then counted by the one link of its CPU).
 * bpf_get_stackid/bpf_get_stack with BPF_F_USER_STACK start at the
 * interrupted instruction.
 * Mechanism (docs/probes.md): the kernel's software cpu-clock event on
 * each thread (inherited by new threads), whose overflow sends the thread
 * a SIGTRAP (TRAP_PERF); where perf_event_open is refused (or
 * USERBPF_PERF_TIMER is set), a POSIX CPU-time timer sending SIGPROF (at
 * most HZ samples per second of CPU), reported once through the log
 * callback.  A signal that is not ours goes to the handler installed
 * before.
 * @return a link, or NULL with errno: EINVAL no frequency or period,
 *         E2BIG too many links, ESRCH no thread tid, or timer_create's
 *         error.
 */
USERBPF_API struct userbpf_link *
userbpf_probe__attach_perf_event(struct userbpf_prog *prog,
				 const struct userbpf_perf_event_opts *opts);

/* ==== USDT: SEC("usdt/PATH:PROVIDER:NAME") ==== */

/** Options of userbpf_program__attach_usdt(); declare with USERBPF_OPTS(). */
struct userbpf_usdt_opts {
	size_t sz;
	uint64_t usdt_cookie; /**< bpf_usdt_cookie() */
	uint32_t mode;	      /**< enum userbpf_probe_mode of the uprobes */
	uint32_t run_flags;
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	void *trace_cookie;
	char *err_buf;
	size_t err_buf_sz;
	size_t : 0;
};
#define userbpf_usdt_opts__last_field err_buf_sz

/**
 * @brief Run prog (written with libbpf's <bpf/usdt.bpf.h>: BPF_USDT,
 * bpf_usdt_arg) at every USDT probe provider:name of binary (a file
 * mapped in this process; its .note.stapsdt notes), libbpf's
 * bpf_program__attach_usdt for pid = this process.  As libbpf does, the
 * loader side fills the object's __bpf_usdt_specs (argument specs) and
 * __bpf_usdt_ip_to_spec_id maps, attaches a uprobe per location with the
 * spec id as attach cookie and raises the probe's semaphore while
 * attached.  Arguments: constants, registers, OFF(%REG) dereferences.
 * @return a link (userbpf_link__destroy detaches every location), or
 *         NULL with errno: ENOENT no such probe, EOPNOTSUPP an argument
 *         form not supported, EINVAL no usdt.bpf.h maps; err_buf says.
 */
USERBPF_API struct userbpf_link *userbpf_program__attach_usdt(const struct userbpf_program *prog,
							      const char *binary,
							      const char *provider,
							      const char *name,
							      const struct userbpf_usdt_opts *opts);

/**
 * @brief List the USDT probes of an ELF file whose "provider:name"
 * matches a glob (NULL: all); fn gets provider, name, argument string.
 * @return the number listed, or a negative errno.
 */
USERBPF_API int userbpf_probe__list_usdt(const char *binary, const char *pattern,
					 void (*fn)(void *ctx, const char *provider,
						    const char *name, const char *args),
					 void *ctx);

/**
 * @brief List the function symbols of an ELF file (.symtab, else .dynsym)
 * whose name matches a glob pattern (fnmatch; NULL: all), as
 * "bpftrace -l" does.  fn gets the name, the symbol value and its size.
 * @return the number listed, or a negative errno (-ENOEXEC not ELF64).
 */
USERBPF_API int userbpf_probe__list_functions(const char *binary, const char *pattern,
					      void (*fn)(void *ctx, const char *name,
							 uint64_t vaddr, uint64_t size),
					      void *ctx);

/**
 * @brief Name the function of this process holding addr, for stacks:
 * "name+0xOFF (file)" from the symbol tables of the mapped file, or
 * "0xVADDR (file)" / "0xADDR" when no symbol covers it.
 * @return 0, or -ENOENT (buf still gets the hex form).
 */
USERBPF_API int userbpf_probe__symbolize(uint64_t addr, char *buf, size_t buf_sz);

/**
 * @brief The i-th syscall name of this architecture ("read"), or NULL past
 * the end; *traceable (optional) says whether syscall tracepoints can
 * attach to it in process.
 */
USERBPF_API const char *userbpf_probe__syscall_name(int i, bool *traceable);

/** @brief The name of syscall number nr of this architecture, or NULL. */
USERBPF_API const char *userbpf_probe__syscall_name_of(int nr);

/* ==== Programs of an object ==== */

/** Options of userbpf_program__attach_opts(). */
struct userbpf_attach_opts {
	size_t sz;
	/** Target for sections without one (bare "uprobe"): "PATH:FUNC",
	 * "FUNC", "PATH:FUNC+OFF" or "FUNC+OFF". */
	const char *target;
	uint32_t mode; /**< enum userbpf_probe_mode */
	uint32_t run_flags;
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	void *trace_cookie;
	char *err_buf;
	size_t err_buf_sz;
	/** SEC("perf_event"): samples per second of CPU time (see
	 * userbpf_probe__attach_perf_event); required for that section. */
	uint64_t sample_freq;
	size_t : 0;
};
#define userbpf_attach_opts__last_field sample_freq

/**
 * @brief Attach a loaded program by its section name: uprobe/PATH:FUNC,
 * uretprobe/PATH:FUNC (PATH may be absolute, FUNC may be FUNC+OFF),
 * uprobe.s/..., or a bare uprobe/uretprobe with opts->target;
 * tracepoint/syscalls/..., tracepoint/sched/sched_process_*, raw
 * sys_enter/sys_exit; perf_event with opts->sample_freq (whole process).
 * @return a link, or NULL with errno (EOPNOTSUPP for a section this
 * process cannot attach, ENOENT, EINVAL a bare section without target).
 */
USERBPF_API struct userbpf_link *
userbpf_program__attach_opts(const struct userbpf_program *prog,
			     const struct userbpf_attach_opts *opts);

/**
 * @brief Whether userbpf_program__attach_opts() knows the program's
 * section (uprobe family with a target, or a bare one).
 */
USERBPF_API bool userbpf_program__attachable(const struct userbpf_program *prog);

/**
 * @brief Attach every loaded program of obj whose section names its
 * target (userbpf_program__attachable and a target in the section), the
 * way a libbpf skeleton's __attach() does.
 * @param[out] links up to links_max links, *cnt of them filled.
 * @return 0; on error the links attached so far are destroyed, *cnt is 0
 * and the error (as userbpf_program__attach_opts) is returned.
 */
USERBPF_API int userbpf_object__attach_all(const struct userbpf_object *obj,
					   const struct userbpf_attach_opts *opts,
					   struct userbpf_link **links, size_t links_max,
					   size_t *cnt);

#ifdef __cplusplus
}
#endif
#endif /* USERBPF_PROBE_H */
