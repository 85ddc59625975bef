/* SPDX-License-Identifier: MIT */
/*
 * launch_int.h - internals of the launch interposer (libuserbpf-launch.so,
 * preloaded by "userbpf launch"): the table of real descriptors that stand
 * for userbpf objects, the libc functions it forwards to, and the entry
 * points of its parts (bpf.c: bpf() commands; perf.c: perf_event_open,
 * its ioctls and links; files.c: sysfs/tracefs files, mmap, epoll).
 *
 * Every object the application sees is a real descriptor (a memfd or an
 * eventfd) so it can be closed, dup'ed, polled and mixed with its files;
 * the table maps that descriptor to a struct lobj holding the userbpf
 * handle (userbpf_bpf) or the probe state.  dup'ed descriptors share one
 * lobj (refs counts them plus internal references).
 *
 * Compiled only into the interposer (-DUSERBPF_LAUNCH, mk/launch.mk).
 */
#ifndef USERBPF_LAUNCH_INT_H
#define USERBPF_LAUNCH_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>

#include "domain/domain.h"

struct userbpf_link;
struct userbpf_ringbuf;

#define LAUNCH_MAX_FD 65536

/* PMU types served in /sys/bus/event_source/devices/{uprobe,kprobe}/type:
 * values no kernel PMU uses, so a stray event never reaches the kernel. */
#define LAUNCH_UPROBE_TYPE 0x7ff0
#define LAUNCH_KPROBE_TYPE 0x7ff1
/* Tracepoint ids served under events/syscalls/: enter = base + 2 i,
 * exit = base + 2 i + 1, i the index of userbpf_probe__syscall_name(). */
#define LAUNCH_TP_ID_BASE 0x40000
/* Other tracepoints served: base + their index in launch_tp_extra[] */
#define LAUNCH_TP_SCHED_BASE 0x3f000
#define LAUNCH_TP_EXTRA_CNT 5
extern const char *const launch_tp_extra[LAUNCH_TP_EXTRA_CNT];
#define LAUNCH_TP_RAW_SYS_ENTER 1
#define LAUNCH_TP_RAW_SYS_EXIT 2

enum lobj_kind { LOBJ_MAP = 1, LOBJ_PROG, LOBJ_BTF, LOBJ_PERF, LOBJ_LINK, LOBJ_STATS };
/* The domain registry's kind of an lobj kind (0: not registered). */
static inline int lobj_dom_kind(int kind)
{
	return kind == LOBJ_MAP	 ? DOM_MAP :
	       kind == LOBJ_PROG ? DOM_PROG :
	       kind == LOBJ_BTF	 ? DOM_BTF :
	       kind == LOBJ_LINK ? DOM_LINK :
				   0;
}
enum lperf_kind { LPERF_UPROBE = 1, LPERF_TRACEPOINT, LPERF_OUTPUT, LPERF_SAMPLE };

struct lobj {
	int kind;			  /* enum lobj_kind */
	int refs;			  /* descriptors + internal references */
	int h;				  /* userbpf handle (MAP, PROG, BTF); -1 none */
	uint32_t id;			  /* object id (maps, progs, BTF, links) */
	uint32_t map_type;		  /* MAP */
	struct userbpf_ringbuf *rb;	  /* MAP of type RINGBUF: wake-up source */
	struct userbpf_user_ringbuf *urb; /* MAP of type USER_RINGBUF: the same */
	/* PERF: what perf_event_open described */
	int pe_kind; /* enum lperf_kind */
	bool retprobe;
	char *path;	  /* uprobe binary */
	uint64_t offset;  /* uprobe file offset */
	uint64_t ref_ctr; /* uprobe: file offset of its reference counter, or 0 */
	bool ref_ctr_raised;
	char tp[96];		/* "syscalls/sys_enter_write" / "sys_enter"; LINK of an
		      * iterator: its target ("task") */
	int iter_tid, iter_pid; /* LINK of a task iterator: bpf_iter_link_info.task */
	/* PERF and LINK: the attachment */
	struct userbpf_link *ul;
	bool wide_only;	   /* PERF: attached domain-wide only (pid -1 uprobe on a
			    * binary this process does not map): no ul */
	void *ul_prog;	   /* in a domain: the program ul holds (noted in the ledger) */
	int prog_h;	   /* handle of the attached program (own reference) */
	bool prog_h_noted; /* its reference is noted in the domain's ledger */
	uint32_t prog_id;
	uint32_t link_type;   /* LINK: BPF_LINK_TYPE_* */
	uint32_t attach_type; /* LINK: BPF_* attach type */
	struct lobj *pe;      /* LINK over a perf event (a reference) */
	int pid;	      /* PERF: perf_event_open's pid */
	void *dptr;	      /* in a domain: the shared object (MAP, PROG) or
			       * record (BTF: struct dom_btf, LINK: dom_link) */
	int att_slot;	      /* PERF: domain-wide attachment slot, or -1 */
	/* PERF of kind LPERF_SAMPLE: CPU-clock sampling */
	uint64_t freq, period;
	/* PERF of kind LPERF_OUTPUT: the kernel-layout ring libbpf maps */
	void *ring;
	size_t ring_size;
	int cpu;
	/* MAP of type PERF_EVENT_ARRAY: the bridge to libbpf's rings */
	struct pb_bridge *bridge;
	/* called by the last reference's release (STATS), or NULL */
	void (*release)(struct lobj *obj);
};

/* ==== libc functions the wrappers forward to (interpose.c) ==== */
struct launch_real {
	long (*syscall)(long, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*close)(int);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	FILE *(*fopen)(const char *, const char *);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*epoll_ctl)(int, int, int, void *);
	int (*epoll_wait)(int, void *, int, int);
	int (*epoll_pwait)(int, void *, int, int, const void *);
	int (*faccessat)(int, const char *, int, int);
	int (*access)(const char *, int);
	int (*munmap)(void *, size_t);
	int (*memfd_create)(const char *, unsigned int);
	int (*ftruncate)(int, off_t);
	int (*eventfd)(unsigned int, int);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*unlink)(const char *);
	int (*unlinkat)(int, const char *, int);
	int (*statfs)(const char *, struct statfs *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
};
extern struct launch_real launch_real;
void launch_init_real(void);

/* ==== descriptor table (table.c) ==== */
struct lobj *lobj_new(int kind);
/* A new real descriptor for obj (consumes one reference): fd or -errno. */
int lobj_install(struct lobj *obj, const char *name);
/* Same, over an existing real descriptor (an eventfd). */
int lobj_install_fd(struct lobj *obj, int fd);
/* The object behind fd with a new reference, or NULL. */
struct lobj *lobj_get(int fd);
/* Same, only if of kind; *err = -EBADF (not ours) / -EINVAL (other kind). */
struct lobj *lobj_get_kind(int fd, int kind, int *err);
void lobj_put(struct lobj *obj);
/* fd was closed (or replaced by dup2): drop its reference. */
void lobj_forget(int fd);
/* Every descriptor of the table forgotten (leaving the domain). */
void lobj_forget_all(void);
/* newfd now refers to the same object as oldfd. */
void lobj_dup(int oldfd, int newfd);
/* Userbpf handle of fd (MAP/PROG/BTF of this table): >= 0, or -errno. */
int lobj_handle(int fd, int kind);
/* src/syscall/bpf_cmd.c: a forked child's library handle table starts
 * empty (the parent's, in the shared arena, is left alone). */
void ub_bpf_handles_forget(void);
void *ub_bpf_handles_mem(void);
/* Empty the table without releasing anything (a forked child); adopt,
 * when not NULL, is called first on each object of the table (the same
 * object may come more than once: dup'ed descriptors). */
void lobj_abandon_all(void (*adopt)(struct lobj *obj));
/* In a forked child: m, which another thread may have held at the fork
 * (its copy stays held), is unlocked again.  Written only when held: a
 * write to a page the child shares with its parent copies the page (a
 * page fault, tens of microseconds in some virtual machines), for each
 * of the interposer's locks at every fork. */
static inline void launch_mutex_reset(pthread_mutex_t *m)
{
	if (__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED))
		pthread_mutex_init(m, NULL);
}
/* The descriptors on the domain's objects (maps, programs, BTF objects,
 * links: those with a record) in fds[], their lobj kinds in kinds[] and
 * records in recs[] (at most max): the count. */
int lobj_shared(int *fds, int *kinds, void **recs, int max);
/* Whether the table may name a descriptor (without its lock: one made by
 * another thread meanwhile may be missed, as by a fork racing it). */
bool lobj_any(void);
/* Walk every object (with the table lock held: fn must not call back). */
void lobj_each(void (*fn)(struct lobj *obj, void *ctx), void *ctx);

/* ==== parts ==== */
long launch_bpf(int cmd, void *attr, unsigned int size);
long launch_perf_event_open(void *attr, pid_t pid, int cpu, int group_fd, unsigned long flags);
/* ioctl on a perf event descriptor: 1 handled (*ret set), 0 not ours. */
int launch_perf_ioctl(int fd, unsigned long req, unsigned long arg, int *ret);
int launch_link_create(void *attr);
int launch_raw_tp_open(void *attr);
void launch_lobj_release(struct lobj *obj); /* perf.c: PERF / LINK teardown */
uint32_t launch_next_link_id(void);

/* perfbuf.c: perf buffers (BPF output events) bridged to userbpf's */
int launch_perfbuf_open(int cpu);
void *launch_perfbuf_mmap(struct lobj *pe, void *addr, size_t len, int flags);
/* BPF_MAP_UPDATE_ELEM of a perf event array: 0 or -errno. */
int launch_perfbuf_set(struct lobj *map, uint32_t key, int pfd);
void launch_perfbuf_release(struct lobj *obj);
bool launch_perfbuf_active(void);
/* Move records into libbpf's rings and signal them (before a wait). */
void launch_perfbuf_pump(void);
/* munmap of a ring libbpf mapped: forget it. */
void launch_perfbuf_unmap(void *addr);

/* Special files: a new descriptor with the content served for path, or
 * -1 (not special, errno untouched) / -2 (special, errno set). */
int launch_special_open(const char *path, int flags);
/* access() of the same: 0 exists, -2 does not (errno ENOENT), -1 not
 * special (the real answer).  The tracefs root and the served events
 * exist (tools check events/CAT/NAME/format before attaching). */
int launch_special_access(const char *path);
/* path is under the domain's /sys/fs/bpf (statfs: a bpffs there) */
bool launch_special_bpffs(const char *path);
void *launch_mmap(void *addr, size_t len, int prot, int flags, struct lobj *obj, off_t off);
int launch_epoll_ctl(int epfd, int op, int fd, void *ev);
void launch_epoll_prepare(int epfd);
bool launch_epoll_has_rings(int epfd);
/* After a wait on epfd returned n events: a user ring buffer's readiness
 * is reported as the kernel reports it (EPOLLOUT | EPOLLWRNORM). */
struct epoll_event;
void launch_epoll_events(int epfd, struct epoll_event *ev, int n);
const char *launch_trace_path(void);

/* ==== object facts for info (meta.c) ==== */
#define LAUNCH_META_MAPS 64
struct launch_meta {
	const void *ptr;			     /* struct userbpf_prog / userbpf_map */
	uint32_t kind;				     /* LOBJ_PROG / LOBJ_MAP */
	uint32_t btf_id;			     /* BTF object id (program's or map's) */
	uint32_t btf_key_type_id, btf_value_type_id; /* MAP */
	uint32_t uid;				     /* PROG: created_by_uid */
	uint32_t gpl;				     /* PROG: gpl_compatible */
	uint64_t load_time;			     /* PROG: CLOCK_BOOTTIME ns */
	uint32_t nr_map_ids;			     /* PROG: maps its instructions name */
	uint32_t map_ids[LAUNCH_META_MAPS];
	char iter_target[32]; /* PROG of SEC("iter/T"): T ("task"), else "" */
	/* PROG of fentry/fexit on a kernel function syscalls reach, or of
	 * tp_btf/sys_enter|sys_exit: the probe layer's target
	 * ("fentry/do_unlinkat"), else "" (bpf.c; attached by perf.c) */
	char kfunc_target[64];
};
/* Record (or replace) the facts of m->ptr. */
void launch_meta_put(const struct launch_meta *m);
/* Copy of the facts of ptr: false when none were recorded. */
bool launch_meta_get(int kind, const void *ptr, struct launch_meta *out);
/* In a domain, the arena's lock held: the object at ptr was freed; its
 * facts' node, unlinked, for the caller to free (NULL: none left). */
void *launch_meta_unlink_locked(const void *ptr);

/* bpf.c: unlink() of path: 0 when it was a pin of the domain (removed,
 * its reference dropped), -ENOENT for another path under the domain's
 * /sys/fs/bpf, 1 when not in a domain's bpffs (the caller asks libc). */
int launch_unpin(const char *path);
/* Pinned links of this process whose pin another process removed: the
 * pin's reference is dropped (the link detaches with its last one). */
void launch_pinned_links_sync(void);

/* bpf.c: register a new link (a domain's id and record) and install it */
int launch_link_install(struct lobj *link);
/*
 * A link lives while any descriptor refers to it, in any process of the
 * domain.  Another process's descriptor (inherited by fork, received
 * over a unix socket, opened by id or pin) is a holder: a use of the
 * link's entry.  park: the attaching link object obj lost its last
 * reference here while holders remain: kept (true), attachment and all;
 * parked_links_sync (sync thread) releases it once they are gone;
 * parked_links_exit (leaving) leaves the domain-wide attachment to the
 * holders (detached with the link's last reference).
 */
bool launch_link_park(struct lobj *obj);
void launch_parked_links_sync(void);
void launch_parked_links_exit(void);
/* In a forked child: the copies of the parent's parked and pinned link
 * objects are the parent's, never released here (adopt, when not NULL,
 * is called on each first). */
void launch_links_forget_fork(void (*adopt)(struct lobj *obj));
/* fd, not in the table, may be a link's descriptor another process made
 * (SCM_RIGHTS): then it holds that link here. */
void launch_link_adopt(int fd);
/* fork() (interpose.c): the descriptors a child inherits on the domain's
 * maps, programs, BTF objects and links work there, as on Linux, and
 * hold their objects.  before: in the parent, one use of each object
 * (with a library reference for a map or program) taken for the child,
 * in flight; after: in the parent (pid < 0: the fork failed, given back;
 * else named in flight to the child, no wait) or in the child (pid 0: it
 * takes the uses over and its descriptors get objects of its own over the
 * shared ones; fork.c). */
void launch_fork_before(void);
void launch_fork_after(pid_t pid);
/* bpf.c: in the child, an object of its own for its inherited descriptor
 * fd on the domain's object rec (lobj kind), whose use (and library
 * reference, for a map or program) it took over: fd, or -errno (the use
 * and reference given back). */
long launch_fork_install(int kind, void *rec, int fd);
/* bpf.c: the handle of a BTF object whose copy is loaded at its first
 * use (a forked child's): >= 0, or -errno. */
int launch_btf_handle(struct lobj *obj);

/* ==== iterators (iter.c) ==== */
union bpf_attr;
/* BPF_LINK_CREATE with BPF_TRACE_ITER: a link descriptor, or -errno. */
long launch_iter_link(const union bpf_attr *a);
/* BPF_ITER_CREATE: a descriptor whose reading gives the iterator's output. */
long launch_iter_create(const union bpf_attr *a);

/* ==== run statistics (stats.c) ==== */
/* BPF_ENABLE_STATS: a descriptor, or -errno. */
long launch_enable_stats(const union bpf_attr *a);
/* Counters of prog (run_cnt, run_time_ns): false if it never counted. */
bool launch_stats_get(const void *prog, uint64_t *cnt, uint64_t *ns);
/* A program was loaded at prog: its counters start from zero. */
void launch_stats_reset(const void *prog);
/* This process joined a domain: counters and switch are the domain's. */
void launch_stats_attach_domain(void);

/* ==== execve / execveat tracepoints (exec_tp.c) ==== */
/* target names one of them: which (SYS_execve / SYS_execveat, side). */
bool launch_exec_tp_target(const char *target, int *nr, bool *exit_side);
/* Attach prog there: an opaque link (launch_link_destroy) or NULL. */
struct userbpf_link *launch_exec_tp_attach(void *prog, int nr, bool exit_side, uint64_t cookie,
					   void (*trace_fn)(void *, const char *, size_t));
/* Destroy a link from launch_attach_local (probe layer's or ours). */
void launch_link_destroy(struct userbpf_link *l);
/* Run the programs of one side (args: the syscall's arguments). */
void launch_exec_tp_enter(int nr, const uint64_t args[6]);
void launch_exec_tp_exit(int nr, long ret);
/* This image was exec'd (after the domain sync): sys_enter_execve first
 * when the old image did not fire it (posix_spawn, system, popen exec in
 * libc), then sys_exit_execve with 0. */
void launch_exec_tp_image(void);
/* The program's arguments and environment (from the constructor). */
extern char **launch_argv, **launch_envp;

/* ==== domain mode (sync.c) ==== */
/* Set while the library runs a command for us: its anonymous mmaps,
 * memfds and eventfds are then made domain-wide. */
extern __thread int launch_in_lib;
/* Set while this thread makes the link objects and probe sites of an
 * attachment: the library's allocations are then this process's own
 * memory (calloc, not the arena), which a fork copies, so a forked
 * child's probes are its own and outlive its parent. */
extern __thread int launch_alloc_local;
void launch_domain_start(void);
/* In a forked child, once its inherited descriptors are its own
 * (fork.c): its sync thread starts. */
void launch_domain_child_start(void);
void launch_domain_exit(void);
/* Attach prog (public pointer) in this process as attachment a says:
 * a link or NULL with errno. */
struct userbpf_link *launch_attach_local(void *prog, int kind, const char *target, uint64_t offset,
					 bool retprobe, uint64_t cookie);
/* Raise (delta 1) or lower (-1) the uprobe reference counter at file
 * offset off of path in this process's mappings (USDT semaphores). */
void launch_ref_ctr(const char *path, uint64_t off, int delta);
/* CPU-clock sampling of this process: a link or NULL with errno. */
struct userbpf_link *launch_attach_sample(void *prog, uint64_t freq, uint64_t period, int cpu,
					  uint64_t cookie);

/* Message on stderr ("userbpf launch: ..."), for refusals. */
void launch_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool launch_verbose(void);

#endif
