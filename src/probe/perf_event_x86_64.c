/* SPDX-License-Identifier: MIT */
/*
 * perf_event_x86_64.c - SEC("perf_event") programs on a CPU-time timer
 * inside this process (x86-64 Linux): the user-space counterpart of
 * perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK) with
 * sample_freq or sample_period, as profilers open it.
 *
 * Mechanism: a POSIX timer per link on the process's CPU clock
 * (CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL), or on one thread's CPU clock
 * with SIGEV_THREAD_ID when a tid is given; it sends SIGPROF every
 * period of CPU time consumed.  Since Linux 6.3 the kernel delivers a
 * process CPU-timer signal to the thread that was running when it
 * expired, so the sample lands on the thread that burned the CPU.  The
 * SIGPROF handler builds the kernel's struct bpf_perf_event_data (the
 * interrupted thread's registers as struct pt_regs, sample_period in ns,
 * addr 0) and runs the program; the stack helpers of a perf_event
 * program start at the interrupted instruction.  A SIGPROF that is not
 * ours goes to the handler installed before.  A link with a CPU keeps
 * only the samples taken while running on that CPU (so one link per CPU,
 * as perf_event_open(pid, cpu) is used, counts each sample once).
 *
 * Run path: no allocation, no lock; a sample that interrupts a probe's
 * program on the same thread is skipped (counted as a miss).  Detach
 * deletes the timer, then waits for runs in progress (grace period);
 * signals still queued for a deleted timer are ignored.
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

/* Timers carry a pointer to their slot: slots outlive links, so a
 * signal queued before a detach finds NULL and is dropped. */
static struct perf_slot {
	_Atomic(struct userbpf_link *) link;
} slots[PERF_MAX_LINKS];
static pthread_mutex_t perf_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned perf_epoch;
static _Atomic long perf_active[2];
static struct sigaction old_prof;
static bool handler_set;

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
		if (l)
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
	if (!handler_set) {
		struct sigaction sa;
		void *warm[4];

		backtrace(warm, 4);

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

void probe_perf_detach(struct userbpf_link *link)
{
	int k;

	pthread_mutex_lock(&perf_lock);
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
