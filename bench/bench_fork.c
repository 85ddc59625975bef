/* SPDX-License-Identifier: MIT */
/*
 * bench_fork.c - what a fork costs inside a launch domain against the
 * same fork without launch: a loop of fork, _exit(0) in the child,
 * waitpid in the parent (the shape of a shell or a server that forks
 * workers), timed per child.
 *
 *   native          the loop alone (no interposer)
 *   launch          the loop under "userbpf launch" (an anonymous domain:
 *                   every child is a member of its own, with its own sync
 *                   thread, and leaves the domain at its _exit)
 *   launch, M maps  the same with M array maps open in the parent: each
 *                   fork hands a use of each over to the child (fork.c)
 *   ..., lookups    the child looks up every inherited map before its
 *                   _exit (the hand-over's descriptors work; a wrong
 *                   value is an error, exit status 1)
 *   native, M maps  the kernel's maps, as root only
 *
 * Per row: wall time per child (fork to waitpid), the parent's fork()
 * call alone, and CPU time per child (user + system of the children,
 * getrusage) and of the parent; each the best of 3 runs of N children
 * (--children N, default 100) after 5 unmeasured ones.  The machine's
 * other load moves the wall figures; the CPU figures move less.
 *
 * Usage: bench_fork [--json] [--children N] [--maps M]
 * (the loop itself: bench_fork --loop N M LOOKUP, run by the rows).
 * userbpf is found next to this binary (the build directory).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define WARMUP 5
#define RUNS 3
#define MAX_MAPS 64

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double tv_us(struct timeval tv)
{
	return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

/* The child of a lookup row: every inherited map still holds what the
 * parent stored (its index + 1). */
static int child_lookups(const int *fds, int nmaps)
{
	unsigned long long v;
	__u32 k = 0;
	int i;

	for (i = 0; i < nmaps; i++)
		if (bpf_map_lookup_elem(fds[i], &k, &v) || v != (unsigned long long)i + 1)
			return 1;
	return 0;
}

/* One child: fork, the child's work, waitpid.  The fork call's time is
 * added to *fork_us.  0, or -1 (the child failed). */
static int one_child(const int *fds, int nmaps, bool lookups, double *fork_us)
{
	double t0 = now_us();
	pid_t kid = fork();
	int st = 0;

	if (kid == 0)
		_exit(lookups ? child_lookups(fds, nmaps) : 0);
	*fork_us += now_us() - t0;
	if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}

/* "--loop N M LOOKUP": the measured loop; prints "wall fork child_cpu
 * parent_cpu" in us per child, or exits 3 when the maps cannot be made
 * (the kernel's, not root). */
static int loop(int n, int nmaps, bool lookups)
{
	int fds[MAX_MAPS], i;
	struct rusage self0, self1, kids;
	double fork_us = 0, t0, wall;

	for (i = 0; i < nmaps; i++) {
		unsigned long long v = (unsigned long long)i + 1;
		__u32 k = 0;

		fds[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_fork", 4, 8, 1, NULL);
		if (fds[i] < 0 || bpf_map_update_elem(fds[i], &k, &v, BPF_ANY)) {
			printf("maps: %s\n", strerror(errno));
			return 3;
		}
	}
	for (i = 0; i < WARMUP; i++)
		if (one_child(fds, nmaps, lookups, &fork_us))
			return 1;
	fork_us = 0;
	getrusage(RUSAGE_SELF, &self0);
	t0 = now_us();
	for (i = 0; i < n; i++)
		if (one_child(fds, nmaps, lookups, &fork_us))
			return 1;
	wall = now_us() - t0;
	getrusage(RUSAGE_SELF, &self1);
	/* the children of the warm-up are in it too: N + WARMUP of them */
	getrusage(RUSAGE_CHILDREN, &kids);
	printf("%.1f %.1f %.1f %.1f\n", wall / n, fork_us / n,
	       (tv_us(kids.ru_utime) + tv_us(kids.ru_stime)) / (n + WARMUP),
	       (tv_us(self1.ru_utime) + tv_us(self1.ru_stime) - tv_us(self0.ru_utime) -
		tv_us(self0.ru_stime)) /
		       n);
	return 0;
}

struct row {
	const char *name, *id;
	bool launch, lookups;
	int maps;
};

static char userbpf[PATH_MAX], self[PATH_MAX];
static bool json;

/* Run one row RUNS times: the best of each figure in best[4]; 0, or a
 * reason in why. */
static int run_row(const struct row *r, int children, double best[4], char *why, size_t whylen)
{
	char cmd[3 * PATH_MAX], out[256];
	int run, k;

	snprintf(cmd, sizeof(cmd), "%s%s%s --loop %d %d %d 2>&1", r->launch ? userbpf : "",
		 r->launch ? " launch -- " : "", self, children, r->maps, r->lookups);
	for (k = 0; k < 4; k++)
		best[k] = -1;
	for (run = 0; run < RUNS; run++) {
		FILE *p = popen(cmd, "r");
		double v[4];
		int st;

		if (!p || !fgets(out, sizeof(out), p)) {
			if (p)
				pclose(p);
			snprintf(why, whylen, "no output");
			return -1;
		}
		st = pclose(p);
		if (sscanf(out, "%lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3]) != 4) {
			out[strcspn(out, "\n")] = '\0';
			snprintf(why, whylen, "%s (status %d)", out, st);
			return -1;
		}
		for (k = 0; k < 4; k++)
			if (best[k] < 0 || v[k] < best[k])
				best[k] = v[k];
	}
	return 0;
}

int main(int argc, char **argv)
{
	int children = 100, maps = 8, i;
	char *slash;

	if (argc == 5 && !strcmp(argv[1], "--loop"))
		return loop(atoi(argv[2]), atoi(argv[3]) > MAX_MAPS ? MAX_MAPS : atoi(argv[3]),
			    atoi(argv[4]) != 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--children") && i + 1 < argc)
			children = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--maps") && i + 1 < argc)
			maps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_fork [--json] [--children N] [--maps M]\n");
			return 2;
		}
	}
	if (children < 1)
		children = 1;
	if (maps < 1 || maps > MAX_MAPS)
		maps = 8;
	if (!realpath("/proc/self/exe", self))
		return 2;
	snprintf(userbpf, sizeof(userbpf), "%s", self);
	slash = strrchr(userbpf, '/');
	snprintf(slash + 1, sizeof(userbpf) - (size_t)(slash + 1 - userbpf), "userbpf");
	if (access(userbpf, X_OK)) {
		fprintf(stderr, "bench_fork: %s missing\n", userbpf);
		return 2;
	}

	const struct row rows[] = {
		{ "native", "native", false, false, 0 },
		{ "launch", "launch", true, false, 0 },
		{ "launch, maps", "launch_maps", true, false, maps },
		{ "launch, maps, lookups", "launch_maps_lookups", true, true, maps },
		{ "native, maps (kernel)", "native_maps", false, false, maps },
	};
	int failed = 0;

	if (!json)
		printf("%-24s %12s %10s %12s %12s   (us per child; %d children, %d maps, best "
		       "of %d)\n",
		       "fork+_exit+waitpid", "wall", "fork()", "child cpu", "parent cpu", children,
		       maps, RUNS);
	for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
		double b[4];
		char why[300];

		if (run_row(&rows[i], children, b, why, sizeof(why))) {
			/* the kernel's maps need root: not an error */
			bool skip = !rows[i].launch && rows[i].maps;

			failed += !skip;
			if (json)
				printf("{\"row\":\"%s\",\"error\":\"%s\"}\n", rows[i].id, why);
			else
				printf("%-24s n/a: %s\n", rows[i].name, why);
			continue;
		}
		if (json)
			printf("{\"row\":\"%s\",\"children\":%d,\"maps\":%d,\"wall_us\":%.1f,"
			       "\"fork_us\":%.1f,\"child_cpu_us\":%.1f,\"parent_cpu_us\":%.1f}\n",
			       rows[i].id, children, rows[i].maps, b[0], b[1], b[2], b[3]);
		else
			printf("%-24s %12.1f %10.1f %12.1f %12.1f\n", rows[i].name, b[0], b[1],
			       b[2], b[3]);
	}
	return failed ? 1 : 0;
}
