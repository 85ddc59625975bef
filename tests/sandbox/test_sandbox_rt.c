/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox_rt.c - run-time sandbox rules of issue 10: ring-buffer
 * records are accepted by submit/discard only as live reservations of the
 * run (F01, F11), one instruction budget covers nested callbacks (F06),
 * bpf_spin_lock cannot deadlock a run or outlive it (F07), and regions of
 * for_each keys die with the callback (F10).
 */
#include <errno.h>
#include <string.h>

#include "../unit/test.h"
#include "userbpf/userbpf.h"
#include "userbpf/map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define H_MAP_LOOKUP 1
#define H_SPIN_LOCK 93
#define H_SPIN_UNLOCK 94
#define H_RB_OUTPUT 130
#define H_RB_RESERVE 131
#define H_RB_SUBMIT 132
#define H_RB_DISCARD 133
#define H_FOR_EACH 164
#define H_LOOP 181

/* The modes a test runs in. */
enum mode { M_CHECKED, M_FAST, M_BUDGET };
static const uint32_t mode_flags[] = {
	[M_CHECKED] = USERBPF_RUN_CHECKED,
	[M_FAST] = USERBPF_RUN_INTERPRETER | USERBPF_RUN_UNCHECKED,
	[M_BUDGET] = USERBPF_RUN_INTERPRETER | USERBPF_RUN_UNCHECKED,
};

/* lddw map fd imm = index into the cookie's map table */
static int resolve_maps(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	struct userbpf_map **maps = cookie;

	(void)src, (void)next;
	*value = (uint64_t)(uintptr_t)maps[imm];
	return 0;
}

struct rt_run {
	int err;
	uint64_t r0;
	uint64_t insn_count;
	char msg[200];
};

static void rt_exec(const struct userbpf_insn *insns, size_t cnt, struct userbpf_map **maps,
		    enum mode mode, uint64_t budget, struct rt_run *out)
{
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve_maps, .ld_imm64_cookie = maps,
		     .err_buf = out->msg, .err_buf_sz = sizeof(out->msg));
	struct userbpf_prog *prog;
	uint64_t ctx[2] = { 0 };
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
		     .flags = mode_flags[mode], .insn_budget = budget, .err_buf = out->msg,
		     .err_buf_sz = sizeof(out->msg));

	out->msg[0] = '\0';
	out->r0 = 0;
	prog = userbpf_prog__new(insns, cnt, &po);
	if (!prog) {
		out->err = -errno;
		return;
	}
	out->err = userbpf_prog__run(prog, &ro, &out->r0);
	out->insn_count = ro.insn_count;
	userbpf_prog__free(prog);
}

struct seen {
	int n;
	uint64_t last;
};

static int count_cb(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;

	s->n++;
	s->last = 0;
	memcpy(&s->last, data, size < 8 ? size : 8);
	return 0;
}

/* A run that outputs the 8-byte value v to ring 0: the ring still works. */
static int output_value(struct userbpf_map **maps, uint64_t v)
{
	struct userbpf_insn p[] = {
		USERBPF_LD_IMM64(1, v),
		USERBPF_STX_MEM(USERBPF_DW, 10, 1, -8),
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_REG(2, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 2, -8),
		USERBPF_MOV64_IMM(3, 8),
		USERBPF_MOV64_IMM(4, 0),
		USERBPF_CALL_HELPER(H_RB_OUTPUT),
		USERBPF_EXIT_INSN(),
	};
	struct rt_run r;

	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	return r.err ? r.err : (int)(int64_t)r.r0;
}

/*
 * F01: the program reserves a 16-byte record and forges a record header
 * inside it (len | BUSY, pg_off 3 = back to the ring's page 0), then
 * submits the pointer after the forged header.  Located from that header,
 * the submit would go to a ring the program described; it must be
 * refused (checked: the run stops; unchecked: nothing happens).
 */
TEST(sandbox_rt_ringbuf_forged_record)
{
	struct userbpf_map *rb =
		userbpf_map__create(USERBPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	struct userbpf_map *maps[1] = { rb };
	struct userbpf_insn p[] = {
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_IMM(2, 16),
		USERBPF_MOV64_IMM(3, 0),
		USERBPF_CALL_HELPER(H_RB_RESERVE),
		USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2),
		USERBPF_MOV64_IMM(0, 1),
		USERBPF_EXIT_INSN(),
		USERBPF_ST_MEM(USERBPF_W, 0, 0, (int32_t)(0x80000000u | 8)),
		USERBPF_ST_MEM(USERBPF_W, 0, 4, 3),
		USERBPF_MOV64_REG(1, 0),
		USERBPF_ALU64_IMM(USERBPF_ADD, 1, 8),
		USERBPF_MOV64_IMM(2, 0),
		USERBPF_CALL_HELPER(H_RB_SUBMIT),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_ringbuf *cons;
	struct seen s = { 0 };
	struct rt_run r;

	ASSERT_TRUE(rb);
	cons = userbpf_ringbuf__new(rb, count_cb, &s);
	ASSERT_TRUE(cons != NULL);
	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	ASSERT_ERR(r.err, -EINVAL);
	ASSERT_TRUE(strstr(r.msg, "bpf_ringbuf_submit of a pointer that is not a live "
				  "reservation") != NULL);
	/* the real record was discarded at the end of the run: nothing to read,
	 * and the ring goes on */
	ASSERT_EQ(userbpf_ringbuf__consume(cons), 0);
	ASSERT_EQ(output_value(maps, 41), 0);
	ASSERT_EQ(userbpf_ringbuf__consume(cons), 1);
	ASSERT_EQ(s.last, 41);
	/* unchecked: the forged submit does nothing */
	rt_exec(p, N(p), maps, M_FAST, 0, &r);
	ASSERT_OK(r.err);
	ASSERT_EQ(r.r0, 0);
	ASSERT_EQ(userbpf_ringbuf__consume(cons), 0);
	ASSERT_EQ(output_value(maps, 42), 0);
	ASSERT_EQ(userbpf_ringbuf__consume(cons), 1);
	ASSERT_EQ(s.last, 42);
	ASSERT_EQ(s.n, 2);
	userbpf_ringbuf__free(cons);
	userbpf_map__put(rb);
}

/* F01: a pointer to the stack (a forged ring there) is not a record. */
TEST(sandbox_rt_ringbuf_stack_pointer_refused)
{
	struct userbpf_map *rb =
		userbpf_map__create(USERBPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	struct userbpf_map *maps[1] = { rb };
	struct userbpf_insn p[] = {
		USERBPF_ST_MEM(USERBPF_W, 10, -16, (int32_t)(0x80000000u | 8)),
		USERBPF_ST_MEM(USERBPF_W, 10, -12, 0),
		USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0),
		USERBPF_MOV64_REG(1, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 1, -8),
		USERBPF_MOV64_IMM(2, 0),
		USERBPF_CALL_HELPER(H_RB_DISCARD),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct rt_run r;

	ASSERT_TRUE(rb);
	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	ASSERT_ERR(r.err, -EINVAL);
	ASSERT_TRUE(strstr(r.msg, "bpf_ringbuf_discard of a pointer") != NULL);
	userbpf_map__put(rb);
}

/* F11: after submit the record is gone for the program. */
TEST(sandbox_rt_ringbuf_record_dies_at_submit)
{
	struct userbpf_map *rb =
		userbpf_map__create(USERBPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	struct userbpf_map *maps[1] = { rb };
	struct userbpf_insn p[] = {
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_IMM(2, 8),
		USERBPF_MOV64_IMM(3, 0),
		USERBPF_CALL_HELPER(H_RB_RESERVE),
		USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2),
		USERBPF_MOV64_IMM(0, 1),
		USERBPF_EXIT_INSN(),
		USERBPF_MOV64_REG(6, 0),
		USERBPF_ST_MEM(USERBPF_DW, 6, 0, 7),
		USERBPF_MOV64_REG(1, 6),
		USERBPF_MOV64_IMM(2, 0),
		USERBPF_CALL_HELPER(H_RB_SUBMIT),
		USERBPF_ST_MEM(USERBPF_DW, 6, 0, 99), /* after submit */
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_ringbuf *cons;
	struct seen s = { 0 };
	struct rt_run r;

	ASSERT_TRUE(rb);
	cons = userbpf_ringbuf__new(rb, count_cb, &s);
	ASSERT_TRUE(cons != NULL);
	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	ASSERT_ERR(r.err, -EFAULT);
	ASSERT_STREQ(r.msg, "out-of-bounds write of 8 bytes at insn 13");
	/* the record was committed with the value written before submit */
	ASSERT_EQ(userbpf_ringbuf__consume(cons), 1);
	ASSERT_EQ(s.last, 7);
	userbpf_ringbuf__free(cons);
	userbpf_map__put(rb);
}

/*
 * F11: a second submit (or a discard after submit) of the same record is
 * an error and leaves the ring consistent; a record still reserved at the
 * end of a run is discarded so the consumer goes on.
 */
TEST(sandbox_rt_ringbuf_double_commit)
{
	struct userbpf_map *rb =
		userbpf_map__create(USERBPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	struct userbpf_map *maps[1] = { rb };
	struct userbpf_insn p[] = {
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_IMM(2, 8),
		USERBPF_MOV64_IMM(3, 0),
		USERBPF_CALL_HELPER(H_RB_RESERVE),
		USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2),
		USERBPF_MOV64_IMM(0, 1),
		USERBPF_EXIT_INSN(),
		USERBPF_MOV64_REG(6, 0),
		USERBPF_ST_MEM(USERBPF_DW, 6, 0, 5),
		USERBPF_MOV64_REG(1, 6),
		USERBPF_MOV64_IMM(2, 0),
		USERBPF_CALL_HELPER(H_RB_SUBMIT),
		USERBPF_MOV64_REG(1, 6),
		USERBPF_MOV64_IMM(2, 0),
		USERBPF_CALL_HELPER(H_RB_SUBMIT), /* second commit: insn 15 */
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	/* reserve and exit without submit */
	struct userbpf_insn leak[] = {
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_IMM(2, 8),
		USERBPF_MOV64_IMM(3, 0),
		USERBPF_CALL_HELPER(H_RB_RESERVE),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_ringbuf *cons;
	struct seen s = { 0 };
	struct rt_run r;
	int m;

	ASSERT_TRUE(rb);
	cons = userbpf_ringbuf__new(rb, count_cb, &s);
	ASSERT_TRUE(cons != NULL);
	for (m = M_CHECKED; m <= M_BUDGET; m++) {
		s.n = 0;
		rt_exec(p, N(p), maps, (enum mode)m, m == M_BUDGET ? 1000 : 0, &r);
		if (m == M_CHECKED) {
			ASSERT_ERR(r.err, -EINVAL);
			ASSERT_STREQ(r.msg, "bpf_ringbuf_submit of a pointer that is not a "
					    "live reservation at insn 15");
		} else {
			ASSERT_OK(r.err);
		}
		ASSERT_EQ(userbpf_ringbuf__consume(cons), 1);
		ASSERT_EQ(s.last, 5);
		ASSERT_EQ(output_value(maps, 6 + (uint64_t)m), 0);
		ASSERT_EQ(userbpf_ringbuf__consume(cons), 1);
		ASSERT_EQ(s.last, 6 + (uint64_t)m);
		/* an outstanding record does not block the ring */
		rt_exec(leak, N(leak), maps, (enum mode)m, m == M_BUDGET ? 1000 : 0, &r);
		ASSERT_OK(r.err);
		ASSERT_EQ(output_value(maps, 16 + (uint64_t)m), 0);
		ASSERT_EQ(userbpf_ringbuf__consume(cons), 1);
		ASSERT_EQ(s.last, 16 + (uint64_t)m);
		ASSERT_EQ(s.n, 3);
	}
	userbpf_ringbuf__free(cons);
	userbpf_map__put(rb);
}

/*
 * F06: bpf_loop(100) whose callback runs bpf_loop(100) with a 3-insn
 * callback: about 30,000 instructions in the innermost callbacks.  A
 * budget of 5,000 must stop the run; a budget of 100,000 must not, and
 * the count must include the nested callbacks.
 */
TEST(sandbox_rt_nested_loop_budget)
{
	struct userbpf_insn p[] = {
		/* 0 */ USERBPF_MOV64_IMM(1, 100),
		/* 1 */ USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 5), /* -> 7 */
		/* 3 */ USERBPF_MOV64_IMM(3, 0),
		/* 4 */ USERBPF_MOV64_IMM(4, 0),
		/* 5 */ USERBPF_CALL_HELPER(H_LOOP),
		/* 6 */ USERBPF_EXIT_INSN(),
		/* 7: outer callback */
		/* 7 */ USERBPF_MOV64_IMM(1, 100),
		/* 8 */ USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 6), /* -> 15 */
		/* 10 */ USERBPF_MOV64_IMM(3, 0),
		/* 11 */ USERBPF_MOV64_IMM(4, 0),
		/* 12 */ USERBPF_CALL_HELPER(H_LOOP),
		/* 13 */ USERBPF_MOV64_IMM(0, 0),
		/* 14 */ USERBPF_EXIT_INSN(),
		/* 15: inner callback */
		/* 15 */ USERBPF_MOV64_IMM(0, 0),
		/* 16 */ USERBPF_ALU64_IMM(USERBPF_ADD, 0, 0),
		/* 17 */ USERBPF_EXIT_INSN(),
	};
	enum mode modes[] = { M_CHECKED, M_BUDGET };
	struct rt_run r;
	size_t i;

	for (i = 0; i < N(modes); i++) {
		rt_exec(p, N(p), NULL, modes[i], 5000, &r);
		ASSERT_ERR(r.err, -E2BIG);
		ASSERT_TRUE(strstr(r.msg, "instruction budget exhausted") != NULL);
		ASSERT_EQ(r.insn_count, 5000);
		rt_exec(p, N(p), NULL, modes[i], 100000, &r);
		ASSERT_OK(r.err);
		ASSERT_EQ(r.r0, 100);
		/* 100 x 100 x 3 innermost + 100 x 7 outer callback + 6 main
		 * (an lddw counts once) */
		ASSERT_EQ(r.insn_count, 30000 + 700 + 6);
	}
}

/* An array of one 8-byte value whose first word is a bpf_spin_lock. */
static struct userbpf_map *lock_map(void)
{
	return userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "locks", 4, 8, 1, NULL);
}

/* r6 = &value[0] of map 0, or exit 1 (insns 0..9) */
#define LOOKUP_R6                                                                                  \
	USERBPF_ST_MEM(USERBPF_W, 10, -4, 0), USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),   \
		USERBPF_MOV64_REG(2, 10), USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),                   \
		USERBPF_CALL_HELPER(H_MAP_LOOKUP), USERBPF_JMP_IMM(USERBPF_JNE, 0, 0, 2),          \
		USERBPF_MOV64_IMM(0, 1), USERBPF_EXIT_INSN(), USERBPF_MOV64_REG(6, 0)

#define LOCK_R6(H) USERBPF_MOV64_REG(1, 6), USERBPF_CALL_HELPER(H)

static uint32_t lock_word(struct userbpf_map *m)
{
	uint32_t k = 0;
	uint64_t v = ~0ull;

	if (userbpf_map__lookup_elem(m, &k, &v, 0))
		return ~0u;
	return (uint32_t)v;
}

/* F07: locking twice, or taking a second lock, stops the run. */
TEST(sandbox_rt_spin_lock_twice)
{
	struct userbpf_map *m = lock_map();
	struct userbpf_map *maps[1] = { m };
	struct userbpf_insn p[] = {
		LOOKUP_R6,
		LOCK_R6(H_SPIN_LOCK),
		LOCK_R6(H_SPIN_LOCK),
		LOCK_R6(H_SPIN_UNLOCK),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	enum mode modes[] = { M_CHECKED, M_FAST };
	struct rt_run r;
	size_t i;

	ASSERT_TRUE(m);
	for (i = 0; i < N(modes); i++) {
		rt_exec(p, N(p), maps, modes[i], 0, &r);
		ASSERT_ERR(r.err, -EDEADLK);
		ASSERT_STREQ(r.msg, "bpf_spin_lock while holding a lock at insn 13");
		/* released at the end of the run */
		ASSERT_EQ(lock_word(m), 0);
	}
	userbpf_map__put(m);
}

/* F07: a lock word nobody will release: the run stops, bounded. */
TEST(sandbox_rt_spin_lock_never_released)
{
	struct userbpf_map *m = lock_map();
	struct userbpf_map *maps[1] = { m };
	struct userbpf_insn p[] = {
		LOOKUP_R6,
		LOCK_R6(H_SPIN_LOCK),
		LOCK_R6(H_SPIN_UNLOCK),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	uint32_t k = 0;
	uint64_t v = 1; /* lock word set */
	struct rt_run r;

	ASSERT_TRUE(m);
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	ASSERT_ERR(r.err, -EDEADLK);
	ASSERT_STREQ(r.msg, "bpf_spin_lock: lock never released at insn 11");
	ASSERT_EQ(lock_word(m), 1); /* not ours: left alone */
	/* free again: lock + unlock works */
	v = 0;
	ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	ASSERT_OK(r.err);
	ASSERT_EQ(r.r0, 0);
	ASSERT_EQ(lock_word(m), 0);
	userbpf_map__put(m);
}

/* F07: a lock is never held past the run; unlocking a lock not held fails. */
TEST(sandbox_rt_spin_lock_held_at_exit)
{
	struct userbpf_map *m = lock_map();
	struct userbpf_map *maps[1] = { m };
	struct userbpf_insn held[] = {
		LOOKUP_R6,
		LOCK_R6(H_SPIN_LOCK),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	struct userbpf_insn stray[] = {
		LOOKUP_R6,
		LOCK_R6(H_SPIN_UNLOCK),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	enum mode modes[] = { M_CHECKED, M_FAST, M_BUDGET };
	uint32_t k = 0;
	uint64_t v;
	struct rt_run r;
	size_t i;

	ASSERT_TRUE(m);
	for (i = 0; i < N(modes); i++) {
		rt_exec(held, N(held), maps, modes[i], modes[i] == M_BUDGET ? 1000 : 0, &r);
		ASSERT_ERR(r.err, -EINVAL);
		ASSERT_TRUE(strstr(r.msg, "bpf_spin_lock still held at program exit") != NULL);
		ASSERT_EQ(lock_word(m), 0);
		/* someone else's lock (the word set by the host) stays set */
		v = 1;
		ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
		rt_exec(stray, N(stray), maps, modes[i], modes[i] == M_BUDGET ? 1000 : 0, &r);
		ASSERT_ERR(r.err, -EINVAL);
		ASSERT_STREQ(r.msg, "bpf_spin_unlock of a lock the run does not hold at insn 11");
		ASSERT_EQ(lock_word(m), 1);
		v = 0;
		ASSERT_OK(userbpf_map__update_elem(m, &k, &v, 0));
	}
	userbpf_map__put(m);
}

/*
 * F10: the key of an array for_each is a local of the walk; the callback
 * leaks its pointer through the callback context (the main stack) and the
 * program reads it after the walk.  The key's region must have died with
 * the callback (under ASan the read would be a stack-use-after-return).
 */
TEST(sandbox_rt_for_each_key_region_dies)
{
	struct userbpf_map *m = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "arr", 4, 8, 2, NULL);
	struct userbpf_map *maps[1] = { m };
	struct userbpf_insn p[] = {
		/* 0 */ USERBPF_ST_MEM(USERBPF_DW, 10, -8, 0),
		/* 1 */ USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		/* 3 */ USERBPF_LD_IMM64_RAW(2, USERBPF_PSEUDO_FUNC, 9), /* -> 13 */
		/* 5 */ USERBPF_MOV64_REG(3, 10),
		/* 6 */ USERBPF_ALU64_IMM(USERBPF_ADD, 3, -8),
		/* 7 */ USERBPF_MOV64_IMM(4, 0),
		/* 8 */ USERBPF_CALL_HELPER(H_FOR_EACH),
		/* 9 */ USERBPF_JMP_IMM(USERBPF_JNE, 0, 2, 2), /* both elements seen */
		/* 10 */ USERBPF_LDX_MEM(USERBPF_DW, 1, 10, -8),
		/* 11 */ USERBPF_LDX_MEM(USERBPF_W, 0, 1, 0), /* the dead key */
		/* 12 */ USERBPF_EXIT_INSN(),
		/* 13: callback(map, key, value, ctx): *ctx = key; and the key is
		 * readable inside the callback */
		/* 13 */ USERBPF_STX_MEM(USERBPF_DW, 4, 2, 0),
		/* 14 */ USERBPF_LDX_MEM(USERBPF_W, 0, 2, 0),
		/* 15 */ USERBPF_MOV64_IMM(0, 0),
		/* 16 */ USERBPF_EXIT_INSN(),
	};
	struct rt_run r;

	ASSERT_TRUE(m);
	rt_exec(p, N(p), maps, M_CHECKED, 0, &r);
	ASSERT_ERR(r.err, -EFAULT);
	ASSERT_STREQ(r.msg, "out-of-bounds read of 4 bytes at insn 11");
	userbpf_map__put(m);
}
