/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_sock.c - table cases for socket pointers and their
 * references (PTR_TO_SOCKET, PTR_TO_SOCK_COMMON, PTR_TO_TCP_SOCK and their
 * _OR_NULL forms): bpf_sk_lookup_tcp/udp and bpf_skc_lookup_tcp acquire,
 * bpf_sk_release releases, a sock map lookup acquires, bpf_sk_fullsock
 * and bpf_tcp_sock cast (the result shares the reference), field reads by
 * the kernel's bpf_sock / bpf_sock_common / bpf_tcp_sock layouts; and
 * direct packet access through sk_msg, lwt and sk_skb contexts.  Every
 * case also runs on the kernel (vt_run.c); here the two must agree both
 * ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "vtest.h"
#include "../unit/test.h"
#include "userbpf/map.h"
#include "userbpf/progs.h"

#define TC 3	    /* BPF_PROG_TYPE_SCHED_CLS */
#define CG_SKB 8    /* BPF_PROG_TYPE_CGROUP_SKB */
#define XDP 6	    /* BPF_PROG_TYPE_XDP */
#define LWT_IN 10   /* BPF_PROG_TYPE_LWT_IN */
#define LWT_XMIT 12 /* BPF_PROG_TYPE_LWT_XMIT */
#define SK_SKB 14   /* BPF_PROG_TYPE_SK_SKB */
#define SK_MSG 16   /* BPF_PROG_TYPE_SK_MSG */
#define SOCK_OPS 13 /* BPF_PROG_TYPE_SOCK_OPS */

#define SKB_SK ((int16_t)offsetof(struct __sk_buff, sk))
#define SKB_DATA ((int16_t)offsetof(struct __sk_buff, data))
#define SKB_END ((int16_t)offsetof(struct __sk_buff, data_end))
#define SK_FAMILY ((int16_t)offsetof(struct bpf_sock, family))
#define SK_TYPE ((int16_t)offsetof(struct bpf_sock, type))
#define SK_DPORT ((int16_t)offsetof(struct bpf_sock, dst_port))
#define SK_DIP6 ((int16_t)offsetof(struct bpf_sock, dst_ip6))
#define TP_CWND ((int16_t)offsetof(struct bpf_tcp_sock, snd_cwnd))
#define TP_ACKED ((int16_t)offsetof(struct bpf_tcp_sock, bytes_acked))

/* r0 = bpf_sk_lookup_*(ctx = r1, &tuple (12 zero bytes at fp-16), 12, 0, 0) */
#define SKLOOKUP(ID)                                                                               \
	ST(DW, 10, -16, 0), ST(W, 10, -8, 0), MOVR(2, 10), ADDI(2, -16), MOV(3, 12), MOV(4, 0),    \
		MOV(5, 0), CALL(ID)
/* r0 = bpf_map_lookup_elem(map slot 0, &(u32)0) */
#define MAPLOOKUP ST(W, 10, -4, 0), MOVR(2, 10), ADDI(2, -4), LDMAP(1, 0), CALL(1)
/* bpf_sk_release(rX) */
#define RELEASE(R) MOVR(1, R), CALL(86)

/* One case a line: the table is data. */
/* clang-format off */
static const struct vcase cases[] = {
	/* ==== bpf_sk_lookup_* acquire, bpf_sk_release releases ==== */
	{ "sk_lookup_tcp, null check, release", { SKLOOKUP(84), JI(JEQ, 0, 0, 2), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "sk_lookup_udp in xdp, null check, release", { SKLOOKUP(85), JI(JEQ, 0, 0, 2), RELEASE(0), RET0 }, XDP, {0}, VT_ACCEPT, NULL },
	{ "skc_lookup_tcp, null check, release", { SKLOOKUP(99), JI(JEQ, 0, 0, 2), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "sk_lookup_tcp leaks its reference", { SKLOOKUP(84), RET0 }, TC, {0}, VT_REJECT, "Unreleased reference id=2 alloc_insn=7" },
	{ "sk_lookup_tcp released on one branch only", { SKLOOKUP(84), JI(JEQ, 0, 0, 5), MOVR(6, 0), CALL(7), JI(JEQ, 0, 0, 2), RELEASE(6), RET0 }, TC, {0}, VT_REJECT, "Unreleased reference" },
	{ "the null branch releases the reference", { SKLOOKUP(84), JI(JNE, 0, 0, 1), EXIT, RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "release without a null check", { SKLOOKUP(84), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "R1 type=sock_or_null expected=sock_common, sock, tcp_sock, xdp_sock" },
	{ "release of a copy checked for null", { SKLOOKUP(84), MOVR(6, 0), JI(JEQ, 6, 0, 2), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "release twice", { SKLOOKUP(84), JI(JEQ, 0, 0, 5), MOVR(6, 0), MOVR(1, 0), CALL(86), RELEASE(6), RET0 }, TC, {0}, VT_REJECT, "R1 type=scalar expected=sock_common" },
	{ "release of a scalar", { MOV(1, 0), CALL(86), RET0 }, TC, {0}, VT_REJECT, "R1 type=scalar expected=sock_common" },
	{ "release of skb->sk (not referenced)", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 1), CALL(86), RET0 }, TC, {0}, VT_REJECT, "R1 must be referenced when passed to release function" },
	{ "tail call holding a socket", { MOVR(6, 1), SKLOOKUP(84), JI(JEQ, 0, 0, 8), MOVR(7, 0), MOVR(1, 6), LDMAP(2, 0), MOV(3, 0), CALL(12), RELEASE(7), RET0 }, TC, {VT_PROG_ARRAY}, VT_REJECT, "tail_call would lead to reference leak" },
	{ "ld_abs holding a socket", { MOVR(6, 1), SKLOOKUP(84), JI(JEQ, 0, 0, 4), MOVR(7, 0), I(0x30, 0, 0, 0, 0), RELEASE(7), RET0 }, TC, {0}, VT_REJECT, "BPF_LD_[ABS|IND]" },
	/* ==== field reads through socket pointers ==== */
	{ "read sk->family after the null check", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(W, 2, 0, SK_FAMILY), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "read sk->family before the null check", { SKLOOKUP(84), LDX(W, 2, 0, SK_FAMILY), JI(JEQ, 0, 0, 2), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "invalid mem access 'sock_or_null'" },
	{ "8-byte read of sk->family", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(DW, 2, 0, SK_FAMILY), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "invalid sock access off=4 size=8" },
	{ "narrow read of sk->type", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(B, 2, 0, SK_TYPE), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "2-byte read of dst_port", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(H, 2, 0, SK_DPORT), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "4-byte read of dst_port", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(W, 2, 0, SK_DPORT), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "read of dst_port's padding", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(H, 2, 0, SK_DPORT + 2), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "invalid sock access" },
	{ "byte read inside dst_ip6", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(B, 2, 0, SK_DIP6 + 5), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "read past struct bpf_sock", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), LDX(W, 2, 0, (int16_t)sizeof(struct bpf_sock)), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "invalid sock access" },
	{ "write to a socket", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), STX(W, 0, 0, SK_FAMILY), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "R0 cannot write into sock" },
	{ "pointer arithmetic on a socket", { SKLOOKUP(84), JI(JEQ, 0, 0, 3), ADDI(0, 4), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "pointer arithmetic on sock prohibited" },
	{ "read after release", { SKLOOKUP(84), JI(JEQ, 0, 0, 5), MOVR(6, 0), MOVR(1, 0), CALL(86), LDX(W, 0, 6, SK_FAMILY), EXIT, RET0 }, TC, {0}, VT_REJECT, "R6 invalid mem access 'scalar'" },
	{ "skc_lookup: type is not in sock_common", { SKLOOKUP(99), JI(JEQ, 0, 0, 3), LDX(W, 2, 0, SK_TYPE), RELEASE(0), RET0 }, TC, {0}, VT_REJECT, "invalid sock_common access" },
	{ "skc_lookup: family is", { SKLOOKUP(99), JI(JEQ, 0, 0, 3), LDX(W, 2, 0, SK_FAMILY), RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	/* ==== skb->sk, bpf_sk_fullsock, bpf_tcp_sock ==== */
	{ "skb->sk without a null check", { LDX(DW, 1, 1, SKB_SK), LDX(W, 0, 1, SK_FAMILY), RET0 }, TC, {0}, VT_REJECT, "invalid mem access 'sock_common_or_null'" },
	{ "skb->sk family", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 1), LDX(W, 0, 1, SK_FAMILY), RET0 }, CG_SKB, {0}, VT_ACCEPT, NULL },
	{ "skb->sk type (not in sock_common)", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 1), LDX(W, 0, 1, SK_TYPE), RET0 }, CG_SKB, {0}, VT_REJECT, "invalid sock_common access" },
	{ "4-byte read of skb->sk", { LDX(W, 1, 1, SKB_SK), RET0 }, TC, {0}, VT_REJECT, "invalid bpf_context access" },
	{ "sk_fullsock(skb->sk) type", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 3), CALL(95), JI(JEQ, 0, 0, 1), LDX(W, 0, 0, SK_TYPE), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "sk_fullsock without a null check of its result", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 2), CALL(95), LDX(W, 0, 0, SK_TYPE), RET0 }, TC, {0}, VT_REJECT, "invalid mem access 'sock_or_null'" },
	{ "sk_fullsock of a possibly null socket", { LDX(DW, 1, 1, SKB_SK), CALL(95), RET0 }, TC, {0}, VT_REJECT, "R1 type=sock_common_or_null expected=sock_common" },
	{ "tcp_sock(skb->sk) snd_cwnd", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 3), CALL(96), JI(JEQ, 0, 0, 1), LDX(W, 0, 0, TP_CWND), RET0 }, CG_SKB, {0}, VT_ACCEPT, NULL },
	{ "tcp_sock bytes_acked (8 bytes)", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 3), CALL(96), JI(JEQ, 0, 0, 1), LDX(DW, 0, 0, TP_ACKED), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "tcp_sock bytes_acked as 4 bytes", { LDX(DW, 1, 1, SKB_SK), JI(JEQ, 1, 0, 3), CALL(96), JI(JEQ, 0, 0, 1), LDX(W, 0, 0, TP_ACKED), RET0 }, TC, {0}, VT_REJECT, "invalid tcp_sock access" },
	{ "fullsock of a lookup shares its reference: release through it", { SKLOOKUP(84), JI(JEQ, 0, 0, 10), MOVR(6, 0), MOVR(1, 0), CALL(95), JI(JNE, 0, 0, 4), RELEASE(6), RET0, RELEASE(0), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "release the lookup, read through its fullsock", { SKLOOKUP(84), JI(JEQ, 0, 0, 11), MOVR(6, 0), MOVR(1, 0), CALL(95), JI(JEQ, 0, 0, 5), MOVR(7, 0), MOVR(1, 6), CALL(86), LDX(W, 0, 7, SK_TYPE), EXIT, RELEASE(6), RET0 }, TC, {0}, VT_REJECT, "R7 invalid mem access 'scalar'" },
	{ "ptr != ptr_or_null: the other is not null on the equal side", { LDX(DW, 6, 1, SKB_SK), JI(JEQ, 6, 0, 8), MOVR(1, 6), CALL(95), MOVR(7, 0), MOVR(1, 6), CALL(95), JI(JEQ, 0, 0, 2), JR(JNE, 0, 7, 1), LDX(W, 0, 7, SK_TYPE), RET0 }, TC, {0}, VT_ACCEPT, NULL },
	{ "0 != ptr_or_null is no null check", { LDX(DW, 6, 1, SKB_SK), JI(JEQ, 6, 0, 9), MOVR(1, 6), CALL(95), MOVR(7, 0), MOVR(1, 6), CALL(95), JI(JNE, 0, 0, 3), JR(JNE, 0, 7, 1), JA(1), LDX(W, 0, 7, SK_TYPE), RET0 }, TC, {0}, VT_REJECT, "R7 invalid mem access 'sock_or_null'" },
	/* ==== sock map lookups hand out references ==== */
	{ "sockmap lookup, release", { MAPLOOKUP, JI(JEQ, 0, 0, 2), RELEASE(0), RET0 }, TC, {VT_SOCKMAP}, VT_ACCEPT, NULL },
	{ "sockhash lookup, read family, release", { MAPLOOKUP, JI(JEQ, 0, 0, 3), LDX(W, 2, 0, SK_FAMILY), RELEASE(0), RET0 }, TC, {VT_SOCKHASH}, VT_ACCEPT, NULL },
	{ "sockmap lookup leaks", { MAPLOOKUP, RET0 }, TC, {VT_SOCKMAP}, VT_REJECT, "Unreleased reference id=2 alloc_insn=5" },
	{ "sockmap lookup, write through it", { MAPLOOKUP, JI(JEQ, 0, 0, 3), ST(W, 0, 0, 1), RELEASE(0), RET0 }, TC, {VT_SOCKMAP}, VT_REJECT, "cannot write into sock" },
	{ "sockmap lookup, update sockhash with it, release", { MAPLOOKUP, JI(JEQ, 0, 0, 10), MOVR(6, 0), LDMAP(1, 1), MOVR(2, 10), ADDI(2, -4), MOVR(3, 6), MOV(4, 0), CALL(2), RELEASE(6), RET0 }, TC, {VT_SOCKMAP, VT_SOCKHASH}, VT_ACCEPT, NULL },
	{ "sockmap update with a stack value", { ST(W, 10, -4, 0), ST(DW, 10, -16, 0), LDMAP(1, 0), MOVR(2, 10), ADDI(2, -4), MOVR(3, 10), ADDI(3, -16), MOV(4, 0), CALL(2), RET0 }, TC, {VT_SOCKMAP}, VT_REJECT, "R3 type=fp expected=sock_common" },
	{ "sockmap lookup in a socket filter", { MAPLOOKUP, JI(JEQ, 0, 0, 2), RELEASE(0), RET0 }, 1, {VT_SOCKMAP}, VT_REJECT, NULL },
	/* ==== direct packet access: sk_msg, lwt, sk_skb ==== */
	{ "sk_msg packet read", { LDX(DW, 2, 1, 0), LDX(DW, 3, 1, 8), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), LDX(B, 0, 2, 7), RET0 }, SK_MSG, {0}, VT_ACCEPT, NULL },
	{ "sk_msg packet write", { LDX(DW, 2, 1, 0), LDX(DW, 3, 1, 8), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), ST(B, 2, 7, 1), RET0 }, SK_MSG, {0}, VT_ACCEPT, NULL },
	{ "sk_msg packet read past the checked range", { LDX(DW, 2, 1, 0), LDX(DW, 3, 1, 8), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), LDX(B, 0, 2, 8), RET0 }, SK_MSG, {0}, VT_REJECT, "invalid access to packet" },
	{ "sk_msg md->sk family", { LDX(DW, 1, 1, (int16_t)offsetof(struct sk_msg_md, sk)), LDX(W, 0, 1, SK_FAMILY), RET0 }, SK_MSG, {0}, VT_ACCEPT, NULL },
	{ "lwt_in packet read", { LDX(W, 2, 1, SKB_DATA), LDX(W, 3, 1, SKB_END), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), LDX(B, 0, 2, 7), RET0 }, LWT_IN, {0}, VT_ACCEPT, NULL },
	{ "lwt_in packet write", { LDX(W, 2, 1, SKB_DATA), LDX(W, 3, 1, SKB_END), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), ST(B, 2, 7, 1), RET0 }, LWT_IN, {0}, VT_REJECT, "cannot write into packet" },
	{ "lwt_xmit packet write", { LDX(W, 2, 1, SKB_DATA), LDX(W, 3, 1, SKB_END), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), ST(B, 2, 7, 1), RET0 }, LWT_XMIT, {0}, VT_ACCEPT, NULL },
	{ "lwt_in packet read without a range check", { LDX(W, 2, 1, SKB_DATA), LDX(B, 0, 2, 0), RET0 }, LWT_IN, {0}, VT_REJECT, "invalid access to packet" },
	{ "sock_ops packet read", { LDX(DW, 2, 1, (int16_t)offsetof(struct bpf_sock_ops, skb_data)), LDX(DW, 3, 1, (int16_t)offsetof(struct bpf_sock_ops, skb_data_end)), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), LDX(B, 0, 2, 7), MOV(0, 1), EXIT }, SOCK_OPS, {0}, VT_ACCEPT, NULL },
	{ "sock_ops packet write", { LDX(DW, 2, 1, (int16_t)offsetof(struct bpf_sock_ops, skb_data)), LDX(DW, 3, 1, (int16_t)offsetof(struct bpf_sock_ops, skb_data_end)), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), ST(B, 2, 7, 1), MOV(0, 1), EXIT }, SOCK_OPS, {0}, VT_REJECT, "cannot write into packet" },
	{ "sock_ops sk without a null check", { LDX(DW, 1, 1, (int16_t)offsetof(struct bpf_sock_ops, sk)), LDX(W, 0, 1, SK_FAMILY), MOV(0, 1), EXIT }, SOCK_OPS, {0}, VT_REJECT, "invalid mem access 'sock_or_null'" },
	{ "sock_ops sk family", { LDX(DW, 1, 1, (int16_t)offsetof(struct bpf_sock_ops, sk)), JI(JEQ, 1, 0, 1), LDX(W, 0, 1, SK_FAMILY), MOV(0, 1), EXIT }, SOCK_OPS, {0}, VT_ACCEPT, NULL },
	{ "sk_skb packet read", { LDX(W, 2, 1, SKB_DATA), LDX(W, 3, 1, SKB_END), MOVR(4, 2), ADDI(4, 8), JR(JGT, 4, 3, 1), LDX(B, 0, 2, 7), RET0 }, SK_SKB, {0}, VT_ACCEPT, NULL },
};
/* clang-format on */

TEST(verifier_sock_table)
{
	struct vstats st = { 0 };

	VT_RUN_TABLE(cases, &st);
	printf("verifier sock table: %d cases, %d as expected; kernel ran %d, agreed %d, kernel-only rejects %d, userbpf-only rejects %d\n",
	       st.cases, st.passed, st.k_run, st.k_agree, st.k_only_reject, st.k_only_accept);
	ASSERT_EQ(st.passed, st.cases);
	ASSERT_EQ(st.k_only_accept, 0);
	ASSERT_EQ(st.k_only_reject, 0);
}

/* imm 0 of a map lddw: the sock map of the run test */
static int resolve_sockmap(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)next;
	if (imm)
		return -EINVAL;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

/*
 * The verified socket programs run: a sock map lookup hands out the
 * socket, bpf_sk_fullsock gives the same pointer back, bpf_sk_release
 * returns it (r0: 2); bpf_sk_lookup_tcp finds no socket here (r0: 7).
 * Unchecked (the verifier accepted both) and checked.
 */
TEST(verifier_sock_programs_run)
{
	static const struct userbpf_insn fullsock[] = {
		MAPLOOKUP,  JI(JNE, 0, 0, 1), EXIT,	 MOVR(6, 0),	   MOVR(1, 6), CALL(95),
		MOVR(7, 0), RELEASE(6),	      MOV(0, 3), JR(JNE, 7, 6, 1), MOV(0, 2),  EXIT,
	};
	static const struct userbpf_insn lookup[] = {
		SKLOOKUP(84), JI(JEQ, 0, 0, 4), RELEASE(0), MOV(0, 9), EXIT, MOV(0, 7), EXIT,
	};
	struct userbpf_verifier_map vm = {
		.type = 15, .key_size = 4, .value_size = 4, .max_entries = 1, .spin_lock_off = -1
	};
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct userbpf_map *m = userbpf_map__create(15, "socks", 4, 4, 1, NULL);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), pass;
	uint64_t ctx[24] = { 0 }, r0;
	uint32_t key = 0;

	ASSERT_TRUE(m && fd >= 0);
	ASSERT_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_OK(userbpf_map__update_elem(m, &key, &fd, 0));
	for (pass = 0; pass < 2; pass++) {
		const struct userbpf_insn *insns = pass ? lookup : fullsock;
		size_t n = pass ? sizeof(lookup) / sizeof(lookup[0]) :
				  sizeof(fullsock) / sizeof(fullsock[0]);
		static char log[4096];
		USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = TC, .gpl = 1, .maps = &vm,
			     .map_cnt = 1, .log_buf = log, .log_size = sizeof(log));
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_sockmap,
			     .ld_imm64_cookie = m, .prog_type = TC);
		struct userbpf_prog *prog;
		int checked;

		if (userbpf_verify(insns, n, &vo))
			test_fail(__FILE__, __LINE__, "program %d refused: %s", pass, log);
		prog = userbpf_prog__new(insns, n, &po);
		ASSERT_TRUE(prog);
		for (checked = 0; prog && checked < 2; checked++) {
			USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
				     .flags = checked ? USERBPF_RUN_CHECKED :
							USERBPF_RUN_UNCHECKED);

			r0 = 0;
			ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
			ASSERT_EQ(r0, pass ? 7u : 2u);
		}
		userbpf_prog__free(prog);
	}
	close(fd);
	userbpf_map__free(m);
}
