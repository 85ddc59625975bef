/* SPDX-License-Identifier: MIT */
/*
 * test_usdt.c - USDT probes in process (tests/probe/usdt.bpf.c on a
 * sys/sdt.h probe of the test runner itself): the arguments as the
 * optimised code passes them (registers, sub-registers, a negative
 * constant), sign and zero extension, bpf_usdt_arg_cnt, bpf_usdt_cookie,
 * a missing argument (-ENOENT), the semaphore raised while attached, a
 * missing probe reported by name, the notes listed; scaled-index
 * arguments (OFF(%BASE,%INDEX,SCALE)) for a program built with libbpf
 * 1.7's spec layout (tests/probe/usdt_sib.bpf.c), refused for the older
 * layout, and the same program's values in the kernel (libbpf + a kernel
 * uprobe) where it allows.
 * Skipped without sys/sdt.h (systemtap-sdt-dev).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../unit/test.h"
#include "fixture.h"
#include "probe/probe_int.h"
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

	if (!strcmp(provider, "ubtest") && !strcmp(name, "fire"))
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

/* ==== Scaled-index arguments (libbpf 1.7's BPF_USDT_ARG_SIB) ==== */

/*
 * A .note.stapsdt note as sys/sdt.h's STAP_PROBE writes one, but with the
 * argument string given, so that its forms are exact whatever the
 * compiler and its flags choose (%[name] operands become registers).
 */
#define UBTEST_SDT_NOTE(provider, name, args)                                                      \
	"990: nop\n"                                                                               \
	".pushsection .note.stapsdt,\"?\",\"note\"\n"                                              \
	".balign 4\n"                                                                              \
	".4byte 992f-991f, 994f-993f, 3\n"                                                         \
	"991: .asciz \"stapsdt\"\n"                                                                \
	"992: .balign 4\n"                                                                         \
	"993: .8byte 990b\n"                                                                       \
	".8byte _.stapsdt.base\n"                                                                  \
	".8byte 0\n"                                                                               \
	".asciz \"" provider "\"\n"                                                                \
	".asciz \"" name "\"\n"                                                                    \
	".asciz \"" args "\"\n"                                                                    \
	"994: .balign 4\n"                                                                         \
	".popsection\n"                                                                            \
	".ifndef _.stapsdt.base\n"                                                                 \
	".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"                    \
	".weak _.stapsdt.base\n"                                                                   \
	".hidden _.stapsdt.base\n"                                                                 \
	"_.stapsdt.base: .space 1\n"                                                               \
	".size _.stapsdt.base, 1\n"                                                                \
	".popsection\n"                                                                            \
	".endif\n"

#define SIB_ARGS "-4@-20(%[b],%[i],4) 8@(%[q],%[i],8) -2@6(%[b],%[i]) 1@(%[q],%[i]) -8@%[i] 4@$7"

__attribute__((noinline)) static void usdt_sib(const int32_t *b, const uint64_t *q, long i)
{
	__asm__ volatile(
		UBTEST_SDT_NOTE("ubtest", "sib", SIB_ARGS)::[b] "r"(b), [q] "r"(q), [i] "r"(i)
		: "memory");
}
static void (*volatile sib_fn)(const int32_t *, const uint64_t *, long) = usdt_sib;

/* The same note for the kernel's uprobe (usdt_sib_args_match_kernel): its
 * own location, which no userbpf attach patches. */
__attribute__((noinline)) static void usdt_sibk(const int32_t *b, const uint64_t *q, long i)
{
	__asm__ volatile(
		UBTEST_SDT_NOTE("ubtest", "sibk", SIB_ARGS)::[b] "r"(b), [q] "r"(q), [i] "r"(i)
		: "memory");
}
static void (*volatile sibk_fn)(const int32_t *, const uint64_t *, long) = usdt_sibk;

/* The same kind of arguments as gcc -O2 writes them for array elements
 * (here "-2@(%rcx,%rdx,2) -4@12(%rdi,%rsi) -4@(%rax)"; other flags may
 * pick other forms, the values are checked whatever they are). */
unsigned short ubtest_sibc_semaphore __attribute__((section(".probes")));
__attribute__((noinline)) static int usdt_sib_c(const int32_t *arr, long i, const int16_t *s,
						long j)
{
	STAP_PROBE3(ubtest, sibc, s[j], arr[i + 3], arr[i]);
	return arr[i];
}
static int (*volatile sibc_fn)(const int32_t *, long, const int16_t *, long) = usdt_sib_c;

static int32_t sib_ints[16];
static uint64_t sib_quads[8];
static int16_t sib_shorts[8];

/* got[1..6] the six arguments of "sib" at index i, as the note says */
static void sib_expect(long i, uint64_t want[6])
{
	const char *b = (const char *)(sib_ints + 8), *q = (const char *)(sib_quads + 4);
	int32_t v32;
	int16_t v16;

	memcpy(&v32, b - 20 + i * 4, 4);
	want[0] = (uint64_t)(int64_t)v32;
	memcpy(&want[1], q + i * 8, 8);
	memcpy(&v16, b + 6 + i, 2);
	want[2] = (uint64_t)(int64_t)v16;
	want[3] = (uint8_t)q[i];
	want[4] = (uint64_t)i;
	want[5] = 7;
}

static void sib_fill(void)
{
	int k;

	for (k = 0; k < 16; k++)
		sib_ints[k] = -1000 * k - 1;
	for (k = 0; k < 8; k++)
		sib_quads[k] = 0x8000000000000000ull | (uint64_t)(k * 0x01010101 + 0x70);
	for (k = 0; k < 8; k++)
		sib_shorts[k] = (int16_t)(-300 * k);
}

static const long sib_index[] = { 3, -2, 0 };

TEST(usdt_sib_spec_layouts)
{
	uint8_t spec[304];
	char err[256] = "";
	int16_t s16;
	uint16_t u16;
	int64_t off;

	/* 1.7: val_off 0, arg_type 8, idx_reg_off | scale << 12 at 10, reg_off 14 */
	ASSERT_OK(probe_usdt_spec("-4@-20(%rdx,%rsi,4) 8@%rax", 0x77, 304, spec, err, sizeof(err)));
	memcpy(&off, spec, 8);
	ASSERT_EQ(off, -20);
	ASSERT_EQ(spec[8], 3);
	memcpy(&u16, spec + 10, 2);
	ASSERT_EQ(u16, 104 | 2 << 12);
	memcpy(&s16, spec + 14, 2);
	ASSERT_EQ(s16, 96);
	ASSERT_EQ(spec[16], 1);
	ASSERT_EQ(spec[17], 32);
	ASSERT_EQ(spec[24 + 8], 1);
	memcpy(&s16, spec + 24 + 14, 2);
	ASSERT_EQ(s16, 80);
	memcpy(&off, spec + 288, 8);
	ASSERT_EQ(off, 0x77);
	memcpy(&s16, spec + 296, 2);
	ASSERT_EQ(s16, 2);
	/* the older layout: reg_off at 12, no scaled index */
	ASSERT_OK(probe_usdt_spec("8@%rax", 0, 208, spec, err, sizeof(err)));
	memcpy(&s16, spec + 12, 2);
	ASSERT_EQ(s16, 80);
	memcpy(&s16, spec + 200, 2);
	ASSERT_EQ(s16, 1);
	ASSERT_ERR(probe_usdt_spec("8@%rax 8@(%rdx,%rcx,8)", 0, 208, spec, err, sizeof(err)),
		   -EOPNOTSUPP);
	ASSERT_CONTAINS(err, "argument 1 is a scaled index, which only libbpf >= 1.7");
	/* forms without scale or offset; bad ones */
	ASSERT_OK(probe_usdt_spec("1@(%r8,%r15)", 0, 304, spec, err, sizeof(err)));
	memcpy(&u16, spec + 10, 2);
	ASSERT_EQ(u16, 0);
	memcpy(&s16, spec + 14, 2);
	ASSERT_EQ(s16, 72);
	ASSERT_ERR(probe_usdt_spec("4@8(%rax,%rbx,3)", 0, 304, spec, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "scale not 1, 2, 4 or 8");
	ASSERT_ERR(probe_usdt_spec("4@8(%rax,%rxx,4)", 0, 304, spec, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "unknown register");
	ASSERT_ERR(probe_usdt_spec("8@foo(%rip)", 0, 304, spec, err, sizeof(err)), -EOPNOTSUPP);
	ASSERT_ERR(probe_usdt_spec("8@%rax", 0, 200, spec, err, sizeof(err)), -EINVAL);
}

TEST(usdt_sib_args)
{
	struct userbpf_object *obj = probe_fixture_open("usdt_sib"), *old;
	struct userbpf_program *p;
	struct userbpf_link *l, *lc;
	char err[320] = "";
	uint64_t want[6];
	size_t n;
	int k;
	USERBPF_OPTS(userbpf_usdt_opts, o, .err_buf = err, .err_buf_sz = sizeof(err));

	if (!obj)
		return;
	sib_fill();
	p = userbpf_object__find_program_by_name(obj, "on_sib");
	l = userbpf_program__attach_usdt(p, "/proc/self/exe", "ubtest", "sib", &o);
	if (!l)
		test_fail(__FILE__, __LINE__, "attach: %s", err);
	lc = userbpf_program__attach_usdt(p, "/proc/self/exe", "ubtest", "sibc", &o);
	if (!lc)
		test_fail(__FILE__, __LINE__, "attach sibc: %s", err);
	ASSERT_TRUE(l && lc);
	if (!l || !lc)
		goto out;
	for (n = 0; n < sizeof(sib_index) / sizeof(sib_index[0]); n++) {
		sib_fn(sib_ints + 8, sib_quads + 4, sib_index[n]);
		sib_expect(sib_index[n], want);
		ASSERT_EQ(probe_fixture_value(obj, "got", 0), n + 1);
		for (k = 0; k < 6; k++)
			ASSERT_EQ(probe_fixture_value(obj, "got", 1 + (uint32_t)k), want[k]);
		ASSERT_EQ(probe_fixture_value(obj, "got", 7), 6);
		ASSERT_EQ(probe_fixture_value(obj, "got", 8), (uint64_t)(int64_t)-ENOENT);
	}
	ASSERT_EQ(sibc_fn(sib_ints, 5, sib_shorts, 3), sib_ints[5]);
	ASSERT_EQ(probe_fixture_value(obj, "got", 0), n + 1);
	ASSERT_EQ(probe_fixture_value(obj, "got", 1), (uint64_t)(int64_t)sib_shorts[3]);
	ASSERT_EQ(probe_fixture_value(obj, "got", 2), (uint64_t)(int64_t)sib_ints[8]);
	ASSERT_EQ(probe_fixture_value(obj, "got", 3), (uint64_t)(int64_t)sib_ints[5]);
	ASSERT_EQ(probe_fixture_value(obj, "got", 7), 3);

	/* a program built with the older usdt.bpf.h cannot read them */
	old = probe_fixture_open("usdt");
	if (old) {
		struct userbpf_link *lo = userbpf_program__attach_usdt(
			userbpf_object__find_program_by_name(old, "on_probe"), "/proc/self/exe",
			"ubtest", "sib", &o);

		ASSERT_TRUE(!lo);
		ASSERT_EQ(errno, EOPNOTSUPP);
		ASSERT_CONTAINS(err, "argument 0 is a scaled index, which only libbpf >= 1.7");
		userbpf_object__close(old);
	}
out:
	userbpf_link__destroy(l);
	userbpf_link__destroy(lc);
	userbpf_object__close(obj);
}

struct sib_note {
	uint64_t pc_off;
	char args[256];
};

static int sib_note_cb(void *ctx, const struct probe_usdt_note *n)
{
	struct sib_note *out = ctx;

	if (!strcmp(n->provider, "ubtest") && !strcmp(n->name, "sibk")) {
		out->pc_off = n->pc_off;
		snprintf(out->args, sizeof(out->args), "%s", n->args);
	}
	return 0;
}

/*
 * The oracle: the same object loaded into the kernel by libbpf, its spec
 * map filled with the bytes userbpf writes, a kernel uprobe at the note
 * (BPF cookie = spec id 0) - what libbpf 1.7 does for this note.  The
 * kernel's values must be the expected ones, as userbpf's are above.  The
 * note is its own ("sibk"): a kernel uprobe on bytes a userbpf attach has
 * patched would not fire.
 */
TEST(usdt_sib_args_match_kernel)
{
	char path[512], err[256] = "";
	struct bpf_object *kobj;
	struct bpf_program *kp;
	struct bpf_link *kl;
	struct bpf_map *specs, *got;
	struct sib_note note = { 0 };
	uint8_t spec[304];
	uint64_t want[6], v;
	uint32_t key;
	size_t n;
	int id = 0, k;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = 0);

	snprintf(path, sizeof(path), "%s/probe/usdt_sib.bpf.o", test_build_dir());
	kobj = bpf_object__open_file(path, NULL);
	if (!kobj) {
		test_skip("%s missing (clang?)", path);
		return;
	}
	if (bpf_object__load(kobj)) {
		bpf_object__close(kobj);
		test_skip("the kernel refuses to load usdt_sib.bpf.o (not root, or no BPF)");
		return;
	}
	kp = bpf_object__find_program_by_name(kobj, "on_sib");
	specs = bpf_object__find_map_by_name(kobj, "__bpf_usdt_specs");
	got = bpf_object__find_map_by_name(kobj, "got");
	ASSERT_TRUE(probe_usdt_notes("/proc/self/exe", sib_note_cb, &note) > 0);
	ASSERT_TRUE(note.pc_off != 0);
	ASSERT_OK(probe_usdt_spec(note.args, 0, sizeof(spec), spec, err, sizeof(err)));
	ASSERT_OK(bpf_map__update_elem(specs, &id, sizeof(id), spec, sizeof(spec), 0));
	kl = bpf_program__attach_uprobe_opts(kp, -1, "/proc/self/exe", note.pc_off, &uo);
	if (!kl) {
		bpf_object__close(kobj);
		test_skip("the kernel refuses a uprobe on /proc/self/exe: %s", strerror(errno));
		return;
	}
	sib_fill();
	for (n = 0; n < sizeof(sib_index) / sizeof(sib_index[0]); n++) {
		sibk_fn(sib_ints + 8, sib_quads + 4, sib_index[n]);
		sib_expect(sib_index[n], want);
		for (k = 0; k < 6; k++) {
			key = 1 + (uint32_t)k;
			v = 0;
			ASSERT_OK(bpf_map__lookup_elem(got, &key, sizeof(key), &v, sizeof(v), 0));
			ASSERT_EQ(v, want[k]);
		}
	}
	key = 0;
	ASSERT_OK(bpf_map__lookup_elem(got, &key, sizeof(key), &v, sizeof(v), 0));
	ASSERT_EQ(v, n);
	bpf_link__destroy(kl);
	bpf_object__close(kobj);
}
#else
TEST(usdt_args_cookie_semaphore)
{
	test_skip("no sys/sdt.h (install systemtap-sdt-dev)");
}
#endif
