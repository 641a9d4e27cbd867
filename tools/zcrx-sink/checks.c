// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: the checks before registering, of the kernel, our
 * privileges and the area; those of the NIC are in ../nic-check.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>

#include "check.h"
#include "nic-check.h"
#include "sink.h"

/* ---- huge pages: the pool an area of huge pages comes from ---- */

/* The default huge page size (MAP_HUGETLB without a size), in bytes. */
size_t hugepage_size(void)
{
	char line[128];
	size_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb ? kb << 10 : 2u << 20;
}

/* A counter of the pool of PAGE-byte huge pages in sysfs, or -1. */
static long hugepool_read(size_t page, const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/%s",
		 page >> 10, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The pool of PAGE-byte huge pages: 0, or -1 if the kernel has none. */
int hugepool_get(size_t page, struct hugepool *h)
{
	h->page = page;
	h->total = hugepool_read(page, "nr_hugepages");
	h->free = hugepool_read(page, "free_hugepages");
	h->resv = hugepool_read(page, "resv_hugepages");
	h->surplus = hugepool_read(page, "surplus_hugepages");
	h->overcommit = hugepool_read(page, "nr_overcommit_hugepages");
	if (h->total < 0 || h->free < 0)
		return -1;
	if (h->resv < 0)
		h->resv = 0;
	if (h->surplus < 0)
		h->surplus = 0;
	if (h->overcommit < 0)
		h->overcommit = 0;
	return 0;
}

/*
 * Huge pages a new mapping can still get: free ones that no mapping has
 * reserved, and the surplus ones vm.nr_overcommit_hugepages still allows.
 */
long hugepool_available(const struct hugepool *h)
{
	long n = h->free - h->resv;

	if (h->overcommit > h->surplus)
		n += h->overcommit - h->surplus;
	return n < 0 ? 0 : n;
}

/*
 * The command that makes the pool hold NEEDED free pages of its own (not
 * counting on overcommit): the sysctl for the default size, the pool's
 * sysfs file for another size. When the counters say there are enough
 * and a mapping failed all the same, the pool grows by NEEDED.
 */
void hugepool_fix(const struct hugepool *h, long needed, char *buf,
		  size_t len)
{
	long unused = h->free > h->resv ? h->free - h->resv : 0;
	long want = h->total + needed - unused;

	if (want <= h->total)
		want = h->total + needed;
	if (h->page == hugepage_size())
		snprintf(buf, len, "sysctl -w vm.nr_hugepages=%ld", want);
	else
		snprintf(buf, len, "echo %ld > /sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
			 want, h->page >> 10);
}

static int cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	return !!(data[cap / 32].effective & (1u << (cap % 32)));
}

static void check_privileges(const struct sink *s)
{
	size_t area_size = s->area_size;
	struct rlimit rl;
	int net_admin = cap_effective(CAP_NET_ADMIN);
	int ipc_lock = cap_effective(CAP_IPC_LOCK);

	if (net_admin < 0)
		check_warn("cannot read our capabilities: %s", strerror(errno));
	else if (!net_admin) {
		check_fail("no CAP_NET_ADMIN: taking over a NIC queue needs it (euid %u)",
			   (unsigned int)geteuid());
		check_more("fix: run as root (sudo), or: setcap cap_net_admin,cap_ipc_lock+ep " PROG);
	} else {
		check_ok("CAP_NET_ADMIN");
	}

	/*
	 * Without CAP_IPC_LOCK io_uring charges the pinned area to the
	 * locked-memory limit; a dma-buf is not pinned by io_uring.
	 */
	if (s->cfg.dmabuf || ipc_lock == 1 || getrlimit(RLIMIT_MEMLOCK, &rl) ||
	    rl.rlim_cur == RLIM_INFINITY)
		return;
	if (area_size > rl.rlim_cur) {
		check_fail("the area (%zu KiB) is larger than the locked-memory limit (%llu KiB); io_uring pins it",
			   area_size >> 10, (unsigned long long)rl.rlim_cur >> 10);
		check_more("fix: ulimit -l %zu (or unlimited), or a smaller -A, or run as root",
			   (area_size + 1023) >> 10);
	} else {
		check_ok("area fits the locked-memory limit (%llu KiB)",
			 (unsigned long long)rl.rlim_cur >> 10);
	}
}

/* udmabuf's size_limit_mb, the most MiB one dma-buf may have, or -1. */
long udmabuf_limit_mb(void)
{
	FILE *f = fopen(UDMABUF_LIMIT, "r");
	long mb = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &mb) != 1)
		mb = -1;
	fclose(f);
	return mb;
}

/* --dmabuf: udmabuf is there, open to us, and takes a dma-buf this big. */
static void check_udmabuf(const struct sink *s)
{
	long mb = udmabuf_limit_mb(), limit = mb < 0 ? UDMABUF_LIMIT_MB : mb;
	bool dev_ok = false;

	if (!faccessat(AT_FDCWD, UDMABUF_DEV, R_OK | W_OK, AT_EACCESS)) {
		dev_ok = true;
	} else if (errno == ENOENT) {
		check_fail("no %s: --dmabuf makes its dma-buf with udmabuf, which this kernel lacks or has not loaded",
			   UDMABUF_DEV);
		check_more("fix: modprobe udmabuf (the kernel needs CONFIG_UDMABUF)");
	} else {
		check_fail("cannot open %s: %s", UDMABUF_DEV, strerror(errno));
		check_more("fix: run as root, or give this user read and write access to %s",
			   UDMABUF_DEV);
	}
	if (s->area_size > (uint64_t)limit << 20) {
		check_fail("the area (%zu KiB) is over udmabuf's limit on one dma-buf: size_limit_mb %ld%s",
			   s->area_size >> 10, limit,
			   mb < 0 ? " (the default; " UDMABUF_LIMIT " is unreadable)" : "");
		check_more("fix: -A %ldM or less, or raise the limit: echo %zu > %s",
			   limit, (s->area_size + (1u << 20) - 1) >> 20, UDMABUF_LIMIT);
	} else if (dev_ok) {
		check_ok("%s makes the %zu KiB dma-buf area (size_limit_mb %ld)",
			 UDMABUF_DEV, s->area_size >> 10, limit);
	}
}

/*
 * What the area is made of. --dmabuf: udmabuf. Huge pages (-H, or -L
 * above a page): the pool must have enough free, and a buffer may not be
 * larger than one of them.
 */
static void check_area(const struct sink *s)
{
	const struct config *c = &s->cfg;
	size_t kb = s->area_page >> 10;
	long needed = (long)(s->area_size / s->area_page), avail;
	struct hugepool h;
	char why[128], fix[160];

	if (c->dmabuf)
		check_udmabuf(s);
	if (!s->huge)
		return;
	if (s->buf_len > s->area_page) {
		check_fail("-L %u is larger than a huge page (%zu KiB): a buffer must lie in one physically contiguous run, and the area's runs are its huge pages",
			   s->buf_len, kb);
		check_more("fix: -L %zuk or less", kb);
	}
	if (c->rx_buf_len > (unsigned long)sysconf(_SC_PAGESIZE))
		snprintf(why, sizeof(why),
			 "buffers of %u bytes (-L) must each lie in one physically contiguous run",
			 c->rx_buf_len);
	else
		snprintf(why, sizeof(why), "-H asks for huge pages");
	if (hugepool_get(s->area_page, &h)) {
		check_fail("the kernel has no huge pages of %zu KiB (no hugetlbfs, or not that size), and the area needs them: %s",
			   kb, why);
		check_more("fix: a kernel with CONFIG_HUGETLBFS, or drop -L and -H");
		return;
	}
	avail = hugepool_available(&h);
	if (avail >= needed) {
		check_ok("area in huge pages of %zu KiB: %ld needed, %ld available",
			 kb, needed, avail);
		return;
	}
	if (!h.total && !h.overcommit)
		check_fail("no huge pages of %zu KiB are reserved, and the %zu KiB area needs %ld of them: %s",
			   kb, s->area_size >> 10, needed, why);
	else
		check_fail("only %ld huge pages of %zu KiB are available, and the %zu KiB area needs %ld: %s",
			   avail, kb, s->area_size >> 10, needed, why);
	hugepool_fix(&h, needed, fix, sizeof(fix));
	check_more("fix: %s (as root; the kernel may find fewer: see HugePages_Free in /proc/meminfo), or a smaller -A",
		   fix);
}

/* Append NAME to a ", "-separated list in BUF. */
static void list_add(char *buf, size_t len, const char *name)
{
	size_t at = strlen(buf);

	snprintf(buf + at, len - at, "%s%s", at ? ", " : "", name);
}

#define FEATURE_LIST	256

/* NAME goes to what the kernel has, or to what it lacks. */
static void feature(char *has, char *lacks, bool yes, const char *name)
{
	list_add(yes ? has : lacks, FEATURE_LIST, name);
}

/*
 * What the kernel's zcrx can do (IO_URING_QUERY_ZCRX), said in words: what
 * it has, what it lacks, and a failure for what the options need of it.
 */
static void check_features(struct sink *s)
{
	static const char *const ops[] = { "flush", "export", "arm-event",
					   "add-area" };
	const struct config *c = &s->cfg;
	struct io_uring_query_zcrx *q = &s->caps;
	char has[FEATURE_LIST] = "", lacks[FEATURE_LIST] = "";
	long page = sysconf(_SC_PAGESIZE);
	unsigned int i;
	int ret;

	ret = io_uring_zcrx_query(q, NULL);
	if (ret) {
		if (c->nodev) {
			check_fail("the kernel cannot report its zcrx features (%s): --nodev needs ZCRX_REG_NODEV",
				   strerror(-ret));
			check_more("fix: boot a kernel whose zcrx answers IO_URING_QUERY_ZCRX (this project's 6.12, Linux 7.3)");
		} else {
			check_warn("the kernel cannot report its zcrx features (%s): no statistics of copied bytes, no buffer-starvation warnings",
				   strerror(-ret));
		}
		return;
	}
	s->have_caps = true;

	feature(has, lacks, q->register_flags & ZCRX_REG_NODEV,
		"no-device instances (--nodev)");
	feature(has, lacks, q->register_flags & ZCRX_REG_IMPORT,
		"sharing (export/import)");
	feature(has, lacks, q->area_flags & IORING_ZCRX_AREA_DMABUF,
		"dma-buf areas");
	feature(has, lacks, q->features & ZCRX_FEATURE_EVENT,
		"events and statistics");
	feature(has, lacks, q->features & ZCRX_FEATURE_RX_PAGE_SIZE,
		"buffers above a page (-L)");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "control op %s", ops[i]);
		if (i >= q->nr_ctrl_opcodes)
			list_add(lacks, sizeof(lacks), name);
	}
	check_ok("kernel zcrx features: %s; %u control ops", has[0] ? has : "none",
		 q->nr_ctrl_opcodes);
	if (lacks[0] && !check_quiet)
		check_more("it lacks: %s", lacks);

	if (c->nodev && !(q->register_flags & ZCRX_REG_NODEV)) {
		check_fail("--nodev needs ZCRX_REG_NODEV, which this kernel lacks");
		check_more("fix: boot a kernel with no-device zcrx instances (this project's 6.12, Linux 7.3), or use a NIC queue (-i, -q)");
	}
	if (c->nodev && q->nr_ctrl_opcodes <= ZCRX_CTRL_FLUSH_RQ) {
		check_fail("--nodev needs ZCRX_CTRL_FLUSH_RQ to return buffers, which this kernel lacks");
	}
	if (c->rx_buf_len && c->rx_buf_len != (unsigned int)page &&
	    !(q->features & ZCRX_FEATURE_RX_PAGE_SIZE)) {
		check_fail("-L %u needs buffer lengths above a page (ZCRX_FEATURE_RX_PAGE_SIZE), which this kernel lacks",
			   c->rx_buf_len);
		check_more("fix: drop -L");
	}
	if (c->dmabuf && !(q->area_flags & IORING_ZCRX_AREA_DMABUF)) {
		check_fail("--dmabuf needs dma-buf areas (IORING_ZCRX_AREA_DMABUF), which this kernel lacks");
		check_more("fix: boot a kernel with dma-buf areas (this project's 6.12), or drop --dmabuf");
	}
	if (!(q->features & ZCRX_FEATURE_EVENT))
		check_warn("no events or statistics: copied bytes are n/a, buffer starvation goes unreported");
}

static void check_kernel(struct sink *s)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(&s->ring);
	struct utsname u;

	if (uname(&u))
		strcpy(u.release, "?");
	if (!p) {
		check_warn("cannot probe io_uring opcodes; registration will tell");
		return;
	}
	if (io_uring_opcode_supported(p, IORING_OP_RECV_ZC)) {
		check_ok("kernel %s knows IORING_OP_RECV_ZC", u.release);
		check_features(s);
	} else {
		check_fail("kernel %s has no io_uring zero-copy receive (IORING_OP_RECV_ZC is unknown to it)",
			   u.release);
		check_more("fix: boot a kernel with zcrx: this project's 6.12 kernel, or Linux 6.15+ with CONFIG_IO_URING_ZCRX=y");
	}
	io_uring_free_probe(p);
}

/* The NIC's part, shared with zcrx-nic; sets cfg.ifindex. */
static void check_nic(struct sink *s)
{
	struct config *c = &s->cfg;
	struct nic_want w = {
		.queue = (unsigned int)c->queue,
		.port = c->port,
		.family = s->family,
		.dmabuf = c->dmabuf,
		.queue_opt = "-q",
	};
	unsigned int nrx;

	if (!nic_check_interface(&s->nic))
		return;
	c->ifindex = s->nic.ifindex;
	nrx = nic_check_queue(&s->nic, &w);
	nic_check_data_split(&s->nic);
	nic_check_steering(&s->nic, &w, nrx);
}

/*
 * Everything the sink checks before it registers. Returns false when it
 * must not: a problem, without -f (or -f without an interface).
 */
bool run_checks(struct sink *s)
{
	const struct config *c = &s->cfg;
	int n;

	if (!check_quiet && c->nodev)
		fprintf(stderr, PROG ": checking a no-device instance for port %u\n",
			c->port);
	else if (!check_quiet)
		fprintf(stderr, PROG ": checking %s queue %lld for port %u\n",
			c->ifname, c->queue, c->port);
	check_kernel(s);
	check_privileges(s);
	check_area(s);
	if (!c->nodev)
		check_nic(s);
	n = check_problems;
	if (n && (!c->force || (!c->ifindex && !c->nodev))) {
		fprintf(stderr, PROG ": %d problem%s: fix %s, or pass -f to register anyway\n",
			n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
		return false;
	}
	if (n)
		fprintf(stderr, PROG ": %d problem%s, registering anyway (-f)\n",
			n, n == 1 ? "" : "s");
	return true;
}
