// SPDX-License-Identifier: GPL-2.0
/* debugfs: /sys/kernel/debug/loopnic/<pair id>/port<0|1>/
 *
 *   ifname         name of the netdev of this port (read)
 *   restart_queue  write a queue index to restart that rx queue with
 *                  fresh memory through netdev_rx_queue_restart()
 *
 * The files point at the port, which lives in the pair; they are removed
 * (waiting for running handlers) before the pair is freed, and never
 * under RTNL, since the handlers take it.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/netdev_rx_queue.h>

#include "loopnic.h"

static struct dentry *loopnic_ddir;

static ssize_t loopnic_restart_queue_write(struct file *file,
					   const char __user *data,
					   size_t count, loff_t *ppos)
{
	struct loopnic_port *port = file->private_data;
	struct net_device *dev;
	unsigned int qid;
	int err;

	err = kstrtouint_from_user(data, count, 0, &qid);
	if (err)
		return err;

	rtnl_lock();
	dev = port->netdev;
	if (!dev)
		err = -ENODEV;
	else if (!netif_running(dev))
		err = -ENETDOWN;
	else if (qid >= dev->real_num_rx_queues)
		err = -EINVAL;
	else
		err = netdev_rx_queue_restart(dev, qid);
	rtnl_unlock();

	return err ? err : count;
}

static const struct file_operations loopnic_restart_queue_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= loopnic_restart_queue_write,
	.llseek	= noop_llseek,
};

static ssize_t loopnic_ifname_read(struct file *file, char __user *data,
				   size_t count, loff_t *ppos)
{
	struct loopnic_port *port = file->private_data;
	char buf[IFNAMSIZ + 1] = "";
	int len;

	rtnl_lock();
	if (port->netdev)
		strscpy(buf, port->netdev->name, IFNAMSIZ);
	rtnl_unlock();

	len = strlen(buf);
	buf[len++] = '\n';
	return simple_read_from_buffer(data, count, ppos, buf, len);
}

static const struct file_operations loopnic_ifname_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= loopnic_ifname_read,
	.llseek	= default_llseek,
};

void loopnic_debugfs_pair_init(struct loopnic_pair *pair)
{
	struct loopnic_port *port;
	char name[16];
	int i;

	snprintf(name, sizeof(name), "%u", pair->id);
	pair->ddir = debugfs_create_dir(name, loopnic_ddir);

	for (i = 0; i < ARRAY_SIZE(pair->port); i++) {
		port = &pair->port[i];
		snprintf(name, sizeof(name), "port%d", i);
		port->ddir = debugfs_create_dir(name, pair->ddir);
		debugfs_create_file("ifname", 0400, port->ddir, port,
				    &loopnic_ifname_fops);
		debugfs_create_file("restart_queue", 0200, port->ddir, port,
				    &loopnic_restart_queue_fops);
	}
}

void loopnic_debugfs_pair_exit(struct loopnic_pair *pair)
{
	debugfs_remove(pair->ddir);
	pair->ddir = NULL;
}

void loopnic_debugfs_init(void)
{
	loopnic_ddir = debugfs_create_dir(DRV_NAME, NULL);
}

void loopnic_debugfs_exit(void)
{
	debugfs_remove(loopnic_ddir);
}
