/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcrx-sink: a TCP server that receives with io_uring zero-copy receive.
 *
 * It takes over one rx queue of a NIC through a zcrx instance, accepts
 * connections on a port whose flows the NIC steers to that queue, reads
 * every connection with IORING_OP_RECV_ZC, optionally checks the bytes
 * against the stream pattern of tests/lib/pattern.h, hands every buffer
 * back through the refill ring, and reports throughput.
 *
 * The sink changes nothing on the NIC. Before it registers, it checks what
 * zero-copy receive needs (capability, kernel support and features, the
 * queue, header split, flow steering) and prints the command that fixes
 * each problem. With --nodev it takes no NIC queue at all: the kernel
 * copies every byte into the area, so the interface can be tried anywhere.
 * Documentation/zcrx-sink.md has the full story.
 *
 * The files, one concern each:
 *   options.c  command line
 *   checks.c   what the kernel, our privileges and the area need (the
 *              NIC's part is ../nic-check.c, shared with zcrx-nic)
 *   area.c     the ring, the area and the instance; the refill ring and
 *              events while serving
 *   conn.c     the listening socket, accepting and closing connections
 *   serve.c    the receive loop: RECV_ZC requests and their completions
 *   loop.c     around them: start and setup, one pass of submit, wait and
 *              handle, the interval tick, cancelling (shared with zcrx-echo)
 *   verify.c   what arrived: inside the area, and the stream pattern
 *   output.c   connection and total lines, text or JSON
 *   report.c   the listening and interval lines, copied bytes (the
 *              kernel's statistics), CPU time: shared with zcrx-echo
 *   main.c     the order of it all
 */
#ifndef ZCRX_SINK_H
#define ZCRX_SINK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include <liburing/zcrx.h>

#include "nic.h"
#include "rq-held.h"

/*
 * These files also build zcrx-echo (tools/zcrx-echo/), which compiles them
 * under its own name and help texts (zcrx-echo/prog.h).
 */
#ifndef PROG
#define PROG		"zcrx-sink"
#define PROG_ABOUT	"Receive TCP with io_uring zero-copy receive on rx queue QUEUE of IF.\n"
#define PROG_BUDGET_HELP \
	"budget mode: each RECV_ZC ends after SIZE bytes and is\n" \
	"               armed again (default: multishot until EOF)\n"
#endif

#define RQ_MAX_ENTRIES		32768
#define CQE32_SIZE		32
#define STARVED_NS		10000000000ull	/* no buffer and no data: give up */
#define EXIT_FAIL		1	/* verify failure or error while serving */
#define EXIT_SETUP		2	/* usage, missing prerequisite, setup */

struct config {
	const char *ifname;
	unsigned int ifindex;
	long long queue;		/* -1 until -q */
	unsigned int port;
	const char *addr;
	int family;			/* AF_UNSPEC: IPv6 socket taking v4 too */
	uint64_t area_size;
	unsigned int rx_buf_len;	/* 0: the kernel's default, a page */
	unsigned int rq_entries;	/* 0: one per buffer */
	unsigned int sq_entries;
	unsigned int cq_entries;
	uint64_t budget;		/* 0: multishot until EOF */
	uint64_t max_conns;		/* 0: serve until a signal */
	unsigned int interval;		/* seconds between rate lines, 0 off */
	bool verify, json, quiet, force, hugetlb, user_region;
	bool nodev;			/* --nodev: ZCRX_REG_NODEV, no NIC queue */
	bool dmabuf;			/* --dmabuf: the area is a udmabuf dma-buf */
};

enum conn_end { END_EOF, END_ERROR, END_INTERRUPTED };

struct conn {
	int fd;
	uint64_t id;			/* 1, 2, ... in accept order */
	char peer[64];
	uint64_t bytes;
	uint64_t cqes;
	uint64_t arm_bytes;		/* received by the request in flight */
	uint64_t rearms;		/* budget spent, CQ overflow, no buffer */
	uint64_t t_starved;		/* first "no buffer" end since data, or 0 */
	uint64_t bad;
	int64_t first_bad;
	uint64_t t_first, t_last;
	int err;			/* -errno that ended it, or 0 */
	int family;			/* of the peer: AF_INET (v4-mapped too), AF_INET6 */
};

struct totals {
	uint64_t conns, bytes, cqes, verify_failed, errors, rearms;
	uint64_t t_first, t_last;
};

/* What goes into user_data: a kind in the high half, a slot in the low. */
enum { UD_ACCEPT = 1, UD_RECV, UD_CANCEL, UD_EVENT };
#define UD(kind, slot)	((uint64_t)(kind) << 32 | (uint32_t)(slot))

struct sink {
	struct config cfg;
	struct io_uring ring;
	bool ring_ok;

	/* the zcrx instance */
	void *area;
	size_t area_size;
	size_t area_page;		/* bytes of the pages backing the area */
	bool huge;			/* in huge pages: -H, or -L above a page */
	int dmabuf_fd;			/* --dmabuf: the dma-buf, or -1 */
	unsigned int buf_len;
	unsigned int zcrx_id;
	struct io_uring_zcrx_rq rq;
	unsigned int rq_entries;
	size_t region_size;
	void *user_region;		/* -U: our memory; else the kernel's mmap */
	bool registered;

	/* what the kernel said it can do (IO_URING_QUERY_ZCRX) */
	struct io_uring_query_zcrx caps;
	bool have_caps;
	bool events;			/* registered with events and stats */
	size_t stats_offset;		/* of struct zcrx_stats in the region */
	uint64_t starved;		/* ALLOC_FAIL events */
	uint64_t t_starved;		/* when the last one came, to re-arm */
	bool starve_armed;
	__u32 flushed_tail;		/* --nodev: refill tail last flushed */
	uint64_t copy_refused;		/* --dmabuf: flows that needed a copy */

	struct rq_held held;		/* buffers the refill ring had no
					 * room for */

	int lfd;
	int family;			/* of the listening socket */
	uint64_t accepted;
	struct conn **conns;
	size_t nr_slots, open;
	unsigned int inflight;		/* requests whose last CQE is pending */

	struct totals tot;
	uint64_t now;			/* when the CQEs in hand were reaped:
					 * one clock read per batch */
	struct rusage ru_serve;		/* our CPU time when serving began */
	uint64_t tick_bytes, t_tick;
	bool stopping;
	int status;
	struct nic nic;			/* the interface of -i */
};

extern volatile sig_atomic_t stop_signal;

/* options.c */
void parse_options(struct config *c, int argc, char **argv);

/* checks.c */
struct hugepool {
	size_t page;			/* bytes of one huge page */
	long total, free, resv, surplus, overcommit;
};

#define UDMABUF_DEV		"/dev/udmabuf"
#define UDMABUF_LIMIT		"/sys/module/udmabuf/parameters/size_limit_mb"
#define UDMABUF_LIMIT_MB	64	/* the module parameter's default */

size_t hugepage_size(void);
int hugepool_get(size_t page, struct hugepool *h);
long hugepool_available(const struct hugepool *h);
void hugepool_fix(const struct hugepool *h, long needed, char *buf,
		  size_t len);
long udmabuf_limit_mb(void);
bool run_checks(struct sink *s);

/* area.c */
void size_zcrx(struct sink *s);
int setup_ring(struct sink *s);
int setup_zcrx(struct sink *s);
void flush_rq(struct sink *s);
void on_event(struct sink *s, const struct io_uring_cqe *cqe);
void rearm_events(struct sink *s);
void sink_teardown(struct sink *s);

/* conn.c */
int setup_socket(struct sink *s);
void arm_accept(struct sink *s);
void on_accept(struct sink *s, const struct io_uring_cqe *cqe);
void conn_close(struct sink *s, size_t slot, enum conn_end e);

/* serve.c */
void arm_recv(struct sink *s, size_t slot);
int serve(struct sink *s);

/* loop.c */
void sink_start(struct sink *s, int argc, char **argv);
int sink_setup(struct sink *s);
typedef void (*cqe_handler)(struct sink *s, const struct io_uring_cqe *cqe);

struct io_uring_sqe *get_sqe(struct sink *s);
void fatal(struct sink *s, const char *what, int err);
int run_once(struct sink *s, uint64_t timeout_ns, sigset_t *waitmask,
	     cqe_handler handle);
bool serve_finished(const struct sink *s);
int serve_begin(struct sink *s, sigset_t *waitmask);
uint64_t serve_tick(struct sink *s);
void say_stopping(const struct sink *s);
void cancel_all(struct sink *s);
void count_data(struct sink *s, struct conn *cn, uint32_t len);
bool starving(struct conn *cn);
void explain_copy_refused(struct sink *s, const struct conn *cn);

/* verify.c */
void verify_data(struct sink *s, struct conn *cn,
		 const struct io_uring_cqe *cqe);

/* output.c */
void print_conn(struct sink *s, const struct conn *cn, enum conn_end e);
void print_totals(struct sink *s);

/* report.c */
void print_ready(struct sink *s);
void print_interval(struct sink *s, uint64_t now);
void print_conn_end(const struct sink *s, const struct conn *cn,
		    enum conn_end e);
void print_totals_end(const struct sink *s);
int64_t zcrx_copy_bytes(const struct sink *s);
const char *area_kind(const struct sink *s);
void cpu_seconds(const struct sink *s, double *user, double *sys);
double cqes_per_mib(uint64_t cqes, uint64_t bytes);

#endif /* ZCRX_SINK_H */
