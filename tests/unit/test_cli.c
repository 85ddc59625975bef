/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c - the command-line tool from the outside: --help on every
 * command, exit status 2 with a one-line message for bad arguments and
 * malformed input, the bpf_conformance plugin protocol, asm/disasm
 * round trips.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/*
 * Run "BUILD/userbpf ARGS" (a shell fragment) with stdin_text on stdin;
 * capture stdout into out and return the exit status (or -1).
 */
static int cli(const char *args, const char *stdin_text, char *out, size_t out_sz)
{
	char in_path[] = "/tmp/userbpf-cli-in-XXXXXX";
	char cmd[2048];
	FILE *p;
	size_t n;
	int fd, st;

	fd = mkstemp(in_path);
	if (fd < 0)
		return -1;
	if (stdin_text && write(fd, stdin_text, strlen(stdin_text)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s/userbpf %s < %s 2>/dev/null", test_build_dir(), args,
		 in_path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, out_sz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	unlink(in_path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Exit status and first stderr line of a command. */
static int cli_err(const char *args, const char *stdin_text, char *err, size_t err_sz)
{
	char cmd[2048];
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | %s/userbpf %s 2>&1 >/dev/null",
		 stdin_text ? stdin_text : "", test_build_dir(), args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(err, (int)err_sz, p))
		err[0] = '\0';
	while (fgetc(p) != EOF) /* must be a single line */
		err[0] = '!';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(cli_help_everywhere)
{
	static const char *const cmds[] = { "--help", "asm --help", "disasm --help",
					    "exec --help" };
	char out[4096];
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ASSERT_EQ(cli(cmds[i], "", out, sizeof(out)), 0);
		ASSERT_CONTAINS(out, "usage: userbpf");
	}
}

TEST(cli_bad_arguments)
{
	static const char *const bad[] = { "",
					   "frobnicate",
					   "asm --nope",
					   "disasm --nope",
					   "exec --nope",
					   "exec --budget x",
					   "exec 'zz'",
					   "asm a b",
					   "asm /nonexistent/file" };
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = cli_err(bad[i], "", err, sizeof(err));

		if (rc != 2 || err[0] == '!' || !err[0]) {
			test_fail(__FILE__, __LINE__,
				  "'userbpf %s': status %d, stderr '%s' (want 2 "
				  "and one line)",
				  bad[i], rc, err);
			return;
		}
	}
}

TEST(cli_malformed_input)
{
	char err[512];

	/* not hex, odd length, not a multiple of 8 bytes, bad assembly */
	ASSERT_EQ(cli_err("exec", "b7 0", err, sizeof(err)), 2);
	ASSERT_EQ(cli_err("exec", "b7 00 00", err, sizeof(err)), 2);
	ASSERT_CONTAINS(err, "not a whole");
	ASSERT_EQ(cli_err("exec", "", err, sizeof(err)), 2);
	ASSERT_EQ(cli_err("asm", "r0 = = 1", err, sizeof(err)), 2);
	ASSERT_CONTAINS(err, "line 1");
	ASSERT_EQ(cli_err("disasm", "00 11 22", err, sizeof(err)), 2);
}

TEST(cli_exec_plugin_protocol)
{
	char out[256];
	char cmd[512];
	FILE *p;

	/* program as spaced hex pairs and as plain hex */
	ASSERT_EQ(cli("exec", "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00\n", out,
		      sizeof(out)),
		  0);
	ASSERT_STREQ(out, "0x2a\n");
	ASSERT_EQ(cli("exec", "b70000002a0000009500000000000000", out, sizeof(out)), 0);
	ASSERT_STREQ(out, "0x2a\n");
	/* r1 = memory, r2 = length: r0 = *(u32 *)(r1 + 0) + r2 */
	ASSERT_EQ(cli("exec '01 02 00 00 ff'",
		      "61 10 00 00 00 00 00 00 0f 20 00 00 00 00 00 00 "
		      "95 00 00 00 00 00 00 00",
		      out, sizeof(out)),
		  0);
	ASSERT_STREQ(out, "0x206\n");
	/* as the runner calls it: userbpf-plugin "<memory>" "<options>" */
	snprintf(cmd, sizeof(cmd),
		 "echo 'b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00' | "
		 "%s/userbpf-plugin '' ''",
		 test_build_dir());
	p = popen(cmd, "r");
	ASSERT_TRUE(p);
	ASSERT_TRUE(fgets(out, sizeof(out), p));
	ASSERT_EQ(pclose(p), 0);
	ASSERT_STREQ(out, "0x7\n");
	/* failures: non-zero status, message on stdout */
	ASSERT_EQ(cli("exec '00'", "79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00", out,
		      sizeof(out)),
		  1);
	ASSERT_STREQ(out, "out-of-bounds read of 8 bytes at insn 0\n");
	ASSERT_EQ(cli("exec", "8f 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00", out, sizeof(out)),
		  1);
	ASSERT_CONTAINS(out, "at insn 0: unknown opcode");
}

TEST(cli_asm_disasm_roundtrip)
{
	char hex[1024], listing[2048];

	ASSERT_EQ(cli("asm",
		      "r0 = 1\nloop: r0 += r1\nif r0 s< 100 goto loop\n"
		      "lock *(u64 *)(r10 - 8) += r0\nexit\n",
		      hex, sizeof(hex)),
		  0);
	ASSERT_STREQ(hex, "b7 00 00 00 01 00 00 00\n"
			  "0f 10 00 00 00 00 00 00\n"
			  "c5 00 fe ff 64 00 00 00\n"
			  "db 0a f8 ff 00 00 00 00\n"
			  "95 00 00 00 00 00 00 00\n");
	ASSERT_EQ(cli("disasm --no-bytes", hex, listing, sizeof(listing)), 0);
	ASSERT_CONTAINS(listing, "     2:  if r0 s< 100 goto -2\n");
	ASSERT_CONTAINS(listing, "lock *(u64 *)(r10 - 8) += r0");
}

/* ==== Commands on BPF objects ==== */

static const char udp53[] =
	"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
	"\x45\x00\x00\x20\x12\x34\x00\x00\x40\x11\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02"
	"\x30\x39\x00\x35\x00\x0c\x00\x00ping";

TEST(cli_object_commands)
{
	char cmd[512], out[8192], err[512];
	char pkt[] = "/tmp/userbpf-cli-pkt-XXXXXX";
	int fd = mkstemp(pkt);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, udp53, sizeof(udp53) - 1), sizeof(udp53) - 1);
	close(fd);

	snprintf(cmd, sizeof(cmd), "prog list %s/examples/tail_calls.bpf.o", test_build_dir());
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "dispatch                 tc                           sched_cls");
	ASSERT_CONTAINS(out, "handle_icmp");

	snprintf(cmd, sizeof(cmd), "disasm %s/examples/call_chain.bpf.o --prog checksum --no-bytes",
		 test_build_dir());
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "checksum (section socket");
	ASSERT_CONTAINS(out, "; \treturn ip_checksum(skb);");
	ASSERT_CONTAINS(out, "call 26"); /* bpf_skb_load_bytes in a subprogram */

	/* UDP to port 53 is dropped (TC_ACT_SHOT = 2) by the .rodata config */
	snprintf(cmd, sizeof(cmd),
		 "run %s/examples/rodata_config.bpf.o --prog filter --data %s --json",
		 test_build_dir(), pkt);
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "{\"retval\":2,\"duration_ns\":");
	/* --allow-host-read widens what probe_read/%s may read (the library's
	 * USERBPF_RUN_HOST_READ; tests/sandbox checks its effect) */
	snprintf(cmd, sizeof(cmd),
		 "run %s/examples/rodata_config.bpf.o --prog filter --data %s "
		 "--allow-host-read --json",
		 test_build_dir(), pkt);
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "{\"retval\":2,\"duration_ns\":");
	snprintf(cmd, sizeof(cmd),
		 "map dump %s/examples/pkt_counter.bpf.o --run count_packets "
		 "--data %s --map by_source --allow-host-read --json",
		 test_build_dir(), pkt);
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	snprintf(cmd, sizeof(cmd), "run %s/examples/ringbuf_events.bpf.o --prog produce --data %s",
		 test_build_dir(), pkt);
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "retval: 2\n");
	ASSERT_CONTAINS(out, "events: 2e 00 00 00 11 00 00 00 0a 00 00 01 0a 00 00 02\n");
	snprintf(cmd, sizeof(cmd),
		 "map dump %s/examples/pkt_counter.bpf.o --run count_packets "
		 "--data %s --map by_source --json",
		 test_build_dir(), pkt);
	ASSERT_EQ(cli(cmd, "", out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "\"maps\":[{\"name\":\"by_source\",\"type\":\"hash\",\"entries\":"
			     "[{\"key\":\"0a000001\",\"value\":\"0100000000000000\"}]}]");

	/* errors name the file and the program; usage errors exit 2 */
	snprintf(cmd, sizeof(cmd), "run %s/examples/tail_calls.bpf.o --prog nope --data %s",
		 test_build_dir(), pkt);
	ASSERT_EQ(cli_err(cmd, "", err, sizeof(err)), 2); /* an unknown name: usage */
	ASSERT_CONTAINS(err, "tail_calls.bpf.o: no program named 'nope'");
	snprintf(cmd, sizeof(cmd), "run %s/examples/tail_calls.bpf.o", test_build_dir());
	ASSERT_EQ(cli_err(cmd, "", err, sizeof(err)), 2);
	ASSERT_EQ(cli_err("run /nonexistent.bpf.o --prog x", "", err, sizeof(err)), 1);
	ASSERT_CONTAINS(err, "/nonexistent.bpf.o");
	ASSERT_EQ(cli_err("prog list /etc/hostname", "", err, sizeof(err)),
		  2); /* malformed object */
	ASSERT_EQ(cli_err("prog --help", "", err, sizeof(err)), 0);
	ASSERT_EQ(cli_err("map --help", "", err, sizeof(err)), 0);
	ASSERT_EQ(cli_err("run --help", "", err, sizeof(err)), 0);
	unlink(pkt);
}
