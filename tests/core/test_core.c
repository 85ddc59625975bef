/* SPDX-License-Identifier: MIT */
/*
 * test_core.c - the freestanding core (issue 16, make core):
 *   core_symbols   the archive's undefined symbols are the documented ones
 *                  (tests/core/check_symbols.sh on an ld -r of every member)
 *   core_embed     tests/core/embed/core_embed: real programs, maps, ring
 *                  buffer, JIT and bpf() commands through the core linked
 *                  alone, over a static-arena platform
 *   core_snprintf / core_strto / core_strings / core_qsort
 *                  the core's C library (util/ubc_*.c) against glibc's
 * The archive and core_embed are built by 'make test' (mk/core.mk) into
 * BUILD/core-ARCH/.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../unit/test.h"
#include "util/ubc.h"

static const char *core_dir(void)
{
	static char dir[512];
	struct utsname u;

	if (!dir[0]) {
		uname(&u);
		snprintf(dir, sizeof(dir), "%s/core-%s", test_build_dir(), u.machine);
	}
	return dir;
}

/* Run cmd; its output in out (NUL-terminated), its exit status returned. */
static int run_cmd(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, r;
	int st;

	if (!p)
		return -1;
	while (n + 1 < size && (r = fread(out + n, 1, size - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	while (fread(out + n, 1, 0, p) > 0)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(core_symbols)
{
	char cmd[1200], out[4096], ar[600];

	snprintf(ar, sizeof(ar), "%s/libuserbpf-core.a", core_dir());
	if (access(ar, R_OK)) {
		test_skip("%s not built (make core)", ar);
		return;
	}
	snprintf(cmd, sizeof(cmd), "sh tests/core/check_symbols.sh %s 2>&1", ar);
	ASSERT_EQ(run_cmd(cmd, out, sizeof(out)), 0);
	ASSERT_CONTAINS(out, "undefined only: _GLOBAL_OFFSET_TABLE_ memcmp memcpy memmove memset");
	if (test_verbose())
		printf("%s", out);
}

TEST(core_embed)
{
	char cmd[4096], out[16384], bin[600];
	size_t n;

	snprintf(bin, sizeof(bin), "%s/core_embed", core_dir());
	if (access(bin, X_OK)) {
		test_skip("%s not built (make test builds it)", bin);
		return;
	}
	n = (size_t)snprintf(cmd, sizeof(cmd), "%s %s/embed.bpf.o", bin, core_dir());
	/* examples that load in the core, then one that needs a host-only map */
	static const char *const examples[] = { "minimal",     "log2_hist",	"loops",
						"tail_calls",  "call_chain",	"lpm_route",
						"map_in_map",  "rodata_config", "flow_table",
						"helpers_tour" };
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		char path[600];

		snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(), examples[i]);
		if (!access(path, R_OK))
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s", path);
	}
	n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " --host-only");
	/* a perf event array; bpf_get_current_task */
	static const char *const host_only[] = { "ringbuf_events", "bootstrap", "execsnoop" };
	for (size_t i = 0; i < sizeof(host_only) / sizeof(host_only[0]); i++) {
		char path[600];

		snprintf(path, sizeof(path), "%s/examples/%s.bpf.o", test_build_dir(),
			 host_only[i]);
		if (!access(path, R_OK))
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s", path);
	}
	snprintf(cmd + n, sizeof(cmd) - n, " 2>&1");
	if (run_cmd(cmd, out, sizeof(out)) != 0 || !strstr(out, ", 0 failed")) {
		test_fail(__FILE__, __LINE__, "core_embed failed:\n%s", out);
		return;
	}
	ASSERT_CONTAINS(out, "ok: per-CPU total: 5 in the slot of the platform's CPU 2 of 4");
	ASSERT_CONTAINS(out, "ok: ring buffer: 5 records {arg, n} in order (5)");
	ASSERT_CONTAINS(out, "ok: bpf(PROG_LOAD) rejects an out-of-frame read: EACCES");
#if defined(__x86_64__)
	ASSERT_CONTAINS(out, "ok: count_calls JIT-compiled through platform exec memory");
#endif
	if (test_verbose())
		printf("%s", out);
}

/* ==== The core's C library against glibc ==== */

#define CMP_FMT(FMT, ...)                                                                          \
	do {                                                                                       \
		char a_[160], b_[160];                                                             \
		int na_ = ub_snprintf(a_, sizeof(a_), FMT, __VA_ARGS__);                           \
		int nb_ = snprintf(b_, sizeof(b_), FMT, __VA_ARGS__);                              \
		if (na_ != nb_ || strcmp(a_, b_)) {                                                \
			test_fail(__FILE__, __LINE__,                                              \
				  "format \"%s\": core \"%s\" (%d), "                              \
				  "libc \"%s\" (%d)",                                              \
				  FMT, a_, na_, b_, nb_);                                          \
			return;                                                                    \
		}                                                                                  \
		cases++;                                                                           \
	} while (0)

TEST(core_snprintf)
{
	int cases = 0;
	char small[5];
	int x = 42;

	CMP_FMT("%d %i %u", 0, -1, 3000000000u);
	CMP_FMT("%d|%5d|%-5d|%05d|%+d|% d", INT_MIN, -7, 7, -7, 7, 7);
	CMP_FMT("%x %X %#x %#X %#o %o", 255u, 255u, 255u, 0u, 8u, 0u);
	CMP_FMT("%lx %lu %ld", 0xfffffffffffffffful, ULONG_MAX, LONG_MIN);
	CMP_FMT("%llx %#llx %lld %llu", 0x123456789abcdefull, 0ull, LLONG_MIN, ULLONG_MAX);
	CMP_FMT("%hhx %hhd %hx %hd", 0x1ff, 0xff, 0x1ffff, 0xffff);
	CMP_FMT("%zu %zd %zx %td %jd", (size_t)12345, (ssize_t)-3, (size_t)0xabc, (ptrdiff_t)-9,
		(intmax_t)-99);
	CMP_FMT("%.3d|%.0d|%8.3x|%-8.3x|%8.3d", 5, 0, 10u, 10u, -5);
	CMP_FMT("%s|%10s|%-10s|%.2s|%*s|%-*s|%.*s", "abc", "abc", "abc", "abc", 6, "ab", 6, "ab", 1,
		"xyz");
	CMP_FMT("%c%c|%3c|%-3c|%%", 'a', 'b', 'c', 'd');
	CMP_FMT("%p %p", (void *)&x, (void *)0);
	CMP_FMT("%*d|%-*d", -6, 1, 4, 2);
	CMP_FMT("%" PRIx64 " %" PRId64 " %" PRIu64, (uint64_t)1 << 63, INT64_MIN, UINT64_MAX);
	CMP_FMT("(%#llx; %#llx)", 0x10ull, 0xffffffffffffffffull);
	/* truncation: C's return value, always NUL-terminated */
	ASSERT_EQ(ub_snprintf(small, sizeof(small), "%s", "abcdefgh"), 8);
	ASSERT_STREQ(small, "abcd");
	ASSERT_EQ(ub_snprintf(NULL, 0, "%d", 12345), 5);
	test_result("core_snprintf_cases", true, "%d formats identical to glibc", cases);
}

TEST(core_strto)
{
	static const struct {
		const char *s;
		int base;
	} cases[] = {
		{ "0", 10 },
		{ "  42xyz", 10 },
		{ "-17", 10 },
		{ "+9", 0 },
		{ "0x1F", 0 },
		{ "0x1F", 16 },
		{ "1F", 16 },
		{ "017", 0 },
		{ "08", 0 },
		{ "0x", 0 },
		{ "z", 36 },
		{ "18446744073709551615", 10 },
		{ "18446744073709551616", 10 },
		{ "-1", 10 },
		{ "9223372036854775807", 10 },
		{ "9223372036854775808", 10 },
		{ "-9223372036854775808", 10 },
		{ "-9223372036854775809", 10 },
		{ "", 10 },
		{ "  -", 10 },
		{ "777", 8 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *ea, *eb;
		unsigned long long ua = ub_strtoull(cases[i].s, &ea, cases[i].base);
		unsigned long long ub = strtoull(cases[i].s, &eb, cases[i].base);
		long long sa = ub_strtoll(cases[i].s, &ea, cases[i].base);
		long long sb = strtoll(cases[i].s, &eb, cases[i].base);
		long la = ub_strtol(cases[i].s, NULL, cases[i].base);
		long lb = strtol(cases[i].s, NULL, cases[i].base);
		unsigned long ula = ub_strtoul(cases[i].s, NULL, cases[i].base);
		unsigned long ulb = strtoul(cases[i].s, NULL, cases[i].base);

		if (ua != ub || sa != sb || la != lb || ula != ulb || ea != eb) {
			test_fail(__FILE__, __LINE__,
				  "\"%s\" base %d: core %llu/%lld/%td, libc %llu/%lld/%td",
				  cases[i].s, cases[i].base, ua, sa, ea - cases[i].s, ub, sb,
				  eb - cases[i].s);
			return;
		}
	}
}

TEST(core_strings)
{
	const char *s = "hello, world";

	ASSERT_EQ(ub_strlen(s), strlen(s));
	ASSERT_EQ(ub_strnlen(s, 3), 3);
	ASSERT_EQ(ub_strcmp("abc", "abd") < 0, 1);
	ASSERT_EQ(ub_strcmp("abc", "abc"), 0);
	ASSERT_EQ(ub_strcmp("\xff", "a") > 0, 1); /* unsigned compare, as C */
	ASSERT_EQ(ub_strncmp("abcx", "abcy", 3), 0);
	ASSERT_EQ(ub_strchr(s, 'o') - s, strchr(s, 'o') - s);
	ASSERT_EQ(ub_strrchr(s, 'o') - s, strrchr(s, 'o') - s);
	ASSERT_TRUE(ub_strchr(s, '\0') == s + strlen(s));
	ASSERT_TRUE(ub_strchr(s, 'z') == NULL);
	ASSERT_EQ(ub_strstr(s, "wor") - s, 7);
	ASSERT_TRUE(ub_strstr(s, "") == s);
	ASSERT_TRUE(ub_strstr(s, "worlds") == NULL);
	ASSERT_EQ((const char *)ub_memchr(s, ',', 12) - s, 5);
	ASSERT_EQ(ub_strspn("aabbc", "ab"), 4);
	ASSERT_EQ(ub_strcspn("aabbc", "c"), 4);
	ASSERT_STREQ(ub_strerror(-EINVAL), strerror(EINVAL));
	ASSERT_STREQ(ub_strerror(ENOENT), strerror(ENOENT));
	ASSERT_STREQ(ub_strerror(524), "Operation not supported (ENOTSUPP)");
}

struct pair {
	int key, seq;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

TEST(core_qsort)
{
	struct pair v[300];
	int i, found = 0;

	for (i = 0; i < 300; i++) {
		v[i].key = (i * 7919) % 13; /* many ties */
		v[i].seq = i;
	}
	ub_qsort(v, 300, sizeof(v[0]), cmp_pair);
	for (i = 1; i < 300; i++) {
		ASSERT_TRUE(v[i - 1].key <= v[i].key);
		if (v[i - 1].key == v[i].key)
			ASSERT_TRUE(v[i - 1].seq < v[i].seq); /* stable */
	}
	for (i = 0; i < 13; i++) {
		struct pair k = { i, 0 };
		struct pair *p = ub_bsearch(&k, v, 300, sizeof(v[0]), cmp_pair);

		found += p && p->key == i;
	}
	ASSERT_EQ(found, 13);
}
