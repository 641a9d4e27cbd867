// SPDX-License-Identifier: GPL-2.0
/*
 * fio external ioengine "zcrx": receive a TCP stream with io_uring
 * zero-copy receive, like fio's net engine receives one with recv().
 *
 *   fio --ioengine=external:build/fio/zcrx.so --rw=read --bs=128k \
 *       --size=1g --port=9000 --interface=eth1 --queue=1 --name=rx
 *
 * Each job takes over rx queue `queue` of `interface` through a zcrx
 * instance of its own ring, listens on `port` (as the net engine does with
 * `listen`), accepts one connection and reads it with one multishot
 * IORING_OP_RECV_ZC. Every io_u is filled with the next bytes of the
 * stream: copied out of the area buffers the completions point at (fio's
 * verify and statistics want the bytes in the io_u), each buffer going
 * back to the kernel through the refill ring as soon as it is copied.
 * The NIC is not touched: steering the port's flows to the queue and
 * header split are the user's (Documentation/fio.md).
 *
 * Built against the source of the fio it is loaded into (fio/Makefile):
 * struct layouts are fio's and change between versions, so init refuses
 * any other fio.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fio.h"
#include "optgroup.h"

#include <liburing/zcrx.h>

#include "rq-held.h"

#ifndef FIO_ZCRX_FIO_VERSION
#error "FIO_ZCRX_FIO_VERSION: the fio version the headers are from (fio/Makefile sets it)"
#endif

#define ZCRX_RQ_MAX		32768
#define ZCRX_CQ_ENTRIES		4096
#define ZCRX_SQ_ENTRIES		8
#define ZCRX_WAIT_MS		1000
/* no buffer and no byte for this long: something holds the buffers */
#define ZCRX_STARVED_NS		(10ull * 1000000000ull)
/* no buffer: arm again after this long, as zcrx-echo does */
#define ZCRX_RETRY_NS		(20ull * 1000000ull)

/* user_data of our requests */
enum { UD_RECV = 1, UD_CANCEL, UD_EVENT };

/* as fio's net engine, whose senders end a stream with this message */
#define NET_CLOSE_MAGIC		0x6c696e6b
#define NET_CLOSE_CMD		0x89

enum { PROTO_TCP = 1, PROTO_TCPV6 = 4 };	/* the net engine's values */

struct zcrx_options {
	void *pad;			/* fio puts the thread_data here */
	char *hostname;
	unsigned int port;
	unsigned int proto;
	unsigned int listen;		/* accepted for net job files; always on */
	char *interface;
	char *queue;
	unsigned long long area_size;
	unsigned int rq_entries;
	unsigned long long rx_buf_len;
};

struct zcrx_data {
	struct io_uring ring;
	bool ring_ok;

	unsigned int ifindex;
	unsigned int queue;
	unsigned int port;

	void *area;
	size_t area_size;
	unsigned int buf_len;
	unsigned int zcrx_id;
	bool registered;
	struct io_uring_zcrx_rq rq;
	unsigned int rq_entries;
	size_t region_size;
	bool stats;
	size_t stats_offset;

	int listenfd;
	int fd;

	/* the completion being copied out, still in the CQ */
	struct io_uring_cqe *cur;
	unsigned int cur_off;
	bool armed;			/* a RECV_ZC request is in flight */
	bool eof;
	int err;			/* -errno that ended the stream */
	uint64_t t_starved;
	uint64_t t_retry;		/* no buffer: arm again at, or 0 */

	struct rq_held held;		/* buffers the refill ring had no room for */

	uint64_t bytes, cqes, rearms;
};

static int str_queue_cb(void *data, const char *input);

static struct fio_option options[] = {
	{
		.name	= "hostname",
		.lname	= "zcrx listen address",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct zcrx_options, hostname),
		.help	= "Local address to listen on (default: any)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "port",
		.lname	= "zcrx port",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct zcrx_options, port),
		.minval	= 1,
		.maxval	= 65535,
		.help	= "TCP port to listen on (job N of numjobs: port + N)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "protocol",
		.lname	= "zcrx protocol",
		.alias	= "proto",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct zcrx_options, proto),
		.help	= "Network protocol to use",
		.def	= "tcp",
		.posval = {
			  { .ival = "tcp",
			    .oval = PROTO_TCP,
			    .help = "TCP over IPv4",
			  },
			  { .ival = "tcpv6",
			    .oval = PROTO_TCPV6,
			    .help = "TCP over IPv6",
			  },
		},
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "listen",
		.lname	= "zcrx listen",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct zcrx_options, listen),
		.help	= "Listen for the connection (always: zcrx only receives)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "interface",
		.lname	= "zcrx interface",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct zcrx_options, interface),
		.help	= "Network interface whose rx queue receives",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "queue",
		.lname	= "zcrx rx queue",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct zcrx_options, queue),
		.cb	= str_queue_cb,
		.help	= "Rx queue to take over (job N of numjobs: queue + N)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "area_size",
		.lname	= "zcrx area size",
		.type	= FIO_OPT_STR_VAL,
		.off1	= offsetof(struct zcrx_options, area_size),
		.minval	= 1,
		.help	= "Bytes of memory the NIC receives into",
		.def	= "64m",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "rq_entries",
		.lname	= "zcrx refill ring entries",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct zcrx_options, rq_entries),
		.minval	= 0,
		.maxval	= ZCRX_RQ_MAX,
		.help	= "Refill ring entries (0: one per buffer, at most 32768)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= "rx_buf_len",
		.lname	= "zcrx rx buffer length",
		.type	= FIO_OPT_STR_VAL,
		.off1	= offsetof(struct zcrx_options, rx_buf_len),
		.help	= "Rx buffer size, a power of two >= page size (0: a page)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_NETIO,
	},
	{
		.name	= NULL,
	},
};

/* Digits only: strtoul() would take " -1" and wrap it. */
static int str_queue_cb(void *data, const char *input)
{
	const char *p = input;
	unsigned long q;

	while (*p >= '0' && *p <= '9')
		p++;
	errno = 0;
	q = strtoul(input, NULL, 10);
	if (p == input || *p || errno || q > 0xffff) {
		log_err("zcrx: queue wants an rx queue number, not '%s' (0 to 65535)\n",
			input);
		return 1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned int pow2_at_least(unsigned int n)
{
	unsigned int p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* ------------------------------------------------------------------ */
/* setup                                                               */

static int check_options(struct thread_data *td, struct zcrx_options *o,
			 struct zcrx_data *zd)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long q;

	if (strcmp(fio_version_string, FIO_ZCRX_FIO_VERSION)) {
		log_err("zcrx: this engine was built against %s's source and is loaded into %s; struct layouts differ between versions: rebuild it against this fio\n",
			FIO_ZCRX_FIO_VERSION, fio_version_string);
		return 1;
	}
	/* fio keeps our ops in the thread: a layout check that costs nothing */
	if (!td->io_ops || strcmp(td->io_ops->name, "zcrx")) {
		log_err("zcrx: the job does not know this engine: fio's struct thread_data differs from the one it was built with\n");
		return 1;
	}
	if (!td_read(td) || td_write(td) || td_trim(td)) {
		log_err("zcrx: receive only: use rw=read\n");
		return 1;
	}
	if (td_random(td)) {
		log_err("zcrx: a stream cannot be read at random offsets: use rw=read\n");
		return 1;
	}
	if (!o->port) {
		log_err("zcrx: port is required: the TCP port to listen on\n");
		return 1;
	}
	if (!o->interface || !*o->interface) {
		log_err("zcrx: interface is required: the NIC whose rx queue receives\n");
		return 1;
	}
	if (!o->queue) {
		log_err("zcrx: queue is required: the rx queue of %s to take over\n",
			o->interface);
		return 1;
	}
	zd->ifindex = if_nametoindex(o->interface);
	if (!zd->ifindex) {
		log_err("zcrx: no interface '%s' in this network namespace\n",
			o->interface);
		return 1;
	}
	q = strtoul(o->queue, NULL, 10) + td->subjob_number;
	if (q > 0xffff) {
		log_err("zcrx: queue %lu is out of range\n", q);
		return 1;
	}
	zd->queue = (unsigned int)q;
	zd->port = o->port + td->subjob_number;
	if (zd->port > 65535) {
		log_err("zcrx: port %u + job %u is past 65535\n", o->port,
			td->subjob_number);
		return 1;
	}
	if (o->rx_buf_len &&
	    (o->rx_buf_len < (unsigned long long)page ||
	     (o->rx_buf_len & (o->rx_buf_len - 1)) ||
	     o->rx_buf_len > (1ull << 31))) {
		log_err("zcrx: rx_buf_len wants 0 or a power of two from the page size (%ld) up, not %llu\n",
			page, o->rx_buf_len);
		return 1;
	}
	if (o->hostname) {
		struct in6_addr a6;
		struct in_addr a4;

		if (o->proto == PROTO_TCP &&
		    inet_pton(AF_INET, o->hostname, &a4) != 1) {
			log_err("zcrx: hostname wants a numeric IPv4 address with protocol=tcp, not '%s'\n",
				o->hostname);
			return 1;
		}
		if (o->proto == PROTO_TCPV6 &&
		    inet_pton(AF_INET6, o->hostname, &a6) != 1) {
			log_err("zcrx: hostname wants a numeric IPv6 address with protocol=tcpv6, not '%s'\n",
				o->hostname);
			return 1;
		}
	}
	return 0;
}

static int setup_ring(struct zcrx_data *zd)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			 IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE,
		.cq_entries = ZCRX_CQ_ENTRIES,
	};
	struct io_uring_query_zcrx caps;
	int ret;

	ret = io_uring_queue_init_params(ZCRX_SQ_ENTRIES, &zd->ring, &p);
	if (ret) {
		log_err("zcrx: io_uring setup failed: %s%s\n", strerror(-ret),
			ret == -EINVAL ? " (a kernel without DEFER_TASKRUN or CQE32)" : "");
		return ret;
	}
	zd->ring_ok = true;
	/* statistics tell copied bytes from zero-copy ones; no CQE can */
	memset(&caps, 0, sizeof(caps));
	zd->stats = !io_uring_zcrx_query(&caps, NULL) &&
		    (caps.features & ZCRX_FEATURE_EVENT);
	return 0;
}

static int setup_zcrx(struct thread_data *td, struct zcrx_options *o,
		      struct zcrx_data *zd)
{
	struct io_uring_zcrx_area_reg area_reg;
	struct io_uring_region_desc rd;
	struct io_uring_zcrx_ifq_reg reg;
	struct zcrx_event_desc ev;
	unsigned int rx_buf_len = (unsigned int)o->rx_buf_len;
	size_t len = o->area_size;
	unsigned int n;
	int ret;

	ret = io_uring_zcrx_area_alloc(&zd->area, &len, rx_buf_len);
	if (ret) {
		log_err("zcrx: cannot allocate a %llu byte area: %s%s\n",
			o->area_size, strerror(-ret),
			rx_buf_len > (unsigned int)sysconf(_SC_PAGESIZE) ?
			" (buffers above a page need 2 MiB huge pages: vm.nr_hugepages)" : "");
		zd->area = NULL;
		return ret;
	}
	zd->area_size = len;
	ret = io_uring_zcrx_area_reg_init(&area_reg, zd->area, len, rx_buf_len);
	if (ret < 0) {
		log_err("zcrx: cannot describe the area: %s\n", strerror(-ret));
		return ret;
	}
	zd->buf_len = rx_buf_len ? rx_buf_len : (unsigned int)sysconf(_SC_PAGESIZE);
	n = o->rq_entries ? o->rq_entries :
		io_uring_zcrx_rq_entries(zd->area_size, zd->buf_len);
	if (!n)
		n = 1;
	if (n > ZCRX_RQ_MAX)
		n = ZCRX_RQ_MAX;
	/* the kernel rounds up; the region must hold the rounded ring */
	zd->rq_entries = pow2_at_least(n);
	zd->region_size = io_uring_zcrx_rq_region_size(zd->rq_entries);

	memset(&rd, 0, sizeof(rd));
	rd.size = zd->region_size;
	memset(&reg, 0, sizeof(reg));
	reg.if_idx = zd->ifindex;
	reg.if_rxq = zd->queue;
	reg.rq_entries = zd->rq_entries;
	reg.area_ptr = (uintptr_t)&area_reg;
	reg.region_ptr = (uintptr_t)&rd;
	reg.rx_buf_len = rx_buf_len;
	if (zd->stats) {
		zd->stats_offset = io_uring_zcrx_stats_offset(zd->rq_entries);
		io_uring_zcrx_set_events(&reg, &ev, UD_EVENT, 0, zd->stats_offset);
	}

	ret = io_uring_register_ifq(&zd->ring, &reg);
	if (ret) {
		log_err("zcrx: registering queue %u of %s failed: %s\n",
			zd->queue, o->interface, strerror(-ret));
		switch (-ret) {
		case EPERM:
			log_err("zcrx:   zero-copy receive needs CAP_NET_ADMIN\n");
			break;
		case EEXIST:
		case EBUSY:
			log_err("zcrx:   the queue is taken: another zcrx instance or a devmem binding holds it, or an XDP program is attached\n");
			break;
		case ERANGE:
			log_err("zcrx:   %s has no rx queue %u\n", o->interface,
				zd->queue);
			break;
		case EINVAL:
			log_err("zcrx:   tcp-data-split is off on %s (ethtool -G %s tcp-data-split on), the kernel refused rq_entries, rx_buf_len or area_size, or it has no zcrx\n",
				o->interface, o->interface);
			break;
		case EOPNOTSUPP:
			log_err("zcrx:   %s cannot receive into an area%s\n",
				o->interface, rx_buf_len ?
				", or not with this rx_buf_len" : "");
			break;
		case ENOMEM:
			log_err("zcrx:   the pinned area exceeds the locked-memory limit (ulimit -l), or the kernel is out of memory\n");
			break;
		case ENODEV:
			log_err("zcrx:   %s went away or lives in another network namespace\n",
				o->interface);
			break;
		}
		return ret;
	}
	zd->registered = true;
	zd->zcrx_id = reg.zcrx_id;
	zd->rq_entries = reg.rq_entries;
	if (reg.rx_buf_len)
		zd->buf_len = reg.rx_buf_len;
	ret = io_uring_zcrx_rq_map(&zd->ring, &zd->rq, &reg, &rd);
	if (ret) {
		log_err("zcrx: cannot map the refill ring: %s\n", strerror(-ret));
		return ret;
	}
	dprint(FD_IO, "zcrx: id %u, queue %u, area %zu in %u byte buffers, refill ring %u\n",
	       zd->zcrx_id, zd->queue, zd->area_size, zd->buf_len,
	       zd->rq_entries);
	return 0;
}

static int setup_listen(struct thread_data *td, struct zcrx_options *o,
			struct zcrx_data *zd)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	int fam = o->proto == PROTO_TCPV6 ? AF_INET6 : AF_INET, one = 1;
	socklen_t len;

	zd->listenfd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (zd->listenfd < 0) {
		td_verror(td, errno, "socket");
		return 1;
	}
	setsockopt(zd->listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(zd->port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		if (o->hostname)
			inet_pton(AF_INET, o->hostname, &s4->sin_addr);
		len = sizeof(*s4);
	} else {
		/* as the net engine: an IPv6 job takes IPv6 only */
		setsockopt(zd->listenfd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			   sizeof(one));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(zd->port);
		s6->sin6_addr = in6addr_any;
		if (o->hostname)
			inet_pton(AF_INET6, o->hostname, &s6->sin6_addr);
		len = sizeof(*s6);
	}
	if (bind(zd->listenfd, (struct sockaddr *)&ss, len) < 0) {
		log_err("zcrx: cannot bind port %u: %s\n", zd->port,
			strerror(errno));
		td_verror(td, errno, "bind");
		return 1;
	}
	if (listen(zd->listenfd, 1) < 0) {
		td_verror(td, errno, "listen");
		return 1;
	}
	return 0;
}

static void zcrx_cleanup(struct thread_data *td);

static int zcrx_init(struct thread_data *td)
{
	struct zcrx_options *o = td->eo;
	struct zcrx_data *zd;
	int ret;

	zd = calloc(1, sizeof(*zd));
	if (!zd)
		return 1;
	zd->listenfd = -1;
	zd->fd = -1;
	td->io_ops_data = zd;

	ret = check_options(td, o, zd);
	if (!ret)
		ret = setup_ring(zd) || setup_zcrx(td, o, zd) ||
		      setup_listen(td, o, zd);
	if (ret) {
		zcrx_cleanup(td);
		return 1;
	}
	return 0;
}

static int zcrx_setup(struct thread_data *td)
{
	/* One file stands for the connection, as with the net engine. */
	if (!td->files_index) {
		add_file(td, "zcrx", 0, 0);
		td->o.nr_files = td->o.nr_files ?: 1;
		td->o.open_files++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the refill ring                                                     */

/* Held buffers into the refill ring, committed for the kernel. */
static void flush_held(struct zcrx_data *zd)
{
	rq_held_flush(&zd->rq, &zd->held);
	io_uring_zcrx_rq_commit(&zd->rq);
}

static int return_buffer(struct zcrx_data *zd, const struct io_uring_cqe *cqe)
{
	int ret = rq_return_or_hold(&zd->rq, &zd->held, cqe);

	io_uring_zcrx_rq_commit(&zd->rq);
	return ret;
}

/* ------------------------------------------------------------------ */
/* the connection                                                      */

static int arm_recv(struct zcrx_data *zd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&zd->ring);
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv_zc_multishot(sqe, zd->fd, zd->zcrx_id);
	sqe->user_data = UD_RECV;
	ret = io_uring_submit(&zd->ring);
	if (ret < 0)
		return ret;
	zd->armed = true;
	return 0;
}

static int zcrx_open_file(struct thread_data *td, struct fio_file *f)
{
	struct zcrx_data *zd = td->io_ops_data;
	struct pollfd pfd = { .fd = zd->listenfd, .events = POLLIN };
	int state = td->runstate, ret, fd;

	td_set_runstate(td, TD_SETTING_UP);
	log_info("zcrx: %s: waiting for a connection on port %u (queue %u)\n",
		 td->o.name, zd->port, zd->queue);
	for (;;) {
		ret = poll(&pfd, 1, ZCRX_WAIT_MS);
		if (ret > 0)
			break;
		if (td->terminate) {
			td_set_runstate(td, state);
			return 1;
		}
		if (ret < 0 && errno != EINTR) {
			td_verror(td, errno, "poll");
			td_set_runstate(td, state);
			return 1;
		}
	}
	fd = accept4(zd->listenfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		td_verror(td, errno, "accept");
		td_set_runstate(td, state);
		return 1;
	}
	/*
	 * The listening socket stays until the job ends, as with the net
	 * engine: should fio open the file again, it takes the next
	 * connection.
	 */
	zd->fd = fd;
	zd->eof = false;
	zd->err = 0;
	zd->t_starved = 0;
	zd->t_retry = 0;
	ret = arm_recv(zd);
	if (ret) {
		/* fio closes no file whose open failed: ours to close */
		close(fd);
		zd->fd = -1;
		td_verror(td, -ret, "RECV_ZC");
		td_set_runstate(td, state);
		return 1;
	}
	f->fd = fd;
	/* as the net engine: the wait for the peer is not part of the job */
	reset_all_stats(td);
	td_set_runstate(td, state);
	return 0;
}

/*
 * The final CQE of a request, without data: the end of the stream, an
 * error, or a reason to arm again (zd->armed is false, zd->eof and
 * zd->err unset).
 */
static void recv_ended(struct zcrx_data *zd, int res)
{
	zd->armed = false;
	if (!res) {
		zd->eof = true;
		return;
	}
	if (res == -ENOSPC || res == -EINTR) {
		/* CQ overflow: carry on */
		zd->rearms++;
		return;
	}
	if (res == -ENOBUFS || res == -ENOMEM) {
		/*
		 * No free buffer in the area for the copy fallback; the ones
		 * we returned free up once the kernel takes them.
		 */
		uint64_t now = now_ns();

		if (!zd->t_starved)
			zd->t_starved = now;
		if (now - zd->t_starved < ZCRX_STARVED_NS) {
			/* arming at once would fail at once, in a loop */
			zd->rearms++;
			zd->t_retry = now + ZCRX_RETRY_NS;
			return;
		}
	}
	zd->err = res;
}

/*
 * Make zd->cur a completion with data not yet copied. Returns 1 when there
 * is one, 0 at the end of the stream, -errno on error.
 */
static int next_chunk(struct thread_data *td, struct zcrx_data *zd)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	uint64_t wait, now;
	int ret;

	while (!zd->cur) {
		if (zd->err)
			return zd->err;
		if (zd->eof)
			return 0;
		now = now_ns();
		wait = ZCRX_WAIT_MS * 1000000ull;
		if (!zd->armed && now < zd->t_retry) {
			/* no buffer a moment ago: wait before arming */
			wait = zd->t_retry - now;
		} else if (!zd->armed) {
			zd->t_retry = 0;
			ret = arm_recv(zd);
			if (ret)
				return ret;
		}
		ts.tv_sec = (long long)(wait / 1000000000ull);
		ts.tv_nsec = (long long)(wait % 1000000000ull);
		flush_held(zd);
		ret = io_uring_wait_cqe_timeout(&zd->ring, &cqe, &ts);
		if (ret == -ETIME || ret == -EINTR) {
			if (td->terminate)
				return -EINTR;
			continue;
		}
		if (ret)
			return ret;
		if (cqe->user_data != UD_RECV) {
			io_uring_cqe_seen(&zd->ring, cqe);
			continue;
		}
		if (cqe->res > 0) {
			uint64_t off = io_uring_zcrx_cqe(cqe)->off &
				       ~IORING_ZCRX_AREA_MASK;

			if (off > zd->area_size ||
			    (uint64_t)cqe->res > zd->area_size - off) {
				/* never read outside the area */
				log_err("zcrx: completion outside the area (offset %" PRIu64 ", %d bytes)\n",
					off, cqe->res);
				/* the last of its request: nothing to cancel */
				if (!(cqe->flags & IORING_CQE_F_MORE))
					zd->armed = false;
				io_uring_cqe_seen(&zd->ring, cqe);
				zd->err = -EFAULT;
				continue;
			}
			if (!(cqe->flags & IORING_CQE_F_MORE))
				zd->armed = false;
			zd->cur = cqe;
			zd->cur_off = 0;
			zd->cqes++;
			zd->t_starved = 0;
			return 1;
		}
		ret = cqe->res;
		io_uring_cqe_seen(&zd->ring, cqe);
		recv_ended(zd, ret);
	}
	return 1;
}

/* The current completion is copied out: its buffer goes back. */
static int put_chunk(struct zcrx_data *zd)
{
	int ret = return_buffer(zd, zd->cur);

	io_uring_cqe_seen(&zd->ring, zd->cur);
	zd->cur = NULL;
	return ret;
}

static bool is_close_msg(const unsigned char *buf, unsigned long long len)
{
	uint32_t msg[2];

	if (len != sizeof(msg))
		return false;
	memcpy(msg, buf, sizeof(msg));
	return le32_to_cpu(msg[0]) == NET_CLOSE_MAGIC &&
	       le32_to_cpu(msg[1]) == NET_CLOSE_CMD;
}

static enum fio_q_status zcrx_queue(struct thread_data *td, struct io_u *io_u)
{
	struct zcrx_data *zd = td->io_ops_data;
	unsigned char *dst = io_u->xfer_buf;
	unsigned long long want = io_u->xfer_buflen, got = 0;
	int ret = 0;

	fio_ro_check(td, io_u);
	if (io_u->ddir != DDIR_READ) {
		/* fsync and the like: nothing to do for a stream */
		return FIO_Q_COMPLETED;
	}
	while (got < want) {
		const unsigned char *src;
		unsigned int n;

		ret = next_chunk(td, zd);
		if (ret <= 0)
			break;
		src = io_uring_zcrx_cqe_data(zd->cur, zd->area);
		n = (unsigned int)zd->cur->res - zd->cur_off;
		if (n > want - got)
			n = (unsigned int)(want - got);
		memcpy(dst + got, src + zd->cur_off, n);
		got += n;
		zd->cur_off += n;
		zd->bytes += n;
		if (zd->cur_off == (unsigned int)zd->cur->res) {
			ret = put_chunk(zd);
			if (ret)
				break;
		}
	}
	/* also with the io_u full: a buffer we could not return is lost */
	if (ret < 0) {
		io_u->error = -ret;
		td_verror(td, io_u->error, "RECV_ZC");
		return FIO_Q_COMPLETED;
	}
	if (got == want)
		return FIO_Q_COMPLETED;
	/*
	 * The peer closed. A net engine sender ends with a close message,
	 * which is no data; as for the net engine, an io_u with nothing (or
	 * only that) ends the job, and a partial one is a short read.
	 */
	if (!got || is_close_msg(dst, got)) {
		td->done = 1;
		return FIO_Q_BUSY;
	}
	io_u->resid = want - got;
	return FIO_Q_COMPLETED;
}

/*
 * Stop the request and take back every buffer it handed out, so that
 * nothing of the stream outlives the connection in our hands.
 */
static void stop_recv(struct thread_data *td, struct zcrx_data *zd)
{
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int tries = 10;

	if (zd->cur)
		put_chunk(zd);
	if (zd->armed) {
		sqe = io_uring_get_sqe(&zd->ring);
		if (sqe) {
			io_uring_prep_cancel64(sqe, UD_RECV, 0);
			sqe->user_data = UD_CANCEL;
			io_uring_submit(&zd->ring);
		}
	}
	while (zd->armed && tries) {
		if (io_uring_wait_cqe_timeout(&zd->ring, &cqe, &ts)) {
			tries--;
			continue;
		}
		if (cqe->user_data == UD_RECV) {
			if (cqe->res > 0)
				return_buffer(zd, cqe);
			if (!(cqe->flags & IORING_CQE_F_MORE))
				zd->armed = false;
		}
		io_uring_cqe_seen(&zd->ring, cqe);
	}
	flush_held(zd);
}

static int zcrx_close_file(struct thread_data *td, struct fio_file *f)
{
	struct zcrx_data *zd = td->io_ops_data;

	if (zd && zd->fd >= 0) {
		stop_recv(td, zd);
		zd->fd = -1;
	}
	return generic_close_file(td, f);
}

static void report(struct thread_data *td, struct zcrx_data *zd)
{
	struct zcrx_stats st;
	long long copied = -1;

	if (zd->stats && zd->rq.ring_ptr &&
	    !io_uring_zcrx_read_stats(&zd->rq, zd->stats_offset, &st))
		copied = (long long)st.copy_bytes;
	if (copied < 0) {
		log_info("zcrx: %s: bytes=%" PRIu64 " cqes=%" PRIu64 " rearms=%" PRIu64 " (no statistics: zero-copy and copied bytes cannot be told apart)\n",
			 td->o.name, zd->bytes, zd->cqes, zd->rearms);
		return;
	}
	/*
	 * The kernel counts what it copied into the area, we count what we
	 * copied out of it: bytes left in the socket at close count in the
	 * first only.
	 */
	log_info("zcrx: %s: bytes=%" PRIu64 " zc_bytes=%" PRIu64 " copy_bytes=%lld cqes=%" PRIu64 " rearms=%" PRIu64 "\n",
		 td->o.name, zd->bytes,
		 zd->bytes > (uint64_t)copied ? zd->bytes - (uint64_t)copied : 0,
		 copied, zd->cqes, zd->rearms);
	if (copied > 0)
		log_info("zcrx: %s: %lld bytes came by copy: is the flow steered to queue %u, and tcp-data-split on?\n",
			 td->o.name, copied, zd->queue);
}

static void zcrx_cleanup(struct thread_data *td)
{
	struct zcrx_data *zd = td->io_ops_data;

	if (!zd)
		return;
	if (zd->fd >= 0) {
		/* fio closed no file: the connection is still ours to close */
		stop_recv(td, zd);
		close(zd->fd);
		zd->fd = -1;
	}
	if (zd->registered && zd->cqes)
		report(td, zd);
	if (zd->listenfd >= 0)
		close(zd->listenfd);
	if (zd->rq.ring_ptr)
		io_uring_zcrx_rq_unmap(&zd->rq, zd->region_size);
	/* ring exit unbinds the queue and takes back any buffer still out */
	if (zd->ring_ok)
		io_uring_queue_exit(&zd->ring);
	if (zd->area)
		io_uring_zcrx_area_free(zd->area, zd->area_size);
	rq_held_free(&zd->held);
	free(zd);
	td->io_ops_data = NULL;
}

struct ioengine_ops ioengine = {
	.name			= "zcrx",
	.version		= FIO_IOOPS_VERSION,
	.setup			= zcrx_setup,
	.init			= zcrx_init,
	.queue			= zcrx_queue,
	.cleanup		= zcrx_cleanup,
	.open_file		= zcrx_open_file,
	.close_file		= zcrx_close_file,
	.options		= options,
	.option_struct_size	= sizeof(struct zcrx_options),
	.flags			= FIO_SYNCIO | FIO_DISKLESSIO | FIO_UNIDIR |
				  FIO_PIPEIO | FIO_BIT_BASED,
};
