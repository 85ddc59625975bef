/* SPDX-License-Identifier: MIT */
/*
 * test_usdt.c - USDT probes in process (tests/probe/usdt.bpf.c on a
 * sys/sdt.h probe of the test runner itself): the arguments as the
 * optimised code passes them (registers, sub-registers, a negative
 * constant), sign and zero extension, bpf_usdt_arg_cnt, bpf_usdt_cookie,
 * a missing argument (-ENOENT), the semaphore raised while attached, a
 * missing probe reported by name, the notes listed.
 * Skipped without sys/sdt.h (systemtap-sdt-dev).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../unit/test.h"
#include "fixture.h"
#include "userbpf/object.h"
#include "userbpf/probe.h"

#if __has_include(<sys/sdt.h>)
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short ubtest_fire_semaphore __attribute__((section(".probes")));

__attribute__((noinline)) static long usdt_fire(long a, int b, unsigned char c)
{
	STAP_PROBE4(ubtest, fire, a, b, c, -5L);
	__asm__ volatile("" ::: "memory");
	return a + b;
}
static long (*volatile fire_fn)(long, int, unsigned char) = usdt_fire;

static uint64_t got(struct userbpf_object *obj, uint32_t key)
{
	return probe_fixture_value(obj, "got", key);
}

TEST(usdt_args_cookie_semaphore)
{
	struct userbpf_object *obj = probe_fixture_open("usdt");
	struct userbpf_program *p;
	struct userbpf_link *l;
	char err[256] = "";
	USERBPF_OPTS(userbpf_usdt_opts, o, .usdt_cookie = 0xc00c1e, .err_buf = err,
		     .err_buf_sz = sizeof(err));

	if (!obj)
		return;
	p = userbpf_object__find_program_by_name(obj, "on_probe");
	ASSERT_EQ(ubtest_fire_semaphore, 0);
	l = userbpf_program__attach_usdt(p, "/proc/self/exe", "ubtest", "fire", &o);
	if (!l)
		test_fail(__FILE__, __LINE__, "attach: %s", err);
	ASSERT_TRUE(l);
	ASSERT_EQ(ubtest_fire_semaphore, 1);
	fire_fn(1234567890123L, -7, 200);
	ASSERT_EQ(got(obj, 0), 1);
	ASSERT_EQ(got(obj, 1), 1234567890123L);
	ASSERT_EQ(got(obj, 2), (uint64_t)(int64_t)-7);
	ASSERT_EQ(got(obj, 3), 200);
	ASSERT_EQ(got(obj, 4), (uint64_t)-5L);
	ASSERT_EQ(got(obj, 5), 4);
	ASSERT_EQ(got(obj, 6), 0xc00c1e);
	ASSERT_EQ(got(obj, 7), (uint64_t)(int64_t)-ENOENT);
	fire_fn(-1, 2147483647, 0);
	ASSERT_EQ(got(obj, 1), (uint64_t)-1L);
	ASSERT_EQ(got(obj, 2), 2147483647);
	ASSERT_EQ(userbpf_link__hits(l), 0); /* the link is the locations' parent */
	userbpf_link__destroy(l);
	ASSERT_EQ(ubtest_fire_semaphore, 0);
	fire_fn(1, 1, 1);
	ASSERT_EQ(got(obj, 0), 2);

	l = userbpf_program__attach_usdt(p, "/proc/self/exe", "ubtest", "nosuch", &o);
	ASSERT_TRUE(!l);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_CONTAINS(err, "no USDT probe ubtest:nosuch in '/proc/self/exe'");
	userbpf_object__close(obj);
}

static void on_note(void *ctx, const char *provider, const char *name, const char *args)
{
	char *out = ctx;

	if (!strcmp(provider, "ubtest"))
		snprintf(out, 256, "%s:%s %s", provider, name, args);
}

TEST(usdt_list_notes)
{
	char out[256] = "";

	ASSERT_TRUE(userbpf_probe__list_usdt("/proc/self/exe", "ubtest:*", on_note, out) >= 1);
	ASSERT_CONTAINS(out, "ubtest:fire ");
	ASSERT_CONTAINS(out, "-8@$-5");
	ASSERT_EQ(userbpf_probe__list_usdt("/proc/self/exe", "nomatch:*", on_note, out), 0);
}
#else
TEST(usdt_args_cookie_semaphore)
{
	test_skip("no sys/sdt.h (install systemtap-sdt-dev)");
}
#endif
