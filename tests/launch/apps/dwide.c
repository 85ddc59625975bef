/* SPDX-License-Identifier: MIT */
/*
 * dwide.c - a loader that probes a binary it does not map, for every
 * process (pid -1), the way bcc's bashreadline probes /bin/bash: it copies
 * itself to a new file (another inode: not mapped here), attaches a uprobe
 * and a uretprobe to dwide_fn in that copy, runs the copy as a child
 * ("dwide target", which calls dwide_fn three times) and prints what the
 * programs counted.  Under "userbpf launch --domain" the child joins the
 * domain and runs the programs; on the kernel, the kernel's uprobes do.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dwide.h"
#include "dwide.skel.h"

__attribute__((noinline)) int dwide_fn(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 10;
}

/* Copy /proc/self/exe to path, executable. */
static int copy_self(const char *path)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;

	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(out) || n < 0 ? -1 : 0;
}

/* Run the copy at path as a child ("dwide target"): its pid when it ran
 * fine, else -1. */
static pid_t run_target(const char *path)
{
	int st;
	pid_t kid;

	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		execl(path, "dwide", "target", (char *)NULL);
		_exit(127);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return kid;
}

/*
 * "dwide pid": probes for one process only, the way bcc's memleak -c
 * attaches to its child between fork and exec: the child waits on a pipe,
 * the loader attaches with the child's pid and lets it exec the copy.
 * Another run of the copy afterwards is not counted; a pid that is gone is
 * refused (ESRCH).
 */
static int pid_mode(struct dwide_bpf *skel, const char *path)
{
	LIBBPF_OPTS(bpf_uprobe_opts, eo, .func_name = "dwide_fn");
	struct bpf_link *l, *bad;
	int p[2], st;
	char c = 1;
	__u64 v = 0;
	__u32 k = DW_ENTRIES;
	pid_t kid;

	if (pipe(p))
		return 10;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(126);
		execl(path, "dwide", "target", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	l = bpf_program__attach_uprobe_opts(skel->progs.enter, kid, path, 0, &eo);
	printf("attached to the child: %s\n", l ? "yes" : "no");
	if (write(p[1], &c, 1) != 1 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		return 11;
	if (bpf_map__lookup_elem(skel->maps.stats, &k, sizeof(k), &v, sizeof(v), 0))
		return 12;
	printf("entries in the child %llu\n", (unsigned long long)v);
	if (run_target(path) < 0 ||
	    bpf_map__lookup_elem(skel->maps.stats, &k, sizeof(k), &v, sizeof(v), 0))
		return 13;
	printf("entries after another process ran it %llu\n", (unsigned long long)v);
	/* a pid that is gone (reaped) */
	kid = fork();
	if (kid == 0)
		_exit(0);
	if (kid < 0 || waitpid(kid, &st, 0) != kid)
		return 14;
	bad = bpf_program__attach_uprobe_opts(skel->progs.enter, kid, path, 0, &eo);
	printf("a pid that is gone refused: %s (%s)\n", bad ? "no" : "yes",
	       bad ? "-" : strerror(errno));
	bpf_link__destroy(bad);
	bpf_link__destroy(l);
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, eo, .func_name = "dwide_fn");
	LIBBPF_OPTS(bpf_uprobe_opts, ro, .func_name = "dwide_fn", .retprobe = true);
	const char *tmp = getenv("TMPDIR");
	struct dwide_bpf *skel;
	struct bpf_link *l1, *l2;
	char path[512];
	__u64 v[DW_SLOTS];
	__u32 k;
	int i, sum = 0;
	pid_t kid;

	if (argc > 1 && !strcmp(argv[1], "target")) {
		for (i = 1; i <= 3; i++)
			sum += dwide_fn(i);
		return sum == 60 ? 0 : 1;
	}
	snprintf(path, sizeof(path), "%s/dwide_target_%d", tmp ? tmp : "/tmp", (int)getpid());
	if (copy_self(path))
		return 2;
	skel = dwide_bpf__open_and_load();
	if (!skel)
		return 3;
	if (argc > 1 && !strcmp(argv[1], "pid")) {
		int err = pid_mode(skel, path);

		unlink(path);
		dwide_bpf__destroy(skel);
		return err;
	}
	l1 = bpf_program__attach_uprobe_opts(skel->progs.enter, -1, path, 0, &eo);
	l2 = bpf_program__attach_uprobe_opts(skel->progs.leave, -1, path, 0, &ro);
	if (!l1 || !l2)
		return 4;
	printf("attached to a binary not mapped here\n");
	kid = run_target(path);
	if (kid < 0)
		return 5;
	for (k = 0; k < DW_SLOTS; k++)
		if (bpf_map__lookup_elem(skel->maps.stats, &k, sizeof(k), &v[k], sizeof(v[k]), 0))
			return 6;
	printf("entries %llu args %llu\n", (unsigned long long)v[DW_ENTRIES],
	       (unsigned long long)v[DW_ARGS]);
	printf("returns %llu rets %llu\n", (unsigned long long)v[DW_RETURNS],
	       (unsigned long long)v[DW_RETS]);
	printf("ran in the child: %s\n", v[DW_PID] == (__u64)kid ? "yes" : "no");
	/* detached: the copy runs without them */
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	if (run_target(path) < 0)
		return 7;
	k = DW_ENTRIES;
	if (bpf_map__lookup_elem(skel->maps.stats, &k, sizeof(k), &v[k], sizeof(v[k]), 0))
		return 8;
	printf("entries after detach %llu\n", (unsigned long long)v[DW_ENTRIES]);
	unlink(path);
	dwide_bpf__destroy(skel);
	return 0;
}
