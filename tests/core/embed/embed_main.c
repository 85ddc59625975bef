/* SPDX-License-Identifier: MIT */
/*
 * embed_main.c - an embedder of the freestanding core (linked against
 * libuserbpf-core.a, not the hosted library): it installs a platform whose
 * allocator is a static arena (no libc allocator), reports CPU 2 of 4,
 * counts every call the core makes into it, and then does what a kernel
 * embedding userbpf does:
 *
 *   - opens a clang-compiled object from memory, loads it (maps created,
 *     programs verified, JIT-compiled on x86-64), runs a kprobe program
 *     on fake pt_regs, reads the hash, per-CPU array and .bss results,
 *     consumes the ring buffer, captures bpf_printk through the core's
 *     formatter, and runs a bpf_loop program on both engines;
 *   - loads further objects given on the command line (examples);
 *   - drives the bpf() command layer (map create/update/lookup, a program
 *     accepted and one rejected with the verifier's message);
 *   - checks that a second open/load/close cycle leaves the arena's live
 *     block count where the first one left it (no per-object leak).
 *
 * usage: core_embed FIXTURE.bpf.o [OBJECT.bpf.o ...] [--host-only OBJECT.bpf.o ...]
 * (objects after --host-only need a host-only map type or helper: load must fail
 * with EINVAL in the core)
 * Prints one line per check; exit status 0 when all pass.
 * tests/core/test_core.c runs it from the suite.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "userbpf/userbpf.h"
#include "userbpf/errno.h"
#include "userbpf/syscall.h"

static int checks, failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		checks++;                                                                          \
		if (cond) {                                                                        \
			printf("ok: ");                                                            \
		} else {                                                                           \
			failures++;                                                                \
			printf("FAIL (%s:%d): ", __FILE__, __LINE__);                              \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

/* ==== The platform ==== */

/*
 * A static arena with power-of-two size classes: the core's only memory.
 * Blocks carry their class in a 16-byte header; freed blocks go to their
 * class's list and are reused (zeroed) by the next allocation.
 */
#define ARENA_SIZE (512u << 20)
#define CLASSES 40
static unsigned char arena[ARENA_SIZE] __attribute__((aligned(4096)));
static size_t arena_top;
static void *free_list[CLASSES];
static long live_blocks, alloc_calls, free_calls;

static void *arena_alloc(size_t size, void *cookie)
{
	unsigned c = 5; /* 32 bytes at least */
	unsigned char *p;

	(void)cookie;
	while (((size_t)1 << c) < size + 16)
		c++;
	if (c >= CLASSES)
		return NULL;
	if (free_list[c]) {
		p = free_list[c];
		memcpy(&free_list[c], p + 16, sizeof(void *));
	} else {
		if (arena_top + ((size_t)1 << c) > ARENA_SIZE)
			return NULL;
		p = arena + arena_top;
		arena_top += (size_t)1 << c;
	}
	memset(p, 0, (size_t)1 << c);
	memcpy(p, &c, sizeof(c));
	live_blocks++;
	alloc_calls++;
	return p + 16;
}

static void arena_free(void *ptr, void *cookie)
{
	unsigned char *p = (unsigned char *)ptr - 16;
	unsigned c;

	(void)cookie;
	if (p < arena || p >= arena + ARENA_SIZE) {
		printf("FAIL: free of a pointer outside the arena\n");
		failures++;
		return;
	}
	memcpy(&c, p, sizeof(c));
	memcpy(p + 16, &free_list[c], sizeof(void *));
	free_list[c] = p;
	live_blocks--;
	free_calls++;
}

static long clock_calls, cpu_calls, copy_calls, log_calls, exec_calls, ring_calls;
static char last_log[512];

static uint64_t plat_clock(int id, void *cookie)
{
	struct timespec ts;

	(void)cookie;
	clock_calls++;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t plat_cpu_count(void *cookie)
{
	(void)cookie;
	return 4;
}

static uint32_t plat_cpu_id(void *cookie)
{
	(void)cookie;
	cpu_calls++;
	return 2;
}

static int plat_read(void *dst, const void *src, size_t n, void *cookie)
{
	(void)cookie;
	memcpy(dst, src, n);
	return 0;
}

static int plat_copy_from(void *dst, const void *src, size_t n, void *cookie)
{
	(void)cookie;
	copy_calls++;
	memcpy(dst, src, n);
	return 0;
}

static int plat_copy_to(void *dst, const void *src, size_t n, void *cookie)
{
	(void)cookie;
	copy_calls++;
	memcpy(dst, src, n);
	return 0;
}

static void plat_log(enum userbpf_print_level level, const char *msg, void *cookie)
{
	(void)level;
	(void)cookie;
	log_calls++;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

/* JIT memory: pages of the process, W^X through mprotect. */
static void *plat_exec_alloc(size_t size, void *cookie)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)cookie;
	exec_calls++;
	return p == MAP_FAILED ? NULL : p;
}

static int plat_exec_seal(void *p, size_t size, void *cookie)
{
	(void)cookie;
	return mprotect(p, size, PROT_READ | PROT_EXEC);
}

static void plat_exec_free(void *p, size_t size, void *cookie)
{
	(void)cookie;
	munmap(p, size);
}

/* The ring: head pages, then the data mapped twice (a memfd). */
static void *plat_ring_alloc(size_t head, size_t data, void **handle, void *cookie)
{
	int fd = memfd_create("core-embed-ring", MFD_CLOEXEC);
	unsigned char *r;

	(void)cookie;
	ring_calls++;
	if (fd < 0 || ftruncate(fd, (off_t)(head + data)))
		return NULL;
	r = mmap(NULL, head + 2 * data, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED ||
	    mmap(r, head + data, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0) ==
		    MAP_FAILED ||
	    mmap(r + head + data, data, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd,
		 (off_t)head) == MAP_FAILED)
		return NULL;
	*handle = (void *)(long)fd;
	return r;
}

static void plat_ring_free(void *r, size_t head, size_t data, void *handle, void *cookie)
{
	(void)cookie;
	munmap(r, head + 2 * data);
	close((int)(long)handle);
}

static const struct userbpf_platform platform = {
	.sz = sizeof(struct userbpf_platform),
	.alloc = arena_alloc,
	.free = arena_free,
	.clock_ns = plat_clock,
	.read_mem = plat_read,
	.exec_alloc = plat_exec_alloc,
	.exec_seal = plat_exec_seal,
	.exec_free = plat_exec_free,
	.cpu_count = plat_cpu_count,
	.cpu_id = plat_cpu_id,
	.log = plat_log,
	.copy_from_user = plat_copy_from,
	.copy_to_user = plat_copy_to,
	.ring_alloc = plat_ring_alloc,
	.ring_free = plat_ring_free,
	/* no pages_*, events, random, yield, task: the core's fallbacks */
};

/* ==== Files (the embedder's business, not the core's) ==== */

/* Slot 0 keeps the fixture; slot 1 is reused for each further object
 * (opened and closed before the next is read). */
static unsigned char *read_all(const char *path, size_t *size, int slot)
{
	static unsigned char bufs[2][4 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, bufs[slot], sizeof(bufs[slot]));
	close(fd);
	if (n <= 0 || (size_t)n == sizeof(bufs[slot]))
		return NULL;
	*size = (size_t)n;
	return bufs[slot];
}

/* ==== The fixture ==== */

struct pt_regs_x86 {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

static char trace[4][128];
static int trace_cnt;

static void on_trace(void *cookie, const char *line, size_t len)
{
	(void)cookie;
	if (trace_cnt < 4)
		snprintf(trace[trace_cnt++], sizeof(trace[0]), "%.*s", (int)len, line);
}

struct event {
	uint64_t arg, n;
};
static struct event events[16];
static int event_cnt;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size == sizeof(struct event) && event_cnt < 16)
		memcpy(&events[event_cnt++], data, size);
	return 0;
}

static int run_kprobe(struct userbpf_prog *prog, unsigned long arg, uint64_t *ret)
{
	struct pt_regs_x86 regs = { .di = arg };
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = &regs, .ctx_size = sizeof(regs),
		     .trace_fn = on_trace);

	return userbpf_prog__run(prog, &ro, ret);
}

static const unsigned long calls_seq[] = { 5, 7, 5, 5, 9 };

static void fixture(const unsigned char *buf, size_t size, bool check)
{
	struct userbpf_object *obj = userbpf_object__open_mem(buf, size, NULL);
	struct userbpf_prog *count, *loop;
	struct userbpf_map *calls, *total, *ring, *bss = NULL;
	struct userbpf_ringbuf *rb;
	uint64_t r0 = 0, v, key, percpu[4];
	size_t i;
	int err;

	if (!obj) {
		CHECK(0, "open_mem: errno %d", userbpf_errno());
		return;
	}
	err = userbpf_object__load(obj);
	CHECK(err == 0, "object loads in the core (%d: %s)", err, userbpf_object__errmsg(obj));
	if (err)
		goto out;
	count = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "count_calls"));
	loop = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "sum_loop"));
	calls = userbpf_object_map__map(userbpf_object__find_map_by_name(obj, "calls"));
	total = userbpf_object_map__map(userbpf_object__find_map_by_name(obj, "total"));
	ring = userbpf_object_map__map(userbpf_object__find_map_by_name(obj, "events"));
	{
		struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, ".bss");

		bss = m ? userbpf_object_map__map(m) : NULL;
	}
	CHECK(count && loop && calls && total && ring && bss, "programs and maps found");
	if (!(count && loop && calls && total && ring && bss))
		goto out;
	if (!check)
		goto out;
#if defined(__x86_64__)
	err = userbpf_prog__jit(count);
	CHECK(err == 0, "count_calls JIT-compiled through platform exec memory (%d %s)", err,
	      userbpf_prog__jit_error(count) ? userbpf_prog__jit_error(count) : "");
#endif
	for (i = 0; i < sizeof(calls_seq) / sizeof(calls_seq[0]); i++) {
		err = run_kprobe(count, calls_seq[i], &r0);
		if (err)
			break;
	}
	CHECK(err == 0 && r0 == 0, "count_calls ran 5 times (%d)", err);
	key = 5;
	CHECK(!userbpf_map__lookup_elem(calls, &key, &v, 0) && v == 3, "calls[5] == 3 (%llu)",
	      (unsigned long long)v);
	key = 7;
	CHECK(!userbpf_map__lookup_elem(calls, &key, &v, 0) && v == 1, "calls[7] == 1");
	key = 9;
	CHECK(!userbpf_map__lookup_elem(calls, &key, &v, 0) && v == 1, "calls[9] == 1");
	key = 6;
	CHECK(userbpf_map__lookup_elem(calls, &key, &v, 0) == -ENOENT, "calls[6]: -ENOENT");
	memset(percpu, 0xff, sizeof(percpu));
	i = 0;
	CHECK(!userbpf_map__lookup_elem(total, &i, percpu, 0) && percpu[0] == 0 && percpu[1] == 0 &&
		      percpu[2] == 5 && percpu[3] == 0,
	      "per-CPU total: 5 in the slot of the platform's CPU 2 of 4 (%llu %llu %llu %llu)",
	      (unsigned long long)percpu[0], (unsigned long long)percpu[1],
	      (unsigned long long)percpu[2], (unsigned long long)percpu[3]);
	{
		size_t sz = 0;
		uint64_t *p = userbpf_map__mmap_ptr(bss, &sz);

		CHECK(p && sz >= 8 && p[0] == 5,
		      ".bss total == 5 (mmapable array, pages fallback)");
	}
	CHECK(trace_cnt == 1 && !strcmp(trace[0], "first call: arg=5 hex=0x5"),
	      "bpf_printk through the core's formatter: \"%s\"", trace_cnt ? trace[0] : "");
	rb = userbpf_ringbuf__new(ring, on_event, NULL);
	CHECK(rb != NULL, "ring buffer consumer");
	if (rb) {
		int n = userbpf_ringbuf__consume(rb);
		bool same = n == 5;

		for (i = 0; same && i < 5; i++) {
			static const uint64_t want_n[] = { 1, 1, 2, 3, 1 };

			same = events[i].arg == calls_seq[i] && events[i].n == want_n[i];
		}
		CHECK(same, "ring buffer: 5 records {arg, n} in order (%d)", n);
		CHECK(userbpf_ringbuf__poll(rb, 0) == 0,
		      "ring buffer empty afterwards (no wakeup events)");
		userbpf_ringbuf__free(rb);
	}
	err = run_kprobe(loop, 8, &r0);
	CHECK(err == 0 && r0 == 168, "sum_loop (bpf_loop + .data) = 168 (%llu)",
	      (unsigned long long)r0);
	userbpf_prog__set_engine(loop, USERBPF_ENGINE_INTERP);
	err = run_kprobe(loop, 5, &r0);
	CHECK(err == 0 && r0 == 40, "sum_loop on the interpreter = 40 (%llu)",
	      (unsigned long long)r0);
out:
	userbpf_object__close(obj);
}

/* ==== The bpf() command layer ==== */

static void bpf_commands(void)
{
	union bpf_attr a;
	struct bpf_insn good[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 42 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	/* r0 = *(u64 *)(r10 + 8): above the frame */
	struct bpf_insn bad[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 0, .src_reg = 10, .off = 8 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[1024] = "";
	uint32_t k = 1;
	uint64_t val = 0x1234, out = 0;
	long before = copy_calls;
	int map_fd, fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	map_fd = userbpf_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	CHECK(map_fd >= 0, "bpf(MAP_CREATE) = %d", map_fd);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)&val;
	CHECK(userbpf_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) == 0, "bpf(MAP_UPDATE_ELEM)");
	a.value = (uint64_t)(uintptr_t)&out;
	CHECK(userbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) == 0 && out == 0x1234,
	      "bpf(MAP_LOOKUP_ELEM) reads it back");
	k = 4;
	CHECK(userbpf_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) == -1 && userbpf_errno() == ENOENT,
	      "bpf(MAP_LOOKUP_ELEM) out of range: ENOENT (errno %d)", userbpf_errno());

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insns = (uint64_t)(uintptr_t)good;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)"GPL";
	fd = userbpf_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	CHECK(fd >= 0, "bpf(PROG_LOAD) accepts r0 = 42 (%d)", fd);
	a.insns = (uint64_t)(uintptr_t)bad;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = userbpf_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	CHECK(fd == -1 && userbpf_errno() == EACCES && strstr(log, "invalid"),
	      "bpf(PROG_LOAD) rejects an out-of-frame read: EACCES, log \"%.*s\"",
	      (int)strcspn(log, "\n"), log);
	/* attrs (6), keys (3), the update's value, the instructions and
	 * licenses (2 + 2) in; the lookup's value, the log and the loads'
	 * log_true_size (2) out */
	CHECK(copy_calls - before == 18,
	      "6 commands: attrs, keys, values, instructions, licenses and the log copied "
	      "through the platform (%ld)",
	      copy_calls - before);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 4;
	fd = userbpf_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	CHECK(fd == -1 && userbpf_errno() == EINVAL,
	      "bpf(MAP_CREATE) of a host-only type (perf event array): EINVAL (%d, errno %d)", fd,
	      userbpf_errno());
}

int main(int argc, char **argv)
{
	unsigned char *buf;
	size_t size = 0;
	long live_first;
	bool host_only = false;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURE.bpf.o [OBJECT.bpf.o ...]\n", argv[0]);
		return 2;
	}
	CHECK(userbpf_set_platform(&platform) == 0, "platform installed");
	buf = read_all(argv[1], &size, 0);
	CHECK(buf != NULL, "fixture %s read", argv[1]);
	if (!buf)
		return 1;
	fixture(buf, size, true);
	live_first = live_blocks;
	fixture(buf, size, false);
	CHECK(live_blocks == live_first,
	      "a second open/load/close leaves %ld live arena blocks "
	      "(%ld after the first)",
	      live_blocks, live_first);
	for (i = 2; i < argc; i++) {
		struct userbpf_object *obj;
		int err;

		if (!strcmp(argv[i], "--host-only")) {
			host_only = true;
			continue;
		}
		buf = read_all(argv[i], &size, 1);
		obj = buf ? userbpf_object__open_mem(buf, size, NULL) : NULL;
		err = obj ? userbpf_object__load(obj) : -1000;
		if (host_only)
			CHECK(err == -EINVAL,
			      "%s (host-only map type or helper) fails in the core: %s", argv[i],
			      obj ? userbpf_object__errmsg(obj) : "not opened");
		else
			CHECK(err == 0, "%s loads in the core (%d%s%s)", argv[i], err,
			      obj ? " " : "", obj ? userbpf_object__errmsg(obj) : "not opened");
		userbpf_object__close(obj);
	}
	bpf_commands();
	CHECK(alloc_calls > 0 && clock_calls >= 0 && cpu_calls > 0 && ring_calls > 0,
	      "platform used: %ld allocations, %ld frees, %ld clock, %ld cpu id, %ld exec, "
	      "%ld ring, %ld log calls; arena high water %zu KiB",
	      alloc_calls, free_calls, clock_calls, cpu_calls, exec_calls, ring_calls, log_calls,
	      arena_top >> 10);
	printf("core-embed: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
