// SPDX-License-Identifier: GPL-2.0
/*
 * pstream: TCP streams of a verifiable byte pattern.
 *
 *   pstream recv [-6] -p PORT [-c CONNS] [-b BYTES] [-t SECONDS] [-m MAXGAP_MS]
 *   pstream send [-6] -a ADDR -p PORT (-b BYTES | -u FILE) [-c CONNS]
 *                [-w SECONDS] [-s SPORT]
 *
 * Every stream carries the pattern of tests/lib/pattern.h, so a chunk that
 * is lost, duplicated, reordered or written to the wrong place shows up as
 * a mismatch at its offset. The receiver prints one line per connection,
 *   conn N: bytes=B bad=K first_bad=OFF max_gap_ms=G ms=T MBps=R
 * (T from the first to the last byte, R the rate over it in MB/s)
 * and exits 0 only if every connection ended cleanly with no bad byte,
 * with exactly BYTES when -b is given, and (with -m) no receive gap over
 * MAXGAP_MS. The sender retries connect() while nobody listens yet, for
 * up to SECONDS (default 10); with -u it sends until FILE exists, for tests
 * that act while a stream runs. With -s, connection N leaves from source
 * port SPORT + N, so a test can know each flow's 4-tuple (and RSS hash).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define MAX_CONNS	64
#define CHUNK		(256 * 1024)

struct conn {
	int fd;
	uint64_t bytes;
	uint64_t bad;
	int64_t first_bad;
	uint64_t first_ms;
	uint64_t last_ms;
	uint64_t max_gap_ms;
	bool done;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "pstream: %s: %s\n", what, strerror(errno));
	exit(2);
}

static socklen_t make_addr(struct sockaddr_storage *ss, bool v6,
			   const char *addr, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_any;
		if (addr && inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			goto bad;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		if (addr && inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			goto bad;
		return sizeof(*s4);
	}
bad:
	fprintf(stderr, "pstream: bad address %s\n", addr);
	exit(2);
}

static void conn_check(struct conn *c, const uint8_t *buf, size_t len)
{
	c->bad += pattern_check(buf, c->bytes, len, &c->first_bad);
	c->bytes += len;
}

/* Returns false when the connection is over. */
static bool conn_read(struct conn *c, uint8_t *buf)
{
	uint64_t t = now_ms();
	ssize_t n;

	n = recv(c->fd, buf, CHUNK, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "pstream: recv: %s\n", strerror(errno));
		c->done = n == 0;
		return false;
	}
	if (!c->first_ms)
		c->first_ms = t;
	if (c->last_ms && t - c->last_ms > c->max_gap_ms)
		c->max_gap_ms = t - c->last_ms;
	c->last_ms = t;
	conn_check(c, buf, n);
	return true;
}

static int do_recv(bool v6, int port, int nconns, int64_t want, int timeout_s,
		   int64_t max_gap)
{
	struct pollfd pfd[MAX_CONNS + 1];
	struct conn conns[MAX_CONNS];
	struct sockaddr_storage ss;
	int lfd, accepted = 0, open = 0, i, one = 1, ok = 1;
	uint64_t deadline = now_ms() + timeout_s * 1000ull;
	uint8_t *buf = malloc(CHUNK);
	socklen_t len;

	if (!buf)
		die("malloc");
	len = make_addr(&ss, v6, NULL, port);
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, MAX_CONNS))
		die("bind/listen");

	while (accepted < nconns || open) {
		int n = 0, timeout = deadline - now_ms();

		if (timeout <= 0) {
			fprintf(stderr, "pstream: timed out after %d s\n",
				timeout_s);
			return 1;
		}
		if (accepted < nconns)
			pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 0; i < accepted; i++)
			if (conns[i].fd >= 0)
				pfd[n++] = (struct pollfd){ .fd = conns[i].fd,
							    .events = POLLIN };
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			die("poll");
		if (accepted < nconns && (pfd[0].revents & POLLIN)) {
			struct conn *c = &conns[accepted++];

			memset(c, 0, sizeof(*c));
			c->first_bad = -1;
			c->fd = accept(lfd, NULL, NULL);
			if (c->fd < 0)
				die("accept");
			open++;
		}
		for (i = 0; i < accepted; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0 || conn_read(c, buf))
				continue;
			close(c->fd);
			c->fd = -1;
			open--;
		}
	}

	for (i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		uint64_t ms = c->last_ms - c->first_ms;

		printf("conn %d: bytes=%llu bad=%llu first_bad=%lld max_gap_ms=%llu ms=%llu MBps=%.1f\n",
		       i, (unsigned long long)c->bytes,
		       (unsigned long long)c->bad, (long long)c->first_bad,
		       (unsigned long long)c->max_gap_ms,
		       (unsigned long long)ms, ms ? c->bytes / 1e3 / ms : 0.0);
		if (!c->done || c->bad || (want >= 0 && c->bytes != (uint64_t)want) ||
		    (max_gap >= 0 && c->max_gap_ms > (uint64_t)max_gap))
			ok = 0;
	}
	free(buf);
	return ok ? 0 : 1;
}

/* Bind @fd to source port @sport (0: let connect() pick one) */
static void bind_source_port(int fd, int family, int sport)
{
	struct sockaddr_storage src = {};
	int one = 1;

	if (!sport)
		return;
	src.ss_family = family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&src)->sin6_port = htons(sport);
	else
		((struct sockaddr_in *)&src)->sin_port = htons(sport);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)))
		die("bind");
}

static int connect_retry(struct sockaddr_storage *ss, socklen_t len,
			 int sport, int wait_s)
{
	uint64_t deadline = now_ms() + wait_s * 1000ull;
	int fd;

	for (;;) {
		fd = socket(ss->ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		bind_source_port(fd, ss->ss_family, sport);
		if (!connect(fd, (struct sockaddr *)ss, len))
			return fd;
		if (errno != ECONNREFUSED || now_ms() > deadline)
			die("connect");
		close(fd);
		/* Nobody listens yet: the receiver is still starting. */
		usleep(10000);
	}
}

static bool stop_requested(const char *until)
{
	struct stat st;

	return until && !stat(until, &st);
}

static int do_send(bool v6, const char *addr, int port, int nconns,
		   uint64_t bytes, const char *until, int wait_s, int sport)
{
	int fds[MAX_CONNS], i;
	uint64_t off[MAX_CONNS] = {}, end[MAX_CONNS];
	struct sockaddr_storage ss;
	uint8_t *buf = malloc(CHUNK);
	socklen_t len = make_addr(&ss, v6, addr, port);
	int active = nconns;

	if (!buf)
		die("malloc");
	for (i = 0; i < nconns; i++) {
		fds[i] = connect_retry(&ss, len, sport ? sport + i : 0, wait_s);
		end[i] = bytes;
	}

	/* Round robin so the connections run side by side. */
	while (active) {
		bool stop = stop_requested(until);

		for (i = 0; i < nconns; i++) {
			size_t n;
			ssize_t sent;

			if (fds[i] < 0)
				continue;
			/* A stop ends every stream where it stands. */
			if (stop)
				end[i] = off[i];
			n = end[i] - off[i] < CHUNK ? end[i] - off[i] : CHUNK;
			pattern_fill(buf, off[i], n);
			sent = n ? send(fds[i], buf, n, 0) : 0;
			if (sent < 0)
				die("send");
			off[i] += sent;
			if (off[i] == end[i]) {
				close(fds[i]);
				fds[i] = -1;
				active--;
			}
		}
	}
	free(buf);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pstream recv [-6] -p PORT [-c CONNS] [-b BYTES] [-t S] [-m MS]\n"
		"       pstream send [-6] -a ADDR -p PORT (-b BYTES | -u FILE) [-c CONNS]\n"
		"                    [-w SECONDS] [-s SPORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 0, conns = 1, timeout = 300, wait_s = 10, sport = 0, opt;
	int64_t bytes = -1, max_gap = -1;
	const char *addr = NULL, *until = NULL;
	bool v6 = false, recv_mode;

	if (argc < 2)
		usage();
	recv_mode = !strcmp(argv[1], "recv");
	if (!recv_mode && strcmp(argv[1], "send"))
		usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "6a:p:c:b:t:m:u:w:s:")) != -1) {
		switch (opt) {
		case '6': v6 = true; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'b': bytes = strtoll(optarg, NULL, 0); break;
		case 't': timeout = atoi(optarg); break;
		case 'm': max_gap = atoll(optarg); break;
		case 'u': until = optarg; break;
		case 'w': wait_s = atoi(optarg); break;
		case 's': sport = atoi(optarg); break;
		default: usage();
		}
	}
	if (!port || conns < 1 || conns > MAX_CONNS || sport < 0 ||
	    sport + conns > 65536)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (recv_mode)
		return do_recv(v6, port, conns, bytes, timeout, max_gap);
	if (!addr || (bytes < 0) == !until)
		usage();
	return do_send(v6, addr, port, conns, until ? UINT64_MAX : (uint64_t)bytes,
		       until, wait_s, sport);
}
