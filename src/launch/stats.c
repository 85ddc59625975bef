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
 */
#ifdef USERBPF_LAUNCH
#include <errno.h>
#include <linux/bpf.h>
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

/* The slot of prog, taking a free one when create: NULL if none. */
static struct dom_prog_stats *slot_of(const void *prog, bool create)
{
	uint32_t mask = DOMAIN_STATS_SLOTS - 1, i, n;
	uint32_t h = (uint32_t)(((uintptr_t)prog >> 4) * 0x9e3779b1u);

	for (n = 0, i = h & mask; n < DOMAIN_STATS_SLOTS; n++, i = (i + 1) & mask) {
		struct dom_prog_stats *s = &stats->slot[i];
		void *cur = __atomic_load_n(&s->prog, __ATOMIC_ACQUIRE);

		if (cur == prog)
			return s;
		if (cur)
			continue;
		if (!create)
			return NULL;
		if (__atomic_compare_exchange_n(&s->prog, &cur, (void *)prog, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
		    cur == prog)
			return s;
	}
	return NULL;
}

void launch_stats_reset(const void *prog)
{
	struct dom_prog_stats *s = slot_of(prog, false);

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

/* The table has no slot for one more program: said once per process, on
 * stderr (a run may be in a signal handler: one write(2), no stdio). */
static void table_full(void)
{
	static const char msg[] =
		"userbpf launch: run statistics: the table of 4096 programs is full: runs of "
		"programs not counted yet are not counted (run_cnt, run_time_ns stay 0)\n";
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
