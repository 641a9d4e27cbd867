// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_fault: the zcrx control plane under allocation failure. Each call
 * runs once per fault point N = 1, 2, ...: its setup without injection,
 * then /proc/self/task/TID/fail-nth = N (the Nth slab or page allocation
 * of this task fails, see Documentation/fault-injection/), the call, and
 * fail-nth read back: non-zero means the call made fewer than N
 * allocations, so it has N - 1 fault points and the sweep ends. Every
 * iteration must leave a whole result or a clean failure:
 *  - a failure is the injected one (fail-nth reached 0);
 *  - a success wrote back sane values and the instance answers FLUSH_RQ
 *    and shows in the ring's fdinfo, bound to its queue (or NODEV);
 *  - once the rings are closed VmPin is back to where it was, and a
 *    registration on the same queue charging exactly RLIMIT_MEMLOCK (no
 *    CAP_IPC_LOCK here) binds: no charge left and the queue not left
 *    bound. It is closed again before the next iteration.
 *
 *   zcrx_fault -i IF -q QUEUE -n PEER_NETNS -a ADDR -p PORT
 *              -r RESTART_FD -b RX_BUF_LEN_FD [-c CASE]
 *
 * IF has tcp-data-split on, QUEUE is an rx queue of it nothing else uses,
 * TCP to PORT is steered to it, and IF has QUEUE + 1 channels. ADDR is
 * IF's IPv4 address, reachable from the network namespace PEER_NETNS
 * (its name under /var/run/netns). RESTART_FD and RX_BUF_LEN_FD are fds of
 * loopnic's debugfs files restart_queue and rx_buf_len of IF's port,
 * opened by the caller (ip netns exec hides debugfs). One 2 MiB huge page
 * must be free, loopnic's rx_buf_len_cap 1. -c runs one case by name.
 * The caller sets up failslab and fail_page_alloc so that GFP_KERNEL
 * allocations can fail; this program sets its make-it-fail. Prints KTAP,
 * one case per call, with the number of fault points of each.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/udmabuf.h>
#include <linux/io_uring.h>
#include <liburing/zcrx.h>

#include "ktap_cases.h"
#include "pattern.h"

#define RING_FLAGS	(IORING_SETUP_DEFER_TASKRUN | \
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32)
#define RQ_ENTRIES	64
#define AREA_PAGES	16
#define RECV_PAGES	64
#define RECV_BYTES	(16 * 1024)
#define HUGE_PAGE	(2UL << 20)
#define LARGE_BUF	(64 * 1024)
/* a sweep past this many fault points is a runaway */
#define MAX_POINTS	2000
/* how long a closed ring may take to unpin its area, or data to arrive */
#define WAIT_MS		10000
/* reproducers printed per case before it gives up */
#define MAX_BAD		3

static struct {
	unsigned int ifindex;
	unsigned int queue;
	const char *ifname;
	const char *peer_ns;
	const char *addr;
	int port;
	int restart_fd;
	int buf_len_fd;
	const char *only;
} cfg = { .restart_fd = -1, .buf_len_fd = -1 };

static size_t page_size;
/* the channel count the device had when a case started */
static int base_channels;
static int fail_nth_fd;
static int ns_self_fd, ns_peer_fd;

/* Memory made once, pre-faulted: nothing faults it in under injection. */
static struct {
	uint8_t *small, *add, *recv, *verify, *huge;
	size_t verify_pages;
	int memfd, dmabuf_fd;
} mem;

/* One registration's argument and the structs it points to */
struct zreg {
	struct io_uring_zcrx_ifq_reg ifq;
	struct io_uring_zcrx_area_reg area;
	struct io_uring_region_desc rd;
};

/* What an iteration has open: rings, fds, registrations */
struct st {
	struct io_uring a, b;
	bool a_open, b_open;
	struct zreg r, imp;
	struct zcrx_ctrl ctrl;
	int export_fd;
	int fds_before;
	int lfd, rx_fd;
	long pin_before;	/* VmPin before the call */
	int channels;		/* ETHTOOL_GCHANNELS combined before */
	struct io_uring_query_hdr qh[2];
	struct io_uring_query_zcrx qz;
	struct io_uring_query_opcode qo;
};

/* A call under injection and what surrounds it */
struct fcase {
	const char *name;
	long limit;		/* RLIMIT_MEMLOCK pages */
	/*
	 * The setup registers on the queue, charging all of RLIMIT_MEMLOCK:
	 * it fails if an iteration left a charge or the queue bound, so
	 * only the last iteration needs the registration that checks that.
	 */
	bool setup_binds;
	bool (*setup)(struct st *s);
	int (*call)(struct st *s);
	bool (*check)(struct st *s, int ret);
	void (*teardown)(struct st *s);
};

/* Helpers */

static void *xmap(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);
	return p;
}

static void ring_open(struct io_uring *ring, bool *open)
{
	struct io_uring_params p = { .flags = RING_FLAGS };
	int ret = io_uring_queue_init_params(8, ring, &p);

	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init_params: %s\n",
				   strerror(-ret));
	*open = true;
}

static void ring_close(struct io_uring *ring, bool *open)
{
	if (*open)
		io_uring_queue_exit(ring);
	*open = false;
}

static void zreg_user(struct zreg *z, void *addr, size_t len, uint32_t buf_len)
{
	memset(z, 0, sizeof(*z));
	z->area.addr = (uintptr_t)addr;
	z->area.len = len;
	z->rd.size = io_uring_zcrx_rq_region_size(RQ_ENTRIES);
	z->ifq.if_idx = cfg.ifindex;
	z->ifq.if_rxq = cfg.queue;
	z->ifq.rq_entries = RQ_ENTRIES;
	z->ifq.rx_buf_len = buf_len;
	z->ifq.area_ptr = (uintptr_t)&z->area;
	z->ifq.region_ptr = (uintptr_t)&z->rd;
}

static int zreg_register(struct io_uring *ring, struct zreg *z)
{
	return sys_register(ring->ring_fd, IORING_REGISTER_ZCRX_IFQ, &z->ifq, 1);
}

static int zctrl(struct io_uring *ring, struct zcrx_ctrl *c)
{
	return sys_register(ring->ring_fd, IORING_REGISTER_ZCRX_CTRL, c, 0);
}

static int flush_rq(struct io_uring *ring, uint32_t id)
{
	struct zcrx_ctrl c = { .zcrx_id = id, .op = ZCRX_CTRL_FLUSH_RQ };

	return zctrl(ring, &c);
}

/* The rxq of instance @id in the fdinfo of @ring, or -2 if it is not there */
static int fdinfo_rxq(struct io_uring *ring, uint32_t id)
{
	char path[64], want[16], line[256];
	int rxq = -2;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring->ring_fd);
	snprintf(want, sizeof(want), "Zcrx%u:", id);
	f = fopen(path, "r");
	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " rxq=");
		if (!strncmp(line, want, strlen(want)) && p)
			rxq = atoi(p + 5);
	}
	fclose(f);
	return rxq;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Fault injection: /proc/self/task/TID/fail-nth */

static void fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		ksft_exit_fail_msg("fail-nth %u: %s\n", n, strerror(errno));
}

/* Fault points the task still has to pass before the injected one */
static unsigned int fail_nth_get(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
	return strtoul(buf, NULL, 10);
}

static void fault_init(void)
{
	char path[64];
	int fd;

	fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		ksft_exit_fail_msg("make-it-fail: %s\n", strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	fail_nth_fd = open(path, O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
}

/*
 * Make every CPU run its rx softirq: a received skb freed on another CPU
 * than the one that allocated it waits on that CPU's defer list, and its
 * page pool buffer with it (see ln_flush_defer in tests/lib/loopnic.sh).
 */
static void flush_defer(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cpu_set_t all, one;
	int cpu, fd;

	if (sched_getaffinity(0, sizeof(all), &all))
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0) {
			connect(fd, (struct sockaddr *)&a, sizeof(a));
			close(fd);
		}
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/* Wait for VmPin to be @want pages; false, saying so, if it is not. */
static bool vm_pin_back(long want)
{
	long end = now_ms() + WAIT_MS, got;
	int i = 0;

	while ((got = vm_pin_pages()) != want) {
		if (now_ms() > end) {
			ksft_print_msg("VmPin %+ld pages %d s after close\n",
				       got - want, WAIT_MS / 1000);
			return false;
		}
		if (++i % 20 == 0)
			flush_defer();
		usleep(5000);
	}
	return true;
}

/*
 * The rings are closed: a registration on the queue charging exactly
 * RLIMIT_MEMLOCK (@limit pages, area and region) binds, and is closed.
 */
static bool queue_free(long limit, long pin_base)
{
	struct io_uring ring;
	bool open = false;
	struct zreg z;
	int ret;

	ring_open(&ring, &open);
	zreg_user(&z, mem.verify, (limit - 1) * page_size, 0);
	ret = zreg_register(&ring, &z);
	ring_close(&ring, &open);
	if (ret)
		ksft_print_msg("then a registration of RLIMIT_MEMLOCK (%ld pages) on queue %u: %s\n",
			       limit, cfg.queue, ERRNAME(ret));
	return vm_pin_back(pin_base) && !ret;
}

/* Checks of what a call left */

/* What a registration that succeeded wrote back, and the instance */
static bool check_reg(struct io_uring *ring, const struct zreg *z,
		      uint32_t buf_len, int rxq)
{
	const struct io_uring_zcrx_offsets *o = &z->ifq.offsets;
	bool ok = true;
	int ret;

	ok &= check_eq("zcrx_id", z->ifq.zcrx_id, 0);
	ok &= check_eq("rq_entries", z->ifq.rq_entries, RQ_ENTRIES);
	ok &= check_eq("rx_buf_len", z->ifq.rx_buf_len, buf_len);
	ok &= check_eq("offsets.head", o->head, 0);
	ok &= check_eq("offsets.tail", o->tail, 64);
	ok &= check_eq("offsets.rqes", o->rqes, 128);
	ok &= check_eq("rq_area_token", z->area.rq_area_token, 0);
	ok &= check("region mmap_offset set", z->rd.mmap_offset != 0);
	ret = flush_rq(ring, z->ifq.zcrx_id);
	ok &= check_eq("FLUSH_RQ", ret, 0);
	ok &= check_eq("fdinfo rxq", fdinfo_rxq(ring, z->ifq.zcrx_id), rxq);
	return ok;
}

/* VmPin is @pages above what it was before the call */
static bool pinned(const struct st *s, long pages)
{
	return check_eq("VmPin pages charged", vm_pin_pages() - s->pin_before,
			pages);
}

/* Registration cases: one ring, one registration under injection */

static bool setup_ring(struct st *s)
{
	ring_open(&s->a, &s->a_open);
	s->pin_before = vm_pin_pages();
	return true;
}

static bool setup_user(struct st *s)
{
	zreg_user(&s->r, mem.small, AREA_PAGES * page_size, 0);
	return setup_ring(s);
}

static bool setup_dmabuf(struct st *s)
{
	zreg_user(&s->r, NULL, AREA_PAGES * page_size, 0);
	s->r.area.flags = IORING_ZCRX_AREA_DMABUF;
	s->r.area.dmabuf_fd = mem.dmabuf_fd;
	return setup_ring(s);
}

static bool setup_large(struct st *s)
{
	zreg_user(&s->r, mem.huge, HUGE_PAGE, LARGE_BUF);
	return setup_ring(s);
}

static bool setup_nodev(struct st *s)
{
	zreg_user(&s->r, mem.small, AREA_PAGES * page_size, 0);
	s->r.ifq.flags = ZCRX_REG_NODEV;
	s->r.ifq.if_idx = 0;
	s->r.ifq.if_rxq = 0;
	return setup_ring(s);
}

static int call_register(struct st *s)
{
	return zreg_register(&s->a, &s->r);
}

/* a failure pins nothing; a success pins @pages */
static bool check_pin(struct st *s, int ret, long pages)
{
	return pinned(s, ret ? 0 : pages);
}

static bool check_user(struct st *s, int ret)
{
	bool ok = check_pin(s, ret, AREA_PAGES + 1);

	return ok && (ret || check_reg(&s->a, &s->r, page_size, cfg.queue));
}

static bool check_dmabuf(struct st *s, int ret)
{
	bool ok = check_pin(s, ret, 1);

	return ok && (ret || check_reg(&s->a, &s->r, page_size, cfg.queue));
}

static bool check_large(struct st *s, int ret)
{
	bool ok = check_pin(s, ret, HUGE_PAGE / page_size + 1);

	return ok && (ret || check_reg(&s->a, &s->r, LARGE_BUF, cfg.queue));
}

static bool check_nodev(struct st *s, int ret)
{
	bool ok = check_pin(s, ret, AREA_PAGES + 1);

	return ok && (ret || check_reg(&s->a, &s->r, page_size, -1));
}

static void teardown(struct st *s)
{
	if (s->export_fd > 0)
		close(s->export_fd);
	if (s->rx_fd > 0)
		close(s->rx_fd);
	ring_close(&s->b, &s->b_open);
	ring_close(&s->a, &s->a_open);
}

/* Cases on a registered instance: ring a has it on the queue */

static bool setup_instance(struct st *s, void *area, size_t len,
			   uint32_t buf_len)
{
	int ret;

	ring_open(&s->a, &s->a_open);
	zreg_user(&s->r, area, len, buf_len);
	ret = zreg_register(&s->a, &s->r);
	if (ret)
		ksft_print_msg("setup: registration: %s\n", ERRNAME(ret));
	s->pin_before = vm_pin_pages();
	return !ret;
}

static bool setup_registered(struct st *s)
{
	return setup_instance(s, mem.small, AREA_PAGES * page_size, 0);
}

/* EXPORT */

static int call_export(struct st *s)
{
	memset(&s->ctrl, 0, sizeof(s->ctrl));
	s->ctrl.zcrx_id = s->r.ifq.zcrx_id;
	s->ctrl.op = ZCRX_CTRL_EXPORT;
	s->fds_before = count_fds();
	return zctrl(&s->a, &s->ctrl);
}

static bool check_export(struct st *s, int ret)
{
	char link[64], path[64];
	ssize_t len;

	if (ret)
		return check_eq("open fds after a failed EXPORT", count_fds(),
				s->fds_before);
	s->export_fd = s->ctrl.zc_export.zcrx_fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->export_fd);
	len = readlink(path, link, sizeof(link) - 1);
	link[len < 0 ? 0 : len] = '\0';
	return check("the exported fd is [zcrx]",
		     !strcmp(link, "anon_inode:[zcrx]")) &&
	       check_eq("FLUSH_RQ", flush_rq(&s->a, s->r.ifq.zcrx_id), 0);
}

/* IMPORT into a second ring */

static bool setup_import(struct st *s)
{
	if (!setup_registered(s) || call_export(s)) {
		ksft_print_msg("setup: EXPORT failed\n");
		return false;
	}
	s->export_fd = s->ctrl.zc_export.zcrx_fd;
	ring_open(&s->b, &s->b_open);
	memset(&s->imp, 0, sizeof(s->imp));
	s->imp.ifq.flags = ZCRX_REG_IMPORT;
	s->imp.ifq.if_idx = s->export_fd;
	return true;
}

static int call_import(struct st *s)
{
	return sys_register(s->b.ring_fd, IORING_REGISTER_ZCRX_IFQ,
			    &s->imp.ifq, 1);
}

static bool check_import(struct st *s, int ret)
{
	const struct io_uring_zcrx_offsets *o = &s->imp.ifq.offsets;
	bool ok = pinned(s, 0);

	if (ret)
		return ok && check_eq("importer's fdinfo Zcrx0",
				      fdinfo_rxq(&s->b, 0), -2);
	ok &= check_eq("imported zcrx_id", s->imp.ifq.zcrx_id, 0);
	ok &= check_eq("imported offsets.rqes", o->rqes, 128);
	ok &= check_eq("imported offsets.tail", o->tail, 64);
	ok &= check_eq("importer's FLUSH_RQ", flush_rq(&s->b, 0), 0);
	ok &= check_eq("importer's fdinfo rxq", fdinfo_rxq(&s->b, 0),
		       cfg.queue);
	return ok;
}

/* ADD_AREA */

static int call_add_area(struct st *s)
{
	struct zcrx_ctrl *c = &s->ctrl;

	memset(&s->imp, 0, sizeof(s->imp));
	s->imp.area.addr = (uintptr_t)mem.add;
	s->imp.area.len = AREA_PAGES * page_size;
	memset(c, 0, sizeof(*c));
	c->zcrx_id = s->r.ifq.zcrx_id;
	c->op = ZCRX_CTRL_ADD_AREA;
	c->zc_area.area_ptr = (uintptr_t)&s->imp.area;
	return zctrl(&s->a, c);
}

static bool check_add_area(struct st *s, int ret)
{
	bool ok = check_pin(s, ret, AREA_PAGES);

	/* written back before anything can fail */
	ok &= check_eq("rq_area_token", s->imp.area.rq_area_token,
		       1ULL << IORING_ZCRX_AREA_SHIFT);
	ok &= check_eq("FLUSH_RQ", flush_rq(&s->a, s->r.ifq.zcrx_id), 0);
	return ok && check_eq("fdinfo rxq", fdinfo_rxq(&s->a, 0), cfg.queue);
}

/* IORING_REGISTER_QUERY, ring fd -1 */

static bool setup_query(struct st *s)
{
	struct io_uring_query_hdr *h = s->qh;

	memset(h, 0, sizeof(s->qh));
	h[0].query_op = IO_URING_QUERY_ZCRX;
	h[0].query_data = (uintptr_t)&s->qz;
	h[0].size = sizeof(s->qz);
	h[0].next_entry = (uintptr_t)&h[1];
	h[1].query_op = IO_URING_QUERY_OPCODES;
	h[1].query_data = (uintptr_t)&s->qo;
	h[1].size = sizeof(s->qo);
	s->pin_before = vm_pin_pages();
	return true;
}

static int call_query(struct st *s)
{
	return sys_register(-1, IORING_REGISTER_QUERY, s->qh, 0);
}

static bool check_query(struct st *s, int ret)
{
	bool ok = true;

	if (ret)
		return true;
	ok &= check_eq("ZCRX result", s->qh[0].result, 0);
	ok &= check_eq("ZCRX register_flags", s->qz.register_flags, 3);
	ok &= check_eq("ZCRX nr_ctrl_opcodes", s->qz.nr_ctrl_opcodes, 4);
	ok &= check_eq("ZCRX rq_hdr_size", s->qz.rq_hdr_size, 128);
	ok &= check_eq("OPCODES result", s->qh[1].result, 0);
	ok &= check_eq("OPCODES nr_request_opcodes",
		       s->qo.nr_request_opcodes, IORING_OP_RECV_ZC + 1);
	return ok;
}

/* The first RECV_ZC on a socket whose data already arrived */

static int listen_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(cfg.port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 8))
		ksft_exit_fail_msg("listen on %d: %s\n", cfg.port,
				   strerror(errno));
	return fd;
}

/* A TCP socket made in the peer's namespace, connected to cfg.addr */
static int peer_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(cfg.port) };
	int fd;

	inet_pton(AF_INET, cfg.addr, &a.sin_addr);
	if (setns(ns_peer_fd, CLONE_NEWNET))
		ksft_exit_fail_msg("setns %s: %s\n", cfg.peer_ns,
				   strerror(errno));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (setns(ns_self_fd, CLONE_NEWNET))
		ksft_exit_fail_msg("setns back: %s\n", strerror(errno));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* All RECV_BYTES and the FIN are in @fd's receive queue */
static bool data_arrived(int fd)
{
	long end = now_ms() + WAIT_MS;
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	int inq = 0;

	for (;;) {
		p.revents = 0;
		poll(&p, 1, 10);
		if (ioctl(fd, SIOCINQ, &inq))
			return false;
		if ((p.revents & POLLRDHUP) && inq == RECV_BYTES)
			return true;
		if (now_ms() > end) {
			ksft_print_msg("setup: %d bytes arrived\n", inq);
			return false;
		}
	}
}

static bool setup_recv(struct st *s)
{
	struct io_uring_sqe *sqe;
	int peer;

	if (!setup_instance(s, mem.recv, RECV_PAGES * page_size, 0))
		return false;
	peer = peer_connect();
	if (peer < 0) {
		ksft_print_msg("setup: connect: %s\n", strerror(errno));
		return false;
	}
	s->rx_fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s->rx_fd < 0 || !pattern_write(peer, 0, RECV_BYTES)) {
		close(peer);
		ksft_print_msg("setup: accept or send: %s\n", strerror(errno));
		return false;
	}
	close(peer);
	if (!data_arrived(s->rx_fd))
		return false;
	sqe = io_uring_get_sqe(&s->a);
	io_uring_prep_recv_zc(sqe, s->rx_fd, s->r.ifq.zcrx_id, 0);
	sqe->user_data = 1;
	return true;
}

static int call_recv(struct st *s)
{
	int ret = io_uring_submit(&s->a);

	return ret < 0 ? ret : 0;
}

/* One RECV_ZC completion; its data must be the stream at *@got. */
static bool recv_cqe(struct st *s, const struct io_uring_cqe *cqe,
		     uint64_t *got, bool *done)
{
	const uint8_t *data = io_uring_zcrx_cqe_data(cqe, mem.recv);
	int64_t bad = -1;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		*done = true;
		if (cqe->res < 0)
			return true;
		return check_eq("res of the last CQE", cqe->res, 0) &&
		       check_eq("bytes before EOF", *got, RECV_BYTES);
	}
	if (cqe->res <= 0 || *got + cqe->res > RECV_BYTES ||
	    data < mem.recv || data + cqe->res > mem.recv +
	    RECV_PAGES * page_size) {
		ksft_print_msg("data CQE res %d off %#llx at byte %llu\n",
			       cqe->res,
			       (unsigned long long)io_uring_zcrx_cqe(cqe)->off,
			       (unsigned long long)*got);
		return false;
	}
	if (pattern_check(data, *got, cqe->res, &bad)) {
		ksft_print_msg("wrong data at byte %lld\n", (long long)bad);
		return false;
	}
	*got += cqe->res;
	return true;
}

/* Submitted now if the injected enter did not; ends with a last CQE */
static bool check_recv(struct st *s, int ret)
{
	struct __kernel_timespec ts = { .tv_sec = WAIT_MS / 1000 };
	struct io_uring_cqe *cqe;
	bool ok = true, done = false;
	uint64_t got = 0;

	while (!done && ok) {
		ret = io_uring_submit_and_wait_timeout(&s->a, &cqe, 1, &ts,
						       NULL);
		if (ret < 0) {
			ksft_print_msg("no last CQE: %s, %llu bytes\n",
				       ERRNAME(ret), (unsigned long long)got);
			return false;
		}
		ok = recv_cqe(s, cqe, &got, &done);
		io_uring_cqe_seen(&s->a, cqe);
	}
	return ok;
}

/* loopnic: a queue restart and a channel count change, the queue bound */

static bool setup_large_instance(struct st *s)
{
	return setup_instance(s, mem.huge, HUGE_PAGE, LARGE_BUF);
}

static int call_restart(struct st *s)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", cfg.queue);

	return pwrite(cfg.restart_fd, buf, len, 0) == len ? 0 : -errno;
}

/* The payload buffer size the device's queue posts, from debugfs */
static long queue_buf_len(void)
{
	char buf[512], *line;
	unsigned int q;
	long len;
	ssize_t n = pread(cfg.buf_len_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%u %ld", &q, &len) == 2 && q == cfg.queue)
			return len;
	return -1;
}

/* The instance is still whole and the queue still its, sized by it */
static bool check_bound(struct st *s)
{
	bool ok = check_eq("fdinfo rxq", fdinfo_rxq(&s->a, 0), cfg.queue);

	ok &= check_eq("FLUSH_RQ", flush_rq(&s->a, 0), 0);
	return ok && check_eq("queue's buffer size (provider's)",
			      queue_buf_len(), LARGE_BUF);
}

static bool check_restart(struct st *s, int ret)
{
	bool ok = check_bound(s);

	/* and the queue restarts again */
	return check_eq("restart without injection", call_restart(s), 0) &&
	       ok && check_bound(s);
}

static int ethtool(struct ethtool_channels *ch)
{
	struct ifreq ifr = { .ifr_data = (void *)ch };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg.ifname);
	ret = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	return ret;
}

static int channels(void)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int ret = ethtool(&ch);

	return ret ? ret : (int)ch.combined_count;
}

static int set_channels(unsigned int n)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int ret = ethtool(&ch);

	if (ret)
		return ret;
	ch.cmd = ETHTOOL_SCHANNELS;
	ch.combined_count = n;
	return ethtool(&ch);
}

static bool setup_channels(struct st *s)
{
	s->channels = channels();
	if (!base_channels)
		base_channels = s->channels;
	if (s->channels != base_channels) {
		ksft_print_msg("setup: %d channels, %d before\n", s->channels,
			       base_channels);
		return false;
	}
	return setup_large_instance(s);
}

static int call_channels(struct st *s)
{
	/* socket and GCHANNELS are under injection too, not worth sparing */
	return set_channels(s->channels + 1);
}

static bool check_channels(struct st *s, int ret)
{
	bool ok = check_eq("channels", channels(),
			   s->channels + (ret ? 0 : 1));

	ok &= check_bound(s);
	if (!ret && !check_eq("channels back without injection",
			      set_channels(s->channels), 0)) {
		ok = false;
		ksft_print_msg("and once more: %s, %d channels\n",
			       ERRNAME(set_channels(s->channels)), channels());
	}
	return ok && check_bound(s);
}

static const struct fcase cases[] = {
	{ "register_user", AREA_PAGES + 1, false, setup_user, call_register,
	  check_user, teardown },
	{ "register_dmabuf", AREA_PAGES + 1, false, setup_dmabuf,
	  call_register, check_dmabuf, teardown },
	{ "register_large", HUGE_PAGE / 4096 + 1, false, setup_large,
	  call_register, check_large, teardown },
	{ "register_nodev", AREA_PAGES + 1, false, setup_nodev, call_register,
	  check_nodev, teardown },
	{ "export", AREA_PAGES + 1, true, setup_registered, call_export,
	  check_export, teardown },
	{ "import", AREA_PAGES + 1, true, setup_import, call_import,
	  check_import, teardown },
	{ "add_area", 2 * AREA_PAGES + 1, false, setup_registered,
	  call_add_area, check_add_area, teardown },
	{ "query", AREA_PAGES + 1, false, setup_query, call_query,
	  check_query, teardown },
	{ "recv_zc", RECV_PAGES + 1, true, setup_recv, call_recv, check_recv,
	  teardown },
	{ "restart_queue", HUGE_PAGE / 4096 + 1, true, setup_large_instance,
	  call_restart, check_restart, teardown },
	{ "set_channels", HUGE_PAGE / 4096 + 1, true, setup_channels,
	  call_channels, check_channels, teardown },
};

/* Running a case */

struct tally {
	unsigned int points, errors, successes, bad;
	long ms;
};

/*
 * Iteration @n of case @c: false if anything was wrong. *@hit says
 * whether the call reached fault point @n, *@ret what it returned.
 */
static bool iterate(const struct fcase *c, unsigned int n, int lfd,
		    long pin_base, bool *hit, int *ret)
{
	struct st s = { .lfd = lfd, .export_fd = -1, .rx_fd = -1 };
	bool ok;

	*hit = false;
	*ret = 0;
	if (!c->setup(&s)) {
		if (c->setup_binds && n > 1)
			ksft_print_msg("%s: setup failed: left behind by fail-nth %u?\n",
				       c->name, n - 1);
		c->teardown(&s);
		vm_pin_back(pin_base);
		return false;
	}
	fail_nth_set(n);
	*ret = c->call(&s);
	*hit = fail_nth_get() == 0;
	fail_nth_set(0);
	ok = true;
	if (*ret && !*hit)
		ok = check(*ret == -EAGAIN ? "failed, with no fault injected (-EAGAIN)" :
			   "failed, with no fault injected", false);
	ok &= c->check(&s, *ret);
	c->teardown(&s);
	ok &= vm_pin_back(pin_base);
	if (!c->setup_binds || !*hit)
		ok &= queue_free(c->limit, pin_base);
	return ok;
}

static void run_case(const struct fcase *c, int lfd)
{
	struct tally t = { 0 };
	long pin_base, start = now_ms();
	unsigned int n;
	bool hit, ok;
	int ret;

	if (!set_memlock(c->limit))
		ksft_exit_fail_msg("RLIMIT_MEMLOCK\n");
	pin_base = vm_pin_pages();
	for (n = 1; n <= MAX_POINTS; n++) {
		ok = iterate(c, n, lfd, pin_base, &hit, &ret);
		if (!ok) {
			t.bad++;
			ksft_print_msg("%s: reproducer: fail-nth %u, the call returned %s%s\n",
				       c->name, n, ERRNAME(ret),
				       hit ? "" : " (fault point not reached)");
			if (t.bad >= MAX_BAD)
				break;
		}
		if (!hit)
			break;
		t.points++;
		if (ret)
			t.errors++;
		else
			t.successes++;
	}
	if (n > MAX_POINTS)
		ksft_print_msg("%s: more than %d fault points\n", c->name,
			       MAX_POINTS);
	ksft_print_msg("%s: %u failure points, %u failed with an error, %u succeeded (allocation had a fallback) and were verified (%ld ms)\n",
		       c->name, t.points, t.errors, t.successes,
		       now_ms() - start);
	result(!t.bad && n <= MAX_POINTS, "%s: every injected failure fails cleanly or leaves a whole result",
	       c->name);
}

/* Setup of the process */

static void mem_init(void)
{
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = AREA_PAGES * page_size,
	};
	int dev;

	mem.verify_pages = HUGE_PAGE / page_size;
	mem.small = xmap(AREA_PAGES * page_size, 0);
	mem.add = xmap(AREA_PAGES * page_size, 0);
	mem.recv = xmap(RECV_PAGES * page_size, 0);
	mem.verify = xmap(mem.verify_pages * page_size, 0);
	mem.huge = xmap(HUGE_PAGE, MAP_HUGETLB);
	if (!mem.small || !mem.add || !mem.recv || !mem.verify || !mem.huge)
		ksft_exit_fail_msg("mmap (one 2 MiB huge page free?): %s\n",
				   strerror(errno));
	mem.memfd = memfd_create("zcrx_fault", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (mem.memfd < 0 || dev < 0 || ftruncate(mem.memfd, create.size) ||
	    fcntl(mem.memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		ksft_exit_fail_msg("memfd or /dev/udmabuf: %s\n",
				   strerror(errno));
	create.memfd = mem.memfd;
	mem.dmabuf_fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (mem.dmabuf_fd < 0)
		ksft_exit_fail_msg("UDMABUF_CREATE: %s\n", strerror(errno));
	close(dev);
}

static void ns_init(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/var/run/netns/%s", cfg.peer_ns);
	ns_peer_fd = open(path, O_RDONLY | O_CLOEXEC);
	ns_self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_peer_fd < 0 || ns_self_fd < 0)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
}

static void usage(void)
{
	fprintf(stderr, "usage: zcrx_fault -i IF -q QUEUE -n PEER_NETNS -a ADDR -p PORT -r RESTART_FD -b RX_BUF_LEN_FD [-c CASE]\n");
	exit(KSFT_FAIL);
}

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "i:q:n:a:p:r:b:c:")) != -1) {
		switch (c) {
		case 'i':
			cfg.ifindex = parse_ifindex(optarg);
			cfg.ifname = optarg;
			break;
		case 'q': cfg.queue = atoi(optarg); break;
		case 'n': cfg.peer_ns = optarg; break;
		case 'a': cfg.addr = optarg; break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'r': cfg.restart_fd = atoi(optarg); break;
		case 'b': cfg.buf_len_fd = atoi(optarg); break;
		case 'c': cfg.only = optarg; break;
		default: usage();
		}
	}
	if (!cfg.ifindex || !cfg.peer_ns || !cfg.addr || !cfg.port ||
	    cfg.restart_fd < 0 || cfg.buf_len_fd < 0)
		usage();
}

int main(int argc, char **argv)
{
	char ifname[IF_NAMESIZE];
	unsigned int i, nr = 0;
	int lfd;

	parse_args(argc, argv);
	if (if_indextoname(cfg.ifindex, ifname))
		cfg.ifname = ifname;
	page_size = sysconf(_SC_PAGESIZE);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		nr += !cfg.only || !strcmp(cfg.only, cases[i].name);
	ksft_print_header();
	ksft_set_plan(nr);
	mem_init();
	ns_init();
	lfd = listen_port();
	/* io_uring charges RLIMIT_MEMLOCK to a ring creator without it */
	if (drop_effective_cap(CAP_IPC_LOCK))
		ksft_exit_fail_msg("dropping CAP_IPC_LOCK\n");
	fault_init();
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!cfg.only || !strcmp(cfg.only, cases[i].name))
			run_case(&cases[i], lfd);
	ksft_finished();
}
