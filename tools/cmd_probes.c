/* SPDX-License-Identifier: MIT */
/*
 * cmd_probes.c - "userbpf probes PATTERN [--pid N] [BINARY...]": list the
 * attach points matching a glob, as "bpftrace -l" does:
 *
 *   tracepoint:syscalls:sys_enter_NAME / sys_exit_NAME   (traceable ones)
 *   tracepoint:sched:sched_process_exec|exit|fork         (process events)
 *   software:cpu-clock                                    (perf_event programs)
 *   uprobe:PATH:FUNC                                      (function symbols)
 *   usdt:PATH:PROVIDER:NAME                               (.note.stapsdt)
 *
 * of the given binaries, or with --pid N of every executable file mapped
 * by process N.  The pattern matches the whole probe name
 * ("uprobe:*libc*:mall*", "*sys_enter_open*") or, without a ':', the
 * last component ("mall*").
 *
 * Exit status: 0 when something matched, 1 when nothing did, 2 usage.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct list {
	const char *pattern;
	const char *path;
	int cnt;
};

static bool matches(const char *pattern, const char *full, const char *last)
{
	return !fnmatch(pattern, strchr(pattern, ':') ? full : last, 0);
}

static void on_func(void *ctx, const char *name, uint64_t vaddr, uint64_t size)
{
	struct list *l = ctx;
	char full[1024];

	(void)vaddr, (void)size;
	snprintf(full, sizeof(full), "uprobe:%s:%s", l->path, name);
	if (matches(l->pattern, full, name)) {
		puts(full);
		l->cnt++;
	}
}

static void on_usdt(void *ctx, const char *provider, const char *name, const char *args)
{
	struct list *l = ctx;
	char full[1024], last[160];

	(void)args;
	snprintf(full, sizeof(full), "usdt:%s:%s:%s", l->path, provider, name);
	snprintf(last, sizeof(last), "%s:%s", provider, name);
	/* "PROVIDER:NAME" patterns match that part too */
	if (matches(l->pattern, full, name) || !fnmatch(l->pattern, last, 0)) {
		puts(full);
		l->cnt++;
	}
}

static void list_binary(struct list *l, const char *path)
{
	int n;

	l->path = path;
	n = userbpf_probe__list_functions(path, NULL, on_func, l);
	if (n < 0)
		fprintf(stderr, "%s: probes: %s: %s\n", cli_prog_name, path, strerror(-n));
	else
		userbpf_probe__list_usdt(path, NULL, on_usdt, l);
}

static void list_fixed(struct list *l)
{
	static const char *const fixed[][2] = {
		{ "tracepoint:sched:sched_process_exec", "sched_process_exec" },
		{ "tracepoint:sched:sched_process_exit", "sched_process_exit" },
		{ "tracepoint:sched:sched_process_fork", "sched_process_fork" },
		{ "software:cpu-clock", "cpu-clock" },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (matches(l->pattern, fixed[i][0], fixed[i][1])) {
			puts(fixed[i][0]);
			l->cnt++;
		}
}

int cli_cmd_probes(int argc, char **argv)
{
	struct list l = { NULL, NULL, 0 };
	const char *pid = NULL;
	bool traceable;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			pid = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			break;
		else if (!l.pattern)
			l.pattern = argv[i];
		else
			break;
	}
	if (!l.pattern || (i < argc && argv[i][0] == '-')) {
		fprintf(stderr, "usage: %s probes PATTERN [--pid N] [BINARY...]\n", cli_prog_name);
		return 2;
	}
	for (i = 0; userbpf_probe__syscall_name(i, &traceable); i++) {
		const char *name = userbpf_probe__syscall_name(i, NULL);
		char full[128], last[96];
		int side;

		/* execve(at): not trapped, but fired by the exec hooks */
		if (!traceable && strcmp(name, "execve") && strcmp(name, "execveat"))
			continue;
		for (side = 0; side < 2; side++) {
			snprintf(last, sizeof(last), "sys_%s_%s", side ? "exit" : "enter", name);
			snprintf(full, sizeof(full), "tracepoint:syscalls:%s", last);
			if (matches(l.pattern, full, last)) {
				puts(full);
				l.cnt++;
			}
		}
	}
	list_fixed(&l);
	if (pid) {
		char maps[64], line[1024], seen[64][512];
		int nseen = 0, k;
		FILE *f;

		snprintf(maps, sizeof(maps), "/proc/%s/maps", pid);
		f = fopen(maps, "re");
		if (!f)
			cli_die(1, "probes: %s: %s", maps, strerror(errno));
		while (fgets(line, sizeof(line), f)) {
			char perms[8], *path = strchr(line, '/');

			if (sscanf(line, "%*s %7s", perms) != 1 || perms[2] != 'x' || !path)
				continue;
			path[strcspn(path, "\n")] = '\0';
			for (k = 0; k < nseen && strcmp(seen[k], path); k++)
				;
			if (k < nseen || nseen == 64)
				continue;
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", path);
			list_binary(&l, path);
		}
		fclose(f);
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid")) {
			i++;
			continue;
		}
		if (argv[i] == l.pattern)
			continue;
		list_binary(&l, argv[i]);
	}
	return l.cnt ? 0 : 1;
}
