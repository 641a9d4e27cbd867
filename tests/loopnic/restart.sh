#!/bin/bash
# Queue restart under a live stream: the queue carrying the flow is
# restarted 20 times through the queue management ops (debugfs knob, as
# 6.12 has no other trigger). Every restart swaps in fresh page pools; the
# stream must not be corrupted nor stall longer than a TCP retransmission
# timeout with backoff, and the replaced pools must release every page
# (netdev page-pool-get: no pool left waiting for pages in flight).
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

# A restart drops what sat in the old ring; TCP resends after its RTO
# (200 ms minimum, doubled on repeated loss). More than this is a stall.
MAX_GAP_MS=3000

ktap_plan 4
ktap_scale RESTARTS 20
trap 'rm -f "$stop" "$report"; ln_cleanup' EXIT
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }

in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $LN_PORT action 1 > /dev/null
knob=$(ln_restart_knob "$LN_NS_B" "$LN_DEV_B")
pools_before=$(ln_pools "$LN_NS_B" "$LN_DEV_B" | wc -l)

stop=$(mktemp -u)
report=$(mktemp)
in_b "$PSTREAM" recv -p $LN_PORT -t 600 -m $MAX_GAP_MS > "$report" 2>&1 &
recv=$!
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $LN_PORT -u "$stop" &
send=$!

rx1() { ln_rx_packets "$LN_NS_B" "$LN_DEV_B" | awk '{ print $2 }'; }
# moved_since N: queue 1 received packets since its counter read N
moved_since() { [ "$(rx1)" -gt "$1" ]; }

done_restarts=0
for i in $(seq $RESTARTS); do
	# Restart only under traffic: wait for the flow to reach queue 1
	ln_wait 30 moved_since "$(rx1)" || break
	echo 1 > "$knob" || break
	done_restarts=$i
done
# Traffic must resume after the last restart too
ln_wait 30 moved_since "$(rx1)"
resumed=$?
touch "$stop"
wait $send
wait $recv
rc=$?
sed 's/^/# /' "$report"

ktap_result $([ $done_restarts -eq $RESTARTS ]; echo $?) \
	"$RESTARTS restarts of queue 1 under traffic ($done_restarts done)"
ktap_result $resumed "traffic resumes after the last restart"
ktap_result $rc "stream intact, no gap over $MAX_GAP_MS ms"

# Replaced pools linger (detached) until their last page comes home
no_detached() { ! ln_pools "$LN_NS_B" "$LN_DEV_B" | awk '$3 == 1 { f = 1 } END { exit !f }'; }
ln_wait 60 no_detached
rc=$?
ln_pools "$LN_NS_B" "$LN_DEV_B" | sed 's/^/# pool id inflight detached: /'
pools_after=$(ln_pools "$LN_NS_B" "$LN_DEV_B" | wc -l)
[ "$pools_after" -eq "$pools_before" ] || rc=1
ktap_result $rc "replaced page pools drain to zero in flight and go away"
ktap_finish
