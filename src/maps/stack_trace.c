/* SPDX-License-Identifier: MIT */
/*
 * stack_trace.c - BPF_MAP_TYPE_STACK_TRACE: stacks stored by
 * bpf_get_stackid(), keyed by a u32 stack id, each value an array of
 * u64 instruction pointers.  Storage is the hash table of hash.c; the
 * type adds the kernel's creation rules (stack_map_alloc) and its
 * syscall rule that user space may read and delete stacks but never
 * write them (EINVAL).
 */
#include "util/ubc.h"

#include "htab.h"

#define STACK_CREATE_FLAG_MASK                                                                     \
	(USERBPF_F_NUMA_NODE | USERBPF_F_RDONLY | USERBPF_F_WRONLY | USERBPF_F_STACK_BUILD_ID)
#define MAX_STACK_DEPTH 127 /* sysctl_perf_event_max_stack */

static int stack_alloc_check(const struct ub_map_attr *attr)
{
	if (attr->map_flags & ~STACK_CREATE_FLAG_MASK)
		return -EINVAL;
	if (!ub_map_flags_access_ok(attr->map_flags))
		return -EINVAL;
	/* build ids (32-byte records) are not collected in user space */
	if (attr->map_flags & USERBPF_F_STACK_BUILD_ID)
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size < 8 ||
	    attr->value_size % 8)
		return -EINVAL;
	if (attr->value_size / 8 > MAX_STACK_DEPTH)
		return -EINVAL;
	return 0;
}

/* Program side (bpf_get_stackid): replace or insert. */
static int stack_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	return ub_htab_update_common(ub_to_htab(map), key, value, flags, false);
}

/* The kernel's stack_map_update_elem: not from user space. */
static int stack_sys_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	(void)map, (void)key, (void)value, (void)flags;
	return -EINVAL;
}

const struct ub_map_ops ub_stack_trace_map_ops = {
	.alloc_check = stack_alloc_check,
	.alloc = ub_htab_alloc,
	.free = ub_htab_free,
	.lookup = ub_htab_lookup,
	.update = stack_update,
	.delete = ub_htab_delete,
	.get_next_key = ub_htab_get_next_key,
	.sys_lookup = ub_htab_sys_lookup,
	.sys_update = stack_sys_update,
};
