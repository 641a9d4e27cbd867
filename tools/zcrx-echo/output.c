// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-echo: its lines on stdout, as text or one JSON object per line
 * (-j): how it echoes (after the sink's listening line), connections and
 * totals, both ways, with the bytes copied each way.
 */
#include <inttypes.h>

#include "common.h"
#include "echo.h"

void print_echo_ready(struct echo *e)
{
	const struct config *c = &e->s.cfg;

	if (c->quiet)
		return;
	if (c->json)
		printf("{\"event\":\"echo\",\"window\":%" PRIu64 ",\"fixed_buffers\":%u,\"chain_max\":%u}\n",
		       e->window, e->nr_fixed, e->chain_max);
	else
		printf(PROG ": echoing with SEND_ZC from the area (%u fixed buffer%s), chains of up to %u sends, window %" PRIu64 " bytes per connection\n",
		       e->nr_fixed, e->nr_fixed == 1 ? "" : "s", e->chain_max,
		       e->window);
}

/* conn.c calls it for every connection it closes. */
void print_conn(struct sink *s, const struct conn *cn, enum conn_end end)
{
	struct echo *e = to_echo(s);
	const struct config *c = &s->cfg;
	const struct echo_conn *ec = NULL, none = { 0 };
	uint64_t ns;
	size_t i;

	if (c->quiet)
		return;
	for (i = 0; i < s->nr_slots && i < e->nr_ec; i++)
		if (s->conns[i] == cn)
			ec = e->ec[i];
	if (!ec)
		ec = &none;
	/* From the first byte in to the last byte out. */
	ns = (ec->t_last_tx > cn->t_last ? ec->t_last_tx : cn->t_last) - cn->t_first;
	if (!cn->t_first)
		ns = 0;
	if (c->json) {
		printf("{\"event\":\"conn\",\"id\":%" PRIu64 ",\"peer\":", cn->id);
		json_str(stdout, cn->peer);
		printf(",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
		       ",\"cqes\":%" PRIu64 ",\"sends\":%" PRIu64 ",\"notifs\":%" PRIu64
		       ",\"tx_copy_bytes\":%" PRIu64 ",\"stalls\":%" PRIu64
		       ",\"max_held\":%" PRIu64 ",\"seconds\":%.6f,\"gbps\":%.3f"
		       ",\"rearms\":%" PRIu64,
		       cn->bytes, ec->sent_pos, cn->cqes, ec->sends_done,
		       ec->notifs, ec->tx_copied, ec->stalls, ec->max_held,
		       ns / 1e9, gbit_per_s(cn->bytes, ns), cn->rearms);
		print_conn_end(s, cn, end);
		return;
	}
	printf("conn %" PRIu64 " %s: %" PRIu64 " bytes in, %" PRIu64 " out in %.3f s, %.2f Gbit/s, %" PRIu64 " cqes, %" PRIu64 " sends, copied out %" PRIu64 ", %" PRIu64 " stalls",
	       cn->id, cn->peer, cn->bytes, ec->sent_pos, ns / 1e9,
	       gbit_per_s(cn->bytes, ns), cn->cqes, ec->sends_done,
	       ec->tx_copied, ec->stalls);
	print_conn_end(s, cn, end);
}

void print_echo_totals(struct echo *e)
{
	struct sink *s = &e->s;
	const struct config *c = &s->cfg;
	const struct totals *t = &s->tot;
	uint64_t last = e->t_last_tx > t->t_last ? e->t_last_tx : t->t_last;
	uint64_t ns = t->t_first ? last - t->t_first : 0;
	int64_t copied = zcrx_copy_bytes(s);
	uint64_t zc = copied < 0 ? t->bytes :
		      (uint64_t)copied < t->bytes ? t->bytes - (uint64_t)copied : 0;
	if (c->json) {
		printf("{\"event\":\"total\",\"conns\":%" PRIu64 ",\"bytes_in\":%" PRIu64
		       ",\"bytes_out\":%" PRIu64 ",\"rx_zc_bytes\":%" PRIu64
		       ",\"rx_copy_bytes\":", t->conns, t->bytes, e->tx_bytes, zc);
		if (copied < 0)
			printf("null");
		else
			printf("%" PRId64, copied);
		printf(",\"tx_zc_bytes\":%" PRIu64 ",\"tx_copy_bytes\":%" PRIu64
		       ",\"cqes\":%" PRIu64 ",\"sends\":%" PRIu64 ",\"notifs\":%" PRIu64
		       ",\"late_notifs\":%" PRIu64 ",\"broken_chains\":%" PRIu64 ",\"stalls\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.3f,\"rearms\":%" PRIu64,
		       e->tx_bytes - e->tx_copied, e->tx_copied, t->cqes, e->sends,
		       e->notifs, e->late_notifs, e->broken, e->stalls, ns / 1e9,
		       gbit_per_s(t->bytes, ns), t->rearms);
		print_totals_end(s);
		return;
	}
	printf("total: %" PRIu64 " conns, %" PRIu64 " bytes in, %" PRIu64 " out in %.3f s, %.2f Gbit/s each way; received zero-copy %" PRIu64 ", copied ",
	       t->conns, t->bytes, e->tx_bytes, ns / 1e9,
	       gbit_per_s(t->bytes, ns), zc);
	if (copied < 0)
		printf("n/a");
	else
		printf("%" PRId64, copied);
	printf("; sent zero-copy %" PRIu64 ", copied %" PRIu64 "; %" PRIu64 " cqes, %" PRIu64 " sends, %" PRIu64 " stalls",
	       e->tx_bytes - e->tx_copied, e->tx_copied, t->cqes, e->sends,
	       e->stalls);
	print_totals_end(s);
}
