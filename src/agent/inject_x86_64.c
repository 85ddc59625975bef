/* SPDX-License-Identifier: MIT */
/*
 * inject_x86_64.c - load the tracing agent into a running process
 * ("userbpf trace --pid N"): ptrace-stop its main thread, make it call
 * dlopen(agent, RTLD_NOW) with a return address of 0, catch the SIGSEGV
 * that return raises, restore the thread's registers and detach.  x86-64
 * Linux, glibc >= 2.34 (dlopen in libc.so.6, found at the same offset as
 * in this process's libc, which must be the same file).
 *
 * The interrupted thread's registers are restored with orig_rax = -1
 * during the call, so a syscall it was blocked in is not restarted
 * under the call; after the restore it sees that syscall end with EINTR
 * (what a signal would do), or restarts it where the kernel restarts it.
 *
 * Used by the CLI only (tools/cmd_trace.c); hidden in the library.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_proto.h"

/* Start of the mapping of file (same inode) at file offset 0 in pid. */
static unsigned long map_base(pid_t pid, const struct stat *file)
{
	char path[64], line[1024];
	unsigned long start, off, ino;
	unsigned maj, min;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%*x %*s %lx %x:%x %lu", &start, &off, &maj, &min, &ino) ==
			    5 &&
		    off == 0 && ino == file->st_ino) {
			fclose(f);
			return start;
		}
	fclose(f);
	return 0;
}

/*
 * Whether pid's executable is statically linked: no PT_INTERP (no
 * dynamic loader, so no libc.so whose dlopen could load the agent; a
 * static-pie has none either) and no libc.so mapped.  False when it
 * cannot be read (the attach then says why).
 */
static bool exe_static(pid_t pid)
{
	char path[64];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i;
	bool is_static = false;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(ph)) {
		is_static = true;
		for (i = 0; i < eh.e_phnum; i++) {
			if (pread(fd, &ph, sizeof(ph),
				  (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph)) {
				is_static = false;
				break;
			}
			if (ph.p_type == PT_INTERP) {
				is_static = false;
				break;
			}
		}
	}
	close(fd);
	if (is_static) { /* ld.so run as the program has no PT_INTERP either */
		char line[1024];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
		f = fopen(path, "re");
		while (f && is_static && fgets(line, sizeof(line), f))
			if (strstr(line, "/libc.so"))
				is_static = false;
		if (f)
			fclose(f);
	}
	return is_static;
}

static int wait_stop(pid_t pid, int *sig)
{
	int st;

	for (;;) {
		if (waitpid(pid, &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return -ESRCH;
		if (WIFSTOPPED(st)) {
			*sig = WSTOPSIG(st);
			return 0;
		}
	}
}

/*
 * Make pid dlopen(agent).  0, or -errno with the reason in err.
 */
int agent_inject(pid_t pid, const char *agent, char *err, size_t err_sz)
{
	struct user_regs_struct saved, r;
	unsigned long base_here, base_there, fn, str;
	struct stat libc_st;
	Dl_info info;
	void *dl = dlsym(RTLD_DEFAULT, "dlopen");
	size_t len = strlen(agent) + 1;
	struct iovec local, remote;
	uint64_t zero = 0;
	int sig = 0, ret;

	if (!dl || !dladdr(dl, &info) || !info.dli_fname || stat(info.dli_fname, &libc_st)) {
		snprintf(err, err_sz, "cannot find dlopen in this process's libc");
		return -ENOENT;
	}
	base_here = (unsigned long)info.dli_fbase;
	if (exe_static(pid)) { /* before any stop: the process is left alone */
		snprintf(err, err_sz,
			 "process %d is statically linked: no dynamic loader or libc.so in it to "
			 "load the agent with (--pid needs a dynamically linked program)",
			 (int)pid);
		return -ENOEXEC;
	}
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL)) {
		ret = -errno;
		snprintf(err, err_sz,
			 "cannot attach to process %d: %s (ptrace needs the same user "
			 "and no yama restriction, or CAP_SYS_PTRACE)",
			 (int)pid, strerror(errno));
		return ret;
	}
	ret = wait_stop(pid, &sig);
	if (ret) {
		snprintf(err, err_sz, "process %d went away", (int)pid);
		return ret;
	}
	base_there = map_base(pid, &libc_st);
	if (!base_there) {
		snprintf(err, err_sz, "process %d does not map %s (not the same libc, or static)",
			 (int)pid, info.dli_fname);
		ret = -ENOENT;
		goto detach;
	}
	fn = base_there + ((unsigned long)dl - base_here);
	if (ptrace(PTRACE_GETREGS, pid, NULL, &saved)) {
		ret = -errno;
		snprintf(err, err_sz, "PTRACE_GETREGS: %s", strerror(errno));
		goto detach;
	}
	r = saved;
	/* below the red zone: the path, then a return address of 0 */
	str = (saved.rsp - 128 - len - 64) & ~15ul;
	local.iov_base = (void *)agent;
	local.iov_len = len;
	remote.iov_base = (void *)str;
	remote.iov_len = len;
	if (process_vm_writev(pid, &local, 1, &remote, 1, 0) != (ssize_t)len) {
		ret = -errno;
		snprintf(err, err_sz, "cannot write into process %d: %s", (int)pid,
			 strerror(errno));
		goto detach;
	}
	r.rsp = str - 64 - 8; /* as after a call: rsp % 16 == 8 */
	local.iov_base = &zero;
	local.iov_len = 8;
	remote.iov_base = (void *)r.rsp;
	remote.iov_len = 8;
	if (process_vm_writev(pid, &local, 1, &remote, 1, 0) != 8) {
		ret = -errno;
		snprintf(err, err_sz, "cannot write into process %d: %s", (int)pid,
			 strerror(errno));
		goto detach;
	}
	r.rip = fn;
	r.rdi = str;
	r.rsi = RTLD_NOW;
	r.rax = 0;
	r.orig_rax = (unsigned long)-1;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &r)) {
		ret = -errno;
		snprintf(err, err_sz, "PTRACE_SETREGS: %s", strerror(errno));
		goto detach;
	}
	sig = 0;
	for (;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig)) {
			ret = -errno;
			goto restore;
		}
		ret = wait_stop(pid, &sig);
		if (ret) {
			snprintf(err, err_sz, "process %d died during the injection", (int)pid);
			return ret;
		}
		if (sig == SIGSEGV) {
			if (ptrace(PTRACE_GETREGS, pid, NULL, &r) || r.rip != 0) {
				snprintf(err, err_sz, "process %d crashed in dlopen", (int)pid);
				ret = -EFAULT;
				goto restore;
			}
			break;
		}
		/*
		 * Only the attach's SIGSTOP is ours.  Any other signal is the
		 * thread's own and is delivered: a SIGTRAP above all, the int3
		 * of a site the agent is patching (x86_64_tramp.c: patch), met
		 * by this thread itself when the site is libc's syscall() and
		 * the patch calls syscall(SYS_membarrier); swallowing it left
		 * the thread one byte into a half-written jmp (SIGILL).
		 */
		if (sig == SIGSTOP)
			sig = 0;
	}
	if (!r.rax) {
		snprintf(err, err_sz, "dlopen(%s) failed in process %d", agent, (int)pid);
		ret = -ENOEXEC;
	}
restore:
	ptrace(PTRACE_SETREGS, pid, NULL, &saved);
detach:
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return ret;
}
