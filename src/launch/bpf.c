/* SPDX-License-Identifier: MIT */
/*
 * bpf.c - the bpf() system call of a launched application: every command
 * libbpf and bpftool issue, answered by userbpf_bpf() over the userbpf
 * handles behind the application's descriptors.  Owns the translation of
 * descriptors inside attrs (map_fd, prog_fd, btf_fd, inner_map_fd, the
 * map references in PROG_LOAD instructions and fd_array, the program /
 * map descriptors stored as values of prog arrays and map-in-maps), the
 * commands the command layer does not have (GET_NEXT_ID for maps,
 * programs, BTF and links, BTF_GET_FD_BY_ID, LINK_GET_FD_BY_ID,
 * PROG_BIND_MAP, OBJ_PIN / OBJ_GET, LINK_CREATE, RAW_TRACEPOINT_OPEN,
 * link info, ENABLE_STATS: stats.c), what prog / map / BTF info has beyond
 * the command layer's answer (JIT length, map ids, BTF ids, load time,
 * uid: meta.c; run_cnt, run_time_ns: stats.c), the
 * domain's BTF objects and links (records in the arena, by id and pin
 * from every member), JIT compilation at load, and the refusals of what
 * a process cannot provide (programs attached to kernel functions), with
 * a message.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "userbpf/iter.h"
#include "userbpf/jit.h"
#include "userbpf/object.h"
#include "userbpf/syscall.h"
#include "userbpf/userbpf.h"
#include "util/alloc.h"

/* A domain's BTF object: its raw data, from which a member that asks for
 * it by id loads its own copy (the command layer's BTF is per process). */
struct dom_btf {
	uint32_t size;
	uint8_t data[];
};

/* A domain's link: what link info reports, for every member. */
struct dom_link {
	uint32_t type, attach_type, prog_id;
	int32_t owner;	   /* pid of the process whose attachment it is */
	uint64_t dev, ino; /* the owner's descriptor (its memfd), which
			    * another process may get by fork or SCM_RIGHTS */
};

#define ATTR_END(f) (offsetof(union bpf_attr, f) + sizeof(((union bpf_attr *)0)->f))

static void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/*
 * The application's memory is read and written here only without
 * faulting (ub_safe_read, process_vm_writev on ourselves): a bad pointer
 * in an attr is the kernel's EFAULT, never a signal in the application.
 * Pointers passed on to userbpf_bpf() are copied there (copy_from_user).
 */
static int uread(void *dst, uint64_t src, size_t size)
{
	if (!size)
		return 0;
	if (!src)
		return -EFAULT;
	return ub_safe_read(dst, uptr(src), size);
}

static int uwrite(uint64_t dst, const void *src, size_t size)
{
	struct iovec local = { (void *)src, size }, remote = { uptr(dst), size };

	if (!size)
		return 0;
	if (!dst)
		return -EFAULT;
	return process_vm_writev(gettid(), &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -EFAULT;
}

/* Store v in the result field f of the application's attr: 0, or
 * -EFAULT when it cannot be written (a read-only attr: the kernel's
 * put_user / copy_to_user of the field fails the command so). */
#define UATTR_PUT(uattr, f, v)                                                                     \
	({                                                                                         \
		__typeof__((uattr)->f) v_ = (v);                                                   \
		uwrite((uint64_t)(uintptr_t)&(uattr)->f, &v_, sizeof(v_));                         \
	})

/* log_true_size (kernel 6.4+): the u32 after core_relo_rec_size (uapi
 * headers before 6.4 do not name it). */
#define LOG_TRUE_OFF ATTR_END(core_relo_rec_size)
/* btf_log_true_size (kernel 6.4+): the u32 after btf_log_level */
#define BTF_LOG_TRUE_OFF ATTR_END(btf_log_level)

/* Whether a failed load's verifier ran and stored log_true_size in our
 * copy a of the attr (it is zero on input): told by a nonzero size (a
 * failure without a log is left alone: its value, 0, is the input's). */
static bool log_true_ran(const union bpf_attr *a)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)a + LOG_TRUE_OFF, sizeof(v));
	return v != 0;
}

/* Result of userbpf_bpf as -errno / value.  In a domain, the library's
 * BTF objects are this process's copies (other members make theirs from
 * the domain's record): private, freed if it is killed (domain.h). */
static long ub_call(int cmd, union bpf_attr *a, unsigned int size)
{
	bool priv = cmd == BPF_BTF_LOAD && domain_active();
	int ret;

	launch_in_lib++;
	if (priv)
		domain_private_begin();
	ret = userbpf_bpf(cmd, a, size);
	if (ret < 0)
		ret = -errno;
	if (priv)
		domain_private_end();
	launch_in_lib--;
	return ret;
}

/* The id of the object behind userbpf handle h (0 on failure). */
static uint32_t handle_id(int h, int kind)
{
	union bpf_attr a;
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_btf_info btf;
	} info;
	uint32_t len = kind == LOBJ_MAP	 ? sizeof(info.map) :
		       kind == LOBJ_PROG ? sizeof(info.prog) :
					   sizeof(info.btf);

	memset(&a, 0, sizeof(a));
	memset(&info, 0, sizeof(info));
	a.info.bpf_fd = (uint32_t)h;
	a.info.info_len = len;
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (userbpf_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) < 0)
		return 0;
	return kind == LOBJ_MAP ? info.map.id : kind == LOBJ_PROG ? info.prog.id : info.btf.id;
}

/* Privately: the highest map and program ids handed out, so GET_NEXT_ID
 * finds objects no descriptor names any more (held by others). */
static uint32_t max_seen[LOBJ_LINK + 1];

/*
 * Wrap a new userbpf handle into a descriptor (the handle is consumed).
 * In a domain the descriptor names rec in the registry: a BTF object's
 * record (given), or the map or program itself (rec NULL).  On failure
 * rec stays the caller's unless it was registered (then the registry
 * frees it with its entry).
 */
static long wrap_rec(int kind, long h, uint32_t map_type, void *rec)
{
	static const char *const names[] = { "", "bpf-map", "bpf-prog", "btf" };
	struct lobj *obj;

	if (h < 0)
		return h;
	obj = lobj_new(kind);
	if (!obj) {
		userbpf_close((int)h);
		return -ENOMEM;
	}
	obj->h = (int)h;
	obj->map_type = map_type;
	obj->id = handle_id((int)h, kind);
	if (obj->id > max_seen[kind])
		max_seen[kind] = obj->id;
	if (!rec && domain_active() && kind == LOBJ_MAP)
		rec = userbpf_map_by_fd((int)h);
	else if (!rec && domain_active() && kind == LOBJ_PROG)
		rec = userbpf_prog_by_fd((int)h);
	if (rec) {
		obj->id = domain_obj_use(lobj_dom_kind(kind), rec);
		if (!obj->id) {
			/* not registered: refused as the kernel refuses an id
			 * it cannot allocate */
			lobj_put(obj);
			return -ENOSPC;
		}
		obj->dptr = rec;
	}
	return lobj_install(obj, names[kind]);
}

static long wrap(int kind, long h, uint32_t map_type)
{
	return wrap_rec(kind, h, map_type, NULL);
}

/* fd field of kind -> handle, in place; 0 or -errno. */
static int xlate(uint32_t *field, int kind)
{
	int h = lobj_handle((int)*field, kind);

	if (h < 0)
		return h;
	*field = (uint32_t)h;
	return 0;
}

static int map_type_of(int fd)
{
	struct lobj *obj = lobj_get(fd);
	int t = obj && obj->kind == LOBJ_MAP ? (int)obj->map_type : -1;

	lobj_put(obj);
	return t;
}

/* ==== commands on maps ==== */

/* The id of the object behind descriptor fd of kind (0 if none). */
static uint32_t fd_id(int fd, int kind)
{
	struct lobj *obj = lobj_get(fd);
	uint32_t id = obj && obj->kind == kind ? obj->id : 0;

	lobj_put(obj);
	return id;
}

static long cmd_map_create(union bpf_attr *a, unsigned int size)
{
	struct launch_meta m;
	long fd;
	int err;

	memset(&m, 0, sizeof(m));
	m.kind = LOBJ_MAP;
	if (a->btf_key_type_id || a->btf_value_type_id || a->btf_vmlinux_value_type_id) {
		m.btf_id = fd_id((int)a->btf_fd, LOBJ_BTF);
		m.btf_key_type_id = a->btf_key_type_id;
		m.btf_value_type_id = a->btf_value_type_id;
		err = xlate(&a->btf_fd, LOBJ_BTF);
		if (err)
			return err;
	}
	if (a->btf_vmlinux_value_type_id) {
		launch_log("map '%.16s': struct_ops maps (kernel structures) are not "
			   "available in a process",
			   a->map_name);
		return -EOPNOTSUPP;
	}
	if (a->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS || a->map_type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		err = xlate(&a->inner_map_fd, LOBJ_MAP);
		if (err)
			return err;
	}
	fd = wrap(LOBJ_MAP, ub_call(BPF_MAP_CREATE, a, size), a->map_type);
	if (fd >= 0 && m.btf_id) {
		int h = lobj_handle((int)fd, LOBJ_MAP);

		m.ptr = h >= 0 ? userbpf_map_by_fd(h) : NULL;
		if (m.ptr)
			launch_meta_put(&m);
		/* the map holds its BTF object (listed while the map lives) */
		if (m.ptr && domain_active())
			domain_obj_hold(DOM_MAP, m.ptr, DOM_BTF, m.btf_id);
	}
	return fd;
}

static long cmd_map_elem(int cmd, union bpf_attr *a, unsigned int size)
{
	int type = map_type_of((int)a->map_fd), err;
	uint32_t fdval, uattr_map_fd = a->map_fd;

	err = xlate(&a->map_fd, LOBJ_MAP);
	if (err)
		return err;
	if (cmd == BPF_MAP_UPDATE_ELEM && a->value) {
		switch (type) {
		case BPF_MAP_TYPE_PROG_ARRAY:
		case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		case BPF_MAP_TYPE_HASH_OF_MAPS:
			/* unreadable: the command layer says EFAULT (after the key) */
			if (uread(&fdval, a->value, sizeof(fdval)))
				break;
			err = xlate(&fdval, type == BPF_MAP_TYPE_PROG_ARRAY ? LOBJ_PROG : LOBJ_MAP);
			if (err)
				return err;
			a->value = (uint64_t)(uintptr_t)&fdval;
			break;
		case BPF_MAP_TYPE_PERF_EVENT_ARRAY: {
			struct lobj *m = lobj_get((int)uattr_map_fd);
			uint32_t key;

			if (uread(&key, a->key, sizeof(key)) ||
			    uread(&fdval, a->value, sizeof(fdval))) {
				lobj_put(m);
				return -EFAULT;
			}
			err = m ? launch_perfbuf_set(m, key, (int)fdval) : -EBADF;
			lobj_put(m);
			return err;
		}
		default:
			break;
		}
	}
	return ub_call(cmd, a, size);
}

/* ==== PROG_LOAD ==== */

/*
 * The iterator target an iter program is loaded for ("task" for the
 * kernel's bpf_iter_task, named by attach_btf_id in the kernel's BTF),
 * into out; false when a is no iterator program.
 */
static bool iter_target(const union bpf_attr *a, char *out, size_t size)
{
	const char *name;

	if (a->prog_type != BPF_PROG_TYPE_TRACING || a->expected_attach_type != BPF_TRACE_ITER ||
	    !a->attach_btf_id || a->attach_prog_fd || !userbpf_btf__kernel())
		return false;
	name = userbpf_btf__name(userbpf_btf__kernel(), a->attach_btf_id);
	if (!name || strncmp(name, "bpf_iter_", 9))
		return false;
	snprintf(out, size, "%s", name + 9);
	return true;
}

/* src/probe/kfunc.c: kernel functions syscalls reach */
bool probe_kfunc_known(const char *name);
const char *probe_kfunc_avail(void);
/* src/probe/lsm.c: LSM hooks syscalls reach; the chain of one syscall */
bool probe_lsm_known(const char *hook);
const char *probe_lsm_avail(void);
int64_t probe_syscall_lsm(int nr, const uint64_t args[6]);

/*
 * An LSM program (BPF_LSM_MAC, attach_btf_id the kernel's bpf_lsm_HOOK)
 * on a hook a syscall reaches: the probe layer's target ("lsm/file_open")
 * into out; else false.
 */
static bool lsm_target(const union bpf_attr *a, char *out, size_t size)
{
	const struct userbpf_btf *k;
	const char *name;

	if (a->prog_type != BPF_PROG_TYPE_LSM || a->expected_attach_type != BPF_LSM_MAC ||
	    !a->attach_btf_id || a->attach_prog_fd || !(k = userbpf_btf__kernel()))
		return false;
	name = userbpf_btf__name(k, a->attach_btf_id);
	if (!name || strncmp(name, "bpf_lsm_", 8) || !probe_lsm_known(name + 8))
		return false;
	snprintf(out, size, "lsm/%.48s", name + 8);
	return true;
}

/*
 * fentry/fexit on a kernel function syscalls reach, tp_btf on sys_enter or
 * sys_exit (attach_btf_id in the kernel's BTF): the probe layer's target
 * ("fentry/do_unlinkat", "tp_btf/sys_enter") into out; else false.
 */
static bool kfunc_target(const union bpf_attr *a, char *out, size_t size)
{
	const struct userbpf_btf *k;
	const char *name;

	/* the kernel's BTF is parsed (5 MB, kept) only for such programs */
	if (a->prog_type != BPF_PROG_TYPE_TRACING || !a->attach_btf_id || a->attach_prog_fd ||
	    a->expected_attach_type < BPF_TRACE_RAW_TP ||
	    a->expected_attach_type > BPF_TRACE_FEXIT || !(k = userbpf_btf__kernel()))
		return false;
	name = userbpf_btf__name(k, a->attach_btf_id);
	if (!name)
		return false;
	if (a->expected_attach_type == BPF_TRACE_RAW_TP &&
	    (!strcmp(name, "btf_trace_sys_enter") || !strcmp(name, "btf_trace_sys_exit")))
		snprintf(out, size, "tp_btf/%s", name + 10);
	else if ((a->expected_attach_type == BPF_TRACE_FENTRY ||
		  a->expected_attach_type == BPF_TRACE_FEXIT) &&
		 probe_kfunc_known(name))
		snprintf(out, size, "%s/%.48s",
			 a->expected_attach_type == BPF_TRACE_FENTRY ? "fentry" : "fexit", name);
	else
		return false;
	return true;
}

static bool kernel_attach(const union bpf_attr *a)
{
	char target[64];

	if (iter_target(a, target, sizeof(target)))
		return false; /* iterators run here (userbpf_iter__run) */
	if (kfunc_target(a, target, sizeof(target)))
		return false; /* the probe layer's kernel functions (kfunc.c) */
	if (lsm_target(a, target, sizeof(target)))
		return false; /* the probe layer's LSM hooks (lsm.c) */
	if (a->prog_type == BPF_PROG_TYPE_TRACING || a->prog_type == BPF_PROG_TYPE_LSM ||
	    a->prog_type == BPF_PROG_TYPE_EXT || a->prog_type == BPF_PROG_TYPE_STRUCT_OPS)
		return a->attach_btf_id || a->attach_prog_fd;
	return false;
}

/*
 * libbpf turns what it could not resolve into calls of helpers that do
 * not exist (a map it did not create, a failed CO-RE relocation, a weak
 * kfunc), counting on the kernel verifier to find them dead: the
 * kernel refuses such a call only on a path it can reach.  userbpf's
 * VM refuses unknown helper ids anywhere, so they become "r0 = 0": on a
 * dead path nothing changes, and on a live one r0 holds what a failed
 * lookup returns.
 */
static bool poisoned(const struct bpf_insn *in)
{
	uint32_t imm = (uint32_t)in->imm;

	if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg)
		return false;
	return (imm >= 2001000000u && imm < 2003000000u) || imm == 0xbad2310u;
}

/* The map behind descriptor fd joins the program's map ids (once). */
static void meta_add_map(struct launch_meta *m, int fd)
{
	uint32_t id = fd_id(fd, LOBJ_MAP), i;

	if (!id)
		return;
	for (i = 0; i < m->nr_map_ids; i++)
		if (m->map_ids[i] == id)
			return;
	if (m->nr_map_ids < LAUNCH_META_MAPS)
		m->map_ids[m->nr_map_ids++] = id;
}

/* The kernel's license_is_gpl_compatible(). */
static bool gpl_compatible(const char *lic)
{
	static const char *const ok[] = {
		"GPL",		"GPL v2",	"GPL and additional rights",
		"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"
	};
	size_t i;

	for (i = 0; lic && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(lic, ok[i]))
			return true;
	return false;
}

static long cmd_prog_load(union bpf_attr *a, unsigned int size)
{
	struct bpf_insn *insns = NULL;
	int32_t *fds = NULL;
	size_t i, n = a->insn_cnt, fd_cnt = 0;
	struct launch_meta m;
	struct timespec ts;
	char license[128];
	long ret;

	memset(&m, 0, sizeof(m));
	m.kind = LOBJ_PROG;
	m.uid = (uint32_t)getuid();
	/* unreadable: the command layer says EFAULT */
	m.gpl = a->license && ub_safe_read_str(license, uptr(a->license), sizeof(license)) > 0 &&
		gpl_compatible(license);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	m.load_time = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	iter_target(a, m.iter_target, sizeof(m.iter_target));
	if (!kfunc_target(a, m.kfunc_target, sizeof(m.kfunc_target)))
		lsm_target(a, m.kfunc_target, sizeof(m.kfunc_target));

	if (kernel_attach(a) && a->prog_type == BPF_PROG_TYPE_LSM) {
		const char *hook =
			userbpf_btf__kernel() && a->attach_btf_id ?
				userbpf_btf__name(userbpf_btf__kernel(), a->attach_btf_id) :
				NULL;

		launch_log("program '%.16s': %s hook '%s' is not available in a process: the "
			   "hooks available are those a process's syscalls reach (%s)",
			   a->prog_name,
			   a->expected_attach_type == BPF_LSM_CGROUP ? "lsm_cgroup (a cgroup's)" :
								       "LSM",
			   hook && !strncmp(hook, "bpf_lsm_", 8) ? hook + 8 : "?",
			   probe_lsm_avail());
		return -EINVAL;
	}
	if (kernel_attach(a)) {
		launch_log("program '%.16s': attaching to kernel functions (fentry, fexit, "
			   "tp_btf, lsm, freplace) is not available in a process, but for "
			   "fentry/fexit on the functions syscalls reach (%s), "
			   "tp_btf/sys_enter, tp_btf/sys_exit and lsm/HOOK",
			   a->prog_name, probe_kfunc_avail());
		return -EINVAL;
	}
	if (a->insns && n && n <= 1000000) {
		insns = malloc(n * sizeof(*insns));
		if (!insns)
			return -ENOMEM;
		if (uread(insns, a->insns, n * sizeof(*insns))) {
			free(insns);
			return -EFAULT; /* the instructions are copied first */
		}
		for (i = 0; i < n; i++)
			if (poisoned(&insns[i]))
				insns[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
		for (i = 0; i + 1 < n; i++) {
			uint32_t v;

			if (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW))
				continue;
			if (insns[i].src_reg == BPF_PSEUDO_MAP_FD ||
			    insns[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
				v = (uint32_t)insns[i].imm;
				meta_add_map(&m, (int)v);
				ret = xlate(&v, LOBJ_MAP);
				if (ret)
					goto out;
				insns[i].imm = (int32_t)v;
			} else if ((insns[i].src_reg == BPF_PSEUDO_MAP_IDX ||
				    insns[i].src_reg == BPF_PSEUDO_MAP_IDX_VALUE) &&
				   insns[i].imm >= 0 && (size_t)insns[i].imm + 1 > fd_cnt) {
				fd_cnt = (size_t)insns[i].imm + 1;
			}
			i++;
		}
		a->insns = (uint64_t)(uintptr_t)insns;
	}
	if (a->fd_array && fd_cnt) {
		fds = malloc(fd_cnt * sizeof(*fds));
		ret = -ENOMEM;
		if (!fds)
			goto out;
		ret = -EFAULT; /* the verifier's read of fd_array */
		if (uread(fds, a->fd_array, fd_cnt * sizeof(*fds)))
			goto out;
		for (i = 0; i < fd_cnt; i++) {
			uint32_t v = (uint32_t)fds[i];

			meta_add_map(&m, (int)v);
			ret = xlate(&v, LOBJ_MAP);
			if (ret)
				goto out;
			fds[i] = (int32_t)v;
		}
		a->fd_array = (uint64_t)(uintptr_t)fds;
	}
	if (a->prog_btf_fd) {
		m.btf_id = fd_id((int)a->prog_btf_fd, LOBJ_BTF);
		xlate(&a->prog_btf_fd, LOBJ_BTF);
	}
	/* in a domain, what the load allocates is this process's until the
	 * program is registered (wrap): a member killed mid-load gives it
	 * back (domain_reap) */
	if (domain_active())
		domain_load_begin();
	ret = ub_call(BPF_PROG_LOAD, a, size);
	if (domain_active())
		domain_load_end(ret >= 0);
	ret = wrap(LOBJ_PROG, ret, 0);
	if (ret >= 0) {
		int h = lobj_handle((int)ret, LOBJ_PROG);
		struct userbpf_prog *prog = h >= 0 ? userbpf_prog_by_fd(h) : NULL;

		if (prog) {
			m.ptr = prog;
			launch_meta_put(&m);
			launch_stats_reset(prog);
			if (domain_active() && m.btf_id)
				domain_obj_hold(DOM_PROG, prog, DOM_BTF, m.btf_id);
			/* the kernel compiles at load: so do we, every program (a
			 * failed compilation stays interpreted, never retried).
			 * In a domain the image must be compiled here, in the
			 * domain's memory: a program compiled later (a probe's
			 * attach compiles it too, probe_prog_get) would keep an
			 * image of this process's heap, which another member
			 * then runs or frees (fentry's programs, whose BTF
			 * pointer loads leave them unverified, crashed sh when
			 * its link went).  USERBPF_LAUNCH_ENGINE=interp keeps
			 * every program on the interpreter (to compare) */
			const char *eng = getenv("USERBPF_LAUNCH_ENGINE");

			if (eng && !strcmp(eng, "interp")) {
				userbpf_prog__set_engine(prog, USERBPF_ENGINE_INTERP);
			} else {
				/* the image is ours until the program holds it:
				 * a kill mid-compilation gives it back */
				domain_jit_begin();
				userbpf_prog__jit(prog);
				domain_jit_end();
			}
		}
	}
out:
	free(insns);
	free(fds);
	return ret;
}

/* ==== ids ==== */

struct id_walk {
	int kind;
	uint32_t start, best, max;
	struct lobj *found; /* with wanted id (GET_FD_BY_ID) */
	uint32_t want;
};

static void id_visit(struct lobj *obj, void *ctx)
{
	struct id_walk *w = ctx;

	if (obj->kind != w->kind || !obj->id)
		return;
	if (obj->id > w->max)
		w->max = obj->id;
	if (obj->id > w->start && (!w->best || obj->id < w->best))
		w->best = obj->id;
	if (w->want && obj->id == w->want && !w->found) {
		__atomic_add_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL);
		w->found = obj;
	}
}

static long cmd_get_next_id(int cmd, union bpf_attr *a)
{
	int kind = cmd == BPF_MAP_GET_NEXT_ID  ? LOBJ_MAP :
		   cmd == BPF_PROG_GET_NEXT_ID ? LOBJ_PROG :
		   cmd == BPF_BTF_GET_NEXT_ID  ? LOBJ_BTF :
						 LOBJ_LINK;
	struct id_walk w = { .kind = kind, .start = a->start_id };
	uint32_t id;

	if (a->open_flags)
		return -EINVAL;
	if (domain_active()) {
		domain_reap();
		a->next_id = domain_obj_next_id(lobj_dom_kind(kind), a->start_id);
		return a->next_id ? 0 : -ENOENT;
	}
	lobj_each(id_visit, &w);
	if (w.max > max_seen[kind])
		max_seen[kind] = w.max;
	/* objects without a descriptor (a map only a program holds) */
	if (kind == LOBJ_MAP || kind == LOBJ_PROG) {
		for (id = a->start_id + 1; id <= max_seen[kind] && (!w.best || id < w.best); id++) {
			union bpf_attr g;
			int h;

			memset(&g, 0, sizeof(g));
			if (kind == LOBJ_MAP)
				g.map_id = id;
			else
				g.prog_id = id;
			h = userbpf_bpf(kind == LOBJ_MAP ? BPF_MAP_GET_FD_BY_ID :
							   BPF_PROG_GET_FD_BY_ID,
					&g, sizeof(g));
			if (h >= 0) {
				userbpf_close(h);
				w.best = id;
				break;
			}
		}
	}
	if (!w.best)
		return -ENOENT;
	a->next_id = w.best;
	return 0;
}

/* A descriptor for the domain's BTF record rec: this process loads its
 * own copy of the data for the command layer. */
static long btf_from_record(struct dom_btf *rec)
{
	union bpf_attr b;

	memset(&b, 0, sizeof(b));
	b.btf = (uint64_t)(uintptr_t)rec->data;
	b.btf_size = rec->size;
	return wrap_rec(LOBJ_BTF, ub_call(BPF_BTF_LOAD, &b, sizeof(b)), 0, rec);
}

/* A descriptor for the domain's link record rec (another member's
 * attachment: info and pins, no attachment of its own): a new one, or
 * fd (a descriptor of the owner's that came here) when fd >= 0. */
static long link_holder(struct dom_link *rec, int fd)
{
	struct lobj *obj = lobj_new(LOBJ_LINK);

	if (!obj)
		return -ENOMEM;
	obj->id = domain_obj_use(DOM_LINK, rec);
	if (!obj->id) {
		lobj_put(obj);
		return -ENOSPC;
	}
	obj->dptr = rec;
	obj->link_type = rec->type;
	obj->attach_type = rec->attach_type;
	obj->prog_id = rec->prog_id;
	return fd >= 0 ? lobj_install_fd(obj, fd) : lobj_install(obj, "bpf-link");
}

static long link_from_record(struct dom_link *rec)
{
	return link_holder(rec, -1);
}

/* A child forked without exec (fork.c): its inherited descriptor fd on
 * the domain's object rec, whose use it took over from its parent. */
long launch_fork_install(int kind, void *rec, int fd)
{
	struct dom_link *link = rec;
	struct lobj *obj = lobj_new(kind);
	long h = -ENOMEM;

	if (!obj) {
		domain_obj_unuse(lobj_dom_kind(kind), rec);
		if (kind == LOBJ_MAP || kind == LOBJ_PROG)
			domain_obj_put(lobj_dom_kind(kind), rec);
		return -ENOMEM;
	}
	obj->dptr = rec;
	obj->id = domain_obj_id(lobj_dom_kind(kind), rec);
	launch_in_lib++;
	switch (kind) {
	case LOBJ_MAP:
		/* a handle of this process: its reference replaces the one
		 * taken with the use (noted, so dropped after) */
		h = userbpf_map_fd(rec);
		obj->map_type = userbpf_map__type(rec);
		if (h >= 0)
			userbpf_map__put(rec);
		break;
	case LOBJ_PROG:
		h = userbpf_prog_fd(rec);
		if (h >= 0)
			userbpf_prog__put(rec);
		break;
	case LOBJ_BTF:
		/* the command layer's BTF is per process: a copy, loaded at
		 * the first use (a fork must not wait for it) */
		h = -1;
		break;
	case LOBJ_LINK:
		h = 0;
		obj->link_type = link->type;
		obj->attach_type = link->attach_type;
		obj->prog_id = link->prog_id;
		break;
	}
	launch_in_lib--;
	if (h < 0 && kind != LOBJ_BTF) {
		/* the use goes with the object, then its reference */
		lobj_put(obj);
		if (kind == LOBJ_MAP || kind == LOBJ_PROG)
			domain_obj_put(lobj_dom_kind(kind), rec);
		return h;
	}
	if (kind != LOBJ_LINK)
		obj->h = (int)h;
	return lobj_install_fd(obj, fd);
}

int launch_btf_handle(struct lobj *obj)
{
	struct dom_btf *b = obj->dptr;
	union bpf_attr a;
	int h, none = -1;

	if (obj->kind != LOBJ_BTF || !b)
		return -EBADF;
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)b->data;
	a.btf_size = b->size;
	launch_in_lib++;
	h = (int)ub_call(BPF_BTF_LOAD, &a, sizeof(a));
	/* another thread may have loaded it meanwhile: one copy stays */
	if (h >= 0 && !__atomic_compare_exchange_n(&obj->h, &none, h, false, __ATOMIC_ACQ_REL,
						   __ATOMIC_ACQUIRE)) {
		userbpf_close(h);
		h = none;
	}
	launch_in_lib--;
	return h;
}

void launch_link_adopt(int fd)
{
	struct stat st;
	uint32_t id = 0;
	struct lobj *known = lobj_get(fd);

	lobj_put(known);
	if (known || !domain_active() || fstat(fd, &st))
		return;
	/* one of the domain's links when it is the descriptor a link's
	 * owner made (the same memfd: device and inode) */
	while ((id = domain_obj_next_id(DOM_LINK, id))) {
		struct dom_link *rec = domain_obj_get(DOM_LINK, id);

		if (rec && rec->ino == (uint64_t)st.st_ino && rec->dev == (uint64_t)st.st_dev) {
			if (link_holder(rec, fd) < 0)
				launch_log("a link's descriptor received here does not hold "
					   "its link (the domain's ledger is full)");
			domain_obj_put(DOM_LINK, rec);
			return;
		}
		domain_obj_put(DOM_LINK, rec);
	}
}

static int link_install_noted(struct lobj *link);

int launch_link_install(struct lobj *link)
{
	struct dom_link *rec;

	if (domain_active()) {
		rec = domain_alloc(sizeof(*rec));
		if (rec) {
			rec->type = link->link_type;
			rec->attach_type = link->attach_type;
			rec->prog_id = link->prog_id;
			rec->owner = getpid();
			link->id = domain_obj_use(DOM_LINK, rec);
			if (!link->id) {
				/* registry or ledger full: refused (detached) */
				domain_free(rec);
				lobj_put(link);
				return -ENOSPC;
			}
			link->dptr = rec;
			/* its domain-wide attachment is this link's */
			domain_attach_link(link->pe ? link->pe->att_slot : link->att_slot, rec);
		}
	}
	return link_install_noted(link);
}

/* Install link, noting its descriptor's identity in its record. */
static int link_install_noted(struct lobj *link)
{
	struct dom_link *rec = link->dptr;
	struct stat st;
	int fd = lobj_install(link, "bpf-link");

	if (fd >= 0 && rec && !fstat(fd, &st)) {
		rec->dev = (uint64_t)st.st_dev;
		rec->ino = (uint64_t)st.st_ino;
	}
	return fd;
}

/* ==== links other processes hold ==== */

/* The owner's link objects whose last descriptor here closed while other
 * processes held descriptors on the link (fork, SCM_RIGHTS, by id or
 * pin): kept, with their attachment, until those go. */
#define PARKED_LINKS 256
static pthread_mutex_t parked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lobj *parked[PARKED_LINKS];
static bool parking_off; /* leaving: release everything */

/* Whether obj is the attaching link of this process (not a holder). */
static bool link_attached_here(const struct lobj *obj)
{
	return obj->kind == LOBJ_LINK && obj->dptr && (obj->pe || obj->ul || obj->att_slot >= 0);
}

bool launch_link_park(struct lobj *obj)
{
	int i;

	if (!link_attached_here(obj) || !domain_active() || parking_off)
		return false;
	if (domain_obj_users(DOM_LINK, obj->dptr) <= 1)
		return false;
	pthread_mutex_lock(&parked_lock);
	for (i = 0; i < PARKED_LINKS && parked[i]; i++)
		;
	if (i < PARKED_LINKS) {
		parked[i] = obj;
		__atomic_store_n(&obj->refs, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&parked_lock);
	return i < PARKED_LINKS;
}

void launch_parked_links_sync(void)
{
	struct lobj *gone[PARKED_LINKS];
	bool any = false;
	int i, n = 0;

	for (i = 0; i < PARKED_LINKS && !any; i++)
		any = __atomic_load_n(&parked[i], __ATOMIC_RELAXED) != NULL;
	if (!any)
		return;
	/* a holder that died (_exit, a signal) lets go too */
	domain_reap();
	pthread_mutex_lock(&parked_lock);
	for (i = 0; i < PARKED_LINKS; i++)
		if (parked[i] && domain_obj_users(DOM_LINK, parked[i]->dptr) <= 1) {
			gone[n++] = parked[i];
			parked[i] = NULL;
		}
	pthread_mutex_unlock(&parked_lock);
	for (i = 0; i < n; i++)
		lobj_put(gone[i]);
}

void launch_parked_links_exit(void)
{
	struct lobj *obj;
	int i;

	parking_off = true;
	for (i = 0; i < PARKED_LINKS; i++) {
		pthread_mutex_lock(&parked_lock);
		obj = parked[i];
		parked[i] = NULL;
		pthread_mutex_unlock(&parked_lock);
		if (!obj)
			continue;
		/* still held elsewhere: the domain-wide attachment stays
		 * (and its program reference), detached with the link's
		 * last reference; this process's own goes with it */
		if (domain_obj_users(DOM_LINK, obj->dptr) > 1) {
			struct lobj *pe = obj->pe ? obj->pe : obj;

			domain_attach_orphan(pe->att_slot);
			pe->att_slot = -1;
		}
		lobj_put(obj);
	}
}

/* A new descriptor for the domain's object p of kind (DOM_*), which
 * comes with a reference (domain_obj_get, domain_pin_get) that this
 * gives back: -ENOENT when p is NULL. */
static long domain_obj_fd(int kind, void *p)
{
	long h;

	if (!p)
		return -ENOENT;
	if (kind == DOM_BTF)
		h = btf_from_record(p);
	else if (kind == DOM_LINK)
		h = link_from_record(p);
	else {
		launch_in_lib++;
		h = kind == DOM_MAP ? userbpf_map_fd(p) : userbpf_prog_fd(p);
		launch_in_lib--;
		h = kind == DOM_MAP ? wrap(LOBJ_MAP, h, userbpf_map__type(p)) :
				      wrap(LOBJ_PROG, h, 0);
	}
	launch_in_lib++;
	domain_obj_put(kind, p);
	launch_in_lib--;
	return h;
}

static long cmd_get_fd_by_id(int cmd, union bpf_attr *a, unsigned int size)
{
	struct id_walk w = { .want = a->prog_id };
	long h;

	if (domain_active()) {
		int kind = cmd == BPF_MAP_GET_FD_BY_ID	? DOM_MAP :
			   cmd == BPF_PROG_GET_FD_BY_ID ? DOM_PROG :
			   cmd == BPF_BTF_GET_FD_BY_ID	? DOM_BTF :
							  DOM_LINK;

		domain_reap();
		/* map_id, prog_id, btf_id and link_id share their place */
		return domain_obj_fd(kind, domain_obj_get(kind, a->map_id));
	}
	if (cmd == BPF_MAP_GET_FD_BY_ID) {
		h = ub_call(cmd, a, size);
		return h < 0 ? h :
			       wrap(LOBJ_MAP, h,
				    h < 0 ? 0 : userbpf_map__type(userbpf_map_by_fd((int)h)));
	}
	if (cmd == BPF_PROG_GET_FD_BY_ID)
		return wrap(LOBJ_PROG, ub_call(cmd, a, size), 0);
	w.kind = cmd == BPF_BTF_GET_FD_BY_ID ? LOBJ_BTF : LOBJ_LINK;
	lobj_each(id_visit, &w);
	if (!w.found)
		return -ENOENT;
	/* the new descriptor shares the object (the walk's reference) */
	return lobj_install(w.found, w.kind == LOBJ_BTF ? "btf" : "bpf-link");
}

/* ==== BTF ==== */

static long cmd_btf_load(union bpf_attr *a, unsigned int size)
{
	/* the domain's copy: other members load theirs from it by id */
	struct dom_btf *rec = domain_active() ? domain_alloc(sizeof(*rec) + a->btf_size) : NULL;
	long fd;

	if (rec) {
		rec->size = a->btf_size;
		if (uread(rec->data, a->btf, a->btf_size)) {
			domain_free(rec); /* the command layer says EFAULT */
			rec = NULL;
		}
	}
	fd = wrap_rec(LOBJ_BTF, ub_call(BPF_BTF_LOAD, a, size), 0, rec);
	if (fd < 0 && rec && !domain_obj_id(DOM_BTF, rec))
		domain_free(rec); /* never registered (else its entry freed it) */
	return fd;
}

/* ==== info ==== */

#define INFO_HAS(len, type, field) ((len) >= offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Map references in xlated instructions carry the loading process's own
 * map ids; in a domain they become the domain's: the loader's ids in
 * order of first use are the program's map ids in the same order (both
 * come from the lddw instructions).  Left alone when the counts differ.
 */
/* The next ld_imm64 at or after insns[*i] that names a map (by descriptor,
 * or a value in one), *i moved past it; NULL at the end. */
static struct bpf_insn *next_map_ref(struct bpf_insn *insns, size_t n, size_t *i)
{
	for (; *i + 1 < n; (*i)++) {
		struct bpf_insn *in = &insns[*i];

		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		*i += 2; /* past both halves */
		if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)
			return in;
		(*i)--; /* the loop steps over the second half */
	}
	return NULL;
}

static void xlated_domain_ids(struct bpf_insn *insns, size_t n, const struct launch_meta *m)
{
	uint32_t local[LAUNCH_META_MAPS], cnt = 0, j;
	struct bpf_insn *in;
	size_t i = 0;

	while ((in = next_map_ref(insns, n, &i))) {
		for (j = 0; j < cnt && local[j] != (uint32_t)in->imm; j++)
			;
		if (j == cnt && cnt == LAUNCH_META_MAPS)
			return;
		if (j == cnt)
			local[cnt++] = (uint32_t)in->imm;
	}
	if (cnt != m->nr_map_ids)
		return;
	for (i = 0; (in = next_map_ref(insns, n, &i));) {
		for (j = 0; j < cnt && local[j] != (uint32_t)in->imm; j++)
			;
		if (j < cnt)
			in->imm = (int32_t)m->map_ids[j];
	}
}

/* The map references of the xlated instructions the command layer wrote
 * at uaddr (bytes of them) given the domain's map ids, through checked
 * copies: 0 or -EFAULT. */
static int xlated_ids_user(uint64_t uaddr, size_t bytes, const struct launch_meta *m)
{
	size_t n = bytes / sizeof(struct bpf_insn);
	struct bpf_insn *insns;
	int err;

	if (!n)
		return 0;
	insns = malloc(n * sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	err = uread(insns, uaddr, n * sizeof(*insns));
	if (!err) {
		xlated_domain_ids(insns, n, m);
		err = uwrite(uaddr, insns, n * sizeof(*insns));
	}
	free(insns);
	return err;
}

/*
 * What prog info has beyond the command layer's answer (already in the
 * caller's buffer at uinfo, len bytes; in holds the caller's input
 * fields): the JIT image's length (and code), the map ids, BTF id, load
 * time, uid and license of the program as it was loaded here.  The
 * caller's memory is read and written only through checked copies (the
 * kernel's copy_to_user: EFAULT).
 */
static int prog_info_more(struct userbpf_prog *prog, uint64_t uinfo, uint32_t len,
			  const struct bpf_prog_info *in)
{
	struct launch_meta m;
	struct bpf_prog_info u;
	uint32_t ulen = len < sizeof(u) ? len : (uint32_t)sizeof(u);
	size_t jlen = 0;
	const void *code = userbpf_prog__jited(prog, &jlen);

	memset(&u, 0, sizeof(u));
	if (uread(&u, uinfo, ulen))
		return -EFAULT;
	if (INFO_HAS(len, struct bpf_prog_info, jited_prog_len)) {
		u.jited_prog_len = code ? (uint32_t)jlen : 0;
		if (code && INFO_HAS(len, struct bpf_prog_info, jited_prog_insns) &&
		    in->jited_prog_insns && in->jited_prog_len) {
			if (uwrite(in->jited_prog_insns, code,
				   in->jited_prog_len < jlen ? in->jited_prog_len : jlen))
				return -EFAULT;
			u.jited_prog_insns = in->jited_prog_insns;
		}
	}
	if (INFO_HAS(len, struct bpf_prog_info, run_cnt)) {
		uint64_t cnt, ns;

		launch_stats_get(prog, &cnt, &ns);
		u.run_cnt = cnt;
		u.run_time_ns = ns;
	}
	if (!launch_meta_get(LOBJ_PROG, prog, &m))
		return uwrite(uinfo, &u, ulen);
	if (domain_active() && INFO_HAS(len, struct bpf_prog_info, xlated_prog_insns) &&
	    u.xlated_prog_insns &&
	    xlated_ids_user(u.xlated_prog_insns,
			    in->xlated_prog_len < u.xlated_prog_len ? in->xlated_prog_len :
								      u.xlated_prog_len,
			    &m))
		return -EFAULT;
	if (INFO_HAS(len, struct bpf_prog_info, map_ids)) {
		uint32_t n = in->nr_map_ids < m.nr_map_ids ? in->nr_map_ids : m.nr_map_ids;

		u.nr_map_ids = m.nr_map_ids;
		if (n) {
			if (uwrite(in->map_ids, m.map_ids, n * sizeof(uint32_t)))
				return -EFAULT;
			u.map_ids = in->map_ids;
		}
	}
	if (INFO_HAS(len, struct bpf_prog_info, load_time))
		u.load_time = m.load_time;
	if (INFO_HAS(len, struct bpf_prog_info, created_by_uid))
		u.created_by_uid = m.uid;
	if (INFO_HAS(len, struct bpf_prog_info, btf_id))
		u.btf_id = m.btf_id;
	if (len >= offsetof(struct bpf_prog_info, netns_dev))
		u.gpl_compatible = m.gpl;
	return uwrite(uinfo, &u, ulen);
}

/* The same for map info (BTF ids): 0 or -EFAULT. */
static int map_info_more(struct userbpf_map *map, uint64_t uinfo, uint32_t len)
{
	struct launch_meta m;
	struct bpf_map_info u;
	uint32_t ulen = len < sizeof(u) ? len : (uint32_t)sizeof(u);

	if (!launch_meta_get(LOBJ_MAP, map, &m) ||
	    !INFO_HAS(len, struct bpf_map_info, btf_value_type_id))
		return 0;
	memset(&u, 0, sizeof(u));
	if (uread(&u, uinfo, ulen))
		return -EFAULT;
	u.btf_id = m.btf_id;
	u.btf_key_type_id = m.btf_key_type_id;
	u.btf_value_type_id = m.btf_value_type_id;
	return uwrite(uinfo, &u, ulen);
}

static long cmd_obj_get_info(union bpf_attr *a, unsigned int size, union bpf_attr *uattr)
{
	struct lobj *obj = lobj_get((int)a->info.bpf_fd);
	struct bpf_prog_info in;
	long ret;

	memset(&in, 0, sizeof(in));
	if (!obj)
		return -EBADF;
	if (obj->kind == LOBJ_LINK) {
		struct bpf_link_info info;
		uint32_t len = a->info.info_len < sizeof(info) ? a->info.info_len : sizeof(info);

		memset(&info, 0, sizeof(info));
		info.type = obj->link_type;
		info.id = obj->id;
		info.prog_id = obj->prog_id;
		if (obj->dptr) {
			const struct dom_link *rec = obj->dptr;

			info.type = rec->type;
			info.prog_id = rec->prog_id;
		}
		ret = uwrite(a->info.info, &info, len);
		if (!ret)
			ret = UATTR_PUT(uattr, info.info_len, len);
		lobj_put(obj);
		return ret;
	}
	if (obj->h < 0 && obj->kind == LOBJ_BTF && obj->dptr)
		launch_btf_handle(obj); /* a forked child's: loaded now */
	if (obj->h < 0) {
		lobj_put(obj);
		return -EINVAL;
	}
	/* unreadable: the command layer says EFAULT */
	if (obj->kind == LOBJ_PROG &&
	    uread(&in, a->info.info, a->info.info_len < sizeof(in) ? a->info.info_len : sizeof(in)))
		memset(&in, 0, sizeof(in));
	a->info.bpf_fd = (uint32_t)obj->h;
	ret = ub_call(BPF_OBJ_GET_INFO_BY_FD, a, size);
	if (!ret)
		ret = UATTR_PUT(uattr, info.info_len, a->info.info_len);
	if (!ret && obj->kind == LOBJ_PROG)
		ret = prog_info_more(userbpf_prog_by_fd(obj->h), a->info.info, a->info.info_len,
				     &in);
	if (!ret && obj->kind == LOBJ_MAP)
		ret = map_info_more(userbpf_map_by_fd(obj->h), a->info.info, a->info.info_len);
	/* ids are the domain's (at offset 4 of map and prog info, 12 of BTF) */
	if (!ret && obj->dptr) {
		uint32_t id = obj->id, off = obj->kind == LOBJ_BTF ? 12 : 4;

		if (a->info.info_len >= off + 4)
			ret = uwrite(a->info.info + off, &id, sizeof(id));
	}
	lobj_put(obj);
	return ret;
}

/* ==== pins (a domain's /sys/fs/bpf) ==== */

/* The link objects this process pinned (their pins' references), which
 * no descriptor may name any more. */
#define PINNED_LINKS 256
static pthread_mutex_t pinned_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lobj *pinned_links[PINNED_LINKS];

static void pinned_link_add(struct lobj *obj)
{
	int i;

	pthread_mutex_lock(&pinned_lock);
	for (i = 0; i < PINNED_LINKS && pinned_links[i]; i++)
		;
	if (i < PINNED_LINKS)
		pinned_links[i] = obj;
	pthread_mutex_unlock(&pinned_lock);
}

/* Take (remove) one pinned link object whose record is rec, or NULL. */
static struct lobj *pinned_link_take(const void *rec)
{
	struct lobj *obj = NULL;
	int i;

	pthread_mutex_lock(&pinned_lock);
	for (i = 0; i < PINNED_LINKS; i++)
		if (pinned_links[i] && pinned_links[i]->dptr == rec) {
			obj = pinned_links[i];
			pinned_links[i] = NULL;
			break;
		}
	pthread_mutex_unlock(&pinned_lock);
	return obj;
}

void launch_links_forget_fork(void (*adopt)(struct lobj *obj))
{
	int i;

	for (i = 0; adopt && i < PARKED_LINKS; i++)
		if (parked[i])
			adopt(parked[i]);
	for (i = 0; adopt && i < PINNED_LINKS; i++)
		if (pinned_links[i])
			adopt(pinned_links[i]);
	launch_mutex_reset(&parked_lock);
	launch_mutex_reset(&pinned_lock);
	/* only the entries in use written (launch_mutex_reset says why) */
	for (i = 0; i < PARKED_LINKS; i++)
		if (parked[i])
			parked[i] = NULL;
	for (i = 0; i < PINNED_LINKS; i++)
		if (pinned_links[i])
			pinned_links[i] = NULL;
}

/* The pathname (strncpy_from_user of getname): 0 or -EFAULT. */
static int path_read(const union bpf_attr *a, char *path, size_t size)
{
	if (!a->pathname || ub_safe_read_str(path, uptr(a->pathname), size) < 0)
		return -EFAULT;
	path[size - 1] = '\0';
	return 0;
}

static long cmd_obj_pin(union bpf_attr *a)
{
	char path[4096];
	struct lobj *obj;
	int err;

	if (path_read(a, path, sizeof(path)))
		return -EFAULT;
	if (!domain_active()) {
		launch_log("pinning '%s' needs a domain (userbpf launch --domain NAME)", path);
		return -EPERM;
	}
	if (strncmp(path, "/sys/fs/bpf/", 12))
		return -EPERM; /* not on bpffs */
	obj = lobj_get((int)a->bpf_fd);
	if (!obj)
		return -EBADF;
	if (!obj->dptr) {
		lobj_put(obj);
		return -EINVAL;
	}
	err = domain_pin(path, lobj_dom_kind(obj->kind), obj->dptr);
	if (!err && (obj->kind == LOBJ_MAP || obj->kind == LOBJ_PROG)) {
		/* the pin holds a reference for the life of the domain */
		if (obj->kind == LOBJ_MAP)
			userbpf_map__get(obj->dptr);
		else
			userbpf_prog__get(obj->dptr);
	}
	/* a pinned link keeps its attachment after its descriptors are
	 * closed, also when this process exits (the domain's other members
	 * keep running it): the pin holds a reference for the domain's life */
	if (!err && obj->kind == LOBJ_LINK) {
		__atomic_add_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL);
		pinned_link_add(obj);
	}
	lobj_put(obj);
	return err;
}

void launch_pinned_links_sync(void)
{
	struct lobj *gone[PINNED_LINKS];
	bool any = false;
	int i, n = 0;

	/* none (a forked child's sync thread starts so): its lock is not
	 * written (launch_mutex_reset says why) */
	for (i = 0; i < PINNED_LINKS && !any; i++)
		any = __atomic_load_n(&pinned_links[i], __ATOMIC_RELAXED) != NULL;
	if (!any)
		return;
	pthread_mutex_lock(&pinned_lock);
	for (i = 0; i < PINNED_LINKS; i++)
		if (pinned_links[i] && !domain_obj_pinned(DOM_LINK, pinned_links[i]->dptr)) {
			gone[n++] = pinned_links[i];
			pinned_links[i] = NULL;
		}
	pthread_mutex_unlock(&pinned_lock);
	for (i = 0; i < n; i++)
		lobj_put(gone[i]);
}

static long cmd_obj_get(union bpf_attr *a)
{
	char path[4096];
	void *p;
	int kind;

	if (path_read(a, path, sizeof(path)))
		return -EFAULT;
	if (!domain_active())
		return -ENOENT;
	p = domain_pin_get(path, &kind);
	return domain_obj_fd(kind, p);
}

int launch_unpin(const char *path)
{
	int kind;
	void *p;

	if (!domain_active() || strncmp(path, "/sys/fs/bpf/", 12))
		return 1;
	p = domain_unpin(path, &kind);
	if (!p)
		return -ENOENT; /* the domain's bpffs has nothing else */
	launch_in_lib++;
	/* the pin's reference: the library's count of a map or program */
	if (kind == DOM_MAP)
		userbpf_map__put(p);
	else if (kind == DOM_PROG)
		userbpf_prog__put(p);
	launch_in_lib--;
	if (kind != DOM_LINK)
		return 0;
	/* a link's pin holds its descriptor object in the process that
	 * pinned it: released here when that is this one, else by that
	 * one's sync thread (launch_pinned_links_sync), woken now */
	lobj_put(pinned_link_take(p));
	domain_bump();
	return 0;
}

/* ==== entry ==== */

long launch_bpf(int cmd, void *uattr_p, unsigned int size)
{
	union bpf_attr *uattr = uattr_p, a;
	long ret;
	int err;

	if (!uattr)
		return -EFAULT;
	memset(&a, 0, sizeof(a));
	if (ub_safe_read(&a, uattr, size < sizeof(a) ? size : sizeof(a)))
		return -EFAULT;
	{
		/* security_bpf: the domain's lsm/bpf programs (src/probe/lsm.c),
		 * which may deny the command before it runs */
		const uint64_t args[6] = { (uint32_t)cmd, (uint64_t)(uintptr_t)uattr, size };
		int64_t deny = probe_syscall_lsm(SYS_bpf, args);

		if (deny)
			return (long)deny;
	}
	switch (cmd) {
	case BPF_MAP_CREATE:
		return cmd_map_create(&a, size);
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		return cmd_map_elem(cmd, &a, size);
	case BPF_MAP_FREEZE:
		err = xlate(&a.map_fd, LOBJ_MAP);
		return err ? err : ub_call(cmd, &a, size);
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		err = xlate(&a.batch.map_fd, LOBJ_MAP);
		if (err)
			return err;
		ret = ub_call(cmd, &a, size);
		/* the kernel stores the count whatever the outcome */
		if (size >= ATTR_END(batch.count) && UATTR_PUT(uattr, batch.count, a.batch.count))
			ret = -EFAULT;
		return ret;
	case BPF_PROG_LOAD:
		ret = cmd_prog_load(&a, size);
		/* log_true_size (kernel 6.4+), which the command layer left in
		 * our copy: stored in the application's attr through the
		 * checked copy; one that cannot be stored fails the load (the
		 * program released), as the kernel's copy_to_user */
		if (size >= LOG_TRUE_OFF + sizeof(uint32_t) && (ret >= 0 || log_true_ran(&a))) {
			uint32_t v;

			memcpy(&v, (uint8_t *)&a + LOG_TRUE_OFF, sizeof(v));
			if (uwrite((uint64_t)(uintptr_t)uattr + LOG_TRUE_OFF, &v, sizeof(v))) {
				if (ret >= 0) {
					lobj_forget((int)ret);
					launch_real.close((int)ret);
				}
				ret = -EFAULT;
			}
		}
		return ret;
	case BPF_PROG_TEST_RUN:
		err = xlate(&a.test.prog_fd, LOBJ_PROG);
		if (err)
			return err;
		ret = ub_call(cmd, &a, size);
		if ((ret == 0 || ret == -ENOSPC) && size >= ATTR_END(test.duration) &&
		    (UATTR_PUT(uattr, test.data_size_out, a.test.data_size_out) ||
		     UATTR_PUT(uattr, test.retval, a.test.retval) ||
		     UATTR_PUT(uattr, test.duration, a.test.duration) ||
		     (size >= ATTR_END(test.ctx_size_out) &&
		      UATTR_PUT(uattr, test.ctx_size_out, a.test.ctx_size_out))))
			ret = -EFAULT;
		return ret;
	case BPF_OBJ_GET_INFO_BY_FD:
		return cmd_obj_get_info(&a, size, uattr);
	case BPF_BTF_LOAD: {
		const uint32_t unset = UINT32_MAX;
		uint32_t v;

		/* btf_log_true_size (kernel 6.4+, after btf_log_level): what
		 * the command layer stores in our copy (its input is ignored)
		 * goes to the application's attr; one that cannot be stored
		 * fails the load, as the kernel's copy_to_user */
		if (size >= BTF_LOG_TRUE_OFF + sizeof(v))
			memcpy((uint8_t *)&a + BTF_LOG_TRUE_OFF, &unset, sizeof(unset));
		ret = cmd_btf_load(&a, size);
		if (size < BTF_LOG_TRUE_OFF + sizeof(v))
			return ret;
		memcpy(&v, (uint8_t *)&a + BTF_LOG_TRUE_OFF, sizeof(v));
		if (v != unset &&
		    uwrite((uint64_t)(uintptr_t)uattr + BTF_LOG_TRUE_OFF, &v, sizeof(v))) {
			if (ret >= 0) {
				lobj_forget((int)ret);
				launch_real.close((int)ret);
			}
			ret = -EFAULT;
		}
		return ret;
	}
	case BPF_MAP_GET_NEXT_ID:
	case BPF_PROG_GET_NEXT_ID:
	case BPF_BTF_GET_NEXT_ID:
	case BPF_LINK_GET_NEXT_ID:
		ret = cmd_get_next_id(cmd, &a);
		if (!ret)
			ret = UATTR_PUT(uattr, next_id, a.next_id);
		return ret;
	case BPF_MAP_GET_FD_BY_ID:
	case BPF_PROG_GET_FD_BY_ID:
	case BPF_BTF_GET_FD_BY_ID:
	case BPF_LINK_GET_FD_BY_ID:
		return cmd_get_fd_by_id(cmd, &a, size);
	case BPF_PROG_BIND_MAP: {
		struct lobj *p = lobj_get_kind((int)a.prog_bind_map.prog_fd, LOBJ_PROG, &err);
		struct lobj *m;

		if (!p)
			return err;
		lobj_put(p);
		m = lobj_get_kind((int)a.prog_bind_map.map_fd, LOBJ_MAP, &err);
		if (!m)
			return err;
		lobj_put(m);
		return a.prog_bind_map.flags ? -EINVAL : 0;
	}
	case BPF_OBJ_PIN:
		return cmd_obj_pin(&a);
	case BPF_OBJ_GET:
		return cmd_obj_get(&a);
	case BPF_LINK_CREATE:
		if (a.link_create.attach_type == BPF_TRACE_ITER)
			return launch_iter_link(&a);
		return launch_link_create(&a);
	case BPF_ITER_CREATE:
		return launch_iter_create(&a);
	case BPF_RAW_TRACEPOINT_OPEN:
		return launch_raw_tp_open(&a);
	case BPF_ENABLE_STATS:
		return launch_enable_stats(&a);
	default:
		return -EINVAL;
	}
}
#endif /* USERBPF_LAUNCH */
