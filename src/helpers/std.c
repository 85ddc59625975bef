/* SPDX-License-Identifier: MIT */
/*
 * std.c - the built-in helper registry: {id, name, function, prototype}
 * for every helper userbpf implements, sorted by the kernel's BPF_FUNC_*
 * id.  The interpreter resolves calls through it and the verifier reads
 * the prototypes; the CLI prints names from it.
 *
 * This file holds the table and the helpers that need no other subsystem
 * (time, random numbers, CPU id); map, ring buffer and tracing helpers
 * live beside their subsystems and are listed here.
 */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "util/alloc.h"

static uint64_t ktime_get_ns(uint64_t r1, uint64_t r2, uint64_t r3,
			     uint64_t r4, uint64_t r5, struct userbpf_run *run)
{
	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)run;
	return ub_clock_ns(CLOCK_MONOTONIC);
}

static uint64_t ktime_get_boot_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				  uint64_t r4, uint64_t r5,
				  struct userbpf_run *run)
{
	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)run;
	return ub_clock_ns(CLOCK_BOOTTIME);
}

static uint64_t ktime_get_coarse_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5,
				    struct userbpf_run *run)
{
	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)run;
	return ub_clock_ns(CLOCK_MONOTONIC_COARSE);
}

/* xorshift64*, one state per thread, seeded from the clock and address. */
static uint64_t get_prandom_u32(uint64_t r1, uint64_t r2, uint64_t r3,
				uint64_t r4, uint64_t r5,
				struct userbpf_run *run)
{
	static __thread uint64_t state;

	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)run;
	if (!state)
		state = ub_clock_ns(CLOCK_MONOTONIC) ^
			(uint64_t)(uintptr_t)&state ^ 0x9e3779b97f4a7c15ull;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint64_t get_smp_processor_id(uint64_t r1, uint64_t r2, uint64_t r3,
				     uint64_t r4, uint64_t r5,
				     struct userbpf_run *run)
{
	int cpu = sched_getcpu();

	(void)r1; (void)r2; (void)r3; (void)r4; (void)r5; (void)run;
	return cpu < 0 ? 0 : (uint64_t)cpu;
}

#define ARGS0 { 0 }
#define PROTO(RET, ...) { .ret = USERBPF_RET_##RET, .args = __VA_ARGS__ }

static const struct userbpf_helper std_helpers[] = {
	{ 5, "bpf_ktime_get_ns", ktime_get_ns, PROTO(INTEGER, ARGS0) },
	{ 7, "bpf_get_prandom_u32", get_prandom_u32, PROTO(INTEGER, ARGS0) },
	{ 8, "bpf_get_smp_processor_id", get_smp_processor_id, PROTO(INTEGER, ARGS0) },
	{ 125, "bpf_ktime_get_boot_ns", ktime_get_boot_ns, PROTO(INTEGER, ARGS0) },
	{ 160, "bpf_ktime_get_coarse_ns", ktime_get_coarse_ns, PROTO(INTEGER, ARGS0) },
};

const struct userbpf_helper *userbpf_helpers_std(size_t *cnt)
{
	*cnt = sizeof(std_helpers) / sizeof(std_helpers[0]);
	return std_helpers;
}

const struct userbpf_helper *userbpf_helper_by_id(uint32_t id)
{
	size_t i, cnt;
	const struct userbpf_helper *h = userbpf_helpers_std(&cnt);

	for (i = 0; i < cnt; i++)
		if (h[i].id == id)
			return &h[i];
	return NULL;
}

const struct userbpf_helper *userbpf_helper_by_name(const char *name)
{
	size_t i, cnt;
	const struct userbpf_helper *h = userbpf_helpers_std(&cnt);

	for (i = 0; i < cnt; i++)
		if (!strcmp(h[i].name, name) ||
		    (!strncmp(h[i].name, "bpf_", 4) && !strcmp(h[i].name + 4, name)))
			return &h[i];
	return NULL;
}
