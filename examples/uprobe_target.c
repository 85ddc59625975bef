/* SPDX-License-Identifier: MIT */
/*
 * uprobe_target - the program the uprobe example traces:
 * "uprobe_target N [STATUS]" calls uprobe_add(i, 10 * i) for i < N,
 * prints each sum, then does N mallocs of 2^i bytes and exits with STATUS.
 * "uprobe_target spin MS" burns MS milliseconds of CPU time in
 * spin_here() (the profile example's target); "uprobe_target nap N"
 * calls nap(i) for i < N, sleeping i milliseconds (funclatency's);
 * "uprobe_target loop N MS" calls uprobe_add(i, 10 * i) N times, MS
 * milliseconds apart (a running process for "userbpf trace --pid");
 * "uprobe_target fork N": parent and a forked child each call
 * uprobe_add N times; "uprobe_target exec N PROG...": N calls, then
 * execvp(PROG...); "uprobe_target quit N STATUS": N calls, then _exit()
 * from inside a function the uretprobe watches (the robustness tests);
 * "uprobe_target spawn PROG": PROG started by posix_spawn, then by
 * vfork + execv (children no pthread_atfork handler sees);
 * "uprobe_target crash N": N calls, then a store to address 2 (SIGSEGV);
 * "uprobe_target open N MS": opens and closes /dev/null N times, MS
 * milliseconds apart (syscall tracepoints by "userbpf trace --pid");
 * "uprobe_target threads N MS": two threads each call getppid() N times,
 * MS milliseconds apart, and end (threads ending under syscall probes);
 * "uprobe_target sigview [crash]": prints whether SIGINT, SIGTERM,
 * SIGSEGV and SIGUSR1 have the default action, what signal() returns,
 * and installs a SIGINT handler only where it finds SIG_DFL (as CPython
 * does), then raises SIGINT; with "crash", a SIGSEGV handler set and put
 * back to SIG_DFL, 3 calls, then a real SIGSEGV;
 * "uprobe_target sigview2": the same through sysv_signal, sigset,
 * sigignore, siginterrupt and syscall(SYS_rt_sigaction);
 * "uprobe_target sigloop N MS": "loop", then the actions of SIGTRAP and
 * SIGTERM as sigaction, signal and syscall(SYS_rt_sigaction) show them.
 */
#define _GNU_SOURCE /* sysv_signal, sigset, sigignore */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((noinline)) int uprobe_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

/* Spin until ms of this process's CPU time have gone by. */
__attribute__((noinline)) unsigned long spin_here(long ms)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int k = 0; k < 100000; k++)
			x += (unsigned long)k;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return x;
}

/* _exit(status) from a function that never returns. */
__attribute__((noinline, noreturn)) void quit_inside(int status)
{
	__asm__ volatile("" ::: "memory");
	_exit(status);
}

/* Sleep ms milliseconds. */
__attribute__((noinline)) int nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	return nanosleep(&ts, NULL);
}

/* "threads": n getppid() calls, ms milliseconds apart. */
static int thr_n, thr_ms;

static void *thr_calls(void *arg)
{
	long ok = 0;
	int i;

	(void)arg;
	for (i = 0; i < thr_n; i++) {
		ok += getppid() > 0;
		nap(thr_ms);
	}
	return (void *)ok;
}

/* "sigview" */
static volatile sig_atomic_t sig_caught;

static void on_sig(int sig)
{
	sig_caught = sig;
}

static int sigview(int crash, uintptr_t bad)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGSEGV, SIGUSR1 };
	static const char *const names[] = { "SIGINT", "SIGTERM", "SIGSEGV", "SIGUSR1" };
	struct sigaction sa;
	void (*prev)(int);
	int i;

	for (i = 0; i < 4; i++) {
		if (sigaction(sigs[i], NULL, &sa))
			return 1;
		printf("%s %s\n", names[i],
		       !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL ? "dfl" : "set");
	}
	prev = signal(SIGTERM, SIG_DFL);
	printf("signal SIGTERM %s\n", prev == SIG_DFL ? "dfl" : "set");
	/* SIG_DFL with flags: read back as set */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &sa);
	printf("SIGUSR1 %s restart %d\n", sa.sa_handler == SIG_DFL ? "dfl" : "set",
	       !!(sa.sa_flags & SA_RESTART));
	sigaction(SIGINT, NULL, &sa);
	if (!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sig;
		sigaction(SIGINT, &sa, NULL);
	}
	raise(SIGINT);
	printf("SIGINT %s\n", sig_caught == SIGINT ? "caught" : "missed");
	if (!crash)
		return 0;
	signal(SIGSEGV, on_sig);
	signal(SIGSEGV, SIG_DFL);
	for (i = 0; i < 3; i++)
		uprobe_add(i, i);
	fflush(stdout);
	*(volatile int *)bad = 0;
	return 0;
}

/* "sigview2": the other ways to read and set a signal's action. */
static const char *dfl(void (*h)(int))
{
	return h == SIG_DFL ? "dfl" : h == SIG_IGN ? "ign" : h == SIG_HOLD ? "hold" : "set";
}

/* the System V calls, deprecated but still in programs */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int sigview2(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} k;
	struct sigaction sa;

	printf("sysv_signal SIGTERM %s\n", dfl(sysv_signal(SIGTERM, SIG_DFL)));
	printf("sigset SIGHUP %s\n", dfl(sigset(SIGHUP, SIG_DFL)));
	printf("sigset hold SIGQUIT %s\n", dfl(sigset(SIGQUIT, SIG_HOLD)));
	printf("sigset SIGQUIT %s\n", dfl(sigset(SIGQUIT, SIG_DFL)));
	memset(&k, 0, sizeof(k));
	if (syscall(SYS_rt_sigaction, SIGTRAP, NULL, &k, 8))
		return 1;
	printf("rt_sigaction SIGTRAP %s\n", dfl((void (*)(int))k.handler));
	if (syscall(SYS_rt_sigaction, SIGUSR2, NULL, &k, 8))
		return 1;
	printf("rt_sigaction SIGUSR2 %s\n", dfl((void (*)(int))k.handler));
	siginterrupt(SIGUSR1, 1);
	sigaction(SIGUSR1, NULL, &sa);
	printf("siginterrupt SIGUSR1 %s restart %d\n", dfl(sa.sa_handler),
	       !!(sa.sa_flags & SA_RESTART));
	sigignore(SIGUSR2);
	sigaction(SIGUSR2, NULL, &sa);
	printf("sigignore SIGUSR2 %s\n", dfl(sa.sa_handler));
	signal(SIGUSR2, SIG_DFL);
	if (sysv_signal(SIGINT, on_sig) == SIG_DFL)
		raise(SIGINT);
	printf("SIGINT %s\n", sig_caught == SIGINT ? "caught" : "missed");
	sigaction(SIGINT, NULL, &sa); /* SA_RESETHAND */
	printf("SIGINT reset %s\n", dfl(sa.sa_handler));
	return 0;
}
#pragma GCC diagnostic pop

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, i;
	void *volatile p;

	if (argc > 2 && !strcmp(argv[1], "fork")) {
		pid_t c = fork();
		int st = 0;

		for (i = 0; i < atoi(argv[2]); i++)
			uprobe_add(i, c ? 1 : 2);
		if (c == 0)
			_exit(0);
		waitpid(c, &st, 0);
		printf("forked %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return 0;
	}
	if (argc > 3 && !strcmp(argv[1], "exec")) {
		for (i = 0; i < atoi(argv[2]); i++)
			uprobe_add(i, i);
		fflush(stdout);
		execvp(argv[3], argv + 3);
		return 127;
	}
	if (argc > 2 && !strcmp(argv[1], "spawn")) { /* children without fork() */
		char *args[] = { argv[2], NULL };
		pid_t a = -1, b;
		int sa = -1, sb = -1;

		if (posix_spawn(&a, argv[2], NULL, NULL, args, environ) == 0)
			waitpid(a, &sa, 0);
		b = vfork();
		if (b == 0) {
			execv(argv[2], args);
			_exit(127);
		}
		if (b > 0)
			waitpid(b, &sb, 0);
		printf("spawned %d %d\n", WIFEXITED(sa) ? WEXITSTATUS(sa) : -1,
		       WIFEXITED(sb) ? WEXITSTATUS(sb) : -1);
		return 0;
	}
	if (argc > 3 && !strcmp(argv[1], "quit")) {
		for (i = 0; i < atoi(argv[2]); i++)
			uprobe_add(i, i);
		fflush(stdout);
		quit_inside(atoi(argv[3]));
	}
	if (argc > 3 && !strcmp(argv[1], "loop")) {
		long sum = 0;

		for (i = 0; i < atoi(argv[2]); i++) {
			sum += uprobe_add(i, 10 * i);
			nap(atoi(argv[3]));
		}
		printf("looped %d sum %ld\n", atoi(argv[2]), sum);
		return 0;
	}
	if (argc > 3 && !strcmp(argv[1], "sigloop")) {
		/* "loop", then the signal views (a --pid agent came meanwhile) */
		struct sigaction sa;
		long sum = 0, k[4] = { 0, 0, 0, 0 };

		for (i = 0; i < atoi(argv[2]); i++) {
			sum += uprobe_add(i, 10 * i);
			nap(atoi(argv[3]));
		}
		sigaction(SIGTRAP, NULL, &sa);
		printf("looped %d sum %ld\nSIGTRAP %s\n", atoi(argv[2]), sum, dfl(sa.sa_handler));
		sigaction(SIGTERM, NULL, &sa);
		printf("SIGTERM %s\n", dfl(sa.sa_handler));
		printf("signal SIGSEGV %s\n", dfl(signal(SIGSEGV, SIG_DFL)));
		syscall(SYS_rt_sigaction, SIGTRAP, NULL, k, 8);
		printf("rt_sigaction SIGTRAP %s\n", dfl((void (*)(int))k[0]));
		return 0;
	}
	if (argc > 3 && !strcmp(argv[1], "threads")) {
		pthread_t t[2];
		long calls = 0;
		void *r;

		thr_n = atoi(argv[2]);
		thr_ms = atoi(argv[3]);
		for (i = 0; i < 2; i++)
			if (pthread_create(&t[i], NULL, thr_calls, NULL))
				return 1;
		for (i = 0; i < 2; i++) {
			pthread_join(t[i], &r);
			calls += (long)r;
		}
		printf("threads 2 getppid %ld\n", calls);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "sigview2"))
		return sigview2();
	if (argc > 1 && !strcmp(argv[1], "sigview"))
		return sigview(argc > 2 && !strcmp(argv[2], "crash"), (uintptr_t)argc);
	if (argc > 3 && !strcmp(argv[1], "open")) {
		int ok = 0;

		for (i = 0; i < atoi(argv[2]); i++) {
			int fd = open("/dev/null", O_RDONLY);

			ok += fd >= 0 && !close(fd);
			nap(atoi(argv[3]));
		}
		printf("opened %d of %d\n", ok, atoi(argv[2]));
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "nap")) {
		for (i = 0; i < atoi(argv[2]); i++)
			nap(i);
		printf("napped %d\n", atoi(argv[2]));
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "crash")) { /* calls, then a real SIGSEGV */
		for (i = 0; i < atoi(argv[2]); i++)
			uprobe_add(i, i);
		fflush(stdout);
		*(volatile int *)(uintptr_t)argc = 0;
	}
	if (argc > 2 && !strcmp(argv[1], "spin")) {
		printf("spun %lu\n", spin_here(atol(argv[2])) & 1);
		return 0;
	}

	for (i = 0; i < n; i++)
		printf("%d\n", uprobe_add(i, 10 * i));
	for (i = 0; i < n; i++) {
		p = malloc((size_t)1 << i);
		free(p);
	}
	fflush(stdout);
	return argc > 2 ? atoi(argv[2]) : 0;
}
