/* SPDX-License-Identifier: MIT */
/* Registration of a zero-copy receive interface queue. */
#include <liburing/zcrx.h>

int io_uring_register_ifq(struct io_uring *ring,
			  struct io_uring_zcrx_ifq_reg *reg)
{
	/* liburing's wrapper returns -errno, like every liburing call. */
	return io_uring_register(ring->ring_fd, IORING_REGISTER_ZCRX_IFQ, reg, 1);
}
