/* SPDX-License-Identifier: MIT */
/*
 * diter.c - run by test_launch.c: a task iterator the libbpf way
 * (bpf_program__attach_iter, bpf_iter_create, read until the end).
 * Prints this process's line (its tasks: the one thread), whether the
 * final call's "end" came last, and the errno of an iterator with flags.
 * The same binary on the kernel (which lists every task) is the oracle.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diter.h"
#include "diter.skel.h"

int main(void)
{
	static char out[1 << 22];
	struct diter_bpf *skel;
	struct bpf_link *link;
	size_t n = 0;
	ssize_t got;
	char *line, want[64];
	int fd, own = 0;

	skel = diter_bpf__open_and_load();
	if (!skel)
		return 1;
	link = bpf_program__attach_iter(skel->progs.list_tasks, NULL);
	if (!link)
		return 2;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return 3;
	while (n + 1 < sizeof(out) && (got = read(fd, out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(fd);
	snprintf(want, sizeof(want), "%d %d ", getpid(), getpid());
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, want, strlen(want))) {
			printf("own task: %s\n", line + strlen(want));
			own++;
		}
		if (!strcmp(line, "end"))
			printf("end last: %s\n", strtok(NULL, "\n") ? "no" : "yes");
	}
	printf("own lines: %d\n", own);
	{
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.iter_create.link_fd = (__u32)bpf_link__fd(link);
		a.iter_create.flags = 1;
		fd = (int)syscall(__NR_bpf, BPF_ITER_CREATE, &a, sizeof(a));
	}
	printf("flags: %d errno %d\n", fd < 0 ? -1 : fd, fd < 0 ? errno : 0);
	bpf_link__destroy(link);
	diter_bpf__destroy(skel);
	return 0;
}
