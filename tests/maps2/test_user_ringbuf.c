// SPDX-License-Identifier: MIT
/*
 * test_user_ringbuf.c - BPF_MAP_TYPE_USER_RINGBUF (src/maps/user_ringbuf.c),
 * its producer (userbpf_user_ringbuf__*, libbpf's user_ring_buffer) and
 * bpf_user_ringbuf_drain with bpf_dynptr_read (src/helpers/
 * dynptr_helpers.c), against the kernel: the same samples go into a
 * kernel map through libbpf's producer and into a userbpf map, the same
 * raw_tracepoint program drains both (the kernel's through
 * BPF_PROG_TEST_RUN), and return values, counts and sums must agree.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/test.h"
#include "userbpf/map.h"
#include "userbpf/progs.h"
#include "userbpf/verifier.h"
#include "userbpf/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RING 16384

/* ==== one ring on both sides ==== */

struct side {
	int kfd;
	struct user_ring_buffer *kprod;
	struct userbpf_map *um;
	struct userbpf_user_ringbuf *uprod;
};

static int sides_open(struct side *s)
{
	memset(s, 0, sizeof(*s));
	s->kfd = bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, NULL, 0, 0, RING, NULL);
	if (s->kfd < 0)
		return -errno;
	s->kprod = user_ring_buffer__new(s->kfd, NULL);
	s->um = userbpf_map__create(USERBPF_MAP_TYPE_USER_RINGBUF, "urb", 0, 0, RING, NULL);
	s->uprod = s->um ? userbpf_user_ringbuf__new(s->um) : NULL;
	return s->kprod && s->uprod ? 0 : -ENOMEM;
}

static void sides_close(struct side *s)
{
	user_ring_buffer__free(s->kprod);
	if (s->kfd >= 0)
		close(s->kfd);
	userbpf_user_ringbuf__free(s->uprod);
	userbpf_map__put(s->um);
}

/* Produce a sample of size bytes holding v (size >= 8) on both; discard
 * it instead when asked.  Returns 0 or the (equal) errno. */
static int produce(struct side *s, uint32_t size, uint64_t v, bool discard)
{
	void *k = user_ring_buffer__reserve(s->kprod, size);
	int kerr = k ? 0 : errno;
	void *u = userbpf_user_ringbuf__reserve(s->uprod, size);
	int uerr = u ? 0 : errno;

	if (kerr != uerr)
		return -1000 - uerr;
	if (!k)
		return kerr;
	if (size >= 8) {
		memcpy(k, &v, 8);
		memcpy(u, &v, 8);
	}
	if (discard) {
		user_ring_buffer__discard(s->kprod, k);
		userbpf_user_ringbuf__discard(s->uprod, u);
	} else {
		user_ring_buffer__submit(s->kprod, k);
		userbpf_user_ringbuf__submit(s->uprod, u);
	}
	return 0;
}

/*
 * The drain program: r0 = drain(map, cb, &sum, flags) * 1000 + sum,
 * where cb reads each sample's first 8 bytes with bpf_dynptr_read, adds
 * them to sum, and stops the drain after the value 99.
 */
static void drain_prog(struct userbpf_insn p[32], int map_imm, int32_t flags)
{
	struct userbpf_insn insns[] = {
		USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0),
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, map_imm),
		USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 9),
		USERBPF_MOV64_REG(3, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
		USERBPF_MOV64_IMM(4, flags),
		USERBPF_CALL_HELPER(209),
		USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -8),
		USERBPF_ALU64_IMM(USERBPF_MUL, 0, 1000),
		USERBPF_ALU64_REG(USERBPF_ADD, 0, 1),
		USERBPF_EXIT_INSN(),
		/* 13: cb(dynptr, ctx) */
		USERBPF_MOV64_REG(6, 2),
		USERBPF_MOV64_REG(3, 1),
		USERBPF_MOV64_REG(1, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 1, -8),
		USERBPF_MOV64_IMM(2, 8),
		USERBPF_MOV64_IMM(4, 0),
		USERBPF_MOV64_IMM(5, 0),
		USERBPF_CALL_HELPER(201),
		USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 8),
		USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -8),
		USERBPF_LDX_MEM(USERBPF_DW, 2, 6, 0),
		USERBPF_ALU64_REG(USERBPF_ADD, 2, 1),
		USERBPF_STX_MEM(USERBPF_DW, 6, 2, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_JMP_IMM(USERBPF_JNE, 1, 99, 1),
		USERBPF_MOV64_IMM(0, 1),
		USERBPF_EXIT_INSN(),
		/* 30: the sample was too short */
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};

	memcpy(p, insns, sizeof(insns));
}

static int resolve_map(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)src, (void)imm, (void)next;
	*value = (uint64_t)(uintptr_t)cookie;
	return 0;
}

/* BTF for the drain program's two functions (the kernel wants func_info
 * with callbacks): the fd, or -errno. */
static int drain_btf(void)
{
	struct btf *btf = btf__new_empty();
	const void *raw;
	uint32_t size;
	int i_int, ptr, proto, fd;

	if (!btf)
		return -ENOMEM;
	i_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ptr = btf__add_ptr(btf, 0);
	proto = btf__add_func_proto(btf, i_int);
	btf__add_func_param(btf, "a", ptr);
	btf__add_func_param(btf, "b", ptr);
	btf__add_func(btf, "drain_main", BTF_FUNC_STATIC, proto);
	btf__add_func(btf, "drain_cb", BTF_FUNC_STATIC, proto);
	raw = btf__raw_data(btf, &size);
	fd = bpf_btf_load(raw, size, NULL);
	if (fd < 0)
		fd = -errno;
	btf__free(btf);
	return fd;
}

/* Drain both rings with the same program; 0 when the kernel ran it. */
static int drain_both(struct side *s, int32_t flags, uint32_t *kret, uint32_t *uret)
{
	struct userbpf_insn p[32];
	static char klog[8192];
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = klog, .log_size = sizeof(klog),
		    .log_level = getenv("MAPS2_LOG") ? 1 : 0);
	LIBBPF_OPTS(bpf_test_run_opts, ro);
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_map, .ld_imm64_cookie = s->um,
		     .prog_type = USERBPF_PROG_TYPE_RAW_TRACEPOINT);
	uint64_t ctx[2] = { 0 }, r0 = 0;
	USERBPF_OPTS(userbpf_run_opts, uo, .ctx = ctx, .ctx_size = sizeof(ctx),
		     .flags = USERBPF_RUN_CHECKED);
	struct userbpf_prog *prog;
	int fd, err;

	/* types 4 and 5: drain_main, drain_cb (1 int, 2 ptr, 3 proto) */
	struct bpf_func_info fi[2] = { { 0, 4 }, { 13, 5 } };
	int btf_fd = drain_btf();

	if (btf_fd < 0)
		return btf_fd;
	lo.prog_btf_fd = btf_fd;
	lo.func_info = fi;
	lo.func_info_cnt = 2;
	lo.func_info_rec_size = sizeof(fi[0]);
	drain_prog(p, s->kfd, flags);
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", (const struct bpf_insn *)p,
			   N(p), &lo);
	close(btf_fd);
	if (fd < 0) {
		err = -errno;
		if (getenv("MAPS2_LOG"))
			fprintf(stderr, "%s\n", klog);
		return err;
	}
	err = bpf_prog_test_run_opts(fd, &ro) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	*kret = ro.retval;
	drain_prog(p, 0, flags);
	prog = userbpf_prog__new(p, N(p), &po);
	if (!prog)
		return -EINVAL;
	err = userbpf_prog__run(prog, &uo, &r0);
	userbpf_prog__free(prog);
	*uret = err ? 0xfa11u : (uint32_t)r0;
	return 0;
}

#define SKIP_WITHOUT_KERNEL(S)                                                                     \
	do {                                                                                       \
		int e_ = sides_open(S);                                                            \
		if (e_ == -EPERM || e_ == -EINVAL || e_ == -EACCES) {                              \
			sides_close(S);                                                            \
			test_skip("the kernel refuses a USER_RINGBUF map (%s): "                   \
				  "kernel oracle skipped",                                         \
				  strerror(-e_));                                                  \
			return;                                                                    \
		}                                                                                  \
		ASSERT_OK(e_);                                                                     \
	} while (0)

TEST(maps2_user_ringbuf_create_matches_kernel)
{
	static const struct {
		uint32_t ks, vs, max, flags;
	} c[] = {
		{ 0, 0, 4096, 0 },
		{ 0, 0, 8192, 0 },
		{ 0, 0, 12288, 0 },
		{ 0, 0, 4097, 0 },
		{ 0, 0, 0, 0 },
		{ 4, 0, 4096, 0 },
		{ 0, 4, 4096, 0 },
		{ 0, 0, 4096, 1 },
		{ 0, 0, 4096, 4 /* NUMA_NODE */ },
		{ 0, 0, 4096, 1024 /* MMAPABLE */ },
		{ 0, 0, 2048, 0 },
		{ 0, 0, 1u << 20, 0 },
	};
	unsigned i;

	for (i = 0; i < N(c); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = c[i].flags);
		USERBPF_OPTS(userbpf_map_create_opts, uo, .map_flags = c[i].flags);
		int kfd = bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, NULL, c[i].ks, c[i].vs,
					 c[i].max, &ko);
		int k = kfd < 0 ? -errno : 0;
		struct userbpf_map *m = userbpf_map__create(USERBPF_MAP_TYPE_USER_RINGBUF, "u",
							    c[i].ks, c[i].vs, c[i].max, &uo);
		int u = m ? 0 : -errno;

		if (i == 0 && (k == -EPERM || k == -EACCES)) {
			test_skip("the kernel refuses a USER_RINGBUF map: kernel oracle skipped");
			userbpf_map__put(m);
			return;
		}
		if (kfd >= 0)
			close(kfd);
		userbpf_map__put(m);
		if (k != u)
			test_fail(__FILE__, __LINE__,
				  "key %u value %u max %u flags %#x: kernel %d, userbpf %d",
				  c[i].ks, c[i].vs, c[i].max, c[i].flags, k, u);
	}
}

TEST(maps2_user_ringbuf_element_commands_match_kernel)
{
	struct side s;
	uint64_t v = 0;
	uint32_t key = 0;

	SKIP_WITHOUT_KERNEL(&s);
	ASSERT_EQ(bpf_map_lookup_elem(s.kfd, NULL, &v) ? -errno : 0,
		  userbpf_map__lookup_elem(s.um, NULL, &v, 0));
	ASSERT_EQ(bpf_map_update_elem(s.kfd, NULL, &v, 0) ? -errno : 0,
		  userbpf_map__update_elem(s.um, NULL, &v, 0));
	ASSERT_EQ(bpf_map_delete_elem(s.kfd, NULL) ? -errno : 0,
		  userbpf_map__delete_elem(s.um, NULL));
	ASSERT_EQ(bpf_map_get_next_key(s.kfd, NULL, &key) ? -errno : 0,
		  userbpf_map__get_next_key(s.um, NULL, &key));
	ASSERT_ERR(userbpf_map__lookup_elem(s.um, NULL, &v, 0), -524);
	/* a producer only for USER_RINGBUF maps */
	{
		struct userbpf_map *rb =
			userbpf_map__create(USERBPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);

		ASSERT_TRUE(rb);
		ASSERT_TRUE(!userbpf_user_ringbuf__new(rb));
		ASSERT_EQ(errno, EINVAL);
		userbpf_map__put(rb);
	}
	sides_close(&s);
}

TEST(maps2_user_ringbuf_drain_matches_kernel)
{
	struct side s;
	uint32_t k, u;
	int err;

	SKIP_WITHOUT_KERNEL(&s);
	/* empty */
	err = drain_both(&s, 0, &k, &u);
	if (err) {
		sides_close(&s);
		test_skip("the kernel refuses the drain program (%s): kernel oracle skipped",
			  strerror(-err));
		return;
	}
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 0);
	/* three samples */
	ASSERT_OK(produce(&s, 8, 1, false));
	ASSERT_OK(produce(&s, 8, 2, false));
	ASSERT_OK(produce(&s, 16, 3, false));
	ASSERT_OK(drain_both(&s, 0, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 3006);
	/* a discarded sample is skipped and not counted; a short one counts
	 * but cannot be read (dynptr_read -E2BIG) */
	ASSERT_OK(produce(&s, 8, 5, false));
	ASSERT_OK(produce(&s, 8, 7, true));
	ASSERT_OK(produce(&s, 4, 0, false));
	ASSERT_OK(produce(&s, 8, 10, false));
	ASSERT_OK(drain_both(&s, 0, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 3015);
	/* the callback stops the drain at 99; the rest stays */
	ASSERT_OK(produce(&s, 8, 1, false));
	ASSERT_OK(produce(&s, 8, 99, false));
	ASSERT_OK(produce(&s, 8, 5, false));
	ASSERT_OK(drain_both(&s, USERBPF_RB_NO_WAKEUP, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 2100);
	ASSERT_OK(drain_both(&s, USERBPF_RB_FORCE_WAKEUP, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 1005);
	/* unknown flags */
	ASSERT_OK(produce(&s, 8, 1, false));
	ASSERT_OK(drain_both(&s, 4, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ((int32_t)k, -EINVAL * 1000);
	ASSERT_OK(drain_both(&s, 0, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 1001);
	sides_close(&s);
}

TEST(maps2_user_ringbuf_producer_matches_kernel)
{
	struct side s;
	int n = 0, err;
	uint32_t k, u;

	SKIP_WITHOUT_KERNEL(&s);
	/* too large for the ring, and the flag bits */
	ASSERT_EQ(produce(&s, RING, 0, false), E2BIG);
	ASSERT_EQ(produce(&s, 1u << 30, 0, false), E2BIG);
	ASSERT_EQ(produce(&s, RING - 8, 1, false), 0);
	ASSERT_EQ(produce(&s, 8, 1, false), ENOSPC);
	ASSERT_OK(drain_both(&s, 0, &k, &u));
	ASSERT_EQ(u, k);
	/* fill with 1000-byte samples until both say ENOSPC at the same one */
	while (!(err = produce(&s, 1000, 1, false)))
		n++;
	ASSERT_EQ(err, ENOSPC);
	ASSERT_EQ(n, RING / 1008);
	/* blocking reserve on a full ring times out with ENOSPC */
	errno = 0;
	ASSERT_TRUE(!userbpf_user_ringbuf__reserve_blocking(s.uprod, 1000, 20));
	ASSERT_EQ(errno, ENOSPC);
	ASSERT_TRUE(!userbpf_user_ringbuf__reserve_blocking(s.uprod, 1000, -2));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_OK(drain_both(&s, 0, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, (uint32_t)n * 1000 + (uint32_t)n);
	/* the producer is at 16128 of 16384 now: the next sample wraps around
	 * the end of the ring, contiguous in both */
	for (n = 0; n < 10; n++)
		ASSERT_OK(produce(&s, 1000, (uint64_t)n, false));
	ASSERT_OK(drain_both(&s, 0, &k, &u));
	ASSERT_EQ(u, k);
	ASSERT_EQ(k, 10045);
	/* a blocking reserve with room returns at once */
	{
		void *p = userbpf_user_ringbuf__reserve_blocking(s.uprod, 8, -1);

		ASSERT_TRUE(p != NULL);
		userbpf_user_ringbuf__discard(s.uprod, p);
	}
	sides_close(&s);
}

static int urb_desc(void *cookie, unsigned src, int32_t imm, struct userbpf_verifier_map *out)
{
	(void)cookie, (void)src, (void)imm;
	memset(out, 0, sizeof(*out));
	out->type = USERBPF_MAP_TYPE_USER_RINGBUF;
	out->max_entries = RING;
	out->spin_lock_off = -1;
	return 0;
}

/*
 * The verifier explores the drain callback with r1 the sample's dynptr
 * (CONST_PTR_TO_DYNPTR, as the kernel) and r2 the context: the dynptr
 * helpers take it, its bytes cannot be loaded or stored
 * (tests/verifier/test_verifier_dynptr.c has the rest of the model).
 */
TEST(maps2_user_ringbuf_drain_verifier)
{
	struct userbpf_insn p[32];
	char log[1024];
	USERBPF_OPTS(userbpf_verifier_opts, vo, .prog_type = USERBPF_PROG_TYPE_RAW_TRACEPOINT,
		     .gpl = 1, .map_desc = urb_desc, .log_buf = log, .log_size = sizeof(log));

	drain_prog(p, 0, 0);
	ASSERT_OK(userbpf_verify(p, N(p), &vo));
	/* callback: return 0 */
	p[13] = (struct userbpf_insn)USERBPF_MOV64_IMM(0, 0);
	p[14] = (struct userbpf_insn)USERBPF_EXIT_INSN();
	ASSERT_OK(userbpf_verify(p, 15, &vo));
	/* the dynptr's bytes are neither readable nor writable */
	p[13] = (struct userbpf_insn)USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 8);
	p[14] = (struct userbpf_insn)USERBPF_MOV64_IMM(0, 0);
	p[15] = (struct userbpf_insn)USERBPF_EXIT_INSN();
	ASSERT_ERR(userbpf_verify(p, 16, &vo), -EACCES);
	ASSERT_CONTAINS(log, "R1 invalid mem access 'dynptr_ptr'");
	p[13] = (struct userbpf_insn)USERBPF_ST_MEM(USERBPF_DW, 1, 0, 0);
	ASSERT_ERR(userbpf_verify(p, 16, &vo), -EACCES);
	/* the callback must return 0 or 1 */
	p[13] = (struct userbpf_insn)USERBPF_MOV64_IMM(0, 2);
	p[14] = (struct userbpf_insn)USERBPF_EXIT_INSN();
	ASSERT_ERR(userbpf_verify(p, 15, &vo), -EACCES);
}
