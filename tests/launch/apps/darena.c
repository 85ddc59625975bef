/* SPDX-License-Identifier: MIT */
/*
 * darena.c - run by tests/launch/test_arena.c in a domain: what a member
 * SIGKILLed held in the arena comes back, every byte, cycle after cycle.
 *
 * "darena cycles N": loads darena.bpf.o, then N times starts "darena
 * victim" (its child, exec'd: a member of the domain), waits for it to be
 * ready, kills it (SIGKILL) and has it reaped (listing the maps reaps
 * dead members).  It reads the arena's figures (header words: heap bytes
 * in use, code area bytes in use, private blocks) before each victim,
 * while it runs and after it is reaped, and prints whether the victims
 * held what the test wants reaped (a big heap share, JIT code, thousands
 * of private blocks) and how much the figures after cycles 3..N differ
 * from the figures after cycle 2 (the first two warm up: caches of the
 * arena such as its private-block ledger reach their size).  The figures
 * of each cycle go to stderr.
 *
 * "darena victim BTF_ID MAP_ID": loads and attaches darena.bpf.o (its
 * programs JIT-compiled into the code area, its BTF loaded, link objects
 * and probe sites of its own), opens the BTF object BTF_ID 2500 times (a
 * per-process copy of it each time: 5000 private blocks and a handle
 * table of 4096), loads a 2 MiB BTF object of its own, opens map MAP_ID
 * 100 times, says "ready" and waits to be killed.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_util.h"
#include "darena.h"
#include "darena.skel.h"

/* The arena's header words (src/domain/arena.c asserts their offsets). */
#define ARENA_WORD(off) (*(volatile unsigned long long *)(0x200000000000UL + (off)))
#define ARENA_U32(off) (*(volatile unsigned int *)(0x200000000000UL + (off)))

struct figures {
	unsigned long long heap, code, priv;
};

static struct figures figures_now(void)
{
	return (struct figures){ ARENA_WORD(32), ARENA_WORD(40), ARENA_WORD(48) };
}

/* Whether this process maps the domain's arena. */
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

__attribute__((noinline)) int ar_target(int v)
{
	__asm__ volatile("" ::: "memory");
	return v;
}

#define BTF_OPENS 2500
#define BIG_BTF (2u << 20)

/* A valid BTF object of about BIG_BTF bytes: one int type and a string
 * section padded with empty strings. */
static void *big_btf(unsigned *size)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h) };
	struct btf_type t = { .name_off = 1, .info = BTF_KIND_INT << 24, .size = 4 };
	unsigned enc = (BTF_INT_SIGNED << 24) | 32; /* encoding, offset 0, 32 bits */
	unsigned char *b;

	h.type_len = sizeof(t) + sizeof(enc);
	h.str_off = h.type_len;
	h.str_len = BIG_BTF;
	*size = sizeof(h) + h.type_len + h.str_len;
	b = calloc(1, *size);
	if (!b)
		return NULL;
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), &t, sizeof(t));
	memcpy(b + sizeof(h) + sizeof(t), &enc, sizeof(enc));
	memcpy(b + sizeof(h) + h.str_off + 1, "int", 4);
	return b;
}

static int victim(const char *btf_id, const char *map_id)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "ar_target");
	struct darena_bpf *skel;
	struct rlimit rl;
	unsigned size;
	void *blob;
	int i;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	skel = darena_bpf__open_and_load();
	if (!skel)
		return 2;
	if (!bpf_program__attach_uprobe_opts(skel->progs.ar_probe, 0, "/proc/self/exe", 0, &uo) ||
	    !bpf_program__attach_uprobe_opts(skel->progs.ar_loop, 0, "/proc/self/exe", 0, &uo))
		return 3;
	ar_target(1);
	for (i = 0; i < BTF_OPENS; i++)
		if (bpf_btf_get_fd_by_id((__u32)atoi(btf_id)) < 0)
			return 4;
	blob = big_btf(&size);
	if (!blob || bpf_btf_load(blob, size, NULL) < 0)
		return 5;
	free(blob);
	for (i = 0; i < 100; i++)
		if (bpf_map_get_fd_by_id((__u32)atoi(map_id)) < 0)
			return 6;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* Id of the BTF object or map behind fd (0 on failure). */
static __u32 btf_id_of(int fd)
{
	struct bpf_btf_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static __u32 map_id_of(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Start "darena MODE A1 A2" (A2 may be NULL), wait for its "ready": its
 * pid, or -1. */
static pid_t start_victim(const char *mode, const char *a1, const char *a2)
{
	char line[16];
	pid_t kid;
	int p[2];
	FILE *f;

	if (pipe(p))
		return -1;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		dup2(p[1], 1);
		execl("/proc/self/exe", "darena", mode, a1, a2, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (kid < 0 || !f || !fgets(line, sizeof(line), f) || strcmp(line, "ready\n"))
		kid = -1;
	if (f)
		fclose(f);
	return kid;
}

static long long diff(unsigned long long a, unsigned long long b)
{
	return (long long)(a - b);
}

static int cycles(int n)
{
	struct figures before, alive, after, base = { 0 };
	long long min_heap = 0, min_code = 0, min_priv = 0, grew_heap = 0, grew_code = 0,
		  grew_priv = 0;
	struct darena_bpf *skel;
	char a1[16], a2[16];
	int i, st, open_before = 0, open_after = 0;
	pid_t kid;

	if (!in_domain()) {
		fprintf(stderr, "darena cycles: not in a domain\n");
		return 1;
	}
	skel = darena_bpf__open_and_load();
	if (!skel)
		return 2;
	for (i = 0; i < 64; i++)
		open_before += fcntl(i, F_GETFD) >= 0;
	snprintf(a1, sizeof(a1), "%u", btf_id_of(bpf_object__btf_fd(skel->obj)));
	snprintf(a2, sizeof(a2), "%u", map_id_of(bpf_map__fd(skel->maps.ar_vals)));
	for (i = 0; i < n; i++) {
		before = figures_now();
		kid = start_victim("victim", a1, a2);
		if (kid < 0)
			return 3;
		alive = figures_now();
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
		app_maps_named("none"); /* lists: the dead member is reaped */
		after = figures_now();
		fprintf(stderr,
			"cycle %d: victim held heap %lld code %lld private blocks %lld; "
			"after reaping: heap %llu code %llu private blocks %llu\n",
			i + 1, diff(alive.heap, before.heap), diff(alive.code, before.code),
			diff(alive.priv, before.priv), after.heap, after.code, after.priv);
		if (!i || diff(alive.heap, before.heap) < min_heap)
			min_heap = diff(alive.heap, before.heap);
		if (!i || diff(alive.code, before.code) < min_code)
			min_code = diff(alive.code, before.code);
		if (!i || diff(alive.priv, before.priv) < min_priv)
			min_priv = diff(alive.priv, before.priv);
		if (i == 1)
			base = after;
		if (i >= 2) {
			grew_heap += llabs(diff(after.heap, base.heap));
			grew_code += llabs(diff(after.code, base.code));
			grew_priv += llabs(diff(after.priv, base.priv));
		}
	}
	printf("each victim held: heap over 4 MiB %s, code pages %s, private blocks over 5000 %s\n",
	       min_heap > (4ll << 20) ? "yes" : "no", min_code > 0 ? "yes" : "no",
	       min_priv > 5000 ? "yes" : "no");
	printf("after cycles 3-%d, differences from cycle 2: heap %lld bytes, code area %lld bytes, "
	       "private blocks %lld\n",
	       n, grew_heap, grew_code, grew_priv);
	/* the victims' objects freed here closed none of this process's
	 * descriptors (a ring buffer's memfd was closed by its number) */
	for (i = 0; i < 64; i++)
		open_after += fcntl(i, F_GETFD) >= 0;
	printf("descriptors of this process closed by the reaping: %d\n", open_before - open_after);
	darena_bpf__destroy(skel);
	return 0;
}

/* "darena loader MAP_ID": loads a program of LOADER_INSNS instructions
 * (the verifier walks them all, then the JIT compiles them) that names
 * map MAP_ID (so the load takes a reference on it) again and again,
 * after saying "ready", until killed. */
#define LOADER_INSNS 400000

static struct bpf_insn *loader_insns(int map_fd)
{
	struct bpf_insn *insns = calloc(LOADER_INSNS, sizeof(*insns));
	int i;

	if (!insns)
		return NULL;
	for (i = 0; i < LOADER_INSNS - 1; i++)
		insns[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .imm = 1 };
	/* r1 = the map (ld_imm64, two slots), r0 = 0, r0 += 1 ... */
	insns[0] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
				      .dst_reg = 1,
				      .src_reg = BPF_PSEUDO_MAP_FD,
				      .imm = map_fd };
	insns[1] = (struct bpf_insn){ 0 };
	insns[2] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
	insns[LOADER_INSNS - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return insns;
}

/* How long one load of the loader's program takes here, in µs, or -1. */
static long load_us(int map_fd)
{
	struct bpf_insn *insns = loader_insns(map_fd);
	struct timespec t0, t1;
	int fd;

	if (!insns)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "big", "GPL", insns, LOADER_INSNS, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(insns);
	if (fd < 0)
		return -1;
	close(fd);
	return (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
}

static int loader(const char *map_id)
{
	int fd, map_fd = bpf_map_get_fd_by_id((__u32)atoi(map_id));
	struct bpf_insn *insns = map_fd >= 0 ? loader_insns(map_fd) : NULL;

	if (!insns)
		return 2;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "big", "GPL", insns, LOADER_INSNS,
				   NULL);
		if (fd < 0)
			return 3;
		close(fd);
	}
}

/* Stop the victim started next at phase of its first load
 * (USERBPF_DOMAIN_FAULT=load:N, src/domain/domain.h), or not (0). */
static void fault_at(int phase)
{
	char v[16];

	if (!phase) {
		unsetenv("USERBPF_DOMAIN_FAULT");
		return;
	}
	snprintf(v, sizeof(v), "load:%d", phase);
	setenv("USERBPF_DOMAIN_FAULT", v, 1);
}

/* Wait (at most 60 s) until kid stops at its fault point (its pid in the
 * header word at offset 56): whether it did. */
static int stopped_at_fault(pid_t kid)
{
	int i;

	for (i = 0; i < 60000; i++) {
		if ((pid_t)ARENA_U32(56) == kid)
			return 1;
		if (waitpid(kid, NULL, WNOHANG) == kid)
			return 0;
		usleep(1000);
	}
	return 0;
}

/*
 * "darena loadkill N": starts "darena loader" again and again and kills
 * it in its first load, has it reaped, and compares the arena's heap in
 * use, code area in use and private blocks after each with the figures
 * after the first (a warm-up kill in the verification): what the load
 * had allocated when it was killed comes back.  The kills land at each
 * phase of a load, where the loader stops itself
 * (USERBPF_DOMAIN_FAULT=load:1..6: verified, registered, JIT code being
 * written, sealed, published, and inside the allocation of the program's
 * instructions, domain lock held), then at N delays from a tenth to one and
 * a half times the time a load takes here (measured first, the JIT
 * included), so at any speed of the machine some land in each phase.
 * Each cycle's figures go to stderr.
 */
#define LOAD_PHASES 6

static int loadkill(int n)
{
	struct figures base = { 0 }, after;
	long long grew_heap = 0, grew_code = 0, grew_priv = 0;
	int i, st, phase, phases = 0, cycles = 0;
	char map_id[16], name[16];
	struct bpf_map_info mi;
	__u32 len = sizeof(mi);
	int map_fd;
	long us;
	pid_t kid;

	if (!in_domain()) {
		fprintf(stderr, "darena loadkill: not in a domain\n");
		return 1;
	}
	/* the map the loaders' program names: its references come back */
	snprintf(name, sizeof(name), "dlk%d", (int)getpid() % 100000);
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 1, NULL);
	memset(&mi, 0, sizeof(mi));
	if (map_fd < 0 || bpf_obj_get_info_by_fd(map_fd, &mi, &len))
		return 3;
	snprintf(map_id, sizeof(map_id), "%u", mi.id);
	us = load_us(map_fd);
	if (us <= 0)
		return 3;
	fprintf(stderr, "one load: %ld us\n", us);
	for (i = -1; i < LOAD_PHASES + n; i++) {
		phase = i >= 0 && i < LOAD_PHASES ? i + 1 : 0;
		fault_at(phase);
		kid = start_victim("loader", map_id, NULL);
		fault_at(0);
		if (kid < 0)
			return 3;
		if (phase) {
			phases += stopped_at_fault(kid);
		} else {
			long at = i < 0 ? us * 3 / 10 :
					  us / 10 + us * 14 / 10 * (i - LOAD_PHASES) /
							    (n > 1 ? n - 1 : 1);

			usleep((useconds_t)at);
		}
		kill(kid, SIGKILL);
		waitpid(kid, &st, 0);
		ARENA_U32(56) = 0;
		app_maps_named("none"); /* lists: the dead member is reaped */
		after = figures_now();
		fprintf(stderr,
			"cycle %d (phase %d): after reaping: heap %llu code %llu private blocks "
			"%llu\n",
			i + 2, phase, after.heap, after.code, after.priv);
		if (i < 0) {
			base = after; /* the first warms up (the arena's caches) */
			continue;
		}
		cycles++;
		grew_heap += llabs(diff(after.heap, base.heap));
		grew_code += llabs(diff(after.code, base.code));
		grew_priv += llabs(diff(after.priv, base.priv));
	}
	printf("load phases the loaders stopped at: %d of %d\n", phases, LOAD_PHASES);
	/* the last reference but the loads' (killed) goes: the map with it */
	close(map_fd);
	printf("their map listed after our descriptor closed: %d\n", app_maps_named(name));
	printf("loaders killed mid-load after the first: %d, differences from the first: heap "
	       "%lld bytes, code area %lld bytes, private blocks %lld\n",
	       cycles, grew_heap, grew_code, grew_priv);
	return 0;
}

/* "darena rings": a ring buffer made, filled through a program (40-byte
 * records: some cross the ring's end, read through its data's second
 * copy), read back and freed, at sizes that change from one to the next;
 * the heap's high-water mark (header word 96) after each one is the one
 * after the first (the largest), and every record reads back intact. */
#define REC_LEN 40

static int rec_bad, rec_got;

static int on_rec40(void *ctx, void *data, size_t sz)
{
	const unsigned long long *v = data;
	int i;

	(void)ctx;
	rec_got++;
	for (i = 0; i < REC_LEN / 8; i++)
		rec_bad += sz != REC_LEN || v[i] != (unsigned long long)(i + 1);
	return 0;
}

/* A socket filter that outputs one record {1, 2, 3, 4, 5} to ring fd. */
static int ring_writer(int ring_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = 10, .off = -40, .imm = 1 },
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = 10, .off = -32, .imm = 2 },
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = 10, .off = -24, .imm = 3 },
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = 10, .off = -16, .imm = 4 },
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = 10, .off = -8, .imm = 5 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM,
		  .dst_reg = 1,
		  .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = ring_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -40 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = REC_LEN },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 4, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_ringbuf_output },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ar_rw", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

static int rings(void)
{
	static const unsigned kib[] = { 1024, 256, 512, 64, 128, 1024, 64, 512, 256 };
	unsigned long long mark1 = 0;
	long long grew = 0;
	unsigned char pkt[64] = { 0 };
	int c, k, intact = 1;

	if (!in_domain()) {
		fprintf(stderr, "darena rings: not in a domain\n");
		return 1;
	}
	for (c = 0; c < (int)(sizeof(kib) / sizeof(kib[0])); c++) {
		int size = (int)kib[c] << 10, per = size / 48 / 2;
		int rfd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ar_rings", 0, 0, (__u32)size, NULL);
		int pfd = rfd >= 0 ? ring_writer(rfd) : -1;
		struct ring_buffer *rb = pfd >= 0 ? ring_buffer__new(rfd, on_rec40, NULL, NULL) :
						    NULL;

		if (!rb)
			return 2;
		rec_bad = rec_got = 0;
		/* half the ring at a time, five times: past its end twice */
		for (k = 0; k < 5; k++) {
			LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = pkt,
				    .data_size_in = sizeof(pkt), .repeat = (__u32)per);

			if (bpf_prog_test_run_opts(pfd, &to))
				return 3;
			ring_buffer__consume(rb);
		}
		if (rec_bad || rec_got != 5 * per)
			intact = 0;
		ring_buffer__free(rb);
		close(pfd);
		close(rfd);
		fprintf(stderr, "ring of %u KiB: %d records, %d bad; heap high-water mark %llu\n",
			kib[c], rec_got, rec_bad, ARENA_WORD(96));
		if (!c)
			mark1 = ARENA_WORD(96);
		else
			grew += diff(ARENA_WORD(96), mark1);
	}
	printf("records read back intact at every size: %s\n", intact ? "yes" : "no");
	printf("heap high-water mark after each ring past the first, above the first's: %lld "
	       "bytes\n",
	       grew);
	return 0;
}

/* "darena lazyjit": a program is compiled at its load, in the loader's
 * JIT session (a member killed in it gives the image back: loadkill),
 * never at its first run (where a kill would have left the image to no
 * one): the code area in use (header word 40) grows with the load and
 * not with the runs, nor with a second member's runs (a child forked
 * without exec, a member of its own). */
static int lazyjit(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 7 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char pkt[64] = { 0 };
	unsigned long long c0 = ARENA_WORD(40), c1, c2, c3;
	int fd, st = 0;
	pid_t kid;

	if (!in_domain()) {
		fprintf(stderr, "darena lazyjit: not in a domain\n");
		return 1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ar_lazy", "GPL", insns, 2, NULL);
	if (fd < 0)
		return 2;
	c1 = ARENA_WORD(40);
	{
		LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = 10);

		if (bpf_prog_test_run_opts(fd, &to) || to.retval != 7)
			return 3;
	}
	c2 = ARENA_WORD(40);
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = pkt, .data_size_in = sizeof(pkt));

		_exit(bpf_prog_test_run_opts(fd, &to) || to.retval != 7);
	}
	if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 4;
	c3 = ARENA_WORD(40);
	printf("code area grew at the load: %s\n", c1 > c0 ? "yes" : "no");
	printf("code area added by its runs here: %lld bytes, in another member: %lld bytes\n",
	       diff(c2, c1), diff(c3, c2));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "loader"))
		return loader(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "lazyjit"))
		return lazyjit();
	if (argc == 2 && !strcmp(argv[1], "rings"))
		return rings();
	if (argc == 3 && !strcmp(argv[1], "loadkill") && atoi(argv[2]) >= 1)
		return loadkill(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "victim"))
		return victim(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "cycles") && atoi(argv[2]) >= 3)
		return cycles(atoi(argv[2]));
	fprintf(stderr, "usage: darena cycles N (N >= 3) | darena victim BTF_ID MAP_ID\n");
	return 1;
}
