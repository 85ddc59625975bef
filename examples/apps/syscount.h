/* SPDX-License-Identifier: MIT */
/* syscount.h - what syscount.bpf.c counts, shared with syscount.c. */
#ifndef SYSCOUNT_H
#define SYSCOUNT_H

#define HIST_SLOTS 32 /* log2 buckets of syscall latency in ns */

struct sys_stat {
	unsigned long long count;
	unsigned long long errors; /* return value in -4095..-1 */
	unsigned long long total_ns;
};

#endif
