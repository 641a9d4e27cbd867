/* SPDX-License-Identifier: MIT */
/*
 * What a leak would change in this process: its mappings and open
 * files. Tests take a footprint before a call and compare after it.
 */
#ifndef LIBURING_ZCRX_TEST_FOOTPRINT_H
#define LIBURING_ZCRX_TEST_FOOTPRINT_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>

#include "ktap.h"

static inline unsigned count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static inline unsigned count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct footprint {
	unsigned maps, fds;
};

static inline struct footprint footprint(void)
{
	struct footprint f = {
		.maps = count_lines("/proc/self/maps"),
		.fds = count_fds(),
	};

	return f;
}

static inline bool same_footprint(struct footprint before)
{
	struct footprint now = footprint();

	if (now.maps == before.maps && now.fds == before.fds)
		return true;
	ktap_info("mappings %u -> %u, fds %u -> %u", before.maps, now.maps,
		  before.fds, now.fds);
	return false;
}

#endif
