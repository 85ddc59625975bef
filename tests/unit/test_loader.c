/* SPDX-License-Identifier: MIT */
/*
 * test_loader.c - the object loader on clang-compiled fixtures
 * (tests/elf/NAME.bpf.c, built into $(BUILD)/elf/): programs and their
 * sections, types and instruction counts; subprogram linking and call
 * relocation; global data in every section kind; BTF-defined, legacy
 * and map-in-map maps with their initialisers; line info; running the
 * loaded programs.  CO-RE: test_loader_core.c; bad input:
 * test_loader_bad.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"
#include "test_loader.h"
#include "maps/map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ==== Shared with the other loader tests ==== */

const char *loader_fixture(const char *name, char *buf, size_t size)
{
	struct stat st;

	snprintf(buf, size, "%s/elf/%s.bpf.o", test_build_dir(), name);
	if (stat(buf, &st)) {
		test_skip("%s not built (needs clang; vmlinux_* also bpftool and "
			  "kernel BTF, vmlinux_c19_* clang-19)",
			  buf);
		return NULL;
	}
	return buf;
}

uint8_t *loader_read(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0) {
		rewind(f);
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

static uint64_t h_map_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct userbpf_run *run)
{
	(void)r3;
	(void)r4;
	(void)r5;
	(void)run;
	return (uint64_t)(uintptr_t)ub_map_lookup_elem(
		ub_map_from((struct userbpf_map *)(uintptr_t)r1), (const void *)(uintptr_t)r2);
}

static uint64_t h_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct userbpf_run *run)
{
	const struct userbpf_prog *prog;

	(void)r1;
	(void)r4;
	(void)r5;
	prog = ub_prog_array_get(ub_map_from((struct userbpf_map *)(uintptr_t)r2), (uint32_t)r3);
	if (!prog)
		return (uint64_t)-ENOENT;
	userbpf_run__tail_call(run, prog);
	return 0;
}

static uint64_t h_probe_read_kernel(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				    struct userbpf_run *run)
{
	(void)r4;
	(void)r5;
	/* a helper checks what it writes (checked runs zero stack lazily) */
	if (!userbpf_run__mem_ok(run, (void *)(uintptr_t)r1, (size_t)r2, 1))
		return (uint64_t)-EFAULT;
	memcpy((void *)(uintptr_t)r1, (const void *)(uintptr_t)r3, (size_t)r2);
	return 0;
}

static uint64_t h_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct userbpf_run *run)
{
	uint64_t i;

	(void)r4;
	(void)r5;
	for (i = 0; i < r1; i++) {
		uint64_t args[5] = { i, r3 }, ret = 0;

		if (userbpf_run__call(run, r2, args, &ret))
			return (uint64_t)-EINVAL;
		if (ret)
			return i + 1;
	}
	return i;
}

#define ARGS_ANY                                                                                   \
	{ USERBPF_ARG_ANYTHING, USERBPF_ARG_ANYTHING, USERBPF_ARG_ANYTHING, USERBPF_ARG_ANYTHING,  \
	  USERBPF_ARG_ANYTHING }
const struct userbpf_helper loader_test_helpers[] = {
	{ 1, "bpf_map_lookup_elem", h_map_lookup, { .ret = USERBPF_RET_INTEGER, .args = ARGS_ANY } },
	{ 12,
	  "bpf_tail_call",
	  h_tail_call,
	  { .ret = USERBPF_RET_INTEGER, .args = ARGS_ANY, .flags = USERBPF_HELPER_TAIL_CALL } },
	{ 113,
	  "bpf_probe_read_kernel",
	  h_probe_read_kernel,
	  { .ret = USERBPF_RET_INTEGER, .args = ARGS_ANY } },
	{ 181, "bpf_loop", h_loop, { .ret = USERBPF_RET_INTEGER, .args = ARGS_ANY } },
};
const size_t loader_test_helper_cnt = N(loader_test_helpers);

struct userbpf_object *loader_open(const char *name, const char *btf_path, char *err, size_t err_sz)
{
	return loader_open_target(name, btf_path, USERBPF_CORE_TARGET_AUTO, err, err_sz);
}

struct userbpf_object *loader_open_target(const char *name, const char *btf_path,
					  uint32_t core_target, char *err, size_t err_sz)
{
	char path[512];
	/* the stand-in helpers' prototypes are not the kernel's (ANYTHING
	 * arguments, integer results): load unverified, runs are unchecked */
	USERBPF_OPTS(userbpf_object_open_opts, opts, .btf_custom_path = btf_path,
		     .extra_helpers = loader_test_helpers,
		     .extra_helper_cnt = N(loader_test_helpers), .err_buf = err,
		     .err_buf_sz = err_sz, .core_target = core_target, .unverified = 1);

	if (!loader_fixture(name, path, sizeof(path)))
		return NULL;
	return userbpf_object__open_file(path, &opts);
}

int loader_run(struct userbpf_object *obj, const char *name, void *ctx, size_t ctx_size,
	       uint64_t *ret, char *err, size_t err_sz)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, name);
	/* the fixtures' test helpers (loader_test_helpers) trust their arguments */
	USERBPF_OPTS(userbpf_run_opts, ropts, .ctx = ctx, .ctx_size = ctx_size,
		     .flags = USERBPF_RUN_UNCHECKED, .err_buf = err, .err_buf_sz = err_sz);

	if (!p || !userbpf_program__prog(p))
		return -ENOENT;
	return userbpf_prog__run(userbpf_program__prog(p), &ropts, ret);
}

void *loader_data(struct userbpf_object *obj, const char *sec, size_t *size)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, sec);

	return m ? userbpf_object_map__initial_value(m, size) : NULL;
}

/* ==== minimal ==== */

TEST(loader_minimal)
{
	char path[512], err[512] = "";
	struct userbpf_object *obj;
	struct userbpf_program *p;
	uint64_t r0 = 0;

	if (!loader_fixture("minimal", path, sizeof(path)))
		return;
	obj = userbpf_object__open_file(path, NULL);
	ASSERT_TRUE(obj);
	ASSERT_STREQ(userbpf_object__name(obj), "minimal");
	ASSERT_STREQ(userbpf_object__license(obj), "Dual MIT/GPL");
	ASSERT_EQ(userbpf_object__kversion(obj), MINIMAL_KVERSION);
	ASSERT_TRUE(userbpf_object__btf(obj));
	p = userbpf_object__next_program(obj, NULL);
	ASSERT_TRUE(p);
	ASSERT_TRUE(!userbpf_object__next_program(obj, p));
	ASSERT_TRUE(!userbpf_object__next_map(obj, NULL));
	ASSERT_STREQ(userbpf_program__name(p), "ret42");
	ASSERT_STREQ(userbpf_program__section_name(p), "socket");
	ASSERT_STREQ(userbpf_program__license(p), "Dual MIT/GPL");
	ASSERT_EQ(userbpf_program__type(p), USERBPF_PROG_TYPE_SOCKET_FILTER);
	ASSERT_EQ(userbpf_program__insn_cnt(p), 2);
	ASSERT_TRUE(!userbpf_program__prog(p));
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_ERR(userbpf_object__load(obj), -EBUSY);
	ASSERT_TRUE(userbpf_program__prog(p));
	ASSERT_OK(loader_run(obj, "ret42", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, MINIMAL_RET);
	userbpf_object__close(obj);

	/* the same bytes from memory, with a name */
	{
		size_t size;
		uint8_t *buf = loader_read(path, &size);
		USERBPF_OPTS(userbpf_object_open_opts, opts, .object_name = "mini.o");

		ASSERT_TRUE(buf);
		obj = userbpf_object__open_mem(buf, size, &opts);
		free(buf); /* copied at open */
		ASSERT_TRUE(obj);
		ASSERT_STREQ(userbpf_object__name(obj), "mini.o");
		ASSERT_OK(userbpf_object__load(obj));
		ASSERT_OK(loader_run(obj, "ret42", NULL, 0, &r0, err, sizeof(err)));
		ASSERT_EQ(r0, MINIMAL_RET);
		userbpf_object__close(obj);
	}
}

/* ==== programs, sections, subprograms ==== */

static const struct {
	const char *name, *sec;
	uint32_t type, attach;
	bool autoload, sleepable;
	const char *target;
} progs_expect[] = {
	{ "xdp_a", "xdp", USERBPF_PROG_TYPE_XDP, USERBPF_XDP, true, false, "" },
	{ "xdp_b", "xdp", USERBPF_PROG_TYPE_XDP, USERBPF_XDP, true, false, "" },
	{ "tc_prog", "tc", USERBPF_PROG_TYPE_SCHED_CLS, 0, true, false, "" },
	{ "loop_prog", "tc", USERBPF_PROG_TYPE_SCHED_CLS, 0, true, false, "" },
	{ "not_autoloaded", "tc", USERBPF_PROG_TYPE_SCHED_CLS, 0, false, false, "" },
	{ "sock", "socket", USERBPF_PROG_TYPE_SOCKET_FILTER, 0, true, false, "" },
	{ "cls", "classifier", USERBPF_PROG_TYPE_SCHED_CLS, 0, true, false, "" },
	{ "act", "action", USERBPF_PROG_TYPE_SCHED_ACT, 0, true, false, "" },
	{ "kp", "kprobe/do_sys_openat2", USERBPF_PROG_TYPE_KPROBE, 0, true, false,
	  "do_sys_openat2" },
	{ "krp", "kretprobe/do_sys_openat2", USERBPF_PROG_TYPE_KPROBE, 0, true, false,
	  "do_sys_openat2" },
	{ "up", "uprobe//usr/bin/true:main", USERBPF_PROG_TYPE_KPROBE, 0, true, false,
	  "/usr/bin/true:main" },
	{ "urp", "uretprobe//usr/bin/true:main", USERBPF_PROG_TYPE_KPROBE, 0, true, false,
	  "/usr/bin/true:main" },
	{ "ups", "uprobe.s//usr/bin/true:main", USERBPF_PROG_TYPE_KPROBE, 0, true, true,
	  "/usr/bin/true:main" },
	{ "usdt_prog", "usdt/libc:setjmp", USERBPF_PROG_TYPE_KPROBE, 0, true, false,
	  "libc:setjmp" },
	{ "tracep", "tracepoint/syscalls/sys_enter_openat", USERBPF_PROG_TYPE_TRACEPOINT, 0, true,
	  false, "syscalls/sys_enter_openat" },
	{ "tp_short", "tp/sched/sched_switch", USERBPF_PROG_TYPE_TRACEPOINT, 0, true, false,
	  "sched/sched_switch" },
	{ "rawtp", "raw_tracepoint/sys_enter", USERBPF_PROG_TYPE_RAW_TRACEPOINT, 0, true, false,
	  "sys_enter" },
	{ "rawtp_short", "raw_tp/sys_exit", USERBPF_PROG_TYPE_RAW_TRACEPOINT, 0, true, false,
	  "sys_exit" },
	{ "tpbtf", "tp_btf/sched_switch", USERBPF_PROG_TYPE_TRACING, USERBPF_TRACE_RAW_TP, true,
	  false, "sched_switch" },
	{ "fent", "fentry/do_unlinkat", USERBPF_PROG_TYPE_TRACING, USERBPF_TRACE_FENTRY, true,
	  false, "do_unlinkat" },
	{ "fexi", "fexit/do_unlinkat", USERBPF_PROG_TYPE_TRACING, USERBPF_TRACE_FEXIT, true, false,
	  "do_unlinkat" },
	{ "perf", "perf_event", USERBPF_PROG_TYPE_PERF_EVENT, 0, true, false, "" },
	{ "sysc", "syscall", USERBPF_PROG_TYPE_SYSCALL, 0, true, true, "" },
	{ "cg_in", "cgroup_skb/ingress", USERBPF_PROG_TYPE_CGROUP_SKB, USERBPF_CGROUP_INET_INGRESS,
	  true, false, "" },
	{ "cg_eg", "cgroup_skb/egress", USERBPF_PROG_TYPE_CGROUP_SKB, USERBPF_CGROUP_INET_EGRESS,
	  true, false, "" },
	{ "cg_conn4", "cgroup/connect4", USERBPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	  USERBPF_CGROUP_INET4_CONNECT, true, false, "" },
	{ "lsm_prog", "lsm/file_open", USERBPF_PROG_TYPE_LSM, USERBPF_LSM_MAC, true, false,
	  "file_open" },
	{ "skmsg", "sk_msg", USERBPF_PROG_TYPE_SK_MSG, USERBPF_SK_MSG_VERDICT, true, false, "" },
	{ "flowd", "flow_dissector", USERBPF_PROG_TYPE_FLOW_DISSECTOR, USERBPF_FLOW_DISSECTOR, true,
	  false, "" },
	{ "tcx_in", "tc/ingress", USERBPF_PROG_TYPE_SCHED_CLS, USERBPF_TCX_INGRESS, true, false,
	  "" },
	{ "xdp_frags", "xdp.frags", USERBPF_PROG_TYPE_XDP, USERBPF_XDP, true, false, "" },
};

/* Every bpf-to-bpf call of p lands on the first insn of a function. */
static bool calls_land_on_functions(const struct userbpf_program *p)
{
	const struct userbpf_insn *insns = userbpf_program__insns(p);
	const struct userbpf_func_info *fi;
	size_t cnt = userbpf_program__insn_cnt(p), nf, i, j;

	fi = userbpf_program__func_info(p, &nf);
	for (i = 0; i < cnt; i++) {
		bool call = insns[i].code == 0x85 && insns[i].src_reg == USERBPF_PSEUDO_CALL;
		bool func = insns[i].code == 0x18 && insns[i].src_reg == USERBPF_PSEUDO_FUNC;
		int64_t target;
		bool ok = false;

		if (!call && !func)
			continue;
		target = (int64_t)i + 1 + insns[i].imm;
		for (j = 0; j < nf; j++)
			ok |= (int64_t)fi[j].insn_off == target;
		if (!ok)
			return false;
	}
	return true;
}

TEST(loader_progs)
{
	struct userbpf_object *obj;
	struct userbpf_program *p;
	char err[512] = "";
	size_t i, n = 0, raw_b;
	uint64_t r0;

	LOADER_OPEN(obj, "progs", NULL, err);
	for (p = userbpf_object__next_program(obj, NULL); p;
	     p = userbpf_object__next_program(obj, p))
		n++;
	ASSERT_EQ(n, N(progs_expect)); /* .text functions are not programs */
	ASSERT_TRUE(!userbpf_object__find_program_by_name(obj, "add3"));
	ASSERT_TRUE(!userbpf_object__find_program_by_name(obj, "global_sub"));
	for (i = 0; i < N(progs_expect); i++) {
		p = userbpf_object__find_program_by_name(obj, progs_expect[i].name);
		if (!p) {
			test_fail(__FILE__, __LINE__, "no program %s", progs_expect[i].name);
			return;
		}
		ASSERT_STREQ(userbpf_program__section_name(p), progs_expect[i].sec);
		ASSERT_EQ(userbpf_program__type(p), progs_expect[i].type);
		ASSERT_EQ(userbpf_program__expected_attach_type(p), progs_expect[i].attach);
		ASSERT_EQ(userbpf_program__autoload(p), progs_expect[i].autoload);
		ASSERT_EQ(userbpf_program__sleepable(p), progs_expect[i].sleepable);
		ASSERT_STREQ(userbpf_program__attach_target(p), progs_expect[i].target);
	}
	/* section order, then offset: xdp_a before xdp_b */
	p = userbpf_object__find_program_by_name(obj, "xdp_b");
	raw_b = userbpf_program__insn_cnt(p);
	ASSERT_TRUE(raw_b >= 2);
	ASSERT_OK(userbpf_object__prepare(obj));
	/* xdp_b -> global_sub -> twice_add3 -> add3, appended once each */
	ASSERT_TRUE(userbpf_program__insn_cnt(p) > raw_b + 6);
	{
		const struct userbpf_func_info *fi;
		size_t nf;

		fi = userbpf_program__func_info(p, &nf);
		ASSERT_EQ(nf, 4);
		ASSERT_STREQ(fi[0].name, "xdp_b");
		ASSERT_EQ(fi[0].insn_off, 0);
		ASSERT_STREQ(fi[1].name, "global_sub");
		ASSERT_EQ(fi[1].insn_off, raw_b);
		ASSERT_STREQ(fi[2].name, "twice_add3");
		ASSERT_STREQ(fi[3].name, "add3");
	}
	for (p = userbpf_object__next_program(obj, NULL); p;
	     p = userbpf_object__next_program(obj, p))
		if (!calls_land_on_functions(p)) {
			test_fail(__FILE__, __LINE__, "%s: a call misses its function",
				  userbpf_program__name(p));
			return;
		}
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(loader_run(obj, "xdp_a", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 4);
	ASSERT_OK(loader_run(obj, "xdp_b", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 11);
	ASSERT_OK(loader_run(obj, "tc_prog", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 16);
	ASSERT_OK(loader_run(obj, "loop_prog", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 13);
	p = userbpf_object__find_program_by_name(obj, "not_autoloaded");
	ASSERT_TRUE(!userbpf_program__prog(p));
	ASSERT_ERR(userbpf_program__set_autoload(p, true), -EBUSY);
	userbpf_object__close(obj);

	/* autoload on before load: it is created too */
	obj = loader_open("progs", NULL, err, sizeof(err));
	ASSERT_TRUE(obj);
	p = userbpf_object__find_program_by_name(obj, "not_autoloaded");
	ASSERT_OK(userbpf_program__set_autoload(p, true));
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(loader_run(obj, "not_autoloaded", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 1);
	userbpf_object__close(obj);
}

TEST(loader_line_info)
{
	const struct userbpf_line_info *li;
	struct userbpf_object *obj;
	struct userbpf_program *p;
	char err[512] = "";
	size_t n, i, cnt;

	LOADER_OPEN(obj, "progs", NULL, err);
	ASSERT_OK(userbpf_object__prepare(obj));
	p = userbpf_object__find_program_by_name(obj, "tc_prog");
	li = userbpf_program__line_info(p, &n);
	cnt = userbpf_program__insn_cnt(p);
	ASSERT_TRUE(li && n >= 3);
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(li[i].insn_off < cnt);
		ASSERT_TRUE(i == 0 || li[i].insn_off >= li[i - 1].insn_off);
		ASSERT_CONTAINS(li[i].file, "progs.bpf.c");
		ASSERT_TRUE(li[i].line > 0);
	}
	ASSERT_EQ(li[0].insn_off, 0);
	ASSERT_CONTAINS(li[0].text, "twice_add3(5)");
	/* the appended subprograms' lines come after tc_prog's own */
	ASSERT_CONTAINS(li[n - 1].text, "x + 3");
	userbpf_object__close(obj);
}

/* ==== global data ==== */

static bool has_int(const void *mem, size_t size, int v)
{
	size_t i;

	for (i = 0; i + sizeof(v) <= size; i += sizeof(v))
		if (!memcmp((const uint8_t *)mem + i, &v, sizeof(v)))
			return true;
	return false;
}

TEST(loader_globals)
{
	static const struct {
		const char *name, *sec;
		uint32_t kind, flags;
	} want[] = {
		{ "globals.data", ".data", USERBPF_OBJECT_MAP_DATA, USERBPF_F_MMAPABLE },
		{ "globals.rodata", ".rodata", USERBPF_OBJECT_MAP_RODATA,
		  USERBPF_F_MMAPABLE | USERBPF_F_RDONLY_PROG },
		{ "globals.bss", ".bss", USERBPF_OBJECT_MAP_BSS, USERBPF_F_MMAPABLE },
		{ ".data.custom", ".data.custom", USERBPF_OBJECT_MAP_DATA, USERBPF_F_MMAPABLE },
		{ ".rodata.custom", ".rodata.custom", USERBPF_OBJECT_MAP_RODATA,
		  USERBPF_F_MMAPABLE | USERBPF_F_RDONLY_PROG },
	};
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	struct userbpf_map_def def;
	char err[512] = "";
	uint64_t r0;
	size_t i, size;
	int *data;
	uint64_t *bss;

	LOADER_OPEN(obj, "globals", NULL, err);
	for (i = 0; i < N(want); i++) {
		m = userbpf_object__find_map_by_name(obj, want[i].name);
		ASSERT_TRUE(m);
		ASSERT_TRUE(m == userbpf_object__find_map_by_name(obj, want[i].sec));
		ASSERT_STREQ(userbpf_object_map__section_name(m), want[i].sec);
		ASSERT_OK(userbpf_object_map__def(m, &def));
		ASSERT_EQ(def.kind, want[i].kind);
		ASSERT_EQ(def.type, USERBPF_MAP_TYPE_ARRAY);
		ASSERT_EQ(def.key_size, 4);
		ASSERT_EQ(def.max_entries, 1);
		ASSERT_EQ(def.map_flags, want[i].flags);
		ASSERT_TRUE(def.value_size > 0);
		ASSERT_TRUE(userbpf_object_map__initial_value(m, &size));
		ASSERT_EQ(size, def.value_size);
	}
	/* initial contents */
	data = loader_data(obj, ".data", &size);
	ASSERT_TRUE(has_int(data, size, G_DATA) && has_int(data, size, S_DATA));
	data = loader_data(obj, ".rodata", &size);
	ASSERT_TRUE(has_int(data, size, RO_CFG));
	bss = loader_data(obj, ".bss", &size);
	ASSERT_EQ(size, 4 + 4 + BSS_ARR_LEN * 8); /* counter, pad, array */
	for (i = 0; i < size / 8; i++)
		ASSERT_EQ(bss[i], 0);

	ASSERT_OK(userbpf_object__load(obj));
	m = userbpf_object__find_map_by_name(obj, ".rodata");
	ASSERT_TRUE(userbpf_map__is_frozen(userbpf_object_map__map(m)));
	ASSERT_ERR(userbpf_object_map__set_initial_value(m, "x", 1), -EBUSY);
	ASSERT_OK(loader_run(obj, "read_globals", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, READ_GLOBALS_RET);
	ASSERT_OK(loader_run(obj, "write_globals", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_OK(loader_run(obj, "write_globals", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 2);
	/* user space sees the programs' writes in the live memory */
	data = loader_data(obj, ".bss", &size);
	ASSERT_TRUE(data);
	ASSERT_EQ(data[0], 2);
	ASSERT_TRUE(has_int(loader_data(obj, ".data", &size), size, G_DATA + 200));
	ASSERT_TRUE(has_int(loader_data(obj, ".data.custom", &size), size, 4));
	bss = loader_data(obj, ".bss", &size);
	ASSERT_EQ(bss[1 + 3], BSS_MARK);
	/* checked mode knows the global data the programs address */
	{
		USERBPF_OPTS(userbpf_run_opts, ro, .flags = USERBPF_RUN_CHECKED, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		struct userbpf_program *p;

		p = userbpf_object__find_program_by_name(obj, "write_globals");
		ASSERT_OK(userbpf_prog__run(userbpf_program__prog(p), &ro, &r0));
		ASSERT_EQ(r0, 3);
		p = userbpf_object__find_program_by_name(obj, "read_globals");
		ASSERT_OK(userbpf_prog__run(userbpf_program__prog(p), &ro, &r0));
		ASSERT_EQ(r0, READ_GLOBALS_RET + 300 + 3 + 6 - CUSTOM_DATA);
	}
	/* and the programs see user space writes */
	data = loader_data(obj, ".data.custom", &size);
	data[0] = 1000;
	ASSERT_OK(loader_run(obj, "read_globals", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, READ_GLOBALS_RET + 300 + 3 + 1000 - CUSTOM_DATA);
	userbpf_object__close(obj);

	/* .rodata configuration before load, like a libbpf skeleton */
	obj = loader_open("globals", NULL, err, sizeof(err));
	ASSERT_TRUE(obj);
	m = userbpf_object__find_map_by_name(obj, ".rodata");
	data = userbpf_object_map__initial_value(m, &size);
	for (i = 0; i < size / 4; i++)
		if (data[i] == RO_CFG)
			data[i] = RO_CFG + 1000;
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(loader_run(obj, "read_globals", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, READ_GLOBALS_RET + 1000);
	userbpf_object__close(obj);
}

/* The relocated lddw of global data: map_idx_value with the offset. */
TEST(loader_globals_relocated_insns)
{
	struct userbpf_object *obj;
	struct userbpf_program *p;
	const struct userbpf_insn *insns;
	char err[512] = "";
	size_t i, n, seen = 0;

	LOADER_OPEN(obj, "globals", NULL, err);
	p = userbpf_object__find_program_by_name(obj, "read_globals");
	insns = userbpf_program__insns(p);
	for (i = 0; i < userbpf_program__insn_cnt(p); i++)
		ASSERT_TRUE(insns[i].code != 0x18 || insns[i].src_reg == 0);
	ASSERT_OK(userbpf_object__prepare(obj));
	insns = userbpf_program__insns(p);
	n = userbpf_program__insn_cnt(p);
	for (i = 0; i < n; i++) {
		if (insns[i].code != 0x18)
			continue;
		ASSERT_EQ(insns[i].src_reg, USERBPF_PSEUDO_MAP_IDX_VALUE);
		ASSERT_TRUE(insns[i].imm >= 0);
		ASSERT_TRUE(insns[i + 1].imm >= 0);
		seen++;
		i++;
	}
	ASSERT_TRUE(seen >= 4);
	userbpf_object__close(obj);
}

/* ==== maps ==== */

TEST(loader_maps)
{
	static const struct {
		const char *name;
		uint32_t type, key, value, max, flags;
		uint64_t extra;
		uint32_t pinning;
		bool btf_key, btf_value;
	} want[] = {
		{ "hmap", USERBPF_MAP_TYPE_HASH, 4, 16, 64, 0, 0, 1, true, true },
		{ "amap", USERBPF_MAP_TYPE_ARRAY, 4, 16, 8, 0, 0, 0, false, false },
		{ "pcpu", USERBPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2, 0, 0, 0, true, true },
		{ "lru", USERBPF_MAP_TYPE_LRU_HASH, 8, 4, 16, USERBPF_F_NO_COMMON_LRU, 0, 0, true,
		  true },
		{ "rb", USERBPF_MAP_TYPE_RINGBUF, 0, 0, 5000, 0, 0, 0, false, false },
		{ "events", USERBPF_MAP_TYPE_PERF_EVENT_ARRAY, 0, 0, 0, 0, 0, 0, false, false },
		{ "queue", USERBPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, 0, 0, false, true },
		{ "lpm", USERBPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, USERBPF_F_NO_PREALLOC, 0, 0, true,
		  true },
		{ "bloom", USERBPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 32, 0, 3, 0, false, true },
	};
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	struct userbpf_map_def def;
	char err[512] = "";
	uint64_t r0, *ptrs;
	size_t i, size;

	LOADER_OPEN(obj, "maps", NULL, err);
	for (i = 0; i < N(want); i++) {
		m = userbpf_object__find_map_by_name(obj, want[i].name);
		ASSERT_TRUE(m);
		ASSERT_OK(userbpf_object_map__def(m, &def));
		ASSERT_EQ(def.kind, USERBPF_OBJECT_MAP_BTF);
		ASSERT_STREQ(userbpf_object_map__section_name(m), ".maps");
		ASSERT_EQ(def.type, want[i].type);
		ASSERT_EQ(def.key_size, want[i].key);
		ASSERT_EQ(def.value_size, want[i].value);
		ASSERT_EQ(def.max_entries, want[i].max);
		ASSERT_EQ(def.map_flags, want[i].flags);
		ASSERT_EQ(def.map_extra, want[i].extra);
		ASSERT_EQ(def.pinning, want[i].pinning);
		ASSERT_EQ(!!def.btf_key_type_id, want[i].btf_key);
		ASSERT_EQ(!!def.btf_value_type_id, want[i].btf_value);
		ASSERT_TRUE(!userbpf_object_map__initial_value(m, &size));
	}
	if (userbpf_object__load(obj)) {
		test_fail(__FILE__, __LINE__, "load: %s", userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return;
	}
	/* libbpf's load-time adjustments */
	m = userbpf_object__find_map_by_name(obj, "rb");
	ASSERT_EQ(userbpf_map__max_entries(userbpf_object_map__map(m)), 8192);
	m = userbpf_object__find_map_by_name(obj, "events");
	ASSERT_EQ(userbpf_map__key_size(userbpf_object_map__map(m)), 4);
	ASSERT_EQ(userbpf_map__value_size(userbpf_object_map__map(m)), 4);
	ASSERT_EQ(userbpf_map__max_entries(userbpf_object_map__map(m)),
		  userbpf_num_possible_cpus());
	m = userbpf_object__find_map_by_name(obj, "bloom");
	ASSERT_EQ(userbpf_map__map_extra(userbpf_object_map__map(m)), 3);
	m = userbpf_object__find_map_by_name(obj, "hmap");
	ASSERT_STREQ(userbpf_map__name(userbpf_object_map__map(m)), "hmap");

	/* lddw of a map: the program sees the map itself */
	ASSERT_OK(loader_run(obj, "map_ptrs", NULL, 0, &r0, err, sizeof(err)));
	ptrs = loader_data(obj, ".bss", &size);
	ASSERT_EQ(size, N(want) * 8);
	for (i = 0; i < N(want); i++) {
		m = userbpf_object__find_map_by_name(obj, want[i].name);
		ASSERT_EQ(ptrs[i], (uintptr_t)userbpf_object_map__map(m));
	}
	ASSERT_OK(loader_run(obj, "lookup", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 1);
	ASSERT_OK(loader_run(obj, "lookup", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 2);
	{
		uint32_t key = 3;
		uint64_t v[2];

		m = userbpf_object__find_map_by_name(obj, "amap");
		ASSERT_OK(userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, v, 0));
		ASSERT_EQ(v[0], 2);
	}
	userbpf_object__close(obj);
}

TEST(loader_legacy_maps)
{
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	struct userbpf_map_def def;
	char err[512] = "";
	uint64_t r0, *ptrs;
	size_t size;

	LOADER_OPEN(obj, "legacy_maps", NULL, err);
	m = userbpf_object__find_map_by_name(obj, "legacy_hash");
	ASSERT_TRUE(m);
	ASSERT_OK(userbpf_object_map__def(m, &def));
	ASSERT_EQ(def.kind, USERBPF_OBJECT_MAP_LEGACY);
	ASSERT_STREQ(userbpf_object_map__section_name(m), "maps");
	ASSERT_EQ(def.type, USERBPF_MAP_TYPE_HASH);
	ASSERT_EQ(def.key_size, 4);
	ASSERT_EQ(def.value_size, 8);
	ASSERT_EQ(def.max_entries, 16);
	m = userbpf_object__find_map_by_name(obj, "legacy_array");
	ASSERT_OK(userbpf_object_map__def(m, &def));
	ASSERT_EQ(def.type, USERBPF_MAP_TYPE_ARRAY);
	ASSERT_EQ(def.max_entries, 2);
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(loader_run(obj, "legacy_ptrs", NULL, 0, &r0, err, sizeof(err)));
	ptrs = loader_data(obj, ".bss", &size);
	ASSERT_EQ(ptrs[0], (uintptr_t)userbpf_object_map__map(
				   userbpf_object__find_map_by_name(obj, "legacy_hash")));
	ASSERT_EQ(ptrs[1], (uintptr_t)userbpf_object_map__map(
				   userbpf_object__find_map_by_name(obj, "legacy_array")));
	userbpf_object__close(obj);
}

TEST(loader_map_in_map)
{
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	struct userbpf_map_def def;
	char err[512] = "";
	uint32_t key, id;
	uint64_t r0;

	LOADER_OPEN(obj, "map_in_map", NULL, err);
	m = userbpf_object__find_map_by_name(obj, "outer_arr");
	ASSERT_OK(userbpf_object_map__def(m, &def));
	ASSERT_EQ(def.type, USERBPF_MAP_TYPE_ARRAY_OF_MAPS);
	ASSERT_EQ(def.value_size, 4);
	ASSERT_TRUE(def.has_inner);
	ASSERT_EQ(def.inner_type, USERBPF_MAP_TYPE_ARRAY);
	ASSERT_EQ(def.inner_key_size, 4);
	ASSERT_EQ(def.inner_value_size, 8);
	ASSERT_EQ(def.inner_max_entries, 4);
	m = userbpf_object__find_map_by_name(obj, "jmp_table");
	ASSERT_OK(userbpf_object_map__def(m, &def));
	ASSERT_EQ(def.type, USERBPF_MAP_TYPE_PROG_ARRAY);
	ASSERT_EQ(def.value_size, 4);
	ASSERT_TRUE(!def.has_inner);
	if (userbpf_object__load(obj)) {
		test_fail(__FILE__, __LINE__, "load: %s", userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return;
	}
	/* initialisers: slot -> inner map id (what Linux returns) */
	m = userbpf_object__find_map_by_name(obj, "outer_arr");
	key = 0;
	ASSERT_OK(userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, &id, 0));
	ASSERT_EQ(id, userbpf_map__id(userbpf_object_map__map(
			      userbpf_object__find_map_by_name(obj, "inner_a"))));
	key = 1;
	ASSERT_ERR(userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, &id, 0), -ENOENT);
	key = 2;
	ASSERT_OK(userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, &id, 0));
	ASSERT_EQ(id, userbpf_map__id(userbpf_object_map__map(
			      userbpf_object__find_map_by_name(obj, "inner_b"))));
	m = userbpf_object__find_map_by_name(obj, "outer_hash");
	key = 5;
	ASSERT_OK(userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, &id, 0));
	ASSERT_EQ(id, userbpf_map__id(userbpf_object_map__map(
			      userbpf_object__find_map_by_name(obj, "inner_b"))));
	/* prog array: slot 3 holds tail_3, which the tail call reaches */
	m = userbpf_object__find_map_by_name(obj, "jmp_table");
	key = 3;
	ASSERT_OK(userbpf_map__lookup_elem(userbpf_object_map__map(m), &key, &id, 0));
	ASSERT_EQ(id, userbpf_prog__id(userbpf_program__prog(
			      userbpf_object__find_program_by_name(obj, "tail_3"))));
	ASSERT_OK(loader_run(obj, "entry", NULL, 0, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 103);
	userbpf_object__close(obj);
}
