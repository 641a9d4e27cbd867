// SPDX-License-Identifier: GPL-2.0
/* The wire, the emulated DMA engine and receive processing.
 *
 * Transmit on one end is the peer's receive hardware: it classifies the
 * frame (ntuple rules, then RSS), takes posted descriptors of the chosen
 * peer queue, writes the frame into those buffers through their DMA
 * addresses, writes a completion and raises the queue's "interrupt"
 * (schedules its NAPI). NAPI turns completions into skbs.
 */
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/highmem.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/unaligned.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/page_pool/helpers.h>

#include "loopnic.h"

enum loopnic_verdict {
	LOOPNIC_RX_OK,
	LOOPNIC_RX_NO_DESC,	/* nothing posted, or no completion slot */
	LOOPNIC_RX_LENGTH,	/* runt, or larger than the receiver's MTU */
	LOOPNIC_RX_DOWN,	/* queue stopped */
};

/* Frame parsing, as the receive hardware's parser would do it */

static void loopnic_parse_l4(const struct sk_buff *skb, unsigned int off,
			     u8 proto, struct loopnic_flow *fl)
{
	if (proto == IPPROTO_TCP) {
		const struct tcphdr *th;
		struct tcphdr _th;
		unsigned int doff;

		th = skb_header_pointer(skb, off, sizeof(_th), &_th);
		if (!th)
			return;
		fl->sport = th->source;
		fl->dport = th->dest;
		doff = th->doff * 4;
		if (doff >= sizeof(*th) && off + doff <= skb->len)
			fl->hdr_len = off + doff;
	} else if (proto == IPPROTO_UDP) {
		const struct udphdr *uh;
		struct udphdr _uh;

		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh)
			return;
		fl->sport = uh->source;
		fl->dport = uh->dest;
		fl->hdr_len = off + sizeof(*uh);
	} else {
		return;
	}
	fl->l4proto = proto;
}

static void loopnic_parse_ipv4(const struct sk_buff *skb,
			       struct loopnic_flow *fl)
{
	const struct iphdr *iph;
	struct iphdr _iph;

	iph = skb_header_pointer(skb, ETH_HLEN, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return;

	fl->l3 = 4;
	fl->saddr[0] = iph->saddr;
	fl->daddr[0] = iph->daddr;
	/* Only first fragments carry ports; hash all fragments on L3 */
	if (ip_is_fragment(iph))
		return;
	loopnic_parse_l4(skb, ETH_HLEN + iph->ihl * 4, iph->protocol, fl);
}

/* Extension headers are not walked: such frames hash on L3 and are not
 * split, like simple NICs do.
 */
static void loopnic_parse_ipv6(const struct sk_buff *skb,
			       struct loopnic_flow *fl)
{
	const struct ipv6hdr *ip6;
	struct ipv6hdr _ip6;

	ip6 = skb_header_pointer(skb, ETH_HLEN, sizeof(_ip6), &_ip6);
	if (!ip6 || ip6->version != 6)
		return;

	fl->l3 = 6;
	memcpy(fl->saddr, &ip6->saddr, sizeof(ip6->saddr));
	memcpy(fl->daddr, &ip6->daddr, sizeof(ip6->daddr));
	loopnic_parse_l4(skb, ETH_HLEN + sizeof(*ip6), ip6->nexthdr, fl);
}

static void loopnic_flow_parse(const struct sk_buff *skb,
			       struct loopnic_flow *fl)
{
	const struct ethhdr *eth;
	struct ethhdr _eth;

	memset(fl, 0, sizeof(*fl));
	eth = skb_header_pointer(skb, 0, sizeof(_eth), &_eth);
	if (!eth)
		return;

	if (eth->h_proto == htons(ETH_P_IP))
		loopnic_parse_ipv4(skb, fl);
	else if (eth->h_proto == htons(ETH_P_IPV6))
		loopnic_parse_ipv6(skb, fl);
}

/* Steering */

/* Microsoft RSS Toeplitz hash; @key must be 4 bytes longer than @in */
static u32 loopnic_toeplitz(const u8 *key, const u8 *in, unsigned int len)
{
	u32 window = get_unaligned_be32(key);
	u32 hash = 0;
	unsigned int i;
	int bit;

	for (i = 0; i < len; i++) {
		for (bit = 7; bit >= 0; bit--) {
			if (in[i] & BIT(bit))
				hash ^= window;
			window <<= 1;
			if (key[i + 4] & BIT(bit))
				window |= 1;
		}
	}
	return hash;
}

static u32 loopnic_rss_hash(const struct loopnic_steer *st,
			    const struct loopnic_flow *fl, u32 *flags)
{
	unsigned int alen = fl->l3 == 6 ? 16 : 4;
	u8 in[2 * 16 + 4];
	unsigned int n;

	BUILD_BUG_ON(sizeof(in) + 4 > LOOPNIC_RSS_KEY_SIZE);

	*flags = 0;
	if (!fl->l3)
		return 0;

	memcpy(in, fl->saddr, alen);
	memcpy(in + alen, fl->daddr, alen);
	n = 2 * alen;
	if (fl->l4proto) {
		memcpy(in + n, &fl->sport, sizeof(fl->sport));
		memcpy(in + n + 2, &fl->dport, sizeof(fl->dport));
		n += 4;
		*flags = LOOPNIC_CQE_HASH_L4;
	} else {
		*flags = LOOPNIC_CQE_HASH_L3;
	}
	return loopnic_toeplitz(st->key, in, n);
}

static bool loopnic_match32(__be32 val, __be32 want, __be32 mask)
{
	return !((val ^ want) & mask);
}

static bool loopnic_match16(__be16 val, __be16 want, __be16 mask)
{
	return !((val ^ want) & mask);
}

static bool loopnic_match_v4(const struct ethtool_tcpip4_spec *h,
			     const struct ethtool_tcpip4_spec *m,
			     const struct loopnic_flow *fl)
{
	return loopnic_match32(fl->saddr[0], h->ip4src, m->ip4src) &&
	       loopnic_match32(fl->daddr[0], h->ip4dst, m->ip4dst) &&
	       loopnic_match16(fl->sport, h->psrc, m->psrc) &&
	       loopnic_match16(fl->dport, h->pdst, m->pdst);
}

static bool loopnic_match_v6(const struct ethtool_tcpip6_spec *h,
			     const struct ethtool_tcpip6_spec *m,
			     const struct loopnic_flow *fl)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (!loopnic_match32(fl->saddr[i], h->ip6src[i],
				     m->ip6src[i]) ||
		    !loopnic_match32(fl->daddr[i], h->ip6dst[i],
				     m->ip6dst[i]))
			return false;
	}
	return loopnic_match16(fl->sport, h->psrc, m->psrc) &&
	       loopnic_match16(fl->dport, h->pdst, m->pdst);
}

static bool loopnic_rule_match(const struct ethtool_rx_flow_spec *fs,
			       const struct loopnic_flow *fl)
{
	switch (fs->flow_type) {
	case TCP_V4_FLOW:
		return fl->l3 == 4 && fl->l4proto == IPPROTO_TCP &&
		       loopnic_match_v4(&fs->h_u.tcp_ip4_spec,
					&fs->m_u.tcp_ip4_spec, fl);
	case UDP_V4_FLOW:
		return fl->l3 == 4 && fl->l4proto == IPPROTO_UDP &&
		       loopnic_match_v4(&fs->h_u.udp_ip4_spec,
					&fs->m_u.udp_ip4_spec, fl);
	case TCP_V6_FLOW:
		return fl->l3 == 6 && fl->l4proto == IPPROTO_TCP &&
		       loopnic_match_v6(&fs->h_u.tcp_ip6_spec,
					&fs->m_u.tcp_ip6_spec, fl);
	case UDP_V6_FLOW:
		return fl->l3 == 6 && fl->l4proto == IPPROTO_UDP &&
		       loopnic_match_v6(&fs->h_u.udp_ip6_spec,
					&fs->m_u.udp_ip6_spec, fl);
	}
	return false;
}

/* Returns the receive queue for @fl, or -1 when a rule discards it. The
 * lowest numbered matching rule wins; without one, RSS decides.
 */
static int loopnic_classify(const struct loopnic_steer *st,
			    const struct loopnic_flow *fl, u32 *hash,
			    u32 *flags)
{
	const struct ethtool_rx_flow_spec *fs;
	unsigned int loc;

	*hash = loopnic_rss_hash(st, fl, flags);

	for_each_set_bit(loc, st->rule_used, LOOPNIC_MAX_RULES) {
		fs = &st->rules[loc];
		if (!loopnic_rule_match(fs, fl))
			continue;
		if (fs->ring_cookie == RX_CLS_FLOW_DISC)
			return -1;
		return ethtool_get_flow_spec_ring(fs->ring_cookie);
	}
	return st->indir[*hash % LOOPNIC_RSS_INDIR_SIZE];
}

/* The DMA engine */

/* Write @len bytes of @skb from @off into the buffer at @dma. A device
 * only has the DMA address; with direct DMA that is the physical address
 * (dma_to_phys() also undoes memory encryption bits), and any page, net_iov
 * backed or not, is reached through a temporary kernel mapping of its pfn.
 * The buffer was synced for the device when it was posted (the page pool
 * does it, PP_FLAG_DMA_SYNC_DEV); NAPI syncs it for the CPU before use.
 */
static bool loopnic_dma_write(struct device *dmadev, dma_addr_t dma,
			      const struct sk_buff *skb, unsigned int off,
			      unsigned int len)
{
	while (len) {
		phys_addr_t phys = dma_to_phys(dmadev, dma);
		unsigned int pgoff = offset_in_page(phys);
		unsigned long pfn = PHYS_PFN(phys);
		unsigned int chunk;
		void *va;

		chunk = min_t(unsigned int, len, PAGE_SIZE - pgoff);
		if (WARN_ON_ONCE(!pfn_valid(pfn)))
			return false;
		va = kmap_local_pfn(pfn);
		/* Cannot fail: off + len is within the frame */
		skb_copy_bits(skb, off, va + pgoff, chunk);
		kunmap_local(va);

		dma += chunk;
		off += chunk;
		len -= chunk;
	}
	return true;
}

static bool loopnic_ring_has_room(const struct loopnic_ring *ring,
				  u32 nhdr, u32 nbufs)
{
	/* Acquire pairs with the release in loopnic_refill_bufs(): slots
	 * below the tail are fully written.
	 */
	if (smp_load_acquire(&ring->buf_tail) - ring->buf_next < nbufs)
		return false;
	/* Same for header slots and loopnic_refill_hdrs() */
	if (nhdr && smp_load_acquire(&ring->hdr_tail) - ring->hdr_next < nhdr)
		return false;
	/* Acquire pairs with the release in loopnic_rx_clean(): NAPI has
	 * finished reading completions below the head.
	 */
	return ring->cq_tail - smp_load_acquire(&ring->cq_head) < ring->cq_size;
}

/* Called with the queue's producer lock held */
static enum loopnic_verdict
loopnic_ring_write(struct loopnic_ring *ring, struct device *dmadev,
		   const struct sk_buff *skb, const struct loopnic_flow *fl,
		   u32 hash, u32 hflags, unsigned int max_len)
{
	unsigned int len = skb->len, hlen = 0, plen, nbufs, off, chunk, i;
	unsigned int fill, boff, end;
	struct loopnic_buf *buf;
	struct loopnic_cqe *cqe;
	bool keep_last;

	if (len < ETH_HLEN || len > max_len)
		return LOOPNIC_RX_LENGTH;

	/* Split TCP and UDP where their header ends; anything else goes
	 * whole into the header buffer when it fits. A frame that can be
	 * neither must not land in payload buffers the CPU may not read.
	 */
	if (ring->hds) {
		if (fl->hdr_len && fl->hdr_len <= LOOPNIC_HDR_BUF_LEN)
			hlen = fl->hdr_len;
		else if (len <= LOOPNIC_HDR_BUF_LEN)
			hlen = len;
	}
	if (!hlen && ring->unreadable)
		return LOOPNIC_RX_LENGTH;
	plen = len - hlen;
	/* a packed buffer's next frame starts where the last one ended */
	fill = ring->pack ? ring->buf_fill : 0;
	nbufs = plen ? DIV_ROUND_UP(fill + plen, ring->buf_len) : 0;
	end = (fill + plen) % ring->buf_len;
	keep_last = ring->pack && plen && end;
	if (nbufs > MAX_SKB_FRAGS)
		return LOOPNIC_RX_LENGTH;
	if (!loopnic_ring_has_room(ring, hlen ? 1 : 0, nbufs))
		return LOOPNIC_RX_NO_DESC;

	/* Nothing is consumed until the completion is written, so a failed
	 * write leaves the descriptors posted.
	 */
	if (hlen) {
		buf = &ring->hdrs[ring->hdr_next & ring->mask];
		if (!loopnic_dma_write(dmadev, buf->dma, skb, 0, hlen))
			return LOOPNIC_RX_NO_DESC;
	}
	for (i = 0, off = hlen; i < nbufs; i++) {
		buf = &ring->bufs[(ring->buf_next + i) & ring->mask];
		boff = i ? 0 : fill;
		chunk = min_t(unsigned int, len - off, ring->buf_len - boff);
		if (!loopnic_dma_write(dmadev, buf->dma + boff, skb, off,
				       chunk))
			return LOOPNIC_RX_NO_DESC;
		off += chunk;
	}

	cqe = &ring->cqes[ring->cq_tail & ring->cq_mask];
	cqe->len = plen;
	cqe->hdr_len = hlen;
	cqe->nbufs = nbufs;
	cqe->hash = hash;
	cqe->flags = hflags;
	cqe->buf_off = nbufs ? fill : 0;
	cqe->keep_last = keep_last;
	ring->hdr_next += hlen ? 1 : 0;
	/* a buffer goes back to the driver once the device is done with it */
	ring->buf_next += nbufs - keep_last;
	if (plen && ring->pack)
		ring->buf_fill = end;
	/* Release pairs with the acquire in loopnic_rx_clean(): buffers and
	 * the completion are written before NAPI can see the new tail.
	 */
	smp_store_release(&ring->cq_tail, ring->cq_tail + 1);
	return LOOPNIC_RX_OK;
}

static void loopnic_count_drop(struct loopnic_rxq *rxq,
			       enum loopnic_verdict verdict)
{
	struct loopnic_rxq_dev_stats *d = &rxq->dev_stats;

	u64_stats_update_begin(&d->syncp);
	if (verdict == LOOPNIC_RX_NO_DESC)
		u64_stats_inc(&d->drops_no_desc);
	else if (verdict == LOOPNIC_RX_LENGTH)
		u64_stats_inc(&d->drops_length);
	else
		u64_stats_inc(&d->drops_down);
	u64_stats_update_end(&d->syncp);
}

/* Under the producer lock, like the drop counters */
static void loopnic_count_irq(struct loopnic_rxq *rxq)
{
	struct loopnic_rxq_dev_stats *d = &rxq->dev_stats;

	u64_stats_update_begin(&d->syncp);
	u64_stats_inc(&d->irqs);
	u64_stats_update_end(&d->syncp);
}

/* The interrupt handler: on the queue's interrupt CPU */
static void loopnic_rxq_irq(struct irq_work *work)
{
	struct loopnic_rxq *rxq = container_of(work, struct loopnic_rxq,
					       irq_work);

	napi_schedule(&rxq->napi);
}

/* Deliver the queue's interrupt, which the caller just took (irq_armed) */
static void loopnic_rxq_raise_irq(struct loopnic_rxq *rxq)
{
	int cpu = READ_ONCE(rxq->irq_cpu);

	if (cpu == raw_smp_processor_id() || !cpu_online(cpu) ||
	    !irq_work_queue_on(&rxq->irq_work, cpu))
		napi_schedule(&rxq->napi);
}

static void loopnic_refill_timer(struct timer_list *t)
{
	struct loopnic_rxq *rxq = from_timer(rxq, t, refill_timer);

	/* NAPI runs anyway if the interrupt is off; it re-arms the timer */
	if (xchg(&rxq->irq_armed, 0))
		loopnic_rxq_raise_irq(rxq);
}

void loopnic_rxq_irq_init(struct loopnic_rxq *rxq)
{
	rxq->irq_cpu = cpumask_local_spread(rxq->qid, NUMA_NO_NODE);
	init_irq_work(&rxq->irq_work, loopnic_rxq_irq);
	timer_setup(&rxq->refill_timer, loopnic_refill_timer, 0);
}

/* NAPI is disabled: nothing raises the interrupt any more but what is in
 * flight, which this waits for.
 */
void loopnic_rxq_irq_sync(struct loopnic_rxq *rxq)
{
	timer_delete_sync(&rxq->refill_timer);
	irq_work_sync(&rxq->irq_work);
}

static void loopnic_rxq_receive(struct loopnic_rxq *rxq,
				const struct sk_buff *skb,
				const struct loopnic_flow *fl,
				u32 hash, u32 hflags)
{
	struct loopnic_priv *rx = rxq->priv;
	unsigned int max_len;
	enum loopnic_verdict verdict;
	struct loopnic_ring *ring;

	max_len = READ_ONCE(rx->netdev->mtu) + ETH_HLEN + VLAN_HLEN;

	spin_lock_bh(&rxq->lock);
	ring = rxq->ring;
	if (ring)
		verdict = loopnic_ring_write(ring, loopnic_dma_dev(rx), skb,
					     fl, hash, hflags, max_len);
	else
		verdict = LOOPNIC_RX_DOWN;

	/* Interrupt on a completion, and on running out of descriptors
	 * too, so NAPI gets to refill a ring it could not fill earlier; but
	 * only while the interrupt is enabled. xchg() orders the completion
	 * before the check, against loopnic_rx_irq_enable().
	 */
	if ((verdict == LOOPNIC_RX_OK || verdict == LOOPNIC_RX_NO_DESC) &&
	    xchg(&rxq->irq_armed, 0)) {
		loopnic_rxq_raise_irq(rxq);
		loopnic_count_irq(rxq);
	}
	if (verdict != LOOPNIC_RX_OK)
		loopnic_count_drop(rxq, verdict);
	spin_unlock_bh(&rxq->lock);
}

static void loopnic_wire_receive(struct loopnic_priv *rx,
				 const struct sk_buff *skb)
{
	const struct loopnic_steer *st;
	struct loopnic_flow fl;
	u32 hash, hflags;
	int qid;

	st = rcu_dereference(rx->steer);
	if (unlikely(!st))
		return;

	loopnic_flow_parse(skb, &fl);
	qid = loopnic_classify(st, &fl, &hash, &hflags);
	if (qid < 0) {
		atomic64_inc(&rx->rx_drops_filter);
		return;
	}
	/* Rules and the table are checked against the channel count when
	 * set; a stale entry only ever names a stopped queue.
	 */
	if (WARN_ON_ONCE(qid >= LOOPNIC_MAX_CHANNELS))
		qid = 0;
	loopnic_rxq_receive(&rx->rxq[qid], skb, &fl, hash, hflags);
}

static void loopnic_tx_count(struct loopnic_txq_stats *ts, unsigned int len,
			     bool sent)
{
	u64_stats_update_begin(&ts->syncp);
	if (sent) {
		u64_stats_inc(&ts->packets);
		u64_stats_add(&ts->bytes, len);
	} else {
		u64_stats_inc(&ts->drops);
	}
	u64_stats_update_end(&ts->syncp);
}

/* Complete the checksum the stack left to "hardware" (NETIF_F_HW_CSUM),
 * reading the frags where they are, as a NIC sums what it reads by DMA.
 * skb_checksum_help() would linearize zero-copy frags first: a copy, and
 * MSG_ZEROCOPY and SEND_ZC senders would be told their bytes were copied.
 */
static int loopnic_tx_csum(struct sk_buff *skb)
{
	int start = skb_checksum_start_offset(skb);
	int field = start + skb->csum_offset;
	__wsum csum;
	int err;

	err = skb_ensure_writable(skb, field + sizeof(__sum16));
	if (err)
		return err;
	csum = skb_checksum(skb, start, skb->len - start, 0);
	*(__sum16 *)(skb->data + field) = csum_fold(csum) ?: CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/* Transmit completes at once: the frame is copied into the peer's
 * buffers (or dropped there) before this returns, so the skb is freed
 * here and the queue is never stopped. Tx stats are per tx queue and
 * written under that queue's xmit lock (no LLTX).
 */
netdev_tx_t loopnic_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_txq_stats *ts;
	struct loopnic_priv *peer;
	unsigned int len;

	ts = &priv->txq_stats[skb_get_queue_mapping(skb)];

	/* The wire carries finished frames */
	if (skb->ip_summed == CHECKSUM_PARTIAL && loopnic_tx_csum(skb))
		goto drop;
	skb_tx_timestamp(skb);
	len = skb->len;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	if (peer)
		loopnic_wire_receive(peer, skb);
	rcu_read_unlock();
	if (!peer)
		goto drop;

	loopnic_tx_count(ts, len, true);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;

drop:
	loopnic_tx_count(ts, 0, false);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* Receive processing (NAPI) */

/*
 * The device wrote @len bytes at @off of @netmem: make them the CPU's.
 * Pages only: a memory provider's net_iovs are the provider's to sync,
 * and the pool helper that would ask it (with the flag providers turn
 * that sync off with) is not in every 6.12 release.
 */
static void loopnic_sync_for_cpu(const struct page_pool *pp,
				 netmem_ref netmem, u32 off, u32 len)
{
	if (!netmem_is_net_iov(netmem))
		page_pool_dma_sync_for_cpu(pp, netmem_to_page(netmem), off, len);
}

struct loopnic_rx_totals {
	u64 packets;
	u64 bytes;
	u64 hds_packets;
	u64 alloc_fail;
};

/* Buffer @i of @cqe goes back to the driver: the device is done with it */
static bool loopnic_rx_buf_done(const struct loopnic_cqe *cqe,
				unsigned int i)
{
	return !cqe->keep_last || i + 1 < cqe->nbufs;
}

/* The driver's reference on a buffer the device is done with */
static void loopnic_rx_retire_buf(struct loopnic_ring *ring,
				  struct loopnic_buf *buf)
{
	page_pool_put_full_netmem(ring->pp, buf->netmem, true);
	buf->netmem = 0;
	ring->buf_clean++;
}

static void loopnic_rx_drop_bufs(struct loopnic_ring *ring,
				 const struct loopnic_cqe *cqe)
{
	unsigned int i;

	for (i = 0; i < cqe->nbufs; i++)
		if (loopnic_rx_buf_done(cqe, i))
			loopnic_rx_retire_buf(ring,
					      &ring->bufs[ring->buf_clean &
							  ring->mask]);
}

/* Attach the payload buffers of one completion as frags. When @skip is
 * non-zero, the first buffer was already synced and its first @skip bytes
 * were copied into the skb head. A buffer frames share gives each frag a
 * reference of its own, and the driver's goes once the device is done.
 */
static void loopnic_rx_add_frags(struct sk_buff *skb,
				 struct loopnic_ring *ring,
				 const struct loopnic_cqe *cqe,
				 unsigned int skip)
{
	unsigned int i, chunk, off, boff, len = cqe->len, truesize;
	struct loopnic_buf *buf;

	for (i = 0; i < cqe->nbufs; i++) {
		buf = &ring->bufs[ring->buf_clean & ring->mask];
		boff = buf->offset + (i ? 0 : cqe->buf_off);
		chunk = min_t(unsigned int, len,
			      ring->buf_len - (i ? 0 : cqe->buf_off));
		len -= chunk;
		off = i ? 0 : skip;

		if (!off)
			loopnic_sync_for_cpu(ring->pp, buf->netmem, boff, chunk);
		if (ring->pack)
			page_pool_ref_netmem(buf->netmem);
		truesize = ring->pack ? ALIGN(chunk, SMP_CACHE_BYTES) :
					ring->buf_len;
		if (off == chunk) {
			/* Everything went into the head already */
			page_pool_put_full_netmem(ring->pp, buf->netmem, true);
		} else {
			skb_add_rx_frag_netmem(skb, skb_shinfo(skb)->nr_frags,
					       buf->netmem, boff + off,
					       chunk - off, truesize);
		}
		if (!ring->pack) {
			/* the frag took the driver's reference */
			buf->netmem = 0;
			ring->buf_clean++;
		} else if (loopnic_rx_buf_done(cqe, i)) {
			loopnic_rx_retire_buf(ring, buf);
		}
	}
}

/* Header split: copy the header buffer into the skb head and give it
 * straight back to its pool; payload buffers become frags untouched.
 */
static struct sk_buff *loopnic_rx_build_split(struct loopnic_rxq *rxq,
					      struct loopnic_ring *ring,
					      const struct loopnic_cqe *cqe)
{
	struct loopnic_buf *hdr = &ring->hdrs[ring->hdr_clean++ & ring->mask];
	struct page *page = netmem_to_page(hdr->netmem);
	struct sk_buff *skb;

	page_pool_dma_sync_for_cpu(ring->hdr_pp, page, hdr->offset,
				   cqe->hdr_len);
	skb = napi_alloc_skb(&rxq->napi, cqe->hdr_len);
	if (skb)
		skb_put_data(skb, page_address(page) + hdr->offset,
			     cqe->hdr_len);
	page_pool_put_full_page(ring->hdr_pp, page, true);
	hdr->netmem = 0;

	if (!skb) {
		loopnic_rx_drop_bufs(ring, cqe);
		return NULL;
	}
	loopnic_rx_add_frags(skb, ring, cqe, 0);
	return skb;
}

/* No split: the frame starts in the first payload buffer. Copy what the
 * flow dissector calls headers into the head, keep the rest as frags.
 */
static struct sk_buff *loopnic_rx_build_copy(struct loopnic_rxq *rxq,
					     struct loopnic_ring *ring,
					     const struct loopnic_cqe *cqe)
{
	struct loopnic_buf *buf = &ring->bufs[ring->buf_clean & ring->mask];
	unsigned int first = min_t(unsigned int, cqe->len, ring->buf_len);
	unsigned int headlen;
	struct sk_buff *skb;
	void *va;

	loopnic_sync_for_cpu(ring->pp, buf->netmem, buf->offset, first);
	/* Unreadable memory must only be used with header split */
	va = netmem_address(buf->netmem);
	if (WARN_ON_ONCE(!va))
		goto drop;
	va += buf->offset;

	headlen = eth_get_headlen(rxq->priv->netdev, va,
				  min_t(unsigned int, first,
					LOOPNIC_RX_COPY_LEN));
	skb = napi_alloc_skb(&rxq->napi, headlen);
	if (!skb)
		goto drop;
	skb_put_data(skb, va, headlen);
	loopnic_rx_add_frags(skb, ring, cqe, headlen);
	return skb;

drop:
	loopnic_rx_drop_bufs(ring, cqe);
	return NULL;
}

static void loopnic_rx_one(struct loopnic_rxq *rxq, struct loopnic_ring *ring,
			   const struct loopnic_cqe *cqe,
			   struct loopnic_rx_totals *t)
{
	struct net_device *dev = rxq->priv->netdev;
	struct sk_buff *skb;

	if (cqe->hdr_len)
		skb = loopnic_rx_build_split(rxq, ring, cqe);
	else
		skb = loopnic_rx_build_copy(rxq, ring, cqe);
	if (!skb) {
		t->alloc_fail++;
		return;
	}

	skb_mark_for_recycle(skb);
	skb_record_rx_queue(skb, rxq->qid);
	if ((dev->features & NETIF_F_RXHASH) && cqe->flags)
		skb_set_hash(skb, cqe->hash,
			     cqe->flags & LOOPNIC_CQE_HASH_L4 ?
			     PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	if (dev->features & NETIF_F_RXCSUM)
		skb->ip_summed = CHECKSUM_UNNECESSARY;

	t->packets++;
	t->bytes += skb->len;
	if (cqe->hdr_len)
		t->hds_packets++;

	skb->protocol = eth_type_trans(skb, dev);
	napi_gro_receive(&rxq->napi, skb);
}

static int loopnic_rx_clean(struct loopnic_rxq *rxq,
			    struct loopnic_ring *ring, int budget,
			    struct loopnic_rx_totals *t)
{
	u32 head = ring->cq_head;
	u32 tail;
	int done = 0;

	/* Acquire pairs with the release in loopnic_ring_write() */
	tail = smp_load_acquire(&ring->cq_tail);
	while (done < budget && head != tail) {
		loopnic_rx_one(rxq, ring, &ring->cqes[head & ring->cq_mask], t);
		head++;
		done++;
	}
	/* Release pairs with the acquire in loopnic_ring_has_room(): the
	 * completions are read before the device may reuse their slots.
	 */
	smp_store_release(&ring->cq_head, head);
	return done;
}

static void loopnic_rx_account(struct loopnic_rxq *rxq,
			       const struct loopnic_rx_totals *t)
{
	struct loopnic_rxq_stats *s = &rxq->stats;

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->packets, t->packets);
	u64_stats_add(&s->bytes, t->bytes);
	u64_stats_add(&s->hds_packets, t->hds_packets);
	u64_stats_add(&s->alloc_fail, t->alloc_fail);
	u64_stats_update_end(&s->syncp);
}

/* Re-enable the queue's interrupt once NAPI is done, and catch a
 * completion the device wrote while it was still disabled.
 */
static void loopnic_rx_irq_enable(struct loopnic_rxq *rxq,
				  struct loopnic_ring *ring)
{
	u32 tail;

	/* Full barrier: the device either sees the interrupt enabled, or
	 * its completion is seen below (pairs with its xchg()).
	 */
	smp_store_mb(rxq->irq_armed, 1);
	if (!ring)
		return;
	/* Acquire pairs with the release in loopnic_ring_write() */
	tail = smp_load_acquire(&ring->cq_tail);
	if (tail != ring->cq_head && xchg(&rxq->irq_armed, 0))
		napi_schedule(&rxq->napi);
}

/* Could the device take a frame of the largest size right now? */
static bool loopnic_ring_starved(struct loopnic_rxq *rxq,
				 const struct loopnic_ring *ring)
{
	unsigned int frame = READ_ONCE(rxq->priv->netdev->mtu) + ETH_HLEN +
			     VLAN_HLEN;

	if (ring->hds && ring->hdr_tail == ring->hdr_clean)
		return true;
	/* a packed buffer may have too little left for a whole frame */
	return ring->buf_tail - ring->buf_clean <
	       DIV_ROUND_UP(frame, ring->buf_len) + ring->pack;
}

int loopnic_poll(struct napi_struct *napi, int budget)
{
	struct loopnic_rxq *rxq = container_of(napi, struct loopnic_rxq, napi);
	struct loopnic_rx_totals t = {};
	struct loopnic_ring *ring;
	int done = 0;

	/* NULL only while the queue is being stopped; whatever is left in
	 * the ring is then released with it.
	 */
	ring = READ_ONCE(rxq->ring);
	if (likely(ring)) {
		done = loopnic_rx_clean(rxq, ring, budget, &t);
		t.alloc_fail += loopnic_ring_refill(ring, GFP_ATOMIC |
						    __GFP_NOWARN);
		loopnic_rx_account(rxq, &t);
		if (t.alloc_fail && loopnic_ring_starved(rxq, ring))
			mod_timer(&rxq->refill_timer, jiffies +
				  msecs_to_jiffies(LOOPNIC_REFILL_RETRY_MS));
	}

	/* With interrupt moderation napi_complete_done() returns false and
	 * the core polls again from its timer: the interrupt stays off.
	 */
	if (done < budget && napi_complete_done(napi, done))
		loopnic_rx_irq_enable(rxq, ring);
	return done;
}
