/* SPDX-License-Identifier: MIT */
/*
 * dusdt.c - run by test_launch.c under "userbpf launch": USDT probes of
 * its own (sys/sdt.h notes in .note.stapsdt) attached with libbpf's
 * bpf_program__attach_usdt, as libbpf-bootstrap's "usdt" does: dusdt:hit
 * fires 5 times with (i, i * 1000 + 7), x an operand in memory;
 * dusdt:gated sits behind a semaphore, so it fires only while a probe is
 * attached (the semaphore is raised by the attach): 3 times attached,
 * then twice after the detach, unseen.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <bpf/libbpf.h>
#include <stdio.h>
#include <sys/sdt.h>

#include "dusdt.h"
#include "dusdt.skel.h"

/* with semaphores on, every probe has one; only gated() reads its own */
unsigned short dusdt_hit_semaphore __attribute__((section(".probes"), used));
unsigned short dusdt_gated_semaphore __attribute__((section(".probes"), used));

struct rec {
	long pad, x;
};

/* x is an operand in memory (8(%reg)): usdt.bpf.h reads it from there */
__attribute__((noinline)) static void fire(int i, volatile struct rec *r)
{
	r->x = i * 1000L + 7;
	DTRACE_PROBE2(dusdt, hit, i, r->x);
}

__attribute__((noinline)) static int gated(long v)
{
	if (dusdt_gated_semaphore) {
		DTRACE_PROBE1(dusdt, gated, v);
		return 1;
	}
	return 0;
}

int main(void)
{
	struct dusdt_bpf *skel = dusdt_bpf__open_and_load();
	struct bpf_link *hit, *gate;
	int i, seen = 0;

	if (!skel)
		return 1;
	hit = bpf_program__attach_usdt(skel->progs.on_hit, 0, "/proc/self/exe", "dusdt", "hit",
				       NULL);
	gate = bpf_program__attach_usdt(skel->progs.on_gated, 0, "/proc/self/exe", "dusdt", "gated",
					NULL);
	if (!hit || !gate) {
		fprintf(stderr, "attach_usdt failed\n");
		return 2;
	}
	for (i = 1; i <= 5; i++) {
		static volatile struct rec r;

		fire(i, &r);
	}
	for (i = 1; i <= 3; i++)
		seen += gated(i * 10);
	printf("semaphore while attached: %d\n", dusdt_gated_semaphore > 0);
	bpf_link__destroy(gate);
	printf("semaphore after detach: %d\n", dusdt_gated_semaphore > 0);
	for (i = 1; i <= 2; i++)
		seen += gated(i * 100);
	printf("hit: %llu sum_i %llu sum_x %llu\n", skel->bss->counts.hits, skel->bss->counts.sum_i,
	       skel->bss->counts.sum_x);
	printf("gated: %llu sum %llu seen %d\n", skel->bss->counts.sem_hits,
	       skel->bss->counts.sem_sum, seen);
	bpf_link__destroy(hit);
	dusdt_bpf__destroy(skel);
	return 0;
}
