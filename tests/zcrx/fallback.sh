#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The copy fallback of io_uring zero-copy receive: data that did not land in
# the instance's buffers is copied into free area buffers, and the user sees
# the same completions. A flow RSS puts on another queue of the NIC, and a
# flow over lo, each arrive entirely by copy, every byte verified.
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 2
zc_setup

ktap_scale bytes $((16 << 20))
zc_run rss "$LN_NS_A" "$LN_ADDR4_B" $ZC_OTHER_PORT 1 $bytes
rc=$?
[ "$counters" = "0 $bytes" ] || rc=1
ktap_result $rc "a flow on another queue is copied into the area, verified ($counters)"

zc_run lo "$LN_NS_B" 127.0.0.1 $ZC_PORT 1 $bytes
rc=$?
[ "$counters" = "0 $bytes" ] || rc=1
ktap_result $rc "a flow over lo is copied into the area, verified ($counters)"
ktap_finish
