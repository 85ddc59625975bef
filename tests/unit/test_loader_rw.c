// SPDX-License-Identifier: MIT
/*
 * test_loader_rw.c - what real-world objects need from the loader
 * (issue 11): CO-RE against the running kernel's BTF by default, the
 * shipped context BTF as the explicit or fallback target, and kernel
 * types read through vmlinux.h, checked against the kernel's own test
 * run of the same object (libbpf) where the kernel allows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	ASSERT_OK(loader_run(obj, "core_regs", (uint8_t[256]){ 0 }, 256, &(uint64_t){ 0 },
			     err, sizeof(err)));
	/* enum bpf_map_type exists only in the kernel's BTF */
	ASSERT_EQ(out[OUT_RINGBUF_EXISTS], 1);
	ASSERT_EQ(out[OUT_TGID_OFF],
		  (uint64_t)userbpf_btf__member_bit_offset(
			  kbtf, (uint32_t)userbpf_btf__find_by_name_kind(kbtf, "task_struct",
									 USERBPF_BTF_KIND_STRUCT),
			  "tgid", NULL) / 8);
	userbpf_object__close(obj);
}

TEST(loader_rw_core_ctx_target_on_request)
{
	struct userbpf_object *obj;
	char err[256] = "";
	const struct userbpf_btf *t;
	uint64_t *out;
	size_t size;

	obj = loader_open_target("vmlinux_core", NULL, USERBPF_CORE_TARGET_CTX, err,
				 sizeof(err));
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
	ASSERT_OK(loader_run(obj, "core_regs", (uint8_t[256]){ 0 }, 256, &(uint64_t){ 0 },
			     err, sizeof(err)));
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
	(void)l; (void)f; (void)ap;
	return 0;
}

/* The kernel's retval for pkt, or -1 when the kernel refuses. */
static int64_t kernel_run(const char *path, const char *prog, const void *pkt,
			  uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len);
	struct bpf_object *kobj;
	struct bpf_program *p;
	int64_t ret = -1;

	libbpf_set_print(silent);
	kobj = bpf_object__open_file(path, NULL);
	if (!kobj)
		return -1;
	if (!bpf_object__load(kobj) &&
	    (p = bpf_object__find_program_by_name(kobj, prog)) &&
	    !bpf_prog_test_run_opts(bpf_program__fd(p), &t))
		ret = t.retval;
	bpf_object__close(kobj);
	return ret;
}

TEST(loader_rw_tc_iphdr_vs_kernel)
{
	static const uint8_t pkts[][40] = {
		/* IPv4 UDP, ttl 64, ihl 5 */
		{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		  0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 },
		/* IPv4 TCP, ttl 3, ihl 6 */
		{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		  0x46, 0, 0, 32, 0, 0, 0, 0, 3, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 },
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
