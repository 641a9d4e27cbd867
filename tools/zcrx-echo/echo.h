/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcrx-echo: a TCP echo server with zero copy both ways.
 *
 * It receives every connection with IORING_OP_RECV_ZC on a zcrx instance,
 * like zcrx-sink, and sends the same bytes back with IORING_OP_SEND_ZC
 * straight from the area, which it registers as fixed buffers (index 0, one
 * per GiB), so nothing is pinned per send and no byte is copied by the
 * server. A buffer goes back to the kernel through the refill ring only
 * once the notification of every send that used it has come
 * (IORING_CQE_F_NOTIF): until then the stack may still read it.
 *
 * Sends of a connection go in order: one chain of linked SEND_ZC requests
 * (MSG_WAITALL) at a time, each request one run of the area that is
 * contiguous. A short or failed send breaks the chain; what was not sent
 * goes again in the next one.
 *
 * Back-pressure: a connection holds at most a window of received bytes
 * (-B, default 1 MiB) that are not yet echoed and returned. Each RECV_ZC
 * request is armed with a read limit of what is left of the window, and not
 * armed again while the window is more than half full, so a peer that stops
 * reading stops its own stream (TCP's window, not ours, holds the rest)
 * instead of draining the area, and the server sleeps in io_uring_enter().
 *
 * The options, checks, registration, accepting, the listening line and
 * the copy statistics are zcrx-sink's own files (../zcrx-sink/), built
 * under this program's name (prog.h). The files here:
 *   serve.c   the loop: completions, RECV_ZC with the window, shutdown
 *   send.c    what was received and is not yet returned, SEND_ZC chains,
 *             notifications, returning buffers
 *   output.c  connection and total lines, text or JSON
 *   main.c    the order of it all
 * Documentation/zcrx-echo.md has the full story.
 */
#ifndef ZCRX_ECHO_H
#define ZCRX_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "../zcrx-sink/sink.h"

#define WINDOW_DEFAULT		(1u << 20)
#define FIXED_BUF_SHIFT		30	/* one fixed buffer per GiB of area */
#define CHAIN_MAX		32	/* linked sends per chain */
#define RETRY_NS		20000000ull	/* no buffer: arm again after */

#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)
#endif

/* A send's user_data: UD_SEND and a sequence number over the slot. */
#define UD_SEND			8
#define UD_KIND(ud)		((uint32_t)((ud) >> 32) & 0xff)
#define UD_SEQ(ud)		((uint32_t)((ud) >> 40))
#define UD_SEND_SEQ(seq, slot)	((uint64_t)(((seq) & 0xffffff) << 8 | UD_SEND) << 32 | \
				 (uint32_t)(slot))

/* One data completion's buffer: what the refill ring takes back. */
struct piece {
	uint64_t off;			/* the CQE's, with the area id */
	uint32_t len;
};

/* A SEND_ZC whose result or notification is still to come. */
struct send {
	uint32_t seq;
	uint64_t start, len;		/* stream range it was asked to send */
	uint64_t sent;			/* what its result said went out */
	bool result;			/* the result has come */
};

/* What zcrx-echo keeps of a connection beside the sink's struct conn. */
struct echo_conn {
	/* pieces[head..end): received, not yet returned, in stream order */
	struct piece *pieces;
	size_t head, end, cap;
	size_t issue;			/* the piece the next send starts in */
	uint32_t issue_in;		/* and where inside it */
	uint64_t ret_pos;		/* stream bytes returned (= head's) */
	uint64_t issued_pos;		/* stream bytes in sends issued */
	uint64_t sent_pos;		/* stream bytes the socket took */

	struct send *sends;
	size_t nr_sends, sends_cap;
	unsigned int chain;		/* sends of the chain without result */
	bool broken;			/* a send of the chain fell short */

	bool armed;			/* a RECV_ZC request is in flight */
	uint32_t arm_limit;		/* its read limit */
	bool eof;			/* the peer's FIN came */
	bool stalled;			/* window full: not armed */
	bool aborted;			/* socket reset: failed, or at shutdown */
	bool cancelled;			/* its requests asked to end, on error */
	uint64_t t_retry;		/* no buffer: arm again at, or 0 */
	uint64_t t_nobuf;		/* first no-buffer end since data, or 0 */

	uint64_t sends_done, notifs, tx_copied, stalls, max_held;
	uint64_t t_first_tx, t_last_tx;
};

struct echo {
	struct sink s;			/* the sink's part: config, ring, area */
	struct echo_conn **ec;		/* beside s.conns, by slot */
	size_t nr_ec;
	uint64_t window;
	unsigned int chain_max;
	unsigned int nr_fixed;		/* fixed buffers over the area */
	unsigned int sends_inflight;	/* results and notifications to come */
	uint32_t next_seq;		/* of sends, over all connections: a
					 * late notification never matches a
					 * send of the slot's next connection */
	uint64_t t_retry;		/* earliest retry of any connection */

	/* totals beside s.tot (which counts what was received) */
	uint64_t tx_bytes, tx_copied, sends, notifs, stalls, broken;
	uint64_t late_notifs;		/* of sends that sent nothing */
	uint64_t t_first_tx, t_last_tx;
};

static inline struct echo *to_echo(struct sink *s)
{
	return (struct echo *)((char *)s - offsetof(struct echo, s));
}

/* serve.c */
int echo_serve(struct echo *e);
void echo_progress(struct echo *e, size_t slot);

/* send.c */
int register_area(struct echo *e);
void add_piece(struct echo *e, struct echo_conn *ec,
	       const struct io_uring_cqe *cqe);
void start_chain(struct echo *e, size_t slot);
void on_send(struct echo *e, size_t slot, const struct io_uring_cqe *cqe);
uint64_t return_pieces(struct echo *e, struct echo_conn *ec, bool all);
uint64_t held_bytes(const struct sink *s, size_t slot,
		    const struct echo_conn *ec);
void free_echo_conn(struct echo_conn *ec);

/* output.c */
void print_echo_ready(struct echo *e);
void print_echo_totals(struct echo *e);

#endif /* ZCRX_ECHO_H */
