/* SPDX-License-Identifier: MIT */
/*
 * test_uprobe.c - in-process uprobes and uretprobes: symbol resolution,
 * the pt_regs context (arguments, return value, ip), both mechanisms
 * (trampoline and breakpoint), relocation of displaced instructions
 * (RIP-relative operand, conditional branch, call), recursion, and
 * attach/detach while eight threads call the probed function (exact
 * counts for the links attached throughout).
 *
 * The probed functions are written in assembly so that their first bytes
 * are known whatever the compiler does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
#include "userbpf/map.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

long probe_t_sum(long a, long b); /* push rbp; mov rbp,rsp; lea; pop; ret */
long probe_t_riprel(long a);	  /* mov rax,[rip+x]; add rax,rdi; ret */
long probe_t_jcc(long a);	  /* test; je; ... (a == 0 ? -1 : a + 1) */
long probe_t_call(long a);	  /* call probe_t_double; ... */
long probe_t_thread(long a, long b);
long probe_t_short(long a); /* mov rax,rdi; ret: 4 bytes */
long probe_t_rec(long n);
long probe_t_value = 1000;

__asm__(".text\n"
	".globl probe_t_sum\n.type probe_t_sum,@function\n"
	"probe_t_sum:\n push %rbp\n mov %rsp,%rbp\n lea (%rdi,%rsi),%rax\n pop %rbp\n ret\n"
	".size probe_t_sum,.-probe_t_sum\n"
	".globl probe_t_thread\n.type probe_t_thread,@function\n"
	"probe_t_thread:\n push %rbp\n mov %rsp,%rbp\n lea (%rdi,%rsi),%rax\n pop %rbp\n ret\n"
	".size probe_t_thread,.-probe_t_thread\n"
	".globl probe_t_riprel\n.type probe_t_riprel,@function\n"
	"probe_t_riprel:\n mov probe_t_value(%rip),%rax\n add %rdi,%rax\n ret\n"
	".size probe_t_riprel,.-probe_t_riprel\n"
	".globl probe_t_jcc\n.type probe_t_jcc,@function\n"
	"probe_t_jcc:\n test %rdi,%rdi\n je 1f\n lea 1(%rdi),%rax\n ret\n"
	"1:\n mov $-1,%rax\n ret\n"
	".size probe_t_jcc,.-probe_t_jcc\n"
	".type probe_t_double,@function\n"
	"probe_t_double:\n lea (%rdi,%rdi),%rax\n ret\n"
	".size probe_t_double,.-probe_t_double\n"
	".globl probe_t_call\n.type probe_t_call,@function\n"
	"probe_t_call:\n call probe_t_double\n add $3,%rax\n ret\n"
	".size probe_t_call,.-probe_t_call\n"
	".globl probe_t_short\n.type probe_t_short,@function\n"
	"probe_t_short:\n mov %rdi,%rax\n ret\n"
	".size probe_t_short,.-probe_t_short\n");

/* A recursion the compiler cannot turn into a loop. */
__attribute__((noinline, noipa)) long probe_t_rec(long n)
{
	long r;

	if (n <= 0)
		return 0;
	r = probe_t_rec(n - 1);
	__asm__ volatile("" : "+r"(r));
	return r + n;
}

/* The same functions called through volatile pointers, so that the calls
 * are real calls at every optimisation level. */
static long (*volatile call_sum)(long, long) = probe_t_sum;
static long (*volatile call_thread)(long, long) = probe_t_thread;

/* ==== A program that records what it sees ==== */

/* Map keys: hits, PT_REGS_PARM1, PT_REGS_RC, ip, sp, sum of RC */
enum { K_HITS, K_DI, K_AX, K_IP, K_SP, K_AXSUM, K_CNT };

/* store ctx field at OFF into key K */
#define STORE(K, OFF)                                                                              \
	PROBE_FIXTURE_LOOKUP(K, 2), USERBPF_LDX_MEM(USERBPF_DW, 1, 6, OFF),                        \
		USERBPF_STX_MEM(USERBPF_DW, 0, 1, 0)

static struct userbpf_prog *recorder(struct userbpf_map **mapp)
{
	struct userbpf_map *map =
		userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "rec", 4, 8, K_CNT, NULL);
	struct userbpf_insn p[] = {
		USERBPF_MOV64_REG(6, 1),
		PROBE_FIXTURE_LOOKUP(K_HITS, 2),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		STORE(K_DI, 112),
		STORE(K_AX, 80),
		STORE(K_IP, 128),
		STORE(K_SP, 152),
		PROBE_FIXTURE_LOOKUP(K_AXSUM, 2),
		USERBPF_LDX_MEM(USERBPF_DW, 1, 6, 80),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_KPROBE,
		     .name = "recorder");
	struct userbpf_prog *prog;

	if (!map)
		return NULL;
	prog = userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po);
	if (!prog) {
		userbpf_map__put(map);
		return NULL;
	}
	*mapp = map;
	return prog;
}

static uint64_t rec_get(struct userbpf_map *map, uint32_t key)
{
	uint64_t v = 0;

	userbpf_map__lookup_elem(map, &key, &v, 0);
	return v;
}

static void rec_clear(struct userbpf_map *map)
{
	uint64_t zero = 0;
	uint32_t k;

	for (k = 0; k < K_CNT; k++)
		userbpf_map__update_elem(map, &k, &zero, 0);
}

/* ==== Tests ==== */

TEST(uprobe_resolve)
{
	char err[256];
	uint64_t addr = 0;

	ASSERT_OK(userbpf_probe__resolve(NULL, "probe_t_sum", 0, &addr, err, sizeof(err)));
	ASSERT_EQ(addr, (uintptr_t)probe_t_sum);
	ASSERT_OK(userbpf_probe__resolve(NULL, "probe_t_sum", 4, &addr, err, sizeof(err)));
	ASSERT_EQ(addr, (uintptr_t)probe_t_sum + 4);
	ASSERT_OK(userbpf_probe__resolve("/proc/self/exe", "probe_t_jcc", 0, &addr, err,
					 sizeof(err)));
	ASSERT_EQ(addr, (uintptr_t)probe_t_jcc);
	/* a libc function, through .dynsym */
	ASSERT_OK(userbpf_probe__resolve(NULL, "getpid", 0, &addr, err, sizeof(err)));
	ASSERT_EQ(addr, (uintptr_t)getpid);
	ASSERT_ERR(userbpf_probe__resolve(NULL, "no_such_function_xyz", 0, &addr, err, sizeof(err)),
		   -ENOENT);
	ASSERT_STREQ(err, "no function symbol 'no_such_function_xyz' in this process");
	ASSERT_ERR(userbpf_probe__resolve("/no/such/lib.so", "f", 0, &addr, err, sizeof(err)),
		   -ENOENT);
	ASSERT_CONTAINS(err, "cannot open '/no/such/lib.so'");
}

TEST(uprobe_missing_symbol_message)
{
	struct userbpf_map *map = NULL;
	struct userbpf_prog *prog = recorder(&map);
	char err[256] = "";
	USERBPF_OPTS(userbpf_uprobe_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	ASSERT_TRUE(prog);
	errno = 0;
	ASSERT_TRUE(
		!userbpf_probe__attach_uprobe(prog, NULL, "no_such_function_xyz", 0, false, &o));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STREQ(err, "no function symbol 'no_such_function_xyz' in this process");
	ASSERT_TRUE(!userbpf_probe__attach_uprobe(prog, NULL, "probe_t_sum", 4, true, &o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_CONTAINS(err, "return probe needs a function entry");
	/* the trampoline cannot replace 5 bytes of a 5-byte function ending in ret */
	ASSERT_TRUE(!userbpf_probe__attach_uprobe(
		prog, NULL, "probe_t_short", 0, false,
		&(struct userbpf_uprobe_opts){ .sz = sizeof(o),
					       .err_buf = err,
					       .err_buf_sz = sizeof(err),
					       .mode = USERBPF_PROBE_TRAMPOLINE }));
	ASSERT_EQ(errno, EOPNOTSUPP);
	ASSERT_CONTAINS(err, "cannot probe probe_t_short+0x0: the function ends after 4 bytes");
	userbpf_prog__put(prog);
	userbpf_map__put(map);
}

static void entry_args(int mode, const char *func, long (*fn)(long, long), int want_mode)
{
	struct userbpf_map *map = NULL;
	struct userbpf_prog *prog = recorder(&map);
	USERBPF_OPTS(userbpf_uprobe_opts, o, .mode = (uint32_t)mode);
	struct userbpf_link *link;

	ASSERT_TRUE(prog);
	link = userbpf_probe__attach_uprobe(prog, NULL, func, 0, false, &o);
	ASSERT_TRUE(link);
	ASSERT_EQ(userbpf_link__mode(link), want_mode);
	ASSERT_EQ(fn(3, 4), 7);
	ASSERT_EQ(rec_get(map, K_HITS), 1);
	ASSERT_EQ(rec_get(map, K_DI), 3);
	ASSERT_EQ(rec_get(map, K_IP), (uintptr_t)fn);
	ASSERT_EQ(fn(10, 20), 30);
	ASSERT_EQ(rec_get(map, K_HITS), 2);
	ASSERT_EQ(rec_get(map, K_DI), 10);
	ASSERT_EQ(userbpf_link__hits(link), 2);
	ASSERT_OK(userbpf_link__destroy(link));
	/* detached: the function still works, the program no longer runs */
	ASSERT_EQ(fn(1, 1), 2);
	ASSERT_EQ(rec_get(map, K_HITS), 2);
	userbpf_prog__put(prog);
	userbpf_map__put(map);
}

TEST(uprobe_entry_trampoline)
{
	entry_args(USERBPF_PROBE_TRAMPOLINE, "probe_t_sum", call_sum, USERBPF_PROBE_TRAMPOLINE);
}

long probe_t_bp(long a, long b);
__asm__(".globl probe_t_bp\n.type probe_t_bp,@function\n"
	"probe_t_bp:\n push %rbp\n mov %rsp,%rbp\n lea (%rdi,%rsi),%rax\n pop %rbp\n ret\n"
	".size probe_t_bp,.-probe_t_bp\n");
static long (*volatile call_bp)(long, long) = probe_t_bp;

TEST(uprobe_entry_breakpoint)
{
	entry_args(USERBPF_PROBE_BREAKPOINT, "probe_t_bp", call_bp, USERBPF_PROBE_BREAKPOINT);
}

/* A function too short for a jump: AUTO falls back to a breakpoint. */
TEST(uprobe_auto_falls_back_to_breakpoint)
{
	struct userbpf_map *map = NULL;
	struct userbpf_prog *prog = recorder(&map);
	struct userbpf_link *link;
	long (*volatile fn)(long) = probe_t_short;

	ASSERT_TRUE(prog);
	link = userbpf_probe__attach_uprobe(prog, NULL, "probe_t_short", 0, false, NULL);
	ASSERT_TRUE(link);
	ASSERT_EQ(userbpf_link__mode(link), USERBPF_PROBE_BREAKPOINT);
	ASSERT_EQ(fn(41), 41);
	ASSERT_EQ(rec_get(map, K_HITS), 1);
	ASSERT_EQ(rec_get(map, K_DI), 41);
	userbpf_link__destroy(link);
	userbpf_prog__put(prog);
	userbpf_map__put(map);
}

/* Displaced instructions that need relocation, each mode. */
TEST(uprobe_relocation)
{
	static const int modes[] = { USERBPF_PROBE_TRAMPOLINE, USERBPF_PROBE_BREAKPOINT };
	struct userbpf_map *map = NULL;
	struct userbpf_prog *prog = recorder(&map);
	long (*volatile riprel)(long) = probe_t_riprel;
	long (*volatile jcc)(long) = probe_t_jcc;
	long (*volatile callf)(long) = probe_t_call;
	const char *names[] = { "probe_t_riprel", "probe_t_jcc", "probe_t_call" };
	size_t m, i;

	ASSERT_TRUE(prog);
	/* the first mode patches; the site then keeps its mode */
	for (m = 0; m < 1; m++) {
		struct userbpf_link *links[3];

		for (i = 0; i < 3; i++) {
			USERBPF_OPTS(userbpf_uprobe_opts, o, .mode = (uint32_t)modes[m]);

			links[i] = userbpf_probe__attach_uprobe(prog, NULL, names[i], 0, false, &o);
			ASSERT_TRUE(links[i]);
			ASSERT_EQ(userbpf_link__mode(links[i]), modes[m]);
		}
		rec_clear(map);
		ASSERT_EQ(riprel(5), 1005);
		ASSERT_EQ(jcc(0), -1);
		ASSERT_EQ(jcc(6), 7);
		ASSERT_EQ(callf(4), 11);
		ASSERT_EQ(rec_get(map, K_HITS), 4);
		for (i = 0; i < 3; i++)
			userbpf_link__destroy(links[i]);
	}
	userbpf_prog__put(prog);
	userbpf_map__put(map);
}

TEST(uretprobe_value_and_recursion)
{
	struct userbpf_map *emap = NULL, *rmap = NULL;
	struct userbpf_prog *eprog = recorder(&emap), *rprog = recorder(&rmap);
	struct userbpf_link *e, *r;
	long (*volatile rec)(long) = probe_t_rec;
	uint64_t want = 0;
	long n;

	ASSERT_TRUE(eprog && rprog);
	e = userbpf_probe__attach_uprobe(eprog, NULL, "probe_t_rec", 0, false, NULL);
	r = userbpf_probe__attach_uprobe(rprog, NULL, "probe_t_rec", 0, true, NULL);
	ASSERT_TRUE(e && r);
	ASSERT_EQ(rec(10), 55);
	/* 11 calls (10..0); returns see 0, 1, 3, 6 ... 55 */
	ASSERT_EQ(rec_get(emap, K_HITS), 11);
	ASSERT_EQ(rec_get(rmap, K_HITS), 11);
	for (n = 0; n <= 10; n++)
		want += (uint64_t)(n * (n + 1) / 2);
	ASSERT_EQ(rec_get(rmap, K_AXSUM), want);
	ASSERT_EQ(rec_get(rmap, K_AX), 55); /* the outermost return is last */
	/* the return probe sees the caller's address as ip */
	ASSERT_TRUE(rec_get(rmap, K_IP) != (uintptr_t)probe_t_rec);
	userbpf_link__destroy(r);
	ASSERT_EQ(rec(3), 6);
	ASSERT_EQ(rec_get(rmap, K_HITS), 11);
	ASSERT_EQ(rec_get(emap, K_HITS), 15);
	userbpf_link__destroy(e);
	userbpf_prog__put(eprog);
	userbpf_prog__put(rprog);
	userbpf_map__put(emap);
	userbpf_map__put(rmap);
}

/* ==== Threads ==== */

#define THREADS 8
#define CALLS 20000
#define ROUNDS 3

static atomic_int thread_bad;
static atomic_long thread_calls;

static atomic_int callers_stop;

static void *caller(void *arg)
{
	long id = (long)(intptr_t)arg, i = 0;

	while (i < CALLS || !atomic_load_explicit(&callers_stop, memory_order_relaxed)) {
		if (call_thread(id, i) != id + i)
			atomic_fetch_add(&thread_bad, 1);
		atomic_fetch_add_explicit(&thread_calls, 1, memory_order_relaxed);
		i++;
	}
	return NULL;
}

/*
 * Links attached for the whole run count every call exactly; links
 * attached and detached meanwhile (entry and return, both at the same
 * site) never disturb the callers.
 */
TEST(uprobe_threads_attach_detach)
{
	struct userbpf_map *emap = NULL, *rmap = NULL, *tmap = NULL;
	struct userbpf_prog *eprog = recorder(&emap), *rprog = recorder(&rmap),
			    *tprog = recorder(&tmap);
	struct userbpf_link *e, *r;
	pthread_t th[THREADS];
	long i, rounds = 0;
	uint64_t transient;

	ASSERT_TRUE(eprog && rprog && tprog);
	e = userbpf_probe__attach_uprobe(eprog, NULL, "probe_t_thread", 0, false, NULL);
	r = userbpf_probe__attach_uprobe(rprog, NULL, "probe_t_thread", 0, true, NULL);
	ASSERT_TRUE(e && r);
	atomic_store(&thread_bad, 0);
	atomic_store(&thread_calls, 0);
	for (i = 0; i < THREADS; i++)
		ASSERT_OK(pthread_create(&th[i], NULL, caller, (void *)(intptr_t)i));
	atomic_store(&callers_stop, 0);
	while (rounds < ROUNDS) {
		struct userbpf_link *a, *b;

		/* by address: no symbol lookup, more rounds */
		a = userbpf_probe__attach_uprobe(tprog, NULL, NULL, (uintptr_t)probe_t_thread,
						 false, NULL);
		b = userbpf_probe__attach_uprobe(tprog, NULL, NULL, (uintptr_t)probe_t_thread, true,
						 NULL);
		if (!a || !b) {
			test_fail(__FILE__, __LINE__, "attach failed: errno %d", errno);
			break;
		}
		sched_yield();
		userbpf_link__destroy(a);
		userbpf_link__destroy(b);
		rounds++;
	}
	atomic_store(&callers_stop, 1);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	ASSERT_EQ(atomic_load(&thread_bad), 0);
	ASSERT_EQ(rec_get(emap, K_HITS), atomic_load(&thread_calls));
	ASSERT_EQ(rec_get(rmap, K_HITS), atomic_load(&thread_calls));
	ASSERT_EQ(userbpf_link__misses(e), 0);
	ASSERT_EQ(rounds, ROUNDS);
	transient = rec_get(tmap, K_HITS);
	ASSERT_TRUE(transient <= 2ull * (uint64_t)atomic_load(&thread_calls));
	if (test_verbose())
		printf("  %ld attach/detach rounds, %llu transient hits\n", rounds,
		       (unsigned long long)transient);
	userbpf_link__destroy(e);
	userbpf_link__destroy(r);
	userbpf_prog__put(eprog);
	userbpf_prog__put(rprog);
	userbpf_prog__put(tprog);
	userbpf_map__put(emap);
	userbpf_map__put(rmap);
	userbpf_map__put(tmap);
}

long probe_t_patch(long a, long b);
__asm__(".globl probe_t_patch\n.type probe_t_patch,@function\n"
	"probe_t_patch:\n push %rbp\n mov %rsp,%rbp\n lea (%rdi,%rsi),%rax\n pop %rbp\n ret\n"
	".size probe_t_patch,.-probe_t_patch\n");
static long (*volatile call_patch)(long, long) = probe_t_patch;
static atomic_int patch_stop;

static void *patch_caller(void *arg)
{
	long id = (long)(intptr_t)arg, i = 0;

	while (!atomic_load_explicit(&patch_stop, memory_order_relaxed)) {
		if (call_patch(id, i) != id + i)
			atomic_fetch_add(&thread_bad, 1);
		atomic_fetch_add_explicit(&thread_calls, 1, memory_order_relaxed);
		i++;
	}
	return NULL;
}

/* The first attach patches the code while threads run it: no call breaks,
 * and every call made after attach returned is counted. */
TEST(uprobe_threads_patch_live)
{
	struct userbpf_map *map = NULL;
	struct userbpf_prog *prog = recorder(&map);
	struct userbpf_link *link;
	pthread_t th[THREADS];
	long before, after, end, i;
	uint64_t hits;

	ASSERT_TRUE(prog);
	atomic_store(&thread_bad, 0);
	atomic_store(&thread_calls, 0);
	atomic_store(&patch_stop, 0);
	for (i = 0; i < THREADS; i++)
		ASSERT_OK(pthread_create(&th[i], NULL, patch_caller, (void *)(intptr_t)i));
	while (atomic_load(&thread_calls) < 10000)
		sched_yield();
	before = atomic_load(&thread_calls);
	link = userbpf_probe__attach_uprobe(prog, NULL, "probe_t_patch", 0, false, NULL);
	after = atomic_load(&thread_calls);
	while (atomic_load(&thread_calls) < after + 50000)
		sched_yield();
	atomic_store(&patch_stop, 1);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	end = atomic_load(&thread_calls);
	ASSERT_TRUE(link);
	hits = rec_get(map, K_HITS);
	ASSERT_EQ(atomic_load(&thread_bad), 0);
	/* calls counted after the call returned are at most in flight: one per thread */
	ASSERT_TRUE(hits + THREADS >= (uint64_t)(end - after));
	ASSERT_TRUE(hits <= (uint64_t)(end - before) + THREADS);
	userbpf_link__destroy(link);
	userbpf_prog__put(prog);
	userbpf_map__put(map);
}

/*
 * The race of a live patch: a thread stopped between two instructions of
 * the bytes the jump replaces.  probe_t_midN(a, b) returns b + 2a with a
 * loop whose body is its first 6 bytes (inc %esi; inc %esi; dec %edi;
 * jnz back to the entry, which a jump may replace), so a spinning thread
 * is at offset 2 or 4 (inside the jump) half the time.  Each copy is
 * patched once while MID_THREADS threads spin in it; the stop-the-world
 * pass must move the ones inside to the trampoline.  In a child: without
 * the pass (USERBPF_TEST_NO_STOP_PASS=1) the child crashes or computes
 * wrong sums, and the test fails.
 */
#define MID_FUNCS 12
#define MID_THREADS 4
#define MID_ITERS 2000
__asm__(".irp n,0,1,2,3,4,5,6,7,8,9,10,11\n"
	".globl probe_t_mid\\n\n.type probe_t_mid\\n,@function\n"
	"probe_t_mid\\n:\n inc %esi\n inc %esi\n dec %edi\n jnz probe_t_mid\\n\n"
	" mov %esi,%eax\n ret\n.size probe_t_mid\\n,.-probe_t_mid\\n\n.endr\n");
long probe_t_mid0(long, long), probe_t_mid1(long, long), probe_t_mid2(long, long),
	probe_t_mid3(long, long), probe_t_mid4(long, long), probe_t_mid5(long, long),
	probe_t_mid6(long, long), probe_t_mid7(long, long), probe_t_mid8(long, long),
	probe_t_mid9(long, long), probe_t_mid10(long, long), probe_t_mid11(long, long);
static long (*const mid_fns[MID_FUNCS])(long, long) = {
	probe_t_mid0, probe_t_mid1, probe_t_mid2, probe_t_mid3, probe_t_mid4,  probe_t_mid5,
	probe_t_mid6, probe_t_mid7, probe_t_mid8, probe_t_mid9, probe_t_mid10, probe_t_mid11,
};
static long (*volatile mid_fn)(long, long);
static atomic_int mid_stop;
static atomic_long mid_calls, mid_bad;

static void *mid_spinner(void *arg)
{
	long i = 0;

	(void)arg;
	while (!atomic_load_explicit(&mid_stop, memory_order_relaxed)) {
		if (mid_fn(MID_ITERS, i) != i + 2 * MID_ITERS)
			atomic_fetch_add(&mid_bad, 1);
		atomic_fetch_add_explicit(&mid_calls, 1, memory_order_relaxed);
		i++;
	}
	return NULL;
}

struct mid_result {
	long cycles, bad, moved;
	uint64_t hits;
};

static void mid_child(int fd)
{
	USERBPF_OPTS(userbpf_uprobe_opts, o, .mode = USERBPF_PROBE_TRAMPOLINE);
	struct mid_result r = { 0 };
	struct userbpf_map *map = NULL;
	struct userbpf_prog *prog = recorder(&map);
	pthread_t th[MID_THREADS];
	unsigned long moved0 = atomic_load(&probe_arch_stop_moved);
	int k, i;

	if (getenv("USERBPF_TEST_NO_STOP_PASS"))
		probe_arch_stop_pass = false;
	if (!prog)
		_exit(4);
	for (k = 0; k < MID_FUNCS; k++) {
		struct userbpf_link *link;
		char name[32];
		long calls;

		mid_fn = mid_fns[k];
		atomic_store(&mid_stop, 0);
		atomic_store(&mid_calls, 0);
		for (i = 0; i < MID_THREADS; i++)
			if (pthread_create(&th[i], NULL, mid_spinner, NULL))
				_exit(5);
		while (atomic_load(&mid_calls) < 20 * MID_THREADS)
			sched_yield();
		snprintf(name, sizeof(name), "probe_t_mid%d", k);
		link = userbpf_probe__attach_uprobe(prog, NULL, name, 0, false, &o);
		if (!link)
			_exit(6);
		calls = atomic_load(&mid_calls);
		while (atomic_load(&mid_calls) < calls + 2 * MID_THREADS)
			sched_yield();
		atomic_store(&mid_stop, 1);
		for (i = 0; i < MID_THREADS; i++)
			pthread_join(th[i], NULL);
		userbpf_link__destroy(link);
		r.cycles++;
	}
	r.bad = atomic_load(&mid_bad);
	r.moved = (long)(atomic_load(&probe_arch_stop_moved) - moved0);
	r.hits = rec_get(map, K_HITS);
	userbpf_prog__put(prog);
	userbpf_map__put(map);
	probe_fixture_report(fd, &r, sizeof(r));
}

TEST(uprobe_patch_threads_inside_range)
{
	struct mid_result r;

	ASSERT_EQ(probe_fixture_child(mid_child, &r, sizeof(r)), 0); /* no crash */
	ASSERT_EQ(r.cycles, MID_FUNCS);
	ASSERT_EQ(r.bad, 0);
	/* each loop iteration after a patch ran the program: 2 calls a thread at least */
	ASSERT_TRUE(r.hits >= (uint64_t)MID_FUNCS * 2 * MID_ITERS);
	/* the case the test is about did happen (1 in 2^48 that it did not) */
	ASSERT_TRUE(r.moved > 0);
	if (test_verbose())
		printf("  %ld patches, %ld threads moved out of the replaced bytes\n", r.cycles,
		       r.moved);
}

long probe_t_fault(long a);
__asm__(".globl probe_t_fault\n.type probe_t_fault,@function\n"
	"probe_t_fault:\n push %rbp\n mov %rsp,%rbp\n lea 2(%rdi),%rax\n pop %rbp\n ret\n"
	".size probe_t_fault,.-probe_t_fault\n");

/* A program that faults (checked run, read past its context) is stopped
 * and the function keeps working. */
TEST(uprobe_faulting_program_detached)
{
	struct userbpf_insn p[] = {
		USERBPF_LDX_MEM(USERBPF_DW, 0, 1, 4096),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .prog_type = USERBPF_PROG_TYPE_KPROBE);
	struct userbpf_prog *prog = userbpf_prog__new(p, 2, &po);
	long (*volatile fn)(long) = probe_t_fault;
	struct userbpf_link *link;

	ASSERT_TRUE(prog);
	link = userbpf_probe__attach_uprobe(prog, NULL, "probe_t_fault", 0, false, NULL);
	ASSERT_TRUE(link);
	ASSERT_EQ(fn(1), 3);
	ASSERT_EQ(fn(2), 4);
	ASSERT_EQ(userbpf_link__hits(link), 0);
	ASSERT_EQ(userbpf_link__misses(link), 1); /* the second call ran nothing */
	userbpf_link__destroy(link);
	userbpf_prog__put(prog);
}

/*
 * What each trampoline preserves (struct save_kind in x86_64_tramp.c): at
 * a function's entry xmm0-7 (the float arguments), inside a function
 * xmm0-15 and the flags.  The probe runs a hook that clobbers all of them;
 * the probed code must not notice.
 */
double probe_t_fp(double a, double b, double c, double d, double e, double f, double g, double h);
long probe_t_flags(long a, long b); /* a < b ? 1 : 0, flags and xmm8 live at +8 */
__asm__(".text\n"
	".globl probe_t_fp\n.type probe_t_fp,@function\n"
	"probe_t_fp:\n addsd %xmm1,%xmm0\n addsd %xmm2,%xmm0\n addsd %xmm3,%xmm0\n"
	" addsd %xmm4,%xmm0\n addsd %xmm5,%xmm0\n addsd %xmm6,%xmm0\n addsd %xmm7,%xmm0\n"
	" ret\n"
	".size probe_t_fp,.-probe_t_fp\n"
	".globl probe_t_flags\n.type probe_t_flags,@function\n"
	"probe_t_flags:\n pxor %xmm8,%xmm8\n cmp %rsi,%rdi\n mov $0,%eax\n movq %xmm8,%rdx\n"
	" setl %al\n add %rdx,%rax\n ret\n"
	".size probe_t_flags,.-probe_t_flags\n");

static _Atomic int clobber_hits;

static void clobber_hook(struct probe_pt_regs *regs)
{
	(void)regs;
	atomic_fetch_add(&clobber_hits, 1);
	__asm__ volatile("pxor %%xmm0,%%xmm0\n pcmpeqd %%xmm1,%%xmm1\n pcmpeqd %%xmm2,%%xmm2\n"
			 "pcmpeqd %%xmm3,%%xmm3\n pcmpeqd %%xmm4,%%xmm4\n pcmpeqd %%xmm5,%%xmm5\n"
			 "pcmpeqd %%xmm6,%%xmm6\n pcmpeqd %%xmm7,%%xmm7\n pcmpeqd %%xmm8,%%xmm8\n"
			 "xor %%eax,%%eax\n" ::
				 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
				   "xmm8", "rax", "cc");
}

TEST(uprobe_trampoline_preserves_fp_and_flags)
{
	double (*volatile fp)(double, double, double, double, double, double, double, double) =
		probe_t_fp;
	long (*volatile fl)(long, long) = probe_t_flags;

	ASSERT_EQ(fl(1, 2), 1);
	ASSERT_TRUE(probe_native_uprobe(NULL, "probe_t_fp", clobber_hook));
	ASSERT_TRUE(fp(1, 2, 3, 4, 5, 6, 7, 8) == 36.0);
	ASSERT_EQ(atomic_load(&clobber_hits), 1);
	/* after pxor (5 bytes) and cmp (3): inside the function */
	ASSERT_TRUE(probe_native_uprobe_at((uint64_t)(uintptr_t)probe_t_flags + 8, clobber_hook));
	ASSERT_EQ(fl(1, 2), 1);
	ASSERT_EQ(fl(3, 2), 0);
	ASSERT_EQ(atomic_load(&clobber_hits), 3);
}
