/* SPDX-License-Identifier: MIT */
/* dusdt.h - what dusdt.bpf.c counts: per probe, hits and argument sums. */
#ifndef LAUNCH_DUSDT_H
#define LAUNCH_DUSDT_H
struct dusdt_counts {
	unsigned long long hits, sum_i, sum_x, sem_hits, sem_sum;
};
#endif
