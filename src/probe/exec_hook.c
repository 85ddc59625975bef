/* SPDX-License-Identifier: MIT */
/*
 * exec_hook.c - the syscall tracepoints of execve and execveat in
 * process: tracepoint/syscalls/sys_enter_execve, sys_exit_execve,
 * sys_enter_execveat, sys_exit_execveat and ksyscall/kretsyscall/kprobe
 * on __x64_sys_execve(at), with the kernel's context layouts.
 *
 * The seccomp path of syscall_x86_64.c cannot trap them (the handler
 * would run in a signal frame the new image never returns to), so they
 * fire from hooks the host calls around its exec calls (the agent's
 * interposed execve family, the launch interposer's): userbpf_probe__
 * exec_enter before each attempt (the kernel's record: the caller's
 * filename, argv and envp pointers in args[], readable by
 * bpf_probe_read_user_str), userbpf_probe__exec_exit with -errno after a
 * failed one, and with 0 in the new image once its programs are
 * attached (the kernel fires sys_exit_execve there too, in the new
 * image).  The links of raw_syscalls/raw sys_enter/sys_exit see them as
 * well (probe_syscall_run_exec).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "probe_int.h"

#define EXEC_MAX_LINKS 32

static pthread_mutex_t ex_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct userbpf_link *) ex_links[EXEC_MAX_LINKS];
static _Atomic unsigned ex_epoch;
static _Atomic long ex_active[2];
/* The arguments of this thread's last exec attempt (the exit side's
 * user registers, as a kretprobe's di points at them). */
static PROBE_TLS uint64_t last_args[6];
/* Links attached (the rewritten sites' want bytes read it). */
static _Atomic int ex_n_links;
/* The attempt the host fired userbpf_probe__exec_enter for on this thread,
 * until its userbpf_probe__exec_exit: its libc call (the agent's
 * syscall(SYS_execve, ...)) reaches a rewritten site, which must not fire
 * it again (probe_exec_site_enter). */
static PROBE_TLS struct {
	int nr; /* 0: none */
	uint64_t file, argv;
} host_pending;

/* The kernel's trace_event_raw_sys_enter / trace_event_raw_sys_exit
 * (events/syscalls/sys_enter_execve/format: __syscall_nr an int at 8). */
struct ex_enter_rec {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	int32_t syscall_nr;
	uint32_t pad;
	uint64_t args[6];
};

struct ex_exit_rec {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	int32_t syscall_nr;
	uint32_t pad;
	int64_t ret;
};

bool probe_exec_nr(int nr)
{
	return nr == SYS_execve || nr == SYS_execveat;
}

int probe_exec_attach(struct userbpf_link *link, int nr, char *err, size_t err_sz)
{
	int i, ret = 0;

	pthread_mutex_lock(&ex_lock);
	for (i = 0; i < EXEC_MAX_LINKS && atomic_load(&ex_links[i]); i++)
		;
	if (i == EXEC_MAX_LINKS) {
		snprintf(err, err_sz, "too many exec probes");
		ret = -E2BIG;
	} else {
		link->pe_kind = PROBE_PE_SYSEXEC;
		link->sc_nr = nr;
		link->slot = i;
		atomic_store_explicit(&ex_links[i], link, memory_order_release);
		atomic_fetch_add(&ex_n_links, 1);
	}
	pthread_mutex_unlock(&ex_lock);
	if (!ret) /* the exec sites rewritten: they fire too */
		probe_syscall_exec_links_changed(nr, true);
	return ret;
}

void probe_exec_detach(struct userbpf_link *link)
{
	int k;

	pthread_mutex_lock(&ex_lock);
	atomic_store(&ex_links[link->slot], NULL);
	atomic_fetch_sub(&ex_n_links, 1);
	probe_syscall_exec_links_changed(link->sc_nr, false);
	for (k = 0; k < 2; k++) {
		unsigned old = atomic_fetch_add(&ex_epoch, 1) & 1;

		while (atomic_load(&ex_active[old]))
			sched_yield();
	}
	pthread_mutex_unlock(&ex_lock);
}

static void run_one(struct userbpf_link *l, void *ctx, size_t size)
{
	struct userbpf_run_opts ro = l->ro_tmpl;
	uint64_t r0;

	ro.ctx = ctx;
	ro.ctx_size = size;
	if (userbpf_prog__run(l->prog, &ro, &r0)) {
		atomic_store(&l->disabled, true);
		atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
	} else
		atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
}

static void run_side(bool exit_side, int nr, const uint64_t args[6], long ret)
{
	unsigned idx = atomic_load(&ex_epoch) & 1;
	int32_t tid = (int32_t)probe_sc_gate(SYS_gettid, 0, 0, 0, 0, 0, 0);
	struct probe_pt_regs u;
	int i;

	/* the user registers at the syscall instruction, as far as known */
	memset(&u, 0, sizeof(u));
	u.di = args[0], u.si = args[1], u.dx = args[2];
	u.r10 = args[3], u.r8 = args[4], u.r9 = args[5];
	u.orig_ax = (uint64_t)nr;
	u.ax = exit_side ? (uint64_t)ret : (uint64_t)-ENOSYS;
	u.cs = 0x33, u.ss = 0x2b;
	/* the hook's caller stands for the syscall site */
	u.ip = (uint64_t)(uintptr_t)__builtin_return_address(0);
	u.sp = u.bp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	atomic_fetch_add(&ex_active[idx], 1);
	/* a probe's program runs: the syscalls of its helpers (and of its
	 * first run's compilation) are not traced, as in syscall_x86_64.c's
	 * runs (a raw link's compile made a traced memfd_create that
	 * compiled again under the arena lock it held: deadlock) */
	probe_thread_in_probe++;
	for (i = 0; i < EXEC_MAX_LINKS; i++) {
		struct userbpf_link *l = atomic_load_explicit(&ex_links[i], memory_order_acquire);

		if (!l || l->retprobe != exit_side || l->sc_nr != nr ||
		    atomic_load_explicit(&l->disabled, memory_order_relaxed))
			continue;
		if (l->ksys) { /* kprobe on __x64_sys_NAME(const struct pt_regs *) */
			struct probe_pt_regs k;

			memset(&k, 0, sizeof(k));
			k.di = (uint64_t)(uintptr_t)&u;
			k.orig_ax = (uint64_t)-1;
			k.ax = exit_side ? (uint64_t)ret : 0;
			k.cs = 0x10;
			k.ss = 0x18;
			run_one(l, &k, sizeof(k));
		} else if (!exit_side) {
			struct ex_enter_rec rec = { .common_pid = tid, .syscall_nr = nr };

			memcpy(rec.args, args, sizeof(rec.args));
			run_one(l, &rec, sizeof(rec));
		} else {
			struct ex_exit_rec rec = { .common_pid = tid,
						   .syscall_nr = nr,
						   .ret = ret };

			run_one(l, &rec, sizeof(rec));
		}
	}
	atomic_fetch_sub(&ex_active[idx], 1);
	/* raw_syscalls and raw sys_enter/sys_exit links (syscall_x86_64.c) */
	probe_syscall_run_exec(exit_side, nr, &u, args, ret);
	probe_thread_in_probe--;
}

bool probe_exec_links(void)
{
	return atomic_load_explicit(&ex_n_links, memory_order_relaxed) > 0;
}

bool probe_exec_site_enter(int nr, const uint64_t args[6])
{
	if (host_pending.nr == nr && host_pending.file == args[0] && host_pending.argv == args[1])
		return false; /* the host's own hooks fire it */
	memcpy(last_args, args, sizeof(last_args));
	run_side(false, nr, args, 0);
	return true;
}

void probe_exec_site_exit(int nr, long ret)
{
	run_side(true, nr, last_args, ret);
}

USERBPF_API int userbpf_probe__exec_enter(int nr, const uint64_t args[6])
{
	if (!probe_exec_nr(nr) || !args)
		return -EINVAL;
	host_pending.nr = nr;
	host_pending.file = args[0];
	host_pending.argv = args[1];
	memcpy(last_args, args, sizeof(last_args));
	run_side(false, nr, args, 0);
	return 0;
}

USERBPF_API int userbpf_probe__exec_exit(int nr, long ret)
{
	if (!probe_exec_nr(nr))
		return -EINVAL;
	host_pending.nr = 0;
	/* the new image (ret 0) has no arguments of the old one's attempt */
	if (!ret)
		memset(last_args, 0, sizeof(last_args));
	run_side(true, nr, last_args, ret);
	return 0;
}
