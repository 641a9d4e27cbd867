// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: a TCP server that receives with io_uring zero-copy receive.
 * sink.h says what it does and which file does what; this one puts it
 * in order: options, checks, registration, serving, teardown.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "check.h"
#include "sink.h"

static void on_signal(int sig)
{
	stop_signal = sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct sink sink = { .lfd = -1, .dmabuf_fd = -1 };
	struct sink *s = &sink;
	int status = EXIT_SETUP, err;

	parse_options(&s->cfg, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_quiet = s->cfg.quiet;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

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
	if (setup_zcrx(s))
		goto out;
	status = serve(s);
out:
	sink_teardown(s);
	nic_close(&s->nic);
	return status;
}
