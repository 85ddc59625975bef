/* SPDX-License-Identifier: MIT */
/*
 * test_trace_exec.c - images a traced process execs stay alive under the
 * trace's seccomp filter (it survives exec and cannot be removed), with
 * and without --follow; a program's own SIGSYS handler does not receive
 * the filter's traps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

/*
 * Without --follow the exec'd images are not traced, but the filter of
 * syscount's raw tracepoints (every number, from the code ranges of the
 * files the shell had mapped) comes with them.  Under setarch -R their
 * libc lies where the shell's did: every dynamic child but /bin/true
 * died of SIGSYS (status 159: "ls=159", "cat=159") since the agent had
 * left LD_PRELOAD, so no handler was there.  With --follow (shared and
 * not) they are traced, and their syscalls counted.  The children run
 * untraced without --follow: the object's variables are not in their
 * environment.
 */
TEST(trace_exec_untraced_children_survive_filter)
{
	static const char *const modes[] = { "", " --follow", " --follow --no-shared" };
	char cmd[2048], out[65536];
	size_t m;
	int aslr;

	if (!probe_trace_ready("syscount"))
		return;
	if (system("setarch -R true 2>/dev/null")) {
		test_skip("setarch -R is not available here");
		return;
	}
	for (aslr = 0; aslr < 2; aslr++) {
		for (m = 0; m < (aslr ? 1 : sizeof(modes) / sizeof(modes[0])); m++) {
			snprintf(
				cmd, sizeof(cmd),
				"%s $B/userbpf trace $B/examples/syscount.bpf.o%s -- sh -c 'ls / "
				">/dev/null; echo ls=$?; cat /dev/null; echo cat=$?; /bin/true; "
				"echo true=$?; env | grep -c USERBPF_TRACE_OBJ; "
				"sh -c \"exec ls /\" >/dev/null; echo exec=$?' 2>&1; echo status=$?",
				aslr ? "" : "setarch -R", modes[m]);
			probe_run(cmd, out, sizeof(out));
			ASSERT_CONTAINS(out, "ls=0\n");
			ASSERT_CONTAINS(out, "cat=0\n");
			ASSERT_CONTAINS(out, "true=0\n");
			ASSERT_CONTAINS(out, "exec=0\n");
			ASSERT_CONTAINS(out, "status=0\n");
			ASSERT_TRUE(!strstr(out, "Bad system call"));
			ASSERT_CONTAINS(out, "@syscalls:");
			/* untraced children have none of the trace's variables;
			 * followed ones have them */
			ASSERT_CONTAINS(out, m ? "\n1\n" : "\n0\n");
		}
	}
}

/*
 * A program that installs a SIGSYS handler of its own (LLVM's crash
 * handler does, for clang and every LLVM tool) used to replace the probe
 * module's, and received the filter's traps: clang --version under
 * syscount died at its exit ("pure virtual method called", status 134).
 * Now the agent keeps its handler in front: a trap is made as before, a
 * SIGSYS from raise() reaches the program's handler once.  rawsc's
 * syscall cannot be rewritten (3 bytes before it, then the function's
 * start), so it traps.
 */
static const char sigsys_src[] =
	"#include <signal.h>\n#include <stdio.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n"
	"long rawsc(long nr);\n"
	"__asm__(\".text\\n.globl rawsc\\nrawsc:\\n mov %rdi,%rax\\n syscall\\n ret\\n\");\n"
	"static volatile int handled;\n"
	"static void h(int s) { (void)s; handled++; }\n"
	"int main(void)\n{\n\tint i, same = 0;\n"
	"\tsignal(SIGSYS, h);\n"
	"\tfor (i = 0; i < 10; i++)\n\t\tsame += rawsc(SYS_getppid) == getppid();\n"
	"\traise(SIGSYS);\n"
	"\tprintf(\"same=%d handled=%d\\n\", same, handled);\n\treturn 0;\n}\n";

TEST(trace_program_sigsys_handler_gets_no_trap)
{
	char dir[] = "/tmp/probe_sigsys_XXXXXX", path[128], cmd[1024], out[16384];
	FILE *f;

	if (!probe_trace_ready("syscount"))
		return;
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s.c", dir);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(sigsys_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -O1 -o %s/s %s 2>&1", dir, path);
	ASSERT_EQ(probe_run(cmd, out, sizeof(out)), 0);
	snprintf(cmd, sizeof(cmd),
		 "$B/userbpf trace $B/examples/syscount.bpf.o -- %s/s 2>&1; echo status=$?", dir);
	probe_run(cmd, out, sizeof(out));
	ASSERT_CONTAINS(out, "same=10 handled=1\n");
	ASSERT_CONTAINS(out, "status=0\n");
	ASSERT_CONTAINS(out, "getppid");
	if (!system("clang-19 --version >/dev/null 2>&1")) {
		probe_run("$B/userbpf trace $B/examples/syscount.bpf.o -- clang-19 --version 2>&1; "
			  "echo status=$?",
			  out, sizeof(out));
		ASSERT_CONTAINS(out, "status=0\n");
		ASSERT_TRUE(!strstr(out, "pure virtual"));
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_OK(system(cmd));
}
