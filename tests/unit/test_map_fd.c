/* SPDX-License-Identifier: MIT */
/*
 * test_map_fd.c - maps holding objects: PROG_ARRAY (program refcounts via
 * the ref-ops interface, IDs from lookup, deferred release), PERF_EVENT_
 * ARRAY (output errno rules, sample/lost records through the perf buffer
 * consumer), ARRAY_OF_MAPS and HASH_OF_MAPS (template compatibility,
 * inner map IDs, program-side inner map pointers, references).
 */
#include <stdlib.h>

#include "test.h"
#include "test_map_util.h"
#include "maps/map.h"

#define ENOTSUPP_ 524

/* ---- a fake program object with a refcount ---- */

struct fake_prog {
	int refs;
	uint32_t id;
};

static struct fake_prog fake_progs[3] = { { 1, 101 }, { 1, 102 }, { 1, 103 } };

static void fake_get(void *p)
{
	__atomic_fetch_add(&((struct fake_prog *)p)->refs, 1, __ATOMIC_RELAXED);
}
static void fake_put(void *p)
{
	__atomic_fetch_sub(&((struct fake_prog *)p)->refs, 1, __ATOMIC_RELAXED);
}

static void *fake_from_handle(uint32_t handle, uint32_t *id, int *err)
{
	if (handle >= 3) {
		*err = -EBADF;
		return NULL;
	}
	fake_get(&fake_progs[handle]);
	*id = fake_progs[handle].id;
	return &fake_progs[handle];
}

static const struct ub_prog_ref_ops fake_ops = { fake_get, fake_put, fake_from_handle };

TEST(map_prog_array)
{
	struct userbpf_map *m;
	struct ub_map *um;
	uint32_t k = 0, v = 0, out;

	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0, 0, 0), EINVAL);
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, USERBPF_F_RDONLY_PROG, 0),
		  EINVAL);
	m = tm_create(USERBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	ASSERT_TRUE(m);
	um = ub_map_from(m);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &out, 0), -ENOENT);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -ENOENT);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, USERBPF_NOEXIST), -EINVAL);
	ub_prog_array_set_ref_ops(NULL);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -EBADF);
	ub_prog_array_set_ref_ops(&fake_ops);
	k = 4;
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -E2BIG);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -E2BIG);
	k = 1;
	v = 7;
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -EBADF);
	v = 0;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	ASSERT_EQ(fake_progs[0].refs, 2);
	ASSERT_OK(userbpf_map__lookup_elem(m, &k, &out, 0));
	ASSERT_EQ(out, 101); /* the program ID */
	ASSERT_TRUE(ub_prog_array_get(um, 1) == &fake_progs[0]);
	ASSERT_TRUE(ub_prog_array_get(um, 2) == NULL);
	ASSERT_TRUE(ub_prog_array_get(um, 99) == NULL);
	/* replace: the old program is released after a grace period */
	ASSERT_OK(ub_prog_array_set(um, 1, &fake_progs[1], 102));
	ub_map_defer_flush();
	ASSERT_EQ(fake_progs[0].refs, 1);
	ASSERT_EQ(fake_progs[1].refs, 2);
	ASSERT_ERR(ub_prog_array_set(um, 4, &fake_progs[1], 102), -E2BIG);
	ASSERT_OK(userbpf_map__delete_elem(m, &k));
	ASSERT_EQ(fake_progs[1].refs, 1);
	ASSERT_OK(ub_prog_array_set(um, 3, &fake_progs[2], 103));
	userbpf_map__put(m); /* frees: releases the program */
	ASSERT_EQ(fake_progs[2].refs, 1);
	ub_prog_array_set_ref_ops(NULL);
}

struct pb_seen {
	int samples, lost_records;
	uint64_t lost;
	uint32_t last_size;
	int last_cpu;
	unsigned char buf[64];
};

static void pb_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct pb_seen *s = ctx;

	s->samples++;
	s->last_cpu = cpu;
	s->last_size = size;
	memcpy(s->buf, data, size < 64 ? size : 64);
}

static void pb_lost(void *ctx, int cpu, uint64_t cnt)
{
	struct pb_seen *s = ctx;

	(void)cpu;
	s->lost_records++;
	s->lost += cnt;
}

TEST(map_perf_event_array)
{
	int ncpus = userbpf_num_possible_cpus();
	struct userbpf_map *m =
		tm_create(USERBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, (uint32_t)ncpus, 0);
	struct userbpf_perf_buffer *pb;
	struct pb_seen seen = { 0 };
	struct ub_map *um;
	uint32_t k = 0, v = 0;
	unsigned char big[1000] = { 1, 2, 3 };
	int i, sent = 0, enospc = 0;

	ASSERT_TRUE(m);
	um = ub_map_from(m);
	ASSERT_ERR(userbpf_map__lookup_elem(m, &k, &v, 0), -ENOTSUPP_);
	ASSERT_ERR(userbpf_map__delete_elem(m, &k), -ENOENT);
	ASSERT_ERR(userbpf_map__update_elem(m, &k, &v, 0), -EBADF);
	ub_set_current_cpu(0);
	ASSERT_ERR(ub_perf_event_output(um, USERBPF_F_CURRENT_CPU, "x", 1), -ENOENT);
	pb = userbpf_perf_buffer__new(m, 1, pb_sample, pb_lost, &seen);
	ASSERT_TRUE(pb != NULL);
	ASSERT_ERR(ub_perf_event_output(um, 1ULL << 32, "x", 1), -EINVAL);
	ASSERT_ERR(ub_perf_event_output(um, (uint64_t)ncpus, "x", 1), -E2BIG);
	if (ncpus > 1)
		ASSERT_ERR(ub_perf_event_output(um, 1, "x", 1), -EOPNOTSUPP);
	ASSERT_OK(ub_perf_event_output(um, USERBPF_F_CURRENT_CPU, "hello", 5));
	ASSERT_EQ(userbpf_perf_buffer__poll(pb, 100), 1);
	ASSERT_EQ(seen.samples, 1);
	ASSERT_EQ(seen.last_cpu, 0);
	ASSERT_EQ(seen.last_size, 12); /* padded: 8 + 4 + 12 = 24 bytes */
	ASSERT_TRUE(!memcmp(seen.buf, "hello", 5));
	/* fill the 4 KiB ring: lost records, then a LOST record */
	for (i = 0; i < 10; i++) {
		long r = ub_perf_event_output(um, 0, big, sizeof(big));

		sent += r == 0;
		enospc += r == -ENOSPC;
	}
	ASSERT_EQ(sent, 4);
	ASSERT_EQ(enospc, 6);
	ASSERT_EQ(userbpf_perf_buffer__consume(pb), 4);
	ASSERT_OK(ub_perf_event_output(um, 0, big, 3));
	ASSERT_EQ(userbpf_perf_buffer__consume(pb), 2);
	ASSERT_EQ(seen.lost_records, 1);
	ASSERT_EQ(seen.lost, 6);
	ASSERT_EQ(seen.buf[2], 3);
	/* wrap-around records */
	for (i = 0; i < 100; i++) {
		big[0] = (unsigned char)i;
		ASSERT_OK(ub_perf_event_output(um, 0, big, 300));
		ASSERT_EQ(userbpf_perf_buffer__consume(pb), 1);
		ASSERT_EQ(seen.buf[0], (unsigned char)i);
	}
	ub_set_current_cpu(-1);
	userbpf_perf_buffer__free(pb);
	ASSERT_ERR(ub_perf_event_output(um, 0, "x", 1), -ENOENT);
	userbpf_map__put(m);
}

static int refcnt(struct userbpf_map *m)
{
	return atomic_load(&ub_map_from(m)->refcnt);
}

TEST(map_array_of_maps)
{
	struct userbpf_map *tmpl = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 2, 0);
	struct userbpf_map *in1 = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 2, 0);
	struct userbpf_map *bad_size = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 3, 0);
	struct userbpf_map *bad_vs = tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 8, 2, 0);
	struct userbpf_map *outer, *outer2;
	USERBPF_OPTS(userbpf_map_create_opts, o, .inner_map = tmpl);
	uint32_t k = 0, v, out;

	ASSERT_TRUE(tmpl && in1 && bad_size && bad_vs);
	/* no template */
	ASSERT_EQ(tm_create_err(USERBPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, 0), EINVAL);
	outer = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 2, &o);
	ASSERT_TRUE(outer != NULL);
	/* two levels are refused */
	o.inner_map = outer;
	ASSERT_TRUE(userbpf_map__create(USERBPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 2, &o) == NULL);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_ERR(userbpf_map__lookup_elem(outer, &k, &out, 0), -ENOENT);
	v = userbpf_map__id(bad_size);
	ASSERT_ERR(userbpf_map__update_elem(outer, &k, &v, 0), -EINVAL);
	v = userbpf_map__id(bad_vs);
	ASSERT_ERR(userbpf_map__update_elem(outer, &k, &v, 0), -EINVAL);
	v = 0x7ffffff0;
	ASSERT_ERR(userbpf_map__update_elem(outer, &k, &v, 0), -EBADF);
	v = userbpf_map__id(in1);
	ASSERT_ERR(userbpf_map__update_elem(outer, &k, &v, USERBPF_EXIST), -EINVAL);
	ASSERT_OK(userbpf_map__update_elem(outer, &k, &v, 0));
	ASSERT_EQ(refcnt(in1), 2);
	ASSERT_OK(userbpf_map__lookup_elem(outer, &k, &out, 0));
	ASSERT_EQ(out, userbpf_map__id(in1));
	ASSERT_TRUE(ub_map_lookup_elem(ub_map_from(outer), &k) == ub_map_from(in1));
	k = 2;
	ASSERT_ERR(userbpf_map__update_elem(outer, &k, &v, 0), -E2BIG);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(outer, &k, &out, 0), -ENOTSUPP_);
	k = 0;
	ASSERT_OK(userbpf_map__delete_elem(outer, &k));
	ASSERT_EQ(refcnt(in1), 1);
	ASSERT_ERR(userbpf_map__delete_elem(outer, &k), -ENOENT);
	ASSERT_OK(userbpf_map__update_elem(outer, &k, &v, 0));
	/* BPF_F_INNER_MAP templates accept other sizes */
	{
		struct userbpf_map *t2 =
			tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 1, USERBPF_F_INNER_MAP);
		struct userbpf_map *in3 =
			tm_create(USERBPF_MAP_TYPE_ARRAY, 4, 4, 9, USERBPF_F_INNER_MAP);

		o.inner_map = t2;
		outer2 = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY_OF_MAPS, "o2", 4, 4, 2, &o);
		ASSERT_TRUE(outer2 && in3);
		v = userbpf_map__id(in3);
		ASSERT_OK(userbpf_map__update_elem(outer2, &k, &v, 0));
		userbpf_map__put(outer2);
		userbpf_map__put(t2);
		userbpf_map__put(in3);
	}
	userbpf_map__put(outer);
	ASSERT_EQ(refcnt(in1), 1);
	ASSERT_EQ(refcnt(tmpl), 1);
	userbpf_map__put(tmpl);
	userbpf_map__put(in1);
	userbpf_map__put(bad_size);
	userbpf_map__put(bad_vs);
}

TEST(map_hash_of_maps)
{
	struct userbpf_map *tmpl = tm_create(USERBPF_MAP_TYPE_HASH, 4, 4, 2, 0);
	struct userbpf_map *a = tm_create(USERBPF_MAP_TYPE_HASH, 4, 4, 100, 0);
	struct userbpf_map *b = tm_create(USERBPF_MAP_TYPE_HASH, 4, 4, 5, 0);
	struct userbpf_map *outer;
	USERBPF_OPTS(userbpf_map_create_opts, o, .inner_map = tmpl);
	uint32_t k = 5, v, out;

	ASSERT_TRUE(tmpl && a && b);
	ASSERT_TRUE(userbpf_map__create(USERBPF_MAP_TYPE_HASH_OF_MAPS, "h", 4, 8, 4, &o) == NULL);
	ASSERT_EQ(errno, EINVAL);
	outer = userbpf_map__create(USERBPF_MAP_TYPE_HASH_OF_MAPS, "h", 4, 4, 4, &o);
	ASSERT_TRUE(outer != NULL);
	v = userbpf_map__id(a); /* hash inners: max_entries may differ */
	ASSERT_OK(userbpf_map__update_elem(outer, &k, &v, USERBPF_NOEXIST));
	ASSERT_EQ(refcnt(a), 2);
	ASSERT_OK(userbpf_map__lookup_elem(outer, &k, &out, 0));
	ASSERT_EQ(out, userbpf_map__id(a));
	ASSERT_TRUE(ub_map_lookup_elem(ub_map_from(outer), &k) == ub_map_from(a));
	v = userbpf_map__id(b);
	ASSERT_OK(userbpf_map__update_elem(outer, &k, &v, USERBPF_EXIST)); /* replace */
	ASSERT_EQ(refcnt(a), 1);
	ASSERT_EQ(refcnt(b), 2);
	ASSERT_ERR(userbpf_map__lookup_and_delete_elem(outer, &k, &out, 0), -ENOTSUPP_);
	userbpf_map__put(outer);
	ASSERT_EQ(refcnt(b), 1);
	userbpf_map__put(tmpl);
	userbpf_map__put(a);
	userbpf_map__put(b);
}
