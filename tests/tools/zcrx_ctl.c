// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_ctl: the zcrx control plane held to the user ABI, revision 2
 * (zcrx-abi.md §7-§10): IORING_REGISTER_QUERY, IORING_REGISTER_ZCRX_CTRL
 * (FLUSH_RQ, EXPORT, ARM_EVENT), instances shared between rings, NODEV
 * instances, events and copy statistics. One mode per test of tests/zcrx/,
 * each printing KTAP:
 *
 *   zcrx_ctl query  -i IF -q QUEUE
 *
 * IF has tcp-data-split on (for query: off, nothing binds) and QUEUE is
 * one of its rx queues nothing else uses; the NIC steers PORT (and, for
 * share, PORT2) to QUEUE, while PORT2 of events and nodev lands on another
 * queue. NETNS is the path of the peer's network namespace
 * (/run/netns/NAME): senders are this program again (zcrx_ctl send ...)
 * in a child that enters it and connects to ADDR, the address of IF.
 * Every stream carries the pattern of tests/lib/pattern.h and every byte
 * is checked in the area.
 *
 * Everything the ABI defines is reached with the raw io_uring_register()
 * syscall, as a program built against mainline headers would: liburing
 * only sets up rings and moves SQEs and CQEs. Runs as root.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
/* the kernel's header first: it has the query and control interface */
#include <linux/io_uring.h>
#include <liburing/zcrx.h>

#include "kselftest.h"
#include "pattern.h"

/* ABI §1, §2: the numbers and sizes a mainline program is built with */
static_assert(IORING_OP_RECV_ZC == 58, "IORING_OP_RECV_ZC");
static_assert(IORING_REGISTER_ZCRX_IFQ == 32, "IORING_REGISTER_ZCRX_IFQ");
static_assert(IORING_REGISTER_QUERY == 35, "IORING_REGISTER_QUERY");
static_assert(IORING_REGISTER_ZCRX_CTRL == 36, "IORING_REGISTER_ZCRX_CTRL");
static_assert(ZCRX_REG_IMPORT == 1 && ZCRX_REG_NODEV == 2, "reg flags");
static_assert(ZCRX_FEATURE_RX_PAGE_SIZE == 1 && ZCRX_FEATURE_EVENT == 2,
	      "features");
static_assert(ZCRX_EVENT_ALLOC_FAIL == 0 && ZCRX_EVENT_COPY == 1, "events");
static_assert(ZCRX_EVENT_DESC_FLAG_STATS == 1, "event desc flags");
static_assert(ZCRX_CTRL_FLUSH_RQ == 0 && ZCRX_CTRL_EXPORT == 1 &&
	      ZCRX_CTRL_ARM_EVENT == 2 && ZCRX_CTRL_ADD_AREA == 3, "ctrl ops");
static_assert(IO_URING_QUERY_OPCODES == 0 && IO_URING_QUERY_ZCRX == 1 &&
	      IO_URING_QUERY_SCQ == 2 && IO_URING_QUERY_ZCRX_EVENT == 3,
	      "query ops");
static_assert(sizeof(struct zcrx_event_desc) == 96, "zcrx_event_desc");
static_assert(sizeof(struct zcrx_stats) == 16, "zcrx_stats");
static_assert(sizeof(struct zcrx_ctrl) == 72, "zcrx_ctrl");
static_assert(offsetof(struct zcrx_ctrl, zc_export) == 24, "zcrx_ctrl union");
static_assert(sizeof(struct io_uring_query_hdr) == 40, "query_hdr");
static_assert(sizeof(struct io_uring_query_opcode) == 48, "query_opcode");
static_assert(sizeof(struct io_uring_query_zcrx) == 40, "query_zcrx");
static_assert(sizeof(struct io_uring_query_zcrx_event) == 48,
	      "query_zcrx_event");
static_assert(sizeof(struct io_uring_query_scq) == 16, "query_scq");

/* ABI §1: where a kernel-allocated refill region of instance id is mapped */
#define ZCRX_REGION_OFF(id)	(0x30000000ULL + ((uint64_t)(id) << 16))

#define RING_FLAGS	(IORING_SETUP_DEFER_TASKRUN | \
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32)
/* The user_data of every event CQE; requests use small numbers. */
#define EV_USER_DATA	0xe7e7000000000000ULL
/* How long a completion that must come may take */
#define WAIT_MS		10000
/*
 * The MSS of the loopnic pair (MTU 1500, IPv4, TCP timestamps): streams
 * whose copies are counted exactly are multiples of it (send_corked()).
 */
#define MSS		1448
#define MSS_MULTIPLE(n)	((uint64_t)(n) / MSS * MSS)
/* A result slot a child never filled: it died before getting there. */
#define CHILD_DIED	INT32_MIN

static struct {
	unsigned int ifindex;
	unsigned int queue;
	int port, port2;
	const char *netns;	/* the peer's network namespace */
	const char *addr;	/* the address of IF the peer connects to */
} cfg;

static size_t page_size;
static bool debug_kernel;

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

#define ERRNAME(ret)	errname((ret), (char[32]){ 0 }, 32)

static void result(bool ok, const char *fmt, ...)
{
	char desc[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	ksft_test_result_code(ok ? KSFT_PASS : KSFT_FAIL, desc, NULL);
}

/* One KTAP line for a rule the ABI answers with -@want (0: success). */
static void expect(const char *rule, int ret, int want)
{
	if (ret != -want)
		ksft_print_msg("%s: got %s\n", rule, ERRNAME(ret));
	result(ret == -want, "%s: %s", rule, ERRNAME(-want));
}

/* Report a mismatch of one value; true if it matched. */
static bool check_eq(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	ksft_print_msg("%s: got %#llx, want %#llx\n", what,
		       (unsigned long long)got, (unsigned long long)want);
	return false;
}

static bool check(const char *what, bool ok)
{
	if (!ok)
		ksft_print_msg("%s: no\n", what);
	return ok;
}

static void *xmap(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

/* Shared memory: the same pages in a child after fork(). */
static void *xmap_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

/* An address nothing is mapped at: a page mapped and given back. */
static void *unmapped_address(void)
{
	void *p = xmap(page_size, PROT_NONE);

	munmap(p, page_size);
	return p;
}

/* The raw syscall: liburing would not let the arguments be wrong. */
static int sys_register(int fd, unsigned int op, void *arg, unsigned int nr)
{
	long ret = syscall(__NR_io_uring_register, fd, op, arg, nr);

	return ret < 0 ? -errno : (int)ret;
}

static int ctrl_raw(int ring_fd, void *arg, unsigned int nr_args)
{
	return sys_register(ring_fd, IORING_REGISTER_ZCRX_CTRL, arg, nr_args);
}

/* Operation @op on instance @id, the rest of @c as the caller set it. */
static int ctrl(int ring_fd, uint32_t id, uint32_t op, struct zcrx_ctrl *c)
{
	c->zcrx_id = id;
	c->op = op;
	return ctrl_raw(ring_fd, c, 0);
}

static void ring_open(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };
	int ret;

	ret = io_uring_queue_init_params(64, ring, &p);
	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init_params(0x%x): %s\n",
				   flags, strerror(-ret));
}

/* An instance and its refill ring */

struct inst {
	int ring_fd;
	uint32_t id;
	uint8_t *area;
	size_t area_len;
	bool area_owned;	/* munmap() it with the instance */
	void *region;
	size_t region_len;
	bool region_kernel;	/* mapped from the ring: munmap() it */
	bool region_owned;	/* user memory of ours: munmap() it */
	uint32_t *khead, *ktail;
	struct io_uring_zcrx_rqe *rqes;
	uint32_t rq_entries;
	/* several processes produce: their tail writes take this lock */
	pthread_spinlock_t *lock;
	unsigned long pushed;	/* refill entries this process wrote */
	struct zcrx_stats *stats;
	/* as the kernel wrote them back */
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_region_desc rd;
	struct io_uring_zcrx_area_reg area_reg;
};

struct inst_opts {
	bool nodev;
	unsigned int queue;
	size_t area_pages;
	unsigned int rq_entries;
	bool shared_area;	/* MAP_SHARED: a child sees the same pages */
	bool user_region;	/* the refill ring in user memory */
	size_t region_size;	/* 0: io_uring_zcrx_rq_region_size() */
	const struct zcrx_event_desc *ev;
	uint32_t rx_buf_len;
	bool dmabuf;		/* a dma-buf area of a fd that is none */
	int region_fill;	/* a user region: its bytes before, 0 none */
};

static void inst_map_rq(struct inst *in)
{
	const struct io_uring_zcrx_offsets *o = &in->reg.offsets;

	in->khead = (uint32_t *)((char *)in->region + o->head);
	in->ktail = (uint32_t *)((char *)in->region + o->tail);
	in->rqes = (void *)((char *)in->region + o->rqes);
}

/*
 * Register an instance on @ring_fd as @o says and map its refill ring.
 * Returns 0 or the registration's -errno (nothing is left then).
 */
static int inst_register(int ring_fd, struct inst *in,
			 const struct inst_opts *o)
{
	struct io_uring_zcrx_ifq_reg *reg = &in->reg;
	int ret;

	memset(in, 0, sizeof(*in));
	in->ring_fd = ring_fd;
	in->area_len = o->area_pages * page_size;
	in->area = o->shared_area ? xmap_shared(in->area_len) :
				    xmap(in->area_len, PROT_READ | PROT_WRITE);
	in->area_owned = true;
	in->area_reg.addr = (uintptr_t)in->area;
	in->area_reg.len = in->area_len;
	if (o->dmabuf) {
		in->area_reg.flags = IORING_ZCRX_AREA_DMABUF;
		in->area_reg.addr = 0;
		in->area_reg.dmabuf_fd = STDOUT_FILENO;
	}
	reg->rx_buf_len = o->rx_buf_len;
	in->rq_entries = o->rq_entries;
	in->rd.size = o->region_size ?: io_uring_zcrx_rq_region_size(o->rq_entries);
	in->region_len = in->rd.size;
	if (o->user_region) {
		in->region = xmap(in->region_len, PROT_READ | PROT_WRITE);
		memset(in->region, o->region_fill, in->region_len);
		in->region_owned = true;
		in->rd.user_addr = (uintptr_t)in->region;
		in->rd.flags = IORING_MEM_REGION_TYPE_USER;
	}
	if (!o->nodev) {
		reg->if_idx = cfg.ifindex;
		reg->if_rxq = o->queue;
	} else {
		reg->flags = ZCRX_REG_NODEV;
	}
	reg->rq_entries = o->rq_entries;
	reg->area_ptr = (uintptr_t)&in->area_reg;
	reg->region_ptr = (uintptr_t)&in->rd;
	reg->event_desc = (uintptr_t)o->ev;
	ret = sys_register(ring_fd, IORING_REGISTER_ZCRX_IFQ, reg, 1);
	if (ret) {
		munmap(in->area, in->area_len);
		if (in->region_owned)
			munmap(in->region, in->region_len);
		memset(in, 0, sizeof(*in));
		return ret;
	}
	in->id = reg->zcrx_id;
	in->rq_entries = reg->rq_entries;
	if (!o->user_region) {
		in->region = mmap(NULL, in->region_len, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_POPULATE, ring_fd,
				  in->rd.mmap_offset);
		if (in->region == MAP_FAILED)
			ksft_exit_fail_msg("mmap(ring, %#llx): %s\n",
					   (unsigned long long)in->rd.mmap_offset,
					   strerror(errno));
		in->region_kernel = true;
	}
	inst_map_rq(in);
	if (o->ev && (o->ev->flags & ZCRX_EVENT_DESC_FLAG_STATS))
		in->stats = (void *)((char *)in->region + o->ev->stats_offset);
	return 0;
}

/* Unmap what inst_register() or inst_import() mapped; the ring stays. */
static void inst_unmap(struct inst *in)
{
	if (in->region && (in->region_kernel || in->region_owned))
		munmap(in->region, in->region_len);
	if (in->area && in->area_owned)
		munmap(in->area, in->area_len);
	memset(in, 0, sizeof(*in));
}

static struct io_uring_sqe *get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	if (!sqe)
		ksft_exit_fail_msg("no sqe\n");
	return sqe;
}

/* query: IORING_REGISTER_QUERY (ABI §10) */

/* The reply of each query op, and its size */
static const struct {
	const char *name;
	uint32_t size;
} query_ops[] = {
	[IO_URING_QUERY_OPCODES] = { "OPCODES", 48 },
	[IO_URING_QUERY_ZCRX] = { "ZCRX", 40 },
	[IO_URING_QUERY_SCQ] = { "SCQ", 16 },
	[IO_URING_QUERY_ZCRX_EVENT] = { "ZCRX_EVENT", 48 },
};
#define NR_QUERY_OPS	4

/* Room for any reply, with a canary after what the caller offers */
#define QBUF		4096
#define CANARY		0xa5

static int query(int fd, struct io_uring_query_hdr *h)
{
	return sys_register(fd, IORING_REGISTER_QUERY, h, 0);
}

/* One entry asking @op into @data of @size bytes, pre-filled with CANARY */
static void qhdr(struct io_uring_query_hdr *h, uint32_t op, void *data,
		 uint32_t size)
{
	memset(h, 0, sizeof(*h));
	h->query_op = op;
	h->query_data = (uintptr_t)data;
	h->size = size;
	memset(data, CANARY, size + 64);
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t val)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != val)
			return false;
	return true;
}

/* The four replies through ring fd @fd, in one chain; false on failure */
static bool query_all(int fd, uint8_t replies[NR_QUERY_OPS][QBUF + 64])
{
	struct io_uring_query_hdr h[NR_QUERY_OPS];
	bool ok = true;
	int i, ret;

	for (i = 0; i < NR_QUERY_OPS; i++) {
		qhdr(&h[i], i, replies[i], query_ops[i].size);
		if (i)
			h[i - 1].next_entry = (uintptr_t)&h[i];
	}
	ret = query(fd, h);
	ok &= check_eq("syscall", ret, 0);
	for (i = 0; i < NR_QUERY_OPS; i++) {
		ok &= check_eq(query_ops[i].name, h[i].result, 0);
		ok &= check_eq(query_ops[i].name, h[i].size, query_ops[i].size);
		ok &= check(query_ops[i].name,
			    all_bytes(replies[i] + query_ops[i].size, 64,
				      CANARY));
	}
	return ok;
}

/*
 * What registration does, so that the query can be held to it. The
 * device has tcp-data-split off: a probe of a feature the kernel has
 * fails at the bind at the latest, never with -EOPNOTSUPP, and none can
 * leave a bound queue behind.
 */
struct zcrx_caps {
	int dmabuf;		/* a dma-buf area */
	int add_area;		/* ZCRX_CTRL_ADD_AREA of a valid area */
	int rx_page_size;	/* rx_buf_len the page size on the device */
	int events;		/* an event descriptor asking for both types */
	int nodev;		/* a NODEV instance */
	int import;		/* ZCRX_REG_IMPORT of a pipe: -EBADF if there */
};

static void probe_caps(struct zcrx_caps *caps)
{
	struct zcrx_event_desc ev = { .type_mask = 3 };
	struct inst_opts o = { .queue = cfg.queue, .area_pages = 16,
			       .rq_entries = 64 };
	struct io_uring_zcrx_ifq_reg imp = { .flags = ZCRX_REG_IMPORT };
	struct io_uring_zcrx_area_reg area = { 0 };
	struct zcrx_ctrl c = { 0 };
	struct io_uring ring;
	struct inst in;
	int pipefd[2];
	void *mem;

	/* a dma-buf area: addr 0 and an fd, which is no dma-buf */
	ring_open(&ring, RING_FLAGS);
	o.dmabuf = true;
	caps->dmabuf = inst_register(ring.ring_fd, &in, &o);
	o.dmabuf = false;
	io_uring_queue_exit(&ring);
	inst_unmap(&in);

	/*
	 * rx_buf_len the page size, which the device is asked for: refused
	 * before the bind while this kernel cannot pass it on
	 */
	ring_open(&ring, RING_FLAGS);
	o.rx_buf_len = page_size;
	caps->rx_page_size = inst_register(ring.ring_fd, &in, &o);
	o.rx_buf_len = 0;
	io_uring_queue_exit(&ring);
	inst_unmap(&in);

	/* NODEV with both events, then ADD_AREA on it */
	ring_open(&ring, RING_FLAGS);
	o.nodev = true;
	o.ev = &ev;
	caps->events = inst_register(ring.ring_fd, &in, &o);
	caps->nodev = caps->events;
	if (caps->events) {
		o.ev = NULL;
		caps->nodev = inst_register(ring.ring_fd, &in, &o);
	}
	caps->add_area = -ENXIO;
	mem = xmap(16 * page_size, PROT_READ | PROT_WRITE);
	if (!caps->nodev) {
		area.addr = (uintptr_t)mem;
		area.len = 16 * page_size;
		c.zc_area.area_ptr = (uintptr_t)&area;
		caps->add_area = ctrl(ring.ring_fd, in.id, ZCRX_CTRL_ADD_AREA,
				      &c);
	}
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
	munmap(mem, 16 * page_size);

	/* IMPORT of a pipe: no zcrx fd, -EBADF; -EINVAL without IMPORT */
	ring_open(&ring, RING_FLAGS);
	if (pipe(pipefd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	imp.if_idx = pipefd[0];
	caps->import = sys_register(ring.ring_fd, IORING_REGISTER_ZCRX_IFQ,
				    &imp, 1);
	close(pipefd[0]);
	close(pipefd[1]);
	io_uring_queue_exit(&ring);

	ksft_print_msg("registration: dma-buf area %s, ADD_AREA %s, rx_buf_len %zu %s, events %s, NODEV %s, IMPORT of a pipe %s\n",
		       ERRNAME(caps->dmabuf), ERRNAME(caps->add_area),
		       page_size, ERRNAME(caps->rx_page_size),
		       ERRNAME(caps->events), ERRNAME(caps->nodev),
		       ERRNAME(caps->import));
}

/* The ring setup, enter and SQE flags 6.12 takes, and the next bit of each */
#define SETUP_FLAGS_612		0x1ffffULL	/* IOPOLL .. NO_SQARRAY */
#define ENTER_FLAGS_612		0x3fULL		/* GETEVENTS .. ABS_TIMER */
#define SQE_FLAGS_612		0x7fULL		/* FIXED_FILE .. CQE_SKIP_SUCCESS */

/* io_uring_setup() with @flags: 0 or -errno */
static int try_setup(uint32_t flags)
{
	struct io_uring_params p = { .flags = flags };
	long fd = syscall(__NR_io_uring_setup, 4, &p);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* One NOP with SQE flags @flags: its CQE's res */
static int try_sqe_flags(struct io_uring *ring, uint8_t flags)
{
	struct io_uring_sqe *sqe = get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	io_uring_prep_nop(sqe);
	sqe->flags = flags;
	io_uring_submit(ring);
	if (io_uring_wait_cqe(ring, &cqe))
		return INT_MIN;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static void test_query_opcodes(struct io_uring *ring,
			       const struct io_uring_params *p,
			       const struct io_uring_query_opcode *q)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	int ret;

	ksft_print_msg("OPCODES: %u request, %u register, features %#llx, setup %#llx, enter %#llx, sqe %#llx, %u query ops\n",
		       q->nr_request_opcodes, q->nr_register_opcodes,
		       (unsigned long long)q->feature_flags,
		       (unsigned long long)q->ring_setup_flags,
		       (unsigned long long)q->enter_flags,
		       (unsigned long long)q->sqe_flags, q->nr_query_opcodes);
	result(check_eq("nr_request_opcodes", q->nr_request_opcodes,
			IORING_OP_RECV_ZC + 1) && probe &&
	       check_eq("probe last_op + 1", probe->last_op + 1,
			q->nr_request_opcodes),
	       "OPCODES nr_request_opcodes 59 (IORING_OP_RECV_ZC + 1), as IORING_REGISTER_PROBE's last_op");
	if (probe)
		io_uring_free_probe(probe);
	result(check_eq("nr_register_opcodes", q->nr_register_opcodes,
			IORING_REGISTER_ZCRX_CTRL + 1),
	       "OPCODES nr_register_opcodes 37 (IORING_REGISTER_ZCRX_CTRL + 1)");
	result(check_eq("feature_flags", q->feature_flags, p->features),
	       "OPCODES feature_flags what io_uring_setup() reports (%#x)",
	       p->features);
	ret = try_setup(1U << 17);
	result(check_eq("ring_setup_flags", q->ring_setup_flags,
			SETUP_FLAGS_612) &&
	       check_eq("setup with 1 << 17", ret, -EINVAL),
	       "OPCODES ring_setup_flags 0x1ffff, 6.12's; io_uring_setup() refuses 1 << 17");
	ret = syscall(__NR_io_uring_enter, ring->ring_fd, 0, 0, 1U << 6, NULL,
		      0) ? -errno : 0;
	result(check_eq("enter_flags", q->enter_flags, ENTER_FLAGS_612) &&
	       check_eq("enter with 1 << 6", ret, -EINVAL),
	       "OPCODES enter_flags 0x3f, 6.12's; io_uring_enter() refuses 1 << 6");
	ret = try_sqe_flags(ring, 1U << 7);
	result(check_eq("sqe_flags", q->sqe_flags, SQE_FLAGS_612) &&
	       check_eq("NOP with SQE flag 1 << 7", ret, -EINVAL) &&
	       check_eq("NOP with IOSQE_ASYNC, a flag 6.12 takes",
			try_sqe_flags(ring, IOSQE_ASYNC), 0),
	       "OPCODES sqe_flags 0x7f, 6.12's; an SQE with flag 1 << 7 is -EINVAL");
	result(check_eq("nr_query_opcodes", q->nr_query_opcodes, 4) &&
	       check_eq("__pad", q->__pad, 0),
	       "OPCODES nr_query_opcodes 4, __pad 0");
}

static void test_query_zcrx(const struct io_uring_query_zcrx *q,
			    const struct zcrx_caps *caps)
{
	uint64_t flags, area_flags;
	uint32_t nr_ctrl, features;
	struct io_uring ring;
	struct inst in;
	struct inst_opts o = { .nodev = true, .area_pages = 4,
			       .rq_entries = 64 };
	bool ok;

	ksft_print_msg("ZCRX: register_flags %#llx, area_flags %#llx, %u ctrl ops, features %#x, rq header %u aligned %u\n",
		       (unsigned long long)q->register_flags,
		       (unsigned long long)q->area_flags, q->nr_ctrl_opcodes,
		       q->features, q->rq_hdr_size, q->rq_hdr_alignment);
	flags = (caps->import == -EBADF ? ZCRX_REG_IMPORT : 0) |
		(!caps->nodev ? ZCRX_REG_NODEV : 0);
	result(check_eq("register_flags", q->register_flags, flags) &&
	       check_eq("register_flags", q->register_flags, 3),
	       "ZCRX register_flags 3: NODEV registers, IMPORT of a pipe is -EBADF");

	/* what the kernel has now, or the ABI's final value once it does */
	area_flags = caps->dmabuf == -EOPNOTSUPP ? 0 : IORING_ZCRX_AREA_DMABUF;
	result(check_eq("area_flags", q->area_flags, area_flags),
	       "ZCRX area_flags %#llx, as registration has it: dma-buf area %s (§10's 0x1 once supported)",
	       (unsigned long long)area_flags, ERRNAME(caps->dmabuf));
	nr_ctrl = caps->add_area == -EOPNOTSUPP ? 3 : 4;
	result(check_eq("nr_ctrl_opcodes", q->nr_ctrl_opcodes, nr_ctrl),
	       "ZCRX nr_ctrl_opcodes %u, as ZCRX_CTRL has it: ADD_AREA %s (§10's 4 once supported)",
	       nr_ctrl, ERRNAME(caps->add_area));
	/* a device without header split refuses it at the bind, if at all */
	features = (caps->rx_page_size == -EOPNOTSUPP ? 0 :
		    ZCRX_FEATURE_RX_PAGE_SIZE) |
		   (caps->events ? 0 : ZCRX_FEATURE_EVENT);
	result(check_eq("features", q->features, features) &&
	       check("ZCRX_FEATURE_EVENT", q->features & ZCRX_FEATURE_EVENT),
	       "ZCRX features %#x, as registration has it: rx_buf_len %zu %s, event_desc %s (§10's 0x3 once rx_buf_len is)",
	       features, page_size, ERRNAME(caps->rx_page_size),
	       ERRNAME(caps->events));

	/* the header a registration lays out */
	ring_open(&ring, RING_FLAGS);
	ok = check_eq("rq_hdr_size", q->rq_hdr_size, 128) &&
	     check_eq("rq_hdr_alignment", q->rq_hdr_alignment, 64) &&
	     check_eq("__resv2", q->__resv2, 0);
	if (!inst_register(ring.ring_fd, &in, &o)) {
		ok &= check_eq("offsets.rqes",
			       in.reg.offsets.rqes,
			       (q->rq_hdr_size + q->rq_hdr_alignment - 1) &
			       ~(q->rq_hdr_alignment - 1));
		ok &= check("head and tail inside the header",
			    in.reg.offsets.head + 4 <= q->rq_hdr_size &&
			    in.reg.offsets.tail + 4 <= q->rq_hdr_size);
	} else {
		ok = check("NODEV registration", false);
	}
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
	result(ok, "ZCRX rq_hdr_size 128, rq_hdr_alignment 64: a registration's refill entries start at ALIGN(128, 64)");
}

static void test_query_event(const struct io_uring_query_zcrx_event *q)
{
	ksft_print_msg("ZCRX_EVENT: event_flags %#x, stats %u bytes aligned %u\n",
		       q->event_flags, q->stats_size, q->stats_off_alignment);
	result(check_eq("event_flags", q->event_flags, 3) &&
	       check_eq("stats_size", q->stats_size,
			sizeof(struct zcrx_stats)) &&
	       check_eq("stats_off_alignment", q->stats_off_alignment, 8) &&
	       check_eq("__resv", q->__resv, 0) &&
	       check("__resv2", all_bytes((const uint8_t *)q->__resv2,
					  sizeof(q->__resv2), 0)),
	       "ZCRX_EVENT event_flags 0x3, stats_size 16, stats_off_alignment 8, reserved fields 0");
}

static void test_query_scq(const struct io_uring_params *p,
			   const struct io_uring_query_scq *q)
{
	ksft_print_msg("SCQ: header %llu bytes aligned %llu, cq_off.cqes %u\n",
		       (unsigned long long)q->hdr_size,
		       (unsigned long long)q->hdr_alignment, p->cq_off.cqes);
	result(check_eq("hdr_size", q->hdr_size, p->cq_off.cqes) &&
	       check_eq("hdr_alignment", q->hdr_alignment, 64),
	       "SCQ hdr_size the ring header's size (cq_off.cqes, %u), hdr_alignment 64",
	       p->cq_off.cqes);
}

/* Entry of @op with @size bytes of room: result, size and data as the rule */
static void test_query_sizes(void)
{
	static uint8_t full[QBUF + 64], buf[QBUF + 64];
	struct io_uring_query_hdr h;
	uint32_t op, rs;
	int ret;
	bool ok;

	/* truncated: the first bytes of the reply only, size says so */
	for (op = 0; op < NR_QUERY_OPS; op++) {
		uint32_t small = op == IO_URING_QUERY_SCQ ? 4 : 12;

		rs = query_ops[op].size;
		qhdr(&h, op, full, rs);
		query(-1, &h);
		qhdr(&h, op, buf, small);
		ret = query(-1, &h);
		ok = check_eq("syscall", ret, 0) &&
		     check_eq("result", h.result, 0) &&
		     check_eq("size", h.size, small) &&
		     check("the reply's first bytes", !memcmp(buf, full, small)) &&
		     check("nothing past size", all_bytes(buf + small, 64, CANARY));
		result(ok, "%s with size %u of %u: truncated, size %u, nothing written past it",
		       query_ops[op].name, small, rs, small);
	}
	/* large: the reply, then zeroes up to size, size the reply's */
	for (op = 0; op < NR_QUERY_OPS; op++) {
		rs = query_ops[op].size;
		qhdr(&h, op, full, rs);
		query(-1, &h);
		qhdr(&h, op, buf, QBUF);
		ret = query(-1, &h);
		ok = check_eq("syscall", ret, 0) &&
		     check_eq("result", h.result, 0) &&
		     check_eq("size", h.size, rs) &&
		     check("the reply", !memcmp(buf, full, rs)) &&
		     check("zeroes to size", all_bytes(buf + rs, QBUF - rs, 0)) &&
		     check("nothing past size", all_bytes(buf + QBUF, 64, CANARY));
		result(ok, "%s with size %u: the %u-byte reply, zeroes to %u, size %u",
		       query_ops[op].name, QBUF, rs, QBUF, rs);
	}
}

/*
 * An entry that fails: @result in it, size 0, all @size bytes of data
 * zeroed, nothing past them touched, and the syscall succeeds.
 */
static bool query_fails(struct io_uring_query_hdr *h, uint8_t *buf,
			uint32_t size, int want)
{
	int ret = query(-1, h);

	return check_eq("syscall", ret, 0) &&
	       check_eq("result", (uint32_t)h->result, (uint32_t)want) &&
	       check_eq("size", h->size, 0) &&
	       check("data zeroed", all_bytes(buf, size, 0)) &&
	       check("nothing past size", all_bytes(buf + size, 64, CANARY));
}

static void test_query_errors(void)
{
	static uint8_t buf[QBUF + 64], buf2[QBUF + 64];
	struct io_uring_query_hdr h, h2;
	bool ok;
	int i;

	qhdr(&h, NR_QUERY_OPS, buf, 64);
	result(query_fails(&h, buf, 64, -EOPNOTSUPP),
	       "unknown op 4: result -EOPNOTSUPP, size 0, the 64 bytes zeroed");
	qhdr(&h, UINT32_MAX, buf, 64);
	result(query_fails(&h, buf, 64, -EOPNOTSUPP),
	       "unknown op 0xffffffff: result -EOPNOTSUPP");
	qhdr(&h, NR_QUERY_OPS, buf, 64);
	h.__resv[0] = 1;
	h.result = 1;
	result(query_fails(&h, buf, 64, -EOPNOTSUPP),
	       "unknown op with __resv[0] and result set: -EOPNOTSUPP, the op is checked first");
	for (i = 0; i < 3; i++) {
		qhdr(&h, IO_URING_QUERY_ZCRX, buf, 64);
		h.__resv[i] = 1;
		result(query_fails(&h, buf, 64, -EINVAL),
		       "ZCRX with __resv[%d] non-zero: result -EINVAL, data zeroed", i);
	}
	qhdr(&h, IO_URING_QUERY_ZCRX, buf, 64);
	h.result = -EINVAL;
	result(query_fails(&h, buf, 64, -EINVAL),
	       "ZCRX with result non-zero on input: result -EINVAL");
	qhdr(&h, IO_URING_QUERY_ZCRX, buf, 0);
	result(query_fails(&h, buf, 0, -EINVAL),
	       "ZCRX with size 0: result -EINVAL, nothing written");

	/* a failed entry does not stop the chain */
	qhdr(&h, NR_QUERY_OPS, buf, 64);
	qhdr(&h2, IO_URING_QUERY_ZCRX, buf2, 64);
	h.next_entry = (uintptr_t)&h2;
	ok = check_eq("syscall", query(-1, &h), 0) &&
	     check_eq("first result", (uint32_t)h.result, (uint32_t)-EOPNOTSUPP) &&
	     check_eq("second result", h2.result, 0) &&
	     check_eq("second size", h2.size, 40);
	result(ok, "chain of an unknown op and ZCRX: each entry its own result, the syscall 0");
}

/* A chain of @n OPCODES entries; the syscall's return, *answered set */
static int query_chain(unsigned int n, unsigned int *answered)
{
	struct io_uring_query_hdr *h = calloc(n, sizeof(*h));
	struct io_uring_query_opcode *d = calloc(n, sizeof(*d));
	unsigned int i;
	int ret;

	if (!h || !d)
		ksft_exit_fail_msg("out of memory\n");
	for (i = 0; i < n; i++) {
		h[i].query_op = IO_URING_QUERY_OPCODES;
		h[i].query_data = (uintptr_t)&d[i];
		h[i].size = sizeof(d[i]);
		if (i + 1 < n)
			h[i].next_entry = (uintptr_t)&h[i + 1];
	}
	ret = query(-1, h);
	*answered = 0;
	for (i = 0; i < n; i++)
		*answered += !h[i].result && d[i].nr_query_opcodes == 4;
	free(h);
	free(d);
	return ret;
}

static void test_query_chains(void)
{
	struct io_uring_query_hdr h;
	uint8_t buf[QBUF + 64];
	unsigned int answered;
	int ret;

	ret = query_chain(999, &answered);
	result(check_eq("syscall", ret, 0) && check_eq("answered", answered, 999),
	       "a chain of 999 entries: 0, every entry answered");
	ret = query_chain(1000, &answered);
	ksft_print_msg("chain of 1000: %u entries answered\n", answered);
	expect("a chain of 1000 entries", ret, ERANGE);
	qhdr(&h, IO_URING_QUERY_OPCODES, buf, 48);
	h.next_entry = (uintptr_t)&h;
	expect("an entry whose next_entry is itself (a loop)", query(-1, &h),
	       ERANGE);
	expect("the chain at unmapped memory", query(-1, unmapped_address()),
	       EFAULT);
	qhdr(&h, IO_URING_QUERY_OPCODES, buf, 48);
	h.next_entry = (uintptr_t)unmapped_address();
	ret = query(-1, &h);
	result(ret == -EFAULT && !h.result && h.size == 48,
	       "next_entry at unmapped memory after an answered entry: -EFAULT (%s)",
	       ERRNAME(ret));
	qhdr(&h, IO_URING_QUERY_OPCODES, buf, 48);
	expect("nr_args 1 (ring fd -1)",
	       sys_register(-1, IORING_REGISTER_QUERY, &h, 1), EINVAL);
	expect("order: nr_args 1, the chain at unmapped memory",
	       sys_register(-1, IORING_REGISTER_QUERY, unmapped_address(), 1),
	       EINVAL);
}

/* Opcodes the ABI leaves out: -EINVAL on a ring, and with ring fd -1 */
static void test_register_opcodes(struct io_uring *ring)
{
	static const unsigned int ops[] = { 31, 33, 34, 37 };
	uint8_t arg[256] = { 0 };
	unsigned int i;
	int r1, r2, r3;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		r1 = sys_register(ring->ring_fd, ops[i], arg, 0);
		r2 = sys_register(ring->ring_fd, ops[i], arg, 1);
		r3 = sys_register(-1, ops[i], arg, 0);
		if (r1 != -EINVAL || r2 != -EINVAL || r3 != -EINVAL)
			ksft_print_msg("opcode %u: %s, nr_args 1 %s, ring fd -1 %s\n",
				       ops[i], ERRNAME(r1), ERRNAME(r2),
				       ERRNAME(r3));
		result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL,
		       "register opcode %u: -EINVAL on a ring (nr_args 0 and 1) and with ring fd -1",
		       ops[i]);
	}
}

static void mode_query(void)
{
	static uint8_t blind[NR_QUERY_OPS][QBUF + 64],
		       real[NR_QUERY_OPS][QBUF + 64];
	struct io_uring_params p = { .flags = RING_FLAGS };
	struct zcrx_caps caps;
	struct io_uring ring;
	bool ok;
	int i, ret;

	ksft_set_plan(44);
	ret = io_uring_queue_init_params(8, &ring, &p);
	if (ret)
		ksft_exit_fail_msg("ring: %s\n", strerror(-ret));
	probe_caps(&caps);

	result(query_all(-1, blind),
	       "ring fd -1: OPCODES, ZCRX, SCQ and ZCRX_EVENT in one chain, each result 0 and size its reply's");
	ok = query_all(ring.ring_fd, real);
	for (i = 0; i < NR_QUERY_OPS; i++)
		ok &= check(query_ops[i].name,
			    !memcmp(blind[i], real[i], query_ops[i].size));
	result(ok, "a ring's fd: the same four replies as ring fd -1");

	test_query_opcodes(&ring, &p, (void *)blind[IO_URING_QUERY_OPCODES]);
	test_query_zcrx((void *)blind[IO_URING_QUERY_ZCRX], &caps);
	test_query_event((void *)blind[IO_URING_QUERY_ZCRX_EVENT]);
	test_query_scq(&p, (void *)blind[IO_URING_QUERY_SCQ]);
	test_query_sizes();
	test_query_errors();
	test_query_chains();
	test_register_opcodes(&ring);
	io_uring_queue_exit(&ring);
}

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

static const struct mode {
	const char *name;
	void (*run)(void);
	const char *args;
	bool dev, peer;		/* needs -i and -q; -P, -n and -a */
} modes[] = {
	{ "query", mode_query, "-i IF -q QUEUE", true, false },
};

static void usage(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++)
		fprintf(stderr, "%s zcrx_ctl %-6s %s\n", i ? "      " : "usage:",
			modes[i].name, modes[i].args);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *env = getenv("ZCRX_DEBUG_KERNEL");
	int c, queue = -1;
	unsigned int i;
	long start;

	if (argc < 2)
		usage();
	page_size = sysconf(_SC_PAGESIZE);
	debug_kernel = env && !strcmp(env, "1");
	optind = 2;
	while ((c = getopt(argc, argv, "i:q:p:P:n:a:")) != -1) {
		switch (c) {
		case 'i': cfg.ifindex = parse_ifindex(optarg); break;
		case 'q': queue = atoi(optarg); break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'P': cfg.port2 = atoi(optarg); break;
		case 'n': cfg.netns = optarg; break;
		case 'a': cfg.addr = optarg; break;
		default: usage();
		}
	}
	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcmp(argv[1], modes[i].name))
			break;
	if (i == ARRAY_SIZE(modes))
		usage();
	if (modes[i].dev && (!cfg.ifindex || queue < 0))
		usage();
	if (modes[i].peer && (!cfg.port2 || !cfg.netns || !cfg.addr))
		usage();
	if (strstr(modes[i].args, "-p PORT") && !cfg.port)
		usage();
	cfg.queue = queue;

	ksft_print_header();
	start = now_ms();
	modes[i].run();
	ksft_print_msg("%s: %ld ms\n", modes[i].name, now_ms() - start);
	ksft_finished();
}
