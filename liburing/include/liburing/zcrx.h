/* SPDX-License-Identifier: MIT */
/*
 * liburing-zcrx: io_uring zero-copy receive (zcrx) for programs built on the
 * liburing a distribution ships. Names are mainline liburing's where it has
 * them (struct io_uring_zcrx_rq, io_uring_register_ifq(),
 * io_uring_register_zcrx_ctrl(), io_uring_register_query()), defined here
 * only where the liburing underneath lacks them; the rest are helpers
 * mainline does not have. See liburing-zcrx(7).
 *
 * The ring must be set up with IORING_SETUP_DEFER_TASKRUN and
 * IORING_SETUP_CQE32 (and so IORING_SETUP_SINGLE_ISSUER).
 */
#ifndef LIBURING_ZCRX_H
#define LIBURING_ZCRX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "zcrx-compat.h"	/* <liburing.h> and the kernel interface */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The kernel's refill ring region starts with a header: head at byte 0,
 * tail at byte 64 (each on its own cache line), entries at byte 128. The
 * IO_URING_QUERY_ZCRX query of later kernels reports these two numbers as
 * rq_hdr_size and rq_hdr_alignment; until it exists, these are the values.
 */
#define LIBURING_ZCRX_RQ_HDR_SIZE	128
#define LIBURING_ZCRX_RQ_HDR_ALIGN	64
/* Most refill ring entries a registration may ask for. */
#define LIBURING_ZCRX_RQ_MAX_ENTRIES	32768
/*
 * The huge page the area helpers back areas with when buffers are larger
 * than a page (x86-64's 2 MiB hugetlb page), and so their largest buffer.
 */
#define LIBURING_ZCRX_HUGE_PAGE_SIZE	(2U << 20)

#if !LIBURING_ZCRX_LIB_ZCRX_RQ
/*
 * The refill ring as the application sees it: it is the producer, the kernel
 * the consumer. rq_tail runs ahead of *ktail until io_uring_zcrx_rq_commit().
 */
struct io_uring_zcrx_rq {
	__u32 *khead;
	__u32 *ktail;
	__u32 rq_tail;
	unsigned ring_entries;
	struct io_uring_zcrx_rqe *rqes;
	void *ring_ptr;
};
#endif

/* mainline liburing's, where the liburing underneath lacks them */
#if !LIBURING_ZCRX_LIB_FN_IFQ
int io_uring_register_ifq(struct io_uring *ring,
			  struct io_uring_zcrx_ifq_reg *reg);
#endif
#if !LIBURING_ZCRX_LIB_FN_CTRL
int io_uring_register_zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl);
#endif
#if !LIBURING_ZCRX_LIB_FN_QUERY
int io_uring_register_query(struct io_uring_query_hdr *query);
#endif

/* What the kernel's zcrx can do, in one call. */
int io_uring_zcrx_query(struct io_uring_query_zcrx *zcrx,
			struct io_uring_query_zcrx_event *event);

/* Sharing an instance, control operations. */
int io_uring_zcrx_export(struct io_uring *ring, unsigned zcrx_id);
int io_uring_zcrx_import(struct io_uring *ring, int zcrx_fd,
			 struct io_uring_zcrx_ifq_reg *reg);
int io_uring_zcrx_flush_rq(struct io_uring *ring, unsigned zcrx_id);
int io_uring_zcrx_arm_event(struct io_uring *ring, unsigned zcrx_id,
			    unsigned event_type);
int io_uring_zcrx_add_area(struct io_uring *ring, unsigned zcrx_id,
			   struct io_uring_zcrx_area_reg *area);

int io_uring_zcrx_rq_init(struct io_uring_zcrx_rq *rq,
			  const struct io_uring_zcrx_ifq_reg *reg,
			  void *ring_ptr);
int io_uring_zcrx_rq_map(struct io_uring *ring, struct io_uring_zcrx_rq *rq,
			 const struct io_uring_zcrx_ifq_reg *reg,
			 const struct io_uring_region_desc *rd);
void io_uring_zcrx_rq_unmap(struct io_uring_zcrx_rq *rq, size_t size);

size_t io_uring_zcrx_rq_region_size(unsigned rq_entries);
size_t io_uring_zcrx_stats_offset(unsigned rq_entries);
size_t io_uring_zcrx_area_size(unsigned nr_bufs, unsigned rx_buf_len);
unsigned io_uring_zcrx_rq_entries(size_t area_size, unsigned rx_buf_len);

/*
 * Areas: memory for buffers of rx_buf_len (0: a page; larger ones need
 * huge pages), a dma-buf over a udmabuf for tests and demos, and the
 * struct io_uring_zcrx_area_reg for either kind. Each returns -errno on
 * failure; the _reg_ ones return the number of buffers.
 */
ssize_t io_uring_zcrx_area_alloc_size(size_t len, unsigned rx_buf_len);
int io_uring_zcrx_area_alloc(void **addr, size_t *len, unsigned rx_buf_len);
int io_uring_zcrx_area_free(void *addr, size_t len);
int io_uring_zcrx_area_reg_init(struct io_uring_zcrx_area_reg *area,
				void *addr, size_t len, unsigned rx_buf_len);
int io_uring_zcrx_area_reg_dmabuf(struct io_uring_zcrx_area_reg *area,
				  int dmabuf_fd, unsigned rx_buf_len);
int io_uring_zcrx_udmabuf_create(void **map, size_t *len,
				 unsigned rx_buf_len);

/*
 * Receive from TCP socket fd into the buffers of zcrx instance zcrx_id,
 * until EOF, an error, or once len bytes arrived: len is a read limit for
 * the whole request, 0 for none, and any value is valid. Every data
 * completion has IORING_CQE_F_MORE; the last one has not (res 0, flags 0
 * at the limit).
 */
static inline void io_uring_prep_recv_zc(struct io_uring_sqe *sqe, int fd,
					 unsigned zcrx_id, unsigned len)
{
	io_uring_prep_rw(IORING_OP_RECV_ZC, sqe, fd, NULL, len, 0);
	/*
	 * liburing 2.3's prep_rw sets every field, newer ones leave some to
	 * io_uring_get_sqe(): these must be 0 for RECV_ZC whatever the SQE
	 * held before.
	 */
	sqe->msg_flags = 0;
	sqe->buf_index = 0;
	sqe->personality = 0;
	sqe->addr3 = 0;
	sqe->__pad2[0] = 0;
	/* RECV_ZC is multishot only: the kernel refuses it without. */
	sqe->ioprio = IORING_RECV_MULTISHOT;
	sqe->zcrx_ifq_idx = zcrx_id;
}

static inline void io_uring_prep_recv_zc_multishot(struct io_uring_sqe *sqe,
						   int fd, unsigned zcrx_id)
{
	io_uring_prep_recv_zc(sqe, fd, zcrx_id, 0);
}

/* The zcrx half of a 32-byte RECV_ZC completion. */
static inline struct io_uring_zcrx_cqe *
io_uring_zcrx_cqe(const struct io_uring_cqe *cqe)
{
	return (struct io_uring_zcrx_cqe *)(uintptr_t)cqe->big_cqe;
}

/* Where the data of a RECV_ZC completion is, in the area at area_base. */
static inline void *io_uring_zcrx_cqe_data(const struct io_uring_cqe *cqe,
					   void *area_base)
{
	__u64 off = io_uring_zcrx_cqe(cqe)->off & ~IORING_ZCRX_AREA_MASK;

	return (char *)area_base + off;
}

/* Entries free for io_uring_zcrx_rq_return(), counting uncommitted ones. */
static inline unsigned io_uring_zcrx_rq_space(const struct io_uring_zcrx_rq *rq)
{
	/* Acquire: the kernel is done with the entries before head. */
	__u32 head = io_uring_smp_load_acquire(rq->khead);

	return rq->ring_entries - (rq->rq_tail - head);
}

/*
 * Queue the buffer of a RECV_ZC completion for return to the kernel; it
 * goes back with the next io_uring_zcrx_rq_commit(). False if the ring is
 * full. A completion without data (res <= 0) holds no buffer: nothing is
 * queued, and that is not a failure.
 */
static inline bool io_uring_zcrx_rq_return(struct io_uring_zcrx_rq *rq,
					   const struct io_uring_cqe *cqe)
{
	struct io_uring_zcrx_rqe *rqe;

	if (cqe->res <= 0)
		return true;
	if (!io_uring_zcrx_rq_space(rq))
		return false;
	rqe = &rq->rqes[rq->rq_tail & (rq->ring_entries - 1)];
	rqe->off = io_uring_zcrx_cqe(cqe)->off;
	rqe->len = (__u32)cqe->res;
	rqe->__pad = 0;
	rq->rq_tail++;
	return true;
}

/* Hand every queued buffer to the kernel. */
static inline void io_uring_zcrx_rq_commit(struct io_uring_zcrx_rq *rq)
{
	/* Release: the entries are written before the kernel sees the tail. */
	io_uring_smp_store_release(rq->ktail, rq->rq_tail);
}

/*
 * Ask for events and statistics at registration: fill *desc and point
 * reg->event_desc at it. type_mask has 1 << ZCRX_EVENT_* for each event
 * wanted (event CQEs carry user_data); a non-zero stats_offset puts a
 * struct zcrx_stats there in the refill region (see
 * io_uring_zcrx_stats_offset()). desc must stay valid until registered.
 * Works with headers that have no event_desc member yet.
 */
static inline void io_uring_zcrx_set_events(struct io_uring_zcrx_ifq_reg *reg,
					    struct zcrx_event_desc *desc,
					    __u64 user_data, __u32 type_mask,
					    __u64 stats_offset)
{
	__u64 ptr = (__u64)(uintptr_t)desc;

	memset(desc, 0, sizeof(*desc));
	desc->user_data = user_data;
	desc->type_mask = type_mask;
	if (stats_offset) {
		desc->flags = ZCRX_EVENT_DESC_FLAG_STATS;
		desc->stats_offset = stats_offset;
	}
	memcpy((char *)reg + LIBURING_ZCRX_EVENT_DESC_OFFSET, &ptr, sizeof(ptr));
}

/*
 * Copy the statistics the kernel keeps at stats_offset of the refill
 * region rq was set up over. -EINVAL if they cannot be there: misaligned,
 * or over the ring's entries.
 */
static inline int io_uring_zcrx_read_stats(const struct io_uring_zcrx_rq *rq,
					   size_t stats_offset,
					   struct zcrx_stats *stats)
{
	const struct zcrx_stats *s;
	size_t end;

	if (!rq->ring_ptr || stats_offset % sizeof(__u64))
		return -EINVAL;
	end = (size_t)((const char *)(rq->rqes + rq->ring_entries) -
		       (const char *)rq->ring_ptr);
	if (stats_offset < end)
		return -EINVAL;
	s = (const struct zcrx_stats *)((const char *)rq->ring_ptr +
					stats_offset);
	/* The kernel updates them as data is copied: one load each. */
	stats->copy_count = IO_URING_READ_ONCE(s->copy_count);
	stats->copy_bytes = IO_URING_READ_ONCE(s->copy_bytes);
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBURING_ZCRX_H */
