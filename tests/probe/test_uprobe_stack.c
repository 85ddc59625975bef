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
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
static __attribute__((noinline)) int direct_run(struct userbpf_prog *prog,
						struct userbpf_run_opts *ro, uint64_t *r0)
{
	int err = userbpf_prog__run(prog, ro, r0);

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
	{
		uint64_t regs[21] = { 0 }, r0;
		USERBPF_OPTS(userbpf_run_opts, ro, .ctx = regs, .ctx_size = sizeof(regs));

		ASSERT_EQ(direct_run(pe, &ro, &r0), 0);
	}
	seen(obj, 0, &s);
	ASSERT_TRUE(s.len >= 8);
	ASSERT_TRUE(s.ips[0] > (uint64_t)(uintptr_t)direct_run &&
		    s.ips[0] < (uint64_t)(uintptr_t)direct_run + 256);
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

/*
 * A syscall tracepoint: the stack of the thread at its syscall (ip after
 * the syscall instruction, then the frame-pointer chain), in a child (the
 * syscall hook stays in the process that attached it).  The syscall is
 * made in libustksys.so (syscalls of the mapping holding userbpf are never
 * trapped).  Reports the two first frames, their expected values, the
 * length and whether stackid stored the same frames.
 */
static void sys_child(int fd)
{
	struct userbpf_object *obj = probe_fixture_open("ustack");
	uint64_t out[7] = { 0 };
	struct userbpf_link *l;
	char path[512];
	void *h;
	long (*top)(void);

	snprintf(path, sizeof(path), "%s/probe/libustksys.so", test_build_dir());
	h = dlopen(path, RTLD_NOW);
	top = h ? (long (*)(void))dlsym(h, "usys_top") : NULL;
	if (obj && top) {
		struct userbpf_prog *p = userbpf_program__prog(
			userbpf_object__find_program_by_name(obj, "on_syscall"));
		long ppid = getppid(); /* before: the record is the last call's */

		l = userbpf_probe__attach_syscall(p, "syscalls/sys_enter_getppid", NULL);
		if (l && top() == ppid) {
			struct userbpf_map *seen_m = userbpf_object_map__map(
				userbpf_object__find_map_by_name(obj, "seen"));
			struct userbpf_map *stk_m = userbpf_object_map__map(
				userbpf_object__find_map_by_name(obj, "stacks"));
			uint64_t ips[8] = { 0 };
			struct ustack s;
			uint32_t k = 2, id;

			userbpf_map__lookup_elem(seen_m, &k, &s, 0);
			id = (uint32_t)s.id;
			userbpf_map__lookup_elem(stk_m, &id, ips, 0);
			out[0] = s.ips[0];
			out[1] = s.ips[1];
			out[2] = (uint64_t)s.len;
			out[3] = s.id >= 0 && ips[0] == s.ips[0] && ips[1] == s.ips[1];
			out[4] = (uint64_t)(uintptr_t)dlsym(h, "usys_after");
			out[5] = (uint64_t)(uintptr_t)dlsym(h, "usys_top_ret");
			out[6] = 1;
		}
	}
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(syscall_tp_user_stack)
{
	uint64_t v[7];
	char path[512];

	snprintf(path, sizeof(path), "%s/probe/ustack.bpf.o", test_build_dir());
	if (access(path, R_OK)) {
		test_skip("%s missing (clang?)", path);
		return;
	}
	ASSERT_EQ(probe_fixture_child(sys_child, v, sizeof(v)), 0);
	ASSERT_EQ(v[6], 1); /* attached, and the syscall ran */
	ASSERT_EQ(v[0], v[4]);
	ASSERT_EQ(v[1], v[5]);
	ASSERT_TRUE(v[2] >= 16 && v[2] <= 64);
	ASSERT_EQ(v[3], 1);
}
