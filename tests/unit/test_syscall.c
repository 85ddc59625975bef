/* SPDX-License-Identifier: MIT */
/*
 * test_syscall.c - userbpf_bpf() against the kernel's bpf(): the same
 * commands with the same attrs must give the same return values, errno
 * values and data (attr size rules, PROG_LOAD errno facts, log buffer
 * rules, GPL helpers, maps used by programs, PROG_TEST_RUN, object info).
 * Kernel halves skip with a message where bpf() is refused.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test.h"
#include "userbpf/userbpf.h"
#include "userbpf/syscall.h"
#include "test_bpf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void close_both(int kfd, int ufd)
{
	if (kfd >= 0)
		close(kfd);
	if (ufd >= 0)
		userbpf_close(ufd);
}

/* Same attr on both sides, compared by result class (fd vs -errno). */
#define SAME(CMD, ATTR, SIZE, WHAT)                                                                \
	do {                                                                                       \
		union bpf_attr ka_ = (ATTR), ua_ = (ATTR);                                         \
		int k_ = kbpf(CMD, &ka_, SIZE), u_ = ubpf(CMD, &ua_, SIZE);                        \
		if ((k_ < 0 || u_ < 0) && k_ != u_) {                                              \
			test_fail(__FILE__, __LINE__, "%s: kernel %d, userbpf %d", WHAT, k_, u_);  \
			return;                                                                    \
		}                                                                                  \
		if (k_ >= 0 && u_ >= 0 && (CMD == BPF_MAP_CREATE || CMD == BPF_PROG_LOAD))         \
			close_both(k_, u_);                                                        \
	} while (0)

TEST(syscall_attr_rules)
{
	uint8_t big[8192];
	union bpf_attr a;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	SAME(BPF_MAP_CREATE, a, sizeof(a), "plain array create");
	SAME(BPF_MAP_CREATE, a, 8, "8-byte attr");
	/* unknown map type, bad name, stray field after the last one */
	a.map_type = 200;
	SAME(BPF_MAP_CREATE, a, sizeof(a), "unknown map type");
	a.map_type = BPF_MAP_TYPE_ARRAY;
	strcpy(a.map_name, "bad name!");
	SAME(BPF_MAP_CREATE, a, sizeof(a), "bad map name");
	memset(a.map_name, 0, sizeof(a.map_name));
	/* a bigger attr: zero tail accepted, non-zero tail E2BIG, > page E2BIG */
	memset(big, 0, sizeof(big));
	memcpy(big, &a, sizeof(a));
	{
		int k = (int)syscall(__NR_bpf, BPF_MAP_CREATE, big, 512);
		int u = userbpf_bpf(BPF_MAP_CREATE, (union bpf_attr *)big, 512);

		ASSERT_TRUE(k >= 0 && u >= 0);
		close_both(k, u);
		big[500] = 1;
		k = kbpf(BPF_MAP_CREATE, (union bpf_attr *)big, 512);
		u = ubpf(BPF_MAP_CREATE, (union bpf_attr *)big, 512);
		ASSERT_EQ(u, k);
		ASSERT_EQ(u, -E2BIG);
		big[500] = 0;
		k = kbpf(BPF_MAP_CREATE, (union bpf_attr *)big, 8192);
		u = ubpf(BPF_MAP_CREATE, (union bpf_attr *)big, 8192);
		ASSERT_EQ(u, k);
	}
	/* commands on closed handles and on non-map handles */
	memset(&a, 0, sizeof(a));
	a.map_fd = 999;
	SAME(BPF_MAP_FREEZE, a, sizeof(a), "freeze of a closed fd");
	memset(&a, 0, sizeof(a));
	SAME(12345, a, sizeof(a), "unknown command");
}

TEST(syscall_prog_load_errors)
{
	struct userbpf_insn ok[] = { USERBPF_MOV64_IMM(0, 1), USERBPF_EXIT_INSN() };
	struct userbpf_insn gpl[] = { USERBPF_MOV64_IMM(1, 0), USERBPF_MOV64_IMM(2, 0),
				      USERBPF_MOV64_IMM(3, 0), USERBPF_CALL_HELPER(4),
				      USERBPF_MOV64_IMM(0, 0), USERBPF_EXIT_INSN() };
	struct userbpf_insn bad_op[] = { USERBPF_RAW_INSN(0xff, 0, 0, 0, 0), USERBPF_EXIT_INSN() };
	struct userbpf_insn oob_jump[] = { USERBPF_JMP_A(5), USERBPF_EXIT_INSN() };
	char klog[256], ulog[256];
	union bpf_attr a;
	int k, u;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)ok;
	a.insn_cnt = N(ok);
	a.license = (uint64_t)(uintptr_t)"GPL";
	SAME(BPF_PROG_LOAD, a, sizeof(a), "valid program");
	a.insn_cnt = 0;
	SAME(BPF_PROG_LOAD, a, sizeof(a), "zero instructions");
	a.insn_cnt = N(ok);
	a.prog_type = 9999;
	SAME(BPF_PROG_LOAD, a, sizeof(a), "unknown program type");
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	/* log rules: level 0 with a buffer, level 1 without one */
	a.log_buf = (uint64_t)(uintptr_t)klog;
	a.log_size = sizeof(klog);
	SAME(BPF_PROG_LOAD, a, sizeof(a), "log buffer with log_level 0");
	a.log_level = 1;
	a.log_buf = 0;
	SAME(BPF_PROG_LOAD, a, sizeof(a), "log_level without a buffer");
	a.log_level = 0;
	a.log_size = 0;
	/* a GPL-only helper (probe_read) from a non-GPL program */
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insns = (uint64_t)(uintptr_t)gpl;
	a.insn_cnt = N(gpl);
	a.license = (uint64_t)(uintptr_t)"Proprietary";
	SAME(BPF_PROG_LOAD, a, sizeof(a), "GPL helper from a non-GPL program");
	/* structurally invalid programs, with a log naming the instruction */
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.insns = (uint64_t)(uintptr_t)bad_op;
	a.insn_cnt = N(bad_op);
	SAME(BPF_PROG_LOAD, a, sizeof(a), "unknown opcode");
	a.insns = (uint64_t)(uintptr_t)oob_jump;
	a.insn_cnt = N(oob_jump);
	a.log_level = 1;
	a.log_size = sizeof(ulog);
	a.log_buf = (uint64_t)(uintptr_t)ulog;
	ulog[0] = 0;
	u = ubpf(BPF_PROG_LOAD, &a, sizeof(a));
	a.log_buf = (uint64_t)(uintptr_t)klog;
	k = kbpf(BPF_PROG_LOAD, &a, sizeof(a));
	ASSERT_EQ(u, k);
	ASSERT_CONTAINS(ulog, "jump out of range");
	ASSERT_CONTAINS(klog, "jump out of range");
}

TEST(syscall_prog_uses_map)
{
	/* counter[0] += 1 via lookup + atomic add; r0 = old value + 7 */
	struct userbpf_insn p[] = {
		USERBPF_ST_MEM(USERBPF_W, 10, -4, 0),
		USERBPF_MOV64_REG(2, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_CALL_HELPER(1),
		USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD | USERBPF_FETCH, 0, 1, 0),
		USERBPF_MOV64_REG(0, 1),
		USERBPF_ALU64_IMM(USERBPF_ADD, 0, 7),
		USERBPF_EXIT_INSN(),
	};
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;
	int kmap, umap, kprog, uprog, round;
	uint64_t kval = 0, uval = 0;
	uint32_t key = 0;

	if (!kernel_ok()) {
		test_skip("kernel refuses bpf(): run as root to compare");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	kmap = kbpf(BPF_MAP_CREATE, &a, sizeof(a));
	umap = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
	ASSERT_TRUE(kmap >= 0 && umap >= 0);

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = N(p);
	a.license = (uint64_t)(uintptr_t)"GPL";
	p[3].imm = kmap;
	kprog = kbpf(BPF_PROG_LOAD, &a, sizeof(a));
	p[3].imm = umap;
	uprog = ubpf(BPF_PROG_LOAD, &a, sizeof(a));
	ASSERT_TRUE(kprog >= 0 && uprog >= 0);
	/* the program keeps the map alive after its handle is closed */
	for (round = 0; round < 3; round++) {
		union bpf_attr kt, ut;

		memset(&kt, 0, sizeof(kt));
		kt.test.prog_fd = (uint32_t)kprog;
		kt.test.data_in = (uint64_t)(uintptr_t)pkt;
		kt.test.data_size_in = sizeof(pkt);
		kt.test.repeat = 5;
		ut = kt;
		ut.test.prog_fd = (uint32_t)uprog;
		ASSERT_EQ(kbpf(BPF_PROG_TEST_RUN, &kt, sizeof(kt)), 0);
		ASSERT_EQ(ubpf(BPF_PROG_TEST_RUN, &ut, sizeof(ut)), 0);
		ASSERT_EQ(ut.test.retval, kt.test.retval);
	}
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)kmap;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&kval;
	ASSERT_EQ(kbpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	a.map_fd = (uint32_t)umap;
	a.value = (uint64_t)(uintptr_t)&uval;
	ASSERT_EQ(ubpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	ASSERT_EQ(uval, 15);
	ASSERT_EQ(uval, kval);

	/* object info of both */
	{
		struct bpf_map_info ki, ui;
		struct bpf_prog_info kp, up;

		memset(&ki, 0, sizeof(ki));
		memset(&ui, 0, sizeof(ui));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)kmap;
		a.info.info_len = sizeof(ki);
		a.info.info = (uint64_t)(uintptr_t)&ki;
		ASSERT_EQ(kbpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0);
		a.info.bpf_fd = (uint32_t)umap;
		a.info.info = (uint64_t)(uintptr_t)&ui;
		ASSERT_EQ(ubpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0);
		ASSERT_EQ(ui.type, ki.type);
		ASSERT_EQ(ui.key_size, ki.key_size);
		ASSERT_EQ(ui.value_size, ki.value_size);
		ASSERT_EQ(ui.max_entries, ki.max_entries);
		memset(&kp, 0, sizeof(kp));
		memset(&up, 0, sizeof(up));
		a.info.bpf_fd = (uint32_t)uprog;
		a.info.info_len = sizeof(up);
		a.info.info = (uint64_t)(uintptr_t)&up;
		ASSERT_EQ(ubpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0);
		ASSERT_EQ(up.type, BPF_PROG_TYPE_SOCKET_FILTER);
		ASSERT_EQ(up.xlated_prog_len, sizeof(p));
		(void)kp;
	}
	close_both(kprog, uprog);
	close_both(kmap, umap);
	ASSERT_EQ(userbpf_close(umap), -1);
	ASSERT_EQ(errno, EBADF);
}

TEST(syscall_btf_load)
{
	/* header + one int type + strings "\0int\0" */
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
		uint32_t name_off, info, size, int_info;
		char strs[5];
	} __attribute__((packed)) btf = {
		0xeB9F, 1, 0, 24, 0, 16, 16, 5, 1, 1u << 24, 4, 32, "\0int",
	};
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)&btf;
	a.btf_size = sizeof(btf);
	fd = ubpf(BPF_BTF_LOAD, &a, sizeof(a));
	ASSERT_TRUE(fd >= 0);
	userbpf_close(fd);
	btf.magic = 0x1234;
	ASSERT_EQ(ubpf(BPF_BTF_LOAD, &a, sizeof(a)), -EINVAL);
}

/* MAP_CREATE with a BTF value type holding a bpf_spin_lock enables
 * BPF_F_LOCK through userbpf_bpf(); without BTF it is EINVAL. */
TEST(syscall_f_lock_from_btf)
{
	static const char strs[] = "\0u32\0bpf_spin_lock\0val\0u64\0v\0lock";
	/* name offsets in strs */
	enum { S_U32 = 1, S_LOCKT = 5, S_VAL = 19, S_U64 = 23, S_V = 27, S_LOCK = 29 };
	uint32_t types[] = {
		/* 1: int u32 */ S_U32,
		1u << 24,
		4,
		32,
		/* 2: struct bpf_spin_lock { u32 val; } */ S_LOCKT,
		4u << 24 | 1,
		4,
		S_VAL,
		1,
		0,
		/* 3: int u64 */ S_U64,
		1u << 24,
		8,
		64,
		/* 4: struct { bpf_spin_lock lock; u64 v; } */ 0,
		4u << 24 | 2,
		16,
		S_LOCK,
		2,
		0,
		S_V,
		3,
		64,
	};
	uint8_t blob[256];
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} h = { 0xeB9F, 1, 0, 24, 0, sizeof(types), sizeof(types), sizeof(strs) };
	union bpf_attr a;
	uint64_t v[2] = { 0, 5 }, out[2];
	uint32_t key = 0;
	int btf, map, plain;

	memcpy(blob, &h, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = (uint32_t)(24 + sizeof(types) + sizeof(strs));
	btf = ubpf(BPF_BTF_LOAD, &a, sizeof(a));
	ASSERT_TRUE(btf >= 0);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 16;
	a.max_entries = 1;
	plain = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = 1;
	a.btf_value_type_id = 4;
	map = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
	ASSERT_TRUE(plain >= 0 && map >= 0);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)v;
	a.flags = BPF_F_LOCK;
	ASSERT_EQ(ubpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)), 0);
	a.value = (uint64_t)(uintptr_t)out;
	ASSERT_EQ(ubpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), 0);
	ASSERT_EQ(out[1], 5);
	a.map_fd = (uint32_t)plain;
	ASSERT_EQ(ubpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), -EINVAL);
	userbpf_close(map);
	userbpf_close(plain);
	userbpf_close(btf);
}
