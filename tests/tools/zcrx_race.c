// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_race: one round of a teardown race, with data in flight.
 *
 *   zcrx_race RACE -i IF -q QUEUE -p PORT -n NETNS -a ADDR [-S SEED]
 *             [-k RESTART_KNOB] [-d PAIR_ID]
 *
 * Runs in the receiver's network namespace. Once an instance is bound, a
 * child enters NETNS (a path, /run/netns/NAME), connects to ADDR:PORT,
 * which the NIC steers to QUEUE of IF, and sends the pattern of
 * tests/lib/pattern.h until the connection breaks, then connects again. The receiver takes the flow zero-copy with a
 * multishot RECV_ZC, checks every byte and returns every buffer, and once
 * data flows two things happen at once, the second in a thread or a
 * process of its own, each after a random delay of up to a millisecond
 * (SEED, printed, makes the delays repeat):
 *
 *   ring-exit     the ring exits / NAPI refills from buffers just returned
 *   sock-close    RECV_ZC runs on / the socket is shut down or closed
 *   sigkill       the receiver (a child) is SIGKILLed mid-stream
 *   unregister    the ring exits / the device is deleted (PAIR_ID to
 *                 /sys/bus/loopnic/del_pair)
 *   restart-reg   rings come and go, each on a connection of its own /
 *                 the queue is restarted again and again (RESTART_KNOB,
 *                 loopnic's debugfs file)
 *   export-close  a child imports the exported instance and exits / the
 *                 export fd is closed
 *   dmabuf-close  the ring exits / the fd of its dma-buf area is closed
 *
 * Prints "RACE: bytes=B bad=K ..." and exits 0 if every step the race
 * allows to succeed did and no byte was wrong. Whether the provider let
 * go of the queue afterwards is the caller's to check (tests/zcrx/races.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <liburing/zcrx.h>

#include "pattern.h"

/*
 * 16 MiB of 4 KiB buffers: more than the queue's page pool takes, so that
 * data a restart left for the copy fallback finds free buffers
 */
#define AREA_BUFS	4096
#define FLOWING		(256 << 10)	/* bytes before the race starts */
#define SLICE		(64 << 10)	/* read limit of restart-reg's requests */
#define REG_ROUNDS	4		/* rings per restart-reg round */
#define WAIT_S		30

struct cfg {
	const char *ifname;
	const char *netns;
	const char *addr;
	const char *knob;
	const char *pair_id;
	int queue;
	int port;
	unsigned int seed;
};

/* One instance and the connection it receives */
struct rx {
	struct io_uring ring;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_rq rq;
	struct io_uring_region_desc region;
	void *area;
	size_t area_len;
	int dmabuf_fd;
	int fd;
	uint64_t off;
	uint64_t limit_end;	/* off where the read limit ends the request */
	uint64_t bad;
	int64_t first_bad;
	bool ended;	/* the request's last completion came */
	int end_res;
};

static struct cfg cfg;
static const char *race_name;

static void fail(const char *what, int err)
{
	fprintf(stderr, "zcrx_race %s: %s: %s\n", race_name, what,
		strerror(err));
	exit(1);
}

/* A random delay of 0 to 1000 us, from this thread's own state */
static void jitter(unsigned int *state)
{
	usleep(rand_r(state) % 1001);
}

static int listen_port(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fail("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4))
		fail("listen", errno);
	return fd;
}

/* A connection to ADDR:PORT, tried for 10 s; -1 if there was none */
static int sender_connect(const struct sockaddr_in *sa)
{
	int fd, i;

	for (i = 0; i < 1000; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
			return fd;
		close(fd);
		usleep(10000);
	}
	return -1;
}

/*
 * The sender: once told to go, the pattern to ADDR:PORT from NETNS until
 * the connection breaks, then again on a new one, until it is killed
 */
static void sender_run(int go)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(cfg.port) };
	int ns = open(cfg.netns, O_RDONLY), fd;
	char c;

	if (read(go, &c, 1) != 1)
		_exit(0);
	if (ns < 0 || setns(ns, CLONE_NEWNET))
		_exit(2);
	inet_pton(AF_INET, cfg.addr, &sa.sin_addr);
	while ((fd = sender_connect(&sa)) >= 0) {
		pattern_write(fd, 0, UINT64_MAX);
		close(fd);
	}
	_exit(0);
}

static pid_t sender_pid;
static int sender_go = -1;

/*
 * Forked before any ring: a child keeps the mappings of the rings its
 * parent had when it was forked, and with them the rings, which then
 * outlive the parent's io_uring_queue_exit() and keep their queues.
 */
static void sender_fork(void)
{
	int go[2];

	if (pipe(go))
		fail("pipe", errno);
	sender_pid = fork();
	if (sender_pid < 0)
		fail("fork", errno);
	if (!sender_pid) {
		close(go[1]);
		sender_run(go[0]);
	}
	close(go[0]);
	sender_go = go[1];
}

/*
 * The sender starts once an instance is bound: data that reaches the
 * queue before would need a copy, which a dma-buf area cannot take.
 */
static void sender_ensure(void)
{
	if (sender_go < 0)
		return;
	if (write(sender_go, "", 1) != 1)
		fail("starting the sender", errno);
	close(sender_go);
	sender_go = -1;
}

static void sender_stop(void)
{
	kill(sender_pid, SIGKILL);
	waitpid(sender_pid, NULL, 0);
}

static int accept_one(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&p, 1, WAIT_S * 1000) != 1)
		fail("no connection", ETIMEDOUT);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		fail("accept", errno);
	return fd;
}

static int rx_ring(struct rx *rx)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE |
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
		.cq_entries = 1024,
	};

	return io_uring_queue_init_params(64, &rx->ring, &p);
}

/* The area: user memory, or with @dmabuf a udmabuf */
static int rx_area(struct rx *rx, bool dmabuf,
		   struct io_uring_zcrx_area_reg *area)
{
	int ret;

	rx->area_len = io_uring_zcrx_area_size(AREA_BUFS, 0);
	rx->dmabuf_fd = -1;
	if (!dmabuf) {
		ret = io_uring_zcrx_area_alloc(&rx->area, &rx->area_len, 0);
		return ret ? ret : io_uring_zcrx_area_reg_init(area, rx->area,
							       rx->area_len, 0);
	}
	ret = io_uring_zcrx_udmabuf_create(&rx->area, &rx->area_len, 0);
	if (ret < 0)
		return ret;
	rx->dmabuf_fd = ret;
	return io_uring_zcrx_area_reg_dmabuf(area, ret, 0);
}

/* A ring with an instance on QUEUE; -errno from the registration */
static int rx_register(struct rx *rx, bool dmabuf)
{
	struct io_uring_zcrx_area_reg area;
	int ret;

	memset(rx, 0, sizeof(*rx));
	rx->fd = -1;
	rx->first_bad = -1;
	ret = rx_ring(rx);
	if (ret)
		fail("io_uring", -ret);
	ret = rx_area(rx, dmabuf, &area);
	if (ret < 0)
		fail("area", -ret);
	rx->reg.if_idx = if_nametoindex(cfg.ifname);
	rx->reg.if_rxq = cfg.queue;
	rx->reg.rq_entries = io_uring_zcrx_rq_entries(rx->area_len, 0);
	rx->reg.area_ptr = (__u64)(uintptr_t)&area;
	rx->reg.region_ptr = (__u64)(uintptr_t)&rx->region;
	rx->region.size = io_uring_zcrx_rq_region_size(rx->reg.rq_entries);
	ret = io_uring_register_ifq(&rx->ring, &rx->reg);
	if (!ret)
		ret = io_uring_zcrx_rq_map(&rx->ring, &rx->rq, &rx->reg,
					   &rx->region);
	return ret;
}

/* The ring goes; the area stays mapped for rx_free() */
static void rx_exit(struct rx *rx)
{
	io_uring_zcrx_rq_unmap(&rx->rq, rx->region.size);
	io_uring_queue_exit(&rx->ring);
}

static void rx_free(struct rx *rx)
{
	if (rx->dmabuf_fd >= 0)
		close(rx->dmabuf_fd);
	munmap(rx->area, rx->area_len);
}

/* A multishot RECV_ZC; with @limit, one that ends after @limit bytes */
static void rx_arm(struct rx *rx, unsigned int limit)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&rx->ring);

	io_uring_prep_recv_zc(sqe, rx->fd, rx->reg.zcrx_id, limit);
	rx->limit_end = limit ? rx->off + limit : 0;
	rx->ended = false;
	io_uring_submit(&rx->ring);
}

/* A request the CQ had no room for ends with -ENOSPC: the rest again */
static void rx_rearm(struct rx *rx)
{
	rx_arm(rx, rx->limit_end ? rx->limit_end - rx->off : 0);
}

/* Check and give back the data of one completion */
static void rx_cqe(struct rx *rx, struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		rx->ended = true;
		rx->end_res = cqe->res;
	}
	if (cqe->res <= 0)
		return;
	rx->bad += pattern_check(io_uring_zcrx_cqe_data(cqe, rx->area),
				 rx->off, cqe->res, &rx->first_bad);
	rx->off += cqe->res;
	if (!io_uring_zcrx_rq_return(&rx->rq, cqe))
		fail("refill ring full", ENOSPC);
}

/*
 * Completions until @want bytes came in all or the request ended; false
 * if neither happened within WAIT_S seconds.
 */
static bool rx_pump(struct rx *rx, uint64_t want)
{
	struct __kernel_timespec ts = { .tv_sec = WAIT_S };
	struct io_uring_cqe *cqe;
	unsigned int head, n;

	while (rx->off < want && !rx->ended) {
		if (io_uring_wait_cqe_timeout(&rx->ring, &cqe, &ts))
			return false;
		n = 0;
		io_uring_for_each_cqe(&rx->ring, head, cqe) {
			rx_cqe(rx, cqe);
			n++;
		}
		io_uring_cq_advance(&rx->ring, n);
		io_uring_zcrx_rq_commit(&rx->rq);
		if (rx->ended && rx->end_res == -ENOSPC)
			rx_rearm(rx);
	}
	return true;
}

/* A registered instance receiving the sender's flow, FLOWING bytes in */
static void rx_start(struct rx *rx, int lfd, bool dmabuf)
{
	int ret = rx_register(rx, dmabuf);

	if (ret)
		fail("register", -ret);
	sender_ensure();
	rx->fd = accept_one(lfd);
	rx_arm(rx, 0);
	if (!rx_pump(rx, FLOWING) || rx->ended)
		fail("no data", rx->ended ? -rx->end_res : ETIMEDOUT);
}

static int report(struct rx *rx, bool ok)
{
	printf("%s: bytes=%llu bad=%llu first_bad=%lld seed=%u\n", race_name,
	       (unsigned long long)rx->off, (unsigned long long)rx->bad,
	       (long long)rx->first_bad, cfg.seed);
	return ok && !rx->bad ? 0 : 1;
}

/* A second thread that runs @fn after a random delay */
struct other {
	pthread_t thread;
	void (*fn)(struct other *o);
	struct rx *rx;
	unsigned int seed;
	volatile bool stop;
	bool closed;	/* it closed the socket */
	int err;
};

static void *other_run(void *arg)
{
	struct other *o = arg;

	jitter(&o->seed);
	o->fn(o);
	return NULL;
}

static void other_start(struct other *o, void (*fn)(struct other *),
			struct rx *rx)
{
	o->fn = fn;
	o->rx = rx;
	o->seed = cfg.seed * 2 + 1;
	if (pthread_create(&o->thread, NULL, other_run, o))
		fail("pthread_create", errno);
}

static int race_ring_exit(int lfd)
{
	unsigned int seed = cfg.seed;
	struct rx rx;

	/* Buffers go back and the NAPI poll refills from them meanwhile */
	rx_start(&rx, lfd, false);
	jitter(&seed);
	rx_exit(&rx);
	close(rx.fd);
	rx_free(&rx);
	return report(&rx, true);
}

static void shut_socket(struct other *o)
{
	/* half the rounds shut it down, half just close the fd */
	if (rand_r(&o->seed) & 1) {
		shutdown(o->rx->fd, SHUT_RDWR);
	} else {
		close(o->rx->fd);
		o->closed = true;
	}
}

static int race_sock_close(int lfd)
{
	struct other o = {};
	struct rx rx;
	bool ok;

	rx_start(&rx, lfd, false);
	other_start(&o, shut_socket, &rx);
	/* a closed fd leaves the request its file: it may run on */
	ok = rx_pump(&rx, rx.off + 4 * FLOWING);
	pthread_join(o.thread, NULL);
	rx_exit(&rx);
	if (!o.closed)
		close(rx.fd);
	rx_free(&rx);
	if (rx.ended)
		printf("# the request ended with %d\n", rx.end_res);
	return report(&rx, ok);
}

static int race_sigkill(int lfd)
{
	unsigned int seed = cfg.seed;
	int pipefd[2], status;
	struct pollfd p;
	struct rx rx;
	pid_t pid;

	if (pipe(pipefd))
		fail("pipe", errno);
	/* by us: the child's go would be lost with it */
	sender_ensure();
	pid = fork();
	if (pid < 0)
		fail("fork", errno);
	if (!pid) {
		rx_start(&rx, lfd, false);
		if (write(pipefd[1], "", 1) != 1)
			_exit(1);
		rx_pump(&rx, UINT64_MAX);
		_exit(1);
	}
	p = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	if (poll(&p, 1, WAIT_S * 1000) != 1)
		fail("the receiver got no data", ETIMEDOUT);
	jitter(&seed);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("%s: killed=%d seed=%u\n", race_name,
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, cfg.seed);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}

static void del_pair(struct other *o)
{
	int fd = open("/sys/bus/loopnic/del_pair", O_WRONLY);

	if (fd < 0 || write(fd, cfg.pair_id, strlen(cfg.pair_id)) < 0)
		o->err = errno;
	if (fd >= 0)
		close(fd);
}

static int race_unregister(int lfd)
{
	unsigned int seed = cfg.seed;
	struct other o = {};
	struct rx rx;

	if (!cfg.pair_id)
		fail("unregister needs -d PAIR_ID", EINVAL);
	rx_start(&rx, lfd, false);
	other_start(&o, del_pair, &rx);
	jitter(&seed);
	rx_exit(&rx);
	pthread_join(o.thread, NULL);
	close(rx.fd);
	rx_free(&rx);
	if (o.err)
		fail("del_pair", o.err);
	return report(&rx, true);
}

static void restart_queue(struct other *o)
{
	char q[16];
	int fd, n = snprintf(q, sizeof(q), "%d\n", cfg.queue);

	while (!o->stop) {
		fd = open(cfg.knob, O_WRONLY);
		if (fd < 0 || write(fd, q, n) != n)
			o->err = errno;
		if (fd >= 0)
			close(fd);
		if (o->err)
			return;
		jitter(&o->seed);
	}
}

/*
 * Rings come and go, each reading SLICE bytes (a read limit, so that none
 * ends with data in flight) of a connection of its own, while the queue
 * restarts: data already in one instance's buffers is not another's to
 * read (-EFAULT), so a connection does not outlive its ring.
 */
static int race_restart_reg(int lfd)
{
	struct other o = {};
	uint64_t bad = 0;
	struct rx rx;
	bool ok = true;
	int i, ret;

	if (!cfg.knob)
		fail("restart-reg needs -k RESTART_KNOB", EINVAL);
	other_start(&o, restart_queue, NULL);
	for (i = 0; i < REG_ROUNDS && ok; i++) {
		ret = rx_register(&rx, false);
		if (ret) {
			printf("# registration %d: %s\n", i, strerror(-ret));
			ok = false;
			break;
		}
		sender_ensure();
		rx.fd = accept_one(lfd);
		rx_arm(&rx, SLICE);
		ok = rx_pump(&rx, UINT64_MAX) && !rx.end_res &&
		     rx.off == SLICE;
		if (!ok)
			printf("# ring %d read %llu bytes, ended with %d\n", i,
			       (unsigned long long)rx.off, rx.end_res);
		bad += rx.bad;
		rx_exit(&rx);
		close(rx.fd);
		rx_free(&rx);
	}
	o.stop = true;
	pthread_join(o.thread, NULL);
	if (o.err)
		fail("restart_queue", o.err);
	rx.bad = bad;
	rx.off = (uint64_t)i * SLICE;
	return report(&rx, ok);
}

static int race_export_close(int lfd)
{
	unsigned int seed = cfg.seed;
	struct rx rx, imp;
	int efd, status;
	pid_t pid;

	rx_start(&rx, lfd, false);
	efd = io_uring_zcrx_export(&rx.ring, rx.reg.zcrx_id);
	if (efd < 0)
		fail("export", -efd);
	pid = fork();
	if (pid < 0)
		fail("fork", errno);
	if (!pid) {
		unsigned int s = cfg.seed * 3 + 1;

		/* imports and exits, its ring and fd going with it */
		if (rx_ring(&imp) ||
		    io_uring_zcrx_import(&imp.ring, efd, &imp.reg))
			_exit(1);
		jitter(&s);
		_exit(0);
	}
	jitter(&seed);
	close(efd);
	rx_pump(&rx, rx.off + FLOWING);
	waitpid(pid, &status, 0);
	rx_exit(&rx);
	close(rx.fd);
	rx_free(&rx);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		printf("# the importer failed\n");
	return report(&rx, WIFEXITED(status) && !WEXITSTATUS(status));
}

static void close_dmabuf(struct other *o)
{
	close(o->rx->dmabuf_fd);
	o->rx->dmabuf_fd = -1;
}

static int race_dmabuf_close(int lfd)
{
	unsigned int seed = cfg.seed;
	struct other o = {};
	struct rx rx;

	rx_start(&rx, lfd, true);
	other_start(&o, close_dmabuf, &rx);
	jitter(&seed);
	rx_exit(&rx);
	pthread_join(o.thread, NULL);
	close(rx.fd);
	rx_free(&rx);
	return report(&rx, true);
}

static const struct race {
	const char *name;
	int (*run)(int lfd);
} races[] = {
	{ "ring-exit", race_ring_exit },
	{ "sock-close", race_sock_close },
	{ "sigkill", race_sigkill },
	{ "unregister", race_unregister },
	{ "restart-reg", race_restart_reg },
	{ "export-close", race_export_close },
	{ "dmabuf-close", race_dmabuf_close },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_race RACE -i IF -q QUEUE -p PORT -n NETNS -a ADDR\n"
		"                 [-S SEED] [-k RESTART_KNOB] [-d PAIR_ID]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct race *race = NULL;
	int opt, lfd, ret;
	size_t i;

	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(races) / sizeof(races[0]); i++)
		if (!strcmp(argv[1], races[i].name))
			race = &races[i];
	if (!race)
		usage();
	race_name = race->name;
	cfg.seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	cfg.queue = -1;
	optind = 2;
	while ((opt = getopt(argc, argv, "i:q:p:n:a:S:k:d:")) != -1) {
		switch (opt) {
		case 'i': cfg.ifname = optarg; break;
		case 'q': cfg.queue = atoi(optarg); break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'n': cfg.netns = optarg; break;
		case 'a': cfg.addr = optarg; break;
		case 'S': cfg.seed = strtoul(optarg, NULL, 0); break;
		case 'k': cfg.knob = optarg; break;
		case 'd': cfg.pair_id = optarg; break;
		default: usage();
		}
	}
	if (!cfg.ifname || cfg.queue < 0 || !cfg.port || !cfg.netns ||
	    !cfg.addr)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_port(cfg.port);
	sender_fork();
	ret = race->run(lfd);
	sender_stop();
	close(lfd);
	return ret;
}
