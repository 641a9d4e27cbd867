// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-sink: a TCP server that receives with io_uring zero-copy receive.
 * sink.h says what it does and which file does what; this one puts it
 * in order: options, checks, registration, serving, teardown.
 */
#include "sink.h"

int main(int argc, char **argv)
{
	static struct sink sink = { .lfd = -1, .dmabuf_fd = -1 };
	struct sink *s = &sink;
	int status;

	sink_start(s, argc, argv);
	status = sink_setup(s);
	if (!status)
		status = serve(s);
	sink_teardown(s);
	return status;
}
