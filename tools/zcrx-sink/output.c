// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: its connection and total lines on stdout, as text or one
 * JSON object per line (-j); report.c has the rest.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "sink.h"

void print_conn(struct sink *s, const struct conn *cn, enum conn_end e)
{
	const struct config *c = &s->cfg;
	uint64_t ns = cn->t_last - cn->t_first;

	if (c->quiet)
		return;
	if (c->json) {
		printf("{\"event\":\"conn\",\"id\":%" PRIu64 ",\"peer\":", cn->id);
		json_str(stdout, cn->peer);
		printf(",\"bytes\":%" PRIu64 ",\"cqes\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.3f,\"rearms\":%" PRIu64,
		       cn->bytes, cn->cqes, ns / 1e9, gbit_per_s(cn->bytes, ns),
		       cn->rearms);
		print_conn_end(s, cn, e);
		return;
	}
	printf("conn %" PRIu64 " %s: %" PRIu64 " bytes in %.3f s, %.2f Gbit/s, %" PRIu64 " cqes",
	       cn->id, cn->peer, cn->bytes, ns / 1e9, gbit_per_s(cn->bytes, ns),
	       cn->cqes);
	print_conn_end(s, cn, e);
}

void print_totals(struct sink *s)
{
	const struct config *c = &s->cfg;
	const struct totals *t = &s->tot;
	uint64_t ns = t->t_last - t->t_first;
	int64_t copied = zcrx_copy_bytes(s);
	uint64_t zc = copied < 0 ? t->bytes :
		      (uint64_t)copied < t->bytes ? t->bytes - (uint64_t)copied : 0;

	if (c->json) {
		printf("{\"event\":\"total\",\"conns\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"zc_bytes\":%" PRIu64 ",\"copy_bytes\":",
		       t->conns, t->bytes, zc);
		if (copied < 0)
			printf("null");
		else
			printf("%" PRId64, copied);
		printf(",\"cqes\":%" PRIu64 ",\"cqes_per_mib\":%.2f,\"seconds\":%.6f"
		       ",\"gbps\":%.3f,\"rearms\":%" PRIu64,
		       t->cqes, cqes_per_mib(t->cqes, t->bytes), ns / 1e9,
		       gbit_per_s(t->bytes, ns), t->rearms);
		print_totals_end(s);
		return;
	}
	printf("total: %" PRIu64 " conns, %" PRIu64 " bytes in %.3f s, %.2f Gbit/s, %" PRIu64 " cqes (%.1f per MiB); zero-copy %" PRIu64 ", copied ",
	       t->conns, t->bytes, ns / 1e9, gbit_per_s(t->bytes, ns), t->cqes,
	       cqes_per_mib(t->cqes, t->bytes), zc);
	if (copied < 0)
		printf("n/a");
	else
		printf("%" PRId64, copied);
	print_totals_end(s);
}
