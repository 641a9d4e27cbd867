#!/bin/bash
# Channels, RSS and ntuple steering, laid out the way zcrx uses a NIC:
# four channels, RSS spread over queues 0-2 only (`ethtool -X equal 3`),
# and an ntuple rule sending TCP port 5001 to the excluded queue 3.
# Per-queue counters prove where each flow landed, through ethtool -S and
# through the netdev queue-stats API.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ktap_plan 7
trap ln_cleanup EXIT
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }

# queue_delta BEFORE AFTER Q: packets queue Q received in between
queue_delta() {
	local b a

	b=$(echo "$1" | awk -v q=$(($3 + 1)) '{ print $q }')
	a=$(echo "$2" | awk -v q=$(($3 + 1)) '{ print $q }')
	echo $((a - b))
}

in_b ethtool -L "$LN_DEV_B" combined 4
channels=$(in_b ethtool -l "$LN_DEV_B" | awk '/^Combined:/ { v = $2 } END { print v }')
ktap_result $([ "$channels" = 4 ]; echo $?) "ethtool -L combined 4 gives 4 channels"

in_b ethtool -X "$LN_DEV_B" equal 3
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port 5001 action 3 > /dev/null
in_b ethtool -N "$LN_DEV_B" flow-type tcp6 dst-port 5001 action 3 > /dev/null
rules=$(in_b ethtool -n "$LN_DEV_B" | grep -c "Action: Direct to queue 3")
ktap_result $([ "$rules" = 2 ]; echo $?) "ethtool -n lists both rules to queue 3"

ktap_scale BYTES $((16 << 20))
ktap_scale RSS_BYTES $((2 << 20))
for addr in "$LN_ADDR4_B" "$LN_ADDR6_B"; do
	before=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	LN_PORT=5001 ln_stream "$LN_NS_B" "$LN_NS_A" "$addr" $BYTES
	rc=$?
	after=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	q3=$(queue_delta "$before" "$after" 3)
	ktap_info "queue 3 received $q3 packets"
	# the stream needs at least its bytes / MTU frames
	[ "$q3" -ge $((BYTES / 1500)) ] || rc=1
	ktap_result $rc "port 5001 to $addr lands on queue 3"
done

# RSS is Toeplitz over the 4-tuple, and connect() picks source ports a
# few apart, so with a random key the 16 flows can share a hash bucket
# (about 1 run in 1000 put them all on one queue). A fixed key (the
# Microsoft verification key) and fixed source ports make the spread
# deterministic: ports 40000-40015 from A to B:5002 hash to queues
# 0 0 2 0 2 1 1 2 1 2 1 0 0 1 2 2, five to six flows per queue.
rss_key=6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb
rss_key=$rss_key:ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa
in_b ethtool -X "$LN_DEV_B" hkey "$rss_key"
before=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
LN_PORT=5002 LN_SPORT=40000 ln_stream "$LN_NS_B" "$LN_NS_A" "$LN_ADDR4_B" \
	$RSS_BYTES -c 16
rc=$?
after=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
for q in 0 1 2; do
	d=$(queue_delta "$before" "$after" $q)
	ktap_info "queue $q received $d packets"
	[ "$d" -gt 0 ] || rc=1
done
q3=$(queue_delta "$before" "$after" 3)
ktap_info "queue 3 received $q3 packets"
ktap_result $rc "16 flows to port 5002 spread by RSS over all of queues 0-2"
ktap_result $([ "$q3" -eq 0 ]; echo $?) "no RSS flow reaches the excluded queue 3"

# The queue-stats API must agree with ethtool -S. The last ACKs of the
# streams may still be arriving: compare again until the counters settle.
for _ in $(seq 20); do
	ethtool_view=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	qstats_view=$(ln_queue_stats "$LN_NS_B" "$LN_DEV_B" | sort -n |
		awk '{ printf "%s ", $2 } END { print "" }')
	[ "$ethtool_view" = "$qstats_view" ] && break
	sleep 0.1
done
ktap_info "ethtool -S: $ethtool_view; qstats-get: $qstats_view"
ktap_result $([ "$ethtool_view" = "$qstats_view" ]; echo $?) \
	"qstats-get per-queue rx-packets match ethtool -S"
ktap_finish
