/* SPDX-License-Identifier: MIT */
/*
 * process_events.c - the scheduler's process tracepoints inside this
 * process: sched/sched_process_exec, sched_process_exit and
 * sched_process_fork, with the kernel's record layouts (Linux 6.18's
 * format files: __data_loc strings as u32 (length << 16 | offset), the
 * string bytes after the fixed fields).
 *
 * When they fire (docs/probes.md, "Process events"):
 *   exec  when the host calls userbpf_probe__process_exec() in a freshly
 *         exec'd image, once its programs are attached (the tracing agent
 *         does it in its constructor);
 *   exit  when the host calls userbpf_probe__process_exit() (the agent:
 *         exit() and _exit()); and by itself, while an exit link is
 *         attached, at each thread's exit and at exit_group made through
 *         a rewritten (or, with a syscall tracepoint, trapped) syscall
 *         site (probe_pe_exit_syscall: group_dead when no other thread is
 *         left, or exit_group), and when a signal whose action is the
 *         default one ends the process (a handler installed for those
 *         signals while exit links are attached; exit_code = the signal);
 *         at a group exit every other thread fires its own event first,
 *         on itself (a signal to each: gx_pass below; one that keeps the
 *         signal blocked has it fired by the caller);
 *   fork  in the child, right after fork() returns there (pthread_atfork
 *         child handler, registered with the first fork link): the record
 *         is the kernel's (parent_pid = the parent, child_pid = this
 *         process), but the helpers see the child (the kernel runs it in
 *         the parent); children made without fork() (posix_spawn,
 *         vfork: no atfork handler runs) when the host calls
 *         userbpf_probe__process_fork() in the parent (the agent
 *         interposes posix_spawn, posix_spawnp and vfork); raw clone is
 *         not seen.
 * Programs run with USERBPF_RUN_HOST_READ; detach waits for runs in
 * progress (two-counter grace period, as syscall_x86_64.c).  The events'
 * own syscalls go through the syscall gate: they come at moments the
 * program may have every signal blocked (a shell around vfork), where a
 * trapped syscall would be fatal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers/task_struct.h"
#include "probe_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define PE_MAX_LINKS 64
static pthread_mutex_t pe_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct userbpf_link *) pe_links[PE_MAX_LINKS];
static _Atomic unsigned pe_epoch;
static _Atomic long pe_active[2];
static bool atfork_set;
static _Atomic int n_exit_links;
/* The thread whose exit event fired (a vfork child shares our memory: a
 * tid, not a flag, so its exit does not hide ours). */
static PROBE_TLS int32_t exit_fired_tid;

/* The common fields of every tracepoint record. */
struct pe_common {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
};

/* sched_process_exec: filename (__data_loc) at 8, pid 12, old_pid 16. */
struct pe_exec_rec {
	struct pe_common c;
	uint32_t filename_loc;
	int32_t pid, old_pid;
	char data[4096];
};

/* sched_process_exit: comm[16] at 8, pid 24, prio 28, group_dead 32. */
struct pe_exit_rec {
	struct pe_common c;
	char comm[16];
	int32_t pid, prio;
	uint8_t group_dead;
	uint8_t pad[7];
};

/* sched_process_fork: parent_comm (__data_loc) at 8, parent_pid 12,
 * child_comm (__data_loc) at 16, child_pid 20, strings from 24. */
struct pe_fork_rec {
	struct pe_common c;
	uint32_t parent_comm_loc;
	int32_t parent_pid;
	uint32_t child_comm_loc;
	int32_t child_pid;
	char data[40];
};

_Static_assert(offsetof(struct pe_exec_rec, data) == 20, "exec record layout");
_Static_assert(offsetof(struct pe_exit_rec, group_dead) == 32, "exit record layout");
_Static_assert(offsetof(struct pe_fork_rec, data) == 24, "fork record layout");

int probe_pe_kind(const char *tp)
{
	if (!strcmp(tp, "sched/sched_process_exec"))
		return PROBE_PE_EXEC;
	if (!strcmp(tp, "sched/sched_process_exit"))
		return PROBE_PE_EXIT;
	if (!strcmp(tp, "sched/sched_process_fork"))
		return PROBE_PE_FORK;
	return 0;
}

static int32_t gettid_(void)
{
	return (int32_t)probe_sc_gate(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

static int32_t getpid_(void)
{
	return (int32_t)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

static void comm_of_thread(char comm[16])
{
	memset(comm, 0, 16);
	probe_sc_gate(SYS_prctl, PR_GET_NAME, (long)(uintptr_t)comm, 0, 0, 0, 0);
	comm[15] = '\0';
}

static void run_kind(int kind, void *rec, size_t size)
{
	unsigned idx = atomic_load(&pe_epoch) & 1;
	int i;

	atomic_fetch_add(&pe_active[idx], 1);
	for (i = 0; i < PE_MAX_LINKS; i++) {
		struct userbpf_link *l = atomic_load_explicit(&pe_links[i], memory_order_acquire);
		uint64_t r0;

		if (!l || l->pe_kind != kind || atomic_load(&l->disabled))
			continue;
		{
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = rec, .ctx_size = size,
				     /* an exiting task is not signalled
				      * (bpf_send_signal: -EPERM) */
				     .flags =
					     USERBPF_RUN_HOST_READ | l->run_flags |
					     (kind == PROBE_PE_EXIT ? 0 : USERBPF_RUN_ALLOW_SIGNAL),
				     .cookie = l->trace_cookie, .trace_fn = l->trace_fn,
				     .attach_cookie = l->cookie);

			if (userbpf_prog__run(l->prog, &ro, &r0)) {
				atomic_store(&l->disabled, true);
				atomic_fetch_add(&l->misses, 1);
				if (!atomic_exchange(&l->fault_reported, true))
					ub_warn("process event: program %s failed and is "
						"detached\n",
						userbpf_prog__name(l->prog));
			} else {
				atomic_fetch_add(&l->hits, 1);
			}
		}
	}
	atomic_fetch_sub(&pe_active[idx], 1);
}

/* Put s in a record's dynamic area: the __data_loc word. */
static uint32_t put_str(char *area, size_t room, size_t area_off, const char *s)
{
	size_t n = strnlen(s, room - 1);

	memcpy(area, s, n);
	area[n] = '\0';
	return (uint32_t)((n + 1) << 16 | area_off);
}

USERBPF_API int userbpf_probe__process_exec(const char *filename, int old_pid)
{
	struct pe_exec_rec rec;
	int32_t pid = getpid_();

	if (!filename)
		return -EINVAL;
	memset(&rec, 0, offsetof(struct pe_exec_rec, data));
	rec.c.common_pid = pid;
	rec.pid = pid;
	rec.old_pid = old_pid > 0 ? old_pid : pid;
	rec.filename_loc =
		put_str(rec.data, sizeof(rec.data), offsetof(struct pe_exec_rec, data), filename);
	run_kind(PROBE_PE_EXEC, &rec,
		 offsetof(struct pe_exec_rec, data) + (rec.filename_loc >> 16));
	return 0;
}

/* The calling thread's exit event. */
static void fire_exit(bool group_dead)
{
	struct pe_exit_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.c.common_pid = gettid_();
	exit_fired_tid = rec.c.common_pid;
	comm_of_thread(rec.comm);
	rec.pid = rec.c.common_pid;
	rec.prio = 120; /* nice 0, as the kernel reports a normal task */
	rec.group_dead = group_dead;
	run_kind(PROBE_PE_EXIT, &rec, offsetof(struct pe_exit_rec, pad));
}

/*
 * Another thread's exit event, fired by the caller for it (gx_pass: a
 * thread that kept the pass's signal blocked): the record is that
 * thread's (its tid, its comm from /proc/self/task/TID/comm); the
 * helpers see the caller.
 */
static void fire_exit_for(int32_t tid)
{
	struct pe_exit_rec rec;
	char path[48];
	long got;
	int fd;

	memset(&rec, 0, sizeof(rec));
	rec.c.common_pid = tid;
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	fd = (int)probe_sc_gate(SYS_openat, AT_FDCWD, (long)(uintptr_t)path, O_RDONLY | O_CLOEXEC,
				0, 0, 0);
	if (fd >= 0) {
		got = probe_sc_gate(SYS_read, fd, (long)(uintptr_t)rec.comm, sizeof(rec.comm) - 1,
				    0, 0, 0);
		probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
		if (got > 0 && rec.comm[got - 1] == '\n')
			got--;
		rec.comm[got > 0 ? got : 0] = '\0';
	}
	rec.pid = tid;
	rec.prio = 120;
	rec.group_dead = 0;
	run_kind(PROBE_PE_EXIT, &rec, offsetof(struct pe_exit_rec, pad));
}

/* ==== The other threads of a group exit ==== */

/*
 * When a thread ends the process (exit_group, _exit, a fatal signal, the
 * host's userbpf_probe__process_exit(true)), the kernel fires
 * sched_process_exit once per thread, each on that thread (its pid, its
 * comm; group_dead on the last).  Here the caller signals every other
 * thread of /proc/self/task (SIGRTMAX-4, tgkill); each one's handler
 * fires its own event (group_dead 0), so the helpers
 * (bpf_get_current_pid_tgid, bpf_get_current_comm, bpf_get_current_task)
 * see that thread, as in the kernel, then returns to what it was doing
 * (the exit_group that follows ends it; its later exit fires nothing: the
 * thread's event is marked fired).  The caller waits until every
 * signalled thread has answered or exited (at most GX_TIMEOUT_NS), then
 * fires its own with group_dead.  A thread that blocks the signal
 * (SigBlk of its status) is waited for at most GX_BLOCKED_TIMEOUT_NS
 * (pthread_create blocks every signal for a moment); if it does not
 * unblock by then (or any thread has not answered at GX_TIMEOUT_NS), the
 * caller fires that thread's event for it (fire_exit_for: its record,
 * the caller's helpers), so no event is lost and the wait stays bounded.
 * Each signalled thread's event is claimed once per pass (gx_claimed,
 * indexed as gx_tids), by itself or by the caller, never both.  An
 * application that handles SIGRTMAX-4 itself keeps it, and only the
 * caller's event fires, as before.  Async-signal-safe on both sides
 * (atomics, gate syscalls): the caller may be in a fatal signal's handler.
 */
#define GX_MAX_THREADS 1024
#define GX_TIMEOUT_NS 1000000000ll
#define GX_BLOCKED_TIMEOUT_NS 100000000ll /* a thread that blocks the signal */

static int gx_sig;		      /* 0: the application owns it */
static _Atomic uint32_t gx_gen;	      /* odd while a pass runs */
static _Atomic int gx_running;	      /* one pass at a time */
static _Atomic uint32_t gx_nanswered; /* futex: the caller waits on it */
static int gx_ntids;		      /* entries of gx_tids (atomic builtins) */
/* (gen << 32 | tid) of each thread that answered in this pass */
static _Atomic uint64_t gx_answered[GX_MAX_THREADS];
static pid_t gx_tids[GX_MAX_THREADS]; /* signalled (> 0), exited (0), not waited for (< 0) */
/* gen of the pass in which gx_tids[i]'s event was fired (fire_claim) */
static _Atomic uint32_t gx_claimed[GX_MAX_THREADS];

/* Claim the event of the thread at index i for pass gen: true once. */
static bool fire_claim(int i, uint32_t gen)
{
	return atomic_exchange(&gx_claimed[i], gen) != gen;
}

/* tid's index in gx_tids[0..n), or -1 */
static int gx_index(int32_t tid)
{
	int i, n = __atomic_load_n(&gx_ntids, __ATOMIC_ACQUIRE);

	for (i = 0; i < n && i < GX_MAX_THREADS; i++) {
		int32_t t = __atomic_load_n(&gx_tids[i], __ATOMIC_RELAXED);

		if (t == tid || t == -tid)
			return i;
	}
	return -1;
}

/*
 * Quiet threads (userbpf_probe__thread_quiet: a host's own service
 * threads) have no exit event, and a group exit's pass neither signals
 * nor waits for them (one that blocks every signal, as launch's sync
 * thread, would otherwise cost the pass its 100 ms wait).  A thread is
 * registered by itself; one signalled before it could be (just created)
 * answers without firing once it is.
 */
#define GX_QUIET_MAX 16
static _Atomic int32_t gx_quiet[GX_QUIET_MAX];

static bool gx_is_quiet(int32_t tid)
{
	int i;

	for (i = 0; i < GX_QUIET_MAX; i++)
		if (atomic_load_explicit(&gx_quiet[i], memory_order_acquire) == tid)
			return true;
	return false;
}

void probe_pe_thread_quiet(bool on)
{
	int32_t tid = gettid_(), want = on ? 0 : tid, put = on ? tid : 0;
	int i;

	if (on)
		exit_fired_tid = tid;
	if (on && gx_is_quiet(tid))
		return;
	for (i = 0; i < GX_QUIET_MAX; i++) {
		int32_t cur = want;

		if (atomic_compare_exchange_strong(&gx_quiet[i], &cur, put))
			return;
	}
	/* table full: the thread still fires no exit event of its own */
}

static void gx_handler(int sig, siginfo_t *si, void *uc)
{
	uint32_t gen = atomic_load_explicit(&gx_gen, memory_order_acquire), slot;
	int saved = errno, idx;
	int32_t tid;

	(void)sig, (void)uc;
	if (!(gen & 1) || si->si_code != SI_TKILL || si->si_pid != getpid_())
		goto out; /* a pass that ended, or not ours */
	tid = gettid_();
	idx = gx_index(tid);
	if (exit_fired_tid != tid && !gx_is_quiet(tid) && (idx < 0 || fire_claim(idx, gen)))
		fire_exit(false);
	slot = atomic_fetch_add(&gx_nanswered, 1);
	if (slot < GX_MAX_THREADS)
		atomic_store(&gx_answered[slot], (uint64_t)gen << 32 | (uint32_t)tid);
	probe_sc_gate(SYS_futex, (long)(uintptr_t)&gx_nanswered, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
out:
	errno = saved;
}

/* Take SIGRTMAX-4 unless the application handles it (first exit link). */
static void gx_init(void)
{
	int sig = probe_sig_take(SIGRTMAX - 4, gx_handler);

	if (sig)
		gx_sig = sig;
}

static bool gx_ours(void)
{
	return probe_sig_ours(gx_sig, gx_handler);
}

static int64_t gx_now(void)
{
	struct timespec ts;

	probe_sc_gate(SYS_clock_gettime, CLOCK_MONOTONIC, (long)(uintptr_t)&ts, 0, 0, 0, 0);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether thread tid blocks the pass's signal (SigBlk of its status). */
static bool gx_blocked(int32_t tid)
{
	char path[48], buf[2048];
	long got;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	fd = (int)probe_sc_gate(SYS_openat, AT_FDCWD, (long)(uintptr_t)path, O_RDONLY | O_CLOEXEC,
				0, 0, 0);
	if (fd < 0)
		return false;
	got = probe_sc_gate(SYS_read, fd, (long)(uintptr_t)buf, sizeof(buf) - 1, 0, 0, 0);
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	if (got <= 0)
		return false;
	buf[got] = 0;
	return probe_status_blocks(buf, gx_sig);
}

/* Signal the threads of /proc/self/task not in gx_tids[0..*n) but self;
 * the number signalled. */
static int gx_signal_new(int *n, int32_t self, int32_t pid)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd, added = 0;
	long got;

	fd = (int)probe_sc_gate(SYS_openat, AT_FDCWD, (long)(uintptr_t)"/proc/self/task",
				O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 0;
	while ((got = probe_sc_gate(SYS_getdents64, fd, (long)(uintptr_t)buf, sizeof(buf), 0, 0,
				    0)) > 0) {
		long off;

		for (off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			int32_t tid;

			off += d->d_reclen;
			tid = probe_task_new_tid(d->d_name, self, gx_tids, *n, GX_MAX_THREADS);
			if (!tid || gx_is_quiet(tid))
				continue;
			/* a thread blocking the signal gets it too: it may be
			 * blocked for a moment only (pthread_create blocks every
			 * signal around clone), and is waited for less long */
			if (*n >= GX_MAX_THREADS)
				break;
			/* listed before the signal: its handler looks itself up */
			__atomic_store_n(&gx_tids[*n], gx_blocked(tid) ? -tid : tid,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&gx_ntids, *n + 1, __ATOMIC_RELEASE);
			if (!probe_sc_gate(SYS_tgkill, pid, tid, gx_sig, 0, 0, 0)) {
				(*n)++;
				added++;
			} else {
				__atomic_store_n(&gx_ntids, *n, __ATOMIC_RELEASE);
			}
		}
	}
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	return added;
}

static bool gx_has_answered(uint32_t gen, int32_t tid)
{
	uint32_t i, n = atomic_load(&gx_nanswered);
	uint64_t want = (uint64_t)gen << 32 | (uint32_t)tid;

	for (i = 0; i < n && i < GX_MAX_THREADS; i++)
		if (atomic_load(&gx_answered[i]) == want)
			return true;
	return false;
}

/* Every other thread fires its exit event; returns when each has (or has
 * exited, or the timeout passed).  The task list is re-read until no new
 * thread shows up. */
static void gx_pass(void)
{
	int32_t self = gettid_(), pid = getpid_();
	int64_t deadline = gx_now() + GX_TIMEOUT_NS,
		blocked_deadline = gx_now() + GX_BLOCKED_TIMEOUT_NS;
	uint32_t gen;
	int n = 0, i;

	if (!gx_ours() || atomic_exchange(&gx_running, 1))
		return;
	__atomic_store_n(&gx_ntids, 0, __ATOMIC_RELEASE);
	atomic_store(&gx_nanswered, 0);
	gen = atomic_fetch_add_explicit(&gx_gen, 1, memory_order_acq_rel) + 1;
	for (;;) {
		bool timed_out = false;
		int added = gx_signal_new(&n, self, pid);

		for (;;) {
			uint32_t seen = atomic_load(&gx_nanswered);
			int missing = 0;

			for (i = 0; i < n; i++) {
				int32_t tid = gx_tids[i] < 0 ? -gx_tids[i] : gx_tids[i];

				if (!tid || gx_has_answered(gen, tid))
					continue;
				if (probe_sc_gate(SYS_tgkill, pid, tid, 0, 0, 0, 0) == -ESRCH)
					gx_tids[i] = 0; /* exited */
				else if (gx_tids[i] > 0 || gx_now() < blocked_deadline)
					missing++;
			}
			if (!missing)
				break;
			if (gx_now() > deadline) {
				timed_out = true;
				break;
			}
			probe_sc_gate(SYS_futex, (long)(uintptr_t)&gx_nanswered, FUTEX_WAIT_PRIVATE,
				      seen,
				      (long)(uintptr_t)&(struct timespec){ .tv_nsec = 10000000 }, 0,
				      0);
		}
		if (!added || timed_out)
			break;
	}
	/* the threads that did not answer (blocked past their wait, or past
	 * the pass's): their events, fired here */
	for (i = 0; i < n; i++) {
		int32_t tid = gx_tids[i] < 0 ? -gx_tids[i] : gx_tids[i];

		if (tid && !gx_has_answered(gen, tid) &&
		    probe_sc_gate(SYS_tgkill, pid, tid, 0, 0, 0, 0) != -ESRCH && fire_claim(i, gen))
			fire_exit_for(tid);
	}
	atomic_fetch_add_explicit(&gx_gen, 1, memory_order_acq_rel);
	atomic_store(&gx_running, 0);
}

USERBPF_API int userbpf_probe__process_exit(bool group_dead)
{
	if (group_dead && atomic_load_explicit(&n_exit_links, memory_order_relaxed))
		gx_pass();
	fire_exit(group_dead);
	return 0;
}

/* Threads of this process (/proc/self/task, read without allocating). */
static int threads_alive(void)
{
	char buf[2048];
	int fd = (int)probe_sc_gate(SYS_openat, AT_FDCWD, (long)(uintptr_t)"/proc/self/task",
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0),
	    n = 0;
	long got;

	if (fd < 0)
		return 1;
	while ((got = probe_sc_gate(SYS_getdents64, fd, (long)(uintptr_t)buf, sizeof(buf), 0, 0,
				    0)) > 0) {
		long off = 0;

		while (off < got) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);

			if (d->d_name[0] != '.')
				n++;
			off += d->d_reclen;
		}
	}
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	return n ? n : 1;
}

void probe_pe_exit_syscall(bool group)
{
	if (!atomic_load_explicit(&n_exit_links, memory_order_relaxed) ||
	    exit_fired_tid == gettid_())
		return;
	userbpf_probe__process_exit(group || threads_alive() <= 1);
}

/* libc's _exit(status): exit_group, made by exit() or by the program. */
static void on_libc_exit(struct probe_pt_regs *regs)
{
	(void)regs;
	probe_pe_exit_syscall(true);
}

/* libc's __call_tls_dtors: a thread ends (start_thread, pthread_exit);
 * the main thread calls it from exit() too, which _exit reports. */
static void on_thread_end(struct probe_pt_regs *regs)
{
	(void)regs;
	if (gettid_() != getpid_())
		probe_pe_exit_syscall(false);
}

/* The path of the libc this process runs, or NULL. */
static int libc_cb(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so")) {
		snprintf(ctx, 256, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/*
 * Exits nobody announces: the exit and exit_group syscalls where they
 * are rewritten or trapped, and libc's _exit and __call_tls_dtors, whose
 * syscall sites are not of the rewritable form (entry probes, native
 * hooks of the probe module; they stay).  Once per process.
 */
static void exit_hooks(void)
{
	static bool done;
	char libc[256] = "";

	if (done)
		return;
	done = true;
	probe_syscall_exit_hooks();
	gx_init();
	dl_iterate_phdr(libc_cb, libc);
	if (libc[0]) {
		probe_native_uprobe(libc, "_exit", on_libc_exit);
		probe_native_uprobe(libc, "__call_tls_dtors", on_thread_end);
	}
}

/* ==== Death by a signal ==== */

/* Signals whose default action ends the process (not the ones the probe
 * module itself uses: SIGTRAP, SIGPROF, SIGSYS). */
static const int fatal_sigs[] = { SIGHUP,  SIGINT,    SIGQUIT, SIGILL,	SIGABRT,  SIGBUS,  SIGFPE,
				  SIGUSR1, SIGSEGV,   SIGUSR2, SIGPIPE, SIGALRM,  SIGTERM, SIGXCPU,
				  SIGXFSZ, SIGVTALRM, SIGIO,   SIGPWR,	SIGSTKFLT };
#define N_FATAL (sizeof(fatal_sigs) / sizeof(fatal_sigs[0]))
static bool fatal_ours[N_FATAL];
static void (*_Atomic fatal_hook)(int sig);

/*
 * A signal that would end the process arrived while it had the default
 * action: the exit event (task->exit_code = the signal, as the kernel's),
 * then the agent's hook (its last map snapshot), then the default action
 * (SA_RESETHAND put it back): a fault returns to the faulting
 * instruction, another signal is raised again.
 */
static void fatal_handler(int sig, siginfo_t *si, void *uc)
{
	void (*hook)(int) = atomic_load(&fatal_hook);

	(void)uc;
	ub_task_exit_code = (uint32_t)sig;
	if (exit_fired_tid != gettid_())
		userbpf_probe__process_exit(true);
	if (hook)
		hook(sig);
	if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) && si &&
	    si->si_code > 0)
		return;
	probe_sc_gate(SYS_tgkill, getpid_(), gettid_(), sig, 0, 0, 0);
}

static void fatal_install(bool on)
{
	size_t i;

	for (i = 0; i < N_FATAL; i++) {
		struct sigaction sa, old;

		if (sigaction(fatal_sigs[i], NULL, &old))
			continue;
		if (on && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = fatal_handler;
			sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER | SA_ONSTACK;
			sigemptyset(&sa.sa_mask);
			fatal_ours[i] = !sigaction(fatal_sigs[i], &sa, NULL);
		} else if (!on && fatal_ours[i]) {
			if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == fatal_handler)
				signal(fatal_sigs[i], SIG_DFL);
			fatal_ours[i] = false;
		}
	}
}

void probe_pe_set_fatal_hook(void (*fn)(int sig))
{
	pthread_mutex_lock(&pe_lock);
	atomic_store(&fatal_hook, fn);
	fatal_install(fn || atomic_load(&n_exit_links));
	pthread_mutex_unlock(&pe_lock);
}

/* pthread_atfork child handler: the fork event, in the child. */
static void fire_fork(void)
{
	struct pe_fork_rec rec;
	char comm[20];
	size_t off = offsetof(struct pe_fork_rec, data);

	memset(&rec, 0, sizeof(rec));
	comm_of_thread(comm);
	rec.c.common_pid = (int32_t)probe_sc_gate(SYS_getppid, 0, 0, 0, 0, 0, 0);
	rec.parent_pid = rec.c.common_pid;
	rec.child_pid = getpid_();
	rec.parent_comm_loc = put_str(rec.data, 20, off, comm);
	rec.child_comm_loc = put_str(rec.data + 20, 20, off + 20, comm);
	run_kind(PROBE_PE_FORK, &rec, sizeof(rec));
}

USERBPF_API int userbpf_probe__process_fork(int child_pid)
{
	struct pe_fork_rec rec;
	char comm[20];
	size_t off = offsetof(struct pe_fork_rec, data);

	if (child_pid <= 0)
		return -EINVAL;
	memset(&rec, 0, sizeof(rec));
	comm_of_thread(comm);
	rec.c.common_pid = gettid_();
	rec.parent_pid = rec.c.common_pid;
	rec.child_pid = child_pid;
	rec.parent_comm_loc = put_str(rec.data, 20, off, comm);
	rec.child_comm_loc = put_str(rec.data + 20, 20, off + 20, comm);
	run_kind(PROBE_PE_FORK, &rec, sizeof(rec));
	return 0;
}

int probe_pe_attach(struct userbpf_link *link, int kind, char *err, size_t err_sz)
{
	int i, ret = 0;

	pthread_mutex_lock(&pe_lock);
	for (i = 0; i < PE_MAX_LINKS; i++)
		if (!atomic_load(&pe_links[i]))
			break;
	if (i == PE_MAX_LINKS) {
		snprintf(err, err_sz, "too many process-event probes");
		ret = -E2BIG;
		goto out;
	}
	if (kind == PROBE_PE_FORK && !atfork_set) {
		ret = -pthread_atfork(NULL, NULL, fire_fork);
		if (ret) {
			snprintf(err, err_sz, "pthread_atfork: %s", strerror(-ret));
			goto out;
		}
		atfork_set = true;
	}
	if (kind == PROBE_PE_EXIT && atomic_fetch_add(&n_exit_links, 1) == 0) {
		exit_hooks();
		fatal_install(true);
	}
	link->pe_kind = kind;
	link->slot = i;
	atomic_store_explicit(&pe_links[i], link, memory_order_release);
out:
	pthread_mutex_unlock(&pe_lock);
	return ret;
}

void probe_pe_detach(struct userbpf_link *link)
{
	int k;

	pthread_mutex_lock(&pe_lock);
	atomic_store(&pe_links[link->slot], NULL);
	if (link->pe_kind == PROBE_PE_EXIT && atomic_fetch_sub(&n_exit_links, 1) == 1 &&
	    !atomic_load(&fatal_hook))
		fatal_install(false);
	for (k = 0; k < 2; k++) {
		unsigned old = atomic_fetch_add(&pe_epoch, 1) & 1;

		while (atomic_load(&pe_active[old]))
			sched_yield();
	}
	pthread_mutex_unlock(&pe_lock);
}
