/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NIC as zero-copy receive sees it: one interface, read and changed
 * through the interfaces the kernel has for each setting.
 *
 *   ethtool netlink (libmnl)  channels, tcp-data-split
 *   netdev netlink (libmnl)   a queue and the memory provider bound to it
 *   SIOCETHTOOL ioctl         driver, ntuple flag, RSS indirection table,
 *                             ntuple rules (6.12's ethtool netlink has no
 *                             messages for the last three)
 *
 * Every function returns 0 or -errno. A netlink failure also leaves the
 * step that failed in nic->where ("ethtool rings-get", ...) and the
 * kernel's extack message, if it sent one, in nic->extack.
 */
#ifndef TOOLS_NIC_H
#define TOOLS_NIC_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>

struct mnl_socket;

enum nic_family { NIC_ETHTOOL, NIC_NETDEV, NIC_FAMILIES };

struct nic {
	char name[IFNAMSIZ];
	unsigned int ifindex;		/* 0: no such interface */
	int fd;				/* for SIOCETHTOOL and SIOCGIFFLAGS */
	struct mnl_socket *nl;		/* generic netlink, opened on first use */
	unsigned int portid, seq;
	uint16_t family[NIC_FAMILIES];	/* genetlink ids, 0 until resolved */
	const char *where;		/* the netlink step that failed last */
	char extack[128];		/* and what the kernel said, or "" */
};

/* IFNAME may be NULL: only the ioctl socket. */
int nic_open(struct nic *n, const char *ifname);
void nic_close(struct nic *n);

/* SIOCETHTOOL with CMD (a struct ethtool_* whose first field is cmd). */
int nic_ioctl(struct nic *n, void *cmd);
int nic_if_flags(struct nic *n, unsigned int *flags);
int nic_drvinfo(struct nic *n, struct ethtool_drvinfo *di);

struct nic_channels {
	uint32_t rx, combined, max_rx, max_combined;
};

int nic_channels_get(struct nic *n, struct nic_channels *ch);
int nic_channels_set(struct nic *n, uint32_t rx, uint32_t combined);
/* Rx queues as sysfs lists them, or -1. */
int nic_sysfs_rx_queues(struct nic *n);
/* Rx queues: channels, else sysfs. *max is 0 when unknown. */
int nic_rx_queues(struct nic *n, unsigned int *nrx, unsigned int *max);

/* ETHTOOL_TCP_DATA_SPLIT_*, or -1 when the driver leaves it out. */
int nic_data_split_get(struct nic *n, int *value);
int nic_data_split_set(struct nic *n, uint8_t value);

struct nic_queue {
	uint32_t napi_id;		/* 0: none reported */
	bool io_uring;			/* a zcrx instance is bound */
	bool dmabuf;			/* a devmem binding is */
};

/* netdev queue-get of rx queue Q; -EINVAL when there is no such queue. */
int nic_queue_get(struct nic *n, unsigned int q, struct nic_queue *nq);

int nic_ntuple_get(struct nic *n, bool *on);
int nic_ntuple_set(struct nic *n, bool on);

/*
 * The RSS indirection table, *table malloc'ed; nic_rss_set with size 0
 * restores the driver's default table.
 */
int nic_rss_get(struct nic *n, uint32_t **table, uint32_t *size);
int nic_rss_set(struct nic *n, const uint32_t *table, uint32_t size);
/* Whether TABLE is the default spread over NRX queues (i % NRX). */
bool nic_rss_is_default(const uint32_t *table, uint32_t size,
			unsigned int nrx);

/* The ntuple rules in location order, *rules malloc'ed. */
int nic_rules_get(struct nic *n, struct ethtool_rx_flow_spec **rules,
		  uint32_t *count);
/* Whether rule FS matches TCP of FLOW (TCP_V4_FLOW, TCP_V6_FLOW) to PORT. */
bool nic_rule_matches(const struct ethtool_rx_flow_spec *fs, uint32_t flow,
		      uint16_t port);
/*
 * The last free rule location below BELOW: lower locations match first,
 * so a rule there goes ahead of the rules at BELOW and above. With BELOW
 * RX_CLS_LOC_ANY, the driver's choice if it makes one, else the last free.
 */
int nic_rule_free_loc(struct nic *n, uint32_t below, uint32_t *loc);
/*
 * A rule steering TCP of FLOW to PORT to QUEUE at *loc (RX_CLS_LOC_ANY:
 * nic_rule_free_loc's); *loc is where it went.
 */
int nic_rule_add(struct nic *n, uint32_t flow, uint16_t port, uint32_t queue,
		 uint32_t *loc);
int nic_rule_get(struct nic *n, uint32_t loc, struct ethtool_rx_flow_spec *fs);
int nic_rule_del(struct nic *n, uint32_t loc);

#endif /* TOOLS_NIC_H */
