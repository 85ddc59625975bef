/* SPDX-License-Identifier: MIT */
/*
 * main.c - the single test runner.  Usage:
 *   test_runner [--build DIR] [-v] [-l] [NAME_SUBSTRING ...]
 * Runs every registered TEST (or those whose name contains one of the
 * given substrings) and prints "N passed, N failed, N skipped" last.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static struct test_case *tests, **tail = &tests;
static const char *cur_name;
static bool cur_failed, cur_skipped, verbose;
static unsigned passed, failed, skipped;
static const char *build_dir = "build";

void test_register(struct test_case *tc)
{
	*tail = tc;
	tail = &tc->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "FAIL %s: %s:%d: ", cur_name, file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	cur_failed = true;
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "SKIP %s: ", cur_name);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	cur_skipped = true;
}

void test_result(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		if (verbose)
			printf("ok   %s\n", name);
		return;
	}
	failed++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void test_result_skip(const char *name, const char *why)
{
	skipped++;
	printf("SKIP %s: %s\n", name, why);
}

bool test_failed(void)
{
	return cur_failed;
}
bool test_verbose(void)
{
	return verbose;
}
const char *test_build_dir(void)
{
	return build_dir;
}
const char *test_src_dir(void)
{
	return ".";
}

static bool selected(const char *name, int argc, char **argv, int first)
{
	int i;

	if (first >= argc)
		return true;
	for (i = first; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

/*
 * The kernel oracle's file systems.  As root, the tests compare userbpf
 * with the kernel's BPF, whose tools need tracefs (tracepoint ids) and a
 * bpffs at /sys/fs/bpf (pins); a machine may have neither mounted.  The
 * runner mounts what is missing and unmounts it at the end.  userbpf
 * itself needs neither (launch_domain_pins_without_bpffs checks that).
 */
static struct oracle_fs {
	const char *dir, *type;
	long magic;
	bool mounted;
} oracle_fs[] = {
	{ "/sys/kernel/tracing", "tracefs", 0x74726163, false },
	{ "/sys/fs/bpf", "bpf", (long)0xcafe4a11, false },
};

static void oracle_fs_mount(void)
{
	struct statfs st;
	size_t i;

	if (geteuid() != 0)
		return;
	for (i = 0; i < sizeof(oracle_fs) / sizeof(oracle_fs[0]); i++) {
		struct oracle_fs *f = &oracle_fs[i];

		if (statfs(f->dir, &st) || st.f_type == f->magic)
			continue;
		f->mounted = !mount(f->type, f->dir, f->type, 0, NULL);
	}
}

static void oracle_fs_unmount(void)
{
	size_t i;

	for (i = 0; i < sizeof(oracle_fs) / sizeof(oracle_fs[0]); i++)
		if (oracle_fs[i].mounted)
			umount2(oracle_fs[i].dir, MNT_DETACH);
}

int main(int argc, char **argv)
{
	struct test_case *tc;
	bool list = false;
	int first = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "--build") && first + 1 < argc) {
			build_dir = argv[first + 1];
			first += 2;
		} else if (!strcmp(argv[first], "-v")) {
			verbose = true;
			first++;
		} else if (!strcmp(argv[first], "-l")) {
			list = true;
			first++;
		} else {
			fprintf(stderr, "usage: %s [--build DIR] [-v] [-l] [NAME...]\n", argv[0]);
			return 2;
		}
	}
	if (!list)
		oracle_fs_mount();
	for (tc = tests; tc; tc = tc->next) {
		struct timespec t0, t1;

		if (!selected(tc->name, argc, argv, first))
			continue;
		if (list) {
			puts(tc->name);
			continue;
		}
		cur_name = tc->name;
		cur_failed = cur_skipped = false;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		tc->fn();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (cur_failed)
			failed++;
		else if (cur_skipped)
			skipped++;
		else
			passed++;
		if (verbose || cur_failed)
			printf("%s %s (%.1f ms)\n",
			       cur_failed  ? "FAIL" :
			       cur_skipped ? "SKIP" :
					     "ok  ",
			       tc->name,
			       (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				       (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	if (list)
		return 0;
	oracle_fs_unmount();
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
