/* SPDX-License-Identifier: MIT */
/*
 * io_uring_register_ifq() against the kernel this runs on. The real thing
 * needs a zcrx kernel and a NIC (tests/zcrx/); here only the answers every
 * kernel gives: a ring without DEFER_TASKRUN and CQE32 cannot take a zcrx
 * instance (-EINVAL, also where the opcode is unknown; -EPERM first on a
 * zcrx kernel without CAP_NET_ADMIN), and a file that is no ring is refused.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <liburing/zcrx.h>

#include "ktap.h"

static struct io_uring_zcrx_ifq_reg reg;

int main(void)
{
	struct io_uring ring, fake;
	int ret, fds[2];

	ktap_plan(3);
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret)
		ktap_bail("io_uring_queue_init: %s", strerror(-ret));

	ret = io_uring_register_ifq(&ring, &reg);
	if (!ktap_result(ret == -EINVAL || ret == -EPERM,
			 "a plain ring is refused"))
		ktap_info("returned %d", ret);
	else
		ktap_info("returned %s", ret == -EINVAL ? "-EINVAL" : "-EPERM");
	ktap_result(reg.zcrx_id == 0 && reg.offsets.rqes == 0,
		    "nothing is written back on failure");
	io_uring_queue_exit(&ring);

	if (pipe(fds))
		ktap_bail("pipe: %s", strerror(errno));
	memset(&fake, 0, sizeof(fake));
	fake.ring_fd = fds[0];
	ret = io_uring_register_ifq(&fake, &reg);
	if (!ktap_result(ret == -EOPNOTSUPP, "a pipe is not a ring"))
		ktap_info("returned %d", ret);
	close(fds[0]);
	close(fds[1]);
	return ktap_finish();
}
