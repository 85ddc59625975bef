/* SPDX-License-Identifier: MIT */
/*
 * meta.c - facts about programs and maps the command layer does not keep
 * but the kernel reports in BPF_OBJ_GET_INFO_BY_FD (and bpftool prints):
 * a program's map ids, BTF id, load time, loader's uid, license; a map's
 * BTF ids.  bpf.c records them when the object is created through this
 * interposer and reads them back for prog/map info.  In a domain the
 * list lives in the arena (under the arena's lock), so every member sees
 * the facts of objects another member created; otherwise it is private.
 *
 * Entries are keyed by the userbpf object's address and rewritten when
 * an object is created at an address an older (freed) one had.  In a
 * domain an entry leaves when its object's memory is freed (the arena
 * calls launch_meta_unlink_locked); privately it stays until then (a few
 * hundred bytes per load).
 */
#ifdef USERBPF_LAUNCH
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "launch_int.h"

struct meta_node {
	struct meta_node *next;
	struct launch_meta m;
};

static struct meta_node *private_head;
static pthread_mutex_t private_lock = PTHREAD_MUTEX_INITIALIZER;

static struct meta_node **head_lock(void)
{
	if (domain_active()) {
		domain_lock();
		return (struct meta_node **)domain_meta_head();
	}
	pthread_mutex_lock(&private_lock);
	return &private_head;
}

static void head_unlock(void)
{
	if (domain_active())
		domain_unlock();
	else
		pthread_mutex_unlock(&private_lock);
}

static struct meta_node *find(struct meta_node *n, int kind, const void *ptr)
{
	for (; n; n = n->next)
		if (n->m.ptr == ptr && n->m.kind == (uint32_t)kind)
			return n;
	return NULL;
}

void launch_meta_put(const struct launch_meta *m)
{
	struct meta_node **head, *n, *fresh;

	/* allocated outside the arena's lock (the allocator takes it) */
	fresh = domain_active() ? domain_alloc(sizeof(*fresh)) : calloc(1, sizeof(*fresh));
	head = head_lock();
	n = find(*head, (int)m->kind, m->ptr);
	if (!n && fresh) {
		n = fresh;
		fresh = NULL;
		n->next = *head;
		*head = n;
	}
	if (n)
		n->m = *m;
	head_unlock();
	if (fresh) {
		if (domain_active())
			domain_free(fresh);
		else
			free(fresh);
	}
}

bool launch_meta_get(int kind, const void *ptr, struct launch_meta *out)
{
	struct meta_node **head = head_lock(), *n = find(*head, kind, ptr);

	if (n)
		*out = n->m;
	head_unlock();
	return n != NULL;
}
void *launch_meta_unlink_locked(const void *ptr)
{
	struct meta_node **pp = (struct meta_node **)domain_meta_head(), *n;

	for (; (n = *pp); pp = &n->next)
		if (n->m.ptr == ptr) {
			*pp = n->next;
			return n;
		}
	return NULL;
}
#endif /* USERBPF_LAUNCH */
