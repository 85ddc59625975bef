/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_helpers.c - bpf_ringbuf_output/reserve/submit/discard/query and
 * bpf_perf_event_output, over the ring buffer and perf event array maps.
 * Records reserved in checked mode become regions of the run.
 */
#include "helpers.h"
#include "maps/map.h"

#define BPF_MAP_TYPE_PERF_EVENT_ARRAY 4
#define BPF_MAP_TYPE_RINGBUF 27

static struct ub_map *ringbuf_arg(struct userbpf_run *run, uint64_t r)
{
	struct ub_map *map = (struct ub_map *)(uintptr_t)r;

	if (!userbpf_run__map_ok(run, map) || map->map_type != BPF_MAP_TYPE_RINGBUF)
		return NULL;
	return map;
}

/* bpf_ringbuf_output(ringbuf, data, size, flags) */
UB_HELPER(ringbuf_output)
{
	struct ub_map *map = ringbuf_arg(run, r1);

	if (!map)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r2, r3, 0))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_ringbuf_output(map, (const void *)(uintptr_t)r2, r3, r4);
}

/* bpf_ringbuf_reserve(ringbuf, size, flags): record or NULL */
UB_HELPER(ringbuf_reserve)
{
	struct ub_map *map = ringbuf_arg(run, r1);
	void *rec;

	if (!map)
		return 0;
	rec = ub_ringbuf_reserve(map, r2, r3);
	if (rec)
		userbpf_run__add_region(run, rec, r2, 1);
	return (uint64_t)(uintptr_t)rec;
}

/*
 * submit/discard take the record the program got from reserve.  In
 * checked mode it must be a region the run knows (a reserved record); the
 * ring layer finds the ring from the record header like the kernel.
 */
UB_HELPER(ringbuf_submit)
{
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r1, 1, 1))
		return 0;
	ub_ringbuf_submit((void *)(uintptr_t)r1, r2);
	return 0;
}

UB_HELPER(ringbuf_discard)
{
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r1, 1, 1))
		return 0;
	ub_ringbuf_discard((void *)(uintptr_t)r1, r2);
	return 0;
}

UB_HELPER(ringbuf_query)
{
	struct ub_map *map = ringbuf_arg(run, r1);

	return map ? ub_ringbuf_query(map, r2) : 0;
}

/* bpf_perf_event_output(ctx, map, flags, data, size) */
UB_HELPER(perf_event_output)
{
	struct ub_map *map = (struct ub_map *)(uintptr_t)r2;

	if (!userbpf_run__map_ok(run, map) ||
	    map->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r4, r5, 0))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_perf_event_output(map, r3, (const void *)(uintptr_t)r4, r5);
}
