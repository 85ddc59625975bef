/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_helper_types.c - F02/F03 of the sandbox review: which
 * program types may call which helpers (the kernel's get_func_proto per
 * type, compared with Linux 6.18 by loading a call of every helper for
 * every type on both sides), and the host-read boundary: bpf_probe_read*
 * and the %s of the printf helpers read only the run's own memory unless
 * the run has USERBPF_RUN_HOST_READ, so a test run cannot read its host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "../unit/test_bpf.h"
#include "userbpf/userbpf.h"

/* r1..r5 = 0; call id; r0 = 0; exit */
#define CALL_PROG(ID)                                                                              \
	{                                                                                          \
		USERBPF_MOV64_IMM(1, 0), USERBPF_MOV64_IMM(2, 0), USERBPF_MOV64_IMM(3, 0),         \
		USERBPF_MOV64_IMM(4, 0), USERBPF_MOV64_IMM(5, 0), USERBPF_CALL_HELPER(ID),         \
		USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN(),                                      \
	}

/* Expected attach types a type needs to load at all (0 for the others). */
static uint32_t attach_type_of(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return BPF_CGROUP_INET4_BIND;
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return BPF_CGROUP_GETSOCKOPT;
	case BPF_PROG_TYPE_SK_LOOKUP:
		return BPF_SK_LOOKUP;
	case 32:	   /* BPF_PROG_TYPE_NETFILTER */
		return 45; /* BPF_NETFILTER */
	default:
		return 0;
	}
}

static char klog[16384];

/* The kernel's load of a program: 0, or -errno with the log in klog. */
static int kernel_load(uint32_t type, const struct userbpf_insn *insns, unsigned cnt)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.expected_attach_type = attach_type_of(type);
	if (type == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	a.log_buf = (uint64_t)(uintptr_t)klog;
	a.log_size = sizeof(klog);
	a.log_level = 1;
	klog[0] = '\0';
	fd = kbpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * userbpf's verdict on a call of helper id by a program of type: 1 may
 * call, 0 refused for its type, -1 userbpf has no such helper for it.
 */
static int userbpf_verdict(uint32_t type, uint32_t id, char *msg, size_t msg_sz)
{
	struct userbpf_insn insns[] = CALL_PROG(id);
	size_t extra_cnt = 0;
	const struct userbpf_helper *extra = userbpf_prog_type_helpers(type, &extra_cnt);
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = type, .extra_helpers = extra,
		     .extra_helper_cnt = extra_cnt, .err_buf = msg, .err_buf_sz = msg_sz);
	struct userbpf_prog *prog = userbpf_prog__new(insns, 8, &po);

	if (prog) {
		userbpf_prog__free(prog);
		return 1;
	}
	if (errno == EINVAL && strstr(msg, "cannot call helper"))
		return 0;
	return -1;
}

TEST(sandbox_helper_types_match_kernel)
{
	size_t std_cnt, i;
	const struct userbpf_helper *std = userbpf_helpers_std(&std_cnt);
	unsigned agree = 0, skipped_types = 0, skipped_pairs = 0, mismatches = 0;
	uint32_t type;
	bool locked_down;

	if (!kernel_ok()) {
		test_skip("the kernel refuses bpf() here");
		return;
	}
	/* kprobes always get bpf_probe_write_user (36) unless the kernel is
	 * locked down (LOCKDOWN_BPF_WRITE_USER): then its pairs are policy */
	{
		struct userbpf_insn insns[] = CALL_PROG(36);

		locked_down = kernel_load(2, insns, 8) < 0 && strstr(klog, "cannot use helper");
		if (locked_down)
			printf("  kernel locked down: bpf_probe_write_user#36 pairs skipped\n");
	}
	for (type = 1; type <= 32; type++) {
		struct userbpf_insn plain[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };
		size_t extra_cnt = 0;
		const struct userbpf_helper *extra = userbpf_prog_type_helpers(type, &extra_cnt);

		/* tracing, struct_ops, ext and lsm need a BTF attach target */
		if (kernel_load(type, plain, 2)) {
			skipped_types++;
			continue;
		}
		for (i = 0; i < std_cnt + extra_cnt; i++) {
			const struct userbpf_helper *h = i < std_cnt ? &std[i] :
								       &extra[i - std_cnt];
			struct userbpf_insn insns[] = CALL_PROG(h->id);
			char msg[256] = "";
			int k, u;

			/* userbpf's kfuncs (src/helpers/kfunc.h) have ids past
			 * the kernel's helpers: no kernel helper to compare */
			if (h->id >= 256) {
				skipped_pairs++;
				continue;
			}
			if (locked_down && h->id == 36) {
				skipped_pairs++;
				continue;
			}
			k = kernel_load(type, insns, 8);
			k = !(k < 0 &&
			      (strstr(klog, "cannot use helper") || strstr(klog, "unknown func")));
			u = userbpf_verdict(type, h->id, msg, sizeof(msg));
			if (u < 0) {
				/* a packet helper userbpf lacks for this type */
				skipped_pairs++;
				continue;
			}
			if (k == u) {
				agree++;
				continue;
			}
			mismatches++;
			fprintf(stderr, "  type %u (%s) helper %s#%u: kernel %s, userbpf %s (%s)\n",
				type,
				userbpf_prog_type_name(type) ? userbpf_prog_type_name(type) : "?",
				h->name, h->id, k ? "allows" : "refuses", u ? "allows" : "refuses",
				msg);
		}
	}
	printf("  helper availability: %u of %u (type, helper) pairs agree with the kernel; "
	       "%u types skipped (need a BTF target or are not built in), %u pairs skipped "
	       "(helper not in userbpf for that type)\n",
	       agree, agree + mismatches, skipped_types, skipped_pairs);
	ASSERT_EQ(mismatches, 0);
	ASSERT_TRUE(agree > 1000);
}

TEST(sandbox_helper_types_refused_with_name)
{
	struct userbpf_insn insns[] = CALL_PROG(4);
	char msg[256] = "", log[512] = "";
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_SOCKET_FILTER,
		     .err_buf = msg, .err_buf_sz = sizeof(msg));
	union bpf_attr a;

	ASSERT_TRUE(userbpf_prog__new(insns, 8, &po) == NULL);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_STREQ(msg, "at insn 5: program of type socket_filter cannot call helper "
			  "bpf_probe_read#4");
	/* a tracing type may call it */
	po.prog_type = USERBPF_PROG_TYPE_KPROBE;
	{
		struct userbpf_prog *p = userbpf_prog__new(insns, 8, &po);

		ASSERT_TRUE(p != NULL);
		userbpf_prog__free(p);
	}
	/* through bpf(): the kernel's EINVAL and the reason in the log */
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = 8;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	ASSERT_EQ(ubpf(BPF_PROG_LOAD, &a, sizeof(a)), -EINVAL);
	ASSERT_TRUE(strstr(log, "program of type xdp cannot call helper bpf_probe_read#4") != NULL);
}

/* ==== The host-read boundary ==== */

#define SECRET_VAR "USERBPF_TEST_SECRET"
#define SECRET "hunter2-do-not-leak"

static const char *secret_addr(void)
{
	setenv(SECRET_VAR, SECRET, 1);
	return getenv(SECRET_VAR);
}

static char trace_line[256];

static void on_trace(void *cookie, const char *line, size_t len)
{
	(void)cookie;
	snprintf(trace_line, sizeof(trace_line), "%.*s", (int)len, line);
}

/*
 * Run a socket filter on a 64-byte context buffer: checked (or not), with
 * the given extra flags.  Returns the run's error; r0 in *r0.
 */
static int run_filter(const struct userbpf_insn *insns, size_t cnt, uint8_t *ctx, uint32_t flags,
		      uint64_t *r0)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_SOCKET_FILTER);
	struct userbpf_prog *prog = userbpf_prog__new(insns, cnt, &po);
	USERBPF_OPTS(userbpf_run_opts, o, .ctx = ctx, .ctx_size = 64, .flags = flags,
		     .trace_fn = on_trace);
	int err;

	if (!prog)
		return -errno;
	err = userbpf_prog__run(prog, &o, r0);
	userbpf_prog__free(prog);
	return err;
}

TEST(sandbox_host_read_probe_read_env)
{
	const char *secret = secret_addr();
	static const uint32_t ids[] = { 112, 113, 114, 115 };
	static const uint32_t modes[] = { USERBPF_RUN_CHECKED, USERBPF_RUN_UNCHECKED };
	size_t i, m;

	for (m = 0; m < 2; m++) {
		for (i = 0; i < 4; i++) {
			/* probe_read*(ctx, 32, secret) */
			struct userbpf_insn insns[] = {
				USERBPF_MOV64_IMM(2, 32),
				USERBPF_LD_IMM64(3, (uint64_t)(uintptr_t)secret),
				USERBPF_CALL_HELPER(ids[i]),
				USERBPF_EXIT_INSN(),
			};
			uint8_t ctx[64];
			uint64_t r0 = 0;

			memset(ctx, 'x', sizeof(ctx));
			ASSERT_OK(run_filter(insns, 5, ctx, modes[m], &r0));
			ASSERT_EQ((int64_t)r0, -EFAULT);
			ASSERT_TRUE(memmem(ctx, sizeof(ctx), "hunter2", 7) == NULL);
			ASSERT_EQ(ctx[0], 0);
			/* the embedder widens the boundary: the same read works */
			ASSERT_OK(run_filter(insns, 5, ctx, modes[m] | USERBPF_RUN_HOST_READ, &r0));
			ASSERT_TRUE(memmem(ctx, sizeof(ctx), "hunter2", 7) != NULL);
		}
	}
	/* reading the run's own memory still works: ctx[32..] into ctx[0..] */
	{
		struct userbpf_insn insns[] = {
			USERBPF_MOV64_REG(3, 1), USERBPF_ALU64_IMM(USERBPF_ADD, 3, 32),
			USERBPF_MOV64_IMM(2, 8), USERBPF_CALL_HELPER(113),
			USERBPF_EXIT_INSN(),
		};
		uint8_t ctx[64] = { 0 };
		uint64_t r0 = 1;

		memcpy(ctx + 32, "own-data", 8);
		ASSERT_OK(run_filter(insns, 5, ctx, USERBPF_RUN_CHECKED, &r0));
		ASSERT_EQ(r0, 0);
		ASSERT_TRUE(memcmp(ctx, "own-data", 8) == 0);
		memset(ctx, 0, 8);
		ASSERT_OK(run_filter(insns, 5, ctx, USERBPF_RUN_UNCHECKED, &r0));
		ASSERT_TRUE(memcmp(ctx, "own-data", 8) == 0);
	}
}

TEST(sandbox_host_read_printf_s_env)
{
	const char *secret = secret_addr();
	static const uint32_t modes[] = { USERBPF_RUN_CHECKED, USERBPF_RUN_UNCHECKED };
	size_t m;

	for (m = 0; m < 2; m++) {
		/*
		 * stack: "%s\0" at fp-8, the secret's address at fp-16;
		 * bpf_snprintf(ctx, 64, fp-8, fp-16, 8), then
		 * bpf_trace_printk(fp-8, 3, secret)
		 */
		struct userbpf_insn insns[] = {
			USERBPF_MOV64_REG(6, 1),
			USERBPF_ST_MEM(USERBPF_W, 10, -8, 0x7325), /* "%s\0\0" */
			USERBPF_LD_IMM64(7, (uint64_t)(uintptr_t)secret),
			USERBPF_STX_MEM(USERBPF_DW, 10, 7, -16),
			USERBPF_MOV64_IMM(2, 64),
			USERBPF_MOV64_REG(3, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
			USERBPF_MOV64_REG(4, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 4, -16),
			USERBPF_MOV64_IMM(5, 8),
			USERBPF_CALL_HELPER(165),
			USERBPF_MOV64_REG(1, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 1, -8),
			USERBPF_MOV64_IMM(2, 3),
			USERBPF_MOV64_REG(3, 7),
			USERBPF_CALL_HELPER(6),
			USERBPF_EXIT_INSN(),
		};
		uint8_t ctx[64];
		uint64_t r0;

		memset(ctx, 0, sizeof(ctx));
		trace_line[0] = '\0';
		ASSERT_OK(run_filter(insns, sizeof(insns) / sizeof(insns[0]), ctx, modes[m], &r0));
		ASSERT_TRUE(memmem(ctx, sizeof(ctx), "hunter2", 7) == NULL);
		ASSERT_TRUE(strstr(trace_line, "hunter2") == NULL);
		ASSERT_TRUE(trace_line[0] != '\0'); /* the line was printed, without it */
		/* with host read, the same program prints it */
		ASSERT_OK(run_filter(insns, sizeof(insns) / sizeof(insns[0]), ctx,
				     modes[m] | USERBPF_RUN_HOST_READ, &r0));
		ASSERT_TRUE(strstr((char *)ctx, SECRET) != NULL);
		ASSERT_TRUE(strstr(trace_line, SECRET) != NULL);
	}
}

/* ==== F05: every run path is checked unless verified or opted out ==== */

static uint64_t host_secret = 0x5ec2e7;

/* Load insns as a socket filter through userbpf_bpf(BPF_PROG_LOAD). */
static int bpf_load(const struct userbpf_insn *insns, unsigned cnt, const int *fd_array)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.fd_array = (uint64_t)(uintptr_t)fd_array;
	return ubpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static int bpf_test_run(int fd, uint32_t *retval)
{
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;
	int err;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	err = ubpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return err;
}

TEST(sandbox_bpf_test_run_hostile_checked)
{
	/* *(u64 *)&host_secret = 0xbad; r0 = *(u64 *)&host_secret */
	struct userbpf_insn write_host[] = {
		USERBPF_LD_IMM64(1, (uint64_t)(uintptr_t)&host_secret),
		USERBPF_MOV64_IMM(2, 0xbad),
		USERBPF_STX_MEM(USERBPF_DW, 1, 2, 0),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 0),
		USERBPF_EXIT_INSN(),
	};
	/* an endless loop: a budget stops it (USERBPF_DEFAULT_BUDGET if none) */
	struct userbpf_insn spin[] = {
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_JMP_IMM(USERBPF_JA, 0, 0, -1),
		USERBPF_EXIT_INSN(),
	};
	uint32_t retval = 0;
	int fd;

	/* BPF_PROG_LOAD verifies (issue 12): refused at load, as by Linux */
	fd = bpf_load(write_host, 6, NULL);
	ASSERT_EQ(fd, -EACCES);
	(void)retval;
	(void)bpf_test_run;
	ASSERT_EQ(host_secret, 0x5ec2e7);
	/* userbpf_prog__run and userbpf_prog__test_run default to checked too */
	{
		USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_SOCKET_FILTER);
		struct userbpf_prog *p = userbpf_prog__new(write_host, 6, &po);
		USERBPF_OPTS(userbpf_run_opts, o);
		uint8_t pkt[64] = { 0 };
		USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));
		uint64_t r0 = 0;

		ASSERT_TRUE(p != NULL);
		ASSERT_EQ(userbpf_prog__verified(p), 0);
		ASSERT_EQ(userbpf_prog__run(p, &o, &r0), -EFAULT);
		ASSERT_EQ(userbpf_prog__test_run(p, &t), -EFAULT);
		ASSERT_EQ(host_secret, 0x5ec2e7);
		/* the explicit opt-out still exists (for trusted programs) */
		o.flags = USERBPF_RUN_UNCHECKED;
		ASSERT_OK(userbpf_prog__run(p, &o, &r0));
		ASSERT_EQ(host_secret, 0xbad);
		host_secret = 0x5ec2e7;
		userbpf_prog__free(p);
	}
	{
		struct userbpf_prog *p = userbpf_prog__new(spin, 3, NULL);
		USERBPF_OPTS(userbpf_run_opts, o, .insn_budget = 10000);
		uint64_t r0;

		ASSERT_EQ(userbpf_prog__run(p, &o, &r0), -E2BIG);
		ASSERT_EQ(o.insn_count, 10000);
		userbpf_prog__free(p);
	}
}

TEST(sandbox_bpf_test_run_global_data)
{
	/* a program's global data (lddw map_value) stays usable checked */
	union bpf_attr a;
	int map_fd, fd;
	uint32_t key = 0, retval = 0;
	uint64_t v = 0;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 16;
	a.max_entries = 1;
	map_fd = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
	ASSERT_TRUE(map_fd >= 0);
	{
		struct userbpf_insn p[] = {
			USERBPF_RAW_INSN(USERBPF_LD | USERBPF_DW | USERBPF_IMM, 1,
					 USERBPF_PSEUDO_MAP_VALUE, 0, map_fd),
			USERBPF_RAW_INSN(0, 0, 0, 0, 8),
			USERBPF_MOV64_IMM(2, 77),
			USERBPF_STX_MEM(USERBPF_DW, 1, 2, 0),
			USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 0),
			USERBPF_EXIT_INSN(),
		};

		fd = bpf_load(p, 6, NULL);
	}
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(bpf_test_run(fd, &retval));
	ASSERT_EQ(retval, 77);
	{
		uint8_t val[16];

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)map_fd;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)val;
		ASSERT_OK(ubpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)));
		memcpy(&v, val + 8, 8);
	}
	ASSERT_EQ(v, 77);
	userbpf_close(fd);
	userbpf_close(map_fd);
}
