/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_fault.c - every allocation-failure point of the loader, of
 * map creation and of the bpf() commands, once each (SQLite's *fault.test
 * idea).  Only meaningful in the fault-injection build (make FAULT=1):
 * for n = 1, 2, ... the n-th library allocation fails; the operation must
 * then fail cleanly with ENOMEM (no crash, no leak: CI runs this under
 * ASan/LeakSanitizer), and the loop ends at the first n the operation never
 * reaches, which proves every point was visited.  Elsewhere the tests skip.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/syscall.h"
#include "util/alloc.h"

#ifdef USERBPF_FAULT_INJECT
#define FAULT_MAX_POINTS 100000

/*
 * Run op with the n-th allocation failing, for every n.  op returns 0 on
 * success or a negative errno; with the failure armed it must succeed
 * (when the failure hit an allocation whose failure is tolerated) or fail
 * with -ENOMEM.  Returns the number of failure points visited, or -1
 * after reporting a test failure.
 */
static long each_fault(const char *what, int (*op)(void *), void *arg)
{
	unsigned long n;

	for (n = 1; n < FAULT_MAX_POINTS; n++) {
		int err;

		ub_fault_set(n);
		err = op(arg);
		if (ub_fault_pending()) { /* never reached the n-th allocation */
			ub_fault_set(0);
			if (err) {
				test_fail(__FILE__, __LINE__,
					  "%s fails (%d) without an injected fault", what, err);
				return -1;
			}
			return (long)n - 1;
		}
		ub_fault_set(0);
		if (err && err != -ENOMEM) {
			test_fail(__FILE__, __LINE__,
				  "%s: allocation %lu failed, got %d, want 0 or -ENOMEM", what, n,
				  err);
			return -1;
		}
	}
	test_fail(__FILE__, __LINE__, "%s: more than %d allocations", what, FAULT_MAX_POINTS);
	return -1;
}

struct obj_buf {
	void *data;
	size_t size;
};

static int open_load_close(void *arg)
{
	struct obj_buf *b = arg;
	struct userbpf_object *obj;
	int err;

	obj = userbpf_object__open_mem(b->data, b->size, NULL);
	if (!obj)
		return -errno;
	err = userbpf_object__load(obj);
	userbpf_object__close(obj);
	return err;
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)len;
	}
	fclose(f);
	return buf;
}

TEST(fault_loader_examples)
{
	static const char *const names[] = {
		"pkt_counter", "log2_hist",	"ringbuf_events", "tail_calls",
		"lpm_route",   "rodata_config", "call_chain",	  "loops",
		"flow_table",  "map_in_map",	"helpers_tour",
	};
	long total = 0;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[512];
		struct obj_buf b;
		long points;

		snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), names[i]);
		b.data = read_file(path, &b.size);
		if (!b.data) {
			test_skip("%s not built (needs clang)", path);
			return;
		}
		points = each_fault(names[i], open_load_close, &b);
		free(b.data);
		if (points < 0)
			return;
		ASSERT_TRUE(points > 0);
		total += points;
	}
	if (test_verbose())
		printf("fault_loader_examples: %ld allocation-failure points\n", total);
}

struct map_case {
	uint32_t type, key_size, value_size, max_entries, flags;
};

static const struct map_case map_cases[] = {
	{ USERBPF_MAP_TYPE_HASH, 4, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_HASH, 4, 8, 64, 1 /* BPF_F_NO_PREALLOC */ },
	{ USERBPF_MAP_TYPE_ARRAY, 4, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_ARRAY, 4, 8, 64, 1u << 10 /* BPF_F_MMAPABLE */ },
	{ USERBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, 0 },
	{ USERBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0 },
	{ USERBPF_MAP_TYPE_PERCPU_HASH, 4, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_STACK_TRACE, 4, 64, 16, 0 },
	{ USERBPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_LPM_TRIE, 8, 8, 64, 1 },
	{ USERBPF_MAP_TYPE_QUEUE, 0, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_STACK, 0, 8, 64, 0 },
	{ USERBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0 },
	{ USERBPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 64, 0 },
};

/* Create the map, use it (update, lookup, iterate, delete), free it. */
static int map_roundtrip(void *arg)
{
	const struct map_case *mc = arg;
	struct userbpf_map *map;
	union bpf_attr attr;
	uint64_t value[512] = { 7 }; /* per-CPU maps: one value per CPU */
	uint32_t key = 1;
	int fd, err = 0;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = mc->type;
	attr.key_size = mc->key_size;
	attr.value_size = mc->value_size;
	attr.max_entries = mc->max_entries;
	attr.map_flags = mc->flags;
	fd = userbpf_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	map = userbpf_map_by_fd(fd);
	if (!map) {
		err = -errno;
		goto out;
	}
	if (mc->key_size == 4 && mc->value_size == 8) {
		uint64_t out[512];
		uint32_t next;

		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)fd;
		attr.key = (uintptr_t)&key;
		attr.value = (uintptr_t)value;
		if (userbpf_bpf(BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr)) && errno == ENOMEM) {
			err = -ENOMEM;
			goto out;
		}
		attr.value = (uintptr_t)out;
		(void)userbpf_bpf(BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
		attr.next_key = (uintptr_t)&next;
		(void)userbpf_bpf(BPF_MAP_GET_NEXT_KEY, &attr, sizeof(attr));
		(void)userbpf_bpf(BPF_MAP_DELETE_ELEM, &attr, sizeof(attr));
	}
out:
	userbpf_close(fd);
	return err;
}

TEST(fault_map_create)
{
	long total = 0;
	size_t i;

	for (i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
		char what[64];
		long points;

		snprintf(what, sizeof(what), "map type %u flags %#x", map_cases[i].type,
			 map_cases[i].flags);
		points = each_fault(what, map_roundtrip, (void *)&map_cases[i]);
		if (points < 0)
			return;
		ASSERT_TRUE(points > 0);
		total += points;
	}
	if (test_verbose())
		printf("fault_map_create: %ld allocation-failure points\n", total);
}

/* PROG_LOAD of a small program using a map, then a test run. */
static int prog_load_run(void *arg)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = 10, .off = -4, .imm = 0 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[256], license[] = "GPL";
	uint8_t pkt[64] = { 0 };
	union bpf_attr attr;
	int map_fd, prog_fd, err = 0;

	(void)arg;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 4;
	map_fd = userbpf_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (map_fd < 0)
		return -errno;
	insns[1].imm = map_fd;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uintptr_t)license;
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog_fd = userbpf_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0) {
		err = -errno;
		goto out_map;
	}
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog_fd;
	attr.test.data_in = (uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	if (userbpf_bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr)))
		err = -errno;
	userbpf_close(prog_fd);
out_map:
	userbpf_close(map_fd);
	return err;
}

TEST(fault_bpf_prog_load)
{
	long points = each_fault("PROG_LOAD + TEST_RUN", prog_load_run, NULL);

	if (points < 0)
		return;
	ASSERT_TRUE(points > 0);
	if (test_verbose())
		printf("fault_bpf_prog_load: %ld allocation-failure points\n", points);
}

#else /* !USERBPF_FAULT_INJECT */

TEST(fault_injection_points)
{
	test_skip(
		"allocation-failure points run only in the fault build (make FAULT=1 fault-test)");
}

#endif
