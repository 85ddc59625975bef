/* SPDX-License-Identifier: MIT */
/*
 * maps/fd_array.h - the array of object pointers shared by PROG_ARRAY,
 * PERF_EVENT_ARRAY and ARRAY_OF_MAPS (the kernel's "fd arrays"): creation
 * checks, index rules, and slots read lock-free by programs (acquire
 * loads) and written under a spinlock by the syscall side.
 */
#ifndef USERBPF_MAPS_FD_ARRAY_H
#define USERBPF_MAPS_FD_ARRAY_H

#include "map.h"

struct ub_fd_array {
	struct ub_map map;
	ub_spinlock_t lock;	/* writers */
	void *_Atomic *ptrs;	/* max_entries slots */
	uint32_t *ids;		/* object IDs (under lock) */
	void (*put)(void *obj); /* release a slot's object, deferred */
};

static inline struct ub_fd_array *ub_to_fd_array(const struct ub_map *map)
{
	return (struct ub_fd_array *)map;
}

/* fd_array_map_alloc_check(). */
int ub_fd_array_alloc_check(const struct ub_map_attr *attr);
int ub_fd_array_alloc(const struct ub_map_attr *attr, struct ub_map **out);
void ub_fd_array_free(struct ub_map *map);
/* Install obj (already referenced) at index; the old one is put. */
int ub_fd_array_set(struct ub_map *map, uint32_t index, void *obj, uint32_t id);
int ub_fd_array_delete(struct ub_map *map, const void *key);
/* Object at key (program side), or NULL. */
void *ub_fd_array_get(struct ub_map *map, const void *key);
/* Syscall lookup: the object's ID. */
int ub_fd_array_sys_lookup_id(struct ub_map *map, const void *key, void *value, uint64_t flags);

int ub_fd_array_get_next_key(struct ub_map *map, const void *key, void *next_key);
/* Program-side update of an fd array: not allowed (EINVAL). */
int ub_fd_array_update_prog_side(struct ub_map *map, const void *key, const void *value,
				 uint64_t flags);

#endif
