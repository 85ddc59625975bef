// SPDX-License-Identifier: MIT
/* kernel/bpfk.c - placeholder until the core is embedded. */
#include "kernel.h"

void bpfk_init(void)
{
}

long sys_bpf(int cmd __unused, const void *uattr __unused, unsigned size __unused)
{
	return -38;
}

long sys_perf_event_open(const void *uattr __unused, int pid __unused, int cpu __unused,
			 int group_fd __unused, unsigned long flags __unused)
{
	return -38;
}
