/* SPDX-License-Identifier: MIT */
/*
 * usdt_target - the program the usdt example traces: "usdt_target N"
 * fires the USDT probe userbpf:tick N times (sys/sdt.h, with a
 * semaphore) with the iteration, its square and a message, and prints
 * whether a tracer had raised the semaphore.  Built with -O0 so that the
 * arguments are memory operands (8@-24(%rbp)), beside a constant.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

unsigned short userbpf_tick_semaphore __attribute__((unused, section(".probes")));

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, i, traced = 0;
	long sq;
	const char *msg = "hello";

	for (i = 0; i < n; i++) {
		sq = (long)i * i;
		if (userbpf_tick_semaphore)
			traced++;
		STAP_PROBE4(userbpf, tick, i, sq, msg, 42);
	}
	printf("ticks %d traced %d\n", n, traced);
	return 0;
}
