#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# zcrx instances without a device (ZCRX_REG_NODEV, zcrx ABI revision 2,
# §8): tests/tools/zcrx_ctl nodev holds registration to the NODEV rules,
# then receives with RECV_ZC over lo and over a normal socket (a flow from
# the loopnic peer to ZC_OTHER_PORT, on a queue no provider is bound to):
# every byte copied, a buffer per CQE, verified; the refill ring is
# consumed by FLUSH_RQ only, so the area runs dry (-ENOMEM) without it;
# ALLOC_FAIL never fires; the copy statistics count the NIC flow's payload
# exactly. Its KTAP is a subtest; no provider may be left behind.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_CTL=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_ctl

ktap_plan 2
zc_setup >&2
echo "    # Subtest: zcrx_ctl nodev"
in_b "$ZCRX_CTL" nodev -i "$LN_DEV_B" -P $ZC_OTHER_PORT \
	-n "/run/netns/$LN_NS_A" -a "$LN_ADDR4_B" 2>&1 | sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_ctl nodev"
zc_check_gone
ktap_result $? "no provider and no page pool left"
ktap_finish
