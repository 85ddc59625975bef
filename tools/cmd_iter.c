// SPDX-License-Identifier: MIT
/*
 * cmd_iter.c - `userbpf iter`: what `bpftool iter pin OBJ PATH [map MAP]`
 * followed by `cat PATH` does for a bpftool user, in one step.  The
 * object is loaded, its iterator program (SEC("iter/...")) runs as
 * reading the iterator runs it (once per object of its target, then once
 * with none), and its bpf_seq_printf/bpf_seq_write text goes to stdout
 * unchanged.  The run itself is `userbpf run`'s (cmd_object.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "userbpf/object.h"

#define ATTACH_TRACE_ITER 28

static const char iter_usage[] =
	"usage: userbpf iter OBJ [PROG | --prog PROG] [map MAP | --map MAP]\n"
	"                    [run options: --engine E, --btf FILE, --set NAME=VALUE...]\n"
	"Load a BPF object and run its iterator program PROG (SEC(\"iter/...\"))\n"
	"as reading the kernel's iterator would (bpftool iter pin + cat), and\n"
	"print the text it writes with bpf_seq_printf/bpf_seq_write.  Without\n"
	"PROG the object must have exactly one iterator program.  Targets:\n"
	"  task          the calling thread (the task userbpf builds)\n"
	"  bpf_map_elem  every element of MAP (required), value writable\n"
	"  others        (tcp, udp, bpf_map, task_file...) no objects here: only\n"
	"                the final call with a NULL object\n";

/* The one iterator program of path, or NULL (none or several: say so). */
static const char *only_iter_prog(const char *path)
{
	struct userbpf_object *obj = userbpf_object__open_file(path, NULL);
	struct userbpf_program *p = NULL;
	const char *name = NULL;
	unsigned n = 0;

	if (!obj)
		cli_die(1, "%s: cannot open: %s", path, userbpf_strerror(-errno));
	while ((p = userbpf_object__next_program(obj, p))) {
		if (userbpf_program__expected_attach_type(p) != ATTACH_TRACE_ITER)
			continue;
		if (!n++)
			name = strdup(userbpf_program__name(p));
		else
			fprintf(stderr, "iter: %s has several iterator programs; name one\n", path);
	}
	userbpf_object__close(obj);
	if (!n)
		cli_die(1, "iter: %s has no iterator program (SEC(\"iter/...\"))", path);
	if (n > 1)
		exit(2);
	return name;
}

int cli_cmd_iter(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 3, sizeof(*args));
	const char *path = NULL, *prog = NULL;
	int i, n = 0;

	if (!args)
		cli_die(1, "out of memory");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(iter_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "map") && i + 1 < argc) {
			args[n++] = (char *)"--map";
			args[n++] = argv[++i];
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			prog = argv[++i];
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else if (argv[i][0] != '-' && !prog) {
			prog = argv[i];
		} else {
			/* a run option, with its value when it takes one */
			args[n++] = argv[i];
			if (i + 1 < argc && argv[i + 1][0] != '-' && strcmp(argv[i], "--maps") &&
			    strcmp(argv[i], "--json") && strcmp(argv[i], "--unchecked") &&
			    strcmp(argv[i], "--checked") && strcmp(argv[i], "--jit-harden") &&
			    strcmp(argv[i], "--allow-host-read"))
				args[n++] = argv[++i];
		}
	}
	if (!path)
		cli_die(2, "iter: no object file given (see --help)");
	if (!prog)
		prog = only_iter_prog(path);
	args[n++] = (char *)path;
	args[n++] = (char *)"--prog";
	args[n++] = (char *)prog;
	return cli_run_iter(n, args);
}
