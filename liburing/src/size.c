/* SPDX-License-Identifier: MIT */
/*
 * Sizing the area and the refill ring region before registration, and
 * filling the area's struct with what the kernel will check.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
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

/* The kernel takes no larger area (and refuses it with EFAULT). */
#define AREA_MAX_LEN	((uint64_t)1 << 40)

/*
 * The bytes of one buffer: rx_buf_len, or a page for 0. 0 when the kernel
 * would refuse rx_buf_len: not a power of two, or below the page size.
 */
static size_t buf_bytes(unsigned rx_buf_len)
{
	size_t page = page_size();

	if (!rx_buf_len)
		return page;
	if (rx_buf_len < page || (rx_buf_len & (rx_buf_len - 1)))
		return 0;
	return rx_buf_len;
}

ssize_t io_uring_zcrx_area_alloc_size(size_t len, unsigned rx_buf_len)
{
	size_t buf = buf_bytes(rx_buf_len);

	if (!buf || !len || (uint64_t)len > AREA_MAX_LEN)
		return -EINVAL;
	/*
	 * A buffer may not span two physically contiguous runs: above a
	 * page, only huge pages make runs long enough.
	 */
	if (buf > LIBURING_ZCRX_HUGE_PAGE_SIZE)
		return -ERANGE;
	if (buf > page_size())
		return (ssize_t)align_up(len, LIBURING_ZCRX_HUGE_PAGE_SIZE);
	return (ssize_t)align_up(len, page_size());
}

/*
 * How many buffers of rx_buf_len an area of len bytes holds, or -errno for
 * what the kernel would refuse whatever the memory: len 0, unaligned or
 * too large, a bad buffer size (EINVAL); a length the buffers do not cut
 * evenly, which no contiguous run can divide either (ERANGE).
 */
static int area_bufs(size_t len, unsigned rx_buf_len)
{
	size_t buf = buf_bytes(rx_buf_len);

	if (!buf || !len || len % page_size() || (uint64_t)len > AREA_MAX_LEN)
		return -EINVAL;
	if (len % buf)
		return -ERANGE;
	return (int)(len / buf);
}

int io_uring_zcrx_area_reg_init(struct io_uring_zcrx_area_reg *area,
				void *addr, size_t len, unsigned rx_buf_len)
{
	uintptr_t start = (uintptr_t)addr;
	int bufs;

	if (!area || !addr || start % page_size())
		return -EINVAL;
	bufs = area_bufs(len, rx_buf_len);
	if (bufs < 0)
		return bufs;
	if (start > UINTPTR_MAX - len)
		return -EOVERFLOW;
	memset(area, 0, sizeof(*area));
	area->addr = (__u64)start;
	area->len = len;
	return bufs;
}

int io_uring_zcrx_area_reg_dmabuf(struct io_uring_zcrx_area_reg *area,
				  int dmabuf_fd, unsigned rx_buf_len)
{
	off_t size;
	int bufs;

	if (!area)
		return -EINVAL;
	if (dmabuf_fd < 0)
		return -EBADF;
	/* A dma-buf tells its size only this way; the kernel wants it exactly. */
	size = lseek(dmabuf_fd, 0, SEEK_END);
	if (size < 0)
		return -errno;
	if ((uint64_t)size > AREA_MAX_LEN)
		return -EINVAL;
	bufs = area_bufs((size_t)size, rx_buf_len);
	if (bufs < 0)
		return bufs;
	memset(area, 0, sizeof(*area));
	area->flags = IORING_ZCRX_AREA_DMABUF;
	area->dmabuf_fd = (__u32)dmabuf_fd;
	area->len = (__u64)size;
	return bufs;
}
