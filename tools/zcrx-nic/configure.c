// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-nic --configure: the changes that make a queue ready, each made
 * only when needed and recorded in the state file before the next:
 *
 *   channels        enough for the queue, and one more for RSS
 *   tcp-data-split  on
 *   RSS             the indirection table spread over every other queue
 *   ntuple          the filters on, when rules are needed
 *   rules           the port's tcp4 and tcp6 flows to the queue, ahead
 *                   of any rule that sends them elsewhere
 *
 * A change that fails undoes the ones before it. change_undo() restores
 * one change, and only if nobody changed that setting since.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "zcrx-nic.h"

static const char *split_name(uint32_t v)
{
	return v == ETHTOOL_TCP_DATA_SPLIT_ENABLED ? "on" :
	       v == ETHTOOL_TCP_DATA_SPLIT_DISABLED ? "off" : "unknown";
}

static const char *flow_name(uint32_t flow)
{
	return flow == TCP_V4_FLOW ? "tcp4" : "tcp6";
}

void change_describe(const struct change *c, char *buf, size_t len)
{
	switch (c->kind) {
	case CH_CHANNELS:
		snprintf(buf, len, "channels: rx %u -> %u, combined %u -> %u",
			 c->old[0], c->new[0], c->old[1], c->new[1]);
		break;
	case CH_DATA_SPLIT:
		snprintf(buf, len, "tcp-data-split: %s -> %s",
			 split_name(c->old[0]), split_name(c->new[0]));
		break;
	case CH_RSS:
		snprintf(buf, len, "RSS: queue %u left out of the %u-entry indirection table (was %s)",
			 c->queue, c->size, c->old_table ? "a table of its own" :
			 "the driver's default");
		break;
	case CH_NTUPLE:
		snprintf(buf, len, "ntuple filters: %s -> %s",
			 c->old[0] ? "on" : "off", c->new[0] ? "on" : "off");
		break;
	case CH_RULE:
		snprintf(buf, len, "ntuple rule %u: %s dst-port %u -> queue %u",
			 c->loc, flow_name(c->flow), c->port, c->queue);
		break;
	}
}

/* Report change C (made, or failed with ERR) and record it. */
static int record(struct nic *n, const struct opts *o, struct state *st,
		  struct change *c, int err)
{
	char what[160];

	change_describe(c, what, sizeof(what));
	if (err) {
		check_fail("cannot change %s: %s%s%s", what, strerror(-err),
			   n->extack[0] ? ": " : "", n->extack);
		n->extack[0] = '\0';
		return err;
	}
	if (!o->quiet)
		fprintf(stderr, "  %-5s %s\n", "set", what);
	return state_append(o, st, c);
}

/* Enough rx queues for the queue, and at least one other for RSS. */
static int step_channels(struct nic *n, const struct opts *o,
			 struct state *st)
{
	unsigned int want = o->want.queue + 1 < 2 ? 2 : o->want.queue + 1;
	struct change c = { .kind = CH_CHANNELS };
	struct nic_channels ch;

	if (nic_channels_get(n, &ch) || ch.rx + ch.combined >= want)
		return 0;	/* the checks tell a device without channels */
	c.old[0] = c.new[0] = ch.rx;
	c.old[1] = c.new[1] = ch.combined;
	if (ch.max_combined && ch.max_combined >= want - ch.rx) {
		c.new[1] = want - ch.rx;
	} else if (ch.max_rx >= want - ch.combined) {
		c.new[0] = want - ch.combined;
	} else {
		check_fail("%s can have at most %u rx queues, and queue %u needs %u",
			   n->name, ch.max_rx + ch.max_combined, o->want.queue, want);
		return -ERANGE;
	}
	return record(n, o, st, &c, nic_channels_set(n, c.new[0], c.new[1]));
}

static int step_data_split(struct nic *n, const struct opts *o,
			   struct state *st)
{
	struct change c = { .kind = CH_DATA_SPLIT };
	int v;

	/* Unsupported, or unreadable: the checks say so. */
	if (nic_data_split_get(n, &v) || v != ETHTOOL_TCP_DATA_SPLIT_DISABLED)
		return 0;
	c.old[0] = (uint32_t)v;
	c.new[0] = ETHTOOL_TCP_DATA_SPLIT_ENABLED;
	return record(n, o, st, &c, nic_data_split_set(n, (uint8_t)c.new[0]));
}

/* TABLE spread over the NRX queues but Q, round robin. */
static void rss_without(uint32_t *table, uint32_t size, unsigned int nrx,
			unsigned int q)
{
	uint32_t i, next = 0;

	for (i = 0; i < size; i++) {
		if (next == q)
			next = (next + 1) % nrx;
		table[i] = next;
		next = (next + 1) % nrx;
	}
}

static int step_rss(struct nic *n, const struct opts *o, struct state *st)
{
	struct change c = { .kind = CH_RSS, .queue = o->want.queue };
	unsigned int nrx, max;
	uint32_t *table, i;
	int err;

	nic_rx_queues(n, &nrx, &max);
	if (nrx < 2 || c.queue >= nrx || nic_rss_get(n, &table, &c.size))
		return 0;
	for (i = 0; i < c.size && table[i] != c.queue; i++)
		;
	if (i == c.size) {
		free(table);
		return 0;
	}
	c.new_table = malloc(c.size * sizeof(*table));
	if (!c.new_table) {
		free(table);
		return -ENOMEM;
	}
	rss_without(c.new_table, c.size, nrx, c.queue);
	c.old_table = table;
	if (nic_rss_is_default(table, c.size, nrx))
		c.old_table = NULL;
	err = record(n, o, st, &c, nic_rss_set(n, c.new_table, c.size));
	if (c.old_table != table)
		free(table);
	return err;
}

/* Whether some wanted flow has no rule that steers it to the queue. */
static bool rules_needed(struct nic *n, const struct nic_want *w)
{
	struct nic_steer s;
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (nic_want_flow(w, i) &&
		    (nic_steer_verdict(n, w, nic_flows[i].flow, &s) ||
		     s.v != V_OK))
			return true;
	return false;
}

static int step_ntuple(struct nic *n, const struct opts *o, struct state *st)
{
	struct change c = { .kind = CH_NTUPLE, .new = { 1 } };
	bool on;

	if (nic_ntuple_get(n, &on) || on || !rules_needed(n, &o->want))
		return 0;
	return record(n, o, st, &c, nic_ntuple_set(n, true));
}

/* A rule for flow I of nic_flows, ahead of one that decides otherwise. */
static int step_rule(struct nic *n, const struct opts *o, struct state *st,
		     unsigned int i)
{
	const struct nic_want *w = &o->want;
	struct change c = { .kind = CH_RULE, .flow = nic_flows[i].flow,
			    .port = w->port, .queue = w->queue,
			    .loc = RX_CLS_LOC_ANY };
	struct nic_steer s;
	int err;

	if (nic_steer_verdict(n, w, c.flow, &s) || s.v == V_OK)
		return 0;	/* no ntuple filters: the checks say so */
	if (s.v != V_NONE && nic_rule_free_loc(n, s.loc, &c.loc)) {
		check_fail("ntuple rule %u sends %s port %u elsewhere, and no free location comes before it",
			   s.loc, nic_flows[i].name, w->port);
		check_more("fix: ethtool -N %s delete %u (zcrx-nic deletes no rule it did not add)",
			   n->name, s.loc);
		return -ENOSPC;
	}
	err = nic_rule_add(n, c.flow, (uint16_t)c.port, c.queue, &c.loc);
	return record(n, o, st, &c, err);
}

int configure(struct nic *n, const struct opts *o, struct state *st)
{
	unsigned int i;
	int err;

	err = step_channels(n, o, st);
	if (!err)
		err = step_data_split(n, o, st);
	if (!err)
		err = step_rss(n, o, st);
	if (!err && o->want.port)
		err = step_ntuple(n, o, st);
	for (i = 0; !err && o->want.port && i < 2; i++)
		if (nic_want_flow(&o->want, i))
			err = step_rule(n, o, st, i);
	return err;
}

static bool same_table(const uint32_t *a, const uint32_t *b, uint32_t size)
{
	return !memcmp(a, b, size * sizeof(*a));
}

/* The destination port mask of a TCP rule: 0xffff for the whole port. */
static uint16_t port_mask(const struct ethtool_rx_flow_spec *fs)
{
	if (fs->flow_type == TCP_V4_FLOW)
		return fs->m_u.tcp_ip4_spec.pdst;
	return fs->m_u.tcp_ip6_spec.pdst;
}

/*
 * The rule at C's location is still ours: the flow, the port with the
 * whole port as mask (as nic_rule_add() puts it) and the queue.
 */
static bool rule_is_ours(const struct ethtool_rx_flow_spec *fs,
			 const struct change *c)
{
	return fs->flow_type == c->flow && fs->ring_cookie == c->queue &&
	       nic_rule_matches(fs, c->flow, (uint16_t)c->port) &&
	       port_mask(fs) == 0xffff;
}

static int rule_undo(struct nic *n, const struct change *c)
{
	struct ethtool_rx_flow_spec fs;
	int err;

	err = nic_rule_get(n, c->loc, &fs);
	if (err == -ENOENT || (!err && !rule_is_ours(&fs, c)))
		return -ESTALE;
	return err ?: nic_rule_del(n, c->loc);
}

static int rss_undo(struct nic *n, const struct change *c)
{
	uint32_t *table, size;
	int err;

	err = nic_rss_get(n, &table, &size);
	if (err)
		return err;
	if (size != c->size || !same_table(table, c->new_table, size))
		err = -ESTALE;
	else
		err = nic_rss_set(n, c->old_table, c->old_table ? size : 0);
	free(table);
	return err;
}

/*
 * Filters off deletes every rule: only when ours were the last (they were
 * undone first), not under rules somebody added since.
 */
static int ntuple_undo(struct nic *n, const struct change *c)
{
	struct ethtool_rx_flow_spec *rules;
	uint32_t count;
	int err;

	if (!c->old[0]) {
		err = nic_rules_get(n, &rules, &count);
		free(rules);
		if (err)
			return err;
		if (count)
			return -ENOTEMPTY;
	}
	return nic_ntuple_set(n, c->old[0]);
}

int change_undo(struct nic *n, const struct change *c)
{
	struct nic_channels ch;
	bool on;
	int v, err;

	switch (c->kind) {
	case CH_CHANNELS:
		err = nic_channels_get(n, &ch);
		if (!err && (ch.rx != c->new[0] || ch.combined != c->new[1]))
			return -ESTALE;
		return err ?: nic_channels_set(n, c->old[0], c->old[1]);
	case CH_DATA_SPLIT:
		err = nic_data_split_get(n, &v);
		if (!err && (uint32_t)v != c->new[0])
			return -ESTALE;
		return err ?: nic_data_split_set(n, (uint8_t)c->old[0]);
	case CH_RSS:
		return rss_undo(n, c);
	case CH_NTUPLE:
		err = nic_ntuple_get(n, &on);
		if (!err && on != !!c->new[0])
			return -ESTALE;
		return err ?: ntuple_undo(n, c);
	case CH_RULE:
		return rule_undo(n, c);
	}
	return -EINVAL;
}
