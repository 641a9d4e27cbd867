/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Data CQEs whose buffers wait for room in the refill ring. A full refill
 * ring means the kernel has plenty to take already; the CQE is kept and
 * its buffer returned later, so none is ever lost. Shared by zcrx-sink,
 * zcrx-echo and the fio engine; committing the ring stays the caller's.
 */
#ifndef ZCRX_RQ_HELD_H
#define ZCRX_RQ_HELD_H

#include <stddef.h>

#include <liburing/zcrx.h>

struct rq_held {
	unsigned char *cqes;		/* 32-byte CQEs, last in first out */
	size_t nr, cap;
};

/* Return what we can of the held buffers. */
void rq_held_flush(struct io_uring_zcrx_rq *rq, struct rq_held *h);
/* Return @cqe's buffer, or hold it; -ENOMEM if it can be neither. */
int rq_return_or_hold(struct io_uring_zcrx_rq *rq, struct rq_held *h,
		      const struct io_uring_cqe *cqe);
void rq_held_free(struct rq_held *h);

#endif /* ZCRX_RQ_HELD_H */
