/* SPDX-License-Identifier: MIT */
/*
 * map_helpers.c - the helpers programs use on maps: lookup, update,
 * delete, push/pop/peek, per-CPU lookup, for_each, tail calls through
 * prog arrays, and bpf_spin_lock.  Semantics and errno values are the
 * kernel's; the work is done by the map layer (src/maps).
 *
 * In checked mode every map argument must be a map the program references
 * and every key/value pointer must lie in the run's regions; values a
 * lookup returns become regions of the run.
 */

#include "helpers.h"
#include "maps/map.h"
#include "maps/sock_map.h"
#include "util/alloc.h"
#include "util/platform_int.h"

#define BPF_MAP_TYPE_PROG_ARRAY 3
#define BPF_MAP_TYPE_ARRAY_OF_MAPS 12
#define BPF_MAP_TYPE_HASH_OF_MAPS 13

/* The map of argument r (checked mode: only maps the program may use). */
static struct ub_map *map_arg(struct userbpf_run *run, uint64_t r)
{
	const void *p = (const void *)(uintptr_t)r;

	return userbpf_run__map_ok(run, p) ? (struct ub_map *)(uintptr_t)r : NULL;
}

static bool mem_arg(struct userbpf_run *run, uint64_t p, size_t size, bool write)
{
	return userbpf_run__mem_ok(run, (const void *)(uintptr_t)p, size, write);
}

static bool is_map_in_map(const struct ub_map *map)
{
	return map->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       map->map_type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* Make a value a lookup returned usable by the program in checked mode. */
static void expose_value(struct userbpf_run *run, struct ub_map *map, void *value)
{
	if (!value || !userbpf_run__checked(run))
		return;
	if (is_map_in_map(map)) {
		userbpf_run__add_map(run, value);
		return;
	}
	userbpf_run__add_region(run, value, map->value_size,
				!(map->map_flags & USERBPF_F_RDONLY_PROG));
}

/*
 * The kernel's verifier refuses a program that updates, deletes, pushes
 * or pops a BPF_F_RDONLY_PROG map ("write into map forbidden", EACCES);
 * without a verifier the run stops at the call with the same error.
 */
static bool prog_may_write(struct userbpf_run *run, const struct ub_map *map)
{
	if (!(map->map_flags & USERBPF_F_RDONLY_PROG))
		return true;
	userbpf_run__abort(run, -EACCES, "write into map forbidden");
	return false;
}

UB_HELPER(map_lookup_elem)
{
	struct ub_map *map = map_arg(run, r1);
	void *value;

	if (!map || !mem_arg(run, r2, map->key_size, false))
		return 0;
	if (ub_map_is_sock_map(map))
		return (uint64_t)(uintptr_t)ub_sock_lookup_prog(run, map,
								(const void *)(uintptr_t)r2);
	value = ub_map_lookup_elem(map, (const void *)(uintptr_t)r2);
	expose_value(run, map, value);
	return (uint64_t)(uintptr_t)value;
}

UB_HELPER(map_update_elem)
{
	struct ub_map *map = map_arg(run, r1);

	if (!map)
		return UB_ERR(-EINVAL);
	if (!prog_may_write(run, map))
		return UB_ERR(-EACCES);
	if (ub_map_is_sock_map(map)) {
		/* the value is a socket, not value_size bytes */
		if (!mem_arg(run, r2, map->key_size, false))
			return UB_ERR(-EFAULT);
		return (uint64_t)ub_sock_update_prog(run, map, (const void *)(uintptr_t)r2,
						     (void *)(uintptr_t)r3, r4);
	}
	if (!mem_arg(run, r2, map->key_size, false) || !mem_arg(run, r3, map->value_size, false))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_map_update_elem(map, (const void *)(uintptr_t)r2,
					    (const void *)(uintptr_t)r3, r4);
}

UB_HELPER(map_delete_elem)
{
	struct ub_map *map = map_arg(run, r1);

	if (!map)
		return UB_ERR(-EINVAL);
	if (!prog_may_write(run, map))
		return UB_ERR(-EACCES);
	if (!mem_arg(run, r2, map->key_size, false))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_map_delete_elem(map, (const void *)(uintptr_t)r2);
}

UB_HELPER(map_push_elem)
{
	struct ub_map *map = map_arg(run, r1);

	if (!map)
		return UB_ERR(-EINVAL);
	if (!prog_may_write(run, map))
		return UB_ERR(-EACCES);
	if (!mem_arg(run, r2, map->value_size, false))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_map_push_elem(map, (const void *)(uintptr_t)r2, r3);
}

UB_HELPER(map_pop_elem)
{
	struct ub_map *map = map_arg(run, r1);

	if (!map)
		return UB_ERR(-EINVAL);
	if (!prog_may_write(run, map))
		return UB_ERR(-EACCES);
	if (!mem_arg(run, r2, map->value_size, true))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_map_pop_elem(map, (void *)(uintptr_t)r2);
}

UB_HELPER(map_peek_elem)
{
	struct ub_map *map = map_arg(run, r1);

	if (!map)
		return UB_ERR(-EINVAL);
	if (!mem_arg(run, r2, map->value_size, true))
		return UB_ERR(-EFAULT);
	return (uint64_t)ub_map_peek_elem(map, (void *)(uintptr_t)r2);
}

/* bpf_map_lookup_percpu_elem(map, key, cpu): another CPU's slot. */
UB_HELPER(map_lookup_percpu_elem)
{
	struct ub_map *map = map_arg(run, r1);
	int saved = ub_current_cpu();
	void *value;

	if (!map || !mem_arg(run, r2, map->key_size, false) ||
	    r3 >= (uint64_t)ub_num_possible_cpus())
		return 0;
	ub_set_current_cpu((int)r3);
	value = ub_map_lookup_elem(map, (const void *)(uintptr_t)r2);
	ub_set_current_cpu(saved);
	expose_value(run, map, value);
	return (uint64_t)(uintptr_t)value;
}

struct for_each_ctx {
	struct userbpf_run *run;
	uint64_t fn, cb_ctx;
	int err;
};

/* One element: callback(map, key, value, ctx); 0 continues, 1 stops. */
static long for_each_one(struct ub_map *map, const void *key, void *value, void *ctx)
{
	struct for_each_ctx *fe = ctx;
	uint64_t args[5] = { (uint64_t)(uintptr_t)map, (uint64_t)(uintptr_t)key,
			     (uint64_t)(uintptr_t)value, fe->cb_ctx, 0 };
	uint64_t ret = 0;

	bool key_region = false;

	if (userbpf_run__checked(fe->run)) {
		/* the key may be a local of the map's walk: its region dies
		 * with the callback */
		key_region = !vm_mem_ok(fe->run, (uintptr_t)key, map->key_size, false);
		if (key_region)
			userbpf_run__add_region(fe->run, (void *)(uintptr_t)key, map->key_size,
						false);
		userbpf_run__add_region(fe->run, value, map->value_size,
					!(map->map_flags & USERBPF_F_RDONLY_PROG));
	}
	fe->err = userbpf_run__call(fe->run, fe->fn, args, &ret);
	if (key_region)
		vm_del_region(fe->run, key);
	if (fe->err)
		return 1;
	return ret ? 1 : 0;
}

/* bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags) */
UB_HELPER(for_each_map_elem)
{
	struct ub_map *map = map_arg(run, r1);
	struct for_each_ctx fe = { run, r2, r4 == 0 ? r3 : r3, 0 };
	long n;

	if (!map || r4)
		return UB_ERR(-EINVAL);
	n = ub_map_for_each_elem(map, for_each_one, &fe, r4);
	if (fe.err)
		return UB_ERR(fe.err);
	return (uint64_t)n;
}

/*
 * bpf_tail_call(ctx, prog_array, index): on success the interpreter
 * continues in the target program and this return value is never seen;
 * on failure (bad index, empty slot, too many tail calls) the program
 * goes on after the call.
 */
UB_HELPER(tail_call)
{
	struct ub_map *map = map_arg(run, r2);
	const struct userbpf_prog *prog;

	if (!map || map->map_type != BPF_MAP_TYPE_PROG_ARRAY)
		return UB_ERR(-EINVAL);
	if (r3 >= map->max_entries)
		return UB_ERR(-ENOENT);
	prog = ub_prog_array_get(map, (uint32_t)r3);
	if (!prog)
		return UB_ERR(-ENOENT);
	return UB_ERR(userbpf_run__tail_call(run, prog));
}

/*
 * struct bpf_spin_lock { u32 val; } inside a map value.  A run holds at
 * most one lock (the kernel's rule), recorded in the run: taking a second
 * one, or unlocking one it does not hold, stops the run; a lock some
 * other party never releases stops it after SPIN_LOCK_WAIT_NS; a lock
 * still held at the end of the run is released and the run fails.
 */
#define SPIN_LOCK_WAIT_NS 500000000ull

static void spin_lock_release(void *owner UB_UNUSED, void *lock)
{
	__atomic_store_n((uint32_t *)lock, 0, __ATOMIC_RELEASE);
}

static uint64_t now_ns(void)
{
	return ub_clock_ns(CLOCK_MONOTONIC);
}

UB_HELPER(spin_lock)
{
	uint32_t *lock = (uint32_t *)(uintptr_t)r1;
	uint32_t expected = 0;
	uint64_t deadline = 0;
	unsigned spins = 0;

	if (!mem_arg(run, r1, 4, true) || (r1 & 3))
		return UB_ERR(-EFAULT);
	if (vm_held_count(run, VM_HELD_SPIN_LOCK)) {
		userbpf_run__abort(run, -EDEADLK, "bpf_spin_lock while holding a lock");
		return UB_ERR(-EDEADLK);
	}
	while (!__atomic_compare_exchange_n(lock, &expected, 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		expected = 0;
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if ((++spins & 255) == 0) {
				if (!deadline)
					deadline = now_ns() + SPIN_LOCK_WAIT_NS;
				else if (now_ns() > deadline) {
					userbpf_run__abort(run, -EDEADLK,
							   "bpf_spin_lock: lock never released");
					return UB_ERR(-EDEADLK);
				}
			}
			ub_platform_yield();
		}
	}
	if (vm_hold(run, VM_HELD_SPIN_LOCK, lock, NULL, spin_lock_release)) {
		__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
		userbpf_run__abort(run, -ENOSPC, "bpf_spin_lock: run holds too much");
		return UB_ERR(-ENOSPC);
	}
	return 0;
}

UB_HELPER(spin_unlock)
{
	uint32_t *lock = (uint32_t *)(uintptr_t)r1;

	if (!mem_arg(run, r1, 4, true) || (r1 & 3))
		return UB_ERR(-EFAULT);
	if (!vm_unhold(run, VM_HELD_SPIN_LOCK, lock, NULL)) {
		userbpf_run__abort(run, -EINVAL, "bpf_spin_unlock of a lock the run does not hold");
		return UB_ERR(-EINVAL);
	}
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
	return 0;
}
