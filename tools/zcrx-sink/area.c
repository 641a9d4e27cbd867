// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: the ring, the area (our memory or a dma-buf) and the zcrx
 * instance, with what each failure likely means; while serving, the
 * refill ring, the statistics and the starvation event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "sink.h"

static void explain_ring_error(int err)
{
	fprintf(stderr, PROG ": cannot create the io_uring: %s\n",
		strerror(-err));
	switch (-err) {
	case EPERM:
		fprintf(stderr, "  io_uring is disabled for this process: see sysctl kernel.io_uring_disabled, or a seccomp filter\n");
		break;
	case EINVAL:
		fprintf(stderr, "  the kernel lacks IORING_SETUP_DEFER_TASKRUN or CQE32 (Linux 6.1+), or -S/-C are too big\n");
		break;
	case ENOSYS:
		fprintf(stderr, "  the kernel is built without io_uring\n");
		break;
	case ENOMEM:
		fprintf(stderr, "  out of memory, or the rings exceed the locked-memory limit (ulimit -l)\n");
		break;
	}
}

/* Registration errno -> the likely cause, in words. */
static void explain_register_error(const struct sink *s, int err)
{
	const struct config *c = &s->cfg;
	const char *ifn = c->ifname;
	unsigned int q = (unsigned int)c->queue;

	if (c->nodev)
		fprintf(stderr, PROG ": registering a no-device instance failed: %s (%s)\n",
			strerror(-err), strerrorname_np(-err) ?: "?");
	else
		fprintf(stderr, PROG ": registering queue %u of %s failed: %s (%s)\n",
			q, ifn, strerror(-err), strerrorname_np(-err) ?: "?");
	fprintf(stderr, "  likely: ");
	switch (-err) {
	case EPERM:
		fprintf(stderr, "we lack CAP_NET_ADMIN in the network namespace of %s; run as root there.\n",
			ifn);
		break;
	case EINVAL:
		if (c->nodev) {
			fprintf(stderr, "the kernel refused a no-device instance: a kernel without\n"
				"  ZCRX_REG_NODEV or events, or a refill ring or area it refused.\n");
			break;
		}
		fprintf(stderr, "tcp-data-split is off on %s (see the checks above), or the\n"
			"  kernel refused a parameter: -r %u refill entries, -L %u, area of %zu bytes.\n"
			"  A kernel without zcrx also answers EINVAL to the registration%s.\n",
			ifn, s->rq_entries, c->rx_buf_len, s->area_size,
			c->dmabuf ? ", and one\n  without dma-buf areas to --dmabuf" : "");
		break;
	case EOPNOTSUPP:
		fprintf(stderr, "the driver of %s cannot restart a single rx queue with a memory\n"
			"  provider (no queue management ops), so it cannot do zero-copy receive%s%s.\n",
			ifn, c->rx_buf_len ? ", or it does not take -L buffer lengths" : "",
			c->dmabuf ? ",\n  or it has no DMA device to map the dma-buf for" : "");
		break;
	case EBADF:
		fprintf(stderr, "the kernel did not take the area's fd for a dma-buf (a bug in " PROG ").\n");
		break;
	case ERANGE:
		fprintf(stderr, "queue %u is beyond the rx queues of %s (ethtool -l %s)", q,
			ifn, ifn);
		if (c->dmabuf && s->buf_len > sysconf(_SC_PAGESIZE))
			fprintf(stderr, ", or -L %u is larger than the dma-buf's\n"
				"  DMA-contiguous runs", s->buf_len);
		else if (s->buf_len > s->area_page)
			fprintf(stderr, ", or -L %u is larger than the area's\n"
				"  contiguous runs (its pages of %zu KiB)", s->buf_len,
				s->area_page >> 10);
		fprintf(stderr, ".\n");
		break;
	case EEXIST:
	case EBUSY:
		fprintf(stderr, "queue %u of %s is taken: another zcrx instance or a devmem binding\n"
			"  holds it, or an XDP program is attached to %s.\n", q, ifn, ifn);
		break;
	case ENODEV:
		fprintf(stderr, "%s went away or lives in another network namespace.\n", ifn);
		break;
	case ENOMEM:
		if (c->dmabuf)
			fprintf(stderr, "the refill ring exceeds the locked-memory limit (ulimit -l),\n"
				"  or the kernel is out of memory.\n");
		else
			fprintf(stderr, "the pinned area (%zu KiB) exceeds the locked-memory limit (ulimit -l),\n"
				"  or the kernel is out of memory.\n", s->area_size >> 10);
		break;
	case EFAULT:
		fprintf(stderr, "the area or the parameters are not writable memory (a bug in " PROG ").\n");
		break;
	case EOVERFLOW:
		fprintf(stderr, "the area (%zu KiB) is more than the kernel can track: a smaller -A.\n",
			s->area_size >> 10);
		break;
	default:
		fprintf(stderr, "nothing specific known for this error; see dmesg.\n");
	}
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static unsigned int pow2_at_least(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* The area's huge pages could not be had: how many to reserve, and how. */
static void explain_hugepages(const struct sink *s)
{
	long needed = (long)(s->area_size / s->area_page);
	struct hugepool h;
	char fix[160];

	if (hugepool_get(s->area_page, &h)) {
		fprintf(stderr, "  the kernel has no huge pages of %zu KiB (no hugetlbfs)\n",
			s->area_page >> 10);
		return;
	}
	fprintf(stderr, "  the area needs %ld huge pages of %zu KiB, %ld are available (vm.nr_hugepages %ld)\n",
		needed, s->area_page >> 10, hugepool_available(&h), h.total);
	hugepool_fix(&h, needed, fix, sizeof(fix));
	fprintf(stderr, "  fix: %s, or a smaller -A\n", fix);
}

/* Sizes of the area and refill ring; needed by the checks already. */
void size_zcrx(struct sink *s)
{
	const struct config *c = &s->cfg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), align;
	unsigned int buf = c->rx_buf_len ? c->rx_buf_len : (unsigned int)page;
	unsigned int n;

	/*
	 * A buffer must lie in one physically contiguous run: above a page
	 * only huge pages make runs that long.
	 */
	s->huge = c->hugetlb || buf > page;
	if (!s->huge)
		s->area_page = page;
	else if (c->dmabuf)	/* liburing-zcrx's memfd: 2 MiB pages */
		s->area_page = LIBURING_ZCRX_HUGE_PAGE_SIZE;
	else
		s->area_page = hugepage_size();
	align = s->area_page < buf ? buf : s->area_page;
	s->area_size = round_up(c->area_size, align);
	s->buf_len = buf;
	n = c->rq_entries ? c->rq_entries :
		io_uring_zcrx_rq_entries(s->area_size, buf);
	if (!n)
		n = 1;
	if (n > RQ_MAX_ENTRIES)
		n = RQ_MAX_ENTRIES;
	/* The kernel rounds up; the region must hold the rounded ring. */
	s->rq_entries = pow2_at_least(n);
	s->region_size = io_uring_zcrx_rq_region_size(s->rq_entries);
}

int setup_ring(struct sink *s)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			 IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE,
		.cq_entries = s->cfg.cq_entries,
	};
	int ret;

	ret = io_uring_queue_init_params(s->cfg.sq_entries, &s->ring, &p);
	if (ret) {
		explain_ring_error(ret);
		return ret;
	}
	s->ring_ok = true;
	return 0;
}

/* The area in our own memory: anonymous, in huge pages if it must be. */
static int setup_memory_area(struct sink *s,
			     struct io_uring_zcrx_area_reg *area_reg)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, ret;

	if (s->huge)
		flags |= MAP_HUGETLB;
	s->area = mmap(NULL, s->area_size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (s->area == MAP_FAILED) {
		ret = -errno;
		s->area = NULL;
		fprintf(stderr, PROG ": cannot map a %zu KiB area%s: %s\n",
			s->area_size >> 10, s->huge ? " of huge pages" : "",
			strerror(-ret));
		if (s->huge)
			explain_hugepages(s);
		return ret;
	}
	memset(area_reg, 0, sizeof(*area_reg));
	area_reg->addr = (uintptr_t)s->area;
	area_reg->len = s->area_size;
	return 0;
}

static void explain_udmabuf_error(const struct sink *s, int err)
{
	long mb = udmabuf_limit_mb();

	fprintf(stderr, PROG ": cannot make a %zu KiB dma-buf with udmabuf: %s\n",
		s->area_size >> 10, strerror(-err));
	switch (-err) {
	case ENOENT:
		fprintf(stderr, "  no %s: the kernel lacks CONFIG_UDMABUF, or the module is not loaded\n"
			"  fix: modprobe udmabuf\n", UDMABUF_DEV);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "  %s is not open to us: run as root, or give this user read and write access to it\n",
			UDMABUF_DEV);
		break;
	case EINVAL:
		if (mb < 0)
			mb = UDMABUF_LIMIT_MB;
		fprintf(stderr, "  udmabuf refused the size: one dma-buf may have at most size_limit_mb MiB (%ld)\n"
			"  fix: -A %ldM or less, or raise the limit: echo %zu > %s\n",
			mb, mb, (s->area_size + (1u << 20) - 1) >> 20, UDMABUF_LIMIT);
		break;
	case ENOMEM:
		if (s->huge)
			explain_hugepages(s);
		else
			fprintf(stderr, "  out of memory\n");
		break;
	case EOPNOTSUPP:
		fprintf(stderr, "  the kernel has no %zu KiB huge pages (hugetlbfs), which -L above a page needs\n",
			s->area_page >> 10);
		break;
	}
}

/*
 * --dmabuf: the area is a dma-buf that udmabuf makes of a memfd, in huge
 * pages when the buffers are larger than a page. The kernel maps it for
 * the device and never reads or writes it with the CPU; we read what
 * arrived through our own shared mapping of the memfd, never through the
 * dma-buf.
 */
static int setup_dmabuf_area(struct sink *s,
			     struct io_uring_zcrx_area_reg *area_reg)
{
	size_t len = s->area_size;
	void *map;
	int fd, ret;

	fd = io_uring_zcrx_udmabuf_create(&map, &len, s->cfg.rx_buf_len);
	if (fd < 0) {
		explain_udmabuf_error(s, fd);
		return fd;
	}
	s->dmabuf_fd = fd;
	s->area = map;
	s->area_size = len;
	ret = io_uring_zcrx_area_reg_dmabuf(area_reg, fd, s->cfg.rx_buf_len);
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot describe the dma-buf as an area: %s\n",
			strerror(-ret));
		return ret;
	}
	return 0;
}

int setup_zcrx(struct sink *s)
{
	const struct config *c = &s->cfg;
	struct io_uring_zcrx_area_reg area_reg;
	struct io_uring_region_desc rd;
	struct io_uring_zcrx_ifq_reg reg;
	struct zcrx_event_desc ev;
	int ret;

	ret = c->dmabuf ? setup_dmabuf_area(s, &area_reg) :
			  setup_memory_area(s, &area_reg);
	if (ret)
		return ret;

	memset(&rd, 0, sizeof(rd));
	rd.size = s->region_size;
	if (c->user_region) {
		s->user_region = mmap(NULL, s->region_size, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->user_region == MAP_FAILED) {
			s->user_region = NULL;
			fprintf(stderr, PROG ": cannot map the refill ring: %s\n",
				strerror(errno));
			return -errno;
		}
		rd.user_addr = (uintptr_t)s->user_region;
		rd.flags = IORING_MEM_REGION_TYPE_USER;
	}

	memset(&reg, 0, sizeof(reg));
	if (c->nodev) {
		reg.flags = ZCRX_REG_NODEV;
	} else {
		reg.if_idx = c->ifindex;
		reg.if_rxq = (uint32_t)c->queue;
	}
	reg.rq_entries = s->rq_entries;
	reg.area_ptr = (uintptr_t)&area_reg;
	reg.region_ptr = (uintptr_t)&rd;
	reg.rx_buf_len = c->rx_buf_len;
	/*
	 * Statistics tell copied bytes from zero-copy ones, which no CQE can;
	 * ALLOC_FAIL says the NIC found the area empty. Without a device
	 * nothing allocates, so only the statistics.
	 */
	if (s->have_caps && (s->caps.features & ZCRX_FEATURE_EVENT)) {
		s->stats_offset = io_uring_zcrx_stats_offset(s->rq_entries);
		io_uring_zcrx_set_events(&reg, &ev, UD(UD_EVENT, 0),
					 c->nodev ? 0 : 1u << ZCRX_EVENT_ALLOC_FAIL,
					 s->stats_offset);
		s->events = true;
		s->starve_armed = true;
	}

	ret = io_uring_register_ifq(&s->ring, &reg);
	if (ret) {
		explain_register_error(s, ret);
		return ret;
	}
	s->registered = true;
	s->zcrx_id = reg.zcrx_id;
	s->rq_entries = reg.rq_entries;
	if (reg.rx_buf_len)
		s->buf_len = reg.rx_buf_len;

	if (c->user_region)
		ret = io_uring_zcrx_rq_init(&s->rq, &reg, s->user_region);
	else
		ret = io_uring_zcrx_rq_map(&s->ring, &s->rq, &reg, &rd);
	if (ret) {
		fprintf(stderr, PROG ": cannot map the refill ring: %s\n",
			strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * An event CQE. ALLOC_FAIL: the NIC queue wanted buffers and the area had
 * none free. It fires once; run_once() arms it again a second later, so a
 * starving sink warns about once a second, not once per packet.
 */
void on_event(struct sink *s, const struct io_uring_cqe *cqe)
{
	if (cqe->res != ZCRX_EVENT_ALLOC_FAIL)
		return;
	s->starved++;
	s->t_starved = now_ns();
	s->starve_armed = false;
	fprintf(stderr, PROG ": warn: buffer starvation: the NIC queue found no free buffer in the area (%" PRIu64 " time%s); buffers come back slower than data arrives, or -A is too small\n",
		s->starved, s->starved == 1 ? "" : "s");
}

void rearm_events(struct sink *s)
{
	int ret;

	if (!s->events || s->starve_armed || s->cfg.nodev ||
	    now_ns() - s->t_starved < 1000000000ull)
		return;
	ret = io_uring_zcrx_arm_event(&s->ring, s->zcrx_id,
				      ZCRX_EVENT_ALLOC_FAIL);
	if (ret)
		fprintf(stderr, PROG ": cannot arm the starvation event again: %s\n",
			strerror(-ret));
	/* Either way: an error would repeat every pass. */
	s->starve_armed = true;
}

/* --nodev: no device takes the refill ring, so hand it over ourselves. */
void flush_rq(struct sink *s)
{
	int ret;

	if (!s->cfg.nodev || s->rq.rq_tail == s->flushed_tail)
		return;
	ret = io_uring_zcrx_flush_rq(&s->ring, s->zcrx_id);
	if (ret)
		fatal(s, "flushing the refill ring", ret);
	s->flushed_tail = s->rq.rq_tail;
}

/* Close and unmap everything setup made, in the order it must go. */
void sink_teardown(struct sink *s)
{
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->registered && !s->cfg.user_region && s->rq.ring_ptr)
		io_uring_zcrx_rq_unmap(&s->rq, s->region_size);
	/* Ring exit unregisters the queue and takes back any buffer still out. */
	if (s->ring_ok)
		io_uring_queue_exit(&s->ring);
	if (s->user_region)
		munmap(s->user_region, s->region_size);
	if (s->area)
		munmap(s->area, s->area_size);
	if (s->dmabuf_fd >= 0)
		close(s->dmabuf_fd);
	rq_held_free(&s->held);
	free(s->conns);
	nic_close(&s->nic);
}
