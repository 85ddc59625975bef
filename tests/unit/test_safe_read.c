/* SPDX-License-Identifier: MIT */
/*
 * test_safe_read.c - ub_safe_read_str, behind bpf_probe_read_{user,kernel}_str
 * on host memory: like the kernel's strncpy_from_user it writes the string
 * and its NUL only (the bytes after are left as they were: programs read
 * strings into zeroed buffers and use them as map keys), stops at an
 * unmapped page only when the string reaches it, and truncates with a NUL.
 * Then ub_safe_read and _str case by case (data below: unmapped,
 * PROT_NONE, a file truncated under its mapping, crossing pages, page 0,
 * non-canonical and kernel addresses), through process_vm_readv and
 * through the fault-handling fast path (in a child where the system call
 * is refused, so that every good read proves the fast path), from many
 * threads, signal handlers, fork and vfork children; where a fault could
 * not reach the front (signals blocked, a small alternate stack) the
 * system call still answers; and the program's own faults still reach
 * its handler, or kill it with their signal.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "refuse_vm_readv.h"
#include "test.h"
#include "util/alloc.h"
#include "util/fault_copy.h"

TEST(safe_read_str_leaves_bytes_after_nul)
{
	static const char src[64] = "abc\0XYZWVUTSRQPONMLKJIHGFEDCBA";
	char dst[32];
	int i;

	memset(dst, 0x5a, sizeof(dst));
	ASSERT_EQ(ub_safe_read_str(dst, src, sizeof(dst)), 4);
	ASSERT_STREQ(dst, "abc");
	for (i = 4; i < (int)sizeof(dst); i++)
		ASSERT_EQ(dst[i], 0x5a);
}

TEST(safe_read_str_truncates_and_pages)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char dst[600];
	int i;

	ASSERT_TRUE(m != MAP_FAILED);
	ASSERT_OK(munmap(m + pg, (size_t)pg));
	/* a string ending at the last byte before the unmapped page */
	memset(m, 'x', (size_t)pg);
	m[pg - 1] = '\0';
	memset(dst, 0x5a, sizeof(dst));
	ASSERT_EQ(ub_safe_read_str(dst, m + pg - 300, sizeof(dst)), 300);
	ASSERT_EQ(dst[298], 'x');
	ASSERT_EQ(dst[299], '\0');
	for (i = 300; i < (int)sizeof(dst); i++)
		ASSERT_EQ(dst[i], 0x5a);
	/* no NUL before the unmapped page: a fault */
	m[pg - 1] = 'x';
	ASSERT_EQ(ub_safe_read_str(dst, m + pg - 300, sizeof(dst)), -EFAULT);
	/* longer than size (over several bounce pieces): truncated */
	ASSERT_EQ(ub_safe_read_str(dst, m, sizeof(dst)), (long)sizeof(dst));
	ASSERT_EQ(dst[sizeof(dst) - 2], 'x');
	ASSERT_EQ(dst[sizeof(dst) - 1], '\0');
	ASSERT_OK(munmap(m, (size_t)pg));
}

/* ==== The fault-handling fast path (util/fault_copy_posix.c) ==== */

/*
 * The memory the cases read: page 0 and 2 readable, 1 PROT_NONE, 3 a
 * file mapping whose file was truncated under it (SIGBUS), 4 unmapped.
 * Page 0 ends with a NUL, page 2 does not.
 */
#define AR_PAGES 5
struct arena {
	char *base;
	long pg;
};

static int arena_make(struct arena *a)
{
	char path[] = "/tmp/ub-safe-read-XXXXXX";
	long pg = sysconf(_SC_PAGESIZE);
	char *m;
	int fd, i;

	m = mmap(NULL, (size_t)pg * AR_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (m == MAP_FAILED)
		return -1;
	for (i = 0; i < pg; i++) {
		m[i] = (char)('a' + i % 26);
		m[2 * pg + i] = (char)('A' + i % 26);
	}
	m[pg - 1] = '\0';
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, pg) ||
	    mmap(m + 3 * pg, (size_t)pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    ftruncate(fd, 0) || mprotect(m + pg, (size_t)pg, PROT_NONE) ||
	    munmap(m + 4 * pg, (size_t)pg)) {
		close(fd);
		return -1;
	}
	close(fd);
	a->base = m;
	a->pg = pg;
	return 0;
}

#define ABS (-1)
struct read_case {
	const char *name;
	int page; /* ABS: at is the address */
	unsigned long at;
	size_t size;
	int want;
};

static const struct read_case read_cases[] = {
	{ "word in a page", 0, 100, 8, 0 },
	{ "one byte", 0, 4095, 1, 0 },
	{ "odd size, odd start", 2, 3, 13, 0 },
	{ "rep movsb size", 0, 5, 300, 0 },
	{ "whole page", 2, 0, 4096, 0 },
	{ "into PROT_NONE (word)", 0, 4090, 8, -EFAULT },
	{ "into PROT_NONE (rep movsb)", 0, 3900, 300, -EFAULT },
	{ "into PROT_NONE (bytes)", 0, 4094, 5, -EFAULT },
	{ "PROT_NONE", 1, 0, 8, -EFAULT },
	{ "into a truncated file (SIGBUS)", 2, 4092, 8, -EFAULT },
	{ "truncated file (SIGBUS)", 3, 16, 64, -EFAULT },
	{ "unmapped", 4, 0, 8, -EFAULT },
	{ "NULL", ABS, 0, 8, -EFAULT },
	{ "page 0", ABS, 16, 8, -EFAULT },
	{ "ends past 0x7ffffffff000", ABS, 0x7fffffffeff8ul, 16, -EFAULT },
	{ "0x800000000000", ABS, 0x800000000000ul, 8, -EFAULT },
	{ "vsyscall page", ABS, 0xffffffffff600000ul, 8, -EFAULT },
	{ "kernel half", ABS, 0xffff888000000000ul, 8, -EFAULT },
	{ "wraps around", ABS, 0xfffffffffffffff8ul, 16, -EFAULT },
};

struct str_case {
	const char *name;
	int page;
	unsigned long at;
	size_t size;
	long want; /* -1: the string's length + 1 found by strlen on the arena */
};

static const struct str_case str_cases[] = {
	{ "short, bytes", 0, 4080, 64, -1 },
	{ "words then a NUL", 0, 3000, 2048, -1 },
	{ "unaligned start", 0, 3001, 2048, -1 },
	{ "ends just before PROT_NONE", 0, 4096 - 300, 600, 300 },
	{ "truncated to size", 0, 8, 100, 100 },
	{ "truncated, unaligned", 0, 9, 17, 17 },
	{ "NUL in the last byte", 0, 4096 - 9, 9, 9 },
	{ "no NUL before SIGBUS", 2, 4096 - 100, 600, -EFAULT },
	{ "truncated file (SIGBUS)", 3, 0, 16, -EFAULT },
	{ "no NUL before unmapped", 4, 0, 16, -EFAULT },
	{ "PROT_NONE", 1, 8, 16, -EFAULT },
	{ "NULL", ABS, 0, 16, -EFAULT },
	{ "0x800000000000", ABS, 0x800000000000ul, 16, -EFAULT },
	{ "kernel half", ABS, 0xffff888000000000ul, 16, -EFAULT },
};

static const char *case_src(const struct arena *a, int page, unsigned long at)
{
	return page == ABS ? (const char *)at : a->base + (long)page * a->pg + (long)at;
}

/* Every case: "" when all answer as the table says, else the first
 * mismatch. */
static void run_cases(struct arena *a, char *why, size_t why_sz)
{
	static unsigned char dst[8192];
	size_t i, k;

	why[0] = '\0';
	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const struct read_case *c = &read_cases[i];
		const char *src = case_src(a, c->page, c->at);
		int got;

		memset(dst, 0xa5, sizeof(dst));
		got = ub_safe_read(dst, src, c->size);
		if (got != c->want) {
			snprintf(why, why_sz, "read %s: %d, want %d", c->name, got, c->want);
			return;
		}
		for (k = 0; k < c->size; k++)
			if (dst[k] != (got ? 0 : (unsigned char)src[k])) {
				snprintf(why, why_sz, "read %s: byte %zu is %#x", c->name, k,
					 dst[k]);
				return;
			}
		if (dst[c->size] != 0xa5) {
			snprintf(why, why_sz, "read %s: wrote past size", c->name);
			return;
		}
	}
	for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
		const struct str_case *c = &str_cases[i];
		const char *src = case_src(a, c->page, c->at);
		long want = c->want == -1 ? (long)strlen(src) + 1 : c->want, got;
		size_t n;

		memset(dst, 0xa5, sizeof(dst));
		got = ub_safe_read_str((char *)dst, src, c->size);
		if (got != want) {
			snprintf(why, why_sz, "str %s: %ld, want %ld", c->name, got, want);
			return;
		}
		n = got < 0 ? c->size : (size_t)got;
		for (k = 0; k < n; k++) {
			unsigned char w = got < 0	       ? 0 :
					  k + 1 == (size_t)got ? 0 :
								 (unsigned char)src[k];

			if (dst[k] != w) {
				snprintf(why, why_sz, "str %s: byte %zu is %#x, want %#x", c->name,
					 k, dst[k], w);
				return;
			}
		}
		if (dst[n] != 0xa5) { /* nothing after the NUL, nor past size */
			snprintf(why, why_sz, "str %s: byte after the copy written", c->name);
			return;
		}
	}
}

TEST(safe_read_cases_system_call)
{
	struct arena a;
	char why[256];

	ASSERT_OK(arena_make(&a));
	ASSERT_TRUE(!ub_fault_enabled());
	run_cases(&a, why, sizeof(why));
	ASSERT_STREQ(why, "");
	munmap(a.base, (size_t)a.pg * AR_PAGES);
}

/*
 * Run body in a forked child with the library's front installed (and,
 * with only_fast, process_vm_readv refused): the child's message ("" for
 * success) into why.  False (skipped with the reason) where the fast path
 * cannot be enabled here (a TSan runtime owns SIGSEGV).
 */
static bool fast_child(void (*body)(struct arena *a, char *why, size_t why_sz), bool only_fast,
		       char *why, size_t why_sz)
{
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return snprintf(why, why_sz, "pipe"), true;
	pid = fork();
	if (pid == 0) {
		char msg[256] = "";
		struct arena a;
		int err = ub_fault_install();

		ub_fault_cache_off = true; /* every bad read faults */

		if (err == -ENOENT || err == -ENOSYS)
			snprintf(msg, sizeof(msg), "SKIP: the fast path is not available here (%d)",
				 err);
		else if (err)
			snprintf(msg, sizeof(msg), "ub_fault_install: %d", err);
		else if (arena_make(&a))
			snprintf(msg, sizeof(msg), "arena");
		else if (only_fast && refuse_process_vm_readv())
			snprintf(msg, sizeof(msg), "seccomp: %s", strerror(errno));
		else
			body(&a, msg, sizeof(msg));
		_exit(write(pfd[1], msg, strlen(msg) + 1) > 0 ? 0 : 1);
	}
	close(pfd[1]);
	n = read(pfd[0], why, why_sz - 1);
	close(pfd[0]);
	why[n > 0 ? n : 0] = '\0';
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(why, why_sz, "child status %#x", st);
		return true;
	}
	if (!strncmp(why, "SKIP: ", 6)) {
		test_skip("%s", why + 6);
		return false;
	}
	return true;
}

TEST(safe_read_cases_fast_path)
{
	char why[256];

	if (!fast_child(run_cases, true, why, sizeof(why)))
		return;
	ASSERT_STREQ(why, "");
}

/* ==== ... from threads, signal handlers, children ==== */

static const struct arena *shared_arena;

/* A few reads, good and bad: "" or what went wrong. */
static const char *quick_reads(const struct arena *a)
{
	uint64_t v;
	char s[32];

	if (ub_safe_read(&v, a->base + 2 * a->pg + 8, 8) || memcmp(&v, a->base + 2 * a->pg + 8, 8))
		return "good read";
	if (ub_safe_read(&v, a->base + a->pg, 8) != -EFAULT || v)
		return "PROT_NONE read";
	if (ub_safe_read(&v, a->base + 3 * a->pg, 8) != -EFAULT || v)
		return "SIGBUS read";
	if (ub_safe_read(&v, a->base + 4 * a->pg - 4, 8) != -EFAULT || v)
		return "unmapped read";
	if (ub_safe_read_str(s, a->base + a->pg - 10, sizeof(s)) != 10 ||
	    strcmp(s, a->base + a->pg - 10))
		return "good string";
	if (ub_safe_read_str(s, a->base + 3 * a->pg - 8, sizeof(s)) != -EFAULT)
		return "string into SIGBUS";
	return "";
}

static void *reader_thread(void *arg)
{
	int i;

	for (i = 0; i < 300; i++) {
		const char *e = quick_reads(shared_arena);

		if (*e)
			return (void *)e;
	}
	(void)arg;
	return (void *)"";
}

static void threads_body(struct arena *a, char *why, size_t why_sz)
{
	pthread_t t[8];
	void *ret;
	int i;

	shared_arena = a;
	for (i = 0; i < 8; i++)
		if (pthread_create(&t[i], NULL, reader_thread, NULL))
			return (void)snprintf(why, why_sz, "pthread_create");
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], &ret);
		if (*(const char *)ret && !*why)
			snprintf(why, why_sz, "thread: %s", (const char *)ret);
	}
}

TEST(safe_read_fast_path_many_threads)
{
	char why[256];

	if (!fast_child(threads_body, true, why, sizeof(why)))
		return;
	ASSERT_STREQ(why, "");
}

static volatile const char *handler_err;
static volatile int handler_runs;

static void reading_handler(int sig)
{
	(void)sig;
	handler_runs++;
	if (!*handler_err)
		handler_err = quick_reads(shared_arena);
}

/* Reads in a signal handler that interrupts reads. */
static void handler_body(struct arena *a, char *why, size_t why_sz)
{
	struct sigaction sa;
	int i;

	shared_arena = a;
	handler_err = "";
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reading_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < 300 && !*handler_err; i++) {
		const char *e;

		raise(SIGUSR1);
		e = quick_reads(a);
		if (*e)
			return (void)snprintf(why, why_sz, "main: %s", e);
	}
	if (*handler_err || handler_runs != 300)
		snprintf(why, why_sz, "handler (%d runs): %s", handler_runs, handler_err);
}

TEST(safe_read_fast_path_in_signal_handler)
{
	char why[256];

	if (!fast_child(handler_body, true, why, sizeof(why)))
		return;
	ASSERT_STREQ(why, "");
}

/*
 * A forked child reads its own memory; a vfork child (sharing ours, as
 * dash's does before it execs) reads ours, faults and all, and the
 * parent reads on afterwards (the thread id is never cached).
 */
static void children_body(struct arena *a, char *why, size_t why_sz)
{
	static volatile uint64_t v = 1;
	uint64_t got = 0;
	int st;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		v = 2;
		_exit(ub_safe_read(&got, (const void *)&v, 8) || got != 2 || *quick_reads(a));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return (void)snprintf(why, why_sz, "fork child: status %#x", st);
	pid = vfork();
	if (pid == 0)
		_exit(ub_safe_read(&got, (const void *)&v, 8) || got != 1 || *quick_reads(a));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return (void)snprintf(why, why_sz, "vfork child: status %#x", st);
	if (ub_safe_read(&got, (const void *)&v, 8) || got != 1 || *quick_reads(a))
		snprintf(why, why_sz, "parent after vfork");
}

TEST(safe_read_fast_path_fork_and_vfork)
{
	char why[256];

	if (!fast_child(children_body, true, why, sizeof(why)))
		return;
	ASSERT_STREQ(why, "");
}

/*
 * Where a fault could not reach the front, or its signal frame could not
 * be pushed, the system call reads: a thread with SIGSEGV and SIGBUS
 * blocked (a fault there kills the process), a handler on a small
 * alternate stack.
 */
static void *blocked_thread(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigaddset(&set, SIGBUS);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return (void *)quick_reads(shared_arena);
}

static void *altstack_thread(void *arg)
{
	static char stack[16384]; /* a few signal frames' worth */
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) }, old;
	struct sigaction sa;

	(void)arg;
	if (sigaltstack(&ss, &old))
		return (void *)"sigaltstack";
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reading_handler;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	handler_err = "";
	pthread_kill(pthread_self(), SIGUSR2);
	sigaltstack(&old, NULL); /* ASan frees its own at the thread's end */
	return (void *)handler_err;
}

static void unreachable_body(struct arena *a, char *why, size_t why_sz)
{
	void *(*fns[])(void *) = { blocked_thread, altstack_thread };
	pthread_t t;
	void *ret;
	int i;

	shared_arena = a;
	for (i = 0; i < 2; i++) {
		if (pthread_create(&t, NULL, fns[i], NULL))
			return (void)snprintf(why, why_sz, "pthread_create");
		pthread_join(t, &ret);
		if (*(const char *)ret)
			return (void)snprintf(why, why_sz, "%s thread: %s",
					      i ? "altstack" : "blocked", (const char *)ret);
	}
}

TEST(safe_read_fast_path_blocked_and_altstack)
{
	char why[256];

	if (!fast_child(unreachable_body, false, why, sizeof(why)))
		return;
	ASSERT_STREQ(why, "");
}

/* ==== The program's own faults still reach it ==== */

static sigjmp_buf own_jmp;
static void *volatile own_addr;
static volatile int own_code, own_faults;
static volatile const char *own_err;

static void own_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	own_faults++;
	own_addr = si->si_addr;
	own_code = si->si_code;
	if (sig == SIGSEGV && !*own_err)
		own_err = quick_reads(shared_arena); /* nested: faults inside */
	siglongjmp(own_jmp, 1);
}

/*
 * The program's handler, installed before the front (SA_NODEFER: reads
 * in it fault on the fast path; without it SIGSEGV is blocked there and
 * the system call reads), gets its own faults with their address and
 * code; SA_RESETHAND is kept: the second fault kills.
 */
static void own_handler_body(struct arena *a, char *why, size_t why_sz)
{
	char *none = a->base + a->pg, *bus = a->base + 3 * a->pg;
	volatile int round;

	shared_arena = a;
	own_err = "";
	for (round = 0; round < 4; round++) {
		volatile char *p = round & 1 ? bus : none;

		own_faults = 0;
		if (!sigsetjmp(own_jmp, 1))
			(void)*p;
		if (own_faults != 1 || own_addr != (void *)p || own_code <= 0 || *own_err)
			return (void)snprintf(why, why_sz, "round %d: %d faults at %p code %d: %s",
					      round, own_faults, own_addr, own_code, own_err);
	}
}

static void own_handler_child(int flags, char *why, size_t why_sz)
{
	struct sigaction sa;
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	why[0] = '\0';
	if (pipe(pfd))
		return (void)snprintf(why, why_sz, "pipe");
	pid = fork();
	if (pid == 0) {
		char msg[256] = "";
		struct arena a;
		int err;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = own_handler;
		sa.sa_flags = SA_SIGINFO | flags;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		err = ub_fault_install();
		ub_fault_cache_off = true;
		if (err == -ENOENT || err == -ENOSYS)
			snprintf(msg, sizeof(msg), "SKIP: no fast path here (%d)", err);
		else if (err || arena_make(&a))
			snprintf(msg, sizeof(msg), "setup: %d", err);
		else
			own_handler_body(&a, msg, sizeof(msg));
		_exit(write(pfd[1], msg, strlen(msg) + 1) > 0 ? 0 : 1);
	}
	close(pfd[1]);
	n = read(pfd[0], why, why_sz - 1);
	close(pfd[0]);
	why[n > 0 ? n : 0] = '\0';
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		snprintf(why, why_sz, "child status %#x", st);
}

TEST(safe_read_program_handler_gets_its_faults)
{
	static const int flags[] = { 0, SA_NODEFER, SA_ONSTACK };
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		own_handler_child(flags[i], why, sizeof(why));
		if (!strncmp(why, "SKIP: ", 6))
			return test_skip("%s", why + 6);
		ASSERT_STREQ(why, "");
	}
}

/*
 * With SIG_DFL (or SA_RESETHAND spent) a fault still ends the process
 * with that signal, and a signal sent too: the same status with the
 * front as without (ASan's handler, where its runtime has one, reports
 * both ways).
 */
static int default_child(int sig, int how, bool front)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		struct arena a;
		uint64_t v;

		setrlimit(RLIMIT_CORE, &no_core);
		if (how == 2) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = own_handler;
			sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
			sigaction(sig, &sa, NULL);
		}
		if ((front && ub_fault_install()) || arena_make(&a))
			_exit(3);
		/* faults of the fast path's own are not fatal */
		if (ub_safe_read(&v, a.base + a.pg, 8) != -EFAULT)
			_exit(4);
		shared_arena = &a;
		own_err = "";
		if (how == 2 && !sigsetjmp(own_jmp, 1))
			(void)*(volatile char *)(a.base + a.pg);
		if (how == 1)
			kill(getpid(), sig);
		else
			(void)*(volatile char *)(a.base + (sig == SIGBUS ? 3 : 1) * a.pg);
		_exit(5);
	}
	return waitpid(pid, &st, 0) == pid ? st : -1;
}

TEST(safe_read_default_action_still_kills)
{
	static const struct {
		int sig, how; /* how: 0 fault, 1 kill(), 2 SA_RESETHAND then fault */
	} cases[] = { { SIGSEGV, 0 }, { SIGBUS, 0 }, { SIGSEGV, 1 }, { SIGBUS, 1 }, { SIGSEGV, 2 } };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int without = default_child(cases[i].sig, cases[i].how, false);
		int with = default_child(cases[i].sig, cases[i].how, true);

		if (WIFEXITED(with) && WEXITSTATUS(with) == 3)
			return test_skip("no fast path here");
		ASSERT_EQ(with, without);
#if !defined(__SANITIZE_ADDRESS__)
		ASSERT_TRUE(WIFSIGNALED(with));
		ASSERT_EQ(WTERMSIG(with), cases[i].sig);
#endif
	}
}

/*
 * A page that faulted sends the thread's next reads of it to the system
 * call for a while (a fault costs more); refused here by seccomp, they
 * fail until it is forgotten, after which the page, mapped since, reads.
 */
static void bad_cache_body(struct arena *a, char *why, size_t why_sz)
{
	char *p = a->base + a->pg;
	uint64_t v = 0;
	int i;

	ub_fault_cache_off = false;
	if (ub_safe_read(&v, p, 8) != -EFAULT)
		return (void)snprintf(why, why_sz, "first read");
	if (mprotect(p, (size_t)a->pg, PROT_READ))
		return (void)snprintf(why, why_sz, "mprotect");
	for (i = 0; i < 100 && ub_safe_read(&v, p, 8); i++)
		;
	if (i == 0 || i == 100)
		snprintf(why, why_sz, "%d reads before it read", i);
}

TEST(safe_read_fast_path_bad_page_cache)
{
	char why[256];

	if (!fast_child(bad_cache_body, true, why, sizeof(why)))
		return;
	ASSERT_STREQ(why, "");
}
