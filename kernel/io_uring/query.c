// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_QUERY: what this kernel supports, asked before use and
 * without a ring. The argument is a chain of headers, each naming one
 * question and the user memory its answer goes to.
 */
#include <linux/cache.h>
#include <linux/io_uring_types.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <uapi/linux/io_uring.h>

#include "io_uring.h"
#include "query.h"
#include "zcrx.h"

/* Past this many entries the chain is refused (a loop, most likely). */
#define IO_MAX_QUERY_ENTRIES	1000

union io_query_answer {
	struct io_uring_query_opcode		opcodes;
	struct io_uring_query_zcrx		zcrx;
	struct io_uring_query_scq		scq;
	struct io_uring_query_zcrx_event	zcrx_event;
};

static size_t io_query_opcodes(struct io_uring_query_opcode *q)
{
	q->nr_request_opcodes = IORING_OP_LAST;
	q->nr_register_opcodes = IORING_REGISTER_LAST;
	q->feature_flags = IORING_FEAT_FLAGS;
	q->ring_setup_flags = IORING_SETUP_FLAGS;
	q->enter_flags = IORING_ENTER_FLAGS;
	q->sqe_flags = SQE_VALID_FLAGS;
	q->nr_query_opcodes = __IO_URING_QUERY_MAX;
	return sizeof(*q);
}

static size_t io_query_scq(struct io_uring_query_scq *q)
{
	q->hdr_size = sizeof(struct io_rings);
	q->hdr_alignment = SMP_CACHE_BYTES;
	return sizeof(*q);
}

/* The answer's length, or 0 for a question this kernel has no answer to */
static size_t io_query_answer(u32 op, union io_query_answer *a)
{
	switch (op) {
	case IO_URING_QUERY_OPCODES:
		return io_query_opcodes(&a->opcodes);
	case IO_URING_QUERY_ZCRX:
		return io_zcrx_query(&a->zcrx);
	case IO_URING_QUERY_SCQ:
		return io_query_scq(&a->scq);
	case IO_URING_QUERY_ZCRX_EVENT:
		return io_zcrx_query_event(&a->zcrx_event);
	}
	return 0;
}

/*
 * Answer the entry at @uhdr. Its result says how that went; the syscall
 * fails only when user memory cannot be read or written.
 */
static int io_query_entry(struct io_uring_query_hdr __user *uhdr, u64 *next)
{
	struct io_uring_query_hdr hdr;
	union io_query_answer a = {};
	void __user *data;
	size_t len = 0;
	int res = 0;

	if (copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	*next = hdr.next_entry;
	data = u64_to_user_ptr(hdr.query_data);

	if (hdr.query_op >= __IO_URING_QUERY_MAX)
		res = -EOPNOTSUPP;
	else if (!mem_is_zero(hdr.__resv, sizeof(hdr.__resv)) || hdr.result ||
		 !hdr.size)
		res = -EINVAL;
	else
		len = io_query_answer(hdr.query_op, &a);
	if (!res && !len)
		res = -EOPNOTSUPP;

	/* what fits, and zeroes for the rest the user made room for */
	len = min_t(size_t, len, hdr.size);
	if (copy_to_user(data, &a, len) ||
	    clear_user(data + len, hdr.size - len))
		return -EFAULT;
	hdr.result = res;
	hdr.size = len;
	if (copy_to_user(uhdr, &hdr, sizeof(hdr)))
		return -EFAULT;
	return 0;
}

int io_query(void __user *arg, unsigned int nr_args)
{
	unsigned int nr = 0;
	u64 next;
	int ret;

	if (nr_args)
		return -EINVAL;
	do {
		ret = io_query_entry(arg, &next);
		if (ret)
			return ret;
		if (++nr >= IO_MAX_QUERY_ENTRIES)
			return -ERANGE;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
		arg = u64_to_user_ptr(next);
	} while (arg);
	return 0;
}
