/* SPDX-License-Identifier: MIT */
/*
 * minimal_embed.c - the minimal example without libbpf: the same
 * minimal.bpf.o wrapped by "userbpf gen skeleton" (minimal.userbpf.skel.h)
 * and run by libuserbpf inside this process.  The skeleton attaches the
 * write tracepoint to this process's own syscalls; bpf_printk lines come
 * to a callback instead of trace_pipe.  The pid filter is set through
 * skel->bss after load, as minimal.c does, and the output is the same:
 *
 *   minimal: pid PID wrote 1 bytes (write 1)
 *   ...
 *   writes seen: N
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minimal.userbpf.skel.h"

static char lines[64][128];
static int nlines;

/* bpf_printk output of the attached programs. */
static void on_trace(void *cookie, const char *line, size_t len)
{
	(void)cookie;
	while (len && line[len - 1] == '\n')
		len--;
	if (nlines < 64)
		snprintf(lines[nlines++], sizeof(lines[0]), "%.*s", (int)len, line);
}

static int print_fn(enum userbpf_print_level level, const char *fmt, va_list args)
{
	if (level == USERBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct minimal_bpf *skel;
	char data[64] = { 0 }, err_buf[256] = "";
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int err = 1, fd, i, got;

	if (n < 1 || n > 64) {
		fprintf(stderr, "usage: minimal_embed [N (1..64)]\n");
		return 2;
	}
	userbpf_set_print(print_fn);
	skel = minimal_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "failed to open and load the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	{
		USERBPF_OPTS(userbpf_attach_opts, opts, .trace_fn = on_trace, .err_buf = err_buf,
			     .err_buf_sz = sizeof(err_buf));

		if (minimal_bpf__attach_opts(skel, &opts)) {
			fprintf(stderr, "failed to attach: %s\n",
				err_buf[0] ? err_buf : strerror(errno));
			goto out;
		}
	}
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	skel->bss->my_pid = getpid();
	for (i = 1; i <= n; i++)
		if (write(fd, data, (size_t)i) != i)
			goto out;
	skel->bss->my_pid = 0;
	close(fd);
	got = nlines;
	for (i = 0; i < got; i++)
		printf("%s\n", lines[i]);
	printf("writes seen: %ld\n", skel->bss->writes);
	err = got == n ? 0 : 1;
out:
	minimal_bpf__destroy(skel);
	return err;
}
