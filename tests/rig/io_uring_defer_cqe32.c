// SPDX-License-Identifier: GPL-2.0
/*
 * The ring shape zcrx requires, checked on the running kernel:
 * IORING_SETUP_DEFER_TASKRUN (completions are posted only when the
 * submitter asks for events) with IORING_SETUP_CQE32 (every CQE is 32 bytes
 * and the kernel writes all of it).
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"

#define RING_FLAGS (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | \
		    IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_CQE32)

static int ring_init(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };

	return io_uring_queue_init_params(8, ring, &p);
}

/* DEFER_TASKRUN promises a single submitter; without SINGLE_ISSUER it is refused. */
static void test_defer_needs_single_issuer(void)
{
	struct io_uring ring;
	int ret;

	ret = ring_init(&ring, IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32);
	if (!ret)
		io_uring_queue_exit(&ring);
	ksft_test_result(ret == -EINVAL,
			 "defer_taskrun without single_issuer is -EINVAL (got %d)\n",
			 ret);
}

/* Poison the CQ array so a CQE the kernel writes only in part shows up. */
static void poison_cqes(struct io_uring *ring)
{
	memset(ring->cq.cqes, 0xa5,
	       (size_t)*ring->cq.kring_entries * 2 * sizeof(struct io_uring_cqe));
}

static void test_cqe32_fully_written(struct io_uring *ring)
{
	struct io_uring_cqe *cqe = NULL;
	struct io_uring_sqe *sqe;
	int ret;

	poison_cqes(ring);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 0x5eed;
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret == 1)
		ret = io_uring_peek_cqe(ring, &cqe);
	ksft_test_result(ret == 0 && cqe && cqe->user_data == 0x5eed &&
			 cqe->res == 0 && cqe->big_cqe[0] == 0 &&
			 cqe->big_cqe[1] == 0,
			 "nop posts a whole 32-byte cqe\n");
	if (cqe)
		io_uring_cqe_seen(ring, cqe);
}

/*
 * A read that completes from a pipe wakeup is task work. With DEFER_TASKRUN
 * it waits, flagged by IORING_SQ_TASKRUN, until the submitter enters the
 * kernel for events; only then does its CQE appear.
 */
static void test_deferred_completion(struct io_uring *ring)
{
	static const char msg[] = "zero-copy receive";
	struct io_uring_cqe *cqe = NULL;
	struct io_uring_sqe *sqe;
	char buf[64] = {};
	bool flagged, hidden, posted;
	int fds[2], ret;

	if (pipe(fds)) {
		ksft_test_result_error("pipe: %s\n", strerror(errno));
		return;
	}
	poison_cqes(ring);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, fds[0], buf, sizeof(buf), 0);
	sqe->user_data = 7;
	ret = io_uring_submit(ring);
	hidden = ret == 1 && io_uring_cq_ready(ring) == 0;

	ret = write(fds[1], msg, sizeof(msg));
	flagged = ret == sizeof(msg) &&
		  (IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_TASKRUN);
	hidden = hidden && io_uring_cq_ready(ring) == 0;

	ret = io_uring_get_events(ring);
	posted = ret == 0 && io_uring_peek_cqe(ring, &cqe) == 0 && cqe &&
		 cqe->user_data == 7 && cqe->res == sizeof(msg) &&
		 cqe->big_cqe[0] == 0 && cqe->big_cqe[1] == 0 &&
		 !memcmp(buf, msg, sizeof(msg));
	if (cqe)
		io_uring_cqe_seen(ring, cqe);

	ksft_test_result(hidden, "completion stays hidden until the submitter asks\n");
	ksft_test_result(flagged, "pending task work raises IORING_SQ_TASKRUN\n");
	ksft_test_result(posted, "get_events posts the read with a whole 32-byte cqe\n");
	close(fds[0]);
	close(fds[1]);
}

static void *submit_from_other_thread(void *arg)
{
	struct io_uring *ring = arg;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_nop(sqe);
	return (void *)(long)io_uring_submit(ring);
}

/* The ring belongs to its first submitter; another thread is refused. */
static void test_single_issuer_enforced(struct io_uring *ring)
{
	pthread_t thread;
	void *ret = NULL;

	if (pthread_create(&thread, NULL, submit_from_other_thread, ring) ||
	    pthread_join(thread, &ret)) {
		ksft_test_result_error("pthread failed\n");
		return;
	}
	ksft_test_result((long)ret == -EEXIST,
			 "submit from another thread is -EEXIST (got %ld)\n",
			 (long)ret);
	/* Drop the sqe the other thread queued but could not submit. */
	io_uring_queue_exit(ring);
}

int main(void)
{
	struct io_uring ring;
	int ret;

	ksft_print_header();
	ksft_set_plan(6);

	test_defer_needs_single_issuer();
	ret = ring_init(&ring, RING_FLAGS);
	if (ret)
		ksft_exit_fail_msg("ring with %#x: %s\n", RING_FLAGS,
				   strerror(-ret));
	test_cqe32_fully_written(&ring);
	test_deferred_completion(&ring);
	test_single_issuer_enforced(&ring);
	ksft_finished();
}
