/* SPDX-License-Identifier: MIT */
/*
 * interpose.c - the libc functions libuserbpf-launch.so exports in front
 * of libc (LD_PRELOAD): syscall() (bpf, perf_event_open, close), ioctl,
 * close, mmap, open/openat/fopen of the files userbpf serves, dup/dup2/
 * dup3/fcntl(F_DUPFD*), epoll_ctl/epoll_wait/epoll_pwait.  Each one
 * looks at its descriptor or path and either answers from userbpf or
 * forwards to the next definition (libc) unchanged.  The exported set is
 * src/launch/launch.map; everything else of the library stays hidden so
 * the application's own libbpf never binds to userbpf's symbols.
 */
#ifdef USERBPF_LAUNCH
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "domain/domain.h"
#include "helpers/task_struct.h"
#include "launch_int.h"
#include "util/alloc.h"
#include "userbpf/probe.h"
#include "userbpf/userbpf.h"

#define EXPORT __attribute__((visibility("default")))

struct launch_real launch_real;

void launch_init_real(void)
{
	if (launch_real.syscall)
		return;
#define R(name) launch_real.name = (__typeof__(launch_real.name))dlsym(RTLD_NEXT, #name)
	R(ioctl);
	R(close);
	R(mmap);
	R(open);
	R(openat);
	R(fopen);
	R(dup);
	R(dup2);
	R(dup3);
	R(fcntl);
	R(epoll_ctl);
	R(epoll_wait);
	R(epoll_pwait);
	R(faccessat);
	R(access);
	R(munmap);
	R(memfd_create);
	R(ftruncate);
	R(eventfd);
	R(execve);
	R(unlink);
	R(unlinkat);
	R(statfs);
	R(recvmsg);
	R(recvmmsg);
	R(syscall);
#undef R
}

static int print_fn(enum userbpf_print_level level, const char *fmt, va_list args)
{
	if (level == USERBPF_WARN || launch_verbose()) {
		fprintf(stderr, "userbpf launch: ");
		vfprintf(stderr, fmt, args);
	}
	return 0;
}

/* exit(status) and a return from main: task->exit_code for the exit event */
static void on_exit_status(int status, void *arg)
{
	(void)arg;
	ub_task_exit_code = (uint32_t)(status & 0xff) << 8;
}

char **launch_argv, **launch_envp;

bool probe_sc_inherited_filter(void); /* probe/syscall_x86_64.c */
void probe_sc_inherited_rewrite(void);

/*
 * An IFUNC whose resolver ld.so runs while it relocates this library,
 * before any library's constructor: the SIGSYS handler for a seccomp
 * filter inherited across exec goes in there (probe_sc_inherited_filter
 * says why); the constructor asks again.
 */
static void launch_early_noop(void)
{
}

static void (*launch_early_resolve(void))(void)
{
	probe_sc_inherited_filter();
	return launch_early_noop;
}

static void launch_early(void) __attribute__((ifunc("launch_early_resolve")));
/* the reference that makes the linker emit the IRELATIVE relocation */
void (*volatile launch_early_ref)(void) = launch_early;

/* glibc hands initialisers the program's arguments and environment */
__attribute__((constructor(101))) static void launch_ctor(int argc, char **argv, char **envp)
{
	(void)argc;
	/* first: a filter inherited across exec may trap our own syscalls */
	probe_sc_inherited_filter();
	/* before our sync thread: its start (rseq...) runs with signals blocked */
	probe_sc_inherited_rewrite();
	launch_argv = argv;
	launch_envp = envp;
	launch_init_real();
	userbpf_set_print(print_fn);
	launch_domain_start();
	on_exit(on_exit_status, NULL);
}

__attribute__((destructor)) static void launch_dtor(void)
{
	/* sched_process_exit, then leave the domain */
	userbpf_probe__process_exit(true);
	launch_domain_exit();
}

typedef void (*exit_fn)(int) __attribute__((noreturn));
static exit_fn real_exit;

/* Resolved once, at load: a forked child that ends with _exit (its
 * parent never called it) looked it up in every child, a tenth of a
 * fork's cost in the domain. */
__attribute__((constructor(102))) static void real_exit_init(void)
{
	real_exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");
}

/* A process that ends with _exit runs no destructor: the exit event and
 * the domain's bookkeeping happen here. */
EXPORT void _exit(int status)
{
	if (!real_exit)
		real_exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	ub_task_exit_code = (uint32_t)(status & 0xff) << 8;
	userbpf_probe__process_exit(true);
	launch_domain_exit();
	real_exit(status);
}

/* ==== files the library makes domain-wide (a ring buffer's memfd) ==== */

#define MAX_VFILES 64
static pthread_mutex_t vf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfile {
	int fd;
	uint8_t *base; /* its pages in the arena (after ftruncate) */
	size_t size;
} vfiles[MAX_VFILES];

static struct vfile *vfile_of(int fd)
{
	int i;

	for (i = 0; i < MAX_VFILES; i++)
		if (vfiles[i].fd == fd && vfiles[i].fd > 0)
			return &vfiles[i];
	return NULL;
}

EXPORT int memfd_create(const char *name, unsigned int flags)
{
	int fd, i;

	launch_init_real();
	fd = launch_real.memfd_create(name, flags);
	if (fd < 0 || !domain_active() || !launch_in_lib)
		return fd;
	pthread_mutex_lock(&vf_lock);
	for (i = 0; i < MAX_VFILES && vfiles[i].fd > 0; i++)
		;
	if (i < MAX_VFILES)
		vfiles[i] = (struct vfile){ fd, NULL, 0 };
	pthread_mutex_unlock(&vf_lock);
	return fd;
}

EXPORT int ftruncate(int fd, off_t len)
{
	struct vfile *v;

	launch_init_real();
	pthread_mutex_lock(&vf_lock);
	v = vfile_of(fd);
	if (v && !v->base) {
		v->base = domain_pages((size_t)len);
		v->size = (size_t)len;
		pthread_mutex_unlock(&vf_lock);
		if (!v->base) {
			errno = ENOSPC;
			return -1;
		}
		return 0;
	}
	pthread_mutex_unlock(&vf_lock);
	return launch_real.ftruncate(fd, len);
}

EXPORT int eventfd(unsigned int count, int flags)
{
	int fd, hi;

	launch_init_real();
	fd = launch_real.eventfd(count, flags);
	if (fd < 0 || !domain_active() || !launch_in_lib)
		return fd;
	/* the number is stored in shared objects: keep it out of the way of
	 * other processes' descriptors (theirs is closed: writes fail) */
	hi = launch_real.fcntl(fd, (flags & EFD_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 3000);
	if (hi >= 0) {
		launch_real.close(fd);
		fd = hi;
	}
	return fd;
}

EXPORT int munmap(void *addr, size_t len)
{
	launch_init_real();
	if (domain_owns(addr)) {
		/* arena memory is never unmapped: a page run goes back to the
		 * allocator, anything else stays */
		domain_pages_free(addr);
		return 0;
	}
	if (launch_perfbuf_active())
		launch_perfbuf_unmap(addr);
	return launch_real.munmap(addr, len);
}

static long ret_errno(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	launch_init_real();
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_bpf)
		return ret_errno(launch_bpf((int)a[0], (void *)a[1], (unsigned int)a[2]));
	if (nr == SYS_perf_event_open)
		return ret_errno(launch_perf_event_open((void *)a[0], (pid_t)a[1], (int)a[2],
							(int)a[3], (unsigned long)a[4]));
	if (nr == SYS_close)
		lobj_forget((int)a[0]);
	return launch_real.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* fork(): the descriptors the child inherits on the domain's objects
 * work there and hold their objects, as the kernel's do (fork.c). */
EXPORT pid_t fork(void)
{
	static pid_t (*real_fork)(void);
	pid_t pid;

	if (!real_fork)
		real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
	launch_fork_before();
	pid = real_fork();
	launch_fork_after(pid);
	return pid;
}

/* The descriptors of SCM_RIGHTS messages in m: a link's another process
 * of the domain made holds that link here (bpf.c). */
static void adopt_rights(struct msghdr *m)
{
	struct cmsghdr *cm;

	if (!domain_active() || !m || !m->msg_controllen)
		return;
	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		size_t i, n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			launch_link_adopt(fd);
		}
	}
}

/* Descriptors received over a unix socket (recvmsg, recvmmsg). */
EXPORT ssize_t recvmsg(int s, struct msghdr *m, int flags)
{
	ssize_t ret;

	launch_init_real();
	ret = launch_real.recvmsg(s, m, flags);
	if (ret >= 0)
		adopt_rights(m);
	return ret;
}

EXPORT int recvmmsg(int s, struct mmsghdr *v, unsigned int n, int flags, struct timespec *tmo)
{
	int ret, i;

	launch_init_real();
	ret = launch_real.recvmmsg(s, v, n, flags, tmo);
	for (i = 0; i < ret; i++)
		adopt_rights(&v[i].msg_hdr);
	return ret;
}

EXPORT int close(int fd)
{
	launch_init_real();
	lobj_forget(fd);
	if (domain_active()) {
		pthread_mutex_lock(&vf_lock);
		struct vfile *v = vfile_of(fd);

		if (v)
			v->fd = 0;
		pthread_mutex_unlock(&vf_lock);
	}
	return launch_real.close(fd);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	unsigned long arg;
	int ret;

	launch_init_real();
	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (launch_perf_ioctl(fd, req, arg, &ret))
		return (int)ret_errno(ret);
	return launch_real.ioctl(fd, req, arg);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct lobj *obj;
	void *p;

	launch_init_real();
	if (domain_active()) {
		struct vfile *v;

		if ((flags & MAP_ANONYMOUS) && launch_in_lib) {
			/* the library's map storage: shared with the domain */
			if ((flags & MAP_FIXED) && domain_owns(addr))
				return addr;
			if (!(flags & MAP_FIXED)) {
				p = domain_pages(len);
				if (!p)
					errno = ENOMEM;
				return p ? p : MAP_FAILED;
			}
		}
		pthread_mutex_lock(&vf_lock);
		v = fd >= 0 ? vfile_of(fd) : NULL;
		if (v && v->base && (flags & MAP_FIXED) && domain_owns(addr)) {
			uint64_t o = domain_offset(v->base) + (uint64_t)off;

			pthread_mutex_unlock(&vf_lock);
			p = launch_real.mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, domain_fd(),
					     (off_t)o);
			if (p != MAP_FAILED)
				domain_alias_add(addr, len, o);
			return p;
		}
		pthread_mutex_unlock(&vf_lock);
	}
	if (fd < 0 || (flags & MAP_ANONYMOUS) || !(obj = lobj_get(fd)))
		return launch_real.mmap(addr, len, prot, flags, fd, off);
	p = launch_mmap(addr, len, prot, flags, obj, off);
	lobj_put(obj);
	return p;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

/*
 * The application's path, copied for the special-file checks below
 * without faulting: buf, or NULL when it is unreadable (the real call
 * then gives the kernel's EFAULT) or too long for any special file (the
 * real call handles it).  A relative path is never special: NULL when
 * absolute is set.  Where a sandbox refuses the read itself (ENOSYS,
 * EPERM from process_vm_readv), the path is used as it is.
 */
#define APP_PATH_MAX 256
static const char *app_path(const char *path, char *buf, bool absolute)
{
	int e = errno;
	long n;

	if (!path)
		return NULL;
	errno = 0;
	n = ub_safe_read_str(buf, path, APP_PATH_MAX);
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		errno = e;
		return absolute && path[0] != '/' ? NULL : path;
	}
	errno = e;
	if (n < 0 || n == APP_PATH_MAX || (absolute && buf[0] != '/'))
		return NULL;
	return buf;
}

static int open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, false);
	va_list ap;
	int mode, fd;

	launch_init_real();
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	fd = p ? launch_special_open(p, flags) : -1;
	if (fd >= 0)
		return fd;
	if (fd == -2)
		return -1;
	return launch_real.open(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return open(path, flags, mode);
}

int __open_2(const char *path, int flags);
EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags)
{
	return open(path, flags);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, true);
	va_list ap;
	int mode, fd;

	launch_init_real();
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (p) {
		fd = launch_special_open(p, flags);
		if (fd >= 0)
			return fd;
		if (fd == -2)
			return -1;
	}
	return launch_real.openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return openat(dirfd, path, flags, mode);
}

int __openat_2(int dirfd, const char *path, int flags);
EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

/* ==== exec: the execve tracepoints (exec_tp.c) ==== */

static int exec_traced(const char *path, char *const argv[], char *const envp[])
{
	uint64_t args[6] = { (uint64_t)(uintptr_t)path, (uint64_t)(uintptr_t)argv,
			     (uint64_t)(uintptr_t)envp };
	int ret, e;

	launch_exec_tp_enter(SYS_execve, args);
	/* the new image fires no enter of its own */
	if (domain_active())
		domain_exec_mark(getpid(), true);
	ret = launch_real.execve(path, argv, envp);
	e = errno;
	if (domain_active())
		domain_exec_mark(getpid(), false);
	launch_exec_tp_exit(SYS_execve, -e);
	errno = e;
	return ret;
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	launch_init_real();
	return exec_traced(path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

/* execvpe: the PATH search of glibc's (each attempt one execve, as the
 * kernel sees it), without its ENOEXEC fallback to /bin/sh. */
EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	const char *p, *path = getenv("PATH");
	bool eacces = false;
	char buf[4096];

	launch_init_real();
	if (!file[0]) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/'))
		return exec_traced(file, argv, envp);
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t n = (size_t)(end - p);

		if (n + strlen(file) + 2 <= sizeof(buf)) {
			if (n) {
				memcpy(buf, p, n);
				buf[n++] = '/';
			}
			strcpy(buf + n, file);
			exec_traced(buf, argv, envp);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
				 errno != ENODEV && errno != ETIMEDOUT)
				return -1;
		}
		if (!*end)
			break;
		p = end;
	}
	errno = eacces ? EACCES : ENOENT;
	return -1;
}

EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

EXPORT int access(const char *path, int mode)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, false);
	int r;

	launch_init_real();
	r = p ? launch_special_access(p) : -1;
	if (r != -1)
		return r ? -1 : 0;
	return launch_real.access(path, mode);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, true);
	int r;

	launch_init_real();
	r = p ? launch_special_access(p) : -1;
	if (r != -1)
		return r ? -1 : 0;
	return launch_real.faccessat(dirfd, path, mode, flags);
}

/* statfs() of the domain's /sys/fs/bpf: a bpffs, as the kernel's
 * simple_statfs() describes one (libbpf's pin path check, bpftool's
 * is_bpffs), whatever the real directory is. */
#define K_BPF_FS_MAGIC 0xcafe4a11
EXPORT int statfs(const char *path, struct statfs *buf)
{
	char tmp[APP_PATH_MAX];
	const char *p = app_path(path, tmp, true);
	struct statfs st;

	launch_init_real();
	if (!p || !launch_special_bpffs(p))
		return launch_real.statfs(path, buf);
	/* the real call on "/" checks buf as the kernel would (EFAULT) */
	if (launch_real.statfs("/", buf))
		return -1;
	memset(&st, 0, sizeof(st));
	st.f_type = K_BPF_FS_MAGIC;
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namelen = 255;
	st.f_flags = ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME;
	memcpy(buf, &st, sizeof(st));
	return 0;
}

EXPORT int statfs64(const char *path, struct statfs64 *buf)
{
	return statfs(path, (struct statfs *)buf);
}

/* unlink of a pin under /sys/fs/bpf (libbpf's bpf_map__unpin and
 * bpf_link__unpin, rm): the pin goes and drops its reference. */
EXPORT int unlink(const char *path)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, false);
	int r = 1;

	launch_init_real();
	if (p)
		r = launch_unpin(p);
	if (r <= 0)
		return ret_errno(r);
	return launch_real.unlink(path);
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, true);
	int r = 1;

	launch_init_real();
	if (p && !(flags & AT_REMOVEDIR))
		r = launch_unpin(p);
	if (r <= 0)
		return ret_errno(r);
	return launch_real.unlinkat(dirfd, path, flags);
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	char buf[APP_PATH_MAX];
	const char *p = app_path(path, buf, false);
	int fd;

	launch_init_real();
	fd = p ? launch_special_open(p, O_RDONLY) : -1;
	if (fd >= 0) {
		FILE *f = fdopen(fd, "r");

		if (!f)
			launch_real.close(fd);
		return f;
	}
	if (fd == -2)
		return NULL;
	return launch_real.fopen(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return fopen(path, mode);
}

EXPORT int dup(int fd)
{
	int n;

	launch_init_real();
	n = launch_real.dup(fd);
	if (n >= 0)
		lobj_dup(fd, n);
	return n;
}

EXPORT int dup2(int fd, int to)
{
	int n;

	launch_init_real();
	n = launch_real.dup2(fd, to);
	if (n >= 0)
		lobj_dup(fd, n);
	return n;
}

EXPORT int dup3(int fd, int to, int flags)
{
	int n;

	launch_init_real();
	n = launch_real.dup3(fd, to, flags);
	if (n >= 0)
		lobj_dup(fd, n);
	return n;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	unsigned long arg;
	int n;

	launch_init_real();
	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	n = launch_real.fcntl(fd, cmd, arg);
	if (n >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		lobj_dup(fd, n);
	return n;
}

int fcntl64(int fd, int cmd, ...);
EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int r;

	launch_init_real();
	r = launch_epoll_ctl(epfd, op, fd, ev);
	if (r != 1)
		return r;
	return launch_real.epoll_ctl(epfd, op, fd, ev);
}

/*
 * In a domain, producers in other processes cannot signal this process's
 * eventfd: a wait on rings is cut into 20 ms slices, each after a check
 * of the rings (launch_epoll_prepare re-arms the eventfd of a ring that
 * holds records).
 */
static int sliced_wait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask,
		       bool pwait)
{
	struct timespec t0, t1;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int slice = 20;
		long spent;

		launch_epoll_prepare(epfd);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (timeout >= 0 && spent >= timeout)
			slice = 0;
		else if (timeout >= 0 && timeout - spent < slice)
			slice = (int)(timeout - spent);
		r = pwait ? launch_real.epoll_pwait(epfd, ev, max, slice, mask) :
			    launch_real.epoll_wait(epfd, ev, max, slice);
		if (r != 0 || slice == 0)
			return r;
	}
}

static int ring_wait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask,
		     bool pwait)
{
	int r;

	if (timeout != 0 &&
	    (launch_perfbuf_active() || (domain_active() && launch_epoll_has_rings(epfd)))) {
		r = sliced_wait(epfd, ev, max, timeout, mask, pwait);
	} else {
		launch_epoll_prepare(epfd);
		r = pwait ? launch_real.epoll_pwait(epfd, ev, max, timeout, mask) :
			    launch_real.epoll_wait(epfd, ev, max, timeout);
	}
	launch_epoll_events(epfd, ev, r);
	return r;
}

EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	launch_init_real();
	return ring_wait(epfd, ev, max, timeout, NULL, false);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	launch_init_real();
	return ring_wait(epfd, ev, max, timeout, mask, true);
}
#endif /* USERBPF_LAUNCH */
