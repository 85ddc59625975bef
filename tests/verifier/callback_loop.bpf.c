// SPDX-License-Identifier: MIT
/* A bpf_loop callback indexing a .rodata table under a bound check: the
 * kernel loads it; its callback iterations must converge in userbpf's
 * verifier too (test_verifier_load.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile unsigned long long weights[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

struct acc {
	unsigned long long sum;
};

static long add_weight(unsigned int i, void *ctx)
{
	struct acc *a = ctx;

	if (i < 8)
		a->sum += weights[i] * i;
	return 0;
}

SEC("syscall")
int weighted(void *ctx)
{
	struct acc a = { 0 };

	bpf_loop(16, add_weight, &a, 0);
	return (int)a.sum;
}

char LICENSE[] SEC("license") = "GPL";
