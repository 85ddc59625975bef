/* SPDX-License-Identifier: MIT */
/*
 * dfork.c - run by test_launch.c in a domain (and on the kernel, the
 * oracle): what a child gets from its parent.
 * "dfork maps": a child forked without exec uses the descriptors it
 * inherited: looks up and updates the hash map, reads map and program
 * info, maps .bss (an mmapable array) and writes it, consumes the ring
 * buffer (records its own calls of df_emit put there, through the
 * parent's uprobe) with epoll, and closes the map's descriptor; then the
 * parent sees the child's update, its .bss write and an empty ring, and
 * its own descriptor still works.
 * "dfork spawn": children started with posix_spawn and vfork + exec are
 * processes of the domain: they open the map by id ("dfork member ID K")
 * and store K times its key 1 value under key K.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_util.h"
#include "dfork.h"
#include "dfork.skel.h"

extern char **environ;

__attribute__((noinline)) int df_emit(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

__attribute__((noinline)) int df_hit(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

static int got[8], ngot;

static int on_rec(void *ctx, void *data, size_t sz)
{
	(void)ctx;
	if (sz == sizeof(struct dfork_rec) && ngot < 8)
		got[ngot++] = ((struct dfork_rec *)data)->v;
	return 0;
}

static unsigned long long lookup(int fd, __u32 k)
{
	unsigned long long v = 0;

	if (bpf_map_lookup_elem(fd, &k, &v))
		return ~0ull;
	return v;
}

/* The forked child of "dfork maps": every step through inherited fds. */
static int maps_child(struct dfork_bpf *skel)
{
	int kv = bpf_map__fd(skel->maps.kv), rbfd = bpf_map__fd(skel->maps.rb);
	int bss = bpf_map__fd(skel->maps.bss), prog = bpf_program__fd(skel->progs.on_emit);
	struct bpf_map_info mi;
	struct bpf_prog_info pi;
	__u32 len, k = 2;
	unsigned long long v = 20;
	__typeof__(*skel->bss) *b;
	struct ring_buffer *r;
	int i, err;

	printf("child: kv[1] = %llu\n", lookup(kv, 1));
	printf("child: update kv[2]: %d\n", bpf_map_update_elem(kv, &k, &v, BPF_ANY));
	memset(&mi, 0, sizeof(mi));
	len = sizeof(mi);
	err = bpf_obj_get_info_by_fd(kv, &mi, &len);
	printf("child: map info: %d %s type %u\n", err, mi.name, mi.type);
	memset(&pi, 0, sizeof(pi));
	len = sizeof(pi);
	err = bpf_obj_get_info_by_fd(prog, &pi, &len);
	printf("child: prog info: %d %s\n", err, pi.name);
	b = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, bss, 0);
	if (b != MAP_FAILED) {
		b->child_set = 42;
		munmap(b, (size_t)sysconf(_SC_PAGESIZE));
	}
	printf("child: mmap of .bss: %s\n", b == MAP_FAILED ? strerror(errno) : "ok");
	r = ring_buffer__new(rbfd, on_rec, NULL, NULL);
	if (!r)
		return 2;
	df_emit(7);
	df_emit(8);
	for (i = 0; i < 100 && ngot < 2; i++)
		ring_buffer__poll(r, 50);
	printf("child: ring got %d:%s%s\n", ngot, ngot > 0 && got[0] == 7 ? " 7" : "",
	       ngot > 1 && got[1] == 8 ? " 8" : "");
	ring_buffer__free(r);
	close(kv);
	err = bpf_map_lookup_elem(kv, &k, &v) ? -errno : 0;
	printf("child: lookup after close: %d\n", err);
	fflush(stdout);
	return 0;
}

static int maps(void)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "df_emit");
	struct dfork_bpf *skel = dfork_bpf__open_and_load();
	struct ring_buffer *r;
	__u32 k = 1;
	unsigned long long v = 10;
	int kv, st = 0, n;
	pid_t kid;

	if (!skel)
		return 2;
	skel->links.on_emit =
		bpf_program__attach_uprobe_opts(skel->progs.on_emit, -1, "/proc/self/exe", 0, &uo);
	if (!skel->links.on_emit)
		return 3;
	kv = bpf_map__fd(skel->maps.kv);
	if (bpf_map_update_elem(kv, &k, &v, BPF_ANY))
		return 4;
	fflush(stdout);
	kid = fork();
	if (kid == 0)
		_exit(maps_child(skel));
	if (kid < 0 || waitpid(kid, &st, 0) != kid)
		return 5;
	printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	printf("parent: kv[2] = %llu\n", lookup(kv, 2));
	printf("parent: .bss child_set = %llu\n", (unsigned long long)skel->bss->child_set);
	printf("parent: kv[1] = %llu\n", lookup(kv, 1));
	r = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec, NULL, NULL);
	n = r ? ring_buffer__consume(r) : -1;
	printf("parent: ring records left %d\n", n);
	ring_buffer__free(r);
	dfork_bpf__destroy(skel);
	return 0;
}

/* "dfork member ID K": kv[K] = K * kv[1] through the map of id ID. */
static int member(const char *id, const char *key)
{
	int fd = bpf_map_get_fd_by_id((__u32)atoi(id));
	__u32 k = (__u32)atoi(key);
	unsigned long long v;

	if (fd < 0)
		return 10;
	v = lookup(fd, 1);
	if (v == ~0ull)
		return 11;
	v *= k;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? 12 : 0;
}

static int spawn(void)
{
	struct dfork_bpf *skel = dfork_bpf__open_and_load();
	struct bpf_map_info mi;
	__u32 k = 1, len = sizeof(mi);
	unsigned long long v = 10;
	char id[16];
	char *av[] = { "dfork", "member", id, "3", NULL };
	int kv, st = -1;
	pid_t kid;

	if (!skel)
		return 2;
	kv = bpf_map__fd(skel->maps.kv);
	memset(&mi, 0, sizeof(mi));
	if (bpf_map_update_elem(kv, &k, &v, BPF_ANY) || bpf_obj_get_info_by_fd(kv, &mi, &len))
		return 3;
	snprintf(id, sizeof(id), "%u", mi.id);
	fflush(stdout);
	if (posix_spawn(&kid, "/proc/self/exe", NULL, NULL, av, environ) ||
	    waitpid(kid, &st, 0) != kid)
		return 4;
	printf("posix_spawn child: exit %d, kv[3] = %llu\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       lookup(kv, 3));
	av[3] = "4";
	fflush(stdout);
	kid = vfork();
	if (kid == 0) {
		execv("/proc/self/exe", av);
		_exit(127);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid)
		return 5;
	printf("vfork child: exit %d, kv[4] = %llu\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       lookup(kv, 4));
	dfork_bpf__destroy(skel);
	return 0;
}

static volatile int kill_in_child;

static void child_dies(void)
{
	if (kill_in_child)
		raise(SIGKILL);
}

static int maps_left(const char *name)
{
	int tries, n = 0;

	for (tries = 0; tries < 100 && (n = app_maps_named(name)); tries++)
		usleep(10000);
	return n;
}

static int earlykill(void)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "df_hit");
	struct dfork_bpf *skel = dfork_bpf__open_and_load();
	char name[16];
	int mfd;
	struct bpf_link *link;
	unsigned long long before;
	int st = 0, stops = 0, i;
	pid_t kid;

	/* a name of its own: the kernel lists every process's maps */
	snprintf(name, sizeof(name), "dfe%d", (int)getpid());
	mfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 1, NULL);
	if (!skel || mfd < 0)
		return 2;
	link = bpf_program__attach_uprobe_opts(skel->progs.on_hit, -1, "/proc/self/exe", 0, &uo);
	if (!link)
		return 3;
	pthread_atfork(NULL, NULL, child_dies);
	kill_in_child = 1;
	fflush(stdout);
	kid = fork();
	if (kid == 0)
		_exit(0); /* not reached */
	kill_in_child = 0;
	if (kid < 0 || waitpid(kid, &st, 0) != kid)
		return 4;
	printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	close(mfd);
	printf("our map listed after close: %d\n", maps_left(name));
	bpf_link__destroy(link);
	/* a detach shows within a second */
	for (i = 0; i < 50 && !stops; i++) {
		before = skel->bss->hits;
		df_hit(1);
		stops = skel->bss->hits == before;
		if (!stops)
			usleep(20000);
	}
	printf("our link destroyed, runs here: %s\n", stops ? "no" : "yes");
	dfork_bpf__destroy(skel);
	return 0;
}

/* Whether a call of df_hit runs on_hit here (the count moves); a
 * detach, which the domain's members see within their sync period, is
 * waited for up to a second when want_stop. */
static bool hit_runs(struct dfork_bpf *skel, bool want_stop)
{
	unsigned long long before;
	bool runs = true;
	int i;

	for (i = 0; i < (want_stop ? 50 : 1) && runs; i++) {
		if (i)
			usleep(20000);
		before = skel->bss->hits;
		df_hit(1);
		runs = skel->bss->hits != before;
	}
	return runs;
}

static int probes(const char *how)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "df_hit");
	struct dfork_bpf *skel = dfork_bpf__open_and_load();
	bool wait = !strcmp(how, "wait");
	struct bpf_link *link;
	int p[2], q[2], st = 0, lfd;
	pid_t kid;
	char c;

	if (!skel || pipe(p) || pipe(q))
		return 2;
	link = bpf_program__attach_uprobe_opts(skel->progs.on_hit, -1, "/proc/self/exe", 0, &uo);
	if (!link)
		return 3;
	lfd = bpf_link__fd(link);
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		close(lfd);
		printf("child 1 closed its descriptor, runs there: %s\n",
		       hit_runs(skel, false) ? "yes" : "no");
		_exit(0);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid)
		return 4;
	printf("runs here: %s\n", hit_runs(skel, false) ? "yes" : "no");
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		/* told when we destroyed ours; then holds it until told to
		 * close it (wait) or past our exit (exit) */
		close(p[1]);
		close(q[0]);
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		printf("parent destroyed its link, runs in child 2: %s\n",
		       hit_runs(skel, false) ? "yes" : "no");
		fflush(stdout);
		if (write(q[1], "r", 1) != 1 || read(p[0], &c, 1) != !!wait)
			_exit(1);
		if (!wait) {
			unsigned long long before;

			/* our parent is gone (end of file): the probe keeps
			 * counting here while we hold the link */
			usleep(100000);
			printf("parent gone, runs in child 2: %s\n",
			       hit_runs(skel, false) ? "yes" : "no");
			usleep(300000);
			before = skel->bss->hits;
			df_hit(1);
			df_hit(2);
			df_hit(3);
			printf("3 calls later, counted in child 2: %llu\n",
			       skel->bss->hits - before);
		}
		close(lfd);
		printf("child 2 closed the last descriptor, stops there: %s\n",
		       hit_runs(skel, true) ? "no" : "yes");
		fflush(stdout);
		_exit(wait && write(q[1], "c", 1) != 1);
	}
	if (kid < 0)
		return 5;
	close(p[0]);
	close(q[1]);
	bpf_link__destroy(link);
	usleep(100000); /* a detach would have happened by now */
	if (write(p[1], "d", 1) != 1 || read(q[0], &c, 1) != 1)
		return 6;
	printf("parent destroyed its link, runs here: %s\n", hit_runs(skel, false) ? "yes" : "no");
	fflush(stdout);
	if (!strcmp(how, "kill"))
		kill(getpid(), SIGKILL); /* killed: no exit path runs */
	if (!wait) {
		/* exits without destroying the skeleton: the process's end
		 * closes its descriptors (and the pipe: child 2 goes on) */
		_exit(0);
	}
	if (write(p[1], "c", 1) != 1 || read(q[0], &c, 1) != 1 || waitpid(kid, &st, 0) != kid)
		return 7;
	printf("child 2 exit %d, stops here: %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       hit_runs(skel, true) ? "no" : "yes");
	dfork_bpf__destroy(skel);
	return 0;
}

static int pidreuse(void)
{
	char *av[] = { "sleep", "10", NULL }, *env[] = { NULL }, name[16];
	pid_t kid, other;
	int p[2], st = 0, m;
	FILE *f;
	char c;

	/* a name of its own: the kernel lists every process's maps (our
	 * pid in its namespace, and the time) */
	snprintf(name, sizeof(name), "dfr%lx", (long)time(NULL) & 0xffffff);
	m = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 1, NULL);
	if (m < 0 || pipe(p))
		return 2;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		/* holds the inherited descriptor until killed */
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	if (kid < 0)
		return 3;
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	printf("child: signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	if (!f || fprintf(f, "%d", kid - 1) < 0 || fclose(f))
		return 4;
	if (posix_spawn(&other, "/bin/sleep", NULL, NULL, av, env))
		return 5;
	printf("its pid reused outside the domain: %s\n", other == kid ? "yes" : "no");
	close(m);
	printf("our map listed after close: %d\n", maps_left(name));
	kill(other, SIGKILL);
	waitpid(other, &st, 0);
	return 0;
}

/*
 * "dfork ring": a map made with bpf_map_create and the skeleton's ring
 * buffer; the forked child updates the map through its inherited
 * descriptor and calls df_emit twice (the parent's uprobe, pid -1, runs
 * there and puts the records in the ring); the parent sees the value and
 * the child's two records.
 */
static int ring(void)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "df_emit");
	struct dfork_bpf *skel = dfork_bpf__open_and_load();
	struct ring_buffer *r;
	unsigned long long v = 0;
	int mfd, st = 0, n;
	__u32 k = 0;
	pid_t kid;

	mfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dfring", 4, 8, 1, NULL);
	if (!skel || mfd < 0)
		return 2;
	skel->links.on_emit =
		bpf_program__attach_uprobe_opts(skel->progs.on_emit, -1, "/proc/self/exe", 0, &uo);
	if (!skel->links.on_emit)
		return 3;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		v = 77;
		if (bpf_map_update_elem(mfd, &k, &v, BPF_ANY))
			_exit(1);
		df_emit(5);
		df_emit(6);
		_exit(0);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid)
		return 4;
	printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	printf("parent: map value %llu\n", bpf_map_lookup_elem(mfd, &k, &v) ? ~0ull : v);
	r = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec, NULL, NULL);
	n = r ? ring_buffer__consume(r) : -1;
	printf("parent: ring got %d:%s%s\n", n, ngot > 0 && got[0] == 5 ? " 5" : "",
	       ngot > 1 && got[1] == 6 ? " 6" : "");
	ring_buffer__free(r);
	close(mfd);
	dfork_bpf__destroy(skel);
	return 0;
}

/* "dfork orphan-parent GO DONE V" (orphan, below): the child's fork
 * handler waits for a byte on GO, which the observer sends once we have
 * exited and been reaped. */
static int orphan_go = -1;

static void orphan_child_waits(void)
{
	char c;

	if (orphan_go >= 0 && read(orphan_go, &c, 1) != 1)
		_exit(9);
}

static int orphan_parent(int go, int done, bool verbose)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "df_emit");
	struct dfork_bpf *skel = dfork_bpf__open_and_load();
	unsigned long long v = 10;
	struct ring_buffer *r;
	__u32 k = 1;
	pid_t kid, parent;
	int i;

	if (!skel)
		return 2;
	skel->links.on_emit =
		bpf_program__attach_uprobe_opts(skel->progs.on_emit, -1, "/proc/self/exe", 0, &uo);
	if (!skel->links.on_emit || bpf_map_update_elem(bpf_map__fd(skel->maps.kv), &k, &v, 0))
		return 3;
	orphan_go = go;
	parent = getpid();
	pthread_atfork(NULL, NULL, orphan_child_waits);
	fflush(stdout);
	kid = fork();
	if (kid < 0)
		return 4;
	if (kid > 0) {
		/* exits at once, its objects left to the process's end */
		close(done);
		return 0;
	}
	/* the child: we were let go once the parent had exited */
	if (verbose) {
		printf("child: parent gone first: %s\n",
		       kill(parent, 0) && errno == ESRCH ? "yes" : "no");
		printf("child: kv[1] = %llu\n", lookup(bpf_map__fd(skel->maps.kv), 1));
	}
	k = 3;
	v = 30;
	i = bpf_map_update_elem(bpf_map__fd(skel->maps.kv), &k, &v, BPF_ANY);
	if (verbose)
		printf("child: update kv[3]: %d, kv[3] = %llu\n", i,
		       lookup(bpf_map__fd(skel->maps.kv), 3));
	r = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec, NULL, NULL);
	df_emit(4);
	for (i = 0; r && i < 100 && ngot < 1; i++)
		ring_buffer__poll(r, 20);
	if (verbose)
		printf("child: ring got %d:%s\n", ngot, ngot > 0 && got[0] == 4 ? " 4" : "");
	ring_buffer__free(r);
	fflush(stdout);
	_exit(0);
}

#define ARENA_WORD(off) (*(volatile unsigned long long *)(0x200000000000UL + (off)))

/* Whether this process maps a launch domain's arena (not on the kernel). */
static bool in_arena(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "200000000000-", 13);
	if (f)
		fclose(f);
	return found;
}

/*
 * "dfork orphan N": N times, a parent (this binary exec'd) makes a map,
 * a ring buffer and a uprobe link, forks a child and exits at once; the
 * child's fork handler holds it until the parent has exited and we (the
 * observer) have reaped it (listing objects), then it uses the objects it
 * inherited: the map, the probe (the parent's link) and the ring.  The
 * parent's exit never waits for the child (if it did, it would wait for
 * a child that waits for it).  In a domain, the arena's heap in use and
 * private blocks after each cycle (both gone) are those after the first.
 */
static int orphan(int cycles)
{
	unsigned long long heap1 = 0, priv1 = 0;
	long long dheap = 0, dpriv = 0;
	bool arena = in_arena();
	int c;

	for (c = 0; c < cycles; c++) {
		int go[2], done[2], st = 0;
		char gos[16], dones[16];
		char *av[] = { "dfork", "orphan-parent", gos, dones, c ? "0" : "1", NULL };
		pid_t p;

		if (pipe(go) || pipe(done))
			return 2;
		snprintf(gos, sizeof(gos), "%d", go[0]);
		snprintf(dones, sizeof(dones), "%d", done[1]);
		fflush(stdout);
		p = fork();
		if (p == 0) {
			close(go[1]);
			close(done[0]);
			execv("/proc/self/exe", av);
			_exit(127);
		}
		close(go[0]);
		close(done[1]);
		if (p < 0 || waitpid(p, &st, 0) != p)
			return 3;
		if (!c)
			printf("parent exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		/* the parent is gone: reaped (objects listed), then the child
		 * goes on */
		app_maps_named("kv");
		if (write(go[1], "g", 1) != 1 || read(done[0], gos, 1) != 0)
			return 4;
		close(go[1]);
		close(done[0]);
		if (!arena)
			continue;
		/* the child's end: reaped too */
		usleep(10000);
		app_maps_named("kv");
		if (!c) {
			heap1 = ARENA_WORD(32);
			priv1 = ARENA_WORD(48);
		} else {
			dheap += llabs((long long)(ARENA_WORD(32) - heap1));
			dpriv += llabs((long long)(ARENA_WORD(48) - priv1));
		}
	}
	if (arena)
		printf("after cycles 2-%d, differences from cycle 1: heap %lld bytes, private "
		       "blocks %lld\n",
		       cycles, dheap, dpriv);
	return 0;
}

/* "dfork killparent-parent GO DONE STOPPED NAME" (killparent, below):
 * makes map NAME (key 0 = 42) and forks; the child's fork handler waits
 * for a byte on GO, then the child uses its inherited descriptor and
 * writes what it saw to DONE.  In a domain the parent stops inside its
 * fork (USERBPF_DOMAIN_FAULT=fork: after the fork, before naming the
 * child's uses); on the kernel it says so on STOPPED and waits.  Either
 * way the observer kills it there. */
static int kp_go = -1;
static bool in_arena(void);

static void kp_child_waits(void)
{
	char c;

	if (kp_go >= 0 && read(kp_go, &c, 1) != 1)
		_exit(9);
}

static int killparent_parent(int go, int done, int stopped, const char *name)
{
	unsigned long long v = 42;
	char line[64];
	__u32 k = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 1, NULL), n, err;
	pid_t kid;

	if (fd < 0 || bpf_map_update_elem(fd, &k, &v, BPF_ANY))
		return 2;
	kp_go = go;
	pthread_atfork(NULL, NULL, kp_child_waits);
	fflush(stdout);
	kid = fork();
	if (kid < 0)
		return 3;
	if (kid > 0) {
		if (write(stopped, "s", 1) != 1)
			return 4;
		for (;;)
			pause(); /* killed here */
	}
	/* the child: our parent was killed and reaped meanwhile */
	v = 0;
	err = bpf_map_lookup_elem(fd, &k, &v) ? -errno : 0;
	n = snprintf(line, sizeof(line), "child: lookup %d, value %llu", err, v);
	v = 43;
	err = bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
	n += snprintf(line + n, sizeof(line) - (size_t)n, ", update %d\n", err);
	_exit(write(done, line, (size_t)n) == n ? 0 : 1);
}

/*
 * "dfork killparent": a parent (this binary exec'd) is killed between
 * its fork and naming its child's uses; the child, held in its fork
 * handler meanwhile, then uses its inherited map descriptor (the parent
 * made the map: nothing else holds it).  After the child's exit the map
 * is gone.  On the kernel the inherited descriptor works, of course.
 */
static int killparent(void)
{
	int go[2], done[2], stopped[2], st = 0, i;
	char gos[16], dones[16], stoppeds[16], name[16], line[128];
	char *av[] = { "dfork", "killparent-parent", gos, dones, stoppeds, name, NULL };
	bool arena = in_arena(), halted = false;
	ssize_t n;
	pid_t p;

	snprintf(name, sizeof(name), "dkp%d", (int)getpid() % 100000);
	if (pipe(go) || pipe(done) || pipe(stopped))
		return 2;
	snprintf(gos, sizeof(gos), "%d", go[0]);
	snprintf(dones, sizeof(dones), "%d", done[1]);
	snprintf(stoppeds, sizeof(stoppeds), "%d", stopped[1]);
	if (arena) /* read by the parent's image at its start */
		setenv("USERBPF_DOMAIN_FAULT", "fork", 1);
	fflush(stdout);
	p = fork();
	if (p == 0) {
		close(go[1]);
		close(done[0]);
		close(stopped[0]);
		execv("/proc/self/exe", av);
		_exit(127);
	}
	unsetenv("USERBPF_DOMAIN_FAULT");
	close(go[0]);
	close(done[1]);
	close(stopped[1]);
	if (p < 0)
		return 3;
	if (arena) {
		/* stopped in its fork: its pid in the header word at 56 */
		for (i = 0; i < 30000 && !halted; i++) {
			halted = (pid_t) * (volatile unsigned int *)(0x200000000000UL + 56) == p;
			if (!halted)
				usleep(1000);
		}
	} else {
		char c;

		halted = read(stopped[0], &c, 1) == 1;
	}
	printf("parent stopped between its fork and naming the child's uses: %s\n",
	       halted ? "yes" : "no");
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	if (arena)
		*(volatile unsigned int *)(0x200000000000UL + 56) = 0;
	/* the parent is gone: reaped (objects listed), then the child goes */
	app_maps_named(name);
	if (write(go[1], "g", 1) != 1)
		return 4;
	n = read(done[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = '\0';
	printf("%s", n > 0 ? line : "child: no report\n");
	/* the child's end: its pipe's end closed */
	while (read(done[0], line, sizeof(line)) > 0)
		;
	close(go[1]);
	close(done[0]);
	close(stopped[0]);
	printf("map listed after the child's exit: %d\n", maps_left(name));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "maps"))
		return maps();
	if (argc == 2 && !strcmp(argv[1], "spawn"))
		return spawn();
	if (argc == 2 && !strcmp(argv[1], "earlykill"))
		return earlykill();
	if (argc == 3 && !strcmp(argv[1], "probes") && !strcmp(argv[2], "kill")) {
		/* the scenario's parent is a child of ours, killed midway
		 * (child 2 writes the rest): we end quietly */
		int st = 0;
		pid_t p;

		fflush(stdout);
		p = fork();
		if (p == 0)
			_exit(probes("kill"));
		if (p < 0 || waitpid(p, &st, 0) != p)
			return 2;
		return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : 3;
	}
	if (argc == 3 && !strcmp(argv[1], "probes"))
		return probes(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "ring"))
		return ring();
	if (argc == 3 && !strcmp(argv[1], "orphan"))
		return orphan(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "orphan-parent"))
		return orphan_parent(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 2 && !strcmp(argv[1], "killparent"))
		return killparent();
	if (argc == 6 && !strcmp(argv[1], "killparent-parent"))
		return killparent_parent(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5]);
	if (argc == 2 && !strcmp(argv[1], "pidreuse"))
		return pidreuse();
	if (argc == 4 && !strcmp(argv[1], "member"))
		return member(argv[2], argv[3]);
	df_hit(0);
	return 1;
}
