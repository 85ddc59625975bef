/* SPDX-License-Identifier: MIT */
/*
 * uprobe_embed.c - the uprobe example without libbpf: the same
 * uprobe.bpf.o, wrapped by "userbpf gen skeleton" (uprobe.userbpf.skel.h)
 * and run by libuserbpf inside this process, with no interposition and
 * no kernel BPF.  The program shape is the libbpf one: open_and_load,
 * the bare uprobe/uretprobe attached by function name, the sub pair
 * attached by the skeleton from its section, results read via skel->bss.
 * Output is exactly that of uprobe.c.
 *
 *   cc uprobe_embed.c $(pkg-config --cflags --libs userbpf)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uprobe_calls.h"
#include "uprobe.userbpf.skel.h"

static int print_fn(enum userbpf_print_level level, const char *fmt, va_list args)
{
	if (level == USERBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct uprobe_bpf *skel;
	char err_buf[256] = "";
	int n = argc > 1 ? atoi(argv[1]) : 2;
	int err = 1;

	if (n < 1 || 4 * n > MAX_CALLS) {
		fprintf(stderr, "usage: uprobe_embed [N (1..%d)]\n", MAX_CALLS / 4);
		return 2;
	}
	userbpf_set_print(print_fn);
	skel = uprobe_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "failed to open and load the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	{
		/* bare sections: the target is given at attach, as with
		 * bpf_uprobe_opts.func_name (this executable first) */
		USERBPF_OPTS(userbpf_attach_opts, opts, .target = "uprobed_add", .err_buf = err_buf,
			     .err_buf_sz = sizeof(err_buf));

		skel->links.uprobe_add =
			userbpf_program__attach_opts(skel->progs.uprobe_add, &opts);
		if (skel->links.uprobe_add)
			skel->links.uretprobe_add =
				userbpf_program__attach_opts(skel->progs.uretprobe_add, &opts);
		if (!skel->links.uprobe_add || !skel->links.uretprobe_add) {
			fprintf(stderr, "failed to attach to uprobed_add: %s\n",
				err_buf[0] ? err_buf : strerror(errno));
			goto out;
		}
	}
	err = uprobe_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "failed to auto-attach: %s\n", strerror(-err));
		err = 1;
		goto out;
	}
	run_calls(n);
	print_calls(skel->bss->calls, skel->bss->ncalls);
	err = skel->bss->ncalls == 4 * n ? 0 : 1;
out:
	uprobe_bpf__destroy(skel);
	return err;
}
