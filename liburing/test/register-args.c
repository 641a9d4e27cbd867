/* SPDX-License-Identifier: MIT */
/*
 * What io_uring_register_ifq() asks of the kernel: this program defines
 * io_uring_register() itself, so the library's call lands here and every
 * argument can be checked.
 */
#include <errno.h>
#include <string.h>

#include <liburing/zcrx.h>

#include "ktap.h"

static struct {
	unsigned calls, fd, opcode, nr_args;
	const void *arg;
	int ret;
} seen;

int io_uring_register(unsigned int fd, unsigned int opcode, const void *arg,
		      unsigned int nr_args)
{
	seen.calls++;
	seen.fd = fd;
	seen.opcode = opcode;
	seen.arg = arg;
	seen.nr_args = nr_args;
	return seen.ret;
}

int main(void)
{
	struct io_uring_zcrx_ifq_reg reg, copy;
	struct io_uring ring;
	int ret;

	if (LIBURING_ZCRX_LIB_FN_IFQ) {
		/* liburing's own: its syscall is not seen here */
		ktap_plan(1);
		ktap_skip("liburing has io_uring_register_ifq()",
			  "io_uring_register_ifq, as the kernel sees it");
		ktap_finish();
		return KTAP_SKIP_EXIT;
	}
	ktap_plan(7);
	memset(&ring, 0, sizeof(ring));
	ring.ring_fd = 42;
	ring.enter_ring_fd = 7;		/* a registered ring index */
	memset(&reg, 0, sizeof(reg));
	reg.if_idx = 3;
	reg.rq_entries = 4096;
	copy = reg;

	ret = io_uring_register_ifq(&ring, &reg);
	ktap_result(seen.calls == 1, "one io_uring_register call");
	ktap_result(seen.fd == 42, "on the ring fd, not a registered index");
	ktap_result(seen.opcode == 32, "opcode IORING_REGISTER_ZCRX_IFQ (32)");
	ktap_result(seen.arg == &reg && !memcmp(&reg, &copy, sizeof(reg)),
		    "the caller's struct, passed as is");
	ktap_result(seen.nr_args == 1, "nr_args 1");
	ktap_result(ret == 0, "success is 0");
	seen.ret = -EOPNOTSUPP;
	ret = io_uring_register_ifq(&ring, &reg);
	ktap_result(ret == -EOPNOTSUPP, "an error comes back as -errno");
	return ktap_finish();
}
