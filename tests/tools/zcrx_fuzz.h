/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcrx_fuzz: what the parent and the workers share (one MAP_SHARED page
 * set up before the first fork), the seeded PRNG, and the op names the
 * trail prints. See zcrx_fuzz.c for the program.
 */
#ifndef TESTS_TOOLS_ZCRX_FUZZ_H
#define TESTS_TOOLS_ZCRX_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_WORKERS	16
#define TRAIL_LEN	20

enum fuzz_op {
	OP_RING_OPEN,
	OP_RING_CLOSE,
	OP_REGISTER,
	OP_EXPORT,
	OP_IMPORT,
	OP_CTRL,
	OP_ADD_AREA,
	OP_QUERY,
	OP_SOCK_OPEN,
	OP_SOCK_WRITE,
	OP_SOCK_CLOSE,
	OP_RECV,
	OP_REAP,
	OP_REFILL,
	OP_REFILL_BULK,
	OP_REFILL_HT,
	OP_FORK,
	NR_OPS
};

static const char *const op_names[NR_OPS] = {
	[OP_RING_OPEN]	 = "ring_open",
	[OP_RING_CLOSE]	 = "ring_close",
	[OP_REGISTER]	 = "register",
	[OP_EXPORT]	 = "export",
	[OP_IMPORT]	 = "import",
	[OP_CTRL]	 = "ctrl",
	[OP_ADD_AREA]	 = "add_area",
	[OP_QUERY]	 = "query",
	[OP_SOCK_OPEN]	 = "sock_open",
	[OP_SOCK_WRITE]	 = "sock_write",
	[OP_SOCK_CLOSE]	 = "sock_close",
	[OP_RECV]	 = "recv_zc",
	[OP_REAP]	 = "reap",
	[OP_REFILL]	 = "refill",
	[OP_REFILL_BULK] = "refill_bulk",
	[OP_REFILL_HT]	 = "refill_head_tail",
	[OP_FORK]	 = "fork",
};

/* One op of a worker: what it was, two arguments, what came back. */
struct trail_ent {
	uint64_t seq;
	uint32_t op;
	int32_t ret;
	uint64_t a, b;
};

/* A worker slot: its counters survive a SIGKILL and the restart. */
struct wslot {
	volatile uint64_t heartbeat_ms;
	volatile int pid;
	volatile uint32_t gen;
	volatile int failed;
	volatile int done;
	volatile int closed;	/* stopping: its sockets and rings closed */
	char why[256];
	uint64_t ops, calls, refill, cqes, data_bytes, verified_bytes;
	uint64_t forks, regs_ok, regs_own, imports_ok, zc_bytes, copy_bytes;
	uint64_t nr_trail;
	struct trail_ent trail[TRAIL_LEN];
};

struct fuzz_shm {
	volatile int stop;
	struct wslot w[MAX_WORKERS];
};

/* splitmix64: a stream per worker and incarnation from the one seed */
static inline uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t worker_seed(uint64_t seed, unsigned int idx,
				   uint32_t gen)
{
	uint64_t s = seed ^ ((uint64_t)(idx + 1) << 32) ^ gen;

	return splitmix64(&s);
}

#endif /* TESTS_TOOLS_ZCRX_FUZZ_H */
