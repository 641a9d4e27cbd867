/* SPDX-License-Identifier: MIT */
/*
 * io_uring_prep_recv_zc() and io_uring_prep_recv_zc_multishot(), checked
 * byte by byte against the SQE layout of the ABI rather than against the
 * struct the headers happen to provide.
 */
#include <string.h>

#include <liburing/zcrx.h>

#include "ktap.h"

#define POISON	0xa5

struct field {
	const char *name;
	unsigned off, size;
	__u64 want;
};

/* Little-endian read of size bytes at off: the ABI is little-endian. */
static __u64 sqe_bytes(const struct io_uring_sqe *sqe, unsigned off,
		       unsigned size)
{
	const unsigned char *p = (const unsigned char *)sqe + off;
	__u64 v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

static struct io_uring_sqe poisoned(void)
{
	struct io_uring_sqe sqe;

	memset(&sqe, POISON, sizeof(sqe));
	return sqe;
}

static void check_fields(const char *what, const struct io_uring_sqe *sqe,
			 const struct field *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		__u64 got = sqe_bytes(sqe, f[i].off, f[i].size);

		if (!ktap_result(got == f[i].want, "%s: %s (bytes %u..%u) is %#llx",
				 what, f[i].name, f[i].off,
				 f[i].off + f[i].size - 1,
				 (unsigned long long)f[i].want))
			ktap_info("got %#llx", (unsigned long long)got);
	}
}

int main(void)
{
	const int fd = 0x1234567;
	const unsigned id = 0x89abcdef, limit = 0x7654321;
	const __u64 poison64 = 0xa5a5a5a5a5a5a5a5ULL;
	const struct field fields[] = {
		/*
		 * Byte 1, the IOSQE_* flags, is the caller's: cleared by
		 * io_uring_get_sqe() in newer liburing, by prep_rw in 2.3.
		 */
		{ "opcode IORING_OP_RECV_ZC",	0, 1, 58 },
		{ "ioprio IORING_RECV_MULTISHOT", 2, 2, 2 },
		{ "fd",				4, 4, (__u64)fd },
		{ "off/addr2",			8, 8, 0 },
		{ "addr",			16, 8, 0 },
		{ "len, the read limit",	24, 4, limit },
		{ "msg_flags",			28, 4, 0 },
		{ "user_data, left to the caller", 32, 8, poison64 },
		{ "buf_index",			40, 2, 0 },
		{ "personality",		42, 2, 0 },
		{ "zcrx_ifq_idx",		44, 4, id },
		{ "addr3",			48, 8, 0 },
		{ "__pad2",			56, 8, 0 },
	};
	const unsigned n = sizeof(fields) / sizeof(fields[0]);
	struct io_uring_sqe sqe, multi, zero;

	ktap_plan(n + 4);

	sqe = poisoned();
	io_uring_prep_recv_zc(&sqe, fd, id, limit);
	check_fields("recv_zc", &sqe, fields, n);

	multi = poisoned();
	io_uring_prep_recv_zc_multishot(&multi, fd, id);
	zero = poisoned();
	io_uring_prep_recv_zc(&zero, fd, id, 0);
	ktap_result(!memcmp(&multi, &zero, sizeof(multi)),
		    "recv_zc_multishot is recv_zc with no read limit (len 0)");
	ktap_result(sqe_bytes(&multi, 24, 4) == 0 &&
		    sqe_bytes(&multi, 2, 2) == IORING_RECV_MULTISHOT,
		    "recv_zc_multishot: len 0 and multishot ioprio");

	/*
	 * ABI revision 2: every len is a valid limit, UINT_MAX included, and
	 * there is no single-shot mode, so nothing may filter or clear them.
	 */
	sqe = poisoned();
	io_uring_prep_recv_zc(&sqe, fd, 0, ~0U);
	ktap_result(sqe_bytes(&sqe, 24, 4) == 0xffffffff &&
		    sqe_bytes(&sqe, 44, 4) == 0 &&
		    sqe_bytes(&sqe, 2, 2) == IORING_RECV_MULTISHOT,
		    "recv_zc: read limit UINT_MAX passes through, still multishot");
	sqe = poisoned();
	io_uring_prep_recv_zc(&sqe, fd, 0, 1);
	ktap_result(sqe_bytes(&sqe, 24, 4) == 1 &&
		    sqe_bytes(&sqe, 2, 2) == IORING_RECV_MULTISHOT,
		    "recv_zc: read limit 1 is multishot too");
	return ktap_finish();
}
