// SPDX-License-Identifier: GPL-2.0
/*
 * nlq: the netdev and ethtool netlink queries the tests make, in one quick
 * exec (libmnl), in the network namespace it runs in.
 *
 *   nlq pools  [-F FIELDS] [DEV]             netdev page-pool-get dump
 *   nlq queues [-F FIELDS] [-t rx|tx] [DEV]  netdev queue-get dump
 *   nlq qstats [-F FIELDS] [-t rx|tx] [DEV]  netdev qstats-get dump, per queue
 *   nlq rings  [-F FIELDS] DEV               ethtool rings-get
 *   nlq rings-set DEV NAME VALUE...          ethtool rings-set
 *
 * Output, on stdout: one object per line, "name=value" pairs separated by
 * spaces, named as in the kernel's YNL specs (Documentation/netlink/specs/
 * netdev.yaml, ethtool.yaml), in the spec's order; an attribute the kernel
 * left out is left out. Numbers are decimal; a nest whose presence is the
 * information (io-uring) prints as 1; queue types print as rx or tx and
 * tcp-data-split as unknown, off or on. With -F NAME,NAME... each line
 * holds just those values, in that order, separated by spaces, 0 standing
 * for an absent attribute; an unknown name is a usage error.
 *
 * DEV limits the dump to one device of this namespace: queues and qstats
 * ask the kernel for that ifindex only; page-pool-get cannot filter, so
 * nlq does, counting a pool without an ifindex as lo's (ifindex 1): the
 * kernel leaves out loopback's ifindex, and the pools of a device
 * unregistered in this namespace wait there. -t keeps one queue type.
 *
 * rings-set takes NAME VALUE pairs (rx, rx-mini, rx-jumbo, tx, rx-buf-len,
 * cqe-size, tx-push-buf-len: numbers; tx-push, rx-push: 0 or 1;
 * tcp-data-split: on, off or unknown) and prints nothing when the kernel
 * accepts them.
 *
 * Errors go to stderr: a line saying what failed, then, when the kernel
 * refused a request, "error=-ERRNO" and, if it said why,
 * "extack=MESSAGE" (the rest of the line). The exit status is 0 on
 * success, the positive errno of a failed request or system call, and 255
 * for a usage error.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netdev.h>
#include <linux/netlink.h>

#define USAGE_ERR	255
#define MAX_ATTR	64

enum kind {
	UINT,		/* u8, u32, u64 or uint (4 or 8 bytes) */
	PRESENT,	/* nest or flag: 1 when there */
	QTYPE,		/* enum netdev_queue_type */
	HDS,		/* enum tcp-data-split */
};

struct field {
	const char *name;
	int attr;
	enum kind kind;
	int width;	/* rings-set: bytes on the wire, 0 = not settable */
};

#define F(n, a, k)	{ .name = n, .attr = a, .kind = k }
#define S(n, a, k, w)	{ .name = n, .attr = a, .kind = k, .width = w }
#define END		{ .name = NULL }

static const struct field pool_fields[] = {
	F("id", NETDEV_A_PAGE_POOL_ID, UINT),
	F("ifindex", NETDEV_A_PAGE_POOL_IFINDEX, UINT),
	F("napi-id", NETDEV_A_PAGE_POOL_NAPI_ID, UINT),
	F("inflight", NETDEV_A_PAGE_POOL_INFLIGHT, UINT),
	F("inflight-mem", NETDEV_A_PAGE_POOL_INFLIGHT_MEM, UINT),
	F("detach-time", NETDEV_A_PAGE_POOL_DETACH_TIME, UINT),
	F("dmabuf", NETDEV_A_PAGE_POOL_DMABUF, UINT),
	F("io-uring", NETDEV_A_PAGE_POOL_IO_URING, PRESENT),
	END
};

static const struct field queue_fields[] = {
	F("id", NETDEV_A_QUEUE_ID, UINT),
	F("ifindex", NETDEV_A_QUEUE_IFINDEX, UINT),
	F("type", NETDEV_A_QUEUE_TYPE, QTYPE),
	F("napi-id", NETDEV_A_QUEUE_NAPI_ID, UINT),
	F("dmabuf", NETDEV_A_QUEUE_DMABUF, UINT),
	F("io-uring", NETDEV_A_QUEUE_IO_URING, PRESENT),
	END
};

static const struct field qstats_fields[] = {
	F("ifindex", NETDEV_A_QSTATS_IFINDEX, UINT),
	F("queue-type", NETDEV_A_QSTATS_QUEUE_TYPE, QTYPE),
	F("queue-id", NETDEV_A_QSTATS_QUEUE_ID, UINT),
	F("rx-packets", NETDEV_A_QSTATS_RX_PACKETS, UINT),
	F("rx-bytes", NETDEV_A_QSTATS_RX_BYTES, UINT),
	F("tx-packets", NETDEV_A_QSTATS_TX_PACKETS, UINT),
	F("tx-bytes", NETDEV_A_QSTATS_TX_BYTES, UINT),
	F("rx-alloc-fail", NETDEV_A_QSTATS_RX_ALLOC_FAIL, UINT),
	F("rx-hw-drops", NETDEV_A_QSTATS_RX_HW_DROPS, UINT),
	F("rx-hw-drop-overruns", NETDEV_A_QSTATS_RX_HW_DROP_OVERRUNS, UINT),
	F("rx-csum-complete", NETDEV_A_QSTATS_RX_CSUM_COMPLETE, UINT),
	F("rx-csum-unnecessary", NETDEV_A_QSTATS_RX_CSUM_UNNECESSARY, UINT),
	F("rx-csum-none", NETDEV_A_QSTATS_RX_CSUM_NONE, UINT),
	F("rx-csum-bad", NETDEV_A_QSTATS_RX_CSUM_BAD, UINT),
	F("rx-hw-gro-packets", NETDEV_A_QSTATS_RX_HW_GRO_PACKETS, UINT),
	F("rx-hw-gro-bytes", NETDEV_A_QSTATS_RX_HW_GRO_BYTES, UINT),
	F("rx-hw-gro-wire-packets", NETDEV_A_QSTATS_RX_HW_GRO_WIRE_PACKETS, UINT),
	F("rx-hw-gro-wire-bytes", NETDEV_A_QSTATS_RX_HW_GRO_WIRE_BYTES, UINT),
	F("rx-hw-drop-ratelimits", NETDEV_A_QSTATS_RX_HW_DROP_RATELIMITS, UINT),
	F("tx-hw-drops", NETDEV_A_QSTATS_TX_HW_DROPS, UINT),
	F("tx-hw-drop-errors", NETDEV_A_QSTATS_TX_HW_DROP_ERRORS, UINT),
	F("tx-csum-none", NETDEV_A_QSTATS_TX_CSUM_NONE, UINT),
	F("tx-needs-csum", NETDEV_A_QSTATS_TX_NEEDS_CSUM, UINT),
	F("tx-hw-gso-packets", NETDEV_A_QSTATS_TX_HW_GSO_PACKETS, UINT),
	F("tx-hw-gso-bytes", NETDEV_A_QSTATS_TX_HW_GSO_BYTES, UINT),
	F("tx-hw-gso-wire-packets", NETDEV_A_QSTATS_TX_HW_GSO_WIRE_PACKETS, UINT),
	F("tx-hw-gso-wire-bytes", NETDEV_A_QSTATS_TX_HW_GSO_WIRE_BYTES, UINT),
	F("tx-hw-drop-ratelimits", NETDEV_A_QSTATS_TX_HW_DROP_RATELIMITS, UINT),
	F("tx-stop", NETDEV_A_QSTATS_TX_STOP, UINT),
	F("tx-wake", NETDEV_A_QSTATS_TX_WAKE, UINT),
	END
};

static const struct field rings_fields[] = {
	F("rx-max", ETHTOOL_A_RINGS_RX_MAX, UINT),
	F("rx-mini-max", ETHTOOL_A_RINGS_RX_MINI_MAX, UINT),
	F("rx-jumbo-max", ETHTOOL_A_RINGS_RX_JUMBO_MAX, UINT),
	F("tx-max", ETHTOOL_A_RINGS_TX_MAX, UINT),
	S("rx", ETHTOOL_A_RINGS_RX, UINT, 4),
	S("rx-mini", ETHTOOL_A_RINGS_RX_MINI, UINT, 4),
	S("rx-jumbo", ETHTOOL_A_RINGS_RX_JUMBO, UINT, 4),
	S("tx", ETHTOOL_A_RINGS_TX, UINT, 4),
	S("rx-buf-len", ETHTOOL_A_RINGS_RX_BUF_LEN, UINT, 4),
	S("tcp-data-split", ETHTOOL_A_RINGS_TCP_DATA_SPLIT, HDS, 1),
	S("cqe-size", ETHTOOL_A_RINGS_CQE_SIZE, UINT, 4),
	S("tx-push", ETHTOOL_A_RINGS_TX_PUSH, UINT, 1),
	S("rx-push", ETHTOOL_A_RINGS_RX_PUSH, UINT, 1),
	S("tx-push-buf-len", ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN, UINT, 4),
	F("tx-push-buf-len-max", ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN_MAX, UINT),
	END
};

static const char *const hds_names[] = {
	[ETHTOOL_TCP_DATA_SPLIT_UNKNOWN] = "unknown",
	[ETHTOOL_TCP_DATA_SPLIT_DISABLED] = "off",
	[ETHTOOL_TCP_DATA_SPLIT_ENABLED] = "on",
};

/* One object of a reply: the attributes of interest, by type */
struct rec {
	bool has[MAX_ATTR];
	uint64_t val[MAX_ATTR];
};

/* What the command asks for and prints */
struct query {
	const char *op;			/* for messages */
	const struct field *fields;
	const struct field *sel[MAX_ATTR];	/* -F, nsel of them */
	int nsel;
	int qtype_attr;			/* -t filters on this attribute */
	int qtype;			/* -1: any */
	int pool_ifindex;		/* pools DEV: 0 = any */
};

/* The kernel's answer to a request that failed */
static struct {
	int err;
	char msg[512];
} ack;

static unsigned int seq;

static void usage(void)
{
	fprintf(stderr,
		"usage: nlq pools  [-F FIELDS] [DEV]\n"
		"       nlq queues [-F FIELDS] [-t rx|tx] [DEV]\n"
		"       nlq qstats [-F FIELDS] [-t rx|tx] [DEV]\n"
		"       nlq rings  [-F FIELDS] DEV\n"
		"       nlq rings-set DEV NAME VALUE...\n");
	exit(USAGE_ERR);
}

static const struct field *field_by_name(const struct field *f, const char *name)
{
	for (; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static const char *field_names(const struct field *f)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (; f->name && n < sizeof(buf); f++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", f->name);
	return buf;
}

/* A number of any of the widths netlink uses for unsigned integers */
static uint64_t attr_uint(const struct nlattr *a)
{
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return 0;
}

static int rec_attr_cb(const struct nlattr *a, void *data)
{
	struct rec *r = data;
	int type = mnl_attr_get_type(a);

	if (type < MAX_ATTR) {
		r->has[type] = true;
		r->val[type] = attr_uint(a);
	}
	return MNL_CB_OK;
}

static void print_value(const struct field *f, uint64_t v)
{
	switch (f->kind) {
	case QTYPE:
		if (v == NETDEV_QUEUE_TYPE_RX)
			fputs("rx", stdout);
		else if (v == NETDEV_QUEUE_TYPE_TX)
			fputs("tx", stdout);
		else
			printf("%llu", (unsigned long long)v);
		return;
	case HDS:
		if (v < sizeof(hds_names) / sizeof(hds_names[0]))
			fputs(hds_names[v], stdout);
		else
			printf("%llu", (unsigned long long)v);
		return;
	case PRESENT:
		fputs("1", stdout);
		return;
	case UINT:
		printf("%llu", (unsigned long long)v);
	}
}

static void print_rec(const struct query *q, const struct rec *r)
{
	const struct field *f;
	bool first = true;
	int i;

	if (q->nsel) {
		for (i = 0; i < q->nsel; i++) {
			f = q->sel[i];
			if (i)
				putchar(' ');
			if (r->has[f->attr])
				print_value(f, r->val[f->attr]);
			else
				putchar('0');
		}
	} else {
		for (f = q->fields; f->name; f++) {
			if (!r->has[f->attr])
				continue;
			printf("%s%s=", first ? "" : " ", f->name);
			print_value(f, r->val[f->attr]);
			first = false;
		}
	}
	putchar('\n');
}

/* One object of a dump or do reply: the attributes after the genl header */
static int object_cb(const struct nlmsghdr *nlh, void *data)
{
	struct query *q = data;
	struct rec r;

	memset(&r, 0, sizeof(r));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), rec_attr_cb, &r) < 0)
		return MNL_CB_ERROR;
	if (q->qtype >= 0 &&
	    (!r.has[q->qtype_attr] || r.val[q->qtype_attr] != (uint64_t)q->qtype))
		return MNL_CB_OK;
	if (q->pool_ifindex) {
		uint64_t ifindex = r.has[NETDEV_A_PAGE_POOL_IFINDEX] ?
			r.val[NETDEV_A_PAGE_POOL_IFINDEX] : 1;

		if (ifindex != (uint64_t)q->pool_ifindex)
			return MNL_CB_OK;
	}
	print_rec(q, &r);
	return MNL_CB_OK;
}

static int extack_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(ack.msg, sizeof(ack.msg), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/*
 * NLMSG_ERROR (an ack, or why a request failed) and NLMSG_DONE (the end of
 * a dump, which carries the dump's error too), with the extack message
 */
static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh), off;
	const int *payload = mnl_nlmsg_get_payload(nlh);
	int err = 0;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (len < sizeof(*e)) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		err = e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
	} else {
		if (len >= sizeof(int))
			err = *payload;
		off = sizeof(int);
	}
	if (err < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < len)
		mnl_attr_parse(nlh, off, extack_cb, NULL);
	if (err < 0) {
		ack.err = err;
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = ack_cb,
	[NLMSG_DONE] = ack_cb,
};

/* Fail saying why: errno, and the kernel's error and extack if it refused */
static void die(const char *what)
{
	int err = errno ? errno : EIO;

	fprintf(stderr, "nlq: %s: %s\n", what, strerror(err));
	if (ack.err) {
		fprintf(stderr, "error=%d\n", ack.err);
		if (ack.msg[0])
			fprintf(stderr, "extack=%s\n", ack.msg);
	}
	exit(err);
}

/* Send a request and hand each object of the answer to cb until the ack */
static void transact(struct mnl_socket *nl, struct nlmsghdr *nlh,
		     const char *what, mnl_cb_t cb, void *data)
{
	static char buf[1 << 16];
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die(what);
		ret = mnl_cb_run2(buf, n, nlh->nlmsg_seq, portid, cb, data,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret < 0)
			die(what);
	} while (ret > 0);
}

static struct nlmsghdr *genl_msg(void *buf, int family, int cmd, int version,
				 int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int family_id_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*(int *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_id_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The id of generic netlink family NAME, from the ctrl family */
static int genl_family(struct mnl_socket *nl, const char *name)
{
	char buf[256], what[64];
	struct nlmsghdr *nlh;
	int id = 0;

	nlh = genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	snprintf(what, sizeof(what), "generic netlink family %s", name);
	transact(nl, nlh, what, family_cb, &id);
	if (!id) {
		errno = ENOENT;
		die(what);
	}
	return id;
}

static int dev_index(const char *dev)
{
	unsigned int i = if_nametoindex(dev);

	if (!i) {
		char what[64];

		snprintf(what, sizeof(what), "device %s", dev);
		die(what);
	}
	return i;
}

/* -F NAME,NAME...: the fields to print, each known to the command */
static void select_fields(struct query *q, char *list)
{
	char *name, *save = NULL;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		const struct field *f = field_by_name(q->fields, name);

		if (!f) {
			fprintf(stderr, "nlq: %s has no field %s; it has: %s\n",
				q->op, name, field_names(q->fields));
			exit(USAGE_ERR);
		}
		if (q->nsel == MAX_ATTR - 1)
			usage();
		q->sel[q->nsel++] = f;
	}
}

static int parse_qtype(const char *s)
{
	if (!strcmp(s, "rx"))
		return NETDEV_QUEUE_TYPE_RX;
	if (!strcmp(s, "tx"))
		return NETDEV_QUEUE_TYPE_TX;
	usage();
	return -1;
}

static uint64_t parse_value(const struct field *f, const char *s)
{
	unsigned long long v;
	char *end;
	size_t i;

	if (f->kind == HDS) {
		for (i = 0; i < sizeof(hds_names) / sizeof(hds_names[0]); i++)
			if (!strcmp(s, hds_names[i]))
				return i;
		fprintf(stderr, "nlq: tcp-data-split is on, off or unknown\n");
		exit(USAGE_ERR);
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || (f->width == 1 && v > 0xff) ||
	    (f->width == 4 && v > 0xffffffffull)) {
		fprintf(stderr, "nlq: bad value for %s: %s\n", f->name, s);
		exit(USAGE_ERR);
	}
	return v;
}

/* The ethtool request header: the device by name */
static void put_header(struct nlmsghdr *nlh, const char *dev)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, ETHTOOL_A_RINGS_HEADER);

	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, dev);
	mnl_attr_nest_end(nlh, nest);
}

int main(int argc, char **argv)
{
	struct query q = { .qtype = -1 };
	char buf[4096], what[128];
	const char *cmd, *dev = NULL;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	char *fields = NULL;
	int opt, family, one = 1;
	bool rings_set;

	if (argc < 2)
		usage();
	cmd = argv[1];
	q.op = cmd;
	rings_set = !strcmp(cmd, "rings-set");
	if (!strcmp(cmd, "pools")) {
		q.fields = pool_fields;
	} else if (!strcmp(cmd, "queues")) {
		q.fields = queue_fields;
		q.qtype_attr = NETDEV_A_QUEUE_TYPE;
	} else if (!strcmp(cmd, "qstats")) {
		q.fields = qstats_fields;
		q.qtype_attr = NETDEV_A_QSTATS_QUEUE_TYPE;
	} else if (!strcmp(cmd, "rings") || rings_set) {
		q.fields = rings_fields;
	} else {
		usage();
	}

	/* argv[1], the command, stands where getopt expects the program */
	argc--;
	argv++;
	while ((opt = getopt(argc, argv, rings_set ? "+" : "+F:t:")) != -1) {
		switch (opt) {
		case 'F':
			fields = optarg;
			break;
		case 't':
			if (!q.qtype_attr)
				usage();
			q.qtype = parse_qtype(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		dev = argv[optind++];
	if (fields)
		select_fields(&q, fields);
	if (rings_set) {
		if (!dev || optind == argc || (argc - optind) % 2)
			usage();
	} else if (optind != argc || (!dev && !strcmp(cmd, "rings"))) {
		usage();
	}

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		die("netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind");
	/* The kernel's reason for a refusal, without the request echoed */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));

	snprintf(what, sizeof(what), "%s%s%s", cmd, dev ? " " : "", dev ? dev : "");
	if (!strcmp(cmd, "pools")) {
		family = genl_family(nl, NETDEV_FAMILY_NAME);
		if (dev)
			q.pool_ifindex = dev_index(dev);
		nlh = genl_msg(buf, family, NETDEV_CMD_PAGE_POOL_GET,
			       NETDEV_FAMILY_VERSION, NLM_F_DUMP);
	} else if (!strcmp(cmd, "queues")) {
		family = genl_family(nl, NETDEV_FAMILY_NAME);
		nlh = genl_msg(buf, family, NETDEV_CMD_QUEUE_GET,
			       NETDEV_FAMILY_VERSION, NLM_F_DUMP);
		if (dev)
			mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_IFINDEX, dev_index(dev));
	} else if (!strcmp(cmd, "qstats")) {
		family = genl_family(nl, NETDEV_FAMILY_NAME);
		nlh = genl_msg(buf, family, NETDEV_CMD_QSTATS_GET,
			       NETDEV_FAMILY_VERSION, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, NETDEV_A_QSTATS_SCOPE, NETDEV_QSTATS_SCOPE_QUEUE);
		if (dev)
			mnl_attr_put_u32(nlh, NETDEV_A_QSTATS_IFINDEX, dev_index(dev));
	} else if (!rings_set) {
		family = genl_family(nl, ETHTOOL_GENL_NAME);
		nlh = genl_msg(buf, family, ETHTOOL_MSG_RINGS_GET,
			       ETHTOOL_GENL_VERSION, 0);
		put_header(nlh, dev);
	} else {
		family = genl_family(nl, ETHTOOL_GENL_NAME);
		nlh = genl_msg(buf, family, ETHTOOL_MSG_RINGS_SET,
			       ETHTOOL_GENL_VERSION, 0);
		put_header(nlh, dev);
		for (; optind < argc; optind += 2) {
			const struct field *f = field_by_name(rings_fields, argv[optind]);
			uint64_t v;

			if (!f || !f->width) {
				fprintf(stderr, "nlq: rings-set cannot set %s\n",
					argv[optind]);
				exit(USAGE_ERR);
			}
			v = parse_value(f, argv[optind + 1]);
			if (f->width == 1)
				mnl_attr_put_u8(nlh, f->attr, v);
			else
				mnl_attr_put_u32(nlh, f->attr, v);
		}
	}
	transact(nl, nlh, what, object_cb, &q);
	mnl_socket_close(nl);
	if (fflush(stdout) == EOF)
		die("stdout");
	return 0;
}
