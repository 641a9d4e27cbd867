// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_rx: receive pattern streams with IORING_OP_RECV_ZC and check them.
 *
 *   zcrx_rx -i IF -q QUEUE -p PORT [-6] [-c CONNS] [-b BYTES] [-A AREA]
 *           [-r RQ_ENTRIES] [-B LIMIT] [-s SLOW_US] [-U] [-t SECONDS]
 *           [-H | -C | -D] [-E] [-L LOOPS [-e EVERY]] [-X CQES]
 *           [-K FILE] [-R RX_BUF_LEN] [-m anon|huge|udmabuf] [-k]
 *           [-n AREAS | -a AREAS] [-z SIZE] [-u cqe|start|any]
 *           [-F PORT]
 *
 * Registers a zcrx instance on rx queue QUEUE of IF, accepts CONNS
 * connections on PORT (sent by `pstream send`) and receives each with a
 * multishot RECV_ZC (the only kind there is, ABI §6): one request until
 * EOF, or with -B requests that end after LIMIT bytes (sqe->len, the read
 * limit) and are re-armed. Every byte is checked against tests/lib/pattern.h
 * through the area and every buffer goes back through the refill ring,
 * after SLOW_US microseconds each with -s. -U gives the refill ring user
 * memory instead of mmap()ing the kernel's. Prints one line per connection,
 *   conn N: bytes=B bad=K first_bad=OFF res=R held=H
 * (H: buffers it kept, with -H or -C) then the instance's counters from the
 * ring's fdinfo,
 *   zcrx: cqes=N zc_bytes=Z copy_bytes=C
 * then what the completions said about the buffers,
 *   buffers: rx_buf_len=L areas=A used=U shared=S bad_offsets=O
 * (U: areas at least one completion pointed into; S: data completions
 * that start inside their buffer, behind other data, as large buffers
 * that take several frames give; O: completions that were not inside one
 * buffer of one area, which are not read and fail the run), and
 * "done: ok" only if
 * every connection ended with EOF, no bad byte and exactly BYTES when -b
 * is given, and no completion was out of place; exit status 0 likewise.
 *
 * Every data completion must lie inside one buffer: its offset, area id
 * bits removed, modulo the buffer size (rx_buf_len) plus its length is at
 * most the buffer size, and the area id is one the instance has (ABI §6).
 *
 * The memory (zcrx ABI §4, §8):
 *  -R  rx_buf_len to ask for (0, the default: the page size); the kernel
 *      must write back that size (the page size for 0).
 *  -m  what the areas are: anon (the default; anonymous memory), huge
 *      (anonymous 2 MiB huge pages, MAP_HUGETLB: physically contiguous
 *      runs for large buffers; AREA and SIZE multiples of 2 MiB), udmabuf
 *      (a dma-buf of a memfd through /dev/udmabuf, registered with
 *      IORING_ZCRX_AREA_DMABUF; the CPU reads what the device wrote
 *      through a mapping of the memfd).
 *  -k  with udmabuf: close the dma-buf fds and the memfds once the first
 *      data completion came, so that only the instance keeps them; the
 *      mappings stay for the checks. Prints "fds closed at byte B".
 *  -n  AREAS more areas of SIZE bytes (-z, default AREA) added with
 *      ZCRX_CTRL_ADD_AREA right after registration; each must get the
 *      token of the next area id.
 *  -a  AREAS more areas of SIZE bytes added mid-stream: every completion is
 *      held until each buffer of area 0 is (area 0 ran dry: the queue has
 *      no buffer left), then the areas are added, and completions are
 *      still held until one came from every area; then all held buffers
 *      are checked again and returned, and the rest of the stream goes as
 *      usual. Prints
 *        grow: added=N at_byte=B seen=S/T rechecked=K
 *      (S of the T areas had a completion while all were held).
 *  -u  what a refill entry names: the completion's offset (cqe, the
 *      default), the start of its buffer (start), or a random offset inside
 *      the buffer (any); the kernel takes the buffer the offset falls in.
 *  -F  accept one more connection, on PORT, a flow the NIC puts on another
 *      queue, so that every byte of it needs a copy into the area. With a
 *      dma-buf area, which the CPU cannot write, its request must end with
 *      -ENOMEM before any data ("copy flow: res=-12 bytes=0"); with user
 *      memory it is checked like the others.
 *
 * The lifetime rules of the ABI (tests/zcrx/lifetime.sh, abuse.sh):
 *  -H  never return a buffer: the ring exits with all of them held.
 *  -C  keep every buffer of a connection until its EOF, close its socket,
 *      and once every connection has ended check the kept buffers again,
 *      then return them. Checking after the other connections' traffic
 *      catches a buffer the close let go of: the queue would have reused it.
 *  -E  the device may go away while bound. TCP is not told, so once the
 *      ring's fdinfo shows the queue unbound (rxq=-1), print "unbound" and
 *      shut the connections' read side down so their requests end. A
 *      connection may then end short or with an error; bad bytes still
 *      fail.
 *  -L  register on a fresh ring, receive, exit the ring, LOOPS times in a
 *      row on the same queue. Streams come on every EVERY-th registration
 *      (default: the last only); the others exit the ring at once. Ends
 *      with "loops: N" when all N registrations succeeded.
 *  -X  hostile: return garbage through the refill ring (see enum abuse),
 *      and stop after CQES data completions or SECONDS, whichever is
 *      first. Its own bytes may go bad and its stream stall, neither of
 *      which fails it (a completion out of place still does); it prints
 *      "abuse: ..." with what it wrote, and "abuse-areas: other_area=N"
 *      (entries naming the buffer's index in another area it has).
 *  -D  a receiver that returns buffers it does not hold, mixed with the
 *      ones it does (tests/zcrx/refs.sh): every buffer twice (once when
 *      the refill ring is short of room), and every other one before it
 *      is checked. It may spoil its own view of a buffer that way; a
 *      mismatch it can be blamed for is counted, one it cannot fails (see
 *      refs_explained()). Prints
 *        refs: data_cqes=N premature=P twice=T once=O separators=S
 *              explained=X unexplained=U
 *      on one line.
 *  -K  keep the sockets open past the ring: one request of LIMIT (-B)
 *      bytes per connection, then the ring is closed with data still
 *      unread in the sockets ("ring closed"), and the sockets are closed
 *      once FILE exists ("sockets closed"). Each connection must have
 *      got exactly LIMIT bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/udmabuf.h>
/* the kernel's header first: it has ZCRX_CTRL_ADD_AREA's struct */
#include <linux/io_uring.h>
#include <liburing/zcrx.h>

#include "pattern.h"

#define MAX_CONNS	64
/* How long the refill ring may stay full, flushing it all the while */
#define RQ_FULL_WAIT_S	10
/* -D: enters whose completions are not all looked at yet, at most */
#define MAX_ENTERS	64
/* -D: completions returned before they are checked, at most */
#define MAX_LATES	4096
/* -D: enters such a completion waits to be checked */
#define REFS_DELAY	64
/* -D: an entry the kernel skips (no area has such an offset) */
#define RQ_SEPARATOR	(~IORING_ZCRX_AREA_MASK)
/* Areas an instance can have (ABI §8) */
#define MAX_AREAS	1024
#define HUGE_PAGE	(2UL << 20)

enum hold {
	HOLD_NONE,
	HOLD_FOREVER,		/* -H */
	HOLD_UNTIL_CLOSE,	/* -C */
	HOLD_KEEP_SOCKETS,	/* -K */
};

/* A buffer kept past its completion, to be checked and returned later. */
struct held {
	uint64_t off;		/* as in the CQE, area id bits included */
	uint64_t pos;		/* stream offset of its first byte */
	uint32_t len;
	uint32_t conn;		/* -a: whose bytes they are */
};

/* What the areas are made of (-m) */
enum mem {
	MEM_ANON,
	MEM_HUGE,
	MEM_UDMABUF,
};

/* What a refill entry names (-u) */
enum rq_name {
	RQ_NAME_CQE,		/* the completion's offset */
	RQ_NAME_START,		/* the start of its buffer */
	RQ_NAME_ANY,		/* a random offset inside its buffer */
};

/* One area of the instance, id its index in areas[] */
struct area {
	uint8_t *base;		/* where the CPU reads it */
	size_t len;
	int memfd, dmabuf_fd;	/* udmabuf; -1 once closed */
	uint64_t cqes;		/* data completions into it */
};

/* -a: where the areas being added mid-stream are */
enum grow {
	GROW_OFF,
	GROW_DRY,		/* holding everything until area 0 ran dry */
	GROW_SPREAD,		/* areas added, holding until each was used */
	GROW_DONE,		/* all returned, as usual from now on */
};

struct conn {
	int fd;
	bool copy_flow;		/* -F: every byte of it needs a copy */
	uint64_t bytes;
	uint64_t armed_at;	/* bytes when the current request was armed */
	uint32_t limit;		/* its read limit, 0 for none */
	uint64_t bad;
	int64_t first_bad;
	int res;
	bool done;
	bool kept;		/* -K: done, the socket stays open */
	struct held *held;
	unsigned int nr_held, max_held;
};

struct opts {
	const char *ifname, *keep_until;
	int queue, port, nconns, slow_us, timeout_s;
	bool v6, user_region, may_vanish, refs;
	enum hold hold;
	int64_t want;
	size_t area_size;
	unsigned int rq_entries, limit, loops, every;
	uint64_t abuse_cqes;
	uint32_t rx_buf_len;	/* -R */
	enum mem mem;		/* -m */
	bool close_fds;		/* -k */
	unsigned int add_areas;	/* -n */
	unsigned int grow_areas; /* -a */
	size_t added_size;	/* -z */
	enum rq_name rq_name;	/* -u */
	int copy_port;		/* -F, 0 for none */
};

/* What the instance's fdinfo line says. */
struct zcrx_info {
	uint64_t zc_bytes, copy_bytes;
	int rxq;
};

/* What a hostile refill ring (-X) gets, one kind per data completion. */
enum abuse {
	ABUSE_NONE,		/* a proper return, so the stream goes on */
	ABUSE_TWICE,		/* the same buffer returned twice */
	ABUSE_RANDOM,		/* a random offset inside one of its areas */
	ABUSE_RANGE,		/* offsets past the end of one of its areas */
	ABUSE_AREA_ID,		/* an area id it has not, or another area's */
	ABUSE_PAD,		/* __pad not zero */
	ABUSE_LEN,		/* a length that is not the completion's */
	ABUSE_HEAD,		/* the kernel-owned head overwritten */
	ABUSE_TAIL_AHEAD,	/* a tail far ahead of the entries written */
	ABUSE_TAIL_BACK,	/* a tail behind what the kernel consumed */
	ABUSE_INSIDE,		/* a proper return naming another offset of the buffer */
	NR_ABUSES
};

static struct io_uring ring;
static struct io_uring_zcrx_rq rq;
static size_t rq_size;
static uint64_t rq_written;	/* refill entries written, ever: rq_tail in 64 bits */
static struct conn conns[MAX_CONNS + 1];
static int nr_conns;		/* CONNS, and -F's */
static struct area areas[MAX_AREAS];
static unsigned int nr_areas;
static uint32_t zcrx_id;
static unsigned int buf_shift;	/* log2 of the instance's buffer size */
static uint64_t nr_cqes, nr_data_cqes;
static uint64_t nr_abuses[NR_ABUSES], nr_other_area;
static unsigned int loop;

/* What the completions said about the buffers */
static uint64_t nr_shared, nr_bad_offsets;
static unsigned int nr_used_areas;	/* areas a completion pointed into */

/* -a */
static enum grow grow;
static struct held *grow_held;
static size_t nr_grow_held, max_grow_held;
static uint8_t *dry_seen;		/* area 0's buffers held, one byte each */
static size_t nr_dry_seen;
static uint64_t grow_at_byte, grow_rechecked;
static unsigned int grow_seen;
static uint64_t total_bytes;		/* data bytes of all connections */
static bool fds_closed;			/* -k */

/*
 * -D: what the misbehaving receiver wrote. extra_end[B] is one past the
 * refill ring index of the last extra entry naming buffer B (0: none yet);
 * last_buf the buffer of the last entry written (-1: a separator). An
 * enter is remembered by the refill head before it (h0) and the CQ tail
 * after it, until its completions have been looked at.
 */
static uint64_t *extra_end;
static int64_t last_buf = -1;
static struct enter {
	uint32_t cq_tail;
	uint64_t h0;
} enters[MAX_ENTERS];
static unsigned int enters_first, nr_enters;
static uint64_t nr_enter_calls;
static struct late {
	struct conn *c;
	uint64_t off, pos, h0, due;
	uint32_t len;
} lates[MAX_LATES];
static unsigned int lates_first, nr_lates;
static uint64_t nr_premature, nr_twice, nr_separators, nr_tight;
static uint64_t nr_explained, nr_unexplained;

static void die(const char *what, int err)
{
	if (loop > 1)
		fprintf(stderr, "zcrx_rx: registration %u: ", loop);
	else
		fprintf(stderr, "zcrx_rx: ");
	fprintf(stderr, "%s: %s\n", what, strerror(err));
	printf("done: FAIL\n");
	exit(1);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10;
	}
	return v;
}

static void setup_ring(void)
{
	struct io_uring_params p = {};
	int ret;

	p.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
		  IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE;
	p.cq_entries = 4096;
	ret = io_uring_queue_init_params(64, &ring, &p);
	if (ret)
		die("io_uring_queue_init_params", -ret);
}

/* The memfd of a udmabuf area, its dma-buf, and a mapping to read it. */
static void udmabuf_area(struct area *a)
{
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = a->len,
	};
	int dev;

	a->memfd = memfd_create("zcrx_rx-area", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (a->memfd < 0)
		die("memfd_create", errno);
	if (ftruncate(a->memfd, a->len))
		die("ftruncate memfd", errno);
	/* udmabuf takes only memfds that cannot shrink under it */
	if (fcntl(a->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("memfd F_SEAL_SHRINK", errno);
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("/dev/udmabuf", errno);
	create.memfd = a->memfd;
	a->dmabuf_fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (a->dmabuf_fd < 0)
		die("UDMABUF_CREATE", errno);
	close(dev);
	/* the memfd's pages are the dma-buf's: what the device wrote */
	a->base = mmap(NULL, a->len, PROT_READ, MAP_SHARED, a->memfd, 0);
	if (a->base == MAP_FAILED)
		die("mmap memfd", errno);
}

/* Memory for an area of @len bytes as -m says, and its registration. */
static void area_alloc(const struct opts *o, struct area *a, size_t len,
		       struct io_uring_zcrx_area_reg *reg)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	memset(reg, 0, sizeof(*reg));
	*a = (struct area){ .len = len, .memfd = -1, .dmabuf_fd = -1 };
	reg->len = len;
	if (o->mem == MEM_UDMABUF) {
		udmabuf_area(a);
		reg->flags = IORING_ZCRX_AREA_DMABUF;
		reg->dmabuf_fd = a->dmabuf_fd;
		return;
	}
	if (o->mem == MEM_HUGE) {
		if (len % HUGE_PAGE)
			die("a huge-page area is whole huge pages", EINVAL);
		flags |= MAP_HUGETLB;
	}
	a->base = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (a->base == MAP_FAILED)
		die(o->mem == MEM_HUGE ? "mmap huge-page area (vm.nr_hugepages)" :
					 "mmap area", errno);
	reg->addr = (uintptr_t)a->base;
}

/* -k: the instance alone keeps the dma-bufs (and so the memfds) now. */
static void area_close_fds(struct area *a)
{
	if (a->dmabuf_fd >= 0)
		close(a->dmabuf_fd);
	if (a->memfd >= 0)
		close(a->memfd);
	a->dmabuf_fd = a->memfd = -1;
}

static void area_free(struct area *a)
{
	munmap(a->base, a->len);
	area_close_fds(a);
}

/*
 * ZCRX_CTRL_ADD_AREA of one more area of @len bytes: it must get the next
 * id, written back as its token.
 */
static void add_area(const struct opts *o, size_t len)
{
	struct zcrx_ctrl c = { .zcrx_id = zcrx_id, .op = ZCRX_CTRL_ADD_AREA };
	struct io_uring_zcrx_area_reg reg;
	struct area *a = &areas[nr_areas];
	uint64_t want = (uint64_t)nr_areas << IORING_ZCRX_AREA_SHIFT;
	int ret;

	if (nr_areas == MAX_AREAS)
		die("more than 1024 areas", EINVAL);
	area_alloc(o, a, len, &reg);
	c.zc_area.area_ptr = (uintptr_t)&reg;
	ret = io_uring_register_zcrx_ctrl(&ring, &c);
	if (ret)
		die("ZCRX_CTRL_ADD_AREA", -ret);
	if (reg.rq_area_token != want) {
		fprintf(stderr, "zcrx_rx: area %u: token %#" PRIx64
			", want %#" PRIx64 "\n", nr_areas,
			(uint64_t)reg.rq_area_token, want);
		die("ZCRX_CTRL_ADD_AREA token", EPROTO);
	}
	nr_areas++;
}

static void setup_zcrx(const struct opts *o)
{
	struct io_uring_zcrx_area_reg area_reg;
	struct io_uring_region_desc rd = {};
	struct io_uring_zcrx_ifq_reg reg = {};
	uint32_t want_buf_len = o->rx_buf_len ?: sysconf(_SC_PAGESIZE);
	void *rq_mem = NULL;
	unsigned int i;
	int ret;

	rq_size = io_uring_zcrx_rq_region_size(o->rq_entries);
	nr_areas = nr_used_areas = 0;
	area_alloc(o, &areas[0], o->area_size, &area_reg);

	rd.size = rq_size;
	if (o->user_region) {
		rq_mem = mmap(NULL, rq_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (rq_mem == MAP_FAILED)
			die("mmap refill ring", errno);
		rd.user_addr = (uintptr_t)rq_mem;
		rd.flags = IORING_MEM_REGION_TYPE_USER;
	}

	reg.if_idx = if_nametoindex(o->ifname);
	if (!reg.if_idx)
		die(o->ifname, errno);
	reg.if_rxq = o->queue;
	reg.rq_entries = o->rq_entries;
	reg.area_ptr = (uintptr_t)&area_reg;
	reg.region_ptr = (uintptr_t)&rd;
	reg.rx_buf_len = o->rx_buf_len;

	ret = io_uring_register_ifq(&ring, &reg);
	if (ret)
		die("IORING_REGISTER_ZCRX_IFQ", -ret);
	zcrx_id = reg.zcrx_id;
	nr_areas = 1;
	if (reg.rx_buf_len != want_buf_len) {
		fprintf(stderr, "zcrx_rx: rx_buf_len %u written back, want %u\n",
			reg.rx_buf_len, want_buf_len);
		die("rx_buf_len", EPROTO);
	}
	if (area_reg.rq_area_token)
		die("area 0's token is not 0", EPROTO);

	if (o->user_region)
		ret = io_uring_zcrx_rq_init(&rq, &reg, rq_mem);
	else
		ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	if (ret)
		die("refill ring", -ret);
	rq_written = rq.rq_tail;

	buf_shift = __builtin_ctz(reg.rx_buf_len);
	for (i = 0; i < o->add_areas; i++)
		add_area(o, o->added_size);
	if (o->refs) {
		free(extra_end);
		extra_end = calloc(o->area_size >> buf_shift, sizeof(*extra_end));
		if (!extra_end)
			die("calloc", ENOMEM);
		last_buf = -1;
		nr_enters = 0;
	}
	grow = o->grow_areas ? GROW_DRY : GROW_OFF;
	if (grow) {
		free(dry_seen);
		dry_seen = calloc(o->area_size >> buf_shift, 1);
		if (!dry_seen)
			die("calloc", ENOMEM);
		nr_dry_seen = nr_grow_held = 0;
	}
	fds_closed = false;
}

/* Exit the ring; the kernel takes back whatever buffers are still held. */
static void teardown_zcrx(void)
{
	unsigned int i;

	/* a mapping of the kernel's region keeps the ring file open */
	io_uring_zcrx_rq_unmap(&rq, rq_size);
	io_uring_queue_exit(&ring);
	for (i = 0; i < nr_areas; i++)
		area_free(&areas[i]);
	nr_areas = 0;
}

static int listen_on(const struct opts *o, int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int one = 1, fd;

	fd = socket(o->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6)) :
		    bind(fd, (struct sockaddr *)&a4, sizeof(a4)))
		die("bind", errno);
	if (listen(fd, MAX_CONNS))
		die("listen", errno);
	return fd;
}

/* The refill ring's head, as the ring index rq_written counts in. */
static uint64_t rq_head(void)
{
	/* acquire: the kernel is done with the entries before it */
	uint32_t head = io_uring_smp_load_acquire(rq.khead);

	return rq_written - (uint32_t)(rq.rq_tail - head);
}

/* -D: the enter that starts now found the refill ring's head at @h0. */
static void note_enter(uint64_t h0)
{
	uint32_t tail = io_uring_smp_load_acquire(ring.cq.ktail);
	struct enter *last = &enters[(enters_first + nr_enters - 1) %
				     MAX_ENTERS];

	/* it posted nothing */
	if (nr_enters && last->cq_tail == tail)
		return;
	/* no room: blame its completions on the older enter, whose h0 is lower */
	if (nr_enters == MAX_ENTERS) {
		last->cq_tail = tail;
		return;
	}
	enters[(enters_first + nr_enters++) % MAX_ENTERS] =
		(struct enter){ tail, h0 };
}

/*
 * -D: h0 of the enter that posted the completion at CQ index @idx. Enters
 * are looked up in order, so the ones before it are forgotten.
 */
static uint64_t enter_h0(uint32_t idx)
{
	while (nr_enters && (int32_t)(enters[enters_first].cq_tail - idx) <= 0) {
		enters_first = (enters_first + 1) % MAX_ENTERS;
		nr_enters--;
	}
	/* every completion comes from an enter; if not, blame nothing on it */
	return nr_enters ? enters[enters_first].h0 : 0;
}

/*
 * Submit, and with @wait wait up to a second for a completion. This is the
 * only place completions are posted (DEFER_TASKRUN runs the requests' work
 * in io_uring_enter()), so with -D the refill head is noted right before.
 */
static int enter(const struct opts *o, bool wait)
{
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct io_uring_cqe *cqe;
	uint64_t h0 = 0;
	int ret;

	if (o->refs)
		h0 = rq_head();
	nr_enter_calls++;
	if (wait)
		ret = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts,
						       NULL);
	else
		ret = io_uring_submit(&ring);
	if (o->refs)
		note_enter(h0);
	return ret;
}

static void arm(const struct opts *o, int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	struct conn *c = &conns[i];

	if (!sqe) {
		enter(o, false);
		sqe = io_uring_get_sqe(&ring);
	}
	/* -K: one limit for the whole connection, even if a full CQ cuts it */
	c->limit = o->limit;
	if (o->hold == HOLD_KEEP_SOCKETS)
		c->limit = o->limit - c->bytes;
	io_uring_prep_recv_zc(sqe, c->fd, zcrx_id, c->limit);
	sqe->user_data = i;
	c->armed_at = c->bytes;
}

/*
 * Write one refill entry; it reaches the kernel with the next commit.
 * Returns its index in the ring, counted from the first entry ever.
 */
static uint64_t rq_push(uint64_t off, uint32_t len, uint32_t pad)
{
	struct io_uring_zcrx_rqe *rqe;

	rqe = &rq.rqes[rq.rq_tail++ & (rq.ring_entries - 1)];
	rqe->off = off;
	rqe->len = len;
	rqe->__pad = pad;
	return rq_written++;
}

/* Wait for @n free entries in the refill ring. */
static void rq_wait_space(unsigned int n)
{
	time_t give_up = time(NULL) + RQ_FULL_WAIT_S;
	int ret;

	while (io_uring_zcrx_rq_space(&rq) < n) {
		/*
		 * The kernel takes entries only as the queue needs buffers.
		 * Waiting for that can deadlock: while we wait we read
		 * nothing, the sockets fill up, the peer stops sending, and
		 * the queue needs nothing. ZCRX_CTRL_FLUSH_RQ takes them now.
		 */
		io_uring_zcrx_rq_commit(&rq);
		ret = io_uring_zcrx_flush_rq(&ring, zcrx_id);
		if (ret && ret != -EOPNOTSUPP && ret != -EINVAL)
			die("ZCRX_CTRL_FLUSH_RQ", -ret);
		if (io_uring_zcrx_rq_space(&rq) >= n)
			break;
		if (time(NULL) > give_up)
			die("refill ring full", EAGAIN);
		usleep(100);
	}
}

static uint64_t rand64(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 2 ^ random();
}

/* The offset of the start of the buffer at @off, area id bits kept. */
static uint64_t buf_start(uint64_t off)
{
	return off & ~((1ULL << buf_shift) - 1);
}

/* A random offset inside the buffer at @off, area id bits kept. */
static uint64_t buf_any(uint64_t off)
{
	return buf_start(off) | (rand64() & ((1ULL << buf_shift) - 1));
}

/* The refill entry's offset for the completion at @off, as -u says. */
static uint64_t rq_name(const struct opts *o, uint64_t off)
{
	switch (o->rq_name) {
	case RQ_NAME_START:
		return buf_start(off);
	case RQ_NAME_ANY:
		return buf_any(off);
	case RQ_NAME_CQE:
		break;
	}
	return off;
}

static void return_buffer(const struct opts *o, uint64_t off, uint32_t len)
{
	rq_wait_space(1);
	rq_push(rq_name(o, off), len, 0);
	io_uring_zcrx_rq_commit(&rq);
}

/*
 * -X: instead of returning the buffer at @off, write what the kernel must
 * not trust. Whatever is not returned stays held until the ring exits.
 */
static void abuse(const struct opts *o, uint64_t off, uint32_t len)
{
	enum abuse kind = nr_data_cqes % NR_ABUSES;
	uint64_t at = off & ~IORING_ZCRX_AREA_MASK, id, other;

	nr_abuses[kind]++;
	switch (kind) {
	case ABUSE_NONE:
		rq_push(off, len, 0);
		break;
	case ABUSE_TWICE:
		rq_push(off, len, 0);
		rq_push(off, len, 0);
		break;
	case ABUSE_RANDOM:
		id = rand64() % nr_areas;
		rq_push(id << IORING_ZCRX_AREA_SHIFT |
			rand64() % areas[id].len, len, 0);
		break;
	case ABUSE_RANGE:
		id = rand64() % nr_areas;
		rq_push(id << IORING_ZCRX_AREA_SHIFT |
			(areas[id].len + rand64() % areas[id].len), len, 0);
		rq_push(id << IORING_ZCRX_AREA_SHIFT | ~IORING_ZCRX_AREA_MASK,
			len, 0);
		break;
	case ABUSE_AREA_ID:
		/* an id past the last area */
		id = nr_areas + rand64() % (0x10000 - nr_areas);
		rq_push(at | id << IORING_ZCRX_AREA_SHIFT, len, 0);
		/* the same index in another area, whose buffer it may not hold */
		if (nr_areas > 1) {
			other = (off >> IORING_ZCRX_AREA_SHIFT) + 1 +
				rand64() % (nr_areas - 1);
			rq_push(at | (other % nr_areas) << IORING_ZCRX_AREA_SHIFT,
				len, 0);
			nr_other_area++;
		}
		break;
	case ABUSE_INSIDE:
		/* legit: the kernel takes the buffer the offset falls in */
		rq_push(buf_any(off), len, 0);
		break;
	case ABUSE_PAD:
		rq_push(off, len, 1 + random());
		break;
	case ABUSE_LEN:
		rq_push(off, random() % 2 ? 0 : UINT32_MAX, 0);
		break;
	case ABUSE_HEAD:
		IO_URING_WRITE_ONCE(*rq.khead, (uint32_t)random());
		rq_push(off, len, 0);
		break;
	case ABUSE_TAIL_AHEAD:
		rq_push(off, len, 0);
		io_uring_smp_store_release(rq.ktail, rq.rq_tail + (1U << 30));
		return;
	case ABUSE_TAIL_BACK:
		rq_push(off, len, 0);
		io_uring_smp_store_release(rq.ktail, rq.rq_tail -
					   rq.ring_entries -
					   (uint32_t)(random() % 1000));
		return;
	case NR_ABUSES:
		break;
	}
	/* no room check either: entries the kernel has not read get overwritten */
	io_uring_zcrx_rq_commit(&rq);
}

/* The index of the buffer at refill/CQE offset @off in its area. */
static uint64_t buf_index(uint64_t off)
{
	return (off & ~IORING_ZCRX_AREA_MASK) >> buf_shift;
}

/*
 * Where the bytes of a completion at @off, @len long, are, if they lie
 * inside one buffer of one of the areas (ABI §6); if not, NULL, and the
 * completion is counted and told.
 */
static const uint8_t *cqe_data(uint64_t off, uint32_t len)
{
	uint64_t id = off >> IORING_ZCRX_AREA_SHIFT;
	uint64_t at = off & ~IORING_ZCRX_AREA_MASK;
	uint64_t buf_len = 1ULL << buf_shift;

	if (id < nr_areas && at + len <= areas[id].len &&
	    (at & (buf_len - 1)) + len <= buf_len)
		return areas[id].base + at;
	if (++nr_bad_offsets <= 10)
		printf("bad offset: off=%#" PRIx64 " len=%u (%u areas, rx_buf_len %" PRIu64 ")\n",
		       off, len, nr_areas, buf_len);
	return NULL;
}

/* The bytes at @off, of a completion cqe_data() found in place. */
static const uint8_t *area_ptr(uint64_t off)
{
	return areas[off >> IORING_ZCRX_AREA_SHIFT].base +
	       (off & ~IORING_ZCRX_AREA_MASK);
}

/* Count what the completion at @off says about the buffers. */
static void note_buffer(uint64_t off)
{
	struct area *a = &areas[off >> IORING_ZCRX_AREA_SHIFT];

	/* something else came first in this buffer */
	if (off != buf_start(off))
		nr_shared++;
	if (!a->cqes++)
		nr_used_areas++;
}

/*
 * -D: write a refill entry for the buffer at @off, @extra if the receiver
 * is not entitled to it. Two entries for one buffer are never back to
 * back: the kernel takes such a run as one batch, all or nothing, and
 * could drop the one legit return among them with the extra ones. An entry
 * it skips goes in between.
 */
static void refs_push(uint64_t off, uint32_t len, bool extra)
{
	uint64_t buf = buf_index(off), idx;

	rq_wait_space(2);
	if ((int64_t)buf == last_buf) {
		rq_push(RQ_SEPARATOR, 0, 0);
		nr_separators++;
	}
	idx = rq_push(off, len, 0);
	if (extra)
		extra_end[buf] = idx + 1;
	last_buf = buf;
}

/*
 * -D: is the refill ring too full for extra entries? The kernel reads it
 * only as the queue needs buffers, and a ring full of entries it has no
 * use for would stop the receiver, and with it the stream.
 */
static bool refs_tight(void)
{
	return io_uring_zcrx_rq_space(&rq) < rq.ring_entries / 4;
}

/*
 * -D: may a mismatch in the buffer at @off, handed out by an enter that
 * found the refill ring's head at @h0, be the receiver's own doing?
 *
 * The receiver writes entries it is not entitled to ("extra": anything but
 * the one return of a completion it has checked), so it may have given
 * away the reference that kept the buffer from being recycled and written
 * over by the NIC before it was checked. The kernel consumes entries in
 * ring order and publishes its head after them, so an entry below h0 was
 * consumed before that enter began, before the buffer was handed out, and
 * cannot have taken the reference of this completion: only one at or
 * above h0 can. The rule: a mismatch is explained if the buffer has an
 * extra entry at a ring index >= h0; otherwise the kernel recycled a
 * buffer it still had to keep (or wrote into one), and the test fails.
 *
 * An extra entry may also be consumed earlier and leave the kernel's count
 * of the user's references one short, so that a later legit return takes
 * a reference the receiver still needs. That legit return is at or above
 * h0 then, and the rule still sees it: the second copy of every return is
 * written right after it (refs_return()), before anything else is checked,
 * so a buffer with a legit entry at or above h0 always has an extra one
 * above it too.
 */
static bool refs_explained(uint64_t off, uint64_t h0)
{
	return extra_end[buf_index(off)] > h0;
}

/*
 * -D: check @len bytes of @c at stream offset @pos, in the buffer at @off,
 * handed out by an enter that found the refill head at @h0.
 */
static void refs_check(struct conn *c, uint64_t off, uint64_t pos,
		       uint32_t len, uint64_t h0)
{
	const uint8_t *data = area_ptr(off);
	int64_t first_bad = -1;
	uint64_t bad;

	bad = pattern_check(data, pos, len, &first_bad);
	if (!bad)
		return;
	if (refs_explained(off, h0)) {
		nr_explained++;
		return;
	}
	if (++nr_unexplained <= 10)
		printf("unexplained: conn %td pos=%" PRIu64 " len=%u buf=%"
		       PRIu64 " bad=%" PRIu64 " h0=%" PRIu64
		       " last_extra=%" PRId64 "\n", c - conns, pos, len,
		       buf_index(off), bad, h0,
		       (int64_t)extra_end[buf_index(off)] - 1);
	c->bad += bad;
	if (c->first_bad < 0)
		c->first_bad = first_bad;
}

/*
 * -D: the legit return of a checked completion, and its second copy. With
 * the ring too full for the copy, the return counts as extra itself: an
 * extra entry consumed earlier may have left the kernel's count short, so
 * that it takes a reference still needed.
 */
static void refs_return(uint64_t off, uint32_t len)
{
	if (refs_tight()) {
		refs_push(off, len, true);
		nr_tight++;
	} else {
		refs_push(off, len, false);
		refs_push(off, len, true);
		nr_twice++;
	}
	io_uring_zcrx_rq_commit(&rq);
}

/* -D: check and return the oldest completion returned prematurely. */
static void refs_late_one(void)
{
	struct late *l = &lates[lates_first];

	refs_check(l->c, l->off, l->pos, l->len, l->h0);
	refs_return(l->off, l->len);
	lates_first = (lates_first + 1) % MAX_LATES;
	nr_lates--;
}

/* -D: check those whose time has come, or with @all every one. */
static void refs_lates(bool all)
{
	while (nr_lates && (all || lates[lates_first].due <= nr_enter_calls))
		refs_late_one();
}

/*
 * -D: a data completion of @c, the @idx-th of the CQ. Every other one is
 * returned at once and checked REFS_DELAY enters later, long enough for
 * the NIC to write into it again if the kernel recycles it meanwhile; the
 * others are checked now. Either way the check is followed by the legit
 * return and its second copy.
 */
static void refs_data(struct conn *c, const struct io_uring_cqe *cqe,
		      uint32_t idx)
{
	static unsigned int nr;
	uint64_t off = io_uring_zcrx_cqe(cqe)->off, h0 = enter_h0(idx);

	if (nr++ % 2 || refs_tight()) {
		refs_check(c, off, c->bytes, cqe->res, h0);
		refs_return(off, cqe->res);
		return;
	}
	refs_push(off, cqe->res, true);
	io_uring_zcrx_rq_commit(&rq);
	nr_premature++;
	if (nr_lates == MAX_LATES)
		refs_late_one();
	lates[(lates_first + nr_lates++) % MAX_LATES] = (struct late){
		.c = c, .off = off, .pos = c->bytes, .len = cqe->res,
		.h0 = h0, .due = nr_enter_calls + REFS_DELAY,
	};
}

static void hold(struct conn *c, uint64_t off, uint32_t len)
{
	if (c->nr_held == c->max_held) {
		c->max_held = c->max_held ? 2 * c->max_held : 1024;
		c->held = realloc(c->held, c->max_held * sizeof(*c->held));
		if (!c->held)
			die("realloc", ENOMEM);
	}
	c->held[c->nr_held++] = (struct held){
		.off = off, .pos = c->bytes, .len = len,
	};
}

/* -k: from now on only the instance keeps the dma-bufs. */
static void close_fds(void)
{
	unsigned int i;

	for (i = 0; i < nr_areas; i++)
		area_close_fds(&areas[i]);
	fds_closed = true;
	printf("fds closed at byte %" PRIu64 "\n", total_bytes);
	fflush(stdout);
}

/* -a: keep the completion at @off of @c, its bytes checked already. */
static void grow_hold(struct conn *c, uint64_t off, uint32_t len)
{
	uint64_t b = buf_index(off);

	if (nr_grow_held == max_grow_held) {
		max_grow_held = max_grow_held ? 2 * max_grow_held : 4096;
		grow_held = realloc(grow_held,
				    max_grow_held * sizeof(*grow_held));
		if (!grow_held)
			die("realloc", ENOMEM);
	}
	grow_held[nr_grow_held++] = (struct held){
		.off = off, .pos = c->bytes, .len = len, .conn = c - conns,
	};
	if (grow == GROW_DRY && !(off >> IORING_ZCRX_AREA_SHIFT) &&
	    !dry_seen[b]) {
		dry_seen[b] = 1;
		nr_dry_seen++;
	}
}

/*
 * -a: check every held buffer again (the kernel must not have given any
 * of them to the device meanwhile) and return it.
 */
static void grow_release(const struct opts *o)
{
	size_t i;

	grow_seen = nr_used_areas;
	for (i = 0; i < nr_grow_held; i++) {
		const struct held *h = &grow_held[i];
		struct conn *c = &conns[h->conn];

		c->bad += pattern_check(area_ptr(h->off), h->pos, h->len,
					&c->first_bad);
		return_buffer(o, h->off, h->len);
	}
	grow_rechecked += nr_grow_held;
	nr_grow_held = 0;
	grow = GROW_DONE;
}

/*
 * -a: once the user holds every buffer of area 0, the queue has none left:
 * add the areas. Once every area had a completion, give everything back.
 */
static void grow_step(const struct opts *o)
{
	unsigned int i;

	if (grow == GROW_DRY && nr_dry_seen == areas[0].len >> buf_shift) {
		grow_at_byte = total_bytes;
		for (i = 0; i < o->grow_areas; i++)
			add_area(o, o->added_size);
		printf("area 0 ran dry at byte %" PRIu64 ": %u areas added\n",
		       grow_at_byte, o->grow_areas);
		fflush(stdout);
		grow = GROW_SPREAD;
	}
	if (grow == GROW_SPREAD && nr_used_areas == nr_areas)
		grow_release(o);
}

/* A data completion, the @idx-th of the CQ. */
static void handle_data(const struct opts *o, struct conn *c,
			const struct io_uring_cqe *cqe, uint32_t idx)
{
	uint64_t off = io_uring_zcrx_cqe(cqe)->off;
	const uint8_t *data = cqe_data(off, cqe->res);

	nr_data_cqes++;
	total_bytes += cqe->res;
	if (!data) {
		/* nothing to read there, nothing to return: the run fails */
		c->bytes += cqe->res;
		return;
	}
	note_buffer(off);
	if (o->close_fds && !fds_closed)
		close_fds();
	if (o->refs) {
		refs_data(c, cqe, idx);
		c->bytes += cqe->res;
		return;
	}
	c->bad += pattern_check(data, c->bytes, cqe->res, &c->first_bad);
	if (grow == GROW_DRY || grow == GROW_SPREAD) {
		grow_hold(c, off, cqe->res);
		c->bytes += cqe->res;
		grow_step(o);
		return;
	}
	if (o->hold == HOLD_FOREVER || o->hold == HOLD_UNTIL_CLOSE)
		hold(c, off, cqe->res);
	c->bytes += cqe->res;
	if (o->slow_us)
		usleep(o->slow_us);
	if (o->abuse_cqes)
		abuse(o, off, cqe->res);
	else if (o->hold == HOLD_NONE || o->hold == HOLD_KEEP_SOCKETS)
		return_buffer(o, off, cqe->res);
}

/* -C: the socket is closed; its buffers must still hold its bytes. */
static void recheck_and_return(const struct opts *o, struct conn *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_held; i++) {
		const struct held *h = &c->held[i];

		c->bad += pattern_check(area_ptr(h->off), h->pos, h->len,
					&c->first_bad);
		return_buffer(o, h->off, h->len);
	}
}

/* The request ended: re-arm it or finish the connection. */
static void handle_end(const struct opts *o, int i, int res)
{
	struct conn *c = &conns[i];
	bool limit = res == 0 && c->limit &&
		     c->bytes - c->armed_at == c->limit;

	if (o->hold == HOLD_KEEP_SOCKETS && limit &&
	    c->bytes == o->limit) {
		c->res = res;
		c->done = c->kept = true;
		return;
	}
	if (res == -ENOSPC || limit) {
		arm(o, i);
		return;
	}
	c->res = res;
	c->done = true;
	close(c->fd);
}

static void read_info(struct zcrx_info *info)
{
	char path[64], line[256], key[32];
	FILE *f;

	info->zc_bytes = info->copy_bytes = UINT64_MAX;
	info->rxq = -2;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring.ring_fd);
	snprintf(key, sizeof(key), "Zcrx%u:", zcrx_id);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, key, strlen(key)))
			continue;
		p = strstr(line, "rxq=");
		if (p)
			info->rxq = atoi(p + 4);
		p = strstr(line, "zc_bytes=");
		if (p)
			info->zc_bytes = strtoull(p + 9, NULL, 10);
		p = strstr(line, "copy_bytes=");
		if (p)
			info->copy_bytes = strtoull(p + 11, NULL, 10);
	}
	fclose(f);
}

/* -E: once the device took the queue away, end the connections ourselves. */
static void shut_if_unbound(const struct opts *o, bool *unbound)
{
	struct zcrx_info info;
	int i;

	if (*unbound)
		return;
	read_info(&info);
	if (info.rxq != -1)
		return;
	printf("unbound\n");
	fflush(stdout);
	for (i = 0; i < nr_conns; i++)
		if (!conns[i].done)
			shutdown(conns[i].fd, SHUT_RD);
	*unbound = true;
}

/* CONNS connections on PORT, then -F's on its port; each armed. */
static void accept_all(const struct opts *o)
{
	int i, lfd, cfd = -1;

	lfd = listen_on(o, o->port);
	if (o->copy_port)
		cfd = listen_on(o, o->copy_port);
	printf("listening\n");
	fflush(stdout);
	nr_conns = o->nconns + !!o->copy_port;
	for (i = 0; i < nr_conns; i++) {
		conns[i] = (struct conn){ .first_bad = -1 };
		conns[i].copy_flow = i == o->nconns;
		conns[i].fd = accept(conns[i].copy_flow ? cfd : lfd, NULL, NULL);
		if (conns[i].fd < 0)
			die("accept", errno);
		arm(o, i);
	}
	close(lfd);
	if (cfd >= 0)
		close(cfd);
}

/* Reap completions until every connection ended; false on a timeout. */
static bool receive(const struct opts *o)
{
	time_t deadline = time(NULL) + o->timeout_s;
	int open_conns = nr_conns;
	struct io_uring_cqe *cqe;
	bool unbound = false;

	while (open_conns) {
		unsigned int head, seen = 0;
		int ret;

		if (o->abuse_cqes && nr_data_cqes >= o->abuse_cqes)
			return true;
		ret = enter(o, true);
		if (ret < 0 && ret != -ETIME && ret != -EINTR)
			die("wait", -ret);
		if (ret == -ETIME && o->may_vanish)
			shut_if_unbound(o, &unbound);
		if (time(NULL) > deadline) {
			/* a hostile stream may well stall: it stops here */
			if (o->abuse_cqes)
				return true;
			fprintf(stderr, "zcrx_rx: timed out\n");
			return false;
		}
		io_uring_for_each_cqe(&ring, head, cqe) {
			struct conn *c = &conns[cqe->user_data];

			seen++;
			nr_cqes++;
			if (cqe->flags & IORING_CQE_F_MORE) {
				handle_data(o, c, cqe, head);
				continue;
			}
			handle_end(o, cqe->user_data, cqe->res);
			if (c->done)
				open_conns--;
		}
		io_uring_cq_advance(&ring, seen);
		if (o->refs)
			refs_lates(false);
	}
	return true;
}

static bool conn_ok(const struct opts *o, const struct conn *c)
{
	if (c->bad || !c->done)
		return false;
	/* -F into a dma-buf: the copy it needs cannot be made (ABI §4) */
	if (c->copy_flow && o->mem == MEM_UDMABUF)
		return c->res == -ENOMEM && !c->bytes;
	/* the device went away: an error, or EOF short of BYTES */
	if (o->may_vanish)
		return true;
	return !c->res && (o->want < 0 || c->bytes == (uint64_t)o->want);
}

static void print_abuses(void)
{
	printf("abuse: none=%" PRIu64 " twice=%" PRIu64 " random=%" PRIu64
	       " range=%" PRIu64 " area_id=%" PRIu64 " pad=%" PRIu64
	       " len=%" PRIu64 " head=%" PRIu64 " tail_ahead=%" PRIu64
	       " tail_back=%" PRIu64 " inside=%" PRIu64 "\n",
	       nr_abuses[ABUSE_NONE],
	       nr_abuses[ABUSE_TWICE], nr_abuses[ABUSE_RANDOM],
	       nr_abuses[ABUSE_RANGE], nr_abuses[ABUSE_AREA_ID],
	       nr_abuses[ABUSE_PAD], nr_abuses[ABUSE_LEN],
	       nr_abuses[ABUSE_HEAD], nr_abuses[ABUSE_TAIL_AHEAD],
	       nr_abuses[ABUSE_TAIL_BACK], nr_abuses[ABUSE_INSIDE]);
	/* not on the abuse: line, so that a single area shows no 0 there */
	printf("abuse-areas: other_area=%" PRIu64 "\n", nr_other_area);
}

/* Print what each connection got; true if all of them are right. */
static bool report(const struct opts *o, bool ok)
{
	struct zcrx_info info;
	int i;

	for (i = 0; i < nr_conns; i++) {
		struct conn *c = &conns[i];

		printf("conn %d: bytes=%" PRIu64 " bad=%" PRIu64
		       " first_bad=%" PRId64 " res=%d held=%u\n", i, c->bytes,
		       c->bad, c->first_bad, c->res, c->nr_held);
		if (c->copy_flow)
			printf("copy flow: res=%d bytes=%" PRIu64 "\n", c->res,
			       c->bytes);
		if (!conn_ok(o, c))
			ok = false;
	}
	read_info(&info);
	printf("zcrx: cqes=%" PRIu64 " zc_bytes=%" PRIu64 " copy_bytes=%" PRIu64
	       "\n", nr_cqes, info.zc_bytes, info.copy_bytes);
	printf("buffers: rx_buf_len=%u areas=%u used=%u shared=%" PRIu64
	       " bad_offsets=%" PRIu64 "\n", 1U << buf_shift, nr_areas,
	       nr_used_areas, nr_shared, nr_bad_offsets);
	if (o->grow_areas)
		printf("grow: added=%u at_byte=%" PRIu64 " seen=%u/%u rechecked=%"
		       PRIu64 "\n", nr_areas - 1, grow_at_byte, grow_seen,
		       nr_areas, grow_rechecked);
	if (o->refs)
		printf("refs: data_cqes=%" PRIu64 " premature=%" PRIu64
		       " twice=%" PRIu64 " once=%" PRIu64 " separators=%" PRIu64
		       " explained=%" PRIu64 " unexplained=%" PRIu64 "\n",
		       nr_data_cqes, nr_premature, nr_twice, nr_tight,
		       nr_separators, nr_explained, nr_unexplained);
	if (o->abuse_cqes) {
		print_abuses();
		/* its own stream is beyond judging, only getting here counts */
		ok = true;
	}
	/* where the kernel put the data is never the receiver's doing */
	if (nr_bad_offsets)
		ok = false;
	return ok;
}

static bool run(const struct opts *o)
{
	bool ok;
	int i;

	nr_cqes = nr_data_cqes = total_bytes = 0;
	nr_shared = nr_bad_offsets = grow_at_byte = grow_rechecked = 0;
	grow_seen = 0;
	accept_all(o);
	ok = receive(o);
	if (o->refs)
		refs_lates(true);
	if (o->hold == HOLD_UNTIL_CLOSE)
		for (i = 0; i < nr_conns; i++)
			recheck_and_return(o, &conns[i]);
	/* -a: the stream ended before all areas were used */
	if (grow == GROW_DRY || grow == GROW_SPREAD)
		grow_release(o);
	ok = report(o, ok);
	for (i = 0; i < nr_conns; i++) {
		if (!conns[i].done)
			close(conns[i].fd);
		free(conns[i].held);
	}
	return ok;
}

/*
 * -K: before the ring goes, every kept socket must hold bytes it has not
 * read, which arrived while the queue was bound and so sit in the area's
 * buffers. A slow sender may not have sent past the limit yet: wait for it.
 */
static bool wait_unread(const struct opts *o)
{
	struct pollfd pfd = { .events = POLLIN };
	int i;

	for (i = 0; i < o->nconns; i++) {
		if (!conns[i].kept)
			continue;
		pfd.fd = conns[i].fd;
		if (poll(&pfd, 1, o->timeout_s * 1000) == 1)
			continue;
		fprintf(stderr, "zcrx_rx: conn %d: nothing unread after %d s\n",
			i, o->timeout_s);
		return false;
	}
	return true;
}

/*
 * -K: the ring is gone, the sockets are not. Close them once @until
 * exists, or after SECONDS.
 */
static bool keep_sockets(const struct opts *o)
{
	time_t deadline = time(NULL) + o->timeout_s;
	struct stat st;
	bool ok = true;
	int i;

	printf("ring closed\n");
	fflush(stdout);
	while (stat(o->keep_until, &st)) {
		if (time(NULL) > deadline) {
			fprintf(stderr, "zcrx_rx: no %s after %d s\n",
				o->keep_until, o->timeout_s);
			ok = false;
			break;
		}
		usleep(100000);
	}
	for (i = 0; i < nr_conns; i++)
		if (conns[i].kept)
			close(conns[i].fd);
	printf("sockets closed\n");
	return ok;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_rx -i IF -q QUEUE -p PORT [-6] [-c CONNS] [-b BYTES]\n"
		"               [-A AREA] [-r RQ_ENTRIES] [-B LIMIT] [-s SLOW_US]\n"
		"               [-U] [-t SECONDS] [-H | -C | -D] [-E]\n"
		"               [-L LOOPS [-e EVERY]] [-X CQES] [-K FILE]\n"
		"               [-R RX_BUF_LEN] [-m anon|huge|udmabuf] [-k]\n"
		"               [-n AREAS | -a AREAS] [-z SIZE] [-u cqe|start|any]\n"
		"               [-F PORT]\n");
	exit(2);
}

static enum mem parse_mem(const char *s)
{
	if (!strcmp(s, "anon"))
		return MEM_ANON;
	if (!strcmp(s, "huge"))
		return MEM_HUGE;
	if (!strcmp(s, "udmabuf"))
		return MEM_UDMABUF;
	usage();
	return MEM_ANON;
}

static enum rq_name parse_rq_name(const char *s)
{
	if (!strcmp(s, "cqe"))
		return RQ_NAME_CQE;
	if (!strcmp(s, "start"))
		return RQ_NAME_START;
	if (!strcmp(s, "any"))
		return RQ_NAME_ANY;
	usage();
	return RQ_NAME_CQE;
}

int main(int argc, char **argv)
{
	struct opts o = { .queue = -1, .nconns = 1, .want = -1,
			  .area_size = 16 << 20, .rq_entries = 4096,
			  .timeout_s = 300, .loops = 1 };
	bool ok = true;
	int c;

	while ((c = getopt(argc, argv,
			   "i:q:p:6c:b:A:r:B:s:Ut:HCDEL:e:X:K:R:m:kn:a:z:u:F:")) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'q': o.queue = atoi(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case '6': o.v6 = true; break;
		case 'c': o.nconns = atoi(optarg); break;
		case 'b': o.want = parse_size(optarg); break;
		case 'A': o.area_size = parse_size(optarg); break;
		case 'r': o.rq_entries = atoi(optarg); break;
		case 'B': o.limit = parse_size(optarg); break;
		case 's': o.slow_us = atoi(optarg); break;
		case 'U': o.user_region = true; break;
		case 't': o.timeout_s = atoi(optarg); break;
		case 'H': o.hold = HOLD_FOREVER; break;
		case 'C': o.hold = HOLD_UNTIL_CLOSE; break;
		case 'D': o.refs = true; break;
		case 'E': o.may_vanish = true; break;
		case 'L': o.loops = atoi(optarg); break;
		case 'e': o.every = atoi(optarg); break;
		case 'X': o.abuse_cqes = parse_size(optarg); break;
		case 'K':
			o.hold = HOLD_KEEP_SOCKETS;
			o.keep_until = optarg;
			break;
		case 'R': o.rx_buf_len = parse_size(optarg); break;
		case 'm': o.mem = parse_mem(optarg); break;
		case 'k': o.close_fds = true; break;
		case 'n': o.add_areas = atoi(optarg); break;
		case 'a': o.grow_areas = atoi(optarg); break;
		case 'z': o.added_size = parse_size(optarg); break;
		case 'u': o.rq_name = parse_rq_name(optarg); break;
		case 'F': o.copy_port = atoi(optarg); break;
		default: usage();
		}
	}
	if (!o.ifname || o.queue < 0 || !o.port || o.nconns < 1 ||
	    o.nconns > MAX_CONNS || o.loops < 1)
		usage();
	if (o.refs && (o.hold != HOLD_NONE || o.abuse_cqes))
		usage();
	if (o.hold == HOLD_KEEP_SOCKETS) {
		if (!o.limit || o.loops > 1 || o.copy_port)
			usage();
		o.want = o.limit;
	}
	if (!o.added_size)
		o.added_size = o.area_size;
	/* one area for -D's bookkeeping; -a holds buffers its own way */
	if (o.add_areas + o.grow_areas >= MAX_AREAS ||
	    (o.add_areas && o.grow_areas) ||
	    (o.refs && (o.add_areas || o.grow_areas)) ||
	    (o.grow_areas && (o.hold != HOLD_NONE || o.abuse_cqes)) ||
	    (o.close_fds && o.mem != MEM_UDMABUF))
		usage();
	if (!o.every)
		o.every = o.loops;
	srandom(getpid() ^ time(NULL));

	for (loop = 1; loop <= o.loops; loop++) {
		setup_ring();
		setup_zcrx(&o);
		if (loop % o.every == 0 && !run(&o))
			ok = false;
		if (o.hold == HOLD_KEEP_SOCKETS && !wait_unread(&o))
			ok = false;
		teardown_zcrx();
	}
	if (o.hold == HOLD_KEEP_SOCKETS && !keep_sockets(&o))
		ok = false;
	if (o.loops > 1)
		printf("loops: %u\n", o.loops);
	printf("done: %s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
