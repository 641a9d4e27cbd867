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
