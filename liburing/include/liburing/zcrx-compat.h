/* SPDX-License-Identifier: MIT */
/*
 * Private part of <liburing/zcrx.h>, do not include it yourself: the kernel
 * interface of io_uring zero-copy receive, taken from the headers that have
 * it, else from the copy below.
 *
 * liburing's own io_uring.h and the kernel's <linux/io_uring.h> use the same
 * include guard, LINUX_IO_URING_H: whichever comes first is the only one the
 * program sees. So there are three cases:
 *
 *  - neither was included yet: <liburing.h> pulls liburing's copy, which has
 *    zcrx only from liburing 2.10 on (Debian 12 ships 2.3);
 *  - the kernel's came first: it has zcrx if it defined the zcrx structs
 *    (recognised by IORING_ZCRX_AREA_SHIFT, from <linux/io_uring/zcrx.h>);
 *  - either way, <linux/io_uring/zcrx.h> may exist on its own in the include
 *    path; then the structs come from it, so that including it later is a
 *    no-op instead of a redefinition.
 *
 * After this file, LIBURING_ZCRX_COMPAT_UAPI is 1 if the io_uring.h in use
 * lacks zcrx and this file supplied IORING_OP_RECV_ZC,
 * IORING_REGISTER_ZCRX_IFQ, IORING_MEM_REGION_TYPE_USER and
 * struct io_uring_region_desc (the SQE then has no zcrx_ifq_idx member: it
 * is the same 32 bits as file_index), and LIBURING_ZCRX_COMPAT_STRUCTS is 1
 * if the zcrx structs are the copy below.
 *
 * Whatever the source, the static asserts at the end hold every number,
 * layout and enum tag to revision 2 of the ABI, so a wrong copy does not
 * build; neither do the revision 1 headers (__resv[3] where event_desc and
 * __resv[2] are now).
 */
#ifndef LIBURING_ZCRX_COMPAT_H
#define LIBURING_ZCRX_COMPAT_H

#ifndef LIBURING_ZCRX_H
#error "include <liburing/zcrx.h>, not <liburing/zcrx-compat.h>"
#endif

#include <stddef.h>

#ifndef LINUX_IO_URING_H
#define LIBURING_ZCRX_LIBURING_IO_URING_H 1
#endif

#include <liburing.h>

#if defined(IO_URING_VERSION_MAJOR) && defined(IO_URING_VERSION_MINOR)
#if IO_URING_VERSION_MAJOR > 2 || \
	(IO_URING_VERSION_MAJOR == 2 && IO_URING_VERSION_MINOR >= 10)
/* This liburing has io_uring_register_ifq() and struct io_uring_zcrx_rq. */
#define LIBURING_ZCRX_IN_LIBURING 1
#endif
#endif
#ifndef LIBURING_ZCRX_IN_LIBURING
#define LIBURING_ZCRX_IN_LIBURING 0
#endif

#if defined(LIBURING_ZCRX_LIBURING_IO_URING_H)
#define LIBURING_ZCRX_COMPAT_UAPI	(!LIBURING_ZCRX_IN_LIBURING)
#elif defined(IORING_ZCRX_AREA_SHIFT)
#define LIBURING_ZCRX_COMPAT_UAPI	0
#else
#define LIBURING_ZCRX_COMPAT_UAPI	1
#endif

#if !defined(IORING_ZCRX_AREA_SHIFT) && defined(__has_include)
#if __has_include(<linux/io_uring/zcrx.h>)
#include <linux/io_uring/zcrx.h>
#endif
#endif

#ifdef IORING_ZCRX_AREA_SHIFT
#define LIBURING_ZCRX_COMPAT_STRUCTS 0
#else
#define LIBURING_ZCRX_COMPAT_STRUCTS 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if LIBURING_ZCRX_COMPAT_UAPI
/*
 * The additions of the zcrx kernel to <linux/io_uring.h>. They are enum
 * constants there too. No io_uring.h can follow this point (the guard is
 * taken), so these can never meet a second definition.
 */
enum {
	IORING_OP_RECV_ZC		= 58,	/* after IORING_OP_LISTEN */
};

enum {
	IORING_REGISTER_ZCRX_IFQ	= 32,
};

enum {
	IORING_MEM_REGION_TYPE_USER	= 1,	/* memory at user_addr */
};

/* Memory shared with the kernel, here the refill ring. */
struct io_uring_region_desc {
	__u64	user_addr;	/* TYPE_USER: page aligned address */
	__u64	size;
	__u32	flags;		/* IORING_MEM_REGION_TYPE_* */
	__u32	id;
	__u64	mmap_offset;	/* out, without TYPE_USER: for mmap() */
	__u64	__resv[4];
};
#endif /* LIBURING_ZCRX_COMPAT_UAPI */

#if LIBURING_ZCRX_COMPAT_STRUCTS
/* Bits 48..63 of a buffer offset name its area. */
#define IORING_ZCRX_AREA_SHIFT	48
#define IORING_ZCRX_AREA_MASK	(~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))

/* One buffer handed back to the kernel through the refill ring. */
struct io_uring_zcrx_rqe {
	__u64	off;		/* as the CQE had it, area bits included */
	__u32	len;
	__u32	__pad;
};

/* Upper 16 bytes of the 32-byte CQE of a RECV_ZC data completion. */
struct io_uring_zcrx_cqe {
	__u64	off;		/* area id << 48 | offset in the area */
	__u64	__pad;
};

/* Positions of head, tail and entries inside the refill ring region. */
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

/* The memory received data lands in. */
struct io_uring_zcrx_area_reg {
	__u64	addr;
	__u64	len;
	__u64	rq_area_token;	/* out */
	__u32	flags;		/* IORING_ZCRX_AREA_* */
	__u32	dmabuf_fd;
	__u64	__resv2[2];
};

/* Registration flags; the 6.12 kernel refuses both for now. */
enum zcrx_reg_flags {
	ZCRX_REG_IMPORT			= 1,	/* share an exported instance */
	ZCRX_REG_NODEV			= 2,	/* an area and no device */
};

/* Argument of IORING_REGISTER_ZCRX_IFQ. */
struct io_uring_zcrx_ifq_reg {
	__u32	if_idx;
	__u32	if_rxq;
	__u32	rq_entries;	/* in: wanted, out: power of two used */
	__u32	flags;
	__u64	area_ptr;	/* struct io_uring_zcrx_area_reg * */
	__u64	region_ptr;	/* struct io_uring_region_desc * */
	struct io_uring_zcrx_offsets offsets;	/* out */
	__u32	zcrx_id;	/* out */
	__u32	rx_buf_len;	/* in: 0 for the page size, out: used */
	__u64	event_desc;	/* struct zcrx_event_desc *, or 0 */
	__u64	__resv[2];
};

/*
 * The kernel's <linux/io_uring/zcrx.h> has the same guard: if it is
 * included after this copy, it adds nothing instead of redefining.
 */
#define LINUX_IO_URING_ZCRX_H
#endif /* LIBURING_ZCRX_COMPAT_STRUCTS */

#ifdef __cplusplus
}
#define LIBURING_ZCRX_ASSERT(expr)	static_assert(expr, #expr)
#else
#define LIBURING_ZCRX_ASSERT(expr)	_Static_assert(expr, #expr)
#endif

#define LIBURING_ZCRX_LAYOUT(type, field, offset) \
	LIBURING_ZCRX_ASSERT(offsetof(struct type, field) == (offset))

/* The numbers: zcrx-abi.md, section 1. */
LIBURING_ZCRX_ASSERT(IORING_OP_RECV_ZC == 58);
LIBURING_ZCRX_ASSERT(IORING_REGISTER_ZCRX_IFQ == 32);
LIBURING_ZCRX_ASSERT(IORING_MEM_REGION_TYPE_USER == 1);
LIBURING_ZCRX_ASSERT(IORING_RECVSEND_POLL_FIRST == 1);
LIBURING_ZCRX_ASSERT(IORING_RECV_MULTISHOT == 2);
LIBURING_ZCRX_ASSERT(IORING_ZCRX_AREA_SHIFT == 48);
LIBURING_ZCRX_ASSERT(IORING_ZCRX_AREA_MASK == 0xffff000000000000ULL);
LIBURING_ZCRX_ASSERT(IORING_ZCRX_AREA_DMABUF == 1);
LIBURING_ZCRX_ASSERT(ZCRX_REG_IMPORT == 1);
LIBURING_ZCRX_ASSERT(ZCRX_REG_NODEV == 2);
/* The enum tags are part of the interface too: these name them. */
LIBURING_ZCRX_ASSERT(sizeof(enum io_uring_zcrx_area_flags) > 0);
LIBURING_ZCRX_ASSERT(sizeof(enum zcrx_reg_flags) > 0);

/* The SQE word RECV_ZC reads its zcrx id from, and the 32-byte CQE. */
LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_sqe) == 64);
LIBURING_ZCRX_LAYOUT(io_uring_sqe, file_index, 44);
#if !LIBURING_ZCRX_COMPAT_UAPI
LIBURING_ZCRX_LAYOUT(io_uring_sqe, zcrx_ifq_idx, 44);
#endif
LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_cqe) == 16);

/* The layouts: zcrx-abi.md, section 2. */
LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_zcrx_rqe) == 16);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_rqe, off, 0);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_rqe, len, 8);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_rqe, __pad, 12);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_zcrx_cqe) == 16);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_cqe, off, 0);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_cqe, __pad, 8);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_zcrx_offsets) == 32);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_offsets, head, 0);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_offsets, tail, 4);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_offsets, rqes, 8);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_offsets, __resv2, 12);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_offsets, __resv, 16);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_zcrx_area_reg) == 48);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_area_reg, addr, 0);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_area_reg, len, 8);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_area_reg, rq_area_token, 16);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_area_reg, flags, 24);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_area_reg, dmabuf_fd, 28);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_area_reg, __resv2, 32);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_zcrx_ifq_reg) == 96);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, if_idx, 0);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, if_rxq, 4);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, rq_entries, 8);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, flags, 12);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, area_ptr, 16);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, region_ptr, 24);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, offsets, 32);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, zcrx_id, 64);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, rx_buf_len, 68);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, event_desc, 72);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, __resv, 80);
LIBURING_ZCRX_ASSERT(sizeof(((struct io_uring_zcrx_ifq_reg *)0)->__resv) == 16);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_region_desc) == 64);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, user_addr, 0);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, size, 8);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, flags, 16);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, id, 20);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, mmap_offset, 24);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, __resv, 32);

#endif /* LIBURING_ZCRX_COMPAT_H */
