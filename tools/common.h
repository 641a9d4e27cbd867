/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the tools: size arguments with binary
 * suffixes, a monotonic clock, rates, JSON strings, usage errors, a
 * pending stop signal. The stream pattern itself comes from
 * tests/lib/pattern.h, the one every sender and checker of this project
 * uses.
 */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/*
 * "4096", "64k", "16M", "2G", "1T": powers of 1024, suffix in either case.
 * Returns 0 and sets *out, or -1 for anything else (signs, junk, overflow).
 */
static inline int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* A non-negative decimal that fits in an unsigned int, or -1. */
static inline long long parse_uint(const char *s)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 0xffffffffull)
		return -1;
	return (long long)v;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Gbit/s for BYTES moved in NS nanoseconds; 0 for an empty interval. */
static inline double gbit_per_s(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 8.0 / (double)ns : 0.0;
}

/* S as a JSON string literal, quotes included. */
static inline void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/*
 * PROG's complaint about its command line, with the way to its help, and
 * exit status 2: what each tool's usage_error() prints.
 */
static inline void __attribute__((noreturn))
usage_verror(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n(%s -h for help)\n", prog);
	exit(2);
}

/*
 * A SIGINT or SIGTERM that is pending, taken, or 0. A server keeps them
 * blocked except while it sleeps in io_uring_enter(), so the stop flag
 * cannot be missed between its check and the wait; but under load
 * io_uring_enter() finds completions before it ever sleeps (or installs
 * the mask), so it also takes a pending one between batches.
 */
static inline int pending_stop_signal(void)
{
	static const struct timespec zero;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sig = sigtimedwait(&set, NULL, &zero);
	return sig > 0 ? sig : 0;
}

#endif /* TOOLS_COMMON_H */
