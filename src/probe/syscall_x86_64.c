/* SPDX-License-Identifier: MIT */
/*
 * syscall_x86_64.c - syscall tracepoints inside this process (x86-64
 * Linux): tracepoint/syscalls/sys_enter_NAME and sys_exit_NAME with the
 * kernel's tracepoint record layouts, tracepoint/raw_syscalls/sys_enter
 * and sys_exit (the same records for every syscall), raw_tracepoint/
 * sys_enter and sys_exit (args[0] = struct pt_regs *, args[1] = id or
 * return value).
 *
 * Mechanism (docs/probes.md has the measurements): the syscall sites
 * rewritten into trampolines (syscall_rewrite_x86_64.c) and, for a traced
 * number the scans cannot prove covered by them (probe_sc_covered), a
 * seccomp filter with SECCOMP_RET_TRAP for it (all threads,
 * SECCOMP_FILTER_FLAG_TSYNC | SPEC_ALLOW); the SIGSYS handler runs the enter programs,
 * makes the syscall itself through a gate whose address range the filter
 * allows, stores the result in the interrupted thread's rax and runs the
 * exit programs.  Untraced syscalls never trap.  Syscalls that cannot run
 * inside a signal handler (rt_sigreturn, clone, clone3, fork, vfork,
 * rt_sigprocmask, rt_sigsuspend, sigaltstack, restart_syscall) are never
 * traced: attaching to them fails with EOPNOTSUPP, and raw sys_enter/
 * sys_exit do not see them.  set_robust_list, rseq, exit, execve and
 * execveat are never trapped but run their programs (execve(at): the
 * exec hooks) where their sites are rewritten (probe_sc_routable).
 *
 * The filter traps only syscalls made from the code of the files mapped
 * when it is installed (install_filter says why: it survives exec).
 *
 * Filters are bounded: one per newly traced number, and when the last of
 * PROBE_SC_MAX_FILTERS is due, one trapping every number instead (then
 * every static site is rewritten); a call no link wants is made at once
 * (sc_wanted).
 *
 * Limits: a seccomp filter cannot be removed, so after the last detach the
 * traced numbers still trap (the handler then only makes the syscall);
 * it needs no_new_privs, which this sets.  Programs run with
 * USERBPF_RUN_HOST_READ.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "probe_int.h"
#include "util/alloc.h"

static const struct {
	const char *name;
	int nr;
} syscall_names[] = {
#include "syscall_names_x86_64.h"
};

/* Never trapped: they cannot be made from inside a signal handler, or
 * (set_robust_list, rseq) glibc makes them only at a thread's start, with
 * every signal blocked, where a trap is fatal (install_filter). */
static bool untrappable(int nr)
{
	switch (nr) {
	case SYS_rt_sigreturn:
	case SYS_clone:
	case SYS_fork:
	case SYS_vfork:
	case SYS_execve:
	case SYS_execveat:
	case SYS_rt_sigprocmask:
	case SYS_rt_sigsuspend:
	case SYS_sigaltstack:
	case SYS_restart_syscall:
#ifdef SYS_clone3
	case SYS_clone3:
#endif
	case SYS_set_robust_list:
#ifdef SYS_rseq
	case SYS_rseq:
#endif
		return true;
	default:
		return false;
	}
}

/*
 * Routable: a rewritten site may make it through the trampoline and run
 * its programs there, without a signal: every trappable number, plus
 * set_robust_list and rseq (glibc makes them with every signal blocked:
 * never trapped, seen only where their sites are rewritten) and execve,
 * execveat (the exec hooks fire from the site: exec_hook.c).  exit is
 * trappable as a number but never trapped (never_trap).
 */
bool probe_sc_routable(int nr)
{
	if (nr < 0 || nr >= 512)
		return false;
	switch (nr) {
	case SYS_set_robust_list:
#ifdef SYS_rseq
	case SYS_rseq:
#endif
	case SYS_execve:
	case SYS_execveat:
		return true;
	default:
		return !untrappable(nr);
	}
}

/* No filter ever traps it (install_filter's list): a routable number seen
 * only from rewritten sites. */
static bool never_trap(int nr)
{
	return untrappable(nr) || nr == SYS_exit;
}

int probe_syscall_nr(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]); i++)
		if (!strcmp(syscall_names[i].name, name))
			return syscall_names[i].nr;
	return -1;
}

bool probe_sc_trappable(int nr)
{
	return nr >= 0 && nr < 512 && !untrappable(nr);
}

USERBPF_API const char *userbpf_probe__syscall_name(int i, bool *traceable)
{
	if (i < 0 || (size_t)i >= sizeof(syscall_names) / sizeof(syscall_names[0]))
		return NULL;
	if (traceable)
		*traceable = probe_sc_routable(syscall_names[i].nr);
	return syscall_names[i].name;
}

USERBPF_API const char *userbpf_probe__syscall_name_of(int nr)
{
	size_t i;

	for (i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]); i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	return NULL;
}

/* ==== The gate: the only place traced syscalls are made from ==== */

long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern const char probe_sc_gate_end[];
__asm__(".text\n.globl probe_sc_gate\n.hidden probe_sc_gate\n.type probe_sc_gate,@function\n"
	"probe_sc_gate:\n"
	" mov %rdi,%rax\n mov %rsi,%rdi\n mov %rdx,%rsi\n mov %rcx,%rdx\n"
	" mov %r8,%r10\n mov %r9,%r8\n mov 8(%rsp),%r9\n syscall\n"
	".globl probe_sc_gate_end\n.hidden probe_sc_gate_end\nprobe_sc_gate_end:\n"
	" ret\n.size probe_sc_gate,.-probe_sc_gate\n");

/* ==== Links ==== */

#define SC_MAX_LINKS 64
static pthread_mutex_t sc_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct userbpf_link *) sc_links[SC_MAX_LINKS];
/* Links attached per side (enter, exit) and slots ever used: a side with
 * no link costs a run nothing (no grace counter, no scan). */
static _Atomic int sc_n_side[2], sc_n_slots;
/* LSM sub-links attached (lsm.c): the runs' first pass, which may deny */
static _Atomic int sc_n_lsm;
static _Atomic unsigned sc_epoch;
static _Atomic long sc_active[2];
static bool trapped[512]; /* numbers a filter traps */
static bool all_trapped;
/* Filters installed by this module (probe_sc_filters): at most
 * PROBE_SC_MAX_FILTERS, the last one trapping every number (attach). */
static int n_filters;
/* Links per number (sc_nr >= 0) and links on every number (raw): a
 * syscall no link wants is made at once, nothing else read. */
static _Atomic uint16_t sc_nr_links[512];
static _Atomic int sc_all_links;
static bool rewrite_off; /* USERBPF_SYSCALL_TRAP_ONLY set: traps only */
/* USERBPF_SYSCALL_REWRITE_ONLY set: no filter for a number whose known
 * sites are all rewritten (probe_syscall_attach) */
static bool rewrite_only;
bool probe_sc_spec_allowed;
/* USERBPF_SYSCALL_FILTER_ALWAYS set: a filter for every traced number,
 * proved covered or not (the mode before stop 26: comparisons) */
static bool filter_always;
/* Why the last attach installed a filter or not (probe_sc_filter_why). */
static char sc_filter_why[200];
/* numbers whose sites were rewritten for a link (every number: all_routed):
 * the dynamic sites make them through the gate, dlopen'ed files get them */
static bool routed[512], all_routed;
static bool exit_hooked;	 /* probe_syscall_exit_hooks: exit/exit_group seen */
_Atomic uint64_t probe_sc_traps; /* syscalls the SIGSYS handler made */
static bool handler_set;	 /* sigsys_handler installed */
static bool inherited_rewritten; /* probe_sc_inherited_rewrite done */
static PROBE_TLS int sc_in_handler;

/* The calling thread's id without a syscall per event: cached per thread,
 * dropped in a forked child (fork_gen moves on). */
static _Atomic unsigned fork_gen = 1;
static PROBE_TLS unsigned tid_gen;
static PROBE_TLS int32_t tid_cached;

static _Atomic int sc_pid;

static void sc_after_fork(void)
{
	atomic_fetch_add(&fork_gen, 1);
	atomic_store(&sc_pid, (int)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0));
}

static int32_t cur_tid(void)
{
	unsigned g = atomic_load_explicit(&fork_gen, memory_order_relaxed);

	if (tid_gen != g) {
		tid_cached = (int32_t)probe_sc_gate(SYS_gettid, 0, 0, 0, 0, 0, 0);
		tid_gen = g;
	}
	return tid_cached;
}

/* The kernel's tracepoint records (format files under events/syscalls). */
struct sc_enter_rec {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	int32_t syscall_nr;
	uint32_t pad;
	uint64_t args[6];
};

struct sc_exit_rec {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	int32_t syscall_nr;
	uint32_t pad;
	int64_t ret;
};

static void regs_from_uc(struct probe_pt_regs *r, const ucontext_t *uc, int nr)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	r->r15 = (uint64_t)g[REG_R15], r->r14 = (uint64_t)g[REG_R14];
	r->r13 = (uint64_t)g[REG_R13], r->r12 = (uint64_t)g[REG_R12];
	r->bp = (uint64_t)g[REG_RBP], r->bx = (uint64_t)g[REG_RBX];
	r->r11 = (uint64_t)g[REG_R11], r->r10 = (uint64_t)g[REG_R10];
	r->r9 = (uint64_t)g[REG_R9], r->r8 = (uint64_t)g[REG_R8];
	r->ax = (uint64_t)-ENOSYS, r->cx = (uint64_t)g[REG_RCX];
	r->dx = (uint64_t)g[REG_RDX], r->si = (uint64_t)g[REG_RSI];
	r->di = (uint64_t)g[REG_RDI], r->orig_ax = (uint64_t)nr;
	r->ip = (uint64_t)g[REG_RIP], r->cs = 0x33;
	r->flags = (uint64_t)g[REG_EFL], r->sp = (uint64_t)g[REG_RSP], r->ss = 0x2b;
}

static void run_one(struct userbpf_link *l, void *ctx, size_t size)
{
	struct userbpf_run_opts ro = l->ro_tmpl; /* copied, not zeroed and filled */
	uint64_t r0;

	ro.ctx = ctx;
	ro.ctx_size = size;

	if (userbpf_prog__run(l->prog, &ro, &r0)) { /* stopped for good, as uprobes */
		atomic_store(&l->disabled, true);
		atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
	} else
		atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
}

/* No other thread exists (glibc's __libc_single_threaded, a weak
 * reference: false, the safe answer, without it). */
extern char __libc_single_threaded __attribute__((weak));
static inline bool single_threaded(void)
{
	return &__libc_single_threaded && __libc_single_threaded;
}

/*
 * Run the links of one side (exit or not) that match nr, the LSM hooks'
 * first (lsm.c).  The entry side returns 0, or the -errno an LSM program
 * denied the syscall with (the caller then does not make it and gives
 * that result to the exit side); the exit side returns ret, or what an
 * LSM hook replaced it with.  On the entry side the kernel-function runs
 * get the denial as ret (kfunc.c: the functions below the hook are not
 * reached).
 */
static int64_t run_side(bool exit_side, int nr, struct probe_pt_regs *regs, const uint64_t args[6],
			int64_t ret)
{
	unsigned idx = atomic_load(&sc_epoch) & 1;
	const uint64_t *saved_regs;
	int i, n, cancel_state;

	if (!atomic_load_explicit(&sc_n_side[exit_side], memory_order_relaxed))
		return exit_side ? ret : 0;
	/* A cancellable syscall (read, write...) runs with asynchronous
	 * cancellation on: a pthread_cancel arriving now would unwind the
	 * thread out of a program's run (a map lock held, sc_active never
	 * decremented: every later detach would wait forever).  Deferred
	 * until the runs end, where it acts: before the syscall on the enter
	 * side, after it on the exit side, as glibc's wrappers allow.  About
	 * 13-15 ns a side, so only where another thread could cancel this
	 * one (glibc's wrappers take no asynchronous window otherwise). */
	if (!single_threaded())
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	else
		cancel_state = -1;
	atomic_fetch_add(&sc_active[idx], 1);
	/* user stacks of the runs: the thread's at the syscall (task_helpers.c) */
	saved_regs = ub_sample_stack.regs;
	ub_sample_stack.regs = (const uint64_t *)regs;
	ub_sample_stack.at_entry = false;
	n = atomic_load_explicit(&sc_n_slots, memory_order_acquire);
	if (atomic_load_explicit(&sc_n_lsm, memory_order_relaxed))
		ret = probe_lsm_chain(exit_side, nr, args, ret, sc_links, n);
	for (i = 0; i < n; i++) {
		struct userbpf_link *l = atomic_load_explicit(&sc_links[i], memory_order_acquire);

		if (!l || l->retprobe != exit_side || (l->sc_nr >= 0 && l->sc_nr != nr) || l->lsm ||
		    atomic_load_explicit(&l->disabled, memory_order_relaxed))
			continue;
		if (l->kfunc) { /* a kernel function this syscall reaches (kfunc.c) */
			probe_kfunc_run(l, exit_side, nr, regs, args, ret);
		} else if (l->ksys) {
			/* kprobe on __x64_sys_NAME(const struct pt_regs *regs): its
			 * own registers, di = the user registers; kretprobe: ax */
			struct probe_pt_regs k;

			memset(&k, 0, sizeof(k));
			k.di = (uint64_t)(uintptr_t)regs;
			k.orig_ax = (uint64_t)-1;
			k.ax = exit_side ? (uint64_t)ret : 0;
			k.cs = 0x10;
			k.ss = 0x18;
			run_one(l, &k, sizeof(k));
		} else if (l->sc_nr == -1) { /* raw: args[0] = regs, args[1] = id or ret */
			uint64_t raw[2] = { (uint64_t)(uintptr_t)regs,
					    exit_side ? (uint64_t)ret : (uint64_t)nr };

			run_one(l, raw, sizeof(raw));
		} else if (!exit_side) {
			struct sc_enter_rec rec = { .common_pid = cur_tid(), .syscall_nr = nr };

			memcpy(rec.args, args, sizeof(rec.args));
			run_one(l, &rec, sizeof(rec));
		} else {
			struct sc_exit_rec rec = { .common_pid = cur_tid(),
						   .syscall_nr = nr,
						   .ret = ret };

			run_one(l, &rec, sizeof(rec));
		}
	}
	ub_sample_stack.regs = saved_regs;
	atomic_fetch_sub(&sc_active[idx], 1);
	if (cancel_state >= 0)
		pthread_setcancelstate(cancel_state, NULL);
	return ret;
}

int64_t probe_syscall_lsm(int nr, const uint64_t args[6])
{
	unsigned idx;
	int64_t deny;

	if (!atomic_load_explicit(&sc_n_lsm, memory_order_relaxed) || sc_in_handler ||
	    probe_thread_in_probe)
		return 0;
	idx = atomic_load(&sc_epoch) & 1;
	atomic_fetch_add(&sc_active[idx], 1);
	sc_in_handler = 1;
	deny = probe_lsm_chain(false, nr, args, 0, sc_links,
			       atomic_load_explicit(&sc_n_slots, memory_order_acquire));
	sc_in_handler = 0;
	atomic_fetch_sub(&sc_active[idx], 1);
	return deny;
}

static bool exec_env_active(void);

/* A link may run for nr, or nr is exit/exit_group under the exit hooks,
 * or nr is an exec whose environment the host may rewrite. */
static inline bool sc_wanted(int nr)
{
	return atomic_load_explicit(&sc_all_links, memory_order_relaxed) ||
	       atomic_load_explicit(&sc_nr_links[nr & 511], memory_order_relaxed) ||
	       (exit_hooked && (nr == SYS_exit || nr == SYS_exit_group)) ||
	       ((nr == SYS_execve || nr == SYS_execveat) &&
		(probe_exec_links() || exec_env_active()));
}

/*
 * sc_wanted per number, for the static sites' trampolines (probe_sc_hooks):
 * 0 = the call at once through the gate.  Written under sc_lock after
 * every change of what sc_wanted reads (a link published first, so a
 * trampoline that sees 1 finds it; one that saw 1 before a detach finds
 * no link, and sc_enter reads sc_wanted again).
 */
static uint8_t sc_want[512];

static void want_update(void)
{
	int nr;

	for (nr = 0; nr < 512; nr++)
		__atomic_store_n(&sc_want[nr], (uint8_t)sc_wanted(nr), __ATOMIC_RELAXED);
}

static long exec_through_gate(int nr, uint64_t args[6]);

static void sigsys_handler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	int nr = si->si_syscall, saved_errno = errno;
	uint64_t args[6] = { (uint64_t)g[REG_RDI], (uint64_t)g[REG_RSI], (uint64_t)g[REG_RDX],
			     (uint64_t)g[REG_R10], (uint64_t)g[REG_R8],	 (uint64_t)g[REG_R9] };
	struct probe_pt_regs regs;
	long ret;

	(void)sig;
	atomic_fetch_add_explicit(&probe_sc_traps, 1, memory_order_relaxed);
	if ((nr == SYS_execve || nr == SYS_execveat) && !sc_in_handler) {
		g[REG_RAX] = exec_through_gate(nr, args);
		errno = saved_errno;
		return;
	}
	if (sc_in_handler || !sc_wanted(nr)) { /* a program's helper's, or no link's */
		g[REG_RAX] = probe_sc_gate(nr, (long)args[0], (long)args[1], (long)args[2],
					   (long)args[3], (long)args[4], (long)args[5]);
		errno = saved_errno;
		return;
	}
	sc_in_handler = 1;
	regs_from_uc(&regs, uc, nr);
	ret = run_side(false, nr, &regs, args, 0); /* an LSM program's denial, or 0 */
	if (nr == SYS_exit || nr == SYS_exit_group)
		probe_pe_exit_syscall(nr == SYS_exit_group);
	sc_in_handler = 0;
	if (!ret)
		ret = probe_sc_gate(nr, (long)args[0], (long)args[1], (long)args[2], (long)args[3],
				    (long)args[4], (long)args[5]);
	g[REG_RAX] = ret;
	sc_in_handler = 1;
	regs.ax = (uint64_t)ret;
	g[REG_RAX] = run_side(true, nr, &regs, args, ret);
	sc_in_handler = 0;
	errno = saved_errno;
}

/*
 * An image exec'd by a traced process inherits its seccomp filter (it
 * cannot be removed).  Where addresses are not randomised (userbpf
 * launch, setarch -R) the new image's libc lies where the old one's did,
 * so its syscalls trap as the old image's did, and a trap before a
 * SIGSYS handler is installed kills the process (status 159): the
 * interposer's or agent's own start-up (opening the domain, reading its
 * settings) makes such syscalls, and so do other libraries'
 * constructors, which run before theirs.  So they call this while ld.so
 * relocates them (an IFUNC resolver: before any constructor), again from
 * their first constructor: the handler goes in through the gate (libc's
 * sigaction would be a syscall from libc's code) with a restorer of our
 * own; with no program attached it only makes the call.  Nothing without
 * a filter.  Not instrumented: it may run before a sanitizer's runtime.
 */
void probe_sc_restorer(void);
__asm__(".text\n.globl probe_sc_restorer\n.hidden probe_sc_restorer\n"
	".type probe_sc_restorer,@function\nprobe_sc_restorer:\n"
	" mov $15,%eax\n syscall\n hlt\n.size probe_sc_restorer,.-probe_sc_restorer\n");

__attribute__((no_sanitize("address", "undefined", "thread"))) bool probe_sc_inherited_filter(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ksa;

	if (handler_set ||
	    probe_sc_gate(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0, 0) != 2 /* SECCOMP_MODE_FILTER */)
		return handler_set;
	ksa.handler = (void *)sigsys_handler;
	ksa.flags = SA_SIGINFO | SA_NODEFER | SA_RESTART | 0x04000000; /* SA_RESTORER */
	ksa.restorer = probe_sc_restorer;
	ksa.mask = 0;
	if (!probe_sc_gate(SYS_rt_sigaction, SIGSYS, (long)&ksa, 0, 8, 0, 0))
		handler_set = true;
	return handler_set;
}

static void watch_dlopen(void);

/*
 * The constructor's second step in an image that inherited a filter: its
 * syscall sites rewritten (every number, as the parent's last filter may
 * trap every number), before the caller creates any thread.  A trap while
 * SIGSYS is blocked kills the process (the kernel resets the handler), and
 * glibc makes syscalls with every signal blocked: a new thread's rseq and
 * set_robust_list in start_thread, a thread's end (madvise, futex on the
 * stack cache lock), a posix_spawn child between clone and exec.  Where
 * the parent's libc lies where ours does (launch: no ASLR), those trapped
 * (status 159 for every member of a domain with raw_syscalls attached).
 * Rewritten, they take the gate, no signal.  The sites that cannot be
 * rewritten are left to install_filter's list of numbers never trapped.
 * Not from the IFUNC resolver: this reads /proc, mallocs, mprotects.
 */
void probe_sc_inherited_rewrite(void)
{
	pthread_mutex_lock(&sc_lock);
	if (handler_set && !inherited_rewritten && !n_filters &&
	    !getenv("USERBPF_SYSCALL_TRAP_ONLY")) {
		inherited_rewritten = true;
		probe_sc_rewrite(-1);
		watch_dlopen();
	}
	pthread_mutex_unlock(&sc_lock);
}

/*
 * execve and execveat from a rewritten site: the exec hooks fire there
 * (exec_hook.c: probe_exec_site_enter, which leaves out an attempt the
 * host fires itself, as the agent's interposed execve does), and when the
 * call returns (it failed) the exit side with -errno.  exec_fired: the
 * enter side fired on this thread, so the exit side does.
 *
 * In a child that shares this thread's memory without fork's handlers
 * having run (sc_pid differs: posix_spawn's, system's and popen's
 * CLONE_VM|CLONE_VFORK child, a vfork child) the hooks fire too, as the
 * kernel fires them there (the child's pid and tid, the parent's comm,
 * the child's own filename, argv and envp), unless the host said no
 * (probe_exec_vm_children: the agent without --follow, whose children
 * are not traced).  Such a child runs on a stack glibc 2.36 maps at
 * 32 KiB plus the arguments with no guard page below it (an overrun
 * would write into whatever lies there, in the parent's memory), so the
 * programs run on a stack of their own (exec_child_run): mapped for the
 * attempt through the gate, a guard page below, unmapped before the
 * call is made.  The child also runs on the parent thread's TLS, which is
 * safe there: the parent thread stays stopped in clone until the child
 * has exec'd or exited, and the runs leave the thread's state (the run
 * depth, probe_thread_in_probe) as they found it before the exec call.
 */
static PROBE_TLS bool exec_fired;
static _Atomic bool exec_vm_children = true;

void probe_exec_vm_children(bool on)
{
	atomic_store(&exec_vm_children, on);
}

/* void probe_exec_call_on(void *top, void (*fn)(void *), void *arg):
 * fn(arg) with the stack pointer at top (16-byte aligned), then back. */
void probe_exec_call_on(void *top, void (*fn)(void *), void *arg);
__asm__(".text\n.globl probe_exec_call_on\n.hidden probe_exec_call_on\n"
	".type probe_exec_call_on,@function\nprobe_exec_call_on:\n"
	" .cfi_startproc\n push %rbp\n .cfi_def_cfa_offset 16\n .cfi_offset %rbp,-16\n"
	" mov %rsp,%rbp\n .cfi_def_cfa_register %rbp\n"
	" mov %rdi,%rsp\n mov %rdx,%rdi\n call *%rsi\n"
	" mov %rbp,%rsp\n pop %rbp\n .cfi_def_cfa %rsp,8\n ret\n .cfi_endproc\n"
	".size probe_exec_call_on,.-probe_exec_call_on\n");

#define EXEC_STACK_SIZE (256 * 1024)
#define EXEC_STACK_GUARD 4096

struct exec_call {
	int nr;
	bool exit_side, fired;
	const uint64_t *args;
	long ret;
};

static void exec_call_run(void *p)
{
	struct exec_call *c = p;

	if (c->exit_side)
		probe_exec_site_exit(c->nr, c->ret);
	else
		c->fired = probe_exec_site_enter(c->nr, c->args);
}

/*
 * c's side run on a stack of its own (nothing runs, c->fired stays false,
 * when none can be mapped).  One stack is kept for the children of this
 * memory (exec_stack: mapped by the first that needs it, left mapped,
 * taken by one child at a time, given back before its exec call); a
 * child that finds it taken (another parent thread's child meanwhile, or
 * one killed during its run) maps one for the attempt and unmaps it
 * after.  Kept, its pages stay touched: on this VM a fresh stack cost
 * mmap + mprotect + munmap (18 us) plus a page fault per page the runs
 * touch (about 80 us each here), per side.
 */
static _Atomic int exec_stack_owner;
static _Atomic long exec_stack_base;
_Atomic unsigned long probe_exec_stacks_mapped; /* fresh ones (tests) */

static long exec_stack_map(void)
{
	long base = probe_sc_gate(SYS_mmap, 0, EXEC_STACK_GUARD + EXEC_STACK_SIZE, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base < 0 && base > -4096)
		return 0;
	if (probe_sc_gate(SYS_mprotect, base + EXEC_STACK_GUARD, EXEC_STACK_SIZE,
			  PROT_READ | PROT_WRITE, 0, 0, 0)) {
		probe_sc_gate(SYS_munmap, base, EXEC_STACK_GUARD + EXEC_STACK_SIZE, 0, 0, 0, 0);
		return 0;
	}
	return base;
}

static void exec_child_run(struct exec_call *c)
{
	int me = (int)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0), free_ = 0;
	bool kept = atomic_compare_exchange_strong(&exec_stack_owner, &free_, me);
	long base = kept ? atomic_load(&exec_stack_base) : 0;

	if (!base) {
		atomic_fetch_add_explicit(&probe_exec_stacks_mapped, 1, memory_order_relaxed);
		base = exec_stack_map();
		if (kept && base)
			atomic_store(&exec_stack_base, base);
	}
	if (base)
		probe_exec_call_on((char *)base + EXEC_STACK_GUARD + EXEC_STACK_SIZE, exec_call_run,
				   c);
	if (kept)
		atomic_store(&exec_stack_owner, 0);
	else if (base)
		probe_sc_gate(SYS_munmap, base, EXEC_STACK_GUARD + EXEC_STACK_SIZE, 0, 0, 0, 0);
}

static bool in_child(void)
{
	return (int)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0) != atomic_load(&sc_pid);
}

static bool exec_site_enter(int nr, const uint64_t args[6])
{
	exec_fired = false;
	if (!probe_exec_links() && !atomic_load_explicit(&sc_all_links, memory_order_relaxed))
		return false; /* here for the environment only (exec_env_swap) */
	if (in_child()) {
		struct exec_call c = { .nr = nr, .args = args };

		if (!atomic_load(&exec_vm_children))
			return false;
		exec_child_run(&c);
		exec_fired = c.fired;
		return exec_fired;
	}
	exec_fired = probe_exec_site_enter(nr, args);
	return exec_fired;
}

static void exec_site_exit(int nr, long ret)
{
	if (exec_fired) {
		struct exec_call c = { .nr = nr, .exit_side = true, .ret = ret };

		exec_fired = false;
		if (in_child())
			exec_child_run(&c);
		else
			probe_exec_site_exit(nr, ret);
	}
}

/*
 * The environment of an exec made while a filter is in force (ours, or
 * one inherited with our handler in: exec_env_active).  The filter
 * survives exec and cannot be removed; an image that does not load the
 * agent (or loads it at another address: a library of the program's
 * preloaded first) finds no SIGSYS handler of ours, and where its code
 * lies in the trapped ranges (no ASLR: setarch -R, the shared domain of
 * trace --follow) its first trapped syscall killed it (status 159).  The
 * agent's interposed execve family fixes the environment it passes (the
 * guard's or the trace's variables, the agent first in LD_PRELOAD), but
 * an exec made without those functions did not get it: a raw
 * syscall(SYS_execve), code the scans did not rewrite, or glibc's own
 * execs (posix_spawn, system, popen, execl) when the program's
 * environment has another library first in LD_PRELOAD.  So while a filter
 * is in force every exec comes here: the filter traps execve and
 * execveat too (install_filter), their sites are rewritten, and the
 * host's hook (probe_exec_env_hook: the agent's env_build) may hand a new
 * environment for the call, built in a mapping of our own (the hook
 * allocates nothing: it may run in a signal handler, or in a child that
 * shares our memory).  The mapping is unmapped when the call returns
 * (it failed); after a successful exec it went with the old image,
 * except in a child sharing our memory (posix_spawn's), whose mapping
 * stays in ours: it is listed (env_maps) and unmapped by the next exec
 * made here once kcmp says that child has left our memory.
 */
static probe_exec_env_fn exec_env_fn;

static bool exec_env_active(void)
{
	return exec_env_fn && handler_set && !rewrite_off;
}

void probe_exec_env_hook(probe_exec_env_fn fn)
{
	pthread_mutex_lock(&sc_lock);
	exec_env_fn = fn;
	want_update();
	pthread_mutex_unlock(&sc_lock);
}

#define EXEC_ENV_SLOTS 16
static struct {
	_Atomic int pid; /* the child that made it; 0: a free slot */
	_Atomic long base;
	long len;
} env_maps[EXEC_ENV_SLOTS];

struct exec_env {
	long base, len; /* 0: the caller's environment kept */
	int slot;	/* env_maps, -1: none */
	uint64_t old;	/* the caller's envp */
};
static PROBE_TLS struct exec_env site_env; /* a static site's, enter to exit */

/* Unmap the environments of children that have left our memory (exec'd
 * or gone): kcmp(KCMP_VM) says 0 while they share it. */
static void env_maps_reclaim(int me)
{
	int i;

	for (i = 0; i < EXEC_ENV_SLOTS; i++) {
		long base = atomic_load(&env_maps[i].base), r;
		int pid = atomic_load(&env_maps[i].pid);

		if (!base || pid == me)
			continue;
		r = probe_sc_gate(SYS_kcmp, me, pid, 1 /* KCMP_VM */, 0, 0, 0);
		if (r == 0 || (r < 0 && r != -ESRCH))
			continue;
		if (atomic_compare_exchange_strong(&env_maps[i].base, &base, 0)) {
			probe_sc_gate(SYS_munmap, base, env_maps[i].len, 0, 0, 0, 0);
			atomic_store(&env_maps[i].pid, 0);
		}
	}
}

/* *envp_arg replaced by the host's environment for this exec, when it
 * has one (e->base then non-zero; exec_env_restore after the call). */
static void exec_env_swap(uint64_t *envp_arg, struct exec_env *e)
{
	char *const *envp = (char *const *)(uintptr_t)*envp_arg;
	char **out = NULL;
	size_t bytes;
	long base, len;
	int me, i;

	e->base = 0;
	e->slot = -1;
	e->old = *envp_arg;
	if (!exec_env_active())
		return;
	me = (int)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0);
	env_maps_reclaim(me);
	bytes = exec_env_fn(envp, NULL, 0, NULL);
	if (!bytes)
		return;
	len = (long)((bytes + 4095) & ~(size_t)4095);
	base = probe_sc_gate(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	if (base < 0 && base > -4096)
		return;
	if (exec_env_fn(envp, (void *)base, (size_t)len, &out) > (size_t)len || !out) {
		probe_sc_gate(SYS_munmap, base, len, 0, 0, 0, 0);
		return;
	}
	for (i = 0; me != atomic_load(&sc_pid) && i < EXEC_ENV_SLOTS; i++) {
		int free_ = 0;

		if (atomic_compare_exchange_strong(&env_maps[i].pid, &free_, me)) {
			env_maps[i].len = len;
			atomic_store(&env_maps[i].base, base);
			e->slot = i;
			break;
		}
	}
	e->base = base;
	e->len = len;
	*envp_arg = (uint64_t)(uintptr_t)out;
}

/* After the call (it failed): the caller's envp back, the mapping gone. */
static void exec_env_restore(uint64_t *envp_arg, struct exec_env *e)
{
	long base = e->base;

	if (!base)
		return;
	*envp_arg = e->old;
	e->base = 0;
	if (e->slot >= 0 && !atomic_compare_exchange_strong(&env_maps[e->slot].base, &base, 0))
		return; /* reclaimed meanwhile (cannot be while we share it) */
	probe_sc_gate(SYS_munmap, base, e->len, 0, 0, 0, 0);
	if (e->slot >= 0)
		atomic_store(&env_maps[e->slot].pid, 0);
}

/* An exec the filter trapped (code not rewritten), or from a dynamic site: the hooks, the
 * environment, the call; the result (it failed), or no return. */
static long exec_through_gate(int nr, uint64_t args[6])
{
	uint64_t *envp_arg = &args[nr == SYS_execve ? 2 : 3];
	struct exec_env e;
	long ret;

	exec_site_enter(nr, args);
	exec_env_swap(envp_arg, &e);
	ret = probe_sc_gate(nr, (long)args[0], (long)args[1], (long)args[2], (long)args[3],
			    (long)args[4], (long)args[5]);
	exec_env_restore(envp_arg, &e);
	exec_site_exit(nr, ret);
	return ret;
}

/*
 * A static site's trampoline (probe_sc_hooks): the enter programs, then
 * (the trampoline makes the call) the exit programs.  1: the exit side
 * has links, call sc_exit after the syscall; 3: an LSM program denied
 * it, do not make it (regs->ax holds the result), call sc_exit.  errno is the program's
 * business only: the gate's call does not touch it.
 */
static uint64_t sc_enter(uint64_t nr_, struct probe_pt_regs *regs)
{
	int nr = (int)nr_, saved_errno;
	uint64_t args[6];
	int64_t deny;

	/* made by a program's helper, or wanted by no link (a detach
	 * meanwhile) */
	if (sc_in_handler || probe_thread_in_probe || !sc_wanted(nr))
		return 0;
	saved_errno = errno;
	args[0] = regs->di, args[1] = regs->si, args[2] = regs->dx;
	args[3] = regs->r10, args[4] = regs->r8, args[5] = regs->r9;
	regs->orig_ax = (uint64_t)nr;
	regs->ax = (uint64_t)-ENOSYS;
	if (nr == SYS_execve || nr == SYS_execveat) { /* the exit hook when fired */
		bool fired = exec_site_enter(nr, args);

		/* the trampoline reloads the arguments from regs */
		exec_env_swap(nr == SYS_execve ? &regs->dx : &regs->r10, &site_env);
		errno = saved_errno;
		return fired || site_env.base;
	}
	sc_in_handler = 1;
	deny = run_side(false, nr, regs, args, 0);
	if (nr == SYS_exit || nr == SYS_exit_group)
		probe_pe_exit_syscall(nr == SYS_exit_group);
	sc_in_handler = 0;
	errno = saved_errno;
	if (deny) { /* denied by an LSM program: no syscall, the exit side runs */
		regs->ax = (uint64_t)deny;
		return 3;
	}
	return atomic_load_explicit(&sc_n_side[1], memory_order_relaxed) != 0;
}

/* After the trampoline's syscall: regs->ax is its result; the arguments
 * are the ones the site passed (the trampoline reloaded them from regs). */
static void sc_exit(uint64_t nr_, struct probe_pt_regs *regs)
{
	int nr = (int)nr_, saved_errno = errno;
	const uint64_t args[6] = { regs->di, regs->si, regs->dx, regs->r10, regs->r8, regs->r9 };

	if (nr == SYS_execve || nr == SYS_execveat) {
		/* the caller's registers as they were, but rax */
		exec_env_restore(nr == SYS_execve ? &regs->dx : &regs->r10, &site_env);
		exec_site_exit(nr, (long)regs->ax);
		errno = saved_errno;
		return;
	}
	sc_in_handler = 1;
	regs->ax = (uint64_t)run_side(true, nr, regs, args, (int64_t)regs->ax);
	sc_in_handler = 0;
	errno = saved_errno;
}

const struct probe_sc_hooks probe_sc_hooks = {
	.want = sc_want,
	.enter = (const void *)sc_enter,
	.exit = (const void *)sc_exit,
	.gate_sc = probe_sc_gate_end - 2, /* "syscall; ret" */
};

/* A rewritten site (syscall_rewrite_x86_64.c): as the SIGSYS handler,
 * on the thread's stack, without a signal.  regs->ax gets the result. */
void probe_sc_site_run(uint64_t nr_, struct probe_pt_regs *regs)
{
	int nr = (int)nr_, saved_errno = errno;
	uint64_t args[6] = { regs->di, regs->si, regs->dx, regs->r10, regs->r8, regs->r9 };
	long ret;

	/* made by a program's helper, or wanted by no link (a site rewritten
	 * for a number no longer traced, or for every number: attach) */
	if (sc_in_handler || probe_thread_in_probe || !sc_wanted(nr)) {
		regs->ax = (uint64_t)probe_sc_gate(nr, (long)args[0], (long)args[1], (long)args[2],
						   (long)args[3], (long)args[4], (long)args[5]);
		errno = saved_errno;
		return;
	}
	regs->orig_ax = (uint64_t)nr;
	regs->ax = (uint64_t)-ENOSYS;
	if (nr == SYS_execve || nr == SYS_execveat) {
		regs->ax = (uint64_t)exec_through_gate(nr, args);
		errno = saved_errno;
		return;
	}
	sc_in_handler = 1;
	ret = run_side(false, nr, regs, args, 0); /* an LSM program's denial, or 0 */
	if (nr == SYS_exit || nr == SYS_exit_group)
		probe_pe_exit_syscall(nr == SYS_exit_group);
	sc_in_handler = 0;
	if (!ret)
		ret = probe_sc_gate(nr, (long)args[0], (long)args[1], (long)args[2], (long)args[3],
				    (long)args[4], (long)args[5]);
	regs->ax = (uint64_t)ret;
	sc_in_handler = 1;
	regs->ax = (uint64_t)run_side(true, nr, regs, args, ret);
	sc_in_handler = 0;
	errno = saved_errno;
}

/*
 * A site whose number is only known at run time (syscall(), read's "xor
 * %eax,%eax"): regs->ax holds it.  Numbers traced (or exit/exit_group
 * under the exit hooks, or any under an inherited filter) are made here,
 * as at a static site: 1.  Others
 * (untraced, or untrappable like clone) are left to the original syscall
 * instruction, regs->ax untouched: 0.
 */
uint64_t probe_sc_site_run_dyn(uint64_t unused, struct probe_pt_regs *regs)
{
	uint64_t nr = regs->ax;

	(void)unused;
	if (nr >= 512 || !probe_sc_routable((int)nr))
		return 0;
	if (!all_trapped && !trapped[nr] && !all_routed && !routed[nr] && !inherited_rewritten &&
	    !(exit_hooked && (nr == SYS_exit || nr == SYS_exit_group)))
		return 0;
	probe_sc_site_run(nr, regs);
	return 1;
}

/* ==== Where traps apply: the code of the process's files ==== */

#define SC_MAX_RANGES 48   /* in the filter: 7 instructions each */
#define SC_SCAN_RANGES 512 /* read from the maps before merging */
struct sc_range {
	uint64_t lo, hi; /* [lo, hi), within one 4 GiB block */
};

/*
 * Merge neighbours in one 4 GiB block, the closest first, until at most
 * max ranges are left.  A gap holding one of the holes (the gate's
 * mapping, the dynamic loader's code) is never bridged.  What a merge adds is memory between two files' code (their
 * data, anonymous maps): a syscall from there is trapped too, which is
 * harmless, except for a new image's loader mapped into such a gap after
 * exec (install_filter), the reason the closest gaps go first.  The new
 * count, or -E2BIG when the ranges span more blocks than max.
 */
static int merge_ranges(struct sc_range *r, int n, int max, const struct sc_range *holes,
			int nholes)
{
	while (n > max) {
		uint64_t best_gap = UINT64_MAX;
		int i, best = -1;

		for (i = 0; i + 1 < n; i++) {
			uint64_t gap = r[i + 1].lo - r[i].hi;
			bool holed = false;
			int h;

			for (h = 0; h < nholes; h++)
				holed |= holes[h].hi > r[i].hi && holes[h].lo < r[i + 1].lo;
			if ((r[i].lo >> 32) != (r[i + 1].lo >> 32) || holed || gap >= best_gap)
				continue;
			best_gap = gap;
			best = i;
		}
		if (best < 0)
			return -E2BIG;
		r[best].hi = r[best + 1].hi;
		memmove(&r[best + 1], &r[best + 2], (size_t)(n - best - 2) * sizeof(*r));
		n--;
	}
	return n;
}

/*
 * The executable mappings of files (the main image, libc and the other
 * libraries) except the one holding the gate (the library or agent this
 * code is in: its syscalls, the trampolines' and the handler's, are never
 * trapped), the dynamic loader's and memfd code (a JIT's, ours among
 * them: it makes no syscall of its own).  Not the loader's: after an exec
 * the new image's loader makes its syscalls (openat, mmap, read...)
 * before the agent and its SIGSYS handler are back, and where addresses
 * are not randomised (setarch -R, userbpf launch) it lies exactly where
 * the old image's did: trapped, it would kill every exec'd image (status
 * 159).  Its sites are rewritten like any other library's, so its
 * syscalls after startup (dlopen's) are still seen, where rewriting
 * applies.  Ranges are split at 4 GiB boundaries (the filter
 * compares the two halves of the address), then merged down to max
 * (merge_ranges).  The number of ranges, or -errno.
 */
static int code_ranges(struct sc_range *out, int max)
{
	uint64_t gate = (uint64_t)(uintptr_t)probe_sc_gate, ldso = getauxval(AT_BASE);
	FILE *f = fopen("/proc/self/maps", "re");
	struct sc_range *r, holes[2] = { { 0, 0 }, { 0, 0 } };
	char line[512], perms[8], ldso_path[256] = "";
	int n = 0;

	if (!f)
		return -errno;
	r = malloc(SC_SCAN_RANGES * sizeof(*r));
	if (!r) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		int path_at = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &lo, &hi, perms, &path_at) < 3 ||
		    !path_at || line[path_at] != '/')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (ldso && lo == ldso) /* its first mapping: the file is the loader */
			snprintf(ldso_path, sizeof(ldso_path), "%s", line + path_at);
		if (perms[2] != 'x' || !strncmp(line + path_at, "/memfd:", 7))
			continue;
		if (gate >= lo && gate < hi) {
			holes[0] = (struct sc_range){ lo, hi };
			continue;
		}
		if (ldso_path[0] && !strcmp(line + path_at, ldso_path)) {
			holes[1] = (struct sc_range){ lo, hi };
			continue;
		}
		while (lo < hi) {
			uint64_t end = ((lo >> 32) + 1) << 32;

			if (end > hi)
				end = hi;
			if (n && r[n - 1].hi == lo && (r[n - 1].lo >> 32) == (lo >> 32)) {
				r[n - 1].hi = end;
			} else {
				if (n == SC_SCAN_RANGES) {
					fclose(f);
					free(r);
					return -E2BIG;
				}
				r[n].lo = lo;
				r[n].hi = end;
				n++;
			}
			lo = end;
		}
	}
	fclose(f);
	n = merge_ranges(r, n, max, holes, 2);
	if (n > 0)
		memcpy(out, r, (size_t)n * sizeof(*r));
	free(r);
	return n;
}

#ifdef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SC_FLAG_SPEC_ALLOW SECCOMP_FILTER_FLAG_SPEC_ALLOW
#else
#define SC_FLAG_SPEC_ALLOW (1UL << 2)
#endif

/* Not trapped without rewriting (install_filter says why). */
static const int trap_only_never[] = { SYS_madvise, SYS_futex, SYS_rt_sigaction, SYS_munmap };

static bool trap_only_untrappable(int nr)
{
	size_t i;

	for (i = 0; i < sizeof(trap_only_never) / sizeof(trap_only_never[0]); i++)
		if (trap_only_never[i] == nr)
			return true;
	return false;
}

/*
 * Install a filter trapping nr (or every trappable number when nr < 0)
 * when it is made from the code of the files mapped now (code_ranges).
 *
 * Why only there: the filter cannot be removed and survives exec.  A new
 * image's dynamic loader, mapped at an address of its own choosing, makes
 * its syscalls before the agent (and its SIGSYS handler) is back: trapped,
 * they would kill it (status 159).  Its code is not at the old image's
 * addresses (ASLR; docs/probes.md has the limits), so its syscalls pass.
 * Code the process maps later (dlopen) is not trapped either; syscall
 * sites rewritten into trampolines (syscall_sites_x86_64.c) are seen
 * wherever their library lies.
 */
static int install_filter(int nr, char *err, size_t err_sz)
{
	uint64_t gate_ip = (uint64_t)(uintptr_t)probe_sc_gate_end; /* after its syscall */
	struct sc_range r[SC_MAX_RANGES];
	struct sock_filter f[64 + 7 * SC_MAX_RANGES];
	struct sock_fprog prog;
	int n = 0, k, nr_ranges;
	/* SYS_exit: a thread's end, which glibc's start_thread makes with
	 * every signal blocked at a site that cannot be rewritten (a branch
	 * lands inside): its trap killed any multi-threaded process under
	 * raw_syscalls (exit events have their own hook) */
	static const int never[] = {
		SYS_rt_sigreturn, SYS_clone,	       SYS_fork,	   SYS_vfork,
		SYS_execve,	  SYS_execveat,	       SYS_rt_sigprocmask, SYS_rt_sigsuspend,
		SYS_sigaltstack,  SYS_restart_syscall, SYS_exit,	   SYS_set_robust_list,
#ifdef SYS_clone3
		SYS_clone3,
#endif
#ifdef SYS_rseq
		SYS_rseq,
#endif
	};
	/* made by glibc with every signal blocked, from sites that are
	 * rewritten where rewriting applies: a thread's end (madvise, futex
	 * on the stack cache lock), a posix_spawn child resetting its
	 * handlers.  Without rewriting (USERBPF_SYSCALL_TRAP_ONLY) their trap
	 * would be fatal: that filter never traps them (trap_only_never). */
	int never_all[sizeof(never) / sizeof(never[0]) + sizeof(trap_only_never) / sizeof(int)];

	int nnever_all = 0;

	/* execve and execveat trapped too where their sites are rewritten:
	 * exec_env_swap says why (the sites, not the trap, serve glibc's
	 * posix_spawn child, which has reset SIGSYS to the default) */
	for (k = 0; k < (int)(sizeof(never) / sizeof(never[0])); k++)
		if (rewrite_off || (never[k] != SYS_execve && never[k] != SYS_execveat))
			never_all[nnever_all++] = never[k];
	if (rewrite_off)
		for (k = 0; k < (int)(sizeof(trap_only_never) / sizeof(int)); k++)
			never_all[nnever_all++] = trap_only_never[k];

	nr_ranges = code_ranges(r, SC_MAX_RANGES);
	if (nr_ranges == -E2BIG) {
		snprintf(err, err_sz, "the process's code lies in more than %d places apart",
			 SC_MAX_RANGES);
		return nr_ranges;
	}
	if (nr_ranges < 0) {
		snprintf(err, err_sz, "cannot read the process's mappings: %s",
			 strerror(-nr_ranges));
		return nr_ranges;
	}
	if (!handler_set) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sigsys_handler;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL))
			return -errno;
		handler_set = true;
	}
#define STMT(code, k_) (f[n++] = (struct sock_filter)BPF_STMT(code, k_))
#define JUMP(code, k_, jt, jf) (f[n++] = (struct sock_filter)BPF_JUMP(code, k_, jt, jf))
	/*
	 * The number first, the address after: a syscall number the filter
	 * allows whatever the address is can be proved so by the kernel
	 * (seccomp_is_const_allow: only arch and nr read on the way to
	 * RET_ALLOW), which then skips the filters for it (the per-number
	 * action cache, Linux 5.11), so the syscalls not traced pay almost
	 * nothing for the filter (docs/probes.md, "Costs").
	 */
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	if (nr >= 0 && rewrite_off) {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 1, 0);
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	} else if (nr >= 0) { /* nr, execve, execveat: the address decides */
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 3, 0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 2, 0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 1, 0);
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	} else {
		for (k = 0; k < nnever_all; k++) /* ALLOW is nnever_all - k jumps ahead */
			JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)never_all[k],
			     (uint8_t)(nnever_all - k), 0);
		JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	/* the gate (the trampolines' and the handler's calls): allowed */
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)gate_ip, 0, 3);
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(gate_ip >> 32), 0, 1);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	/* trap when the address is in one of the ranges */
	for (k = 0; k < nr_ranges; k++) {
		STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, instruction_pointer) + 4);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(r[k].lo >> 32), 0, 4);
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer));
		JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)r[k].lo, 0, 2);
		JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)(r[k].hi - 1), 1, 0);
		STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	}
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef STMT
#undef JUMP
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, err_sz, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -errno;
	}
	/*
	 * SPEC_ALLOW: without it a kernel booted with (the default on many
	 * distributions) spec_store_bypass_disable=seccomp turns on the
	 * speculative store bypass mitigation for every thread of the
	 * process, slowing every load of the traced program for good.  The
	 * filter only routes syscalls to the handler: no sandbox to protect.
	 * Kernels before 4.17 refuse the flag (EINVAL): then without it.
	 */
	probe_sc_spec_allowed = true;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC | SC_FLAG_SPEC_ALLOW, &prog)) {
		probe_sc_spec_allowed = false;
		if (errno != EINVAL || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					       SECCOMP_FILTER_FLAG_TSYNC, &prog)) {
			snprintf(err, err_sz, "seccomp: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* Under sc_lock: the settings read once, the fork handler, our pid. */
static void sc_init_once(void)
{
	static bool done;

	if (done)
		return;
	pthread_atfork(NULL, NULL, sc_after_fork);
	rewrite_off = getenv("USERBPF_SYSCALL_TRAP_ONLY") != NULL;
	rewrite_only = !rewrite_off && getenv("USERBPF_SYSCALL_REWRITE_ONLY") != NULL;
	filter_always = getenv("USERBPF_SYSCALL_FILTER_ALWAYS") != NULL;
	atomic_store(&sc_pid, (int)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0));
	done = true;
}

int probe_syscall_attach(struct userbpf_link *link, int nr, char *err, size_t err_sz)
{
	int i, ret = 0, want = 0;
	bool new_filter = false;

	if (nr >= 512 || (nr >= 0 && (!probe_sc_routable(nr) || probe_exec_nr(nr)))) {
		snprintf(err, err_sz, "syscall %d cannot be traced in process", nr);
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&sc_lock);
	for (i = 0; i < SC_MAX_LINKS; i++)
		if (!atomic_load(&sc_links[i]))
			break;
	if (i == SC_MAX_LINKS) {
		snprintf(err, err_sz, "too many syscall probes");
		ret = -E2BIG;
		goto out;
	}
	sc_init_once();
	if (rewrite_off && nr >= 0 && (trap_only_untrappable(nr) || never_trap(nr))) {
		snprintf(err, err_sz, "syscall %d cannot be traced without rewriting", nr);
		ret = -EOPNOTSUPP;
		goto out;
	}
	/*
	 * The sites of nr rewritten first: a thread of a running process
	 * ("trace --pid") ending meanwhile makes its last syscalls with every
	 * signal blocked, and a trap there was fatal.  Then no filter for nr
	 * when the scans prove that every syscall instruction of the code
	 * mapped can make nr only through a rewritten site (probe_sc_covered;
	 * docs/probes.md, "Filter only where needed"): the kernel's action
	 * cache then proves nr allowed and the trampolines' own calls skip
	 * the filters.  Rewrite-only (USERBPF_SYSCALL_REWRITE_ONLY): never a
	 * filter, whatever the proof says.  Files loaded later are rewritten
	 * (watch_dlopen) in both cases; a filter would not cover them either.
	 */
	if (!rewrite_off) {
		probe_sc_rewrite(nr);
		watch_dlopen();
		if (nr < 0)
			all_routed = true;
		else
			routed[nr] = true;
		if (rewrite_only) {
			snprintf(sc_filter_why, sizeof(sc_filter_why), "rewrite-only");
			goto link;
		}
		if (nr >= 0 && never_trap(nr)) { /* seen from rewritten sites only */
			snprintf(sc_filter_why, sizeof(sc_filter_why), "never trapped");
			goto link;
		}
		if (!all_trapped && (nr < 0 || !trapped[nr]) && !filter_always &&
		    !probe_sc_covered(nr, sc_filter_why, sizeof(sc_filter_why))) {
			snprintf(sc_filter_why, sizeof(sc_filter_why), "covered");
			goto link;
		}
	}
	if (rewrite_off)
		snprintf(sc_filter_why, sizeof(sc_filter_why), "trap-only");
	/* a new filter when nr is not trapped yet; the last one allowed
	 * traps every number (see "Filters") */
	if (!all_trapped && (nr < 0 || !trapped[nr])) {
		new_filter = true;
		want = n_filters + 1 >= PROBE_SC_MAX_FILTERS ? -1 : nr; /* < 0: every number */
	}
	/* every number trapped: every static site rewritten, so that an
	 * untraced call there takes the gate, not a signal */
	if (!rewrite_off && (all_trapped || (new_filter && want < 0))) {
		probe_sc_rewrite(-1);
		all_routed = true;
	}
	/* the filter traps execve and execveat too (exec_env_swap): their
	 * sites rewritten first, so that only code the scans could not
	 * rewrite traps them */
	if (new_filter && !rewrite_off) {
		probe_sc_rewrite(SYS_execve);
		probe_sc_rewrite(SYS_execveat);
		routed[SYS_execve] = routed[SYS_execveat] = true;
	}
	if (new_filter) {
		bool *flag = want < 0 ? &all_trapped : &trapped[nr];

		*flag = true; /* dynamic sites make it through the gate from now */
		ret = install_filter(want, err, err_sz);
		if (ret) {
			*flag = false;
			goto out;
		}
		n_filters++;
	}
link:
	if (nr >= 0)
		atomic_fetch_add(&sc_nr_links[nr], 1);
	else
		atomic_fetch_add(&sc_all_links, 1);
	link->sc_nr = nr;
	link->slot = i;
	atomic_store_explicit(&sc_links[i], link, memory_order_release);
	if (atomic_load(&sc_n_slots) <= i)
		atomic_store_explicit(&sc_n_slots, i + 1, memory_order_release);
	atomic_fetch_add(&sc_n_side[link->retprobe], 1);
	if (link->lsm)
		atomic_fetch_add(&sc_n_lsm, 1);
	want_update();
out:
	pthread_mutex_unlock(&sc_lock);
	return ret;
}

/*
 * Code mapped after the attach (dlopen): the dynamic linker calls
 * _dl_debug_state (r_brk of struct r_debug, the debuggers' hook) when its
 * list of objects changes; at RT_CONSISTENT the new files are scanned and
 * their sites rewritten for every number traced (probe_sc_rewrite skips
 * the files it has seen).  The function is a bare "ret": the probe is a
 * breakpoint, a trap per dlopen.
 */
static void on_dl_change(struct probe_pt_regs *regs)
{
	int i;

	(void)regs;
	if (_r_debug.r_state != RT_CONSISTENT)
		return;
	pthread_mutex_lock(&sc_lock);
	if (all_routed) {
		probe_sc_rewrite(-1);
	} else {
		for (i = 0; i < 512; i++)
			if (routed[i])
				probe_sc_rewrite(i);
		if (exit_hooked) {
			probe_sc_rewrite(SYS_exit);
			probe_sc_rewrite(SYS_exit_group);
		}
	}
	pthread_mutex_unlock(&sc_lock);
}

/* Under sc_lock. */
static void watch_dlopen(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	probe_native_uprobe(NULL, "_dl_debug_state", on_dl_change);
}

void probe_syscall_exit_hooks(void)
{
	pthread_mutex_lock(&sc_lock);
	exit_hooked = true;
	want_update();
	if (!rewrite_off && !getenv("USERBPF_SYSCALL_TRAP_ONLY")) {
		probe_sc_rewrite(SYS_exit);
		probe_sc_rewrite(SYS_exit_group);
		watch_dlopen();
	}
	pthread_mutex_unlock(&sc_lock);
}

/*
 * The exec hooks' links changed (exec_hook.c): execve and execveat sites
 * rewritten when a link is attached (routed, so dynamic sites make them
 * through the trampoline; files loaded later too), the want bytes
 * rewritten either way.
 */
void probe_syscall_exec_links_changed(int nr, bool attached)
{
	pthread_mutex_lock(&sc_lock);
	sc_init_once();
	if (attached && !rewrite_off && nr >= 0 && nr < 512) {
		probe_sc_rewrite(nr);
		watch_dlopen();
		routed[nr] = true;
	}
	want_update();
	pthread_mutex_unlock(&sc_lock);
}

const char *probe_sc_filter_why(void)
{
	return sc_filter_why;
}

int probe_sc_filters(void)
{
	int n;

	pthread_mutex_lock(&sc_lock);
	n = n_filters;
	pthread_mutex_unlock(&sc_lock);
	return n;
}

void probe_syscall_detach(struct userbpf_link *link)
{
	int k;

	pthread_mutex_lock(&sc_lock);
	atomic_store(&sc_links[link->slot], NULL);
	atomic_fetch_sub(&sc_n_side[link->retprobe], 1);
	if (link->lsm)
		atomic_fetch_sub(&sc_n_lsm, 1);
	if (link->sc_nr >= 0)
		atomic_fetch_sub(&sc_nr_links[link->sc_nr], 1);
	else
		atomic_fetch_sub(&sc_all_links, 1);
	want_update();
	for (k = 0; k < 2; k++) {
		unsigned old = atomic_fetch_add(&sc_epoch, 1) & 1;

		while (atomic_load(&sc_active[old]))
			sched_yield();
	}
	pthread_mutex_unlock(&sc_lock);
}

void probe_syscall_run_exec(bool exit_side, int nr, struct probe_pt_regs *regs,
			    const uint64_t args[6], int64_t ret)
{
	if (atomic_load_explicit(&sc_all_links, memory_order_relaxed))
		run_side(exit_side, nr, regs, args, ret);
}
