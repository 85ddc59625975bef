/* SPDX-License-Identifier: MIT */
/*
 * test_helpers.c - helpers whose contract is about bad input: the
 * probe_read family never faults (unmapped and NULL addresses give
 * -EFAULT and a zeroed buffer), the printf family rejects bad formats
 * with -EINVAL, bpf_loop and for_each validate flags and sizes, and
 * checked mode stops a helper given memory the program does not own.
 */
#include <errno.h>
#include <sys/mman.h>

#include "test.h"
#include "userbpf/userbpf.h"
#include "userbpf/map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Run insns with r1 = ctx (size bytes); returns r0 or sets *err. */
static uint64_t run(const struct userbpf_insn *insns, size_t cnt, void *ctx, size_t size,
		    uint32_t flags, int *err, char *msg, size_t msg_sz)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .err_buf = msg, .err_buf_sz = msg_sz);
	struct userbpf_prog *prog = userbpf_prog__new(insns, cnt, &po);
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = size, .flags = flags,
		     .err_buf = msg, .err_buf_sz = msg_sz);
	uint64_t r0 = 0;

	if (!prog) {
		*err = -errno;
		return 0;
	}
	*err = userbpf_prog__run(prog, &ro, &r0);
	userbpf_prog__free(prog);
	return r0;
}

/* bpf_probe_read_user(r10 - 16, 16, ADDR); r0 = result; the buffer's
 * first word is stored to ctx[0] */
static uint64_t probe_read(uint64_t addr, uint64_t *first, int *err)
{
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		USERBPF_ST_MEM(USERBPF_DW, 10, -16, 0x5555),
		USERBPF_MOV64_REG(1, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 1, -16),
		USERBPF_MOV64_IMM(2, 16),
		USERBPF_LD_IMM64(3, addr),
		USERBPF_CALL_HELPER(112),
		USERBPF_LDX_MEM(USERBPF_DW, 2, 10, -16),
		USERBPF_STX_MEM(USERBPF_DW, 6, 2, 0),
		USERBPF_EXIT_INSN(),
	};
	uint64_t ctx[1] = { 0 };
	char msg[128];
	uint64_t r0 = run(p, N(p), ctx, sizeof(ctx), USERBPF_RUN_CHECKED | USERBPF_RUN_HOST_READ,
			  err, msg, sizeof(msg));

	*first = ctx[0];
	return r0;
}

TEST(helpers_probe_read_never_faults)
{
	static uint64_t good[2] = { 0x1122334455667788ull, 2 };
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t first;
	int err;

	ASSERT_TRUE(hole != MAP_FAILED);
	ASSERT_EQ(probe_read((uint64_t)(uintptr_t)good, &first, &err), 0);
	ASSERT_OK(err);
	ASSERT_EQ(first, 0x1122334455667788ull);
	/* NULL, an inaccessible page, a kernel address, the last bytes of the
	 * address space: -EFAULT and a zeroed destination */
	ASSERT_EQ((int64_t)probe_read(0, &first, &err), -EFAULT);
	ASSERT_EQ(first, 0);
	ASSERT_EQ((int64_t)probe_read((uint64_t)(uintptr_t)hole, &first, &err), -EFAULT);
	ASSERT_EQ((int64_t)probe_read(0xffffffff81000000ull, &first, &err), -EFAULT);
	ASSERT_EQ((int64_t)probe_read(~0ull - 4, &first, &err), -EFAULT);
	munmap(hole, 4096);
}

TEST(helpers_probe_read_str)
{
	static const char s[] = "hello";
	char buf[8];
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),  USERBPF_MOV64_REG(1, 6),
		USERBPF_MOV64_IMM(2, 8),  USERBPF_LD_IMM64(3, (uint64_t)(uintptr_t)s),
		USERBPF_CALL_HELPER(114), USERBPF_EXIT_INSN(),
	};
	int err;

	ASSERT_EQ(run(p, N(p), buf, sizeof(buf), USERBPF_RUN_CHECKED | USERBPF_RUN_HOST_READ, &err,
		      NULL, 0),
		  6);
	ASSERT_OK(err);
	ASSERT_STREQ(buf, "hello");
	/* without host read, the host's string is out of reach: a fault */
	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ((int64_t)run(p, N(p), buf, sizeof(buf), USERBPF_RUN_CHECKED, &err, NULL, 0),
		  -EFAULT);
	ASSERT_EQ(buf[0], 0);
	p[3] = (struct userbpf_insn)USERBPF_RAW_INSN(USERBPF_LD | USERBPF_DW | USERBPF_IMM, 3, 0, 0,
						     16);
	ASSERT_EQ((int64_t)run(p, N(p), buf, sizeof(buf), 0, &err, NULL, 0), -EFAULT);
	ASSERT_EQ(buf[0], 0);
}

/* bpf_snprintf(ctx, 32, fmt, args, 16) with fmt in the stack */
static int64_t snprintf_prog(const char *fmt, char *out, int *err)
{
	struct userbpf_insn p[32];
	size_t n = 0, i, len = strlen(fmt) + 1;

	p[n++] = USERBPF_MOV64_REG(6, 1);
	for (i = 0; i < len; i++) /* fmt at r10 - 64 */
		p[n++] = USERBPF_ST_MEM(USERBPF_B, 10, (int16_t)(-64 + (int)i), fmt[i]);
	if (n > 28)
		return -1000;
	p[n++] = USERBPF_ST_MEM(USERBPF_DW, 10, -16, 42);
	p[n++] = USERBPF_ST_MEM(USERBPF_DW, 10, -8, -7);
	{
		struct userbpf_insn tail[] = {
			USERBPF_MOV64_REG(1, 6),  USERBPF_MOV64_IMM(2, 32),
			USERBPF_MOV64_REG(3, 10), USERBPF_ALU64_IMM(USERBPF_ADD, 3, -64),
			USERBPF_MOV64_REG(4, 10), USERBPF_ALU64_IMM(USERBPF_ADD, 4, -16),
			USERBPF_MOV64_IMM(5, 16), USERBPF_CALL_HELPER(165),
			USERBPF_EXIT_INSN(),
		};
		struct userbpf_insn all[64];

		memcpy(all, p, n * sizeof(p[0]));
		memcpy(all + n, tail, sizeof(tail));
		return (int64_t)run(all, n + N(tail), out, 32, USERBPF_RUN_CHECKED, err, NULL, 0);
	}
}

TEST(helpers_snprintf_formats)
{
	char out[32];
	int err;

	ASSERT_EQ(snprintf_prog("a=%d b=%lld", out, &err), 10);
	ASSERT_OK(err);
	ASSERT_STREQ(out, "a=42 b=-7");
	ASSERT_EQ(snprintf_prog("%x|%5u", out, &err), 14);
	ASSERT_STREQ(out, "2a|4294967289");
	/* unknown conversion, too many conversions */
	ASSERT_EQ(snprintf_prog("%n", out, &err), -EINVAL);
	ASSERT_EQ(snprintf_prog("%d %d %d", out, &err), -EINVAL);
}

TEST(helpers_loop_arguments)
{
	/* bpf_loop(nr, callback, NULL, flags) with bad flags and a huge count */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_IMM(1, 3),  USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 5),
		USERBPF_MOV64_IMM(3, 0),  USERBPF_MOV64_IMM(4, 1),
		USERBPF_CALL_HELPER(181), USERBPF_EXIT_INSN(),
		USERBPF_MOV64_IMM(0, 0),  USERBPF_EXIT_INSN(),
	};
	int err;

	ASSERT_EQ((int64_t)run(p, N(p), NULL, 0, 0, &err, NULL, 0), -EINVAL);
	p[4].imm = 0;
	ASSERT_EQ(run(p, N(p), NULL, 0, 0, &err, NULL, 0), 3);
	p[0] = (struct userbpf_insn)USERBPF_MOV64_IMM(1, (1 << 23) + 1);
	ASSERT_EQ((int64_t)run(p, N(p), NULL, 0, 0, &err, NULL, 0), -E2BIG);
}

TEST(helpers_checked_mode_memory_arguments)
{
	/* bpf_probe_read_user(dst = an address the program does not own) */
	struct userbpf_insn p[] = {
		USERBPF_LD_IMM64(1, 0x1000), USERBPF_MOV64_IMM(2, 8),
		USERBPF_MOV64_REG(3, 10),    USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
		USERBPF_CALL_HELPER(112),    USERBPF_EXIT_INSN(),
	};
	char msg[160];
	int err;

	run(p, N(p), NULL, 0, USERBPF_RUN_CHECKED, &err, msg, sizeof(msg));
	ASSERT_ERR(err, -EFAULT);
	ASSERT_STREQ(msg, "bpf_probe_read_user: argument 1 (r1) is not writable memory "
			  "of the given size at insn 5");
}

static int resolve_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

/* One call site, so repeated runs see the same user stack. */
static __attribute__((noinline)) int run_once(struct userbpf_prog *prog,
					      struct userbpf_run_opts *ro, uint64_t *r0)
{
	int err = userbpf_prog__run(prog, ro, r0);

	__asm__ volatile("" ::: "memory"); /* not a tail call */
	return err;
}

TEST(helpers_get_stackid_and_stack)
{
	struct userbpf_map *st =
		userbpf_map__create(USERBPF_MAP_TYPE_STACK_TRACE, "st", 4, 8 * 16, 64, NULL);
	/* r7 = get_stackid(ctx, st, USER); r0 = get_stack(ctx, buf, 64, USER);
	 * ctx[0] = r7 */
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),      USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_MAP_FD, 3),
		USERBPF_MOV64_IMM(3, 1 << 8), USERBPF_CALL_HELPER(27),
		USERBPF_MOV64_REG(7, 0),      USERBPF_MOV64_REG(1, 6),
		USERBPF_MOV64_REG(2, 10),     USERBPF_ALU64_IMM(USERBPF_ADD, 2, -64),
		USERBPF_MOV64_IMM(3, 64),     USERBPF_MOV64_IMM(4, 1 << 8),
		USERBPF_CALL_HELPER(67),      USERBPF_STX_MEM(USERBPF_DW, 6, 7, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map, .ld_imm64_cookie = st);
	struct userbpf_prog *prog;
	int64_t ctx[1] = { -1 };
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx));
	uint64_t r0, ips[16] = { 0 };
	int64_t ids[2];
	uint32_t id;
	volatile int rounds = 2; /* keeps the loop from being unrolled */
	int k;

	ASSERT_TRUE(st);
	prog = userbpf_prog__new(p, N(p), &po);
	ASSERT_TRUE(prog);
	for (k = 0; k < rounds; k++) { /* one call site: the same stack twice */
		ASSERT_OK(run_once(prog, &ro, &r0));
		ids[k] = ctx[0];
	}
	ASSERT_EQ(ids[0], ids[1]);
	/* at least the frame that called the run */
	ASSERT_TRUE((int64_t)r0 >= 8 && r0 % 8 == 0);
	ASSERT_TRUE(ctx[0] >= 0 && ctx[0] < 64);
	id = (uint32_t)ctx[0];
	ASSERT_OK(userbpf_map__lookup_elem(st, &id, ips, 0));
	/* the stack starts in the function that called the run, never in
	 * userbpf's own frames (its return address lies in run_once) */
	ASSERT_TRUE(ips[0] > (uint64_t)(uintptr_t)run_once &&
		    ips[0] < (uint64_t)(uintptr_t)run_once + 256);
	/* user space reads and deletes stacks, never writes them */
	ASSERT_ERR(userbpf_map__update_elem(st, &id, ips, 0), -EINVAL);
	ASSERT_OK(userbpf_map__delete_elem(st, &id));
	ASSERT_ERR(userbpf_map__lookup_elem(st, &id, ips, 0), -ENOENT);
	/* kernel rules at creation: key u32, value a multiple of 8 */
	ASSERT_TRUE(!userbpf_map__create(USERBPF_MAP_TYPE_STACK_TRACE, "st", 8, 64, 4, NULL));
	ASSERT_TRUE(!userbpf_map__create(USERBPF_MAP_TYPE_STACK_TRACE, "st", 4, 12, 4, NULL));
	userbpf_prog__free(prog);
	userbpf_map__put(st);
}
