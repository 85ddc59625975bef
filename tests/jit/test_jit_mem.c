/* SPDX-License-Identifier: MIT */
/*
 * test_jit_mem.c - the hosted JIT code arena (util/exec_arena_posix.c):
 * images are packed into double-mapped chunks (no mapping both writable
 * and executable), freed units are reused, the mmap + mprotect fallback
 * still works, and a forked child never shares writable code with its
 * parent.  Results against the interpreter are in test_jit.c
 * (jit_generated_programs_match_interpreter runs in the arena,
 * jit_mmap_fallback_programs_match_interpreter without it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jit/jit_int.h"
#include "util/platform_int.h"
#include "../unit/test.h"
#include "userbpf/userbpf.h"

#if defined(__x86_64__)
#define HAVE_JIT 1
#else
#define HAVE_JIT 0
#endif

/* r0 = v, after pad filler instructions (r1 += 1), compiled natively. */
static struct userbpf_prog *const_prog(int32_t v, unsigned pad)
{
	struct userbpf_insn insns[256];
	struct userbpf_prog *p;
	unsigned i, n = 0;

	insns[n++] = (struct userbpf_insn){ .code = 0xb7, .dst_reg = 1 }; /* r1 = 0 */
	for (i = 0; i < pad && n < 250; i++)
		insns[n++] = (struct userbpf_insn){ .code = 0x07, .dst_reg = 1, .imm = 1 };
	insns[n++] = (struct userbpf_insn){ .code = 0xb7, .imm = v };	  /* r0 = v */
	insns[n++] = (struct userbpf_insn){ .code = 0x0f, .src_reg = 1 }; /* r0 += r1 */
	insns[n++] = (struct userbpf_insn){ .code = 0x95 };		  /* exit */
	p = userbpf_prog__new(insns, n, NULL);
	if (p && userbpf_prog__jit(p)) {
		userbpf_prog__free(p);
		return NULL;
	}
	return p;
}

static uint64_t run(const struct userbpf_prog *p)
{
	USERBPF_OPTS(userbpf_run_opts, o, .flags = USERBPF_RUN_UNCHECKED);
	uint64_t r0 = ~0ull;

	if (userbpf_prog__run(p, &o, &r0))
		return ~1ull;
	return r0;
}

/* Permissions of the mapping holding addr ("r-xs"...), or "" if none,
 * and its inode; *rwx counts mappings writable and executable at once. */
static unsigned long maps_scan_ino(const void *addr, char perms_out[8], int *rwx)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long ino = 0;

	perms_out[0] = 0;
	*rwx = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off, in;
		char perms[8], dev[16];

		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &lo, &hi, perms, &off, dev, &in) != 6)
			continue;
		if (perms[1] == 'w' && perms[2] == 'x')
			(*rwx)++;
		if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			memcpy(perms_out, perms, 8);
			ino = in;
		}
	}
	fclose(f);
	return ino;
}

static void maps_scan(const void *addr, char perms_out[8], int *rwx)
{
	maps_scan_ino(addr, perms_out, rwx);
}

/*
 * Eight small programs share pages of one double-mapped chunk: each runs
 * from a read + execute shared view, none is writable and executable.
 */
TEST(jit_arena_packs_images_write_xor_execute)
{
	struct userbpf_prog *p[8];
	char perms[8];
	int i, rwx, shared_page = 0;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	for (i = 0; i < 8; i++) {
		p[i] = const_prog(100 + i, 2);
		ASSERT_TRUE(p[i] != NULL);
	}
	if (p[0]->jit->mem.rx == p[0]->jit->mem.rw) {
		test_skip("no memfd code arena here (fallback mmap + mprotect)");
		goto out;
	}
	for (i = 0; i < 8; i++) {
		const struct jit_image *img = p[i]->jit;
		int j;

		ASSERT_EQ(run(p[i]), (uint64_t)(100 + i + 2));
		ASSERT_TRUE(img->mem.size % 64 == 0 && img->mem.size < 4096);
		maps_scan(img->code, perms, &rwx);
		ASSERT_STREQ(perms, "r-xs");
		ASSERT_EQ(rwx, 0);
		maps_scan(img->mem.rw, perms, &rwx);
		ASSERT_STREQ(perms, "rw-s");
		for (j = 0; j < i; j++)
			if (((uintptr_t)p[j]->jit->code >> 12) == ((uintptr_t)img->code >> 12))
				shared_page = 1;
	}
	ASSERT_TRUE(shared_page);
out:
	for (i = 0; i < 8; i++)
		userbpf_prog__free(p[i]);
}

/*
 * A freed image's units go to the next image of the same size (first
 * fit), which then runs its own code; the fallback gives whole pages.
 */
TEST(jit_arena_reuses_freed_units)
{
	struct userbpf_prog *a, *b;
	const void *where;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	a = const_prog(7, 40);
	ASSERT_TRUE(a != NULL);
	ASSERT_EQ(run(a), 47);
	if (a->jit->mem.rx == a->jit->mem.rw) {
		userbpf_prog__free(a);
		test_skip("no memfd code arena here");
		return;
	}
	where = a->jit->code;
	userbpf_prog__free(a);
	b = const_prog(9, 40);
	ASSERT_TRUE(b != NULL);
	ASSERT_TRUE(b->jit->code == where);
	ASSERT_EQ(run(b), 49);
	userbpf_prog__free(b);

	ub_exec_arena_off = true;
	a = const_prog(11, 3);
	ub_exec_arena_off = false;
	ASSERT_TRUE(a != NULL);
	ASSERT_TRUE(a->jit->mem.rx == a->jit->mem.rw);
	ASSERT_TRUE(((uintptr_t)a->jit->code & 4095) == 0 && a->jit->mem.size == 4096);
	ASSERT_EQ(run(a), 14);
	userbpf_prog__free(a);
}

/*
 * fork(): each side frees its copy of an image and compiles another one
 * of the same size while the other side still runs the old image.  With
 * shared chunks the new image would take the freed units and one side
 * would run the other's code; frozen chunks keep both right.
 */
TEST(jit_arena_fork_keeps_code_private)
{
	struct userbpf_prog *a, *keep;
	int to_child[2], to_parent[2], st;
	char c = 0;
	pid_t pid;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	a = const_prog(1000, 60);
	keep = const_prog(2000, 60);
	ASSERT_TRUE(a && keep);
	ASSERT_OK(pipe(to_child));
	ASSERT_OK(pipe(to_parent));
	fflush(NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		/* child: wait until the parent replaced a, then run a and keep */
		struct userbpf_prog *b;
		int bad = 0;

		close(to_child[1]);
		close(to_parent[0]);
		if (read(to_child[0], &c, 1) != 1)
			_exit(10);
		if (run(a) != 1060 || run(keep) != 2060)
			bad |= 1;
		if (keep->jit->mem.rx != keep->jit->mem.rw) {
			/* the child has no write view of the shared chunk (its
			 * address may hold a new chunk's: another memfd) */
			char perms[8];
			int rwx;
			unsigned long ino = maps_scan_ino(keep->jit->code, perms, &rwx);

			if (!ino || maps_scan_ino(keep->jit->mem.rw, perms, &rwx) == ino || rwx)
				bad |= 16;
		}
		/* and replace keep here: the parent's keep must not change */
		userbpf_prog__free(keep);
		b = const_prog(3000, 60);
		if (!b || run(b) != 3060)
			bad |= 2;
		if (write(to_parent[1], "x", 1) != 1)
			bad |= 4;
		if (read(to_child[0], &c, 1) != 1)
			bad |= 8;
		userbpf_prog__free(b);
		userbpf_prog__free(a);
		_exit(bad);
	}
	{
		struct userbpf_prog *b;
		const void *where = a->jit->code;

		close(to_child[0]);
		close(to_parent[1]);
		userbpf_prog__free(a);
		b = const_prog(4000, 60);
		ASSERT_TRUE(b != NULL);
		if (b->jit->mem.rx != b->jit->mem.rw) {
			char perms[8];
			int rwx;
			unsigned long ino;

			/* not the units a had: the chunk is frozen */
			ASSERT_TRUE(b->jit->code != where);
			ino = maps_scan_ino(keep->jit->code, perms, &rwx);
			ASSERT_TRUE(ino != 0);
			ASSERT_TRUE(maps_scan_ino(b->jit->code, perms, &rwx) != ino);
			ASSERT_EQ(rwx, 0);
		}
		ASSERT_EQ(run(b), 4060);
		ASSERT_EQ(write(to_child[1], "x", 1), 1);
		if (read(to_parent[0], &c, 1) != 1) {
			waitpid(pid, &st, 0);
			test_fail(__FILE__, __LINE__, "child ended early: status 0x%x", st);
			return;
		}
		ASSERT_EQ(run(keep), 2060); /* the child's new image is not here */
		ASSERT_EQ(run(b), 4060);
		ASSERT_EQ(write(to_child[1], "x", 1), 1);
		ASSERT_EQ(waitpid(pid, &st, 0), pid);
		ASSERT_TRUE(WIFEXITED(st));
		ASSERT_EQ(WEXITSTATUS(st), 0);
		userbpf_prog__free(b);
		userbpf_prog__free(keep);
	}
	close(to_child[1]);
	close(to_parent[0]);
}

static volatile int compile_stop;

/* Compile, run and free programs until told to stop: errors counted. */
static void *compile_loop(void *arg)
{
	long *bad = arg;
	int i;

	for (i = 0; !compile_stop || i < 200; i++) {
		struct userbpf_prog *p = const_prog(i & 1023, (unsigned)(i % 50));

		if (!p || run(p) != (uint64_t)((i & 1023) + i % 50))
			(*bad)++;
		userbpf_prog__free(p);
	}
	return NULL;
}

/*
 * GCC 12's AddressSanitizer allocator is not fork-safe: a child forked
 * while another thread allocates may wait forever on its lock.  There the
 * child runs an image compiled before the fork instead of compiling one.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_MAY_ALLOCATE 0
#else
#define CHILD_MAY_ALLOCATE 1
#endif

/*
 * fork() while another thread compiles into the arena: the parent keeps
 * the write view its thread is writing through, and every image it
 * compiles, before and after each fork, runs right.
 */
TEST(jit_arena_fork_while_compiling)
{
	struct userbpf_prog *before;
	pthread_t t;
	long bad = 0;
	int i, st;

#if !HAVE_JIT
	test_skip("no JIT back end for this machine");
	return;
#endif
	before = const_prog(5, 5);
	ASSERT_TRUE(before != NULL);
	ASSERT_EQ(run(before), 10); /* this thread's run state exists before the forks */
	compile_stop = 0;
	ASSERT_OK(pthread_create(&t, NULL, compile_loop, &bad));
	for (i = 0; i < 30; i++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		ASSERT_TRUE(pid >= 0);
		if (pid == 0) {
			struct userbpf_prog *p = CHILD_MAY_ALLOCATE ? const_prog(5, 5) : before;

			_exit(p && run(p) == 10 ? 0 : 1);
		}
		ASSERT_EQ(waitpid(pid, &st, 0), pid);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	compile_stop = 1;
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(bad, 0);
	userbpf_prog__free(before);
}
