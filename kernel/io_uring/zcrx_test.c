// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the refill ring's trust boundary and the user reference count.
 *
 * Everything the user writes into the refill ring is untrusted. These
 * tests feed the consumer made-up, duplicate and out-of-range entries and
 * garbage ring indexes, and check that only buffers the user really holds
 * come back, each exactly once, and that no user count goes below zero.
 *
 * Included from zcrx.c so the helpers under test can stay static. The
 * instance is built by hand without a ring, netdev or page pool: buffers
 * come straight from the freelist with the one pool reference a buffer in
 * an skb has, and are handed to the user as RECV_ZC does.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>

#define ZT_NR_BUFS	16
#define ZT_RQ_ENTRIES	8

struct zt_instance {
	struct io_zcrx_ifq	ifq;
	struct io_zcrx_area	area;
	struct io_zcrx_area	*area_slots[2];
	struct io_zcrx_rq_hdr	hdr;
	struct io_uring_zcrx_rqe rqes[ZT_RQ_ENTRIES];
	struct net_iov		niovs[ZT_NR_BUFS];
	u32			freelist[ZT_NR_BUFS];
	atomic_t		user_refs[ZT_NR_BUFS];
	u32			tail;	/* the user's copy of the ring tail */
};

static int zt_init(struct kunit *test)
{
	struct zt_instance *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	t->area.ifq = &t->ifq;
	t->area.nia.niovs = t->niovs;
	t->area.nia.num_niovs = ZT_NR_BUFS;
	t->area.freelist = t->freelist;
	t->area.user_refs = t->user_refs;
	spin_lock_init(&t->area.freelist_lock);
	for (i = 0; i < ZT_NR_BUFS; i++) {
		t->niovs[i].owner = &t->area.nia;
		t->niovs[i].type = NET_IOV_IOURING;
		t->freelist[i] = i;
		atomic_set(&t->user_refs[i], 0);
	}
	t->area.free_count = ZT_NR_BUFS;

	t->area_slots[0] = &t->area;
	t->ifq.areas = t->area_slots;
	t->ifq.nr_areas = 1;
	t->ifq.buf_shift = PAGE_SHIFT;
	mutex_init(&t->ifq.area_lock);
	t->ifq.rq_hdr = &t->hdr;
	t->ifq.rqes = t->rqes;
	t->ifq.rq_entries = ZT_RQ_ENTRIES;
	spin_lock_init(&t->ifq.rq_lock);

	test->priv = t;
	return 0;
}

static u64 zt_off(unsigned long idx)
{
	return (u64)idx << PAGE_SHIFT;
}

/* A buffer in an skb: out of the freelist, the stack's one reference. */
static struct net_iov *zt_in_stack(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = NULL;

	spin_lock_bh(&t->area.freelist_lock);
	if (t->area.free_count)
		niov = __io_zcrx_get_free_niov(&t->area);
	spin_unlock_bh(&t->area.freelist_lock);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	page_pool_fragment_netmem(net_iov_to_netmem(niov), 1);
	return niov;
}

/* Hand it to the user, whose reference replaces the stack's. */
static struct net_iov *zt_give(struct kunit *test)
{
	struct net_iov *niov = zt_in_stack(test);

	io_zcrx_user_ref_inc(niov);
	return niov;
}

static long zt_pool_refs(struct net_iov *niov)
{
	return atomic_long_read(&niov->pp_ref_count);
}

/* What the user does to return a buffer: fill an entry, move the tail. */
static void zt_push(struct zt_instance *t, u64 off, u32 pad)
{
	struct io_uring_zcrx_rqe *rqe;

	rqe = &t->rqes[t->tail & (ZT_RQ_ENTRIES - 1)];
	rqe->off = off;
	rqe->len = PAGE_SIZE;
	rqe->__pad = pad;
	/* the entry is visible before the tail, as the ABI asks of users */
	smp_store_release(&t->hdr.tail, ++t->tail);
}

static void zt_refill(struct zt_instance *t)
{
	io_zcrx_ring_refill(NULL, &t->ifq, ZT_RQ_ENTRIES, false);
}

static int zt_user_refs(struct zt_instance *t, unsigned long idx)
{
	return atomic_read(&t->user_refs[idx]);
}

static void zt_parse_accepts_area_offsets(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	static const unsigned long idx[] = { 0, 1, ZT_NR_BUFS - 1 };
	struct io_uring_zcrx_rqe rqe = { .len = PAGE_SIZE };
	struct net_iov *niov;
	int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		rqe.off = zt_off(idx[i]);
		niov = NULL;
		KUNIT_EXPECT_TRUE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
		KUNIT_EXPECT_PTR_EQ(test, niov, &t->niovs[idx[i]]);

		/* an offset inside the buffer names the same buffer */
		rqe.off = zt_off(idx[i]) + 100;
		niov = NULL;
		KUNIT_EXPECT_TRUE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
		KUNIT_EXPECT_PTR_EQ(test, niov, &t->niovs[idx[i]]);
	}
}

static void zt_parse_rejects_made_up_entries(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct io_uring_zcrx_rqe bad[] = {
		{ .off = zt_off(1), .__pad = 1 },
		{ .off = 1ULL << IORING_ZCRX_AREA_SHIFT },
		{ .off = (1ULL << IORING_ZCRX_AREA_SHIFT) | zt_off(1) },
		{ .off = zt_off(ZT_NR_BUFS) },
		{ .off = zt_off(ZT_NR_BUFS) - 1 + PAGE_SIZE },
		{ .off = ~IORING_ZCRX_AREA_MASK & PAGE_MASK },
		{ .off = ~0ULL },
	};
	struct net_iov *niov;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		niov = NULL;
		KUNIT_EXPECT_FALSE_MSG(test,
				       io_parse_rqe(&bad[i], &t->ifq, &niov),
				       "entry %d: off %llx pad %u", i,
				       bad[i].off, bad[i].__pad);
		KUNIT_EXPECT_NULL(test, niov);
	}
}

static void zt_uref_never_below_zero(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = &t->niovs[3];

	KUNIT_EXPECT_FALSE(test, io_zcrx_put_niov_urefs(niov, 1));
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, 3), 0);

	io_zcrx_user_ref_inc(niov);
	KUNIT_EXPECT_FALSE(test, io_zcrx_put_niov_urefs(niov, 2));
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, 3), 1);
	KUNIT_EXPECT_TRUE(test, io_zcrx_put_niov_urefs(niov, 1));
	KUNIT_EXPECT_FALSE(test, io_zcrx_put_niov_urefs(niov, 1));
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, 3), 0);
}

/*
 * The race RECV_ZC must survive: while it hands a buffer to the user, NAPI
 * consumes a refill entry naming that buffer (a stale duplicate or a
 * guessed offset). The stub runs that refill right after the user
 * reference is published, the moment a concurrent NAPI could first see
 * it. The entry may take the user's reference, never the stack's.
 */
static void zt_refill_between_refs(struct net_iov *niov)
{
	struct zt_instance *t = kunit_get_current_test()->priv;

	atomic_inc(io_get_user_counter(niov));
	zt_push(t, zt_off(net_iov_idx(niov)), 0);
	zt_refill(t);
}

static void zt_hand_out_races_refill(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = zt_in_stack(test);

	kunit_activate_static_stub(test, io_zcrx_user_ref_inc,
				   zt_refill_between_refs);
	io_zcrx_get_niov_uref(niov);
	kunit_deactivate_static_stub(test, io_zcrx_user_ref_inc);

	/* consumed the user's reference; the skb's is intact */
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->hdr.head), t->tail);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(niov)), 0);
	KUNIT_EXPECT_EQ(test, zt_pool_refs(niov), 1);
	/* so the buffer is not free while the skb still points at it */
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS - 1);

	/* the stack lets go, and only then it comes home */
	if (!page_pool_unref_netmem(net_iov_to_netmem(niov), 1))
		io_zcrx_return_niov(niov);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
}

static void zt_refill_takes_back_held_buffers(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *held[3];
	int i;

	for (i = 0; i < ARRAY_SIZE(held); i++)
		held[i] = zt_give(test);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS - 3);

	for (i = 0; i < ARRAY_SIZE(held); i++)
		zt_push(t, zt_off(net_iov_idx(held[i])), 0);
	zt_refill(t);

	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	for (i = 0; i < ARRAY_SIZE(held); i++)
		KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(held[i])), 0);
	/* every entry is consumed and the user is told so */
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->hdr.head), t->tail);
}

/* A duplicate that is not next to the original finds nothing left. */
static void zt_refill_ignores_duplicates(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = zt_give(test);
	struct net_iov *other = zt_give(test);
	unsigned long idx = net_iov_idx(niov);

	zt_push(t, zt_off(idx), 0);
	zt_push(t, zt_off(net_iov_idx(other)), 0);
	zt_push(t, zt_off(idx), 0);
	zt_push(t, zt_off(net_iov_idx(other)), 0);
	zt_refill(t);

	/* back once: a second copy in the freelist would be a double free */
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, idx), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->hdr.head), t->tail);
}

/* Consecutive entries for one buffer are one batch: all of it or none. */
static void zt_refill_batches_consecutive_entries(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = zt_give(test);
	unsigned long idx = net_iov_idx(niov);

	/* two completions out of one buffer, returned together */
	io_zcrx_get_niov_uref(niov);
	zt_push(t, zt_off(idx), 0);
	zt_push(t, zt_off(idx) + 100, 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, idx), 0);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);

	/* three entries for one reference: the batch is ignored as a whole */
	niov = zt_give(test);
	idx = net_iov_idx(niov);
	zt_push(t, zt_off(idx), 0);
	zt_push(t, zt_off(idx), 0);
	zt_push(t, zt_off(idx), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, idx), 1);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS - 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->hdr.head), t->tail);

	/* a made-up entry in between ends a batch */
	zt_push(t, zt_off(idx), 0);
	zt_push(t, zt_off(idx), 1);
	zt_push(t, zt_off(idx), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, idx), 0);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
}

static void zt_refill_ignores_buffers_not_held(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = zt_give(test);
	unsigned long idx = net_iov_idx(niov);
	unsigned long other = (idx + 1) % ZT_NR_BUFS;

	/* free buffers and bad entries around the one real return */
	zt_push(t, zt_off(other), 0);
	zt_push(t, zt_off(ZT_NR_BUFS + 5), 0);
	zt_push(t, zt_off(idx), 1);
	zt_push(t, (2ULL << IORING_ZCRX_AREA_SHIFT) | zt_off(idx), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS - 1);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, idx), 1);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, other), 0);

	zt_push(t, zt_off(idx), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, idx), 0);
}

static void zt_refill_waits_for_the_stack(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = zt_give(test);
	netmem_ref netmem = net_iov_to_netmem(niov);

	/* an skb still points at the buffer when the user returns it */
	page_pool_ref_netmem(netmem);
	zt_push(t, zt_off(net_iov_idx(niov)), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(niov)), 0);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS - 1);

	/* the stack's put is the last one */
	if (!page_pool_unref_netmem(netmem, 1))
		io_zcrx_return_niov(niov);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
}

/* A tail the user made up is never followed past one ring's worth. */
static void zt_refill_bounds_garbage_tail(struct kunit *test)
{
	static const u32 tails[] = { 1000000007, 0xffffffff, 0x80000000 };
	struct zt_instance *t = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(tails); i++) {
		u32 head = t->ifq.cached_rq_head;

		WRITE_ONCE(t->hdr.tail, head + tails[i]);
		zt_refill(t);
		KUNIT_EXPECT_EQ(test, t->ifq.cached_rq_head - head,
				(u32)ZT_RQ_ENTRIES);
		KUNIT_EXPECT_EQ(test, t->hdr.head, t->ifq.cached_rq_head);
	}
	/* the entries read were zero: offset 0 of a buffer nobody holds */
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, 0), 0);
}

/* A flush stops at the first made-up entry, which it counts consumed. */
static void zt_flush_stops_at_bad_entry(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *a = zt_give(test), *b = zt_give(test);

	zt_push(t, zt_off(net_iov_idx(a)), 0);
	zt_push(t, zt_off(ZT_NR_BUFS + 1), 0);
	zt_push(t, zt_off(net_iov_idx(b)), 0);
	KUNIT_EXPECT_EQ(test, io_zcrx_ring_refill(NULL, &t->ifq, ZT_RQ_ENTRIES,
						  true), 2);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(a)), 0);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(b)), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->hdr.head), t->tail - 1);

	/* the next flush takes the rest */
	KUNIT_EXPECT_EQ(test, io_zcrx_ring_refill(NULL, &t->ifq, ZT_RQ_ENTRIES,
						  true), 1);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
}

/* The user's head is ours to write; what it writes there is ignored. */
static void zt_refill_ignores_user_head(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *niov = zt_give(test);

	WRITE_ONCE(t->hdr.head, 12345);
	zt_push(t, zt_off(net_iov_idx(niov)), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	KUNIT_EXPECT_EQ(test, t->hdr.head, t->tail);
}

static void zt_scrub_takes_everything_back(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	struct net_iov *once = zt_give(test);
	struct net_iov *twice = zt_give(test);
	int i;

	/* two completions out of one buffer: two user references */
	io_zcrx_get_niov_uref(twice);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(twice)), 2);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS - 2);

	io_zcrx_scrub(&t->ifq);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	for (i = 0; i < ZT_NR_BUFS; i++)
		KUNIT_EXPECT_EQ(test, zt_user_refs(t, i), 0);

	/* the user's late returns find nothing to give back */
	zt_push(t, zt_off(net_iov_idx(once)), 0);
	zt_push(t, zt_off(net_iov_idx(twice)), 0);
	zt_refill(t);
	KUNIT_EXPECT_EQ(test, t->area.free_count, ZT_NR_BUFS);
	KUNIT_EXPECT_EQ(test, zt_user_refs(t, net_iov_idx(twice)), 0);
}

/* ABI §5, §8: the area id picks the area, offsets count in buffers */
static void zt_parse_areas_and_buffer_size(struct kunit *test)
{
	struct zt_instance *t = test->priv;
	const unsigned int shift = PAGE_SHIFT + 2;
	struct io_uring_zcrx_rqe rqe = {};
	struct io_zcrx_area *second;
	struct net_iov *niov;

	second = kunit_kzalloc(test, sizeof(*second), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, second);
	second->nia.niovs = kunit_kcalloc(test, 4, sizeof(struct net_iov),
					  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, second->nia.niovs);
	second->nia.num_niovs = 4;
	second->area_id = 1;
	second->ifq = &t->ifq;
	t->area_slots[1] = second;
	t->ifq.nr_areas = 2;
	t->ifq.buf_shift = shift;

	rqe.off = (1ULL << IORING_ZCRX_AREA_SHIFT) | (3ULL << shift) | 5;
	KUNIT_EXPECT_TRUE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
	KUNIT_EXPECT_PTR_EQ(test, niov, &second->nia.niovs[3]);
	/* a page into a buffer is still that buffer */
	rqe.off = (1ULL << shift) + PAGE_SIZE;
	KUNIT_EXPECT_TRUE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
	KUNIT_EXPECT_PTR_EQ(test, niov, &t->niovs[1]);

	rqe.off = (1ULL << IORING_ZCRX_AREA_SHIFT) | (4ULL << shift);
	KUNIT_EXPECT_FALSE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
	/* an id past the count, though the slot array is longer */
	rqe.off = 2ULL << IORING_ZCRX_AREA_SHIFT;
	KUNIT_EXPECT_FALSE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
	t->ifq.nr_areas = 1;
	rqe.off = 1ULL << IORING_ZCRX_AREA_SHIFT;
	KUNIT_EXPECT_FALSE(test, io_parse_rqe(&rqe, &t->ifq, &niov));
}

/* ABI §4: buffers are cut from contiguous runs, never across two */
static void zt_buffers_from_runs(struct kunit *test)
{
	static const unsigned int run_pages[] = { 4, 8, 4 };
	struct zt_instance *t = test->priv;
	static const u64 want[] = { SZ_1G, SZ_2G, SZ_2G + SZ_16K, 3ULL << 30 };
	struct scatterlist *sg;
	struct sg_table sgt;
	netmem_ref netmem;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, sg_alloc_table(&sgt, ARRAY_SIZE(run_pages),
					     GFP_KERNEL), 0);
	for_each_sgtable_sg(&sgt, sg, i) {
		sg->length = run_pages[i] << PAGE_SHIFT;
		sg_dma_address(sg) = (u64)(i + 1) << 30;
		sg_dma_len(sg) = sg->length;
	}
	t->area.sgt = &sgt;
	t->area.nia.num_niovs = ARRAY_SIZE(want);

	/* 16 KiB buffers: runs of 4, 8 and 4 pages hold 1, 2 and 1 */
	t->ifq.buf_shift = ilog2(SZ_16K);
	KUNIT_EXPECT_EQ(test, io_zcrx_cut_buffers(&t->ifq, &t->area, true,
						  false), 0);
	KUNIT_EXPECT_EQ(test, io_zcrx_set_dma_addrs(&t->ifq, &t->area), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		netmem = net_iov_to_netmem(&t->niovs[i]);
		KUNIT_EXPECT_EQ(test, page_pool_get_dma_addr_netmem(netmem),
				want[i]);
	}

	/* 32 KiB buffers would straddle the 16 KiB runs */
	t->ifq.buf_shift = ilog2(SZ_32K);
	KUNIT_EXPECT_EQ(test, io_zcrx_cut_buffers(&t->ifq, &t->area, true,
						  false), -ERANGE);
	KUNIT_EXPECT_EQ(test, io_zcrx_set_dma_addrs(&t->ifq, &t->area),
			-ERANGE);

	/* entries that continue each other are one run: 64 KiB from 2G-16K */
	sg = sgt.sgl;
	sg_dma_address(sg) = SZ_2G - SZ_16K;
	sg_dma_address(sg_next(sg_next(sg))) = SZ_2G + SZ_32K;
	t->area.nia.num_niovs = 2;
	KUNIT_EXPECT_EQ(test, io_zcrx_set_dma_addrs(&t->ifq, &t->area), 0);
	netmem = net_iov_to_netmem(&t->niovs[1]);
	KUNIT_EXPECT_EQ(test, page_pool_get_dma_addr_netmem(netmem),
			SZ_2G + SZ_16K);

	io_zcrx_clear_dma_addrs(&t->area);
	t->area.nia.num_niovs = ZT_NR_BUFS;
	t->area.sgt = NULL;
	sg_free_table(&sgt);
}

/* ABI §4: area length and address rules, before anything is pinned */
static void zt_area_reg_rules(struct kunit *test)
{
	static const struct {
		u64 addr, len;
		u32 flags, dmabuf_fd;
		int err;
		bool nodev;
	} cases[] = {
		{ 0x10000, 16 * PAGE_SIZE, 0, 0, 0 },
		{ 0, 16 * PAGE_SIZE, 0, 0, -EINVAL },
		{ 0x10000 + 1, 16 * PAGE_SIZE, 0, 0, -EINVAL },
		{ 0x10000, 16 * PAGE_SIZE + 1, 0, 0, -EINVAL },
		{ 0x10000, 0, 0, 0, -EFAULT },
		{ 0x10000, 2ULL << 40, 0, 0, -EFAULT },
		{ 0x10000, (1ULL << 40) + PAGE_SIZE, 0, 0, -EFAULT },
		/* allowed by length, but its net_iovs would not fit kvmalloc */
		{ 0x10000, 1ULL << 40, 0, 0, -EOVERFLOW },
		{ -2 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0, -EOVERFLOW },
		{ 0x10000, 16 * PAGE_SIZE, 0, 3, -EINVAL },
		{ 0x10000, 16 * PAGE_SIZE, 2, 0, -EINVAL },
		/* a NODEV area must be readable: never a dma-buf */
		{ 0, 16 * PAGE_SIZE, IORING_ZCRX_AREA_DMABUF, 3, -EINVAL, true },
		/* a dma-buf: no address, a page-aligned length */
		{ 0, 16 * PAGE_SIZE, IORING_ZCRX_AREA_DMABUF, 3, 0 },
		{ 0x10000, 16 * PAGE_SIZE, IORING_ZCRX_AREA_DMABUF, 3, -EINVAL },
		{ 0, 16 * PAGE_SIZE + 1, IORING_ZCRX_AREA_DMABUF, 3, -EINVAL },
		{ 0x10000, 16 * PAGE_SIZE, 0, 0, 0, true },
	};
	struct io_uring_zcrx_area_reg reg = {};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		reg.addr = cases[i].addr;
		reg.len = cases[i].len;
		reg.flags = cases[i].flags;
		reg.dmabuf_fd = cases[i].dmabuf_fd;
		KUNIT_EXPECT_EQ_MSG(test,
				    io_zcrx_check_area_reg(&reg, cases[i].nodev),
				    cases[i].err, "case %d: addr %llx len %llx",
				    i, reg.addr, reg.len);
	}
}

/* ABI §5: refill region rules, in their order */
static void zt_region_rules(struct kunit *test)
{
	const size_t need = PAGE_SIZE + 1;
	static const struct {
		u64 user_addr, size, mmap_offset;
		u32 flags, id;
		int err;
	} cases[] = {
		{ 0, 2 * PAGE_SIZE, 0, 0, 0, 0 },
		{ 0x10000, 2 * PAGE_SIZE, 0, IORING_MEM_REGION_TYPE_USER, 0, 0 },
		{ 0, 2 * PAGE_SIZE, 0, 2, 0, -EINVAL },
		{ 0, 2 * PAGE_SIZE, 0, IORING_MEM_REGION_TYPE_USER, 0, -EFAULT },
		{ 0x10000, 2 * PAGE_SIZE, 0, 0, 0, -EFAULT },
		{ 0, 0, 0, 0, 0, -EINVAL },
		{ 0, 2 * PAGE_SIZE, PAGE_SIZE, 0, 0, -EINVAL },
		{ 0, 2 * PAGE_SIZE, 0, 0, 1, -EINVAL },
		{ 0, 2 * PAGE_SIZE - 1, 0, 0, 0, -EINVAL },
		{ 0x10001, 2 * PAGE_SIZE, 0, IORING_MEM_REGION_TYPE_USER, 0,
		  -EINVAL },
		{ -PAGE_SIZE, 2 * PAGE_SIZE, 0, IORING_MEM_REGION_TYPE_USER, 0,
		  -EOVERFLOW },
		{ 0, 1ULL << 50, 0, 0, 0, -E2BIG },
		{ 0, PAGE_SIZE, 0, 0, 0, -EINVAL },
	};
	struct io_uring_region_desc rd = {};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		rd.user_addr = cases[i].user_addr;
		rd.size = cases[i].size;
		rd.mmap_offset = cases[i].mmap_offset;
		rd.flags = cases[i].flags;
		rd.id = cases[i].id;
		KUNIT_EXPECT_EQ_MSG(test, io_zcrx_check_region(&rd, need),
				    cases[i].err, "case %d", i);
	}
}

static struct kunit_case io_zcrx_test_cases[] = {
	KUNIT_CASE(zt_parse_accepts_area_offsets),
	KUNIT_CASE(zt_parse_rejects_made_up_entries),
	KUNIT_CASE(zt_parse_areas_and_buffer_size),
	KUNIT_CASE(zt_uref_never_below_zero),
	KUNIT_CASE(zt_hand_out_races_refill),
	KUNIT_CASE(zt_refill_takes_back_held_buffers),
	KUNIT_CASE(zt_refill_ignores_duplicates),
	KUNIT_CASE(zt_refill_batches_consecutive_entries),
	KUNIT_CASE(zt_refill_ignores_buffers_not_held),
	KUNIT_CASE(zt_refill_waits_for_the_stack),
	KUNIT_CASE(zt_refill_bounds_garbage_tail),
	KUNIT_CASE(zt_refill_ignores_user_head),
	KUNIT_CASE(zt_flush_stops_at_bad_entry),
	KUNIT_CASE(zt_scrub_takes_everything_back),
	KUNIT_CASE(zt_buffers_from_runs),
	KUNIT_CASE(zt_area_reg_rules),
	KUNIT_CASE(zt_region_rules),
	{}
};

static struct kunit_suite io_zcrx_test_suite = {
	.name		= "io_uring_zcrx",
	.init		= zt_init,
	.test_cases	= io_zcrx_test_cases,
};

kunit_test_suite(io_zcrx_test_suite);
