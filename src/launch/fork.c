/* SPDX-License-Identifier: MIT */
/*
 * fork.c - the descriptors a child forked without exec inherits on the
 * domain's objects (maps, programs, BTF objects, links): as on Linux they
 * work in the child (lookups, updates, info, mmap, epoll on a ring
 * buffer) and hold their objects until the child closes them or ends.
 *
 * The hand-over.  Before the fork the parent takes one use of each
 * object for the child (with a library reference for a map or program),
 * noted in the domain's ledger as in flight (domain_obj_use_fork), so an
 * object the parent closes right after the fork stays; once fork returned
 * the child's pid it names them in flight to that child
 * (domain_fork_handed) and goes on: it never waits for the child, and
 * exits at once if it likes.  The child, first thing after the fork,
 * takes each use over (domain_obj_use_take: now noted under its pid,
 * given back when it exits or dies) and wraps the inherited descriptor
 * into an object of its own (launch_fork_install: a library handle of its
 * own over the shared object).  A use it cannot take (the ledger cannot
 * grow) stays in flight, and its descriptor is left alone; what a child
 * that died first did not take is given back by domain_reap.  A parent
 * killed between its fork and naming the uses the child's leaves them in
 * flight under its pid, which the child takes all the same: from before
 * the fork until the uses are named (parent) or taken (child), the two
 * hold a lock that tells the reaper to leave them (domain_fork_hold).
 *
 * The child's library tables that point into the arena (its handles, its
 * map id table, its verifier's record) start anew in the child
 * (sync.c): the parent's private blocks stay the parent's, freed when it
 * ends, whether or not the child still runs.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
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

#define FORK_OBJS 4096

/* the objects of the fork under way (its lock held from before to after
 * in the parent; the child has its copy).  The words a child writes
 * share one cache line (one page: each page the child writes is a copy). */
static struct {
	pthread_mutex_t lock;
	int n, parent;
} fork_st __attribute__((aligned(64))) = { .lock = PTHREAD_MUTEX_INITIALIZER };
static int fork_fds[FORK_OBJS], fork_kinds[FORK_OBJS];
static void *fork_recs[FORK_OBJS];
/* This thread's fork took fork_st.lock: it hands objects over (a
 * process that never had a descriptor on the domain's objects forks
 * without the lock, whose page would be copied in parent and child). */
static __thread bool fork_locked;

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
	if (domain_obj_use_fork(dk, rec))
		return true;
	if (kind == LOBJ_MAP || kind == LOBJ_PROG)
		domain_obj_put(dk, rec);
	return false;
}

/* The fork failed: the use taken for the child is given back (taken
 * over from its in-flight note, un-noted, then its reference). */
static void give_back(int kind, void *rec)
{
	int dk = lobj_dom_kind(kind);

	launch_in_lib++;
	if (domain_obj_use_take(dk, rec, -fork_st.parent)) {
		domain_obj_unuse(dk, rec);
		if (kind == LOBJ_MAP || kind == LOBJ_PROG)
			domain_obj_put(dk, rec);
	}
	launch_in_lib--;
}

void launch_fork_before(void)
{
	int i;

	if (fork_locked)
		fork_locked = false;
	if (!domain_active() || !lobj_any())
		return;
	pthread_mutex_lock(&fork_st.lock);
	fork_locked = true;
	fork_st.n = lobj_shared(fork_fds, fork_kinds, fork_recs, FORK_OBJS);
	fork_st.parent = getpid();
	launch_in_lib++;
	for (i = 0; i < fork_st.n; i++)
		if (!take_for_child(fork_kinds[i], fork_recs[i]))
			fork_recs[i] = NULL;
	launch_in_lib--;
	/* held until the uses are named the child's (or taken by it): a
	 * parent killed before leaves them to its child */
	if (fork_st.n)
		domain_fork_hold();
}

/* In the child: take the uses over (from the parent's in-flight note,
 * or from ours when the parent named them for us already). */
static void child_takes(void)
{
	int me = getpid(), i;

	/* what it allocates for them (handles) is its own: freed if it dies
	 * or execs without closing them */
	domain_private_begin();
	for (i = 0; i < fork_st.n; i++) {
		int kind = fork_kinds[i], dk = lobj_dom_kind(kind);

		if (!fork_recs[i])
			continue;
		if (domain_obj_use_take(dk, fork_recs[i], -fork_st.parent) ||
		    domain_obj_use_take(dk, fork_recs[i], -me))
			launch_fork_install(kind, fork_recs[i], fork_fds[i]);
	}
	domain_private_end();
}

void launch_fork_after(pid_t pid)
{
	int i;

	if (pid == 0) {
		/* the copy of our parent's lock (or of another thread's fork
		 * under way, whose objects are not ours) */
		launch_mutex_reset(&fork_st.lock);
		if (fork_locked && fork_st.n) {
			if (domain_active())
				child_takes();
			domain_fork_release();
			fork_st.n = 0;
		}
		/* its own sync thread, now that its descriptors are its own */
		launch_domain_child_start();
		return;
	}
	if (!fork_locked)
		return;
	if (pid < 0) {
		for (i = 0; i < fork_st.n; i++)
			if (fork_recs[i])
				give_back(fork_kinds[i], fork_recs[i]);
	} else if (fork_st.n) {
		domain_fork_handed(pid);
	}
	domain_fork_release();
	fork_st.n = 0;
	pthread_mutex_unlock(&fork_st.lock);
}
#endif /* USERBPF_LAUNCH */
