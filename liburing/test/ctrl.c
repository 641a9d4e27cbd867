/* SPDX-License-Identifier: MIT */
/*
 * What the control, query and sharing calls ask of the kernel, and what
 * they make of its answers. This program defines io_uring_register()
 * itself and plays the kernel: the library's calls land here.
 *
 * When the liburing underneath has the register functions, their calls go
 * to the kernel directly and cannot be seen here: then this skips.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <liburing/zcrx.h>

#include "ktap.h"

#define HOST_FD		42

static struct {
	unsigned calls, fd, opcode, nr_args;
	struct zcrx_ctrl ctrl;			/* what the last ctrl call passed */
	struct io_uring_zcrx_ifq_reg reg;	/* and the last registration */
	struct io_uring_zcrx_area_reg area;	/* ADD_AREA's, as it came */
	__u64 area_ptr;
	unsigned query_ops[4], nr_query;
	int ret;				/* what the syscall returns */
	int zcrx_result, event_result;		/* per query entry */
} k;

static void kernel_reset(void)
{
	memset(&k, 0, sizeof(k));
}

static void answer_query(struct io_uring_query_hdr *hdr)
{
	for (; hdr; hdr = (struct io_uring_query_hdr *)(uintptr_t)hdr->next_entry) {
		void *data = (void *)(uintptr_t)hdr->query_data;

		if (k.nr_query < 4)
			k.query_ops[k.nr_query++] = hdr->query_op;
		if (hdr->query_op == IO_URING_QUERY_ZCRX)
			hdr->result = k.zcrx_result;
		else if (hdr->query_op == IO_URING_QUERY_ZCRX_EVENT)
			hdr->result = k.event_result;
		else
			hdr->result = -EOPNOTSUPP;
		if (hdr->result) {
			memset(data, 0, hdr->size);
			hdr->size = 0;
		} else if (hdr->query_op == IO_URING_QUERY_ZCRX) {
			struct io_uring_query_zcrx z = {
				.register_flags = ZCRX_REG_IMPORT | ZCRX_REG_NODEV,
				.nr_ctrl_opcodes = 3,
				.features = ZCRX_FEATURE_EVENT,
				.rq_hdr_size = 128,
				.rq_hdr_alignment = 64,
			};

			memcpy(data, &z, sizeof(z));
		} else {
			struct io_uring_query_zcrx_event e = {
				.event_flags = 3,
				.stats_size = 16,
				.stats_off_alignment = 8,
			};

			memcpy(data, &e, sizeof(e));
		}
	}
}

/*
 * ADD_AREA, read by offset (liburing 2.15's struct has no zc_area): the
 * kernel writes the next area's token back before anything can fail.
 */
static void add_area(const char *ctrl)
{
	struct io_uring_zcrx_area_reg *area;

	memcpy(&k.area_ptr, ctrl + 24, sizeof(k.area_ptr));
	area = (struct io_uring_zcrx_area_reg *)(uintptr_t)k.area_ptr;
	if (!area)
		return;
	memcpy(&k.area, area, sizeof(k.area));
	area->rq_area_token = 2ULL << IORING_ZCRX_AREA_SHIFT;
}

int io_uring_register(unsigned int fd, unsigned int opcode, const void *arg,
		      unsigned int nr_args)
{
	k.calls++;
	k.fd = fd;
	k.opcode = opcode;
	k.nr_args = nr_args;
	if (opcode == IORING_REGISTER_ZCRX_CTRL) {
		memcpy(&k.ctrl, arg, sizeof(k.ctrl));
		if (!k.ret && k.ctrl.op == ZCRX_CTRL_EXPORT)
			((struct zcrx_ctrl *)(uintptr_t)arg)->zc_export.zcrx_fd = 77;
		if (k.ctrl.op == ZCRX_CTRL_ADD_AREA)
			add_area((const char *)arg);
	} else if (opcode == IORING_REGISTER_ZCRX_IFQ) {
		struct io_uring_zcrx_ifq_reg *reg = (void *)(uintptr_t)arg;

		memcpy(&k.reg, reg, sizeof(k.reg));
		if (!k.ret) {
			reg->zcrx_id = 5;
			reg->offsets.tail = 64;
			reg->offsets.rqes = 128;
		}
	} else if (opcode == IORING_REGISTER_QUERY && !k.ret) {
		answer_query((struct io_uring_query_hdr *)(uintptr_t)arg);
	}
	return k.ret;
}

static bool args_zero(const struct zcrx_ctrl *c)
{
	static const char zero[48];

	return !c->__resv[0] && !c->__resv[1] &&
	       !memcmp((const char *)c + 24, zero, sizeof(zero));
}

static void test_register_calls(struct io_uring *ring)
{
	struct io_uring_query_hdr hdr;
	struct zcrx_ctrl ctrl;
	int ret;

	kernel_reset();
	memset(&ctrl, 0, sizeof(ctrl));
	ctrl.zcrx_id = 3;
	ctrl.op = ZCRX_CTRL_FLUSH_RQ;
	ret = io_uring_register_zcrx_ctrl(ring, &ctrl);
	ktap_result(ret == 0 && k.calls == 1 && k.fd == HOST_FD &&
		    k.opcode == 36 && k.nr_args == 0 && k.ctrl.zcrx_id == 3,
		    "register_zcrx_ctrl: opcode 36 on the ring fd, nr_args 0");
	k.ret = -ENXIO;
	ktap_result(io_uring_register_zcrx_ctrl(ring, &ctrl) == -ENXIO,
		    "register_zcrx_ctrl returns the error as -errno");

	kernel_reset();
	memset(&hdr, 0, sizeof(hdr));
	ret = io_uring_register_query(&hdr);
	ktap_result(ret == 0 && k.fd == (unsigned)-1 && k.opcode == 35 &&
		    k.nr_args == 0,
		    "register_query: opcode 35 with fd -1, nr_args 0");
}

static void test_ctrl_helpers(struct io_uring *ring)
{
	struct io_uring_zcrx_ifq_reg reg;
	int ret;

	kernel_reset();
	ret = io_uring_zcrx_flush_rq(ring, 9);
	ktap_result(ret == 0 && k.opcode == 36 && k.ctrl.zcrx_id == 9 &&
		    k.ctrl.op == ZCRX_CTRL_FLUSH_RQ && args_zero(&k.ctrl),
		    "flush_rq: FLUSH_RQ for the id, all else zero");

	kernel_reset();
	ret = io_uring_zcrx_export(ring, 2);
	ktap_result(ret == 77 && k.ctrl.op == ZCRX_CTRL_EXPORT &&
		    k.ctrl.zcrx_id == 2 && args_zero(&k.ctrl),
		    "export: EXPORT with zc_export zeroed, returns zcrx_fd");
	kernel_reset();
	k.ret = -EMFILE;
	ktap_result(io_uring_zcrx_export(ring, 2) == -EMFILE,
		    "export returns the kernel's error");

	kernel_reset();
	ret = io_uring_zcrx_arm_event(ring, 4, ZCRX_EVENT_COPY);
	{
		struct zcrx_ctrl_arm_event arm;

		memcpy(&arm, (char *)&k.ctrl + 24, sizeof(arm));
		ktap_result(ret == 0 && k.ctrl.op == ZCRX_CTRL_ARM_EVENT &&
			    k.ctrl.zcrx_id == 4 && arm.event_type == 1 &&
			    !arm.__resv[0] && !arm.__resv[10] &&
			    !k.ctrl.__resv[0] && !k.ctrl.__resv[1],
			    "arm_event: ARM_EVENT with event_type at byte 24");
	}

	kernel_reset();
	memset(&reg, 0xff, sizeof(reg));
	ret = io_uring_zcrx_import(ring, 13, &reg);
	ktap_result(ret == 0 && k.opcode == 32 && k.nr_args == 1 &&
		    k.reg.flags == ZCRX_REG_IMPORT && k.reg.if_idx == 13 &&
		    !k.reg.if_rxq && !k.reg.rq_entries && !k.reg.area_ptr &&
		    !k.reg.region_ptr && !k.reg.__resv[0] && !k.reg.zcrx_id,
		    "import: ZCRX_REG_IMPORT with the fd in if_idx, all else zero");
	ktap_result(reg.zcrx_id == 5 && reg.offsets.rqes == 128,
		    "import: the id and offsets come back in reg");
	kernel_reset();
	ktap_result(io_uring_zcrx_import(ring, -1, &reg) == -EBADF &&
		    !k.calls, "import refuses a negative fd without a syscall");
	ktap_result(io_uring_zcrx_flush_rq(NULL, 0) == -EINVAL && !k.calls,
		    "no ring: -EINVAL without a syscall");
}

static void test_add_area(struct io_uring *ring)
{
	struct io_uring_zcrx_area_reg area;
	static const char zero[40];
	int ret;

	kernel_reset();
	memset(&area, 0, sizeof(area));
	area.addr = 0x200000;
	area.len = 0x400000;
	area.rq_area_token = 1ULL << IORING_ZCRX_AREA_SHIFT;	/* stale */
	ret = io_uring_zcrx_add_area(ring, 6, &area);
	ktap_result(ret == 0 && k.calls == 1 && k.opcode == 36 &&
		    k.nr_args == 0 && k.ctrl.op == ZCRX_CTRL_ADD_AREA &&
		    k.ctrl.op == 3 && k.ctrl.zcrx_id == 6 &&
		    !k.ctrl.__resv[0] && !k.ctrl.__resv[1],
		    "add_area: ADD_AREA (3) for the id, nothing reserved set");
	ktap_result(k.area_ptr == (__u64)(uintptr_t)&area &&
		    !memcmp((const char *)&k.ctrl + 32, zero, sizeof(zero)),
		    "add_area: zc_area.area_ptr at byte 24 is the caller's struct, the rest zero");
	ktap_result(k.area.addr == 0x200000 && k.area.len == 0x400000 &&
		    !k.area.rq_area_token,
		    "add_area: the area as given, with rq_area_token cleared");
	ktap_result(area.rq_area_token == 2ULL << IORING_ZCRX_AREA_SHIFT,
		    "add_area: the kernel's token comes back in the area");
#if LIBURING_ZCRX_CTRL_ALL_OPS
	ktap_result(k.ctrl.zc_area.area_ptr == (__u64)(uintptr_t)&area,
		    "add_area: zc_area.area_ptr by its name");
#else
	ktap_skip("this struct zcrx_ctrl has no zc_area",
		  "add_area: zc_area.area_ptr by its name");
#endif

	kernel_reset();
	k.ret = -ERANGE;
	ktap_result(io_uring_zcrx_add_area(ring, 6, &area) == -ERANGE,
		    "add_area returns the kernel's error");
	kernel_reset();
	ktap_result(io_uring_zcrx_add_area(ring, 6, NULL) == -EINVAL &&
		    io_uring_zcrx_add_area(NULL, 6, &area) == -EINVAL &&
		    !k.calls, "add_area without an area or ring: -EINVAL, no syscall");
}

static void test_query(void)
{
	struct io_uring_query_zcrx z;
	struct io_uring_query_zcrx_event e;
	int ret;

	kernel_reset();
	ret = io_uring_zcrx_query(&z, &e);
	ktap_result(ret == 0 && k.calls == 1 && k.nr_query == 2 &&
		    k.query_ops[0] == IO_URING_QUERY_ZCRX &&
		    k.query_ops[1] == IO_URING_QUERY_ZCRX_EVENT,
		    "zcrx_query: one call, ZCRX and ZCRX_EVENT chained");
	ktap_result(z.register_flags == 3 && z.nr_ctrl_opcodes == 3 &&
		    z.features == ZCRX_FEATURE_EVENT && z.rq_hdr_size == 128 &&
		    z.rq_hdr_alignment == 64 && e.stats_size == 16 &&
		    e.stats_off_alignment == 8 && e.event_flags == 3,
		    "zcrx_query: both answers filled in");

	kernel_reset();
	ret = io_uring_zcrx_query(&z, NULL);
	ktap_result(ret == 0 && k.nr_query == 1 && z.rq_hdr_size == 128,
		    "zcrx_query without event asks ZCRX only");

	kernel_reset();
	k.event_result = -EOPNOTSUPP;
	memset(&e, 0xff, sizeof(e));
	ret = io_uring_zcrx_query(&z, &e);
	ktap_result(ret == 0 && z.features == ZCRX_FEATURE_EVENT &&
		    !e.stats_size && !e.event_flags,
		    "no event query: 0, the event answer zeroed");

	kernel_reset();
	k.zcrx_result = -EOPNOTSUPP;
	ret = io_uring_zcrx_query(&z, &e);
	ktap_result(ret == -EOPNOTSUPP && !z.rq_hdr_size && !e.stats_size,
		    "no zcrx query: -EOPNOTSUPP, nothing claimed");

	kernel_reset();
	k.ret = -EBADF;		/* before 6.13: fd -1 is no file */
	ret = io_uring_zcrx_query(&z, &e);
	kernel_reset();
	k.ret = -EINVAL;	/* later: opcode unknown without a ring */
	ktap_result(ret == -EOPNOTSUPP &&
		    io_uring_zcrx_query(&z, &e) == -EOPNOTSUPP,
		    "no IORING_REGISTER_QUERY (EBADF or EINVAL): -EOPNOTSUPP");

	kernel_reset();
	k.ret = -EFAULT;
	ktap_result(io_uring_zcrx_query(&z, NULL) == -EFAULT,
		    "other syscall errors come back as they are");
	ktap_result(io_uring_zcrx_query(NULL, &e) == -EINVAL,
		    "zcrx_query needs somewhere to put the answer");
}

int main(void)
{
	struct io_uring ring;

	if (LIBURING_ZCRX_LIB_FN_IFQ || LIBURING_ZCRX_LIB_FN_CTRL ||
	    LIBURING_ZCRX_LIB_FN_QUERY) {
		ktap_plan(1);
		ktap_skip("liburing has the register functions",
			  "control and query calls, as the kernel sees them");
		ktap_finish();
		return KTAP_SKIP_EXIT;
	}

	ktap_plan(26);
	memset(&ring, 0, sizeof(ring));
	ring.ring_fd = HOST_FD;
	ring.enter_ring_fd = 7;
	test_register_calls(&ring);
	test_ctrl_helpers(&ring);
	test_add_area(&ring);
	test_query();
	return ktap_finish();
}
