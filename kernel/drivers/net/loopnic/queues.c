// SPDX-License-Identifier: GPL-2.0
/* Rx queue memory (rings and page pools), queue start/stop, and the
 * queue management ops behind netdev_rx_queue_restart().
 *
 * Per queue index, struct loopnic_rxq (NAPI, producer lock, counters)
 * lives as long as the netdev. struct loopnic_ring is the replaceable
 * part: descriptor rings, completion queue and the page pools feeding
 * them. A queue runs when its rxq points at a ring; the emulated device
 * checks that under the producer lock, so clearing the pointer under
 * the lock is all it takes to stop new writes.
 */
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/netdev_queues.h>
#include <net/netdev_rx_queue.h>
#include <net/page_pool/helpers.h>

#include "loopnic.h"

/* Every pool maps its pages for the device and syncs them for it when it
 * hands them out, as the emulated device writes without further syncs.
 */
#define LOOPNIC_PP_FLAGS	(PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV)

/* Payload pool flags beyond the DMA basics. A memory provider bound to
 * the queue (devmem, io_uring zcrx) may hand out buffers the CPU cannot
 * read, which only works with header split: without it NAPI reads the
 * headers out of the payload buffer.
 */
static unsigned int loopnic_payload_pp_flags(const struct loopnic_ring *ring)
{
	return ring->hds ? PP_FLAG_ALLOW_UNREADABLE_NETMEM : 0;
}

static struct page_pool *loopnic_pp_create(struct loopnic_priv *priv,
					   struct loopnic_ring *ring,
					   unsigned int flags, u32 buf_len)
{
	struct page_pool_params pp = {
		.flags		= LOOPNIC_PP_FLAGS | flags,
		.order		= get_order(buf_len),
		.pool_size	= ring->size,
		.nid		= NUMA_NO_NODE,
		.dev		= loopnic_dma_dev(priv),
		.napi		= &priv->rxq[ring->qid].napi,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= buf_len,
		.offset		= 0,
		.netdev		= priv->netdev,
		.queue_idx	= ring->qid,
	};

	return page_pool_create(&pp);
}

/* Post buffers into every free slot; returns how many allocations
 * failed. The device never looks past the published tails.
 */
static unsigned int loopnic_refill_bufs(struct loopnic_ring *ring, gfp_t gfp)
{
	u32 tail = ring->buf_tail;
	struct loopnic_buf *buf;
	netmem_ref netmem;
	unsigned int fail = 0;

	while (tail - ring->buf_clean < ring->size) {
		netmem = page_pool_alloc_netmems(ring->pp, gfp);
		if (!netmem) {
			fail++;
			break;
		}
		buf = &ring->bufs[tail & ring->mask];
		buf->netmem = netmem;
		buf->offset = 0;
		buf->dma = page_pool_get_dma_addr_netmem(netmem);
		tail++;
	}
	/* Release pairs with the acquire in loopnic_ring_has_room() */
	smp_store_release(&ring->buf_tail, tail);
	return fail;
}

static unsigned int loopnic_refill_hdrs(struct loopnic_ring *ring, gfp_t gfp)
{
	u32 tail = ring->hdr_tail;
	struct loopnic_buf *buf;
	unsigned int offset;
	unsigned int fail = 0;
	struct page *page;

	while (tail - ring->hdr_clean < ring->size) {
		page = page_pool_alloc_frag(ring->hdr_pp, &offset,
					    LOOPNIC_HDR_BUF_LEN, gfp);
		if (!page) {
			fail++;
			break;
		}
		buf = &ring->hdrs[tail & ring->mask];
		buf->netmem = page_to_netmem(page);
		buf->offset = offset;
		buf->dma = page_pool_get_dma_addr(page) + offset;
		tail++;
	}
	/* Release pairs with the acquire in loopnic_ring_has_room() */
	smp_store_release(&ring->hdr_tail, tail);
	return fail;
}

/* NAPI context, or before the ring is attached to its queue */
unsigned int loopnic_ring_refill(struct loopnic_ring *ring, gfp_t gfp)
{
	unsigned int fail = loopnic_refill_bufs(ring, gfp);

	if (ring->hds)
		fail += loopnic_refill_hdrs(ring, gfp);
	return fail;
}

/* Return every buffer the ring still owns, posted or completed but not
 * processed. Consumed slots were cleared by NAPI.
 */
static void loopnic_ring_drain(struct loopnic_ring *ring)
{
	struct loopnic_buf *buf;
	u32 i;

	for (i = 0; ring->bufs && i < ring->size; i++) {
		buf = &ring->bufs[i];
		if (buf->netmem)
			page_pool_put_full_netmem(ring->pp, buf->netmem, false);
		buf->netmem = 0;
	}
	for (i = 0; ring->hdrs && i < ring->size; i++) {
		buf = &ring->hdrs[i];
		if (buf->netmem)
			page_pool_put_full_page(ring->hdr_pp,
						netmem_to_page(buf->netmem),
						false);
		buf->netmem = 0;
	}
}

/* Stop the pools recycling straight into the NAPI cache. Must run while
 * that NAPI is disabled (page_pool_disable_direct_recycling() checks).
 */
static void loopnic_ring_unlink_napi(struct loopnic_ring *ring)
{
	if (ring->pp)
		page_pool_disable_direct_recycling(ring->pp);
	if (ring->hdr_pp)
		page_pool_disable_direct_recycling(ring->hdr_pp);
	ring->napi_linked = false;
}

static void loopnic_ring_free(struct loopnic_ring *ring)
{
	loopnic_ring_drain(ring);
	/* In-flight pages keep the pools alive; the core finishes later */
	page_pool_destroy(ring->pp);
	page_pool_destroy(ring->hdr_pp);
	kvfree(ring->cqes);
	kvfree(ring->hdrs);
	kvfree(ring->bufs);
	kfree(ring);
}

/* A ring that never ran (a failed restart, or a failure while building
 * it) can have pools linked to a NAPI that is live for the ring in use.
 * Pause that NAPI to unlink them, then kick it in case the device
 * completed something meanwhile.
 */
static void loopnic_ring_destroy(struct loopnic_priv *priv,
				 struct loopnic_ring *ring)
{
	struct loopnic_rxq *rxq;

	if (!ring)
		return;

	rxq = &priv->rxq[ring->qid];
	if (ring->napi_linked && rxq->napi_enabled) {
		napi_disable(&rxq->napi);
		loopnic_ring_unlink_napi(ring);
		napi_enable(&rxq->napi);
		local_bh_disable();
		napi_schedule(&rxq->napi);
		local_bh_enable();
	}
	loopnic_ring_free(ring);
}

static int loopnic_ring_alloc_arrays(struct loopnic_ring *ring)
{
	ring->bufs = kvcalloc(ring->size, sizeof(*ring->bufs), GFP_KERNEL);
	ring->cqes = kvcalloc(ring->cq_size, sizeof(*ring->cqes), GFP_KERNEL);
	if (!ring->bufs || !ring->cqes)
		return -ENOMEM;
	if (!ring->hds)
		return 0;
	ring->hdrs = kvcalloc(ring->size, sizeof(*ring->hdrs), GFP_KERNEL);
	return ring->hdrs ? 0 : -ENOMEM;
}

/* The payload buffer size: a bound memory provider's, if it asks for one
 * (only with header split, the one mode providers are used in).
 */
static int loopnic_ring_buf_len(struct loopnic_priv *priv,
				struct loopnic_ring *ring)
{
	const struct pp_memory_provider_params *mp;
	u32 len;

	ring->buf_len = LOOPNIC_RX_BUF_LEN;
	mp = &__netif_get_rx_queue(priv->netdev, ring->qid)->mp_params;
	len = mp->mp_ops ? mp->rx_buf_len : 0;
	if (!len || !ring->hds)
		return 0;
	if (!is_power_of_2(len) || len < PAGE_SIZE ||
	    len > LOOPNIC_RX_BUF_LEN_MAX)
		return -EOPNOTSUPP;
	ring->buf_len = len;
	ring->pack = len > PAGE_SIZE;
	return 0;
}

static int loopnic_ring_create_pools(struct loopnic_priv *priv,
				     struct loopnic_ring *ring)
{
	struct page_pool *pp;

	pp = loopnic_pp_create(priv, ring, loopnic_payload_pp_flags(ring),
			       ring->buf_len);
	if (IS_ERR(pp))
		return PTR_ERR(pp);
	ring->pp = pp;
	/* The pool took the queue's memory provider, if one is bound */
	ring->unreadable = !!pp->mp_ops;
	if (WARN_ON_ONCE(ring->pack && !ring->unreadable))
		return -EINVAL;

	/* Headers are always read by the CPU: plain pages, never a
	 * memory provider. The pool exists even while split is off so every
	 * queue shows the same two pools.
	 */
	pp = loopnic_pp_create(priv, ring, 0, PAGE_SIZE);
	if (IS_ERR(pp))
		return PTR_ERR(pp);
	ring->hdr_pp = pp;
	return 0;
}

/* Build the memory of queue @qid with the current configuration, fully
 * posted. Under RTNL; the queue itself may be running on another ring.
 */
static struct loopnic_ring *loopnic_ring_create(struct loopnic_priv *priv,
						unsigned int qid)
{
	struct loopnic_ring *ring;
	int err;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);

	ring->qid = qid;
	ring->size = priv->cfg.ring_size;
	ring->mask = ring->size - 1;
	/* A split frame without payload uses a header buffer only, so
	 * completions can outnumber payload buffers.
	 */
	ring->cq_size = 2 * ring->size;
	ring->cq_mask = ring->cq_size - 1;
	ring->hds = priv->cfg.hds;
	/* Pools link to the NAPI as soon as they exist */
	ring->napi_linked = true;

	err = loopnic_ring_buf_len(priv, ring);
	if (!err)
		err = loopnic_ring_alloc_arrays(ring);
	if (!err)
		err = loopnic_ring_create_pools(priv, ring);
	if (err) {
		loopnic_ring_destroy(priv, ring);
		return ERR_PTR(err);
	}

	/* Not yet visible to NAPI, so no counter to update: a short fill
	 * is topped up by the first poll.
	 */
	loopnic_ring_refill(ring, GFP_KERNEL);
	return ring;
}

/* Start order: NAPI first, then publish the ring, so the first
 * completion the device writes can schedule a NAPI that will run.
 */
static void loopnic_rxq_attach(struct loopnic_rxq *rxq,
			       struct loopnic_ring *ring)
{
	napi_enable(&rxq->napi);
	rxq->napi_enabled = true;
	WRITE_ONCE(rxq->irq_armed, 1);

	spin_lock_bh(&rxq->lock);
	WRITE_ONCE(rxq->ring, ring);
	spin_unlock_bh(&rxq->lock);
}

/* Stop order: unpublish under the producer lock (no writes after the
 * unlock), then disable NAPI (waits for a running poll), then unlink the
 * pools from the now idle NAPI.
 */
static struct loopnic_ring *loopnic_rxq_detach(struct loopnic_rxq *rxq)
{
	struct loopnic_ring *ring;

	spin_lock_bh(&rxq->lock);
	ring = rxq->ring;
	WRITE_ONCE(rxq->ring, NULL);
	spin_unlock_bh(&rxq->lock);

	if (rxq->napi_enabled) {
		napi_disable(&rxq->napi);
		rxq->napi_enabled = false;
	}
	loopnic_rxq_irq_sync(rxq);
	if (ring)
		loopnic_ring_unlink_napi(ring);
	return ring;
}

static void loopnic_rxq_set_napi(struct loopnic_priv *priv, unsigned int qid,
				 struct napi_struct *napi)
{
	struct net_device *dev = priv->netdev;

	netif_queue_set_napi(dev, qid, NETDEV_QUEUE_TYPE_RX, napi);
	netif_queue_set_napi(dev, qid, NETDEV_QUEUE_TYPE_TX, napi);
}

/* Tears down whatever loopnic_queues_up() got to; RTNL */
void loopnic_queues_down(struct loopnic_priv *priv)
{
	struct loopnic_ring *ring;
	struct loopnic_rxq *rxq;
	bool any = false;
	unsigned int i;

	for (i = 0; i < LOOPNIC_MAX_CHANNELS; i++) {
		rxq = &priv->rxq[i];
		if (!rxq->napi_added)
			continue;

		ring = loopnic_rxq_detach(rxq);
		loopnic_rxq_set_napi(priv, i, NULL);
		/* NAPI is disabled: pools are destroyed after it, as
		 * page_pool_destroy() requires.
		 */
		loopnic_ring_destroy(priv, ring);
		__netif_napi_del(&rxq->napi);
		rxq->napi_added = false;
		any = true;
	}
	/* One grace period for all the NAPI deletions */
	if (any)
		synchronize_net();
}

/* Build and start every active queue; RTNL */
int loopnic_queues_up(struct loopnic_priv *priv)
{
	struct net_device *dev = priv->netdev;
	struct loopnic_ring *ring;
	struct loopnic_rxq *rxq;
	unsigned int i;

	for (i = 0; i < dev->real_num_rx_queues; i++) {
		rxq = &priv->rxq[i];
		netif_napi_add(dev, &rxq->napi, loopnic_poll);
		rxq->napi_added = true;

		ring = loopnic_ring_create(priv, i);
		if (IS_ERR(ring)) {
			loopnic_queues_down(priv);
			return PTR_ERR(ring);
		}
		loopnic_rxq_attach(rxq, ring);
		loopnic_rxq_set_napi(priv, i, &rxq->napi);
	}
	return 0;
}

static int loopnic_apply(struct loopnic_priv *priv, unsigned int channels,
			 const struct loopnic_cfg *cfg)
{
	struct net_device *dev = priv->netdev;
	int err;

	err = netif_set_real_num_queues(dev, channels, channels);
	if (err)
		return err;
	priv->cfg = *cfg;
	/* A table the user never set follows the channel count */
	if (!netif_is_rxfh_configured(dev))
		return loopnic_steer_reset_indir(priv);
	return 0;
}

/* Change channel count or ring configuration. A running device is fully
 * stopped and restarted; on failure the old settings are put back.
 */
int loopnic_reconfigure(struct loopnic_priv *priv, unsigned int channels,
			const struct loopnic_cfg *cfg)
{
	unsigned int old_channels = priv->netdev->real_num_rx_queues;
	struct loopnic_cfg old_cfg = priv->cfg;
	struct net_device *dev = priv->netdev;
	bool running = netif_running(dev);
	int err;

	ASSERT_RTNL();

	if (running) {
		netif_tx_disable(dev);
		loopnic_queues_down(priv);
	}

	err = loopnic_apply(priv, channels, cfg);
	if (!err && running)
		err = loopnic_queues_up(priv);
	if (err) {
		loopnic_apply(priv, old_channels, &old_cfg);
		if (running && loopnic_queues_up(priv))
			netdev_err(dev, "rx queues stopped, set down and up\n");
	}

	if (running)
		netif_tx_wake_all_queues(dev);
	return err;
}

/* Queue management ops: restart one queue with fresh memory while the
 * others, and the peer's transmit path, keep running.
 */

struct loopnic_queue_mem {
	struct loopnic_ring *ring;
};

static int loopnic_queue_mem_alloc(struct net_device *dev, void *mem,
				   int idx)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_queue_mem *qmem = mem;
	struct loopnic_ring *ring;

	if (!netif_running(dev))
		return -ENETDOWN;
	if (idx < 0 || idx >= dev->real_num_rx_queues)
		return -EINVAL;

	ring = loopnic_ring_create(priv, idx);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	qmem->ring = ring;
	return 0;
}

static void loopnic_queue_mem_free(struct net_device *dev, void *mem)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_queue_mem *qmem = mem;

	loopnic_ring_destroy(priv, qmem->ring);
	qmem->ring = NULL;
}

static int loopnic_queue_stop(struct net_device *dev, void *mem, int idx)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_queue_mem *qmem = mem;
	struct loopnic_rxq *rxq;

	if (idx < 0 || idx >= dev->real_num_rx_queues)
		return -EINVAL;
	rxq = &priv->rxq[idx];
	if (!rxq->ring)
		return -ENETDOWN;

	qmem->ring = loopnic_rxq_detach(rxq);
	return 0;
}

static int loopnic_queue_start(struct net_device *dev, void *mem, int idx)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_queue_mem *qmem = mem;

	if (idx < 0 || idx >= dev->real_num_rx_queues || !qmem->ring)
		return -EINVAL;

	loopnic_rxq_attach(&priv->rxq[idx], qmem->ring);
	return 0;
}

const struct netdev_queue_mgmt_ops loopnic_queue_mgmt_ops = {
	.ndo_queue_mem_size	= sizeof(struct loopnic_queue_mem),
	.caps			= NETDEV_QUEUE_CAP_RX_BUF_LEN,
	.ndo_queue_mem_alloc	= loopnic_queue_mem_alloc,
	.ndo_queue_mem_free	= loopnic_queue_mem_free,
	.ndo_queue_start	= loopnic_queue_start,
	.ndo_queue_stop		= loopnic_queue_stop,
};

/* The same, for a device that cannot size its buffers (debugfs knob) */
const struct netdev_queue_mgmt_ops loopnic_queue_mgmt_ops_fixed_buf = {
	.ndo_queue_mem_size	= sizeof(struct loopnic_queue_mem),
	.ndo_queue_mem_alloc	= loopnic_queue_mem_alloc,
	.ndo_queue_mem_free	= loopnic_queue_mem_free,
	.ndo_queue_start	= loopnic_queue_start,
	.ndo_queue_stop		= loopnic_queue_stop,
};
