/* SPDX-License-Identifier: MIT */
/*
 * KTAP output for the unit tests, in the lines kselftest prints: a header
 * and plan, one "ok N" / "not ok N" line per case, "# " diagnostics, and
 * totals. ktap_finish() gives the exit status: 0, or 1 after a failure.
 */
#ifndef LIBURING_ZCRX_TEST_KTAP_H
#define LIBURING_ZCRX_TEST_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define KTAP_SKIP_EXIT	4	/* kselftest's KSFT_SKIP */

static unsigned ktap_num, ktap_passed, ktap_failed, ktap_skipped;

static inline void ktap_plan(unsigned cases)
{
	printf("TAP version 13\n1..%u\n", cases);
	fflush(stdout);
}

__attribute__((format(printf, 1, 2)))
static inline void ktap_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static inline void ktap_vline(const char *status, const char *fmt, va_list ap)
{
	printf("%s %u ", status, ++ktap_num);
	vprintf(fmt, ap);
}

/* One case; the description has no newline. Returns ok. */
__attribute__((format(printf, 2, 3)))
static inline bool ktap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline(ok ? "ok" : "not ok", fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		ktap_passed++;
	else
		ktap_failed++;
	return ok;
}

__attribute__((format(printf, 2, 3)))
static inline void ktap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline("ok", fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
	ktap_skipped++;
}

static inline int ktap_finish(void)
{
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       ktap_passed, ktap_failed, ktap_skipped);
	fflush(stdout);
	return ktap_failed ? 1 : 0;
}

/* Cannot even start: one failed case stands for the whole program. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void ktap_bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline("not ok", fmt, ap);
	va_end(ap);
	putchar('\n');
	ktap_failed++;
	exit(ktap_finish());
}

#endif /* LIBURING_ZCRX_TEST_KTAP_H */
