/* SPDX-License-Identifier: MIT */
/*
 * dma-buf areas: io_uring_zcrx_area_reg_dmabuf() and
 * io_uring_zcrx_udmabuf_create().
 *
 * First against this host: without /dev/udmabuf the helper says -ENOENT
 * and leaves nothing open; with it, a real round trip (the dma-buf's own
 * mapping shows what was written through the memfd's). Then this program
 * defines open() and ioctl() and plays the udmabuf device itself, to see
 * the memfd the helper hands over and to make each later step fail: every
 * failure must leave no fd and no mapping behind. What the helper sees as
 * a dma-buf is then a copy of the memfd's fd, which answers lseek the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include <liburing/zcrx.h>

#include "footprint.h"
#include "ktap.h"

#define KiB		((size_t)1024)
#define MiB		(1024 * KiB)
#define HUGETLBFS_MAGIC	0x958458f6

static struct {
	bool fake;		/* play /dev/udmabuf */
	int open_err;		/* open() of the device fails so */
	int ioctl_err;		/* UDMABUF_CREATE fails so */
	unsigned opens, ioctls;
	struct udmabuf_create create;	/* what the last ioctl got */
	unsigned seals;			/* of its memfd then */
	off_t memfd_size;
	bool memfd_huge;
	unsigned dev_flags;		/* open()'s flags for the device */
} dev;

static int dev_fd = -1;

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (dev.fake && !strcmp(path, "/dev/udmabuf")) {
		dev.opens++;
		dev.dev_flags = (unsigned)flags;
		if (dev.open_err) {
			errno = dev.open_err;
			return -1;
		}
		dev_fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
				      O_RDWR | O_CLOEXEC, 0);
		return dev_fd;
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

/* UDMABUF_CREATE on the fake device: a copy of the memfd's fd. */
static int fake_create(const struct udmabuf_create *create)
{
	struct statfs fs;
	struct stat st;

	dev.ioctls++;
	dev.create = *create;
	dev.seals = (unsigned)fcntl((int)create->memfd, F_GET_SEALS);
	dev.memfd_size = fstat((int)create->memfd, &st) ? -1 : st.st_size;
	dev.memfd_huge = !fstatfs((int)create->memfd, &fs) &&
			 (unsigned long)fs.f_type == HUGETLBFS_MAGIC;
	if (dev.ioctl_err) {
		errno = dev.ioctl_err;
		return -1;
	}
	return fcntl((int)create->memfd, F_DUPFD_CLOEXEC, 0);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (dev.fake && fd == dev_fd && request == UDMABUF_CREATE)
		return fake_create(arg);
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

static int memfd_of(size_t size)
{
	int fd = memfd_create("dmabuf-test", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		ktap_bail("memfd of %zu bytes: %s", size, strerror(errno));
	return fd;
}

/* Any fd whose lseek(SEEK_END) gives a size stands in for a dma-buf. */
static void test_reg_dmabuf(void)
{
	struct io_uring_zcrx_area_reg area, ones;
	int fd = memfd_of(1 * MiB), pipefd[2], ret;
	bool ok;

	memset(&area, 0xff, sizeof(area));
	ret = io_uring_zcrx_area_reg_dmabuf(&area, fd, 0);
	ktap_result(ret == 256 && area.flags == IORING_ZCRX_AREA_DMABUF &&
		    !area.addr && area.dmabuf_fd == (__u32)fd &&
		    area.len == 1 * MiB && !area.rq_area_token &&
		    !area.__resv2[0] && !area.__resv2[1],
		    "area_reg_dmabuf: DMABUF, addr 0, the fd, len its size, 256 buffers");
	ret = io_uring_zcrx_area_reg_dmabuf(&area, fd, 65536);
	ktap_result(ret == 16 && area.len == 1 * MiB,
		    "area_reg_dmabuf: 16 buffers of 64 KiB");

	memset(&ones, 0xff, sizeof(ones));
	area = ones;
	ok = io_uring_zcrx_area_reg_dmabuf(&area, fd, 2 * MiB) == -ERANGE &&
	     io_uring_zcrx_area_reg_dmabuf(&area, fd, 12288) == -EINVAL &&
	     io_uring_zcrx_area_reg_dmabuf(NULL, fd, 0) == -EINVAL;
	ktap_result(ok, "area_reg_dmabuf: buffers larger than it -ERANGE, a bad size or no area -EINVAL");
	close(fd);

	fd = memfd_of(0);
	ok = io_uring_zcrx_area_reg_dmabuf(&area, fd, 0) == -EINVAL;
	close(fd);
	fd = memfd_of(5000);
	ok = ok && io_uring_zcrx_area_reg_dmabuf(&area, fd, 0) == -EINVAL;
	ktap_result(ok, "area_reg_dmabuf: an empty or unaligned buffer is -EINVAL");
	close(fd);

	ok = io_uring_zcrx_area_reg_dmabuf(&area, -1, 0) == -EBADF &&
	     io_uring_zcrx_area_reg_dmabuf(&area, fd, 0) == -EBADF;
	if (pipe(pipefd))
		ktap_bail("pipe: %s", strerror(errno));
	ok = ok && io_uring_zcrx_area_reg_dmabuf(&area, pipefd[0], 0) == -ESPIPE;
	close(pipefd[0]);
	close(pipefd[1]);
	ktap_result(ok && !memcmp(&area, &ones, sizeof(area)),
		    "area_reg_dmabuf: -EBADF for no fd, -ESPIPE for a pipe, area untouched on error");
}

/* This host's /dev/udmabuf, as it is. */
static void test_host(void)
{
	struct footprint before = footprint();
	struct io_uring_zcrx_area_reg area;
	size_t len = 100 * KiB;
	void *map = NULL, *view;
	int fd;

	fd = io_uring_zcrx_udmabuf_create(&map, &len, 0);
	if (fd == -ENOENT) {
		ktap_result(!map && len == 100 * KiB && same_footprint(before),
			    "no /dev/udmabuf here: -ENOENT, nothing left open");
		ktap_skip("no /dev/udmabuf", "udmabuf round trip");
		return;
	}
	if (fd == -EACCES || fd == -EPERM) {
		ktap_result(same_footprint(before),
			    "/dev/udmabuf not ours to open: %d, nothing left open", fd);
		ktap_skip("/dev/udmabuf not accessible", "udmabuf round trip");
		return;
	}
	ktap_result(fd >= 0 && map && len == 100 * KiB &&
		    io_uring_zcrx_area_reg_dmabuf(&area, fd, 0) == 25 &&
		    area.len == len,
		    "udmabuf_create: a dma-buf of exactly 100 KiB, and its map");
	if (fd < 0) {
		ktap_info("udmabuf_create: %s", strerror(-fd));
		ktap_skip("no dma-buf", "udmabuf round trip");
		return;
	}
	/* The dma-buf maps the memfd's pages: what one writes, the other reads. */
	memset(map, 0xa5, len);
	((char *)map)[len - 1] = 0x3c;
	view = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ktap_result(view != MAP_FAILED && ((char *)view)[0] == (char)0xa5 &&
		    ((char *)view)[len - 1] == 0x3c,
		    "udmabuf round trip: the dma-buf holds what the map wrote");
	if (view != MAP_FAILED)
		munmap(view, len);
	io_uring_zcrx_area_free(map, len);
	close(fd);
}

static void test_fake(void)
{
	struct footprint before = footprint();
	size_t len = 10000;
	void *map = NULL;
	char buf[4];
	bool ok;
	int fd;

	dev.fake = true;
	fd = io_uring_zcrx_udmabuf_create(&map, &len, 4096);
	ktap_result(fd >= 0 && fd != dev_fd && map && len == 12 * KiB &&
		    dev.opens == 1 && dev.ioctls == 1 &&
		    (dev.dev_flags & O_ACCMODE) == O_RDWR &&
		    (dev.dev_flags & O_CLOEXEC),
		    "udmabuf_create: one open of /dev/udmabuf, one UDMABUF_CREATE, the size page rounded");
	ktap_result(dev.create.flags == UDMABUF_FLAGS_CLOEXEC &&
		    !dev.create.offset && dev.create.size == 12 * KiB &&
		    dev.memfd_size == 12 * 1024 && !dev.memfd_huge,
		    "UDMABUF_CREATE: all of a memfd of that size, from 0, CLOEXEC");
	ktap_result(dev.seals == F_SEAL_SHRINK,
		    "the memfd is sealed against shrinking, and only that");
	if (fd < 0)
		ktap_bail("udmabuf_create on the fake device: %s", strerror(-fd));
	memcpy(map, "zcrx", 4);
	ok = pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "zcrx", 4);
	ktap_result(ok, "the map is of the memfd the dma-buf was made from");
	io_uring_zcrx_area_free(map, len);
	close(fd);
	ktap_result(same_footprint(before),
		    "device and memfd closed: the dma-buf and the map were all that stayed");

	memset(&dev.create, 0, sizeof(dev.create));
	len = 4096;
	fd = io_uring_zcrx_udmabuf_create(NULL, &len, 0);
	ok = fd >= 0 && dev.create.size == 4096;
	if (fd >= 0)
		close(fd);
	ktap_result(ok && same_footprint(before),
		    "udmabuf_create without map: the dma-buf only");

	map = NULL;
	len = 8192;
	dev.ioctl_err = ENOMEM;		/* the driver could not pin it */
	fd = io_uring_zcrx_udmabuf_create(&map, &len, 0);
	ktap_result(fd == -ENOMEM && !map && len == 8192 &&
		    same_footprint(before),
		    "UDMABUF_CREATE fails: its error, nothing left open or mapped");
	dev.ioctl_err = 0;

	dev.open_err = EACCES;
	fd = io_uring_zcrx_udmabuf_create(&map, &len, 0);
	ktap_result(fd == -EACCES && same_footprint(before),
		    "/dev/udmabuf cannot be opened: its error, nothing left open");
	dev.open_err = 0;

	dev.opens = 0;
	ok = io_uring_zcrx_udmabuf_create(&map, NULL, 0) == -EINVAL;
	len = 0;
	ok = ok && io_uring_zcrx_udmabuf_create(&map, &len, 0) == -EINVAL;
	len = 4096;
	ok = ok && io_uring_zcrx_udmabuf_create(&map, &len, 3000) == -EINVAL &&
	     io_uring_zcrx_udmabuf_create(&map, &len, 4 * MiB) == -ERANGE;
	ktap_result(ok && !dev.opens && same_footprint(before),
		    "udmabuf_create: bad sizes refused before the device is opened");
}

/*
 * 64 KiB buffers: a hugetlbfs memfd in 2 MiB pages. Without huge pages to
 * be had the map of it fails, and the dma-buf made before must go too.
 */
static void test_fake_huge(void)
{
	struct footprint before = footprint();
	size_t len = 1 * MiB;
	void *map = NULL;
	int fd;

	dev.ioctls = 0;
	fd = io_uring_zcrx_udmabuf_create(&map, &len, 65536);
	if (fd == -EOPNOTSUPP) {
		ktap_skip("no 2 MiB hugetlbfs", "udmabuf_create in huge pages");
		ktap_skip("no 2 MiB hugetlbfs", "udmabuf_create in huge pages cleans up");
		return;
	}
	ktap_result(dev.ioctls == 1 && dev.memfd_huge &&
		    dev.create.size == 2 * MiB && dev.memfd_size == 2 * 1024 * 1024,
		    "udmabuf_create(1 MiB, 65536): a 2 MiB hugetlbfs memfd");
	if (fd >= 0) {
		ktap_result(map && len == 2 * MiB && (uintptr_t)map % (2 * MiB) == 0,
			    "huge pages to be had: mapped, 2 MiB aligned");
		io_uring_zcrx_area_free(map, len);
		close(fd);
	} else {
		ktap_result(fd == -ENOMEM && !map && len == 1 * MiB &&
			    same_footprint(before),
			    "no huge page to map: -ENOMEM, the dma-buf closed, nothing left");
	}
}

int main(void)
{
	ktap_plan(18);
	if (sysconf(_SC_PAGESIZE) != 4096) {
		ktap_info("page size %ld, not 4096", sysconf(_SC_PAGESIZE));
		for (int i = 0; i < 18; i++)
			ktap_skip("page size", "4 KiB page numbers");
		return ktap_finish();
	}
	test_reg_dmabuf();
	test_host();
	test_fake();
	test_fake_huge();
	return ktap_finish();
}
