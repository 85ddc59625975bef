/* SPDX-License-Identifier: MIT */
/*
 * arena.c - the domain's shared arena (domain.h): joining and leaving,
 * the allocator the library uses while in a domain, page runs for map
 * storage, the object registry with domain ids, pins, domain-wide
 * attachments and the aliases of ring buffers.
 *
 * Allocator: size classes of 32 << k bytes (k < 16) with a free list
 * each; bigger blocks and page runs come from page-granular runs (free
 * runs are reused first-fit, never split or merged).  Every block has a
 * 16-byte header (class, page count, private-ledger entry).  Ring buffers
 * (their data mapped twice) and the code area have allocators of their
 * own (below).  One spinlock (an atomic in the
 * header holding its owner's pid) guards the allocator and the tables.
 * A member killed while holding it (SIGKILL inside a few instructions)
 * would stop the domain: a waiter that finds the owner gone takes the
 * lock over (counted in lock_takeovers).  What the dead owner was
 * changing may be half done, as with a robust mutex's EOWNERDEAD; the
 * alternative is a domain that hangs until "userbpf domain rm".
 *
 * Killed members (domain_reap): a ledger of what each process holds
 * (descriptor uses, and the library references of its local attachments)
 * lets another member give it back; the memory it had for itself alone
 * (private blocks, any size and number) is freed.  Its shared objects go
 * with their last reference, their JIT images with them.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "domain.h"
#include "launch/launch_int.h"
#include "maps/map.h"
#include "userbpf/map.h"
#include "userbpf/vm.h"
#include "verifier/insn_facts.h"
#include "vm/vm_int.h"

#define DOM_MAGIC 0x44504255u /* "UBPD" */
#define DOM_VERSION 13
#define PAGE 4096ul
#define NCLASS 16
#define HEAP_START (2ul << 20)
/* The code area: the arena's last CODE_SIZE bytes, read + execute in
 * every member (JIT images, code_alloc/code_seal/code_free below), its
 * pages in use a bitmap in the header. */
#define CODE_SIZE (256ul << 20)
#define CODE_PAGES (CODE_SIZE / PAGE)
#define HEAP_END (DOMAIN_SIZE - CODE_SIZE)
/* Entries of the private-block ledger when it is first made (it doubles
 * when full). */
#define PRIV_FIRST 1024

/*
 * An object of the registry lives, as in the kernel, while anything
 * references it: descriptors (users), pins, and for maps and programs
 * every reference the library holds (a link's program, a program's maps):
 * such an entry (OBJ_TRACKED) goes when its object's memory is freed
 * (domain_free sees the block marked BLK_REG).  BTF objects and links are
 * launch's records (OBJ_RECORD), freed with their entry; a BTF object is
 * also held by every map and program that names it (held, hold_*).
 */
#define OBJ_TRACKED 1u
#define OBJ_RECORD 2u
struct dom_obj {
	uint32_t kind, id;
	int32_t users;
	uint32_t pinned;
	void *ptr;
	uint32_t flags;	    /* OBJ_* */
	uint32_t held;	    /* objects holding this one (a BTF's maps, progs) */
	uint32_t hold_kind; /* what this one holds (0 none) */
	uint32_t hold_id;
};

/*
 * The ledger: what process pid holds on an object.  n uses (descriptor
 * objects, counted in the entry's users), each (for a map or program)
 * with a reference of the library's count, and refs further library
 * references (the links of its local attachments, domain_obj_ref).  A
 * holder notes a reference after taking it and un-notes it before
 * dropping it, so a kill between the two leaks, never drops twice.
 */
struct dom_use {
	int32_t pid, n, refs;
	uint32_t kind;
	void *ptr;
};

struct dom_pin {
	uint32_t kind; /* 0: a free entry */
	void *ptr;
	char path[240];
};

/* A member: its pid (0: a free entry) and identity (proc_ident, 0
 * unknown: a pid reused by another process is another process). */
struct dom_member {
	int32_t pid;
	uint32_t flags; /* MEMBER_* */
	uint64_t start;
};
/* its exec fired sys_enter_execve (domain_exec_mark): the new image
 * takes the mark; it goes with the member when it dies (an image that
 * never takes it: a static binary) */
#define MEMBER_EXEC 1u
/* listed by its parent at its fork (domain_fork_handed), before it
 * listed itself: the child that finds it with its own identity is that
 * member, not a later image of its pid */
#define MEMBER_FORKED 2u

struct dom_alias {
	void *addr;
	uint64_t len, off;
};

/*
 * Block header.  cls: a size class (< NCLASS), NCLASS a page run of the
 * allocator, NCLASS + 1 a page run of domain_pages, NCLASS + 2 the
 * private-block ledger's own run.  priv: index + 1 of the block's entry
 * in the private-block ledger (0: not private).
 */
struct blk {
	uint32_t magic, cls;
	uint32_t pages; /* page run: its pages (the arena has 2^20) */
	uint32_t priv;
};
_Static_assert(sizeof(struct blk) == 16, "blocks keep the library's 16-byte alignment");
#define CLS_RUN NCLASS
#define CLS_PAGES (NCLASS + 1)
#define CLS_LEDGER (NCLASS + 2)
#define CLS_RING (NCLASS + 3)
#define CLS_TABLE (NCLASS + 4)

/*
 * The tables of the header (registry, ledger of uses, pins, attachments,
 * aliases, members) are page runs of the heap that double when full:
 * the header holds each one's offset (0: none yet), so publishing a
 * grown table is one store.  A table's run starts with this header, its
 * entries after it; an entry whose first 32-bit word is zero is free
 * (but aliases, appended: nalias of them).  Every reader holds the lock
 * (lock-free readers copy what they need under it), so a table replaced
 * by a bigger one is freed at once.
 */
struct tab_hdr {
	struct blk b; /* cls CLS_TABLE */
	uint32_t cap, esz;
	uint64_t pad;
};
_Static_assert(sizeof(struct tab_hdr) % 16 == 0, "table entries stay 16-byte aligned");
enum { T_OBJS, T_USES, T_PINS, T_ATT, T_ALIAS, T_PROCS, NTABS };

/* The header page of a ring buffer's run (domain_ring_alloc). */
struct ring_hdr {
	struct blk b;
	uint64_t next; /* on the list of freed rings */
	uint64_t head, data;
	/* the aliases ever recorded on this run (offsets from its region):
	 * none starts below alias_lo or ends above alias_hi (below alias_lo
	 * every page shows itself) */
	uint64_t alias_lo, alias_hi;
};

/* An entry of the private-block ledger: the block at off belongs to pid
 * alone; a free entry (pid 0) links the next free one (index + 1).  An
 * entry whose off is in the code area (off >= HEAP_END) names a run of
 * pages of JIT code.  sess: the load or JIT compilation that made it
 * (0: none), whose end makes it the program's. */
struct dom_priv {
	int32_t pid;
	uint32_t next;
	uint64_t off;
	uint32_t pages; /* a code run's pages */
	uint32_t sess;
};
#define BLK_MAGIC 0xb10cb10cu
/* in cls: the block is a registered object (its free drops the entry) */
#define BLK_REG 0x80000000u

struct dom_hdr {
	uint32_t magic, version;
	uint64_t marker; /* address of domain_join in the creator */
	int lock;	 /* owner pid, 0 free */
	uint32_t lock_takeovers;
	uint32_t ledger_refusals; /* uses refused: the ledger was full */
	int32_t nprocs;
	uint64_t in_use;      /* bytes of the heap in blocks and page runs */
	uint64_t code_in_use; /* bytes of the code area in JIT images */
	uint64_t priv_blocks; /* blocks private to a process (ledger entries) */
	int32_t grow_fault;   /* USERBPF_DOMAIN_FAULT=grow: pid stopped mid-growth */
	uint32_t tab_grows;   /* tables replaced by bigger ones */
	uint32_t gen;	      /* futex word */
	uint32_t next_id[DOM_KINDS];
	uint32_t attach_serial;
	uint64_t bump;		   /* next unused offset */
	uint64_t free_cls[NCLASS]; /* offsets of free blocks (next in block) */
	uint64_t free_runs;	   /* offsets of free page runs */
	uint64_t free_rings;	   /* offsets of freed ring buffer runs */
	uint32_t nalias;
	/* the tables (struct tab_hdr runs; offsets, 0: none yet): registry
	 * (struct dom_obj), ledger of uses (dom_use), pins (dom_pin),
	 * attachments (dom_attach), aliases (dom_alias), members
	 * (dom_member; exec keeps the pid) */
	uint64_t tab[NTABS];
	/* a growth under way: the new run, the old one (a member killed
	 * mid-growth: the next lock owner frees the one not published) */
	uint64_t grow_new, grow_old;
	void *meta; /* launch's object facts (meta.c), a list in the heap */
	/* blocks private to a process (its library handle table, its BTF
	 * copies, the link objects of its attachments): freed when it dies
	 * unreleased.  The ledger is a page run of the heap (struct
	 * dom_priv[priv_cap] after its header), doubled when full.  In the
	 * header's first page with the words above: a forked child faults in
	 * each page of the arena it touches (its page tables are not
	 * copied), and every child reads these */
	uint64_t priv_off;
	uint32_t priv_cap;
	uint32_t priv_free;   /* first free entry + 1, 0: none */
	uint32_t priv_code;   /* entries naming code runs */
	uint32_t sess_serial; /* loads and JIT compilations begun */
	/* an allocation under way (lock held): the block or run taken, its
	 * class (CLS_RUN: a run of alloc_pages), counted in in_use, until it
	 * is made and, if private, listed; then 0.  A member killed in
	 * between (a reused run is zeroed first: megabytes for a program's
	 * instructions) has it freed by the next lock owner
	 * (alloc_undo_locked): before, it stayed in the heap for good */
	struct dom_inflight {
		uint64_t off;
		uint32_t cls, pages;
	} alloc[3];	       /* (the ledger grown while listing a block: its new run
		     * and its old one) */
	uint32_t alloc_undone; /* allocations freed by alloc_undo_locked */
	struct dom_stats stats;
	uint64_t code_map[CODE_PAGES / 64]; /* code area pages in use */
	/* the map layer's per-CPU run slots (ub_map_share_run_slots) */
	uint8_t run_slots[DOMAIN_RUN_SLOTS_SIZE] __attribute__((aligned(64)));
};

_Static_assert(sizeof(struct dom_hdr) <= HEAP_START, "the arena's header fits before its heap");
_Static_assert(offsetof(struct dom_hdr, stats) <= PAGE, "the header's words in its first page");
/* tests/launch/apps/dpcpu.c (locktakeover) plays a member killed holding
 * the lock: it writes its pid at this offset and reads the takeovers;
 * dpcpu.c and darena.c read the heap and code area use and the count of
 * private blocks */
_Static_assert(offsetof(struct dom_hdr, lock) == 16 &&
		       offsetof(struct dom_hdr, lock_takeovers) == 20 &&
		       offsetof(struct dom_hdr, in_use) == 32 &&
		       offsetof(struct dom_hdr, code_in_use) == 40 &&
		       offsetof(struct dom_hdr, priv_blocks) == 48 &&
		       offsetof(struct dom_hdr, grow_fault) == 56 &&
		       offsetof(struct dom_hdr, tab_grows) == 60 &&
		       offsetof(struct dom_hdr, bump) == 96,
	       "the lock word, its takeover count, the heap and code area use, the "
	       "private blocks, the growth words and the heap's high-water mark (bump) "
	       "where the tests expect them");

/* the probe layer's syscall gate (never seen by syscall tracepoints) */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

static struct dom_hdr *hdr;
static int arena_fd = -1;
static char arena_path[512];
static uint32_t aliases_applied;
static bool code_ok;	/* the code area is executable here */
static bool stale_self; /* this pid was a member before joining (exec, reuse) */
/* USERBPF_DOMAIN_FAULT=grow (tests): this process stops in its first
 * growth of a table, lock held, new table copied but not published (a
 * member killed mid-growth, tests/launch/apps/dgrow.c) */
static bool grow_fault;
/* USERBPF_DOMAIN_FAULT=load:N (tests): this process stops at phase N of
 * its first load (domain.h, DOMAIN_FAULT_*), its pid in the header's
 * grow_fault word, until killed */
static int load_fault;
/* USERBPF_DOMAIN_FAULT=fork (tests): this process stops in its first fork
 * that hands uses over, once fork returned the child's pid but before
 * naming the uses the child's (domain_fork_handed), its pid in the same
 * header word, until killed */
static bool fork_fault;

static bool proc_alive(int pid);
static bool proc_alive_since(int pid, uint64_t *start);
static bool in_dead(int32_t pid, const int32_t *dead, int ndead);
struct blk;
static struct blk *block_of(const void *p);
static void block_free_locked(struct blk *b);
static void grow_undo_locked(void);
static void alloc_undo_locked(void);
struct dom_member;
static struct dom_member *procs_tab(uint32_t *n);
static int members_chunk(uint32_t *pos, struct dom_member *out, int max);
static int64_t tab_free_slot_locked(int t);
struct dom_obj;
static struct dom_obj *find_obj(int kind, const void *ptr);
static void ledger_locked(int kind, const void *ptr, int delta, bool refs);

/* This process's pid, by the probe layer's gate (a program tracing
 * getpid never sees userbpf's own calls). */
static int self_pid(void)
{
	return (int)probe_sc_gate(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

static void lock(void)
{
	int me = self_pid(), owner = 0;
	unsigned spins = 0;

	while (!__atomic_compare_exchange_n(&hdr->lock, &owner, me, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		/* the owner was killed holding it: take it over (once in a
		 * while: the check reads /proc) */
		if (++spins % 256 == 0 && owner != me && !proc_alive(owner) &&
		    __atomic_compare_exchange_n(&hdr->lock, &owner, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			hdr->lock_takeovers++;
			/* it may have died allocating, or growing a table */
			alloc_undo_locked();
			grow_undo_locked();
			return;
		}
		owner = 0;
		sched_yield();
	}
}

static void unlock(void)
{
	__atomic_store_n(&hdr->lock, 0, __ATOMIC_RELEASE);
}

static void *at(uint64_t off)
{
	return (uint8_t *)DOMAIN_BASE + off;
}

bool domain_active(void)
{
	return hdr != NULL;
}

int domain_fd(void)
{
	return arena_fd;
}

bool domain_owns(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	return hdr && a >= DOMAIN_BASE && a < DOMAIN_BASE + DOMAIN_SIZE;
}

uint64_t domain_offset(const void *p)
{
	return (uintptr_t)p - DOMAIN_BASE;
}

uint32_t *domain_gen(void)
{
	return &hdr->gen;
}

void domain_bump(void)
{
	__atomic_add_fetch(&hdr->gen, 1, __ATOMIC_RELEASE);
	probe_sc_gate(SYS_futex, (long)(uintptr_t)&hdr->gen, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
}

/* Whether process pid has threads besides its leader (/proc/PID/task). */
static bool other_threads(int pid)
{
	struct dent {
		uint64_t ino;
		int64_t off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	} *d;
	char path[64], buf[1024] __attribute__((aligned(8)));
	int fd, tasks = 0;
	long n, off;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	fd = launch_real.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = probe_sc_gate(SYS_getdents64, fd, (long)(uintptr_t)buf, sizeof(buf), 0, 0, 0)) >
	       0)
		for (off = 0; off < n; off += d->reclen) {
			d = (struct dent *)(void *)(buf + off);
			if (d->name[0] != '.')
				tasks++;
		}
	launch_real.close(fd);
	return tasks > 1;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#define PIDFS_MAGIC 0x50494446

/* Whether pidfds are pidfs inodes here (1), not (-1), not known yet (0):
 * one fstatfs per process (a forked child inherits the answer). */
static int pidfs_ok;

/*
 * A pidfd of process pid and its pidfs inode number in *ino (Linux 6.9
 * on: unique for the life of the system), or -errno: -ESRCH when pid
 * names no process, -ENOSYS when pidfds have no such inodes here.
 */
static long pidfd_ident(int pid, uint64_t *ino)
{
	long fd;
	struct statfs sfs;
	struct stat st;

	if (pidfs_ok < 0)
		return -ENOSYS;
	fd = probe_sc_gate(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
	if (fd < 0)
		return fd == -ENOSYS ? (pidfs_ok = -1, -ENOSYS) : fd;
	if (!pidfs_ok)
		pidfs_ok = !probe_sc_gate(SYS_fstatfs, fd, (long)(uintptr_t)&sfs, 0, 0, 0, 0) &&
					   sfs.f_type == PIDFS_MAGIC ?
				   1 :
				   -1;
	if (pidfs_ok < 0 || probe_sc_gate(SYS_fstat, fd, (long)(uintptr_t)&st, 0, 0, 0, 0)) {
		probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
		return -ENOSYS;
	}
	*ino = (uint64_t)st.st_ino;
	return fd;
}

/*
 * The identity of process pid, whose start time (clock ticks after boot,
 * /proc/PID/stat) is ticks: its pidfs inode number where pidfds have one,
 * else ticks (two processes started in the same tick then look the same).
 */
static uint64_t proc_ident(int pid, uint64_t ticks)
{
	uint64_t id = ticks;
	long fd = pidfd_ident(pid, &id);

	if (fd >= 0)
		probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	return fd >= 0 ? id : ticks;
}

/*
 * The identity of process pid that runs and whose pid cannot be reused
 * meanwhile (this process, or a child of this one not yet waited for):
 * from its pidfd alone where pidfds are pidfs inodes (three system calls,
 * no /proc), else as proc_alive_since reads it.
 */
static uint64_t live_ident(int pid)
{
	uint64_t id = 0;
	long fd = pidfd_ident(pid, &id);

	if (fd >= 0) {
		probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
		return id;
	}
	proc_alive_since(pid, &id);
	return id;
}

/* A member process that still runs: not gone, not a zombie.  A leader
 * that left with pthread_exit shows as a zombie while its other threads
 * run: such a process is alive.  Its identity (proc_ident) in *start
 * when start is not NULL (0 when unknown). */
static bool proc_alive_since(int pid, uint64_t *start)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd, field;

	if (start)
		*start = 0;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = launch_real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* no procfs: trust kill() */
	n = read(fd, buf, sizeof(buf) - 1);
	launch_real.close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return other_threads(pid);
	/* after ") ": the state is field 3, the start time field 22 */
	for (field = 2; start && p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (start && p)
		*start = proc_ident(pid, strtoull(p + 1, NULL, 10));
	return true;
}

static bool proc_alive(int pid)
{
	return proc_alive_since(pid, NULL);
}

/*
 * Whether member m still runs: its pid alive, and the same process (a
 * pid reused by another process, in or outside the domain, is not the
 * member).  Where pidfds are pidfs inodes and m's identity is known,
 * its pidfd tells all three (four system calls, no /proc): the pid names
 * no process (ESRCH), another process (another inode), or one that has
 * exited (readable: its last thread is gone, a zombie or reaped; a
 * leader that left with pthread_exit while other threads run is not).
 */
static bool member_alive(const struct dom_member *m)
{
	uint64_t start;
	long fd;

	if (!m->pid)
		return false;
	if (m->start && (fd = pidfd_ident(m->pid, &start)) != -ENOSYS) {
		struct pollfd pfd = { .fd = (int)fd, .events = POLLIN };
		struct timespec zero = { 0, 0 };
		bool alive;

		if (fd == -ESRCH)
			return false;
		if (fd >= 0) {
			alive = start == m->start &&
				probe_sc_gate(SYS_ppoll, (long)(uintptr_t)&pfd, 1,
					      (long)(uintptr_t)&zero, 0, 0, 0) == 0;
			probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
			return alive;
		}
		/* (out of descriptors: /proc then) */
	}
	if (!proc_alive_since(m->pid, &start))
		return false;
	return !m->start || !start || m->start == start;
}

/* Whether a member with that pid still runs (any slot; lock held). */
static bool pid_member_alive(int pid)
{
	struct dom_member *m = NULL;
	uint32_t i, cap;

	m = procs_tab(&cap);
	for (i = 0; i < cap; i++)
		if (m[i].pid == pid && member_alive(&m[i]))
			return true;
	return false;
}

#define MEMBER_CHUNK 64

/* Whether a member other than this process is alive (file lock held). */
static bool members_alive(void)
{
	struct dom_member m[MEMBER_CHUNK];
	uint32_t pos = 0;
	int i, n, me = getpid();

	while ((n = members_chunk(&pos, m, MEMBER_CHUNK)))
		for (i = 0; i < n; i++)
			if (m[i].pid != me && member_alive(&m[i]))
				return true;
	return false;
}

/*
 * List this process as a member.  An exec'd member keeps its pid: the
 * same member, whose old image's descriptors are gone (close-on-exec); or
 * a dead member's pid was reused.  Either way what the ledger says this
 * pid holds is stale (domain_reap gives it back).  Under the lock:
 * domain_reap clears dead pids under it.  The member table grows as
 * needed; with no room for it in the heap this process is no member (it
 * works, but a kill leaks what it held).
 */
static void add_member(void)
{
	int me = self_pid();
	struct dom_member *m;
	uint32_t i, cap;
	int64_t slot;
	uint64_t start = live_ident(me);

	/* a lock our pid holds now was our old image's: the exec ended the
	 * thread that held it (a forked child's sync thread), so take it over
	 * as from a killed owner */
	if (__atomic_load_n(&hdr->lock, __ATOMIC_RELAXED) == me) {
		int held = me;

		if (__atomic_compare_exchange_n(&hdr->lock, &held, 0, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			__atomic_add_fetch(&hdr->lock_takeovers, 1, __ATOMIC_RELAXED);
	}
	lock();
	m = procs_tab(&cap);
	for (i = 0; i < cap && m[i].pid != me; i++)
		;
	/* our entry, made by our parent at our fork, is no earlier image's */
	if (i < cap && (m[i].flags & MEMBER_FORKED) && start && m[i].start == start) {
		m[i].flags &= ~MEMBER_FORKED;
		unlock();
		return;
	}
	stale_self = i < cap;
	slot = i < cap ? (int64_t)i : tab_free_slot_locked(T_PROCS);
	if (slot >= 0) {
		m = procs_tab(&cap);
		m[slot].pid = me;
		m[slot].start = start;
		m[slot].flags &= ~MEMBER_FORKED;
	}
	unlock();
}

/* USERBPF_DOMAIN_FAULT=grow: this process stops in its first growth of
 * a table (read at join, and in a forked child at its first growth or
 * load: the environment its parent had at the fork). */
static bool fault_unread;

static void read_fault(void)
{
	const char *fault = getenv("USERBPF_DOMAIN_FAULT");

	fault_unread = false;
	grow_fault = fault && !strcmp(fault, "grow");
	load_fault = fault && !strncmp(fault, "load:", 5) ? atoi(fault + 5) : 0;
	fork_fault = fault && !strcmp(fault, "fork");
}

/* Read lazily in a forked child: a getenv at every fork (its code and
 * the environment's pages faulted in) for a test's sake. */
static void read_fault_once(void)
{
	if (fault_unread)
		read_fault();
}

/* The tests' member killed at phase of a load (USERBPF_DOMAIN_FAULT=load:N;
 * lock not held). */
static void fault_point(int phase)
{
	read_fault_once();
	if (!load_fault || load_fault != phase)
		return;
	__atomic_store_n(&hdr->grow_fault, self_pid(), __ATOMIC_RELEASE);
	for (;;)
		pause();
}

void domain_fork_child(void)
{
	if (!hdr)
		return;
	fault_unread = true;
	add_member();
	/* a dead member's pid reused: its leftovers go before this child
	 * makes anything of its own under the pid */
	if (stale_self)
		domain_reap();
}

int domain_join(const char *path)
{
	struct stat st;
	void *p;
	int fd;

	fd = launch_real.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) || fstat(fd, &st))
		goto fail;
	if (st.st_size == 0 && ftruncate(fd, (off_t)DOMAIN_SIZE))
		goto fail;
	p = launch_real.mmap((void *)DOMAIN_BASE, DOMAIN_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	if (p != (void *)DOMAIN_BASE) {
		launch_real.munmap(p, DOMAIN_SIZE);
		errno = EADDRINUSE;
		goto fail;
	}
	hdr = p;
	/* the lock held by this pid: held by this pid's image before an exec
	 * (a thread the exec killed inside it), never by this image, which
	 * would wait for itself forever: taken over */
	if (hdr->magic == DOM_MAGIC && hdr->version == DOM_VERSION &&
	    __atomic_load_n(&hdr->lock, __ATOMIC_ACQUIRE) == self_pid()) {
		hdr->lock_takeovers++;
		alloc_undo_locked();
		grow_undo_locked();
		unlock();
	}
	/* an arena whose members are all gone (killed, or an older build)
	 * starts over: nothing in it is reachable any more */
	if (hdr->magic == DOM_MAGIC && hdr->version == DOM_VERSION && !members_alive()) {
		launch_real.munmap(p, DOMAIN_SIZE);
		hdr = NULL;
		if (ftruncate(fd, 0) || ftruncate(fd, (off_t)DOMAIN_SIZE))
			goto fail;
		p = launch_real.mmap((void *)DOMAIN_BASE, DOMAIN_SIZE, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
		if (p != (void *)DOMAIN_BASE) {
			if (p != MAP_FAILED)
				launch_real.munmap(p, DOMAIN_SIZE);
			errno = EADDRINUSE;
			goto fail;
		}
		hdr = p;
	}
	if (hdr->magic != DOM_MAGIC) {
		hdr->version = DOM_VERSION;
		hdr->marker = (uint64_t)(uintptr_t)domain_join;
		hdr->bump = HEAP_START;
		hdr->magic = DOM_MAGIC;
	} else if (hdr->version != DOM_VERSION || hdr->marker != (uint64_t)(uintptr_t)domain_join) {
		/* userbpf sits elsewhere here: its pointers would not work */
		launch_real.munmap(p, DOMAIN_SIZE);
		hdr = NULL;
		errno = EXDEV;
		goto fail;
	}
	read_fault();
	add_member();
	flock(fd, LOCK_UN);
	arena_fd = fd;
	snprintf(arena_path, sizeof(arena_path), "%s", path);
	/* code is never writable where it runs: only the process writing a
	 * new image makes its pages writable, until it seals them */
	code_ok = !mprotect(at(HEAP_END), CODE_SIZE, PROT_READ | PROT_EXEC);
	domain_alias_sync();
	return 0;
fail: {
	int e = errno;

	launch_real.close(fd);
	return -e;
}
}

/*
 * The domain ends with its last member.  This process stays listed: once
 * it is gone, the next reaper gives back what it still had (its private
 * blocks: the library's handle table, its map id table, its verifier's
 * record, a few KiB that nothing frees at exit) as for a killed member;
 * the dead ones are left to domain_reap too (pruning them here lost what
 * they held).
 */
void domain_leave(void)
{
	struct dom_member m[MEMBER_CHUNK];
	uint32_t pos = 0;
	int i, n, me = getpid(), alive = 0;

	if (!hdr)
		return;
	flock(arena_fd, LOCK_EX);
	while (!alive && (n = members_chunk(&pos, m, MEMBER_CHUNK)))
		for (i = 0; i < n && !alive; i++)
			alive = m[i].pid != me && member_alive(&m[i]);
	if (!alive)
		unlink(arena_path);
	flock(arena_fd, LOCK_UN);
}

/* ==== allocator ==== */

/* Block or run off (class cls; pages for a run) noted in flight (lock
 * held). */
static void inflight_locked(uint64_t off, uint32_t cls, uint32_t pages)
{
	int i;

	for (i = 0; i < 2 && hdr->alloc[i].off; i++)
		;
	hdr->alloc[i].cls = cls;
	hdr->alloc[i].pages = pages;
	hdr->alloc[i].off = off;
}

/* Block or run off taken off the free lists: counted in use and noted
 * in flight (lock held). */
static void alloc_begin_locked(uint64_t off, uint32_t cls, uint32_t pages)
{
	hdr->in_use += cls < NCLASS ? 32ul << cls : (uint64_t)pages * PAGE;
	inflight_locked(off, cls, pages);
}

/* Block or run off is made (or another record names it): no longer in
 * flight (lock held). */
static void alloc_done_locked(uint64_t off)
{
	int i;

	for (i = 0; i < 3; i++)
		if (hdr->alloc[i].off == off)
			hdr->alloc[i].off = 0;
}

/*
 * A page run of the heap (lock held): its first 16 bytes a struct blk
 * with pages set (the rest zero), counted in use and in flight until the
 * caller's alloc_done_locked.  A reused run is zeroed while still on the
 * free list (but its header and link): a member killed in that long
 * part leaves the list whole.
 */
static uint64_t take_pages(uint64_t pages)
{
	uint64_t *prev = &hdr->free_runs, off;

	while ((off = *prev)) {
		struct blk *b = at(off);

		if (b->pages >= pages && b->pages <= pages * 2) {
			uint32_t keep = b->pages;

			/* (the link: 8 bytes after the header) */
			memset((uint8_t *)b + 32, 0, keep * PAGE - 32);
			*prev = *(uint64_t *)((uint8_t *)b + sizeof(*b));
			memset(b, 0, 32);
			b->pages = keep;
			alloc_begin_locked(off, CLS_RUN, keep);
			return off;
		}
		prev = (uint64_t *)((uint8_t *)b + sizeof(*b));
	}
	off = (hdr->bump + PAGE - 1) & ~(PAGE - 1);
	if (pages > UINT32_MAX || off + pages * PAGE > HEAP_END)
		return 0;
	hdr->bump = off + pages * PAGE;
	((struct blk *)at(off))->pages = (uint32_t)pages;
	alloc_begin_locked(off, CLS_RUN, (uint32_t)pages);
	return off;
}

static void free_run_locked(uint64_t off)
{
	struct blk *b = at(off);

	*(uint64_t *)(b + 1) = hdr->free_runs;
	hdr->free_runs = off;
}

/* ==== tables ==== */

static const uint32_t tab_esz[NTABS] = {
	[T_OBJS] = sizeof(struct dom_obj),    [T_USES] = sizeof(struct dom_use),
	[T_PINS] = sizeof(struct dom_pin),    [T_ATT] = sizeof(struct dom_attach),
	[T_ALIAS] = sizeof(struct dom_alias), [T_PROCS] = sizeof(struct dom_member),
};
/* Entries at most (an index stays an int; memory runs out first). */
#define TAB_MAX (1u << 28)

/* Entries of table t and their number in *cap (lock held). */
static void *tab_ents(int t, uint32_t *cap)
{
	uint64_t off = hdr->tab[t];
	struct tab_hdr *h;

	*cap = 0;
	if (!off)
		return NULL;
	h = at(off);
	*cap = h->cap;
	return h + 1;
}

/* Free the table run at off unless it is one of the header's now (lock held). */
static void tab_free_locked(uint64_t off)
{
	struct blk *b = at(off);
	int t;

	for (t = 0; t < NTABS; t++)
		if (hdr->tab[t] == off)
			return;
	if (b->magic != BLK_MAGIC || b->cls != CLS_TABLE)
		return;
	b->magic = 0;
	hdr->in_use -= b->pages * PAGE;
	free_run_locked(off);
}

/* A member killed growing a table: the run that is not the table now
 * (the new one before it was published, the old one after) is freed
 * (lock held, taken over). */
/* Whether the block or run at off is on a free list (lock held). */
static bool on_free_list_locked(uint64_t off, uint32_t cls)
{
	uint64_t o = cls < NCLASS ? hdr->free_cls[cls] : hdr->free_runs;

	for (; o; o = *(uint64_t *)((uint8_t *)at(o) + sizeof(struct blk)))
		if (o == off)
			return true;
	return false;
}

/*
 * A member killed holding the lock in an allocation (alloc[]): what it
 * took and did not hand out goes back.  Not the ledger in use, a table
 * in use or a growth's run (grow_undo_locked), nor what it freed already
 * (on a free list).  A block it had listed as its own is unlisted with
 * the free, so the reaping does not free it again.
 */
static void alloc_undo_locked(void)
{
	struct dom_inflight f;
	struct blk *b;
	int i, t;

	for (i = 2; i >= 0; i--) {
		f = hdr->alloc[i];
		hdr->alloc[i].off = 0;
		if (!f.off || f.off == hdr->priv_off || f.off == hdr->grow_new ||
		    f.off == hdr->grow_old || on_free_list_locked(f.off, f.cls))
			continue;
		for (t = 0; t < NTABS && hdr->tab[t] != f.off; t++)
			;
		if (t < NTABS)
			continue;
		b = at(f.off);
		b->magic = BLK_MAGIC;
		b->cls = f.cls;
		if (f.cls >= NCLASS)
			b->pages = f.pages;
		hdr->alloc_undone++;
		block_free_locked(b); /* (unlisted there, if listed) */
	}
}

static void grow_undo_locked(void)
{
	uint64_t n = hdr->grow_new, o = hdr->grow_old;

	if (n)
		tab_free_locked(n);
	hdr->grow_new = 0;
	if (o)
		tab_free_locked(o);
	hdr->grow_old = 0;
}

/*
 * Replace table t by one twice as big (its first: one page), entries
 * kept at their index, the new ones free (lock held): 0, -ENOMEM (no
 * room in the heap) or -ENOSPC (TAB_MAX).  New run, copy, then one store
 * publishes it; a kill before or after that store leaves grow_new and
 * grow_old saying which run to free (grow_undo_locked).
 */
static int tab_grow_locked(int t)
{
	uint32_t cap, esz = tab_esz[t];
	void *old_ents = tab_ents(t, &cap);
	uint64_t old = hdr->tab[t], want = cap ? 2ull * cap : 1, pages, off;
	struct tab_hdr *n;

	if (want > TAB_MAX)
		return -ENOSPC;
	pages = (sizeof(*n) + want * esz + PAGE - 1) / PAGE;
	off = take_pages(pages);
	if (!off)
		return -ENOMEM;
	n = at(off);
	n->b.magic = BLK_MAGIC;
	n->b.cls = CLS_TABLE;
	n->cap = (uint32_t)((n->b.pages * PAGE - sizeof(*n)) / esz);
	n->esz = esz;
	hdr->grow_new = off;
	alloc_done_locked(off); /* grow_new names it */
	if (cap)
		memcpy(n + 1, old_ents, (size_t)cap * esz);
	read_fault_once();
	if (grow_fault) {
		/* the tests' member killed mid-growth */
		__atomic_store_n(&hdr->grow_fault, self_pid(), __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	hdr->grow_old = old;
	__atomic_store_n(&hdr->tab[t], off, __ATOMIC_RELEASE);
	hdr->grow_new = 0;
	if (old)
		tab_free_locked(old);
	hdr->grow_old = 0;
	hdr->tab_grows++;
	return 0;
}

/* Index of a free entry of table t (first word zero), the table grown
 * when it has none: the index, or -errno (lock held). */
static int64_t tab_free_slot_locked(int t)
{
	uint32_t cap, i;
	uint8_t *e = tab_ents(t, &cap);
	int err;

	for (i = 0; i < cap; i++)
		if (!*(uint32_t *)(void *)(e + (size_t)i * tab_esz[t]))
			return i;
	err = tab_grow_locked(t);
	return err ? err : (int64_t)cap;
}

static struct dom_obj *objs_tab(uint32_t *n)
{
	return tab_ents(T_OBJS, n);
}

static struct dom_use *uses_tab(uint32_t *n)
{
	return tab_ents(T_USES, n);
}

static struct dom_pin *pins_tab(uint32_t *n)
{
	return tab_ents(T_PINS, n);
}

static struct dom_attach *att_tab(uint32_t *n)
{
	return tab_ents(T_ATT, n);
}

static struct dom_member *procs_tab(uint32_t *n)
{
	return tab_ents(T_PROCS, n);
}

/* Copy up to max members from slot *pos on into out, advancing *pos
 * (free slots skipped): the number copied, 0 past the last slot.  Takes
 * the lock; what is read from /proc about them is read outside it. */
static int members_chunk(uint32_t *pos, struct dom_member *out, int max)
{
	struct dom_member *m;
	uint32_t cap;
	int n = 0;

	lock();
	m = procs_tab(&cap);
	for (; *pos < cap && n < max; (*pos)++)
		if (m[*pos].pid)
			out[n++] = m[*pos];
	unlock();
	return n;
}

/*
 * Private blocks: what the library allocates for one process only (its
 * handle table, its copies of BTF objects, the link objects and probe
 * sites of its attachments) is listed in the private-block ledger with
 * its pid, the entry's index in the block's header (priv), so a member
 * killed without releasing them has them freed by domain_reap, whatever
 * their size and number.  The ledger grows (doubles) as needed; when the
 * heap has no room for it, the private allocation fails (ENOMEM) rather
 * than make a block that would leak.
 */
static __thread int priv_depth;

static struct dom_priv *priv_tab(void)
{
	return (struct dom_priv *)((uint8_t *)at(hdr->priv_off) + sizeof(struct blk));
}

/* Double the ledger (lock held): 0, or -ENOMEM when the heap is full. */
static int priv_grow_locked(void)
{
	uint64_t cap = hdr->priv_cap ? 2ull * hdr->priv_cap : PRIV_FIRST, off, old, i;
	struct dom_priv *tab;
	struct blk *b;

	if (cap >= UINT32_MAX)
		return -ENOMEM;
	off = take_pages((sizeof(*b) + cap * sizeof(*tab) + PAGE - 1) / PAGE);
	if (!off)
		return -ENOMEM;
	b = at(off);
	b->magic = BLK_MAGIC;
	b->cls = CLS_LEDGER;
	tab = (struct dom_priv *)(b + 1);
	old = hdr->priv_cap ? hdr->priv_off : 0;
	if (old)
		memcpy(tab, priv_tab(), hdr->priv_cap * sizeof(*tab));
	/* the new entries, free, in order, before what was free */
	for (i = hdr->priv_cap; i < cap; i++)
		tab[i] = (struct dom_priv){ .next = i + 1 < cap ? (uint32_t)(i + 2) :
								  hdr->priv_free };
	/* both runs in flight: a member killed before the publication
	 * leaves the new one to free, after it the old one (never the
	 * ledger in use: alloc_undo_locked) */
	if (old)
		inflight_locked(old, CLS_RUN, ((struct blk *)at(old))->pages);
	hdr->priv_free = hdr->priv_cap + 1;
	hdr->priv_cap = (uint32_t)cap;
	__atomic_store_n(&hdr->priv_off, off, __ATOMIC_RELEASE);
	alloc_done_locked(off);
	if (old)
		block_free_locked(at(old));
	alloc_done_locked(old);
	return 0;
}

/* The load or JIT compilation under way in this thread (0: none): its
 * allocations are private, noted (load_offs) and marked with it. */
static __thread uint32_t note_sess;
static __thread bool note_on; /* between the session's begin and end */

/* List block b as this process's (lock held): 0 or -ENOMEM. */
static int tag_private_locked(struct blk *b)
{
	struct dom_priv *e;
	uint32_t i;
	int err;

	if (b->priv)
		return 0;
	if (!hdr->priv_free && (err = priv_grow_locked()))
		return err;
	i = hdr->priv_free - 1;
	e = &priv_tab()[i];
	hdr->priv_free = e->next;
	*e = (struct dom_priv){ .pid = self_pid(),
				.off = domain_offset(b),
				.sess = note_on ? note_sess : 0 };
	b->priv = i + 1;
	hdr->priv_blocks++;
	return 0;
}

/* List the code run of pages at off as this process's (lock held): 0
 * or -ENOMEM. */
static int tag_code_locked(uint64_t off, uint64_t pages)
{
	uint32_t i;
	int err;

	if (!hdr->priv_free && (err = priv_grow_locked()))
		return err;
	i = hdr->priv_free - 1;
	hdr->priv_free = priv_tab()[i].next;
	priv_tab()[i] = (struct dom_priv){
		.pid = self_pid(), .off = off, .pages = (uint32_t)pages, .sess = note_sess
	};
	hdr->priv_code++;
	hdr->priv_blocks++;
	return 0;
}

/* Ledger entry i goes back to the free list (lock held). */
static void priv_release_locked(uint32_t i)
{
	if (priv_tab()[i].off >= HEAP_END)
		hdr->priv_code--;
	priv_tab()[i] = (struct dom_priv){ .next = hdr->priv_free };
	hdr->priv_free = i + 1;
	hdr->priv_blocks--;
}

static void untag_private_locked(struct blk *b)
{
	uint32_t i = b->priv - 1;

	b->priv = 0;
	if (i < hdr->priv_cap && priv_tab()[i].pid && priv_tab()[i].off == domain_offset(b))
		priv_release_locked(i);
}

void domain_private_begin(void)
{
	priv_depth++;
}

/*
 * A load or a JIT compilation under way in this thread (a session): its
 * private blocks and code runs, their offsets (a block freed meanwhile,
 * or reused, is told by its header and its entry's session), until they
 * become the program's.  A load's stay private after domain_load_end
 * (load_pending) until the program is registered: domain_obj_use makes
 * them its in the same hold of the lock that notes its use in the
 * ledger, so at every instant they are either this process's (freed if
 * it dies) or the registered program's (freed with it).
 */
static __thread uint64_t *load_offs;
static __thread size_t load_n, load_cap;
static __thread bool load_pending;

/* Note block or code run at off of the session under way (lock held):
 * false when it cannot be noted (then it is not made: it could never be
 * the program's). */
static bool load_note_off_locked(uint64_t off)
{
	if (!note_on)
		return true;
	if (load_n == load_cap) {
		size_t cap = load_cap ? 2 * load_cap : 64;
		uint64_t *n = realloc(load_offs, cap * sizeof(*n));

		if (!n)
			return false;
		load_offs = n;
		load_cap = cap;
	}
	load_offs[load_n++] = off;
	return true;
}

static bool load_note_locked(const struct blk *b)
{
	return load_note_off_locked(domain_offset(b));
}

/*
 * The references a load takes on maps (the library's, for the program's
 * map references: taken while it resolves the program's map descriptors,
 * held by the program once it is made).  Until the program is registered
 * they are the loading process's, noted in the ledger as its references
 * (refs) on each map and listed here, so a member killed mid-load or
 * before the registration has them dropped by domain_reap with its
 * blocks; the registration un-notes them in the same hold of the lock
 * (the program's now, dropped when it is freed).  The interposer is
 * linked with --wrap=ub_map_get,--wrap=ub_map_put (mk/launch.mk): each
 * reference the load takes is noted after it is taken, each it drops
 * un-noted before, as every reference in the ledger.  A map beyond the
 * list's room (a program names 64 at most) is not noted: a kill leaks
 * its reference, never drops it twice.
 */
#define LOAD_MAPS 64
/* (the thread's list, made at its first load: the agent that shares this
 * file keeps its thread-locals to a few hundred bytes, initial-exec) */
static __thread struct load_maps {
	bool sess; /* the session under way is a load */
	int n;
	struct load_map {
		void *map;
		int n;
	} map[LOAD_MAPS];
} *load_maps;
#define load_nmaps (load_maps ? load_maps->n : 0)
#define load_sess (load_maps && load_maps->sess)

/* The load's references listed go back to nobody's account (lock held):
 * the program holds them (registration), or the load ended. */
static void load_maps_unnote_locked(void)
{
	int i;

	for (i = 0; i < load_nmaps; i++)
		if (load_maps->map[i].n)
			ledger_locked(DOM_MAP, load_maps->map[i].map, -load_maps->map[i].n, true);
	if (load_maps)
		load_maps->n = 0;
}

/* Start a session (load or JIT): a fresh list, a new session number. */
static void sess_begin(void)
{
	load_n = 0;
	load_pending = false;
	if (load_nmaps) {
		lock();
		load_maps_unnote_locked();
		unlock();
	}
	lock();
	note_sess = ++hdr->sess_serial ? hdr->sess_serial : ++hdr->sess_serial;
	unlock();
	note_on = true;
	priv_depth++;
}

static void sess_list_drop(void)
{
	load_n = 0;
	if (load_cap > 4096) { /* a huge load's list is not kept */
		free(load_offs);
		load_offs = NULL;
		load_cap = 0;
	}
}

/* The ledger entry of the code run at off, or -1 (lock held). */
static int64_t code_entry_locked(uint64_t off)
{
	uint32_t i;

	for (i = 0; hdr->priv_code && i < hdr->priv_cap; i++)
		if (priv_tab()[i].pid && priv_tab()[i].off == off)
			return i;
	return -1;
}

/* The entries of session sess of process pid that the list off[0..n)
 * names are no process's any more: the program's (lock held). */
static void sess_share_locked(int pid, uint32_t sess, const uint64_t *off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (off[i] >= HEAP_END) {
			int64_t e = code_entry_locked(off[i]);

			if (e >= 0 && priv_tab()[e].pid == pid && priv_tab()[e].sess == sess)
				priv_release_locked((uint32_t)e);
		} else {
			struct blk *b = at(off[i]);
			uint32_t e = b->priv - 1;

			if (b->magic == BLK_MAGIC && b->priv && e < hdr->priv_cap &&
			    priv_tab()[e].pid == pid && priv_tab()[e].off == off[i] &&
			    priv_tab()[e].sess == sess)
				untag_private_locked(b);
		}
	}
}

void domain_load_begin(void)
{
	if (!hdr)
		return;
	sess_begin();
	if (!load_maps)
		load_maps = calloc(1, sizeof(*load_maps));
	/* (none: a kill mid-load leaks the load's references on maps) */
	if (load_maps)
		load_maps->sess = true;
}

/* A reference of the load on map taken (delta 1, after) or dropped
 * (-1, before): noted or un-noted (above). */
static void load_map_ref(void *map, int delta)
{
	int i;

	struct load_map *m;

	if (!load_maps)
		return;
	for (i = 0; i < load_maps->n && load_maps->map[i].map != map; i++)
		;
	if (delta < 0 && (i == load_maps->n || !load_maps->map[i].n))
		return; /* not one the load took */
	if (i == load_maps->n) {
		if (load_maps->n == LOAD_MAPS)
			return;
		load_maps->map[load_maps->n++] = (struct load_map){ map, 0 };
	}
	m = &load_maps->map[i];
	lock();
	/* the registry's maps only (the ledger's entries name them) */
	if (delta < 0 || find_obj(DOM_MAP, map)) {
		ledger_locked(DOM_MAP, map, delta, true);
		m->n += delta;
	}
	unlock();
}

/* (weak: the agent, which compiles this file too, is linked without
 * --wrap and never calls the wrappers) */
struct ub_map;
struct ub_map *__real_ub_map_get(struct ub_map *map) __attribute__((weak));
void __real_ub_map_put(struct ub_map *map) __attribute__((weak));
struct ub_map *__wrap_ub_map_get(struct ub_map *map);
void __wrap_ub_map_put(struct ub_map *map);

struct ub_map *__wrap_ub_map_get(struct ub_map *map)
{
	struct ub_map *ret = __real_ub_map_get(map);

	if (map && hdr && ((note_on && load_sess) || load_pending))
		load_map_ref(map, 1);
	return ret;
}

void __wrap_ub_map_put(struct ub_map *map)
{
	if (map && hdr && load_nmaps)
		load_map_ref(map, -1);
	__real_ub_map_put(map);
}

/* The library's memory of this process alone made during a load (its
 * handle table, map id table, verifier record grown there) stays the
 * process's: out of the load's session (lock held). */
static void lib_block_unsess(void *mem)
{
	struct blk *b = mem ? block_of((uint8_t *)mem - DOMAIN_LIB_HDR) : NULL;

	if (b && b->priv && b->priv - 1 < hdr->priv_cap)
		priv_tab()[b->priv - 1].sess = 0;
}

/* The same for the map id table, whose lock ub_map_ids_mem_each holds
 * when it calls this: that lock first, the domain's after, as
 * domain_private_note_lib takes them (the other order deadlocked a load
 * against a thread opening a map by id: tests/launch/apps/dpin race). */
static void lib_block_unsess_lock(void *mem)
{
	lock();
	lib_block_unsess(mem);
	unlock();
}

void domain_load_end(bool share)
{
	void *rec, *insns;

	if (!hdr)
		return;
	priv_depth--;
	note_on = false;
	if (load_maps)
		load_maps->sess = false;
	if (!share) {
		note_sess = 0;
		sess_list_drop();
		/* (the library dropped them: none should be left) */
		if (load_nmaps) {
			lock();
			load_maps_unnote_locked();
			unlock();
		}
		return;
	}
	verif_facts_mine(&rec, &insns);
	ub_map_ids_mem_each(lib_block_unsess_lock);
	lock();
	lib_block_unsess(rec);
	lib_block_unsess(insns);
	lib_block_unsess(ub_bpf_handles_mem());
	unlock();
	/* the rest stays private until the program is registered */
	load_pending = true;
	fault_point(DOMAIN_FAULT_VERIFIED);
}

/* Registering ptr, the program of this thread's load (its block one of
 * the load's): the load's blocks become its (lock held). */
static void load_share_locked(int kind, const void *ptr)
{
	uint64_t obj = domain_offset((const uint8_t *)ptr - DOMAIN_LIB_HDR - sizeof(struct blk));
	size_t i;

	if (!load_pending || kind != DOM_PROG)
		return;
	for (i = 0; i < load_n && load_offs[i] != obj; i++)
		;
	if (i == load_n)
		return;
	sess_share_locked(self_pid(), note_sess, load_offs, load_n);
	load_maps_unnote_locked();
	load_pending = false;
	note_sess = 0;
	sess_list_drop();
}

void domain_jit_begin(void)
{
	if (!hdr)
		return;
	sess_begin();
	if (load_maps)
		load_maps->sess = false;
}

void domain_jit_end(void)
{
	if (!hdr || !note_sess)
		return;
	fault_point(DOMAIN_FAULT_PUBLISHED);
	priv_depth--;
	note_on = false;
	/* what is left of the compilation is the image the program holds
	 * (its buffers were freed; an image that lost a race too) */
	lock();
	sess_share_locked(self_pid(), note_sess, load_offs, load_n);
	unlock();
	note_sess = 0;
	sess_list_drop();
}

void domain_private_end(void)
{
	priv_depth--;
}

int domain_private_tag(void *p)
{
	struct blk *b = block_of(p);
	int err = -EINVAL;

	if (!b)
		return err;
	lock();
	/* a registered object (a map, a program) is never one process's */
	if (b->magic == BLK_MAGIC && !(b->cls & BLK_REG))
		err = tag_private_locked(b);
	unlock();
	return err;
}

/* The library's memory (a block of its allocator: its header first). */
static void tag_lib_block(void *mem)
{
	domain_private_tag((uint8_t *)mem - DOMAIN_LIB_HDR);
}

void domain_private_note_lib(void)
{
	void *rec, *insns;

	if (!hdr)
		return;
	ub_map_ids_mem_each(tag_lib_block);
	verif_facts_mine(&rec, &insns);
	if (rec)
		tag_lib_block(rec);
	if (insns)
		tag_lib_block(insns);
}

static void pages_free_locked(struct blk *b);
static void code_mark_locked(uint64_t first, uint64_t pages, bool used);

/*
 * A process of dead[] killed after its JIT compilation published an
 * image (the program's jit pointer names it) but before domain_jit_end
 * made the compilation's blocks and code the program's: they are the
 * program's now, not freed with the dead process's (lock held).  An
 * image is found from the registered programs: one killed mid-load is
 * registered from before its compilation began.
 */
static void reap_published_locked(const int32_t *dead, int ndead)
{
	struct dom_obj *o;
	uint32_t i, n, k;

	o = objs_tab(&n);
	for (i = 0; i < n; i++) {
		const struct userbpf_prog *prog = o[i].ptr;
		const struct dom_priv *e;
		struct jit_image *img;
		struct blk *b;
		uint32_t sess;
		int32_t pid;

		if (o[i].kind != DOM_PROG || !prog)
			continue;
		img = __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE);
		b = img ? block_of((uint8_t *)img - DOMAIN_LIB_HDR) : NULL;
		if (!b || !b->priv || b->priv - 1 >= hdr->priv_cap)
			continue;
		e = &priv_tab()[b->priv - 1];
		if (!e->sess || !in_dead(e->pid, dead, ndead))
			continue;
		/* that compilation's entries, whatever they name */
		pid = e->pid;
		sess = e->sess;

		for (k = 0; k < hdr->priv_cap; k++) {
			struct dom_priv *f = &priv_tab()[k];

			if (f->pid != pid || f->sess != sess)
				continue;
			if (f->off >= HEAP_END) {
				priv_release_locked(k);
			} else {
				struct blk *fb = at(f->off);

				if (fb->magic == BLK_MAGIC && fb->priv == k + 1)
					untag_private_locked(fb);
				else
					priv_release_locked(k);
			}
		}
	}
}

/* Free the private blocks and code runs of the processes dead[] (lock
 * held). */
static void reap_private_locked(const int32_t *dead, int ndead)
{
	uint32_t i;

	if (hdr->priv_blocks)
		reap_published_locked(dead, ndead);
	for (i = 0; i < hdr->priv_cap; i++) {
		struct dom_priv *e = &priv_tab()[i];
		struct blk *b;

		if (!e->pid || !in_dead(e->pid, dead, ndead))
			continue;
		if (e->off >= HEAP_END) {
			/* a JIT compilation's image no program holds */
			uint64_t first = (e->off - HEAP_END) / PAGE, pages = e->pages;

			priv_release_locked(i);
			code_mark_locked(first, pages, false);
			continue;
		}
		b = at(e->off);
		if (b->magic != BLK_MAGIC || b->priv != i + 1)
			priv_release_locked(i); /* no block of its (never happens) */
		else if (b->cls == CLS_PAGES)
			pages_free_locked(b);
		else
			block_free_locked(b);
	}
}

/* USERBPF_DOMAIN_FAULT=load:6: a load's allocation of 1 MiB or more
 * stops where it is taken but not handed out (lock held). */
static void fault_alloc_point(size_t size)
{
	if (note_on && size >= (1u << 20))
		fault_point(DOMAIN_FAULT_ALLOC);
}

void *domain_alloc(size_t size)
{
	size_t need = size + sizeof(struct blk);
	uint32_t cls = 0;
	uint64_t off;
	struct blk *b;

	if (!hdr || size > HEAP_END / 2)
		return NULL;
	while (cls < NCLASS && (32ul << cls) < need)
		cls++;
	lock();
	if (cls < NCLASS) {
		off = hdr->free_cls[cls];
		if (off) {
			b = at(off);
			hdr->free_cls[cls] = *(uint64_t *)(b + 1);
			memset(b, 0, 32ul << cls);
		} else {
			off = (hdr->bump + 15) & ~15ul;
			if (off + (32ul << cls) > HEAP_END) {
				unlock();
				return NULL;
			}
			hdr->bump = off + (32ul << cls);
			b = at(off);
		}
		b->pages = 0;
		alloc_begin_locked(off, cls, 0);
	} else {
		off = take_pages((need + PAGE - 1) / PAGE);
		if (!off) {
			unlock();
			return NULL;
		}
		b = at(off);
	}
	b->magic = BLK_MAGIC;
	b->cls = cls;
	b->priv = 0;
	fault_alloc_point(size);
	/* a private block the ledger cannot list would leak: none then */
	if (priv_depth && (tag_private_locked(b) || !load_note_locked(b))) {
		block_free_locked(b);
		b = NULL;
	}
	alloc_done_locked(off);
	unlock();
	return b ? b + 1 : NULL;
}

static void objs_freed_locked(const void *p);

/* Free block b (valid, ours) with the lock held. */
static void block_free_locked(struct blk *b)
{
	uint32_t cls = b->cls & ~BLK_REG;

	if (b->cls & BLK_REG)
		objs_freed_locked(b + 1);
	if (b->priv)
		untag_private_locked(b);
	b->magic = 0;
	if (cls < NCLASS) {
		hdr->in_use -= 32ul << cls;
		*(uint64_t *)(b + 1) = hdr->free_cls[cls];
		hdr->free_cls[cls] = domain_offset(b);
	} else {
		hdr->in_use -= b->pages * PAGE;
		free_run_locked(domain_offset(b));
	}
}

/* The block that starts at p (a domain_alloc result), or NULL. */
static struct blk *block_of(const void *p)
{
	struct blk *b;

	if (!p || !domain_owns(p) || ((uintptr_t)p & 15))
		return NULL;
	b = (struct blk *)p - 1;
	return b->magic == BLK_MAGIC && (b->cls & ~BLK_REG) <= CLS_RUN ? b : NULL;
}

void domain_free(void *p)
{
	struct blk *b = block_of(p);

	if (!b)
		return;
	lock();
	block_free_locked(b);
	unlock();
}

/* Page runs for map storage: the run starts one page before the pointer
 * (its header page), so the storage itself is page-aligned.  Private
 * (listed) when made between domain_private_begin and _end. */
void *domain_pages(size_t len)
{
	uint64_t off;
	struct blk *b;

	if (!hdr)
		return NULL;
	lock();
	off = take_pages((len + PAGE - 1) / PAGE + 1);
	if (off) {
		b = at(off);
		uint64_t taken = off;

		b->magic = BLK_MAGIC;
		b->cls = CLS_PAGES;
		b->priv = 0;
		if (priv_depth && (tag_private_locked(b) || !load_note_locked(b))) {
			pages_free_locked(b);
			off = 0;
		}
		alloc_done_locked(taken);
	}
	unlock();
	return off ? (uint8_t *)at(off) + PAGE : NULL;
}

/* Free the domain_pages run b (lock held).  A run with aliases keeps
 * them: it is never reused. */
static void pages_free_locked(struct blk *b)
{
	uint8_t *p = (uint8_t *)b + PAGE;
	struct dom_alias *al;
	uint32_t i, cap;

	if (b->priv)
		untag_private_locked(b);
	b->magic = 0;
	hdr->in_use -= b->pages * PAGE;
	al = tab_ents(T_ALIAS, &cap);
	for (i = 0; i < hdr->nalias; i++)
		if ((uint8_t *)al[i].addr >= p && (uint8_t *)al[i].addr < p + (b->pages - 1) * PAGE)
			break;
	if (i == hdr->nalias)
		free_run_locked(domain_offset(b));
}

bool domain_pages_free(void *p)
{
	struct blk *b;
	bool ok;

	if (!domain_owns(p) || ((uintptr_t)p & (PAGE - 1)) ||
	    domain_offset(p) < HEAP_START + PAGE || domain_offset(p) >= HEAP_END)
		return false;
	b = (struct blk *)((uint8_t *)p - PAGE);
	lock();
	ok = b->magic == BLK_MAGIC && b->cls == CLS_PAGES;
	if (ok)
		pages_free_locked(b);
	unlock();
	return ok;
}

int domain_alias_add(void *addr, size_t len, uint64_t off)
{
	struct dom_alias *al;
	uint32_t cap;
	int err = 0;

	lock();
	tab_ents(T_ALIAS, &cap);
	if (hdr->nalias >= cap)
		err = tab_grow_locked(T_ALIAS);
	if (!err) {
		al = tab_ents(T_ALIAS, &cap);
		al[hdr->nalias] = (struct dom_alias){ addr, len, off };
		hdr->nalias++;
	}
	unlock();
	if (!err)
		domain_bump();
	return err;
}

/* Aliases are copied under the lock (the table may move), some at a
 * time, and mapped outside it. */
#define ALIAS_BATCH 32

void domain_alias_sync(void)
{
	struct dom_alias batch[ALIAS_BATCH], *al;
	uint32_t cap, n, i;

	do {
		lock();
		al = tab_ents(T_ALIAS, &cap);
		for (n = 0; n < ALIAS_BATCH && aliases_applied + n < hdr->nalias; n++)
			batch[n] = al[aliases_applied + n];
		unlock();
		for (i = 0; i < n; i++)
			launch_real.mmap(batch[i].addr, batch[i].len, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_FIXED, arena_fd, (off_t)batch[i].off);
		aliases_applied += n;
	} while (n == ALIAS_BATCH);
}

/* ==== ring buffers ==== */

/*
 * A ring's region is a page run (the domain_pages layout) whose second
 * copy of the data area is an alias of the first, which every member
 * maps at its next sync.  A ring freed keeps its alias (a member may not
 * have seen it yet): its run is never given to anything but a new ring.
 * A new ring of the same geometry takes it as it is (rings made and
 * freed over and over, a member killed and started again, use the same
 * runs and aliases); failing that, one of another geometry takes the
 * smallest freed run it fits in (ring_reshape: aliases recorded on top of
 * the old ones, which no fresh run would spare), rather than a new run.
 */

/* Remap run r's region p for a ring of head + data bytes (r off the free
 * list, lock not held): the pages of its head and data an older alias
 * showed elsewhere show themselves again (an identity alias), then the
 * data's second copy.  Each is mapped here at once and recorded for the
 * other members (recorded after: they map aliases in order, so the last
 * recorded wins).  0, or -errno (r's alias bounds stay true). */
static int ring_reshape(struct ring_hdr *r, uint8_t *p, uint64_t head, uint64_t data)
{
	uint64_t end = head + data < r->alias_hi ? head + data : r->alias_hi;

	if (head + data > r->alias_lo) {
		if (launch_real.mmap(p + r->alias_lo, end - r->alias_lo, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED, arena_fd,
				     (off_t)domain_offset(p + r->alias_lo)) == MAP_FAILED ||
		    domain_alias_add(p + r->alias_lo, end - r->alias_lo,
				     domain_offset(p + r->alias_lo)))
			return -ENOMEM;
		/* the old geometry's alias is no longer whole */
		r->alias_lo = end;
		r->head = r->data = 0;
	}
	if (launch_real.mmap(p + head + data, data, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			     arena_fd, (off_t)domain_offset(p + head)) == MAP_FAILED ||
	    domain_alias_add(p + head + data, data, domain_offset(p + head)))
		return -ENOMEM;
	r->head = head;
	r->data = data;
	r->alias_lo = head + data;
	if (head + 2 * data > r->alias_hi)
		r->alias_hi = head + 2 * data;
	return 0;
}

void *domain_ring_alloc(size_t head, size_t data)
{
	uint64_t *prev, *best_prev = NULL, off = 0, pages = (head + 2 * data) / PAGE + 1;
	struct ring_hdr *r;
	uint8_t *p;

	if (!hdr || (head | data) & (PAGE - 1))
		return NULL;
	lock();
	for (prev = &hdr->free_rings; *prev; prev = &r->next) {
		r = at(*prev);
		if (r->head == head && r->data == data) {
			off = *prev;
			*prev = r->next;
			break;
		}
		if (r->b.pages >= pages &&
		    (!best_prev || r->b.pages < ((struct ring_hdr *)at(*best_prev))->b.pages))
			best_prev = prev;
	}
	if (off) {
		r = at(off);
		r->b.magic = BLK_MAGIC;
		hdr->in_use += r->b.pages * PAGE;
		p = (uint8_t *)r + PAGE;
		memset(p, 0, head + data); /* the data's second copy with it */
		unlock();
		return p;
	}
	if (best_prev) {
		off = *best_prev;
		r = at(off);
		*best_prev = r->next;
		unlock();
		p = (uint8_t *)r + PAGE;
		if (ring_reshape(r, p, head, data)) {
			lock(); /* back for a ring of its geometry */
			r->next = hdr->free_rings;
			hdr->free_rings = off;
			unlock();
			return NULL;
		}
		lock();
		r->b.magic = BLK_MAGIC;
		hdr->in_use += r->b.pages * PAGE;
		unlock();
		memset(p, 0, head + data);
		return p;
	}
	off = take_pages(pages);
	if (off) {
		r = at(off);
		r->b.magic = BLK_MAGIC;
		r->b.cls = CLS_PAGES;
		r->head = head;
		r->data = data;
		r->alias_lo = head + data;
		r->alias_hi = head + 2 * data;
		alloc_done_locked(off);
	}
	unlock();
	if (!off)
		return NULL;
	p = (uint8_t *)r + PAGE;
	if (launch_real.mmap(p + head + data, data, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			     arena_fd, (off_t)domain_offset(p + head)) == MAP_FAILED)
		goto fail;
	if (domain_alias_add(p + head + data, data, domain_offset(p + head))) {
		/* the alias table is full: this process's mapping goes back */
		launch_real.mmap(p + head + data, data, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, arena_fd,
				 (off_t)domain_offset(p + head + data));
		goto fail;
	}
	lock();
	r->b.cls = CLS_RING;
	unlock();
	return p;
fail:
	lock();
	pages_free_locked(&r->b);
	unlock();
	return NULL;
}

void domain_ring_free(void *region, size_t head, size_t data)
{
	struct ring_hdr *r = (struct ring_hdr *)(void *)((uint8_t *)region - PAGE);

	(void)head;
	(void)data;
	if (!domain_owns(region) || ((uintptr_t)region & (PAGE - 1)))
		return;
	lock();
	if (r->b.magic == BLK_MAGIC && r->b.cls == CLS_RING) {
		r->b.magic = 0;
		hdr->in_use -= r->b.pages * PAGE;
		r->next = hdr->free_rings;
		hdr->free_rings = domain_offset(r);
	}
	unlock();
}

/* ==== code area ==== */

/*
 * Pages of the code area are allocated first-fit from a bitmap (a freed
 * run is whole again at once, merged with its free neighbours, so
 * nothing is lost to the sizes asked before).
 */

/* The first page of the first run of pages free pages, or -1 (lock held). */
static int64_t code_find_locked(uint64_t pages)
{
	uint64_t i, run = 0;

	for (i = 0; i < CODE_PAGES; i++) {
		if (!(i & 63) && hdr->code_map[i / 64] == ~0ull) {
			run = 0;
			i += 63;
		} else if ((hdr->code_map[i / 64] >> (i & 63)) & 1) {
			run = 0;
		} else if (++run == pages) {
			return (int64_t)(i + 1 - pages);
		}
	}
	return -1;
}

/* Mark pages [first, first + pages) used or free (lock held). */
static void code_mark_locked(uint64_t first, uint64_t pages, bool used)
{
	uint64_t i;

	for (i = first; i < first + pages && i < CODE_PAGES; i++) {
		uint64_t bit = 1ull << (i & 63), *w = &hdr->code_map[i / 64];

		if (!!(*w & bit) == used)
			continue;
		*w ^= bit;
		if (used)
			hdr->code_in_use += PAGE;
		else
			hdr->code_in_use -= PAGE;
	}
}

void *domain_code_alloc(size_t size)
{
	uint64_t pages = (size + PAGE - 1) / PAGE;
	int64_t first;
	void *p;

	if (!hdr || !code_ok || !size || pages > CODE_PAGES)
		return NULL;
	lock();
	first = code_find_locked(pages);
	if (first >= 0) {
		code_mark_locked((uint64_t)first, pages, true);
		/* a JIT compilation's image is this process's until the
		 * program holds it (domain_jit_end) */
		if (priv_depth && note_on &&
		    (tag_code_locked(HEAP_END + (uint64_t)first * PAGE, pages) ||
		     !load_note_off_locked(HEAP_END + (uint64_t)first * PAGE))) {
			int64_t e = code_entry_locked(HEAP_END + (uint64_t)first * PAGE);

			if (e >= 0)
				priv_release_locked((uint32_t)e);
			code_mark_locked((uint64_t)first, pages, false);
			first = -1;
		}
	}
	unlock();
	if (first < 0)
		return NULL;
	p = at(HEAP_END + (uint64_t)first * PAGE);
	if (mprotect(p, pages * PAGE, PROT_READ | PROT_WRITE)) {
		domain_code_free(p, size);
		return NULL;
	}
	fault_point(DOMAIN_FAULT_CODE);
	return p;
}

int domain_code_seal(void *p, size_t size)
{
	int err;

	if (!domain_owns(p) || domain_offset(p) < HEAP_END)
		return -EINVAL;
	err = mprotect(p, (size + PAGE - 1) & ~(PAGE - 1), PROT_READ | PROT_EXEC) ? -errno : 0;
	if (!err && note_on)
		fault_point(DOMAIN_FAULT_SEALED);
	return err;
}

void domain_code_free(void *p, size_t size)
{
	uint64_t pages = (size + PAGE - 1) / PAGE;

	if (!domain_owns(p) || domain_offset(p) < HEAP_END || ((uintptr_t)p & (PAGE - 1)))
		return;
	mprotect(p, pages * PAGE, PROT_READ | PROT_EXEC);
	lock();
	if (hdr->priv_code) {
		int64_t e = code_entry_locked(domain_offset(p));

		if (e >= 0)
			priv_release_locked((uint32_t)e);
	}
	code_mark_locked((domain_offset(p) - HEAP_END) / PAGE, pages, false);
	unlock();
}

/* ==== registry ==== */

static struct dom_obj *find_obj(int kind, const void *ptr)
{
	uint32_t i, n;
	struct dom_obj *o = objs_tab(&n);

	for (i = 0; i < n; i++)
		if (o[i].kind == (uint32_t)kind && o[i].ptr == ptr)
			return &o[i];
	return NULL;
}

static struct dom_obj *find_id(int kind, uint32_t id)
{
	uint32_t i, n;
	struct dom_obj *o = objs_tab(&n);

	for (i = 0; id && i < n; i++)
		if (o[i].kind == (uint32_t)kind && o[i].id == id)
			return &o[i];
	return NULL;
}

/* Remove entry o (with what it holds, and its record). */
/* Programs of attachments detached under the lock, whose references
 * flush_detached() drops after it (this process's list). */
#define MAX_DETACHED 16
static void *detached_progs[MAX_DETACHED];
static int ndetached;

/*
 * The last reference on link record rec went (no descriptor, no pin):
 * its attachment is detached, as on Linux, when the process that made it
 * is gone (killed, or exited while the link was pinned).  A live owner
 * holds a descriptor object on it and detaches it itself.  Lock held.
 */
static void link_gone_locked(const void *rec)
{
	uint32_t i, n;
	struct dom_attach *att = att_tab(&n);

	for (i = 0; i < n; i++) {
		struct dom_attach *a = &att[i];

		if (!a->active || a->link != rec || ndetached == MAX_DETACHED ||
		    (a->owner && proc_alive(a->owner)))
			continue;
		detached_progs[ndetached] = a->prog;
		__atomic_store_n(&ndetached, ndetached + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&a->active, 0, __ATOMIC_RELEASE);
		a->owner = 0;
	}
}

/* Drop the references link_gone_locked() collected (lock not held) and
 * tell the members to detach. */
static void flush_detached(void)
{
	void *progs[MAX_DETACHED];
	int i, n;

	if (!__atomic_load_n(&ndetached, __ATOMIC_RELAXED))
		return;
	lock();
	n = ndetached;
	memcpy(progs, detached_progs, sizeof(progs[0]) * (size_t)n);
	__atomic_store_n(&ndetached, 0, __ATOMIC_RELAXED);
	unlock();
	for (i = 0; i < n; i++)
		userbpf_prog__put(progs[i]);
	if (n)
		domain_bump();
}

static void obj_drop_locked(struct dom_obj *o)
{
	struct dom_obj held = *o;
	struct dom_obj *h;
	struct blk *b;

	memset(o, 0, sizeof(*o));
	if (held.kind == DOM_LINK)
		link_gone_locked(held.ptr);
	if (held.flags & OBJ_RECORD) {
		b = block_of(held.ptr);
		if (b)
			block_free_locked(b);
	}
	h = held.hold_id ? find_id((int)held.hold_kind, held.hold_id) : NULL;
	if (h && h->held && !--h->held && h->users <= 0 && !h->pinned && !(h->flags & OBJ_TRACKED))
		obj_drop_locked(h);
}

/* The block at p was freed: the tracked objects it was leave. */
static void objs_freed_locked(const void *p)
{
	const void *obj = (const uint8_t *)p + DOMAIN_LIB_HDR;
	struct dom_obj *o;
	struct dom_use *u;
	struct blk *b;
	uint32_t i, n;
	void *node;

	/* launch's facts about it (meta.c) */
	while ((node = launch_meta_unlink_locked(obj)))
		if ((b = block_of(node)))
			block_free_locked(b);

	o = objs_tab(&n);
	for (i = 0; i < n; i++)
		if (o[i].ptr == obj && (o[i].flags & OBJ_TRACKED))
			obj_drop_locked(&o[i]);
	/* nobody holds a freed object: an entry naming it is stale and
	 * must not name the next object at this address */
	u = uses_tab(&n);
	for (i = 0; i < n; i++)
		if (u[i].ptr == obj)
			memset(&u[i], 0, sizeof(u[i]));
}

/*
 * Note delta uses (refs false) or library references (refs true) of
 * (kind, ptr) by this process (lock held).  A ledger the heap has no
 * room to grow notes nothing: a kill then leaks what was not noted (a count never goes below what
 * the process holds, so reaping never drops a reference twice).
 */
static void ledger_pid_locked(int me, int kind, const void *ptr, int delta, bool refs);

static void ledger_locked(int kind, const void *ptr, int delta, bool refs)
{
	ledger_pid_locked(self_pid(), kind, ptr, delta, refs);
}

/* The same, noted under pid me (a fork in flight's: domain_obj_use_fork). */
static void ledger_pid_locked(int me, int kind, const void *ptr, int delta, bool refs)
{
	struct dom_use *u, *tab;
	uint32_t i, n;
	int64_t slot;

	if (kind != DOM_MAP && kind != DOM_PROG && kind != DOM_BTF && kind != DOM_LINK)
		return;
	tab = uses_tab(&n);
	for (i = 0; i < n; i++)
		if (tab[i].pid == me && tab[i].kind == (uint32_t)kind && tab[i].ptr == ptr)
			break;
	if (i == n) {
		if (delta <= 0 || (slot = tab_free_slot_locked(T_USES)) < 0)
			return;
		tab = uses_tab(&n);
		i = (uint32_t)slot;
		tab[i] = (struct dom_use){ .pid = me, .kind = (uint32_t)kind, .ptr = (void *)ptr };
	}
	u = &tab[i];
	if (refs)
		u->refs = u->refs + delta < 0 ? 0 : u->refs + delta;
	else
		u->n = u->n + delta < 0 ? 0 : u->n + delta;
	if (!u->n && !u->refs)
		memset(u, 0, sizeof(*u));
}

/* Whether the ledger can note a use of (kind, ptr) by this process: an
 * entry of its own, or a free one, the ledger grown for it if need be
 * (false only when the heap has no room for a bigger one; lock held). */
static bool ledger_room_pid_locked(int me, int kind, const void *ptr);

static bool ledger_room_locked(int kind, const void *ptr)
{
	return ledger_room_pid_locked(self_pid(), kind, ptr);
}

static bool ledger_room_pid_locked(int me, int kind, const void *ptr)
{
	uint32_t i, n;
	struct dom_use *u = uses_tab(&n);

	for (i = 0; i < n; i++)
		if (!u[i].pid || (u[i].pid == me && u[i].kind == (uint32_t)kind && u[i].ptr == ptr))
			return true;
	return !tab_grow_locked(T_USES);
}

static uint32_t obj_use_as(int kind, void *ptr, int pid);

uint32_t domain_obj_use(int kind, void *ptr)
{
	return obj_use_as(kind, ptr, self_pid());
}

/* One use of ptr noted under pid (this process's, or -pid: a fork's). */
static uint32_t obj_use_as(int kind, void *ptr, int pid)
{
	bool registered = false;
	struct dom_obj *o;
	uint32_t id = 0;
	struct blk *b;
	int64_t i;

	lock();
	/* a use the ledger cannot note would leak if this process were
	 * killed: refused (no id), as a full registry refuses */
	if (!ledger_room_pid_locked(pid, kind, ptr)) {
		hdr->ledger_refusals++;
		unlock();
		return 0;
	}
	o = find_obj(kind, ptr);
	if (!o && (i = tab_free_slot_locked(T_OBJS)) >= 0) {
		uint32_t n;

		o = &objs_tab(&n)[i];
		memset(o, 0, sizeof(*o));
		o->kind = (uint32_t)kind;
		o->ptr = ptr;
		o->id = ++hdr->next_id[kind];
		b = block_of((uint8_t *)ptr - DOMAIN_LIB_HDR);
		if ((kind == DOM_MAP || kind == DOM_PROG) && b) {
			/* listed until the library frees it */
			o->flags = OBJ_TRACKED;
			b->cls |= BLK_REG;
		} else if (kind == DOM_BTF || kind == DOM_LINK) {
			o->flags = OBJ_RECORD;
		}
	}
	if (o) {
		o->users++;
		id = o->id;
		ledger_pid_locked(pid, kind, ptr, 1, false);
		/* the program of this thread's load: what the load made is
		 * its now, in the same step that notes its use (a use handed
		 * to a forked child is no load's) */
		if (load_pending && kind == DOM_PROG && pid == self_pid()) {
			load_share_locked(kind, ptr);
			registered = !load_pending;
		}
	}
	unlock();
	if (registered)
		fault_point(DOMAIN_FAULT_REGISTERED);
	return id;
}

/* ==== uses handed to a forked child (launch/fork.c) ==== */

uint32_t domain_obj_use_fork(int kind, void *ptr)
{
	return obj_use_as(kind, ptr, -self_pid());
}

/*
 * A fork in flight: the uses in flight from a parent (minus its pid) stay
 * while its child may still take them, also when the parent is killed
 * before domain_fork_handed named them the child's.  The parent holds,
 * from before the fork until it named them, a read lock (OFD: it belongs
 * to an open file description, which the child inherits) on the byte of
 * the arena file past its end at FORK_HOLD + its pid, on a description of
 * its own; the child lets go of its copy once it took them.  So the byte
 * is locked while either can still act on them: a reaper that finds the
 * parent dead and the byte locked leaves them (and the parent listed, to
 * look again later); unlocked, the child took them or died, and what is
 * left goes back.  (The members' own lock is the byte at DOMAIN_SIZE.)
 */
#define FORK_HOLD (DOMAIN_SIZE + 1)
static int fork_hold_fd = -1;

int domain_fork_hold(void)
{
	struct flock fl = {
		.l_type = F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = (off_t)(FORK_HOLD + (uint64_t)self_pid()),
		.l_len = 1,
	};
	int fd;

	if (!hdr || fork_hold_fd >= 0)
		return -EBUSY;
	fd = launch_real.open(arena_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (probe_sc_gate(SYS_fcntl, fd, F_OFD_SETLK, (long)(uintptr_t)&fl, 0, 0, 0)) {
		launch_real.close(fd);
		return -ENOLCK;
	}
	fork_hold_fd = fd;
	return 0;
}

void domain_fork_release(void)
{
	if (fork_hold_fd < 0)
		return;
	launch_real.close(fork_hold_fd);
	fork_hold_fd = -1;
}

/* Whether a fork of process pid may still have uses in flight to take
 * (the byte above locked by its parent's or child's description). */
static bool fork_held(int pid)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = (off_t)(FORK_HOLD + (uint64_t)(uint32_t)pid),
		.l_len = 1,
	};

	return pid > 0 &&
	       !probe_sc_gate(SYS_fcntl, arena_fd, F_OFD_GETLK, (long)(uintptr_t)&fl, 0, 0, 0) &&
	       fl.l_type != F_UNLCK;
}

void domain_fork_handed(int child)
{
	int me = -self_pid();
	struct dom_member *m;
	struct dom_use *u;
	uint32_t i, n;
	uint64_t start;
	int64_t slot;

	if (!hdr || child <= 0)
		return;
	/* the tests' parent killed before it names the child's uses */
	if (fork_fault) {
		__atomic_store_n(&hdr->grow_fault, self_pid(), __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	/* the child's identity now, while its pid is surely its own (not
	 * waited for yet: a pid it leaves behind, reused, is another
	 * process) */
	start = live_ident(child);
	lock();
	u = uses_tab(&n);
	for (i = 0; i < n; i++)
		if (u[i].pid == me)
			u[i].pid = -child;
	/* the child is a member from now on (if it has not listed itself
	 * yet), so the reaping of a child that died first finds its pid */
	m = procs_tab(&n);
	for (i = 0; i < n && m[i].pid != child; i++)
		;
	if (i == n && (slot = tab_free_slot_locked(T_PROCS)) >= 0) {
		m = procs_tab(&n);
		m[slot] =
			(struct dom_member){ .pid = child, .flags = MEMBER_FORKED, .start = start };
	}
	unlock();
}

void domain_obj_unuse(int kind, void *ptr)
{
	struct dom_obj *o;

	lock();
	o = find_obj(kind, ptr);
	if (o)
		ledger_locked(kind, ptr, -1, false);
	if (o && --o->users <= 0 && !o->pinned && !o->held && !(o->flags & OBJ_TRACKED))
		obj_drop_locked(o);
	unlock();
	flush_detached();
}

bool domain_obj_use_take(int kind, void *ptr, int from)
{
	struct dom_use *u;
	uint32_t i, n;
	bool ok = false;

	lock();
	u = uses_tab(&n);
	for (i = 0; i < n; i++)
		if (u[i].pid == from && u[i].kind == (uint32_t)kind && u[i].ptr == ptr &&
		    u[i].n > 0)
			break;
	/* room for this process's entry first: the ledger may move */
	if (i < n && ledger_room_locked(kind, ptr)) {
		u = &uses_tab(&n)[i];
		if (!--u->n && !u->refs)
			memset(u, 0, sizeof(*u));
		ledger_locked(kind, ptr, 1, false);
		ok = true;
	}
	unlock();
	return ok;
}

/* A copy of the registry entry of (kind, ptr) taken under the lock, all
 * zero (no users, not pinned, id 0) when it is not listed. */
static struct dom_obj obj_snapshot(int kind, const void *ptr)
{
	struct dom_obj copy = { 0 }, *o;

	lock();
	o = find_obj(kind, ptr);
	if (o)
		copy = *o;
	unlock();
	return copy;
}

int domain_obj_users(int kind, const void *ptr)
{
	return obj_snapshot(kind, ptr).users;
}

bool domain_obj_pinned(int kind, const void *ptr)
{
	return obj_snapshot(kind, ptr).pinned != 0;
}

void domain_obj_hold(int kind, const void *holder, int held_kind, uint32_t held_id)
{
	struct dom_obj *o, *h;

	lock();
	o = find_obj(kind, holder);
	h = find_id(held_kind, held_id);
	if (o && h && !o->hold_id) {
		o->hold_kind = (uint32_t)held_kind;
		o->hold_id = held_id;
		h->held++;
	}
	unlock();
}

void domain_lock(void)
{
	lock();
}

void domain_unlock(void)
{
	unlock();
}

/* The exec marks are a flag of the member's entry (the member table
 * grows as needed: no limit but the heap's).  A process that is no member
 * (no room in the heap for it) marks nothing: its new image fires
 * sys_enter_execve again. */
void domain_exec_mark(int pid, bool on)
{
	struct dom_member *m;
	uint32_t i, cap;

	bool found = false;
	int64_t slot;

	lock();
	m = procs_tab(&cap);
	for (i = 0; i < cap; i++)
		if (m[i].pid == pid) {
			m[i].flags = on ? m[i].flags | MEMBER_EXEC : m[i].flags & ~MEMBER_EXEC;
			found = true;
		}
	/* a vfork child (no fork handler listed it): listed now, its
	 * identity unknown (0), as the image it execs will be */
	if (!found && on && (slot = tab_free_slot_locked(T_PROCS)) >= 0) {
		m = procs_tab(&cap);
		m[slot] = (struct dom_member){ .pid = pid, .flags = MEMBER_EXEC };
	}
	unlock();
}

bool domain_exec_take(int pid)
{
	struct dom_member *m;
	bool was = false;
	uint32_t i, cap;

	lock();
	m = procs_tab(&cap);
	for (i = 0; i < cap; i++)
		if (m[i].pid == pid && (m[i].flags & MEMBER_EXEC)) {
			m[i].flags &= ~MEMBER_EXEC;
			was = true;
		}
	unlock();
	return was;
}

void *domain_run_slots(void)
{
	return hdr->run_slots;
}

struct dom_stats *domain_stats(void)
{
	return &hdr->stats;
}

void **domain_meta_head(void)
{
	return &hdr->meta;
}

uint32_t domain_obj_id(int kind, const void *ptr)
{
	return obj_snapshot(kind, ptr).id;
}

/* A reference on entry o's object (lock held): for a map or program an
 * increment of its own count unless that is already zero (its last
 * reference is being dropped: its memory, freed under this lock, is
 * still there, but it must not be revived), for a record one more user.
 * The object, or NULL. */
static void *obj_tryget_locked(struct dom_obj *o)
{
	if (o->kind == DOM_MAP)
		return ub_map_to_public(ub_map_get_unless_zero(ub_map_from(o->ptr)));
	if (o->kind == DOM_PROG)
		return ub_prog_get_unless_zero(o->ptr);
	o->users++;
	return o->ptr;
}

void *domain_obj_get(int kind, uint32_t id)
{
	struct dom_obj *o;
	void *p = NULL;

	lock();
	o = find_id(kind, id);
	if (o)
		p = obj_tryget_locked(o);
	unlock();
	return p;
}

void domain_obj_put(int kind, void *ptr)
{
	if (!ptr)
		return;
	if (kind == DOM_MAP)
		userbpf_map__put(ptr);
	else if (kind == DOM_PROG)
		userbpf_prog__put(ptr);
	else
		domain_obj_unuse(kind, ptr);
}

uint32_t domain_obj_next_id(int kind, uint32_t start)
{
	uint32_t best = 0, i, n;
	struct dom_obj *o;

	lock();
	o = objs_tab(&n);
	for (i = 0; i < n; i++)
		if (o[i].kind == (uint32_t)kind && o[i].id > start && (!best || o[i].id < best))
			best = o[i].id;
	unlock();
	return best;
}

/* ==== killed members ==== */

void domain_obj_ref(int kind, void *ptr, int delta)
{
	if (!hdr || !ptr)
		return;
	lock();
	if (find_obj(kind, ptr))
		ledger_locked(kind, ptr, delta, true);
	unlock();
}

bool domain_slot_owner_dead(uint32_t pid)
{
	return pid && !proc_alive((int)pid);
}

#define REAP_PIDS 16
#define REAP_PUTS 64

/* Whether pid is one of dead[0..ndead). */
static bool in_dead(int32_t pid, const int32_t *dead, int ndead)
{
	int j;

	for (j = 0; j < ndead; j++)
		if (pid == dead[j])
			return true;
	return false;
}

/*
 * Give back what the ledger says the processes dead[] held: their uses
 * leave the registry counts, and the library references (one per use of
 * a map or program, plus refs) are collected into put[] for dropping
 * outside the lock; their attachments are detached (*detached set) but
 * a pinned link's.  Stops early when put[] is full (the rest waits for
 * the next call).  Lock held.  Returns the number collected; *all says
 * whether every entry was seen.
 */
static int reap_locked(const int32_t *dead, const bool *keep, int ndead, struct dom_use *put,
		       bool *all, bool *detached)
{
	struct dom_use *uses;
	struct dom_attach *att;
	uint32_t i, n;
	int nput = 0;

	uses = uses_tab(&n);
	for (i = 0; i < n && nput < REAP_PUTS; i++) {
		struct dom_use *u = &uses[i];
		struct dom_obj *o;

		/* a dead process's uses, and those in flight to or from it
		 * (minus its pid: a forked child that died before it took
		 * them, a parent killed before it named them the child's); a
		 * reaper's own pid (stale entries of its earlier image) never
		 * the second way: what is in flight to it is to be taken */
		if (!u->pid ||
		    !(in_dead(u->pid, dead, ndead) ||
		      (u->pid < 0 && -u->pid != self_pid() && in_dead(-u->pid, dead, ndead))))
			continue;
		/* in flight from a parent whose child may still take it (a
		 * fork hold, domain_fork_hold) */
		if (u->pid < 0) {
			int j;

			for (j = 0; j < ndead && dead[j] != -u->pid; j++)
				;
			if (j < ndead && keep[j])
				continue;
		}
		o = find_obj((int)u->kind, u->ptr);
		if (o) {
			o->users -= u->n;
			if (o->kind == DOM_MAP || o->kind == DOM_PROG)
				put[nput++] = *u; /* the library's count */
			else if (o->users <= 0 && !o->pinned && !o->held &&
				 !(o->flags & OBJ_TRACKED))
				obj_drop_locked(o);
		}
		memset(u, 0, sizeof(*u));
	}
	*all = i == n;
	/* their domain-wide attachments, but a link's that a pin or another
	 * process's descriptor still holds (detached with its last
	 * reference: link_gone_locked); the attachment's reference on its
	 * program goes with it.  After the uses: a link entry they alone
	 * held went there, with its attachment */
	att = att_tab(&n);
	for (i = 0; i < n && nput < REAP_PUTS; i++) {
		struct dom_attach *a = &att[i];
		struct dom_obj *l;

		if (!a->active || !in_dead(a->owner, dead, ndead))
			continue;
		l = a->link ? find_obj(DOM_LINK, a->link) : NULL;
		if (l && (l->pinned || l->users > 0)) {
			a->owner = 0;
			continue;
		}
		put[nput++] = (struct dom_use){ .kind = DOM_PROG, .ptr = a->prog, .refs = 1 };
		__atomic_store_n(&a->active, 0, __ATOMIC_RELEASE);
		a->owner = 0;
		*detached = true;
	}
	return nput;
}

void domain_reap(void)
{
	struct dom_member m[MEMBER_CHUNK], *procs;
	struct dom_use put[REAP_PUTS];
	int32_t dead[REAP_PIDS];
	bool keep[REAP_PIDS];
	int i, j, n, ndead = 0, nput = 0, me;
	bool all = false, detached = false;
	uint32_t pos = 0, k, cap;

	if (!hdr)
		return;
	me = self_pid();
	/* members gone without leaving, or whose pid another process reused
	 * (liveness read outside the lock) */
	while (ndead < REAP_PIDS && (n = members_chunk(&pos, m, MEMBER_CHUNK)))
		for (i = 0; i < n && ndead < REAP_PIDS; i++)
			if (m[i].pid != me && !member_alive(&m[i]))
				dead[ndead++] = m[i].pid;
	/* this pid's entries from before it joined (the image before an
	 * exec, or a dead member whose pid it reused) */
	if (__atomic_exchange_n(&stale_self, false, __ATOMIC_RELAXED))
		dead[ndead < REAP_PIDS ? ndead++ : ndead - 1] = me;
	/* a dead parent's fork still in flight: its child may take what it
	 * handed over (read outside the lock) */
	for (j = 0; j < ndead; j++)
		keep[j] = dead[j] != me && fork_held(dead[j]);
	if (ndead) {
		lock();
		/* again under the lock: a pid reused by a process that joined
		 * since the scan is alive, and what it notes is its own */
		for (j = 0; j < ndead;)
			if (dead[j] != me && pid_member_alive(dead[j])) {
				--ndead;
				dead[j] = dead[ndead];
				keep[j] = keep[ndead];
			} else {
				j++;
			}
		nput = reap_locked(dead, keep, ndead, put, &all, &detached);
		reap_private_locked(dead, ndead);
		/* all of their entries gone: no members any more */
		procs = procs_tab(&cap);
		for (k = 0; all && k < cap; k++)
			for (j = 0; j < ndead; j++)
				if (procs[k].pid == dead[j] && dead[j] != me && !keep[j])
					procs[k] = (struct dom_member){ 0 };
		unlock();
		/* the other members detach what was detached */
		if (detached)
			domain_bump();
		for (i = 0; i < nput; i++)
			for (j = 0; j < put[i].n + put[i].refs; j++) {
				if (put[i].kind == DOM_MAP)
					userbpf_map__put(put[i].ptr);
				else
					userbpf_prog__put(put[i].ptr);
			}
		flush_detached();
	}
	ub_map_run_slots_reclaim();
}

/* ==== pins ==== */

/* The pin entry of path (its kind in *kind, the registry entry of its
 * object, or NULL, in *o), or NULL.  Lock held. */
static struct dom_pin *find_pin_locked(const char *path, int *kind, struct dom_obj **o)
{
	uint32_t i, n;
	struct dom_pin *pins = pins_tab(&n);

	for (i = 0; i < n; i++)
		if (pins[i].kind && !strcmp(pins[i].path, path)) {
			*kind = (int)pins[i].kind;
			*o = find_obj(*kind, pins[i].ptr);
			return &pins[i];
		}
	return NULL;
}

int domain_pin(const char *path, int kind, void *ptr)
{
	struct dom_pin *pin;
	struct dom_obj *o;
	int64_t slot;
	uint32_t n;
	int k, err = 0;

	if (strlen(path) >= sizeof(pin->path))
		return -ENAMETOOLONG;
	if (!kind)
		return -EINVAL;
	lock();
	if (find_pin_locked(path, &k, &o)) {
		err = -EEXIST;
		goto out;
	}
	slot = tab_free_slot_locked(T_PINS);
	if (slot < 0) {
		err = -ENOSPC;
		goto out;
	}
	pin = &pins_tab(&n)[slot];
	snprintf(pin->path, sizeof(pin->path), "%s", path);
	pin->ptr = ptr;
	pin->kind = (uint32_t)kind;
	o = find_obj(kind, ptr);
	if (o)
		o->pinned++;
out:
	unlock();
	return err;
}

void *domain_pin_get(const char *path, int *kind)
{
	struct dom_obj *o;
	void *p = NULL;

	lock();
	if (find_pin_locked(path, kind, &o) && o)
		p = obj_tryget_locked(o);
	unlock();
	return p;
}

void *domain_unpin(const char *path, int *kind)
{
	struct dom_pin *pin;
	struct dom_obj *o;
	void *p = NULL;

	lock();
	pin = find_pin_locked(path, kind, &o);
	if (pin) {
		p = pin->ptr;
		memset(pin, 0, sizeof(*pin));
		/* the entry of a map or program goes with its memory
		 * (the caller drops the pin's reference) */
		if (o && o->pinned && !--o->pinned && o->users <= 0 && !o->held &&
		    !(o->flags & OBJ_TRACKED))
			obj_drop_locked(o);
	}
	unlock();
	flush_detached();
	return p;
}

/* ==== attachments ==== */

int domain_attach_add(const struct dom_attach *a)
{
	struct dom_attach *att;
	int64_t i;
	uint32_t n;

	lock();
	i = tab_free_slot_locked(T_ATT);
	if (i >= 0) {
		att = &att_tab(&n)[i];
		*att = *a;
		att->active = 0;
		att->serial = ++hdr->attach_serial;
		att->active = 1;
	}
	unlock();
	if (i < 0)
		return -ENOSPC;
	domain_bump();
	return (int)i;
}

/* Attachment slot, or NULL (lock held). */
static struct dom_attach *att_at(int slot)
{
	uint32_t n;
	struct dom_attach *att = att_tab(&n);

	return slot >= 0 && (uint32_t)slot < n ? &att[slot] : NULL;
}

void domain_attach_link(int slot, void *rec)
{
	struct dom_attach *a;

	lock();
	a = att_at(slot);
	if (a && a->active)
		a->link = rec;
	unlock();
}

void domain_attach_orphan(int slot)
{
	struct dom_attach *a;

	lock();
	a = att_at(slot);
	if (a && a->active)
		a->owner = 0;
	unlock();
}

void domain_attach_del(int slot)
{
	struct dom_attach *a;

	lock();
	a = att_at(slot);
	if (a)
		a->active = 0;
	unlock();
	if (a)
		domain_bump();
}

int domain_attach_count(void)
{
	uint32_t n;

	lock();
	att_tab(&n);
	unlock();
	return (int)n;
}

bool domain_attach_get(int i, struct dom_attach *out)
{
	struct dom_attach *a;
	bool ok;

	lock();
	a = att_at(i);
	ok = a && a->active;
	if (ok)
		*out = *a;
	unlock();
	return ok;
}

int domain_member_count(void)
{
	struct dom_member *m;
	uint32_t i, cap;
	int n = 0;

	if (!hdr)
		return 0;
	lock();
	m = procs_tab(&cap);
	for (i = 0; i < cap; i++)
		n += m[i].pid > 0;
	unlock();
	return n;
}

int domain_member_pids(int *pids, int max)
{
	struct dom_member m[MEMBER_CHUNK];
	uint32_t pos = 0;
	int i, k, n = 0;

	if (!hdr)
		return 0;
	/* a member that left stays listed until reaped: only the live ones */
	while (n < max && (k = members_chunk(&pos, m, MEMBER_CHUNK)))
		for (i = 0; i < k && n < max; i++)
			if (m[i].pid > 0 && member_alive(&m[i]))
				pids[n++] = m[i].pid;
	return n;
}
#endif /* USERBPF_LAUNCH */
