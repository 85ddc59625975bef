// SPDX-License-Identifier: MIT
/*
 * test_write_user.c - bpf_probe_write_user (src/helpers/write_user.c).
 * The kernel oracle: a raw_tracepoint program test-run by the kernel runs
 * in this process, so its bpf_probe_write_user writes this process's
 * memory; userbpf with USERBPF_RUN_HOST_READ must give the same result and
 * return value for a writable buffer, a read-only page and an unmapped
 * address.  Without the flag a run writes only its own memory.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* r1 = dst; *(u64 *)(r10 - 8) = 0x1122334455667788; r2 = r10 - 8;
 * r3 = 8; r0 = probe_write_user(r1, r2, r3) */
static void write_prog(struct userbpf_insn p[10], uintptr_t dst)
{
	struct userbpf_insn insns[] = {
		USERBPF_LD_IMM64(1, 0),
		USERBPF_LD_IMM64(2, 0),
		USERBPF_STX_MEM(USERBPF_DW, 10, 2, -8),
		USERBPF_MOV64_REG(2, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 2, -8),
		USERBPF_MOV64_IMM(3, 8),
	};

	memcpy(p, insns, sizeof(insns));
	p[0].imm = (int32_t)(uint32_t)dst;
	p[1].imm = (int32_t)(uint32_t)((uint64_t)dst >> 32);
	p[2].imm = (int32_t)0x55667788;
	p[3].imm = 0x11223344;
	/* 8 slots so far: call + exit */
	p[8] = (struct userbpf_insn)USERBPF_CALL_HELPER(36);
	p[9] = (struct userbpf_insn)USERBPF_EXIT_INSN();
}

static int64_t kernel_write(uintptr_t dst, int *err)
{
	struct userbpf_insn p[10];
	LIBBPF_OPTS(bpf_prog_load_opts, lo);
	LIBBPF_OPTS(bpf_test_run_opts, ro);
	int fd;

	write_prog(p, dst);
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL",
			   (const struct bpf_insn *)p, N(p), &lo);
	if (fd < 0) {
		*err = -errno;
		return 0;
	}
	*err = bpf_prog_test_run_opts(fd, &ro) ? -errno : 0;
	close(fd);
	return (int32_t)ro.retval; /* retval is the low 32 bits */
}

static int64_t userbpf_write(uintptr_t dst, uint32_t flags, void *region, size_t region_size)
{
	struct userbpf_insn p[10];
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_RAW_TRACEPOINT);
	struct userbpf_mem_region r = { region, region_size, 1 };
	uint64_t ctx[4] = { 0 }, r0 = 0;
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx), .flags = flags,
		     .regions = region ? &r : NULL, .region_cnt = region ? 1 : 0);
	struct userbpf_prog *prog;
	int err;

	write_prog(p, dst);
	prog = userbpf_prog__new(p, N(p), &po);
	if (!prog)
		return 0xbad;
	err = userbpf_prog__run(prog, &ro, &r0);
	userbpf_prog__free(prog);
	return err ? 0xfa11 : (int32_t)r0;
}

static uint64_t target[2];

TEST(maps2_probe_write_user_matches_kernel)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *ro_page = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
				      -1, 0);
	unsigned char *gone = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const struct { const char *what; uintptr_t dst; int64_t want; } c[] = {
		{ "writable buffer", (uintptr_t)&target[0], 0 },
		{ "read-only page", (uintptr_t)ro_page, -EFAULT },
		{ "unmapped page", (uintptr_t)gone, -EFAULT },
		{ "NULL", 0, -EFAULT },
		{ "kernel address", 0xffffffff81000000ull, -EFAULT },
	};
	unsigned i;
	int err;

	ASSERT_TRUE(ro_page != MAP_FAILED && gone != MAP_FAILED);
	munmap(gone, (size_t)page);
	kernel_write((uintptr_t)&target[1], &err);
	if (err) {
		test_skip("the kernel refuses a raw_tracepoint program calling "
			  "bpf_probe_write_user (%s; a locked-down kernel refuses it to every "
			  "program type): kernel oracle skipped", strerror(-err));
		munmap(ro_page, (size_t)page);
		return;
	}
	for (i = 0; i < N(c); i++) {
		int64_t k, u;
		uint64_t after_k;

		target[0] = 0;
		k = kernel_write(c[i].dst, &err);
		ASSERT_OK(err);
		after_k = target[0];
		target[0] = 0;
		u = userbpf_write(c[i].dst, USERBPF_RUN_HOST_READ, NULL, 0);
		if (k != u || k != c[i].want)
			test_fail(__FILE__, __LINE__, "%s: kernel %lld, userbpf %lld, want %lld",
				  c[i].what, (long long)k, (long long)u, (long long)c[i].want);
		ASSERT_EQ(target[0], after_k);
	}
	ASSERT_EQ(target[0], 0x1122334455667788ull);
	ASSERT_EQ(ro_page[0], 0);
	munmap(ro_page, (size_t)page);
}

/* Without USERBPF_RUN_HOST_READ a test run cannot write its host. */
TEST(maps2_probe_write_user_stays_in_the_run)
{
	uint64_t mine[2] = { 0, 0 };

	target[0] = 0;
	/* checked and unchecked runs alike */
	ASSERT_EQ(userbpf_write((uintptr_t)&target[0], USERBPF_RUN_CHECKED, NULL, 0), -EFAULT);
	ASSERT_EQ(userbpf_write((uintptr_t)&target[0], USERBPF_RUN_UNCHECKED, NULL, 0), -EFAULT);
	ASSERT_EQ(target[0], 0);
	/* memory the caller gave the run */
	ASSERT_EQ(userbpf_write((uintptr_t)&mine[0], USERBPF_RUN_CHECKED, mine, sizeof(mine)), 0);
	ASSERT_EQ(mine[0], 0x1122334455667788ull);
	mine[0] = 0;
	ASSERT_EQ(userbpf_write((uintptr_t)&mine[0], USERBPF_RUN_UNCHECKED, mine, sizeof(mine)), 0);
	ASSERT_EQ(mine[0], 0x1122334455667788ull);
	/* straddling the end of the region */
	ASSERT_EQ(userbpf_write((uintptr_t)&mine[1] + 4, USERBPF_RUN_CHECKED, mine, sizeof(mine)),
		  -EFAULT);
	ASSERT_EQ(mine[1], 0);
}
