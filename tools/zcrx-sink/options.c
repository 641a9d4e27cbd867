// SPDX-License-Identifier: GPL-2.0
/* zcrx-sink: the command line. */
#include <arpa/inet.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sink.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " -i IF -q QUEUE [options]\n"
"       " PROG " --nodev [options]\n"
"\n"
PROG_ABOUT
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
"  -A SIZE      area size (default 64M, at most 1T); k/M/G/T suffixes,\n"
"               powers of 1024\n"
"  -L SIZE      rx buffer length, a power of two >= page size\n"
"               (default: the kernel's, one page); above a page the area\n"
"               is in huge pages, which must be reserved (vm.nr_hugepages)\n"
"  -r N         refill ring entries (default: one per buffer, at most 32768)\n"
"  -S N         submission queue entries (default 64)\n"
"  -C N         completion queue entries (default 4096)\n"
"  -B SIZE      " PROG_BUDGET_HELP
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

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror(PROG, fmt, ap);
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

#define AREA_MAX	(1ull << 40)

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

void parse_options(struct config *c, int argc, char **argv)
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
		case 'A':
			c->area_size = opt_size(opt, optarg);
			/* more would overflow rounding up to buffers, pages */
			if (c->area_size > AREA_MAX)
				usage_error("-A wants an area size up to 1T, not '%s'",
					    optarg);
			break;
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
