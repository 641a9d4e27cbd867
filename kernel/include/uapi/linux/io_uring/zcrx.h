/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * io_uring zero-copy receive (zcrx): registration and ring entry layouts.
 *
 * The numbers and layouts are those of mainline Linux, so a program built
 * against either set of headers runs on both kernels.
 */
#ifndef LINUX_IO_URING_ZCRX_H
#define LINUX_IO_URING_ZCRX_H

#include <linux/types.h>

/* The area id of a buffer offset lives in its top 16 bits. */
#define IORING_ZCRX_AREA_SHIFT	48
#define IORING_ZCRX_AREA_MASK	(~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))

/* Refill ring entry: a buffer the application gives back to the kernel. */
struct io_uring_zcrx_rqe {
	__u64	off;	/* cqe->off of the buffer, area id included */
	__u32	len;
	__u32	__pad;
};

/* Second half of the 32-byte CQE of an IORING_OP_RECV_ZC completion. */
struct io_uring_zcrx_cqe {
	__u64	off;	/* (area id << IORING_ZCRX_AREA_SHIFT) | offset */
	__u64	__pad;
};

/* Where the refill ring's head, tail and entries sit in its region. */
struct io_uring_zcrx_offsets {
	__u32	head;
	__u32	tail;
	__u32	rqes;
	__u32	__resv2;
	__u64	__resv[2];
};

enum io_uring_zcrx_area_flags {
	IORING_ZCRX_AREA_DMABUF		= 1,
};

struct io_uring_zcrx_area_reg {
	__u64	addr;
	__u64	len;
	__u64	rq_area_token;	/* out: area id << IORING_ZCRX_AREA_SHIFT */
	__u32	flags;
	__u32	dmabuf_fd;
	__u64	__resv2[2];
};

/* Registration flags */
enum zcrx_reg_flags {
	/* share the instance behind an fd from ZCRX_CTRL_EXPORT (if_idx) */
	ZCRX_REG_IMPORT			= 1,
	/* no device: every byte received is copied into the area */
	ZCRX_REG_NODEV			= 2,
};

/* What IO_URING_QUERY_ZCRX reports in its features */
enum zcrx_features {
	/* rx_buf_len other than the page size works */
	ZCRX_FEATURE_RX_PAGE_SIZE	= 1 << 0,
	/* event_desc, ZCRX_CTRL_ARM_EVENT and struct zcrx_stats */
	ZCRX_FEATURE_EVENT		= 1 << 1,
};

/* Event types: the res of an event CQE, bits of type_mask */
enum zcrx_event_type {
	/* the queue's page pool found no buffer to refill with */
	ZCRX_EVENT_ALLOC_FAIL		= 0,
	/* payload had to be copied into the area */
	ZCRX_EVENT_COPY			= 1,

	__ZCRX_EVENT_LAST,
};

/* struct zcrx_stats is in the refill region at stats_offset */
#define ZCRX_EVENT_DESC_FLAG_STATS	(1U << 0)

/* What ifq_reg.event_desc points to */
struct zcrx_event_desc {
	__u64	user_data;	/* of every event CQE */
	__u32	type_mask;	/* 1 << enum zcrx_event_type, for each wanted */
	__u32	flags;
	__u64	stats_offset;	/* with ZCRX_EVENT_DESC_FLAG_STATS */
	__u64	__resv2[9];
};

/* Kept up to date by the kernel in the refill region */
struct zcrx_stats {
	__u64	copy_count;	/* payload pieces copied into the area */
	__u64	copy_bytes;
};

/* Argument of IORING_REGISTER_ZCRX_IFQ. */
struct io_uring_zcrx_ifq_reg {
	__u32	if_idx;
	__u32	if_rxq;
	__u32	rq_entries;	/* in: wanted, out: rounded up */
	__u32	flags;

	__u64	area_ptr;	/* pointer to struct io_uring_zcrx_area_reg */
	__u64	region_ptr;	/* pointer to struct io_uring_region_desc */

	struct io_uring_zcrx_offsets offsets;	/* out */
	__u32	zcrx_id;	/* out */
	__u32	rx_buf_len;	/* in: 0 for PAGE_SIZE, out: the size used */
	__u64	event_desc;	/* pointer to struct zcrx_event_desc, or 0 */
	__u64	__resv[2];
};

/* Operations of IORING_REGISTER_ZCRX_CTRL */
enum zcrx_ctrl_op {
	ZCRX_CTRL_FLUSH_RQ	= 0,	/* consume the refill ring now */
	ZCRX_CTRL_EXPORT	= 1,	/* an fd other rings import with */
	ZCRX_CTRL_ARM_EVENT	= 2,	/* re-arm an event that fired */
	ZCRX_CTRL_ADD_AREA	= 3,	/* another area for the instance */

	__ZCRX_CTRL_LAST,
};

struct zcrx_ctrl_flush_rq {
	__u64	__resv[6];
};

struct zcrx_ctrl_export {
	__u32	zcrx_fd;	/* out */
	__u32	__resv1[11];
};

struct zcrx_ctrl_arm_event {
	__u32	event_type;
	__u32	__resv[11];
};

struct zcrx_ctrl_add_area {
	__u64	area_ptr;	/* pointer to struct io_uring_zcrx_area_reg */
	__u64	__resv[5];
};

/* Argument of IORING_REGISTER_ZCRX_CTRL */
struct zcrx_ctrl {
	__u32	zcrx_id;
	__u32	op;		/* enum zcrx_ctrl_op */
	__u64	__resv[2];

	union {
		struct zcrx_ctrl_export		zc_export;
		struct zcrx_ctrl_flush_rq	zc_flush;
		struct zcrx_ctrl_arm_event	zc_arm_event;
		struct zcrx_ctrl_add_area	zc_area;
	};
};

#endif /* LINUX_IO_URING_ZCRX_H */
