/* SPDX-License-Identifier: MIT */
/*
 * diter.c - run by test_launch.c: a task iterator the libbpf way
 * (bpf_program__attach_iter, bpf_iter_create, read until the end).
 * Prints this process's line, its second thread's (blocked in read, named
 * diter-w), whether a child forked without exec is listed (every task on
 * the kernel, every member in a domain; not in a private launch),
 * whether the final call's "end" came last, what iterators narrowed to
 * this process (bpf_iter_link_info.task.pid, or .pid_fd) and to the
 * thread (.tid) list, and the errno of an iterator with flags and of one narrowed
 * twice.  The same binary on the kernel is the oracle.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diter.h"
#include "diter.skel.h"

static int wpipe[2];
static pid_t wtid;

static void *waiter(void *arg)
{
	char c;

	(void)arg;
	pthread_setname_np(pthread_self(), "diter-w");
	__atomic_store_n(&wtid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	if (read(wpipe[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* The output of an iterator over link (1 MiB at most). */
static char *read_iter(struct bpf_link *link)
{
	static char out[1 << 20];
	size_t n = 0;
	ssize_t got;
	int fd = bpf_iter_create(bpf_link__fd(link));

	if (fd < 0)
		return NULL;
	while (n + 1 < sizeof(out) && (got = read(fd, out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(fd);
	return out;
}

/* The lines of an iterator narrowed to tid or pid: the comm of each, and
 * whether any is of another process. */
static void narrowed(struct diter_bpf *skel, const char *what, int tid, int pid, int pid_fd)
{
	union bpf_iter_link_info info;
	LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &info, .link_info_len = sizeof(info));
	struct bpf_link *link;
	char *out, *line, own[32];
	int others = 0;

	memset(&info, 0, sizeof(info));
	info.task.tid = (__u32)tid;
	info.task.pid = (__u32)pid;
	info.task.pid_fd = (__u32)pid_fd;
	link = bpf_program__attach_iter(skel->progs.list_tasks, &o);
	if (!link) {
		printf("%s: errno %d\n", what, errno);
		return;
	}
	out = read_iter(link);
	printf("%s:", what);
	snprintf(own, sizeof(own), "%d ", getpid());
	for (line = strtok(out ? out : "", "\n"); line; line = strtok(NULL, "\n")) {
		if (!strcmp(line, "end"))
			continue;
		if (strncmp(line, own, strlen(own)))
			others++;
		else
			printf(" %s", strrchr(line, ' ') + 1);
	}
	printf(" (others %d)\n", others);
	bpf_link__destroy(link);
}

int main(void)
{
	struct diter_bpf *skel;
	struct bpf_link *link;
	char *out, *line, want[64], wline[64], cline[64];
	int fd, own = 0, cpipe[2], rpipe[2], wseen = 0, cseen = 0;
	char c;
	pthread_t t;
	pid_t child;

	libbpf_set_print(NULL); /* the refusal below is expected */
	skel = diter_bpf__open_and_load();
	if (!skel)
		return 1;
	if (pipe(wpipe) || pthread_create(&t, NULL, waiter, NULL))
		return 4;
	while (!__atomic_load_n(&wtid, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (pipe(cpipe) || pipe(rpipe))
		return 5;
	child = fork();
	if (child == 0) { /* a member of its own in a domain; waits for its end */
		char c;

		close(cpipe[1]);
		if (write(rpipe[1], "r", 1) != 1 || read(cpipe[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (child < 0 || read(rpipe[0], &c, 1) != 1) /* forked and listed */
		return 6;
	close(cpipe[0]);
	link = bpf_program__attach_iter(skel->progs.list_tasks, NULL);
	if (!link)
		return 2;
	out = read_iter(link);
	if (!out)
		return 3;
	snprintf(want, sizeof(want), "%d %d ", getpid(), getpid());
	snprintf(wline, sizeof(wline), "%d %d diter-w", getpid(), wtid);
	snprintf(cline, sizeof(cline), "%d %d diter", child, child);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, want, strlen(want))) {
			printf("own task: %s\n", line + strlen(want));
			own++;
		}
		wseen += !strcmp(line, wline);
		cseen += !strcmp(line, cline);
		if (!strcmp(line, "end"))
			printf("end last: %s\n", strtok(NULL, "\n") ? "no" : "yes");
	}
	printf("own lines: %d\nthread listed: %d\nchild listed: %d\n", own, wseen, cseen);
	narrowed(skel, "pid filter", 0, getpid(), 0);
	fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	narrowed(skel, "pidfd filter", 0, 0, fd);
	close(fd);
	narrowed(skel, "tid filter", wtid, 0, 0);
	narrowed(skel, "both", wtid, getpid(), 0);
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
	if (write(cpipe[1], "x", 1) != 1 || write(wpipe[1], "x", 1) != 1)
		return 7;
	waitpid(child, NULL, 0);
	pthread_join(t, NULL);
	return 0;
}
