#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# zcrx events and copy statistics (zcrx ABI revision 2, §9):
# tests/tools/zcrx_ctl events starves the steered queue with a receiver
# that keeps every buffer (ALLOC_FAIL fires once, and again only after
# ARM_EVENT), reads flows the NIC puts on another queue (ZC_OTHER_PORT)
# through the same instance (COPY fires once per arming; the statistics
# in the refill region count exactly their payload, whatever type_mask
# says), and imports the instance into a second ring (events come on the
# registering ring only). Its KTAP is a subtest; then every pool must
# drain.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_CTL=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_ctl

ktap_plan 2
zc_setup >&2
echo "    # Subtest: zcrx_ctl events"
in_b "$ZCRX_CTL" events -i "$LN_DEV_B" -q $ZC_QUEUE -p $ZC_PORT \
	-P $ZC_OTHER_PORT -n "/run/netns/$LN_NS_A" -a "$LN_ADDR4_B" 2>&1 |
	sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_ctl events"
zc_check_gone
ktap_result $? "no provider and no page pool left"
ktap_finish
