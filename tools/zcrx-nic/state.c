// SPDX-License-Identifier: GPL-2.0
/*
 * zcrx-nic: the state file. --configure writes one line per change as it
 * makes it, with the value it found and the one it set, so a run cut
 * short still leaves a record of what it did:
 *
 *   interface IFNAME IFINDEX
 *   channels OLD_RX OLD_COMBINED NEW_RX NEW_COMBINED
 *   data-split OLD NEW              (ETHTOOL_TCP_DATA_SPLIT_*)
 *   rss QUEUE SIZE OLD NEW          (OLD "default" or a,b,c...; NEW a,b,c...)
 *   ntuple OLD NEW
 *   rule LOC tcp4|tcp6 PORT QUEUE
 *
 * --undo restores them, the last first, each only if the setting still
 * has the value we set; it removes the file when everything was undone,
 * and otherwise leaves in it what was not (as a --configure that fails
 * does after undoing its own changes), rewritten as a new file renamed
 * over the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "zcrx-nic.h"

static void put_table(FILE *f, const uint32_t *t, uint32_t size)
{
	uint32_t i;

	for (i = 0; i < size; i++)
		fprintf(f, "%s%u", i ? "," : "", t[i]);
}

static void put_change(FILE *f, const struct change *c)
{
	switch (c->kind) {
	case CH_CHANNELS:
		fprintf(f, "channels %u %u %u %u\n", c->old[0], c->old[1],
			c->new[0], c->new[1]);
		break;
	case CH_DATA_SPLIT:
	case CH_NTUPLE:
		fprintf(f, "%s %u %u\n", c->kind == CH_NTUPLE ? "ntuple" :
			"data-split", c->old[0], c->new[0]);
		break;
	case CH_RSS:
		fprintf(f, "rss %u %u ", c->queue, c->size);
		if (c->old_table)
			put_table(f, c->old_table, c->size);
		else
			fputs("default", f);
		fputc(' ', f);
		put_table(f, c->new_table, c->size);
		fputc('\n', f);
		break;
	case CH_RULE:
		fprintf(f, "rule %u %s %u %u\n", c->loc,
			c->flow == TCP_V4_FLOW ? "tcp4" : "tcp6", c->port, c->queue);
		break;
	}
}

/* The whole file into FD, which it closes: header, interface, changes. */
static int state_put(int fd, const char *path, const struct state *st)
{
	unsigned int i;
	FILE *f;

	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "# zcrx-nic: what --configure changed, the value it found first\n"
		"# restore: zcrx-nic --undo %s\n", path);
	fprintf(f, "interface %s %u\n", st->ifname, st->ifindex);
	for (i = 0; i < st->nr; i++)
		put_change(f, &st->ch[i]);
	if (fflush(f) || fsync(fd)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int state_write(const char *path, const struct state *st, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);

	if (fd < 0)
		return -errno;
	return state_put(fd, path, st);
}

/*
 * PATH replaced by ST's changes: a new file beside it, renamed over it,
 * so that PATH has the old list or the new one, never half of either.
 */
int state_save(const char *path, const struct state *st)
{
	size_t len = strlen(path) + sizeof(".XXXXXX");
	char *tmp = malloc(len);
	int fd = -1, err = -ENOMEM;

	if (tmp) {
		snprintf(tmp, len, "%s.XXXXXX", path);
		fd = mkostemp(tmp, O_CLOEXEC);
		err = fd < 0 ? -errno : state_put(fd, path, st);
	}
	if (!err && rename(tmp, path))
		err = -errno;
	if (err && fd >= 0)
		unlink(tmp);
	if (err)
		fprintf(stderr, "zcrx-nic: cannot rewrite %s: %s\n", path,
			strerror(-err));
	free(tmp);
	return err;
}

int state_create(const struct opts *o, const struct nic *n, struct state *st)
{
	char *dir = strdup(o->state);
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(st->ifname, sizeof(st->ifname), "%s", n->name);
	st->ifindex = n->ifindex;
	if (dir)
		mkdir(dirname(dir), 0700);
	free(dir);
	err = state_write(o->state, st, O_EXCL);
	if (err == -EEXIST) {
		fprintf(stderr, "zcrx-nic: %s exists: an earlier --configure recorded its changes there\n"
			"  fix: zcrx-nic --undo %s first, or --state ANOTHER_FILE\n",
			o->state, o->state);
	} else if (err) {
		fprintf(stderr, "zcrx-nic: cannot write %s: %s\n", o->state,
			strerror(-err));
	}
	return err;
}

static uint32_t *table_dup(const uint32_t *t, uint32_t size)
{
	uint32_t *d;

	if (!t)
		return NULL;
	d = malloc(size * sizeof(*d));
	if (d)
		memcpy(d, t, size * sizeof(*d));
	return d;
}

/* A copy of C at the end of ST, tables included. */
static int state_add(struct state *st, const struct change *c)
{
	struct change *ch = realloc(st->ch, (st->nr + 1) * sizeof(*ch));

	if (!ch)
		return -ENOMEM;
	st->ch = ch;
	ch += st->nr++;
	*ch = *c;
	ch->old_table = table_dup(c->old_table, c->size);
	ch->new_table = table_dup(c->new_table, c->size);
	if ((c->old_table && !ch->old_table) ||
	    (c->new_table && !ch->new_table))
		return -ENOMEM;
	return 0;
}

int state_append(const struct opts *o, struct state *st,
		 const struct change *c)
{
	FILE *f;
	int err;

	err = state_add(st, c);
	f = fopen(o->state, "ae");
	if (!f)
		err = err ?: -errno;
	if (f) {
		put_change(f, c);
		if (fclose(f))
			err = err ?: -errno;
	}
	if (err)
		fprintf(stderr, "zcrx-nic: cannot record the change in %s: %s\n",
			o->state, strerror(-err));
	return err;
}

void state_free(struct state *st)
{
	unsigned int i;

	for (i = 0; i < st->nr; i++) {
		free(st->ch[i].old_table);
		free(st->ch[i].new_table);
	}
	free(st->ch);
	st->ch = NULL;
	st->nr = 0;
}

/* "a,b,c" with SIZE numbers into a new table, or NULL. */
static uint32_t *get_table(const char *s, uint32_t size)
{
	uint32_t *t = calloc(size ? size : 1, sizeof(*t)), i;
	char *end;

	for (i = 0; t && i < size; i++) {
		t[i] = (uint32_t)strtoul(s, &end, 10);
		if (end == s || *end != (i + 1 < size ? ',' : '\0')) {
			free(t);
			return NULL;
		}
		s = end + 1;
	}
	return t;
}

static int parse_rss(const char *line, struct change *c)
{
	char old[65536], new[65536];

	if (sscanf(line, "rss %u %u %65535s %65535s", &c->queue, &c->size,
		   old, new) != 4 || !c->size)
		return -EINVAL;
	c->new_table = get_table(new, c->size);
	if (strcmp(old, "default"))
		c->old_table = get_table(old, c->size);
	if (!c->new_table || (strcmp(old, "default") && !c->old_table))
		return -EINVAL;
	return 0;
}

static int parse_line(const char *line, struct change *c)
{
	char fam[8];

	memset(c, 0, sizeof(*c));
	if (sscanf(line, "channels %u %u %u %u", &c->old[0], &c->old[1],
		   &c->new[0], &c->new[1]) == 4) {
		c->kind = CH_CHANNELS;
	} else if (sscanf(line, "data-split %u %u", &c->old[0], &c->new[0]) == 2) {
		c->kind = CH_DATA_SPLIT;
	} else if (sscanf(line, "ntuple %u %u", &c->old[0], &c->new[0]) == 2) {
		c->kind = CH_NTUPLE;
	} else if (sscanf(line, "rule %u %7s %u %u", &c->loc, fam, &c->port,
			  &c->queue) == 4 &&
		   (!strcmp(fam, "tcp4") || !strcmp(fam, "tcp6"))) {
		c->kind = CH_RULE;
		c->flow = fam[3] == '4' ? TCP_V4_FLOW : TCP_V6_FLOW;
	} else if (!strncmp(line, "rss ", 4)) {
		c->kind = CH_RSS;
		return parse_rss(line, c);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int state_read(const char *path, struct state *st)
{
	struct change c;
	size_t cap = 0;
	char *line = NULL;
	int err = 0, no = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		no++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "interface %15s %u", st->ifname, &st->ifindex) == 2)
			continue;
		err = parse_line(line, &c);
		if (!err)
			err = state_add(st, &c);
		free(c.old_table);
		free(c.new_table);
	}
	if (!err && !st->ifindex)
		err = -EINVAL;
	if (err)
		fprintf(stderr, "zcrx-nic: %s: line %d is not a zcrx-nic state line\n",
			path, no);
	free(line);
	fclose(f);
	return err;
}

int state_rollback(struct nic *n, struct state *st)
{
	unsigned int i, total = st->nr;
	char what[160];
	int err;

	for (i = total; i-- > 0;) {
		struct change *c = &st->ch[i];

		change_describe(c, what, sizeof(what));
		err = change_undo(n, c);
		c->undone = !err;
		if (!err)
			fprintf(stderr, "  %-5s %s\n", "undo", what);
		else if (err == -ESTALE)
			check_fail("%s: changed since, left as it is", what);
		else if (err == -ENOTEMPTY)
			check_fail("%s: rules were added since, left on", what);
		else
			check_fail("cannot undo %s: %s%s%s", what, strerror(-err),
				   n->extack[0] ? ": " : "", n->extack);
	}
	/* What is left, in the order it was made. */
	for (i = 0, st->nr = 0; i < total; i++) {
		if (!st->ch[i].undone) {
			st->ch[st->nr++] = st->ch[i];
			continue;
		}
		free(st->ch[i].old_table);
		free(st->ch[i].new_table);
	}
	return st->nr ? -EAGAIN : 0;
}

int undo(const char *path)
{
	struct state st;
	struct nic n;
	int err;

	err = state_read(path, &st);
	if (err == -ENOENT || err == -EACCES)
		fprintf(stderr, "zcrx-nic: cannot read %s: %s\n", path, strerror(-err));
	if (err)
		return err;
	err = nic_open(&n, st.ifname);
	if (!err && n.ifindex != st.ifindex) {
		fprintf(stderr, "zcrx-nic: %s is no longer interface %u of %s (now %u): nothing undone\n",
			st.ifname, st.ifindex, path, n.ifindex);
		err = -ENODEV;
	}
	if (!err) {
		fprintf(stderr, "zcrx-nic: undoing %u change%s to %s from %s\n",
			st.nr, st.nr == 1 ? "" : "s", st.ifname, path);
		err = state_rollback(&n, &st);
		if (!err && unlink(path))
			err = -errno;
		else if (err && !state_save(path, &st))
			fprintf(stderr, "zcrx-nic: %u change%s left in %s\n", st.nr,
				st.nr == 1 ? "" : "s", path);
	}
	nic_close(&n);
	state_free(&st);
	return err;
}
