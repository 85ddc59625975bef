/* SPDX-License-Identifier: MIT */
/*
 * test_arena.c - the domain's arena under "userbpf launch": what members
 * SIGKILLed held comes back, every byte (tests/launch/apps/darena.c); run
 * statistics leave a program's user stack alone (dstack.c); the arena's
 * tables grow, also when a member is killed growing one (dgrow.c).  Run as
 * the unprivileged user as test_launch.c runs its applications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/test.h"

/* "userbpf launch --domain NAME -- build/launch/APP ARGS" as nobody (when
 * root) in a fresh TMPDIR, removed afterwards: its stdout in out, its
 * wait status; -1 (skipped) when the application was not built. */
static int launch_app(const char *domain, const char *app, const char *args, char *out,
		      size_t out_sz)
{
	const char *b = test_build_dir();
	const char *drop = getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " :
					   "";
	char tmp[128], cmd[2048];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/launch/%s", b, app);
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return -1;
	}
	if (getuid() == 0 && access("/usr/bin/setpriv", X_OK)) {
		test_skip("running as root without setpriv to drop privileges");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/arena_test_%d_XXXXXX", (int)getpid());
	if (!mkdtemp(tmp)) {
		test_skip("no temporary directory");
		return -1;
	}
	chmod(tmp, 01777);
	snprintf(cmd, sizeof(cmd), "TMPDIR=%s %s%s/userbpf launch --domain %s -- %s/launch/%s %s",
		 tmp, drop, b, domain, b, app, args);
	p = popen(cmd, "r");
	out[0] = '\0';
	while (p && n + 1 < out_sz) {
		size_t got = fread(out + n, 1, out_sz - 1 - n, p);

		if (!got)
			break;
		n += got;
	}
	out[n] = '\0';
	st = p ? pclose(p) : -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		st = -2;
	return st;
}

/*
 * Seven members killed one after the other, each holding: its own
 * programs (JIT images in the code area), maps (a ring buffer among
 * them) and BTF; 2,500 per-process copies of another member's BTF
 * object (5,000 private blocks, past the old ledger's 2,048); a 2 MiB
 * BTF object (a private block past the old 1 MiB limit); a handle table
 * of 4,096; link objects and probe sites.  After each is reaped, the
 * arena's heap in use, its code area in use and its private blocks are
 * the same figures as after the second (before: the heap grew by about
 * 7 MB per cycle); the reaping closed none of the reaper's descriptors
 * (a ring buffer's memfd was closed by number in whichever process freed
 * the ring: 3 of them).
 */
TEST(launch_domain_killed_member_every_byte_back)
{
	char out[1024];
	int st = launch_app("ar", "darena", "cycles 7", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "each victim held: heap over 4 MiB yes, code pages yes, private blocks "
			  "over 5000 yes\n"
			  "after cycles 3-7, differences from cycle 2: heap 0 bytes, code area 0 "
			  "bytes, private blocks 0\n"
			  "descriptors of this process closed by the reaping: 0\n");
}

/*
 * Members killed in the middle of loading a big program (400,000
 * instructions, JIT-compiled at load; "darena loadkill 6"): at each phase
 * of a load, where the loader stops itself (verified, registered, JIT
 * code being written, sealed, published, and holding the domain's lock
 * in the allocation of a block of a megabyte or more), then at six delays from a
 * tenth to one and a half loads.  What a load allocates is private to
 * the member until the program is registered, and a JIT compilation's
 * image until the program holds it, so the reaper gives it back, or the
 * program goes with the member's use: the heap, the code area and the
 * private blocks after each reaping are those after the first.  Before,
 * a kill after the verification leaked 9-13 MB of the heap, one in the
 * JIT the image's code pages and buffers.  The program names a map: the
 * references the loads took on it come back too (the map goes when its
 * maker closes it); before, a kill before the registration kept it.  A
 * member killed holding the lock in an allocation has what it took freed
 * by the next owner of the lock; before, the block (3.2 MB: the program's
 * instructions) stayed, in about one run of this test in thirty.
 */
TEST(launch_domain_killed_mid_load_gives_back)
{
	char out[1024];
	int st = launch_app("lk", "darena", "loadkill 6", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "load phases the loaders stopped at: 6 of 6\n"
			  "their map listed after our descriptor closed: 0\n"
			  "loaders killed mid-load after the first: 12, differences from the "
			  "first: heap 0 bytes, code area 0 bytes, private blocks 0\n");
}

/*
 * A program is compiled at its load, inside the loader's JIT session,
 * never lazily at a run (darena lazyjit: the code area grows with the
 * load, not with ten runs here nor a run in another member): so there is
 * no compilation outside a session, where a member killed mid-compile
 * left the image's buffers and code pages to no one.  The lazy
 * compilation went with main's dc5ca0c (every program compiled at load
 * in a domain); this pins it.
 */
TEST(launch_domain_programs_never_compiled_lazily)
{
	char out[1024];
	int st = launch_app("lj", "darena", "lazyjit", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "code area grew at the load: yes\n"
			  "code area added by its runs here: 0 bytes, in another member: 0 "
			  "bytes\n");
}

/*
 * Ring buffers made and freed one after the other at sizes that change
 * (darena rings: 1 MiB, 256, 512, 64, 128 KiB, 1 MiB, ...), each filled
 * through a program and read back past its end (records read through
 * the data's second copy, an alias): a freed ring's run is taken by the
 * next ring whatever its size (its aliases recorded anew, the pages an
 * older alias showed elsewhere shown as themselves again), so the heap's
 * high-water mark stays the first ring's, and every record reads back
 * intact.  Before, a freed run was reused by a ring of its own size only:
 * the mark grew by 14 MB over these nine rings.
 */
TEST(launch_domain_ring_runs_reused_across_sizes)
{
	char out[1024];
	int st = launch_app("rg", "darena", "rings", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, "records read back intact at every size: yes\n"
			  "heap high-water mark after each ring past the first, above the "
			  "first's: 0 bytes\n");
}

/*
 * The user stack a program sees (bpf_get_stack, bpf_get_stackid with
 * BPF_F_USER_STACK) from a child's execve and from a test run is the same
 * with run statistics on as off (dstack): the statistics' wrapper around
 * runs showed as one frame more before.  The kernel is the oracle.
 */
static const char dstack_expect[] =
	"execve tracepoint: frames > 0, same with statistics on: yes, same stack id: yes\n"
	"test run: frames > 0, same with statistics on: yes, same stack id: yes\n";

TEST(launch_domain_user_stack_same_with_stats)
{
	char out[1024];
	int st = launch_app("st", "dstack", "", out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, dstack_expect);
}

TEST(launch_user_stack_same_with_stats_kernel_oracle)
{
	char cmd[512], out[1024];
	size_t n;
	FILE *p;
	int st;

	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/dstack", test_build_dir());
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/dstack 2>/dev/null", test_build_dir());
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		test_skip("the kernel refused dstack (exit %d)", WEXITSTATUS(st));
		return;
	}
	ASSERT_STREQ(out, dstack_expect);
}

/*
 * The arena's tables grow (tests/launch/apps/dgrow.c): each test goes
 * far past the fixed size they had (4096 objects, 4096 ledger uses, 256
 * pins, 512 attachments, 256 aliases, 1024 members).  The kernel is the
 * oracle where it has the same objects: the same binary as root prints
 * the same (but the arena's own figures).
 */

/* "userbpf launch --domain NAME -- dgrow ARGS": its output must be expect. */
static void dgrow_expect(const char *domain, const char *args, const char *expect)
{
	char out[2048];
	int st = launch_app(domain, "dgrow", args, out, sizeof(out));

	if (st == -1)
		return;
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	ASSERT_STREQ(out, expect);
}

/* dgrow ARGS on the kernel as root: its output must be expect (skipped
 * when not root or when the kernel refuses it). */
static void dgrow_kernel_oracle(const char *args, const char *expect)
{
	char cmd[512], out[2048];
	size_t n;
	FILE *p;
	int st;

	if (getuid() != 0) {
		test_skip("the kernel oracle needs root");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/dgrow", test_build_dir());
	if (access(cmd, X_OK)) {
		test_skip("%s missing (clang, bpftool, libbpf-dev?)", cmd);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/launch/dgrow %s 2>/dev/null", test_build_dir(), args);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		test_skip("the kernel refused dgrow %s (exit %d)", args, WEXITSTATUS(st));
		return;
	}
	ASSERT_STREQ(out, expect);
}

/* 6000 maps registered by two processes (3000 each: 6000 ledger uses),
 * every id listed once in increasing order by GET_NEXT_ID and opened by
 * id; the second process SIGKILLed, its 3000 go (reaped); ours closed,
 * none is left.  Before: the registry held 4096. */
static const char dgrow_maps_expect[] =
	"made here 3000, in a child 3000\n"
	"listed 6000, ids increasing: yes, ours listed: 3000, opened by id: 6000\n"
	"child killed: listed 3000, ours 3000\n"
	"all closed: listed 0\n";

TEST(launch_domain_registry_grows)
{
	dgrow_expect("gm", "maps 6000", dgrow_maps_expect);
}

TEST(launch_registry_grows_kernel_oracle)
{
	dgrow_kernel_oracle("maps 6000", dgrow_maps_expect);
}

/* 1000 pins of one map: each opens it, here and in another process;
 * pinning a path again is EEXIST; unlinked, the map goes.  Before: 256. */
static const char dgrow_pins_expect[] = "pinned 1000 of 1000\n"
					"pinning one again: EEXIST\n"
					"opened by path here: 1000 the same map\n"
					"opened by path in a child: 1000 the same map\n"
					"unlinked: 0 left, opening one: ENOENT\n"
					"the map after its pins went: listed 0\n";

TEST(launch_domain_pins_grow)
{
	dgrow_expect("gp", "pins 1000", dgrow_pins_expect);
}

TEST(launch_pins_grow_kernel_oracle)
{
	dgrow_kernel_oracle("pins 1000", dgrow_pins_expect);
}

/* 300 ring buffers live at once (an alias each), closed, 300 again: the
 * freed rings' runs and aliases are reused (the same heap in use).
 * Before: the 257th ring buffer failed. */
static const char dgrow_rings_expect[] = "round 1: 300 of 300 ring buffers live, listed 300\n"
					 "round 2: 300 of 300 ring buffers live, listed 300\n"
					 "closed: listed 0\n";

TEST(launch_domain_aliases_grow)
{
	char expect[512];

	snprintf(expect, sizeof(expect),
		 "%sarena heap in use after round 2 minus after round 1: "
		 "0 bytes\n",
		 dgrow_rings_expect);
	dgrow_expect("gr", "rings 300", expect);
}

TEST(launch_aliases_grow_kernel_oracle)
{
	dgrow_kernel_oracle("rings 300", dgrow_rings_expect);
}

/* 700 domain-wide attachments (uprobes, pid -1): the program runs 700
 * times here and in a child whose sync attached them all (its table of
 * local attachments grows too); detached, never.  Before: 512.  The
 * kernel oracle runs 30 (its detaching takes about 65 ms each). */
TEST(launch_domain_attachments_grow)
{
	dgrow_expect("ga", "attach 700",
		     "attached 700 of 700 (47 functions)\n"
		     "each function once here: the program ran 700 times\n"
		     "each function once in a child: 700 times\n"
		     "detached, in a child: 0 times\n");
}

TEST(launch_attachments_grow_kernel_oracle)
{
	dgrow_kernel_oracle("attach 30", "attached 30 of 30 (2 functions)\n"
					 "each function once here: the program ran 30 times\n"
					 "each function once in a child: 30 times\n"
					 "detached, in a child: 0 times\n");
}

/*
 * A member SIGKILLed in the middle of growing a table: forked members
 * fill the member table until one, with USERBPF_DOMAIN_FAULT=grow,
 * stops inside the growth (lock held, the new table copied, not yet
 * published) and is killed there with the others.  The next command
 * takes the lock over and frees the unpublished table; the dead are
 * reaped; 3000 maps are made and listed; the heap in use is back to its
 * figure before the children, and a new member works.
 */
TEST(launch_domain_killed_mid_growth)
{
	dgrow_expect("gk", "killgrow",
		     "a member stopped growing the member table, holding the lock: yes (members "
		     "before it: over 200)\n"
		     "lock taken over: 1\n"
		     "maps made after: 3000, listed 3000\n"
		     "heap in use, difference from before the children: 0 bytes\n"
		     "a new member made and listed a map: yes\n");
}

/*
 * Members that exit normally leave nothing behind once reaped: their
 * private blocks (the library's handle table, map id table, verifier
 * record) are freed by the next reaper, as a killed member's.  Before,
 * leaving unlisted the member first, and each one left 3 blocks (3200
 * bytes) in the heap for good.
 */
TEST(launch_domain_exited_member_every_byte_back)
{
	dgrow_expect("gl", "leavers",
		     "members that made a map and exited: 6; after the sixth, differences from "
		     "the first: heap 0 bytes, private blocks 0\n");
}
