/* SPDX-License-Identifier: MIT */
/*
 * bootstrap.c - libbpf-bootstrap's "bootstrap" workflow: set a .rodata
 * option before load (the parent to watch: this process), load, attach
 * the exec and exit tracepoints, start the given commands one after the
 * other as children (so they run where the probes are: under
 * "userbpf launch" inside the same domain), and print the ring buffer's
 * exec and exit records of those children.
 *
 *   bootstrap [CMD [ARGS...]] [-- CMD [ARGS...]] ...
 *   (default: "/bin/true" then "/bin/sh -c 'exit 3'")
 *
 * Output: "watching children of SELF", then per child
 *   started PID: CMD
 *   EXEC pid=PID ppid=SELF comm=COMM filename=FILE
 *   EXIT pid=PID ppid=SELF comm=COMM exit_code=N duration_ms=D
 * then "events: E".  Exit status 0 when every child gave both records.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bootstrap.h"
#include "bootstrap.skel.h"

static int events;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;

	(void)ctx;
	if (size < sizeof(*e))
		return 0;
	if (e->exit_event)
		printf("EXIT pid=%d ppid=%d comm=%s exit_code=%u duration_ms=%llu\n", e->pid,
		       e->ppid, e->comm, e->exit_code, e->duration_ns / 1000000);
	else
		printf("EXEC pid=%d ppid=%d comm=%s filename=%s\n", e->pid, e->ppid, e->comm,
		       e->filename);
	fflush(stdout);
	events++;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Start argv as a child, wait for it, then drain its two records. */
static int run_child(struct ring_buffer *rb, char **argv)
{
	int want = events + 2, status, i;
	long long deadline;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	printf("started %d:", pid);
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	deadline = now_ms() + 5000;
	while (events < want && now_ms() < deadline) {
		int err = ring_buffer__poll(rb, 100);

		if (err < 0 && err != -EINTR)
			return err;
	}
	return events < want ? -ETIMEDOUT : 0;
}

int main(int argc, char **argv)
{
	static char *def1[] = { "/bin/true", NULL };
	static char *def2[] = { "/bin/sh", "-c", "exit 3", NULL };
	struct ring_buffer *rb = NULL;
	struct bootstrap_bpf *skel;
	int err, i, start;

	libbpf_set_print(print_fn);
	skel = bootstrap_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_ppid = getpid();
	err = bootstrap_bpf__load(skel);
	if (err) {
		fprintf(stderr, "failed to load the BPF skeleton: %s\n", strerror(-err));
		goto out;
	}
	err = bootstrap_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "failed to attach: %s\n", strerror(-err));
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.rb), handle_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "failed to create the ring buffer: %s\n", strerror(errno));
		goto out;
	}
	printf("watching children of %d\n", getpid());
	if (argc < 2) {
		err = run_child(rb, def1);
		if (!err)
			err = run_child(rb, def2);
	}
	for (i = start = 1; i <= argc && !err; i++) {
		if (i < argc && strcmp(argv[i], "--"))
			continue;
		argv[i < argc ? i : argc] = NULL;
		if (i > start)
			err = run_child(rb, argv + start);
		start = i + 1;
	}
	printf("events: %d\n", events);
	if (err)
		fprintf(stderr, "bootstrap: %s\n", strerror(-err));
out:
	ring_buffer__free(rb);
	bootstrap_bpf__destroy(skel);
	return err ? 1 : 0;
}
