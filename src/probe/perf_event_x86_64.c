/* SPDX-License-Identifier: MIT */
/*
 * perf_event_x86_64.c - SEC("perf_event") programs sampling this
 * process's CPU time (x86-64 Linux): what perf_event_open(
 * PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK) with sample_freq or
 * sample_period gives a profiler.
 *
 * Mechanism (docs/probes.md, "Profiling"): the kernel's own software
 * cpu-clock event on this process's threads, hrtimer-driven, so the rate
 * is the one asked for (not the scheduler tick's): one event per thread
 * (perf_event_open(pid = tid, cpu = -1); kernel-mode CPU time too where
 * allowed (root, CAP_PERFMON, perf_event_paranoid <= 1), else
 * exclude_kernel: user-mode time, allowed for one's own threads at
 * perf_event_paranoid <= 2 without privilege), each with sigtrap (on overflow the kernel sends SIGTRAP,
 * si_code TRAP_PERF, si_perf_data = the link's token, to the thread that
 * ran: the sample lands on the thread that burned the CPU) and
 * inherit + inherit_thread (threads created later get their own copy of
 * their creator's event, as the process CPU clock covers them; forked
 * children get none, as they get no POSIX timer), remove_on_exec (the
 * image that execs keeps no sampling; sigtrap requires it).  A process
 * link opens one event per thread of /proc/self/task (re-read until no
 * new thread shows up); a thread link (tid) one event, not inherited.
 * A one-CPU link's events count on that CPU only (perf_event_open's cpu),
 * so N per-CPU links cost one signal per sample, not N.
 *
 * Fallback, when perf_event_open is refused (perf_event_paranoid 3,
 * seccomp, no perf support) or USERBPF_PERF_TIMER is set in the
 * environment (or probe_perf_force_timer by tests): a POSIX timer per
 * link on the process's CPU clock (CLOCK_PROCESS_CPUTIME_ID,
 * SIGEV_SIGNAL), or on one thread's CPU clock with SIGEV_THREAD_ID when a
 * tid is given; it sends SIGPROF every period of CPU time consumed, but
 * the kernel checks CPU timers at its tick only (at most HZ samples per
 * second of CPU).  Since Linux 6.3 the kernel delivers a process
 * CPU-timer signal to the thread that was running when it expired.  The
 * refusal is reported once through the log callback.
 *
 * Both handlers build the kernel's struct bpf_perf_event_data (the
 * interrupted thread's registers as struct pt_regs, sample_period in ns,
 * addr 0) and run the program; the stack helpers of a perf_event program
 * start at the interrupted instruction.  A SIGPROF or SIGTRAP that is not
 * ours goes to the handler installed before (the breakpoint handler of
 * x86_64_tramp.c leaves TRAP_PERF signals alone).  A link with a CPU
 * keeps only the samples taken while running on that CPU (so one link per
 * CPU, as perf_event_open(pid, cpu) is used, counts each sample once).
 *
 * Run path: no allocation, no lock; a sample that interrupts a probe's
 * program on the same thread is skipped (counted as a miss).  Detach
 * closes the events (or deletes the timer), then waits for runs in
 * progress (grace period); signals still queued for them are ignored
 * (their slot is empty, or its generation moved on).
 */
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "probe_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define PERF_MAX_LINKS 64

/* struct bpf_perf_event_data: regs, then sample_period and addr. */
struct perf_ctx {
	struct probe_pt_regs regs;
	uint64_t sample_period;
	uint64_t addr;
};

/*
 * Timers carry a pointer to their slot, events a token naming it (magic,
 * the slot's generation, its index): slots outlive links, so a signal
 * queued before a detach finds NULL (or another generation) and is
 * dropped.  fds/tids: the link's events (perf path; nfds 0 on timers).
 */
static struct perf_slot {
	_Atomic(struct userbpf_link *) link;
	_Atomic uint32_t gen;
	_Atomic bool events; /* the link samples with events (not a timer) */
	bool kernel;	     /* its events count kernel-mode time too */
	int *fds;
	pid_t *tids;
	int nfds, cap;
} slots[PERF_MAX_LINKS];
static pthread_mutex_t perf_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned perf_epoch;
static _Atomic long perf_active[2];
static struct sigaction old_prof, old_trap;
static bool handler_set, trap_handler_set;
bool probe_perf_force_timer;
bool probe_perf_user_only;
static _Atomic bool refusal_logged;

#define PE_TOKEN_MAGIC 0x7562ull /* "ub" in the token's top 16 bits */

static uint64_t pe_token(int slot, uint32_t gen)
{
	return PE_TOKEN_MAGIC << 48 | (uint64_t)gen << 16 | (uint64_t)slot;
}

/* siginfo's si_perf_data (the kernel's _sigfault._perf._data: after
 * si_addr; glibc's siginfo_t does not name it). */
static uint64_t si_perf_data(const siginfo_t *si)
{
	uint64_t v;

	memcpy(&v, (const char *)&si->si_addr + sizeof(void *), sizeof(v));
	return v;
}

static void regs_from_uc(struct probe_pt_regs *r, const ucontext_t *uc)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	r->r15 = (uint64_t)g[REG_R15], r->r14 = (uint64_t)g[REG_R14];
	r->r13 = (uint64_t)g[REG_R13], r->r12 = (uint64_t)g[REG_R12];
	r->bp = (uint64_t)g[REG_RBP], r->bx = (uint64_t)g[REG_RBX];
	r->r11 = (uint64_t)g[REG_R11], r->r10 = (uint64_t)g[REG_R10];
	r->r9 = (uint64_t)g[REG_R9], r->r8 = (uint64_t)g[REG_R8];
	r->ax = (uint64_t)g[REG_RAX], r->cx = (uint64_t)g[REG_RCX];
	r->dx = (uint64_t)g[REG_RDX], r->si = (uint64_t)g[REG_RSI];
	r->di = (uint64_t)g[REG_RDI], r->orig_ax = (uint64_t)-1;
	r->ip = (uint64_t)g[REG_RIP], r->cs = 0x33;
	r->flags = (uint64_t)g[REG_EFL], r->sp = (uint64_t)g[REG_RSP], r->ss = 0x2b;
}

#define SAMPLE_FRAMES 192

/*
 * Unwind this thread from here through the signal frame (unwind tables,
 * so code without frame pointers unwinds too) and keep the frames from
 * the interrupted instruction on for the stack helpers.  The unwinder is
 * warmed up at attach (its first use loads libgcc_s).
 */
static void unwind_interrupted(void **sample_frames, uint64_t ip)
{
	int n = backtrace(sample_frames, SAMPLE_FRAMES), i;

	for (i = 0; i < n; i++)
		if ((uint64_t)(uintptr_t)sample_frames[i] == ip) {
			ub_sample_stack.ips = (const uint64_t *)(sample_frames + i);
			ub_sample_stack.n = (unsigned)(n - i);
			return;
		}
	ub_sample_stack.n = 0;
}

static void run_sample(struct userbpf_link *l, const ucontext_t *uc)
{
	struct perf_ctx ctx;
	void *frames[SAMPLE_FRAMES]; /* the unwound stack, during the run */
	uint64_t r0;

	if (l->cpu >= 0 && sched_getcpu() != l->cpu)
		return;
	if (probe_thread_in_probe == PROBE_THREAD_QUIET)
		return; /* a host's service thread: not sampled */
	if (probe_thread_in_probe || atomic_load_explicit(&l->disabled, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
		return;
	}
	regs_from_uc(&ctx.regs, uc);
	ctx.sample_period = l->period_ns;
	ctx.addr = 0;
	probe_thread_in_probe = 1;
	unwind_interrupted(frames, ctx.regs.ip); /* a few µs: samples are rare */
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &ctx, .ctx_size = sizeof(ctx),
			     .flags = USERBPF_RUN_HOST_READ | USERBPF_RUN_ALLOW_SIGNAL |
				      l->run_flags,
			     .cookie = l->trace_cookie, .trace_fn = l->trace_fn,
			     .attach_cookie = l->cookie);

		if (userbpf_prog__run(l->prog, &ro, &r0)) {
			atomic_store(&l->disabled, true);
			atomic_fetch_add(&l->misses, 1);
		} else {
			atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
		}
	}
	ub_sample_stack.n = 0;
	probe_thread_in_probe = 0;
}

static void sigprof_handler(int sig, siginfo_t *si, void *uc)
{
	struct perf_slot *slot = si->si_value.sival_ptr;
	int saved_errno = errno;

	if (si->si_code == SI_TIMER && slot >= slots && slot < slots + PERF_MAX_LINKS) {
		unsigned idx = atomic_load(&perf_epoch) & 1;
		struct userbpf_link *l;

		atomic_fetch_add(&perf_active[idx], 1);
		l = atomic_load_explicit(&slot->link, memory_order_acquire);
		if (l && !atomic_load(&slot->events)) /* not a later event link */
			run_sample(l, uc);
		atomic_fetch_sub(&perf_active[idx], 1);
		errno = saved_errno;
		return;
	}
	errno = saved_errno;
	if (old_prof.sa_flags & SA_SIGINFO) {
		if (old_prof.sa_sigaction)
			old_prof.sa_sigaction(sig, si, uc);
	} else if (old_prof.sa_handler != SIG_IGN && old_prof.sa_handler != SIG_DFL) {
		old_prof.sa_handler(sig);
	}
}

static void sigtrap_handler(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;

	if (si->si_code == PROBE_TRAP_PERF) {
		uint64_t tok = si_perf_data(si);
		uint32_t i = (uint32_t)(tok & 0xffff);

		if (tok >> 48 == PE_TOKEN_MAGIC && i < PERF_MAX_LINKS) {
			unsigned idx = atomic_load(&perf_epoch) & 1;
			struct userbpf_link *l;

			atomic_fetch_add(&perf_active[idx], 1);
			l = atomic_load_explicit(&slots[i].link, memory_order_acquire);
			if (l && atomic_load(&slots[i].gen) == (uint32_t)(tok >> 16))
				run_sample(l, uc);
			atomic_fetch_sub(&perf_active[idx], 1);
			errno = saved_errno;
			return;
		}
	}
	errno = saved_errno;
	if (old_trap.sa_flags & SA_SIGINFO) {
		if (old_trap.sa_sigaction)
			old_trap.sa_sigaction(sig, si, uc);
		return;
	}
	if (old_trap.sa_handler == SIG_IGN)
		return;
	if (old_trap.sa_handler != SIG_DFL) {
		old_trap.sa_handler(sig);
		return;
	}
	if (si->si_code == PROBE_TRAP_PERF)
		return; /* a stray event's: the default action would end us */
	signal(SIGTRAP, SIG_DFL);
	raise(SIGTRAP);
}

/* One cpu-clock event on thread tid (inherited by the threads it creates
 * when inherit), counting on CPU cpu only (-1: any), user-mode time only
 * or kernel-mode time too: its fd, or -errno. */
static int pe_open(pid_t tid, int cpu, bool inherit, uint64_t period_ns, uint64_t token,
		   bool user_only)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = period_ns;
	a.inherit = inherit;
	a.inherit_thread = inherit;
	a.remove_on_exec = 1;
	a.sigtrap = 1;
	a.sig_data = token;
	/*
	 * Kernel-mode time too where allowed (root, CAP_PERFMON,
	 * perf_event_paranoid <= 1): a thread busy in syscalls is sampled.
	 * A sample taken in kernel mode is signalled through task_work as
	 * the thread returns to user space (TIF_NOTIFY_RESUME, not a pending
	 * signal: the syscall is not interrupted, no EINTR), so its
	 * registers are the user registers after the syscall.  Otherwise
	 * (paranoid 2 allows user-mode time unprivileged) user time only.
	 */
	a.exclude_kernel = user_only;
	a.exclude_hv = 1;
	/* the gate: a host that serves perf_event_open to its program
	 * (src/launch) interposes syscall() */
	return (int)probe_sc_gate(SYS_perf_event_open, (long)(uintptr_t)&a, tid, cpu, -1,
				  PERF_FLAG_FD_CLOEXEC, 0);
}

static void pe_close_all(struct perf_slot *s)
{
	int k;

	for (k = 0; k < s->nfds; k++)
		probe_sc_gate(SYS_close, s->fds[k], 0, 0, 0, 0, 0);
	free(s->fds);
	free(s->tids);
	s->fds = NULL;
	s->tids = NULL;
	s->nfds = s->cap = 0;
}

static int pe_add(struct perf_slot *s, pid_t tid, int fd)
{
	if (s->nfds == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		int *fds = realloc(s->fds, (size_t)cap * sizeof(*fds));
		pid_t *tids;

		if (!fds)
			return -ENOMEM;
		s->fds = fds;
		tids = realloc(s->tids, (size_t)cap * sizeof(*tids));
		if (!tids)
			return -ENOMEM;
		s->tids = tids;
		s->cap = cap;
	}
	s->fds[s->nfds] = fd;
	s->tids[s->nfds++] = tid;
	return 0;
}

static bool pe_has(const struct perf_slot *s, pid_t tid)
{
	int k;

	for (k = 0; k < s->nfds; k++)
		if (s->tids[k] == tid)
			return true;
	return false;
}

/* pe_open for the link in slot s: with kernel-mode time while s->kernel,
 * which a refusal (EACCES, EPERM) clears. */
static int pe_open_one(struct perf_slot *s, pid_t tid, int cpu, bool inherit, uint64_t period_ns,
		       uint64_t token)
{
	int fd = pe_open(tid, cpu, inherit, period_ns, token, !s->kernel);

	if (s->kernel && (fd == -EACCES || fd == -EPERM)) {
		s->kernel = false;
		fd = pe_open(tid, cpu, inherit, period_ns, token, true);
	}
	return fd;
}

/*
 * Open the events of the link in slot s: tid's alone, or one per thread
 * of /proc/self/task (re-read until a pass finds no new thread; a thread
 * that exits meanwhile is skipped).  0, or -errno (nothing left open).
 */
static int pe_open_link(struct perf_slot *s, pid_t tid, int cpu, uint64_t period_ns, uint64_t token)
{
	int ret = 0, added;

	/* kernel-mode time too, unless refused for the first event (then
	 * user-mode time for every event of the link) */
	s->kernel = !probe_perf_user_only && !getenv("USERBPF_PERF_USER_ONLY");
	if (tid > 0) {
		int fd = pe_open_one(s, tid, cpu, false, period_ns, token);

		return fd < 0 ? fd : pe_add(s, tid, fd);
	}
	do {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		if (!d) {
			ret = -errno;
			break;
		}
		added = 0;
		while (!ret && (e = readdir(d))) {
			pid_t t = (pid_t)atoi(e->d_name);
			int fd;

			if (t <= 0 || pe_has(s, t))
				continue;
			fd = pe_open_one(s, t, cpu, true, period_ns, token);
			if (fd == -ESRCH)
				continue; /* gone */
			if (fd < 0)
				ret = fd;
			else if ((ret = pe_add(s, t, fd)))
				probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
			else
				added++;
		}
		closedir(d);
	} while (!ret && added);
	if (!ret && !s->nfds)
		ret = -ESRCH;
	if (ret)
		pe_close_all(s);
	return ret;
}

static bool pe_wanted(void)
{
	return !probe_perf_force_timer && !getenv("USERBPF_PERF_TIMER");
}

/*
 * The perf path for link in slot i: 0 (its events run), 1 (refused: use
 * the timers; reported once), or -errno (a real error: tid not ours).
 */
static int pe_attach(struct userbpf_link *link, int i, int tid, char *err, size_t err_sz)
{
	uint32_t gen = atomic_fetch_add(&slots[i].gen, 1) + 1;
	int ret;

	if (!trap_handler_set) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sigtrap_handler;
		/* SA_NODEFER as the breakpoint handler: an int3 reached with
		 * SIGTRAP blocked would be fatal */
		sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGTRAP, &sa, &old_trap))
			return 1;
		trap_handler_set = true;
	}
	link->slot = i;
	link->timer = NULL;
	atomic_store(&slots[i].events, true);
	atomic_store_explicit(&slots[i].link, link, memory_order_release);
	ret = pe_open_link(&slots[i], tid, link->cpu, link->period_ns, pe_token(i, gen));
	if (!ret)
		return 0;
	atomic_store(&slots[i].link, NULL);
	if (ret == -ESRCH && tid > 0) {
		snprintf(err, err_sz, "perf_event: no thread %d in this process", tid);
		return ret;
	}
	if (!atomic_exchange(&refusal_logged, true))
		ub_warn("perf_event: the kernel's cpu-clock event is refused (%s): sampling on "
			"CPU-time timers, at most the scheduler tick's rate\n",
			strerror(-ret));
	return 1;
}

int probe_perf_attach(struct userbpf_link *link, int tid, char *err, size_t err_sz)
{
	struct sigevent sev;
	struct itimerspec its;
	clockid_t clk = CLOCK_PROCESS_CPUTIME_ID;
	timer_t timer;
	int i, ret = 0;

	pthread_mutex_lock(&perf_lock);
	for (i = 0; i < PERF_MAX_LINKS; i++)
		if (!atomic_load(&slots[i].link))
			break;
	if (i == PERF_MAX_LINKS) {
		snprintf(err, err_sz, "too many perf_event links");
		ret = -E2BIG;
		goto out;
	}
	{
		void *warm[4];

		backtrace(warm, 4); /* the unwinder's first use loads libgcc_s */
	}
	if (pe_wanted()) {
		ret = pe_attach(link, i, tid, err, err_sz);
		if (ret <= 0)
			goto out;
		ret = 0;
	}
	if (!handler_set) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sigprof_handler;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGPROF, &sa, &old_prof)) {
			ret = -errno;
			snprintf(err, err_sz, "sigaction(SIGPROF): %s", strerror(errno));
			goto out;
		}
		handler_set = true;
	}
	memset(&sev, 0, sizeof(sev));
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_ptr = &slots[i];
	if (tid > 0) {
		/* the kernel's MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED) */
		clk = (clockid_t)((~(unsigned)tid << 3) | 4 | 2);
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev._sigev_un._tid = tid;
	} else {
		sev.sigev_notify = SIGEV_SIGNAL;
	}
	if (timer_create(clk, &sev, &timer)) {
		ret = -errno;
		snprintf(err, err_sz, "timer_create(%s CPU clock): %s",
			 tid > 0 ? "thread" : "process", strerror(errno));
		goto out;
	}
	link->slot = i;
	link->timer = timer;
	atomic_store(&slots[i].events, false);
	atomic_store_explicit(&slots[i].link, link, memory_order_release);
	its.it_interval.tv_sec = (time_t)(link->period_ns / 1000000000u);
	its.it_interval.tv_nsec = (long)(link->period_ns % 1000000000u);
	its.it_value = its.it_interval;
	if (timer_settime(timer, 0, &its, NULL)) {
		ret = -errno;
		snprintf(err, err_sz, "timer_settime: %s", strerror(errno));
		atomic_store(&slots[i].link, NULL);
		timer_delete(timer);
	}
out:
	pthread_mutex_unlock(&perf_lock);
	return ret;
}

bool probe_perf_link_kernel(const struct userbpf_link *link)
{
	bool k;

	pthread_mutex_lock(&perf_lock);
	k = atomic_load(&slots[link->slot].link) == link && slots[link->slot].nfds &&
	    slots[link->slot].kernel;
	pthread_mutex_unlock(&perf_lock);
	return k;
}

int probe_perf_link_events(const struct userbpf_link *link)
{
	int n;

	pthread_mutex_lock(&perf_lock);
	n = atomic_load(&slots[link->slot].link) == link ? slots[link->slot].nfds : 0;
	pthread_mutex_unlock(&perf_lock);
	return n;
}

void probe_perf_detach(struct userbpf_link *link)
{
	int k;

	pthread_mutex_lock(&perf_lock);
	if (atomic_load(&slots[link->slot].events))
		pe_close_all(&slots[link->slot]);
	else
		timer_delete((timer_t)link->timer);
	atomic_store(&slots[link->slot].link, NULL);
	for (k = 0; k < 2; k++) {
		unsigned old = atomic_fetch_add(&perf_epoch, 1) & 1;

		while (atomic_load(&perf_active[old]))
			sched_yield();
	}
	pthread_mutex_unlock(&perf_lock);
}

USERBPF_API struct userbpf_link *
userbpf_probe__attach_perf_event(struct userbpf_prog *prog,
				 const struct userbpf_perf_event_opts *opts)
{
	struct userbpf_perf_event_opts o = { 0 };
	struct userbpf_link *link;
	char err[256] = "";
	int ret;

	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!prog || (!o.sample_freq && !o.sample_period) || o.sample_freq > 1000000000u) {
		snprintf(err, sizeof(err),
			 "perf_event: give sample_freq (1..1e9 Hz) or "
			 "sample_period (ns)");
		ret = -EINVAL;
		goto fail;
	}
	link = ub_alloc(sizeof(*link));
	if (!link) {
		ret = -ENOMEM;
		goto fail;
	}
	probe_prepare_prog(prog);
	link->prog = userbpf_prog__get(prog);
	link->pe_kind = PROBE_PE_PERF;
	link->cpu = (o.flags & USERBPF_PERF_ONE_CPU) ? o.cpu : -1;
	link->period_ns = o.sample_freq ? 1000000000u / o.sample_freq : o.sample_period;
	if (!link->period_ns)
		link->period_ns = 1;
	link->cookie = o.cookie;
	link->run_flags = o.run_flags;
	link->trace_fn = o.trace_fn;
	link->trace_cookie = o.trace_cookie;
	ret = probe_perf_attach(link, o.tid, err, sizeof(err));
	if (!ret)
		return link;
	userbpf_prog__put(link->prog);
	ub_free(link);
fail:
	if (o.err_buf && o.err_buf_sz)
		snprintf(o.err_buf, o.err_buf_sz, "%s", err);
	if (err[0])
		ub_warn("perf_event: %s\n", err);
	errno = -ret;
	return NULL;
}
