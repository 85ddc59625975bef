/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_ctx.c - the program context is no way out of the sandbox
 * (issue 10, F04): checked runs apply the kernel's context access rules
 * per program type (compared here against the kernel's verifier on a
 * table of (type, offset, size, read/write) accesses), and packet
 * helpers and the test-run copy-out use the run's trusted packet bounds,
 * so a program that overwrites data/data_end/len (possible unchecked)
 * touches no host memory through them.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/progs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SKB(F) ((int16_t)offsetof(struct __sk_buff, F))
#define XDP(F) ((int16_t)offsetof(struct xdp_md, F))

static const uint8_t pkt[64] = {
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0x00, 0x00, 0x32,
};

struct run_out {
	int err;
	uint32_t retval;
	uint8_t data[512];
	uint32_t data_size;
	char msg[128];
};

static void run_prog(uint32_t type, const struct userbpf_insn *insns, size_t cnt, uint32_t flags,
		     struct run_out *o)
{
	size_t hcnt;
	const struct userbpf_helper *h = userbpf_prog_type_helpers(type, &hcnt);
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = type, .extra_helpers = h,
		     .extra_helper_cnt = hcnt);
	USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt),
		     .data_out = o->data, .data_size_out = sizeof(o->data), .flags = flags,
		     .err_buf = o->msg, .err_buf_sz = sizeof(o->msg));
	struct userbpf_prog *prog = userbpf_prog__new(insns, cnt, &po);

	memset(o, 0, sizeof(*o));
	if (!prog) {
		o->err = -errno;
		return;
	}
	o->err = userbpf_prog__test_run(prog, &t);
	o->retval = t.retval;
	o->data_size = t.data_size_out;
	userbpf_prog__free(prog);
}

/* A canary page in the low 2 GiB, where a u32 context field can point. */
static uint8_t *canary_page(void)
{
	uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, 4096);
	return p;
}

static bool canary_intact(const uint8_t *p)
{
	size_t i;

	for (i = 0; i < 4096; i++)
		if (p[i] != 0x5a)
			return false;
	return true;
}

TEST(sandbox_ctx_checked_write_data_refused)
{
	/* *(u32 *)(skb + data) = r1; kernel: invalid bpf_context access */
	struct userbpf_insn p[] = {
		USERBPF_STX_MEM(USERBPF_W, 1, 1, SKB(data)),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_insn q[] = {
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_STX_MEM(USERBPF_W, 1, 0, XDP(data_end)),
		USERBPF_EXIT_INSN(),
	};
	struct run_out o;

	run_prog(USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), USERBPF_RUN_CHECKED, &o);
	ASSERT_ERR(o.err, -EACCES);
	ASSERT_STREQ(o.msg, "invalid 4-byte write to __sk_buff field data at insn 0");
	run_prog(USERBPF_PROG_TYPE_SOCKET_FILTER, p, N(p), USERBPF_RUN_CHECKED, &o);
	ASSERT_ERR(o.err, -EACCES);
	run_prog(USERBPF_PROG_TYPE_XDP, q, N(q), USERBPF_RUN_CHECKED, &o);
	ASSERT_ERR(o.err, -EACCES);
	ASSERT_STREQ(o.msg, "invalid 4-byte write to xdp_md field data_end at insn 1");
	/* atomics on the context: never */
	{
		struct userbpf_insn a[] = {
			USERBPF_MOV64_IMM(2, 1),
			USERBPF_ATOMIC_OP(USERBPF_W, USERBPF_ADD, 1, 2, SKB(mark)),
			USERBPF_MOV64_IMM(0, 0),
			USERBPF_EXIT_INSN(),
		};

		run_prog(USERBPF_PROG_TYPE_SCHED_CLS, a, N(a), USERBPF_RUN_CHECKED, &o);
		ASSERT_ERR(o.err, -EACCES);
		ASSERT_CONTAINS(o.msg, "atomic on __sk_buff field mark at insn 1");
	}
	/* out of the context: a plain message with off and size */
	{
		struct userbpf_insn b[] = {
			USERBPF_LDX_MEM(USERBPF_W, 0, 1, 181),
			USERBPF_EXIT_INSN(),
		};

		run_prog(USERBPF_PROG_TYPE_SCHED_CLS, b, N(b), USERBPF_RUN_CHECKED, &o);
		ASSERT_ERR(o.err, -EACCES);
		ASSERT_STREQ(o.msg, "invalid context access off=181 size=4 at insn 0");
	}
}

TEST(sandbox_ctx_allowed_writes_still_work)
{
	/* tc: mark and cb[0] are writable; the run succeeds */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_IMM(2, 7),
		USERBPF_STX_MEM(USERBPF_W, 1, 2, SKB(mark)),
		USERBPF_STX_MEM(USERBPF_W, 1, 2, SKB(cb[0])),
		USERBPF_LDX_MEM(USERBPF_W, 0, 1, SKB(mark)),
		USERBPF_EXIT_INSN(),
	};
	struct run_out o;

	run_prog(USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), USERBPF_RUN_CHECKED, &o);
	ASSERT_OK(o.err);
	ASSERT_EQ(o.retval, 7);
}

TEST(sandbox_ctx_helper_buffer_not_in_ctx)
{
	/* bpf_skb_load_bytes(skb, 0, &skb->data, 4) would overwrite data */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(3, 1), USERBPF_ALU64_IMM(USERBPF_ADD, 3, SKB(data)),
		USERBPF_MOV64_IMM(2, 0), USERBPF_MOV64_IMM(4, 4),
		USERBPF_CALL_HELPER(26), USERBPF_EXIT_INSN(),
	};
	struct run_out o;

	run_prog(USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), USERBPF_RUN_CHECKED, &o);
	ASSERT_TRUE(o.err < 0);
	ASSERT_CONTAINS(o.msg, "argument 3");
}

/* Unchecked: the program points data at the canary and grows len; the
 * helper and the copy-out must still use the real packet. */
TEST(sandbox_ctx_store_bytes_uses_trusted_bounds)
{
	uint8_t *canary = canary_page();
	struct run_out o;

	if (!canary) {
		test_skip("no MAP_32BIT memory");
		return;
	}
	{
		struct userbpf_insn p[] = {
			USERBPF_MOV64_REG(6, 1),
			USERBPF_LD_IMM64(2, (uint64_t)(uintptr_t)canary),
			USERBPF_STX_MEM(USERBPF_W, 6, 2, SKB(data)),
			USERBPF_ALU64_IMM(USERBPF_ADD, 2, 4096),
			USERBPF_STX_MEM(USERBPF_W, 6, 2, SKB(data_end)),
			USERBPF_ST_MEM(USERBPF_W, 6, SKB(len), 4000),
			USERBPF_ST_MEM(USERBPF_W, 10, -8, 0x41414141),
			USERBPF_MOV64_REG(1, 6),
			USERBPF_MOV64_IMM(2, 8), /* offset inside the canary page */
			USERBPF_MOV64_REG(3, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
			USERBPF_MOV64_IMM(4, 4),
			USERBPF_MOV64_IMM(5, 0),
			USERBPF_CALL_HELPER(9),	 /* bpf_skb_store_bytes */
			USERBPF_MOV64_REG(1, 6), /* skb_load_bytes(skb, 2000, fp-16, 4) */
			USERBPF_MOV64_IMM(2, 2000),
			USERBPF_MOV64_REG(3, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 3, -16),
			USERBPF_MOV64_IMM(4, 4),
			USERBPF_CALL_HELPER(26),
			USERBPF_EXIT_INSN(), /* r0: load_bytes' result */
		};

		run_prog(USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), USERBPF_RUN_UNCHECKED, &o);
		ASSERT_OK(o.err);
		ASSERT_TRUE(canary_intact(canary));
		ASSERT_EQ((int32_t)o.retval, -EFAULT); /* 2000 is past the real packet */
		ASSERT_EQ(o.data_size, sizeof(pkt));   /* not len = 4000 */
		ASSERT_TRUE(!memcmp(o.data + 8, "AAAA", 4));
		ASSERT_TRUE(!memcmp(o.data, pkt, 8));
		/* checked: the first store is refused */
		run_prog(USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), USERBPF_RUN_CHECKED, &o);
		ASSERT_ERR(o.err, -EACCES);
		ASSERT_CONTAINS(o.msg, "write to __sk_buff field data at insn 3");
		ASSERT_TRUE(canary_intact(canary));
	}
	munmap(canary, 4096);
}

TEST(sandbox_ctx_xdp_adjust_uses_trusted_bounds)
{
	uint8_t *canary = canary_page();
	struct run_out o;

	if (!canary) {
		test_skip("no MAP_32BIT memory");
		return;
	}
	{
		/* data = data_end = canary + 100, then adjust_tail(+32) (which
		 * zeroed at data_end) and adjust_head(-4) */
		struct userbpf_insn p[] = {
			USERBPF_MOV64_REG(6, 1),
			USERBPF_LD_IMM64(2, (uint64_t)(uintptr_t)canary + 100),
			USERBPF_STX_MEM(USERBPF_W, 6, 2, XDP(data)),
			USERBPF_STX_MEM(USERBPF_W, 6, 2, XDP(data_end)),
			USERBPF_MOV64_IMM(2, 32),
			USERBPF_CALL_HELPER(65), /* bpf_xdp_adjust_tail */
			USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 6),
			USERBPF_MOV64_REG(1, 6),
			USERBPF_LD_IMM64(2, (uint64_t)(uintptr_t)canary + 3000),
			USERBPF_STX_MEM(USERBPF_W, 6, 2, XDP(data_end)),
			USERBPF_MOV64_IMM(2, -4),
			USERBPF_CALL_HELPER(44), /* bpf_xdp_adjust_head */
			USERBPF_EXIT_INSN(),
		};

		run_prog(USERBPF_PROG_TYPE_XDP, p, N(p), USERBPF_RUN_UNCHECKED, &o);
		ASSERT_OK(o.err);
		ASSERT_EQ(o.retval, 0);
		ASSERT_TRUE(canary_intact(canary));
		/* 4 bytes of headroom (zero), the packet, 32 zero bytes */
		ASSERT_EQ(o.data_size, sizeof(pkt) + 36);
		ASSERT_TRUE(!memcmp(o.data + 4, pkt, sizeof(pkt)));
		ASSERT_EQ(o.data[4 + sizeof(pkt)], 0);
		run_prog(USERBPF_PROG_TYPE_XDP, p, N(p), USERBPF_RUN_CHECKED, &o);
		ASSERT_ERR(o.err, -EACCES);
		ASSERT_TRUE(canary_intact(canary));
	}
	munmap(canary, 4096);
}

/* ==== The access table against the kernel's verifier ==== */

static int kernel_verdict(uint32_t type, const struct userbpf_insn *insns, size_t cnt)
{
	static char log[4096];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 0);
	int fd = bpf_prog_load((enum bpf_prog_type)type, NULL, "GPL",
			       (const struct bpf_insn *)(const void *)insns, cnt, &o);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EACCES || errno == EINVAL ? 0 : -errno;
}

static const uint8_t size_code[9] = {
	[1] = USERBPF_B, [2] = USERBPF_H, [4] = USERBPF_W, [8] = USERBPF_DW
};

TEST(sandbox_ctx_access_table_vs_kernel)
{
	static const struct {
		uint32_t type;
		uint32_t ctx_size;
	} types[] = {
		{ USERBPF_PROG_TYPE_SOCKET_FILTER, sizeof(struct __sk_buff) },
		{ USERBPF_PROG_TYPE_SCHED_CLS, sizeof(struct __sk_buff) },
		{ USERBPF_PROG_TYPE_SCHED_ACT, sizeof(struct __sk_buff) },
		{ USERBPF_PROG_TYPE_CGROUP_SKB, sizeof(struct __sk_buff) },
		{ USERBPF_PROG_TYPE_XDP, sizeof(struct xdp_md) },
	};
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	unsigned ti, si, w, agree = 0, total = 0, shown = 0, k_ok = 0;
	uint32_t off;
	int probe;

	{
		struct userbpf_insn nop[] = { USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };

		probe = kernel_verdict(USERBPF_PROG_TYPE_SOCKET_FILTER, nop, N(nop));
		if (probe != 1) {
			test_skip("kernel refused BPF_PROG_LOAD (%s); the context table needs root",
				  strerror(errno));
			return;
		}
	}
	for (ti = 0; ti < N(types); ti++)
		for (si = 0; si < N(sizes); si++)
			for (off = 0; off < types[ti].ctx_size + 4; off += sizes[si])
				for (w = 0; w < 4; w++) {
					uint8_t sz = size_code[sizes[si]];
					/* 0 load, 1 store (reg), 2 store (imm), 3 atomic add */
					struct userbpf_insn acc[] = {
						USERBPF_LDX_MEM(sz, 3, 1, (int16_t)off),
						USERBPF_STX_MEM(sz, 1, 2, (int16_t)off),
						USERBPF_ST_MEM(sz, 1, (int16_t)off, 0),
						USERBPF_ATOMIC_OP(sz, USERBPF_ADD, 1, 2,
								  (int16_t)off),
					};
					struct userbpf_insn p[] = {
						USERBPF_MOV64_IMM(2, 0),
						acc[w],
						USERBPF_MOV64_IMM(0, 0),
						USERBPF_EXIT_INSN(),
					};
					struct run_out o;
					int kv;
					bool ours;

					if (w == 3 && sizes[si] < 4)
						continue; /* no such atomic */
					kv = kernel_verdict(types[ti].type, p, N(p));

					if (kv < 0) {
						test_fail(__FILE__, __LINE__, "kernel load: %s",
							  strerror(-kv));
						return;
					}
					run_prog(types[ti].type, p, N(p), USERBPF_RUN_CHECKED, &o);
					ours = o.err == 0;
					if (!ours && o.err != -EACCES && o.err != -EFAULT) {
						test_fail(__FILE__, __LINE__, "run: %d %s", o.err,
							  o.msg);
						return;
					}
					total++;
					k_ok += (unsigned)kv;
					if (ours == (kv == 1)) {
						agree++;
					} else if (shown++ < 12) {
						printf("ctx_access mismatch: %s %s off=%u size=%u:"
						       " kernel %s, userbpf %s (%s)\n",
						       userbpf_prog_type_name(types[ti].type),
						       w == 3 ? "atomic" :
						       w      ? "write" :
								"read",
						       off, sizes[si], kv ? "accepts" : "rejects",
						       ours ? "allows" : "refuses", o.msg);
					}
				}
	printf("sandbox_ctx_access_table: %u of %u (type, off, size, load/store/store-imm/atomic)"
	       " context accesses agree with the kernel verifier (%u accepted by it)\n",
	       agree, total, k_ok);
	ASSERT_EQ(agree, total);
}
