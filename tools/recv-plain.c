// SPDX-License-Identifier: GPL-2.0
/*
 * recv-plain: the copying receivers zcrx-sink is measured against. It
 * accepts one TCP connection and reads it to the end in one of two ways:
 *
 *   -m recv   blocking recv() in a loop, the simplest receiver there is
 *   -m epoll  a non-blocking socket on epoll: wait, then recv() until
 *             EAGAIN, as an event-driven server reads
 *
 * With -v it checks every byte against the stream pattern (zcrx-send,
 * pstream send). The result is one line, text or JSON (-j), with the
 * bytes and the seconds from the first byte to the last, like the sink's
 * total line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "pattern.h"

static struct {
	unsigned int port;
	size_t chunk;
	bool epoll, verify, json;
} cfg = { .port = 9000, .chunk = 256 * 1024 };

struct result {
	uint64_t bytes, bad, t_first, t_last;
	int64_t first_bad;
};

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("recv-plain", fmt, ap);
}

static void parse_options(int argc, char **argv)
{
	long long n;
	uint64_t v;
	int opt;

	while ((opt = getopt(argc, argv, "p:m:l:vjh")) != -1) {
		switch (opt) {
		case 'p':
			n = parse_uint(optarg);
			if (n < 1 || n > 65535)
				usage_error("-p wants a port from 1 to 65535");
			cfg.port = (unsigned int)n;
			break;
		case 'm':
			if (strcmp(optarg, "recv") && strcmp(optarg, "epoll"))
				usage_error("-m wants recv or epoll");
			cfg.epoll = !strcmp(optarg, "epoll");
			break;
		case 'l':
			if (parse_size(optarg, &v) || !v || v > (64u << 20))
				usage_error("-l wants a size from 1 byte to 64M");
			cfg.chunk = (size_t)v;
			break;
		case 'v': cfg.verify = true; break;
		case 'j': cfg.json = true; break;
		case 'h':
			printf("usage: recv-plain [-p PORT] [-m recv|epoll] [-l SIZE] [-v] [-j]\n"
			       "Receive one IPv4 TCP connection with blocking recv() or with\n"
			       "epoll and non-blocking recv(): the copying baseline for\n"
			       "zcrx-sink. -l bytes per recv() (256k), -v verify the stream\n"
			       "pattern, -j JSON.\n");
			exit(0);
		default:
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

static int accept_one(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(cfg.port);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1)) {
		close(lfd);
		return -1;
	}
	printf("listening on port %u\n", cfg.port);
	fflush(stdout);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | (cfg.epoll ? SOCK_NONBLOCK : 0));
	close(lfd);
	return fd;
}

static void took(struct result *r, const uint8_t *buf, size_t n)
{
	uint64_t t = now_ns();

	if (!r->bytes)
		r->t_first = t;
	r->t_last = t;
	if (cfg.verify)
		r->bad += pattern_check(buf, r->bytes, n, &r->first_bad);
	r->bytes += n;
}

/* 0 at the end of the stream, -1 with errno on an error */
static int read_blocking(int fd, uint8_t *buf, struct result *r)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, cfg.chunk, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		took(r, buf, n);
	}
}

static int read_epoll(int fd, uint8_t *buf, struct result *r)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int ep = epoll_create1(EPOLL_CLOEXEC), ret = -1;
	ssize_t n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		goto out;
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		/* Drain: an edge of readiness may stand for many segments. */
		while ((n = recv(fd, buf, cfg.chunk, 0)) > 0)
			took(r, buf, n);
		if (!n) {
			ret = 0;
			goto out;
		}
		if (errno != EAGAIN && errno != EINTR)
			goto out;
	}
out:
	n = errno;
	if (ep >= 0)
		close(ep);
	errno = n;
	return ret;
}

static void report(const struct result *r, int err)
{
	double s = (r->t_last - r->t_first) / 1e9;
	const char *v = !cfg.verify ? "off" : r->bad ? "mismatch" : "ok";

	if (cfg.json) {
		printf("{\"event\":\"total\",\"mode\":\"%s\",\"bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"verify\":\"%s\",\"bad\":%" PRIu64
		       ",\"first_bad\":%" PRId64 ",\"error\":",
		       cfg.epoll ? "epoll" : "recv", r->bytes, s, v, r->bad,
		       r->first_bad);
		json_str(stdout, err ? strerror(err) : "");
		printf("}\n");
		return;
	}
	printf("total: %" PRIu64 " bytes in %.3f s (%.1f MB/s) with %s, verify %s",
	       r->bytes, s, s > 0 ? r->bytes / s / 1e6 : 0.0,
	       cfg.epoll ? "epoll" : "recv()", v);
	if (r->bad)
		printf(", %" PRIu64 " bad bytes from offset %" PRId64, r->bad,
		       r->first_bad);
	if (err)
		printf(", error: %s", strerror(err));
	printf("\n");
}

int main(int argc, char **argv)
{
	struct result r = { .first_bad = -1 };
	uint8_t *buf;
	int fd, ret;

	parse_options(argc, argv);
	buf = malloc(cfg.chunk);
	if (!buf) {
		perror("recv-plain: malloc");
		return 2;
	}
	fd = accept_one();
	if (fd < 0) {
		perror("recv-plain: listen/accept");
		return 2;
	}
	ret = cfg.epoll ? read_epoll(fd, buf, &r) : read_blocking(fd, buf, &r);
	report(&r, ret ? errno : 0);
	close(fd);
	free(buf);
	return ret || r.bad ? 1 : 0;
}
