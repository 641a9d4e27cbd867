#!/bin/bash
# make run, second part: zero-copy receive on a loopnic pair, set up the
# way a user sets up a physical NIC (tcp-data-split on, an ntuple rule for
# the port), 256 MiB streamed into tools/zcrx-sink, then the same
# streams into a plain recv() sink (pstream) for comparison.
source "$(dirname "$0")/../tests/lib/loopnic.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
SEND=$LN_TOP/build/tools/zcrx-send
PORT=9000
BYTES=128M

ln_setup > /dev/null || { echo "demo: cannot create the loopnic pair"; exit 1; }
trap ln_cleanup EXIT
echo
echo "zcrx demo: loopnic pair $LN_DEV_A ($LN_NS_A) -> $LN_DEV_B ($LN_NS_B)"
echo "  ethtool -G $LN_DEV_B tcp-data-split on  (through the ethtool netlink spec)"
ln_hds "$LN_NS_B" "$LN_DEV_B" on
echo "  ethtool -X $LN_DEV_B weight 1 0; ethtool -N $LN_DEV_B flow-type tcp4 dst-port $PORT action 1"
in_b ethtool -X "$LN_DEV_B" weight 1 0
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action 1 > /dev/null

echo "  zcrx-sink -i $LN_DEV_B -q 1 -p $PORT -4 -v -n 2; zcrx-send -c 2 -b $BYTES"
in_b "$SINK" -i "$LN_DEV_B" -q 1 -p $PORT -4 -v -n 2 -A 64M > /tmp/sink.out 2>&1 &
sink=$!
ln_wait 20 grep -q . /tmp/sink.out
in_a "$SEND" -p $PORT -4 -c 2 -b $BYTES -s "$LN_ADDR4_B"
wait $sink
rc=$?
sed 's/^/  sink: /' /tmp/sink.out

echo "  for comparison, plain recv(): pstream recv -c 2, same streams"
in_b "$PSTREAM" recv -p $((PORT + 1)) -c 2 -b $((128 << 20)) > /tmp/recv.out 2>&1 &
recv=$!
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $((PORT + 1)) action 1 > /dev/null
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $((PORT + 1)) -b $((128 << 20)) -c 2
wait $recv
sed 's/^/  recv: /' /tmp/recv.out
exit $rc
