// SPDX-License-Identifier: MIT
/*
 * kernel/user/reject.c - a loader whose program the kernel must refuse:
 * it reads 8 bytes past the end of an 8-byte array map value.  Prints
 * BPF_PROG_LOAD's error and the verifier's log (the second QEMU boot of
 * make kernel-test checks both).
 */
#include "bpfload.h"
#include "ulib.h"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static char log_buf[4096];

int main(void);
int main(void)
{
	long map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "oob", 4, 8, 1, 0), fd;
	union bpf_attr a;

	if (map < 0) {
		printf("reject: BPF_MAP_CREATE: %ld\n", map);
		return 1;
	}
	struct bpf_insn prog[] = {
		INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0), /* *(u32 *)(fp - 4) = 0 */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, (int)map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 1, 0), /* if r0 == NULL skip */
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_0, 8,
		     0), /* r0 = value[8..16) */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insns = (uint64_t)prog;
	a.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	a.license = (uint64_t)"GPL";
	a.log_buf = (uint64_t)log_buf;
	a.log_size = sizeof(log_buf);
	a.log_level = 1;
	memcpy(a.prog_name, "oob_read", 9);
	fd = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	printf("reject: BPF_PROG_LOAD of an out-of-bounds map value read = %ld\n", fd);
	printf("reject: verifier log:\n%s\n", log_buf);
	return fd == -13 ? 0 : 1; /* EACCES, as Linux */
}
