#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IORING_REGISTER_ZCRX_IFQ against the registration rules of the zcrx user
# ABI, one case per rule: tests/tools/zcrx_reg runs them on a loopnic
# device set up the way a user sets up a physical NIC for zcrx (three
# channels, tcp-data-split on) and prints the KTAP output itself. No
# traffic: registration only. A second pair, tcp-data-split left off,
# gives it a queue it must refuse, and one huge page an area that is
# physically contiguous for sure.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ZCRX_REG=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_reg
QUEUES=3
SPLIT_OFF_ID=$((LN_ID + 1))
SPLIT_OFF_A=lnc0
SPLIT_OFF_B=lnd0
HUGEPAGES=/proc/sys/vm/nr_hugepages
hugepages_before=$(cat "$HUGEPAGES" 2>/dev/null)

cleanup() {
	ln_cleanup
	# moving its B end may have failed, and A stays in this namespace
	echo "$SPLIT_OFF_ID" > /sys/bus/loopnic/del_pair 2>/dev/null
	[ -n "$hugepages_before" ] && echo "$hugepages_before" > "$HUGEPAGES"
	return 0
}
trap cleanup EXIT

# split_off_pair: a pair with tcp-data-split off (the default), B in $LN_NS_B
split_off_pair() {
	echo "$SPLIT_OFF_ID $SPLIT_OFF_A $SPLIT_OFF_B" > /sys/bus/loopnic/new_pair &&
		ip link set "$SPLIT_OFF_B" netns "$LN_NS_B"
}

[ -x "$ZCRX_REG" ] || { ktap_info "no $ZCRX_REG"; exit 1; }
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
in_b ethtool -L "$LN_DEV_B" combined $QUEUES ||
	{ ktap_info "cannot set $QUEUES channels"; exit 1; }
ln_hds "$LN_NS_B" "$LN_DEV_B" on || { ktap_info "cannot turn tcp-data-split on"; exit 1; }

split_off=()
if split_off_pair; then
	split_off=(-s "$SPLIT_OFF_B")
fi
# one more huge page than the system had; zcrx_reg skips those cases
# without it
[ -n "$hugepages_before" ] &&
	echo $((hugepages_before + 1)) > "$HUGEPAGES" 2>/dev/null

# Not exec: the trap must still run.
in_b "$ZCRX_REG" -i "$LN_DEV_B" -q 1 -Q 2 "${split_off[@]}"
