/* SPDX-License-Identifier: MIT */
/*
 * A very small test harness in the spirit of the kernel's test_progs.h.
 *
 * Each test binary defines test functions and a main() that calls RUN_TEST()
 * for each and returns test_summary().  An assertion names what it checks; a
 * failed assertion marks the current test failed and carries on, so one run
 * shows every broken case.  test_skip() marks the current test skipped with a
 * reason (e.g. bpf() not permitted).  The summary line is
 * "NAME: N passed, N failed, N skipped", which tests/run-tests.sh adds up.
 */
#ifndef BPFSYNTH_TEST_H
#define BPFSYNTH_TEST_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_env {
	const char *name; /* current test */
	int passed, failed, skipped;
	bool cur_failed, cur_skipped;
	const char *filter; /* run only tests whose name contains this (argv[1]) */
	bool verbose;
};

static struct test_env test_env;

static inline void test_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void test_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  FAIL %s (%s:%d): ", test_env.name ? test_env.name : "?", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	test_env.cur_failed = true;
}

static inline void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void test_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  SKIP %s: ", test_env.name ? test_env.name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	test_env.cur_skipped = true;
}

#define CHECK(cond, fmt, ...)                                                                      \
	({                                                                                         \
		bool ___ok = (cond);                                                               \
		if (!___ok)                                                                        \
			test_fail_at(__FILE__, __LINE__, fmt, ##__VA_ARGS__);                      \
		___ok;                                                                             \
	})

#define ASSERT_TRUE(cond, what) CHECK((cond), "%s: expected true", (what))
#define ASSERT_FALSE(cond, what) CHECK(!(cond), "%s: expected false", (what))

#define ASSERT_EQ(a, b, what)                                                                      \
	({                                                                                         \
		int64_t ___a = (int64_t)(a), ___b = (int64_t)(b);                                  \
		CHECK(___a == ___b, "%s: got %" PRId64 " (0x%" PRIx64 "), expected %" PRId64       \
				    " (0x%" PRIx64 ")",                                            \
		      (what), ___a, (uint64_t)___a, ___b, (uint64_t)___b);                         \
	})

#define ASSERT_NEQ(a, b, what)                                                                     \
	({                                                                                         \
		int64_t ___a = (int64_t)(a), ___b = (int64_t)(b);                                  \
		CHECK(___a != ___b, "%s: got %" PRId64 ", expected anything else", (what), ___a);  \
	})

#define ASSERT_GE(a, b, what)                                                                      \
	({                                                                                         \
		int64_t ___a = (int64_t)(a), ___b = (int64_t)(b);                                  \
		CHECK(___a >= ___b, "%s: got %" PRId64 ", expected >= %" PRId64, (what), ___a,     \
		      ___b);                                                                       \
	})

#define ASSERT_STREQ(a, b, what)                                                                   \
	({                                                                                         \
		const char *___a = (a), *___b = (b);                                               \
		CHECK(___a && ___b && strcmp(___a, ___b) == 0, "%s: got \"%s\", expected \"%s\"",  \
		      (what), ___a ? ___a : "(null)", ___b ? ___b : "(null)");                     \
	})

#define ASSERT_OK(err, what) CHECK((err) == 0, "%s: unexpected error %d", (what), (int)(err))
#define ASSERT_OK_PTR(p, what) CHECK((p) != NULL, "%s: unexpected NULL", (what))

static inline void test_run(const char *name, void (*fn)(void))
{
	if (test_env.filter && !strstr(name, test_env.filter))
		return;
	test_env.name = name;
	test_env.cur_failed = test_env.cur_skipped = false;
	fn();
	if (test_env.cur_failed) {
		test_env.failed++;
		fprintf(stderr, "FAIL %s\n", name);
	} else if (test_env.cur_skipped) {
		test_env.skipped++;
	} else {
		test_env.passed++;
		if (test_env.verbose)
			fprintf(stderr, "ok   %s\n", name);
	}
	test_env.name = NULL;
}

#define RUN_TEST(fn) test_run(#fn, fn)

static inline void test_init(int argc, char **argv)
{
	const char *v = getenv("V");

	test_env.filter = argc > 1 ? argv[1] : NULL;
	test_env.verbose = v && *v == '1';
}

/* Prints the summary line and returns the process exit code. */
static inline int test_summary(const char *suite)
{
	printf("%s: %d passed, %d failed, %d skipped\n", suite, test_env.passed, test_env.failed,
	       test_env.skipped);
	fflush(stdout);
	return test_env.failed ? 1 : 0;
}

#endif
