/* SPDX-License-Identifier: MIT */
/*
 * bench_maps.c - map operation cost in ns/op, three ways:
 *
 *   api     the C API (userbpf_map__lookup_elem/__update_elem): syscall-
 *           side semantics (values copied in and out), no program;
 *   prog    inside a BPF program run by the userbpf interpreter: one XDP
 *           program loops N_OPS times around the helper call, run with
 *           userbpf_prog__test_run(repeat); ns/op = duration / N_OPS;
 *   kernel  the very same instructions loaded into the running kernel
 *           (BPF_PROG_LOAD, kernel maps) and run by BPF_PROG_TEST_RUN
 *           with repeat; ratio = prog / kernel.  The "ksys" column is the
 *           kernel's syscall path (bpf(BPF_MAP_*_ELEM)), the api's analogue.
 *
 * Operations: array lookup/update, hash lookup (hit) / update (existing
 * key), LRU hash churn (every insert evicts), ring buffer reserve+submit
 * with a consumer thread draining the ring concurrently (userbpf_ringbuf
 * __poll / libbpf ring_buffer__poll; records consumed and dropped are
 * printed), and the bare loop without the call for scale.  Nothing is
 * subtracted: a prog ns/op includes the loop's own instructions.  The
 * kernel side is JIT code (when bpf_jit_enable is on) in which the
 * verifier has inlined array lookups and turned hash lookups into direct
 * calls: that is what a kernel program costs, so it is the reference.
 *
 * Method: programs run on the first allowed CPU, ring consumers on the
 * second.  Each figure is the best of several batches (5 x 100 ms; 2 x
 * 20 ms with --quick) after a warm-up; JSON also gives the median.  Where
 * the kernel refuses (not root, old kernel, verifier) the row says
 * "kernel: n/a (reason)" and the run goes on.  r0 of every program is
 * checked (sum of the values looked up, or zero failed calls) on both
 * sides; a mismatch is an error (exit status 1).
 *
 * Usage: bench_maps [--json] [--quick] [OPERATION...]
 * Prints a table, or with --json one JSON object per operation per line;
 * OPERATION (a JSON id such as hash_lookup) limits the run to those rows.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "userbpf/userbpf.h"
#include "userbpf/progs.h"
#include "userbpf/syscall.h"

#define N_OPS 1000	    /* helper calls per program run */
#define KEY_MASK 255	    /* keys the lookup/update loops cycle through: */
#define KEYS (KEY_MASK + 1) /* 0 .. KEY_MASK */
#define HASH_ENTRIES 1024   /* hash capacity: 256 of 1024 slots used */
#define LRU_ENTRIES 512	    /* < N_OPS distinct keys: every insert evicts */
#define LRU_PREFILL 100000  /* first key of the prefill (outside 0..N_OPS) */
#define RB_SIZE (4u << 20)  /* ring bytes: 256 runs of 16-byte records */
#define RB_RECORD 8	    /* payload bytes per record */
#define MAX_REPEAT (1 << 20)
#define MAX_BATCHES 16

/* ==== Programs ====
 *
 * One template per shape; "%d" is the map's fd (a userbpf handle or a
 * kernel fd).  r6 counts 0..N_OPS-1, r7 accumulates what r0 returns: the
 * sum of the values looked up, or the number of failed calls.  Keys live
 * on the stack and lookup results are checked for NULL, as the kernel's
 * verifier demands; the loop is a plain bounded loop.
 */
#define STR_(x) #x
#define STR(x) STR_(x)

static const char lookup_text[] =
	"	r6 = 0\n"
	"	r7 = 0\n"
	"loop:	r1 = r6\n"
	"	r1 &= " STR(KEY_MASK) "\n"
				      "	*(u32 *)(r10 - 4) = w1\n"
				      "	r1 = map_fd(%d) ll\n"
				      "	r2 = r10\n"
				      "	r2 += -4\n"
				      "	call 1\n" /* bpf_map_lookup_elem */
				      "	if r0 == 0 goto next\n"
				      "	r1 = *(u64 *)(r0 + 0)\n"
				      "	r7 += r1\n"
				      "next:	r6 += 1\n"
				      "	if r6 < " STR(N_OPS) " goto loop\n"
							     "	r0 = r7\n"
							     "	exit\n";

/* The lookup loop with the call replaced by r0 = 0: the loop's own cost. */
static const char loop_text[] = "	r6 = 0\n"
				"	r7 = 0\n"
				"loop:	r1 = r6\n"
				"	r1 &= " STR(KEY_MASK) "\n"
							      "	*(u32 *)(r10 - 4) = w1\n"
							      "	r1 = map_fd(%d) ll\n"
							      "	r2 = r10\n"
							      "	r2 += -4\n"
							      "	r0 = 0\n"
							      "	if r0 == 0 goto next\n"
							      "	r1 = *(u64 *)(r0 + 0)\n"
							      "	r7 += r1\n"
							      "next:	r6 += 1\n"
							      "	if r6 < " STR(N_OPS) " goto loop\n"
										     "	r0 = r7\n"
										     "	exit\n";

/* key = i & (KEYS - 1): existing keys (array, hash). */
static const char update_text[] =
	"	r6 = 0\n"
	"	r7 = 0\n"
	"loop:	r1 = r6\n"
	"	r1 &= " STR(KEY_MASK) "\n"
				      "	*(u32 *)(r10 - 4) = w1\n"
				      "	*(u64 *)(r10 - 16) = r6\n"
				      "	r1 = map_fd(%d) ll\n"
				      "	r2 = r10\n"
				      "	r2 += -4\n"
				      "	r3 = r10\n"
				      "	r3 += -16\n"
				      "	r4 = 0\n" /* BPF_ANY */
				      "	call 2\n" /* bpf_map_update_elem */
				      "	if r0 == 0 goto next\n"
				      "	r7 += 1\n"
				      "next:	r6 += 1\n"
				      "	if r6 < " STR(N_OPS) " goto loop\n"
							     "	r0 = r7\n"
							     "	exit\n";

/* key = i: N_OPS keys cycling through LRU_ENTRIES slots, all misses. */
static const char churn_text[] = "	r6 = 0\n"
				 "	r7 = 0\n"
				 "loop:	*(u32 *)(r10 - 4) = w6\n"
				 "	*(u64 *)(r10 - 16) = r6\n"
				 "	r1 = map_fd(%d) ll\n"
				 "	r2 = r10\n"
				 "	r2 += -4\n"
				 "	r3 = r10\n"
				 "	r3 += -16\n"
				 "	r4 = 0\n"
				 "	call 2\n"
				 "	if r0 == 0 goto next\n"
				 "	r7 += 1\n"
				 "next:	r6 += 1\n"
				 "	if r6 < " STR(N_OPS) " goto loop\n"
							     "	r0 = r7\n"
							     "	exit\n";

/* reserve RB_RECORD bytes, write them, submit (flags 0: default wake-up). */
static const char ringbuf_text[] =
	"	r6 = 0\n"
	"	r7 = 0\n"
	"loop:	r1 = map_fd(%d) ll\n"
	"	r2 = " STR(RB_RECORD) "\n"
				      "	r3 = 0\n"
				      "	call 131\n" /* bpf_ringbuf_reserve */
				      "	if r0 == 0 goto fail\n"
				      "	*(u64 *)(r0 + 0) = r6\n"
				      "	r1 = r0\n"
				      "	r2 = 0\n"
				      "	call 132\n" /* bpf_ringbuf_submit */
				      "	goto next\n"
				      "fail:	r7 += 1\n"
				      "next:	r6 += 1\n"
				      "	if r6 < " STR(N_OPS) " goto loop\n"
							     "	r0 = r7\n"
							     "	exit\n";

enum api_kind { API_NONE, API_LOOKUP, API_UPDATE, API_CHURN };

struct op {
	const char *name; /* table */
	const char *id;	  /* JSON */
	uint32_t map_type, key_size, value_size, max_entries;
	const char *text;
	enum api_kind api;
	bool sum_retval; /* r0: sum of the values (else: failed calls, 0) */
};

static const struct op ops[] = {
	{ "array lookup", "array_lookup", BPF_MAP_TYPE_ARRAY, 4, 8, KEYS, lookup_text, API_LOOKUP,
	  true },
	{ "array update", "array_update", BPF_MAP_TYPE_ARRAY, 4, 8, KEYS, update_text, API_UPDATE,
	  false },
	{ "hash lookup (hit)", "hash_lookup", BPF_MAP_TYPE_HASH, 4, 8, HASH_ENTRIES, lookup_text,
	  API_LOOKUP, true },
	{ "hash update (existing)", "hash_update", BPF_MAP_TYPE_HASH, 4, 8, HASH_ENTRIES,
	  update_text, API_UPDATE, false },
	{ "lru hash churn (evict)", "lru_churn", BPF_MAP_TYPE_LRU_HASH, 4, 8, LRU_ENTRIES,
	  churn_text, API_CHURN, false },
	{ "ringbuf reserve+submit", "ringbuf_reserve_submit", BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE,
	  ringbuf_text, API_NONE, false },
	{ "loop only (no call)", "loop_only", BPF_MAP_TYPE_ARRAY, 4, 8, KEYS, loop_text, API_NONE,
	  false },
};

/* ==== Timing ==== */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int batches = 5;
static double min_ns = 1e8;

/* Value stored under key k at prefill. */
static uint64_t prefill_value(uint32_t k)
{
	return (uint64_t)k * 3 + 1;
}

/* r0 of the lookup programs: sum over i < N_OPS of value[i & (KEYS-1)]. */
static uint64_t expected_sum(void)
{
	uint64_t s = 0;
	uint32_t i;

	for (i = 0; i < N_OPS; i++)
		s += prefill_value(i & (KEYS - 1));
	return s;
}

/*
 * A test-run backend: run the loaded program `repeat` times, giving the
 * average ns per run and the last r0.  0 or a negative errno.
 */
struct runner {
	int (*run)(struct runner *r, int repeat, uint32_t *duration, uint32_t *retval);
	struct userbpf_prog *ub_prog;
	int kernel_fd;
	uint64_t total_runs; /* every run made, for the ring buffer's count */
};

static uint8_t packet[64];

static int run_userbpf(struct runner *r, int repeat, uint32_t *duration, uint32_t *retval)
{
	/* the kernel verified the same program: the fast path, as the kernel runs it */
	USERBPF_OPTS(userbpf_test_run_opts, t, .data_in = packet, .data_size_in = sizeof(packet),
		     .repeat = repeat, .flags = USERBPF_RUN_UNCHECKED);
	int err = userbpf_prog__test_run(r->ub_prog, &t);

	if (err)
		return err;
	r->total_runs += (uint64_t)repeat;
	*duration = t.duration;
	*retval = t.retval;
	return 0;
}

static int run_kernel(struct runner *r, int repeat, uint32_t *duration, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = packet, .data_size_in = sizeof(packet),
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(r->kernel_fd, &t);

	if (err)
		return err < 0 ? err : -errno;
	r->total_runs += (uint64_t)repeat;
	*duration = t.duration;
	*retval = t.retval;
	return 0;
}

/* ns per run or per op: the best and the median batch. */
struct timing {
	double best, median;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Best and median of the n batch figures in v (sorts v). */
static struct timing summarize(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return (struct timing){ v[0], n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 };
}

/*
 * ns per run: after a warm-up of min_ns / 4 (which also sizes `repeat` so
 * one test run lasts about min_ns / 20), each batch is test runs back to
 * back for at least min_ns of wall time, its figure the sum of the
 * reported durations over the runs.  *retval: r0 of the very first run.
 */
static int time_runs(struct runner *r, struct timing *out, uint32_t *retval)
{
	double per_batch[MAX_BATCHES], t0;
	uint32_t d = 0, rv = 0;
	int repeat = 1, k, err;

	err = r->run(r, 1, &d, retval);
	if (err)
		return err;
	t0 = now_ns();
	do {
		if ((err = r->run(r, repeat, &d, &rv)))
			return err;
		if ((double)d * repeat < min_ns / 20 && repeat < MAX_REPEAT)
			repeat *= 2;
	} while (now_ns() - t0 < min_ns / 4);
	for (k = 0; k < batches; k++) {
		double total = 0;
		uint64_t runs = 0;

		t0 = now_ns();
		do {
			if ((err = r->run(r, repeat, &d, &rv)))
				return err;
			total += (double)d * repeat;
			runs += (uint64_t)repeat;
		} while (now_ns() - t0 < min_ns);
		per_batch[k] = total / (double)runs;
	}
	*out = summarize(per_batch, batches);
	return 0;
}

/* ==== Map setup ==== */

/* Keys and values of the map before the run; 0 or a negative errno. */
static int prefill(const struct op *op, int (*update)(void *map, uint32_t key, uint64_t value),
		   void *map)
{
	uint32_t k;
	int err;

	switch (op->map_type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
		for (k = 0; k < KEYS; k++)
			if ((err = update(map, k, prefill_value(k))))
				return err;
		return 0;
	case BPF_MAP_TYPE_LRU_HASH:
		/* full before the first insert, with keys the loops never use */
		for (k = 0; k < LRU_ENTRIES; k++)
			if ((err = update(map, LRU_PREFILL + k, k)))
				return err;
		return 0;
	default:
		return 0;
	}
}

static int ub_update(void *map, uint32_t key, uint64_t value)
{
	return userbpf_map__update_elem(map, &key, &value, USERBPF_ANY);
}

static int k_update(void *map, uint32_t key, uint64_t value)
{
	int fd = (int)(intptr_t)map;

	return bpf_map_update_elem(fd, &key, &value, BPF_ANY) ? -errno : 0;
}

static int ub_map_create(const struct op *op)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = op->map_type;
	a.key_size = op->key_size;
	a.value_size = op->value_size;
	a.max_entries = op->max_entries;
	return userbpf_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

/* Program text for map fd, assembled; 0 or a negative errno. */
static int assemble(const struct op *op, int map_fd, struct userbpf_insn **insns, size_t *cnt)
{
	char text[2048], err[256];
	int ret;

	snprintf(text, sizeof(text), op->text, map_fd);
	ret = userbpf_asm(text, insns, cnt, err, sizeof(err));
	if (ret)
		fprintf(stderr, "bench_maps %s: %s\n", op->id, err);
	return ret;
}

static int ub_prog_load(const struct op *op, int map_fd)
{
	struct userbpf_insn *insns;
	char log[1024] = "";
	union bpf_attr a;
	size_t cnt;
	int fd;

	if (assemble(op, map_fd, &insns, &cnt))
		return -1;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	fd = userbpf_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0) {
		/* again with a log, for the reason (a log at level 1 on a load
		 * that succeeds may not fit: ENOSPC, as in the kernel) */
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		fd = userbpf_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	}
	if (fd < 0)
		fprintf(stderr, "bench_maps %s: userbpf PROG_LOAD: %s %s\n", op->id,
			strerror(errno), log);
	userbpf_free(insns);
	return fd;
}

/*
 * The reason in a verifier log: its last line that is not the closing
 * statistics ("processed N insns ...", "verification time ..."), in place.
 */
static const char *log_reason(char *log)
{
	char *p;

	for (;;) {
		size_t n = strlen(log);

		while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
			log[--n] = '\0';
		p = strrchr(log, '\n');
		p = p ? p + 1 : log;
		if (p == log ||
		    (strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17)))
			return p;
		*p = '\0';
	}
}

/* Kernel program for the same text; fd, or -1 with the reason in why. */
static int k_prog_load(const struct op *op, int map_fd, char *why, size_t why_sz)
{
	static char log[1 << 20];
	struct userbpf_insn *insns;
	size_t cnt;
	int fd, err;

	if (assemble(op, map_fd, &insns, &cnt)) {
		snprintf(why, why_sz, "assembler");
		return -1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_maps", "GPL", (const struct bpf_insn *)insns,
			   cnt, NULL);
	if (fd < 0) {
		/* again with a log, for the reason */
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log),
			    .log_level = 1);

		err = errno;
		log[0] = '\0';
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_maps", "GPL",
				   (const struct bpf_insn *)insns, cnt, &o);
		if (fd < 0)
			snprintf(why, why_sz, "PROG_LOAD: %s: %s", strerror(err), log_reason(log));
	}
	userbpf_free(insns);
	return fd;
}

/* ==== API loops ==== */

static uint64_t sink;

/* One batch of N_OPS calls through userbpf's C API or the kernel syscall. */
static int api_batch(const struct op *op, struct userbpf_map *ub, int kfd, uint32_t *next_key)
{
	uint64_t value;
	uint32_t i, key;
	int err = 0;

	for (i = 0; i < N_OPS; i++) {
		if (op->api == API_CHURN) {
			key = *next_key;
			*next_key = key + 1 == N_OPS ? 0 : key + 1;
		} else {
			key = i & (KEYS - 1);
		}
		value = i;
		switch (op->api) {
		case API_LOOKUP:
			err = ub ? userbpf_map__lookup_elem(ub, &key, &value, 0) :
				   (bpf_map_lookup_elem(kfd, &key, &value) ? -errno : 0);
			sink += value;
			break;
		case API_UPDATE:
		case API_CHURN:
			err = ub ? userbpf_map__update_elem(ub, &key, &value, USERBPF_ANY) :
				   (bpf_map_update_elem(kfd, &key, &value, BPF_ANY) ? -errno : 0);
			break;
		default:
			return -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

/* ns/op over the batches (as time_runs); negative errno on a failed call. */
static int time_api(const struct op *op, struct userbpf_map *ub, int kfd, struct timing *out)
{
	double per_batch[MAX_BATCHES], t0;
	uint32_t next_key = 0;
	int k, err;

	t0 = now_ns();
	do {
		if ((err = api_batch(op, ub, kfd, &next_key)))
			return err;
	} while (now_ns() - t0 < min_ns / 4);
	for (k = 0; k < batches; k++) {
		double el;
		uint64_t calls = 0;

		t0 = now_ns();
		do {
			if ((err = api_batch(op, ub, kfd, &next_key)))
				return err;
			calls += N_OPS;
		} while ((el = now_ns() - t0) < min_ns);
		per_batch[k] = el / (double)calls;
	}
	*out = summarize(per_batch, batches);
	return 0;
}

/* ==== Ring buffer consumers ==== */

struct consumer {
	pthread_t thread;
	atomic_bool stop;
	atomic_uint_fast64_t records;
	struct userbpf_ringbuf *ub;
	struct ring_buffer *kernel;
};

static int count_record(void *ctx, void *data, size_t size)
{
	struct consumer *c = ctx;

	(void)data;
	(void)size;
	atomic_fetch_add_explicit(&c->records, 1, memory_order_relaxed);
	return 0;
}

/* Pin the calling thread to cpu (best effort: false if it cannot). */
static bool pin_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return false;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int producer_cpu = -1, consumer_cpu = -1;

/*
 * Programs (and the kernel's test runs) on the first allowed CPU, the
 * ring buffer consumer on the second: the scheduler then cannot put both
 * on one CPU, where a run's time would include the consumer's slices.
 */
static void choose_cpus(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (producer_cpu < 0)
			producer_cpu = cpu;
		else if (consumer_cpu < 0)
			consumer_cpu = cpu;
	}
	if (consumer_cpu < 0 || !pin_to(producer_cpu))
		producer_cpu = consumer_cpu = -1;
}

static void *consume(void *arg)
{
	struct consumer *c = arg;

	pin_to(consumer_cpu);

	while (!atomic_load(&c->stop)) {
		if (c->ub)
			userbpf_ringbuf__poll(c->ub, 10);
		else
			ring_buffer__poll(c->kernel, 10);
	}
	return NULL;
}

static int consumer_start(struct consumer *c, struct userbpf_map *ub, int kfd)
{
	memset(c, 0, sizeof(*c));
	atomic_init(&c->stop, false);
	atomic_init(&c->records, 0);
	if (ub)
		c->ub = userbpf_ringbuf__new(ub, count_record, c);
	else
		c->kernel = ring_buffer__new(kfd, count_record, c, NULL);
	if (!c->ub && !c->kernel)
		return -errno;
	if (pthread_create(&c->thread, NULL, consume, c)) {
		userbpf_ringbuf__free(c->ub);
		ring_buffer__free(c->kernel);
		return -EAGAIN;
	}
	return 0;
}

/* Stop, drain what is left; records consumed in total. */
static uint64_t consumer_stop(struct consumer *c)
{
	atomic_store(&c->stop, true);
	pthread_join(c->thread, NULL);
	if (c->ub) {
		userbpf_ringbuf__consume(c->ub);
		userbpf_ringbuf__free(c->ub);
	} else {
		ring_buffer__consume(c->kernel);
		ring_buffer__free(c->kernel);
	}
	return atomic_load(&c->records);
}

/* ==== One operation ==== */

struct result {
	struct timing api, ksys, prog, kernel; /* ns/op; < 0: not measured */
	uint64_t prog_retval, kernel_retval;
	uint64_t prog_records, prog_dropped, kernel_records, kernel_dropped;
	char kernel_why[256];
};

/* Measure prog (userbpf) or kernel side of op with runner r. */
static int measure_prog(const struct op *op, struct runner *r, struct userbpf_map *ub_map, int kfd,
			struct timing *ns_per_op, uint64_t *retval, uint64_t *records,
			uint64_t *dropped)
{
	struct consumer c;
	struct timing per_run;
	uint32_t rv = 0;
	int err;

	if (op->map_type == BPF_MAP_TYPE_RINGBUF && (err = consumer_start(&c, ub_map, kfd)))
		return err;
	err = time_runs(r, &per_run, &rv);
	if (op->map_type == BPF_MAP_TYPE_RINGBUF) {
		*records = consumer_stop(&c);
		*dropped = r->total_runs * N_OPS - *records;
	}
	if (err)
		return err;
	ns_per_op->best = per_run.best / N_OPS;
	ns_per_op->median = per_run.median / N_OPS;
	*retval = rv;
	return 0;
}

static int bench_op(const struct op *op, struct result *res)
{
	struct userbpf_map *ub_map;
	struct runner ur = { .run = run_userbpf, .kernel_fd = -1 };
	struct runner kr = { .run = run_kernel, .kernel_fd = -1 };
	int ub_map_fd, ub_prog_fd, kmap_fd = -1, err;

	memset(res, 0, sizeof(*res));
	res->api = res->ksys = res->prog = res->kernel = (struct timing){ -1, -1 };

	/* userbpf: map, prefill, program through the bpf() commands */
	ub_map_fd = ub_map_create(op);
	if (ub_map_fd < 0) {
		fprintf(stderr, "bench_maps %s: userbpf MAP_CREATE: %s\n", op->id, strerror(errno));
		return -1;
	}
	ub_map = userbpf_map_by_fd(ub_map_fd);
	if ((err = prefill(op, ub_update, ub_map))) {
		fprintf(stderr, "bench_maps %s: prefill: %s\n", op->id, strerror(-err));
		return -1;
	}
	ub_prog_fd = ub_prog_load(op, ub_map_fd);
	if (ub_prog_fd < 0)
		return -1;
	ur.ub_prog = userbpf_prog_by_fd(ub_prog_fd);

	if (op->api != API_NONE && (err = time_api(op, ub_map, -1, &res->api))) {
		fprintf(stderr, "bench_maps %s: api: %s\n", op->id, strerror(-err));
		return -1;
	}
	if ((err = measure_prog(op, &ur, ub_map, -1, &res->prog, &res->prog_retval,
				&res->prog_records, &res->prog_dropped))) {
		fprintf(stderr, "bench_maps %s: userbpf test run: %s\n", op->id, strerror(-err));
		return -1;
	}

	/* the kernel: same map attributes, same prefill, same instructions */
	kmap_fd = bpf_map_create(op->map_type, "bench_maps", op->key_size, op->value_size,
				 op->max_entries, NULL);
	if (kmap_fd < 0) {
		snprintf(res->kernel_why, sizeof(res->kernel_why), "MAP_CREATE: %s",
			 strerror(errno));
		goto out;
	}
	if ((err = prefill(op, k_update, (void *)(intptr_t)kmap_fd))) {
		snprintf(res->kernel_why, sizeof(res->kernel_why), "prefill: %s", strerror(-err));
		goto out;
	}
	kr.kernel_fd = k_prog_load(op, kmap_fd, res->kernel_why, sizeof(res->kernel_why));
	if (kr.kernel_fd < 0)
		goto out;
	if ((err = measure_prog(op, &kr, NULL, kmap_fd, &res->kernel, &res->kernel_retval,
				&res->kernel_records, &res->kernel_dropped))) {
		snprintf(res->kernel_why, sizeof(res->kernel_why), "PROG_TEST_RUN: %s",
			 strerror(-err));
		res->kernel = (struct timing){ -1, -1 };
		goto out;
	}
	if (op->api != API_NONE && (err = time_api(op, NULL, kmap_fd, &res->ksys)))
		res->ksys = (struct timing){ -1, -1 };
out:
	if (kr.kernel_fd >= 0)
		close(kr.kernel_fd);
	if (kmap_fd >= 0)
		close(kmap_fd);
	userbpf_close(ub_prog_fd);
	userbpf_close(ub_map_fd);
	return 0;
}

/* ==== Output ==== */

static void fmt_ns(char *buf, size_t sz, double v)
{
	if (v < 0)
		snprintf(buf, sz, "-");
	else
		snprintf(buf, sz, "%.2f", v);
}

static void json_num(const char *key, double v)
{
	if (v < 0)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%.3f", key, v);
}

/* "<key>": best, "<key>_median": median. */
static void json_timing(const char *key, struct timing t)
{
	char median[64];

	json_num(key, t.best);
	snprintf(median, sizeof(median), "%s_median", key);
	json_num(median, t.median);
}

/* Minimal JSON string escaping (verifier messages may hold quotes). */
static void json_str(const char *key, const char *s)
{
	printf(",\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int jit_enabled(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void print_row(const struct op *op, const struct result *r, bool json, int jit)
{
	double ratio = r->prog.best >= 0 && r->kernel.best > 0 ? r->prog.best / r->kernel.best : -1;
	bool ringbuf = op->map_type == BPF_MAP_TYPE_RINGBUF;
	char api[32], prog[32], kern[32], ksys[32], rat[32];

	if (json) {
		printf("{\"operation\":\"%s\",\"ops_per_run\":%d", op->id, N_OPS);
		json_timing("api_ns_per_op", r->api);
		json_timing("prog_ns_per_op", r->prog);
		json_timing("kernel_ns_per_op", r->kernel);
		json_num("ratio", ratio);
		json_timing("kernel_syscall_ns_per_op", r->ksys);
		printf(",\"kernel_jit\":%d", jit);
		if (ringbuf)
			printf(",\"prog_records\":%" PRIu64 ",\"prog_dropped\":%" PRIu64
			       ",\"kernel_records\":%" PRIu64 ",\"kernel_dropped\":%" PRIu64,
			       r->prog_records, r->prog_dropped, r->kernel_records,
			       r->kernel_dropped);
		if (r->kernel.best < 0)
			json_str("kernel_error", r->kernel_why);
		printf("}\n");
		return;
	}
	fmt_ns(api, sizeof(api), r->api.best);
	fmt_ns(prog, sizeof(prog), r->prog.best);
	fmt_ns(ksys, sizeof(ksys), r->ksys.best);
	if (r->kernel.best < 0)
		snprintf(kern, sizeof(kern), "n/a");
	else
		fmt_ns(kern, sizeof(kern), r->kernel.best);
	if (ratio < 0)
		snprintf(rat, sizeof(rat), "-");
	else
		snprintf(rat, sizeof(rat), "%.1fx", ratio);
	printf("%-24s %11s %11s %13s %8s %12s\n", op->name, api, prog, kern, rat, ksys);
	if (r->kernel.best < 0)
		printf("  kernel: n/a (%s)\n", r->kernel_why);
	if (ringbuf && r->kernel.best >= 0)
		printf("  records consumed/dropped: userbpf %" PRIu64 "/%" PRIu64
		       ", kernel %" PRIu64 "/%" PRIu64 "\n",
		       r->prog_records, r->prog_dropped, r->kernel_records, r->kernel_dropped);
	else if (ringbuf)
		printf("  records consumed/dropped: userbpf %" PRIu64 "/%" PRIu64 "\n",
		       r->prog_records, r->prog_dropped);
}

/* r0 must be the same on both sides, and what the program computes. */
static bool check_retvals(const struct op *op, const struct result *r)
{
	uint64_t want = op->sum_retval ? (uint32_t)expected_sum() : 0;

	if (op->map_type == BPF_MAP_TYPE_RINGBUF)
		return true; /* drops, reported */
	if (r->prog_retval != want) {
		fprintf(stderr, "bench_maps %s: userbpf r0 %" PRIu64 ", expected %" PRIu64 "\n",
			op->id, r->prog_retval, want);
		return false;
	}
	if (r->kernel.best >= 0 && r->kernel_retval != want) {
		fprintf(stderr, "bench_maps %s: kernel r0 %" PRIu64 ", expected %" PRIu64 "\n",
			op->id, r->kernel_retval, want);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	bool json = false, quick = false, only[sizeof(ops) / sizeof(ops[0])] = { 0 };
	struct utsname uts;
	int i, j, jit = jit_enabled(), failed = 0, selected = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
			continue;
		}
		for (j = 0; j < (int)(sizeof(ops) / sizeof(ops[0])); j++)
			if (!strcmp(argv[i], ops[j].id))
				break;
		if (j == (int)(sizeof(ops) / sizeof(ops[0]))) {
			fprintf(stderr,
				"usage: %s [--json] [--quick] [OPERATION...]\n"
				"operations:",
				argv[0]);
			for (j = 0; j < (int)(sizeof(ops) / sizeof(ops[0])); j++)
				fprintf(stderr, " %s", ops[j].id);
			fprintf(stderr, "\n");
			return 2;
		}
		only[j] = true;
		selected++;
	}
	if (quick) {
		batches = 2;
		min_ns = 2e7;
	}
	for (i = 0; i < (int)sizeof(packet); i++)
		packet[i] = (uint8_t)i;
	packet[12] = 0x08; /* IPv4 EtherType, for the look of it */
	packet[13] = 0x00;
	choose_cpus();
	if (!json) {
		if (uname(&uts))
			strcpy(uts.release, "?");
		printf("map operations, ns/op; prog = userbpf interpreter, %d calls per run; "
		       "kernel = Linux %s, BPF_PROG_TEST_RUN, jit %s\n",
		       N_OPS, uts.release,
		       jit == 1 ? "on" :
		       jit == 0 ? "off" :
				  "?");
		if (producer_cpu >= 0)
			printf("runs on cpu %d, ring buffer consumers on cpu %d; best of %d "
			       "batches of %.0f ms\n",
			       producer_cpu, consumer_cpu, batches, min_ns / 1e6);
		else
			printf("not pinned (one CPU); best of %d batches of %.0f ms\n", batches,
			       min_ns / 1e6);
		printf("%-24s %11s %11s %13s %8s %12s\n", "operation", "api ns/op", "prog ns/op",
		       "kernel ns/op", "ratio", "ksys ns/op");
	}
	for (i = 0; i < (int)(sizeof(ops) / sizeof(ops[0])); i++) {
		struct result r;

		if (selected && !only[i])
			continue;
		if (bench_op(&ops[i], &r)) {
			failed = 1;
			continue;
		}
		if (!check_retvals(&ops[i], &r))
			failed = 1;
		print_row(&ops[i], &r, json, jit);
		fflush(stdout);
	}
	if (!json)
		printf("ratio = prog / kernel; api = userbpf C API (syscall semantics), "
		       "ksys = the kernel's bpf() syscall for the same call\n");
	if (sink == 0x5a5a5a5a5a5a5a5aull)
		putchar(' '); /* keep sink alive */
	return failed;
}
