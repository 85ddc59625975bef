/* SPDX-License-Identifier: MIT */
/*
 * test_progs.c - program type contexts and test runs, checked against
 * the kernel's BPF_PROG_TEST_RUN on the same instructions and packets:
 * socket filter (no Ethernet header, LD_ABS), tc (whole frame, direct
 * packet access), XDP (packet rewrite, adjust_head).  Kernel comparisons
 * skip with a message where bpf() is refused.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test.h"
#include "userbpf/userbpf.h"
#include "userbpf/progs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int kernel_load(uint32_t type, const struct userbpf_insn *insns, size_t cnt)
{
	union bpf_attr a;
	static char log[4096];

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

struct result {
	uint32_t retval;
	uint8_t data[256];
	uint32_t data_size;
};

static int kernel_run(int fd, const uint8_t *pkt, uint32_t len, struct result *r)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = len;
	a.test.data_out = (uint64_t)(uintptr_t)r->data;
	a.test.data_size_out = sizeof(r->data);
	a.test.repeat = 1;
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a)))
		return -errno;
	r->retval = a.test.retval;
	r->data_size = a.test.data_size_out;
	return 0;
}

static int ours_run(uint32_t type, const struct userbpf_insn *insns, size_t cnt, const uint8_t *pkt,
		    uint32_t len, uint32_t flags, struct result *r)
{
	size_t hcnt;
	const struct userbpf_helper *h = userbpf_prog_type_helpers(type, &hcnt);
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = type, .extra_helpers = h,
		     .extra_helper_cnt = hcnt);
	USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = pkt, .data_size_in = len,
		     .data_out = r->data, .data_size_out = sizeof(r->data), .flags = flags);
	struct userbpf_prog *prog = userbpf_prog__new(insns, cnt, &po);
	int err;

	if (!prog)
		return -errno;
	err = userbpf_prog__test_run(prog, &t);
	userbpf_prog__free(prog);
	r->retval = t.retval;
	r->data_size = t.data_size_out;
	return err;
}

static const uint8_t ipv4_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11,
	0x00, 0x00, 10,	  0,	0,    1,    10,	  0,	0,    2,    0x30, 0x39,
	0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'p',  'i',	'n',  'g',
};

/* Compare one program on the kernel and on userbpf (fast and checked). */
static void compare(const char *what, uint32_t type, const struct userbpf_insn *insns, size_t cnt,
		    uint32_t want_retval)
{
	struct result k = { 0 }, u = { 0 }, c = { 0 };
	int fd = kernel_load(type, insns, cnt);

	ASSERT_OK(ours_run(type, insns, cnt, ipv4_udp, sizeof(ipv4_udp), 0, &u));
	ASSERT_OK(ours_run(type, insns, cnt, ipv4_udp, sizeof(ipv4_udp), USERBPF_RUN_CHECKED, &c));
	ASSERT_EQ(u.retval, want_retval);
	ASSERT_EQ(c.retval, u.retval);
	ASSERT_EQ(c.data_size, u.data_size);
	ASSERT_TRUE(!memcmp(c.data, u.data, u.data_size));
	if (fd < 0) {
		test_skip("%s: kernel refused BPF_PROG_LOAD (%s)", what, strerror(errno));
		return;
	}
	ASSERT_OK(kernel_run(fd, ipv4_udp, sizeof(ipv4_udp), &k));
	close(fd);
	ASSERT_EQ(u.retval, k.retval);
	ASSERT_EQ(u.data_size, k.data_size);
	ASSERT_TRUE(!memcmp(u.data, k.data, k.data_size));
}

TEST(progs_socket_filter_ctx)
{
	/* r0 = skb->len | skb->protocol << 16 | pkt_type << 28 */
	struct userbpf_insn p[] = {
		USERBPF_LDX_MEM(USERBPF_W, 0, 1, offsetof(struct __sk_buff, len)),
		USERBPF_LDX_MEM(USERBPF_W, 2, 1, offsetof(struct __sk_buff, protocol)),
		USERBPF_ALU64_IMM(USERBPF_LSH, 2, 16),
		USERBPF_ALU64_REG(USERBPF_OR, 0, 2),
		USERBPF_LDX_MEM(USERBPF_W, 2, 1, offsetof(struct __sk_buff, pkt_type)),
		USERBPF_ALU64_IMM(USERBPF_LSH, 2, 28),
		USERBPF_ALU64_REG(USERBPF_OR, 0, 2),
		USERBPF_EXIT_INSN(),
	};

	compare("socket filter ctx", USERBPF_PROG_TYPE_SOCKET_FILTER, p, N(p),
		(uint32_t)(sizeof(ipv4_udp) - 14) | 0x0008u << 16 | 3u << 28);
}

TEST(progs_socket_filter_ld_abs)
{
	/* LD_ABS sees the IP header at 0: version/IHL byte and protocol */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		USERBPF_RAW_INSN(USERBPF_LD | USERBPF_ABS | USERBPF_B, 0, 0, 0, 0),
		USERBPF_MOV64_REG(7, 0),
		USERBPF_RAW_INSN(USERBPF_LD | USERBPF_ABS | USERBPF_H, 0, 0, 0, 2),
		USERBPF_ALU64_IMM(USERBPF_LSH, 0, 8),
		USERBPF_ALU64_REG(USERBPF_OR, 0, 7),
		USERBPF_EXIT_INSN(),
	};

	compare("socket filter LD_ABS", USERBPF_PROG_TYPE_SOCKET_FILTER, p, N(p),
		0x20u << 8 | 0x45u);
}

TEST(progs_tc_direct_packet_access)
{
	/* data = skb->data; if (data + 14 > data_end) return 0;
	 * rewrite the source MAC's last byte; return ethertype (BE16 as read) */
	struct userbpf_insn p[] = {
		USERBPF_LDX_MEM(USERBPF_W, 2, 1, offsetof(struct __sk_buff, data)),
		USERBPF_LDX_MEM(USERBPF_W, 3, 1, offsetof(struct __sk_buff, data_end)),
		USERBPF_MOV64_REG(4, 2),
		USERBPF_ALU64_IMM(USERBPF_ADD, 4, 14),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_JMP_REG(USERBPF_JGT, 4, 3, 3),
		USERBPF_ST_MEM(USERBPF_B, 2, 11, 0x77),
		USERBPF_LDX_MEM(USERBPF_H, 0, 2, 12),
		USERBPF_EXIT_INSN(),
		USERBPF_EXIT_INSN(),
	};

	compare("tc packet access", USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), 0x0008);
}

TEST(progs_xdp_rewrite_and_adjust_head)
{
	/* drop the Ethernet header with adjust_head(14), then write the first
	 * byte of the IP header and return XDP_TX */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		USERBPF_MOV64_IMM(2, 14),
		USERBPF_CALL_HELPER(44),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_LDX_MEM(USERBPF_W, 2, 6, offsetof(struct xdp_md, data)),
		USERBPF_LDX_MEM(USERBPF_W, 3, 6, offsetof(struct xdp_md, data_end)),
		USERBPF_MOV64_REG(4, 2),
		USERBPF_ALU64_IMM(USERBPF_ADD, 4, 1),
		USERBPF_JMP_REG(USERBPF_JGT, 4, 3, 2),
		USERBPF_ST_MEM(USERBPF_B, 2, 0, 0x46),
		USERBPF_MOV64_IMM(0, 3),
		USERBPF_EXIT_INSN(),
	};

	compare("xdp", USERBPF_PROG_TYPE_XDP, p, N(p), 3);
}

TEST(progs_test_run_errors)
{
	struct userbpf_insn p[] = { USERBPF_MOV64_IMM(0, 1), USERBPF_EXIT_INSN() };
	struct result r;

	/* a packet shorter than an Ethernet header */
	ASSERT_ERR(ours_run(USERBPF_PROG_TYPE_XDP, p, N(p), ipv4_udp, 10, 0, &r), -EINVAL);
	ASSERT_ERR(ours_run(USERBPF_PROG_TYPE_SCHED_CLS, p, N(p), ipv4_udp, 13, 0, &r), -EINVAL);
	ASSERT_STREQ(userbpf_prog_type_name(USERBPF_PROG_TYPE_XDP), "xdp");
}
