/* SPDX-License-Identifier: MIT */
/*
 * uprobe.c - uprobes and uretprobes inside this process: probe sites (one
 * per patched address, never freed), links (a program at a site), the
 * runs made from the trampolines, and the per-thread records (run
 * sequence, hit counters, shadow stack of return probes).  Architecture-neutral: the back end (x86_64_tramp.c)
 * patches code and calls probe_site_enter() / probe_site_return() with a
 * kernel-layout struct pt_regs.
 *
 * Run path rules (a probe may fire anywhere: inside malloc, a signal
 * handler, userbpf's own map code): no allocation, no lock; a probe that
 * fires while this thread already runs a probe's program is skipped and
 * counted as a miss (the kernel's bpf_prog_active rule).  A program whose
 * run fails (a checked run's bad access, its budget) is stopped for good
 * and reported once; the traced program keeps running.  Detach waits
 * for runs in progress (per-thread run sequences and a membarrier, see
 * struct probe_thread), so a destroyed link is never used again.  The hot
 * path has no locked instruction: runs and hit counts are per thread,
 * run options are copied from a template made at attach.
 *
 * Entry points: userbpf_probe__attach_uprobe(), userbpf_link__destroy().
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "helpers/task_struct.h"
#include "probe_int.h"
#include "util/alloc.h"
#include "util/log.h"

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static struct probe_site *sites;

/* ==== Per-thread state ==== */

/* A pending return: restored when the function returns. */
struct ret_frame {
	uint64_t ret_addr; /* the caller's return address */
	uint64_t sp;	   /* rsp at entry (points at the return address) */
	struct probe_site *site;
};

/*
 * Per-thread record, mmap'ed (never malloc) on a thread's first hit and
 * never freed: a thread that exits leaves it for the next new thread.
 *
 *  - seq: odd while the thread runs a site's links.  It replaces a shared
 *    counter (two locked instructions a hit): the thread writes it with
 *    plain stores; detach clears the link slot, makes every thread run a
 *    full barrier (membarrier PRIVATE_EXPEDITED, or a fence on each run
 *    where that is unavailable), then waits for each odd seq to move.
 *  - hits: hit counts of links by their hit slot, written by this thread
 *    only (no locked add); userbpf_link__hits sums the records.  A slot
 *    is zeroed in every record when its link is destroyed, after the
 *    grace period, before it is reused.
 *  - the shadow stack of return probes.
 */
#define PROBE_HIT_SLOTS 1024
#define SHADOW_BYTES (64 * 1024)
#define SHADOW_MAX (SHADOW_BYTES / sizeof(struct ret_frame))

struct probe_thread {
	_Atomic uint64_t seq;
	_Atomic int used;
	struct probe_thread *next;
	_Atomic uint64_t hits[PROBE_HIT_SLOTS];
	size_t depth;
	struct ret_frame frames[SHADOW_MAX];
};

#define TLS PROBE_TLS
/* NULL: none yet; THREAD_GONE: its key destructor ran (late hits take the
 * shared-counter path) */
static TLS struct probe_thread *thread_rec;
#define THREAD_GONE ((struct probe_thread *)(uintptr_t)1)
TLS int probe_thread_in_probe;
#define thread_in_probe probe_thread_in_probe
/* userbpf_probe__thread_async_cancel: runs with cancellation disabled */
static TLS bool thread_async_cancel;

static _Atomic(struct probe_thread *) thread_list;
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static bool have_membarrier;		       /* registered for MEMBARRIER_CMD_PRIVATE_EXPEDITED */
static uint8_t hit_slot_used[PROBE_HIT_SLOTS]; /* under probe_lock */

static void thread_exit(void *p)
{
	struct probe_thread *t = p;

	thread_rec = THREAD_GONE;
	t->depth = 0;
	/* A thread cancelled asynchronously inside a run (or unwound from
	 * one otherwise) left its sequence odd: it runs nothing now, and the
	 * next thread to take the record must start even (detach waits for
	 * odd sequences to move). */
	if (atomic_load_explicit(&t->seq, memory_order_relaxed) & 1)
		atomic_fetch_add_explicit(&t->seq, 1, memory_order_release);
	atomic_store_explicit(&t->used, 0, memory_order_release);
}

/* In a forked child only the forking thread lives: free the others'
 * records (one may have been inside a run at the fork). */
static void thread_atfork_child(void)
{
	struct probe_thread *t;

	for (t = atomic_load(&thread_list); t; t = t->next) {
		if (t == thread_rec)
			continue;
		atomic_store(&t->seq, 0);
		t->depth = 0;
		atomic_store(&t->used, 0);
	}
}

static void thread_init(void)
{
	pthread_key_create(&thread_key, thread_exit);
	pthread_atfork(NULL, NULL, thread_atfork_child);
	have_membarrier =
		syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

/* The calling thread's record, or NULL (no memory, or the thread is
 * exiting).  Lock-free: claims a free record or pushes a new one. */
static struct probe_thread *thread_get(void)
{
	struct probe_thread *t = thread_rec, *head;

	if (__builtin_expect(t != NULL, 1))
		return t == THREAD_GONE ? NULL : t;
	for (t = atomic_load(&thread_list); t; t = t->next) {
		int zero = 0;

		if (!atomic_load_explicit(&t->used, memory_order_relaxed) &&
		    atomic_compare_exchange_strong(&t->used, &zero, 1))
			break;
	}
	if (!t) {
		t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		if (t == MAP_FAILED)
			return NULL;
		atomic_store(&t->used, 1);
		head = atomic_load(&thread_list);
		do
			t->next = head;
		while (!atomic_compare_exchange_weak(&thread_list, &head, t));
	}
	t->depth = 0;
	thread_rec = t;
	pthread_setspecific(thread_key, t);
	return t;
}

/* Enter / leave a run on this thread's record (see struct probe_thread). */
static inline void thread_run_begin(struct probe_thread *t)
{
	atomic_store_explicit(&t->seq, atomic_load_explicit(&t->seq, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	if (have_membarrier)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

static inline void thread_run_end(struct probe_thread *t)
{
	atomic_store_explicit(&t->seq, atomic_load_explicit(&t->seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

/* ==== Runs ==== */

#define RUN_WHY_SZ 96 /* a failed run's reason */

static void run_prog_link(struct userbpf_link *link, struct probe_pt_regs *regs,
			  struct probe_thread *t);

static void run_link(struct userbpf_link *link, struct probe_pt_regs *regs, struct probe_thread *t)
{
	if (link->native) { /* the probe module's own hook */
		link->native(regs);
		return;
	}
	run_prog_link(link, regs, t);
}

static void count_hit(struct userbpf_link *link, struct probe_thread *t)
{
	if (t && link->hit_slot) {
		_Atomic uint64_t *h = &t->hits[link->hit_slot - 1];

		atomic_store_explicit(h, atomic_load_explicit(h, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&link->hits, 1, memory_order_relaxed);
	}
}

static void run_prog_link(struct userbpf_link *link, struct probe_pt_regs *regs,
			  struct probe_thread *t)
{
	char why[RUN_WHY_SZ];
	struct userbpf_run_opts ro = link->ro_tmpl;
	uint64_t r0;
	int err;

	ro.ctx = regs;
	ro.err_buf = why;

	err = userbpf_prog__run(link->prog, &ro, &r0);
	if (__builtin_expect(err != 0, 0)) {
		/* The kernel would never have loaded it; here it is stopped
		 * (the link stays until destroyed) and reported once. */
		atomic_store(&link->disabled, true);
		atomic_fetch_add_explicit(&link->misses, 1, memory_order_relaxed);
		if (!atomic_exchange(&link->fault_reported, true))
			ub_warn("probe at 0x%llx: program %s failed and is detached: %s\n",
				(unsigned long long)link->site->addr,
				userbpf_prog__name(link->prog), why);
		return;
	}
	count_hit(link, t);
}

/* Run the site's links of one kind; t: this thread's record (NULL: the
 * shared grace counters of the site instead). */
static void run_links(struct probe_site *site, struct probe_pt_regs *regs, bool ret,
		      struct probe_thread *t)
{
	unsigned idx = 0;
	int i, n;

	if (t) {
		thread_run_begin(t);
	} else {
		idx = atomic_load(&site->epoch) & 1;
		atomic_fetch_add(&site->active[idx], 1);
	}
	n = atomic_load_explicit(&site->n_slots, memory_order_acquire);
	for (i = 0; i < n; i++) {
		struct userbpf_link *l =
			atomic_load_explicit(&site->links[i], memory_order_acquire);

		if (l && l->retprobe == ret &&
		    !atomic_load_explicit(&l->disabled, memory_order_relaxed))
			run_link(l, regs, t);
	}
	if (t)
		thread_run_end(t);
	else
		atomic_fetch_sub(&site->active[idx], 1);
}

static void count_miss(struct probe_site *site, bool ret)
{
	unsigned idx = atomic_load(&site->epoch) & 1;
	int i;

	atomic_fetch_add(&site->active[idx], 1);
	for (i = 0; i < PROBE_SITE_MAX_LINKS; i++) {
		struct userbpf_link *l =
			atomic_load_explicit(&site->links[i], memory_order_acquire);

		if (l && l->retprobe == ret)
			atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
	}
	atomic_fetch_sub(&site->active[idx], 1);
}

/*
 * Whether a function's first instruction (its original bytes) comes
 * before its frame is set up: push %rbp, or endbr64.  There, as Linux's
 * is_uprobe_at_func_entry() says, the caller's return address is at sp
 * and not yet in the frame-pointer chain.
 */
static bool at_frame_setup(const uint8_t *code)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

	return code[0] == 0x55 || !memcmp(code, endbr64, sizeof(endbr64));
}

USERBPF_API void userbpf_probe__thread_quiet(bool on)
{
	thread_in_probe = on ? PROBE_THREAD_QUIET : 0;
	probe_pe_thread_quiet(on);
}

USERBPF_API void userbpf_probe__thread_async_cancel(bool on)
{
	thread_async_cancel = on;
}

/* Cancellation off for a run on a thread with asynchronous cancellation
 * (a cancel arriving meanwhile acts at cancel_restore): the old state, or
 * -1 when nothing was changed. */
static inline int cancel_defer(void)
{
	int old = -1;

	if (thread_async_cancel && pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old))
		old = -1;
	return old;
}

static inline void cancel_restore(int old)
{
	if (old < 0)
		return;
	if (old != PTHREAD_CANCEL_ENABLE) {
		pthread_setcancelstate(old, NULL);
		return;
	}
	/* A cancel that came meanwhile acts here, through pthread_testcancel:
	 * glibc 2.36's pthread_setcancelstate, re-enabling an asynchronous
	 * thread with a cancel pending, unwinds it without setting its
	 * result to PTHREAD_CANCELED (pthread_join saw NULL), so the type is
	 * made deferred around the re-enabling. */
	thread_async_cancel = false; /* probes on these calls: no deferral loop */
	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, NULL);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	thread_async_cancel = true;
}

struct quiet_start {
	void *(*fn)(void *);
	void *arg;
	sigset_t mask; /* the thread's, once quiet */
};

static void *quiet_start(void *p)
{
	struct quiet_start qs = *(struct quiet_start *)p;

	free(p);
	userbpf_probe__thread_quiet(true);
	pthread_sigmask(SIG_SETMASK, &qs.mask, NULL);
	return qs.fn(qs.arg);
}

USERBPF_API int userbpf_probe__thread_create_quiet(pthread_t *thread, const pthread_attr_t *attr,
						   void *(*fn)(void *), void *arg,
						   unsigned int flags)
{
	struct quiet_start *qs = malloc(sizeof(*qs));
	sigset_t async, old;
	int err;

	if (!qs)
		return ENOMEM;
	/* not the synchronous ones: blocked, the probe layer's traps
	 * (SIGSYS, SIGTRAP) and faults would kill the process */
	sigfillset(&async);
	sigdelset(&async, SIGSYS);
	sigdelset(&async, SIGTRAP);
	sigdelset(&async, SIGSEGV);
	sigdelset(&async, SIGBUS);
	sigdelset(&async, SIGILL);
	sigdelset(&async, SIGFPE);
	pthread_sigmask(SIG_BLOCK, &async, &old);
	qs->fn = fn;
	qs->arg = arg;
	qs->mask = flags & USERBPF_QUIET_SIGNALS_BLOCKED ? async : old;
	err = pthread_create(thread, attr, quiet_start, qs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		free(qs);
	return err;
}

void probe_site_enter(struct probe_site *site, struct probe_pt_regs *regs)
{
	struct probe_thread *t;
	int cancel_old;

	if (thread_in_probe) {
		if (thread_in_probe == PROBE_THREAD_QUIET)
			return; /* a host's service thread: not traced */
		/* nested (a signal handler, a helper): neither the entry
		 * programs nor the return hook; both count the miss */
		count_miss(site, false);
		if (atomic_load_explicit(&site->n_ret, memory_order_relaxed) &&
		    site->addr == site->func)
			count_miss(site, true);
		return;
	}
	thread_in_probe = 1;
	cancel_old = cancel_defer();
	t = thread_get();
	if (atomic_load_explicit(&site->n_entry, memory_order_relaxed)) {
		/* user stacks of the runs: the probed thread's (task_helpers.c) */
		ub_sample_stack.regs = (const uint64_t *)regs;
		ub_sample_stack.at_entry = site->entry && at_frame_setup(site->orig);
		run_links(site, regs, false, t);
		ub_sample_stack.regs = NULL;
	}
	if (atomic_load_explicit(&site->n_ret, memory_order_relaxed) && site->addr == site->func) {
		if (t && t->depth < SHADOW_MAX) {
			uint64_t *ret_slot = (uint64_t *)(uintptr_t)regs->sp;
			struct ret_frame *f = &t->frames[t->depth];

			f->ret_addr = *ret_slot;
			f->sp = regs->sp;
			f->site = site;
			atomic_signal_fence(memory_order_seq_cst);
			t->depth++;
			*ret_slot = probe_arch_ret_tramp();
		} else {
			count_miss(site, true);
		}
	}
	thread_in_probe = 0;
	cancel_restore(cancel_old); /* a cancel that came acts here */
}

uint64_t probe_site_return(struct probe_pt_regs *regs)
{
	/* a pending return implies a record (pushed by probe_site_enter) */
	struct probe_thread *t = thread_rec;
	struct ret_frame f;
	/* at the return trampoline, rsp = entry rsp + 8 */
	uint64_t entry_sp = regs->sp - 8;
	int cancel_old;

	/* Frames deeper than this one were left without returning (longjmp,
	 * exceptions): drop them. */
	while (t->depth > 1 && t->frames[t->depth - 1].sp < entry_sp)
		t->depth--;
	/* copy, then pop: a signal handler probing in between pushes above */
	f = t->frames[t->depth - 1];
	atomic_signal_fence(memory_order_seq_cst);
	t->depth--;
	regs->ip = f.ret_addr;
	if (thread_in_probe) {
		count_miss(f.site, true);
		return f.ret_addr;
	}
	thread_in_probe = 1;
	cancel_old = cancel_defer();
	ub_sample_stack.regs = (const uint64_t *)regs;
	ub_sample_stack.at_entry = false;
	run_links(f.site, regs, true, t);
	ub_sample_stack.regs = NULL;
	thread_in_probe = 0;
	cancel_restore(cancel_old);
	return f.ret_addr;
}

/* ==== Attach and detach ==== */

/* Wait until no run that may have seen a cleared slot is in progress:
 * the runs on thread records (see struct probe_thread), then those on the
 * site's shared counters. */
static void site_sync(struct probe_site *site)
{
	struct probe_thread *t;
	int k;

	if (have_membarrier)
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	else
		atomic_thread_fence(memory_order_seq_cst);
	for (t = atomic_load(&thread_list); t; t = t->next) {
		uint64_t seq = atomic_load(&t->seq);
		int spins = 0;

		if (t == thread_rec || !(seq & 1))
			continue;
		while (atomic_load(&t->seq) == seq) {
			if (++spins < 64)
				sched_yield();
			else
				usleep(20); /* let a preempted run finish */
		}
	}
	for (k = 0; k < 2; k++) {
		unsigned old = atomic_fetch_add(&site->epoch, 1) & 1;

		int spins = 0;

		while (atomic_load(&site->active[old])) {
			if (++spins < 64)
				sched_yield();
			else
				usleep(20); /* let a preempted run finish */
		}
	}
}

/* A hit slot for a new link (under probe_lock), 0 if none is free (the
 * link then counts on its shared counter). */
static int hit_slot_get(void)
{
	int i;

	for (i = 0; i < PROBE_HIT_SLOTS; i++)
		if (!hit_slot_used[i]) {
			hit_slot_used[i] = 1;
			return i + 1;
		}
	return 0;
}

/* After the grace period of its link: fold the slot's counts away and
 * free it (under probe_lock). */
static void hit_slot_put(int slot)
{
	struct probe_thread *t;

	if (!slot)
		return;
	for (t = atomic_load(&thread_list); t; t = t->next)
		atomic_store_explicit(&t->hits[slot - 1], 0, memory_order_relaxed);
	hit_slot_used[slot - 1] = 0;
}

static struct probe_site *site_find(uint64_t addr)
{
	struct probe_site *s;

	for (s = sites; s; s = s->next)
		if (s->addr == addr)
			return s;
	return NULL;
}

/*
 * A program that calls bpf_get_current_task(_btf) (35, 158): its
 * task_struct layout and images are made now, not on its first run
 * inside the probed code (helpers/task_struct.c).
 */
void probe_link_sc_init(struct userbpf_link *link, struct userbpf_prog *prog,
			const struct userbpf_uprobe_opts *o)
{
	probe_prepare_prog(prog);
	link->prog = probe_prog_get(prog);
	link->cookie = o->cookie;
	link->run_flags = o->run_flags;
	link->trace_fn = o->trace_fn;
	link->trace_cookie = o->trace_cookie;
	{
		USERBPF_OPTS(userbpf_run_opts, ro,
			     .flags = USERBPF_RUN_HOST_READ | USERBPF_RUN_ALLOW_SIGNAL |
				      link->run_flags,
			     .cookie = link->trace_cookie, .trace_fn = link->trace_fn,
			     .attach_cookie = link->cookie);

		link->ro_tmpl = ro; /* syscall_x86_64.c's runs: ctx set per run */
	}
}

void probe_prepare_prog(struct userbpf_prog *prog)
{
	const struct userbpf_insn *in = userbpf_prog__insns(prog);
	size_t i, n = userbpf_prog__insn_cnt(prog);

	for (i = 0; in && i < n; i++)
		if (in[i].code == (USERBPF_JMP | USERBPF_CALL) && in[i].src_reg == 0 &&
		    (in[i].imm == 35 || in[i].imm == 158)) {
			ub_task_prepare(prog);
			return;
		}
}

static void set_err(char *buf, size_t sz, const char *msg)
{
	if (buf && sz)
		snprintf(buf, sz, "%s", msg);
}

static struct userbpf_link *uprobe_attach(struct userbpf_prog *prog,
					  void (*native)(struct probe_pt_regs *regs),
					  const char *binary, const char *func, uint64_t offset,
					  bool retprobe, const struct userbpf_uprobe_opts *opts);

USERBPF_API struct userbpf_link *
userbpf_probe__attach_uprobe(struct userbpf_prog *prog, const char *binary, const char *func,
			     uint64_t offset, bool retprobe, const struct userbpf_uprobe_opts *opts)
{
	return uprobe_attach(prog, NULL, binary, func, offset, retprobe, opts);
}

struct userbpf_link *probe_native_uprobe(const char *binary, const char *func,
					 void (*fn)(struct probe_pt_regs *regs))
{
	return fn ? uprobe_attach(NULL, fn, binary, func, 0, false, NULL) : NULL;
}

struct userbpf_link *probe_native_uprobe_at(uint64_t addr, void (*fn)(struct probe_pt_regs *regs))
{
	return fn ? uprobe_attach(NULL, fn, NULL, NULL, addr, false, NULL) : NULL;
}

static struct userbpf_link *uprobe_attach(struct userbpf_prog *prog,
					  void (*native)(struct probe_pt_regs *regs),
					  const char *binary, const char *func, uint64_t offset,
					  bool retprobe, const struct userbpf_uprobe_opts *opts)
{
	struct userbpf_uprobe_opts o = { 0 };
	struct userbpf_link *link = NULL;
	struct probe_site *site;
	struct probe_sym sym;
	char err[320];
	int ret, i;

	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	err[0] = '\0';
	pthread_once(&thread_once, thread_init);
	if ((!prog && !native) || o.mode > USERBPF_PROBE_BREAKPOINT) {
		snprintf(err, sizeof(err), "invalid arguments");
		ret = -EINVAL;
		goto fail;
	}
	if (retprobe && func && offset) {
		snprintf(err, sizeof(err),
			 "a return probe needs a function entry (offset 0), "
			 "got %s+0x%llx",
			 func ? func : "?", (unsigned long long)offset);
		ret = -EINVAL;
		goto fail;
	}
	ret = probe_sym_resolve(binary, func, offset, &sym, err, sizeof(err));
	if (ret)
		goto fail;
	if (sym.size && offset >= sym.size) {
		snprintf(err, sizeof(err), "offset 0x%llx is past the end of %s (%llu bytes)",
			 (unsigned long long)offset, func, (unsigned long long)sym.size);
		ret = -EINVAL;
		goto fail;
	}
	link = ub_alloc(sizeof(*link));
	if (!link) {
		ret = -ENOMEM;
		goto fail;
	}
	if (prog) {
		probe_prepare_prog(prog);
		link->prog = probe_prog_get(prog);
	}
	link->native = native;
	link->retprobe = retprobe;
	link->cookie = o.cookie;
	link->run_flags = o.run_flags;
	link->trace_fn = o.trace_fn;
	link->trace_cookie = o.trace_cookie;

	pthread_mutex_lock(&probe_lock);
	site = site_find(sym.addr);
	if (site && o.mode && site->mode != (int)o.mode) {
		snprintf(err, sizeof(err), "0x%llx is already probed in the other mode",
			 (unsigned long long)sym.addr);
		ret = -EBUSY;
		goto unlock;
	}
	if (!site) {
		site = ub_alloc(sizeof(*site));
		if (!site) {
			ret = -ENOMEM;
			goto unlock;
		}
		site->addr = sym.addr;
		site->func = sym.start; /* without a name: the address itself */
		site->entry = sym.size && sym.addr == sym.start;
		if (!binary && !func) {
			char name[256];

			/* an address: an entry if it starts a function symbol */
			site->entry = !userbpf_probe__symbolize(sym.addr, name, sizeof(name)) &&
				      strstr(name, "+0x0 (");
		}
		ret = probe_arch_install(site, (int)o.mode, sym.size ? sym.size - offset : 0, err,
					 sizeof(err));
		if (ret) {
			ub_free(site);
			if (func) {
				char tmp[sizeof(err)];

				snprintf(tmp, sizeof(tmp), "cannot probe %s+0x%llx: %s", func,
					 (unsigned long long)offset, err);
				memcpy(err, tmp, sizeof(err));
			}
			goto unlock;
		}
		site->next = sites;
		sites = site;
	}
	for (i = 0; i < PROBE_SITE_MAX_LINKS; i++)
		if (!atomic_load(&site->links[i]))
			break;
	if (i == PROBE_SITE_MAX_LINKS) {
		snprintf(err, sizeof(err), "too many probes at 0x%llx",
			 (unsigned long long)sym.addr);
		ret = -E2BIG;
		goto unlock;
	}
	link->site = site;
	link->slot = i;
	link->hit_slot = hit_slot_get();
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx_size = sizeof(struct probe_pt_regs),
			     .flags = USERBPF_RUN_HOST_READ | USERBPF_RUN_ALLOW_SIGNAL |
				      link->run_flags,
			     .cookie = link->trace_cookie, .trace_fn = link->trace_fn,
			     .attach_cookie = link->cookie, .func_ip = site->addr,
			     .err_buf_sz = RUN_WHY_SZ);

		link->ro_tmpl = ro;
	}
	if (retprobe)
		atomic_fetch_add(&site->n_ret, 1);
	else
		atomic_fetch_add(&site->n_entry, 1);
	atomic_store_explicit(&site->links[i], link, memory_order_release);
	if (atomic_load(&site->n_slots) <= i)
		atomic_store_explicit(&site->n_slots, i + 1, memory_order_release);
	pthread_mutex_unlock(&probe_lock);
	return link;
unlock:
	pthread_mutex_unlock(&probe_lock);
fail:
	if (link) {
		userbpf_prog__put(link->prog);
		ub_free(link);
	}
	if (err[0]) {
		set_err(o.err_buf, o.err_buf_sz, err);
		ub_warn("uprobe: %s\n", err);
	}
	errno = -ret;
	return NULL;
}

USERBPF_API int userbpf_link__destroy(struct userbpf_link *link)
{
	struct probe_site *site;

	if (!link)
		return 0;
	site = link->site;
	if (!site) {
		if (link->pe_kind == PROBE_PE_PERF)
			probe_perf_detach(link);
		else if (link->pe_kind == PROBE_PE_USDT)
			probe_usdt_detach(link);
		else if (link->pe_kind == PROBE_PE_SYSEXEC)
			probe_exec_detach(link);
		else if (link->pe_kind == PROBE_PE_KFUNC)
			probe_kfunc_detach(link);
		else if (link->pe_kind == PROBE_PE_LSM)
			probe_lsm_detach(link);
		else if (link->pe_kind)
			probe_pe_detach(link);
		else
			probe_syscall_detach(link);
		userbpf_prog__put(link->prog);
		ub_free(link);
		return 0;
	}
	pthread_mutex_lock(&probe_lock);
	atomic_store(&site->links[link->slot], NULL);
	if (link->retprobe)
		atomic_fetch_sub(&site->n_ret, 1);
	else
		atomic_fetch_sub(&site->n_entry, 1);
	site_sync(site);
	hit_slot_put(link->hit_slot);
	pthread_mutex_unlock(&probe_lock);
	userbpf_prog__put(link->prog);
	ub_free(link);
	return 0;
}

USERBPF_API uint64_t userbpf_link__hits(const struct userbpf_link *link)
{
	struct userbpf_link *l = (struct userbpf_link *)link;
	struct probe_thread *t;
	uint64_t n;

	if (!l)
		return 0;
	n = atomic_load(&l->hits);
	if (l->hit_slot)
		for (t = atomic_load(&thread_list); t; t = t->next)
			n += atomic_load_explicit(&t->hits[l->hit_slot - 1], memory_order_relaxed);
	return n;
}

USERBPF_API uint64_t userbpf_link__misses(const struct userbpf_link *link)
{
	return link ? atomic_load(&((struct userbpf_link *)link)->misses) : 0;
}

USERBPF_API uint64_t userbpf_link__address(const struct userbpf_link *link)
{
	return link && link->site ? link->site->addr : 0;
}

USERBPF_API int userbpf_link__mode(const struct userbpf_link *link)
{
	return link && link->site ? link->site->mode : -EINVAL;
}

USERBPF_API struct userbpf_link *
userbpf_probe__attach_syscall(struct userbpf_prog *prog, const char *tp,
			      const struct userbpf_uprobe_opts *opts)
{
	struct userbpf_uprobe_opts o = { 0 };
	struct userbpf_link *link;
	char err[256] = "";
	bool exit_side = false, ksys = false;
	int nr = -1, ret, pe = 0;

	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!prog || !tp) {
		errno = EINVAL;
		return NULL;
	}
	if (probe_kfunc_target(tp)) /* kernel functions reached by syscalls */
		return probe_kfunc_attach(prog, tp, &o);
	if (probe_lsm_target(tp)) /* LSM hooks reached by syscalls */
		return probe_lsm_attach(prog, tp, &o);
	if (!strncmp(tp, "syscalls/sys_enter_", 19) || !strncmp(tp, "syscalls/sys_exit_", 18)) {
		exit_side = tp[14] == 'x';
		nr = probe_syscall_nr(tp + (exit_side ? 18 : 19));
		if (nr < 0) {
			snprintf(err, sizeof(err), "no syscall named '%s'",
				 tp + (exit_side ? 18 : 19));
			ret = -ENOENT;
			goto fail;
		}
	} else if (!strncmp(tp, "ksyscall/", 9) || !strncmp(tp, "kretsyscall/", 12)) {
		exit_side = tp[1] == 'r';
		nr = probe_syscall_nr(tp + (exit_side ? 12 : 9));
		ksys = true;
		if (nr < 0) {
			snprintf(err, sizeof(err), "no syscall named '%s'",
				 tp + (exit_side ? 12 : 9));
			ret = -ENOENT;
			goto fail;
		}
	} else if (!strcmp(tp, "sys_enter") || !strcmp(tp, "sys_exit")) {
		exit_side = tp[5] == 'x';
	} else if (!strcmp(tp, "raw_syscalls/sys_enter") || !strcmp(tp, "raw_syscalls/sys_exit")) {
		exit_side = tp[18] == 'x';
		nr = -2;
	} else if (!(pe = probe_pe_kind(tp))) {
		snprintf(err, sizeof(err), "unknown tracepoint '%s'", tp);
		ret = -ENOENT;
		goto fail;
	}
	link = ub_alloc(sizeof(*link));
	if (!link) {
		ret = -ENOMEM;
		goto fail;
	}
	probe_link_sc_init(link, prog, &o);
	link->retprobe = exit_side;
	link->ksys = ksys;
	ret = pe		? probe_pe_attach(link, pe, err, sizeof(err)) :
	      probe_exec_nr(nr) ? probe_exec_attach(link, nr, err, sizeof(err)) :
				  probe_syscall_attach(link, nr, err, sizeof(err));
	if (!ret)
		return link;
	userbpf_prog__put(link->prog);
	ub_free(link);
fail:
	set_err(o.err_buf, o.err_buf_sz, err);
	if (err[0])
		ub_warn("syscall probe: %s\n", err);
	errno = -ret;
	return NULL;
}

USERBPF_API struct userbpf_link *
userbpf_probe__attach_tracepoint(struct userbpf_prog *prog, const char *category, const char *name,
				 const struct userbpf_uprobe_opts *opts)
{
	char tp[160];

	if (!category || !name ||
	    (size_t)snprintf(tp, sizeof(tp), "%s/%s", category, name) >= sizeof(tp)) {
		errno = EINVAL;
		return NULL;
	}
	return userbpf_probe__attach_syscall(prog, tp, opts);
}
