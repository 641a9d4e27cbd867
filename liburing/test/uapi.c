/* SPDX-License-Identifier: MIT */
/*
 * The kernel interface <liburing/zcrx.h> provides, built three ways:
 * against the system headers only (uapi-system), and with a zcrx kernel's
 * uapi headers whose <linux/io_uring.h> comes before ours
 * (uapi-kernel-first) or after it (uapi-kernel-last). Which parts should
 * be the compat copy follows from that and from what the liburing
 * underneath has (zcrx-config.h). Layouts are checked at run time here as
 * well as by the header's static asserts, so each shows up as a result.
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

#if defined(KERNEL_HEADERS_FIRST)
/* The kernel's io_uring.h, with all of it, came first. */
#define COMPAT_UAPI		0
#define COMPAT_STRUCTS		0
#define COMPAT_QUERY		0
#elif defined(KERNEL_HEADERS_LAST)
/* liburing's io_uring.h; the kernel's zcrx.h and query.h where it lacks them. */
#define COMPAT_UAPI		(!LIBURING_ZCRX_LIB_RECV_ZC)
#define COMPAT_STRUCTS		0
#define COMPAT_QUERY		0
#else
/* liburing's io_uring.h, and no kernel headers with zcrx. */
#define COMPAT_UAPI		(!LIBURING_ZCRX_LIB_RECV_ZC)
#define COMPAT_STRUCTS		(!LIBURING_ZCRX_LIB_ZCRX)
#define COMPAT_QUERY		(!LIBURING_ZCRX_LIB_QUERY)
#endif

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

	ktap_plan(30);
	ktap_result(LIBURING_ZCRX_COMPAT_UAPI == COMPAT_UAPI,
		    "RECV_ZC and ZCRX_IFQ are from %s", source(COMPAT_UAPI));
	ktap_result(LIBURING_ZCRX_COMPAT_STRUCTS == COMPAT_STRUCTS,
		    "the zcrx structs are from %s", source(COMPAT_STRUCTS));
	ktap_result(LIBURING_ZCRX_COMPAT_QUERY == COMPAT_QUERY,
		    "the query structs are from %s", source(COMPAT_QUERY));

	ktap_result(IORING_OP_RECV_ZC == 58, "IORING_OP_RECV_ZC is 58");
	ktap_result(IORING_REGISTER_ZCRX_IFQ == 32,
		    "IORING_REGISTER_ZCRX_IFQ is 32");
	ktap_result(IORING_REGISTER_QUERY == 35 && IORING_REGISTER_ZCRX_CTRL == 36,
		    "IORING_REGISTER_QUERY is 35, IORING_REGISTER_ZCRX_CTRL 36");
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
	ktap_result(ZCRX_FEATURE_RX_PAGE_SIZE == 1 && ZCRX_FEATURE_EVENT == 2 &&
		    ZCRX_EVENT_ALLOC_FAIL == 0 && ZCRX_EVENT_COPY == 1 &&
		    ZCRX_EVENT_DESC_FLAG_STATS == 1,
		    "features RX_PAGE_SIZE 1, EVENT 2; events ALLOC_FAIL 0, COPY 1; FLAG_STATS 1");
	ktap_result(ZCRX_CTRL_FLUSH_RQ == 0 && ZCRX_CTRL_EXPORT == 1 &&
		    ZCRX_CTRL_ARM_EVENT == 2 && ZCRX_CTRL_ADD_AREA == 3,
		    "ctrl ops FLUSH_RQ 0, EXPORT 1, ARM_EVENT 2, ADD_AREA 3");
	ktap_result(IO_URING_QUERY_OPCODES == 0 && IO_URING_QUERY_ZCRX == 1 &&
		    IO_URING_QUERY_SCQ == 2 && IO_URING_QUERY_ZCRX_EVENT == 3,
		    "query ops OPCODES 0, ZCRX 1, SCQ 2, ZCRX_EVENT 3");

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
		    AT(io_uring_zcrx_ifq_reg, zcrx_id, 64),
		    "io_uring_zcrx_ifq_reg layout up to zcrx_id");
#if LIBURING_ZCRX_REG_EVENT_DESC
	ktap_result(AT(io_uring_zcrx_ifq_reg, rx_buf_len, 68) &&
		    AT(io_uring_zcrx_ifq_reg, event_desc, 72) &&
		    AT(io_uring_zcrx_ifq_reg, __resv, 80) &&
		    sizeof(((struct io_uring_zcrx_ifq_reg *)0)->__resv) == 16,
		    "io_uring_zcrx_ifq_reg: rx_buf_len at 68, event_desc at 72, __resv[2]");
#else
	ktap_result(AT(io_uring_zcrx_ifq_reg, __resv, 72) &&
		    sizeof(((struct io_uring_zcrx_ifq_reg *)0)->__resv) == 24,
		    "io_uring_zcrx_ifq_reg before events: __resv[3] at 72, where event_desc goes");
#endif
	ktap_result(SIZE(zcrx_event_desc, 96) && AT(zcrx_event_desc, user_data, 0) &&
		    AT(zcrx_event_desc, type_mask, 8) && AT(zcrx_event_desc, flags, 12) &&
		    AT(zcrx_event_desc, stats_offset, 16) &&
		    AT(zcrx_event_desc, __resv2, 24) &&
		    SIZE(zcrx_stats, 16) && AT(zcrx_stats, copy_count, 0) &&
		    AT(zcrx_stats, copy_bytes, 8),
		    "zcrx_event_desc and zcrx_stats layouts");
	ktap_result(SIZE(zcrx_ctrl, 72) && AT(zcrx_ctrl, zcrx_id, 0) &&
		    AT(zcrx_ctrl, op, 4) && AT(zcrx_ctrl, __resv, 8) &&
		    AT(zcrx_ctrl, zc_export, 24) && AT(zcrx_ctrl, zc_flush, 24) &&
		    SIZE(zcrx_ctrl_export, 48) && SIZE(zcrx_ctrl_flush_rq, 48) &&
		    SIZE(zcrx_ctrl_arm_event, 48) && SIZE(zcrx_ctrl_add_area, 48) &&
		    AT(zcrx_ctrl_export, zcrx_fd, 0) &&
		    AT(zcrx_ctrl_arm_event, event_type, 0) &&
		    AT(zcrx_ctrl_add_area, area_ptr, 0),
		    "zcrx_ctrl layout, its arguments 48 bytes at 24");
#if LIBURING_ZCRX_CTRL_ALL_OPS
	ktap_result(AT(zcrx_ctrl, zc_arm_event, 24) && AT(zcrx_ctrl, zc_area, 24) &&
		    AT(zcrx_ctrl, zc_area.area_ptr, 24),
		    "zcrx_ctrl names zc_arm_event and zc_area, at 24");
#else
	ktap_skip("this zcrx_ctrl has only zc_export and zc_flush (liburing 2.15)",
		  "zcrx_ctrl names zc_arm_event and zc_area: the helpers write them by offset");
#endif
	ktap_result(SIZE(io_uring_query_hdr, 40) &&
		    AT(io_uring_query_hdr, next_entry, 0) &&
		    AT(io_uring_query_hdr, query_data, 8) &&
		    AT(io_uring_query_hdr, query_op, 16) &&
		    AT(io_uring_query_hdr, size, 20) &&
		    AT(io_uring_query_hdr, result, 24) &&
		    AT(io_uring_query_hdr, __resv, 28),
		    "io_uring_query_hdr layout");
	ktap_result(SIZE(io_uring_query_opcode, 48) &&
		    AT(io_uring_query_opcode, nr_query_opcodes, 40) &&
		    SIZE(io_uring_query_zcrx, 40) &&
		    AT(io_uring_query_zcrx, nr_ctrl_opcodes, 16) &&
		    AT(io_uring_query_zcrx, features, 20) &&
		    AT(io_uring_query_zcrx, rq_hdr_size, 24) &&
		    AT(io_uring_query_zcrx, rq_hdr_alignment, 28) &&
		    SIZE(io_uring_query_zcrx_event, 48) &&
		    AT(io_uring_query_zcrx_event, stats_size, 4) &&
		    AT(io_uring_query_zcrx_event, stats_off_alignment, 8) &&
		    SIZE(io_uring_query_scq, 16) &&
		    AT(io_uring_query_scq, hdr_alignment, 8),
		    "query answer layouts: opcode, zcrx, zcrx_event, scq");
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
	/* Without the kernel's header, zcrx_ifq_idx is file_index. */
	ktap_result(AT(io_uring_sqe, zcrx_ifq_idx, 44) &&
		    sqe.zcrx_ifq_idx == 0x01020304 &&
		    sqe.file_index == 0x01020304,
		    "sqe->zcrx_ifq_idx reads the zcrx id back, as file_index does");
	ktap_result(sqe.opcode == IORING_OP_RECV_ZC,
		    "prep writes the opcode through these headers' enum");
	return ktap_finish();
}
