/* SPDX-License-Identifier: MIT */
/*
 * Events and statistics without a kernel: io_uring_zcrx_set_events() fills
 * the descriptor and points the registration at it (at byte 72, whatever
 * the headers call that word), io_uring_zcrx_read_stats() reads what a
 * kernel would keep after the refill ring's entries.
 */
#include <errno.h>
#include <string.h>

#include <liburing/zcrx.h>

#include "ktap.h"

#define ENTRIES	64

static char region[2 * 4096] __attribute__((aligned(4096)));

static void test_set_events(void)
{
	struct io_uring_zcrx_ifq_reg reg;
	struct zcrx_event_desc desc;
	static const char zero[72];
	__u64 word;

	memset(&reg, 0, sizeof(reg));
	memset(&desc, 0xff, sizeof(desc));
	io_uring_zcrx_set_events(&reg, &desc, 0xabcdef,
				 1 << ZCRX_EVENT_ALLOC_FAIL | 1 << ZCRX_EVENT_COPY,
				 4224);
	memcpy(&word, (char *)&reg + 72, sizeof(word));
	ktap_result(word == (__u64)(uintptr_t)&desc,
		    "set_events points the registration's word at byte 72 at desc");
#if LIBURING_ZCRX_REG_EVENT_DESC
	ktap_result(reg.event_desc == (__u64)(uintptr_t)&desc,
		    "which is reg.event_desc");
#else
	ktap_result(reg.__resv[0] == (__u64)(uintptr_t)&desc,
		    "which is reg.__resv[0] in headers before events");
#endif
	ktap_result(desc.user_data == 0xabcdef && desc.type_mask == 3 &&
		    desc.flags == ZCRX_EVENT_DESC_FLAG_STATS &&
		    desc.stats_offset == 4224 &&
		    !memcmp(desc.__resv2, zero, sizeof(zero)),
		    "desc: user_data, type_mask, FLAG_STATS with the offset, the rest zero");
	ktap_result(!reg.if_idx && !reg.rq_entries && !reg.zcrx_id,
		    "nothing else of the registration changes");

	io_uring_zcrx_set_events(&reg, &desc, 1, 1 << ZCRX_EVENT_COPY, 0);
	ktap_result(desc.type_mask == 2 && !desc.flags && !desc.stats_offset,
		    "without a stats offset: no FLAG_STATS (the kernel wants none)");
}

static void test_read_stats(void)
{
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_rq rq;
	struct zcrx_stats in = { .copy_count = 3, .copy_bytes = 12000 }, out;
	size_t off = io_uring_zcrx_stats_offset(ENTRIES);

	memset(&reg, 0, sizeof(reg));
	reg.rq_entries = ENTRIES;
	reg.offsets.tail = 64;
	reg.offsets.rqes = 128;
	if (io_uring_zcrx_rq_init(&rq, &reg, region))
		ktap_bail("rq_init");

	memcpy(region + off, &in, sizeof(in));
	memset(&out, 0, sizeof(out));
	ktap_result(io_uring_zcrx_read_stats(&rq, off, &out) == 0 &&
		    out.copy_count == 3 && out.copy_bytes == 12000,
		    "read_stats reads both counters at stats_offset");
	ktap_result(off == 128 + ENTRIES * 16,
		    "stats_offset is right after the entries");
	ktap_result(io_uring_zcrx_read_stats(&rq, off + 4, &out) == -EINVAL,
		    "a misaligned offset is refused");
	ktap_result(io_uring_zcrx_read_stats(&rq, off - 8, &out) == -EINVAL &&
		    io_uring_zcrx_read_stats(&rq, 8, &out) == -EINVAL,
		    "an offset over the entries or the header is refused");
	memset(&rq, 0, sizeof(rq));
	ktap_result(io_uring_zcrx_read_stats(&rq, off, &out) == -EINVAL,
		    "a ring that was never set up is refused");
}

int main(void)
{
	ktap_plan(10);
	test_set_events();
	test_read_stats();
	return ktap_finish();
}
