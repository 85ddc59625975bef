/* SPDX-License-Identifier: MIT */
/*
 * uprobe_calls.h - the probed functions and the report shared by the two
 * user-space halves of the uprobe example: uprobe.c (libbpf, bpftool's
 * skeleton) and uprobe_embed.c (userbpf's own API, userbpf's skeleton).
 * Included once per program.
 */
#ifndef UPROBE_CALLS_H
#define UPROBE_CALLS_H

#include <stdio.h>
#include "uprobe.h"

/* Not inlined, not static: the probes find them by symbol name. */
__attribute__((noinline)) int uprobed_add(int a, int b);
__attribute__((noinline)) int uprobed_sub(int a, int b);

__attribute__((noinline)) int uprobed_add(int a, int b)
{
	asm volatile("" ::: "memory");
	return a + b;
}

__attribute__((noinline)) int uprobed_sub(int a, int b)
{
	asm volatile("" ::: "memory");
	return a - b;
}

/* The calls made while the probes are attached: n rounds of add, sub. */
static int run_calls(int n)
{
	int i, sum = 0;

	for (i = 0; i < n; i++) {
		sum += uprobed_add(i, 2 * i + 1);
		sum += uprobed_sub(10 * i, 3);
	}
	return sum;
}

/* One line per record: "add(0, 1)", "add -> 1", "sub(0, 3)", "sub -> -3". */
static void print_calls(const struct call *calls, int n)
{
	int i;

	for (i = 0; i < n && i < MAX_CALLS; i++) {
		const struct call *c = &calls[i];

		switch (c->kind) {
		case CALL_ADD_ENTRY:
			printf("add(%ld, %ld)\n", c->a, c->b);
			break;
		case CALL_ADD_RETURN:
			printf("add -> %ld\n", c->ret);
			break;
		case CALL_SUB_ENTRY:
			printf("sub(%ld, %ld)\n", c->a, c->b);
			break;
		case CALL_SUB_RETURN:
			printf("sub -> %ld\n", c->ret);
			break;
		default:
			printf("unknown record %d\n", c->kind);
		}
	}
	printf("records: %d\n", n);
}

#endif
