/* SPDX-License-Identifier: MIT */
/*
 * util/ubc_sort.c - the core's qsort: a stable merge sort (glibc's qsort
 * is a merge sort too, so ties keep the order they had on both builds)
 * with a temporary buffer from ub_alloc; without memory it falls back to
 * an in-place insertion sort (stable, quadratic).
 */
#include "ubc.h"
#include "alloc.h"

typedef int (*cmp_fn)(const void *, const void *);

static void merge_sort(char *a, char *tmp, size_t n, size_t size, cmp_fn cmp)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(a, tmp, mid, size, cmp);
	merge_sort(a + mid * size, tmp, n - mid, size, cmp);
	if (cmp(a + (mid - 1) * size, a + mid * size) <= 0)
		return; /* already in order */
	while (i < mid && j < n) {
		if (cmp(a + j * size, a + i * size) < 0)
			memcpy(tmp + k++ * size, a + j++ * size, size);
		else
			memcpy(tmp + k++ * size, a + i++ * size, size);
	}
	while (i < mid)
		memcpy(tmp + k++ * size, a + i++ * size, size);
	/* what is left of the right half is in place already */
	memcpy(a, tmp, k * size);
}

static void insertion_sort(char *a, size_t n, size_t size, cmp_fn cmp)
{
	size_t i, j, b;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cmp(a + (j - 1) * size, a + j * size) > 0; j--)
			for (b = 0; b < size; b++) {
				char t = a[(j - 1) * size + b];

				a[(j - 1) * size + b] = a[j * size + b];
				a[j * size + b] = t;
			}
}

void ub_qsort(void *base, size_t n, size_t size, cmp_fn cmp)
{
	char *tmp;

	if (n < 2 || !size)
		return;
	tmp = n <= SIZE_MAX / size ? ub_alloc(n * size) : NULL;
	if (!tmp) {
		insertion_sort(base, n, size, cmp);
		return;
	}
	merge_sort(base, tmp, n, size, cmp);
	ub_free(tmp);
}

void *ub_bsearch(const void *key, const void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	const char *b = base;

	while (n) {
		const char *mid = b + (n / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			b = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
