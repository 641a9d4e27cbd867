// SPDX-License-Identifier: GPL-2.0
/* Buffers that wait for room in the refill ring: see rq-held.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rq-held.h"

#define HELD_CQE_SIZE	32	/* a CQE of a CQE32 ring, as RECV_ZC needs */

static const struct io_uring_cqe *held_cqe(const struct rq_held *h, size_t i)
{
	return (const struct io_uring_cqe *)(h->cqes + i * HELD_CQE_SIZE);
}

void rq_held_flush(struct io_uring_zcrx_rq *rq, struct rq_held *h)
{
	while (h->nr && io_uring_zcrx_rq_return(rq, held_cqe(h, h->nr - 1)))
		h->nr--;
}

int rq_return_or_hold(struct io_uring_zcrx_rq *rq, struct rq_held *h,
		      const struct io_uring_cqe *cqe)
{
	if (!h->nr && io_uring_zcrx_rq_return(rq, cqe))
		return 0;
	if (h->nr == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		unsigned char *p = realloc(h->cqes, cap * HELD_CQE_SIZE);

		if (!p)
			return -ENOMEM;
		h->cqes = p;
		h->cap = cap;
	}
	memcpy(h->cqes + h->nr++ * HELD_CQE_SIZE, cqe, HELD_CQE_SIZE);
	rq_held_flush(rq, h);
	return 0;
}

void rq_held_free(struct rq_held *h)
{
	free(h->cqes);
	*h = (struct rq_held){ 0 };
}
