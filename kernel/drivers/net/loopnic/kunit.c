// SPDX-License-Identifier: GPL-2.0
/* KUnit: binding memory providers to loopnic rx queues.
 *
 * A stub provider (it never has memory to give) is enough to exercise
 * net_mp_open_rxq()/net_mp_close_rxq() against a real driver with queue
 * management ops: the refusals, the restart that must leave the queue's
 * new page pool backed by the provider, and unbinding.
 */
#include <kunit/test.h>
#include <linux/ethtool_netlink.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/netdev_rx_queue.h>
#include <net/page_pool/memory_provider.h>
#include <net/page_pool/types.h>

#include "loopnic.h"

#define LNT_PAIR_ID	9000
#define LNT_DEV_A	"lnkt0"
#define LNT_DEV_B	"lnkt1"

static netmem_ref lnt_alloc_netmems(struct page_pool *pool, gfp_t gfp)
{
	return 0;
}

static bool lnt_release_netmem(struct page_pool *pool, netmem_ref netmem)
{
	return false;
}

static int lnt_init(struct page_pool *pool)
{
	return 0;
}

static void lnt_destroy(struct page_pool *pool)
{
}

static const struct memory_provider_ops lnt_mp_ops = {
	.alloc_netmems	= lnt_alloc_netmems,
	.release_netmem	= lnt_release_netmem,
	.init		= lnt_init,
	.destroy	= lnt_destroy,
};

static int lnt_priv_a, lnt_priv_b;

static const struct pp_memory_provider_params lnt_mp_a = {
	.mp_priv	= &lnt_priv_a,
	.mp_ops		= &lnt_mp_ops,
};

static const struct pp_memory_provider_params lnt_mp_b = {
	.mp_priv	= &lnt_priv_b,
	.mp_ops		= &lnt_mp_ops,
};

static int lnt_init_pair(struct kunit *test)
{
	struct net_device *dev;
	int err;

	err = loopnic_pair_new(LNT_PAIR_ID, LNT_DEV_A, LNT_DEV_B);
	KUNIT_ASSERT_EQ(test, err, 0);

	rtnl_lock();
	dev = __dev_get_by_name(&init_net, LNT_DEV_B);
	err = dev ? dev_open(dev, NULL) : -ENODEV;
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	test->priv = dev;
	return 0;
}

static void lnt_exit_pair(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, loopnic_pair_del(LNT_PAIR_ID), 0);
}

static int lnt_set_split(struct net_device *dev, bool on)
{
	struct kernel_ethtool_ringparam kring = {};
	struct ethtool_ringparam ring = {};

	dev->ethtool_ops->get_ringparam(dev, &ring, &kring, NULL);
	kring.tcp_data_split = on ? ETHTOOL_TCP_DATA_SPLIT_ENABLED :
				    ETHTOOL_TCP_DATA_SPLIT_DISABLED;
	return dev->ethtool_ops->set_ringparam(dev, &ring, &kring, NULL);
}

static struct page_pool *lnt_queue_pool(struct net_device *dev,
					unsigned int qid)
{
	struct loopnic_priv *priv = netdev_priv(dev);

	return priv->rxq[qid].ring ? priv->rxq[qid].ring->pp : NULL;
}

/* What must be refused leaves the queue as it was. */
static void lnt_open_refusals(struct kunit *test)
{
	struct net_device *dev = test->priv;
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(dev, 1);

	rtnl_lock();
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(dev, 99, &lnt_mp_a, NULL),
			-ERANGE);
	/* Split is off by default */
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(dev, 1, &lnt_mp_a, NULL),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	KUNIT_EXPECT_NULL(test, lnt_queue_pool(dev, 1)->mp_ops);
	rtnl_unlock();
}

/* A bound queue runs on a pool backed by the provider; a second provider
 * is refused, and unbinding restores ordinary pages. (That split cannot
 * be turned off while bound is the ethtool core's rule, tested from user
 * space.)
 */
static void lnt_bind_unbind(struct kunit *test)
{
	struct net_device *dev = test->priv;
	struct netdev_rx_queue *rxq = __netif_get_rx_queue(dev, 1);
	struct page_pool *pool;

	rtnl_lock();
	KUNIT_ASSERT_EQ(test, lnt_set_split(dev, true), 0);
	KUNIT_ASSERT_EQ(test, net_mp_open_rxq(dev, 1, &lnt_mp_a, NULL), 0);
	pool = lnt_queue_pool(dev, 1);
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_ops, &lnt_mp_ops);
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_priv, (void *)&lnt_priv_a);
	/* The other queue is untouched */
	KUNIT_EXPECT_NULL(test, lnt_queue_pool(dev, 0)->mp_ops);

	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(dev, 1, &lnt_mp_b, NULL),
			-EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, rxq->mp_params.mp_priv, (void *)&lnt_priv_a);

	net_mp_close_rxq(dev, 1, &lnt_mp_a);
	KUNIT_EXPECT_NULL(test, rxq->mp_params.mp_ops);
	KUNIT_EXPECT_NULL(test, lnt_queue_pool(dev, 1)->mp_ops);

	/* Bound again right after, by another provider */
	KUNIT_EXPECT_EQ(test, net_mp_open_rxq(dev, 1, &lnt_mp_b, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, lnt_queue_pool(dev, 1)->mp_priv,
			    (void *)&lnt_priv_b);
	net_mp_close_rxq(dev, 1, &lnt_mp_b);
	rtnl_unlock();
}

static struct kunit_case lnt_cases[] = {
	KUNIT_CASE(lnt_open_refusals),
	KUNIT_CASE(lnt_bind_unbind),
	{}
};

static struct kunit_suite lnt_suite = {
	.name = "loopnic_mp",
	.init = lnt_init_pair,
	.exit = lnt_exit_pair,
	.test_cases = lnt_cases,
};

kunit_test_suite(lnt_suite);
