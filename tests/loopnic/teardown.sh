#!/bin/bash
# Tearing a pair down while traffic runs: once with del_pair, once by
# deleting the receiver's network namespace. Both ends and the parent
# device must go away; leaks and splats are caught by the runner (kernel
# log, and a kmemleak scan on the debug kernel).
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ktap_plan 4
trap 'rm -f "$stop"; ln_cleanup' EXIT

stop=$(mktemp -u)
pair_gone() { [ ! -e "/sys/bus/loopnic/devices/loopnic$LN_ID" ]; }

# start_stream: a stream from A to B that runs until stopped or broken
start_stream() {
	in_b "$PSTREAM" recv -p $LN_PORT -t 600 > /dev/null 2>&1 &
	recv=$!
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $LN_PORT -u "$stop" \
		> /dev/null 2>&1 &
	send=$!
	# Running means frames are arriving at B
	ln_wait 30 stream_flows
}
stream_flows() { [ "$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx_packets)" -gt 1000 ]; }

ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
start_stream
echo $LN_ID > /sys/bus/loopnic/del_pair
rc=$?
ln_wait 10 pair_gone || rc=1
in_a ip link show "$LN_DEV_A" > /dev/null 2>&1 && rc=1
ktap_result $rc "del_pair under traffic removes both ends and the parent"
ln_cleanup
wait $send $recv 2>/dev/null

ln_setup || { ktap_info "cannot set up the pair again"; exit 1; }
ktap_result 0 "the same pair id and names can be created again"
start_stream
# The netns dies with its last process: end the receiver, keep sending
pids=$(ip netns pids "$LN_NS_B")
ip netns del "$LN_NS_B"
kill $pids
wait $recv 2>/dev/null
ln_wait 30 pair_gone
rc=$?
ktap_result $rc "deleting the receiver's netns under traffic removes the pair"
in_a ip link show "$LN_DEV_A" > /dev/null 2>&1
ktap_result $([ $? -ne 0 ]; echo $?) "the other end in its own netns is gone too"
ln_cleanup
wait $send 2>/dev/null
ktap_finish
