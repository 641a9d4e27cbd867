#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One zcrx instance shared by two rings in two processes (zcrx ABI
# revision 2, §7, §8): tests/tools/zcrx_ctl share exports the instance it
# registered on the steered queue, a child process imports it into a ring
# of its own, and both receive zero-copy on that one queue at once, each
# its own connections (ZC_PORT and SHARE_PORT, both steered to ZC_QUEUE),
# returning buffers through the one refill ring under a lock both
# processes share. The exporting ring exits first; the importer keeps the
# queue bound and receives more; its exit, the last user's, unbinds the
# queue. Its KTAP is a subtest; then every pool must drain.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_CTL=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_ctl
SHARE_PORT=9002

ktap_plan 2
zc_setup >&2
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $SHARE_PORT \
	action $ZC_QUEUE > /dev/null
echo "    # Subtest: zcrx_ctl share"
in_b "$ZCRX_CTL" share -i "$LN_DEV_B" -q $ZC_QUEUE -p $ZC_PORT \
	-P $SHARE_PORT -n "/run/netns/$LN_NS_A" -a "$LN_ADDR4_B" 2>&1 |
	sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_ctl share"
zc_check_gone
ktap_result $? "no provider and no page pool left"
ktap_finish
