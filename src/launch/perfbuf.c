/* SPDX-License-Identifier: MIT */
/*
 * perfbuf.c - libbpf's perf_buffer under launch: the BPF output events it
 * opens per CPU (perf_event_open PERF_COUNT_SW_BPF_OUTPUT) are eventfds
 * with a ring in the kernel's perf mmap layout (struct
 * perf_event_mmap_page, then 2^n data pages) that libbpf maps; storing
 * them in a PERF_EVENT_ARRAY creates userbpf's perf buffer on that map
 * (where bpf_perf_event_output writes), and before each epoll wait the
 * records it holds are moved into libbpf's rings as PERF_RECORD_SAMPLE
 * (lost counts as PERF_RECORD_LOST) and the eventfds signalled.  Waits
 * on such descriptors are cut into 20 ms slices (interpose.c), so
 * records arrive within a slice.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "launch_int.h"
#include "userbpf/map.h"
#include "userbpf/syscall.h"

#define MAX_OUT 512

struct pb_bridge {
	struct userbpf_perf_buffer *pb;
	struct lobj *out[MAX_OUT]; /* by CPU slot; references */
	struct pb_bridge *next;
};

static pthread_mutex_t pb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pb_bridge *bridges;

bool launch_perfbuf_active(void)
{
	return __atomic_load_n(&bridges, __ATOMIC_ACQUIRE) != NULL;
}

int launch_perfbuf_open(int cpu)
{
	struct lobj *pe = lobj_new(LOBJ_PERF);
	int fd;

	if (!pe)
		return -ENOMEM;
	fd = launch_real.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		lobj_put(pe);
		return -errno;
	}
	pe->pe_kind = LPERF_OUTPUT;
	pe->cpu = cpu < 0 ? 0 : cpu;
	return lobj_install_fd(pe, fd);
}

void *launch_perfbuf_mmap(struct lobj *pe, void *addr, size_t len, int flags)
{
	struct perf_event_mmap_page *pg;
	size_t data = len - 4096;
	void *p;

	if (len <= 4096 || (data & (data - 1)) || (data & 4095) || pe->ring) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	p = launch_real.mmap(addr, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS | (flags & MAP_FIXED), -1, 0);
	if (p == MAP_FAILED)
		return p;
	pg = p;
	pg->data_offset = 4096;
	pg->data_size = data;
	pe->ring = p;
	pe->ring_size = len;
	return p;
}

void launch_perfbuf_unmap(void *addr)
{
	struct pb_bridge *b;
	int i;

	pthread_mutex_lock(&pb_lock);
	for (b = bridges; b; b = b->next)
		for (i = 0; i < MAX_OUT; i++)
			if (b->out[i] && b->out[i]->ring == addr)
				b->out[i]->ring = NULL;
	pthread_mutex_unlock(&pb_lock);
}

/* Append one record to a libbpf ring: false when it does not fit. */
static bool ring_put(struct lobj *pe, const void *hdr, size_t hlen, const void *data, size_t dlen,
		     size_t total)
{
	struct perf_event_mmap_page *pg = pe->ring;
	uint8_t *base;
	uint64_t head, tail, size;
	size_t i;

	if (!pg)
		return false;
	base = (uint8_t *)pg + pg->data_offset;
	size = pg->data_size;
	head = pg->data_head;
	tail = __atomic_load_n(&pg->data_tail, __ATOMIC_ACQUIRE);
	if (head - tail + total > size)
		return false;
	for (i = 0; i < total; i++) {
		uint8_t c = 0;

		if (i < hlen)
			c = ((const uint8_t *)hdr)[i];
		else if (i - hlen < dlen)
			c = ((const uint8_t *)data)[i - hlen];
		base[(head + i) & (size - 1)] = c;
	}
	__atomic_store_n(&pg->data_head, head + total, __ATOMIC_RELEASE);
	return true;
}

static struct lobj *out_of(struct pb_bridge *b, int cpu)
{
	int i;

	if (cpu >= 0 && cpu < MAX_OUT && b->out[cpu] && b->out[cpu]->ring)
		return b->out[cpu];
	for (i = 0; i < MAX_OUT; i++)
		if (b->out[i] && b->out[i]->ring)
			return b->out[i];
	return NULL;
}

static void signal_out(struct lobj *pe)
{
	uint64_t one = 1;
	int fd;

	/* the descriptor that stands for pe is any in the table: the
	 * eventfd was installed with it, find it through its ring */
	fd = pe->h;
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return;
}

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct pb_bridge *b = ctx;
	struct lobj *pe = out_of(b, cpu);
	struct {
		struct perf_event_header h;
		uint32_t size;
	} __attribute__((packed)) rec;
	size_t total = (sizeof(rec) + size + 7) & ~(size_t)7;

	if (!pe)
		return;
	rec.h.type = PERF_RECORD_SAMPLE;
	rec.h.misc = 0;
	rec.h.size = (uint16_t)total;
	rec.size = size;
	if (ring_put(pe, &rec, sizeof(rec), data, size, total))
		signal_out(pe);
}

static void on_lost(void *ctx, int cpu, uint64_t cnt)
{
	struct pb_bridge *b = ctx;
	struct lobj *pe = out_of(b, cpu);
	struct {
		struct perf_event_header h;
		uint64_t id, lost;
	} rec;

	if (!pe)
		return;
	rec.h.type = PERF_RECORD_LOST;
	rec.h.misc = 0;
	rec.h.size = sizeof(rec);
	rec.id = 0;
	rec.lost = cnt;
	if (ring_put(pe, &rec, sizeof(rec), NULL, 0, sizeof(rec)))
		signal_out(pe);
}

int launch_perfbuf_set(struct lobj *map, uint32_t key, int pfd)
{
	struct lobj *pe = lobj_get(pfd);
	struct pb_bridge *b;

	if (!pe)
		return -EBADF;
	if (pe->kind != LOBJ_PERF || pe->pe_kind != LPERF_OUTPUT || key >= MAX_OUT) {
		lobj_put(pe);
		return pe->kind != LOBJ_PERF ? -EINVAL : -EOPNOTSUPP;
	}
	/* the eventfd to signal: this descriptor (libbpf keeps it open) */
	pe->h = pfd;
	pthread_mutex_lock(&pb_lock);
	b = map->bridge;
	if (!b) {
		size_t pages = pe->ring_size > 4096 ? (pe->ring_size - 4096) / 4096 : 8;

		b = calloc(1, sizeof(*b));
		if (b) {
			launch_in_lib++;
			b->pb = userbpf_perf_buffer__new(userbpf_map_by_fd(map->h), pages,
							 on_sample, on_lost, b);
			launch_in_lib--;
			if (!b->pb) {
				free(b);
				b = NULL;
			}
		}
		if (!b) {
			pthread_mutex_unlock(&pb_lock);
			lobj_put(pe);
			return -ENOMEM;
		}
		map->bridge = b;
		b->next = bridges;
		__atomic_store_n(&bridges, b, __ATOMIC_RELEASE);
	}
	lobj_put(b->out[key]);
	b->out[key] = pe; /* our reference */
	pthread_mutex_unlock(&pb_lock);
	return 0;
}

void launch_perfbuf_release(struct lobj *obj)
{
	struct pb_bridge *b = obj->bridge, **pp;
	int i;

	if (obj->kind == LOBJ_PERF && obj->pe_kind == LPERF_OUTPUT) {
		/* h was borrowed (the descriptor itself), never a handle */
		obj->h = -1;
		return;
	}
	if (!b)
		return;
	pthread_mutex_lock(&pb_lock);
	for (pp = &bridges; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	pthread_mutex_unlock(&pb_lock);
	userbpf_perf_buffer__free(b->pb);
	for (i = 0; i < MAX_OUT; i++)
		lobj_put(b->out[i]);
	free(b);
	obj->bridge = NULL;
}

void launch_perfbuf_pump(void)
{
	struct pb_bridge *b;
	int i;

	pthread_mutex_lock(&pb_lock);
	for (b = bridges; b; b = b->next) {
		userbpf_perf_buffer__consume(b->pb);
		for (i = 0; i < MAX_OUT; i++) {
			struct lobj *pe = b->out[i];
			struct perf_event_mmap_page *pg;
			uint64_t v;

			if (!pe || !pe->ring || pe->h < 0)
				continue;
			pg = pe->ring;
			/* level-triggered: clear the signal of an emptied ring */
			if (__atomic_load_n(&pg->data_tail, __ATOMIC_ACQUIRE) == pg->data_head &&
			    read(pe->h, &v, sizeof(v)) < 0)
				continue;
		}
	}
	pthread_mutex_unlock(&pb_lock);
}
#endif /* USERBPF_LAUNCH */
