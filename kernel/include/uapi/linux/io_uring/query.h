/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * IORING_REGISTER_QUERY: what the kernel supports, asked before use. The
 * numbers and layouts are those of mainline Linux.
 *
 * The argument is a chain of headers linked by next_entry, each asking one
 * question (query_op) and pointing at size bytes for the answer.
 */
#ifndef LINUX_IO_URING_QUERY_H
#define LINUX_IO_URING_QUERY_H

#include <linux/types.h>

struct io_uring_query_hdr {
	__u64	next_entry;	/* the next header, or 0 */
	__u64	query_data;	/* where the answer goes */
	__u32	query_op;
	__u32	size;		/* in: room at query_data; out: bytes written */
	__s32	result;		/* out: 0 or a negative errno */
	__u32	__resv[3];
};

enum {
	IO_URING_QUERY_OPCODES		= 0,
	IO_URING_QUERY_ZCRX		= 1,
	IO_URING_QUERY_SCQ		= 2,
	IO_URING_QUERY_ZCRX_EVENT	= 3,

	__IO_URING_QUERY_MAX,
};

/* IO_URING_QUERY_OPCODES */
struct io_uring_query_opcode {
	__u32	nr_request_opcodes;	/* IORING_OP_LAST */
	__u32	nr_register_opcodes;	/* IORING_REGISTER_LAST */
	__u64	feature_flags;		/* IORING_FEAT_* */
	__u64	ring_setup_flags;	/* IORING_SETUP_* accepted */
	__u64	enter_flags;		/* IORING_ENTER_* accepted */
	__u64	sqe_flags;		/* IOSQE_* accepted */
	__u32	nr_query_opcodes;
	__u32	__pad;
};

/* IO_URING_QUERY_ZCRX */
struct io_uring_query_zcrx {
	__u64	register_flags;		/* enum zcrx_reg_flags accepted */
	__u64	area_flags;		/* IORING_ZCRX_AREA_* accepted */
	__u32	nr_ctrl_opcodes;	/* enum zcrx_ctrl_op implemented */
	__u32	features;		/* enum zcrx_features */
	__u32	rq_hdr_size;		/* the refill ring's header */
	__u32	rq_hdr_alignment;	/* and what it is aligned to */
	__u64	__resv2;
};

/* IO_URING_QUERY_ZCRX_EVENT */
struct io_uring_query_zcrx_event {
	__u32	event_flags;		/* event types supported, as a mask */
	__u32	stats_size;		/* sizeof(struct zcrx_stats) */
	__u32	stats_off_alignment;
	__u32	__resv;
	__u64	__resv2[4];
};

/* IO_URING_QUERY_SCQ: the header of the shared SQ/CQ rings */
struct io_uring_query_scq {
	__u64	hdr_size;
	__u64	hdr_alignment;
};

#endif /* LINUX_IO_URING_QUERY_H */
