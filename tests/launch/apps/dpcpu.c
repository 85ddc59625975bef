/* SPDX-License-Identifier: MIT */
/*
 * dpcpu.c - run by test_launch.c in a domain: per-CPU map slots are
 * exclusive across the domain's processes.  "dpcpu N" attaches a uprobe
 * (pid -1: every process of the domain) on pc_hit, pins itself and the
 * children to one CPU, starts two children ("dpcpu hammer N", the same
 * binary, in the domain) and calls pc_hit N times itself while they do;
 * the program's non-atomic per-CPU increments must add up to 3 N.
 * "dpcpu kill": a child ("dpcpu victim ID", on CPU 0) creates a map, opens
 * ours (map id ID) and is SIGKILLed in the middle of a run; then its map
 * is not listed, the slot of CPU 0 is claimable (a run of ours on CPU 0
 * gets it), our map works, and once we destroy our objects no map of
 * ours is listed (the victim's reference on it went with the victim).
 * Other modes: see the comment of each.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app_util.h"
#include "dpcpu.h"
#include "dpcpu.skel.h"

__attribute__((noinline)) int pc_hit(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

__attribute__((noinline)) int pc_spin(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

__attribute__((noinline)) int pc_which(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

static void cpu0(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static int victim(const char *id)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "victim_map", 4, 8, 1, NULL);
	int theirs = bpf_map_get_fd_by_id((__u32)atoi(id));

	cpu0();
	if (fd < 0 || theirs < 0)
		return 1;
	printf("running\n");
	fflush(stdout);
	pc_spin(1); /* killed in the run */
	return 0;
}

/* Fork "dpcpu a1 [a2]" (this binary; a2 may be NULL) with its stdout on
 * the pipe p, whose write end is closed here: its pid. */
static pid_t spawn_self(int p[2], const char *a1, const char *a2)
{
	pid_t kid;

	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		dup2(p[1], 1);
		execl("/proc/self/exe", "dpcpu", a1, a2, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	return kid;
}

static int kill_test(void)
{
	LIBBPF_OPTS(bpf_uprobe_opts, so, .func_name = "pc_spin");
	LIBBPF_OPTS(bpf_uprobe_opts, wo, .func_name = "pc_which");
	struct bpf_link *l1, *l2;
	struct dpcpu_bpf *skel;
	int p[2], st, tries, n;
	struct bpf_map_info info;
	__u32 k = 0, cpu = 99, len = sizeof(info);
	char buf[16], id[16];
	pid_t kid;

	skel = dpcpu_bpf__open_and_load();
	if (!skel)
		return 2;
	l1 = bpf_program__attach_uprobe_opts(skel->progs.spin, -1, "/proc/self/exe", 0, &so);
	l2 = bpf_program__attach_uprobe_opts(skel->progs.which, -1, "/proc/self/exe", 0, &wo);
	memset(&info, 0, sizeof(info));
	if (!l1 || !l2 || pipe(p) ||
	    bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.seen), &info, &len))
		return 3;
	snprintf(id, sizeof(id), "%u", info.id);
	kid = spawn_self(p, "victim", id);
	if (read(p[0], buf, sizeof(buf)) <= 0)
		return 4;
	usleep(300000); /* in the run */
	printf("victim map listed while alive: %d\n", app_maps_named("victim_map"));
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	for (tries = 0; tries < 100 && (n = app_maps_named("victim_map")); tries++)
		usleep(10000);
	printf("victim map listed after SIGKILL: %d\n", n);
	cpu0();
	pc_which(1);
	k = bpf_map_lookup_elem(bpf_map__fd(skel->maps.seen), &k, &cpu);
	printf("our map: lookup %d, slot of CPU 0 claimable: %s\n", (int)k,
	       cpu == 0 ? "yes" : "no");
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	dpcpu_bpf__destroy(skel);
	printf("our map listed after destroy: %d\n", app_maps_named("seen"));
	return 0;
}

/* "dpcpu owner nopin|pin|keep|close": attaches bump to pc_hit in every
 * process (pid -1), pinned or not, prints the program's and map's ids,
 * waits.  keep: pinned, its descriptor closed on SIGUSR1; close: pinned,
 * its descriptor closed at once. */
static int owner(const char *how)
{
	sigset_t usr1;
	int sig;

	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "pc_hit");
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	__u32 pl = sizeof(pi), ml = sizeof(mi);
	struct dpcpu_bpf *skel = dpcpu_bpf__open_and_load();
	struct bpf_link *link;
	char pin[64];

	if (!skel)
		return 2;
	link = bpf_program__attach_uprobe_opts(skel->progs.bump, -1, "/proc/self/exe", 0, &uo);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/dpcpu_owner_%d", (int)getppid());
	if (!link || (strcmp(how, "nopin") && bpf_link__pin(link, pin)))
		return 3;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (!strcmp(how, "close"))
		bpf_link__destroy(link);
	memset(&pi, 0, sizeof(pi));
	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.bump), &pi, &pl) ||
	    bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.hits), &mi, &ml))
		return 4;
	printf("%u %u\n", pi.id, mi.id);
	fflush(stdout);
	if (!strcmp(how, "keep") && !sigwait(&usr1, &sig))
		bpf_link__destroy(link);
	for (;;)
		pause();
	return 0;
}

/* Sum of the per-CPU counter behind map descriptor fd. */
static unsigned long long hits_sum(int fd)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	unsigned long long sum = 0, vals[512];
	__u32 k = 0;

	if (ncpu <= 0 || ncpu > 512 || bpf_map_lookup_elem(fd, &k, vals))
		return ~0ull;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

/* Calls of pc_hit counted by bump within a second (the domain's other
 * members attach at their next sync). */
static unsigned long long runs_here(int map_fd)
{
	unsigned long long before = hits_sum(map_fd), now = before;
	int tries;

	for (tries = 0; tries < 100 && now == before; tries++) {
		pc_hit(1);
		now = hits_sum(map_fd);
		if (now == before)
			usleep(10000);
	}
	return now - before;
}

/* Whether bump stops running here within 2 s. */
static bool stops_here(int map_fd)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		unsigned long long before = hits_sum(map_fd);

		pc_hit(1);
		if (hits_sum(map_fd) == before)
			return true;
		usleep(10000);
	}
	return false;
}

/* Whether program id is still there, polled up to 1 s for it to go. */
static bool prog_stays(__u32 id)
{
	int tries, fd;

	for (tries = 0; tries < 100; tries++) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			return false;
		close(fd);
		usleep(10000);
	}
	return true;
}

/* Start "dpcpu owner how"; its pid, and its program's and map's ids. */
static pid_t start_owner(const char *how, unsigned *prog_id, unsigned *map_id)
{
	char line[64];
	int p[2];
	FILE *f;
	pid_t kid;

	if (pipe(p))
		return -1;
	kid = spawn_self(p, "owner", how);
	f = fdopen(p[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "%u %u", prog_id, map_id) != 2)
		kid = -1;
	if (f)
		fclose(f);
	return kid;
}

/* One case of liveowner/killowner: owner kid started with "dpcpu owner
 * how" (case i), its program prog_id and its map open here as map_fd. */
typedef void (*owner_case)(unsigned i, const char *how, pid_t kid, unsigned prog_id, int map_fd);

/* For each of the two hows: start "dpcpu owner how", open its map, print
 * whether its program runs here, run body, close the map.  0, or 6 (no
 * owner) or 7 (no map). */
static int owner_cases(const char *const hows[2], owner_case body)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		unsigned prog_id = 0, map_id = 0;
		int map_fd;
		pid_t kid = start_owner(hows[i], &prog_id, &map_id);

		if (kid < 0)
			return 6;
		map_fd = bpf_map_get_fd_by_id(map_id);
		if (map_fd < 0)
			return 7;
		printf("%s: runs here: %s\n", hows[i], runs_here(map_fd) ? "yes" : "no");
		body(i, hows[i], kid, prog_id, map_fd);
		close(map_fd);
	}
	return 0;
}

/* Remove the pin our owner child made (named after its parent, us). */
static int unpin_owner(void)
{
	char pin[64];

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/dpcpu_owner_%d", (int)getpid());
	return unlink(pin);
}

/*
 * "dpcpu liveowner": a link pinned by another process that lives on.
 * keep: after the pin is removed here, the owner's descriptor still holds
 * the link (the program runs here) until the owner closes it.  close: the
 * owner closed its descriptor after pinning, so removing the pin drops
 * the last reference: the program stops running here.
 */
static void live_case(unsigned i, const char *how, pid_t kid, unsigned prog_id, int map_fd)
{
	int st;

	(void)prog_id;
	printf("%s: unlink %d\n", how, unpin_owner());
	if (i == 0) {
		usleep(100000); /* a detach would have happened by now */
		printf("keep: after unpin runs here: %s\n", runs_here(map_fd) ? "yes" : "no");
		kill(kid, SIGUSR1);
	}
	printf("%s: link closed, stops here: %s\n", how, stops_here(map_fd) ? "yes" : "no");
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
}

static int liveowner(void)
{
	static const char *const hows[] = { "keep", "close" };

	return owner_cases(hows, live_case);
}

/*
 * "dpcpu killowner": a child ("dpcpu owner", the same binary) attaches
 * bump to pc_hit in every process and is SIGKILLed.  Unpinned, its link
 * goes with it: the program is detached here and gone.  Pinned, the link
 * outlives it (the program still runs here) until the pin is removed.
 */
static void kill_case(unsigned i, const char *how, pid_t kid, unsigned prog_id, int map_fd)
{
	int st;

	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	printf("%s: owner killed: program %s\n", how, prog_stays(prog_id) ? "stays" : "gone");
	if (i == 0) {
		unsigned long long before = hits_sum(map_fd);

		pc_hit(1);
		pc_hit(2);
		printf("nopin: runs after: %llu\n", hits_sum(map_fd) - before);
	} else {
		printf("pin: still runs here: %s\n", runs_here(map_fd) ? "yes" : "no");
		printf("pin: unlink %d\n", unpin_owner());
		printf("pin: unpinned: program %s\n", prog_stays(prog_id) ? "stays" : "gone");
	}
}

static int killowner(void)
{
	static const char *const hows[] = { "nopin", "pin" };

	return owner_cases(hows, kill_case);
}

/* "dpcpu leaderexit": a map made, then the main thread leaves with
 * pthread_exit (the leader shows as a zombie) while another thread waits
 * and then uses the map. */
static int leader_map = -1;

static void *late_user(void *arg)
{
	__u32 k = 0;
	__u64 v = 0;

	usleep(800000);
	printf("leader gone: map lookup %d\n", bpf_map_lookup_elem(leader_map, &k, &v));
	fflush(stdout);
	/* arg: a return, the last thread leaving (the process ends, status
	 * 0); else exit(0) */
	if (arg)
		return NULL;
	exit(0);
}

/* "dpcpu leaderexit" and, the other thread returning, "dpcpu leaderreturn" */
static int leaderexit(bool ret)
{
	pthread_t t;

	leader_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "leader_map", 4, 8, 1, NULL);
	if (leader_map < 0 || pthread_create(&t, NULL, late_user, ret ? &leader_map : NULL))
		return 1;
	printf("started\n");
	fflush(stdout);
	pthread_exit(NULL);
}

/*
 * "dpcpu zombie": a member whose main thread left (dpcpu leaderexit) is
 * alive: its map stays listed while its other thread runs (and works for
 * it), and goes once it exits.
 */
static int zombie(void)
{
	char line[64];
	int p[2], st, n, tries;
	FILE *f;
	pid_t kid;

	if (pipe(p))
		return 5;
	kid = spawn_self(p, "leaderexit", NULL);
	f = fdopen(p[0], "r");
	if (!f || !fgets(line, sizeof(line), f))
		return 6;
	usleep(300000); /* the leader has left */
	printf("leader left: map listed %d\n", app_maps_named("leader_map"));
	if (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	waitpid(kid, &st, 0);
	for (tries = 0; tries < 100 && (n = app_maps_named("leader_map")); tries++)
		usleep(10000);
	printf("exited %d: map listed %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, n);
	return 0;
}

/* Id of the map behind fd, or 0. */
static __u32 map_id(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Id of the program behind fd, or 0. */
static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Maps named name still listed after polling up to 1 s for them to go. */
static int maps_left(const char *name)
{
	int tries, n = 0;

	for (tries = 0; tries < 100 && (n = app_maps_named(name)); tries++)
		usleep(10000);
	return n;
}

/*
 * "dpcpu forkchild _exit|exit|kill": a child forked without exec creates
 * a map (fork_map), opens ours (fork_ours) by id and writes it, then
 * (once we saw its map) leaves by _exit, by exit, or is SIGKILLed.  Once it is gone its map is
 * not listed, and ours goes when we close our descriptor: nothing the
 * child took outlives it.
 */
static int forkchild(const char *how)
{
	int p[2], q[2], st, ours = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fork_ours", 4, 8, 1, NULL);
	__u32 id = ours < 0 ? 0 : map_id(ours), k = 0;
	__u64 v = 0;
	pid_t kid;
	char c;

	if (!id || pipe(p) || pipe(q))
		return 5;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fork_map", 4, 8, 1, NULL);
		int theirs = bpf_map_get_fd_by_id(id);

		v = 7;
		if (fd < 0 || theirs < 0 || bpf_map_update_elem(theirs, &k, &v, BPF_ANY) ||
		    write(p[1], "r", 1) != 1 || read(q[0], &c, 1) != 1)
			_exit(1);
		if (!strcmp(how, "_exit"))
			_exit(0);
		if (!strcmp(how, "exit"))
			exit(0);
		for (;;)
			pause();
	}
	close(p[1]);
	if (kid < 0 || read(p[0], &c, 1) != 1)
		return 6;
	printf("child map listed while alive: %d\n", app_maps_named("fork_map"));
	if (!strcmp(how, "kill"))
		kill(kid, SIGKILL);
	else if (write(q[1], "g", 1) != 1)
		return 7;
	waitpid(kid, &st, 0);
	printf("child %s: status %d\n", how,
	       WIFEXITED(st)   ? WEXITSTATUS(st) :
	       WIFSIGNALED(st) ? 128 + WTERMSIG(st) :
				 -1);
	printf("child map listed after: %d\n", maps_left("fork_map"));
	st = bpf_map_lookup_elem(ours, &k, &v);
	printf("our map: lookup %d value %llu\n", st, (unsigned long long)v);
	close(ours);
	printf("our map listed after close: %d\n", maps_left("fork_ours"));
	return 0;
}

/*
 * "dpcpu ledgerfull": the domain's ledger notes at most 4096 uses (a
 * process's descriptors on an object).  We make LF_MAPS maps, then
 * children forked without exec, one after the other, each open all of
 * them by id and wait: once the ledger is full, opens are refused with
 * ENOSPC (a use it could not note would leak if the child were killed)
 * and nothing else fails.  The children are SIGKILLed: their uses are
 * given back, so a last child opens every map again.
 */
#define LF_MAPS 1000
#define LF_KIDS 4

static pid_t ledger_child(const __u32 *ids, char *line, size_t sz)
{
	int i, ok = 0, nospc = 0, other = 0, p[2];
	pid_t kid;
	ssize_t n;

	if (pipe(p))
		return -1;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		for (i = 0; i < LF_MAPS; i++) {
			int fd = bpf_map_get_fd_by_id(ids[i]);

			if (fd >= 0)
				ok++;
			else if (errno == ENOSPC)
				nospc++;
			else
				other++;
		}
		n = snprintf(line, sz, "opened %d refused %d other errors %d", ok, nospc, other);
		if (write(p[1], line, (size_t)n) != n)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	n = kid < 0 ? -1 : read(p[0], line, sz - 1);
	close(p[0]);
	line[n > 0 ? n : 0] = '\0';
	return kid;
}

static int ledgerfull(void)
{
	static __u32 ids[LF_MAPS];
	struct rlimit rl;
	pid_t kids[LF_KIDS + 1];
	char line[128];
	int i, st;

	/* every map is a descriptor here and in each child */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < LF_MAPS; i++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lf", 4, 8, 1, NULL);

		ids[i] = fd < 0 ? 0 : map_id(fd);
		if (!ids[i])
			return 5;
	}
	for (i = 0; i <= LF_KIDS; i++) {
		if (i == LF_KIDS) {
			for (st = 0; st < LF_KIDS; st++) {
				int s;

				kill(kids[st], SIGKILL);
				waitpid(kids[st], &s, 0);
			}
			printf("children killed\n");
		}
		kids[i] = ledger_child(ids, line, sizeof(line));
		if (kids[i] < 0)
			return 6;
		printf("child %d: %s\n", i + 1, line);
	}
	kill(kids[LF_KIDS], SIGKILL);
	waitpid(kids[LF_KIDS], &st, 0);
	return 0;
}

/*
 * "dpcpu locktakeover": a member killed while it holds the domain's lock
 * (a spinlock in the arena holding its owner's pid) would stop every
 * other member.  A child forked without exec plays it: it writes its pid
 * into the lock word (the arena's header at DOMAIN_BASE, offset 16,
 * src/domain/arena.c) and is SIGKILLed.  Our next command needing the
 * lock takes it over from the dead owner: it succeeds, and the header's
 * takeover count (offset 20) reads one more.
 */
#define DOMAIN_HDR ((volatile int *)0x200000000000UL)

static int locktakeover(void)
{
	unsigned before = (unsigned)DOMAIN_HDR[5], after;
	int p[2], st, fd;
	pid_t kid;
	char c;

	if (pipe(p))
		return 5;
	kid = fork();
	if (kid == 0) {
		int none = 0;

		/* wait for a free lock, as lock() does, then keep it */
		while (!__atomic_compare_exchange_n((int *)DOMAIN_HDR + 4, &none, (int)getpid(),
						    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			none = 0;
		if (write(p[1], "l", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (kid < 0 || read(p[0], &c, 1) != 1)
		return 6;
	printf("lock held by the child: %s\n", DOMAIN_HDR[4] == kid ? "yes" : "no");
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "after_takeover", 4, 8, 1, NULL);
	after = (unsigned)DOMAIN_HDR[5];
	printf("map made after the owner died: %s\n", fd >= 0 ? "yes" : "no");
	printf("lock taken over: %u\n", after - before);
	printf("lock free after: %s\n", DOMAIN_HDR[4] == 0 ? "yes" : "no");
	return 0;
}

/* "dpcpu holder" ("holdermm": received with recvmmsg): the link
 * descriptor it receives on the unix socket at descriptor 3 stays open
 * until we are told to close it ("c"). */
static int holder_how(bool mm)
{
	char c, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct mmsghdr mv = { .msg_hdr = { .msg_iov = &iov,
					   .msg_iovlen = 1,
					   .msg_control = ctl,
					   .msg_controllen = sizeof(ctl) } };
	struct msghdr m = mv.msg_hdr;
	struct cmsghdr *cm;
	int fd = -1;

	if (mm) {
		if (recvmmsg(3, &mv, 1, 0, NULL) != 1 || mv.msg_len != 1)
			return 1;
		m = mv.msg_hdr;
	} else if (recvmsg(3, &m, 0) != 1) {
		return 1;
	}
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	if (fd < 0 || write(3, "h", 1) != 1 || read(3, &c, 1) != 1)
		return 2;
	close(fd);
	return write(3, "c", 1) == 1 ? 0 : 3;
}

static int holder(void)
{
	return holder_how(false);
}

static int holdermm(void)
{
	return holder_how(true);
}

/* Send descriptor fd over the unix socket s. */
static int send_fd(int s, int fd)
{
	char c = 'l', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

/*
 * "dpcpu passlink scm|scmm|fork": a link lives while any descriptor refers
 * to it.  We attach bump to pc_hit in every process (pid -1) and give the
 * link's descriptor to another process: over a unix socket (scm: an
 * exec'd "dpcpu holder"; scmm: "dpcpu holdermm", which receives it with
 * recvmmsg) or by fork (fork: the child inherits it and
 * waits).  Once we destroyed our link the program still runs here; once
 * the other process closes it (scm) or ends by _exit (fork), it stops.
 */
static int passlink(const char *how)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "pc_hit");
	struct dpcpu_bpf *skel = dpcpu_bpf__open_and_load();
	struct bpf_link *link;
	int sv[2], map_fd, st;
	bool scm = !strncmp(how, "scm", 3);
	pid_t kid;
	char c;

	if (!skel)
		return 2;
	link = bpf_program__attach_uprobe_opts(skel->progs.bump, -1, "/proc/self/exe", 0, &uo);
	if (!link || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 3;
	map_fd = bpf_map__fd(skel->maps.hits);
	printf("%s: runs here: %s\n", how, runs_here(map_fd) ? "yes" : "no");
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		if (!strcmp(how, "fork")) {
			/* holds the inherited link until told to end */
			if (read(sv[1], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
		dup2(sv[1], 3);
		execl("/proc/self/exe", "dpcpu", strcmp(how, "scmm") ? "holder" : "holdermm",
		      (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (kid < 0 || (scm && (send_fd(sv[0], bpf_link__fd(link)) || read(sv[0], &c, 1) != 1)))
		return 4;
	bpf_link__destroy(link);
	usleep(100000); /* a detach would have happened by now */
	printf("%s: our link closed, runs here: %s\n", how, runs_here(map_fd) ? "yes" : "no");
	if (scm) {
		/* a child forked now (no descriptor on the link) that exits
		 * normally changes nothing */
		pid_t k2;

		fflush(stdout);
		k2 = fork();
		if (k2 == 0)
			exit(0);
		waitpid(k2, &st, 0);
		usleep(100000);
		printf("%s: a forked child exited, runs here: %s\n", how,
		       runs_here(map_fd) ? "yes" : "no");
	}
	if (write(sv[0], "c", 1) != 1)
		return 5;
	if (scm && read(sv[0], &c, 1) != 1)
		return 6;
	printf("%s: other process let go, stops here: %s\n", how,
	       stops_here(map_fd) ? "yes" : "no");
	waitpid(kid, &st, 0);
	printf("%s: other process exit %d\n", how, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	dpcpu_bpf__destroy(skel);
	return 0;
}

/* File offset of code address addr in /proc/self/exe's mappings, or 0. */
static unsigned long long file_offset(const void *addr)
{
	unsigned long long lo, hi, off, found = 0;
	char line[512], perm[8];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx %7s %llx", &lo, &hi, perm, &off) == 4 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			found = (uintptr_t)addr - lo + off;
			break;
		}
	if (f)
		fclose(f);
	return found;
}

/* "dpcpu linkvictim PROG_ID MAP_ID": opens the map by id 100 times (a
 * library handle table of some size), attaches the program by id to
 * pc_hit here (perf_event_open + a perf link: link objects and a probe
 * site of this process), says "ready" and waits to be killed. */
static int linkvictim(const char *prog_id, const char *map_id)
{
	struct perf_event_attr a;
	char buf[32];
	int i, pfd, prog, type;
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");

	if (!f || fscanf(f, "%d", &type) != 1)
		return 1;
	fclose(f);
	for (i = 0; i < 100; i++)
		if (bpf_map_get_fd_by_id((__u32)atoi(map_id)) < 0)
			return 2;
	prog = bpf_prog_get_fd_by_id((__u32)atoi(prog_id));
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (__u32)type;
	snprintf(buf, sizeof(buf), "/proc/self/exe");
	a.config1 = (__u64)(uintptr_t)buf;
	a.config2 = file_offset((const void *)pc_hit);
	pfd = (int)syscall(__NR_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (prog < 0 || pfd < 0 || bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL) < 0)
		return 3;
	pc_hit(1);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* The domain's heap in use (arena header, offset 32: src/domain/arena.c). */
#define ARENA_IN_USE (*(volatile unsigned long long *)(0x200000000000UL + 32))

/*
 * "dpcpu killcycles": a member SIGKILLed leaves library memory of its
 * own in the arena (its handle table, its links' objects and probe
 * site); the reaping frees it.  Cycles of "dpcpu linkvictim" started and
 * killed: after two to warm up, five more must not grow the arena's use.
 */
static int killcycles(void)
{
	struct dpcpu_bpf *skel = dpcpu_bpf__open_and_load();
	unsigned long long base = 0;
	char a1[16], a2[16], line[16];
	int i, st, p[2];
	pid_t kid;
	FILE *f;

	if (!skel)
		return 2;
	snprintf(a1, sizeof(a1), "%u", prog_id_of(bpf_program__fd(skel->progs.bump)));
	snprintf(a2, sizeof(a2), "%u", map_id(bpf_map__fd(skel->maps.hits)));
	for (i = 0; i < 7; i++) {
		if (pipe(p))
			return 3;
		fflush(stdout);
		kid = fork();
		if (kid == 0) {
			dup2(p[1], 1);
			execl("/proc/self/exe", "dpcpu", "linkvictim", a1, a2, (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		f = fdopen(p[0], "r");
		if (kid < 0 || !f || !fgets(line, sizeof(line), f) || strcmp(line, "ready\n"))
			return 4;
		fclose(f);
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
		app_maps_named("none"); /* lists: the dead member is reaped */
		if (i == 1)
			base = ARENA_IN_USE;
	}
	printf("arena in use grew over 5 kill cycles: %lld bytes\n",
	       (long long)(ARENA_IN_USE - base));
	dpcpu_bpf__destroy(skel);
	return 0;
}

static void hammer(long n)
{
	long i;

	for (i = 0; i < n; i++)
		pc_hit((int)i);
}

static int leaderexit_mode(void)
{
	return leaderexit(false);
}

static int leaderreturn_mode(void)
{
	return leaderexit(true);
}

static int hammer_mode(const char *n)
{
	hammer(atol(n));
	return 0;
}

/* The modes a child or a test starts ("dpcpu MODE ARGS..."): run0 takes
 * no argument, run1 one, run2 two; a name with the wrong count of
 * arguments falls through to the per-CPU run below. */
static const struct mode {
	const char *name;
	int (*run0)(void);
	int (*run1)(const char *);
	int (*run2)(const char *, const char *);
} modes[] = {
	/* clang-format off */
	{ "victim",       NULL,              victim,      NULL },
	{ "kill",         kill_test,         NULL,        NULL },
	{ "owner",        NULL,              owner,       NULL },
	{ "killowner",    killowner,         NULL,        NULL },
	{ "liveowner",    liveowner,         NULL,        NULL },
	{ "leaderexit",   leaderexit_mode,   NULL,        NULL },
	{ "leaderreturn", leaderreturn_mode, NULL,        NULL },
	{ "forkchild",    NULL,              forkchild,   NULL },
	{ "linkvictim",   NULL,              NULL,        linkvictim },
	{ "killcycles",   killcycles,        NULL,        NULL },
	{ "holder",       holder,            NULL,        NULL },
	{ "holdermm",     holdermm,          NULL,        NULL },
	{ "passlink",     NULL,              passlink,    NULL },
	{ "locktakeover", locktakeover,      NULL,        NULL },
	{ "ledgerfull",   ledgerfull,        NULL,        NULL },
	{ "zombie",       zombie,            NULL,        NULL },
	{ "hammer",       NULL,              hammer_mode, NULL },
	/* clang-format on */
};

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "pc_hit");
	struct dpcpu_bpf *skel;
	struct bpf_link *link;
	unsigned long long sum = 0, *vals;
	int ncpu, i, st, bad = 0;
	pid_t kids[2];
	cpu_set_t one;
	const struct mode *m;
	long n;
	__u32 k = 0;

	for (m = modes; argc >= 2 && m < modes + sizeof(modes) / sizeof(modes[0]); m++) {
		if (strcmp(argv[1], m->name))
			continue;
		if (m->run0 && argc == 2)
			return m->run0();
		if (m->run1 && argc == 3)
			return m->run1(argv[2]);
		if (m->run2 && argc == 4)
			return m->run2(argv[2], argv[3]);
	}
	if (argc != 2)
		return 1;
	n = atol(argv[1]);
	skel = dpcpu_bpf__open_and_load();
	if (!skel)
		return 2;
	link = bpf_program__attach_uprobe_opts(skel->progs.bump, -1, "/proc/self/exe", 0, &uo);
	if (!link)
		return 3;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			execl("/proc/self/exe", "dpcpu", "hammer", argv[1], (char *)NULL);
			_exit(127);
		}
	}
	hammer(n);
	for (i = 0; i < 2; i++)
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	ncpu = libbpf_num_possible_cpus();
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals || bpf_map_lookup_elem(bpf_map__fd(skel->maps.hits), &k, vals))
		return 4;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	printf("children: %s\n", bad ? "failed" : "ok");
	printf("sum %s 3N%s\n", sum == 3ull * (unsigned long long)n ? "==" : "!=",
	       sum == 3ull * (unsigned long long)n ? "" : " (lost updates)");
	if (sum != 3ull * (unsigned long long)n)
		fprintf(stderr, "sum %llu, expected %llu\n", sum, 3ull * (unsigned long long)n);
	bpf_link__destroy(link);
	dpcpu_bpf__destroy(skel);
	return 0;
}
