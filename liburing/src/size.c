/* SPDX-License-Identifier: MIT */
/* Sizing the area and the refill ring region before registration. */
#include <unistd.h>

#include <liburing/zcrx.h>

static size_t page_size(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return sz > 0 ? (size_t)sz : 4096;
}

static size_t align_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

static size_t roundup_pow2(size_t n)
{
	size_t r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

/* Header and entries: where the refill ring ends in its region. */
static size_t rq_end(unsigned rq_entries)
{
	size_t hdr = align_up(LIBURING_ZCRX_RQ_HDR_SIZE,
			      LIBURING_ZCRX_RQ_HDR_ALIGN);

	return hdr + roundup_pow2(rq_entries) * sizeof(struct io_uring_zcrx_rqe);
}

/*
 * Statistics go right after the entries, which keep them 8-byte aligned.
 * They cost no memory: a 128-byte header and a power of two of 16-byte
 * entries always leave room in the region's last page.
 */
size_t io_uring_zcrx_stats_offset(unsigned rq_entries)
{
	if (!rq_entries || rq_entries > LIBURING_ZCRX_RQ_MAX_ENTRIES)
		return 0;
	return align_up(rq_end(rq_entries), _Alignof(struct zcrx_stats));
}

size_t io_uring_zcrx_rq_region_size(unsigned rq_entries)
{
	/* The kernel refuses these; there is no size to give. */
	if (!rq_entries || rq_entries > LIBURING_ZCRX_RQ_MAX_ENTRIES)
		return 0;
	return align_up(io_uring_zcrx_stats_offset(rq_entries) +
			sizeof(struct zcrx_stats), page_size());
}

size_t io_uring_zcrx_area_size(unsigned nr_bufs, unsigned rx_buf_len)
{
	size_t len = rx_buf_len ? rx_buf_len : page_size();

	return align_up((size_t)nr_bufs * len, page_size());
}

unsigned io_uring_zcrx_rq_entries(size_t area_size, unsigned rx_buf_len)
{
	size_t len = rx_buf_len ? rx_buf_len : page_size();
	size_t bufs = area_size / len;

	if (bufs > LIBURING_ZCRX_RQ_MAX_ENTRIES)
		bufs = LIBURING_ZCRX_RQ_MAX_ENTRIES;
	return (unsigned)roundup_pow2(bufs);
}
