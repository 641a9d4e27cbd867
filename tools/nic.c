// SPDX-License-Identifier: GPL-2.0
/*
 * The NIC library: see nic.h. Generic netlink goes through libmnl; the
 * settings 6.12's ethtool netlink lacks (ntuple rules, the RSS table, the
 * ntuple flag) and the driver info go through SIOCETHTOOL.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netdev.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#include "nic.h"

int nic_open(struct nic *n, const char *ifname)
{
	memset(n, 0, sizeof(*n));
	n->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		return -errno;
	if (ifname) {
		snprintf(n->name, sizeof(n->name), "%s", ifname);
		n->ifindex = if_nametoindex(ifname);
	}
	return 0;
}

void nic_close(struct nic *n)
{
	if (n->nl)
		mnl_socket_close(n->nl);
	if (n->fd >= 0)
		close(n->fd);
	n->nl = NULL;
	n->fd = -1;
}

/* ------------------------------------------------------------------ */
/* ioctl                                                               */

static void nic_ifreq(const struct nic *n, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", n->name);
}

int nic_ioctl(struct nic *n, void *cmd)
{
	struct ifreq ifr;

	nic_ifreq(n, &ifr);
	ifr.ifr_data = cmd;
	return ioctl(n->fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

int nic_if_flags(struct nic *n, unsigned int *flags)
{
	struct ifreq ifr;

	nic_ifreq(n, &ifr);
	if (ioctl(n->fd, SIOCGIFFLAGS, &ifr))
		return -errno;
	*flags = (unsigned short)ifr.ifr_flags;
	return 0;
}

int nic_drvinfo(struct nic *n, struct ethtool_drvinfo *di)
{
	memset(di, 0, sizeof(*di));
	di->cmd = ETHTOOL_GDRVINFO;
	return nic_ioctl(n, di);
}

int nic_ntuple_get(struct nic *n, bool *on)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };
	int err = nic_ioctl(n, &v);

	*on = !err && (v.data & ETH_FLAG_NTUPLE);
	return err;
}

int nic_ntuple_set(struct nic *n, bool on)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };
	int err = nic_ioctl(n, &v);

	if (err)
		return err;
	v.cmd = ETHTOOL_SFLAGS;
	v.data = on ? v.data | ETH_FLAG_NTUPLE : v.data & ~ETH_FLAG_NTUPLE;
	return nic_ioctl(n, &v);
}

int nic_rss_get(struct nic *n, uint32_t **table, uint32_t *size)
{
	struct ethtool_rxfh_indir hdr = { .cmd = ETHTOOL_GRXFHINDIR };
	struct ethtool_rxfh_indir *t;
	int err;

	*table = NULL;
	*size = 0;
	err = nic_ioctl(n, &hdr);
	if (err)
		return err;
	if (!hdr.size)
		return -ENODATA;
	t = calloc(1, sizeof(*t) + hdr.size * sizeof(t->ring_index[0]));
	if (!t)
		return -ENOMEM;
	t->cmd = ETHTOOL_GRXFHINDIR;
	t->size = hdr.size;
	err = nic_ioctl(n, t);
	if (!err) {
		*table = malloc(t->size * sizeof(**table));
		if (*table) {
			memcpy(*table, t->ring_index, t->size * sizeof(**table));
			*size = t->size;
		} else {
			err = -ENOMEM;
		}
	}
	free(t);
	return err;
}

int nic_rss_set(struct nic *n, const uint32_t *table, uint32_t size)
{
	struct ethtool_rxfh_indir *t;
	int err;

	t = calloc(1, sizeof(*t) + size * sizeof(t->ring_index[0]));
	if (!t)
		return -ENOMEM;
	t->cmd = ETHTOOL_SRXFHINDIR;
	t->size = size;
	if (size)
		memcpy(t->ring_index, table, size * sizeof(*table));
	err = nic_ioctl(n, t);
	free(t);
	return err;
}

bool nic_rss_is_default(const uint32_t *table, uint32_t size,
			unsigned int nrx)
{
	uint32_t i;

	for (i = 0; nrx && i < size; i++)
		if (table[i] != i % nrx)
			return false;
	return nrx;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The locations of the rules, sorted; *table_size from GRXCLSRLCNT. */
static int nic_rule_locs(struct nic *n, uint32_t **locs, uint32_t *count,
			 uint32_t *table_size)
{
	struct ethtool_rxnfc cnt = { .cmd = ETHTOOL_GRXCLSRLCNT };
	struct ethtool_rxnfc *all;
	int err;

	*locs = NULL;
	*count = 0;
	err = nic_ioctl(n, &cnt);
	if (err)
		return err;
	if (table_size)
		*table_size = (uint32_t)cnt.data;
	if (!cnt.rule_cnt)
		return 0;
	all = calloc(1, sizeof(*all) + cnt.rule_cnt * sizeof(all->rule_locs[0]));
	if (!all)
		return -ENOMEM;
	all->cmd = ETHTOOL_GRXCLSRLALL;
	all->rule_cnt = cnt.rule_cnt;
	err = nic_ioctl(n, all);
	if (!err) {
		*count = all->rule_cnt < cnt.rule_cnt ? all->rule_cnt : cnt.rule_cnt;
		*locs = malloc(*count * sizeof(**locs));
		if (!*locs)
			err = -ENOMEM;
		else
			memcpy(*locs, all->rule_locs, *count * sizeof(**locs));
	}
	free(all);
	if (!err)
		qsort(*locs, *count, sizeof(**locs), cmp_u32);
	return err;
}

int nic_rule_get(struct nic *n, uint32_t loc, struct ethtool_rx_flow_spec *fs)
{
	struct ethtool_rxnfc r = { .cmd = ETHTOOL_GRXCLSRULE };
	int err;

	r.fs.location = loc;
	err = nic_ioctl(n, &r);
	if (!err)
		*fs = r.fs;
	return err;
}

int nic_rules_get(struct nic *n, struct ethtool_rx_flow_spec **rules,
		  uint32_t *count)
{
	uint32_t *locs, nlocs, i;
	int err;

	*rules = NULL;
	*count = 0;
	err = nic_rule_locs(n, &locs, &nlocs, NULL);
	if (err || !nlocs)
		return err;
	*rules = calloc(nlocs, sizeof(**rules));
	if (!*rules) {
		free(locs);
		return -ENOMEM;
	}
	/* A rule that went away in between is skipped. */
	for (i = 0; i < nlocs; i++)
		if (!nic_rule_get(n, locs[i], &(*rules)[*count]))
			(*count)++;
	free(locs);
	return 0;
}

bool nic_rule_matches(const struct ethtool_rx_flow_spec *fs, uint32_t flow,
		      uint16_t port)
{
	uint32_t type = fs->flow_type & ~(FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS);
	uint16_t val, mask;

	if (type != flow)
		return false;
	if (flow == TCP_V4_FLOW) {
		val = fs->h_u.tcp_ip4_spec.pdst;
		mask = fs->m_u.tcp_ip4_spec.pdst;
	} else {
		val = fs->h_u.tcp_ip6_spec.pdst;
		mask = fs->m_u.tcp_ip6_spec.pdst;
	}
	/* m_u has the bits that must match; a zero mask matches any port. */
	return !((val ^ htons(port)) & mask);
}

static bool loc_used(const uint32_t *locs, uint32_t count, uint32_t loc)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		if (locs[i] == loc)
			return true;
	return false;
}

int nic_rule_free_loc(struct nic *n, uint32_t below, uint32_t *loc)
{
	uint32_t *locs, count, size, i;
	int err;

	err = nic_rule_locs(n, &locs, &count, &size);
	if (err)
		return err;
	if ((size & RX_CLS_LOC_SPECIAL) && below == RX_CLS_LOC_ANY) {
		*loc = RX_CLS_LOC_ANY;
		goto out;
	}
	size &= ~RX_CLS_LOC_SPECIAL;
	if (below > size)
		below = size;
	err = -ENOSPC;
	for (i = below; i-- > 0;) {
		if (!loc_used(locs, count, i)) {
			*loc = i;
			err = 0;
			break;
		}
	}
out:
	free(locs);
	return err;
}

int nic_rule_add(struct nic *n, uint32_t flow, uint16_t port, uint32_t queue,
		 uint32_t *loc)
{
	struct ethtool_rxnfc r = { .cmd = ETHTOOL_SRXCLSRLINS };
	int err = 0;

	r.fs.flow_type = flow;
	if (flow == TCP_V4_FLOW) {
		r.fs.h_u.tcp_ip4_spec.pdst = htons(port);
		r.fs.m_u.tcp_ip4_spec.pdst = 0xffff;
	} else {
		r.fs.h_u.tcp_ip6_spec.pdst = htons(port);
		r.fs.m_u.tcp_ip6_spec.pdst = 0xffff;
	}
	r.fs.ring_cookie = queue;
	if (*loc == RX_CLS_LOC_ANY)
		err = nic_rule_free_loc(n, RX_CLS_LOC_ANY, loc);
	r.fs.location = *loc;
	if (!err)
		err = nic_ioctl(n, &r);
	if (!err)
		*loc = r.fs.location;
	return err;
}

int nic_rule_del(struct nic *n, uint32_t loc)
{
	struct ethtool_rxnfc r = { .cmd = ETHTOOL_SRXCLSRLDEL };

	r.fs.location = loc;
	return nic_ioctl(n, &r);
}

/* ------------------------------------------------------------------ */
/* generic netlink                                                     */

/* Integer attributes of a reply by type; a nest is only present. */
#define NL_MAX_ATTR	32

struct nl_vals {
	bool has[NL_MAX_ATTR];
	uint32_t v[NL_MAX_ATTR];
};

static int nl_val_cb(const struct nlattr *a, void *data)
{
	struct nl_vals *r = data;
	uint16_t type = mnl_attr_get_type(a);
	uint16_t len = mnl_attr_get_payload_len(a);

	if (type >= NL_MAX_ATTR)
		return MNL_CB_OK;
	r->has[type] = true;
	if (a->nla_type & NLA_F_NESTED)
		r->v[type] = 0;
	else if (len == 1)
		r->v[type] = mnl_attr_get_u8(a);
	else if (len == 2)
		r->v[type] = mnl_attr_get_u16(a);
	else if (len >= 4)
		r->v[type] = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

/* What the callbacks of one call write to. */
struct nl_ctx {
	struct nic *n;
	struct nl_vals *vals;
};

static int nl_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;

	if (!ctx->vals)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_val_cb,
			      ctx->vals);
}

static int nl_extack_cb(const struct nlattr *a, void *data)
{
	struct nic *n = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		snprintf(n->extack, sizeof(n->extack), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The kernel's answer: errno, and the extack message it came with. */
static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse_payload((const char *)e + off,
				       nlh->nlmsg_len - mnl_nlmsg_size(off),
				       nl_extack_cb, ctx->n);
	if (!e->error)
		return MNL_CB_STOP;
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int nl_open(struct nic *n)
{
	int one = 1;

	if (n->nl)
		return 0;
	n->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!n->nl)
		return -errno;
	/* Errors with the kernel's message, without our request echoed. */
	mnl_socket_setsockopt(n->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(n->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(n->nl);
		n->nl = NULL;
		return err;
	}
	n->portid = mnl_socket_get_portid(n->nl);
	return 0;
}

static struct nlmsghdr *nl_msg(struct nic *n, char *buf, uint16_t type,
			       uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/*
 * Send NLH and take the reply's integer attributes into VALS (NULL for
 * none) until the kernel's ack. On failure, WHERE goes to n->where.
 */
static int nl_call(struct nic *n, struct nlmsghdr *nlh, struct nl_vals *vals,
		   const char *where)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = nl_error_cb,
	};
	struct nl_ctx ctx = { .n = n, .vals = vals };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t len;
	int ret;

	n->extack[0] = '\0';
	if (vals)
		memset(vals, 0, sizeof(*vals));
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	do {
		len = mnl_socket_recvfrom(n->nl, buf, sizeof(buf));
		if (len < 0)
			goto fail;
		ret = mnl_cb_run2(buf, (size_t)len, nlh->nlmsg_seq, n->portid,
				  nl_reply_cb, &ctx, ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	if (ret == MNL_CB_STOP)
		return 0;
fail:
	n->where = where;
	return -errno;
}

static const char *const nic_family_name[NIC_FAMILIES] = {
	[NIC_ETHTOOL] = ETHTOOL_GENL_NAME,
	[NIC_NETDEV] = NETDEV_FAMILY_NAME,
};

static const char *const nic_family_where[NIC_FAMILIES] = {
	[NIC_ETHTOOL] = "ethtool netlink family",
	[NIC_NETDEV] = "netdev netlink family",
};

/* The socket and the family's id, resolved once. */
static int nl_family(struct nic *n, enum nic_family f)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl_vals vals;
	int err;

	err = nl_open(n);
	if (err) {
		n->where = "netlink socket";
		return err;
	}
	if (n->family[f])
		return 0;
	nlh = nl_msg(n, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, nic_family_name[f]);
	err = nl_call(n, nlh, &vals, nic_family_where[f]);
	if (err)
		return err;
	if (!vals.has[CTRL_ATTR_FAMILY_ID]) {
		n->where = nic_family_where[f];
		return -ENOENT;
	}
	n->family[f] = (uint16_t)vals.v[CTRL_ATTR_FAMILY_ID];
	return 0;
}

/*
 * An ethtool request for our device: message and header nest. NULL with
 * *err set when the ethtool family cannot be had.
 */
static struct nlmsghdr *ethnl_msg(struct nic *n, char *buf, uint8_t cmd,
				  uint16_t header, int *err)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	*err = nl_family(n, NIC_ETHTOOL);
	if (*err)
		return NULL;
	nlh = nl_msg(n, buf, n->family[NIC_ETHTOOL], cmd, ETHTOOL_GENL_VERSION);
	nest = mnl_attr_nest_start(nlh, header);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, n->ifindex);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

int nic_channels_get(struct nic *n, struct nic_channels *ch)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl_vals r;
	int err;

	nlh = ethnl_msg(n, buf, ETHTOOL_MSG_CHANNELS_GET,
			ETHTOOL_A_CHANNELS_HEADER, &err);
	if (!nlh)
		return err;
	err = nl_call(n, nlh, &r, "ethtool channels-get");
	if (err)
		return err;
	ch->rx = r.v[ETHTOOL_A_CHANNELS_RX_COUNT];
	ch->combined = r.v[ETHTOOL_A_CHANNELS_COMBINED_COUNT];
	ch->max_rx = r.v[ETHTOOL_A_CHANNELS_RX_MAX];
	ch->max_combined = r.v[ETHTOOL_A_CHANNELS_COMBINED_MAX];
	return 0;
}

int nic_channels_set(struct nic *n, uint32_t rx, uint32_t combined)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = ethnl_msg(n, buf, ETHTOOL_MSG_CHANNELS_SET,
			ETHTOOL_A_CHANNELS_HEADER, &err);
	if (!nlh)
		return err;
	mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_RX_COUNT, rx);
	mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_COMBINED_COUNT, combined);
	return nl_call(n, nlh, NULL, "ethtool channels-set");
}

int nic_sysfs_rx_queues(struct nic *nic)
{
	char path[64 + IFNAMSIZ];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", nic->name);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "rx-", 3))
			n++;
	closedir(dir);
	return n;
}

int nic_rx_queues(struct nic *n, unsigned int *nrx, unsigned int *max)
{
	struct nic_channels ch;
	int err, count;

	err = nic_channels_get(n, &ch);
	if (!err) {
		*nrx = ch.combined + ch.rx;
		*max = ch.max_combined + ch.max_rx;
		return 0;
	}
	*max = 0;
	count = nic_sysfs_rx_queues(n);
	*nrx = count > 0 ? (unsigned int)count : 0;
	return err;
}

int nic_data_split_get(struct nic *n, int *value)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl_vals r;
	int err;

	nlh = ethnl_msg(n, buf, ETHTOOL_MSG_RINGS_GET,
			ETHTOOL_A_RINGS_HEADER, &err);
	if (!nlh)
		return err;
	err = nl_call(n, nlh, &r, "ethtool rings-get");
	if (err)
		return err;
	*value = r.has[ETHTOOL_A_RINGS_TCP_DATA_SPLIT] ?
		 (int)r.v[ETHTOOL_A_RINGS_TCP_DATA_SPLIT] : -1;
	return 0;
}

int nic_data_split_set(struct nic *n, uint8_t value)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = ethnl_msg(n, buf, ETHTOOL_MSG_RINGS_SET,
			ETHTOOL_A_RINGS_HEADER, &err);
	if (!nlh)
		return err;
	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, value);
	return nl_call(n, nlh, NULL, "ethtool rings-set");
}

int nic_queue_get(struct nic *n, unsigned int q, struct nic_queue *nq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl_vals r;
	int err;

	err = nl_family(n, NIC_NETDEV);
	if (err)
		return err;
	nlh = nl_msg(n, buf, n->family[NIC_NETDEV], NETDEV_CMD_QUEUE_GET,
		     NETDEV_FAMILY_VERSION);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, n->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, q);
	err = nl_call(n, nlh, &r, "netdev queue-get");
	if (err)
		return err;
	nq->napi_id = r.v[NETDEV_A_QUEUE_NAPI_ID];
	nq->dmabuf = r.has[NETDEV_A_QUEUE_DMABUF];
	nq->io_uring = r.has[NETDEV_A_QUEUE_IO_URING];
	return 0;
}
