/* SPDX-License-Identifier: MIT */
/*
 * Memory for areas: anonymous memory, huge pages where the buffers are
 * larger than a page.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing/zcrx.h>

/* log2 of the huge page size in bits 26..31 (HUGETLB_FLAG_ENCODE_SHIFT) */
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21U << 26)
#endif

/* Buffers larger than a page need an area of huge pages. */
static bool wants_huge(unsigned rx_buf_len)
{
	long page = sysconf(_SC_PAGESIZE);

	return rx_buf_len > (unsigned long)(page > 0 ? page : 4096);
}

/*
 * Our arguments are checked before: EINVAL from the kernel for huge pages
 * means it has none of that size.
 */
static int huge_errno(int err, bool huge)
{
	return huge && err == EINVAL ? -EOPNOTSUPP : -err;
}

int io_uring_zcrx_area_alloc(void **addr, size_t *len, unsigned rx_buf_len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	bool huge = wants_huge(rx_buf_len);
	ssize_t size;
	void *mem;

	if (!addr || !len)
		return -EINVAL;
	size = io_uring_zcrx_area_alloc_size(*len, rx_buf_len);
	if (size < 0)
		return (int)size;
	if (huge)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	/* Without reserved huge pages this fails here, with ENOMEM. */
	mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (mem == MAP_FAILED)
		return huge_errno(errno, huge);
	*addr = mem;
	*len = (size_t)size;
	return 0;
}

int io_uring_zcrx_area_free(void *addr, size_t len)
{
	if (!addr || !len)
		return -EINVAL;
	return munmap(addr, len) ? -errno : 0;
}
