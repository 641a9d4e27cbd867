// SPDX-License-Identifier: GPL-2.0
/*
 * netrx_kick: make every online CPU run its NET_RX softirq once.
 *
 *   netrx_kick
 *
 * Sockets free received skbs on the CPU that allocated them
 * (skb_attempt_defer_free()): until that CPU runs NET_RX again, they and
 * the page pool buffers in them wait on its defer list, which in an idle
 * test guest can be forever. So for each CPU it may run on, it moves there
 * and connects to 127.0.0.1:9 in its network namespace: the SYN through
 * loopback raises NET_RX on that CPU, and nobody listens. Loopback is
 * brought up first if it is down. One process, no shell per CPU: a test
 * that waits for a pool to drain calls it at every try.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = 0;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -1;
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* A SYN to the discard port from this CPU; refused or not, it went */
static void knock(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return;
	connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

int main(void)
{
	cpu_set_t all, one;
	int cpu;

	if (lo_up()) {
		fprintf(stderr, "netrx_kick: lo: %s\n", strerror(errno));
		return 1;
	}
	if (sched_getaffinity(0, sizeof(all), &all))
		return 1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		/* an offline CPU refuses: nothing waits there */
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		knock();
	}
	return 0;
}
