/* SPDX-License-Identifier: MIT */
/*
 * dmemlock.c - run by test_launch.c: a loader of the pre-5.11 style,
 * which raises RLIMIT_MEMLOCK to infinity first and gives up when that
 * fails (it fails for an ordinary user).  Prints each step: the raise
 * (setrlimit, then prlimit), the limit read back, a raise of another
 * limit above its hard limit (never granted), whether mlock() is still
 * bounded by the real limit, and the program's count after 3 getppid().
 * Usage: dmemlock [--no-bpf]
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dmemlock.h"
#include "dmemlock.skel.h"

static const char *res(int r)
{
	return r ? (errno == EPERM ? "EPERM" : strerror(errno)) : "ok";
}

int main(int argc, char **argv)
{
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY }, got, nofile;
	struct dmemlock_bpf *skel;
	size_t big;
	void *p;
	int r;

	r = setrlimit(RLIMIT_MEMLOCK, &inf);
	printf("setrlimit MEMLOCK infinity: %s\n", res(r));
	r = prlimit(0, RLIMIT_MEMLOCK, &inf, NULL);
	printf("prlimit MEMLOCK infinity: %s\n", res(r));
	if (getrlimit(RLIMIT_MEMLOCK, &got))
		return 1;
	printf("getrlimit MEMLOCK: %s\n", got.rlim_cur == RLIM_INFINITY ? "infinity" : "limited");
	if (getrlimit(RLIMIT_NOFILE, &nofile))
		return 1;
	nofile.rlim_max = nofile.rlim_cur = nofile.rlim_max + 1;
	printf("setrlimit NOFILE above its hard limit: %s\n",
	       res(setrlimit(RLIMIT_NOFILE, &nofile)));
	/* the real limit (the kernel's, asked directly) still bounds mlock:
	 * twice it cannot be locked (an unlimited one, root's, can) */
	if (syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, NULL, &got))
		return 1;
	big = got.rlim_cur == RLIM_INFINITY ? 0 : (size_t)got.rlim_cur * 2 + (1 << 20);
	if (big) {
		p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		printf("mlock beyond the real limit: %s\n", mlock(p, big) ? "refused" : "locked");
		munmap(p, big);
	}
	if (argc > 1 && !strcmp(argv[1], "--no-bpf"))
		return 0;
	skel = dmemlock_bpf__open();
	if (!skel)
		return 1;
	skel->bss->loader_pid = getpid();
	if (dmemlock_bpf__load(skel) || dmemlock_bpf__attach(skel)) {
		fprintf(stderr, "load/attach failed\n");
		return 1;
	}
	getppid();
	getppid();
	getppid();
	printf("calls %llu\n", (unsigned long long)skel->bss->calls);
	dmemlock_bpf__destroy(skel);
	return 0;
}
