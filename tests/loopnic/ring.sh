#!/bin/bash
# Ring exhaustion: with a 64-entry rx ring, jumbo frames from several
# streams and NAPI polling at most every 200 ms (interrupt moderation), the
# emulated device runs out of posted descriptors.
# Like hardware it drops those frames and counts them (rx_drops_no_desc);
# it never queues them in software. TCP must still deliver every byte.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ktap_plan 4
trap ln_cleanup EXIT
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }

in_b ethtool -G "$LN_DEV_B" rx 64
# Interrupt moderation, the standard knobs: after a poll the queue's
# interrupt stays off and NAPI polls again only after 200 ms, so bursts meet
# an empty ring the way they would behind a NIC's interrupt coalescing.
# 64 slots hold 21 jumbo frames; the first windows of 8 flows are 80.
in_b sh -c "echo 1 > /sys/class/net/$LN_DEV_B/napi_defer_hard_irqs"
in_b sh -c "echo 200000000 > /sys/class/net/$LN_DEV_B/gro_flush_timeout"
pending=$(in_b ethtool -g "$LN_DEV_B" | awk '/^RX:/ { v = $2 } END { print v }')
ktap_result $([ "$pending" = 64 ]; echo $?) "ethtool -G rx 64 sets a 64-entry ring"

in_a ip link set "$LN_DEV_A" mtu 9000
in_b ip link set "$LN_DEV_B" mtu 9000
before=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx_drops_no_desc)
ln_stream "$LN_NS_B" "$LN_NS_A" "$LN_ADDR4_B" $((2 << 20)) -c 8
rc=$?
after=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx_drops_no_desc)
drops=$((after - before))
ktap_info "frames dropped for want of a descriptor: $drops"
ktap_result $rc "8 x 2 MiB through a 64-entry ring arrive intact"
ktap_result $([ "$drops" -gt 0 ]; echo $?) "the exhausted ring counts its drops"

# ip -s link shows the same drops as missed frames
missed=$(in_b cat "/sys/class/net/$LN_DEV_B/statistics/rx_missed_errors")
ktap_info "rx_missed_errors: $missed"
ktap_result $([ "$missed" = "$after" ]; echo $?) \
	"rx_missed_errors in the link totals equals rx_drops_no_desc"
ktap_finish
