/* SPDX-License-Identifier: MIT */
/*
 * profile_burn.h - the workload and the report shared by the two user-space
 * halves of the profile example: profile.c (libbpf, bpftool's skeleton)
 * and profile_embed.c (userbpf's own API and skeleton).  Included once
 * per program.
 */
#ifndef PROFILE_BURN_H
#define PROFILE_BURN_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* The linker defines these around the section "burn_text". */
extern const char __start_burn_text[], __stop_burn_text[];

static volatile uint64_t sink;

static long long cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Spin until ms milliseconds of CPU time were used; in its own section so
 * that its address range is known exactly. */
__attribute__((noinline, section("burn_text"))) static void burn(long long ms)
{
	long long end = cpu_ms() + ms;
	uint64_t x = 1;

	while (cpu_ms() < end) {
		int i;

		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sink = x;
	}
}

static int in_burn(uint64_t ip)
{
	return ip >= (uintptr_t)__start_burn_text && ip < (uintptr_t)__stop_burn_text;
}

struct profile_report {
	uint64_t samples, in_burn, distinct, best_ip, best;
};

/* Account one (ip, count) entry of the map. */
static void report_add(struct profile_report *r, uint64_t ip, uint64_t cnt)
{
	r->distinct++;
	if (in_burn(ip))
		r->in_burn += cnt;
	if (cnt > r->best) {
		r->best = cnt;
		r->best_ip = ip;
	}
}

static void report_print(const struct profile_report *r)
{
	printf("samples: %llu\n", (unsigned long long)r->samples);
	printf("in burn(): %llu\n", (unsigned long long)r->in_burn);
	printf("distinct ips: %llu\n", (unsigned long long)r->distinct);
	if (in_burn(r->best_ip))
		printf("hot: burn+0x%llx %llu\n",
		       (unsigned long long)(r->best_ip - (uintptr_t)__start_burn_text),
		       (unsigned long long)r->best);
	else
		printf("hot: 0x%llx %llu\n", (unsigned long long)r->best_ip,
		       (unsigned long long)r->best);
}

#endif
