// SPDX-License-Identifier: GPL-2.0
/* Check lines: see check.h. */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"

int check_problems;
bool check_quiet;

static void check_line(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "  %-5s ", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void check_ok(const char *fmt, ...)
{
	va_list ap;

	if (check_quiet)
		return;
	va_start(ap, fmt);
	check_line("ok", fmt, ap);
	va_end(ap);
}

void check_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_line("warn", fmt, ap);
	va_end(ap);
}

void check_fail(const char *fmt, ...)
{
	va_list ap;

	check_problems++;
	va_start(ap, fmt);
	check_line("FAIL", fmt, ap);
	va_end(ap);
}

void check_more(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_line("", fmt, ap);
	va_end(ap);
}
