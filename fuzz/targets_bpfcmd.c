/* SPDX-License-Identifier: MIT */
/*
 * targets_bpfcmd.c - the fuzz target of the bpf() command layer
 * (userbpf_bpf, src/syscall/bpf_cmd.c): see fuzz_bpfcmd_one in targets.h
 * for the input's layout.
 *
 * Every pointer the commands read or write is made to point into one
 * region this target owns (64 KiB between two inaccessible guard pages),
 * or into a guard page: the fuzzer chooses offsets, never addresses, so a
 * command that copies too much faults in a guard page (EFAULT through the
 * platform's safe copies) instead of scribbling over the fuzzer's heap.
 * Invariants checked after every command (abort() otherwise):
 *  - a failure sets an errno the kernel's bpf() can return;
 *  - a success is a new handle (>= 3, naming an object of the command's
 *    kind) for the commands that make one, and 0 for the others;
 *  - an update of a hash, array or LRU hash map without BTF reads back
 *    what was written (unless the handle is write-only);
 * and at the end of the input, after every handle it made is closed: no
 * map or program it created can still be found by id (a reference was
 * leaked), and LeakSanitizer finds every allocation freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "userbpf/syscall.h"
#include "userbpf/map.h"
#include "targets.h"

#define REGION_SZ (64u << 10)
#define GUARD_SZ 4096u
#define MAX_HANDLES 64
#define MAX_IDS 64

static uint8_t *region; /* REGION_SZ bytes between two PROT_NONE pages */

static uint8_t *owned_region(void)
{
	uint8_t *p;

	if (region)
		return region;
	p = mmap(NULL, REGION_SZ + 2 * GUARD_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + GUARD_SZ, REGION_SZ, PROT_READ | PROT_WRITE)) {
		munmap(p, REGION_SZ + 2 * GUARD_SZ);
		return NULL;
	}
	region = p + GUARD_SZ;
	return region;
}

/*
 * A pointer field as the fuzzer wrote it -> an address: 0 stays NULL;
 * otherwise bits 0-15 are an offset, bits 16-17 choose the owned region
 * (0-2) or the guard page after it (3).
 */
static uint64_t fix_ptr(uint64_t v)
{
	uint32_t off = (uint32_t)(v & 0xffff) % REGION_SZ;

	if (!v)
		return 0;
	if (((v >> 16) & 3) == 3)
		return (uint64_t)(uintptr_t)(region + REGION_SZ + (off & (GUARD_SZ - 1)));
	return (uint64_t)(uintptr_t)(region + off);
}

/* Offsets of the pointer fields of each command's attr. */
#define PTR(f) offsetof(union bpf_attr, f)
static size_t ptr_fields(int cmd, size_t *offs)
{
	size_t n = 0;

	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		offs[n++] = PTR(key);
		offs[n++] = PTR(value);
		break;
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		offs[n++] = PTR(batch.in_batch);
		offs[n++] = PTR(batch.out_batch);
		offs[n++] = PTR(batch.keys);
		offs[n++] = PTR(batch.values);
		break;
	case BPF_PROG_LOAD:
		offs[n++] = PTR(insns);
		offs[n++] = PTR(license);
		offs[n++] = PTR(log_buf);
		offs[n++] = PTR(func_info);
		offs[n++] = PTR(line_info);
		offs[n++] = PTR(fd_array);
		offs[n++] = PTR(core_relos);
		break;
	case BPF_PROG_TEST_RUN:
		offs[n++] = PTR(test.data_in);
		offs[n++] = PTR(test.data_out);
		offs[n++] = PTR(test.ctx_in);
		offs[n++] = PTR(test.ctx_out);
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		offs[n++] = PTR(info.info);
		break;
	case BPF_BTF_LOAD:
		offs[n++] = PTR(btf);
		offs[n++] = PTR(btf_log_buf);
		break;
	default:
		break;
	}
	return n;
}

/* What the kernel's bpf() may answer (and userbpf_bpf documents). */
static bool kernel_errno(int e)
{
	switch (e) {
	case EPERM:
	case ENOENT:
	case E2BIG:
	case EBADF:
	case EAGAIN:
	case ENOMEM:
	case EACCES:
	case EFAULT:
	case EBUSY:
	case EEXIST:
	case EINVAL:
	case EMFILE:
	case ENOSPC:
	case ERANGE:
	case EOPNOTSUPP:
	case 524: /* ENOTSUPP */
	case ELOOP:
	case EBADFD: /* bpf_obj_get_info_by_fd() of a closed handle */
	case ENOTSOCK:
	case EINTR:
		return true;
	default:
		return false;
	}
}

struct cmd_state {
	int handles[MAX_HANDLES];
	size_t handle_cnt;
	uint32_t map_ids[MAX_IDS], prog_ids[MAX_IDS];
	size_t map_id_cnt, prog_id_cnt;
};

static void note_id(uint32_t *ids, size_t *cnt, uint32_t id)
{
	size_t i;

	for (i = 0; i < *cnt; i++)
		if (ids[i] == id)
			return;
	if (*cnt < MAX_IDS)
		ids[(*cnt)++] = id;
}

/*
 * Keep a new map or program handle, and the id of the object when this
 * input created it (by id, a handle may reach objects that were there
 * before: in the test runner's replay, other tests' maps).
 */
static void note_handle(struct cmd_state *st, int fd, bool is_map, bool created)
{
	union bpf_attr a;
	struct bpf_map_info mi;
	struct bpf_prog_info pi;

	if (st->handle_cnt < MAX_HANDLES)
		st->handles[st->handle_cnt++] = fd;
	else
		userbpf_close(fd);
	if (!created)
		return;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	if (is_map) {
		memset(&mi, 0, sizeof(mi));
		a.info.info_len = sizeof(mi);
		a.info.info = (uint64_t)(uintptr_t)&mi;
		if (!userbpf_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
			note_id(st->map_ids, &st->map_id_cnt, mi.id);
	} else {
		memset(&pi, 0, sizeof(pi));
		a.info.info_len = sizeof(pi);
		a.info.info = (uint64_t)(uintptr_t)&pi;
		if (!userbpf_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
			note_id(st->prog_ids, &st->prog_id_cnt, pi.id);
	}
}

/* After a successful update: a plain map reads back the value written. */
static void check_readback(const union bpf_attr *in)
{
	struct userbpf_map *m = userbpf_map_by_fd((int)in->map_fd);
	union bpf_attr a;
	uint32_t type, vsize;
	uint8_t *got;

	if (!m || in->flags > BPF_EXIST || !in->key || !in->value)
		return;
	type = userbpf_map__type(m);
	if (type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_ARRAY &&
	    type != BPF_MAP_TYPE_LRU_HASH)
		return;
	{
		/* maps with BTF may hold spin locks or timers, which an
		 * update does not copy */
		struct bpf_map_info mi;

		memset(&mi, 0, sizeof(mi));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = in->map_fd;
		a.info.info_len = sizeof(mi);
		a.info.info = (uint64_t)(uintptr_t)&mi;
		if (userbpf_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) || mi.btf_id ||
		    mi.btf_value_type_id)
			return;
	}
	vsize = userbpf_map__value_size(m);
	got = malloc(vsize ? vsize : 1);
	if (!got)
		return;
	memset(&a, 0, sizeof(a));
	a.map_fd = in->map_fd;
	a.key = in->key;
	a.value = (uint64_t)(uintptr_t)got;
	/* EPERM: a write-only handle (BPF_F_WRONLY, which info does not
	 * show, as in the kernel) */
	if (userbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) ?
		    errno != EPERM :
		    memcmp(got, (const void *)(uintptr_t)in->value, vsize))
		abort(); /* an update that succeeded did not stick */
	free(got);
}

/* Commands whose success is a new handle, and of what kind (1 map, 2 prog, 3 BTF). */
static int makes_handle(int cmd)
{
	switch (cmd) {
	case BPF_MAP_CREATE:
	case BPF_MAP_GET_FD_BY_ID:
		return 1;
	case BPF_PROG_LOAD:
	case BPF_PROG_GET_FD_BY_ID:
		return 2;
	case BPF_BTF_LOAD:
		return 3;
	default:
		return 0;
	}
}

/* Sizes a size selector byte >= 0xf0 stands for. */
static uint32_t hostile_size(uint8_t sel)
{
	static const uint32_t sizes[16] = {
		sizeof(union bpf_attr),
		sizeof(union bpf_attr) + 1,
		sizeof(union bpf_attr) + 8,
		sizeof(union bpf_attr) + 64,
		4095,
		4096,
		4097,
		8192,
		0x7fffffff,
		0xffffffffu,
		1,
		7,
		8,
		48,
		72,
		128,
	};

	return sizes[sel & 15];
}

static bool map_create_is_small(const union bpf_attr *a)
{
	uint64_t per = (uint64_t)a->key_size + a->value_size + 64;

	/* a valid map of a million entries is a legitimate 100 MB
	 * allocation, not a bug: such creations are skipped */
	return a->max_entries <= (1u << 16) && per * a->max_entries <= (64u << 20);
}

int fuzz_bpfcmd_one(const uint8_t *data, size_t size)
{
	struct cmd_state st;
	size_t pos = 0, i;
	uint8_t *buf = owned_region();

	static int trace = -1;

	if (!buf)
		return 0;
	if (trace < 0)
		trace = getenv("FUZZ_BPFCMD_TRACE") != NULL;
	memset(buf, 0, REGION_SZ);
	memset(&st, 0, sizeof(st));
	while (pos + 3 <= size) {
		int cmd = data[pos] % 40, ret, err, kind;
		uint8_t sel = data[pos + 1];
		size_t n = data[pos + 2], offs[8], np;
		uint32_t attr_size;
		size_t attr_off;
		union bpf_attr *a;

		pos += 3;
		if (n > size - pos)
			n = size - pos;
		/* The attr sits in the owned region too: its tail (size past
		 * the union) is read from there.  Bit 7 of n's byte set: at the
		 * region's end, so a long size reaches the guard page. */
		attr_size = sel < 0xf0 ? sel : hostile_size(sel);
		attr_off = (data[pos - 1] & 0x80) ? REGION_SZ - 256 : 0;
		n &= 0x7f;
		if (n > sizeof(union bpf_attr))
			n = sizeof(union bpf_attr);
		a = (union bpf_attr *)(buf + attr_off);
		memset(a, 0, 256);
		memcpy(a, data + pos, n);
		pos += n;
		/* then a patch of the region: length, 2-byte offset, bytes */
		if (pos + 3 <= size) {
			size_t len = data[pos], off = (size_t)(data[pos + 1] | data[pos + 2] << 8);

			pos += 3;
			if (len > size - pos)
				len = size - pos;
			if (off >= 512 && off + len <= REGION_SZ - 256)
				memcpy(buf + off, data + pos, len);
			pos += len;
		}
		np = ptr_fields(cmd, offs);
		for (i = 0; i < np; i++) {
			uint64_t v;

			memcpy(&v, (uint8_t *)a + offs[i], 8);
			v = fix_ptr(v);
			memcpy((uint8_t *)a + offs[i], &v, 8);
		}
		if (cmd == BPF_MAP_CREATE && !map_create_is_small(a))
			continue;
		if (cmd == BPF_PROG_TEST_RUN)
			a->test.repeat &= 7; /* time, not coverage */
		ret = userbpf_bpf(cmd, a, attr_size);
		err = errno;
		kind = makes_handle(cmd);
		/* FUZZ_BPFCMD_TRACE=1: what an input does, for minimizing by hand */
		if (trace)
			fprintf(stderr, "cmd %d size %u attr+%zu: %d (%s)\n", cmd, attr_size,
				attr_off, ret, ret < 0 ? strerror(err) : "ok");
		if (ret < 0) {
			if (ret != -1 || !kernel_errno(err))
				abort();
			continue;
		}
		if (!kind) {
			if (ret != 0)
				abort();
			if (cmd == BPF_MAP_UPDATE_ELEM)
				check_readback(a);
			continue;
		}
		if (ret < 3 || (kind == 1 && !userbpf_map_by_fd(ret)) ||
		    (kind == 2 && !userbpf_prog_by_fd(ret)))
			abort();
		if (kind == 3) {
			if (st.handle_cnt < MAX_HANDLES)
				st.handles[st.handle_cnt++] = ret;
			else
				userbpf_close(ret);
		} else {
			note_handle(&st, ret, kind == 1,
				    cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD);
		}
	}
	for (i = 0; i < st.handle_cnt; i++)
		if (userbpf_close(st.handles[i]))
			abort(); /* a handle it made vanished */
	/* every reference went with the handles: nothing is found by id */
	for (i = 0; i < st.map_id_cnt + st.prog_id_cnt; i++) {
		union bpf_attr a;
		int fd;

		memset(&a, 0, sizeof(a));
		if (i < st.map_id_cnt) {
			a.map_id = st.map_ids[i];
			fd = userbpf_bpf(BPF_MAP_GET_FD_BY_ID, &a, sizeof(a));
		} else {
			a.prog_id = st.prog_ids[i - st.map_id_cnt];
			fd = userbpf_bpf(BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
		}
		if (trace)
			fprintf(stderr, "%s id %u after close: %d\n",
				i < st.map_id_cnt ? "map" : "prog",
				i < st.map_id_cnt ? a.map_id : a.prog_id, fd);
		if (fd >= 0)
			abort(); /* a map or program outlived every handle */
	}
	return 0;
}
