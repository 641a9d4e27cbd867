/* SPDX-License-Identifier: MIT */
/*
 * One call for each thing a program does with IORING_REGISTER_ZCRX_CTRL,
 * and for importing an exported instance.
 */
#include <errno.h>
#include <string.h>

#include <liburing/zcrx.h>

static int zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl,
		     unsigned zcrx_id, unsigned op, const void *arg,
		     size_t arg_len)
{
	if (!ring)
		return -EINVAL;
	memset(ctrl, 0, sizeof(*ctrl));
	ctrl->zcrx_id = zcrx_id;
	ctrl->op = op;
	/* By offset: older headers have no union member for some ops. */
	if (arg_len)
		memcpy((char *)ctrl + LIBURING_ZCRX_CTRL_ARG_OFFSET, arg,
		       arg_len);
	return io_uring_register_zcrx_ctrl(ring, ctrl);
}

int io_uring_zcrx_flush_rq(struct io_uring *ring, unsigned zcrx_id)
{
	struct zcrx_ctrl ctrl;

	return zcrx_ctrl(ring, &ctrl, zcrx_id, ZCRX_CTRL_FLUSH_RQ, NULL, 0);
}

int io_uring_zcrx_export(struct io_uring *ring, unsigned zcrx_id)
{
	struct zcrx_ctrl ctrl;
	int ret;

	ret = zcrx_ctrl(ring, &ctrl, zcrx_id, ZCRX_CTRL_EXPORT, NULL, 0);
	if (ret < 0)
		return ret;
	return (int)ctrl.zc_export.zcrx_fd;
}

int io_uring_zcrx_arm_event(struct io_uring *ring, unsigned zcrx_id,
			    unsigned event_type)
{
	struct zcrx_ctrl_arm_event arm;
	struct zcrx_ctrl ctrl;

	memset(&arm, 0, sizeof(arm));
	arm.event_type = event_type;
	return zcrx_ctrl(ring, &ctrl, zcrx_id, ZCRX_CTRL_ARM_EVENT, &arm,
			 sizeof(arm));
}

int io_uring_zcrx_add_area(struct io_uring *ring, unsigned zcrx_id,
			   struct io_uring_zcrx_area_reg *area)
{
	struct zcrx_ctrl_add_area add;
	struct zcrx_ctrl ctrl;

	if (!ring || !area)
		return -EINVAL;
	/* An output: the kernel refuses a token left from an earlier call. */
	area->rq_area_token = 0;
	memset(&add, 0, sizeof(add));
	add.area_ptr = (__u64)(uintptr_t)area;
	return zcrx_ctrl(ring, &ctrl, zcrx_id, ZCRX_CTRL_ADD_AREA, &add,
			 sizeof(add));
}

int io_uring_zcrx_import(struct io_uring *ring, int zcrx_fd,
			 struct io_uring_zcrx_ifq_reg *reg)
{
	if (!ring || !reg)
		return -EINVAL;
	if (zcrx_fd < 0)
		return -EBADF;
	/* Everything but the flag and the fd must be 0 for an import. */
	memset(reg, 0, sizeof(*reg));
	reg->flags = ZCRX_REG_IMPORT;
	reg->if_idx = (__u32)zcrx_fd;
	return io_uring_register_ifq(ring, reg);
}
