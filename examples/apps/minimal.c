/* SPDX-License-Identifier: MIT */
/*
 * minimal.c - libbpf-bootstrap's "minimal" workflow: open and load the
 * skeleton, attach the write tracepoint, set the pid filter through
 * skel->bss, write N times to /dev/null (1, 2, ..., N bytes), clear the
 * filter, then print the bpf_printk lines this process produced, read
 * from trace_pipe, and the count the program kept in .bss.
 *
 *   minimal [N]        (default 3)
 *
 * Output, exactly (PID this process):
 *   minimal: pid PID wrote 1 bytes (write 1)
 *   ...
 *   writes seen: N
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "minimal.skel.h"

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int open_trace_pipe(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/trace_pipe",
		"/sys/kernel/debug/tracing/trace_pipe",
	};
	size_t i;
	int fd = -1;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && fd < 0; i++)
		fd = open(paths[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Collect the lines "minimal: pid PID ..." (the text after
 * "bpf_trace_printk: " on the kernel) until want lines or 5 s passed.
 * Other processes' lines are ignored.
 */
static int read_lines(int fd, int pid, int want, char out[][128])
{
	char buf[8192], prefix[64], line[512];
	size_t line_len = 0;
	long long deadline = now_ms() + 5000;
	int got = 0;

	snprintf(prefix, sizeof(prefix), "minimal: pid %d ", pid);
	while (got < want && now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n, i;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			const char *p;

			if (buf[i] != '\n') {
				if (line_len < sizeof(line) - 1)
					line[line_len++] = buf[i];
				continue;
			}
			line[line_len] = '\0';
			line_len = 0;
			p = strstr(line, prefix);
			if (p && got < want)
				snprintf(out[got++], 128, "%s", p);
		}
	}
	return got;
}

int main(int argc, char **argv)
{
	struct minimal_bpf *skel;
	char lines[64][128];
	char data[64] = { 0 };
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int err = 1, fd, tp, got, i;

	if (n < 1 || n > 64) {
		fprintf(stderr, "usage: minimal [N (1..64)]\n");
		return 2;
	}
	libbpf_set_print(print_fn);
	skel = minimal_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "failed to open and load the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	if (minimal_bpf__attach(skel)) {
		fprintf(stderr, "failed to attach: %s\n", strerror(errno));
		goto out;
	}
	tp = open_trace_pipe();
	if (tp < 0) {
		fprintf(stderr, "cannot open trace_pipe: %s\n", strerror(errno));
		goto out;
	}
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;

	/* From here to the reset, the only writes are the N below. */
	skel->bss->my_pid = getpid();
	for (i = 1; i <= n; i++)
		if (write(fd, data, (size_t)i) != i)
			goto out;
	skel->bss->my_pid = 0;
	close(fd);

	got = read_lines(tp, getpid(), n, lines);
	for (i = 0; i < got; i++)
		printf("%s\n", lines[i]);
	printf("writes seen: %ld\n", skel->bss->writes);
	if (got != n)
		fprintf(stderr, "trace_pipe: %d of %d lines\n", got, n);
	else
		err = 0;
	close(tp);
out:
	minimal_bpf__destroy(skel);
	return err;
}
