// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_mem: the memory rules of the zcrx user ABI, revision 2 (zcrx-abi.md
 * §4 and §8): dma-buf areas, the buffer size (rx_buf_len) and areas added
 * with ZCRX_CTRL_ADD_AREA. One mode per test of tests/zcrx/, each printing
 * KTAP; what data does with them is tests/tools/zcrx_rx's.
 *
 *   zcrx_mem dmabuf  -i IF -q QUEUE
 *   zcrx_mem bufsize -i IF -q QUEUE -k KNOB
 *   zcrx_mem areas   -i IF -q QUEUE
 *
 * IF has tcp-data-split on and QUEUE is one of its rx queues nothing else
 * uses, with no traffic: a registration that succeeds binds it, and the
 * ring is closed before the next case. KNOB is the device's debugfs file
 * rx_buf_len_cap (loopnic: 1, it sizes its buffers as asked; 0, it acts as
 * a driver that cannot), opened anew for each read and write; under ip
 * netns exec, which hides debugfs, /proc/self/fd/N of an fd the caller
 * opened. Runs as root: /proc/self/pagemap must show physical frame
 * numbers.
 *
 * A buffer must lie in one physically contiguous run of the area (for a
 * dma-buf, one DMA-contiguous run). The cases that depend on that do not
 * leave it to chance: "scattered" areas are shmem pages mapped in
 * descending physical order, so that every run is one page, and large
 * runs are 2 MiB huge pages of a hugetlb memfd, picked by their physical
 * addresses (pagemap) and mapped in that order. The huge pages come from
 * vm.nr_hugepages, which the calling test sets.
 *
 * Every registration and control operation is the raw io_uring_register()
 * syscall; liburing only sets up rings and moves SQEs and CQEs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
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
#include <linux/udmabuf.h>
/* the kernel's header first: it has the whole interface */
#include <linux/io_uring.h>
#include <liburing/zcrx.h>

#include "ktap_cases.h"
#include "pattern.h"

#define RING_FLAGS	(IORING_SETUP_DEFER_TASKRUN | \
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32)
#define RQ_ENTRIES	64
#define HUGE_PAGE	(2UL << 20)
#define KiB		1024UL
#define MiB		(1024 * KiB)
/* ABI §8: areas per instance */
#define MAX_AREAS	1024
/* loopnic's largest buffer: PAGE_SIZE << MAX_PAGE_ORDER on x86 */
#define LOOPNIC_MAX_BUF	(4 * MiB)
/* How long a completion that must come may take */
#define WAIT_MS		10000
#define AREA_TOKEN(id)	((uint64_t)(id) << IORING_ZCRX_AREA_SHIFT)

static struct {
	unsigned int ifindex;
	unsigned int queue;
	const char *knob;
} cfg;

static size_t page_size;

/* Reporting: ktap_cases.h, and the errno a case wants by name */

#define ERNAME_WANT(want)	ERRNAME(-(want))

/* Memory */

/* What an area is made of; base is where the CPU sees it, if it can. */
struct mem {
	uint8_t *base;
	size_t len;
	void *map;		/* what to munmap(): base, or a reservation */
	size_t map_len;
	int memfd;
	int dmabuf_fd;
};

static void mem_init(struct mem *m)
{
	*m = (struct mem){ .memfd = -1, .dmabuf_fd = -1 };
}

static void mem_free(struct mem *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	if (m->dmabuf_fd >= 0)
		close(m->dmabuf_fd);
	if (m->memfd >= 0)
		close(m->memfd);
	mem_init(m);
}

static void *xmap(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap %zu bytes: %s\n", len, strerror(errno));
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		ksft_exit_fail_msg("calloc %zu * %zu bytes\n", n, size);
	return p;
}

/*
 * A memfd of @len bytes (MFD_CLOEXEC and @flags); with MFD_ALLOW_SEALING
 * it is sealed against shrinking, as /dev/udmabuf wants.
 */
static int memfd_sized(const char *name, size_t len, unsigned int flags)
{
	int fd = memfd_create(name, MFD_CLOEXEC | flags);

	if (fd < 0 || ftruncate(fd, len) ||
	    ((flags & MFD_ALLOW_SEALING) &&
	     fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)))
		ksft_exit_fail_msg("memfd %s: %s\n", name, strerror(errno));
	return fd;
}

/* @len bytes of the memfd @fd, mapped shared */
static uint8_t *map_memfd(int fd, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap memfd: %s\n", strerror(errno));
	return p;
}

/* The dma-buf fd of /dev/udmabuf's UDMABUF_CREATE or _LIST (@req) */
static int udmabuf_create(unsigned long req, void *arg)
{
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), fd;

	if (dev < 0)
		ksft_exit_fail_msg("/dev/udmabuf: %s\n", strerror(errno));
	fd = ioctl(dev, req, arg);
	if (fd < 0)
		ksft_exit_fail_msg("%s: %s\n", req == UDMABUF_CREATE ?
				   "UDMABUF_CREATE" : "UDMABUF_CREATE_LIST",
				   strerror(errno));
	close(dev);
	return fd;
}

/* @len bytes of anonymous memory, 4 KiB pages */
static void mem_anon(struct mem *m, size_t len)
{
	mem_init(m);
	m->base = m->map = xmap(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	m->len = m->map_len = len;
}

/* @n anonymous 2 MiB huge pages; false if none are reserved */
static bool mem_huge(struct mem *m, size_t n)
{
	void *p;

	mem_init(m);
	p = mmap(NULL, n * HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		ksft_print_msg("%zu huge pages: %s (vm.nr_hugepages)\n", n,
			       strerror(errno));
		return false;
	}
	m->base = m->map = p;
	m->len = m->map_len = n * HUGE_PAGE;
	return true;
}

/* A dma-buf of @len bytes of a memfd (/dev/udmabuf), mapped to read it */
static void mem_udmabuf(struct mem *m, size_t len)
{
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = len,
	};

	mem_init(m);
	m->memfd = memfd_sized("zcrx_mem-udmabuf", len, MFD_ALLOW_SEALING);
	create.memfd = m->memfd;
	m->dmabuf_fd = udmabuf_create(UDMABUF_CREATE, &create);
	m->base = m->map = map_memfd(m->memfd, len, PROT_READ);
	m->len = m->map_len = len;
}

/* The physical frame of the page at @p, 0 if unknown or not present */
static uint64_t pfn_of(const void *p)
{
	static int fd = -1;
	uint64_t e;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &e, sizeof(e),
			    (uintptr_t)p / page_size * sizeof(e)) != sizeof(e))
		return 0;
	if (!(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

struct frame {
	uint64_t pfn;
	size_t idx;		/* page of the memfd */
};

static int frame_desc(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	return x->pfn < y->pfn ? 1 : x->pfn > y->pfn ? -1 : 0;
}

static int frame_asc(const void *a, const void *b)
{
	return frame_desc(b, a);
}

/*
 * Touch each of the @n pages of @size bytes at @p and note its frame in
 * @f, in order: true if every frame is known.
 */
static bool note_frames(uint8_t *p, size_t n, size_t size, struct frame *f)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		p[i * size] = 1;
		f[i] = (struct frame){ pfn_of(p + i * size), i };
		ok &= f[i].pfn != 0;
	}
	return ok;
}

/* Reserve @len bytes of address space aligned to @align */
static uint8_t *reserve(struct mem *m, size_t len, size_t align)
{
	uint8_t *p = xmap(len + align, PROT_NONE, MAP_PRIVATE);

	m->map = p;
	m->map_len = len + align;
	return (uint8_t *)(((uintptr_t)p + align - 1) & ~(align - 1));
}

/* Map page @idx (of @size bytes) of @fd at @at */
static void map_fixed(uint8_t *at, size_t size, int fd, size_t idx)
{
	if (mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 idx * size) == MAP_FAILED)
		ksft_exit_fail_msg("mmap MAP_FIXED: %s\n", strerror(errno));
}

/*
 * @pages shmem pages, mapped in descending physical order: no page is
 * followed by its physical successor, so every physically contiguous run
 * of the area is a single page. False (and said why) if the frames cannot
 * be known.
 */
static bool mem_scattered(struct mem *m, size_t pages)
{
	size_t len = pages * page_size, i;
	struct frame *f = xcalloc(pages, sizeof(*f));
	uint8_t *tmp, *at;
	bool ok;

	mem_init(m);
	m->memfd = memfd_sized("zcrx_mem-scattered", len, 0);
	tmp = map_memfd(m->memfd, len, PROT_READ | PROT_WRITE);
	ok = note_frames(tmp, pages, page_size, f);
	munmap(tmp, len);
	if (!ok) {
		ksft_print_msg("no physical frames in /proc/self/pagemap\n");
		free(f);
		mem_free(m);
		return false;
	}
	qsort(f, pages, sizeof(*f), frame_desc);
	at = reserve(m, len, page_size);
	for (i = 0; i < pages; i++)
		map_fixed(at + i * page_size, page_size, m->memfd, f[i].idx);
	m->base = at;
	m->len = len;
	/* the same pages, now in that order */
	for (i = 0; i < pages; i++) {
		at[i * page_size] = 2;
		ok &= pfn_of(at + i * page_size) == f[i].pfn;
	}
	/* a run only grows upwards: from a frame to the next one */
	for (i = 1; i < pages; i++)
		ok &= f[i].pfn < f[i - 1].pfn;
	free(f);
	if (!ok) {
		ksft_print_msg("scattered area: two neighbours are adjacent\n");
		mem_free(m);
	}
	return ok;
}

/*
 * A dma-buf of @pages memfd pages listed in descending physical order
 * (UDMABUF_CREATE_LIST), so no DMA-contiguous run of it is longer than a
 * page: with direct DMA a buffer larger than a page fits nowhere. False
 * (and said why) if the frames cannot be known or moved meanwhile.
 */
static bool mem_udmabuf_scattered(struct mem *m, size_t pages)
{
	size_t len = pages * page_size, i;
	struct udmabuf_create_list *list;
	struct frame *f = xcalloc(pages, sizeof(*f));
	bool ok;
	uint8_t *p;

	mem_init(m);
	list = xcalloc(1, sizeof(*list) + pages * sizeof(list->list[0]));
	m->memfd = memfd_sized("zcrx_mem-udmabuf-scattered", len,
			       MFD_ALLOW_SEALING);
	p = map_memfd(m->memfd, len, PROT_READ | PROT_WRITE);
	ok = note_frames(p, pages, page_size, f);
	qsort(f, pages, sizeof(*f), frame_desc);
	list->flags = UDMABUF_FLAGS_CLOEXEC;
	list->count = pages;
	for (i = 0; i < pages; i++)
		list->list[i] = (struct udmabuf_create_item){
			.memfd = m->memfd,
			.offset = f[i].idx * page_size,
			.size = page_size,
		};
	m->dmabuf_fd = udmabuf_create(UDMABUF_CREATE_LIST, list);
	/* pinned by the dma-buf now: the frames read before must be theirs */
	for (i = 0; i < pages; i++) {
		ok &= pfn_of(p + f[i].idx * page_size) == f[i].pfn;
		ok &= !i || f[i].pfn < f[i - 1].pfn;
	}
	m->base = m->map = p;
	m->len = m->map_len = len;
	free(list);
	free(f);
	if (!ok) {
		ksft_print_msg("scattered dma-buf: frames unknown or moved\n");
		mem_free(m);
	}
	return ok;
}

/* Huge pages free now, from /proc/meminfo */
static size_t huge_pages_free(void)
{
	long n = proc_number("/proc/meminfo", "HugePages_Free: %ld");

	return n < 0 ? 0 : n;
}

/*
 * @n physically consecutive 2 MiB huge pages, mapped in that order: one
 * run of @n * 2 MiB. They are picked among all free huge pages of a
 * hugetlb memfd by their frames; the others are given back. False (and
 * said why) if no @n of them are consecutive.
 */
static bool mem_huge_run(struct mem *m, size_t n)
{
	size_t avail = huge_pages_free(), i, first = 0, run = 1;
	uint64_t per_huge = HUGE_PAGE / page_size;
	struct frame *f;
	uint8_t *tmp, *at;

	mem_init(m);
	if (avail < n) {
		ksft_print_msg("%zu huge pages free, %zu wanted\n", avail, n);
		return false;
	}
	f = xcalloc(avail, sizeof(*f));
	m->memfd = memfd_sized("zcrx_mem-huge", avail * HUGE_PAGE, MFD_HUGETLB);
	tmp = map_memfd(m->memfd, avail * HUGE_PAGE, PROT_READ | PROT_WRITE);
	/* an unknown frame (0) starts no run: checked below */
	note_frames(tmp, avail, HUGE_PAGE, f);
	munmap(tmp, avail * HUGE_PAGE);
	qsort(f, avail, sizeof(*f), frame_asc);
	for (i = 1; i < avail && run < n; i++) {
		if (f[i - 1].pfn && f[i].pfn == f[i - 1].pfn + per_huge) {
			run++;
		} else {
			first = i;
			run = 1;
		}
	}
	if (!f[first].pfn || run < n) {
		ksft_print_msg("no %zu physically consecutive huge pages among %zu\n",
			       n, avail);
		free(f);
		mem_free(m);
		return false;
	}
	/* the rest go back to the pool for the next cases */
	for (i = 0; i < avail; i++)
		if (i < first || i >= first + n)
			fallocate(m->memfd, FALLOC_FL_PUNCH_HOLE |
				  FALLOC_FL_KEEP_SIZE, f[i].idx * HUGE_PAGE,
				  HUGE_PAGE);
	at = reserve(m, n * HUGE_PAGE, HUGE_PAGE);
	for (i = 0; i < n; i++) {
		map_fixed(at + i * HUGE_PAGE, HUGE_PAGE, m->memfd,
			  f[first + i].idx);
		at[i * HUGE_PAGE] = 2;
		if (pfn_of(at + i * HUGE_PAGE) != f[first + i].pfn) {
			ksft_print_msg("huge page %zu moved\n", i);
			free(f);
			mem_free(m);
			return false;
		}
	}
	m->base = at;
	m->len = n * HUGE_PAGE;
	free(f);
	return true;
}

/* Registration and control */

static void ring_open(struct io_uring *ring)
{
	struct io_uring_params p = { .flags = RING_FLAGS };
	int ret;

	ret = io_uring_queue_init_params(64, ring, &p);
	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init_params: %s\n",
				   strerror(-ret));
}

/* An instance on a ring of its own */
struct inst {
	struct io_uring ring;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_area_reg area;
	struct io_uring_region_desc rd;
	struct io_uring_zcrx_rq rq;
	bool registered;
};

static struct io_uring_zcrx_area_reg user_area(const struct mem *m)
{
	return (struct io_uring_zcrx_area_reg){
		.addr = (uintptr_t)m->base,
		.len = m->len,
	};
}

/* The area struct of @m for a case, NULL if there is no such memory */
#define USER_AREA(m, have)	((have) ? &(struct io_uring_zcrx_area_reg){ \
				 .addr = (uintptr_t)(m)->base,		\
				 .len = (m)->len } : NULL)

static struct io_uring_zcrx_area_reg dmabuf_area(const struct mem *m)
{
	return (struct io_uring_zcrx_area_reg){
		.flags = IORING_ZCRX_AREA_DMABUF,
		.dmabuf_fd = m->dmabuf_fd,
		.len = m->len,
	};
}

/*
 * Register @area with buffers of @buf_len on QUEUE (or NODEV) on a fresh
 * ring: 0 or -errno. The ring stays open until inst_close().
 */
static int inst_register(struct inst *in, struct io_uring_zcrx_area_reg area,
			 uint32_t buf_len, bool nodev)
{
	int ret;

	memset(in, 0, sizeof(*in));
	ring_open(&in->ring);
	in->area = area;
	in->rd.size = io_uring_zcrx_rq_region_size(RQ_ENTRIES);
	if (nodev) {
		in->reg.flags = ZCRX_REG_NODEV;
	} else {
		in->reg.if_idx = cfg.ifindex;
		in->reg.if_rxq = cfg.queue;
	}
	in->reg.rq_entries = RQ_ENTRIES;
	in->reg.rx_buf_len = buf_len;
	in->reg.area_ptr = (uintptr_t)&in->area;
	in->reg.region_ptr = (uintptr_t)&in->rd;
	ret = sys_register(in->ring.ring_fd, IORING_REGISTER_ZCRX_IFQ,
			   &in->reg, 1);
	in->registered = !ret;
	return ret;
}

/* The ring and the instance go; the queue is free again at once (§7). */
static void inst_close(struct inst *in)
{
	io_uring_queue_exit(&in->ring);
}

/*
 * Register, report, close: the registration is the case. No @area (the
 * memory for it could not be had) fails the case.
 */
static void try_register(const char *rule,
			 const struct io_uring_zcrx_area_reg *area,
			 uint32_t buf_len, bool nodev, int want)
{
	struct inst in;

	if (!area) {
		result(false, "%s: %s (no memory for the case)", rule,
		       ERNAME_WANT(want));
		return;
	}
	expect(rule, inst_register(&in, *area, buf_len, nodev), want);
	inst_close(&in);
}

/* A registration that must succeed and write @want_len back as the size */
static void try_buf_len(const char *rule,
			const struct io_uring_zcrx_area_reg *area,
			uint32_t buf_len, uint32_t want_len)
{
	struct inst in;
	int ret;

	if (!area) {
		result(false, "%s: registered, rx_buf_len %u written back (no memory for the case)",
		       rule, want_len);
		return;
	}
	ret = inst_register(&in, *area, buf_len, false);
	if (ret)
		ksft_print_msg("%s: got %s\n", rule, ERRNAME(ret));
	result(!ret && check_eq("rx_buf_len", in.reg.rx_buf_len, want_len) &&
	       check_eq("rq_area_token", in.area.rq_area_token, 0),
	       "%s: registered, rx_buf_len %u written back", rule, want_len);
	inst_close(&in);
}

/* ZCRX_CTRL_ADD_AREA of @area_ptr (as given) on @in */
static int add_area_raw(struct inst *in, uint64_t area_ptr, uint64_t resv0)
{
	struct zcrx_ctrl c = {
		.zcrx_id = in->reg.zcrx_id,
		.op = ZCRX_CTRL_ADD_AREA,
	};

	c.zc_area.area_ptr = area_ptr;
	c.zc_area.__resv[0] = resv0;
	return sys_register(in->ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &c, 0);
}

/* ADD_AREA of *@area; its token comes back in it */
static int add_area(struct inst *in, struct io_uring_zcrx_area_reg *area)
{
	return add_area_raw(in, (uintptr_t)area, 0);
}

static int flush_rq(struct inst *in)
{
	struct zcrx_ctrl c = {
		.zcrx_id = in->reg.zcrx_id,
		.op = ZCRX_CTRL_FLUSH_RQ,
	};

	return sys_register(in->ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &c, 0);
}

/*
 * FLUSH_RQ until the kernel consumed every entry written: each call stops
 * after the first malformed entry (§8), which it counts as consumed.
 * Returns the first error, or -EAGAIN if the head does not get there.
 */
static int flush_all(struct inst *in)
{
	int i, ret;

	for (i = 0; i <= RQ_ENTRIES; i++) {
		if (io_uring_smp_load_acquire(in->rq.khead) == in->rq.rq_tail)
			return 0;
		ret = flush_rq(in);
		if (ret)
			return ret;
	}
	return -EAGAIN;
}

/*
 * Drop @cap from the effective set; the next ring's creator lacks it.
 * False, saying so, if it cannot.
 */
static bool without_cap(int cap)
{
	int ret = drop_effective_cap(cap);

	if (ret)
		ksft_print_msg("dropping capability %d: %s\n", cap,
			       strerror(-ret));
	return !ret;
}

/* Mode dmabuf: ABI §4, dma-buf areas */

#define DMABUF_PAGES	16

/*
 * Without CAP_IPC_LOCK and with RLIMIT_MEMLOCK at the refill region's
 * pages, a dma-buf area registers: it is not charged (§4), and VmPin
 * grows by the region alone. res[0]: the registration; res[1]: VmPin
 * after it, less before; res[2]: the region's pages.
 */
static void child_dmabuf_memlock(int32_t *res, const void *arg)
{
	long region = io_uring_zcrx_rq_region_size(RQ_ENTRIES) / page_size;
	struct inst in;
	struct mem m;
	long before;

	mem_udmabuf(&m, DMABUF_PAGES * page_size);
	if (!without_cap(CAP_IPC_LOCK) || !set_memlock(region))
		return;
	before = vm_pin_pages();
	res[0] = inst_register(&in, dmabuf_area(&m), 0, false);
	res[1] = vm_pin_pages() - before;
	res[2] = region;
	inst_close(&in);
	mem_free(&m);
}

static void mode_dmabuf(void)
{
	size_t len = DMABUF_PAGES * page_size;
	struct io_uring_zcrx_area_reg a, good;
	struct inst in;
	struct mem m;
	int32_t res[3];
	int pipefd[2], fd, ret;

	ksft_set_plan(14);
	mem_udmabuf(&m, len);
	good = dmabuf_area(&m);

	ret = inst_register(&in, good, 0, false);
	if (ret)
		ksft_print_msg("got %s\n", ERRNAME(ret));
	result(!ret && check_eq("rq_area_token", in.area.rq_area_token, 0) &&
	       check_eq("rx_buf_len", in.reg.rx_buf_len, page_size) &&
	       check_eq("addr", in.area.addr, 0),
	       "a udmabuf area of %d pages: registered, token 0, rx_buf_len 0 written back as the page size",
	       DMABUF_PAGES);
	inst_close(&in);

	a = good;
	a.addr = (uintptr_t)m.base;
	try_register("dma-buf area with addr set (the memfd's mapping)", &a, 0,
		     false, EINVAL);
	a.addr = page_size;
	try_register("dma-buf area with addr one page", &a, 0, false, EINVAL);

	a = good;
	a.dmabuf_fd = -1;
	try_register("dma-buf area, dmabuf_fd -1", &a, 0, false, EBADF);
	/*
	 * A high number: the ring inst_register() opens takes the lowest
	 * free one, which a just-closed low fd would be.
	 */
	fd = fcntl(m.dmabuf_fd, F_DUPFD_CLOEXEC, 1000);
	close(fd);
	a.dmabuf_fd = fd;
	try_register("dma-buf area, dmabuf_fd of no open file (just closed)",
		     &a, 0, false, EBADF);
	a.dmabuf_fd = m.memfd;
	try_register("dma-buf area, dmabuf_fd the memfd, which is no dma-buf",
		     &a, 0, false, EINVAL);
	if (pipe2(pipefd, O_CLOEXEC))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	a.dmabuf_fd = pipefd[0];
	try_register("dma-buf area, dmabuf_fd a pipe", &a, 0, false, EINVAL);
	close(pipefd[0]);
	close(pipefd[1]);

	a = good;
	a.len = len - page_size;
	try_register("dma-buf area, len a page short of the dma-buf's size", &a,
		     0, false, EINVAL);
	a.len = len + page_size;
	try_register("dma-buf area, len a page past the dma-buf's size", &a, 0,
		     false, EINVAL);
	a.len = len - page_size / 2;
	try_register("dma-buf area, len not page aligned", &a, 0, false,
		     EINVAL);

	try_register("NODEV instance with a dma-buf area (a real one)", &good,
		     0, true, EINVAL);
	try_register("order: NODEV with a dma-buf area, rx_buf_len 16 KiB (the area first)",
		     &good, 16 * KiB, true, EINVAL);
	mem_free(&m);
	/*
	 * loopnic's DMA is direct: a dma-buf of pages in descending physical
	 * order has no DMA-contiguous run longer than a page.
	 */
	if (mem_udmabuf_scattered(&m, DMABUF_PAGES)) {
		good = dmabuf_area(&m);
		try_register("dma-buf area of pages in descending physical order, rx_buf_len 16 KiB: no DMA run holds a buffer",
			     &good, 16 * KiB, false, ERANGE);
		mem_free(&m);
	} else {
		result(false, "dma-buf area of pages in descending physical order, rx_buf_len 16 KiB: no such dma-buf");
	}

	in_child(child_dmabuf_memlock, NULL, res, 3);
	if (res[0])
		ksft_print_msg("got %s\n", ERRNAME(res[0]));
	result(!res[0] && res[1] == res[2],
	       "dma-buf area not charged: registers with RLIMIT_MEMLOCK at the region's %d pages and no CAP_IPC_LOCK, VmPin %+d pages (the region's)",
	       res[2], res[1]);
}

/* Mode bufsize: ABI §4, rx_buf_len */

static int knob_read(void)
{
	char buf[8] = "";
	int fd = open(cfg.knob, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -EIO;
}

static bool knob_write(int val)
{
	char buf[4];
	int fd = open(cfg.knob, O_WRONLY), n;

	if (fd < 0) {
		ksft_print_msg("%s: %s\n", cfg.knob, strerror(errno));
		return false;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", val);
	n = write(fd, buf, n) == n;
	close(fd);
	return n;
}

static void mode_bufsize(void)
{
	struct mem plain, scattered, huge, run;
	bool have_scattered, have_huge, have_run;
	const struct io_uring_zcrx_area_reg *pl, *sc, *hu;

	ksft_set_plan(28);
	mem_anon(&plain, 16 * page_size);
	have_scattered = mem_scattered(&scattered, 16);
	have_huge = mem_huge(&huge, 1);
	pl = USER_AREA(&plain, true);
	sc = USER_AREA(&scattered, have_scattered);
	hu = USER_AREA(&huge, have_huge);

	/* not sizes at all, whatever the memory */
	try_register("rx_buf_len 12 KiB, not a power of two", pl, 12 * KiB,
		     false, EINVAL);
	try_register("rx_buf_len 2 KiB, below the page size", pl, 2 * KiB,
		     false, EINVAL);
	try_register("rx_buf_len 0xffffffff", pl, UINT32_MAX, false, EINVAL);
	try_register("rx_buf_len 12 KiB on a huge-page area", hu, 12 * KiB,
		     false, EINVAL);

	/* runs too short: every run of the scattered area is one page */
	try_register("rx_buf_len 16 KiB on a 4 KiB-page area whose every run is one page",
		     sc, 16 * KiB, false, ERANGE);
	try_register("rx_buf_len 2 MiB on that area", sc, 2 * MiB, false,
		     ERANGE);
	try_register("rx_buf_len 4 MiB on one huge page (a 2 MiB run)", hu,
		     4 * MiB, false, ERANGE);
	try_register("order: rx_buf_len 12 KiB on that area (the size before the runs)",
		     sc, 12 * KiB, false, EINVAL);

	/* sizes the device takes, written back */
	try_buf_len("rx_buf_len 0 on a 4 KiB-page area", pl, 0, page_size);
	try_buf_len("rx_buf_len 4 KiB on a 4 KiB-page area", pl, 4 * KiB,
		    4 * KiB);
	try_buf_len("rx_buf_len 4 KiB on the area whose every run is one page",
		    sc, 4 * KiB, 4 * KiB);
	try_buf_len("rx_buf_len 16 KiB on a huge-page area", hu, 16 * KiB,
		    16 * KiB);
	try_buf_len("rx_buf_len 64 KiB on a huge-page area", hu, 64 * KiB,
		    64 * KiB);
	try_buf_len("rx_buf_len 2 MiB on a huge-page area", hu, 2 * MiB,
		    2 * MiB);

	/* loopnic's largest, and past it */
	have_run = mem_huge_run(&run, 2);
	try_buf_len("rx_buf_len 4 MiB (loopnic's largest) on 2 physically consecutive huge pages",
		    USER_AREA(&run, have_run), LOOPNIC_MAX_BUF,
		    LOOPNIC_MAX_BUF);
	mem_free(&run);
	have_run = mem_huge_run(&run, 4);
	try_register("rx_buf_len 8 MiB on 4 physically consecutive huge pages: past loopnic's largest",
		     USER_AREA(&run, have_run), 2 * LOOPNIC_MAX_BUF, false,
		     EOPNOTSUPP);
	mem_free(&run);

	/* a device that cannot size its buffers: any size is refused */
	result(knob_read() == 1, "%s reads 1, the default", cfg.knob);
	result(knob_write(0) && knob_read() == 0,
	       "rx_buf_len_cap set to 0: the device acts as a driver without NETDEV_QUEUE_CAP_RX_BUF_LEN");
	try_register("device without the capability: rx_buf_len 4 KiB, the page size",
		     pl, 4 * KiB, false, EOPNOTSUPP);
	try_register("device without the capability: rx_buf_len 16 KiB on a huge-page area",
		     hu, 16 * KiB, false, EOPNOTSUPP);
	try_buf_len("device without the capability: rx_buf_len 0 (its own size)",
		    pl, 0, page_size);
	try_register("order: device without the capability, 16 KiB on the area whose every run is one page (the area first)",
		     sc, 16 * KiB, false, ERANGE);
	result(knob_write(1) && knob_read() == 1,
	       "rx_buf_len_cap set back to 1");
	try_buf_len("capability back: rx_buf_len 4 KiB", pl, 4 * KiB, 4 * KiB);

	/* NODEV: no device to pass a size to */
	try_register("NODEV, rx_buf_len 16 KiB on a huge-page area", hu,
		     16 * KiB, true, EOPNOTSUPP);
	try_register("NODEV, rx_buf_len 2 MiB on a huge-page area", hu, 2 * MiB,
		     true, EOPNOTSUPP);
	try_register("NODEV, rx_buf_len 4 KiB, the page size", pl, 4 * KiB,
		     true, 0);
	try_register("order: NODEV, rx_buf_len 12 KiB (the size before NODEV's rule)",
		     pl, 12 * KiB, true, EINVAL);

	mem_free(&plain);
	mem_free(&scattered);
	mem_free(&huge);
}

/* Mode areas: ABI §8, ZCRX_CTRL_ADD_AREA */

/*
 * An instance on QUEUE with a one-page area, then MAX_AREAS - 1 more
 * one-page areas: every one gets the next id as its token; the one after
 * the last is -EINVAL, its token written back all the same.
 */
static void test_max_areas(void)
{
	struct io_uring_zcrx_area_reg a;
	struct inst in;
	struct mem m;
	unsigned int id, bad = 0;
	int ret;

	mem_anon(&m, (MAX_AREAS + 1) * page_size);
	a = user_area(&m);
	a.len = page_size;
	ret = inst_register(&in, a, 0, false);
	for (id = 1; !ret && id < MAX_AREAS; id++) {
		a = (struct io_uring_zcrx_area_reg){
			.addr = (uintptr_t)m.base + id * page_size,
			.len = page_size,
		};
		ret = add_area(&in, &a);
		if (!ret && a.rq_area_token != AREA_TOKEN(id) && bad++ < 5)
			ksft_print_msg("area %u: token %#llx\n", id,
				       (unsigned long long)a.rq_area_token);
	}
	if (ret)
		ksft_print_msg("area %u: %s\n", id - 1, ERRNAME(ret));
	result(!ret && !bad,
	       "%d areas of a page on a device instance: each ADD_AREA 0, token id << 48",
	       MAX_AREAS);
	a = (struct io_uring_zcrx_area_reg){
		.addr = (uintptr_t)m.base + MAX_AREAS * page_size,
		.len = page_size,
	};
	ret = add_area(&in, &a);
	expect("the 1025th area", ret, EINVAL);
	result(check_eq("token", a.rq_area_token, AREA_TOKEN(MAX_AREAS)),
	       "the 1025th area: token 1024 << 48 written back although refused");
	inst_close(&in);
	mem_free(&m);
}

/* An address nothing is mapped at, for @len bytes */
static void *unmapped(size_t len)
{
	void *p = xmap(len, PROT_NONE, MAP_PRIVATE);

	munmap(p, len);
	return p;
}

/* ADD_AREA's own rules, and §4's for the new area, on a user instance */
static void test_add_rules(void)
{
	struct io_uring_zcrx_area_reg a, *ro;
	struct mem m0, m1, dm;
	struct inst in;
	int ret;

	mem_anon(&m0, 4 * page_size);
	mem_anon(&m1, 4 * page_size);
	mem_udmabuf(&dm, 4 * page_size);

	ret = inst_register(&in, user_area(&m0), 0, false);
	if (ret)
		ksft_print_msg("registration: %s\n", ERRNAME(ret));

	a = user_area(&m1);
	expect("ADD_AREA with zc_area.__resv[0] set",
	       add_area_raw(&in, (uintptr_t)&a, 1), EINVAL);
	a = user_area(&m1);
	a.rq_area_token = AREA_TOKEN(1);
	expect("ADD_AREA with rq_area_token set on input", add_area(&in, &a),
	       EINVAL);
	expect("ADD_AREA with area_ptr at unmapped memory",
	       add_area_raw(&in, (uintptr_t)unmapped(page_size), 0), EFAULT);
	expect("ADD_AREA with area_ptr 0", add_area_raw(&in, 0, 0), EFAULT);

	/* the token cannot be written back: nothing is added */
	ro = xmap(page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	*ro = user_area(&m1);
	if (mprotect(ro, page_size, PROT_READ))
		ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
	expect("ADD_AREA with the area struct read-only (no token write-back)",
	       add_area_raw(&in, (uintptr_t)ro, 0), EFAULT);
	munmap(ro, page_size);

	a = user_area(&m1);
	a.addr = 0;
	ret = add_area(&in, &a);
	expect("ADD_AREA of a user area with addr 0", ret, EINVAL);
	result(check_eq("token", a.rq_area_token, AREA_TOKEN(1)),
	       "ADD_AREA refused for its area: the token of id 1 written back all the same");
	a = user_area(&m1);
	a.len = 0;
	expect("ADD_AREA of an area of length 0", add_area(&in, &a), EFAULT);
	a = user_area(&m1);
	a.len = page_size / 2;
	expect("ADD_AREA of an area whose len is not page aligned",
	       add_area(&in, &a), EINVAL);
	a = user_area(&m1);
	a.addr = (uintptr_t)unmapped(4 * page_size);
	expect("ADD_AREA of unmapped memory", add_area(&in, &a), EFAULT);
	a = user_area(&m1);
	a.flags = 1U << 1;
	expect("ADD_AREA with an undefined area flag", add_area(&in, &a),
	       EINVAL);
	a = dmabuf_area(&dm);
	expect("ADD_AREA of a dma-buf area to a user-memory instance",
	       add_area(&in, &a), EINVAL);

	/* none of the refusals took an id */
	a = user_area(&m1);
	ret = add_area(&in, &a);
	result(!ret && check_eq("token", a.rq_area_token, AREA_TOKEN(1)),
	       "after the refusals, ADD_AREA of a good area: 0, token 1 << 48 (%s)",
	       ERRNAME(ret));
	inst_close(&in);

	/* and the other way round */
	ret = inst_register(&in, dmabuf_area(&dm), 0, false);
	if (ret)
		ksft_print_msg("dma-buf registration: %s\n", ERRNAME(ret));
	a = user_area(&m1);
	expect("ADD_AREA of a user area to a dma-buf instance",
	       add_area(&in, &a), EINVAL);
	mem_free(&dm);
	mem_udmabuf(&dm, 8 * page_size);
	a = dmabuf_area(&dm);
	ret = add_area(&in, &a);
	result(!ret && check_eq("token", a.rq_area_token, AREA_TOKEN(1)),
	       "ADD_AREA of another udmabuf to a dma-buf instance: 0, token 1 << 48 (%s)",
	       ERRNAME(ret));
	inst_close(&in);

	mem_free(&m0);
	mem_free(&m1);
	mem_free(&dm);
}

/* ADD_AREA to an instance of 64 KiB buffers: the runs must allow them */
static void test_add_buf_len(void)
{
	struct io_uring_zcrx_area_reg a;
	struct mem huge0, huge1, scattered;
	bool have;
	struct inst in;
	int ret;

	have = mem_huge(&huge0, 1) && mem_huge(&huge1, 1) &&
	       mem_scattered(&scattered, 16);
	if (!have) {
		result(false, "ADD_AREA of a 4 KiB-page area to a 64 KiB-buffer instance: -ERANGE (no memory for it)");
		result(false, "ADD_AREA of a huge page to a 64 KiB-buffer instance: 0 (no memory for it)");
		return;
	}
	ret = inst_register(&in, user_area(&huge0), 64 * KiB, false);
	if (ret)
		ksft_print_msg("registration with 64 KiB buffers: %s\n",
			       ERRNAME(ret));
	a = user_area(&scattered);
	ret = add_area(&in, &a);
	expect("ADD_AREA of a 4 KiB-page area (every run one page) to a 64 KiB-buffer instance",
	       ret, ERANGE);
	a = user_area(&huge1);
	ret = add_area(&in, &a);
	result(!ret && check_eq("token", a.rq_area_token, AREA_TOKEN(1)),
	       "ADD_AREA of a huge page to a 64 KiB-buffer instance: 0, token 1 << 48 (%s)",
	       ERRNAME(ret));
	inst_close(&in);
	mem_free(&huge0);
	mem_free(&huge1);
	mem_free(&scattered);
}

/*
 * Added user memory is charged like the first area (§4, §8): without
 * CAP_IPC_LOCK and RLIMIT_MEMLOCK at what the registration took, a 4-page
 * ADD_AREA is -ENOMEM and pins nothing; 4 pages more of limit and it is
 * added, VmPin up by 4. res[0]: registration; res[1], res[2]: the ADD_AREA
 * and VmPin after it, less before; res[3], res[4]: the same, limit raised.
 */
static void child_add_memlock(int32_t *res, const void *arg)
{
	long region = io_uring_zcrx_rq_region_size(RQ_ENTRIES) / page_size;
	struct io_uring_zcrx_area_reg a;
	struct mem m0, m1;
	struct inst in;
	long before;

	mem_anon(&m0, 4 * page_size);
	mem_anon(&m1, 4 * page_size);
	if (!without_cap(CAP_IPC_LOCK) || !set_memlock(region + 4))
		return;
	res[0] = inst_register(&in, user_area(&m0), 0, false);
	if (res[0])
		return;
	before = vm_pin_pages();
	a = user_area(&m1);
	res[1] = add_area(&in, &a);
	res[2] = vm_pin_pages() - before;
	if (!set_memlock(region + 8))
		return;
	a = user_area(&m1);
	res[3] = add_area(&in, &a);
	res[4] = vm_pin_pages() - before;
	inst_close(&in);
}

static void test_add_memlock(void)
{
	int32_t res[5];

	in_child(child_add_memlock, NULL, res, 5);
	if (res[0])
		ksft_print_msg("registration: %s\n", ERRNAME(res[0]));
	result(!res[0] && res[1] == -ENOMEM && res[2] == 0,
	       "ADD_AREA of 4 pages past RLIMIT_MEMLOCK: -ENOMEM (%s), VmPin %+d",
	       ERRNAME(res[1]), res[2]);
	result(!res[0] && res[3] == 0 && res[4] == 4,
	       "ADD_AREA of 4 pages within RLIMIT_MEMLOCK: 0 (%s), VmPin %+d, the area's pages",
	       ERRNAME(res[3]), res[4]);
}

/* A buffer the receiver holds */
struct got {
	uint64_t off;
	uint32_t len;
};

/*
 * One RECV_ZC request on @fd to its end: its data completions go to
 * @got (at most @max, more are counted only), the bytes checked against
 * the pattern from *@pos on (which moves) in the @nr_areas areas @m.
 * Returns the last CQE's res, or INT32_MIN if it did not come within
 * WAIT_MS.
 */
static int recv_all(struct inst *in, int fd, struct got *got, int max,
		    int *nr, uint64_t *pos, uint64_t *bad, const struct mem *m,
		    unsigned int nr_areas)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&in->ring);
	struct __kernel_timespec ts = { .tv_sec = WAIT_MS / 1000 };
	struct io_uring_cqe *cqe;
	int64_t first_bad = -1;
	int ret, res;

	io_uring_prep_recv_zc(sqe, fd, in->reg.zcrx_id, 0);
	io_uring_submit(&in->ring);
	*nr = 0;
	for (;;) {
		ret = io_uring_wait_cqe_timeout(&in->ring, &cqe, &ts);
		if (ret)
			return INT32_MIN;
		res = cqe->res;
		if (!(cqe->flags & IORING_CQE_F_MORE)) {
			io_uring_cqe_seen(&in->ring, cqe);
			return res;
		}
		if (*nr < max) {
			uint64_t off = io_uring_zcrx_cqe(cqe)->off;
			uint64_t id = off >> IORING_ZCRX_AREA_SHIFT;
			uint64_t at = off & ~IORING_ZCRX_AREA_MASK;

			got[*nr] = (struct got){ off, res };
			if (id < nr_areas && at + res <= m[id].len)
				*bad += pattern_check(m[id].base + at, *pos,
						      res, &first_bad);
			else
				*bad += res;
		}
		(*nr)++;
		*pos += res;
		io_uring_cqe_seen(&in->ring, cqe);
	}
}

/* Write a refill entry naming @off and commit it */
static void rq_put(struct inst *in, uint64_t off, uint32_t len)
{
	struct io_uring_zcrx_rqe *e;

	e = &in->rq.rqes[in->rq.rq_tail++ & (in->rq.ring_entries - 1)];
	e->off = off;
	e->len = len;
	e->__pad = 0;
	io_uring_zcrx_rq_commit(&in->rq);
}

#define NODEV_BUFS	4
#define NODEV_BYTES	(8 * 4096)

/*
 * Refill entries for area ids the instance does not have (§5, §8). A
 * NODEV instance copies every byte into a free buffer, a page at most per
 * completion, taking free buffers from the areas in id order, and only
 * FLUSH_RQ reads its refill ring: two areas of two pages fill up with the
 * first four completions of a stream over lo, and the next request ends
 * with -ENOMEM. Entries naming each held buffer's index under area id 2
 * (the number of areas) and 0xffff are ignored: after FLUSH_RQ the area
 * is still dry. The proper entries bring the stream through.
 */
static void test_refill_beyond(void)
{
	struct got got[NODEV_BUFS + 1], more[NODEV_BUFS + 1];
	struct io_uring_zcrx_area_reg a;
	uint64_t pos = 0, bad = 0, sent;
	struct mem m[2];
	struct inst in;
	uint8_t *src;
	int rx, tx, nr, res, i, ret, rounds;
	bool order = true;

	mem_anon(&m[0], 2 * page_size);
	mem_anon(&m[1], 2 * page_size);
	ret = inst_register(&in, user_area(&m[0]), 0, true);
	if (!ret)
		ret = io_uring_zcrx_rq_map(&in.ring, &in.rq, &in.reg, &in.rd);
	a = user_area(&m[1]);
	if (!ret)
		ret = add_area(&in, &a);
	if (ret) {
		ksft_print_msg("NODEV instance with two areas: %s\n",
			       ERRNAME(ret));
		result(false, "NODEV, areas 0 and 1 of 2 pages: 4 copies take area 0's buffers, then area 1's, then -ENOMEM");
		result(false, "refill entries naming area 2 (2 areas) and area 0xffff for the held buffers: ignored, still -ENOMEM after FLUSH_RQ");
		result(false, "the proper entries bring the buffers back: the %d KiB over lo arrive verified to EOF",
		       NODEV_BYTES / 1024);
		if (in.rq.ring_ptr)
			io_uring_zcrx_rq_unmap(&in.rq, in.rd.size);
		inst_close(&in);
		mem_free(&m[0]);
		mem_free(&m[1]);
		return;
	}

	tcp_pair(&rx, &tx);
	src = malloc(NODEV_BYTES);
	pattern_fill(src, 0, NODEV_BYTES);
	sent = write(tx, src, NODEV_BYTES);
	free(src);
	close(tx);

	res = recv_all(&in, rx, got, NODEV_BUFS + 1, &nr, &pos, &bad, m, 2);
	for (i = 0; i < nr && i < NODEV_BUFS; i++)
		order &= (got[i].off >> IORING_ZCRX_AREA_SHIFT) == (i >= 2);
	if (nr != NODEV_BUFS || !order || res != -ENOMEM)
		ksft_print_msg("%d data completions, areas %sin id order, then %s\n",
			       nr, order ? "" : "not ", ERRNAME(res));
	result(!ret && nr == NODEV_BUFS && order && res == -ENOMEM && !bad,
	       "NODEV, areas 0 and 1 of 2 pages: 4 copies take area 0's buffers, then area 1's, then -ENOMEM");

	for (i = 0; i < nr && i < NODEV_BUFS; i++) {
		uint64_t at = got[i].off & ~IORING_ZCRX_AREA_MASK;

		rq_put(&in, at | AREA_TOKEN(2), got[i].len);
		rq_put(&in, at | AREA_TOKEN(0xffff), got[i].len);
	}
	ret = flush_all(&in);
	res = recv_all(&in, rx, more, NODEV_BUFS + 1, &nr, &pos, &bad, m, 2);
	if (ret || nr || res != -ENOMEM)
		ksft_print_msg("FLUSH_RQ %s, then %d data completions and %s\n",
			       ERRNAME(ret), nr, ERRNAME(res));
	result(!ret && !nr && res == -ENOMEM,
	       "refill entries naming area 2 (2 areas) and area 0xffff for the held buffers: ignored, still -ENOMEM after FLUSH_RQ");

	/* the proper returns, as many rounds as the stream needs */
	for (i = 0; i < NODEV_BUFS; i++)
		rq_put(&in, got[i].off, got[i].len);
	for (rounds = 0; rounds < 16; rounds++) {
		ret = flush_all(&in);
		if (ret)
			ksft_print_msg("FLUSH_RQ: %s\n", ERRNAME(ret));
		res = recv_all(&in, rx, more, NODEV_BUFS + 1, &nr, &pos, &bad,
			       m, 2);
		for (i = 0; i < nr && i <= NODEV_BUFS; i++)
			rq_put(&in, more[i].off, more[i].len);
		if (res != -ENOMEM)
			break;
	}
	if (pos != sent || bad || res)
		ksft_print_msg("%" PRIu64 " of %" PRIu64 " bytes, %" PRIu64
			       " bad, the last request ended with %s\n", pos,
			       sent, bad, ERRNAME(res));
	result(pos == sent && !bad && !res,
	       "the proper entries bring the buffers back: the %d KiB over lo arrive verified to EOF",
	       NODEV_BYTES / 1024);
	close(rx);
	io_uring_zcrx_rq_unmap(&in.rq, in.rd.size);
	inst_close(&in);
	mem_free(&m[0]);
	mem_free(&m[1]);
}

static void mode_areas(void)
{
	ksft_set_plan(3 + 15 + 2 + 2 + 3);
	test_max_areas();
	test_add_rules();
	test_add_buf_len();
	test_add_memlock();
	test_refill_beyond();
}

/* Command line */

static const struct mode {
	const char *name;
	void (*run)(void);
	bool needs_knob;
} modes[] = {
	{ "dmabuf", mode_dmabuf, false },
	{ "bufsize", mode_bufsize, true },
	{ "areas", mode_areas, false },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_mem dmabuf  -i IF -q QUEUE\n"
		"       zcrx_mem bufsize -i IF -q QUEUE -k KNOB\n"
		"       zcrx_mem areas   -i IF -q QUEUE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct mode *mode = NULL;
	unsigned int i;
	int queue = -1, c;

	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			mode = &modes[i];
	if (!mode)
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "i:q:k:")) != -1) {
		switch (c) {
		case 'i': cfg.ifindex = parse_ifindex(optarg); break;
		case 'q': queue = atoi(optarg); break;
		case 'k': cfg.knob = optarg; break;
		default: usage();
		}
	}
	if (!cfg.ifindex || queue < 0 || (mode->needs_knob && !cfg.knob))
		usage();
	cfg.queue = queue;
	page_size = sysconf(_SC_PAGESIZE);

	ksft_print_header();
	mode->run();
	ksft_finished();
}
