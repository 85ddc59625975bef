/* SPDX-License-Identifier: MIT */
/*
 * cmd_verify.c - "userbpf verify FILE [--prog NAME] [--type TYPE]
 * [--log-level N] [--stats]": run the verifier on the programs of a .bpf.o
 * (or on raw/hex bytecode, with --type naming the program type).  Exit 0
 * when every selected program is accepted, 1 when one is rejected (its
 * log on stderr), 2 on bad input.  Built only on the public API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "userbpf/object.h"
#include "userbpf/progs.h"
#include "userbpf/verifier.h"

static const char usage_text[] =
	"usage: userbpf verify FILE [--prog NAME] [--type TYPE] [--log-level N] [--stats]\n"
	"Verify the programs of a BPF object (or raw/hex bytecode: --type names its\n"
	"program type, default socket_filter).  Exit 0: accepted, 1: rejected (log\n"
	"on stderr), 2: bad input.\n";

static int parse_type(const char *s)
{
	uint32_t t;
	char *end;

	for (t = 0; t < 64; t++) {
		const char *n = userbpf_prog_type_name(t);

		if (n && !strcmp(n, s))
			return (int)t;
	}
	t = (uint32_t)strtoul(s, &end, 0);
	if (*s && !*end && t < 64)
		return (int)t;
	return -1;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int report(const char *name, int err, const char *log, uint32_t level,
		  const struct userbpf_verifier_stats *st, double us, bool stats)
{
	if (err) {
		fprintf(stderr, "%s: rejected (%s)\n%s", name, userbpf_strerror(err), log);
		return 1;
	}
	if (level)
		fputs(log, stderr);
	printf("%s: accepted", name);
	if (stats)
		printf(" (%u insns processed, %u states, %.0f us)", st->insn_processed,
		       st->total_states, us);
	printf("\n");
	return 0;
}

int cli_cmd_verify(int argc, char **argv)
{
	const char *path = NULL, *prog_name = NULL;
	int type = -1, i, rc = 0, found = 0;
	uint32_t level = 0;
	bool stats = false;
	size_t log_sz = 1 << 20;
	char *log;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			prog_name = argv[++i];
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			type = parse_type(argv[++i]);
			if (type < 0)
				cli_die(2, "verify: unknown program type '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
			char *end;

			level = (uint32_t)strtoul(argv[++i], &end, 0);
			if (*end || level > 2)
				cli_die(2, "verify: --log-level takes 0, 1 or 2");
		} else if (!strcmp(argv[i], "--stats")) {
			stats = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_die(2, "verify: unknown option '%s' (see --help)", argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			cli_die(2, "verify: too many arguments");
		}
	}
	if (!path)
		cli_die(2, "verify: no file given (see --help)");
	log = malloc(log_sz);
	if (!log)
		cli_die(1, "out of memory");
	if (cli_is_object(path)) {
		char err[512] = "";
		USERBPF_OPTS(userbpf_object_open_opts, oo, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		struct userbpf_object *obj = userbpf_object__open_file(path, &oo);
		struct userbpf_program *p = NULL;
		int e;

		if (!obj)
			cli_die(2, "%s", err[0] ? err : strerror(errno));
		e = userbpf_object__prepare(obj);
		if (e)
			cli_die(2, "%s: %s", path, userbpf_object__errmsg(obj));
		while ((p = userbpf_object__next_program(obj, p))) {
			struct userbpf_verifier_stats st;
			double t0;

			if (prog_name && strcmp(prog_name, userbpf_program__name(p)))
				continue;
			found++;
			if (type >= 0)
				userbpf_program__set_type(p, (uint32_t)type);
			memset(&st, 0, sizeof(st));
			{
				USERBPF_OPTS(userbpf_verifier_opts, vo, .log_level = level,
					     .log_buf = log, .log_size = log_sz, .stats = &st);

				t0 = now_us();
				e = userbpf_program__verify(obj, p, &vo);
			}
			rc |= report(userbpf_program__name(p), e, log, level, &st, now_us() - t0,
				     stats);
		}
		userbpf_object__close(obj);
		if (prog_name && !found)
			cli_die(2, "verify: no program '%s' in %s", prog_name, path);
	} else {
		uint8_t *data = NULL, *bytes = NULL;
		size_t len = 0, n = 0, bad = 0;
		struct userbpf_verifier_stats st;
		double t0;
		int e;

		if (cli_read_file(path, &data, &len))
			cli_die(2, "verify: cannot read %s", path);
		if (cli_looks_hex(data, len)) {
			if (cli_parse_hex((const char *)data, len, &bytes, &n, &bad))
				cli_die(2, "verify: %s: bad hex at byte %zu", path, bad);
			free(data);
		} else {
			bytes = data;
			n = len;
		}
		if (!n || n % 8)
			cli_die(2, "verify: %s: %zu bytes is not a whole number of instructions",
				path, n);
		memset(&st, 0, sizeof(st));
		{
			USERBPF_OPTS(userbpf_verifier_opts, vo,
				     .prog_type = type >= 0 ? (uint32_t)type : 1, .gpl = 1,
				     .log_level = level, .log_buf = log, .log_size = log_sz,
				     .stats = &st);

			t0 = now_us();
			e = userbpf_verify((const struct userbpf_insn *)bytes, n / 8, &vo);
		}
		rc = report(path, e, log, level, &st, now_us() - t0, stats);
		free(bytes);
	}
	free(log);
	return rc ? 1 : 0;
}
