/* SPDX-License-Identifier: MIT */
/*
 * The header from C++: liburing's barrier templates instead of C11
 * atomics, no implicit void * conversions.
 */
#include <cstring>

#include <liburing/zcrx.h>

#include "ktap.h"

int main()
{
	alignas(4096) static unsigned char region[4096];
	alignas(16) unsigned char cqe_mem[32] = {};
	io_uring_cqe *cqe = reinterpret_cast<io_uring_cqe *>(cqe_mem);
	io_uring_zcrx_ifq_reg reg = {};
	io_uring_zcrx_rq rq;
	io_uring_sqe sqe;
	char area[64];

	ktap_plan(7);
	io_uring_prep_recv_zc(&sqe, 3, 1, 4096);
	ktap_result(sqe.opcode == IORING_OP_RECV_ZC && sqe.len == 4096 &&
		    sqe.file_index == 1 && sqe.ioprio == IORING_RECV_MULTISHOT,
		    "prep_recv_zc from C++");

	reg.rq_entries = 4;
	reg.offsets.tail = 64;
	reg.offsets.rqes = 128;
	ktap_result(io_uring_zcrx_rq_init(&rq, &reg, region) == 0,
		    "rq_init from C++");

	cqe->res = 10;
	io_uring_zcrx_cqe(cqe)->off = (7ULL << IORING_ZCRX_AREA_SHIFT) | 32;
	ktap_result(io_uring_zcrx_cqe_data(cqe, area) == area + 32,
		    "cqe_data from C++");

	bool ok = io_uring_zcrx_rq_return(&rq, cqe);
	io_uring_zcrx_rq_commit(&rq);
	ktap_result(ok && *rq.ktail == 1 && io_uring_zcrx_rq_space(&rq) == 3 &&
		    rq.rqes[0].len == 10,
		    "return, commit and space from C++");

	zcrx_event_desc desc;
	zcrx_stats st = {};
	size_t off = io_uring_zcrx_stats_offset(4);

	io_uring_zcrx_set_events(&reg, &desc, 5, 1 << ZCRX_EVENT_ALLOC_FAIL, off);
	ktap_result(desc.user_data == 5 && desc.stats_offset == off,
		    "set_events from C++");
	ktap_result(io_uring_zcrx_read_stats(&rq, off, &st) == 0 &&
		    st.copy_bytes == 0, "read_stats from C++");

	io_uring_zcrx_area_reg area_reg;
	ssize_t area_len = io_uring_zcrx_area_alloc_size(1, 0);

	ktap_result(area_len > 0 &&
		    io_uring_zcrx_area_reg_init(&area_reg, region,
						(size_t)area_len, 0) == 1 &&
		    area_reg.addr == reinterpret_cast<uintptr_t>(region),
		    "area_alloc_size and area_reg_init from C++");
	return ktap_finish();
}
