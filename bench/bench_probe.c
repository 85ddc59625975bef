/* SPDX-License-Identifier: MIT */
/*
 * bench_probe.c - per-hit cost of an in-process probe running an empty
 * program (r0 = 0; exit), in ns per call of the probed function minus the
 * same call unprobed:
 *
 *   uprobe    trampoline    jump patched at the entry (the fast path)
 *   uprobe    breakpoint    int3 + SIGTRAP, resumed in the trampoline
 *   uretprobe trampoline    entry trampoline + return trampoline
 *   uretprobe breakpoint    int3 at the entry + return trampoline
 *   usdt                    a sys/sdt.h probe (the nop patched like a
 *                           uprobe) running a program that reads its one
 *                           argument with bpf_usdt_arg (build/probe/usdt.bpf.o)
 *   uprobe+uretprobe        both on one function
 *   bare int3               int3 + an empty SIGTRAP handler: the floor of
 *                           the breakpoint path on this machine
 *   empty run               userbpf_prog__run of the program alone: the
 *                           floor of every userbpf row
 *   trampoline, no program  an entry probe whose link runs a no-op C hook
 *                           (the probe module's native hooks): what the
 *                           trampoline and the site's dispatch cost alone
 *   kernel uprobe           perf_event_open(uprobe PMU) + a kernel BPF
 *                           program (BPF_PROG_LOAD, ioctl SET_BPF), on
 *                           another copy of the function, same process
 *
 * Syscall tracepoints (added cost per getppid() call, in a child process
 * because a seccomp filter cannot be removed):
 *
 *   seccomp, untraced       a filter that traps another number only
 *   seccomp trap + program  sys_enter_getppid with the empty program, the
 *                           call made through syscall() in a child with
 *                           USERBPF_SYSCALL_TRAP_ONLY (nothing rewritten:
 *                           it traps)
 *   rewritten site          the same link, the call made through libc's
 *                           getppid() (its "mov $110,%eax" jumps to a
 *                           trampoline: no trap), in the default mode
 *                           (since stop 26 no filter where the scans prove
 *                           getppid covered; the label says how many)
 *   rewritten syscall()     the same through libc's syscall(), a dynamic
 *                           site (the number read from rax at run time);
 *                           both rewritten rows in a child whose only
 *                           tracepoint it is
 *   ..., a filter for it    the two rows again with
 *                           USERBPF_SYSCALL_FILTER_ALWAYS (one filter
 *                           trapping getppid: the default before stop 26)
 *   the same, 4 filters     the rewritten site again after three more
 *                           numbers were traced: the filter bound reached
 *   rewrite-only rows       the two rewritten rows again in a child with
 *                           USERBPF_SYSCALL_REWRITE_ONLY (never a filter)
 *   syscall user dispatch   prctl(PR_SET_SYSCALL_USER_DISPATCH) trap and
 *                           SIGSYS handler making the call (no program)
 *   kernel tracepoint       perf_event_open(tracepoint syscalls/
 *                           sys_enter_getppid) + a kernel BPF program
 *
 * Probe reads (--reads: these rows only), ns per ub_safe_read of this
 * process's memory, the path of every bpf_probe_read_user/kernel(_str):
 *
 *   process_vm_readv        the system call (and gettid) per read
 *   fault-handling, per call   the copy with its exception table
 *                           (util/fault_copy_posix.c, the front installed
 *                           by ub_fault_install), one rt_sigprocmask per
 *                           read (a read outside a program run)
 *   fault-handling, in a run   the same with the run's mask check done
 *                           (every read of a run after its first)
 *   ... of a PROT_NONE page    a read that faults: EFAULT from the system
 *                           call, or a SIGSEGV to the front and back
 *
 * Kernel functions (--kfunc: these rows only, in a child process): ns per
 * unlinkat() of a missing /tmp/kfunc_t... path, nothing attached, then
 * with tests/probe/kfunc.bpf.o's fentry and fexit on do_unlinkat (each
 * reads the path: probe_mem loads and bpf_probe_read_kernel_str) with
 * process_vm_readv reads, then with the fault-handling reads.
 *
 * Each userbpf row runs the program three ways: jit (USERBPF_RUN_UNCHECKED,
 * the program is trusted and runs as native code), interp (the same on
 * the interpreter) and checked (the default for an unverified program:
 * every access checked, an instruction budget).
 * Figures are the best of 5 batches.  Where the kernel refuses (not root,
 * no uprobe PMU) its row says why.  Usage: bench_probe [--json] [--quick]
 * [--syscalls] (the syscall rows only) [--reads] [--kfunc] [--uprobe] (the JIT's uprobe and
 * uretprobe trampoline rows only, best of 200 batches of 20,000 calls:
 * the hot path's figure on a noisy host) [--cpu] (time by the thread's
 * CPU clock, user + system, instead of the wall clock: steadier where
 * other processes share the CPUs)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "userbpf/userbpf.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"
#include "util/alloc.h"
#include "util/fault_copy.h"

long bench_fn_base(long a);
long bench_fn_tramp(long a);
long bench_fn_bp(long a);
long bench_fn_ret(long a);
long bench_fn_both(long a);
long bench_fn_kernel(long a);
long bench_fn_retbp(long a);
long bench_fn_native(long a);
#define BENCH_FN(name)                                                                             \
	".globl " #name "\n.type " #name ",@function\n" #name ":\n"                                \
	" push %rbp\n mov %rsp,%rbp\n lea 1(%rdi),%rax\n pop %rbp\n ret\n"                         \
	".size " #name ",.-" #name "\n"
__asm__(".text\n" BENCH_FN(bench_fn_base) BENCH_FN(bench_fn_tramp) BENCH_FN(bench_fn_bp)
		BENCH_FN(bench_fn_ret) BENCH_FN(bench_fn_both) BENCH_FN(bench_fn_kernel)
			BENCH_FN(bench_fn_retbp) BENCH_FN(bench_fn_native));

#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#define HAVE_SDT 1
__attribute__((noinline)) static long bench_fn_usdt(long a)
{
	STAP_PROBE1(ubbench, hit, a);
	__asm__ volatile("" ::: "memory");
	return a + 1;
}
#else
#define HAVE_SDT 0
#endif

static bool json;
static int batches = 5; /* best of this many batches (--uprobe: 15) */
/* --cpu: the thread's CPU time (user + system) instead of wall time; on a
 * loaded machine it leaves out the time other processes ran */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Best ns per call of fn over `batches` batches of n calls. */
static double time_calls(long (*volatile fn)(long), long n)
{
	double best = 1e30;
	int b;

	for (b = 0; b < batches; b++) {
		uint64_t t0 = now_ns();
		long i, s = 0;

		for (i = 0; i < n; i++)
			s += fn(i);
		if (s != n * (n + 1) / 2) {
			fprintf(stderr, "bench_probe: wrong result\n");
			exit(1);
		}
		double ns = (double)(now_ns() - t0) / (double)n;

		if (ns < best)
			best = ns;
	}
	return best;
}

static void report(const char *id, const char *what, double ns, double base, const char *note)
{
	if (json)
		printf("{\"bench\":\"probe\",\"id\":\"%s\",\"ns_per_hit\":%.1f}\n", id, ns - base);
	else
		printf("%-34s %8.1f ns/hit%s%s\n", what, ns - base, note ? "  " : "",
		       note ? note : "");
}

static void report_na(const char *id, const char *what, const char *why)
{
	if (json)
		printf("{\"bench\":\"probe\",\"id\":\"%s\",\"error\":\"%s\"}\n", id, why);
	else
		printf("%-34s      n/a       (%s)\n", what, why);
}

/* ==== Kernel uprobe ==== */

/* File offset of addr in its mapping, and the mapped file's path. */
static int file_offset(uint64_t addr, char *path, size_t path_sz, uint64_t *off)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, foff;
		int pos = 0;

		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %n", &start, &end, &foff, &pos) < 3)
			continue;
		if (addr >= start && addr < end && line[pos] == '/') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, path_sz, "%s", line + pos);
			*off = addr - start + foff;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

static int kernel_uprobe(uint64_t addr, int *perf_fd, char *why, size_t why_sz)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	struct perf_event_attr pa;
	char path[512], buf[32];
	uint64_t off = 0;
	int prog_fd, fd, type;
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		snprintf(why, why_sz, "no uprobe PMU");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	type = atoi(buf);
	if (file_offset(addr, path, sizeof(path), &off)) {
		snprintf(why, why_sz, "cannot find the file offset");
		return -1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_KPROBE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0) {
		snprintf(why, why_sz, "BPF_PROG_LOAD: %s", strerror(errno));
		return -1;
	}
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = (uint32_t)type;
	pa.config1 = (uint64_t)(uintptr_t)path;
	pa.config2 = off;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	fd = (int)syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_sz, "perf_event_open: %s", strerror(errno));
		close(prog_fd);
		return -1;
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		snprintf(why, why_sz, "SET_BPF: %s", strerror(errno));
		close(fd);
		close(prog_fd);
		return -1;
	}
	*perf_fd = fd;
	return prog_fd;
}

/* The probe module's own hooks (src/probe/probe_int.h): an entry probe
 * running a C function instead of a program. */
struct probe_pt_regs;
struct userbpf_link *probe_native_uprobe(const char *binary, const char *func,
					 void (*fn)(struct probe_pt_regs *regs));

static void native_nop(struct probe_pt_regs *regs)
{
	(void)regs;
}

/* ==== Syscalls ==== */

long probe_sc_gate(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern const char probe_sc_gate_end[];

/* getppid through a syscall instruction of this binary (which holds the
 * gate, so its code is never rewritten: a traced call traps). */
static long raw_getppid(void)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	return ret;
}

/* n calls of getppid through raw_getppid() (never filtered), or through
 * libc: getppid() ("mov $110,%eax; syscall": a static site, rewritten
 * into a jump to a trampoline when traced) or syscall() (a dynamic site,
 * also rewritten; it traps under USERBPF_SYSCALL_TRAP_ONLY). */
enum via { VIA_RAW, VIA_LIBC_WRAPPER, VIA_LIBC_SYSCALL };

static double time_getppid_via(long n, enum via via)
{
	double best = 1e30;
	int b;

	for (b = 0; b < 5; b++) {
		uint64_t t0 = now_ns();
		long i;

		if (via == VIA_LIBC_WRAPPER)
			for (i = 0; i < n; i++)
				getppid();
		else if (via == VIA_LIBC_SYSCALL)
			for (i = 0; i < n; i++)
				syscall(SYS_getppid);
		else
			for (i = 0; i < n; i++)
				raw_getppid();
		double ns = (double)(now_ns() - t0) / (double)n;

		if (ns < best)
			best = ns;
	}
	return best;
}

static double time_getppid(long n)
{
	return time_getppid_via(n, VIA_RAW);
}

static volatile char sud_selector;

static void sud_handler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	uc->uc_mcontext.gregs[REG_RAX] = probe_sc_gate(si->si_syscall, 0, 0, 0, 0, 0, 0);
	sud_selector = 0; /* SYSCALL_DISPATCH_FILTER_ALLOW: lets rt_sigreturn through */
}

/* SUD: each call re-arms the selector, traps, and is made by the handler. */
static double time_sud(long n, char *why, size_t why_sz)
{
	struct sigaction sa;
	uint64_t t0;
	long i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sud_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(59 /* PR_SET_SYSCALL_USER_DISPATCH */, 1 /* ON */,
		  (unsigned long)(uintptr_t)probe_sc_gate,
		  (unsigned long)((uintptr_t)probe_sc_gate_end + 1 - (uintptr_t)probe_sc_gate),
		  &sud_selector)) {
		snprintf(why, why_sz, "prctl: %s", strerror(errno));
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		sud_selector = 1; /* BLOCK */
		raw_getppid();
	}
	t0 = now_ns() - t0;
	sud_selector = 0;
	prctl(59, 0, 0, 0, 0);
	return (double)t0 / (double)n;
}

static int kernel_tracepoint(int *perf_fd, char *why, size_t why_sz)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	struct perf_event_attr pa;
	char buf[32];
	int prog_fd, fd;
	FILE *f;

	/* the kernel's tracepoint ids: root mounts tracefs where a machine
	 * has none mounted (left mounted: a later run reads it too) */
	if (access("/sys/kernel/tracing/events", F_OK) && geteuid() == 0)
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	f = fopen("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id", "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		snprintf(why, why_sz, "tracefs not mounted (as root it is mounted here)");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_TRACEPOINT;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0) {
		snprintf(why, why_sz, "BPF_PROG_LOAD: %s", strerror(errno));
		return -1;
	}
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = strtoull(buf, NULL, 10);
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	fd = (int)syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_sz, "perf_event_open: %s", strerror(errno));
		close(prog_fd);
		return -1;
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		snprintf(why, why_sz, "SET_BPF: %s", strerror(errno));
		close(fd);
		close(prog_fd);
		return -1;
	}
	*perf_fd = fd;
	return prog_fd;
}

/* The trap path, in a child of its own: nothing rewritten there. */
static void bench_trap(struct userbpf_prog *prog, long ntrap)
{
	USERBPF_OPTS(userbpf_uprobe_opts, o, .run_flags = USERBPF_RUN_UNCHECKED);
	double base;
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid > 0) {
		waitpid(pid, &st, 0);
		return;
	}
	setenv("USERBPF_SYSCALL_TRAP_ONLY", "1", 1);
	base = time_getppid_via(ntrap, VIA_LIBC_SYSCALL);
	if (userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_getppid", &o))
		report("seccomp_trap", "seccomp trap + program (jit)",
		       time_getppid_via(ntrap, VIA_LIBC_SYSCALL), base, NULL);
	fflush(stdout);
	_exit(0);
}

enum { RW_DEFAULT, RW_ONLY, RW_FILTER };
static void bench_rewritten(struct userbpf_prog *prog, long n, int mode);

/* In a child: the seccomp filter stays for the rest of its life. */
static void bench_syscalls(struct userbpf_prog *prog, long n, long ntrap)
{
	double base, base_libc, ns;
	char why[128];
	int pfd, kprog, st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (pid > 0) {
		waitpid(pid, &st, 0);
		bench_rewritten(prog, n, RW_DEFAULT);
		bench_rewritten(prog, n, RW_FILTER);
		bench_rewritten(prog, n, RW_ONLY);
		bench_trap(prog, ntrap);
		return;
	}
	base = time_getppid(n);
	base_libc = time_getppid_via(n, VIA_LIBC_WRAPPER);
	if (!json) {
		printf("%-34s %8.1f ns/call (subtracted below)\n", "syscall instruction (getppid)",
		       base);
		printf("%-34s %8.1f ns/call (subtracted from the rewritten row)\n", "getppid()",
		       base_libc);
	}
	kprog = kernel_tracepoint(&pfd, why, sizeof(why));
	if (kprog < 0) {
		report_na("kernel_sys_enter", "kernel tracepoint sys_enter + BPF", why);
	} else {
		report("kernel_sys_enter", "kernel tracepoint sys_enter + BPF", time_getppid(n),
		       base, NULL);
		close(pfd);
		close(kprog);
	}
	ns = time_sud(ntrap, why, sizeof(why));
	if (ns < 0)
		report_na("sud_trap", "syscall user dispatch trap", why);
	else
		report("sud_trap", "syscall user dispatch trap", ns, base, NULL);
	{
		USERBPF_OPTS(userbpf_uprobe_opts, o, .run_flags = USERBPF_RUN_UNCHECKED);
		struct userbpf_link *l =
			userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_getpgid", &o);

		if (!l) {
			report_na("seccomp_untraced", "seccomp filter, untraced call",
				  strerror(errno));
			fflush(stdout);
			_exit(0);
		}
		report("seccomp_untraced", "seccomp filter, untraced call", time_getppid(n), base,
		       NULL);
	}
	fflush(stdout);
	_exit(0);
}

/* Seccomp_filters of /proc/self/status (-1: no such line). */
static int seccomp_filters(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int k = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp_filters: %d", &k) == 1)
			break;
	fclose(f);
	return k;
}

/*
 * The rewritten sites, in a child of their own: sys_enter_getppid is the
 * process's only tracepoint.  mode RW_DEFAULT: what a user tracing one
 * syscall gets (no filter when the scans prove getppid covered);
 * RW_FILTER: one filter trapping getppid (USERBPF_SYSCALL_FILTER_ALWAYS),
 * then more numbers, one after another, up to the bound
 * (PROBE_SC_MAX_FILTERS: the last filter traps every number), and the
 * site again; RW_ONLY: USERBPF_SYSCALL_REWRITE_ONLY.
 */
static void bench_rewritten(struct userbpf_prog *prog, long n, int mode)
{
	USERBPF_OPTS(userbpf_uprobe_opts, o, .run_flags = USERBPF_RUN_UNCHECKED);
	static const char *const more[] = { "syscalls/sys_enter_getpgid",
					    "syscalls/sys_enter_getsid",
					    "syscalls/sys_enter_getpriority" };
	double base_libc;
	char label[96];
	int st;
	size_t i;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (pid > 0) {
		waitpid(pid, &st, 0);
		return;
	}
	base_libc = time_getppid_via(n, VIA_LIBC_WRAPPER);
	if (mode == RW_ONLY) {
		setenv("USERBPF_SYSCALL_REWRITE_ONLY", "1", 1);
		if (userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_getppid", &o)) {
			report("rewrite_only_site", "rewrite-only: site + program (jit)",
			       time_getppid_via(n, VIA_LIBC_WRAPPER), base_libc, NULL);
			report("rewrite_only_dyn_site", "rewrite-only: syscall() + program (jit)",
			       time_getppid_via(n, VIA_LIBC_SYSCALL), base_libc, NULL);
		}
		fflush(stdout);
		_exit(0);
	}
	if (mode == RW_FILTER)
		setenv("USERBPF_SYSCALL_FILTER_ALWAYS", "1", 1);
	if (!userbpf_probe__attach_syscall(prog, "syscalls/sys_enter_getppid", &o)) {
		fflush(stdout);
		_exit(0);
	}
	if (mode == RW_DEFAULT) {
		snprintf(label, sizeof(label), "rewritten site + program (jit), %d filters",
			 seccomp_filters());
		report("rewritten_site", label, time_getppid_via(n, VIA_LIBC_WRAPPER), base_libc,
		       NULL);
		report("rewritten_dyn_site", "rewritten syscall() + program (jit)",
		       time_getppid_via(n, VIA_LIBC_SYSCALL), base_libc, NULL);
		fflush(stdout);
		_exit(0);
	}
	report("rewritten_site_1f", "the same site, a filter for it",
	       time_getppid_via(n, VIA_LIBC_WRAPPER), base_libc, NULL);
	report("rewritten_dyn_site_1f", "the same syscall(), a filter for it",
	       time_getppid_via(n, VIA_LIBC_SYSCALL), base_libc, NULL);
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		userbpf_probe__attach_syscall(prog, more[i], &o);
	report("rewritten_site_4f", "the same, 4 filters (the bound)",
	       time_getppid_via(n, VIA_LIBC_WRAPPER), base_libc, NULL);
	fflush(stdout);
	_exit(0);
}

/* ==== References ==== */

static void empty_trap(int sig)
{
	(void)sig;
}

static double bare_int3(long n)
{
	struct sigaction sa, old;
	uint64_t t0;
	long i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = empty_trap;
	sigaction(SIGTRAP, &sa, &old);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		__asm__ volatile("int3");
	t0 = now_ns() - t0;
	sigaction(SIGTRAP, &old, NULL);
	return (double)t0 / (double)n;
}

static double empty_run(struct userbpf_prog *prog, uint32_t flags, long n)
{
	uint64_t regs[21] = { 0 }, r0, t0, best = ~0ull;
	int b;
	long i;

	for (b = 0; b < batches; b++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = regs, .ctx_size = sizeof(regs),
				     .flags = flags | USERBPF_RUN_HOST_READ);

			userbpf_prog__run(prog, &ro, &r0);
		}
		t0 = now_ns() - t0;
		if (t0 < best)
			best = t0;
	}
	return (double)best / (double)n;
}

/* ==== userbpf ==== */

static struct userbpf_link *attach(struct userbpf_prog *prog, long (*fn)(long), bool ret,
				   uint32_t mode, uint32_t flags)
{
	USERBPF_OPTS(userbpf_uprobe_opts, o, .mode = mode, .run_flags = flags);
	struct userbpf_link *l =
		userbpf_probe__attach_uprobe(prog, NULL, NULL, (uint64_t)(uintptr_t)fn, ret, &o);

	if (!l) {
		fprintf(stderr, "bench_probe: attach: %s\n", strerror(errno));
		exit(1);
	}
	return l;
}

struct kind {
	const char *name;
	uint32_t flags;
};

/* --uprobe: the JIT's trampoline rows and their parts */
static void bench_uprobe_jit(struct userbpf_prog *prog, long n, double base)
{
	struct userbpf_link *a, *b;

	report("empty_run_jit", "empty run, no probe (jit)",
	       empty_run(prog, USERBPF_RUN_UNCHECKED, n), 0, NULL);
	if (probe_native_uprobe(NULL, "bench_fn_native", native_nop))
		report("uprobe_trampoline_only", "uprobe trampoline, no program",
		       time_calls(bench_fn_native, n), base, NULL);
	a = attach(prog, bench_fn_tramp, false, USERBPF_PROBE_TRAMPOLINE, USERBPF_RUN_UNCHECKED);
	report("uprobe_trampoline_jit", "uprobe trampoline (jit)", time_calls(bench_fn_tramp, n),
	       base, NULL);
	userbpf_link__destroy(a);
	a = attach(prog, bench_fn_ret, true, USERBPF_PROBE_TRAMPOLINE, USERBPF_RUN_UNCHECKED);
	report("uretprobe_trampoline_jit", "uretprobe trampoline (jit)",
	       time_calls(bench_fn_ret, n), base, NULL);
	userbpf_link__destroy(a);
	a = attach(prog, bench_fn_both, false, USERBPF_PROBE_TRAMPOLINE, USERBPF_RUN_UNCHECKED);
	b = attach(prog, bench_fn_both, true, USERBPF_PROBE_TRAMPOLINE, USERBPF_RUN_UNCHECKED);
	report("uprobe_uretprobe_jit", "uprobe + uretprobe (jit)", time_calls(bench_fn_both, n),
	       base, NULL);
	userbpf_link__destroy(a);
	userbpf_link__destroy(b);
}

/* USDT: build/probe/usdt.bpf.o's bench_usdt on this binary's ubbench:hit */
static void bench_usdt(const char *self, long n, const struct kind *kinds, int nkinds)
{
#if HAVE_SDT
	char path[1024], why[256] = "";
	const char *slash = strrchr(self, '/');
	struct userbpf_object *obj;
	struct userbpf_program *p;
	double base = time_calls(bench_fn_usdt, n);
	int i;

	snprintf(path, sizeof(path), "%.*s/probe/usdt.bpf.o", slash ? (int)(slash - self) : 1,
		 slash ? self : ".");
	obj = userbpf_object__open_file(path, NULL);
	if (!obj || userbpf_object__load(obj)) {
		report_na("usdt", "usdt", "build/probe/usdt.bpf.o missing or not loadable");
		userbpf_object__close(obj);
		return;
	}
	p = userbpf_object__find_program_by_name(obj, "bench_usdt");
	for (i = 0; i < nkinds && p; i++) {
		USERBPF_OPTS(userbpf_usdt_opts, o, .run_flags = kinds[i].flags, .err_buf = why,
			     .err_buf_sz = sizeof(why));
		struct userbpf_link *l =
			userbpf_program__attach_usdt(p, "/proc/self/exe", "ubbench", "hit", &o);
		char id[64], what[64];

		snprintf(id, sizeof(id), "usdt_%s", kinds[i].name);
		snprintf(what, sizeof(what), "usdt, 1 arg read (%s)", kinds[i].name);
		if (!l) {
			report_na(id, what, why);
			continue;
		}
		report(id, what, time_calls(bench_fn_usdt, n), base, NULL);
		userbpf_link__destroy(l);
	}
	userbpf_object__close(obj);
#else
	(void)self, (void)n, (void)kinds, (void)nkinds;
	report_na("usdt", "usdt", "no sys/sdt.h");
#endif
}

/* ==== Probe reads ==== */

static char read_src[64] = "a path /tmp/kfunc_t1234_open, NUL-terminated";
static char *read_bad;
static uint8_t read_state;

static long read_sys8(long i)
{
	uint64_t v;

	return ub_safe_read(&v, read_src + (i & 7), 8) ? -1 : i + 1;
}

static long read_run8(long i)
{
	uint64_t v;

	return ub_safe_read_cached(&v, read_src + (i & 7), 8, &read_state) ? -1 : i + 1;
}

static long read_str32(long i)
{
	char buf[32];

	return ub_safe_read_str_cached(buf, read_src, sizeof(buf), &read_state) == 32 ? i + 1 : -1;
}

static long read_fault8(long i)
{
	uint64_t v;

	return ub_safe_read(&v, read_bad + (i & 7), 8) == -EFAULT ? i + 1 : -1;
}

/* a page of 64 each time: never the one the fast path remembers */
static long read_fault_new(long i)
{
	uint64_t v;

	return ub_safe_read(&v, read_bad + (i & 63) * 4096, 8) == -EFAULT ? i + 1 : -1;
}

static void bench_reads(long n)
{
	long nf = n / 20;

	read_bad = mmap(NULL, 64 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (read_bad == MAP_FAILED)
		return;
	report("read_vm8", "read 8 B, process_vm_readv", time_calls(read_sys8, n / 10), 0, NULL);
	report("read_vm_str32", "read_str 32 B, process_vm_readv", time_calls(read_str32, n / 10),
	       0, NULL);
	report("read_vm_fault", "read of PROT_NONE, process_vm_readv", time_calls(read_fault8, nf),
	       0, NULL);
	if (ub_fault_install()) {
		report_na("read_fast8", "read 8 B, fault-handling", "no front here");
		return;
	}
	report("read_fast8_call", "read 8 B, fault-handling, per call",
	       time_calls(read_sys8, n / 10), 0, NULL);
	read_state = 0;
	report("read_fast8_run", "read 8 B, fault-handling, in a run", time_calls(read_run8, n), 0,
	       NULL);
	report("read_fast_str32_run", "read_str 32 B, fault-handling, run",
	       time_calls(read_str32, n), 0, NULL);
	report("read_fast_fault", "read of PROT_NONE, fault-handling", time_calls(read_fault8, nf),
	       0, "again: the system call");
	report("read_fast_fault_new", "read of PROT_NONE, a fault each",
	       time_calls(read_fault_new, nf), 0, NULL);
	ub_fault_uninstall();
	munmap(read_bad, 64 * 4096);
}

/* ==== Kernel functions: fentry + fexit on do_unlinkat ==== */

static long unlink_missing(long i)
{
	return unlinkat(AT_FDCWD, "/tmp/kfunc_tbench_missing", 0) == -1 && errno == ENOENT ? i + 1 :
											     -1;
}

static void bench_kfunc(const char *self, long n)
{
	static const char *progs[] = { "fe_unlinkat", "fx_unlinkat" };
	char path[4096], *slash;
	struct userbpf_object *obj;
	struct userbpf_link *links[2];
	double base;
	pid_t pid;
	int i, st;

	fflush(stdout);
	pid = fork();
	if (pid) {
		waitpid(pid, &st, 0);
		return;
	}
	snprintf(path, sizeof(path), "%s", self);
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (size_t)(slash ? slash + 1 - path : 0),
		 "probe/kfunc.bpf.o");
	obj = userbpf_object__open_file(path, NULL);
	if (!obj || userbpf_object__load(obj)) {
		report_na("kfunc_unlinkat", "fentry+fexit do_unlinkat", "no probe/kfunc.bpf.o");
		_exit(0);
	}
	base = time_calls(unlink_missing, n);
	report("unlinkat", "unlinkat, nothing attached", base, 0, NULL);
	for (i = 0; i < 2; i++) {
		links[i] = userbpf_program__attach_opts(
			userbpf_object__find_program_by_name(obj, progs[i]), NULL);
		if (!links[i]) {
			report_na("kfunc_unlinkat", "fentry+fexit do_unlinkat", "cannot attach");
			_exit(0);
		}
	}
	report("kfunc_unlinkat_vm", "fentry+fexit do_unlinkat, pvr", time_calls(unlink_missing, n),
	       base, "per call, added");
	if (ub_fault_install())
		report_na("kfunc_unlinkat_fast", "fentry+fexit do_unlinkat, faults", "no front");
	else
		report("kfunc_unlinkat_fast", "fentry+fexit do_unlinkat, faults",
		       time_calls(unlink_missing, n), base, "per call, added");
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct userbpf_insn empty[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_KPROBE, .name = "empty");
	struct userbpf_prog *prog;
	long n = 2000000, nbp = 100000;
	double base;
	char why[128];
	int i, pfd = -1, kprog;
	static const struct kind kinds[] = { { "jit", USERBPF_RUN_UNCHECKED },
					     { "interp",
					       USERBPF_RUN_UNCHECKED | USERBPF_RUN_INTERPRETER },
					     { "checked", 0 } };
	const int nkinds = (int)(sizeof(kinds) / sizeof(kinds[0]));
	bool only_syscalls = false, only_uprobe = false, only_reads = false, only_kfunc = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--quick"))
			n = 200000, nbp = 20000;
		else if (!strcmp(argv[i], "--syscalls"))
			only_syscalls = true;
		else if (!strcmp(argv[i], "--uprobe"))
			only_uprobe = true;
		else if (!strcmp(argv[i], "--reads"))
			only_reads = true;
		else if (!strcmp(argv[i], "--kfunc"))
			only_kfunc = true;
		else if (!strcmp(argv[i], "--cpu"))
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
	}
	prog = userbpf_prog__new(empty, 2, &po);
	if (!prog)
		return 1;
	if (only_syscalls) {
		bench_syscalls(prog, n, nbp);
		userbpf_prog__put(prog);
		return 0;
	}
	if (only_reads || only_kfunc) {
		if (only_reads)
			bench_reads(n);
		if (only_kfunc)
			bench_kfunc(argv[0], nbp / 5);
		userbpf_prog__put(prog);
		return 0;
	}
	base = time_calls(bench_fn_base, n);
	if (!json)
		printf("%-34s %8.1f ns/call (subtracted below)\n", "unprobed call", base);
	if (only_uprobe) {
		/* many short batches: the best one is likelier unpreempted */
		batches = 200;
		n = 20000;
		base = time_calls(bench_fn_base, n);
		bench_uprobe_jit(prog, n, base);
		userbpf_prog__put(prog);
		return 0;
	}
	report("bare_int3", "bare int3 + SIGTRAP (reference)", bare_int3(nbp), 0, NULL);
	for (i = 0; i < nkinds; i++) {
		char rid[64], rwhat[64];

		snprintf(rid, sizeof(rid), "empty_run_%s", kinds[i].name);
		snprintf(rwhat, sizeof(rwhat), "empty run, no probe (%s)", kinds[i].name);
		report(rid, rwhat, empty_run(prog, kinds[i].flags, n), 0, NULL);
	}
	for (i = 0; i < nkinds; i++) {
		struct userbpf_link *a, *b;
		char id[64], what[64];
		double ns;

		a = attach(prog, bench_fn_tramp, false, USERBPF_PROBE_TRAMPOLINE, kinds[i].flags);
		ns = time_calls(bench_fn_tramp, n);
		snprintf(id, sizeof(id), "uprobe_trampoline_%s", kinds[i].name);
		snprintf(what, sizeof(what), "uprobe trampoline (%s)", kinds[i].name);
		report(id, what, ns, base, NULL);
		userbpf_link__destroy(a);

		a = attach(prog, bench_fn_bp, false, USERBPF_PROBE_BREAKPOINT, kinds[i].flags);
		ns = time_calls(bench_fn_bp, nbp);
		snprintf(id, sizeof(id), "uprobe_breakpoint_%s", kinds[i].name);
		snprintf(what, sizeof(what), "uprobe breakpoint (%s)", kinds[i].name);
		report(id, what, ns, base, NULL);
		userbpf_link__destroy(a);

		a = attach(prog, bench_fn_ret, true, USERBPF_PROBE_TRAMPOLINE, kinds[i].flags);
		ns = time_calls(bench_fn_ret, n);
		snprintf(id, sizeof(id), "uretprobe_trampoline_%s", kinds[i].name);
		snprintf(what, sizeof(what), "uretprobe trampoline (%s)", kinds[i].name);
		report(id, what, ns, base, NULL);
		userbpf_link__destroy(a);

		a = attach(prog, bench_fn_retbp, true, USERBPF_PROBE_BREAKPOINT, kinds[i].flags);
		ns = time_calls(bench_fn_retbp, nbp);
		snprintf(id, sizeof(id), "uretprobe_breakpoint_%s", kinds[i].name);
		snprintf(what, sizeof(what), "uretprobe breakpoint (%s)", kinds[i].name);
		report(id, what, ns, base, NULL);
		userbpf_link__destroy(a);

		a = attach(prog, bench_fn_both, false, USERBPF_PROBE_TRAMPOLINE, kinds[i].flags);
		b = attach(prog, bench_fn_both, true, USERBPF_PROBE_TRAMPOLINE, kinds[i].flags);
		ns = time_calls(bench_fn_both, n);
		snprintf(id, sizeof(id), "uprobe_uretprobe_%s", kinds[i].name);
		snprintf(what, sizeof(what), "uprobe + uretprobe (%s)", kinds[i].name);
		report(id, what, ns, base, NULL);
		userbpf_link__destroy(a);
		userbpf_link__destroy(b);
	}
	{
		/* the trampoline and the site's dispatch alone: a probe-module
		 * hook that does nothing, no program run */
		char name[32];

		snprintf(name, sizeof(name), "bench_fn_native");
		if (probe_native_uprobe(NULL, name, native_nop))
			report("uprobe_trampoline_only", "uprobe trampoline, no program",
			       time_calls(bench_fn_native, n), base, NULL);
		else
			report_na("uprobe_trampoline_only", "uprobe trampoline, no program",
				  "cannot attach");
	}
	bench_usdt(argv[0], n, kinds, nkinds);
	kprog = kernel_uprobe((uint64_t)(uintptr_t)bench_fn_kernel, &pfd, why, sizeof(why));
	if (kprog < 0) {
		report_na("kernel_uprobe", "kernel uprobe (perf_event + BPF)", why);
	} else {
		double ns = time_calls(bench_fn_kernel, nbp);

		report("kernel_uprobe", "kernel uprobe (perf_event + BPF)", ns, base, NULL);
		close(pfd);
		close(kprog);
	}
	bench_syscalls(prog, n, nbp);
	bench_reads(n);
	bench_kfunc(argv[0], nbp / 5);
	userbpf_prog__put(prog);
	return 0;
}
