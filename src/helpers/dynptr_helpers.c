// SPDX-License-Identifier: MIT
/*
 * dynptr_helpers.c - bpf_user_ringbuf_drain (209) and the dynptr helpers
 * its callback uses on a sample: bpf_dynptr_read (201), bpf_dynptr_write
 * (202), bpf_dynptr_data (203).
 *
 * A dynptr is the kernel's struct bpf_dynptr_kern, 16 bytes: the data
 * pointer, a u32 whose bits 0-23 are the size, 24-30 the type (LOCAL 1)
 * and 31 read-only, and a u32 offset.  The drain builds one per sample
 * (LOCAL, writable, as the kernel's bpf_dynptr_init) in a per-thread slot
 * and calls the program's callback with (dynptr, ctx).  In checked mode
 * the slot and the ring's data area become regions of the run, and every
 * helper checks the bytes it touches, so a dynptr the program forged on
 * its stack reaches nothing the run could not reach already.
 *
 * The verifier does not model dynptrs yet (USERBPF_ARG_PTR_TO_DYNPTR is
 * refused as an unsupported argument type), so programs using them run
 * checked, unverified.
 */
#include "helpers.h"
#include "maps/map.h"
#include "maps/user_ringbuf.h"

#define DYNPTR_SIZE_MASK ((1u << 24) - 1)
#define DYNPTR_TYPE_SHIFT 24
#define DYNPTR_RDONLY (1u << 31)
#define DYNPTR_TYPE_LOCAL 1u
#define MAX_DRAIN_NESTING 8

struct ub_dynptr {
	void *data;
	uint32_t size;
	uint32_t offset;
};

static __thread struct ub_dynptr drain_slots[MAX_DRAIN_NESTING];
static __thread int drain_depth;

/* The dynptr argument r, or NULL when it is not readable or not set. */
static struct ub_dynptr *dynptr_arg(struct userbpf_run *run, uint64_t r)
{
	struct ub_dynptr *d = (struct ub_dynptr *)(uintptr_t)r;

	if (!d || !userbpf_run__mem_ok(run, d, sizeof(*d), 0) || !d->data)
		return NULL;
	return d;
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

	d->slot->data = sample;
	d->slot->size = (size & DYNPTR_SIZE_MASK) | (DYNPTR_TYPE_LOCAL << DYNPTR_TYPE_SHIFT);
	d->slot->offset = 0;
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

#if !__STDC_HOSTED__
	if (!ub_user_ringbuf_data_area) /* freestanding core: no such maps */
		return UB_ERR(-EINVAL);
#endif
	if (!userbpf_run__map_ok(run, map) || !map ||
	    ub_user_ringbuf_data_area(map, &data, &size))
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
