/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What zero-copy receive needs of a NIC queue, checked and reported as
 * check lines (check.h) with the command that fixes each problem. Shared
 * by zcrx-sink, which only reads, and zcrx-nic, which can also fix.
 */
#ifndef TOOLS_NIC_CHECK_H
#define TOOLS_NIC_CHECK_H

#include <stdbool.h>

#include "nic.h"

struct nic_want {
	unsigned int queue;
	unsigned int port;		/* 0: no steering check */
	int family;			/* AF_INET, AF_INET6, AF_UNSPEC: both */
	bool dmabuf;			/* copied flows fail, not slow down */
	bool strict;			/* other flows on the queue are a FAIL */
	const char *queue_opt;		/* what names the queue: "-q" */
};

/* The families a port is steered for: tcp4 and tcp6. */
struct nic_flow {
	int family;
	uint32_t flow;			/* TCP_V4_FLOW, TCP_V6_FLOW */
	const char *name;
};

extern const struct nic_flow nic_flows[2];

/* Whether W wants flow I of nic_flows steered. */
bool nic_want_flow(const struct nic_want *w, unsigned int i);

/* False when there is no such interface (a FAIL already). */
bool nic_check_interface(struct nic *n);
/* Returns the number of rx queues, or 0 when unknown. */
unsigned int nic_check_queue(struct nic *n, const struct nic_want *w);
void nic_check_data_split(struct nic *n);
void nic_check_steering(struct nic *n, const struct nic_want *w,
			unsigned int nrx);
/* No zcrx instance or devmem binding holds the queue already. */
void nic_check_queue_free(struct nic *n, const struct nic_want *w);

/* What the rule table does with TCP of FLOW to PORT. */
enum nic_verdict { V_NONE, V_OK, V_OTHER_QUEUE, V_DISCARD, V_RSS_CONTEXT };

struct nic_steer {
	enum nic_verdict v;
	uint32_t loc;			/* of the deciding rule */
	uint64_t queue;
};

int nic_steer_verdict(struct nic *n, const struct nic_want *w, uint32_t flow,
		      struct nic_steer *out);

#endif /* TOOLS_NIC_CHECK_H */
