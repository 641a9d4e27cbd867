// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: what a data completion points at. Never outside the area,
 * whatever the CQE says; with -v, the bytes of the stream pattern
 * (tests/lib/pattern.h, what zcrx-send and pstream send) at the
 * connection's offset.
 */
#include <errno.h>
#include <inttypes.h>

#include "pattern.h"
#include "sink.h"

void verify_data(struct sink *s, struct conn *cn,
		 const struct io_uring_cqe *cqe)
{
	uint64_t off = io_uring_zcrx_cqe(cqe)->off & ~IORING_ZCRX_AREA_MASK;
	uint32_t len = (uint32_t)cqe->res;
	const uint8_t *data;

	if (off > s->area_size || len > s->area_size - off) {
		if (!cn->err)
			cn->err = -EFAULT;
		fprintf(stderr, PROG ": conn %" PRIu64 ": CQE outside the area (offset %" PRIu64 ", %u bytes)\n",
			cn->id, off, len);
		return;
	}
	if (!s->cfg.verify)
		return;
	data = io_uring_zcrx_cqe_data(cqe, s->area);
	cn->bad += pattern_check(data, cn->bytes, len, &cn->first_bad);
}
