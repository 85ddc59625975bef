// SPDX-License-Identifier: MIT
/*
 * test_loader_rw.c - what real-world objects need from the loader
 * (issue 11): CO-RE against the running kernel's BTF by default, the
 * shipped context BTF as the explicit or fallback target, and kernel
 * types read through vmlinux.h, checked against the kernel's own test
 * run of the same object (libbpf) where the kernel allows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "test_loader.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ==== CO-RE target choice ==== */

TEST(loader_rw_core_kernel_btf_by_default)
{
	struct userbpf_object *obj;
	char err[256] = "";
	const struct userbpf_btf *kbtf;
	uint64_t *out;
	size_t size;

	if (access(VMLINUX, R_OK)) {
		test_skip("%s not readable", VMLINUX);
		return;
	}
	LOADER_OPEN(obj, "vmlinux_core", NULL, err);
	ASSERT_TRUE(userbpf_object__target_btf(obj) == NULL); /* not yet */
	ASSERT_OK(userbpf_object__load(obj));
	kbtf = userbpf_btf__kernel();
	ASSERT_TRUE(kbtf != NULL);
	/* the shared, process-wide kernel BTF; the same on every call */
	ASSERT_TRUE(userbpf_object__target_btf(obj) == kbtf);
	ASSERT_TRUE(userbpf_btf__kernel() == kbtf);
	out = loader_data(obj, ".bss", &size);
	ASSERT_TRUE(out != NULL);
	ASSERT_OK(loader_run(obj, "core_regs", (uint8_t[256]){ 0 }, 256, &(uint64_t){ 0 }, err,
			     sizeof(err)));
	/* enum bpf_map_type exists only in the kernel's BTF */
	ASSERT_EQ(out[OUT_RINGBUF_EXISTS], 1);
	ASSERT_EQ(out[OUT_TGID_OFF], (uint64_t)userbpf_btf__member_bit_offset(
					     kbtf,
					     (uint32_t)userbpf_btf__find_by_name_kind(
						     kbtf, "task_struct", USERBPF_BTF_KIND_STRUCT),
					     "tgid", NULL) /
					     8);
	userbpf_object__close(obj);
}

TEST(loader_rw_core_ctx_target_on_request)
{
	struct userbpf_object *obj;
	char err[256] = "";
	const struct userbpf_btf *t;
	uint64_t *out;
	size_t size;

	obj = loader_open_target("vmlinux_core", NULL, USERBPF_CORE_TARGET_CTX, err, sizeof(err));
	if (!obj) {
		if (err[0])
			test_fail(__FILE__, __LINE__, "open: %s", err);
		return;
	}
	ASSERT_OK(userbpf_object__load(obj));
	t = userbpf_object__target_btf(obj);
	ASSERT_TRUE(t != NULL && t != userbpf_btf__kernel());
	/* the shipped BTF is small and has no enum bpf_map_type */
	ASSERT_TRUE(userbpf_btf__type_cnt(t) < 1000);
	out = loader_data(obj, ".bss", &size);
	ASSERT_OK(loader_run(obj, "core_regs", (uint8_t[256]){ 0 }, 256, &(uint64_t){ 0 }, err,
			     sizeof(err)));
	ASSERT_EQ(out[OUT_RINGBUF_EXISTS], 0);
	userbpf_object__close(obj);
}

TEST(loader_rw_core_bad_target_option)
{
	char path[512], err[256] = "";
	USERBPF_OPTS(userbpf_object_open_opts, o, .core_target = 7, .err_buf = err,
		     .err_buf_sz = sizeof(err));
	USERBPF_OPTS(userbpf_object_open_opts, o2, .btf_custom_path = "/nonexistent/btf",
		     .err_buf = err, .err_buf_sz = sizeof(err));
	struct userbpf_object *obj;

	if (!loader_fixture("vmlinux_core", path, sizeof(path)))
		return;
	ASSERT_TRUE(userbpf_object__open_file(path, &o) == NULL);
	ASSERT_EQ(errno, EINVAL);
	obj = userbpf_object__open_file(path, &o2);
	ASSERT_TRUE(obj != NULL);
	ASSERT_EQ(userbpf_object__load(obj), -ENOENT);
	ASSERT_TRUE(strstr(userbpf_object__errmsg(obj), "/nonexistent/btf") != NULL);
	userbpf_object__close(obj);
}

/* ==== struct iphdr through vmlinux.h, against the kernel ==== */

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

/* The kernel's retval for pkt, or -1 when the kernel refuses. */
static int64_t kernel_run(const char *path, const char *prog, const void *pkt, uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len);
	struct bpf_object *kobj;
	struct bpf_program *p;
	int64_t ret = -1;

	libbpf_set_print(silent);
	kobj = bpf_object__open_file(path, NULL);
	if (!kobj)
		return -1;
	if (!bpf_object__load(kobj) && (p = bpf_object__find_program_by_name(kobj, prog)) &&
	    !bpf_prog_test_run_opts(bpf_program__fd(p), &t))
		ret = t.retval;
	bpf_object__close(kobj);
	return ret;
}

TEST(loader_rw_tc_iphdr_vs_kernel)
{
	static const uint8_t pkts[][40] = {
		/* IPv4 UDP, ttl 64, ihl 5 */
		{ 0,  1, 2, 3, 4, 5,  6,  7, 8, 9,  10, 11, 0x08, 0x00, 0x45, 0, 0,
		  28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0,	0,  1,	  10,	0,    0, 2 },
		/* IPv4 TCP, ttl 3, ihl 6 */
		{ 0,  1, 2, 3, 4, 5, 6, 7, 8, 9,  10, 11, 0x08, 0x00, 0x46, 0, 0,
		  32, 0, 0, 0, 0, 3, 6, 0, 0, 10, 0,  0,  1,	10,   0,    0, 2 },
		/* IPv6 ethertype */
		{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd, 0x60 },
	};
	static const uint64_t want[] = { 64 << 16 | 17 << 8 | 5 << 4 | 4,
					 3 << 16 | 6 << 8 | 6 << 4 | 4, NET_NOT_IP };
	struct userbpf_object *obj;
	struct userbpf_program *p;
	char path[512], err[256] = "";
	size_t i;

	if (!loader_fixture("vmlinux_net", path, sizeof(path)))
		return;
	LOADER_OPEN(obj, "vmlinux_net", NULL, err);
	ASSERT_OK(userbpf_object__load(obj));
	p = userbpf_object__find_program_by_name(obj, "tc_iphdr");
	ASSERT_TRUE(p != NULL);
	for (i = 0; i < N(pkts); i++) {
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkts[i], .data_size_in = 40,
			     .flags = USERBPF_RUN_CHECKED, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		int64_t k;

		ASSERT_OK(userbpf_prog__test_run(userbpf_program__prog(p), &t));
		ASSERT_EQ(t.retval, want[i]);
		k = kernel_run(path, "tc_iphdr", pkts[i], 40);
		if (k >= 0)
			ASSERT_EQ(t.retval, (uint64_t)k);
	}
	userbpf_object__close(obj);
}

/* ==== Before load: globals, map sizes, which programs ==== */

static const uint8_t zero_pkt[64];

static struct userbpf_object *open_loadtime(char *err, size_t err_sz)
{
	return loader_open("loadtime", NULL, err, err_sz);
}

/* The stack-trace map is sized by the loader, as the tools do. */
static void size_stacks(struct userbpf_object *obj)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, "stack_traces");

	ASSERT_TRUE(m != NULL);
	ASSERT_OK(userbpf_object_map__set_value_size(m, 127 * 8));
	ASSERT_OK(userbpf_object_map__set_max_entries(m, 64));
}

static int run_pkt(struct userbpf_object *obj, const char *name, uint32_t *retval)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, name);
	USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = zero_pkt,
		     .data_size_in = sizeof(zero_pkt), .flags = USERBPF_RUN_CHECKED);
	int rc;

	if (!p || !userbpf_program__prog(p))
		return -ENOENT;
	rc = userbpf_prog__test_run(userbpf_program__prog(p), &t);
	*retval = t.retval;
	return rc;
}

TEST(loader_rw_set_globals_typed_from_btf)
{
	static const struct {
		const char *name, *value;
	} sets[] = {
		{ "targ_pid", "1234" },	    { "targ_u8", "255" },
		{ "targ_s16", "-32768" },   { "targ_u64", "0xffffffffffffffff" },
		{ "targ_verbose", "true" }, { "targ_mode", "LT_TRACE" },
		{ "targ_comm", "bash" },    { "data_counter", "-3" },
	};
	struct userbpf_object *obj;
	char err[256] = "";
	uint64_t *out;
	uint32_t ret, tid;
	size_t i, size;
	char *comm;

	obj = open_loadtime(err, sizeof(err));
	if (!obj) {
		if (err[0])
			test_fail(__FILE__, __LINE__, "open: %s", err);
		return;
	}
	for (i = 0; i < N(sets); i++)
		ASSERT_OK(userbpf_object__set_global(obj, sets[i].name, sets[i].value));
	/* skeleton-style access to the same bytes */
	comm = userbpf_object__global(obj, "targ_comm", &size, &tid);
	ASSERT_TRUE(comm != NULL);
	ASSERT_EQ(size, 16);
	/* const volatile char[16]: an array of qualified chars */
	ASSERT_EQ(userbpf_btf__kind(userbpf_object__btf(obj), tid), USERBPF_BTF_KIND_ARRAY);
	ASSERT_TRUE(!strcmp(comm, "bash"));
	size_stacks(obj);
	ASSERT_OK(userbpf_object__load_only(obj, "lt_read"));
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(run_pkt(obj, "lt_read", &ret));
	out = loader_data(obj, ".bss", &size);
	ASSERT_TRUE(out != NULL);
	ASSERT_EQ(out[LT_PID], 1234);
	ASSERT_EQ(out[LT_U8], 255);
	ASSERT_EQ(out[LT_S16], (uint64_t)-32768);
	ASSERT_EQ(out[LT_U64], UINT64_MAX);
	ASSERT_EQ(out[LT_VERBOSE], 1);
	ASSERT_EQ(out[LT_MODE], 9);
	ASSERT_EQ(out[LT_COMM0], 'b');
	ASSERT_EQ(out[LT_COMM15], 0);
	ASSERT_EQ(out[LT_COUNTER], (uint64_t)(int64_t)-3);
	/* after load: .data is live, .rodata frozen */
	ASSERT_OK(userbpf_object__set_global(obj, "data_counter", "40"));
	ASSERT_OK(run_pkt(obj, "lt_read", &ret));
	ASSERT_EQ(out[LT_COUNTER], 40);
	ASSERT_ERR(userbpf_object__set_global(obj, "targ_pid", "1"), -EPERM);
	userbpf_object__close(obj);
}

TEST(loader_rw_set_globals_errors)
{
	static const struct {
		const char *name, *value;
		int err;
		const char *msg;
	} bad[] = {
		{ "no_such_var", "1", -ENOENT, "no global variable 'no_such_var'" },
		{ "targ_u8", "256", -ERANGE, "not a 1-byte unsigned integer" },
		{ "targ_u8", "-1", -EINVAL, "not a 1-byte unsigned integer" },
		{ "targ_s16", "32768", -ERANGE, "not a 2-byte signed integer" },
		{ "targ_s16", "-32769", -ERANGE, "not a 2-byte signed integer" },
		{ "targ_pid", "12x", -EINVAL, "'12x' is not a 4-byte signed integer" },
		{ "targ_pid", "", -EINVAL, "signed integer" },
		{ "targ_u64", "0x1ffffffffffffffff", -ERANGE, "unsigned integer" },
		{ "targ_verbose", "2", -EINVAL, "is a bool" },
		{ "targ_verbose", "yes", -EINVAL, "is a bool" },
		{ "targ_mode", "LT_NOPE", -EINVAL, "no enumerator of enum lt_mode" },
		{ "targ_comm", "0123456789abcdef", -E2BIG, "does not fit char[16]" },
		{ "lt_out", "1", -ENOTSUP, "only arrays of char" },
	};
	struct userbpf_object *obj;
	char err[256] = "";
	size_t i;
	int *pid;

	obj = open_loadtime(err, sizeof(err));
	if (!obj) {
		if (err[0])
			test_fail(__FILE__, __LINE__, "open: %s", err);
		return;
	}
	ASSERT_OK(userbpf_object__set_global(obj, "targ_pid", "77"));
	for (i = 0; i < N(bad); i++) {
		ASSERT_ERR(userbpf_object__set_global(obj, bad[i].name, bad[i].value), bad[i].err);
		ASSERT_CONTAINS(userbpf_object__errmsg(obj), bad[i].msg);
	}
	/* a refused value leaves the old one */
	pid = userbpf_object__global(obj, "targ_pid", NULL, NULL);
	ASSERT_TRUE(pid && *pid == 77);
	/* numbers for enums too, and they must fit */
	ASSERT_OK(userbpf_object__set_global(obj, "targ_mode", "5"));
	errno = 0;
	ASSERT_TRUE(userbpf_object__global(obj, "nope", NULL, NULL) == NULL);
	ASSERT_EQ(errno, ENOENT);
	userbpf_object__close(obj);
}

TEST(loader_rw_map_value_size_and_load_only)
{
	struct userbpf_object *obj;
	struct userbpf_object_map *m;
	char err[256] = "";
	uint32_t ret;

	obj = open_loadtime(err, sizeof(err));
	if (!obj) {
		if (err[0])
			test_fail(__FILE__, __LINE__, "open: %s", err);
		return;
	}
	/* value size 0 is left to the loader: the load says so */
	ASSERT_OK(userbpf_object__load_only(obj, "lt_read"));
	ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "map 'stack_traces'");
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "value size is left to the loader");
	m = userbpf_object__find_map_by_name(obj, "stack_traces");
	ASSERT_ERR(userbpf_object_map__set_value_size(m, 0), -EINVAL);
	ASSERT_ERR(userbpf_object_map__set_value_size(
			   userbpf_object__find_map_by_name(obj, ".rodata"), 8),
		   -EINVAL);
	/* prepared: the programs that load are decided */
	ASSERT_ERR(userbpf_object__load_only(obj, "lt_caller"), -EBUSY);
	userbpf_object__close(obj);

	/* every program: the one calling a helper userbpf lacks is refused by name */
	obj = open_loadtime(err, sizeof(err));
	ASSERT_TRUE(obj != NULL);
	size_stacks(obj);
	ASSERT_OK(userbpf_program__set_autoload(
		userbpf_object__find_program_by_name(obj, "lt_needs_missing"), true));
	ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "prog 'lt_needs_missing'");
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "calls helper bpf_sk_select_reuseport#82");
	userbpf_object__close(obj);

	obj = open_loadtime(err, sizeof(err));
	ASSERT_TRUE(obj != NULL);
	size_stacks(obj);
	m = userbpf_object__find_map_by_name(obj, "stack_traces");
	/* only the caller and the program its prog array holds */
	ASSERT_ERR(userbpf_object__load_only(obj, "no_such_prog"), -ENOENT);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "no program named 'no_such_prog'");
	ASSERT_OK(userbpf_object__load_only(obj, "lt_caller"));
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_TRUE(!userbpf_program__prog(userbpf_object__find_program_by_name(obj, "lt_read")));
	ASSERT_TRUE(!userbpf_program__prog(
		userbpf_object__find_program_by_name(obj, "lt_needs_missing")));
	ASSERT_OK(run_pkt(obj, "lt_caller", &ret));
	ASSERT_EQ(ret, LT_TAIL_RET);
	ASSERT_EQ(userbpf_map__value_size(userbpf_object_map__map(m)), 127 * 8);
	ASSERT_EQ(userbpf_map__max_entries(userbpf_object_map__map(m)), 64);
	ASSERT_ERR(userbpf_object_map__set_value_size(m, 8), -EBUSY);
	ASSERT_ERR(userbpf_object__load_only(obj, "lt_read"), -EBUSY);
	userbpf_object__close(obj);
}

/* ==== The same from the command line ==== */

int loader_cli_run(const char *args, char *out, size_t out_sz)
{
	char cmd[4096];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/userbpf %s 2>&1", test_build_dir(), args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, out_sz - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(loader_rw_cli_load_options)
{
	static const struct {
		const char *args;
		int status;
		const char *want;
	} cases[] = {
		{ "--prog lt_read --set targ_pid=1234 --set targ_comm=bash --set targ_mode=LT_COUNT "
		  "--set targ_verbose=true --map loadtime.bss --maps",
		  0, "value: d2 04 00 00" },
		{ "--prog lt_caller", 0, "retval: 55" },
		{ "--prog lt_read --set nope=1", 2, "no global variable 'nope'" },
		{ "--prog lt_read --set targ_u8=256", 2, "'256' is not a 1-byte unsigned integer" },
		{ "--prog lt_read --set targ_verbose=maybe", 2, "is a bool" },
		{ "--prog lt_read --set targ_mode=LT_NOPE", 2, "no enumerator of enum lt_mode" },
		{ "--prog lt_read --set targ_pid", 2, "is not NAME=VALUE" },
		{ "--prog lt_read --map-size nomap=3", 2, "no map named 'nomap'" },
		{ "--prog lt_read --map-size counts=0", 2, "is not a size" },
		{ "--prog lt_read --map-value-size counts=x", 2, "is not a size" },
		{ "--prog no_such_prog", 2, "no program named 'no_such_prog'" },
	};
	char path[512], args[2048], out[8192], pkt[] = "/tmp/userbpf-pkt-XXXXXX";
	size_t i;
	int fd;

	if (!loader_fixture("loadtime", path, sizeof(path)))
		return;
	fd = mkstemp(pkt);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, zero_pkt, sizeof(zero_pkt)), (ssize_t)sizeof(zero_pkt));
	close(fd);
	for (i = 0; i < N(cases); i++) {
		int st;

		snprintf(args, sizeof(args),
			 "run %s --data %s "
			 "--map-size stack_traces=64 --map-value-size stack_traces=1016 %s",
			 path, pkt, cases[i].args);
		st = loader_cli_run(args, out, sizeof(out));
		if (st != cases[i].status || !strstr(out, cases[i].want))
			test_fail(__FILE__, __LINE__, "userbpf %s: status %d, output:\n%s", args,
				  st, out);
	}
	/* without the loader's sizes the stack map cannot be created */
	snprintf(args, sizeof(args), "run %s --data %s --prog lt_read", path, pkt);
	ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 1);
	ASSERT_CONTAINS(out, "--map-value-size");
	/* a tracing program without --ctx runs on a zeroed context */
	if (loader_fixture("vmlinux_core", path, sizeof(path))) {
		snprintf(args, sizeof(args), "run %s --prog core_regs", path);
		ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
		ASSERT_CONTAINS(out, "retval: 0\n");
	}
	/* --btf: the CO-RE target of a vmlinux.h program */
	if (loader_fixture("vmlinux_net", path, sizeof(path))) {
		snprintf(args, sizeof(args), "run %s --data %s --prog tc_iphdr", path, pkt);
		ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 0);
		ASSERT_CONTAINS(out, "retval: 2\n"); /* NET_NOT_IP: all zeroes */
		snprintf(args, sizeof(args), "run %s --data %s --prog tc_iphdr --btf ctx", path,
			 pkt);
		ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 1);
		ASSERT_CONTAINS(out, "unresolved CO-RE relocation");
		snprintf(args, sizeof(args),
			 "run %s --data %s --prog tc_iphdr --btf "
			 "/nonexistent/btf",
			 path, pkt);
		ASSERT_EQ(loader_cli_run(args, out, sizeof(out)), 1);
		ASSERT_CONTAINS(out, "cannot load target BTF '/nonexistent/btf'");
	}
	unlink(pkt);
}

/* ==== The current task, cgroup, pid namespace ==== */

static uint64_t stat_field(const char *path, int want)
{
	char buf[1024], *p;
	FILE *f = fopen(path, "r");
	size_t n;
	int field;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 3, p += 2; field < want; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

/* The kernel's id of our cgroup v2: its file handle (an independent way). */
static uint64_t cgroup_id_by_handle(void)
{
	char line[4096], mnt[4096] = "", dir[4096], type[64], dev[256], path[8300] = "";
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = 8 };
	FILE *f = fopen("/proc/self/mounts", "r");
	int mount_id;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2") && !mnt[0])
			strcpy(mnt, dir);
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	while (mnt[0] && f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "%s%s", mnt, line + 3);
		}
	if (f)
		fclose(f);
	if (!path[0] || name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return 0;
	return h.id;
}

/* A checked run (the CLI's default): the task images are its regions. */
static int run_checked(struct userbpf_object *obj, const char *name, uint64_t *r0)
{
	struct userbpf_program *p = userbpf_object__find_program_by_name(obj, name);
	char err[256] = "";
	USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_CHECKED, .err_buf = err,
		     .err_buf_sz = sizeof(err));
	int rc;

	if (!p || !userbpf_program__prog(p))
		return -ENOENT;
	rc = userbpf_prog__run(userbpf_program__prog(p), &o, r0);
	if (rc)
		test_fail(__FILE__, __LINE__, "%s: %s", name, err);
	return rc;
}

TEST(loader_rw_current_task_true_values)
{
	struct userbpf_object *obj;
	char err[256] = "", val[64], path[64], pcomm[32] = "", comm[16] = "";
	uint64_t *out, r0, start, hz = (uint64_t)sysconf(_SC_CLK_TCK);
	struct stat ns;
	size_t size;
	char *tcomm, *tpcomm;
	FILE *f;

	if (access(VMLINUX, R_OK)) {
		test_skip("%s not readable", VMLINUX);
		return;
	}
	LOADER_OPEN(obj, "vmlinux_task", NULL, err);
	ASSERT_OK(userbpf_program__set_autoload(
		userbpf_object__find_program_by_name(obj, "task_btf_direct"), true));
	ASSERT_OK(stat("/proc/self/ns/pid", &ns));
	snprintf(val, sizeof(val), "%llu", (unsigned long long)ns.st_dev);
	ASSERT_OK(userbpf_object__set_global(obj, "ns_dev", val));
	snprintf(val, sizeof(val), "%llu", (unsigned long long)ns.st_ino);
	ASSERT_OK(userbpf_object__set_global(obj, "ns_ino", val));
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(run_checked(obj, "task_core_read", &r0));
	out = loader_data(obj, ".bss", &size);
	ASSERT_TRUE(out != NULL);
	ASSERT_EQ(out[TK_PID], (uint64_t)syscall(SYS_gettid));
	ASSERT_EQ(out[TK_TGID], (uint64_t)getpid());
	ASSERT_EQ(out[TK_PPID], (uint64_t)getppid());
	ASSERT_EQ(out[TK_LEADER], (uint64_t)getpid());
	ASSERT_EQ(out[TK_PIDTGID], (uint64_t)getpid() << 32 | (uint64_t)syscall(SYS_gettid));
	ASSERT_EQ(out[TK_EXIT], 0);
	ASSERT_EQ(out[TK_MM], 1);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", (long)syscall(SYS_gettid));
	ASSERT_EQ(out[TK_FLAGS], stat_field(path, 9));
	start = stat_field(path, 22) * (1000000000ull / hz);
	ASSERT_EQ(out[TK_START], start);
	/* names: ours and our parent's */
	tcomm = (char *)out + TK_NR * 8;
	tpcomm = tcomm + 16;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	if (strncmp(tcomm, comm, 16))
		test_fail(__FILE__, __LINE__, "comm: task \"%.16s\", thread \"%.16s\"", tcomm,
			  comm);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)getppid());
	f = fopen(path, "r");
	ASSERT_TRUE(f && fgets(pcomm, sizeof(pcomm), f));
	fclose(f);
	pcomm[strcspn(pcomm, "\n")] = '\0';
	ASSERT_TRUE(!strncmp(tpcomm, pcomm, 15));
	/* our own pid namespace: found, with our ids */
	ASSERT_EQ(out[TK_NS_RET], 0);
	ASSERT_EQ(out[TK_NS_PID], (uint64_t)syscall(SYS_gettid));
	ASSERT_EQ(out[TK_NS_TGID], (uint64_t)getpid());
	ASSERT_EQ(out[TK_CGROUP], cgroup_id_by_handle());
	/* the BTF pointer read with plain loads */
	ASSERT_OK(run_checked(obj, "task_btf_direct", &r0));
	ASSERT_EQ(out[TK_BTF_PID], (uint64_t)syscall(SYS_gettid));
	ASSERT_EQ(out[TK_BTF_PPID], (uint64_t)getppid());
	ASSERT_EQ(out[TK_BTF_MM], 1);
	/* bpf_get_task_stack: our user stack (frames), no kernel stack,
	 * no walking another task's user stack */
	{
		int64_t *st = userbpf_object__global(obj, "tk_stack", NULL, NULL);

		ASSERT_OK(run_checked(obj, "task_stack", &r0));
		ASSERT_TRUE(st != NULL);
		ASSERT_TRUE(st[0] > 0 && st[0] % 8 == 0 && st[0] <= 32);
		ASSERT_EQ(st[1], 0);
		ASSERT_EQ(st[2], -EFAULT);
	}
	/* a weak kfunc userbpf lacks is absent: the guard skips the call */
	ASSERT_OK(run_checked(obj, "weak_kfunc", &r0));
	ASSERT_EQ(r0, 2);
	userbpf_object__close(obj);
}

/* Another thread sees itself, and a wrong namespace is refused. */
static void *thread_task(void *arg)
{
	struct userbpf_object *obj = arg;
	uint64_t r0, *out;
	size_t size;
	char err[128];

	USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_CHECKED, .err_buf = err,
		     .err_buf_sz = sizeof(err));

	if (userbpf_prog__run(userbpf_program__prog(
				      userbpf_object__find_program_by_name(obj, "task_core_read")),
			      &o, &r0))
		return NULL;
	out = loader_data(obj, ".bss", &size);
	return (void *)(uintptr_t)(out[TK_PID] == (uint64_t)syscall(SYS_gettid) &&
				   out[TK_TGID] == (uint64_t)getpid() &&
				   out[TK_LEADER] == (uint64_t)getpid());
}

TEST(loader_rw_current_task_threads_and_kfuncs)
{
	struct userbpf_object *obj;
	char err[256] = "";
	uint64_t *out;
	size_t size;
	pthread_t t;
	void *ok = NULL;

	if (access(VMLINUX, R_OK)) {
		test_skip("%s not readable", VMLINUX);
		return;
	}
	LOADER_OPEN(obj, "vmlinux_task", NULL, err);
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_OK(pthread_create(&t, NULL, thread_task, obj));
	ASSERT_OK(pthread_join(t, &ok));
	ASSERT_TRUE(ok == (void *)1);
	out = loader_data(obj, ".bss", &size);
	/* ns_dev/ns_ino left 0: not our namespace */
	ASSERT_EQ(out[TK_NS_RET], (uint64_t)(int64_t)-EINVAL);
	ASSERT_EQ(out[TK_NS_PID], 0);
	userbpf_object__close(obj);

	/* a strong kfunc userbpf lacks (libbpf looks it up without its
	 * ___flavour: the kernel's bpf_rcu_read_lock): the load fails as
	 * the kernel fails the call of a function it has no address for */
	LOADER_OPEN(obj, "vmlinux_task", NULL, err);
	ASSERT_OK(userbpf_program__set_autoload(
		userbpf_object__find_program_by_name(obj, "strong_kfunc"), true));
	ASSERT_ERR(userbpf_object__load(obj), -EINVAL);
	ASSERT_CONTAINS(userbpf_object__errmsg(obj), "prog 'strong_kfunc'");
	ASSERT_CONTAINS(userbpf_object__errmsg(obj),
			"cannot find address for kernel function bpf_rcu_read_lock");
	userbpf_object__close(obj);
}

/* ==== CGROUP_ARRAY and bpf_current_task_under_cgroup ==== */

static bool cgroup2_dir(char *mnt, size_t size)
{
	char line[4096], dev[256], dir[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2") && strlen(dir) < size) {
			strcpy(mnt, dir);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

static int64_t cg_run(struct userbpf_object *obj, uint64_t *ret)
{
	uint64_t r0 = 0;
	int64_t *res;
	size_t size;

	if (run_checked(obj, "cg_filter", &r0))
		return INT64_MIN;
	*ret = r0;
	res = loader_data(obj, ".bss", &size);
	return res[0];
}

TEST(loader_rw_cgroup_array_filter)
{
	char mnt[4096], sub[4200], err[256] = "";
	struct userbpf_object *obj;
	struct userbpf_map *m;
	uint32_t idx, fd_root, fd_sub, fd_tmp;
	uint64_t r0;
	int kfd;

	if (!cgroup2_dir(mnt, sizeof(mnt))) {
		test_skip("no cgroup v2 mount");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/userbpf-test-%d", mnt, (int)getpid());
	if (mkdir(sub, 0755) && errno != EEXIST) {
		test_skip("cannot create a cgroup: %s", strerror(errno));
		return;
	}
	LOADER_OPEN(obj, "cgroup_filter", NULL, err);
	ASSERT_OK(userbpf_object__set_global(obj, "filter_cg", "true"));
	ASSERT_OK(userbpf_object__load(obj));
	m = userbpf_object_map__map(userbpf_object__find_map_by_name(obj, "cgroup_map"));
	ASSERT_TRUE(m != NULL);
	/* an empty slot: -EAGAIN, and the filter drops the event */
	ASSERT_EQ(cg_run(obj, &r0), -EAGAIN);
	ASSERT_EQ(r0, 0);
	fd_root = (uint32_t)open(mnt, O_RDONLY | O_DIRECTORY);
	fd_sub = (uint32_t)open(sub, O_RDONLY | O_DIRECTORY);
	fd_tmp = (uint32_t)open("/tmp", O_RDONLY | O_DIRECTORY);
	idx = 0;
	/* not a cgroup: EBADF, as the kernel's map says */
	ASSERT_ERR(userbpf_map__update_elem(m, &idx, &fd_tmp, 0), -EBADF);
	kfd = bpf_map_create(BPF_MAP_TYPE_CGROUP_ARRAY, NULL, 4, 4, 2, NULL);
	if (kfd >= 0) {
		ASSERT_TRUE(bpf_map_update_elem(kfd, &idx, &fd_tmp, 0) < 0 && errno == EBADF);
		ASSERT_OK(bpf_map_update_elem(kfd, &idx, &fd_root, 0));
		close(kfd);
	}
	/* the root holds us: 1, the event passes */
	ASSERT_OK(userbpf_map__update_elem(m, &idx, &fd_root, 0));
	ASSERT_EQ(cg_run(obj, &r0), 1);
	ASSERT_EQ(r0, 1);
	/* a cgroup we are not in: 0 */
	ASSERT_OK(userbpf_map__update_elem(m, &idx, &fd_sub, 0));
	ASSERT_EQ(cg_run(obj, &r0), 0);
	ASSERT_EQ(r0, 0);
	userbpf_object__close(obj);

	/* past the end: -E2BIG */
	LOADER_OPEN(obj, "cgroup_filter", NULL, err);
	ASSERT_OK(userbpf_object__set_global(obj, "cg_index", "2"));
	ASSERT_OK(userbpf_object__load(obj));
	ASSERT_EQ(cg_run(obj, &r0), -E2BIG);
	userbpf_object__close(obj);
	close((int)fd_root);
	close((int)fd_sub);
	close((int)fd_tmp);
	rmdir(sub);
}
