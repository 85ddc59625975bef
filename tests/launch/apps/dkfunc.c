/* SPDX-License-Identifier: MIT */
/*
 * dkfunc.c - a libbpf application in the shape of libbpf-bootstrap's
 * kprobe and fentry examples (skeleton open_and_load, attach), whose
 * programs (dkfunc.bpf.c) watch do_unlinkat: it unlinks a file of its
 * own (ARGV[1]) twice, the second time failing with ENOENT, then prints
 * the ring buffer's events, one line each:
 *   kind=K dfd=D ret=R name=PATH
 * Exit 0 when the four programs sent their eight events.
 * "dkfunc PATH wait": attach, print "attached", then wait to be killed.
 */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dkfunc.h"
#include "dkfunc.skel.h"

static int got;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct dkfunc_event *e = data;

	(void)ctx;
	if (size < sizeof(*e))
		return -1;
	printf("kind=%d dfd=%d ret=%lld name=%s\n", e->kind, e->dfd, e->ret, e->name);
	got++;
	return 0;
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb;
	struct dkfunc_bpf *skel;
	int i;

	if (argc != 2 && (argc != 3 || strcmp(argv[2], "wait")))
		return 9;
	libbpf_set_print(print_fn);
	skel = dkfunc_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "Failed to open BPF skeleton\n");
		return 1;
	}
	skel->bss->my_pid = getpid();
	if (dkfunc_bpf__attach(skel)) {
		fprintf(stderr, "Failed to attach BPF skeleton\n");
		return 2;
	}
	if (argc == 3) {
		printf("attached\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb)
		return 3;
	close(open(argv[1], O_CREAT | O_WRONLY, 0600));
	unlink(argv[1]);
	unlink(argv[1]);
	for (i = 0; i < 50 && got < 8; i++)
		ring_buffer__poll(rb, 20);
	ring_buffer__free(rb);
	dkfunc_bpf__destroy(skel);
	return got == 8 ? 0 : 4;
}
