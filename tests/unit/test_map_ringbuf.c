/* SPDX-License-Identifier: MIT */
/*
 * test_map_ringbuf.c - RINGBUF: creation rules, the kernel's record layout
 * (8-byte header, BUSY/DISCARD bits, pg_off, 8-byte rounding, data mapped
 * twice), reserve limits, output/query, wake-up flags through the eventfd,
 * the consumer, and 2 producers + 1 consumer receiving every record
 * exactly once in per-producer order.
 */
#include <poll.h>
#include <pthread.h>

#include "test.h"
#include "test_map_util.h"
#include "maps/map.h"

#define ENOTSUPP_ 524

TEST(map_ringbuf_create)
{
	struct userbpf_map *m;
	uint32_t k = 0, v = 0;

	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4097, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 12288, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_RINGBUF, 0, 4, 4096, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, USERBPF_F_NO_PREALLOC, 0),
		  EINVAL);
	m = tm_create(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	ASSERT_TRUE(m);
	ASSERT_ERR(userbpf_map__lookup_elem(m, NULL, &v, 0), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__update_elem(m, NULL, &v, 0), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__delete_elem(m, NULL), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__get_next_key(m, NULL, &k), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &v, 0), -EINVAL);
	userbpf_map__put(m);
}

TEST(map_ringbuf_layout)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	struct ub_map *um;
	unsigned long *cons, *prod;
	unsigned char *data;
	size_t size;
	uint32_t hdr[2];
	uint64_t eight = 0x1122334455667788ULL;
	char *rec;

	ASSERT_TRUE(m);
	um = ub_map_from(m);
	ASSERT_OK(userbpf_ringbuf_map__areas(m, (void **)&cons, (void **)&prod, (void **)&data,
					     &size));
	ASSERT_EQ(size, 4096);
	ASSERT_EQ((unsigned char *)prod - (unsigned char *)cons, 4096);
	ASSERT_EQ(data - (unsigned char *)prod, 4096);
	/* a discarded 5-byte record: header 0x40000005, 16 bytes */
	rec = ub_ringbuf_reserve(um, 5, 0);
	ASSERT_TRUE(rec != NULL);
	memcpy(hdr, data, 8);
	ASSERT_EQ(hdr[0], 0x80000005u); /* BUSY while reserved */
	ASSERT_EQ(hdr[1], 3);		/* pg_off: data page 3 pages from the header */
	ASSERT_EQ(*prod, 16);
	ub_ringbuf_discard(rec, 0);
	memcpy(hdr, data, 8);
	ASSERT_EQ(hdr[0], 0x40000005u);
	/* an 8-byte output: header 0x00000008, producer_pos 32 */
	ASSERT_OK(ub_ringbuf_output(um, &eight, 8, 0));
	memcpy(hdr, data + 16, 8);
	ASSERT_EQ(hdr[0], 8);
	ASSERT_EQ(*prod, 32);
	ASSERT_EQ(ub_ringbuf_query(um, USERBPF_RB_PROD_POS), 32);
	ASSERT_EQ(ub_ringbuf_query(um, USERBPF_RB_AVAIL_DATA), 32);
	ASSERT_EQ(ub_ringbuf_query(um, USERBPF_RB_RING_SIZE), 4096);
	ASSERT_EQ(ub_ringbuf_query(um, USERBPF_RB_CONS_POS), 0);
	ASSERT_EQ(ub_ringbuf_query(um, 77), 0);
	/* unknown output flags: EINVAL, nothing written */
	ASSERT_ERR(ub_ringbuf_output(um, &eight, 8, 4), -EINVAL);
	ASSERT_EQ(*prod, 32);
	/* the data area is mapped twice: byte 0 and byte 4096 are one byte */
	data[0] = 0x5a;
	ASSERT_EQ(data[4096], 0x5a);
	memcpy(data, hdr, 4); /* restore */
	memcpy(hdr, data, 8);
	ASSERT_EQ(hdr[0], 8); /* (restored from the last header read) */
	userbpf_map__put(m);
}

TEST(map_ringbuf_reserve_limits)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	struct ub_map *um;
	void *a, *b;

	ASSERT_TRUE(m);
	um = ub_map_from(m);
	ASSERT_TRUE(ub_ringbuf_reserve(um, 8, 1) == NULL);    /* flags */
	ASSERT_TRUE(ub_ringbuf_reserve(um, 4096, 0) == NULL); /* > ring */
	ASSERT_TRUE(ub_ringbuf_reserve(um, 1u << 31, 0) == NULL);
	a = ub_ringbuf_reserve(um, 2000, 0); /* 2008 bytes */
	b = ub_ringbuf_reserve(um, 2072, 0); /* 2080: 4088 of 4096 used */
	ASSERT_TRUE(a && b);
	ASSERT_TRUE(ub_ringbuf_reserve(um, 100, 0) == NULL); /* full */
	ASSERT_ERR(ub_ringbuf_output(um, "x", 1, 0), -EAGAIN);
	ub_ringbuf_submit(a, 0);
	ub_ringbuf_submit(b, 0);
	userbpf_map__put(m);
}

struct rb_seen {
	int n;
	uint32_t last_len;
	char buf[64];
};

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rb_seen *s = ctx;

	s->n++;
	s->last_len = (uint32_t)size;
	memcpy(s->buf, data, size < 64 ? size : 64);
	return 0;
}

TEST(map_ringbuf_consume_and_wakeup)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	struct userbpf_ringbuf *rb;
	struct rb_seen seen = { 0 };
	struct pollfd pfd;
	struct ub_map *um;
	void *r;
	int i;

	ASSERT_TRUE(m);
	um = ub_map_from(m);
	rb = userbpf_ringbuf__new(m, rb_cb, &seen);
	ASSERT_TRUE(rb != NULL);
	pfd.fd = userbpf_ringbuf__epoll_fd(rb);
	pfd.events = POLLIN;
	ASSERT_EQ(userbpf_ringbuf__poll(rb, 0), 0);
	/* NO_WAKEUP: data, but the fd stays quiet */
	ASSERT_OK(ub_ringbuf_output(um, "hello", 5, USERBPF_RB_NO_WAKEUP));
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	ASSERT_EQ(userbpf_ringbuf__consume(rb), 1);
	ASSERT_EQ(seen.last_len, 5);
	ASSERT_TRUE(!memcmp(seen.buf, "hello", 5));
	/* default: the consumer caught up, so this record wakes it */
	ASSERT_OK(ub_ringbuf_output(um, "abc", 3, 0));
	ASSERT_EQ(poll(&pfd, 1, 0), 1);
	ASSERT_EQ(userbpf_ringbuf__poll(rb, 100), 1);
	/* a second record behind an unconsumed one does not wake */
	ASSERT_OK(ub_ringbuf_output(um, "1", 1, 0));
	ASSERT_EQ(userbpf_ringbuf__poll(rb, 0), 1);  /* drains the eventfd */
	ASSERT_OK(ub_ringbuf_output(um, "2", 1, 0)); /* wakes */
	ASSERT_OK(ub_ringbuf_output(um, "3", 1, 0)); /* does not */
	ASSERT_EQ(userbpf_ringbuf__poll(rb, 0), 2);
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	ASSERT_OK(ub_ringbuf_output(um, "4", 1, 0));
	ASSERT_OK(ub_ringbuf_output(um, "5", 1, USERBPF_RB_FORCE_WAKEUP));
	ASSERT_EQ(poll(&pfd, 1, 0), 1);
	ASSERT_EQ(userbpf_ringbuf__poll(rb, 0), 2);
	/* a busy record stops the consumer; discarded ones are skipped */
	r = ub_ringbuf_reserve(um, 10, 0);
	ASSERT_OK(ub_ringbuf_output(um, "6", 1, 0));
	ASSERT_EQ(userbpf_ringbuf__consume(rb), 0);
	ub_ringbuf_discard(r, 0);
	ASSERT_EQ(userbpf_ringbuf__consume(rb), 1);
	ASSERT_EQ(seen.buf[0], '6');
	/* wrap around many times: records stay contiguous */
	for (i = 0; i < 1000; i++) {
		char buf[40];

		memset(buf, 'a' + i % 26, sizeof(buf));
		ASSERT_OK(ub_ringbuf_output(um, buf, 37, 0));
		ASSERT_EQ(userbpf_ringbuf__consume(rb), 1);
		ASSERT_EQ(seen.last_len, 37);
		ASSERT_EQ(seen.buf[36], 'a' + i % 26);
	}
	ASSERT_TRUE(userbpf_ringbuf__new(ub_map_to_public(um), NULL, NULL) == NULL);
	userbpf_ringbuf__free(rb);
	userbpf_map__put(m);
}

/* ---- 2 producers, 1 consumer ---- */

#define RBS_N 100000

static struct ub_map *rbs_map;
static atomic_int rbs_producers_done;

struct rbs_state {
	uint64_t next[2];
	long errors;
	long total;
};

static void *rbs_producer(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg, i, discarded = UINT64_MAX;

	for (i = 0; i < RBS_N;) {
		uint64_t rec[2] = { id, i };
		uint64_t *p;

		if (i % 3 == 0) {
			if (!ub_ringbuf_output(rbs_map, rec, sizeof(rec), 0))
				i++;
		} else if ((p = ub_ringbuf_reserve(rbs_map, sizeof(rec) + (i % 5), 0))) {
			if (i % 7 == 0 && discarded != i) {
				discarded = i;
				ub_ringbuf_discard(p, USERBPF_RB_NO_WAKEUP);
				continue; /* retry the same sequence number */
			}
			p[0] = id;
			p[1] = i;
			ub_ringbuf_submit(p, 0);
			i++;
		}
	}
	atomic_fetch_add(&rbs_producers_done, 1);
	return NULL;
}

static int rbs_cb(void *ctx, void *data, size_t size)
{
	struct rbs_state *st = ctx;
	uint64_t rec[2];

	memcpy(rec, data, sizeof(rec));
	if (size < 16 || rec[0] > 1 || rec[1] != st->next[rec[0]])
		st->errors++;
	else
		st->next[rec[0]]++;
	st->total++;
	return 0;
}

TEST(map_ringbuf_stress)
{
	struct userbpf_map *m = tm_create(USERBPF_MAP_TYPE_RINGBUF, 0, 0, 16384, 0);
	struct rbs_state st = { { 0, 0 }, 0, 0 };
	struct userbpf_ringbuf *rb;
	pthread_t th[2];

	ASSERT_TRUE(m);
	rbs_map = ub_map_from(m);
	atomic_store(&rbs_producers_done, 0);
	rb = userbpf_ringbuf__new(m, rbs_cb, &st);
	ASSERT_TRUE(rb != NULL);
	pthread_create(&th[0], NULL, rbs_producer, (void *)0);
	pthread_create(&th[1], NULL, rbs_producer, (void *)1);
	while (atomic_load(&rbs_producers_done) < 2 || st.total < 2 * RBS_N) {
		int n = userbpf_ringbuf__poll(rb, 10);

		ASSERT_TRUE(n >= 0);
		if (st.errors)
			break;
	}
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	userbpf_ringbuf__consume(rb);
	ASSERT_EQ(st.errors, 0);
	ASSERT_EQ(st.next[0], RBS_N);
	ASSERT_EQ(st.next[1], RBS_N);
	ASSERT_EQ(st.total, 2 * RBS_N);
	userbpf_ringbuf__free(rb);
	userbpf_map__put(m);
}
