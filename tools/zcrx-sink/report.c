// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: what the sink and zcrx-echo report alike: the listening line,
 * interval lines, how a connection ended, and the numbers that come from
 * the kernel or the clock rather than from counting completions (copied
 * bytes, CPU time).
 */
#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common.h"

#include "sink.h"

/*
 * Bytes the kernel delivered by copy rather than in place, or -1 if it
 * does not say. A CQE cannot tell: the copy fallback also lands in area
 * buffers. The kernel counts them in the zcrx_stats we asked for at
 * registration, in the refill region.
 */
int64_t zcrx_copy_bytes(const struct sink *s)
{
	struct zcrx_stats st;

	if (!s->events || !s->rq.ring_ptr ||
	    io_uring_zcrx_read_stats(&s->rq, s->stats_offset, &st))
		return -1;
	return (int64_t)st.copy_bytes;
}

const char *area_kind(const struct sink *s)
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
void cpu_seconds(const struct sink *s, double *user, double *sys)
{
	struct rusage ru;

	*user = *sys = 0;
	if (getrusage(RUSAGE_SELF, &ru))
		return;
	*user = tv_seconds(&ru.ru_utime) - tv_seconds(&s->ru_serve.ru_utime);
	*sys = tv_seconds(&ru.ru_stime) - tv_seconds(&s->ru_serve.ru_stime);
}

/* Completions per MiB received: fewer with larger buffers. */
double cqes_per_mib(uint64_t cqes, uint64_t bytes)
{
	return bytes ? (double)cqes * (1 << 20) / (double)bytes : 0.0;
}

void print_ready(struct sink *s)
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
		printf(PROG ": no device (--nodev: the kernel copies every byte)");
	else
		printf(PROG ": %s queue %lld", c->ifname, c->queue);
	printf(", zcrx id %u: area %zu KiB (%s, %zu KiB %spages) in %zu buffers of %u bytes, refill ring %u, CQ %u%s\n",
	       s->zcrx_id, s->area_size >> 10,
	       c->dmabuf ? "dma-buf" : "memory", s->area_page >> 10,
	       s->huge ? "huge " : "", s->area_size / s->buf_len,
	       s->buf_len, s->rq_entries, c->cq_entries,
	       s->events ? ", statistics" : "");
	printf(PROG ": listening on port %u (%s), %s", c->port, fam,
	       c->budget ? "budget mode" : "multishot");
	if (c->budget)
		printf(" %" PRIu64 " bytes per request", c->budget);
	printf("%s\n", c->verify ? ", verifying the pattern" : "");
}

void print_interval(struct sink *s, uint64_t now)
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

static const char *end_name(enum conn_end e)
{
	return e == END_EOF ? "eof" : e == END_ERROR ? "error" : "interrupted";
}

/*
 * The end of a connection line, with the newline: how it ended and, with
 * -v, what the check found. JSON: the end, error and verify fields.
 */
void print_conn_end(const struct sink *s, const struct conn *cn,
		    enum conn_end e)
{
	const struct config *c = &s->cfg;

	if (c->json) {
		printf(",\"end\":\"%s\",\"error\":", end_name(e));
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

/*
 * The end of the total line, with the newline: errors, starvation, the
 * check, the CPU time. JSON: those fields and the area's kind and buffer.
 */
void print_totals_end(const struct sink *s)
{
	const struct config *c = &s->cfg;
	const struct totals *t = &s->tot;
	double user, sys;

	cpu_seconds(s, &user, &sys);
	if (c->json) {
		printf(",\"errors\":%" PRIu64 ",\"starved\":%" PRIu64
		       ",\"area_kind\":\"%s\",\"rx_buf_len\":%u"
		       ",\"cpu_user\":%.3f,\"cpu_sys\":%.3f",
		       t->errors, s->starved, area_kind(s), s->buf_len, user, sys);
		if (c->verify)
			printf(",\"verify\":\"%s\",\"verify_failed\":%" PRIu64 "}\n",
			       t->verify_failed ? "fail" : "ok", t->verify_failed);
		else
			printf(",\"verify\":\"off\"}\n");
		return;
	}
	printf("; %" PRIu64 " errors", t->errors);
	if (s->starved)
		printf(", %" PRIu64 " buffer starvation warnings", s->starved);
	if (c->verify)
		printf(", %" PRIu64 " failed verify", t->verify_failed);
	printf("; cpu %.2f s user, %.2f s sys\n", user, sys);
}
