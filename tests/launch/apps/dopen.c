/* SPDX-License-Identifier: MIT */
/*
 * dopen.c - run by test_launch.c: attaches an openat tracepoint, then
 * runs "CMD ARGS..." (its arguments) as a child, which execs: under
 * userbpf launch the child inherits the syscall filter and runs with
 * addresses not randomised, so its new image's loader and libraries lie
 * where the loader's did.  Prints the child's exit status and whether
 * the child's opens were counted (a child that opens nothing is never
 * in the map).
 * Usage: dopen CMD ARGS...
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app_util.h"
#include "dopen.h"
#include "dopen.skel.h"

int main(int argc, char **argv)
{
	struct dopen_bpf *skel;
	__u64 val = 0;
	__u32 key;
	int st, pid;

	if (argc < 2)
		return 2;
	skel = dopen_bpf__open();
	if (!skel)
		return 1;
	skel->bss->loader_pid = getpid();
	if (dopen_bpf__load(skel) || dopen_bpf__attach(skel)) {
		fprintf(stderr, "load/attach failed\n");
		return 1;
	}
	st = app_run_child(argv + 1, &pid);
	key = (__u32)pid;
	printf("child exit %d, opens counted: %s\n", st,
	       !bpf_map__lookup_elem(skel->maps.opens, &key, sizeof(key), &val, sizeof(val), 0) &&
			       val > 0 ?
		       "yes" :
		       "no");
	dopen_bpf__destroy(skel);
	return 0;
}
