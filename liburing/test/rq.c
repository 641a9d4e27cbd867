/* SPDX-License-Identifier: MIT */
/*
 * The refill ring from the producer side: io_uring_zcrx_rq_return(),
 * io_uring_zcrx_rq_commit() and io_uring_zcrx_rq_space() over a region laid
 * out like the kernel's, with this program playing the kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <liburing/zcrx.h>

#include "ktap.h"

#define ENTRIES	8

static struct io_uring_zcrx_ifq_reg reg;
static void *region;

/* A data completion for buffer off of len bytes. */
union cqe32 {
	struct io_uring_cqe cqe;
	__u64 words[4];
};

static void data_cqe(union cqe32 *c, __u64 off, int res)
{
	memset(c, 0, sizeof(*c));
	c->cqe.res = res;
	c->cqe.flags = IORING_CQE_F_MORE;
	c->words[2] = off;
}

/* A fresh region with the kernel's layout, head and tail at start. */
static void new_ring(struct io_uring_zcrx_rq *rq, unsigned entries,
		     __u32 start)
{
	memset(&reg, 0, sizeof(reg));
	reg.rq_entries = entries;
	reg.offsets.head = 0;
	reg.offsets.tail = 64;
	reg.offsets.rqes = 128;
	free(region);
	region = aligned_alloc(4096, io_uring_zcrx_rq_region_size(entries));
	if (!region)
		ktap_bail("no memory for a %u entry ring", entries);
	memset(region, 0xff, io_uring_zcrx_rq_region_size(entries));
	*(__u32 *)((char *)region + reg.offsets.head) = start;
	*(__u32 *)((char *)region + reg.offsets.tail) = start;
	if (io_uring_zcrx_rq_init(rq, &reg, region))
		ktap_bail("io_uring_zcrx_rq_init failed");
}

static bool rqe_is(const struct io_uring_zcrx_rq *rq, __u32 idx, __u64 off,
		   __u32 len)
{
	const struct io_uring_zcrx_rqe *e = &rq->rqes[idx];

	return e->off == off && e->len == len && e->__pad == 0;
}

static void test_init(void)
{
	struct io_uring_zcrx_rq rq;
	char *base;

	new_ring(&rq, ENTRIES, 0);
	base = region;
	ktap_result((char *)rq.khead == base && (char *)rq.ktail == base + 64 &&
		    (char *)rq.rqes == base + 128 && rq.ring_ptr == region &&
		    rq.ring_entries == ENTRIES && rq.rq_tail == 0,
		    "init points head, tail and entries into the region");
	ktap_result(io_uring_zcrx_rq_space(&rq) == ENTRIES,
		    "an empty ring has every entry free");
}

static void test_return_and_commit(void)
{
	struct io_uring_zcrx_rq rq;
	union cqe32 c;
	bool ok = true;

	new_ring(&rq, ENTRIES, 0);
	data_cqe(&c, 0x0002000000003000ULL, 1448);
	ok = io_uring_zcrx_rq_return(&rq, &c.cqe);
	ktap_result(ok && rqe_is(&rq, 0, 0x0002000000003000ULL, 1448),
		    "return writes off with area bits, len = res, __pad 0");
	ktap_result(rq.rq_tail == 1 && *rq.ktail == 0,
		    "a returned buffer is not visible before commit");
	ktap_result(io_uring_zcrx_rq_space(&rq) == ENTRIES - 1,
		    "space counts uncommitted entries");
	io_uring_zcrx_rq_commit(&rq);
	ktap_result(*rq.ktail == 1 && rq.rq_tail == 1,
		    "commit publishes the tail");

	data_cqe(&c, 0x4000, 0);
	ok = io_uring_zcrx_rq_return(&rq, &c.cqe);
	data_cqe(&c, 0x5000, -ENOSPC);
	ok = io_uring_zcrx_rq_return(&rq, &c.cqe) && ok;
	ktap_result(ok && rq.rq_tail == 1 && rq.rqes[1].off == ~0ULL,
		    "a completion without data (res 0 or < 0) queues nothing");
}

static void test_full(void)
{
	struct io_uring_zcrx_rq rq;
	union cqe32 c;
	bool ok = true;
	unsigned i;

	new_ring(&rq, ENTRIES, 0);
	for (i = 0; i < ENTRIES; i++) {
		data_cqe(&c, i * 4096, 100 + i);
		ok = io_uring_zcrx_rq_return(&rq, &c.cqe) && ok;
	}
	ktap_result(ok && io_uring_zcrx_rq_space(&rq) == 0,
		    "%u returns fill a %u entry ring", ENTRIES, ENTRIES);
	data_cqe(&c, 0xbad000, 1);
	ok = !io_uring_zcrx_rq_return(&rq, &c.cqe);
	for (i = 0; i < ENTRIES; i++)
		ok = ok && rqe_is(&rq, i, i * 4096, 100 + i);
	ktap_result(ok && rq.rq_tail == ENTRIES,
		    "return to a full ring is false and overwrites nothing");

	io_uring_zcrx_rq_commit(&rq);
	ok = !io_uring_zcrx_rq_return(&rq, &c.cqe);
	ktap_result(ok, "committing does not make room, consuming does");

	/* The kernel consumes three entries. */
	io_uring_smp_store_release(rq.khead, 3);
	ktap_result(io_uring_zcrx_rq_space(&rq) == 3,
		    "space follows the kernel's head");
	for (i = 0; i < 3; i++) {
		data_cqe(&c, 0x100000 + i, 7);
		ok = io_uring_zcrx_rq_return(&rq, &c.cqe) && ok;
	}
	ok = ok && rqe_is(&rq, 0, 0x100000, 7) && rqe_is(&rq, 2, 0x100002, 7) &&
	     rqe_is(&rq, 3, 3 * 4096, 103);
	ktap_result(ok && io_uring_zcrx_rq_space(&rq) == 0,
		    "returns go to the slots the kernel freed");
}

/* head and tail are free-running 32-bit counters; only the index wraps. */
static void test_counter_wrap(void)
{
	const __u32 start = 0xfffffffc;
	struct io_uring_zcrx_rq rq;
	union cqe32 c;
	bool ok = true;
	unsigned i;

	new_ring(&rq, ENTRIES, start);
	ktap_result(rq.rq_tail == start,
		    "init continues from the kernel's tail");
	for (i = 0; i < ENTRIES; i++) {
		data_cqe(&c, i, 1);
		ok = io_uring_zcrx_rq_return(&rq, &c.cqe) && ok;
	}
	io_uring_zcrx_rq_commit(&rq);
	ok = ok && rqe_is(&rq, 4, 0, 1) && rqe_is(&rq, 7, 3, 1) &&
	     rqe_is(&rq, 0, 4, 1) && rqe_is(&rq, 3, 7, 1);
	ktap_result(ok && *rq.ktail == 4 && io_uring_zcrx_rq_space(&rq) == 0,
		    "the tail counter wraps past 2^32 - 1, entries in order");
	io_uring_smp_store_release(rq.khead, 4);
	ktap_result(io_uring_zcrx_rq_space(&rq) == ENTRIES,
		    "space is right across the counter wrap");
}

/* The kernel's side, in a thread: acquire tail, read entries, release head. */
#define STREAM	200000

static void *consumer(void *arg)
{
	struct io_uring_zcrx_rq *rq = arg;
	__u32 head = *rq->khead;
	long bad = 0;

	for (__u64 want = 0; want < STREAM;) {
		__u32 tail = io_uring_smp_load_acquire(rq->ktail);

		for (; head != tail; head++, want++) {
			const struct io_uring_zcrx_rqe *e =
				&rq->rqes[head & (rq->ring_entries - 1)];

			if (e->off != want << 12 || e->len != (want & 0xffff) + 1 ||
			    e->__pad)
				bad++;
		}
		io_uring_smp_store_release(rq->khead, head);
	}
	return (void *)bad;
}

static void test_concurrent(void)
{
	struct io_uring_zcrx_rq rq;
	pthread_t thread;
	void *bad = (void *)-1L;
	__u64 sent = 0;
	union cqe32 c;

	new_ring(&rq, 64, 0);
	if (pthread_create(&thread, NULL, consumer, &rq)) {
		ktap_result(false, "pthread_create");
		return;
	}
	while (sent < STREAM) {
		data_cqe(&c, sent << 12, (int)(sent & 0xffff) + 1);
		if (io_uring_zcrx_rq_return(&rq, &c.cqe))
			sent++;
		if (!(sent % 5) || !io_uring_zcrx_rq_space(&rq))
			io_uring_zcrx_rq_commit(&rq);
	}
	io_uring_zcrx_rq_commit(&rq);
	pthread_join(thread, &bad);
	if (!ktap_result(bad == NULL && *rq.khead == STREAM,
			 "%d buffers in order through a 64 entry ring to a "
			 "consumer thread", STREAM))
		ktap_info("%ld bad entries, head %u", (long)bad, *rq.khead);
}

int main(void)
{
	ktap_plan(16);
	test_init();
	test_return_and_commit();
	test_full();
	test_counter_wrap();
	test_concurrent();
	free(region);
	return ktap_finish();
}
