// SPDX-License-Identifier: MIT
/*
 * task_struct.c - bpf_get_current_task (35) and bpf_get_current_task_btf
 * (158) in a process: a struct task_struct that userbpf builds for the
 * calling thread, laid out by a BTF's struct task_struct (the BTF the
 * program's CO-RE relocations resolved against), so that
 * BPF_CORE_READ(task, real_parent, tgid), task->pid, ->tgid, ->comm,
 * ->start_time, ->exit_code, ->flags and ->mm read true values:
 *
 *   pid, tgid          gettid(), getpid()
 *   comm               the thread's name (PR_GET_NAME)
 *   flags              /proc/thread-self/stat field 9 (the kernel's PF_*)
 *   start_time,        the thread's start in ns since boot (field 22, in
 *   start_boottime     clock ticks, so precise to 1/HZ)
 *   prio, static_prio, normal_prio   120 + nice
 *   exit_code          ub_task_exit_code (0 while running)
 *   mm, active_mm      a zeroed struct mm_struct (non-NULL: a user process)
 *   real_parent, parent  the parent process's task (pid, tgid, comm)
 *   group_leader       the main thread's task (pid = tgid = getpid())
 *
 * Also bpf_get_ns_current_pid_tgid (120), bpf_get_current_cgroup_id (80)
 * and bpf_get_socket_cookie (46).  The images are per thread and per BTF:
 * the layout of a BTF's task_struct (member offsets) and a pool of images
 * for 256 threads are made by ub_task_prepare, which the probe module
 * calls when it attaches a program that calls these helpers, so the run
 * path (a probe inside malloc or a signal handler) parses no BTF and
 * allocates nothing: a thread takes a free slot of the pool with an
 * atomic exchange, fills it on its first call (and again in a forked
 * child), and gives it back at exit.  More than 256 threads at once: the
 * helper returns NULL.  A checked run is given the images as read-only
 * regions.
 *
 * Does not own: choosing the BTF (the loader sets ub_task_btf_hook), the
 * helper registry (std.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "task_struct.h"
#include "userbpf/object.h"
#include "util/alloc.h"

/*
 * A layout: where the fields userbpf fills lie in a BTF's struct
 * task_struct, found once per BTF (ub_task_prepare, at attach time: the
 * kernel's BTF is 6 MB to parse) with a pool of images for the threads
 * that will run programs, so that the run path only fills memory it
 * finds ready: no BTF walk, no allocation, no lock.
 */
enum {
	TF_PID,
	TF_TGID,
	TF_COMM,
	TF_FLAGS,
	TF_START,
	TF_BOOT,
	TF_EXIT,
	TF_PRIO,
	TF_SPRIO,
	TF_NPRIO,
	TF_RPARENT,
	TF_PARENT,
	TF_LEADER,
	TF_MM,
	TF_AMM,
	TF_STATE,
	TF_N
};

/* clang-format off */
static const struct {
	const char *name;
	size_t size;
} fields[TF_N] = {
	[TF_PID] = { "pid", 4 },		[TF_TGID] = { "tgid", 4 },
	[TF_COMM] = { "comm", 16 },	[TF_FLAGS] = { "flags", 8 },
	[TF_START] = { "start_time", 8 },	[TF_BOOT] = { "start_boottime", 8 },
	[TF_EXIT] = { "exit_code", 4 },	[TF_PRIO] = { "prio", 4 },
	[TF_SPRIO] = { "static_prio", 4 },	[TF_NPRIO] = { "normal_prio", 4 },
	[TF_RPARENT] = { "real_parent", 8 },	[TF_PARENT] = { "parent", 8 },
	[TF_LEADER] = { "group_leader", 8 },	[TF_MM] = { "mm", 8 },
	[TF_AMM] = { "active_mm", 8 },	[TF_STATE] = { "__state", 4 },
};
/* clang-format on */

/* One thread's images (slot i of a layout's pool). */
struct task_img {
	pid_t tid; /* built for this thread (0: not built) */
	uint8_t *task, *parent, *leader, *mm;
};

#define POOL_SLOTS 256 /* threads running programs that read the task at once */
#define MAX_LAYOUTS 8
/* tasks programs hold references to at once (bpf_task_from_pid,
 * bpf_task_acquire): the verifier makes every program release its own
 * before it exits, so these are the references of concurrent runs */
#define REF_SLOTS 64

struct task_layout {
	const struct userbpf_btf *btf;
	size_t task_size, mm_size;
	int64_t off[TF_N]; /* -1: no such member */
	struct task_img img[POOL_SLOTS];
	/* referenced tasks: images and reference counts (0: free) */
	struct task_img ref[REF_SLOTS];
	_Atomic uint32_t refs[REF_SLOTS];
};

static struct task_layout *layouts[MAX_LAYOUTS];
static _Atomic int n_layouts;
static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;

/* Which slot a thread has: slot + 1 in a pthread key (no allocation for
 * the first keys), given back at thread exit. */
static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static _Atomic bool slot_used[POOL_SLOTS];

static void slot_free(void *p)
{
	int i = (int)(uintptr_t)p - 1, k, n = atomic_load(&n_layouts);

	if (i < 0 || i >= POOL_SLOTS)
		return;
	for (k = 0; k < n; k++)
		layouts[k]->img[i].tid = 0;
	atomic_store(&slot_used[i], false);
}

static void slot_key_init(void)
{
	pthread_key_create(&slot_key, slot_free);
}

/* Byte offset of member name in struct task_struct, or -1. */
static int64_t member_off(const struct userbpf_btf *btf, uint32_t id, const char *name, size_t size,
			  size_t struct_size)
{
	uint32_t bits = 0;
	int64_t off = userbpf_btf__member_bit_offset(btf, id, name, &bits);

	if (off < 0 || bits || off % 8 || (uint64_t)off / 8 + size > struct_size)
		return -1;
	return off / 8;
}

static struct task_layout *layout_find(const struct userbpf_btf *btf)
{
	int k, n = atomic_load_explicit(&n_layouts, memory_order_acquire);

	for (k = 0; k < n; k++)
		if (layouts[k]->btf == btf)
			return layouts[k];
	return NULL;
}

/*
 * The layout of btf's struct task_struct, made now if new: offsets, and
 * one mapping for the images of POOL_SLOTS threads (pages are touched
 * only by the threads that use them).  NULL on error (errno).
 */
static struct task_layout *layout_get(const struct userbpf_btf *btf)
{
	struct task_layout *found;
	struct task_layout *l = NULL;
	int64_t tid_id, mm_id, size, mm_size = 64;
	size_t per, i;
	uint8_t *mem;
	int k;

	pthread_once(&slot_once, slot_key_init);
	found = layout_find(btf);
	if (found)
		return found;
	pthread_mutex_lock(&layout_lock);
	found = layout_find(btf);
	if (found)
		goto out;
	tid_id = userbpf_btf__find_by_name_kind(btf, "task_struct", USERBPF_BTF_KIND_STRUCT);
	mm_id = userbpf_btf__find_by_name_kind(btf, "mm_struct", USERBPF_BTF_KIND_STRUCT);
	size = tid_id < 0 ? -1 : userbpf_btf__resolve_size(btf, (uint32_t)tid_id);
	if (size <= 0 || size > (1 << 20) || atomic_load(&n_layouts) == MAX_LAYOUTS) {
		errno = tid_id < 0 ? ENOENT : size <= 0 || size > (1 << 20) ? EINVAL : E2BIG;
		goto out;
	}
	if (mm_id > 0) {
		int64_t sz = userbpf_btf__resolve_size(btf, (uint32_t)mm_id);

		if (sz > 0 && sz <= (1 << 20))
			mm_size = sz;
	}
	per = ((size_t)size * 3 + (size_t)mm_size + 63) & ~(size_t)63;
	/*
	 * Private memory of this process, never the allocator's: under
	 * launch that is the domain's shared arena, whose lock a program
	 * may run under (a syscall the interposer makes while holding it),
	 * and whose memory every member sees, while these images and
	 * counts are this process's own.
	 */
	l = mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem = l != MAP_FAILED ? mmap(NULL, per * (POOL_SLOTS + REF_SLOTS), PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) :
				MAP_FAILED;
	if (mem == MAP_FAILED) {
		if (l != MAP_FAILED)
			munmap(l, sizeof(*l));
		l = NULL;
		errno = ENOMEM;
		goto out;
	}
	l->btf = btf;
	l->task_size = (size_t)size;
	l->mm_size = (size_t)mm_size;
	for (k = 0; k < TF_N; k++)
		l->off[k] = member_off(btf, (uint32_t)tid_id, fields[k].name, fields[k].size,
				       (size_t)size);
	for (i = 0; i < POOL_SLOTS + REF_SLOTS; i++) {
		struct task_img *img = i < POOL_SLOTS ? &l->img[i] : &l->ref[i - POOL_SLOTS];

		img->task = mem + i * per;
		img->parent = img->task + size;
		img->leader = img->parent + size;
		img->mm = img->leader + size;
	}
	layouts[atomic_load(&n_layouts)] = l;
	atomic_store_explicit(&n_layouts, atomic_load(&n_layouts) + 1, memory_order_release);
	found = l;
out:
	pthread_mutex_unlock(&layout_lock);
	return found;
}

int ub_task_prepare(const struct userbpf_prog *prog)
{
	const struct userbpf_btf *btf = NULL;

	if (ub_task_btf_hook)
		btf = ub_task_btf_hook(prog);
	if (!btf)
		btf = userbpf_btf__kernel();
	if (!btf)
		return -ENOENT;
	return layout_get(btf) ? 0 : -errno;
}

static void put(const struct task_layout *l, uint8_t *img, int f, const void *val)
{
	if (l->off[f] >= 0)
		memcpy(img + l->off[f], val, fields[f].size);
}

static void put_u32(const struct task_layout *l, uint8_t *img, int f, uint32_t v)
{
	put(l, img, f, &v);
}

static void put_u64(const struct task_layout *l, uint8_t *img, int f, uint64_t v)
{
	put(l, img, f, &v);
}

/* What a /proc stat file says of a task (proc(5) field numbers). */
struct stat_info {
	char comm[16];	/* 2 */
	char state;	/* 3 */
	int ppid;	/* 4 */
	uint64_t flags; /* 9: the kernel's PF_* */
	int nice;	/* 19 */
	uint64_t start; /* 22: clock ticks since boot */
};

/* Parse a stat file, read with open/read (no stdio: nothing allocates on
 * the run path).  A missing file leaves it zeroed. */
static void read_stat(const char *path, struct stat_info *si)
{
	char buf[1024], *p, *q;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), field;

	memset(si, 0, sizeof(*si));
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strchr(buf, '(');
	q = strrchr(buf, ')');
	if (!p || !q || q < p)
		return;
	memcpy(si->comm, p + 1, (size_t)(q - p - 1) > 15 ? 15 : (size_t)(q - p - 1));
	/* field 3 (state) follows ") " */
	for (field = 3, p = q + 2; *p && field <= 22; field++) {
		if (field == 3)
			si->state = *p;
		else if (field == 4)
			si->ppid = (int)strtol(p, NULL, 10);
		else if (field == 9)
			si->flags = strtoull(p, NULL, 10);
		else if (field == 19)
			si->nice = (int)strtol(p, NULL, 10);
		else if (field == 22)
			si->start = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (!p)
			return;
		p++;
	}
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? ticks * (1000000000ull / (uint64_t)hz) : 0;
}

/*
 * Whether a sleeping thread sleeps freezable: futex waits and nanosleeps
 * set TASK_INTERRUPTIBLE | TASK_FREEZABLE (kernel/futex/waitwake.c,
 * kernel/time/hrtimer.c do_nanosleep), which stat cannot show; the
 * syscall it sleeps in can (/proc/PID/task/TID/syscall: its number
 * first; unreadable without ptrace access to the thread: not freezable).
 */
static bool sleeps_freezable(pid_t pid, pid_t tid)
{
	char path[64], buf[32];
	ssize_t n;
	int fd, nr;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	nr = (int)strtol(buf, NULL, 10);
	return nr == SYS_futex || nr == SYS_nanosleep || nr == SYS_clock_nanosleep
#ifdef SYS_futex_waitv
	       || nr == SYS_futex_waitv
#endif
		;
}

/* task->__state for a stat file's state letter (TASK_RUNNING and the
 * rest of include/linux/sched.h). */
static uint32_t task_state(char c, bool freezable)
{
	switch (c) {
	case 'S':
		return freezable ? 0x2001 : 0x1; /* TASK_INTERRUPTIBLE (| TASK_FREEZABLE) */
	case 'D':
		return 0x2; /* TASK_UNINTERRUPTIBLE */
	case 'T':
		return 0x4; /* __TASK_STOPPED */
	case 't':
		return 0x8; /* __TASK_TRACED */
	case 'Z':
	case 'X':
		return 0x80; /* TASK_DEAD */
	case 'P':
		return 0x40; /* TASK_PARKED */
	case 'I':
		return 0x402; /* TASK_IDLE */
	default:
		return 0; /* TASK_RUNNING */
	}
}

/* The fields of one task image from its stat file; the pointers are the
 * caller's. */
static void put_task(const struct task_layout *l, uint8_t *img, const struct stat_info *si,
		     pid_t pid, pid_t tgid)
{
	bool freezable = si->state == 'S' && sleeps_freezable(tgid, pid);

	put_u32(l, img, TF_PID, (uint32_t)pid);
	put_u32(l, img, TF_TGID, (uint32_t)tgid);
	put(l, img, TF_COMM, si->comm);
	put_u64(l, img, TF_FLAGS, si->flags);
	put_u64(l, img, TF_START, ticks_to_ns(si->start));
	put_u64(l, img, TF_BOOT, ticks_to_ns(si->start));
	put_u32(l, img, TF_PRIO, (uint32_t)(120 + si->nice));
	put_u32(l, img, TF_SPRIO, (uint32_t)(120 + si->nice));
	put_u32(l, img, TF_NPRIO, (uint32_t)(120 + si->nice));
	put_u32(l, img, TF_STATE, task_state(si->state, freezable));
}

/*
 * Fill the images of thread tid of process pid: task, its parent process,
 * its group leader and mm (memory ready: no allocation).  self: the
 * calling thread, whose name and priority come from the thread itself
 * (it may have renamed itself since its stat was read) and which is
 * running.
 */
static void fill_imgs(const struct task_layout *l, uint8_t *task, uint8_t *parent, uint8_t *leader,
		      uint8_t *mm, pid_t pid, pid_t tid, bool self)
{
	struct stat_info ts, ps, ls;
	char path[64];
	uintptr_t mm_p = (uintptr_t)mm;

	memset(task, 0, l->task_size);
	memset(parent, 0, l->task_size);
	memset(leader, 0, l->task_size);
	memset(mm, 0, l->mm_size);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	read_stat(path, &ts);
	if (self) {
		errno = 0;
		ts.nice = getpriority(PRIO_PROCESS, 0);
		if (errno)
			ts.nice = 0;
		memset(ts.comm, 0, sizeof(ts.comm));
		prctl(PR_GET_NAME, ts.comm, 0, 0, 0);
		ts.ppid = getppid();
		ts.state = 'R';
	}
	/* the parent process */
	snprintf(path, sizeof(path), "/proc/%d/stat", ts.ppid);
	read_stat(path, &ps);
	put_task(l, parent, &ps, ts.ppid, ts.ppid);
	/* the main thread */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)pid);
	read_stat(path, &ls);
	if (tid == pid)
		ls = ts;
	put_task(l, leader, &ls, pid, pid);
	put_u64(l, leader, TF_RPARENT, (uintptr_t)parent);
	put_u64(l, leader, TF_PARENT, (uintptr_t)parent);
	put_u64(l, leader, TF_LEADER, (uintptr_t)leader);
	put_u64(l, leader, TF_MM, mm_p);
	put_u64(l, leader, TF_AMM, mm_p);
	/* the thread */
	put_task(l, task, &ts, tid, pid);
	put_u64(l, task, TF_RPARENT, (uintptr_t)parent);
	put_u64(l, task, TF_PARENT, (uintptr_t)parent);
	put_u64(l, task, TF_LEADER, tid == pid ? (uintptr_t)task : (uintptr_t)leader);
	put_u64(l, task, TF_MM, mm_p);
	put_u64(l, task, TF_AMM, mm_p);
	if (self)
		put_u32(l, task, TF_EXIT, ub_task_exit_code);
}

/* Fill a slot's images for the calling thread. */
static void fill(const struct task_layout *l, struct task_img *img, pid_t tid)
{
	fill_imgs(l, img->task, img->parent, img->leader, img->mm, getpid(), tid, true);
	img->tid = tid;
}

int ub_task_view_get(const struct userbpf_btf *btf, int pid, int tid, struct ub_task_view *v)
{
	struct task_layout *l = btf ? layout_get(btf) : NULL;
	uint8_t *mem;

	memset(v, 0, sizeof(*v));
	if (!l)
		return btf ? -errno : -EINVAL;
	mem = calloc(1, l->task_size * 3 + l->mm_size);
	if (!mem)
		return -ENOMEM;
	v->task = mem;
	v->parent = mem + l->task_size;
	v->leader = v->parent + l->task_size;
	v->mm = v->leader + l->task_size;
	v->task_size = l->task_size;
	v->mm_size = l->mm_size;
	fill_imgs(l, v->task, v->parent, v->leader, v->mm, pid, tid,
		  pid == getpid() && tid == (int)syscall(SYS_gettid));
	return 0;
}

void ub_task_view_put(struct ub_task_view *v)
{
	free(v->task);
	memset(v, 0, sizeof(*v));
}

/* The calling thread's slot, claimed on its first call (-1: none free). */
static int my_slot(void)
{
	int i = (int)(uintptr_t)pthread_getspecific(slot_key) - 1;

	if (i >= 0)
		return i;
	for (i = 0; i < POOL_SLOTS; i++) {
		bool f = false;

		if (atomic_compare_exchange_strong(&slot_used[i], &f, true)) {
			int k, n = atomic_load(&n_layouts);

			for (k = 0; k < n; k++) /* a slot a dead thread left */
				layouts[k]->img[i].tid = 0;
			pthread_setspecific(slot_key, (void *)(uintptr_t)(i + 1));
			return i;
		}
	}
	return -1;
}

void *ub_task_current(struct userbpf_run *run, const struct userbpf_btf *btf)
{
	struct task_layout *l;
	struct task_img *img;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int i;

	if (!btf)
		return NULL;
	l = layout_find(btf);
	if (!l) /* not prepared at attach (a test run): made here, once */
		l = layout_get(btf);
	if (!l)
		return NULL;
	i = my_slot();
	if (i < 0)
		return NULL;
	img = &l->img[i];
	/* a fork()ed child inherits the parent thread's slot: refill */
	if (img->tid != tid) {
		fill(l, img, tid);
	} else {
		/* a thread may rename itself (PR_SET_NAME) */
		char comm[16] = "";

		prctl(PR_GET_NAME, comm, 0, 0, 0);
		put(l, img->task, TF_COMM, comm);
		put_u32(l, img->task, TF_EXIT, ub_task_exit_code);
	}
	if (run) {
		userbpf_run__add_region(run, img->task, l->task_size, 0);
		userbpf_run__add_region(run, img->parent, l->task_size, 0);
		userbpf_run__add_region(run, img->leader, l->task_size, 0);
		userbpf_run__add_region(run, img->mm, l->mm_size, 0);
	}
	return img->task;
}

int ub_task_current_view(const struct userbpf_btf *btf, struct ub_task_view *v)
{
	struct task_layout *l;
	int i;

	memset(v, 0, sizeof(*v));
	if (!ub_task_current(NULL, btf))
		return -ENOMEM;
	l = layout_find(btf);
	i = my_slot();
	v->task = l->img[i].task;
	v->parent = l->img[i].parent;
	v->leader = l->img[i].leader;
	v->mm = l->img[i].mm;
	v->task_size = l->task_size;
	v->mm_size = l->mm_size;
	return 0;
}

const struct userbpf_btf *(*ub_task_btf_hook)(const struct userbpf_prog *prog);
uint32_t ub_task_exit_code;

static const struct userbpf_btf *run_task_btf(struct userbpf_run *run);

UB_HELPER(get_current_task)
{
	return (uint64_t)(uintptr_t)ub_task_current(run, run_task_btf(run));
}

/*
 * bpf_get_task_stack(task, buf, size, flags): the current task's stack as
 * bpf_get_stack gives it (its user stack with BPF_F_USER_STACK, no
 * kernel stack in user space); another task's user stack cannot be
 * walked from here: -EFAULT, its (absent) kernel stack: 0 bytes.
 */
UB_HELPER(get_task_stack)
{
	int i = (int)(uintptr_t)pthread_getspecific(slot_key) - 1, k;
	int n = atomic_load_explicit(&n_layouts, memory_order_acquire);
	pid_t tid = (pid_t)syscall(SYS_gettid);

	for (k = 0; r1 && i >= 0 && k < n; k++)
		if ((uint8_t *)(uintptr_t)r1 == layouts[k]->img[i].task &&
		    layouts[k]->img[i].tid == tid)
			return ub_helper_get_stack(0, r2, r3, r4, r5, run);
	if (r4 & (1ull << 8) /* BPF_F_USER_STACK */)
		return UB_ERR(-EFAULT);
	return ub_helper_get_stack(0, r2, r3, r4, r5, run);
}

/* ==== Referenced tasks: the task kfuncs ==== */

/*
 * The kfuncs of kernel/bpf/helpers.c that hand out counted references
 * to tasks: bpf_task_from_pid (KF_ACQUIRE | KF_RET_NULL),
 * bpf_task_acquire (KF_ACQUIRE | KF_RCU | KF_RET_NULL) and
 * bpf_task_release (KF_RELEASE).  A referenced task is an image of a
 * slot of the layout's reference pool (task, parent, group leader, mm,
 * filled from /proc as the current task's are), its count in refs[]:
 * the first reference claims a free slot with a compare-and-exchange,
 * the last release frees it, so the run path takes no lock and
 * allocates nothing.  All REF_SLOTS in use: NULL, as the kernel's
 * refcount_inc_not_zero failing.  The verifier makes a program release
 * what it acquired; a checked run of an unverified program that does not
 * leaves the slot taken.
 */

static const struct userbpf_btf *run_task_btf(struct userbpf_run *run)
{
	const struct userbpf_btf *btf = NULL;

	if (ub_task_btf_hook)
		btf = ub_task_btf_hook(userbpf_run__prog(run));
	return btf ? btf : userbpf_btf__kernel();
}

/* Tgid of thread tid in this process's view of /proc (its status file's
 * "Tgid:" line), or 0 when there is no such task. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	return p ? (pid_t)strtol(p + 6, NULL, 10) : 0;
}

/* A free reference slot of l, its count set to 1, or -1. */
static int ref_claim(struct task_layout *l)
{
	int i;

	for (i = 0; i < REF_SLOTS; i++) {
		uint32_t z = 0;

		if (atomic_compare_exchange_strong(&l->refs[i], &z, 1))
			return i;
	}
	return -1;
}

/* The layout and reference slot whose task image p is, or -1. */
static int ref_find(const void *p, struct task_layout **lp)
{
	int k, n = atomic_load_explicit(&n_layouts, memory_order_acquire), i;

	for (k = 0; p && k < n; k++) {
		struct task_layout *l = layouts[k];

		if ((const uint8_t *)p < l->ref[0].task ||
		    (const uint8_t *)p > l->ref[REF_SLOTS - 1].task)
			continue;
		for (i = 0; i < REF_SLOTS; i++)
			if (l->ref[i].task == p) {
				*lp = l;
				return i;
			}
	}
	return -1;
}

/* Slot i of l filled for thread tid of process tgid and handed to the
 * run (its images are read-only regions of a checked run). */
static uint64_t ref_give(struct userbpf_run *run, struct task_layout *l, int i, pid_t tgid,
			 pid_t tid)
{
	struct task_img *img = &l->ref[i];

	fill_imgs(l, img->task, img->parent, img->leader, img->mm, tgid, tid,
		  tgid == getpid() && tid == (pid_t)syscall(SYS_gettid));
	img->tid = tid;
	if (run) {
		userbpf_run__add_region(run, img->task, l->task_size, 0);
		userbpf_run__add_region(run, img->parent, l->task_size, 0);
		userbpf_run__add_region(run, img->leader, l->task_size, 0);
		userbpf_run__add_region(run, img->mm, l->mm_size, 0);
	}
	return (uint64_t)(uintptr_t)img->task;
}

/*
 * bpf_task_from_pid(pid): the task whose pid is pid (any thread, as
 * find_task_by_pid_ns) in the pid namespace of the process the program
 * runs in, with a reference; NULL when there is none.
 */
UB_HELPER(task_from_pid)
{
	const struct userbpf_btf *btf = run_task_btf(run);
	struct task_layout *l = btf ? layout_find(btf) : NULL;
	pid_t tid = (pid_t)(int32_t)r1, tgid;
	int i;

	if (!l && btf)
		l = layout_get(btf);
	if (!l || tid <= 0 || !(tgid = tgid_of(tid)))
		return 0;
	i = ref_claim(l);
	if (i < 0)
		return 0;
	return ref_give(run, l, i, tgid, tid);
}

/*
 * bpf_task_acquire(task): one more reference to a referenced task (the
 * same object), or a new reference to a trusted one that is not counted
 * here (the current task of bpf_get_current_task_btf: a fresh image of
 * the same thread).  NULL for anything else or when the pool is full.
 */
UB_HELPER(task_acquire)
{
	struct task_layout *l;
	int i = ref_find((const void *)(uintptr_t)r1, &l), k, n, j;
	uint32_t c;

	if (i >= 0) {
		c = atomic_load(&l->refs[i]);
		while (c && !atomic_compare_exchange_weak(&l->refs[i], &c, c + 1))
			;
		if (!c)
			return 0; /* released meanwhile: refcount_inc_not_zero */
		if (run)
			userbpf_run__add_region(run, l->ref[i].task, l->task_size, 0);
		return r1;
	}
	n = atomic_load_explicit(&n_layouts, memory_order_acquire);
	for (k = 0; r1 && k < n; k++) {
		l = layouts[k];
		for (j = 0; j < POOL_SLOTS; j++) {
			uint32_t pid, tgid;

			if (l->img[j].task != (uint8_t *)(uintptr_t)r1 || !l->img[j].tid)
				continue;
			pid = (uint32_t)l->img[j].tid;
			tgid = (uint32_t)getpid();
			if (l->off[TF_PID] >= 0)
				memcpy(&pid, l->img[j].task + l->off[TF_PID], sizeof(pid));
			if (l->off[TF_TGID] >= 0)
				memcpy(&tgid, l->img[j].task + l->off[TF_TGID], sizeof(tgid));
			i = ref_claim(l);
			if (i < 0)
				return 0;
			return ref_give(run, l, i, (pid_t)tgid, (pid_t)pid);
		}
	}
	return 0;
}

/* bpf_task_release(task): drop a reference; the last frees the slot. */
UB_HELPER(task_release)
{
	struct task_layout *l;
	int i = ref_find((const void *)(uintptr_t)r1, &l);
	uint32_t c;

	if (i < 0)
		return 0;
	c = atomic_load(&l->refs[i]);
	while (c && !atomic_compare_exchange_weak(&l->refs[i], &c, c - 1))
		;
	return 0;
}

/* ==== Namespaces, cgroups, sockets ==== */

/* struct bpf_pidns_info */
struct pidns_info {
	uint32_t pid;
	uint32_t tgid;
};

UB_HELPER(get_ns_current_pid_tgid)
{
	struct pidns_info *out = (struct pidns_info *)(uintptr_t)r3;
	struct stat st;

	if (r4 != sizeof(*out))
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, out, sizeof(*out), 1))
		return UB_ERR(-EFAULT);
	memset(out, 0, sizeof(*out));
	if (stat("/proc/self/ns/pid", &st))
		return UB_ERR(-ENOENT);
	/* the kernel compares the namespace's device and inode */
	if ((uint64_t)st.st_dev != r1 || (uint64_t)st.st_ino != r2)
		return UB_ERR(-EINVAL);
	out->pid = (uint32_t)syscall(SYS_gettid);
	out->tgid = (uint32_t)getpid();
	return 0;
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * systems), into mnt; false without one. */
static bool cgroup2_mount(char *mnt, size_t size)
{
	char line[4096], dev[256], dir[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2") && strlen(dir) < size) {
			strcpy(mnt, dir);
			found = true;
		}
	fclose(f);
	return found;
}

/*
 * The id of the calling thread's cgroup v2: the inode of its directory
 * under the cgroup2 mount (kernfs inode numbers are cgroup ids).  0 when
 * there is no cgroup v2, as the kernel without cgroups gives.
 */
uint64_t ub_current_cgroup_id(void)
{
	char line[4096], mnt[4096], path[8300];
	struct stat st;
	FILE *f;
	uint64_t id = 0;

	if (!cgroup2_mount(mnt, sizeof(mnt)))
		return 0;
	f = fopen("/proc/thread-self/cgroup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", mnt, line + 3);
		if (!stat(path, &st))
			id = (uint64_t)st.st_ino;
		break;
	}
	fclose(f);
	return id;
}

UB_HELPER(get_current_cgroup_id)
{
	return ub_current_cgroup_id();
}

/*
 * A test run's packet belongs to no socket: the kernel gives 0 when
 * skb->sk is NULL.
 */
UB_HELPER(get_socket_cookie)
{
	return 0;
}
