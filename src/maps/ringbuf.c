/* SPDX-License-Identifier: MIT */
/*
 * maps/ringbuf.c - BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c) and its
 * consumer (libbpf's ring_buffer).
 *
 * Memory, one reservation of 3 + 2 x size/4096 pages:
 *   page 0      header: a pointer back to the ring object (what a record's
 *               pg_off leads to, like the kernel's struct bpf_ringbuf)
 *   page 1      consumer position (unsigned long)
 *   page 2      producer position
 *   pages 3..   the data area, mapped twice back to back (the platform's
 *               ring_alloc: a memfd on the host), so
 *               a record that wraps is contiguous in memory.
 * Records: 8-byte header {u32 len | BUSY bit 31 | DISCARD bit 30,
 * u32 pg_off = pages from the header back to page 0}, then the data; a
 * record occupies round_up(len + 8, 8) bytes.
 *
 * Producers serialise on a spinlock to reserve (positions, pending_pos);
 * submit/discard swap the header atomically; producer and consumer
 * positions use release stores and acquire loads.  Wake-up goes through an
 * eventfd: BPF_RB_FORCE_WAKEUP always, BPF_RB_NO_WAKEUP never, otherwise
 * when the consumer has caught up with exactly this record.
 */
#include "util/ubc.h"

#include "map.h"
#include "ring_pages.h"
#include "util/alloc.h"
#include "util/platform_int.h"

#define RINGBUF_PGOFF 3 /* data starts 3 pages after the header page */
#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)

struct ub_ringbuf_map {
	struct ub_map map;
	ub_spinlock_t lock;
	unsigned long pending_pos; /* under lock */
	struct ub_ring_pages pg;
};

struct userbpf_ringbuf {
	struct ub_ringbuf_map *rb;
	userbpf_ringbuf_sample_fn fn;
	void *ctx;
};

static struct ub_ringbuf_map *to_rb(struct ub_map *map)
{
	return (struct ub_ringbuf_map *)map;
}

static int rb_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_ringbuf_map *rb;
	int err = ub_ring_pages_check(attr);

	if (err)
		return err;
	rb = ub_alloc(sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	memset(rb, 0, sizeof(*rb));
	ub_map_init_from_attr(&rb->map, attr);
	err = ub_ring_pages_init(&rb->pg, RINGBUF_PGOFF * UB_PAGE_SIZE, attr->max_entries, rb);
	if (err) {
		ub_free(rb);
		return err;
	}
	*out = &rb->map;
	return 0;
}

static void rb_free(struct ub_map *map)
{
	struct ub_ringbuf_map *rb = to_rb(map);

	ub_ring_pages_fini(&rb->pg, RINGBUF_PGOFF * UB_PAGE_SIZE);
	ub_free(rb);
}

static int rb_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -UB_ENOTSUPP;
}

static void *rb_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL;
}

static int rb_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -UB_ENOTSUPP;
}

static int rb_delete(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -UB_ENOTSUPP;
}

static int rb_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	(void)map;
	(void)key;
	(void)next_key;
	return -UB_ENOTSUPP;
}

static void *rb_mmap_ptr(struct ub_map *map, size_t *size)
{
	struct ub_ringbuf_map *rb = to_rb(map);

	if (size)
		*size = rb->pg.region_size - UB_PAGE_SIZE;
	return rb->pg.region + UB_PAGE_SIZE;
}

static uint32_t *hdr_len(void *hdr)
{
	return (uint32_t *)hdr;
}

/* __bpf_ringbuf_reserve(). */
static void *rb_reserve(struct ub_ringbuf_map *rb, uint64_t size)
{
	unsigned long cons_pos, prod_pos, new_prod_pos, pend_pos, len;
	unsigned char *hdr;
	uint32_t pg_off;

	if (size > RINGBUF_MAX_RECORD_SZ)
		return NULL;
	len = (size + USERBPF_RINGBUF_HDR_SZ + 7) & ~7UL;
	if (len > rb->pg.mask + 1)
		return NULL;
	cons_pos = __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE);
	ub_spin_lock(&rb->lock);
	pend_pos = rb->pending_pos;
	prod_pos = __atomic_load_n(rb->pg.producer_pos, __ATOMIC_RELAXED);
	new_prod_pos = prod_pos + len;
	while (pend_pos < prod_pos) {
		uint32_t hl = __atomic_load_n(hdr_len(rb->pg.data + (pend_pos & rb->pg.mask)),
					      __ATOMIC_ACQUIRE);

		if (hl & USERBPF_RINGBUF_BUSY_BIT)
			break;
		hl &= ~USERBPF_RINGBUF_DISCARD_BIT;
		pend_pos += ((unsigned long)hl + USERBPF_RINGBUF_HDR_SZ + 7) & ~7UL;
	}
	rb->pending_pos = pend_pos;
	if (new_prod_pos - cons_pos > rb->pg.mask || new_prod_pos - pend_pos > rb->pg.mask) {
		ub_spin_unlock(&rb->lock);
		return NULL;
	}
	hdr = rb->pg.data + (prod_pos & rb->pg.mask);
	pg_off = (uint32_t)(((uintptr_t)hdr & ~(uintptr_t)(UB_PAGE_SIZE - 1)) -
			    (uintptr_t)rb->pg.region) /
		 UB_PAGE_SIZE;
	__atomic_store_n(hdr_len(hdr), (uint32_t)size | USERBPF_RINGBUF_BUSY_BIT, __ATOMIC_RELAXED);
	memcpy(hdr + 4, &pg_off, 4);
	__atomic_store_n(rb->pg.producer_pos, new_prod_pos, __ATOMIC_RELEASE);
	ub_spin_unlock(&rb->lock);
	return hdr + USERBPF_RINGBUF_HDR_SZ;
}

void *ub_ringbuf_reserve(struct ub_map *map, uint64_t size, uint64_t flags)
{
	if (flags || map->map_type != USERBPF_MAP_TYPE_RINGBUF)
		return NULL;
	return rb_reserve(to_rb(map), size);
}

static struct ub_ringbuf_map *rb_from_record(unsigned char *hdr)
{
	uint32_t pg_off;
	unsigned char *region;
	struct ub_ringbuf_map *rb;

	memcpy(&pg_off, hdr + 4, 4);
	region = (unsigned char *)((uintptr_t)hdr & ~(uintptr_t)(UB_PAGE_SIZE - 1)) -
		 (size_t)pg_off * UB_PAGE_SIZE;
	memcpy(&rb, region, sizeof(rb));
	return rb;
}

static void rb_wakeup(struct ub_ringbuf_map *rb)
{
	ub_event_signal(rb->pg.efd);
}

/* bpf_ringbuf_commit(), on the ring rb the record belongs to. */
static void rb_commit_on(struct ub_ringbuf_map *rb, unsigned char *hdr, uint64_t flags,
			 bool discard)
{
	uint32_t new_len;
	unsigned long rec_pos, cons_pos;

	new_len = __atomic_load_n(hdr_len(hdr), __ATOMIC_RELAXED) ^ USERBPF_RINGBUF_BUSY_BIT;
	if (discard)
		new_len |= USERBPF_RINGBUF_DISCARD_BIT;
	__atomic_exchange_n(hdr_len(hdr), new_len, __ATOMIC_ACQ_REL);
	rec_pos = (unsigned long)(hdr - rb->pg.data);
	cons_pos = __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE) & rb->pg.mask;
	if (flags & USERBPF_RB_FORCE_WAKEUP)
		rb_wakeup(rb);
	else if (cons_pos == rec_pos && !(flags & USERBPF_RB_NO_WAKEUP))
		rb_wakeup(rb);
}

static void rb_commit(void *sample, uint64_t flags, bool discard)
{
	unsigned char *hdr = (unsigned char *)sample - USERBPF_RINGBUF_HDR_SZ;

	rb_commit_on(rb_from_record(hdr), hdr, flags, discard);
}

int ub_ringbuf_commit(struct ub_map *map, void *sample, uint64_t flags, bool discard)
{
	struct ub_ringbuf_map *rb;
	unsigned char *hdr = (unsigned char *)sample - USERBPF_RINGBUF_HDR_SZ;
	uintptr_t off;

	if (!map || map->map_type != USERBPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rb = to_rb(map);
	/* a record header lies in the first mapping of the data area */
	off = (uintptr_t)hdr - (uintptr_t)rb->pg.data;
	if ((uintptr_t)hdr < (uintptr_t)rb->pg.data || off > rb->pg.mask || (off & 7) ||
	    !(__atomic_load_n(hdr_len(hdr), __ATOMIC_ACQUIRE) & USERBPF_RINGBUF_BUSY_BIT))
		return -EINVAL;
	rb_commit_on(rb, hdr, flags, discard);
	return 0;
}

void ub_ringbuf_submit(void *sample, uint64_t flags)
{
	rb_commit(sample, flags, false);
}

void ub_ringbuf_discard(void *sample, uint64_t flags)
{
	rb_commit(sample, flags, true);
}

long ub_ringbuf_output(struct ub_map *map, const void *data, uint64_t size, uint64_t flags)
{
	void *rec;

	if (flags & ~(uint64_t)(USERBPF_RB_NO_WAKEUP | USERBPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	if (map->map_type != USERBPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rec = rb_reserve(to_rb(map), size);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	rb_commit(rec, flags, false);
	return 0;
}

uint64_t ub_ringbuf_query(struct ub_map *map, uint64_t flags)
{
	struct ub_ringbuf_map *rb = to_rb(map);

	if (map->map_type != USERBPF_MAP_TYPE_RINGBUF)
		return 0;
	switch (flags) {
	case USERBPF_RB_AVAIL_DATA:
		return __atomic_load_n(rb->pg.producer_pos, __ATOMIC_ACQUIRE) -
		       __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE);
	case USERBPF_RB_RING_SIZE:
		return rb->pg.mask + 1;
	case USERBPF_RB_CONS_POS:
		return __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE);
	case USERBPF_RB_PROD_POS:
		return __atomic_load_n(rb->pg.producer_pos, __ATOMIC_ACQUIRE);
	default:
		return 0;
	}
}

int userbpf_ringbuf_map__areas(struct userbpf_map *pmap, void **consumer_pos, void **producer_pos,
			       void **data, size_t *data_size)
{
	struct ub_map *map = ub_map_from(pmap);
	struct ub_ringbuf_map *rb;

	if (!map || map->map_type != USERBPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rb = to_rb(map);
	if (consumer_pos)
		*consumer_pos = rb->pg.consumer_pos;
	if (producer_pos)
		*producer_pos = rb->pg.producer_pos;
	if (data)
		*data = rb->pg.data;
	if (data_size)
		*data_size = rb->pg.mask + 1;
	return 0;
}

/* ==== consumer (libbpf ringbuf_process_ring) ==== */

struct userbpf_ringbuf *userbpf_ringbuf__new(struct userbpf_map *pmap, userbpf_ringbuf_sample_fn fn,
					     void *ctx)
{
	struct ub_map *map = ub_map_from(pmap);
	struct userbpf_ringbuf *r;

	if (!map || map->map_type != USERBPF_MAP_TYPE_RINGBUF || !fn) {
		errno = EINVAL;
		return NULL;
	}
	r = ub_alloc(sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->rb = to_rb(ub_map_get(map));
	r->fn = fn;
	r->ctx = ctx;
	return r;
}

static int64_t process_ring(struct userbpf_ringbuf *r)
{
	struct ub_ringbuf_map *rb = r->rb;
	unsigned long cons_pos, prod_pos;
	int64_t cnt = 0;
	bool got_new_data;
	int err;

	cons_pos = __atomic_load_n(rb->pg.consumer_pos, __ATOMIC_ACQUIRE);
	do {
		got_new_data = false;
		prod_pos = __atomic_load_n(rb->pg.producer_pos, __ATOMIC_ACQUIRE);
		while (cons_pos < prod_pos) {
			unsigned char *hdr = rb->pg.data + (cons_pos & rb->pg.mask);
			uint32_t len = __atomic_load_n(hdr_len(hdr), __ATOMIC_ACQUIRE);

			if (len & USERBPF_RINGBUF_BUSY_BIT)
				goto done;
			got_new_data = true;
			cons_pos += (((len << 2) >> 2) + USERBPF_RINGBUF_HDR_SZ + 7) & ~7UL;
			if (!(len & USERBPF_RINGBUF_DISCARD_BIT)) {
				err = r->fn(r->ctx, hdr + USERBPF_RINGBUF_HDR_SZ, len);
				if (err < 0) {
					__atomic_store_n(rb->pg.consumer_pos, cons_pos,
							 __ATOMIC_RELEASE);
					return err;
				}
				cnt++;
			}
			__atomic_store_n(rb->pg.consumer_pos, cons_pos, __ATOMIC_RELEASE);
		}
	} while (got_new_data);
done:
	return cnt;
}

int userbpf_ringbuf__consume(struct userbpf_ringbuf *r)
{
	int64_t n;

	/* clear pending wake-ups first: later ones stay visible */
	ub_event_wait(r->rb->pg.efd, 0);
	n = process_ring(r);

	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int userbpf_ringbuf__poll(struct userbpf_ringbuf *r, int timeout_ms)
{
	int n = userbpf_ringbuf__consume(r);

	if (n)
		return n;
	n = ub_event_wait(r->rb->pg.efd, timeout_ms);
	if (n < 0)
		return n;
	return userbpf_ringbuf__consume(r);
}

int userbpf_ringbuf__epoll_fd(const struct userbpf_ringbuf *r)
{
	return r->rb->pg.efd;
}

void userbpf_ringbuf__free(struct userbpf_ringbuf *r)
{
	if (!r)
		return;
	ub_map_put(&r->rb->map);
	ub_free(r);
}

const struct ub_map_ops ub_ringbuf_map_ops = {
	.alloc = rb_alloc,
	.free = rb_free,
	.lookup = rb_lookup,
	.update = rb_update,
	.delete = rb_delete,
	.get_next_key = rb_get_next_key,
	.sys_lookup = rb_sys_lookup,
	.mmap_ptr = rb_mmap_ptr,
};
