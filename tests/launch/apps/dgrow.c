/* SPDX-License-Identifier: MIT */
/*
 * dgrow.c - run by tests/launch/test_arena_grow.c: a domain's tables
 * (registry, ledger of uses, pins, attachments, aliases) hold far more
 * than their first size, in a domain as on the kernel (the oracle: the
 * same binary as root prints the same, but the lines about the arena).
 *
 * "dgrow maps N": N/2 maps made here, N/2 in a child (exec'd: another
 * member); GET_NEXT_ID lists all N in increasing order, each opens by id;
 * the child SIGKILLed, its maps go; ours closed, none is left.
 * "dgrow pins N": one map pinned at N paths; pinning one again is
 * EEXIST; every path opens the map here and in a child; unlinked, none
 * is left.
 * "dgrow rings N": N ring buffers live at once (each an alias in a
 * domain), closed, then N again (in a domain: the same heap in use).
 * "dgrow attach N": a program attached N times (uprobes, pid -1: 15 on
 * each of N / 15 functions) runs N times when each function is called
 * once, here and in a child (whose sync attached them all: domain-wide
 * attachments); detached, 0 times.
 * "dgrow killgrow" (domain only): with USERBPF_DOMAIN_FAULT=grow in
 * the environment, children are forked (members of their own) until one
 * stops in the growth of the member table, holding the arena's lock, the
 * new table copied but not published; it is SIGKILLed there, the other
 * children too.  We take the lock over (the unpublished table freed),
 * reap them, make 3000 maps and drop them: the heap in use is what it
 * was before the children; a new member works.
 * "dgrow leavers" (domain only): six members that make a map and exit
 * normally leave nothing behind once reaped.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dgrow.h"
#include "dgrow.skel.h"

/* The arena's header words (src/domain/arena.c asserts their offsets). */
#define ARENA_U64(off) (*(volatile unsigned long long *)(0x200000000000UL + (off)))
#define ARENA_U32(off) (*(volatile unsigned int *)(0x200000000000UL + (off)))

static int in_domain(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");
	int yes = 0;

	while (f && !yes && fgets(line, sizeof(line), f))
		yes = !strncmp(line, "200000000000-", 13);
	if (f)
		fclose(f);
	return yes;
}

static void more_files(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Start "dgrow ARGS..." (exec'd: a member of the domain), its stdout a
 * pipe into *out: its pid or -1. */
static pid_t start_child(FILE **out, char *const argv[])
{
	pid_t kid;
	int p[2];

	if (pipe(p))
		return -1;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	*out = fdopen(p[0], "r");
	return kid;
}

static __u32 map_id_of(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The maps named name: listed (GET_NEXT_ID), whether the walk went up,
 * how many of ids[0..nids) it saw, how many opened by id. */
struct walk {
	int listed, increasing, ours, opened;
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static struct walk walk_maps(const char *name, __u32 *ids, int nids)
{
	struct walk w = { .increasing = 1 };
	__u32 cur = 0, prev = 0;

	while (!bpf_map_get_next_id(cur, &cur)) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(cur);

		if (cur <= prev)
			w.increasing = 0;
		prev = cur;
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name)) {
			w.listed++;
			w.opened++;
			if (ids && bsearch(&cur, ids, (size_t)nids, sizeof(*ids), cmp_u32))
				w.ours++;
		}
		close(fd);
	}
	return w;
}

static int make_maps(const char *name, int n, int *fds, __u32 *ids)
{
	int i, made = 0;

	for (i = 0; i < n; i++) {
		fds[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 1, NULL);
		if (fds[i] < 0)
			continue;
		if (ids)
			ids[made] = map_id_of(fds[i]);
		made++;
	}
	return made;
}

static void close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* "dgrow mapchild NAME N": N maps, "made M", then wait to be killed. */
static int mapchild(const char *name, int n)
{
	int *fds = calloc((size_t)n, sizeof(*fds));

	more_files();
	if (!fds)
		return 1;
	printf("made %d\n", make_maps(name, n, fds, NULL));
	fflush(stdout);
	for (;;)
		pause();
}

static int maps(int n)
{
	int half = n / 2, *fds = calloc((size_t)half, sizeof(*fds)), made, kid_made = 0, st;
	__u32 *ids = calloc((size_t)half, sizeof(*ids));
	char name[16], arg[16], line[64];
	struct walk w;
	FILE *out;
	pid_t kid;

	more_files();
	if (!fds || !ids)
		return 1;
	snprintf(name, sizeof(name), "dg%d", (int)getpid() % 100000);
	snprintf(arg, sizeof(arg), "%d", half);
	made = make_maps(name, half, fds, ids);
	kid = start_child(&out, (char *const[]){ "dgrow", "mapchild", name, arg, NULL });
	if (kid < 0 || !out || !fgets(line, sizeof(line), out) ||
	    sscanf(line, "made %d", &kid_made) != 1)
		return 2;
	printf("made here %d, in a child %d\n", made, kid_made);
	qsort(ids, (size_t)made, sizeof(*ids), cmp_u32);
	w = walk_maps(name, ids, made);
	printf("listed %d, ids increasing: %s, ours listed: %d, opened by id: %d\n", w.listed,
	       w.increasing ? "yes" : "no", w.ours, w.opened);
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	fclose(out);
	w = walk_maps(name, ids, made);
	printf("child killed: listed %d, ours %d\n", w.listed, w.ours);
	close_all(fds, half);
	w = walk_maps(name, NULL, 0);
	printf("all closed: listed %d\n", w.listed);
	return 0;
}

/* "dgrow pinchild PREFIX N ID": how many of the N pins open map ID. */
static int pin_opens(const char *prefix, int n, __u32 id)
{
	char path[256];
	int i, same = 0;

	for (i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s%d", prefix, i);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			same += map_id_of(fd) == id;
			close(fd);
		}
	}
	return same;
}

static int pins(int n)
{
	char prefix[128], path[256], arg_n[16], arg_id[16], line[64];
	int fd, i, pinned = 0, left = 0, kid_same = -1, st;
	__u32 id;
	FILE *out;
	pid_t kid;

	snprintf(prefix, sizeof(prefix), "/sys/fs/bpf/dgrow_%d_", (int)getpid());
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dg_pinned", 4, 8, 1, NULL);
	if (fd < 0)
		return 2;
	id = map_id_of(fd);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%d", prefix, i);
		pinned += !bpf_obj_pin(fd, path);
	}
	printf("pinned %d of %d\n", pinned, n);
	snprintf(path, sizeof(path), "%s%d", prefix, n / 2);
	printf("pinning one again: %s\n",
	       bpf_obj_pin(fd, path) ? (errno == EEXIST ? "EEXIST" : strerror(errno)) : "done");
	close(fd);
	printf("opened by path here: %d the same map\n", pin_opens(prefix, n, id));
	snprintf(arg_n, sizeof(arg_n), "%d", n);
	snprintf(arg_id, sizeof(arg_id), "%u", id);
	kid = start_child(&out,
			  (char *const[]){ "dgrow", "pinchild", prefix, arg_n, arg_id, NULL });
	if (kid < 0 || !out || !fgets(line, sizeof(line), out) ||
	    sscanf(line, "%d", &kid_same) != 1)
		return 3;
	fclose(out);
	waitpid(kid, &st, 0);
	printf("opened by path in a child: %d the same map\n", kid_same);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%d", prefix, i);
		unlink(path);
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%d", prefix, i);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			left++;
			close(fd);
		}
	}
	snprintf(path, sizeof(path), "%s0", prefix);
	fd = bpf_obj_get(path);
	printf("unlinked: %d left, opening one: %s\n", left,
	       fd < 0 && errno == ENOENT ? "ENOENT" : "something else");
	printf("the map after its pins went: listed %d\n", walk_maps("dg_pinned", NULL, 0).listed);
	return 0;
}

static int rings(int n)
{
	int *fds = calloc((size_t)n, sizeof(*fds)), round, made;
	unsigned long long heap[2] = { 0, 0 };
	int dom = in_domain();

	more_files();
	if (!fds)
		return 1;
	for (round = 0; round < 2; round++) {
		int i;

		for (i = made = 0; i < n; i++) {
			fds[i] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "dg_ring", 0, 0,
						4096u << (i % 4), NULL);
			made += fds[i] >= 0;
		}
		printf("round %d: %d of %d ring buffers live, listed %d\n", round + 1, made, n,
		       walk_maps("dg_ring", NULL, 0).listed);
		close_all(fds, n);
		if (dom)
			heap[round] = ARENA_U64(32);
	}
	printf("closed: listed %d\n", walk_maps("dg_ring", NULL, 0).listed);
	if (dom)
		printf("arena heap in use after round 2 minus after round 1: %lld bytes\n",
		       (long long)(heap[1] - heap[0]));
	return 0;
}

/* Functions to probe: a probe site holds 16 programs in userbpf
 * (PROBE_SITE_MAX_LINKS), so 15 attachments each. */
#define PER_FN 15
#define DG_F(n)                                                                                    \
	__attribute__((noinline)) int dg_f##n(int v)                                               \
	{                                                                                          \
		__asm__ volatile("" ::: "memory");                                                 \
		return v + n;                                                                      \
	}
#define DG_F8(n)                                                                                   \
	DG_F(n##0) DG_F(n##1) DG_F(n##2) DG_F(n##3) DG_F(n##4) DG_F(n##5) DG_F(n##6) DG_F(n##7)
DG_F8(1)
DG_F8(2)
DG_F8(3)
DG_F8(4)
DG_F8(5)
DG_F8(6)
#define DG_P8(n)                                                                                   \
	dg_f##n##0, dg_f##n##1, dg_f##n##2, dg_f##n##3, dg_f##n##4, dg_f##n##5, dg_f##n##6,        \
		dg_f##n##7
static int (*const fns[])(int) = { DG_P8(1), DG_P8(2), DG_P8(3), DG_P8(4), DG_P8(5), DG_P8(6) };
#define NFNS (int)(sizeof(fns) / sizeof(fns[0]))

static void each_fn_once(void)
{
	int i;

	for (i = 0; i < NFNS; i++)
		fns[i](i);
}

/* "dgrow attchild": say "up", wait for a byte on stdin, call each
 * function once. */
static int attchild(void)
{
	char c;

	printf("up\n");
	fflush(stdout);
	if (read(0, &c, 1) != 1)
		return 1;
	each_fn_once();
	return 0;
}

/* Run attchild, dg_target its pid once it is up: the hits it caused. */
static long long child_hits(struct dgrow_bpf *skel)
{
	int in[2], out[2], st;
	long long before;
	char line[16];
	pid_t kid;
	FILE *f;

	if (pipe(in) || pipe(out))
		return -1;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/proc/self/exe", "dgrow", "attchild", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(out[0], "r");
	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	skel->bss->dg_target = (__u32)kid;
	before = (long long)skel->bss->dg_hits;
	if (write(in[1], "g", 1) != 1)
		return -1;
	close(in[1]);
	waitpid(kid, &st, 0);
	fclose(f);
	skel->bss->dg_target = 0;
	return (long long)skel->bss->dg_hits - before;
}

/* n uprobe attachments (pid -1: every process), PER_FN on each of the
 * first n / PER_FN functions. */
static int attach(int n)
{
	struct bpf_link **links = calloc((size_t)n, sizeof(*links));
	struct dgrow_bpf *skel;
	long long before;
	char fn[16];
	int i, made = 0;

	more_files();
	if (!links || n > NFNS * PER_FN)
		return 2;
	skel = dgrow_bpf__open_and_load();
	if (!skel)
		return 2;
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = fn);

		snprintf(fn, sizeof(fn), "dg_f%d%d", i / PER_FN / 8 + 1, i / PER_FN % 8);
		links[i] = bpf_program__attach_uprobe_opts(skel->progs.dg_up, -1, "/proc/self/exe",
							   0, &uo);
		made += links[i] != NULL;
	}
	printf("attached %d of %d (%d functions)\n", made, n, (n + PER_FN - 1) / PER_FN);
	skel->bss->dg_target = (__u32)getpid();
	before = (long long)skel->bss->dg_hits;
	each_fn_once();
	skel->bss->dg_target = 0;
	printf("each function once here: the program ran %lld times\n",
	       (long long)skel->bss->dg_hits - before);
	printf("each function once in a child: %lld times\n", child_hits(skel));
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	printf("detached, in a child: %lld times\n", child_hits(skel));
	dgrow_bpf__destroy(skel);
	return 0;
}

/* "dgrow onemap": a map made, its name listed: 0 when both worked. */
static int onemap(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dg_one", 4, 8, 1, NULL);

	return fd < 0 || walk_maps("dg_one", NULL, 0).listed != 1;
}

/* Run "dgrow onemap" (a member that makes a map and exits normally):
 * whether it worked. */
static int run_onemap(void)
{
	char *const argv[] = { "dgrow", "onemap", NULL };
	pid_t kid;
	int st;

	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return kid > 0 && waitpid(kid, &st, 0) == kid && WIFEXITED(st) && !WEXITSTATUS(st);
}

/* "dgrow leavers" (domain only): members that exit normally, one after
 * the other; once each is reaped (a listing), the heap in use and the
 * private blocks after the first and after the sixth are the same. */
static int leavers(void)
{
	unsigned long long heap = 0, priv = 0;
	int i, ok = 0;

	if (!in_domain()) {
		fprintf(stderr, "dgrow leavers: not in a domain\n");
		return 1;
	}
	for (i = 0; i < 6; i++) {
		ok += run_onemap();
		walk_maps("dg_none", NULL, 0);
		if (!i) {
			heap = ARENA_U64(32);
			priv = ARENA_U64(48);
		}
	}
	printf("members that made a map and exited: %d; after the sixth, differences from the "
	       "first: heap %lld bytes, private blocks %lld\n",
	       ok, (long long)(ARENA_U64(32) - heap), (long long)(ARENA_U64(48) - priv));
	return 0;
}

#define KG_KIDS 4000
#define KG_MAPS 3000

/* Fork a child that says so on p and sleeps: its pid; *up whether it
 * said so within a second (a child stopped in add_member never does). */
static pid_t sleeper(int p[2], int *up)
{
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	pid_t kid;
	char c;

	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	*up = kid > 0 && poll(&pfd, 1, 1000) == 1 && read(p[0], &c, 1) == 1;
	return kid;
}

static int killgrow(void)
{
	int *fds = calloc(KG_MAPS, sizeof(*fds)), p[2], i, n = 0, up = 1, st, walks;
	pid_t *kids = calloc(KG_KIDS, sizeof(*kids)), stopped = 0;
	unsigned long long base;
	unsigned takeovers;

	more_files();
	if (!in_domain()) {
		fprintf(stderr, "dgrow killgrow: not in a domain\n");
		return 1;
	}
	if (!fds || !kids || pipe(p))
		return 1;
	/* the tables at their size for KG_MAPS maps */
	make_maps("dg_warm", KG_MAPS, fds, NULL);
	close_all(fds, KG_MAPS);
	walk_maps("dg_none", NULL, 0);
	base = ARENA_U64(32);
	takeovers = ARENA_U32(20);
	/* forked children (members) until one stops growing the member
	 * table (the fault is read in a forked child) */
	setenv("USERBPF_DOMAIN_FAULT", "grow", 1);
	while (n < KG_KIDS && up) {
		kids[n] = sleeper(p, &up);
		if (kids[n] < 0)
			break;
		n++;
	}
	unsetenv("USERBPF_DOMAIN_FAULT");
	if (!up && (pid_t)ARENA_U32(56) == kids[n - 1] && ARENA_U32(16) == (unsigned)kids[n - 1])
		stopped = kids[--n];
	printf("a member stopped growing the member table, holding the lock: %s (members "
	       "before it: %s)\n",
	       stopped ? "yes" : "no", n > 200 ? "over 200" : "200 or fewer");
	if (stopped) {
		kill(stopped, SIGKILL);
		waitpid(stopped, &st, 0);
	}
	for (i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], &st, 0);
	}
	/* each listing reaps some of the dead (the first takes the lock
	 * over) */
	for (walks = 0; walks < 40; walks++)
		walk_maps("dg_none", NULL, 0);
	printf("lock taken over: %u\n", ARENA_U32(20) - takeovers);
	printf("maps made after: %d, ", make_maps("dg_after", KG_MAPS, fds, NULL));
	printf("listed %d\n", walk_maps("dg_after", NULL, 0).listed);
	close_all(fds, KG_MAPS);
	walk_maps("dg_none", NULL, 0);
	printf("heap in use, difference from before the children: %lld bytes\n",
	       (long long)(ARENA_U64(32) - base));
	printf("a new member made and listed a map: %s\n", run_onemap() ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (argc == 3 && !strcmp(argv[1], "maps") && n >= 2)
		return maps(n);
	if (argc == 4 && !strcmp(argv[1], "mapchild"))
		return mapchild(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "pins") && n > 0)
		return pins(n);
	if (argc == 5 && !strcmp(argv[1], "pinchild")) {
		printf("%d\n",
		       pin_opens(argv[2], atoi(argv[3]), (__u32)strtoul(argv[4], NULL, 10)));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "rings") && n > 0)
		return rings(n);
	if (argc == 3 && !strcmp(argv[1], "attach") && n > 0)
		return attach(n);
	if (argc == 2 && !strcmp(argv[1], "attchild"))
		return attchild();
	if (argc == 2 && !strcmp(argv[1], "onemap"))
		return onemap();
	if (argc == 2 && !strcmp(argv[1], "leavers"))
		return leavers();
	if (argc == 2 && !strcmp(argv[1], "killgrow"))
		return killgrow();
	fprintf(stderr, "usage: dgrow maps N | pins N | rings N | attach N | killgrow | leavers\n");
	return 1;
}
