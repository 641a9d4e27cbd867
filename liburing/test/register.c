/* SPDX-License-Identifier: MIT */
/*
 * io_uring_register_ifq() against the kernel this runs on. The real thing
 * needs a zcrx kernel and a NIC (tests/zcrx/); here only the answers every
 * kernel gives: a ring without DEFER_TASKRUN and CQE32 cannot take a zcrx
 * instance (-EINVAL, also where the opcode is unknown; -EPERM first on a
 * zcrx kernel without CAP_NET_ADMIN), and a file that is no ring is refused.
 * A control call for an instance the ring does not have is refused too
 * (-ENXIO, or -EINVAL where the opcode is unknown), and the feature query
 * gives an answer or says the kernel cannot (-EOPNOTSUPP).
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

	ktap_plan(5);
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

	ret = io_uring_zcrx_flush_rq(&ring, 0);
	if (!ktap_result(ret == -ENXIO || ret == -EINVAL,
			 "a control call for an instance the ring lacks is refused"))
		ktap_info("returned %d", ret);
	else
		ktap_info("returned %s", ret == -ENXIO ? "-ENXIO" : "-EINVAL");
	io_uring_queue_exit(&ring);

	{
		struct io_uring_query_zcrx z;
		struct io_uring_query_zcrx_event e;

		ret = io_uring_zcrx_query(&z, &e);
		if (!ktap_result(ret == 0 || ret == -EOPNOTSUPP,
				 "the zcrx query answers, or says it cannot"))
			ktap_info("returned %d", ret);
		else if (ret)
			ktap_info("this kernel cannot tell its zcrx features");
		else
			ktap_info("this kernel: register_flags %llu, area_flags %llu, %u ctrl ops, features %#x, rq header %u/%u, events %#x, stats %u/%u",
				  (unsigned long long)z.register_flags,
				  (unsigned long long)z.area_flags,
				  z.nr_ctrl_opcodes, z.features, z.rq_hdr_size,
				  z.rq_hdr_alignment, e.event_flags, e.stats_size,
				  e.stats_off_alignment);
	}

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
