/* SPDX-License-Identifier: MIT */
/*
 * io_uring_zcrx_rq_region_size(), io_uring_zcrx_stats_offset(),
 * io_uring_zcrx_area_size() and io_uring_zcrx_rq_entries(). Expected sizes
 * are for 4 KiB pages.
 */
#include <unistd.h>

#include <liburing/zcrx.h>

#include "ktap.h"

#define KiB	1024UL
#define MiB	(1024 * KiB)

static void region(unsigned entries, size_t want)
{
	size_t got = io_uring_zcrx_rq_region_size(entries);

	if (!ktap_result(got == want, "rq_region_size(%u) is %zu", entries, want))
		ktap_info("got %zu", got);
}

static void stats(unsigned entries, size_t want)
{
	size_t got = io_uring_zcrx_stats_offset(entries);

	if (!ktap_result(got == want, "stats_offset(%u) is %zu", entries, want))
		ktap_info("got %zu", got);
}

static void area(unsigned bufs, unsigned len, size_t want)
{
	size_t got = io_uring_zcrx_area_size(bufs, len);

	if (!ktap_result(got == want, "area_size(%u, %u) is %zu", bufs, len, want))
		ktap_info("got %zu", got);
}

static void entries(size_t area_size, unsigned len, unsigned want)
{
	unsigned got = io_uring_zcrx_rq_entries(area_size, len);

	if (!ktap_result(got == want, "rq_entries(%zu, %u) is %u", area_size,
			 len, want))
		ktap_info("got %u", got);
}

/* Whatever the page size: the numbers must fit together. */
static void consistency(void)
{
	static const unsigned counts[] = { 1, 2, 3, 100, 256, 1000, 4097,
					   32767, 32768 };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	bool ok = true;

	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		unsigned n = counts[i], e;
		size_t a = io_uring_zcrx_area_size(n, 0);
		size_t r;

		e = io_uring_zcrx_rq_entries(a, 0);
		r = io_uring_zcrx_rq_region_size(e);
		ok = ok && a == n * page && e >= n && !(e & (e - 1)) &&
		     e < 2 * n + 1 && r % page == 0 &&
		     r >= LIBURING_ZCRX_RQ_HDR_SIZE + e * 16;
	}
	ktap_result(ok, "an area's ring holds all its buffers and fits its region");

	ok = true;
	for (unsigned n = 1; n <= LIBURING_ZCRX_RQ_MAX_ENTRIES; n++) {
		size_t s = io_uring_zcrx_stats_offset(n);
		size_t r = io_uring_zcrx_rq_region_size(n);
		size_t e = n, bare;

		while (e & (e - 1))
			e++;
		/* what the region needed before stats had a place in it */
		bare = (LIBURING_ZCRX_RQ_HDR_SIZE + e * 16 + page - 1) /
		       page * page;
		ok = ok && s % 8 == 0 && s >= LIBURING_ZCRX_RQ_HDR_SIZE + e * 16 &&
		     s + sizeof(struct zcrx_stats) <= r && r == bare;
	}
	ktap_result(ok, "stats fit after the entries of every ring, at no cost in size");
}

int main(void)
{
	ktap_plan(29);
	consistency();
	if (sysconf(_SC_PAGESIZE) != 4096) {
		ktap_info("page size %ld, not 4096", sysconf(_SC_PAGESIZE));
		for (int i = 2; i < 29; i++)
			ktap_skip("page size", "4 KiB page numbers");
		return ktap_finish();
	}

	region(1, 4 * KiB);
	region(248, 8 * KiB);		/* 128 + 256 * 16 */
	region(1000, 20 * KiB);		/* 1024 entries */
	region(32768, 516 * KiB);	/* 128 + 512 KiB, page rounded */
	region(0, 0);
	region(32769, 0);

	stats(1, 144);
	stats(248, 4224);
	stats(32768, 128 + 512 * KiB);
	stats(0, 0);
	stats(32769, 0);

	area(16, 0, 64 * KiB);
	area(16, 65536, 1 * MiB);
	area(3, 100, 4 * KiB);
	area(0, 0, 0);
	area(1, 2 * MiB, 2 * MiB);
	area(65536, 65536, 4096 * MiB);

	entries(1 * MiB, 0, 256);
	entries(1 * MiB, 65536, 16);
	entries(1 * MiB + 4 * KiB, 0, 512);
	entries(12 * KiB, 0, 4);
	entries(0, 0, 1);
	entries(100, 0, 1);
	entries(128 * MiB, 0, 32768);
	entries(1024 * MiB, 0, 32768);
	entries(1024 * MiB, 2 * MiB, 512);
	entries(3 * 64 * KiB, 65536, 4);
	return ktap_finish();
}
