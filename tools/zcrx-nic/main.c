// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-nic: check an rx queue for io_uring zero-copy receive, configure
 * it (--configure), undo that (--undo). zcrx-nic.h says which file does
 * what; this one has the command line and the check.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "common.h"
#include "zcrx-nic.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: zcrx-nic [options] IFNAME QUEUE\n"
"       zcrx-nic --undo STATEFILE\n"
"\n"
"Check that rx queue QUEUE of IFNAME can take io_uring zero-copy receive:\n"
"the driver restarts single queues, the queue exists and is free,\n"
"tcp-data-split is on, RSS leaves the queue out and, with -p, ntuple\n"
"rules steer the port to it. Each problem comes with the command that\n"
"fixes it; --configure makes those changes itself.\n"
"\n"
"  -p, --port PORT    also check the ntuple rules for TCP port PORT\n"
"  -4, -6             rules for IPv4 only, IPv6 only (default: both)\n"
"  -c, --configure    change what is missing (channels, tcp-data-split,\n"
"                     RSS, ntuple filters and rules), record each change\n"
"                     with the value it replaced in STATEFILE, then check\n"
"  -s, --state FILE   the STATEFILE (default /run/zcrx-nic/IFNAME-QUEUE.state)\n"
"  -u, --undo FILE    restore what the --configure that wrote FILE\n"
"                     changed, and nothing else\n"
"      --probe        register a zcrx instance on the queue and let it go:\n"
"                     proves the driver restarts single queues (restarts\n"
"                     QUEUE twice when it works)\n"
"  -q, --quiet        no ok lines, no change lines\n"
"  -h, --help         this help\n"
"\n"
"Exit status: 0 the queue is ready (--undo: everything restored), 1 it is\n"
"not, or a change failed (--configure undoes its own changes then),\n"
"2 bad usage.\n");
}

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("zcrx-nic", fmt, ap);
}

static unsigned int arg_uint(const char *what, const char *arg,
			     unsigned int min, unsigned int max)
{
	long long v = parse_uint(arg);

	if (v < min || v > max)
		usage_error("%s wants a number from %u to %u, not '%s'", what,
			    min, max, arg);
	return (unsigned int)v;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "configure", no_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "undo", required_argument, NULL, 'u' },
		{ "probe", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static char state[128];
	bool v4 = false, v6 = false;
	int opt;

	o->want = (struct nic_want){ .strict = true, .queue_opt = "QUEUE",
				     .family = AF_UNSPEC };
	while ((opt = getopt_long(argc, argv, "p:46cs:u:qh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'p':
			/* 0 stands for no -p: no rule would be checked */
			o->want.port = arg_uint("-p", optarg, 1, 65535);
			break;
		case '4': v4 = true; break;
		case '6': v6 = true; break;
		case 'c': o->configure = true; break;
		case 's': o->state = optarg; break;
		case 'u': o->undo = optarg; break;
		case 'P': o->probe = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	if (v4 && v6)
		usage_error("-4 and -6 exclude each other; give neither for both");
	o->want.family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
	if (o->undo) {
		if (optind < argc || o->configure || o->probe)
			usage_error("--undo takes only the state file");
		return;
	}
	if (argc - optind != 2)
		usage_error("wants IFNAME and QUEUE");
	o->ifname = argv[optind];
	if (strlen(o->ifname) >= IFNAMSIZ)
		usage_error("interface name '%s' is too long", o->ifname);
	o->want.queue = arg_uint("QUEUE", argv[optind + 1], 0, 0xffff);
	if (!o->state) {
		snprintf(state, sizeof(state), "/run/zcrx-nic/%s-%u.state",
			 o->ifname, o->want.queue);
		o->state = state;
	}
}

/* Every requirement, one line each; whether the queue is ready. */
static bool check(struct nic *n, const struct opts *o)
{
	const struct nic_want *w = &o->want;
	unsigned int nrx;
	char port[32] = "";

	if (w->port)
		snprintf(port, sizeof(port), " on port %u", w->port);
	fprintf(stderr, "zcrx-nic: checking %s queue %u%s\n", n->name,
		w->queue, port);
	if (nic_check_interface(n)) {
		nrx = nic_check_queue(n, w);
		if (!nrx || w->queue < nrx) {
			check_driver(n, o);
			nic_check_queue_free(n, w);
		}
		nic_check_data_split(n);
		nic_check_steering(n, w, nrx);
	}
	if (!check_problems) {
		fprintf(stderr, "zcrx-nic: queue %u of %s is ready for zero-copy receive%s\n",
			w->queue, n->name, port);
		return true;
	}
	fprintf(stderr, "zcrx-nic: %d problem%s: queue %u of %s is not ready for zero-copy receive%s\n",
		check_problems, check_problems == 1 ? "" : "s", w->queue,
		n->name, port);
	if (!o->configure)
		fprintf(stderr, "  --configure makes the changes it can, and records them for --undo\n");
	return false;
}

static int do_configure(struct nic *n, const struct opts *o)
{
	struct state st;
	int err;

	if (!n->ifindex)
		return check(n, o) ? 0 : EXIT_NOT_READY;
	fprintf(stderr, "zcrx-nic: configuring %s queue %u\n", n->name,
		o->want.queue);
	if (state_create(o, n, &st))
		return EXIT_NOT_READY;
	err = configure(n, o, &st);
	if (err) {
		fprintf(stderr, "zcrx-nic: undoing the %u change%s made so far\n",
			st.nr, st.nr == 1 ? "" : "s");
		if (!state_rollback(n, &st))
			remove(o->state);
		else if (!state_save(o->state, &st))
			fprintf(stderr, "zcrx-nic: %u change%s left in %s; undo: zcrx-nic --undo %s\n",
				st.nr, st.nr == 1 ? "" : "s", o->state, o->state);
		state_free(&st);
		return EXIT_NOT_READY;
	}
	if (!st.nr)
		fprintf(stderr, "zcrx-nic: nothing to change\n");
	fprintf(stderr, "zcrx-nic: %u change%s recorded in %s; undo: zcrx-nic --undo %s\n",
		st.nr, st.nr == 1 ? "" : "s", o->state, o->state);
	state_free(&st);
	return check(n, o) ? 0 : EXIT_NOT_READY;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct nic n;
	int err, status;

	parse_args(&o, argc, argv);
	check_quiet = o.quiet;
	if (o.undo)
		return undo(o.undo) ? EXIT_NOT_READY : 0;
	err = nic_open(&n, o.ifname);
	if (err) {
		fprintf(stderr, "zcrx-nic: socket: %s\n", strerror(-err));
		return EXIT_NOT_READY;
	}
	if (o.configure)
		status = do_configure(&n, &o);
	else
		status = check(&n, &o) ? 0 : EXIT_NOT_READY;
	nic_close(&n);
	return status;
}
