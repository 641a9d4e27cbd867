// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-send: the traffic source for zcrx-sink.
 *
 * Opens N TCP connections to HOST:PORT, one thread each, and sends the
 * stream pattern of tests/lib/pattern.h (what zcrx-sink -v and pstream
 * check), a byte count or a duration per connection. Then it closes its
 * side and waits until the receiver has closed too, so the time and rate
 * it prints cover delivery, not just the copy into the socket buffer.
 *
 * Against an echo server (zcrx-echo, echo-plain), -e reads the stream
 * back and checks every byte, and -m plays ping-pong and times each round
 * trip: send-echo.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common.h"
#include "pattern.h"

#include "send.h"

volatile sig_atomic_t stop_signal;
volatile sig_atomic_t resume_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void on_resume(int sig)
{
	resume_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: zcrx-send [options] HOST\n"
"\n"
"Send pattern streams to zcrx-sink (or pstream recv) at HOST; with -e\n"
"or -m, to an echo server (zcrx-echo, echo-plain), reading them back.\n"
"\n"
"  -p PORT      TCP port (default 9000)\n"
"  -4, -6       use IPv4 only, IPv6 only (default: whatever HOST resolves to)\n"
"  -c N         connections in parallel, one thread each (default 1, at most %d)\n"
"  -b SIZE      bytes per connection (default 1G); k/M/G/T, powers of 1024\n"
"  -t SECONDS   send for SECONDS instead of a byte count\n"
"  -l SIZE      bytes per send() (default 256k)\n"
"  -z           send zeros instead of the pattern: less CPU, but the\n"
"               receiver must not verify\n"
"  -w SECONDS   retry connect() while nobody listens (default 10)\n"
"  -e           echo: read the stream back as it is sent, check every byte\n"
"  -P SIZE:SEC  echo: stop reading for SEC seconds once SIZE bytes came\n"
"               back (the server must hold off), then read on; SIGUSR1\n"
"               ends the pause early\n"
"  -m SIZE      ping-pong: send SIZE bytes, wait for all of them to come\n"
"               back, again; prints round-trip percentiles (implies -e)\n"
"  -n COUNT     ping-pong messages per connection (default 1000)\n"
"  -j           JSON output, one object per line\n"
"  -s           summary only\n"
"  -h           this help\n"
"\n"
"Exit status: 0 every connection sent all it should and the receiver\n"
"closed (echo: and all of it came back right), 1 a connection failed or\n"
"was interrupted, 2 bad usage.\n", MAX_CONNS);
}

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("zcrx-send", fmt, ap);
}

static void parse_options(struct config *c, int argc, char **argv)
{
	bool v4 = false, v6 = false, by_bytes = false;
	long long n;
	uint64_t v;
	char *colon;
	int opt;

	*c = (struct config){
		.port = "9000",
		.conns = 1,
		.bytes = 1ull << 30,
		.chunk = 256 * 1024,
		.wait_s = 10,
		.msgs = 1000,
	};
	while ((opt = getopt(argc, argv, "p:46c:b:t:l:zw:eP:m:n:jsh")) != -1) {
		switch (opt) {
		case 'p':
			n = parse_uint(optarg);
			if (n < 1 || n > 65535)
				usage_error("-p wants a port from 1 to 65535, not '%s'", optarg);
			c->port = optarg;
			break;
		case '4': v4 = true; break;
		case '6': v6 = true; break;
		case 'c':
			n = parse_uint(optarg);
			if (n < 1 || n > MAX_CONNS)
				usage_error("-c wants 1 to %d connections, not '%s'",
					    MAX_CONNS, optarg);
			c->conns = (unsigned int)n;
			break;
		case 'b':
			if (parse_size(optarg, &c->bytes))
				usage_error("-b wants a size like 4096, 64k, 16M or 1G, not '%s'",
					    optarg);
			by_bytes = true;
			break;
		case 't':
			n = parse_uint(optarg);
			if (n < 1)
				usage_error("-t wants a number of seconds >= 1, not '%s'", optarg);
			c->seconds = (unsigned int)n;
			break;
		case 'l':
			if (parse_size(optarg, &v) || !v || v > (64u << 20))
				usage_error("-l wants a size from 1 byte to 64M, not '%s'", optarg);
			c->chunk = (size_t)v;
			break;
		case 'z': c->zeros = true; break;
		case 'w':
			n = parse_uint(optarg);
			if (n < 0)
				usage_error("-w wants a number of seconds, not '%s'", optarg);
			c->wait_s = (unsigned int)n;
			break;
		case 'e': c->echo = true; break;
		case 'P':
			colon = strchr(optarg, ':');
			n = colon ? parse_uint(colon + 1) : -1;
			if (colon)
				*colon = 0;
			if (n < 1 || parse_size(optarg, &c->pause_after))
				usage_error("-P wants SIZE:SECONDS, like 16M:3");
			c->pause_s = (unsigned int)n;
			break;
		case 'm':
			if (parse_size(optarg, &c->msg_size) || !c->msg_size ||
			    c->msg_size > (64u << 20))
				usage_error("-m wants a message size from 1 byte to 64M, not '%s'",
					    optarg);
			break;
		case 'n':
			if (parse_size(optarg, &c->msgs) || !c->msgs ||
			    c->msgs > (1u << 30))
				usage_error("-n wants a message count from 1 up, not '%s'", optarg);
			break;
		case 'j': c->json = true; break;
		case 's': c->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_SETUP);
		}
	}
	if (optind != argc - 1)
		usage_error(optind < argc ? "one HOST only" : "HOST is missing");
	c->host = argv[optind];
	if (v4 && v6)
		usage_error("-4 and -6 exclude each other");
	if (by_bytes && c->seconds)
		usage_error("-b and -t exclude each other");
	c->family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
	if (c->msg_size) {
		c->echo = true;
		if (by_bytes || c->seconds || c->pause_s)
			usage_error("-m sends -n messages: no -b, -t or -P with it");
	}
	if (c->pause_s && !c->echo)
		usage_error("-P is for echo (-e): it pauses reading the echo");
}

/* Connect to the first address that takes us, retrying refusals. */
static int connect_retry(struct worker *w)
{
	uint64_t deadline = now_ns() + w->cfg->wait_s * 1000000000ull;
	const struct addrinfo *ai;
	int fd, err = 0;

	for (;;) {
		for (ai = w->ai; ai; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				    ai->ai_protocol);
			if (fd < 0) {
				err = errno;
				continue;
			}
			if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
				return fd;
			err = errno;
			close(fd);
		}
		/* A refusal means the receiver is not listening yet. */
		if (err != ECONNREFUSED || stop_signal || now_ns() >= deadline)
			break;
		usleep(20000);
	}
	w->err = err;
	w->what = "connect";
	return -1;
}

/* After our last byte: wait for the receiver's close, which means it has all. */
static void drain(struct worker *w, int fd)
{
	uint64_t deadline = now_ns() + DRAIN_NS;
	char buf[4096];
	ssize_t n;

	if (shutdown(fd, SHUT_WR)) {
		w->err = errno;
		w->what = "shutdown";
		return;
	}
	while (!stop_signal && now_ns() < deadline) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		/* 0 is the receiver's FIN; a reset after all our data is as good. */
		w->drained = n == 0 || errno == ECONNRESET;
		if (!w->drained) {
			w->err = errno;
			w->what = "recv";
		}
		return;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct config *c = w->cfg;
	struct timeval tv = { .tv_sec = 1 };
	uint64_t end = c->seconds ? UINT64_MAX : c->bytes;
	uint64_t deadline = 0, buf_off = 0, buf_len = 0;
	uint8_t *buf;
	int fd;

	buf = c->zeros ? calloc(1, c->chunk) : malloc(c->chunk);
	if (!buf) {
		w->err = ENOMEM;
		w->what = "malloc";
		return NULL;
	}
	fd = connect_retry(w);
	if (fd < 0)
		goto out;
	/* Wake up every second to notice the deadline or a signal. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	w->t_start = now_ns();
	if (c->echo) {
		if (c->msg_size)
			ping_pong(w, fd);
		else
			echo_stream(w, fd);
		goto done;
	}
	if (c->seconds)
		deadline = w->t_start + c->seconds * 1000000000ull;
	while (w->bytes < end && !stop_signal) {
		size_t n;
		ssize_t sent;

		if (deadline && now_ns() >= deadline)
			break;
		/* Refill once the buffer is used up; zeros never change. */
		if (w->bytes >= buf_off + buf_len) {
			buf_off = w->bytes;
			buf_len = end - buf_off < c->chunk ? end - buf_off : c->chunk;
			if (!c->zeros)
				pattern_fill(buf, buf_off, buf_len);
		}
		n = (size_t)(buf_off + buf_len - w->bytes);
		sent = send(fd, buf + (w->bytes - buf_off), n, MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			w->err = errno;
			w->what = "send";
			break;
		}
		w->bytes += (uint64_t)sent;
	}
	if (!w->err)
		drain(w, fd);
done:
	w->t_end = now_ns();
	close(fd);
out:
	free(buf);
	return NULL;
}

static void print_worker(const struct config *c, const struct worker *w)
{
	uint64_t ns = w->t_end - w->t_start;

	if (c->quiet)
		return;
	if (c->json) {
		printf("{\"event\":\"conn\",\"id\":%u,\"bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.3f,\"delivered\":%s",
		       w->id, w->bytes, ns / 1e9, gbit_per_s(w->bytes, ns),
		       w->drained ? "true" : "false");
		if (c->echo)
			print_echo_worker(c, w);
		printf(",\"error\":");
		if (w->err) {
			char msg[128];

			snprintf(msg, sizeof(msg), "%s: %s", w->what, strerror(w->err));
			json_str(stdout, msg);
		} else {
			printf("null");
		}
		printf("}\n");
		return;
	}
	printf("conn %u: %" PRIu64 " bytes in %.3f s, %.2f Gbit/s", w->id,
	       w->bytes, ns / 1e9, gbit_per_s(w->bytes, ns));
	if (c->echo)
		print_echo_worker(c, w);
	if (w->err)
		printf(", %s: %s\n", w->what, strerror(w->err));
	else if (!w->drained && stop_signal)
		printf(", interrupted\n");
	else if (!w->drained)
		printf(", the receiver did not close within %llu s\n",
		       DRAIN_NS / 1000000000ull);
	else
		printf("\n");
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction sa_resume = { .sa_handler = on_resume };
	uint64_t bytes = 0, t_start = UINT64_MAX, t_end = 0, ns;
	unsigned int i, failed = 0;
	struct worker *w;
	struct addrinfo *ai;
	struct config c;
	int ret;

	parse_options(&c, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: a blocked send() returns and sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa_resume, NULL);

	hints.ai_family = c.family;
	ret = getaddrinfo(c.host, c.port, &hints, &ai);
	if (ret) {
		fprintf(stderr, "zcrx-send: %s: %s\n", c.host, gai_strerror(ret));
		return EXIT_SETUP;
	}
	w = calloc(c.conns, sizeof(*w));
	if (!w) {
		perror("zcrx-send: calloc");
		return EXIT_SETUP;
	}
	for (i = 0; i < c.conns; i++) {
		w[i] = (struct worker){ .id = i + 1, .cfg = &c, .ai = ai,
					.first_bad = -1 };
		ret = pthread_create(&w[i].thread, NULL, worker_run, &w[i]);
		if (ret) {
			fprintf(stderr, "zcrx-send: pthread_create: %s\n", strerror(ret));
			c.conns = i;
			stop_signal = SIGTERM;
			failed++;
			break;
		}
	}
	for (i = 0; i < c.conns; i++) {
		pthread_join(w[i].thread, NULL);
		print_worker(&c, &w[i]);
		if (w[i].err || !w[i].drained || stop_signal || w[i].bad)
			failed++;
		if (!w[i].t_start)
			continue;
		bytes += w[i].bytes;
		if (w[i].t_start < t_start)
			t_start = w[i].t_start;
		if (w[i].t_end > t_end)
			t_end = w[i].t_end;
	}
	ns = t_end > t_start ? t_end - t_start : 0;
	if (c.echo)
		print_echo_total(&c, w, c.conns);
	if (c.json)
		printf("{\"event\":\"total\",\"conns\":%u,\"bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.3f,\"failed\":%u}\n",
		       c.conns, bytes, ns / 1e9, gbit_per_s(bytes, ns), failed);
	else
		printf("total: %u conns, %" PRIu64 " bytes in %.3f s, %.2f Gbit/s, %u failed%s\n",
		       c.conns, bytes, ns / 1e9, gbit_per_s(bytes, ns), failed,
		       stop_signal ? ", interrupted" : "");
	freeaddrinfo(ai);
	for (i = 0; i < c.conns; i++)
		free(w[i].rtt);
	free(w);
	return failed ? EXIT_FAIL : 0;
}
