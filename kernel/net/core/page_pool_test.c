// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for page_pool allocation and recycling.
 *
 * The zcrx memory provider sits behind the page_pool fast paths exercised
 * here: a page given back in NAPI context must land in the per-pool cache,
 * one given back from elsewhere in the ptr_ring, and a page somebody else
 * still holds must leave the pool instead of being recycled. The statistics
 * are checked alongside, as tools read them to tell the paths apart.
 */

#include <kunit/test.h>
#include <linux/bottom_half.h>
#include <linux/mm.h>
#include <net/page_pool/helpers.h>

struct pp_test {
	struct page_pool *pool;
};

static int pp_test_init(struct kunit *test)
{
	struct page_pool_params params = {
		.order = 0,
		.pool_size = 256,
		.nid = NUMA_NO_NODE,
	};
	struct pp_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pool = page_pool_create(&params);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->pool));
	test->priv = t;
	return 0;
}

static void pp_test_exit(struct kunit *test)
{
	struct pp_test *t = test->priv;

	page_pool_destroy(t->pool);
}

static struct page_pool_stats pp_test_stats(struct kunit *test)
{
	struct pp_test *t = test->priv;
	struct page_pool_stats stats = {};

	/* page_pool_get_stats() adds to what it is given. */
	KUNIT_EXPECT_TRUE(test, page_pool_get_stats(t->pool, &stats));
	return stats;
}

static s32 pp_test_inflight(struct page_pool *pool)
{
	return (s32)(pool->pages_state_hold_cnt -
		     (u32)atomic_read(&pool->pages_state_release_cnt));
}

static struct page *pp_test_alloc(struct kunit *test)
{
	struct pp_test *t = test->priv;
	struct page *page;

	page = page_pool_alloc_pages(t->pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	return page;
}

/* A page returned in softirq context goes to the cache and comes back next. */
static void pp_test_direct_recycle(struct kunit *test)
{
	struct pp_test *t = test->priv;
	struct page_pool_stats before, after;
	struct page *page;
	s32 inflight;

	page = pp_test_alloc(test);
	inflight = pp_test_inflight(t->pool);

	before = pp_test_stats(test);
	local_bh_disable();
	page_pool_recycle_direct(t->pool, page);
	local_bh_enable();
	after = pp_test_stats(test);
	KUNIT_EXPECT_EQ(test, after.recycle_stats.cached,
			before.recycle_stats.cached + 1);
	KUNIT_EXPECT_EQ(test, after.recycle_stats.ring,
			before.recycle_stats.ring);
	/* A recycled page stays with the pool: still counted as in flight. */
	KUNIT_EXPECT_EQ(test, pp_test_inflight(t->pool), inflight);

	KUNIT_EXPECT_PTR_EQ(test, pp_test_alloc(test), page);
	after = pp_test_stats(test);
	KUNIT_EXPECT_EQ(test, after.alloc_stats.fast,
			before.alloc_stats.fast + 1);
	page_pool_put_full_page(t->pool, page, false);
}

/*
 * A page returned from process context goes through the ptr_ring and is
 * handed out again once the cache runs dry.
 */
static void pp_test_ring_recycle(struct kunit *test)
{
	struct pp_test *t = test->priv;
	struct page_pool_stats before, after;
	struct page **held;
	int n = 0, i;

	held = kunit_kcalloc(test, PP_ALLOC_CACHE_SIZE + 1, sizeof(*held),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);

	/* The first slow-path allocation fills the cache in bulk: drain it. */
	do {
		held[n++] = pp_test_alloc(test);
	} while (t->pool->alloc.count && n <= PP_ALLOC_CACHE_SIZE);
	KUNIT_ASSERT_EQ(test, t->pool->alloc.count, 0);

	before = pp_test_stats(test);
	page_pool_put_full_page(t->pool, held[0], false);
	after = pp_test_stats(test);
	KUNIT_EXPECT_EQ(test, after.recycle_stats.ring,
			before.recycle_stats.ring + 1);
	KUNIT_EXPECT_EQ(test, after.recycle_stats.cached,
			before.recycle_stats.cached);

	KUNIT_EXPECT_PTR_EQ(test, pp_test_alloc(test), held[0]);
	after = pp_test_stats(test);
	KUNIT_EXPECT_EQ(test, after.alloc_stats.refill,
			before.alloc_stats.refill + 1);
	KUNIT_EXPECT_EQ(test, after.alloc_stats.slow, before.alloc_stats.slow);

	/* Every page the pool took from the system is one we hold. */
	KUNIT_EXPECT_EQ(test, pp_test_inflight(t->pool), n);
	for (i = 0; i < n; i++)
		page_pool_put_full_page(t->pool, held[i], false);
}

/* A page with an extra reference is released to the system, not recycled. */
static void pp_test_elevated_refcount(struct kunit *test)
{
	struct pp_test *t = test->priv;
	struct page_pool_stats before, after;
	struct page *page;
	s32 inflight;

	page = pp_test_alloc(test);
	inflight = pp_test_inflight(t->pool);
	get_page(page);

	before = pp_test_stats(test);
	page_pool_put_full_page(t->pool, page, false);
	after = pp_test_stats(test);
	KUNIT_EXPECT_EQ(test, after.recycle_stats.released_refcnt,
			before.recycle_stats.released_refcnt + 1);
	KUNIT_EXPECT_EQ(test, after.recycle_stats.ring,
			before.recycle_stats.ring);
	/* The pool forgot the page: it holds one page less. */
	KUNIT_EXPECT_EQ(test, pp_test_inflight(t->pool), inflight - 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	put_page(page);
}

/*
 * net_iov areas: whichever provider owns them, a net_iov finds its area,
 * its index and its place in the provider's address space.
 */
static void pp_test_net_iov_area(struct kunit *test)
{
	struct net_iov niovs[4] = {};
	struct net_iov_area area = {
		.niovs = niovs,
		.num_niovs = ARRAY_SIZE(niovs),
		.base_virtual = 16 * PAGE_SIZE,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(niovs); i++) {
		niovs[i].owner = &area;
		niovs[i].type = NET_IOV_IOURING;
	}
	for (i = 0; i < ARRAY_SIZE(niovs); i++) {
		KUNIT_EXPECT_PTR_EQ(test, net_iov_owner(&niovs[i]), &area);
		KUNIT_EXPECT_EQ(test, net_iov_idx(&niovs[i]), i);
		KUNIT_EXPECT_EQ(test, net_iov_virtual_addr(&niovs[i]),
				(16 + i) * PAGE_SIZE);
	}
	/* A net_iov is told apart from a page by its netmem_ref alone */
	KUNIT_EXPECT_TRUE(test, netmem_is_net_iov(net_iov_to_netmem(&niovs[2])));
	KUNIT_EXPECT_PTR_EQ(test,
			    netmem_to_net_iov(net_iov_to_netmem(&niovs[2])),
			    &niovs[2]);
	/* The type takes the slot struct page keeps its flags in */
	KUNIT_EXPECT_EQ(test, sizeof(niovs[0].type), sizeof(unsigned long));
}

static struct kunit_case pp_test_cases[] = {
	KUNIT_CASE(pp_test_direct_recycle),
	KUNIT_CASE(pp_test_ring_recycle),
	KUNIT_CASE(pp_test_elevated_refcount),
	KUNIT_CASE(pp_test_net_iov_area),
	{}
};

static struct kunit_suite pp_test_suite = {
	.name = "page_pool",
	.init = pp_test_init,
	.exit = pp_test_exit,
	.test_cases = pp_test_cases,
};

kunit_test_suite(pp_test_suite);

MODULE_DESCRIPTION("KUnit tests for page_pool allocation and recycling");
MODULE_LICENSE("GPL");
