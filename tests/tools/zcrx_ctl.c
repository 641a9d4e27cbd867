// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_ctl: the zcrx control plane held to the user ABI, revision 2
 * (zcrx-abi.md §7-§10): IORING_REGISTER_QUERY, IORING_REGISTER_ZCRX_CTRL
 * (FLUSH_RQ, EXPORT, ARM_EVENT), instances shared between rings, NODEV
 * instances, events and copy statistics. One mode per test of tests/zcrx/,
 * each printing KTAP:
 *
 *   zcrx_ctl query  -i IF -q QUEUE
 *   zcrx_ctl ctrl   -i IF -q QUEUE
 *   zcrx_ctl share  -i IF -q QUEUE -p PORT -P PORT2 -n NETNS -a ADDR
 *   zcrx_ctl nodev  -P PORT -n NETNS -a ADDR
 *   zcrx_ctl events -i IF -q QUEUE -p PORT -P PORT2 -n NETNS -a ADDR
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

#include "ktap_cases.h"
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

/* A copy of @len bytes at @src on a read-only page of its own. */
static void *read_only_copy(const void *src, size_t len)
{
	void *p = xmap(page_size, PROT_READ | PROT_WRITE);

	memcpy(p, src, len);
	if (mprotect(p, page_size, PROT_READ))
		ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
	return p;
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

static int flush_rq(int ring_fd, uint32_t id)
{
	struct zcrx_ctrl c = { 0 };

	return ctrl(ring_fd, id, ZCRX_CTRL_FLUSH_RQ, &c);
}

static int arm_event(int ring_fd, uint32_t id, uint32_t type)
{
	struct zcrx_ctrl c = { .zc_arm_event.event_type = type };

	return ctrl(ring_fd, id, ZCRX_CTRL_ARM_EVENT, &c);
}

/* EXPORT: the new fd, or -errno */
static int export(int ring_fd, uint32_t id)
{
	struct zcrx_ctrl c = { 0 };
	int ret;

	ret = ctrl(ring_fd, id, ZCRX_CTRL_EXPORT, &c);
	return ret ? ret : (int)c.zc_export.zcrx_fd;
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

/* Open file descriptors of this process */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		ksft_exit_fail_msg("/proc/self/fd: %s\n", strerror(errno));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
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

/*
 * Import the instance behind @export_fd into @ring_fd: same area (@src's
 * memory, which the caller shares) and refill ring, mapped through this
 * ring at its own id. Returns 0 or the registration's -errno.
 */
static int inst_import(int ring_fd, struct inst *in, int export_fd,
		       const struct inst *src)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->ring_fd = ring_fd;
	in->reg.flags = ZCRX_REG_IMPORT;
	in->reg.if_idx = export_fd;
	ret = sys_register(ring_fd, IORING_REGISTER_ZCRX_IFQ, &in->reg, 1);
	if (ret)
		return ret;
	in->id = in->reg.zcrx_id;
	in->area = src->area;
	in->area_len = src->area_len;
	in->rq_entries = src->rq_entries;
	in->region_len = src->region_len;
	in->region = mmap(NULL, in->region_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, ring_fd,
			  ZCRX_REGION_OFF(in->id));
	if (in->region == MAP_FAILED) {
		ksft_print_msg("mmap(importing ring, %#llx): %s\n",
			       (unsigned long long)ZCRX_REGION_OFF(in->id),
			       strerror(errno));
		in->region = NULL;
		return 0;
	}
	in->region_kernel = true;
	inst_map_rq(in);
	if (src->stats)
		in->stats = (void *)((char *)in->region +
				     ((char *)src->stats - (char *)src->region));
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

static uint32_t rq_head(const struct inst *in)
{
	return __atomic_load_n(in->khead, __ATOMIC_ACQUIRE);
}

static uint32_t rq_tail(const struct inst *in)
{
	return __atomic_load_n(in->ktail, __ATOMIC_ACQUIRE);
}

/* Write entry @e at the tail, publish it; false if the ring is full. */
static bool rq_push_rqe(struct inst *in, const struct io_uring_zcrx_rqe *e)
{
	uint32_t tail, head;
	bool ok = false;

	if (in->lock)
		pthread_spin_lock(in->lock);
	/* ours alone to write, or under the lock: the region has the truth */
	tail = *in->ktail;
	head = rq_head(in);
	if (tail - head < in->rq_entries) {
		in->rqes[tail & (in->rq_entries - 1)] = *e;
		__atomic_store_n(in->ktail, tail + 1, __ATOMIC_RELEASE);
		in->pushed++;
		ok = true;
	}
	if (in->lock)
		pthread_spin_unlock(in->lock);
	return ok;
}

static bool rq_push(struct inst *in, uint64_t off, uint32_t len)
{
	struct io_uring_zcrx_rqe e = { .off = off, .len = len };

	return rq_push_rqe(in, &e);
}

/* TCP */

/* A listening socket on @port, any IPv4 address */
static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		ksft_exit_fail_msg("socket: %s\n", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
		ksft_exit_fail_msg("listen on %d: %s\n", port, strerror(errno));
	return fd;
}

/* Accept one connection within @ms; -1 if none came. */
static int accept_within(int lfd, int ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

/*
 * Senders are this program again (mode "send"), exec()ed in a child: a
 * plain fork() would keep the mappings of every ring of the parent, and
 * with them the rings, alive for as long as the sender runs.
 */
static pid_t spawn_sender(char **argv, int keep_fd)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		if (keep_fd > 3)
			close_range(3, keep_fd - 1, 0);
		close_range(keep_fd >= 3 ? keep_fd + 1 : 3, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return pid;
}

/*
 * A child writing @len bytes of the pattern to @fd, then closing it; the
 * caller's copy of @fd is closed here. Returns the child's pid.
 */
static pid_t send_fd(int fd, uint64_t len)
{
	char fds[16], lens[32];
	char *argv[] = { "zcrx_ctl", "send", "-f", fds, "-b", lens, NULL };
	pid_t pid;

	snprintf(fds, sizeof(fds), "%d", fd);
	snprintf(lens, sizeof(lens), "%llu", (unsigned long long)len);
	pid = spawn_sender(argv, fd);
	close(fd);
	return pid;
}

/*
 * A child in the peer's network namespace sending @len bytes of the
 * pattern on each of @conns connections to cfg.addr:@port, all at once.
 * Exits 0 when every one was sent and closed.
 */
static pid_t send_streams(int port, int conns, uint64_t len)
{
	char ports[16], connss[16], lens[32];
	char *argv[] = { "zcrx_ctl", "send", "-n", (char *)cfg.netns,
			 "-a", (char *)cfg.addr, "-p", ports, "-c", connss,
			 "-b", lens, NULL };

	snprintf(ports, sizeof(ports), "%d", port);
	snprintf(connss, sizeof(connss), "%d", conns);
	snprintf(lens, sizeof(lens), "%llu", (unsigned long long)len);
	return spawn_sender(argv, -1);
}

/* One connection from the peer's namespace to cfg.addr:@port, or -1 */
static int peer_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	long end = now_ms() + WAIT_MS;
	int fd;

	if (inet_pton(AF_INET, cfg.addr, &a.sin_addr) != 1)
		return -1;
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		close(fd);
		if (errno != ECONNREFUSED || now_ms() > end)
			return -1;
		usleep(20000);
	}
}

/*
 * One corked stream: TCP sends only full segments until the end, so a
 * stream of a multiple of the MSS is nothing but full segments. Small
 * ones would not stay in frags: TCP condenses a short payload into the
 * skb's linear part (skb_condense()), which the copy statistics do not
 * count.
 */
static int send_corked(int port, uint64_t len)
{
	int fd = peer_connect(port), one = 1, zero = 0;

	if (fd < 0)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
	if (!pattern_write(fd, 0, len))
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
	return close(fd) ? 1 : 0;
}

/* Mode "send": what send_fd() and send_streams() run */
static int sender_main(int fd, int port, int conns, uint64_t len)
{
	pid_t kids[64];
	int i, status, bad = 0;

	if (fd >= 0)
		return pattern_write(fd, 0, len) && !close(fd) ? 0 : 1;

	fd = open(cfg.netns, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "zcrx_ctl: netns %s: %s\n", cfg.netns,
			strerror(errno));
		return 2;
	}
	close(fd);
	for (i = 0; i < conns && i < 64; i++) {
		kids[i] = fork();
		if (!kids[i])
			_exit(send_corked(port, len));
	}
	for (i = 0; i < conns && i < 64; i++)
		if (waitpid(kids[i], &status, 0) != kids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	return bad ? 1 : 0;
}

/* A child's exit status, 0 for a clean exit 0 */
static int reap_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Receiving: multishot RECV_ZC on connections, every byte checked */

struct conn {
	int fd;
	uint64_t bytes;		/* in data completions so far */
	uint64_t bad;		/* bytes that do not match the pattern */
	int64_t first_bad;
	unsigned int cqes;
	int res;		/* of the last completion without F_MORE */
	bool armed;
	bool done;		/* ended: EOF or an error to give up on */
	unsigned int enomem;	/* requests that ended with -ENOMEM */
	unsigned int enospc;	/* and with -ENOSPC (re-armed at once) */
};

struct held {
	uint64_t off;
	uint32_t len;
};

struct rx {
	struct io_uring *ring;
	struct inst *in;
	struct conn *c;
	int n;
	bool hold;		/* keep every buffer until rx_give_back() */
	struct held *held;	/* buffers not returned yet */
	size_t nheld, cap;
	unsigned int events[2];	/* event CQEs, per type */
	unsigned int ev_bad;	/* event CQEs of a wrong shape */
	unsigned int stray;	/* completions nobody asked for */
	unsigned int data_cqes;
	unsigned int bad_off;	/* data CQEs pointing outside the area */
	unsigned int mid_buf;	/* data CQEs not at a buffer's start */
	unsigned int big;	/* data CQEs of more than a page */
	uint64_t bytes;
};

static void rx_init(struct rx *rx, struct io_uring *ring, struct inst *in,
		    struct conn *c, int n)
{
	int i;

	memset(rx, 0, sizeof(*rx));
	rx->ring = ring;
	rx->in = in;
	rx->c = c;
	rx->n = n;
	for (i = 0; i < n; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].fd = -1;
		c[i].first_bad = -1;
	}
}

static void rx_free(struct rx *rx)
{
	free(rx->held);
	rx->held = NULL;
	rx->nheld = rx->cap = 0;
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

/* A multishot RECV_ZC without a read limit on connection @i */
static void rx_arm(struct rx *rx, int i)
{
	struct io_uring_sqe *sqe = get_sqe(rx->ring);

	io_uring_prep_recv_zc(sqe, rx->c[i].fd, rx->in->id, 0);
	sqe->user_data = i;
	rx->c[i].armed = true;
	io_uring_submit(rx->ring);
}

static void rx_keep(struct rx *rx, uint64_t off, uint32_t len)
{
	if (rx->nheld == rx->cap) {
		rx->cap = rx->cap ? 2 * rx->cap : 1024;
		rx->held = realloc(rx->held, rx->cap * sizeof(*rx->held));
		if (!rx->held)
			ksft_exit_fail_msg("out of memory\n");
	}
	rx->held[rx->nheld++] = (struct held){ off, len };
}

/* Return kept buffers while the refill ring has room; how many are left */
static size_t rx_give_back(struct rx *rx)
{
	size_t i = 0;

	while (i < rx->nheld &&
	       rq_push(rx->in, rx->held[i].off, rx->held[i].len))
		i++;
	memmove(rx->held, rx->held + i, (rx->nheld - i) * sizeof(*rx->held));
	rx->nheld -= i;
	return rx->nheld;
}

static void rx_event(struct rx *rx, const struct io_uring_cqe *cqe)
{
	const uint64_t *big = (const uint64_t *)(cqe + 1);

	if (cqe->res >= 0 && cqe->res < 2 && !cqe->flags && !big[0] &&
	    !big[1]) {
		rx->events[cqe->res]++;
		return;
	}
	ksft_print_msg("event CQE res %d flags %#x big %#llx %#llx\n",
		       cqe->res, cqe->flags, (unsigned long long)big[0],
		       (unsigned long long)big[1]);
	rx->ev_bad++;
}

static void rx_data(struct rx *rx, struct conn *c,
		    const struct io_uring_cqe *cqe)
{
	uint64_t off = io_uring_zcrx_cqe(cqe)->off;
	uint64_t at = off & ~IORING_ZCRX_AREA_MASK;

	c->cqes++;
	rx->data_cqes++;
	if (cqe->res <= 0 || off >> IORING_ZCRX_AREA_SHIFT ||
	    at + cqe->res > rx->in->area_len ||
	    io_uring_zcrx_cqe(cqe)->__pad) {
		if (!rx->bad_off++)
			ksft_print_msg("data CQE res %d off %#llx\n", cqe->res,
				       (unsigned long long)off);
		return;
	}
	rx->mid_buf += !!(at % page_size);
	rx->big += cqe->res > (int)page_size;
	c->bad += pattern_check(rx->in->area + at, c->bytes, cqe->res,
				&c->first_bad);
	c->bytes += cqe->res;
	rx->bytes += cqe->res;
	if (rx->hold || rx->nheld || !rq_push(rx->in, off, cqe->res))
		rx_keep(rx, off, cqe->res);
}

static void rx_cqe(struct rx *rx, const struct io_uring_cqe *cqe)
{
	struct conn *c;

	if (cqe->user_data == EV_USER_DATA) {
		rx_event(rx, cqe);
		return;
	}
	if (cqe->user_data >= (uint64_t)rx->n) {
		rx->stray++;
		return;
	}
	c = &rx->c[cqe->user_data];
	if (cqe->flags & IORING_CQE_F_MORE) {
		rx_data(rx, c, cqe);
		return;
	}
	c->armed = false;
	c->res = cqe->res;
	if (cqe->res == -ENOSPC) {
		c->enospc++;
		rx_arm(rx, cqe->user_data);
	} else if (cqe->res == -ENOMEM) {
		c->enomem++;
	} else {
		c->done = true;
	}
}

/* Handle every completion there is; how many */
static unsigned int rx_process(struct rx *rx)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(rx->ring, head, cqe) {
		rx_cqe(rx, cqe);
		n++;
	}
	io_uring_cq_advance(rx->ring, n);
	if (!rx->hold && rx->nheld)
		rx_give_back(rx);
	return n;
}

/* Wait up to @ms for completions and handle them; false if none came */
static bool rx_wait(struct rx *rx, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000,
					.tv_nsec = (ms % 1000) * 1000000L };
	struct io_uring_cqe *cqe;

	if (rx_process(rx))
		return true;
	if (io_uring_wait_cqe_timeout(rx->ring, &cqe, &ts))
		return false;
	rx_process(rx);
	return true;
}

/* Run task work (event CQEs among it) and handle what completed */
static void rx_poll(struct rx *rx)
{
	io_uring_get_events(rx->ring);
	rx_process(rx);
}

static bool rx_all_done(const struct rx *rx)
{
	int i;

	for (i = 0; i < rx->n; i++)
		if (!rx->c[i].done)
			return false;
	return true;
}

/*
 * Receive until every connection ended or nothing came for @idle_ms.
 * Connections come from @lfd as they are accepted (-1: all there).
 */
static bool rx_run(struct rx *rx, int lfd, int idle_ms)
{
	long idle_since = now_ms();
	int accepted = 0, fd, i;

	for (i = 0; i < rx->n; i++)
		if (rx->c[i].fd >= 0)
			accepted++;
	while (!rx_all_done(rx)) {
		if (lfd >= 0 && accepted < rx->n) {
			fd = accept_within(lfd, 0);
			if (fd >= 0) {
				rx->c[accepted].fd = fd;
				rx_arm(rx, accepted++);
				idle_since = now_ms();
				continue;
			}
		}
		if (rx_wait(rx, 20))
			idle_since = now_ms();
		else if (now_ms() - idle_since > idle_ms)
			return false;
	}
	return true;
}

/* Every connection got exactly @bytes, matching, and ended with EOF */
static bool rx_ok(const struct rx *rx, uint64_t bytes)
{
	bool ok = !rx->bad_off && !rx->ev_bad && !rx->stray;
	int i;

	for (i = 0; i < rx->n; i++) {
		const struct conn *c = &rx->c[i];

		if (c->done && !c->res && c->bytes == bytes && !c->bad)
			continue;
		ksft_print_msg("conn %d: done %d res %d, %llu bytes of %llu, %llu bad from %lld\n",
			       i, c->done, c->res,
			       (unsigned long long)c->bytes,
			       (unsigned long long)bytes,
			       (unsigned long long)c->bad,
			       (long long)c->first_bad);
		ok = false;
	}
	if (rx->bad_off || rx->ev_bad || rx->stray)
		ksft_print_msg("%u CQEs outside the area, %u bad event CQEs, %u stray\n",
			       rx->bad_off, rx->ev_bad, rx->stray);
	return ok;
}

static void rx_close(struct rx *rx)
{
	int i;

	for (i = 0; i < rx->n; i++)
		if (rx->c[i].fd >= 0)
			close(rx->c[i].fd);
}

/* The zc_bytes or copy_bytes of instance @id in @ring_fd's fdinfo, or -1 */
static long long fdinfo_counter(int ring_fd, uint32_t id, const char *key)
{
	char path[64], line[256], want[32];
	long long val = -1;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring_fd);
	snprintf(want, sizeof(want), "Zcrx%u:", id);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		p = strstr(line, key);
		if (p && p[strlen(key)] == '=')
			val = atoll(p + strlen(key) + 1);
	}
	fclose(f);
	return val;
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

/* ctrl: IORING_REGISTER_ZCRX_CTRL and importing (ABI §8, §9) */

static void must_register(struct io_uring *ring, struct inst *in,
			  const struct inst_opts *o)
{
	int ret = inst_register(ring->ring_fd, in, o);

	if (ret)
		ksft_exit_fail_msg("%s registration: %s\n",
				   o->nodev ? "NODEV" : "device", ERRNAME(ret));
}

static void nodev_inst(struct io_uring *ring, struct inst *in, size_t pages,
		       unsigned int rq_entries, const struct zcrx_event_desc *ev)
{
	struct inst_opts o = { .nodev = true, .area_pages = pages,
			       .rq_entries = rq_entries, .ev = ev };

	must_register(ring, in, &o);
}

static void dev_inst(struct io_uring *ring, struct inst *in, size_t pages,
		     unsigned int rq_entries, const struct zcrx_event_desc *ev)
{
	struct inst_opts o = { .queue = cfg.queue, .area_pages = pages,
			       .rq_entries = rq_entries, .ev = ev };

	must_register(ring, in, &o);
}

/* nr_ctrl_opcodes of IO_URING_QUERY_ZCRX */
static uint32_t query_nr_ctrl(void)
{
	struct io_uring_query_zcrx q = { 0 };
	struct io_uring_query_hdr h = {
		.query_op = IO_URING_QUERY_ZCRX,
		.query_data = (uintptr_t)&q,
		.size = sizeof(q),
	};

	if (query(-1, &h) || h.result)
		return 0;
	return q.nr_ctrl_opcodes;
}

static void test_envelope(void)
{
	struct io_uring ring, empty;
	struct zcrx_ctrl c = { 0 }, *ro;
	struct io_uring_zcrx_area_reg area = { 0 };
	uint32_t nr_ctrl = query_nr_ctrl();
	void *mem;
	struct inst in;
	int fd, ret;

	ring_open(&ring, RING_FLAGS);
	ring_open(&empty, RING_FLAGS);
	nodev_inst(&ring, &in, 4, 64, NULL);
	fd = ring.ring_fd;

	c.op = ZCRX_CTRL_FLUSH_RQ;
	expect("ctrl: nr_args 1", ctrl_raw(fd, &c, 1), EINVAL);
	expect("ctrl: the struct at unmapped memory",
	       ctrl_raw(fd, unmapped_address(), 0), EFAULT);
	expect("ctrl: the struct at NULL", ctrl_raw(fd, NULL, 0), EFAULT);
	c.__resv[0] = 1;
	expect("ctrl: __resv[0] non-zero", ctrl_raw(fd, &c, 0), EFAULT);
	c.__resv[0] = 0;
	c.__resv[1] = 1;
	expect("ctrl: __resv[1] non-zero", ctrl_raw(fd, &c, 0), EFAULT);
	c.__resv[1] = 0;
	expect("ctrl: zcrx_id 1, the ring has only 0",
	       ctrl(fd, 1, ZCRX_CTRL_FLUSH_RQ, &c), ENXIO);
	expect("ctrl: zcrx_id 0xffffffff",
	       ctrl(fd, UINT32_MAX, ZCRX_CTRL_FLUSH_RQ, &c), ENXIO);
	expect("ctrl: zcrx_id 0 on a ring without instances",
	       ctrl(empty.ring_fd, 0, ZCRX_CTRL_FLUSH_RQ, &c), ENXIO);
	expect("ctrl: op 4, unknown", ctrl(fd, in.id, 4, &c), EOPNOTSUPP);
	expect("ctrl: op 0xffffffff, unknown", ctrl(fd, in.id, UINT32_MAX, &c),
	       EOPNOTSUPP);

	/* ADD_AREA is there when the query counts 4 operations */
	mem = xmap(4 * page_size, PROT_READ | PROT_WRITE);
	area.addr = (uintptr_t)mem;
	area.len = 4 * page_size;
	memset(&c, 0, sizeof(c));
	c.zc_area.area_ptr = (uintptr_t)&area;
	ret = ctrl(fd, in.id, ZCRX_CTRL_ADD_AREA, &c);
	if (nr_ctrl == 3)
		expect("ctrl: ADD_AREA of a valid area while the query counts 3 operations (not implemented)",
		       ret, EOPNOTSUPP);
	else
		expect("ctrl: ADD_AREA of a valid area, the query counting 4 operations",
		       ret, 0);

	memset(&c, 0, sizeof(c));
	c.op = ZCRX_CTRL_FLUSH_RQ;
	expect("ctrl: ring fd -1", ctrl_raw(-1, &c, 0), EINVAL);
	expect("order: ctrl nr_args 1, the struct at unmapped memory",
	       ctrl_raw(fd, unmapped_address(), 1), EINVAL);
	expect("order: ctrl ring fd -1, the struct at unmapped memory",
	       ctrl_raw(-1, unmapped_address(), 0), EINVAL);
	c.__resv[0] = 1;
	expect("order: ctrl __resv[0] non-zero, zcrx_id unknown",
	       ctrl(fd, 7, ZCRX_CTRL_FLUSH_RQ, &c), EFAULT);
	c.__resv[0] = 0;
	expect("order: ctrl zcrx_id unknown, op unknown", ctrl(fd, 7, 4, &c),
	       ENXIO);
	c.zc_flush.__resv[0] = 1;
	expect("order: ctrl zcrx_id unknown, FLUSH_RQ with zc_flush set",
	       ctrl(fd, 7, ZCRX_CTRL_FLUSH_RQ, &c), ENXIO);
	c.__resv[1] = 1;
	expect("order: ctrl __resv[1] non-zero, FLUSH_RQ with zc_flush set",
	       ctrl(fd, in.id, ZCRX_CTRL_FLUSH_RQ, &c), EFAULT);
	/* the kernel reads it; only the write-back of EXPORT needs more */
	memset(&c, 0, sizeof(c));
	c.zcrx_id = in.id;
	c.op = ZCRX_CTRL_FLUSH_RQ;
	ro = read_only_copy(&c, sizeof(c));
	expect("ctrl: FLUSH_RQ from read-only memory", ctrl_raw(fd, ro, 0), 0);
	munmap(ro, page_size);

	io_uring_queue_exit(&empty);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
	munmap(mem, 4 * page_size);
}

/* FLUSH_RQ */

/*
 * Arm one request on connection 0 of @rx (which keeps every buffer) and
 * reap it to its end: the data CQEs it brought; its result in *res.
 */
static unsigned int take(struct rx *rx, int *res)
{
	unsigned int before = rx->data_cqes;

	rx_arm(rx, 0);
	while (rx->c[0].armed && rx_wait(rx, WAIT_MS))
		;
	*res = rx->c[0].armed ? INT_MIN : rx->c[0].res;
	return rx->data_cqes - before;
}

static struct held pop_held(struct rx *rx)
{
	if (!rx->nheld)
		ksft_exit_fail_msg("no buffer held\n");
	return rx->held[--rx->nheld];
}

static void test_flush_rules(void)
{
	struct io_uring ring;
	struct zcrx_ctrl c = { 0 };
	struct inst in;
	uint32_t head;

	ring_open(&ring, RING_FLAGS);
	nodev_inst(&ring, &in, 4, 64, NULL);
	c.zc_flush.__resv[0] = 1;
	expect("FLUSH_RQ: zc_flush.__resv[0] non-zero",
	       ctrl(ring.ring_fd, in.id, ZCRX_CTRL_FLUSH_RQ, &c), EINVAL);
	c.zc_flush.__resv[0] = 0;
	c.zc_flush.__resv[5] = 1;
	expect("FLUSH_RQ: zc_flush.__resv[5] non-zero",
	       ctrl(ring.ring_fd, in.id, ZCRX_CTRL_FLUSH_RQ, &c), EINVAL);
	head = rq_head(&in);
	result(!flush_rq(ring.ring_fd, in.id) && rq_head(&in) == head,
	       "FLUSH_RQ of an empty refill ring: 0, head unmoved");
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/*
 * The state today's receiver can only wait out: a device instance whose
 * queue sees no traffic, and a refill ring full of returned buffers (copies
 * over lo, which no page pool allocation consumes). FLUSH_RQ takes them.
 */
static void test_flush_device(void)
{
	const unsigned int rq = 128;
	struct io_uring ring;
	struct inst in;
	struct conn c;
	struct rx rx;
	uint32_t head0, head1, head2;
	unsigned int i, n;
	pid_t tx_pid;
	int tx, res;
	bool ok;

	ring_open(&ring, RING_FLAGS);
	/* more than the queue's rx ring keeps filled: copies find buffers */
	dev_inst(&ring, &in, 4096, rq, NULL);
	rx_init(&rx, &ring, &in, &c, 1);
	rx.hold = true;
	tcp_pair(&c.fd, &tx);
	tx_pid = send_fd(tx, 1 << 20);
	n = take(&rx, &res);
	while (!rx.c[0].done && rx.nheld < 2 * rq && rx_wait(&rx, WAIT_MS))
		;
	ksft_print_msg("%u buffers held (first request %u CQEs, %s)\n",
		       (unsigned int)rx.nheld, n, ERRNAME(res));

	ok = rx.nheld >= rq;
	for (i = 0; ok && i < rq; i++) {
		struct held h = pop_held(&rx);

		ok &= rq_push(&in, h.off, h.len);
	}
	head0 = rq_head(&in);
	ok &= check_eq("entries queued", rq_tail(&in) - head0, rq);
	ok &= check("ring full", !rq_push(&in, 0, 0));
	usleep(500000);
	head1 = rq_head(&in);
	ksft_print_msg("head %u, tail %u; after 0.5 s without traffic head %u\n",
		       head0, rq_tail(&in), head1);
	ok &= check_eq("FLUSH_RQ", flush_rq(ring.ring_fd, in.id), 0);
	head2 = rq_head(&in);
	ok &= check_eq("head after FLUSH_RQ", head2, rq_tail(&in));
	result(ok, "device instance, no traffic on its queue: a refill ring full of %u returned buffers is consumed by one FLUSH_RQ (head %u -> %u)",
	       rq, head1, head2);
	/* the rest of the stream, returning as it goes */
	rx.hold = false;
	rx_give_back(&rx);
	flush_rq(ring.ring_fd, in.id);
	while (!rx.c[0].done) {
		if (!rx.c[0].armed)
			rx_arm(&rx, 0);
		if (!rx_wait(&rx, WAIT_MS))
			break;
		flush_rq(ring.ring_fd, in.id);
	}
	result(rx_ok(&rx, 1 << 20) && !reap_child(tx_pid),
	       "device instance: the 1 MiB over lo behind those buffers arrived whole, verified");
	rx_close(&rx);
	rx_free(&rx);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/*
 * What FLUSH_RQ does entry by entry, on a NODEV instance of 8 buffers:
 * nothing but FLUSH_RQ consumes its refill ring, and RECV_ZC over lo takes
 * exactly the buffers that are free, so each flush shows in the buffers
 * the next request gets before it ends with -ENOMEM.
 */
static void test_flush_nodev(void)
{
	const unsigned int nbufs = 8;
	struct io_uring_zcrx_rqe bad;
	struct io_uring ring;
	struct held a, b, m, d, e, f, g;
	struct inst in;
	struct conn c;
	struct rx rx;
	uint32_t head, i;
	unsigned int n, n2;
	pid_t tx_pid;
	int tx, res, res2;
	bool ok;

	ring_open(&ring, RING_FLAGS);
	nodev_inst(&ring, &in, nbufs, nbufs, NULL);
	rx_init(&rx, &ring, &in, &c, 1);
	rx.hold = true;
	tcp_pair(&c.fd, &tx);
	tx_pid = send_fd(tx, 64 << 20);

	n = take(&rx, &res);
	ok = check_eq("buffers", n, nbufs) && check_eq("res", res, -ENOMEM);
	for (i = 0; ok && i < nbufs; i++) {
		struct held h = pop_held(&rx);

		ok &= rq_push(&in, h.off, h.len);
	}
	head = rq_head(&in);
	ok &= check_eq("FLUSH_RQ", flush_rq(ring.ring_fd, in.id), 0) &&
	      check_eq("consumed", rq_head(&in) - head, nbufs);
	n = take(&rx, &res);
	ok &= check_eq("buffers back", n, nbufs) &&
	      check_eq("res", res, -ENOMEM);
	result(ok, "NODEV: a full refill ring (%u) is consumed by one FLUSH_RQ, every buffer back (%u CQEs, then -ENOMEM)",
	       nbufs, n);

	/* a malformed entry stops the flush and counts as consumed */
	a = pop_held(&rx);
	m = pop_held(&rx);
	b = pop_held(&rx);
	bad = (struct io_uring_zcrx_rqe){ .off = m.off, .len = m.len,
					  .__pad = 1 };
	rq_push(&in, a.off, a.len);
	rq_push_rqe(&in, &bad);
	rq_push(&in, b.off, b.len);
	head = rq_head(&in);
	flush_rq(ring.ring_fd, in.id);
	n = take(&rx, &res);
	ok = check_eq("consumed", rq_head(&in) - head, 2) &&
	     check_eq("buffers back", n, 1) && check_eq("res", res, -ENOMEM);
	result(ok, "NODEV: FLUSH_RQ stops at an entry with __pad set and counts it consumed: head +%u, %u buffer back",
	       rq_head(&in) - head, n);
	head = rq_head(&in);
	flush_rq(ring.ring_fd, in.id);
	n = take(&rx, &res);
	ok = check_eq("consumed", rq_head(&in) - head, 1) &&
	     check_eq("buffers back", n, 1) && check_eq("res", res, -ENOMEM);
	result(ok, "NODEV: the next FLUSH_RQ goes on behind it: head +%u, the entry after it back",
	       rq_head(&in) - head);
	/* the malformed entry returned nothing: m is still ours */
	rx_keep(&rx, m.off, m.len);

	/* an entry for a buffer not held is skipped, not a stop */
	d = pop_held(&rx);
	rq_push(&in, d.off, d.len);
	flush_rq(ring.ring_fd, in.id);
	e = pop_held(&rx);
	rq_push(&in, d.off, d.len);
	rq_push(&in, e.off, e.len);
	head = rq_head(&in);
	flush_rq(ring.ring_fd, in.id);
	n = take(&rx, &res);
	ok = check_eq("consumed", rq_head(&in) - head, 2) &&
	     check_eq("buffers", n, 2) && check_eq("res", res, -ENOMEM);
	result(ok, "NODEV: FLUSH_RQ skips an entry for a buffer not held and goes on: head +%u, the one behind it back (%u free)",
	       rq_head(&in) - head, n);

	/* §5: two entries in a row for a buffer held once, ignored */
	f = pop_held(&rx);
	rq_push(&in, f.off, f.len);
	rq_push(&in, f.off, f.len);
	head = rq_head(&in);
	flush_rq(ring.ring_fd, in.id);
	n = take(&rx, &res);
	ok = check_eq("consumed", rq_head(&in) - head, 2) &&
	     check_eq("buffers", n, 0) && check_eq("res", res, -ENOMEM);
	result(ok, "NODEV: two entries in a row for a buffer held once are one batch, ignored: head +%u, nothing back",
	       rq_head(&in) - head);

	/* a tail far ahead: one ring's worth per call */
	g = pop_held(&rx);
	rq_push(&in, g.off, g.len);
	flush_rq(ring.ring_fd, in.id);
	head = rq_head(&in);
	for (i = 0; i < nbufs; i++)
		in.rqes[i] = (struct io_uring_zcrx_rqe){ .off = g.off,
							 .len = g.len };
	__atomic_store_n(in.ktail, head + 1000, __ATOMIC_RELEASE);
	ok = check_eq("FLUSH_RQ", flush_rq(ring.ring_fd, in.id), 0);
	n = rq_head(&in) - head;
	ok &= check_eq("FLUSH_RQ", flush_rq(ring.ring_fd, in.id), 0);
	n2 = rq_head(&in) - head - n;
	ok &= check_eq("first", n, nbufs) && check_eq("second", n2, nbufs);
	__atomic_store_n(in.ktail, rq_head(&in), __ATOMIC_RELEASE);
	n = take(&rx, &res2);
	ok &= check_eq("buffers", n, 1) && check_eq("res", res2, -ENOMEM);
	result(ok, "NODEV: a tail 1000 ahead of head: each FLUSH_RQ consumes one ring's worth (%u), the ignored entries return nothing",
	       nbufs);

	close(c.fd);
	reap_child(tx_pid);
	rx_free(&rx);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/* EXPORT */

static void test_export(void)
{
	struct io_uring ring;
	struct zcrx_ctrl c, want, *ro;
	struct epoll_event ev = { .events = EPOLLIN };
	char link[64], path[64];
	struct inst in;
	int fds, fd, fd2, ret, ep, lowest;
	ssize_t n;
	void *p;
	bool ok;

	ring_open(&ring, RING_FLAGS);
	nodev_inst(&ring, &in, 4, 64, NULL);

	fds = count_fds();
	memset(&c, 0, sizeof(c));
	c.zc_export.zcrx_fd = 3;
	ret = ctrl(ring.ring_fd, in.id, ZCRX_CTRL_EXPORT, &c);
	expect("EXPORT: zc_export.zcrx_fd non-zero on input", ret, EINVAL);
	memset(&c, 0, sizeof(c));
	c.zc_export.__resv1[0] = 1;
	expect("EXPORT: zc_export.__resv1[0] non-zero",
	       ctrl(ring.ring_fd, in.id, ZCRX_CTRL_EXPORT, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	c.zc_export.__resv1[10] = 1;
	expect("EXPORT: zc_export.__resv1[10] non-zero",
	       ctrl(ring.ring_fd, in.id, ZCRX_CTRL_EXPORT, &c), EINVAL);
	result(check_eq("open fds", count_fds(), fds),
	       "EXPORT: the refused calls opened no fd");

	memset(&c, 0, sizeof(c));
	ret = ctrl(ring.ring_fd, in.id, ZCRX_CTRL_EXPORT, &c);
	fd = c.zc_export.zcrx_fd;
	want = (struct zcrx_ctrl){ .zcrx_id = in.id, .op = ZCRX_CTRL_EXPORT };
	want.zc_export.zcrx_fd = fd;
	ok = check_eq("EXPORT", ret, 0) &&
	     check("the struct as it went in, zcrx_fd set",
		   !memcmp(&c, &want, sizeof(c))) &&
	     check_eq("open fds", count_fds(), fds + 1) &&
	     check("zcrx_fd open", fcntl(fd, F_GETFD) >= 0);
	result(ok, "EXPORT: 0, a new fd in zc_export.zcrx_fd (%d), the rest of the 72 bytes as they were",
	       fd);
	if (!ok) {
		ksft_exit_fail_msg("no export fd to go on with\n");
	}
	result(fcntl(fd, F_GETFD) & FD_CLOEXEC, "EXPORT: the fd is O_CLOEXEC");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	result(!strcmp(link, "anon_inode:[zcrx]"),
	       "EXPORT: the fd is an anon inode named [zcrx] (%s)", link);
	n = read(fd, link, 1);
	ret = n < 0 ? -errno : 0;
	n = write(fd, link, 1);
	ksft_print_msg("read() %s, write() %s\n", ERRNAME(ret),
		       ERRNAME(n < 0 ? -errno : 0));
	result(ret < 0 && n < 0, "EXPORT: read() and write() on the fd fail");
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED)
		munmap(p, page_size);
	result(ret < 0, "EXPORT: mmap() of the fd fails (%s)", ERRNAME(ret));
	ep = epoll_create1(0);
	ret = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
	close(ep);
	result(ret < 0, "EXPORT: the fd cannot be polled: epoll_ctl(ADD) fails (%s)",
	       ERRNAME(ret));

	fd2 = export(ring.ring_fd, in.id);
	result(fd2 >= 0 && fd2 != fd, "EXPORT again: another fd (%d)", fd2);
	close(fd2);

	/* the result cannot be written back: -EFAULT and no fd */
	memset(&c, 0, sizeof(c));
	c.zcrx_id = in.id;
	c.op = ZCRX_CTRL_EXPORT;
	ro = read_only_copy(&c, sizeof(c));
	fds = count_fds();
	lowest = dup(0);
	close(lowest);
	ret = ctrl_raw(ring.ring_fd, ro, 0);
	fd2 = dup(0);
	close(fd2);
	munmap(ro, page_size);
	ok = check_eq("open fds", count_fds(), fds) &&
	     check_eq("lowest free fd", fd2, lowest);
	if (ret != -EFAULT)
		ksft_print_msg("got %s\n", ERRNAME(ret));
	result(ret == -EFAULT && ok,
	       "EXPORT of a read-only struct: -EFAULT, no fd installed and none kept");

	close(fd);
	result(!flush_rq(ring.ring_fd, in.id),
	       "EXPORT: with its export fds closed the instance goes on (FLUSH_RQ 0)");
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/* IMPORT */

static int import_reg(int ring_fd, struct io_uring_zcrx_ifq_reg *reg)
{
	return sys_register(ring_fd, IORING_REGISTER_ZCRX_IFQ, reg, 1);
}

/* res[0]: import without CAP_NET_ADMIN; res[1]: also without DEFER_TASKRUN */
static void child_import_no_cap(int32_t *res, const void *arg)
{
	struct io_uring_zcrx_ifq_reg reg = { .flags = ZCRX_REG_IMPORT,
					     .if_idx = *(const int *)arg };
	struct io_uring ring;

	if (drop_effective_cap(CAP_NET_ADMIN))
		return;
	ring_open(&ring, RING_FLAGS);
	res[0] = import_reg(ring.ring_fd, &reg);
	io_uring_queue_exit(&ring);
	ring_open(&ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32);
	res[1] = import_reg(ring.ring_fd, &reg);
	io_uring_queue_exit(&ring);
}

static void test_import_rules(void)
{
	struct io_uring ring, other, no_defer, no_cqe32;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_area_reg area = { 0 };
	struct io_uring_region_desc rd = { 0 };
	struct zcrx_event_desc ev = { 0 };
	struct zcrx_ctrl c = { 0 };
	struct inst in;
	int efd, pipefd[2], stale, ret;
	int32_t res[2];

	ring_open(&ring, RING_FLAGS);
	ring_open(&other, RING_FLAGS);
	ring_open(&no_defer, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32);
	ring_open(&no_cqe32, IORING_SETUP_DEFER_TASKRUN |
			     IORING_SETUP_SINGLE_ISSUER);
	nodev_inst(&ring, &in, 4, 64, NULL);
	efd = export(ring.ring_fd, in.id);
	if (efd < 0 || pipe(pipefd))
		ksft_exit_fail_msg("export: %s\n", ERRNAME(efd));

#define IMPORT(field, val) ({						\
	memset(&reg, 0, sizeof(reg));					\
	reg.flags = ZCRX_REG_IMPORT;					\
	reg.if_idx = efd;						\
	reg.field = val;						\
	import_reg(other.ring_fd, &reg);				\
})
	expect("IMPORT: flags ZCRX_REG_IMPORT | ZCRX_REG_NODEV",
	       IMPORT(flags, ZCRX_REG_IMPORT | ZCRX_REG_NODEV), EINVAL);
	expect("IMPORT: flags with the undefined bit 1 << 2",
	       IMPORT(flags, ZCRX_REG_IMPORT | 4), EINVAL);
	expect("IMPORT: if_rxq non-zero", IMPORT(if_rxq, 1), EINVAL);
	expect("IMPORT: rq_entries non-zero", IMPORT(rq_entries, 64), EINVAL);
	expect("IMPORT: area_ptr set", IMPORT(area_ptr, (uintptr_t)&area),
	       EINVAL);
	expect("IMPORT: region_ptr set", IMPORT(region_ptr, (uintptr_t)&rd),
	       EINVAL);
	expect("IMPORT: event_desc set", IMPORT(event_desc, (uintptr_t)&ev),
	       EINVAL);
	expect("IMPORT: __resv[0] non-zero", IMPORT(__resv[0], 1), EINVAL);
	expect("IMPORT: __resv[1] non-zero", IMPORT(__resv[1], 1), EINVAL);
	expect("IMPORT: zcrx_id non-zero on input", IMPORT(zcrx_id, 1),
	       EINVAL);
	expect("IMPORT: if_idx a pipe, no zcrx fd", IMPORT(if_idx, pipefd[0]),
	       EBADF);
	expect("IMPORT: if_idx a ring fd", IMPORT(if_idx, ring.ring_fd),
	       EBADF);
	expect("IMPORT: if_idx an fd not open", IMPORT(if_idx, 1000), EBADF);
	expect("IMPORT: if_idx 0xffffffff", IMPORT(if_idx, UINT32_MAX), EBADF);

	stale = export(ring.ring_fd, in.id);
	close(stale);
	expect("IMPORT: a closed export fd", IMPORT(if_idx, stale), EBADF);
	stale = export(ring.ring_fd, in.id);
	close(stale);
	ret = dup2(pipefd[1], stale);
	expect("IMPORT: an export fd closed, its number now a pipe's",
	       ret == stale ? IMPORT(if_idx, stale) : -EBADFD, EBADF);
	close(stale);

	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT;
	reg.if_idx = efd;
	expect("IMPORT: ring without IORING_SETUP_DEFER_TASKRUN",
	       import_reg(no_defer.ring_fd, &reg), EINVAL);
	expect("IMPORT: ring without IORING_SETUP_CQE32",
	       import_reg(no_cqe32.ring_fd, &reg), EINVAL);
	in_child(child_import_no_cap, &efd, res, 2);
	expect("IMPORT: no CAP_NET_ADMIN", res[0], EPERM);
	expect("order: IMPORT without CAP_NET_ADMIN, ring without IORING_SETUP_DEFER_TASKRUN",
	       res[1], EPERM);
	reg.if_idx = pipefd[0];
	expect("order: IMPORT ring without IORING_SETUP_CQE32, if_idx a pipe",
	       import_reg(no_cqe32.ring_fd, &reg), EINVAL);
	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT;
	reg.if_idx = pipefd[0];
	reg.rq_entries = 64;
	expect("order: IMPORT rq_entries non-zero, if_idx a pipe",
	       import_reg(other.ring_fd, &reg), EINVAL);
	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT | ZCRX_REG_NODEV;
	reg.if_idx = pipefd[0];
	expect("order: IMPORT | NODEV, if_idx a pipe",
	       import_reg(other.ring_fd, &reg), EINVAL);
	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT;
	reg.if_idx = pipefd[0];
	reg.__resv[0] = 1;
	expect("order: IMPORT __resv[0] non-zero, if_idx a pipe",
	       import_reg(other.ring_fd, &reg), EINVAL);
	memset(&reg, 0, sizeof(reg));
	reg.flags = ZCRX_REG_IMPORT;
	reg.if_idx = pipefd[0];
	reg.event_desc = (uintptr_t)unmapped_address();
	expect("order: IMPORT event_desc set (unmapped), if_idx a pipe",
	       import_reg(other.ring_fd, &reg), EINVAL);
#undef IMPORT
	result(ctrl(other.ring_fd, 0, ZCRX_CTRL_FLUSH_RQ, &c) == -ENXIO &&
	       ctrl(no_defer.ring_fd, 0, ZCRX_CTRL_FLUSH_RQ, &c) == -ENXIO,
	       "IMPORT: the refused imports left no instance in their rings (-ENXIO)");

	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	io_uring_queue_exit(&no_cqe32);
	io_uring_queue_exit(&no_defer);
	io_uring_queue_exit(&other);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/* A device registration on cfg.queue in a fresh ring: its errno */
static int queue_free(void)
{
	struct inst_opts o = { .queue = cfg.queue, .area_pages = 16,
			       .rq_entries = 64 };
	struct io_uring ring;
	struct inst in;
	int ret;

	ring_open(&ring, RING_FLAGS);
	ret = inst_register(ring.ring_fd, &in, &o);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
	return ret;
}

static void test_import(void)
{
	struct io_uring exp_ring, y, z, v;
	struct io_uring_zcrx_ifq_reg want;
	struct inst in, src, iy, iz, iv, nd;
	int efd, ret;
	bool ok;

	ring_open(&exp_ring, RING_FLAGS);
	dev_inst(&exp_ring, &in, 16, 64, NULL);
	efd = export(exp_ring.ring_fd, in.id);
	if (efd < 0)
		ksft_exit_fail_msg("export: %s\n", ERRNAME(efd));

	/* into a fresh ring: id 0, its own offsets, the rest echoed */
	ring_open(&y, RING_FLAGS);
	ret = inst_import(y.ring_fd, &iy, efd, &in);
	want = (struct io_uring_zcrx_ifq_reg){ .if_idx = efd,
					       .flags = ZCRX_REG_IMPORT };
	want.offsets = (struct io_uring_zcrx_offsets){ .head = 0, .tail = 64,
						       .rqes = 128 };
	ok = check_eq("IMPORT", ret, 0) &&
	     check("ifq_reg: zcrx_id 0, offsets 0/64/128, rx_buf_len 0, the rest as it went in",
		   !memcmp(&iy.reg, &want, sizeof(want)));
	result(ok, "IMPORT into a fresh ring: 0, zcrx_id 0, offsets head 0 tail 64 rqes 128, rx_buf_len 0 echoed, nothing else written");

	/* into a ring that has an instance: the next id */
	ring_open(&z, RING_FLAGS);
	nodev_inst(&z, &nd, 4, 64, NULL);
	memset(&iz, 0, sizeof(iz));
	iz.reg.flags = ZCRX_REG_IMPORT;
	iz.reg.if_idx = efd;
	iz.reg.rx_buf_len = 3 * page_size;
	ret = import_reg(z.ring_fd, &iz.reg);
	result(!ret && iz.reg.zcrx_id == 1 && iz.reg.rx_buf_len == 3 * page_size,
	       "IMPORT into a ring with an instance: zcrx_id 1 (%u), rx_buf_len %zu echoed (%u)",
	       iz.reg.zcrx_id, 3 * page_size, iz.reg.rx_buf_len);

	/* the same refill ring through the importer's own id */
	ok = iy.region != NULL;
	if (ok) {
		in.rqes[5].len = 0x5a5a1234;
		ok = check_eq("entry 5 through the importer's mapping",
			      iy.rqes[5].len, 0x5a5a1234);
		iy.rqes[6].len = 0x0f0f4321;
		ok &= check_eq("entry 6 through the exporter's mapping",
			       in.rqes[6].len, 0x0f0f4321);
	}
	result(ok, "IMPORT: mmap(importing ring, 0x30000000 + (0 << 16)) maps the same refill region as the exporter's");
	ret = mmap(NULL, page_size, PROT_READ, MAP_SHARED, y.ring_fd,
		   ZCRX_REGION_OFF(1)) == MAP_FAILED ? -errno : 0;
	result(ret < 0, "IMPORT: the importing ring has no region at an id it lacks (%s)",
	       ERRNAME(ret));
	result(!flush_rq(y.ring_fd, iy.id) && !flush_rq(z.ring_fd, 1),
	       "IMPORT: FLUSH_RQ through the importing rings' own ids: 0");

	/* lifetime: every user keeps the queue bound, the last unbinds it */
	src = in;
	io_uring_queue_exit(&exp_ring);
	inst_unmap(&in);
	ret = queue_free();
	expect("the exporting ring closed first: the queue stays bound for the importers, another registration",
	       ret, EEXIST);
	io_uring_queue_exit(&y);
	io_uring_queue_exit(&z);
	inst_unmap(&iy);
	inst_unmap(&nd);
	ret = queue_free();
	expect("every ring closed, the export fd left: the queue stays bound, another registration",
	       ret, EEXIST);
	ring_open(&v, RING_FLAGS);
	ret = inst_import(v.ring_fd, &iv, efd, &src);
	result(!ret, "the export fd outlives the exporting ring: a new ring imports from it (%s)",
	       ERRNAME(ret));
	io_uring_queue_exit(&v);
	iv.area = NULL;
	inst_unmap(&iv);
	close(efd);
	ret = queue_free();
	expect("the last user, the export fd, closed: the queue binds again right after close()",
	       ret, 0);
}

/* ARM_EVENT */

static void test_arm_rules(void)
{
	struct zcrx_event_desc both = { .user_data = EV_USER_DATA,
					.type_mask = 3 };
	struct zcrx_event_desc copy_only = { .user_data = EV_USER_DATA,
					     .type_mask = 1 << ZCRX_EVENT_COPY };
	struct io_uring ring;
	struct inst n1, n2, n3;
	struct zcrx_ctrl c = { 0 };
	struct conn conn;
	struct rx rx;
	pid_t tx_pid;
	int fd, tx;

	ring_open(&ring, RING_FLAGS);
	nodev_inst(&ring, &n1, 64, 64, &both);
	nodev_inst(&ring, &n2, 4, 64, &copy_only);
	nodev_inst(&ring, &n3, 4, 64, NULL);
	fd = ring.ring_fd;

	c.zc_arm_event.event_type = 2;
	expect("ARM_EVENT: event_type 2", ctrl(fd, n1.id, ZCRX_CTRL_ARM_EVENT, &c),
	       EINVAL);
	c.zc_arm_event.event_type = UINT32_MAX;
	expect("ARM_EVENT: event_type 0xffffffff",
	       ctrl(fd, n1.id, ZCRX_CTRL_ARM_EVENT, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	c.zc_arm_event.__resv[0] = 1;
	expect("ARM_EVENT: zc_arm_event.__resv[0] non-zero",
	       ctrl(fd, n1.id, ZCRX_CTRL_ARM_EVENT, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	c.zc_arm_event.__resv[10] = 1;
	expect("ARM_EVENT: zc_arm_event.__resv[10] non-zero",
	       ctrl(fd, n1.id, ZCRX_CTRL_ARM_EVENT, &c), EINVAL);
	expect("ARM_EVENT: ALLOC_FAIL, armed since registration (never fired)",
	       arm_event(fd, n1.id, ZCRX_EVENT_ALLOC_FAIL), EINVAL);
	expect("ARM_EVENT: COPY, armed since registration (never fired)",
	       arm_event(fd, n1.id, ZCRX_EVENT_COPY), EINVAL);
	expect("ARM_EVENT: ALLOC_FAIL, not in the instance's type_mask",
	       arm_event(fd, n2.id, ZCRX_EVENT_ALLOC_FAIL), EINVAL);
	expect("ARM_EVENT: COPY on an instance without event_desc",
	       arm_event(fd, n3.id, ZCRX_EVENT_COPY), EINVAL);

	/* COPY fires on a copied flow; then it can be re-armed, once */
	rx_init(&rx, &ring, &n1, &conn, 1);
	tcp_pair(&conn.fd, &tx);
	tx_pid = send_fd(tx, 64 << 10);
	rx_arm(&rx, 0);
	while (!rx.events[ZCRX_EVENT_COPY] && rx_wait(&rx, WAIT_MS))
		flush_rq(fd, n1.id);
	result(rx.events[ZCRX_EVENT_COPY] == 1,
	       "ARM_EVENT: COPY fired on data over lo (%u event CQEs)",
	       rx.events[ZCRX_EVENT_COPY]);
	expect("ARM_EVENT: COPY after it fired", arm_event(fd, n1.id,
							   ZCRX_EVENT_COPY), 0);
	expect("ARM_EVENT: COPY again, not fired since",
	       arm_event(fd, n1.id, ZCRX_EVENT_COPY), EINVAL);
	close(conn.fd);
	reap_child(tx_pid);
	rx_process(&rx);
	rx_free(&rx);
	io_uring_queue_exit(&ring);
	inst_unmap(&n1);
	inst_unmap(&n2);
	inst_unmap(&n3);
}

static void mode_ctrl(void)
{
	ksft_set_plan(89);
	test_envelope();
	test_flush_rules();
	test_flush_device();
	test_flush_nodev();
	test_export();
	test_import_rules();
	test_import();
	test_arm_rules();
}

/* share: one instance, two rings in two processes (ABI §7, §8) */

/* Between the exporting process and the importing child */
struct share_state {
	pthread_spinlock_t lock;	/* the refill ring's producers */
	int imported;			/* the child's IMPORT */
	uint32_t id;			/* and the id it got */
	bool mapped;			/* its mapping of the refill region */
	int exporter_gone;		/* parent: its ring is closed */
	int ready2;			/* child: phase 1 done, phase 2 may come */
	bool ok1, ok2;			/* child: its streams of phase 1 and 2 */
	long long zc_before2, zc_after2;	/* child: fdinfo zc_bytes */
	long long copy_bytes;		/* child: fdinfo copy_bytes at the end */
	uint64_t stats_bytes;		/* child: zcrx_stats.copy_bytes */
	unsigned long pushed;		/* child: refill entries it wrote */
	size_t left;			/* child: buffers it could not return */
	int closed;			/* child: its ring closed, the last user */
};

static bool wait_flag(volatile int *flag, int ms)
{
	long end = now_ms() + ms;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (now_ms() > end)
			return false;
		usleep(2000);
	}
	return true;
}

static void set_flag(int *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

/*
 * The importing process: its own ring imports the instance, maps the
 * refill region through it and receives CONNS streams on PORT2 while the
 * exporter receives its own on PORT, then CONNS more once the exporter's
 * ring is gone. Both produce into the one refill ring under st->lock.
 */
static void share_child(struct share_state *st, struct io_uring *exp_ring,
			struct inst *src, int efd, int conns, uint64_t bytes)
{
	struct conn c1[8], c2[8];
	struct io_uring ring;
	struct rx rx1, rx2;
	struct inst in;
	int lfd;

	/* nothing of the exporter's ring may stay open here */
	munmap(src->region, src->region_len);
	io_uring_queue_exit(exp_ring);

	ring_open(&ring, RING_FLAGS);
	st->imported = inst_import(ring.ring_fd, &in, efd, src);
	close(efd);
	if (st->imported)
		_exit(1);
	st->id = in.id;
	st->mapped = in.region;
	if (!in.region)
		_exit(1);
	in.lock = &st->lock;
	lfd = listen_on(cfg.port2);

	rx_init(&rx1, &ring, &in, c1, conns);
	st->ok1 = rx_run(&rx1, lfd, 30000) && rx_ok(&rx1, bytes);
	rx_close(&rx1);

	/* the second phase comes once the exporter is gone */
	if (!wait_flag(&st->exporter_gone, 120000))
		_exit(1);
	rx_process(&rx1);
	st->zc_before2 = fdinfo_counter(ring.ring_fd, in.id, "zc_bytes");
	set_flag(&st->ready2);
	rx_init(&rx2, &ring, &in, c2, conns);
	st->ok2 = rx_run(&rx2, lfd, 30000) && rx_ok(&rx2, bytes);
	rx_close(&rx2);
	st->zc_after2 = fdinfo_counter(ring.ring_fd, in.id, "zc_bytes");
	st->copy_bytes = fdinfo_counter(ring.ring_fd, in.id, "copy_bytes");
	st->stats_bytes = in.stats ? in.stats->copy_bytes : UINT64_MAX;
	st->left = rx_give_back(&rx1) + rx_give_back(&rx2);
	st->pushed = in.pushed;
	close(lfd);
	rx_free(&rx1);
	rx_free(&rx2);
	/* the last user: this unbinds the queue */
	io_uring_queue_exit(&ring);
	set_flag(&st->closed);
	fflush(stdout);
	_exit(0);
}

static void mode_share(void)
{
	const int conns = 2;
	uint64_t bytes = debug_kernel ? 2 << 20 : 8 << 20;
	struct share_state *st = xmap_shared(page_size);
	struct zcrx_event_desc ev = { .flags = ZCRX_EVENT_DESC_FLAG_STATS };
	struct inst_opts o = { .queue = cfg.queue, .area_pages = 4096,
			       .rq_entries = 4096, .shared_area = true,
			       .ev = &ev };
	struct io_uring ring;
	struct conn c[8];
	struct inst in;
	struct rx rx;
	pid_t child, tx1, tx2, tx3;
	int efd, lfd, ret, status;
	long long copy_bytes;
	uint64_t stats_bytes;
	size_t left;
	bool ok;

	ksft_set_plan(9);
	if (debug_kernel)
		ksft_print_msg("reduced volume on the debug kernel: bytes %d -> %llu\n",
			       8 << 20, (unsigned long long)bytes);
	pthread_spin_init(&st->lock, PTHREAD_PROCESS_SHARED);
	st->imported = CHILD_DIED;
	/* zero-copy or not: the copy statistics behind the refill ring */
	ev.stats_offset = 128 + o.rq_entries * sizeof(struct io_uring_zcrx_rqe);
	o.region_size = io_uring_zcrx_rq_region_size(o.rq_entries);
	if (o.region_size < ev.stats_offset + sizeof(struct zcrx_stats))
		o.region_size += page_size;

	ring_open(&ring, RING_FLAGS);
	must_register(&ring, &in, &o);
	in.lock = &st->lock;
	efd = export(ring.ring_fd, in.id);
	if (efd < 0)
		ksft_exit_fail_msg("EXPORT: %s\n", ERRNAME(efd));
	lfd = listen_on(cfg.port);

	fflush(stdout);
	child = fork();
	if (child < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!child) {
		close(lfd);
		share_child(st, &ring, &in, efd, conns, bytes);
	}
	/* the export fd stays a user only until the child imported */
	while (__atomic_load_n(&st->imported, __ATOMIC_ACQUIRE) == CHILD_DIED) {
		if (waitpid(child, &status, WNOHANG) == child)
			ksft_exit_fail_msg("the importing child ended first\n");
		usleep(2000);
	}
	close(efd);
	result(!st->imported && st->mapped,
	       "another process imports the instance into its ring (%s, zcrx_id %u) and maps the refill region through it",
	       ERRNAME(st->imported), st->id);

	/* phase 1: two receivers, each its own connections, at once */
	tx1 = send_streams(cfg.port, conns, bytes);
	tx2 = send_streams(cfg.port2, conns, bytes);
	rx_init(&rx, &ring, &in, c, conns);
	ok = rx_run(&rx, lfd, 30000) && rx_ok(&rx, bytes);
	ok &= !reap_child(tx1);
	result(ok, "exporter: %d x %llu bytes on port %d, verified, while the importer receives on port %d",
	       conns, (unsigned long long)bytes, cfg.port, cfg.port2);
	rx_close(&rx);
	close(lfd);
	left = rx_give_back(&rx);
	copy_bytes = fdinfo_counter(ring.ring_fd, in.id, "copy_bytes");
	stats_bytes = in.stats->copy_bytes;
	ksft_print_msg("exporter: %lu refill entries written, %zu buffers kept for want of room, copy_bytes %lld, stats copy_bytes %llu\n",
		       in.pushed, left, copy_bytes,
		       (unsigned long long)stats_bytes);

	/* the exporting ring goes first */
	munmap(in.region, in.region_len);
	in.region = NULL;
	io_uring_queue_exit(&ring);
	ret = queue_free();
	expect("the exporting ring closed first: the importer keeps the queue bound, another registration",
	       ret, EEXIST);
	set_flag(&st->exporter_gone);
	result(!reap_child(tx2) && wait_flag(&st->ready2, 120000) && st->ok1,
	       "importer: %d x %llu bytes on port %d at the same time, verified",
	       conns, (unsigned long long)bytes, cfg.port2);

	/* phase 2: the importer alone */
	tx3 = send_streams(cfg.port2, conns, bytes);
	ok = !reap_child(tx3);
	ok &= wait_flag(&st->closed, 120000);
	waitpid(child, &status, 0);
	ok &= st->ok2;
	result(ok, "importer: %d x %llu bytes more on port %d after the exporting ring is gone, verified",
	       conns, (unsigned long long)bytes, cfg.port2);
	ksft_print_msg("importer: %lu refill entries written, %zu kept; zc_bytes %lld -> %lld in phase 2, copy_bytes %lld, stats copy_bytes %llu\n",
		       st->pushed, st->left, st->zc_before2, st->zc_after2,
		       st->copy_bytes, (unsigned long long)st->stats_bytes);
	result(st->zc_after2 - st->zc_before2 == (long long)(conns * bytes),
	       "importer: phase 2 zero-copy: fdinfo zc_bytes grew by exactly %llu",
	       (unsigned long long)(conns * bytes));
	result(in.pushed > 0 && st->pushed > 0 && !copy_bytes &&
	       !stats_bytes && !st->copy_bytes && !st->stats_bytes,
	       "one refill ring, written by both processes under one lock: both returned buffers, nothing copied (fdinfo and stats copy_bytes 0)");
	result(WIFEXITED(status) && !WEXITSTATUS(status) &&
	       !pthread_spin_trylock(&st->lock),
	       "importer: exits cleanly, the refill ring's lock free");
	ret = queue_free();
	expect("the importing ring, the last user, closed: the queue binds again right after",
	       ret, 0);
	rx_free(&rx);
	inst_unmap(&in);
	munmap(st, page_size);
}

/* nodev: instances without a device (ABI §8) */

/* A NODEV registration from @o with @mutate applied: its errno */
static int nodev_try(void (*mutate)(struct io_uring_zcrx_ifq_reg *reg,
				    struct io_uring_zcrx_area_reg *area,
				    struct io_uring_region_desc *rd),
		     unsigned int ring_flags, struct io_uring_zcrx_ifq_reg *out)
{
	struct io_uring_zcrx_area_reg area = { 0 };
	struct io_uring_region_desc rd = {
		.size = io_uring_zcrx_rq_region_size(100),
	};
	struct io_uring_zcrx_ifq_reg reg = {
		.flags = ZCRX_REG_NODEV, .rq_entries = 100,
		.area_ptr = (uintptr_t)&area, .region_ptr = (uintptr_t)&rd,
	};
	size_t len = 16 * page_size;
	void *mem = xmap(len, PROT_READ | PROT_WRITE);
	struct io_uring ring;
	int ret;

	/* the ring first: its mappings must not land where a case unmapped */
	ring_open(&ring, ring_flags ?: RING_FLAGS);
	area.addr = (uintptr_t)mem;
	area.len = len;
	if (mutate)
		mutate(&reg, &area, &rd);
	ret = sys_register(ring.ring_fd, IORING_REGISTER_ZCRX_IFQ, &reg, 1);
	if (out) {
		*out = reg;
		out->__resv[0] = area.rq_area_token;
		out->__resv[1] = rd.mmap_offset;
	}
	io_uring_queue_exit(&ring);
	munmap(mem, len);
	return ret;
}

#define NODEV_MUTATOR(name, body)					\
static void name(struct io_uring_zcrx_ifq_reg *reg,			\
		 struct io_uring_zcrx_area_reg *area,			\
		 struct io_uring_region_desc *rd)			\
{									\
	(void)reg; (void)area; (void)rd;				\
	body;								\
}

NODEV_MUTATOR(buf_page, reg->rx_buf_len = page_size)
NODEV_MUTATOR(buf_2_pages, reg->rx_buf_len = 2 * page_size)
NODEV_MUTATOR(buf_3_pages, reg->rx_buf_len = 3 * page_size)
NODEV_MUTATOR(buf_half_page, reg->rx_buf_len = page_size / 2)
NODEV_MUTATOR(if_idx_dev, reg->if_idx = cfg.ifindex ?: 1)
NODEV_MUTATOR(if_idx_lo, reg->if_idx = 1)
NODEV_MUTATOR(if_rxq_1, reg->if_rxq = 1)
NODEV_MUTATOR(if_rxq_all, reg->if_rxq = UINT32_MAX)
NODEV_MUTATOR(area_dmabuf, area->flags = IORING_ZCRX_AREA_DMABUF;
	      area->addr = 0; area->dmabuf_fd = STDOUT_FILENO)
NODEV_MUTATOR(no_area, reg->area_ptr = 0)
NODEV_MUTATOR(area_len_0, area->len = 0)
NODEV_MUTATOR(area_read_only, mprotect((void *)(uintptr_t)area->addr,
				       area->len, PROT_READ))
NODEV_MUTATOR(region_unmapped,
	      reg->if_idx = 1; reg->region_ptr = (uintptr_t)unmapped_address())
NODEV_MUTATOR(if_idx_area_unmapped,
	      reg->if_idx = 1; reg->area_ptr = (uintptr_t)unmapped_address())
NODEV_MUTATOR(dmabuf_buf_2_pages, area->flags = IORING_ZCRX_AREA_DMABUF;
	      area->addr = 0; area->dmabuf_fd = STDOUT_FILENO;
	      reg->rx_buf_len = 2 * page_size)

static void child_nodev_no_cap(int32_t *res, const void *arg)
{
	if (drop_effective_cap(CAP_NET_ADMIN))
		return;
	res[0] = nodev_try(NULL, 0, NULL);
	res[1] = nodev_try(NULL, IORING_SETUP_SINGLE_ISSUER |
			   IORING_SETUP_CQE32, NULL);
}

static void test_nodev_rules(void)
{
	struct io_uring_zcrx_ifq_reg out;
	int32_t res[2];
	int ret;

	ret = nodev_try(NULL, 0, &out);
	result(!ret && out.zcrx_id == 0 && out.rq_entries == 128 &&
	       out.rx_buf_len == page_size && out.__resv[0] == 0 &&
	       out.__resv[1] == ZCRX_REGION_OFF(0) &&
	       out.offsets.rqes == 128,
	       "NODEV, if_idx and if_rxq 0: registered (%s), zcrx_id 0, rq_entries 100 -> %u, rx_buf_len 0 -> %u, token 0, region at %#llx",
	       ERRNAME(ret), out.rq_entries, out.rx_buf_len,
	       (unsigned long long)out.__resv[1]);
	ret = nodev_try(buf_page, 0, &out);
	result(!ret && out.rx_buf_len == page_size,
	       "NODEV, rx_buf_len the page size: registered (%s), %u written back",
	       ERRNAME(ret), out.rx_buf_len);
	expect("NODEV, rx_buf_len 2 pages", nodev_try(buf_2_pages, 0, NULL),
	       EOPNOTSUPP);
	expect("NODEV, rx_buf_len 3 pages, not a power of two",
	       nodev_try(buf_3_pages, 0, NULL), EINVAL);
	expect("NODEV, rx_buf_len half a page",
	       nodev_try(buf_half_page, 0, NULL), EINVAL);
	expect("NODEV with if_idx of a device", nodev_try(if_idx_dev, 0, NULL),
	       EINVAL);
	expect("NODEV with if_idx 1 (lo)", nodev_try(if_idx_lo, 0, NULL),
	       EINVAL);
	expect("NODEV with if_rxq 1", nodev_try(if_rxq_1, 0, NULL), EINVAL);
	expect("NODEV with if_rxq 0xffffffff", nodev_try(if_rxq_all, 0, NULL),
	       EINVAL);
	expect("NODEV with a dma-buf area", nodev_try(area_dmabuf, 0, NULL),
	       EINVAL);
	expect("NODEV without an area (area_ptr 0)",
	       nodev_try(no_area, 0, NULL), EFAULT);
	expect("NODEV with an area of length 0", nodev_try(area_len_0, 0, NULL),
	       EFAULT);
	expect("NODEV with an area mapped read-only (the kernel writes it)",
	       nodev_try(area_read_only, 0, NULL), EFAULT);
	expect("NODEV on a ring without IORING_SETUP_DEFER_TASKRUN",
	       nodev_try(NULL, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
			 NULL), EINVAL);
	in_child(child_nodev_no_cap, NULL, res, 2);
	expect("NODEV without CAP_NET_ADMIN", res[0], EPERM);
	expect("order: NODEV without CAP_NET_ADMIN, ring without IORING_SETUP_DEFER_TASKRUN",
	       res[1], EPERM);
	expect("order: NODEV region_ptr unmapped, if_idx set (the region is read first)",
	       nodev_try(region_unmapped, 0, NULL), EFAULT);
	expect("order: NODEV if_idx set, area_ptr unmapped (if_idx checked first)",
	       nodev_try(if_idx_area_unmapped, 0, NULL), EINVAL);
	expect("order: NODEV dma-buf area, rx_buf_len 2 pages (the area first)",
	       nodev_try(dmabuf_buf_2_pages, 0, NULL), EINVAL);
}

/*
 * Receive every connection of @rx to its end on a NODEV instance. Only
 * FLUSH_RQ consumes the refill ring: every batch of completions is
 * followed by one, and a request that ran the area dry anyway (-ENOMEM)
 * by a new request.
 */
static bool rx_run_nodev(struct rx *rx, int idle_ms)
{
	int i;

	for (;;) {
		rx_give_back(rx);
		flush_rq(rx->in->ring_fd, rx->in->id);
		rx_give_back(rx);
		for (i = 0; i < rx->n; i++)
			if (!rx->c[i].armed && !rx->c[i].done)
				rx_arm(rx, i);
		if (rx_all_done(rx))
			return true;
		if (!rx_wait(rx, idle_ms))
			return false;
	}
}

/*
 * An area of 16 buffers and data waiting: a request takes all 16 and ends
 * with -ENOMEM. The 16 returned through the refill ring stay there: the
 * next request ends with -ENOMEM at once and head does not move, until
 * FLUSH_RQ; then the next request gets 16 more. ALLOC_FAIL, asked for,
 * never fires.
 */
static void test_nodev_dry(void)
{
	struct zcrx_event_desc ev = { .user_data = EV_USER_DATA,
				      .type_mask = 3 };
	const unsigned int nbufs = 16;
	struct io_uring ring;
	struct inst in;
	struct conn c;
	struct rx rx;
	uint32_t head, head2;
	unsigned int n, n2, i;
	pid_t tx_pid;
	int tx, res, res2;
	bool ok;

	ring_open(&ring, RING_FLAGS);
	nodev_inst(&ring, &in, nbufs, 64, &ev);
	rx_init(&rx, &ring, &in, &c, 1);
	rx.hold = true;
	tcp_pair(&c.fd, &tx);
	tx_pid = send_fd(tx, 64 << 20);

	n = take(&rx, &res);
	result(n == nbufs && res == -ENOMEM,
	       "NODEV: a request on more data than the area holds gets its %u buffers (%u), then -ENOMEM (%s)",
	       nbufs, n, ERRNAME(res));
	for (i = 0; i < nbufs; i++) {
		struct held h = pop_held(&rx);

		rq_push(&in, h.off, h.len);
	}
	head = rq_head(&in);
	n = take(&rx, &res);
	usleep(200000);
	n2 = take(&rx, &res2);
	head2 = rq_head(&in);
	ok = check_eq("CQEs", n + n2, 0) && check_eq("res", res, -ENOMEM) &&
	     check_eq("res", res2, -ENOMEM) && check_eq("head", head2, head);
	result(ok, "NODEV: %u buffers returned through the refill ring, no FLUSH_RQ: two requests end with -ENOMEM at once, head stays at %u",
	       nbufs, head2);
	ok = check_eq("FLUSH_RQ", flush_rq(ring.ring_fd, in.id), 0) &&
	     check_eq("head", rq_head(&in), head + nbufs);
	n = take(&rx, &res);
	result(ok && n == nbufs && res == -ENOMEM,
	       "NODEV: FLUSH_RQ consumes them (head +%u); the next request gets %u buffers again, then -ENOMEM",
	       rq_head(&in) - head, n);
	rx_poll(&rx);
	result(!rx.events[ZCRX_EVENT_ALLOC_FAIL] &&
	       rx.events[ZCRX_EVENT_COPY] == 1 && !rx.ev_bad &&
	       arm_event(ring.ring_fd, in.id, ZCRX_EVENT_ALLOC_FAIL) == -EINVAL,
	       "NODEV: ALLOC_FAIL asked for never fires though the area ran dry three times (ARM_EVENT: still armed); COPY fired once (%u, %u)",
	       rx.events[ZCRX_EVENT_ALLOC_FAIL], rx.events[ZCRX_EVENT_COPY]);
	close(c.fd);
	reap_child(tx_pid);
	rx_free(&rx);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/*
 * A stream of @bytes over lo (@lfd -1) or from the peer to cfg.port2
 * (@lfd its listener) into a NODEV instance of 1024 buffers: every byte
 * copied and verified. The receiver keeps up, so TCP has no reason to
 * collapse the queue into linear skbs: the NIC flow's payload stays in
 * frags (header split), and every byte of it counts in the statistics.
 */
static bool nodev_stream(int lfd, uint64_t bytes, const char *what,
			 uint32_t type_mask)
{
	struct zcrx_event_desc ev = { .user_data = EV_USER_DATA,
				      .type_mask = type_mask,
				      .flags = ZCRX_EVENT_DESC_FLAG_STATS,
				      .stats_offset = 128 + 64 * 16 };
	struct io_uring ring;
	struct inst in;
	struct conn c;
	struct rx rx;
	pid_t tx_pid;
	long long copy_bytes, zc_bytes;
	unsigned int enomem;
	int tx;
	bool ok;

	ring_open(&ring, RING_FLAGS);
	nodev_inst(&ring, &in, 1024, 64, &ev);
	rx_init(&rx, &ring, &in, &c, 1);
	if (lfd < 0) {
		tcp_pair(&c.fd, &tx);
		tx_pid = send_fd(tx, bytes);
	} else {
		tx_pid = send_streams(cfg.port2, 1, bytes);
		c.fd = accept_within(lfd, WAIT_MS);
	}
	ok = c.fd >= 0 && rx_run_nodev(&rx, WAIT_MS) && rx_ok(&rx, bytes) &&
	     !reap_child(tx_pid);
	rx_poll(&rx);
	copy_bytes = fdinfo_counter(ring.ring_fd, in.id, "copy_bytes");
	zc_bytes = fdinfo_counter(ring.ring_fd, in.id, "zc_bytes");
	enomem = c.enomem;
	ksft_print_msg("%s: %u CQEs, %u requests ran the area dry, fdinfo zc_bytes %lld copy_bytes %lld, stats %llu pieces %llu bytes, events %u/%u\n",
		       what, rx.data_cqes, enomem, zc_bytes, copy_bytes,
		       (unsigned long long)in.stats->copy_count,
		       (unsigned long long)in.stats->copy_bytes,
		       rx.events[0], rx.events[1]);
	ok &= check_eq("copy_bytes", copy_bytes, bytes) &&
	      check_eq("zc_bytes", zc_bytes, 0) &&
	      check_eq("CQEs not at a buffer's start", rx.mid_buf, 0) &&
	      check_eq("CQEs over a page", rx.big, 0);
	result(ok, "NODEV: %llu bytes %s, every byte copied (fdinfo copy_bytes), a buffer each and at most a page per CQE, verified",
	       (unsigned long long)bytes, what);
	if (lfd >= 0)
		result(check_eq("stats copy_bytes", in.stats->copy_bytes, bytes) &&
		       check("stats copy_count", in.stats->copy_count > 0 &&
			     in.stats->copy_count <= rx.data_cqes),
		       "NODEV: stats count the stream's payload exactly: copy_bytes %llu, copy_count %llu (at most one per CQE)",
		       (unsigned long long)in.stats->copy_bytes,
		       (unsigned long long)in.stats->copy_count);
	if (type_mask)
		result(!rx.events[ZCRX_EVENT_ALLOC_FAIL] &&
		       rx.events[ZCRX_EVENT_COPY] == 1,
		       "NODEV, %s: COPY fired once, ALLOC_FAIL never (%u dry areas)",
		       what, enomem);
	else
		result(!rx.events[0] && !rx.events[1] && !rx.stray,
		       "NODEV, %s, type_mask 0: no event CQE", what);
	rx_close(&rx);
	rx_free(&rx);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
	return ok;
}

static void mode_nodev(void)
{
	uint64_t bytes = MSS_MULTIPLE(debug_kernel ? 2 << 20 : 8 << 20);
	int lfd;

	ksft_set_plan(28);
	if (debug_kernel)
		ksft_print_msg("reduced volume on the debug kernel: bytes %llu -> %llu\n",
			       (unsigned long long)MSS_MULTIPLE(8 << 20),
			       (unsigned long long)bytes);
	test_nodev_rules();
	test_nodev_dry();
	nodev_stream(-1, bytes, "over lo", 3);
	lfd = listen_on(cfg.port2);
	nodev_stream(lfd, bytes, "from the peer over the NIC (a queue without provider)",
		     3);
	close(lfd);
}

/* events: ALLOC_FAIL, COPY, statistics (ABI §9) */

/* The NIC's failed buffer allocations on cfg.queue (ethtool -S), or -1 */
static long nic_alloc_fail(void)
{
	char ifname[IF_NAMESIZE], cmd[64], key[32], line[256];
	long val = -1, v;
	FILE *f;

	if (!if_indextoname(cfg.ifindex, ifname))
		return -1;
	snprintf(cmd, sizeof(cmd), "ethtool -S %s 2>/dev/null", ifname);
	snprintf(key, sizeof(key), "rx%u_alloc_fail:", cfg.queue);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[64];

		if (sscanf(line, " %63s %ld", name, &v) == 2 &&
		    !strcmp(name, key))
			val = v;
	}
	pclose(f);
	return val;
}

/* Handle completions for @ms, whatever comes */
static void rx_for(struct rx *rx, int ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end)
		rx_wait(rx, 50);
}

/*
 * The queue starves: a receiver that keeps every buffer of a stream to
 * the steered queue. The area (1024 buffers) is twice what the NIC's rx
 * ring holds, so the queue runs dry once the user holds about half of
 * it, and stays dry: the NIC keeps trying to refill, and the stream
 * stalls. ALLOC_FAIL fires once, then not again until re-armed.
 */
static void test_alloc_fail(uint64_t bytes)
{
	struct zcrx_event_desc ev = { .user_data = EV_USER_DATA,
				      .type_mask = 3 };
	struct io_uring ring;
	struct inst in;
	struct conn c;
	struct rx rx;
	long fails0, fails1, t;
	size_t held;
	pid_t tx;
	int lfd, ret;

	ring_open(&ring, RING_FLAGS);
	dev_inst(&ring, &in, 1024, 1024, &ev);
	rx_init(&rx, &ring, &in, &c, 1);
	rx.hold = true;
	lfd = listen_on(cfg.port);
	rx_for(&rx, 300);
	result(!rx.events[0] && !rx.events[1] && !rx.ev_bad && !rx.stray,
	       "ALLOC_FAIL: bound, the area twice the NIC's ring, no traffic: no event in 0.3 s");

	tx = send_streams(cfg.port, 1, bytes);
	c.fd = accept_within(lfd, WAIT_MS);
	if (c.fd < 0)
		ksft_exit_fail_msg("no connection on %d\n", cfg.port);
	rx_arm(&rx, 0);
	t = now_ms();
	while (!rx.events[ZCRX_EVENT_ALLOC_FAIL] && now_ms() - t < 60000)
		rx_wait(&rx, 100);
	held = rx.nheld;
	result(rx.events[ZCRX_EVENT_ALLOC_FAIL] == 1 && !rx.ev_bad &&
	       !rx.stray,
	       "ALLOC_FAIL fires when the queue starves (the user holds %zu of 1024 buffers): user_data the descriptor's, res 0, flags 0, big half 0",
	       held);

	fails0 = nic_alloc_fail();
	rx_for(&rx, 1500);
	fails1 = nic_alloc_fail();
	ksft_print_msg("the NIC's failed refills on queue %u: %ld -> %ld in 1.5 s; buffers held %zu\n",
		       cfg.queue, fails0, fails1, rx.nheld);
	result(rx.events[ZCRX_EVENT_ALLOC_FAIL] == 1 && fails1 > fails0,
	       "ALLOC_FAIL fires once: no second event in 1.5 s of starvation, %ld more failed refills",
	       fails1 - fails0);

	ret = arm_event(ring.ring_fd, in.id, ZCRX_EVENT_ALLOC_FAIL);
	t = now_ms();
	while (rx.events[ZCRX_EVENT_ALLOC_FAIL] < 2 && now_ms() - t < 30000)
		rx_wait(&rx, 100);
	result(!ret && rx.events[ZCRX_EVENT_ALLOC_FAIL] == 2,
	       "ARM_EVENT(ALLOC_FAIL) after it fired: %s, and it fires again while the queue still starves (%u events)",
	       ERRNAME(ret), rx.events[ZCRX_EVENT_ALLOC_FAIL]);

	rx.hold = false;
	rx_give_back(&rx);
	result(rx_run(&rx, -1, 30000) && rx_ok(&rx, bytes) && !reap_child(tx) &&
	       !rx.events[ZCRX_EVENT_COPY] &&
	       !fdinfo_counter(ring.ring_fd, in.id, "copy_bytes"),
	       "the buffers returned, the stream recovers: %llu bytes verified, zero-copy (no COPY event, copy_bytes 0)",
	       (unsigned long long)bytes);
	close(lfd);
	rx_close(&rx);
	rx_free(&rx);
	munmap(in.region, in.region_len);
	in.region = NULL;
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/* One stream from the peer to cfg.port2 into connection @i of @rx */
static bool copied_flow(struct rx *rx, int lfd, int i, uint64_t bytes)
{
	pid_t tx = send_streams(cfg.port2, 1, bytes);
	struct conn *c = &rx->c[i];

	c->fd = accept_within(lfd, WAIT_MS);
	if (c->fd < 0)
		return false;
	rx_arm(rx, i);
	while (!c->done && rx_wait(rx, WAIT_MS))
		;
	rx_poll(rx);
	return c->done && !c->res && c->bytes == bytes && !c->bad &&
	       !reap_child(tx);
}

/*
 * Flows from the peer to cfg.port2, which lands on a queue without a
 * provider: read with the device instance, every payload byte is copied
 * out of the frags header split put it in, and counted.
 */
static void test_copy(uint64_t bytes)
{
	struct zcrx_event_desc ev = { .user_data = EV_USER_DATA,
				      .type_mask = 3,
				      .flags = ZCRX_EVENT_DESC_FLAG_STATS };
	struct inst_opts o = { .queue = cfg.queue, .area_pages = 4096,
			       .rq_entries = 1024, .user_region = true,
			       .region_fill = 0xff, .ev = &ev };
	struct io_uring ring;
	struct inst in;
	struct conn c[3];
	struct rx rx;
	uint64_t cqes;
	int lfd, ret;
	bool ok;

	ev.stats_offset = 128 + o.rq_entries * sizeof(struct io_uring_zcrx_rqe);
	o.region_size = io_uring_zcrx_rq_region_size(o.rq_entries) + page_size;
	ring_open(&ring, RING_FLAGS);
	must_register(&ring, &in, &o);
	result(!in.stats->copy_count && !in.stats->copy_bytes,
	       "stats at offset %llu of a user region filled with 0xff: zeroed at registration",
	       (unsigned long long)ev.stats_offset);

	rx_init(&rx, &ring, &in, c, 3);
	lfd = listen_on(cfg.port2);
	ok = copied_flow(&rx, lfd, 0, bytes);
	cqes = rx.data_cqes;
	ksft_print_msg("flow 1: %u CQEs, stats %llu pieces %llu bytes, fdinfo copy_bytes %lld zc_bytes %lld\n",
		       rx.data_cqes, (unsigned long long)in.stats->copy_count,
		       (unsigned long long)in.stats->copy_bytes,
		       fdinfo_counter(ring.ring_fd, in.id, "copy_bytes"),
		       fdinfo_counter(ring.ring_fd, in.id, "zc_bytes"));
	result(ok && rx.events[ZCRX_EVENT_COPY] == 1 &&
	       !rx.events[ZCRX_EVENT_ALLOC_FAIL] && !rx.ev_bad && !rx.stray,
	       "COPY fires on a flow copied from another queue: one event CQE, user_data the descriptor's, res 1, flags 0, big half 0");
	result(check_eq("stats copy_bytes", in.stats->copy_bytes, bytes) &&
	       check_eq("fdinfo copy_bytes",
			fdinfo_counter(ring.ring_fd, in.id, "copy_bytes"),
			bytes) &&
	       check("copy_count", in.stats->copy_count >= 1 &&
		     in.stats->copy_count <= cqes),
	       "stats count that flow exactly: copy_bytes %llu, copy_count %llu (one per frag piece, at most one per CQE)",
	       (unsigned long long)bytes,
	       (unsigned long long)in.stats->copy_count);

	ok = copied_flow(&rx, lfd, 1, bytes);
	result(ok && rx.events[ZCRX_EVENT_COPY] == 1 &&
	       check_eq("stats copy_bytes", in.stats->copy_bytes, 2 * bytes),
	       "COPY stays silent for a second copied flow until re-armed; the stats count it (%llu)",
	       (unsigned long long)in.stats->copy_bytes);
	ret = arm_event(ring.ring_fd, in.id, ZCRX_EVENT_COPY);
	ok = copied_flow(&rx, lfd, 2, bytes);
	result(!ret && ok && rx.events[ZCRX_EVENT_COPY] == 2 &&
	       check_eq("stats copy_bytes", in.stats->copy_bytes, 3 * bytes),
	       "ARM_EVENT(COPY): %s; the third flow fires it again, stats %llu",
	       ERRNAME(ret), (unsigned long long)in.stats->copy_bytes);
	close(lfd);
	rx_close(&rx);
	rx_free(&rx);
	io_uring_queue_exit(&ring);
	inst_unmap(&in);
}

/* Events go to the ring that registered, never to an importing ring */
static void test_events_importer(uint64_t bytes)
{
	struct zcrx_event_desc ev = { .user_data = EV_USER_DATA,
				      .type_mask = 1 << ZCRX_EVENT_COPY };
	struct io_uring x, y;
	struct inst in, iy;
	struct conn c[2];
	struct rx rx_x, rx_y;
	int efd, lfd, ret;
	bool ok;

	ring_open(&x, RING_FLAGS);
	dev_inst(&x, &in, 4096, 1024, &ev);
	efd = export(x.ring_fd, in.id);
	ring_open(&y, RING_FLAGS);
	ret = efd < 0 ? efd : inst_import(y.ring_fd, &iy, efd, &in);
	if (ret || !iy.region)
		ksft_exit_fail_msg("export and import: %s\n", ERRNAME(ret));
	close(efd);
	rx_init(&rx_x, &x, &in, NULL, 0);
	rx_init(&rx_y, &y, &iy, c, 2);
	lfd = listen_on(cfg.port2);

	ok = copied_flow(&rx_y, lfd, 0, bytes);
	rx_for(&rx_x, 200);
	rx_poll(&rx_y);
	result(ok && rx_x.events[ZCRX_EVENT_COPY] == 1 && !rx_x.stray &&
	       !rx_y.events[0] && !rx_y.events[1] && !rx_y.stray,
	       "a flow copied through the importing ring: the COPY event CQE comes on the registering ring (%u), none on the importer (%u)",
	       rx_x.events[ZCRX_EVENT_COPY], rx_y.events[ZCRX_EVENT_COPY]);

	/* re-armed, then the registering ring goes */
	ret = arm_event(x.ring_fd, in.id, ZCRX_EVENT_COPY);
	munmap(in.region, in.region_len);
	in.region = NULL;
	io_uring_queue_exit(&x);
	ok = copied_flow(&rx_y, lfd, 1, bytes);
	rx_for(&rx_y, 200);
	result(!ret && ok && !rx_y.events[0] && !rx_y.events[1] && !rx_y.stray,
	       "COPY re-armed, the registering ring closed: another copied flow through the importer, still no event CQE there");
	close(lfd);
	rx_close(&rx_y);
	rx_free(&rx_x);
	rx_free(&rx_y);
	io_uring_queue_exit(&y);
	iy.area = NULL;
	inst_unmap(&iy);
	inst_unmap(&in);
}

static void mode_events(void)
{
	uint64_t bytes = debug_kernel ? 4 << 20 : 8 << 20;
	/* copied flows: a multiple of the MSS (1448), about 4 MiB */
	uint64_t flow = MSS_MULTIPLE(debug_kernel ? 1 << 20 : 4 << 20);
	int lfd;

	ksft_set_plan(15);
	if (debug_kernel)
		ksft_print_msg("reduced volume on the debug kernel: bytes %d -> %llu, flows %llu -> %llu\n",
			       8 << 20, (unsigned long long)bytes,
			       (unsigned long long)MSS_MULTIPLE(4 << 20),
			       (unsigned long long)flow);
	test_alloc_fail(bytes);
	test_copy(flow);
	lfd = listen_on(cfg.port2);
	nodev_stream(lfd, flow, "from the peer over the NIC (a queue without provider), stats with no event asked for",
		     0);
	close(lfd);
	test_events_importer(flow);
}

/* Command line */

static const struct mode {
	const char *name;
	void (*run)(void);
	const char *args;
	bool dev, peer;		/* needs -i and -q; -P, -n and -a */
} modes[] = {
	{ "query", mode_query, "-i IF -q QUEUE", true, false },
	{ "ctrl", mode_ctrl, "-i IF -q QUEUE", true, false },
	{ "share", mode_share, "-i IF -q QUEUE -p PORT -P PORT2 -n NETNS -a ADDR",
	  true, true },
	{ "nodev", mode_nodev, "-P PORT -n NETNS -a ADDR", false, true },
	{ "events", mode_events, "-i IF -q QUEUE -p PORT -P PORT2 -n NETNS -a ADDR",
	  true, true },
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
	int c, queue = -1, fd = -1, conns = 1;
	uint64_t bytes = 0;
	unsigned int i;
	long start;

	if (argc < 2)
		usage();
	page_size = sysconf(_SC_PAGESIZE);
	debug_kernel = env && !strcmp(env, "1");
	optind = 2;
	while ((c = getopt(argc, argv, "i:q:p:P:n:a:f:c:b:")) != -1) {
		switch (c) {
		case 'f': fd = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'b': bytes = strtoull(optarg, NULL, 0); break;
		case 'i': cfg.ifindex = parse_ifindex(optarg); break;
		case 'q': queue = atoi(optarg); break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'P': cfg.port2 = atoi(optarg); break;
		case 'n': cfg.netns = optarg; break;
		case 'a': cfg.addr = optarg; break;
		default: usage();
		}
	}
	if (!strcmp(argv[1], "send"))
		return sender_main(fd, cfg.port, conns, bytes);
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

	/* a sender child's end of a connection may outlive the reader */
	signal(SIGPIPE, SIG_IGN);
	ksft_print_header();
	start = now_ms();
	modes[i].run();
	ksft_print_msg("%s: %ld ms\n", modes[i].name, now_ms() - start);
	ksft_finished();
}
