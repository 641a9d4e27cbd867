/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcrx-nic: checks an rx queue of a NIC for io_uring zero-copy receive
 * and, with --configure, makes it ready: channels, tcp-data-split, RSS
 * without the queue, ntuple filters and rules for a port. Every change is
 * recorded in a state file with the value it replaced, so --undo restores
 * exactly those and nothing else. Documentation/zcrx-nic.md.
 *
 *   main.c       command line, the check, the order of it all
 *   driver.c     whether the driver restarts single queues (--probe)
 *   configure.c  the changes
 *   state.c      the state file, and undoing what it lists
 */
#ifndef ZCRX_NIC_H
#define ZCRX_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "nic-check.h"

#define EXIT_NOT_READY	1	/* a check failed, or a change did */
#define EXIT_USAGE	2

struct opts {
	const char *ifname;
	struct nic_want want;
	bool configure, probe, quiet;
	const char *state;		/* --state, or the default path */
	const char *undo;		/* --undo FILE */
};

enum change_kind { CH_CHANNELS, CH_DATA_SPLIT, CH_RSS, CH_NTUPLE, CH_RULE };

/* One change --configure made: what it found and what it set. */
struct change {
	enum change_kind kind;
	uint32_t old[2], new[2];	/* channels: rx, combined; else [0] */
	uint32_t size;			/* RSS: table entries */
	uint32_t *old_table;		/* NULL: the driver's default */
	uint32_t *new_table;
	uint32_t loc, flow, port, queue;	/* a rule we added */
	bool undone;
};

struct state {
	char ifname[16];
	unsigned int ifindex;
	struct change *ch;
	unsigned int nr;
};

/* driver.c */
void check_driver(struct nic *n, const struct opts *o);

/* configure.c */
int configure(struct nic *n, const struct opts *o, struct state *st);
/* Restore change C; false when it was changed since (left alone). */
int change_undo(struct nic *n, const struct change *c);
void change_describe(const struct change *c, char *buf, size_t len);

/* state.c */
int state_create(const struct opts *o, const struct nic *n, struct state *st);
int state_append(const struct opts *o, struct state *st,
		 const struct change *c);
void state_free(struct state *st);
/* PATH rewritten with ST's changes, atomically; says so if it cannot. */
int state_save(const char *path, const struct state *st);
int undo(const char *path);
/* Undo ST's changes, the last first; 0 when all were undone. */
int state_rollback(struct nic *n, struct state *st);

#endif /* ZCRX_NIC_H */
