// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_rx: devmem TCP receiver, driven by tests/devmem/devmem.sh.
 *
 *   devmem_rx -i IFNAME -q QUEUE -p PORT [-6] [-s SIZE_MB] [-c CONNS]
 *             [-b BYTES] [-t SECONDS] [-n] [-L] [-r READY_FILE] [-w]
 *
 * It backs a udmabuf with a sealed memfd, binds the dma-buf to rx queue
 * QUEUE of IFNAME (netdev genetlink NETDEV_CMD_BIND_RX, raw netlink), then
 * accepts CONNS TCP connections on PORT one after another and reads each
 * with recvmsg(MSG_SOCK_DEVMEM). What it proves, per connection:
 *
 *  - payload placed in the dma-buf (SO_DEVMEM_DMABUF cmsgs) is the sent
 *    stream: every byte, read through the memfd mapping at frag_offset,
 *    matches the pstream pattern at its stream offset (byte i of a stream
 *    is byte i % 8 of pattern_word(i / 8), little endian), and carries the id of
 *    our binding;
 *  - bytes copied into the iov (SO_DEVMEM_LINEAR cmsgs, or ordinary
 *    readable skbs, which come without a cmsg) match the pattern as well;
 *    they are counted apart as "linear";
 *  - every frag token goes back with SO_DEVMEM_DONTNEED, and the kernel
 *    confirms each one (-n skips this: the socket is closed holding all of
 *    its tokens, for the kernel to reclaim them on close).
 *
 * Output, one line per connection and one verdict line once all are done:
 *   conn N: bytes=B devmem=D linear=L bad=K tokens=T frags=F
 *   done: ok|fail
 * (F dma-buf frags received, T tokens the kernel took back.) With -w the
 * program then waits for a line (or EOF) on stdin before it closes the
 * netlink socket, so the binding lives on while a test inspects the
 * device. READY_FILE (-r) appears, holding the binding id, once the
 * dma-buf is bound and the port listens.
 *
 * Exit status: 0 when every connection ended cleanly (EOF) with no bad
 * byte or protocol error, with BYTES bytes when -b is given, with devmem
 * bytes (none at all with -L, "expect linear only", the control case of a
 * flow arriving on an unbound queue) and, unless -n, all tokens returned;
 * 1 when a check failed; 2 on a usage or setup error; 3 when the kernel
 * refused the binding (its errno and extack message go to stderr).
 * -t bounds the wait for a connection or for data (default 60 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/genetlink.h>
#include <linux/netdev.h>
#include <linux/netlink.h>
#include <linux/udmabuf.h>
/*
 * struct dmabuf_cmsg and struct dmabuf_token live in the kernel's
 * linux/uio.h, which also defines struct iovec, as glibc does: rename the
 * kernel's copy out of the way.
 */
#define iovec kernel_uapi_iovec
#include <linux/uio.h>

#include "pattern.h"
#undef iovec

/* Values of the 6.12 uapi (asm-generic/socket.h), for older libc headers */
#ifndef SO_DEVMEM_LINEAR
#define SO_DEVMEM_LINEAR	78
#endif
#ifndef SO_DEVMEM_DMABUF
#define SO_DEVMEM_DMABUF	79
#endif
#ifndef SO_DEVMEM_DONTNEED
#define SO_DEVMEM_DONTNEED	80
#endif
/* Not in the uapi headers: include/linux/socket.h of 6.12 */
#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM		0x2000000
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

#define EXIT_FAIL	1
#define EXIT_SETUP	2
#define EXIT_REFUSED	3

#define RX_BUF		(256 * 1024)
/* 40 bytes a cmsg; frags hold up to a page of payload, usually an MSS */
#define CTRL_BUF	(128 * 1024)
/* sock_devmem_dontneed() takes at most 128 ranges and 1024 frags a call */
#define TOKEN_RANGES	128
#define TOKEN_FRAGS	1024
#define NL_BUF		(32 * 1024)

struct opts {
	const char *ifname;
	int queue;
	int port;
	bool v6;
	size_t size;
	int conns;
	int64_t bytes;
	int timeout_ms;
	bool no_dontneed;
	bool linear_only;
	const char *ready;
	bool wait_stdin;
};

struct conn {
	uint64_t bytes;		/* stream offset */
	uint64_t devmem;
	uint64_t linear;
	uint64_t bad;
	int64_t first_bad;
	uint64_t frags;
	uint64_t tokens;	/* confirmed by the kernel */
	uint64_t errors;	/* protocol errors, reported as they happen */
	bool eof;
};

struct tokens {
	struct dmabuf_token r[TOKEN_RANGES];
	unsigned int nr;
	unsigned int frags;
};

static struct opts o;
static uint8_t *dmabuf_map;
static int dmabuf_fd = -1;
static uint32_t binding_id;

static void die(const char *what)
{
	fprintf(stderr, "devmem_rx: %s: %s\n", what, strerror(errno));
	exit(EXIT_SETUP);
}

/* ---- the pstream pattern ---- */

static void check_bytes(struct conn *c, const uint8_t *p, uint64_t off,
			size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == pattern_byte(off + i))
			continue;
		if (c->first_bad < 0)
			c->first_bad = off + i;
		c->bad++;
	}
}

/* Compare LEN bytes at P with the stream at offset OFF, a word at a time. */
static void check_range(struct conn *c, const uint8_t *p, uint64_t off,
			size_t len)
{
	size_t head = (8 - off % 8) % 8, i;
	uint64_t w;

	if (head > len)
		head = len;
	check_bytes(c, p, off, head);
	for (i = head; i + 8 <= len; i += 8) {
		w = pattern_word((off + i) / 8);
		if (memcmp(p + i, &w, 8))
			check_bytes(c, p + i, off + i, 8);
	}
	check_bytes(c, p + i, off + i, len - i);
}

/* Bytes that could not be checked at all count as bad. */
static void mark_bad(struct conn *c, uint64_t off, size_t len)
{
	if (c->first_bad < 0)
		c->first_bad = off;
	c->bad += len;
}

/* ---- udmabuf over a sealed memfd ---- */

static void make_dmabuf(void)
{
	struct udmabuf_create create;
	int memfd, dev;

	memfd = memfd_create("devmem_rx", MFD_ALLOW_SEALING);
	if (memfd < 0)
		die("memfd_create");
	if (ftruncate(memfd, o.size))
		die("ftruncate");
	/* udmabuf wants the memfd unable to shrink under it */
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("F_ADD_SEALS");

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("/dev/udmabuf");
	memset(&create, 0, sizeof(create));
	create.memfd = memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = o.size;
	dmabuf_fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (dmabuf_fd < 0)
		die("UDMABUF_CREATE");
	close(dev);

	dmabuf_map = mmap(NULL, o.size, PROT_READ, MAP_SHARED, memfd, 0);
	if (dmabuf_map == MAP_FAILED)
		die("mmap memfd");
	/* The mapping and the dma-buf keep the pages */
	close(memfd);
}

/* CPU access brackets for reading what the device wrote */
static void dmabuf_sync(uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };

	if (ioctl(dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC");
}

/* ---- raw generic netlink ---- */

struct nlmsg {
	union {
		char buf[4096];
		struct nlmsghdr nh;
	};
};

static void nl_init(struct nlmsg *m, uint16_t type, uint8_t cmd,
		    uint8_t version)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = NLMSG_DATA(&m->nh);
	g->cmd = cmd;
	g->version = version;
}

static struct nlattr *nl_put(struct nlmsg *m, uint16_t type, const void *data,
			     size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nh.nlmsg_len));

	if (NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(m->buf)) {
		fprintf(stderr, "devmem_rx: netlink message too long\n");
		exit(EXIT_SETUP);
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void nl_put_u32(struct nlmsg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

static struct nlattr *nl_nest_start(struct nlmsg *m, uint16_t type)
{
	return nl_put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nl_nest_end(struct nlmsg *m, struct nlattr *nest)
{
	nest->nla_len = m->buf + m->nh.nlmsg_len - (char *)nest;
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("netlink socket");
	/* Error messages and bad-attribute offsets, without the request */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		die("NETLINK_EXT_ACK");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("netlink bind");
	return fd;
}

/* Print an error ack's extended ack TLVs: message, bad attribute. */
static void nl_print_extack(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	const char *end = (const char *)nh + nh->nlmsg_len;
	const char *p = (const char *)e + sizeof(*e);
	bool any = false;

	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		p += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		p = end;
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;
		const void *v = p + NLA_HDRLEN;
		int vlen = a->nla_len - NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			fprintf(stderr, "devmem_rx: extack: %.*s\n", vlen,
				(const char *)v);
			any = true;
			break;
		case NLMSGERR_ATTR_OFFS:
			fprintf(stderr, "devmem_rx: extack: bad attribute at offset %u\n",
				*(const uint32_t *)v);
			any = true;
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			fprintf(stderr, "devmem_rx: extack: missing attribute type %u\n",
				*(const uint32_t *)v);
			any = true;
			break;
		}
		p += NLA_ALIGN(a->nla_len);
	}
	if (!any)
		fprintf(stderr, "devmem_rx: extack: (no message)\n");
}

typedef void (*nl_attr_cb)(const struct nlattr *a, void *arg);

/*
 * Send M and read replies up to its ack. Attributes of reply messages go
 * to CB. Returns 0, or the positive errno of the kernel's error ack (its
 * extack printed).
 */
static int nl_request(int fd, struct nlmsg *m, nl_attr_cb cb, void *arg)
{
	static uint32_t seq;
	char *buf = malloc(NL_BUF);
	ssize_t n;
	int len;

	if (!buf)
		die("malloc");
	m->nh.nlmsg_seq = ++seq;
	if (send(fd, m->buf, m->nh.nlmsg_len, 0) != (ssize_t)m->nh.nlmsg_len)
		die("netlink send");

	for (;;) {
		struct nlmsghdr *nh;

		n = recv(fd, buf, NL_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("netlink recv");
		len = n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			const char *p, *end;

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				int err = -e->error;

				if (err)
					nl_print_extack(nh);
				free(buf);
				return err;
			}
			if (nh->nlmsg_type == NLMSG_DONE)
				continue;
			p = (const char *)NLMSG_DATA(nh) + GENL_HDRLEN;
			end = (const char *)nh + nh->nlmsg_len;
			while (p + NLA_HDRLEN <= end) {
				const struct nlattr *a = (const struct nlattr *)p;

				if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
					break;
				if (cb)
					cb(a, arg);
				p += NLA_ALIGN(a->nla_len);
			}
		}
	}
}

static void family_id_cb(const struct nlattr *a, void *arg)
{
	if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
		memcpy(arg, (const char *)a + NLA_HDRLEN, sizeof(uint16_t));
}

static void dmabuf_id_cb(const struct nlattr *a, void *arg)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NETDEV_A_DMABUF_ID)
		memcpy(arg, (const char *)a + NLA_HDRLEN, sizeof(uint32_t));
}

/*
 * Bind the dma-buf to the rx queue. Returns the netlink socket, which
 * holds the binding: closing it unbinds.
 */
static int bind_rx(void)
{
	uint16_t family = 0;
	struct nlattr *nest;
	unsigned int ifindex;
	struct nlmsg m;
	int fd, err;

	ifindex = if_nametoindex(o.ifname);
	if (!ifindex)
		die(o.ifname);
	fd = nl_open();

	nl_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nl_put(&m, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME,
	       sizeof(NETDEV_FAMILY_NAME));
	err = nl_request(fd, &m, family_id_cb, &family);
	if (err || !family) {
		fprintf(stderr, "devmem_rx: no genetlink family %s: %s\n",
			NETDEV_FAMILY_NAME, strerror(err ? err : ENOENT));
		exit(EXIT_SETUP);
	}

	nl_init(&m, family, NETDEV_CMD_BIND_RX, NETDEV_FAMILY_VERSION);
	nl_put_u32(&m, NETDEV_A_DMABUF_IFINDEX, ifindex);
	nl_put_u32(&m, NETDEV_A_DMABUF_FD, dmabuf_fd);
	nest = nl_nest_start(&m, NETDEV_A_DMABUF_QUEUES);
	nl_put_u32(&m, NETDEV_A_QUEUE_ID, o.queue);
	nl_put_u32(&m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	nl_nest_end(&m, nest);

	err = nl_request(fd, &m, dmabuf_id_cb, &binding_id);
	if (err) {
		fprintf(stderr, "devmem_rx: bind-rx %s queue %d refused: %s (errno %d)\n",
			o.ifname, o.queue, strerror(err), err);
		exit(EXIT_REFUSED);
	}
	if (!binding_id) {
		fprintf(stderr, "devmem_rx: bind-rx reply without a dmabuf id\n");
		exit(EXIT_SETUP);
	}
	printf("bound: %s queue %d dmabuf_id=%u size=%zu\n", o.ifname,
	       o.queue, binding_id, o.size);
	return fd;
}

/* ---- TCP ---- */

static int listen_on(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (o.v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(o.port);
		s6->sin6_addr = in6addr_any;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(o.port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128))
		die("bind/listen");
	return fd;
}

static bool wait_in(int fd, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, o.timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("poll");
	if (!n)
		fprintf(stderr, "devmem_rx: no %s within %d ms\n", what,
			o.timeout_ms);
	return n > 0;
}

/* Give the queued tokens back; the kernel returns how many it released. */
static void tokens_flush(int fd, struct conn *c, struct tokens *t)
{
	int ret;

	if (!t->nr)
		return;
	ret = setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, t->r,
			 t->nr * sizeof(t->r[0]));
	if (ret < 0) {
		fprintf(stderr, "devmem_rx: SO_DEVMEM_DONTNEED: %s\n",
			strerror(errno));
		c->errors++;
	} else {
		if ((unsigned int)ret != t->frags) {
			fprintf(stderr, "devmem_rx: SO_DEVMEM_DONTNEED released %d of %u tokens\n",
				ret, t->frags);
			c->errors++;
		}
		c->tokens += ret;
	}
	t->nr = 0;
	t->frags = 0;
}

static void tokens_add(int fd, struct conn *c, struct tokens *t, uint32_t tok)
{
	struct dmabuf_token *last = t->nr ? &t->r[t->nr - 1] : NULL;

	if (t->frags == TOKEN_FRAGS)
		tokens_flush(fd, c, t);
	else if (last && last->token_start + last->token_count == tok) {
		last->token_count++;
		t->frags++;
		return;
	}
	if (t->nr == TOKEN_RANGES)
		tokens_flush(fd, c, t);
	t->r[t->nr].token_start = tok;
	t->r[t->nr].token_count = 1;
	t->nr++;
	t->frags++;
}

/* Account and check the N bytes one recvmsg returned. */
static void handle_msg(int fd, struct conn *c, struct tokens *t,
		       struct msghdr *msg, const uint8_t *iov, size_t n)
{
	uint64_t off = c->bytes;
	size_t in_iov = 0, covered = 0;
	struct cmsghdr *cm;
	bool any = false, synced = false;

	if (msg->msg_flags & MSG_CTRUNC) {
		fprintf(stderr, "devmem_rx: control data truncated\n");
		c->errors++;
	}
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		const struct dmabuf_cmsg *d = (const void *)CMSG_DATA(cm);

		if (cm->cmsg_level != SOL_SOCKET ||
		    (cm->cmsg_type != SO_DEVMEM_LINEAR &&
		     cm->cmsg_type != SO_DEVMEM_DMABUF)) {
			fprintf(stderr, "devmem_rx: unexpected cmsg %d/%d\n",
				cm->cmsg_level, cm->cmsg_type);
			c->errors++;
			continue;
		}
		if (cm->cmsg_len < CMSG_LEN(sizeof(*d))) {
			fprintf(stderr, "devmem_rx: short devmem cmsg\n");
			c->errors++;
			continue;
		}
		if (covered + d->frag_size > n) {
			fprintf(stderr, "devmem_rx: cmsgs describe more than the %zu bytes received\n",
				n);
			c->errors++;
			break;
		}
		any = true;
		if (cm->cmsg_type == SO_DEVMEM_LINEAR) {
			/* Copied into the iov, in stream order */
			check_range(c, iov + in_iov, off, d->frag_size);
			in_iov += d->frag_size;
			c->linear += d->frag_size;
		} else {
			if (!synced) {
				dmabuf_sync(DMA_BUF_SYNC_START);
				synced = true;
			}
			c->frags++;
			if (d->dmabuf_id != binding_id) {
				fprintf(stderr, "devmem_rx: frag of dmabuf %u, bound %u\n",
					d->dmabuf_id, binding_id);
				c->errors++;
			}
			if (d->frag_offset > o.size ||
			    d->frag_size > o.size - d->frag_offset) {
				fprintf(stderr, "devmem_rx: frag %llu+%u beyond the %zu-byte dmabuf\n",
					(unsigned long long)d->frag_offset,
					d->frag_size, o.size);
				c->errors++;
				mark_bad(c, off, d->frag_size);
			} else {
				check_range(c, dmabuf_map + d->frag_offset,
					    off, d->frag_size);
			}
			c->devmem += d->frag_size;
			if (!o.no_dontneed)
				tokens_add(fd, c, t, d->frag_token);
		}
		off += d->frag_size;
		covered += d->frag_size;
	}
	if (synced)
		dmabuf_sync(DMA_BUF_SYNC_END);

	if (!any) {
		/* An ordinary readable skb: all of it is in the iov */
		check_range(c, iov, off, n);
		c->linear += n;
	} else if (covered != n) {
		fprintf(stderr, "devmem_rx: cmsgs cover %zu of %zu bytes\n",
			covered, n);
		c->errors++;
		mark_bad(c, c->bytes + covered, n - covered);
	}
	c->bytes += n;
}

static bool receive_conn(int fd, struct conn *c)
{
	static uint8_t iov_buf[RX_BUF];
	static union {
		char buf[CTRL_BUF];
		struct cmsghdr align;
	} ctrl;
	static struct tokens t;

	t.nr = 0;
	t.frags = 0;
	for (;;) {
		struct iovec iov = { .iov_base = iov_buf, .iov_len = sizeof(iov_buf) };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctrl.buf,
			.msg_controllen = sizeof(ctrl.buf),
		};
		ssize_t n;

		if (!wait_in(fd, "data"))
			return false;
		n = recvmsg(fd, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			fprintf(stderr, "devmem_rx: recvmsg: %s\n",
				strerror(errno));
			return false;
		}
		if (!n) {
			c->eof = true;
			return true;
		}
		handle_msg(fd, c, &t, &msg, iov_buf, n);
		/* The frags are checked: the kernel may have them back */
		tokens_flush(fd, c, &t);
	}
}

static bool conn_ok(const struct conn *c)
{
	if (!c->eof || c->bad || c->errors)
		return false;
	if (o.bytes >= 0 && c->bytes != (uint64_t)o.bytes)
		return false;
	if (o.linear_only ? c->devmem != 0 : c->devmem == 0)
		return false;
	if (!o.no_dontneed && c->tokens != c->frags)
		return false;
	return true;
}

static void write_ready(void)
{
	char tmp[4096];
	FILE *f;

	if (!o.ready)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.ready);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%u\n", binding_id);
	if (fclose(f) || rename(tmp, o.ready))
		die(o.ready);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: devmem_rx -i IFNAME -q QUEUE -p PORT [-6] [-s SIZE_MB] [-c CONNS]\n"
		"                 [-b BYTES] [-t SECONDS] [-n] [-L] [-r READY_FILE] [-w]\n");
	exit(EXIT_SETUP);
}

int main(int argc, char **argv)
{
	int opt, nlfd, lfd, i, ok = 1;
	long size_mb = 64;
	char line[64];

	o.queue = -1;
	o.conns = 1;
	o.bytes = -1;
	o.timeout_ms = 60000;
	while ((opt = getopt(argc, argv, "i:q:p:6s:c:b:t:nLr:w")) != -1) {
		switch (opt) {
		case 'i': o.ifname = optarg; break;
		case 'q': o.queue = atoi(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case '6': o.v6 = true; break;
		case 's': size_mb = atol(optarg); break;
		case 'c': o.conns = atoi(optarg); break;
		case 'b': o.bytes = strtoll(optarg, NULL, 0); break;
		case 't': o.timeout_ms = atoi(optarg) * 1000; break;
		case 'n': o.no_dontneed = true; break;
		case 'L': o.linear_only = true; break;
		case 'r': o.ready = optarg; break;
		case 'w': o.wait_stdin = true; break;
		default: usage();
		}
	}
	if (!o.ifname || o.queue < 0 || o.port <= 0 || o.port > 65535 ||
	    size_mb < 1 || o.conns < 0 || o.timeout_ms <= 0 || optind != argc)
		usage();
	o.size = (size_t)size_mb << 20;
	setvbuf(stdout, NULL, _IOLBF, 0);

	make_dmabuf();
	nlfd = bind_rx();
	lfd = listen_on();
	write_ready();

	for (i = 0; i < o.conns; i++) {
		struct conn c = { .first_bad = -1 };
		int fd;

		if (!wait_in(lfd, "connection")) {
			ok = 0;
			break;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			die("accept");
		receive_conn(fd, &c);
		/* With -n the socket still holds every token it received */
		close(fd);
		printf("conn %d: bytes=%llu devmem=%llu linear=%llu bad=%llu tokens=%llu frags=%llu\n",
		       i, (unsigned long long)c.bytes,
		       (unsigned long long)c.devmem,
		       (unsigned long long)c.linear,
		       (unsigned long long)c.bad,
		       (unsigned long long)c.tokens,
		       (unsigned long long)c.frags);
		if (c.first_bad >= 0)
			printf("conn %d: first bad byte at %lld\n", i,
			       (long long)c.first_bad);
		if (!conn_ok(&c))
			ok = 0;
	}
	close(lfd);
	printf("done: %s\n", ok ? "ok" : "fail");

	if (o.wait_stdin && !fgets(line, sizeof(line), stdin) && ferror(stdin))
		die("stdin");
	/* Unbind: the netlink socket owns the binding */
	close(nlfd);
	printf("unbound\n");
	return ok ? 0 : EXIT_FAIL;
}
