/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Check lines, as zcrx-sink and zcrx-nic print them on stderr: one per
 * requirement, "ok", "warn" or "FAIL", with indented explanations and
 * "fix: COMMAND" lines under it.
 */
#ifndef TOOLS_CHECK_H
#define TOOLS_CHECK_H

#include <stdbool.h>

extern int check_problems;	/* FAIL lines so far */
extern bool check_quiet;	/* no ok lines */

#define check_format	__attribute__((format(printf, 1, 2)))

void check_ok(const char *fmt, ...) check_format;
void check_warn(const char *fmt, ...) check_format;
void check_fail(const char *fmt, ...) check_format;
/* A continuation of the line above: an explanation or "fix: COMMAND". */
void check_more(const char *fmt, ...) check_format;

#endif /* TOOLS_CHECK_H */
