// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_reg: IORING_REGISTER_ZCRX_IFQ held to the registration rules of the
 * zcrx user ABI, revision 2 (zcrx-abi.md, sections 3 to 5, and the event
 * descriptor of section 9), one KTAP case per rule. What ZCRX_REG_IMPORT
 * and ZCRX_REG_NODEV do is tests/tools/zcrx_ctl's; here they are only
 * flags that come with rules of their own.
 *
 *   zcrx_reg -i IF -q QUEUE -Q QUEUE2 [-s SPLIT_OFF_IF]
 *
 * IF (a name or an ifindex) has tcp-data-split on; QUEUE and QUEUE2 are two
 * of its rx queues nothing else uses. SPLIT_OFF_IF, if given, is a device
 * with tcp-data-split off. Runs as root with every capability: the cases
 * that need one less drop it in a child.
 *
 * An errno case starts from a registration that would succeed (a 16-page
 * area, a kernel-allocated refill ring of 64 entries, QUEUE), breaks one
 * rule and expects the errno the ABI gives; where the ABI allows more than
 * one, any of them passes. The kernel checks in the order of section 3, so
 * an "order" case breaks two rules and expects the errno of the one checked
 * first. Then the memory accounting (RLIMIT_MEMLOCK and VmPin, given back
 * by every failure), the registrations that succeed, and what they write
 * back. Every case has a ring of its own and closes it at its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <liburing/zcrx.h>

#include "ktap_cases.h"

#define RING_FLAGS	(IORING_SETUP_DEFER_TASKRUN | \
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32)
#define AREA_PAGES	16
#define RQ_ENTRIES	64
/* The ABI defines registration flags 1 and 2; this one it does not. */
#define ZCRX_REG_UNDEFINED_FLAG	(1U << 2)
/* 1 TiB, the largest area length the ABI accepts */
#define AREA_LEN_MAX	(1ULL << 40)
/* How long a closed ring may take to give its pinned pages back */
#define UNPIN_TIMEOUT_MS	30000

static struct {
	unsigned int ifindex;
	unsigned int queue, queue2;
	unsigned int nr_queues;
	unsigned int split_off_ifindex;
} cfg;

static size_t page_size;

static unsigned int count_rx_queues(unsigned int ifindex);

/* One registration: the argument, the structs it points to, their memory. */
struct reg {
	struct io_uring_zcrx_ifq_reg ifq;
	struct io_uring_zcrx_area_reg area;
	struct io_uring_region_desc rd;
	struct zcrx_event_desc ev;	/* event_desc points here once set */
	void *arg;		/* what the syscall gets, &ifq unless moved */
	unsigned int nr_args;
	void *area_mem;
	size_t area_len;
	void *region_mem;	/* user memory for the refill ring, or NULL */
	size_t region_len;
	void *ro_page;		/* a read-only copy of one struct, or NULL */
};

/* Helpers */

/* Anonymous memory; the test cannot go on without it. */
static void *xmap(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * page_size, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

/* An address nothing is mapped at: a page mapped and given back. */
static void *unmapped_address(void)
{
	void *p = xmap(1, PROT_NONE);

	munmap(p, page_size);
	return p;
}

static void ring_open(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };
	int ret;

	ret = io_uring_queue_init_params(8, ring, &p);
	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init_params(0x%x): %s\n",
				   flags, strerror(-ret));
}

/* A registration that succeeds on @queue, with an area of @pages pages. */
static void reg_init(struct reg *r, unsigned int queue, size_t pages)
{
	memset(r, 0, sizeof(*r));
	r->area_len = pages * page_size;
	r->area_mem = xmap(pages, PROT_READ | PROT_WRITE);
	r->area.addr = (uintptr_t)r->area_mem;
	r->area.len = r->area_len;
	r->rd.size = io_uring_zcrx_rq_region_size(RQ_ENTRIES);
	r->ifq.if_idx = cfg.ifindex;
	r->ifq.if_rxq = queue;
	r->ifq.rq_entries = RQ_ENTRIES;
	r->ifq.area_ptr = (uintptr_t)&r->area;
	r->ifq.region_ptr = (uintptr_t)&r->rd;
	r->arg = &r->ifq;
	r->nr_args = 1;
}

/* The refill ring in user memory of rd.size bytes instead of the kernel's. */
static void reg_use_user_region(struct reg *r)
{
	r->region_len = r->rd.size;
	r->region_mem = xmap(r->region_len / page_size,
			     PROT_READ | PROT_WRITE);
	r->rd.user_addr = (uintptr_t)r->region_mem;
	r->rd.flags = IORING_MEM_REGION_TYPE_USER;
}

/* A copy of @len bytes at @src, on a page of its own made read-only. */
static void *reg_read_only_copy(struct reg *r, const void *src, size_t len)
{
	r->ro_page = xmap(1, PROT_READ | PROT_WRITE);
	memcpy(r->ro_page, src, len);
	if (mprotect(r->ro_page, page_size, PROT_READ))
		ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
	return r->ro_page;
}

static void reg_free(struct reg *r)
{
	if (r->area_mem)
		munmap(r->area_mem, r->area_len);
	if (r->region_mem)
		munmap(r->region_mem, r->region_len);
	if (r->ro_page)
		munmap(r->ro_page, page_size);
}

/* Give the area @pages pages of fresh memory instead. */
static void reg_resize_area(struct reg *r, size_t pages)
{
	munmap(r->area_mem, r->area_len);
	r->area_len = pages * page_size;
	r->area_mem = xmap(pages, PROT_READ | PROT_WRITE);
	r->area.addr = (uintptr_t)r->area_mem;
	r->area.len = r->area_len;
}

/* Pages of the area and of the refill ring region, as charged. */
static long reg_pages(const struct reg *r)
{
	return (r->area.len + r->rd.size) / page_size;
}

/* The raw syscall: liburing's wrapper would not let nr_args be wrong. */
static int reg_register(struct io_uring *ring, struct reg *r)
{
	return sys_register(ring->ring_fd, IORING_REGISTER_ZCRX_IFQ, r->arg,
			    r->nr_args);
}

/*
 * Poll VmPin until it is @want pages: a closed ring unpins its area once
 * the page pools let go of the last buffer, which takes a moment. Returns
 * the milliseconds it took, or -1 if it did not come within the timeout.
 */
static long wait_vm_pin(long want)
{
	long start = now_ms(), waited;

	for (;;) {
		waited = now_ms() - start;
		if (vm_pin_pages() == want)
			return waited;
		if (waited > UNPIN_TIMEOUT_MS)
			return -1;
		usleep(5000);
	}
}

/* Reporting: result() and errname() are ktap_cases.h's */

static void skip(const char *why, const char *fmt, ...)
{
	char desc[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	ksft_test_result_code(KSFT_SKIP, desc, "%s", why);
}

/* Most errnos the ABI allows for one rule, 0-terminated. */
#define MAX_ERRS	3

static bool errno_allowed(int ret, const int *errs)
{
	int i;

	for (i = 0; i < MAX_ERRS && errs[i]; i++)
		if (ret == -errs[i])
			return true;
	return false;
}

/*
 * One KTAP line for a rule whose breach the ABI answers with one of @errs.
 * A known kernel bug (@bug) turns a mismatch into a skip until it is fixed.
 */
static void report_errno(const char *rule, int ret, const int *errs,
			 const char *bug)
{
	char desc[256], name[32];
	size_t n;
	int i;

	n = snprintf(desc, sizeof(desc), "%s:", rule);
	for (i = 0; i < MAX_ERRS && errs[i] && n < sizeof(desc); i++)
		n += snprintf(desc + n, sizeof(desc) - n, "%s %s",
			      i ? " or" : "",
			      errname(-errs[i], name, sizeof(name)));

	if (errno_allowed(ret, errs)) {
		if (bug)
			ksft_print_msg("%s: the kernel bug noted here is fixed\n",
				       rule);
		ksft_test_result_code(KSFT_PASS, desc, NULL);
		return;
	}
	ksft_print_msg("%s: got %s\n", rule, errname(ret, name, sizeof(name)));
	if (bug)
		ksft_test_result_code(KSFT_SKIP, desc, "kernel bug: %s", bug);
	else
		ksft_test_result_code(KSFT_FAIL, desc, NULL);
}

/* Errno cases: one broken rule each, or two for the order of the checks */

/*
 * Set one field of one of the four structs (little-endian: low bytes). A
 * poke of the event descriptor makes ifq_reg.event_desc point to it.
 */
enum part { PART_IFQ, PART_AREA, PART_REGION, PART_EVENT };

struct poke {
	enum part part;
	size_t off, size;	/* size 0: no poke */
	uint64_t val;
};

#define FIELD(type, f)	offsetof(struct type, f), sizeof(((struct type *)0)->f)
#define POKE_IFQ(f, v)	{ PART_IFQ, FIELD(io_uring_zcrx_ifq_reg, f), v }
#define POKE_AREA(f, v)	{ PART_AREA, FIELD(io_uring_zcrx_area_reg, f), v }
#define POKE_RD(f, v)	{ PART_REGION, FIELD(io_uring_region_desc, f), v }
#define POKE_EV(f, v)	{ PART_EVENT, FIELD(zcrx_event_desc, f), v }

static void poke(struct reg *r, const struct poke *p)
{
	void *base[] = {
		[PART_IFQ] = &r->ifq,
		[PART_AREA] = &r->area,
		[PART_REGION] = &r->rd,
		[PART_EVENT] = &r->ev,
	};

	if (!p->size)
		return;
	memcpy((char *)base[p->part] + p->off, &p->val, p->size);
	if (p->part == PART_EVENT)
		r->ifq.event_desc = (uintptr_t)&r->ev;
}

/*
 * What breaks the rule (or the two rules of an order case): the pokes
 * first, then the mutators, in order. A mutator that moves a struct to
 * read-only memory goes last, since it copies the struct as it is.
 */
struct errno_case {
	const char *rule;
	unsigned int ring_flags;	/* 0: RING_FLAGS */
	struct poke poke, poke2;
	void (*mutate)(struct reg *r);
	void (*mutate2)(struct reg *r);
	int errs[MAX_ERRS];
	/* a known kernel bug: a mismatch is a SKIP until it is fixed */
	const char *kernel_bug;
};

static void nr_args_0(struct reg *r)
{
	r->nr_args = 0;
}

static void nr_args_2(struct reg *r)
{
	r->nr_args = 2;
}

static void arg_null(struct reg *r)
{
	r->arg = NULL;
}

static void ifq_unmapped(struct reg *r)
{
	r->arg = unmapped_address();
}

static void ifq_read_only(struct reg *r)
{
	r->arg = reg_read_only_copy(r, &r->ifq, sizeof(r->ifq));
}

static void area_ptr_unmapped(struct reg *r)
{
	r->ifq.area_ptr = (uintptr_t)unmapped_address();
}

static void region_ptr_unmapped(struct reg *r)
{
	r->ifq.region_ptr = (uintptr_t)unmapped_address();
}

/* The event descriptor (ABI section 9) */

static void event_desc_unmapped(struct reg *r)
{
	r->ifq.event_desc = (uintptr_t)unmapped_address();
}

/* A descriptor valid but for a type bit no ABI revision defines */
static void event_desc_undefined_type(struct reg *r)
{
	r->ev.type_mask = 1U << 2;
	r->ifq.event_desc = (uintptr_t)&r->ev;
}

/* The end of the refill entries, where stats may start */
static uint64_t rq_end(const struct reg *r)
{
	return LIBURING_ZCRX_RQ_HDR_SIZE +
	       (uint64_t)r->ifq.rq_entries * sizeof(struct io_uring_zcrx_rqe);
}

static void stats_at(struct reg *r, uint64_t off)
{
	r->ev.flags = ZCRX_EVENT_DESC_FLAG_STATS;
	r->ev.stats_offset = off;
	r->ifq.event_desc = (uintptr_t)&r->ev;
}

static void stats_unaligned(struct reg *r)
{
	stats_at(r, rq_end(r) + 4);
}

static void stats_in_entries(struct reg *r)
{
	stats_at(r, LIBURING_ZCRX_RQ_HDR_SIZE + 16);
}

static void stats_unaligned_in_entries(struct reg *r)
{
	stats_at(r, LIBURING_ZCRX_RQ_HDR_SIZE + 20);
}

/* The stats' first half over the last entry */
static void stats_over_last_entry(struct reg *r)
{
	stats_at(r, rq_end(r) - 8);
}

/* The stats' second half past the region */
static void stats_straddling_end(struct reg *r)
{
	stats_at(r, r->rd.size - 8);
}

static void stats_past_region(struct reg *r)
{
	stats_at(r, r->rd.size);
}

/* Where offset + 16 would wrap */
static void stats_at_u64_max(struct reg *r)
{
	stats_at(r, UINT64_MAX & ~7ULL);
}

static void area_addr_unaligned(struct reg *r)
{
	r->area.addr += page_size / 2;
	r->area.len -= page_size;
}

static void area_len_unaligned(struct reg *r)
{
	r->area.len -= page_size / 2;
}

/* Lengths past what the ABI takes: no memory is needed, it checks first. */
static void area_len_2t(struct reg *r)
{
	r->area.len = 2 * AREA_LEN_MAX;
}

static void area_len_1t_and_page(struct reg *r)
{
	r->area.len = AREA_LEN_MAX + page_size;
}

/*
 * 1 TiB is a valid length, but 2^28 buffers need per-buffer arrays larger
 * than kvmalloc() gives (INT_MAX bytes): refused before any charge or pin,
 * and without the WARN kvmalloc() would print (the runner fails on it).
 */
static void area_len_1t(struct reg *r)
{
	r->area.len = AREA_LEN_MAX;
}

/* The last 8 pages of the address space, and 16 pages from there */
static void area_end_overflows(struct reg *r)
{
	r->area.addr = -(uint64_t)(8 * page_size);
}

static void area_unmapped(struct reg *r)
{
	munmap(r->area_mem, r->area_len);
	r->area_mem = NULL;
}

/* Only the last page is missing: the kernel must pin every one. */
static void area_hole(struct reg *r)
{
	munmap((char *)r->area_mem + r->area_len - page_size, page_size);
	r->area_len -= page_size;
}

static void area_read_only(struct reg *r)
{
	munmap(r->area_mem, r->area_len);
	r->area_mem = xmap(r->area_len / page_size, PROT_READ);
	r->area.addr = (uintptr_t)r->area_mem;
}

/*
 * A dma-buf area as the ABI has it, addr 0 and an fd, but of a fd that is
 * no dma-buf (stdout): dma_buf_get()'s -EINVAL. Real dma-buf areas are
 * tests/tools/zcrx_mem's.
 */
static void area_dmabuf(struct reg *r)
{
	r->area.flags = IORING_ZCRX_AREA_DMABUF;
	r->area.addr = 0;
	r->area.dmabuf_fd = STDOUT_FILENO;
}

static void rx_buf_len_not_pow2(struct reg *r)
{
	r->ifq.rx_buf_len = 3 * page_size;
}

static void rx_buf_len_below_page(struct reg *r)
{
	r->ifq.rx_buf_len = page_size / 2;
}

/* No physically contiguous run can be longer than the area itself. */
static void rx_buf_len_twice_area(struct reg *r)
{
	r->ifq.rx_buf_len = 2 * r->area_len;
}

static void rx_buf_len_2g(struct reg *r)
{
	r->ifq.rx_buf_len = 1U << 31;
}

/* After the region memory is mapped: these do not change the mapping. */
static void region_flags_undefined(struct reg *r)
{
	r->rd.flags |= 1U << 1;
}

static void region_size_0(struct reg *r)
{
	r->rd.size = 0;
}

static void region_size_unaligned(struct reg *r)
{
	r->rd.size += page_size / 2;
}

static void user_region_addr_0(struct reg *r)
{
	reg_use_user_region(r);
	r->rd.user_addr = 0;
}

static void user_region_addr_unaligned(struct reg *r)
{
	reg_use_user_region(r);
	r->rd.user_addr += 64;
}

/* The region's one page would end at 2^64. */
static void user_region_end_overflows(struct reg *r)
{
	reg_use_user_region(r);
	r->rd.user_addr = -(uint64_t)page_size;
}

static void user_region_unmapped(struct reg *r)
{
	reg_use_user_region(r);
	munmap(r->region_mem, r->region_len);
	r->region_mem = NULL;
}

/* 2^31 pages, one more than INT_MAX: 8 TiB, never allocated */
static void kernel_region_2g_pages(struct reg *r)
{
	r->rd.size = (1ULL << 31) * page_size;
}

/* 257 entries fit 2 pages, the 512 they are rounded up to do not. */
static void user_region_too_small(struct reg *r)
{
	r->ifq.rq_entries = 257;
	r->rd.size = 2 * page_size;
	reg_use_user_region(r);
}

static void kernel_region_too_small(struct reg *r)
{
	r->ifq.rq_entries = 1024;
	r->rd.size = page_size;
}

/* Real memory, so only the missing IORING_MEM_REGION_TYPE_USER is wrong. */
static void kernel_region_user_addr(struct reg *r)
{
	r->rd.user_addr = r->area.addr;
}

/* With a region big enough for the 65536 entries it would round up to */
static void rq_entries_over_max(struct reg *r)
{
	size_t size = LIBURING_ZCRX_RQ_HDR_SIZE +
		      65536 * sizeof(struct io_uring_zcrx_rqe);

	r->ifq.rq_entries = 32769;
	r->rd.size = (size + page_size - 1) & ~(page_size - 1);
}

static void rxq_out_of_range(struct reg *r)
{
	r->ifq.if_rxq = cfg.nr_queues;
}

#define NO_DEVICE	0x7fffffff	/* an ifindex nothing has */
#define LO_IFINDEX	1

static const struct errno_case errno_cases[] = {
	/* section 3 step 2: the ring */
	{ "ring without IORING_SETUP_DEFER_TASKRUN",
	  .ring_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
	  .errs = { EINVAL } },
	{ "ring without IORING_SETUP_CQE32",
	  .ring_flags = IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_SINGLE_ISSUER,
	  .errs = { EINVAL } },
	{ "order: ring without IORING_SETUP_DEFER_TASKRUN, ifq_reg in unmapped memory",
	  .ring_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
	  .mutate = ifq_unmapped, .errs = { EINVAL } },
	/* the syscall's own arguments */
	{ "nr_args 0", .mutate = nr_args_0, .errs = { EINVAL } },
	{ "nr_args 2", .mutate = nr_args_2, .errs = { EINVAL } },
	{ "arg NULL", .mutate = arg_null, .errs = { EINVAL } },

	/* step 3: the ifq struct */
	{ "ifq_reg in unmapped memory", .mutate = ifq_unmapped,
	  .errs = { EFAULT } },
	{ "ifq_reg.__resv[0] non-zero", .poke = POKE_IFQ(__resv[0], 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.__resv[1] non-zero", .poke = POKE_IFQ(__resv[1], 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.zcrx_id non-zero on input", .poke = POKE_IFQ(zcrx_id, 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.flags with a bit the ABI does not define (1 << 2)",
	  .poke = POKE_IFQ(flags, ZCRX_REG_UNDEFINED_FLAG),
	  .errs = { EINVAL } },
	{ "ifq_reg.flags ZCRX_REG_IMPORT with if_rxq, rq_entries, area_ptr and region_ptr set (must be 0)",
	  .poke = POKE_IFQ(flags, ZCRX_REG_IMPORT), .errs = { EINVAL } },
	{ "ifq_reg.flags ZCRX_REG_NODEV with the device's if_idx and if_rxq (must be 0)",
	  .poke = POKE_IFQ(flags, ZCRX_REG_NODEV), .errs = { EINVAL } },
	{ "ifq_reg.flags ZCRX_REG_IMPORT | ZCRX_REG_NODEV",
	  .poke = POKE_IFQ(flags, ZCRX_REG_IMPORT | ZCRX_REG_NODEV),
	  .errs = { EINVAL } },
	{ "order: ifq_reg.__resv[0] non-zero, region_ptr to unmapped memory",
	  .poke = POKE_IFQ(__resv[0], 1), .mutate = region_ptr_unmapped,
	  .errs = { EINVAL } },

	/* step 4: the region descriptor is read */
	{ "region_ptr to unmapped memory", .mutate = region_ptr_unmapped,
	  .errs = { EFAULT } },
	{ "order: region_ptr to unmapped memory, rq_entries 0",
	  .poke = POKE_IFQ(rq_entries, 0), .mutate = region_ptr_unmapped,
	  .errs = { EFAULT } },

	/* step 5: queue index and ring size */
	{ "if_rxq 0xFFFFFFFF", .poke = POKE_IFQ(if_rxq, 0xffffffff),
	  .errs = { EINVAL } },
	{ "rq_entries 0", .poke = POKE_IFQ(rq_entries, 0),
	  .errs = { EINVAL } },
	{ "rq_entries 32769 without IORING_SETUP_CLAMP",
	  .mutate = rq_entries_over_max, .errs = { EINVAL } },
	{ "order: if_rxq 0xFFFFFFFF, area_ptr to unmapped memory",
	  .poke = POKE_IFQ(if_rxq, 0xffffffff), .mutate = area_ptr_unmapped,
	  .errs = { EINVAL } },

	/* step 6: the area struct, then the event descriptor */
	{ "area_ptr to unmapped memory", .mutate = area_ptr_unmapped,
	  .errs = { EFAULT } },
	{ "event_desc to unmapped memory", .mutate = event_desc_unmapped,
	  .errs = { EFAULT } },
	{ "event_desc.type_mask with the undefined bit 1 << 2",
	  .poke = POKE_EV(type_mask, 1U << 2), .errs = { EINVAL } },
	{ "event_desc.type_mask with bit 31",
	  .poke = POKE_EV(type_mask, 1U << 31), .errs = { EINVAL } },
	{ "event_desc.flags with the undefined bit 1 << 1",
	  .poke = POKE_EV(flags, 1U << 1), .errs = { EINVAL } },
	{ "event_desc.stats_offset set without ZCRX_EVENT_DESC_FLAG_STATS",
	  .poke = POKE_EV(stats_offset, 4096 - 16), .errs = { EINVAL } },
	{ "event_desc.__resv2[0] non-zero", .poke = POKE_EV(__resv2[0], 1),
	  .errs = { EINVAL } },
	{ "event_desc.__resv2[8] non-zero", .poke = POKE_EV(__resv2[8], 1),
	  .errs = { EINVAL } },
	{ "order: rq_entries 0, event_desc to unmapped memory",
	  .poke = POKE_IFQ(rq_entries, 0), .mutate = event_desc_unmapped,
	  .errs = { EINVAL } },
	{ "order: area_ptr to unmapped memory, event_desc with an undefined type bit",
	  .mutate = area_ptr_unmapped, .mutate2 = event_desc_undefined_type,
	  .errs = { EFAULT } },
	{ "order: area_ptr to unmapped memory, region flags with an undefined bit",
	  .poke = POKE_RD(flags, 1U << 1), .mutate = area_ptr_unmapped,
	  .errs = { EFAULT } },
	{ "order: event_desc with an undefined type bit, if_idx of no device",
	  .poke = POKE_IFQ(if_idx, NO_DEVICE),
	  .mutate = event_desc_undefined_type, .errs = { EINVAL } },
	{ "order: event_desc to unmapped memory, region flags with an undefined bit",
	  .poke = POKE_RD(flags, 1U << 1), .mutate = event_desc_unmapped,
	  .errs = { EFAULT } },

	/* step 7: the region (section 5, in its order) */
	{ "region flags with an undefined bit (1 << 1)",
	  .poke = POKE_RD(flags, 1U << 1), .errs = { EINVAL } },
	{ "region_desc.__resv[0] non-zero", .poke = POKE_RD(__resv[0], 1),
	  .errs = { EINVAL } },
	{ "region_desc.__resv[1] non-zero", .poke = POKE_RD(__resv[1], 1),
	  .errs = { EINVAL } },
	{ "region_desc.__resv[2] non-zero", .poke = POKE_RD(__resv[2], 1),
	  .errs = { EINVAL } },
	{ "region_desc.__resv[3] non-zero", .poke = POKE_RD(__resv[3], 1),
	  .errs = { EINVAL } },
	{ "user region with user_addr 0", .mutate = user_region_addr_0,
	  .errs = { EFAULT } },
	{ "kernel region with user_addr set", .mutate = kernel_region_user_addr,
	  .errs = { EFAULT } },
	{ "region size 0", .poke = POKE_RD(size, 0), .errs = { EINVAL } },
	{ "region_desc.mmap_offset non-zero on input",
	  .poke = POKE_RD(mmap_offset, 0x30000000), .errs = { EINVAL } },
	{ "region_desc.id non-zero", .poke = POKE_RD(id, 1),
	  .errs = { EINVAL } },
	{ "region size not a multiple of the page size",
	  .mutate = region_size_unaligned, .errs = { EINVAL } },
	{ "user region with user_addr not page aligned",
	  .mutate = user_region_addr_unaligned, .errs = { EINVAL } },
	{ "user region ending past 2^64", .mutate = user_region_end_overflows,
	  .errs = { EOVERFLOW } },
	{ "kernel region of 2^31 pages, more than INT_MAX",
	  .mutate = kernel_region_2g_pages, .errs = { E2BIG } },
	{ "user region of 2 pages for rq_entries 257, rounded up to 512",
	  .mutate = user_region_too_small, .errs = { EINVAL } },
	{ "kernel region of 1 page for rq_entries 1024",
	  .mutate = kernel_region_too_small, .errs = { EINVAL } },
	{ "user region memory unmapped", .mutate = user_region_unmapped,
	  .errs = { EFAULT } },
	{ "order: region flags with an undefined bit, user_addr 0 with TYPE_USER",
	  .mutate = user_region_addr_0, .mutate2 = region_flags_undefined,
	  .errs = { EINVAL } },
	{ "order: user region with user_addr 0, region size 0",
	  .mutate = user_region_addr_0, .mutate2 = region_size_0,
	  .errs = { EFAULT } },
	{ "order: kernel region with user_addr set, region_desc.id non-zero",
	  .mutate = kernel_region_user_addr, .poke = POKE_RD(id, 1),
	  .errs = { EFAULT } },
	{ "order: user region ending past 2^64 and too small for rq_entries 1024",
	  .poke = POKE_IFQ(rq_entries, 1024),
	  .mutate = user_region_end_overflows, .errs = { EOVERFLOW } },
	{ "order: kernel region of 2^31 pages, if_idx of no device",
	  .poke = POKE_IFQ(if_idx, NO_DEVICE),
	  .mutate = kernel_region_2g_pages, .errs = { E2BIG } },

	/* step 7: where the stats go (section 9), after the region */
	{ "stats_offset not 8-aligned (4 past the entries)",
	  .mutate = stats_unaligned, .errs = { EINVAL } },
	{ "stats_offset inside the refill entries", .mutate = stats_in_entries,
	  .errs = { ERANGE } },
	{ "stats_offset over the last refill entry",
	  .mutate = stats_over_last_entry, .errs = { ERANGE } },
	{ "stats_offset 8 bytes before the region's end (the stats run past it)",
	  .mutate = stats_straddling_end, .errs = { ERANGE } },
	{ "stats_offset the region's size", .mutate = stats_past_region,
	  .errs = { ERANGE } },
	{ "stats_offset 2^64 - 8", .mutate = stats_at_u64_max,
	  .errs = { ERANGE } },
	{ "order: stats_offset not 8-aligned and inside the entries",
	  .mutate = stats_unaligned_in_entries, .errs = { EINVAL } },
	{ "order: region flags with an undefined bit, stats_offset past the region",
	  .poke = POKE_RD(flags, 1U << 1), .mutate = stats_past_region,
	  .errs = { EINVAL } },
	{ "order: user region memory unmapped, stats_offset past the region",
	  .mutate = user_region_unmapped, .mutate2 = stats_past_region,
	  .errs = { EFAULT } },
	{ "order: stats_offset past the region, if_idx of no device",
	  .poke = POKE_IFQ(if_idx, NO_DEVICE), .mutate = stats_past_region,
	  .errs = { ERANGE } },
	{ "order: stats_offset past the region, area len 0",
	  .poke = POKE_AREA(len, 0), .mutate = stats_past_region,
	  .errs = { ERANGE } },

	/* step 7: the device */
	{ "if_idx of no device", .poke = POKE_IFQ(if_idx, NO_DEVICE),
	  .errs = { ENODEV } },
	{ "if_idx of lo, which has no DMA device",
	  .poke = POKE_IFQ(if_idx, LO_IFINDEX), .errs = { EOPNOTSUPP } },
	{ "order: region flags with an undefined bit, if_idx of no device",
	  .poke = POKE_RD(flags, 1U << 1), .poke2 = POKE_IFQ(if_idx, NO_DEVICE),
	  .errs = { EINVAL } },
	{ "order: kernel region too small, if_idx of no device",
	  .poke = POKE_IFQ(if_idx, NO_DEVICE),
	  .mutate = kernel_region_too_small, .errs = { EINVAL } },
	{ "order: user region memory unmapped, if_idx of no device",
	  .poke = POKE_IFQ(if_idx, NO_DEVICE),
	  .mutate = user_region_unmapped, .errs = { EFAULT } },

	/* step 8: the area (section 4, in its order) */
	{ "area flags with an undefined bit (1 << 1)",
	  .poke = POKE_AREA(flags, 1U << 1), .errs = { EINVAL } },
	{ "area_reg.rq_area_token non-zero on input",
	  .poke = POKE_AREA(rq_area_token, 1ULL << IORING_ZCRX_AREA_SHIFT),
	  .errs = { EINVAL } },
	{ "area_reg.__resv2[0] non-zero", .poke = POKE_AREA(__resv2[0], 1),
	  .errs = { EINVAL } },
	{ "area_reg.__resv2[1] non-zero", .poke = POKE_AREA(__resv2[1], 1),
	  .errs = { EINVAL } },
	{ "dma-buf area whose dmabuf_fd (stdout) is no dma-buf",
	  .mutate = area_dmabuf, .errs = { EINVAL } },
	{ "area dmabuf_fd set without IORING_ZCRX_AREA_DMABUF",
	  .poke = POKE_AREA(dmabuf_fd, 3), .errs = { EINVAL } },
	{ "area addr 0", .poke = POKE_AREA(addr, 0), .errs = { EINVAL } },
	{ "area addr not page aligned", .mutate = area_addr_unaligned,
	  .errs = { EINVAL } },
	{ "area len not page aligned", .mutate = area_len_unaligned,
	  .errs = { EINVAL } },
	{ "area len 0", .poke = POKE_AREA(len, 0), .errs = { EFAULT } },
	{ "area len 1 TiB + 1 page", .mutate = area_len_1t_and_page,
	  .errs = { EFAULT } },
	{ "area len 2 TiB", .mutate = area_len_2t, .errs = { EFAULT } },
	{ "area addr + len past 2^64", .mutate = area_end_overflows,
	  .errs = { EOVERFLOW } },
	{ "area len 1 TiB, too many buffers for the kernel's arrays (no WARN)",
	  .mutate = area_len_1t, .errs = { EOVERFLOW } },
	{ "area memory unmapped", .mutate = area_unmapped,
	  .errs = { EFAULT } },
	{ "area memory with its last page unmapped", .mutate = area_hole,
	  .errs = { EFAULT } },
	{ "area memory mapped read-only", .mutate = area_read_only,
	  .errs = { EFAULT } },
	{ "order: area addr 0, area len 0",
	  .poke = POKE_AREA(addr, 0), .poke2 = POKE_AREA(len, 0),
	  .errs = { EINVAL } },
	{ "order: area len 2 TiB, addr + len past 2^64",
	  .mutate = area_end_overflows, .mutate2 = area_len_2t,
	  .errs = { EFAULT } },
	{ "order: if_idx of no device, area memory unmapped",
	  .poke = POKE_IFQ(if_idx, NO_DEVICE), .mutate = area_unmapped,
	  .errs = { ENODEV } },
	{ "order: if_idx of lo, area len 0",
	  .poke = POKE_IFQ(if_idx, LO_IFINDEX), .poke2 = POKE_AREA(len, 0),
	  .errs = { EOPNOTSUPP } },

	/* step 8: the buffer length */
	{ "rx_buf_len 3 pages, not a power of two",
	  .mutate = rx_buf_len_not_pow2, .errs = { EINVAL } },
	{ "rx_buf_len half a page", .mutate = rx_buf_len_below_page,
	  .errs = { EINVAL } },
	{ "rx_buf_len twice the area, longer than any contiguous run",
	  .mutate = rx_buf_len_twice_area, .errs = { ERANGE } },
	{ "rx_buf_len 2 GiB", .mutate = rx_buf_len_2g, .errs = { ERANGE } },
	{ "order: rx_buf_len twice the area, area memory unmapped (pinned first)",
	  .mutate = area_unmapped, .mutate2 = rx_buf_len_twice_area,
	  .errs = { EFAULT } },

	/* step 8: binding the queue */
	{ "if_rxq equal to the number of rx queues",
	  .mutate = rxq_out_of_range, .errs = { ERANGE } },
	{ "order: area len 1 TiB, if_rxq out of range",
	  .mutate = area_len_1t, .mutate2 = rxq_out_of_range,
	  .errs = { EOVERFLOW } },
	{ "order: area memory unmapped, if_rxq out of range",
	  .mutate = area_unmapped, .mutate2 = rxq_out_of_range,
	  .errs = { EFAULT } },
	{ "order: area memory mapped read-only, if_rxq out of range",
	  .mutate = area_read_only, .mutate2 = rxq_out_of_range,
	  .errs = { EFAULT } },
	{ "order: rx_buf_len 3 pages, if_rxq out of range",
	  .mutate = rx_buf_len_not_pow2, .mutate2 = rxq_out_of_range,
	  .errs = { EINVAL } },

	/* step 9: write-back */
	{ "order: if_rxq out of range, ifq_reg in read-only memory",
	  .mutate = rxq_out_of_range, .mutate2 = ifq_read_only,
	  .errs = { ERANGE } },
};

static void run_errno_case(const struct errno_case *c)
{
	struct io_uring ring;
	struct reg r;
	int ret;

	ring_open(&ring, c->ring_flags ? c->ring_flags : RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	poke(&r, &c->poke);
	poke(&r, &c->poke2);
	if (c->mutate)
		c->mutate(&r);
	if (c->mutate2)
		c->mutate2(&r);
	ret = reg_register(&ring, &r);
	report_errno(c->rule, ret, c->errs, c->kernel_bug);
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* Cases in a child: credentials and limits */

/* res[0]: the registration; res[1]: also on a ring without DEFER_TASKRUN */
static void child_no_net_admin(int32_t *res, const void *arg)
{
	struct io_uring ring;
	struct reg r;

	if (drop_effective_cap(CAP_NET_ADMIN))
		return;
	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	res[0] = reg_register(&ring, &r);
	io_uring_queue_exit(&ring);
	ring_open(&ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32);
	res[1] = reg_register(&ring, &r);
}

static void test_no_net_admin(void)
{
	static const int errs[MAX_ERRS] = { EPERM };
	int32_t res[2];

	in_child(child_no_net_admin, NULL, res, 2);
	report_errno("no CAP_NET_ADMIN in the effective set", res[0], errs,
		     NULL);
	report_errno("order: no CAP_NET_ADMIN, ring without IORING_SETUP_DEFER_TASKRUN",
		     res[1], errs, NULL);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Bring lo up: CAP_NET_ADMIN over the current network namespace. */
static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Root of a new user namespace (as `unshare -Urn`: uid and gid 0 mapped to
 * ours, a new network namespace it owns). It has CAP_NET_ADMIN over that
 * netns, which res[2] proves by bringing its lo up, and lo is what it
 * registers on; only CAP_NET_ADMIN in the initial user namespace counts.
 * res[3]: unshare(); res[0]: the registration on lo; res[1]: the same on a
 * ring without DEFER_TASKRUN.
 */
static void child_user_ns_root(int32_t *res, const void *arg)
{
	char uid_map[32], gid_map[32];
	struct io_uring ring;
	struct reg r;

	/* ids as the initial namespace sees them, before it is left */
	snprintf(uid_map, sizeof(uid_map), "0 %u 1", getuid());
	snprintf(gid_map, sizeof(gid_map), "0 %u 1", getgid());
	res[3] = unshare(CLONE_NEWUSER | CLONE_NEWNET) ? -errno : 0;
	if (!res[3])
		res[3] = write_file("/proc/self/uid_map", uid_map);
	if (res[3])
		return;
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/gid_map", gid_map);
	res[2] = lo_up();
	ring_open(&ring, RING_FLAGS);
	reg_init(&r, 0, AREA_PAGES);
	r.ifq.if_idx = if_nametoindex("lo");
	res[0] = reg_register(&ring, &r);
	io_uring_queue_exit(&ring);
	ring_open(&ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32);
	res[1] = reg_register(&ring, &r);
}

/* Only a new user namespace: the device's netns is not its own. */
static void child_user_ns(int32_t *res, const void *arg)
{
	struct io_uring ring;
	struct reg r;

	res[1] = unshare(CLONE_NEWUSER) ? -errno : 0;
	if (res[1])
		return;
	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	res[0] = reg_register(&ring, &r);
}

/*
 * CONFIG_USER_NS is set in both kernels of the rig: a failing unshare()
 * is a failure of the case, not a reason to skip it.
 */
static void test_user_ns(void)
{
	static const int errs[MAX_ERRS] = { EPERM };
	static const char rule[] =
		"root of a user namespace owning its netns, CAP_NET_ADMIN there (lo brought up)";
	char name[32];
	int32_t res[4];

	in_child(child_user_ns_root, NULL, res, 4);
	if (res[3])
		ksft_print_msg("unshare(CLONE_NEWUSER | CLONE_NEWNET) and uid_map: %s\n",
			       errname(res[3], name, sizeof(name)));
	else if (res[2])
		ksft_print_msg("bringing lo up in the new netns: %s\n",
			       errname(res[2], name, sizeof(name)));
	if (res[3] || res[2]) {
		result(false, "%s: -EPERM", rule);
		result(false, "order: user namespace root, ring without IORING_SETUP_DEFER_TASKRUN: -EPERM");
	} else {
		report_errno(rule, res[0], errs, NULL);
		report_errno("order: user namespace root, ring without IORING_SETUP_DEFER_TASKRUN",
			     res[1], errs, NULL);
	}

	in_child(child_user_ns, NULL, res, 2);
	if (res[1])
		ksft_print_msg("unshare(CLONE_NEWUSER): %s\n",
			       errname(res[1], name, sizeof(name)));
	report_errno("root of a user namespace the device's netns does not belong to",
		     res[1] ? res[1] : res[0], errs, NULL);
}

/* Memory accounting: RLIMIT_MEMLOCK and VmPin */

/*
 * Drop CAP_IPC_LOCK, then open the ring: its creator's missing capability
 * is what makes io_uring charge RLIMIT_MEMLOCK, root's too.
 */
static bool ring_open_memlock(struct io_uring *ring, size_t limit_pages)
{
	if (drop_effective_cap(CAP_IPC_LOCK) || !set_memlock(limit_pages))
		return false;
	ring_open(ring, RING_FLAGS);
	return true;
}

/*
 * Close the ring of a registration that succeeded, and wait for its pages
 * to be unpinned and uncharged (the pools let go of the area after the
 * close), so that the next registration in this uid starts from nothing
 * charged. RLIMIT_MEMLOCK counts per user, VmPin per process.
 */
static long close_and_wait(struct io_uring *ring, long vm_pin_before)
{
	long ms;

	io_uring_queue_exit(ring);
	ms = wait_vm_pin(vm_pin_before);
	if (ms < 0)
		ksft_print_msg("VmPin %ld pages %d s after close, want %ld\n",
			       vm_pin_pages(), UNPIN_TIMEOUT_MS / 1000,
			       vm_pin_before);
	return ms;
}

/* A registration that fails after a charge, a pin or a bind. */
struct failure {
	const char *what;
	void (*mutate)(struct reg *r);
	int errs[MAX_ERRS];
};

static void area_32_pages(struct reg *r)
{
	reg_resize_area(r, 2 * AREA_PAGES);
}

static void if_idx_no_device(struct reg *r)
{
	r->ifq.if_idx = NO_DEVICE;
}

static const struct failure failures[] = {
	{ "no device (region charged)", if_idx_no_device, { ENODEV } },
	{ "a 32-page area over the limit (region charged)", area_32_pages,
	  { ENOMEM } },
	{ "an area with a hole (charged, pinning fails)", area_hole,
	  { EFAULT } },
	{ "rx_buf_len twice the area (refused after pinning)",
	  rx_buf_len_twice_area, { ERANGE } },
	{ "if_rxq out of range (area pinned and mapped)", rxq_out_of_range,
	  { ERANGE } },
	{ "ifq_reg read-only (write-back after the bind)", ifq_read_only,
	  { EFAULT } },
};

/*
 * Without CAP_IPC_LOCK, RLIMIT_MEMLOCK exactly the pages of a good
 * registration (16-page area, 1-page kernel region). The failure must
 * leave VmPin as it was, at once, and give back whatever it charged: the
 * good registration right after it fits the limit only then.
 * res[0]: the failure; res[1]: VmPin after it, less before;
 * res[2]: the good one; res[3]: VmPin after it, less before.
 */
static void child_failure(int32_t *res, const void *arg)
{
	const struct failure *f = arg;
	struct io_uring ring;
	struct reg r, good;
	long before;

	reg_init(&good, cfg.queue, AREA_PAGES);
	if (!ring_open_memlock(&ring, reg_pages(&good)))
		return;
	before = vm_pin_pages();
	reg_init(&r, cfg.queue, AREA_PAGES);
	f->mutate(&r);
	res[0] = reg_register(&ring, &r);
	res[1] = vm_pin_pages() - before;
	res[2] = reg_register(&ring, &good);
	res[3] = vm_pin_pages() - before;
	if (!res[2])
		close_and_wait(&ring, before);
}

static void test_failures(void)
{
	char name[32];
	unsigned int i;
	int32_t res[4];

	for (i = 0; i < ARRAY_SIZE(failures); i++) {
		const struct failure *f = &failures[i];
		struct reg good;
		bool ok;

		reg_init(&good, cfg.queue, AREA_PAGES);
		in_child(child_failure, f, res, 4);
		ok = errno_allowed(res[0], f->errs) && res[1] == 0;
		if (!ok)
			ksft_print_msg("%s: got %s, VmPin %+d pages\n", f->what,
				       errname(res[0], name, sizeof(name)),
				       res[1]);
		result(ok, "memlock: %s: -%s, VmPin unchanged", f->what,
		       strerrorname_np(f->errs[0]));
		ok = !res[2] && res[3] == reg_pages(&good);
		if (!ok)
			ksft_print_msg("then: got %s, VmPin %+d pages, want +%ld\n",
				       errname(res[2], name, sizeof(name)),
				       res[3], reg_pages(&good));
		result(ok, "memlock: after %s, one of exactly RLIMIT_MEMLOCK (%ld pages) registers",
		       f->what, reg_pages(&good));
		reg_free(&good);
	}
}

/*
 * The region is charged like the area: with RLIMIT_MEMLOCK one page short
 * of area + region the registration fails, at exactly area + region it
 * succeeds. A region of 2 pages (256 entries), so that a region charged
 * as 1 page would show. res[0]: one short; res[1]: exact; res[2]: VmPin
 * after the second, less before.
 */
static void child_region_charge(int32_t *res, const void *arg)
{
	const bool *user_region = arg;
	struct io_uring ring;
	struct reg r;
	long before;

	reg_init(&r, cfg.queue, AREA_PAGES);
	r.ifq.rq_entries = 256;
	r.rd.size = io_uring_zcrx_rq_region_size(256);
	if (*user_region)
		reg_use_user_region(&r);
	if (!ring_open_memlock(&ring, reg_pages(&r) - 1))
		return;
	before = vm_pin_pages();
	res[0] = reg_register(&ring, &r);
	if (!set_memlock(reg_pages(&r)))
		return;
	res[1] = reg_register(&ring, &r);
	res[2] = vm_pin_pages() - before;
	if (!res[1])
		close_and_wait(&ring, before);
}

static void test_region_charge(void)
{
	static const int errs[MAX_ERRS] = { ENOMEM };
	static const bool user[] = { false, true };
	char name[32];
	unsigned int i;
	int32_t res[3];

	for (i = 0; i < ARRAY_SIZE(user); i++) {
		const char *kind = user[i] ? "user" : "kernel";
		bool ok;

		in_child(child_region_charge, &user[i], res, 3);
		report_errno(user[i] ?
			     "memlock: RLIMIT_MEMLOCK 1 page below area (16) + user region (2)" :
			     "memlock: RLIMIT_MEMLOCK 1 page below area (16) + kernel region (2)",
			     res[0], errs, NULL);
		ok = !res[1] && res[2] == AREA_PAGES + 2;
		if (!ok)
			ksft_print_msg("got %s, VmPin %+d pages\n",
				       errname(res[1], name, sizeof(name)),
				       res[2]);
		result(ok, "memlock: RLIMIT_MEMLOCK exactly area + %s region (18 pages): registered, VmPin +18",
		       kind);
	}
}

/*
 * Order under RLIMIT_MEMLOCK (no CAP_IPC_LOCK, 8 pages): res[0] a 1 TiB
 * area (size checked before the charge), res[1] 16 unmapped pages (charged
 * before pinning), res[2] limit 0 and no device (the region is charged
 * before the device lookup); res[3]: VmPin after all that, less before.
 */
static void child_memlock_order(int32_t *res, const void *arg)
{
	struct io_uring ring;
	struct reg r;
	long before;

	if (!ring_open_memlock(&ring, AREA_PAGES / 2))
		return;
	before = vm_pin_pages();
	reg_init(&r, cfg.queue, AREA_PAGES);
	area_len_1t(&r);
	res[0] = reg_register(&ring, &r);
	reg_free(&r);
	reg_init(&r, cfg.queue, AREA_PAGES);
	area_unmapped(&r);
	res[1] = reg_register(&ring, &r);
	reg_free(&r);
	if (!set_memlock(0))
		return;
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.ifq.if_idx = NO_DEVICE;
	res[2] = reg_register(&ring, &r);
	reg_free(&r);
	res[3] = vm_pin_pages() - before;
}

static void test_memlock_order(void)
{
	static const int overflow[MAX_ERRS] = { EOVERFLOW };
	static const int nomem[MAX_ERRS] = { ENOMEM };
	int32_t res[4];

	in_child(child_memlock_order, NULL, res, 4);
	report_errno("order: area len 1 TiB over RLIMIT_MEMLOCK (size checked before the charge)",
		     res[0], overflow, NULL);
	report_errno("order: area of 16 unmapped pages over RLIMIT_MEMLOCK of 8 (charged before pinning)",
		     res[1], nomem, NULL);
	report_errno("order: RLIMIT_MEMLOCK 0, if_idx of no device (the region is charged first)",
		     res[2], nomem, NULL);
	if (res[3])
		ksft_print_msg("VmPin after the refused charges: %+d pages\n",
			       res[3]);
	result(!res[3], "memlock: refused charges pin nothing, VmPin unchanged");
}

/*
 * With CAP_IPC_LOCK nothing is charged to RLIMIT_MEMLOCK, but VmPin counts
 * the pinned pages all the same: area and region (a 2-page user region
 * here, pinned too). res[0]: the registration; res[1]: VmPin after it,
 * less before; res[2]: ms until closing the ring brought VmPin back.
 */
static void child_vm_pin(int32_t *res, const void *arg)
{
	const bool *user_region = arg;
	struct io_uring ring;
	struct reg r;
	long before = vm_pin_pages();

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.ifq.rq_entries = 256;
	r.rd.size = io_uring_zcrx_rq_region_size(256);
	if (*user_region)
		reg_use_user_region(&r);
	res[0] = reg_register(&ring, &r);
	res[1] = vm_pin_pages() - before;
	if (res[0])
		return;
	res[2] = close_and_wait(&ring, before);
}

static void test_vm_pin(void)
{
	static const bool user[] = { false, true };
	char name[32];
	unsigned int i;
	int32_t res[3];

	for (i = 0; i < ARRAY_SIZE(user); i++) {
		const char *kind = user[i] ? "user" : "kernel";
		bool ok;

		in_child(child_vm_pin, &user[i], res, 3);
		ok = !res[0] && res[1] == AREA_PAGES + 2;
		if (!ok)
			ksft_print_msg("got %s, VmPin %+d pages\n",
				       errname(res[0], name, sizeof(name)),
				       res[1]);
		result(ok, "VmPin: with CAP_IPC_LOCK, area (16) and %s region (2) raise it by 18 pages",
		       kind);
		if (res[2] >= 0)
			ksft_print_msg("VmPin back %d ms after close\n", res[2]);
		result(res[2] >= 0,
		       "VmPin: closing the ring brings it back once the pools drain (%s region)",
		       kind);
	}
}

/* Buffer sizes the device takes: the page size, and runs of the area */

/* The physical frame of the page at @p, 0 if unknown or not present */
static uint64_t pfn_of(const void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)p / page_size * sizeof(e)) !=
	    sizeof(e))
		e = 0;
	close(fd);
	return e >> 63 ? e & ((1ULL << 55) - 1) : 0;
}

/*
 * Is every physically contiguous run of the @len bytes at @p (faulted in)
 * a whole number of @buf_len buffers? -1 if /proc/self/pagemap does not
 * say where the pages are.
 */
static int runs_allow(const uint8_t *p, size_t len, size_t buf_len)
{
	size_t per_buf = buf_len / page_size, run = 1, i;
	uint64_t prev = pfn_of(p), pfn;

	if (!prev)
		return -1;
	for (i = 1; i < len / page_size; i++) {
		pfn = pfn_of(p + i * page_size);
		if (!pfn)
			return -1;
		if (pfn == prev + 1) {
			run++;
		} else {
			if (run % per_buf)
				return 0;
			run = 1;
		}
		prev = pfn;
	}
	return !(run % per_buf);
}

/*
 * rx_buf_len the page size is a size the device is asked for, and loopnic
 * takes it. Two pages need every physically contiguous run of the area to
 * be of even length, which anonymous memory may or may not be: pagemap
 * says which, and so what the kernel must answer.
 */
static void test_buf_len_small(void)
{
	static const int range[MAX_ERRS] = { ERANGE };
	struct io_uring ring;
	struct reg r;
	char name[32];
	int ret, allow;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.ifq.rx_buf_len = page_size;
	ret = reg_register(&ring, &r);
	if (ret)
		ksft_print_msg("got %s\n", errname(ret, name, sizeof(name)));
	result(!ret && check_eq("rx_buf_len", r.ifq.rx_buf_len, page_size),
	       "rx_buf_len the page size, passed to the device: registered, written back");
	io_uring_queue_exit(&ring);
	reg_free(&r);

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	memset(r.area_mem, 1, r.area_len);
	allow = runs_allow(r.area_mem, r.area_len, 2 * page_size);
	r.ifq.rx_buf_len = 2 * page_size;
	ret = reg_register(&ring, &r);
	if (allow < 0) {
		ksft_print_msg("no physical frames in /proc/self/pagemap\n");
		result(false, "rx_buf_len 2 pages: -ERANGE, or registered if every run of the area is even (pagemap)");
	} else if (allow) {
		ksft_print_msg("every run of the area is even: it must register\n");
		if (ret)
			ksft_print_msg("got %s\n",
				       errname(ret, name, sizeof(name)));
		result(!ret && check_eq("rx_buf_len", r.ifq.rx_buf_len,
					2 * page_size),
		       "rx_buf_len 2 pages: -ERANGE, or registered if every run of the area is even (pagemap)");
	} else {
		report_errno("rx_buf_len 2 pages, a run of the area is odd (pagemap)",
			     ret, range, NULL);
	}
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

static size_t huge_page_size(void)
{
	long kb = proc_number("/proc/meminfo", "Hugepagesize: %ld kB");

	return kb < 0 ? 0 : kb * 1024;
}

/*
 * One huge page is one contiguous run: rx_buf_len the huge page size
 * registers (loopnic takes up to 4 MiB) and is written back; twice that is
 * longer than the run.
 */
static void test_huge_area(void)
{
	static const int range[MAX_ERRS] = { ERANGE };
	size_t huge = huge_page_size();
	struct io_uring ring;
	struct reg r;
	void *mem = MAP_FAILED;
	char name[32];
	int i, ret;

	if (huge)
		mem = mmap(NULL, huge, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED) {
		skip("no huge page reserved (vm.nr_hugepages)",
		     "huge-page area, rx_buf_len the huge page size: registered, written back");
		skip("no huge page reserved (vm.nr_hugepages)",
		     "huge-page area, rx_buf_len twice the huge page size: -ERANGE");
		return;
	}
	for (i = 1; i <= 2; i++) {
		ring_open(&ring, RING_FLAGS);
		reg_init(&r, cfg.queue, AREA_PAGES);
		munmap(r.area_mem, r.area_len);
		r.area_mem = NULL;
		r.area.addr = (uintptr_t)mem;
		r.area.len = huge;
		r.ifq.rx_buf_len = i * huge;
		ret = reg_register(&ring, &r);
		if (i == 1) {
			if (ret)
				ksft_print_msg("got %s\n",
					       errname(ret, name, sizeof(name)));
			result(!ret && check_eq("rx_buf_len", r.ifq.rx_buf_len,
						huge),
			       "huge-page area, rx_buf_len the huge page size (one run): registered, written back");
		} else {
			report_errno("huge-page area, rx_buf_len twice the huge page size",
				     ret, range, NULL);
		}
		io_uring_queue_exit(&ring);
		reg_free(&r);
	}
	munmap(mem, huge);
}

/* Write-back: the kernel binds the queue, then cannot report the results */

/*
 * The registrations that fail after binding the queue: nothing may stay
 * registered, so the same ring, with nothing closed, binds the queue again
 * at once.
 */
static void report_rebind(struct io_uring *ring, const char *what)
{
	struct reg again;
	char name[32];
	int ret;

	reg_init(&again, cfg.queue, AREA_PAGES);
	ret = reg_register(ring, &again);
	if (ret)
		ksft_print_msg("second registration: got %s\n",
			       errname(ret, name, sizeof(name)));
	else
		ksft_print_msg("second registration: zcrx_id %u\n",
			       again.ifq.zcrx_id);
	result(!ret, "after the failed write-back of %s the ring binds queue %u again at once",
	       what, cfg.queue);
	reg_free(&again);
}

static void test_ifq_read_only(void)
{
	static const int errs[MAX_ERRS] = { EFAULT };
	struct io_uring ring;
	struct reg r;
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.arg = reg_read_only_copy(&r, &r.ifq, sizeof(r.ifq));
	ret = reg_register(&ring, &r);
	report_errno("ifq_reg in read-only memory", ret, errs, NULL);
	report_rebind(&ring, "ifq_reg");
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

static void test_area_read_only(void)
{
	static const int errs[MAX_ERRS] = { EFAULT };
	struct io_uring ring;
	struct reg r;
	void *ro;
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	ro = reg_read_only_copy(&r, &r.area, sizeof(r.area));
	r.ifq.area_ptr = (uintptr_t)ro;
	ret = reg_register(&ring, &r);
	report_errno("area_reg in read-only memory (rq_area_token is written back)",
		     ret, errs, NULL);
	report_rebind(&ring, "area_reg");
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

static void test_region_read_only(void)
{
	static const int errs[MAX_ERRS] = { EFAULT };
	struct io_uring ring;
	struct reg r;
	void *ro;
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	ro = reg_read_only_copy(&r, &r.rd, sizeof(r.rd));
	r.ifq.region_ptr = (uintptr_t)ro;
	ret = reg_register(&ring, &r);
	report_errno("region_desc in read-only memory (mmap_offset is written back)",
		     ret, errs, NULL);
	report_rebind(&ring, "region_desc");
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* Binding */

static void test_queue_taken(void)
{
	static const int exist[MAX_ERRS] = { EEXIST };
	static const int fault[MAX_ERRS] = { EFAULT };
	static const char rule[] = "queue bound by an instance of another ring";
	static const char order[] =
		"order: area with a hole, queue bound by another ring (the area first)";
	struct io_uring owner, other;
	struct reg r, r2, r3;
	char name[32];
	int ret;

	ring_open(&owner, RING_FLAGS);
	ring_open(&other, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	reg_init(&r2, cfg.queue, AREA_PAGES);
	reg_init(&r3, cfg.queue, AREA_PAGES);
	area_hole(&r3);
	ret = reg_register(&owner, &r);
	if (ret) {
		ksft_print_msg("first instance: got %s\n",
			       errname(ret, name, sizeof(name)));
		skip("the first instance did not bind", "%s: -EEXIST", rule);
		skip("the first instance did not bind", "%s: -EFAULT", order);
	} else {
		ret = reg_register(&other, &r2);
		report_errno(rule, ret, exist, NULL);
		ret = reg_register(&other, &r3);
		report_errno(order, ret, fault, NULL);
	}
	io_uring_queue_exit(&other);
	io_uring_queue_exit(&owner);
	reg_free(&r);
	reg_free(&r2);
	reg_free(&r3);
}

/* One registration on the device with tcp-data-split off, queue @queue */
static int register_split_off(unsigned int queue, void (*mutate)(struct reg *))
{
	struct io_uring ring;
	struct reg r;
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, queue, AREA_PAGES);
	r.ifq.if_idx = cfg.split_off_ifindex;
	if (mutate)
		mutate(&r);
	ret = reg_register(&ring, &r);
	io_uring_queue_exit(&ring);
	reg_free(&r);
	return ret;
}

/* The queue's range is checked before the device's tcp-data-split. */
static void test_split_off(void)
{
	static const char rule[] = "queue of a device with tcp-data-split off";
	static const char order_area[] =
		"order: area read-only, device with tcp-data-split off (the area first)";
	static const char order_range[] =
		"order: device with tcp-data-split off, if_rxq out of range";
	static const int inval[MAX_ERRS] = { EINVAL };
	static const int fault[MAX_ERRS] = { EFAULT };
	static const int range[MAX_ERRS] = { ERANGE };
	static const char why[] = "no such device given (-s)";

	if (!cfg.split_off_ifindex) {
		skip(why, "%s: -EINVAL", rule);
		skip(why, "%s: -EFAULT", order_area);
		skip(why, "%s: -ERANGE", order_range);
		return;
	}
	report_errno(rule, register_split_off(0, NULL), inval, NULL);
	report_errno(order_area, register_split_off(0, area_read_only), fault,
		     NULL);
	report_errno(order_range,
		     register_split_off(count_rx_queues(cfg.split_off_ifindex),
					NULL),
		     range, NULL);
}

/* Registrations that succeed */

/*
 * The refill ring layout the kernel wrote back: u32 head and tail before
 * the entries, entries 64-byte aligned, no further in than liburing
 * assumes when it sizes regions, and the whole ring inside the region.
 */
static bool check_offsets(const struct reg *r)
{
	const struct io_uring_zcrx_offsets *o = &r->ifq.offsets;
	size_t hdr = (LIBURING_ZCRX_RQ_HDR_SIZE + LIBURING_ZCRX_RQ_HDR_ALIGN -
		      1) & ~(size_t)(LIBURING_ZCRX_RQ_HDR_ALIGN - 1);
	bool ok = true;

	ksft_print_msg("offsets: head %u tail %u rqes %u, region %llu bytes\n",
		       o->head, o->tail, o->rqes,
		       (unsigned long long)r->rd.size);
	ok &= check("head and tail distinct", o->head != o->tail);
	ok &= check("head and tail u32 aligned", !((o->head | o->tail) % 4));
	ok &= check("head before rqes", o->head + 4 <= o->rqes);
	ok &= check("tail before rqes", o->tail + 4 <= o->rqes);
	ok &= check("rqes 64-byte aligned", !(o->rqes % 64));
	ok &= check("rqes within liburing's header size", o->rqes <= hdr);
	ok &= check("ring inside the region",
		    o->rqes + (uint64_t)r->ifq.rq_entries *
			      sizeof(struct io_uring_zcrx_rqe) <= r->rd.size);
	return ok;
}

/* mmap() the kernel's refill ring region; head and tail start at 0. */
static bool check_region_mmap(struct io_uring *ring, const struct reg *r)
{
	const struct io_uring_zcrx_offsets *o = &r->ifq.offsets;
	bool ok = true;
	char *p;

	if (!check("mmap_offset non-zero and page aligned",
		   r->rd.mmap_offset && !(r->rd.mmap_offset % page_size)))
		return false;
	p = mmap(NULL, r->rd.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ring->ring_fd, r->rd.mmap_offset);
	if (p == MAP_FAILED) {
		ksft_print_msg("mmap(ring_fd, 0x%llx): %s\n",
			       (unsigned long long)r->rd.mmap_offset,
			       strerror(errno));
		return false;
	}
	ok &= check_eq("head", *(uint32_t *)(p + o->head), 0);
	ok &= check_eq("tail", *(uint32_t *)(p + o->tail), 0);
	munmap(p, r->rd.size);
	return ok;
}

static void test_kernel_region(void)
{
	static const char *const checks[] = {
		"rq_entries 100 written back rounded up to 128",
		"rx_buf_len 0 written back as the page size",
		"rq_area_token written back as area id 0 << 48",
		"refill ring offsets written back, rqes 64-byte aligned",
		"mmap(ring_fd, mmap_offset) maps the refill ring, head and tail 0",
	};
	struct io_uring ring;
	struct reg r;
	char name[32];
	unsigned int i;
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.ifq.rq_entries = 100;
	r.rd.size = io_uring_zcrx_rq_region_size(100);
	ret = reg_register(&ring, &r);
	if (ret)
		ksft_print_msg("got %s\n", errname(ret, name, sizeof(name)));
	result(!ret && check_eq("zcrx_id", r.ifq.zcrx_id, 0),
	       "kernel-allocated refill ring: registered, zcrx_id 0");
	if (ret) {
		for (i = 0; i < ARRAY_SIZE(checks); i++)
			skip("registration failed", "%s", checks[i]);
		goto out;
	}
	result(check_eq("rq_entries", r.ifq.rq_entries, 128), "%s", checks[0]);
	result(check_eq("rx_buf_len", r.ifq.rx_buf_len, page_size), "%s",
	       checks[1]);
	result(check_eq("rq_area_token", r.area.rq_area_token,
			0ULL << IORING_ZCRX_AREA_SHIFT), "%s", checks[2]);
	result(check_offsets(&r), "%s", checks[3]);
	result(check_region_mmap(&ring, &r), "%s", checks[4]);
out:
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* Event descriptors that register: zeroed, and stats at either end */
static void test_event_desc_ok(void)
{
	static const char *const what[] = {
		"event_desc to a zeroed descriptor: registered",
		"event_desc in read-only memory (only read): registered",
		"stats right behind the refill entries: registered",
		"stats in the region's last 16 bytes: registered",
	};
	struct io_uring ring;
	struct reg r;
	unsigned int i;
	void *ro;
	int ret;

	for (i = 0; i < ARRAY_SIZE(what); i++) {
		ring_open(&ring, RING_FLAGS);
		reg_init(&r, cfg.queue, AREA_PAGES);
		r.ev.user_data = 0x1234;
		r.ev.type_mask = i ? 3 : 0;
		r.ifq.event_desc = (uintptr_t)&r.ev;
		if (i == 1) {
			ro = reg_read_only_copy(&r, &r.ev, sizeof(r.ev));
			r.ifq.event_desc = (uintptr_t)ro;
		} else if (i == 2) {
			stats_at(&r, rq_end(&r));
		} else if (i == 3) {
			stats_at(&r, r.rd.size - sizeof(struct zcrx_stats));
		}
		ret = reg_register(&ring, &r);
		if (ret)
			ksft_print_msg("got %s\n", errname(ret, (char[32]){ 0 },
							   32));
		result(!ret, "%s (stats_offset %llu)", what[i],
		       (unsigned long long)r.ev.stats_offset);
		io_uring_queue_exit(&ring);
		reg_free(&r);
	}
}

static void test_user_region(void)
{
	struct io_uring ring;
	struct reg r;
	char name[32];
	bool ok;
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	reg_use_user_region(&r);
	ret = reg_register(&ring, &r);
	ok = !ret;
	if (ret)
		ksft_print_msg("got %s\n", errname(ret, name, sizeof(name)));
	else
		ok = check_eq("zcrx_id", r.ifq.zcrx_id, 0) &&
		     check_eq("rq_entries", r.ifq.rq_entries, RQ_ENTRIES) &&
		     check_eq("rx_buf_len", r.ifq.rx_buf_len, page_size) &&
		     check_offsets(&r);
	result(ok, "user memory refill ring: registered, same write-backs");
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

static void test_two_instances(void)
{
	struct io_uring ring;
	struct reg r0, r1;
	char name0[32], name1[32];
	bool ok = false;
	int ret0, ret1;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r0, cfg.queue, AREA_PAGES);
	reg_init(&r1, cfg.queue2, AREA_PAGES);
	ret0 = reg_register(&ring, &r0);
	ret1 = reg_register(&ring, &r1);
	if (ret0 || ret1) {
		ksft_print_msg("got %s and %s\n",
			       errname(ret0, name0, sizeof(name0)),
			       errname(ret1, name1, sizeof(name1)));
	} else {
		ok = check_eq("first zcrx_id", r0.ifq.zcrx_id, 0);
		ok &= check_eq("second zcrx_id", r1.ifq.zcrx_id, 1);
		ok &= check("mmap_offsets distinct",
			    r0.rd.mmap_offset != r1.rd.mmap_offset);
		ok &= check_region_mmap(&ring, &r0);
		ok &= check_region_mmap(&ring, &r1);
	}
	result(ok, "two instances of one ring on queues %u and %u: zcrx_id 0 and 1, each region mapped",
	       cfg.queue, cfg.queue2);
	io_uring_queue_exit(&ring);
	reg_free(&r0);
	reg_free(&r1);
}

static void test_failed_takes_no_id(void)
{
	struct io_uring ring;
	struct reg bad, good;
	char name[32];
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&bad, cfg.queue, AREA_PAGES);
	bad.ifq.if_idx = NO_DEVICE;
	ret = reg_register(&ring, &bad);
	if (ret != -ENODEV)
		ksft_print_msg("failing registration: got %s\n",
			       errname(ret, name, sizeof(name)));
	reg_init(&good, cfg.queue, AREA_PAGES);
	ret = reg_register(&ring, &good);
	if (ret)
		ksft_print_msg("got %s\n", errname(ret, name, sizeof(name)));
	result(!ret && check_eq("zcrx_id", good.ifq.zcrx_id, 0),
	       "after a failed registration (-ENODEV) the next one gets zcrx_id 0");
	io_uring_queue_exit(&ring);
	reg_free(&bad);
	reg_free(&good);
}

/*
 * Closing a ring (its last reference: the rings and the refill ring
 * unmapped) frees its queue before close() returns, so the very first
 * attempt right after must bind.
 */
static void test_rebind_after_close(void)
{
	struct io_uring ring;
	struct reg r;
	char name[32];
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	ret = reg_register(&ring, &r);
	io_uring_queue_exit(&ring);
	reg_free(&r);
	if (ret) {
		ksft_print_msg("first instance: got %s\n",
			       errname(ret, name, sizeof(name)));
		skip("the first instance did not bind",
		     "queue %u binds again after its ring is closed",
		     cfg.queue);
		return;
	}

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	ret = reg_register(&ring, &r);
	ksft_print_msg("right after close(): %s\n",
		       errname(ret, name, sizeof(name)));
	result(!ret, "queue %u binds again right after its ring is closed",
	       cfg.queue);
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* rq_entries @want on a ring with @ring_flags: written back as @used */
static void test_rq_entries(unsigned int ring_flags, unsigned int want,
			    unsigned int used, const char *desc)
{
	struct io_uring ring;
	struct reg r;
	char name[32];
	int ret;

	ring_open(&ring, ring_flags);
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.ifq.rq_entries = want;
	r.rd.size = io_uring_zcrx_rq_region_size(used);
	ret = reg_register(&ring, &r);
	if (ret)
		ksft_print_msg("got %s\n", errname(ret, name, sizeof(name)));
	result(!ret && check_eq("rq_entries", r.ifq.rq_entries, used), "%s",
	       desc);
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

static void test_rq_entries_max(void)
{
	test_rq_entries(RING_FLAGS, 32768, 32768,
			"rq_entries 32768, the maximum: registered");
}

static void test_clamp(void)
{
	test_rq_entries(RING_FLAGS | IORING_SETUP_CLAMP, 40000, 32768,
			"IORING_SETUP_CLAMP ring: rq_entries 40000 clamped to 32768 and written back");
}

struct scenario {
	void (*run)(void);
	unsigned int results;	/* KTAP lines it prints */
};

static const struct scenario scenarios[] = {
	{ test_no_net_admin, 2 },
	{ test_user_ns, 3 },
	{ test_memlock_order, 4 },
	{ test_failures, 2 * ARRAY_SIZE(failures) },
	{ test_region_charge, 4 },
	{ test_vm_pin, 4 },
	{ test_buf_len_small, 2 },
	{ test_huge_area, 2 },
	{ test_ifq_read_only, 2 },
	{ test_area_read_only, 2 },
	{ test_region_read_only, 2 },
	{ test_queue_taken, 2 },
	{ test_split_off, 3 },
	{ test_event_desc_ok, 4 },
	{ test_kernel_region, 6 },
	{ test_user_region, 1 },
	{ test_two_instances, 1 },
	{ test_failed_takes_no_id, 1 },
	{ test_rebind_after_close, 1 },
	{ test_rq_entries_max, 1 },
	{ test_clamp, 1 },
};

/* Command line */

/* real_num_rx_queues: the channels ethtool reports with an rx queue */
static unsigned int count_rx_queues(unsigned int ifindex)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { .ifr_data = (void *)&ch };
	int fd, ret;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		ksft_exit_fail_msg("ifindex %u: %s\n", ifindex,
				   strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		ksft_exit_fail_msg("socket: %s\n", strerror(errno));
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (ret)
		ksft_exit_fail_msg("ETHTOOL_GCHANNELS %s: %s\n", ifr.ifr_name,
				   strerror(errno));
	return ch.combined_count + ch.rx_count;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_reg -i IF -q QUEUE -Q QUEUE2 [-s SPLIT_OFF_IF]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int queue = -1, queue2 = -1, c;

	while ((c = getopt(argc, argv, "i:q:Q:s:")) != -1) {
		switch (c) {
		case 'i': cfg.ifindex = parse_ifindex(optarg); break;
		case 'q': queue = atoi(optarg); break;
		case 'Q': queue2 = atoi(optarg); break;
		case 's': cfg.split_off_ifindex = parse_ifindex(optarg); break;
		default: usage();
		}
	}
	if (!cfg.ifindex || queue < 0 || queue2 < 0 || queue == queue2)
		usage();
	cfg.queue = queue;
	cfg.queue2 = queue2;
}

int main(int argc, char **argv)
{
	unsigned int i, plan = ARRAY_SIZE(errno_cases);
	long start = now_ms();

	page_size = sysconf(_SC_PAGESIZE);
	ksft_print_header();
	parse_args(argc, argv);
	cfg.nr_queues = count_rx_queues(cfg.ifindex);

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		plan += scenarios[i].results;
	ksft_set_plan(plan);
	ksft_print_msg("ifindex %u, %u rx queues, queues %u and %u\n",
		       cfg.ifindex, cfg.nr_queues, cfg.queue, cfg.queue2);

	for (i = 0; i < ARRAY_SIZE(errno_cases); i++)
		run_errno_case(&errno_cases[i]);
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		scenarios[i].run();

	ksft_print_msg("%ld ms\n", now_ms() - start);
	ksft_finished();
}
