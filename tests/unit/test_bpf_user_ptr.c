/* SPDX-License-Identifier: MIT */
/*
 * test_bpf_user_ptr.c - bad user pointers given to userbpf_bpf(): every
 * pointer field of the map, batch, program, BTF, info and test-run
 * commands, pointing at address 16 or into a PROT_NONE page, gets the
 * kernel's errno (never a fault), and the map is left as the kernel
 * leaves it.  Data: one row per (command, bad field, expected errno); each
 * row runs on userbpf and, when this kernel allows bpf(), on the kernel
 * too, and the two answers (errno, count, map content) must agree.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"
#include "test_bpf.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *a, unsigned size);

/* Where a bad pointer points: address 16, or a PROT_NONE page. */
enum bad_kind { BAD_LOW, BAD_NONE, BAD_KINDS };

static uint8_t *none_page(void)
{
	static uint8_t *page;

	if (!page) {
		page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			return NULL;
		/* page 0 readable and writable, page 1 PROT_NONE */
		mprotect(page + 4096, 4096, PROT_NONE);
	}
	return page;
}

static uint64_t bad_ptr(enum bad_kind k)
{
	return k == BAD_LOW ? 16 : (uint64_t)(uintptr_t)(none_page() + 4096);
}

/* One side's objects: a hash map (key 1 -> 100, key 2 -> 200), a socket
 * filter program, a BTF object. */
struct side {
	bpf_fn bpf;
	int map, prog, btf;
};

static int mk_map(struct side *s)
{
	union bpf_attr a;
	uint32_t k, v;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 8;
	fd = s->bpf(BPF_MAP_CREATE, &a, sizeof(a));
	for (k = 1; fd >= 0 && k <= 2; k++) {
		v = k * 100;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = (uint64_t)(uintptr_t)&k;
		a.value = (uint64_t)(uintptr_t)&v;
		s->bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
	}
	return fd;
}

static const struct bpf_insn ret0[2] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static void prog_attr(union bpf_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a->insn_cnt = 2;
	a->insns = (uint64_t)(uintptr_t)ret0;
	a->license = (uint64_t)(uintptr_t)"GPL";
}

/* A minimal BTF: header, one int type, strings "\0int\0". */
static const struct {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint32_t t_name, t_info, t_size, t_int;
	char str[5];
}
__attribute__((packed)) btf_blob = { 0xeB9F, 1, 0, 24, 0, 16, 16, 5, 1, 1u << 24, 4, 32, "\0int" };

static void btf_attr(union bpf_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->btf = (uint64_t)(uintptr_t)&btf_blob;
	a->btf_size = sizeof(btf_blob);
}

static int side_open(struct side *s, bpf_fn fn)
{
	union bpf_attr a;

	s->bpf = fn;
	s->map = mk_map(s);
	prog_attr(&a);
	s->prog = fn(BPF_PROG_LOAD, &a, sizeof(a));
	btf_attr(&a);
	s->btf = fn(BPF_BTF_LOAD, &a, sizeof(a));
	return s->map >= 0 && s->prog >= 0 && s->btf >= 0 ? 0 : -1;
}

static void side_close(struct side *s)
{
	int fds[3] = { s->map, s->prog, s->btf }, i;

	for (i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (s->bpf == kbpf)
			close(fds[i]);
		else
			userbpf_close(fds[i]);
	}
}

/* The map's content as text: "1=100 2=200" (keys in order 1..4). */
static void map_state(struct side *s, char *buf, size_t size)
{
	union bpf_attr a;
	uint32_t k, v;
	size_t n = 0;

	buf[0] = '\0';
	for (k = 1; k <= 4; k++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)s->map;
		a.key = (uint64_t)(uintptr_t)&k;
		a.value = (uint64_t)(uintptr_t)&v;
		if (s->bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) == 0)
			n += (size_t)snprintf(buf + n, size - n, "%s%u=%u", n ? " " : "", k, v);
	}
}

enum field {
	F_ATTR, /* the attr pointer itself */
	F_KEY,
	F_VALUE,
	F_NEXT_KEY,
	F_KEYS,
	F_VALUES,
	F_IN_BATCH,
	F_OUT_BATCH,
	F_KEYS_2ND, /* the second element of a batch's keys */
	F_INSNS,
	F_LICENSE,
	F_LOG_BUF,
	F_FD_ARRAY,
	F_BTF,
	F_INFO,
	F_XLATED,
	F_BTF_DATA,
	F_DATA_IN,
	F_DATA_OUT,
	F_CTX_IN,
};

struct row {
	const char *name;
	int cmd;
	enum field field;
	uint32_t key; /* key of the map commands (1, 2 present; 9 missing) */
	int err;      /* expected: 0 or -errno */
	int count;    /* batch count left, -1: not a batch */
};

/* clang-format off */
static const struct row rows[] = {
	{ "lookup key",                BPF_MAP_LOOKUP_ELEM,            F_KEY,      1, -EFAULT, -1 },
	{ "lookup value, present",     BPF_MAP_LOOKUP_ELEM,            F_VALUE,    1, -EFAULT, -1 },
	{ "lookup value, missing",     BPF_MAP_LOOKUP_ELEM,            F_VALUE,    9, -ENOENT, -1 },
	{ "update key",                BPF_MAP_UPDATE_ELEM,            F_KEY,      1, -EFAULT, -1 },
	{ "update value",              BPF_MAP_UPDATE_ELEM,            F_VALUE,    1, -EFAULT, -1 },
	{ "delete key",                BPF_MAP_DELETE_ELEM,            F_KEY,      1, -EFAULT, -1 },
	{ "next key: key",             BPF_MAP_GET_NEXT_KEY,           F_KEY,      1, -EFAULT, -1 },
	{ "next key: next_key",        BPF_MAP_GET_NEXT_KEY,           F_NEXT_KEY, 9, -EFAULT, -1 },
	{ "lookup+delete key",         BPF_MAP_LOOKUP_AND_DELETE_ELEM, F_KEY,      1, -EFAULT, -1 },
	{ "lookup+delete value",       BPF_MAP_LOOKUP_AND_DELETE_ELEM, F_VALUE,    1, -EFAULT, -1 },
	{ "lookup+delete value, miss", BPF_MAP_LOOKUP_AND_DELETE_ELEM, F_VALUE,    9, -ENOENT, -1 },
	{ "lookup batch keys",         BPF_MAP_LOOKUP_BATCH,           F_KEYS,     0, -EFAULT, 0 },
	{ "lookup batch values",       BPF_MAP_LOOKUP_BATCH,           F_VALUES,   0, -EFAULT, 0 },
	{ "lookup batch in_batch",     BPF_MAP_LOOKUP_BATCH,           F_IN_BATCH, 0, -EFAULT, 0 },
	{ "lookup batch out_batch",    BPF_MAP_LOOKUP_BATCH,           F_OUT_BATCH, 0, -EFAULT, 0 },
	{ "update batch keys",         BPF_MAP_UPDATE_BATCH,           F_KEYS,     0, -EFAULT, 0 },
	{ "update batch values",       BPF_MAP_UPDATE_BATCH,           F_VALUES,   0, -EFAULT, 0 },
	{ "update batch 2nd key",      BPF_MAP_UPDATE_BATCH,           F_KEYS_2ND, 0, -EFAULT, 1 },
	{ "delete batch keys",         BPF_MAP_DELETE_BATCH,           F_KEYS,     0, -EFAULT, 0 },
	{ "delete batch 2nd key",      BPF_MAP_DELETE_BATCH,           F_KEYS_2ND, 0, -EFAULT, 1 },
	{ "attr",                      BPF_MAP_LOOKUP_ELEM,            F_ATTR,     1, -EFAULT, -1 },
	{ "prog load insns",           BPF_PROG_LOAD,                  F_INSNS,    0, -EFAULT, -1 },
	{ "prog load license",         BPF_PROG_LOAD,                  F_LICENSE,  0, -EFAULT, -1 },
	{ "prog load log_buf",         BPF_PROG_LOAD,                  F_LOG_BUF,  0, -EFAULT, -1 },
	{ "prog load fd_array",        BPF_PROG_LOAD,                  F_FD_ARRAY, 0, -EFAULT, -1 },
	{ "btf load data",             BPF_BTF_LOAD,                   F_BTF,      0, -EFAULT, -1 },
	{ "map info",                  BPF_OBJ_GET_INFO_BY_FD,         F_INFO,     0, -EFAULT, -1 },
	{ "prog info",                 BPF_OBJ_GET_INFO_BY_FD,         F_INFO,     1, -EFAULT, -1 },
	{ "btf info",                  BPF_OBJ_GET_INFO_BY_FD,         F_INFO,     2, -EFAULT, -1 },
	{ "prog info xlated insns",    BPF_OBJ_GET_INFO_BY_FD,         F_XLATED,   1, -EFAULT, -1 },
	{ "btf info data",             BPF_OBJ_GET_INFO_BY_FD,         F_BTF_DATA, 2, -EFAULT, -1 },
	{ "test run data_in",          BPF_PROG_TEST_RUN,              F_DATA_IN,  0, -EFAULT, -1 },
	{ "test run data_out",         BPF_PROG_TEST_RUN,              F_DATA_OUT, 0, -EFAULT, -1 },
	{ "test run ctx_in",           BPF_PROG_TEST_RUN,              F_CTX_IN,   0, -EFAULT, -1 },
};
/* clang-format on */

struct outcome {
	int err;
	int count;
	char state[64];
};

/* A lddw of map_idx 0 through fd_array, then r0 = 0; exit. */
static const struct bpf_insn ld_idx[4] = {
	{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_IDX, .imm = 0 },
	{ 0 },
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static void run_row(const struct row *r, enum bad_kind kind, struct side *s, struct outcome *o)
{
	uint64_t bad = bad_ptr(kind);
	uint8_t *page = none_page();
	uint32_t key = r->key, value = 7, cursor = 0, keys[2] = { 3, 4 }, vals[2] = { 30, 40 };
	uint8_t info[256], pkt[64], out[64], log[256];
	union bpf_attr a;
	int ret;

	memset(&a, 0, sizeof(a));
	memset(info, 0, sizeof(info));
	memset(pkt, 0, sizeof(pkt));
	o->count = -1;
	switch (r->cmd) {
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		a.map_fd = (uint32_t)s->map;
		a.key = r->field == F_KEY ? bad : (uint64_t)(uintptr_t)&key;
		if (r->cmd != BPF_MAP_DELETE_ELEM)
			a.value = r->field == F_VALUE || r->field == F_NEXT_KEY ?
					  bad :
					  (uint64_t)(uintptr_t)&value;
		break;
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
		a.batch.map_fd = (uint32_t)s->map;
		a.batch.count = 2;
		a.batch.keys = (uint64_t)(uintptr_t)keys;
		a.batch.values = (uint64_t)(uintptr_t)vals;
		if (r->cmd == BPF_MAP_LOOKUP_BATCH)
			a.batch.out_batch = (uint64_t)(uintptr_t)&cursor;
		if (r->cmd == BPF_MAP_DELETE_BATCH) {
			keys[0] = 1;
			keys[1] = 2;
			a.batch.values = 0;
		}
		if (r->field == F_KEYS)
			a.batch.keys = bad;
		if (r->field == F_VALUES)
			a.batch.values = bad;
		if (r->field == F_IN_BATCH)
			a.batch.in_batch = bad;
		if (r->field == F_OUT_BATCH)
			a.batch.out_batch = bad;
		if (r->field == F_KEYS_2ND) {
			/* element 0 readable, element 1 in the PROT_NONE page */
			memcpy(page + 4092, &keys[0], 4);
			a.batch.keys = (uint64_t)(uintptr_t)(page + 4092);
		}
		break;
	case BPF_PROG_LOAD:
		prog_attr(&a);
		if (r->field == F_INSNS)
			a.insns = bad;
		if (r->field == F_LICENSE)
			a.license = bad;
		if (r->field == F_LOG_BUF) {
			a.log_level = 1;
			a.log_buf = bad;
			a.log_size = sizeof(log);
		}
		if (r->field == F_FD_ARRAY) {
			a.insns = (uint64_t)(uintptr_t)ld_idx;
			a.insn_cnt = 4;
			a.fd_array = bad;
		}
		break;
	case BPF_BTF_LOAD:
		btf_attr(&a);
		a.btf = bad;
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		a.info.bpf_fd = (uint32_t)(r->key == 0 ? s->map : r->key == 1 ? s->prog : s->btf);
		a.info.info_len = r->key == 0 ? sizeof(struct bpf_map_info) :
				  r->key == 1 ? sizeof(struct bpf_prog_info) :
						sizeof(struct bpf_btf_info);
		a.info.info = (uint64_t)(uintptr_t)info;
		if (r->field == F_INFO)
			a.info.info = bad;
		if (r->field == F_XLATED) {
			struct bpf_prog_info *pi = (void *)info;

			pi->xlated_prog_len = 16;
			pi->xlated_prog_insns = bad;
		}
		if (r->field == F_BTF_DATA) {
			struct bpf_btf_info *bi = (void *)info;

			bi->btf_size = sizeof(btf_blob);
			bi->btf = bad;
		}
		break;
	case BPF_PROG_TEST_RUN:
		a.test.prog_fd = (uint32_t)s->prog;
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		if (r->field == F_DATA_IN)
			a.test.data_in = bad;
		if (r->field == F_DATA_OUT) {
			a.test.data_out = bad;
			a.test.data_size_out = sizeof(out);
		}
		if (r->field == F_CTX_IN) {
			a.test.ctx_in = bad;
			a.test.ctx_size_in = sizeof(struct __sk_buff);
		}
		break;
	}
	if (r->field == F_ATTR)
		ret = s->bpf(r->cmd, (union bpf_attr *)(uintptr_t)bad, sizeof(a));
	else
		ret = s->bpf(r->cmd, &a, sizeof(a));
	if (ret > 0 && (r->cmd == BPF_PROG_LOAD || r->cmd == BPF_BTF_LOAD)) {
		/* loaded although it should not have: say so, and release */
		if (s->bpf == kbpf)
			close(ret);
		else
			userbpf_close(ret);
		ret = 0;
	}
	o->err = ret > 0 ? 0 : ret;
	if (r->count >= 0)
		o->count = (int)a.batch.count;
	map_state(s, o->state, sizeof(o->state));
}

TEST(bpf_user_ptr_bad_pointers_match_kernel)
{
	bool oracle = kernel_ok();
	size_t i;
	int k;

	ASSERT_TRUE(none_page() != NULL);
	if (!oracle && test_verbose())
		printf("  kernel refuses bpf(): comparing with the table only (run as root "
		       "for the kernel's answers)\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (k = 0; k < BAD_KINDS; k++) {
			const struct row *r = &rows[i];
			struct side us, ks;
			struct outcome uo, ko;
			char name[96];
			bool ok;

			snprintf(name, sizeof(name), "bpf_user_ptr/%s/%s", r->name,
				 k == BAD_LOW ? "addr16" : "prot_none");
			if (side_open(&us, ubpf)) {
				test_result(name, false, "userbpf setup failed");
				side_close(&us);
				continue;
			}
			run_row(r, (enum bad_kind)k, &us, &uo);
			side_close(&us);
			ok = uo.err == r->err && (r->count < 0 || uo.count == r->count);
			if (!oracle) {
				test_result(name, ok, "userbpf %d count %d (want %d count %d)",
					    uo.err, uo.count, r->err, r->count);
				continue;
			}
			if (side_open(&ks, kbpf)) {
				side_close(&ks);
				test_result_skip(name, "kernel setup failed");
				continue;
			}
			run_row(r, (enum bad_kind)k, &ks, &ko);
			side_close(&ks);
			ok = ok && uo.err == ko.err && uo.count == ko.count &&
			     !strcmp(uo.state, ko.state);
			test_result(name, ok,
				    "userbpf %d count %d map {%s}, kernel %d count %d map {%s} "
				    "(table %d)",
				    uo.err, uo.count, uo.state, ko.err, ko.count, ko.state, r->err);
		}
	}
}
