#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Starvation: a 64-buffer area and a consumer that sleeps on every buffer.
# The bound queue runs out of buffers (frames dropped for want of a
# descriptor, or failed refills), the flow stalls, and it recovers as the
# consumer returns buffers: every byte arrives, zero-copy, verified.
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 1
zc_setup

starved() {
	echo $(($(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${ZC_QUEUE}_drops_no_desc) +
		$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${ZC_QUEUE}_alloc_fail)))
}

before=$(starved)
bytes=$((8 << 20))
zc_run starve "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 1 $bytes -A 256K -r 64 -s 300
rc=$?
after=$(starved)
ktap_info "queue $ZC_QUEUE ran out of buffers $((after - before)) times"
[ "$counters" = "$bytes 0" ] || rc=1
[ $((after - before)) -gt 0 ] || rc=1
ktap_result $rc "a 64-buffer area with a slow consumer stalls the flow, which recovers: 8 MiB verified ($counters)"
ktap_finish
