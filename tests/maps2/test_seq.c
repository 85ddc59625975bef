// SPDX-License-Identifier: MIT
/*
 * test_seq.c - bpf_seq_printf / bpf_seq_write (src/helpers/seq_helpers.c)
 * and the iterator run path userbpf_iter__run (src/helpers/iter_host.c).
 * The kernel oracle: the same SEC("iter/task") program, as instructions,
 * is attached to the kernel's task iterator and its output read from the
 * iterator fd; it prints only for the first task and at the final NULL
 * call, so both outputs must be identical, helper return values included.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/iter.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXI 160

struct prog_buf {
	struct userbpf_insn i[MAXI];
	int n;
};

static void emit(struct prog_buf *a, struct userbpf_insn insn)
{
	if (a->n < MAXI)
		a->i[a->n++] = insn;
}

/* Store the NUL-padded string s at fp - off (off a multiple of 8). */
static void put_str(struct prog_buf *a, int off, const char *s)
{
	size_t len = strlen(s) + 1, k;

	for (k = 0; k < (len + 7) / 8; k++) {
		uint64_t v = 0;
		size_t n = len - k * 8 < 8 ? len - k * 8 : 8;

		memcpy(&v, s + k * 8, n);
		struct userbpf_insn ld[] = { USERBPF_LD_IMM64(1, 0) };

		ld[0].imm = (int32_t)(uint32_t)v;
		ld[1].imm = (int32_t)(uint32_t)(v >> 32);
		emit(a, ld[0]);
		emit(a, ld[1]);
		emit(a, (struct userbpf_insn)USERBPF_STX_MEM(USERBPF_DW, 10, 1, (int16_t)(-off + 8 * (int)k)));
	}
}

/* r0 = seq_printf(seq, fp - fmt_off, fmt_size, fp - data_off, data_len) */
static void seq_printf(struct prog_buf *a, int fmt_off, int fmt_size, int data_off, int data_len)
{
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(1, 9));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(2, 10));
	emit(a, (struct userbpf_insn)USERBPF_ALU64_IMM(USERBPF_ADD, 2, -fmt_off));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_IMM(3, fmt_size));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(4, 10));
	emit(a, (struct userbpf_insn)USERBPF_ALU64_IMM(USERBPF_ADD, 4, -data_off));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_IMM(5, data_len));
	emit(a, (struct userbpf_insn)USERBPF_CALL_HELPER(126));
}

/* *(u64 *)(fp - off) = r0 */
static void save_r0(struct prog_buf *a, int off)
{
	emit(a, (struct userbpf_insn)USERBPF_STX_MEM(USERBPF_DW, 10, 0, (int16_t)-off));
}

/*
 * The iterator: r9 = ctx->meta->seq; with a task and seq_num 0 it prints
 * "a=%d b=%u c=%x s=%s\n" (-5, 7, 255, "hi"), then the return values of a
 * seq_printf with data_len 12 (-EINVAL), one with a bad conversion
 * (-EINVAL), one with too few arguments (-EINVAL) and of a seq_write of
 * 4 bytes (0); at the final NULL call it writes "END\n".
 */
static int build(struct prog_buf *a)
{
	int skip_at, end_at;

	a->n = 0;
	emit(a, (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 6, 1, 0));  /* meta */
	emit(a, (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 7, 1, 8));  /* task */
	emit(a, (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 9, 6, 0));  /* seq */
	end_at = a->n;
	emit(a, (struct userbpf_insn)USERBPF_JMP_IMM(USERBPF_JEQ, 7, 0, 0)); /* -> END */
	emit(a, (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 8, 6, 16)); /* seq_num */
	skip_at = a->n;
	emit(a, (struct userbpf_insn)USERBPF_JMP_IMM(USERBPF_JNE, 8, 0, 0)); /* -> exit */
	/* data at fp-160: -5, 7, 255, &"hi" (fp-168) */
	emit(a, (struct userbpf_insn)USERBPF_ST_MEM(USERBPF_DW, 10, -160, -5));
	emit(a, (struct userbpf_insn)USERBPF_ST_MEM(USERBPF_DW, 10, -152, 7));
	emit(a, (struct userbpf_insn)USERBPF_ST_MEM(USERBPF_DW, 10, -144, 255));
	put_str(a, 168, "hi");
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(1, 10));
	emit(a, (struct userbpf_insn)USERBPF_ALU64_IMM(USERBPF_ADD, 1, -168));
	emit(a, (struct userbpf_insn)USERBPF_STX_MEM(USERBPF_DW, 10, 1, -136));
	put_str(a, 64, "a=%d b=%u c=%x s=%s\n");
	seq_printf(a, 64, 24, 160, 32);
	/* bad data_len, bad conversion, too few arguments */
	seq_printf(a, 64, 24, 160, 12);
	save_r0(a, 120);
	put_str(a, 40, "%k\n");
	seq_printf(a, 40, 8, 160, 8);
	save_r0(a, 112);
	seq_printf(a, 64, 24, 160, 16);
	save_r0(a, 104);
	/* seq_write(seq, "xyz\n", 4) */
	put_str(a, 40, "xyz\n");
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(1, 9));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(2, 10));
	emit(a, (struct userbpf_insn)USERBPF_ALU64_IMM(USERBPF_ADD, 2, -40));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_IMM(3, 4));
	emit(a, (struct userbpf_insn)USERBPF_CALL_HELPER(127));
	save_r0(a, 96);
	put_str(a, 64, "r=%d %d %d %d\n");
	seq_printf(a, 64, 16, 120, 32);
	emit(a, (struct userbpf_insn)USERBPF_MOV64_IMM(0, 0));
	emit(a, (struct userbpf_insn)USERBPF_EXIT_INSN());
	/* END: seq_write(seq, "END\n", 4) */
	a->i[end_at].off = (int16_t)(a->n - end_at - 1);
	put_str(a, 8, "END\n");
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(1, 9));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_REG(2, 10));
	emit(a, (struct userbpf_insn)USERBPF_ALU64_IMM(USERBPF_ADD, 2, -8));
	emit(a, (struct userbpf_insn)USERBPF_MOV64_IMM(3, 4));
	emit(a, (struct userbpf_insn)USERBPF_CALL_HELPER(127));
	/* exit */
	a->i[skip_at].off = (int16_t)(a->n - skip_at - 1);
	emit(a, (struct userbpf_insn)USERBPF_MOV64_IMM(0, 0));
	emit(a, (struct userbpf_insn)USERBPF_EXIT_INSN());
	return a->n < MAXI ? 0 : -E2BIG;
}

/* The kernel's output for the program, or a negative errno. */
static long kernel_iter(const struct prog_buf *a, char *out, size_t size)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = BPF_TRACE_ITER);
	int id, fd, link, iter;
	long n = 0, r;

	if (!vmlinux)
		return -ENOENT;
	id = btf__find_by_name_kind(vmlinux, "bpf_iter_task", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return -ENOENT;
	lo.attach_btf_id = (uint32_t)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "maps2_iter", "GPL",
			   (const struct bpf_insn *)a->i, (size_t)a->n, &lo);
	if (fd < 0)
		return -errno;
	link = bpf_link_create(fd, 0, BPF_TRACE_ITER, NULL);
	iter = link >= 0 ? bpf_iter_create(link) : -1;
	if (iter < 0) {
		n = -errno;
	} else {
		while ((r = read(iter, out + n, size - 1 - (size_t)n)) > 0)
			n += r;
		out[n] = '\0';
		close(iter);
	}
	if (link >= 0)
		close(link);
	close(fd);
	return n;
}

/*
 * userbpf_iter__run on a thread of its own: the task image it builds is
 * per thread and caches fields (->flags) that later tests of the main
 * thread compare with /proc after kernel calls changed them.
 */
struct iter_call {
	const struct userbpf_prog *prog;
	const char *target;
	char *buf;
	size_t size;
	long ret;
};

static void *iter_thread(void *arg)
{
	struct iter_call *c = arg;

	c->ret = userbpf_iter__run(c->prog, c->target, c->buf, c->size, NULL);
	return NULL;
}

static long iter_run(const struct userbpf_prog *prog, const char *target, char *buf,
		     size_t size)
{
	struct iter_call c = { prog, target, buf, size, -ESRCH };
	pthread_t t;

	if (pthread_create(&t, NULL, iter_thread, &c))
		return -EAGAIN;
	pthread_join(t, NULL);
	return c.ret;
}

TEST(maps2_seq_iter_task_matches_kernel)
{
	static struct prog_buf a;
	char kout[4096], uout[4096];
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_TRACING);
	struct userbpf_prog *prog;
	long k, u;

	ASSERT_OK(build(&a));
	prog = userbpf_prog__new(a.i, (size_t)a.n, &po);
	ASSERT_TRUE(prog);
	u = iter_run(prog, "task", uout, sizeof(uout));
	ASSERT_STREQ(uout, "a=-5 b=7 c=ff s=hi\nxyz\nr=-22 -22 -22 0\nEND\n");
	ASSERT_EQ(u, strlen(uout));
	k = kernel_iter(&a, kout, sizeof(kout));
	if (k < 0) {
		userbpf_prog__free(prog);
		test_skip("the kernel refuses the iter/task program (%s): kernel oracle skipped",
			  strerror((int)-k));
		return;
	}
	ASSERT_STREQ(uout, kout);
	userbpf_prog__free(prog);
}

TEST(maps2_seq_overflow_and_outside_iterators)
{
	static struct prog_buf a;
	char out[64], small[24];
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_TRACING);
	struct userbpf_prog *prog;
	uint64_t ctx[2] = { 0, 0 }, r0;
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx));

	ASSERT_OK(build(&a));
	prog = userbpf_prog__new(a.i, (size_t)a.n, &po);
	ASSERT_TRUE(prog);
	/* the first two records fit in 24 bytes, the third not: nothing of
	 * it is written, and the run reports the overflow */
	ASSERT_EQ(iter_run(prog, "task", small, sizeof(small)), -EOVERFLOW);
	ASSERT_STREQ(small, "a=-5 b=7 c=ff s=hi\nxyz\n");
	/* an unknown target has no objects: only the final call */
	ASSERT_EQ(iter_run(prog, "bpf_map", out, sizeof(out)), 4);
	ASSERT_STREQ(out, "END\n");
	ASSERT_EQ(iter_run(prog, "task", out, 0), -EINVAL);
	userbpf_prog__free(prog);
	/* outside an iterator run the seq_file pointer is refused: a context
	 * whose meta->seq is forged */
	{
		struct { uint64_t seq, session, num; } meta = { 0x1000, 0, 1 };
		static struct prog_buf b;

		b.n = 0;
		emit(&b, (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 9, 1, 0));
		emit(&b, (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 9, 9, 0));
		put_str(&b, 8, "abc");
		emit(&b, (struct userbpf_insn)USERBPF_MOV64_REG(1, 9));
		emit(&b, (struct userbpf_insn)USERBPF_MOV64_REG(2, 10));
		emit(&b, (struct userbpf_insn)USERBPF_ALU64_IMM(USERBPF_ADD, 2, -8));
		emit(&b, (struct userbpf_insn)USERBPF_MOV64_IMM(3, 3));
		emit(&b, (struct userbpf_insn)USERBPF_CALL_HELPER(127));
		emit(&b, (struct userbpf_insn)USERBPF_EXIT_INSN());
		ctx[0] = (uint64_t)(uintptr_t)&meta;
		prog = userbpf_prog__new(b.i, (size_t)b.n, &po);
		ASSERT_TRUE(prog);
		{
			struct userbpf_mem_region r = { &meta, sizeof(meta), 0 };

			ro.regions = &r;
			ro.region_cnt = 1;
			ASSERT_OK(userbpf_prog__run(prog, &ro, &r0));
		}
		ASSERT_EQ((int64_t)r0, -EINVAL);
		userbpf_prog__free(prog);
	}
}
