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

/*
 * Registration flags. This kernel does not implement them yet and refuses
 * both with -EINVAL; the numbers are reserved so they keep their meaning.
 */
enum zcrx_reg_flags {
	ZCRX_REG_IMPORT			= 1,	/* share another ring's instance */
	ZCRX_REG_NODEV			= 2,	/* an area with no device bound */
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

#endif /* LINUX_IO_URING_ZCRX_H */
