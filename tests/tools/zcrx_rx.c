// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_rx: receive pattern streams with IORING_OP_RECV_ZC and check them.
 *
 *   zcrx_rx -i IF -q QUEUE -p PORT [-6] [-c CONNS] [-b BYTES] [-A AREA]
 *           [-r RQ_ENTRIES] [-B BUDGET] [-s SLOW_US] [-U] [-t SECONDS]
 *
 * Registers a zcrx instance on rx queue QUEUE of IF, accepts CONNS
 * connections on PORT (sent by `pstream send`) and receives each with a
 * multishot RECV_ZC, or with single-shot requests of BUDGET bytes that are
 * re-armed. Every byte is checked against tests/lib/pattern.h through the
 * area and every buffer goes back through the refill ring, after SLOW_US
 * microseconds each with -s. -U gives the refill ring user memory instead
 * of mmap()ing the kernel's. Prints one line per connection,
 *   conn N: bytes=B bad=K first_bad=OFF res=R
 * then the instance's counters from the ring's fdinfo,
 *   zcrx: cqes=N zc_bytes=Z copy_bytes=C
 * and "done: ok" only if every connection ended with EOF, no bad byte and
 * exactly BYTES when -b is given; exit status 0 likewise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <liburing/zcrx.h>

#include "pattern.h"

#define MAX_CONNS	64

struct conn {
	int fd;
	uint64_t bytes;
	uint64_t armed_at;	/* bytes when the current request was armed */
	uint64_t bad;
	int64_t first_bad;
	int res;
	bool done;
};

struct opts {
	const char *ifname;
	int queue, port, nconns, slow_us, timeout_s;
	bool v6, user_region;
	int64_t want;
	size_t area_size;
	unsigned int rq_entries, budget;
};

static struct io_uring ring;
static struct io_uring_zcrx_rq rq;
static struct conn conns[MAX_CONNS];
static void *area;
static uint32_t zcrx_id;
static uint64_t nr_cqes;

static void die(const char *what, int err)
{
	fprintf(stderr, "zcrx_rx: %s: %s\n", what, strerror(err));
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

static void setup_zcrx(const struct opts *o)
{
	struct io_uring_zcrx_area_reg area_reg = {};
	struct io_uring_region_desc rd = {};
	struct io_uring_zcrx_ifq_reg reg = {};
	size_t rq_size = io_uring_zcrx_rq_region_size(o->rq_entries);
	void *rq_mem = NULL;
	int ret;

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

static void arm(const struct opts *o, int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe) {
		io_uring_submit(&ring);
		sqe = io_uring_get_sqe(&ring);
	}
	if (o->budget)
		io_uring_prep_recv_zc(sqe, conns[i].fd, zcrx_id, o->budget);
	else
		io_uring_prep_recv_zc_multishot(sqe, conns[i].fd, zcrx_id);
	sqe->user_data = i;
	conns[i].armed_at = conns[i].bytes;
}

static void return_buffer(const struct io_uring_cqe *cqe)
{
	while (!io_uring_zcrx_rq_return(&rq, cqe)) {
		/* full: the kernel takes entries as the queue needs buffers */
		io_uring_zcrx_rq_commit(&rq);
		usleep(100);
	}
	io_uring_zcrx_rq_commit(&rq);
}

static void handle_data(const struct opts *o, struct conn *c,
			const struct io_uring_cqe *cqe)
{
	const uint8_t *data = io_uring_zcrx_cqe_data(cqe, area);

	c->bad += pattern_check(data, c->bytes, cqe->res, &c->first_bad);
	c->bytes += cqe->res;
	if (o->slow_us)
		usleep(o->slow_us);
	return_buffer(cqe);
}

/* The request ended: re-arm it or finish the connection. */
static void handle_end(const struct opts *o, int i, int res)
{
	struct conn *c = &conns[i];

	if (res == -ENOSPC || (res == 0 && o->budget &&
			       c->bytes - c->armed_at == o->budget)) {
		arm(o, i);
		return;
	}
	c->res = res;
	c->done = true;
	close(c->fd);
}

static void read_counters(uint64_t *zc, uint64_t *copy)
{
	char path[64], line[256], key[32];
	FILE *f;

	*zc = *copy = UINT64_MAX;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring.ring_fd);
	snprintf(key, sizeof(key), "Zcrx%u:", zcrx_id);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, key, strlen(key)))
			continue;
		p = strstr(line, "zc_bytes=");
		if (p)
			*zc = strtoull(p + 9, NULL, 10);
		p = strstr(line, "copy_bytes=");
		if (p)
			*copy = strtoull(p + 11, NULL, 10);
	}
	fclose(f);
}

static int run(const struct opts *o)
{
	struct __kernel_timespec ts = { .tv_sec = 1 };
	time_t deadline = time(NULL) + o->timeout_s;
	int i, lfd, open_conns = o->nconns;
	struct io_uring_cqe *cqe;
	uint64_t zc, copy;
	bool ok = true;

	lfd = listen_on(o);
	printf("listening\n");
	fflush(stdout);
	for (i = 0; i < o->nconns; i++) {
		conns[i].fd = accept(lfd, NULL, NULL);
		if (conns[i].fd < 0)
			die("accept", errno);
		conns[i].first_bad = -1;
		arm(o, i);
	}
	close(lfd);

	while (open_conns) {
		unsigned int head, seen = 0;
		int ret;

		ret = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts,
						       NULL);
		if (ret < 0 && ret != -ETIME && ret != -EINTR)
			die("wait", -ret);
		if (time(NULL) > deadline) {
			fprintf(stderr, "zcrx_rx: timed out\n");
			ok = false;
			break;
		}
		io_uring_for_each_cqe(&ring, head, cqe) {
			struct conn *c = &conns[cqe->user_data];

			seen++;
			nr_cqes++;
			if (cqe->flags & IORING_CQE_F_MORE) {
				handle_data(o, c, cqe);
				continue;
			}
			handle_end(o, cqe->user_data, cqe->res);
			if (c->done)
				open_conns--;
		}
		io_uring_cq_advance(&ring, seen);
	}

	for (i = 0; i < o->nconns; i++) {
		struct conn *c = &conns[i];

		printf("conn %d: bytes=%" PRIu64 " bad=%" PRIu64
		       " first_bad=%" PRId64 " res=%d\n", i, c->bytes, c->bad,
		       c->first_bad, c->res);
		if (!c->done || c->res || c->bad ||
		    (o->want >= 0 && c->bytes != (uint64_t)o->want))
			ok = false;
	}
	read_counters(&zc, &copy);
	printf("zcrx: cqes=%" PRIu64 " zc_bytes=%" PRIu64 " copy_bytes=%" PRIu64
	       "\n", nr_cqes, zc, copy);
	printf("done: %s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_rx -i IF -q QUEUE -p PORT [-6] [-c CONNS] [-b BYTES]\n"
		"               [-A AREA] [-r RQ_ENTRIES] [-B BUDGET] [-s SLOW_US]\n"
		"               [-U] [-t SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .queue = -1, .nconns = 1, .want = -1,
			  .area_size = 16 << 20, .rq_entries = 4096,
			  .timeout_s = 300 };
	struct io_uring_params p = {};
	int c, ret;

	while ((c = getopt(argc, argv, "i:q:p:6c:b:A:r:B:s:Ut:")) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'q': o.queue = atoi(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case '6': o.v6 = true; break;
		case 'c': o.nconns = atoi(optarg); break;
		case 'b': o.want = parse_size(optarg); break;
		case 'A': o.area_size = parse_size(optarg); break;
		case 'r': o.rq_entries = atoi(optarg); break;
		case 'B': o.budget = parse_size(optarg); break;
		case 's': o.slow_us = atoi(optarg); break;
		case 'U': o.user_region = true; break;
		case 't': o.timeout_s = atoi(optarg); break;
		default: usage();
		}
	}
	if (!o.ifname || o.queue < 0 || !o.port || o.nconns < 1 ||
	    o.nconns > MAX_CONNS)
		usage();

	p.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
		  IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE;
	p.cq_entries = 4096;
	ret = io_uring_queue_init_params(64, &ring, &p);
	if (ret)
		die("io_uring_queue_init_params", -ret);
	setup_zcrx(&o);
	return run(&o);
}
