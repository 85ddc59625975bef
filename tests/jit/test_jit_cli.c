/* SPDX-License-Identifier: MIT */
/*
 * test_jit_cli.c - the JIT in the command-line tool: "exec --engine
 * jit|interp|checked" (the bpf_conformance plugin protocol) gives one
 * answer on every engine, "run --engine" on an object, and "disasm
 * --jited" lists native code under each BPF instruction.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "../unit/test.h"

/* Run a shell command, stdout into out; exit status or -1. */
static int sh(const char *cmd, char *out, size_t out_sz)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	if (!p)
		return -1;
	n = fread(out, 1, out_sz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(jit_cli_exec_engines)
{
	static const char *const engines[] = { "jit", "interp", "checked" };
	/* r0 = bswap of the first 4 bytes of memory, plus a division by zero */
	static const char prog[] = "r0 = *(u32 *)(r1 + 0)\\nr0 = be32 r0\\nr3 = 0\\n"
				   "r4 = 9\\nr4 /= r3\\nr0 += r4\\nexit\\n";
	unsigned i;

	for (i = 0; i < 3; i++) {
		char cmd[512], out[256];

		snprintf(cmd, sizeof(cmd),
			 "printf '%s' | %s/userbpf exec '01 02 03 04' --asm --engine %s 2>&1", prog,
			 test_build_dir(), engines[i]);
		ASSERT_EQ(sh(cmd, out, sizeof(out)), 0);
		ASSERT_STREQ(out, "0x1020304\n");
	}
	{
		char cmd[512], out[256];

		snprintf(cmd, sizeof(cmd), "%s/userbpf exec --engine fast < /dev/null 2>&1",
			 test_build_dir());
		ASSERT_EQ(sh(cmd, out, sizeof(out)), 2);
		ASSERT_TRUE(strstr(out, "bad --engine 'fast'") != NULL);
	}
}

TEST(jit_cli_run_and_disasm_jited)
{
	char cmd[512], out[1 << 16];

#if !defined(__x86_64__)
	test_skip("no JIT back end for this machine");
	return;
#endif
	snprintf(cmd, sizeof(cmd),
		 "printf 'r0 = 7\\nr0 *= 6\\nexit\\n' | %s/userbpf asm - > "
		 "/tmp/userbpf-jit-cli.hex && %s/userbpf disasm --jited /tmp/userbpf-jit-cli.hex",
		 test_build_dir(), test_build_dir());
	ASSERT_EQ(sh(cmd, out, sizeof(out)), 0);
	unlink("/tmp/userbpf-jit-cli.hex");
	ASSERT_TRUE(strstr(out, "     1:  r0 *= 6\n") != NULL);
	ASSERT_TRUE(strstr(out, "bytes of x86-64") != NULL);
	/* with capstone: "imul rax, rax, 6"; without: the bytes 48 6b c0 06 */
	ASSERT_TRUE(strstr(out, "imul rax, rax, 6") || strstr(out, "48 6b c0 06"));
	snprintf(cmd, sizeof(cmd), "%s/userbpf disasm --jited %s/examples/call_chain.bpf.o",
		 test_build_dir(), test_build_dir());
	ASSERT_EQ(sh(cmd, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "checksum: ") != NULL);
	ASSERT_TRUE(strstr(out, "call +") != NULL);
	snprintf(cmd, sizeof(cmd),
		 "head -c 64 /dev/zero > /tmp/userbpf-jit-cli.pkt && "
		 "%s/userbpf run %s/examples/call_chain.bpf.o --prog checksum "
		 "--data /tmp/userbpf-jit-cli.pkt --engine jit 2>&1",
		 test_build_dir(), test_build_dir());
	ASSERT_EQ(sh(cmd, out, sizeof(out)), 0);
	unlink("/tmp/userbpf-jit-cli.pkt");
	ASSERT_TRUE(strstr(out, "retval: 65535\n") != NULL);
}

/* --jit-harden: the same result as without it, on native code. */
TEST(jit_cli_run_hardened)
{
	char cmd[512], out[1 << 14];

#if !defined(__x86_64__)
	test_skip("no JIT back end for this machine");
	return;
#endif
	snprintf(cmd, sizeof(cmd),
		 "%s/userbpf run %s/examples/loops.bpf.o --prog iterate "
		 "--engine jit --jit-harden 2>&1",
		 test_build_dir(), test_build_dir());
	ASSERT_EQ(sh(cmd, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "retval: 1500\n") != NULL);
	snprintf(cmd, sizeof(cmd),
		 "%s/userbpf run %s/examples/loops.bpf.o --prog iterate "
		 "--engine interp 2>&1",
		 test_build_dir(), test_build_dir());
	ASSERT_EQ(sh(cmd, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "retval: 1500\n") != NULL);
}
