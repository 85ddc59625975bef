/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_regions.c - issue 11 item 5: checked mode never faults a
 * valid program.  The regions a run holds are not a fixed table that
 * silently recycles (200 map lookups in one run, then the first value is
 * still readable), and a bpf_snprintf format in read-only global data
 * (clang's .rodata.str1.1, a frozen array map behind lddw map_value) is
 * accepted, through userbpf_bpf() as through the object loader.
 */
#include <errno.h>
#include <string.h>

#include "../unit/test.h"
#include "../unit/test_bpf.h"
#include "userbpf/userbpf.h"
#include "userbpf/map.h"

static int resolve_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

#define LOOKUPS 200

TEST(sandbox_regions_many_lookups_keep_first)
{
	struct userbpf_map *map =
		userbpf_map__create(USERBPF_MAP_TYPE_HASH, "h", 4, 8, LOOKUPS, NULL);
	struct userbpf_insn p[LOOKUPS * 8 + 8];
	size_t n = 0;
	uint32_t k;
	uint64_t r0 = 0;
	char msg[200] = "";

	ASSERT_TRUE(map != NULL);
	for (k = 0; k < LOOKUPS; k++) {
		uint64_t v = 1000 + k;

		ASSERT_OK(userbpf_map__update_elem(map, &k, &v, 0));
	}
	/* for k in 0..LOOKUPS-1: r0 = lookup(map, &k); if !r0 exit; r9 = first r0 */
	for (k = 0; k < LOOKUPS; k++) {
		struct userbpf_insn step[] = {
			USERBPF_ST_MEM(USERBPF_W, 10, -4, (int32_t)k),
			USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
			USERBPF_MOV64_REG(2, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),
			USERBPF_CALL_HELPER(1),
			USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 1),
			USERBPF_EXIT_INSN(),
		};

		memcpy(&p[n], step, sizeof(step));
		n += sizeof(step) / sizeof(step[0]);
		if (k == 0)
			p[n++] = (struct userbpf_insn)USERBPF_MOV64_REG(9, 0);
	}
	/* the first value, read and written after all the others */
	p[n++] = (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 0, 9, 0);
	p[n++] = (struct userbpf_insn)USERBPF_STX_MEM(USERBPF_DW, 9, 0, 0);
	p[n++] = (struct userbpf_insn)USERBPF_EXIT_INSN();
	{
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map, .ld_imm64_cookie = map,
			     .err_buf = msg, .err_buf_sz = sizeof(msg));
		struct userbpf_prog *prog = userbpf_prog__new(p, n, &po);
		USERBPF_OPTS(userbpf_run_opts, ro, .flags = USERBPF_RUN_CHECKED, .err_buf = msg,
			     .err_buf_sz = sizeof(msg));

		ASSERT_TRUE(prog != NULL);
		ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		ASSERT_EQ(r0, 1000);
		/* and again: each run starts with its own regions */
		ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		ASSERT_EQ(r0, 1000);
		userbpf_prog__free(prog);
	}
	userbpf_map__free(map);
}

/* bpf_snprintf(ctx, 32, rodata "v=%d", args on stack, 8) through bpf() */
TEST(sandbox_regions_rodata_format_through_bpf)
{
	static const char fmt[16] = "v=%d";
	uint32_t key = 0;
	uint8_t pkt[64] = { 0 }, out[64];
	union bpf_attr a;
	int map_fd, fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = sizeof(fmt);
	a.max_entries = 1;
	a.map_flags = BPF_F_RDONLY_PROG;
	map_fd = ubpf(BPF_MAP_CREATE, &a, sizeof(a));
	ASSERT_TRUE(map_fd >= 0);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)fmt;
	ASSERT_OK(ubpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)));
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	ASSERT_OK(ubpf(BPF_MAP_FREEZE, &a, sizeof(a)));
	{
		/* a socket filter may call bpf_snprintf; out goes to a stack
		 * buffer, then its first 8 bytes are r0 */
		struct userbpf_insn p[] = {
			USERBPF_ST_MEM(USERBPF_DW, 10, -8, 42), /* args[0] = 42 */
			USERBPF_MOV64_REG(1, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 1, -48), /* out: fp-48, 32 bytes */
			USERBPF_MOV64_IMM(2, 32),
			USERBPF_RAW_INSN(USERBPF_LD | USERBPF_DW | USERBPF_IMM, 3,
					 USERBPF_PSEUDO_MAP_VALUE, 0, map_fd),
			USERBPF_RAW_INSN(0, 0, 0, 0, 0),
			USERBPF_MOV64_REG(4, 10),
			USERBPF_ALU64_IMM(USERBPF_ADD, 4, -8),
			USERBPF_MOV64_IMM(5, 8),
			USERBPF_CALL_HELPER(165),
			USERBPF_JMP_IMM(USERBPF_JSLT, 0, 0, 1),
			USERBPF_LDX_MEM(USERBPF_DW, 0, 10, -48),
			USERBPF_EXIT_INSN(),
		};

		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		a.insns = (uint64_t)(uintptr_t)p;
		a.insn_cnt = sizeof(p) / sizeof(p[0]);
		a.license = (uint64_t)(uintptr_t)"GPL";
		fd = ubpf(BPF_PROG_LOAD, &a, sizeof(a));
	}
	ASSERT_TRUE(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	ASSERT_OK(ubpf(BPF_PROG_TEST_RUN, &a, sizeof(a)));
	/* "v=42\0" as the low bytes of r0 (retval is its low 32 bits) */
	ASSERT_EQ(a.test.retval, 0x32343d76u);
	userbpf_close(fd);
	userbpf_close(map_fd);
}

/* ==== BTF-pointer loads of tracing programs (issue 11 item 4) ==== */

struct fake_task {
	uint64_t pad;
	uint64_t pid;
};

/*
 * ctx = u64 args[1]: r0 = *(u64 *)(args[0] + 8), a BTF-pointer load
 * (task->pid) as fentry/tp_btf/lsm programs do.
 */
static int run_deref(uint32_t type, uint64_t ptr, uint32_t flags, uint64_t *r0, char *msg,
		     size_t msg_sz)
{
	struct userbpf_insn p[] = {
		USERBPF_LDX_MEM(USERBPF_DW, 1, 1, 0),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 8),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = type);
	struct userbpf_prog *prog = userbpf_prog__new(p, 3, &po);
	uint64_t args[1] = { ptr };
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = args, .ctx_size = sizeof(args),
		     .flags = USERBPF_RUN_CHECKED | flags, .err_buf = msg, .err_buf_sz = msg_sz);
	int err;

	if (!prog)
		return -errno;
	*r0 = 0xdead;
	err = userbpf_prog__run(prog, &ro, r0);
	userbpf_prog__free(prog);
	return err;
}

TEST(sandbox_btf_pointer_loads_fault_tolerant)
{
	static const uint32_t tolerant[] = { USERBPF_PROG_TYPE_TRACING, USERBPF_PROG_TYPE_LSM };
	static struct fake_task task = { 1, 4242 };
	char msg[128];
	uint64_t r0;
	size_t i;

	for (i = 0; i < 2; i++) {
		/* without host read: the host's memory reads as 0, no fault */
		ASSERT_OK(run_deref(tolerant[i], (uint64_t)(uintptr_t)&task, 0, &r0, msg,
				    sizeof(msg)));
		ASSERT_EQ(r0, 0);
		/* with it (a probe in the traced process): the true value */
		ASSERT_OK(run_deref(tolerant[i], (uint64_t)(uintptr_t)&task, USERBPF_RUN_HOST_READ,
				    &r0, msg, sizeof(msg)));
		ASSERT_EQ(r0, 4242);
		/* a bad pointer reads 0 either way, as BPF_PROBE_MEM does */
		ASSERT_OK(run_deref(tolerant[i], 16, USERBPF_RUN_HOST_READ, &r0, msg, sizeof(msg)));
		ASSERT_EQ(r0, 0);
		ASSERT_OK(run_deref(tolerant[i], 0xffff800000000000ull, 0, &r0, msg, sizeof(msg)));
		ASSERT_EQ(r0, 0);
	}
	/* other types still stop at an access outside their memory */
	ASSERT_EQ(run_deref(USERBPF_PROG_TYPE_KPROBE, (uint64_t)(uintptr_t)&task,
			    USERBPF_RUN_HOST_READ, &r0, msg, sizeof(msg)),
		  -EFAULT);
	ASSERT_STREQ(msg, "out-of-bounds read of 8 bytes at insn 1");
	/* and stores stay checked for tracing programs too */
	{
		struct userbpf_insn p[] = {
			USERBPF_LDX_MEM(USERBPF_DW, 1, 1, 0),
			USERBPF_ST_MEM(USERBPF_DW, 1, 8, 1),
			USERBPF_MOV64_IMM(0, 0),
			USERBPF_EXIT_INSN(),
		};
		USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_TRACING);
		struct userbpf_prog *prog = userbpf_prog__new(p, 4, &po);
		uint64_t args[1] = { (uint64_t)(uintptr_t)&task };
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = args, .ctx_size = sizeof(args),
			     .flags = USERBPF_RUN_CHECKED | USERBPF_RUN_HOST_READ);

		ASSERT_TRUE(prog != NULL);
		ASSERT_EQ(userbpf_prog__run(prog, &ro, &r0), -EFAULT);
		ASSERT_EQ(task.pid, 4242);
		userbpf_prog__free(prog);
	}
}

/* ==== A run's region table starts clean ==== */

/* Fill the C stack below the caller with a repeating 3-word pattern. */
__attribute__((noinline)) static void dirty_stack(unsigned rotation)
{
	volatile uint64_t pad[2048];
	static const uint64_t words[3] = { 0, ~0ull, 1 };
	size_t i;

	for (i = 0; i < 2048; i++)
		pad[i] = words[(i + rotation) % 3];
	(void)pad[rotation];
}

__attribute__((noinline)) static int run_after_dirty(struct userbpf_prog *prog, unsigned rotation,
						     uint64_t *r0)
{
	USERBPF_OPTS(userbpf_run_opts, ro, .flags = USERBPF_RUN_CHECKED);

	dirty_stack(rotation);
	return userbpf_prog__run(prog, &ro, r0);
}

TEST(sandbox_regions_program_data_with_dirty_stack)
{
	/* the program reads its global data (a region of the program); a
	 * stale stack slot that seemed to cover it must not hide it */
	static uint64_t global = 31337;
	struct userbpf_mem_region reg = { &global, sizeof(global), 0 };
	struct userbpf_insn p[] = {
		USERBPF_LD_IMM64(1, (uint64_t)(uintptr_t)&global),
		USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .regions = &reg, .region_cnt = 1);
	struct userbpf_prog *prog = userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
	unsigned rot;

	ASSERT_TRUE(prog != NULL);
	for (rot = 0; rot < 3; rot++) {
		uint64_t r0 = 0;

		ASSERT_OK(run_after_dirty(prog, rot, &r0));
		ASSERT_EQ(r0, 31337);
	}
	userbpf_prog__free(prog);
}
