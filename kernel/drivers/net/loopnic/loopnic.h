/* SPDX-License-Identifier: GPL-2.0 */
/* loopnic: a pair of software NICs joined by an emulated wire.
 *
 * Each end has real receive machinery: descriptor rings of posted buffers
 * taken from page pools, a completion queue, one NAPI per queue, flow
 * steering and RSS. Transmit on one end plays the part of the peer's DMA
 * engine and writes frames into the peer's posted buffers through their
 * DMA addresses.
 */
#ifndef _LOOPNIC_H
#define _LOOPNIC_H

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/ethtool.h>
#include <linux/irq_work.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/netmem.h>

#define DRV_NAME			"loopnic"

#define LOOPNIC_DEFAULT_CHANNELS	2
#define LOOPNIC_MAX_CHANNELS		16

/* Rx ring sizes are powers of two so free-running indexes can be masked */
#define LOOPNIC_RING_MIN		64
#define LOOPNIC_RING_MAX		4096
#define LOOPNIC_RING_DEFAULT		512

/* Payload buffers are single pages: jumbo frames span several of them,
 * which is also what a net_iov backed pool will hand out later. A memory
 * provider may ask for larger ones (NETDEV_QUEUE_CAP_RX_BUF_LEN), up to
 * the largest a page pool takes; the device then packs frames into them
 * back to back, as NICs with multi-packet buffers do.
 */
#define LOOPNIC_RX_BUF_LEN		PAGE_SIZE
#define LOOPNIC_RX_BUF_LEN_MAX		(PAGE_SIZE << MAX_PAGE_ORDER)
/* Header buffers are page pool fragments; eth + IPv6 + TCP with the
 * longest option space is 114 bytes, so 256 always fits the headers the
 * device knows how to split.
 */
#define LOOPNIC_HDR_BUF_LEN		256
/* Without header split, at most this much is copied into the skb head */
#define LOOPNIC_RX_COPY_LEN		256
/* A starved ring (no room for a full frame) retries its refill this often */
#define LOOPNIC_REFILL_RETRY_MS		10

#define LOOPNIC_MIN_MTU			ETH_MIN_MTU
#define LOOPNIC_MAX_MTU			9000

#define LOOPNIC_RSS_INDIR_SIZE		128
#define LOOPNIC_RSS_KEY_SIZE		40
#define LOOPNIC_MAX_RULES		64

struct loopnic_pair;
struct loopnic_priv;

/* Flow fields the emulated device parses out of every frame it receives */
struct loopnic_flow {
	u8 l3;				/* 0 (not IP), 4 or 6 */
	u8 l4proto;			/* IPPROTO_TCP, IPPROTO_UDP or 0 */
	u16 hdr_len;			/* eth + IP + TCP/UDP header */
	__be32 saddr[4];		/* IPv4 uses word 0 only */
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
};

/* Receive side classification state, replaced as a whole under RTNL and
 * read under RCU by the peer's transmit path.
 */
struct loopnic_steer {
	struct rcu_head rcu;
	u32 indir[LOOPNIC_RSS_INDIR_SIZE];
	u8 key[LOOPNIC_RSS_KEY_SIZE];
	u32 nrules;
	DECLARE_BITMAP(rule_used, LOOPNIC_MAX_RULES);
	struct ethtool_rx_flow_spec rules[LOOPNIC_MAX_RULES];
};

/* A posted buffer: what the driver told the device about */
struct loopnic_buf {
	netmem_ref netmem;
	dma_addr_t dma;			/* DMA address of the first byte */
	u32 offset;			/* offset of the buffer in @netmem */
};

/* A completion written by the device for each received frame */
struct loopnic_cqe {
	u32 len;			/* bytes in payload buffers */
	u16 hdr_len;			/* bytes in header buffer, 0: none */
	u16 nbufs;			/* payload buffers used */
	u32 hash;
	u32 flags;			/* LOOPNIC_CQE_HASH_* */
	u32 buf_off;			/* where the payload starts in buffer 0 */
	bool keep_last;			/* the last buffer takes more frames */
};

#define LOOPNIC_CQE_HASH_L4		BIT(0)
#define LOOPNIC_CQE_HASH_L3		BIT(1)

/* Rx queue memory: what ndo_queue_mem_alloc builds and a restart swaps.
 *
 * bufq/hdrq slots are posted by NAPI at *_tail and taken by the device at
 * *_next; NAPI reclaims them at *_clean when it handles the completion.
 * Indexes run freely and are masked on use. Fields are grouped by writer.
 */
struct loopnic_ring {
	unsigned int qid;
	u32 size;			/* slots in bufq and hdrq */
	u32 mask;
	u32 cq_size;
	u32 cq_mask;
	bool hds;			/* header buffers are posted */
	bool unreadable;		/* payload buffers may be net_iovs */
	bool napi_linked;		/* pools may recycle into the NAPI */
	bool pack;			/* frames share payload buffers */
	u32 buf_len;			/* payload buffer size */
	struct page_pool *pp;		/* payload buffers */
	struct page_pool *hdr_pp;	/* header buffers, posted with hds */
	struct loopnic_buf *bufs;
	struct loopnic_buf *hdrs;	/* NULL without hds */
	struct loopnic_cqe *cqes;

	/* written by NAPI, read by the device */
	u32 buf_tail ____cacheline_aligned_in_smp;
	u32 hdr_tail;
	u32 cq_head;
	/* NAPI only */
	u32 buf_clean;
	u32 hdr_clean;

	/* written by the device under loopnic_rxq::lock, read by NAPI */
	u32 cq_tail ____cacheline_aligned_in_smp;
	/* device only */
	u32 buf_next;
	u32 hdr_next;
	u32 buf_fill;			/* bytes used in bufs[buf_next] */
};

/* Counters kept by NAPI */
struct loopnic_rxq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t hds_packets;
	u64_stats_t alloc_fail;
};

/* Counters kept by the emulated device, under loopnic_rxq::lock */
struct loopnic_rxq_dev_stats {
	struct u64_stats_sync syncp;
	u64_stats_t drops_no_desc;
	u64_stats_t drops_length;
	u64_stats_t drops_down;
	u64_stats_t irqs;
};

struct loopnic_txq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
};

/* Plain snapshot of all counters of one queue pair, or of a device */
struct loopnic_counters {
	u64 rx_packets;
	u64 rx_bytes;
	u64 rx_hds_packets;
	u64 rx_alloc_fail;
	u64 rx_drops_no_desc;
	u64 rx_drops_length;
	u64 rx_drops_down;
	u64 rx_irqs;
	u64 tx_packets;
	u64 tx_bytes;
	u64 tx_drops;
};

/* Per queue index state that outlives the queue memory */
struct loopnic_rxq {
	struct loopnic_priv *priv;
	unsigned int qid;
	struct napi_struct napi;
	/* Producer side lock: serialises the emulated device (any CPU that
	 * transmits on the peer) against itself and against the queue being
	 * stopped. NAPI never takes it.
	 */
	spinlock_t lock;
	struct loopnic_ring *ring;	/* under @lock; NULL: stopped */
	/* The queue's interrupt is enabled. The device clears it when it
	 * raises the interrupt (schedules NAPI); NAPI sets it again only
	 * when napi_complete_done() says so, which is how interrupt
	 * moderation (napi_defer_hard_irqs, gro_flush_timeout) takes effect.
	 */
	int irq_armed;
	/* Where the interrupt is delivered, as a NIC's MSI-X vector has an
	 * affinity: NAPI runs there, whichever CPU plays the device.
	 */
	int irq_cpu;
	struct irq_work irq_work;
	/* Refills that left the ring unable to take a full frame retry from
	 * here: no frame may come to raise the interrupt (the peer backs off,
	 * or buffers come back only when their user returns them).
	 */
	struct timer_list refill_timer;
	bool napi_added;		/* RTNL */
	bool napi_enabled;		/* RTNL */
	struct loopnic_rxq_stats stats;
	struct loopnic_rxq_dev_stats dev_stats;
};

/* Configuration applied when rings are built; RTNL protected */
struct loopnic_cfg {
	u32 ring_size;
	bool hds;
};

struct loopnic_port {
	struct loopnic_pair *pair;
	unsigned int idx;
	struct net_device *netdev;	/* RTNL; NULL once unregistered */
	struct dentry *ddir;
};

/* One per pair: the parent device both netdevs map their DMA through */
struct loopnic_pair {
	struct device dev;
	struct list_head list;		/* loopnic_pairs, under its lock */
	u32 id;
	bool dying;			/* under the loopnic_pairs lock */
	atomic_t live;			/* registered netdevs */
	struct work_struct destroy_work;
	struct completion destroyed;
	struct loopnic_port port[2];
	struct dentry *ddir;
};

struct loopnic_priv {
	struct net_device *netdev;
	struct loopnic_pair *pair;
	struct loopnic_port *port;
	struct loopnic_priv __rcu *peer;
	struct loopnic_steer __rcu *steer;
	struct loopnic_cfg cfg;
	bool registered;		/* counted in loopnic_pair::live */
	atomic64_t rx_drops_filter;	/* ntuple discard, no queue */
	struct loopnic_rxq rxq[LOOPNIC_MAX_CHANNELS];
	struct loopnic_txq_stats txq_stats[LOOPNIC_MAX_CHANNELS];
};

static inline struct device *loopnic_dma_dev(struct loopnic_priv *priv)
{
	return &priv->pair->dev;
}

/* bus.c */
extern const struct bus_type loopnic_bus;
int loopnic_pair_new(u32 id, const char *name_a, const char *name_b);
int loopnic_pair_del(u32 id);

/* netdev.c */
extern struct rtnl_link_ops loopnic_link_ops;
struct net_device *loopnic_netdev_alloc(struct loopnic_pair *pair,
					unsigned int idx, const char *name,
					struct net *net);
void loopnic_dellink(struct net_device *dev, struct list_head *head);
void loopnic_rxq_counters(struct loopnic_rxq *rxq, struct loopnic_counters *c);
void loopnic_txq_counters(struct loopnic_txq_stats *s,
			  struct loopnic_counters *c);

/* datapath.c */
netdev_tx_t loopnic_start_xmit(struct sk_buff *skb, struct net_device *dev);
int loopnic_poll(struct napi_struct *napi, int budget);
void loopnic_rxq_irq_init(struct loopnic_rxq *rxq);
void loopnic_rxq_irq_sync(struct loopnic_rxq *rxq);

/* queues.c */
extern const struct netdev_queue_mgmt_ops loopnic_queue_mgmt_ops;
extern const struct netdev_queue_mgmt_ops loopnic_queue_mgmt_ops_fixed_buf;
int loopnic_queues_up(struct loopnic_priv *priv);
void loopnic_queues_down(struct loopnic_priv *priv);
int loopnic_reconfigure(struct loopnic_priv *priv, unsigned int channels,
			const struct loopnic_cfg *cfg);
unsigned int loopnic_ring_refill(struct loopnic_ring *ring, gfp_t gfp);

/* ethtool.c */
extern const struct ethtool_ops loopnic_ethtool_ops;
int loopnic_steer_init(struct loopnic_priv *priv);
void loopnic_steer_free(struct loopnic_priv *priv);
int loopnic_steer_reset_indir(struct loopnic_priv *priv);
int loopnic_steer_clear_rules(struct loopnic_priv *priv);

/* debugfs.c */
void loopnic_debugfs_init(void);
void loopnic_debugfs_exit(void);
void loopnic_debugfs_pair_init(struct loopnic_pair *pair);
void loopnic_debugfs_pair_exit(struct loopnic_pair *pair);

#endif /* _LOOPNIC_H */
