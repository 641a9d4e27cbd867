// SPDX-License-Identifier: GPL-2.0
/*
 * echo-plain: the baseline for zcrx-echo. A TCP echo server with plain
 * recv() and send() on epoll, one thread: every byte is copied in from
 * the socket and out to it again. A connection whose peer stops reading
 * keeps its unsent bytes and is not read until they are gone, so it holds
 * at most one buffer (-l). Same port and family conventions as zcrx-echo,
 * and a total line, text or JSON, with the bytes it copied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

struct pconn {
	int fd;
	uint8_t *buf;
	size_t len, off;		/* buf[off..len) waits to be sent */
	uint64_t bytes;
	bool eof;
};

static struct {
	unsigned int port;
	int family;
	size_t chunk;
	uint64_t max_conns;
	bool json, quiet;
} cfg = { .port = 9000, .family = AF_UNSPEC, .chunk = 256 * 1024 };

static volatile sig_atomic_t stop_signal;
static uint64_t total_bytes, conns, errors, t_first, t_last;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("echo-plain", fmt, ap);
}

static void parse_options(int argc, char **argv)
{
	long long n;
	uint64_t v;
	int opt;

	while ((opt = getopt(argc, argv, "p:46l:n:jsh")) != -1) {
		switch (opt) {
		case 'p':
			n = parse_uint(optarg);
			if (n < 1 || n > 65535)
				usage_error("-p wants a port from 1 to 65535");
			cfg.port = (unsigned int)n;
			break;
		case '4': cfg.family = AF_INET; break;
		case '6': cfg.family = AF_INET6; break;
		case 'l':
			if (parse_size(optarg, &v) || !v || v > (64u << 20))
				usage_error("-l wants a size from 1 byte to 64M");
			cfg.chunk = (size_t)v;
			break;
		case 'n':
			if (parse_size(optarg, &cfg.max_conns) || !cfg.max_conns)
				usage_error("-n wants a connection count >= 1");
			break;
		case 'j': cfg.json = true; break;
		case 's': cfg.quiet = true; break;
		case 'h':
			printf("usage: echo-plain [-p PORT] [-4|-6] [-l SIZE] [-n CONNS] [-j] [-s]\n"
			       "TCP echo with recv() and send() on epoll: the copying baseline\n"
			       "for zcrx-echo. -l bytes per recv() (256k), -n exit after CONNS\n"
			       "connections, -j JSON, -s summary only.\n");
			exit(0);
		default:
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

static int listen_socket(void)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	int one = 1, v6only = cfg.family == AF_INET6, fd;
	bool v4 = cfg.family == AF_INET;

	fd = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a4.sin_port = a6.sin6_port = htons(cfg.port);
	if (!v4)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if ((v4 ? bind(fd, (struct sockaddr *)&a4, sizeof(a4)) :
		  bind(fd, (struct sockaddr *)&a6, sizeof(a6))) ||
	    listen(fd, 128)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void set_events(int ep, struct pconn *p)
{
	struct epoll_event ev = { .data.ptr = p };

	/* Unsent bytes: wait to write them, and read nothing more. */
	ev.events = p->off < p->len ? EPOLLOUT : EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, p->fd, &ev);
}

static void close_conn(int ep, struct pconn *p, bool error)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
	if (!error)
		shutdown(p->fd, SHUT_WR);
	close(p->fd);
	errors += error;
	conns++;
	if (!cfg.quiet && !cfg.json)
		printf("conn %" PRIu64 ": %" PRIu64 " bytes echoed%s\n", conns,
		       p->bytes, error ? ", error" : "");
	free(p->buf);
	free(p);
}

/* Whatever the socket lets us: send what waits, then read and send on. */
static void serve_conn(int ep, struct pconn *p)
{
	bool sending;
	ssize_t n;

	for (;;) {
		sending = p->off < p->len;
		if (sending) {
			n = send(p->fd, p->buf + p->off, p->len - p->off,
				 MSG_NOSIGNAL);
		} else if (p->eof) {
			close_conn(ep, p, false);
			return;
		} else {
			n = recv(p->fd, p->buf, cfg.chunk, 0);
		}
		if (n < 0) {
			if (errno == EAGAIN)
				set_events(ep, p);
			else
				close_conn(ep, p, true);
			return;
		}
		if (sending) {
			p->off += (size_t)n;
		} else if (!n) {
			p->eof = true;
		} else {
			t_last = now_ns();
			if (!t_first)
				t_first = t_last;
			p->len = (size_t)n;
			p->off = 0;
			p->bytes += (uint64_t)n;
			total_bytes += (uint64_t)n;
		}
	}
}

/*
 * Whether a connection was accepted: one without memory counts, as
 * closed with an error; a failed accept4() (ECONNABORTED) does not.
 */
static bool accept_conn(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct pconn *p;
	int one = 1, fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p = calloc(1, sizeof(*p));
	if (p)
		p->buf = malloc(cfg.chunk);
	if (!p || !p->buf) {
		fprintf(stderr, "echo-plain: out of memory for a connection\n");
		free(p);
		close(fd);
		errors++;
		conns++;
		return true;
	}
	p->fd = fd;
	ev.data.ptr = p;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	uint64_t accepted = 0, ns;
	int ep, lfd, i, n;

	parse_options(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lfd = listen_socket();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || ep < 0) {
		fprintf(stderr, "echo-plain: port %u: %s\n", cfg.port, strerror(errno));
		return 2;
	}
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);	/* data.ptr NULL: the listener */
	if (cfg.json)
		printf("{\"event\":\"listening\",\"port\":%u}\n", cfg.port);
	else if (!cfg.quiet)
		printf("echo-plain: listening on port %u\n", cfg.port);
	while (!stop_signal &&
	       (!cfg.max_conns || conns < cfg.max_conns)) {
		n = epoll_wait(ep, evs, 64, 1000);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr) {
				serve_conn(ep, evs[i].data.ptr);
			} else if (accept_conn(ep, lfd) &&
				   ++accepted == cfg.max_conns) {
				/* The last one: the listener goes, or a
				 * client more would wake every epoll_wait(). */
				epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
				close(lfd);
				lfd = -1;
			}
		}
	}
	ns = t_last - t_first;
	if (cfg.json)
		printf("{\"event\":\"total\",\"conns\":%" PRIu64 ",\"bytes_in\":%" PRIu64
		       ",\"bytes_out\":%" PRIu64 ",\"copy_bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.3f,\"errors\":%" PRIu64 "}\n",
		       conns, total_bytes, total_bytes, 2 * total_bytes, ns / 1e9,
		       gbit_per_s(total_bytes, ns), errors);
	else
		printf("total: %" PRIu64 " conns, %" PRIu64 " bytes echoed in %.3f s, %.2f Gbit/s each way, %" PRIu64 " bytes copied, %" PRIu64 " errors\n",
		       conns, total_bytes, ns / 1e9, gbit_per_s(total_bytes, ns),
		       2 * total_bytes, errors);
	close(ep);
	if (lfd >= 0)
		close(lfd);
	return errors ? 1 : 0;
}
