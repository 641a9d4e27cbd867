/* SPDX-License-Identifier: MIT */
/* Setting up the refill ring over its region. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <liburing/zcrx.h>

/*
 * Whether the registration result describes a ring this library can drive:
 * a power of two entries the kernel allows, head and tail naturally aligned
 * words that do not overlap, entries aligned and after both. Says nothing
 * about the region size, which only the caller of rq_init knows.
 */
static int rq_check(const struct io_uring_zcrx_ifq_reg *reg)
{
	const struct io_uring_zcrx_offsets *o = &reg->offsets;
	const __u32 word = sizeof(__u32);
	unsigned n = reg->rq_entries;

	if (!n || (n & (n - 1)) || n > LIBURING_ZCRX_RQ_MAX_ENTRIES)
		return -EINVAL;
	if (o->head % word || o->tail % word ||
	    o->rqes % _Alignof(struct io_uring_zcrx_rqe))
		return -EINVAL;
	if (o->head == o->tail || o->rqes < 2 * word)
		return -EINVAL;
	if (o->head > o->rqes - word || o->tail > o->rqes - word)
		return -EINVAL;
	return 0;
}

int io_uring_zcrx_rq_init(struct io_uring_zcrx_rq *rq,
			  const struct io_uring_zcrx_ifq_reg *reg,
			  void *ring_ptr)
{
	char *base = ring_ptr;
	int ret;

	if (!rq || !reg || !ring_ptr ||
	    (uintptr_t)ring_ptr % _Alignof(struct io_uring_zcrx_rqe))
		return -EINVAL;
	ret = rq_check(reg);
	if (ret)
		return ret;

	rq->khead = (__u32 *)(base + reg->offsets.head);
	rq->ktail = (__u32 *)(base + reg->offsets.tail);
	rq->rqes = (struct io_uring_zcrx_rqe *)(base + reg->offsets.rqes);
	rq->ring_entries = reg->rq_entries;
	rq->ring_ptr = ring_ptr;
	/*
	 * Continue from the tail the kernel sees: 0 for a new instance, but
	 * not necessarily for an imported one.
	 */
	rq->rq_tail = IO_URING_READ_ONCE(*rq->ktail);
	return 0;
}

int io_uring_zcrx_rq_map(struct io_uring *ring, struct io_uring_zcrx_rq *rq,
			 const struct io_uring_zcrx_ifq_reg *reg,
			 const struct io_uring_region_desc *rd)
{
	size_t end;
	void *ptr;
	int ret;

	if (!ring || !rq || !reg || !rd)
		return -EINVAL;
	/* User memory is already mapped: that is io_uring_zcrx_rq_init(). */
	if (rd->flags & IORING_MEM_REGION_TYPE_USER)
		return -EINVAL;
	ret = rq_check(reg);
	if (ret)
		return ret;
	end = (size_t)reg->offsets.rqes +
	      (size_t)reg->rq_entries * sizeof(struct io_uring_zcrx_rqe);
	if (rd->size < end || (size_t)rd->size != rd->size)
		return -EINVAL;

	ptr = mmap(NULL, rd->size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, ring->ring_fd,
		   (off_t)rd->mmap_offset);
	if (ptr == MAP_FAILED)
		return -errno;
	ret = io_uring_zcrx_rq_init(rq, reg, ptr);
	if (ret)
		munmap(ptr, rd->size);
	return ret;
}

void io_uring_zcrx_rq_unmap(struct io_uring_zcrx_rq *rq, size_t size)
{
	if (rq->ring_ptr)
		munmap(rq->ring_ptr, size);
	memset(rq, 0, sizeof(*rq));
}
