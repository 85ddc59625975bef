/* SPDX-License-Identifier: MIT */
/*
 * faultee - a program with faults of its own, for test_trace_fault.c
 * (traced: a probe on faultee_point reads bad addresses meanwhile).
 *
 *   faultee handler N   a SIGSEGV and SIGBUS handler (SA_SIGINFO) that
 *                       records each fault and siglongjmps back; N rounds
 *                       of faultee_point() then a fault of its own on a
 *                       PROT_NONE page (SIGSEGV) or a file truncated under
 *                       its mapping (SIGBUS); prints "caught N of N" and
 *                       the action it reads back
 *   faultee dfl|bus     faultee_point() then a fault with SIG_DFL: the
 *                       process dies of SIGSEGV (or SIGBUS)
 *
 * A third argument "noreadv" has a seccomp filter refuse process_vm_readv
 * first (EPERM): the probe's good reads then succeed only without it.
 *
 * Built as the libbpf applications are (mk/probe.mk); it uses no libbpf.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../unit/refuse_vm_readv.h"

static sigjmp_buf back;
static void *volatile fault_addr;
static volatile int fault_sig;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_addr = si->si_addr;
	siglongjmp(back, 1);
}

/* The probe's point: bad is unreadable, good holds 8 bytes of 0x5a and
 * "ok". */
__attribute__((noinline, used)) int faultee_point(const char *bad, const char *good)
{
	__asm__ volatile("" ::"r"(bad), "r"(good) : "memory");
	return good[0] + 1;
}

int main(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char path[] = "/tmp/faultee-XXXXXX", *none, *bus, *good;
	volatile int i, n = argc > 2 ? atoi(argv[2]) : 3, caught = 0;
	struct rlimit no_core = { 0, 0 };
	struct sigaction sa, now;
	int fd = mkstemp(path);

	if (argc < 2 || m == MAP_FAILED || fd < 0)
		return 2;
	if (argc > 3 && !strcmp(argv[3], "noreadv") && refuse_process_vm_readv())
		return 2;
	setrlimit(RLIMIT_CORE, &no_core);
	unlink(path);
	none = m + pg;
	bus = m + 2 * pg;
	good = m;
	memset(good, 0x5a, 8);
	strcpy(good + 8, "ok");
	if (mprotect(none, (size_t)pg, PROT_NONE) || ftruncate(fd, pg) ||
	    mmap(bus, (size_t)pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    ftruncate(fd, 0))
		return 2;
	if (!strcmp(argv[1], "dfl") || !strcmp(argv[1], "bus")) {
		faultee_point(none, good);
		(void)*(volatile char *)(argv[1][0] == 'b' ? bus : none);
		return 3;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		return 2;
	for (i = 0; i < n; i++) {
		char *at = i & 1 ? bus : none;

		faultee_point(none, good);
		fault_sig = 0;
		if (!sigsetjmp(back, 1))
			(void)*(volatile char *)at;
		if (fault_sig == (i & 1 ? SIGBUS : SIGSEGV) && fault_addr == at)
			caught++;
	}
	sigaction(SIGSEGV, NULL, &now);
	printf("caught %d of %d, handler %s\n", caught, n,
	       (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_fault ? "ours" : "other");
	return 0;
}
