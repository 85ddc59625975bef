/* SPDX-License-Identifier: MIT */
/*
 * syscount.c - a syscall counter in the style of bcc's syscount, on a
 * known workload: with the raw_syscalls tracepoints attached and
 * .rodata's target_pid set to this process before load, it makes N
 * getppid() calls and N/2 dup(-1) calls (which fail with EBADF), then
 * prints the per-syscall table (count, errors; sorted by count) and the
 * log2 histogram of latencies from .bss, both read in user space.
 *
 *   syscount [N]         (default 1000)
 *
 *   SYSCALL          COUNT   ERRORS
 *   getppid           1000        0
 *   dup                500      500
 *   ...
 *   latency (ns)  : count  distribution
 *   ...
 *   total: T  histogram total: T
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "syscount.h"
#include "syscount.skel.h"

/* Names of the syscalls a small program makes; others print as numbers. */
static const struct {
	int nr;
	const char *name;
} names[] = {
	{ SYS_read, "read" },
	{ SYS_write, "write" },
	{ SYS_close, "close" },
	{ SYS_dup, "dup" },
	{ SYS_getppid, "getppid" },
	{ SYS_getpid, "getpid" },
	{ SYS_openat, "openat" },
	{ SYS_mmap, "mmap" },
	{ SYS_munmap, "munmap" },
	{ SYS_ioctl, "ioctl" },
	{ SYS_bpf, "bpf" },
	{ SYS_fstat, "fstat" },
	{ SYS_newfstatat, "newfstatat" },
	{ SYS_brk, "brk" },
	{ SYS_futex, "futex" },
	{ SYS_epoll_wait, "epoll_wait" },
	{ SYS_perf_event_open, "perf_event_open" },
	{ SYS_rt_sigaction, "rt_sigaction" },
	{ SYS_rt_sigprocmask, "rt_sigprocmask" },
	{ SYS_clock_gettime, "clock_gettime" },
};

struct row {
	unsigned int nr;
	struct sys_stat st;
};

static const char *sys_name(unsigned int nr, char *buf, size_t sz)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((unsigned int)names[i].nr == nr)
			return names[i].name;
	snprintf(buf, sz, "syscall_%u", nr);
	return buf;
}

static int by_count(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->st.count != y->st.count)
		return x->st.count < y->st.count ? 1 : -1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

/* bcc's print_log2_hist layout: "lo -> hi : count |****   |". */
static void print_hist(const unsigned long long *vals, int slots)
{
	unsigned long long max = 0;
	int i, last = -1, first = -1;

	for (i = 0; i < slots; i++) {
		if (vals[i] > max)
			max = vals[i];
		if (vals[i]) {
			last = i;
			if (first < 0)
				first = i;
		}
	}
	printf("%24s : count    distribution\n", "latency (ns)");
	for (i = first < 0 ? 0 : first; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;
		int stars = max ? (int)(vals[i] * 40 / max) : 0, s;

		printf("%10llu -> %-10llu : %-8llu |", lo, hi, vals[i]);
		for (s = 0; s < 40; s++)
			putchar(s < stars ? '*' : ' ');
		printf("|\n");
	}
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct syscount_bpf *skel;
	struct row rows[512];
	unsigned long long total = 0, htotal = 0, hist[HIST_SLOTS];
	unsigned int key, next, *prev = NULL;
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int nrows = 0, err = 1, fd, i;
	char buf[32];

	if (n < 2) {
		fprintf(stderr, "usage: syscount [N >= 2]\n");
		return 2;
	}
	libbpf_set_print(print_fn);
	skel = syscount_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_pid = getpid();
	if (syscount_bpf__load(skel) || syscount_bpf__attach(skel)) {
		fprintf(stderr, "failed to load and attach: %s\n", strerror(errno));
		goto out;
	}

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (i = 0; i < n / 2; i++)
		syscall(SYS_dup, -1);

	syscount_bpf__detach(skel);
	fd = bpf_map__fd(skel->maps.stats);
	while (nrows < 512 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &rows[nrows].st))
			continue;
		rows[nrows++].nr = key;
	}
	qsort(rows, (size_t)nrows, sizeof(rows[0]), by_count);
	printf("%-16s %8s %8s\n", "SYSCALL", "COUNT", "ERRORS");
	for (i = 0; i < nrows; i++) {
		printf("%-16s %8llu %8llu\n", sys_name(rows[i].nr, buf, sizeof(buf)),
		       rows[i].st.count, rows[i].st.errors);
		total += rows[i].st.count;
	}
	for (i = 0; i < HIST_SLOTS; i++) {
		hist[i] = skel->bss->hist[i];
		htotal += hist[i];
	}
	printf("\n");
	print_hist(hist, HIST_SLOTS);
	printf("\ntotal: %llu  histogram total: %llu\n", total, htotal);
	err = 0;
out:
	syscount_bpf__destroy(skel);
	return err;
}
