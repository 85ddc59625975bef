/* SPDX-License-Identifier: MIT */
/*
 * test_map_util.h - small helpers shared by the tests/unit/test_map*.c
 * files: map creation shorthands.
 */
#ifndef USERBPF_TEST_MAP_UTIL_H
#define USERBPF_TEST_MAP_UTIL_H

#include <errno.h>
#include "userbpf/map.h"

static inline struct userbpf_map *tm_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
					    uint32_t flags)
{
	USERBPF_OPTS(userbpf_map_create_opts, o, .map_flags = flags);
	return userbpf_map__create(type, "t", ks, vs, max, &o);
}

/* errno of a create expected to fail (0 if it succeeded). */
static inline int tm_create_err(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
				uint32_t flags, uint64_t extra)
{
	USERBPF_OPTS(userbpf_map_create_opts, o, .map_flags = flags, .map_extra = extra);
	struct userbpf_map *m = userbpf_map__create(type, "t", ks, vs, max, &o);

	if (m) {
		userbpf_map__put(m);
		return 0;
	}
	return errno;
}

#endif
