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

/*
 * The failing shape of the shared domain's fallback under syscall
 * tracepoints: an image that preloads a library of its own before the
 * agent.  Without address randomisation (the shared domain always;
 * setarch -R) its agent lay lower than the image that exec'd it had its
 * own, inside the code ranges the inherited filter traps, which lets
 * through the old gate's address only: the gate's first syscall trapped
 * inside the SIGSYS handler again and again (status 139, opensnoop) or,
 * every number trapped, before the handler was in (159, syscount).  The
 * agent now puts itself first in LD_PRELOAD for every exec it sees (its
 * own variables back in an environment that lacks them, env -i too), so
 * the image keeps the agent's address, survives, joins the domain and is
 * traced (its opens are seen).
 */
TEST(trace_exec_own_preload_first_survives)
{
	static const char *const modes[] = { " --follow", " --follow --no-shared", "" };
	char cmd[2048], out[65536];
	size_t m;

	if (!probe_trace_ready("syscount"))
		return;
	if (system("setarch -R true 2>/dev/null") ||
	    access("/lib/x86_64-linux-gnu/libm.so.6", R_OK)) {
		test_skip("setarch -R or /lib/x86_64-linux-gnu/libm.so.6 missing");
		return;
	}
	/* syscount: raw_syscalls keeps a filter (every number; opensnoop's
	 * numbers are proved covered by the rewritten sites, no filter) */
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		snprintf(
			cmd, sizeof(cmd),
			"setarch -R $B/userbpf trace $B/examples/syscount.bpf.o%s -- sh -c "
			"'L=/lib/x86_64-linux-gnu/libm.so.6; LD_PRELOAD=$L:$LD_PRELOAD /bin/true; "
			"echo a=$?; LD_PRELOAD=$L ls / >/dev/null; echo b=$?; "
			"env -i LD_PRELOAD=$L /bin/ls / >/dev/null; echo c=$?' 2>&1; echo status=$?",
			modes[m]);
		probe_run(cmd, out, sizeof(out));
		ASSERT_CONTAINS(out, "a=0\n");
		ASSERT_CONTAINS(out, "b=0\n");
		ASSERT_CONTAINS(out, "c=0\n");
		ASSERT_CONTAINS(out, "status=0\n");
		ASSERT_CONTAINS(out, "@syscalls:");
		ASSERT_TRUE(!strstr(out, "cannot join"));
	}
	/* followed, the image is traced: ls's opens are seen */
	probe_run("setarch -R $B/userbpf trace $B/examples/opensnoop.bpf.o --follow -- sh -c "
		  "'LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6:$LD_PRELOAD ls / >/dev/null; "
		  "echo b=$?' 2>&1; echo status=$?",
		  out, sizeof(out));
	ASSERT_CONTAINS(out, "b=0\n");
	ASSERT_CONTAINS(out, "status=0\n");
	ASSERT_CONTAINS(out, " ls ");
	ASSERT_TRUE(!strstr(out, "cannot join"));
}

/*
 * Images exec'd without the agent's execve family while a filter of the
 * trace is in force: a raw execve (a syscall instruction the scans cannot
 * rewrite) with an environment without LD_PRELOAD, or with another
 * library first in it, and glibc's own exec inside system() when the
 * program's LD_PRELOAD has another library first.  Where the new image's
 * code lies in the ranges the inherited filter traps (setarch -R; the
 * shared domain of --follow always) it found no SIGSYS handler (no
 * agent, or the agent at another address) and died: 52 of the 96 runs of
 * the matrix below before (SIGSYS under syscount, SIGSEGV under the read
 * filter: the handler's gate trapped again; the dynamic targets, and the
 * shell system() starts), 0 now.  The filter traps execve too and every
 * exec made while it is in force gets the environment the agent gives
 * (exec_env_swap).  Static targets (no PT_INTERP: they load no agent)
 * survive where their code lies outside those ranges, as here: a non-PIE
 * one at 0x400000, a static PIE in the mmap area.  Two filters:
 * syscount's (every number) and a read tracepoint's (one number: glibc's
 * read cannot be proved covered).
 */
static const char rawexec_src[] =
	"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
	"#include <sys/syscall.h>\n#include <sys/wait.h>\n"
	"long rawsc3(long nr, long a, long b, long c);\n"
	"__asm__(\".text\\n.globl rawsc3\\nrawsc3:\\n mov %rdi,%rax\\n mov %rsi,%rdi\\n"
	" mov %rdx,%rsi\\n mov %rcx,%rdx\\n syscall\\n ret\\n\");\n"
	"extern char **environ;\n"
	"static char *first[256], *clean[] = { \"PATH=/usr/bin:/bin\", NULL };\n"
	"static const char *libm = \"/lib/x86_64-linux-gnu/libm.so.6\";\n"
	"int main(int argc, char **argv)\n{\n\tchar buf[4096], *pre = getenv(\"LD_PRELOAD\");\n"
	"\tint i, n = 0, m, st;\n"
	"\tfor (char **p = environ; *p && n < 254; p++)\n"
	"\t\tif (strncmp(*p, \"LD_PRELOAD=\", 11))\n\t\t\tfirst[n++] = *p;\n"
	"\tsnprintf(buf, sizeof(buf), \"LD_PRELOAD=%s:%s\", libm, pre ? pre : \"\");\n"
	"\tfirst[n] = buf;\n"
	"\tfor (i = 1; i < argc; i++)\n\t\tfor (m = 0; m < 3; m++) {\n"
	"\t\t\tchar *av[] = { argv[i], NULL }, cmd[600];\n\t\t\tpid_t pid;\n"
	"\t\t\tfflush(stdout);\n"
	"\t\t\tif (m == 2) {\n"
	"\t\t\t\tsetenv(\"LD_PRELOAD\", buf + 11, 1);\n"
	"\t\t\t\tsnprintf(cmd, sizeof(cmd), \"exec %s >/dev/null\", argv[i]);\n"
	"\t\t\t\tst = system(cmd);\n\t\t\t\tif (pre)\n\t\t\t\t\tsetenv(\"LD_PRELOAD\", pre, 1);\n"
	"\t\t\t} else if (!(pid = fork())) {\n"
	"\t\t\t\tfreopen(\"/dev/null\", \"w\", stdout);\n"
	"\t\t\t\trawsc3(SYS_execve, (long)argv[i], (long)av, (long)(m ? first : clean));\n"
	"\t\t\t\t_exit(126);\n"
	"\t\t\t} else\n\t\t\t\twaitpid(pid, &st, 0);\n"
	"\t\t\tprintf(\"%s/%d st=%d\\n\", argv[i], m, st);\n\t\t}\n\treturn 0;\n}\n";

static const char hello_src[] = "#include <unistd.h>\nint main(void)\n{\n\treturn getppid() > 0 "
				"&& write(1, \"hi\\n\", 3) == 3 ? 0 : 1;\n}\n";

TEST(trace_exec_raw_execve_survives_filter)
{
	/* prefix and options: no ASLR without and with --follow, and the
	 * shared domain (no ASLR of its own) */
	static const char *const modes[][2] = { { "setarch -R", "" },
						{ "setarch -R", "--follow" },
						{ "setarch -R", "--follow --no-shared" },
						{ "", "--follow" } };
	static const char *const objs[] = { "$B/examples/syscount.bpf.o",
					    "$B/probe/cancel.bpf.o --prog on_enter_read" };
	char dir[] = "/tmp/probe_rawexec_XXXXXX", cmd[2048], out[65536], targets[512];
	size_t m, o;
	int runs = 0;

	if (!probe_trace_ready("syscount"))
		return;
	if (system("setarch -R true 2>/dev/null") ||
	    access("/lib/x86_64-linux-gnu/libm.so.6", R_OK)) {
		test_skip("setarch -R or /lib/x86_64-linux-gnu/libm.so.6 missing");
		return;
	}
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "cat > %s/r.c <<'EOF'\n%sEOF\ncat > %s/h.c <<'EOF'\n%sEOF\n",
		 dir, rawexec_src, dir, hello_src);
	ASSERT_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "cc -O1 -o %s/r %s/r.c && cc -O1 -o %s/hnopie -no-pie %s/h.c 2>&1", dir, dir, dir,
		 dir);
	ASSERT_EQ(probe_run(cmd, out, sizeof(out)), 0);
	snprintf(targets, sizeof(targets), "/bin/ls %s/hnopie", dir);
	/* static targets where the toolchain has a static libc */
	snprintf(cmd, sizeof(cmd),
		 "cc -O1 -static -o %s/hstatic %s/h.c && cc -O1 -static-pie -o %s/hspie %s/h.c "
		 "2>/dev/null",
		 dir, dir, dir, dir);
	if (!system(cmd))
		snprintf(targets + strlen(targets), sizeof(targets) - strlen(targets),
			 " %s/hstatic %s/hspie", dir, dir);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		for (o = 0; o < sizeof(objs) / sizeof(objs[0]); o++) {
			const char *p;

			snprintf(cmd, sizeof(cmd),
				 "%s $B/userbpf trace %s %s -- %s/r %s 2>&1; echo status=$?",
				 modes[m][0], objs[o], modes[m][1], dir, targets);
			probe_run(cmd, out, sizeof(out));
			ASSERT_CONTAINS(out, "status=0\n");
			ASSERT_TRUE(!strstr(out, "Bad system call"));
			for (p = out; (p = strstr(p, " st=")); p++) {
				if (strncmp(p, " st=0\n", 6))
					fprintf(stderr, "%s: %.60s\n", cmd,
						p - 40 > out ? p - 40 : out);
				ASSERT_TRUE(!strncmp(p, " st=0\n", 6));
				runs++;
			}
		}
	/* every target, three ways, under each mode and filter */
	ASSERT_TRUE(runs >= 8 * 2 * 3);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_OK(system(cmd));
}
