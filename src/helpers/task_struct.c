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
 * and bpf_get_socket_cookie (46).  The images are per thread, rebuilt
 * when the thread or the BTF changes, and freed at thread exit; a checked
 * run is given them as read-only regions.
 *
 * Does not own: choosing the BTF (the loader sets ub_task_btf_hook), the
 * helper registry (std.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "task_struct.h"
#include "userbpf/object.h"
#include "util/alloc.h"

struct task_img {
	const struct userbpf_btf *btf;
	pid_t tid;
	uint8_t *task, *parent, *leader, *mm;
	size_t task_size, mm_size;
};

static pthread_key_t img_key;
static pthread_once_t img_once = PTHREAD_ONCE_INIT;

static void img_free(void *p)
{
	struct task_img *img = p;

	if (!img)
		return;
	ub_free(img->task);
	ub_free(img->parent);
	ub_free(img->leader);
	ub_free(img->mm);
	ub_free(img);
}

static void img_key_init(void)
{
	pthread_key_create(&img_key, img_free);
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

static void put(const struct userbpf_btf *btf, uint32_t id, size_t struct_size, uint8_t *img,
		const char *name, const void *val, size_t size)
{
	int64_t off = member_off(btf, id, name, size, struct_size);

	if (off >= 0)
		memcpy(img + off, val, size);
}

static void put_u32(const struct userbpf_btf *btf, uint32_t id, size_t sz, uint8_t *img,
		    const char *name, uint32_t v)
{
	put(btf, id, sz, img, name, &v, 4);
}

static void put_u64(const struct userbpf_btf *btf, uint32_t id, size_t sz, uint8_t *img,
		    const char *name, uint64_t v)
{
	put(btf, id, sz, img, name, &v, 8);
}

/* comm, and fields 9 (flags) and 22 (starttime, ticks) of a stat file. */
static void read_stat(const char *path, char comm[16], uint64_t *flags, uint64_t *start)
{
	char buf[1024], *p;
	size_t n;
	FILE *f = fopen(path, "r");
	int field;

	*flags = 0;
	*start = 0;
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strchr(buf, '(');
	if (comm && p) {
		char *q = strrchr(buf, ')');

		if (q && q > p) {
			size_t len = (size_t)(q - p - 1);

			if (len > 15)
				len = 15;
			memset(comm, 0, 16);
			memcpy(comm, p + 1, len);
		}
	}
	p = strrchr(buf, ')');
	if (!p)
		return;
	/* field 3 (state) follows ") " */
	for (field = 3, p += 2; *p && field < 22; field++) {
		if (field == 9)
			*flags = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (!p)
			return;
		p++;
	}
	if (field == 22)
		*start = strtoull(p, NULL, 10);
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? ticks * (1000000000ull / (uint64_t)hz) : 0;
}

static int build(struct task_img *img, const struct userbpf_btf *btf)
{
	int64_t tid_id =
		userbpf_btf__find_by_name_kind(btf, "task_struct", USERBPF_BTF_KIND_STRUCT);
	int64_t mm_id = userbpf_btf__find_by_name_kind(btf, "mm_struct", USERBPF_BTF_KIND_STRUCT);
	int64_t size, mm_size = 64;
	pid_t tid = (pid_t)syscall(SYS_gettid), pid = getpid(), ppid = getppid();
	char path[64], comm[16] = "";
	uint64_t flags, start, pflags, pstart;
	uint32_t id;
	int prio;

	if (tid_id < 0)
		return -ENOENT;
	id = (uint32_t)tid_id;
	size = userbpf_btf__resolve_size(btf, id);
	if (size <= 0 || size > (1 << 20))
		return -EINVAL;
	if (mm_id > 0) {
		int64_t s = userbpf_btf__resolve_size(btf, (uint32_t)mm_id);

		if (s > 0 && s <= (1 << 20))
			mm_size = s;
	}
	ub_free(img->task);
	ub_free(img->parent);
	ub_free(img->leader);
	ub_free(img->mm);
	img->task = ub_calloc(1, (size_t)size);
	img->parent = ub_calloc(1, (size_t)size);
	img->leader = ub_calloc(1, (size_t)size);
	img->mm = ub_calloc(1, (size_t)mm_size);
	img->btf = NULL;
	if (!img->task || !img->parent || !img->leader || !img->mm)
		return -ENOMEM;
	img->task_size = (size_t)size;
	img->mm_size = (size_t)mm_size;

	errno = 0;
	prio = getpriority(PRIO_PROCESS, 0);
	if (errno)
		prio = 0;
	/* the calling thread */
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	read_stat(path, NULL, &flags, &start);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	/* the parent process */
	{
		char pcomm[16] = "";

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)ppid);
		read_stat(path, pcomm, &pflags, &pstart);
		put_u32(btf, id, (size_t)size, img->parent, "pid", (uint32_t)ppid);
		put_u32(btf, id, (size_t)size, img->parent, "tgid", (uint32_t)ppid);
		put(btf, id, (size_t)size, img->parent, "comm", pcomm, 16);
		put_u64(btf, id, (size_t)size, img->parent, "flags", pflags);
		put_u64(btf, id, (size_t)size, img->parent, "start_time", ticks_to_ns(pstart));
		put_u64(btf, id, (size_t)size, img->parent, "start_boottime", ticks_to_ns(pstart));
	}
	/* the main thread */
	{
		char lcomm[16] = "";
		uint64_t lflags, lstart;

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)pid);
		read_stat(path, lcomm, &lflags, &lstart);
		put_u32(btf, id, (size_t)size, img->leader, "pid", (uint32_t)pid);
		put_u32(btf, id, (size_t)size, img->leader, "tgid", (uint32_t)pid);
		put(btf, id, (size_t)size, img->leader, "comm", lcomm, 16);
		put_u64(btf, id, (size_t)size, img->leader, "flags", lflags);
		put_u64(btf, id, (size_t)size, img->leader, "start_time", ticks_to_ns(lstart));
		put_u64(btf, id, (size_t)size, img->leader, "real_parent",
			(uint64_t)(uintptr_t)img->parent);
		put_u64(btf, id, (size_t)size, img->leader, "parent",
			(uint64_t)(uintptr_t)img->parent);
		put_u64(btf, id, (size_t)size, img->leader, "group_leader",
			(uint64_t)(uintptr_t)img->leader);
		put_u64(btf, id, (size_t)size, img->leader, "mm", (uint64_t)(uintptr_t)img->mm);
		put_u64(btf, id, (size_t)size, img->leader, "active_mm",
			(uint64_t)(uintptr_t)img->mm);
	}
	put_u32(btf, id, (size_t)size, img->task, "pid", (uint32_t)tid);
	put_u32(btf, id, (size_t)size, img->task, "tgid", (uint32_t)pid);
	put(btf, id, (size_t)size, img->task, "comm", comm, 16);
	put_u64(btf, id, (size_t)size, img->task, "flags", flags);
	put_u64(btf, id, (size_t)size, img->task, "start_time", ticks_to_ns(start));
	put_u64(btf, id, (size_t)size, img->task, "start_boottime", ticks_to_ns(start));
	put_u32(btf, id, (size_t)size, img->task, "exit_code", ub_task_exit_code);
	put_u32(btf, id, (size_t)size, img->task, "prio", (uint32_t)(120 + prio));
	put_u32(btf, id, (size_t)size, img->task, "static_prio", (uint32_t)(120 + prio));
	put_u32(btf, id, (size_t)size, img->task, "normal_prio", (uint32_t)(120 + prio));
	put_u64(btf, id, (size_t)size, img->task, "real_parent", (uint64_t)(uintptr_t)img->parent);
	put_u64(btf, id, (size_t)size, img->task, "parent", (uint64_t)(uintptr_t)img->parent);
	put_u64(btf, id, (size_t)size, img->task, "group_leader",
		(uint64_t)(uintptr_t)(tid == pid ? img->task : img->leader));
	put_u64(btf, id, (size_t)size, img->task, "mm", (uint64_t)(uintptr_t)img->mm);
	put_u64(btf, id, (size_t)size, img->task, "active_mm", (uint64_t)(uintptr_t)img->mm);
	img->btf = btf;
	img->tid = tid;
	return 0;
}

void *ub_task_current(struct userbpf_run *run, const struct userbpf_btf *btf)
{
	struct task_img *img;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (!btf)
		return NULL;
	pthread_once(&img_once, img_key_init);
	img = pthread_getspecific(img_key);
	if (!img) {
		img = ub_calloc(1, sizeof(*img));
		if (!img)
			return NULL;
		pthread_setspecific(img_key, img);
	}
	/* a fork()ed child inherits the parent thread's image: rebuild */
	if (img->btf != btf || img->tid != tid) {
		if (build(img, btf))
			return NULL;
	} else {
		/* a thread may rename itself (PR_SET_NAME) */
		int64_t id =
			userbpf_btf__find_by_name_kind(btf, "task_struct", USERBPF_BTF_KIND_STRUCT);
		char comm[16] = "";

		prctl(PR_GET_NAME, comm, 0, 0, 0);
		if (id > 0) {
			put(btf, (uint32_t)id, img->task_size, img->task, "comm", comm, 16);
			put_u32(btf, (uint32_t)id, img->task_size, img->task, "exit_code",
				ub_task_exit_code);
		}
	}
	if (run) {
		userbpf_run__add_region(run, img->task, img->task_size, 0);
		userbpf_run__add_region(run, img->parent, img->task_size, 0);
		userbpf_run__add_region(run, img->leader, img->task_size, 0);
		userbpf_run__add_region(run, img->mm, img->mm_size, 0);
	}
	return img->task;
}

const struct userbpf_btf *(*ub_task_btf_hook)(const struct userbpf_prog *prog);
uint32_t ub_task_exit_code;

UB_HELPER(get_current_task)
{
	const struct userbpf_btf *btf = NULL;

	if (ub_task_btf_hook)
		btf = ub_task_btf_hook(userbpf_run__prog(run));
	if (!btf)
		btf = userbpf_btf__kernel();
	return (uint64_t)(uintptr_t)ub_task_current(run, btf);
}

/*
 * bpf_get_task_stack(task, buf, size, flags): the current task's stack as
 * bpf_get_stack gives it (its user stack with BPF_F_USER_STACK, no
 * kernel stack in user space); another task's user stack cannot be
 * walked from here: -EFAULT, its (absent) kernel stack: 0 bytes.
 */
UB_HELPER(get_task_stack)
{
	struct task_img *img;

	pthread_once(&img_once, img_key_init);
	img = pthread_getspecific(img_key);
	if (img && r1 && (uint8_t *)(uintptr_t)r1 == img->task &&
	    img->tid == (pid_t)syscall(SYS_gettid))
		return ub_helper_get_stack(0, r2, r3, r4, r5, run);
	if (r4 & (1ull << 8) /* BPF_F_USER_STACK */)
		return UB_ERR(-EFAULT);
	return ub_helper_get_stack(0, r2, r3, r4, r5, run);
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
