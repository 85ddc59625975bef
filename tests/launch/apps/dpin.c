/* SPDX-License-Identifier: MIT */
/*
 * dpin.c - run by test_launch.c: objects held by other objects.
 * "dpin load" (in a domain) attaches a sched_process_exec program, pins
 * its link and one map, closes everything and exits; the link stays (the
 * pin holds it), so the execs that follow in the domain are counted;
 * "dpin read" prints the count from the pinned map.
 * "dpin hold" keeps only a link: the program (held by the link), its maps
 * and its BTF object (held by the program) must stay listed by
 * GET_NEXT_ID and open by GET_FD_BY_ID, and be gone once the link is
 * destroyed; the same binary on the kernel is the oracle.
 * "dpin unpin": the link and a map are pinned, every descriptor closed,
 * then bpf_map__unpin and bpf_link__unpin (unlink) remove the pins: the
 * objects go.  "dpin pinmap" pins a new map and exits; "dpin getmap"
 * opens the pin and counts the maps of that name listed (rm between).
 * "dpin race": threads open maps and programs by id while their only
 * descriptor is closed; a descriptor opened must be the object asked for,
 * and once all are closed none is listed.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dpin.h"
#include "dpin.skel.h"

typedef int (*next_fn)(__u32 start, __u32 *next);
typedef int (*open_fn)(__u32 id);

/* Whether id is listed by next, and whether open gives a descriptor. */
static void seen(__u32 id, next_fn next, open_fn open_id, int *listed, int *opened)
{
	__u32 cur = 0;
	int fd;

	while (!next(cur, &cur))
		if (cur == id)
			(*listed)++;
	fd = open_id(id);
	if (fd >= 0) {
		(*opened)++;
		close(fd);
	}
}

struct ids {
	__u32 prog, btf, maps[2];
};

/* "prog L/O maps L/O btf L/O": listed / opened counts of our objects. */
static int report(const struct ids *ids, char *buf, size_t sz)
{
	int l[3] = { 0 }, o[3] = { 0 };

	seen(ids->prog, bpf_prog_get_next_id, bpf_prog_get_fd_by_id, &l[0], &o[0]);
	seen(ids->maps[0], bpf_map_get_next_id, bpf_map_get_fd_by_id, &l[1], &o[1]);
	seen(ids->maps[1], bpf_map_get_next_id, bpf_map_get_fd_by_id, &l[1], &o[1]);
	seen(ids->btf, bpf_btf_get_next_id, bpf_btf_get_fd_by_id, &l[2], &o[2]);
	snprintf(buf, sz, "prog %d/%d maps %d/%d btf %d/%d", l[0], o[0], l[1], o[1], l[2], o[2]);
	return l[0] + o[0] + l[1] + o[1] + l[2] + o[2];
}

static int hold(void)
{
	struct bpf_prog_info info;
	struct dpin_bpf *skel;
	struct bpf_link *link;
	struct ids ids = { 0 };
	__u32 len = sizeof(info);
	char buf[128];
	int tries;

	skel = dpin_bpf__open_and_load();
	if (!skel)
		return 1;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 2;
	info.map_ids = (__u64)(unsigned long)ids.maps;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.on_exec), &info, &len) ||
	    info.nr_map_ids != 2)
		return 2;
	ids.prog = info.id;
	ids.btf = info.btf_id;
	link = bpf_program__attach(skel->progs.on_exec);
	if (!link)
		return 3;
	dpin_bpf__destroy(skel); /* closes the program, map and BTF descriptors */
	report(&ids, buf, sizeof(buf));
	printf("held by the link: %s\n", buf);
	bpf_link__destroy(link);
	/* the kernel frees a program's maps and BTF after a grace period */
	for (tries = 0; tries < 200 && report(&ids, buf, sizeof(buf)); tries++)
		usleep(10000);
	printf("link destroyed: %s\n", buf);
	return 0;
}

static int unpin(void)
{
	struct bpf_prog_info info;
	struct dpin_bpf *skel;
	struct bpf_link *link;
	struct ids ids = { 0 };
	__u32 len = sizeof(info);
	char buf[128];
	int tries, fd, r, e;

	unlink(DPIN_UMAP); /* on the kernel: a previous run's */
	unlink(DPIN_ULINK);
	skel = dpin_bpf__open_and_load();
	if (!skel)
		return 1;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 2;
	info.map_ids = (__u64)(unsigned long)ids.maps;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.on_exec), &info, &len))
		return 2;
	ids.prog = info.id;
	ids.btf = info.btf_id;
	link = bpf_program__attach(skel->progs.on_exec);
	if (!link || bpf_link__pin(link, DPIN_ULINK) || bpf_map__pin(skel->maps.execs, DPIN_UMAP))
		return 3;
	report(&ids, buf, sizeof(buf));
	printf("pinned: %s\n", buf);
	r = bpf_map__unpin(skel->maps.execs, NULL);
	printf("map unpin %d", r);
	r = unlink(DPIN_UMAP);
	e = errno;
	printf(", again %d errno %d\n", r, r ? e : 0);
	fd = bpf_obj_get(DPIN_UMAP);
	e = errno;
	printf("obj_get after unpin: %d errno %d\n", fd < 0 ? -1 : 0, fd < 0 ? e : 0);
	bpf_link__destroy(link); /* closes the descriptors: the pin keeps it */
	dpin_bpf__destroy(skel);
	report(&ids, buf, sizeof(buf));
	printf("descriptors closed: %s\n", buf);
	fd = bpf_obj_get(DPIN_ULINK);
	if (fd < 0)
		return 4;
	r = unlink(DPIN_ULINK); /* bpf_link__unpin's unlink, from any process */
	printf("link unpin %d\n", r);
	close(fd);
	for (tries = 0; tries < 200 && report(&ids, buf, sizeof(buf)); tries++)
		usleep(10000);
	printf("unpinned: %s\n", buf);
	return 0;
}

/* Maps named dpin_pm listed. */
static int pm_listed(void)
{
	__u32 cur = 0;
	int n = 0;

	while (!bpf_map_get_next_id(cur, &cur)) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(cur);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, "dpin_pm"))
			n++;
		if (fd >= 0)
			close(fd);
	}
	return n;
}

static int pinmap(bool create)
{
	int fd, e, tries;

	if (create) {
		unlink(DPIN_PMAP);
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dpin_pm", 4, 8, 1, NULL);
		if (fd < 0 || bpf_obj_pin(fd, DPIN_PMAP))
			return 1;
		printf("pinned\n");
		return 0;
	}
	fd = bpf_obj_get(DPIN_PMAP);
	e = errno;
	if (fd >= 0)
		close(fd);
	for (tries = 0; tries < 200 && fd < 0 && pm_listed(); tries++)
		usleep(10000);
	printf("get %d listed %d\n", fd < 0 ? -e : 0, pm_listed());
	return 0;
}

#define RACE_ROUNDS 200
#define RACE_HAMMERS 3

static atomic_uint race_map_id, race_prog_id;
static atomic_int race_stop;

static __u32 fd_id(int fd)
{
	struct bpf_map_info info; /* its id is where a program's is */
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Opens the published ids until stopped: the number of descriptors that
 * were not the object asked for. */
static void *race_hammer(void *arg)
{
	long stale = 0;

	(void)arg;
	while (!atomic_load(&race_stop)) {
		__u32 mid = atomic_load(&race_map_id), pid = atomic_load(&race_prog_id);
		int fd;

		fd = mid ? bpf_map_get_fd_by_id(mid) : -1;
		if (fd >= 0) {
			stale += fd_id(fd) != mid;
			close(fd);
		}
		fd = pid ? bpf_prog_get_fd_by_id(pid) : -1;
		if (fd >= 0) {
			stale += fd_id(fd) != pid;
			close(fd);
		}
	}
	return (void *)stale;
}

static int race(void)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	__u32 first = 0, last = 0, cur;
	pthread_t th[RACE_HAMMERS];
	long stale = 0;
	int i, listed = 0;

	for (i = 0; i < RACE_HAMMERS; i++)
		if (pthread_create(&th[i], NULL, race_hammer, NULL))
			return 1;
	for (i = 0; i < RACE_ROUNDS; i++) {
		int mfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "race", 4, 8, 1, NULL);
		int pfd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "race", "GPL", insns, 2, NULL);

		if (mfd < 0 || pfd < 0)
			return 2;
		atomic_store(&race_map_id, fd_id(mfd));
		atomic_store(&race_prog_id, fd_id(pfd));
		if (!first)
			first = fd_id(mfd);
		last = fd_id(mfd);
		close(mfd);
		close(pfd);
	}
	atomic_store(&race_stop, 1);
	for (i = 0; i < RACE_HAMMERS; i++) {
		void *r;

		pthread_join(th[i], &r);
		stale += (long)r;
	}
	/* the kernel frees closed maps after a grace period */
	for (i = 0; i < 200; i++) {
		listed = 0;
		for (cur = first - 1; !bpf_map_get_next_id(cur, &cur);)
			listed += cur >= first && cur <= last;
		if (!listed)
			break;
		usleep(10000);
	}
	printf("race: stale %ld listed %d\n", stale, listed);
	return 0;
}

int main(int argc, char **argv)
{
	struct dpin_bpf *skel;
	struct bpf_link *link;
	unsigned long long v = 0;
	unsigned int k = 0;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "hold"))
		return hold();
	if (argc == 2 && !strcmp(argv[1], "unpin"))
		return unpin();
	if (argc == 2 && !strcmp(argv[1], "pinmap"))
		return pinmap(true);
	if (argc == 2 && !strcmp(argv[1], "getmap"))
		return pinmap(false);
	if (argc == 2 && !strcmp(argv[1], "race"))
		return race();
	if (argc == 2 && !strcmp(argv[1], "read")) {
		fd = bpf_obj_get(DPIN_MAP);
		if (fd < 0 || bpf_map_lookup_elem(fd, &k, &v))
			return 1;
		printf("execs %llu\n", v);
		return 0;
	}
	skel = dpin_bpf__open_and_load();
	if (!skel)
		return 1;
	link = bpf_program__attach(skel->progs.on_exec);
	if (!link || bpf_link__pin(link, DPIN_LINK) || bpf_map__pin(skel->maps.execs, DPIN_MAP))
		return 2;
	bpf_link__destroy(link); /* closes the descriptor; the pin keeps the link */
	dpin_bpf__destroy(skel);
	printf("pinned\n");
	return 0;
}
