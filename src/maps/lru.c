/* SPDX-License-Identifier: MIT */
/*
 * maps/lru.c - BPF_MAP_TYPE_LRU_HASH and BPF_MAP_TYPE_LRU_PERCPU_HASH:
 * the hash table of hash.c plus a least-recently-used list that recycles
 * elements when the map is full (kernel/bpf/bpf_lru_list.c in spirit).
 *
 * Policy: one list per map, most recently inserted at the head.  Program
 * lookups set a "referenced" bit without touching the list; the evictor
 * takes elements from the tail, giving referenced ones a second chance
 * (moved to the head, bit cleared).  Like the kernel, LRU maps are always
 * preallocated (max_entries elements) and an insert into a full map -
 * or any update that needs a fresh element while the map is full -
 * evicts.  BPF_F_NO_COMMON_LRU is accepted (max_entries is rounded to a
 * multiple of the possible CPUs as in Linux) but shares the one list.
 *
 * Locking: lru_lock protects the list and is taken before a bucket lock
 * (the evictor unlinks its victim under the victim's bucket lock).
 */
#include "util/ubc.h"

#include "htab.h"

#define LRU_MAX_SCANS 128

void ub_lru_init(struct ub_htab *htab)
{
	htab->lru_head.lru_next = htab->lru_head.lru_prev = &htab->lru_head;
}

static void list_del(struct ub_htab_elem *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
	e->lru_next = e->lru_prev = NULL;
	e->on_lru = false;
}

static void list_add_head(struct ub_htab *htab, struct ub_htab_elem *e)
{
	e->lru_next = htab->lru_head.lru_next;
	e->lru_prev = &htab->lru_head;
	htab->lru_head.lru_next->lru_prev = e;
	htab->lru_head.lru_next = e;
	e->on_lru = true;
}

/* Unlink the victim from its bucket; false if a delete got there first. */
static bool evict_from_htab(struct ub_htab *htab, struct ub_htab_elem *e)
{
	struct ub_htab_bucket *b = &htab->buckets[e->hash & (htab->n_buckets - 1)];
	bool found;

	ub_spin_lock(&b->lock);
	found = ub_htab_unlink(b, e);
	if (found)
		e->linked = false;
	ub_spin_unlock(&b->lock);
	return found;
}

struct ub_htab_elem *ub_lru_pop_free(struct ub_htab *htab)
{
	struct ub_htab_elem *e;
	int scans;

	e = ub_htab_pool_get(htab);
	if (e)
		return e;
	ub_spin_lock(&htab->lru_lock);
	for (scans = 0; scans < LRU_MAX_SCANS * 2; scans++) {
		e = htab->lru_head.lru_prev;
		if (e == &htab->lru_head)
			break;
		if (atomic_load_explicit(&e->ref, memory_order_relaxed) && scans < LRU_MAX_SCANS) {
			atomic_store_explicit(&e->ref, false, memory_order_relaxed);
			list_del(e);
			list_add_head(htab, e);
			continue;
		}
		list_del(e);
		if (evict_from_htab(htab, e)) {
			ub_spin_unlock(&htab->lru_lock);
			ub_htab_release_value(htab, e);
			return e;
		}
		/* being deleted: its deleter frees it */
	}
	ub_spin_unlock(&htab->lru_lock);
	/* a concurrent delete may have freed one meanwhile */
	return ub_htab_pool_get(htab);
}

void ub_lru_add(struct ub_htab *htab, struct ub_htab_elem *e)
{
	ub_spin_lock(&htab->lru_lock);
	if (!e->on_lru && e->linked)
		list_add_head(htab, e);
	ub_spin_unlock(&htab->lru_lock);
}

void ub_lru_push_free(struct ub_htab *htab, struct ub_htab_elem *e)
{
	ub_spin_lock(&htab->lru_lock);
	if (e->on_lru)
		list_del(e);
	ub_spin_unlock(&htab->lru_lock);
	ub_htab_pool_put(htab, e);
}

static int lru_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	return ub_htab_update_common(ub_to_htab(map), key, value, flags, false);
}

static int lru_sys_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	return ub_htab_update_common(ub_to_htab(map), key, value, flags, true);
}

const struct ub_map_ops ub_lru_hash_map_ops = UB_HTAB_MAP_OPS(lru_update, lru_sys_update);

const struct ub_map_ops ub_lru_percpu_hash_map_ops = UB_HTAB_MAP_OPS(lru_update, lru_sys_update);
