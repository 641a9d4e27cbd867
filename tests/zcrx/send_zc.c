// SPDX-License-Identifier: GPL-2.0
/*
 * What zcrx-echo's way back relies on in SEND_ZC. The sender of a TCP
 * connection over lo is corked (TCP_CORK, which has no timer), so what it
 * sends stays in its write queue, and the socket is closed with a reset,
 * which frees the queued skbs unsent: what the socket is charged for,
 * which skb holds which bytes and how the skbs end do not depend on
 * timing.
 *
 *  1. A SEND_ZC of 100 bytes from a fixed buffer that is one 2 MiB huge
 *     page, at the page's last 4 KiB: the socket's queued memory
 *     (SO_MEMINFO wmem_queued) grows by about a page, not by the
 *     offset of the bytes in the huge page (io_sg_from_iter() charged
 *     PAGE_ALIGN(offset + len), almost 2 MiB, and a socket stalled for
 *     write memory on every such send).
 *  2. Two SEND_ZCs that land in one queued skb, asking for the usage
 *     report: the second one's notification is linked behind the
 *     first's. When the skb is freed, neither notification says
 *     IORING_NOTIF_USAGE_ZC_COPIED: nothing was copied (the linked one
 *     said so before).
 *
 * A huge page is reserved (vm.nr_hugepages + 1, restored at exit). Runs
 * in a network namespace of its own, on its lo.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sock_diag.h>
#include <liburing.h>

#include "ktap_cases.h"

#define HUGE_PAGE		(2UL << 20)
#define NR_HUGEPAGES		"/proc/sys/vm/nr_hugepages"
#define SEND_LEN		100

#ifndef IORING_SEND_ZC_REPORT_USAGE	/* liburing 2.3's io_uring.h */
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#endif

static long hugepages_before = -1;

static bool write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	return !fclose(f) && ok;
}

static void restore_hugepages(void)
{
	if (hugepages_before >= 0)
		write_long(NR_HUGEPAGES, hugepages_before);
}

/* One 2 MiB huge page, or NULL when none can be reserved */
static void *huge_page(void)
{
	void *p;

	hugepages_before = proc_number(NR_HUGEPAGES, "%ld");
	if (hugepages_before < 0 ||
	    !write_long(NR_HUGEPAGES, hugepages_before + 1))
		return NULL;
	p = mmap(NULL, HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, HUGE_PAGE);
	return p;
}

static void netns_with_lo(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET))
		ksft_exit_fail_msg("unshare(CLONE_NEWNET): %s\n", strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		ksft_exit_fail_msg("lo: %s\n", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		ksft_exit_fail_msg("lo up: %s\n", strerror(errno));
	close(fd);
}

/* A TCP connection over lo, its sending end corked */
static void corked_pair(int *rx, int *tx)
{
	int on = 1;

	tcp_pair(rx, tx);
	if (setsockopt(*tx, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))
		ksft_exit_fail_msg("TCP_CORK: %s\n", strerror(errno));
}

/* Close with a reset: the skbs still queued are freed, never sent. */
static void abort_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		ksft_exit_fail_msg("SO_LINGER: %s\n", strerror(errno));
	close(fd);
}

static long wmem_queued(int fd)
{
	__u32 mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		ksft_exit_fail_msg("SO_MEMINFO: %s\n", strerror(errno));
	return mem[SK_MEMINFO_WMEM_QUEUED];
}

/* SEND_ZC of @len bytes at @off of fixed buffer 0, with the usage report */
static void send_zc(struct io_uring *ring, int fd, char *buf, size_t off,
		    size_t len, __u64 ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_send_zc_fixed(sqe, fd, buf + off, len, 0,
				    IORING_SEND_ZC_REPORT_USAGE, 0);
	sqe->user_data = ud;
}

/*
 * Reap until @want completions came: results (with F_MORE) into @res,
 * notifications' res into @notif, both by user_data 1 or 2.
 */
static bool reap(struct io_uring *ring, int want, int res[3], int notif[3])
{
	struct io_uring_cqe *cqe;
	int n, ret;

	for (n = 0; n < want; n++) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret)
			return check("a completion came", false);
		if (cqe->user_data < 1 || cqe->user_data > 2)
			return check("user_data is ours", false);
		if (cqe->flags & IORING_CQE_F_NOTIF)
			notif[cqe->user_data] = cqe->res;
		else
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return true;
}

static void case_huge_page_charge(struct io_uring *ring, char *buf)
{
	int res[3] = { 0 }, notif[3] = { 0 }, fd, rx;
	long before, grew;
	bool ok;

	corked_pair(&rx, &fd);

	before = wmem_queued(fd);
	send_zc(ring, fd, buf, HUGE_PAGE - 4096, SEND_LEN, 1);
	io_uring_submit(ring);
	ok = reap(ring, 1, res, notif) &&
	     check_eq("result", res[1], SEND_LEN);
	grew = wmem_queued(fd) - before;
	ksft_print_msg("wmem_queued grew by %ld bytes for %d bytes at %lu of a huge page\n",
		       grew, SEND_LEN, HUGE_PAGE - 4096);
	ok = check("at most 16 KiB charged", grew > 0 && grew <= 16384) && ok;
	abort_close(fd);
	close(rx);
	ok = reap(ring, 1, res, notif) && ok;
	result(ok, "SEND_ZC from a huge page's last 4 KiB charges the socket a page, not the offset (%ld bytes)",
	       grew);
}

static void case_linked_usage(struct io_uring *ring, char *buf)
{
	int res[3] = { 0 }, notif[3] = { -1, -1, -1 }, fd, rx;
	bool ok;

	corked_pair(&rx, &fd);

	send_zc(ring, fd, buf, 0, SEND_LEN, 1);
	io_uring_submit(ring);
	ok = reap(ring, 1, res, notif);
	send_zc(ring, fd, buf, 4096, SEND_LEN, 2);
	io_uring_submit(ring);
	ok = reap(ring, 1, res, notif) && ok;
	ok = check_eq("first result", res[1], SEND_LEN) && ok;
	ok = check_eq("second result", res[2], SEND_LEN) && ok;
	/* one skb holds both: freeing it ends both notifications */
	abort_close(fd);
	close(rx);
	ok = reap(ring, 2, res, notif) && ok;
	ksft_print_msg("notifications: first %#x, second %#x\n",
		       (unsigned int)notif[1], (unsigned int)notif[2]);
	ok = check_eq("first notification", (__u32)notif[1], 0) && ok;
	ok = check_eq("second notification", (__u32)notif[2], 0) && ok;
	result(ok, "two SEND_ZCs in one skb, the second linked to the first: neither is reported copied");
}

int main(void)
{
	struct io_uring ring;
	struct iovec iov;
	char *buf;
	int ret;

	ksft_print_header();
	ksft_set_plan(2);
	netns_with_lo();
	atexit(restore_hugepages);
	buf = huge_page();
	if (!buf)
		ksft_exit_skip("no 2 MiB huge page could be reserved\n");
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret)
		ksft_exit_fail_msg("io_uring_queue_init: %s\n", strerror(-ret));
	iov = (struct iovec){ .iov_base = buf, .iov_len = HUGE_PAGE };
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret)
		ksft_exit_fail_msg("register the huge page: %s\n", strerror(-ret));

	case_huge_page_charge(&ring, buf);
	case_linked_usage(&ring, buf);

	io_uring_queue_exit(&ring);
	munmap(buf, HUGE_PAGE);
	ksft_finished();
}
