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
 * a pipe, one byte an object ('y' taken, 'n' not: the ledger was full).
 * fork() returns in the parent at once; the parent reads the reports
 * later (launch_fork_sync: its sync thread, and before it lists objects,
 * parks a link or forks again) and gives back what the child did not
 * take: refused, or never reached because the child died first (end of
 * file).  A parent that exits waits for its children's reports (at most
 * FORK_REPORT_MS each) and leaves the rest under its pid.
 *
 * Only in a domain: a private object space is the process's own (the
 * child's descriptors there are left alone, table.c).
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
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

/* A parent that exits waits this long for a child's reports. */
#define FORK_REPORT_MS 2000
#define FORK_OBJS 4096

/* the objects of the fork under way (fork_lock held from before to after
 * in the parent; the child has its copy) */
static pthread_mutex_t fork_lock = PTHREAD_MUTEX_INITIALIZER;
static int fork_fds[FORK_OBJS], fork_kinds[FORK_OBJS];
static void *fork_recs[FORK_OBJS];
static int fork_n, fork_parent, fork_pipe[2] = { -1, -1 };

/* Children whose reports are still to be read (the parent's list). */
struct pending {
	struct pending *next;
	int rfd;	  /* the pipe's read end */
	int n, next_item; /* items, and the next one to be reported */
	int *kinds;
	void **recs;
};
static pthread_mutex_t pend_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *pend;

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

	launch_in_lib++;
	domain_obj_unuse(dk, rec);
	if (kind == LOBJ_MAP || kind == LOBJ_PROG)
		domain_obj_put(dk, rec);
	launch_in_lib--;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		probe_sc_gate(SYS_close, *fd, 0, 0, 0, 0, 0);
	*fd = -1;
}

void launch_fork_before(void)
{
	int i;

	pthread_mutex_lock(&fork_lock);
	fork_n = 0;
	if (!domain_active())
		return;
	launch_fork_sync(0);
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

	close_fd(&fork_pipe[0]);
	/* what it allocates for them (handles) is its own: freed if it dies
	 * or execs without closing them */
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
	close_fd(&fork_pipe[1]);
}

/*
 * Read the reports of child p, waiting up to wait_ms for each: true when
 * it is done (every item reported, or end of file: what it did not reach
 * is given back); false when its reports are still to come.
 */
static bool collect(struct pending *p, int wait_ms)
{
	while (p->next_item < p->n) {
		struct pollfd pf = { .fd = p->rfd, .events = POLLIN };
		long r;
		char c;

		if (!p->recs[p->next_item]) {
			p->next_item++;
			continue;
		}
		r = probe_sc_gate(SYS_poll, (long)(uintptr_t)&pf, 1, wait_ms, 0, 0, 0);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return false;
		r = probe_sc_gate(SYS_read, p->rfd, (long)(uintptr_t)&c, 1, 0, 0, 0);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r != 1)
			break; /* the child died before the rest */
		if (c != 'y')
			give_back(p->kinds[p->next_item], p->recs[p->next_item]);
		p->next_item++;
	}
	for (; p->next_item < p->n; p->next_item++)
		if (p->recs[p->next_item])
			give_back(p->kinds[p->next_item], p->recs[p->next_item]);
	return true;
}

void launch_fork_sync(int wait_ms)
{
	struct pending **pp, *p;

	if (!__atomic_load_n(&pend, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&pend_lock);
	for (pp = &pend; (p = *pp);) {
		if (!collect(p, wait_ms) && wait_ms <= 0) {
			pp = &p->next;
			continue;
		}
		/* done (or, at exit, waited long enough: the rest stays
		 * under our pid) */
		*pp = p->next;
		close_fd(&p->rfd);
		free(p);
	}
	pthread_mutex_unlock(&pend_lock);
}

/* In the parent: note the child's reports to read. */
static void parent_pends(void)
{
	struct pending *p;
	size_t n = (size_t)fork_n;

	close_fd(&fork_pipe[1]);
	p = malloc(sizeof(*p) + n * (sizeof(int) + sizeof(void *)));
	if (!p) {
		/* cannot follow the child: the uses stay under our pid */
		close_fd(&fork_pipe[0]);
		return;
	}
	p->recs = (void **)(p + 1);
	p->kinds = (int *)(p->recs + n);
	memcpy(p->recs, fork_recs, n * sizeof(void *));
	memcpy(p->kinds, fork_kinds, n * sizeof(int));
	p->n = fork_n;
	p->next_item = 0;
	p->rfd = fork_pipe[0];
	fork_pipe[0] = -1;
	pthread_mutex_lock(&pend_lock);
	p->next = pend;
	__atomic_store_n(&pend, p, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&pend_lock);
}

void launch_fork_after(pid_t pid)
{
	int i;

	if (pid == 0) {
		struct pending *p, *next;

		/* the copies of our parent's lock and list (its children's
		 * reports are its own to read) */
		pthread_mutex_init(&fork_lock, NULL);
		pthread_mutex_init(&pend_lock, NULL);
		for (p = pend; p; p = next) {
			next = p->next;
			close_fd(&p->rfd);
			free(p);
		}
		pend = NULL;
		if (fork_n && domain_active())
			child_takes();
		fork_n = 0;
		/* its own sync thread, now that its descriptors are its own */
		launch_domain_child_start();
		return;
	}
	if (pid < 0) {
		for (i = 0; i < fork_n; i++)
			if (fork_recs[i])
				give_back(fork_kinds[i], fork_recs[i]);
		close_fd(&fork_pipe[0]);
		close_fd(&fork_pipe[1]);
	} else if (fork_n) {
		parent_pends();
	}
	fork_n = 0;
	pthread_mutex_unlock(&fork_lock);
}
#endif /* USERBPF_LAUNCH */
