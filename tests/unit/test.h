/* SPDX-License-Identifier: MIT */
/*
 * test.h - the in-tree test harness: TEST() registers a test at load time,
 * ASSERT_* macros print actual and expected values and fail the current
 * test, test_result() reports sub-results (one per data file, per oracle
 * batch...).  One runner (tests/unit/main.c) runs them, selected by name,
 * and ends with "N passed, N failed, N skipped".
 */
#ifndef USERBPF_TEST_H
#define USERBPF_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
/* Fail the current test with a message (printf-style). */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the current test skipped, with the reason printed. */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report one sub-result as its own counted test ("data/add.data"). */
void test_result(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_result_skip(const char *name, const char *why);
bool test_failed(void); /* current test failed so far */
bool test_verbose(void);
/* Paths the runner was given (--build DIR), for CLI tests. */
const char *test_build_dir(void);
/* Source tree root (cwd). */
const char *test_src_dir(void);

#define TEST(NAME)                                                                                 \
	static void test_##NAME(void);                                                             \
	static struct test_case tc_##NAME = { #NAME, test_##NAME, NULL };                          \
	__attribute__((constructor)) static void reg_##NAME(void)                                  \
	{                                                                                          \
		test_register(&tc_##NAME);                                                         \
	}                                                                                          \
	static void test_##NAME(void)

#define ASSERT_TRUE(C)                                                                             \
	do {                                                                                       \
		if (!(C)) {                                                                        \
			test_fail(__FILE__, __LINE__, "%s is false", #C);                          \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_EQ(A, B)                                                                            \
	do {                                                                                       \
		uint64_t a_ = (uint64_t)(A), b_ = (uint64_t)(B);                                   \
		if (a_ != b_) {                                                                    \
			test_fail(__FILE__, __LINE__,                                              \
				  "%s == %s: got 0x%" PRIx64 " (%" PRId64 "), want 0x%" PRIx64     \
				  " (%" PRId64 ")",                                                \
				  #A, #B, a_, (int64_t)a_, b_, (int64_t)b_);                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_STREQ(A, B)                                                                         \
	do {                                                                                       \
		const char *a_ = (A), *b_ = (B);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                                \
			test_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", #A,           \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_CONTAINS(HAY, NEEDLE)                                                               \
	do {                                                                                       \
		const char *h_ = (HAY), *n_ = (NEEDLE);                                            \
		if (!h_ || !strstr(h_, n_)) {                                                      \
			test_fail(__FILE__, __LINE__, "%s: \"%s\" does not contain \"%s\"", #HAY,  \
				  h_ ? h_ : "(null)", n_);                                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_OK(E) ASSERT_EQ((int64_t)(E), 0)
#define ASSERT_ERR(E, ERRNO) ASSERT_EQ((int64_t)(E), (int64_t)(ERRNO))

#endif
