// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-echo: a TCP echo server with zero copy both ways. echo.h says what
 * it does and which file does what; this one puts it in order: options,
 * checks, registration (the zcrx instance, then the area as fixed
 * buffers), serving, teardown.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "common.h"
#include "echo.h"

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror(PROG, fmt, ap);
}

/*
 * The window counts payload, but each segment takes a whole buffer: a
 * window above half the area could hold all of it, for one connection.
 */
static void check_window(struct echo *e, bool given)
{
	uint64_t half = e->s.cfg.area_size / 2;

	if (e->window <= half)
		return;
	if (given)
		usage_error("-B %" PRIu64 " is more than half the area (-A %" PRIu64 " bytes): one connection could hold all of it; give a smaller -B or a larger -A",
			    e->window, e->s.cfg.area_size);
	/* Our default, not the user's: it fits the area. */
	e->window = half ? half : 1;
}

int main(int argc, char **argv)
{
	static struct echo echo = { .s = { .lfd = -1, .dmabuf_fd = -1 } };
	struct echo *e = &echo;
	struct sink *s = &e->s;
	int status;
	size_t i;

	sink_start(s, argc, argv);
	/* -B is the window; every RECV_ZC request has a read limit. */
	e->window = s->cfg.budget ? s->cfg.budget : WINDOW_DEFAULT;
	check_window(e, s->cfg.budget);
	s->cfg.budget = e->window;
	e->chain_max = s->cfg.sq_entries / 2 ? s->cfg.sq_entries / 2 : 1;
	if (e->chain_max > CHAIN_MAX)
		e->chain_max = CHAIN_MAX;

	status = sink_setup(s);
	if (!status && register_area(e))
		status = EXIT_SETUP;
	if (!status)
		status = echo_serve(e);
	sink_teardown(s);
	for (i = 0; i < e->nr_ec; i++)
		free_echo_conn(e->ec[i]);
	free(e->ec);
	return status;
}
