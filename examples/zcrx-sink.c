// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: a TCP server that receives with io_uring zero-copy receive.
 *
 * It takes over one rx queue of a NIC through a zcrx instance, accepts
 * connections on a port whose flows the NIC steers to that queue, reads
 * every connection with IORING_OP_RECV_ZC, optionally checks the bytes
 * against the stream pattern of tests/lib/pattern.h, hands every buffer
 * back through the refill ring, and reports throughput.
 *
 * The sink changes nothing on the NIC. Before it registers, it checks what
 * zero-copy receive needs (capability, kernel support and features, the
 * queue, header split, flow steering) and prints the command that fixes
 * each problem. With --nodev it takes no NIC queue at all: the kernel
 * copies every byte into the area, so the interface can be tried anywhere.
 * Documentation/zcrx-sink.md has the full story.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#include <liburing/zcrx.h>

#include "common.h"
#include "pattern.h"

#define RQ_MAX_ENTRIES		32768
#define CQE32_SIZE		32
#define STARVED_NS		10000000000ull	/* no buffer and no data: give up */
#define EXIT_FAIL		1	/* verify failure or error while serving */
#define EXIT_SETUP		2	/* usage, missing prerequisite, setup */

struct config {
	const char *ifname;
	unsigned int ifindex;
	long long queue;		/* -1 until -q */
	unsigned int port;
	const char *addr;
	int family;			/* AF_UNSPEC: IPv6 socket taking v4 too */
	uint64_t area_size;
	unsigned int rx_buf_len;	/* 0: the kernel's default, a page */
	unsigned int rq_entries;	/* 0: one per buffer */
	unsigned int sq_entries;
	unsigned int cq_entries;
	uint64_t budget;		/* 0: multishot until EOF */
	uint64_t max_conns;		/* 0: serve until a signal */
	unsigned int interval;		/* seconds between rate lines, 0 off */
	bool verify, json, quiet, force, hugetlb, user_region;
	bool nodev;			/* --nodev: ZCRX_REG_NODEV, no NIC queue */
	bool dmabuf;			/* --dmabuf: the area is a udmabuf dma-buf */
};

enum conn_end { END_EOF, END_ERROR, END_INTERRUPTED };

struct conn {
	int fd;
	uint64_t id;			/* 1, 2, ... in accept order */
	char peer[64];
	uint64_t bytes;
	uint64_t cqes;
	uint64_t arm_bytes;		/* received by the request in flight */
	uint64_t rearms;		/* budget spent, CQ overflow, no buffer */
	uint64_t t_starved;		/* first "no buffer" end since data, or 0 */
	uint64_t bad;
	int64_t first_bad;
	uint64_t t_first, t_last;
	int err;			/* -errno that ended it, or 0 */
	int family;			/* of the peer: AF_INET (v4-mapped too), AF_INET6 */
};

struct totals {
	uint64_t conns, bytes, cqes, verify_failed, errors, rearms;
	uint64_t t_first, t_last;
};

/* What goes into user_data: a kind in the high half, a slot in the low. */
enum { UD_ACCEPT = 1, UD_RECV, UD_CANCEL, UD_EVENT };
#define UD(kind, slot)	((uint64_t)(kind) << 32 | (uint32_t)(slot))

struct sink {
	struct config cfg;
	struct io_uring ring;
	bool ring_ok;

	/* the zcrx instance */
	void *area;
	size_t area_size;
	size_t area_page;		/* bytes of the pages backing the area */
	bool huge;			/* in huge pages: -H, or -L above a page */
	int dmabuf_fd;			/* --dmabuf: the dma-buf, or -1 */
	unsigned int buf_len;
	unsigned int zcrx_id;
	struct io_uring_zcrx_rq rq;
	unsigned int rq_entries;
	size_t region_size;
	void *user_region;		/* -U: our memory; else the kernel's mmap */
	bool registered;

	/* what the kernel said it can do (IO_URING_QUERY_ZCRX) */
	struct io_uring_query_zcrx caps;
	bool have_caps;
	bool events;			/* registered with events and stats */
	size_t stats_offset;		/* of struct zcrx_stats in the region */
	uint64_t starved;		/* ALLOC_FAIL events */
	uint64_t t_starved;		/* when the last one came, to re-arm */
	bool starve_armed;
	__u32 flushed_tail;		/* --nodev: refill tail last flushed */
	uint64_t copy_refused;		/* --dmabuf: flows that needed a copy */

	/* buffers the refill ring had no room for: 32-byte CQE copies */
	unsigned char *held;
	size_t nr_held, held_cap;

	int lfd;
	int family;			/* of the listening socket */
	uint64_t accepted;
	struct conn **conns;
	size_t nr_slots, open;
	unsigned int inflight;		/* requests whose last CQE is pending */

	struct totals tot;
	struct rusage ru_serve;		/* our CPU time when serving began */
	uint64_t tick_bytes, t_tick;
	bool stopping;
	int status;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* ------------------------------------------------------------------ */
/* usage and options                                                   */

static void usage(FILE *f)
{
	fprintf(f,
"usage: zcrx-sink -i IF -q QUEUE [options]\n"
"       zcrx-sink --nodev [options]\n"
"\n"
"Receive TCP with io_uring zero-copy receive on rx queue QUEUE of IF.\n"
"\n"
"  -i IF        network interface (required)\n"
"  -q QUEUE     rx queue to take over (required)\n"
"  --nodev      no NIC queue: a zcrx instance without a device, into\n"
"               whose area the kernel copies every byte of every\n"
"               connection (try the interface anywhere, over any link)\n"
"  --dmabuf     the area is a dma-buf (udmabuf over a memfd, in huge pages\n"
"               when -L is above a page); the kernel never touches it with\n"
"               the CPU, so flows that need a copy fail: steer them to QUEUE.\n"
"               At most udmabuf's size_limit_mb (64M by default)\n"
"  -p PORT      TCP port to listen on (default 9000)\n"
"  -a ADDR      listen address (default: any)\n"
"  -4, -6       IPv4 only, IPv6 only (default: one IPv6 socket that also\n"
"               takes IPv4 as v4-mapped addresses)\n"
"  -A SIZE      area size (default 64M); k/M/G/T suffixes, powers of 1024\n"
"  -L SIZE      rx buffer length, a power of two >= page size\n"
"               (default: the kernel's, one page); above a page the area\n"
"               is in huge pages, which must be reserved (vm.nr_hugepages)\n"
"  -r N         refill ring entries (default: one per buffer, at most 32768)\n"
"  -S N         submission queue entries (default 64)\n"
"  -C N         completion queue entries (default 4096)\n"
"  -B SIZE      budget mode: each RECV_ZC ends after SIZE bytes and is\n"
"               armed again (default: multishot until EOF)\n"
"  -n N         serve N connections, then exit (default: until SIGINT/SIGTERM)\n"
"  -v           verify every byte against the stream pattern (zcrx-send,\n"
"               pstream send)\n"
"  -I SECONDS   print the receive rate every SECONDS\n"
"  -j           JSON output, one object per line\n"
"  -s           summary only: no per-connection or startup lines\n"
"  -f           register even if the checks find problems\n"
"  -H           back the area with huge pages (MAP_HUGETLB), also for\n"
"               page-sized buffers\n"
"  -U           refill ring in our memory (IORING_MEM_REGION_TYPE_USER)\n"
"               instead of memory the kernel allocates\n"
"  -h           this help\n"
"\n"
"Exit status: 0 all good, 1 a connection failed or did not verify,\n"
"2 bad usage or a missing prerequisite (the sink says which and how to fix it).\n");
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zcrx-sink: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(zcrx-sink -h for help)\n");
	exit(EXIT_SETUP);
}

static unsigned int opt_uint(int opt, const char *arg, unsigned int min,
			     unsigned int max)
{
	long long v = parse_uint(arg);

	if (v < min || v > max)
		usage_error("-%c wants a number from %u to %u, not '%s'",
			    opt, min, max, arg);
	return (unsigned int)v;
}

static uint64_t opt_size(int opt, const char *arg)
{
	uint64_t v;

	if (parse_size(arg, &v))
		usage_error("-%c wants a size like 4096, 64k, 16M or 1G, not '%s'",
			    opt, arg);
	return v;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static void parse_options(struct config *c, int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	bool v4 = false, v6 = false, sq_given = false;
	static const struct option longopts[] = {
		{ "nodev", no_argument, NULL, 'N' },
		{ "dmabuf", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t v;
	int opt;

	*c = (struct config){
		.queue = -1,
		.port = 9000,
		.area_size = 64ull << 20,
		.sq_entries = 64,
		.cq_entries = 4096,
	};
	while ((opt = getopt_long(argc, argv, "i:q:p:a:46A:L:r:S:C:B:n:vI:jsfHUh",
				  longopts, NULL)) != -1) {
		switch (opt) {
		case 'i': c->ifname = optarg; break;
		case 'q': c->queue = opt_uint(opt, optarg, 0, 0xffff); break;
		case 'p': c->port = opt_uint(opt, optarg, 1, 65535); break;
		case 'a': c->addr = optarg; break;
		case '4': v4 = true; break;
		case '6': v6 = true; break;
		case 'A': c->area_size = opt_size(opt, optarg); break;
		case 'L':
			v = opt_size(opt, optarg);
			if (!is_pow2(v) || v < (uint64_t)page || v > (1u << 31))
				usage_error("-L wants a power of two from the page size (%ld) up, not '%s'",
					    page, optarg);
			c->rx_buf_len = (unsigned int)v;
			break;
		case 'r': c->rq_entries = opt_uint(opt, optarg, 1, RQ_MAX_ENTRIES); break;
		case 'S':
			c->sq_entries = opt_uint(opt, optarg, 1, 32768);
			sq_given = true;
			break;
		case 'C': c->cq_entries = opt_uint(opt, optarg, 1, 1u << 20); break;
		case 'B':
			c->budget = opt_size(opt, optarg);
			/* a u32 read limit, every value valid (ABI rev. 2) */
			if (!c->budget || c->budget > UINT32_MAX)
				usage_error("-B wants a budget from 1 byte to 4G - 1");
			break;
		case 'n':
			if (parse_size(optarg, &c->max_conns) || !c->max_conns)
				usage_error("-n wants a connection count >= 1, not '%s'", optarg);
			break;
		case 'v': c->verify = true; break;
		case 'I': c->interval = opt_uint(opt, optarg, 1, 86400); break;
		case 'j': c->json = true; break;
		case 's': c->quiet = true; break;
		case 'f': c->force = true; break;
		case 'H': c->hugetlb = true; break;
		case 'U': c->user_region = true; break;
		case 'N': c->nodev = true; break;
		case 'D': c->dmabuf = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_SETUP);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (c->dmabuf) {
		if (c->nodev)
			usage_error("--dmabuf and --nodev exclude each other: an instance without a device copies every byte, and a dma-buf area cannot take copies");
		if (c->hugetlb)
			usage_error("-H is for areas in our own memory: --dmabuf's memfd is in huge pages whenever -L is above a page");
		if (c->rx_buf_len > LIBURING_ZCRX_HUGE_PAGE_SIZE)
			usage_error("--dmabuf takes -L up to %uM: its memfd is in huge pages of that size, and a buffer must lie in one",
				    LIBURING_ZCRX_HUGE_PAGE_SIZE >> 20);
	}
	if (c->nodev) {
		if (c->ifname || c->queue >= 0)
			usage_error("--nodev takes no -i or -q: it uses no device");
		/* The kernel copies into page-sized buffers only. */
		if (c->rx_buf_len && c->rx_buf_len != (unsigned int)page)
			usage_error("--nodev copies into page-sized buffers: -L must be %ld or absent",
				    page);
	} else {
		if (!c->ifname)
			usage_error("-i IF is required: the interface whose queue receives (or --nodev)");
		if (c->queue < 0)
			usage_error("-q QUEUE is required: the rx queue to take over");
		if (strlen(c->ifname) >= IFNAMSIZ)
			usage_error("interface name '%s' is too long", c->ifname);
	}
	if (v4 && v6)
		usage_error("-4 and -6 exclude each other; give neither for both");
	c->family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
	if (c->addr) {
		struct in6_addr a6;
		struct in_addr a4;

		if (inet_pton(AF_INET, c->addr, &a4) == 1) {
			if (v6)
				usage_error("-6 with the IPv4 address %s", c->addr);
			c->family = AF_INET;
		} else if (inet_pton(AF_INET6, c->addr, &a6) == 1) {
			if (v4)
				usage_error("-4 with the IPv6 address %s", c->addr);
			/* Only the any address can also take IPv4. */
			if (!IN6_IS_ADDR_UNSPECIFIED(&a6))
				c->family = AF_INET6;
		} else {
			usage_error("-a wants a numeric IPv4 or IPv6 address, not '%s'",
				    c->addr);
		}
	}
	if (!c->area_size)
		usage_error("-A wants a non-zero area size");
	/* The kernel wants at least as many CQ entries as SQ entries. */
	if (c->cq_entries < c->sq_entries) {
		if (sq_given)
			usage_error("-C %u is smaller than -S %u", c->cq_entries,
				    c->sq_entries);
		c->sq_entries = c->cq_entries;
	}
}

/* ------------------------------------------------------------------ */
/* checks before registering                                           */

static int problems;
static bool checks_quiet;

static void check_line(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "  %-5s ", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void check_ok(const char *fmt, ...)
{
	va_list ap;

	if (checks_quiet)
		return;
	va_start(ap, fmt);
	check_line("ok", fmt, ap);
	va_end(ap);
}

static void check_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_line("warn", fmt, ap);
	va_end(ap);
}

static void check_fail(const char *fmt, ...)
{
	va_list ap;

	problems++;
	va_start(ap, fmt);
	check_line("FAIL", fmt, ap);
	va_end(ap);
}

/* A continuation of the line above: an explanation or "fix: COMMAND". */
static void check_more(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_line("", fmt, ap);
	va_end(ap);
}

/* ---- huge pages: the pool an area of huge pages comes from ---- */

/* The default huge page size (MAP_HUGETLB without a size), in bytes. */
static size_t hugepage_size(void)
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

struct hugepool {
	size_t page;			/* bytes of one huge page */
	long total, free, resv, surplus, overcommit;
};

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
static int hugepool_get(size_t page, struct hugepool *h)
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
static long hugepool_available(const struct hugepool *h)
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
static void hugepool_fix(const struct hugepool *h, long needed, char *buf,
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
		check_more("fix: run as root (sudo), or: setcap cap_net_admin,cap_ipc_lock+ep zcrx-sink");
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

/* ---- udmabuf: where --dmabuf gets its dma-buf ---- */

#define UDMABUF_DEV		"/dev/udmabuf"
#define UDMABUF_LIMIT		"/sys/module/udmabuf/parameters/size_limit_mb"
#define UDMABUF_LIMIT_MB	64	/* the module parameter's default */

/* udmabuf's size_limit_mb, the most MiB one dma-buf may have, or -1. */
static long udmabuf_limit_mb(void)
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

static int ethtool_fd = -1;

static int ethtool_ioctl(const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = data;
	return ioctl(ethtool_fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* Rx queues of the interface as sysfs lists them, or -1. */
static int sysfs_rx_queues(const char *ifname)
{
	char path[64 + IFNAMSIZ];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "rx-", 3))
			n++;
	closedir(dir);
	return n;
}

/* Returns the number of rx queues, or 0 when unknown. */
static unsigned int check_queue(const struct config *c)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	const char *ifn = c->ifname;
	unsigned int q = (unsigned int)c->queue, nrx, max;
	int err, n;

	err = ethtool_ioctl(ifn, &ch);
	if (!err) {
		nrx = ch.combined_count + ch.rx_count;
		max = ch.max_combined + ch.max_rx;
	} else {
		n = sysfs_rx_queues(ifn);
		if (n <= 0) {
			check_warn("cannot count the rx queues of %s: %s", ifn,
				   strerror(-err));
			return 0;
		}
		nrx = (unsigned int)n;
		max = 0;
	}
	if (q < nrx) {
		check_ok("queue %u exists (%s has %u rx queue%s)", q, ifn, nrx,
			 nrx == 1 ? "" : "s");
		return nrx;
	}
	if (nrx == 1)
		check_fail("queue %u does not exist: %s has one rx queue, queue 0",
			   q, ifn);
	else
		check_fail("queue %u does not exist: %s has %u rx queues, 0 to %u",
			   q, ifn, nrx, nrx - 1);
	if (err)
		check_more("%s does not report channels (%s), so its queue count cannot be changed with ethtool -L",
			   ifn, strerror(-err));
	else if (q < ch.max_combined)
		check_more("fix: ethtool -L %s combined %u", ifn, q + 1);
	else if (q < ch.max_rx)
		check_more("fix: ethtool -L %s rx %u", ifn, q + 1);
	else
		check_more("%s can have at most %u rx queue%s: pick a -q below %u",
			   ifn, max, max == 1 ? "" : "s", max);
	return nrx;
}

/* ---- ethtool over generic netlink: the tcp-data-split setting ---- */

struct nlbuf {
	union {
		struct nlmsghdr n;
		char b[512];
	};
};

static struct nlattr *nla_put(struct nlmsghdr *n, size_t cap, uint16_t type,
			      const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(n->nlmsg_len);
	struct nlattr *a = (struct nlattr *)((char *)n + at);

	if (at + NLA_ALIGN(NLA_HDRLEN + len) > cap)
		return NULL;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	n->nlmsg_len = (uint32_t)(at + NLA_ALIGN(a->nla_len));
	return a;
}

/* The first attribute TYPE at the top level of a generic netlink message. */
static const struct nlattr *genl_attr(const struct nlmsghdr *n, uint16_t type)
{
	const char *p = (const char *)NLMSG_DATA(n) + GENL_HDRLEN;
	const char *end = (const char *)n + n->nlmsg_len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static void genl_init(struct nlbuf *m, uint16_t family, uint8_t cmd,
		      uint8_t version)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->n.nlmsg_type = family;
	m->n.nlmsg_flags = NLM_F_REQUEST;
	g = NLMSG_DATA(&m->n);
	g->cmd = cmd;
	g->version = version;
}

/*
 * Send REQ, wait for the answer to it. Returns the reply message inside
 * BUF, or NULL with errno set from the kernel's error.
 */
static const struct nlmsghdr *genl_call(int fd, struct nlbuf *req, char *buf,
					size_t cap)
{
	static uint32_t seq;
	ssize_t len;

	req->n.nlmsg_seq = ++seq;
	if (send(fd, &req->n, req->n.nlmsg_len, 0) < 0)
		return NULL;
	for (;;) {
		const struct nlmsghdr *n = (const struct nlmsghdr *)buf;

		len = recv(fd, buf, cap, 0);
		if (len < 0)
			return NULL;
		for (; NLMSG_OK(n, len); n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_seq != seq)
				continue;
			if (n->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(n);

				errno = e->error ? -e->error : ENODATA;
				return NULL;
			}
			return n;
		}
	}
}

/*
 * ETHTOOL_A_RINGS_TCP_DATA_SPLIT of the interface: 0 and *value set
 * (ETHTOOL_TCP_DATA_SPLIT_*, or -1 when the driver leaves the attribute
 * out), or -errno. *where says which step failed.
 */
static int get_tcp_data_split(unsigned int ifindex, int *value,
			      const char **where)
{
	static char buf[16384];
	const struct nlmsghdr *rep;
	const struct nlattr *a;
	struct nlattr *nest;
	struct nlbuf m;
	uint16_t family;
	int fd, err = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		*where = "netlink socket";
		return -errno;
	}

	genl_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nla_put(&m.n, sizeof(m), CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME,
		sizeof(ETHTOOL_GENL_NAME));
	rep = genl_call(fd, &m, buf, sizeof(buf));
	a = rep ? genl_attr(rep, CTRL_ATTR_FAMILY_ID) : NULL;
	if (!a) {
		*where = "ethtool netlink family";
		err = rep ? -ENOENT : -errno;
		goto out;
	}
	memcpy(&family, (const char *)a + NLA_HDRLEN, sizeof(family));

	genl_init(&m, family, ETHTOOL_MSG_RINGS_GET, ETHTOOL_GENL_VERSION);
	nest = nla_put(&m.n, sizeof(m), ETHTOOL_A_RINGS_HEADER | NLA_F_NESTED,
		       NULL, 0);
	nla_put(&m.n, sizeof(m), ETHTOOL_A_HEADER_DEV_INDEX, &ifindex,
		sizeof(ifindex));
	nest->nla_len = (uint16_t)((char *)&m.n + m.n.nlmsg_len - (char *)nest);
	rep = genl_call(fd, &m, buf, sizeof(buf));
	if (!rep) {
		*where = "ethtool rings-get";
		err = -errno;
		goto out;
	}
	a = genl_attr(rep, ETHTOOL_A_RINGS_TCP_DATA_SPLIT);
	*value = a ? *((const uint8_t *)a + NLA_HDRLEN) : -1;
out:
	close(fd);
	return err;
}

static void check_data_split(const struct config *c)
{
	const char *ifn = c->ifname, *where = "";
	int value = -1, err;

	err = get_tcp_data_split(c->ifindex, &value, &where);
	if (err == -EOPNOTSUPP) {
		check_fail("%s cannot report ring parameters, so it has no tcp-data-split: it cannot put headers and payload in separate buffers",
			   ifn);
		check_more("zero-copy receive needs a NIC (or loopnic) whose driver does header/data split");
		return;
	}
	if (err) {
		check_warn("cannot read tcp-data-split of %s (%s: %s); registration will tell",
			   ifn, where, strerror(-err));
		return;
	}
	switch (value) {
	case ETHTOOL_TCP_DATA_SPLIT_ENABLED:
		check_ok("tcp-data-split is on");
		return;
	case ETHTOOL_TCP_DATA_SPLIT_DISABLED:
		check_fail("tcp-data-split is off on %s: payload must land in buffers of its own, apart from the headers",
			   ifn);
		check_more("fix: ethtool -G %s tcp-data-split on", ifn);
		check_more("(ethtool 6.1 of Debian 12 lacks that option; from the kernel tree use");
		check_more(" python3 tools/net/ynl/cli.py --no-schema --spec Documentation/netlink/specs/ethtool.yaml \\");
		check_more("   --do rings-set --json '{\"header\": {\"dev-name\": \"%s\"}, \"tcp-data-split\": 2}')",
			   ifn);
		return;
	default:
		check_fail("%s does not support tcp-data-split (it reports %s): its driver cannot split headers from payload",
			   ifn, value < 0 ? "nothing" : "unknown");
		check_more("zero-copy receive needs a NIC (or loopnic) whose driver does header/data split");
	}
}

/* ---- flow steering: ntuple rules and the RSS indirection table ---- */

enum verdict { V_NONE, V_OK, V_OTHER_QUEUE, V_DISCARD, V_RSS_CONTEXT };

struct steer {
	enum verdict v;
	uint32_t loc;
	uint64_t queue;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool rule_matches(const struct ethtool_rx_flow_spec *fs,
			 uint32_t flow, uint16_t port)
{
	uint32_t type = fs->flow_type & ~(FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS);
	uint16_t val, mask;

	if (type != flow)
		return false;
	if (flow == TCP_V4_FLOW) {
		val = fs->h_u.tcp_ip4_spec.pdst;
		mask = fs->m_u.tcp_ip4_spec.pdst;
	} else {
		val = fs->h_u.tcp_ip6_spec.pdst;
		mask = fs->m_u.tcp_ip6_spec.pdst;
	}
	/* m_u has the bits that must match; a zero mask matches any port. */
	return !((val ^ htons(port)) & mask);
}

/*
 * What the rule table does with TCP to PORT of FLOW (TCP_V4_FLOW or
 * TCP_V6_FLOW): the lowest numbered matching rule decides, as loopnic and
 * most NICs do. Returns -errno if the table cannot be read.
 */
static int ntuple_verdict(const struct config *c, uint32_t flow,
			  struct steer *out)
{
	struct ethtool_rxnfc cnt = { .cmd = ETHTOOL_GRXCLSRLCNT };
	struct ethtool_rxnfc *all;
	uint32_t i, n;
	int err;

	*out = (struct steer){ .v = V_NONE };
	err = ethtool_ioctl(c->ifname, &cnt);
	if (err)
		return err;
	n = cnt.rule_cnt;
	if (!n)
		return 0;
	all = calloc(1, sizeof(*all) + n * sizeof(all->rule_locs[0]));
	if (!all)
		return -ENOMEM;
	all->cmd = ETHTOOL_GRXCLSRLALL;
	all->rule_cnt = n;
	err = ethtool_ioctl(c->ifname, all);
	if (err)
		goto out;
	n = all->rule_cnt < n ? all->rule_cnt : n;
	qsort(all->rule_locs, n, sizeof(all->rule_locs[0]), cmp_u32);
	for (i = 0; i < n; i++) {
		struct ethtool_rxnfc r = { .cmd = ETHTOOL_GRXCLSRULE };
		uint64_t cookie;

		r.fs.location = all->rule_locs[i];
		if (ethtool_ioctl(c->ifname, &r) ||
		    !rule_matches(&r.fs, flow, (uint16_t)c->port))
			continue;
		cookie = r.fs.ring_cookie;
		out->loc = r.fs.location;
		out->queue = ethtool_get_flow_spec_ring(cookie);
		if (cookie == RX_CLS_FLOW_DISC)
			out->v = V_DISCARD;
		else if (r.fs.flow_type & FLOW_RSS)
			out->v = V_RSS_CONTEXT;
		else if (ethtool_get_flow_spec_ring_vf(cookie) ||
			 out->queue != (uint64_t)c->queue)
			out->v = V_OTHER_QUEUE;
		else
			out->v = V_OK;
		break;
	}
out:
	free(all);
	return err;
}

/*
 * The RSS indirection table: sets *all_q when every entry is QUEUE (all
 * flows land there) and *has_q when any is. -errno if it cannot be read.
 */
static int rss_table(const struct config *c, bool *all_q, bool *has_q)
{
	struct ethtool_rxfh_indir hdr = { .cmd = ETHTOOL_GRXFHINDIR };
	struct ethtool_rxfh_indir *t;
	uint32_t i;
	int err;

	*all_q = *has_q = false;
	err = ethtool_ioctl(c->ifname, &hdr);
	if (err)
		return err;
	if (!hdr.size)
		return -ENODATA;
	t = calloc(1, sizeof(*t) + hdr.size * sizeof(t->ring_index[0]));
	if (!t)
		return -ENOMEM;
	t->cmd = ETHTOOL_GRXFHINDIR;
	t->size = hdr.size;
	err = ethtool_ioctl(c->ifname, t);
	if (!err) {
		*all_q = true;
		for (i = 0; i < t->size; i++) {
			if (t->ring_index[i] == (uint32_t)c->queue)
				*has_q = true;
			else
				*all_q = false;
		}
	}
	free(t);
	return err;
}

static bool ntuple_enabled(const char *ifname)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };

	return ethtool_ioctl(ifname, &v) || (v.data & ETH_FLAG_NTUPLE);
}

/*
 * An ethtool -X command for NRX queues: weight 1 on QUEUE only (ONLY_Q) or
 * on every queue but QUEUE.
 */
static void print_weights(const struct config *c, unsigned int nrx,
			  bool only_q, const char *prefix)
{
	char cmd[512];
	size_t len;
	unsigned int i;

	if (!nrx)
		return;
	len = (size_t)snprintf(cmd, sizeof(cmd), "%sethtool -X %s weight",
			       prefix, c->ifname);
	for (i = 0; i < nrx && len < sizeof(cmd); i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %d",
					(i == (unsigned int)c->queue) == only_q);
	check_more("%s", cmd);
}

static void check_steering(const struct config *c, int family,
			   unsigned int nrx)
{
	static const struct {
		int family;
		uint32_t flow;
		const char *name;
	} fam[] = {
		{ AF_INET, TCP_V4_FLOW, "tcp4" },
		{ AF_INET6, TCP_V6_FLOW, "tcp6" },
	};
	const char *ifn = c->ifname;
	unsigned int q = (unsigned int)c->queue, p = c->port, i;
	bool all_q = false, has_q = false, missing[2] = {}, want[2];
	struct steer s[2];
	int err, rss_err, nwant = 0, nmissing = 0;

	/* Steering to a queue that does not exist: the queue check said it. */
	if (nrx && q >= nrx)
		return;
	if (nrx == 1) {
		check_ok("%s has a single rx queue: every flow arrives on queue 0",
			 ifn);
		check_warn("every other flow on %s lands on queue 0 too: payload of other sockets goes to the area, where they cannot read it",
			   ifn);
		return;
	}
	rss_err = rss_table(c, &all_q, &has_q);
	if (!rss_err && all_q) {
		check_ok("RSS sends every flow to queue %u", q);
		return;
	}

	want[0] = family != AF_INET6;
	want[1] = family == AF_INET6 || family == AF_UNSPEC;
	for (i = 0; i < 2; i++) {
		if (!want[i])
			continue;
		nwant++;
		err = ntuple_verdict(c, fam[i].flow, &s[i]);
		if (err) {
			check_fail("%s has no ntuple filters (%s): nothing can steer port %u to queue %u",
				   ifn, strerror(-err), p, q);
			check_more("flows would land on whatever queue RSS picks and be copied, if they reach queue %u at all",
				   q);
			if (!rss_err) {
				check_more("alternative: let RSS send every flow to queue %u:",
					   q);
				print_weights(c, nrx, true, "fix: ");
			}
			return;
		}
		switch (s[i].v) {
		case V_OK:
			check_ok("ntuple rule %u steers %s port %u to queue %u",
				 s[i].loc, fam[i].name, p, q);
			break;
		case V_NONE:
			missing[i] = true;
			nmissing++;
			break;
		case V_DISCARD:
			check_fail("ntuple rule %u discards %s port %u", s[i].loc,
				   fam[i].name, p);
			check_more("fix: ethtool -N %s delete %u; ethtool -N %s flow-type %s dst-port %u action %u",
				   ifn, s[i].loc, ifn, fam[i].name, p, q);
			break;
		case V_RSS_CONTEXT:
		case V_OTHER_QUEUE:
			check_fail("ntuple rule %u steers %s port %u to %s %" PRIu64 ", not queue %u",
				   s[i].loc, fam[i].name, p,
				   s[i].v == V_OTHER_QUEUE ? "queue" : "RSS context of queue",
				   s[i].queue, q);
			check_more("fix: ethtool -N %s delete %u; ethtool -N %s flow-type %s dst-port %u action %u",
				   ifn, s[i].loc, ifn, fam[i].name, p, q);
			break;
		}
	}

	if (nmissing) {
		bool partial = nmissing < nwant;

		/* Listening on both, one family steered: the other is copied. */
		if (partial)
			check_warn("no ntuple rule steers %s port %u to queue %u: such clients %s",
				   missing[0] ? "tcp4" : "tcp6", p, q,
				   c->dmabuf ? "fail, since a dma-buf area cannot take the copy they need" :
				   "are received by copy");
		else
			check_fail("no ntuple rule steers TCP port %u to queue %u: the flows would land on other queues and %s",
				   p, q, c->dmabuf ? "fail (a dma-buf area cannot take copies)" :
				   "be copied");
		if (!ntuple_enabled(ifn))
			check_more("fix: ethtool -K %s ntuple on", ifn);
		for (i = 0; i < 2; i++)
			if (missing[i])
				check_more("fix: ethtool -N %s flow-type %s dst-port %u action %u",
					   ifn, fam[i].name, p, q);
	}

	/* Other flows that RSS puts on our queue get unreadable payload. */
	if (has_q) {
		check_warn("RSS also spreads other flows over queue %u: their payload would land in the area, where their sockets cannot read it",
			   q);
		print_weights(c, nrx, false, "fix: ");
	}
}

static void check_interface(struct config *c)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;

	c->ifindex = if_nametoindex(c->ifname);
	if (!c->ifindex) {
		check_fail("no interface %s in this network namespace", c->ifname);
		check_more("see: ip -br link");
		return;
	}
	if (!ethtool_ioctl(c->ifname, &di))
		check_ok("%s: index %u, driver %s%s%s", c->ifname, c->ifindex,
			 di.driver, di.bus_info[0] ? ", bus " : "", di.bus_info);
	else
		check_ok("%s: index %u", c->ifname, c->ifindex);

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, c->ifname, IFNAMSIZ - 1);
	if (ioctl(ethtool_fd, SIOCGIFFLAGS, &ifr))
		check_warn("cannot read the flags of %s: %s", c->ifname,
			   strerror(errno));
	else if (!(ifr.ifr_flags & IFF_UP)) {
		check_fail("%s is down: its queues are not running", c->ifname);
		check_more("fix: ip link set %s up", c->ifname);
	} else if (!(ifr.ifr_flags & IFF_RUNNING)) {
		check_warn("%s is up but has no carrier: nothing will arrive yet",
			   c->ifname);
	}
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
	if (lacks[0] && !checks_quiet)
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

/* ------------------------------------------------------------------ */
/* setup                                                               */

static void explain_ring_error(int err)
{
	fprintf(stderr, "zcrx-sink: cannot create the io_uring: %s\n",
		strerror(-err));
	switch (-err) {
	case EPERM:
		fprintf(stderr, "  io_uring is disabled for this process: see sysctl kernel.io_uring_disabled, or a seccomp filter\n");
		break;
	case EINVAL:
		fprintf(stderr, "  the kernel lacks IORING_SETUP_DEFER_TASKRUN or CQE32 (Linux 6.1+), or -S/-C are too big\n");
		break;
	case ENOSYS:
		fprintf(stderr, "  the kernel is built without io_uring\n");
		break;
	case ENOMEM:
		fprintf(stderr, "  out of memory, or the rings exceed the locked-memory limit (ulimit -l)\n");
		break;
	}
}

/* Registration errno -> the likely cause, in words. */
static void explain_register_error(const struct sink *s, int err)
{
	const struct config *c = &s->cfg;
	const char *ifn = c->ifname;
	unsigned int q = (unsigned int)c->queue;

	if (c->nodev)
		fprintf(stderr, "zcrx-sink: registering a no-device instance failed: %s (%s)\n",
			strerror(-err), strerrorname_np(-err) ?: "?");
	else
		fprintf(stderr, "zcrx-sink: registering queue %u of %s failed: %s (%s)\n",
			q, ifn, strerror(-err), strerrorname_np(-err) ?: "?");
	fprintf(stderr, "  likely: ");
	switch (-err) {
	case EPERM:
		fprintf(stderr, "we lack CAP_NET_ADMIN in the network namespace of %s; run as root there.\n",
			ifn);
		break;
	case EINVAL:
		if (c->nodev) {
			fprintf(stderr, "the kernel refused a no-device instance: a kernel without\n"
				"  ZCRX_REG_NODEV or events, or a refill ring or area it refused.\n");
			break;
		}
		fprintf(stderr, "tcp-data-split is off on %s (see the checks above), or the\n"
			"  kernel refused a parameter: -r %u refill entries, -L %u, area of %zu bytes.\n"
			"  A kernel without zcrx also answers EINVAL to the registration%s.\n",
			ifn, s->rq_entries, c->rx_buf_len, s->area_size,
			c->dmabuf ? ", and one\n  without dma-buf areas to --dmabuf" : "");
		break;
	case EOPNOTSUPP:
		fprintf(stderr, "the driver of %s cannot restart a single rx queue with a memory\n"
			"  provider (no queue management ops), so it cannot do zero-copy receive%s%s.\n",
			ifn, c->rx_buf_len ? ", or it does not take -L buffer lengths" : "",
			c->dmabuf ? ",\n  or it has no DMA device to map the dma-buf for" : "");
		break;
	case EBADF:
		fprintf(stderr, "the kernel did not take the area's fd for a dma-buf (a bug in zcrx-sink).\n");
		break;
	case ERANGE:
		fprintf(stderr, "queue %u is beyond the rx queues of %s (ethtool -l %s)", q,
			ifn, ifn);
		if (c->dmabuf && s->buf_len > sysconf(_SC_PAGESIZE))
			fprintf(stderr, ", or -L %u is larger than the dma-buf's\n"
				"  DMA-contiguous runs", s->buf_len);
		else if (s->buf_len > s->area_page)
			fprintf(stderr, ", or -L %u is larger than the area's\n"
				"  contiguous runs (its pages of %zu KiB)", s->buf_len,
				s->area_page >> 10);
		fprintf(stderr, ".\n");
		break;
	case EEXIST:
	case EBUSY:
		fprintf(stderr, "queue %u of %s is taken: another zcrx instance or a devmem binding\n"
			"  holds it, or an XDP program is attached to %s.\n", q, ifn, ifn);
		break;
	case ENODEV:
		fprintf(stderr, "%s went away or lives in another network namespace.\n", ifn);
		break;
	case ENOMEM:
		if (c->dmabuf)
			fprintf(stderr, "the refill ring exceeds the locked-memory limit (ulimit -l),\n"
				"  or the kernel is out of memory.\n");
		else
			fprintf(stderr, "the pinned area (%zu KiB) exceeds the locked-memory limit (ulimit -l),\n"
				"  or the kernel is out of memory.\n", s->area_size >> 10);
		break;
	case EFAULT:
		fprintf(stderr, "the area or the parameters are not writable memory (a bug in zcrx-sink).\n");
		break;
	case EOVERFLOW:
		fprintf(stderr, "the area (%zu KiB) is more than the kernel can track: a smaller -A.\n",
			s->area_size >> 10);
		break;
	default:
		fprintf(stderr, "nothing specific known for this error; see dmesg.\n");
	}
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static unsigned int pow2_at_least(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* The area's huge pages could not be had: how many to reserve, and how. */
static void explain_hugepages(const struct sink *s)
{
	long needed = (long)(s->area_size / s->area_page);
	struct hugepool h;
	char fix[160];

	if (hugepool_get(s->area_page, &h)) {
		fprintf(stderr, "  the kernel has no huge pages of %zu KiB (no hugetlbfs)\n",
			s->area_page >> 10);
		return;
	}
	fprintf(stderr, "  the area needs %ld huge pages of %zu KiB, %ld are available (vm.nr_hugepages %ld)\n",
		needed, s->area_page >> 10, hugepool_available(&h), h.total);
	hugepool_fix(&h, needed, fix, sizeof(fix));
	fprintf(stderr, "  fix: %s, or a smaller -A\n", fix);
}

/* Sizes of the area and refill ring; needed by the checks already. */
static void size_zcrx(struct sink *s)
{
	const struct config *c = &s->cfg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), align;
	unsigned int buf = c->rx_buf_len ? c->rx_buf_len : (unsigned int)page;
	unsigned int n;

	/*
	 * A buffer must lie in one physically contiguous run: above a page
	 * only huge pages make runs that long.
	 */
	s->huge = c->hugetlb || buf > page;
	if (!s->huge)
		s->area_page = page;
	else if (c->dmabuf)	/* liburing-zcrx's memfd: 2 MiB pages */
		s->area_page = LIBURING_ZCRX_HUGE_PAGE_SIZE;
	else
		s->area_page = hugepage_size();
	align = s->area_page < buf ? buf : s->area_page;
	s->area_size = round_up(c->area_size, align);
	s->buf_len = buf;
	n = c->rq_entries ? c->rq_entries :
		io_uring_zcrx_rq_entries(s->area_size, buf);
	if (!n)
		n = 1;
	if (n > RQ_MAX_ENTRIES)
		n = RQ_MAX_ENTRIES;
	/* The kernel rounds up; the region must hold the rounded ring. */
	s->rq_entries = pow2_at_least(n);
	s->region_size = io_uring_zcrx_rq_region_size(s->rq_entries);
}

static int setup_ring(struct sink *s)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			 IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE,
		.cq_entries = s->cfg.cq_entries,
	};
	int ret;

	ret = io_uring_queue_init_params(s->cfg.sq_entries, &s->ring, &p);
	if (ret) {
		explain_ring_error(ret);
		return ret;
	}
	s->ring_ok = true;
	return 0;
}

/* The area in our own memory: anonymous, in huge pages if it must be. */
static int setup_memory_area(struct sink *s,
			     struct io_uring_zcrx_area_reg *area_reg)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, ret;

	if (s->huge)
		flags |= MAP_HUGETLB;
	s->area = mmap(NULL, s->area_size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (s->area == MAP_FAILED) {
		ret = -errno;
		s->area = NULL;
		fprintf(stderr, "zcrx-sink: cannot map a %zu KiB area%s: %s\n",
			s->area_size >> 10, s->huge ? " of huge pages" : "",
			strerror(-ret));
		if (s->huge)
			explain_hugepages(s);
		return ret;
	}
	memset(area_reg, 0, sizeof(*area_reg));
	area_reg->addr = (uintptr_t)s->area;
	area_reg->len = s->area_size;
	return 0;
}

static void explain_udmabuf_error(const struct sink *s, int err)
{
	long mb = udmabuf_limit_mb();

	fprintf(stderr, "zcrx-sink: cannot make a %zu KiB dma-buf with udmabuf: %s\n",
		s->area_size >> 10, strerror(-err));
	switch (-err) {
	case ENOENT:
		fprintf(stderr, "  no %s: the kernel lacks CONFIG_UDMABUF, or the module is not loaded\n"
			"  fix: modprobe udmabuf\n", UDMABUF_DEV);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "  %s is not open to us: run as root, or give this user read and write access to it\n",
			UDMABUF_DEV);
		break;
	case EINVAL:
		if (mb < 0)
			mb = UDMABUF_LIMIT_MB;
		fprintf(stderr, "  udmabuf refused the size: one dma-buf may have at most size_limit_mb MiB (%ld)\n"
			"  fix: -A %ldM or less, or raise the limit: echo %zu > %s\n",
			mb, mb, (s->area_size + (1u << 20) - 1) >> 20, UDMABUF_LIMIT);
		break;
	case ENOMEM:
		if (s->huge)
			explain_hugepages(s);
		else
			fprintf(stderr, "  out of memory\n");
		break;
	case EOPNOTSUPP:
		fprintf(stderr, "  the kernel has no %zu KiB huge pages (hugetlbfs), which -L above a page needs\n",
			s->area_page >> 10);
		break;
	}
}

/*
 * --dmabuf: the area is a dma-buf that udmabuf makes of a memfd, in huge
 * pages when the buffers are larger than a page. The kernel maps it for
 * the device and never reads or writes it with the CPU; we read what
 * arrived through our own shared mapping of the memfd, never through the
 * dma-buf.
 */
static int setup_dmabuf_area(struct sink *s,
			     struct io_uring_zcrx_area_reg *area_reg)
{
	size_t len = s->area_size;
	void *map;
	int fd, ret;

	fd = io_uring_zcrx_udmabuf_create(&map, &len, s->cfg.rx_buf_len);
	if (fd < 0) {
		explain_udmabuf_error(s, fd);
		return fd;
	}
	s->dmabuf_fd = fd;
	s->area = map;
	s->area_size = len;
	ret = io_uring_zcrx_area_reg_dmabuf(area_reg, fd, s->cfg.rx_buf_len);
	if (ret < 0) {
		fprintf(stderr, "zcrx-sink: cannot describe the dma-buf as an area: %s\n",
			strerror(-ret));
		return ret;
	}
	return 0;
}

static int setup_zcrx(struct sink *s)
{
	const struct config *c = &s->cfg;
	struct io_uring_zcrx_area_reg area_reg;
	struct io_uring_region_desc rd;
	struct io_uring_zcrx_ifq_reg reg;
	struct zcrx_event_desc ev;
	int ret;

	ret = c->dmabuf ? setup_dmabuf_area(s, &area_reg) :
			  setup_memory_area(s, &area_reg);
	if (ret)
		return ret;

	memset(&rd, 0, sizeof(rd));
	rd.size = s->region_size;
	if (c->user_region) {
		s->user_region = mmap(NULL, s->region_size, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->user_region == MAP_FAILED) {
			s->user_region = NULL;
			fprintf(stderr, "zcrx-sink: cannot map the refill ring: %s\n",
				strerror(errno));
			return -errno;
		}
		rd.user_addr = (uintptr_t)s->user_region;
		rd.flags = IORING_MEM_REGION_TYPE_USER;
	}

	memset(&reg, 0, sizeof(reg));
	if (c->nodev) {
		reg.flags = ZCRX_REG_NODEV;
	} else {
		reg.if_idx = c->ifindex;
		reg.if_rxq = (uint32_t)c->queue;
	}
	reg.rq_entries = s->rq_entries;
	reg.area_ptr = (uintptr_t)&area_reg;
	reg.region_ptr = (uintptr_t)&rd;
	reg.rx_buf_len = c->rx_buf_len;
	/*
	 * Statistics tell copied bytes from zero-copy ones, which no CQE can;
	 * ALLOC_FAIL says the NIC found the area empty. Without a device
	 * nothing allocates, so only the statistics.
	 */
	if (s->have_caps && (s->caps.features & ZCRX_FEATURE_EVENT)) {
		s->stats_offset = io_uring_zcrx_stats_offset(s->rq_entries);
		io_uring_zcrx_set_events(&reg, &ev, UD(UD_EVENT, 0),
					 c->nodev ? 0 : 1u << ZCRX_EVENT_ALLOC_FAIL,
					 s->stats_offset);
		s->events = true;
		s->starve_armed = true;
	}

	ret = io_uring_register_ifq(&s->ring, &reg);
	if (ret) {
		explain_register_error(s, ret);
		return ret;
	}
	s->registered = true;
	s->zcrx_id = reg.zcrx_id;
	s->rq_entries = reg.rq_entries;
	if (reg.rx_buf_len)
		s->buf_len = reg.rx_buf_len;

	if (c->user_region)
		ret = io_uring_zcrx_rq_init(&s->rq, &reg, s->user_region);
	else
		ret = io_uring_zcrx_rq_map(&s->ring, &s->rq, &reg, &rd);
	if (ret) {
		fprintf(stderr, "zcrx-sink: cannot map the refill ring: %s\n",
			strerror(-ret));
		return ret;
	}
	return 0;
}

static int setup_socket(struct sink *s)
{
	const struct config *c = &s->cfg;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	int one = 1, zero = 0, fam = c->family == AF_INET ? AF_INET : AF_INET6;
	socklen_t len;

	s->lfd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 && fam == AF_INET6 && c->family == AF_UNSPEC &&
	    errno == EAFNOSUPPORT) {
		/* No IPv6 on this system: serve IPv4 alone. */
		fam = AF_INET;
		s->lfd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (s->lfd < 0) {
		fprintf(stderr, "zcrx-sink: socket: %s\n", strerror(errno));
		return -1;
	}
	s->family = fam == AF_INET ? AF_INET :
		    c->family == AF_INET6 ? AF_INET6 : AF_UNSPEC;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		if (!c->addr || inet_pton(AF_INET, c->addr, &s4->sin_addr) != 1)
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*s4);
	} else {
		setsockopt(s->lfd, IPPROTO_IPV6, IPV6_V6ONLY,
			   s->family == AF_INET6 ? &one : &zero, sizeof(one));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->port);
		if (!c->addr || inet_pton(AF_INET6, c->addr, &s6->sin6_addr) != 1)
			s6->sin6_addr = in6addr_any;
		len = sizeof(*s6);
	}
	if (bind(s->lfd, (struct sockaddr *)&ss, len)) {
		fprintf(stderr, "zcrx-sink: cannot bind port %u: %s%s\n", c->port,
			strerror(errno),
			errno == EADDRINUSE ? " (another server has it: ss -ltnp)" :
			errno == EADDRNOTAVAIL ? " (no interface has that address)" : "");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* output                                                              */

static const char *end_name(enum conn_end e)
{
	return e == END_EOF ? "eof" : e == END_ERROR ? "error" : "interrupted";
}

/*
 * Bytes the kernel delivered by copy rather than in place, or -1 if it
 * does not say. A CQE cannot tell: the copy fallback also lands in area
 * buffers. The kernel counts them in the zcrx_stats we asked for at
 * registration, in the refill region.
 */
static int64_t zcrx_copy_bytes(const struct sink *s)
{
	struct zcrx_stats st;

	if (!s->events || !s->rq.ring_ptr ||
	    io_uring_zcrx_read_stats(&s->rq, s->stats_offset, &st))
		return -1;
	return (int64_t)st.copy_bytes;
}

static const char *area_kind(const struct sink *s)
{
	return s->cfg.dmabuf ? "dmabuf" : "user";
}

static double tv_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/*
 * Our CPU time since serving began, user and system. With DEFER_TASKRUN
 * the kernel's RECV_ZC work runs in our task and counts as system time;
 * the NIC's receive softirq mostly runs elsewhere and is not in here.
 */
static void cpu_seconds(const struct sink *s, double *user, double *sys)
{
	struct rusage ru;

	*user = *sys = 0;
	if (getrusage(RUSAGE_SELF, &ru))
		return;
	*user = tv_seconds(&ru.ru_utime) - tv_seconds(&s->ru_serve.ru_utime);
	*sys = tv_seconds(&ru.ru_stime) - tv_seconds(&s->ru_serve.ru_stime);
}

/* Completions per MiB received: fewer with larger buffers. */
static double cqes_per_mib(uint64_t cqes, uint64_t bytes)
{
	return bytes ? (double)cqes * (1 << 20) / (double)bytes : 0.0;
}

static void print_conn(struct sink *s, const struct conn *cn, enum conn_end e)
{
	const struct config *c = &s->cfg;
	uint64_t ns = cn->t_last - cn->t_first;

	if (c->quiet)
		return;
	if (c->json) {
		printf("{\"event\":\"conn\",\"id\":%" PRIu64 ",\"peer\":", cn->id);
		json_str(stdout, cn->peer);
		printf(",\"bytes\":%" PRIu64 ",\"cqes\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.3f,\"rearms\":%" PRIu64
		       ",\"end\":\"%s\",\"error\":",
		       cn->bytes, cn->cqes, ns / 1e9, gbit_per_s(cn->bytes, ns),
		       cn->rearms, end_name(e));
		if (cn->err)
			json_str(stdout, strerror(-cn->err));
		else
			printf("null");
		if (c->verify)
			printf(",\"verify\":\"%s\",\"bad_bytes\":%" PRIu64
			       ",\"first_bad\":%" PRId64 "}\n",
			       cn->bad ? "fail" : "ok", cn->bad, cn->first_bad);
		else
			printf(",\"verify\":\"off\"}\n");
		return;
	}
	printf("conn %" PRIu64 " %s: %" PRIu64 " bytes in %.3f s, %.2f Gbit/s, %" PRIu64 " cqes",
	       cn->id, cn->peer, cn->bytes, ns / 1e9, gbit_per_s(cn->bytes, ns),
	       cn->cqes);
	if (c->verify) {
		if (cn->bad)
			printf(", verify FAILED: %" PRIu64 " bad bytes, first at offset %" PRId64,
			       cn->bad, cn->first_bad);
		else
			printf(", verify ok");
	}
	if (e == END_ERROR)
		printf(", error: %s\n", strerror(-cn->err));
	else
		printf(", %s\n", end_name(e));
}

static void print_totals(struct sink *s)
{
	const struct config *c = &s->cfg;
	const struct totals *t = &s->tot;
	uint64_t ns = t->t_last - t->t_first;
	int64_t copied = zcrx_copy_bytes(s);
	uint64_t zc = copied < 0 ? t->bytes : t->bytes - (uint64_t)copied;
	double user, sys;

	cpu_seconds(s, &user, &sys);

	if (c->json) {
		printf("{\"event\":\"total\",\"conns\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"zc_bytes\":%" PRIu64 ",\"copy_bytes\":",
		       t->conns, t->bytes, zc);
		if (copied < 0)
			printf("null");
		else
			printf("%" PRId64, copied);
		printf(",\"cqes\":%" PRIu64 ",\"cqes_per_mib\":%.2f,\"seconds\":%.6f"
		       ",\"gbps\":%.3f,\"rearms\":%" PRIu64 ",\"errors\":%" PRIu64
		       ",\"starved\":%" PRIu64 ",\"area_kind\":\"%s\",\"rx_buf_len\":%u"
		       ",\"cpu_user\":%.3f,\"cpu_sys\":%.3f",
		       t->cqes, cqes_per_mib(t->cqes, t->bytes), ns / 1e9,
		       gbit_per_s(t->bytes, ns), t->rearms, t->errors, s->starved,
		       area_kind(s), s->buf_len, user, sys);
		if (c->verify)
			printf(",\"verify\":\"%s\",\"verify_failed\":%" PRIu64 "}\n",
			       t->verify_failed ? "fail" : "ok", t->verify_failed);
		else
			printf(",\"verify\":\"off\"}\n");
		return;
	}
	printf("total: %" PRIu64 " conns, %" PRIu64 " bytes in %.3f s, %.2f Gbit/s, %" PRIu64 " cqes (%.1f per MiB); zero-copy %" PRIu64 ", copied ",
	       t->conns, t->bytes, ns / 1e9, gbit_per_s(t->bytes, ns), t->cqes,
	       cqes_per_mib(t->cqes, t->bytes), zc);
	if (copied < 0)
		printf("n/a");
	else
		printf("%" PRId64, copied);
	printf("; %" PRIu64 " errors", t->errors);
	if (s->starved)
		printf(", %" PRIu64 " buffer starvation warnings", s->starved);
	if (c->verify)
		printf(", %" PRIu64 " failed verify", t->verify_failed);
	printf("; cpu %.2f s user, %.2f s sys\n", user, sys);
}

static void print_ready(struct sink *s)
{
	const struct config *c = &s->cfg;
	const char *fam = s->family == AF_INET ? "ipv4" :
			  s->family == AF_INET6 ? "ipv6" : "ipv4+ipv6";

	if (c->quiet)
		return;
	if (c->json) {
		printf("{\"event\":\"listening\",\"if\":");
		if (c->nodev)
			printf("null");
		else
			json_str(stdout, c->ifname);
		printf(",\"nodev\":%s,\"stats\":%s", c->nodev ? "true" : "false",
		       s->events ? "true" : "false");
		printf(",\"queue\":%lld,\"port\":%u,\"family\":\"%s\",\"zcrx_id\":%u"
		       ",\"area_kind\":\"%s\",\"area_page\":%zu"
		       ",\"area_bytes\":%zu,\"rx_buf_len\":%u,\"rq_entries\":%u"
		       ",\"cq_entries\":%u,\"mode\":\"%s\",\"budget\":%" PRIu64 "}\n",
		       c->queue, c->port, fam, s->zcrx_id, area_kind(s),
		       s->area_page, s->area_size, s->buf_len,
		       s->rq_entries, c->cq_entries,
		       c->budget ? "budget" : "multishot", c->budget);
		return;
	}
	if (c->nodev)
		printf("zcrx-sink: no device (--nodev: the kernel copies every byte)");
	else
		printf("zcrx-sink: %s queue %lld", c->ifname, c->queue);
	printf(", zcrx id %u: area %zu KiB (%s, %zu KiB %spages) in %zu buffers of %u bytes, refill ring %u, CQ %u%s\n",
	       s->zcrx_id, s->area_size >> 10,
	       c->dmabuf ? "dma-buf" : "memory", s->area_page >> 10,
	       s->huge ? "huge " : "", s->area_size / s->buf_len,
	       s->buf_len, s->rq_entries, c->cq_entries,
	       s->events ? ", statistics" : "");
	printf("zcrx-sink: listening on port %u (%s), %s", c->port, fam,
	       c->budget ? "budget mode" : "multishot");
	if (c->budget)
		printf(" %" PRIu64 " bytes per request", c->budget);
	printf("%s\n", c->verify ? ", verifying the pattern" : "");
}

static void print_interval(struct sink *s, uint64_t now)
{
	uint64_t bytes = s->tot.bytes - s->tick_bytes;
	uint64_t ns = now - s->t_tick;

	if (!s->cfg.quiet) {
		if (s->cfg.json)
			printf("{\"event\":\"interval\",\"seconds\":%.3f,\"bytes\":%" PRIu64
			       ",\"gbps\":%.3f,\"open\":%zu}\n",
			       ns / 1e9, bytes, gbit_per_s(bytes, ns), s->open);
		else
			printf("interval: %" PRIu64 " bytes in %.3f s, %.2f Gbit/s, %zu open\n",
			       bytes, ns / 1e9, gbit_per_s(bytes, ns), s->open);
	}
	s->tick_bytes = s->tot.bytes;
	s->t_tick = now;
}

/* ------------------------------------------------------------------ */
/* the refill ring                                                     */

/* Put every held buffer we can into the refill ring. */
static void flush_held(struct sink *s)
{
	while (s->nr_held) {
		const struct io_uring_cqe *cqe = (const struct io_uring_cqe *)
			(s->held + (s->nr_held - 1) * CQE32_SIZE);

		if (!io_uring_zcrx_rq_return(&s->rq, cqe))
			break;
		s->nr_held--;
	}
}

/*
 * Give the buffer of a data CQE back. When the refill ring is full the
 * kernel has plenty to take already; keep a copy of the CQE and return it
 * later, so no buffer is ever lost.
 */
static int return_buffer(struct sink *s, const struct io_uring_cqe *cqe)
{
	if (!s->nr_held && io_uring_zcrx_rq_return(&s->rq, cqe))
		return 0;
	if (s->nr_held == s->held_cap) {
		size_t cap = s->held_cap ? s->held_cap * 2 : 256;
		unsigned char *p = realloc(s->held, cap * CQE32_SIZE);

		if (!p)
			return -ENOMEM;
		s->held = p;
		s->held_cap = cap;
	}
	memcpy(s->held + s->nr_held++ * CQE32_SIZE, cqe, CQE32_SIZE);
	flush_held(s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* connections and completions                                         */

static struct io_uring_sqe *get_sqe(struct sink *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

	if (!sqe) {
		io_uring_submit(&s->ring);
		sqe = io_uring_get_sqe(&s->ring);
	}
	return sqe;
}

static void fatal(struct sink *s, const char *what, int err)
{
	fprintf(stderr, "zcrx-sink: %s: %s\n", what, strerror(-err));
	s->status = EXIT_FAIL;
	s->stopping = true;
}

static void arm_accept(struct sink *s)
{
	struct io_uring_sqe *sqe = get_sqe(s);

	if (!sqe) {
		fatal(s, "no SQE for accept", -EBUSY);
		return;
	}
	io_uring_prep_accept(sqe, s->lfd, NULL, NULL, SOCK_CLOEXEC);
	sqe->user_data = UD(UD_ACCEPT, 0);
	s->inflight++;
}

static void arm_recv(struct sink *s, size_t slot)
{
	struct conn *cn = s->conns[slot];
	struct io_uring_sqe *sqe = get_sqe(s);

	if (!sqe) {
		fatal(s, "no SQE for RECV_ZC", -EBUSY);
		return;
	}
	if (s->cfg.budget)
		io_uring_prep_recv_zc(sqe, cn->fd, s->zcrx_id,
				      (unsigned int)s->cfg.budget);
	else
		io_uring_prep_recv_zc_multishot(sqe, cn->fd, s->zcrx_id);
	sqe->user_data = UD(UD_RECV, slot);
	cn->arm_bytes = 0;
	s->inflight++;
}

/* The peer in words; returns its family (AF_INET for v4-mapped), or 0. */
static int peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];

	if (getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(buf, len, "?");
		return 0;
	}
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s6->sin6_port));
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
		return AF_INET6;
	}
	return AF_INET;
}

static void conn_open(struct sink *s, int fd)
{
	struct conn *cn = calloc(1, sizeof(*cn));
	size_t slot;

	if (!cn) {
		close(fd);
		fatal(s, "out of memory for a connection", -ENOMEM);
		return;
	}
	for (slot = 0; slot < s->nr_slots && s->conns[slot]; slot++)
		;
	if (slot == s->nr_slots) {
		size_t n = s->nr_slots ? s->nr_slots * 2 : 16;
		struct conn **p = realloc(s->conns, n * sizeof(*p));

		if (!p) {
			free(cn);
			close(fd);
			fatal(s, "out of memory for a connection", -ENOMEM);
			return;
		}
		memset(p + s->nr_slots, 0, (n - s->nr_slots) * sizeof(*p));
		s->conns = p;
		s->nr_slots = n;
	}
	cn->fd = fd;
	cn->id = s->accepted;
	cn->first_bad = -1;
	cn->family = peer_name(fd, cn->peer, sizeof(cn->peer));
	s->conns[slot] = cn;
	s->open++;
	arm_recv(s, slot);
}

static void conn_close(struct sink *s, size_t slot, enum conn_end e)
{
	struct conn *cn = s->conns[slot];
	struct totals *t = &s->tot;

	print_conn(s, cn, e);
	t->conns++;
	t->rearms += cn->rearms;
	if (cn->bad) {
		t->verify_failed++;
		s->status = EXIT_FAIL;
	}
	if (e == END_ERROR) {
		t->errors++;
		s->status = EXIT_FAIL;
	}
	close(cn->fd);
	free(cn);
	s->conns[slot] = NULL;
	s->open--;
}

static void on_accept(struct sink *s, const struct io_uring_cqe *cqe)
{
	s->inflight--;
	if (cqe->res >= 0) {
		if (s->stopping) {
			close(cqe->res);
		} else {
			s->accepted++;
			conn_open(s, cqe->res);
		}
	} else if (cqe->res != -ECANCELED && cqe->res != -EINTR &&
		   cqe->res != -ECONNABORTED) {
		fatal(s, "accept", cqe->res);
		return;
	}
	if (s->stopping)
		return;
	if (!s->cfg.max_conns || s->accepted < s->cfg.max_conns) {
		arm_accept(s);
	} else {
		/* That was the last one: refuse the rest. */
		close(s->lfd);
		s->lfd = -1;
	}
}

static void on_data(struct sink *s, struct conn *cn,
		    const struct io_uring_cqe *cqe)
{
	uint64_t off = io_uring_zcrx_cqe(cqe)->off & ~IORING_ZCRX_AREA_MASK;
	uint32_t len = (uint32_t)cqe->res;
	uint64_t now = now_ns();
	int err;

	if (off > s->area_size || len > s->area_size - off) {
		/* Never read outside the area, whatever the CQE says. */
		if (!cn->err)
			cn->err = -EFAULT;
		fprintf(stderr, "zcrx-sink: conn %" PRIu64 ": CQE outside the area (offset %" PRIu64 ", %u bytes)\n",
			cn->id, off, len);
	} else if (s->cfg.verify) {
		const uint8_t *data = io_uring_zcrx_cqe_data(cqe, s->area);

		cn->bad += pattern_check(data, cn->bytes, len, &cn->first_bad);
	}
	err = return_buffer(s, cqe);
	if (err)
		fatal(s, "cannot keep a buffer to return", err);

	if (!cn->t_first)
		cn->t_first = now;
	cn->t_last = now;
	cn->t_starved = 0;
	if (!s->tot.t_first)
		s->tot.t_first = now;
	s->tot.t_last = now;
	cn->bytes += len;
	cn->arm_bytes += len;
	cn->cqes++;
	s->tot.bytes += len;
	s->tot.cqes++;
}

/* Out of buffers for STARVED_NS without a byte: something holds them. */
static bool starving(struct conn *cn)
{
	uint64_t now = now_ns();

	if (!cn->t_starved) {
		cn->t_starved = now;
		return false;
	}
	return now - cn->t_starved > STARVED_NS;
}

/*
 * --dmabuf, and RECV_ZC ended with -ENOMEM: data of the flow needed a
 * copy (it came in on another queue, or with the headers), and the kernel
 * cannot copy into a dma-buf. Arming again cannot help: that data stays
 * in the socket and needs the same copy. How to fix it, said once.
 */
static void explain_copy_refused(struct sink *s, const struct conn *cn)
{
	const struct config *c = &s->cfg;

	fprintf(stderr, "zcrx-sink: conn %" PRIu64 " %s: RECV_ZC ended with ENOMEM after %" PRIu64 " bytes: data of this flow needed a copy, and a dma-buf area cannot take copies (the kernel never writes it with the CPU)\n",
		cn->id, cn->peer, cn->bytes);
	if (s->copy_refused++)
		return;
	fprintf(stderr, "  its packets reached %s on another queue than %lld, or their payload came with the headers;\n"
		"  steer the flow to queue %lld:\n"
		"  fix: ethtool -N %s flow-type %s dst-port %u action %lld\n"
		"  (or run without --dmabuf: an area in our memory takes such flows by copy)\n",
		c->ifname, c->queue, c->queue, c->ifname,
		cn->family == AF_INET6 ? "tcp6" : "tcp4", c->port, c->queue);
}

static void on_recv(struct sink *s, size_t slot, const struct io_uring_cqe *cqe)
{
	struct conn *cn = slot < s->nr_slots ? s->conns[slot] : NULL;
	int res = cqe->res;
	bool spent;

	if (!cn) {
		fprintf(stderr, "zcrx-sink: completion for unknown connection slot %zu\n",
			slot);
		s->status = EXIT_FAIL;
		return;
	}
	if (res > 0)
		on_data(s, cn, cqe);
	if (cqe->flags & IORING_CQE_F_MORE)
		return;

	/*
	 * The request is over; decide what comes next for the connection.
	 * Only res 0 can be EOF, and in budget mode it may just be the budget
	 * spent. A final CQE that carries data did not see EOF: arm again.
	 */
	s->inflight--;
	spent = s->cfg.budget && cn->arm_bytes >= s->cfg.budget;
	if (cn->err) {
		conn_close(s, slot, END_ERROR);
	} else if (res == 0 && !spent) {
		conn_close(s, slot, END_EOF);
	} else if (s->stopping) {
		conn_close(s, slot, END_INTERRUPTED);
	} else if (res >= 0 || res == -ENOSPC || res == -EINTR) {
		/* Budget spent or CQ overflowed (-ENOSPC): carry on. */
		cn->rearms++;
		arm_recv(s, slot);
	} else if (res == -ENOMEM && s->cfg.dmabuf) {
		cn->err = res;
		explain_copy_refused(s, cn);
		conn_close(s, slot, END_ERROR);
	} else if ((res == -ENOBUFS || res == -ENOMEM) && !starving(cn)) {
		/*
		 * No free area buffer: the ones we just returned become free
		 * once the refill ring is committed, before the next submit.
		 */
		cn->rearms++;
		arm_recv(s, slot);
	} else {
		cn->err = res;
		if (res == -EINVAL && !cn->bytes)
			fprintf(stderr, "zcrx-sink: conn %" PRIu64 ": the kernel refused RECV_ZC (EINVAL): a kernel or liburing-zcrx mismatch?\n",
				cn->id);
		conn_close(s, slot, END_ERROR);
	}
}

/*
 * An event CQE. ALLOC_FAIL: the NIC queue wanted buffers and the area had
 * none free. It fires once; run_once() arms it again a second later, so a
 * starving sink warns about once a second, not once per packet.
 */
static void on_event(struct sink *s, const struct io_uring_cqe *cqe)
{
	if (cqe->res != ZCRX_EVENT_ALLOC_FAIL)
		return;
	s->starved++;
	s->t_starved = now_ns();
	s->starve_armed = false;
	fprintf(stderr, "zcrx-sink: warn: buffer starvation: the NIC queue found no free buffer in the area (%" PRIu64 " time%s); buffers come back slower than data arrives, or -A is too small\n",
		s->starved, s->starved == 1 ? "" : "s");
}

static void rearm_events(struct sink *s)
{
	int ret;

	if (!s->events || s->starve_armed || s->cfg.nodev ||
	    now_ns() - s->t_starved < 1000000000ull)
		return;
	ret = io_uring_zcrx_arm_event(&s->ring, s->zcrx_id,
				      ZCRX_EVENT_ALLOC_FAIL);
	if (ret)
		fprintf(stderr, "zcrx-sink: cannot arm the starvation event again: %s\n",
			strerror(-ret));
	/* Either way: an error would repeat every pass. */
	s->starve_armed = true;
}

/* --nodev: no device takes the refill ring, so hand it over ourselves. */
static void flush_rq(struct sink *s)
{
	int ret;

	if (!s->cfg.nodev || s->rq.rq_tail == s->flushed_tail)
		return;
	ret = io_uring_zcrx_flush_rq(&s->ring, s->zcrx_id);
	if (ret)
		fatal(s, "flushing the refill ring", ret);
	s->flushed_tail = s->rq.rq_tail;
}

static void handle_cqe(struct sink *s, const struct io_uring_cqe *cqe)
{
	uint32_t kind = (uint32_t)(cqe->user_data >> 32);
	uint32_t slot = (uint32_t)cqe->user_data;

	switch (kind) {
	case UD_ACCEPT:
		on_accept(s, cqe);
		break;
	case UD_RECV:
		on_recv(s, slot, cqe);
		break;
	case UD_CANCEL:
		break;
	case UD_EVENT:
		on_event(s, cqe);
		break;
	default:
		fprintf(stderr, "zcrx-sink: stray completion %#llx res %d\n",
			(unsigned long long)cqe->user_data, cqe->res);
	}
}

/*
 * SIGINT and SIGTERM stay blocked except while we sleep in the kernel, so
 * the flag cannot be missed between the check and the wait. But under load
 * io_uring_enter() finds completions before it ever sleeps (or installs
 * the mask), so also take a pending one here.
 */
static void take_pending_signal(void)
{
	static const struct timespec zero;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sig = sigtimedwait(&set, NULL, &zero);
	if (sig > 0)
		stop_signal = sig;
}

/*
 * Submit, wait up to TIMEOUT_NS for completions, and handle everything
 * there is. Returns -errno on a ring failure.
 */
static int run_once(struct sink *s, uint64_t timeout_ns, sigset_t *waitmask)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(timeout_ns / 1000000000ull),
		.tv_nsec = (long long)(timeout_ns % 1000000000ull),
	};
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int ret;

	flush_held(s);
	io_uring_zcrx_rq_commit(&s->rq);
	flush_rq(s);
	rearm_events(s);
	ret = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, &ts, waitmask);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN)
		return ret;
	io_uring_for_each_cqe(&s->ring, head, cqe) {
		handle_cqe(s, cqe);
		n++;
	}
	io_uring_cq_advance(&s->ring, n);
	flush_held(s);
	io_uring_zcrx_rq_commit(&s->rq);
	flush_rq(s);
	take_pending_signal();
	return 0;
}

static bool finished(const struct sink *s)
{
	return s->cfg.max_conns && s->accepted >= s->cfg.max_conns &&
	       !s->open && !s->inflight;
}

/* Cancel what is in flight, take the last completions, return buffers. */
static void shut_down(struct sink *s, sigset_t *waitmask)
{
	struct io_uring_sqe *sqe;
	uint64_t deadline;
	size_t i;

	s->stopping = true;
	if (s->inflight) {
		sqe = get_sqe(s);
		if (sqe) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ALL |
					       IORING_ASYNC_CANCEL_ANY);
			sqe->user_data = UD(UD_CANCEL, 0);
		}
	}
	deadline = now_ns() + 3000000000ull;
	while (s->inflight && now_ns() < deadline)
		if (run_once(s, 100000000ull, waitmask))
			break;
	if (s->inflight)
		fprintf(stderr, "zcrx-sink: %u requests did not end; the ring's exit reclaims their buffers\n",
			s->inflight);
	for (i = 0; i < s->nr_slots; i++)
		if (s->conns[i])
			conn_close(s, i, END_INTERRUPTED);
}

static int serve(struct sink *s)
{
	sigset_t block, waitmask;
	uint64_t tick = (uint64_t)s->cfg.interval * 1000000000ull;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);

	if (listen(s->lfd, 128)) {
		fprintf(stderr, "zcrx-sink: listen: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	print_ready(s);
	getrusage(RUSAGE_SELF, &s->ru_serve);
	s->t_tick = now_ns();
	arm_accept(s);

	while (!stop_signal && !s->stopping && !finished(s)) {
		uint64_t now = now_ns(), wait = 1000000000ull;

		if (tick) {
			if (now - s->t_tick >= tick) {
				print_interval(s, now);
				now = s->t_tick;
			}
			wait = s->t_tick + tick - now;
		}
		ret = run_once(s, wait, &waitmask);
		if (ret) {
			fatal(s, "waiting for completions", ret);
			break;
		}
	}
	if (stop_signal && !s->cfg.quiet && !s->cfg.json)
		fprintf(stderr, "zcrx-sink: %s, stopping\n", strsignal(stop_signal));
	shut_down(s, &waitmask);
	print_totals(s);
	return s->status;
}

static void teardown(struct sink *s)
{
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->registered && !s->cfg.user_region && s->rq.ring_ptr)
		io_uring_zcrx_rq_unmap(&s->rq, s->region_size);
	/* Ring exit unregisters the queue and takes back any buffer still out. */
	if (s->ring_ok)
		io_uring_queue_exit(&s->ring);
	if (s->user_region)
		munmap(s->user_region, s->region_size);
	if (s->area)
		munmap(s->area, s->area_size);
	if (s->dmabuf_fd >= 0)
		close(s->dmabuf_fd);
	free(s->held);
	free(s->conns);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct sink sink = { .lfd = -1, .dmabuf_fd = -1 };
	struct sink *s = &sink;
	int status = EXIT_SETUP;

	parse_options(&s->cfg, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	checks_quiet = s->cfg.quiet;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ethtool_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ethtool_fd < 0)
		ethtool_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ethtool_fd < 0) {
		perror("zcrx-sink: socket for ethtool");
		return EXIT_SETUP;
	}
	size_zcrx(s);
	if (setup_socket(s) || setup_ring(s))
		goto out;

	if (!checks_quiet && s->cfg.nodev)
		fprintf(stderr, "zcrx-sink: checking a no-device instance for port %u\n",
			s->cfg.port);
	else if (!checks_quiet)
		fprintf(stderr, "zcrx-sink: checking %s queue %lld for port %u\n",
			s->cfg.ifname, s->cfg.queue, s->cfg.port);
	check_kernel(s);
	check_privileges(s);
	check_area(s);
	if (!s->cfg.nodev)
		check_interface(&s->cfg);
	if (s->cfg.ifindex) {
		unsigned int nrx = check_queue(&s->cfg);

		check_data_split(&s->cfg);
		check_steering(&s->cfg, s->family, nrx);
	}
	if (problems && (!s->cfg.force || (!s->cfg.ifindex && !s->cfg.nodev))) {
		fprintf(stderr, "zcrx-sink: %d problem%s: fix %s, or pass -f to register anyway\n",
			problems, problems == 1 ? "" : "s",
			problems == 1 ? "it" : "them");
		goto out;
	}
	if (problems)
		fprintf(stderr, "zcrx-sink: %d problem%s, registering anyway (-f)\n",
			problems, problems == 1 ? "" : "s");

	if (setup_zcrx(s))
		goto out;
	status = serve(s);
out:
	teardown(s);
	close(ethtool_fd);
	return status;
}
