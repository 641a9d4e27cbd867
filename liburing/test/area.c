/* SPDX-License-Identifier: MIT */
/*
 * Areas for large buffers: io_uring_zcrx_area_alloc_size(),
 * io_uring_zcrx_area_reg_init(), io_uring_zcrx_area_alloc() and
 * io_uring_zcrx_area_free(). Expected sizes are for 4 KiB pages. Huge
 * page allocation is tried for real: with no 2 MiB pages to be had it must
 * fail with ENOMEM and leave nothing behind, else give them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing/zcrx.h>

#include "footprint.h"
#include "ktap.h"

#define KiB	((size_t)1024)
#define MiB	(1024 * KiB)
#define TiB	(1024 * 1024 * MiB)
#define HUGE_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"

static void alloc_size(size_t len, unsigned buf, ssize_t want)
{
	ssize_t got = io_uring_zcrx_area_alloc_size(len, buf);

	if (!ktap_result(got == want, "area_alloc_size(%zu, %u) is %zd",
			 len, buf, want))
		ktap_info("got %zd", got);
}

/* KernelPageSize of the mapping at addr, in KiB; 0 if not found. */
static unsigned long kernel_page_kib(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long start, end, kib = 0;
	bool in = false;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's first line: start-end perms ... */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start == (unsigned long)(uintptr_t)addr;
		else if (in && sscanf(line, "KernelPageSize: %lu kB", &kib) == 1)
			break;
	}
	fclose(f);
	return in ? kib : 0;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static bool mapped(void *addr, size_t len)
{
	unsigned char vec[1];

	/* mincore fails with ENOMEM on an unmapped range. */
	return !mincore(addr, len < 4096 ? len : 4096, vec);
}

static void test_alloc_size(void)
{
	alloc_size(1, 0, 4096);
	alloc_size(10000, 4096, 12288);
	alloc_size(4096, 8192, 2 * MiB);	/* above a page: huge pages */
	alloc_size(1 * MiB, 65536, 2 * MiB);
	alloc_size(2 * MiB + 1, 16384, 4 * MiB);
	alloc_size(2 * MiB, 2 * MiB, 2 * MiB);
	alloc_size(1 * TiB, 0, 1 * TiB);
	alloc_size(0, 0, -EINVAL);
	ktap_result(io_uring_zcrx_area_alloc_size(4096, 2048) == -EINVAL &&
		    io_uring_zcrx_area_alloc_size(4096, 12288) == -EINVAL &&
		    io_uring_zcrx_area_alloc_size(4096, 1) == -EINVAL &&
		    io_uring_zcrx_area_alloc_size(4096, 65535) == -EINVAL,
		    "area_alloc_size: below a page or not a power of two is -EINVAL");
	ktap_result(io_uring_zcrx_area_alloc_size(4096, 4 * MiB) == -ERANGE &&
		    io_uring_zcrx_area_alloc_size(4096, 1U << 31) == -ERANGE,
		    "area_alloc_size: buffers above 2 MiB are -ERANGE");
	ktap_result(io_uring_zcrx_area_alloc_size(1 * TiB + 1, 0) == -EINVAL &&
		    io_uring_zcrx_area_alloc_size(SIZE_MAX, 65536) == -EINVAL &&
		    io_uring_zcrx_area_alloc_size(SIZE_MAX - 4095, 0) == -EINVAL,
		    "area_alloc_size: above 1 TiB is -EINVAL, without overflow");
}

/* Whatever the page size: an area of N buffers sized, then allocated. */
static void test_consistency(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	bool ok = true;

	for (size_t buf = page; buf <= LIBURING_ZCRX_HUGE_PAGE_SIZE; buf <<= 1) {
		for (unsigned n = 1; n <= 1024; n = n * 3 + 1) {
			size_t want = io_uring_zcrx_area_size(n, (unsigned)buf);
			ssize_t got = io_uring_zcrx_area_alloc_size(want,
								   (unsigned)buf);
			struct io_uring_zcrx_area_reg area;
			int bufs;

			bufs = io_uring_zcrx_area_reg_init(&area,
					(void *)(uintptr_t)LIBURING_ZCRX_HUGE_PAGE_SIZE,
					(size_t)got, (unsigned)buf);
			ok = ok && got >= (ssize_t)want &&
			     (size_t)got % buf == 0 && bufs >= (int)n &&
			     (size_t)bufs * buf == (size_t)got &&
			     (buf == page ||
			      (size_t)got % LIBURING_ZCRX_HUGE_PAGE_SIZE == 0);
		}
	}
	ktap_result(ok, "area_size, area_alloc_size and area_reg_init agree for every buffer size");
}

static void test_reg_init(void)
{
	void *addr = (void *)(uintptr_t)(2 * MiB);
	struct io_uring_zcrx_area_reg area, ones;
	bool untouched = true, ok;
	int ret;

	memset(&area, 0xff, sizeof(area));
	ret = io_uring_zcrx_area_reg_init(&area, addr, 4 * MiB, 65536);
	ktap_result(ret == 64 && area.addr == 2 * MiB && area.len == 4 * MiB &&
		    !area.rq_area_token && !area.flags && !area.dmabuf_fd &&
		    !area.__resv2[0] && !area.__resv2[1],
		    "area_reg_init: addr and len, all else 0, returns the 64 buffers");
	ret = io_uring_zcrx_area_reg_init(&area, addr, 12 * KiB, 0);
	ktap_result(ret == 3 && area.len == 12 * KiB,
		    "area_reg_init: rx_buf_len 0 counts pages");

	memset(&ones, 0xff, sizeof(ones));
	{
		static const struct {
			uintptr_t addr;
			size_t len;
			unsigned buf;
		} bad[] = {
			{ 0, 4096, 0 },			/* no address */
			{ 2 * MiB + 16, 4096, 0 },	/* unaligned */
			{ 2 * MiB, 0, 0 },
			{ 2 * MiB, 4097, 0 },
			{ 2 * MiB, 1 * TiB + 4096, 0 },
			{ 2 * MiB, 4096, 3000 },
			{ 2 * MiB, 4096, 2048 },
		};

		ok = true;
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			area = ones;
			ret = io_uring_zcrx_area_reg_init(&area,
					(void *)bad[i].addr, bad[i].len,
					bad[i].buf);
			ok = ok && ret == -EINVAL;
			untouched = untouched && !memcmp(&area, &ones, sizeof(area));
		}
	}
	ok = ok && io_uring_zcrx_area_reg_init(NULL, addr, 4096, 0) == -EINVAL;
	ktap_result(ok, "area_reg_init: no area or address, unaligned, 0, too long, a bad rx_buf_len: -EINVAL");

	area = ones;
	ok = io_uring_zcrx_area_reg_init(&area, addr, 3 * MiB, 2 * MiB) == -ERANGE &&
	     io_uring_zcrx_area_reg_init(&area, addr, 4096, 8192) == -ERANGE;
	untouched = untouched && !memcmp(&area, &ones, sizeof(area));
	ktap_result(ok, "area_reg_init: a length the buffers do not divide is -ERANGE");

	area = ones;
	ret = io_uring_zcrx_area_reg_init(&area,
			(void *)(UINTPTR_MAX & ~(uintptr_t)4095), 8192, 0);
	untouched = untouched && !memcmp(&area, &ones, sizeof(area));
	ktap_result(ret == -EOVERFLOW, "area_reg_init: addr + len overflows: -EOVERFLOW");
	ktap_result(untouched, "area_reg_init leaves the area as it was on error");
}

static void test_alloc(void)
{
	struct footprint before = footprint();
	struct io_uring_zcrx_area_reg area;
	void *addr = NULL, *p;
	size_t len = 10000;
	bool ok;
	int ret;

	ret = io_uring_zcrx_area_alloc(&addr, &len, 0);
	ktap_result(ret == 0 && len == 12 * KiB && addr &&
		    (uintptr_t)addr % 4096 == 0,
		    "area_alloc(10000, 0): 12 KiB, page aligned");
	if (ret)
		ktap_bail("area_alloc: %s", strerror(-ret));
	memset(addr, 0x5a, len);
	ktap_result(((unsigned char *)addr)[len - 1] == 0x5a &&
		    kernel_page_kib(addr) == 4 &&
		    io_uring_zcrx_area_reg_init(&area, addr, len, 0) == 3,
		    "area_alloc: writable base pages, 3 buffers by area_reg_init");
	p = addr;
	ret = io_uring_zcrx_area_free(addr, len);
	ktap_result(ret == 0 && !mapped(p, len) && same_footprint(before),
		    "area_free unmaps it");

	addr = NULL;
	len = 4096;
	ok = io_uring_zcrx_area_alloc(&addr, &len, 12288) == -EINVAL &&
	     io_uring_zcrx_area_alloc(&addr, &len, 4 * MiB) == -ERANGE &&
	     !addr && len == 4096;
	len = 0;
	ok = ok && io_uring_zcrx_area_alloc(&addr, &len, 0) == -EINVAL &&
	     io_uring_zcrx_area_alloc(NULL, &len, 0) == -EINVAL &&
	     io_uring_zcrx_area_alloc(&addr, NULL, 0) == -EINVAL;
	ktap_result(ok && same_footprint(before),
		    "area_alloc refuses what area_alloc_size does, maps nothing, changes nothing");
	ktap_result(io_uring_zcrx_area_free(NULL, 4096) == -EINVAL &&
		    io_uring_zcrx_area_free(p, 0) == -EINVAL &&
		    io_uring_zcrx_area_free((char *)p + 1, 4096) == -EINVAL,
		    "area_free: no address, no length, unaligned: -EINVAL");
}

/*
 * 64 KiB buffers need 2 MiB pages. On a host with none reserved or to be
 * overcommitted, the mmap fails: -ENOMEM, nothing left mapped.
 */
static void test_alloc_huge(void)
{
	long free_pages = read_long(HUGE_DIR "free_hugepages");
	long overcommit = read_long("/proc/sys/vm/nr_overcommit_hugepages");
	struct footprint before = footprint();
	void *addr = NULL;
	size_t len = 1 * MiB;
	bool ok;
	int ret;

	ktap_info("2 MiB huge pages free: %ld, overcommit: %ld", free_pages,
		  overcommit);
	ret = io_uring_zcrx_area_alloc(&addr, &len, 65536);
	if (free_pages < 0) {
		ktap_result(ret == -EOPNOTSUPP || ret == -ENOMEM,
			    "no 2 MiB huge pages in this kernel: -EOPNOTSUPP");
		ktap_skip("no 2 MiB huge pages", "area_alloc in huge pages");
	} else if (free_pages == 0 && overcommit == 0) {
		ktap_result(ret == -ENOMEM && !addr && len == 1 * MiB,
			    "no huge page to be had: -ENOMEM, addr and len untouched");
		ktap_result(same_footprint(before),
			    "no huge page to be had: nothing mapped or opened");
	} else if (ret == -ENOMEM) {
		ktap_skip("huge pages taken meanwhile", "area_alloc in huge pages");
		ktap_skip("huge pages taken meanwhile", "area_free of huge pages");
	} else {
		ok = ret == 0 && len == 2 * MiB &&
		     (uintptr_t)addr % (2 * MiB) == 0;
		if (ok) {
			memset(addr, 1, len);
			ok = kernel_page_kib(addr) == 2048;
		}
		ktap_result(ok, "area_alloc(1 MiB, 65536): 2 MiB in a 2 MiB page");
		ktap_result(!ret && !io_uring_zcrx_area_free(addr, len) &&
			    same_footprint(before), "area_free of huge pages");
	}
}

int main(void)
{
	ktap_plan(25);
	test_consistency();
	if (sysconf(_SC_PAGESIZE) != 4096) {
		ktap_info("page size %ld, not 4096", sysconf(_SC_PAGESIZE));
		for (int i = 1; i < 25; i++)
			ktap_skip("page size", "4 KiB page numbers");
		return ktap_finish();
	}
	test_alloc_size();
	test_reg_init();
	test_alloc();
	test_alloc_huge();
	return ktap_finish();
}
