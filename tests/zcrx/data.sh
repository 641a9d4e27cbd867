#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# io_uring zero-copy receive over a loopnic pair, the way a user sets up a
# physical NIC: tcp-data-split on, an ntuple rule steering the port to the
# bound queue. tests/tools/zcrx_rx receives pattern streams and checks every
# byte through the area; the instance's fdinfo counters say how many bytes
# came zero-copy and how many were copied.
#  - IPv4, multishot, 2 x 128 MiB on one queue: all zero-copy;
#  - IPv6, single-shot requests with a 1 MiB budget, re-armed, 2 x 128 MiB:
#    all zero-copy, the refill ring in user memory;
#  - a flow RSS puts on another queue, and a flow over lo: all copied;
#  - starvation: a 64-buffer area and a consumer that sleeps per buffer;
#    the queue runs out of buffers, the flow stalls and recovers, no loss;
#  - after each run the ring is gone, so is the provider: the queue has no
#    io-uring nest and no page pool of the device is left waiting.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ZCRX_RX=$LN_BIN/tools/zcrx_rx
PSTREAM=$LN_BIN/tools/pstream
PORT=9000		# steered to the bound queue
OTHER_PORT=9001		# RSS, which spreads over queue 0 only
QUEUE=1
BYTES=$((128 << 20))

tmp=$(mktemp -d)
cleanup() {
	rm -rf "$tmp"
	ln_cleanup
}
trap cleanup EXIT

ktap_plan 6

# provider_gone: no queue of B shows an io-uring nest and every pool of B
# that the driver let go of has drained
provider_gone() {
	ln_flush_defer
	ynl "$LN_NS_B" netdev --dump queue-get | grep -q io-uring && return 1
	! ln_pools "$LN_NS_B" "$LN_DEV_B" | awk '$3 == 1 { f = 1 } END { exit !f }'
}

# run_case NAME SEND_NS ADDR SEND_PORT CONNS BYTES ZCRX_RX_ARGS...: stream
# CONNS x BYTES from SEND_NS to ADDR:SEND_PORT into zcrx_rx; sets $counters
# to "ZC COPY" and returns zcrx_rx's verdict
run_case() {
	local name=$1 ns=$2 addr=$3 port=$4 conns=$5 bytes=$6 out rx rc fam=''

	shift 6
	out=$tmp/$name
	case $addr in *:*) fam=-6 ;; esac
	in_b "$ZCRX_RX" -i "$LN_DEV_B" -q $QUEUE -p $port $fam -c "$conns" \
		-b "$bytes" -t 240 "$@" > "$out" 2>&1 &
	rx=$!
	ln_wait 10 grep -q '^listening' "$out"
	ip netns exec "$ns" "$PSTREAM" send $fam -a "$addr" -p $port \
		-b "$bytes" -c "$conns" > "$out.send" 2>&1
	wait $rx
	rc=$?
	sed 's/^/# zcrx_rx: /' "$out"
	counters=$(sed -n 's/^zcrx: .*zc_bytes=\([0-9]*\) copy_bytes=\([0-9]*\)/\1 \2/p' "$out")
	grep -q '^done: ok' "$out" || rc=1
	if ! ln_wait 30 provider_gone; then
		ktap_info "the provider outlived the ring"
		ln_pools "$LN_NS_B" "$LN_DEV_B" | sed 's/^/# pool id inflight detached: /'
		rc=1
	fi
	return $rc
}

ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
[ -x "$ZCRX_RX" ] || { ktap_info "no $ZCRX_RX"; exit 1; }
in_b ip link set lo up
in_b ethtool -L "$LN_DEV_B" combined 2
in_b ethtool -X "$LN_DEV_B" equal 1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action $QUEUE > /dev/null
in_b ethtool -N "$LN_DEV_B" flow-type tcp6 dst-port $PORT action $QUEUE > /dev/null
ln_hds "$LN_NS_B" "$LN_DEV_B" on

total=$((2 * BYTES))
run_case v4 "$LN_NS_A" "$LN_ADDR4_B" $PORT 2 $BYTES -A 32M
rc=$?
[ "$counters" = "$total 0" ] || rc=1
ktap_result $rc "IPv4 multishot: 2 x 128 MiB on queue $QUEUE, verified, all zero-copy ($counters)"

run_case v6 "$LN_NS_A" "$LN_ADDR6_B" $PORT 2 $BYTES -A 32M -B 1M -U
rc=$?
[ "$counters" = "$total 0" ] || rc=1
ktap_result $rc "IPv6 1 MiB budgets re-armed, user refill ring: 2 x 128 MiB, verified, all zero-copy ($counters)"

bytes=$((16 << 20))
run_case rss "$LN_NS_A" "$LN_ADDR4_B" $OTHER_PORT 1 $bytes
rc=$?
[ "$counters" = "0 $bytes" ] || rc=1
ktap_result $rc "a flow on another queue is copied into the area, verified ($counters)"

run_case lo "$LN_NS_B" 127.0.0.1 $PORT 1 $bytes
rc=$?
[ "$counters" = "0 $bytes" ] || rc=1
ktap_result $rc "a flow over lo is copied into the area, verified ($counters)"

# short of buffers, the queue drops frames (no descriptor) or fails refills
starved() {
	echo $(($(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${QUEUE}_drops_no_desc) +
		$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${QUEUE}_alloc_fail)))
}
before=$(starved)
bytes=$((8 << 20))
run_case starve "$LN_NS_A" "$LN_ADDR4_B" $PORT 1 $bytes -A 256K -r 64 -s 300
rc=$?
after=$(starved)
ktap_info "queue $QUEUE ran out of buffers $((after - before)) times"
[ "$counters" = "$bytes 0" ] || rc=1
[ $((after - before)) -gt 0 ] || rc=1
ktap_result $rc "a 64-buffer area with a slow consumer stalls the flow, which recovers: 8 MiB verified ($counters)"

# One more registration on the same queue right after all of the above
run_case again "$LN_NS_A" "$LN_ADDR4_B" $PORT 1 $((4 << 20)) -A 4M
ktap_result $? "the queue takes a new instance after five ring exits"
ktap_finish
