/* SPDX-License-Identifier: MIT */
/*
 * test_syscall_tp.c - syscall tracepoints in process: sys_enter_NAME and
 * sys_exit_NAME records (arguments at offset 16, return value at 16, the
 * number at 8), raw sys_enter (args[1] = number), detach, untraceable and
 * unknown syscalls.  The seccomp filter cannot be removed, so each test
 * runs in a forked child and reports its map values through a pipe.
 */
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

/* map[0] += 1; map[1] = ctx[16..24) (raw: ctx[0..8), the regs); map[2] = ctx[8..16) */
static struct userbpf_prog *counter(uint32_t type, struct userbpf_map **mapp)
{
	struct userbpf_map *map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "sc", 4, 8, 4, NULL);
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		PROBE_FIXTURE_INC(0),
		PROBE_FIXTURE_LOOKUP(1, 2),
		USERBPF_LDX_MEM(USERBPF_DW, 1, 6,
				type == USERBPF_PROG_TYPE_RAW_TRACEPOINT ? 0 : 16),
		USERBPF_STX_MEM(USERBPF_DW, 0, 1, 0),
		PROBE_FIXTURE_LOOKUP(2, 2),
		USERBPF_LDX_MEM(USERBPF_DW, 1, 6, 8),
		USERBPF_STX_MEM(USERBPF_DW, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = type, .name = "sc");

	*mapp = map;
	return map ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
}

static uint64_t get(struct userbpf_map *m, uint32_t k)
{
	uint64_t v = 0;

	userbpf_map__lookup_elem(m, &k, &v, 0);
	return v;
}

/* Child side: attach, make syscalls, report 9 values (or an errno). */
static void child(int fd)
{
	struct userbpf_map *me, *mx, *mr;
	struct userbpf_prog *pe = counter(USERBPF_PROG_TYPE_TRACEPOINT, &me);
	struct userbpf_prog *px = counter(USERBPF_PROG_TYPE_TRACEPOINT, &mx);
	struct userbpf_prog *pr = counter(USERBPF_PROG_TYPE_RAW_TRACEPOINT, &mr);
	struct userbpf_link *le, *lx, *lr;
	uint64_t out[10] = { 0 };
	int i;

	le = userbpf_probe__attach_syscall(pe, "syscalls/sys_enter_lseek", NULL);
	lx = userbpf_probe__attach_syscall(px, "syscalls/sys_exit_lseek", NULL);
	lr = userbpf_probe__attach_syscall(pr, "sys_enter", NULL);
	if (!le || !lx || !lr) {
		out[9] = (uint64_t)errno;
		goto report;
	}
	for (i = 0; i < 3; i++)
		out[8] += (uint64_t)syscall(SYS_lseek, 77, 1000 + i, SEEK_SET) == (uint64_t)-1 &&
			  errno == EBADF;
	out[0] = get(me, 0); /* 3 */
	out[1] = get(me, 1); /* fd 77 */
	out[2] = get(me, 2); /* nr 8 */
	out[3] = get(mx, 0); /* 3 */
	out[4] = get(mx, 1); /* -EBADF */
	out[5] = get(mr, 0); /* >= 3: every syscall */
	userbpf_link__destroy(le);
	syscall(SYS_lseek, 77, 5, SEEK_SET);
	out[6] = get(me, 0); /* still 3 after detach */
	out[7] = get(mx, 0); /* 4 */
report:
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_enter_exit_raw)
{
	uint64_t v[10];

	ASSERT_EQ(probe_fixture_child(child, v, sizeof(v)), 0);
	ASSERT_EQ(v[9], 0); /* attach errno */
	ASSERT_EQ(v[8], 3); /* the syscalls still work: EBADF each */
	ASSERT_EQ(v[0], 3);
	ASSERT_EQ(v[1], 77);
	ASSERT_EQ(v[2], SYS_lseek);
	ASSERT_EQ(v[3], 3);
	ASSERT_EQ(v[4], (uint64_t)-EBADF);
	ASSERT_TRUE(v[5] >= 3);
	ASSERT_EQ(v[6], 3);
	ASSERT_EQ(v[7], 4);
}

TEST(syscall_tp_errors)
{
	struct userbpf_map *m;
	struct userbpf_prog *p = counter(USERBPF_PROG_TYPE_TRACEPOINT, &m);
	char err[128];
	USERBPF_OPTS(userbpf_uprobe_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	ASSERT_TRUE(p);
	/* neither installs a filter: safe in the test process */
	ASSERT_TRUE(!userbpf_probe__attach_syscall(p, "syscalls/sys_enter_nosuch", &o));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STREQ(err, "no syscall named 'nosuch'");
	/* execve attaches to the exec hooks (test_exec_hook.c); clone never */
	ASSERT_TRUE(!userbpf_probe__attach_syscall(p, "syscalls/sys_enter_clone", &o));
	ASSERT_EQ(errno, EOPNOTSUPP);
	ASSERT_STREQ(err, "syscall 56 cannot be traced in process");
	userbpf_prog__put(p);
	userbpf_map__put(m);
}

/* fork + execv(path, argv) in the calling process; the child's status. */
static int spawn_wait(const char *path, char *const argv[])
{
	pid_t c = fork();
	int st = -1;

	if (c == 0) {
		execv(path, argv);
		_exit(126);
	}
	if (c < 0 || waitpid(c, &st, 0) != c)
		return -1;
	return st;
}

/*
 * Child side of syscall_tp_exec_survives: every syscall traced (raw
 * sys_enter and sys_exit_openat), then fork + exec of /bin/true and of a
 * dynamic program of ours.  The new images run without the handler (the
 * filter stays): before the filter kept to the code of the files mapped at
 * attach time, their loader died of SIGSYS (status 159).  Reports the two
 * statuses and the openat count of this image (the exec'd images' opens
 * are not ours to see).
 */
static void exec_child(int fd)
{
	struct userbpf_map *mr, *mo;
	struct userbpf_prog *pr = counter(USERBPF_PROG_TYPE_RAW_TRACEPOINT, &mr);
	struct userbpf_prog *po = counter(USERBPF_PROG_TYPE_TRACEPOINT, &mo);
	char target[512];
	static char a0[] = "true", b0[] = "uprobe_target", b1[] = "1", b2[] = "7";
	char *true_argv[] = { a0, NULL };
	char *our_argv[] = { b0, b1, b2, NULL };
	uint64_t out[4] = { 0 };
	int devnull;

	snprintf(target, sizeof(target), "%s/examples/uprobe_target", test_build_dir());
	if (!userbpf_probe__attach_syscall(pr, "sys_enter", NULL) ||
	    !userbpf_probe__attach_syscall(po, "syscalls/sys_exit_openat", NULL))
		out[3] = (uint64_t)errno;
	devnull = open("/dev/null", O_WRONLY); /* one traced openat */
	out[0] = (uint64_t)spawn_wait("/bin/true", true_argv);
	dup2(devnull, 1);
	out[1] = access(target, X_OK) ? 7 << 8 : (uint64_t)spawn_wait(target, our_argv);
	out[2] = get(mo, 0);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_exec_survives)
{
	uint64_t v[4];

	ASSERT_EQ(probe_fixture_child(exec_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[3], 0); /* attach errno */
	ASSERT_TRUE(WIFEXITED(v[0]));
	ASSERT_EQ(WEXITSTATUS(v[0]), 0); /* /bin/true, not SIGSYS */
	ASSERT_TRUE(WIFEXITED(v[1]));
	ASSERT_EQ(WEXITSTATUS(v[1]), 7); /* our dynamic program ran to its end */
	ASSERT_EQ(v[2], 1);		 /* the one openat of this image */
}

/*
 * Child side of syscall_tp_many_code_mappings: 100 one-page executable
 * maps of a file, each a page apart, and 64 executable memfd maps (a
 * JIT's code, like our own arena's), before a sys_enter_lseek probe
 * attaches.  The filter holds 48 ranges: the file maps' gaps are merged,
 * the memfd maps are not code of a file.  Reports the attach errno, the
 * lseek count, the status of /bin/true run after it (the merged gaps did
 * not trap its loader).
 */
#define MANY_FILE_MAPS 100
#define MANY_MEMFD_MAPS 64
static void many_maps_child(int fd)
{
	struct userbpf_map *me;
	struct userbpf_prog *pe = counter(USERBPF_PROG_TYPE_TRACEPOINT, &me);
	static char a0[] = "true";
	char *true_argv[] = { a0, NULL };
	uint64_t out[4] = { 0 };
	long page = sysconf(_SC_PAGESIZE);
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int mfd = memfd_create("many-maps", MFD_CLOEXEC);
	char *area = mmap(NULL, (size_t)page * 2 * MANY_FILE_MAPS, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (exe < 0 || mfd < 0 || area == MAP_FAILED || ftruncate(mfd, page)) {
		out[3] = 1;
		goto report;
	}
	for (i = 0; i < MANY_FILE_MAPS; i++)
		if (mmap(area + (size_t)page * 2 * i, (size_t)page, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_FIXED, exe, 0) == MAP_FAILED)
			out[3] = 2;
	for (i = 0; i < MANY_MEMFD_MAPS; i++) /* the kernel places them apart or not */
		if (mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_SHARED, mfd, 0) ==
		    MAP_FAILED)
			out[3] = 3;
	if (out[3])
		goto report;
	if (!userbpf_probe__attach_syscall(pe, "syscalls/sys_enter_lseek", NULL)) {
		out[0] = (uint64_t)errno;
		goto report;
	}
	for (i = 0; i < 3; i++)
		syscall(SYS_lseek, 77, i, SEEK_SET);
	out[1] = get(me, 0);
	out[2] = (uint64_t)spawn_wait("/bin/true", true_argv);
report:
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_many_code_mappings)
{
	uint64_t v[4];

	ASSERT_EQ(probe_fixture_child(many_maps_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[3], 0); /* the maps were made */
	ASSERT_EQ(v[0], 0); /* attach errno: E2BIG before the merging */
	ASSERT_EQ(v[1], 3);
	ASSERT_TRUE(WIFEXITED(v[2]));
	ASSERT_EQ(WEXITSTATUS(v[2]), 0);
}

/* ==== Rewritten syscall sites ==== */

#define RW_THREADS 8
#define RW_CALLS 1000
static _Atomic int rw_phase, rw_ready;

static void *rw_thread(void *arg)
{
	long ppid = 0;

	(void)arg;
	while (atomic_load(&rw_phase) == 0) /* calls while the site is patched */
		ppid += getppid() > 0;
	atomic_fetch_add(&rw_ready, 1);
	while (atomic_load(&rw_phase) == 1)
		;
	for (int i = 0; i < RW_CALLS; i++)
		ppid += getppid() > 0;
	return (void *)ppid;
}

/*
 * Child side of syscall_tp_rewritten_sites: eight threads call libc's
 * getppid() (its "mov $110,%eax; syscall" becomes a jump to a
 * trampoline) while sys_enter_getppid and sys_exit_getppid attach, then
 * RW_CALLS times each; plus 10 calls through syscall(), whose site is not
 * of that form and still traps.  Reports the first byte of getppid, the
 * enter and exit counts of the second phase, the last return value seen,
 * the number seen, getppid() itself.
 */
static void rewrite_child(int fd)
{
	struct userbpf_map *me, *mx;
	struct userbpf_prog *pe = counter(USERBPF_PROG_TYPE_TRACEPOINT, &me);
	struct userbpf_prog *px = counter(USERBPF_PROG_TYPE_TRACEPOINT, &mx);
	pthread_t t[RW_THREADS];
	uint64_t out[7] = { 0 }, zero = 0;
	uint32_t k0 = 0;
	int i;

	for (i = 0; i < RW_THREADS; i++)
		pthread_create(&t[i], NULL, rw_thread, NULL);
	if (!userbpf_probe__attach_syscall(pe, "syscalls/sys_enter_getppid", NULL) ||
	    !userbpf_probe__attach_syscall(px, "syscalls/sys_exit_getppid", NULL))
		out[6] = (uint64_t)errno;
	atomic_store(&rw_phase, 1);
	while (atomic_load(&rw_ready) < RW_THREADS)
		;
	userbpf_map__update_elem(me, &k0, &zero, 0);
	userbpf_map__update_elem(mx, &k0, &zero, 0);
	atomic_store(&rw_phase, 2);
	for (i = 0; i < RW_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 10; i++)
		syscall(SYS_getppid);
	out[0] = *(volatile uint8_t *)(uintptr_t)getppid;
	out[1] = get(me, 0);
	out[2] = get(mx, 0);
	out[3] = get(mx, 1);
	out[4] = get(mx, 2);
	out[5] = (uint64_t)getppid();
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_rewritten_sites)
{
	uint64_t v[7];

	ASSERT_EQ(probe_fixture_child(rewrite_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[6], 0);    /* attach errno */
	ASSERT_EQ(v[0], 0xe9); /* getppid's mov is a jmp now */
	ASSERT_EQ(v[1], RW_THREADS * RW_CALLS + 10);
	ASSERT_EQ(v[2], RW_THREADS * RW_CALLS + 10);
	ASSERT_EQ(v[3], (uint64_t)getpid()); /* the child's parent: us */
	ASSERT_EQ(v[4], SYS_getppid);
	ASSERT_EQ(v[5], (uint64_t)getpid());
}

/*
 * Child side of syscall_tp_dynamic_sites: sys_enter_getppid and
 * sys_enter_read attached; libc's syscall() ("mov %rdi,%rax ... syscall")
 * and read() ("xor %eax,%eax; syscall", on both its single-threaded and
 * its cancellable path) are dynamic sites, rewritten: no call traps.
 * Reports: traps during the calls, getppid enters, read enters, the
 * bytes read right, syscall(SYS_getppid)'s result, the same for the
 * threaded phase (traps, read enters), and an untraced syscall()'s
 * result (getpid through the original instruction).
 */
#include "probe/probe_int.h"

static void *dyn_thread(void *arg)
{
	return arg;
}

static void dyn_child(int fd)
{
	struct userbpf_map *mg, *mr;
	struct userbpf_prog *pg = counter(USERBPF_PROG_TYPE_TRACEPOINT, &mg);
	struct userbpf_prog *pr = counter(USERBPF_PROG_TYPE_TRACEPOINT, &mr);
	uint64_t out[9] = { 0 }, traps;
	int p[2], i, ok = 1;
	pthread_t t;
	char c;

	if (pipe(p) || !userbpf_probe__attach_syscall(pg, "syscalls/sys_enter_getppid", NULL) ||
	    !userbpf_probe__attach_syscall(pr, "syscalls/sys_enter_read", NULL))
		_exit(3);
	traps = atomic_load(&probe_sc_traps);
	for (i = 0; i < 10; i++) {
		out[4] = (uint64_t)syscall(SYS_getppid);
		if (write(p[1], "x", 1) != 1 || read(p[0], &c, 1) != 1 || c != 'x')
			ok = 0;
	}
	out[0] = atomic_load(&probe_sc_traps) - traps;
	out[1] = get(mg, 0);
	out[2] = get(mr, 0);
	out[3] = (uint64_t)ok;
	/* a second thread: read takes its cancellable path */
	pthread_create(&t, NULL, dyn_thread, NULL);
	pthread_join(t, NULL);
	traps = atomic_load(&probe_sc_traps);
	for (i = 0; i < 10; i++)
		if (write(p[1], "y", 1) != 1 || read(p[0], &c, 1) != 1 || c != 'y')
			ok = 0;
	out[5] = atomic_load(&probe_sc_traps) - traps;
	out[6] = get(mr, 0);
	out[7] = (uint64_t)ok;
	out[8] = (uint64_t)syscall(SYS_getpid);
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_dynamic_sites)
{
	uint64_t v[9];

	ASSERT_EQ(probe_fixture_child(dyn_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 0);  /* no trap */
	ASSERT_EQ(v[1], 10); /* syscall(SYS_getppid) */
	ASSERT_EQ(v[2], 10); /* read, single-threaded path */
	ASSERT_EQ(v[3], 1);
	ASSERT_EQ(v[4], (uint64_t)getpid());
	ASSERT_EQ(v[5], 0);  /* no trap */
	ASSERT_EQ(v[6], 20); /* read, cancellable path */
	ASSERT_EQ(v[7], 1);
	ASSERT_TRUE(v[8] != 0 && v[8] != (uint64_t)getpid()); /* the child's own */
}

/*
 * Child side of syscall_tp_dlopen_rescanned: sys_enter_getppid attached,
 * then a library dlopen'ed whose getppid site is "mov $110,%eax;
 * syscall": it is rewritten (the _dl_debug_state hook) and does not trap.
 * Reports: whether the library loaded, traps during 10 calls, the enter
 * count, the first byte of the site, the last result.
 */
static void dlopen_child(int fd)
{
	struct userbpf_map *mg;
	struct userbpf_prog *pg = counter(USERBPF_PROG_TYPE_TRACEPOINT, &mg);
	uint64_t out[5] = { 0 }, traps;
	char path[512];
	long (*fn)(void);
	void *h;
	int i;

	if (!userbpf_probe__attach_syscall(pg, "syscalls/sys_enter_getppid", NULL))
		_exit(3);
	snprintf(path, sizeof(path), "%s/probe/libdlsys.so", test_build_dir());
	h = dlopen(path, RTLD_NOW);
	fn = h ? (long (*)(void))dlsym(h, "dlsys_getppid") : NULL;
	out[0] = fn != NULL;
	if (fn) {
		userbpf_map__update_elem(mg, &(uint32_t){ 0 }, &(uint64_t){ 0 }, 0);
		traps = atomic_load(&probe_sc_traps);
		for (i = 0; i < 10; i++)
			out[4] = (uint64_t)fn();
		out[1] = atomic_load(&probe_sc_traps) - traps;
		out[2] = get(mg, 0);
		out[3] = *(volatile uint8_t *)(uintptr_t)fn;
	}
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_dlopen_rescanned)
{
	uint64_t v[5];

	ASSERT_EQ(probe_fixture_child(dlopen_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[0], 1);
	ASSERT_EQ(v[1], 0);    /* no trap */
	ASSERT_EQ(v[2], 10);   /* every call seen */
	ASSERT_EQ(v[3], 0xe9); /* the mov is a jump */
	ASSERT_EQ(v[4], (uint64_t)getpid());
}
