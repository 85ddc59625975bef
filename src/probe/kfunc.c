/* SPDX-License-Identifier: MIT */
/*
 * kfunc.c - kernel functions reached by syscalls, mapped onto the
 * syscall points: kprobe/FUNC, kretprobe/FUNC, fentry/FUNC and
 * fexit/FUNC on a function of a table (do_unlinkat, do_rmdir,
 * do_mkdirat, do_sys_open, do_sys_openat2, ksys_read, ksys_write; the
 * vfs_* functions, security_inode_create, the inet and TCP functions of
 * bind, listen, connect, accept, send, receive and close, ext4's file
 * operations, whose arguments are kernel objects: kfunc_obj.c) or on
 * __x64_sys_NAME (fentry and fexit; kprobe/kretprobe on it are the
 * ksyscall points of uprobe.c), plus tp_btf/sys_enter and tp_btf/sys_exit
 * (the raw syscall tracepoints' context).
 *
 * A process's own syscalls are what reach these functions in the
 * kernel: each link is one syscall sub-link per syscall that reaches the
 * function (syscall_x86_64.c), whose runs come here (probe_kfunc_run):
 * the syscall's arguments decide whether the function is reached at all
 * (unlinkat with AT_REMOVEDIR reaches do_rmdir, not do_unlinkat;
 * openat2 with a bad struct open_how reaches nothing) and give its
 * arguments, built the way the kernel builds them (getname()'s struct
 * filename with the path copied in, build_open_how()'s struct open_how)
 * on the running thread's stack.  The context is the kernel's: a
 * struct pt_regs with the arguments in di, si, dx, cx, r8, r9 (ax the
 * return value on the kretprobe side), or fentry's array of u64
 * arguments (fexit: the return value after them).
 *
 * Owns the table, the layout of struct filename (the running kernel's
 * BTF, which CO-RE relocations resolve against: userbpf_btf__kernel()),
 * and the kfunc links (pe_kind PROBE_PE_KFUNC, one sub-link per
 * syscall).  Documented in docs/probes.md, "Kernel functions reached by
 * syscalls".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "kfunc_int.h"
#include "loader/loader_int.h"
#include "probe_int.h"
#include "userbpf/object.h"
#include "util/alloc.h"
#include "util/log.h"

#define KF_PATH_MAX 4096
/* The kernel's O_LARGEFILE (force_o_largefile() on x86-64; glibc's
 * O_LARGEFILE is 0 there) and the flag sets of build_open_how(). */
#define KF_O_LARGEFILE 0100000u
#define KF_O_PATH 010000000u
#define KF_O_TMPFILE 020000000u	       /* __O_TMPFILE */
#define KF_VALID_OPEN_FLAGS 037777703u /* VALID_OPEN_FLAGS: the 20 flags OR'ed */
#define KF_O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | KF_O_PATH | O_CLOEXEC)
#define KF_AT_REMOVEDIR 0x200

/* KF_PRE: a sub-link on the syscall's entry side that only decides
 * whether the function is reached and records its arguments (or the
 * state before the syscall) for the exit side's runs. */
enum kf_kind { KF_KPROBE, KF_KRETPROBE, KF_FENTRY, KF_FEXIT, KF_PRE };

/*
 * When a function's reach is decided: from the syscall's arguments alone
 * (stateless: the entry and exit sides build the same arguments); at the
 * syscall's entry from the state the process sees then (a path that
 * exists, a descriptor's socket), recorded for the exit side; or only at
 * the exit, from the result (vfs_open is reached by an open that
 * succeeds): then kprobe and fentry programs run at the syscall's exit,
 * just before the kretprobe and fexit ones.
 */
enum kf_when { KF_STATELESS, KF_DECIDE_ENTRY, KF_DECIDE_EXIT };

/* One function's record in a thread between its syscall's entry and exit. */
struct kf_saved {
	bool valid;
	bool existed; /* KF_DECIDE_EXIT: the path existed before the syscall */
	int nr;
	uint64_t arg[6];
};

#define KF_NFN 32 /* room for the table's functions */

/*
 * What the functions' arguments point to and must outlive one run (the
 * exit side reads what the entry side built): per thread, as a thread
 * makes one syscall at a time.  A signal handler's syscalls between a
 * syscall's entry and exit overwrite it (the exit side then sees the
 * handler's).  The blocks are a static pool, a thread taking the next
 * one at its first run (a 4-byte index in its TLS: the agent dlopen'ed
 * by "trace --pid" has 512 bytes of static TLS for all of userbpf); past
 * KF_NTLS threads, threads share blocks (in turn), and share what they
 * build when both are inside such syscalls at once.
 */
struct kf_tls {
	uint8_t uaddr[128]; /* move_addr_to_kernel()'s copy of a sockaddr */
	int64_t pos;	    /* the loff_t vfs_read and vfs_write are given */
	uint64_t delegated; /* vfs_unlink's struct inode *delegated_inode */
	uint8_t kiocb[KF_KIOCB_SZ] __attribute__((aligned(8)));
	uint8_t iter[KF_IOV_ITER_SZ] __attribute__((aligned(8)));
	uint64_t path[2];    /* struct path { mnt, dentry } */
	uint64_t kstat[32];  /* struct kstat: the function fills it */
	uint64_t scratch[8]; /* struct msghdr, struct proto_accept_arg: zeroes */
	struct kf_saved saved[KF_NFN];
};

#define KF_NTLS 16
static struct kf_tls kf_pool[KF_NTLS];
static PROBE_TLS uint32_t kf_tls_idx; /* 0: none yet, else block + 1 */
static atomic_uint kf_tls_next;

static struct kf_tls *kf_mine(void)
{
	if (!kf_tls_idx)
		kf_tls_idx = atomic_fetch_add(&kf_tls_next, 1) % KF_NTLS + 1;
	return &kf_pool[kf_tls_idx - 1];
}

#define kf_tls (*kf_mine())

/* What a run builds: the function's arguments and the memory they point to. */
struct kf_frame {
	uint64_t arg[6];
	struct probe_pt_regs uregs; /* __x64_sys_NAME: the user registers */
	uint64_t how[3];	    /* struct open_how { flags, mode, resolve } */
	bool at_exit;		    /* built on the syscall's exit side */
	bool entry_kind;	    /* for a kprobe or fentry program (the function's entry) */
	int64_t sc_ret;		    /* at_exit: the syscall's result */
	int call;		    /* which of the syscall's calls of the function */
	bool ret_set;		    /* the function returns ret, not the syscall's result */
	uint64_t ret;
	struct kf_saved *saved; /* this thread's record of the function */
	/* struct filename, then its iname[] (the path: getname() copies it) */
	uint8_t filename[64 + KF_PATH_MAX + 1];
};

struct kf_fn;
/* Whether syscall nr (arguments a, user registers regs) reaches f, and
 * f's arguments into fr when it does. */
typedef bool (*kf_build_fn)(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			    const struct probe_pt_regs *regs);

struct kf_fn {
	const char *name;
	int nargs;
	bool ret32; /* returns int: ax holds the 32-bit value, upper half zero */
	int nrs[6]; /* the syscalls that reach it (0 ends; read is 0: see reads) */
	bool reads; /* read (syscall 0) reaches it */
	kf_build_fn build;
	enum kf_when when;
	bool pre;  /* KF_DECIDE_EXIT: build at the entry too (the state before) */
	int calls; /* times one syscall reaches it (tcp_set_state: up to 2) */
};

/* ==== struct filename, as the running kernel lays it out ==== */

static pthread_once_t layout_once = PTHREAD_ONCE_INIT;
/* offsets of name, uptr, refcnt, aname, iname; defaults: Linux 4.x-6.18 */
static uint32_t fn_off[5] = { 0, 8, 16, 24, 32 };

/*
 * Read once, at the first attach: a copy of the kernel's BTF parsed and
 * freed at once (in a launched member the process-wide copy would stay
 * for the process's life, 5 MB of the domain's heap per member).
 */
static bool mkdir_ptr = true; /* vfs_mkdir returns struct dentry * (6.15 on) */
static uint32_t somaxconn = 4096;

/* Whether kernel function name returns a pointer (its BTF prototype). */
static bool returns_ptr(const struct userbpf_btf *k, const char *name, bool dflt)
{
	int64_t id = ub_btf_find_by_name_kind(k, name, USERBPF_BTF_KIND_FUNC);
	const struct ub_btf_type *fn = id > 0 ? ub_btf_type_by_id(k, (uint32_t)id) : NULL;
	const struct ub_btf_type *proto = fn ? ub_btf_type_by_id(k, fn->size_type) : NULL;
	const struct ub_btf_type *r;

	if (!proto)
		return dflt;
	if (!proto->size_type)
		return false;
	r = ub_btf_skip_mods_typedefs(k, proto->size_type, NULL);
	return r && ub_btf_kind(r) == USERBPF_BTF_KIND_PTR;
}

static void layout_init(void)
{
	static const char *const members[5] = { "name", "uptr", "refcnt", "aname", "iname" };
	struct userbpf_btf *k = userbpf_btf__parse_file("/sys/kernel/btf/vmlinux");
	const struct ub_btf_type *t;
	int64_t id;
	uint32_t i, j;
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");

	if (f) {
		if (fscanf(f, "%u", &somaxconn) != 1)
			somaxconn = 4096;
		fclose(f);
	}
	if (!k)
		return;
	kf_obj_init(k);
	mkdir_ptr = returns_ptr(k, "vfs_mkdir", true);
	id = ub_btf_find_by_name_kind(k, "filename", USERBPF_BTF_KIND_STRUCT);
	t = id > 0 ? ub_btf_type_by_id(k, (uint32_t)id) : NULL;
	if (!t || t->size_type > 64) {
		userbpf_btf__free(k);
		return;
	}
	for (i = 0; i < ub_btf_vlen(t); i++) {
		const char *n = ub_btf_str(k, ub_btf_members(t)[i].name_off);

		for (j = 0; n && j < 5; j++)
			if (!strcmp(n, members[j]))
				fn_off[j] = ub_btf_member_bit_offset(t, i) / 8;
	}
	if (fn_off[4] < 32 || fn_off[4] > 64) /* no iname: the name after the struct */
		fn_off[4] = t->size_type;
	userbpf_btf__free(k);
}

static void put64(uint8_t *base, uint32_t off, uint64_t v)
{
	memcpy(base + off, &v, sizeof(v));
}

/*
 * getname(uptr): a struct filename in fr with the path copied into its
 * iname (name points there), uptr the user's pointer, refcnt 1, the rest
 * zero; or ERR_PTR(-EFAULT) (unreadable), ERR_PTR(-ENOENT) (empty path),
 * ERR_PTR(-ENAMETOOLONG) (no NUL in PATH_MAX bytes), as getname_flags().
 */
static uint64_t getname(struct kf_frame *fr, uint64_t uptr)
{
	uint8_t *f = fr->filename;
	char *kname;
	long n;

	kname = (char *)f + fn_off[4];
	n = ub_safe_read_str(kname, (const void *)(uintptr_t)uptr, KF_PATH_MAX + 1);
	if (n < 0)
		return (uint64_t)-EFAULT;
	if (n == 1)
		return (uint64_t)-ENOENT;
	if (n > KF_PATH_MAX)
		return (uint64_t)-ENAMETOOLONG;
	memset(f, 0, fn_off[4]);
	put64(f, fn_off[0], (uint64_t)(uintptr_t)kname);
	put64(f, fn_off[1], uptr);
	f[fn_off[2]] = 1; /* atomic_t refcnt = 1 (little-endian) */
	return (uint64_t)(uintptr_t)f;
}

/* An int argument as a 32-bit register move leaves it: upper half zero. */
static uint64_t i32(uint64_t v)
{
	return (uint32_t)v;
}

/* ==== The table ==== */

/* do_unlinkat(int dfd, struct filename *name): unlink(path),
 * unlinkat(dfd, path, 0); do_rmdir(int dfd, struct filename *name):
 * rmdir(path), unlinkat(dfd, path, AT_REMOVEDIR).  unlinkat with other
 * flag bits fails with EINVAL before either. */
static bool build_unlink(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			 const struct probe_pt_regs *regs)
{
	bool rmdir = f->name[3] == 'r';

	(void)regs;
	if (nr == SYS_unlinkat) {
		if ((a[2] & ~(uint64_t)KF_AT_REMOVEDIR) & 0xffffffffu)
			return false;
		if (!!(a[2] & KF_AT_REMOVEDIR) != rmdir)
			return false;
		fr->arg[0] = i32(a[0]);
		fr->arg[1] = getname(fr, a[1]);
	} else {
		fr->arg[0] = i32((uint64_t)AT_FDCWD);
		fr->arg[1] = getname(fr, a[0]);
	}
	return true;
}

/* do_mkdirat(int dfd, struct filename *name, umode_t mode): mkdir(path,
 * mode), mkdirat(dfd, path, mode). */
static bool build_mkdir(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			const struct probe_pt_regs *regs)
{
	(void)f;
	(void)regs;
	if (nr == SYS_mkdirat) {
		fr->arg[0] = i32(a[0]);
		fr->arg[1] = getname(fr, a[1]);
		fr->arg[2] = (uint16_t)a[2];
	} else {
		fr->arg[0] = i32((uint64_t)AT_FDCWD);
		fr->arg[1] = getname(fr, a[0]);
		fr->arg[2] = (uint16_t)a[1];
	}
	return true;
}

/* open(path, flags, mode), openat(dfd, path, flags, mode), creat(path,
 * mode): dfd, path, flags | O_LARGEFILE, mode (do_sys_open's). */
static bool open_args(int nr, const uint64_t a[6], uint64_t out[4])
{
	if (nr == SYS_open) {
		out[0] = (uint64_t)AT_FDCWD, out[1] = a[0], out[2] = a[1], out[3] = a[2];
	} else if (nr == SYS_openat) {
		out[0] = a[0], out[1] = a[1], out[2] = a[2], out[3] = a[3];
	} else if (nr == SYS_creat) {
		out[0] = (uint64_t)AT_FDCWD, out[1] = a[0];
		out[2] = O_CREAT | O_WRONLY | O_TRUNC, out[3] = a[1];
	} else {
		return false;
	}
	out[2] = (uint32_t)out[2] | KF_O_LARGEFILE;
	out[3] = (uint16_t)out[3];
	return true;
}

/* do_sys_open(int dfd, const char __user *filename, int flags, umode_t mode) */
static bool build_sys_open(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			   const struct probe_pt_regs *regs)
{
	uint64_t o[4];

	(void)f;
	(void)regs;
	if (!open_args(nr, a, o))
		return false;
	fr->arg[0] = i32(o[0]), fr->arg[1] = o[1], fr->arg[2] = i32(o[2]), fr->arg[3] = o[3];
	return true;
}

/*
 * do_sys_openat2(int dfd, const char __user *filename, struct open_how *how):
 * from do_sys_open (how = build_open_how(flags, mode)) or openat2(dfd,
 * path, uhow, usize), whose struct is copied as copy_struct_from_user()
 * copies it (usize below 24 or above a page: EINVAL / E2BIG; unreadable:
 * EFAULT; non-zero bytes past the 24 known: E2BIG; none of them reaches
 * the function), O_LARGEFILE added unless O_PATH.
 */
static bool build_openat2(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			  const struct probe_pt_regs *regs)
{
	uint64_t o[4];

	(void)f;
	(void)regs;
	if (nr == SYS_openat2) {
		uint8_t tail[64];
		uint64_t usize = a[3], off;

		if (usize < 24 || usize > 4096 ||
		    ub_safe_read(fr->how, (void *)(uintptr_t)a[2], 24))
			return false;
		for (off = 24; off < usize; off += sizeof(tail)) {
			size_t n = usize - off < sizeof(tail) ? usize - off : sizeof(tail), i;

			if (ub_safe_read(tail, (void *)(uintptr_t)(a[2] + off), n))
				return false;
			for (i = 0; i < n; i++)
				if (tail[i])
					return false;
		}
		if (!(fr->how[0] & KF_O_PATH))
			fr->how[0] |= KF_O_LARGEFILE;
		fr->arg[0] = i32(a[0]), fr->arg[1] = a[1];
		fr->arg[2] = (uint64_t)(uintptr_t)fr->how;
		return true;
	}
	if (!open_args(nr, a, o))
		return false;
	fr->how[0] = o[2] & KF_VALID_OPEN_FLAGS;
	fr->how[1] = o[3] & 07777;
	fr->how[2] = 0;
	if (fr->how[0] & KF_O_PATH)
		fr->how[0] &= KF_O_PATH_FLAGS;
	if (!(fr->how[0] & (O_CREAT | KF_O_TMPFILE)))
		fr->how[1] = 0;
	fr->arg[0] = i32(o[0]), fr->arg[1] = o[1];
	fr->arg[2] = (uint64_t)(uintptr_t)fr->how;
	return true;
}

/* ksys_read / ksys_write(unsigned int fd, char __user *buf, size_t count) */
static bool build_rw(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
		     const struct probe_pt_regs *regs)
{
	(void)f;
	(void)nr;
	(void)regs;
	fr->arg[0] = i32(a[0]), fr->arg[1] = a[1], fr->arg[2] = a[2];
	return true;
}

/* __x64_sys_NAME(const struct pt_regs *regs): the user registers (ax
 * -ENOSYS, as while the kernel runs the function; orig_ax the number). */
static bool build_x64_sys(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			  const struct probe_pt_regs *regs)
{
	(void)f;
	(void)a;
	fr->uregs = *regs;
	fr->uregs.ax = (uint64_t)-ENOSYS;
	fr->uregs.orig_ax = (uint64_t)nr;
	fr->arg[0] = (uint64_t)(uintptr_t)&fr->uregs;
	return true;
}

/* ==== Functions reached with the process's files and sockets ==== */

/* The exit side of a function decided at the entry: the arguments the
 * entry recorded for this syscall, or false (not reached). */
static bool restore(struct kf_frame *fr, int nr)
{
	if (!fr->saved->valid || fr->saved->nr != nr)
		return false;
	memcpy(fr->arg, fr->saved->arg, sizeof(fr->arg));
	return true;
}

/* A path argument: read from the user, its last component into name
 * (false: unreadable, empty, ending in '/', "." or ".."), the
 * directory's stat into *dir (false if it cannot be stat'ed), the
 * file's lstat into *st (its result returned in *exists: 0 or -errno). */
static bool path_stat(int dfd, uint64_t upath, struct stat *st, struct stat *dir, char *name,
		      size_t name_sz, long *exists)
{
	char p[KF_PATH_MAX + 1];
	char *slash;
	long n = ub_safe_read_str(p, (const void *)(uintptr_t)upath, sizeof(p));

	if (n <= 1 || n > KF_PATH_MAX || p[n - 2] == '/')
		return false;
	slash = strrchr(p, '/');
	{
		const char *b = slash ? slash + 1 : p;
		size_t len = strnlen(b, name_sz - 1);

		memcpy(name, b, len);
		name[len] = '\0';
	}
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	*exists = kf_sys(SYS_newfstatat, dfd, (long)(uintptr_t)p, (long)(uintptr_t)st,
			 AT_SYMLINK_NOFOLLOW, 0);
	if (slash == p)
		p[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(p, ".");
	return !kf_sys(SYS_newfstatat, dfd, (long)(uintptr_t)p, (long)(uintptr_t)dir, 0, 0);
}

/* A negative dentry's stand-in identity: no inode yet, so the
 * directory's device and a hash of the name. */
static void negative_key(struct stat *st, const struct stat *dir, const char *name)
{
	uint64_t h = 1469598103934665603ull;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 1099511628211ull;
	memset(st, 0, sizeof(*st));
	st->st_dev = dir->st_dev;
	st->st_ino = dir->st_ino ^ h;
}

/*
 * vfs_unlink(struct mnt_idmap *, struct inode *dir, struct dentry *,
 * struct inode **delegated_inode) and vfs_rmdir(idmap, dir, dentry):
 * reached by unlink / unlinkat(0) and rmdir / unlinkat(AT_REMOVEDIR) once
 * the path's last component exists (do_unlinkat / do_rmdir look it up
 * first: ENOENT, a trailing '/', "." or ".." end there); a directory
 * given to unlink still reaches vfs_unlink, which says EISDIR.
 */
static bool build_vfs_rm(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			 const struct probe_pt_regs *regs)
{
	bool rmdir = f->name[4] == 'r';
	struct stat st, dir;
	char name[256];
	uint64_t up;
	long exists;
	int dfd;

	(void)regs;
	if (fr->at_exit)
		return restore(fr, nr);
	if (nr == SYS_unlinkat) {
		if ((a[2] & ~(uint64_t)KF_AT_REMOVEDIR) & 0xffffffffu)
			return false;
		if (!!(a[2] & KF_AT_REMOVEDIR) != rmdir)
			return false;
		dfd = (int)a[0], up = a[1];
	} else {
		dfd = AT_FDCWD, up = a[0];
	}
	if (!path_stat(dfd, up, &st, &dir, name, sizeof(name), &exists) || exists)
		return false;
	fr->arg[0] = kf_obj_idmap();
	fr->arg[1] = kf_obj_dir_inode(&dir);
	fr->arg[2] = kf_obj_dentry(&st, name, false);
	if (!rmdir) {
		kf_tls.delegated = 0;
		fr->arg[3] = (uint64_t)(uintptr_t)&kf_tls.delegated;
	}
	return true;
}

/* The errors vfs_mkdir and vfs_create give themselves (may_create, the
 * file system): the function was reached. */
static bool fs_own_error(int64_t ret)
{
	return ret == -EACCES || ret == -EPERM || ret == -ENOSPC || ret == -EMLINK ||
	       ret == -EDQUOT;
}

/*
 * vfs_mkdir(idmap, struct inode *dir, struct dentry *, umode_t mode),
 * returning the new dentry (or ERR_PTR) since 6.15, int before (the
 * kernel's BTF says which); vfs_create(idmap, dir, dentry, umode_t mode,
 * bool want_excl) from mknod / mknodat of a regular file (type 0 or
 * S_IFREG).  Decided at the exit: reached when the syscall succeeded or
 * failed with an error of the function's own (a missing directory,
 * EEXIST end before).  mode is the kernel's (umask applied: the new
 * file's permission bits); the dentry is negative (d_inode NULL) at the
 * function's entry, positive at its return.
 */
static bool build_vfs_mk(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			 const struct probe_pt_regs *regs)
{
	bool mkdir = f->name[4] == 'm';
	struct stat st, dir;
	char name[256];
	uint64_t up, mode;
	long exists;
	int dfd;

	(void)regs;
	if (nr == SYS_mkdirat || nr == SYS_mknodat)
		dfd = (int)a[0], up = a[1], mode = a[2];
	else
		dfd = AT_FDCWD, up = a[0], mode = a[1];
	if (!mkdir && (mode & S_IFMT) && (mode & S_IFMT) != S_IFREG)
		return false;
	if (fr->sc_ret && !fs_own_error(fr->sc_ret))
		return false;
	if (!path_stat(dfd, up, &st, &dir, name, sizeof(name), &exists))
		return false;
	if (fr->sc_ret || exists)
		negative_key(&st, &dir, name);
	else
		mode = (mode & S_IFMT) | (st.st_mode & 07777);
	fr->arg[0] = kf_obj_idmap();
	fr->arg[1] = kf_obj_dir_inode(&dir);
	fr->arg[2] = kf_obj_dentry(&st, name, fr->entry_kind || fr->sc_ret);
	fr->arg[3] = (uint16_t)(mkdir ? mode & 07777 : mode);
	fr->arg[4] = 1; /* want_excl: mknod's */
	if (mkdir && mkdir_ptr) {
		fr->ret_set = true;
		fr->ret = fr->sc_ret ? (uint64_t)fr->sc_ret : fr->arg[2];
	}
	return true;
}

/* The open flags and path of open, openat, creat, openat2 (false for
 * another syscall or an unreadable struct open_how). */
static bool open_flags(int nr, const uint64_t a[6], int *dfd, uint64_t *up, uint64_t *flags)
{
	uint64_t o[4];

	if (nr == SYS_openat2) {
		if (ub_safe_read(flags, (void *)(uintptr_t)a[2], 8))
			return false;
		*dfd = (int)a[0], *up = a[1];
		return true;
	}
	if (!open_args(nr, a, o))
		return false;
	*dfd = (int)o[0], *up = o[1], *flags = o[2];
	return true;
}

/*
 * vfs_open(const struct path *, struct file *) and
 * security_inode_create(struct inode *dir, struct dentry *, umode_t):
 * reached by an open that succeeds (vfs_open: every one, O_PATH too;
 * security_inode_create: one that creates the file, as may_o_create
 * checks before creating; also mknod of a regular file, through
 * vfs_create).  Whether the file existed before is looked up at the
 * syscall's entry (only with O_CREAT).  The file vfs_open is given is the
 * new descriptor's, FMODE_CREATED in f_mode when the open created it;
 * vfs_open returns 0.
 */
static bool build_vfs_open(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			   const struct probe_pt_regs *regs)
{
	bool sec = f->name[0] == 's';
	uint64_t flags = 0, up, file;
	struct stat st, dir;
	char name[256];
	long exists;
	int dfd;

	(void)regs;
	if (sec && (nr == SYS_mknod || nr == SYS_mknodat)) {
		const struct kf_fn mk = { "vfs_create", 5, true, { 0 }, false, NULL, 0, false, 1 };

		if (!fr->at_exit || fr->sc_ret)
			return !fr->at_exit; /* reached only on the way to creating it */
		if (!build_vfs_mk(&mk, fr, nr, a, regs))
			return false;
		fr->arg[0] = fr->arg[1], fr->arg[1] = fr->arg[2];
		fr->arg[2] = S_IFREG | (fr->arg[3] & 07777);
		fr->arg[3] = fr->arg[4] = 0;
		fr->ret_set = false;
		return true;
	}
	if (!open_flags(nr, a, &dfd, &up, &flags))
		return false;
	if (!fr->at_exit) { /* the state before (KF_PRE) */
		fr->saved->existed = true;
		if ((flags & O_CREAT) &&
		    !path_stat(dfd, up, &st, &dir, name, sizeof(name), &exists))
			return true;
		if (flags & O_CREAT)
			fr->saved->existed = !exists;
		return true;
	}
	if (fr->sc_ret < 0)
		return false;
	if (!fr->saved->valid || fr->saved->nr != nr)
		return false; /* the entry was not seen (attached meanwhile) */
	if (sec) {
		if (!(flags & O_CREAT) || fr->saved->existed ||
		    !path_stat(dfd, up, &st, &dir, name, sizeof(name), &exists) || exists)
			return false;
		fr->arg[0] = kf_obj_dir_inode(&dir);
		fr->arg[1] = kf_obj_dentry(&st, name, true);
		fr->arg[2] = S_IFREG | (st.st_mode & 07777);
		return true;
	}
	file = kf_obj_file((int)fr->sc_ret, NULL, NULL);
	if (!file)
		return false;
	if ((flags & O_CREAT) && !fr->saved->existed)
		kf_obj_file_created(file);
	fr->arg[0] = kf_obj_file_path(file);
	fr->arg[1] = file;
	fr->ret_set = true;
	fr->ret = 0;
	return true;
}

/*
 * vfs_read / vfs_write(struct file *, char __user *buf, size_t count,
 * loff_t *pos): read / write and pread64 / pwrite64 on an open
 * descriptor (not O_PATH: fdget fails first); pos points to a copy of
 * the file position (read, write; NULL for a pipe or a socket, which
 * have none) or of pread's offset (pread64 on a pipe or socket fails
 * with ESPIPE first).  vfs_fsync(struct file *, int datasync): fsync,
 * fdatasync.
 */
static bool build_vfs_rw(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			 const struct probe_pt_regs *regs)
{
	struct stat st;
	uint64_t file;
	bool stream;
	long fl = 0;

	(void)regs;
	if (fr->at_exit) {
		if (!restore(fr, nr))
			return false;
		if (fr->arg[3] && fr->sc_ret > 0 && f->nargs == 4)
			kf_tls.pos += fr->sc_ret; /* the kernel's *pos after the call */
		return true;
	}
	file = kf_obj_file((int)(uint32_t)a[0], &st, &fl);
	if (!file || (fl & KF_O_PATH))
		return false;
	fr->arg[0] = file;
	if (f->nargs == 2) { /* vfs_fsync */
		fr->arg[1] = nr == SYS_fdatasync;
		return true;
	}
	stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	if ((nr == SYS_pread64 || nr == SYS_pwrite64) && (stream || (int64_t)a[3] < 0))
		return false;
	fr->arg[1] = a[1], fr->arg[2] = a[2];
	if (nr == SYS_pread64 || nr == SYS_pwrite64) {
		kf_tls.pos = (int64_t)a[3];
		fr->arg[3] = (uint64_t)(uintptr_t)&kf_tls.pos;
	} else if (!stream) {
		kf_tls.pos = kf_sys(SYS_lseek, (long)(uint32_t)a[0], 0, SEEK_CUR, 0, 0);
		fr->arg[3] = kf_tls.pos < 0 ? 0 : (uint64_t)(uintptr_t)&kf_tls.pos;
	}
	return true;
}

/* TCP states (net/tcp_states.h) */
#define KF_TCP_CLOSE 7

/*
 * Socket calls into the inet layer, struct socket and struct sock from
 * the descriptor (kfunc_obj.c), the user's sockaddr copied as
 * move_addr_to_kernel() copies it (a length above 128: EINVAL first):
 * inet_bind / inet6_bind(struct socket *, struct sockaddr *, int len):
 * bind on an AF_INET / AF_INET6 socket; inet_listen(struct socket *,
 * int backlog): listen on a TCP socket of either family, backlog capped
 * at net.core.somaxconn as __sys_listen caps it; tcp_v4_connect /
 * tcp_v6_connect(struct sock *, struct sockaddr *, int len): connect on
 * an unconnected TCP socket (state CLOSE) to an address whose family is
 * not AF_UNSPEC (tcp_v6_connect passes a v4-mapped destination on to
 * tcp_v4_connect).  The exit side sees the socket as the call left it;
 * tcp_v*_connect returns 0 once the SYN is sent, so a connect that then
 * waits (EINPROGRESS) or is refused (ECONNREFUSED, ETIMEDOUT, EINTR,
 * ECONNRESET) gives 0, the peer being the address connected to.
 */
static bool build_sock(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
		       const struct probe_pt_regs *regs)
{
	int fam = 0, type = 0, proto = 0, len = (int)(uint32_t)a[2];
	bool connect = nr == SYS_connect, v6fn = strchr(f->name, '6') != NULL;
	uint64_t sock;

	(void)regs;
	if (fr->at_exit && !restore(fr, nr))
		return false;
	sock = kf_obj_socket((int)(uint32_t)a[0], &fam, &type, &proto);
	if (!sock)
		return false;
	if (fr->at_exit) {
		if (connect) {
			int64_t r = fr->sc_ret;

			fr->ret_set = true;
			fr->ret = (uint64_t)r;
			if (!r || r == -EINPROGRESS || r == -ECONNREFUSED || r == -ETIMEDOUT ||
			    r == -EINTR || r == -ECONNRESET) {
				kf_obj_sock_set_peer(sock, kf_tls.uaddr, (int)fr->arg[2]);
				fr->ret = 0;
			}
		}
		return true;
	}
	if (nr == SYS_listen) {
		if ((fam != AF_INET && fam != AF_INET6) || type != SOCK_STREAM ||
		    proto != IPPROTO_TCP)
			return false;
		fr->arg[0] = sock;
		fr->arg[1] = (uint32_t)a[1] > somaxconn ? somaxconn : (uint32_t)a[1];
		return true;
	}
	if (len < 0 || len > (int)sizeof(kf_tls.uaddr) ||
	    (len && ub_safe_read(kf_tls.uaddr, (void *)(uintptr_t)a[1], (size_t)len)))
		return false;
	memset(kf_tls.uaddr + len, 0, sizeof(kf_tls.uaddr) - (size_t)len);
	if (connect) {
		uint16_t sa_family;
		bool mapped;

		memcpy(&sa_family, kf_tls.uaddr, 2);
		if (proto != IPPROTO_TCP || type != SOCK_STREAM || len < 2 ||
		    sa_family == AF_UNSPEC || kf_obj_sock_state(sock) != KF_TCP_CLOSE)
			return false;
		mapped = fam == AF_INET6 && sa_family == AF_INET6 && len >= 24 &&
			 !memcmp(kf_tls.uaddr + 8, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		if (v6fn ? fam != AF_INET6 : !(fam == AF_INET || mapped))
			return false;
		fr->arg[0] = kf_obj_sock_of(sock);
	} else {
		if (fam != (v6fn ? AF_INET6 : AF_INET))
			return false;
		fr->arg[0] = sock;
	}
	fr->arg[1] = (uint64_t)(uintptr_t)kf_tls.uaddr;
	fr->arg[2] = (uint32_t)len;
	return true;
}

/* ==== ext4's file operations ==== */

#define KF_EXT4_MAGIC 0xEF53
#define KF_LLONG_MAX 0x7fffffffffffffffll

/* The byte count of an iovec array (iovcnt entries, up to UIO_MAXIOV). */
static uint64_t iov_total(uint64_t uiov, uint64_t cnt)
{
	uint64_t iov[2], total = 0, i;

	for (i = 0; i < cnt && i < 1024; i++) {
		if (ub_safe_read(iov, (void *)(uintptr_t)(uiov + 16 * i), sizeof(iov)))
			return total;
		total += iov[1];
	}
	return total;
}

/*
 * ext4_file_read_iter / ext4_file_write_iter(struct kiocb *, struct
 * iov_iter *): read, pread64, readv, preadv, preadv2 (write, pwrite64,
 * writev, pwritev, pwritev2) of a regular file on ext4 (the file's
 * read_iter / write_iter) opened for it; the kiocb's ki_filp is the file,
 * ki_pos the file position (or the call's offset: vfs_read's init_sync_kiocb),
 * the iov_iter's count the bytes asked.  ext4_sync_file(struct file *,
 * loff_t start, loff_t end, int datasync): fsync / fdatasync of an ext4
 * file or directory (vfs_fsync's whole range, 0 to LLONG_MAX).
 */
static bool build_ext4_rw(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			  const struct probe_pt_regs *regs)
{
	bool sync = f->nargs == 4, wr = strstr(f->name, "write") != NULL;
	int fd = (int)(uint32_t)a[0];
	struct stat st;
	uint64_t file, count;
	int64_t pos;
	long fl;

	(void)regs;
	if (fr->at_exit)
		return restore(fr, nr);
	file = kf_obj_file(fd, &st, &fl);
	if (!file || kf_obj_fs_magic((uint64_t)st.st_dev, SYS_fstatfs, fd) != KF_EXT4_MAGIC)
		return false;
	if (sync) {
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return false;
		fr->arg[0] = file, fr->arg[1] = 0, fr->arg[2] = (uint64_t)KF_LLONG_MAX;
		fr->arg[3] = nr == SYS_fdatasync;
		return true;
	}
	if (!S_ISREG(st.st_mode) || (fl & KF_O_PATH) ||
	    (fl & O_ACCMODE) == (wr ? O_RDONLY : O_WRONLY))
		return false; /* not opened for it: EBADF before */
	count = nr == SYS_readv || nr == SYS_writev || nr == SYS_preadv || nr == SYS_pwritev ||
				nr == SYS_preadv2 || nr == SYS_pwritev2 ?
			iov_total(a[1], a[2]) :
			a[2];
	if (nr == SYS_pread64 || nr == SYS_pwrite64 || nr == SYS_preadv || nr == SYS_pwritev ||
	    ((nr == SYS_preadv2 || nr == SYS_pwritev2) && (int64_t)a[3] != -1))
		pos = (int64_t)a[3];
	else
		pos = kf_sys(SYS_lseek, fd, 0, SEEK_CUR, 0, 0);
	if (pos < 0)
		return false;
	kf_obj_kiocb(kf_tls.kiocb, kf_tls.iter, file, pos, count);
	fr->arg[0] = (uint64_t)(uintptr_t)kf_tls.kiocb;
	fr->arg[1] = (uint64_t)(uintptr_t)kf_tls.iter;
	return true;
}

/* ext4_file_open(struct inode *, struct file *): an open (not O_PATH,
 * which calls no open method) that succeeded on a regular file of ext4;
 * returns 0. */
static bool build_ext4_open(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			    const struct probe_pt_regs *regs)
{
	uint64_t flags = 0, up, file;
	struct stat st;
	int dfd;

	(void)f;
	(void)regs;
	if (fr->sc_ret < 0 || !open_flags(nr, a, &dfd, &up, &flags) || (flags & KF_O_PATH))
		return false;
	file = kf_obj_file((int)fr->sc_ret, &st, NULL);
	if (!file || !S_ISREG(st.st_mode) ||
	    kf_obj_fs_magic((uint64_t)st.st_dev, SYS_fstatfs, fr->sc_ret) != KF_EXT4_MAGIC)
		return false;
	fr->arg[0] = kf_obj_inode(&st);
	fr->arg[1] = file;
	fr->ret_set = true;
	fr->ret = 0;
	return true;
}

/*
 * ext4_file_getattr(struct mnt_idmap *, const struct path *, struct kstat *,
 * u32 request_mask, unsigned int query_flags): a stat, lstat, fstat,
 * newfstatat or statx that succeeded on a regular file of ext4 (what the
 * call wrote says which file); request_mask STATX_BASIC_STATS (statx: its
 * mask), query_flags the call's AT_STATX_SYNC_TYPE bits.
 */
static bool build_ext4_getattr(const struct kf_fn *f, struct kf_frame *fr, int nr,
			       const uint64_t a[6], const struct probe_pt_regs *regs)
{
	uint64_t upath = 0, ubuf, mask = 0x7ff, flags = 0;
	struct stat st;
	char name[256] = "", p[KF_PATH_MAX + 1];
	long dfd = AT_FDCWD, snr, sarg;

	(void)f;
	(void)regs;
	if (fr->sc_ret)
		return false;
	memset(&st, 0, sizeof(st));
	if (nr == SYS_statx) {
		struct statx sx;

		dfd = (int)a[0], upath = a[1], flags = a[2], mask = (uint32_t)a[3], ubuf = a[4];
		if (ub_safe_read(&sx, (void *)(uintptr_t)ubuf, sizeof(sx)))
			return false;
		st.st_mode = sx.stx_mode, st.st_ino = sx.stx_ino, st.st_nlink = sx.stx_nlink;
		st.st_uid = sx.stx_uid, st.st_gid = sx.stx_gid, st.st_size = (off_t)sx.stx_size;
		st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		st.st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	} else {
		if (nr == SYS_newfstatat)
			dfd = (int)a[0], upath = a[1], ubuf = a[2], flags = a[3];
		else if (nr == SYS_fstat)
			dfd = (int)a[0], ubuf = a[1];
		else
			upath = a[0], ubuf = a[1];
		if (ub_safe_read(&st, (void *)(uintptr_t)ubuf, sizeof(st)))
			return false;
	}
	if (!S_ISREG(st.st_mode))
		return false;
	if (upath && ub_safe_read_str(p, (void *)(uintptr_t)upath, sizeof(p)) > 1) {
		const char *slash = strrchr(p, '/');
		size_t len = strnlen(slash ? slash + 1 : p, sizeof(name) - 1);

		memcpy(name, slash ? slash + 1 : p, len);
		name[len] = '\0';
		/* the path's file system (relative to a directory descriptor:
		 * the directory's) */
		snr = dfd == AT_FDCWD || p[0] == '/' ? SYS_statfs : SYS_fstatfs;
		sarg = snr == SYS_statfs ? (long)upath : dfd;
	} else { /* fstat, AT_EMPTY_PATH: the descriptor's file */
		snr = SYS_fstatfs, sarg = dfd;
	}
	if (kf_obj_fs_magic((uint64_t)st.st_dev, snr, sarg) != KF_EXT4_MAGIC)
		return false;
	kf_tls.path[0] = kf_obj_idmap(); /* the vfsmount: zeroes */
	if (name[0]) {
		kf_tls.path[1] = kf_obj_dentry(&st, name, false);
		fr->arg[1] = (uint64_t)(uintptr_t)kf_tls.path;
	} else {
		fr->arg[1] = kf_obj_file_path(kf_obj_file((int)dfd, NULL, NULL));
	}
	memset(kf_tls.kstat, 0, sizeof(kf_tls.kstat));
	fr->arg[0] = kf_obj_idmap();
	fr->arg[2] = (uint64_t)(uintptr_t)kf_tls.kstat;
	fr->arg[3] = (uint32_t)mask;
	fr->arg[4] = (uint32_t)(flags & 0x6000); /* AT_STATX_SYNC_TYPE */
	return true;
}

/* ==== TCP ==== */

/* TCP states (net/tcp_states.h) */
#define KF_TCP_ESTABLISHED 1
#define KF_TCP_SYN_SENT 2
#define KF_TCP_SYN_RECV 3
#define KF_TCP_FIN_WAIT1 4
#define KF_TCP_CLOSE_WAIT 8
#define KF_TCP_LAST_ACK 9
#define KF_TCP_LISTEN 10

/* The TCP socket (AF_INET or AF_INET6) behind descriptor fd, or 0. */
static uint64_t tcp_socket(int fd)
{
	int fam = 0, type = 0, proto = 0;
	uint64_t sock = kf_obj_socket(fd, &fam, &type, &proto);

	return sock && proto == IPPROTO_TCP && (fam == AF_INET || fam == AF_INET6) ? sock : 0;
}

/* Whether a connect's result says the SYN was sent (tcp_v*_connect
 * returned 0; the rest is the wait for the answer). */
static bool syn_sent(int64_t r)
{
	return !r || r == -EINPROGRESS || r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EINTR ||
	       r == -ECONNRESET;
}

/*
 * tcp_sendmsg(struct sock *, struct msghdr *, size_t size): write, writev,
 * sendto, sendmsg on a TCP socket (sock_sendmsg), size the bytes asked
 * (the msghdr is zeroes).  tcp_cleanup_rbuf(struct sock *, int copied):
 * the end of tcp_recvmsg, reached by read, readv, recvfrom, recvmsg on a
 * TCP socket that returned data, 0 or EAGAIN (tcp_recvmsg_locked passes
 * its -EAGAIN on as copied; its other errors return before).
 */
static bool build_tcp_io(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			 const struct probe_pt_regs *regs)
{
	bool send = f->name[4] == 's';
	uint64_t sock, size = a[2];

	(void)regs;
	if (send && fr->at_exit)
		return restore(fr, nr);
	if (!send && (fr->sc_ret < 0 && fr->sc_ret != -EAGAIN))
		return false;
	sock = tcp_socket((int)(uint32_t)a[0]);
	if (!sock)
		return false;
	fr->arg[0] = kf_obj_sock_of(sock);
	if (!send) {
		fr->arg[1] = (uint32_t)fr->sc_ret;
		return true;
	}
	if (nr == SYS_writev) {
		size = iov_total(a[1], a[2]);
	} else if (nr == SYS_sendmsg) {
		uint64_t m[4];

		size = ub_safe_read(m, (void *)(uintptr_t)a[1], sizeof(m)) ? 0 :
									     iov_total(m[2], m[3]);
	}
	memset(kf_tls.scratch, 0, sizeof(kf_tls.scratch));
	fr->arg[1] = (uint64_t)(uintptr_t)kf_tls.scratch;
	fr->arg[2] = size;
	fr->ret_set = false;
	return true;
}

/*
 * tcp_close(struct sock *, long timeout): close of a TCP socket's
 * descriptor (inet_release), the socket as it was before; timeout 0.  The
 * kernel calls it when the socket's last reference goes: a descriptor
 * dup'ed, or inherited by another process, is not known here, so every
 * close of one reaches it.  inet_csk_accept(struct sock *, struct
 * proto_accept_arg *): accept, accept4 on a listening TCP socket; returns
 * the new connection's struct sock (NULL when the call failed).
 */
static bool build_tcp_sock(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			   const struct probe_pt_regs *regs)
{
	uint64_t sock;

	(void)regs;
	if (fr->at_exit) {
		if (!restore(fr, nr))
			return false;
		if (nr != SYS_close) {
			uint64_t s = fr->sc_ret >= 0 ? tcp_socket((int)fr->sc_ret) : 0;

			fr->ret_set = true;
			fr->ret = s ? kf_obj_sock_of(s) : 0;
		}
		return true;
	}
	(void)f;
	sock = tcp_socket((int)(uint32_t)a[0]);
	if (!sock || (nr != SYS_close && kf_obj_sock_state(sock) != KF_TCP_LISTEN))
		return false;
	fr->arg[0] = kf_obj_sock_of(sock);
	memset(kf_tls.scratch, 0, sizeof(kf_tls.scratch));
	fr->arg[1] = nr == SYS_close ? 0 : (uint64_t)(uintptr_t)kf_tls.scratch;
	return true;
}

/* The state __tcp_close moves a socket in state old to (tcp_close_state's
 * table; a listener: CLOSE), or -1: a socket already CLOSE goes
 * straight to its destruction, with no call. */
static int tcp_close_state(int old)
{
	switch (old) {
	case KF_TCP_ESTABLISHED:
	case KF_TCP_SYN_RECV:
		return KF_TCP_FIN_WAIT1;
	case KF_TCP_SYN_SENT:
	case KF_TCP_LISTEN:
		return KF_TCP_CLOSE;
	case KF_TCP_CLOSE_WAIT:
		return KF_TCP_LAST_ACK;
	case KF_TCP_FIN_WAIT1:
	case 5:	 /* FIN_WAIT2 */
	case 9:	 /* LAST_ACK */
	case 11: /* CLOSING */
		return old;
	default:
		return -1;
	}
}

/*
 * tcp_set_state(struct sock *, int state): the transitions a process's own
 * calls make.  connect on an unconnected TCP socket: CLOSE -> SYN_SENT
 * once the SYN is sent, then SYN_SENT -> ESTABLISHED when connect returned
 * 0 (the answer came while it waited), SYN_SENT -> CLOSE when it was
 * refused, timed out or reset (two calls, the sock's skc_state the old
 * state in each).  close of a TCP socket (as __tcp_close): ESTABLISHED
 * or SYN_RECV -> FIN_WAIT1, CLOSE_WAIT -> LAST_ACK, LISTEN or SYN_SENT
 * -> CLOSE, FIN_WAIT1/2, LAST_ACK, CLOSING unchanged, any of those but
 * LISTEN -> CLOSE when data was left unread (the reset); none for a
 * socket already CLOSE.  Not seen: the transitions the kernel makes on its own when
 * segments arrive (a non-blocking connect's ESTABLISHED, FIN_WAIT2,
 * TIME_WAIT, the final CLOSE).
 */
static bool build_tcp_state(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			    const struct probe_pt_regs *regs)
{
	uint64_t sock;
	int old, state;

	(void)f;
	(void)regs;
	if (!fr->at_exit) { /* the state before the call */
		sock = tcp_socket((int)(uint32_t)a[0]);
		if (!sock)
			return false;
		old = kf_obj_sock_state(sock);
		fr->arg[0] = kf_obj_sock_of(sock);
		if (nr == SYS_connect)
			return old == KF_TCP_CLOSE;
		state = tcp_close_state(old);
		if (state >= 0 && old != KF_TCP_LISTEN) {
			int unread = 0; /* SIOCINQ: data_was_unread resets */

			if (!kf_sys(SYS_ioctl, (long)(uint32_t)a[0], 0x541B,
				    (long)(uintptr_t)&unread, 0, 0) &&
			    unread > 0)
				state = KF_TCP_CLOSE;
		}
		fr->arg[1] = (uint64_t)(uint32_t)state;
		return state >= 0;
	}
	if (!fr->saved->valid || fr->saved->nr != nr)
		return false;
	memcpy(fr->arg, fr->saved->arg, sizeof(fr->arg));
	fr->ret_set = true;
	fr->ret = 0;
	if (nr == SYS_close)
		return fr->call == 0;
	if (!syn_sent(fr->sc_ret) || fr->call > 1)
		return false;
	sock = tcp_socket((int)(uint32_t)a[0]);
	if (sock) { /* the sock as connect left it, its peer the address */
		uint8_t sa[128];
		int len = (int)(uint32_t)a[2];

		if (len > 0 && len <= (int)sizeof(sa) &&
		    !ub_safe_read(sa, (void *)(uintptr_t)a[1], (size_t)len))
			kf_obj_sock_set_peer(sock, sa, len);
		fr->arg[0] = kf_obj_sock_of(sock);
	}
	if (fr->call == 0) {
		kf_obj_sk_set_state(fr->arg[0], KF_TCP_CLOSE);
		fr->arg[1] = KF_TCP_SYN_SENT;
	} else if (fr->sc_ret == -EINPROGRESS || fr->sc_ret == -EINTR) {
		return false;
	} else {
		kf_obj_sk_set_state(fr->arg[0], KF_TCP_SYN_SENT);
		fr->arg[1] = fr->sc_ret ? KF_TCP_CLOSE : KF_TCP_ESTABLISHED;
	}
	return true;
}

/*
 * tcp_rcv_state_process(struct sock *, struct sk_buff *): of the calls
 * the kernel makes as segments arrive, the one a connect waits for: the
 * answer to its SYN processed in SYN_SENT (a SYN-ACK: connect returned
 * 0; a reset: ECONNREFUSED), the sock in SYN_SENT, its peer the address
 * connected to; the sk_buff is zeroes.  On loopback the kernel runs it
 * in the connecting process too; for a remote peer in whichever task the
 * softirq interrupts.  A non-blocking connect's answer is not seen.
 */
static bool build_tcp_rcv(const struct kf_fn *f, struct kf_frame *fr, int nr, const uint64_t a[6],
			  const struct probe_pt_regs *regs)
{
	uint64_t sock = tcp_socket((int)(uint32_t)a[0]);
	uint8_t sa[128];
	int len = (int)(uint32_t)a[2];

	(void)f;
	(void)nr;
	(void)regs;
	if (!fr->at_exit) /* the state before: an unconnected socket */
		return sock && kf_obj_sock_state(sock) == KF_TCP_CLOSE;
	if (!fr->saved->valid || fr->saved->nr != nr || !sock ||
	    (fr->sc_ret && fr->sc_ret != -ECONNREFUSED))
		return false;
	if (len > 0 && len <= (int)sizeof(sa) &&
	    !ub_safe_read(sa, (void *)(uintptr_t)a[1], (size_t)len))
		kf_obj_sock_set_peer(sock, sa, len);
	fr->arg[0] = kf_obj_sock_of(sock);
	kf_obj_sk_set_state(fr->arg[0], KF_TCP_SYN_SENT);
	memset(kf_tls.scratch, 0, sizeof(kf_tls.scratch));
	fr->arg[1] = (uint64_t)(uintptr_t)kf_tls.scratch;
	fr->ret_set = true;
	fr->ret = 0;
	return true;
}

/* clang-format off */
static const struct kf_fn table[] = {
	{ "do_unlinkat",    2, true,  { SYS_unlink, SYS_unlinkat },                   false, build_unlink, KF_STATELESS, false, 1 },
	{ "do_rmdir",       2, true,  { SYS_rmdir, SYS_unlinkat },                    false, build_unlink, KF_STATELESS, false, 1 },
	{ "do_mkdirat",     3, true,  { SYS_mkdir, SYS_mkdirat },                     false, build_mkdir, KF_STATELESS, false, 1 },
	{ "do_sys_open",    4, false, { SYS_open, SYS_openat, SYS_creat },            false, build_sys_open, KF_STATELESS, false, 1 },
	{ "do_sys_openat2", 3, true,  { SYS_open, SYS_openat, SYS_creat, SYS_openat2 }, false, build_openat2, KF_STATELESS, false, 1 },
	{ "ksys_read",      3, false, { 0 },                                          true,  build_rw, KF_STATELESS, false, 1 },
	{ "ksys_write",     3, false, { SYS_write },                                  false, build_rw, KF_STATELESS, false, 1 },
	{ "vfs_read",       4, false, { SYS_pread64 },                                true,  build_vfs_rw, KF_DECIDE_ENTRY, false, 1 },
	{ "vfs_write",      4, false, { SYS_write, SYS_pwrite64 },                    false, build_vfs_rw, KF_DECIDE_ENTRY, false, 1 },
	{ "vfs_fsync",      2, true,  { SYS_fsync, SYS_fdatasync },                   false, build_vfs_rw, KF_DECIDE_ENTRY, false, 1 },
	{ "vfs_open",       2, true,  { SYS_open, SYS_openat, SYS_creat, SYS_openat2 }, false, build_vfs_open, KF_DECIDE_EXIT, true, 1 },
	{ "security_inode_create", 3, true, { SYS_open, SYS_openat, SYS_creat, SYS_openat2, SYS_mknod, SYS_mknodat }, false, build_vfs_open, KF_DECIDE_EXIT, true, 1 },
	{ "vfs_create",     5, true,  { SYS_mknod, SYS_mknodat },                     false, build_vfs_mk, KF_DECIDE_EXIT, false, 1 },
	{ "vfs_mkdir",      4, true,  { SYS_mkdir, SYS_mkdirat },                     false, build_vfs_mk, KF_DECIDE_EXIT, false, 1 },
	{ "vfs_unlink",     4, true,  { SYS_unlink, SYS_unlinkat },                   false, build_vfs_rm, KF_DECIDE_ENTRY, false, 1 },
	{ "vfs_rmdir",      3, true,  { SYS_rmdir, SYS_unlinkat },                    false, build_vfs_rm, KF_DECIDE_ENTRY, false, 1 },
	{ "inet_bind",      3, true,  { SYS_bind },                                   false, build_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "inet6_bind",     3, true,  { SYS_bind },                                   false, build_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "inet_listen",    2, true,  { SYS_listen },                                 false, build_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "tcp_v4_connect", 3, true,  { SYS_connect },                                false, build_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "tcp_v6_connect", 3, true,  { SYS_connect },                                false, build_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "ext4_file_read_iter",  2, false, { SYS_pread64, SYS_readv, SYS_preadv, SYS_preadv2 }, true, build_ext4_rw, KF_DECIDE_ENTRY, false, 1 },
	{ "ext4_file_write_iter", 2, false, { SYS_write, SYS_pwrite64, SYS_writev, SYS_pwritev, SYS_pwritev2 }, false, build_ext4_rw, KF_DECIDE_ENTRY, false, 1 },
	{ "ext4_sync_file",       4, true,  { SYS_fsync, SYS_fdatasync },          false, build_ext4_rw, KF_DECIDE_ENTRY, false, 1 },
	{ "ext4_file_open",       2, true,  { SYS_open, SYS_openat, SYS_creat, SYS_openat2 }, false, build_ext4_open, KF_DECIDE_EXIT, false, 1 },
	{ "ext4_file_getattr",    5, true,  { SYS_stat, SYS_lstat, SYS_fstat, SYS_newfstatat, SYS_statx }, false, build_ext4_getattr, KF_DECIDE_EXIT, false, 1 },
	{ "tcp_sendmsg",          3, true,  { SYS_write, SYS_writev, SYS_sendto, SYS_sendmsg }, false, build_tcp_io, KF_DECIDE_ENTRY, false, 1 },
	{ "tcp_cleanup_rbuf",     2, true,  { SYS_readv, SYS_recvfrom, SYS_recvmsg },  true,  build_tcp_io, KF_DECIDE_EXIT, false, 1 },
	{ "tcp_close",            2, true,  { SYS_close },                            false, build_tcp_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "inet_csk_accept",      2, false, { SYS_accept, SYS_accept4 },               false, build_tcp_sock, KF_DECIDE_ENTRY, false, 1 },
	{ "tcp_set_state",        2, true,  { SYS_connect, SYS_close },                false, build_tcp_state, KF_DECIDE_EXIT, true, 2 },
	{ "tcp_rcv_state_process", 2, true, { SYS_connect },                           false, build_tcp_rcv, KF_DECIDE_EXIT, true, 1 },
};
/* clang-format on */

_Static_assert(sizeof(table) / sizeof(table[0]) <= KF_NFN, "kf_tls.saved has a slot per function");

static const struct kf_fn x64_sys = { "__x64_sys_", 1,	   false, { 0 }, false, build_x64_sys,
				      KF_STATELESS, false, 1 };

static const struct kf_fn *kf_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

bool probe_kfunc_known(const char *name)
{
	return name && (kf_find(name) ||
			(!strncmp(name, "__x64_sys_", 10) && probe_syscall_nr(name + 10) >= 0));
}

const char *probe_kfunc_avail(void)
{
	return "do_unlinkat, do_rmdir, do_mkdirat, do_sys_open, do_sys_openat2, ksys_read, "
	       "ksys_write, vfs_read, vfs_write, vfs_fsync, vfs_open, vfs_create, vfs_mkdir, "
	       "vfs_unlink, vfs_rmdir, security_inode_create, inet_bind, inet6_bind, inet_listen, "
	       "tcp_v4_connect, tcp_v6_connect, ext4_file_read_iter, ext4_file_write_iter, "
	       "ext4_sync_file, ext4_file_open, ext4_file_getattr, tcp_sendmsg, tcp_cleanup_rbuf, "
	       "tcp_close, tcp_set_state, tcp_rcv_state_process, inet_csk_accept, __x64_sys_NAME";
}

/* ==== Links ==== */

/* A sub-link's attachment (link->kfunc). */
struct kf_att {
	const struct kf_fn *fn;
	enum kf_kind kind;
	struct userbpf_link *parent;
};

/* "kprobe/F", "kretprobe/F", "fentry/F", "fexit/F": the kind, F in *fn. */
static int parse_kind(const char *tp, const char **fn)
{
	static const struct {
		const char *pfx;
		enum kf_kind kind;
	} k[] = { { "kprobe/", KF_KPROBE },
		  { "kretprobe/", KF_KRETPROBE },
		  { "fentry/", KF_FENTRY },
		  { "fexit/", KF_FEXIT } };
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t n = strlen(k[i].pfx);

		if (!strncmp(tp, k[i].pfx, n)) {
			*fn = tp + n;
			return (int)k[i].kind;
		}
	}
	return -1;
}

bool probe_kfunc_target(const char *tp)
{
	const char *fn;

	return !strcmp(tp, "tp_btf/sys_enter") || !strcmp(tp, "tp_btf/sys_exit") ||
	       parse_kind(tp, &fn) >= 0;
}

void probe_kfunc_detach(struct userbpf_link *link)
{
	size_t i;

	for (i = 0; i < link->n_subs; i++) {
		void *att = (void *)link->subs[i]->kfunc;

		userbpf_link__destroy(link->subs[i]);
		ub_free(att);
	}
	ub_free(link->subs);
	link->subs = NULL;
	link->n_subs = 0;
}

struct userbpf_link *probe_kfunc_attach(struct userbpf_prog *prog, const char *tp,
					const struct userbpf_uprobe_opts *o)
{
	const struct kf_fn *f = NULL;
	struct userbpf_link *link = NULL;
	const char *fn = NULL;
	char err[640] = "", buf[160];
	int kind = parse_kind(tp, &fn), nrs[14], n = 0, i, ret;
	bool pre[14] = { false };

	if (!strcmp(tp, "tp_btf/sys_enter") || !strcmp(tp, "tp_btf/sys_exit"))
		return userbpf_probe__attach_syscall(prog, tp + 7, o); /* raw's context */
	if ((kind == KF_KPROBE || kind == KF_KRETPROBE) && !strncmp(fn, "__x64_sys_", 10)) {
		/* uprobe.c's ksyscall points */
		snprintf(buf, sizeof(buf), "%s/%.100s",
			 kind == KF_KPROBE ? "ksyscall" : "kretsyscall", fn + 10);
		return userbpf_probe__attach_syscall(prog, buf, o);
	}
	if (kind < 0 || !*fn) {
		snprintf(err, sizeof(err), "unknown tracepoint '%s'", tp);
		ret = -ENOENT;
		goto fail;
	}
	if (!strncmp(fn, "__x64_sys_", 10) && (nrs[0] = probe_syscall_nr(fn + 10)) >= 0) {
		if (probe_exec_nr(nrs[0])) {
			snprintf(err, sizeof(err),
				 "%s: fentry/fexit on an exec syscall is not available in a "
				 "process (use ksyscall/%s or its tracepoints)",
				 fn, fn + 10);
			ret = -EOPNOTSUPP;
			goto fail;
		}
		f = &x64_sys;
		n = 1;
	} else if ((f = kf_find(fn))) {
		int base;

		if (f->reads)
			nrs[n++] = SYS_read;
		for (i = 0; i < 6 && f->nrs[i]; i++)
			nrs[n++] = f->nrs[i];
		/* an entry-side sub-link recording the decision (or the state
		 * before) per syscall, where the exit side needs it */
		base = n;
		if ((f->when == KF_DECIDE_ENTRY && (kind == KF_KRETPROBE || kind == KF_FEXIT)) ||
		    (f->when == KF_DECIDE_EXIT && f->pre))
			for (i = 0; i < base; i++) {
				nrs[n] = nrs[i];
				pre[n++] = true;
			}
	} else {
		snprintf(err, sizeof(err),
			 "kernel function '%s' cannot be probed in a process: the kernel functions "
			 "available are those a syscall reaches (%s)",
			 fn, probe_kfunc_avail());
		ret = -ENOENT;
		goto fail;
	}
	link = ub_calloc(1, sizeof(*link));
	if (link)
		link->subs = ub_calloc((size_t)n, sizeof(*link->subs));
	if (!link || !link->subs) {
		ret = -ENOMEM;
		goto fail;
	}
	pthread_once(&layout_once, layout_init); /* not on the run path: it allocates */
	probe_link_sc_init(link, prog, o);
	link->pe_kind = PROBE_PE_KFUNC;
	link->retprobe = kind == KF_KRETPROBE || kind == KF_FEXIT;
	for (i = 0; i < n; i++) {
		struct kf_att *att = ub_calloc(1, sizeof(*att));
		struct userbpf_link *sub = ub_calloc(1, sizeof(*sub));

		if (!att || !sub) {
			ub_free(att);
			ub_free(sub);
			ret = -ENOMEM;
			goto fail;
		}
		att->fn = f;
		att->kind = pre[i] ? KF_PRE : (enum kf_kind)kind;
		att->parent = link;
		sub->prog = probe_prog_get(prog);
		/* decided at the exit: every kind runs there */
		sub->retprobe = !pre[i] && (link->retprobe || f->when == KF_DECIDE_EXIT);
		sub->kfunc = att;
		ret = probe_syscall_attach(sub, nrs[i], err, sizeof(err));
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
		probe_kfunc_detach(link);
		if (link->prog)
			userbpf_prog__put(link->prog);
		ub_free(link);
	}
	if (o->err_buf && o->err_buf_sz)
		snprintf(o->err_buf, o->err_buf_sz, "%s", err);
	if (err[0])
		ub_warn("kernel function probe: %s\n", err);
	errno = -ret;
	return NULL;
}

/* ==== Runs ==== */

/* One run of the link's program with the function's arguments in fr and
 * its return value rv, in the context of its kind. */
static void run_prog(struct userbpf_link *l, enum kf_kind kind, const struct kf_fn *f,
		     const struct kf_frame *fr, uint64_t rv)
{
	struct userbpf_run_opts ro;
	struct probe_pt_regs k;
	uint64_t ctx[7], r0;
	int i;

	rv = f->ret32 ? (uint32_t)rv : rv;
	ro = l->ro_tmpl;
	if (kind == KF_KPROBE || kind == KF_KRETPROBE) {
		memset(&k, 0, sizeof(k));
		k.di = fr->arg[0], k.si = fr->arg[1], k.dx = fr->arg[2];
		k.cx = fr->arg[3], k.r8 = fr->arg[4], k.r9 = fr->arg[5];
		k.ax = kind == KF_KRETPROBE ? rv : 0;
		k.orig_ax = (uint64_t)-1;
		k.cs = 0x10;
		k.ss = 0x18;
		ro.ctx = &k;
		ro.ctx_size = sizeof(k);
	} else {
		for (i = 0; i < f->nargs; i++)
			ctx[i] = fr->arg[i];
		ctx[f->nargs] = rv;
		ro.ctx = ctx;
		ro.ctx_size = (size_t)(f->nargs + (kind == KF_FEXIT)) * 8;
	}
	if (userbpf_prog__run(l->prog, &ro, &r0)) { /* stopped for good, as uprobes */
		atomic_store(&l->disabled, true);
		atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
	}
}

void probe_kfunc_run(struct userbpf_link *sub, bool exit_side, int nr, struct probe_pt_regs *regs,
		     const uint64_t args[6], int64_t ret)
{
	const struct kf_att *att = sub->kfunc;
	struct userbpf_link *l = att->parent;
	const struct kf_fn *f = att->fn;
	struct kf_frame fr;

	if (atomic_load_explicit(&l->disabled, memory_order_relaxed))
		return;
	fr.at_exit = exit_side;
	fr.entry_kind = att->kind == KF_KPROBE || att->kind == KF_FENTRY;
	fr.sc_ret = ret;
	fr.saved = f >= table && f < table + sizeof(table) / sizeof(table[0]) ?
			   &kf_tls.saved[f - table] :
			   NULL;
	if (!exit_side && ret) {
		/* an LSM program denied the syscall (lsm.c): the functions the
		 * entry decides on lie below the hook and are not reached */
		if (f->when == KF_DECIDE_ENTRY) {
			fr.saved->valid = false;
			return;
		}
		ret = 0;
	}
	for (fr.call = 0; fr.call < f->calls; fr.call++) {
		memset(fr.arg, 0, sizeof(fr.arg));
		fr.ret_set = false;
		if (f->when != KF_STATELESS && !exit_side) {
			/* the entry decides and records for the exit side */
			bool reached = f->build(f, &fr, nr, args, regs);

			fr.saved->valid = reached;
			fr.saved->nr = nr;
			memcpy(fr.saved->arg, fr.arg, sizeof(fr.arg));
			if (!reached || att->kind == KF_PRE)
				return;
		} else if (!f->build(f, &fr, nr, args, regs)) {
			return;
		}
		run_prog(l, att->kind, f, &fr, fr.ret_set ? fr.ret : (uint64_t)ret);
	}
}
