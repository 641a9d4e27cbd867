/* SPDX-License-Identifier: MIT */
/*
 * io_uring_zcrx_rq_init() refuses registration results it cannot drive and
 * leaves the ring untouched then; io_uring_zcrx_rq_map() maps a region
 * through the ring fd (a memfd stands in for the kernel's region here) and
 * io_uring_zcrx_rq_unmap() undoes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing/zcrx.h>

#include "ktap.h"

static char region[4 * 4096] __attribute__((aligned(4096)));

/* What a kernel hands back: head at 0, tail at 64, entries at 128. */
static struct io_uring_zcrx_ifq_reg good_reg(void)
{
	struct io_uring_zcrx_ifq_reg reg;

	memset(&reg, 0, sizeof(reg));
	reg.rq_entries = 64;
	reg.offsets.head = 0;
	reg.offsets.tail = 64;
	reg.offsets.rqes = 128;
	return reg;
}

/* Init must fail with -EINVAL and not write the ring. */
static void refused(const char *what, const struct io_uring_zcrx_ifq_reg *reg,
		    void *ptr)
{
	struct io_uring_zcrx_rq rq, before;
	int ret;

	memset(&rq, 0x5a, sizeof(rq));
	before = rq;
	ret = io_uring_zcrx_rq_init(&rq, reg, ptr);
	if (!ktap_result(ret == -EINVAL && !memcmp(&rq, &before, sizeof(rq)),
			 "init refuses %s", what))
		ktap_info("returned %d", ret);
}

static void test_init_validation(void)
{
	struct io_uring_zcrx_ifq_reg reg = good_reg();
	struct io_uring_zcrx_rq rq;
	int ret;

	ret = io_uring_zcrx_rq_init(&rq, &reg, region);
	ktap_result(ret == 0, "init takes the kernel's layout");
	reg.rq_entries = LIBURING_ZCRX_RQ_MAX_ENTRIES;
	ktap_result(io_uring_zcrx_rq_init(&rq, &reg, region) == 0 &&
		    rq.ring_entries == LIBURING_ZCRX_RQ_MAX_ENTRIES,
		    "init takes %u entries", LIBURING_ZCRX_RQ_MAX_ENTRIES);

	reg = good_reg();
	reg.rq_entries = 0;
	refused("0 entries", &reg, region);
	reg.rq_entries = 48;
	refused("entries not a power of two", &reg, region);
	reg.rq_entries = 2 * LIBURING_ZCRX_RQ_MAX_ENTRIES;
	refused("more entries than the kernel allows", &reg, region);

	reg = good_reg();
	reg.offsets.head = 2;
	refused("a misaligned head", &reg, region);
	reg = good_reg();
	reg.offsets.tail = 66;
	refused("a misaligned tail", &reg, region);
	reg = good_reg();
	reg.offsets.rqes = 132;
	refused("misaligned entries", &reg, region);
	reg = good_reg();
	reg.offsets.tail = reg.offsets.head;
	refused("head and tail in one word", &reg, region);
	reg = good_reg();
	reg.offsets.rqes = 64;
	refused("entries over the tail", &reg, region);
	reg = good_reg();
	reg.offsets.head = 128;
	reg.offsets.rqes = 64;
	refused("a head after the entries", &reg, region);
	reg = good_reg();
	reg.offsets.rqes = 0;
	refused("entries at offset 0", &reg, region);

	reg = good_reg();
	refused("a NULL region", &reg, NULL);
	refused("a misaligned region", &reg, region + 4);
}

static void expect(int ret, int want, const char *what)
{
	if (!ktap_result(ret == want, "%s", what))
		ktap_info("returned %d, not %d", ret, want);
}

/* Unmapped, the ring reads as zero: no pointer into the old mapping stays. */
static bool all_zero(const struct io_uring_zcrx_rq *rq)
{
	static const struct io_uring_zcrx_rq zero;

	return !memcmp(rq, &zero, sizeof(zero));
}

static void test_map(void)
{
	struct io_uring_zcrx_ifq_reg reg = good_reg();
	const size_t size = io_uring_zcrx_rq_region_size(reg.rq_entries);
	struct io_uring_region_desc rd;
	struct io_uring_zcrx_rq rq;
	struct io_uring ring;
	struct io_uring_zcrx_rqe rqe;
	__u32 tail = 0;
	int fd, ret;

	memset(&ring, 0, sizeof(ring));
	memset(&rd, 0, sizeof(rd));
	rd.size = size;
	rd.mmap_offset = 4096;

	ring.ring_fd = -1;
	ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	expect(ret, -EBADF, "map passes mmap's error on");

	rd.flags = IORING_MEM_REGION_TYPE_USER;
	ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	expect(ret, -EINVAL, "map refuses a user memory region");
	rd.flags = 0;
	rd.size = 128 + 63 * sizeof(struct io_uring_zcrx_rqe);
	ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	expect(ret, -EINVAL, "map refuses a region too small for the entries");
	rd.size = size;
	reg.rq_entries = 3;
	ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	expect(ret, -EINVAL, "map checks the registration before mapping");
	reg = good_reg();

	fd = memfd_create("zcrx-rq", 0);
	if (fd < 0 || ftruncate(fd, rd.mmap_offset + size)) {
		ktap_result(false, "memfd for the region: %s", strerror(errno));
		return;
	}
	ring.ring_fd = fd;
	ret = io_uring_zcrx_rq_map(&ring, &rq, &reg, &rd);
	if (!ktap_result(ret == 0 && rq.ring_ptr && rq.ring_entries == 64 &&
			 (char *)rq.rqes == (char *)rq.ring_ptr + 128,
			 "map over the ring fd at mmap_offset"))
		ktap_info("returned %d", ret);
	if (ret)
		goto out;

	rq.rqes[0].off = 0xabc000;
	rq.rqes[0].len = 99;
	rq.rq_tail = 1;
	io_uring_zcrx_rq_commit(&rq);
	ret = pread(fd, &tail, sizeof(tail), rd.mmap_offset + 64) == 4 &&
	      pread(fd, &rqe, sizeof(rqe), rd.mmap_offset + 128) == 16;
	ktap_result(ret && tail == 1 && rqe.off == 0xabc000 && rqe.len == 99,
		    "the mapping is shared: tail and entry reach the file");

	io_uring_zcrx_rq_unmap(&rq, size);
	ktap_result(all_zero(&rq), "unmap clears the ring");
out:
	close(fd);
}

int main(void)
{
	ktap_plan(21);
	test_init_validation();
	test_map();
	return ktap_finish();
}
