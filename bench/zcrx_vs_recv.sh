#!/bin/bash
# Zero-copy receive against plain recv() on the same loopnic setup: one
# TCP stream from pstream's sender into tools/zcrx-sink (RECV_ZC on the
# steered queue) and into pstream's recv() sink, runs alternating, both
# sinks checking every byte. Runs in the VM:
#   make bench
# A TCG guest has no DMA and a slow CPU: the ratio says what skipping the
# copy is worth on this emulated path, not what a NIC would do.
source "$(dirname "$0")/../tests/lib/loopnic.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
BYTES=${BYTES:-$((256 << 20))}
RUNS=${RUNS:-3}
PORT=9000

trap ln_cleanup EXIT
ln_setup > /dev/null || exit 1
in_b ethtool -L "$LN_DEV_B" combined 2
in_b ethtool -X "$LN_DEV_B" equal 1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action 1 > /dev/null
ln_hds "$LN_NS_B" "$LN_DEV_B" on
out=$(mktemp)

send() {
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $PORT -b "$BYTES" -c 1 \
		> /dev/null
}

# zcrx_rate: MB/s from the sink's first to its last byte, all zero-copy
zcrx_rate() {
	in_b "$SINK" -i "$LN_DEV_B" -q 1 -p $PORT -4 -v -j -n 1 -A 64M \
		> "$out" 2>&1 &
	local sink=$!

	ln_wait 20 grep -q listening "$out" || return 1
	send || return 1
	wait $sink || { cat "$out" >&2; return 1; }
	python3 -c '
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if "\"total\"" in l][0]
assert t["verify"] == "ok" and t["bytes"] == int(sys.argv[2]), t
assert t["copy_bytes"] == 0, t
print("%.1f" % (t["bytes"] / t["seconds"] / 1e6))
' "$out" "$BYTES"
}

# recv_rate: MB/s of pstream's recv() sink over the same span
recv_rate() {
	in_b "$PSTREAM" recv -p $PORT -c 1 -b "$BYTES" > "$out" 2>&1 &
	local sink=$!

	send || return 1
	wait $sink || { cat "$out" >&2; return 1; }
	sed -n 's/.* bad=0 .*MBps=\([0-9.]*\).*/\1/p' "$out"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

zc=() rv=()
for run in $(seq "$RUNS"); do
	z=$(zcrx_rate) && [ -n "$z" ] || { echo "zcrx run $run failed"; exit 1; }
	r=$(recv_rate) && [ -n "$r" ] || { echo "recv run $run failed"; exit 1; }
	echo "run $run: zcrx-sink $z MB/s, recv() $r MB/s"
	zc+=("$z") rv+=("$r")
done
z=$(printf '%s\n' "${zc[@]}" | median)
r=$(printf '%s\n' "${rv[@]}" | median)
echo "zcrx vs recv, one stream of $((BYTES >> 20)) MiB, median of $RUNS: $z vs $r MB/s, ratio $(awk "BEGIN { printf \"%.2f\", $z / $r }")"
