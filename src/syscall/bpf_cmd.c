/* SPDX-License-Identifier: MIT */
/*
 * bpf_cmd.c - userbpf_bpf(): the kernel's bpf() commands over userbpf
 * objects, with the kernel's attr rules (size, zero tails, per-command
 * last field) and errno values, and the handle table that stands in for
 * file descriptors.
 *
 * Owns: handles (lowest free number from 3, each holding a reference),
 * attr validation, command dispatch, PROG_LOAD (lddw map references,
 * license, log buffer), PROG_TEST_RUN, OBJ_GET_INFO_BY_FD, BTF_LOAD.
 * Does not own: map semantics (src/maps), program execution (src/vm,
 * src/progs).
 */
#include "util/ubc.h"
#include <stdbool.h>

#include "loader/loader_int.h"
#include "syscall/btf_check.h"
#include "maps/map.h"
#include "userbpf/progs.h"
#include "userbpf/syscall.h"
#include "userbpf/verifier.h"
#include "helpers/kfunc.h"
#include "util/alloc.h"
#include "util/platform_int.h"
#include "vm/vm_int.h"

#define PAGE_SIZE_ATTR 4096u
#define FIRST_FD 3
#define MAX_FDS 65536
/* BPF_COMPLEXITY_LIMIT_INSNS: the kernel's cap for a privileged load */
#define KERNEL_MAX_INSNS 1000000u
/* BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED */
#define KERNEL_LOG_MASK 15u

/* ==== Handle table ==== */

enum fd_kind { FD_NONE, FD_MAP, FD_PROG, FD_BTF };

struct btf_obj {
	uint32_t id;
	uint32_t size;
	uint8_t *data;
};

struct fd_entry {
	enum fd_kind kind;
	unsigned fmode; /* maps: UB_FMODE_* */
	void *obj;
};

static ub_lock_t fd_lock = UB_LOCK_INIT;
static struct fd_entry *fds;
static int fd_cap;
static uint32_t next_btf_id;

/* A child forked without exec whose memory, this table among it, is its
 * parent's too (the arena of a launch domain): it starts an empty table
 * of its own and never touches the parent's (whose handles hold the
 * parent's references).  Called in the child right after fork, by
 * src/launch/sync.c only. */
void ub_bpf_handles_forget(void);
void ub_bpf_handles_forget(void)
{
	fd_lock = (ub_lock_t)UB_LOCK_INIT;
	fds = NULL;
	fd_cap = 0;
}

/* The table's memory (NULL before the first handle): a launch domain
 * frees it when this process dies without freeing it. */
void *ub_bpf_handles_mem(void);
void *ub_bpf_handles_mem(void)
{
	return fds;
}

/* Install obj (reference already taken) at the lowest free handle. */
static int fd_install(enum fd_kind kind, void *obj, unsigned fmode)
{
	int fd, err = -EMFILE;

	ub_lock(&fd_lock);
	for (fd = FIRST_FD; fd < fd_cap; fd++)
		if (fds[fd].kind == FD_NONE)
			break;
	if (fd >= fd_cap) {
		int cap = fd_cap ? fd_cap * 2 : 64;
		struct fd_entry *n;

		if (cap > MAX_FDS)
			goto out;
		n = ub_calloc((size_t)cap, sizeof(*n));
		err = -ENOMEM;
		if (!n)
			goto out;
		if (fds)
			memcpy(n, fds, (size_t)fd_cap * sizeof(*n));
		ub_free(fds);
		fds = n;
		fd = fd_cap > FIRST_FD ? fd_cap : FIRST_FD;
		fd_cap = cap;
	}
	fds[fd] = (struct fd_entry){ kind, fmode, obj };
	err = fd;
out:
	ub_unlock(&fd_lock);
	return err;
}

static void obj_put(enum fd_kind kind, void *obj)
{
	struct btf_obj *btf = obj;

	switch (kind) {
	case FD_MAP:
		ub_map_put(obj);
		break;
	case FD_PROG:
		userbpf_prog__put(obj);
		break;
	case FD_BTF:
		ub_free(btf->data);
		ub_free(btf);
		break;
	default:
		break;
	}
}

/* Look up fd with a new reference; -EBADF if closed. */
static int fd_get(int fd, struct fd_entry *out)
{
	int err = -EBADF;

	ub_lock(&fd_lock);
	if (fd >= FIRST_FD && fd < fd_cap && fds[fd].kind != FD_NONE) {
		*out = fds[fd];
		if (out->kind == FD_MAP)
			ub_map_get(out->obj);
		else if (out->kind == FD_PROG)
			userbpf_prog__get(out->obj);
		err = 0;
	}
	ub_unlock(&fd_lock);
	return err;
}

/*
 * Commands: descriptors 0-2 are never handles; when open (the standard
 * streams) the kernel finds a file that is no bpf object: EINVAL, not
 * EBADF.  Handle resolvers inside maps keep plain EBADF (the map layer
 * then tries the number as an id).
 */
static int cmd_fd_get(int fd, struct fd_entry *out)
{
	int err = fd_get(fd, out);

	if (err == -EBADF && fd >= 0 && fd < FIRST_FD && ub_host_fd_is_open(fd))
		err = -EINVAL;
	return err;
}

static void entry_put(struct fd_entry *e)
{
	if (e->kind == FD_MAP || e->kind == FD_PROG)
		obj_put(e->kind, e->obj);
}

/* The map behind fd with a reference: -EBADF closed, -EINVAL not a map. */
static int map_get_from(int (*get)(int, struct fd_entry *), int fd, struct ub_map **map,
			unsigned *fmode)
{
	struct fd_entry e;
	int err = get(fd, &e);

	if (err)
		return err;
	if (e.kind != FD_MAP) {
		entry_put(&e);
		return -EINVAL;
	}
	*map = e.obj;
	if (fmode)
		*fmode = e.fmode;
	return 0;
}

static int map_get(int fd, struct ub_map **map, unsigned *fmode)
{
	return map_get_from(cmd_fd_get, fd, map, fmode);
}

static int prog_get_from(int (*get)(int, struct fd_entry *), int fd, struct userbpf_prog **prog)
{
	struct fd_entry e;
	int err = get(fd, &e);

	if (err)
		return err;
	if (e.kind != FD_PROG) {
		entry_put(&e);
		return -EINVAL;
	}
	*prog = e.obj;
	return 0;
}

static int prog_get(int fd, struct userbpf_prog **prog)
{
	return prog_get_from(cmd_fd_get, fd, prog);
}

int userbpf_close(int fd)
{
	struct fd_entry e = { FD_NONE, 0, NULL };

	ub_lock(&fd_lock);
	if (fd >= FIRST_FD && fd < fd_cap) {
		e = fds[fd];
		fds[fd].kind = FD_NONE;
		fds[fd].obj = NULL;
	}
	ub_unlock(&fd_lock);
	if (e.kind == FD_NONE) {
		errno = EBADF;
		return -1;
	}
	obj_put(e.kind, e.obj);
	return 0;
}

int userbpf_map_fd(struct userbpf_map *pmap)
{
	struct ub_map *map = ub_map_from(pmap);
	int fd;

	if (!map)
		return -EINVAL;
	ub_map_get(map);
	fd = fd_install(FD_MAP, map, ub_map_default_fmode(map));
	if (fd < 0)
		ub_map_put(map);
	return fd;
}

int userbpf_prog_fd(struct userbpf_prog *prog)
{
	int fd;

	if (!prog)
		return -EINVAL;
	userbpf_prog__get(prog);
	fd = fd_install(FD_PROG, prog, 0);
	if (fd < 0)
		userbpf_prog__put(prog);
	return fd;
}

struct userbpf_map *userbpf_map_by_fd(int fd)
{
	struct ub_map *map;
	int err = map_get(fd, &map, NULL);

	if (err) {
		errno = -err;
		return NULL;
	}
	ub_map_put(map); /* borrowed: the handle keeps it alive */
	return ub_map_to_public(map);
}

struct userbpf_prog *userbpf_prog_by_fd(int fd)
{
	struct userbpf_prog *prog;
	int err = prog_get(fd, &prog);

	if (err) {
		errno = -err;
		return NULL;
	}
	userbpf_prog__put(prog);
	return prog;
}

/* ==== Handles stored in maps: prog arrays and map-in-map ==== */

static void prog_ref_get(void *p)
{
	userbpf_prog__get(p);
}
static void prog_ref_put(void *p)
{
	userbpf_prog__put(p);
}

static void *prog_from_handle(uint32_t handle, uint32_t *prog_id, int *err)
{
	struct userbpf_prog *prog;

	*err = prog_get_from(fd_get, (int)handle, &prog);
	if (*err)
		return NULL;
	*prog_id = userbpf_prog__id(prog);
	return prog;
}

/*
 * Map-in-map values are handles inside a bpf() command and map IDs in the
 * library API (userbpf_map__update_elem), whichever was called first.
 */
static UB_TLS int in_bpf_cmd;

static struct ub_map *map_from_handle(uint32_t handle, int *err)
{
	struct ub_map *map = NULL;

	if (!in_bpf_cmd) {
		map = ub_map_get_by_id(handle);
		*err = map ? 0 : -EBADF;
		return map;
	}
	*err = map_get_from(fd_get, (int)handle, &map, NULL);
	return *err ? NULL : map;
}

static const struct ub_prog_ref_ops prog_ref_ops = {
	.get = prog_ref_get,
	.put = prog_ref_put,
	.from_handle = prog_from_handle,
};

static void install_resolvers(void)
{
	ub_prog_array_set_ref_ops(&prog_ref_ops);
	ub_map_set_handle_resolver(map_from_handle);
}

/* ==== attr rules ==== */

#define ATTR_END(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

/* Bytes after the command's last field must be zero (CHECK_ATTR). */
static bool attr_tail_zero(const union bpf_attr *attr, size_t end)
{
	const uint8_t *p = (const uint8_t *)attr;
	size_t i;

	for (i = end; i < sizeof(*attr); i++)
		if (p[i])
			return false;
	return true;
}

static void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/*
 * User memory (the caller's keys, values, buffers) is touched only
 * through the platform's copies, into and out of kernel-side buffers, as
 * the kernel does: a bad pointer is EFAULT, never a fault here.  0 or
 * -EFAULT; size 0 copies nothing (and never fails).
 */
static int copy_in(void *dst, uint64_t user, size_t size)
{
	return ub_copy_from_user(dst, uptr(user), size);
}

static int copy_out(uint64_t user, const void *src, size_t size)
{
	return ub_copy_to_user(uptr(user), src, size);
}

/* strncpy_from_user(): at most size - 1 bytes and a NUL into dst, read
 * page by page (a string that ends before an unmapped page reads);
 * -EFAULT when a byte before the NUL is not readable. */
static int copy_str_in(char *dst, uint64_t user, size_t size)
{
	size_t done = 0;

	while (done < size - 1) {
		size_t chunk = 4096 - ((user + done) & 4095), i;

		if (chunk > size - 1 - done)
			chunk = size - 1 - done;
		if (copy_in(dst + done, user + done, chunk))
			return -EFAULT;
		for (i = 0; i < chunk; i++)
			if (!dst[done + i])
				return 0;
		done += chunk;
	}
	dst[done] = '\0';
	return 0;
}

/* A kernel-side copy of a key or value: on the stack when small (the
 * common case: no allocation on the bpf() path), else allocated. */
#define KBUF_SMALL 256
struct kbuf {
	void *p;
	uint64_t small[KBUF_SMALL / 8];
};

static void kbuf_init(struct kbuf *b)
{
	b->p = NULL;
}

static void *kbuf_get(struct kbuf *b, size_t size)
{
	b->p = size <= sizeof(b->small) ? (void *)b->small : ub_alloc(size);
	return b->p;
}

static void kbuf_put(struct kbuf *b)
{
	if (b->p != (void *)b->small)
		ub_free(b->p);
	b->p = NULL;
}

/* ==== Map commands ==== */

static bool obj_name_ok(const char *name, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return false;
		out[i] = c;
	}
	if (i == len)
		return false; /* not NUL-terminated */
	out[i] = '\0';
	return true;
}

/*
 * btf_get_by_fd() for a map's value type: the spin lock offset of
 * type_id (when set) in the BTF object behind handle fd, into *spin_off.
 * The object is read under the handle table's lock: a BTF object has no
 * reference count (fd_get takes none for it), and a close from another
 * thread frees it.  0, -EBADF (closed), -EINVAL (not BTF; and a standard
 * stream that is open, as the kernel finds a file that is no BTF).
 */
static int btf_fd_value_info(int fd, uint32_t type_id, uint32_t *spin_off)
{
	struct userbpf_btf *btf = NULL;
	int err = -EBADF;

	ub_lock(&fd_lock);
	if (fd >= FIRST_FD && fd < fd_cap && fds[fd].kind != FD_NONE) {
		err = -EINVAL;
		if (fds[fd].kind == FD_BTF) {
			const struct btf_obj *b = fds[fd].obj;

			/* (the parse copies what it keeps) */
			btf = type_id ? userbpf_btf__parse_mem(b->data, b->size) : NULL;
			err = 0;
		}
	}
	ub_unlock(&fd_lock);
	if (err == -EBADF && fd >= 0 && fd < FIRST_FD && ub_host_fd_is_open(fd))
		err = -EINVAL;
	if (btf) {
		*spin_off = ub_btf_spin_lock_off1(btf, type_id);
		userbpf_btf__free(btf);
	}
	return err;
}

static int cmd_map_create(union bpf_attr *a)
{
	USERBPF_OPTS(userbpf_map_create_opts, opts, .map_flags = a->map_flags,
		     .map_extra = a->map_extra, .numa_node = a->numa_node);
	struct ub_map *inner = NULL;
	struct userbpf_map *map;
	char name[BPF_OBJ_NAME_LEN];
	int fd, err;

	if (!attr_tail_zero(a, ATTR_END(map_extra)))
		return -EINVAL;
	if (!obj_name_ok(a->map_name, sizeof(a->map_name), name))
		return -EINVAL;
	if (a->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS || a->map_type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		err = map_get((int)a->inner_map_fd, &inner, NULL);
		if (err)
			return err == -EINVAL ? -EINVAL : -EBADF;
		opts.inner_map = ub_map_to_public(inner);
	}
	/* any BTF type id names the object btf_fd must be (btf_get_by_fd:
	 * also fd 0) */
	if (a->btf_key_type_id || a->btf_value_type_id || a->btf_vmlinux_value_type_id) {
		err = btf_fd_value_info((int)a->btf_fd, a->btf_value_type_id, &opts.spin_lock_off1);
		if (err) {
			if (inner)
				ub_map_put(inner);
			return err;
		}
	}
	map = userbpf_map__create(a->map_type, name, a->key_size, a->value_size, a->max_entries,
				  &opts);
	err = map ? 0 : -errno;
	if (inner)
		ub_map_put(inner);
	if (err)
		return err;
	fd = fd_install(FD_MAP, ub_map_from(map), ub_map_default_fmode(ub_map_from(map)));
	if (fd < 0)
		userbpf_map__put(map);
	return fd;
}

static int cmd_map_elem(int cmd, union bpf_attr *a)
{
	struct kbuf kb, vb;
	struct ub_map *map;
	uint32_t ksize, vsize;
	void *key = NULL, *val;
	unsigned fmode;
	size_t end;
	int err;

	switch (cmd) {
	case BPF_MAP_DELETE_ELEM:
		end = ATTR_END(key);
		break;
	case BPF_MAP_GET_NEXT_KEY:
		end = ATTR_END(next_key);
		break;
	default:
		end = ATTR_END(flags);
	}
	if (!attr_tail_zero(a, end))
		return -EINVAL;
	/* map_lookup_elem / map_lookup_and_delete_elem check flags first */
	if ((cmd == BPF_MAP_LOOKUP_ELEM || cmd == BPF_MAP_LOOKUP_AND_DELETE_ELEM) &&
	    (a->flags & ~(uint64_t)BPF_F_LOCK))
		return -EINVAL;
	err = map_get((int)a->map_fd, &map, &fmode);
	if (err)
		return err;
	ksize = map->key_size;
	vsize = cmd == BPF_MAP_GET_NEXT_KEY ? ksize : ub_map_sys_value_size(map);
	kbuf_init(&kb);
	kbuf_init(&vb);
	/*
	 * The key is copied in; one that does not copy is NULL for the map
	 * code, whose checks before the key (permissions, flags) then come
	 * first and whose key check says EFAULT, as the kernel's order is.
	 * GET_NEXT_KEY differs: NULL there means "the first key".
	 */
	if (a->key) {
		key = kbuf_get(&kb, ksize);
		if (!key) {
			err = -ENOMEM;
			goto out;
		}
		if (copy_in(key, a->key, ksize)) {
			key = NULL;
			if (cmd == BPF_MAP_GET_NEXT_KEY) {
				err = ub_map_sys_perms(map, fmode) & UB_FMODE_READ ? -EFAULT :
										     -EPERM;
				goto out;
			}
		}
	}
	val = cmd == BPF_MAP_DELETE_ELEM ? NULL : kbuf_get(&vb, vsize);
	if (cmd != BPF_MAP_DELETE_ELEM && !val) {
		err = -ENOMEM;
		goto out;
	}
	/*
	 * Outputs (value, next key) are copied out only after the operation
	 * succeeded: a bad or NULL one is EFAULT then, and the operation's
	 * own error otherwise (ENOENT, ENOTSUPP...); an update's value is
	 * copied in before anything is done.
	 */
	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
		err = ub_map_sys_lookup_elem(map, fmode, key, val, a->flags);
		break;
	case BPF_MAP_UPDATE_ELEM:
		if (!a->value || copy_in(val, a->value, vsize))
			val = NULL;
		err = ub_map_sys_update_elem(map, fmode, key, val, a->flags);
		break;
	case BPF_MAP_DELETE_ELEM:
		err = ub_map_sys_delete_elem(map, fmode, key);
		break;
	case BPF_MAP_GET_NEXT_KEY:
		err = ub_map_sys_get_next_key(map, fmode, key, val);
		if (!err && copy_out(a->next_key, val, ksize))
			err = -EFAULT;
		break;
	default:
		err = ub_map_sys_lookup_and_delete_elem(map, fmode, key, val, a->flags);
	}
	if (!err && (cmd == BPF_MAP_LOOKUP_ELEM || cmd == BPF_MAP_LOOKUP_AND_DELETE_ELEM) &&
	    copy_out(a->value, val, vsize))
		err = -EFAULT;
out:
	kbuf_put(&kb);
	kbuf_put(&vb);
	ub_map_put(map);
	return err;
}

static int cmd_map_freeze(union bpf_attr *a)
{
	struct ub_map *map;
	unsigned fmode;
	int err;

	if (!attr_tail_zero(a, ATTR_END(map_fd)))
		return -EINVAL;
	err = map_get((int)a->map_fd, &map, &fmode);
	if (err)
		return err;
	err = ub_map_sys_freeze(map, fmode);
	ub_map_put(map);
	return err;
}

/*
 * Batches run on kernel-side buffers.  Inputs (update and delete keys
 * and values) are copied in a chunk at a time; the generic update and
 * delete copy element by element, so a fault at element i stops there
 * with count i (what came before it done).  Outputs (lookup keys,
 * values, the cursor) are copied out after the operation, with the count
 * the kernel leaves: a fault copying keys or values leaves 0 (the kernel
 * wrote 0 before it started); the cursor of the generic lookup is copied
 * after the count, the hash table's before it.  The checks before any
 * copy (ops, permissions, flags) run first, with a zero count.
 */
#define BATCH_CHUNK_BYTES 16384u

static int batch_inputs(struct ub_map *map, unsigned fmode, int op, union bpf_attr *a)
{
	uint32_t ksize = map->key_size, vsize = op == 2 ? ub_map_sys_value_size(map) : 0;
	uint32_t n = a->batch.count, done = 0, chunk, good, cnt, i;
	size_t esize = (size_t)ksize + vsize;
	uint8_t *keys, *values;
	int err = 0;

	chunk = (uint32_t)(BATCH_CHUNK_BYTES / (esize ? esize : 1));
	if (!chunk)
		chunk = 1;
	if (chunk > n)
		chunk = n;
	keys = ub_calloc(chunk ? chunk : 1, ksize ? ksize : 1);
	values = ub_calloc(chunk ? chunk : 1, vsize ? vsize : 1);
	if (!keys || !values) {
		err = -ENOMEM;
		goto out;
	}
	while (done < n) {
		uint64_t uk = a->batch.keys + (uint64_t)done * ksize;
		uint64_t uv = a->batch.values + (uint64_t)done * vsize;
		struct ub_map_batch b = { .keys = keys,
					  .values = values,
					  .count = &cnt,
					  .elem_flags = a->batch.elem_flags,
					  .flags = a->batch.flags };

		good = n - done < chunk ? n - done : chunk;
		if (copy_in(keys, uk, (size_t)good * ksize) ||
		    copy_in(values, uv, (size_t)good * vsize)) {
			/* find the first element that does not copy */
			for (i = 0; i < good; i++)
				if (copy_in(keys + (size_t)i * ksize, uk + (uint64_t)i * ksize,
					    ksize) ||
				    copy_in(values + (size_t)i * vsize, uv + (uint64_t)i * vsize,
					    vsize))
					break;
			cnt = i;
			err = cnt ? ub_map_sys_batch(map, fmode, op, &b) : 0;
			done += cnt;
			if (!err)
				err = -EFAULT;
			break;
		}
		cnt = good;
		err = ub_map_sys_batch(map, fmode, op, &b);
		done += cnt;
		if (err)
			break;
	}
out:
	a->batch.count = done;
	ub_free(keys);
	ub_free(values);
	return err;
}

static int batch_outputs(struct ub_map *map, unsigned fmode, int op, union bpf_attr *a)
{
	bool generic = map->ops->lookup_batch == ub_map_generic_lookup_batch;
	uint32_t ksize = map->key_size, vsize = ub_map_sys_value_size(map);
	uint32_t n = a->batch.count, room, cursor_size = generic ? ksize : sizeof(uint32_t);
	struct kbuf in, out;
	uint8_t *keys = NULL, *values = NULL;
	struct ub_map_batch b = { .count = &n,
				  .elem_flags = a->batch.elem_flags,
				  .flags = a->batch.flags };
	int err;

	kbuf_init(&in);
	kbuf_init(&out);
	/*
	 * A batch never returns more than max_entries elements (a map never
	 * holds more): room for that many.  The generic lookup keeps the
	 * caller's count (it decides between 0 and ENOENT when the map ends
	 * exactly there); the hash table's bucket walk gives the same answer
	 * with either.
	 */
	room = n < map->max_entries ? n : map->max_entries;
	if (!generic)
		n = room;
	keys = ub_calloc(room ? room : 1, ksize ? ksize : 1);
	values = ub_calloc(room ? room : 1, vsize ? vsize : 1);
	b.out_batch = kbuf_get(&out, cursor_size);
	if (a->batch.in_batch)
		b.in_batch = kbuf_get(&in, cursor_size);
	if (!keys || !values || !b.out_batch || (a->batch.in_batch && !b.in_batch)) {
		err = -ENOMEM;
		goto out;
	}
	if (a->batch.in_batch && copy_in(in.p, a->batch.in_batch, cursor_size)) {
		a->batch.count = 0;
		err = -EFAULT;
		goto out;
	}
	b.keys = keys;
	b.values = values;
	memset(b.out_batch, 0xff, cursor_size);
	err = ub_map_sys_batch(map, fmode, op, &b);
	if (n && (copy_out(a->batch.keys, keys, (size_t)n * ksize) ||
		  copy_out(a->batch.values, values, (size_t)n * vsize))) {
		n = 0; /* the first element copied out faulted */
		err = -EFAULT;
	} else if (generic) {
		/* generic_map_lookup_batch: count written, then the cursor */
		if ((!err || err == -ENOENT) && n &&
		    copy_out(a->batch.out_batch, b.out_batch, ksize))
			err = -EFAULT;
	} else {
		/* htab batch: the cursor is copied before the count, at the end */
		uint32_t idx;

		memcpy(&idx, b.out_batch, sizeof(idx));
		if (idx != 0xffffffffu && copy_out(a->batch.out_batch, &idx, sizeof(idx))) {
			n = 0;
			err = -EFAULT;
		}
	}
	a->batch.count = n;
out:
	kbuf_put(&in);
	kbuf_put(&out);
	ub_free(keys);
	ub_free(values);
	return err;
}

static int cmd_map_batch(int cmd, union bpf_attr *a)
{
	struct ub_map_batch z = { .elem_flags = a->batch.elem_flags, .flags = a->batch.flags };
	struct ub_map *map;
	uint32_t zero = 0;
	unsigned fmode;
	int err, op;

	if (!attr_tail_zero(a, ATTR_END(batch.flags)))
		return -EINVAL;
	err = map_get((int)a->batch.map_fd, &map, &fmode);
	if (err)
		return err;
	op = cmd == BPF_MAP_LOOKUP_BATCH	    ? 0 :
	     cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH ? 1 :
	     cmd == BPF_MAP_UPDATE_BATCH	    ? 2 :
						      3;
	/* the checks before any copy (ops, permissions, flags) first */
	z.count = &zero;
	err = ub_map_sys_batch(map, fmode, op, &z);
	if (!err && a->batch.count)
		err = op >= 2 ? batch_inputs(map, fmode, op, a) : batch_outputs(map, fmode, op, a);
	ub_map_put(map);
	return err;
}

static int cmd_map_get_fd_by_id(union bpf_attr *a)
{
	struct ub_map *map;
	int fd;

	if (!attr_tail_zero(a, ATTR_END(open_flags)))
		return -EINVAL;
	if (a->open_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY))
		return -EINVAL;
	/* bpf_get_file_flag(): read-only and write-only at once */
	if ((a->open_flags & BPF_F_RDONLY) && (a->open_flags & BPF_F_WRONLY))
		return -EINVAL;
	map = ub_map_get_by_id(a->map_id);
	if (!map)
		return -ENOENT;
	fd = fd_install(FD_MAP, map, ub_map_default_fmode(map));
	if (fd < 0)
		ub_map_put(map);
	return fd;
}

/*
 * BPF_PROG_GET_FD_BY_ID: a program is found while some handle holds it
 * (programs made through the library without a handle have no id the
 * command layer can see).  Unknown id: ENOENT, like bpf_prog_by_id().
 */
static int cmd_prog_get_fd_by_id(union bpf_attr *a)
{
	struct userbpf_prog *prog = NULL;
	int fd;

	if (!attr_tail_zero(a, ATTR_END(prog_id)))
		return -EINVAL;
	ub_lock(&fd_lock);
	for (fd = FIRST_FD; fd < fd_cap; fd++)
		if (fds[fd].kind == FD_PROG && userbpf_prog__id(fds[fd].obj) == a->prog_id) {
			prog = fds[fd].obj;
			userbpf_prog__get(prog);
			break;
		}
	ub_unlock(&fd_lock);
	if (!prog)
		return -ENOENT;
	fd = fd_install(FD_PROG, prog, 0);
	if (fd < 0)
		userbpf_prog__put(prog);
	return fd;
}

/* ==== PROG_LOAD ==== */

struct load_ctx {
	const union bpf_attr *attr;
	struct ub_map **maps; /* references the program keeps */
	size_t map_cnt, map_cap;
	int err;
	/* an inner map template's view, which the verifier copies at once
	 * (verifier_map_desc); not thread-local: the agents' static TLS is
	 * bounded (trace_pid_agent_static_tls) */
	struct userbpf_verifier_map inner;
};

static int keep_map(struct load_ctx *lc, struct ub_map *map)
{
	size_t i;

	for (i = 0; i < lc->map_cnt; i++)
		if (lc->maps[i] == map) {
			ub_map_put(map);
			return 0;
		}
	if (lc->map_cnt == lc->map_cap) {
		size_t cap = lc->map_cap ? lc->map_cap * 2 : 8;
		struct ub_map **n = ub_calloc(cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		if (lc->maps)
			memcpy(n, lc->maps, lc->map_cnt * sizeof(*n));
		ub_free(lc->maps);
		lc->maps = n;
		lc->map_cap = cap;
	}
	lc->maps[lc->map_cnt++] = map;
	return 0;
}

struct prog_maps {
	struct ub_map **maps;
	size_t cnt;
};

static void release_maps(void *data)
{
	struct prog_maps *pm = data;
	size_t i;

	for (i = 0; i < pm->cnt; i++)
		ub_map_put(pm->maps[i]);
	ub_free(pm->maps);
	ub_free(pm);
}

/*
 * fd_array[idx], read from the caller's memory when an instruction names
 * it (the kernel reads it lazily too): -EINVAL without an array or with
 * a negative index, -EFAULT when the element is not readable.
 */
static int fd_array_get(const union bpf_attr *a, int32_t idx, int *fd)
{
	int32_t v;

	if (!a->fd_array || idx < 0)
		return -EINVAL;
	if (copy_in(&v, a->fd_array + (uint64_t)idx * sizeof(v), sizeof(v)))
		return -EFAULT;
	*fd = v;
	return 0;
}

/*
 * lddw pseudo sources: map_fd (1), map_value (2), map_idx (5) and
 * map_idx_value (6) through fd_array.  Values become map pointers or
 * addresses inside an array map's single value (direct value access).
 */
static int resolve_ld_imm64(void *cookie, unsigned src, int32_t imm, int32_t next_imm,
			    uint64_t *value)
{
	struct load_ctx *lc = cookie;
	struct ub_map *map;
	int fd = imm, err;

	if (src == BPF_PSEUDO_MAP_IDX || src == BPF_PSEUDO_MAP_IDX_VALUE) {
		err = fd_array_get(lc->attr, imm, &fd);
		if (err)
			return err;
	} else if (src == BPF_PSEUDO_BTF_ID) {
		/* a __ksym's address (helpers/ksym.c; checked before creation) */
		return ub_ksym_resolve(userbpf_btf__kernel(), imm, next_imm, value, NULL, 0);
	} else if (src != BPF_PSEUDO_MAP_FD && src != BPF_PSEUDO_MAP_VALUE) {
		return -EINVAL;
	}
	err = map_get(fd, &map, NULL);
	if (err)
		return err == -EINVAL ? -EINVAL : -EBADF;
	if (src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX) {
		*value = (uint64_t)(uintptr_t)map;
	} else {
		uint32_t key = 0;
		uint8_t *base;

		if (map->map_type != BPF_MAP_TYPE_ARRAY || map->max_entries != 1 || next_imm < 0 ||
		    (uint32_t)next_imm >= map->value_size) {
			ub_map_put(map);
			return -EINVAL;
		}
		base = ub_map_lookup_elem(map, &key);
		*value = (uint64_t)(uintptr_t)(base + next_imm);
	}
	err = keep_map(lc, map);
	if (err)
		ub_map_put(map);
	return err;
}

/*
 * Checked runs may touch the map values lddw map_value points into (a
 * program's global data): one region per map, at most max.
 */
static size_t value_regions(const union bpf_attr *a, const struct userbpf_insn *insns,
			    struct userbpf_mem_region *r, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i + 1 < a->insn_cnt; i++) {
		const struct userbpf_insn *in = &insns[i];
		struct ub_map *map;
		uint32_t key = 0;
		uint8_t *base;
		int fd = in->imm;

		if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
			continue;
		i++; /* second slot */
		if (in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
			if (fd_array_get(a, in->imm, &fd))
				continue;
		} else if (in->src_reg != BPF_PSEUDO_MAP_VALUE) {
			continue;
		}
		if (map_get(fd, &map, NULL))
			continue;
		base = map->map_type == BPF_MAP_TYPE_ARRAY && map->max_entries == 1 ?
			       ub_map_lookup_elem(map, &key) :
			       NULL;
		for (j = 0; base && j < n && r[j].addr != base; j++)
			;
		if (base && j == n && n < max)
			r[n++] = (struct userbpf_mem_region){
				base, map->value_size, !(map->map_flags & USERBPF_F_RDONLY_PROG)
			};
		ub_map_put(map);
	}
	return n;
}

static bool license_is_gpl(const char *l)
{
	static const char *const gpl[] = {
		"GPL",		"GPL v2",	"GPL and additional rights",
		"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"
	};
	size_t i;

	for (i = 0; i < sizeof(gpl) / sizeof(gpl[0]); i++)
		if (!strcmp(l, gpl[i]))
			return true;
	return false;
}

/* Write a verifier-style log; -ENOSPC when it did not fit. */
static int log_write(const union bpf_attr *a, const char *msg)
{
	char *buf = uptr(a->log_buf);
	size_t len = strlen(msg) + 1;

	if (!a->log_level || !buf || !a->log_size)
		return 0;
	if (len > a->log_size) {
		/* keep the tail, like the kernel's rotating log */
		memcpy(buf, msg + len - a->log_size, a->log_size);
		buf[a->log_size - 1] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, msg, len);
	return 0;
}

/*
 * The verifier's view of a map named by a lddw of the program being
 * loaded (map_fd / map_idx through fd_array): type, sizes, flags, spin
 * lock, inner template, and the value of a frozen read-only array.
 */
static int verifier_map_desc(void *cookie, unsigned src, int32_t imm,
			     struct userbpf_verifier_map *out)
{
	struct load_ctx *lc = cookie;
	struct ub_map *map, *in;
	int fd = imm;

	if (src == BPF_PSEUDO_MAP_IDX) {
		int err = fd_array_get(lc->attr, imm, &fd);

		if (err)
			return err;
	}
	if (map_get(fd, &map, NULL))
		return -EBADF;
	memset(out, 0, sizeof(*out));
	out->type = map->map_type;
	out->key_size = map->key_size;
	out->value_size = map->value_size;
	out->max_entries = map->max_entries;
	out->map_flags = map->map_flags;
	out->spin_lock_off = map->spin_lock_off1 ? (int32_t)map->spin_lock_off1 - 1 : -1;
	in = map->inner_map_meta;
	if (in) {
		struct userbpf_verifier_map *inner = &lc->inner;

		memset(inner, 0, sizeof(*inner));
		inner->type = in->map_type;
		inner->key_size = in->key_size;
		inner->value_size = in->value_size;
		inner->max_entries = in->max_entries;
		inner->map_flags = in->map_flags;
		inner->spin_lock_off = -1;
		out->inner = inner; /* copied by the verifier at once */
	}
	if (map->map_type == BPF_MAP_TYPE_ARRAY && map->max_entries == 1 &&
	    (map->map_flags & USERBPF_F_RDONLY_PROG) && atomic_load(&map->frozen)) {
		uint32_t key = 0;

		out->frozen_value = ub_map_lookup_elem(map, &key);
	}
	ub_map_put(map); /* the program holds its own reference (keep_map) */
	return 0;
}

/*
 * BPF_PROG_LOAD verifies, as the kernel does (issue 12): the log goes to
 * log_buf at log_level, a rejection fails the load (-EACCES, -EINVAL,
 * -E2BIG) and frees the program, an accepted program is marked verified
 * (it may run unchecked); a log that did not fit fails with -ENOSPC.
 */
/* log_true_size (kernel 6.4+): the u32 after core_relo_rec_size (uapi
 * headers before 6.4 do not name it).  In the command's own copy of the
 * attr, verify_loaded leaves the whole log's size plus one there (0: the
 * verifier did not run); the dispatcher stores it in the caller's. */
#define LOG_TRUE_OFF ATTR_END(core_relo_rec_size)
_Static_assert(sizeof(union bpf_attr) >= LOG_TRUE_OFF + sizeof(uint32_t),
	       "log_true_size inside the attr's copy");

static void log_true_set(union bpf_attr *a, uint32_t v)
{
	memcpy((uint8_t *)a + LOG_TRUE_OFF, &v, sizeof(v));
}

static uint32_t log_true_get(const union bpf_attr *a)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)a + LOG_TRUE_OFF, sizeof(v));
	return v;
}

/* Whether id in the kernel's BTF k is an LSM hook's bpf_lsm_HOOK; *ret_int:
 * it returns int (0 or -errno: [-4095, 0], as bpf_lsm_get_retval_range),
 * not void (any value). */
static bool lsm_hook(const struct userbpf_btf *k, uint32_t id, bool *ret_int)
{
	const struct ub_btf_type *t = k ? ub_btf_type_by_id(k, id) : NULL;
	const char *name = t ? ub_btf_type_name(k, t) : NULL;

	if (!t || ub_btf_kind(t) != USERBPF_BTF_KIND_FUNC || !name || strncmp(name, "bpf_lsm_", 8))
		return false;
	t = ub_btf_type_by_id(k, t->size_type);
	*ret_int = t && t->size_type;
	return true;
}

static int verify_loaded(union bpf_attr *a, struct load_ctx *lc, struct userbpf_prog *prog,
			 const char *license, const struct userbpf_helper *extra, size_t extra_cnt)
{
	struct userbpf_verifier_stats st;
	char *buf = uptr(a->log_buf);
	static const int32_t lsm_range[2] = { -4095, 0 };
	bool ret_int = false;
	int err;
	USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = a->prog_type,
		     .gpl = license_is_gpl(license), .map_desc = verifier_map_desc,
		     .map_desc_cookie = lc, .extra_helpers = extra, .extra_helper_cnt = extra_cnt,
		     .log_level = a->log_level, .log_buf = a->log_level ? buf : NULL,
		     .log_size = a->log_level ? a->log_size : 0, .stats = &st,
		     .expected_attach_type = a->expected_attach_type);

	/* fentry, fexit, tp_btf on the kernel's BTF (attach_btf_id without
	 * an object fd): the context typed by the target's prototype */
	if (a->prog_type == USERBPF_PROG_TYPE_TRACING && a->expected_attach_type >= 23 &&
	    a->expected_attach_type <= 25 && a->attach_btf_id && !a->attach_prog_fd) {
		vo.attach_btf = userbpf_btf__kernel();
		vo.attach_btf_id = a->attach_btf_id;
	}
	/* LSM (BPF_LSM_MAC) on the kernel's bpf_lsm_HOOK: its prototype, and
	 * an int hook's return range (src/probe/lsm.c runs them) */
	if (a->prog_type == USERBPF_PROG_TYPE_LSM && !a->attach_btf_id) {
		/* bpf_check_attach_target() */
		log_write(a, "Tracing programs must provide btf_id\n");
		return -EINVAL;
	}
	if (a->prog_type == USERBPF_PROG_TYPE_LSM && a->expected_attach_type == 27 &&
	    a->attach_btf_id && !a->attach_prog_fd &&
	    lsm_hook(userbpf_btf__kernel(), a->attach_btf_id, &ret_int)) {
		vo.attach_btf = userbpf_btf__kernel();
		vo.attach_btf_id = a->attach_btf_id;
		vo.ret_range = ret_int ? lsm_range : NULL;
	}
	if (ub_ksym_used(uptr(a->insns), a->insn_cnt) &&
	    (!vo.attach_btf || vo.attach_btf == userbpf_btf__kernel()))
		vo.ksym_btf = userbpf_btf__kernel(); /* what ksyms and kfuncs name */
	memset(&st, 0, sizeof(st));
	err = userbpf_verify(uptr(a->insns), a->insn_cnt, &vo);
	log_true_set(a, (a->log_level && buf ? (uint32_t)st.log_true_size : 0) + 1);
	if (!err && a->log_level && buf && st.log_true_size > a->log_size)
		err = -ENOSPC;
	if (!err) /* PROBE_MEM loads run on the checked engine */
		vm_prog_set_verified(prog, !st.probe_mem_insns);
	prog->verified_insns = st.insn_processed; /* prog info */
	return err;
}

/* The load itself, on kernel-side copies: a->insns is insns, a->log_buf
 * (when set) a kernel buffer of log_size bytes. */
static int prog_load_k(union bpf_attr *a, const struct userbpf_insn *insns, const char *license,
		       const char *name)
{
	struct load_ctx lc = { .attr = a };
	struct prog_maps *pm = NULL;
	struct userbpf_prog *prog = NULL;
	char msg[512] = "";
	const struct userbpf_helper *extra;
	size_t extra_cnt, i;
	int fd, err;

	/* kfuncs and __ksym addresses named by BTF id (the kernel's
	 * add_subprog_and_kfunc and resolve_pseudo_ldimm64, before it
	 * verifies): kfunc calls become calls of their helper-table rows */
	if (ub_ksym_used(insns, a->insn_cnt)) {
		err = ub_ksym_prepare((struct userbpf_insn *)(uintptr_t)insns, a->insn_cnt,
				      userbpf_btf__kernel(), a->prog_type, license_is_gpl(license),
				      msg, sizeof(msg));
		if (err) {
			log_write(a, msg);
			return err;
		}
	}
	/* GPL-only helpers need a GPL-compatible license */
	for (i = 0; i < a->insn_cnt; i++) {
		const struct userbpf_helper *h;

		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg)
			continue;
		h = userbpf_helper_by_id((uint32_t)insns[i].imm);
		if (h && (h->proto.flags & USERBPF_HELPER_GPL_ONLY) && !license_is_gpl(license)) {
			snprintf(msg, sizeof(msg),
				 "cannot call GPL-restricted function from non-GPL "
				 "compatible program\n");
			log_write(a, msg);
			return -EINVAL;
		}
	}
	extra = userbpf_prog_type_helpers(a->prog_type, &extra_cnt);
	{
		struct userbpf_mem_region regions[32];
		size_t region_cnt = value_regions(a, insns, regions, 32);
		USERBPF_OPTS(userbpf_prog_opts, po, .name = name, .prog_type = a->prog_type,
			     .extra_helpers = extra, .extra_helper_cnt = extra_cnt,
			     .regions = regions, .region_cnt = region_cnt,
			     .ld_imm64 = resolve_ld_imm64, .ld_imm64_cookie = &lc, .err_buf = msg,
			     .err_buf_sz = sizeof(msg) - 1);
		pm = ub_alloc(sizeof(*pm));
		if (!pm) {
			err = -ENOMEM;
			goto err_out;
		}
		po.on_free = release_maps;
		po.on_free_data = pm;
		prog = userbpf_prog__new(insns, a->insn_cnt, &po);
		if (!prog) {
			err = -errno;
			ub_free(pm);
			pm = NULL;
			if (msg[0]) {
				strcat(msg, "\n");
				log_write(a, msg);
			}
			goto err_out;
		}
	}
	pm->maps = lc.maps;
	pm->cnt = lc.map_cnt;
	lc.maps = NULL;
	lc.map_cnt = 0;
	lc.attr = a;
	err = verify_loaded(a, &lc, prog, license, extra, extra_cnt);
	if (err) {
		userbpf_prog__put(prog);
		return err;
	}
	ub_kfunc_prepare(prog); /* the task kfuncs' images, before any run */
	fd = fd_install(FD_PROG, prog, 0);
	if (fd < 0)
		userbpf_prog__put(prog);
	return fd;

err_out:
	for (i = 0; i < lc.map_cnt; i++)
		ub_map_put(lc.maps[i]);
	ub_free(lc.maps);
	return err;
}

/*
 * bpf_prog_load()'s order: attr, insn count (before the buffer is read),
 * instructions copied in, license copied in (strncpy_from_user), type
 * (find_prog_type() comes after the copies), name; then bpf_check()'s
 * log attr rules.  The verifier's log is written into a kernel buffer
 * and copied out at the end: a log that does not copy fails the load
 * with EFAULT (bpf_vlog_finalize), whatever the verdict was.
 */
static int cmd_prog_load(union bpf_attr *a)
{
	char license[128], name[BPF_OBJ_NAME_LEN], *klog = NULL;
	uint64_t ulog = a->log_buf;
	struct userbpf_insn *insns;
	size_t len;
	int ret;

	if (!attr_tail_zero(a, ATTR_END(core_relo_rec_size)))
		return -EINVAL;
	if (a->insn_cnt == 0 || a->insn_cnt > KERNEL_MAX_INSNS || a->insn_cnt > USERBPF_MAX_INSNS)
		return -E2BIG;
	insns = ub_calloc(a->insn_cnt, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_in(insns, a->insns, (size_t)a->insn_cnt * sizeof(*insns)))
		goto out;
	if (copy_str_in(license, a->license, sizeof(license)))
		goto out;
	ret = -EINVAL;
	if (!userbpf_prog_type_name(a->prog_type))
		goto out;
	if (!obj_name_ok(a->prog_name, sizeof(a->prog_name), name))
		goto out;
	/* bpf_verifier_log_attr_valid() */
	if (!a->log_buf != !a->log_size || (a->log_buf && !a->log_level) ||
	    (a->log_level & ~KERNEL_LOG_MASK) || a->log_size > (UINT32_MAX >> 2))
		goto out;
	if (ulog) {
		klog = ub_alloc(a->log_size);
		ret = -ENOMEM;
		if (!klog)
			goto out;
		a->log_buf = (uint64_t)(uintptr_t)klog;
	}
	a->insns = (uint64_t)(uintptr_t)insns;
	ret = prog_load_k(a, insns, license, name);
	len = klog ? strnlen(klog, a->log_size) : 0;
	if (len && copy_out(ulog, klog, len < a->log_size ? len + 1 : len)) {
		if (ret >= 0)
			userbpf_close(ret);
		ret = -EFAULT;
	}
out:
	ub_free(klog);
	ub_free(insns);
	return ret;
}

/* ==== PROG_TEST_RUN ==== */

/* Output buffers are kernel-side: a caller's size above this is treated
 * as this (no packet or context comes near it). */
#define TEST_BUF_MAX (16u << 20)

static uint32_t test_buf_size(uint32_t size)
{
	return size < TEST_BUF_MAX ? size : TEST_BUF_MAX;
}

static uint32_t test_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* A kernel copy of size bytes at user (none for size 0): 0, -EFAULT,
 * -ENOMEM. */
static int test_copy_in(void **dst, uint64_t user, uint32_t size)
{
	if (!size)
		return 0;
	if (size > TEST_BUF_MAX)
		return -EINVAL; /* far above what any program type takes */
	*dst = ub_alloc(size);
	if (!*dst)
		return -ENOMEM;
	return copy_in(*dst, user, size);
}

static int cmd_prog_test_run(union bpf_attr *a)
{
	struct userbpf_prog *prog;
	int err;

	if (!attr_tail_zero(a, ATTR_END(test.batch_size)))
		return -EINVAL;
	if (a->test.flags & ~BPF_F_TEST_RUN_ON_CPU)
		return -EINVAL;
	if (!(a->test.flags & BPF_F_TEST_RUN_ON_CPU) && a->test.cpu)
		return -EINVAL;
	if ((a->test.ctx_size_in && !a->test.ctx_in) || (a->test.data_size_in && !a->test.data_in))
		return -EINVAL;
	err = prog_get((int)a->test.prog_fd, &prog);
	if (err)
		return err;
	{
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_size_in = a->test.data_size_in,
			     .data_size_out = test_buf_size(a->test.data_size_out),
			     .ctx_size_in = a->test.ctx_size_in,
			     .ctx_size_out = test_buf_size(a->test.ctx_size_out),
			     .repeat = (int)(a->test.repeat > 0x7fffffff ? 0x7fffffff :
									   a->test.repeat));
		void *data_in = NULL, *data_out = NULL, *ctx_in = NULL, *ctx_out = NULL;

		/* data and context are copied in (bpf_test_init, bpf_ctx_init),
		 * the program runs on kernel buffers, and what it left is
		 * copied out (bpf_test_finish): EFAULT when a copy fails */
		err = test_copy_in(&data_in, a->test.data_in, a->test.data_size_in);
		if (!err)
			err = test_copy_in(&ctx_in, a->test.ctx_in, a->test.ctx_size_in);
		if (!err && a->test.data_out && !(data_out = ub_alloc(t.data_size_out + 1)))
			err = -ENOMEM;
		if (!err && a->test.ctx_out && !(ctx_out = ub_alloc(t.ctx_size_out + 1)))
			err = -ENOMEM;
		if (!err) {
			t.data_in = data_in;
			t.data_out = data_out;
			t.ctx_in = ctx_in;
			t.ctx_out = ctx_out;
			err = userbpf_prog__test_run(prog, &t);
		}
		if ((!err || err == -ENOSPC) &&
		    ((data_out && copy_out(a->test.data_out, data_out,
					   test_min(t.data_size_out, a->test.data_size_out))) ||
		     (ctx_out && copy_out(a->test.ctx_out, ctx_out,
					  test_min(t.ctx_size_out, a->test.ctx_size_out)))))
			err = -EFAULT;
		if (!err || err == -ENOSPC) {
			a->test.retval = t.retval;
			a->test.duration = t.duration;
			a->test.data_size_out = t.data_size_out;
			a->test.ctx_size_out = t.ctx_size_out;
		}
		ub_free(data_in);
		ub_free(data_out);
		ub_free(ctx_in);
		ub_free(ctx_out);
	}
	userbpf_prog__put(prog);
	return err;
}

/* ==== OBJ_GET_INFO_BY_FD ==== */

/*
 * bpf_check_uarg_tail_zero(): more than a page is E2BIG, and the bytes of
 * a bigger caller struct beyond ours must read as zero (EFAULT when they
 * do not read); then the caller's input fields, min(len, size) bytes, are
 * copied into in (zeroed first).
 */
static int info_copy_in(const union bpf_attr *a, void *in, size_t size)
{
	uint32_t len = a->info.info_len;
	uint8_t tail[64];
	size_t i, j, n;

	memset(in, 0, size);
	if (len > PAGE_SIZE_ATTR)
		return -E2BIG;
	for (i = size; i < len; i += n) {
		n = len - i < sizeof(tail) ? len - i : sizeof(tail);
		if (copy_in(tail, a->info.info + i, n))
			return -EFAULT;
		for (j = 0; j < n; j++)
			if (tail[j])
				return -E2BIG;
	}
	return copy_in(in, a->info.info, len < size ? len : size);
}

/* The answer, min(len, size) bytes, copied out; info_len set to that. */
static int copy_info(union bpf_attr *a, const void *info, size_t size)
{
	uint32_t len = a->info.info_len;

	if (len > size)
		len = (uint32_t)size;
	if (copy_out(a->info.info, info, len))
		return -EFAULT;
	a->info.info_len = len;
	return 0;
}

static uint64_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static int cmd_obj_get_info(union bpf_attr *a)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_btf_info btf;
	} in;
	struct fd_entry e;
	int err;

	if (!attr_tail_zero(a, ATTR_END(info.info)))
		return -EINVAL;
	err = cmd_fd_get((int)a->info.bpf_fd, &e);
	if (err)
		return err == -EBADF ? -EBADFD : err; /* bpf_obj_get_info_by_fd() */
	if (e.kind == FD_MAP) {
		struct ub_map *map = e.obj;
		struct bpf_map_info info;

		err = info_copy_in(a, &in.map, sizeof(in.map));
		if (err)
			goto out;
		memset(&info, 0, sizeof(info));
		info.type = map->map_type;
		info.id = map->id;
		info.key_size = map->key_size;
		info.value_size = map->value_size;
		info.max_entries = map->max_entries;
		info.map_flags = map->map_flags;
		info.map_extra = map->map_extra;
		memcpy(info.name, map->name, sizeof(info.name));
		err = copy_info(a, &info, sizeof(info));
	} else if (e.kind == FD_PROG) {
		struct userbpf_prog *prog = e.obj;
		struct bpf_prog_info info;
		size_t bytes = prog->insn_cnt * sizeof(struct userbpf_insn);
		uint64_t tag = fnv1a(prog->insns, bytes);

		err = info_copy_in(a, &in.prog, sizeof(in.prog));
		if (err)
			goto out;
		memset(&info, 0, sizeof(info));
		info.type = prog->prog_type;
		info.id = prog->id;
		memcpy(info.tag, &tag, sizeof(info.tag));
		info.xlated_prog_len = (uint32_t)bytes;
		info.verified_insns = prog->verified_insns;
		strncpy(info.name, prog->name, sizeof(info.name) - 1);
		/* xlated instructions, as many as the caller gave room for
		 * (a NULL or bad buffer with room: EFAULT) */
		if (in.prog.xlated_prog_len) {
			size_t n = in.prog.xlated_prog_len < bytes ? in.prog.xlated_prog_len :
								     bytes;

			if (copy_out(in.prog.xlated_prog_insns, prog->insns, n)) {
				err = -EFAULT;
				goto out;
			}
			info.xlated_prog_insns = in.prog.xlated_prog_insns;
		}
		err = copy_info(a, &info, sizeof(info));
	} else if (e.kind == FD_BTF) {
		struct btf_obj *btf = e.obj;
		struct bpf_btf_info info;

		err = info_copy_in(a, &in.btf, sizeof(in.btf));
		if (err)
			goto out;
		memset(&info, 0, sizeof(info));
		info.id = btf->id;
		info.btf_size = btf->size;
		/* the raw data, as much as the caller gave room for
		 * (btf_get_info_by_fd); btf_size says how much there is */
		if (copy_out(in.btf.btf, btf->data,
			     in.btf.btf_size < btf->size ? in.btf.btf_size : btf->size)) {
			err = -EFAULT;
			goto out;
		}
		info.btf = in.btf.btf;
		err = copy_info(a, &info, sizeof(info));
	} else {
		err = -EINVAL;
	}
out:
	entry_put(&e);
	return err;
}

/* ==== BTF_LOAD ==== */

/* btf_log_true_size (kernel 6.4+): the u32 after btf_log_level, output
 * only (its input is ignored); btf_flags and btf_token_fd follow. */
#define BTF_LOG_TRUE_OFF ATTR_END(btf_log_level)
#define BTF_ATTR_END (BTF_LOG_TRUE_OFF + 3 * sizeof(uint32_t))
#define BPF_LOG_MASK_ALL 15u /* BPF_LOG_LEVEL1 | LEVEL2 | STATS | FIXED */

/*
 * BPF_BTF_LOAD, as the kernel's btf_parse(): attr, size (E2BIG before
 * the log is looked at), the log's attributes (bpf_vlog_init), the blob
 * copied in, then judged by ub_btf_check() with the kernel's log text.
 * *log_ok: the log's attributes were accepted, after which the kernel
 * reports the log's whole size (*true_size) whatever the verdict.  The
 * log's rules (kernel/bpf/log.c): a buffer too small fails the load with
 * ENOSPC, a log that does not copy out with EFAULT, each replacing the
 * verdict.
 */
static int cmd_btf_load(union bpf_attr *a, bool *log_ok, uint32_t *true_size)
{
	struct ub_vlog log;
	struct btf_obj *btf;
	uint64_t flags_token;
	uint8_t *data;
	int fd, err, lerr;

	*log_ok = false;
	*true_size = 0;
	/* btf_flags and btf_token_fd: no token here */
	memcpy(&flags_token, (const uint8_t *)a + BTF_LOG_TRUE_OFF + 4, sizeof(flags_token));
	if (!attr_tail_zero(a, BTF_ATTR_END) || flags_token)
		return -EINVAL;
	if (a->btf_size > (16u << 20))
		return -E2BIG;
	/* the log's attributes (bpf_vlog_init): buffer and size together,
	 * a buffer needs a level, known level bits, a size below 1 GiB */
	if (!!a->btf_log_buf != !!a->btf_log_size || (a->btf_log_buf && !a->btf_log_level) ||
	    (a->btf_log_level & ~BPF_LOG_MASK_ALL) || a->btf_log_size > (UINT32_MAX >> 2))
		return -EINVAL;
	*log_ok = true;
	ub_vlog_init(&log, a->btf_log_level, a->btf_log_buf != 0, a->btf_log_size);
	data = ub_alloc(a->btf_size ? a->btf_size : 1);
	if (!data)
		return -ENOMEM;
	if (copy_in(data, a->btf, a->btf_size))
		err = -EFAULT;
	else
		err = ub_btf_check(data, a->btf_size, &log);
	lerr = ub_vlog_finalize(&log, true_size);
	if (lerr)
		err = lerr;
	if (log.written && copy_out(a->btf_log_buf, log.kbuf, log.written))
		err = -EFAULT;
	ub_vlog_free(&log);
	if (err) {
		ub_free(data);
		return err;
	}
	btf = ub_alloc(sizeof(*btf));
	if (!btf) {
		ub_free(data);
		return -ENOMEM;
	}
	btf->data = data;
	btf->size = a->btf_size;
	btf->id = __atomic_add_fetch(&next_btf_id, 1, __ATOMIC_RELAXED);
	fd = fd_install(FD_BTF, btf, 0);
	if (fd < 0) {
		ub_free(btf->data);
		ub_free(btf);
	}
	return fd;
}

/* ==== Entry point ==== */

int userbpf_bpf(int cmd, union bpf_attr *uattr, unsigned int size)
{
	static ub_once_t once = UB_ONCE_INIT;
	union bpf_attr a;
	int ret;

	ub_once(&once, install_resolvers);
	if (!uattr) {
		errno = EFAULT;
		return -1;
	}
	if (size > PAGE_SIZE_ATTR) {
		errno = E2BIG;
		return -1;
	}
	if (size > sizeof(a)) {
		/* the attr is the caller's (user) memory: platform copies */
		const uint8_t *p = (const uint8_t *)uattr;
		uint8_t tail[64];
		unsigned i, j, n;

		for (i = sizeof(a); i < size; i += n) {
			n = size - i < sizeof(tail) ? size - i : (unsigned)sizeof(tail);
			if (ub_copy_from_user(tail, p + i, n)) {
				errno = EFAULT;
				return -1;
			}
			for (j = 0; j < n; j++)
				if (tail[j]) {
					errno = E2BIG;
					return -1;
				}
		}
		size = sizeof(a);
	}
	memset(&a, 0, sizeof(a));
	if (ub_copy_from_user(&a, uattr, size)) {
		errno = EFAULT;
		return -1;
	}
	in_bpf_cmd++;
	switch (cmd) {
	case BPF_MAP_CREATE:
		ret = cmd_map_create(&a);
		break;
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		ret = cmd_map_elem(cmd, &a);
		break;
	case BPF_MAP_FREEZE:
		ret = cmd_map_freeze(&a);
		break;
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		ret = cmd_map_batch(cmd, &a);
		/* the kernel reports count even on failure */
		if (size >= ATTR_END(batch.count))
			ub_copy_to_user(&uattr->batch.count, &a.batch.count, sizeof(a.batch.count));
		break;
	case BPF_MAP_GET_FD_BY_ID:
		ret = cmd_map_get_fd_by_id(&a);
		break;
	case BPF_PROG_GET_FD_BY_ID:
		ret = cmd_prog_get_fd_by_id(&a);
		break;
	case BPF_PROG_LOAD:
		ret = cmd_prog_load(&a);
		/* kernel 6.4+: once the verifier ran, whatever its verdict,
		 * the log's whole size goes to log_true_size when the attr
		 * has it; a failed copy fails the load (the program released) */
		if (log_true_get(&a) && size >= LOG_TRUE_OFF + sizeof(uint32_t)) {
			uint32_t v = log_true_get(&a) - 1;

			if (ub_copy_to_user((uint8_t *)uattr + LOG_TRUE_OFF, &v, sizeof(v))) {
				if (ret >= 0)
					userbpf_close(ret);
				ret = -EFAULT;
			}
		}
		break;
	case BPF_PROG_TEST_RUN:
		ret = cmd_prog_test_run(&a);
		if ((ret == 0 || ret == -ENOSPC) && size >= ATTR_END(test.duration)) {
			ub_copy_to_user(&uattr->test.retval, &a.test.retval, sizeof(a.test.retval));
			ub_copy_to_user(&uattr->test.duration, &a.test.duration,
					sizeof(a.test.duration));
			ub_copy_to_user(&uattr->test.data_size_out, &a.test.data_size_out,
					sizeof(a.test.data_size_out));
			if (size >= ATTR_END(test.ctx_size_out))
				ub_copy_to_user(&uattr->test.ctx_size_out, &a.test.ctx_size_out,
						sizeof(a.test.ctx_size_out));
		}
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		ret = cmd_obj_get_info(&a);
		if (!ret)
			ub_copy_to_user(&uattr->info.info_len, &a.info.info_len,
					sizeof(a.info.info_len));
		break;
	case BPF_BTF_LOAD: {
		bool log_ok;
		uint32_t true_size;

		ret = cmd_btf_load(&a, &log_ok, &true_size);
		/* kernel 6.4+: once the log's attributes were accepted,
		 * whatever the verdict, the log's whole size goes to
		 * btf_log_true_size when the attr has it; a failed copy
		 * fails the load (the object released) */
		if (log_ok && size >= BTF_LOG_TRUE_OFF + sizeof(uint32_t)) {
			uint32_t v = true_size;

			if (ub_copy_to_user((uint8_t *)uattr + BTF_LOG_TRUE_OFF, &v, sizeof(v))) {
				if (ret >= 0)
					userbpf_close(ret);
				ret = -EFAULT;
			}
		}
		break;
	}
	default:
		ret = -EINVAL;
	}
	in_bpf_cmd--;
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
