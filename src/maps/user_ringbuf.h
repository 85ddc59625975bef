/* SPDX-License-Identifier: MIT */
/*
 * maps/user_ringbuf.h - the program side of BPF_MAP_TYPE_USER_RINGBUF
 * (user_ringbuf.c), for bpf_user_ringbuf_drain (helpers/dynptr_helpers.c).
 * Host only (mmap, eventfd): absent from the freestanding core.
 */
#ifndef USERBPF_MAPS_USER_RINGBUF_H
#define USERBPF_MAPS_USER_RINGBUF_H

#include "map.h"

/* Called per sample: 0 continues, non-zero stops; a negative value (the
 * callback's run failed) stops and is returned by the drain. */
typedef long (*ub_user_ringbuf_cb)(void *sample, uint32_t size, void *ctx);

/*
 * bpf_user_ringbuf_drain(): samples handed to cb (discarded ones not
 * counted), or -EINVAL (flags other than the wake-up ones, a corrupt
 * producer position), -E2BIG (a record larger than the ring), -EBUSY
 * (another drain is running).
 */
long ub_user_ringbuf_drain(struct ub_map *map, ub_user_ringbuf_cb cb, void *ctx,
			   uint64_t flags) UB_HOST_OPTIONAL;
/* The data area (mapped twice: 2 x ring size bytes), for checked runs. */
int ub_user_ringbuf_data_area(struct ub_map *map, void **data, size_t *size) UB_HOST_OPTIONAL;

#endif
