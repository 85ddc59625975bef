/* SPDX-License-Identifier: MIT */
/*
 * maps/map_in_map.c - BPF_MAP_TYPE_ARRAY_OF_MAPS and HASH_OF_MAPS
 * (kernel/bpf/map_in_map.c, arraymap.c, hashtab.c).  The outer map keeps
 * a reference to the inner-map template given at create; an inner map
 * stored later must match it (bpf_map_meta_equal: type, key and value
 * size, flags, and max_entries for arrays without BPF_F_INNER_MAP).
 * Syscall-side values are map handles (IDs by default, see
 * ub_map_set_handle_resolver); lookups return the inner map's ID.  The
 * program side gets the inner struct ub_map * itself.  Inner maps dropped
 * from a slot are released after a grace period.
 */
#include "util/ubc.h"

#include "fd_array.h"
#include "htab.h"

/* ==== ARRAY_OF_MAPS ==== */

static void map_put_cb(void *obj)
{
	ub_map_put(obj);
}

/* bpf_map_meta_alloc(): the outer map keeps a reference to a template. */
static int inner_meta_get(const struct ub_map_attr *attr, struct ub_map **meta)
{
	struct ub_map *inner = attr->inner_map;

	if (!inner)
		return -EINVAL; /* inner_map_fd 0: not a map */
	if (inner->inner_map_meta)
		return -EINVAL; /* no more than one level */
	if (inner->map_type == USERBPF_MAP_TYPE_PROG_ARRAY)
		return -UB_ENOTSUPP;
	*meta = ub_map_get(inner);
	return 0;
}

static int array_of_maps_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_map *meta;
	int err = inner_meta_get(attr, &meta);

	if (err)
		return err;
	err = ub_fd_array_alloc(attr, out);
	if (err) {
		ub_map_put(meta);
		return err;
	}
	ub_to_fd_array(*out)->put = map_put_cb;
	(*out)->inner_map_meta = meta;
	(*out)->inner_map_meta_owned = true;
	return 0;
}

/* bpf_map_fd_get_ptr(): a referenced inner map compatible with meta. */
static struct ub_map *inner_from_value(struct ub_map *outer, const void *value, int *err)
{
	uint32_t handle;
	struct ub_map *inner;

	memcpy(&handle, value, sizeof(handle));
	inner = ub_map_from_handle(handle, err);
	if (!inner)
		return NULL;
	if (!ub_map_meta_equal(outer->inner_map_meta, inner)) {
		ub_map_put(inner);
		*err = -EINVAL;
		return NULL;
	}
	return inner;
}

static int array_of_maps_sys_update(struct ub_map *map, const void *key, const void *value,
				    uint64_t flags)
{
	struct ub_map *inner;
	uint32_t index;
	int err = 0;

	if (flags != USERBPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -E2BIG;
	inner = inner_from_value(map, value, &err);
	if (!inner)
		return err ? err : -EBADF;
	err = ub_fd_array_set(map, index, inner, inner->id);
	if (err)
		ub_map_put(inner);
	return err;
}

const struct ub_map_ops ub_array_of_maps_map_ops = {
	.alloc_check = ub_fd_array_alloc_check,
	.alloc = array_of_maps_alloc,
	.free = ub_fd_array_free,
	.lookup = ub_fd_array_get,
	.update = ub_fd_array_update_prog_side,
	.delete = ub_fd_array_delete,
	.get_next_key = ub_fd_array_get_next_key,
	.sys_lookup = ub_fd_array_sys_lookup_id,
	.sys_update = array_of_maps_sys_update,
	.lookup_batch = ub_map_generic_lookup_batch,
	.update_batch = ub_map_generic_update_batch,
};

/* ==== HASH_OF_MAPS (hash.c's table holding struct ub_map *) ==== */

static int hash_of_maps_alloc_check(const struct ub_map_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	return ub_htab_alloc_check(attr);
}

static int hash_of_maps_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_map *meta;
	int err = inner_meta_get(attr, &meta);

	if (err)
		return err;
	err = ub_htab_alloc(attr, out);
	if (err) {
		ub_map_put(meta);
		return err;
	}
	(*out)->inner_map_meta = meta;
	(*out)->inner_map_meta_owned = true;
	return 0;
}

static void *hash_of_maps_lookup(struct ub_map *map, const void *key)
{
	struct ub_map **slot = ub_htab_lookup(map, key);

	return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;
}

static int hash_of_maps_sys_update(struct ub_map *map, const void *key, const void *value,
				   uint64_t flags)
{
	struct ub_map *inner;
	int err = 0;

	inner = inner_from_value(map, value, &err);
	if (!inner)
		return err ? err : -EBADF;
	err = ub_htab_update_common(ub_to_htab(map), key, &inner, flags, false);
	if (err)
		ub_map_put(inner);
	return err;
}

const struct ub_map_ops ub_hash_of_maps_map_ops = {
	.alloc_check = hash_of_maps_alloc_check,
	.alloc = hash_of_maps_alloc,
	.free = ub_htab_free,
	.lookup = hash_of_maps_lookup,
	.update = ub_fd_array_update_prog_side,
	.delete = ub_htab_delete,
	.get_next_key = ub_htab_get_next_key,
	.sys_lookup = ub_htab_sys_lookup,
	.sys_update = hash_of_maps_sys_update,
	.lookup_batch = ub_htab_lookup_batch,
	.lookup_and_delete_batch = ub_htab_lookup_and_delete_batch,
	.update_batch = ub_map_generic_update_batch,
	.delete_batch = ub_map_generic_delete_batch,
};
