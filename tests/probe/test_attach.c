/* SPDX-License-Identifier: MIT */
/*
 * test_attach.c - attach an object's programs by libbpf section names
 * (tests/probe/sections.bpf.c): uprobe//proc/self/exe:FUNC, the return
 * probe, FUNC+OFF, a bare section given its target, auto-attach of all.
 */
#include <errno.h>
#include <stdio.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

long probe_s_mul(long a, long b);
long probe_s_other(long a);
__asm__(".globl probe_s_mul\n.type probe_s_mul,@function\n"
	"probe_s_mul:\n push %rbp\n mov %rsp,%rbp\n mov %rdi,%rax\n imul %rsi,%rax\n"
	" pop %rbp\n ret\n.size probe_s_mul,.-probe_s_mul\n"
	".globl probe_s_other\n.type probe_s_other,@function\n"
	"probe_s_other:\n push %rbp\n mov %rsp,%rbp\n mov %rdi,%rax\n pop %rbp\n ret\n"
	".size probe_s_other,.-probe_s_other\n");
static long (*volatile mul)(long, long) = probe_s_mul;
static long (*volatile other)(long) = probe_s_other;

static uint64_t seen(struct userbpf_object *obj, uint32_t key)
{
	return probe_fixture_value(obj, "seen", key);
}

TEST(attach_sections_all)
{
	struct userbpf_object *obj = probe_fixture_open("sections");
	struct userbpf_link *links[8], *bare;
	struct userbpf_program *p;
	char err[256] = "";
	USERBPF_OPTS(userbpf_attach_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));
	size_t cnt = 0, i;

	if (!obj)
		return;
	/* the bare section is skipped by attach_all and needs a target */
	p = userbpf_object__find_program_by_name(obj, "bare");
	ASSERT_TRUE(p && userbpf_program__attachable(p));
	ASSERT_TRUE(!userbpf_program__attach_opts(p, &o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_STREQ(err, "program bare: section 'uprobe' names no target");
	ASSERT_OK(userbpf_object__attach_all(obj, &o, links, 8, &cnt));
	ASSERT_EQ(cnt, 3);
	o.target = "/proc/self/exe:probe_s_other";
	bare = userbpf_program__attach_opts(p, &o);
	ASSERT_TRUE(bare);
	ASSERT_EQ(mul(6, 7), 42);
	ASSERT_EQ(other(9), 9);
	ASSERT_EQ(seen(obj, 0), 1);
	ASSERT_EQ(seen(obj, 1), 607);
	ASSERT_EQ(seen(obj, 2), 42);
	ASSERT_EQ(seen(obj, 3), 9);
	ASSERT_EQ(seen(obj, 4), (uintptr_t)probe_s_mul + 7);
	for (i = 0; i < cnt; i++)
		userbpf_link__destroy(links[i]);
	userbpf_link__destroy(bare);
	ASSERT_EQ(mul(2, 3), 6);
	ASSERT_EQ(seen(obj, 0), 1);
	userbpf_object__close(obj);
}

TEST(attach_sections_bad_target)
{
	struct userbpf_object *obj = probe_fixture_open("sections");
	struct userbpf_program *p;
	char err[256] = "";
	USERBPF_OPTS(userbpf_attach_opts, o, .err_buf = err, .err_buf_sz = sizeof(err),
		     .target = "probe_s_nonexistent");

	if (!obj)
		return;
	p = userbpf_object__find_program_by_name(obj, "bare");
	ASSERT_TRUE(!userbpf_program__attach_opts(p, &o));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STREQ(err, "no function symbol 'probe_s_nonexistent' in this process");
	/* inside the five bytes the entry probe replaces */
	o.target = "probe_s_mul+1";
	{
		struct userbpf_link *l = userbpf_program__attach_opts(
			userbpf_object__find_program_by_name(obj, "on_mul"), NULL);

		ASSERT_TRUE(l);
		ASSERT_TRUE(!userbpf_program__attach_opts(p, &o));
		ASSERT_EQ(errno, EBUSY);
		ASSERT_CONTAINS(err, "cannot probe probe_s_mul+0x1: overlaps the probe at 0x");
		userbpf_link__destroy(l);
	}
	o.target = "exe:f+zz";
	ASSERT_TRUE(!userbpf_program__attach_opts(p, &o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_CONTAINS(err, "invalid probe target 'exe:f+zz'");
	userbpf_object__close(obj);
}
