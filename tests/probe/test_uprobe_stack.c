/* SPDX-License-Identifier: MIT */
/*
 * test_uprobe_stack.c - user stacks in uprobe and uretprobe programs
 * (bpf_get_stack, bpf_get_stackid with BPF_F_USER_STACK) are the probed
 * thread's, as Linux's perf_callchain_user gives them: the probed ip, at
 * a function's entry the return address at sp (Linux 6.12+), then the
 * frame-pointer chain; never userbpf's own frames (the helper, the JIT
 * image), on both engines.
 *
 * The probed functions are assembly with frame pointers, so the expected
 * return addresses are labels.
 */
#include <string.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/jit.h"
#include "userbpf/map.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

long ustk_leaf(long a);
long ustk_top(long a);
extern const char ustk_mid_ret[], ustk_top_ret[];

__asm__(".text\n"
	".globl ustk_leaf\n.type ustk_leaf,@function\n"
	"ustk_leaf:\n push %rbp\n mov %rsp,%rbp\n lea 1(%rdi),%rax\n pop %rbp\n ret\n"
	".size ustk_leaf,.-ustk_leaf\n"
	".globl ustk_mid\n.type ustk_mid,@function\n"
	"ustk_mid:\n push %rbp\n mov %rsp,%rbp\n call ustk_leaf\n"
	".globl ustk_mid_ret\nustk_mid_ret:\n pop %rbp\n ret\n"
	".size ustk_mid,.-ustk_mid\n"
	".globl ustk_top\n.type ustk_top,@function\n"
	"ustk_top:\n push %rbp\n mov %rsp,%rbp\n call ustk_mid\n"
	".globl ustk_top_ret\nustk_top_ret:\n pop %rbp\n ret\n"
	".size ustk_top,.-ustk_top\n");

static long (*volatile call_top)(long) = ustk_top;

struct ustack {
	uint64_t ips[8];
	int64_t len, id;
};

static void seen(struct userbpf_object *obj, uint32_t k, struct ustack *out)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, "seen");

	memset(out, 0, sizeof(*out));
	ASSERT_TRUE(m != NULL);
	ASSERT_EQ(userbpf_map__lookup_elem(userbpf_object_map__map(m), &k, out, 0), 0);
}

/* The stack stackid stored equals the one get_stack returned. */
static void check_stackid(struct userbpf_object *obj, const struct ustack *s)
{
	struct userbpf_object_map *m = userbpf_object__find_map_by_name(obj, "stacks");
	uint32_t id = (uint32_t)s->id;
	uint64_t ips[8];

	ASSERT_TRUE(s->id >= 0);
	ASSERT_EQ(userbpf_map__lookup_elem(userbpf_object_map__map(m), &id, ips, 0), 0);
	ASSERT_EQ(ips[0], s->ips[0]);
	ASSERT_EQ(ips[1], s->ips[1]);
	ASSERT_EQ(ips[2], s->ips[2]);
}

static void run_on(enum userbpf_engine engine)
{
	struct userbpf_object *obj = probe_fixture_open("ustack");
	struct userbpf_prog *pe, *pr;
	struct userbpf_link *le, *lr;
	struct ustack s;

	if (!obj)
		return;
	pe = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "on_entry"));
	pr = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "on_return"));
	ASSERT_TRUE(pe && pr);
	ASSERT_EQ(userbpf_prog__set_engine(pe, engine), 0);
	ASSERT_EQ(userbpf_prog__set_engine(pr, engine), 0);
	le = userbpf_probe__attach_uprobe(pe, NULL, "ustk_leaf", 0, false, NULL);
	lr = userbpf_probe__attach_uprobe(pr, NULL, "ustk_leaf", 0, true, NULL);
	ASSERT_TRUE(le && lr);
	ASSERT_EQ(call_top(41), 42);
	userbpf_link__destroy(le);
	userbpf_link__destroy(lr);

	/* entry: leaf itself, then its caller (from sp: rbp not yet
	 * pushed), then the caller's caller (frame-pointer chain) */
	seen(obj, 0, &s);
	ASSERT_TRUE(s.len >= 24);
	ASSERT_EQ(s.ips[0], (uint64_t)(uintptr_t)ustk_leaf);
	ASSERT_EQ(s.ips[1], (uint64_t)(uintptr_t)ustk_mid_ret);
	ASSERT_EQ(s.ips[2], (uint64_t)(uintptr_t)ustk_top_ret);
	check_stackid(obj, &s);
	/* return: at the return address in mid, then top */
	seen(obj, 1, &s);
	ASSERT_TRUE(s.len >= 16);
	ASSERT_EQ(s.ips[0], (uint64_t)(uintptr_t)ustk_mid_ret);
	ASSERT_EQ(s.ips[1], (uint64_t)(uintptr_t)ustk_top_ret);
	userbpf_object__close(obj);
}

TEST(uprobe_user_stack_jit)
{
	run_on(USERBPF_ENGINE_JIT);
}

TEST(uprobe_user_stack_interp)
{
	run_on(USERBPF_ENGINE_INTERP);
}

/* A run called directly (no probe): the stack starts in the function that
 * called userbpf_prog__run, on both engines (the unwinder cannot pass a JIT
 * image; the run's caller is known all the same). */
static __attribute__((noinline)) int direct_run(struct userbpf_prog *prog)
{
	uint64_t regs[21] = { 0 }, r0;
	USERBPF_OPTS(userbpf_run_opts, ro, .ctx = regs, .ctx_size = sizeof(regs));
	int err = userbpf_prog__run(prog, &ro, &r0);

	__asm__ volatile("" ::: "memory"); /* not a tail call */
	return err;
}

static void direct_on(enum userbpf_engine engine)
{
	struct userbpf_object *obj = probe_fixture_open("ustack");
	struct userbpf_prog *pe;
	struct ustack s;

	if (!obj)
		return;
	pe = userbpf_program__prog(userbpf_object__find_program_by_name(obj, "on_entry"));
	ASSERT_TRUE(pe != NULL);
	ASSERT_EQ(userbpf_prog__set_engine(pe, engine), 0);
	ASSERT_EQ(direct_run(pe), 0);
	seen(obj, 0, &s);
	ASSERT_TRUE(s.len >= 8);
	ASSERT_TRUE(s.ips[0] > (uint64_t)(uintptr_t)direct_run &&
		    s.ips[0] < (uint64_t)(uintptr_t)direct_run + 512);
	userbpf_object__close(obj);
}

TEST(direct_run_user_stack_jit)
{
	direct_on(USERBPF_ENGINE_JIT);
}

TEST(direct_run_user_stack_interp)
{
	direct_on(USERBPF_ENGINE_INTERP);
}
