// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring zero-copy receive (zcrx).
 *
 * An instance binds one rx queue of a NIC to memory the application
 * registered (the area). The queue's page pool takes its buffers from the
 * area through the memory provider below, so TCP payload is written by the
 * device straight into user memory. IORING_OP_RECV_ZC hands each received
 * chunk to the user as a CQE pointing into the area; the user gives the
 * buffer back through the refill ring once done with it.
 *
 * Who owns a buffer (a net_iov, one page of the area):
 *  - the freelist: nobody; the copy fallback and the pool's slow path take
 *    from it, the pool's release_netmem() puts back to it;
 *  - a page pool: while niov->pp is set; the stack's references and the
 *    user's are counted in pp_ref_count;
 *  - the user: user_refs counts the completions not yet returned. Each of
 *    them also holds one pp_ref_count reference, so neither the stack nor
 *    the pool can reuse the buffer until the user lets go of it.
 */
#include <linux/anon_inodes.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/io_uring.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/rtnetlink.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/vmalloc.h>
#include <kunit/static_stub.h>
#include <net/rps.h>
#include <net/netdev_rx_queue.h>
#include <net/netlink.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/memory_provider.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/io_uring.h>
#include <uapi/linux/netdev.h>

#include "io_uring.h"
#include "memmap.h"
#include "rsrc.h"
#include "zcrx.h"

/* The user ABI: these layouts are shared with mainline Linux. */
static_assert(sizeof(struct io_uring_zcrx_rqe) == 16);
static_assert(sizeof(struct io_uring_zcrx_cqe) == 16);
static_assert(sizeof(struct io_uring_zcrx_offsets) == 32);
static_assert(sizeof(struct io_uring_zcrx_area_reg) == 48);
static_assert(sizeof(struct io_uring_zcrx_ifq_reg) == 96);
static_assert(offsetof(struct io_uring_zcrx_ifq_reg, event_desc) == 72);
static_assert(sizeof(struct io_uring_region_desc) == 64);
static_assert(offsetof(struct io_zcrx_rq_hdr, tail) == 64);
static_assert(sizeof(struct io_zcrx_rq_hdr) == 128);
static_assert(sizeof(struct zcrx_ctrl) == 72);
static_assert(sizeof(struct zcrx_event_desc) == 96);
static_assert(sizeof(struct zcrx_stats) == 16);
static_assert(offsetof(struct zcrx_ctrl, zc_export) == 24);

#define IO_RQ_MAX_ENTRIES		32768
/* Instance ids must fit the mmap offset below IORING_OFF_MMAP_MASK. */
#define IO_ZCRX_MAX_ID			((1U << (27 - IORING_OFF_ZCRX_SHIFT)) - 1)
/* Receive this many skbs at most per call before letting others run. */
#define IO_SKBS_PER_CALL_LIMIT		20
/* Refill entries the copy fallback takes per pass with BHs off. */
#define IO_ZCRX_FALLBACK_REFILL		64
/* ABI §4: the largest user memory area. */
#define IO_ZCRX_MAX_AREA_LEN		BIT_ULL(40)
#define IO_DMA_ATTR	(DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_WEAK_ORDERING)
#define IO_ZCRX_EVENT_MASK		(BIT(__ZCRX_EVENT_LAST) - 1)

static const struct memory_provider_ops io_uring_pp_zc_ops;

static struct io_zcrx_area *io_zcrx_iov_to_area(const struct net_iov *niov)
{
	return container_of(net_iov_owner(niov), struct io_zcrx_area, nia);
}

static bool io_zcrx_owns_niov(struct io_zcrx_ifq *ifq,
			      const struct net_iov *niov)
{
	return niov->type == NET_IOV_IOURING &&
	       io_zcrx_iov_to_area(niov)->ifq == ifq;
}

static atomic_t *io_get_user_counter(struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	return &area->user_refs[net_iov_idx(niov)];
}

/* Publish one more user reference; refill entries may take it from now. */
static void io_zcrx_user_ref_inc(struct net_iov *niov)
{
	KUNIT_STATIC_STUB_REDIRECT(io_zcrx_user_ref_inc, niov);
	atomic_inc(io_get_user_counter(niov));
}

/*
 * One completion of @niov goes to the user, who keeps a pool reference.
 * The pool reference comes first: a refill entry for @niov consumed in
 * between (a stale duplicate, a guessed offset) must find it already
 * there, or it would drop the stack's and recycle a buffer still in use.
 */
static void io_zcrx_get_niov_uref(struct net_iov *niov)
{
	page_pool_ref_netmem(net_iov_to_netmem(niov));
	io_zcrx_user_ref_inc(niov);
}

/* The user returned @nr completions of @niov; false if it held fewer. */
static bool io_zcrx_put_niov_urefs(struct net_iov *niov, unsigned int nr)
{
	atomic_t *uref = io_get_user_counter(niov);
	int old = atomic_read(uref);

	do {
		if (old < nr)
			return false;
	} while (!atomic_try_cmpxchg(uref, &old, old - nr));
	return true;
}

static void io_zcrx_return_niov_freelist(struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	spin_lock_bh(&area->freelist_lock);
	if (!WARN_ON_ONCE(area->free_count >= area->nia.num_niovs))
		area->freelist[area->free_count++] = net_iov_idx(niov);
	spin_unlock_bh(&area->freelist_lock);
}

static struct net_iov *__io_zcrx_get_free_niov(struct io_zcrx_area *area)
{
	lockdep_assert_held(&area->freelist_lock);

	return &area->nia.niovs[area->freelist[--area->free_count]];
}

/* Nobody references @niov any more: give it to its pool or the freelist. */
static void io_zcrx_return_niov(struct net_iov *niov)
{
	netmem_ref netmem = net_iov_to_netmem(niov);

	if (!niov->pp) {
		/* a buffer no pool ever took: a copy, say */
		io_zcrx_return_niov_freelist(niov);
		return;
	}
	page_pool_put_unrefed_netmem(niov->pp, netmem, -1, false);
}

/*
 * Take back every buffer the user still holds. Only when the last user
 * went away: nobody is left to return them, and nobody can be handed new
 * ones (RECV_ZC refuses on a dying ring).
 */
static void io_zcrx_scrub_area(struct io_zcrx_area *area)
{
	unsigned long i;

	for (i = 0; i < area->nia.num_niovs; i++) {
		struct net_iov *niov = &area->nia.niovs[i];
		int nr;

		nr = atomic_xchg(&area->user_refs[i], 0);
		if (!nr)
			continue;
		if (!page_pool_unref_netmem(net_iov_to_netmem(niov), nr))
			io_zcrx_return_niov(niov);
	}
}

static void io_zcrx_scrub(struct io_zcrx_ifq *ifq)
{
	u32 id;

	guard(mutex)(&ifq->area_lock);
	for (id = 0; id < ifq->nr_areas; id++)
		io_zcrx_scrub_area(ifq->areas[id]);
}

/* Memory accounting, charged to the registering ring's user and mm */

static int io_zcrx_account(struct io_zcrx_ifq *ifq, unsigned long nr_pages)
{
	return io_account_mem(ifq->user, ifq->mm_account, nr_pages);
}

static void io_zcrx_unaccount(struct io_zcrx_ifq *ifq, unsigned long nr_pages)
{
	io_unaccount_mem(ifq->user, ifq->mm_account, nr_pages);
}

/* The refill ring */

static int io_zcrx_check_region(const struct io_uring_region_desc *rd,
				size_t min_size)
{
	u64 end;

	if (rd->flags & ~IORING_MEM_REGION_TYPE_USER ||
	    !mem_is_zero(rd->__resv, sizeof(rd->__resv)))
		return -EINVAL;
	if (!(rd->flags & IORING_MEM_REGION_TYPE_USER) != !rd->user_addr)
		return -EFAULT;
	if (!rd->size || rd->mmap_offset || rd->id)
		return -EINVAL;
	if ((rd->user_addr | rd->size) & ~PAGE_MASK)
		return -EINVAL;
	if (check_add_overflow(rd->user_addr, rd->size, &end))
		return -EOVERFLOW;
	/*
	 * ABI: more than INT_MAX pages is -E2BIG. 6.12's region helpers
	 * count pages in 16 bits, so this kernel's limit is 65535 pages.
	 */
	if (rd->size >> PAGE_SHIFT > USHRT_MAX)
		return -E2BIG;
	if (rd->size < min_size)
		return -EINVAL;
	return 0;
}

static int io_zcrx_create_region(struct io_zcrx_ifq *ifq, u32 id,
				 struct io_uring_region_desc *rd,
				 size_t min_size)
{
	unsigned long nr_pages;
	void *ptr;
	int ret;

	ret = io_zcrx_check_region(rd, min_size);
	if (ret)
		return ret;
	nr_pages = rd->size >> PAGE_SHIFT;
	ret = io_zcrx_account(ifq, nr_pages);
	if (ret)
		return ret;

	if (rd->flags & IORING_MEM_REGION_TYPE_USER) {
		ptr = __io_uaddr_map(&ifq->region_pages, &ifq->region_nr_pages,
				     rd->user_addr, rd->size);
		ifq->region_user = true;
	} else {
		ptr = io_pages_map(&ifq->region_pages, &ifq->region_nr_pages,
				   rd->size);
		rd->mmap_offset = IORING_OFF_ZCRX_REGION +
				  ((u64)id << IORING_OFF_ZCRX_SHIFT);
	}
	if (IS_ERR(ptr)) {
		io_zcrx_unaccount(ifq, nr_pages);
		return PTR_ERR(ptr);
	}
	ifq->region_ptr = ptr;
	ifq->region_size = rd->size;
	return 0;
}

static void io_zcrx_free_region(struct io_zcrx_ifq *ifq)
{
	unsigned long nr_pages = ifq->region_nr_pages;

	if (!ifq->region_ptr)
		return;
	if (ifq->region_user) {
		vunmap(ifq->region_ptr);
		io_pages_free(&ifq->region_pages, ifq->region_nr_pages);
	} else {
		io_pages_unmap(ifq->region_ptr, &ifq->region_pages,
			       &ifq->region_nr_pages, true);
	}
	io_zcrx_unaccount(ifq, nr_pages);
	ifq->region_ptr = NULL;
}

static void io_zcrx_fill_offsets(struct io_uring_zcrx_offsets *offsets)
{
	offsets->head = offsetof(struct io_zcrx_rq_hdr, head);
	offsets->tail = offsetof(struct io_zcrx_rq_hdr, tail);
	offsets->rqes = sizeof(struct io_zcrx_rq_hdr);
}

static int io_zcrx_create_rq(struct io_zcrx_ifq *ifq, u32 id,
			     struct io_uring_zcrx_ifq_reg *reg,
			     struct io_uring_region_desc *rd)
{
	size_t rqes_off = sizeof(struct io_zcrx_rq_hdr);
	size_t size = rqes_off + sizeof(struct io_uring_zcrx_rqe) *
				 reg->rq_entries;
	int ret;

	ret = io_zcrx_create_region(ifq, id, rd, size);
	if (ret)
		return ret;

	ifq->rq_hdr = ifq->region_ptr;
	ifq->rqes = ifq->region_ptr + rqes_off;
	ifq->rq_entries = reg->rq_entries;
	WRITE_ONCE(ifq->rq_hdr->head, 0);
	WRITE_ONCE(ifq->rq_hdr->tail, 0);

	io_zcrx_fill_offsets(&reg->offsets);
	return 0;
}

/* The areas */

/* Areas below the count are there to use, without area_lock. */
static u32 io_zcrx_nr_areas(struct io_zcrx_ifq *ifq)
{
	/* pairs with the release in io_zcrx_publish_area() */
	return smp_load_acquire(&ifq->nr_areas);
}

static struct io_zcrx_area *io_zcrx_area_get(struct io_zcrx_ifq *ifq, u32 id)
{
	u32 nr = io_zcrx_nr_areas(ifq);

	if (unlikely(id >= nr))
		return NULL;
	return ifq->areas[array_index_nospec(id, nr)];
}

static u32 io_zcrx_buf_len(const struct io_zcrx_ifq *ifq)
{
	return 1U << ifq->buf_shift;
}

/*
 * Cut @area into buffers along its contiguous runs, in order: entries
 * that continue each other form one run, and a buffer never spans a gap
 * between runs (-ERANGE). @dma walks the DMA mapping, else the physical
 * pages of user memory; with @assign the buffers take their DMA
 * addresses.
 */
static int io_zcrx_cut_buffers(struct io_zcrx_ifq *ifq,
			       struct io_zcrx_area *area, bool dma, bool assign)
{
	unsigned int nents = dma ? area->sgt->nents : area->sgt->orig_nents;
	u32 buf_len = io_zcrx_buf_len(ifq), part = 0;
	struct scatterlist *sg;
	unsigned long n = 0;
	u64 next = 0;
	unsigned int i;

	for_each_sg(area->sgt->sgl, sg, nents, i) {
		u64 addr = dma ? sg_dma_address(sg) : sg_phys(sg);
		u64 len = dma ? sg_dma_len(sg) : sg->length;

		if (part && addr != next)
			return -ERANGE;
		next = addr + len;
		while (len) {
			u32 take = min_t(u64, len, buf_len - part);

			if (assign && !part) {
				if (n >= area->nia.num_niovs)
					return -EINVAL;
				if (net_mp_niov_set_dma_addr(&area->nia.niovs[n],
							     addr))
					return -EOVERFLOW;
			}
			addr += take;
			len -= take;
			part += take;
			if (part == buf_len) {
				part = 0;
				n++;
			}
		}
	}
	if (part)
		return -ERANGE;
	return assign && n != area->nia.num_niovs ? -EINVAL : 0;
}

/* Hand the buffers of @area their DMA addresses, in the mapping's order. */
static int io_zcrx_set_dma_addrs(struct io_zcrx_ifq *ifq,
				 struct io_zcrx_area *area)
{
	return io_zcrx_cut_buffers(ifq, area, true, true);
}

static void io_zcrx_clear_dma_addrs(struct io_zcrx_area *area)
{
	unsigned long i;

	for (i = 0; i < area->nia.num_niovs; i++)
		net_mp_niov_set_dma_addr(&area->nia.niovs[i], 0);
}

static void io_zcrx_unmap_area(struct io_zcrx_ifq *ifq,
			       struct io_zcrx_area *area)
{
	if (!area->is_mapped)
		return;
	area->is_mapped = false;
	io_zcrx_clear_dma_addrs(area);
	if (area->dmabuf) {
		dma_buf_unmap_attachment_unlocked(area->attach, area->sgt,
						  DMA_FROM_DEVICE);
		dma_buf_detach(area->dmabuf, area->attach);
		area->attach = NULL;
		area->sgt = NULL;
	} else {
		dma_unmap_sgtable(ifq->dev, area->sgt, DMA_FROM_DEVICE,
				  IO_DMA_ATTR);
	}
}

/*
 * The queue is unbound or its device is going away: unmap every area
 * while the device is still registered, and let go of it.
 */
static void io_zcrx_unmap_areas(struct io_zcrx_ifq *ifq)
{
	u32 id;

	mutex_lock(&ifq->area_lock);
	for (id = 0; id < ifq->nr_areas; id++)
		io_zcrx_unmap_area(ifq, ifq->areas[id]);
	if (ifq->dev) {
		put_device(ifq->dev);
		ifq->dev = NULL;
	}
	mutex_unlock(&ifq->area_lock);
}

/* Map @area for the instance's device; a dma-buf is mapped already. */
static int io_zcrx_map_area(struct io_zcrx_ifq *ifq, struct io_zcrx_area *area)
{
	int ret;

	if (!area->dmabuf) {
		ret = dma_map_sgtable(ifq->dev, area->sgt, DMA_FROM_DEVICE,
				      IO_DMA_ATTR);
		if (ret)
			return ret;
	}
	area->is_mapped = true;
	ret = io_zcrx_set_dma_addrs(ifq, area);
	if (ret)
		io_zcrx_unmap_area(ifq, area);
	return ret;
}

static void io_zcrx_free_area(struct io_zcrx_ifq *ifq,
			      struct io_zcrx_area *area)
{
	/* Every buffer is home once the pools are gone and users scrubbed. */
	WARN_ON_ONCE(area->nia.niovs &&
		     area->free_count != area->nia.num_niovs);

	io_zcrx_unmap_area(ifq, area);
	kvfree(area->freelist);
	kvfree(area->user_refs);
	kvfree(area->nia.niovs);
	if (area->dmabuf)
		dma_buf_put(area->dmabuf);
	sg_free_table(&area->page_sgt);
	if (area->pages) {
		unpin_user_pages(area->pages, area->nr_pages);
		kvfree(area->pages);
		io_zcrx_unaccount(ifq, area->nr_pages);
	}
	kfree(area);
}

/* ABI §4, the rules that need nothing but the struct */
static int io_zcrx_check_area_reg(const struct io_uring_zcrx_area_reg *reg,
				  bool nodev)
{
	u64 end;

	if (reg->flags & ~IORING_ZCRX_AREA_DMABUF)
		return -EINVAL;
	if (reg->rq_area_token || reg->__resv2[0] || reg->__resv2[1])
		return -EINVAL;
	if (reg->flags & IORING_ZCRX_AREA_DMABUF) {
		/* the kernel copies into a NODEV area: it must read it */
		if (reg->addr || nodev)
			return -EINVAL;
		if (reg->len & ~PAGE_MASK)
			return -EINVAL;
		return 0;
	}
	if (reg->dmabuf_fd)
		return -EINVAL;
	if (!reg->addr || ((reg->addr | reg->len) & ~PAGE_MASK))
		return -EINVAL;
	if (!reg->len || reg->len > IO_ZCRX_MAX_AREA_LEN)
		return -EFAULT;
	if (check_add_overflow(reg->addr, reg->len, &end))
		return -EOVERFLOW;
	/*
	 * Every page may be a buffer with a net_iov, the largest of the
	 * per-buffer arrays: kvmalloc() WARNs past INT_MAX bytes, so refuse
	 * before it would.
	 */
	if (reg->len >> PAGE_SHIFT > INT_MAX / sizeof(struct net_iov))
		return -EOVERFLOW;
	return 0;
}

static int io_zcrx_check_buf_len(u32 len)
{
	if (len && (!is_power_of_2(len) || len < PAGE_SIZE))
		return -EINVAL;
	return 0;
}

/*
 * ABI §4: every buffer lies in one contiguous run, physical for user
 * memory, DMA for a dma-buf.
 */
static int io_zcrx_check_runs(struct io_zcrx_ifq *ifq,
			      struct io_zcrx_area *area)
{
	if (io_zcrx_buf_len(ifq) == PAGE_SIZE)
		return 0;
	return io_zcrx_cut_buffers(ifq, area, !!area->dmabuf, false);
}

static int io_zcrx_pin_area(struct io_zcrx_ifq *ifq, struct io_zcrx_area *area,
			    const struct io_uring_zcrx_area_reg *reg)
{
	unsigned long nr_pages = reg->len >> PAGE_SHIFT;
	struct page **pages;
	int nr, ret;

	/* charged before pinning, so a refused charge pins nothing */
	ret = io_zcrx_account(ifq, nr_pages);
	if (ret)
		return ret;
	pages = io_pin_pages(reg->addr, reg->len, &nr);
	if (IS_ERR(pages)) {
		io_zcrx_unaccount(ifq, nr_pages);
		return PTR_ERR(pages);
	}
	area->pages = pages;
	area->nr_pages = nr;

	/*
	 * One entry per physically contiguous run, so huge pages stay whole
	 * for the device. Segments end on a multiple of any buffer size.
	 */
	ret = sg_alloc_table_from_pages_segment(&area->page_sgt, pages, nr, 0,
						reg->len, SZ_1G,
						GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	area->sgt = &area->page_sgt;
	return 0;
}

/* A dma-buf area: attached to the queue's DMA device and mapped now. */
static int io_zcrx_import_dmabuf(struct io_zcrx_ifq *ifq,
				 struct io_zcrx_area *area,
				 const struct io_uring_zcrx_area_reg *reg)
{
	struct sg_table *sgt;

	area->dmabuf = dma_buf_get(reg->dmabuf_fd);
	if (IS_ERR(area->dmabuf)) {
		int ret = PTR_ERR(area->dmabuf);

		area->dmabuf = NULL;
		return ret;
	}
	if (reg->len != area->dmabuf->size)
		return -EINVAL;
	if (!ifq->dev)
		return -ENODEV;

	area->attach = dma_buf_attach(area->dmabuf, ifq->dev);
	if (IS_ERR(area->attach)) {
		int ret = PTR_ERR(area->attach);

		area->attach = NULL;
		return ret;
	}
	sgt = dma_buf_map_attachment_unlocked(area->attach, DMA_FROM_DEVICE);
	if (IS_ERR(sgt)) {
		dma_buf_detach(area->dmabuf, area->attach);
		area->attach = NULL;
		return PTR_ERR(sgt);
	}
	area->sgt = sgt;
	area->is_mapped = true;
	return 0;
}

static int io_zcrx_alloc_niovs(struct io_zcrx_area *area, unsigned long nr)
{
	unsigned long i;

	area->nia.niovs = kvmalloc_array(nr, sizeof(area->nia.niovs[0]),
					 GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	area->freelist = kvmalloc_array(nr, sizeof(area->freelist[0]),
					GFP_KERNEL_ACCOUNT);
	area->user_refs = kvmalloc_array(nr, sizeof(area->user_refs[0]),
					 GFP_KERNEL_ACCOUNT);
	if (!area->nia.niovs || !area->freelist || !area->user_refs)
		return -ENOMEM;

	area->nia.num_niovs = nr;
	for (i = 0; i < nr; i++) {
		area->nia.niovs[i].owner = &area->nia;
		area->nia.niovs[i].type = NET_IOV_IOURING;
		area->freelist[i] = i;
		atomic_set(&area->user_refs[i], 0);
	}
	area->free_count = nr;
	return 0;
}

/*
 * Area @id of the instance, from @reg (checked against §4 already): its
 * memory, its buffers of the instance's size, mapped when there is a
 * device. Not visible to anybody until published.
 */
static struct io_zcrx_area *
io_zcrx_create_area(struct io_zcrx_ifq *ifq,
		    const struct io_uring_zcrx_area_reg *reg, u32 id)
{
	struct io_zcrx_area *area;
	int ret;

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return ERR_PTR(-ENOMEM);
	area->ifq = ifq;
	area->area_id = id;
	spin_lock_init(&area->freelist_lock);

	if (reg->flags & IORING_ZCRX_AREA_DMABUF)
		ret = io_zcrx_import_dmabuf(ifq, area, reg);
	else
		ret = io_zcrx_pin_area(ifq, area, reg);
	if (!ret)
		ret = io_zcrx_check_runs(ifq, area);
	if (!ret)
		ret = io_zcrx_alloc_niovs(area, reg->len >> ifq->buf_shift);
	if (!ret && ifq->dev && !area->dmabuf)
		ret = io_zcrx_map_area(ifq, area);
	else if (!ret && area->dmabuf)
		ret = io_zcrx_set_dma_addrs(ifq, area);
	if (ret) {
		io_zcrx_free_area(ifq, area);
		return ERR_PTR(ret);
	}
	return area;
}

static void io_zcrx_publish_area(struct io_zcrx_ifq *ifq,
				 struct io_zcrx_area *area)
{
	ifq->areas[area->area_id] = area;
	/* pairs with the acquire in io_zcrx_area_get() */
	smp_store_release(&ifq->nr_areas, area->area_id + 1);
}

/* The first area, at registration; it fixes the buffer size and kind. */
static int io_zcrx_register_area(struct io_zcrx_ifq *ifq,
				 struct io_uring_zcrx_area_reg *reg,
				 u32 buf_len)
{
	struct io_zcrx_area *area;
	int ret;

	ret = io_zcrx_check_area_reg(reg, ifq->nodev);
	if (ret)
		return ret;
	ret = io_zcrx_check_buf_len(buf_len);
	if (ret)
		return ret;
	/* no device to hand another buffer size to */
	if (ifq->nodev && buf_len && buf_len != PAGE_SIZE)
		return -EOPNOTSUPP;

	ifq->areas = kvcalloc(IO_ZCRX_MAX_AREAS, sizeof(ifq->areas[0]),
			      GFP_KERNEL_ACCOUNT);
	if (!ifq->areas)
		return -ENOMEM;
	ifq->buf_shift = buf_len ? ilog2(buf_len) : PAGE_SHIFT;
	ifq->dmabuf = reg->flags & IORING_ZCRX_AREA_DMABUF;

	area = io_zcrx_create_area(ifq, reg, 0);
	if (IS_ERR(area))
		return PTR_ERR(area);
	io_zcrx_publish_area(ifq, area);
	reg->rq_area_token = 0;
	return 0;
}

/* ZCRX_CTRL_ADD_AREA (ABI §8): one more area, while traffic runs */
static int io_zcrx_add_area(struct io_zcrx_ifq *ifq, struct zcrx_ctrl *ctrl)
{
	struct zcrx_ctrl_add_area *za = &ctrl->zc_area;
	struct io_uring_zcrx_area_reg reg;
	struct io_uring_zcrx_area_reg __user *uarg;
	struct io_zcrx_area *area;
	u64 token;
	u32 id;
	int ret;

	if (!mem_is_zero(za->__resv, sizeof(za->__resv)))
		return -EINVAL;
	uarg = u64_to_user_ptr(za->area_ptr);
	if (copy_from_user(&reg, uarg, sizeof(reg)))
		return -EFAULT;
	if (reg.rq_area_token)
		return -EINVAL;

	guard(mutex)(&ifq->area_lock);
	id = ifq->nr_areas;
	/* the token stays written back even if the area is refused */
	token = (u64)id << IORING_ZCRX_AREA_SHIFT;
	if (put_user(token, &uarg->rq_area_token))
		return -EFAULT;
	if (id >= IO_ZCRX_MAX_AREAS)
		return -EINVAL;
	if (!!(reg.flags & IORING_ZCRX_AREA_DMABUF) != ifq->dmabuf)
		return -EINVAL;
	ret = io_zcrx_check_area_reg(&reg, ifq->nodev);
	if (ret)
		return ret;
	/* a device instance whose device went away takes no more memory */
	if (!ifq->nodev && !ifq->dev)
		return -ENODEV;

	area = io_zcrx_create_area(ifq, &reg, id);
	if (IS_ERR(area))
		return PTR_ERR(area);
	io_zcrx_publish_area(ifq, area);
	return 0;
}

/* The instance */

static struct io_zcrx_ifq *io_zcrx_ifq_alloc(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;

	ifq = kzalloc(sizeof(*ifq), GFP_KERNEL_ACCOUNT);
	if (!ifq)
		return NULL;
	refcount_set(&ifq->refs, 1);
	refcount_set(&ifq->users, 1);
	ifq->if_rxq = -1;
	spin_lock_init(&ifq->rq_lock);
	spin_lock_init(&ifq->ev_lock);
	spin_lock_init(&ifq->stats_lock);
	mutex_init(&ifq->area_lock);
	if (ctx->user)
		ifq->user = get_uid(ctx->user);
	if (ctx->mm_account) {
		mmgrab(ctx->mm_account);
		ifq->mm_account = ctx->mm_account;
	}
	return ifq;
}

/* The last reference: every page pool of the queue has drained. */
static void io_zcrx_ifq_free(struct io_zcrx_ifq *ifq)
{
	unsigned int type;
	u32 id;

	for (type = 0; type < __ZCRX_EVENT_LAST; type++)
		if (ifq->ev_req[type])
			kmem_cache_free(req_cachep, ifq->ev_req[type]);
	io_zcrx_unmap_areas(ifq);
	for (id = 0; id < ifq->nr_areas; id++)
		io_zcrx_free_area(ifq, ifq->areas[id]);
	kvfree(ifq->areas);
	io_zcrx_free_region(ifq);
	if (ifq->mm_account)
		mmdrop(ifq->mm_account);
	if (ifq->user)
		free_uid(ifq->user);
	kfree(ifq);
}

static void io_zcrx_ifq_put(struct io_zcrx_ifq *ifq)
{
	if (refcount_dec_and_test(&ifq->refs))
		io_zcrx_ifq_free(ifq);
}

static void io_zcrx_mp_params(struct io_zcrx_ifq *ifq,
			      struct pp_memory_provider_params *p)
{
	p->mp_ops = &io_uring_pp_zc_ops;
	p->mp_priv = ifq;
	p->rx_buf_len = ifq->rx_buf_len;
}

/* Unbind the queue; the old page pool drains on its own. */
static void io_close_queue(struct io_zcrx_ifq *ifq)
{
	struct pp_memory_provider_params p = {};

	ASSERT_RTNL();
	if (!ifq->netdev || ifq->if_rxq == -1)
		return;
	io_zcrx_mp_params(ifq, &p);
	net_mp_close_rxq(ifq->netdev, ifq->if_rxq, &p);
	WRITE_ONCE(ifq->if_rxq, -1);
}

/* Let go of the net device; the DMA device stays until the unmap. */
static void io_zcrx_drop_netdev(struct io_zcrx_ifq *ifq)
{
	ASSERT_RTNL();
	if (!ifq->netdev)
		return;
	netdev_put(ifq->netdev, &ifq->netdev_tracker);
	ifq->netdev = NULL;
}

/* The last user is gone: nobody can return buffers or receive any more. */
static void io_zcrx_close(struct io_zcrx_ifq *ifq)
{
	rtnl_lock();
	io_close_queue(ifq);
	io_zcrx_drop_netdev(ifq);
	/* under rtnl: the device cannot unregister before the unmap */
	io_zcrx_unmap_areas(ifq);
	rtnl_unlock();
	io_zcrx_scrub(ifq);
}

static void io_zcrx_put_user(struct io_zcrx_ifq *ifq)
{
	if (refcount_dec_and_test(&ifq->users))
		io_zcrx_close(ifq);
	io_zcrx_ifq_put(ifq);
}

static int io_zcrx_check_reg(struct io_ring_ctx *ctx,
			     struct io_uring_zcrx_ifq_reg *reg)
{
	if (reg->if_rxq == -1 || !reg->rq_entries)
		return -EINVAL;
	if ((reg->flags & ZCRX_REG_NODEV) && (reg->if_idx || reg->if_rxq))
		return -EINVAL;
	if (reg->rq_entries > IO_RQ_MAX_ENTRIES) {
		if (!(ctx->flags & IORING_SETUP_CLAMP))
			return -EINVAL;
		reg->rq_entries = IO_RQ_MAX_ENTRIES;
	}
	reg->rq_entries = roundup_pow_of_two(reg->rq_entries);
	return 0;
}

/* The net device to bind to, in the caller's netns, and its DMA device */
static int io_zcrx_get_netdev(struct io_zcrx_ifq *ifq, u32 if_idx)
{
	struct net *net = current->nsproxy->net_ns;

	ifq->if_idx = if_idx;
	ifq->netdev = netdev_get_by_index(net, if_idx, &ifq->netdev_tracker,
					  GFP_KERNEL);
	if (!ifq->netdev)
		return -ENODEV;
	if (!ifq->netdev->dev.parent)
		return -EOPNOTSUPP;
	ifq->dev = get_device(ifq->netdev->dev.parent);
	return 0;
}

static int io_zcrx_bind(struct io_zcrx_ifq *ifq, u32 if_rxq)
{
	struct pp_memory_provider_params p = {};
	int ret;

	io_zcrx_mp_params(ifq, &p);
	rtnl_lock();
	ret = net_mp_open_rxq(ifq->netdev, if_rxq, &p, NULL);
	if (!ret)
		WRITE_ONCE(ifq->if_rxq, if_rxq);
	rtnl_unlock();
	return ret;
}

/* ABI §9: what the event descriptor asks for, checked as it is read */
static int io_zcrx_copy_event_desc(const struct io_uring_zcrx_ifq_reg *reg,
				   struct zcrx_event_desc *ed)
{
	memset(ed, 0, sizeof(*ed));
	if (!reg->event_desc)
		return 0;
	if (copy_from_user(ed, u64_to_user_ptr(reg->event_desc), sizeof(*ed)))
		return -EFAULT;
	if (ed->type_mask & ~IO_ZCRX_EVENT_MASK ||
	    ed->flags & ~ZCRX_EVENT_DESC_FLAG_STATS)
		return -EINVAL;
	if (ed->stats_offset && !(ed->flags & ZCRX_EVENT_DESC_FLAG_STATS))
		return -EINVAL;
	if (!mem_is_zero(ed->__resv2, sizeof(ed->__resv2)))
		return -EINVAL;
	return 0;
}

/* ABI §3 steps 4 to 6: the other structs, in the order mainline reads them */
static int io_zcrx_copy_reg(struct io_ring_ctx *ctx,
			    struct io_uring_zcrx_ifq_reg *reg,
			    struct io_uring_region_desc *rd,
			    struct io_uring_zcrx_area_reg *area,
			    struct zcrx_event_desc *ed)
{
	int ret;

	if (copy_from_user(rd, u64_to_user_ptr(reg->region_ptr), sizeof(*rd)))
		return -EFAULT;
	ret = io_zcrx_check_reg(ctx, reg);
	if (ret)
		return ret;
	if (copy_from_user(area, u64_to_user_ptr(reg->area_ptr),
			   sizeof(*area)))
		return -EFAULT;
	return io_zcrx_copy_event_desc(reg, ed);
}

/* Events and statistics */

struct io_zcrx_event_cmd {
	struct file		*file;
	struct io_zcrx_ifq	*ifq;
};

/* Task work on the registering ring, uring_lock held: post the event. */
static void io_zcrx_event_tw(struct io_kiocb *req, struct io_tw_state *ts)
{
	struct io_zcrx_ifq *ifq;
	struct io_ring_ctx *ctx = req->ctx;

	ifq = io_kiocb_to_cmd(req, struct io_zcrx_event_cmd)->ifq;
	io_add_aux_cqe(ctx, req->cqe.user_data, req->cqe.res, 0);
	clear_bit(req->cqe.res, &ifq->ev_queued);
	percpu_ref_put(&ctx->refs);
	io_zcrx_ifq_put(ifq);
}

/*
 * Event @type happened. If it is armed, it fires: disarmed, and an event
 * CQE is queued to the registering ring while that ring is open. Any
 * context, NAPI included.
 */
static void io_zcrx_fire(struct io_zcrx_ifq *ifq, unsigned int type)
{
	struct io_kiocb *req = ifq->ev_req[type];
	struct io_ring_ctx *ctx;

	if (!req || !test_and_clear_bit(type, &ifq->ev_armed))
		return;

	spin_lock_bh(&ifq->ev_lock);
	ctx = ifq->ev_ctx;
	/* re-armed and fired again before its last CQE went out: one CQE */
	if (!ctx || test_and_set_bit(type, &ifq->ev_queued))
		goto out;
	req->task = READ_ONCE(ctx->submitter_task);
	if (!req->task || !percpu_ref_tryget_live(&ctx->refs)) {
		clear_bit(type, &ifq->ev_queued);
		goto out;
	}
	refcount_inc(&ifq->refs);
	req->ctx = ctx;
	req->cqe.user_data = ifq->ev_user_data;
	req->cqe.res = type;
	req->io_task_work.func = io_zcrx_event_tw;
	io_req_task_work_add_remote(req, ctx, 0);
out:
	spin_unlock_bh(&ifq->ev_lock);
}

/* A payload frag was copied: count it and fire COPY. */
static void io_zcrx_count_copy(struct io_zcrx_ifq *ifq, unsigned int len)
{
	if (ifq->stats) {
		spin_lock(&ifq->stats_lock);
		ifq->stats_copy_count++;
		ifq->stats_copy_bytes += len;
		WRITE_ONCE(ifq->stats->copy_count, ifq->stats_copy_count);
		WRITE_ONCE(ifq->stats->copy_bytes, ifq->stats_copy_bytes);
		spin_unlock(&ifq->stats_lock);
	}
	io_zcrx_fire(ifq, ZCRX_EVENT_COPY);
}

/* ABI §9: the events asked for, all armed, and the stats in the region */
static int io_zcrx_setup_events(struct io_zcrx_ifq *ifq,
				struct io_ring_ctx *ctx,
				const struct zcrx_event_desc *ed)
{
	size_t rq_end = sizeof(struct io_zcrx_rq_hdr) +
			ifq->rq_entries * sizeof(struct io_uring_zcrx_rqe);
	unsigned int type;

	if (ed->flags & ZCRX_EVENT_DESC_FLAG_STATS) {
		if (!IS_ALIGNED(ed->stats_offset, __alignof__(struct zcrx_stats)))
			return -EINVAL;
		if (ed->stats_offset < rq_end ||
		    ed->stats_offset > ifq->region_size - sizeof(struct zcrx_stats))
			return -ERANGE;
		ifq->stats = ifq->region_ptr + ed->stats_offset;
		memset(ifq->stats, 0, sizeof(*ifq->stats));
	}

	for (type = 0; type < __ZCRX_EVENT_LAST; type++) {
		if (!(ed->type_mask & BIT(type)))
			continue;
		ifq->ev_req[type] = kmem_cache_zalloc(req_cachep, GFP_KERNEL);
		if (!ifq->ev_req[type])
			return -ENOMEM;
		io_kiocb_to_cmd(ifq->ev_req[type],
				struct io_zcrx_event_cmd)->ifq = ifq;
	}
	ifq->ev_ctx = ctx;
	ifq->ev_user_data = ed->user_data;
	ifq->ev_armed = ed->type_mask;
	return 0;
}

/* ZCRX_CTRL_ARM_EVENT: an event that fired may fire again */
static int io_zcrx_arm_event(struct io_zcrx_ifq *ifq, struct zcrx_ctrl *ctrl)
{
	struct zcrx_ctrl_arm_event *ae = &ctrl->zc_arm_event;
	u32 type = ae->event_type;

	if (type >= __ZCRX_EVENT_LAST || !mem_is_zero(ae->__resv,
						      sizeof(ae->__resv)))
		return -EINVAL;
	if (!ifq->ev_req[type] || test_and_set_bit(type, &ifq->ev_armed))
		return -EINVAL;
	return 0;
}

/* Sharing: export files and importing rings are users of the instance */

static int io_zcrx_file_release(struct inode *inode, struct file *file)
{
	io_zcrx_put_user(file->private_data);
	return 0;
}

static const struct file_operations io_zcrx_fops = {
	.owner		= THIS_MODULE,
	.release	= io_zcrx_file_release,
};

static void io_zcrx_get_user(struct io_zcrx_ifq *ifq)
{
	refcount_inc(&ifq->refs);
	refcount_inc(&ifq->users);
}

/* The ring takes another instance, under a new id of its own. */
static int io_zcrx_publish(struct io_ring_ctx *ctx, struct io_zcrx_ifq *ifq,
			   u32 *id)
{
	int ret;

	ret = xa_alloc(&ctx->zcrx_ctxs, id, NULL, XA_LIMIT(0, IO_ZCRX_MAX_ID),
		       GFP_KERNEL);
	if (ret)
		return ret;
	ret = xa_err(xa_store(&ctx->zcrx_ctxs, *id, ifq, GFP_KERNEL));
	if (ret)
		xa_erase(&ctx->zcrx_ctxs, *id);
	return ret;
}

/* ZCRX_REG_IMPORT: share the instance behind an exported fd */
static int io_zcrx_import(struct io_ring_ctx *ctx,
			  struct io_uring_zcrx_ifq_reg __user *arg,
			  struct io_uring_zcrx_ifq_reg *reg)
{
	struct io_zcrx_ifq *ifq;
	struct file *file;
	int ret;

	if (reg->flags != ZCRX_REG_IMPORT)
		return -EINVAL;
	if (reg->if_rxq || reg->rq_entries || reg->area_ptr ||
	    reg->region_ptr || reg->event_desc)
		return -EINVAL;

	file = fget(reg->if_idx);
	if (!file)
		return -EBADF;
	if (file->f_op != &io_zcrx_fops) {
		fput(file);
		return -EBADF;
	}
	/* the export file is a user: the instance is open */
	ifq = file->private_data;
	io_zcrx_get_user(ifq);
	fput(file);

	ret = io_zcrx_publish(ctx, ifq, &reg->zcrx_id);
	if (ret)
		goto put;
	io_zcrx_fill_offsets(&reg->offsets);
	if (!copy_to_user(arg, reg, sizeof(*reg)))
		return 0;
	ret = -EFAULT;
	xa_erase(&ctx->zcrx_ctxs, reg->zcrx_id);
put:
	io_zcrx_put_user(ifq);
	return ret;
}

/* ZCRX_CTRL_EXPORT: an fd another ring imports the instance with */
static int io_zcrx_export(struct io_zcrx_ifq *ifq, struct zcrx_ctrl *ctrl,
			  void __user *arg)
{
	struct zcrx_ctrl_export *ce = &ctrl->zc_export;
	struct file *file;
	int fd;

	if (!mem_is_zero(ce, sizeof(*ce)))
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	/* the result is written before the fd can be used */
	ce->zcrx_fd = fd;
	if (copy_to_user(arg, ctrl, sizeof(*ctrl))) {
		put_unused_fd(fd);
		return -EFAULT;
	}
	io_zcrx_get_user(ifq);
	file = anon_inode_getfile("[zcrx]", &io_zcrx_fops, ifq, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		io_zcrx_put_user(ifq);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return 0;
}

static int io_zcrx_copy_results(struct io_uring_zcrx_ifq_reg __user *arg,
				const struct io_uring_zcrx_ifq_reg *reg,
				const struct io_uring_region_desc *rd,
				const struct io_uring_zcrx_area_reg *area)
{
	if (copy_to_user(arg, reg, sizeof(*reg)) ||
	    copy_to_user(u64_to_user_ptr(reg->region_ptr), rd, sizeof(*rd)) ||
	    copy_to_user(u64_to_user_ptr(reg->area_ptr), area, sizeof(*area)))
		return -EFAULT;
	return 0;
}

int io_register_zcrx_ifq(struct io_ring_ctx *ctx,
			 struct io_uring_zcrx_ifq_reg __user *arg)
{
	struct io_uring_zcrx_area_reg area;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_region_desc rd;
	struct zcrx_event_desc ed;
	struct io_zcrx_ifq *ifq;
	u32 id, buf_len;
	int ret;

	lockdep_assert_held(&ctx->uring_lock);

	/* it takes over a queue and sees every packet that lands there */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	/* completions are 32 bytes and posted from the submitter's task */
	if (!(ctx->flags & IORING_SETUP_DEFER_TASKRUN) ||
	    !(ctx->flags & IORING_SETUP_CQE32))
		return -EINVAL;
	if (copy_from_user(&reg, arg, sizeof(reg)))
		return -EFAULT;
	if (!mem_is_zero(reg.__resv, sizeof(reg.__resv)) || reg.zcrx_id)
		return -EINVAL;
	if (reg.flags & ~(ZCRX_REG_IMPORT | ZCRX_REG_NODEV))
		return -EINVAL;
	if (reg.flags & ZCRX_REG_IMPORT)
		return io_zcrx_import(ctx, arg, &reg);
	ret = io_zcrx_copy_reg(ctx, &reg, &rd, &area, &ed);
	if (ret)
		return ret;

	ifq = io_zcrx_ifq_alloc(ctx);
	if (!ifq)
		return -ENOMEM;
	/* reserve the id: nothing can find the instance until it is ready */
	ret = xa_alloc(&ctx->zcrx_ctxs, &id, NULL, XA_LIMIT(0, IO_ZCRX_MAX_ID),
		       GFP_KERNEL);
	if (ret)
		goto free;

	buf_len = reg.rx_buf_len;
	ifq->nodev = reg.flags & ZCRX_REG_NODEV;
	ret = io_zcrx_create_rq(ifq, id, &reg, &rd);
	if (!ret)
		ret = io_zcrx_setup_events(ifq, ctx, &ed);
	if (!ret && !ifq->nodev)
		ret = io_zcrx_get_netdev(ifq, reg.if_idx);
	if (!ret)
		ret = io_zcrx_register_area(ifq, &area, buf_len);
	/* any size asked for, even the page size, is the device's to take */
	ifq->rx_buf_len = buf_len;
	if (!ret && !ifq->nodev)
		ret = io_zcrx_bind(ifq, reg.if_rxq);
	if (ret)
		goto erase;

	reg.zcrx_id = id;
	reg.rx_buf_len = buf_len ?: PAGE_SIZE;
	/* under uring_lock: no request can look the id up before we return */
	ret = xa_err(xa_store(&ctx->zcrx_ctxs, id, ifq, GFP_KERNEL));
	if (!ret)
		ret = io_zcrx_copy_results(arg, &reg, &rd, &area);
	if (!ret)
		return 0;
erase:
	xa_erase(&ctx->zcrx_ctxs, id);
free:
	io_zcrx_put_user(ifq);
	return ret;
}

struct io_zcrx_ifq *io_zcrx_ifq_get(struct io_ring_ctx *ctx, u32 id)
{
	return xa_load(&ctx->zcrx_ctxs, id);
}

/*
 * The ring is closing (uring_lock held, its refs already killed): it stops
 * being a user of its instances. Its requests see the ring dying and hand
 * out no more buffers, so the last user can take them all back here.
 */
void io_shutdown_zcrx_ifqs(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	lockdep_assert_held(&ctx->uring_lock);

	xa_for_each(&ctx->zcrx_ctxs, index, ifq) {
		/* events go to the registering ring only, while it is open */
		spin_lock_bh(&ifq->ev_lock);
		if (ifq->ev_ctx == ctx)
			ifq->ev_ctx = NULL;
		spin_unlock_bh(&ifq->ev_lock);
		if (refcount_dec_and_test(&ifq->users))
			io_zcrx_close(ifq);
	}
}

/* The ring is freed: drop the references its requests could still use. */
void io_unregister_zcrx_ifqs(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	xa_for_each(&ctx->zcrx_ctxs, index, ifq) {
		xa_erase(&ctx->zcrx_ctxs, index);
		io_zcrx_ifq_put(ifq);
	}
	xa_destroy(&ctx->zcrx_ctxs);
}

/* IORING_REGISTER_QUERY: what this kernel's zcrx does */

size_t io_zcrx_query(struct io_uring_query_zcrx *q)
{
	q->register_flags = ZCRX_REG_IMPORT | ZCRX_REG_NODEV;
	q->area_flags = IORING_ZCRX_AREA_DMABUF;
	q->nr_ctrl_opcodes = ZCRX_CTRL_ADD_AREA + 1;
	q->features = ZCRX_FEATURE_RX_PAGE_SIZE | ZCRX_FEATURE_EVENT;
	q->rq_hdr_size = sizeof(struct io_zcrx_rq_hdr);
	q->rq_hdr_alignment = IO_ZCRX_RQ_HDR_ALIGN;
	return sizeof(*q);
}

size_t io_zcrx_query_event(struct io_uring_query_zcrx_event *q)
{
	q->event_flags = IO_ZCRX_EVENT_MASK;
	q->stats_size = sizeof(struct zcrx_stats);
	q->stats_off_alignment = __alignof__(struct zcrx_stats);
	return sizeof(*q);
}

/* mmap() of a kernel-allocated refill ring */

static struct io_zcrx_ifq *io_zcrx_mmap_ifq(struct io_ring_ctx *ctx,
					    unsigned long offset)
{
	u32 id = (offset & ~IORING_OFF_MMAP_MASK) >> IORING_OFF_ZCRX_SHIFT;
	struct io_zcrx_ifq *ifq;

	if (offset & ((1UL << IORING_OFF_ZCRX_SHIFT) - 1))
		return NULL;
	ifq = io_zcrx_ifq_get(ctx, id);
	if (!ifq || ifq->region_user)
		return NULL;
	return ifq;
}

void *io_zcrx_region_ptr(struct io_ring_ctx *ctx, unsigned long offset)
{
	struct io_zcrx_ifq *ifq = io_zcrx_mmap_ifq(ctx, offset);

	return ifq ? ifq->region_ptr : ERR_PTR(-EINVAL);
}

int io_zcrx_mmap(struct io_ring_ctx *ctx, struct vm_area_struct *vma,
		 unsigned long offset)
{
	struct io_zcrx_ifq *ifq = io_zcrx_mmap_ifq(ctx, offset);

	if (!ifq)
		return -EINVAL;
	if (vma_pages(vma) > ifq->region_nr_pages)
		return -EINVAL;
	return io_uring_mmap_pages(ctx, vma, ifq->region_pages,
				   vma_pages(vma));
}

void io_zcrx_show_fdinfo(struct io_ring_ctx *ctx, struct seq_file *m)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	xa_for_each(&ctx->zcrx_ctxs, index, ifq) {
		seq_printf(m, "Zcrx%lu:\tifindex=%u rxq=%d zc_bytes=%llu copy_bytes=%llu\n",
			   index, ifq->if_idx, (int)READ_ONCE(ifq->if_rxq),
			   (u64)atomic64_read(&ifq->zc_bytes),
			   (u64)atomic64_read(&ifq->copy_bytes));
	}
}

/* The memory provider */

static u32 io_zcrx_rqring_entries(struct io_zcrx_ifq *ifq)
{
	u32 entries;

	/* pairs with the user's store-release of tail after filling rqes */
	entries = smp_load_acquire(&ifq->rq_hdr->tail) - ifq->cached_rq_head;
	/* a tail the user made up must not make us read more than a ring */
	return min(entries, ifq->rq_entries);
}

/* Check a refill entry and find its buffer; false for anything made up. */
static bool io_parse_rqe(struct io_uring_zcrx_rqe *rqe,
			 struct io_zcrx_ifq *ifq, struct net_iov **ret)
{
	u64 off = READ_ONCE(rqe->off);
	struct io_zcrx_area *area;
	unsigned long idx;

	if (unlikely(READ_ONCE(rqe->__pad)))
		return false;
	area = io_zcrx_area_get(ifq, off >> IORING_ZCRX_AREA_SHIFT);
	if (unlikely(!area))
		return false;
	idx = (off & ~IORING_ZCRX_AREA_MASK) >> ifq->buf_shift;
	if (unlikely(idx >= area->nia.num_niovs))
		return false;
	idx = array_index_nospec(idx, area->nia.num_niovs);
	*ret = &area->nia.niovs[idx];
	return true;
}

/* The device writes the buffer from the pool's offset on, its way. */
static void io_zcrx_sync_for_device(const struct page_pool *pp,
				    struct net_iov *niov)
{
	u32 len = min_t(u32, pp->p.max_len,
			(PAGE_SIZE << pp->p.order) - pp->p.offset);
	dma_addr_t dma;

	if (!dma_dev_need_sync(pp->p.dev))
		return;
	dma = page_pool_get_dma_addr_netmem(net_iov_to_netmem(niov));
	dma_sync_single_for_device(pp->p.dev, dma + pp->p.offset, len,
				   pp->p.dma_dir);
}

/*
 * @nr consecutive refill entries name @niov. Unless the user holds that
 * many completions of it, they are all ignored. A buffer nobody else
 * holds goes to @pp's cache if it belongs to @pp (we run in its
 * allocation path: not a recycle, and not counted as one), else home.
 */
static void io_zcrx_return_user(struct page_pool *pp, struct net_iov *niov,
				unsigned int nr)
{
	netmem_ref netmem = net_iov_to_netmem(niov);

	if (!io_zcrx_put_niov_urefs(niov, nr))
		return;
	/* the stack may still hold it; it recycles it then */
	if (page_pool_unref_netmem(netmem, nr))
		return;
	if (pp && niov->pp == pp) {
		io_zcrx_sync_for_device(pp, niov);
		pp->alloc.cache[pp->alloc.count++] = netmem;
		return;
	}
	/* an older pool of the queue, a copy buffer, or no pool context */
	io_zcrx_return_niov(niov);
}

/*
 * Take up to @max refill entries. With @pp (the pool allocating, its cache
 * empty) its buffers go straight to its cache; everything else goes home.
 * A made-up entry is skipped, or with @stop_bad ends the pass (consumed).
 * Returns the number of entries consumed.
 */
static unsigned int io_zcrx_ring_refill(struct page_pool *pp,
					struct io_zcrx_ifq *ifq,
					unsigned int max, bool stop_bad)
{
	unsigned int mask = ifq->rq_entries - 1;
	struct net_iov *batch = NULL, *niov;
	unsigned int entries, left, nr = 0;

	spin_lock_bh(&ifq->rq_lock);
	entries = min(io_zcrx_rqring_entries(ifq), max);
	for (left = entries; left; left--) {
		unsigned int head = ifq->cached_rq_head++ & mask;

		if (!io_parse_rqe(&ifq->rqes[head], ifq, &niov)) {
			if (stop_bad) {
				entries -= left - 1;
				break;
			}
			niov = NULL;
		}
		if (niov && niov == batch) {
			nr++;
			continue;
		}
		if (batch)
			io_zcrx_return_user(pp, batch, nr);
		batch = niov;
		nr = 1;
	}
	if (batch)
		io_zcrx_return_user(pp, batch, nr);
	/* the user may refill the entries once it sees head move past them */
	smp_store_release(&ifq->rq_hdr->head, ifq->cached_rq_head);
	spin_unlock_bh(&ifq->rq_lock);
	return entries;
}

static void io_zcrx_refill_slow_area(struct page_pool *pp,
				     struct io_zcrx_area *area)
{
	spin_lock_bh(&area->freelist_lock);
	while (area->free_count && pp->alloc.count < PP_ALLOC_CACHE_REFILL) {
		struct net_iov *niov = __io_zcrx_get_free_niov(area);

		net_mp_niov_set_page_pool(pp, niov);
		io_zcrx_sync_for_device(pp, niov);
		pp->alloc.cache[pp->alloc.count++] = net_iov_to_netmem(niov);
	}
	spin_unlock_bh(&area->freelist_lock);
}

/* The free buffers, from the areas in id order */
static void io_zcrx_refill_slow(struct page_pool *pp, struct io_zcrx_ifq *ifq)
{
	u32 nr = io_zcrx_nr_areas(ifq), id;

	for (id = 0; id < nr && pp->alloc.count < PP_ALLOC_CACHE_REFILL; id++)
		io_zcrx_refill_slow_area(pp, ifq->areas[id]);
}

/*
 * Called by the page pool with its cache empty, in the context that owns
 * the cache: we may fill it directly.
 */
static netmem_ref io_pp_zc_alloc_netmems(struct page_pool *pp, gfp_t gfp)
{
	struct io_zcrx_ifq *ifq = pp->mp_priv;
	unsigned int taken;

	taken = io_zcrx_ring_refill(pp, ifq, PP_ALLOC_CACHE_REFILL, false);
	if (!pp->alloc.count)
		io_zcrx_refill_slow(pp, ifq);
	if (!pp->alloc.count) {
		/* nothing returned and nothing free: the user holds it all */
		if (!taken)
			io_zcrx_fire(ifq, ZCRX_EVENT_ALLOC_FAIL);
		return 0;
	}
	return pp->alloc.cache[--pp->alloc.count];
}

static bool io_pp_zc_release_netmem(struct page_pool *pp, netmem_ref netmem)
{
	struct net_iov *niov;

	if (WARN_ON_ONCE(!netmem_is_net_iov(netmem)))
		return false;

	niov = netmem_to_net_iov(netmem);
	net_mp_niov_clear_page_pool(niov);
	io_zcrx_return_niov_freelist(niov);
	/* the pool must not put_page() a net_iov */
	return false;
}

static int io_pp_zc_init(struct page_pool *pp)
{
	struct io_zcrx_ifq *ifq = pp->mp_priv;

	if (WARN_ON_ONCE(!ifq))
		return -EINVAL;
	/* the areas are mapped for one device, one way, in buffers */
	if (!ifq->dev || pp->p.dev != ifq->dev)
		return -EINVAL;
	if (pp->p.dma_dir != DMA_FROM_DEVICE)
		return -EOPNOTSUPP;
	if (PAGE_SIZE << pp->p.order != io_zcrx_buf_len(ifq))
		return -EOPNOTSUPP;

	/* the pool's buffers are the instance's memory */
	refcount_inc(&ifq->refs);
	return 0;
}

static void io_pp_zc_destroy(struct page_pool *pp)
{
	io_zcrx_ifq_put(pp->mp_priv);
}

static int io_pp_nl_fill(void *mp_priv, struct sk_buff *rsp,
			 struct netdev_rx_queue *rxq)
{
	int type = rxq ? NETDEV_A_QUEUE_IO_URING : NETDEV_A_PAGE_POOL_IO_URING;
	struct nlattr *nest;

	nest = nla_nest_start(rsp, type);
	if (!nest)
		return -EMSGSIZE;
	nla_nest_end(rsp, nest);
	return 0;
}

/*
 * The device is unregistering (rtnl held) and stopped its queues: forget
 * it, and unmap now while the DMA device is still registered.
 */
static void io_pp_uninstall(void *mp_priv, struct netdev_rx_queue *rxq)
{
	struct io_zcrx_ifq *ifq = mp_priv;

	WRITE_ONCE(ifq->if_rxq, -1);
	io_zcrx_drop_netdev(ifq);
	io_zcrx_unmap_areas(ifq);
}

static const struct memory_provider_ops io_uring_pp_zc_ops = {
	.alloc_netmems		= io_pp_zc_alloc_netmems,
	.release_netmem		= io_pp_zc_release_netmem,
	.init			= io_pp_zc_init,
	.destroy		= io_pp_zc_destroy,
	.nl_fill		= io_pp_nl_fill,
	.uninstall		= io_pp_uninstall,
};

/* IORING_REGISTER_ZCRX_CTRL */

/* Take the buffers the user returned now, without waiting for the pool. */
static int io_zcrx_flush_rq(struct io_zcrx_ifq *ifq, struct zcrx_ctrl *ctrl)
{
	if (!mem_is_zero(&ctrl->zc_flush, sizeof(ctrl->zc_flush)))
		return -EINVAL;
	io_zcrx_ring_refill(NULL, ifq, ifq->rq_entries, true);
	return 0;
}

int io_register_zcrx_ctrl(struct io_ring_ctx *ctx, void __user *arg,
			  unsigned int nr_args)
{
	struct io_zcrx_ifq *ifq;
	struct zcrx_ctrl ctrl;

	if (nr_args)
		return -EINVAL;
	if (copy_from_user(&ctrl, arg, sizeof(ctrl)))
		return -EFAULT;
	/* mainline's errno for these, not -EINVAL */
	if (!mem_is_zero(ctrl.__resv, sizeof(ctrl.__resv)))
		return -EFAULT;
	ifq = xa_load(&ctx->zcrx_ctxs, ctrl.zcrx_id);
	if (!ifq)
		return -ENXIO;

	switch (ctrl.op) {
	case ZCRX_CTRL_FLUSH_RQ:
		return io_zcrx_flush_rq(ifq, &ctrl);
	case ZCRX_CTRL_EXPORT:
		return io_zcrx_export(ifq, &ctrl, arg);
	case ZCRX_CTRL_ARM_EVENT:
		return io_zcrx_arm_event(ifq, &ctrl);
	case ZCRX_CTRL_ADD_AREA:
		return io_zcrx_add_area(ifq, &ctrl);
	}
	return -EOPNOTSUPP;
}

/* Receive */

struct io_zcrx_args {
	struct io_kiocb		*req;
	struct io_zcrx_ifq	*ifq;
	unsigned int		nr_skbs;
	/* why delivery stopped, even if some bytes went out before */
	int			err;
};

static bool io_zcrx_queue_cqe(struct io_kiocb *req, struct net_iov *niov,
			      struct io_zcrx_ifq *ifq, unsigned int off,
			      unsigned int len)
{
	struct io_ring_ctx *ctx = req->ctx;
	struct io_uring_zcrx_cqe *rcqe;
	struct io_uring_cqe *cqe;
	u64 offset;

	if (!io_get_cqe(ctx, &cqe))
		return false;
	/* completions the request posts besides its final one */
	ctx->cq_extra++;
	ctx->submit_state.cq_flush = true;

	offset = ((u64)net_iov_idx(niov) << ifq->buf_shift) + off;
	cqe->user_data = req->cqe.user_data;
	cqe->res = len;
	cqe->flags = IORING_CQE_F_MORE;
	rcqe = (struct io_uring_zcrx_cqe *)(cqe + 1);
	rcqe->off = offset |
		    ((u64)io_zcrx_iov_to_area(niov)->area_id <<
		     IORING_ZCRX_AREA_SHIFT);
	rcqe->__pad = 0;
	return true;
}

static struct net_iov *io_zcrx_get_free_area(struct io_zcrx_area *area)
{
	struct net_iov *niov = NULL;

	spin_lock_bh(&area->freelist_lock);
	if (area->free_count)
		niov = __io_zcrx_get_free_niov(area);
	spin_unlock_bh(&area->freelist_lock);
	return niov;
}

/* A free buffer, from the areas in id order */
static struct net_iov *io_zcrx_get_free(struct io_zcrx_ifq *ifq)
{
	u32 nr = io_zcrx_nr_areas(ifq), id;
	struct net_iov *niov = NULL;

	for (id = 0; id < nr && !niov; id++)
		niov = io_zcrx_get_free_area(ifq->areas[id]);
	return niov;
}

static struct net_iov *io_zcrx_alloc_fallback(struct io_zcrx_ifq *ifq)
{
	struct net_iov *niov;
	unsigned int taken;

	/*
	 * Copied buffers come back through the refill ring too, and no page
	 * pool may be allocating to consume it (a flow on another queue or
	 * device): take them back here, a batch at a time with BHs off, up
	 * to one ring's worth. A NODEV instance leaves that to FLUSH_RQ.
	 */
	for (taken = 0; ; taken += IO_ZCRX_FALLBACK_REFILL) {
		niov = io_zcrx_get_free(ifq);
		if (niov)
			break;
		if (ifq->nodev || taken >= ifq->rq_entries ||
		    !io_zcrx_ring_refill(NULL, ifq, IO_ZCRX_FALLBACK_REFILL,
					 false))
			return NULL;
		cond_resched();
	}

	/* the user's reference is the only one */
	page_pool_fragment_netmem(net_iov_to_netmem(niov), 1);
	return niov;
}

/* Copies go to the first page of a buffer, at most a page per CQE. */
static struct page *io_zcrx_niov_page(struct io_zcrx_ifq *ifq,
				      const struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	return area->pages[net_iov_idx(niov) << (ifq->buf_shift - PAGE_SHIFT)];
}

/*
 * Data that is not in our buffers (header bytes, another queue, another
 * device) is copied into free area buffers, a page at a time.
 */
static int io_zcrx_copy_skb(struct io_zcrx_args *args,
			    const struct sk_buff *skb, unsigned int offset,
			    unsigned int len)
{
	struct io_zcrx_ifq *ifq = args->ifq;
	unsigned int copied = 0;
	int ret = 0;

	/* the CPU never touches a dma-buf (ABI §6) */
	if (ifq->dmabuf) {
		args->err = -ENOMEM;
		return -ENOMEM;
	}
	while (copied < len) {
		unsigned int n = min_t(unsigned int, len - copied, PAGE_SIZE);
		struct net_iov *niov;
		void *dst;

		niov = io_zcrx_alloc_fallback(ifq);
		if (!niov) {
			ret = -ENOMEM;
			break;
		}
		dst = kmap_local_page(io_zcrx_niov_page(ifq, niov));
		ret = skb_copy_bits(skb, offset + copied, dst, n);
		kunmap_local(dst);
		if (!ret && !io_zcrx_queue_cqe(args->req, niov, ifq, 0, n))
			ret = -ENOSPC;
		if (ret) {
			io_zcrx_return_niov(niov);
			break;
		}
		/* its only pool reference, taken above, is the user's */
		io_zcrx_user_ref_inc(niov);
		copied += n;
	}
	atomic64_add(copied, &ifq->copy_bytes);
	if (ret)
		args->err = ret;
	return copied ? copied : ret;
}

static int io_zcrx_recv_frag(struct io_zcrx_args *args,
			     const struct sk_buff *skb, const skb_frag_t *frag,
			     unsigned int skb_off, unsigned int off,
			     unsigned int len)
{
	struct io_zcrx_ifq *ifq = args->ifq;
	struct net_iov *niov;

	if (!skb_frag_is_net_iov(frag)) {
		int copied = io_zcrx_copy_skb(args, skb, skb_off, len);

		if (copied > 0)
			io_zcrx_count_copy(ifq, copied);
		return copied;
	}

	niov = netmem_to_net_iov(frag->netmem);
	/* someone else's provider: we can neither read nor hand it out */
	if (!io_zcrx_owns_niov(ifq, niov)) {
		args->err = -EFAULT;
		return -EFAULT;
	}

	if (!io_zcrx_queue_cqe(args->req, niov, ifq,
			       off + skb_frag_off(frag), len)) {
		args->err = -ENOSPC;
		return -ENOSPC;
	}
	io_zcrx_get_niov_uref(niov);
	atomic64_add(len, &ifq->zc_bytes);
	return len;
}

/* Deliver [offset, offset + len) of @skb; bytes delivered or an error. */
static int io_zcrx_recv_range(struct io_zcrx_args *args, struct sk_buff *skb,
			      unsigned int offset, unsigned int len)
{
	unsigned int start, start_off = offset, end, copy;
	struct sk_buff *frag_iter;
	int i, ret = 0;

	if (offset < skb_headlen(skb)) {
		copy = min(skb_headlen(skb) - offset, len);
		ret = io_zcrx_copy_skb(args, skb, offset, copy);
		if (ret < 0)
			goto out;
		offset += ret;
		len -= ret;
		if (!len || ret != copy)
			goto out;
	}
	start = skb_headlen(skb);

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		end = start + skb_frag_size(frag);
		if (offset < end) {
			copy = min(end - offset, len);
			ret = io_zcrx_recv_frag(args, skb, frag, offset,
						offset - start, copy);
			if (ret < 0)
				goto out;
			offset += ret;
			len -= ret;
			if (!len || ret != copy)
				goto out;
		}
		start = end;
	}

	skb_walk_frags(skb, frag_iter) {
		end = start + frag_iter->len;
		if (offset < end) {
			copy = min(end - offset, len);
			ret = io_zcrx_recv_range(args, frag_iter,
						 offset - start, copy);
			if (ret < 0)
				goto out;
			offset += ret;
			len -= ret;
			if (!len || ret != copy)
				goto out;
		}
		start = end;
	}
out:
	if (offset == start_off)
		return ret;
	return offset - start_off;
}

/* tcp_read_sock() actor; desc->count is what the read limit leaves */
static int io_zcrx_recv_skb(read_descriptor_t *desc, struct sk_buff *skb,
			    unsigned int offset, size_t len)
{
	struct io_zcrx_args *args = desc->arg.data;
	int ret;

	len = min_t(size_t, len, desc->count);
	if (!len)
		return 0;
	if (unlikely(args->nr_skbs++ > IO_SKBS_PER_CALL_LIMIT))
		return -EAGAIN;

	ret = io_zcrx_recv_range(args, skb, offset, min_t(size_t, len,
							  INT_MAX));
	if (ret > 0)
		desc->count -= ret;
	return ret;
}

static int io_zcrx_tcp_recvmsg(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			       struct sock *sk, unsigned int issue_flags,
			       size_t *left)
{
	struct io_zcrx_args args = { .req = req, .ifq = ifq };
	read_descriptor_t rd_desc = {
		.count = *left,
		.arg.data = &args,
	};
	int ret;

	lock_sock(sk);
	ret = tcp_read_sock(sk, &rd_desc, io_zcrx_recv_skb);
	/*
	 * The CQ filled up or the area ran dry part way: end the request
	 * with that error behind the data it did deliver, for the user to
	 * re-arm once there is room. Waiting for the next wakeup instead
	 * could wait forever: the rest is already queued.
	 */
	if (ret > 0 && args.err)
		ret = args.err;
	if (ret <= 0) {
		if (ret < 0 || sock_flag(sk, SOCK_DONE))
			goto out;
		if (sk->sk_err)
			ret = sock_error(sk);
		else if (sk->sk_shutdown & RCV_SHUTDOWN)
			goto out;
		else if (sk->sk_state == TCP_CLOSE)
			ret = -ENOTCONN;
		else
			ret = -EAGAIN;
	} else if (args.nr_skbs > IO_SKBS_PER_CALL_LIMIT ||
		   sock_flag(sk, SOCK_DONE)) {
		/* more may be queued, or the FIN: come back for either */
		ret = (issue_flags & IO_URING_F_MULTISHOT) ? IOU_REQUEUE
							   : -EAGAIN;
	}
out:
	release_sock(sk);
	*left = rd_desc.count;
	return ret;
}

static int io_zcrx_recv_sock(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			     struct socket *sock, unsigned int issue_flags,
			     size_t *left)
{
	struct sock *sk = sock->sk;
	const struct proto *prot = READ_ONCE(sk->sk_prot);

	if (prot->recvmsg != tcp_recvmsg)
		return -EPROTONOSUPPORT;

	/* keep our completions behind those already queued */
	if (!wq_list_empty(&req->ctx->submit_state.compl_reqs))
		__io_submit_flush_completions(req->ctx);

	sock_rps_record_flow(sk);
	return io_zcrx_tcp_recvmsg(req, ifq, sk, issue_flags, left);
}

/* IORING_OP_RECV_ZC */

struct io_recvzc {
	struct file			*file;
	u16				flags;
	/* bytes the read limit leaves, SIZE_MAX without a limit */
	size_t				left;
	struct io_zcrx_ifq		*ifq;
};

int io_recvzc_prep(struct io_kiocb *req, const struct io_uring_sqe *sqe)
{
	struct io_recvzc *zc = io_kiocb_to_cmd(req, struct io_recvzc);
	u32 limit;

	if (unlikely(sqe->addr2 || sqe->addr || sqe->addr3))
		return -EINVAL;
	if (READ_ONCE(sqe->msg_flags))
		return -EINVAL;
	zc->flags = READ_ONCE(sqe->ioprio);
	if (zc->flags & ~(IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT))
		return -EINVAL;
	/* ABI revision 2: a multishot request with a read limit, only */
	if (!(zc->flags & IORING_RECV_MULTISHOT))
		return -EINVAL;
	zc->ifq = io_zcrx_ifq_get(req->ctx, READ_ONCE(sqe->zcrx_ifq_idx));
	if (!zc->ifq)
		return -EINVAL;
	limit = READ_ONCE(sqe->len);
	zc->left = limit ?: SIZE_MAX;

	req->flags |= REQ_F_APOLL_MULTISHOT;
	return 0;
}

static int io_recvzc_finish(struct io_kiocb *req, int res,
			    unsigned int issue_flags)
{
	if (res < 0)
		req_set_fail(req);
	io_req_set_res(req, res, 0);
	return (issue_flags & IO_URING_F_MULTISHOT) ? IOU_STOP_MULTISHOT
						    : IOU_OK;
}

int io_recvzc(struct io_kiocb *req, unsigned int issue_flags)
{
	struct io_recvzc *zc = io_kiocb_to_cmd(req, struct io_recvzc);
	struct socket *sock;
	int ret;

	if (!(req->flags & REQ_F_POLLED) &&
	    (zc->flags & IORING_RECVSEND_POLL_FIRST))
		return -EAGAIN;
	/* completions are posted from the submitter, never from io-wq */
	if (issue_flags & IO_URING_F_IOWQ)
		return -EOPNOTSUPP;
	/*
	 * A dying ring is no user of its instances any more: the last user
	 * took every buffer back. Checked under uring_lock, which the close
	 * holds too.
	 */
	if (unlikely(percpu_ref_is_dying(&req->ctx->refs)))
		return io_recvzc_finish(req, -ECANCELED, issue_flags);

	sock = sock_from_file(req->file);
	if (unlikely(!sock))
		return -ENOTSOCK;

	ret = io_zcrx_recv_sock(req, zc->ifq, sock, issue_flags, &zc->left);
	if (!zc->left)
		return io_recvzc_finish(req, 0, issue_flags);
	if (ret == IOU_REQUEUE)
		return ret;
	if (ret <= 0 && ret != -EAGAIN) {
		if (ret == -ERESTARTSYS)
			ret = -EINTR;
		return io_recvzc_finish(req, ret, issue_flags);
	}
	if (issue_flags & IO_URING_F_MULTISHOT)
		return IOU_ISSUE_SKIP_COMPLETE;
	return -EAGAIN;
}

#ifdef CONFIG_IO_URING_ZCRX_KUNIT_TEST
/* the tests call the static helpers above directly */
#include "zcrx_test.c"
#endif

#ifdef CONFIG_IO_URING_ZCRX_BENCH
/* so does the micro-benchmark */
#include "zcrx_bench.c"
#endif
