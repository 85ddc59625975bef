/* SPDX-License-Identifier: MIT */
/*
 * trace_domain.c - the tracing agent's shared object space ("userbpf
 * trace --shared", docs/probes.md): the agent joins a trace-private
 * domain (src/domain/arena.c, linked into the agent as into the launch
 * interposer) whose arena file the CLI names in USERBPF_TRACE_ARENA, and
 * moves the library's memory into it: allocations, map pages (global
 * variables' arrays), ring buffers, JIT code, the per-CPU run slots and
 * the ring buffers' wakeups (a futex word in the arena instead of an
 * eventfd, which would be a descriptor of one process only).  The
 * object the trace's reader loads is then one object for every traced
 * process: they attach its programs locally and run them on its maps.
 *
 * Also the few pieces of the launch interposer arena.c calls: the real
 * libc functions (launch_real) and the hook of launch's object facts
 * (none here).  The root of the trace (the loaded object) is kept in the
 * arena's head slot of launch's fact list, which no trace domain uses
 * otherwise.
 *
 * Compiled into the agent only (-DUSERBPF_AGENT).
 */
#ifdef USERBPF_AGENT
#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "domain/domain.h"
#include "launch/launch_int.h"
#include "maps/map.h"
#include "trace_proto.h"
#include "userbpf/platform.h"

long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

struct launch_real launch_real;

void launch_init_real(void)
{
	if (launch_real.open)
		return;
#define R(name) launch_real.name = (__typeof__(launch_real.name))dlsym(RTLD_NEXT, #name)
	R(close);
	R(mmap);
	R(open);
	R(munmap);
#undef R
}

/* launch's object facts (meta.c) are not in the agent: nothing to unlink. */
void *launch_meta_unlink_locked(const void *ptr)
{
	(void)ptr;
	return NULL;
}

/*
 * The allocator.  The reader (which makes the maps and programs every
 * process uses) allocates everything in the arena.  A traced process
 * makes nothing another process reads: its large blocks (the ELF images
 * and symbol tables of its attachments, hundreds of KB) come from its
 * private heap, where they cost no page faults on the arena's file; its
 * small ones (links, probe sites) stay in the arena, as in the launch
 * interposer.  A block is freed by whoever gave it (domain_owns).
 */
#define PRIVATE_MIN 16384
static bool members_private;

static void *plat_alloc(size_t size, void *cookie)
{
	(void)cookie;
	if (members_private && size >= PRIVATE_MIN)
		return calloc(1, size);
	return domain_alloc(size);
}

static void plat_free(void *p, void *cookie)
{
	(void)cookie;
	if (domain_owns(p))
		domain_free(p);
	else
		free(p);
}

/*
 * Wakeups a producer in one process gives a consumer in another: a word
 * pair in the arena (signals not yet consumed, waiters), the handle its
 * offset in 16-byte units.  signal is on the run path: an atomic add,
 * and a futex wake (through the probe gate: no syscall tracepoint sees
 * it) only when someone waits.
 */
struct tdom_event {
	_Atomic uint32_t count, waiters;
};

static struct tdom_event *event_at(int handle)
{
	return (struct tdom_event *)((uintptr_t)DOMAIN_BASE + (uintptr_t)handle * 16);
}

static int plat_event_open(void *cookie)
{
	struct tdom_event *e = domain_alloc(sizeof(*e));

	(void)cookie;
	if (!e)
		return -ENOMEM;
	return (int)(domain_offset(e) / 16);
}

static void plat_event_signal(int handle, void *cookie)
{
	struct tdom_event *e = event_at(handle);

	(void)cookie;
	atomic_fetch_add(&e->count, 1);
	if (atomic_load(&e->waiters))
		probe_sc_gate(SYS_futex, (long)(uintptr_t)&e->count, FUTEX_WAKE, 0x7fffffff, 0, 0,
			      0);
}

static int plat_event_wait(int handle, int timeout_ms, void *cookie)
{
	struct tdom_event *e = event_at(handle);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

	(void)cookie;
	if (atomic_exchange(&e->count, 0))
		return 1;
	if (!timeout_ms)
		return 0;
	atomic_fetch_add(&e->waiters, 1);
	probe_sc_gate(SYS_futex, (long)(uintptr_t)&e->count, FUTEX_WAIT, 0,
		      timeout_ms < 0 ? 0 : (long)(uintptr_t)&ts, 0, 0);
	atomic_fetch_sub(&e->waiters, 1);
	return atomic_exchange(&e->count, 0) ? 1 : 0;
}

static void plat_event_close(int handle, void *cookie)
{
	(void)cookie;
	domain_free(event_at(handle));
}

/* 0, or -errno: the agent then reports it and does not trace.  reader:
 * this process makes the trace's object. */
int tdom_join(const char *path, bool reader)
{
	struct userbpf_platform plat = {
		.sz = sizeof(plat),
		.alloc = plat_alloc,
		.free = plat_free,
		.event_open = plat_event_open,
		.event_signal = plat_event_signal,
		.event_wait = plat_event_wait,
		.event_close = plat_event_close,
	};
	int err;

	launch_init_real();
	members_private = !reader;
	err = domain_join(path);
	if (err)
		return err;
	domain_platform(&plat, true);
	if (userbpf_set_platform(&plat))
		return -EINVAL;
	if (ub_map_run_slots_size() > DOMAIN_RUN_SLOTS_SIZE)
		return -E2BIG;
	ub_map_share_run_slots(domain_run_slots());
	ub_map_run_slots_owner((uint32_t)getpid(), domain_slot_owner_dead);
	domain_reap();
	return 0;
}

/* A child forked without exec: a member of its own (its pid). */
void tdom_fork_child(void)
{
	domain_fork_child();
	ub_map_run_slots_owner((uint32_t)getpid(), domain_slot_owner_dead);
}

int tdom_members(int *pids, int max)
{
	return domain_member_pids(pids, max);
}

void tdom_leave(void)
{
	domain_leave();
}

/* The trace's loaded object (set by the reader, read by the others). */
void tdom_set_root(void *obj)
{
	domain_lock();
	*domain_meta_head() = obj;
	domain_unlock();
}

void *tdom_root(void)
{
	void *obj;

	domain_lock();
	obj = *domain_meta_head();
	domain_unlock();
	return obj;
}
#else
typedef int userbpf_trace_domain_unused;
#endif
