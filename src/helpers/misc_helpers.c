/* SPDX-License-Identifier: MIT */
/*
 * misc_helpers.c - helpers needing no other subsystem: clocks, random
 * numbers, the CPU number, bpf_loop and bpf_strncmp.
 */
#include "util/ubc.h"

#include "helpers.h"
#include "maps/map.h"
#include "util/alloc.h"

#define BPF_MAX_LOOPS (8 * 1024 * 1024)

UB_HELPER(ktime_get_ns)
{
	return ub_clock_ns(CLOCK_MONOTONIC);
}

UB_HELPER(ktime_get_boot_ns)
{
	return ub_clock_ns(CLOCK_BOOTTIME);
}

UB_HELPER(ktime_get_coarse_ns)
{
	return ub_clock_ns(CLOCK_MONOTONIC_COARSE);
}

UB_HELPER(ktime_get_tai_ns)
{
	return ub_clock_ns(CLOCK_TAI);
}

/* jiffies at HZ=250, from the monotonic clock */
UB_HELPER(jiffies64)
{
	return ub_clock_ns(CLOCK_MONOTONIC) / 4000000u;
}

/* xorshift64*, one state per thread, seeded from the clock and address. */
UB_HELPER(get_prandom_u32)
{
	static UB_TLS uint64_t state;

	if (!state)
		state = ub_clock_ns(CLOCK_MONOTONIC) ^ (uint64_t)(uintptr_t)&state ^
			0x9e3779b97f4a7c15ull;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32);
}

/* The CPU whose per-CPU map slots this thread uses. */
UB_HELPER(get_smp_processor_id)
{
	return (uint64_t)ub_current_cpu();
}

UB_HELPER(get_numa_node_id)
{
	return 0;
}

/*
 * bpf_loop(nr_loops, callback_fn, callback_ctx, flags): call
 * callback(i, ctx) for i < nr_loops until it returns non-zero; returns
 * the number of calls made.
 */
UB_HELPER(loop)
{
	uint64_t i, ret = 0;
	int err;

	if (r4)
		return UB_ERR(-EINVAL);
	if (r1 > BPF_MAX_LOOPS)
		return UB_ERR(-E2BIG);
	for (i = 0; i < r1; i++) {
		uint64_t args[5] = { i, r3, 0, 0, 0 };

		err = userbpf_run__call(run, r2, args, &ret);
		if (err)
			return UB_ERR(err);
		if (ret)
			return i + 1;
	}
	return i;
}

/* bpf_strncmp(s1, s1_sz, s2): -1, 0 or 1 like the kernel's strncmp */
UB_HELPER(strncmp)
{
	const unsigned char *a = (const unsigned char *)(uintptr_t)r1;
	const unsigned char *b = (const unsigned char *)(uintptr_t)r3;
	uint64_t i;

	if (!userbpf_run__mem_ok(run, a, r2, 0))
		return UB_ERR(-EFAULT);
	for (i = 0; i < r2; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? UB_ERR(-1) : 1;
		if (!a[i])
			break;
	}
	return 0;
}
