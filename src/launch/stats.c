/* SPDX-License-Identifier: MIT */
/*
 * stats.c - BPF_ENABLE_STATS (BPF_STATS_RUN_TIME) under launch: while
 * any descriptor it returned is open (in a domain: in any process of the
 * domain, as the kernel's switch is system-wide), every run of a program
 * counts in run_cnt and run_time_ns, which prog info reports (bpf.c).
 *
 * The count is taken where launch's programs are run: the interposer is
 * linked with --wrap=userbpf_prog__run (mk/launch.mk), so every call of
 * it from the probe layer, the command layer's test runs and launch's
 * own dispatch comes through __wrap_userbpf_prog__run below.  Disabled,
 * that is one flag load and a jump to the run.  Either way the run is
 * told the wrapper's return address (ub_prog_run_from), so a program's
 * user stack (bpf_get_stack) starts at the wrapper's caller, as without
 * the wrapper: no frame of it shows.  The counters live in a
 * table keyed by the program's address (open addressing, never moved:
 * lookups take no lock), in the arena when in a domain, so bpftool in
 * another process reads them; a new program at a freed one's address
 * starts from zero (launch_stats_reset at load).
 *
 * The table grows: segments of 4096, 8192, 16384 ... slots (domain.h),
 * each made at a load when the table is half full (a run allocates
 * nothing: it may be in a signal handler), never moved or freed.  A
 * program's slot is in the first segment with a free slot among the 64
 * from its hash on, so a lookup that meets a free one there is done.
 * Before, the table was 4096 slots, after which runs of programs not in
 * it were not counted.
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "domain/domain.h"
#include "launch_int.h"
#include "userbpf/vm.h"
#include "vm/vm_int.h"

static struct dom_stats private_stats;
static struct dom_stats *stats = &private_stats;

void launch_stats_attach_domain(void)
{
	if (domain_active())
		stats = domain_stats();
}

/* Slots a program's lookup reads in each segment, from its hash on. */
#define STATS_PROBES 64

/* Segment k's slots and their number (a power of two) in *n, or NULL
 * when it is not made yet. */
static struct dom_prog_stats *segment(unsigned k, uint32_t *n)
{
	*n = (uint32_t)DOMAIN_STATS_SLOTS << k;
	if (!k)
		return stats->slot;
	return (struct dom_prog_stats *)(uintptr_t)__atomic_load_n(&stats->seg[k],
								   __ATOMIC_ACQUIRE);
}

/* The slot of prog, taking a free one when create: NULL if none. */
static struct dom_prog_stats *slot_of(const void *prog, bool create)
{
	uint32_t h = (uint32_t)(((uintptr_t)prog >> 4) * 0x9e3779b1u);
	unsigned k, p;

	for (k = 0; k < DOMAIN_STATS_SEGS; k++) {
		uint32_t n, i;
		struct dom_prog_stats *seg = segment(k, &n);

		if (!seg)
			return NULL;
		for (p = 0, i = h & (n - 1); p < STATS_PROBES; p++, i = (i + 1) & (n - 1)) {
			struct dom_prog_stats *s = &seg[i];
			void *cur = __atomic_load_n(&s->prog, __ATOMIC_ACQUIRE);

			if (cur == prog)
				return s;
			if (cur)
				continue;
			/* slots are never freed: a program that took one
			 * took the first it met, so it is not further on */
			if (!create)
				return NULL;
			if (__atomic_compare_exchange_n(&s->prog, &cur, (void *)prog, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				__atomic_add_fetch(&stats->used, 1, __ATOMIC_RELAXED);
				return s;
			}
			if (cur == prog)
				return s;
		}
	}
	return NULL;
}

/* At a load: the next segment made once the table is half full (its
 * memory the domain's, shared and never freed, or this process's). */
static void stats_reserve(void)
{
	uint64_t cap = 0, zero = 0;
	uint32_t n = 0;
	unsigned k;
	size_t bytes;
	void *mem;

	for (k = 0; k < DOMAIN_STATS_SEGS && segment(k, &n); k++)
		cap += n;
	if (k == DOMAIN_STATS_SEGS ||
	    __atomic_load_n(&stats->used, __ATOMIC_RELAXED) + 1 <= cap / 2)
		return;
	bytes = ((size_t)DOMAIN_STATS_SLOTS << k) * sizeof(struct dom_prog_stats);
	mem = domain_active() ? domain_pages(bytes) : calloc(1, bytes);
	if (!mem)
		return;
	if (!__atomic_compare_exchange_n(&stats->seg[k], &zero, (uint64_t)(uintptr_t)mem, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* another load made it first */
		if (domain_active())
			domain_pages_free(mem);
		else
			free(mem);
	}
}

void launch_stats_reset(const void *prog)
{
	struct dom_prog_stats *s;

	stats_reserve();
	s = slot_of(prog, false);

	if (s) {
		__atomic_store_n(&s->cnt, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->ns, 0, __ATOMIC_RELAXED);
	}
}

bool launch_stats_get(const void *prog, uint64_t *cnt, uint64_t *ns)
{
	struct dom_prog_stats *s = slot_of(prog, false);

	*cnt = s ? __atomic_load_n(&s->cnt, __ATOMIC_RELAXED) : 0;
	*ns = s ? __atomic_load_n(&s->ns, __ATOMIC_RELAXED) : 0;
	return s != NULL;
}

static void enable_release(struct lobj *obj)
{
	(void)obj;
	__atomic_sub_fetch(&stats->enabled, 1, __ATOMIC_RELAXED);
}

long launch_enable_stats(const union bpf_attr *a)
{
	struct lobj *obj;

	if (a->enable_stats.type != BPF_STATS_RUN_TIME)
		return -EINVAL;
	obj = lobj_new(LOBJ_STATS);
	if (!obj)
		return -ENOMEM;
	obj->release = enable_release;
	__atomic_add_fetch(&stats->enabled, 1, __ATOMIC_RELAXED);
	return lobj_install(obj, "bpf-stats");
}

int __wrap_userbpf_prog__run(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
			     uint64_t *retval);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* The table has no slot for one more program (its segments all made and
 * full, or the next not made yet: programs not loaded through launch):
 * said once per process, on stderr (a run may be in a signal handler:
 * one write(2), no stdio). */
static void table_full(void)
{
	static const char msg[] =
		"userbpf launch: run statistics: the table is full: runs of programs not counted "
		"yet are not counted (run_cnt, run_time_ns stay 0)\n";
	static int said;

	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		probe_sc_gate(SYS_write, 2, (long)(uintptr_t)msg, sizeof(msg) - 1, 0, 0, 0);
}

/* A run while statistics are on: timed and counted.  ra: the return
 * address into the wrapper's caller. */
__attribute__((noinline)) static int run_counted(const struct userbpf_prog *prog,
						 struct userbpf_run_opts *opts, uint64_t *retval,
						 void *ra)
{
	struct dom_prog_stats *s;
	uint64_t start = now_ns();
	int ret = ub_prog_run_from(prog, opts, retval, ra);

	s = prog ? slot_of(prog, true) : NULL;
	if (s) {
		__atomic_add_fetch(&s->ns, now_ns() - start, __ATOMIC_RELAXED);
		__atomic_add_fetch(&s->cnt, 1, __ATOMIC_RELAXED);
	} else if (prog) {
		table_full();
	}
	return ret;
}

/* Every userbpf_prog__run of the interposer (see the header): off, one
 * flag load and a tail jump to the run. */
int __wrap_userbpf_prog__run(const struct userbpf_prog *prog, struct userbpf_run_opts *opts,
			     uint64_t *retval)
{
	void *ra = __builtin_return_address(0);

	if (__builtin_expect(__atomic_load_n(&stats->enabled, __ATOMIC_RELAXED) != 0, 0))
		return run_counted(prog, opts, retval, ra);
	return ub_prog_run_from(prog, opts, retval, ra);
}
#endif /* USERBPF_LAUNCH */
