// SPDX-License-Identifier: MIT
/*
 * maps/user_ringbuf.c - BPF_MAP_TYPE_USER_RINGBUF (kernel/bpf/ringbuf.c):
 * a ring buffer that user space produces into and programs consume with
 * bpf_user_ringbuf_drain (209); and its producer, libbpf's
 * user_ring_buffer (userbpf_user_ringbuf__*).
 *
 * Layout, the kernel's (and RINGBUF's, ringbuf.c): page 0 a header (the
 * ring object), page 1 the consumer position (written by the drain), page
 * 2 the producer position (written by user space), then the data area
 * mapped twice back to back so that a sample that wraps is contiguous.
 * Records: 8-byte header {u32 len | BUSY bit 31 | DISCARD bit 30, u32
 * pad}, then the sample; a record takes round_up(len + 8, 8) bytes.
 *
 * Creation [6.18 verified, tests/maps2/test_user_ringbuf.c]: as RINGBUF
 * (key and value size 0, max_entries a power-of-2 multiple of the page
 * size, only BPF_F_NUMA_NODE); element commands ENOTSUPP.
 *
 * The drain (__bpf_user_ringbuf_peek and friends): one consumer at a
 * time (another gets -EBUSY); at most 128 Ki samples per call; a
 * discarded sample is skipped and not counted; a producer position not a
 * multiple of 8 or a record longer than what was produced is -EINVAL, a
 * record longer than the ring -E2BIG (the drain then stops); a busy
 * record ends the drain.  The producer is single-threaded, as libbpf's.
 * Wake-ups (the kernel's irq_work that lets a blocked producer retry)
 * go through the platform's event (an eventfd on the host); the memory
 * is the platform's double-mapped ring memory, as RINGBUF's.
 */
#include "util/ubc.h"

#include "map.h"
#include "ring_pages.h"
#include "user_ringbuf.h"
#include "util/alloc.h"
#include "util/platform_int.h"

#define URB_PGOFF 3
#define URB_MAX_SAMPLES (128 * 1024)
#define DYNPTR_MAX_SIZE ((1u << 24) - 1)

struct ub_user_ringbuf_map {
	struct ub_map map;
	atomic_int busy;
	struct ub_ring_pages pg;
};

struct userbpf_user_ringbuf {
	struct ub_user_ringbuf_map *rb;
};

static struct ub_user_ringbuf_map *to_urb(struct ub_map *map)
{
	return (struct ub_user_ringbuf_map *)map;
}

/* ==== the map ==== */

static int urb_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_user_ringbuf_map *rb;
	int err = ub_ring_pages_check(attr);

	if (err)
		return err;
	rb = ub_alloc(sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	memset(rb, 0, sizeof(*rb));
	ub_map_init_from_attr(&rb->map, attr);
	err = ub_ring_pages_init(&rb->pg, URB_PGOFF * UB_PAGE_SIZE, attr->max_entries, rb);
	if (err) {
		ub_free(rb);
		return err;
	}
	*out = &rb->map;
	return 0;
}

static void urb_free(struct ub_map *map)
{
	struct ub_user_ringbuf_map *rb = to_urb(map);

	ub_ring_pages_fini(&rb->pg, URB_PGOFF * UB_PAGE_SIZE);
	ub_free(rb);
}

static int urb_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	(void)map, (void)key, (void)value, (void)flags;
	return -UB_ENOTSUPP;
}

static void *urb_lookup(struct ub_map *map, const void *key)
{
	(void)map, (void)key;
	return NULL;
}

static int urb_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map, (void)key, (void)value, (void)flags;
	return -UB_ENOTSUPP;
}

static int urb_delete(struct ub_map *map, const void *key)
{
	(void)map, (void)key;
	return -UB_ENOTSUPP;
}

static int urb_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	(void)map, (void)key, (void)next_key;
	return -UB_ENOTSUPP;
}

static void *urb_mmap_ptr(struct ub_map *map, size_t *size)
{
	struct ub_user_ringbuf_map *rb = to_urb(map);

	if (size)
		*size = rb->pg.region_size - UB_PAGE_SIZE;
	return rb->pg.region + UB_PAGE_SIZE;
}

const struct ub_map_ops ub_user_ringbuf_map_ops = {
	.alloc = urb_alloc,
	.free = urb_free,
	.lookup = urb_lookup,
	.update = urb_update,
	.delete = urb_delete,
	.get_next_key = urb_get_next_key,
	.sys_lookup = urb_sys_lookup,
	.mmap_ptr = urb_mmap_ptr,
};

/* ==== the consumer: bpf_user_ringbuf_drain ==== */

static void urb_wakeup(struct ub_user_ringbuf_map *rb)
{
	ub_event_signal(rb->pg.efd);
}

/* __bpf_user_ringbuf_peek(): 0 with the sample, -ENODATA, -EAGAIN
 * (discarded, skipped), -EINVAL or -E2BIG (a corrupt record). */
static int urb_peek(struct ub_user_ringbuf_map *rb, void **sample, uint32_t *size)
{
	unsigned long cons_pos, prod_pos;
	uint32_t hdr_len, flags, sample_len;
	uint64_t total_len;

	prod_pos = __atomic_load_n(rb->pg.producer_pos, __ATOMIC_ACQUIRE);
	if (prod_pos % 8)
		return -EINVAL;
	cons_pos = __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE);
	if (cons_pos >= prod_pos)
		return -ENODATA;
	hdr_len = __atomic_load_n((uint32_t *)(rb->pg.data + (cons_pos & rb->pg.mask)),
				  __ATOMIC_ACQUIRE);
	flags = hdr_len & (USERBPF_RINGBUF_BUSY_BIT | USERBPF_RINGBUF_DISCARD_BIT);
	sample_len = hdr_len & ~flags;
	total_len = ((uint64_t)sample_len + USERBPF_RINGBUF_HDR_SZ + 7) & ~7ull;
	if (total_len > prod_pos - cons_pos)
		return -EINVAL;
	if (total_len > rb->pg.mask + 1)
		return -E2BIG;
	if (sample_len > DYNPTR_MAX_SIZE)
		return -E2BIG;
	if (flags & USERBPF_RINGBUF_DISCARD_BIT) {
		__atomic_store_n(rb->pg.consumer_pos, cons_pos + total_len, __ATOMIC_RELEASE);
		return -EAGAIN;
	}
	if (flags & USERBPF_RINGBUF_BUSY_BIT)
		return -ENODATA;
	*sample = rb->pg.data + ((cons_pos + USERBPF_RINGBUF_HDR_SZ) & rb->pg.mask);
	*size = sample_len;
	return 0;
}

static void urb_release(struct ub_user_ringbuf_map *rb, uint32_t size)
{
	unsigned long cons = __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_RELAXED);
	unsigned long rounded = ((unsigned long)size + USERBPF_RINGBUF_HDR_SZ + 7) & ~7ul;

	__atomic_store_n(rb->pg.consumer_pos, cons + rounded, __ATOMIC_RELEASE);
}

long ub_user_ringbuf_drain(struct ub_map *map, ub_user_ringbuf_cb cb, void *ctx, uint64_t flags)
{
	struct ub_user_ringbuf_map *rb;
	long samples, discarded = 0, ret = 0;
	int busy = 0;

	if (flags & ~(uint64_t)(USERBPF_RB_NO_WAKEUP | USERBPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	if (map->map_type != USERBPF_MAP_TYPE_USER_RINGBUF)
		return -EINVAL;
	rb = to_urb(map);
	if (!atomic_compare_exchange_strong(&rb->busy, &busy, 1))
		return -EBUSY;
	for (samples = 0; samples < URB_MAX_SAMPLES && ret == 0; samples++) {
		void *sample;
		uint32_t size;
		int err = urb_peek(rb, &sample, &size);

		if (err == -ENODATA)
			break;
		if (err == -EAGAIN) {
			discarded++;
			continue;
		}
		if (err) {
			ret = err;
			goto out;
		}
		ret = cb(sample, size, ctx);
		urb_release(rb, size);
		if (ret < 0) { /* the callback's run failed: stop, report it */
			samples++;
			goto out;
		}
	}
	ret = samples - discarded;
out:
	atomic_store_explicit(&rb->busy, 0, memory_order_release);
	if (flags & USERBPF_RB_FORCE_WAKEUP)
		urb_wakeup(rb);
	else if (!(flags & USERBPF_RB_NO_WAKEUP) && samples > 0)
		urb_wakeup(rb);
	return ret;
}

int ub_user_ringbuf_data_area(struct ub_map *map, void **data, size_t *size)
{
	struct ub_user_ringbuf_map *rb;

	if (map->map_type != USERBPF_MAP_TYPE_USER_RINGBUF)
		return -EINVAL;
	rb = to_urb(map);
	*data = rb->pg.data;
	*size = 2 * (rb->pg.mask + 1);
	return 0;
}

/* ==== the producer (libbpf's user_ring_buffer) ==== */

struct userbpf_user_ringbuf *userbpf_user_ringbuf__new(struct userbpf_map *pmap)
{
	struct ub_map *map = ub_map_from(pmap);
	struct userbpf_user_ringbuf *u;

	if (!map || map->map_type != USERBPF_MAP_TYPE_USER_RINGBUF) {
		errno = EINVAL;
		return NULL;
	}
	u = ub_alloc(sizeof(*u));
	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->rb = to_urb(ub_map_get(map));
	return u;
}

void userbpf_user_ringbuf__free(struct userbpf_user_ringbuf *u)
{
	if (!u)
		return;
	ub_map_put(&u->rb->map);
	ub_free(u);
}

void *userbpf_user_ringbuf__reserve(struct userbpf_user_ringbuf *u, uint32_t size)
{
	struct ub_user_ringbuf_map *rb = u->rb;
	unsigned long cons_pos, prod_pos;
	uint64_t avail, total, max = rb->pg.mask + 1;
	uint32_t *hdr;

	if (size & (USERBPF_RINGBUF_BUSY_BIT | USERBPF_RINGBUF_DISCARD_BIT)) {
		errno = E2BIG;
		return NULL;
	}
	cons_pos = __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE);
	prod_pos = __atomic_load_n(rb->pg.producer_pos, __ATOMIC_ACQUIRE);
	avail = max - (prod_pos - cons_pos);
	total = ((uint64_t)size + USERBPF_RINGBUF_HDR_SZ + 7) / 8 * 8;
	if (total > max) {
		errno = E2BIG;
		return NULL;
	}
	if (avail < total) {
		errno = ENOSPC;
		return NULL;
	}
	hdr = (uint32_t *)(rb->pg.data + (prod_pos & rb->pg.mask));
	hdr[0] = size | USERBPF_RINGBUF_BUSY_BIT;
	hdr[1] = 0;
	__atomic_store_n(rb->pg.producer_pos, prod_pos + total, __ATOMIC_RELEASE);
	return rb->pg.data + ((prod_pos + USERBPF_RINGBUF_HDR_SZ) & rb->pg.mask);
}

static uint64_t now_ms(void)
{
	return ub_clock_ns(CLOCK_MONOTONIC) / 1000000;
}

void *userbpf_user_ringbuf__reserve_blocking(struct userbpf_user_ringbuf *u, uint32_t size,
					     int timeout_ms)
{
	uint64_t start = now_ms();
	int remaining = timeout_ms;
	void *sample;

	if (timeout_ms < 0 && timeout_ms != -1) {
		errno = EINVAL;
		return NULL;
	}
	for (;;) {
		int err;

		sample = userbpf_user_ringbuf__reserve(u, size);
		if (sample || errno != ENOSPC)
			return sample;
		if (timeout_ms != -1 && remaining <= 0)
			break;
		err = ub_event_wait(u->rb->pg.efd, remaining);
		if (err < 0 && err != -EINTR) {
			errno = -err;
			return NULL;
		}
		if (timeout_ms != -1)
			remaining = timeout_ms - (int)(now_ms() - start);
	}
	/* one more try after the timeout, as libbpf */
	return userbpf_user_ringbuf__reserve(u, size);
}

static void commit(struct userbpf_user_ringbuf *u, void *sample, bool discard)
{
	struct ub_user_ringbuf_map *rb = u->rb;
	uintptr_t off = rb->pg.mask + 1 + (uintptr_t)((unsigned char *)sample - rb->pg.data) -
			USERBPF_RINGBUF_HDR_SZ;
	uint32_t *hdr = (uint32_t *)(rb->pg.data + (off & rb->pg.mask));
	uint32_t new_len = __atomic_load_n(hdr, __ATOMIC_RELAXED) & ~USERBPF_RINGBUF_BUSY_BIT;

	if (discard)
		new_len |= USERBPF_RINGBUF_DISCARD_BIT;
	__atomic_exchange_n(hdr, new_len, __ATOMIC_ACQ_REL);
}

void userbpf_user_ringbuf__submit(struct userbpf_user_ringbuf *u, void *sample)
{
	commit(u, sample, false);
}

void userbpf_user_ringbuf__discard(struct userbpf_user_ringbuf *u, void *sample)
{
	commit(u, sample, true);
}

int userbpf_user_ringbuf__epoll_fd(const struct userbpf_user_ringbuf *u)
{
	return u->rb->pg.efd;
}
