// SPDX-License-Identifier: MIT
/*
 * test_examples_iter.c - iterator programs (tests/elf/vmlinux_iters.bpf.c)
 * as the public tools use them, run by userbpf_iter__run
 * (src/helpers/iter_host.c) and from the CLI (`userbpf iter`, `userbpf
 * run` of an iter program; tools/cmd_iter.c, cmd_object.c), with the
 * kernel as the oracle: the same object loaded by libbpf, its iterator
 * linked (to the same map for bpf_map_elem) and read.  Also the strong
 * kfunc bpf_sock_destroy the tcp iterator calls: both load it, and
 * userbpf answers -EOPNOTSUPP (it hands out no sockets to destroy).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test.h"
#include "test_bpf.h"
#include "test_loader.h"
#include "userbpf/iter.h"
#include "userbpf/map.h"

#define OUT_SZ 65536

/* A fixture opened with the built-in helpers, verified; NULL: skip. */
static struct userbpf_object *open_fixture(const char *name, char *path, size_t size)
{
	char err[512] = "";
	USERBPF_OPTS(userbpf_object_open_opts, oo, .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_object *obj;

	if (!loader_fixture(name, path, size)) {
		test_skip("%s.bpf.o not built (no clang or no kernel BTF)", name);
		return NULL;
	}
	obj = userbpf_object__open_file(path, &oo);
	if (!obj || userbpf_object__load(obj)) {
		test_fail(__FILE__, __LINE__, "open/load %s: %s", path,
			  obj ? userbpf_object__errmsg(obj) : err);
		userbpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static struct userbpf_prog *prog_of(struct userbpf_object *obj, const char *name)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, name);

	return p ? userbpf_program__prog(p) : NULL;
}

static struct userbpf_map *map_of(struct userbpf_object *obj, const char *name)
{
	struct userbpf_object_map *om = userbpf_object__find_map_by_name(obj, name);

	return om ? userbpf_object_map__map(om) : NULL;
}

/* Sort the lines of text in place (hash orders differ between sides). */
static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sorted_lines(char *text, char *out, size_t size)
{
	char *lines[256], *save = NULL, *l;
	size_t n = 0, i, off = 0;

	for (l = strtok_r(text, "\n", &save); l && n < 256; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	out[0] = '\0';
	for (i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(out + off, size - off, "%s\n", lines[i]);
}

/* ==== the kernel side ==== */

static struct bpf_object *kernel_open(const char *path)
{
	struct bpf_object *obj;

	libbpf_set_print(NULL);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return NULL;
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* Read prog's iterator (over map_fd when >= 0) into out; bytes or -errno. */
/* map_fd >= 0: a map element iterator's map; else task_pid > 0: a task
 * iterator narrowed to that process's threads. */
static long kernel_read_iter_task(struct bpf_object *obj, const char *prog, int map_fd,
				  int task_pid, char *out, size_t size)
{
	union bpf_iter_link_info info;
	LIBBPF_OPTS(bpf_iter_attach_opts, o);
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	struct bpf_link *link;
	long n = 0, r;
	int fd;

	memset(&info, 0, sizeof(info));
	if (map_fd >= 0) {
		info.map.map_fd = (uint32_t)map_fd;
		o.link_info = &info;
		o.link_info_len = sizeof(info);
	} else if (task_pid > 0) {
		info.task.pid = (uint32_t)task_pid;
		o.link_info = &info;
		o.link_info_len = sizeof(info);
	}
	link = p ? bpf_program__attach_iter(p, &o) : NULL;
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		bpf_link__destroy(link);
		return -errno;
	}
	while ((r = read(fd, out + n, size - 1 - (size_t)n)) > 0)
		n += r;
	out[n] = '\0';
	close(fd);
	bpf_link__destroy(link);
	return r < 0 ? -errno : n;
}

static long kernel_read_iter(struct bpf_object *obj, const char *prog, int map_fd, char *out,
			     size_t size)
{
	return kernel_read_iter_task(obj, prog, map_fd, 0, out, size);
}

/* ==== bpf_map_elem ==== */

static const struct {
	uint32_t key;
	uint64_t value;
} elems[] = { { 1, 10 }, { 2, 20 }, { 7, 70 }, { 40, 4000 } };

TEST(examples_iter_map_elem_matches_kernel)
{
	char path[512], *uout = malloc(OUT_SZ), *kout = malloc(OUT_SZ);
	char usorted[4096], ksorted[4096];
	struct userbpf_object *obj = open_fixture("vmlinux_iter_map", path, sizeof(path));
	struct bpf_object *kobj = NULL;
	struct userbpf_map *m;
	long n;
	size_t i;

	ASSERT_TRUE(uout && kout);
	if (!obj)
		goto out;
	m = map_of(obj, "counts");
	ASSERT_TRUE(m);
	for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++)
		ASSERT_OK(userbpf_map__update_elem(m, &elems[i].key, &elems[i].value, 0));
	{
		USERBPF_OPTS(userbpf_iter_opts, io, .map = m, .run_flags = USERBPF_RUN_CHECKED);

		n = userbpf_iter__run(prog_of(obj, "dump_counts"), "bpf_map_elem", uout, OUT_SZ,
				      &io);
	}
	ASSERT_TRUE(n > 0);
	ASSERT_CONTAINS(uout, "key=7 value=70\n");
	ASSERT_CONTAINS(uout, "elems=4 total=4100 shown=4\n");
	sorted_lines(uout, usorted, sizeof(usorted));

	if (!kernel_ok()) {
		test_skip("the kernel refuses bpf() here: kernel oracle skipped");
		goto out;
	}
	kobj = kernel_open(path);
	if (!kobj) {
		/* Linux 6.18 here answers EPERM before verifying it */
		test_skip("the kernel refuses %s (%s): kernel oracle skipped", path,
			  strerror(errno));
		goto out;
	}
	{
		int fd = bpf_map__fd(bpf_object__find_map_by_name(kobj, "counts"));

		for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++)
			ASSERT_OK(bpf_map_update_elem(fd, &elems[i].key, &elems[i].value, 0));
		n = kernel_read_iter(kobj, "dump_counts", fd, kout, OUT_SZ);
		ASSERT_TRUE(n > 0);
	}
	sorted_lines(kout, ksorted, sizeof(ksorted));
	ASSERT_STREQ(usorted, ksorted);
out:
	if (kobj)
		bpf_object__close(kobj);
	userbpf_object__close(obj);
	free(uout);
	free(kout);
}

/*
 * The value is the element itself, writable (the kernel's PTR_TO_BUF):
 * value += key for every element, as instructions (userbpf's verifier
 * does not take the write yet: "only read is supported"), run checked.
 * A per-CPU map's value is a copy: writes go nowhere.
 */
TEST(examples_iter_map_elem_writes_value)
{
	struct userbpf_insn insns[] = {
		USERBPF_LDX_MEM(USERBPF_DW, 2, 1, 16), /* key */
		USERBPF_LDX_MEM(USERBPF_DW, 3, 1, 24), /* value */
		USERBPF_JMP_IMM(USERBPF_JEQ, 3, 0, 4),
		USERBPF_LDX_MEM(USERBPF_W, 4, 2, 0),
		USERBPF_LDX_MEM(USERBPF_DW, 5, 3, 0),
		USERBPF_ALU64_REG(USERBPF_ADD, 5, 4),
		USERBPF_STX_MEM(USERBPF_DW, 3, 5, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_TRACING);
	USERBPF_OPTS(userbpf_iter_opts, io, .run_flags = USERBPF_RUN_CHECKED);
	struct userbpf_prog *prog = userbpf_prog__new(insns, sizeof(insns) / sizeof(insns[0]), &po);
	uint32_t types[2] = { USERBPF_MAP_TYPE_HASH, USERBPF_MAP_TYPE_PERCPU_HASH };
	char out[64];
	unsigned t;
	size_t i;

	ASSERT_TRUE(prog);
	for (t = 0; t < 2; t++) {
		struct userbpf_map *m = userbpf_map__create(types[t], "m", 4, 8, 8, NULL);
		uint64_t *v = calloc((size_t)userbpf_num_possible_cpus(), 8);

		ASSERT_TRUE(m && v);
		for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++) {
			v[0] = elems[i].value;
			ASSERT_OK(userbpf_map__update_elem(m, &elems[i].key, v, 0));
		}
		io.map = m;
		ASSERT_EQ(userbpf_iter__run(prog, "bpf_map_elem", out, sizeof(out), &io), 0);
		for (i = 0; i < sizeof(elems) / sizeof(elems[0]); i++) {
			ASSERT_OK(userbpf_map__lookup_elem(m, &elems[i].key, v, 0));
			ASSERT_EQ(v[0], elems[i].value + (t ? 0 : elems[i].key));
		}
		/* the map is required for bpf_map_elem, refused for others */
		ASSERT_EQ(userbpf_iter__run(prog, "bpf_map_elem", out, sizeof(out), NULL), -EINVAL);
		ASSERT_EQ(userbpf_iter__run(prog, "task", out, sizeof(out), &io), -EINVAL);
		userbpf_map__put(m);
		free(v);
	}
	userbpf_prog__free(prog);
}

/* ==== task ==== */

struct task_call {
	struct userbpf_prog *prog;
	char *out;
	long n;
	pid_t tid;
};

/* On a thread of its own: the task image it builds is that thread's. */
static void *task_thread(void *arg)
{
	struct task_call *c = arg;

	c->tid = (pid_t)syscall(SYS_gettid);
	c->n = userbpf_iter__run(c->prog, "task", c->out, OUT_SZ, NULL);
	return NULL;
}

TEST(examples_iter_task_matches_kernel_line)
{
	char path[512], *uout = malloc(OUT_SZ), *kout = malloc(OUT_SZ), want[128];
	struct userbpf_object *obj = open_fixture("vmlinux_iters", path, sizeof(path));
	struct bpf_object *kobj = NULL;
	struct task_call c = { NULL, uout, 0, 0 };
	pthread_t t;
	char *line;

	ASSERT_TRUE(uout && kout);
	if (!obj)
		goto out;
	c.prog = prog_of(obj, "task_line");
	ASSERT_OK(pthread_setname_np(pthread_self(), "iter-main"));
	ASSERT_OK(pthread_create(&t, NULL, task_thread, &c));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_TRUE(c.n > 0);
	snprintf(want, sizeof(want), "pid=%d tgid=%d comm=", c.tid, getpid());
	ASSERT_CONTAINS(uout, want);
	ASSERT_CONTAINS(uout, "\nend\n");
	if (!kernel_ok()) {
		test_skip("the kernel refuses bpf() here: kernel oracle skipped");
		goto out;
	}
	kobj = kernel_open(path);
	if (!kobj) {
		test_skip("the kernel refuses %s: kernel oracle skipped", path);
		goto out;
	}
	/* the kernel lists every task; the main thread's line is ours
	 * as userbpf prints it for the thread it ran on */
	ASSERT_TRUE(kernel_read_iter(kobj, "task_line", -1, kout, OUT_SZ) > 0);
	snprintf(want, sizeof(want), "pid=%d tgid=%d comm=iter-main\n", getpid(), getpid());
	ASSERT_CONTAINS(kout, want);
	line = strstr(uout, "pid=");
	ASSERT_TRUE(line != NULL);
	ASSERT_TRUE(strstr(kout, "\nend\n") != NULL);
out:
	if (kobj)
		bpf_object__close(kobj);
	userbpf_object__close(obj);
	free(uout);
	free(kout);
}

/* A thread that sleeps in a condition wait (state S) until released. */
struct sleeper {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool go;
	pid_t tid;
};

static void *sleeper_thread(void *arg)
{
	struct sleeper *sl = arg;

	pthread_setname_np(pthread_self(), "iter-sleeper");
	pthread_mutex_lock(&sl->lock);
	sl->tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&sl->cond);
	while (!sl->go)
		pthread_cond_wait(&sl->cond, &sl->lock);
	pthread_mutex_unlock(&sl->lock);
	return NULL;
}

/* Keep only the lines of s that start with one of the three prefixes, in
 * place. */
static void iter_lines_keep(char *s, char keep[3][32])
{
	char *line = s, *out = s, *nl;

	for (; *line; line = nl + 1) {
		size_t len;
		int k;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		len = (size_t)(nl - line) + 1;
		for (k = 0; k < 3; k++)
			if (!strncmp(line, keep[k], strlen(keep[k]))) {
				memmove(out, line, len);
				out += len;
				break;
			}
		if (!nl[1])
			break;
	}
	*out = '\0';
}

/* A thread blocked in read() of a pipe until a byte comes. */
struct reader {
	int fds[2];
	pid_t tid;
};

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	char c;

	pthread_setname_np(pthread_self(), "iter-reader");
	__atomic_store_n(&rd->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	if (read(rd->fds[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

/* Wait until thread tid is asleep (stat state S). */
static bool asleep(pid_t tid)
{
	char path[64], buf[512], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "re");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * iter/task visits every thread of the process, by thread id, with each
 * thread's own pid, tgid, __state, comm, group leader and parent: the
 * kernel's iterator narrowed to this process (bpf_iter_link_info.task.pid)
 * prints the same lines while the same threads live.  A tid filter
 * (task_tid) keeps one thread.
 */
TEST(examples_iter_task_every_thread_matches_kernel)
{
	char path[512], *uout = malloc(OUT_SZ), *kout = malloc(OUT_SZ), want[160];
	struct userbpf_object *obj = open_fixture("vmlinux_iters", path, sizeof(path));
	/* static: an assertion that returns early leaves the threads
	 * waiting on them, never on a dead stack frame */
	static struct sleeper sl = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,
				     0 };
	static struct reader rd;
	struct bpf_object *kobj = NULL;
	struct userbpf_prog *prog;
	pthread_t t, rt;
	char keep[3][32], old_name[16] = "";
	bool started = false, reading = false;
	long n;

	ASSERT_TRUE(uout && kout);
	if (!obj)
		goto out;
	prog = prog_of(obj, "task_state");
	ASSERT_TRUE(prog != NULL);
	sl.go = false;
	sl.tid = 0;
	rd = (struct reader){ { -1, -1 }, 0 };
	pthread_getname_np(pthread_self(), old_name, sizeof(old_name));
	ASSERT_OK(pthread_setname_np(pthread_self(), "iter-main"));
	ASSERT_OK(pthread_create(&t, NULL, sleeper_thread, &sl));
	started = true;
	pthread_mutex_lock(&sl.lock);
	while (!sl.tid)
		pthread_cond_wait(&sl.cond, &sl.lock);
	pthread_mutex_unlock(&sl.lock);
	ASSERT_OK(pipe(rd.fds));
	ASSERT_OK(pthread_create(&rt, NULL, reader_thread, &rd));
	reading = true;
	while (!__atomic_load_n(&rd.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_TRUE(asleep(sl.tid));
	ASSERT_TRUE(asleep(rd.tid));
	n = userbpf_iter__run(prog, "task", uout, OUT_SZ, NULL);
	ASSERT_TRUE(n > 0);
	/* the running thread: state 0 (TASK_RUNNING), its own leader */
	snprintf(want, sizeof(want), "pid=%d tgid=%d state=0 comm=iter-main leader=%d ppid=%d\n",
		 getpid(), getpid(), getpid(), getppid());
	ASSERT_CONTAINS(uout, want);
	/* blocked in read(): TASK_INTERRUPTIBLE, leader the main thread */
	snprintf(want, sizeof(want), "pid=%d tgid=%d state=1 comm=iter-reader leader=%d ppid=%d\n",
		 rd.tid, getpid(), getpid(), getppid());
	ASSERT_CONTAINS(uout, want);
	/* in a futex wait: TASK_INTERRUPTIBLE | TASK_FREEZABLE */
	snprintf(want, sizeof(want),
		 "pid=%d tgid=%d state=8193 comm=iter-sleeper leader=%d ppid=%d\n", sl.tid,
		 getpid(), getpid(), getppid());
	ASSERT_CONTAINS(uout, want);
	/* one thread only */
	{
		USERBPF_OPTS(userbpf_iter_opts, io, .task_tid = sl.tid);

		ASSERT_EQ(userbpf_iter__run(prog, "task", kout, OUT_SZ, &io), (long)strlen(want));
		ASSERT_STREQ(kout, want);
	}
	if (!kernel_ok()) {
		test_skip("the kernel refuses bpf() here: kernel oracle skipped");
		goto out;
	}
	kobj = kernel_open(path);
	if (!kobj) {
		test_skip("the kernel refuses %s: kernel oracle skipped", path);
		goto out;
	}
	snprintf(keep[0], sizeof(keep[0]), "pid=%d ", getpid());
	snprintf(keep[1], sizeof(keep[1]), "pid=%d ", sl.tid);
	snprintf(keep[2], sizeof(keep[2]), "pid=%d ", rd.tid);
	/* the same threads in the same order with the same fields; the
	 * thread that reads is running in both.  Only the lines of the
	 * test's three threads: others of the runner (a library's thread
	 * started meanwhile with the name it inherits) may change state in
	 * between.  A sleeper woken for a moment between the two reads is
	 * another snapshot: up to 5 pairs. */
	for (n = 0; n < 5; n++) {
		USERBPF_OPTS(userbpf_iter_opts, io, .task_pid = getpid());

		ASSERT_TRUE(kernel_read_iter_task(kobj, "task_state", -1, getpid(), kout, OUT_SZ) >
			    0);
		/* narrowed alike: the process's threads in its thread list's
		 * order (by id only while ids have not wrapped) */
		ASSERT_TRUE(userbpf_iter__run(prog, "task", uout, OUT_SZ, &io) > 0);
		iter_lines_keep(uout, keep);
		iter_lines_keep(kout, keep);
		if (!strcmp(uout, kout))
			break;
	}
	ASSERT_STREQ(uout, kout);
	ASSERT_CONTAINS(kout, keep[0]);
	ASSERT_CONTAINS(kout, keep[1]);
	ASSERT_CONTAINS(kout, keep[2]);
out:
	if (reading) {
		ASSERT_EQ(write(rd.fds[1], "x", 1), 1);
		pthread_join(rt, NULL);
	}
	if (rd.fds[0] >= 0) {
		close(rd.fds[0]);
		close(rd.fds[1]);
	}
	if (started) {
		pthread_mutex_lock(&sl.lock);
		sl.go = true;
		pthread_cond_broadcast(&sl.cond);
		pthread_mutex_unlock(&sl.lock);
		pthread_join(t, NULL);
	}
	if (kobj)
		bpf_object__close(kobj);
	if (old_name[0])
		pthread_setname_np(pthread_self(), old_name);
	userbpf_object__close(obj);
	free(uout);
	free(kout);
}

/* ==== tcp + the kfunc bpf_sock_destroy ==== */

TEST(examples_iter_tcp_kfunc_sock_destroy)
{
	char path[512], out[256];
	struct userbpf_object *obj = open_fixture("vmlinux_iters", path, sizeof(path));
	struct bpf_object *kobj;
	uint64_t *scanned, *destroyed, *destroy_err, r0 = 1, sk[64] = { 0 };
	uint64_t ctx[2] = { 0, (uint64_t)(uintptr_t)sk };
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
		     .flags = USERBPF_RUN_CHECKED);

	if (!obj)
		return;
	/* userbpf's tcp iterator has no sockets: only the final call */
	ASSERT_EQ(userbpf_iter__run(prog_of(obj, "kill_port"), "tcp", out, sizeof(out), NULL),
		  (long)strlen("scanned=0 destroyed=0\n"));
	ASSERT_STREQ(out, "scanned=0 destroyed=0\n");
	/* handed a socket (port 0 = victim_port), the kfunc answers */
	ASSERT_OK(userbpf_prog__run(prog_of(obj, "kill_port"), &ro, &r0));
	ASSERT_EQ(r0, 0);
	scanned = userbpf_object__global(obj, "scanned", NULL, NULL);
	destroyed = userbpf_object__global(obj, "destroyed", NULL, NULL);
	destroy_err = userbpf_object__global(obj, "destroy_err", NULL, NULL);
	ASSERT_TRUE(scanned && destroyed && destroy_err);
	ASSERT_EQ(*scanned, 1);
	ASSERT_EQ(*destroyed, 0);
	ASSERT_EQ((int64_t)*destroy_err, -EOPNOTSUPP);
	userbpf_object__close(obj);
	if (!kernel_ok())
		return;
	/* the kernel loads the same object, kfunc and all */
	kobj = kernel_open(path);
	if (!kobj) {
		test_skip("the kernel refuses %s (no bpf_sock_destroy?)", path);
		return;
	}
	bpf_object__close(kobj);
}

/* ==== the CLI ==== */

TEST(examples_iter_cli)
{
	/* %s: the object (m: vmlinux_iter_map, else vmlinux_iters); exact
	 * output or a part of it (stdout and stderr) */
	static const struct {
		bool map_obj;
		const char *args; /* after the object */
		int status;
		bool exact;
		const char *want;
	} c[] = {
		/* bpftool's "iter pin OBJ PATH map MAP" + cat: only the text */
		{ true, "dump_counts map counts", 0, true, "elems=0 total=0 shown=0\n" },
		{ true, "dump_counts", 1, false, "needs --map NAME" },
		{ false, "--prog kill_port", 0, true, "scanned=0 destroyed=0\n" },
		{ false, "task_line --engine interp", 0, false, " comm=userbpf\nend\n" },
		/* refusals: a missing map, a map for task, several programs */
		{ false, "task_line map nosuch", 1, false, "no map named 'nosuch'" },
		{ false, "task_line map .bss", 1, false,
		  "--map is for iter/bpf_map_elem programs" },
		{ false, "", 2, false, "several iterator programs" },
	};
	char path[512], mpath[512], args[1024], out[4096];
	size_t i;

	if (!loader_fixture("vmlinux_iters", path, sizeof(path)) ||
	    !loader_fixture("vmlinux_iter_map", mpath, sizeof(mpath))) {
		test_skip("vmlinux_iters.bpf.o not built");
		return;
	}
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(args, sizeof(args), "iter %s %s", c[i].map_obj ? mpath : path, c[i].args);
		ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), c[i].status);
		if (c[i].exact)
			ASSERT_STREQ(out, c[i].want);
		else
			ASSERT_CONTAINS(out, c[i].want);
	}
	/* run prints the text after retval and duration */
	snprintf(args, sizeof(args), "run %s --prog task_line", path);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "retval: 0\n");
	ASSERT_CONTAINS(out, " comm=userbpf\nend\n");
}
