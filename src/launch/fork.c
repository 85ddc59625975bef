/* SPDX-License-Identifier: MIT */
/*
 * fork.c - the descriptors a child forked without exec inherits on the
 * domain's objects (maps, programs, BTF objects, links): as on Linux they
 * work in the child (lookups, updates, info, mmap, epoll on a ring
 * buffer) and hold their objects until the child closes them or ends.
 *
 * The hand-over.  Before the fork the parent takes one use of each
 * object for the child (noted under its own pid in the domain's ledger,
 * with a library reference for a map or program), so an object the
 * parent closes right after the fork stays.  The child, first thing after
 * the fork, takes each use over (domain_obj_use_take: now noted under its
 * pid, given back when it exits or dies) and wraps the inherited
 * descriptor into an object of its own (launch_fork_install: a library
 * handle of its own over the shared object).  It reports each use through
 * a pipe, one byte an object ('y' taken, 'n' not: the ledger was full);
 * the parent reads them before fork() returns and gives back what the
 * child did not take: refused, or never reached because the child died
 * first (end of file).  A child that is stopped before it reports leaves
 * the rest under the parent's pid (taken over later, or given back when
 * the parent ends) after a bounded wait.
 *
 * Only in a domain: a private object space is the process's own (the
 * child's descriptors there are left alone, table.c).
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "userbpf/map.h"
#include "userbpf/vm.h"

/* the probe layer's syscall gate: the hand-over's own calls are never
 * seen by syscall tracepoints */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* A parent waits this long for its child's report. */
#define FORK_REPORT_MS 2000
#define FORK_OBJS 4096

/* the objects of the fork under way (fork_lock held from before to after
 * in the parent; the child has its copy) */
static pthread_mutex_t fork_lock = PTHREAD_MUTEX_INITIALIZER;
static int fork_fds[FORK_OBJS], fork_kinds[FORK_OBJS];
static void *fork_recs[FORK_OBJS];
static int fork_n, fork_parent, fork_pipe[2] = { -1, -1 };

/* One use of rec (lobj kind) for the child: false when none was taken. */
static bool take_for_child(int kind, void *rec)
{
	int dk = lobj_dom_kind(kind);

	/* the library reference first, then its note (a kill between the
	 * two leaks it rather than dropping it twice) */
	if (kind == LOBJ_MAP)
		userbpf_map__get(rec);
	else if (kind == LOBJ_PROG)
		userbpf_prog__get(rec);
	if (domain_obj_use(dk, rec))
		return true;
	if (kind == LOBJ_MAP || kind == LOBJ_PROG)
		domain_obj_put(dk, rec);
	return false;
}

/* Give back the use taken for the child (un-noted, then its reference). */
static void give_back(int kind, void *rec)
{
	int dk = lobj_dom_kind(kind);

	domain_obj_unuse(dk, rec);
	if (kind == LOBJ_MAP || kind == LOBJ_PROG)
		domain_obj_put(dk, rec);
}

static void close_pipe(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (fork_pipe[i] >= 0)
			probe_sc_gate(SYS_close, fork_pipe[i], 0, 0, 0, 0, 0);
	fork_pipe[0] = fork_pipe[1] = -1;
}

void launch_fork_before(void)
{
	int i;

	pthread_mutex_lock(&fork_lock);
	fork_n = 0;
	if (!domain_active())
		return;
	fork_n = lobj_shared(fork_fds, fork_kinds, fork_recs, FORK_OBJS);
	fork_parent = getpid();
	launch_in_lib++;
	for (i = 0; i < fork_n; i++)
		if (!take_for_child(fork_kinds[i], fork_recs[i]))
			fork_recs[i] = NULL;
	launch_in_lib--;
	if (fork_n && probe_sc_gate(SYS_pipe2, (long)(uintptr_t)fork_pipe, O_CLOEXEC, 0, 0, 0, 0))
		fork_pipe[0] = fork_pipe[1] = -1;
}

/* In the child: take the uses over, one report byte each. */
static void child_takes(void)
{
	int i;

	if (fork_pipe[0] >= 0)
		probe_sc_gate(SYS_close, fork_pipe[0], 0, 0, 0, 0, 0);
	fork_pipe[0] = -1;
	/* what it allocates for them (a BTF object's copy, handles) is
	 * its own: freed if it dies or execs without closing them */
	domain_private_begin();
	for (i = 0; i < fork_n; i++) {
		int kind = fork_kinds[i];
		bool ok;

		if (!fork_recs[i])
			continue;
		ok = domain_obj_use_take(lobj_dom_kind(kind), fork_recs[i], fork_parent);
		/* (a parent gone: what is noted here is ours anyway) */
		if (fork_pipe[1] >= 0)
			probe_sc_gate(SYS_write, fork_pipe[1], (long)(uintptr_t)(ok ? "y" : "n"), 1,
				      0, 0, 0);
		if (ok)
			launch_fork_install(kind, fork_recs[i], fork_fds[i]);
	}
	domain_private_end();
	close_pipe();
}

/* In the parent: read the child's reports, give back what it did not take. */
static void parent_collects(void)
{
	bool eof = false;
	int i = 0;

	if (fork_pipe[1] >= 0)
		probe_sc_gate(SYS_close, fork_pipe[1], 0, 0, 0, 0, 0);
	fork_pipe[1] = -1;
	while (fork_pipe[0] >= 0 && i < fork_n) {
		struct pollfd p = { .fd = fork_pipe[0], .events = POLLIN };
		ssize_t r;
		char c;

		if (!fork_recs[i]) {
			i++;
			continue;
		}
		r = probe_sc_gate(SYS_poll, (long)(uintptr_t)&p, 1, FORK_REPORT_MS, 0, 0, 0);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break; /* stopped: the rest stays under our pid */
		r = probe_sc_gate(SYS_read, fork_pipe[0], (long)(uintptr_t)&c, 1, 0, 0, 0);
		if (r == -EINTR)
			continue;
		if (r != 1) {
			eof = true; /* the child died before the rest */
			break;
		}
		if (c != 'y')
			give_back(fork_kinds[i], fork_recs[i]);
		i++;
	}
	for (; eof && i < fork_n; i++)
		if (fork_recs[i])
			give_back(fork_kinds[i], fork_recs[i]);
	close_pipe();
}

void launch_fork_after(pid_t pid)
{
	int i;

	if (pid == 0) {
		/* the copy of the lock our parent held */
		pthread_mutex_init(&fork_lock, NULL);
		if (fork_n && domain_active())
			child_takes();
		fork_n = 0;
		return;
	}
	launch_in_lib++;
	if (pid < 0) {
		for (i = 0; i < fork_n; i++)
			if (fork_recs[i])
				give_back(fork_kinds[i], fork_recs[i]);
		close_pipe();
	} else if (fork_n) {
		parent_collects();
	}
	launch_in_lib--;
	fork_n = 0;
	pthread_mutex_unlock(&fork_lock);
}
#endif /* USERBPF_LAUNCH */
