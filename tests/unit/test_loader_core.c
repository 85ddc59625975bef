/* SPDX-License-Identifier: MIT */
/*
 * test_loader_core.c - BTF queries and CO-RE relocations: fixtures built
 * against this machine's vmlinux.h (vmlinux_core.bpf.c) and against local
 * flavoured types (core_ctx.bpf.c), relocated onto userbpf's context BTF
 * (the default) and onto /sys/kernel/btf/vmlinux (skipped if absent).
 * Programs run on fake contexts laid out from the target BTF, so each
 * check shows the relocated program read the target's fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "test_loader.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

static int64_t member_off(const struct userbpf_btf *btf, const char *type, const char *member)
{
	int64_t id = userbpf_btf__find_by_name_kind(btf, type, USERBPF_BTF_KIND_STRUCT);

	if (id < 0)
		return id;
	return userbpf_btf__member_bit_offset(btf, (uint32_t)id, member, NULL);
}

static void put_u64(uint8_t *buf, int64_t bit_off, uint64_t v)
{
	memcpy(buf + bit_off / 8, &v, sizeof(v));
}

static void put_u32(uint8_t *buf, int64_t bit_off, uint32_t v)
{
	memcpy(buf + bit_off / 8, &v, sizeof(v));
}

TEST(loader_btf_ctx)
{
	struct userbpf_btf *btf = userbpf_btf__ctx();
	int64_t id, td;

	ASSERT_TRUE(btf);
	ASSERT_TRUE(userbpf_btf__type_cnt(btf) > 50);
	id = userbpf_btf__find_by_name_kind(btf, "pt_regs", USERBPF_BTF_KIND_STRUCT);
	ASSERT_TRUE(id > 0);
	ASSERT_EQ(userbpf_btf__kind(btf, (uint32_t)id), USERBPF_BTF_KIND_STRUCT);
	ASSERT_STREQ(userbpf_btf__name(btf, (uint32_t)id), "pt_regs");
	ASSERT_EQ(userbpf_btf__resolve_size(btf, (uint32_t)id), 21 * 8);
	/* x86-64 kernel layout */
	ASSERT_EQ(member_off(btf, "pt_regs", "di"), 14 * 64);
	ASSERT_EQ(member_off(btf, "pt_regs", "si"), 13 * 64);
	ASSERT_EQ(member_off(btf, "pt_regs", "ax"), 10 * 64);
	ASSERT_EQ(member_off(btf, "pt_regs", "ip"), 16 * 64);
	ASSERT_EQ(member_off(btf, "pt_regs", "nope"), -ENOENT);
	td = userbpf_btf__find_by_name_kind(btf, "bpf_user_pt_regs_t", USERBPF_BTF_KIND_TYPEDEF);
	ASSERT_TRUE(td > 0);
	ASSERT_EQ(userbpf_btf__resolve_type(btf, (uint32_t)td), id);
	ASSERT_EQ(userbpf_btf__resolve_size(btf, (uint32_t)td), 168);
	ASSERT_EQ(member_off(btf, "trace_event_raw_sys_enter", "id"), 64);
	ASSERT_EQ(member_off(btf, "trace_event_raw_sys_enter", "args"), 128);
	ASSERT_EQ(member_off(btf, "trace_event_raw_sys_exit", "ret"), 128);
	ASSERT_EQ(member_off(btf, "xdp_md", "data_end"), 32);
	/* anonymous unions are looked through: __sk_buff's flow_keys */
	ASSERT_TRUE(member_off(btf, "__sk_buff", "flow_keys") > 0);
	ASSERT_TRUE(member_off(btf, "task_struct", "tgid") == 32);
	ASSERT_EQ(userbpf_btf__find_by_name_kind(btf, "no_such_type", -1), -ENOENT);
	ASSERT_EQ(userbpf_btf__kind(btf, 0xffffff), -ENOENT);
	userbpf_btf__free(btf);
}

/* The shipped pt_regs and syscall records match the running kernel's. */
TEST(loader_btf_ctx_matches_kernel)
{
	static const char *const regs[] = { "di", "si", "dx", "cx", "r8",
					    "r9", "ax", "sp", "ip", "bp" };
	struct userbpf_btf *ctx, *k;
	size_t i;

	if (access(VMLINUX, R_OK)) {
		test_skip("%s not readable", VMLINUX);
		return;
	}
	ctx = userbpf_btf__ctx();
	k = userbpf_btf__parse_file(VMLINUX);
	ASSERT_TRUE(ctx && k);
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		ASSERT_EQ(member_off(ctx, "pt_regs", regs[i]), member_off(k, "pt_regs", regs[i]));
	ASSERT_EQ(member_off(ctx, "trace_event_raw_sys_enter", "args"),
		  member_off(k, "trace_event_raw_sys_enter", "args"));
	ASSERT_EQ(member_off(ctx, "trace_event_raw_sys_exit", "ret"),
		  member_off(k, "trace_event_raw_sys_exit", "ret"));
	ASSERT_EQ(member_off(ctx, "__sk_buff", "data_end"), member_off(k, "__sk_buff", "data_end"));
	ASSERT_TRUE(userbpf_btf__resolve_size(k, (uint32_t)userbpf_btf__find_by_name_kind(
							 k, "task_struct",
							 USERBPF_BTF_KIND_STRUCT)) > 1000);
	userbpf_btf__free(ctx);
	userbpf_btf__free(k);
}

struct core_env {
	struct userbpf_object *obj;
	struct userbpf_btf *btf; /* the target, for expected offsets */
	uint64_t *out;
};

/* Run prog with a zeroed 64 KiB context the caller filled. */
static int run_ctx(struct core_env *e, const char *prog, uint8_t *ctx, uint64_t *r0, char *err,
		   size_t err_sz)
{
	return loader_run(e->obj, prog, ctx, 65536, r0, err, err_sz);
}

static bool core_env_open(struct core_env *e, const char *fixture, bool kernel)
{
	char path[512];

	char err[512] = "";
	size_t size;

	memset(e, 0, sizeof(*e));
	if (kernel && access(VMLINUX, R_OK)) {
		test_skip("%s not readable", VMLINUX);
		return false;
	}
	if (!loader_fixture(fixture, path, sizeof(path)))
		return false;
	/* not kernel: the shipped context BTF, whatever the machine has */
	e->obj = loader_open_target(fixture, kernel ? VMLINUX : NULL, USERBPF_CORE_TARGET_CTX, err,
				    sizeof(err));
	if (!e->obj) {
		if (err[0])
			test_fail(__FILE__, __LINE__, "open: %s", err);
		return false;
	}
	{
		struct userbpf_program *p = NULL;

		/* the fixtures' SEC("?...") programs too */
		while ((p = userbpf_object__next_program(e->obj, p)))
			userbpf_program__set_autoload(p, true);
	}
	if (userbpf_object__load(e->obj)) {
		test_fail(__FILE__, __LINE__, "load: %s", userbpf_object__errmsg(e->obj));
		return false;
	}
	e->btf = kernel ? userbpf_btf__parse_file(VMLINUX) : userbpf_btf__ctx();
	e->out = loader_data(e->obj, ".bss", &size);
	if (!e->btf || !e->out) {
		test_fail(__FILE__, __LINE__, "no target BTF or .bss");
		return false;
	}
	return true;
}

static void core_env_close(struct core_env *e)
{
	userbpf_object__close(e->obj);
	userbpf_btf__free(e->btf);
}

/* Checks shared by the default and the kernel target. */
static void check_regs_and_tp(struct core_env *e, const char *regs_prog, const char *tp_prog)
{
	uint8_t *ctx = calloc(1, 65536);
	char err[256] = "";
	uint64_t r0;

	ASSERT_TRUE(ctx);
	put_u64(ctx, member_off(e->btf, "pt_regs", "di"), 0x1122334455667788ull);
	put_u64(ctx, member_off(e->btf, "pt_regs", "si"), 0x2222);
	put_u64(ctx, member_off(e->btf, "pt_regs", "ax"), 0x3333);
	if (run_ctx(e, regs_prog, ctx, &r0, err, sizeof(err))) {
		test_fail(__FILE__, __LINE__, "%s: %s", regs_prog, err);
		free(ctx);
		return;
	}
	ASSERT_EQ(e->out[OUT_PARM1], 0x1122334455667788ull);
	ASSERT_EQ(e->out[OUT_PARM2], 0x2222);
	ASSERT_EQ(e->out[OUT_RET], 0x3333);
	ASSERT_EQ(e->out[OUT_DI_EXISTS], 1);
	ASSERT_EQ(e->out[OUT_IP_SIZE], 8);
	ASSERT_EQ(e->out[OUT_TASK_EXISTS], 1);
	ASSERT_EQ(e->out[OUT_MISSING_EXISTS], 0);

	memset(ctx, 0, 65536);
	put_u64(ctx, member_off(e->btf, "trace_event_raw_sys_enter", "id"), 1);
	put_u64(ctx, member_off(e->btf, "trace_event_raw_sys_enter", "args") + 2 * 64, 4096);
	ASSERT_OK(run_ctx(e, tp_prog, ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(e->out[OUT_TP_ID], 1);
	ASSERT_EQ(e->out[OUT_TP_ARG2], 4096);
	free(ctx);
}

static bool has_poison(struct userbpf_object *obj, const char *prog)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, prog);
	const struct userbpf_insn *insns = userbpf_program__insns(p);
	size_t i;

	for (i = 0; i < userbpf_program__insn_cnt(p); i++)
		if (insns[i].code == 0x85 && insns[i].imm == 0xbad2310)
			return true;
	return false;
}

TEST(loader_core_vmlinux_default)
{
	struct core_env e;
	uint8_t *ctx;
	char err[256] = "";
	uint64_t r0;

	if (!core_env_open(&e, "vmlinux_core", false))
		goto out;
	check_regs_and_tp(&e, "core_regs", "core_tp");
	if (test_failed())
		goto out;
	ASSERT_EQ(e.out[OUT_ENTRY_SIZE], 8);
	/* userbpf's context BTF has no enum bpf_map_type */
	ASSERT_EQ(e.out[OUT_RINGBUF_EXISTS], 0);
	ASSERT_EQ(e.out[OUT_RINGBUF_VALUE], 0);
	/* the minimal task_struct: pid, tgid, comm */
	ASSERT_EQ(e.out[OUT_TGID_OFF], 4);
	ctx = calloc(1, 65536);
	ASSERT_TRUE(ctx);
	put_u32(ctx, 0, 77);
	put_u32(ctx, 32, 88);
	ASSERT_OK(run_ctx(&e, "core_task", ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 77);
	ASSERT_EQ(e.out[OUT_TGID], 88);
	/* no struct sk_buff: the guarded read is poisoned dead code */
	ASSERT_TRUE(has_poison(e.obj, "core_bitfield"));
	ASSERT_OK(run_ctx(&e, "core_bitfield", ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(e.out[OUT_SKB_EXISTS], 0);
	ASSERT_EQ(e.out[OUT_PKT_TYPE], 0xff);
	/* an unguarded read of task_struct::prio: loads, fails if run */
	ASSERT_TRUE(has_poison(e.obj, "core_poisoned"));
	ASSERT_ERR(run_ctx(&e, "core_poisoned", ctx, &r0, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "CO-RE");
	free(ctx);
out:
	core_env_close(&e);
}

TEST(loader_core_vmlinux_kernel)
{
	struct core_env e;
	uint8_t *ctx;
	char err[256] = "";
	uint64_t r0;
	int64_t off;
	uint32_t bits = 0;

	if (!core_env_open(&e, "vmlinux_core", true))
		goto out;
	check_regs_and_tp(&e, "core_regs", "core_tp");
	if (test_failed())
		goto out;
	ASSERT_EQ(e.out[OUT_ENTRY_SIZE], 8);
	ASSERT_EQ(e.out[OUT_RINGBUF_EXISTS], 1);
	ASSERT_EQ(e.out[OUT_RINGBUF_VALUE], USERBPF_MAP_TYPE_RINGBUF);
	ASSERT_EQ(e.out[OUT_TGID_OFF], member_off(e.btf, "task_struct", "tgid") / 8);
	ASSERT_TRUE(!has_poison(e.obj, "core_bitfield"));
	ASSERT_TRUE(!has_poison(e.obj, "core_poisoned"));
	ctx = calloc(1, 65536);
	ASSERT_TRUE(ctx);
	put_u32(ctx, member_off(e.btf, "task_struct", "pid"), 77);
	put_u32(ctx, member_off(e.btf, "task_struct", "tgid"), 88);
	put_u32(ctx, member_off(e.btf, "task_struct", "prio"), 120);
	ASSERT_OK(run_ctx(&e, "core_task", ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 77);
	ASSERT_EQ(e.out[OUT_TGID], 88);
	ASSERT_OK(run_ctx(&e, "core_poisoned", ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 120);
	/* a 3-bit field inside sk_buff */
	memset(ctx, 0, 65536);
	{
		int64_t id =
			userbpf_btf__find_by_name_kind(e.btf, "sk_buff", USERBPF_BTF_KIND_STRUCT);

		ASSERT_TRUE(id > 0);
		off = userbpf_btf__member_bit_offset(e.btf, (uint32_t)id, "pkt_type", &bits);
	}
	ASSERT_TRUE(off > 0);
	ASSERT_EQ(bits, 3);
	ctx[off / 8] |= (uint8_t)(5u << (off % 8));
	ASSERT_OK(run_ctx(&e, "core_bitfield", ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(e.out[OUT_SKB_EXISTS], 1);
	ASSERT_EQ(e.out[OUT_PKT_TYPE], 5);
	free(ctx);
out:
	core_env_close(&e);
}

static void core_ctx_checks(bool kernel)
{
	struct core_env e;
	uint8_t *ctx;
	char err[256] = "";
	uint64_t r0;

	if (!core_env_open(&e, "core_ctx", kernel))
		goto out;
	check_regs_and_tp(&e, "ctx_regs", "ctx_tp");
	if (test_failed())
		goto out;
	ctx = calloc(1, 65536);
	ASSERT_TRUE(ctx);
	put_u32(ctx, member_off(e.btf, "task_struct", "pid"), 1234);
	put_u32(ctx, member_off(e.btf, "task_struct", "tgid"), 5678);
	ASSERT_OK(run_ctx(&e, "ctx_task", ctx, &r0, err, sizeof(err)));
	ASSERT_EQ(r0, 1234);
	ASSERT_EQ(e.out[OUT_TGID], 5678);
	ASSERT_EQ(e.out[OUT_TGID_OFF], member_off(e.btf, "task_struct", "tgid") / 8);
	free(ctx);
out:
	core_env_close(&e);
}

TEST(loader_core_ctx_default)
{
	core_ctx_checks(false);
}

TEST(loader_core_ctx_kernel)
{
	core_ctx_checks(true);
}

/* A target BTF that cannot be read fails at load, naming the file. */
TEST(loader_core_bad_target)
{
	struct userbpf_object *obj;
	char err[512] = "";

	LOADER_OPEN(obj, "core_ctx", "/nonexistent/btf", err);
	ASSERT_ERR(userbpf_object__load(obj), -ENOENT);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "/nonexistent/btf");
	/* a failed prepare is final */
	ASSERT_ERR(userbpf_object__load(obj), -ENOENT);
	userbpf_object__close(obj);
}

/* ==== extern __kconfig ==== */

#include <sys/utsname.h>

TEST(loader_kconfig)
{
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	struct userbpf_map_def def;
	struct utsname uts;
	char path[512], err[512] = "", boot[300];
	uint64_t *kout, r0, inner[21] = { 0 }, outer[21] = { 0 };
	unsigned a = 0, b = 0, c = 0;
	size_t size;
	USERBPF_OPTS(userbpf_object_open_opts, opts,
		     .kconfig = "# comment\nCONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\n"
				"CONFIG_DEFAULT_HOSTNAME=\"userbpf\"\n",
		     .extra_helpers = loader_test_helpers,
		     .extra_helper_cnt = loader_test_helper_cnt, .err_buf = err,
		     .err_buf_sz = sizeof(err), .unverified = 1 /* stand-in helper prototypes */);

	if (!loader_fixture("vmlinux_kconfig", path, sizeof(path)))
		return;
	obj = userbpf_object__open_file(path, &opts);
	ASSERT_TRUE(obj);
	m = userbpf_object__find_map_by_name(obj, ".kconfig");
	ASSERT_TRUE(m);
	ASSERT_STREQ(userbpf_object_map__name(m), "vmlinux.kconfig");
	ASSERT_OK(userbpf_object_map__def(m, &def));
	ASSERT_EQ(def.kind, USERBPF_OBJECT_MAP_KCONFIG);
	ASSERT_EQ(def.map_flags, USERBPF_F_MMAPABLE | USERBPF_F_RDONLY_PROG);
	if (userbpf_object__load(obj)) {
		test_fail(__FILE__, __LINE__, "load: %s", userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return;
	}
	ASSERT_TRUE(userbpf_map__is_frozen(userbpf_object_map__map(m)));
	ASSERT_OK(loader_run(obj, "kconfig_vals", NULL, 0, &r0, err, sizeof(err)));
	kout = loader_data(obj, ".bss", &size);
	ASSERT_EQ(size, KOUT_NR * 8);
	ASSERT_TRUE(uname(&uts) == 0);
	sscanf(uts.release, "%u.%u.%u", &a, &b, &c);
	ASSERT_EQ(kout[KOUT_VERSION], (a << 16) | (b << 8) | (c > 255 ? 255 : c));
	ASSERT_EQ(kout[KOUT_BPF_SYSCALL], 1);
	ASSERT_EQ(kout[KOUT_HZ], 250);
	ASSERT_EQ(kout[KOUT_MISSING], 0);
	ASSERT_EQ(kout[KOUT_HOSTNAME0], 'u');
	/* BPF_KSYSCALL: LINUX_HAS_SYSCALL_WRAPPER is 1, so the arguments are
	 * read (CO-RE) from the syscall's own pt_regs that di points to */
	inner[14] = 42; /* di */
	outer[14] = (uint64_t)(uintptr_t)inner;
	ASSERT_OK(loader_run(obj, "ksys_openat", outer, sizeof(outer), &r0, err, sizeof(err)));
	ASSERT_EQ(kout[KOUT_SYSCALL_ARG0], 42);
	userbpf_object__close(obj);

	/* without the option, a CONFIG_ value no config gives fails the load */
	snprintf(boot, sizeof(boot), "/boot/config-%s", uts.release);
	if (!access(boot, R_OK))
		return;
	obj = userbpf_object__open_file(path, NULL);
	ASSERT_TRUE(obj);
	ASSERT_ERR(userbpf_object__load(obj), -ENOENT);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "extern (kcfg) 'CONFIG_");
	userbpf_object__close(obj);
	/* a value of the wrong form */
	{
		USERBPF_OPTS(userbpf_object_open_opts, o2,
			     .kconfig = "CONFIG_BPF_SYSCALL=m\nCONFIG_HZ=250\n"
					"CONFIG_DEFAULT_HOSTNAME=\"x\"");

		obj = userbpf_object__open_file(path, &o2);
		ASSERT_TRUE(obj);
		ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
		ASSERT_CONTAINS(userbpf_object__errmsg(obj),
				"'CONFIG_BPF_SYSCALL': value 'm' is not y/n");
		userbpf_object__close(obj);
	}
}

/* ==== type matches, type ids (clang 19 fixture) ==== */

static void check_types(bool kernel)
{
	struct core_env e;
	char err[256] = "";
	uint64_t r0, *tout;
	size_t size;

	if (!core_env_open(&e, "vmlinux_c19_types", kernel))
		goto out;
	ASSERT_OK(loader_run(e.obj, "core_types", NULL, 0, &r0, err, sizeof(err)));
	tout = loader_data(e.obj, ".bss", &size);
	/*
	 * Type matching compares integer names too (libbpf does): clang
	 * calls vmlinux.h's "long unsigned int" "unsigned long", so kernel
	 * structs of integers do not match the kernel's BTF (libbpf gives
	 * the same, see loader_core_types_vs_libbpf); userbpf's context BTF,
	 * built by clang, uses clang's names.  pt_regs also differs from
	 * userbpf's in its cs/ss unions.
	 */
	ASSERT_EQ(tout[TOUT_REGS_MATCH], 0);
	ASSERT_EQ(tout[TOUT_BAD_MATCH], 0);
	ASSERT_EQ(tout[TOUT_ENTRY_MATCH], kernel ? 0 : 1);
	ASSERT_EQ(tout[TOUT_ENUM64_EXISTS], kernel ? 1 : 0);
	ASSERT_EQ(tout[TOUT_ENUM64], kernel ? 0xfffffffffffffe00ull : 0);
	ASSERT_EQ(tout[TOUT_LOCAL_ID],
		  userbpf_btf__find_by_name_kind(userbpf_object__btf(e.obj), "pt_regs",
						 USERBPF_BTF_KIND_STRUCT));
	ASSERT_EQ(tout[TOUT_TARGET_ID],
		  userbpf_btf__find_by_name_kind(e.btf, "pt_regs", USERBPF_BTF_KIND_STRUCT));
out:
	core_env_close(&e);
}

TEST(loader_core_types_default)
{
	check_types(false);
}

TEST(loader_core_types_kernel)
{
	check_types(true);
}

/* ==== Differential: userbpf's CO-RE against libbpf's, on this kernel ==== */

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/*
 * Load prog of the object with libbpf (CO-RE against the running
 * kernel's BTF), run it with BPF_PROG_TEST_RUN and copy its .bss.
 * Returns 0, or a negative errno when the kernel refuses (skip).
 */
static int libbpf_bss(const char *path, const char *prog, void *bss, size_t size)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_map *m;
	int err, zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, topts);

	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	err = bpf_object__load(obj);
	p = bpf_object__find_program_by_name(obj, prog);
	if (!err)
		err = bpf_prog_test_run_opts(bpf_program__fd(p), &topts);
	if (!err) {
		err = -ENOENT;
		bpf_object__for_each_map(m, obj) if (strstr(bpf_map__name(m), ".bss") &&
						     bpf_map__value_size(m) == size)
			err = bpf_map_lookup_elem(bpf_map__fd(m), &zero, bss);
	}
	bpf_object__close(obj);
	return err ? (err < 0 ? err : -errno) : 0;
}

static void compare_with_libbpf(const char *fixture, const char *prog, size_t n)
{
	struct userbpf_object *obj;
	struct userbpf_program *p = NULL;
	uint64_t *ours, theirs[64], r0;
	char path[512], err[512] = "";
	size_t size, i;
	int rc;

	if (access(VMLINUX, R_OK)) {
		test_skip("%s not readable", VMLINUX);
		return;
	}
	if (!loader_fixture(fixture, path, sizeof(path)))
		return;
	libbpf_set_print(NULL);
	rc = libbpf_bss(path, prog, theirs, n * 8);
	if (rc) {
		test_skip("libbpf/kernel cannot run %s: %s", prog, strerror(-rc));
		return;
	}
	LOADER_OPEN(obj, fixture, VMLINUX, err);
	while ((p = userbpf_object__next_program(obj, p)))
		userbpf_program__set_autoload(p, !strcmp(userbpf_program__name(p), prog));
	if (userbpf_object__load(obj)) {
		test_fail(__FILE__, __LINE__, "load: %s", userbpf_object__errmsg(obj));
		userbpf_object__close(obj);
		return;
	}
	ASSERT_OK(loader_run(obj, prog, NULL, 0, &r0, err, sizeof(err)));
	ours = loader_data(obj, ".bss", &size);
	ASSERT_EQ(size, n * 8);
	for (i = 0; i < n; i++)
		if (ours[i] != theirs[i]) {
			test_fail(__FILE__, __LINE__,
				  "%s slot %zu: userbpf %llu, "
				  "libbpf %llu",
				  prog, i, (unsigned long long)ours[i],
				  (unsigned long long)theirs[i]);
			break;
		}
	if (test_verbose())
		printf("%s: %zu CO-RE results identical to libbpf's\n", prog, n);
	userbpf_object__close(obj);
}

TEST(loader_core_vs_libbpf)
{
	compare_with_libbpf("vmlinux_consts", "core_consts", COUT_NR);
}

TEST(loader_core_types_vs_libbpf)
{
	compare_with_libbpf("vmlinux_c19_types", "core_types", TOUT_NR);
}
