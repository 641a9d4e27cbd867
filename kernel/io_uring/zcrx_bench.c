// SPDX-License-Identifier: GPL-2.0
/*
 * A micro-benchmark of the zcrx memory provider against a plain page
 * pool, on a queue bound to an instance: debugfs io_uring/zcrx_bench.
 *
 * Write "IFINDEX QUEUE" (the writer's network namespace) for a queue
 * bound to an instance whose user is idle: no traffic on the queue, an
 * empty refill ring. The write holds RTNL while it runs, a second or so.
 * It creates two pools on the queue's device, one plain and one through
 * the instance, and measures each in turn, per buffer:
 *
 *   cache    alloc, then recycle straight into the pool's cache, as the
 *            NAPI that freed an skb does; the provider is not involved
 *   return   alloc, then give back the slow way: into the ptr_ring, as an
 *            skb freed elsewhere does, against through the user (the
 *            skb's reference dropped; the user's reference and refill
 *            entry are RECV_ZC's and the application's, not timed), so
 *            the next allocations refill the cache from the ptr_ring or
 *            the refill ring
 *   consume  of that, the allocation that refills the emptied cache,
 *            per buffer: ptr_ring against refill ring
 *
 * Read gives "NAME PLAIN_NS ZCRX_NS" per line, medians of IO_ZB_ROUNDS.
 * Included from zcrx.c for its static helpers.
 */
#include <linux/debugfs.h>
#include <linux/nsproxy.h>
#include <linux/sort.h>

#define IO_ZB_ROUNDS		5
#define IO_ZB_CACHE_ITERS	131072
#define IO_ZB_BATCH		PP_ALLOC_CACHE_REFILL
#define IO_ZB_BATCHES		2048

enum { IO_ZB_CACHE, IO_ZB_RETURN, IO_ZB_CONSUME, IO_ZB_NR };

static const char * const io_zb_names[IO_ZB_NR] = {
	"cache", "return", "consume",
};

struct io_zb_pool {
	struct page_pool	*pp;
	struct io_zcrx_ifq	*ifq;	/* NULL: a plain pool */
	u64			ns[IO_ZB_NR][IO_ZB_ROUNDS];
};

static DEFINE_MUTEX(io_zb_lock);
static u64 io_zb_result[IO_ZB_NR][2];

static struct page_pool *io_zb_pool_create(struct io_zcrx_ifq *ifq,
					   struct net_device *dev,
					   u32 queue, bool zcrx)
{
	struct page_pool_params pp = {
		.flags		= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order		= ifq->buf_shift - PAGE_SHIFT,
		.pool_size	= 2 * IO_ZB_BATCH,
		.nid		= NUMA_NO_NODE,
		.dev		= ifq->dev,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= io_zcrx_buf_len(ifq),
		.netdev		= dev,
		.queue_idx	= queue,
	};

	if (zcrx)
		pp.flags |= PP_FLAG_ALLOW_UNREADABLE_NETMEM;
	return page_pool_create(&pp);
}

static int io_zb_cache(struct io_zb_pool *p, u64 *ns)
{
	u64 t;
	int i;

	local_bh_disable();
	t = ktime_get_ns();
	for (i = 0; i < IO_ZB_CACHE_ITERS; i++) {
		netmem_ref nm = page_pool_alloc_netmems(p->pp, GFP_ATOMIC);

		if (!nm)
			break;
		page_pool_put_full_netmem(p->pp, nm, true);
	}
	*ns = ktime_get_ns() - t;
	local_bh_enable();
	return i == IO_ZB_CACHE_ITERS ? 0 : -ENOMEM;
}

/*
 * Hand @nm to the user as RECV_ZC does, and have the user give it back in
 * the refill entry at @tail. Not timed: that is RECV_ZC's and the
 * application's work, not the pool's.
 */
static void io_zb_to_user(struct io_zcrx_ifq *ifq, netmem_ref nm, u32 tail)
{
	struct net_iov *niov = netmem_to_net_iov(nm);
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);
	struct io_uring_zcrx_rqe *rqe;

	io_zcrx_get_niov_uref(niov);
	rqe = &ifq->rqes[tail & (ifq->rq_entries - 1)];
	rqe->off = ((u64)area->area_id << IORING_ZCRX_AREA_SHIFT) |
		   ((u64)net_iov_idx(niov) << ifq->buf_shift);
	rqe->len = io_zcrx_buf_len(ifq);
	rqe->__pad = 0;
}

/*
 * One batch: allocate it, the first allocation refilling the emptied
 * cache, then let the skbs go: the plain pool takes its buffers back into
 * its ptr_ring, the zcrx pool's stay with the user, who returns them in
 * the refill ring. Adds the pool's time to @ns, the first allocation's
 * to @consume.
 */
static int io_zb_batch(struct io_zb_pool *p, netmem_ref *nms, u64 *ns,
		       u64 *consume)
{
	struct io_zcrx_ifq *ifq = p->ifq;
	u64 start, first = 0;
	u32 tail = 0;
	int n, i;

	start = ktime_get_ns();
	for (n = 0; n < IO_ZB_BATCH; n++) {
		nms[n] = page_pool_alloc_netmems(p->pp, GFP_ATOMIC);
		if (!n)
			first = ktime_get_ns();
		if (!nms[n])
			break;
	}
	*consume += first - start;
	*ns += ktime_get_ns() - start;

	if (ifq) {
		tail = READ_ONCE(ifq->rq_hdr->tail);
		for (i = 0; i < n; i++)
			io_zb_to_user(ifq, nms[i], tail + i);
	}
	start = ktime_get_ns();
	for (i = 0; i < n; i++)
		page_pool_put_full_netmem(p->pp, nms[i], false);
	*ns += ktime_get_ns() - start;
	if (ifq) {
		/* published as the user does; io_zcrx_rqring_entries() pairs */
		smp_store_release(&ifq->rq_hdr->tail, tail + n);
	}
	return n == IO_ZB_BATCH ? 0 : -ENOMEM;
}

static int io_zb_return(struct io_zb_pool *p, u64 *ns, u64 *consume)
{
	netmem_ref nms[IO_ZB_BATCH];
	int i, ret = 0;

	*ns = 0;
	*consume = 0;
	for (i = 0; i < IO_ZB_BATCHES && !ret; i++) {
		local_bh_disable();
		ret = io_zb_batch(p, nms, ns, consume);
		local_bh_enable();
		cond_resched();
	}
	return ret;
}

static int io_zb_round(struct io_zb_pool *p, int round)
{
	u64 ns, consume;
	int ret;

	ret = io_zb_cache(p, &ns);
	if (ret)
		return ret;
	p->ns[IO_ZB_CACHE][round] = div_u64(ns, IO_ZB_CACHE_ITERS);
	ret = io_zb_return(p, &ns, &consume);
	if (ret)
		return ret;
	p->ns[IO_ZB_RETURN][round] = div_u64(ns, IO_ZB_BATCHES * IO_ZB_BATCH);
	p->ns[IO_ZB_CONSUME][round] = div_u64(consume,
					      IO_ZB_BATCHES * IO_ZB_BATCH);
	return 0;
}

static int io_zb_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 io_zb_median(u64 *v)
{
	sort(v, IO_ZB_ROUNDS, sizeof(*v), io_zb_cmp, NULL);
	return v[IO_ZB_ROUNDS / 2];
}

static int io_zb_run(struct io_zcrx_ifq *ifq, struct net_device *dev,
		     u32 queue)
{
	struct io_zb_pool *p;
	int i, r, ret = 0;

	p = kcalloc(2, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p[1].ifq = ifq;
	for (i = 0; i < 2; i++) {
		p[i].pp = io_zb_pool_create(ifq, dev, queue, i);
		if (IS_ERR(p[i].pp)) {
			ret = PTR_ERR(p[i].pp);
			p[i].pp = NULL;
			goto out;
		}
	}
	/* in turn, so drift hits both alike */
	for (r = 0; r < IO_ZB_ROUNDS && !ret; r++)
		for (i = 0; i < 2 && !ret; i++)
			ret = io_zb_round(&p[i], r);
	for (r = 0; r < IO_ZB_NR && !ret; r++)
		for (i = 0; i < 2; i++)
			io_zb_result[r][i] = io_zb_median(p[i].ns[r]);
out:
	/* the last batch waits in the refill ring: into the cache with it */
	if (p[1].pp) {
		local_bh_disable();
		io_zcrx_ring_refill(p[1].pp, ifq, ifq->rq_entries, false);
		local_bh_enable();
	}
	for (i = 0; i < 2; i++)
		if (p[i].pp)
			page_pool_destroy(p[i].pp);
	kfree(p);
	return ret;
}

/* The instance bound to @queue of @dev, with a reference; under RTNL */
static struct io_zcrx_ifq *io_zb_get_ifq(struct net_device *dev, u32 queue)
{
	struct netdev_rx_queue *rxq;
	struct io_zcrx_ifq *ifq;

	if (queue >= dev->real_num_rx_queues)
		return ERR_PTR(-EINVAL);
	rxq = __netif_get_rx_queue(dev, queue);
	if (rxq->mp_params.mp_ops != &io_uring_pp_zc_ops)
		return ERR_PTR(-ENOENT);
	ifq = rxq->mp_params.mp_priv;
	if (!ifq->dev || ifq->dmabuf)
		return ERR_PTR(-EOPNOTSUPP);
	if (io_zcrx_rqring_entries(ifq) ||
	    ifq->rq_entries < IO_ZB_BATCH)
		return ERR_PTR(-EBUSY);
	refcount_inc(&ifq->refs);
	return ifq;
}

static ssize_t io_zb_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct io_zcrx_ifq *ifq;
	struct net_device *dev;
	u32 ifindex, queue;
	char buf[32];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%u %u", &ifindex, &queue) != 2)
		return -EINVAL;

	mutex_lock(&io_zb_lock);
	rtnl_lock();
	dev = __dev_get_by_index(current->nsproxy->net_ns, ifindex);
	ifq = dev ? io_zb_get_ifq(dev, queue) : ERR_PTR(-ENODEV);
	if (IS_ERR(ifq)) {
		ret = PTR_ERR(ifq);
	} else {
		ret = io_zb_run(ifq, dev, queue);
		io_zcrx_ifq_put(ifq);
	}
	rtnl_unlock();
	mutex_unlock(&io_zb_lock);
	return ret ? ret : count;
}

static int io_zb_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&io_zb_lock);
	for (i = 0; i < IO_ZB_NR; i++)
		seq_printf(m, "%s %llu %llu\n", io_zb_names[i],
			   io_zb_result[i][0], io_zb_result[i][1]);
	mutex_unlock(&io_zb_lock);
	return 0;
}

static int io_zb_open(struct inode *inode, struct file *file)
{
	return single_open(file, io_zb_show, NULL);
}

static const struct file_operations io_zb_fops = {
	.owner		= THIS_MODULE,
	.open		= io_zb_open,
	.read		= seq_read,
	.write		= io_zb_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int __init io_zb_init(void)
{
	struct dentry *dir = debugfs_create_dir("io_uring", NULL);

	debugfs_create_file("zcrx_bench", 0600, dir, NULL, &io_zb_fops);
	return 0;
}
late_initcall(io_zb_init);
