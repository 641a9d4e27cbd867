// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-send: the client side of an echo server (zcrx-echo, echo-plain).
 *
 * -e streams the pattern and reads the echo back at the same time (one
 * thread per connection, poll() on a non-blocking socket), checking it
 * byte for byte against what was sent; -P stops reading for a while,
 * once, so the server sees a peer that does not read, and then reads on.
 * -m is ping-pong: one message at a time, the next only after the whole
 * echo of the last came back, each round trip timed; the total has the
 * percentiles of all connections' round trips.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "pattern.h"
#include "send.h"

static void fail(struct worker *w, const char *what, int err)
{
	if (w->err)
		return;
	w->err = err;
	w->what = what;
}

/* N bytes of echo at BUF, stream offset w->echoed: check and count them. */
static void took_echo(struct worker *w, const uint8_t *buf, size_t n)
{
	if (!w->cfg->zeros)
		w->bad += pattern_check(buf, w->echoed, n, &w->first_bad);
	w->echoed += n;
}

/* The error pending on FD, or EIO if it has none to tell. */
static int sock_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || !err)
		return EIO;
	return err;
}

/* -P: whether to read now; starts and ends the one pause. */
static bool reading(struct worker *w, uint64_t now, uint64_t *pause_end)
{
	const struct config *c = w->cfg;

	if (!c->pause_s || w->echoed < c->pause_after || w->paused_ns)
		return !*pause_end;
	if (!*pause_end)
		*pause_end = now + c->pause_s * 1000000000ull;
	if (now < *pause_end && !resume_signal)
		return false;
	w->paused_ns = now - (*pause_end - c->pause_s * 1000000000ull);
	*pause_end = 0;
	return true;
}

/* One send() of the stream, the buffer refilled when used up. */
static void stream_send(struct worker *w, int fd, uint8_t *buf,
			uint64_t *buf_off, uint64_t *buf_len, uint64_t end)
{
	const struct config *c = w->cfg;
	ssize_t n;

	if (w->bytes >= *buf_off + *buf_len) {
		*buf_off = w->bytes;
		*buf_len = end - *buf_off < c->chunk ? end - *buf_off : c->chunk;
		if (!c->zeros)
			pattern_fill(buf, *buf_off, *buf_len);
	}
	n = send(fd, buf + (w->bytes - *buf_off),
		 (size_t)(*buf_off + *buf_len - w->bytes), MSG_NOSIGNAL);
	if (n > 0)
		w->bytes += (uint64_t)n;
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		fail(w, "send", errno);
}

/*
 * -e: send the stream and read its echo, both as the socket allows.
 * After the last byte, our FIN; then read until the server's. The echo
 * is delivered when every byte came back, right, and then EOF.
 */
void echo_stream(struct worker *w, int fd)
{
	const struct config *c = w->cfg;
	uint64_t end = c->seconds ? UINT64_MAX : c->bytes;
	uint64_t deadline = 0, buf_off = 0, buf_len = 0, pause_end = 0;
	uint64_t t_moved = now_ns();
	uint8_t *out = malloc(c->chunk), *in = malloc(c->chunk);
	bool wr_done = false, hup = false;

	if (!out || !in) {
		fail(w, "malloc", ENOMEM);
		goto out;
	}
	if (c->zeros)
		memset(out, 0, c->chunk);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (c->seconds)
		deadline = w->t_start + c->seconds * 1000000000ull;
	while (!stop_signal && !w->err) {
		struct pollfd p = { .fd = fd };
		uint64_t now = now_ns(), before = w->bytes + w->echoed;
		bool rd = reading(w, now, &pause_end);
		ssize_t n;

		if (!wr_done && (w->bytes >= end || (deadline && now >= deadline))) {
			if (shutdown(fd, SHUT_WR))
				fail(w, "shutdown", errno);
			wr_done = true;
		}
		p.events = (wr_done ? 0 : POLLOUT) | (rd ? POLLIN : 0);
		/*
		 * POLLHUP comes whatever we ask: while paused, it would wake
		 * every poll(), so the rest of the pause polls nothing.
		 */
		if (!rd && hup)
			p.fd = -1;
		if (poll(&p, 1, pause_end ? 100 : 1000) < 0 && errno != EINTR) {
			fail(w, "poll", errno);
			break;
		}
		if (!rd && (p.revents & POLLERR)) {
			/* The connection failed: the pause ends with it. */
			fail(w, "echo", sock_error(fd));
			break;
		}
		if (!rd && (p.revents & POLLHUP))
			hup = true;
		if (p.revents & POLLOUT)
			stream_send(w, fd, out, &buf_off, &buf_len, end);
		if (rd && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			n = recv(fd, in, c->chunk, 0);
			if (n > 0) {
				took_echo(w, in, (size_t)n);
			} else if (n == 0) {
				w->drained = wr_done && w->echoed == w->bytes;
				if (!w->drained)
					fail(w, "echo", w->echoed < w->bytes ? ENODATA : EPROTO);
				break;
			} else if (errno != EAGAIN && errno != EINTR) {
				fail(w, "recv", errno);
			}
		}
		if (w->echoed > w->bytes)
			fail(w, "echo", EPROTO);	/* more back than sent */
		if (w->bytes + w->echoed != before || pause_end)
			t_moved = now_ns();
		else if (now_ns() - t_moved > ECHO_STALL_NS)
			fail(w, "echo", ETIMEDOUT);
	}
out:
	free(out);
	free(in);
}

/*
 * All of LEN at BUF out (OUT), or LEN bytes of echo into BUF, checked;
 * -errno, or 0. Blocking, with the socket's one-second timeouts.
 */
static int xfer_all(struct worker *w, int fd, uint8_t *buf, size_t len,
		    bool out, uint64_t deadline)
{
	ssize_t n;

	while (len) {
		n = out ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
		if (n > 0) {
			if (!out)
				took_echo(w, buf, (size_t)n);
			buf += n;
			len -= (size_t)n;
		} else if (n == 0) {
			return -ENODATA;
		} else if (errno != EAGAIN && errno != EINTR) {
			return -errno;
		}
		if (stop_signal)
			return -EINTR;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * -m: ping-pong. Message i is the stream's bytes [i * SIZE, (i + 1) *
 * SIZE); its round trip runs from before its send() to the last byte of
 * its echo. Then our FIN and the server's.
 */
void ping_pong(struct worker *w, int fd)
{
	const struct config *c = w->cfg;
	size_t size = (size_t)c->msg_size;
	uint8_t *out = malloc(size), *in = malloc(size);
	int one = 1, err = 0;
	uint64_t i, t0;

	w->rtt = calloc(c->msgs, sizeof(*w->rtt));
	if (!out || !in || !w->rtt) {
		fail(w, "malloc", ENOMEM);
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->zeros)
		memset(out, 0, size);
	for (i = 0; i < c->msgs && !stop_signal; i++) {
		if (!c->zeros)
			pattern_fill(out, w->bytes, size);
		t0 = now_ns();
		err = xfer_all(w, fd, out, size, true, t0 + DRAIN_NS);
		if (err) {
			fail(w, "send", -err);
			break;
		}
		w->bytes += size;
		err = xfer_all(w, fd, in, size, false, t0 + DRAIN_NS);
		if (err) {
			fail(w, "echo", -err);
			break;
		}
		w->rtt[w->nr_rtt++] = now_ns() - t0;
	}
	if (!w->err && !stop_signal) {
		shutdown(fd, SHUT_WR);
		err = xfer_all(w, fd, in, 1, false, now_ns() + DRAIN_NS);
		w->drained = err == -ENODATA;
		if (!w->drained)
			fail(w, "echo", err ? -err : EPROTO);
	}
out:
	free(out);
	free(in);
}

void print_echo_worker(const struct config *c, const struct worker *w)
{
	if (c->json) {
		printf(",\"echoed\":%" PRIu64 ",\"verify\":\"%s\",\"bad_bytes\":%" PRIu64
		       ",\"first_bad\":%" PRId64 ",\"paused\":%.3f",
		       w->echoed, c->zeros ? "off" : w->bad ? "fail" : "ok",
		       w->bad, w->first_bad, w->paused_ns / 1e9);
		return;
	}
	printf(", echoed %" PRIu64, w->echoed);
	if (w->paused_ns)
		printf(" (not read for %.1f s)", w->paused_ns / 1e9);
	if (c->zeros)
		return;
	if (w->bad)
		printf(", verify FAILED: %" PRIu64 " bad bytes, first at offset %" PRId64,
		       w->bad, w->first_bad);
	else
		printf(", verify ok");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The P-th percentile of N sorted values (nearest rank). */
static uint64_t percentile(const uint64_t *v, uint64_t n, unsigned int p)
{
	uint64_t rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

/* Ping-pong: every connection's round trips, summed up. */
static void print_rtt(const struct config *c, struct worker *w, unsigned int n)
{
	uint64_t total = 0, sum = 0, *all, i, k = 0;
	unsigned int j;

	for (j = 0; j < n; j++)
		total += w[j].nr_rtt;
	all = total ? malloc(total * sizeof(*all)) : NULL;
	if (!all)
		return;
	for (j = 0; j < n; j++)
		for (i = 0; i < w[j].nr_rtt; i++) {
			all[k++] = w[j].rtt[i];
			sum += w[j].rtt[i];
		}
	qsort(all, total, sizeof(*all), cmp_u64);
	if (c->json)
		printf("{\"event\":\"rtt\",\"msg_size\":%" PRIu64 ",\"messages\":%" PRIu64
		       ",\"min_us\":%.1f,\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f"
		       ",\"p99_us\":%.1f,\"max_us\":%.1f}\n",
		       c->msg_size, total, all[0] / 1e3, sum / 1e3 / total,
		       percentile(all, total, 50) / 1e3,
		       percentile(all, total, 90) / 1e3,
		       percentile(all, total, 99) / 1e3, all[total - 1] / 1e3);
	else
		printf("rtt: %" PRIu64 " messages of %" PRIu64 " bytes: min %.1f us, mean %.1f, p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
		       total, c->msg_size, all[0] / 1e3, sum / 1e3 / total,
		       percentile(all, total, 50) / 1e3,
		       percentile(all, total, 90) / 1e3,
		       percentile(all, total, 99) / 1e3, all[total - 1] / 1e3);
	free(all);
}

unsigned int print_echo_total(const struct config *c, struct worker *w,
			      unsigned int n)
{
	uint64_t echoed = 0, bad = 0;
	unsigned int j, failed = 0;

	for (j = 0; j < n; j++) {
		echoed += w[j].echoed;
		bad += w[j].bad;
		if (w[j].bad)
			failed++;
	}
	if (c->msg_size)
		print_rtt(c, w, n);
	if (c->json)
		printf("{\"event\":\"echo\",\"echoed\":%" PRIu64 ",\"bad_bytes\":%" PRIu64
		       ",\"verify\":\"%s\",\"verify_failed\":%u}\n", echoed, bad,
		       c->zeros ? "off" : failed ? "fail" : "ok", failed);
	else
		printf("echo: %" PRIu64 " bytes back, %s\n", echoed,
		       c->zeros ? "not verified (-z)" :
		       failed ? "verify FAILED" : "verify ok");
	return failed;
}
