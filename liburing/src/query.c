/* SPDX-License-Identifier: MIT */
/* What the kernel's zcrx supports, in one IORING_REGISTER_QUERY call. */
#include <errno.h>
#include <string.h>

#include <liburing/zcrx.h>

static void query_entry(struct io_uring_query_hdr *hdr, unsigned op,
			void *data, size_t size)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->query_op = op;
	hdr->query_data = (__u64)(uintptr_t)data;
	hdr->size = (__u32)size;
}

int io_uring_zcrx_query(struct io_uring_query_zcrx *zcrx,
			struct io_uring_query_zcrx_event *event)
{
	struct io_uring_query_hdr hdr[2];
	int ret;

	if (!zcrx)
		return -EINVAL;
	memset(zcrx, 0, sizeof(*zcrx));
	query_entry(&hdr[0], IO_URING_QUERY_ZCRX, zcrx, sizeof(*zcrx));
	if (event) {
		memset(event, 0, sizeof(*event));
		query_entry(&hdr[1], IO_URING_QUERY_ZCRX_EVENT, event,
			    sizeof(*event));
		hdr[0].next_entry = (__u64)(uintptr_t)&hdr[1];
	}

	ret = io_uring_register_query(&hdr[0]);
	/*
	 * A kernel without IORING_REGISTER_QUERY: before 6.13 fd -1 is no
	 * file (EBADF), later it is an unknown opcode without a ring (EINVAL).
	 */
	if (ret == -EBADF || ret == -EINVAL)
		return -EOPNOTSUPP;
	if (ret < 0)
		return ret;
	/* No zcrx, or a kernel that cannot tell: nothing is known. */
	if (hdr[0].result) {
		memset(zcrx, 0, sizeof(*zcrx));
		if (event)
			memset(event, 0, sizeof(*event));
		return hdr[0].result;
	}
	/* Events are optional: an error leaves their answer zeroed. */
	if (event && hdr[1].result)
		memset(event, 0, sizeof(*event));
	return 0;
}
