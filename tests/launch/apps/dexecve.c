/* SPDX-License-Identifier: MIT */
/*
 * dexecve.c - run by test_launch.c under "userbpf launch --domain D": the
 * execve syscall tracepoints of a child started in the domain, as
 * execsnoop attaches them: a failed execv, an execvp whose PATH search
 * fails once then runs /bin/sh, and the shell's exec of /bin/true.
 * Prints the child's events in order, then its exit status.
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dexecve.h"
#include "dexecve.skel.h"

static int child_pid;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct dxe_event *e = data;

	(void)ctx;
	(void)size;
	if ((int)e->pid != child_pid)
		return 0;
	if (e->exit)
		printf("exit %ld %s\n", e->ret, e->ret ? "" : e->name);
	else
		printf("enter %s %s\n", e->name, e->arg1);
	return 0;
}

int main(void)
{
	struct dexecve_bpf *skel = dexecve_bpf__open_and_load();
	struct ring_buffer *rb;
	int st, i;

	if (!skel || dexecve_bpf__attach(skel))
		return 1;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb)
		return 1;
	fflush(stdout);
	child_pid = fork();
	if (child_pid == 0) {
		char *bad[] = { "x", "y", NULL };
		char *sh[] = { "sh", "-c", "exec /bin/true one two", NULL };

		execv("/nonexistent/x", bad);
		setenv("PATH", "/nonexistent_dir:/bin", 1);
		execvp("sh", sh);
		_exit(127);
	}
	waitpid(child_pid, &st, 0);
	for (i = 0; i < 10; i++)
		ring_buffer__poll(rb, 50);
	printf("child exit %d\n", WEXITSTATUS(st));
	ring_buffer__free(rb);
	dexecve_bpf__destroy(skel);
	return 0;
}
