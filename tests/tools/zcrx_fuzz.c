// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx_fuzz: a seeded random API fuzzer for io_uring zero-copy receive.
 *
 *   zcrx_fuzz -i IF -q FIRSTQ -Q NQUEUES [-I IF2] [-w WORKERS]
 *             [-d SECONDS] [-n OPS] [-S SEED] [-P PORT -a ADDR -N NETNS]
 *             [-k KILL_MS] [-W WATCHDOG_S] [-C CALLS] [-R REFILL]
 *
 * Prints "seed=S" first; -S S runs the same op sequences again (what the
 * kernel answers depends on timing, so a run is reproduced in kind, with
 * the trail below, not to the byte). The default seed comes from the clock.
 *
 * WORKERS processes (default 4) are forked, each with its own PRNG stream
 * derived from the seed, its index and its incarnation. Each drives random
 * sequences of: rings opened (sometimes without the flags zcrx needs) and
 * closed with requests in flight; registrations on rx queues FIRSTQ ..
 * FIRSTQ + NQUEUES - 1 of IF, on any queue of IF2 (a pair the shell
 * deletes and re-creates meanwhile), NODEV ones, user memory areas of
 * random sizes or udmabuf dma-bufs, random rx_buf_len and rq_entries,
 * user or kernel refill regions, events, and one wrong field at a time;
 * EXPORT, with the fds passed to other workers over a unix socket, and
 * IMPORT of them; ctrl ops (FLUSH_RQ, EXPORT, ARM_EVENT, ADD_AREA, unknown
 * ops, non-zero reserved fields, unknown ids, nr_args, ring fd -1);
 * QUERY chains; RECV_ZC on TCP sockets of IF (a sender child in NETNS
 * streams the pattern of tests/lib/pattern.h to ADDR:PORT + index, which
 * the shell steers to one of the queues), on loopback TCP, UDP, unix
 * sockets, pipes and closed fds, with valid and invalid SQE fields and
 * read limits; refill entries, proper returns and bulk garbage
 * (duplicates, stale returns, out of range offsets and area ids, non-zero
 * __pad, random lengths) consumed by FLUSH_RQ or traffic, and head and
 * tail values made up; sockets closed under requests; fork() with rings
 * open, the child touching them and exiting. The parent SIGKILLs a random
 * worker every KILL_MS on average (0: never) and starts it again.
 *
 * Errors the kernel returns are the point; what fails the run is:
 *  - a wrong answer where the ABI (shared/docs/zcrx-abi.md) fixes one:
 *    the errno of a call with exactly one wrong field, a completion
 *    outside one buffer of the instance, a read limit overrun, a stray
 *    completion;
 *  - a bad byte: instances a worker treats honestly (every buffer
 *    returned once, after it was checked; never exported) check every
 *    byte of the pattern streams they receive, zero-copy or copied;
 *  - a hang: a worker that makes no progress for WATCHDOG_S seconds;
 *  - a leak: a worker's VmPin not back to where it started once its
 *    rings are closed.
 * Then the seed and the last TRAIL_LEN ops of each worker are printed.
 *
 * Stops by itself after SECONDS (default 30), once each worker did OPS
 * ops (default unlimited), or once the workers together made CALLS API
 * calls and wrote REFILL refill entries (with -C or -R), and prints the
 * totals:
 *   # fuzz: seed=S calls=C refill_entries=R workers=W kills=K ops=O
 *           cqes=Q data_bytes=D verified_bytes=V forks=F regs=G
 *           regs_own_queue=G2 imports=I zc_bytes=Z copy_bytes=Y seconds=T
 * (Z and Y: what the instances of rings closed in an orderly way moved
 * zero-copy and by copy, from the rings' fdinfo).
 * and "done: ok" (exit 0) or "done: FAIL" (exit 1). Runs as root in the
 * network namespace of IF. tests/zcrx/fuzz.sh runs it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/udmabuf.h>
#include <linux/io_uring.h>
#include <liburing/zcrx.h>

#include "pattern.h"
#include "zcrx_fuzz.h"

#define MAX_RINGS	3
#define MAX_INSTS	8
#define MAX_AREAS	4
#define MAX_SOCKS	16
#define MAX_REQS	64
#define MAX_HELD	4096
#define MAX_STALE	256
#define PAGE		4096UL
#define EV_UD		0xe700000000000000ULL
#define ZCRX_REGION_OFF(id)	(0x30000000ULL + ((uint64_t)(id) << 16))
#define NO_EXPECT	1	/* any result will do */

struct opts {
	const char *ifname, *ifname2, *netns, *addr;
	unsigned int firstq, nq, workers, kill_ms, watchdog_s;
	unsigned int duration_s, port;
	uint64_t max_ops, seed;
	uint64_t want_calls, want_refill;	/* -C, -R */
};

struct farea {
	uint8_t *base;		/* where we read it, or NULL */
	size_t len;
	int memfd, dmabuf_fd;
};

struct finst {
	bool live;
	int ring;
	uint32_t id;
	bool nodev, dmabuf, imported, honest, shared, has_ev;
	bool own_queue;		/* bound where our NIC flow arrives */
	unsigned int buf_shift;
	struct farea areas[MAX_AREAS];
	unsigned int nr_areas;
	bool areas_known;	/* nr_areas is every area it has */
	void *region;
	size_t region_len;
	bool region_kernel;
	uint32_t *khead, *ktail;
	struct io_uring_zcrx_rqe *rqes;
	uint32_t rq_entries;
	uint64_t held[MAX_HELD];
	unsigned int nr_held;
	uint64_t stale[MAX_STALE];
	unsigned int nr_stale;
};

struct fring {
	bool live, valid;
	struct io_uring ring;
};

enum sock_kind { SK_NIC, SK_LO, SK_UDP, SK_UNIX, SK_PIPE, SK_CLOSED, NR_SK };

struct fsock {
	bool live;
	enum sock_kind kind;
	int fd, peer;
	uint32_t gen;
	uint64_t rx_off, tx_off;
	unsigned int armed;	/* requests on it */
	bool dirty;		/* two requests at once: order unknown */
	int64_t first_bad;
};

struct freq {
	bool live;
	uint32_t seq;
	int ring, inst, sock;
	uint32_t sock_gen, limit;
	uint64_t sum;
	int expect;		/* the final res, or NO_EXPECT */
	bool verify;
};

struct xinfo {			/* what goes with an exported fd */
	uint32_t rq_entries, rx_buf_len, region_len;
	uint8_t region_kernel;
};

static struct opts o;
static struct fuzz_shm *shm;
static int mbox[2] = { -1, -1 };	/* [0] send, [1] receive */

/* The worker's state */
static unsigned int widx;
static struct wslot *me;
static uint64_t rng;
static struct fring rings[MAX_RINGS];
static struct finst insts[MAX_INSTS];
static struct fsock socks[MAX_SOCKS];
static struct freq reqs[MAX_REQS];
static uint32_t req_seq;
static int nic_listen = -1, lo_listen = -1;
static struct sockaddr_in lo_addr;
static pid_t sender = -1;
static unsigned int ifindex;

/* Helpers */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static int sys_register(int fd, unsigned int op, void *arg, unsigned int nr)
{
	long ret = syscall(__NR_io_uring_register, fd, op, arg, nr);

	me->calls++;
	return ret < 0 ? -errno : (int)ret;
}

static void trail(enum fuzz_op op, uint64_t a, uint64_t b, int ret)
{
	struct trail_ent *t = &me->trail[me->nr_trail % TRAIL_LEN];

	*t = (struct trail_ent){ .seq = me->ops, .op = op, .a = a, .b = b,
				 .ret = ret };
	me->nr_trail++;
}

static void pause_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The worker found the kernel at fault: say so and stop. */
static void __attribute__((noreturn, format(printf, 1, 2)))
wfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(me->why, sizeof(me->why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "zcrx_fuzz: worker %u gen %u: %s\n", widx, me->gen,
		me->why);
	me->failed = 1;
	shm->stop = 1;
	if (sender > 0)
		kill(sender, SIGKILL);
	_exit(1);
}

/* An errno the ABI fixes for a call with one thing wrong. */
static void expect_ret(const char *what, int ret, int want)
{
	if (want == NO_EXPECT || ret == want)
		return;
	wfail("%s returned %d, the ABI says %d", what, ret, want);
}

static long vm_pin_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* An address nothing is mapped at */
static void *unmapped(void)
{
	void *p = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	munmap(p, PAGE);
	return p;
}

/* Areas */

static int udmabuf_make(struct farea *a)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC,
				    .size = a->len };
	int dev;

	a->memfd = memfd_create("zcrx_fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (a->memfd < 0)
		return -errno;
	if (ftruncate(a->memfd, a->len) ||
	    fcntl(a->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -errno;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	c.memfd = a->memfd;
	a->dmabuf_fd = ioctl(dev, UDMABUF_CREATE, &c);
	close(dev);
	if (a->dmabuf_fd < 0)
		return -errno;
	a->base = mmap(NULL, a->len, PROT_READ, MAP_SHARED, a->memfd, 0);
	if (a->base == MAP_FAILED)
		a->base = NULL;
	return 0;
}

static void area_free(struct farea *a)
{
	if (a->base)
		munmap(a->base, a->len);
	if (a->memfd >= 0)
		close(a->memfd);
	if (a->dmabuf_fd >= 0)
		close(a->dmabuf_fd);
	*a = (struct farea){ .memfd = -1, .dmabuf_fd = -1 };
}

/* Memory for an area and its registration; false if there is none. */
static bool area_make(struct farea *a, struct io_uring_zcrx_area_reg *r,
		      bool dmabuf)
{
	size_t pages = chance(90) ? 1 + below(64) : 1 + below(512);

	*a = (struct farea){ .len = pages * PAGE, .memfd = -1,
			     .dmabuf_fd = -1 };
	memset(r, 0, sizeof(*r));
	r->len = a->len;
	if (dmabuf) {
		if (udmabuf_make(a)) {
			area_free(a);
			return false;
		}
		r->flags = IORING_ZCRX_AREA_DMABUF;
		r->dmabuf_fd = a->dmabuf_fd;
		return true;
	}
	a->base = mmap(NULL, a->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED) {
		a->base = NULL;
		return false;
	}
	r->addr = (uintptr_t)a->base;
	return true;
}

/* One wrong field of an area; the errno it must get. */
static int area_break(struct io_uring_zcrx_area_reg *r, bool dmabuf)
{
	switch (below(dmabuf ? 6 : 8)) {
	case 0:
		r->rq_area_token = 1 + below(1000);
		return -EINVAL;
	case 1:
		r->flags |= 2 << below(30);
		return -EINVAL;
	case 2:
		r->__resv2[below(2)] = 1;
		return -EINVAL;
	case 3:
		r->len -= 1 + below(PAGE - 1);
		return -EINVAL;
	case 4:
		if (dmabuf) {
			r->dmabuf_fd = 4000 + below(1000);
			return -EBADF;
		}
		r->len = 0;
		return -EFAULT;
	case 5:
		if (dmabuf) {
			r->len += PAGE;
			return -EINVAL;
		}
		r->addr += 1 + below(PAGE - 1);
		return -EINVAL;
	case 6:
		r->addr = (uintptr_t)unmapped();
		r->len = PAGE;
		return -EFAULT;
	default:
		r->dmabuf_fd = 3;
		return -EINVAL;
	}
}

/* Rings */

static int pick_live_ring(void)
{
	int i, start = below(MAX_RINGS);

	for (i = 0; i < MAX_RINGS; i++) {
		int r = (start + i) % MAX_RINGS;

		if (rings[r].live)
			return r;
	}
	return -1;
}

static void op_ring_open(void)
{
	struct io_uring_params p = { 0 };
	int i, ret;

	for (i = 0; i < MAX_RINGS && rings[i].live; i++)
		;
	if (i == MAX_RINGS)
		return;
	p.flags = IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
		  IORING_SETUP_CQE32 | IORING_SETUP_CQSIZE;
	p.cq_entries = 64 << below(6);
	rings[i].valid = true;
	if (chance(10)) {
		p.flags &= below(2) ? ~IORING_SETUP_CQE32 :
				      ~(IORING_SETUP_DEFER_TASKRUN |
					IORING_SETUP_SINGLE_ISSUER);
		rings[i].valid = false;
	}
	me->calls++;
	ret = io_uring_queue_init_params(32, &rings[i].ring, &p);
	trail(OP_RING_OPEN, i, p.flags, ret);
	if (!ret)
		rings[i].live = true;
}

static void inst_drop(struct finst *in)
{
	unsigned int i;

	if (in->region && (in->region_kernel || !in->imported))
		munmap(in->region, in->region_len);
	for (i = 0; i < in->nr_areas; i++)
		area_free(&in->areas[i]);
	memset(in, 0, sizeof(*in));
}

/* What the ring's own instances (not imports) moved, from its fdinfo */
static void ring_count_bytes(int r)
{
	unsigned long long zc, copy;
	char path[64], line[256];
	unsigned long id;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d",
		 rings[r].ring.ring_fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "zc_bytes=");

		if (sscanf(line, "Zcrx%lu:", &id) != 1 || !p ||
		    sscanf(p, "zc_bytes=%llu copy_bytes=%llu", &zc, &copy) != 2)
			continue;
		for (i = 0; i < MAX_INSTS; i++)
			if (insts[i].live && insts[i].ring == r &&
			    insts[i].id == id && !insts[i].imported)
				break;
		if (i == MAX_INSTS)
			continue;
		me->zc_bytes += zc;
		me->copy_bytes += copy;
	}
	fclose(f);
}

static void ring_close(int r)
{
	int i;

	ring_count_bytes(r);
	for (i = 0; i < MAX_REQS; i++) {
		if (!reqs[i].live || reqs[i].ring != r)
			continue;
		if (reqs[i].sock >= 0 && socks[reqs[i].sock].live &&
		    socks[reqs[i].sock].gen == reqs[i].sock_gen) {
			socks[reqs[i].sock].armed--;
			/* what it received but we never saw is lost to us */
			socks[reqs[i].sock].dirty = true;
		}
		reqs[i].live = false;
	}
	me->calls++;
	io_uring_queue_exit(&rings[r].ring);
	rings[r].live = false;
	for (i = 0; i < MAX_INSTS; i++)
		if (insts[i].live && insts[i].ring == r)
			inst_drop(&insts[i]);
}

static void op_ring_close(void)
{
	int r = pick_live_ring();

	if (r < 0)
		return;
	trail(OP_RING_CLOSE, r, 0, 0);
	ring_close(r);
}

/* Instances */

static int free_inst(void)
{
	int i;

	for (i = 0; i < MAX_INSTS; i++)
		if (!insts[i].live)
			return i;
	return -1;
}

/* A live instance with a refill ring we may write garbage to */
static int pick_hostile(void)
{
	int i, start = below(MAX_INSTS);

	for (i = 0; i < MAX_INSTS; i++) {
		struct finst *in = &insts[(start + i) % MAX_INSTS];

		if (in->live && in->rqes && !in->honest)
			return (start + i) % MAX_INSTS;
	}
	return -1;
}

static int pick_inst(bool need_region)
{
	int i, start = below(MAX_INSTS);

	for (i = 0; i < MAX_INSTS; i++) {
		struct finst *in = &insts[(start + i) % MAX_INSTS];

		if (in->live && (!need_region || in->rqes))
			return (start + i) % MAX_INSTS;
	}
	return -1;
}

static int pick_inst_on(int r)
{
	int i, start = below(MAX_INSTS);

	for (i = 0; i < MAX_INSTS; i++) {
		int k = (start + i) % MAX_INSTS;

		if (insts[k].live && insts[k].ring == r)
			return k;
	}
	return -1;
}

/* An instance of ring @r on our flow's queue, else @other */
static int pick_own_queue(int r, int other)
{
	int i;

	for (i = 0; i < MAX_INSTS; i++)
		if (insts[i].live && insts[i].ring == r && insts[i].own_queue)
			return i;
	return other;
}

static void inst_map_rq(struct finst *in,
			const struct io_uring_zcrx_offsets *off)
{
	in->khead = (uint32_t *)((char *)in->region + off->head);
	in->ktail = (uint32_t *)((char *)in->region + off->tail);
	in->rqes = (void *)((char *)in->region + off->rqes);
}

static unsigned int pow2_up(unsigned int n)
{
	unsigned int p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* What a registration is made of, before and after the call */
struct regset {
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_area_reg area;
	struct io_uring_region_desc rd;
	struct zcrx_event_desc ev;
	struct farea fa;
	void *user_region;
	bool dmabuf, nodev, exact;
	int want;		/* 0 when all is valid */
};

static uint32_t pick_rx_buf_len(void)
{
	static const uint32_t lens[] = { 4096, 8192, 16384, 65536 };

	if (chance(75))
		return 0;
	return lens[below(4)];
}

static void reg_target(struct regset *s)
{
	unsigned int which = below(100), idx;

	if (which < 55) {
		s->reg.if_idx = ifindex;
		/* half the time where our own NIC flow arrives */
		s->reg.if_rxq = o.firstq + (chance(50) ? widx : below(o.nq)) % o.nq;
	} else if (which < 70 && o.ifname2) {
		idx = if_nametoindex(o.ifname2);
		s->reg.if_idx = idx;
		s->reg.if_rxq = below(8);
		/* the pair may be gone or changing: no errno is fixed */
		s->exact = false;
	} else {
		s->reg.flags = ZCRX_REG_NODEV;
		s->nodev = true;
	}
}

static void reg_region(struct regset *s, unsigned int rq)
{
	size_t size = io_uring_zcrx_rq_region_size(pow2_up(rq));

	s->rd.size = size;
	if (chance(30)) {
		s->user_region = mmap(NULL, size, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (s->user_region == MAP_FAILED) {
			s->user_region = NULL;
			return;
		}
		s->rd.user_addr = (uintptr_t)s->user_region;
		s->rd.flags = IORING_MEM_REGION_TYPE_USER;
	}
}

static void reg_events(struct regset *s, int slot, unsigned int rq)
{
	if (!chance(30))
		return;
	s->ev.user_data = EV_UD | slot;
	s->ev.type_mask = below(4);
	if (chance(50)) {
		s->ev.flags = ZCRX_EVENT_DESC_FLAG_STATS;
		s->ev.stats_offset = io_uring_zcrx_stats_offset(pow2_up(rq));
	}
	s->reg.event_desc = (uintptr_t)&s->ev;
}

/* One wrong field outside the area, checked before the netdev (§3, §5) */
static int reg_break(struct regset *s)
{
	switch (below(12)) {
	case 0:
		s->reg.flags |= 4 << below(29);
		return -EINVAL;
	case 1:
		s->reg.__resv[below(2)] = 1;
		return -EINVAL;
	case 2:
		s->reg.zcrx_id = 1 + below(100);
		return -EINVAL;
	case 3:
		s->reg.rq_entries = 0;
		return -EINVAL;
	case 4:
		s->reg.rq_entries = 32769 + below(100000);
		return -EINVAL;
	case 5:
		s->reg.area_ptr = (uintptr_t)unmapped();
		return -EFAULT;
	case 6:
		s->ev.type_mask = 4 << below(20);
		s->reg.event_desc = (uintptr_t)&s->ev;
		return -EINVAL;
	case 7:
		s->reg.event_desc = (uintptr_t)unmapped();
		return -EFAULT;
	case 8:
		s->rd.flags |= 2 << below(20);
		return -EINVAL;
	case 9:
		s->rd.mmap_offset = PAGE;
		return -EINVAL;
	case 10:
		if (s->nodev) {
			s->reg.if_idx = 1 + below(10);
			return -EINVAL;
		}
		s->reg.if_rxq = 0xffffffff;
		return -EINVAL;
	default:
		s->reg.region_ptr = (uintptr_t)unmapped();
		return -EFAULT;
	}
}

/* A registration that succeeded: check what came back, keep it. */
static void reg_keep(struct regset *s, int slot, int r, uint32_t want_len,
		     unsigned int want_rq)
{
	struct finst *in = &insts[slot];
	uint32_t len = s->reg.rx_buf_len;

	if (s->want)
		wfail("a registration with a wrong field (want %d) succeeded",
		      s->want);
	if (len < PAGE || (len & (len - 1)) || (want_len && len != want_len))
		wfail("registration wrote back rx_buf_len %u for %u", len,
		      want_len);
	if (s->reg.rq_entries != pow2_up(want_rq))
		wfail("rq_entries %u written back for %u", s->reg.rq_entries,
		      want_rq);
	if (s->area.rq_area_token != 0)
		wfail("area 0 got token %#llx",
		      (unsigned long long)s->area.rq_area_token);
	memset(in, 0, sizeof(*in));
	in->live = true;
	in->ring = r;
	in->id = s->reg.zcrx_id;
	in->nodev = s->nodev;
	in->dmabuf = s->dmabuf;
	in->has_ev = !!s->reg.event_desc;
	in->buf_shift = __builtin_ctz(len);
	in->areas[0] = s->fa;
	in->nr_areas = 1;
	in->areas_known = true;
	in->rq_entries = s->reg.rq_entries;
	in->region_len = s->rd.size;
	in->honest = chance(35);
	in->own_queue = s->reg.if_idx == ifindex &&
			s->reg.if_rxq == o.firstq + widx % o.nq;
	if (in->own_queue)
		me->regs_own++;
	if (s->user_region) {
		in->region = s->user_region;
	} else {
		if (s->rd.mmap_offset != ZCRX_REGION_OFF(in->id))
			wfail("region mmap_offset %#llx for id %u",
			      (unsigned long long)s->rd.mmap_offset, in->id);
		in->region = mmap(NULL, in->region_len, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_POPULATE,
				  rings[r].ring.ring_fd, s->rd.mmap_offset);
		if (in->region == MAP_FAILED)
			wfail("mmap of the refill region: %s", strerror(errno));
		in->region_kernel = true;
	}
	inst_map_rq(in, &s->reg.offsets);
	me->regs_ok++;
}

/*
 * The trail's b of a registration: ring << 60, the errno wanted << 44,
 * user region, events, dma-buf (bits 42..40), flags << 32, rx_buf_len.
 */
static uint64_t reg_what(const struct regset *s, int r, uint32_t len)
{
	return (uint64_t)r << 60 | (uint64_t)(uint16_t)-s->want << 44 |
	       (uint64_t)!!s->user_region << 42 |
	       (uint64_t)!!s->reg.event_desc << 41 |
	       (uint64_t)s->dmabuf << 40 | (uint64_t)s->reg.flags << 32 | len;
}

static void op_register(void)
{
	struct regset s = { .exact = true };
	int r = pick_live_ring(), slot = free_inst(), ret;
	unsigned int rq;
	uint32_t want_len;

	if (r < 0 || slot < 0)
		return;
	reg_target(&s);
	s.dmabuf = !s.nodev && chance(20);
	if (!area_make(&s.fa, &s.area, s.dmabuf))
		return;
	rq = chance(60) ? 1 + below(4096) : 1 + below(32768);
	s.reg.rq_entries = rq;
	s.reg.rx_buf_len = want_len = pick_rx_buf_len();
	if (chance(5)) {
		/* not a power of two, or under a page: never registers */
		static const uint32_t bad[] = { 2048, 4097, 12288, 512 };

		s.reg.rx_buf_len = want_len = bad[below(4)];
		s.want = -EINVAL;
		s.exact = false;
	}
	s.reg.area_ptr = (uintptr_t)&s.area;
	s.reg.region_ptr = (uintptr_t)&s.rd;
	reg_region(&s, rq);
	reg_events(&s, slot, rq);
	if (chance(25)) {
		s.exact = true;
		s.want = reg_break(&s);
	} else if (chance(15)) {
		s.want = area_break(&s.area, s.dmabuf);
		/* the buffer size is checked against the pinned pages */
		s.reg.rx_buf_len = want_len = 0;
		/* a device that is not there is found first (§3.7) */
		if (!s.nodev && !s.reg.if_idx)
			s.exact = false;
	}
	if (!s.want && !s.nodev && s.exact && chance(5)) {
		s.reg.if_rxq = 64 + below(1000);
		s.reg.rx_buf_len = want_len = 0;
		s.want = -ERANGE;
	}
	if (!rings[r].valid) {
		/* §3.2, before anything else is looked at */
		s.want = -EINVAL;
		s.exact = true;
	}
	ret = sys_register(rings[r].ring.ring_fd, IORING_REGISTER_ZCRX_IFQ,
			   &s.reg, 1);
	trail(OP_REGISTER, ((uint64_t)s.reg.if_idx << 32) | s.reg.if_rxq,
	      reg_what(&s, r, want_len), ret);
	if (!ret) {
		reg_keep(&s, slot, r, want_len, rq);
		return;
	}
	if (s.want && s.exact)
		expect_ret("registration with one wrong field", ret, s.want);
	area_free(&s.fa);
	if (s.user_region)
		munmap(s.user_region, s.rd.size);
}

/* Control */

static int ctrl_call(int ring_fd, struct zcrx_ctrl *c, unsigned int nr)
{
	return sys_register(ring_fd, IORING_REGISTER_ZCRX_CTRL, c, nr);
}

static int flush_rq(struct finst *in)
{
	struct zcrx_ctrl c = { .zcrx_id = in->id, .op = ZCRX_CTRL_FLUSH_RQ };

	return ctrl_call(rings[in->ring].ring.ring_fd, &c, 0);
}

static bool send_fd(int fd, const struct xinfo *x)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)x, sizeof(*x) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(mbox[0], &m, MSG_DONTWAIT) == sizeof(*x);
}

static int recv_fd(struct xinfo *x)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { x, sizeof(*x) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(mbox[1], &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) !=
	    sizeof(*x))
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void op_export(void)
{
	struct zcrx_ctrl c = { .op = ZCRX_CTRL_EXPORT };
	int i = pick_inst(false), want = 0, ret, fd;
	struct finst *in;
	struct xinfo x;

	if (i < 0 || insts[i].honest)
		return;
	in = &insts[i];
	c.zcrx_id = in->id;
	if (chance(10)) {
		c.zc_export.zcrx_fd = 1 + below(100);
		want = -EINVAL;
	} else if (chance(10)) {
		c.zc_export.__resv1[below(11)] = 1;
		want = -EINVAL;
	}
	ret = ctrl_call(rings[in->ring].ring.ring_fd, &c, 0);
	trail(OP_EXPORT, i, want, ret);
	if (ret || want) {
		expect_ret("EXPORT", ret, want);
		return;
	}
	fd = c.zc_export.zcrx_fd;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		wfail("EXPORT fd %d is not O_CLOEXEC", fd);
	in->shared = true;
	x = (struct xinfo){ .rq_entries = in->rq_entries,
			    .rx_buf_len = 1U << in->buf_shift,
			    .region_len = in->region_len,
			    .region_kernel = in->region_kernel };
	send_fd(fd, &x);
	close(fd);
}

/* One wrong field of an import (§8); the errno it must get */
static int import_break(struct io_uring_zcrx_ifq_reg *reg, int *pipefd)
{
	switch (below(4)) {
	case 0:
		reg->if_rxq = 1 + below(8);
		return -EINVAL;
	case 1:
		reg->rq_entries = 1 + below(64);
		return -EINVAL;
	case 2:
		reg->flags |= ZCRX_REG_NODEV;
		return -EINVAL;
	default:
		if (pipe2(pipefd, O_CLOEXEC))
			return NO_EXPECT;
		reg->if_idx = pipefd[0];
		return -EBADF;
	}
}

static void import_keep(int slot, int r,
			const struct io_uring_zcrx_ifq_reg *reg,
			const struct xinfo *x)
{
	struct finst *in = &insts[slot];

	/* §8: echoed unchanged, i.e. the 0 we passed */
	if (reg->rx_buf_len)
		wfail("import wrote back rx_buf_len %u (the instance has %u)",
		      reg->rx_buf_len, x->rx_buf_len);
	memset(in, 0, sizeof(*in));
	in->live = in->imported = in->shared = true;
	in->ring = r;
	in->id = reg->zcrx_id;
	in->buf_shift = __builtin_ctz(x->rx_buf_len);
	in->rq_entries = x->rq_entries;
	in->region_len = x->region_len;
	me->imports_ok++;
	if (!x->region_kernel)
		return;
	in->region = mmap(NULL, in->region_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, rings[r].ring.ring_fd,
			  ZCRX_REGION_OFF(in->id));
	if (in->region == MAP_FAILED)
		wfail("mmap of an imported refill region at id %u: %s", in->id,
		      strerror(errno));
	in->region_kernel = true;
	inst_map_rq(in, &reg->offsets);
}

static void op_import(void)
{
	struct io_uring_zcrx_ifq_reg reg = { .flags = ZCRX_REG_IMPORT };
	int r = pick_live_ring(), slot = free_inst(), fd, ret, want = 0;
	int pipefd[2] = { -1, -1 };
	struct xinfo x;

	if (r < 0 || slot < 0)
		return;
	fd = recv_fd(&x);
	if (fd < 0)
		return;
	reg.if_idx = fd;
	if (chance(20))
		want = import_break(&reg, pipefd);
	if (!rings[r].valid)
		want = -EINVAL;
	ret = sys_register(rings[r].ring.ring_fd, IORING_REGISTER_ZCRX_IFQ,
			   &reg, 1);
	trail(OP_IMPORT, fd, want, ret);
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (!ret && !want)
		import_keep(slot, r, &reg, &x);
	else if (!ret)
		wfail("an import with a wrong field (want %d) succeeded", want);
	else if (want)
		expect_ret("import with one wrong field", ret, want);
	/* pass it on now and then: an instance with many users */
	if (chance(20))
		send_fd(fd, &x);
	close(fd);
}

/* A ctrl call with one thing wrong, or a FLUSH_RQ / ARM_EVENT */
static int ctrl_case(struct finst *in, struct zcrx_ctrl *c, int *fd,
		     unsigned int *nr)
{
	switch (below(9)) {
	case 0:
		c->op = 4 + below(1000);
		return -EOPNOTSUPP;
	case 1:
		c->op = below(4);
		c->__resv[below(2)] = 1 + below(1000);
		return -EFAULT;
	case 2:
		c->zcrx_id = 0x10000 + below(1000);
		return -ENXIO;
	case 3:
		*nr = 1 + below(4);
		return -EINVAL;
	case 4:
		*fd = -1;
		return -EINVAL;
	case 5:
		c->zc_flush.__resv[below(6)] = 1;
		return -EINVAL;
	case 6:
		c->op = ZCRX_CTRL_ARM_EVENT;
		c->zc_arm_event.event_type = below(4);
		/* armed ones, types not asked for: -EINVAL too */
		return c->zc_arm_event.event_type >= 2 ? -EINVAL : NO_EXPECT;
	case 7:
		c->op = ZCRX_CTRL_ARM_EVENT;
		c->zc_arm_event.__resv[below(11)] = 1;
		return -EINVAL;
	default:
		return 0;
	}
}

static void op_ctrl(void)
{
	struct zcrx_ctrl c = { .op = ZCRX_CTRL_FLUSH_RQ };
	int i = pick_inst(false), fd, want, ret;
	unsigned int nr = 0;
	struct finst *in;

	if (i < 0)
		return;
	in = &insts[i];
	c.zcrx_id = in->id;
	fd = rings[in->ring].ring.ring_fd;
	want = ctrl_case(in, &c, &fd, &nr);
	ret = ctrl_call(fd, &c, nr);
	trail(OP_CTRL, ((uint64_t)i << 32) | c.op, want, ret);
	expect_ret("ctrl", ret, want);
}

static void op_add_area(void)
{
	struct zcrx_ctrl c = { .op = ZCRX_CTRL_ADD_AREA };
	struct io_uring_zcrx_area_reg r;
	int i = pick_inst(false), want = NO_EXPECT, ret;
	struct finst *in;
	struct farea a;
	bool dmabuf;

	if (i < 0)
		return;
	in = &insts[i];
	dmabuf = in->imported ? chance(50) : in->dmabuf ^ chance(10);
	if (!area_make(&a, &r, dmabuf))
		return;
	c.zcrx_id = in->id;
	c.zc_area.area_ptr = (uintptr_t)&r;
	if (!in->imported && dmabuf != in->dmabuf)
		want = -EINVAL;		/* not the first area's kind */
	if (chance(15))
		want = area_break(&r, dmabuf);
	else if (chance(5)) {
		c.zc_area.__resv[below(5)] = 1;
		want = -EINVAL;
	}
	ret = ctrl_call(rings[in->ring].ring.ring_fd, &c, 0);
	trail(OP_ADD_AREA, i, r.rq_area_token, ret);
	if (want != NO_EXPECT && !ret)
		wfail("ADD_AREA with a wrong field (want %d) succeeded", want);
	if (ret) {
		area_free(&a);
		return;
	}
	if (in->areas_known && !in->shared &&
	    r.rq_area_token != (uint64_t)in->nr_areas << IORING_ZCRX_AREA_SHIFT)
		wfail("ADD_AREA gave token %#llx, area %u was next",
		      (unsigned long long)r.rq_area_token, in->nr_areas);
	if (in->nr_areas < MAX_AREAS && in->areas_known) {
		in->areas[in->nr_areas++] = a;
		return;
	}
	/* the kernel keeps it pinned; we need not see it */
	in->areas_known = false;
	area_free(&a);
}

static void op_query(void)
{
	struct io_uring_query_hdr h[3];
	uint8_t data[3][64];
	int n = 1 + below(3), i, ret;

	memset(h, 0, sizeof(h));
	for (i = 0; i < n; i++) {
		h[i].query_op = below(6);
		h[i].size = below(4) ? 1 + below(64) : 0;
		h[i].query_data = (uintptr_t)data[i];
		if (chance(5))
			h[i].__resv[below(3)] = 1;
		if (i + 1 < n)
			h[i].next_entry = (uintptr_t)&h[i + 1];
	}
	ret = sys_register(-1, IORING_REGISTER_QUERY, h, 0);
	trail(OP_QUERY, n, h[0].query_op, ret);
	expect_ret("QUERY", ret, 0);
	for (i = 0; i < n; i++)
		if (h[i].query_op > 3 && h[i].result != -EOPNOTSUPP)
			wfail("query op %u: result %d", h[i].query_op,
			      h[i].result);
}

/* Sockets */

static int free_sock(void)
{
	int i;

	for (i = 0; i < MAX_SOCKS; i++)
		if (!socks[i].live)
			return i;
	return -1;
}

static int sock_make(struct fsock *s)
{
	int fds[2];

	switch (s->kind) {
	case SK_NIC:
		s->fd = accept4(nic_listen, NULL, NULL, SOCK_CLOEXEC);
		return s->fd;
	case SK_LO:
		s->peer = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->peer < 0 || connect(s->peer, (void *)&lo_addr,
					   sizeof(lo_addr)))
			return -1;
		fcntl(s->peer, F_SETFL, O_NONBLOCK);
		s->fd = accept4(lo_listen, NULL, NULL, SOCK_CLOEXEC);
		return s->fd;
	case SK_UDP:
		s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		return s->fd;
	case SK_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
			return -1;
		s->fd = fds[0];
		s->peer = fds[1];
		return 0;
	case SK_PIPE:
		if (pipe2(fds, O_CLOEXEC))
			return -1;
		s->fd = fds[0];
		s->peer = fds[1];
		return 0;
	default:
		/* a number no file has */
		s->fd = 5000 + below(1000);
		return fcntl(s->fd, F_GETFD) < 0 ? 0 : -1;
	}
}

static void sock_free(struct fsock *s)
{
	if (s->kind != SK_CLOSED && s->fd >= 0)
		close(s->fd);
	if (s->peer >= 0)
		close(s->peer);
	s->live = false;
	s->gen++;
}

static void op_sock_open(void)
{
	int i = free_sock(), ret;
	struct fsock *s;

	if (i < 0)
		return;
	s = &socks[i];
	s->kind = below(100) < 40 ? SK_NIC : below(NR_SK);
	s->fd = s->peer = -1;
	s->rx_off = s->tx_off = 0;
	s->armed = 0;
	s->dirty = false;
	s->first_bad = -1;
	s->live = true;
	me->calls++;
	ret = sock_make(s);
	trail(OP_SOCK_OPEN, i, s->kind, ret < 0 ? -errno : 0);
	if (ret < 0)
		sock_free(s);
}

static void op_sock_write(void)
{
	static uint8_t buf[65536];
	int i = below(MAX_SOCKS);
	struct fsock *s = &socks[i];
	size_t n = 1 + below(sizeof(buf));
	ssize_t ret;

	if (!s->live || s->kind != SK_LO)
		return;
	pattern_fill(buf, s->tx_off, n);
	ret = write(s->peer, buf, n);
	trail(OP_SOCK_WRITE, i, n, ret < 0 ? -errno : (int)ret);
	if (ret > 0)
		s->tx_off += ret;
}

static void op_sock_close(void)
{
	int i = below(MAX_SOCKS);
	struct fsock *s = &socks[i];

	if (!s->live)
		return;
	trail(OP_SOCK_CLOSE, i, s->armed, 0);
	if (chance(30) && s->kind <= SK_LO) {
		shutdown(s->fd, below(2) ? SHUT_RD : SHUT_RDWR);
		return;
	}
	sock_free(s);
}

/* RECV_ZC */

static int free_req(void)
{
	int i;

	for (i = 0; i < MAX_REQS; i++)
		if (!reqs[i].live)
			return i;
	return -1;
}

/* The result a request on @s must end with, the fault being the socket */
static int sock_expect(const struct fsock *s)
{
	switch (s->kind) {
	case SK_UDP:
	case SK_UNIX:
		return -EPROTONOSUPPORT;
	case SK_PIPE:
		return -ENOTSOCK;
	case SK_CLOSED:
		return -EBADF;
	default:
		return NO_EXPECT;
	}
}

/* One wrong SQE field (§6), all -EINVAL */
static void sqe_break(struct io_uring_sqe *sqe)
{
	switch (below(6)) {
	case 0:
		sqe->ioprio = 0;
		break;
	case 1:
		sqe->ioprio |= 4 << below(13);
		break;
	case 2:
		sqe->addr = 1 + below(1 << 20);
		break;
	case 3:
		sqe->off = 1 + below(1 << 20);
		break;
	case 4:
		sqe->addr3 = 1 + below(1 << 20);
		break;
	default:
		sqe->msg_flags = MSG_DONTWAIT;
		break;
	}
}

static uint32_t pick_limit(void)
{
	switch (below(8)) {
	case 0:
		return 1 + below(100);
	case 1:
		return 1 + below(1 << 20);
	case 2:
		return 0xffffffff;
	default:
		return 0;
	}
}

static void recv_prep(struct io_uring_sqe *sqe, struct freq *q,
		      const struct fsock *s, uint32_t id)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_RECV_ZC;
	sqe->fd = s ? s->fd : -1;
	sqe->ioprio = IORING_RECV_MULTISHOT |
		      (chance(20) ? IORING_RECVSEND_POLL_FIRST : 0);
	sqe->len = q->limit;
	sqe->zcrx_ifq_idx = id;
	if (chance(5))
		sqe->flags |= IOSQE_ASYNC;
}

static void op_recv(void)
{
	int r = pick_live_ring(), slot = free_req(), i, si;
	struct io_uring_sqe *sqe;
	struct freq *q;
	struct fsock *s;
	uint32_t id = 0x10000 + below(100);

	if (r < 0 || slot < 0)
		return;
	si = below(MAX_SOCKS);
	s = socks[si].live ? &socks[si] : NULL;
	q = &reqs[slot];
	*q = (struct freq){ .seq = ++req_seq, .ring = r, .inst = -1,
			    .sock = s ? si : -1, .limit = pick_limit(),
			    .expect = NO_EXPECT };
	i = pick_inst_on(r);
	if (s && s->kind == SK_NIC && chance(60))
		i = pick_own_queue(r, i);
	if (i >= 0 && chance(95)) {
		q->inst = i;
		id = insts[i].id;
	}
	sqe = io_uring_get_sqe(&rings[r].ring);
	if (!sqe)
		return;
	recv_prep(sqe, q, s, id);
	if (!rings[r].valid) {
		q->expect = NO_EXPECT;
	} else if (chance(10)) {
		sqe_break(sqe);
		q->expect = -EINVAL;
	} else if (q->inst < 0) {
		q->expect = -EINVAL;
	} else {
		q->expect = s ? sock_expect(s) : -EBADF;
	}
	if (s) {
		q->sock_gen = s->gen;
		if (s->armed)
			s->dirty = true;
		s->armed++;
		q->verify = q->inst >= 0 && insts[q->inst].honest && !s->dirty;
	}
	sqe->user_data = ((uint64_t)q->seq << 8) | slot;
	q->live = true;
	me->calls++;
	i = io_uring_submit(&rings[r].ring);
	trail(OP_RECV, ((uint64_t)si << 32) | id, q->limit, i);
}

/* Refill */

static bool rq_push(struct finst *in, uint64_t off, uint32_t len)
{
	uint32_t tail = *in->ktail, head;

	head = __atomic_load_n(in->khead, __ATOMIC_ACQUIRE);
	if (tail - head >= in->rq_entries)
		return false;
	in->rqes[tail & (in->rq_entries - 1)] =
		(struct io_uring_zcrx_rqe){ .off = off, .len = len };
	__atomic_store_n(in->ktail, tail + 1, __ATOMIC_RELEASE);
	me->refill++;
	return true;
}

static void stale_note(struct finst *in, uint64_t off)
{
	in->stale[in->nr_stale++ % MAX_STALE] = off;
}

/* Give back a buffer we hold, properly; false if the ring is full. */
static bool give_back(struct finst *in, uint64_t off)
{
	if (!in->rqes)
		return false;
	if (!rq_push(in, off, 1U << in->buf_shift)) {
		flush_rq(in);
		if (!rq_push(in, off, 1U << in->buf_shift))
			return false;
	}
	stale_note(in, off);
	return true;
}

static void hold(struct finst *in, uint64_t off)
{
	if (in->nr_held == MAX_HELD) {
		/* kept for good: the instance scrubs it at the end */
		memmove(in->held, in->held + 1,
			(MAX_HELD - 1) * sizeof(in->held[0]));
		in->nr_held--;
	}
	in->held[in->nr_held++] = off;
}

static void op_refill(void)
{
	int i = pick_inst(true), n;
	struct finst *in;

	if (i < 0)
		return;
	in = &insts[i];
	n = in->nr_held ? 1 + below(in->nr_held) : 0;
	trail(OP_REFILL, i, n, 0);
	while (n-- > 0 && in->nr_held) {
		if (!give_back(in, in->held[in->nr_held - 1]))
			break;
		in->nr_held--;
	}
	if (chance(50))
		flush_rq(in);
}

/*
 * A garbage entry; most are well formed and name buffers we do not hold.
 * Without @malformed none has a bad area id, offset or __pad: the kernel
 * skips those entries, where a malformed one ends a FLUSH_RQ pass.
 */
static struct io_uring_zcrx_rqe garbage(struct finst *in, bool malformed)
{
	unsigned int nbufs = in->areas_known ? in->areas[0].len >> in->buf_shift
					     : 16;
	struct io_uring_zcrx_rqe e = { .len = 1U << in->buf_shift };
	unsigned int k = below(100);

	if (!malformed && k >= 35 && k < 40)
		k = 100;
	if (!nbufs)
		nbufs = 1;
	e.off = below(nbufs) << in->buf_shift;
	if (k < 15 && in->nr_held) {
		e.off = in->held[below(in->nr_held)];	/* held, maybe twice */
	} else if (k < 35 && in->nr_stale) {
		e.off = in->stale[below(in->nr_stale < MAX_STALE ?
					in->nr_stale : MAX_STALE)];
	} else if (k < 37) {
		e.off = (uint64_t)nbufs << in->buf_shift;
		e.off += below(1 << 20);		/* past the area */
	} else if (k < 39) {
		e.off |= (1 + below(0xffff)) << IORING_ZCRX_AREA_SHIFT;
	} else if (k < 40) {
		e.__pad = 1 + below(1000);
	} else if (k < 50) {
		e.len = rnd();
		e.off += below(1U << in->buf_shift);
	}
	return e;
}

/* Fill the free part of the ring with garbage; the number written. */
static uint32_t bulk_fill(struct finst *in, bool malformed)
{
	uint32_t tail = *in->ktail, head, n, j;

	head = __atomic_load_n(in->khead, __ATOMIC_ACQUIRE);
	n = in->rq_entries - (tail - head);
	if (n > in->rq_entries)
		return 0;
	for (j = 0; j < n; j++)
		in->rqes[(tail + j) & (in->rq_entries - 1)] =
			garbage(in, malformed);
	__atomic_store_n(in->ktail, tail + n, __ATOMIC_RELEASE);
	me->refill += n;
	return n;
}

/* head and tail further apart than a ring: made up */
static bool rq_bogus(const struct finst *in)
{
	uint32_t head = __atomic_load_n(in->khead, __ATOMIC_ACQUIRE);

	return *in->ktail - head > in->rq_entries;
}

/* FLUSH_RQ until the kernel took everything, or @max calls */
static void bulk_flush(struct finst *in, unsigned int max)
{
	uint32_t head, tail;

	while (max--) {
		head = __atomic_load_n(in->khead, __ATOMIC_ACQUIRE);
		tail = __atomic_load_n(in->ktail, __ATOMIC_ACQUIRE);
		if (head == tail)
			break;
		expect_ret("FLUSH_RQ", flush_rq(in), 0);
	}
}

/*
 * Fill the ring with garbage and let the kernel eat it, a few rounds; now
 * and then with malformed entries, each of which ends a pass.
 */
static void op_refill_bulk(void)
{
	int i = pick_hostile(), rounds = 3 + below(6);
	bool malformed = chance(15);
	struct finst *in;
	uint64_t n = 0;

	if (i < 0)
		return;
	in = &insts[i];
	/*
	 * A tail made up far ahead (OP_REFILL_HT) keeps the ring full for
	 * many passes: the kernel had its go at it, start over mostly.
	 */
	if (rq_bogus(in) && chance(75))
		__atomic_store_n(in->ktail, *in->khead, __ATOMIC_RELEASE);
	while (rounds--) {
		n += bulk_fill(in, malformed);
		bulk_flush(in, malformed ? 8 : 6);
	}
	/* what we held, we may hold no more: the garbage named it */
	in->nr_held = 0;
	trail(OP_REFILL_BULK, i, n, malformed);
}

static void op_refill_ht(void)
{
	int i = pick_hostile();
	struct finst *in;
	uint32_t v;

	if (i < 0)
		return;
	in = &insts[i];
	v = rnd();
	switch (below(4)) {
	case 0:
		__atomic_store_n(in->khead, v, __ATOMIC_RELEASE);
		break;
	case 1:
		v = *in->ktail + below(in->rq_entries * 8);
		__atomic_store_n(in->ktail, v, __ATOMIC_RELEASE);
		break;
	case 2:
		v = *in->ktail - below(in->rq_entries * 2);
		__atomic_store_n(in->ktail, v, __ATOMIC_RELEASE);
		break;
	default:
		/* back to sane: nothing pending */
		v = __atomic_load_n(in->khead, __ATOMIC_ACQUIRE);
		__atomic_store_n(in->ktail, v, __ATOMIC_RELEASE);
		break;
	}
	in->nr_held = 0;
	flush_rq(in);
	trail(OP_REFILL_HT, i, v, 0);
}

/* Completions */

static const uint8_t *data_ptr(const struct finst *in, uint64_t off)
{
	unsigned int a = off >> IORING_ZCRX_AREA_SHIFT;

	if (a >= in->nr_areas || !in->areas[a].base)
		return NULL;
	return in->areas[a].base + (off & ~IORING_ZCRX_AREA_MASK);
}

static void data_check_place(const struct finst *in,
			     const struct io_uring_cqe *cqe, uint64_t off)
{
	const struct io_uring_zcrx_cqe *z = io_uring_zcrx_cqe(cqe);
	uint64_t in_buf = (off & ~IORING_ZCRX_AREA_MASK) &
			  ((1ULL << in->buf_shift) - 1);

	if (cqe->res <= 0)
		wfail("data completion (F_MORE) with res %d", cqe->res);
	if (z->__pad)
		wfail("zcrx cqe __pad %#llx", (unsigned long long)z->__pad);
	if (in_buf + cqe->res > (1ULL << in->buf_shift))
		wfail("completion off %#llx len %d crosses its %u-byte buffer",
		      (unsigned long long)off, cqe->res, 1U << in->buf_shift);
	if (in->areas_known && !in->shared &&
	    (off >> IORING_ZCRX_AREA_SHIFT) >= in->nr_areas)
		wfail("completion off %#llx names area %llu of %u",
		      (unsigned long long)off,
		      (unsigned long long)(off >> IORING_ZCRX_AREA_SHIFT),
		      in->nr_areas);
}

static void data_verify(struct finst *in, struct fsock *s, uint64_t off,
			int len)
{
	const uint8_t *p = data_ptr(in, off);
	uint64_t bad;

	if (!p)
		return;
	bad = pattern_check(p, s->rx_off, len, &s->first_bad);
	if (bad)
		wfail("%" PRIu64 " bad bytes of %d at stream offset %" PRIu64
		      " (first %" PRId64 "), %s socket, off %#llx", bad, len,
		      s->rx_off, s->first_bad,
		      s->kind == SK_NIC ? "NIC" : "loopback",
		      (unsigned long long)off);
	me->verified_bytes += len;
}

static void handle_data(struct freq *q, const struct io_uring_cqe *cqe)
{
	uint64_t off = io_uring_zcrx_cqe(cqe)->off;
	struct fsock *s = NULL;
	struct finst *in;

	if (q->inst < 0)
		wfail("data completion for a request on no instance");
	in = &insts[q->inst];
	data_check_place(in, cqe, off);
	q->sum += cqe->res;
	me->data_bytes += cqe->res;
	if (q->limit && q->sum > q->limit)
		wfail("read limit %u overrun: %" PRIu64 " bytes", q->limit,
		      q->sum);
	if (q->sock >= 0 && socks[q->sock].live &&
	    socks[q->sock].gen == q->sock_gen)
		s = &socks[q->sock];
	if (s && q->verify && !s->dirty)
		data_verify(in, s, off, cqe->res);
	if (s)
		s->rx_off += cqe->res;
	if (in->honest) {
		if (!give_back(in, off))
			hold(in, off);
		return;
	}
	hold(in, off);
}

static void handle_end(struct freq *q, const struct io_uring_cqe *cqe)
{
	struct fsock *s = NULL;

	if (q->sock >= 0 && socks[q->sock].live &&
	    socks[q->sock].gen == q->sock_gen)
		s = &socks[q->sock];
	if (cqe->flags & ~IORING_CQE_F_SOCK_NONEMPTY)
		wfail("final completion with flags %#x", cqe->flags);
	if (q->expect != NO_EXPECT && cqe->res != q->expect)
		wfail("RECV_ZC ended with %d, the ABI says %d", cqe->res,
		      q->expect);
	if (s)
		s->armed--;
	q->live = false;
}

static void handle_event(int r, const struct io_uring_cqe *cqe)
{
	unsigned int slot = cqe->user_data & 0xff;
	struct finst *in = slot < MAX_INSTS ? &insts[slot] : NULL;

	if (!in || !in->live || in->ring != r || !in->has_ev ||
	    in->imported)
		wfail("event completion %#llx for no instance of ours",
		      (unsigned long long)cqe->user_data);
	if ((cqe->res != 0 && cqe->res != 1) || cqe->flags)
		wfail("event completion res %d flags %#x", cqe->res,
		      cqe->flags);
}

static void handle_cqe(int r, const struct io_uring_cqe *cqe)
{
	unsigned int slot = cqe->user_data & 0xff;
	struct freq *q = &reqs[slot % MAX_REQS];

	me->cqes++;
	if ((cqe->user_data & EV_UD) == EV_UD) {
		handle_event(r, cqe);
		return;
	}
	if (slot >= MAX_REQS || !q->live || q->ring != r ||
	    q->seq != (uint32_t)(cqe->user_data >> 8))
		wfail("stray completion user_data %#llx res %d flags %#x",
		      (unsigned long long)cqe->user_data, cqe->res,
		      cqe->flags);
	if (cqe->flags & IORING_CQE_F_MORE)
		handle_data(q, cqe);
	else
		handle_end(q, cqe);
}

static int reap(int r, bool wait)
{
	struct io_uring *ring = &rings[r].ring;
	struct __kernel_timespec ts = { 0, 1000000L * (1 + below(5)) };
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret;

	me->calls++;
	if (wait)
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	else
		ret = io_uring_submit_and_get_events(ring);
	io_uring_for_each_cqe(ring, head, cqe) {
		handle_cqe(r, cqe);
		seen++;
	}
	io_uring_cq_advance(ring, seen);
	return ret < 0 ? ret : (int)seen;
}

static void op_reap(void)
{
	int r = pick_live_ring();

	if (r < 0)
		return;
	trail(OP_REAP, r, 0, reap(r, chance(30)));
}

/* fork() with rings open: the child touches them and exits. */
static void op_fork(void)
{
	int r = pick_live_ring(), i = pick_inst(false), status;
	pid_t pid;

	me->calls++;
	me->forks++;
	pid = fork();
	if (pid == 0) {
		if (r >= 0 && below(2))
			io_uring_submit_and_get_events(&rings[r].ring);
		if (i >= 0 && insts[i].areas[0].base && !insts[i].dmabuf)
			insts[i].areas[0].base[0] ^= 1;	/* COW a pinned page */
		if (i >= 0 && below(2))
			flush_rq(&insts[i]);
		if (below(4) == 0)
			raise(SIGKILL);
		_exit(0);
	}
	trail(OP_FORK, r, i, pid < 0 ? -errno : 0);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* The worker */

/* The NIC flow: a child in the peer's netns streams to our port. */
static void sender_run(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(o.port + widx) };
	int ns, fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the next incarnation of the worker listens on that port again */
	close(nic_listen);
	close(lo_listen);
	ns = open(o.netns, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET))
		_exit(1);
	inet_pton(AF_INET, o.addr, &sa.sin_addr);
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			_exit(1);
		if (connect(fd, (void *)&sa, sizeof(sa))) {
			close(fd);
			pause_ms(20);
			continue;
		}
		/* long enough to outlast the socket buffers */
		pattern_write(fd, 0, (1 << 20) + below(64 << 20));
		close(fd);
	}
}

static int listen_on(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr) };
	uint64_t deadline = now_ms() + 10000;
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* a killed incarnation's sender may hold it a little longer */
	while (bind(fd, (void *)&sa, sizeof(sa)) && errno == EADDRINUSE &&
	       now_ms() < deadline)
		pause_ms(20);
	if (listen(fd, 16))
		wfail("listen on port %u: %s", port, strerror(errno));
	if (addr == INADDR_LOOPBACK) {
		getsockname(fd, (void *)&lo_addr, &len);
		/* connect() blocks, accept() below finds it at once */
		fcntl(fd, F_SETFL, 0);
	}
	return fd;
}

static void worker_setup(void)
{
	int i;

	for (i = 0; i < MAX_SOCKS; i++)
		socks[i].fd = socks[i].peer = -1;
	for (i = 0; i < MAX_INSTS; i++)
		insts[i] = (struct finst){ 0 };
	lo_listen = listen_on(INADDR_LOOPBACK, 0);
	if (o.port) {
		nic_listen = listen_on(INADDR_ANY, o.port + widx);
		sender = fork();
		if (sender == 0) {
			rng ^= 0x5e4d;
			sender_run();
		}
	}
}

static enum fuzz_op pick_op(void)
{
	static const unsigned char weight[NR_OPS] = {
		[OP_RING_OPEN] = 3,	[OP_RING_CLOSE] = 1,
		[OP_REGISTER] = 10,	[OP_EXPORT] = 3,
		[OP_IMPORT] = 3,	[OP_CTRL] = 14,
		[OP_ADD_AREA] = 3,	[OP_QUERY] = 4,
		[OP_SOCK_OPEN] = 6,	[OP_SOCK_WRITE] = 8,
		[OP_SOCK_CLOSE] = 3,	[OP_RECV] = 14,
		[OP_REAP] = 16,		[OP_REFILL] = 6,
		[OP_REFILL_BULK] = 10,	[OP_REFILL_HT] = 1,
		[OP_FORK] = 1,
	};
	unsigned int total = 0, k, i;

	for (i = 0; i < NR_OPS; i++)
		total += weight[i];
	k = below(total);
	for (i = 0; k >= weight[i]; i++)
		k -= weight[i];
	return i;
}

static void run_op(enum fuzz_op op)
{
	static void (*const fn[NR_OPS])(void) = {
		[OP_RING_OPEN] = op_ring_open,	[OP_RING_CLOSE] = op_ring_close,
		[OP_REGISTER] = op_register,	[OP_EXPORT] = op_export,
		[OP_IMPORT] = op_import,	[OP_CTRL] = op_ctrl,
		[OP_ADD_AREA] = op_add_area,	[OP_QUERY] = op_query,
		[OP_SOCK_OPEN] = op_sock_open,	[OP_SOCK_WRITE] = op_sock_write,
		[OP_SOCK_CLOSE] = op_sock_close, [OP_RECV] = op_recv,
		[OP_REAP] = op_reap,		[OP_REFILL] = op_refill,
		[OP_REFILL_BULK] = op_refill_bulk,
		[OP_REFILL_HT] = op_refill_ht,	[OP_FORK] = op_fork,
	};

	fn[op]();
}

/* Push a packet through every CPU's NET_RX: deferred skb frees run. */
static void flush_defer(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long cpu, n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set, all;
	int fd;

	sched_getaffinity(0, sizeof(all), &all);
	for (cpu = 0; cpu < n; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			connect(fd, (void *)&sa, sizeof(sa));
			close(fd);
		}
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/*
 * Until every worker closed its sockets (a listener's queue included), a
 * socket of one may hold buffers of another's instance, which then stays
 * pinned: wait for them, 10 s at most (a failed one never gets there).
 */
static void wait_all_closed(void)
{
	uint64_t end = now_ms() + 10000;
	unsigned int i;

	me->closed = 1;
	for (i = 0; i < o.workers && now_ms() < end; ) {
		me->heartbeat_ms = now_ms();
		if (shm->w[i].closed || shm->w[i].failed)
			i++;
		else
			pause_ms(20);
	}
}

/* Everything closed: VmPin must come back to @base. */
static void worker_teardown(long base)
{
	uint64_t end;
	long pin;
	int i;

	for (i = 0; i < MAX_RINGS; i++)
		if (rings[i].live)
			ring_close(i);
	for (i = 0; i < MAX_SOCKS; i++)
		if (socks[i].live)
			sock_free(&socks[i]);
	if (sender > 0) {
		kill(sender, SIGKILL);
		waitpid(sender, NULL, 0);
	}
	close(nic_listen);
	close(lo_listen);
	wait_all_closed();
	end = now_ms() + 30000;
	while ((pin = vm_pin_kb()) != base) {
		me->heartbeat_ms = now_ms();
		if (now_ms() > end)
			wfail("VmPin %ld kB 30 s after every ring closed, %ld kB before",
			      pin, base);
		flush_defer();
		pause_ms(50);
	}
}

static void worker_main(unsigned int idx)
{
	long base;

	widx = idx;
	me = &shm->w[idx];
	me->pid = getpid();
	rng = worker_seed(o.seed, idx, me->gen);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	base = vm_pin_kb();
	worker_setup();
	while (!shm->stop && (!o.max_ops || me->ops < o.max_ops)) {
		run_op(pick_op());
		me->ops++;
		me->heartbeat_ms = now_ms();
	}
	worker_teardown(base);
	me->done = 1;
	_exit(0);
}

/* The parent */

static pid_t worker_start(unsigned int idx)
{
	pid_t pid;

	shm->w[idx].heartbeat_ms = now_ms();
	shm->w[idx].done = 0;
	shm->w[idx].closed = 0;
	pid = fork();
	if (pid < 0) {
		perror("zcrx_fuzz: fork");
		exit(1);
	}
	if (pid == 0)
		worker_main(idx);
	shm->w[idx].pid = pid;
	return pid;
}

static void print_trails(void)
{
	unsigned int i, k;

	for (i = 0; i < o.workers; i++) {
		struct wslot *w = &shm->w[i];
		uint64_t n = w->nr_trail, first = n > TRAIL_LEN ? n - TRAIL_LEN : 0;

		printf("# worker %u gen %u: ops=%" PRIu64 "%s%s\n", i, w->gen,
		       w->ops, w->failed ? " FAILED: " : "",
		       w->failed ? w->why : "");
		for (k = first; k < n; k++) {
			struct trail_ent *t = &w->trail[k % TRAIL_LEN];

			printf("#   op %" PRIu64 " %s a=%#" PRIx64 " b=%#" PRIx64
			       " ret=%d\n", t->seq, op_names[t->op], t->a, t->b,
			       t->ret);
		}
	}
}

static void drain_mbox(void)
{
	struct xinfo x;
	int fd;

	while ((fd = recv_fd(&x)) >= 0)
		close(fd);
}

/* A worker ended: a failure, or (op count reached) finished. */
static bool reap_workers(pid_t *pids, unsigned int *alive, bool *fail)
{
	unsigned int i;
	int status;

	for (i = 0; i < o.workers; i++) {
		if (pids[i] <= 0 || waitpid(pids[i], &status, WNOHANG) <= 0)
			continue;
		pids[i] = 0;
		(*alive)--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) ||
		    shm->w[i].failed) {
			if (!shm->w[i].failed)
				snprintf(shm->w[i].why, sizeof(shm->w[i].why),
					 "exited with status %#x", status);
			shm->w[i].failed = 1;
			*fail = true;
		}
	}
	return *fail;
}

static void print_stack(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#   %s", line);
	fclose(f);
}

static bool watchdog(pid_t *pids)
{
	uint64_t now = now_ms();
	unsigned int i;

	for (i = 0; i < o.workers; i++) {
		struct wslot *w = &shm->w[i];

		/* signed: the worker may have moved on since @now */
		if (pids[i] <= 0 ||
		    (int64_t)(now - w->heartbeat_ms) < o.watchdog_s * 1000ll)
			continue;
		snprintf(w->why, sizeof(w->why),
			 "hung: no progress for %u s (last op below)",
			 o.watchdog_s);
		w->failed = 1;
		printf("# worker %u (pid %d) hangs; its kernel stack:\n", i,
		       pids[i]);
		print_stack(pids[i]);
		return true;
	}
	return false;
}

static void kill_one(pid_t *pids, uint64_t *kills)
{
	unsigned int i = below(o.workers);

	if (pids[i] <= 0 || shm->w[i].done || shm->stop)
		return;
	kill(pids[i], SIGKILL);
	waitpid(pids[i], NULL, 0);
	(*kills)++;
	shm->w[i].gen++;
	pids[i] = worker_start(i);
}

static void print_totals(uint64_t kills, uint64_t ms)
{
	uint64_t t[12] = { 0 };
	unsigned int i;

	for (i = 0; i < o.workers; i++) {
		struct wslot *w = &shm->w[i];

		t[0] += w->calls;
		t[1] += w->refill;
		t[2] += w->ops;
		t[3] += w->cqes;
		t[4] += w->data_bytes;
		t[5] += w->verified_bytes;
		t[6] += w->forks;
		t[7] += w->regs_ok;
		t[8] += w->imports_ok;
		t[9] += w->zc_bytes;
		t[10] += w->copy_bytes;
		t[11] += w->regs_own;
	}
	printf("# fuzz: seed=%" PRIu64 " calls=%" PRIu64 " refill_entries=%"
	       PRIu64 " workers=%u kills=%" PRIu64 " ops=%" PRIu64 " cqes=%"
	       PRIu64 " data_bytes=%" PRIu64 " verified_bytes=%" PRIu64
	       " forks=%" PRIu64 " regs=%" PRIu64 " regs_own_queue=%" PRIu64
	       " imports=%" PRIu64
	       " zc_bytes=%" PRIu64 " copy_bytes=%" PRIu64
	       " seconds=%" PRIu64 ".%03" PRIu64 "\n", o.seed, t[0], t[1],
	       o.workers, kills, t[2], t[3], t[4], t[5], t[6], t[7], t[11],
	       t[8], t[9], t[10], ms / 1000, ms % 1000);
}

/* Stop the workers and wait for them to close everything. */
static void stop_all(pid_t *pids, unsigned int *alive, bool *fail)
{
	unsigned int i;

	shm->stop = 1;
	while (*alive) {
		drain_mbox();
		reap_workers(pids, alive, fail);
		if (*alive && watchdog(pids)) {
			*fail = true;
			break;
		}
		pause_ms(50);
	}
	for (i = 0; i < o.workers; i++) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	drain_mbox();
}

/* -C and -R: the calls and refill entries wanted, if any */
static bool enough(void)
{
	uint64_t calls = 0, refill = 0;
	unsigned int i;

	if (!o.want_calls && !o.want_refill)
		return false;
	for (i = 0; i < o.workers; i++) {
		calls += shm->w[i].calls;
		refill += shm->w[i].refill;
	}
	return calls >= o.want_calls && refill >= o.want_refill;
}

static int parent_main(void)
{
	uint64_t start = now_ms(), next_kill, kills = 0;
	pid_t pids[MAX_WORKERS] = { 0 };
	unsigned int i, alive = o.workers;
	bool fail = false;

	rng = o.seed;
	next_kill = start + (o.kill_ms ? below(2 * o.kill_ms) : 0);
	for (i = 0; i < o.workers; i++)
		pids[i] = worker_start(i);
	while (!fail && now_ms() - start < o.duration_s * 1000ull) {
		if (reap_workers(pids, &alive, &fail) || watchdog(pids)) {
			fail = true;
			break;
		}
		/* each did its OPS, or together they did enough */
		if (!alive || enough())
			break;
		if (o.kill_ms && now_ms() >= next_kill) {
			kill_one(pids, &kills);
			next_kill = now_ms() + below(2 * o.kill_ms);
		}
		pause_ms(20);
	}
	stop_all(pids, &alive, &fail);
	print_totals(kills, now_ms() - start);
	for (i = 0; i < o.workers; i++)
		fail |= shm->w[i].failed;
	if (vm_pin_kb() > 0) {
		printf("# the parent has VmPin %ld kB\n", vm_pin_kb());
		fail = true;
	}
	if (fail) {
		printf("# FAIL: reproduce with zcrx_fuzz -S %" PRIu64
		       " (same options); the last %u ops of each worker:\n",
		       o.seed, TRAIL_LEN);
		print_trails();
	}
	printf("done: %s\n", fail ? "FAIL" : "ok");
	return fail;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zcrx_fuzz -i IF -q FIRSTQ -Q NQUEUES [-I IF2] [-w WORKERS]\n"
		"                 [-d SECONDS] [-n OPS] [-S SEED]\n"
		"                 [-P PORT -a ADDR -N NETNS] [-k KILL_MS]\n"
		"                 [-W WATCHDOG_S] [-C CALLS] [-R REFILL]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	int c;

	o = (struct opts){ .workers = 4, .duration_s = 30, .kill_ms = 3000,
			   .watchdog_s = 60, .nq = 1 };
	o.seed = (uint64_t)time(NULL) * 1000003 ^ getpid();
	o.seed = splitmix64(&o.seed);
	while ((c = getopt(argc, argv, "i:I:q:Q:w:d:n:S:P:a:N:k:W:C:R:")) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'I': o.ifname2 = optarg; break;
		case 'q': o.firstq = atoi(optarg); break;
		case 'Q': o.nq = atoi(optarg); break;
		case 'w': o.workers = atoi(optarg); break;
		case 'd': o.duration_s = atoi(optarg); break;
		case 'n': o.max_ops = strtoull(optarg, NULL, 0); break;
		case 'S': o.seed = strtoull(optarg, NULL, 0); break;
		case 'P': o.port = atoi(optarg); break;
		case 'a': o.addr = optarg; break;
		case 'N': o.netns = optarg; break;
		case 'k': o.kill_ms = atoi(optarg); break;
		case 'W': o.watchdog_s = atoi(optarg); break;
		case 'C': o.want_calls = strtoull(optarg, NULL, 0); break;
		case 'R': o.want_refill = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!o.ifname || !o.nq || !o.workers || o.workers > MAX_WORKERS ||
	    (o.port && (!o.addr || !o.netns)))
		usage();
}

int main(int argc, char **argv)
{
	parse(argc, argv);
	printf("seed=%" PRIu64 "\n", o.seed);
	fflush(stdout);
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "zcrx_fuzz: no interface %s\n", o.ifname);
		return 1;
	}
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, mbox)) {
		perror("zcrx_fuzz: setup");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return parent_main();
}
