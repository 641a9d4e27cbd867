// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-echo: the loop. RECV_ZC with the window as read limit, what each
 * completion means for its connection, when a connection is done, and a
 * shutdown that leaves no send behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "echo.h"

/* Our state beside the sink's for every slot conn.c may have opened. */
static struct echo_conn *echo_conn_get(struct echo *e, size_t slot)
{
	int one = 1;

	if (slot >= e->nr_ec) {
		size_t n = e->s.nr_slots;
		struct echo_conn **p = realloc(e->ec, n * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + e->nr_ec, 0, (n - e->nr_ec) * sizeof(*p));
		e->ec = p;
		e->nr_ec = n;
	}
	if (e->ec[slot])
		return e->ec[slot];
	e->ec[slot] = calloc(1, sizeof(struct echo_conn));
	/* An echo is small as often as not: no Nagle on the way back. */
	if (e->ec[slot])
		setsockopt(e->s.conns[slot]->fd, IPPROTO_TCP, TCP_NODELAY,
			   &one, sizeof(one));
	return e->ec[slot];
}

/* Our state of SLOT, or NULL: none, or the slot is free. */
static struct echo_conn *echo_conn_of(struct echo *e, size_t slot)
{
	if (slot >= e->s.nr_slots || !e->s.conns[slot] || slot >= e->nr_ec)
		return NULL;
	return e->ec[slot];
}

static void close_echo_conn(struct echo *e, size_t slot, enum conn_end end)
{
	/* conn_close() prints the connection, with our part of it. */
	conn_close(&e->s, slot, end);
	if (slot < e->nr_ec) {
		free_echo_conn(e->ec[slot]);
		e->ec[slot] = NULL;
	}
}

/*
 * Arm RECV_ZC for SLOT with what is left of the window as read limit;
 * not while the window is more than half full (back-pressure: the data
 * waits in the socket, and TCP's window stops the peer). conn.c calls
 * it for every new connection.
 */
void arm_recv(struct sink *s, size_t slot)
{
	struct echo *e = to_echo(s);
	struct echo_conn *ec = echo_conn_get(e, slot);
	struct conn *cn = s->conns[slot];
	struct io_uring_sqe *sqe;
	uint64_t held;

	if (!ec) {
		/* Only a new connection has none yet: it fails alone. */
		fprintf(stderr, PROG ": conn %" PRIu64 " %s: out of memory for its state\n",
			cn->id, cn->peer);
		cn->err = -ENOMEM;
		close_echo_conn(e, slot, END_ERROR);
		return;
	}
	held = held_bytes(s, slot, ec);
	if (held > e->window / 2) {
		if (!ec->stalled) {
			ec->stalled = true;
			ec->stalls++;
			e->stalls++;
		}
		return;
	}
	sqe = get_sqe(s);
	if (!sqe) {
		fatal(s, "no SQE for RECV_ZC", -EBUSY);
		return;
	}
	ec->stalled = false;
	ec->arm_limit = (uint32_t)(e->window - held);
	io_uring_prep_recv_zc(sqe, cn->fd, s->zcrx_id, ec->arm_limit);
	sqe->user_data = UD(UD_RECV, slot);
	cn->arm_bytes = 0;
	ec->armed = true;
	s->inflight++;
}

/* The end of a RECV_ZC request: what comes next for the connection. */
static void recv_ended(struct echo *e, struct conn *cn, struct echo_conn *ec,
		       int res)
{
	struct sink *s = &e->s;
	uint64_t now = now_ns();

	s->inflight--;
	ec->armed = false;
	if (cn->err || s->stopping)
		return;
	if (res == 0 && cn->arm_bytes < ec->arm_limit) {
		ec->eof = true;
	} else if (res >= 0 || res == -ENOSPC || res == -EINTR) {
		/* The read limit, or CQ overflow: echo_progress() arms again. */
		cn->rearms++;
	} else if (res == -ENOMEM && s->cfg.dmabuf) {
		cn->err = res;
		explain_copy_refused(s, cn);
	} else if ((res == -ENOBUFS || res == -ENOMEM) && !starving(cn)) {
		/*
		 * No free area buffer. Those we hold come back only after
		 * their sends' notifications, so arming at once could spin:
		 * arm again in RETRY_NS.
		 */
		cn->rearms++;
		ec->t_retry = now + RETRY_NS;
	} else {
		cn->err = res;
	}
}

static void on_recv(struct echo *e, size_t slot, const struct io_uring_cqe *cqe)
{
	struct sink *s = &e->s;
	struct conn *cn = s->conns[slot];
	struct echo_conn *ec = e->ec[slot];

	if (cqe->res > 0) {
		uint64_t off = io_uring_zcrx_cqe(cqe)->off & ~IORING_ZCRX_AREA_MASK;

		/* Says so and fails the connection if outside the area. */
		verify_data(s, cn, cqe);
		/*
		 * What is inside is ours to return, even on a connection that
		 * failed; what is outside is neither sent nor returned.
		 */
		if (off <= s->area_size &&
		    (uint32_t)cqe->res <= s->area_size - off) {
			add_piece(e, ec, cqe);
			count_data(s, cn, (uint32_t)cqe->res);
			if (held_bytes(s, slot, ec) > ec->max_held)
				ec->max_held = held_bytes(s, slot, ec);
		}
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		recv_ended(e, cn, ec, cqe->res);
}

/*
 * Close SLOT's socket with a reset (SO_LINGER 0): its send queue goes,
 * and with it the skbs that still point at our pages, so the
 * notifications of its sends come. conn_close() closes -1 then: EBADF,
 * harmless.
 */
static void abort_conn(struct echo *e, size_t slot)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct conn *cn = e->s.conns[slot];

	setsockopt(cn->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(cn->fd);
	cn->fd = -1;
	e->ec[slot]->aborted = true;
}

/*
 * A failed connection: its read and the sends without a result are
 * cancelled; once none is left, a reset frees what its socket holds.
 * Sends stuck on a peer that does not read would otherwise never be
 * notified, and the connection would hold its buffers until SIGINT.
 */
static void end_failed(struct echo *e, size_t slot)
{
	struct sink *s = &e->s;
	struct echo_conn *ec = e->ec[slot];
	struct io_uring_sqe *sqe;

	if ((ec->armed || ec->chain) && !ec->cancelled) {
		sqe = get_sqe(s);
		if (sqe) {
			io_uring_prep_cancel_fd(sqe, s->conns[slot]->fd,
						IORING_ASYNC_CANCEL_ALL);
			sqe->user_data = UD(UD_CANCEL, slot);
			ec->cancelled = true;
		}
	}
	/* No request holds the file: the close is the last reference. */
	if (!ec->armed && !ec->chain && ec->nr_sends && !ec->aborted)
		abort_conn(e, slot);
}

/*
 * After anything happened on SLOT: return what can go back, send what
 * came, read more if the window allows, and close the connection once
 * nothing of it is in flight and all it sent us went back to it.
 */
void echo_progress(struct echo *e, size_t slot)
{
	struct sink *s = &e->s;
	struct echo_conn *ec = echo_conn_of(e, slot);
	struct conn *cn;
	bool over;

	if (!ec)
		return;
	cn = s->conns[slot];
	over = cn->err || s->stopping || ec->aborted;
	return_pieces(e, ec, over);
	if (cn->err && !s->stopping)
		end_failed(e, slot);
	if (!over) {
		start_chain(e, slot);
		if (!ec->armed && !ec->eof) {
			if (ec->t_retry && now_ns() < ec->t_retry) {
				if (!e->t_retry || ec->t_retry < e->t_retry)
					e->t_retry = ec->t_retry;
			} else {
				ec->t_retry = 0;
				arm_recv(s, slot);
			}
		}
	}
	if (ec->armed || ec->nr_sends)
		return;
	if (cn->err) {
		close_echo_conn(e, slot, END_ERROR);
	} else if (over) {
		close_echo_conn(e, slot, END_INTERRUPTED);
	} else if (ec->eof && ec->head == ec->end) {
		/* Everything echoed and acknowledged: our FIN after it. */
		shutdown(cn->fd, SHUT_WR);
		close_echo_conn(e, slot, END_EOF);
	}
}

static void handle_cqe(struct sink *s, const struct io_uring_cqe *cqe)
{
	struct echo *e = to_echo(s);
	uint32_t slot = (uint32_t)cqe->user_data;

	switch (UD_KIND(cqe->user_data)) {
	case UD_ACCEPT:
		on_accept(s, cqe);
		return;
	case UD_CANCEL:
		return;
	case UD_EVENT:
		on_event(s, cqe);
		return;
	case UD_RECV:
		if (echo_conn_of(e, slot)) {
			on_recv(e, slot, cqe);
			echo_progress(e, slot);
			return;
		}
		break;
	case UD_SEND:
		on_send(e, slot, cqe);
		echo_progress(e, slot);
		return;
	}
	fprintf(stderr, PROG ": stray completion %#llx res %d\n",
		(unsigned long long)cqe->user_data, cqe->res);
	s->status = EXIT_FAIL;
}

/* Connections whose no-buffer retry is due: arm them again. */
static void retry_due(struct echo *e)
{
	uint64_t now = now_ns();
	size_t i;

	if (!e->t_retry || now < e->t_retry)
		return;
	e->t_retry = 0;
	for (i = 0; i < e->nr_ec; i++)
		if (e->ec[i] && e->ec[i]->t_retry)
			echo_progress(e, i);
}

static uint64_t retry_wait(const struct echo *e, uint64_t wait)
{
	uint64_t now = now_ns();

	if (!e->t_retry)
		return wait;
	if (e->t_retry <= now)
		return 1;
	return e->t_retry - now < wait ? e->t_retry - now : wait;
}

/*
 * Stopping: cancel everything, then take the last completions. A send
 * stuck on a peer that does not read never gets its notification while
 * the socket lives, so such connections are aborted (closed with a
 * reset, which frees what the socket held) and their notifications
 * come. Whatever is still out after 3 s the ring's exit reclaims.
 */
static void shut_down(struct echo *e, sigset_t *waitmask)
{
	struct sink *s = &e->s;
	uint64_t deadline = now_ns() + 3000000000ull;
	bool aborted = false;
	size_t i;

	cancel_all(s);
	while ((s->inflight || e->sends_inflight) && now_ns() < deadline) {
		if (!s->inflight && !aborted) {
			for (i = 0; i < e->nr_ec; i++) {
				if (e->ec[i] && e->ec[i]->nr_sends &&
				    !e->ec[i]->aborted)
					abort_conn(e, i);
			}
			aborted = true;
		}
		if (run_once(s, 100000000ull, waitmask, handle_cqe))
			break;
	}
	if (s->inflight || e->sends_inflight)
		fprintf(stderr, PROG ": %u requests and %u sends did not end; the ring's exit reclaims their buffers\n",
			s->inflight, e->sends_inflight);
	for (i = 0; i < s->nr_slots; i++)
		if (s->conns[i])
			close_echo_conn(e, i, END_INTERRUPTED);
}

int echo_serve(struct echo *e)
{
	struct sink *s = &e->s;
	sigset_t waitmask;
	int ret;

	ret = serve_begin(s, &waitmask);
	if (ret)
		return ret;
	print_echo_ready(e);
	while (!stop_signal && !s->stopping &&
	       !(serve_finished(s) && !e->sends_inflight)) {
		ret = run_once(s, retry_wait(e, serve_tick(s)), &waitmask,
			       handle_cqe);
		if (ret) {
			fatal(s, "waiting for completions", ret);
			break;
		}
		retry_due(e);
	}
	say_stopping(s);
	shut_down(e, &waitmask);
	print_echo_totals(e);
	return s->status;
}
