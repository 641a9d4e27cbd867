// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-echo: a TCP echo server with zero copy both ways. echo.h says what
 * it does and which file does what; this one puts it in order: options,
 * checks, registration (the zcrx instance, then the area as fixed
 * buffers), serving, teardown.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "check.h"
#include "echo.h"

static void on_signal(int sig)
{
	stop_signal = sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct echo echo = { .s = { .lfd = -1, .dmabuf_fd = -1 } };
	struct echo *e = &echo;
	struct sink *s = &e->s;
	int status = EXIT_SETUP, err;
	size_t i;

	parse_options(&s->cfg, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_quiet = s->cfg.quiet;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* -B is the window; every RECV_ZC request has a read limit. */
	e->window = s->cfg.budget ? s->cfg.budget : WINDOW_DEFAULT;
	s->cfg.budget = e->window;
	e->chain_max = s->cfg.sq_entries / 2 ? s->cfg.sq_entries / 2 : 1;
	if (e->chain_max > CHAIN_MAX)
		e->chain_max = CHAIN_MAX;

	err = nic_open(&s->nic, s->cfg.nodev ? NULL : s->cfg.ifname);
	if (err) {
		errno = -err;
		perror(PROG ": socket for ethtool");
		return EXIT_SETUP;
	}
	size_zcrx(s);
	if (setup_socket(s) || setup_ring(s))
		goto out;
	if (!run_checks(s))
		goto out;
	if (setup_zcrx(s) || register_area(e))
		goto out;
	status = echo_serve(e);
out:
	sink_teardown(s);
	nic_close(&s->nic);
	for (i = 0; i < e->nr_ec; i++)
		free_echo_conn(e->ec[i]);
	free(e->ec);
	return status;
}
