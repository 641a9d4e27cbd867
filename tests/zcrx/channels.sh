#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The channel count with an instance bound: it may go down to the bound
# queue's channel and no further (ethtool_check_max_channel() against
# dev_get_min_mp_channel_count(), a channel count, not a queue index),
# and the instance keeps receiving zero-copy after the change.
source "$(dirname "$0")/../lib/zcrx.sh"

MiB=$((1 << 20))

ktap_plan 3
zc_setup 3

# bound QUEUE: queue-get shows QUEUE of B's device with an io-uring nest
bound() {
	nlq "$LN_NS_B" queues -t rx -F id,io-uring "$LN_DEV_B" | grep -qx "$1 1"
}

channels() {
	in_b ethtool -l "$LN_DEV_B" |
		awk '/^Combined:/ { v = $2 } END { print v }'
}

zc_start chan -q $ZC_QUEUE -p $ZC_PORT -b $MiB
rc=$?
in_b ethtool -L "$LN_DEV_B" combined $((ZC_QUEUE + 1)) || rc=1
[ "$(channels)" = $((ZC_QUEUE + 1)) ] && bound $ZC_QUEUE || rc=1
ktap_result $rc "3 -> $((ZC_QUEUE + 1)) channels with queue $ZC_QUEUE bound: allowed, still bound"

# steer_rules ACTION: delete or add the ntuple rules that steer ZC_PORT to
# ZC_QUEUE, which ethtool checks before the memory provider
steer_rules() {
	local loc

	if [ "$1" = delete ]; then
		for loc in $(in_b ethtool -n "$LN_DEV_B" |
			     awk '/^Filter:/ { print $2 }'); do
			in_b ethtool -N "$LN_DEV_B" delete "$loc" || return 1
		done
		return 0
	fi
	in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $ZC_PORT \
		action $ZC_QUEUE > /dev/null &&
	in_b ethtool -N "$LN_DEV_B" flow-type tcp6 dst-port $ZC_PORT \
		action $ZC_QUEUE > /dev/null
}

steer_rules delete
rc=$?
out=$(in_b ethtool -L "$LN_DEV_B" combined $ZC_QUEUE 2>&1) && rc=1
ktap_info "ethtool -L combined $ZC_QUEUE: $out"
echo "$out" | grep -q "memory provider" || rc=1
[ "$(channels)" = $((ZC_QUEUE + 1)) ] || rc=1
steer_rules add || rc=1
ktap_result $rc "$ZC_QUEUE channel, which would drop queue $ZC_QUEUE: refused for the memory provider"

rc=0
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -b $MiB || rc=1
zc_reap $zc_pid 60 || rc=1
sed 's/^/# zcrx_rx: /' "$zc_tmp/chan"
grep -q '^done: ok' "$zc_tmp/chan" || rc=1
[ "$(zc_counters "$zc_tmp/chan")" = "$MiB 0" ] || rc=1
zc_check_gone || rc=1
ktap_result $rc "then 1 MiB verified, all zero-copy; provider gone"
ktap_finish
