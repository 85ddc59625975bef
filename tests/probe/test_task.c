/* SPDX-License-Identifier: MIT */
/*
 * test_task.c - bpf_get_current_task from a probe allocates nothing on
 * the run path: the task_struct layout and the per-thread images are made
 * when the program is attached (helpers/task_struct.c, ub_task_prepare),
 * so a thread's first call, inside whatever code the probe interrupted,
 * only fills memory that is ready.  Counted with a platform allocator (in
 * a forked child: the allocator is the process's).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/map.h"
#include "userbpf/platform.h"
#include "userbpf/probe.h"
#include "userbpf/progs.h"
#include "userbpf/vm.h"

static _Atomic unsigned long n_allocs;

static void *count_alloc(size_t size, void *cookie)
{
	(void)cookie;
	atomic_fetch_add(&n_allocs, 1);
	return calloc(1, size);
}

static void count_free(void *p, void *cookie)
{
	(void)cookie;
	free(p);
}

int probe_task_target(int x);
__attribute__((noinline, noipa)) int probe_task_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

static void *thread_fn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		probe_task_target(i);
	return NULL;
}

/* map[0] += (bpf_get_current_task() != NULL) */
static void child(int fd)
{
	struct userbpf_platform pl = { .sz = sizeof(pl), .alloc = count_alloc, .free = count_free };
	struct userbpf_map *map;
	struct userbpf_prog *prog;
	struct userbpf_link *l;
	uint64_t out[3] = { 0 }, v = 0;
	uint32_t k = 0;
	unsigned long before;
	pthread_t t;

	userbpf_set_platform(&pl);
	map = userbpf_map__create(USERBPF_MAP_TYPE_ARRAY, "task", 4, 8, 1, NULL);
	struct userbpf_insn p[] = {
		USERBPF_CALL_HELPER(35),
		USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 8),
		USERBPF_ST_MEM(USERBPF_W, 10, -4, 0),
		USERBPF_LD_IMM64_RAW(1, USERBPF_PSEUDO_MAP_FD, 0),
		USERBPF_MOV64_REG(2, 10),
		USERBPF_ALU64_IMM(USERBPF_ADD, 2, -4),
		USERBPF_CALL_HELPER(1),
		USERBPF_JMP_IMM(USERBPF_JEQ, 0, 0, 2),
		USERBPF_MOV64_IMM(1, 1),
		USERBPF_ATOMIC_OP(USERBPF_DW, USERBPF_ADD, 0, 1, 0),
		USERBPF_MOV64_IMM(0, 0),
		USERBPF_EXIT_INSN(),
	};
	USERBPF_OPTS(userbpf_prog_opts, po, .ld_imm64 = probe_fixture_map_imm,
		     .ld_imm64_cookie = map, .prog_type = USERBPF_PROG_TYPE_KPROBE, .name = "task");

	prog = map ? userbpf_prog__new(p, sizeof(p) / sizeof(p[0]), &po) : NULL;
	l = prog ? userbpf_probe__attach_uprobe(prog, NULL, "probe_task_target", 0, false, NULL) :
		   NULL;
	if (!l)
		out[2] = (uint64_t)errno;
	before = atomic_load(&n_allocs);
	if (!pthread_create(&t, NULL, thread_fn, NULL))
		pthread_join(t, NULL);
	probe_task_target(7); /* and the main thread's first call */
	out[0] = atomic_load(&n_allocs) - before;
	userbpf_map__lookup_elem(map, &k, &v, 0);
	out[1] = v;
	probe_fixture_report(fd, out, sizeof(out));
}

TEST(task_current_no_alloc_in_probe)
{
	uint64_t v[3];

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		test_skip("no kernel BTF to lay task_struct out by");
		return;
	}
	ASSERT_EQ(probe_fixture_child(child, v, sizeof(v)), 0);
	ASSERT_EQ(v[2], 0); /* attach errno */
	ASSERT_EQ(v[1], 4); /* a task each of the 4 hits */
	ASSERT_EQ(v[0], 0); /* and not one allocation on their path */
}
