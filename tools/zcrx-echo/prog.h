/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcrx-echo builds the sink's shared files (options, checks, area, conn,
 * verify, report) under its own name: the Makefile passes this file with
 * -include, ahead of ../zcrx-sink/sink.h and its defaults.
 */
#define PROG		"zcrx-echo"
#define PROG_ABOUT \
	"Echo TCP with zero copy both ways: receive with RECV_ZC on rx queue\n" \
	"QUEUE of IF, send the same bytes back with SEND_ZC straight from the\n" \
	"area (registered as fixed buffers), return each buffer after the\n" \
	"kernel's notification that the send is done with it.\n"
#define PROG_BUDGET_HELP \
	"window: at most SIZE bytes per connection received and not yet\n" \
	"               echoed and returned; reading stops there until sends\n" \
	"               complete (default 1M)\n"
