/* SPDX-License-Identifier: MIT */
/*
 * test_concurrency.c - one program run by several threads at once while
 * another thread reads and iterates its maps: per-key counters in a hash
 * map and an atomic total in an array must add up exactly, and every
 * ring buffer record must reach the consumer.  Run under TSan by
 * 'make SANITIZER=thread tsan-test'.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"
#include "userbpf/userbpf.h"

#define THREADS 4
#define RUNS 2000
#define KEYS 16

static struct userbpf_map *counts, *total, *events;
static struct userbpf_prog *prog;
static atomic_int done;
static atomic_long received;

static int resolve(void *cookie, unsigned src, int32_t imm, int32_t next, uint64_t *value)
{
	(void)cookie, (void)src, (void)next;
	*value = (uint64_t)(uintptr_t)(imm == 1 ? counts : imm == 2 ? total : events);
	return 0;
}

static void *runner(void *arg)
{
	uint32_t ctx[2] = { 0, 0 };
	int i;

	for (i = 0; i < RUNS; i++) {
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = ctx, .ctx_size = sizeof(ctx),
			     .flags = (i & 1) ? USERBPF_RUN_CHECKED : 0);
		uint64_t r0;

		ctx[0] = (uint32_t)((uintptr_t)arg * 7 + (uintptr_t)i) % KEYS;
		if (userbpf_prog__run(prog, &ro, &r0) || r0 != 0)
			return (void *)1;
	}
	return NULL;
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data;
	if (size == 4)
		atomic_fetch_add(&received, 1);
	return 0;
}

static void *reader(void *arg)
{
	struct userbpf_ringbuf *rb = arg;
	uint32_t key, next;
	uint64_t v;

	while (!atomic_load(&done)) {
		bool have = false;

		while (!userbpf_map__get_next_key(counts, have ? &key : NULL, &next)) {
			key = next;
			have = true;
			userbpf_map__lookup_elem(counts, &key, &v, 0);
		}
		userbpf_ringbuf__poll(rb, 1);
	}
	while (userbpf_ringbuf__consume(rb) > 0)
		;
	return NULL;
}

TEST(concurrent_programs_stress)
{
	/* key = ctx[0]; v = lookup(counts, key); if v: atomic add 1 else
	 * update(key, 1, NOEXIST) and, on EEXIST, retry the lookup;
	 * atomic add 1 to total[0]; ringbuf_output(&key, 4) */
	static const char text[] = "r6 = r1\n"
				   "r1 = *(u32 *)(r6 + 0)\n"
				   "*(u32 *)(r10 - 4) = r1\n"
				   "retry:\n"
				   "r1 = map_idx(1) ll\n"
				   "r2 = r10\n r2 += -4\n"
				   "call 1\n"
				   "if r0 == 0 goto insert\n"
				   "r1 = 1\n lock *(u64 *)(r0 + 0) += r1\n"
				   "goto tally\n"
				   "insert:\n"
				   "*(u64 *)(r10 - 16) = 1\n"
				   "r1 = map_idx(1) ll\n"
				   "r2 = r10\n r2 += -4\n"
				   "r3 = r10\n r3 += -16\n"
				   "r4 = 1\n"
				   "call 2\n"
				   "if r0 != 0 goto retry\n"
				   "tally:\n"
				   "*(u32 *)(r10 - 20) = 0\n"
				   "r1 = map_idx(2) ll\n"
				   "r2 = r10\n r2 += -20\n"
				   "call 1\n"
				   "if r0 == 0 goto out\n"
				   "r1 = 1\n lock *(u64 *)(r0 + 0) += r1\n"
				   "r1 = map_idx(3) ll\n"
				   "r2 = r10\n r2 += -4\n"
				   "r3 = 4\n r4 = 0\n"
				   "call 130\n"
				   "out:\n"
				   "r0 = 0\n"
				   "exit\n";
	struct userbpf_insn *insns;
	size_t cnt;
	char err[256];
	pthread_t t[THREADS], rd;
	struct userbpf_ringbuf *rb;
	uint64_t sum = 0, v, tot = 0;
	uint32_t key, zero = 0;
	long i;

	counts = userbpf_map__create(USERBPF_MAP_TYPE_HASH, "counts", 4, 8, KEYS, NULL);
	total = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "total", 4, 8, 1, NULL);
	events = userbpf_map__create(USERBPF_MAP_TYPE_RINGBUF, "events", 0, 0, 1 << 20, NULL);
	ASSERT_TRUE(counts && total && events);
	ASSERT_OK(userbpf_asm(text, &insns, &cnt, err, sizeof(err)));
	{
		USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = resolve, .err_buf = err,
			     .err_buf_sz = sizeof(err));
		prog = userbpf_prog__new(insns, cnt, &po);
	}
	userbpf_free(insns);
	ASSERT_TRUE(prog);
	rb = userbpf_ringbuf__new(events, on_event, NULL);
	ASSERT_TRUE(rb);
	atomic_store(&done, 0);
	atomic_store(&received, 0);
	ASSERT_OK(pthread_create(&rd, NULL, reader, rb));
	for (i = 0; i < THREADS; i++)
		ASSERT_OK(pthread_create(&t[i], NULL, runner, (void *)i));
	for (i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		ASSERT_TRUE(ret == NULL);
	}
	atomic_store(&done, 1);
	pthread_join(rd, NULL);
	for (key = 0; key < KEYS; key++)
		if (!userbpf_map__lookup_elem(counts, &key, &v, 0))
			sum += v;
	ASSERT_OK(userbpf_map__lookup_elem(total, &zero, &tot, 0));
	ASSERT_EQ(sum, THREADS * RUNS);
	ASSERT_EQ(tot, THREADS * RUNS);
	ASSERT_EQ(atomic_load(&received), THREADS * RUNS);
	userbpf_ringbuf__free(rb);
	userbpf_prog__free(prog);
	userbpf_map__put(counts);
	userbpf_map__put(total);
	userbpf_map__put(events);
}
