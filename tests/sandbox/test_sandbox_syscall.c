/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_syscall.c - issue 10, bpf() command layer (F12-F17):
 * hostile attrs (NULL user pointers in batch commands, oversized
 * programs and info buffers, edge-case PROG_LOAD attrs, ids) given to
 * userbpf_bpf() and to the kernel's bpf(), which must agree on the
 * result; a malformed object gives CLI exit status 2.  Kernel halves
 * skip with a message where bpf() is refused.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/syscall.h"
#include "../unit/test_bpf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define P(x) ((uint64_t)(uintptr_t)(x))

/* Both sides' fds of one map (or prog), created from the same attr. */
struct pair {
	int k, u;
};

static void pair_close(struct pair *p)
{
	if (p->k >= 0)
		close(p->k);
	if (p->u >= 0)
		userbpf_close(p->u);
}

static struct pair map_pair(uint32_t type, uint32_t max_entries, bool fill)
{
	union bpf_attr a;
	struct pair p;
	uint32_t i;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = max_entries;
	p.k = kbpf(BPF_MAP_CREATE, &a, sizeof(a));
	p.u = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
	for (i = 0; fill && i < 3; i++) {
		/* per-CPU values: one 8-byte slot per possible CPU */
		static uint64_t val[1024];

		memset(&a, 0, sizeof(a));
		a.key = P(&i);
		a.value = P(val);
		a.map_fd = (uint32_t)p.k;
		kbpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
		a.map_fd = (uint32_t)p.u;
		ubpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
	}
	return p;
}

static const char *cmd_name(int cmd)
{
	switch (cmd) {
	case BPF_MAP_LOOKUP_BATCH:
		return "LOOKUP_BATCH";
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		return "LOOKUP_AND_DELETE_BATCH";
	case BPF_MAP_UPDATE_BATCH:
		return "UPDATE_BATCH";
	default:
		return "DELETE_BATCH";
	}
}

/*
 * A hash lookup batch smaller than the element count fails with ENOSPC
 * or not depending on how the elements fall into buckets, which the
 * kernel seeds at random: not comparable.
 */
static bool bucket_dependent(int cmd, uint32_t type, size_t fill, uint32_t count)
{
	bool hash = type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
		    type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bool lookup = cmd == BPF_MAP_LOOKUP_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH;

	return hash && lookup && fill && count < 3;
}

/*
 * F12: every batch command x map type x NULL field (keys, values,
 * out_batch), on empty and filled maps, with small and large counts:
 * same result and same count as the kernel, never a crash.
 */
TEST(sandbox_syscall_batch_null_pointers)
{
	static const int cmds[] = { BPF_MAP_LOOKUP_BATCH, BPF_MAP_LOOKUP_AND_DELETE_BATCH,
				    BPF_MAP_UPDATE_BATCH, BPF_MAP_DELETE_BATCH };
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY,	 BPF_MAP_TYPE_PERCPU_ARRAY,
					  BPF_MAP_TYPE_HASH,	 BPF_MAP_TYPE_PERCPU_HASH,
					  BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH };
	static const uint32_t counts[] = { 1, 2, 64 };
	static uint8_t keys[64 * 4], values[64 * 8 * 1024];
	uint64_t in_batch[2], out_batch[2];
	size_t c, t, f, fill, n;
	unsigned compared = 0;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	for (c = 0; c < N(cmds); c++)
		for (t = 0; t < N(types); t++)
			for (f = 0; f < 4; f++) /* 3: no NULL field (control) */
				for (fill = 0; fill < 2; fill++)
					for (n = 0; n < N(counts); n++) {
						struct pair m = map_pair(types[t], 8, fill);
						union bpf_attr ka, ua;
						int k, u;

						ASSERT_TRUE(m.k >= 0 && m.u >= 0);
						if (bucket_dependent(cmds[c], types[t], fill,
								     counts[n])) {
							pair_close(&m);
							continue;
						}
						memset(&ka, 0, sizeof(ka));
						memset(keys, 0, sizeof(keys));
						memset(out_batch, 0, sizeof(out_batch));
						memset(in_batch, 0, sizeof(in_batch));
						ka.batch.keys = f == 0 ? 0 : P(keys);
						ka.batch.values = f == 1 ? 0 : P(values);
						ka.batch.out_batch = f == 2 ? 0 : P(out_batch);
						ka.batch.count = counts[n];
						ua = ka;
						ka.batch.map_fd = (uint32_t)m.k;
						ua.batch.map_fd = (uint32_t)m.u;
						k = kbpf(cmds[c], &ka, sizeof(ka));
						u = ubpf(cmds[c], &ua, sizeof(ua));
						compared++;
						if (k != u || ka.batch.count != ua.batch.count) {
							test_fail(
								__FILE__, __LINE__,
								"%s type %u null %s fill %zu count %u: "
								"kernel %d count %u, userbpf %d count %u",
								cmd_name(cmds[c]), types[t],
								f == 0 ? "keys" :
								f == 1 ? "values" :
								f == 2 ? "out_batch" :
									 "none",
								fill, counts[n], k, ka.batch.count,
								u, ua.batch.count);
							pair_close(&m);
							return;
						}
						pair_close(&m);
					}
	/* 4 commands x 6 types x 4 fields x 2 fills x 3 counts, less the
	 * bucket-dependent hash lookups (2 commands x 4 types x 4 x 2 counts) */
	ASSERT_EQ(compared, (unsigned)(N(cmds) * N(types) * 4 * 2 * N(counts) - 2 * 4 * 4 * 2));
}

static struct userbpf_insn ret0[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };

static void prog_attr(union bpf_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a->insns = P(ret0);
	a->insn_cnt = N(ret0);
	a->license = P("GPL");
}

/* Same PROG_LOAD attr on both sides: same fd-or-errno class. */
static int load_both(union bpf_attr *a, int *k_out, int *u_out)
{
	union bpf_attr ka = *a, ua = *a;
	int k = kbpf(BPF_PROG_LOAD, &ka, sizeof(ka)), u = ubpf(BPF_PROG_LOAD, &ua, sizeof(ua));

	*k_out = k;
	*u_out = u;
	if (k >= 0)
		close(k);
	if (u >= 0)
		userbpf_close(u);
	return (k < 0 || u < 0) ? (k == u) : 1;
}

#define LOAD_SAME(A, WHAT)                                                                         \
	do {                                                                                       \
		int k_, u_;                                                                        \
		if (!load_both(&(A), &k_, &u_)) {                                                  \
			test_fail(__FILE__, __LINE__, "%s: kernel %d, userbpf %d", WHAT, k_, u_);  \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* F13 and the F17 PROG_LOAD attrs: insn limit, order, license, log. */
TEST(sandbox_syscall_prog_load_edges)
{
	char log[4096];
	union bpf_attr a;
	uint32_t lvl;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	/* F13: more than 1,000,000 instructions is E2BIG before the buffer is
	 * read (a 2-insn buffer: reading it would fault or overrun) */
	prog_attr(&a);
	a.insn_cnt = 1000001;
	LOAD_SAME(a, "1,000,001 insns");
	a.insn_cnt = 1u << 20;
	LOAD_SAME(a, "1,048,576 insns");
	a.insns = 0;
	LOAD_SAME(a, "too many insns, NULL buffer");
	/* E2BIG comes before the type check */
	a.prog_type = 9999;
	LOAD_SAME(a, "too many insns, unknown type");
	/* NULL buffer, NULL license */
	prog_attr(&a);
	a.insns = 0;
	LOAD_SAME(a, "NULL insns");
	prog_attr(&a);
	a.license = 0;
	LOAD_SAME(a, "NULL license");
	/* log attrs: every level 0..31 with and without a buffer */
	for (lvl = 0; lvl < 32; lvl++) {
		prog_attr(&a);
		a.log_level = lvl;
		LOAD_SAME(a, "log level without buffer");
		a.log_buf = P(log);
		a.log_size = sizeof(log);
		LOAD_SAME(a, "log level with buffer");
	}
	prog_attr(&a);
	a.log_buf = P(log);
	LOAD_SAME(a, "log buffer without size");
	prog_attr(&a);
	a.log_size = 100;
	LOAD_SAME(a, "log size without buffer");
	prog_attr(&a);
	a.log_level = 1;
	a.log_buf = P(log);
	a.log_size = 0x40000000;
	LOAD_SAME(a, "log size above UINT_MAX >> 2");
	/* a log buffer too small for the log: ENOSPC on both */
	prog_attr(&a);
	a.log_level = 1;
	a.log_buf = P(log);
	a.log_size = 4;
	LOAD_SAME(a, "4-byte log buffer");
}

/* F14: info_len above a page is E2BIG; a NULL buffer faults only when
 * bytes move. */
TEST(sandbox_syscall_obj_info_len)
{
	static const uint32_t lens[] = { 0, 8, 4096, 4097, 8192, 1u << 30 };
	static uint8_t buf[8192];
	struct pair m;
	size_t i, nul;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	m = map_pair(BPF_MAP_TYPE_ARRAY, 4, false);
	ASSERT_TRUE(m.k >= 0 && m.u >= 0);
	for (nul = 0; nul < 2; nul++)
		for (i = 0; i < N(lens); i++) {
			union bpf_attr ka, ua;
			int k, u;

			memset(buf, 0, sizeof(buf));
			memset(&ka, 0, sizeof(ka));
			ka.info.info = nul ? 0 : P(buf);
			ka.info.info_len = lens[i];
			ua = ka;
			ka.info.bpf_fd = (uint32_t)m.k;
			ua.info.bpf_fd = (uint32_t)m.u;
			k = kbpf(BPF_OBJ_GET_INFO_BY_FD, &ka, sizeof(ka));
			u = ubpf(BPF_OBJ_GET_INFO_BY_FD, &ua, sizeof(ua));
			if (k != u) {
				test_fail(__FILE__, __LINE__,
					  "info_len %u %s buffer: kernel %d, userbpf %d", lens[i],
					  nul ? "NULL" : "real", k, u);
				pair_close(&m);
				return;
			}
		}
	pair_close(&m);
}

/* F16: PROG_GET_FD_BY_ID gives the program; unknown id ENOENT. */
TEST(sandbox_syscall_prog_get_fd_by_id)
{
	union bpf_attr a;
	struct userbpf_prog *p1, *p2;
	int fd, fd2;

	prog_attr(&a);
	fd = ubpf(BPF_PROG_LOAD, &a, sizeof(a));
	ASSERT_TRUE(fd >= 0);
	p1 = userbpf_prog_by_fd(fd);
	ASSERT_TRUE(p1 != NULL);
	memset(&a, 0, sizeof(a));
	a.prog_id = userbpf_prog__id(p1);
	fd2 = ubpf(BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
	ASSERT_TRUE(fd2 >= 0 && fd2 != fd);
	p2 = userbpf_prog_by_fd(fd2);
	ASSERT_TRUE(p2 == p1);
	/* the new handle keeps the program after the first one closes */
	userbpf_close(fd);
	ASSERT_EQ(userbpf_prog__id(userbpf_prog_by_fd(fd2)), a.prog_id);
	userbpf_close(fd2);
	ASSERT_EQ(ubpf(BPF_PROG_GET_FD_BY_ID, &a, sizeof(a)), -ENOENT);
	if (kernel_ok()) {
		union bpf_attr ka;

		memset(&ka, 0, sizeof(ka));
		ka.prog_id = 0x7ffffff0;
		memset(&a, 0, sizeof(a));
		a.prog_id = 0x7ffffff0;
		ASSERT_EQ(ubpf(BPF_PROG_GET_FD_BY_ID, &a, sizeof(a)),
			  kbpf(BPF_PROG_GET_FD_BY_ID, &ka, sizeof(ka)));
	}
}

/* F17: fd 0 (open stdin) is EINVAL, flags before the fd, edge attrs. */
TEST(sandbox_syscall_fd_and_flag_order)
{
	static const int cmds[] = { BPF_MAP_LOOKUP_ELEM,
				    BPF_MAP_UPDATE_ELEM,
				    BPF_MAP_DELETE_ELEM,
				    BPF_MAP_GET_NEXT_KEY,
				    BPF_MAP_LOOKUP_AND_DELETE_ELEM,
				    BPF_MAP_FREEZE,
				    BPF_OBJ_GET_INFO_BY_FD,
				    BPF_PROG_TEST_RUN };
	static const uint32_t fdv[] = { 0, 1, 2, 999, 0x7fffffff };
	static const uint64_t flagv[] = { 0, 4, 1ull << 40 };
	uint32_t key = 0;
	uint64_t val = 0;
	size_t c, f, g;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	for (c = 0; c < N(cmds); c++)
		for (f = 0; f < N(fdv); f++)
			for (g = 0; g < N(flagv); g++) {
				union bpf_attr ka, ua;
				int k, u;

				memset(&ka, 0, sizeof(ka));
				if (cmds[c] == BPF_OBJ_GET_INFO_BY_FD) {
					ka.info.bpf_fd = fdv[f];
				} else if (cmds[c] == BPF_PROG_TEST_RUN) {
					ka.test.prog_fd = fdv[f];
				} else {
					ka.map_fd = fdv[f];
					ka.key = P(&key);
					ka.value = P(&val);
					if (cmds[c] != BPF_MAP_DELETE_ELEM &&
					    cmds[c] != BPF_MAP_FREEZE &&
					    cmds[c] != BPF_MAP_GET_NEXT_KEY)
						ka.flags = flagv[g];
				}
				ua = ka;
				k = kbpf(cmds[c], &ka, sizeof(ka));
				u = ubpf(cmds[c], &ua, sizeof(ua));
				if (k != u) {
					test_fail(__FILE__, __LINE__,
						  "cmd %d fd %u flags %#llx: kernel %d, userbpf %d",
						  cmds[c], fdv[f], (unsigned long long)flagv[g], k,
						  u);
					return;
				}
			}
}

/* F16: a malformed .bpf.o is exit status 2 (README), not 1. */
TEST(sandbox_syscall_cli_malformed_object)
{
	char path[] = "/tmp/userbpf-bad-XXXXXX";
	char cmd[512];
	int fd = mkstemp(path), st;

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, "\177ELF garbage, not an object", 28), 28);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s/userbpf prog list %s >/dev/null 2>&1", test_build_dir(),
		 path);
	st = system(cmd);
	unlink(path);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 2);
}

/* ==== Differential attrs: edge values for every command ==== */

/* deterministic xorshift, so a mismatch replays */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

static uint32_t edge_u32(void)
{
	static const uint32_t v[] = { 0,  1,  2,    3,	  4,	      7,	   8,
				      16, 64, 4096, 4097, 0x7fffffff, 0x80000000u, 0xffffffffu };

	return v[rnd(N(v))];
}

enum fd_pick { FD_ZERO, FD_CLOSED, FD_MAP, FD_PROG, FD_PICKS };

/* A field that names an fd: the same object on both sides. */
static uint32_t pick_fd(enum fd_pick p, bool kernel, const struct pair *map,
			const struct pair *prog)
{
	switch (p) {
	case FD_ZERO:
		return 0;
	case FD_CLOSED:
		return 999;
	case FD_MAP:
		return (uint32_t)(kernel ? map->k : map->u);
	default:
		return (uint32_t)(kernel ? prog->k : prog->u);
	}
}

static uint8_t kbuf[65536], ubuf[65536];

/* A user pointer: NULL or a big zeroed buffer (never a wild address). */
static uint64_t pick_ptr(bool kernel, unsigned which)
{
	return which ? P(kernel ? kbuf : ubuf) : 0;
}

static void fill_attr(int cmd, union bpf_attr *a, bool kernel, const uint32_t *sel,
		      const struct pair *map, const struct pair *prog)
{
	static const uint32_t map_types[] = { BPF_MAP_TYPE_HASH,
					      BPF_MAP_TYPE_ARRAY,
					      BPF_MAP_TYPE_PERCPU_ARRAY,
					      BPF_MAP_TYPE_LRU_HASH,
					      BPF_MAP_TYPE_QUEUE,
					      BPF_MAP_TYPE_RINGBUF,
					      200 };

	memset(a, 0, sizeof(*a));
	switch (cmd) {
	case BPF_MAP_CREATE:
		a->map_type = map_types[sel[0] % N(map_types)];
		a->key_size = sel[1];
		a->value_size = sel[2];
		a->max_entries = sel[3] > 4096 ? 4096 : sel[3]; /* no huge maps */
		a->map_flags = sel[4] & 0x3ff;
		break;
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
	case BPF_MAP_FREEZE:
		a->map_fd = pick_fd(sel[0] % FD_PICKS, kernel, map, prog);
		a->key = pick_ptr(kernel, sel[1] & 1);
		a->value = pick_ptr(kernel, sel[2] & 1);
		if (cmd != BPF_MAP_DELETE_ELEM && cmd != BPF_MAP_GET_NEXT_KEY &&
		    cmd != BPF_MAP_FREEZE)
			a->flags = sel[3] & 7;
		break;
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		a->batch.map_fd = pick_fd(sel[0] % FD_PICKS, kernel, map, prog);
		a->batch.keys = pick_ptr(kernel, sel[1] & 1);
		a->batch.values = pick_ptr(kernel, sel[1] & 2);
		a->batch.in_batch = pick_ptr(kernel, sel[1] & 4);
		a->batch.out_batch = pick_ptr(kernel, sel[1] & 8);
		a->batch.count = sel[2] > 64 ? 64 : sel[2];
		a->batch.elem_flags = sel[3] & 5;
		a->batch.flags = sel[4] & 1;
		break;
	case BPF_PROG_LOAD:
		prog_attr(a);
		if (sel[0] & 1)
			a->insns = 0;
		if (sel[0] & 2)
			a->license = 0;
		{
			/* counts that never read past the 2-insn buffer: the
			 * real one, zero, or above the limit (E2BIG unread) */
			static const uint32_t cnts[] = { 0, 1000001, 1u << 20, 0xffffffffu };

			a->insn_cnt = sel[1] & 1 ? N(ret0) : cnts[sel[2] % N(cnts)];
		}
		if (sel[1] & 2) {
			a->log_level = sel[3] & 31;
			a->log_buf = pick_ptr(kernel, sel[4] & 1);
			a->log_size = sel[4] & 2 ? 4096 : sel[4] & 4 ? 4 : 0;
		}
		if (sel[1] & 4)
			a->prog_type = sel[3] & 1 ? 9999 : BPF_PROG_TYPE_XDP;
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		a->info.bpf_fd = pick_fd(sel[0] % FD_PICKS, kernel, map, prog);
		a->info.info = pick_ptr(kernel, sel[1] & 1);
		a->info.info_len = sel[2];
		break;
	case BPF_PROG_GET_FD_BY_ID:
	case BPF_MAP_GET_FD_BY_ID:
		/* ids differ between the sides: only ones neither has */
		a->prog_id = 0x7fff0000u + (sel[0] & 0xff);
		a->open_flags = cmd == BPF_MAP_GET_FD_BY_ID ? (sel[1] & 0x1f) : 0;
		break;
	default: /* BPF_BTF_LOAD */
		a->btf = pick_ptr(kernel, sel[0] & 1);
		a->btf_size = sel[1] > 65536 ? sel[1] : sel[1] & 0xff; /* in the buffer */
		break;
	}
}

static bool makes_fd(int cmd)
{
	return cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD || cmd == BPF_BTF_LOAD ||
	       cmd == BPF_PROG_GET_FD_BY_ID || cmd == BPF_MAP_GET_FD_BY_ID;
}

TEST(sandbox_syscall_differential_attrs)
{
	static const int cmds[] = { BPF_MAP_CREATE,
				    BPF_MAP_LOOKUP_ELEM,
				    BPF_MAP_UPDATE_ELEM,
				    BPF_MAP_DELETE_ELEM,
				    BPF_MAP_GET_NEXT_KEY,
				    BPF_MAP_LOOKUP_AND_DELETE_ELEM,
				    BPF_MAP_FREEZE,
				    BPF_MAP_LOOKUP_BATCH,
				    BPF_MAP_LOOKUP_AND_DELETE_BATCH,
				    BPF_MAP_UPDATE_BATCH,
				    BPF_MAP_DELETE_BATCH,
				    BPF_PROG_LOAD,
				    BPF_OBJ_GET_INFO_BY_FD,
				    BPF_PROG_GET_FD_BY_ID,
				    BPF_MAP_GET_FD_BY_ID,
				    BPF_BTF_LOAD };
	unsigned calls = 0, mismatches = 0, i, c;
	struct pair map, prog;
	union bpf_attr pa;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	map = map_pair(BPF_MAP_TYPE_ARRAY, 8, true);
	prog_attr(&pa);
	prog.k = kbpf(BPF_PROG_LOAD, &pa, sizeof(pa));
	prog.u = ubpf(BPF_PROG_LOAD, &pa, sizeof(pa));
	ASSERT_TRUE(map.k >= 0 && map.u >= 0 && prog.k >= 0 && prog.u >= 0);
	for (c = 0; c < N(cmds); c++)
		for (i = 0; i < 200; i++) {
			uint32_t sel[5];
			union bpf_attr ka, ua;
			unsigned j;
			int k, u;

			for (j = 0; j < N(sel); j++)
				sel[j] = rnd(2) ? edge_u32() : rnd(1u << 16);
			fill_attr(cmds[c], &ka, true, sel, &map, &prog);
			fill_attr(cmds[c], &ua, false, sel, &map, &prog);
			memset(kbuf, 0, sizeof(kbuf));
			memset(ubuf, 0, sizeof(ubuf));
			k = kbpf(cmds[c], &ka, sizeof(ka));
			u = ubpf(cmds[c], &ua, sizeof(ua));
			calls++;
			if ((k < 0 || u < 0) && k != u) {
				mismatches++;
				if (test_verbose())
					printf("  mismatch cmd %d sel %u %u %u %u %u: kernel %d, "
					       "userbpf %d\n",
					       cmds[c], sel[0], sel[1], sel[2], sel[3], sel[4], k,
					       u);
			}
			if (k >= 0 && makes_fd(cmds[c]))
				close(k);
			if (u >= 0 && makes_fd(cmds[c]))
				userbpf_close(u);
		}
	printf("  differential attrs: %u calls compared, %u mismatches\n", calls, mismatches);
	pair_close(&map);
	pair_close(&prog);
	ASSERT_EQ(mismatches, 0u);
}
