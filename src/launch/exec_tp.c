/* SPDX-License-Identifier: MIT */
/*
 * exec_tp.c - the syscall tracepoints of execve and execveat under
 * launch.  The probe layer cannot trap execve (its handler would run in
 * a signal frame the new image never returns to), so the interposer
 * fires them itself around the libc calls it wraps (execve, execv,
 * execvp, execvpe in interpose.c): sys_enter_* with the kernel's record
 * (filename, argv, envp in args[0..2]) before each attempt, sys_exit_*
 * with -errno after a failed one, and, after a successful one,
 * sys_exit_execve with 0 in the new image once it has joined its domain
 * (its programs attached: launch_exec_tp_image), in the new comm as in
 * the kernel.
 * Execs libc makes internally (posix_spawn, system, popen: its own
 * execve in a cloned child) fire sys_enter_execve in the new image
 * instead (launch_exec_tp_image): only the attempt that succeeded is seen
 * (posix_spawnp's failed PATH entries are not).
 *
 * Attachments are entries of a small table, handed out as opaque link
 * pointers (launch_link_destroy tells them from the probe layer's links).
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "userbpf/probe.h"
#include "userbpf/vm.h"

#define EXEC_TP_MAX 64

long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* The kernel's trace_event_raw_sys_enter / trace_event_raw_sys_exit */
struct sc_enter_rec {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	int64_t syscall_nr;
	uint64_t args[6];
};

struct sc_exit_rec {
	uint16_t common_type;
	uint8_t common_flags, common_preempt_count;
	int32_t common_pid;
	int64_t syscall_nr;
	int64_t ret;
};

static struct exec_tp {
	void *prog; /* struct userbpf_prog *, a reference; NULL: free */
	int nr;	    /* SYS_execve / SYS_execveat */
	bool exit_side;
	uint64_t cookie;
	void (*trace_fn)(void *, const char *, size_t);
} tps[EXEC_TP_MAX];
static pthread_mutex_t tp_lock = PTHREAD_MUTEX_INITIALIZER;

bool launch_exec_tp_target(const char *target, int *nr, bool *exit_side)
{
	static const char *const names[] = { "syscalls/sys_enter_execve",
					     "syscalls/sys_exit_execve",
					     "syscalls/sys_enter_execveat",
					     "syscalls/sys_exit_execveat" };
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(target, names[i])) {
			*nr = i < 2 ? SYS_execve : SYS_execveat;
			*exit_side = i & 1;
			return true;
		}
	return false;
}

struct userbpf_link *launch_exec_tp_attach(void *prog, int nr, bool exit_side, uint64_t cookie,
					   void (*trace_fn)(void *, const char *, size_t))
{
	int i;

	pthread_mutex_lock(&tp_lock);
	for (i = 0; i < EXEC_TP_MAX && tps[i].prog; i++)
		;
	if (i < EXEC_TP_MAX)
		tps[i] = (struct exec_tp){ userbpf_prog__get(prog), nr, exit_side, cookie,
					   trace_fn };
	pthread_mutex_unlock(&tp_lock);
	if (i == EXEC_TP_MAX) {
		errno = ENOSPC;
		return NULL;
	}
	return (struct userbpf_link *)(void *)&tps[i];
}

void launch_link_destroy(struct userbpf_link *l)
{
	struct exec_tp *t = (struct exec_tp *)(void *)l;
	void *prog;

	if (!(t >= tps && t < tps + EXEC_TP_MAX)) {
		userbpf_link__destroy(l);
		return;
	}
	pthread_mutex_lock(&tp_lock);
	prog = t->prog;
	t->prog = NULL;
	pthread_mutex_unlock(&tp_lock);
	if (prog)
		userbpf_prog__put(prog);
}

static void run_side(int nr, bool exit_side, void *ctx, size_t size)
{
	int i;

	for (i = 0; i < EXEC_TP_MAX; i++) {
		struct exec_tp t;
		uint64_t r0;

		pthread_mutex_lock(&tp_lock);
		t = tps[i];
		if (t.prog)
			userbpf_prog__get(t.prog);
		pthread_mutex_unlock(&tp_lock);
		if (!t.prog)
			continue;
		if (t.nr == nr && t.exit_side == exit_side) {
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = size,
				     .flags = USERBPF_RUN_HOST_READ | USERBPF_RUN_ALLOW_SIGNAL,
				     .trace_fn = t.trace_fn, .attach_cookie = t.cookie);

			userbpf_prog__run(t.prog, &ro, &r0);
		}
		userbpf_prog__put(t.prog);
	}
}

void launch_exec_tp_enter(int nr, const uint64_t args[6])
{
	struct sc_enter_rec rec = {
		.common_pid = (int32_t)probe_sc_gate(SYS_gettid, 0, 0, 0, 0, 0, 0),
		.syscall_nr = nr,
	};

	memcpy(rec.args, args, sizeof(rec.args));
	run_side(nr, false, &rec, sizeof(rec));
}

void launch_exec_tp_exit(int nr, long ret)
{
	struct sc_exit_rec rec = {
		.common_pid = (int32_t)probe_sc_gate(SYS_gettid, 0, 0, 0, 0, 0, 0),
		.syscall_nr = nr,
		.ret = ret,
	};

	run_side(nr, true, &rec, sizeof(rec));
}

/* Read /proc/PID/comm of pid into comm (16 bytes): false if none. */
static bool comm_of(int pid, char comm[16])
{
	char path[64];
	long fd, n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = probe_sc_gate(SYS_open, (long)(uintptr_t)path, O_RDONLY | O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return false;
	n = probe_sc_gate(SYS_read, fd, (long)(uintptr_t)comm, 15, 0, 0, 0);
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	if (comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	return true;
}

/*
 * The enter of an exec libc made without calling execve (posix_spawn,
 * system, popen run it in a child they cloned): fired here, in the new
 * image, with what the kernel's record holds (the file name as passed:
 * AT_EXECFN, the arguments, the environment) and the comm of the process
 * before the exec (its parent's, as a cloned child has it).
 */
static void enter_from_image(void)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	uint64_t args[6] = { (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)launch_argv,
			     (uint64_t)(uintptr_t)launch_envp };
	char old[16], now[16];
	bool renamed;

	if (!fn || !launch_argv)
		return;
	renamed = comm_of(getppid(), old) && comm_of(getpid(), now) &&
		  !probe_sc_gate(SYS_prctl, PR_SET_NAME, (long)(uintptr_t)old, 0, 0, 0, 0);
	launch_exec_tp_enter(SYS_execve, args);
	if (renamed)
		probe_sc_gate(SYS_prctl, PR_SET_NAME, (long)(uintptr_t)now, 0, 0, 0, 0);
}

void launch_exec_tp_image(void)
{
	if (domain_active() && !domain_exec_take(getpid()))
		enter_from_image();
	launch_exec_tp_exit(SYS_execve, 0);
}
#endif /* USERBPF_LAUNCH */
