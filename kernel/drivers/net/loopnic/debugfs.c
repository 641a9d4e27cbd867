// SPDX-License-Identifier: GPL-2.0
/* debugfs: /sys/kernel/debug/loopnic/<pair id>/port<0|1>/
 *
 *   ifname         name of the netdev of this port (read)
 *   restart_queue  write a queue index to restart that rx queue with
 *                  fresh memory through netdev_rx_queue_restart()
 *   irq_cpu        the CPU each rx queue's interrupt goes to: reads
 *                  "QUEUE CPU" per active queue; write "QUEUE CPU" to move
 *                  one (any online CPU; the default spreads queues over
 *                  the CPUs as cpumask_local_spread() does for drivers)
 *   rx_buf_len_cap 1 (default): the device sizes its payload buffers as a
 *                  memory provider asks (NETDEV_QUEUE_CAP_RX_BUF_LEN);
 *                  write 0 to act as a driver without that capability,
 *                  which makes binding with a buffer size -EOPNOTSUPP
 *   rx_buf_len     "QUEUE BYTES" per active rx queue: the size of the
 *                  payload buffers its ring posts (0: the queue is down)
 *
 * The files point at the port, which lives in the pair; they are removed
 * (waiting for running handlers) before the pair is freed, and never
 * under RTNL, since the handlers take it.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/netdev_queues.h>
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

/* "QUEUE VALUE" for each active rx queue of the port, under RTNL */
static ssize_t loopnic_queues_read(struct file *file, char __user *data,
				   size_t count, loff_t *ppos,
				   long (*value)(struct loopnic_rxq *rxq))
{
	struct loopnic_port *port = file->private_data;
	struct loopnic_priv *priv;
	unsigned int qid;
	ssize_t ret;
	char *buf;
	int len = 0;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rtnl_lock();
	if (port->netdev) {
		priv = netdev_priv(port->netdev);
		for (qid = 0; qid < port->netdev->real_num_rx_queues; qid++)
			len += scnprintf(buf + len, PAGE_SIZE - len, "%u %ld\n",
					 qid, value(&priv->rxq[qid]));
	}
	rtnl_unlock();
	ret = simple_read_from_buffer(data, count, ppos, buf, len);
	kfree(buf);
	return ret;
}

static long loopnic_irq_cpu(struct loopnic_rxq *rxq)
{
	return READ_ONCE(rxq->irq_cpu);
}

static ssize_t loopnic_irq_cpu_read(struct file *file, char __user *data,
				    size_t count, loff_t *ppos)
{
	return loopnic_queues_read(file, data, count, ppos, loopnic_irq_cpu);
}

static ssize_t loopnic_irq_cpu_write(struct file *file,
				     const char __user *data,
				     size_t count, loff_t *ppos)
{
	struct loopnic_port *port = file->private_data;
	struct loopnic_priv *priv;
	unsigned int qid, cpu;
	char buf[32];
	int err = 0;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, data, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%u %u", &qid, &cpu) != 2)
		return -EINVAL;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;

	rtnl_lock();
	if (!port->netdev)
		err = -ENODEV;
	else if (qid >= port->netdev->real_num_rx_queues)
		err = -EINVAL;
	if (!err) {
		priv = netdev_priv(port->netdev);
		WRITE_ONCE(priv->rxq[qid].irq_cpu, cpu);
	}
	rtnl_unlock();

	return err ? err : count;
}

static const struct file_operations loopnic_irq_cpu_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= loopnic_irq_cpu_read,
	.write	= loopnic_irq_cpu_write,
	.llseek	= default_llseek,
};

/* A ring is freed only under RTNL, which the reader holds. */
static long loopnic_rx_buf_len(struct loopnic_rxq *rxq)
{
	struct loopnic_ring *ring = READ_ONCE(rxq->ring);

	return ring ? ring->buf_len : 0;
}

static ssize_t loopnic_rx_buf_len_read(struct file *file, char __user *data,
				       size_t count, loff_t *ppos)
{
	return loopnic_queues_read(file, data, count, ppos, loopnic_rx_buf_len);
}

static const struct file_operations loopnic_rx_buf_len_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= loopnic_rx_buf_len_read,
	.llseek	= default_llseek,
};

static ssize_t loopnic_buf_len_cap_read(struct file *file, char __user *data,
					size_t count, loff_t *ppos)
{
	struct loopnic_port *port = file->private_data;
	char buf[3] = "0\n";

	rtnl_lock();
	if (port->netdev &&
	    port->netdev->queue_mgmt_ops->caps & NETDEV_QUEUE_CAP_RX_BUF_LEN)
		buf[0] = '1';
	rtnl_unlock();
	return simple_read_from_buffer(data, count, ppos, buf, 2);
}

static ssize_t loopnic_buf_len_cap_write(struct file *file,
					 const char __user *data,
					 size_t count, loff_t *ppos)
{
	struct loopnic_port *port = file->private_data;
	bool cap;
	int err;

	err = kstrtobool_from_user(data, count, &cap);
	if (err)
		return err;

	/* the core checks the capability when a provider binds, under RTNL */
	rtnl_lock();
	if (port->netdev)
		port->netdev->queue_mgmt_ops = cap ? &loopnic_queue_mgmt_ops :
					&loopnic_queue_mgmt_ops_fixed_buf;
	else
		err = -ENODEV;
	rtnl_unlock();
	return err ? err : count;
}

static const struct file_operations loopnic_buf_len_cap_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= loopnic_buf_len_cap_read,
	.write	= loopnic_buf_len_cap_write,
	.llseek	= default_llseek,
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
		debugfs_create_file("irq_cpu", 0600, port->ddir, port,
				    &loopnic_irq_cpu_fops);
		debugfs_create_file("rx_buf_len_cap", 0600, port->ddir, port,
				    &loopnic_buf_len_cap_fops);
		debugfs_create_file("rx_buf_len", 0400, port->ddir, port,
				    &loopnic_rx_buf_len_fops);
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
