// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-recv: the smallest zero-copy receiver. It takes rx queue QUEUE of
 * IF, accepts one TCP connection on PORT and writes what arrives to
 * stdout, reading it where the NIC put it and giving every buffer back.
 * The NIC must steer the port to the queue, with header split on
 * (tools/zcrx-nic IF QUEUE -p PORT --configure does both).
 *
 *	zcrx-recv IF QUEUE PORT > FILE
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing/zcrx.h>

static void die(const char *what, int err)
{
	fprintf(stderr, "zcrx-recv: %s: %s\n", what, strerror(err));
	exit(1);
}

/* One TCP connection on PORT, IPv4 or IPv6. */
static int accept_one(int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	int one = 1, lfd = socket(AF_INET6, SOCK_STREAM, 0), fd;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		die("listen", errno);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept", errno);
	close(lfd);
	return fd;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_DEFER_TASKRUN |
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32 };
	size_t len = io_uring_zcrx_area_size(4096, 0);	/* 4096 pages */
	struct io_uring_zcrx_ifq_reg reg = { 0 };
	struct io_uring_region_desc region = { 0 };
	struct io_uring_zcrx_area_reg area;
	unsigned long long bytes = 0;
	struct io_uring_zcrx_rq rq;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int ret, fd, res, more;
	void *base;

	if (argc != 4) {
		fprintf(stderr, "usage: zcrx-recv IF QUEUE PORT > FILE\n");
		return 2;
	}
	ret = io_uring_queue_init_params(64, &ring, &p);
	if (ret)
		die("io_uring", -ret);
	ret = io_uring_zcrx_area_alloc(&base, &len, 0);
	if (!ret)
		ret = io_uring_zcrx_area_reg_init(&area, base, len, 0);
	if (ret < 0)
		die("area", -ret);

	/* The area, and a refill ring with room for every buffer in it. */
	reg.if_idx = if_nametoindex(argv[1]);
	reg.if_rxq = atoi(argv[2]);
	reg.rq_entries = io_uring_zcrx_rq_entries(len, 0);
	reg.area_ptr = (__u64)(uintptr_t)&area;
	reg.region_ptr = (__u64)(uintptr_t)&region;
	region.size = io_uring_zcrx_rq_region_size(reg.rq_entries);
	ret = io_uring_register_ifq(&ring, &reg);
	if (!ret)
		ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &region);
	if (ret)
		die("registering the queue", -ret);

	fd = accept_one(atoi(argv[3]));
	do {	/* multishot: one request, a completion per buffer */
		io_uring_prep_recv_zc_multishot(io_uring_get_sqe(&ring), fd,
						reg.zcrx_id);
		io_uring_submit(&ring);
		do {
			ret = io_uring_wait_cqe(&ring, &cqe);
			if (ret)
				die("waiting", -ret);
			res = cqe->res;
			more = cqe->flags & IORING_CQE_F_MORE;
			if (res > 0) {
				fwrite(io_uring_zcrx_cqe_data(cqe, base), 1, res,
				       stdout);
				bytes += res;
				io_uring_zcrx_rq_return(&rq, cqe);
				io_uring_zcrx_rq_commit(&rq);
			}
			io_uring_cqe_seen(&ring, cqe);
		} while (more);
		/* Ended without EOF: CQ overflow (-ENOSPC) or data; again. */
	} while (res > 0 || res == -ENOSPC);
	if (res < 0)
		die("RECV_ZC", -res);
	fprintf(stderr, "zcrx-recv: %llu bytes\n", bytes);
	return 0;
}
