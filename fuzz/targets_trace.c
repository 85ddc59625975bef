/* SPDX-License-Identifier: MIT */
/*
 * targets_trace.c - the fuzz target of "userbpf trace"'s reader of the
 * agent protocol (trace_proto.h): the messages come over a pipe from the
 * traced command, which can write anything to it, so the CLI's reader
 * (tools/cmd_trace.c: consume, handle_msg, the map snapshots and their
 * printing) parses untrusted bytes.  The reader is static in the CLI:
 * this file includes it, with stand-ins for the few CLI helpers it
 * needs, and replays one input as the whole stream of one trace.
 */
#include <sys/mman.h>

#include "../tools/cmd_trace.c"
#include "targets.h"

const char *cli_prog_name = "userbpf";

void cli_die(int status, const char *fmt, ...)
{
	(void)status;
	(void)fmt;
	abort(); /* only out of memory reaches it from the reader */
}

void cli_sibling_path(char *out, size_t sz, const char *env, const char *name)
{
	(void)env;
	snprintf(out, sz, "/nonexistent/%s", name);
}

int cli_cmd_trace_iface(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}

int64_t cli_btf_extra_size(uint32_t kind, uint32_t vlen)
{
	(void)kind;
	(void)vlen;
	return -1;
}

int cli_btf_section(const uint8_t *elf, size_t len, const uint8_t **sec, size_t *sec_len)
{
	(void)elf;
	(void)len;
	(void)sec;
	(void)sec_len;
	return -1;
}

int fuzz_trace_replay(const uint8_t *stream, size_t len, bool as_json, FILE *out)
{
	FILE *saved_out = stdout, *saved_err = stderr;
	int fd = memfd_create("fuzz-trace", MFD_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	if (write(fd, stream, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	json = as_json;
	/* the streams, not descriptors 1 and 2, so sanitizer reports show */
	stdout = out;
	stderr = out;
	ret = consume(fd);
	fflush(out);
	stdout = saved_out;
	stderr = saved_err;
	close(fd);
	/* consume() ends the CLI's only trace: its tables are freed but not
	 * emptied; the next replay starts a new trace */
	snaps = NULL;
	snap_cnt = snap_cap = 0;
	curs = NULL;
	cur_cnt = cur_cap = 0;
	syms = NULL;
	sym_cnt = sym_cap = 0;
	json = false;
	return ret;
}

int fuzz_trace_one(const uint8_t *data, size_t size)
{
	static FILE *null_file;

	if (!size)
		return 0;
	/* what the reader prints (the CLI's output) goes nowhere */
	if (!null_file && !(null_file = fopen("/dev/null", "we")))
		return 0;
	fuzz_trace_replay(data + 1, size - 1, data[0] & 1, null_file);
	return 0;
}
