// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_rx: receive pattern streams with IORING_OP_RECV_ZC and check them.
 *
 *   zcrx_rx -i IF -q QUEUE -p PORT [-6] [-c CONNS] [-b BYTES] [-A AREA]
 *           [-r RQ_ENTRIES] [-B LIMIT] [-s SLOW_US] [-U] [-t SECONDS]
 *           [-H | -C | -D] [-E] [-L LOOPS [-e EVERY]] [-X CQES]
 *           [-K FILE]
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
 * and "done: ok" only if every connection ended with EOF, no bad byte and
 * exactly BYTES when -b is given; exit status 0 likewise.
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
 *      which fails it; it prints "abuse: ..." with what it wrote.
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
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
};

struct conn {
	int fd;
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
	ABUSE_RANDOM,		/* a random offset inside the area */
	ABUSE_RANGE,		/* offsets past the end of the area */
	ABUSE_AREA_ID,		/* another area's id in the token bits */
	ABUSE_PAD,		/* __pad not zero */
	ABUSE_LEN,		/* a length that is not the completion's */
	ABUSE_HEAD,		/* the kernel-owned head overwritten */
	ABUSE_TAIL_AHEAD,	/* a tail far ahead of the entries written */
	ABUSE_TAIL_BACK,	/* a tail behind what the kernel consumed */
	NR_ABUSES
};

static struct io_uring ring;
static struct io_uring_zcrx_rq rq;
static size_t rq_size;
static uint64_t rq_written;	/* refill entries written, ever: rq_tail in 64 bits */
static struct conn conns[MAX_CONNS];
static void *area;
static uint32_t zcrx_id;
static unsigned int buf_shift;	/* log2 of the instance's buffer size */
static uint64_t nr_cqes, nr_data_cqes;
static uint64_t nr_abuses[NR_ABUSES];
static unsigned int loop;

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

static void setup_zcrx(const struct opts *o)
{
	struct io_uring_zcrx_area_reg area_reg = {};
	struct io_uring_region_desc rd = {};
	struct io_uring_zcrx_ifq_reg reg = {};
	void *rq_mem = NULL;
	int ret;

	rq_size = io_uring_zcrx_rq_region_size(o->rq_entries);
	area = mmap(NULL, o->area_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap area", errno);
	area_reg.addr = (uintptr_t)area;
	area_reg.len = o->area_size;

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

	ret = io_uring_register_ifq(&ring, &reg);
	if (ret)
		die("IORING_REGISTER_ZCRX_IFQ", -ret);
	zcrx_id = reg.zcrx_id;

	if (o->user_region)
		ret = io_uring_zcrx_rq_init(&rq, &reg, rq_mem);
	else
		ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	if (ret)
		die("refill ring", -ret);
	rq_written = rq.rq_tail;

	buf_shift = __builtin_ctz(reg.rx_buf_len ?: sysconf(_SC_PAGESIZE));
	if (o->refs) {
		free(extra_end);
		extra_end = calloc(o->area_size >> buf_shift, sizeof(*extra_end));
		if (!extra_end)
			die("calloc", ENOMEM);
		last_buf = -1;
		nr_enters = 0;
	}
}

/* Exit the ring; the kernel takes back whatever buffers are still held. */
static void teardown_zcrx(const struct opts *o)
{
	/* a mapping of the kernel's region keeps the ring file open */
	io_uring_zcrx_rq_unmap(&rq, rq_size);
	io_uring_queue_exit(&ring);
	munmap(area, o->area_size);
}

static int listen_on(const struct opts *o)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(o->port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(o->port) };
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

static void return_buffer(uint64_t off, uint32_t len)
{
	rq_wait_space(1);
	rq_push(off, len, 0);
	io_uring_zcrx_rq_commit(&rq);
}

static uint64_t rand64(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 2 ^ random();
}

/*
 * -X: instead of returning the buffer at @off, write what the kernel must
 * not trust. Whatever is not returned stays held until the ring exits.
 */
static void abuse(const struct opts *o, uint64_t off, uint32_t len)
{
	enum abuse kind = nr_data_cqes % NR_ABUSES;
	uint64_t id;

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
		rq_push(rand64() % o->area_size, len, 0);
		break;
	case ABUSE_RANGE:
		rq_push(o->area_size + rand64() % o->area_size, len, 0);
		rq_push(~IORING_ZCRX_AREA_MASK, len, 0);
		break;
	case ABUSE_AREA_ID:
		id = 1 + rand64() % 0xffff;
		rq_push(off | id << IORING_ZCRX_AREA_SHIFT, len, 0);
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

/* The index of the buffer at refill/CQE offset @off. */
static uint64_t buf_index(uint64_t off)
{
	return (off & ~IORING_ZCRX_AREA_MASK) >> buf_shift;
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
	const uint8_t *data = (uint8_t *)area + (off & ~IORING_ZCRX_AREA_MASK);
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
	c->held[c->nr_held++] = (struct held){ off, c->bytes, len };
}

/* A data completion, the @idx-th of the CQ. */
static void handle_data(const struct opts *o, struct conn *c,
			const struct io_uring_cqe *cqe, uint32_t idx)
{
	const uint8_t *data = io_uring_zcrx_cqe_data(cqe, area);
	uint64_t off = io_uring_zcrx_cqe(cqe)->off;

	nr_data_cqes++;
	if (o->refs) {
		refs_data(c, cqe, idx);
		c->bytes += cqe->res;
		return;
	}
	c->bad += pattern_check(data, c->bytes, cqe->res, &c->first_bad);
	if (o->hold == HOLD_FOREVER || o->hold == HOLD_UNTIL_CLOSE)
		hold(c, off, cqe->res);
	c->bytes += cqe->res;
	if (o->slow_us)
		usleep(o->slow_us);
	if (o->abuse_cqes)
		abuse(o, off, cqe->res);
	else if (o->hold == HOLD_NONE || o->hold == HOLD_KEEP_SOCKETS)
		return_buffer(off, cqe->res);
}

/* -C: the socket is closed; its buffers must still hold its bytes. */
static void recheck_and_return(struct conn *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_held; i++) {
		const struct held *h = &c->held[i];
		const uint8_t *data = (uint8_t *)area +
				      (h->off & ~IORING_ZCRX_AREA_MASK);

		c->bad += pattern_check(data, h->pos, h->len, &c->first_bad);
		return_buffer(h->off, h->len);
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
	for (i = 0; i < o->nconns; i++)
		if (!conns[i].done)
			shutdown(conns[i].fd, SHUT_RD);
	*unbound = true;
}

static void accept_all(const struct opts *o)
{
	int i, lfd;

	lfd = listen_on(o);
	printf("listening\n");
	fflush(stdout);
	for (i = 0; i < o->nconns; i++) {
		conns[i] = (struct conn){ .first_bad = -1 };
		conns[i].fd = accept(lfd, NULL, NULL);
		if (conns[i].fd < 0)
			die("accept", errno);
		arm(o, i);
	}
	close(lfd);
}

/* Reap completions until every connection ended; false on a timeout. */
static bool receive(const struct opts *o)
{
	time_t deadline = time(NULL) + o->timeout_s;
	int open_conns = o->nconns;
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
	       " tail_back=%" PRIu64 "\n", nr_abuses[ABUSE_NONE],
	       nr_abuses[ABUSE_TWICE], nr_abuses[ABUSE_RANDOM],
	       nr_abuses[ABUSE_RANGE], nr_abuses[ABUSE_AREA_ID],
	       nr_abuses[ABUSE_PAD], nr_abuses[ABUSE_LEN],
	       nr_abuses[ABUSE_HEAD], nr_abuses[ABUSE_TAIL_AHEAD],
	       nr_abuses[ABUSE_TAIL_BACK]);
}

/* Print what each connection got; true if all of them are right. */
static bool report(const struct opts *o, bool ok)
{
	struct zcrx_info info;
	int i;

	for (i = 0; i < o->nconns; i++) {
		struct conn *c = &conns[i];

		printf("conn %d: bytes=%" PRIu64 " bad=%" PRIu64
		       " first_bad=%" PRId64 " res=%d held=%u\n", i, c->bytes,
		       c->bad, c->first_bad, c->res, c->nr_held);
		if (!conn_ok(o, c))
			ok = false;
	}
	read_info(&info);
	printf("zcrx: cqes=%" PRIu64 " zc_bytes=%" PRIu64 " copy_bytes=%" PRIu64
	       "\n", nr_cqes, info.zc_bytes, info.copy_bytes);
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
	return ok;
}

static bool run(const struct opts *o)
{
	bool ok;
	int i;

	nr_cqes = nr_data_cqes = 0;
	accept_all(o);
	ok = receive(o);
	if (o->refs)
		refs_lates(true);
	if (o->hold == HOLD_UNTIL_CLOSE)
		for (i = 0; i < o->nconns; i++)
			recheck_and_return(&conns[i]);
	ok = report(o, ok);
	for (i = 0; i < o->nconns; i++) {
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
	for (i = 0; i < o->nconns; i++)
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
		"               [-L LOOPS [-e EVERY]] [-X CQES] [-K FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .queue = -1, .nconns = 1, .want = -1,
			  .area_size = 16 << 20, .rq_entries = 4096,
			  .timeout_s = 300, .loops = 1 };
	bool ok = true;
	int c;

	while ((c = getopt(argc, argv, "i:q:p:6c:b:A:r:B:s:Ut:HCDEL:e:X:K:")) != -1) {
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
		default: usage();
		}
	}
	if (!o.ifname || o.queue < 0 || !o.port || o.nconns < 1 ||
	    o.nconns > MAX_CONNS || o.loops < 1)
		usage();
	if (o.refs && (o.hold != HOLD_NONE || o.abuse_cqes))
		usage();
	if (o.hold == HOLD_KEEP_SOCKETS) {
		if (!o.limit || o.loops > 1)
			usage();
		o.want = o.limit;
	}
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
		teardown_zcrx(&o);
	}
	if (o.hold == HOLD_KEEP_SOCKETS && !keep_sockets(&o))
		ok = false;
	if (o.loops > 1)
		printf("loops: %u\n", o.loops);
	printf("done: %s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
