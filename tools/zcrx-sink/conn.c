// SPDX-License-Identifier: GPL-2.0
/* zcrx-sink: the listening socket, accepting and closing connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sink.h"

int setup_socket(struct sink *s)
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
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
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
		fprintf(stderr, PROG ": cannot bind port %u: %s%s\n", c->port,
			strerror(errno),
			errno == EADDRINUSE ? " (another server has it: ss -ltnp)" :
			errno == EADDRNOTAVAIL ? " (no interface has that address)" : "");
		return -1;
	}
	return 0;
}

void arm_accept(struct sink *s)
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

void conn_close(struct sink *s, size_t slot, enum conn_end e)
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

void on_accept(struct sink *s, const struct io_uring_cqe *cqe)
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
