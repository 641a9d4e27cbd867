// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-echo: the way back. What a connection received and has not yet
 * returned, as pieces (one per data completion); SEND_ZC chains over them
 * straight from the area; results and notifications; and returning a
 * piece's buffer through the refill ring once no send can still read it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "common.h"
#include "echo.h"

#define GIB	(1ull << FIXED_BUF_SHIFT)

/*
 * The area as fixed buffers: one per GiB (the most one fixed buffer may
 * have), so a send names buffer (offset >> 30) and never pins a page.
 */
int register_area(struct echo *e)
{
	struct sink *s = &e->s;
	unsigned int n = (unsigned int)((s->area_size + GIB - 1) / GIB), i;
	struct iovec *iov = calloc(n, sizeof(*iov));
	int ret;

	if (!iov)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint64_t at = (uint64_t)i * GIB;

		iov[i].iov_base = (char *)s->area + at;
		iov[i].iov_len = s->area_size - at < GIB ? s->area_size - at : GIB;
	}
	ret = io_uring_register_buffers(&s->ring, iov, n);
	free(iov);
	if (ret) {
		fprintf(stderr, PROG ": cannot register the area as %u fixed buffer%s: %s\n",
			n, n == 1 ? "" : "s", strerror(-ret));
		if (ret == -ENOMEM)
			fprintf(stderr, "  the area counts against the locked-memory limit twice without CAP_IPC_LOCK,\n"
				"  once for zcrx and once as fixed buffers: ulimit -l %zu, or a smaller -A\n",
				(s->area_size * 2 + 1023) >> 10);
		return ret;
	}
	e->nr_fixed = n;
	return 0;
}

uint64_t held_bytes(const struct sink *s, size_t slot,
		    const struct echo_conn *ec)
{
	return s->conns[slot]->bytes - ec->ret_pos;
}

void free_echo_conn(struct echo_conn *ec)
{
	if (!ec)
		return;
	free(ec->pieces);
	free(ec->sends);
	free(ec);
}

/* Room for one more piece: reuse what was returned, else grow. */
static int piece_room(struct echo_conn *ec)
{
	struct piece *p;
	size_t cap;

	if (ec->end < ec->cap)
		return 0;
	if (ec->head) {
		memmove(ec->pieces, ec->pieces + ec->head,
			(ec->end - ec->head) * sizeof(*ec->pieces));
		ec->end -= ec->head;
		ec->issue -= ec->head;
		ec->head = 0;
		return 0;
	}
	cap = ec->cap ? ec->cap * 2 : 256;
	p = realloc(ec->pieces, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	ec->pieces = p;
	ec->cap = cap;
	return 0;
}

/* A data completion: its buffer is ours until the echo of it is done. */
void add_piece(struct echo *e, struct echo_conn *ec,
	       const struct io_uring_cqe *cqe)
{
	if (piece_room(ec)) {
		fatal(&e->s, "out of memory for received pieces", -ENOMEM);
		return;
	}
	ec->pieces[ec->end++] = (struct piece){
		.off = io_uring_zcrx_cqe(cqe)->off,
		.len = (uint32_t)cqe->res,
	};
}

static uint64_t area_off(const struct piece *p)
{
	return p->off & ~IORING_ZCRX_AREA_MASK;
}

/* A piece back to the kernel: the refill ring entry its completion names. */
static void give_back(struct echo *e, const struct piece *p)
{
	uint64_t raw[CQE32_SIZE / sizeof(uint64_t)] = { 0 };
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)raw;
	int err;

	cqe->res = (int32_t)p->len;
	io_uring_zcrx_cqe(cqe)->off = p->off;
	err = rq_return_or_hold(&e->s.rq, &e->s.held, cqe);
	if (err)
		fatal(&e->s, "cannot keep a buffer to return", err);
}

/*
 * Return the pieces no send can read any more: those the socket took
 * (below sent_pos) that lie before every send still waiting for its
 * result or notification. ALL: the connection is over, nothing more
 * will be sent, so unsent pieces go back too. Returns the bytes returned.
 *
 * They go into the refill ring last first. The page pool takes refill
 * entries in ring order into its cache and hands them out from the
 * cache's end, so buffers returned in stream order would come back in
 * reverse, and the next data would land in the area backwards. Returned
 * backwards, consecutive buffers come back in order, data lands in runs
 * that are contiguous in the area, and one send covers a whole run.
 */
uint64_t return_pieces(struct echo *e, struct echo_conn *ec, bool all)
{
	uint64_t limit = all ? UINT64_MAX : ec->sent_pos, n = 0;
	size_t i, k;

	for (i = 0; i < ec->nr_sends; i++)
		if (ec->sends[i].start < limit)
			limit = ec->sends[i].start;
	for (k = ec->head; k < ec->end &&
	     ec->ret_pos + n + ec->pieces[k].len <= limit; k++)
		n += ec->pieces[k].len;
	for (i = k; i > ec->head; i--)
		give_back(e, &ec->pieces[i - 1]);
	ec->ret_pos += n;
	ec->head = k;
	if (ec->issue < ec->head) {
		ec->issue = ec->head;
		ec->issue_in = 0;
	}
	return n;
}

static struct send *track_send(struct echo *e, struct echo_conn *ec,
			       uint64_t len)
{
	struct send *sd;

	if (ec->nr_sends == ec->sends_cap) {
		size_t cap = ec->sends_cap ? ec->sends_cap * 2 : 32;

		sd = realloc(ec->sends, cap * sizeof(*sd));
		if (!sd)
			return NULL;
		ec->sends = sd;
		ec->sends_cap = cap;
	}
	sd = &ec->sends[ec->nr_sends++];
	*sd = (struct send){
		.seq = e->next_seq++ & 0xffffff,
		.start = ec->issued_pos,
		.len = len,
	};
	e->sends_inflight++;
	return sd;
}

static void untrack_send(struct echo *e, struct echo_conn *ec, size_t i)
{
	ec->sends[i] = ec->sends[--ec->nr_sends];
	e->sends_inflight--;
}

/*
 * The run of the area that starts where the next send starts: pieces
 * that follow each other in the area as in the stream, inside one fixed
 * buffer. Returns its length and sets *NEXT to the piece after it.
 */
static uint64_t next_run(const struct echo_conn *ec, uint64_t at, size_t *next)
{
	uint64_t len = ec->pieces[ec->issue].len - ec->issue_in;
	size_t i = ec->issue + 1;

	while (i < ec->end && area_off(&ec->pieces[i]) == at + len &&
	       (at + len) % GIB && len + ec->pieces[i].len <= (1u << 30)) {
		len += ec->pieces[i].len;
		i++;
	}
	*next = i;
	return len;
}

/*
 * Send what was received and not yet sent, as one chain of linked
 * SEND_ZC requests, unless a chain is in flight: two chains of one
 * socket could interleave. MSG_WAITALL makes each request send all of
 * its run or fail, so the chain goes on only after a whole run.
 */
void start_chain(struct echo *e, size_t slot)
{
	struct sink *s = &e->s;
	struct conn *cn = s->conns[slot];
	struct echo_conn *ec = e->ec[slot];
	struct io_uring_sqe *sqe, *last = NULL;
	unsigned int n = 0;

	if (ec->chain || ec->issue >= ec->end)
		return;
	/* The whole chain in one submission: a link ends with the batch. */
	if (io_uring_sq_space_left(&s->ring) < e->chain_max)
		io_uring_submit(&s->ring);
	while (n < e->chain_max && ec->issue < ec->end) {
		uint64_t at = area_off(&ec->pieces[ec->issue]) + ec->issue_in;
		size_t next;
		uint64_t len = next_run(ec, at, &next);
		struct send *sd;

		/* Tracked first: an SQE we got is always prepared. */
		sd = track_send(e, ec, len);
		sqe = sd ? io_uring_get_sqe(&s->ring) : NULL;
		if (!sqe) {
			if (sd)
				untrack_send(e, ec, ec->nr_sends - 1);
			fatal(s, "no SQE or memory for SEND_ZC", -ENOMEM);
			break;
		}
		io_uring_prep_send_zc_fixed(sqe, cn->fd, (char *)s->area + at,
					    len, MSG_WAITALL | MSG_NOSIGNAL,
					    IORING_SEND_ZC_REPORT_USAGE,
					    (unsigned int)(at >> FIXED_BUF_SHIFT));
		sqe->user_data = UD_SEND_SEQ(sd->seq, slot);
		sqe->flags |= IOSQE_IO_LINK;
		last = sqe;
		ec->issued_pos += len;
		ec->issue = next;
		ec->issue_in = 0;
		n++;
	}
	if (last)
		last->flags &= ~IOSQE_IO_LINK;
	ec->chain = n;
}

/* After a broken chain: the next send starts where the socket stopped. */
static void rewind_issue(struct echo_conn *ec)
{
	uint64_t pos = ec->ret_pos;
	size_t i;

	for (i = ec->head; i < ec->end; i++) {
		if (pos + ec->pieces[i].len > ec->sent_pos)
			break;
		pos += ec->pieces[i].len;
	}
	ec->issue = i;
	ec->issue_in = (uint32_t)(ec->sent_pos - pos);
	ec->issued_pos = ec->sent_pos;
	ec->broken = false;
}

static void on_result(struct echo *e, struct conn *cn, struct echo_conn *ec,
		      size_t i, const struct io_uring_cqe *cqe)
{
	struct send *sd = &ec->sends[i];
	uint64_t now = now_ns();
	int res = cqe->res;

	ec->chain--;
	ec->sends_done++;
	e->sends++;
	sd->result = true;
	if (res > 0) {
		if (sd->start != ec->sent_pos) {
			/* The peer's stream is reordered: fail it. */
			fprintf(stderr, PROG ": conn %" PRIu64 ": a send of stream offset %" PRIu64 " completed at %" PRIu64 ": out of order\n",
				cn->id, sd->start, ec->sent_pos);
			if (!cn->err)
				cn->err = -EPROTO;
		}
		sd->sent = (uint64_t)res;
		ec->sent_pos += (uint64_t)res;
		e->tx_bytes += (uint64_t)res;
		if (!ec->t_first_tx)
			ec->t_first_tx = now;
		ec->t_last_tx = now;
		if (!e->t_first_tx)
			e->t_first_tx = now;
		e->t_last_tx = now;
	}
	if (res < 0 || (uint64_t)res < sd->len) {
		/* Short, failed, or cancelled after one that was: resend. */
		if (!ec->broken && res != -ECANCELED)
			e->broken++;
		ec->broken = true;
		if (res < 0 && res != -ECANCELED && res != -EINTR &&
		    res != -EAGAIN && !cn->err)
			cn->err = res;
	}
	/*
	 * No F_MORE: nothing was sent, the pages were never the stack's.
	 * A notification may still come: 6.12 fails the rest of a broken
	 * chain with -ECANCELED and no F_MORE, and flushes the notification
	 * of each all the same (IORING_NOTIF_USAGE_ZC_COPIED, as unused).
	 * on_send() takes such a late one quietly.
	 */
	if (!(cqe->flags & IORING_CQE_F_MORE))
		untrack_send(e, ec, i);
	if (!ec->chain && ec->broken && !cn->err)
		rewind_issue(ec);
}

/* A SEND_ZC completion: its result, or later its notification. */
void on_send(struct echo *e, size_t slot, const struct io_uring_cqe *cqe)
{
	struct sink *s = &e->s;
	struct conn *cn = slot < s->nr_slots ? s->conns[slot] : NULL;
	struct echo_conn *ec = cn && slot < e->nr_ec ? e->ec[slot] : NULL;
	uint32_t seq = UD_SEQ(cqe->user_data);
	size_t i;

	for (i = 0; ec && i < ec->nr_sends; i++)
		if (ec->sends[i].seq == seq)
			break;
	if (!ec || i == ec->nr_sends) {
		/* The notification of a send whose result said it sent nothing. */
		if (cqe->flags & IORING_CQE_F_NOTIF) {
			e->late_notifs++;
			return;
		}
		fprintf(stderr, PROG ": completion of an unknown send (slot %zu, seq %u, res %d)\n",
			slot, seq, cqe->res);
		s->status = EXIT_FAIL;
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_NOTIF)) {
		on_result(e, cn, ec, i, cqe);
		return;
	}
	/* The stack is done with the send's pages. Did it copy them? */
	ec->notifs++;
	e->notifs++;
	if ((uint32_t)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED) {
		ec->tx_copied += ec->sends[i].sent;
		e->tx_copied += ec->sends[i].sent;
	}
	untrack_send(e, ec, i);
}
