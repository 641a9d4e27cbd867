// SPDX-License-Identifier: GPL-2.0
/* ethtool: channels, rings and header split, flow steering (ntuple and
 * RSS) and counters.
 *
 * Steering state is read by the peer's transmit path without locks, so
 * every change builds a new struct loopnic_steer and swaps it under RCU.
 * All setters run under RTNL.
 */
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/log2.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "loopnic.h"

/* Steering state */

static void loopnic_fill_indir(struct loopnic_steer *st, unsigned int rings)
{
	unsigned int i;

	for (i = 0; i < LOOPNIC_RSS_INDIR_SIZE; i++)
		st->indir[i] = ethtool_rxfh_indir_default(i, rings);
}

int loopnic_steer_init(struct loopnic_priv *priv)
{
	struct loopnic_steer *st;

	st = kvzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;

	netdev_rss_key_fill(st->key, sizeof(st->key));
	loopnic_fill_indir(st, priv->netdev->real_num_rx_queues);
	RCU_INIT_POINTER(priv->steer, st);
	return 0;
}

void loopnic_steer_free(struct loopnic_priv *priv)
{
	struct loopnic_steer *st = rtnl_dereference(priv->steer);

	RCU_INIT_POINTER(priv->steer, NULL);
	if (st)
		kvfree_rcu(st, rcu);
}

static struct loopnic_steer *loopnic_steer_dup(struct loopnic_priv *priv)
{
	return kvmemdup(rtnl_dereference(priv->steer),
			sizeof(struct loopnic_steer), GFP_KERNEL);
}

static void loopnic_steer_publish(struct loopnic_priv *priv,
				  struct loopnic_steer *st)
{
	struct loopnic_steer *old = rtnl_dereference(priv->steer);

	rcu_assign_pointer(priv->steer, st);
	kvfree_rcu(old, rcu);
}

int loopnic_steer_reset_indir(struct loopnic_priv *priv)
{
	struct loopnic_steer *st = loopnic_steer_dup(priv);

	if (!st)
		return -ENOMEM;
	loopnic_fill_indir(st, priv->netdev->real_num_rx_queues);
	loopnic_steer_publish(priv, st);
	return 0;
}

int loopnic_steer_clear_rules(struct loopnic_priv *priv)
{
	struct loopnic_steer *st = loopnic_steer_dup(priv);

	if (!st)
		return -ENOMEM;
	bitmap_zero(st->rule_used, LOOPNIC_MAX_RULES);
	st->nrules = 0;
	loopnic_steer_publish(priv, st);
	return 0;
}

/* Driver info, channels, rings */

static void loopnic_get_drvinfo(struct net_device *dev,
				struct ethtool_drvinfo *info)
{
	struct loopnic_priv *priv = netdev_priv(dev);

	strscpy(info->driver, DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&priv->pair->dev),
		sizeof(info->bus_info));
}

static void loopnic_get_channels(struct net_device *dev,
				 struct ethtool_channels *ch)
{
	ch->max_combined = LOOPNIC_MAX_CHANNELS;
	ch->combined_count = dev->real_num_rx_queues;
}

/* The core has already checked the count against the maximum, the
 * indirection table, ntuple rules and bound memory providers.
 */
static int loopnic_set_channels(struct net_device *dev,
				struct ethtool_channels *ch)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_cfg cfg = priv->cfg;

	if (!ch->combined_count || ch->rx_count || ch->tx_count ||
	    ch->other_count)
		return -EINVAL;
	if (ch->combined_count == dev->real_num_rx_queues)
		return 0;

	return loopnic_reconfigure(priv, ch->combined_count, &cfg);
}

static void loopnic_get_ringparam(struct net_device *dev,
				  struct ethtool_ringparam *ring,
				  struct kernel_ethtool_ringparam *kring,
				  struct netlink_ext_ack *extack)
{
	struct loopnic_priv *priv = netdev_priv(dev);

	/* No tx ring: transmit completes inside ndo_start_xmit */
	ring->rx_max_pending = LOOPNIC_RING_MAX;
	ring->rx_pending = priv->cfg.ring_size;
	kring->tcp_data_split = priv->cfg.hds ?
				ETHTOOL_TCP_DATA_SPLIT_ENABLED :
				ETHTOOL_TCP_DATA_SPLIT_DISABLED;
}

static int loopnic_set_ringparam(struct net_device *dev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_cfg cfg = priv->cfg;

	if (ring->rx_pending < LOOPNIC_RING_MIN) {
		NL_SET_ERR_MSG_MOD(extack, "rx ring smaller than 64");
		return -EINVAL;
	}
	cfg.ring_size = roundup_pow_of_two(ring->rx_pending);

	/* UNKNOWN asks for the default, which is to leave it as it is */
	if (kring->tcp_data_split == ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		cfg.hds = true;
	else if (kring->tcp_data_split == ETHTOOL_TCP_DATA_SPLIT_DISABLED)
		cfg.hds = false;

	if (cfg.ring_size == priv->cfg.ring_size && cfg.hds == priv->cfg.hds)
		return 0;

	return loopnic_reconfigure(priv, dev->real_num_rx_queues, &cfg);
}

/* Counters: device totals first, then every active queue */

static const char * const loopnic_rx_stat_names[] = {
	"packets", "bytes", "hds_packets", "drops_no_desc", "drops_length",
	"drops_down", "alloc_fail", "irqs",
};

static const char * const loopnic_tx_stat_names[] = {
	"packets", "bytes", "drops",
};

#define LOOPNIC_RX_STATS	ARRAY_SIZE(loopnic_rx_stat_names)
#define LOOPNIC_TX_STATS	ARRAY_SIZE(loopnic_tx_stat_names)
/* rx_drops_filter has no queue */
#define LOOPNIC_DEV_STATS	(LOOPNIC_RX_STATS + 1 + LOOPNIC_TX_STATS)

static u64 *loopnic_put_rx(u64 *data, const struct loopnic_counters *c)
{
	*data++ = c->rx_packets;
	*data++ = c->rx_bytes;
	*data++ = c->rx_hds_packets;
	*data++ = c->rx_drops_no_desc;
	*data++ = c->rx_drops_length;
	*data++ = c->rx_drops_down;
	*data++ = c->rx_alloc_fail;
	*data++ = c->rx_irqs;
	return data;
}

static u64 *loopnic_put_tx(u64 *data, const struct loopnic_counters *c)
{
	*data++ = c->tx_packets;
	*data++ = c->tx_bytes;
	*data++ = c->tx_drops;
	return data;
}

static int loopnic_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return LOOPNIC_DEV_STATS +
	       dev->real_num_rx_queues * (LOOPNIC_RX_STATS + LOOPNIC_TX_STATS);
}

static void loopnic_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;

	for (i = 0; i < LOOPNIC_RX_STATS; i++)
		ethtool_sprintf(&data, "rx_%s", loopnic_rx_stat_names[i]);
	ethtool_puts(&data, "rx_drops_filter");
	for (i = 0; i < LOOPNIC_TX_STATS; i++)
		ethtool_sprintf(&data, "tx_%s", loopnic_tx_stat_names[i]);

	for (q = 0; q < dev->real_num_rx_queues; q++) {
		for (i = 0; i < LOOPNIC_RX_STATS; i++)
			ethtool_sprintf(&data, "rx%u_%s", q,
					loopnic_rx_stat_names[i]);
		for (i = 0; i < LOOPNIC_TX_STATS; i++)
			ethtool_sprintf(&data, "tx%u_%s", q,
					loopnic_tx_stat_names[i]);
	}
}

static void loopnic_get_ethtool_stats(struct net_device *dev,
				      struct ethtool_stats *stats, u64 *data)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_counters tot = {}, c;
	unsigned int q;

	for (q = 0; q < LOOPNIC_MAX_CHANNELS; q++) {
		loopnic_rxq_counters(&priv->rxq[q], &tot);
		loopnic_txq_counters(&priv->txq_stats[q], &tot);
	}
	data = loopnic_put_rx(data, &tot);
	*data++ = atomic64_read(&priv->rx_drops_filter);
	data = loopnic_put_tx(data, &tot);

	for (q = 0; q < dev->real_num_rx_queues; q++) {
		memset(&c, 0, sizeof(c));
		loopnic_rxq_counters(&priv->rxq[q], &c);
		loopnic_txq_counters(&priv->txq_stats[q], &c);
		data = loopnic_put_rx(data, &c);
		data = loopnic_put_tx(data, &c);
	}
}

/* ntuple rules */

static int loopnic_rule_check(struct net_device *dev,
			      const struct ethtool_rx_flow_spec *fs)
{
	if (!(dev->features & NETIF_F_NTUPLE))
		return -EOPNOTSUPP;
	if (fs->flow_type & (FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS))
		return -EOPNOTSUPP;

	switch (fs->flow_type) {
	case TCP_V4_FLOW:
	case UDP_V4_FLOW:
		if (fs->m_u.tcp_ip4_spec.tos)
			return -EOPNOTSUPP;
		break;
	case TCP_V6_FLOW:
	case UDP_V6_FLOW:
		if (fs->m_u.tcp_ip6_spec.tclass)
			return -EOPNOTSUPP;
		break;
	default:
		return -EOPNOTSUPP;
	}

	if (fs->ring_cookie == RX_CLS_FLOW_DISC)
		return 0;
	if (fs->ring_cookie == RX_CLS_FLOW_WAKE ||
	    ethtool_get_flow_spec_ring_vf(fs->ring_cookie))
		return -EOPNOTSUPP;
	if (ethtool_get_flow_spec_ring(fs->ring_cookie) >=
	    dev->real_num_rx_queues)
		return -EINVAL;
	return 0;
}

/* Resolve RX_CLS_LOC_* to a free slot. Lower locations match first, so
 * "any" takes the last free slot: a new rule does not jump ahead of
 * rules placed explicitly.
 */
static int loopnic_rule_location(const struct loopnic_steer *st, u32 loc)
{
	unsigned int i;

	switch (loc) {
	case RX_CLS_LOC_FIRST:
		i = find_first_zero_bit(st->rule_used, LOOPNIC_MAX_RULES);
		if (i >= LOOPNIC_MAX_RULES)
			return -ENOSPC;
		return i;
	case RX_CLS_LOC_ANY:
	case RX_CLS_LOC_LAST:
		for (i = LOOPNIC_MAX_RULES; i-- > 0;)
			if (!test_bit(i, st->rule_used))
				return i;
		return -ENOSPC;
	}
	if (loc >= LOOPNIC_MAX_RULES)
		return -EINVAL;
	return loc;
}

static int loopnic_rule_insert(struct net_device *dev,
			       struct ethtool_rx_flow_spec *fs)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_steer *st;
	int err, loc;

	err = loopnic_rule_check(dev, fs);
	if (err)
		return err;

	st = loopnic_steer_dup(priv);
	if (!st)
		return -ENOMEM;
	loc = loopnic_rule_location(st, fs->location);
	if (loc < 0) {
		kvfree(st);
		return loc;
	}

	/* An existing rule at @loc is replaced */
	fs->location = loc;
	st->rules[loc] = *fs;
	if (!__test_and_set_bit(loc, st->rule_used))
		st->nrules++;
	loopnic_steer_publish(priv, st);
	return 0;
}

static int loopnic_rule_delete(struct net_device *dev, u32 loc)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_steer *st;

	if (loc >= LOOPNIC_MAX_RULES ||
	    !test_bit(loc, rtnl_dereference(priv->steer)->rule_used))
		return -ENOENT;

	st = loopnic_steer_dup(priv);
	if (!st)
		return -ENOMEM;
	__clear_bit(loc, st->rule_used);
	st->nrules--;
	loopnic_steer_publish(priv, st);
	return 0;
}

static int loopnic_get_rules(const struct loopnic_steer *st,
			     struct ethtool_rxnfc *cmd, u32 *rule_locs)
{
	unsigned int loc, n = 0;

	for_each_set_bit(loc, st->rule_used, LOOPNIC_MAX_RULES) {
		if (n == cmd->rule_cnt)
			return -EMSGSIZE;
		rule_locs[n++] = loc;
	}
	cmd->rule_cnt = n;
	cmd->data = LOOPNIC_MAX_RULES;
	return 0;
}

static int loopnic_get_rxnfc_steer(const struct loopnic_steer *st,
				   struct ethtool_rxnfc *cmd, u32 *rule_locs)
{
	u32 loc = cmd->fs.location;

	switch (cmd->cmd) {
	case ETHTOOL_GRXCLSRLCNT:
		cmd->rule_cnt = st->nrules;
		cmd->data = LOOPNIC_MAX_RULES | RX_CLS_LOC_SPECIAL;
		return 0;
	case ETHTOOL_GRXCLSRULE:
		if (loc >= LOOPNIC_MAX_RULES || !test_bit(loc, st->rule_used))
			return -ENOENT;
		cmd->fs = st->rules[loc];
		return 0;
	case ETHTOOL_GRXCLSRLALL:
		return loopnic_get_rules(st, cmd, rule_locs);
	}
	return -EOPNOTSUPP;
}

/* Hash fields are fixed: the 4-tuple where the device parses ports,
 * addresses for other IP traffic (see loopnic_rss_hash()).
 */
static u64 loopnic_rxfh_fields(u32 flow_type)
{
	switch (flow_type) {
	case TCP_V4_FLOW:
	case UDP_V4_FLOW:
	case TCP_V6_FLOW:
	case UDP_V6_FLOW:
		return RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3;
	case SCTP_V4_FLOW:
	case AH_ESP_V4_FLOW:
	case IPV4_FLOW:
	case SCTP_V6_FLOW:
	case AH_ESP_V6_FLOW:
	case IPV6_FLOW:
		return RXH_IP_SRC | RXH_IP_DST;
	}
	return 0;
}

/* Readers may run without RTNL (netlink dumps), so use RCU */
static int loopnic_get_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd,
			     u32 *rule_locs)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	const struct loopnic_steer *st;
	int err;

	if (cmd->cmd == ETHTOOL_GRXRINGS) {
		cmd->data = dev->real_num_rx_queues;
		return 0;
	}
	if (cmd->cmd == ETHTOOL_GRXFH) {
		cmd->data = loopnic_rxfh_fields(cmd->flow_type & ~FLOW_RSS);
		return 0;
	}

	rcu_read_lock();
	st = rcu_dereference(priv->steer);
	err = st ? loopnic_get_rxnfc_steer(st, cmd, rule_locs) : -ENODEV;
	rcu_read_unlock();
	return err;
}

static int loopnic_set_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd)
{
	switch (cmd->cmd) {
	case ETHTOOL_SRXCLSRLINS:
		return loopnic_rule_insert(dev, &cmd->fs);
	case ETHTOOL_SRXCLSRLDEL:
		return loopnic_rule_delete(dev, cmd->fs.location);
	}
	return -EOPNOTSUPP;
}

/* RSS */

static u32 loopnic_get_rxfh_indir_size(struct net_device *dev)
{
	return LOOPNIC_RSS_INDIR_SIZE;
}

static u32 loopnic_get_rxfh_key_size(struct net_device *dev)
{
	return LOOPNIC_RSS_KEY_SIZE;
}

static int loopnic_get_rxfh(struct net_device *dev,
			    struct ethtool_rxfh_param *rxfh)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	const struct loopnic_steer *st;

	rxfh->hfunc = ETH_RSS_HASH_TOP;

	rcu_read_lock();
	st = rcu_dereference(priv->steer);
	if (st && rxfh->indir)
		memcpy(rxfh->indir, st->indir, sizeof(st->indir));
	if (st && rxfh->key)
		memcpy(rxfh->key, st->key, sizeof(st->key));
	rcu_read_unlock();
	return st ? 0 : -ENODEV;
}

/* The core validates table entries against GRXRINGS and never passes a
 * context other than 0 (no context support is advertised).
 */
static int loopnic_set_rxfh(struct net_device *dev,
			    struct ethtool_rxfh_param *rxfh,
			    struct netlink_ext_ack *extack)
{
	struct loopnic_priv *priv = netdev_priv(dev);
	struct loopnic_steer *st;

	if (rxfh->hfunc != ETH_RSS_HASH_NO_CHANGE &&
	    rxfh->hfunc != ETH_RSS_HASH_TOP)
		return -EOPNOTSUPP;
	if (!rxfh->indir && !rxfh->key)
		return 0;

	st = loopnic_steer_dup(priv);
	if (!st)
		return -ENOMEM;
	if (rxfh->indir)
		memcpy(st->indir, rxfh->indir, sizeof(st->indir));
	if (rxfh->key)
		memcpy(st->key, rxfh->key, sizeof(st->key));
	loopnic_steer_publish(priv, st);
	return 0;
}

const struct ethtool_ops loopnic_ethtool_ops = {
	.supported_ring_params	= ETHTOOL_RING_USE_TCP_DATA_SPLIT,
	.get_drvinfo		= loopnic_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_channels		= loopnic_get_channels,
	.set_channels		= loopnic_set_channels,
	.get_ringparam		= loopnic_get_ringparam,
	.set_ringparam		= loopnic_set_ringparam,
	.get_sset_count		= loopnic_get_sset_count,
	.get_strings		= loopnic_get_strings,
	.get_ethtool_stats	= loopnic_get_ethtool_stats,
	.get_rxnfc		= loopnic_get_rxnfc,
	.set_rxnfc		= loopnic_set_rxnfc,
	.get_rxfh_indir_size	= loopnic_get_rxfh_indir_size,
	.get_rxfh_key_size	= loopnic_get_rxfh_key_size,
	.get_rxfh		= loopnic_get_rxfh,
	.set_rxfh		= loopnic_set_rxfh,
};
