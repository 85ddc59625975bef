/* SPDX-License-Identifier: MIT */
/*
 * uprobe.c - libbpf-bootstrap's "uprobe" workflow: a uprobe and a
 * uretprobe attached by function name to uprobed_add() of this very
 * executable (bpf_program__attach_uprobe_opts, pid 0 = this process),
 * and the uprobe/uretprobe pair on uprobed_sub() that the skeleton
 * attaches from its section name.  It calls both N times (default 2)
 * and prints what the probes recorded in .bss:
 *
 *   add(0, 1)
 *   add -> 1
 *   sub(0, 3)
 *   sub -> -3
 *   ...
 *   records: 4N
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "uprobe_calls.h"
#include "uprobe.skel.h"

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uprobe_opts);
	struct uprobe_bpf *skel;
	int n = argc > 1 ? atoi(argv[1]) : 2;
	int err = 1;

	if (n < 1 || 4 * n > MAX_CALLS) {
		fprintf(stderr, "usage: uprobe [N (1..%d)]\n", MAX_CALLS / 4);
		return 2;
	}
	libbpf_set_print(print_fn);
	skel = uprobe_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "failed to open and load the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	uprobe_opts.func_name = "uprobed_add";
	uprobe_opts.retprobe = false;
	skel->links.uprobe_add = bpf_program__attach_uprobe_opts(skel->progs.uprobe_add, 0,
								 "/proc/self/exe", 0, &uprobe_opts);
	if (!skel->links.uprobe_add) {
		fprintf(stderr, "failed to attach the uprobe: %s\n", strerror(errno));
		goto out;
	}
	uprobe_opts.func_name = "uprobed_add";
	uprobe_opts.retprobe = true;
	skel->links.uretprobe_add = bpf_program__attach_uprobe_opts(
		skel->progs.uretprobe_add, 0, "/proc/self/exe", 0, &uprobe_opts);
	if (!skel->links.uretprobe_add) {
		fprintf(stderr, "failed to attach the uretprobe: %s\n", strerror(errno));
		goto out;
	}
	/* uprobe_sub and uretprobe_sub name their target: auto-attach. */
	if (uprobe_bpf__attach(skel)) {
		fprintf(stderr, "failed to auto-attach: %s\n", strerror(errno));
		goto out;
	}
	run_calls(n);
	print_calls(skel->bss->calls, skel->bss->ncalls);
	err = skel->bss->ncalls == 4 * n ? 0 : 1;
out:
	uprobe_bpf__destroy(skel);
	return err;
}
