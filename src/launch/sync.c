/* SPDX-License-Identifier: MIT */
/*
 * sync.c - a launched process inside a domain: joining it at startup
 * (USERBPF_DOMAIN_ARENA, set by "userbpf launch --domain"), the
 * library's allocator moved into the arena, and the attachments other
 * processes of the domain made: a thread waits on the domain's futex
 * word and attaches here every domain-wide attachment (syscall
 * tracepoints; uprobes with pid -1 whose binary this process maps), and
 * detaches those that went away.  The first sync runs before main, so a
 * process started in the domain runs the domain's programs from its
 * first instruction on.  Leaving (a destructor) releases the process's
 * descriptors and the attachments it owns.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "maps/map.h"
#include "userbpf/probe.h"
#include "userbpf/userbpf.h"
#include "verifier/insn_facts.h"

__thread int launch_in_lib;
__thread int launch_alloc_local;

long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* Per attachment slot: the serial attached here and its link (as many
 * as the domain's table has slots, grown with it, under sync_lock). */
static struct local {
	uint32_t serial;
	bool tried;
	struct userbpf_link *link;
	void *prog;	  /* the program link holds a reference on */
	uint64_t ref_ctr; /* raised here while attached (USDT semaphore) */
	char *path;
} *local;
static int nlocal;
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
/* The domain's generation (domain_gen) the last complete sync_once began
 * at, under sync_lock (0 with synced false: none yet).  A forked child
 * has its parent's: its local[] is the parent's as of that sync. */
static uint32_t synced_gen;
static bool synced;
static pid_t my_pid;
static bool forked;  /* a child forked without exec */
static bool leaving; /* exiting: attach nothing more here */

/* The probes a forked child inherited that it destroys once its sync
 * thread runs (or at its exit): those of its parent alone (an event with
 * the parent's pid, which on Linux does not fire in the child), each with
 * the program reference the child took for it. */
#define MAX_DROP 64
static struct drop {
	struct userbpf_link *link;
	void *prog;
} drops[MAX_DROP];
static int ndrop;

static void drop_inherited(void)
{
	while (ndrop > 0) {
		struct drop d = drops[--ndrop];

		domain_obj_ref(DOM_PROG, d.prog, -1);
		launch_link_destroy(d.link);
	}
}

/* Room for n slots in local (under sync_lock): whether it has it. */
static bool local_grow(int n)
{
	if (n > nlocal) {
		struct local *more = realloc(local, (size_t)n * sizeof(*more));

		if (!more)
			return false;
		memset(more + nlocal, 0, (size_t)(n - nlocal) * sizeof(*more));
		local = more;
		nlocal = n;
	}
	return true;
}

static void sync_once(void)
{
	uint32_t g = __atomic_load_n(domain_gen(), __ATOMIC_ACQUIRE);
	struct dom_attach a;
	int i, n = domain_attach_count();

	pthread_mutex_lock(&sync_lock);
	if (leaving) {
		pthread_mutex_unlock(&sync_lock);
		return;
	}
	domain_alias_sync();
	local_grow(n);
	for (i = 0; i < n && i < nlocal; i++) {
		bool on = domain_attach_get(i, &a);

		if (local[i].serial && (!on || a.serial != local[i].serial)) {
			if (local[i].link)
				domain_obj_ref(DOM_PROG, local[i].prog, -1);
			launch_link_destroy(local[i].link);
			if (local[i].link && local[i].ref_ctr)
				launch_ref_ctr(local[i].path, local[i].ref_ctr, -1);
			free(local[i].path);
			local[i] = (struct local){ 0 };
		}
		if (!on || local[i].serial || a.owner == my_pid || (a.pid != -1 && a.pid != my_pid))
			continue;
		local[i].serial = a.serial;
		local[i].tried = true;
		/* a uprobe on a binary this process does not map fails: fine */
		if (a.kind == DOM_ATT_SAMPLE)
			local[i].link =
				launch_attach_sample(a.prog, a.freq, a.period, a.cpu, a.cookie);
		else
			local[i].link = launch_attach_local(a.prog, (int)a.kind, a.target, a.offset,
							    a.retprobe, a.cookie);
		/* the link's reference on the program, given back by
		 * domain_reap if this process is killed */
		if (local[i].link) {
			local[i].prog = a.prog;
			domain_obj_ref(DOM_PROG, a.prog, 1);
		}
		if (local[i].link && a.kind == DOM_ATT_UPROBE && a.ref_ctr) {
			local[i].ref_ctr = a.ref_ctr;
			local[i].path = strdup(a.target);
			launch_ref_ctr(a.target, a.ref_ctr, 1);
		}
	}
	synced_gen = g;
	synced = true;
	pthread_mutex_unlock(&sync_lock);
}

/*
 * Whether this thread is the last live one: the main thread left with
 * pthread_exit (the leader is a zombie) and the process counts two
 * threads, the zombie leader and this one.  Read from /proc/self/stat
 * through the probe gate (the application's syscall tracepoints never see
 * it).  No other thread is made by the interposer.
 */
static bool sync_thread_alone(void)
{
	char buf[1024], state = 0, *p;
	long fd, n, threads = 0;

	fd = probe_sc_gate(SYS_openat, AT_FDCWD, (long)(uintptr_t)"/proc/self/stat",
			   O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return false;
	n = probe_sc_gate(SYS_read, fd, (long)(uintptr_t)buf, sizeof(buf) - 1, 0, 0, 0);
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": field 3 the state, field 20 num_threads */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
		   &state, &threads) != 2)
		return false;
	return state == 'Z' && threads == 2;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The sync thread.  A forked child's starts with nothing to do when the
 * domain's generation is still the one its parent's last sync began at
 * (its attachments are its parent's, adopted) and it has no inherited
 * probes to drop: it waits at once.  Whether the application's threads
 * are all gone is read once a second (from /proc: a forked child that
 * lives a few milliseconds reads it never).
 */
static void *sync_thread(void *arg)
{
	uint64_t alone_check = mono_ms() + 1000;
	bool first = true;

	(void)arg;
	/* what ps -T and task iterators show for it */
	prctl(PR_SET_NAME, "userbpf-sync", 0, 0, 0);
	for (;;) {
		/* the application's last thread is gone (its main thread
		 * left with pthread_exit): end the process as the kernel
		 * would, status 0 (glibc's last pthread_exit calls exit(0)) */
		if (mono_ms() >= alone_check) {
			if (sync_thread_alone())
				exit(0);
			alone_check = mono_ms() + 1000;
		}
		uint32_t g = __atomic_load_n(domain_gen(), __ATOMIC_ACQUIRE);
		struct timespec ts = { 1, 0 };
		/* (read without sync_lock: only this thread syncs, and its
		 * lock not written is a page of the parent's not copied) */
		bool idle = first && forked && __atomic_load_n(&synced, __ATOMIC_RELAXED) &&
			    __atomic_load_n(&synced_gen, __ATOMIC_RELAXED) == g &&
			    !__atomic_load_n(&ndrop, __ATOMIC_RELAXED);

		first = false;
		if (!idle) {
			/* a forked child's copies of its parent's own probes */
			pthread_mutex_lock(&sync_lock);
			drop_inherited();
			pthread_mutex_unlock(&sync_lock);
			sync_once();
			launch_pinned_links_sync();
			launch_parked_links_sync();
		}
		/* through the probe gate: the application's syscall
		 * tracepoints never see userbpf's own waits */
		probe_sc_gate(SYS_futex, (long)(uintptr_t)domain_gen(), FUTEX_WAIT, g,
			      (long)(uintptr_t)&ts, 0, 0);
	}
	return NULL;
}

static void *plat_alloc(size_t size, void *cookie)
{
	(void)cookie;
	/* zeroed, as the arena's blocks */
	if (launch_alloc_local)
		return calloc(1, size);
	return domain_alloc(size);
}

static void plat_free(void *p, void *cookie)
{
	(void)cookie;
	if (p && !domain_owns(p))
		free(p); /* launch_alloc_local's */
	else
		domain_free(p);
}

static void start_thread(void)
{
	pthread_t t;
	pthread_attr_t at;

	/* quiet (the domain's probes never run on it), and it takes none of
	 * the application's signals but the probe layer's and faults */
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (userbpf_probe__thread_create_quiet(&t, &at, sync_thread, NULL,
					       USERBPF_QUIET_SIGNALS_BLOCKED))
		launch_log("domain: cannot start the sync thread");
	pthread_attr_destroy(&at);
}

/* In the child: one more reference on prog, the child's own (noted in its
 * ledger, given back if it dies), for the copy of a link that holds one. */
static void child_prog_ref(void *prog)
{
	userbpf_prog__get(prog);
	domain_obj_ref(DOM_PROG, prog, 1);
}

/*
 * In the child: the copy of attachment obj's link objects and probe sites
 * (the parent's, made in its own memory, so the child has copies of its
 * own) becomes the child's.  A domain-wide one (pid -1, a tracepoint)
 * goes to the table of attachments this process runs (local[]): it runs
 * here until the attachment goes (the link's last descriptor closed, in
 * any process), also after the parent ended.  One of the parent alone is
 * destroyed; CPU-clock sampling is left (its timers are not inherited;
 * the child's sync attaches a domain-wide one anew).
 */
static void child_adopt(struct lobj *obj)
{
	struct userbpf_link *ul;
	struct dom_attach a;
	void *prog;
	int slot;

	if (obj->pe)
		child_adopt(obj->pe);
	ul = obj->ul;
	prog = obj->ul_prog;
	slot = obj->att_slot;
	if (!ul)
		return;
	obj->ul = NULL; /* once (a dup'ed descriptor names it again) */
	obj->ul_prog = NULL;
	if (!prog || obj->pe_kind == LPERF_SAMPLE)
		return;
	child_prog_ref(prog);
	if (slot >= 0 && local_grow(slot + 1) && !local[slot].serial &&
	    domain_attach_get(slot, &a)) {
		local[slot].serial = a.serial;
		local[slot].tried = true;
		local[slot].link = ul;
		local[slot].prog = prog;
		if (obj->ref_ctr_raised && obj->path) {
			local[slot].ref_ctr = obj->ref_ctr;
			local[slot].path = strdup(obj->path);
		}
		return;
	}
	if (ndrop < MAX_DROP) {
		drops[ndrop++] = (struct drop){ ul, prog };
	} else { /* (a process has few) */
		domain_obj_ref(DOM_PROG, prog, -1);
		launch_link_destroy(ul);
	}
}

/* In the child: the attachments the parent's sync thread made here are
 * the child's too (a reference of its own each); sampling's are left. */
static void child_adopt_local(void)
{
	struct dom_attach a;
	int i;

	for (i = 0; i < nlocal; i++) {
		if (!local[i].link)
			continue;
		if (domain_attach_get(i, &a) && a.serial == local[i].serial &&
		    a.kind == DOM_ATT_SAMPLE) {
			free(local[i].path);
			local[i] = (struct local){ 0 };
			continue;
		}
		child_prog_ref(local[i].prog);
	}
}

/*
 * A child forked without exec shares the arena with its parent but has
 * copies of the library's per-process tables, which point into it.  It
 * becomes a member of its own: its tables are emptied without releasing
 * anything (the copies are the parent's), its library handle table
 * starts anew, then the descriptors it inherited on the domain's objects
 * get objects of its own (fork.c), and what it holds is noted in a
 * ledger under its pid, released at its exit or given back by
 * domain_reap when it dies (_exit, a signal).  The probes it inherited
 * are copies of its own (link objects and probe sites are process
 * memory, launch_alloc_local) with program references of its own: they
 * run until their attachment goes, also after the parent ended, and its
 * own sync thread (launch_domain_child_start) follows the domain's
 * attachments.  After exec it joins as a process of its own.
 */
static void after_fork_child(void)
{
	forked = true;
	/* a lock another thread held at the fork stays held in the copy */
	launch_mutex_reset(&sync_lock);
	if (!domain_active()) {
		lobj_abandon_all(NULL);
		launch_links_forget_fork(NULL);
		return;
	}
	/* the library's tables of this process, in the arena: the parent's
	 * stay its own (freed when it ends), the child starts its own */
	ub_bpf_handles_forget();
	ub_map_ids_forget();
	verif_facts_forget();
	domain_fork_child();
	my_pid = getpid();
	ub_map_run_slots_owner((uint32_t)getpid(), domain_slot_owner_dead);
	if (ndrop)
		ndrop = 0;
	child_adopt_local();
	lobj_abandon_all(child_adopt);
	launch_links_forget_fork(child_adopt);
}

void launch_domain_child_start(void)
{
	if (domain_active() && forked)
		start_thread();
}

/*
 * A member holds a read lock (an OFD lock: it belongs to the arena's open
 * file, which a forked child shares, and goes with its last descriptor,
 * whatever ends the process) on the byte just past the arena's end, so
 * "userbpf launch" can tell an anonymous arena nobody uses any more (its
 * members were killed before the last one's leave removed it) by a write
 * lock granted (tools/cmd_launch.c, anon_sweep).
 */
static void member_lock(void)
{
	struct flock fl = {
		.l_type = F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = (off_t)DOMAIN_SIZE,
		.l_len = 1,
	};

	if (probe_sc_gate(SYS_fcntl, domain_fd(), F_OFD_SETLK, (long)(uintptr_t)&fl, 0, 0, 0))
		launch_log("domain: cannot lock the arena (a leftover sweep may remove it)");
}

void launch_domain_start(void)
{
	const char *path = getenv("USERBPF_DOMAIN_ARENA");
	struct userbpf_platform plat = {
		.sz = sizeof(plat),
		.alloc = plat_alloc,
		.free = plat_free,
	};
	int err;

	if (!path || !path[0])
		return;
	err = domain_join(path);
	if (err) {
		launch_log("domain %s: cannot join (%s)%s: objects stay private to this "
			   "process",
			   path, strerror(-err),
			   err == -EXDEV ?
				   " - the interposer is at another address" :
			   err == -EPROTO ?
				   " - another build of userbpf made it and still runs there" :
				   "");
		return;
	}
	member_lock();
	domain_platform(&plat, false);
	userbpf_set_platform(&plat);
	launch_stats_attach_domain();
	/* a per-CPU map slot is exclusive across the domain's processes */
	if (ub_map_run_slots_size() <= DOMAIN_RUN_SLOTS_SIZE) {
		ub_map_share_run_slots(domain_run_slots());
		/* a slot a killed member held mid-run is freed (domain_reap) */
		ub_map_run_slots_owner((uint32_t)getpid(), domain_slot_owner_dead);
	} else
		launch_log("domain: per-CPU slots stay per process (arena too old)");
	/* what this pid held before (exec, reuse) and what killed members
	 * left behind */
	domain_reap();
	my_pid = getpid();
	/* the thread first: its creation (the stack's mmap) is the
	 * interposer's, not the application's, so no probe may see it */
	start_thread();
	sync_once();
	/* this image was exec'd in the domain: sys_exit_execve returns 0 */
	launch_exec_tp_image();
	pthread_atfork(NULL, NULL, after_fork_child);
	/* this image was exec'd in the domain: sched_process_exec */
	{
		const char *fn = (const char *)getauxval(AT_EXECFN);

		userbpf_probe__process_exec(fn ? fn : "", 0);
	}
}

void launch_domain_exit(void)
{
	int fd;

	if (!domain_active())
		return;
	/* release what this process holds (its attachments, its users) */
	lobj_forget_all();
	launch_parked_links_exit();
	/* the links of the domain's attachments here hold references on
	 * their programs: given back (a killed process's, by domain_reap);
	 * a forked child's copies hold references of its own */
	pthread_mutex_lock(&sync_lock);
	leaving = true;
	drop_inherited();
	for (fd = 0; fd < nlocal; fd++) {
		if (local[fd].link) {
			domain_obj_ref(DOM_PROG, local[fd].prog, -1);
			launch_link_destroy(local[fd].link);
			if (local[fd].ref_ctr)
				launch_ref_ctr(local[fd].path, local[fd].ref_ctr, -1);
		}
		free(local[fd].path);
		local[fd] = (struct local){ 0 };
	}
	pthread_mutex_unlock(&sync_lock);
	/* members killed meanwhile are reaped first: domain_leave forgets
	 * dead members, whose ledgers (a killed parent's link use, its
	 * attachments' owner) would then stay for good */
	domain_reap();
	domain_leave();
}
#endif /* USERBPF_LAUNCH */
