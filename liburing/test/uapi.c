/* SPDX-License-Identifier: MIT */
/*
 * The kernel interface <liburing/zcrx.h> provides, built three ways:
 * against the system headers only (uapi-system), and with a zcrx kernel's
 * uapi headers whose <linux/io_uring.h> comes before ours
 * (uapi-kernel-first) or after it (uapi-kernel-last). The Makefile says
 * which parts should be the compat copy (COMPAT_UAPI, COMPAT_STRUCTS).
 * Layouts are checked at run time here as well as by the header's static
 * asserts, so each shows up as a result.
 */
#ifdef KERNEL_HEADERS_FIRST
#include <linux/io_uring.h>
#endif
#include <liburing/zcrx.h>
#ifdef KERNEL_HEADERS_LAST
#include <linux/io_uring.h>
#include <linux/io_uring/zcrx.h>	/* a no-op now, not a redefinition */
#endif

#include <string.h>

#include "ktap.h"

#define SIZE(t, n)		(sizeof(struct t) == (n))
#define AT(t, f, n)		(offsetof(struct t, f) == (n))

static const char *source(int compat)
{
	return compat ? "the compat copy" : "the included headers";
}

int main(void)
{
	struct io_uring_sqe sqe;
	__u32 word;

	ktap_plan(19);
	ktap_result(LIBURING_ZCRX_COMPAT_UAPI == COMPAT_UAPI,
		    "RECV_ZC, ZCRX_IFQ and the region descriptor are from %s",
		    source(COMPAT_UAPI));
	ktap_result(LIBURING_ZCRX_COMPAT_STRUCTS == COMPAT_STRUCTS,
		    "the zcrx structs are from %s", source(COMPAT_STRUCTS));

	ktap_result(IORING_OP_RECV_ZC == 58, "IORING_OP_RECV_ZC is 58");
	ktap_result(IORING_REGISTER_ZCRX_IFQ == 32,
		    "IORING_REGISTER_ZCRX_IFQ is 32");
	ktap_result(IORING_MEM_REGION_TYPE_USER == 1,
		    "IORING_MEM_REGION_TYPE_USER is 1");
	ktap_result(IORING_RECVSEND_POLL_FIRST == 1 && IORING_RECV_MULTISHOT == 2,
		    "recv ioprio flags POLL_FIRST 1, MULTISHOT 2");
	ktap_result(IORING_ZCRX_AREA_SHIFT == 48 &&
		    IORING_ZCRX_AREA_MASK == ~((1ULL << 48) - 1),
		    "area id in bits 48..63");
	ktap_result(IORING_ZCRX_AREA_DMABUF == 1, "IORING_ZCRX_AREA_DMABUF is 1");
	ktap_result(ZCRX_REG_IMPORT == 1 && ZCRX_REG_NODEV == 2 &&
		    sizeof(enum zcrx_reg_flags) == sizeof(int),
		    "enum zcrx_reg_flags: ZCRX_REG_IMPORT 1, ZCRX_REG_NODEV 2");

	ktap_result(SIZE(io_uring_zcrx_rqe, 16) && AT(io_uring_zcrx_rqe, off, 0) &&
		    AT(io_uring_zcrx_rqe, len, 8) && AT(io_uring_zcrx_rqe, __pad, 12),
		    "io_uring_zcrx_rqe layout");
	ktap_result(SIZE(io_uring_zcrx_cqe, 16) && AT(io_uring_zcrx_cqe, off, 0) &&
		    AT(io_uring_zcrx_cqe, __pad, 8),
		    "io_uring_zcrx_cqe layout");
	ktap_result(SIZE(io_uring_zcrx_offsets, 32) &&
		    AT(io_uring_zcrx_offsets, head, 0) &&
		    AT(io_uring_zcrx_offsets, tail, 4) &&
		    AT(io_uring_zcrx_offsets, rqes, 8) &&
		    AT(io_uring_zcrx_offsets, __resv2, 12) &&
		    AT(io_uring_zcrx_offsets, __resv, 16),
		    "io_uring_zcrx_offsets layout");
	ktap_result(SIZE(io_uring_zcrx_area_reg, 48) &&
		    AT(io_uring_zcrx_area_reg, addr, 0) &&
		    AT(io_uring_zcrx_area_reg, len, 8) &&
		    AT(io_uring_zcrx_area_reg, rq_area_token, 16) &&
		    AT(io_uring_zcrx_area_reg, flags, 24) &&
		    AT(io_uring_zcrx_area_reg, dmabuf_fd, 28) &&
		    AT(io_uring_zcrx_area_reg, __resv2, 32),
		    "io_uring_zcrx_area_reg layout");
	ktap_result(SIZE(io_uring_zcrx_ifq_reg, 96) &&
		    AT(io_uring_zcrx_ifq_reg, if_idx, 0) &&
		    AT(io_uring_zcrx_ifq_reg, if_rxq, 4) &&
		    AT(io_uring_zcrx_ifq_reg, rq_entries, 8) &&
		    AT(io_uring_zcrx_ifq_reg, flags, 12) &&
		    AT(io_uring_zcrx_ifq_reg, area_ptr, 16) &&
		    AT(io_uring_zcrx_ifq_reg, region_ptr, 24) &&
		    AT(io_uring_zcrx_ifq_reg, offsets, 32) &&
		    AT(io_uring_zcrx_ifq_reg, zcrx_id, 64) &&
		    AT(io_uring_zcrx_ifq_reg, rx_buf_len, 68) &&
		    AT(io_uring_zcrx_ifq_reg, event_desc, 72) &&
		    AT(io_uring_zcrx_ifq_reg, __resv, 80) &&
		    sizeof(((struct io_uring_zcrx_ifq_reg *)0)->__resv) == 16,
		    "io_uring_zcrx_ifq_reg layout (revision 2: event_desc at 72, __resv[2])");
	ktap_result(SIZE(io_uring_region_desc, 64) &&
		    AT(io_uring_region_desc, user_addr, 0) &&
		    AT(io_uring_region_desc, size, 8) &&
		    AT(io_uring_region_desc, flags, 16) &&
		    AT(io_uring_region_desc, id, 20) &&
		    AT(io_uring_region_desc, mmap_offset, 24) &&
		    AT(io_uring_region_desc, __resv, 32),
		    "io_uring_region_desc layout");
	ktap_result(SIZE(io_uring_sqe, 64) && AT(io_uring_sqe, file_index, 44) &&
		    SIZE(io_uring_cqe, 16),
		    "sqe is 64 bytes with file_index at 44, cqe header 16");

	memset(&sqe, 0, sizeof(sqe));
	io_uring_prep_recv_zc(&sqe, 5, 0x01020304, 0);
	memcpy(&word, (char *)&sqe + 44, sizeof(word));
	ktap_result(word == 0x01020304, "prep puts the zcrx id at byte 44");
	/* Without the kernel's header, the SQE names the word file_index. */
#if !LIBURING_ZCRX_COMPAT_UAPI
	ktap_result(AT(io_uring_sqe, zcrx_ifq_idx, 44) &&
		    sqe.zcrx_ifq_idx == 0x01020304,
		    "the sqe field at byte 44 reads the zcrx id back");
#else
	ktap_result(sqe.file_index == 0x01020304,
		    "the sqe field at byte 44 reads the zcrx id back");
#endif
	ktap_result(sqe.opcode == IORING_OP_RECV_ZC,
		    "prep writes the opcode through these headers' enum");
	return ktap_finish();
}
