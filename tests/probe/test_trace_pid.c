/* SPDX-License-Identifier: MIT */
/*
 * test_trace_pid.c - "userbpf trace --pid" with syscall tracepoints on
 * every number (syscount's raw_syscalls), and threads ending while
 * syscalls are traced:
 *  - the injected agent's thread-locals are in static TLS (a dynamic TLS
 *    block was allocated by malloc on a thread's first access, whose
 *    syscalls re-entered a traced site that accessed it again: the
 *    agent's poller overflowed its stack, the target died of SIGSEGV);
 *  - the stop pass of a patch makes its syscalls through the gate (a
 *    trapped getpid() in a parked thread, every signal blocked, killed a
 *    multi-threaded target during the injection);
 *  - a thread's exit syscall is never trapped (glibc makes it with every
 *    signal blocked at a site that is not rewritten: any thread ending
 *    under syscount killed the process with SIGSYS).
 *
 * Skipped in sanitizer builds, as test_trace.c.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"

/* uprobe_target ARGS... started with its stdout into fds[1]. */
static pid_t start_target(const char *a1, const char *a2, const char *a3, int out_fd)
{
	char path[512];
	pid_t p = fork();

	if (p == 0) {
		snprintf(path, sizeof(path), "%s/examples/uprobe_target", test_build_dir());
		dup2(out_fd, 1);
		execl(path, path, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	return p;
}

/* The count syscount printed for name, or -1. */
static long count_of(const char *out, const char *name)
{
	const char *p = out;
	size_t l = strlen(name);
	long v;

	while ((p = strstr(p, name))) {
		if ((p == out || p[-1] == '\n') && p[l] == ' ' && sscanf(p + l, "%ld", &v) == 1)
			return v;
		p += l;
	}
	return -1;
}

/*
 * syscount by --pid on a running uprobe_target ARGS: the target's output
 * into tout, its wait status into st, the CLI's output into out.
 */
static void syscount_pid(const char *a1, const char *a2, const char *a3, char *out, size_t out_sz,
			 char *tout, size_t tout_sz, int *st)
{
	char cmd[1024];
	const char *b = test_build_dir();
	int fds[2];
	ssize_t n;
	pid_t t;

	tout[0] = '\0';
	if (pipe(fds))
		return;
	t = start_target(a1, a2, a3, fds[1]);
	close(fds[1]);
	usleep(100000);
	snprintf(cmd, sizeof(cmd), "%s/userbpf trace %s/examples/syscount.bpf.o --pid %d 2>&1", b,
		 b, (int)t);
	probe_run(cmd, out, out_sz);
	n = read(fds[0], tout, tout_sz - 1);
	close(fds[0]);
	tout[n > 0 ? n : 0] = '\0';
	waitpid(t, st, 0);
}

TEST(trace_pid_syscount_rounds)
{
	char out[32768], tout[256];
	int st = 0, round;

	if (!probe_trace_ready("syscount"))
		return;
	for (round = 0; round < 3; round++) {
		syscount_pid("loop", "30", "20", out, sizeof(out), tout, sizeof(tout), &st);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		ASSERT_STREQ(tout, "looped 30 sum 4785\n");
		ASSERT_CONTAINS(out, "@syscalls:\n");
		/* the target naps 20 ms 30 times: most of them after the attach */
		ASSERT_TRUE(count_of(out, "clock_nanosleep") >= 5);
	}
}

TEST(trace_pid_syscount_threads)
{
	char out[32768], tout[256];
	int st = 0, round;
	long n;

	if (!probe_trace_ready("syscount"))
		return;
	for (round = 0; round < 2; round++) {
		syscount_pid("threads", "200", "10", out, sizeof(out), tout, sizeof(tout), &st);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		ASSERT_STREQ(tout, "threads 2 getppid 400\n");
		n = count_of(out, "getppid");
		ASSERT_TRUE(n >= 1 && n <= 400);
	}
}

/* Without --pid (the preloaded agent): two threads end under syscount. */
TEST(trace_syscount_threads_end)
{
	char cmd[1024], out[32768];
	const char *b = test_build_dir();
	int st;

	if (!probe_trace_ready("syscount"))
		return;
	snprintf(cmd, sizeof(cmd),
		 "%s/userbpf trace %s/examples/syscount.bpf.o -- %s/examples/uprobe_target "
		 "threads 20 1 2>&1",
		 b, b, b);
	st = probe_run(cmd, out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, "threads 2 getppid 40\n");
	ASSERT_EQ(count_of(out, "getppid"), 40);
}

/*
 * The injected agent's TLS block is small and initial-exec (DF_STATIC_TLS):
 * dlopen places it in the static TLS space glibc keeps for dlopen'ed
 * libraries (glibc.rtld.optional_static_tls, 512 bytes by default, is
 * what is sure to be free), so no thread allocates it lazily.  A
 * thread-local buffer added to the library breaks "trace --pid": this
 * says which size.
 */
TEST(trace_pid_agent_static_tls)
{
	char path[512];
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	const uint8_t *img;
	uint64_t tls = 0, flags = 0;
	struct stat sb;
	int fd, i;

	snprintf(path, sizeof(path), "%s/libuserbpf-agent-pid.so", test_build_dir());
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		test_skip("%s missing", path);
		return;
	}
	ASSERT_OK(fstat(fd, &sb));
	img = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	ASSERT_TRUE(img != MAP_FAILED);
	eh = (const Elf64_Ehdr *)img;
	ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_TLS)
			tls = ph[i].p_memsz;
		if (ph[i].p_type == PT_DYNAMIC) {
			const Elf64_Dyn *d = (const Elf64_Dyn *)(img + ph[i].p_offset);

			for (; d->d_tag != DT_NULL; d++)
				if (d->d_tag == DT_FLAGS)
					flags = d->d_un.d_val;
		}
	}
	munmap((void *)img, (size_t)sb.st_size);
	if (tls > 512)
		fprintf(stderr, "    %s: PT_TLS of %llu bytes\n", path, (unsigned long long)tls);
	ASSERT_TRUE(tls <= 512);
	ASSERT_TRUE(!tls || (flags & DF_STATIC_TLS));
}

/*
 * The injected agent's signal views: the target's GOT slots of
 * sigaction, signal, syscall... point at the agent's (a dlopen'ed
 * library interposes nothing by itself), so a program asking after the
 * attach sees SIG_DFL where userbpf put its handlers (SIGTRAP of the
 * uprobes, SIGTERM and SIGSEGV of the fatal-signal hook).  Before, all
 * four read as set.
 */
TEST(trace_pid_signal_views)
{
	char cmd[1024], out[32768], tout[512];
	const char *b = test_build_dir();
	int fds[2], st = 0;
	ssize_t n;
	pid_t t;

	if (!probe_trace_ready("uprobe"))
		return;
	ASSERT_OK(pipe(fds));
	t = start_target("sigloop", "40", "20", fds[1]);
	close(fds[1]);
	usleep(100000);
	snprintf(cmd, sizeof(cmd), "%s/userbpf trace %s/examples/uprobe.bpf.o --pid %d 2>&1", b, b,
		 (int)t);
	probe_run(cmd, out, sizeof(out));
	n = read(fds[0], tout, sizeof(tout) - 1);
	close(fds[0]);
	tout[n > 0 ? n : 0] = '\0';
	waitpid(t, &st, 0);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_CONTAINS(out, "@calls:\n");
	ASSERT_STREQ(tout, "looped 40 sum 8580\n"
			   "SIGTRAP dfl\n"
			   "SIGTERM dfl\n"
			   "signal SIGSEGV dfl\n"
			   "rt_sigaction SIGTRAP dfl\n");
}

/*
 * A statically linked target: no dynamic loader, no libc.so to dlopen
 * the agent with.  The CLI says so and exits 1 at once, before any
 * ptrace stop; the target runs on untouched.  The target is built here
 * (cc -static; skipped without a static libc).
 */
TEST(trace_pid_static_target_refused)
{
	static const char src[] = "#include <stdio.h>\n#include <unistd.h>\n"
				  "int main(void) { for (int i = 0; i < 25; i++) usleep(20000);\n"
				  "puts(\"static done\"); return 0; }\n";
	char dir[] = "/tmp/userbpf_static_XXXXXX", path[128], cmd[1024], out[4096], tout[256];
	const char *b = test_build_dir();
	int fds[2], st = 0;
	ssize_t n;
	FILE *f;
	pid_t t;

	if (!probe_trace_ready("syscount"))
		return;
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/st.c", dir);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -static -O1 -o %s/st %s 2>/dev/null", dir, path);
	if (system(cmd)) {
		test_skip("cannot link a static program (no libc.a)");
		goto out;
	}
	ASSERT_OK(pipe(fds));
	t = fork();
	if (t == 0) {
		snprintf(path, sizeof(path), "%s/st", dir);
		dup2(fds[1], 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	usleep(50000);
	snprintf(cmd, sizeof(cmd),
		 "%s/userbpf trace %s/examples/syscount.bpf.o --pid %d 2>&1; echo status=$?", b, b,
		 (int)t);
	probe_run(cmd, out, sizeof(out));
	n = read(fds[0], tout, sizeof(tout) - 1);
	close(fds[0]);
	tout[n > 0 ? n : 0] = '\0';
	ASSERT_EQ(waitpid(t, &st, 0), t);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_STREQ(tout, "static done\n");
	ASSERT_CONTAINS(out, "is statically linked");
	ASSERT_CONTAINS(out, "status=1\n");
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_OK(system(cmd));
}
