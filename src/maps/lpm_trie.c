/* SPDX-License-Identifier: MIT */
/*
 * maps/lpm_trie.c - BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c): a
 * path-compressed binary trie of prefixes with intermediate nodes at
 * branch points, built by the kernel's algorithm so that its shape - and
 * therefore get_next_key's post-order (more specific first, 0-branch
 * before 1-branch) - is the kernel's.  Keys are a host-order u32
 * prefixlen followed by data bytes in network order; nodes keep the data
 * bytes exactly as given at the last update.
 *
 * Locking: one spinlock for every operation, lookups included.  Removed
 * nodes are freed after a grace period (ub_map_defer), so a value pointer
 * handed to a program stays valid for its run.
 */
#include "util/ubc.h"

#include "map.h"
#include "util/alloc.h"

#define LPM_DATA_SIZE_MAX 256
#define LPM_DATA_SIZE_MIN 1
#define LPM_NODE_SIZE 40 /* sizeof(struct lpm_trie_node) in the kernel */
#define LPM_VAL_SIZE_MAX (UB_KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - LPM_NODE_SIZE)
#define LPM_KEY_SIZE_MIN (4 + LPM_DATA_SIZE_MIN)
#define LPM_KEY_SIZE_MAX (4 + LPM_DATA_SIZE_MAX)
#define LPM_CREATE_FLAG_MASK (USERBPF_F_NO_PREALLOC | USERBPF_F_NUMA_NODE | UB_F_ACCESS_MASK)
#define LPM_TREE_NODE_FLAG_IM 1u

struct lpm_node {
	struct lpm_node *child[2];
	uint32_t prefixlen;
	uint32_t flags;
	uint64_t data[]; /* data_size bytes, then the value (8-aligned) */
};

struct ub_lpm {
	struct ub_map map;
	ub_spinlock_t lock;
	struct lpm_node *root;
	uint32_t n_entries;
	uint32_t data_size;
	uint32_t max_prefixlen;
	uint32_t value_off; /* round_up(data_size, 8) */
};

static struct ub_lpm *to_lpm(struct ub_map *map)
{
	return (struct ub_lpm *)map;
}

static unsigned char *node_data(struct lpm_node *n)
{
	return (unsigned char *)n->data;
}

static void *node_value(struct ub_lpm *trie, struct lpm_node *n)
{
	return node_data(n) + trie->value_off;
}

static uint32_t key_prefixlen(const void *key)
{
	uint32_t p;

	memcpy(&p, key, 4);
	return p;
}

static const unsigned char *key_data(const void *key)
{
	return (const unsigned char *)key + 4;
}

static int extract_bit(const unsigned char *data, size_t index)
{
	return !!(data[index / 8] & (1 << (7 - (index % 8))));
}

/* Bits of node that match key, limited to both prefix lengths. */
static uint32_t longest_prefix_match(const struct ub_lpm *trie, struct lpm_node *node,
				     const void *key)
{
	uint32_t limit = node->prefixlen < key_prefixlen(key) ? node->prefixlen :
								key_prefixlen(key);
	const unsigned char *a = node_data(node), *b = key_data(key);
	uint32_t prefixlen = 0, i;

	for (i = 0; i < trie->data_size; i++) {
		/* number of equal leading bits in this byte (0..8) */
		uint32_t b8 =
			(a[i] ^ b[i]) ? (uint32_t)__builtin_clz((uint32_t)(a[i] ^ b[i])) - 24 : 8;
		prefixlen += b8;
		if (prefixlen >= limit)
			return limit;
		if (b8 < 8)
			break;
	}
	return prefixlen;
}

static int lpm_alloc(const struct ub_map_attr *attr, struct ub_map **out)
{
	struct ub_lpm *trie;

	if (attr->max_entries == 0 || !(attr->map_flags & USERBPF_F_NO_PREALLOC) ||
	    (attr->map_flags & ~LPM_CREATE_FLAG_MASK) || !ub_map_flags_access_ok(attr->map_flags) ||
	    attr->key_size < LPM_KEY_SIZE_MIN || attr->key_size > LPM_KEY_SIZE_MAX ||
	    attr->value_size < 1 || attr->value_size > LPM_VAL_SIZE_MAX)
		return -EINVAL;
	trie = ub_alloc(sizeof(*trie));
	if (!trie)
		return -ENOMEM;
	ub_map_init_from_attr(&trie->map, attr);
	trie->data_size = attr->key_size - 4;
	trie->max_prefixlen = trie->data_size * 8;
	trie->value_off = ub_round_up(trie->data_size, 8);
	*out = &trie->map;
	return 0;
}

static void free_subtree(struct lpm_node *n)
{
	if (!n)
		return;
	free_subtree(n->child[0]);
	free_subtree(n->child[1]);
	ub_free(n);
}

static void lpm_free(struct ub_map *map)
{
	free_subtree(to_lpm(map)->root);
	ub_free(map);
}

static struct lpm_node *node_alloc(struct ub_lpm *trie, const void *value)
{
	size_t size = sizeof(struct lpm_node) + trie->value_off;
	struct lpm_node *n;

	if (value)
		size += ub_round_up(trie->map.value_size, 8);
	n = ub_alloc(size);
	if (n && value)
		memcpy(node_value(trie, n), value, trie->map.value_size);
	return n;
}

static void defer_free(struct lpm_node *n)
{
	if (n)
		ub_map_defer(ub_free, n);
}

/* Longest-prefix match; called with the lock held. */
static struct lpm_node *lookup_locked(struct ub_lpm *trie, const void *key)
{
	struct lpm_node *node, *found = NULL;

	if (key_prefixlen(key) > trie->max_prefixlen)
		return NULL;
	for (node = trie->root; node;) {
		uint32_t matchlen = longest_prefix_match(trie, node, key);

		if (matchlen == trie->max_prefixlen) {
			found = node;
			break;
		}
		if (matchlen < node->prefixlen)
			break;
		if (!(node->flags & LPM_TREE_NODE_FLAG_IM))
			found = node;
		node = node->child[extract_bit(key_data(key), node->prefixlen)];
	}
	return found;
}

static void *lpm_lookup(struct ub_map *map, const void *key)
{
	struct ub_lpm *trie = to_lpm(map);
	struct lpm_node *n;

	ub_spin_lock(&trie->lock);
	n = lookup_locked(trie, key);
	ub_spin_unlock(&trie->lock);
	return n ? node_value(trie, n) : NULL;
}

static int lpm_sys_lookup(struct ub_map *map, const void *key, void *value, uint64_t flags)
{
	struct ub_lpm *trie = to_lpm(map);
	struct lpm_node *n;

	(void)flags;
	ub_spin_lock(&trie->lock);
	n = lookup_locked(trie, key);
	if (n)
		ub_map_copy_from(value, node_value(trie, n), map->value_size);
	ub_spin_unlock(&trie->lock);
	return n ? 0 : -ENOENT;
}

static int check_add_elem(struct ub_lpm *trie, uint64_t flags)
{
	if (flags == USERBPF_EXIST)
		return -ENOENT;
	if (trie->n_entries == trie->map.max_entries)
		return -ENOSPC;
	trie->n_entries++;
	return 0;
}

/* trie_update_elem(). */
static int lpm_update(struct ub_map *map, const void *key, const void *value, uint64_t flags)
{
	struct ub_lpm *trie = to_lpm(map);
	struct lpm_node *node, *im_node, *new_node, *free_node = NULL;
	struct lpm_node **slot;
	uint32_t matchlen = 0, plen = key_prefixlen(key);
	int ret = 0;

	if (flags > USERBPF_EXIST)
		return -EINVAL;
	if (plen > trie->max_prefixlen)
		return -EINVAL;
	new_node = node_alloc(trie, value);
	if (!new_node)
		return -ENOMEM;
	new_node->prefixlen = plen;
	memcpy(node_data(new_node), key_data(key), trie->data_size);
	ub_spin_lock(&trie->lock);
	slot = &trie->root;
	while ((node = *slot)) {
		matchlen = longest_prefix_match(trie, node, key);
		if (node->prefixlen != matchlen || node->prefixlen == plen)
			break;
		slot = &node->child[extract_bit(key_data(key), node->prefixlen)];
	}
	if (!node) {
		ret = check_add_elem(trie, flags);
		if (!ret)
			*slot = new_node;
		goto out;
	}
	if (node->prefixlen == matchlen) {
		if (!(node->flags & LPM_TREE_NODE_FLAG_IM)) {
			if (flags == USERBPF_NOEXIST) {
				ret = -EEXIST;
				goto out;
			}
		} else {
			ret = check_add_elem(trie, flags);
			if (ret)
				goto out;
		}
		new_node->child[0] = node->child[0];
		new_node->child[1] = node->child[1];
		*slot = new_node;
		free_node = node;
		goto out;
	}
	ret = check_add_elem(trie, flags);
	if (ret)
		goto out;
	if (matchlen == plen) {
		new_node->child[extract_bit(node_data(node), matchlen)] = node;
		*slot = new_node;
		goto out;
	}
	im_node = node_alloc(trie, NULL);
	if (!im_node) {
		trie->n_entries--;
		ret = -ENOMEM;
		goto out;
	}
	im_node->prefixlen = matchlen;
	im_node->flags |= LPM_TREE_NODE_FLAG_IM;
	memcpy(node_data(im_node), node_data(node), trie->data_size);
	if (extract_bit(key_data(key), matchlen)) {
		im_node->child[0] = node;
		im_node->child[1] = new_node;
	} else {
		im_node->child[0] = new_node;
		im_node->child[1] = node;
	}
	*slot = im_node;
out:
	ub_spin_unlock(&trie->lock);
	if (ret)
		ub_free(new_node);
	defer_free(free_node);
	return ret;
}

/* trie_delete_elem(). */
static int lpm_delete(struct ub_map *map, const void *key)
{
	struct ub_lpm *trie = to_lpm(map);
	struct lpm_node *node, *parent = NULL, *free_node = NULL, *free_parent = NULL;
	struct lpm_node **trim, **trim2;
	uint32_t matchlen = 0, plen = key_prefixlen(key);
	int ret = 0;

	if (plen > trie->max_prefixlen)
		return -EINVAL;
	ub_spin_lock(&trie->lock);
	trim = &trie->root;
	trim2 = trim;
	while ((node = *trim)) {
		matchlen = longest_prefix_match(trie, node, key);
		if (node->prefixlen != matchlen || node->prefixlen == plen)
			break;
		parent = node;
		trim2 = trim;
		trim = &node->child[extract_bit(key_data(key), node->prefixlen)];
	}
	if (!node || node->prefixlen != plen || node->prefixlen != matchlen ||
	    (node->flags & LPM_TREE_NODE_FLAG_IM)) {
		ret = -ENOENT;
		goto out;
	}
	trie->n_entries--;
	if (node->child[0] && node->child[1]) {
		node->flags |= LPM_TREE_NODE_FLAG_IM;
		goto out;
	}
	if (parent && (parent->flags & LPM_TREE_NODE_FLAG_IM) && !node->child[0] &&
	    !node->child[1]) {
		*trim2 = node == parent->child[0] ? parent->child[1] : parent->child[0];
		free_parent = parent;
		free_node = node;
		goto out;
	}
	if (node->child[0])
		*trim = node->child[0];
	else if (node->child[1])
		*trim = node->child[1];
	else
		*trim = NULL;
	free_node = node;
out:
	ub_spin_unlock(&trie->lock);
	defer_free(free_parent);
	defer_free(free_node);
	return ret;
}

static void copy_key(struct ub_lpm *trie, struct lpm_node *n, void *next_key)
{
	memcpy(next_key, &n->prefixlen, 4);
	memcpy((unsigned char *)next_key + 4, node_data(n), trie->data_size);
}

/* trie_get_next_key(): post-order, more specific prefixes first. */
static int lpm_get_next_key(struct ub_map *map, const void *key, void *next_key)
{
	struct ub_lpm *trie = to_lpm(map);
	struct lpm_node *node, *next_node = NULL, *search_root, *parent;
	struct lpm_node **stack = NULL;
	int stack_ptr = -1, err = 0;
	uint32_t matchlen = 0;

	ub_spin_lock(&trie->lock);
	search_root = trie->root;
	if (!search_root) {
		err = -ENOENT;
		goto out;
	}
	if (!key || key_prefixlen(key) > trie->max_prefixlen)
		goto find_leftmost;
	stack = ub_calloc(trie->max_prefixlen + 1, sizeof(*stack));
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	for (node = search_root; node;) {
		stack[++stack_ptr] = node;
		matchlen = longest_prefix_match(trie, node, key);
		if (node->prefixlen != matchlen || node->prefixlen == key_prefixlen(key))
			break;
		node = node->child[extract_bit(key_data(key), node->prefixlen)];
	}
	if (!node || node->prefixlen != matchlen || (node->flags & LPM_TREE_NODE_FLAG_IM))
		goto find_leftmost;
	node = stack[stack_ptr];
	while (stack_ptr > 0) {
		parent = stack[stack_ptr - 1];
		if (parent->child[0] == node) {
			search_root = parent->child[1];
			if (search_root)
				goto find_leftmost;
		}
		if (!(parent->flags & LPM_TREE_NODE_FLAG_IM)) {
			next_node = parent;
			goto do_copy;
		}
		node = parent;
		stack_ptr--;
	}
	err = -ENOENT;
	goto out;
find_leftmost:
	for (node = search_root; node;) {
		if (node->flags & LPM_TREE_NODE_FLAG_IM) {
			node = node->child[0];
		} else {
			next_node = node;
			node = node->child[0];
			if (!node)
				node = next_node->child[1];
		}
	}
do_copy:
	copy_key(trie, next_node, next_key);
out:
	ub_spin_unlock(&trie->lock);
	ub_free(stack);
	return err;
}

const struct ub_map_ops ub_lpm_trie_map_ops = {
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
	.sys_lookup = lpm_sys_lookup,
	.lookup_batch = ub_map_generic_lookup_batch,
	.update_batch = ub_map_generic_update_batch,
	.delete_batch = ub_map_generic_delete_batch,
};
