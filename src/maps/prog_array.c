/* SPDX-License-Identifier: MIT */
/*
 * maps/prog_array.c - BPF_MAP_TYPE_PROG_ARRAY: tail-call targets.
 *
 * Programs are opaque here: the VM registers a struct ub_prog_ref_ops to
 * take and drop references and to resolve syscall-side u32 handles.  A
 * replaced or deleted program is released after a grace period, so a tail
 * call in flight (inside an RCU read section) never sees freed memory.
 * Syscall lookup returns the program ID, like Linux.
 */
#include "util/ubc.h"

#include "fd_array.h"

/* ==== PROG_ARRAY ==== */

static const struct ub_prog_ref_ops *_Atomic prog_ops;

void ub_prog_array_set_ref_ops(const struct ub_prog_ref_ops *ops)
{
	atomic_store(&prog_ops, ops);
}

static void prog_put(void *prog)
{
	const struct ub_prog_ref_ops *ops = atomic_load(&prog_ops);

	if (ops && ops->put)
		ops->put(prog);
}

static int prog_array_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	int err = ub_fd_array_alloc(attr, out);

	if (!err)
		ub_to_fd_array(*out)->put = prog_put;
	return err;
}

int ub_prog_array_set(struct ub_map *map, uint32_t index, void *prog, uint32_t prog_id)
{
	const struct ub_prog_ref_ops *ops = atomic_load(&prog_ops);
	int err;

	if (map->map_type != USERBPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	if (prog && ops && ops->get)
		ops->get(prog);
	err = ub_fd_array_set(map, index, prog, prog_id);
	if (err && prog)
		prog_put(prog);
	return err;
}

void *ub_prog_array_get(struct ub_map *map, uint32_t index)
{
	if (map->map_type != USERBPF_MAP_TYPE_PROG_ARRAY)
		return NULL;
	return ub_fd_array_get(map, &index);
}

/* bpf_fd_array_map_update_elem() with a program handle as the value. */
static int prog_array_sys_update(struct ub_map *map, const void *key, const void *value,
				 uint64_t flags)
{
	const struct ub_prog_ref_ops *ops = atomic_load(&prog_ops);
	uint32_t index, handle, id = 0;
	int err = 0;
	void *prog;

	if (flags != USERBPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	if (!ops || !ops->from_handle)
		return -EBADF;
	memcpy(&handle, value, sizeof(handle));
	prog = ops->from_handle(handle, &id, &err);
	if (!prog)
		return err ? err : -EBADF;
	err = ub_fd_array_set(map, index, prog, id);
	if (err)
		prog_put(prog);
	return err;
}

static void *prog_array_lookup(struct ub_map *map, const void *key)
{
	(void)map;
	(void)key;
	return NULL; /* programs reach entries only through tail calls */
}

const struct ub_map_ops ub_prog_array_map_ops = {
	.alloc_check = ub_fd_array_alloc_check,
	.alloc = prog_array_alloc,
	.free = ub_fd_array_free,
	.lookup = prog_array_lookup,
	.update = ub_fd_array_update_prog_side,
	.delete = ub_fd_array_delete,
	.get_next_key = ub_fd_array_get_next_key,
	.sys_lookup = ub_fd_array_sys_lookup_id,
	.sys_update = prog_array_sys_update,
};
