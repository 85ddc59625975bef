/* SPDX-License-Identifier: MIT */
/*
 * probe_int.h - internal interface of the probe module: symbol
 * resolution (symbols.c), probe sites and their links (uprobe.c), and the
 * architecture back end that patches code and generates trampolines
 * (x86_64_tramp.c).
 */
#ifndef USERBPF_PROBE_INT_H
#define USERBPF_PROBE_INT_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "userbpf/probe.h"
#include "userbpf/jit.h"
#include "userbpf/vm.h"

/* The kernel's x86-64 struct pt_regs (arch/x86/include/asm/ptrace.h). */
struct probe_pt_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#define PROBE_PT_REGS_SIZE 168

/* ==== Symbols (symbols.c) ==== */

/* A symbol found in a mapped ELF file. */
struct probe_sym {
	uint64_t addr;	/* runtime address of the symbol + offset */
	uint64_t size;	/* symbol size (0 unknown) */
	uint64_t start; /* runtime address of the symbol itself */
	char path[256]; /* file it was found in */
};

/*
 * Resolve binary:func+offset in this process (see userbpf_probe__resolve).
 * 0 or -ENOENT/-EINVAL with a message in err.
 */
int probe_sym_resolve(const char *binary, const char *func, uint64_t offset, struct probe_sym *out,
		      char *err, size_t err_sz);

/* A SystemTap SDT note (USDT probe) of an ELF file. */
struct probe_usdt_note {
	char provider[64], name[64], args[256];
	uint64_t pc_vaddr, sema_vaddr; /* as linked (prelink-corrected) */
	uint64_t pc_off, sema_off;     /* file offsets; sema_off 0: none */
};

/*
 * MiniDebugInfo (debugdata.c): the xz stream of a .gnu_debugdata section
 * into a new buffer (*out, free()d by the caller) of at most
 * PROBE_DEBUGDATA_MAX bytes.  0, or -EINVAL (not a valid xz stream),
 * -EFBIG (larger), -ENOMEM, -ENOTSUP (no liblzma.so.5 here).
 */
#define PROBE_DEBUGDATA_MAX ((size_t)256 << 20)
int probe_debugdata_unpack(const uint8_t *xz, size_t size, uint8_t **out, size_t *out_size);

/* Each .note.stapsdt note of path (fn returns non-zero to stop): the
 * number of notes, or -errno. */
int probe_usdt_notes(const char *path, int (*fn)(void *ctx, const struct probe_usdt_note *n),
		     void *ctx);

/*
 * usdt.c: the struct __bpf_usdt_spec of a note's argument string, in the
 * layout of libbpf's usdt.bpf.h whose spec is spec_size bytes (208: up to
 * libbpf 1.6; 304: 1.7, with scaled-index arguments), into out
 * (spec_size bytes).  0, or -EINVAL/-EOPNOTSUPP/-E2BIG with err filled.
 */
int probe_usdt_spec(const char *arg_str, uint64_t cookie, uint32_t spec_size, void *out, char *err,
		    size_t err_sz);

/* ==== Sites and links (uprobe.c) ==== */

#define PROBE_SITE_MAX_LINKS 16

struct probe_site;

/*
 * A link: one program at one site.  Freed by userbpf_link__destroy once no
 * run of it can be in progress (the site's two-counter grace period).
 */
struct userbpf_link {
	struct probe_site *site;
	struct userbpf_prog *prog;
	bool retprobe;	   /* return probe, or sys_exit side */
	bool ksys;	   /* ksyscall: ctx = the kernel's pt_regs of __x64_sys_NAME */
	const void *kfunc; /* kfunc.c: a kernel function's syscall sub-link, else NULL */
	const void *lsm;   /* lsm.c: an LSM hook's syscall sub-link, else NULL */
	/* the probe module's own hook at a uprobe site (prog NULL) */
	void (*native)(struct probe_pt_regs *regs);
	int slot;
	int hit_slot;		    /* uprobe.c: its per-thread hit counter + 1, 0 none */
	int sc_nr;		    /* syscall links (site NULL): number, -1 all (raw
				 * context), -2 all (tracepoint record) */
	int pe_kind;		    /* process-event links (PROBE_PE_*), else 0 */
	int cpu;		    /* perf_event: only samples on this CPU, -1 any */
	uint64_t period_ns;	    /* perf_event: CPU time between samples */
	void *timer;		    /* perf_event: its POSIX timer (timer_t) */
	struct userbpf_link **subs; /* usdt: a uprobe link per location */
	void **semas;		    /* usdt: semaphore per location, or NULL */
	size_t n_subs;
	uint64_t cookie;
	uint32_t run_flags;
	void (*trace_fn)(void *cookie, const char *line, size_t len);
	void *trace_cookie;
	/* uprobe.c: the run options of every hit, but ctx and err_buf (built
	 * at attach: a hit copies them instead of zeroing and filling) */
	struct userbpf_run_opts ro_tmpl;
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
	_Atomic bool fault_reported;
	_Atomic bool disabled; /* its program failed: it runs no more */
};

/*
 * A patched spot.  Never freed: threads may be inside its trampoline at
 * any time, and return-probe frames keep pointing at it.  A site with no
 * link left stays patched and runs no program (detach clears the slot).
 */
struct probe_site {
	struct probe_site *next;
	uint64_t addr; /* patched address */
	uint64_t func; /* function start (retprobes need addr == func) */
	int mode;      /* USERBPF_PROBE_TRAMPOLINE or _BREAKPOINT */
	bool entry;    /* addr is a function's entry (a symbol's start): reached
			* by a call, so flags and xmm8-15 are dead there */
	/* Links, entry and return, read by runs without a lock. */
	_Atomic(struct userbpf_link *) links[PROBE_SITE_MAX_LINKS];
	_Atomic int n_slots; /* slots ever used (runs scan links[0..n_slots)) */
	_Atomic int n_ret;   /* return links attached */
	_Atomic int n_entry;
	/* Grace period: runs count themselves in active[epoch & 1]. */
	_Atomic unsigned epoch;
	_Atomic long active[2];
	/* Architecture part. */
	uint8_t *tramp;	       /* entry trampoline */
	uint8_t orig[16];      /* bytes replaced */
	size_t patch_len;      /* bytes replaced at addr (1 or 5) */
	_Atomic bool patching; /* int3 in place, patch not finished */
};

/*
 * The reference a link holds on its program, the program compiled first
 * (userbpf_prog__jit; a failure leaves it interpreted): the JIT compiles
 * a program on its first run otherwise, and a probe's first hit may be a
 * signal that interrupted malloc (a perf_event sample, a SIGSYS trap, a
 * breakpoint) where the compiler's allocations deadlock.  A program a
 * probe's program tail-calls is still compiled at its first call.
 */
static inline struct userbpf_prog *probe_prog_get(struct userbpf_prog *prog)
{
	userbpf_prog__jit(prog);
	return userbpf_prog__get(prog);
}

/*
 * Thread-local data the run path reads: initial-exec (no allocation, no
 * lock on first use in a thread, safe in signal handlers).  The agent
 * injected with --pid is dlopen'ed, where the static TLS space is small:
 * its build (-DUSERBPF_TLS_DYNAMIC, mk/probe.mk) uses the dynamic model.
 */
#ifdef USERBPF_TLS_DYNAMIC
#define PROBE_TLS __thread
#else
#define PROBE_TLS __thread __attribute__((tls_model("initial-exec")))
#endif

/* Non-zero while this thread runs a probe's program (uprobe.c): a probe
 * or sample that fires then is skipped (the kernel's bpf_prog_active). */
extern PROBE_TLS int probe_thread_in_probe;
/* probe_thread_in_probe of a thread excluded by userbpf_probe__thread_quiet */
#define PROBE_THREAD_QUIET 2

/* Prepare what prog's helpers need before it runs in a probe (uprobe.c). */
void probe_prepare_prog(struct userbpf_prog *prog);
/* A link whose program runs from syscall_x86_64.c (syscall tracepoints,
 * kernel functions, LSM hooks): prog prepared and held, o's cookie, run
 * flags and trace hook kept, the run options' template set (the context
 * is set per run; uprobe.c). */
void probe_link_sc_init(struct userbpf_link *link, struct userbpf_prog *prog,
			const struct userbpf_uprobe_opts *o);

/* An entry probe at binary:func running fn instead of a program (the
 * probe module's own hooks; never detached).  NULL on error. */
struct userbpf_link *probe_native_uprobe(const char *binary, const char *func,
					 void (*fn)(struct probe_pt_regs *regs));
/* The same at an address (a function's entry or any instruction). */
struct userbpf_link *probe_native_uprobe_at(uint64_t addr, void (*fn)(struct probe_pt_regs *regs));

/* Called by the entry trampoline with the saved registers. */
void probe_site_enter(struct probe_site *site, struct probe_pt_regs *regs);
/* Called by the return trampoline; returns the original return address. */
uint64_t probe_site_return(struct probe_pt_regs *regs);

/* ==== Syscall tracepoints (syscall_x86_64.c) ==== */

/* Number of a syscall by name ("write"), or -1. */
int probe_syscall_nr(const char *name);
/* Start running link (retprobe = exit side) at syscall nr (-1: all, raw
 * context; -2: all, the tracepoint record). */
int probe_syscall_attach(struct userbpf_link *link, int nr, char *err, size_t err_sz);
/* Stop; when it returns no run of the link is in progress. */
void probe_syscall_detach(struct userbpf_link *link);

/* Run the raw links (raw_syscalls, raw sys_enter/sys_exit) for an exec
 * made outside the trap path (exec_hook.c): regs = the user registers. */
void probe_syscall_run_exec(bool exit_side, int nr, struct probe_pt_regs *regs,
			    const uint64_t args[6], int64_t ret);

/* ==== execve / execveat tracepoints (exec_hook.c) ==== */

/* Links of the exec hooks attached (any). */
bool probe_exec_links(void);
/* From a rewritten execve(at) site: fire the enter side unless the host
 * fires this attempt itself (userbpf_probe__exec_enter with the same
 * filename and argv, not yet followed by _exit); true when fired. */
bool probe_exec_site_enter(int nr, const uint64_t args[6]);
/* ... and the exit side with ret after an enter fired there. */
void probe_exec_site_exit(int nr, long ret);
/* Whether rewritten exec sites fire the hooks in a child sharing the
 * process's memory (posix_spawn's, system's, popen's, vfork's): on by
 * default; the agent turns it off without --follow (syscall_x86_64.c). */
void probe_exec_vm_children(bool on);
/* Stacks the exec hooks mapped for a child (the kept one included). */
extern _Atomic unsigned long probe_exec_stacks_mapped;
/* The host's environment for an exec made while a seccomp filter is in
 * force (the agent's: its guard or trace variables, itself first in
 * LD_PRELOAD): the bytes it needs, 0 when envp will do; given buf of at
 * least that size, the new array built there in *out.  It must allocate
 * nothing and take no lock (a signal handler, a CLONE_VM child). */
typedef size_t (*probe_exec_env_fn)(char *const envp[], void *buf, size_t size, char ***out);
void probe_exec_env_hook(probe_exec_env_fn fn);
/* The exec links changed: the sites of nr rewritten (attached), the
 * trampolines' want bytes updated (syscall_x86_64.c). */
void probe_syscall_exec_links_changed(int nr, bool attached);

/* Whether nr is one of them (attached here, never trapped). */
bool probe_exec_nr(int nr);
/* Start running link (retprobe = exit side) at nr's hooks; 0 or -errno. */
int probe_exec_attach(struct userbpf_link *link, int nr, char *err, size_t err_sz);
/* Stop; when it returns no run of the link is in progress. */
void probe_exec_detach(struct userbpf_link *link);

/* ==== Process events (process_events.c) ==== */

enum {
	PROBE_PE_EXEC = 1,
	PROBE_PE_EXIT = 2,
	PROBE_PE_FORK = 3,
	PROBE_PE_PERF = 4,
	PROBE_PE_USDT = 5,
	PROBE_PE_SYSEXEC = 6, /* exec_hook.c: execve/execveat tracepoints */
	PROBE_PE_KFUNC = 7,   /* kfunc.c: kernel functions reached by syscalls */
	PROBE_PE_LSM = 8      /* lsm.c: LSM hooks reached by syscalls */
};

/* ==== Kernel functions reached by syscalls (kfunc.c) ==== */

/* Whether tp is kprobe/F, kretprobe/F, fentry/F, fexit/F or tp_btf/sys_e*. */
bool probe_kfunc_target(const char *tp);
/* Attach prog there (o: the caller's copy of the options); NULL + errno. */
struct userbpf_link *probe_kfunc_attach(struct userbpf_prog *prog, const char *tp,
					const struct userbpf_uprobe_opts *o);
/* Part of userbpf_link__destroy for a kfunc link: its syscall sub-links. */
void probe_kfunc_detach(struct userbpf_link *link);
/* syscall_x86_64.c's run of a sub-link (link->kfunc set): the function's
 * context built from the syscall's, the program run if it is reached. */
void probe_kfunc_run(struct userbpf_link *sub, bool exit_side, int nr, struct probe_pt_regs *regs,
		     const uint64_t args[6], int64_t ret);
/* Whether name is a kernel function of the table (or __x64_sys_NAME). */
bool probe_kfunc_known(const char *name);
/* The functions available, for messages. */
const char *probe_kfunc_avail(void);

/* ==== LSM hooks reached by syscalls (lsm.c) ==== */

/* Whether tp is lsm/HOOK, lsm.s/HOOK or lsm_cgroup/HOOK. */
bool probe_lsm_target(const char *tp);
/* Whether hook is one of the table's. */
bool probe_lsm_known(const char *hook);
/* The hooks available, for messages. */
const char *probe_lsm_avail(void);
/* Attach prog there (o: the caller's copy of the options); NULL + errno. */
struct userbpf_link *probe_lsm_attach(struct userbpf_prog *prog, const char *tp,
				      const struct userbpf_uprobe_opts *o);
/* Part of userbpf_link__destroy for an LSM link: its syscall sub-links. */
void probe_lsm_detach(struct userbpf_link *link);
/*
 * syscall_x86_64.c, before the other programs of a side: the LSM
 * sub-links among links[0..n) for syscall nr, hook by hook, each hook's
 * programs in attach order.  The entry side returns 0 (allowed) or the
 * -errno the syscall fails with instead of being made; the exit side
 * (file_open of a file the open created) returns ret, or the -errno
 * replacing it (the new descriptor closed).
 */
int64_t probe_lsm_chain(bool exit_side, int nr, const uint64_t args[6], int64_t ret,
			_Atomic(struct userbpf_link *) *links, int n);
/* The LSM chain of syscall nr with arguments args, for a syscall the
 * caller answers without making it (launch's bpf()): 0 or -errno. */
int64_t probe_syscall_lsm(int nr, const uint64_t args[6]);

/* A USDT link's uprobes and semaphores go (usdt.c). */
void probe_usdt_detach(struct userbpf_link *link);

/* PROBE_PE_* of a "sched/sched_process_*" name, or 0. */
int probe_pe_kind(const char *tp);
/* Start running link at its event; 0 or -errno with err filled. */
int probe_pe_attach(struct userbpf_link *link, int kind, char *err, size_t err_sz);
/* Stop; when it returns no run of the link is in progress. */
void probe_pe_detach(struct userbpf_link *link);
/* The tracing agent (agent.c): fn runs in the handler of a signal that
 * ends the process (after the exit event, before the default action),
 * while set; the handlers are installed for it even with no exit link. */
void probe_pe_set_fatal_hook(void (*fn)(int sig));
/* The calling thread is the host's own (the agent's poller): no exit
 * event ever fires for it, at a group exit or at its own end. */
/* The calling thread is quiet (on) or not: no exit event, left out of a
 * group exit's pass (userbpf_probe__thread_quiet). */
void probe_pe_thread_quiet(bool on);
/* A thread makes the exit (group: exit_group) syscall: its exit event, once. */
void probe_pe_exit_syscall(bool group);
/* Rewrite the exit and exit_group sites so that they call it (syscall_x86_64.c). */
void probe_syscall_exit_hooks(void);

/* ==== Sampling (perf_event_x86_64.c) ==== */

/* Start link's CPU-time timer (tid 0: the process's); 0 or -errno. */
int probe_perf_attach(struct userbpf_link *link, int tid, char *err, size_t err_sz);
/* Stop; when it returns no run of the link is in progress. */
void probe_perf_detach(struct userbpf_link *link);
/* si_code of a perf event's SIGTRAP (TRAP_PERF, Linux 5.13; glibc does
 * not name it): a sample, not a breakpoint. */
#define PROBE_TRAP_PERF 6
/* Tests: attach on the CPU-time timers, as when perf_event_open is refused. */
extern bool probe_perf_force_timer;
/* The kernel events a perf_event link samples with (0: timer path). */
int probe_perf_link_events(const struct userbpf_link *link);
/* Events counting kernel-mode time too (allowed where the kernel lets
 * this process: root, CAP_PERFMON, perf_event_paranoid <= 1); tests. */
extern bool probe_perf_user_only; /* or USERBPF_PERF_USER_ONLY: never */
bool probe_perf_link_kernel(const struct userbpf_link *link);

/* ==== Architecture back end (x86_64_tramp.c) ==== */

/*
 * Generate the trampoline of site->addr and patch the code (int3 first,
 * then the jump's tail, then its head, as the kernel's text_poke_bp).
 * mode: USERBPF_PROBE_AUTO picks the jump when the spot allows it.
 * 0, or -EOPNOTSUPP with the reason in err.  Called with the probe lock.
 */
int probe_arch_install(struct probe_site *site, int mode, uint64_t func_size, char *err,
		       size_t err_sz);
/* The address functions return to while a return probe is pending. */
uint64_t probe_arch_ret_tramp(void);
/*
 * What a static syscall site's trampoline reads and calls (syscall_x86_64.c
 * fills it once):
 *   want[nr] == 0: the syscall at once, through the gate's syscall
 *   instruction (gate_sc: "syscall; ret"), nothing saved;
 *   else: pt_regs and xmm0-15 saved, enter(nr, regs) (enter programs; true
 *   when the exit side has links), the syscall through gate_sc with the
 *   saved arguments (regs->ax = result), exit(nr, regs) if enter said so.
 */
struct probe_sc_hooks {
	const uint8_t *want; /* 512 entries */
	const void *enter;   /* uint64_t enter(uint64_t nr, struct probe_pt_regs *regs) */
	const void *exit;    /* void exit(uint64_t nr, struct probe_pt_regs *regs) */
	const void *gate_sc;
};
extern const struct probe_sc_hooks probe_sc_hooks;
/* Between probe_arch_patch_batch(true) and (false), the jumps of syscall
 * sites are queued and written together at the end: three barriers for
 * all (x86_64_tramp.c: batch_flush). */
void probe_arch_patch_batch(bool on);
/*
 * Rewrite the syscall site at addr ("mov $nr,%eax|%rax", mov_len bytes,
 * then "syscall") into a jump to a trampoline running the hooks as
 * struct probe_sc_hooks says.  0 or -errno with err filled.  Called with
 * the syscall module's lock.
 */
int probe_arch_syscall_site(uint64_t addr, size_t mov_len, int nr,
			    const struct probe_sc_hooks *hooks, char *err, size_t err_sz);
/* Whether decoding from "from" (an instruction start) lands on "at". */
bool probe_arch_insn_boundary(uint64_t from, uint64_t at);
/*
 * A syscall instruction at sc whose number is set at run time: the
 * instructions before it, from the function start "from", that cover at
 * least 5 bytes ending at sc become "jmp rel32" to a trampoline running
 * them relocated, then fn(arg, regs): fn returns 1 if it made the call
 * (regs->ax = result; continue after the syscall), 0 to run the original
 * syscall instruction.  fn_end: the function's end (no branch of
 * [from, fn_end) may land inside the displaced bytes).  0 or -errno.
 */
int probe_arch_syscall_dyn_site(uint64_t from, uint64_t fn_end, uint64_t sc, uint64_t fn,
				uint64_t arg, char *err, size_t err_sz);

/*
 * Whether a jump patch stops the other threads first and moves the ones
 * whose rip lies strictly inside the replaced bytes to the displaced copy
 * (x86_64_tramp.c: stop_world).  Default true; tests clear it to show the
 * race the pass closes.
 */
extern bool probe_arch_stop_pass;
/* Threads the passes moved out of the replaced bytes (tests read it). */
extern atomic_ulong probe_arch_stop_moved;
/* Code writes made as plain stores into a mapping made writable for the
 * pass instead of /proc/self/mem (x86_64_tramp.c: wmaps_open; tests). */
extern unsigned long probe_arch_direct_writes;

/* ==== Syscall site rewriting (syscall_rewrite_x86_64.c) ==== */

/*
 * Rewrite the sites of nr (every traceable number when nr < 0) in the
 * code of the loaded files (scanned once each) so that they run
 * probe_sc_site_run without a trap.  The number of sites rewritten now.
 * Called with the syscall module's lock.
 */
int probe_sc_rewrite(int nr);
/* Static sites of nr (every number: nr < 0) found but not rewritten. */
int probe_sc_unrewritten(int nr);
/* 0 when every syscall instruction of the mapped code can make nr (every
 * trappable number: nr < 0) only through a rewritten site, else -errno
 * with why filled (syscall_rewrite_x86_64.c). */
int probe_sc_covered(int nr, char *why, size_t why_sz);
/* Why the last syscall attach installed a filter or not ("covered",
 * "rewrite-only", or the proof's reason; tests). */
const char *probe_sc_filter_why(void);
/* The last filter went in with SECCOMP_FILTER_FLAG_SPEC_ALLOW (tests). */
extern bool probe_sc_spec_allowed;
/* A rewritten site's trampoline calls it: programs, syscall, programs. */
void probe_sc_site_run(uint64_t nr, struct probe_pt_regs *regs);
/* The same where the number is in regs->ax: 1 made, 0 not (see the file). */
uint64_t probe_sc_site_run_dyn(uint64_t unused, struct probe_pt_regs *regs);
/* Syscalls made by the SIGSYS handler (tests count traps with it). */
extern _Atomic uint64_t probe_sc_traps;
/*
 * Seccomp filters the syscall module installs in a process, at most: one
 * per newly traced number, and when the last one is due, one trapping
 * every number instead (no filter after it).  A filter cannot be
 * removed and every traced syscall runs every filter of the stack.
 */
#define PROBE_SC_MAX_FILTERS 4
/* The filters installed so far (tests). */
int probe_sc_filters(void);
/* Whether a syscall tracepoint may trap nr (not clone, execve, ...). */
bool probe_sc_trappable(int nr);
/* Whether a rewritten site may run nr's programs (trappable ones, plus
 * set_robust_list, rseq, execve, execveat: syscall_x86_64.c). */
bool probe_sc_routable(int nr);
/* A syscall no trap or rewritten site sees (syscall_x86_64.c): -errno. */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The gate's address: the module holding it is never rewritten. */
extern const char probe_sc_gate_end[];
/* In a process that inherited a seccomp filter (an image exec'd by a
 * traced one): install the SIGSYS handler now, before the caller's first
 * syscall through libc (the launch interposer's and the agent's first
 * constructor call it; syscall_x86_64.c says why). */
bool probe_sc_inherited_filter(void); /* true: the handler is ours */
/* Then, from the first constructor (not the IFUNC resolver), before any
 * thread is created: every syscall site rewritten (the same file says why). */
void probe_sc_inherited_rewrite(void);

/* ==== Signal passes (x86_64_tramp.c stop pass, process_events.c exit pass) ==== */

typedef void (*probe_sig_handler_fn)(int sig, siginfo_t *si, void *uc);

/*
 * Take signal sig for handler (SA_SIGINFO | SA_RESTART, every signal
 * blocked while it runs) unless the application handles it already: sig,
 * or 0 when it was left alone.
 */
static inline int probe_sig_take(int sig, probe_sig_handler_fn handler)
{
	struct sigaction sa, old;

	if (sigaction(sig, NULL, &old) || (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) ? 0 : sig;
}

/* Whether sig (0: none taken) is still handled by handler (the
 * application may have taken it since). */
static inline bool probe_sig_ours(int sig, probe_sig_handler_fn handler)
{
	struct sigaction cur;

	return sig && !sigaction(sig, NULL, &cur) && (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == handler;
}

/* Whether the SigBlk line of a /proc/.../status text (NUL-terminated)
 * has signal sig blocked; false without such a line. */
static inline bool probe_status_blocks(const char *status, int sig)
{
	const char *p = strstr(status, "SigBlk:\t");
	uint64_t mask = 0;

	if (!p)
		return false;
	for (p += 8; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		mask = mask << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	return mask >> (sig - 1) & 1;
}

/*
 * A /proc/self/task entry name: its tid when that is a thread a pass has
 * still to signal (not self, not in tids[0..n) as tid or -tid, and n below
 * max), else 0.
 */
static inline pid_t probe_task_new_tid(const char *name, pid_t self, const pid_t *tids, int n,
				       int max)
{
	pid_t tid = 0;
	const char *c;
	int i;

	for (c = name; *c >= '0' && *c <= '9'; c++)
		tid = tid * 10 + (*c - '0');
	if (*c || !tid || tid == self)
		return 0;
	for (i = 0; i < n && tids[i] != tid && tids[i] != -tid; i++)
		;
	return i < n || n == max ? 0 : tid;
}

#endif
