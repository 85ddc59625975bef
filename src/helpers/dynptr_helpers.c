// SPDX-License-Identifier: MIT
/*
 * dynptr_helpers.c - the dynptr helpers: bpf_dynptr_from_mem (197),
 * bpf_ringbuf_reserve_dynptr / submit_dynptr / discard_dynptr (198-200),
 * bpf_dynptr_read (201), bpf_dynptr_write (202), bpf_dynptr_data (203),
 * and bpf_user_ringbuf_drain (209), whose callback gets a dynptr per
 * sample.
 *
 * A dynptr is the kernel's struct bpf_dynptr_kern, 16 bytes: the data
 * pointer, a u32 whose bits 0-23 are the size, 24-30 the type (LOCAL 1,
 * RINGBUF 2) and 31 read-only, and a u32 offset; a failed initialisation
 * leaves it all zero (bpf_dynptr_set_null).  A ringbuf dynptr's record is
 * held by the run as bpf_ringbuf_reserve's are (given back when the run
 * ends without submit/discard).  The drain builds one per sample (LOCAL,
 * writable, as the kernel's bpf_dynptr_init) in a per-thread slot and
 * calls the program's callback with (dynptr, ctx).
 *
 * The verifier models dynptrs as the kernel does (src/verifier/verifier.c,
 * "dynptr arguments"): stack dynptrs initialised by 197/198, a ringbuf
 * one's reference released by 199/200, the callback's CONST_PTR_TO_DYNPTR,
 * no direct access to a dynptr's bytes.  A verified program's dynptrs are
 * therefore the ones these helpers built.  In checked mode (unverified
 * programs) the drain slot and the ring's data area become regions of the
 * run, every helper checks the bytes it touches and submit/discard take
 * only a live reservation of the run, so a dynptr the program forged on
 * its stack reaches nothing the run could not reach already.
 */
#include "helpers.h"
#include "maps/map.h"
#include "maps/user_ringbuf.h"

#define DYNPTR_SIZE_MASK ((1u << 24) - 1)
#define DYNPTR_TYPE_SHIFT 24
#define DYNPTR_RDONLY (1u << 31)
#define DYNPTR_TYPE_LOCAL 1u
#define DYNPTR_TYPE_RINGBUF 2u
#define MAX_DRAIN_NESTING 8

struct ub_dynptr {
	void *data;
	uint32_t size;
	uint32_t offset;
};

static UB_TLS struct ub_dynptr drain_slots[MAX_DRAIN_NESTING];
static UB_TLS int drain_depth;

/* The dynptr argument r, or NULL when it is not readable or not set. */
static struct ub_dynptr *dynptr_arg(struct userbpf_run *run, uint64_t r)
{
	struct ub_dynptr *d = (struct ub_dynptr *)(uintptr_t)r;

	if (!d || !userbpf_run__mem_ok(run, d, sizeof(*d), 0) || !d->data)
		return NULL;
	return d;
}

/* The dynptr the helper initialises (its 16 bytes writable), or NULL. */
static struct ub_dynptr *dynptr_out(struct userbpf_run *run, uint64_t r)
{
	struct ub_dynptr *d = (struct ub_dynptr *)(uintptr_t)r;

	if (!d || !userbpf_run__mem_ok(run, d, sizeof(*d), 1)) {
		if (userbpf_run__checked(run))
			userbpf_run__abort(run, -EFAULT,
					   "dynptr argument is not writable memory of the run");
		return NULL;
	}
	return d;
}

static void dynptr_init(struct ub_dynptr *d, void *data, uint32_t type, uint32_t size)
{
	d->data = data;
	d->size = (size & DYNPTR_SIZE_MASK) | (type << DYNPTR_TYPE_SHIFT);
	d->offset = 0;
}

/* bpf_dynptr_set_null() */
static void dynptr_set_null(struct ub_dynptr *d)
{
	__builtin_memset(d, 0, sizeof(*d));
}

/* bpf_dynptr_from_mem(data, size, flags, ptr): a local dynptr */
UB_HELPER(dynptr_from_mem)
{
	struct ub_dynptr *d = dynptr_out(run, r4);
	uint32_t size = (uint32_t)r2;
	int err = 0;

	if (!d)
		return UB_ERR(-EFAULT);
	if (size > DYNPTR_SIZE_MASK)
		err = -E2BIG;
	else if (r3)
		err = -EINVAL;
	else if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r1, size, 1))
		err = -EFAULT;
	if (err) {
		dynptr_set_null(d);
		return UB_ERR(err);
	}
	dynptr_init(d, (void *)(uintptr_t)r1, DYNPTR_TYPE_LOCAL, size);
	return 0;
}

/* End of a run with the record still reserved: give it back. */
static void ringbuf_dynptr_release(void *map, void *rec)
{
	ub_ringbuf_commit(map, rec, 0, true);
}

/* bpf_ringbuf_reserve_dynptr(ringbuf, size, flags, ptr): a ringbuf
 * dynptr on a new record, or a null one and -errno: -EINVAL also when
 * the record does not fit (Linux 6.18 answers so, not -EAGAIN) */
UB_HELPER(ringbuf_reserve_dynptr)
{
	struct ub_map *map = (struct ub_map *)(uintptr_t)r1;
	struct ub_dynptr *d = dynptr_out(run, r4);
	uint32_t size = (uint32_t)r2;
	void *rec;

	if (!d)
		return UB_ERR(-EFAULT);
	dynptr_set_null(d);
	if (!userbpf_run__map_ok(run, map) || !map || map->map_type != USERBPF_MAP_TYPE_RINGBUF ||
	    r3)
		return UB_ERR(-EINVAL);
	if (size > DYNPTR_SIZE_MASK)
		return UB_ERR(-E2BIG);
	rec = ub_ringbuf_reserve(map, size, 0);
	if (!rec)
		return UB_ERR(-EINVAL);
	if (vm_hold(run, VM_HELD_RINGBUF_REC, rec, map, ringbuf_dynptr_release)) {
		/* too many records outstanding: the reservation fails */
		ub_ringbuf_commit(map, rec, 0, true);
		return UB_ERR(-EINVAL);
	}
	userbpf_run__add_region(run, rec, size, 1);
	dynptr_init(d, rec, DYNPTR_TYPE_RINGBUF, size);
	return 0;
}

/* submit/discard: the record of a ringbuf dynptr, a live reservation of
 * this run; a null dynptr (failed reserve) is nothing to do */
static void ringbuf_dynptr_commit(struct userbpf_run *run, uint64_t r1, uint64_t flags,
				  bool discard)
{
	struct ub_dynptr *d = dynptr_out(run, r1);
	void *map;

	if (!d || !d->data)
		return;
	if (!vm_unhold(run, VM_HELD_RINGBUF_REC, d->data, &map)) {
		if (userbpf_run__checked(run))
			userbpf_run__abort(run, -EINVAL,
					   "ringbuf dynptr that is not a live reservation");
		return;
	}
	vm_del_region(run, d->data);
	ub_ringbuf_commit(map, d->data, flags, discard);
	dynptr_set_null(d);
}

UB_HELPER(ringbuf_submit_dynptr)
{
	ringbuf_dynptr_commit(run, r1, r2, false);
	return 0;
}

UB_HELPER(ringbuf_discard_dynptr)
{
	ringbuf_dynptr_commit(run, r1, r2, true);
	return 0;
}

/* bpf_dynptr_check_off_len(). */
static int check_off_len(const struct ub_dynptr *d, uint64_t off, uint64_t len)
{
	uint64_t size = d->size & DYNPTR_SIZE_MASK;

	if (len > size || off > size - len)
		return -E2BIG;
	return 0;
}

/* bpf_dynptr_read(dst, len, src, offset, flags) */
UB_HELPER(dynptr_read)
{
	void *dst = (void *)(uintptr_t)r1;
	struct ub_dynptr *src = dynptr_arg(run, r3);
	const unsigned char *from;
	int err;

	if (!userbpf_run__mem_ok(run, dst, r2, 1))
		return UB_ERR(-EFAULT);
	if (!src || r5) {
		err = -EINVAL;
		goto fail;
	}
	err = check_off_len(src, r4, r2);
	if (err)
		goto fail;
	from = (const unsigned char *)src->data + src->offset + r4;
	if (!userbpf_run__mem_ok(run, from, r2, 0)) {
		err = -EFAULT;
		goto fail;
	}
	__builtin_memmove(dst, from, r2);
	return 0;
fail:
	__builtin_memset(dst, 0, r2);
	return UB_ERR(err);
}

/* bpf_dynptr_write(dst, offset, src, len, flags) */
UB_HELPER(dynptr_write)
{
	struct ub_dynptr *dst = dynptr_arg(run, r1);
	const void *src = (const void *)(uintptr_t)r3;
	unsigned char *to;
	int err;

	if (!userbpf_run__mem_ok(run, src, r4, 0))
		return UB_ERR(-EFAULT);
	if (!dst || (dst->size & DYNPTR_RDONLY) || r5)
		return UB_ERR(-EINVAL);
	err = check_off_len(dst, r2, r4);
	if (err)
		return UB_ERR(err);
	to = (unsigned char *)dst->data + dst->offset + r2;
	if (!userbpf_run__mem_ok(run, to, r4, 1))
		return UB_ERR(-EFAULT);
	__builtin_memmove(to, src, r4);
	return 0;
}

/* bpf_dynptr_data(ptr, offset, len): a pointer into the data, or NULL */
UB_HELPER(dynptr_data)
{
	struct ub_dynptr *d = dynptr_arg(run, r1);
	unsigned char *p;

	if (!d || check_off_len(d, r2, r3) || (d->size & DYNPTR_RDONLY))
		return 0;
	p = (unsigned char *)d->data + d->offset + r2;
	if (!userbpf_run__mem_ok(run, p, r3, 1))
		return 0;
	return (uint64_t)(uintptr_t)p;
}

struct drain_ctx {
	struct userbpf_run *run;
	uint64_t fn;
	uint64_t cb_ctx;
	struct ub_dynptr *slot;
};

static long drain_one(void *sample, uint32_t size, void *c)
{
	struct drain_ctx *d = c;
	uint64_t args[5] = { (uint64_t)(uintptr_t)d->slot, d->cb_ctx, 0, 0, 0 }, ret = 0;
	int err;

	dynptr_init(d->slot, sample, DYNPTR_TYPE_LOCAL, size);
	err = userbpf_run__call(d->run, d->fn, args, &ret);
	d->slot->data = NULL;
	if (err)
		return err;
	return ret ? 1 : 0;
}

static void expose(struct userbpf_run *run, void *p, size_t size, int writable)
{
	if (userbpf_run__checked(run) && !userbpf_run__mem_ok(run, p, size, writable))
		userbpf_run__add_region(run, p, size, writable);
}

/* bpf_user_ringbuf_drain(map, callback_fn, callback_ctx, flags) */
UB_HELPER(user_ringbuf_drain)
{
	struct ub_map *map = (struct ub_map *)(uintptr_t)r1;
	struct drain_ctx d = { .run = run, .fn = r2, .cb_ctx = r3 };
	void *data;
	size_t size;
	long ret;

	if (!userbpf_run__map_ok(run, map) || !map || ub_user_ringbuf_data_area(map, &data, &size))
		return UB_ERR(-EINVAL);
	if (drain_depth >= MAX_DRAIN_NESTING)
		return UB_ERR(-E2BIG);
	d.slot = &drain_slots[drain_depth++];
	expose(run, d.slot, sizeof(*d.slot), 0);
	expose(run, data, size, 1);
	ret = ub_user_ringbuf_drain(map, drain_one, &d, r4);
	drain_depth--;
	return UB_ERR(ret);
}
