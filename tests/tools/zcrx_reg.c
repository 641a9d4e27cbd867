// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_reg: IORING_REGISTER_ZCRX_IFQ held to the registration rules of the
 * zcrx user ABI (zcrx-abi.md, sections 3 to 5), one KTAP case per rule.
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
 * one, any of them passes. Then the registrations that succeed, and what
 * they write back. Every case has a ring of its own and closes it at its
 * end.
 */
#include <errno.h>
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

#include "kselftest.h"

#define RING_FLAGS	(IORING_SETUP_DEFER_TASKRUN | \
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32)
#define AREA_PAGES	16
#define RQ_ENTRIES	64
/* The ABI defines registration flags 1 and 2; this one it does not. */
#define ZCRX_REG_UNDEFINED_FLAG	(1U << 2)
/* A result slot a child never filled: it died before getting there. */
#define CHILD_DIED	INT32_MIN

static struct {
	unsigned int ifindex;
	unsigned int queue, queue2;
	unsigned int nr_queues;
	unsigned int split_off_ifindex;
} cfg;

static size_t page_size;

/* One registration: the argument, the structs it points to, their memory. */
struct reg {
	struct io_uring_zcrx_ifq_reg ifq;
	struct io_uring_zcrx_area_reg area;
	struct io_uring_region_desc rd;
	void *arg;		/* what the syscall gets, &ifq unless moved */
	unsigned int nr_args;
	void *area_mem;
	size_t area_len;
	void *region_mem;	/* user memory for the refill ring, or NULL */
	size_t region_len;
	void *ro_page;		/* a read-only copy of one struct, or NULL */
};

/* Helpers */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "-EINVAL" for -EINVAL, "0" for success, into @buf. */
static const char *errname(int ret, char *buf, size_t len)
{
	const char *name = NULL;

	if (ret == CHILD_DIED)
		return "nothing, the child ended first";
	if (ret < 0)
		name = strerrorname_np(-ret);
	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%d", ret);
	return buf;
}

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

/* The raw syscall: liburing's wrapper would not let nr_args be wrong. */
static int reg_register(struct io_uring *ring, struct reg *r)
{
	int ret = syscall(__NR_io_uring_register, ring->ring_fd,
			  IORING_REGISTER_ZCRX_IFQ, r->arg, r->nr_args);

	return ret < 0 ? -errno : ret;
}

static int drop_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * Run @fn in a child, for cases that change the credentials or limits of
 * the process. It fills @nr int results, which come back in @res.
 */
static void in_child(void (*fn)(int32_t *res), int32_t *res, int nr)
{
	int32_t *shared;
	pid_t pid;
	int i;

	shared = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	for (i = 0; i < nr; i++)
		shared[i] = CHILD_DIED;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		fn(shared);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	memcpy(res, shared, nr * sizeof(*res));
	munmap(shared, page_size);
}

/* Reporting */

static void result(bool ok, const char *fmt, ...)
{
	char desc[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	ksft_test_result_code(ok ? KSFT_PASS : KSFT_FAIL, desc, NULL);
}

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

/* Errno cases: one broken rule each */

/* Set one field of one of the three structs (little-endian: low bytes). */
enum part { PART_IFQ, PART_AREA, PART_REGION };

struct poke {
	enum part part;
	size_t off, size;
	uint64_t val;
};

#define FIELD(type, f)	offsetof(struct type, f), sizeof(((struct type *)0)->f)
#define POKE_IFQ(f, v)	{ PART_IFQ, FIELD(io_uring_zcrx_ifq_reg, f), v }
#define POKE_AREA(f, v)	{ PART_AREA, FIELD(io_uring_zcrx_area_reg, f), v }
#define POKE_RD(f, v)	{ PART_REGION, FIELD(io_uring_region_desc, f), v }

static void poke(struct reg *r, const struct poke *p)
{
	void *base[] = {
		[PART_IFQ] = &r->ifq,
		[PART_AREA] = &r->area,
		[PART_REGION] = &r->rd,
	};

	memcpy((char *)base[p->part] + p->off, &p->val, p->size);
}

struct errno_case {
	const char *rule;
	unsigned int ring_flags;	/* 0: RING_FLAGS */
	void (*mutate)(struct reg *r);	/* NULL: .poke says what to break */
	struct poke poke;
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

static void area_ptr_unmapped(struct reg *r)
{
	r->ifq.area_ptr = (uintptr_t)unmapped_address();
}

static void region_ptr_unmapped(struct reg *r)
{
	r->ifq.region_ptr = (uintptr_t)unmapped_address();
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
 * A dma-buf area as the ABI has it: addr 0 and an fd. Any open fd will do
 * while the kernel refuses the flag itself; stdout is no dma-buf.
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

static void rx_buf_len_2_pages(struct reg *r)
{
	r->ifq.rx_buf_len = 2 * page_size;
}

static void rx_buf_len_2g(struct reg *r)
{
	r->ifq.rx_buf_len = 1U << 31;
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

static const struct errno_case errno_cases[] = {
	/* section 3: the ring and the caller */
	{ "ring without IORING_SETUP_DEFER_TASKRUN",
	  .ring_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
	  .errs = { EINVAL } },
	{ "ring without IORING_SETUP_CQE32",
	  .ring_flags = IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_SINGLE_ISSUER,
	  .errs = { EINVAL } },
	{ "nr_args 0", .mutate = nr_args_0, .errs = { EINVAL } },
	{ "nr_args 2", .mutate = nr_args_2, .errs = { EINVAL } },
	{ "arg NULL", .mutate = arg_null, .errs = { EINVAL } },
	{ "ifq_reg.__resv[0] non-zero", .poke = POKE_IFQ(__resv[0], 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.__resv[1] non-zero", .poke = POKE_IFQ(__resv[1], 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.__resv[2] non-zero", .poke = POKE_IFQ(__resv[2], 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.zcrx_id non-zero on input", .poke = POKE_IFQ(zcrx_id, 1),
	  .errs = { EINVAL } },
	{ "ifq_reg.flags with a bit the ABI does not define (1 << 2)",
	  .poke = POKE_IFQ(flags, ZCRX_REG_UNDEFINED_FLAG),
	  .errs = { EINVAL } },
	{ "area_reg.rq_area_token non-zero on input",
	  .poke = POKE_AREA(rq_area_token, 1ULL << IORING_ZCRX_AREA_SHIFT),
	  .errs = { EINVAL } },
	{ "area_reg.__resv2[0] non-zero", .poke = POKE_AREA(__resv2[0], 1),
	  .errs = { EINVAL } },
	{ "area_reg.__resv2[1] non-zero", .poke = POKE_AREA(__resv2[1], 1),
	  .errs = { EINVAL } },
	{ "region_desc.id non-zero", .poke = POKE_RD(id, 1),
	  .errs = { EINVAL } },
	{ "region_desc.mmap_offset non-zero on input",
	  .poke = POKE_RD(mmap_offset, 0x30000000), .errs = { EINVAL } },
	{ "region_desc.__resv[0] non-zero", .poke = POKE_RD(__resv[0], 1),
	  .errs = { EINVAL } },
	{ "region_desc.__resv[1] non-zero", .poke = POKE_RD(__resv[1], 1),
	  .errs = { EINVAL } },
	{ "region_desc.__resv[2] non-zero", .poke = POKE_RD(__resv[2], 1),
	  .errs = { EINVAL } },
	{ "region_desc.__resv[3] non-zero", .poke = POKE_RD(__resv[3], 1),
	  .errs = { EINVAL } },
	{ "ifq_reg in unmapped memory", .mutate = ifq_unmapped,
	  .errs = { EFAULT } },
	{ "area_ptr to unmapped memory", .mutate = area_ptr_unmapped,
	  .errs = { EFAULT } },
	{ "region_ptr to unmapped memory", .mutate = region_ptr_unmapped,
	  .errs = { EFAULT } },

	/* section 4: the area */
	{ "area addr 0", .poke = POKE_AREA(addr, 0),
	  .errs = { EINVAL, EFAULT } },
	{ "area len 0", .poke = POKE_AREA(len, 0),
	  .errs = { EINVAL, EFAULT } },
	{ "area addr not page aligned", .mutate = area_addr_unaligned,
	  .errs = { EINVAL, EFAULT } },
	{ "area len not page aligned", .mutate = area_len_unaligned,
	  .errs = { EINVAL, EFAULT } },
	{ "area memory unmapped", .mutate = area_unmapped,
	  .errs = { EFAULT } },
	{ "area memory with its last page unmapped", .mutate = area_hole,
	  .errs = { EFAULT } },
	{ "area memory mapped read-only", .mutate = area_read_only,
	  .errs = { EFAULT } },
	{ "area flags IORING_ZCRX_AREA_DMABUF (no dma-buf areas yet)",
	  .mutate = area_dmabuf, .errs = { EOPNOTSUPP } },
	{ "area flags with an undefined bit (1 << 1)",
	  .poke = POKE_AREA(flags, 1U << 1), .errs = { EINVAL } },
	{ "area dmabuf_fd set without IORING_ZCRX_AREA_DMABUF",
	  .poke = POKE_AREA(dmabuf_fd, 3), .errs = { EINVAL } },
	{ "rx_buf_len 3 pages, not a power of two",
	  .mutate = rx_buf_len_not_pow2, .errs = { EINVAL } },
	{ "rx_buf_len half a page", .mutate = rx_buf_len_below_page,
	  .errs = { EINVAL } },
	{ "rx_buf_len 2 pages, which loopnic cannot do",
	  .mutate = rx_buf_len_2_pages, .errs = { EOPNOTSUPP } },
	{ "rx_buf_len 2 GiB", .mutate = rx_buf_len_2g,
	  .errs = { ERANGE, EINVAL, EOVERFLOW } },

	/* section 5: the refill ring */
	{ "region flags with an undefined bit (1 << 1)",
	  .poke = POKE_RD(flags, 1U << 1), .errs = { EINVAL } },
	{ "region size 0", .poke = POKE_RD(size, 0), .errs = { EINVAL } },
	{ "region size not a multiple of the page size",
	  .mutate = region_size_unaligned, .errs = { EINVAL } },
	/* the ABI names no errno; mainline says -EFAULT, ours -EINVAL */
	{ "user region with user_addr 0", .mutate = user_region_addr_0,
	  .errs = { EINVAL, EFAULT } },
	{ "user region with user_addr not page aligned",
	  .mutate = user_region_addr_unaligned, .errs = { EINVAL } },
	{ "user region of 2 pages for rq_entries 257, rounded up to 512",
	  .mutate = user_region_too_small, .errs = { EINVAL } },
	{ "kernel region of 1 page for rq_entries 1024",
	  .mutate = kernel_region_too_small, .errs = { EINVAL } },
	{ "kernel region with user_addr set", .mutate = kernel_region_user_addr,
	  .errs = { EINVAL, EFAULT } },
	{ "rq_entries 0", .poke = POKE_IFQ(rq_entries, 0),
	  .errs = { EINVAL } },
	{ "rq_entries 32769 without IORING_SETUP_CLAMP",
	  .mutate = rq_entries_over_max, .errs = { EINVAL } },

	/* binding */
	{ "if_idx of no device", .poke = POKE_IFQ(if_idx, 0x7fffffff),
	  .errs = { ENODEV } },
	{ "if_idx of lo, which has no rx queue API",
	  .poke = POKE_IFQ(if_idx, 1), .errs = { ENODEV, EOPNOTSUPP } },
	{ "if_rxq equal to the number of rx queues",
	  .mutate = rxq_out_of_range, .errs = { ERANGE } },
};

static void run_errno_case(const struct errno_case *c)
{
	struct io_uring ring;
	struct reg r;
	int ret;

	ring_open(&ring, c->ring_flags ? c->ring_flags : RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	if (c->mutate)
		c->mutate(&r);
	else
		poke(&r, &c->poke);
	ret = reg_register(&ring, &r);
	report_errno(c->rule, ret, c->errs, c->kernel_bug);
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* Cases in a child: credentials and limits */

static void child_no_net_admin(int32_t *res)
{
	struct io_uring ring;
	struct reg r;

	if (drop_effective_cap(CAP_NET_ADMIN))
		return;
	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	res[0] = reg_register(&ring, &r);
}

static void test_no_net_admin(void)
{
	static const int errs[MAX_ERRS] = { EPERM };
	int32_t res;

	in_child(child_no_net_admin, &res, 1);
	report_errno("no CAP_NET_ADMIN in the effective set", res, errs, NULL);
}

/* res[1]: why the user namespace could not be had */
static void child_user_ns(int32_t *res)
{
	struct io_uring ring;
	struct reg r;

	if (unshare(CLONE_NEWUSER)) {
		res[1] = -errno;
		return;
	}
	res[1] = 0;
	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	res[0] = reg_register(&ring, &r);
}

/*
 * The owner of a new user namespace has CAP_NET_ADMIN there, but the
 * device's network namespace belongs to the initial one.
 */
static void test_user_ns(void)
{
	static const char rule[] =
		"CAP_NET_ADMIN only in a user namespace the netns does not belong to";
	static const int errs[MAX_ERRS] = { EPERM };
	int32_t res[2];

	in_child(child_user_ns, res, 2);
	if (res[1] < 0 && res[1] != CHILD_DIED) {
		skip(res[1] == -EINVAL ?
		     "no user namespaces in this kernel (CONFIG_USER_NS)" :
		     "unshare(CLONE_NEWUSER) failed", "%s: -EPERM", rule);
		return;
	}
	report_errno(rule, res[0], errs, NULL);
}

#define MEMLOCK_PAGES	8

/*
 * Without CAP_IPC_LOCK when the ring is made, io_uring charges pinned
 * memory to the user's RLIMIT_MEMLOCK, root's too. res[0]: an area over
 * the limit. res[1]: one under it, on no device: charged, then failed.
 * res[2]: the same area on the queue; it fits only if res[1] gave its
 * charge back, and shows res[0] failed for the charge alone.
 */
static void child_memlock(int32_t *res)
{
	struct rlimit lim = {
		.rlim_cur = MEMLOCK_PAGES * page_size,
		.rlim_max = MEMLOCK_PAGES * page_size,
	};
	const size_t under = MEMLOCK_PAGES * 3 / 4;
	struct io_uring ring;
	struct reg r;

	if (drop_effective_cap(CAP_IPC_LOCK))
		return;
	ring_open(&ring, RING_FLAGS);
	if (setrlimit(RLIMIT_MEMLOCK, &lim))
		return;
	reg_init(&r, cfg.queue, 2 * MEMLOCK_PAGES);
	res[0] = reg_register(&ring, &r);
	reg_free(&r);
	reg_init(&r, cfg.queue, under);
	r.ifq.if_idx = 0x7fffffff;
	res[1] = reg_register(&ring, &r);
	reg_free(&r);
	reg_init(&r, cfg.queue, under);
	res[2] = reg_register(&ring, &r);
}

static void test_memlock(void)
{
	static const int errs[MAX_ERRS] = { ENOMEM };
	char name[32];
	int32_t res[3];

	in_child(child_memlock, res, 3);
	report_errno("no CAP_IPC_LOCK, area of 16 pages over RLIMIT_MEMLOCK of 8",
		     res[0], errs, NULL);
	if (res[1] != -ENODEV)
		ksft_print_msg("6 pages on no device: got %s\n",
			       errname(res[1], name, sizeof(name)));
	if (res[2])
		ksft_print_msg("6 pages on queue %u: got %s\n", cfg.queue,
			       errname(res[2], name, sizeof(name)));
	result(!res[2], "no CAP_IPC_LOCK, area of 6 pages under RLIMIT_MEMLOCK of 8: registered, after one that failed (-ENODEV) gave its charge back");
}

/* Write-back: the kernel binds the queue, then cannot report the results */

/*
 * Also the one registration that fails after binding the queue: it must
 * let the queue go before it returns. The same ring, with nothing closed,
 * binds it again at once.
 */
static void test_ifq_read_only(void)
{
	static const int errs[MAX_ERRS] = { EFAULT };
	struct io_uring ring;
	struct reg r, again;
	char name[32];
	int ret;

	ring_open(&ring, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	r.arg = reg_read_only_copy(&r, &r.ifq, sizeof(r.ifq));
	ret = reg_register(&ring, &r);
	report_errno("ifq_reg in read-only memory", ret, errs, NULL);

	reg_init(&again, cfg.queue, AREA_PAGES);
	ret = reg_register(&ring, &again);
	if (ret)
		ksft_print_msg("second registration: got %s\n",
			       errname(ret, name, sizeof(name)));
	else
		ksft_print_msg("second registration: zcrx_id %u\n",
			       again.ifq.zcrx_id);
	result(!ret, "after the failed write-back the ring binds queue %u again at once",
	       cfg.queue);
	io_uring_queue_exit(&ring);
	reg_free(&r);
	reg_free(&again);
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
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* Binding */

static void test_queue_taken(void)
{
	static const int errs[MAX_ERRS] = { EEXIST };
	struct io_uring owner, other;
	struct reg r, r2;
	char name[32];
	int ret;

	ring_open(&owner, RING_FLAGS);
	ring_open(&other, RING_FLAGS);
	reg_init(&r, cfg.queue, AREA_PAGES);
	reg_init(&r2, cfg.queue, AREA_PAGES);
	ret = reg_register(&owner, &r);
	if (ret) {
		ksft_print_msg("first instance: got %s\n",
			       errname(ret, name, sizeof(name)));
		skip("the first instance did not bind",
		     "queue bound by an instance of another ring: -EEXIST");
	} else {
		ret = reg_register(&other, &r2);
		report_errno("queue bound by an instance of another ring", ret,
			     errs, NULL);
	}
	io_uring_queue_exit(&other);
	io_uring_queue_exit(&owner);
	reg_free(&r);
	reg_free(&r2);
}

static void test_split_off(void)
{
	static const char rule[] = "queue of a device with tcp-data-split off";
	static const int errs[MAX_ERRS] = { EINVAL };
	struct io_uring ring;
	struct reg r;
	int ret;

	if (!cfg.split_off_ifindex) {
		skip("no such device given (-s)", "%s: -EINVAL", rule);
		return;
	}
	ring_open(&ring, RING_FLAGS);
	reg_init(&r, 0, AREA_PAGES);
	r.ifq.if_idx = cfg.split_off_ifindex;
	ret = reg_register(&ring, &r);
	report_errno(rule, ret, errs, NULL);
	io_uring_queue_exit(&ring);
	reg_free(&r);
}

/* Registrations that succeed */

/* Report a mismatch of one written-back value; true if it matched. */
static bool check_eq(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	ksft_print_msg("%s: got %llu, want %llu\n", what,
		       (unsigned long long)got, (unsigned long long)want);
	return false;
}

static bool check(const char *what, bool ok)
{
	if (!ok)
		ksft_print_msg("%s: no\n", what);
	return ok;
}

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
	r.ifq.rx_buf_len = page_size;
	ret = reg_register(&ring, &r);
	ok = !ret;
	if (ret)
		ksft_print_msg("got %s\n", errname(ret, name, sizeof(name)));
	else
		ok = check_eq("zcrx_id", r.ifq.zcrx_id, 0) &&
		     check_eq("rq_entries", r.ifq.rq_entries, RQ_ENTRIES) &&
		     check_eq("rx_buf_len", r.ifq.rx_buf_len, page_size) &&
		     check_offsets(&r);
	result(ok, "user memory refill ring, rx_buf_len = page size: registered, same write-backs");
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
	bad.ifq.if_idx = 0x7fffffff;
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
	{ test_no_net_admin, 1 },
	{ test_user_ns, 1 },
	{ test_memlock, 2 },
	{ test_ifq_read_only, 2 },
	{ test_area_read_only, 1 },
	{ test_region_read_only, 1 },
	{ test_queue_taken, 1 },
	{ test_split_off, 1 },
	{ test_kernel_region, 6 },
	{ test_user_region, 1 },
	{ test_two_instances, 1 },
	{ test_failed_takes_no_id, 1 },
	{ test_rebind_after_close, 1 },
	{ test_rq_entries_max, 1 },
	{ test_clamp, 1 },
};

/* Command line */

static unsigned int parse_ifindex(const char *arg)
{
	char *end;
	unsigned long idx = strtoul(arg, &end, 10);

	if (*arg && !*end)
		return idx;
	idx = if_nametoindex(arg);
	if (!idx)
		ksft_exit_fail_msg("%s: %s\n", arg, strerror(errno));
	return idx;
}

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
