// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: the receive loop. RECV_ZC on every connection, multishot or
 * with a budget, and what each completion means for the connection.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "sink.h"

void arm_recv(struct sink *s, size_t slot)
{
	struct conn *cn = s->conns[slot];
	struct io_uring_sqe *sqe = get_sqe(s);

	if (!sqe) {
		fatal(s, "no SQE for RECV_ZC", -EBUSY);
		return;
	}
	if (s->cfg.budget)
		io_uring_prep_recv_zc(sqe, cn->fd, s->zcrx_id,
				      (unsigned int)s->cfg.budget);
	else
		io_uring_prep_recv_zc_multishot(sqe, cn->fd, s->zcrx_id);
	sqe->user_data = UD(UD_RECV, slot);
	cn->arm_bytes = 0;
	s->inflight++;
}

static void on_data(struct sink *s, struct conn *cn,
		    const struct io_uring_cqe *cqe)
{
	int err;

	verify_data(s, cn, cqe);
	err = rq_return_or_hold(&s->rq, &s->held, cqe);
	if (err)
		fatal(s, "cannot keep a buffer to return", err);
	count_data(s, cn, (uint32_t)cqe->res);
}

static void on_recv(struct sink *s, size_t slot, const struct io_uring_cqe *cqe)
{
	struct conn *cn = slot < s->nr_slots ? s->conns[slot] : NULL;
	int res = cqe->res;
	bool spent;

	if (!cn) {
		fprintf(stderr, PROG ": completion for unknown connection slot %zu\n",
			slot);
		s->status = EXIT_FAIL;
		return;
	}
	if (res > 0)
		on_data(s, cn, cqe);
	if (cqe->flags & IORING_CQE_F_MORE)
		return;

	/*
	 * The request is over; decide what comes next for the connection.
	 * Only res 0 can be EOF, and in budget mode it may just be the budget
	 * spent. A final CQE that carries data did not see EOF: arm again.
	 */
	s->inflight--;
	spent = s->cfg.budget && cn->arm_bytes >= s->cfg.budget;
	if (cn->err) {
		conn_close(s, slot, END_ERROR);
	} else if (res == 0 && !spent) {
		conn_close(s, slot, END_EOF);
	} else if (s->stopping) {
		conn_close(s, slot, END_INTERRUPTED);
	} else if (res >= 0 || res == -ENOSPC || res == -EINTR) {
		/* Budget spent or CQ overflowed (-ENOSPC): carry on. */
		cn->rearms++;
		arm_recv(s, slot);
	} else if (res == -ENOMEM && s->cfg.dmabuf) {
		cn->err = res;
		explain_copy_refused(s, cn);
		conn_close(s, slot, END_ERROR);
	} else if ((res == -ENOBUFS || res == -ENOMEM) && !starving(cn)) {
		/*
		 * No free area buffer: the ones we just returned become free
		 * once the refill ring is committed, before the next submit.
		 */
		cn->rearms++;
		arm_recv(s, slot);
	} else {
		cn->err = res;
		if (res == -EINVAL && !cn->bytes)
			fprintf(stderr, PROG ": conn %" PRIu64 ": the kernel refused RECV_ZC (EINVAL): a kernel or liburing-zcrx mismatch?\n",
				cn->id);
		conn_close(s, slot, END_ERROR);
	}
}

static void handle_cqe(struct sink *s, const struct io_uring_cqe *cqe)
{
	uint32_t kind = (uint32_t)(cqe->user_data >> 32);
	uint32_t slot = (uint32_t)cqe->user_data;

	switch (kind) {
	case UD_ACCEPT:
		on_accept(s, cqe);
		break;
	case UD_RECV:
		on_recv(s, slot, cqe);
		break;
	case UD_CANCEL:
		break;
	case UD_EVENT:
		on_event(s, cqe);
		break;
	default:
		fprintf(stderr, PROG ": stray completion %#llx res %d\n",
			(unsigned long long)cqe->user_data, cqe->res);
	}
}

/* Cancel what is in flight, take the last completions, return buffers. */
static void shut_down(struct sink *s, sigset_t *waitmask)
{
	uint64_t deadline;
	size_t i;

	cancel_all(s);
	deadline = now_ns() + 3000000000ull;
	while (s->inflight && now_ns() < deadline)
		if (run_once(s, 100000000ull, waitmask, handle_cqe))
			break;
	if (s->inflight)
		fprintf(stderr, PROG ": %u requests did not end; the ring's exit reclaims their buffers\n",
			s->inflight);
	for (i = 0; i < s->nr_slots; i++)
		if (s->conns[i])
			conn_close(s, i, END_INTERRUPTED);
}

int serve(struct sink *s)
{
	sigset_t waitmask;
	int ret;

	ret = serve_begin(s, &waitmask);
	if (ret)
		return ret;
	while (!stop_signal && !s->stopping && !serve_finished(s)) {
		ret = run_once(s, serve_tick(s), &waitmask, handle_cqe);
		if (ret) {
			fatal(s, "waiting for completions", ret);
			break;
		}
	}
	say_stopping(s);
	shut_down(s, &waitmask);
	print_totals(s);
	return s->status;
}
