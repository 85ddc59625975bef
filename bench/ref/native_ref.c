/* SPDX-License-Identifier: MIT */
/*
 * native_ref.c - the benchmark programs' computations in C, compiled by
 * clang -O2 (see Makefile: BENCH_REF_CC) as the native reference.  Each
 * function computes exactly what its BPF twin in bench_interp.c computes
 * and returns the same r0; the bench asserts that.
 */
#include <stdint.h>

#include "native_ref.h"

__attribute__((noinline)) uint64_t ref_arith(uint64_t n)
{
	uint64_t r0 = 0, r2 = 7;

	while (n) {
		r0 += n;
		r0 ^= r2;
		r2 = r0 * 3;
		r2 >>= 1;
		n -= 1;
	}
	return r0;
}

__attribute__((noinline)) uint64_t ref_memcpy(uint8_t *mem, uint64_t words)
{
	uint64_t *dst = (uint64_t *)(void *)(mem + words * 8), i;
	const uint64_t *src = (const uint64_t *)(void *)mem;

	/* The barrier keeps clang from turning the loop into memcpy(). */
	for (i = 0; i < words; i++) {
		dst[i] = src[i];
		__asm__ volatile("" ::: "memory");
	}
	return dst[words - 1];
}

__attribute__((noinline)) uint64_t ref_branchy(uint64_t n)
{
	uint64_t x = 1, r0 = 0;

	while (n--) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (x & (1ull << 40))
			r0 += 3;
		else
			r0 ^= x >> 50;
		if ((x >> 33) & 1)
			r0 -= 1;
	}
	return r0;
}

__attribute__((noinline)) static uint64_t leaf(uint64_t a, uint64_t b)
{
	__asm__ volatile("");
	return a * 2 + b;
}

__attribute__((noinline)) uint64_t ref_calls(uint64_t n)
{
	uint64_t r0 = 0;

	while (n) {
		r0 = leaf(r0, n);
		n--;
	}
	return r0;
}

__attribute__((noinline)) uint64_t ref_atomics(uint64_t *counter, uint64_t n)
{
	uint64_t r0 = 0;

	while (n) {
		__atomic_fetch_add(counter, n, __ATOMIC_SEQ_CST);
		r0 += __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
		n--;
	}
	return r0;
}
