// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of a NIC queue for zero-copy receive: see nic-check.h. Each
 * prints its verdict with check.h and, on a problem, the command that
 * fixes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "nic-check.h"

const struct nic_flow nic_flows[2] = {
	{ AF_INET, TCP_V4_FLOW, "tcp4" },
	{ AF_INET6, TCP_V6_FLOW, "tcp6" },
};

bool nic_want_flow(const struct nic_want *w, unsigned int i)
{
	if (nic_flows[i].family == AF_INET)
		return w->family != AF_INET6;
	return w->family == AF_INET6 || w->family == AF_UNSPEC;
}

bool nic_check_interface(struct nic *n)
{
	struct ethtool_drvinfo di;
	unsigned int flags;
	int err;

	if (!n->ifindex) {
		check_fail("no interface %s in this network namespace", n->name);
		check_more("see: ip -br link");
		return false;
	}
	if (!nic_drvinfo(n, &di))
		check_ok("%s: index %u, driver %s%s%s", n->name, n->ifindex,
			 di.driver, di.bus_info[0] ? ", bus " : "", di.bus_info);
	else
		check_ok("%s: index %u", n->name, n->ifindex);

	err = nic_if_flags(n, &flags);
	if (err) {
		check_warn("cannot read the flags of %s: %s", n->name,
			   strerror(-err));
	} else if (!(flags & IFF_UP)) {
		check_fail("%s is down: its queues are not running", n->name);
		check_more("fix: ip link set %s up", n->name);
	} else if (!(flags & IFF_RUNNING)) {
		check_warn("%s is up but has no carrier: nothing will arrive yet",
			   n->name);
	}
	return true;
}

/* Queue Q is missing: say how many there are and how to get more. */
static void queue_missing(struct nic *n, const struct nic_want *w,
			  unsigned int nrx, const struct nic_channels *ch,
			  int err)
{
	unsigned int q = w->queue, max = ch->max_combined + ch->max_rx;
	const char *ifn = n->name;

	if (nrx == 1)
		check_fail("queue %u does not exist: %s has one rx queue, queue 0",
			   q, ifn);
	else
		check_fail("queue %u does not exist: %s has %u rx queues, 0 to %u",
			   q, ifn, nrx, nrx - 1);
	if (err)
		check_more("%s does not report channels (%s), so its queue count cannot be changed with ethtool -L",
			   ifn, strerror(-err));
	else if (q < ch->max_combined)
		check_more("fix: ethtool -L %s combined %u", ifn, q + 1);
	else if (q < ch->max_rx)
		check_more("fix: ethtool -L %s rx %u", ifn, q + 1);
	else
		check_more("%s can have at most %u rx queue%s: pick a %s below %u",
			   ifn, max, max == 1 ? "" : "s", w->queue_opt, max);
}

unsigned int nic_check_queue(struct nic *n, const struct nic_want *w)
{
	struct nic_channels ch = { 0 };
	unsigned int nrx;
	int err, count;

	err = nic_channels_get(n, &ch);
	if (!err) {
		nrx = ch.combined + ch.rx;
	} else {
		count = nic_sysfs_rx_queues(n);
		if (count <= 0) {
			check_warn("cannot count the rx queues of %s: %s",
				   n->name, strerror(-err));
			return 0;
		}
		nrx = (unsigned int)count;
	}
	if (w->queue < nrx) {
		check_ok("queue %u exists (%s has %u rx queue%s)", w->queue,
			 n->name, nrx, nrx == 1 ? "" : "s");
		return nrx;
	}
	queue_missing(n, w, nrx, &ch, err);
	return nrx;
}

static void no_data_split(const char *ifn, const char *why)
{
	check_fail("%s does not support tcp-data-split (it reports %s): its driver cannot split headers from payload",
		   ifn, why);
	check_more("zero-copy receive needs a NIC (or loopnic) whose driver does header/data split");
}

void nic_check_data_split(struct nic *n)
{
	const char *ifn = n->name;
	int value = -1, err;

	err = nic_data_split_get(n, &value);
	if (err == -EOPNOTSUPP) {
		check_fail("%s cannot report ring parameters, so it has no tcp-data-split: it cannot put headers and payload in separate buffers",
			   ifn);
		check_more("zero-copy receive needs a NIC (or loopnic) whose driver does header/data split");
		return;
	}
	if (err) {
		check_warn("cannot read tcp-data-split of %s (%s: %s); registration will tell",
			   ifn, n->where, strerror(-err));
		return;
	}
	switch (value) {
	case ETHTOOL_TCP_DATA_SPLIT_ENABLED:
		check_ok("tcp-data-split is on");
		return;
	case ETHTOOL_TCP_DATA_SPLIT_DISABLED:
		check_fail("tcp-data-split is off on %s: payload must land in buffers of its own, apart from the headers",
			   ifn);
		check_more("fix: ethtool -G %s tcp-data-split on", ifn);
		check_more("(ethtool 6.1 of Debian 12 lacks that option; from the kernel tree use");
		check_more(" python3 tools/net/ynl/cli.py --no-schema --spec Documentation/netlink/specs/ethtool.yaml \\");
		check_more("   --do rings-set --json '{\"header\": {\"dev-name\": \"%s\"}, \"tcp-data-split\": 2}')",
			   ifn);
		return;
	default:
		no_data_split(ifn, value < 0 ? "nothing" : "unknown");
	}
}

void nic_check_queue_free(struct nic *n, const struct nic_want *w)
{
	struct nic_queue nq;
	int err;

	err = nic_queue_get(n, w->queue, &nq);
	if (err == -EINVAL || err == -ENOENT)
		return;		/* no such queue, or down: said already */
	if (err) {
		check_warn("cannot ask netdev netlink about queue %u (%s: %s)",
			   w->queue, n->where, strerror(-err));
		return;
	}
	if (nq.io_uring || nq.dmabuf) {
		check_fail("queue %u of %s is taken: %s is bound to it", w->queue,
			   n->name, nq.io_uring ? "a zcrx instance (io_uring)" :
			   "a devmem dma-buf");
		check_more("fix: stop the program that holds it (ynl netdev --dump queue-get shows the binding)");
		return;
	}
	check_ok("queue %u has no memory provider bound", w->queue);
}

/* ---- flow steering: ntuple rules and the RSS indirection table ---- */

/*
 * What the rule table does with TCP to PORT of FLOW (TCP_V4_FLOW or
 * TCP_V6_FLOW): the lowest numbered matching rule decides, as loopnic and
 * most NICs do. Returns -errno if the table cannot be read.
 */
int nic_steer_verdict(struct nic *n, const struct nic_want *w, uint32_t flow,
		      struct nic_steer *out)
{
	struct ethtool_rx_flow_spec *rules, *r;
	uint32_t i, count;
	uint64_t cookie;
	int err;

	*out = (struct nic_steer){ .v = V_NONE };
	err = nic_rules_get(n, &rules, &count);
	if (err)
		return err;
	for (i = 0; i < count; i++) {
		r = &rules[i];
		if (!nic_rule_matches(r, flow, (uint16_t)w->port))
			continue;
		cookie = r->ring_cookie;
		out->loc = r->location;
		out->queue = ethtool_get_flow_spec_ring(cookie);
		if (cookie == RX_CLS_FLOW_DISC)
			out->v = V_DISCARD;
		else if (r->flow_type & FLOW_RSS)
			out->v = V_RSS_CONTEXT;
		else if (ethtool_get_flow_spec_ring_vf(cookie) ||
			 out->queue != w->queue)
			out->v = V_OTHER_QUEUE;
		else
			out->v = V_OK;
		break;
	}
	free(rules);
	return 0;
}

/*
 * The RSS indirection table: sets *all_q when every entry is QUEUE (all
 * flows land there) and *has_q when any is. -errno if it cannot be read.
 */
static int rss_table(struct nic *n, unsigned int queue, bool *all_q,
		     bool *has_q)
{
	uint32_t *table, size, i;
	int err;

	*all_q = *has_q = false;
	err = nic_rss_get(n, &table, &size);
	if (err)
		return err;
	*all_q = true;
	for (i = 0; i < size; i++) {
		if (table[i] == queue)
			*has_q = true;
		else
			*all_q = false;
	}
	free(table);
	return 0;
}

/*
 * An ethtool -X command for NRX queues: weight 1 on QUEUE only (ONLY_Q) or
 * on every queue but QUEUE.
 */
static void print_weights(struct nic *n, unsigned int queue, unsigned int nrx,
			  bool only_q, const char *prefix)
{
	char cmd[512];
	size_t len;
	unsigned int i;

	if (!nrx)
		return;
	len = (size_t)snprintf(cmd, sizeof(cmd), "%sethtool -X %s weight",
			       prefix, n->name);
	for (i = 0; i < nrx && len < sizeof(cmd); i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %d",
					(i == queue) == only_q);
	check_more("%s", cmd);
}

/* The rule for flow I steers the port elsewhere or drops it. */
static void steer_conflict(struct nic *n, const struct nic_want *w,
			   unsigned int i, const struct nic_steer *s)
{
	const char *ifn = n->name, *fam = nic_flows[i].name;
	unsigned int q = w->queue, p = w->port;

	if (s->v == V_DISCARD)
		check_fail("ntuple rule %u discards %s port %u", s->loc, fam, p);
	else
		check_fail("ntuple rule %u steers %s port %u to %s %" PRIu64 ", not queue %u",
			   s->loc, fam, p,
			   s->v == V_OTHER_QUEUE ? "queue" : "RSS context of queue",
			   s->queue, q);
	check_more("fix: ethtool -N %s delete %u; ethtool -N %s flow-type %s dst-port %u action %u",
		   ifn, s->loc, ifn, fam, p, q);
}

/* No rule for the flows in MISSING: copied (or failed) on other queues. */
static void steer_missing(struct nic *n, const struct nic_want *w,
			  const bool missing[2], int nmissing, int nwant)
{
	unsigned int q = w->queue, p = w->port, i;
	bool ntuple;

	/* Listening on both, one family steered: the other is copied. */
	if (nmissing < nwant)
		check_warn("no ntuple rule steers %s port %u to queue %u: such clients %s",
			   missing[0] ? "tcp4" : "tcp6", p, q,
			   w->dmabuf ? "fail, since a dma-buf area cannot take the copy they need" :
			   "are received by copy");
	else
		check_fail("no ntuple rule steers TCP port %u to queue %u: the flows would land on other queues and %s",
			   p, q, w->dmabuf ? "fail (a dma-buf area cannot take copies)" :
			   "be copied");
	if (!nic_ntuple_get(n, &ntuple) && !ntuple)
		check_more("fix: ethtool -K %s ntuple on", n->name);
	for (i = 0; i < 2; i++)
		if (missing[i])
			check_more("fix: ethtool -N %s flow-type %s dst-port %u action %u",
				   n->name, nic_flows[i].name, p, q);
}

/*
 * The ntuple rules for the port, per family. Returns false when the
 * device has no ntuple filters (a FAIL already).
 */
static bool steer_rules(struct nic *n, const struct nic_want *w,
			unsigned int nrx, int rss_err)
{
	unsigned int q = w->queue, p = w->port, i;
	bool missing[2] = { false, false };
	int err, nwant = 0, nmissing = 0;
	struct nic_steer s;

	for (i = 0; i < 2; i++) {
		if (!nic_want_flow(w, i))
			continue;
		nwant++;
		err = nic_steer_verdict(n, w, nic_flows[i].flow, &s);
		if (err) {
			check_fail("%s has no ntuple filters (%s): nothing can steer port %u to queue %u",
				   n->name, strerror(-err), p, q);
			check_more("flows would land on whatever queue RSS picks and be copied, if they reach queue %u at all",
				   q);
			if (!rss_err && !w->strict) {
				check_more("alternative: let RSS send every flow to queue %u:",
					   q);
				print_weights(n, q, nrx, true, "fix: ");
			}
			return false;
		}
		if (s.v == V_OK) {
			check_ok("ntuple rule %u steers %s port %u to queue %u",
				 s.loc, nic_flows[i].name, p, q);
		} else if (s.v == V_NONE) {
			missing[i] = true;
			nmissing++;
		} else {
			steer_conflict(n, w, i, &s);
		}
	}
	if (nmissing)
		steer_missing(n, w, missing, nmissing, nwant);
	return true;
}

/* A device with one rx queue: every flow lands on it. */
static void steer_single_queue(struct nic *n, const struct nic_want *w)
{
	if (!w->strict) {
		check_ok("%s has a single rx queue: every flow arrives on queue 0",
			 n->name);
		check_warn("every other flow on %s lands on queue 0 too: payload of other sockets goes to the area, where they cannot read it",
			   n->name);
		return;
	}
	check_fail("%s has a single rx queue: every other flow lands on queue 0 too, and its payload in the area, where its socket cannot read it",
		   n->name);
	check_more("fix: ethtool -L %s combined 2", n->name);
	print_weights(n, w->queue, 2, false, "fix: ");
}

/* Other flows that RSS puts on our queue get unreadable payload. */
static void steer_rss(struct nic *n, const struct nic_want *w,
		      unsigned int nrx, int rss_err, bool has_q)
{
	unsigned int q = w->queue;

	if (!w->strict) {
		if (has_q) {
			check_warn("RSS also spreads other flows over queue %u: their payload would land in the area, where their sockets cannot read it",
				   q);
			print_weights(n, q, nrx, false, "fix: ");
		}
		return;
	}
	if (rss_err) {
		check_warn("cannot read the RSS indirection table of %s (%s)",
			   n->name, strerror(-rss_err));
	} else if (!has_q) {
		check_ok("RSS leaves queue %u out: no other flow lands there", q);
	} else {
		check_fail("RSS spreads other flows over queue %u: their payload would land in the area, where their sockets cannot read it",
			   q);
		print_weights(n, q, nrx, false, "fix: ");
	}
}

void nic_check_steering(struct nic *n, const struct nic_want *w,
			unsigned int nrx)
{
	bool all_q = false, has_q = false;
	int rss_err;

	/* Steering to a queue that does not exist: the queue check said it. */
	if (nrx && w->queue >= nrx)
		return;
	if (nrx == 1) {
		steer_single_queue(n, w);
		return;
	}
	rss_err = rss_table(n, w->queue, &all_q, &has_q);
	if (!rss_err && all_q && !w->strict) {
		check_ok("RSS sends every flow to queue %u", w->queue);
		return;
	}
	if (w->port && !steer_rules(n, w, nrx, rss_err) && !w->strict)
		return;
	steer_rss(n, w, nrx, rss_err, has_q);
}
