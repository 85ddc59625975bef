/* SPDX-License-Identifier: MIT */
/*
 * uprobe_target - the program the uprobe example traces:
 * "uprobe_target N [STATUS]" calls uprobe_add(i, 10 * i) for i < N,
 * prints each sum, then does N mallocs of 2^i bytes and exits with STATUS.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int uprobe_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, i;
	void *volatile p;

	for (i = 0; i < n; i++)
		printf("%d\n", uprobe_add(i, 10 * i));
	for (i = 0; i < n; i++) {
		p = malloc((size_t)1 << i);
		free(p);
	}
	fflush(stdout);
	return argc > 2 ? atoi(argv[2]) : 0;
}
