/* SPDX-License-Identifier: MIT */
/*
 * files.c - what a launched application reads and maps besides bpf():
 * the sysfs / tracefs / procfs files libbpf and bpftool read (PMU types
 * and retprobe bits, syscall tracepoint ids under the kernel's names,
 * unprivileged_bpf_disabled), access() of the tracefs events served (as
 * tools probe them before attaching), trace_pipe (the launch's trace file, written by bpf_printk), mmap of
 * mmapable array maps and ring buffers onto the maps' own pages (mremap
 * of the shared storage, so skel->bss and the ring's consumer/producer
 * pages are the map), and epoll of ring buffers (their wake-up eventfd
 * stands in, drained while the ring is empty so the wait is level-
 * triggered as the kernel's is).
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch_int.h"
#include "userbpf/probe.h"
#include "userbpf/syscall.h"
#include "userbpf/userbpf.h"

void launch_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, "userbpf launch: ", 16) < 0 || write(2, buf, (size_t)n) < 0)
		return;
}

bool launch_verbose(void)
{
	return getenv("USERBPF_LAUNCH_VERBOSE") != NULL;
}

const char *launch_trace_path(void)
{
	return getenv("USERBPF_TRACE_PIPE");
}

/* ==== special files ==== */

static int content_fd(const char *text)
{
	int fd = memfd_create("userbpf-sysfs", MFD_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -2;
	if (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		launch_real.close(fd);
		return -2;
	}
	return fd;
}

static const char *after(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) ? NULL : path + n;
}

/*
 * Syscall tracepoints the kernel names after the syscall's entry point
 * (SYSCALL_DEFINE) where the x86-64 table has another name: tools ask
 * for these (bcc's statsnoop: sys_enter_newstat, mountsnoop:
 * sys_enter_umount).
 */
/* clang-format off */
static const char *const tp_alias[][2] = {
	{ "newstat", "stat" },	{ "newfstat", "fstat" },     { "newlstat", "lstat" },
	{ "umount", "umount2" }, { "newuname", "uname" },
};
/* clang-format on */

/* events/syscalls/sys_enter_NAME/id -> id, or 0 */
static unsigned long tp_id(const char *rest)
{
	const char *name, *end;
	bool traceable, exit_tp;
	size_t len;
	int i;

	if ((name = after(rest, "syscalls/sys_enter_")))
		exit_tp = false;
	else if ((name = after(rest, "syscalls/sys_exit_")))
		exit_tp = true;
	else
		return 0;
	end = strchr(name, '/');
	if (!end || strcmp(end, "/id"))
		return 0;
	len = (size_t)(end - name);
	for (i = 0; i < (int)(sizeof(tp_alias) / sizeof(tp_alias[0])); i++)
		if (strlen(tp_alias[i][0]) == len && !strncmp(tp_alias[i][0], name, len)) {
			name = tp_alias[i][1];
			len = strlen(name);
			break;
		}
	for (i = 0; userbpf_probe__syscall_name(i, &traceable); i++) {
		const char *s = userbpf_probe__syscall_name(i, &traceable);

		if (strlen(s) == len && !strncmp(s, name, len))
			/* execve/execveat: fired by the interposer (exec_tp.c) */
			return traceable || !strcmp(s, "execve") || !strcmp(s, "execveat") ?
				       LAUNCH_TP_ID_BASE + 2ul * (unsigned)i + exit_tp :
				       0;
	}
	return 0;
}

/* rest after the tracefs root (tracefs or debugfs), or NULL */
static const char *tracefs_rest(const char *path)
{
	const char *rest = after(path, "/sys/kernel/tracing");

	if (!rest)
		rest = after(path, "/sys/kernel/debug/tracing");
	if (!rest || (rest[0] && rest[0] != '/'))
		return NULL;
	return rest[0] ? rest + 1 : rest;
}

/* Whether events/CAT/NAME (rest = "CAT/NAME[/FILE]") is served. */
static bool tp_served(const char *rest)
{
	char id_path[160];
	const char *slash = strchr(rest, '/'), *file;
	size_t n;
	unsigned i;

	if (!slash)
		return !strcmp(rest, "syscalls") || !strcmp(rest, "sched") ||
		       !strcmp(rest, "raw_syscalls");
	file = strchr(slash + 1, '/');
	n = file ? (size_t)(file - rest) : strlen(rest);
	if (file && strcmp(file, "/id") && strcmp(file, "/format") && strcmp(file, "/enable"))
		return false;
	if (n + 4 > sizeof(id_path))
		return false;
	memcpy(id_path, rest, n);
	memcpy(id_path + n, "/id", 4);
	for (i = 0; i < LAUNCH_TP_EXTRA_CNT; i++)
		if (!strncmp(id_path, launch_tp_extra[i], strlen(launch_tp_extra[i])) &&
		    !strcmp(id_path + strlen(launch_tp_extra[i]), "/id"))
			return true;
	return tp_id(id_path) != 0;
}

int launch_special_access(const char *path)
{
	const char *rest;

	if (!path)
		return -1;
	if (!strcmp(path, "/sys/kernel/debug") || !strcmp(path, "/sys/kernel/debug/"))
		return 0; /* where tools look for the debugfs tracing root */
	rest = tracefs_rest(path);
	if (!rest)
		return -1;
	if (!rest[0] || !strcmp(rest, "events") || !strcmp(rest, "trace_pipe"))
		return 0;
	if (strncmp(rest, "events/", 7))
		return -1; /* other tracefs files: the real answer */
	if (tp_served(rest + 7))
		return 0;
	errno = ENOENT;
	return -2;
}

/* Whether path is the domain's bpffs root or below it: statfs() there
 * reports BPF_FS_MAGIC, as a mounted bpffs does.  libbpf refuses to pin
 * ("specified path ... is not on BPF FS") and bpftool tries to mount one
 * where the real /sys/fs/bpf is not a bpffs, as on a machine or in a
 * container where none is mounted; the pins live in the domain. */
bool launch_special_bpffs(const char *path)
{
	const char *rest = path ? after(path, "/sys/fs/bpf") : NULL;

	return rest && (!rest[0] || rest[0] == '/');
}

int launch_special_open(const char *path, int flags)
{
	char buf[64];
	const char *rest;
	unsigned long id;

	if (!path)
		return -1;
	if (!strcmp(path, "/sys/bus/event_source/devices/uprobe/type")) {
		snprintf(buf, sizeof(buf), "%d\n", LAUNCH_UPROBE_TYPE);
		return content_fd(buf);
	}
	if (!strcmp(path, "/sys/bus/event_source/devices/kprobe/type")) {
		snprintf(buf, sizeof(buf), "%d\n", LAUNCH_KPROBE_TYPE);
		return content_fd(buf);
	}
	if (!strcmp(path, "/sys/bus/event_source/devices/uprobe/format/retprobe") ||
	    !strcmp(path, "/sys/bus/event_source/devices/kprobe/format/retprobe"))
		return content_fd("config:0\n");
	if (!strcmp(path, "/proc/sys/kernel/unprivileged_bpf_disabled"))
		return content_fd("0\n");
	rest = after(path, "/sys/kernel/tracing/");
	if (!rest)
		rest = after(path, "/sys/kernel/debug/tracing/");
	if (!rest)
		return -1;
	if (!strcmp(rest, "trace_pipe") || !strcmp(rest, "trace")) {
		const char *t = launch_trace_path();
		int fd;

		if (!t) {
			errno = ENOENT;
			return -2;
		}
		fd = launch_real.open(t, O_RDONLY | O_CREAT | (flags & O_CLOEXEC), 0600);
		if (fd < 0)
			return -2;
		return fd;
	}
	if ((rest = after(rest, "events/"))) {
		unsigned i;

		for (i = 0; i < LAUNCH_TP_EXTRA_CNT; i++)
			if (!strncmp(rest, launch_tp_extra[i], strlen(launch_tp_extra[i])) &&
			    !strcmp(rest + strlen(launch_tp_extra[i]), "/id")) {
				snprintf(buf, sizeof(buf), "%d\n", LAUNCH_TP_SCHED_BASE + (int)i);
				return content_fd(buf);
			}
		id = tp_id(rest);
		if (!id) {
			errno = ENOENT;
			return -2;
		}
		snprintf(buf, sizeof(buf), "%lu\n", id);
		return content_fd(buf);
	}
	return -1;
}

/* ==== mmap ==== */

#define LAUNCH_PAGE ((size_t)sysconf(_SC_PAGESIZE))

/* The probe layer's syscall gate: reading /proc/self/maps is userbpf's
 * own business, syscall tracepoints of the application never see it. */
long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* End of the mapping holding addr (/proc/self/maps), or 0. */
static uintptr_t vma_end(uintptr_t addr)
{
	char buf[8192];
	int fd = (int)probe_sc_gate(SYS_openat, AT_FDCWD, (long)(uintptr_t)"/proc/self/maps",
				    O_RDONLY | O_CLOEXEC, 0, 0, 0);
	uintptr_t found = 0;
	size_t have = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while (!found && (n = probe_sc_gate(SYS_read, fd, (long)(uintptr_t)(buf + have),
					    (long)(sizeof(buf) - 1 - have), 0, 0, 0)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n'))) {
			unsigned long lo, hi;

			if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi) {
				found = hi;
				break;
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	probe_sc_gate(SYS_close, fd, 0, 0, 0, 0, 0);
	return found;
}

void *launch_mmap(void *addr, size_t len, int prot, int flags, struct lobj *obj, off_t off)
{
	struct userbpf_map *map = userbpf_map_by_fd(obj->h);
	size_t size = 0;
	uint8_t *src, *dst, *base;
	size_t done = 0;

	if (obj->kind == LOBJ_PERF && obj->pe_kind == LPERF_OUTPUT)
		return launch_perfbuf_mmap(obj, addr, len, flags);
	if (obj->kind != LOBJ_MAP || !map) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	src = userbpf_map__mmap_ptr(map, &size);
	if (!src) {
		errno = ENODEV; /* the kernel: a map without mmap support */
		return MAP_FAILED;
	}
	if (off < 0 || (size_t)off > size || len > size - (size_t)off) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (!(flags & MAP_SHARED)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (userbpf_map__is_frozen(map) && (prot & PROT_WRITE)) {
		errno = EPERM;
		return MAP_FAILED;
	}
	/* ringbuf_map_mmap_kern/_user: writable, a ring buffer's consumer
	 * page alone; a user ring buffer's anything but its consumer page */
	if ((prot & PROT_WRITE) && obj->map_type == BPF_MAP_TYPE_RINGBUF &&
	    (off || (len + LAUNCH_PAGE - 1) / LAUNCH_PAGE != 1)) {
		errno = EPERM;
		return MAP_FAILED;
	}
	if ((prot & PROT_WRITE) && obj->map_type == BPF_MAP_TYPE_USER_RINGBUF &&
	    (size_t)off < LAUNCH_PAGE) {
		errno = EPERM;
		return MAP_FAILED;
	}
	src += off;
	if (flags & MAP_FIXED) {
		base = addr;
	} else {
		base = launch_real.mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base == MAP_FAILED)
			return MAP_FAILED;
	}
	/* the storage may span mappings (a ring's data area is mapped twice) */
	while (done < len) {
		uintptr_t end = vma_end((uintptr_t)(src + done));
		size_t chunk = len - done;

		if (!end) {
			errno = EFAULT;
			goto fail;
		}
		if (chunk > end - (uintptr_t)(src + done))
			chunk = end - (uintptr_t)(src + done);
		dst = mremap(src + done, 0, chunk, MREMAP_MAYMOVE | MREMAP_FIXED, base + done);
		if (dst == MAP_FAILED)
			goto fail;
		done += chunk;
	}
	if (mprotect(base, len, prot))
		goto fail;
	return base;
fail:
	if (!(flags & MAP_FIXED))
		munmap(base, len);
	return MAP_FAILED;
}

/* ==== epoll ==== */

/*
 * A ring buffer (RINGBUF) is readable while it holds records; a user ring
 * buffer (USER_RINGBUF) is writable (EPOLLOUT | EPOLLWRNORM) while it has
 * room (kernel/bpf/ringbuf.c, ringbuf_map_poll_kern/_user).  Each stands
 * in as its map's wake-up eventfd, polled for input: the eventfd is
 * drained before each wait and signalled again when the ring is ready,
 * so the wait is level-triggered as the kernel's; a producer (a
 * program's submit) or a drain signals it meanwhile.  For a user ring
 * buffer the events a wait returns are rewritten to what the kernel
 * reports (launch_epoll_events).
 */
#define MAX_EP 64
static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ep_ring {
	int epfd;
	int efd;
	bool user;     /* USER_RINGBUF */
	uint64_t data; /* the caller's epoll_data (user rings) */
	struct userbpf_map *map;
} ep_rings[MAX_EP];

static int nop_sample(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

int launch_epoll_ctl(int epfd, int op, int fd, void *ev)
{
	struct lobj *obj = lobj_get(fd);
	struct epoll_event own, *uev = ev;
	struct userbpf_map *map;
	bool user;
	int efd, ret, i;

	if (!obj)
		return 1; /* not ours */
	if (obj->kind == LOBJ_PERF && obj->pe_kind == LPERF_OUTPUT) {
		lobj_put(obj);
		return 1; /* an eventfd: epoll it as it is */
	}
	user = obj->kind == LOBJ_MAP && obj->map_type == BPF_MAP_TYPE_USER_RINGBUF;
	if (obj->kind != LOBJ_MAP || (obj->map_type != BPF_MAP_TYPE_RINGBUF && !user)) {
		lobj_put(obj);
		errno = EPERM; /* a file without poll support */
		return -1;
	}
	map = userbpf_map_by_fd(obj->h);
	if (user) {
		if (!obj->urb)
			obj->urb = userbpf_user_ringbuf__new(map);
		efd = obj->urb ? userbpf_user_ringbuf__epoll_fd(obj->urb) : -1;
	} else {
		if (!obj->rb)
			obj->rb = userbpf_ringbuf__new(map, nop_sample, NULL);
		efd = obj->rb ? userbpf_ringbuf__epoll_fd(obj->rb) : -1;
	}
	lobj_put(obj);
	if (efd < 0) {
		if (!errno)
			errno = ENOMEM;
		return -1;
	}
	if (user && uev && op != EPOLL_CTL_DEL) {
		/* ready to write = the eventfd readable (see above) */
		own = *uev;
		own.events = (uev->events & ~(uint32_t)(EPOLLOUT | EPOLLWRNORM)) | EPOLLIN;
		uev = &own;
	}
	ret = launch_real.epoll_ctl(epfd, op, efd, uev);
	if (ret)
		return ret;
	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < MAX_EP; i++) {
		if (op == EPOLL_CTL_ADD && !ep_rings[i].map) {
			ep_rings[i] =
				(struct ep_ring){ epfd, efd, user, ev ? uev->data.u64 : 0, map };
			break;
		}
		if (op == EPOLL_CTL_MOD && ep_rings[i].map && ep_rings[i].epfd == epfd &&
		    ep_rings[i].efd == efd && ev) {
			ep_rings[i].data = uev->data.u64;
			break;
		}
		if (op == EPOLL_CTL_DEL && ep_rings[i].map && ep_rings[i].epfd == epfd &&
		    ep_rings[i].efd == efd) {
			ep_rings[i].map = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&ep_lock);
	return 0;
}

bool launch_epoll_has_rings(int epfd)
{
	bool has = false;
	int i;

	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < MAX_EP; i++)
		if (ep_rings[i].map && ep_rings[i].epfd == epfd)
			has = true;
	pthread_mutex_unlock(&ep_lock);
	return has;
}

void launch_epoll_events(int epfd, struct epoll_event *ev, int n)
{
	int i, j;

	if (n <= 0)
		return;
	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < MAX_EP; i++) {
		if (!ep_rings[i].map || !ep_rings[i].user || ep_rings[i].epfd != epfd)
			continue;
		for (j = 0; j < n; j++)
			if (ev[j].data.u64 == ep_rings[i].data && (ev[j].events & EPOLLIN))
				ev[j].events = (ev[j].events & ~(uint32_t)EPOLLIN) | EPOLLOUT |
					       EPOLLWRNORM;
	}
	pthread_mutex_unlock(&ep_lock);
}

/* Whether a ring holds records (RINGBUF) or has room (USER_RINGBUF). */
static bool ring_ready(const struct ep_ring *r)
{
	unsigned long cons, prod;
	size_t sz = 0;
	uint8_t *base;

	if (!r->user) {
		void *c, *p, *data;

		if (userbpf_ringbuf_map__areas(r->map, &c, &p, &data, &sz))
			return false;
		return __atomic_load_n((unsigned long *)c, __ATOMIC_ACQUIRE) !=
		       __atomic_load_n((unsigned long *)p, __ATOMIC_ACQUIRE);
	}
	/* consumer page, producer page, then the data area twice */
	base = userbpf_map__mmap_ptr(r->map, &sz);
	if (!base || sz < 2 * LAUNCH_PAGE)
		return false;
	cons = __atomic_load_n((unsigned long *)base, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n((unsigned long *)(base + LAUNCH_PAGE), __ATOMIC_ACQUIRE);
	return prod - cons < (sz - 2 * LAUNCH_PAGE) / 2;
}

/* Before waiting on epfd: clear the wake-up of each ring not ready. */
void launch_epoll_prepare(int epfd)
{
	int i;

	if (launch_perfbuf_active())
		launch_perfbuf_pump();
	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < MAX_EP; i++) {
		struct pollfd p;
		uint64_t v;

		if (!ep_rings[i].map || ep_rings[i].epfd != epfd)
			continue;
		p.fd = ep_rings[i].efd;
		p.events = POLLIN;
		/* drain, then re-arm if the ring is ready: a producer that
		 * submits (a drain that frees room) after the check signals
		 * the eventfd itself */
		if (poll(&p, 1, 0) == 1 && read(p.fd, &v, sizeof(v)) < 0)
			continue;
		v = 1;
		if (ring_ready(&ep_rings[i]) && write(p.fd, &v, sizeof(v)) < 0)
			continue;
	}
	pthread_mutex_unlock(&ep_lock);
}
#endif /* USERBPF_LAUNCH */
