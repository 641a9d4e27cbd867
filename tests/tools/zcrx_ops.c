// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_ops: how an IORING_OP_RECV_ZC request behaves (zcrx-abi.md §6).
 *
 *   zcrx_ops -i IF -q QUEUE -Q OTHER_QUEUE -p PORT
 *
 * Registers a zcrx instance on rx queue QUEUE of IF and drives requests on
 * TCP connections over 127.0.0.1: what prep refuses (ABI revision 2: no
 * request without IORING_RECV_MULTISHOT), the end of a stream (EOF, a
 * reached read limit, a reset, the reader's own shutdown) and a CQ too
 * small for the data. Nothing sent over lo lands in the instance's
 * buffers, so every byte comes through the copy fallback, and every byte
 * is checked against tests/lib/pattern.h.
 *
 * Then a second instance goes on OTHER_QUEUE of the same ring, and one
 * connection on PORT, whose flow the NIC steers to QUEUE (`pstream send`
 * of a pattern stream from the other end of the pair), is read first with
 * the wrong instance, then with the right one, zero-copy, in read limits
 * that end requests in the middle of a buffer. Prints KTAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include <liburing/zcrx.h>

#include "ktap_cases.h"
#include "pattern.h"

/*
 * The CQ is small enough that the full-CQ case needs only 64 KiB. The area
 * must outlast what the bound queue's rx ring keeps filled, idle as it is,
 * for the copy fallback to find free buffers.
 */
#define CQ_ENTRIES	8
#define AREA_SIZE	(16 << 20)
#define RQ_ENTRIES	256
#define WAIT_MS		10000
#define PEER_BYTES	(1 << 20)	/* what the peer on PORT sends */

/* A zcrx instance: its id, area and refill ring. */
struct instance {
	unsigned int id;
	void *area;
	struct io_uring_zcrx_rq rq;
	unsigned long kept;	/* buffers kept: the refill ring was full */
};

static struct io_uring ring;
static struct instance main_inst, other_inst;

/* What one request delivered. */
struct stream {
	struct instance *inst;	/* the request reads into its buffers */
	size_t bytes;		/* data completions add up to this */
	uint64_t bad;		/* bytes that do not match the pattern */
	int64_t first_bad;
	int res;		/* of the completion without F_MORE */
	unsigned int flags;	/* and its flags */
	bool ended;		/* that completion came */
	unsigned int cqes;	/* data completions of the current request */
	uint64_t first_off;	/* its first one's offset in the area */
	uint64_t end_off;	/* and where its last one ended */
};

static void setup_ring(void)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_DEFER_TASKRUN |
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32 |
			 IORING_SETUP_CQSIZE,
		.cq_entries = CQ_ENTRIES,
	};
	int ret;

	ret = io_uring_queue_init_params(4, &ring, &p);
	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init_params: %s\n",
				   strerror(-ret));
}

static void setup_instance(struct instance *inst, const char *ifname,
			   int queue)
{
	struct io_uring_zcrx_area_reg area_reg = { .len = AREA_SIZE };
	struct io_uring_region_desc rd = {
		.size = io_uring_zcrx_rq_region_size(RQ_ENTRIES),
	};
	struct io_uring_zcrx_ifq_reg reg = {
		.if_rxq = queue,
		.rq_entries = RQ_ENTRIES,
		.area_ptr = (uintptr_t)&area_reg,
		.region_ptr = (uintptr_t)&rd,
	};
	int ret;

	inst->area = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (inst->area == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	area_reg.addr = (uintptr_t)inst->area;
	reg.if_idx = if_nametoindex(ifname);
	if (!reg.if_idx)
		ksft_exit_fail_msg("%s: %s\n", ifname, strerror(errno));
	ret = io_uring_register_ifq(&ring, &reg);
	if (ret)
		ksft_exit_fail_msg("IORING_REGISTER_ZCRX_IFQ: %s\n",
				   strerror(-ret));
	inst->id = reg.zcrx_id;
	ret = io_uring_zcrx_rq_map(&ring, &inst->rq, &reg, &rd);
	if (ret)
		ksft_exit_fail_msg("refill ring: %s\n", strerror(-ret));
}

static void send_pattern(int fd, size_t len)
{
	if (!pattern_write(fd, 0, len))
		ksft_exit_fail_msg("write: %s\n", strerror(errno));
}

/* Wait until @bytes are queued on @fd, so a request finds them at once. */
static bool wait_queued(int fd, int bytes)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec start, now;
	int queued = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (ioctl(fd, SIOCINQ, &queued))
			return false;
		if (queued >= bytes)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > WAIT_MS / 1000)
			return false;
		/* more data or a state change wakes it; 10 ms bounds a miss */
		poll(&pfd, 1, 10);
	}
}

static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe)
		ksft_exit_fail_msg("no sqe\n");
	return sqe;
}

/* A request on @fd with read limit @limit (0: none). */
static void arm(struct stream *s, int fd, unsigned int limit)
{
	struct io_uring_sqe *sqe = get_sqe();

	s->ended = false;
	s->cqes = 0;
	io_uring_prep_recv_zc(sqe, fd, s->inst->id, limit);
	sqe->user_data = fd;
	io_uring_submit(&ring);
}

/* Account one data completion and give its buffer back. */
static void take_data(struct stream *s, const struct io_uring_cqe *cqe)
{
	const uint8_t *data = io_uring_zcrx_cqe_data(cqe, s->inst->area);
	uint64_t off = io_uring_zcrx_cqe(cqe)->off & ~IORING_ZCRX_AREA_MASK;

	if (!s->cqes++)
		s->first_off = off;
	s->end_off = off + cqe->res;

	s->bad += pattern_check(data, s->bytes, cqe->res, &s->first_bad);
	s->bytes += cqe->res;
	/*
	 * The kernel takes entries off the refill ring when the queue's pool
	 * wants buffers. A stream that arrived before it is read needs none,
	 * and returns can outrun it: keep the buffer then (the area has room
	 * for every test's data), it comes back when the ring is closed.
	 */
	if (!io_uring_zcrx_rq_return(&s->inst->rq, cqe))
		s->inst->kept++;
	io_uring_zcrx_rq_commit(&s->inst->rq);
}

/*
 * Reap completions of the request on @fd until it ends or @ms pass with
 * nothing new. Returns false on a timeout.
 */
static bool reap(struct stream *s, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000,
					.tv_nsec = (ms % 1000) * 1000000L };
	struct io_uring_cqe *cqe;

	while (!s->ended) {
		if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts))
			return false;
		if (cqe->flags & IORING_CQE_F_MORE) {
			take_data(s, cqe);
		} else {
			s->res = cqe->res;
			s->flags = cqe->flags;
			s->ended = true;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	return true;
}

static struct stream new_stream(void)
{
	return (struct stream){ .inst = &main_inst, .first_bad = -1 };
}

/*
 * Read @fd to its end, re-arming each time a full CQ ends the request
 * (each such round delivers a CQ's worth of data, so @len bounds them).
 * Returns how many rounds the CQ ended.
 */
static unsigned int receive_all(struct stream *s, int fd, size_t len)
{
	unsigned int full = 0;

	for (;;) {
		reap(s, WAIT_MS);
		if (!s->ended || s->res != -ENOSPC || full > len / 4096)
			return full;
		full++;
		arm(s, fd, 0);
	}
}

static bool stream_ok(const struct stream *s, size_t bytes, int res)
{
	if (s->ended && s->res == res && s->bytes == bytes && !s->bad)
		return true;
	ksft_print_msg("ended %d res %d (want %d), %zu bytes (want %zu), %llu bad from %lld\n",
		       s->ended, s->res, res, s->bytes, bytes,
		       (unsigned long long)s->bad, (long long)s->first_bad);
	return false;
}

/* Prep: one refusal per rule, each the request's only completion. */

static void set_addr(struct io_uring_sqe *sqe) { sqe->addr = 4096; }
static void set_addr2(struct io_uring_sqe *sqe) { sqe->off = 1; }
static void set_addr3(struct io_uring_sqe *sqe) { sqe->addr3 = 1; }
static void set_msg_flags(struct io_uring_sqe *sqe) { sqe->msg_flags = MSG_WAITALL; }
static void set_ioprio(struct io_uring_sqe *sqe) { sqe->ioprio |= 1 << 7; }
static void no_multishot(struct io_uring_sqe *sqe) { sqe->ioprio = 0; }
static void poll_first_only(struct io_uring_sqe *sqe) { sqe->ioprio = IORING_RECVSEND_POLL_FIRST; }
static void no_multishot_limit(struct io_uring_sqe *sqe) { sqe->ioprio = 0; sqe->len = 4096; }
static void set_bad_id(struct io_uring_sqe *sqe) { sqe->file_index = 1000; }

static const struct prep_case {
	const char *name;
	void (*mutate)(struct io_uring_sqe *sqe);
} prep_cases[] = {
	{ "addr set", set_addr },
	{ "addr2 set", set_addr2 },
	{ "addr3 set", set_addr3 },
	{ "msg_flags set", set_msg_flags },
	{ "an unknown ioprio flag", set_ioprio },
	{ "ioprio 0, no IORING_RECV_MULTISHOT", no_multishot },
	{ "ioprio IORING_RECVSEND_POLL_FIRST alone", poll_first_only },
	{ "no IORING_RECV_MULTISHOT, len 4096 (no single-shot budget mode)",
	  no_multishot_limit },
	{ "zcrx_ifq_idx of no instance", set_bad_id },
};

/* Submit one request on @fd and return its only completion's result. */
static int one_shot(int fd, void (*mutate)(struct io_uring_sqe *sqe))
{
	struct __kernel_timespec ts = { .tv_sec = WAIT_MS / 1000 };
	struct io_uring_sqe *sqe = get_sqe();
	struct io_uring_cqe *cqe;
	int res;

	io_uring_prep_recv_zc(sqe, fd, main_inst.id, 0);
	if (mutate)
		mutate(sqe);
	io_uring_submit(&ring);
	if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts))
		return INT_MIN;
	res = cqe->res;
	if (cqe->flags & IORING_CQE_F_MORE)
		res = INT_MAX;	/* it was taken as a receive */
	io_uring_cqe_seen(&ring, cqe);
	return res;
}

static void test_prep(void)
{
	int rx, tx, res;
	size_t i;

	tcp_pair(&rx, &tx);
	for (i = 0; i < ARRAY_SIZE(prep_cases); i++) {
		res = one_shot(rx, prep_cases[i].mutate);
		ksft_test_result(res == -EINVAL, "prep: %s is -EINVAL (%d)\n",
				 prep_cases[i].name, res);
	}
	close(tx);
	close(rx);
}

static void test_not_tcp(void)
{
	int pipefd[2], udp, res;

	if (pipe(pipefd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	res = one_shot(pipefd[0], NULL);
	ksft_test_result(res == -ENOTSOCK, "a pipe is -ENOTSOCK (%d)\n", res);
	close(pipefd[0]);
	close(pipefd[1]);

	udp = socket(AF_INET, SOCK_DGRAM, 0);
	res = one_shot(udp, NULL);
	ksft_test_result(res == -EPROTONOSUPPORT,
			 "a UDP socket is -EPROTONOSUPPORT (%d)\n", res);
	close(udp);
}

/* Everything up to the FIN, then a completion of 0 without F_MORE. */
static void test_eof(void)
{
	struct stream s = new_stream();
	size_t len = 3 * 4096 + 123;
	int rx, tx;

	tcp_pair(&rx, &tx);
	send_pattern(tx, len);
	close(tx);
	arm(&s, rx, 0);
	reap(&s, WAIT_MS);
	ksft_test_result(stream_ok(&s, len, 0),
			 "multishot: every byte, then 0 at EOF\n");
	close(rx);
}

/*
 * ABI revision 2: len is a read limit for the whole request, and every
 * value is one. Reached, it ends the request with res 0 and flags 0 after
 * data completions of exactly @limit bytes. One request on @fd, reaped.
 */
static bool limit_round(struct stream *s, int fd, unsigned int limit)
{
	size_t before = s->bytes;

	arm(s, fd, limit);
	reap(s, WAIT_MS);
	ksft_print_msg("limit %u: %u completions, area bytes %#llx..%#llx\n",
		       limit, s->cqes, (unsigned long long)s->first_off,
		       (unsigned long long)s->end_off);
	if (s->ended && !s->res && !s->flags && s->bytes - before == limit &&
	    !s->bad)
		return true;
	ksft_print_msg("limit %u: ended %d res %d flags 0x%x, %zu bytes, %llu bad from %lld\n",
		       limit, s->ended, s->res, s->flags, s->bytes - before,
		       (unsigned long long)s->bad, (long long)s->first_bad);
	return false;
}

/*
 * @len bytes queued, a request with read limit @limit: below @len, exactly
 * the limit and then res 0, flags 0; the request armed again picks up at
 * the next byte, takes the rest and waits for more, as one with a limit
 * above @len does from the start; the peer's FIN ends it with 0.
 */
static void test_limit(unsigned int limit)
{
	struct stream s = new_stream();
	size_t len = 10000;
	bool ok;
	int rx, tx;

	tcp_pair(&rx, &tx);
	send_pattern(tx, len);
	ok = wait_queued(rx, len);
	if (limit < len)
		ok &= limit_round(&s, rx, limit);
	arm(&s, rx, limit);
	ok &= !reap(&s, 200) && s.bytes == len;
	close(tx);
	reap(&s, WAIT_MS);
	ok &= stream_ok(&s, len, 0);
	if (limit < len)
		ksft_test_result(ok, "read limit %u of %zu bytes: exactly the limit, then res 0 flags 0; re-armed, the rest and 0 at EOF\n",
				 limit, len);
	else
		ksft_test_result(ok, "read limit %#x accepted: %zu bytes, the request waits for more, 0 at EOF\n",
				 limit, len);
	close(rx);
}

/*
 * Limits that end requests in the middle of a page buffer, one request
 * after the other on one stream: each gets exactly its limit, the next
 * continues at the next byte; then one without a limit reads the rest.
 */
static void test_limits_split(void)
{
	static const unsigned int limits[] = { 1000, 4097, 1, 4096 };
	struct stream s = new_stream();
	size_t len = 20000, at = 0;
	unsigned int i;
	bool ok;
	int rx, tx;

	tcp_pair(&rx, &tx);
	send_pattern(tx, len);
	close(tx);
	ok = wait_queued(rx, len);
	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		ksft_test_result(ok && limit_round(&s, rx, limits[i]),
				 "read limit %u from byte %zu: exactly the limit, then res 0 flags 0\n",
				 limits[i], at);
		at += limits[i];
	}
	arm(&s, rx, 0);
	receive_all(&s, rx, len);
	ksft_test_result(stream_ok(&s, len, 0),
			 "after the limits, one request without a limit reads the rest of the %zu bytes and ends with 0 at EOF\n",
			 len);
	close(rx);
}

/* The peer resets: what came before is delivered, then -ECONNRESET. */
static void test_reset(void)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	struct stream s = new_stream();
	size_t len = 1000;
	bool ok;
	int rx, tx;

	tcp_pair(&rx, &tx);
	send_pattern(tx, len);
	ok = wait_queued(rx, len);
	arm(&s, rx, 0);
	ok &= !reap(&s, 200) && s.bytes == len;
	setsockopt(tx, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(tx);
	reap(&s, WAIT_MS);
	ok &= stream_ok(&s, len, -ECONNRESET);
	ksft_test_result(ok, "a reset ends a waiting multishot with -ECONNRESET after the data\n");
	close(rx);
}

/* The reader shuts its side down under a waiting request: it ends with 0. */
static void test_shutdown(void)
{
	struct stream s = new_stream();
	bool ok;
	int rx, tx;

	tcp_pair(&rx, &tx);
	arm(&s, rx, 0);
	ok = !reap(&s, 200);
	shutdown(rx, SHUT_RD);
	reap(&s, WAIT_MS);
	ok &= stream_ok(&s, 0, 0);
	ksft_test_result(ok, "shutdown(SHUT_RD) ends a waiting multishot with 0\n");
	close(tx);
	close(rx);
}

/*
 * 64 KiB are 16 completions or more, twice the CQ: each request ends with
 * -ENOSPC once the CQ is full; reaped and re-armed, the rest arrives,
 * nothing is lost.
 */
static void test_cq_full(void)
{
	size_t len = 64 << 10;
	struct stream s = new_stream();
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0, full;
	bool ok;
	int rx, tx;

	tcp_pair(&rx, &tx);
	send_pattern(tx, len);
	close(tx);
	ok = wait_queued(rx, len);
	arm(&s, rx, 0);
	/* runs the request's task work: the CQ is full at once */
	io_uring_get_events(&ring);
	io_uring_for_each_cqe(&ring, head, cqe)
		n++;
	ok &= n == CQ_ENTRIES;
	full = receive_all(&s, rx, len);
	ksft_print_msg("%u requests ended with -ENOSPC\n", full);
	ok &= full > 0 && stream_ok(&s, len, 0);
	ksft_test_result(ok, "a full CQ ends a multishot with -ENOSPC; re-armed, every byte arrives\n");
	close(rx);
}

/* The connection the peer opens to @port on any address. */
static int accept_peer(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int one = 1, lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 1))
		ksft_exit_fail_msg("listen on %d: %s\n", port, strerror(errno));
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		ksft_exit_fail_msg("accept: %s\n", strerror(errno));
	close(lfd);
	return fd;
}

/*
 * The peer's flow lands zero-copy in the main instance's buffers. Read
 * with the other instance of the ring, that is -EFAULT and nothing is
 * consumed. Read with the right one in read limits of 1000 and 4097 bytes,
 * which end requests in the middle of a buffer (the next request goes on
 * in it at a later offset), then without a limit: every byte arrives.
 */
static void test_other_instance(const char *ifname, int queue, int port)
{
	static const unsigned int limits[] = { 1000, 4097 };
	size_t len = PEER_BYTES;
	struct stream s = new_stream();
	unsigned int i;
	bool ok;
	int rx;

	setup_instance(&other_inst, ifname, queue);
	ksft_test_result(other_inst.id != main_inst.id,
			 "a second instance in the ring gets its own id (%u, %u)\n",
			 main_inst.id, other_inst.id);

	rx = accept_peer(port);
	ok = wait_queued(rx, 1);
	s.inst = &other_inst;
	arm(&s, rx, 0);
	reap(&s, WAIT_MS);
	ok &= stream_ok(&s, 0, -EFAULT);
	ksft_test_result(ok, "another instance's buffer is -EFAULT, nothing consumed\n");

	s.inst = &main_inst;
	ok = wait_queued(rx, limits[0] + limits[1]);
	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		uint64_t end = s.end_off;

		ok &= limit_round(&s, rx, limits[i]);
		/* zero-copy: the data is where it landed, mid-buffer */
		if (i)
			ok &= s.first_off == end;
	}
	ksft_test_result(ok, "zero-copy: read limits 1000 and 4097 split buffers: exactly each limit, then res 0 flags 0, the next request goes on in the same buffer\n");

	arm(&s, rx, 0);
	receive_all(&s, rx, len);
	ksft_print_msg("%lu buffers kept for want of refill ring space\n",
		       main_inst.kept);
	ksft_test_result(stream_ok(&s, len, 0),
			 "zero-copy: the rest without a limit, every byte of %zu, 0 at EOF\n",
			 len);
	close(rx);
}

int main(int argc, char **argv)
{
	int c, queue = -1, other_queue = -1, port = 0;
	const char *ifname = NULL;

	while ((c = getopt(argc, argv, "i:q:Q:p:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'q':
			queue = atoi(optarg);
			break;
		case 'Q':
			other_queue = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!ifname || queue < 0 || other_queue < 0 || !port) {
		fprintf(stderr,
			"usage: zcrx_ops -i IF -q QUEUE -Q OTHER_QUEUE -p PORT\n");
		return 2;
	}

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(prep_cases) + 18);
	setup_ring();
	setup_instance(&main_inst, ifname, queue);
	test_prep();
	test_not_tcp();
	test_eof();
	test_limit(6000);
	test_limit(UINT_MAX);
	test_limit(1U << 31);
	test_limits_split();
	test_reset();
	test_shutdown();
	test_cq_full();
	test_other_instance(ifname, other_queue, port);
	ksft_finished();
}
