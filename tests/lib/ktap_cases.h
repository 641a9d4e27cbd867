/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tools that test the zcrx user ABI case by case share
 * (tests/tools/zcrx_ctl, zcrx_reg, zcrx_mem, zcrx_ops): one KTAP line per
 * case with the errno by name, the checks that explain a failed case in a
 * "#" line, and what cases need around them: the raw register syscall, a
 * child with credentials, limits and a VmPin of its own, /proc numbers, a
 * TCP pair, an interface by name or index. Static inline: a tool that
 * calls only some of them builds without warnings.
 */
#ifndef TESTS_LIB_KTAP_CASES_H
#define TESTS_LIB_KTAP_CASES_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kselftest.h"

/* A result slot a child never filled: it died before getting there. */
#define CHILD_DIED	INT32_MIN

/* Milliseconds of CLOCK_MONOTONIC */
static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reporting */

/* "-EINVAL" for -EINVAL, "0" for success, into @buf. */
static inline const char *errname(int ret, char *buf, size_t len)
{
	const char *name = NULL;

	if (ret == CHILD_DIED)
		return "nothing, the child ended first";
	if (ret < 0)
		name = strerrorname_np(-ret);
	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%d", ret);
	return buf;
}

/* errname() into a buffer of the caller's statement */
#define ERRNAME(ret)	errname((ret), (char[32]){ 0 }, 32)

/* One KTAP line: ok or not ok, the description printf-formatted. */
static inline void result(bool ok, const char *fmt, ...)
{
	char desc[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	ksft_test_result_code(ok ? KSFT_PASS : KSFT_FAIL, desc, NULL);
}

/* One KTAP line for a rule the ABI answers with -@want (0: success). */
static inline void expect(const char *rule, int ret, int want)
{
	if (ret != -want)
		ksft_print_msg("%s: got %s\n", rule, ERRNAME(ret));
	result(ret == -want, "%s: %s", rule, ERRNAME(-want));
}

/* Report a mismatch of one value; true if it matched. */
static inline bool check_eq(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	ksft_print_msg("%s: got %#llx, want %#llx\n", what,
		       (unsigned long long)got, (unsigned long long)want);
	return false;
}

/* Report a condition that does not hold; true if it holds. */
static inline bool check(const char *what, bool ok)
{
	if (!ok)
		ksft_print_msg("%s: no\n", what);
	return ok;
}

/* Around the cases */

/* The raw syscall: liburing would not let the arguments be wrong. */
static inline int sys_register(int fd, unsigned int op, void *arg,
			       unsigned int nr)
{
	long ret = syscall(__NR_io_uring_register, fd, op, arg, nr);

	return ret < 0 ? -errno : (int)ret;
}

/* Drop @cap from the effective set: 0 or -errno. */
static inline int drop_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * RLIMIT_MEMLOCK's soft limit @pages, the hard one left alone (or raised
 * to it, if it is lower). False, saying so, if it cannot be set.
 */
static inline bool set_memlock(long pages)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_MEMLOCK, &lim))
		return false;
	lim.rlim_cur = pages * sysconf(_SC_PAGESIZE);
	if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < lim.rlim_cur)
		lim.rlim_max = lim.rlim_cur;
	if (setrlimit(RLIMIT_MEMLOCK, &lim)) {
		ksft_print_msg("RLIMIT_MEMLOCK %ld pages: %s\n", pages,
			       strerror(errno));
		return false;
	}
	return true;
}

/*
 * The number of the first line of @path that @fmt, a sscanf() format with
 * one %ld, matches; -1 if no line does.
 */
static inline long proc_number(const char *path, const char *fmt)
{
	char line[128];
	long n = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &n) == 1)
			break;
	fclose(f);
	return n;
}

/* VmPin of /proc/self/status (the mm's pinned_vm) in pages, or -1. */
static inline long vm_pin_pages(void)
{
	long kb = proc_number("/proc/self/status", "VmPin: %ld kB");

	return kb < 0 ? -1 : kb * 1024 / sysconf(_SC_PAGESIZE);
}

/*
 * Run @fn(@res, @arg) in a child, for cases that change the credentials or
 * limits of the process, or need an mm of their own (VmPin starts at 0 in
 * a new process). It fills @nr int results, which come back in @res; a
 * slot it did not fill reads CHILD_DIED.
 */
static inline void in_child(void (*fn)(int32_t *res, const void *arg),
			    const void *arg, int32_t *res, int nr)
{
	size_t len = nr * sizeof(*res);
	int32_t *shared;
	pid_t pid;
	int i;

	shared = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	for (i = 0; i < nr; i++)
		shared[i] = CHILD_DIED;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		fn(shared, arg);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	memcpy(res, shared, len);
	munmap(shared, len);
}

/* A connected TCP pair over lo: *rx is the accepted end. */
static inline void tcp_pair(int *rx, int *tx)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&a, &alen))
		ksft_exit_fail_msg("listener: %s\n", strerror(errno));
	*tx = socket(AF_INET, SOCK_STREAM, 0);
	if (*tx < 0 || connect(*tx, (struct sockaddr *)&a, sizeof(a)))
		ksft_exit_fail_msg("connect: %s\n", strerror(errno));
	*rx = accept(lfd, NULL, NULL);
	if (*rx < 0)
		ksft_exit_fail_msg("accept: %s\n", strerror(errno));
	close(lfd);
}

/* Command line */

/* -i and the like: an interface by index or by name; exits if none. */
static inline unsigned int parse_ifindex(const char *arg)
{
	char *end;
	unsigned long idx = strtoul(arg, &end, 10);

	if (*arg && !*end)
		return idx;
	idx = if_nametoindex(arg);
	if (!idx)
		ksft_exit_fail_msg("%s: %s\n", arg, strerror(errno));
	return idx;
}

#endif
