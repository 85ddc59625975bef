// SPDX-License-Identifier: MIT
/*
 * maps/sockhash.c - BPF_MAP_TYPE_SOCKHASH (kernel/bpf/sock_map.c): sockets
 * by a key of any size, filled from the syscall side with socket
 * descriptors, read by programs through bpf_sk_redirect_hash (72),
 * bpf_msg_redirect_hash (71) and bpf_sock_hash_update (70).
 *
 * Kernel rules [6.18 verified, tests/maps2/test_sockmap.c]: key_size
 * 1..512 (above MAX_BPF_STACK -> E2BIG), value_size 4 or 8, max_entries
 * > 0, flags only NUMA_NODE/RDONLY/WRONLY; update flags above BPF_EXIST
 * -> EINVAL, NOEXIST on a present key -> EEXIST, EXIST on a missing one
 * -> ENOENT, a new key in a full map -> E2BIG; delete of a missing key
 * -> ENOENT; syscall lookup returns the socket cookie (value_size 8) or
 * ENOSPC (value_size 4); get_next_key in bucket order, a missing key
 * restarting at the first; lookup_and_delete and batches ENOTSUPP.
 *
 * Buckets are lists under one spinlock (the kernel locks per bucket);
 * hashing is the kernel's jhash with a random seed.  Elements whose
 * socket has closed are dropped when met (sock_map.h).
 */
#include "util/ubc.h"

#include "sock_map.h"
#include "util/alloc.h"

#define MAX_BPF_STACK 512

struct sh_elem {
	struct sh_elem *next;
	struct ub_sock sock;
	uint32_t hash;
	unsigned char key[];
};

struct ub_sockhash {
	struct ub_map map;
	ub_spinlock_t lock;
	uint32_t n_buckets;
	uint32_t count;
	uint32_t seed;
	struct sh_elem **buckets;
};

static struct ub_sockhash *to_sh(struct ub_map *map)
{
	return (struct ub_sockhash *)map;
}

static int sockhash_alloc_check(const struct ub_map_attr *attr)
{
	if (!attr->max_entries || !attr->key_size ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~UB_SOCK_CREATE_FLAGS))
		return -EINVAL;
	if (attr->key_size > MAX_BPF_STACK)
		return -E2BIG;
	return 0;
}

static int sockhash_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_sockhash *sh;
	uint64_t n = ub_roundup_pow2_u64(attr->max_entries);

	if (n > (1u << 31))
		return -E2BIG;
	sh = ub_alloc(sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	memset(sh, 0, sizeof(*sh));
	sh->n_buckets = (uint32_t)n;
	sh->buckets = ub_calloc(n, sizeof(*sh->buckets));
	if (!sh->buckets) {
		ub_free(sh);
		return -ENOMEM;
	}
	sh->seed = ub_map_random_u32();
	ub_map_init_from_attr(&sh->map, attr);
	*out = &sh->map;
	return 0;
}

static void sockhash_free(struct ub_map *map)
{
	struct ub_sockhash *sh = to_sh(map);
	uint32_t i;

	for (i = 0; i < sh->n_buckets; i++) {
		struct sh_elem *e = sh->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			ub_free(e);
		}
	}
	ub_free(sh->buckets);
	ub_free(sh);
}

static uint32_t key_hash(const struct ub_sockhash *sh, const void *key)
{
	return ub_jhash(key, sh->map.key_size, sh->seed);
}

/*
 * The link to the element of key in its bucket, under the lock; elements
 * of closed sockets met on the way are unlinked and freed.
 */
static struct sh_elem **find_locked(struct ub_sockhash *sh, const void *key, uint32_t hash)
{
	struct sh_elem **pp = &sh->buckets[hash & (sh->n_buckets - 1)];

	while (*pp) {
		struct sh_elem *e = *pp;

		if (!ub_sock_alive(&e->sock)) {
			*pp = e->next;
			sh->count--;
			ub_free(e);
			continue;
		}
		if (e->hash == hash && !memcmp(e->key, key, sh->map.key_size))
			return pp;
		pp = &e->next;
	}
	return NULL;
}

static int sockhash_get(struct ub_map *map, const void *key, struct ub_sock *out)
{
	struct ub_sockhash *sh = to_sh(map);
	struct sh_elem **pp;

	ub_spin_lock(&sh->lock);
	pp = find_locked(sh, key, key_hash(sh, key));
	if (pp)
		*out = (*pp)->sock;
	ub_spin_unlock(&sh->lock);
	return pp ? 0 : -ENOENT;
}

/* sock_hash_update_common(). */
static int sockhash_set(struct ub_map *map, const void *key, const struct ub_sock *sock,
			uint64_t flags)
{
	struct ub_sockhash *sh = to_sh(map);
	uint32_t hash = key_hash(sh, key);
	struct sh_elem **pp, *e;
	int err = 0;

	if (flags > USERBPF_EXIST)
		return -EINVAL;
	e = ub_alloc(sizeof(*e) + sh->map.key_size);
	if (!e)
		return -ENOMEM;
	ub_spin_lock(&sh->lock);
	pp = find_locked(sh, key, hash);
	if (pp && flags == USERBPF_NOEXIST) {
		err = -EEXIST;
	} else if (!pp && flags == USERBPF_EXIST) {
		err = -ENOENT;
	} else if (pp) {
		(*pp)->sock = *sock;
	} else if (sh->count >= sh->map.max_entries) {
		err = -E2BIG;
	} else {
		struct sh_elem **head = &sh->buckets[hash & (sh->n_buckets - 1)];

		e->sock = *sock;
		e->hash = hash;
		memcpy(e->key, key, sh->map.key_size);
		e->next = *head;
		*head = e;
		sh->count++;
		e = NULL;
	}
	ub_spin_unlock(&sh->lock);
	ub_free(e);
	return err;
}

const struct ub_sock_map_access ub_sockhash_access = { sockhash_get, sockhash_set };

static int sockhash_sys_update(struct ub_map *map, const void *key, const void *value,
			       uint64_t flags)
{
	return ub_sock_sys_update(map, &ub_sockhash_access, key, value, flags);
}

static int sockhash_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	(void)flags;
	return ub_sock_sys_lookup(map, &ub_sockhash_access, key, value);
}

static int sockhash_delete(struct ub_map *map, const void *key)
{
	struct ub_sockhash *sh = to_sh(map);
	struct sh_elem **pp, *e = NULL;

	ub_spin_lock(&sh->lock);
	pp = find_locked(sh, key, key_hash(sh, key));
	if (pp) {
		e = *pp;
		*pp = e->next;
		sh->count--;
	}
	ub_spin_unlock(&sh->lock);
	if (!e)
		return -ENOENT;
	ub_free(e);
	return 0;
}

/* First live element at or after bucket b, or NULL (under the lock). */
static struct sh_elem *first_from(struct ub_sockhash *sh, uint32_t b)
{
	for (; b < sh->n_buckets; b++) {
		struct sh_elem **pp = &sh->buckets[b];

		while (*pp && !ub_sock_alive(&(*pp)->sock)) {
			struct sh_elem *dead = *pp;

			*pp = dead->next;
			sh->count--;
			ub_free(dead);
		}
		if (*pp)
			return *pp;
	}
	return NULL;
}

/* sock_hash_get_next_key(). */
static int sockhash_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	struct ub_sockhash *sh = to_sh(map);
	struct sh_elem **pp = NULL, *next = NULL;
	uint32_t hash = 0;

	ub_spin_lock(&sh->lock);
	if (key) {
		hash = key_hash(sh, key);
		pp = find_locked(sh, key, hash);
	}
	if (pp) {
		next = (*pp)->next;
		while (next && !ub_sock_alive(&next->sock))
			next = next->next; /* dropped on the next pass */
		if (!next)
			next = first_from(sh, (hash & (sh->n_buckets - 1)) + 1);
	} else {
		next = first_from(sh, 0);
	}
	if (next)
		memcpy(next_key, next->key, map->key_size);
	ub_spin_unlock(&sh->lock);
	return next ? 0 : -ENOENT;
}

const struct ub_map_ops ub_sockhash_map_ops = {
	.alloc_check = sockhash_alloc_check,
	.alloc = sockhash_alloc,
	.free = sockhash_free,
	.lookup = ub_sock_map_ops_lookup,
	.update = ub_sock_map_ops_update,
	.delete = sockhash_delete,
	.get_next_key = sockhash_get_next_key,
	.sys_lookup = sockhash_sys_lookup,
	.sys_update = sockhash_sys_update,
};
