/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcrx-send: what its files share. zcrx-send.c is the sender and the
 * command line; send-echo.c its client side of an echo server
 * (zcrx-echo, echo-plain): the stream read back and verified, or
 * ping-pong with round-trip times.
 */
#ifndef TOOLS_SEND_H
#define TOOLS_SEND_H

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_CONNS	1024
#define EXIT_FAIL	1
#define EXIT_SETUP	2
/* How long to wait for the receiver to close after our last byte. */
#define DRAIN_NS	10000000000ull
/* Echo: how long the echo may make no progress while we read. */
#define ECHO_STALL_NS	30000000000ull

struct config {
	const char *host;
	const char *port;
	int family;
	unsigned int conns;
	uint64_t bytes;			/* per connection, when !seconds */
	unsigned int seconds;
	size_t chunk;
	unsigned int wait_s;
	bool zeros, json, quiet;
	bool echo;			/* -e: read the echo back, verify it */
	uint64_t msg_size;		/* -m: ping-pong with messages this big */
	uint64_t msgs;			/* -n: ping-pong messages per connection */
	uint64_t pause_after;		/* -P: stop reading after this many */
	unsigned int pause_s;		/* bytes of echo, for this long */
};

struct worker {
	pthread_t thread;
	unsigned int id;
	const struct config *cfg;
	const struct addrinfo *ai;
	uint64_t bytes;
	uint64_t t_start, t_end;
	bool drained;			/* the receiver closed after our data */
	int err;			/* errno of the failure, or 0 */
	const char *what;		/* which call failed */

	/* echo (-e, -m) */
	uint64_t echoed;		/* bytes read back */
	uint64_t bad;			/* of them not what we sent */
	int64_t first_bad;		/* stream offset of the first, or -1 */
	uint64_t paused_ns;		/* time we did not read (-P) */
	uint64_t *rtt;			/* ping-pong round trips, ns */
	uint64_t nr_rtt;
};

extern volatile sig_atomic_t stop_signal;
extern volatile sig_atomic_t resume_signal;	/* -P: end the pause */

/* send-echo.c */
void echo_stream(struct worker *w, int fd);
void ping_pong(struct worker *w, int fd);
void print_echo_worker(const struct config *c, const struct worker *w);
/* Echo lines of the total; returns the connections whose echo was wrong. */
unsigned int print_echo_total(const struct config *c, struct worker *w,
			      unsigned int n);

#endif /* TOOLS_SEND_H */
