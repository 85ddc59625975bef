/* SPDX-License-Identifier: MIT */
/*
 * table.c - the launch interposer's descriptor table: real descriptors
 * (memfds, so they behave as files for close, dup, fcntl, poll and
 * /proc/self/fd) that stand for userbpf maps, programs, BTF objects,
 * perf events and links.  Owns struct lobj lifetimes: the last reference
 * closes the userbpf handle or tears the attachment down (perf.c).
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "userbpf/syscall.h"

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lobj *tab[LAUNCH_MAX_FD];
/* One past the highest descriptor the table ever named (under tab_lock,
 * read without it by lobj_forget_all): the scans stop there.  The table's
 * pages above it were never written, and reading one in a forked child
 * faults it in (the zero page): a scan of all 65536 entries cost a child
 * 128 page faults, about 0.6 ms of its fork. */
static int tab_hi;

/* Descriptor fd is named in the table (tab_lock held). */
static void tab_raise(int fd)
{
	if (fd >= tab_hi)
		__atomic_store_n(&tab_hi, fd + 1, __ATOMIC_RELAXED);
}

struct lobj *lobj_new(int kind)
{
	struct lobj *obj = calloc(1, sizeof(*obj));

	if (!obj)
		return NULL;
	obj->kind = kind;
	obj->refs = 1;
	obj->h = -1;
	obj->prog_h = -1;
	obj->att_slot = -1;
	return obj;
}

static void lobj_release(struct lobj *obj)
{
	bool holder = obj->dptr && obj->kind == LOBJ_LINK && !obj->pe && !obj->ul &&
		      obj->att_slot < 0;

	launch_in_lib++;
	/* records of BTF objects and links go with their entry */
	if (obj->dptr)
		domain_obj_unuse(lobj_dom_kind(obj->kind), obj->dptr);
	/* a link's owner may wait for its holders to go (parked) */
	if (obj->dptr && obj->kind == LOBJ_LINK)
		domain_bump();
	/* a holder's descriptor closed: an owner killed meanwhile is reaped
	 * now, so the link whose last live descriptor this was detaches (its
	 * attachment goes, here and in every member) */
	if (holder)
		domain_reap();
	if (obj->kind == LOBJ_PERF || obj->kind == LOBJ_LINK)
		launch_lobj_release(obj);
	if (obj->release)
		obj->release(obj);
	launch_perfbuf_release(obj);
	if (obj->rb)
		userbpf_ringbuf__free(obj->rb);
	if (obj->urb)
		userbpf_user_ringbuf__free(obj->urb);
	if (obj->h >= 0)
		userbpf_close(obj->h);
	if (obj->prog_h >= 0)
		userbpf_close(obj->prog_h);
	free(obj->path);
	free(obj);
	launch_in_lib--;
}

void lobj_put(struct lobj *obj)
{
	int left;

	if (!obj)
		return;
	left = __atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL);
	/* a link other processes still hold stays attached (bpf.c) */
	if (!left && !launch_link_park(obj))
		lobj_release(obj);
}

/* The library's handle table (grown as handles are made) is this
 * process's alone: tagged so in the domain (freed if it is killed). */
static void note_handle_table(void)
{
	static void *noted;
	void *mem = ub_bpf_handles_mem();

	if (mem != noted && domain_active()) {
		noted = mem;
		/* the library's allocator puts its header in front */
		if (mem)
			domain_private_tag((uint8_t *)mem - DOMAIN_LIB_HDR);
	}
	/* and the library's other tables of this process */
	domain_private_note_lib();
}

int lobj_install(struct lobj *obj, const char *name)
{
	return lobj_install_fd(obj, launch_real.memfd_create(name, MFD_CLOEXEC));
}

int lobj_install_fd(struct lobj *obj, int fd)
{
	if (fd < 0) {
		int err = -errno;

		lobj_put(obj);
		return err;
	}
	if (fd >= LAUNCH_MAX_FD) {
		launch_real.close(fd);
		lobj_put(obj);
		return -EMFILE;
	}
	pthread_mutex_lock(&tab_lock);
	tab[fd] = obj;
	tab_raise(fd);
	pthread_mutex_unlock(&tab_lock);
	note_handle_table();
	return fd;
}

struct lobj *lobj_get(int fd)
{
	struct lobj *obj = NULL;

	if (fd < 0 || fd >= LAUNCH_MAX_FD)
		return NULL;
	pthread_mutex_lock(&tab_lock);
	obj = tab[fd];
	if (obj)
		__atomic_add_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&tab_lock);
	return obj;
}

struct lobj *lobj_get_kind(int fd, int kind, int *err)
{
	struct lobj *obj = lobj_get(fd);

	if (!obj) {
		*err = -EBADF;
		return NULL;
	}
	if (obj->kind != kind) {
		lobj_put(obj);
		*err = -EINVAL;
		return NULL;
	}
	return obj;
}

void lobj_forget(int fd)
{
	struct lobj *obj;

	if (fd < 0 || fd >= LAUNCH_MAX_FD)
		return;
	pthread_mutex_lock(&tab_lock);
	obj = tab[fd];
	tab[fd] = NULL;
	pthread_mutex_unlock(&tab_lock);
	lobj_put(obj);
}

void lobj_dup(int oldfd, int newfd)
{
	struct lobj *obj, *old = NULL;

	if (newfd < 0 || newfd >= LAUNCH_MAX_FD || newfd == oldfd)
		return;
	obj = lobj_get(oldfd);
	pthread_mutex_lock(&tab_lock);
	old = tab[newfd];
	tab[newfd] = obj;
	if (obj)
		tab_raise(newfd);
	pthread_mutex_unlock(&tab_lock);
	lobj_put(old);
}

int lobj_handle(int fd, int kind)
{
	int err, h;
	struct lobj *obj = lobj_get_kind(fd, kind, &err);

	if (!obj)
		return err;
	h = __atomic_load_n(&obj->h, __ATOMIC_ACQUIRE);
	/* a forked child's BTF object is loaded at its first use */
	if (h < 0 && kind == LOBJ_BTF && obj->dptr)
		h = launch_btf_handle(obj);
	lobj_put(obj);
	return h;
}

void lobj_abandon_all(void (*adopt)(struct lobj *obj))
{
	int fd;

	/* in a forked child, its only thread (no lock taken): a lock another
	 * thread held at the fork stays held in the copy */
	launch_mutex_reset(&tab_lock);
	/* only the entries in use are written: the table's pages the child
	 * does not write stay shared with the parent (a memset of the whole
	 * table copied its 512 KiB in every child, a third of a fork's cost),
	 * and only those below the highest ever named are read */
	for (fd = 0; fd < tab_hi; fd++)
		if (tab[fd]) {
			if (adopt)
				adopt(tab[fd]);
			tab[fd] = NULL;
		}
	if (tab_hi)
		tab_hi = 0;
}

void lobj_forget_all(void)
{
	int fd;

	/* the lock only for the entries in use (one per descriptor of all
	 * 65536 cost milliseconds at every exit) */
	for (fd = 0; fd < __atomic_load_n(&tab_hi, __ATOMIC_RELAXED); fd++)
		if (__atomic_load_n(&tab[fd], __ATOMIC_RELAXED))
			lobj_forget(fd);
}

bool lobj_any(void)
{
	return __atomic_load_n(&tab_hi, __ATOMIC_RELAXED) > 0;
}

int lobj_shared(int *fds, int *kinds, void **recs, int max)
{
	int fd, n = 0;

	pthread_mutex_lock(&tab_lock);
	for (fd = 0; fd < tab_hi && n < max; fd++)
		if (tab[fd] && tab[fd]->dptr && lobj_dom_kind(tab[fd]->kind)) {
			fds[n] = fd;
			kinds[n] = tab[fd]->kind;
			recs[n++] = tab[fd]->dptr;
		}
	pthread_mutex_unlock(&tab_lock);
	return n;
}

void lobj_each(void (*fn)(struct lobj *obj, void *ctx), void *ctx)
{
	int fd;

	pthread_mutex_lock(&tab_lock);
	for (fd = 0; fd < tab_hi; fd++)
		if (tab[fd])
			fn(tab[fd], ctx);
	pthread_mutex_unlock(&tab_lock);
}
#endif /* USERBPF_LAUNCH */
