/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOU_ZC_RX_H
#define IOU_ZC_RX_H

#include <linux/io_uring_types.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/socket.h>
#include <net/netmem.h>
#include <net/page_pool/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct io_zcrx_ifq;

/*
 * Memory payload lands in: user memory or a dma-buf, cut into buffers of
 * the instance's rx_buf_len, one net_iov each. user_refs counts how many
 * completions of each buffer the user still holds.
 */
struct io_zcrx_area {
	struct net_iov_area	nia;
	struct io_zcrx_ifq	*ifq;
	atomic_t		*user_refs;

	u16			area_id;
	bool			is_mapped;
	/* the area's runs; DMA mapped for user memory while is_mapped */
	struct sg_table		*sgt;

	/* user memory, pinned */
	struct page		**pages;
	unsigned long		nr_pages;
	struct sg_table		page_sgt;

	/* a dma-buf: never read or written by the CPU */
	struct dma_buf		*dmabuf;
	struct dma_buf_attachment *attach;

	/* Buffers owned by no page pool and no user: the copy fallback and
	 * the providers' slow path take from here.
	 */
	spinlock_t		freelist_lock ____cacheline_aligned_in_smp;
	u32			free_count;
	u32			*freelist;
};

/* ABI §8: areas per instance, ids from 0 */
#define IO_ZCRX_MAX_AREAS		1024

/* The refill ring's header as the user sees it (ABI: 7.3 layout). */
#define IO_ZCRX_RQ_HDR_ALIGN		64
struct io_zcrx_rq_hdr {
	u32	head __aligned(IO_ZCRX_RQ_HDR_ALIGN);
	u32	tail __aligned(IO_ZCRX_RQ_HDR_ALIGN);
};

/*
 * An instance. Its users (ABI §7: the registering ring, later importing
 * rings and export files) each hold one of @users and one of @refs; the
 * page pools of its queue hold one of @refs each. The last user closes it:
 * buffers the user still holds come back and the queue is unbound. The
 * last reference frees the memory, once every pool has drained.
 */
struct io_zcrx_ifq {
	/*
	 * areas[0 .. nr_areas) are set once and stay until the instance is
	 * freed; nr_areas is published with a release after the slot is
	 * written, so readers without area_lock load it with an acquire.
	 */
	struct io_zcrx_area		**areas;
	u32				nr_areas;
	/* the buffer size asked of the device, 0 for its default */
	u32				rx_buf_len;
	/* log2 of the buffer size; the kind of every area (ABI §8) */
	u8				buf_shift;
	bool				dmabuf;
	/* adding an area vs. unmapping them all */
	struct mutex			area_lock;
	refcount_t			refs;
	refcount_t			users;
	/* ZCRX_REG_NODEV: no device, every byte is copied */
	bool				nodev;

	/* Who the pinned area and region are charged to (RLIMIT_MEMLOCK,
	 * pinned_vm); the instance may outlive the ring that registered it.
	 */
	struct user_struct		*user;
	struct mm_struct		*mm_account;

	/* Refill ring: the user produces, page pool allocations consume. */
	spinlock_t			rq_lock ____cacheline_aligned_in_smp;
	struct io_zcrx_rq_hdr		*rq_hdr;
	struct io_uring_zcrx_rqe	*rqes;
	u32				rq_entries;
	u32				cached_rq_head;

	/* Memory behind the refill ring: pinned user pages or ours. */
	struct page			**region_pages;
	unsigned short			region_nr_pages;
	bool				region_user;
	void				*region_ptr;
	size_t				region_size;

	/* The bound queue. if_rxq and netdev change only under rtnl; the
	 * netdev reference goes when the queue is unbound or the device
	 * unregisters, the DMA device's when the area is unmapped.
	 */
	u32				if_idx;
	u32				if_rxq;
	struct device			*dev;
	struct net_device		*netdev;
	netdevice_tracker		netdev_tracker;

	/* Bytes completed to the user, for fdinfo; rings share instances. */
	atomic64_t			zc_bytes;
	atomic64_t			copy_bytes;

	/* Events (ABI §9): CQEs to the registering ring, ev_ctx, until it
	 * closes. A type fires once (its ev_armed bit goes) until re-armed;
	 * ev_req[type] is queued as task work on ev_ctx meanwhile.
	 */
	spinlock_t			ev_lock;
	struct io_ring_ctx		*ev_ctx;
	u64				ev_user_data;
	unsigned long			ev_armed;
	unsigned long			ev_queued;
	struct io_kiocb			*ev_req[__ZCRX_EVENT_LAST];

	/* Copy statistics, kept here and shown in the refill region. */
	spinlock_t			stats_lock;
	struct zcrx_stats		*stats;
	u64				stats_copy_count;
	u64				stats_copy_bytes;
};

/* Where the region of instance @id is mmap()ed on the ring fd. */
#define IORING_OFF_ZCRX_REGION		0x30000000ULL
#define IORING_OFF_ZCRX_SHIFT		16

#if defined(CONFIG_IO_URING_ZCRX)
int io_register_zcrx_ifq(struct io_ring_ctx *ctx,
			 struct io_uring_zcrx_ifq_reg __user *arg);
int io_register_zcrx_ctrl(struct io_ring_ctx *ctx, void __user *arg,
			  unsigned int nr_args);
size_t io_zcrx_query(struct io_uring_query_zcrx *q);
size_t io_zcrx_query_event(struct io_uring_query_zcrx_event *q);
void io_unregister_zcrx_ifqs(struct io_ring_ctx *ctx);
void io_shutdown_zcrx_ifqs(struct io_ring_ctx *ctx);
struct io_zcrx_ifq *io_zcrx_ifq_get(struct io_ring_ctx *ctx, u32 id);
int io_zcrx_mmap(struct io_ring_ctx *ctx, struct vm_area_struct *vma,
		 unsigned long offset);
void *io_zcrx_region_ptr(struct io_ring_ctx *ctx, unsigned long offset);
void io_zcrx_show_fdinfo(struct io_ring_ctx *ctx, struct seq_file *m);
#else
static inline int
io_register_zcrx_ifq(struct io_ring_ctx *ctx,
		     struct io_uring_zcrx_ifq_reg __user *arg)
{
	return -EOPNOTSUPP;
}

static inline int io_register_zcrx_ctrl(struct io_ring_ctx *ctx,
					void __user *arg, unsigned int nr_args)
{
	return -EINVAL;
}

static inline size_t io_zcrx_query(struct io_uring_query_zcrx *q)
{
	return 0;
}

static inline size_t io_zcrx_query_event(struct io_uring_query_zcrx_event *q)
{
	return 0;
}

static inline void io_unregister_zcrx_ifqs(struct io_ring_ctx *ctx)
{
}

static inline void io_shutdown_zcrx_ifqs(struct io_ring_ctx *ctx)
{
}

static inline struct io_zcrx_ifq *io_zcrx_ifq_get(struct io_ring_ctx *ctx,
						  u32 id)
{
	return NULL;
}

static inline int io_zcrx_mmap(struct io_ring_ctx *ctx,
			       struct vm_area_struct *vma,
			       unsigned long offset)
{
	return -EINVAL;
}

static inline void *io_zcrx_region_ptr(struct io_ring_ctx *ctx,
				       unsigned long offset)
{
	return ERR_PTR(-EINVAL);
}

static inline void io_zcrx_show_fdinfo(struct io_ring_ctx *ctx,
				       struct seq_file *m)
{
}
#endif

int io_recvzc(struct io_kiocb *req, unsigned int issue_flags);
int io_recvzc_prep(struct io_kiocb *req, const struct io_uring_sqe *sqe);

#endif
