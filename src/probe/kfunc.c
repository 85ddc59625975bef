/* SPDX-License-Identifier: MIT */
/*
 * kfunc.c - kernel functions reached by syscalls, mapped onto the
 * syscall points: kprobe/FUNC, kretprobe/FUNC, fentry/FUNC and
 * fexit/FUNC on a function of a small table (do_unlinkat, do_rmdir,
 * do_mkdirat, do_sys_open, do_sys_openat2, ksys_read, ksys_write) or on
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
#include <sys/syscall.h>

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

enum kf_kind { KF_KPROBE, KF_KRETPROBE, KF_FENTRY, KF_FEXIT };

/* What a run builds: the function's arguments and the memory they point to. */
struct kf_frame {
	uint64_t arg[6];
	struct probe_pt_regs uregs; /* __x64_sys_NAME: the user registers */
	uint64_t how[3];	    /* struct open_how { flags, mode, resolve } */
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
	int nrs[4]; /* the syscalls that reach it (0 ends; read is 0: see reads) */
	bool reads; /* read (syscall 0) reaches it */
	kf_build_fn build;
};

/* ==== struct filename, as the running kernel lays it out ==== */

static pthread_once_t layout_once = PTHREAD_ONCE_INIT;
/* offsets of name, uptr, refcnt, aname, iname; defaults: Linux 4.x-6.18 */
static uint32_t fn_off[5] = { 0, 8, 16, 24, 32 };

static void layout_init(void)
{
	static const char *const members[5] = { "name", "uptr", "refcnt", "aname", "iname" };
	const struct userbpf_btf *k = userbpf_btf__kernel();
	const struct ub_btf_type *t;
	int64_t id;
	uint32_t i, j;

	if (!k)
		return;
	id = ub_btf_find_by_name_kind(k, "filename", USERBPF_BTF_KIND_STRUCT);
	t = id > 0 ? ub_btf_type_by_id(k, (uint32_t)id) : NULL;
	if (!t || t->size_type > 64)
		return;
	for (i = 0; i < ub_btf_vlen(t); i++) {
		const char *n = ub_btf_str(k, ub_btf_members(t)[i].name_off);

		for (j = 0; n && j < 5; j++)
			if (!strcmp(n, members[j]))
				fn_off[j] = ub_btf_member_bit_offset(t, i) / 8;
	}
	if (fn_off[4] < 32 || fn_off[4] > 64) /* no iname: the name after the struct */
		fn_off[4] = t->size_type;
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

	pthread_once(&layout_once, layout_init);
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

/* clang-format off */
static const struct kf_fn table[] = {
	{ "do_unlinkat",    2, true,  { SYS_unlink, SYS_unlinkat },                   false, build_unlink },
	{ "do_rmdir",       2, true,  { SYS_rmdir, SYS_unlinkat },                    false, build_unlink },
	{ "do_mkdirat",     3, true,  { SYS_mkdir, SYS_mkdirat },                     false, build_mkdir },
	{ "do_sys_open",    4, false, { SYS_open, SYS_openat, SYS_creat },            false, build_sys_open },
	{ "do_sys_openat2", 3, true,  { SYS_open, SYS_openat, SYS_creat, SYS_openat2 }, false, build_openat2 },
	{ "ksys_read",      3, false, { 0 },                                          true,  build_rw },
	{ "ksys_write",     3, false, { SYS_write },                                  false, build_rw },
};
/* clang-format on */

static const struct kf_fn x64_sys = { "__x64_sys_", 1, false, { 0 }, false, build_x64_sys };

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
	       "ksys_write, __x64_sys_NAME";
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
	char err[320] = "", buf[160];
	int kind = parse_kind(tp, &fn), nrs[5], n = 0, i, ret;

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
		if (f->reads)
			nrs[n++] = SYS_read;
		for (i = 0; i < 4 && f->nrs[i]; i++)
			nrs[n++] = f->nrs[i];
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
	probe_prepare_prog(prog);
	link->pe_kind = PROBE_PE_KFUNC;
	link->prog = userbpf_prog__get(prog);
	link->retprobe = kind == KF_KRETPROBE || kind == KF_FEXIT;
	link->cookie = o->cookie;
	link->run_flags = o->run_flags;
	link->trace_fn = o->trace_fn;
	link->trace_cookie = o->trace_cookie;
	{
		USERBPF_OPTS(userbpf_run_opts, ro,
			     .flags = USERBPF_RUN_HOST_READ | USERBPF_RUN_ALLOW_SIGNAL |
				      link->run_flags,
			     .cookie = link->trace_cookie, .trace_fn = link->trace_fn,
			     .attach_cookie = link->cookie);

		link->ro_tmpl = ro; /* ctx set per run */
	}
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
		att->kind = (enum kf_kind)kind;
		att->parent = link;
		sub->prog = userbpf_prog__get(prog);
		sub->retprobe = link->retprobe;
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

void probe_kfunc_run(struct userbpf_link *sub, bool exit_side, int nr, struct probe_pt_regs *regs,
		     const uint64_t args[6], int64_t ret)
{
	const struct kf_att *att = sub->kfunc;
	struct userbpf_link *l = att->parent;
	const struct kf_fn *f = att->fn;
	struct kf_frame fr;
	struct userbpf_run_opts ro;
	struct probe_pt_regs k;
	uint64_t ctx[7], rv, r0;
	int i;

	if (atomic_load_explicit(&l->disabled, memory_order_relaxed))
		return;
	memset(fr.arg, 0, sizeof(fr.arg));
	if (!f->build(f, &fr, nr, args, regs))
		return;
	rv = f->ret32 ? (uint32_t)ret : (uint64_t)ret;
	ro = l->ro_tmpl;
	if (att->kind == KF_KPROBE || att->kind == KF_KRETPROBE) {
		memset(&k, 0, sizeof(k));
		k.di = fr.arg[0], k.si = fr.arg[1], k.dx = fr.arg[2];
		k.cx = fr.arg[3], k.r8 = fr.arg[4], k.r9 = fr.arg[5];
		k.ax = att->kind == KF_KRETPROBE ? rv : 0;
		k.orig_ax = (uint64_t)-1;
		k.cs = 0x10;
		k.ss = 0x18;
		ro.ctx = &k;
		ro.ctx_size = sizeof(k);
	} else {
		for (i = 0; i < f->nargs; i++)
			ctx[i] = fr.arg[i];
		ctx[f->nargs] = rv;
		ro.ctx = ctx;
		ro.ctx_size = (size_t)(f->nargs + (att->kind == KF_FEXIT)) * 8;
	}
	(void)exit_side;
	if (userbpf_prog__run(l->prog, &ro, &r0)) { /* stopped for good, as uprobes */
		atomic_store(&l->disabled, true);
		atomic_fetch_add_explicit(&l->misses, 1, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&l->hits, 1, memory_order_relaxed);
	}
}
