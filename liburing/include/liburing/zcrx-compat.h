/* SPDX-License-Identifier: MIT */
/*
 * Private part of <liburing/zcrx.h>, do not include it yourself: the kernel
 * interface of io_uring zero-copy receive, taken from the headers that have
 * it, and supplied here, piece by piece, where they lack it.
 *
 * Three headers may hold it:
 *
 *  - liburing's own io_uring.h (and io_uring/query.h), which <liburing.h>
 *    includes. What it has depends on the liburing: nothing before 2.9,
 *    the region descriptor from 2.9, zcrx from 2.10, the control and query
 *    operations from 2.15, events and statistics not yet. liburing-zcrx's
 *    build asks the compiler (probe.sh) and installs the answer as
 *    <liburing/zcrx-config.h>; without it, the liburing version decides.
 *  - a kernel's <linux/io_uring.h>, if the program included it first: the
 *    two share the include guard LINUX_IO_URING_H, so whichever comes first
 *    is the only one. One with zcrx in <linux/io_uring/zcrx.h> (this
 *    project's 6.12 kernel, mainline 7.3) has the whole interface.
 *  - <linux/io_uring/zcrx.h> and <linux/io_uring/query.h> on their own in
 *    the include path, when liburing's io_uring.h has no zcrx: the structs
 *    come from there, so that including them later adds nothing.
 *
 * The static asserts at the end hold every number and layout that is
 * there, whatever its source, to revision 2 of the zcrx ABI. Where an older
 * liburing names a field differently (event_desc is __resv[0] before
 * events came), they hold the offset under the old name, and the helpers
 * in <liburing/zcrx.h> reach it by its offset.
 *
 * After this file, LIBURING_ZCRX_HAVE_<PIECE> says whether the headers in
 * use had a piece (1) or this file supplied it (0), LIBURING_ZCRX_LIB_*
 * what the liburing underneath has (the functions: FN_IFQ, FN_CTRL,
 * FN_QUERY, and struct io_uring_zcrx_rq: ZCRX_RQ), and
 * LIBURING_ZCRX_REG_EVENT_DESC, LIBURING_ZCRX_REG_RX_BUF_LEN and
 * LIBURING_ZCRX_CTRL_ALL_OPS whether the structs in use name those members
 * (ifq_reg.event_desc, ifq_reg.rx_buf_len, zcrx_ctrl.zc_arm_event/zc_area).
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

/* ------------------------------------------------------------------ */
/* What the liburing underneath has                                   */

#if defined(IO_URING_VERSION_MAJOR) && defined(IO_URING_VERSION_MINOR)
#define LIBURING_ZCRX_VERSION \
	((IO_URING_VERSION_MAJOR) * 100 + (IO_URING_VERSION_MINOR))
#else
#define LIBURING_ZCRX_VERSION	0	/* before 2.4 */
#endif

#if defined(__has_include)
#if __has_include(<liburing/zcrx-config.h>)
#include <liburing/zcrx-config.h>
#endif
#endif

#ifdef LIBURING_ZCRX_CONFIG_H
#if LIBURING_ZCRX_LIB_VERSION != LIBURING_ZCRX_VERSION
#error "liburing-zcrx was built on another liburing than this one: rebuild it (zcrx-config.h has LIBURING_ZCRX_LIB_VERSION)"
#endif
#else
/*
 * No probe results (the headers used from the source tree before the
 * library was built): what the versions whose headers we know have.
 */
#if (LIBURING_ZCRX_VERSION >= 210 && LIBURING_ZCRX_VERSION < 215) || \
	LIBURING_ZCRX_VERSION > 215
#error "for this liburing, build liburing-zcrx first and put its include directory in the path: its zcrx-config.h says what this liburing has"
#endif
#define LIBURING_ZCRX_LIB_VERSION	LIBURING_ZCRX_VERSION
#define LIBURING_ZCRX_LIB_REGION	(LIBURING_ZCRX_VERSION >= 209)
#define LIBURING_ZCRX_LIB_215		(LIBURING_ZCRX_VERSION >= 215)
#define LIBURING_ZCRX_LIB_RECV_ZC	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_REG_QUERY	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_REG_CTRL	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_ZCRX		LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_AREA_FLAGS	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_REG_FLAGS	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_RX_BUF_LEN	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_EVENT_DESC	0
#define LIBURING_ZCRX_LIB_FEATURES	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_FEATURE_EVENT	0
#define LIBURING_ZCRX_LIB_CTRL		LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_CTRL_MORE	0
#define LIBURING_ZCRX_LIB_EVENTS	0
#define LIBURING_ZCRX_LIB_QUERY		LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_QUERY_EVENT	0
#define LIBURING_ZCRX_LIB_ZCRX_RQ	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_FN_IFQ	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_FN_CTRL	LIBURING_ZCRX_LIB_215
#define LIBURING_ZCRX_LIB_FN_QUERY	LIBURING_ZCRX_LIB_215
#endif

/* ------------------------------------------------------------------ */
/* What the headers in use have                                       */

/*
 * A kernel io_uring.h that came first and keeps zcrx in its own header:
 * it has all of revision 2. (liburing's io_uring.h holds zcrx inline.)
 */
#if !defined(LIBURING_ZCRX_LIBURING_IO_URING_H) && \
	defined(LINUX_IO_URING_ZCRX_H)
#define LIBURING_ZCRX_KERNEL_IO_URING_H	1
#else
#define LIBURING_ZCRX_KERNEL_IO_URING_H	0
#endif

#if LIBURING_ZCRX_KERNEL_IO_URING_H
#define LIBURING_ZCRX_HAVE_REGION	1
#define LIBURING_ZCRX_HAVE_RECV_ZC	1
#define LIBURING_ZCRX_HAVE_REG_QUERY	1
#define LIBURING_ZCRX_HAVE_REG_CTRL	1
#else
#define LIBURING_ZCRX_HAVE_REGION	LIBURING_ZCRX_LIB_REGION
#define LIBURING_ZCRX_HAVE_RECV_ZC	LIBURING_ZCRX_LIB_RECV_ZC
#define LIBURING_ZCRX_HAVE_REG_QUERY	LIBURING_ZCRX_LIB_REG_QUERY
#define LIBURING_ZCRX_HAVE_REG_CTRL	LIBURING_ZCRX_LIB_REG_CTRL
#endif

/* liburing's io_uring.h without zcrx: a kernel's zcrx.h beside it? */
#if !defined(IORING_ZCRX_AREA_SHIFT) && defined(__has_include)
#if __has_include(<linux/io_uring/zcrx.h>)
#include <linux/io_uring/zcrx.h>
#define LIBURING_ZCRX_KERNEL_ZCRX_H	1
#if !defined(LINUX_IO_URING_QUERY_H) && __has_include(<linux/io_uring/query.h>)
#include <linux/io_uring/query.h>
#endif
#endif
#endif

#if !defined(IORING_ZCRX_AREA_SHIFT)
#define LIBURING_ZCRX_ZCRX_FROM		0	/* nowhere: all of it below */
#elif LIBURING_ZCRX_LIB_ZCRX && !LIBURING_ZCRX_KERNEL_IO_URING_H
#define LIBURING_ZCRX_ZCRX_FROM		1	/* liburing's io_uring.h */
#else
#define LIBURING_ZCRX_ZCRX_FROM		2	/* a header with all of it */
#endif

#if LIBURING_ZCRX_ZCRX_FROM == 1
#define LIBURING_ZCRX_HAVE_ZCRX		1
#define LIBURING_ZCRX_HAVE_AREA_FLAGS	LIBURING_ZCRX_LIB_AREA_FLAGS
#define LIBURING_ZCRX_HAVE_REG_FLAGS	LIBURING_ZCRX_LIB_REG_FLAGS
#define LIBURING_ZCRX_HAVE_RX_BUF_LEN	LIBURING_ZCRX_LIB_RX_BUF_LEN
#define LIBURING_ZCRX_HAVE_EVENT_DESC	LIBURING_ZCRX_LIB_EVENT_DESC
#define LIBURING_ZCRX_HAVE_FEATURES	LIBURING_ZCRX_LIB_FEATURES
#define LIBURING_ZCRX_HAVE_FEATURE_EVENT LIBURING_ZCRX_LIB_FEATURE_EVENT
#define LIBURING_ZCRX_HAVE_CTRL		LIBURING_ZCRX_LIB_CTRL
#define LIBURING_ZCRX_HAVE_CTRL_MORE	LIBURING_ZCRX_LIB_CTRL_MORE
#define LIBURING_ZCRX_HAVE_EVENTS	LIBURING_ZCRX_LIB_EVENTS
#else
#define LIBURING_ZCRX_HAVE_ZCRX		(LIBURING_ZCRX_ZCRX_FROM == 2)
#define LIBURING_ZCRX_HAVE_AREA_FLAGS	LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_REG_FLAGS	LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_RX_BUF_LEN	LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_EVENT_DESC	LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_FEATURES	LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_FEATURE_EVENT LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_CTRL		LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_CTRL_MORE	LIBURING_ZCRX_HAVE_ZCRX
#define LIBURING_ZCRX_HAVE_EVENTS	LIBURING_ZCRX_HAVE_ZCRX
#endif

#if !defined(LINUX_IO_URING_QUERY_H)
#define LIBURING_ZCRX_HAVE_QUERY	0
#define LIBURING_ZCRX_HAVE_QUERY_EVENT	0
#elif LIBURING_ZCRX_LIB_QUERY && !LIBURING_ZCRX_KERNEL_IO_URING_H && \
	!defined(LIBURING_ZCRX_KERNEL_ZCRX_H)
#define LIBURING_ZCRX_HAVE_QUERY	1
#define LIBURING_ZCRX_HAVE_QUERY_EVENT	LIBURING_ZCRX_LIB_QUERY_EVENT
#else
#define LIBURING_ZCRX_HAVE_QUERY	1
#define LIBURING_ZCRX_HAVE_QUERY_EVENT	1
#endif

/* Members the structs in use have, from the headers or from below. */
#define LIBURING_ZCRX_REG_RX_BUF_LEN \
	(!LIBURING_ZCRX_HAVE_ZCRX || LIBURING_ZCRX_HAVE_RX_BUF_LEN)
#define LIBURING_ZCRX_REG_EVENT_DESC \
	(!LIBURING_ZCRX_HAVE_ZCRX || LIBURING_ZCRX_HAVE_EVENT_DESC)
#define LIBURING_ZCRX_CTRL_ALL_OPS \
	(!LIBURING_ZCRX_HAVE_CTRL || LIBURING_ZCRX_HAVE_CTRL_MORE)

/* Whether this file supplied them (uapi.c checks these). */
#define LIBURING_ZCRX_COMPAT_UAPI	(!LIBURING_ZCRX_HAVE_RECV_ZC)
#define LIBURING_ZCRX_COMPAT_STRUCTS	(!LIBURING_ZCRX_HAVE_ZCRX)
#define LIBURING_ZCRX_COMPAT_QUERY	(!LIBURING_ZCRX_HAVE_QUERY)

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* The pieces the headers lack. Enum constants, as in the kernel's.   */

#if !LIBURING_ZCRX_HAVE_REGION
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
#endif

#if !LIBURING_ZCRX_HAVE_RECV_ZC
enum {
	IORING_OP_RECV_ZC		= 58,	/* after IORING_OP_LISTEN */
};

enum {
	IORING_REGISTER_ZCRX_IFQ	= 32,
};

/*
 * This SQE has no zcrx_ifq_idx: it is the 32 bits of file_index (asserted
 * below), so programs written for newer headers build unchanged.
 */
#define zcrx_ifq_idx	file_index
#endif

#if !LIBURING_ZCRX_HAVE_REG_QUERY
enum {
	IORING_REGISTER_QUERY		= 35,	/* ring fd -1, nr_args 0 */
};
#endif

#if !LIBURING_ZCRX_HAVE_REG_CTRL
enum {
	IORING_REGISTER_ZCRX_CTRL	= 36,	/* nr_args 0 */
};
#endif

#if !LIBURING_ZCRX_HAVE_ZCRX
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

/* The memory received data lands in. */
struct io_uring_zcrx_area_reg {
	__u64	addr;
	__u64	len;
	__u64	rq_area_token;	/* out */
	__u32	flags;		/* IORING_ZCRX_AREA_* */
	__u32	dmabuf_fd;
	__u64	__resv2[2];
};

/* Argument of IORING_REGISTER_ZCRX_IFQ. */
struct io_uring_zcrx_ifq_reg {
	__u32	if_idx;		/* ZCRX_REG_IMPORT: the exported fd */
	__u32	if_rxq;
	__u32	rq_entries;	/* in: wanted, out: power of two used */
	__u32	flags;		/* enum zcrx_reg_flags */
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
#endif /* !LIBURING_ZCRX_HAVE_ZCRX */

#if !LIBURING_ZCRX_HAVE_AREA_FLAGS
enum io_uring_zcrx_area_flags {
	IORING_ZCRX_AREA_DMABUF		= 1,
};
#endif

#if !LIBURING_ZCRX_HAVE_REG_FLAGS
/* Registration flags */
enum zcrx_reg_flags {
	ZCRX_REG_IMPORT			= 1,	/* share an exported instance */
	ZCRX_REG_NODEV			= 2,	/* an area and no device */
};
#endif

#if !LIBURING_ZCRX_HAVE_FEATURES
/* What IO_URING_QUERY_ZCRX reports in its features */
enum zcrx_features {
	ZCRX_FEATURE_RX_PAGE_SIZE	= 1 << 0,	/* rx_buf_len works */
	ZCRX_FEATURE_EVENT		= 1 << 1,	/* events and stats */
};
#elif !LIBURING_ZCRX_HAVE_FEATURE_EVENT
enum {
	ZCRX_FEATURE_EVENT		= 1 << 1,
};
#endif

#if !LIBURING_ZCRX_HAVE_EVENTS
/* Event types: the res of an event CQE, bits of type_mask */
enum zcrx_event_type {
	ZCRX_EVENT_ALLOC_FAIL		= 0,	/* the NIC found no buffer */
	ZCRX_EVENT_COPY			= 1,	/* payload was copied */

	__ZCRX_EVENT_LAST,
};

/* struct zcrx_stats is in the refill region at stats_offset */
#define ZCRX_EVENT_DESC_FLAG_STATS	(1U << 0)

/* What ifq_reg.event_desc points to */
struct zcrx_event_desc {
	__u64	user_data;	/* of every event CQE */
	__u32	type_mask;	/* 1 << enum zcrx_event_type, for each wanted */
	__u32	flags;		/* ZCRX_EVENT_DESC_FLAG_* */
	__u64	stats_offset;	/* with ZCRX_EVENT_DESC_FLAG_STATS */
	__u64	__resv2[9];
};

/* Kept up to date by the kernel in the refill region */
struct zcrx_stats {
	__u64	copy_count;	/* payload pieces copied into the area */
	__u64	copy_bytes;
};
#endif /* !LIBURING_ZCRX_HAVE_EVENTS */

#if !LIBURING_ZCRX_HAVE_CTRL
/* Operations of IORING_REGISTER_ZCRX_CTRL */
enum zcrx_ctrl_op {
	ZCRX_CTRL_FLUSH_RQ		= 0,	/* consume the refill ring now */
	ZCRX_CTRL_EXPORT		= 1,	/* an fd to import with */
	ZCRX_CTRL_ARM_EVENT		= 2,	/* re-arm an event that fired */
	ZCRX_CTRL_ADD_AREA		= 3,	/* another area */

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
	__u32	event_type;	/* enum zcrx_event_type */
	__u32	__resv[11];
};

struct zcrx_ctrl_add_area {
	__u64	area_ptr;	/* struct io_uring_zcrx_area_reg * */
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
#elif !LIBURING_ZCRX_HAVE_CTRL_MORE
/*
 * The operations after EXPORT. This struct zcrx_ctrl has no union member
 * for their arguments: io_uring_zcrx_arm_event() writes it by offset.
 */
enum {
	ZCRX_CTRL_ARM_EVENT		= 2,
	ZCRX_CTRL_ADD_AREA		= 3,
};

struct zcrx_ctrl_arm_event {
	__u32	event_type;	/* enum zcrx_event_type */
	__u32	__resv[11];
};

struct zcrx_ctrl_add_area {
	__u64	area_ptr;	/* struct io_uring_zcrx_area_reg * */
	__u64	__resv[5];
};
#endif

#if !LIBURING_ZCRX_HAVE_QUERY
/* Argument of IORING_REGISTER_QUERY: a chain of these. */
struct io_uring_query_hdr {
	__u64	next_entry;	/* the next header, or 0 */
	__u64	query_data;	/* where the answer goes */
	__u32	query_op;	/* IO_URING_QUERY_* */
	__u32	size;		/* in: room at query_data, out: bytes written */
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

/* IO_URING_QUERY_OPCODES: needs no ring */
struct io_uring_query_opcode {
	__u32	nr_request_opcodes;	/* IORING_OP_* known */
	__u32	nr_register_opcodes;	/* IORING_REGISTER_* known */
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
	__u32	nr_ctrl_opcodes;	/* enum zcrx_ctrl_op below this */
	__u32	features;		/* enum zcrx_features */
	__u32	rq_hdr_size;		/* the refill ring's header */
	__u32	rq_hdr_alignment;	/* and its alignment */
	__u64	__resv2;
};

/* IO_URING_QUERY_ZCRX_EVENT */
struct io_uring_query_zcrx_event {
	__u32	event_flags;		/* 1 << enum zcrx_event_type, each */
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

/* The kernel's <linux/io_uring/query.h> has the same guard. */
#define LINUX_IO_URING_QUERY_H
#elif !LIBURING_ZCRX_HAVE_QUERY_EVENT
enum {
	IO_URING_QUERY_ZCRX_EVENT	= 3,
};

struct io_uring_query_zcrx_event {
	__u32	event_flags;		/* 1 << enum zcrx_event_type, each */
	__u32	stats_size;		/* sizeof(struct zcrx_stats) */
	__u32	stats_off_alignment;
	__u32	__resv;
	__u64	__resv2[4];
};
#endif

#ifdef __cplusplus
}
#define LIBURING_ZCRX_ASSERT(expr)	static_assert(expr, #expr)
#else
#define LIBURING_ZCRX_ASSERT(expr)	_Static_assert(expr, #expr)
#endif

#define LIBURING_ZCRX_LAYOUT(type, field, offset) \
	LIBURING_ZCRX_ASSERT(offsetof(struct type, field) == (offset))
#define LIBURING_ZCRX_FIELD_SIZE(type, field, size) \
	LIBURING_ZCRX_ASSERT(sizeof(((struct type *)0)->field) == (size))

/*
 * Where the helpers write what some headers have no member for: the event
 * descriptor of a registration, and the argument of a control operation.
 */
#define LIBURING_ZCRX_EVENT_DESC_OFFSET	72
#define LIBURING_ZCRX_CTRL_ARG_OFFSET	24

/* ------------------------------------------------------------------ */
/* The numbers: zcrx-abi.md, section 1                                */

LIBURING_ZCRX_ASSERT(IORING_OP_RECV_ZC == 58);
LIBURING_ZCRX_ASSERT(IORING_REGISTER_ZCRX_IFQ == 32);
LIBURING_ZCRX_ASSERT(IORING_REGISTER_QUERY == 35);
LIBURING_ZCRX_ASSERT(IORING_REGISTER_ZCRX_CTRL == 36);
LIBURING_ZCRX_ASSERT(IORING_MEM_REGION_TYPE_USER == 1);
LIBURING_ZCRX_ASSERT(IORING_RECVSEND_POLL_FIRST == 1);
LIBURING_ZCRX_ASSERT(IORING_RECV_MULTISHOT == 2);
LIBURING_ZCRX_ASSERT(IORING_ZCRX_AREA_SHIFT == 48);
LIBURING_ZCRX_ASSERT(IORING_ZCRX_AREA_MASK == 0xffff000000000000ULL);
LIBURING_ZCRX_ASSERT(IORING_ZCRX_AREA_DMABUF == 1);
LIBURING_ZCRX_ASSERT(ZCRX_REG_IMPORT == 1);
LIBURING_ZCRX_ASSERT(ZCRX_REG_NODEV == 2);
LIBURING_ZCRX_ASSERT(ZCRX_FEATURE_RX_PAGE_SIZE == 1);
LIBURING_ZCRX_ASSERT(ZCRX_FEATURE_EVENT == 2);
LIBURING_ZCRX_ASSERT(ZCRX_EVENT_ALLOC_FAIL == 0);
LIBURING_ZCRX_ASSERT(ZCRX_EVENT_COPY == 1);
LIBURING_ZCRX_ASSERT(ZCRX_EVENT_DESC_FLAG_STATS == 1);
LIBURING_ZCRX_ASSERT(ZCRX_CTRL_FLUSH_RQ == 0);
LIBURING_ZCRX_ASSERT(ZCRX_CTRL_EXPORT == 1);
LIBURING_ZCRX_ASSERT(ZCRX_CTRL_ARM_EVENT == 2);
LIBURING_ZCRX_ASSERT(ZCRX_CTRL_ADD_AREA == 3);
LIBURING_ZCRX_ASSERT(IO_URING_QUERY_OPCODES == 0);
LIBURING_ZCRX_ASSERT(IO_URING_QUERY_ZCRX == 1);
LIBURING_ZCRX_ASSERT(IO_URING_QUERY_SCQ == 2);
LIBURING_ZCRX_ASSERT(IO_URING_QUERY_ZCRX_EVENT == 3);
/* The enum tags are part of the interface too: these name them. */
LIBURING_ZCRX_ASSERT(sizeof(enum io_uring_zcrx_area_flags) > 0);
LIBURING_ZCRX_ASSERT(sizeof(enum zcrx_reg_flags) > 0);
LIBURING_ZCRX_ASSERT(sizeof(enum zcrx_features) > 0);
LIBURING_ZCRX_ASSERT(sizeof(enum zcrx_event_type) > 0);
LIBURING_ZCRX_ASSERT(sizeof(enum zcrx_ctrl_op) > 0);

/* The SQE word RECV_ZC reads its zcrx id from, and the 32-byte CQE. */
LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_sqe) == 64);
LIBURING_ZCRX_LAYOUT(io_uring_sqe, file_index, 44);
LIBURING_ZCRX_LAYOUT(io_uring_sqe, zcrx_ifq_idx, 44);
LIBURING_ZCRX_FIELD_SIZE(io_uring_sqe, zcrx_ifq_idx, 4);
LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_cqe) == 16);

/* ------------------------------------------------------------------ */
/* The layouts: zcrx-abi.md, section 2                                */

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
#if LIBURING_ZCRX_REG_RX_BUF_LEN
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, rx_buf_len, 68);
#endif
#if LIBURING_ZCRX_REG_EVENT_DESC
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, event_desc,
		     LIBURING_ZCRX_EVENT_DESC_OFFSET);
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, __resv, 80);
LIBURING_ZCRX_FIELD_SIZE(io_uring_zcrx_ifq_reg, __resv, 16);
#else
/* Before events: the descriptor's word is __resv[0]. */
LIBURING_ZCRX_LAYOUT(io_uring_zcrx_ifq_reg, __resv,
		     LIBURING_ZCRX_EVENT_DESC_OFFSET);
LIBURING_ZCRX_FIELD_SIZE(io_uring_zcrx_ifq_reg, __resv, 24);
#endif

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_region_desc) == 64);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, user_addr, 0);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, size, 8);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, flags, 16);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, id, 20);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, mmap_offset, 24);
LIBURING_ZCRX_LAYOUT(io_uring_region_desc, __resv, 32);

LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_event_desc) == 96);
LIBURING_ZCRX_LAYOUT(zcrx_event_desc, user_data, 0);
LIBURING_ZCRX_LAYOUT(zcrx_event_desc, type_mask, 8);
LIBURING_ZCRX_LAYOUT(zcrx_event_desc, flags, 12);
LIBURING_ZCRX_LAYOUT(zcrx_event_desc, stats_offset, 16);
LIBURING_ZCRX_LAYOUT(zcrx_event_desc, __resv2, 24);
LIBURING_ZCRX_FIELD_SIZE(zcrx_event_desc, __resv2, 72);

LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_stats) == 16);
LIBURING_ZCRX_LAYOUT(zcrx_stats, copy_count, 0);
LIBURING_ZCRX_LAYOUT(zcrx_stats, copy_bytes, 8);

LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_ctrl_flush_rq) == 48);
LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_ctrl_export) == 48);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl_export, zcrx_fd, 0);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl_export, __resv1, 4);
LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_ctrl_arm_event) == 48);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl_arm_event, event_type, 0);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl_arm_event, __resv, 4);
LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_ctrl_add_area) == 48);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl_add_area, area_ptr, 0);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl_add_area, __resv, 8);

LIBURING_ZCRX_ASSERT(sizeof(struct zcrx_ctrl) == 72);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, zcrx_id, 0);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, op, 4);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, __resv, 8);
LIBURING_ZCRX_FIELD_SIZE(zcrx_ctrl, __resv, 16);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, zc_export, LIBURING_ZCRX_CTRL_ARG_OFFSET);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, zc_flush, LIBURING_ZCRX_CTRL_ARG_OFFSET);
#if LIBURING_ZCRX_CTRL_ALL_OPS
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, zc_arm_event, LIBURING_ZCRX_CTRL_ARG_OFFSET);
LIBURING_ZCRX_LAYOUT(zcrx_ctrl, zc_area, LIBURING_ZCRX_CTRL_ARG_OFFSET);
#endif

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_query_hdr) == 40);
LIBURING_ZCRX_LAYOUT(io_uring_query_hdr, next_entry, 0);
LIBURING_ZCRX_LAYOUT(io_uring_query_hdr, query_data, 8);
LIBURING_ZCRX_LAYOUT(io_uring_query_hdr, query_op, 16);
LIBURING_ZCRX_LAYOUT(io_uring_query_hdr, size, 20);
LIBURING_ZCRX_LAYOUT(io_uring_query_hdr, result, 24);
LIBURING_ZCRX_LAYOUT(io_uring_query_hdr, __resv, 28);
LIBURING_ZCRX_FIELD_SIZE(io_uring_query_hdr, __resv, 12);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_query_opcode) == 48);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, nr_request_opcodes, 0);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, nr_register_opcodes, 4);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, feature_flags, 8);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, ring_setup_flags, 16);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, enter_flags, 24);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, sqe_flags, 32);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, nr_query_opcodes, 40);
LIBURING_ZCRX_LAYOUT(io_uring_query_opcode, __pad, 44);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_query_zcrx) == 40);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, register_flags, 0);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, area_flags, 8);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, nr_ctrl_opcodes, 16);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, features, 20);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, rq_hdr_size, 24);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, rq_hdr_alignment, 28);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx, __resv2, 32);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_query_zcrx_event) == 48);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx_event, event_flags, 0);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx_event, stats_size, 4);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx_event, stats_off_alignment, 8);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx_event, __resv, 12);
LIBURING_ZCRX_LAYOUT(io_uring_query_zcrx_event, __resv2, 16);

LIBURING_ZCRX_ASSERT(sizeof(struct io_uring_query_scq) == 16);
LIBURING_ZCRX_LAYOUT(io_uring_query_scq, hdr_size, 0);
LIBURING_ZCRX_LAYOUT(io_uring_query_scq, hdr_alignment, 8);

#endif /* LIBURING_ZCRX_COMPAT_H */
