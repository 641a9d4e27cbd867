/* SPDX-License-Identifier: MIT */
/*
 * A zcrx program written against mainline liburing's API (2.15), as its
 * user would write it: the compatibility test of liburing-zcrx. It
 * includes <liburing.h> and nothing else, plus <liburing/zcrx.h> where the
 * liburing is too old (built with -DUSE_LIBURING_ZCRX). Everything else
 * it needs comes through those: sockets, errno, atomics; its output goes
 * out through the ring.
 *
 * On a kernel with zcrx it registers an instance without a device
 * (ZCRX_REG_NODEV), receives a TCP stream over 127.0.0.1 with RECV_ZC,
 * checks every byte, returns the buffers and flushes the refill ring, then
 * exports the instance and imports it into a second ring. Exit status 0,
 * 4 when the kernel or the caller cannot (no query, no NODEV, no
 * CAP_NET_ADMIN), 1 on a failure. test/coexist.sh builds it.
 */
#include <liburing.h>
#ifdef USE_LIBURING_ZCRX
#include <liburing/zcrx.h>
#endif

#define PAGE		4096
#define AREA_PAGES	64
#define RQ_ENTRIES	64
#define STREAM_BYTES	(200 * 1000)

static char area[AREA_PAGES * PAGE] __attribute__((aligned(PAGE)));
static char region[2 * PAGE] __attribute__((aligned(PAGE)));
static char chunk[16384];
static struct io_uring out_ring;

static void say(const char *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&out_ring);
	struct io_uring_cqe *cqe;
	unsigned len = 0;

	while (s[len])
		len++;
	io_uring_prep_write(sqe, 1, s, len, -1);
	io_uring_submit_and_wait(&out_ring, 1);
	if (!io_uring_peek_cqe(&out_ring, &cqe))
		io_uring_cqe_seen(&out_ring, cqe);
}

static void say_num(const char *what, long long v)
{
	char buf[32];
	int i = sizeof(buf) - 1;
	int neg = v < 0;

	buf[i--] = 0;
	buf[i--] = '\n';
	if (neg)
		v = -v;
	do {
		buf[i--] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		buf[i--] = '-';
	say(what);
	say(&buf[i + 1]);
}

static int finish(int status, const char *why)
{
	say(status == 0 ? "mainline: ok: " : status == 4 ? "mainline: skip: " :
	    "mainline: FAIL: ");
	say(why);
	say("\n");
	return status;
}

static unsigned char pattern(unsigned long i)
{
	return (unsigned char)(i * 7 + (i >> 9));
}

static int tcp_pair(int *client, int *server)
{
	struct sockaddr sa = { .sa_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd;

	/* 127.0.0.1, any port: sin_port and sin_addr in sa_data */
	sa.sa_data[2] = 127;
	sa.sa_data[5] = 1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, &sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, &sa, &len))
		return -errno;
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, &sa, sizeof(sa)))
		return -errno;
	*server = accept(lfd, NULL, NULL);
	return *server < 0 ? -errno : 0;
}

static int query_zcrx(struct io_uring_query_zcrx *q)
{
	struct io_uring_query_hdr hdr = {
		.query_data = (__u64)(unsigned long)q,
		.query_op = IO_URING_QUERY_ZCRX,
		.size = sizeof(*q),
	};
	int ret;

	ret = io_uring_register_query(&hdr);
	return ret ? ret : hdr.result;
}

static void rq_setup(struct io_uring_zcrx_rq *rq,
		     const struct io_uring_zcrx_ifq_reg *reg)
{
	rq->khead = (__u32 *)(region + reg->offsets.head);
	rq->ktail = (__u32 *)(region + reg->offsets.tail);
	rq->rqes = (struct io_uring_zcrx_rqe *)(region + reg->offsets.rqes);
	rq->rq_tail = 0;
	rq->ring_entries = reg->rq_entries;
	rq->ring_ptr = region;
}

static void rq_return(struct io_uring_zcrx_rq *rq,
		      const struct io_uring_zcrx_cqe *rcqe, int len)
{
	struct io_uring_zcrx_rqe *rqe;

	rqe = &rq->rqes[rq->rq_tail & (rq->ring_entries - 1)];
	rqe->off = rcqe->off;
	rqe->len = (__u32)len;
	rqe->__pad = 0;
	rq->rq_tail++;
	io_uring_smp_store_release(rq->ktail, rq->rq_tail);
}

/* Receive STREAM_BYTES with RECV_ZC, checking each; returns the bytes. */
static long receive(struct io_uring *ring, struct io_uring_zcrx_rq *rq,
		    unsigned zcrx_id, int fd, int client, long *bad)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct zcrx_ctrl flush = { .zcrx_id = zcrx_id,
				   .op = ZCRX_CTRL_FLUSH_RQ };
	long got = 0, sent = 0;
	int more = 1;

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_rw(IORING_OP_RECV_ZC, sqe, fd, NULL, STREAM_BYTES, 0);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->zcrx_ifq_idx = zcrx_id;
	sqe->user_data = 1;
	io_uring_submit(ring);

	while (more) {
		/* keep the socket fed; the area is smaller than the stream */
		while (sent < STREAM_BYTES && sent - got < (long)sizeof(chunk)) {
			long n = STREAM_BYTES - sent, i, r;

			if (n > (long)sizeof(chunk))
				n = sizeof(chunk);
			for (i = 0; i < n; i++)
				chunk[i] = (char)pattern((unsigned long)(sent + i));
			r = send(client, chunk, (size_t)n, 0);
			if (r <= 0)
				return -errno;
			sent += r;
		}
		if (io_uring_wait_cqe(ring, &cqe))
			return -1;
		if (cqe->res > 0) {
			struct io_uring_zcrx_cqe *rcqe = (void *)(cqe + 1);
			unsigned char *data = (unsigned char *)area +
				(rcqe->off & ~IORING_ZCRX_AREA_MASK);
			int i;

			for (i = 0; i < cqe->res; i++)
				if (data[i] != pattern((unsigned long)(got + i)))
					(*bad)++;
			got += cqe->res;
			rq_return(rq, rcqe, cqe->res);
			/* no device consumes the ring: flush it ourselves */
			if (io_uring_register_zcrx_ctrl(ring, &flush))
				return -1;
		} else if (cqe->res < 0) {
			say_num("mainline: RECV_ZC ended with ", cqe->res);
			return cqe->res;
		}
		more = cqe->flags & IORING_CQE_F_MORE;
		io_uring_cqe_seen(ring, cqe);
	}
	return got;
}

int main(void)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_DEFER_TASKRUN |
			 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
	};
	struct io_uring_zcrx_area_reg area_reg = {
		.addr = (__u64)(unsigned long)area,
		.len = sizeof(area),
	};
	struct io_uring_region_desc rd = {
		.user_addr = (__u64)(unsigned long)region,
		.size = sizeof(region),
		.flags = IORING_MEM_REGION_TYPE_USER,
	};
	struct io_uring_zcrx_ifq_reg reg = {
		.flags = ZCRX_REG_NODEV,
		.rq_entries = RQ_ENTRIES,
		.area_ptr = (__u64)(unsigned long)&area_reg,
		.region_ptr = (__u64)(unsigned long)&rd,
	};
	struct io_uring_zcrx_ifq_reg imp = { .flags = ZCRX_REG_IMPORT };
	struct zcrx_ctrl ctrl = { .op = ZCRX_CTRL_EXPORT };
	struct io_uring_query_zcrx q = { 0 };
	struct io_uring ring, ring2;
	struct io_uring_zcrx_rq rq;
	int ret, client = -1, server = -1;
	long got, bad = 0;

	if (io_uring_queue_init(4, &out_ring, 0))
		return 1;
	ret = query_zcrx(&q);
	if (ret)
		return finish(4, "the kernel cannot tell its zcrx features");
	say_num("mainline: zcrx register_flags ", (long long)q.register_flags);
	say_num("mainline: zcrx ctrl opcodes ", q.nr_ctrl_opcodes);
	say_num("mainline: zcrx features ", q.features);
	if (!(q.register_flags & ZCRX_REG_NODEV) ||
	    !(q.register_flags & ZCRX_REG_IMPORT) ||
	    q.nr_ctrl_opcodes <= ZCRX_CTRL_EXPORT)
		return finish(4, "no NODEV, IMPORT or EXPORT in this kernel");

	ret = io_uring_queue_init_params(16, &ring, &p);
	if (ret)
		return finish(1, "ring with DEFER_TASKRUN and CQE32");
	ret = io_uring_register_ifq(&ring, &reg);
	if (ret == -EPERM)
		return finish(4, "no CAP_NET_ADMIN");
	if (ret) {
		say_num("mainline: io_uring_register_ifq: ", ret);
		return finish(1, "NODEV registration");
	}
	rq_setup(&rq, &reg);

	ret = tcp_pair(&client, &server);
	if (ret)
		return finish(4, "no TCP over 127.0.0.1");
	got = receive(&ring, &rq, reg.zcrx_id, server, client, &bad);
	say_num("mainline: bytes received ", got);
	if (got != STREAM_BYTES || bad)
		return finish(1, "the stream did not arrive intact");

	ctrl.zcrx_id = reg.zcrx_id;
	ret = io_uring_register_zcrx_ctrl(&ring, &ctrl);
	if (ret)
		return finish(1, "ZCRX_CTRL_EXPORT");
	ret = io_uring_queue_init_params(16, &ring2, &p);
	imp.if_idx = ctrl.zc_export.zcrx_fd;
	if (!ret)
		ret = io_uring_register_ifq(&ring2, &imp);
	if (ret) {
		say_num("mainline: import: ", ret);
		return finish(1, "ZCRX_REG_IMPORT of the exported fd");
	}
	io_uring_queue_exit(&ring2);
	io_uring_queue_exit(&ring);
	return finish(0, "NODEV receive, flush, export and import");
}
