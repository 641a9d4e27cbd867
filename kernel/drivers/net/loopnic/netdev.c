// SPDX-License-Identifier: GPL-2.0
/* loopnic netdevs: setup, open/stop, counters and the link ops that let
 * "ip link del" and netns teardown remove a pair.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/netdev_queues.h>
#include <net/rtnetlink.h>

#include "loopnic.h"

void loopnic_rxq_counters(struct loopnic_rxq *rxq, struct loopnic_counters *c)
{
	const struct loopnic_rxq_dev_stats *d = &rxq->dev_stats;
	const struct loopnic_rxq_stats *s = &rxq->stats;
	u64 packets, bytes, hds, fail, no_desc, length, down, irqs;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		packets = u64_stats_read(&s->packets);
		bytes = u64_stats_read(&s->bytes);
		hds = u64_stats_read(&s->hds_packets);
		fail = u64_stats_read(&s->alloc_fail);
	} while (u64_stats_fetch_retry(&s->syncp, start));

	do {
		start = u64_stats_fetch_begin(&d->syncp);
		no_desc = u64_stats_read(&d->drops_no_desc);
		length = u64_stats_read(&d->drops_length);
		down = u64_stats_read(&d->drops_down);
		irqs = u64_stats_read(&d->irqs);
	} while (u64_stats_fetch_retry(&d->syncp, start));

	c->rx_packets += packets;
	c->rx_bytes += bytes;
	c->rx_hds_packets += hds;
	c->rx_alloc_fail += fail;
	c->rx_drops_no_desc += no_desc;
	c->rx_drops_length += length;
	c->rx_drops_down += down;
	c->rx_irqs += irqs;
}

void loopnic_txq_counters(struct loopnic_txq_stats *s,
			  struct loopnic_counters *c)
{
	u64 packets, bytes, drops;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		packets = u64_stats_read(&s->packets);
		bytes = u64_stats_read(&s->bytes);
		drops = u64_stats_read(&s->drops);
	} while (u64_stats_fetch_retry(&s->syncp, start));

	c->tx_packets += packets;
	c->tx_bytes += bytes;
	c->tx_drops += drops;
}

/* Queue structs exist for every possible channel, so totals include
 * queues that were active before a channel count change.
 */
static void loopnic_get_stats64(struct net_device *dev,
				struct rtnl_link_stats64 *stats)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_counters c = {};
	int i;

	for (i = 0; i < LOOPNIC_MAX_CHANNELS; i++) {
		loopnic_rxq_counters(&priv->rxq[i], &c);
		loopnic_txq_counters(&priv->txq_stats[i], &c);
	}

	stats->rx_packets = c.rx_packets;
	stats->rx_bytes = c.rx_bytes;
	stats->rx_missed_errors = c.rx_drops_no_desc;
	stats->rx_length_errors = c.rx_drops_length;
	stats->rx_errors = c.rx_drops_length;
	stats->rx_dropped = c.rx_drops_down +
			    atomic64_read(&priv->rx_drops_filter);
	stats->tx_packets = c.tx_packets;
	stats->tx_bytes = c.tx_bytes;
	stats->tx_dropped = c.tx_drops;
}

static void loopnic_fill_qstats_rx(const struct loopnic_counters *c,
				   struct netdev_queue_stats_rx *rx)
{
	rx->packets = c->rx_packets;
	rx->bytes = c->rx_bytes;
	rx->alloc_fail = c->rx_alloc_fail;
	rx->hw_drops = c->rx_drops_no_desc + c->rx_drops_length +
		       c->rx_drops_down;
	rx->hw_drop_overruns = c->rx_drops_no_desc;
}

static void loopnic_fill_qstats_tx(const struct loopnic_counters *c,
				   struct netdev_queue_stats_tx *tx)
{
	tx->packets = c->tx_packets;
	tx->bytes = c->tx_bytes;
	tx->hw_drops = c->tx_drops;
}

static void loopnic_get_queue_stats_rx(struct net_device *dev, int idx,
				       struct netdev_queue_stats_rx *rx)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_counters c = {};

	loopnic_rxq_counters(&priv->rxq[idx], &c);
	loopnic_fill_qstats_rx(&c, rx);
}

static void loopnic_get_queue_stats_tx(struct net_device *dev, int idx,
				       struct netdev_queue_stats_tx *tx)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_counters c = {};

	loopnic_txq_counters(&priv->txq_stats[idx], &c);
	loopnic_fill_qstats_tx(&c, tx);
}

/* The base is what inactive queues saw, plus drops that never reached a
 * queue, so base + live queues adds up to the device totals.
 */
static void loopnic_get_base_stats(struct net_device *dev,
				   struct netdev_queue_stats_rx *rx,
				   struct netdev_queue_stats_tx *tx)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_counters c = {};
	int i;

	for (i = dev->real_num_rx_queues; i < LOOPNIC_MAX_CHANNELS; i++)
		loopnic_rxq_counters(&priv->rxq[i], &c);
	for (i = dev->real_num_tx_queues; i < LOOPNIC_MAX_CHANNELS; i++)
		loopnic_txq_counters(&priv->txq_stats[i], &c);

	loopnic_fill_qstats_rx(&c, rx);
	rx->hw_drops += atomic64_read(&priv->rx_drops_filter);
	loopnic_fill_qstats_tx(&c, tx);
}

static const struct netdev_stat_ops loopnic_stat_ops = {
	.get_queue_stats_rx	= loopnic_get_queue_stats_rx,
	.get_queue_stats_tx	= loopnic_get_queue_stats_tx,
	.get_base_stats		= loopnic_get_base_stats,
};

static int loopnic_ndo_init(struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	int err;

	err = loopnic_steer_init(priv);
	if (err)
		return err;

	/* Set last: debugfs may use it as soon as RTNL is dropped */
	priv->port->netdev = dev;
	return 0;
}

static void loopnic_ndo_uninit(struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);

	priv->port->netdev = NULL;
	loopnic_steer_free(priv);
}

static int loopnic_open(struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_priv *peer;
	int err;

	err = loopnic_queues_up(priv);
	if (err)
		return err;
	netif_tx_start_all_queues(dev);

	peer = rtnl_dereference(priv->peer);
	if (peer && netif_running(peer->netdev)) {
		netif_carrier_on(dev);
		netif_carrier_on(peer->netdev);
	}
	return 0;
}

static int loopnic_stop(struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_priv *peer;

	netif_carrier_off(dev);
	peer = rtnl_dereference(priv->peer);
	if (peer)
		netif_carrier_off(peer->netdev);

	loopnic_queues_down(priv);
	return 0;
}

static int loopnic_set_features(struct net_device *dev,
				netdev_features_t features)
{
	struct loopnic_priv *priv = netdev_priv(dev);

	/* Like hardware that drops its filter table with the feature */
	if ((dev->features & NETIF_F_NTUPLE) && !(features & NETIF_F_NTUPLE))
		return loopnic_steer_clear_rules(priv);
	return 0;
}

static int loopnic_get_iflink(const struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_priv *peer;
	int iflink;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	iflink = peer ? READ_ONCE(peer->netdev->ifindex) :
			READ_ONCE(dev->ifindex);
	rcu_read_unlock();
	return iflink;
}

static const struct net_device_ops loopnic_netdev_ops = {
	.ndo_init		= loopnic_ndo_init,
	.ndo_uninit		= loopnic_ndo_uninit,
	.ndo_open		= loopnic_open,
	.ndo_stop		= loopnic_stop,
	.ndo_start_xmit		= loopnic_start_xmit,
	.ndo_get_stats64	= loopnic_get_stats64,
	.ndo_set_features	= loopnic_set_features,
	.ndo_get_iflink		= loopnic_get_iflink,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/* Runs once the core is done with the netdev, without RTNL. The last
 * end of a pair to go takes the parent device with it.
 */
static void loopnic_priv_destructor(struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_pair *pair = priv->pair;

	if (priv->registered && atomic_dec_and_test(&pair->live))
		schedule_work(&pair->destroy_work);
}

static void loopnic_rxq_init(struct loopnic_priv *priv, unsigned int qid)
{
	struct loopnic_rxq *rxq = &priv->rxq[qid];

	rxq->priv = priv;
	rxq->qid = qid;
	spin_lock_init(&rxq->lock);
	loopnic_rxq_irq_init(rxq);
	u64_stats_init(&rxq->stats.syncp);
	u64_stats_init(&rxq->dev_stats.syncp);
	u64_stats_init(&priv->txq_stats[qid].syncp);
}

/* Checksums are offloaded in the ethtool sense: the transmit side fills
 * them in (see loopnic_start_xmit()) and the receive side reports them
 * verified. There is no TSO: the stack's GSO segments before
 * ndo_start_xmit and GRO on the receiving NAPI aggregates again.
 */
#define LOOPNIC_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | \
				 NETIF_F_RXCSUM | NETIF_F_RXHASH | \
				 NETIF_F_NTUPLE)

static void loopnic_setup(struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	unsigned int i;

	ether_setup(dev);
	eth_hw_addr_random(dev);

	dev->netdev_ops = &loopnic_netdev_ops;
	dev->ethtool_ops = &loopnic_ethtool_ops;
	dev->stat_ops = &loopnic_stat_ops;
	dev->queue_mgmt_ops = &loopnic_queue_mgmt_ops;
	dev->rtnl_link_ops = &loopnic_link_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = loopnic_priv_destructor;

	/* netpoll would call ndo_start_xmit with IRQs off; the emulated DMA
	 * takes the peer's ring lock with BHs off only.
	 */
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_DISABLE_NETPOLL;
	dev->features |= LOOPNIC_FEATURES | NETIF_F_HIGHDMA;
	dev->hw_features |= LOOPNIC_FEATURES;
	dev->vlan_features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA;
	dev->min_mtu = LOOPNIC_MIN_MTU;
	dev->max_mtu = LOOPNIC_MAX_MTU;

	priv->netdev = dev;
	priv->cfg.ring_size = LOOPNIC_RING_DEFAULT;
	priv->cfg.hds = false;
	atomic64_set(&priv->rx_drops_filter, 0);
	for (i = 0; i < LOOPNIC_MAX_CHANNELS; i++)
		loopnic_rxq_init(priv, i);
}

struct net_device *loopnic_netdev_alloc(struct loopnic_pair *pair,
					unsigned int idx, const char *name,
					struct net *net)
{
	struct loopnic_priv *priv;
	struct net_device *dev;

	dev = alloc_netdev_mqs(sizeof(*priv), name, NET_NAME_USER,
			       loopnic_setup, LOOPNIC_MAX_CHANNELS,
			       LOOPNIC_MAX_CHANNELS);
	if (!dev)
		return NULL;

	if (netif_set_real_num_queues(dev, LOOPNIC_DEFAULT_CHANNELS,
				      LOOPNIC_DEFAULT_CHANNELS)) {
		free_netdev(dev);
		return NULL;
	}

	priv = netdev_priv(dev);
	priv->pair = pair;
	priv->port = &pair->port[idx];
	dev_net_set(dev, net);
	SET_NETDEV_DEV(dev, &pair->dev);
	dev->dev_port = idx;
	netif_carrier_off(dev);
	return dev;
}

/* Deleting one end deletes both, from any netns, like veth. Clearing the
 * peer pointers first stops new emulated DMA; transmitters that already
 * hold the pointer finish under RCU before the netdevs are freed.
 */
void loopnic_dellink(struct net_device *dev, struct list_head *head)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_priv *peer;

	peer = rtnl_dereference(priv->peer);
	RCU_INIT_POINTER(priv->peer, NULL);
	unregister_netdevice_queue(dev, head);
	if (peer) {
		RCU_INIT_POINTER(peer->peer, NULL);
		unregister_netdevice_queue(peer->netdev, head);
	}
}

static struct net *loopnic_get_link_net(const struct net_device *dev)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_priv *peer;

	peer = rtnl_dereference(priv->peer);
	return peer ? dev_net(peer->netdev) : dev_net(dev);
}

static int loopnic_validate(struct nlattr *tb[], struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_MOD(extack,
			   "create pairs with: echo \"ID NAME_A NAME_B\" > /sys/bus/loopnic/new_pair");
	return -EOPNOTSUPP;
}

struct rtnl_link_ops loopnic_link_ops __read_mostly = {
	.kind		= DRV_NAME,
	.validate	= loopnic_validate,
	.dellink	= loopnic_dellink,
	.get_link_net	= loopnic_get_link_net,
};
