// SPDX-License-Identifier: GPL-2.0
/* loopnic pairs: the parent device of each pair and their life cycle.
 *
 * Pairs are created and destroyed through the loopnic bus in sysfs:
 *
 *   echo "ID NAME_A NAME_B" > /sys/bus/loopnic/new_pair
 *   echo ID > /sys/bus/loopnic/del_pair
 *
 * Deleting either netdev (ip link del, or its netns going away) deletes
 * the pair as well, like veth.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "loopnic.h"

static LIST_HEAD(loopnic_pairs);
/* Protects loopnic_pairs, loopnic_pair::dying and loopnic_bus_enabled.
 * Taken before RTNL, never inside it.
 */
static DEFINE_MUTEX(loopnic_pairs_lock);
static bool loopnic_bus_enabled;

static struct loopnic_pair *loopnic_pair_find(u32 id)
{
	struct loopnic_pair *pair;

	lockdep_assert_held(&loopnic_pairs_lock);
	list_for_each_entry(pair, &loopnic_pairs, list)
		if (pair->id == id)
			return pair;
	return NULL;
}

static void loopnic_pair_release(struct device *dev)
{
	kfree(container_of(dev, struct loopnic_pair, dev));
}

/* The emulated device stores with the CPU to the physical address behind
 * each DMA address. That is the memory a real device would reach only
 * when DMA is direct (no IOMMU, no dma_map_ops) and coherent (no cache
 * maintenance that would drop CPU stores on sync_for_cpu).
 */
static int loopnic_pair_setup_dma(struct loopnic_pair *pair)
{
	struct device *dev = &pair->dev;
	int err;

	err = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (err)
		return err;

	if (get_dma_ops(dev) || device_iommu_mapped(dev) ||
	    !dev_is_dma_coherent(dev)) {
		dev_err(dev, "needs direct, coherent DMA\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static void loopnic_pair_destroy_work(struct work_struct *work)
{
	struct loopnic_pair *pair;

	pair = container_of(work, struct loopnic_pair, destroy_work);

	mutex_lock(&loopnic_pairs_lock);
	pair->dying = true;
	list_del(&pair->list);
	mutex_unlock(&loopnic_pairs_lock);

	/* Waits for debugfs writers, which take RTNL: never call under it */
	loopnic_debugfs_pair_exit(pair);

	get_device(&pair->dev);
	device_unregister(&pair->dev);
	complete_all(&pair->destroyed);
	put_device(&pair->dev);
}

static struct loopnic_pair *loopnic_pair_create(u32 id)
{
	struct loopnic_pair *pair;
	int err;

	pair = kzalloc(sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);

	pair->id = id;
	INIT_LIST_HEAD(&pair->list);
	INIT_WORK(&pair->destroy_work, loopnic_pair_destroy_work);
	init_completion(&pair->destroyed);
	pair->port[0].pair = pair;
	pair->port[1].pair = pair;
	pair->port[1].idx = 1;

	device_initialize(&pair->dev);
	pair->dev.bus = &loopnic_bus;
	pair->dev.release = loopnic_pair_release;
	err = dev_set_name(&pair->dev, DRV_NAME "%u", id);
	if (err)
		goto err_put;

	err = device_add(&pair->dev);
	if (err)
		goto err_put;

	err = loopnic_pair_setup_dma(pair);
	if (err) {
		device_unregister(&pair->dev);
		return ERR_PTR(err);
	}
	return pair;

err_put:
	put_device(&pair->dev);
	return ERR_PTR(err);
}

/* Both netdevs are registered in the writer's netns under one RTNL hold,
 * so nobody can open or delete one before the pair is fully linked.
 */
static int loopnic_pair_add_netdevs(struct loopnic_pair *pair,
				    const char *name_a, const char *name_b)
{
	struct net *net = current->nsproxy->net_ns;
	struct loopnic_priv *pa, *pb;
	struct net_device *a, *b;
	int err;

	a = loopnic_netdev_alloc(pair, 0, name_a, net);
	if (!a)
		return -ENOMEM;
	b = loopnic_netdev_alloc(pair, 1, name_b, net);
	if (!b) {
		free_netdev(a);
		return -ENOMEM;
	}

	rtnl_lock();
	err = register_netdevice(a);
	if (err)
		goto err_unlock_free_a;
	err = register_netdevice(b);
	if (err) {
		/* a is not counted as live yet: the core frees it quietly */
		unregister_netdevice(a);
		goto err_unlock;
	}

	pa = netdev_priv(a);
	pb = netdev_priv(b);
	rcu_assign_pointer(pa->peer, pb);
	rcu_assign_pointer(pb->peer, pa);
	pa->registered = true;
	pb->registered = true;
	atomic_set(&pair->live, 2);
	rtnl_unlock();
	return 0;

err_unlock_free_a:
	rtnl_unlock();
	free_netdev(a);
	free_netdev(b);
	return err;
err_unlock:
	rtnl_unlock();
	free_netdev(b);
	return err;
}

int loopnic_pair_new(u32 id, const char *name_a, const char *name_b)
{
	struct loopnic_pair *pair;
	int err;

	mutex_lock(&loopnic_pairs_lock);
	err = -ENODEV;
	if (!loopnic_bus_enabled)
		goto out_unlock;
	err = -EEXIST;
	if (loopnic_pair_find(id))
		goto out_unlock;

	pair = loopnic_pair_create(id);
	if (IS_ERR(pair)) {
		err = PTR_ERR(pair);
		goto out_unlock;
	}
	loopnic_debugfs_pair_init(pair);

	err = loopnic_pair_add_netdevs(pair, name_a, name_b);
	if (err) {
		loopnic_debugfs_pair_exit(pair);
		device_unregister(&pair->dev);
		goto out_unlock;
	}
	list_add_tail(&pair->list, &loopnic_pairs);
out_unlock:
	mutex_unlock(&loopnic_pairs_lock);
	return err;
}

/* Unregister both netdevs; the last one's destructor queues
 * destroy_work, which removes the parent device and completes
 * pair->destroyed.
 */
static void loopnic_pair_kill(struct loopnic_pair *pair)
{
	LIST_HEAD(kill);
	int i;

	rtnl_lock();
	for (i = 0; i < ARRAY_SIZE(pair->port); i++)
		if (pair->port[i].netdev)
			loopnic_dellink(pair->port[i].netdev, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();

	wait_for_completion(&pair->destroyed);
}

/* Takes a reference on the pair with @id and marks it dying, so only one
 * caller ever tears it down.
 */
static struct loopnic_pair *loopnic_pair_claim(u32 id)
{
	struct loopnic_pair *pair;

	mutex_lock(&loopnic_pairs_lock);
	pair = loopnic_pair_find(id);
	if (pair && !pair->dying) {
		pair->dying = true;
		get_device(&pair->dev);
	} else {
		pair = NULL;
	}
	mutex_unlock(&loopnic_pairs_lock);
	return pair;
}

int loopnic_pair_del(u32 id)
{
	struct loopnic_pair *pair;

	pair = loopnic_pair_claim(id);
	if (!pair)
		return -ENOENT;

	loopnic_pair_kill(pair);
	put_device(&pair->dev);
	return 0;
}

static ssize_t new_pair_store(const struct bus_type *bus, const char *buf,
			      size_t count)
{
	char name_a[IFNAMSIZ], name_b[IFNAMSIZ];
	unsigned int id;
	int err;

	/* The field widths below are IFNAMSIZ - 1 */
	BUILD_BUG_ON(IFNAMSIZ != 16);
	if (sscanf(buf, "%u %15s %15s", &id, name_a, name_b) != 3) {
		pr_err("usage: echo \"ID NAME_A NAME_B\" > new_pair\n");
		return -EINVAL;
	}
	if (!dev_valid_name(name_a) || !dev_valid_name(name_b))
		return -EINVAL;

	err = loopnic_pair_new(id, name_a, name_b);
	return err ? err : count;
}
static BUS_ATTR_WO(new_pair);

static ssize_t del_pair_store(const struct bus_type *bus, const char *buf,
			      size_t count)
{
	unsigned int id;
	int err;

	err = kstrtouint(buf, 0, &id);
	if (err) {
		pr_err("usage: echo ID > del_pair\n");
		return err;
	}

	err = loopnic_pair_del(id);
	return err ? err : count;
}
static BUS_ATTR_WO(del_pair);

static struct attribute *loopnic_bus_attrs[] = {
	&bus_attr_new_pair.attr,
	&bus_attr_del_pair.attr,
	NULL
};
ATTRIBUTE_GROUPS(loopnic_bus);

const struct bus_type loopnic_bus = {
	.name		= DRV_NAME,
	.dev_name	= DRV_NAME,
	.bus_groups	= loopnic_bus_groups,
};

static int __init loopnic_init(void)
{
	int err;

	loopnic_debugfs_init();

	err = bus_register(&loopnic_bus);
	if (err)
		goto err_debugfs;

	err = rtnl_link_register(&loopnic_link_ops);
	if (err)
		goto err_bus;

	mutex_lock(&loopnic_pairs_lock);
	loopnic_bus_enabled = true;
	mutex_unlock(&loopnic_pairs_lock);
	return 0;

err_bus:
	bus_unregister(&loopnic_bus);
err_debugfs:
	loopnic_debugfs_exit();
	return err;
}

/* Tear down every pair, including those another path is already
 * deleting: for those, only wait until they are gone.
 */
static void __exit loopnic_exit_pairs(void)
{
	struct loopnic_pair *pair;
	bool ours;

	for (;;) {
		mutex_lock(&loopnic_pairs_lock);
		pair = list_first_entry_or_null(&loopnic_pairs,
						struct loopnic_pair, list);
		if (pair) {
			ours = !pair->dying;
			pair->dying = true;
			get_device(&pair->dev);
		}
		mutex_unlock(&loopnic_pairs_lock);
		if (!pair)
			break;

		if (ours)
			loopnic_pair_kill(pair);
		else
			wait_for_completion(&pair->destroyed);
		put_device(&pair->dev);
	}
}

static void __exit loopnic_exit(void)
{
	mutex_lock(&loopnic_pairs_lock);
	loopnic_bus_enabled = false;
	mutex_unlock(&loopnic_pairs_lock);

	loopnic_exit_pairs();
	rtnl_link_unregister(&loopnic_link_ops);
	bus_unregister(&loopnic_bus);
	loopnic_debugfs_exit();
}

module_init(loopnic_init);
module_exit(loopnic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Software NIC pair with emulated receive DMA");
MODULE_ALIAS_RTNL_LINK(DRV_NAME);
