/* SPDX-License-Identifier: MIT */
/*
 * io_uring_zcrx_cqe() and io_uring_zcrx_cqe_data() on a 32-byte CQE as the
 * kernel writes it: the data offset in bytes 16..23, area id in its top 16
 * bits.
 */
#include <string.h>

#include <liburing/zcrx.h>

#include "ktap.h"

/* A 32-byte CQE in CQ ring memory: 16 byte header, then the big half. */
union cqe32 {
	struct io_uring_cqe cqe;
	__u64 words[4];
	unsigned char bytes[32];
};

static void set_le64(unsigned char *p, __u64 v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static void *data_at(__u64 off, __u64 pad, void *base)
{
	union cqe32 c;

	memset(&c, 0, sizeof(c));
	c.cqe.res = 4096;
	set_le64(c.bytes + 16, off);
	set_le64(c.bytes + 24, pad);
	return io_uring_zcrx_cqe_data(&c.cqe, base);
}

int main(void)
{
	const __u64 in_area_max = (1ULL << IORING_ZCRX_AREA_SHIFT) - 1;
	char *base = (char *)0x7f0000000000ULL;
	struct io_uring_zcrx_cqe *z;
	union cqe32 c;

	ktap_plan(7);

	memset(&c, 0, sizeof(c));
	z = io_uring_zcrx_cqe(&c.cqe);
	ktap_result((unsigned char *)z == c.bytes + 16,
		    "zcrx cqe is the upper 16 bytes of the 32-byte cqe");
	set_le64(c.bytes + 16, 0x0003000000005000ULL);
	set_le64(c.bytes + 24, 0xdeadbeefULL);
	ktap_result(z->off == 0x0003000000005000ULL && z->__pad == 0xdeadbeefULL,
		    "zcrx cqe off and __pad are bytes 16..23 and 24..31");

	ktap_result(data_at(0x5000, 0, base) == base + 0x5000,
		    "data of area 0 at base + off");
	ktap_result(data_at(0x0003000000005000ULL, 0, base) == base + 0x5000,
		    "area id bits are not part of the address");
	ktap_result(data_at(0xffffULL << 48 | in_area_max, 0, base) ==
		    base + in_area_max,
		    "largest offset of the last area id");
	ktap_result(data_at(0x1000, ~0ULL, base) == base + 0x1000,
		    "__pad does not matter");
	ktap_result(data_at(0x0001000000000000ULL, 0, base) == base,
		    "offset 0 of area 1 is the area base");
	return ktap_finish();
}
