/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_helpers.c - bpf_ringbuf_output/reserve/submit/discard/query and
 * bpf_perf_event_output, over the ring buffer and perf event array maps.
 * Records reserved become held resources of the run (and, in checked mode,
 * regions until submit/discard).
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

/* End of a run with the record still reserved: give it back. */
static void ringbuf_release(void *map, void *rec)
{
	ub_ringbuf_commit(map, rec, 0, true);
}

/*
 * bpf_ringbuf_reserve(ringbuf, size, flags): record or NULL.  The run
 * keeps every record it reserved; in checked mode the record is also a
 * writable region until submit/discard.
 */
UB_HELPER(ringbuf_reserve)
{
	struct ub_map *map = ringbuf_arg(run, r1);
	void *rec;

	if (!map)
		return 0;
	rec = ub_ringbuf_reserve(map, r2, r3);
	if (!rec)
		return 0;
	if (vm_hold(run, VM_HELD_RINGBUF_REC, rec, map, ringbuf_release)) {
		/* too many records outstanding: the reservation fails */
		ub_ringbuf_commit(map, rec, 0, true);
		return 0;
	}
	userbpf_run__add_region(run, rec, r2, 1);
	return (uint64_t)(uintptr_t)rec;
}

/*
 * submit/discard take exactly a record this run reserved and did not yet
 * commit: the run's own list says so, never the memory before the record
 * (the program can write there).  Anything else does nothing; in checked
 * mode it stops the run.  After the commit the record is gone for the
 * program.
 */
static void ringbuf_commit(struct userbpf_run *run, uint64_t rec, uint64_t flags, bool discard)
{
	void *p = (void *)(uintptr_t)rec;
	void *map;

	if (!vm_unhold(run, VM_HELD_RINGBUF_REC, p, &map)) {
		if (userbpf_run__checked(run))
			userbpf_run__abort(
				run, -EINVAL,
				discard ?
					"bpf_ringbuf_discard of a pointer that is not a live reservation" :
					"bpf_ringbuf_submit of a pointer that is not a live reservation");
		return;
	}
	vm_del_region(run, p);
	ub_ringbuf_commit(map, p, flags, discard);
}

UB_HELPER(ringbuf_submit)
{
	ringbuf_commit(run, r1, r2, false);
	return 0;
}

UB_HELPER(ringbuf_discard)
{
	ringbuf_commit(run, r1, r2, true);
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

	if (!userbpf_run__map_ok(run, map) || map->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return UB_ERR(-EINVAL);
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r4, r5, 0))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_perf_event_output(map, r3, (const void *)(uintptr_t)r4, r5);
}
