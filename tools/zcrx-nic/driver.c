// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-nic: whether the driver can restart one rx queue with a memory
 * provider (queue management ops). No kernel interface says so; a
 * registration does. Without --probe the driver's name is all we have:
 * the drivers of Linux 6.12 with queue management ops, and loopnic.
 * --probe registers a small zcrx instance on the queue and lets it go,
 * which restarts the queue twice when it succeeds.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <liburing/zcrx.h>

#include "check.h"
#include "zcrx-nic.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const queue_api_drivers[] = { "loopnic", "bnxt_en", "gve" };

static bool known_driver(const char *driver)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(queue_api_drivers); i++)
		if (!strcmp(driver, queue_api_drivers[i]))
			return true;
	return false;
}

/* Register an instance of 64 page buffers on queue Q; 0 or -errno. */
static int probe_register(unsigned int ifindex, unsigned int q)
{
	struct io_uring_params p = { .flags = IORING_SETUP_DEFER_TASKRUN |
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32 };
	size_t len = io_uring_zcrx_area_size(64, 0);
	struct io_uring_zcrx_ifq_reg reg = { 0 };
	struct io_uring_region_desc region = { 0 };
	struct io_uring_zcrx_area_reg area;
	struct io_uring ring;
	void *base;
	int ret;

	ret = io_uring_queue_init_params(4, &ring, &p);
	if (ret)
		return ret;
	ret = io_uring_zcrx_area_alloc(&base, &len, 0);
	if (ret)
		goto out_ring;
	ret = io_uring_zcrx_area_reg_init(&area, base, len, 0);
	if (ret < 0)
		goto out_area;
	reg.if_idx = ifindex;
	reg.if_rxq = q;
	reg.rq_entries = io_uring_zcrx_rq_entries(len, 0);
	reg.area_ptr = (uintptr_t)&area;
	reg.region_ptr = (uintptr_t)&region;
	region.size = io_uring_zcrx_rq_region_size(reg.rq_entries);
	ret = io_uring_register_ifq(&ring, &reg);
out_area:
	io_uring_zcrx_area_free(base, len);
out_ring:
	/* Ring exit unregisters the instance, which restarts the queue. */
	io_uring_queue_exit(&ring);
	return ret;
}

/* The instance goes when the ring's exit work runs: wait for it. */
static void probe_wait_gone(struct nic *n, unsigned int q)
{
	struct timespec tick = { .tv_nsec = 50000000 };
	struct nic_queue nq;
	int i;

	for (i = 0; i < 100; i++) {
		if (nic_queue_get(n, q, &nq) || !nq.io_uring)
			return;
		nanosleep(&tick, NULL);
	}
	check_warn("the probe's instance still holds queue %u after 5 s", q);
}

static void probe(struct nic *n, const struct opts *o, const char *driver)
{
	struct io_uring_probe *p = io_uring_get_probe();
	unsigned int q = o->want.queue;
	int split = -1, err;
	bool zcrx;

	zcrx = p && io_uring_opcode_supported(p, IORING_OP_RECV_ZC);
	io_uring_free_probe(p);
	if (!zcrx) {
		check_warn("this kernel has no io_uring zero-copy receive, so --probe cannot tell whether driver %s restarts single rx queues",
			   driver);
		return;
	}
	err = probe_register(n->ifindex, q);
	if (!err) {
		probe_wait_gone(n, q);
		check_ok("driver %s restarts single rx queues: queue %u took a zcrx instance and gave it back (--probe)",
			 driver, q);
		return;
	}
	nic_data_split_get(n, &split);
	if (err == -EOPNOTSUPP) {
		check_fail("driver %s cannot restart a single rx queue with a memory provider (no queue management ops, or no device to map memory for): no zero-copy receive on %s",
			   driver, n->name);
		check_more("drivers that can, in Linux 6.12: bnxt_en, gve (and loopnic); later kernels add more");
	} else if ((err == -EINVAL && split == ETHTOOL_TCP_DATA_SPLIT_DISABLED) ||
		   err == -EEXIST || err == -EBUSY) {
		/* The kernel checks the ops first, then split and bindings. */
		check_ok("driver %s restarts single rx queues: the probe got past that check and stopped at %s (--probe)",
			 driver, err == -EINVAL ? "tcp-data-split" : "the queue's binding");
	} else {
		check_warn("the probe's registration failed: %s (%s); whether driver %s restarts single rx queues is not known",
			   strerror(-err), strerrorname_np(-err) ?: "?", driver);
	}
}

void check_driver(struct nic *n, const struct opts *o)
{
	struct ethtool_drvinfo di;

	if (nic_drvinfo(n, &di)) {
		check_warn("%s names no driver: whether it restarts single rx queues is not known",
			   n->name);
		return;
	}
	if (o->probe)
		probe(n, o, di.driver);
	else if (known_driver(di.driver))
		check_ok("driver %s restarts single rx queues (queue management ops; --probe tries it)",
			 di.driver);
	else
		check_warn("driver %s: not known to restart single rx queues (queue management ops), which zero-copy receive needs; --probe tries a registration",
			   di.driver);
}
