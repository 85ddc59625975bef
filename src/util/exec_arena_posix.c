/* SPDX-License-Identifier: MIT */
/*
 * util/exec_arena_posix.c - the hosted JIT code arena: executable memory
 * without an mprotect (and its TLB flush) per program.  Host-only.
 *
 * Each chunk is one memfd mapped twice: a read + write view where images
 * are written and a read + execute view where they run.  No mapping is
 * ever writable and executable (W^X holds per mapping); the views alias
 * the same pages, and x86 keeps instruction fetch coherent with stores
 * made through any alias.  Images are carved from the chunks in 64-byte
 * units by a first-fit bitmap allocator, so small programs share pages
 * (as the kernel's bpf_prog_pack does); a freed image is overwritten with
 * int3 before its units are reused.
 *
 * Fork: parent and child share the chunks (a MAP_SHARED memfd), and
 * either process reusing freed units would rewrite code the other still
 * runs.  So pthread_atfork handlers freeze every chunk on both sides
 * (no reuse, no int3 on free, no write view in the child); each process
 * then packs new images into chunks of its own.  A frozen chunk is unmapped once its
 * last image is freed.  (A raw clone() without CLONE_VM runs no atfork
 * handler: such a child must not load programs.  vfork and posix_spawn
 * share the address space: nothing to do.)
 *
 * Unavailable (no memfd, memfd exec refused by vm.memfd_noexec or a
 * security policy): ub_exec_arena_alloc fails with -ENOSYS for good and
 * util/platform.c falls back to mmap + mprotect per image.
 *
 * Does not own: the platform's own exec hooks (util/platform.c prefers
 * them), the launch domain's code area (src/domain).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform_int.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define UNIT 64u	     /* allocation unit, bytes (a cache line) */
#define CHUNK (512u * 1024u) /* default chunk size */

struct chunk {
	struct chunk *next;
	uint8_t *rx;	/* read + execute view */
	uint8_t *rw;	/* read + write view (NULL in a child once frozen) */
	bool frozen;	/* shared with another process since a fork */
	size_t size;	/* bytes, a multiple of 4096 */
	size_t units;	/* size / UNIT, a multiple of 64 */
	size_t used;	/* units in use */
	uint64_t *bits; /* units in use: 1 */
};

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static struct chunk *chunks;
static bool arena_broken;
bool ub_exec_arena_off; /* tests: force the mmap + mprotect fallback */

static int memfd(void)
{
	int fd = memfd_create("userbpf-jit", MFD_CLOEXEC | MFD_EXEC);

	if (fd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
		fd = memfd_create("userbpf-jit", MFD_CLOEXEC);
	return fd;
}

/* Map fd's size bytes as the two views: 0 or -errno (nothing mapped). */
static int map_views(int fd, size_t size, uint8_t **rw, uint8_t **rx)
{
	void *w, *x;

	if (ftruncate(fd, (off_t)size))
		return -errno;
	w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (w == MAP_FAILED)
		return -errno;
	x = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (x == MAP_FAILED) {
		int err = -errno;

		munmap(w, size);
		return err;
	}
	*rw = w;
	*rx = x;
	return 0;
}

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = ub_host_calloc(sizeof(*c));
	int fd, err = -ENOMEM;

	if (!c)
		return NULL;
	c->size = size;
	c->units = size / UNIT;
	c->bits = ub_host_calloc(c->units / 8);
	fd = c->bits ? memfd() : -1;
	if (c->bits && fd < 0)
		err = -errno;
	if (fd >= 0)
		err = map_views(fd, size, &c->rw, &c->rx);
	if (err) {
		/* no memfd, or exec from one refused: for good (memory or
		 * descriptors running out: this time only) */
		if (err == -EPERM || err == -EACCES || err == -ENOSYS || err == -EINVAL)
			arena_broken = true;
		if (fd >= 0)
			close(fd);
		ub_host_free(c->bits);
		ub_host_free(c);
		return NULL;
	}
	close(fd);
	memset(c->rw, 0xcc, size); /* int3 everywhere not yet handed out */
	c->next = chunks;
	chunks = c;
	return c;
}

static void bits_set(uint64_t *b, size_t at, size_t n, bool on)
{
	for (; n; at++, n--) {
		if (on)
			b[at / 64] |= 1ull << (at % 64);
		else
			b[at / 64] &= ~(1ull << (at % 64));
	}
}

/* First run of n free units in c, or -1. */
static long find_run(const struct chunk *c, size_t n)
{
	size_t i = 0, run = 0, start = 0;

	while (i < c->units) {
		uint64_t w = c->bits[i / 64];

		if (i % 64 == 0 && w == ~0ull) {
			run = 0;
			i += 64;
			continue;
		}
		if (i % 64 == 0 && w == 0) {
			if (!run)
				start = i;
			run += 64;
			i += 64;
		} else if (w >> (i % 64) & 1) {
			run = 0;
			i++;
			continue;
		} else {
			if (!run)
				start = i;
			run++;
			i++;
		}
		if (run >= n)
			return (long)start;
	}
	return -1;
}

/*
 * Both sides of fork(): every chunk stops taking images and freed units
 * are no longer overwritten, so neither process ever writes a page the
 * other may run.  Images stay where they are until freed; an empty frozen
 * chunk is unmapped (in this process only).  New images go to new
 * chunks.  The child also unmaps the write views (it has no other
 * thread); the parent keeps them, as its other threads may be writing an
 * image they were given before the fork (into units the child holds as
 * taken and never runs).
 */
static void freeze(bool child)
{
	struct chunk *c;

	for (c = chunks; c; c = c->next) {
		c->frozen = true;
		if (child && c->rw) {
			munmap(c->rw, c->size);
			c->rw = NULL;
		}
	}
	pthread_mutex_unlock(&arena_lock);
}

static void arena_parent(void)
{
	freeze(false);
}

static void arena_child(void)
{
	freeze(true);
}

static void arena_prepare(void)
{
	pthread_mutex_lock(&arena_lock);
}

static void arena_init(void)
{
	if (pthread_atfork(arena_prepare, arena_parent, arena_child))
		arena_broken = true;
}

int ub_exec_arena_alloc(size_t size, uint8_t **rx, uint8_t **rw, size_t *got)
{
	size_t n = (size + UNIT - 1) / UNIT;
	struct chunk *c;
	long at = -1;

	if (ub_exec_arena_off)
		return -ENOSYS;
	pthread_once(&arena_once, arena_init);
	pthread_mutex_lock(&arena_lock);
	if (arena_broken) {
		pthread_mutex_unlock(&arena_lock);
		return -ENOSYS;
	}
	for (c = chunks; c; c = c->next)
		if (!c->frozen && c->units - c->used >= n && (at = find_run(c, n)) >= 0)
			break;
	if (!c) {
		size_t bytes = n * UNIT > CHUNK ? (n * UNIT + 65535) & ~(size_t)65535 : CHUNK;

		c = chunk_new(bytes);
		if (!c) {
			int err = arena_broken ? -ENOSYS : -ENOMEM;

			pthread_mutex_unlock(&arena_lock);
			return err;
		}
		at = 0;
	}
	bits_set(c->bits, (size_t)at, n, true);
	c->used += n;
	*rx = c->rx + (size_t)at * UNIT;
	*rw = c->rw + (size_t)at * UNIT;
	*got = n * UNIT;
	pthread_mutex_unlock(&arena_lock);
	return 0;
}

/* Another chunk than c takes images. */
static bool other_open(const struct chunk *c)
{
	const struct chunk *o;

	for (o = chunks; o; o = o->next)
		if (o != c && !o->frozen)
			return true;
	return false;
}

void ub_exec_arena_free(uint8_t *rx, size_t size)
{
	struct chunk *c, **pp;
	size_t at, n = (size + UNIT - 1) / UNIT;

	pthread_mutex_lock(&arena_lock);
	for (pp = &chunks; (c = *pp); pp = &c->next)
		if (rx >= c->rx && rx < c->rx + c->size)
			break;
	if (!c) {
		pthread_mutex_unlock(&arena_lock);
		return;
	}
	at = (size_t)(rx - c->rx) / UNIT;
	if (!c->frozen) /* else another process may still run these bytes */
		memset(c->rw + at * UNIT, 0xcc, n * UNIT);
	bits_set(c->bits, at, n, false);
	c->used -= n;
	/* an empty chunk goes, but for the last one that takes images */
	if (!c->used && (c->frozen || other_open(c))) {
		*pp = c->next;
		if (c->rw)
			munmap(c->rw, c->size);
		munmap(c->rx, c->size);
		ub_host_free(c->bits);
		ub_host_free(c);
	}
	pthread_mutex_unlock(&arena_lock);
}
