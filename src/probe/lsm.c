/* SPDX-License-Identifier: MIT */
/*
 * lsm.c - BPF LSM programs (SEC("lsm/HOOK"), SEC("lsm.s/HOOK"):
 * BPF_PROG_TYPE_LSM, attach type BPF_LSM_MAC) on the security hooks a
 * process's own syscalls reach: bpf (bpf()), file_open (open, openat,
 * creat, openat2), path_unlink (unlink, unlinkat) and socket_connect
 * (connect).  A program that returns non-zero denies the operation: the
 * syscall is not made and fails with that value, as in the kernel.
 *
 * Each link is one syscall sub-link per syscall that reaches its hook
 * (syscall_x86_64.c, link->lsm set); the syscall layer runs them before
 * every other program of the syscall's side (probe_lsm_chain) and skips
 * the syscall when they deny it.  The hook's arguments are built the way
 * the kernel has them when it calls the hook (the bpf_attr copied in,
 * the struct file of the file being opened, the directory's struct path
 * and the victim's dentry, the socket and the sockaddr copied in), with
 * kfunc_obj.c's kernel objects at the running kernel's BTF offsets.  The
 * context is the kernel's: the u64 array of the hook's arguments
 * (BPF_PROG), then the return value of the program before.
 *
 * Programs on one hook run as the kernel's BPF trampoline runs them
 * (BPF_TRAMP_MODIFY_RETURN, invoke_bpf_mod_ret): in attach order, the
 * first seeing ret = 0, and the first non-zero return ends the chain
 * (the programs after it do not run) and becomes the hook's result.
 *
 * Owns the hook table and the LSM links (pe_kind PROBE_PE_LSM).  Not
 * here: lsm_cgroup (a cgroup attachment: refused), the other hooks.
 * Documented in docs/probes.md, "LSM programs".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kfunc_int.h"
#include "probe_int.h"
#include "userbpf/object.h"
#include "util/alloc.h"
#include "util/log.h"

#define LSM_PATH_MAX 4096
#define LSM_O_PATH 010000000u
#define LSM_O_LARGEFILE 0100000u
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

/* What a hook's run builds: its arguments and the memory they point to
 * (on the running thread's stack: the runs end before the syscall). */
struct lsm_frame {
	uint64_t arg[6];
	uint8_t buf[sizeof(union bpf_attr) > 128 ? sizeof(union bpf_attr) : 128]
		__attribute__((aligned(8))); /* the bpf_attr or sockaddr copied in */
	uint64_t path[2];		     /* struct path { mnt, dentry } */
	int close_fd;			     /* a descriptor of ours to close after the runs */
	int new_fd;			     /* file_open at the exit: the open's descriptor */
};

struct lsm_hook;
/* Whether syscall nr (arguments a) reaches the hook, and its arguments
 * into fr when it does; exit_side: after the call, ret its result. */
typedef bool (*lsm_build_fn)(struct lsm_frame *fr, int nr, const uint64_t a[6], bool exit_side,
			     int64_t ret);

struct lsm_hook {
	const char *name;
	int nargs;
	int nrs[5];   /* the syscalls that reach it (0 ends) */
	bool at_exit; /* also decided at the syscall's exit (file_open of a new file) */
	lsm_build_fn build;
};

/* ==== bpf ==== */

/*
 * security_bpf(int cmd, union bpf_attr *attr, unsigned int size, bool
 * kernel), from __sys_bpf once the attr is copied in: a size above a page,
 * or bytes past the kernel's union that are not zero (E2BIG), or an
 * unreadable attr (EFAULT) end before it.  attr points to the copy
 * (size bytes, the rest zero), size is min(size, sizeof(union bpf_attr)).
 */
static bool build_bpf(struct lsm_frame *fr, int nr, const uint64_t a[6], bool exit_side,
		      int64_t ret)
{
	uint64_t size = (uint32_t)a[2],
		 n = size < sizeof(union bpf_attr) ? size : sizeof(union bpf_attr);
	uint8_t tail[64];
	uint64_t off;

	(void)nr, (void)exit_side, (void)ret;
	if (size > 4096)
		return false;
	for (off = sizeof(union bpf_attr); off < size; off += sizeof(tail)) {
		size_t k = size - off < sizeof(tail) ? (size_t)(size - off) : sizeof(tail), i;

		if (ub_safe_read(tail, (const void *)(uintptr_t)(a[1] + off), k))
			return false;
		for (i = 0; i < k; i++)
			if (tail[i])
				return false;
	}
	memset(fr->buf, 0, sizeof(fr->buf));
	if (n && (!a[1] || ub_safe_read(fr->buf, (const void *)(uintptr_t)a[1], (size_t)n)))
		return false;
	fr->arg[0] = (uint32_t)a[0];
	fr->arg[1] = (uint64_t)(uintptr_t)fr->buf;
	fr->arg[2] = n;
	fr->arg[3] = 0; /* kernel: false, a process's call */
	return true;
}

/* ==== file_open ==== */

/*
 * The threads whose open may create its file (O_CREAT, absent at the
 * entry): the hook runs at their syscall's exit, on the new descriptor,
 * as the kernel calls it after creating the file.  A slot per tid modulo
 * the table's size: two such opens at once in threads sharing a slot
 * lose one's hook run.
 */
#define LSM_NPEND 64
static _Atomic int32_t lsm_pending[LSM_NPEND];

static int32_t lsm_tid(void)
{
	return (int32_t)kf_sys(SYS_gettid, 0, 0, 0, 0, 0);
}

/* The dfd, path and flags of open, openat, creat, openat2 (false for an
 * unreadable struct open_how or one of another size than the kernel
 * copies: openat2 fails first). */
static bool open_args(int nr, const uint64_t a[6], int *dfd, uint64_t *up, uint64_t *flags)
{
	switch (nr) {
	case SYS_open:
		*dfd = AT_FDCWD, *up = a[0], *flags = (uint32_t)a[1];
		return true;
	case SYS_creat:
		*dfd = AT_FDCWD, *up = a[0], *flags = O_CREAT | O_WRONLY | O_TRUNC;
		return true;
	case SYS_openat:
		*dfd = (int)a[0], *up = a[1], *flags = (uint32_t)a[2];
		return true;
	case SYS_openat2:
		if (a[3] < 24 || a[3] > 4096 ||
		    ub_safe_read(flags, (const void *)(uintptr_t)a[2], 8))
			return false;
		*dfd = (int)a[0], *up = a[1];
		return true;
	}
	return false;
}

/* f_flags as do_dentry_open leaves them: O_LARGEFILE added (x86-64's
 * force_o_largefile), the open-time flags dropped. */
static long file_flags(uint64_t flags)
{
	return (long)((flags | LSM_O_LARGEFILE) &
		      ~(uint64_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
}

/*
 * security_file_open(struct file *), from do_dentry_open: for an open that
 * got past the path walk and the permission checks of may_open, before
 * the file system's open and O_TRUNC's truncation, so a denied open
 * truncates nothing.  Not reached by O_PATH opens (do_dentry_open returns
 * before it).  At the entry the file is looked up with an O_PATH
 * descriptor of ours: a missing file (without O_CREAT), O_CREAT|O_EXCL on
 * an existing one, write access to a directory, O_DIRECTORY on another
 * file or no permission for the access mode (faccessat2 AT_EACCESS) fail
 * the open first.  An O_CREAT open of a missing file is decided at the
 * exit on its new descriptor: the kernel creates the file, then calls the
 * hook, and a denial leaves the file created (the descriptor is closed).
 */
static bool build_file_open(struct lsm_frame *fr, int nr, const uint64_t a[6], bool exit_side,
			    int64_t ret)
{
	uint64_t up, flags = 0, file;
	char p[LSM_PATH_MAX + 1];
	struct stat st;
	int dfd, fd, acc, mode;
	int32_t tid = 0, mark = -1, *slot = NULL;
	long n;

	if (!open_args(nr, a, &dfd, &up, &flags) || (flags & LSM_O_PATH))
		return false;
	if (flags & O_CREAT) { /* this thread's mark of an earlier open goes */
		tid = lsm_tid();
		slot = (int32_t *)&lsm_pending[tid % LSM_NPEND];
		mark = tid;
		if (!__atomic_compare_exchange_n(slot, &mark, 0, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED) &&
		    exit_side)
			return false;
	}
	if (exit_side) {
		if (!(flags & O_CREAT) || mark != tid || ret < 0)
			return false;
		file = kf_obj_file((int)ret, NULL, NULL);
		if (!file)
			return false;
		kf_obj_file_created(file);
		fr->arg[0] = file;
		fr->new_fd = (int)ret;
		return true;
	}
	n = ub_safe_read_str(p, (const void *)(uintptr_t)up, sizeof(p));
	if (n <= 1 || n > LSM_PATH_MAX)
		return false;
	fd = (int)kf_sys(SYS_openat, dfd, (long)(uintptr_t)p,
			 (long)(LSM_O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY))), 0,
			 0);
	if (fd == -ENOENT && (flags & O_CREAT)) {
		__atomic_store_n(slot, tid, __ATOMIC_RELEASE);
		return false;
	}
	if (fd < 0)
		return false;
	acc = (int)(flags & O_ACCMODE);
	mode = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ||
	    kf_sys(SYS_fstat, fd, (long)(uintptr_t)&st, 0, 0, 0) ||
	    (S_ISDIR(st.st_mode) && (acc != O_RDONLY || (flags & O_CREAT))) ||
	    (S_ISLNK(st.st_mode)) || /* O_NOFOLLOW on a symlink: ELOOP */
	    kf_sys(SYS_faccessat2, fd, (long)(uintptr_t)"", mode, AT_EACCESS | AT_EMPTY_PATH, 0)) {
		kf_sys(SYS_close, fd, 0, 0, 0, 0);
		return false;
	}
	file = kf_obj_file_as(fd, file_flags(flags));
	fr->close_fd = fd;
	if (!file)
		return false;
	fr->arg[0] = file;
	return true;
}

/* ==== path_unlink ==== */

/* The last component of path p (n bytes with the NUL) into name, and p cut to
 * its directory ("." when it has none); false for a trailing '/', "."
 * or "..". */
static bool split_path(char *p, long n, char *name, size_t name_sz)
{
	char *slash;
	const char *b;
	size_t len;

	if (n <= 1 || p[n - 2] == '/')
		return false;
	slash = strrchr(p, '/');
	b = slash ? slash + 1 : p;
	len = strnlen(b, name_sz - 1);
	memcpy(name, b, len);
	name[len] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	if (slash == p)
		p[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(p, ".");
	return true;
}

/* The name a directory's dentry has: the last component of where dfd +
 * dir (a directory path) leads ("/" for the root). */
static void dir_name(int dfd, const char *dir, char *name, size_t name_sz)
{
	char link[LSM_PATH_MAX + 1], proc[48];
	const char *b;
	long n;
	int fd = (int)kf_sys(SYS_openat, dfd, (long)(uintptr_t)dir, LSM_O_PATH | O_CLOEXEC, 0, 0);

	name[0] = '\0';
	if (fd < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = kf_sys(SYS_readlinkat, AT_FDCWD, (long)(uintptr_t)proc, (long)(uintptr_t)link,
		   sizeof(link) - 1, 0);
	kf_sys(SYS_close, fd, 0, 0, 0, 0);
	if (n <= 0)
		return;
	link[n] = '\0';
	b = strrchr(link, '/');
	b = b && b[1] ? b + 1 : link;
	n = (long)strnlen(b, name_sz - 1);
	memcpy(name, b, (size_t)n);
	name[n] = '\0';
}

/*
 * security_path_unlink(const struct path *dir, struct dentry *dentry),
 * from do_unlinkat once the last component is looked up and exists (no
 * trailing '/', not "." or ".."; a missing directory or file ends
 * before), before vfs_unlink's permission checks: unlink, unlinkat
 * without AT_REMOVEDIR (unlinkat with other flag bits: EINVAL first).
 * dir's mnt is the kernel objects' zeroed vfsmount, its dentry the
 * directory's.
 */
static bool build_path_unlink(struct lsm_frame *fr, int nr, const uint64_t a[6], bool exit_side,
			      int64_t ret)
{
	char p[LSM_PATH_MAX + 1], name[256], dname[256];
	struct stat st, dir;
	uint64_t up;
	long n;
	int dfd;

	(void)exit_side, (void)ret;
	if (nr == SYS_unlinkat) {
		if (a[2] & 0xffffffffu)
			return false; /* AT_REMOVEDIR: path_rmdir; others: EINVAL */
		dfd = (int)a[0], up = a[1];
	} else {
		dfd = AT_FDCWD, up = a[0];
	}
	n = ub_safe_read_str(p, (const void *)(uintptr_t)up, sizeof(p));
	if (n > LSM_PATH_MAX ||
	    kf_sys(SYS_newfstatat, dfd, (long)(uintptr_t)p, (long)(uintptr_t)&st,
		   AT_SYMLINK_NOFOLLOW, 0) ||
	    !split_path(p, n, name, sizeof(name)) ||
	    kf_sys(SYS_newfstatat, dfd, (long)(uintptr_t)p, (long)(uintptr_t)&dir, 0, 0))
		return false;
	dir_name(dfd, p, dname, sizeof(dname));
	fr->path[0] = kf_obj_idmap(); /* a vfsmount of zeroes */
	fr->path[1] = kf_obj_dentry(&dir, dname, false);
	fr->arg[0] = (uint64_t)(uintptr_t)fr->path;
	fr->arg[1] = kf_obj_dentry(&st, name, false);
	return true;
}

/* ==== socket_connect ==== */

/*
 * security_socket_connect(struct socket *, struct sockaddr *, int addrlen),
 * from __sys_connect_file before the protocol's connect: connect on a
 * socket descriptor (EBADF, ENOTSOCK first) with an address
 * move_addr_to_kernel copies (a length above 128 or negative: EINVAL; an
 * unreadable one: EFAULT).  The sockaddr points to that copy.
 */
static bool build_socket_connect(struct lsm_frame *fr, int nr, const uint64_t a[6], bool exit_side,
				 int64_t ret)
{
	int fam = 0, type = 0, proto = 0, len = (int)(uint32_t)a[2];
	uint64_t sock;

	(void)nr, (void)exit_side, (void)ret;
	if (len < 0 || len > 128)
		return false;
	memset(fr->buf, 0, 128);
	if (len && ub_safe_read(fr->buf, (const void *)(uintptr_t)a[1], (size_t)len))
		return false;
	sock = kf_obj_socket((int)(uint32_t)a[0], &fam, &type, &proto);
	if (!sock)
		return false;
	fr->arg[0] = sock;
	fr->arg[1] = (uint64_t)(uintptr_t)fr->buf;
	fr->arg[2] = (uint32_t)len;
	return true;
}

/* In the kernel's call order when one syscall reaches several. */
/* clang-format off */
static const struct lsm_hook hooks[] = {
	{ "bpf",            4, { SYS_bpf },                                        false, build_bpf },
	{ "file_open",      1, { SYS_open, SYS_openat, SYS_creat, SYS_openat2 },   true,  build_file_open },
	{ "path_unlink",    2, { SYS_unlink, SYS_unlinkat },                       false, build_path_unlink },
	{ "socket_connect", 3, { SYS_connect },                                    false, build_socket_connect },
};
/* clang-format on */
#define LSM_NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

static const struct lsm_hook *hook_find(const char *name)
{
	size_t i;

	for (i = 0; i < LSM_NHOOKS; i++)
		if (!strcmp(hooks[i].name, name))
			return &hooks[i];
	return NULL;
}

bool probe_lsm_known(const char *hook)
{
	return hook && hook_find(hook);
}

const char *probe_lsm_avail(void)
{
	return "bpf, file_open, path_unlink, socket_connect";
}

bool probe_lsm_target(const char *tp)
{
	return !strncmp(tp, "lsm/", 4) || !strncmp(tp, "lsm.s/", 6) ||
	       !strncmp(tp, "lsm_cgroup/", 11);
}

/* ==== Links ==== */

/* A sub-link's attachment (link->lsm). */
struct lsm_att {
	const struct lsm_hook *hook;
	struct userbpf_link *parent;
	uint64_t seq; /* attach order */
};

static _Atomic uint64_t lsm_seq;
static pthread_once_t lsm_once = PTHREAD_ONCE_INIT;

/* The kernel objects' layouts (kfunc_obj.c), read once from the running
 * kernel's BTF and freed at once, as kfunc.c reads them. */
static void lsm_init(void)
{
	struct userbpf_btf *k = userbpf_btf__parse_file("/sys/kernel/btf/vmlinux");

	if (k) {
		kf_obj_init(k);
		userbpf_btf__free(k);
	}
}

void probe_lsm_detach(struct userbpf_link *link)
{
	size_t i;

	for (i = 0; i < link->n_subs; i++) {
		void *att = (void *)link->subs[i]->lsm;

		userbpf_link__destroy(link->subs[i]);
		ub_free(att);
	}
	ub_free(link->subs);
	link->subs = NULL;
	link->n_subs = 0;
}

struct userbpf_link *probe_lsm_attach(struct userbpf_prog *prog, const char *tp,
				      const struct userbpf_uprobe_opts *o)
{
	const struct lsm_hook *h = NULL;
	struct userbpf_link *link = NULL;
	const char *name = strchr(tp, '/');
	char err[400] = "";
	int n = 0, i, ret;
	uint64_t seq;

	if (!strncmp(tp, "lsm_cgroup/", 11)) {
		snprintf(err, sizeof(err),
			 "%s: lsm_cgroup programs attach to a cgroup, which a process does not "
			 "have (use lsm/HOOK: the hooks available are %s)",
			 tp, probe_lsm_avail());
		ret = -EOPNOTSUPP;
		goto fail;
	}
	if (!name || !(h = hook_find(name + 1))) {
		snprintf(err, sizeof(err),
			 "LSM hook '%s' cannot run in a process: the hooks available are those "
			 "a process's syscalls reach (%s)",
			 name ? name + 1 : tp, probe_lsm_avail());
		ret = -ENOENT;
		goto fail;
	}
	for (i = 0; i < 5 && h->nrs[i]; i++)
		n++;
	link = ub_calloc(1, sizeof(*link));
	if (link)
		link->subs = ub_calloc((size_t)(h->at_exit ? 2 * n : n), sizeof(*link->subs));
	if (!link || !link->subs) {
		ret = -ENOMEM;
		goto fail;
	}
	pthread_once(&lsm_once, lsm_init); /* not on the run path: it allocates */
	probe_link_sc_init(link, prog, o);
	link->pe_kind = PROBE_PE_LSM;
	seq = atomic_fetch_add(&lsm_seq, 1);
	for (i = 0; i < (h->at_exit ? 2 * n : n); i++) {
		struct lsm_att *att = ub_calloc(1, sizeof(*att));
		struct userbpf_link *sub = ub_calloc(1, sizeof(*sub));

		if (!att || !sub) {
			ub_free(att);
			ub_free(sub);
			ret = -ENOMEM;
			goto fail;
		}
		att->hook = h;
		att->parent = link;
		att->seq = seq;
		sub->prog = probe_prog_get(prog);
		sub->retprobe = i >= n;
		sub->lsm = att;
		ret = probe_syscall_attach(sub, h->nrs[i % n], err, sizeof(err));
		if (ret) {
			userbpf_prog__put(sub->prog);
			ub_free(sub);
			ub_free(att);
			goto fail;
		}
		link->subs[link->n_subs++] = sub;
	}
	return link;
fail:
	if (link) {
		probe_lsm_detach(link);
		if (link->prog)
			userbpf_prog__put(link->prog);
		ub_free(link);
	}
	if (o->err_buf && o->err_buf_sz)
		snprintf(o->err_buf, o->err_buf_sz, "%s", err);
	if (err[0])
		ub_warn("LSM program: %s\n", err);
	errno = -ret;
	return NULL;
}

/* ==== Runs ==== */

/* One program of the chain: its return value (0 when the run failed: the
 * link stops for good, as uprobes, and lets the call through). */
static uint64_t run_prog(struct userbpf_link *l, const struct lsm_hook *h,
			 const struct lsm_frame *fr, uint64_t ret)
{
	struct userbpf_run_opts ro = l->ro_tmpl;
	uint64_t ctx[7], r0 = 0;
	int i;

	for (i = 0; i < h->nargs; i++)
		ctx[i] = fr->arg[i];
	ctx[h->nargs] = ret;
	ro.ctx = ctx;
	ro.ctx_size = (size_t)(h->nargs + 1) * 8;
	if (userbpf_prog__run(l->prog, &ro, &r0)) {
		atomic_store(&l->disabled, true);
		atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
		return 0;
	}
	atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
	return r0;
}

static int by_hook_then_seq(const struct userbpf_link *a, const struct userbpf_link *b)
{
	const struct lsm_att *x = a->lsm, *y = b->lsm;

	if (x->hook != y->hook)
		return x->hook < y->hook ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int64_t probe_lsm_chain(bool exit_side, int nr, const uint64_t args[6], int64_t ret,
			_Atomic(struct userbpf_link *) *links, int n)
{
	struct userbpf_link *mine[64], *l;
	int m = 0, i, j;
	int64_t deny = 0;

	for (i = 0; i < n && m < 64; i++) {
		l = atomic_load_explicit(&links[i], memory_order_acquire);
		if (!l || !l->lsm || l->retprobe != exit_side || l->sc_nr != nr ||
		    atomic_load_explicit(&((const struct lsm_att *)l->lsm)->parent->disabled,
					 memory_order_relaxed))
			continue;
		for (j = m++; j > 0 && by_hook_then_seq(mine[j - 1], l) > 0; j--)
			mine[j] = mine[j - 1];
		mine[j] = l;
	}
	for (i = 0; i < m && !deny;) {
		const struct lsm_hook *h = ((const struct lsm_att *)mine[i]->lsm)->hook;
		struct lsm_frame fr;
		uint64_t v = 0;

		memset(fr.arg, 0, sizeof(fr.arg));
		fr.close_fd = -1;
		fr.new_fd = -1;
		if (!h->build(&fr, nr, args, exit_side, ret)) {
			if (fr.close_fd >= 0)
				kf_sys(SYS_close, fr.close_fd, 0, 0, 0, 0);
			while (i < m && ((const struct lsm_att *)mine[i]->lsm)->hook == h)
				i++;
			continue;
		}
		/* BPF_TRAMP_MODIFY_RETURN: ret starts at 0, a non-zero return
		 * ends the chain */
		for (; i < m && ((const struct lsm_att *)mine[i]->lsm)->hook == h; i++)
			if (!v)
				v = run_prog(((const struct lsm_att *)mine[i]->lsm)->parent, h, &fr,
					     v);
		if (fr.close_fd >= 0)
			kf_sys(SYS_close, fr.close_fd, 0, 0, 0, 0);
		/* the hook's int; positive values the verifier does not let
		 * an LSM program return are taken as 0 */
		if ((int32_t)v < 0) {
			deny = (int32_t)v;
			if (fr.new_fd >= 0) /* the open made: its descriptor goes */
				kf_sys(SYS_close, fr.new_fd, 0, 0, 0, 0);
		}
	}
	return exit_side ? (deny ? deny : ret) : deny;
}
