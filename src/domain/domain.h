/* SPDX-License-Identifier: MIT */
/*
 * domain.h - a userbpf domain: the BPF object space of a tree of
 * processes, in one shared file (the arena) mapped at the same fixed
 * address in every process of the domain, so the pointers inside userbpf
 * objects stay valid everywhere.  "userbpf launch --domain NAME" starts
 * processes in a domain with address randomisation off, so the
 * interposer (and with it every function pointer userbpf stores) sits at
 * the same address too; a process whose interposer is elsewhere refuses
 * to join.
 *
 * The arena holds: a header (process count, id counters, a futex word
 * bumped when attachments change), the allocator that replaces the
 * library's (userbpf_set_platform), page runs for map storage, the
 * registry of objects (maps, programs, BTF objects and links with their
 * domain ids and the number of descriptors open on them), pins,
 * domain-wide attachments, the aliases (a ring buffer's data pages mapped
 * twice) every process applies, and the code area: the arena's last
 * 256 MiB, read + execute in every member, where JIT images live.  The
 * tables (members, registry, ledger of uses, pins, attachments, aliases)
 * are heap runs that grow as needed, read only under the arena's lock.
 * Locks in the arena are atomic spinlocks (process-shared by
 * construction).
 *
 * Compiled only into the launch interposer (-DUSERBPF_LAUNCH).
 */
#ifndef USERBPF_DOMAIN_H
#define USERBPF_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOMAIN_BASE 0x200000000000UL
#define DOMAIN_SIZE (1UL << 32)
/* What the library's allocator puts in front of each of its blocks (the
 * usable size, util/platform.c): its objects start this far into ours. */
#define DOMAIN_LIB_HDR 16

enum dom_kind { DOM_MAP = 1, DOM_PROG = 2, DOM_BTF = 3, DOM_LINK = 4 };
#define DOM_KINDS 5
enum dom_attach_kind { DOM_ATT_UPROBE = 1, DOM_ATT_TP = 2, DOM_ATT_SAMPLE = 4 };

struct dom_attach {
	uint32_t active;
	uint32_t kind; /* enum dom_attach_kind */
	uint32_t retprobe;
	int32_t pid;	 /* -1 every process, else only this one */
	int32_t owner;	 /* pid that attached it (attached there already) */
	uint32_t serial; /* distinguishes reuses of the slot */
	uint64_t offset;
	uint64_t ref_ctr; /* UPROBE: reference counter's file offset, or 0 */
	uint64_t cookie;
	uint64_t freq, period; /* SAMPLE */
	int32_t cpu;	       /* SAMPLE: -1 any */
	void *prog;	       /* struct userbpf_prog *, a reference */
	void *link;	       /* the link record (struct dom_link) it is, or NULL */
	char target[256];      /* binary path, or tracepoint "cat/name" */
};

/* Join (or create) the domain whose arena file is path.  0, or -errno
 * (then the process runs with a private object space). */
int domain_join(const char *path);
bool domain_active(void);
/* In a child forked without exec (pthread_atfork): the child becomes a
 * member of its own (a pid of the member list, a ledger of its own), so
 * what it takes is given back when it exits or dies (domain_reap). */
void domain_fork_child(void);
/* This process leaves (destructor): the last one removes the arena.  It
 * stays listed until reaped (domain_reap frees what it still had). */
void domain_leave(void);

struct userbpf_platform;
/* Fill plat's JIT code, ring-buffer memory and (pages) map page-run
 * callbacks with the arena's (platform.c); the allocator and wake-ups
 * are the caller's. */
void domain_platform(struct userbpf_platform *plat, bool pages);

/* Allocator (the library's platform alloc/free while in a domain). */
void *domain_alloc(size_t size);
void domain_free(void *p);
/* Between begin and end, this thread's allocations (domain_alloc and
 * domain_pages) are private to this process: freed by domain_reap if it
 * dies without freeing them, whatever their size and number (one that
 * cannot be listed fails: NULL).  tag marks the block at p so: 0, or
 * -EINVAL (not a block) / -ENOMEM (no room to list it). */
void domain_private_begin(void);
void domain_private_end(void);
/* A program's load (BPF_PROG_LOAD): between begin and end this thread's
 * allocations are private (as above), so a member killed mid-load gives
 * them back; end with share true (the load succeeded, before the object
 * is registered) makes those still private the object's (shared). */
void domain_load_begin(void);
void domain_load_end(bool share);
/* The load's blocks stay private after domain_load_end(true) until the
 * program is registered: domain_obj_use(DOM_PROG, prog) makes them the
 * program's in the same step that notes its use in the ledger (so a
 * member killed between the two gives them back, one killed after
 * gives back its use, and the program goes with it).  A registration
 * that fails leaves them private: the caller's close of the program
 * frees them. */
/* A JIT compilation of a registered program (userbpf_prog__jit): between
 * begin and end this thread's allocations and JIT code pages are
 * private (a member killed mid-compilation gives them back); end makes
 * those still there (the image the program holds) the program's.  A
 * member killed after the image is published (the program's jit
 * pointer) but before end: the reaper sees the image is the program's
 * and leaves it to it. */
void domain_jit_begin(void);
void domain_jit_end(void);
/* USERBPF_DOMAIN_FAULT=load:N (tests): the member stops at phase N of its
 * first load, its pid in the header word at offset 56, until killed. */
enum {
	DOMAIN_FAULT_VERIFIED = 1,   /* the library's load done, not registered */
	DOMAIN_FAULT_REGISTERED = 2, /* registered, its load's blocks its */
	DOMAIN_FAULT_CODE = 3,	     /* JIT: code pages taken, being written */
	DOMAIN_FAULT_SEALED = 4,     /* JIT: image sealed, not published */
	DOMAIN_FAULT_PUBLISHED = 5,  /* JIT: the program holds the image */
	DOMAIN_FAULT_ALLOC = 6,	     /* a block of 1 MiB+ taken, not listed */
};
int domain_private_tag(void *p);
/* Tag the library's memory of this process alone that it keeps between
 * commands: its map id table, this thread's verifier record (the handle
 * table: launch/table.c).  After each command that may have moved it. */
void domain_private_note_lib(void);
/* Page-aligned zeroed run for map storage / 0 on failure; free by address. */
void *domain_pages(size_t len);
bool domain_owns(const void *p);
/* Free a page run that starts at p; false if p starts none. */
bool domain_pages_free(void *p);
/* Offset in the arena file of an address inside it. */
uint64_t domain_offset(const void *p);
int domain_fd(void);
/* Record that [addr, addr+len) shows arena file offset off (every
 * process maps it so when it syncs). */
int domain_alias_add(void *addr, size_t len, uint64_t off);
/* Map every recorded alias not yet applied in this process. */
void domain_alias_sync(void);

/* Ring buffer memory (the library's ring_alloc/ring_free while in a
 * domain): a region of head + 2 * data bytes whose data area is mapped
 * twice, in every member, with no descriptor of any process (the ring is
 * freed by whichever member drops its last reference).  NULL on failure. */
void *domain_ring_alloc(size_t head, size_t data);
void domain_ring_free(void *region, size_t head, size_t data);

/* JIT code (the library's exec_alloc/seal/free while in a domain): page
 * runs of the arena's code area, executable at the same address in every
 * member, first-fit (a freed run merges with its free neighbours).  alloc makes the run writable in this process only (NULL when
 * the area is full or cannot be executable here: no JIT then); seal makes
 * it read + execute again (0 or -errno); free returns it. */
void *domain_code_alloc(size_t size);
int domain_code_seal(void *p, size_t size);
void domain_code_free(void *p, size_t size);

/*
 * Registry of objects.  An object is listed (ids, GET_FD_BY_ID) while
 * anything holds it: descriptors, pins, holders; a map or program (ptr
 * from the library's allocator) until the library frees it, so one held
 * only by a link or a program stays listed.  A BTF object's or link's
 * ptr is launch's record (domain_alloc), freed when its entry goes.
 */
/* Domain id of ptr, adding it (one more descriptor); 0 when the
 * registry or the ledger of uses cannot grow (the heap is full): nothing
 * is counted then, and the caller refuses (ENOSPC). */
uint32_t domain_obj_use(int kind, void *ptr);
/* One descriptor fewer on ptr (the entry may go, with its record). */
void domain_obj_unuse(int kind, void *ptr);
/* The object holder (of kind) holds the one of held_kind with held_id
 * (a program or map its BTF object) until the holder leaves; once. */
void domain_obj_hold(int kind, const void *holder, int held_kind, uint32_t held_id);
uint32_t domain_obj_id(int kind, const void *ptr);
/* Object with that id, with a reference (GET_FD_BY_ID), or NULL: taken
 * atomically with the lookup and only while the object lives (never on
 * one whose last reference is being dropped).  For a map or program a
 * reference of the library's count, for a BTF object or link one more
 * user of its entry; domain_obj_put gives it back. */
void *domain_obj_get(int kind, uint32_t id);
void domain_obj_put(int kind, void *ptr);
/* Smallest id above start, or 0. */
uint32_t domain_obj_next_id(int kind, uint32_t start);

/* Program run statistics (launch/stats.c): a table keyed by program
 * address, in segments that are never moved (its lookups take no lock):
 * the first of DOMAIN_STATS_SLOTS here, segment k (1 <= k <
 * DOMAIN_STATS_SEGS) of DOMAIN_STATS_SLOTS << k at seg[k] once made
 * (0: not yet; set once), and the number of BPF_ENABLE_STATS
 * descriptors open. */
#define DOMAIN_STATS_SLOTS 4096
#define DOMAIN_STATS_SEGS 16
struct dom_prog_stats {
	void *prog;
	uint64_t cnt, ns;
};
struct dom_stats {
	int32_t enabled;
	uint32_t used; /* slots taken, all segments */
	uint64_t seg[DOMAIN_STATS_SEGS];
	struct dom_prog_stats slot[DOMAIN_STATS_SLOTS];
};
struct dom_stats *domain_stats(void);

/* The exec of process pid has fired sys_enter_execve (on), or failed
 * (off); the new image takes the mark: false when nobody fired it (an
 * exec libc made internally: posix_spawn, system, popen).  The mark is a
 * flag of pid's member entry: as many as there are members, gone with
 * the member (an image that never takes it: a static binary). */
void domain_exec_mark(int pid, bool on);
bool domain_exec_take(int pid);

/* The map layer's per-CPU run slots, shared by the domain's processes
 * (at least ub_map_run_slots_size() bytes, 64-byte aligned). */
#define DOMAIN_RUN_SLOTS_SIZE (512 * 64)
void *domain_run_slots(void);

/*
 * Members killed without leaving (SIGKILL): the references their
 * descriptors held on maps, programs and BTF objects, and those the
 * links of their local attachments held on programs (a ledger per
 * process), are dropped, so those objects go as on Linux, and the
 * per-CPU slots they held mid-run are freed.  A pid is dead when it is
 * gone or a zombie, checked again under the lock (a reused pid that
 * joined since is alive); a member that is merely slow is never reaped.
 * The entries of this pid from before it joined (an exec'd image, a
 * reused pid) are given back too.  Run at startup and when objects are
 * listed or opened by id or pin; a claim finding every slot busy frees
 * dead members' slots itself.  The domain-wide attachments a dead member
 * owned are detached (their program references dropped, the other
 * members detach at their next sync) unless they are a pinned link's,
 * which, as on Linux, outlives the process that made it.
 */
void domain_reap(void);
/* Note delta library references this process holds on the registered
 * map or program ptr beyond its descriptors' (a local link's program):
 * after taking one (+1), before dropping it (-1). */
void domain_obj_ref(int kind, void *ptr, int delta);
/* One use of (kind, ptr) that process from noted passes to this one
 * (the registry's count is unchanged): a forked child takes over the use
 * its parent took for it before the fork.  false when from has none. */
bool domain_obj_use_take(int kind, void *ptr, int from);
/*
 * Uses handed to a child forked without exec (launch/fork.c), so the
 * parent never waits for it: before the fork the parent takes one use of
 * each object for the child, noted in flight (under minus its pid; 0
 * when the ledger cannot note it, as domain_obj_use); once fork returned
 * the child's pid, domain_fork_handed relabels them in flight to that
 * child (minus its pid).  The child takes each one over with
 * domain_obj_use_take from minus the parent's pid or minus its own,
 * whichever the relabelling left.  domain_fork_handed lists the child as
 * a member too (it may die before it lists itself), so domain_reap gives
 * back what is in flight to or from a member that is gone: a child that
 * died before it took its uses, or a parent killed between its fork and
 * domain_fork_handed once its child took them or died (the fork hold,
 * below, says which).
 */
uint32_t domain_obj_use_fork(int kind, void *ptr);
void domain_fork_handed(int child);
/* From before the fork until the uses are named the child's (parent),
 * or taken (child, whose copy it is): a fork hold (arena.c), so a parent
 * killed between its fork and domain_fork_handed leaves its uses in
 * flight to the child that takes them.  hold: 0 or -errno (then a parent
 * killed there leaves its child's descriptors not working, as before);
 * release: this process's copy of it goes. */
int domain_fork_hold(void);
void domain_fork_release(void);
/* Descriptors (in every process) on the registered object ptr. */
int domain_obj_users(int kind, const void *ptr);
/* The attachment at slot outlives its owner, which is leaving while
 * other processes hold its link: detached with the link's last
 * reference (owner 0, domain_reap). */
void domain_attach_orphan(int slot);
/* Whether the registered object ptr has a pin. */
bool domain_obj_pinned(int kind, const void *ptr);
/* The live members' pids (at most max; a snapshot: one may leave or join
 * meanwhile), for iterators over the domain's tasks.  The count.  The
 * member table grows: domain_member_count() says how many there are now
 * (DOMAIN_MAX_MEMBERS is only a convenient snapshot size). */
#define DOMAIN_MAX_MEMBERS 1024
int domain_member_pids(int *pids, int max);
int domain_member_count(void);
/* Slot owner tag (a pid) whose process is gone (ub_map_run_slots_owner). */
bool domain_slot_owner_dead(uint32_t pid);

/* The arena's lock (for lists the launch layer keeps in the heap). */
void domain_lock(void);
void domain_unlock(void);
/* Head of launch's list of object facts (meta.c), under domain_lock. */
void **domain_meta_head(void);

/* Pins: 0 / -EEXIST / -ENOSPC (no room in the heap) / -ENAMETOOLONG
 * (239 bytes at most); get returns the object with a reference
 * (as domain_obj_get) or NULL (ENOENT). */
int domain_pin(const char *path, int kind, void *ptr);
void *domain_pin_get(const char *path, int *kind);
/* Remove the pin at path: the object it named (its kind in *kind), whose
 * reference the pin held passes to the caller for a map or program (the
 * entry of a BTF object or link may go now: then the pointer is only a
 * token), or NULL when nothing is pinned there. */
void *domain_unpin(const char *path, int *kind);

/* Domain-wide attachments: slot index or -errno (-ENOSPC: no room in
 * the heap for a bigger table); deactivate by slot.  Slots keep their
 * index when the table grows. */
int domain_attach_add(const struct dom_attach *a);
/* Attachment slot belongs to link record rec (a pinned link's attachment
 * outlives its owner, domain_reap). */
void domain_attach_link(int slot, void *rec);
void domain_attach_del(int slot);
/* Slots now (the table may grow after); copy of slot i if active (false
 * past the end / inactive). */
int domain_attach_count(void);
bool domain_attach_get(int i, struct dom_attach *out);
/* Futex word bumped on every change of attachments or aliases. */
uint32_t *domain_gen(void);
void domain_bump(void);

#endif
