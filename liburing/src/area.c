/* SPDX-License-Identifier: MIT */
/*
 * Memory for areas: anonymous memory, huge pages where the buffers are
 * larger than a page, and dma-bufs made from a memfd by udmabuf.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include <liburing/zcrx.h>

/* log2 of the huge page size in bits 26..31 (HUGETLB_FLAG_ENCODE_SHIFT) */
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21U << 26)
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB	(21U << 26)
#endif

#define UDMABUF_DEV	"/dev/udmabuf"

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

/* A sealed memfd of size bytes, as udmabuf wants it: fd or -errno. */
static int udmabuf_memfd(size_t size, bool huge)
{
	unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd, err;

	if (huge)
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	fd = memfd_create("zcrx-udmabuf", flags);
	if (fd < 0)
		return huge_errno(errno, huge);
	/* udmabuf refuses a memfd that could shrink under the device. */
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* The dma-buf over all of memfd, made by udmabuf device dev: fd or -errno. */
static int udmabuf_from(int dev, int memfd, size_t size)
{
	struct udmabuf_create create;
	int fd;

	memset(&create, 0, sizeof(create));
	create.memfd = (__u32)memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = size;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	return fd < 0 ? -errno : fd;
}

/*
 * The kernel never reads or writes a dma-buf area with the CPU: what
 * landed in it is seen through the memfd's pages. Returns dmabuf, or
 * -errno after closing it.
 */
static int udmabuf_map(int dmabuf, int memfd, size_t size, void **map)
{
	void *mem;
	int err;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED) {
		err = errno;
		close(dmabuf);
		return -err;
	}
	*map = mem;
	return dmabuf;
}

int io_uring_zcrx_udmabuf_create(void **map, size_t *len,
				 unsigned rx_buf_len)
{
	bool huge = wants_huge(rx_buf_len);
	int dev, memfd, fd;
	ssize_t size;

	if (!len)
		return -EINVAL;
	size = io_uring_zcrx_area_alloc_size(*len, rx_buf_len);
	if (size < 0)
		return (int)size;
	/* First, so that a host without udmabuf is told so, and cheaply. */
	dev = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	memfd = udmabuf_memfd((size_t)size, huge);
	if (memfd < 0) {
		close(dev);
		return memfd;
	}
	fd = udmabuf_from(dev, memfd, (size_t)size);
	close(dev);
	if (fd >= 0 && map)
		fd = udmabuf_map(fd, memfd, (size_t)size, map);
	/* The dma-buf and the mapping hold the pages; the memfd can go. */
	close(memfd);
	if (fd >= 0)
		*len = (size_t)size;
	return fd;
}
