/* SPDX-License-Identifier: MIT */
/*
 * mainline liburing's register calls for zcrx, each compiled only when the
 * liburing underneath lacks it (probe.sh): a program linking both must
 * not find two definitions. All return 0 or -errno, like liburing.
 */
#include <liburing/zcrx.h>

#if !LIBURING_ZCRX_LIB_FN_IFQ
int io_uring_register_ifq(struct io_uring *ring,
			  struct io_uring_zcrx_ifq_reg *reg)
{
	return io_uring_register(ring->ring_fd, IORING_REGISTER_ZCRX_IFQ, reg, 1);
}
#endif

#if !LIBURING_ZCRX_LIB_FN_CTRL
int io_uring_register_zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl)
{
	return io_uring_register(ring->ring_fd, IORING_REGISTER_ZCRX_CTRL, ctrl,
				 0);
}
#endif

#if !LIBURING_ZCRX_LIB_FN_QUERY
int io_uring_register_query(struct io_uring_query_hdr *query)
{
	/* Queries need no ring: the kernel takes fd -1. */
	return io_uring_register((unsigned int)-1, IORING_REGISTER_QUERY, query,
				 0);
}
#endif
