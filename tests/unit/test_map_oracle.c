/* SPDX-License-Identifier: MIT */
/*
 * test_map_oracle.c - kernel differential test for maps.  For every map
 * type the running kernel supports, random sequences of commands (create
 * with valid and invalid attributes, update with valid and invalid flags,
 * lookup, delete, get_next_key, lookup_and_delete, the four batch
 * commands, freeze) go to a kernel map through bpf(2) and to a userbpf
 * map; return codes, errno, values, keys and batch cursors must agree.
 *
 * Hash-family maps are created with BPF_F_ZERO_SEED on both sides, so
 * bucket order (get_next_key, batches) is compared exactly; one hash
 * configuration uses random seeds and compares contents as sets.  LRU maps
 * are kept below max_entries (kernel eviction is approximate, by design),
 * with the thread pinned to one CPU.  Values of map-in-map maps are
 * compared through a table translating inner map IDs on each side.
 *
 * Skipped with a message when bpf() is not permitted (EPERM/ENOSYS).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "userbpf/map.h"
#include "maps/map.h"

#define MAXV 4096 /* buffer bytes for one value/key */
#define MAXB 64	  /* max batch elements */

/* ==== kernel side ==== */

static unsigned long cmds_compared, seqs_compared, mismatches;

/* Every kernel call is paired with the same userbpf call and compared. */
static int kbpf(int cmd, union bpf_attr *a)
{
	long r;

	if (cmd != BPF_OBJ_GET_INFO_BY_FD)
		cmds_compared++;
	r = syscall(__NR_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : (int)r;
}

static int k_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
		    uint64_t extra, int inner_fd, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.map_extra = extra;
	a.inner_map_fd = inner_fd > 0 ? (uint32_t)inner_fd : 0;
	if (name)
		strncpy(a.map_name, name, sizeof(a.map_name) - 1);
	return kbpf(BPF_MAP_CREATE, &a);
}

static int k_elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	if (cmd == BPF_MAP_GET_NEXT_KEY)
		a.next_key = (uintptr_t)value;
	else if (cmd != BPF_MAP_DELETE_ELEM)
		a.value = (uintptr_t)value;
	if (cmd != BPF_MAP_GET_NEXT_KEY && cmd != BPF_MAP_DELETE_ELEM)
		a.flags = flags;
	return kbpf(cmd, &a);
}

static int k_freeze(int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	return kbpf(BPF_MAP_FREEZE, &a);
}

static int k_batch(int cmd, int fd, const void *in, void *out, void *keys, void *values,
		   uint32_t *count, uint64_t ef, uint64_t f)
{
	union bpf_attr a;
	int r;

	memset(&a, 0, sizeof(a));
	a.batch.in_batch = (uintptr_t)in;
	a.batch.out_batch = (uintptr_t)out;
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)values;
	a.batch.count = *count;
	a.batch.map_fd = (uint32_t)fd;
	a.batch.elem_flags = ef;
	a.batch.flags = f;
	r = kbpf(cmd, &a);
	*count = a.batch.count;
	return r;
}

static uint32_t k_map_id(int fd)
{
	struct bpf_map_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	if (kbpf(BPF_OBJ_GET_INFO_BY_FD, &a))
		return 0;
	return info.id;
}

/* ==== random numbers ==== */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static uint32_t rnd_n(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* ==== one comparison run ==== */

struct cfg {
	const char *label;
	uint32_t type, ks, vs, max, flags;
	uint64_t extra;
	bool ordered; /* compare key order exactly */
	bool lru;     /* keep below max_entries */
	int inner;    /* map-in-map: 1 array inners, 2 hash inners */
};

struct pair {
	const struct cfg *c;
	int kfd;
	struct userbpf_map *um;
	uint32_t uvs; /* syscall value size */
	bool fdvals;  /* map-in-map values */
	/* map-in-map inner pools: index → kernel fd / kernel id / user map */
	int nin;
	int kin[4];
	uint32_t kin_id[4];
	struct userbpf_map *uin[4];
	char where[160];
};

static char first_mismatch[512];

static bool check(struct pair *p, bool ok, const char *what, long kv, long uv)
{
	if (ok)
		return true;
	mismatches++;
	if (!first_mismatch[0])
		snprintf(first_mismatch, sizeof(first_mismatch), "%s: %s: kernel %ld, userbpf %ld",
			 p->where, what, kv, uv);
	return false;
}

static void gen_key(struct pair *p, unsigned char *key)
{
	const struct cfg *c = p->c;
	uint32_t k;

	memset(key, 0, MAXV);
	if (c->type == BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t dsz = c->ks - 4, plen = rnd_n(dsz * 8 + 3), i;

		if (rnd_n(4))
			plen = rnd_n(dsz * 8 + 1);
		memcpy(key, &plen, 4);
		key[4] = (unsigned char)(rnd_n(2) ? 10 : 10 + rnd_n(3) * 64);
		for (i = 1; i < dsz; i++)
			key[4 + i] = (unsigned char)(rnd_n(3) ? rnd_n(4) : rnd());
		return;
	}
	if (c->type == BPF_MAP_TYPE_ARRAY || c->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    c->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || c->type == BPF_MAP_TYPE_PROG_ARRAY ||
	    c->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		k = rnd_n(8) ? rnd_n(c->max + 2) : rnd();
	else
		k = rnd_n(c->max * 2 + 2);
	memcpy(key, &k, c->ks < 4 ? c->ks : 4);
	if (c->ks > 4 && rnd_n(8) == 0)
		key[c->ks - 1] = (unsigned char)rnd_n(3);
}

/* Abstract value → each side's encoding (map-in-map: fd vs ID). */
static void gen_value(struct pair *p, unsigned char *kval, unsigned char *uval)
{
	uint32_t i;

	if (p->fdvals) {
		uint32_t j = rnd_n((uint32_t)p->nin + 1), kv, uv;

		if (j == (uint32_t)p->nin) {
			kv = 999;	 /* closed fd */
			uv = 0x7ffffff0; /* unknown ID */
		} else {
			kv = (uint32_t)p->kin[j];
			uv = userbpf_map__id(p->uin[j]);
		}
		memcpy(kval, &kv, 4);
		memcpy(uval, &uv, 4);
		return;
	}
	for (i = 0; i < p->uvs; i++)
		kval[i] = (unsigned char)(rnd_n(4) ? rnd_n(5) : rnd());
	if (p->c->type == BPF_MAP_TYPE_BLOOM_FILTER)
		for (i = 1; i < p->uvs; i++)
			kval[i] = 0; /* small value domain: hits and misses */
	memcpy(uval, kval, p->uvs);
}

/* Compare two values written by each side. */
static bool same_value(struct pair *p, const unsigned char *kv, const unsigned char *uv)
{
	if (p->fdvals) {
		uint32_t kid, uid;
		int i, kj = -1, uj = -1;

		memcpy(&kid, kv, 4);
		memcpy(&uid, uv, 4);
		for (i = 0; i < p->nin; i++) {
			if (p->kin_id[i] == kid)
				kj = i;
			if (userbpf_map__id(p->uin[i]) == uid)
				uj = i;
		}
		if (getenv("ORACLE_DEBUG") && !(kj == uj && kj >= 0))
			printf("fdval kid %u uid %u kj %d uj %d (%u %u %u %u)\n", kid, uid, kj, uj,
			       p->kin_id[0], p->kin_id[1], p->kin_id[2], p->kin_id[3]);
		return kj == uj && kj >= 0;
	}
	return !memcmp(kv, uv, p->uvs);
}

static uint64_t pick_flags(void)
{
	static const uint64_t f[] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 8, 16 };

	return f[rnd_n(sizeof(f) / sizeof(f[0]))];
}

/* Live elements on the userbpf side (LRU bookkeeping). */
static uint32_t user_count(struct pair *p)
{
	unsigned char k[MAXV], n[MAXV];
	uint32_t cnt = 0;

	/* internal call: also works on write-only maps */
	struct ub_map *m = ub_map_from(p->um);

	if (ub_map_sys_get_next_key(m, UB_FMODE_READ, NULL, k))
		return 0;
	cnt = 1;
	while (!ub_map_sys_get_next_key(m, UB_FMODE_READ, k, n) && cnt < 100000) {
		memcpy(k, n, p->c->ks);
		cnt++;
	}
	return cnt;
}

static bool is_fd_array(uint32_t t)
{
	return t == BPF_MAP_TYPE_PROG_ARRAY || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

static void one_command(struct pair *p)
{
	static unsigned char kkey[MAXV], kval[MAXV * 4], uval[MAXV * 4];
	static unsigned char kout[MAXV * 4], uout[MAXV * 4], kout2[MAXV], uout2[MAXV];
	static unsigned char kkeys[MAXB * 264], ukeys[MAXB * 264];
	static unsigned char kvals[MAXB * 512], uvals[MAXB * 512];
	static uint32_t kcur[70], ucur[70];
	static bool have_cursor;
	const struct cfg *c = p->c;
	bool keyless = c->ks == 0;
	const void *key = keyless ? NULL : kkey;
	uint32_t op = rnd_n(100);
	uint64_t flags = pick_flags();
	int kr, ur;

	gen_key(p, kkey);
	if (keyless && rnd_n(16) == 0)
		key = kkey; /* a key for a key-less map: EINVAL */
	if (op < 30) {	    /* update */
		if (c->lru && user_count(p) >= c->max)
			return;
		gen_value(p, kval, uval);
		if (is_fd_array(c->type) && flags == 0) {
			uint32_t idx;

			memcpy(&idx, kkey, 4);
			if (idx < c->max)
				flags = 1; /* fd values: compare flag errors only */
		}
		kr = k_elem(BPF_MAP_UPDATE_ELEM, p->kfd, key, kval, flags);
		ur = userbpf_map__update_elem(p->um, key, uval, flags);
		check(p, kr == ur, "update ret", kr, ur);
	} else if (op < 52) { /* lookup */
		uint64_t lf = rnd_n(8) ? 0 : (rnd_n(2) ? 4 : 1);

		if (c->type == BPF_MAP_TYPE_BLOOM_FILTER) {
			gen_value(p, kout, uout);
		} else {
			memset(kout, 0xa5, sizeof(kout));
			memset(uout, 0xa5, sizeof(uout));
		}
		kr = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, key, kout, lf);
		ur = userbpf_map__lookup_elem(p->um, key, uout, lf);
		if (check(p, kr == ur, "lookup ret", kr, ur) && kr == 0)
			check(p, same_value(p, kout, uout), "lookup value", 0, 1);
	} else if (op < 64) { /* delete */
		kr = k_elem(BPF_MAP_DELETE_ELEM, p->kfd, key, NULL, 0);
		ur = userbpf_map__delete_elem(p->um, key);
		check(p, kr == ur, "delete ret", kr, ur);
	} else if (op < 76) { /* get_next_key */
		const void *from = rnd_n(4) ? key : NULL;

		memset(kout2, 0x5a, sizeof(kout2));
		memset(uout2, 0x5a, sizeof(uout2));
		kr = k_elem(BPF_MAP_GET_NEXT_KEY, p->kfd, from, kout2, 0);
		ur = userbpf_map__get_next_key(p->um, from, uout2);
		if (!c->ordered && kr != ur)
			return; /* random seeds: order differs by design */
		if (check(p, kr == ur, "get_next_key ret", kr, ur) && kr == 0 && c->ordered)
			check(p, !memcmp(kout2, uout2, c->ks), "get_next_key key", 0, 1);
	} else if (op < 84) { /* lookup_and_delete */
		uint64_t lf = rnd_n(6) ? 0 : (rnd_n(2) ? 4 : 1);

		kr = k_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, p->kfd, key, kout, lf);
		ur = userbpf_map__lookup_and_delete_elem(p->um, key, uout, lf);
		if (check(p, kr == ur, "lookup_and_delete ret", kr, ur) && kr == 0)
			check(p, same_value(p, kout, uout), "lookup_and_delete value", 0, 1);
	} else if (op < 99) { /* batches */
		uint32_t which = rnd_n(4), n = rnd_n(c->max + 3), kc, uc, i;
		uint64_t ef = rnd_n(10) ? 0 : (rnd_n(2) ? 4 : 1);
		uint64_t bf = rnd_n(10) ? 0 : 1;
		const void *kin = NULL, *uin = NULL;

		if (n > MAXB)
			n = MAXB;
		if (keyless)
			return;
		if (which >= 2 && c->lru) {
			uint32_t live = user_count(p);

			n = live >= c->max ? 0 : (n < c->max - live ? n : c->max - live);
		}
		if (which < 2) {
			if (!c->ordered)
				return;
			if (have_cursor && rnd_n(3)) {
				kin = kcur;
				uin = ucur;
			}
			memset(kkeys, 0, sizeof(kkeys));
			memset(ukeys, 0, sizeof(ukeys));
			memset(kvals, 0, sizeof(kvals));
			memset(uvals, 0, sizeof(uvals));
			kc = uc = n;
			{
				static uint32_t kc2[70], uc2[70];

				memset(kc2, 0x77, sizeof(kc2));
				memset(uc2, 0x77, sizeof(uc2));
				kr = k_batch(which ? BPF_MAP_LOOKUP_AND_DELETE_BATCH :
						     BPF_MAP_LOOKUP_BATCH,
					     p->kfd, kin, kc2, kkeys, kvals, &kc, ef, bf);
				ur = which ? userbpf_map__lookup_and_delete_batch(
						     p->um, uin, uc2, ukeys, uvals, &uc, ef, bf) :
					     userbpf_map__lookup_batch(p->um, uin, uc2, ukeys,
								       uvals, &uc, ef, bf);
				if (!check(p, kr == ur, "batch lookup ret", kr, ur) ||
				    !check(p, kc == uc, "batch lookup count", kc, uc))
					return;
				if (kr != 0 && kr != -ENOENT && kr != -ENOSPC)
					return; /* count and buffers untouched */
				check(p, !memcmp(kc2, uc2, c->ks > 4 ? c->ks : 4), "batch cursor",
				      kc2[0], uc2[0]);
				check(p, !memcmp(kkeys, ukeys, (size_t)kc * c->ks), "batch keys", 0,
				      1);
				if (getenv("ORACLE_DEBUG") && p->fdvals) {
					printf("batch which %u kr %d kc %u:", which, kr, kc);
					for (i = 0; i < kc; i++)
						printf(" %u/%u", ((uint32_t *)kvals)[i],
						       ((uint32_t *)uvals)[i]);
					printf("\n");
				}
				for (i = 0; i < kc; i++)
					check(p,
					      same_value(p, kvals + (size_t)i * p->uvs,
							 uvals + (size_t)i * p->uvs),
					      "batch value", i, i);
				if (kr == 0 || kr == -ENOENT) {
					memcpy(kcur, kc2, sizeof(kcur));
					memcpy(ucur, uc2, sizeof(ucur));
					have_cursor = kr == 0;
				}
			}
		} else {
			for (i = 0; i < n; i++) {
				gen_key(p, kkeys + (size_t)i * c->ks);
				gen_value(p, kvals + (size_t)i * p->uvs,
					  uvals + (size_t)i * p->uvs);
			}
			memcpy(ukeys, kkeys, (size_t)n * c->ks);
			kc = uc = n;
			if (which == 2) {
				kr = k_batch(BPF_MAP_UPDATE_BATCH, p->kfd, NULL, NULL, kkeys, kvals,
					     &kc, ef, bf);
				ur = userbpf_map__update_batch(p->um, ukeys, uvals, &uc, ef, bf);
			} else {
				kr = k_batch(BPF_MAP_DELETE_BATCH, p->kfd, NULL, NULL, kkeys, NULL,
					     &kc, ef, bf);
				ur = userbpf_map__delete_batch(p->um, ukeys, &uc, ef, bf);
			}
			if (getenv("ORACLE_DEBUG") && kr != ur)
				printf("batch write which %u n %u ef %llu bf %llu k %d u %d\n",
				       which, n, (unsigned long long)ef, (unsigned long long)bf, kr,
				       ur);
			if (check(p, kr == ur, "batch write ret", kr, ur))
				check(p, kc == uc, "batch write count", kc, uc);
		}
	} else { /* freeze, rarely */
		if (rnd_n(4))
			return;
		kr = k_freeze(p->kfd);
		ur = userbpf_map__freeze(p->um);
		check(p, kr == ur, "freeze ret", kr, ur);
	}
}

/* Full content comparison as sets (for random-seed hash maps). */
static void compare_contents(struct pair *p)
{
	unsigned char k[MAXV], n[MAXV], kv[MAXV * 4], uv[MAXV * 4];
	uint32_t kn = 0, un = 0;
	const void *from = NULL;

	if (p->c->ks == 0 || p->c->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return;
	while (!k_elem(BPF_MAP_GET_NEXT_KEY, p->kfd, from, n, 0) && kn < 100000) {
		int kr, ur;

		memcpy(k, n, p->c->ks);
		from = k;
		kn++;
		kr = k_elem(BPF_MAP_LOOKUP_ELEM, p->kfd, k, kv, 0);
		ur = userbpf_map__lookup_elem(p->um, k, uv, 0);
		if (check(p, kr == ur, "contents: lookup", kr, ur) && !kr)
			check(p, same_value(p, kv, uv), "contents: value", 0, 1);
	}
	from = NULL;
	while (!userbpf_map__get_next_key(p->um, from, n) && un < 100000) {
		memcpy(k, n, p->c->ks);
		from = k;
		un++;
	}
	check(p, kn == un, "contents: element count", kn, un);
}

static int make_inner_pool(struct pair *p)
{
	uint32_t t = p->c->inner == 2 ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY;
	int i;

	p->nin = 4;
	for (i = 0; i < p->nin; i++) {
		uint32_t vs = i == 3 ? 8 : 4; /* the last one is incompatible */

		p->kin[i] = k_create(t, 4, vs, 2, 0, 0, -1, NULL);
		p->uin[i] = userbpf_map__create(t, NULL, 4, vs, 2, NULL);
		if (p->kin[i] < 0 || !p->uin[i])
			return -1;
		p->kin_id[i] = k_map_id(p->kin[i]);
	}
	return 0;
}

static void free_inner_pool(struct pair *p)
{
	int i;

	for (i = 0; i < p->nin; i++) {
		if (p->kin[i] > 0)
			close(p->kin[i]);
		userbpf_map__put(p->uin[i]);
	}
	p->nin = 0;
}

/* Create both maps with the same attributes; run ncmds commands. */
static void run_sequence(const struct cfg *c, uint32_t flags, int ncmds, uint64_t seed)
{
	struct pair p;
	USERBPF_OPTS(userbpf_map_create_opts, o);
	int kr, i;

	memset(&p, 0, sizeof(p));
	p.c = c;
	rng_state = seed;
	snprintf(p.where, sizeof(p.where), "%s flags %#x seed %#llx", c->label, flags,
		 (unsigned long long)seed);
	if (c->inner && make_inner_pool(&p)) {
		check(&p, false, "inner pool create", 0, 0);
		free_inner_pool(&p);
		return;
	}
	o.map_flags = flags;
	o.map_extra = c->extra;
	if (c->inner)
		o.inner_map = p.uin[0];
	kr = k_create(c->type, c->ks, c->vs, c->max, flags, c->extra, c->inner ? p.kin[0] : -1,
		      "oracle");
	p.um = userbpf_map__create(c->type, "oracle", c->ks, c->vs, c->max, &o);
	seqs_compared++;
	if (!check(&p, (kr < 0) == (p.um == NULL), "create result", kr, p.um ? 0 : -errno) ||
	    kr < 0 || !p.um) {
		if (kr < 0 && !p.um)
			check(&p, kr == -errno, "create errno", kr, -errno);
		goto out;
	}
	p.kfd = kr;
	p.uvs = userbpf_map__sys_value_size(p.um);
	p.fdvals = c->inner != 0;
	check(&p, userbpf_map__max_entries(p.um) == c->max || (flags & BPF_F_NO_COMMON_LRU),
	      "max_entries", c->max, userbpf_map__max_entries(p.um));
	for (i = 0; i < ncmds; i++)
		one_command(&p);
	compare_contents(&p);
out:
	if (p.kfd > 0)
		close(p.kfd);
	userbpf_map__put(p.um);
	free_inner_pool(&p);
}

static const struct cfg cfgs[] = {
	{ "array", BPF_MAP_TYPE_ARRAY, 4, 8, 6, 0, 0, true, false, 0 },
	{ "array_vs13", BPF_MAP_TYPE_ARRAY, 4, 13, 3, 0, 0, true, false, 0 },
	{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 5, 0, 0, true, false, 0 },
	{ "hash", BPF_MAP_TYPE_HASH, 4, 8, 8, BPF_F_ZERO_SEED, 0, true, false, 0 },
	{ "hash_k5", BPF_MAP_TYPE_HASH, 5, 3, 16, BPF_F_ZERO_SEED, 0, true, false, 0 },
	{ "hash_k16", BPF_MAP_TYPE_HASH, 16, 8, 5, BPF_F_ZERO_SEED, 0, true, false, 0 },
	{ "hash_noprealloc", BPF_MAP_TYPE_HASH, 8, 4, 6, BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC, 0,
	  true, false, 0 },
	{ "hash_seeded", BPF_MAP_TYPE_HASH, 4, 4, 10, 0, 0, false, false, 0 },
	{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 6, BPF_F_ZERO_SEED, 0, true, false, 0 },
	{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 6, BPF_F_ZERO_SEED, 0, true, true, 0 },
	{ "lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 5, BPF_F_ZERO_SEED, 0, true, true,
	  0 },
	{ "queue", BPF_MAP_TYPE_QUEUE, 0, 8, 5, 0, 0, true, false, 0 },
	{ "stack", BPF_MAP_TYPE_STACK, 0, 4, 4, 0, 0, true, false, 0 },
	{ "bloom", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 10, BPF_F_ZERO_SEED, 3, true, false, 0 },
	{ "bloom_vs5", BPF_MAP_TYPE_BLOOM_FILTER, 0, 5, 3, BPF_F_ZERO_SEED, 0, true, false, 0 },
	{ "lpm_1", BPF_MAP_TYPE_LPM_TRIE, 5, 4, 8, BPF_F_NO_PREALLOC, 0, true, false, 0 },
	{ "lpm_4", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 12, BPF_F_NO_PREALLOC, 0, true, false, 0 },
	{ "prog_array", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, true, false, 0 },
	{ "perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0, 0, true, false, 0 },
	{ "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, true, false, 1 },
	{ "hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 6, BPF_F_ZERO_SEED, 0, true, false, 2 },
	{ "ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, true, false, 0 },
};

/* Flags tried at create, valid or not, per sequence. */
static const uint32_t try_flags[] = {
	0,
	BPF_F_NO_PREALLOC,
	BPF_F_NO_COMMON_LRU,
	BPF_F_NUMA_NODE,
	BPF_F_RDONLY,
	BPF_F_WRONLY,
	BPF_F_RDONLY | BPF_F_WRONLY,
	BPF_F_ZERO_SEED,
	BPF_F_RDONLY_PROG,
	BPF_F_WRONLY_PROG,
	BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG,
	BPF_F_MMAPABLE,
	BPF_F_PRESERVE_ELEMS,
	BPF_F_INNER_MAP,
	1u << 20,
};

/* Invalid or unusual shapes: only the create errno is compared. */
static void run_create_matrix(void)
{
	/* not USER_RINGBUF (31): userbpf does not implement it */
	static const uint32_t types[] = { 1, 2, 3, 4, 5, 6, 9, 10, 11, 22, 23, 27, 30, 99 };
	static const uint32_t ks[] = { 0, 1, 4, 5, 8, 260, 261 };
	static const uint32_t vs[] = { 0, 1, 4, 8, 32768, 32776 };
	static const uint32_t max[] = { 0, 1, 3, 4096, 4097, 12288, 8192 };
	struct pair p;
	unsigned t, a, b, m, f;

	memset(&p, 0, sizeof(p));
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (a = 0; a < sizeof(ks) / sizeof(ks[0]); a++)
			for (b = 0; b < sizeof(vs) / sizeof(vs[0]); b++)
				for (m = 0; m < sizeof(max) / sizeof(max[0]); m++) {
					uint32_t fl;
					int kr;
					struct userbpf_map *um;
					USERBPF_OPTS(userbpf_map_create_opts, o);

					if ((uint64_t)vs[b] * max[m] > (1u << 24))
						continue; /* keep allocations small */
					f = rnd_n(sizeof(try_flags) / sizeof(try_flags[0]));
					fl = try_flags[f];
					if (rnd_n(2))
						fl |= BPF_F_NO_PREALLOC;
					o.map_flags = fl;
					o.map_extra = rnd_n(4) ? 0 : rnd_n(3) ? rnd_n(16) : 0x20;
					kr = k_create(types[t], ks[a], vs[b], max[m], fl,
						      o.map_extra, -1, NULL);
					um = userbpf_map__create(types[t], NULL, ks[a], vs[b],
								 max[m], &o);
					snprintf(
						p.where, sizeof(p.where),
						"create type %u ks %u vs %u max %u flags %#x extra %llu",
						types[t], ks[a], vs[b], max[m], fl,
						(unsigned long long)o.map_extra);
					check(&p, kr == (um ? 0 : -errno) || (kr >= 0 && um),
					      "create", kr, um ? 0 : -errno);
					if (kr >= 0)
						close(kr);
					userbpf_map__put(um);
				}
}

TEST(map_oracle)
{
	cpu_set_t old, one;
	struct timespec t0, t1;
	int fd, s;
	unsigned i, n;
	uint64_t seed0 = 0x9e3779b97f4a7c15ULL;
	const char *env = getenv("USERBPF_ORACLE_SEED");

	fd = k_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, -1, NULL);
	if (fd == -EPERM || fd == -ENOSYS) {
		test_skip("bpf() not permitted here (%s): kernel oracle skipped",
			  fd == -EPERM ? "EPERM" : "ENOSYS");
		return;
	}
	ASSERT_TRUE(fd >= 0);
	close(fd);
	if (env)
		seed0 = strtoull(env, NULL, 0);
	/* one CPU: the kernel's per-CPU LRU free lists stay deterministic */
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cmds_compared = seqs_compared = mismatches = 0;
	first_mismatch[0] = 0;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		unsigned long before = mismatches, c0 = cmds_compared;
		char name[64];

		n = 24;
		for (s = 0; s < (int)n; s++) {
			uint32_t flags = cfgs[i].flags;
			uint64_t seed = seed0 + i * 1000003ULL + (uint64_t)s * 7919;

			rng_state = seed;
			/* a third of the sequences try other create flags */
			if (s % 3 == 2) {
				flags ^= try_flags[rnd_n(sizeof(try_flags) / sizeof(try_flags[0]))];
				flags |= cfgs[i].flags & BPF_F_ZERO_SEED;
				if (cfgs[i].lru)
					flags &= ~(uint32_t)BPF_F_NO_COMMON_LRU;
			}
			run_sequence(&cfgs[i], flags, 400, seed);
		}
		snprintf(name, sizeof(name), "map_oracle/%s", cfgs[i].label);
		if (test_verbose())
			printf("map_oracle/%s: %lu commands\n", cfgs[i].label, cmds_compared - c0);
		test_result(name, mismatches == before, "%lu mismatches in %lu commands; first: %s",
			    mismatches - before, cmds_compared - c0, first_mismatch);
		if (mismatches != before)
			first_mismatch[0] = 0;
	}
	rng_state = seed0;
	{
		unsigned long before = mismatches, c0 = cmds_compared;

		run_create_matrix();
		test_result("map_oracle/create_matrix", mismatches == before,
			    "%lu mismatches in %lu creates; first: %s", mismatches - before,
			    cmds_compared - c0, first_mismatch);
	}
	sched_setaffinity(0, sizeof(old), &old);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("map_oracle: %lu sequences, %lu commands compared against the kernel, "
	       "%lu mismatches (%.1f s, seed %#llx)\n",
	       seqs_compared, cmds_compared, mismatches,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)seed0);
	ASSERT_EQ(mismatches, 0);
}
