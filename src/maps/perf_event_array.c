/* SPDX-License-Identifier: MIT */
/*
 * maps/perf_event_array.c - BPF_MAP_TYPE_PERF_EVENT_ARRAY and the perf
 * buffer consumer (libbpf's perf_buffer).
 *
 * A slot holds a "BPF output event" bound to one CPU; userbpf_perf_buffer
 * __new() creates one per possible CPU (up to max_entries), each with a
 * ring in the perf mmap layout: a struct perf_event_mmap_page (data_head /
 * data_tail) followed by 2^n data pages.  bpf_perf_event_output() writes a
 * PERF_RECORD_SAMPLE {header, u32 raw size (padded so the record is a
 * multiple of 8), data}; when the ring is full the record is counted as
 * lost, -ENOSPC is returned, and a PERF_RECORD_LOST {header, id, lost}
 * precedes the next record that fits.  Producers of one ring serialise on
 * a spinlock; head/tail use release/acquire.  The platform's wakeup event
 * (hosted: an eventfd) wakes poll() when a record lands in an empty ring.
 * Ring memory is the platform's shareable pages (hosted: a shared
 * anonymous mapping, which a forked child shares, as the kernel's perf
 * mmap), so that a host whose processes share one object space (a
 * domain: "userbpf trace --shared") has producers in every process.
 *
 * Syscall side: lookup → ENOTSUPP; update needs perf event handles, which
 * this layer does not have (EBADF after the flag and index checks).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd_array.h"
#include "util/alloc.h"
#include "util/platform_int.h"

struct ub_perf_ring {
	int cpu;	    /* the event's CPU */
	ub_spinlock_t lock; /* producers */
	uint64_t lost;	    /* under lock */
	struct perf_event_mmap_page *page;
	unsigned char *data;
	size_t data_size; /* power of 2 */
	size_t mmap_size;
	int efd; /* shared with the perf buffer */
};

struct userbpf_perf_buffer {
	struct ub_map *map;
	userbpf_perf_buffer_sample_fn sample_cb;
	userbpf_perf_buffer_lost_fn lost_cb;
	void *ctx;
	int efd;
	int nrings;
	struct ub_perf_ring **rings;
	unsigned char *tmp; /* for records that wrap */
	size_t tmp_size;
};

static void ring_free(void *arg)
{
	struct ub_perf_ring *r = arg;

	ub_pages_free(r->page, r->mmap_size);
	ub_free(r);
}

static int perf_array_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	/* slots are owned by perf buffers: nothing to put on map free */
	return ub_fd_array_alloc(attr, out);
}

static int perf_array_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	(void)map;
	(void)key;
	(void)value;
	(void)flags;
	return -UB_ENOTSUPP;
}

static int perf_array_sys_update(struct ub_map *map, const void *key, const void *value,
				 uint64_t flags)
{
	uint32_t index;

	(void)value;
	if (flags != USERBPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	return -EBADF; /* no perf event handles in the maps layer */
}

static void *perf_array_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL;
}

/* Write len bytes at ring offset pos, wrapping. */
static void ring_write(struct ub_perf_ring *r, uint64_t pos, const void *src, size_t len)
{
	size_t off = pos & (r->data_size - 1), first = r->data_size - off;

	if (first > len)
		first = len;
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const unsigned char *)src + first, len - first);
}

long ub_perf_event_output(struct ub_map *map, uint64_t flags, const void *data, uint64_t size)
{
	struct ub_fd_array *a = ub_to_fd_array(map);
	uint64_t index = flags & USERBPF_F_INDEX_MASK;
	int cpu = ub_current_cpu();
	struct ub_perf_ring *r;
	uint64_t head, tail, need, lost_need;
	struct {
		struct perf_event_header header;
		uint32_t size;
	} __attribute__((packed)) sample;
	uint32_t raw;
	bool was_empty;

	if (map->map_type != USERBPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return -EINVAL;
	if (flags & ~USERBPF_F_INDEX_MASK)
		return -EINVAL;
	if (index == USERBPF_F_CURRENT_CPU)
		index = (uint64_t)cpu;
	if (index >= map->max_entries)
		return -E2BIG;
	r = atomic_load_explicit(&a->ptrs[index], memory_order_acquire);
	if (!r)
		return -ENOENT;
	if (r->cpu != cpu)
		return -EOPNOTSUPP;
	if (size > 0xffff)
		return -E2BIG;
	/* the raw size is padded so that the whole record is 8-aligned */
	raw = (uint32_t)(((size + 4 + 7) & ~7ULL) - 4);
	need = sizeof(struct perf_event_header) + 4 + raw;
	if (need > 0xffff)
		return -E2BIG;
	ub_spin_lock(&r->lock);
	head = __atomic_load_n(&r->page->data_head, __ATOMIC_RELAXED);
	tail = __atomic_load_n(&r->page->data_tail, __ATOMIC_ACQUIRE);
	was_empty = head == tail;
	lost_need = r->lost ? sizeof(struct perf_event_header) + 16 : 0;
	if (head + lost_need + need - tail > r->data_size) {
		r->lost++;
		ub_spin_unlock(&r->lock);
		return -ENOSPC;
	}
	if (r->lost) {
		struct {
			struct perf_event_header header;
			uint64_t id, lost;
		} rec = { { PERF_RECORD_LOST, 0, sizeof(rec) }, 0, r->lost };

		ring_write(r, head, &rec, sizeof(rec));
		head += sizeof(rec);
		r->lost = 0;
	}
	sample.header.type = PERF_RECORD_SAMPLE;
	sample.header.misc = 0;
	sample.header.size = (uint16_t)need;
	sample.size = raw;
	ring_write(r, head, &sample, sizeof(sample));
	ring_write(r, head + sizeof(sample), data, size);
	if (raw > size) {
		static const unsigned char zero[8];

		ring_write(r, head + sizeof(sample) + size, zero, raw - size);
	}
	__atomic_store_n(&r->page->data_head, head + need, __ATOMIC_RELEASE);
	ub_spin_unlock(&r->lock);
	if (was_empty)
		ub_event_signal(r->efd);
	return 0;
}

/* ==== consumer ==== */

struct userbpf_perf_buffer *userbpf_perf_buffer__new(struct userbpf_map *pmap, size_t page_cnt,
						     userbpf_perf_buffer_sample_fn sample_cb,
						     userbpf_perf_buffer_lost_fn lost_cb, void *ctx)
{
	struct ub_map *map = ub_map_from(pmap);
	struct userbpf_perf_buffer *pb;
	int ncpus = ub_num_possible_cpus(), i, err = -ENOMEM;

	if (!map || map->map_type != USERBPF_MAP_TYPE_PERF_EVENT_ARRAY || !page_cnt ||
	    (page_cnt & (page_cnt - 1)) || !sample_cb) {
		errno = EINVAL;
		return NULL;
	}
	pb = ub_alloc(sizeof(*pb));
	if (!pb)
		goto fail_errno;
	pb->map = ub_map_get(map);
	pb->sample_cb = sample_cb;
	pb->lost_cb = lost_cb;
	pb->ctx = ctx;
	pb->efd = ub_event_open();
	pb->nrings = ncpus < (int)map->max_entries ? ncpus : (int)map->max_entries;
	pb->rings = ub_calloc((size_t)pb->nrings, sizeof(*pb->rings));
	if (pb->efd < 0 || !pb->rings)
		goto fail;
	for (i = 0; i < pb->nrings; i++) {
		struct ub_perf_ring *r = ub_alloc(sizeof(*r));
		void *p;

		if (!r)
			goto fail;
		r->cpu = i;
		r->efd = pb->efd;
		r->data_size = page_cnt * UB_PAGE_SIZE;
		r->mmap_size = r->data_size + UB_PAGE_SIZE;
		p = ub_pages_alloc(r->mmap_size);
		if (!p) {
			ub_free(r);
			goto fail;
		}
		r->page = p;
		r->page->data_offset = UB_PAGE_SIZE;
		r->page->data_size = r->data_size;
		r->data = (unsigned char *)p + UB_PAGE_SIZE;
		pb->rings[i] = r;
		err = ub_fd_array_set(map, (uint32_t)i, r, 0);
		if (err)
			goto fail;
	}
	return pb;
fail:
	userbpf_perf_buffer__free(pb);
	errno = -err;
	return NULL;
fail_errno:
	errno = ENOMEM;
	return NULL;
}

static int ring_consume(struct userbpf_perf_buffer *pb, struct ub_perf_ring *r)
{
	uint64_t head = __atomic_load_n(&r->page->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = __atomic_load_n(&r->page->data_tail, __ATOMIC_RELAXED);
	int cnt = 0;

	while (tail < head) {
		size_t off = tail & (r->data_size - 1);
		struct perf_event_header hdr;
		unsigned char *rec;

		/* the header itself may wrap */
		if (off + sizeof(hdr) <= r->data_size) {
			memcpy(&hdr, r->data + off, sizeof(hdr));
		} else {
			size_t first = r->data_size - off;

			memcpy(&hdr, r->data + off, first);
			memcpy((unsigned char *)&hdr + first, r->data, sizeof(hdr) - first);
		}
		if (off + hdr.size <= r->data_size) {
			rec = r->data + off;
		} else {
			size_t first = r->data_size - off;

			if (pb->tmp_size < hdr.size) {
				unsigned char *t = ub_alloc(hdr.size);

				if (!t)
					return -ENOMEM;
				ub_free(pb->tmp);
				pb->tmp = t;
				pb->tmp_size = hdr.size;
			}
			memcpy(pb->tmp, r->data + off, first);
			memcpy(pb->tmp + first, r->data, hdr.size - first);
			rec = pb->tmp;
		}
		if (hdr.type == PERF_RECORD_SAMPLE) {
			uint32_t size;

			memcpy(&size, rec + sizeof(hdr), 4);
			pb->sample_cb(pb->ctx, r->cpu, rec + sizeof(hdr) + 4, size);
			cnt++;
		} else if (hdr.type == PERF_RECORD_LOST) {
			uint64_t lost;

			memcpy(&lost, rec + sizeof(hdr) + 8, 8);
			if (pb->lost_cb)
				pb->lost_cb(pb->ctx, r->cpu, lost);
			cnt++;
		}
		tail += hdr.size;
		__atomic_store_n(&r->page->data_tail, tail, __ATOMIC_RELEASE);
		if (!hdr.size)
			break; /* corrupt; never loop forever */
	}
	return cnt;
}

int userbpf_perf_buffer__consume(struct userbpf_perf_buffer *pb)
{
	int i, n, total = 0;

	/* clear pending wake-ups first: later ones stay visible */
	ub_event_wait(pb->efd, 0);
	for (i = 0; i < pb->nrings; i++) {
		n = ring_consume(pb, pb->rings[i]);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int userbpf_perf_buffer__poll(struct userbpf_perf_buffer *pb, int timeout_ms)
{
	int n = userbpf_perf_buffer__consume(pb);

	if (n)
		return n;
	n = ub_event_wait(pb->efd, timeout_ms);
	if (n < 0)
		return n;
	return userbpf_perf_buffer__consume(pb);
}

void userbpf_perf_buffer__free(struct userbpf_perf_buffer *pb)
{
	int i;

	if (!pb)
		return;
	for (i = 0; pb->rings && i < pb->nrings; i++) {
		if (!pb->rings[i])
			continue;
		ub_fd_array_set(pb->map, (uint32_t)i, NULL, 0);
		ub_map_defer(ring_free, pb->rings[i]);
	}
	ub_map_defer_flush();
	ub_event_close(pb->efd);
	ub_free(pb->rings);
	ub_free(pb->tmp);
	ub_map_put(pb->map);
	ub_free(pb);
}

const struct ub_map_ops ub_perf_event_array_map_ops = {
	.alloc_check = ub_fd_array_alloc_check,
	.alloc = perf_array_alloc,
	.free = ub_fd_array_free,
	.lookup = perf_array_lookup,
	.update = ub_fd_array_update_prog_side,
	.delete = ub_fd_array_delete,
	.get_next_key = ub_fd_array_get_next_key,
	.sys_lookup = perf_array_sys_lookup,
	.sys_update = perf_array_sys_update,
};
