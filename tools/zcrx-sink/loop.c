// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: the program around the completions, shared with zcrx-echo:
 * the start (options, signals) and setup up to registration; SQEs, fatal
 * errors, one pass of submit, wait and handle with
 * the refill ring committed, the start, the interval tick, cancelling;
 * and what any RECV_ZC completion means: counting its data, starving,
 * a copy a dma-buf area refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "common.h"
#include "sink.h"

volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* The command line, line-buffered output, the stop signals. */
void sink_start(struct sink *s, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	parse_options(&s->cfg, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_quiet = s->cfg.quiet;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Everything up to a registered instance: sizes, the listening socket,
 * the ring, the checks, the area and the registration. 0, or EXIT_SETUP.
 */
int sink_setup(struct sink *s)
{
	int err = nic_open(&s->nic, s->cfg.nodev ? NULL : s->cfg.ifname);

	if (err) {
		fprintf(stderr, PROG ": socket for ethtool: %s\n", strerror(-err));
		return EXIT_SETUP;
	}
	size_zcrx(s);
	if (setup_socket(s) || setup_ring(s) || !run_checks(s) || setup_zcrx(s))
		return EXIT_SETUP;
	return 0;
}

struct io_uring_sqe *get_sqe(struct sink *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

	if (!sqe) {
		io_uring_submit(&s->ring);
		sqe = io_uring_get_sqe(&s->ring);
	}
	return sqe;
}

void fatal(struct sink *s, const char *what, int err)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(-err));
	s->status = EXIT_FAIL;
	s->stopping = true;
}

/*
 * Submit, wait up to TIMEOUT_NS for completions, and HANDLE everything
 * there is, with the refill ring committed before and after. Returns
 * -errno on a ring failure.
 */
int run_once(struct sink *s, uint64_t timeout_ns, sigset_t *waitmask,
	     cqe_handler handle)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(timeout_ns / 1000000000ull),
		.tv_nsec = (long long)(timeout_ns % 1000000000ull),
	};
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int ret, sig;

	rq_held_flush(&s->rq, &s->held);
	io_uring_zcrx_rq_commit(&s->rq);
	flush_rq(s);
	rearm_events(s);
	ret = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, &ts, waitmask);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN)
		return ret;
	s->now = now_ns();
	io_uring_for_each_cqe(&s->ring, head, cqe) {
		handle(s, cqe);
		n++;
	}
	io_uring_cq_advance(&s->ring, n);
	rq_held_flush(&s->rq, &s->held);
	io_uring_zcrx_rq_commit(&s->rq);
	flush_rq(s);
	sig = pending_stop_signal();
	if (sig)
		stop_signal = sig;
	return 0;
}

bool serve_finished(const struct sink *s)
{
	return s->cfg.max_conns && s->accepted >= s->cfg.max_conns &&
	       !s->open && !s->inflight;
}

/*
 * Block SIGINT and SIGTERM except while waiting in io_uring_enter() (the
 * mask for that goes to WAITMASK), listen, print the listening line and
 * accept. Returns 0, or EXIT_SETUP.
 */
int serve_begin(struct sink *s, sigset_t *waitmask)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);

	if (listen(s->lfd, 128)) {
		fprintf(stderr, PROG ": listen: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	print_ready(s);
	getrusage(RUSAGE_SELF, &s->ru_serve);
	s->t_tick = now_ns();
	arm_accept(s);
	return 0;
}

/* Print the interval line when one is due; how long to wait for the next. */
uint64_t serve_tick(struct sink *s)
{
	uint64_t tick = (uint64_t)s->cfg.interval * 1000000000ull;
	uint64_t now = now_ns();

	if (!tick)
		return 1000000000ull;
	if (now - s->t_tick >= tick) {
		print_interval(s, now);
		now = s->t_tick;
	}
	return s->t_tick + tick - now;
}

void say_stopping(const struct sink *s)
{
	if (stop_signal && !s->cfg.quiet && !s->cfg.json)
		fprintf(stderr, PROG ": %s, stopping\n", strsignal(stop_signal));
}

/*
 * Stopping: cancel every request in flight, also those s->inflight does
 * not count (zcrx-echo's sends); with none, the cancel finds nothing.
 */
void cancel_all(struct sink *s)
{
	struct io_uring_sqe *sqe;

	s->stopping = true;
	sqe = get_sqe(s);
	if (sqe) {
		io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ALL |
				       IORING_ASYNC_CANCEL_ANY);
		sqe->user_data = UD(UD_CANCEL, 0);
	}
}

/*
 * LEN bytes of data arrived on CN: the connection's and the totals' counts.
 * The time is the batch's: a clock read per completion was a measurable
 * part of the sink's CPU time at MTU 1500.
 */
void count_data(struct sink *s, struct conn *cn, uint32_t len)
{
	uint64_t now = s->now;

	if (!cn->t_first)
		cn->t_first = now;
	cn->t_last = now;
	cn->t_starved = 0;
	if (!s->tot.t_first)
		s->tot.t_first = now;
	s->tot.t_last = now;
	cn->bytes += len;
	cn->arm_bytes += len;
	cn->cqes++;
	s->tot.bytes += len;
	s->tot.cqes++;
}

/* Out of buffers for STARVED_NS without a byte: something holds them. */
bool starving(struct conn *cn)
{
	uint64_t now = now_ns();

	if (!cn->t_starved) {
		cn->t_starved = now;
		return false;
	}
	return now - cn->t_starved > STARVED_NS;
}

/*
 * --dmabuf, and RECV_ZC ended with -ENOMEM: data of the flow needed a
 * copy (it came in on another queue, or with the headers), and the kernel
 * cannot copy into a dma-buf. Arming again cannot help: that data stays
 * in the socket and needs the same copy. How to fix it, said once.
 */
void explain_copy_refused(struct sink *s, const struct conn *cn)
{
	const struct config *c = &s->cfg;

	fprintf(stderr, PROG ": conn %" PRIu64 " %s: RECV_ZC ended with ENOMEM after %" PRIu64 " bytes: data of this flow needed a copy, and a dma-buf area cannot take copies (the kernel never writes it with the CPU)\n",
		cn->id, cn->peer, cn->bytes);
	if (s->copy_refused++)
		return;
	fprintf(stderr, "  its packets reached %s on another queue than %lld, or their payload came with the headers;\n"
		"  steer the flow to queue %lld:\n"
		"  fix: ethtool -N %s flow-type %s dst-port %u action %lld\n"
		"  (or run without --dmabuf: an area in our memory takes such flows by copy)\n",
		c->ifname, c->queue, c->queue, c->ifname,
		cn->family == AF_INET6 ? "tcp6" : "tcp4", c->port, c->queue);
}
